//! What the measuring tools (`bench`, `soak`) share as programs: parse the arguments, run,
//! print the table on standard output, and exit 0 when the run passed its checks, 1 when it
//! did not or could not run, 2 on bad usage.

use std::process::ExitCode;

/// The result of a run, as the tool prints and judges it.
pub trait Outcome {
    /// The table (Markdown) and its notes.
    fn render(&self) -> String;
    /// Every check of the run held.
    fn passed(&self) -> bool;
}

/// Runs tool `name`: `parse` reads the arguments (an error is bad usage, shown with `usage`),
/// `run` does the work; `context` adds a line after a run that could not finish (the seed to
/// replay it, say).
pub fn main<O, R: Outcome>(
    name: &str,
    usage: &str,
    parse: impl FnOnce() -> Result<O, String>,
    run: impl FnOnce(&O) -> Result<R, String>,
    context: impl FnOnce(&O) -> Option<String>,
) -> ExitCode {
    let opts = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{name}: {e}\n{usage}");
            return ExitCode::from(2);
        }
    };
    match run(&opts) {
        Ok(outcome) => {
            print!("{}", outcome.render());
            if outcome.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("{name}: {e}");
            if let Some(line) = context(&opts) {
                eprintln!("{name}: {line}");
            }
            ExitCode::from(1)
        }
    }
}
