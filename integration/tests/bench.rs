//! The benchmark suite as `scripts/bench --quick` runs it, end to end against
//! the real binary with small loads: every part runs, and what it checks
//! along the way holds — every flood event arrives (also when a channel is
//! cut half-way), nothing twice, every MonitorStart of a storm is answered,
//! in order. The figures are printed, never compared with anything: timings
//! belong to the benchmark, not to the tests.

use std::path::PathBuf;

use bwcsta_integration::bench::{run, Options};

const BIN: &str = env!("CARGO_BIN_EXE_bwcsta");

#[test]
fn every_part_of_the_quick_benchmark_runs_and_loses_nothing() {
    let mut opts = Options::new(PathBuf::from(BIN));
    opts.quick = true;
    let report = run(&opts, |part| eprintln!("bench: {part}")).expect("quick suite");
    let table = report.render();
    println!("{table}");
    assert_eq!(report.failures, Vec::<String>::new(), "{table}");
    assert_eq!(report.rows.len(), 14, "{table}");
}
