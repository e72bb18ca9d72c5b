//! Following `Link: rel="next"` through one list without ever taking part of it for all
//! of it.
//!
//! A list ends only when a page has no `rel="next"`. A `rel="next"` naming a page already
//! read (the page just read, or any earlier one) is a loop: the list stops with
//! [`GithubError::Pagination`] instead of ending early (which would keep a fraction of the
//! items as if complete) or going round until the token's hourly quota is spent. The
//! number of pages is capped by what the first page's `rel="last"` announced, plus a
//! margin for items added while the list is read; without `rel="last"`, by
//! [`FALLBACK_MAX_PAGES`], below the smallest hourly quota a token gets.

use super::GithubError;
use super::client::{Client, Purpose, Reply, link_target, path_and_query};
use serde::de::DeserializeOwned;
use std::collections::HashSet;

/// Most pages followed when the first page announces no `rel="last"`: 500 pages of 100
/// items, half of the 1,000 requests per hour a workflow's `GITHUB_TOKEN` gets.
pub(crate) const FALLBACK_MAX_PAGES: u32 = 500;

/// Pages allowed beyond the announced last one: a tenth more, plus two, for items
/// created while the list is read (each 100 new items push the list down one page).
fn margin(announced: u32) -> u32 {
    announced / 10 + 2
}

/// Where a list stands: the pages read so far and the page keys already seen.
#[derive(Debug)]
pub(crate) struct Pager {
    seen: HashSet<String>,
    pages: u32,
    cap: u32,
    announced: Option<u32>,
}

impl Pager {
    /// A list starting at `first` (a path and query).
    pub fn new(first: &str) -> Self {
        Pager {
            seen: HashSet::from([page_key(first)]),
            pages: 0,
            cap: FALLBACK_MAX_PAGES,
            announced: None,
        }
    }

    /// Pages read so far.
    #[cfg(test)]
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// Called once per page read (the first included), with its reply: the next page
    /// to read, `None` at the end of the list, or an error when the links loop or run
    /// past the cap.
    pub fn next(&mut self, reply: &Reply, action: &str) -> Result<Option<String>, GithubError> {
        self.pages += 1;
        if self.pages == 1 {
            self.announced = reply
                .header("link")
                .and_then(|h| link_target(h, "last"))
                .and_then(|url| page_number(&path_and_query(url)));
            if let Some(last) = self.announced {
                self.cap = last.saturating_add(margin(last));
            }
        }
        let Some(next) = reply.next_page() else {
            return Ok(None);
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
        if self.pages >= self.cap {
            let why = match self.announced {
                Some(last) => format!(
                    "{} pages were read and page {} still links to a next one, although the first page announced {last}",
                    self.pages, self.pages
                ),
                None => format!(
                    "{} pages were read without reaching the end, and the first page announced no last page",
                    self.pages
                ),
            };
            return Err(self.error(action, why));
        }
        Ok(Some(next))
    }

    fn error(&self, action: &str, problem: String) -> GithubError {
        GithubError::Pagination {
            action: action.to_string(),
            problem,
        }
    }
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
    let mut pager = Pager::new(&first);
    let mut path = first;
    loop {
        let reply = client.get(&path, None, purpose).await?;
        let page: Vec<T> = decode(&reply.body, purpose.action).map_err(|e| client.scrub(e))?;
        items.extend(page);
        match pager.next(&reply, purpose.action)? {
            Some(next) => path = next,
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
        let mut pager = Pager::new("/repos/o/r/issues?per_page=100");
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
        let mut pager = Pager::new("/repos/o/r/issues?per_page=100");
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
        let mut pager = Pager::new("/repos/o/r/issues?per_page=100");
        assert!(pager.next(&reply(&links(2, 30)), "list").unwrap().is_some());
        assert!(pager.next(&reply(&links(3, 30)), "list").unwrap().is_some());
        let err = pager.next(&reply(&links(1, 30)), "list").unwrap_err();
        assert!(err.to_string().contains("page 3 links to page 1"), "{err}");
    }

    #[test]
    fn pages_are_capped_by_the_announced_last_page_plus_a_margin() {
        // Page 1 announces 20 pages: the cap is 20 + 20/10 + 2 = 24 pages.
        let mut pager = Pager::new("/repos/o/r/issues?per_page=100");
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

    #[test]
    fn without_a_last_link_the_fallback_cap_applies() {
        let mut pager = Pager::new("/repos/o/r/issues?per_page=100");
        let mut page = 1;
        while pager
            .next(
                &reply(&format!("<{BASE}&page={}>; rel=\"next\"", page + 1)),
                "l",
            )
            .is_ok()
        {
            page += 1;
        }
        assert_eq!(pager.pages(), FALLBACK_MAX_PAGES);
    }
}
