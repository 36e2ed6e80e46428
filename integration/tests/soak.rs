//! The soak as `scripts/soak` runs it, for 60 s with a fixed seed against the binary under
//! test, with fewer devices and calls than the full run: the clients must get every event of
//! their monitors once and in order through overlapping faults of every kind, no call stuck or
//! missing at the end, SystemStatus only when all XSPs are down, every request answered once,
//! and no resource figure growing. Prints the table.

use std::path::PathBuf;

use bwcsta_integration::soak::{run, Options};

const BIN: &str = env!("CARGO_BIN_EXE_bwcsta");

#[test]
fn a_minute_of_chaos_loses_nothing() {
    let mut opts = Options::new(PathBuf::from(BIN));
    opts.minutes = 1.0;
    opts.seed = 21;
    opts.devices = 200;
    opts.calls_per_s = 4.0;
    let summary = run(&opts, |line| eprintln!("{line}")).expect("the soak runs");
    let table = summary.render();
    println!("{table}");
    assert!(summary.faults.values().all(|&n| n >= 1), "{table}");
    assert!(summary.findings.required > 1000, "{table}");
    assert!(summary.passed(), "{table}");
}
