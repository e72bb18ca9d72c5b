//! The history that survives: a hidden, versioned, size-bounded block in the trend issue's
//! body that keeps the key figures of past updates, so that deltas "since last update" and
//! the pass-rate chart need no cache.
//!
//! The block is one HTML comment, `<!-- slipgate:history v1 {json} -->`, placed near the
//! top of the body (under the marker, so the safe cut of a long body keeps it). It holds
//! figures and ids only, all of which the issue already shows: the snapshot of the
//! headline metrics at each update (time, verdict, values) and the test runs (time,
//! commit, run id, pass rate, failed, flaky).
//!
//! Reading it back trusts nothing: a block that is too large, not JSON, of another
//! version or shape, with times out of range or out of order, commits that are not hex or
//! run ids that are not numbers, is ignored as a whole with a warning
//! ([`decode`] returns the warning). The JSON is written with `<`, `>` and `&` as `\u`
//! escapes and holds no `--`, so `-->` can never end the comment early.
//!
//! Pure: the caller passes the body it read and the evaluation time.

use crate::model::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The block's shape version (2: runs keep their line coverage). A block of version 1
/// still reads: its runs have no coverage.
pub const VERSION: u32 = 2;
/// The versions read.
const READ_VERSIONS: [u32; 2] = [1, 2];
/// What starts the block (any version).
const PREFIX: &str = "<!-- slipgate:history ";
const SUFFIX: &str = " -->";
/// Updates kept: 26 weekly updates are half a year.
pub const MAX_SNAPSHOTS: usize = 26;
/// Test runs kept.
pub const MAX_RUNS: usize = 50;
/// The largest block read or written, in bytes (the full block is about 12 KB).
pub const MAX_BLOCK_BYTES: usize = 32_768;
/// Times before 2000-01-01 are not slipgate's.
const MIN_TIME: Timestamp = 946_684_800;
/// A time may lie this far after the evaluation time (clock skew between runners).
const FUTURE_SLACK: i64 = 86_400;
/// The largest value kept (counts, seconds, percentages all lie far below).
const MAX_VALUE: f64 = 1e12;
const MAX_COUNT: u64 = 1_000_000_000;

/// The metrics a snapshot keeps: their names as in the policy. Anything else in a block
/// is dropped when read.
pub const KEYS: &[&str] = &[
    "open_bugs.total",
    "open_bugs.overdue",
    "release_frequency",
    "changes",
    "lead_time.p50",
    "lead_time.p90",
    "bugs_found",
    "defect_rate",
    "bug_fix_time.p50",
    "bug_fix_time.p90",
    "bug_fix_time.within_slo",
    "time_to_restore.p50",
    "change_failure_rate",
    "pr_cycle_time.p50",
    "time_to_first_response.p50",
    "tests.pass_rate",
    "tests.failed",
    "tests.flaky",
    "coverage.lines",
];

/// The kept history: oldest first.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    pub snapshots: Vec<Snapshot>,
    pub runs: Vec<RunFigures>,
}

/// The headline figures of one update of the issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// The evaluation time of the update.
    pub t: Timestamp,
    /// The verdict then: `pass`, `warn` or `fail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// Metric name (one of [`KEYS`]) → value in the JSON report's units (seconds,
    /// fractions, counts, releases per week). Metrics without a value are left out.
    pub values: BTreeMap<String, f64>,
}

impl Snapshot {
    pub fn get(&self, key: &str) -> Option<f64> {
        self.values.get(key).copied()
    }
}

/// One recorded test run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunFigures {
    pub t: Timestamp,
    /// The full commit sha (hex).
    pub commit: String,
    /// The Actions run id (digits), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// Passed / (passed + failed + errored); none when nothing ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_rate: Option<f64>,
    /// Failed tests (errored ones not counted, as in `tests.failed`).
    pub failed: u64,
    pub flaky: u64,
    /// `coverage.lines` of the run (a share), when it read coverage reports (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    v: u32,
    snapshots: Vec<Snapshot>,
    runs: Vec<RunFigures>,
}

/// Whether `s` is a commit sha: 7 to 64 hex digits.
pub fn is_commit(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `s` is an Actions run id: 1 to 20 digits.
pub fn is_run_id(s: &str) -> bool {
    (1..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn time_ok(t: Timestamp, now: Timestamp) -> bool {
    (MIN_TIME..=now.saturating_add(FUTURE_SLACK)).contains(&t)
}

fn value_ok(v: f64) -> bool {
    v.is_finite() && (0.0..=MAX_VALUE).contains(&v)
}

impl Snapshot {
    /// The figures as the block keeps them: known metrics with valid values, rounded (so
    /// a figure shown now compares with the same figure read back later as equal).
    pub fn as_kept(mut self) -> Snapshot {
        self.values
            .retain(|k, v| KEYS.contains(&k.as_str()) && value_ok(*v));
        for v in self.values.values_mut() {
            *v = round(*v);
        }
        self
    }
}

/// Rounds a value for the block: shares and rates to 4 decimals, the rest to 2 (seconds
/// are whole anyway).
fn round(v: f64) -> f64 {
    if v.abs() < 10.0 {
        (v * 10_000.0).round() / 10_000.0
    } else {
        (v * 100.0).round() / 100.0
    }
}

impl History {
    /// Checks every figure; the first problem found, worded for a warning.
    fn validate(&mut self, now: Timestamp) -> Result<(), String> {
        if self.snapshots.len() > MAX_SNAPSHOTS || self.runs.len() > MAX_RUNS {
            return Err(format!(
                "more than {MAX_SNAPSHOTS} updates or {MAX_RUNS} test runs"
            ));
        }
        let mut last = None;
        for s in &mut self.snapshots {
            if !time_ok(s.t, now) || last.is_some_and(|l| s.t <= l) {
                return Err(format!("update time {} out of range or order", s.t));
            }
            last = Some(s.t);
            if let Some(v) = &s.verdict
                && !matches!(v.as_str(), "pass" | "warn" | "fail")
            {
                return Err("a verdict that is none of pass, warn, fail".into());
            }
            if s.values.values().any(|v| !value_ok(*v)) {
                return Err("a value that is not a finite non-negative number".into());
            }
            // Metrics this version does not know are not used: dropped, not trusted.
            s.values.retain(|k, _| KEYS.contains(&k.as_str()));
        }
        let mut last = None;
        for r in &self.runs {
            if !time_ok(r.t, now) || last.is_some_and(|l| r.t < l) {
                return Err(format!("test run time {} out of range or order", r.t));
            }
            last = Some(r.t);
            if !is_commit(&r.commit) {
                return Err("a commit that is not a hex sha".into());
            }
            if r.run.as_deref().is_some_and(|id| !is_run_id(id)) {
                return Err("a run id that is not a number".into());
            }
            if r.pass_rate
                .is_some_and(|p| !(0.0..=1.0).contains(&p) || p.is_nan())
            {
                return Err("a pass rate outside 0..1".into());
            }
            if r.coverage
                .is_some_and(|p| !(0.0..=1.0).contains(&p) || p.is_nan())
            {
                return Err("a coverage share outside 0..1".into());
            }
            if r.failed > MAX_COUNT || r.flaky > MAX_COUNT {
                return Err("a test count out of range".into());
            }
        }
        Ok(())
    }

    /// The last update strictly before `now`.
    pub fn previous(&self, now: Timestamp) -> Option<&Snapshot> {
        self.snapshots.iter().rev().find(|s| s.t < now)
    }

    /// Adds this update's snapshot (replacing one at the same time) and test runs
    /// (replacing one of the same commit and run), then keeps the newest
    /// [`MAX_SNAPSHOTS`] and [`MAX_RUNS`]. Figures that would not pass [`decode`]'s
    /// checks are not added.
    pub fn merge(&mut self, snapshot: Option<Snapshot>, runs: Vec<RunFigures>, now: Timestamp) {
        if let Some(s) = snapshot
            && time_ok(s.t, now)
        {
            let s = s.as_kept();
            self.snapshots.retain(|o| o.t != s.t);
            self.snapshots.push(s);
        }
        self.snapshots.sort_by_key(|s| s.t);
        let keep = self.snapshots.len().saturating_sub(MAX_SNAPSHOTS);
        self.snapshots.drain(..keep);
        for mut r in runs {
            if !time_ok(r.t, now) || !is_commit(&r.commit) {
                continue;
            }
            r.run = r.run.filter(|id| is_run_id(id));
            r.pass_rate = r.pass_rate.filter(|p| (0.0..=1.0).contains(p)).map(round);
            r.coverage = r.coverage.filter(|p| (0.0..=1.0).contains(p)).map(round);
            r.failed = r.failed.min(MAX_COUNT);
            r.flaky = r.flaky.min(MAX_COUNT);
            self.runs
                .retain(|o| !(o.commit == r.commit && o.run == r.run));
            self.runs.push(r);
        }
        self.runs
            .sort_by(|a, b| (a.t, &a.commit, &a.run).cmp(&(b.t, &b.commit, &b.run)));
        let keep = self.runs.len().saturating_sub(MAX_RUNS);
        self.runs.drain(..keep);
    }
}

/// The block for `history`: one line, `<!-- slipgate:history v1 {json} -->`. None when
/// it would not be safe or small enough (it is then left out of the body).
pub fn encode(history: &History) -> Option<String> {
    let wire = Wire {
        v: VERSION,
        snapshots: history.snapshots.clone(),
        runs: history.runs.clone(),
    };
    let json = serde_json::to_string(&wire).ok()?;
    // `<`, `>`, `&` only occur inside strings, where a `\u` escape means the same.
    let json = json
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let block = format!("{PREFIX}v{VERSION} {json}{SUFFIX}");
    let inner = &block[PREFIX.len()..block.len() - SUFFIX.len()];
    (!inner.contains("--") && block.len() <= MAX_BLOCK_BYTES).then_some(block)
}

/// The history kept in `body`: `Ok(None)` when the body has no block; `Err(warning)`
/// when it has one that cannot be trusted (it is then ignored, and the next update
/// starts a new history).
pub fn decode(body: &str, now: Timestamp) -> Result<Option<History>, String> {
    let ignored = |why: &str| format!("the trend issue's history block is ignored: {why}");
    let mut starts = body.match_indices(PREFIX);
    let Some((start, _)) = starts.next() else {
        return Ok(None);
    };
    if starts.next().is_some() {
        return Err(ignored("the issue holds more than one"));
    }
    let rest = &body[start + PREFIX.len()..];
    let Some(end) = rest.find(SUFFIX) else {
        return Err(ignored("it is not closed"));
    };
    if end + PREFIX.len() + SUFFIX.len() > MAX_BLOCK_BYTES {
        return Err(ignored("it is larger than slipgate writes"));
    }
    let inner = &rest[..end];
    let Some((version, json)) = inner.split_once(' ') else {
        return Err(ignored("it has no version"));
    };
    let Some(v) = READ_VERSIONS
        .into_iter()
        .find(|v| version == format!("v{v}"))
    else {
        return Err(ignored(&format!(
            "version `{}` is not {VERSION} (written by another slipgate version?)",
            crate::report::sanitize::truncate_chars(version, 20)
        )));
    };
    let wire: Wire = serde_json::from_str(json)
        .map_err(|e| ignored(&format!("not the shape slipgate writes ({e})")))?;
    if wire.v != v || (v == 1 && wire.runs.iter().any(|r| r.coverage.is_some())) {
        return Err(ignored("its version does not match its contents"));
    }
    let mut history = History {
        snapshots: wire.snapshots,
        runs: wire.runs,
    };
    history.validate(now).map_err(|e| ignored(&e))?;
    Ok(Some(history))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = 1_780_000_000;
    const DAY: i64 = 86_400;

    fn snap(t: Timestamp, bugs: f64) -> Snapshot {
        Snapshot {
            t,
            verdict: Some("pass".into()),
            values: [("open_bugs.total".to_string(), bugs)].into(),
        }
    }

    fn run(t: Timestamp, commit: &str, id: &str, rate: f64) -> RunFigures {
        RunFigures {
            t,
            commit: commit.into(),
            run: Some(id.into()),
            pass_rate: Some(rate),
            failed: 1,
            flaky: 0,
            coverage: None,
        }
    }

    fn sample() -> History {
        let mut h = History::default();
        h.merge(
            Some(snap(NOW - 7 * DAY, 96.0)),
            vec![run(NOW - 7 * DAY, "0123456789abcdef", "1", 0.5)],
            NOW,
        );
        h.merge(
            Some(Snapshot {
                t: NOW,
                verdict: Some("fail".into()),
                values: [
                    ("open_bugs.total".to_string(), 95.0),
                    ("lead_time.p50".to_string(), 273_600.0),
                    ("tests.pass_rate".to_string(), 2.0 / 3.0),
                ]
                .into(),
            }),
            vec![run(NOW, "fedcba9876543210", "2", 2.0 / 3.0)],
            NOW,
        );
        h
    }

    #[test]
    fn round_trip() {
        let h = sample();
        let block = encode(&h).expect("block");
        assert!(block.starts_with("<!-- slipgate:history v2 {"), "{block}");
        assert!(block.ends_with("} -->"));
        assert!(!block.contains('\n'));
        let body = format!("<!-- slipgate:trend -->\n{block}\n## Quality trend\n");
        let back = decode(&body, NOW).expect("valid").expect("present");
        // 2/3 kept to 4 decimals.
        assert_eq!(back.snapshots[1].get("tests.pass_rate"), Some(0.6667));
        assert_eq!(back.runs[1].pass_rate, Some(0.6667));
        assert_eq!(back, h);
        assert_eq!(back.previous(NOW).map(|s| s.t), Some(NOW - 7 * DAY));
        assert_eq!(decode("no block here", NOW), Ok(None));
    }

    #[test]
    fn merge_replaces_the_same_run_and_keeps_the_newest() {
        let mut h = sample();
        // The same commit and run again: replaced, not added.
        h.merge(None, vec![run(NOW, "fedcba9876543210", "2", 1.0)], NOW);
        assert_eq!(h.runs.len(), 2);
        assert_eq!(h.runs[1].pass_rate, Some(1.0));
        // 60 more runs and 30 more updates: the newest 50 and 26 are kept.
        for k in 1..=60 {
            h.merge(
                None,
                vec![run(NOW - 100 * DAY + k, "abcdef0", &k.to_string(), 1.0)],
                NOW,
            );
        }
        for k in 1..=30 {
            h.merge(Some(snap(NOW - 200 * DAY + k * DAY, k as f64)), vec![], NOW);
        }
        assert_eq!(h.runs.len(), MAX_RUNS);
        assert_eq!(h.runs.last().map(|r| r.t), Some(NOW));
        assert_eq!(h.snapshots.len(), MAX_SNAPSHOTS);
        assert_eq!(h.snapshots.last().map(|s| s.t), Some(NOW));
        // Oldest kept update: of the 32 (the 30 added, all older than NOW − 7d, and the
        // 2 of the sample), the 6 oldest went (k = 1..=6), so the first kept is k = 7.
        assert_eq!(h.snapshots[0].t, NOW - 200 * DAY + 7 * DAY);
        // Bad figures are not added: a commit that is not hex, a run id that is not a
        // number (dropped, the run kept), a time in the far future.
        let mut h = History::default();
        h.merge(
            None,
            vec![
                run(NOW, "not-a-sha", "1", 1.0),
                run(NOW, "abcdef0", "x; rm", 1.0),
                run(NOW + 30 * DAY, "abcdef0", "3", 1.0),
            ],
            NOW,
        );
        assert_eq!(h.runs.len(), 1);
        assert_eq!(h.runs[0].run, None);
        let block = encode(&h).expect("block");
        assert!(decode(&block, NOW).expect("valid").is_some());
    }

    #[test]
    fn malformed_blocks_are_ignored_with_a_warning() {
        let good = encode(&sample()).expect("block");
        let json = good
            .strip_prefix("<!-- slipgate:history v2 ")
            .and_then(|s| s.strip_suffix(" -->"))
            .expect("json");
        let cases = [
            (
                "<!-- slipgate:history v2 {not json} -->".to_string(),
                "shape",
            ),
            (
                "<!-- slipgate:history v2 {\"v\":2} ".to_string(),
                "not closed",
            ),
            (format!("<!-- slipgate:history v3 {json} -->"), "version"),
            (
                format!("<!-- slipgate:history v2 {json} --> {good}"),
                "more than one",
            ),
            (json.replace("\"v\":2", "\"v\":2,\"note\":\"hi\""), "shape"),
            (json.replace("0123456789abcdef", "0123456789abcdeg"), "hex"),
            (json.replace("\"run\":\"1\"", "\"run\":\"1a\""), "run id"),
            (json.replace("\"failed\":1", "\"failed\":-1"), "shape"),
            (
                json.replace("96.0", "-96.0").replace("96,", "-96,"),
                "non-negative",
            ),
            (
                json.replace(&(NOW - 7 * DAY).to_string(), "12"),
                "out of range",
            ),
            (
                json.replace(&(NOW - 7 * DAY).to_string(), &(NOW + 1).to_string()),
                "order",
            ),
            (json.replace("\"pass\"", "\"great\""), "verdict"),
        ];
        for (text, why) in cases {
            let body = if text.starts_with("<!--") {
                text.clone()
            } else {
                format!("<!-- slipgate:history v2 {text} -->")
            };
            let err = decode(&body, NOW).expect_err(&body);
            assert!(err.contains("history block is ignored"), "{err}");
            assert!(err.contains(why), "{why}: {err}");
        }
        // Unknown metrics are dropped, not trusted.
        let body = format!(
            "<!-- slipgate:history v2 {} -->",
            json.replace(
                "\"open_bugs.total\":95.0",
                "\"open_bugs.total\":95.0,\"evil\":1.0"
            )
        );
        let back = decode(&body, NOW).expect("valid").expect("present");
        assert_eq!(back, sample());
    }

    #[test]
    fn oversized_blocks_are_ignored() {
        let filler = "0".repeat(MAX_BLOCK_BYTES);
        let body = format!(
            "<!-- slipgate:history v1 {{\"v\":1,\"snapshots\":[],\"runs\":[]{filler}}} -->"
        );
        let err = decode(&body, NOW).expect_err("too large");
        assert!(err.contains("larger"), "{err}");
        // Too many entries, even if small.
        let snaps: Vec<String> = (0..27)
            .map(|k| format!("{{\"t\":{},\"values\":{{}}}}", NOW - 1000 + k))
            .collect();
        let body = format!(
            "<!-- slipgate:history v1 {{\"v\":1,\"snapshots\":[{}],\"runs\":[]}} -->",
            snaps.join(",")
        );
        assert!(
            decode(&body, NOW)
                .expect_err("too many")
                .contains("more than 26")
        );
    }

    #[test]
    fn the_comment_cannot_be_closed_from_inside() {
        // A block whose JSON holds `-->` (hand-written: slipgate never writes one) ends
        // the comment early; what follows is not JSON, so it is refused.
        let body = "<!-- slipgate:history v1 {\"v\":1,\"snapshots\":[],\"runs\":[{\"t\":1780000000,\"commit\":\"--> <img src=x>\",\"failed\":0,\"flaky\":0}]} -->";
        assert!(decode(body, NOW).is_err());
        // Written, strings are escaped and no `--` is left: a crafted verdict or metric
        // name never reaches the block (both are checked), and `<`, `>` and `&` would be
        // `\u` escapes.
        let mut h = sample();
        h.snapshots[0].verdict = Some("<b>&".into());
        let block = encode(&h).expect("block");
        assert!(block.contains("\\u003cb\\u003e\\u0026"), "{block}");
        let inner = &block[4..block.len() - 3];
        assert!(!inner.contains("--") && !inner.contains('<') && !inner.contains('>'));
        // A `--` anywhere: nothing is written.
        h.snapshots[0].verdict = Some("--".into());
        assert_eq!(encode(&h), None);
    }

    #[test]
    fn runs_keep_their_coverage_and_a_version_1_block_still_reads() {
        let mut h = sample();
        // 806 of 1000 lines: 0.806; a share out of range is not kept.
        let mut with = run(NOW, "abcdef0123", "9", 1.0);
        with.coverage = Some(806.0 / 1000.0);
        let mut bad = run(NOW, "abcdef0124", "10", 1.0);
        bad.coverage = Some(1.5);
        h.merge(None, vec![with, bad], NOW);
        let block = encode(&h).expect("block");
        assert!(block.starts_with("<!-- slipgate:history v2 "), "{block}");
        let back = decode(&block, NOW).expect("valid").expect("some");
        let cov = |sha: &str| back.runs.iter().find(|r| r.commit == sha).unwrap().coverage;
        assert_eq!(cov("abcdef0123"), Some(0.806));
        assert_eq!(cov("abcdef0124"), None);
        // The same runs as version 1 wrote them (no coverage) read as runs without it.
        let old = encode(&sample())
            .expect("block")
            .replace("history v2 ", "history v1 ")
            .replace("\"v\":2", "\"v\":1");
        let back = decode(&old, NOW).expect("valid").expect("some");
        assert_eq!(back, sample());
        // A version 1 block with coverage is not what version 1 wrote.
        let forged = block
            .replace("history v2 ", "history v1 ")
            .replace("\"v\":2", "\"v\":1");
        assert!(decode(&forged, NOW).unwrap_err().contains("version"));
    }
}
