//! `slipgate org`: the cross-repository table, in text, markdown and JSON (docs/json.md,
//! "The organisation view"). Repository names, tags and verdicts come from a database
//! others write: text goes through [`crate::escape::line`], markdown through
//! [`super::sanitize`], JSON through [`super::json::log_safe`].

use super::text::{Style, table};
use super::{Format, num, pct, sanitize};
use crate::duration::human;
use crate::escape::line as esc;
use crate::metrics::org::{Arrow, Direction, OrgLine, trend_metrics};
use crate::model::{date, rfc3339};
use serde::Serialize;
use serde_json::Value;

const HEADER: [&str; 9] = [
    "repository",
    "latest release",
    "released",
    "lead time p50",
    "releases/week",
    "change failure rate",
    "defect rate",
    "open critical",
    "last verdict",
];

/// The table in `format` (text, markdown or JSON; any other is text).
pub fn render(lines: &[OrgLine], format: Format, style: Style) -> String {
    match format {
        Format::Markdown => markdown(lines),
        Format::Json => json(lines),
        _ => text(lines, style),
    }
}

const NONE: &str = "–";

/// The cells of one line, values with their arrows; `arrow` words an arrow, `field` a
/// data field.
fn cells(
    l: &OrgLine,
    field: &dyn Fn(&str) -> String,
    arrow: &dyn Fn(&Arrow) -> String,
) -> Vec<String> {
    let r = &l.row;
    let with = |value: Option<String>, a: &Option<Arrow>| {
        let v = value.unwrap_or_else(|| NONE.to_string());
        match a {
            Some(a) => format!("{v} {}", arrow(a)),
            None => v,
        }
    };
    vec![
        field(&r.repo),
        r.latest_release
            .as_ref()
            .map_or_else(|| NONE.to_string(), |x| field(&x.tag)),
        r.latest_release
            .as_ref()
            .map_or_else(|| NONE.to_string(), |x| date(x.released_at)),
        with(r.lead_time_p50_seconds.map(human), &l.arrows[0]),
        with(r.release_frequency.map(num), &l.arrows[1]),
        with(r.change_failure_rate.map(pct), &l.arrows[2]),
        with(r.defect_rate.map(num), &l.arrows[3]),
        r.open_critical_bugs
            .map_or_else(|| NONE.to_string(), |n| n.to_string()),
        r.last_verdict
            .as_deref()
            .map_or_else(|| NONE.to_string(), field),
    ]
}

fn symbol(a: &Arrow) -> &'static str {
    match a.direction {
        Direction::Up => "▲",
        Direction::Down => "▼",
        Direction::Flat => "=",
    }
}

fn judged(a: &Arrow) -> &'static str {
    match a.good {
        Some(true) => " better",
        Some(false) => " worse",
        None => "",
    }
}

const LEGEND: &str = "▲/▼: the last 7 days against the 7 days before, better or worse; =: unchanged; –: no value. Defect rate: bugs found per 100 changes.";

fn text(lines: &[OrgLine], style: Style) -> String {
    let field = |s: &str| esc(s).into_owned();
    let arrow = |a: &Arrow| {
        let s = format!("{}{}", symbol(a), judged(a));
        match a.good {
            Some(true) => style.green(&s),
            Some(false) => style.red(&s),
            None => s,
        }
    };
    let rows: Vec<Vec<String>> = lines.iter().map(|l| cells(l, &field, &arrow)).collect();
    let mut out = format!(
        "{}  {} {}\n\n",
        style.bold("slipgate org"),
        lines.len(),
        if lines.len() == 1 {
            "repository"
        } else {
            "repositories"
        }
    );
    out.push_str(&table(&HEADER, &rows, &[0, 1, 2, 8], style));
    out.push('\n');
    out.push_str(&style.dim(LEGEND));
    out.push('\n');
    out
}

fn markdown(lines: &[OrgLine]) -> String {
    let field = |s: &str| {
        let v = sanitize::inline(s);
        if v.is_empty() { NONE.to_string() } else { v }
    };
    let arrow = |a: &Arrow| format!("{}{}", symbol(a), judged(a));
    let mut out = format!(
        "## slipgate org: {} {}\n\n| {} |\n|{}\n",
        lines.len(),
        if lines.len() == 1 {
            "repository"
        } else {
            "repositories"
        },
        HEADER.join(" | "),
        [
            "---|", "---|", "---|", "--:|", "--:|", "--:|", "--:|", "--:|", "---|"
        ]
        .concat()
    );
    for l in lines {
        out.push_str("| ");
        out.push_str(&cells(l, &field, &arrow).join(" | "));
        out.push_str(" |\n");
    }
    out.push('\n');
    out.push_str(LEGEND);
    out.push('\n');
    out
}

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    period_seconds: i64,
    repositories: Vec<RepoDoc<'a>>,
}

#[derive(Serialize)]
struct RepoDoc<'a> {
    repo: &'a str,
    evaluated_at: String,
    latest_release: Option<ReleaseDoc<'a>>,
    lead_time_p50_seconds: Option<i64>,
    release_frequency: Option<f64>,
    change_failure_rate: Option<f64>,
    defect_rate: Option<f64>,
    open_critical_bugs: Option<i64>,
    last_verdict: Option<&'a str>,
    trend: indexmap::IndexMap<String, Value>,
}

#[derive(Serialize)]
struct ReleaseDoc<'a> {
    tag: &'a str,
    released_at: String,
}

fn arrow_doc(a: &Arrow) -> Value {
    serde_json::json!({
        "previous": a.previous,
        "last": a.last,
        "direction": match a.direction {
            Direction::Up => "up",
            Direction::Down => "down",
            Direction::Flat => "flat",
        },
        "good": a.good,
    })
}

fn json(lines: &[OrgLine]) -> String {
    let names = trend_metrics().map(|m| m.to_string());
    let doc = Doc {
        schema_version: 1,
        period_seconds: super::rows::PERIODS.period,
        repositories: lines
            .iter()
            .map(|l| {
                let r = &l.row;
                RepoDoc {
                    repo: &r.repo,
                    evaluated_at: rfc3339(r.evaluated_at),
                    latest_release: r.latest_release.as_ref().map(|x| ReleaseDoc {
                        tag: &x.tag,
                        released_at: rfc3339(x.released_at),
                    }),
                    lead_time_p50_seconds: r.lead_time_p50_seconds,
                    release_frequency: r.release_frequency,
                    change_failure_rate: r.change_failure_rate,
                    defect_rate: r.defect_rate,
                    open_critical_bugs: r.open_critical_bugs,
                    last_verdict: r.last_verdict.as_deref(),
                    trend: names
                        .iter()
                        .zip(l.arrows.iter())
                        .map(|(n, a)| (n.clone(), a.as_ref().map_or(Value::Null, arrow_doc)))
                        .collect(),
                }
            })
            .collect(),
    };
    let s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    let mut s = super::json::log_safe(&s);
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::org::lines;
    use crate::model::org::{LatestRelease, OrgRow, RecentValues};

    fn hostile() -> Vec<OrgLine> {
        lines(vec![OrgRow {
            repo: "evil/<img src=x>@everyone\n::error::boom".into(),
            evaluated_at: 86_400,
            latest_release: Some(LatestRelease {
                tag: "v1|`x`\u{202E}".into(),
                released_at: 0,
            }),
            lead_time_p50_seconds: Some(3 * 86_400 + 4 * 3600),
            release_frequency: Some(0.5),
            change_failure_rate: Some(0.25),
            defect_rate: Some(2.0),
            open_critical_bugs: Some(1),
            last_verdict: Some("##[error]fail".into()),
            recent: vec![RecentValues {
                metric: "change_failure_rate".into(),
                previous: Some(0.5),
                last: Some(0.25),
            }],
        }])
    }

    #[test]
    fn data_fields_are_escaped_in_every_format() {
        let l = hostile();
        let t = render(&l, Format::Text, Style { color: false });
        assert!(!t.contains('\u{202E}') && !t.contains("\n::error"), "{t}");
        assert!(t.contains("25% ▼ better"), "{t}");
        assert!(t.contains("3d 4h"), "{t}");
        let m = render(&l, Format::Markdown, Style { color: false });
        assert!(
            !m.contains("<img") && !m.contains("@everyone") && !m.contains("v1|"),
            "{m}"
        );
        let j = render(&l, Format::Json, Style { color: false });
        assert!(!j.contains("##[") && !j.contains('\u{202E}'), "{j}");
        let v: Value = serde_json::from_str(&j).unwrap();
        assert_eq!(v["repositories"][0]["last_verdict"], "##[error]fail");
        assert_eq!(
            v["repositories"][0]["trend"]["change_failure_rate"]["direction"],
            "down"
        );
        assert_eq!(v["repositories"][0]["trend"]["lead_time.p50"], Value::Null);
    }
}
