//! Fuzzes the JUnit reader: any bytes must give cases or an error, never a panic, and
//! the result must not depend on how the input is split into reads.

#![no_main]

use std::io::{self, BufReader, Read};

use libfuzzer_sys::fuzz_target;
use slipgate::collect::junit::{MESSAGE_MAX_CHARS, Merger, RawCase, parse_reader};
use slipgate::metrics::test_results::summarize;
use slipgate::model::TestRun;

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

fn parse(data: &[u8], step: usize) -> (Vec<RawCase>, Result<usize, Option<(String, u64, u64)>>) {
    let mut cases = Vec::new();
    let reader = BufReader::with_capacity(step, Chunked { data, step });
    let result = parse_reader("fuzz.xml", reader, &mut |c| cases.push(c));
    let result = match result {
        Ok(stats) => Ok(stats.cases),
        Err(e) => {
            // Every error renders; malformed ones point at a real position.
            let _ = e.to_string();
            Err(e.location().map(|(f, l, c)| {
                assert!(l >= 1 && c >= 1, "position {l}:{c}");
                (f.to_string(), l, c)
            }))
        }
    };
    (cases, result)
}

fuzz_target!(|data: &[u8]| {
    let (cases, result) = parse(data, 1 << 16);
    if let Ok(n) = result {
        assert_eq!(n, cases.len());
    }
    for c in &cases {
        assert!(c.duration.is_finite() && c.duration >= 0.0, "{c:?}");
        if let Some(m) = &c.message {
            assert!(m.chars().count() <= MESSAGE_MAX_CHARS + 1, "{m:?}");
            assert!(!m.contains(['\n', '\r']) && !m.trim().is_empty(), "{m:?}");
        }
    }
    // Split into reads of 1 and 7 bytes: the same cases, the same verdict and position.
    for step in [1, 7] {
        let (again, result2) = parse(data, step);
        assert_eq!(cases, again, "step {step}");
        assert_eq!(result, result2, "step {step}");
    }
    let mut merger = Merger::default();
    for c in cases {
        merger.add(c, "fuzz.xml");
    }
    let run = TestRun {
        files: vec!["fuzz.xml".into()],
        cases: merger.finish(),
        warnings: vec![],
    };
    let m = summarize(&run);
    assert_eq!(m.passed + m.failed + m.errored + m.skipped, m.total);
    let r = m.runs;
    assert_eq!(r.passed + r.failed + r.errored + r.skipped, r.total);
    assert!(r.total >= m.total);
    assert!(m.pass_rate.is_none_or(|r| (0.0..=1.0).contains(&r)));
    assert!(m.slowest.len() <= 10);
});
