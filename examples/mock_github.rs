//! Benchmark helper: a fake GitHub with many issues, and a fetch through slipgate's API.
//!
//! ```text
//! # Terminal 1: serve 20,000 issues and 10,000 pull requests on 127.0.0.1:8765
//! cargo run --release --example mock_github -- serve --port 8765
//! # Terminal 2: fetch them (cold, then warm) into a cache
//! cargo run --release --example mock_github -- fetch --api-url http://127.0.0.1:8765 \
//!     --repo octocat/hello --cache /tmp/cache.db
//! ```
//!
//! `serve` uses the same fake as the integration tests (`tests/all/mockhub.rs`): official
//! example payloads, `Link` pagination, ETags and 304s. `fetch` prints one JSON line with
//! the wall time and the request counts from `FetchStats`.

#[path = "../tests/all/mockhub.rs"]
mod mockhub;

use clap::{Parser, Subcommand};
use mockhub::{HUB_EPOCH, HubIssue, HubPull, MockHub};
use slipgate::collect::github::fetch;
use slipgate::github::GithubConfig;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a fake GitHub until killed; prints `listening on URL` when ready.
    Serve {
        #[arg(long, default_value_t = 0)]
        port: u16,
        #[arg(long, default_value = "octocat/hello")]
        repo: String,
        #[arg(long, default_value_t = 20_000)]
        issues: u64,
        #[arg(long, default_value_t = 10_000)]
        pulls: u64,
        /// Milliseconds every answer takes (a server far away).
        #[arg(long, default_value_t = 0)]
        latency: u64,
    },
    /// Fetch every issue and pull request through `slipgate::collect::github::fetch`.
    Fetch {
        #[arg(long)]
        api_url: String,
        #[arg(long, default_value = "octocat/hello")]
        repo: String,
        /// Cache file; without it, nothing is cached.
        #[arg(long)]
        cache: Option<PathBuf>,
        #[arg(long)]
        token: Option<String>,
        #[arg(long)]
        progress: bool,
    },
}

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// `issues` issues and `pulls` pull requests over five years, numbers interleaved (every
/// third number a pull request while both last). A third of the issues is labelled
/// `Bug`, one in ten `incident`; two thirds are closed (one in eight as `not_planned`);
/// two thirds of the pull requests are merged.
fn seed(hub: &MockHub, issues: u64, pulls: u64) {
    let start = HUB_EPOCH - 5 * 365 * DAY;
    let total = issues + pulls;
    let step = (5 * 365 * DAY) / total.max(1) as i64;
    let (mut made_issues, mut made_pulls) = (0, 0);
    let mut issue_rows = Vec::with_capacity(issues as usize);
    let mut pull_rows = Vec::with_capacity(pulls as usize);
    for n in 1..=total {
        let created = start + n as i64 * step;
        let want_pull = (n % 3 == 0 && made_pulls < pulls) || made_issues >= issues;
        if want_pull {
            made_pulls += 1;
            let mut pull = HubPull::new(n, created);
            if n % 3 != 1 {
                pull = pull.merged(created + 5 * HOUR);
            }
            pull_rows.push(pull);
        } else {
            made_issues += 1;
            let mut labels = Vec::new();
            if n % 3 == 1 {
                labels.push("Bug");
            }
            if n % 10 == 0 {
                labels.push("incident");
            }
            let mut issue = HubIssue::new(n, created).labels(&labels);
            if n % 3 != 0 {
                let reason = if n % 8 == 0 {
                    "not_planned"
                } else {
                    "completed"
                };
                issue = issue.closed(created + 3 * DAY, Some(reason));
            }
            issue_rows.push(issue);
        }
    }
    hub.extend(issue_rows, pull_rows);
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if let Err(err) = runtime.block_on(run(args)) {
        eprintln!("error: {err:#}");
        std::process::exit(2);
    }
    Ok(())
}

async fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Serve {
            port,
            repo,
            issues,
            pulls,
            latency,
        } => {
            let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
            let hub = MockHub::start_on(listener, &repo).await;
            seed(&hub, issues, pulls);
            hub.set_latency(Duration::from_millis(latency));
            println!("listening on {}", hub.uri());
            loop {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        }
        Command::Fetch {
            api_url,
            repo,
            cache,
            token,
            progress,
        } => {
            let mut cfg = GithubConfig::new(repo);
            cfg.api_url = api_url;
            cfg.cache_path = cache;
            cfg.token = token;
            cfg.progress = progress;
            let started = Instant::now();
            let (data, stats) = fetch(&cfg).await?;
            let wall = started.elapsed();
            println!(
                "{}",
                serde_json::json!({
                    "wall_ms": wall.as_millis() as u64,
                    "issues": data.issues.len(),
                    "pulls": data.pulls.len(),
                    "warnings": data.warnings,
                    "stats": stats,
                })
            );
            Ok(())
        }
    }
}
