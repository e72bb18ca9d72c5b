//! Reads JUnit files and prints the test metrics, as `slipgate check` reads them (the
//! compact run); used by `benches/junit_bench.sh`.
//!
//! ```text
//! cargo run --release --example parse_junit -- 'build/**/TEST-*.xml' [more patterns]
//! ```
//!
//! Patterns are resolved against the current directory.

use std::time::Instant;

use slipgate::collect::junit::collect_table;
use slipgate::metrics::test_results::summarize_table;
use slipgate::policy::{OnMalformed, OnMissing};

fn main() -> anyhow::Result<()> {
    let patterns: Vec<String> = std::env::args().skip(1).collect();
    if patterns.is_empty() {
        anyhow::bail!("usage: parse_junit PATTERN...");
    }
    let base = std::env::current_dir()?;
    let started = Instant::now();
    let run = collect_table(&patterns, &base, OnMalformed::Error, OnMissing::Error)?;
    let m = summarize_table(&run);
    let elapsed = started.elapsed().as_secs_f64();
    let bytes: u64 = run
        .files
        .iter()
        .filter_map(|f| std::fs::metadata(base.join(f)).ok())
        .map(|md| md.len())
        .sum();
    let mb = bytes as f64 / 1e6;
    println!(
        "files={} cases={} passed={} failed={} errored={} skipped={} flaky={} duration={:.3}s",
        m.files,
        m.total,
        m.passed,
        m.failed,
        m.errored,
        m.skipped,
        m.flaky.len(),
        m.duration
    );
    println!(
        "read {mb:.1} MB in {elapsed:.3} s = {:.0} MB/s",
        mb / elapsed.max(1e-9)
    );
    for w in &run.warnings {
        eprintln!("warning: {w}");
    }
    Ok(())
}
