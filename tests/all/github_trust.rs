//! Integration tests: how many requests a misbehaving GitHub can make slipgate spend
//! (the run's page budget, the rate-limit reserve), lists that end short of what their
//! first page announced, and the identity slipgate posts as (`--comment-author`).

use crate::mockhub::{HUB_EPOCH, HubAuthor, HubIssue, HubPull, HubToken, LinkTrick, MockHub, Seen};
use slipgate::collect::github::fetch;
use slipgate::github::{GithubConfig, GithubError, PageBudget, RetryPolicy};
use slipgate::publish::github::CommentOutcome;
use std::path::PathBuf;
use std::time::Duration;

const REPO: &str = "octocat/hello";
const HOUR: i64 = 3600;
const T0: i64 = HUB_EPOCH - 400 * 86_400;

fn config(hub: &MockHub, cache: Option<PathBuf>) -> GithubConfig {
    let mut cfg = GithubConfig::new(REPO);
    cfg.api_url = hub.uri();
    cfg.cache_path = cache;
    cfg.request_timeout = Duration::from_secs(5);
    cfg.retry = RetryPolicy {
        attempts: 1,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(10),
    };
    cfg
}

/// `issues` issues, then `pulls` pull requests, one hour apart.
fn seed(hub: &MockHub, issues: u64, pulls: u64) {
    hub.extend(
        (1..=issues)
            .map(|n| HubIssue::new(n, T0 + n as i64 * HOUR))
            .collect(),
        (issues + 1..=issues + pulls)
            .map(|n| HubPull::new(n, T0 + n as i64 * HOUR))
            .collect(),
    );
}

async fn fetch_err(cfg: &GithubConfig) -> GithubError {
    match fetch(cfg).await {
        Ok((data, _)) => panic!("expected an error, got {} issues", data.issues.len()),
        Err(err) => err,
    }
}

/// Requests for one list (`issues`, `pulls`), any page.
fn list_requests(seen: &[Seen], list: &str) -> usize {
    seen.iter()
        .filter(|s| s.path.ends_with(&format!("/{list}")))
        .count()
}

/// After a failed run: the next one (links mended) finds nothing cached and reads the
/// issue list in full, unconditionally.
async fn assert_nothing_was_cached(hub: &MockHub, cfg: &GithubConfig, issue_pages: usize) {
    hub.set_link_trick("*", None);
    let mark = hub.requests().await.len();
    let mut cfg = cfg.clone();
    cfg.page_budget = PageBudget::default();
    let (_, stats) = fetch(&cfg).await.expect("mended");
    let seen: Vec<Seen> = hub.requests().await.into_iter().skip(mark).collect();
    assert_eq!(list_requests(&seen, "issues"), issue_pages);
    assert!(seen.iter().all(|s| s.if_none_match.is_none()), "{seen:?}");
    assert_eq!(stats.not_modified, 0);
    assert!(stats.issues_full);
}

// ---------------------------------------------------------------- the run's page budget

#[tokio::test]
async fn a_first_page_announcing_a_million_pages_stops_a_cold_read_at_once() {
    let hub = MockHub::start(REPO).await;
    seed(&hub, 230, 0);
    // Every page links to the next and announces page 1,000,000 as the last.
    hub.set_link_trick("*", Some(LinkTrick::EndlessAnnouncing { last: 1_000_000 }));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&hub, Some(dir.path().join("cache.db")));
    cfg.pulls = false;
    let err = fetch_err(&cfg).await;
    assert!(
        matches!(err, GithubError::PageBudget { max: 400, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("the first page announces 1000000 pages, and this run has 399 left")
            && text.contains("one run reads at most 400 pages")
            && text.contains("none of it is used or cached"),
        "{text}"
    );
    // One request, not 6,420.
    assert_eq!(hub.requests().await.len(), 1);
    assert_nothing_was_cached(&hub, &cfg, 3).await;
}

#[tokio::test]
async fn endless_pages_without_a_last_page_stop_at_the_run_budget() {
    let hub = MockHub::start(REPO).await;
    seed(&hub, 230, 0);
    hub.set_link_trick("*", Some(LinkTrick::EndlessUnannounced));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&hub, Some(dir.path().join("cache.db")));
    cfg.pulls = false;
    cfg.page_budget = PageBudget::new(12);
    let err = fetch_err(&cfg).await;
    assert!(
        matches!(err, GithubError::PageBudget { max: 12, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("this run has read 12 pages and page 12 of this list links to a next one"),
        "{err}"
    );
    // 12 pages, not 500.
    assert_eq!(hub.requests().await.len(), 12);
    assert_eq!(cfg.page_budget.used(), 12);
    assert_nothing_was_cached(&hub, &cfg, 3).await;
}

#[tokio::test]
async fn the_issue_and_pull_request_lists_share_one_budget() {
    let hub = MockHub::start(REPO).await;
    seed(&hub, 230, 120);
    // Both lists run on without a last page; they are read at the same time.
    hub.set_link_trick("*", Some(LinkTrick::EndlessUnannounced));
    let mut cfg = config(&hub, None);
    cfg.page_budget = PageBudget::new(12);
    let err = fetch_err(&cfg).await;
    assert!(matches!(err, GithubError::PageBudget { .. }), "{err:?}");
    let seen = hub.requests().await;
    let (issues, pulls) = (
        list_requests(&seen, "issues"),
        list_requests(&seen, "pulls"),
    );
    // 12 pages between the two lists, not 500 each. (The 12th may be cancelled before
    // it leaves when the other list hits the budget first.)
    assert!((11..=12).contains(&(issues + pulls)), "{issues} + {pulls}");
    assert!(issues >= 2 && pulls >= 2, "{issues} + {pulls}");
    assert_eq!(cfg.page_budget.used(), 12);
}

#[tokio::test]
async fn the_last_tenth_of_the_rate_limit_is_kept_for_the_next_run() {
    let hub = MockHub::start(REPO).await;
    seed(&hub, 230, 120);
    // A GITHUB_TOKEN's 1,000 requests an hour, 897 used: page 1 leaves 102, page 2
    // 101, page 3 100, the reserve (a tenth): page 4 is not asked for.
    hub.set_rate(1000, 897);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&hub, Some(dir.path().join("cache.db")));
    cfg.token = Some("ghs_limits_reserve_0001".into());
    cfg.pulls = false;
    let err = fetch_err(&cfg).await;
    assert!(
        matches!(
            err,
            GithubError::RateReserve {
                remaining: 100,
                limit: Some(1000),
                reserve: 100,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("GitHub's rate limit has 100 of 1000 requests left this hour, and slipgate never spends the last 100 (a tenth of the hourly limit) on reading lists, so that the next runs still work")
            && text.contains("none of it is used or cached")
            && text.contains("it resets at "),
        "{text}"
    );
    assert_eq!(hub.requests().await.len(), 3);
    hub.set_rate(1000, 0);
    assert_nothing_was_cached(&hub, &cfg, 4).await;
}

#[tokio::test]
async fn past_the_budget_the_command_exits_2_and_says_why() {
    let r = crate::cli::sample();
    let work = tempfile::tempdir().unwrap();
    let hub = MockHub::start(REPO).await;
    seed(&hub, 230, 120);
    hub.set_link_trick("*", Some(LinkTrick::EndlessAnnouncing { last: 1_000_000 }));
    let (repo, uri, cache) = (
        r.path().to_path_buf(),
        hub.uri(),
        work.path().join("cache.db"),
    );
    let out = tokio::task::spawn_blocking(move || {
        crate::cli::slipgate(&repo)
            .args(["report", "--format", "json", "--now", &crate::cli::now()])
            .arg("--cache")
            .arg(cache)
            .env("GITHUB_API_URL", uri)
            .env("GITHUB_REPOSITORY", REPO)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the first page announces 1000000 pages, and this run has")
            && stderr.contains("one run reads at most 400 pages"),
        "{stderr}"
    );
    // The first page of each list (read at the same time), nothing more.
    let seen = hub.requests().await;
    assert!(
        list_requests(&seen, "issues") == 1 && list_requests(&seen, "pulls") <= 1,
        "{seen:?}"
    );
}

// ---------------------------------------------------------------- lists ending short

#[tokio::test]
async fn a_list_ending_far_short_of_its_announced_last_page_is_not_taken() {
    let hub = MockHub::start(REPO).await;
    // 350 items on the issue list: page 1 announces 4 pages; page 2 has no `Link`.
    seed(&hub, 350, 0);
    hub.set_link_trick("issues", Some(LinkTrick::EndsAt { page: 2 }));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&hub, Some(dir.path().join("cache.db")));
    cfg.pulls = false;
    let err = fetch_err(&cfg).await;
    assert!(matches!(err, GithubError::Pagination { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("the list ends at page 2, but its first page announced 4 pages")
            && text.contains("none of it is used or cached"),
        "{text}"
    );
    assert_eq!(hub.requests().await.len(), 2);
    assert_nothing_was_cached(&hub, &cfg, 4).await;
}

#[tokio::test]
async fn a_list_ending_one_page_short_is_within_the_tolerance() {
    let hub = MockHub::start(REPO).await;
    seed(&hub, 350, 0);
    // Page 3 of 4 has no `Link`, as when 100 items vanish while the list is read.
    hub.set_link_trick("issues", Some(LinkTrick::EndsAt { page: 3 }));
    let mut cfg = config(&hub, None);
    cfg.pulls = false;
    let (data, stats) = fetch(&cfg).await.expect("one page short is accepted");
    assert_eq!(data.issues.len(), 300);
    assert_eq!(stats.requests, 3);
}

// ---------------------------------------------------------------- whose comment

const MARKER: &str = "<!-- slipgate:report -->";

/// A GitHub App's bot, as actions/create-github-app-token's tokens post.
fn app_bot() -> HubAuthor {
    HubAuthor {
        login: "my-app[bot]".into(),
        kind: "Bot".into(),
        app: Some("my-app".into()),
    }
}

// ---------------------------------------------------------------- token redaction

#[tokio::test]
async fn a_token_with_quotes_and_backslashes_is_blanked_when_echoed_as_json() {
    let hub = MockHub::start(REPO).await;
    let token = r#"ghp_Qu"ote\Back0123456789"#;
    // The server quotes the token inside its message as a JSON string: `\"`, `\\`.
    let quoted = serde_json::to_string(token).unwrap();
    assert_eq!(quoted, r#""ghp_Qu\"ote\\Back0123456789""#);
    hub.fail_next(
        "GET",
        "/repos/octocat/hello/issues",
        1,
        crate::mockhub::status(422, &format!("Validation Failed: {{\"token\":{quoted}}}")),
    )
    .await;
    let mut cfg = config(&hub, None);
    cfg.token = Some(token.into());
    cfg.pulls = false;
    let err = fetch_err(&cfg).await;
    let text = format!("{err} | {err:?}");
    assert!(
        matches!(err, GithubError::Status { status: 422, .. }),
        "{text}"
    );
    for leak in ["Qu\\\"ote", "ote\\\\Back", "Back0123456789"] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
    assert!(
        err.to_string()
            .contains("Validation Failed: {\"token\":\"***\"}"),
        "{text}"
    );
}

// ---------------------------------------------------------------- flags named in errors

/// Every long flag of every subcommand of the CLI.
fn cli_flags() -> std::collections::BTreeSet<String> {
    use clap::CommandFactory;
    fn walk(cmd: &clap::Command, out: &mut std::collections::BTreeSet<String>) {
        for arg in cmd.get_arguments() {
            if let Some(long) = arg.get_long() {
                out.insert(format!("--{long}"));
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, out);
        }
    }
    let mut out = std::collections::BTreeSet::new();
    walk(&slipgate::cli::Cli::command(), &mut out);
    out
}

/// The `` `--flag` `` spans of a message.
fn flags_named(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|span| span.strip_prefix("--"))
        .map(|flag| format!("--{}", flag.split_whitespace().next().unwrap_or_default()))
        .collect()
}

#[test]
fn every_flag_a_github_error_names_exists() {
    let action = || "list the issues of octocat/hello".to_string();
    let errors = [
        GithubError::BadRepo { repo: "x".into() },
        GithubError::Redirect {
            action: action(),
            status: 302,
            problem: "it leads elsewhere".into(),
        },
        GithubError::TooLarge {
            action: action(),
            limit_bytes: 32 << 20,
        },
        GithubError::NotFound {
            action: action(),
            repo: REPO.into(),
            authenticated: true,
        },
        GithubError::RateLimited {
            action: action(),
            reset: None,
            limit: Some(1000),
            authenticated: true,
            max_wait_secs: 60,
        },
        GithubError::RateReserve {
            action: action(),
            remaining: 100,
            limit: Some(1000),
            reserve: 100,
            reset: None,
        },
    ];
    let flags = cli_flags();
    assert!(flags.contains("--api-url"), "{flags:?}");
    for err in &errors {
        let text = err.to_string();
        assert!(!text.contains("--github-api-url"), "{text}");
        for flag in flags_named(&text) {
            assert!(flags.contains(&flag), "{flag} is no flag: {text}");
        }
    }
    // The two that name the API URL name the real flag.
    assert!(
        errors[1]
            .to_string()
            .contains("check the API URL (`--api-url`)")
    );
    assert!(
        errors[2]
            .to_string()
            .contains("check that the API URL (`--api-url`)")
    );
}

/// Requests for `GET /user`.
fn whoami_requests(seen: &[Seen]) -> usize {
    seen.iter().filter(|s| s.path == "/user").count()
}

#[tokio::test]
async fn an_app_token_is_told_to_name_its_bot_and_then_keeps_one_comment() {
    let hub = MockHub::start(REPO).await;
    hub.add_pull(HubPull::new(42, T0));
    hub.set_token_kind(HubToken::App("my-app".into()));
    let mut cfg = config(&hub, None);
    cfg.token = Some("ghs_trust_app_token_0001".into());

    // Without `--comment-author`: slipgate assumes github-actions[bot]; GitHub shows
    // the new comment as my-app[bot]'s, and the outcome says so.
    let first = slipgate::publish::github::upsert_comment(&cfg, 42, MARKER, "Gate: pass")
        .await
        .unwrap();
    let CommentOutcome::CreatedAsOther {
        id: first_id,
        author,
        assumed,
        ..
    } = first
    else {
        panic!("expected CreatedAsOther, got {first:?}");
    };
    assert_eq!(
        (author.as_str(), assumed.as_str()),
        ("my-app[bot]", "github-actions[bot]")
    );

    // With it: the comment is adopted and edited in place, and `GET /user` is not
    // asked (it was asked once, by the first run).
    cfg.comment_author = Some("my-app[bot]".into());
    let second = slipgate::publish::github::upsert_comment(&cfg, 42, MARKER, "Gate: fail")
        .await
        .unwrap();
    assert_eq!(
        second,
        CommentOutcome::Updated(
            first_id,
            format!("https://github.com/octocat/hello/pull/42#issuecomment-{first_id}")
        ),
    );
    let comments = hub.comments(42);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].author, app_bot());
    assert_eq!(comments[0].body, format!("{MARKER}\nGate: fail"));
    assert_eq!(whoami_requests(&hub.requests().await), 1);
}

#[tokio::test]
async fn a_named_author_adopts_nobody_elses_marker() {
    let hub = MockHub::start(REPO).await;
    hub.add_pull(HubPull::new(42, T0));
    hub.set_token_kind(HubToken::App("my-app".into()));
    // github-actions[bot] and a person both carry the marker: neither is my-app[bot].
    hub.add_comment_by(42, HubAuthor::actions_bot(), MARKER);
    hub.add_comment_by(42, HubAuthor::person("my-app"), MARKER);
    let mut cfg = config(&hub, None);
    cfg.token = Some("ghs_trust_app_token_0002".into());
    cfg.comment_author = Some("My-App[bot]".into());
    let first = slipgate::publish::github::upsert_comment(&cfg, 42, MARKER, "Gate: pass")
        .await
        .unwrap();
    assert!(matches!(first, CommentOutcome::Created(..)), "{first:?}");
    let comments = hub.comments(42);
    assert_eq!(comments.len(), 3);
    assert_eq!(comments[0].body, MARKER);
    assert_eq!(comments[1].body, MARKER);
    assert_eq!(whoami_requests(&hub.requests().await), 0);
}

#[tokio::test]
async fn the_cli_warns_to_set_comment_author_and_obeys_it() {
    let r = crate::cli::sample();
    let work = tempfile::tempdir().unwrap();
    let hub = MockHub::start(REPO).await;
    hub.add_pull(HubPull::new(42, T0));
    hub.set_token_kind(HubToken::App("my-app".into()));
    let run = |author: Option<&'static str>| {
        let (repo, uri, cache) = (
            r.path().to_path_buf(),
            hub.uri(),
            work.path().join("cache.db"),
        );
        tokio::task::spawn_blocking(move || {
            let mut cmd = crate::cli::slipgate(&repo);
            cmd.args([
                "check",
                "--comment",
                "--pr",
                "42",
                "--now",
                &crate::cli::now(),
            ])
            .arg("--cache")
            .arg(cache)
            .env("GITHUB_API_URL", uri)
            .env("GITHUB_REPOSITORY", REPO)
            .env("GITHUB_TOKEN", "ghs_trust_app_token_0003")
            .env_remove("SLIPGATE_COMMENT_AUTHOR");
            if let Some(author) = author {
                cmd.env("SLIPGATE_COMMENT_AUTHOR", author);
            }
            cmd.output().unwrap()
        })
    };
    let out = run(None).await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let id = hub.comments(42)[0].id;
    let warning = stderr
        .lines()
        .find(|l| l.contains("will not recognise"))
        .unwrap_or_else(|| panic!("no warning in {stderr}"));
    assert_eq!(
        warning,
        format!(
            "warning: created the comment https://github.com/octocat/hello/pull/42#issuecomment-{id}, but GitHub shows it as written by `my-app[bot]`, not `github-actions[bot]` as slipgate assumed, so the next run will not recognise it and will create another; set `--comment-author my-app[bot]` (env SLIPGATE_COMMENT_AUTHOR, action input `comment-author`)"
        )
    );
    // With the login named, the next run edits that comment instead of adding one.
    let out = run(Some("my-app[bot]")).await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("will not recognise"), "{stderr}");
    let comments = hub.comments(42);
    assert_eq!(comments.len(), 1, "{stderr}");
    assert_eq!(comments[0].id, id);
}
