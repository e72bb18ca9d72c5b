//! Fuzzes the coverage reader (LCOV and Cobertura XML): any bytes must give coverage or
//! an error, never a panic; the result must not depend on how the input is split into
//! reads; the figures hold their invariants.

#![no_main]

use std::io::{self, BufReader, Read};

use libfuzzer_sys::fuzz_target;
use slipgate::collect::coverage::{Parsed, parse_reader};
use slipgate::metrics::coverage::summarize;
use slipgate::model::coverage::CoverageRun;

/// Hands out at most `step` bytes per read.
struct Chunked<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        buf[..n].copy_from_slice(head);
        self.data = rest;
        Ok(n)
    }
}

fn parse(data: &[u8], step: usize) -> Result<Parsed, Option<(u64, u64)>> {
    let reader = BufReader::with_capacity(step, Chunked { data, step });
    parse_reader("fuzz.cov", reader).map_err(|e| {
        // Every error renders; malformed ones point at a real position.
        let _ = e.to_string();
        e.location().map(|(_, l, c)| {
            assert!(l >= 1 && c >= 1, "position {l}:{c}");
            (l, c)
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let first = parse(data, 1 << 16);
    for step in [1, 7] {
        assert_eq!(first, parse(data, step), "step {step}");
    }
    let Ok(parsed) = first else {
        return;
    };
    for f in parsed.values() {
        assert!(f.lines.keys().all(|l| *l >= 1));
        assert!(f.branches.values().all(|(taken, total)| taken <= total));
        assert!(f.line_summary.is_none_or(|(found, hit)| hit <= found));
    }
    let run = CoverageRun {
        sources: parsed,
        ..CoverageRun::default()
    };
    let m = summarize(&run);
    assert!(m.lines.covered <= m.lines.total);
    assert!(m.branches.covered <= m.branches.total);
    assert!(m.lines.ratio().is_none_or(|r| (0.0..=1.0).contains(&r)));
});
