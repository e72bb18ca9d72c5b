use super::*;

/// One result per severity source.
const LOG: &str = r#"{
  "version": "2.1.0",
  "runs": [{
    "tool": {"driver": {"name": "scan", "rules": [
      {"id": "R-CRIT", "properties": {"security-severity": "9.8"}},
      {"id": "R-MED", "properties": {"security-severity": 5}},
      {"id": "R-NOTE", "defaultConfiguration": {"level": "note"}},
      {"id": "R-ZERO", "properties": {"security-severity": "0.0"}}
    ]}},
    "results": [
      {"ruleId": "R-CRIT", "ruleIndex": 0, "message": {"text": "SQL injection\nmore"},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/db.rs"}, "region": {"startLine": 12}}}]},
      {"ruleId": "R-MED", "message": {"text": "weak hash"}, "level": "error"},
      {"ruleId": "X", "properties": {"security-severity": "7.0"}, "message": {"text": "own score"}},
      {"ruleId": "R-NOTE", "message": {"text": "from the rule's level"}},
      {"ruleId": "R-ZERO", "level": "error", "message": {"text": "score 0, level error"}},
      {"ruleId": "L1", "level": "warning", "message": {"text": "w"}},
      {"ruleId": "L2", "message": {"text": "no level: warning"}},
      {"ruleId": "L3", "level": "none", "message": {"text": "not counted"}},
      {"message": {"text": "<b>@team</b> ::error::x"}, "level": "note"}
    ]
  }, {"tool": {"driver": {}}}]
}"#;

#[test]
fn each_severity_source() {
    let mut d = SarifData::default();
    parse("scan.sarif", LOG, &mut d).unwrap();
    let got: Vec<_> = d
        .findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.severity, f.source))
        .collect();
    use Severity::*;
    use SeveritySource as S;
    assert_eq!(
        got,
        [
            ("R-CRIT", Critical, S::Rule),
            // The rule's score wins over the result's level.
            ("R-MED", Medium, S::Rule),
            ("X", High, S::Result),
            ("R-NOTE", Low, S::Level),
            ("R-ZERO", High, S::Level),
            ("L1", Medium, S::Level),
            ("L2", Medium, S::Level),
            ("", Low, S::Level),
        ]
    );
    assert_eq!(d.uncounted, 1);
    let first = &d.findings[0];
    assert_eq!(first.file.as_deref(), Some("src/db.rs"));
    assert_eq!(first.line, Some(12));
    assert_eq!(first.message, "SQL injection");
    // critical 1, high 2, medium 3, low 2
    assert_eq!(Severity::ALL.map(|s| d.count(s)), [1, 2, 3, 2]);
}

#[test]
fn bands() {
    assert_eq!(band(9.0), Some(Severity::Critical));
    assert_eq!(band(8.9), Some(Severity::High));
    assert_eq!(band(7.0), Some(Severity::High));
    assert_eq!(band(4.0), Some(Severity::Medium));
    assert_eq!(band(0.1), Some(Severity::Low));
    assert_eq!(band(0.0), None);
    assert_eq!(band(f64::NAN), None);
}

#[test]
fn malformed_json_names_line_and_column() {
    let mut d = SarifData::default();
    let err = parse("bad.sarif", "{\n  \"runs\": [\n    {,\n", &mut d).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("bad.sarif:3:6: not a SARIF 2.1.0 log: "),
        "{text}"
    );
    let err = parse("bad.sarif", "{\"runs\": 3}", &mut d).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("bad.sarif:1:10: not a SARIF 2.1.0 log: invalid type"),
        "{err}"
    );
}

#[test]
fn a_message_is_cut_at_any_line_break_a_lone_carriage_return_included() {
    // Found by the fuzzer: `str::lines` splits at `\n` only, so a lone `\r` stayed in.
    for (text, first) in [
        ("data race\rhidden", "data race"),
        ("\r\n  \rsecond\r", "second"),
        ("a\u{2028}b", "a"),
        ("a\u{85}b", "a"),
    ] {
        assert_eq!(first_line_cut(text), first, "{text:?}");
    }
}
