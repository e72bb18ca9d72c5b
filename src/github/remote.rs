//! `OWNER/NAME` from a git remote URL.

/// Derives `OWNER/NAME` from a git remote URL, for any host (github.com or GitHub
/// Enterprise). Accepted forms:
///
/// - `https://host/OWNER/NAME` (also `http://`, with or without `.git`, a trailing `/`,
///   a port, and `user@` or `user:password@` before the host)
/// - `ssh://git@host/OWNER/NAME.git` (also with a port, and `git+ssh://`, `git://`)
/// - `git@host:OWNER/NAME.git` (scp-like form)
///
/// Returns `None` for anything else (local paths, more or fewer than two path segments,
/// characters GitHub does not allow in names).
pub fn repo_from_remote(url: &str) -> Option<String> {
    let url = url.trim();
    let path = if let Some((scheme, rest)) = url.split_once("://") {
        if !matches!(
            scheme,
            "https" | "http" | "ssh" | "git" | "git+ssh" | "ssh+git"
        ) {
            return None;
        }
        // Drop the authority (`user@host:port`); the path starts at the first '/'.
        let (_authority, path) = rest.split_once('/')?;
        path
    } else {
        // scp-like: `[user@]host:path`, where the host part has no '/'.
        let (host, path) = url.split_once(':')?;
        if host.is_empty() || host.contains('/') || path.starts_with('/') {
            return None;
        }
        path
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut segments = path.split('/');
    let owner = segments.next()?;
    let name = segments.next()?;
    if segments.next().is_some() || !valid_segment(owner) || !valid_segment(name) {
        return None;
    }
    Some(format!("{owner}/{name}"))
}

/// A GitHub owner or repository name: ASCII letters, digits, `-`, `_`, `.`; not `.`/`..`.
pub(crate) fn valid_segment(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Splits and checks `OWNER/NAME`.
pub(crate) fn split_repo(repo: &str) -> Option<(&str, &str)> {
    let (owner, name) = repo.split_once('/')?;
    (valid_segment(owner) && valid_segment(name)).then_some((owner, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_forms() {
        for url in [
            "https://github.com/tokio-rs/tokio",
            "https://github.com/tokio-rs/tokio.git",
            "https://github.com/tokio-rs/tokio/",
            "https://github.com/tokio-rs/tokio.git/",
            "http://github.com/tokio-rs/tokio",
            "https://x-access-token@github.com/tokio-rs/tokio.git",
            "https://user:secret@github.com/tokio-rs/tokio.git",
            "https://ghe.example.com:8443/tokio-rs/tokio.git",
            "  https://github.com/tokio-rs/tokio.git\n",
        ] {
            assert_eq!(
                repo_from_remote(url).as_deref(),
                Some("tokio-rs/tokio"),
                "{url}"
            );
        }
    }

    #[test]
    fn ssh_forms() {
        for url in [
            "ssh://git@github.com/tokio-rs/tokio.git",
            "ssh://git@github.com/tokio-rs/tokio",
            "ssh://git@github.com:22/tokio-rs/tokio.git",
            "git+ssh://git@github.com/tokio-rs/tokio.git",
            "git://github.com/tokio-rs/tokio.git",
            "git@github.com:tokio-rs/tokio.git",
            "git@github.com:tokio-rs/tokio",
            "github.com:tokio-rs/tokio.git",
            "org-123@ghe.example.com:tokio-rs/tokio.git",
        ] {
            assert_eq!(
                repo_from_remote(url).as_deref(),
                Some("tokio-rs/tokio"),
                "{url}"
            );
        }
    }

    #[test]
    fn dots_and_underscores_in_names() {
        assert_eq!(
            repo_from_remote("git@github.com:my_org/my.repo.rs.git").as_deref(),
            Some("my_org/my.repo.rs")
        );
    }

    #[test]
    fn rejects_non_github_shapes() {
        for url in [
            "",
            "/home/me/repo",
            "./repo",
            "file:///home/me/repo.git",
            "C:/repos/x",
            "https://github.com/tokio-rs",
            "https://github.com/",
            "https://gitlab.com/group/sub/repo.git",
            "https://github.com/tokio-rs/tokio/tree/master",
            "git@github.com:/tokio-rs/tokio.git",
            "git@github.com:tokio rs/tokio.git",
            "https://github.com/../tokio",
        ] {
            assert_eq!(repo_from_remote(url), None, "{url}");
        }
    }

    #[test]
    fn split_repo_checks_both_halves() {
        assert_eq!(split_repo("a/b"), Some(("a", "b")));
        assert_eq!(split_repo("a/b/c"), None);
        assert_eq!(split_repo("a"), None);
        assert_eq!(split_repo("/b"), None);
        assert_eq!(split_repo("a/"), None);
    }
}
