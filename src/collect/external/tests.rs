use super::*;

fn parse_ok(name: &str, text: &str) -> ExternalData {
    let mut d = ExternalData::default();
    parse(name, text, OnMalformed::Error, &mut d).unwrap();
    d
}

fn parse_err(name: &str, text: &str) -> String {
    let mut d = ExternalData::default();
    parse(name, text, OnMalformed::Error, &mut d)
        .unwrap_err()
        .to_string()
}

// 2026-05-01T00:00:00Z
const MAY1: i64 = 1_777_593_600;

#[test]
fn csv_with_percent_units_missing_units_bom_crlf_and_quotes() {
    let text = "\u{feff}name,time,value,unit\r\n\
                uptime,2026-05-01T00:00:00Z,99.5,%\r\n\
                \r\n\
                \"csat\",2026-05-01T01:00:00+01:00,\"4.25\",\r\n\
                nps,2026-05-02T00:00:00Z,-12\r\n\
                name,time,value,unit\r\n\
                \"up,time\" ,2026-05-01T00:00:00Z,1,ms\r\n";
    let err = parse_err("m.csv", text);
    // The quoted name holds a comma, which names refuse (column of the field).
    assert_eq!(
        err,
        "m.csv:7:1: `up,time` is not a metric name; use letters, digits, `_`, `.` and `-` (at most 100); fix the line, or set `metrics.on_malformed: warn` to skip malformed lines"
    );
    let d = parse_ok("m.csv", &text.replace("\"up,time\" ", "latency"));
    let got: Vec<_> = d
        .samples
        .iter()
        .map(|s| (s.name.as_str(), s.time, s.value, s.percent))
        .collect();
    assert_eq!(
        got,
        [
            ("uptime", MAY1, 0.995, true),
            // 01:00 at +01:00 is midnight UTC
            ("csat", MAY1, 4.25, false),
            ("nps", MAY1 + 86_400, -12.0, false),
            ("latency", MAY1, 1.0, false),
        ]
    );
}

#[test]
fn csv_header_problems_name_their_column() {
    assert_eq!(
        parse_err("a.csv", "name,when,value\n"),
        "a.csv:1:6: the header has a column `when`; the header is `name,time,value` with an optional `unit`; fix the line, or set `metrics.on_malformed: warn` to skip malformed lines"
    );
    assert_eq!(
        parse_err("a.csv", "\n\nname,time,value,Name\n"),
        "a.csv:3:17: the header names `name` twice; fix the line, or set `metrics.on_malformed: warn` to skip malformed lines"
    );
    assert!(
        parse_err("a.csv", "name,time\n").starts_with("a.csv:1:1: the first line is not a header")
    );
}

#[test]
fn malformed_values_name_file_line_and_column() {
    let head = "name,time,value,unit\n";
    for (line, want) in [
        (
            "uptime,2026-05-01,99.5,%",
            "m.csv:2:8: `2026-05-01` is not an RFC 3339 time; write e.g. `2026-05-01T00:00:00Z`",
        ),
        (
            "uptime,2026-05-01T00:00:00Z,NaN,%",
            "m.csv:2:29: `NaN` is not a finite decimal number; write e.g. `99.5`",
        ),
        (
            "uptime,2026-05-01T00:00:00Z,inf",
            "m.csv:2:29: `inf` is not a finite decimal number; write e.g. `99.5`",
        ),
        (
            "uptime,2026-05-01T00:00:00Z,1e3",
            "m.csv:2:29: `1e3` is not a finite decimal number; write e.g. `99.5`",
        ),
        (
            "uptime,2026-05-01T00:00:00Z,1,%,extra",
            "m.csv:2:33: 5 fields, the header has 4",
        ),
        (
            "\"uptime,2026-05-01T00:00:00Z,1",
            "m.csv:2:1: a quoted field is not closed",
        ),
    ] {
        let err = parse_err("m.csv", &format!("{head}{line}\n"));
        assert_eq!(
            err,
            format!(
                "{want}; fix the line, or set `metrics.on_malformed: warn` to skip malformed lines"
            ),
            "{line}"
        );
    }
}

#[test]
fn warn_mode_skips_the_bad_lines_and_keeps_the_rest() {
    let text =
        "name,time,value\nok,2026-05-01T00:00:00Z,1\nok,yesterday,2\nok,2026-05-01T00:00:00Z,3\n";
    let mut d = ExternalData::default();
    parse("m.csv", text, OnMalformed::Warn, &mut d).unwrap();
    let values: Vec<f64> = d.samples.iter().map(|s| s.value).collect();
    assert_eq!(values, [1.0, 3.0]);
    assert_eq!(
        d.warnings,
        [
            "skipped m.csv:3:4: `yesterday` is not an RFC 3339 time; write e.g. `2026-05-01T00:00:00Z`"
        ]
    );
}

#[test]
fn json_lines_by_extension_or_content() {
    let text = "{\"name\":\"uptime\",\"time\":\"2026-05-01T00:00:00Z\",\"value\":99.9,\"unit\":\"%\",\"source\":\"statuspage\"}\n\
                \n\
                {\"name\":\"csat\",\"time\":\"2026-05-01T00:00:00Z\",\"value\":\"4.5\"}\n";
    for name in ["m.jsonl", "m.ndjson", "export.txt"] {
        let d = parse_ok(name, text);
        let got: Vec<_> = d
            .samples
            .iter()
            .map(|s| (s.name.as_str(), s.value, s.percent))
            .collect();
        // Divided by 100 as a `99.9%` threshold is, so equal figures compare equal.
        assert_eq!(
            got,
            [("uptime", 99.9 / 100.0, true), ("csat", 4.5, false)],
            "{name}"
        );
    }
    assert_eq!(
        parse_err(
            "m.jsonl",
            "{\"name\":\"x\",\"time\":\"2026-05-01T00:00:00Z\",\"value\":1}\n  {\"name\":\"x\",\"time\":\"2026-05-01T00:00:00Z\",\"value\":true}\n"
        ),
        "m.jsonl:2:45: `value` is not a number; fix the line, or set `metrics.on_malformed: warn` to skip malformed lines"
    );
    let err = parse_err("m.jsonl", "{\"name\":\"x\",\n");
    assert!(err.starts_with("m.jsonl:1:12: not valid JSON: "), "{err}");
    assert_eq!(
        parse_err("m.jsonl", "{\"name\":\"x\",\"value\":1}\n"),
        "m.jsonl:1:1: no `time`; fix the line, or set `metrics.on_malformed: warn` to skip malformed lines"
    );
}

#[test]
fn decimals_are_plain() {
    assert_eq!(decimal("99.5"), Some(99.5));
    assert_eq!(decimal("-3"), Some(-3.0));
    assert_eq!(decimal(".5"), Some(0.5));
    assert_eq!(decimal("5."), Some(5.0));
    for bad in ["", ".", "-", "1e5", "NaN", "inf", "0x1", "1,5", "1 000"] {
        assert_eq!(decimal(bad), None, "{bad}");
    }
    // Digits enough to overflow to infinity are not finite.
    assert_eq!(decimal(&"9".repeat(400)), None);
}

#[test]
fn reads_files_from_globs_relative_to_the_base() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("metrics")).unwrap();
    std::fs::write(
        dir.path().join("metrics/a.csv"),
        "name,time,value\nx,2026-05-01T00:00:00Z,1\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("metrics/b.jsonl"),
        "{\"name\":\"x\",\"time\":\"2026-05-02T00:00:00Z\",\"value\":2}\n",
    )
    .unwrap();
    let d = read(
        &["metrics/*".to_string(), "none/*.csv".to_string()],
        dir.path(),
        OnMalformed::Error,
    )
    .unwrap();
    assert_eq!(d.files, ["metrics/a.csv", "metrics/b.jsonl"]);
    assert_eq!(d.samples.len(), 2);
    assert_eq!(d.warnings.len(), 1);
    assert!(d.warnings[0].starts_with("no metrics file matches `none/*.csv` under "));
}
