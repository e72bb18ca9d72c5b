//! Following `Link: rel="next"` through one list without ever taking part of it for all
//! of it, and without letting a server spend the token's hourly rate limit.
//!
//! A list ends only when a page has no `rel="next"`. A `rel="next"` naming a page already
//! read (the page just read, or any earlier one) is a loop: the list stops with
//! [`GithubError::Pagination`] instead of ending early (which would keep a fraction of the
//! items as if complete) or going round until the quota is spent. A list that ends more
//! than [`SHORT_END_TOLERANCE`] page before the last page its first page announced
//! (`rel="last"`) is an error too: part of it is missing.
//!
//! How many pages are read is bounded three ways:
//! - per list, by what the first page's `rel="last"` announced plus a margin for items
//!   added while the list is read ([`margin`]);
//! - per run, by a [`PageBudget`] shared by every list read (concurrent ones included):
//!   at most [`MAX_PAGES_PER_RUN`] pages in all, or two fifths of the token's hourly
//!   limit when that is more ([`LIMIT_SHARE_PER_RUN`]); a full read whose first page
//!   announces more pages than the budget has left stops at once;
//! - by the rate limit: no page is requested once `X-RateLimit-Remaining` is down to the
//!   reserve ([`rate_reserve`], a tenth of the hourly limit), so the next run still works.
//!
//! A full read whose first page announces at least [`READ_AHEAD_FROM`] pages reads the
//! pages its links will name before it gets there ([`Ahead`]): [`MAX_IN_FLIGHT`] at a
//! time, each reply still handed to the [`Pager`] in page order, so every check above
//! holds as for one page after another. A page whose `rel="next"` is not the page read
//! ahead drops what was read ahead (at most [`MAX_IN_FLIGHT`] − 1 requests spent for
//! nothing) and goes on one page at a time from the link; so does a list once GitHub
//! answers a secondary rate limit.
//!
//! Past any bound the list is an error ([`GithubError::PageBudget`],
//! [`GithubError::RateReserve`]) and nothing of it is used or cached.

use super::GithubError;
use super::client::{Client, MAX_IN_FLIGHT, Purpose, Reply, link_target, path_and_query};
use serde::de::DeserializeOwned;
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

/// Most list pages one run reads, every list together, before the rate limit is known:
/// 400 pages of 100 items. A cold read of a repository with 20,000 issues and pull
/// requests takes at most 400 (200 for the issue list, which includes pull requests, and
/// up to 200 for the pull request list); 400 is well under the 1,000 requests per hour a
/// workflow's `GITHUB_TOKEN` gets, so a runaway server cannot spend the quota of the next
/// runs. A token with a higher hourly limit gets [`LIMIT_SHARE_PER_RUN`] of it.
pub const MAX_PAGES_PER_RUN: u32 = 400;

/// The share of the hourly rate limit (`X-RateLimit-Limit`) one run may spend on list
/// pages when that is more than [`MAX_PAGES_PER_RUN`]: two fifths (2,000 pages of a
/// personal token's 5,000; 6,000 of an enterprise installation's 15,000).
pub(crate) const LIMIT_SHARE_PER_RUN: (u64, u64) = (2, 5);

/// The highest hourly rate limit GitHub gives a token (an installation on GitHub
/// Enterprise Cloud: 15,000); a larger `X-RateLimit-Limit` is not believed.
const HIGHEST_HOURLY_LIMIT: u64 = 15_000;

/// Pages a list may end before the last page its first page announced: GitHub computes
/// `rel="last"` when the first page is served, and items deleted or transferred (or, on
/// a list of open issues, closed) while the list is read pull the end in; one page is
/// 100 such items. A list ending earlier than that is missing pages.
pub const SHORT_END_TOLERANCE: u32 = 1;

/// The share of the hourly rate limit never spent on list pages: a tenth.
const RESERVE_SHARE: u64 = 10;

/// The reserve when GitHub sends no `X-RateLimit-Limit`.
const RESERVE_WITHOUT_LIMIT: u64 = 50;

/// Requests of the hourly limit that list pages never spend: a tenth of `limit` (100 of
/// a `GITHUB_TOKEN`'s 1,000, 500 of a personal token's 5,000, 6 of the 60 without a
/// token), or [`RESERVE_WITHOUT_LIMIT`] when the limit is unknown.
pub fn rate_reserve(limit: Option<u64>) -> u64 {
    match limit {
        Some(limit) => limit.div_ceil(RESERVE_SHARE),
        None => RESERVE_WITHOUT_LIMIT,
    }
}

/// Pages allowed beyond the announced last one: a tenth more, plus two, for items
/// created while the list is read (each 100 new items push the list down one page).
fn margin(announced: u32) -> u32 {
    announced / 10 + 2
}

/// The pages one run may read, shared by every list (and every clone): at most `max`.
/// Clones count against the same pages.
#[derive(Debug, Clone)]
pub struct PageBudget {
    max: Arc<AtomicU32>,
    used: Arc<AtomicU32>,
    /// Whether a reply's hourly limit may raise `max` (the run's default budget); a
    /// budget of a given size stays that size.
    scales: bool,
}

impl Default for PageBudget {
    /// A fresh budget of [`MAX_PAGES_PER_RUN`], raised to [`LIMIT_SHARE_PER_RUN`] of the
    /// hourly rate limit when a reply announces a higher one.
    fn default() -> Self {
        PageBudget {
            scales: true,
            ..PageBudget::new(MAX_PAGES_PER_RUN)
        }
    }
}

impl PageBudget {
    /// A fresh budget of exactly `max` pages.
    pub fn new(max: u32) -> Self {
        PageBudget {
            max: Arc::new(AtomicU32::new(max)),
            used: Arc::new(AtomicU32::new(0)),
            scales: false,
        }
    }

    /// The one budget of this process (a CLI run): every configuration given it shares
    /// its pages ([`MAX_PAGES_PER_RUN`], or two fifths of a higher hourly limit), the
    /// fetch and the publishing alike.
    pub fn for_this_run() -> Self {
        static RUN: OnceLock<PageBudget> = OnceLock::new();
        RUN.get_or_init(PageBudget::default).clone()
    }

    /// The most pages.
    pub fn max(&self) -> u32 {
        self.max.load(Ordering::Relaxed)
    }

    /// Raises the most pages to [`LIMIT_SHARE_PER_RUN`] of the hourly rate limit a reply
    /// announced, when that is more (never lowers it). A limit above GitHub's highest
    /// ([`HIGHEST_HOURLY_LIMIT`]) counts as that: the header comes from the server.
    fn fit_limit(&self, limit: u64) {
        if !self.scales {
            return;
        }
        let (num, den) = LIMIT_SHARE_PER_RUN;
        let limit = limit.min(HIGHEST_HOURLY_LIMIT);
        let share = u32::try_from(limit * num / den).unwrap_or(u32::MAX);
        self.max.fetch_max(share, Ordering::Relaxed);
    }

    /// Pages read so far.
    pub fn used(&self) -> u32 {
        self.used.load(Ordering::Relaxed)
    }

    /// Pages still allowed.
    fn left(&self) -> u32 {
        self.max().saturating_sub(self.used())
    }

    /// Counts a page already read (the first of a list: it is always read, so a spent
    /// budget costs one request per list at most).
    fn charge(&self) {
        self.used.fetch_add(1, Ordering::Relaxed);
    }

    /// Takes one page before it is requested; `false` when none is left.
    fn try_take(&self) -> bool {
        self.used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                (used < self.max.load(Ordering::Relaxed)).then_some(used + 1)
            })
            .is_ok()
    }
}

/// Where a list stands: the pages read so far and the page keys already seen.
#[derive(Debug)]
pub(crate) struct Pager {
    seen: HashSet<String>,
    pages: u32,
    announced: Option<u32>,
    budget: PageBudget,
    /// The whole list will be read (no early stop at known items): a first page
    /// announcing more pages than the budget has left fails at once.
    full: bool,
}

impl Pager {
    /// A list starting at `first` (a path and query), read against `budget`; `full`
    /// when it is read to its end whatever it holds.
    pub(crate) fn new(first: &str, budget: &PageBudget, full: bool) -> Self {
        Pager {
            seen: HashSet::from([page_key(first)]),
            pages: 0,
            announced: None,
            budget: budget.clone(),
            full,
        }
    }

    /// Pages read so far.
    #[cfg(test)]
    pub(crate) fn pages(&self) -> u32 {
        self.pages
    }

    /// Called once per page read (the first included), with its reply: the next page
    /// to read, `None` at the end of the list, or an error when the links loop, end
    /// short of the announced last page, or run past a bound (see the module
    /// documentation).
    pub(crate) fn next(
        &mut self,
        reply: &Reply,
        action: &str,
    ) -> Result<Option<String>, GithubError> {
        self.pages += 1;
        if let Some(limit) = reply
            .header("x-ratelimit-limit")
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            self.budget.fit_limit(limit);
        }
        if self.pages == 1 {
            self.budget.charge();
            self.announced = reply
                .header("link")
                .and_then(|h| link_target(h, "last"))
                .and_then(|url| page_number(&path_and_query(url)));
        }
        let Some(next) = reply.next_page() else {
            return match self.announced {
                Some(last) if self.pages.saturating_add(SHORT_END_TOLERANCE) < last => Err(self
                    .error(
                        action,
                        format!(
                            "the list ends at page {}, but its first page announced {last} pages",
                            self.pages
                        ),
                    )),
                _ => Ok(None),
            };
        };
        if !self.seen.insert(page_key(&next)) {
            let target = page_number(&next)
                .map(|p| format!("page {p}"))
                .unwrap_or_else(|| "a page".to_string());
            return Err(self.error(
                action,
                format!(
                    "page {} links to {target} as the next one, which was already read",
                    self.pages
                ),
            ));
        }
        if let Some(last) = self.announced
            && self.pages >= last.saturating_add(margin(last))
        {
            return Err(self.error(
                action,
                format!(
                    "{} pages were read and page {} still links to a next one, although the first page announced {last}",
                    self.pages, self.pages
                ),
            ));
        }
        if self.pages == 1
            && self.full
            && let Some(last) = self.announced
            && last.saturating_sub(1) > self.budget.left()
        {
            return Err(self.over_budget(
                action,
                format!(
                    "the first page announces {last} pages, and this run has {} left",
                    self.budget.left()
                ),
            ));
        }
        self.check_reserve(reply, action)?;
        if !self.budget.try_take() {
            return Err(self.over_budget(
                action,
                format!(
                    "this run has read {} pages and page {} of this list links to a next one",
                    self.budget.used(),
                    self.pages
                ),
            ));
        }
        Ok(Some(next))
    }

    /// An error when the reply says the rate limit is down to the reserve.
    fn check_reserve(&self, reply: &Reply, action: &str) -> Result<(), GithubError> {
        let number = |name: &str| {
            reply
                .header(name)
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let Some(remaining) = number("x-ratelimit-remaining") else {
            return Ok(());
        };
        let limit = number("x-ratelimit-limit");
        let reserve = rate_reserve(limit);
        if remaining > reserve {
            return Ok(());
        }
        Err(GithubError::RateReserve {
            action: action.to_string(),
            remaining,
            limit,
            reserve,
            reset: reply
                .header("x-ratelimit-reset")
                .and_then(|v| v.trim().parse::<i64>().ok())
                .map(super::payload::format_time),
        })
    }

    fn error(&self, action: &str, problem: String) -> GithubError {
        GithubError::Pagination {
            action: action.to_string(),
            problem,
        }
    }

    fn over_budget(&self, action: &str, problem: String) -> GithubError {
        GithubError::PageBudget {
            action: action.to_string(),
            problem,
            max: self.budget.max(),
        }
    }
}

/// The fewest pages a list's first page must announce for its pages to be read ahead:
/// on a shorter list the round trips saved are few, and a list whose links turn out
/// broken would cost up to [`MAX_IN_FLIGHT`] − 1 requests more than it does read one
/// page at a time.
pub const READ_AHEAD_FROM: u32 = 8;

/// The pages still to read ahead of one list: `path` is the announced last page's path
/// and query, with its `page` parameter set to each page in turn.
#[derive(Debug)]
struct Plan {
    path: String,
    next: u32,
    last: u32,
}

impl Plan {
    fn page(&self, page: u32) -> String {
        with_page(&self.path, page)
    }
}

/// A list's pages read ahead (see the module documentation): asked for one page at a
/// time in the order the links name them, answered from what was read ahead when the
/// link is the page expected.
#[derive(Debug, Default)]
pub(crate) struct Ahead {
    plan: Option<Plan>,
    /// Pages read ahead, in page order: the page key and the answer.
    ready: VecDeque<(String, Result<Reply, GithubError>)>,
}

impl Ahead {
    /// Reads ahead after the `first` page of a `full` read, when the first page
    /// announces at least [`READ_AHEAD_FROM`] pages and links to page 2 of the same
    /// list as its next one; otherwise every page is read when asked for.
    pub(crate) fn after_first(first: &Reply, full: bool) -> Ahead {
        let plan = full
            .then(|| first.header("link"))
            .flatten()
            .and_then(|h| link_target(h, "last"))
            .map(path_and_query)
            .and_then(|last_path| {
                let last = page_number(&last_path)?;
                let next = first.next_page()?;
                (last >= READ_AHEAD_FROM && page_key(&next) == page_key(&with_page(&last_path, 2)))
                    .then_some(Plan {
                        path: last_path,
                        next: 2,
                        last,
                    })
            });
        Ahead {
            plan,
            ready: VecDeque::new(),
        }
    }

    /// The answer for `path`: read ahead when it is the page expected (reading the next
    /// [`MAX_IN_FLIGHT`] pages at once when none is left, one when the client met a
    /// secondary rate limit), else asked for now, and nothing more read ahead.
    pub(crate) async fn get(
        &mut self,
        client: &Client,
        path: &str,
        purpose: Purpose<'_>,
    ) -> Result<Reply, GithubError> {
        let key = page_key(path);
        if let Some((front, _)) = self.ready.front() {
            if *front == key
                && let Some((_, reply)) = self.ready.pop_front()
            {
                return reply;
            }
            // The links left the pages read ahead: those are dropped.
            self.ready.clear();
            self.plan = None;
        }
        let Some(plan) = self
            .plan
            .as_mut()
            .filter(|p| p.next <= p.last && page_key(&p.page(p.next)) == key)
        else {
            self.plan = None;
            return client.get(path, None, purpose).await;
        };
        let width = if client.throttled() {
            1
        } else {
            MAX_IN_FLIGHT as u32
        };
        let pages: Vec<String> = (plan.next..=plan.last.min(plan.next + width - 1))
            .map(|p| plan.page(p))
            .collect();
        plan.next += pages.len() as u32;
        let one = |i: usize| {
            let page = pages.get(i);
            async move {
                match page {
                    Some(page) => Some(client.get(page, None, purpose).await),
                    None => None,
                }
            }
        };
        // One arm per request in flight.
        const _: () = assert!(MAX_IN_FLIGHT == 4);
        let (a, b, c, d) = tokio::join!(one(0), one(1), one(2), one(3));
        for (page, reply) in pages.iter().zip([a, b, c, d].into_iter().flatten()) {
            self.ready.push_back((page_key(page), reply));
        }
        match self.ready.pop_front() {
            Some((_, reply)) => reply,
            None => client.get(path, None, purpose).await,
        }
    }
}

/// `path_and_query` with its `page` parameter set to `page`.
fn with_page(path_and_query: &str, page: u32) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("page="))
        .map(str::to_string)
        .collect();
    pairs.push(format!("page={page}"));
    format!("{path}?{}", pairs.join("&"))
}

/// The `page` query parameter of a path and query (`None` when absent or not a number).
fn page_number(path_and_query: &str) -> Option<u32> {
    let (_, query) = path_and_query.split_once('?')?;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("page="))
        .and_then(|v| v.parse().ok())
}

/// The identity of a page: its path and its query parameters sorted, with `page=1` when
/// no page is given (the first request names none; its `rel="first"` link does).
fn page_key(path_and_query: &str) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    if !pairs.iter().any(|p| p.starts_with("page=")) {
        pairs.push("page=1");
    }
    pairs.sort_unstable();
    format!("{path}?{}", pairs.join("&"))
}

/// Every item of a paginated list, following `Link: rel="next"`; a list whose links
/// loop or run on is an error ([`GithubError::Pagination`]), never taken in part.
pub(crate) async fn list_all<T: DeserializeOwned>(
    client: &Client,
    first: String,
    purpose: Purpose<'_>,
) -> Result<Vec<T>, GithubError> {
    let mut items = Vec::new();
    let mut pager = Pager::new(&first, client.page_budget(), true);
    let mut reply = client.get(&first, None, purpose).await?;
    let mut ahead = Ahead::after_first(&reply, true);
    loop {
        let page: Vec<T> = decode(&reply.body, purpose.action).map_err(|e| client.scrub(e))?;
        items.extend(page);
        match pager.next(&reply, purpose.action)? {
            Some(next) => reply = ahead.get(client, &next, purpose).await?,
            None => return Ok(items),
        }
    }
}

/// One JSON answer as `T`; a body that is not is [`GithubError::Decode`].
pub(crate) fn decode<T: DeserializeOwned>(body: &str, action: &str) -> Result<T, GithubError> {
    serde_json::from_str(body).map_err(|e| GithubError::Decode {
        action: action.to_string(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue, StatusCode};

    const BASE: &str = "https://api.github.com/repos/o/r/issues?per_page=100";

    fn reply(link: &str) -> Reply {
        let mut headers = HeaderMap::new();
        if !link.is_empty() {
            headers.insert("link", HeaderValue::from_str(link).unwrap());
        }
        Reply {
            status: StatusCode::OK,
            headers,
            body: "[]".into(),
        }
    }

    /// A pager on a fresh budget of 400 pages, for an incremental read.
    fn pager() -> Pager {
        Pager::new(
            "/repos/o/r/issues?per_page=100",
            &PageBudget::default(),
            false,
        )
    }

    fn links(next: u32, last: u32) -> String {
        format!("<{BASE}&page={next}>; rel=\"next\", <{BASE}&page={last}>; rel=\"last\"")
    }

    #[test]
    fn the_first_page_without_a_page_number_is_page_one() {
        assert_eq!(
            page_key("/repos/o/r/issues?per_page=100"),
            page_key("/repos/o/r/issues?page=1&per_page=100")
        );
        assert_ne!(
            page_key("/repos/o/r/issues?per_page=100&page=2"),
            page_key("/repos/o/r/issues?per_page=100")
        );
        assert_eq!(page_number("/x?a=b&page=17"), Some(17));
        assert_eq!(page_number("/x?a=b"), None);
    }

    #[test]
    fn a_list_ends_where_no_next_link_is() {
        let mut pager = pager();
        assert_eq!(
            pager.next(&reply(&links(2, 3)), "list").unwrap().as_deref(),
            Some("/repos/o/r/issues?per_page=100&page=2")
        );
        assert!(pager.next(&reply(&links(3, 3)), "list").unwrap().is_some());
        assert_eq!(pager.next(&reply(""), "list").unwrap(), None);
        assert_eq!(pager.pages(), 3);
    }

    #[test]
    fn a_next_link_to_the_page_just_read_is_an_error() {
        let mut pager = pager();
        assert!(pager.next(&reply(&links(2, 30)), "list").unwrap().is_some());
        let err = pager.next(&reply(&links(2, 30)), "list").unwrap_err();
        assert!(matches!(err, GithubError::Pagination { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("page 2 links to page 2 as the next one"),
            "{text}"
        );
    }

    #[test]
    fn a_next_link_back_to_the_first_page_is_an_error() {
        let mut pager = pager();
        assert!(pager.next(&reply(&links(2, 30)), "list").unwrap().is_some());
        assert!(pager.next(&reply(&links(3, 30)), "list").unwrap().is_some());
        let err = pager.next(&reply(&links(1, 30)), "list").unwrap_err();
        assert!(err.to_string().contains("page 3 links to page 1"), "{err}");
    }

    #[test]
    fn pages_are_capped_by_the_announced_last_page_plus_a_margin() {
        // Page 1 announces 20 pages: the cap is 20 + 20/10 + 2 = 24 pages.
        let mut pager = pager();
        let mut page = 1;
        let err = loop {
            match pager.next(&reply(&links(page + 1, 20)), "list") {
                Ok(next) => {
                    assert!(next.is_some());
                    page += 1;
                }
                Err(err) => break err,
            }
        };
        assert_eq!(pager.pages(), 24);
        assert!(err.to_string().contains("announced 20"), "{err}");
    }

    /// Reads pages 1, 2, … each linking to the next (`last`: the announced last
    /// page, `None` for none) until the pager refuses; the pages read and the error.
    fn run_away(pager: &mut Pager, last: Option<u32>) -> (u32, GithubError) {
        let mut page = 1;
        loop {
            let link = match last {
                Some(last) => links(page + 1, last),
                None => format!("<{BASE}&page={}>; rel=\"next\"", page + 1),
            };
            match pager.next(&reply(&link), "list") {
                Ok(next) => {
                    assert!(next.is_some());
                    page += 1;
                }
                Err(err) => return (pager.pages(), err),
            }
        }
    }

    #[test]
    fn without_a_last_link_the_run_budget_applies() {
        // No `rel="last"`: only the run's budget of 400 pages stops the list.
        let (pages, err) = run_away(&mut pager(), None);
        assert_eq!(pages, MAX_PAGES_PER_RUN);
        assert_eq!(pages, 400);
        assert!(
            matches!(err, GithubError::PageBudget { max: 400, .. }),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains(
                "this run has read 400 pages and page 400 of this list links to a next one"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_huge_announced_last_page_is_bounded_by_the_run_budget() {
        // An incremental read (not full) of a list announcing 1,000,000 pages: the
        // per-list cap is 1,100,002, the run's budget of 400 stops it.
        let budget = PageBudget::default();
        let mut pager = Pager::new("/repos/o/r/issues?per_page=100", &budget, false);
        let (pages, err) = run_away(&mut pager, Some(1_000_000));
        assert_eq!(pages, 400);
        assert_eq!(budget.used(), 400);
        assert!(matches!(err, GithubError::PageBudget { .. }), "{err:?}");
    }

    #[test]
    fn a_full_read_announcing_more_than_the_budget_stops_at_the_first_page() {
        let budget = PageBudget::new(10);
        let mut pager = Pager::new("/repos/o/r/issues?per_page=100", &budget, true);
        let err = pager
            .next(&reply(&links(2, 1_000_000)), "list")
            .unwrap_err();
        assert_eq!(budget.used(), 1);
        assert!(
            err.to_string()
                .contains("the first page announces 1000000 pages, and this run has 9 left"),
            "{err}"
        );
        // Exactly what the budget has left is fine: 10 pages, 1 read, 9 left.
        let budget = PageBudget::new(10);
        let mut pager = Pager::new("/repos/o/r/issues?per_page=100", &budget, true);
        assert!(pager.next(&reply(&links(2, 10)), "list").unwrap().is_some());
    }

    #[test]
    fn lists_share_one_budget() {
        // Two lists against a budget of 10: the first takes 7 pages, the second gets
        // the 3 left (its first page counted, then 2 more), then stops.
        let budget = PageBudget::new(10);
        let mut first = Pager::new("/repos/o/r/issues?per_page=100", &budget, false);
        for page in 1..7 {
            assert!(
                first
                    .next(&reply(&links(page + 1, 7)), "a")
                    .unwrap()
                    .is_some()
            );
        }
        assert_eq!(first.next(&reply(""), "a").unwrap(), None);
        assert_eq!(budget.used(), 7);
        let mut second = Pager::new("/repos/o/r/pulls?per_page=100", &budget, false);
        let (pages, err) = run_away(&mut second, None);
        assert_eq!(pages, 3);
        assert_eq!(budget.used(), 10);
        assert!(
            err.to_string().contains("this run has read 10 pages"),
            "{err}"
        );
        // A clone is the same budget.
        assert_eq!(budget.clone().used(), 10);
    }

    #[test]
    fn a_list_ending_short_of_the_announced_last_page_is_an_error() {
        // Page 1 announces 30 pages; page 2 has no `Link`: 28 pages are missing.
        let mut p = pager();
        assert!(p.next(&reply(&links(2, 30)), "list").unwrap().is_some());
        let err = p.next(&reply(""), "list").unwrap_err();
        assert!(matches!(err, GithubError::Pagination { .. }), "{err:?}");
        assert!(
            err.to_string()
                .contains("the list ends at page 2, but its first page announced 30 pages"),
            "{err}"
        );
        // One page short is within the tolerance (items deleted while reading).
        let mut p = pager();
        assert!(p.next(&reply(&links(2, 3)), "list").unwrap().is_some());
        assert_eq!(p.next(&reply(""), "list").unwrap(), None);
        // A first page announcing 3 pages but linking to none is two short.
        let err = pager().next(&reply(&format!("<{BASE}&page=3>; rel=\"last\"")), "list");
        assert!(err.is_err(), "{err:?}");
    }

    fn reply_with_rate(link: &str, remaining: u64, limit: Option<u64>) -> Reply {
        let mut r = reply(link);
        r.headers.insert(
            "x-ratelimit-remaining",
            HeaderValue::from_str(&remaining.to_string()).unwrap(),
        );
        if let Some(limit) = limit {
            r.headers.insert(
                "x-ratelimit-limit",
                HeaderValue::from_str(&limit.to_string()).unwrap(),
            );
        }
        r.headers
            .insert("x-ratelimit-reset", HeaderValue::from_static("1303479228"));
        r
    }

    #[test]
    fn the_last_tenth_of_the_rate_limit_is_never_spent_on_pages() {
        assert_eq!(rate_reserve(Some(1000)), 100);
        assert_eq!(rate_reserve(Some(5000)), 500);
        assert_eq!(rate_reserve(Some(60)), 6);
        assert_eq!(rate_reserve(Some(15)), 2);
        assert_eq!(rate_reserve(None), 50);
        let mut p = pager();
        assert!(
            p.next(&reply_with_rate(&links(2, 9), 101, Some(1000)), "list")
                .unwrap()
                .is_some()
        );
        let err = p
            .next(&reply_with_rate(&links(3, 9), 100, Some(1000)), "list")
            .unwrap_err();
        assert!(matches!(err, GithubError::RateReserve { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("has 100 of 1000 requests left this hour, and slipgate never spends the last 100 (a tenth of the hourly limit)")
                && text.contains("it resets at 2011-04-22T13:33:48Z"),
            "{text}"
        );
        // The end of a list needs no further request, whatever is left.
        assert_eq!(
            pager()
                .next(&reply_with_rate("", 0, Some(1000)), "list")
                .unwrap(),
            None
        );
    }

    #[test]
    fn a_higher_hourly_limit_raises_the_run_budget_to_two_fifths_of_it() {
        // A GITHUB_TOKEN's 1,000: two fifths is 400, the budget stays 400.
        let budget = PageBudget::default();
        let mut p = Pager::new("/repos/o/r/issues?per_page=100", &budget, false);
        p.next(&reply_with_rate(&links(2, 9), 999, Some(1000)), "list")
            .unwrap();
        assert_eq!(budget.max(), 400);
        // A personal token's 5,000: 2,000 pages.
        let budget = PageBudget::default();
        let mut p = Pager::new("/repos/o/r/issues?per_page=100", &budget, false);
        p.next(&reply_with_rate(&links(2, 9), 4999, Some(5000)), "list")
            .unwrap();
        assert_eq!(budget.max(), 2000);
        // A server claiming a limit above GitHub's highest (15,000) gets 6,000 at most,
        // and a later, lower limit never lowers the budget.
        let budget = PageBudget::default();
        let mut p = Pager::new("/repos/o/r/issues?per_page=100", &budget, false);
        p.next(
            &reply_with_rate(&links(2, 9), 999_999, Some(1_000_000)),
            "list",
        )
        .unwrap();
        assert_eq!(budget.max(), 6000);
        p.next(&reply_with_rate(&links(3, 9), 900, Some(1000)), "list")
            .unwrap();
        assert_eq!(budget.max(), 6000);
    }
}
