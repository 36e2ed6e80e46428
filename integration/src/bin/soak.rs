//! `soak`: hot standby under chaos (see `bwcsta_integration::soak`); `scripts/soak` runs it.
//!
//! ```text
//! soak --bwcsta PATH [--minutes N] [--seed S] [--calls-per-s R] [--devices D] [--xsps 2|3]
//!      [--capture DIR]
//! ```
//! Prints one Markdown table; exit 0 on PASS, 1 on FAIL (with the seed and the first violated
//! check), 2 on bad usage.

use std::path::PathBuf;
use std::process::ExitCode;

use bwcsta_integration::soak::{run, Options};
use bwcsta_integration::tool;

const USAGE: &str = "usage: soak --bwcsta PATH [--minutes N] [--seed S] [--calls-per-s R] \
[--devices D] [--xsps 2|3] [--capture DIR]";

fn number<T: std::str::FromStr>(name: &str, value: Option<String>) -> Result<T, String> {
    let text = value.ok_or(format!("{name} needs a value"))?;
    text.parse().map_err(|_| format!("bad {name} {text}"))
}

fn parse() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut opts = Options::new(PathBuf::new());
    opts.seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_secs());
    let mut bwcsta = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bwcsta" => bwcsta = Some(PathBuf::from(args.next().ok_or("--bwcsta needs a path")?)),
            "--minutes" => opts.minutes = number("--minutes", args.next())?,
            "--seed" => opts.seed = number("--seed", args.next())?,
            "--calls-per-s" => opts.calls_per_s = number("--calls-per-s", args.next())?,
            "--devices" => opts.devices = number("--devices", args.next())?,
            "--xsps" => opts.xsps = number("--xsps", args.next())?,
            "--capture" => {
                opts.capture = Some(PathBuf::from(
                    args.next().ok_or("--capture needs a directory")?,
                ))
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !(2..=3).contains(&opts.xsps) {
        return Err("--xsps must be 2 or 3".into());
    }
    if !(opts.minutes > 0.0 && opts.calls_per_s >= 0.0 && opts.devices >= 10) {
        return Err(
            "--minutes must be positive, --calls-per-s not negative, --devices at least 10".into(),
        );
    }
    opts.bwcsta = bwcsta.ok_or("--bwcsta is required")?;
    Ok(opts)
}

fn main() -> ExitCode {
    tool::main(
        "soak",
        USAGE,
        parse,
        |opts| run(opts, |line| eprintln!("{line}")),
        |opts| Some(format!("seed {} (replay: --seed {})", opts.seed, opts.seed)),
    )
}
