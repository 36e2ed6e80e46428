//! `bench`: the benchmark suite (see `bwcsta_integration::bench`); `scripts/bench` runs it.
//!
//! ```text
//! bench --bwcsta PATH [--quick] [--only throughput,latency,storm] [--storm-workers N|default]
//!       [--storm-devices N]
//! ```
//! Prints one Markdown table of figures with their targets and PASS/MISS, then notes. Exit 0
//! when every part ran and its checks held (whatever the verdicts), 1 when one could not run or
//! lost events or MonitorStarts, 2 on bad usage.

use std::path::PathBuf;
use std::process::ExitCode;

use bwcsta_integration::bench::{run, Options};
use bwcsta_integration::tool;

const USAGE: &str = "usage: bench --bwcsta PATH [--quick] [--only throughput,latency,storm] \
[--storm-workers N|default] [--storm-devices N]";

fn parse() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut opts = Options::new(PathBuf::new());
    let mut bwcsta = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bwcsta" => bwcsta = Some(PathBuf::from(args.next().ok_or("--bwcsta needs a path")?)),
            "--quick" => opts.quick = true,
            "--only" => {
                let parts = args.next().ok_or("--only needs a list")?;
                opts.throughput = false;
                opts.latency = false;
                opts.storm = false;
                for part in parts.split(',') {
                    match part.trim() {
                        "throughput" => opts.throughput = true,
                        "latency" => opts.latency = true,
                        "storm" => opts.storm = true,
                        other => return Err(format!("unknown part {other}")),
                    }
                }
            }
            "--storm-workers" => {
                let n = args.next().ok_or("--storm-workers needs a number")?;
                opts.storm_workers = match n.as_str() {
                    "default" => None,
                    _ => Some(
                        n.parse()
                            .ok()
                            .filter(|n| (1..=256).contains(n))
                            .ok_or(format!("bad --storm-workers {n}"))?,
                    ),
                };
            }
            "--storm-devices" => {
                let n = args.next().ok_or("--storm-devices needs a number")?;
                opts.storm_devices =
                    Some(n.parse().map_err(|_| format!("bad --storm-devices {n}"))?);
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    opts.bwcsta = bwcsta.ok_or("--bwcsta is required")?;
    Ok(opts)
}

fn main() -> ExitCode {
    tool::main(
        "bench",
        USAGE,
        parse,
        |opts| run(opts, |part| eprintln!("== {part}")),
        |_| None,
    )
}
