//! Time to first response (GitHub): how long a valid issue created in a span waited for
//! its first comment by someone other than its author and not a bot.

use super::issues::{EVIDENCE, IssueRef, Span, is_invalid};
use super::stats::{Distribution, distribution};
use crate::model::{Issue, IssueComment, Timestamp};
use serde::Serialize;
use std::collections::HashMap;

/// What the policy says about responses: the labels that select the issues (none = every
/// issue), and the objective (`issues.response_slo`, seconds).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponsePolicy {
    /// Lowercased labels; empty = every issue.
    pub labels: Vec<String>,
    pub objective: Option<i64>,
}

/// Time to first response over a span.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ResponseStats {
    /// The response times of the issues that got one (seconds).
    #[serde(flatten)]
    pub response_time: Distribution,
    /// Issues created in the span without a response yet.
    pub unanswered: usize,
    /// Share of the judged issues answered within the objective; none without an
    /// objective or without a judged issue (see [`first_response`]).
    pub within_slo: Option<f64>,
    /// The issues the share is taken over.
    #[serde(skip)]
    pub with_objective: usize,
    /// The slowest answered issues (evidence).
    #[serde(skip)]
    pub slowest: Vec<IssueRef>,
    /// The unanswered issues, oldest first, with their age (evidence).
    #[serde(skip)]
    pub waiting: Vec<IssueRef>,
    /// How many unanswered issues have waited longer than the objective.
    #[serde(skip)]
    pub waiting_too_long: usize,
    #[serde(skip)]
    pub response_times: Vec<i64>,
}

/// A bot: `user.type` is `Bot`, or the login ends in `[bot]`.
pub fn is_bot(c: &IssueComment) -> bool {
    c.author_type.eq_ignore_ascii_case("bot") || c.author.to_ascii_lowercase().ends_with("[bot]")
}

/// A comment that counts as a response to `issue`: not its author's (logins compare
/// case-insensitively, as GitHub's do), not a bot's.
fn responds(c: &IssueComment, issue: &Issue) -> bool {
    !is_bot(c) && !c.author.eq_ignore_ascii_case(&issue.author)
}

fn selected(i: &Issue, p: &ResponsePolicy) -> bool {
    p.labels.is_empty()
        || i.labels
            .iter()
            .any(|l| super::issues::label_in(l, &p.labels))
}

/// Time to first response of the valid issues (not closed as not planned or duplicate)
/// created in `span` and carrying one of `p.labels` (any issue when none): the first
/// response is the earliest comment, at or before `now`, whose author is neither the
/// issue's author nor a bot. Comments on pull requests never match an issue.
///
/// `within_slo` (with `p.objective`): the answered issues whose response came within
/// the objective, over the answered issues and the unanswered ones that have waited
/// longer than the objective by `now` (an unanswered issue younger than the objective
/// can still make it and is not judged). None when no issue is judged.
pub fn first_response(
    issues: &[Issue],
    comments: &[IssueComment],
    p: &ResponsePolicy,
    span: &Span,
    now: Timestamp,
) -> ResponseStats {
    let wanted: HashMap<u64, &Issue> = issues
        .iter()
        .filter(|i| !is_invalid(i) && span.contains(i.created_at) && selected(i, p))
        .map(|i| (i.number, i))
        .collect();
    let mut first: HashMap<u64, Timestamp> = HashMap::new();
    for c in comments.iter().filter(|c| c.created_at <= now) {
        if let Some(issue) = wanted.get(&c.issue)
            && responds(c, issue)
        {
            let t = first.entry(c.issue).or_insert(c.created_at);
            *t = (*t).min(c.created_at);
        }
    }
    let as_ref = |i: &Issue, seconds| IssueRef {
        number: i.number,
        title: i.title.clone(),
        url: i.url.clone(),
        severity: None,
        seconds,
    };
    let mut answered: Vec<(i64, &Issue)> = Vec::new();
    let mut waiting: Vec<(i64, &Issue)> = Vec::new();
    for i in wanted.values() {
        match first.get(&i.number) {
            Some(t) => answered.push(((t - i.created_at).max(0), i)),
            None => waiting.push(((now - i.created_at).max(0), i)),
        }
    }
    answered.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.number.cmp(&b.1.number)));
    waiting.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.number.cmp(&b.1.number)));
    let response_times: Vec<i64> = answered.iter().map(|a| a.0).collect();
    let (within_slo, with_objective, waiting_too_long) = match p.objective {
        Some(o) => {
            let met = answered.iter().filter(|a| a.0 <= o).count();
            let late = waiting.iter().filter(|w| w.0 > o).count();
            let judged = answered.len() + late;
            (
                (judged > 0).then(|| met as f64 / judged as f64),
                judged,
                late,
            )
        }
        None => (None, 0, 0),
    };
    ResponseStats {
        response_time: distribution(&response_times),
        unanswered: waiting.len(),
        within_slo,
        with_objective,
        slowest: answered
            .iter()
            .take(EVIDENCE)
            .map(|(s, i)| as_ref(i, *s))
            .collect(),
        waiting: waiting
            .iter()
            .take(EVIDENCE)
            .map(|(s, i)| as_ref(i, *s))
            .collect(),
        waiting_too_long,
        response_times,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600;
    const D: i64 = 86_400;

    fn issue(number: u64, created: i64, labels: &[&str]) -> Issue {
        Issue {
            number,
            title: format!("issue {number}"),
            url: format!("https://github.com/o/r/issues/{number}"),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            created_at: created,
            closed_at: None,
            state_reason: None,
            open: true,
            author: "Reporter".into(),
        }
    }

    fn comment(id: u64, issue: u64, author: &str, kind: &str, at: i64) -> IssueComment {
        IssueComment {
            id,
            issue,
            author: author.into(),
            author_type: kind.into(),
            created_at: at,
        }
    }

    /// Window [10d, 20d], now = 20d; objective 2d.
    fn fixture() -> (Vec<Issue>, Vec<IssueComment>) {
        let mut dup = issue(7, 12 * D, &[]);
        dup.closed_at = Some(13 * D);
        dup.state_reason = Some("duplicate".into());
        let issues = vec![
            issue(1, 10 * D, &["bug"]),      // answered after 1h
            issue(2, 11 * D, &[]),           // answered after 3d (the bot earlier)
            issue(3, 12 * D, &["Question"]), // answered after 5h
            issue(4, 13 * D, &[]),           // own comment only: unanswered, 7d old
            issue(5, 19 * D, &[]),           // unanswered, 1d old
            issue(6, 5 * D, &[]),            // before the window
            dup,                             // invalid
            issue(8, 14 * D, &[]),           // answered after 2d exactly
            issue(9, 15 * D, &[]),           // answered only after now: unanswered, 5d
        ];
        let comments = vec![
            comment(100, 1, "maintainer", "User", 10 * D + H),
            comment(101, 1, "other", "User", 10 * D + 2 * H),
            comment(102, 2, "dependabot[bot]", "User", 11 * D + H),
            comment(103, 2, "ci", "Bot", 11 * D + 2 * H),
            comment(104, 2, "maintainer", "User", 14 * D),
            comment(105, 3, "reporter", "User", 12 * D + H), // the author, other case
            comment(106, 3, "maintainer", "User", 12 * D + 5 * H),
            comment(107, 4, "Reporter", "User", 13 * D + H),
            comment(108, 6, "maintainer", "User", 6 * D),
            comment(109, 7, "maintainer", "User", 12 * D + H),
            comment(110, 8, "maintainer", "User", 16 * D),
            comment(111, 9, "maintainer", "User", 21 * D),
            // A pull request's comment: number 42 is no issue.
            comment(112, 42, "maintainer", "User", 19 * D),
        ];
        (issues, comments)
    }

    #[test]
    fn first_response_by_hand() {
        let (issues, comments) = fixture();
        let p = ResponsePolicy {
            labels: Vec::new(),
            objective: Some(2 * D),
        };
        let span = Span::ending_now(20 * D, 10 * D);
        let s = first_response(&issues, &comments, &p, &span, 20 * D);
        // Answered: #1 1h, #3 5h, #8 2d, #2 3d → sorted [1h, 5h, 2d, 3d].
        // Nearest rank: p50 = ceil(0.5·4) = 2nd = 5h; p90 = ceil(0.9·4) = 4th = 3d.
        assert_eq!(s.response_time.count, 4);
        assert_eq!(s.response_time.p50, Some(5 * H));
        assert_eq!(s.response_time.p90, Some(3 * D));
        assert_eq!(s.response_time.max, Some(3 * D));
        // Unanswered: #4 (7d), #9 (5d), #5 (1d).
        assert_eq!(s.unanswered, 3);
        let waiting: Vec<u64> = s.waiting.iter().map(|w| w.number).collect();
        assert_eq!(waiting, [4, 9, 5]);
        // Judged: 4 answered + #4 and #9 (older than 2d) = 6; within 2d: #1, #3, #8 = 3.
        assert_eq!(s.with_objective, 6);
        assert_eq!(s.waiting_too_long, 2);
        assert_eq!(s.within_slo, Some(0.5));
        assert_eq!(s.slowest[0].number, 2);
    }

    #[test]
    fn labels_select_the_issues_and_no_objective_gives_no_share() {
        let (issues, comments) = fixture();
        let p = ResponsePolicy {
            labels: vec!["bug".into(), "question".into()],
            objective: None,
        };
        let span = Span::ending_now(20 * D, 10 * D);
        let s = first_response(&issues, &comments, &p, &span, 20 * D);
        // #1 (1h) and #3 (5h, label `Question` matched case-insensitively).
        assert_eq!(s.response_times, [5 * H, H]);
        assert_eq!(s.response_time.p50, Some(H));
        assert_eq!(s.unanswered, 0);
        assert_eq!(s.within_slo, None);
    }

    #[test]
    fn nothing_judged_is_none_and_a_young_unanswered_issue_is_not_missed() {
        let issues = vec![issue(1, 19 * D, &[])];
        let p = ResponsePolicy {
            labels: Vec::new(),
            objective: Some(2 * D),
        };
        let span = Span::ending_now(20 * D, 10 * D);
        let s = first_response(&issues, &[], &p, &span, 20 * D);
        assert_eq!(
            (s.unanswered, s.within_slo, s.response_time.count),
            (1, None, 0)
        );
        // Three days later it has missed the objective.
        let span = Span::ending_now(22 * D, 10 * D);
        let s = first_response(&issues, &[], &p, &span, 22 * D);
        assert_eq!(s.within_slo, Some(0.0));
    }
}
