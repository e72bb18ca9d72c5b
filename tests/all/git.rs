//! Integration tests: the git release engine (`collect::git`) on real temporary
//! repositories. Every expectation is computed by hand in the comments.

use crate::gitrepo::{DAY, DEFAULT_TAG_PATTERN, HOUR, T0, TestRepo};
use git2::Oid;
use pretty_assertions::assert_eq;
use regex::Regex;
use slipgate::collect::git::{self, GitError, GitOptions};
use slipgate::model::GitHistory;

/// Reads `r` with `pattern`, pre-releases as given, all changes.
fn read_with(r: &TestRepo, pattern: &str, prereleases: bool, last: Option<usize>) -> GitHistory {
    let pattern = Regex::new(pattern).expect("pattern");
    let opts = GitOptions {
        tag_pattern: &pattern,
        include_prereleases: prereleases,
        changes: last.map_or(git::Changes::All, git::Changes::Newest),
        paths: &git::Pathspec::default(),
        until: None,
    };
    git::open(r.path())
        .expect("open")
        .read(&opts)
        .expect("read")
}

/// Reads `r` with the default pattern, no pre-releases, all changes.
fn read(r: &TestRepo) -> GitHistory {
    read_with(r, DEFAULT_TAG_PATTERN, false, None)
}

/// Tags of the releases, in the order returned.
fn tags(h: &GitHistory) -> Vec<&str> {
    h.releases.iter().map(|r| r.tag.as_str()).collect()
}

/// The shas of a release's changes, sorted (the walk order is not part of the contract).
fn shas(changes: &[slipgate::model::Commit]) -> Vec<String> {
    let mut v: Vec<String> = changes.iter().map(|c| c.sha.clone()).collect();
    v.sort();
    v
}

/// Sorted shas of the given commits.
fn ids(oids: &[Oid]) -> Vec<String> {
    let mut v: Vec<String> = oids.iter().map(Oid::to_string).collect();
    v.sort();
    v
}

#[test]
fn annotated_and_lightweight_release_times_and_first_release() {
    let r = TestRepo::new();
    let c1 = r.commit("feat: a", T0, T0 + 10);
    let c2 = r.commit("fix: b\n\nbody", T0 + 100, T0 + 110);
    r.tag_lightweight("v1.0.0", c2);
    let c3 = r.commit("feat: c", T0 + 200, T0 + 210);
    r.tag_annotated("v1.1.0", c3, T0 + 5_000);

    let h = read(&r);
    assert_eq!(tags(&h), ["v1.0.0", "v1.1.0"]);
    let v100 = &h.releases[0];
    // Lightweight: the committer time of c2 = T0 + 110 (not its author time T0 + 100).
    assert_eq!(v100.time, T0 + 110);
    assert!(!v100.annotated);
    assert_eq!(v100.commit, c2.to_string());
    assert_eq!(v100.version, semver::Version::new(1, 0, 0));
    // First release: every commit reachable from it, c1 and c2.
    assert_eq!(shas(&v100.changes), ids(&[c1, c2]));
    assert!(v100.changes_loaded);
    let v110 = &h.releases[1];
    // Annotated: the tagger time T0 + 5000, and peeled to the commit c3.
    assert_eq!(v110.time, T0 + 5_000);
    assert!(v110.annotated);
    assert_eq!(v110.commit, c3.to_string());
    // v1.0.0..v1.1.0 = c3 only.
    assert_eq!(shas(&v110.changes), ids(&[c3]));
    // Commit metadata: author time (not committer time) and the subject.
    let ch = &v100
        .changes
        .iter()
        .find(|c| c.sha == c2.to_string())
        .expect("c2");
    assert_eq!(ch.author_time, T0 + 100);
    assert_eq!(ch.subject, "fix: b");
    // HEAD is c3 = the highest release: nothing unreleased.
    assert_eq!(h.candidate.head, Some(c3.to_string()));
    assert_eq!(h.candidate.base_tag.as_deref(), Some("v1.1.0"));
    assert!(h.candidate.changes.is_empty());
    assert!(h.warnings.is_empty(), "{:?}", h.warnings);
    assert!(h.unmatched_tags.is_empty());
    assert_eq!(h.origin_url, None);
}

#[test]
fn merges_are_not_changes_but_their_second_parents_are() {
    // init ─ m1 ─ M (merge) ← v1.1.0
    //   │        /
    //   └ f1 ─ f2      (feature branch)
    // v1.0.0 = init.
    let r = TestRepo::new();
    let init = r.commit_at("chore: init", T0);
    r.tag_lightweight("v1.0.0", init);
    r.branch("feature", init);
    let f1 = r.commit_on("feature", "feat: f1", T0 + 100);
    let f2 = r.commit_on("feature", "feat: f2", T0 + 200);
    let m1 = r.commit_at("fix: m1", T0 + 150);
    let merge = r.merge(f2, "Merge branch 'feature'", T0 + 300);
    r.tag_annotated("v1.1.0", merge, T0 + 400);

    let h = read(&r);
    assert_eq!(tags(&h), ["v1.0.0", "v1.1.0"]);
    assert_eq!(shas(&h.releases[0].changes), ids(&[init]));
    // init..M = {M, m1, f1, f2} minus the merge M = 3 changes.
    assert_eq!(shas(&h.releases[1].changes), ids(&[m1, f1, f2]));
    assert_eq!(h.releases[1].commit, merge.to_string());
}

#[test]
fn releases_are_ordered_by_version_not_by_time() {
    // main:  c1 (v1.0.0, T0+10) ─ c2 ─ c3 (v1.1.0 tagged at T0+1000) ─ c4 (HEAD)
    // maint:  └ p1 (v1.0.1 tagged at T0+2000, after v1.1.0)
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: one", T0 + 10);
    r.tag_lightweight("v1.0.0", c1);
    let c2 = r.commit_at("feat: two", T0 + 100);
    let c3 = r.commit_at("feat: three", T0 + 200);
    r.tag_annotated("v1.1.0", c3, T0 + 1_000);
    r.branch("maint-1.0", c1);
    let p1 = r.commit_on("maint-1.0", "fix: backport", T0 + 1_500);
    r.tag_annotated("v1.0.1", p1, T0 + 2_000);
    let c4 = r.commit_at("feat: four", T0 + 3_000);

    let h = read(&r);
    // Version order 1.0.0 < 1.0.1 < 1.1.0, although v1.0.1 was released last.
    assert_eq!(tags(&h), ["v1.0.0", "v1.0.1", "v1.1.0"]);
    assert_eq!(
        h.releases.iter().map(|r| r.time).collect::<Vec<_>>(),
        [T0 + 10, T0 + 2_000, T0 + 1_000]
    );
    // v1.0.0..v1.0.1 = {p1}.
    assert_eq!(shas(&h.releases[1].changes), ids(&[p1]));
    // v1.0.1..v1.1.0 = reach(c3) − reach(p1) = {c1,c2,c3} − {c1,p1} = {c2, c3}.
    assert_eq!(shas(&h.releases[2].changes), ids(&[c2, c3]));
    // Candidate: HEAD c4 not reachable from the highest release v1.1.0 = {c4}.
    assert_eq!(h.candidate.head, Some(c4.to_string()));
    assert_eq!(h.candidate.base_tag.as_deref(), Some("v1.1.0"));
    assert_eq!(shas(&h.candidate.changes), ids(&[c4]));
}

#[test]
fn duplicate_versions_keep_the_earlier_release_then_the_smaller_name() {
    let r = TestRepo::new();
    let c1 = r.commit("feat: a", T0, T0 + 10);
    let c2 = r.commit("feat: b", T0 + 20, T0 + 30);
    // 1.0.0 twice: `v1.0.0` lightweight on c1 → time T0+10;
    // `1.0.0` annotated on c2, tagged at T0+5 → earlier, so `1.0.0` is kept.
    r.tag_lightweight("v1.0.0", c1);
    r.tag_annotated("1.0.0", c2, T0 + 5);
    // 2.0.0 twice, both lightweight on c2 → same time T0+30; "2.0.0" < "v2.0.0".
    r.tag_lightweight("v2.0.0", c2);
    r.tag_lightweight("2.0.0", c2);

    let h = read(&r);
    assert_eq!(tags(&h), ["1.0.0", "2.0.0"]);
    assert_eq!(h.releases[0].time, T0 + 5);
    assert_eq!(h.releases[0].commit, c2.to_string());
    // 2.0.0 tags the same commit as 1.0.0: no changes.
    assert!(h.releases[1].changes.is_empty());
    assert_eq!(
        h.warnings,
        [
            "tags `1.0.0` and `v1.0.0` both give version 1.0.0; keeping `1.0.0` (released earlier)",
            "tags `2.0.0` and `v2.0.0` both give version 2.0.0; keeping `2.0.0` (same release time, smaller tag name)",
        ]
    );
}

#[test]
fn monorepo_pattern_ignores_other_tags() {
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: a", T0);
    r.tag_lightweight("tokio-1.0.0", c1);
    r.tag_lightweight("tokio-macros-2.0.0", c1);
    let c2 = r.commit_at("feat: b", T0 + 100);
    r.tag_lightweight("v9.9.9", c2);
    let c3 = r.commit_at("feat: c", T0 + 200);
    r.tag_annotated("tokio-1.1.0", c3, T0 + 300);
    r.tag_lightweight("tokio-util-0.7.0", c3);

    let h = read_with(&r, r"^tokio-(?P<version>\d+\.\d+\.\d+)$", false, None);
    assert_eq!(tags(&h), ["tokio-1.0.0", "tokio-1.1.0"]);
    // tokio-1.0.0..tokio-1.1.0 = {c2, c3}; v9.9.9 is not a release.
    assert_eq!(shas(&h.releases[1].changes), ids(&[c2, c3]));
    assert!(h.warnings.is_empty(), "{:?}", h.warnings);
}

#[test]
fn prereleases_count_only_when_asked() {
    let pattern = r"^v(?P<version>\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$";
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: a", T0);
    r.tag_lightweight("v1.0.0", c1);
    let c2 = r.commit_at("feat: b", T0 + 100);
    r.tag_lightweight("v1.1.0-rc.1", c2);
    let c3 = r.commit_at("fix: c", T0 + 200);
    r.tag_lightweight("v1.1.0", c3);

    // Off: v1.1.0-rc.1 is not a release; v1.0.0..v1.1.0 = {c2, c3}.
    let h = read_with(&r, pattern, false, None);
    assert_eq!(tags(&h), ["v1.0.0", "v1.1.0"]);
    assert_eq!(shas(&h.releases[1].changes), ids(&[c2, c3]));
    assert!(h.warnings.is_empty(), "{:?}", h.warnings);

    // On: 1.0.0 < 1.1.0-rc.1 < 1.1.0 (semver precedence); {c2} then {c3}.
    let h = read_with(&r, pattern, true, None);
    assert_eq!(tags(&h), ["v1.0.0", "v1.1.0-rc.1", "v1.1.0"]);
    assert_eq!(shas(&h.releases[1].changes), ids(&[c2]));
    assert_eq!(shas(&h.releases[2].changes), ids(&[c3]));
}

#[test]
fn only_prereleases_gives_a_hint() {
    let pattern = r"^v(?P<version>\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$";
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: a", T0);
    r.tag_lightweight("v1.0.0-beta.1", c1);
    r.tag_lightweight("v1.0.0-beta.2", c1);
    let h = read_with(&r, pattern, false, None);
    assert!(h.releases.is_empty());
    // The tags matched the pattern, so they are not "unmatched".
    assert!(h.unmatched_tags.is_empty());
    assert_eq!(
        h.warnings,
        [
            "2 pre-release tag(s) skipped and no other release found; set \
          `releases.include_prereleases: true` to count pre-releases"
        ]
    );
}

#[test]
fn tags_on_trees_and_blobs_are_skipped_with_warnings() {
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: a", T0);
    r.tag_lightweight("v1.0.0", c1);
    let tree = r.empty_tree();
    r.tag_lightweight("v2.0.0", tree);
    let blob = r.blob(b"key material\n");
    r.tag_annotated("v3.0.0", blob, T0 + 50);

    let h = read(&r);
    assert_eq!(tags(&h), ["v1.0.0"]);
    assert_eq!(
        h.warnings,
        [
            "tag `v2.0.0` skipped: it points to a tree, not to a commit",
            "tag `v3.0.0` skipped: it points to a blob, not to a commit",
        ]
    );
}

#[test]
fn unparsable_versions_are_skipped_with_a_warning() {
    // The pattern captures "1.2", which is not semver (needs three parts).
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: a", T0);
    r.tag_lightweight("v1.2", c1);
    r.tag_lightweight("v1.3.0", c1);
    let h = read_with(&r, r"^v(?P<version>\d+(\.\d+)*)$", false, None);
    assert_eq!(tags(&h), ["v1.3.0"]);
    assert_eq!(h.warnings.len(), 1);
    assert!(
        h.warnings[0].starts_with("tag `v1.2` skipped: `1.2` is not a semver version"),
        "{:?}",
        h.warnings
    );
}

#[test]
fn no_matching_tags_lists_the_most_recent_tags() {
    let r = TestRepo::new();
    let mut heads = Vec::new();
    // 12 commits a day apart, each tagged `release-N` (lightweight: time = commit
    // time T0 + N days), then one annotated tag on the first commit tagged last.
    for n in 0..12 {
        let c = r.commit_at(&format!("feat: {n}"), T0 + n * DAY);
        r.tag_lightweight(&format!("release-{n}"), c);
        heads.push(c);
    }
    r.tag_annotated("latest", heads[0], T0 + 100 * DAY);
    let merge_base = heads[11];

    let h = read(&r);
    assert!(h.releases.is_empty());
    // Most recent first: latest (T0+100d), then release-11 ... release-3: 10 names.
    assert_eq!(
        h.unmatched_tags,
        [
            "latest",
            "release-11",
            "release-10",
            "release-9",
            "release-8",
            "release-7",
            "release-6",
            "release-5",
            "release-4",
            "release-3",
        ]
    );
    // No release: the candidate is every commit of HEAD (12), against no base.
    assert_eq!(h.candidate.base_tag, None);
    assert_eq!(h.candidate.head, Some(merge_base.to_string()));
    assert_eq!(shas(&h.candidate.changes), ids(&heads));
}

#[test]
fn candidate_without_releases_excludes_merges() {
    // a ─ b ─ M(HEAD), side branch s off a merged into M: changes {a, b, s}.
    let r = TestRepo::new();
    let a = r.commit_at("feat: a", T0);
    r.branch("side", a);
    let s = r.commit_on("side", "feat: s", T0 + 10);
    let b = r.commit_at("feat: b", T0 + 20);
    r.merge(s, "Merge side", T0 + 30);
    let h = read(&r);
    assert!(h.unmatched_tags.is_empty()); // no tags at all
    assert_eq!(shas(&h.candidate.changes), ids(&[a, b, s]));
}

#[test]
fn empty_repository_has_no_head_and_no_candidate() {
    let r = TestRepo::new();
    let h = read(&r);
    assert!(h.releases.is_empty());
    assert_eq!(h.candidate.head, None);
    assert_eq!(h.candidate.base_tag, None);
    assert!(h.candidate.changes.is_empty());
    assert!(h.warnings.is_empty());
}

#[test]
fn tag_on_an_orphan_branch_counts_its_whole_history_with_a_warning() {
    // main: c1 (v1.0.0); orphan branch: o1 ─ o2 (v2.0.0), unrelated to c1.
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: main", T0);
    r.tag_lightweight("v1.0.0", c1);
    r.orphan("pages");
    let o1 = r.commit_at("docs: pages", T0 + 100);
    let o2 = r.commit_at("docs: more pages", T0 + 200);
    r.tag_lightweight("v2.0.0", o2);
    r.checkout("main");

    let h = read(&r);
    assert_eq!(tags(&h), ["v1.0.0", "v2.0.0"]);
    // v1.0.0..v2.0.0 = {o1, o2}: nothing of c1's history hides them.
    assert_eq!(shas(&h.releases[1].changes), ids(&[o1, o2]));
    // HEAD (main, c1) is not reachable from the highest release v2.0.0: the candidate
    // is {c1}, a root that v2.0.0 does not reach either.
    assert_eq!(h.candidate.base_tag.as_deref(), Some("v2.0.0"));
    assert_eq!(shas(&h.candidate.changes), ids(&[c1]));
    assert_eq!(
        h.warnings,
        [
            format!(
                "release `v2.0.0` reaches root commit {} that its previous release \
                 `v1.0.0` does not: its history joins an unrelated one (another \
                 repository merged in, or a tag on an orphan branch), and its 2 changes \
                 include that history",
                &o1.to_string()[..7]
            ),
            format!(
                "HEAD reaches root commit {} that the highest release `v2.0.0` does not: \
                 its history joins an unrelated one (another repository merged in, or \
                 HEAD on an orphan branch), and the 1 candidate changes include that \
                 history",
                &c1.to_string()[..7]
            ),
        ]
    );
}

#[test]
fn annotated_tag_without_tagger_falls_back_to_committer_time() {
    let r = TestRepo::new();
    let c1 = r.commit("feat: a", T0, T0 + 42);
    r.tag_annotated_without_tagger("v1.0.0", c1);
    let h = read(&r);
    assert_eq!(tags(&h), ["v1.0.0"]);
    // No tagger: committer time of c1 = T0 + 42; still an annotated tag.
    assert_eq!(h.releases[0].time, T0 + 42);
    assert!(h.releases[0].annotated);
    assert_eq!(
        h.warnings,
        [format!(
            "tag `v1.0.0` has no tagger; its release time is the committer time of commit {}",
            &c1.to_string()[..7]
        )]
    );
}

#[test]
fn changes_for_last_loads_only_the_newest_releases() {
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: a", T0);
    r.tag_lightweight("v1.0.0", c1);
    let c2 = r.commit_at("feat: b", T0 + HOUR);
    r.tag_annotated("v1.1.0", c2, T0 + 2 * HOUR);
    let c3 = r.commit_at("feat: c", T0 + 3 * HOUR);
    r.tag_lightweight("v2.0.0", c3);

    // Newest 2 by version: v1.1.0 and v2.0.0.
    let h = read_with(&r, DEFAULT_TAG_PATTERN, false, Some(2));
    assert_eq!(tags(&h), ["v1.0.0", "v1.1.0", "v2.0.0"]);
    assert_eq!(
        h.releases
            .iter()
            .map(|r| r.changes_loaded)
            .collect::<Vec<_>>(),
        [false, true, true]
    );
    // Not loaded: no changes, but the time is there.
    assert!(h.releases[0].changes.is_empty());
    assert_eq!(h.releases[0].time, T0);
    assert_eq!(h.releases[1].time, T0 + 2 * HOUR);
    assert_eq!(shas(&h.releases[1].changes), ids(&[c2]));
    assert_eq!(shas(&h.releases[2].changes), ids(&[c3]));

    let h = read_with(&r, DEFAULT_TAG_PATTERN, false, Some(0));
    assert!(
        h.releases
            .iter()
            .all(|r| !r.changes_loaded && r.changes.is_empty())
    );
    let h = read_with(&r, DEFAULT_TAG_PATTERN, false, Some(10));
    assert!(h.releases.iter().all(|r| r.changes_loaded));
    assert_eq!(shas(&h.releases[0].changes), ids(&[c1]));
}

#[test]
fn bare_repository_reads_the_same_and_gives_origin() {
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: a", T0);
    r.tag_annotated("v1.0.0", c1, T0 + 10);
    let c2 = r.commit_at("feat: b", T0 + 20);
    r.set_origin("https://github.com/acme/rocket.git");
    let bare = r.bare_copy();
    assert!(bare.is_bare());

    let h = read(&bare);
    assert_eq!(tags(&h), ["v1.0.0"]);
    assert_eq!(h.releases[0].time, T0 + 10);
    assert_eq!(shas(&h.candidate.changes), ids(&[c2]));
    assert_eq!(
        h.origin_url.as_deref(),
        Some("https://github.com/acme/rocket.git")
    );
    assert_eq!(h, read(&r));
}

#[test]
fn a_folder_inside_the_work_tree_is_discovered() {
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: a", T0);
    r.tag_lightweight("v0.1.0", c1);
    let sub = r.subdir("crates/core/src");
    let pattern = Regex::new(DEFAULT_TAG_PATTERN).unwrap();
    let opts = GitOptions {
        tag_pattern: &pattern,
        include_prereleases: false,
        changes: git::Changes::All,
        paths: &git::Pathspec::default(),
        until: None,
    };
    let h = git::open(&sub)
        .expect("discovered")
        .read(&opts)
        .expect("read");
    assert_eq!(tags(&h), ["v0.1.0"]);
}

#[test]
fn shallow_clone_is_an_error_that_says_how_to_fix_it() {
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: a", T0);
    let c2 = r.commit_at("feat: b", T0 + 1);
    let _ = c1;
    r.make_shallow(c2);
    let err = git::open(r.path()).err().expect("shallow is an error");
    assert!(matches!(err, GitError::Shallow { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("shallow clone"), "{msg}");
    assert!(
        msg.contains("`fetch-depth: 0` on actions/checkout"),
        "{msg}"
    );
    assert!(msg.contains("`git fetch --unshallow --tags`"), "{msg}");
    // The work tree, without libgit2's trailing slash.
    let work_tree: std::path::PathBuf = r.path().components().collect();
    assert!(
        msg.starts_with(&format!(
            "the repository at `{}` is a shallow clone",
            work_tree.display()
        )),
        "{msg}"
    );
}

#[test]
fn a_folder_outside_any_repository_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = git::open(dir.path()).err().expect("not a repository");
    assert!(matches!(err, GitError::NotARepo { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!(
            "`{}` is not a git repository (nor inside one)",
            dir.path().display()
        )),
        "{msg}"
    );
    assert!(msg.contains("--repo"), "{msg}");
}

#[test]
fn a_missing_commit_is_an_error_that_says_how_to_fix_it() {
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: a", T0);
    let _c2 = r.commit_at("feat: b", T0 + 1);
    let c3 = r.commit_at("feat: c", T0 + 2);
    r.tag_lightweight("v1.0.0", c3);
    r.remove_object(c1);
    let pattern = Regex::new(DEFAULT_TAG_PATTERN).unwrap();
    let opts = GitOptions {
        tag_pattern: &pattern,
        include_prereleases: false,
        changes: git::Changes::All,
        paths: &git::Pathspec::default(),
        until: None,
    };
    let err = git::open(r.path())
        .expect("open")
        .read(&opts)
        .expect_err("missing object is an error");
    match &err {
        GitError::MissingObject { oid, .. } => assert_eq!(oid, &c1.to_string()),
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("walking the commits of release `v1.0.0`"),
        "{msg}"
    );
    assert!(msg.contains("git fetch --refetch --tags origin"), "{msg}");
}

#[test]
fn partial_clones_are_read() {
    // libgit2 refuses `extensions.partialclone` unless allowed; the engine allows it
    // because only commits and tags are read, and a blobless clone has them all.
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: a", T0);
    r.tag_lightweight("v1.0.0", c1);
    r.mark_partial_clone();
    assert_eq!(tags(&read(&r)), ["v1.0.0"]);
}

#[test]
fn detached_head_is_the_candidate_tip() {
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: a", T0);
    r.tag_lightweight("v1.0.0", c1);
    let c2 = r.commit_at("feat: b", T0 + 1);
    let _c3 = r.commit_at("feat: c", T0 + 2);
    r.detach(c2);
    let h = read(&r);
    // HEAD = c2: v1.0.0..c2 = {c2}.
    assert_eq!(h.candidate.head, Some(c2.to_string()));
    assert_eq!(shas(&h.candidate.changes), ids(&[c2]));
}

#[test]
fn subjects_follow_git_and_survive_invalid_utf8() {
    let r = TestRepo::new();
    r.commit_at("feat: a long\nsubject line\n\nbody text", T0);
    // Latin-1 "é" (0xE9) is invalid UTF-8: replaced, not an error.
    r.commit_raw_message(b"fix: caf\xe9\n", T0 + 1);
    let h = read(&r);
    let mut subjects: Vec<&str> = h
        .candidate
        .changes
        .iter()
        .map(|c| c.subject.as_str())
        .collect();
    subjects.sort();
    assert_eq!(subjects, ["feat: a long subject line", "fix: caf\u{FFFD}"]);
}

#[test]
fn a_repository_of_another_user_is_an_error_that_says_how_to_fix_it() {
    // Needs to give the repository away (root only); elsewhere it says so and stops.
    let r = TestRepo::new();
    r.commit_at("feat: a", T0);
    let chown = |path: &std::path::Path| {
        std::process::Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(path)
            .status()
            .is_ok_and(|s| s.success())
    };
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if !is_root || !chown(r.path()) {
        eprintln!("skipped: changing the owner of a repository needs root");
        return;
    }
    let opened = git::open(r.path());
    // Give it back so the temporary folder can be removed.
    let _ = std::process::Command::new("chown")
        .args(["-R", "0:0"])
        .arg(r.path())
        .status();
    let Err(err) = opened else {
        eprintln!("skipped: a global `safe.directory` setting allows every repository");
        return;
    };
    assert!(matches!(err, GitError::NotOwned { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("git config --global --add safe.directory"),
        "{msg}"
    );
}

#[test]
fn commits_dated_before_the_previous_release_still_count() {
    // c1 (T0) ← v1.0.0; c2 committed 10 days *before* T0 (a clock behind); c3 ← v1.1.0.
    // v1.0.0..v1.1.0 = {c2, c3}: the walk must not stop at c1 although c2 is older.
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: a", T0);
    r.tag_lightweight("v1.0.0", c1);
    let c2 = r.commit_at("feat: skewed", T0 - 10 * DAY);
    let c3 = r.commit_at("feat: c", T0 + 100);
    r.tag_lightweight("v1.1.0", c3);
    let h = read(&r);
    assert_eq!(shas(&h.releases[1].changes), ids(&[c2, c3]));
    // And the other way round: the previous release dated far in the future.
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: a", T0);
    r.tag_lightweight("v1.0.0", c1);
    r.branch("maint", c1);
    let p1 = r.commit_on("maint", "fix: from the future", T0 + 400 * DAY);
    r.tag_lightweight("v1.0.1", p1);
    let c2 = r.commit_at("feat: b", T0 + 1);
    r.tag_lightweight("v1.1.0", c2);
    let h = read(&r);
    // v1.0.1..v1.1.0 = reach(c2) − reach(p1) = {c1, c2} − {c1, p1} = {c2}.
    assert_eq!(tags(&h), ["v1.0.0", "v1.0.1", "v1.1.0"]);
    assert_eq!(shas(&h.releases[2].changes), ids(&[c2]));
}

#[test]
fn a_tag_of_a_tag_takes_the_outer_tagger_time() {
    let r = TestRepo::new();
    let c1 = r.commit("feat: a", T0, T0 + 1);
    let inner = r.tag_annotated("inner", c1, T0 + 10);
    r.tag_annotated("v1.0.0", inner, T0 + 20);
    let h = read(&r);
    // Peeled through both tag objects to c1; time of the outer tag, T0 + 20.
    assert_eq!(tags(&h), ["v1.0.0"]);
    assert_eq!(h.releases[0].commit, c1.to_string());
    assert_eq!(h.releases[0].time, T0 + 20);
    assert!(h.releases[0].annotated);
}

/// Reads `r` with `pattern`, the given `releases.paths` and evaluation time, all changes.
fn read_paths(r: &TestRepo, pattern: &str, paths: &[&str], until: Option<i64>) -> GitHistory {
    let pattern = Regex::new(pattern).expect("pattern");
    let paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    let paths = git::Pathspec::new(&paths).expect("paths");
    let opts = GitOptions {
        tag_pattern: &pattern,
        include_prereleases: false,
        changes: git::Changes::All,
        paths: &paths,
        until,
    };
    git::open(r.path())
        .expect("open")
        .read(&opts)
        .expect("read")
}

/// Change counts of the releases, then of the candidate.
fn counts(h: &GitHistory) -> Vec<usize> {
    let mut v: Vec<usize> = h.releases.iter().map(|r| r.changes.len()).collect();
    v.push(h.candidate.changes.len());
    v
}

/// `git rev-list --count --no-merges --full-history RANGE -- PATHS` for each release of
/// `h` and for the candidate, as the git command line counts them.
fn rev_list_counts(r: &TestRepo, h: &GitHistory, paths: &[&str]) -> Vec<usize> {
    let count = |range: Vec<String>| -> usize {
        let mut args = vec!["rev-list", "--count", "--no-merges", "--full-history"];
        args.extend(range.iter().map(String::as_str));
        args.push("--");
        args.extend_from_slice(paths);
        r.git(&args).parse().expect("a count")
    };
    let mut v = Vec::new();
    for (i, rel) in h.releases.iter().enumerate() {
        let mut range = vec![rel.commit.clone()];
        if let Some(prev) = i.checked_sub(1).map(|p| &h.releases[p]) {
            range.push(format!("^{}", prev.commit));
        }
        v.push(count(range));
    }
    let mut range = vec!["HEAD".to_string()];
    if let Some(base) = h.releases.last() {
        range.push(format!("^{}", base.commit));
    }
    v.push(count(range));
    v
}

/// A monorepo with packages `a/` and `b/`, a folder `a-extra/` that only looks like `a`,
/// a feature branch merged back, a commit touching both packages, a move from `a/` to
/// `b/`, a root commit touching both, and a file replaced by a folder.
///
/// ```text
/// r0 (a/README, b/README) ─ c1 (a/lib.rs) ─ c2 (b/lib.rs) ← a-1.0.0, b-1.0.0
///   c2 ─ c3 (docs/, a-extra/) ─ M ─ c4 (a/lib.rs → b/lib2.rs) ─ c5 (a/sub/deep/f)
///    └ f1 (a/f.rs) ─ f2 (a/y, b/x) ┘                        ← a-1.1.0, b-1.1.0
///   c5 ─ c6 (b/only) ─ c7 (a/y becomes a folder a/y/z) ─ c8 (b/x made executable)
///   ← HEAD
/// ```
fn monorepo() -> TestRepo {
    let r = TestRepo::new();
    r.commit_files(
        "chore: init",
        T0,
        &[("a/README", Some("a")), ("b/README", Some("b"))],
    );
    r.commit_files("feat(a): lib", T0 + HOUR, &[("a/lib.rs", Some("1"))]);
    let c2 = r.commit_files("fix(b): lib", T0 + 2 * HOUR, &[("b/lib.rs", Some("1"))]);
    r.tag_lightweight("a-1.0.0", c2);
    r.tag_lightweight("b-1.0.0", c2);
    r.branch("feature", c2);
    r.commit_files_on(
        "feature",
        "feat(a): f",
        T0 + 3 * HOUR,
        &[("a/f.rs", Some("f"))],
    );
    let f2 = r.commit_files_on(
        "feature",
        "feat: both",
        T0 + 4 * HOUR,
        &[("a/y", Some("y")), ("b/x", Some("x"))],
    );
    r.commit_files(
        "docs: readme",
        T0 + 5 * HOUR,
        &[("docs/readme", Some("d")), ("a-extra/z", Some("z"))],
    );
    r.merge_files(
        f2,
        "Merge branch 'feature'",
        T0 + 6 * HOUR,
        &[
            ("a/f.rs", Some("f")),
            ("a/y", Some("y")),
            ("b/x", Some("x")),
        ],
    );
    r.commit_files(
        "refactor: move lib",
        T0 + 7 * HOUR,
        &[("a/lib.rs", None), ("b/lib2.rs", Some("1"))],
    );
    let c5 = r.commit_files(
        "fix(a): deep",
        T0 + 8 * HOUR,
        &[("a/sub/deep/f", Some("1"))],
    );
    r.tag_annotated("a-1.1.0", c5, T0 + 9 * HOUR);
    r.tag_annotated("b-1.1.0", c5, T0 + 9 * HOUR);
    r.commit_files("feat(b): only", T0 + 10 * HOUR, &[("b/only", Some("o"))]);
    r.commit_files(
        "fix(a): y is a folder",
        T0 + 11 * HOUR,
        &[("a/y", None), ("a/y/z", Some("z"))],
    );
    r.commit_executable("chore(b): x is a script", T0 + 12 * HOUR, "b/x");
    r
}

#[test]
fn paths_restrict_changes_like_git_rev_list() {
    let r = monorepo();
    let a = r"^a-(?P<version>\d+\.\d+\.\d+)$";
    let b = r"^b-(?P<version>\d+\.\d+\.\d+)$";
    // Without paths: a-1.0.0 = r0, c1, c2; a-1.1.0 = f1, f2, c3, c4, c5 (M is a merge);
    // candidate = c6, c7, c8.
    let all = read_paths(&r, a, &[], None);
    assert_eq!(counts(&all), [3, 5, 3]);
    // `a/`: r0 (root, adds a/README), c1 | f1, f2, c4 (deletes a/lib.rs), c5 | c7.
    // c3 touches `a-extra/`, which is not under `a/`.
    let ha = read_paths(&r, a, &["a/"], None);
    assert_eq!(counts(&ha), [2, 4, 1]);
    assert_eq!(ha.candidate.changes[0].subject, "fix(a): y is a folder");
    // `b/`: r0, c2 | f2, c4 (adds b/lib2.rs) | c6, c8 (a mode change alone is a change).
    let hb = read_paths(&r, b, &["b/"], None);
    assert_eq!(counts(&hb), [2, 2, 2]);
    // Releases themselves are unaffected (same tags and times with or without paths).
    assert_eq!(tags(&ha), ["a-1.0.0", "a-1.1.0"]);
    assert_eq!(ha.releases[1].time, all.releases[1].time);
    // The same numbers as the git command line, for prefixes and globs alike.
    for paths in [
        &["a/"][..],
        &["b/"],
        &["a"],
        &["a", "b"],
        &["*/lib*.rs"],
        &["a/*"],
        &["*/y"],
        &["a/sub/"],
        &["docs"],
        &["[ab]/README"],
        &["b/x"],
        &["nothing/"],
    ] {
        let h = read_paths(&r, a, paths, None);
        assert_eq!(
            counts(&h),
            rev_list_counts(&r, &h, paths),
            "paths {paths:?}"
        );
    }
}

#[test]
fn paths_compare_with_the_first_parent_only() {
    // A commit after a merge compares with the merge (its first parent), not with the
    // side branch: the side branch's change to `p/` is not counted again.
    // r0 ─ M(r0 + side) ─ c (q/) ← v1.0.0 ; side: s (p/)
    let r = TestRepo::new();
    let r0 = r.commit_files("init", T0, &[("q/x", Some("0"))]);
    r.branch("side", r0);
    let s = r.commit_files_on("side", "feat: p", T0 + 10, &[("p/x", Some("1"))]);
    r.merge_files(s, "Merge side", T0 + 20, &[("p/x", Some("1"))]);
    let c = r.commit_files("feat: q", T0 + 30, &[("q/x", Some("1"))]);
    r.tag_lightweight("v1.0.0", c);
    let h = read_paths(&r, DEFAULT_TAG_PATTERN, &["p/"], None);
    // Only s touches p/ (M is a merge; c changed q/ only).
    assert_eq!(shas(&h.releases[0].changes), ids(&[s]));
    assert_eq!(counts(&h), rev_list_counts(&r, &h, &["p/"]));
}

#[test]
fn a_later_evaluation_time_rewinds_tags_and_commits() {
    // c1 (T0) ─ c2 (T0+1d) ← v1.0.0 (tagged T0+2d) ─ c3 (T0+3d) ─ c4 (T0+5d)
    //   ← v1.1.0 (tagged T0+6d) ─ c5 (T0+8d) ← HEAD
    let r = TestRepo::new();
    let c1 = r.commit_at("feat: one", T0);
    let c2 = r.commit_at("fix: two", T0 + DAY);
    r.tag_annotated("v1.0.0", c2, T0 + 2 * DAY);
    let c3 = r.commit_at("feat: three", T0 + 3 * DAY);
    let c4 = r.commit_at("feat: four", T0 + 5 * DAY);
    r.tag_annotated("v1.1.0", c4, T0 + 6 * DAY);
    r.commit_at("feat: five", T0 + 8 * DAY);

    // Evaluated at T0+4d: v1.1.0 (tagged T0+6d) is not a release yet; the candidate is
    // HEAD ^v1.0.0 without the commits authored after T0+4d (c4, c5): only c3.
    let h = read_paths(&r, DEFAULT_TAG_PATTERN, &[], Some(T0 + 4 * DAY));
    assert_eq!(tags(&h), ["v1.0.0"]);
    assert_eq!(shas(&h.releases[0].changes), ids(&[c1, c2]));
    assert_eq!(h.candidate.base_tag.as_deref(), Some("v1.0.0"));
    assert_eq!(shas(&h.candidate.changes), ids(&[c3]));
    // The lead time of c3 at the evaluation time is then 4d − 3d = 1d (not 0).
    assert_eq!(T0 + 4 * DAY - h.candidate.changes[0].author_time, DAY);
    assert_eq!(
        h.warnings,
        [
            "1 release tag dated after the evaluation time 2023-11-18T22:13:20Z is not counted \
             (`v1.1.0`): as of that time it did not exist yet (--now in the past rewinds the \
             history)",
            "2 commits authored after the evaluation time 2023-11-18T22:13:20Z are not \
             counted as changes of any release or of the candidate",
        ]
    );

    // Evaluated after everything: nothing is left out, and no warning.
    let h = read_paths(&r, DEFAULT_TAG_PATTERN, &[], Some(T0 + 9 * DAY));
    assert_eq!(tags(&h), ["v1.0.0", "v1.1.0"]);
    assert_eq!(counts(&h), [2, 2, 1]);
    assert!(h.warnings.is_empty(), "{:?}", h.warnings);
    // Exactly at a release time, the release counts (`after` is strictly later).
    let h = read_paths(&r, DEFAULT_TAG_PATTERN, &[], Some(T0 + 6 * DAY));
    assert_eq!(tags(&h), ["v1.0.0", "v1.1.0"]);
}

/// Runs the binary's `report --offline --format json` on `r` with `HOME` (and
/// `XDG_CONFIG_HOME`) at `home`; returns the exit code and the report's warnings.
fn report_with_home(r: &TestRepo, home: &std::path::Path) -> (i32, Vec<String>, String) {
    let out = crate::cli::slipgate(r.path())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env_remove("GIT_CONFIG_GLOBAL")
        .env_remove("GIT_CONFIG_SYSTEM")
        .args(["report", "--offline", "--format", "json"])
        .output()
        .expect("run slipgate");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let warnings = serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .ok()
        .and_then(|v| v.get("warnings").cloned())
        .and_then(|w| serde_json::from_value(w).ok())
        .unwrap_or_default();
    (out.status.code().unwrap_or(-1), warnings, stderr)
}

#[test]
fn an_unreadable_user_git_config_is_a_warning_not_an_error() {
    let r = TestRepo::new();
    let c = r.commit_at("feat: a", T0);
    r.tag_lightweight("v1.0.0", c);
    r.commit_at("feat: b", T0 + DAY);
    let home = tempfile::tempdir().expect("home");
    // A malformed ~/.gitconfig (as root, chmod 000 does not stop reads; libgit2 fails
    // on a malformed file and on one it cannot stat, like a symlink loop).
    std::fs::write(home.path().join(".gitconfig"), "[core\n  bad").expect("write");
    let (code, warnings, stderr) = report_with_home(&r, home.path());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("the global git configuration was ignored because it cannot be read (failed to parse config file"),
        "{warnings:?}"
    );
    assert!(warnings[0].contains(".gitconfig:1"), "{warnings:?}");

    // A ~/.gitconfig that cannot be read at all: a symbolic link to itself.
    let home = tempfile::tempdir().expect("home");
    let link = home.path().join(".gitconfig");
    std::os::unix::fs::symlink(&link, &link).expect("symlink");
    let (code, warnings, stderr) = report_with_home(&r, home.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        warnings[0].starts_with("the global git configuration was ignored")
            && warnings[0].contains("failed to stat"),
        "{warnings:?}"
    );

    // A malformed XDG configuration ($XDG_CONFIG_HOME/git/config) is named as such.
    let home = tempfile::tempdir().expect("home");
    std::fs::create_dir_all(home.path().join(".config/git")).expect("mkdir");
    std::fs::write(home.path().join(".config/git/config"), "[x\n").expect("write");
    let (code, warnings, stderr) = report_with_home(&r, home.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        warnings[0].starts_with("the XDG git configuration was ignored"),
        "{warnings:?}"
    );

    // The repository's own configuration stays an error (exit 2): it is the repository's.
    let home = tempfile::tempdir().expect("home");
    std::fs::write(r.git_dir().join("config"), "[core\n").expect("write");
    let (code, _, stderr) = report_with_home(&r, home.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("failed to parse config file"), "{stderr}");
}

#[test]
fn report_at_a_past_now_measures_the_history_as_it_was() {
    // c1 (day 0) ─ c2 (day 1) ← v1.0.0 (tagged day 2) ─ c3 (day 3) ─ c4 (day 5)
    //   ← v1.1.0 (tagged day 6) ─ c5 (day 8) ← HEAD. Evaluated at day 4.
    let r = TestRepo::new();
    r.commit_at("feat: one", T0);
    let c2 = r.commit_at("fix: two", T0 + DAY);
    r.tag_annotated("v1.0.0", c2, T0 + 2 * DAY);
    r.commit_at("feat: three", T0 + 3 * DAY);
    let c4 = r.commit_at("feat: four", T0 + 5 * DAY);
    r.tag_annotated("v1.1.0", c4, T0 + 6 * DAY);
    r.commit_at("feat: five", T0 + 8 * DAY);
    let out = crate::cli::slipgate(r.path())
        .args(["report", "--offline", "--format", "json", "--now"])
        .arg(slipgate::model::rfc3339(T0 + 4 * DAY))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    // One release (v1.1.0 is later than --now); v1.0.0's lead times: 2d − 0 = 2d and
    // 2d − 1d = 1d.
    assert_eq!(v["releases_total"], 1);
    assert_eq!(v["releases"][0]["tag"], "v1.0.0");
    assert_eq!(v["releases"][0]["changes"]["lead_time"]["max"], 2 * DAY);
    // The candidate is c3 alone (c4, c5 authored after day 4), lead time 4d − 3d = 1d;
    // before, c4 and c5 counted too, with lead time 0.
    let cand = &v["candidate"]["changes"];
    assert_eq!(cand["changes"], 1);
    assert_eq!(cand["lead_time"]["p50"], DAY);
    assert_eq!(cand["lead_time"]["max"], DAY);
    assert_eq!(v["candidate"]["base_tag"], "v1.0.0");
}

#[test]
fn a_dominant_tag_family_is_suggested_when_the_pattern_matches_few_tags() {
    // 10 `pkg-1.0.N` tags and 2 legacy `v0.N.0` tags; HEAD has a folder `pkg/`.
    let r = TestRepo::new();
    let c = r.commit_files("init", T0, &[("pkg/lib.rs", Some("1"))]);
    for n in 0..10 {
        r.tag_lightweight(&format!("pkg-1.0.{n}"), c);
    }
    r.tag_lightweight("v0.1.0", c);
    r.tag_lightweight("v0.2.0", c);
    let h = read(&r);
    assert_eq!(tags(&h), ["v0.1.0", "v0.2.0"]);
    assert_eq!(
        h.warnings,
        [format!(
            "only 2 tags match `releases.tag_pattern` `{DEFAULT_TAG_PATTERN}`, but 10 tags look \
             like `pkg-X.Y.Z`: if this is a monorepo, measure that package with \
             `releases.tag_pattern: '^pkg-(?P<version>\\d+\\.\\d+\\.\\d+)$'` and \
             `releases.paths: ['pkg/']` to count only the changes of its folder (see \
             policies/monorepo.yml)"
        )]
    );
    // Measured with the suggested pattern, there is nothing to say.
    let h = read_with(&r, r"^pkg-(?P<version>\d+\.\d+\.\d+)$", false, None);
    assert_eq!(h.releases.len(), 10);
    assert!(h.warnings.is_empty(), "{:?}", h.warnings);

    // Without a folder of that name, the paths are left to the user; with more
    // legacy tags (four), 10 < 3 × 4 and the family no longer clearly dominates.
    let r = TestRepo::new();
    let c = r.commit_at("init", T0);
    for n in 0..10 {
        r.tag_lightweight(&format!("pkg-1.0.{n}"), c);
    }
    r.tag_lightweight("v0.1.0", c);
    let h = read(&r);
    assert!(
        h.warnings[0].ends_with(
            "and `releases.paths` (the package's folder) to count only its changes (see \
             policies/monorepo.yml)"
        ),
        "{:?}",
        h.warnings
    );
    r.tag_lightweight("v0.2.0", c);
    r.tag_lightweight("v0.3.0", c);
    // Three: 10 ≥ 3 × 3, still dominant.
    assert_eq!(read(&r).warnings.len(), 1);
    r.tag_lightweight("v0.4.0", c);
    assert!(read(&r).warnings.is_empty(), "{:?}", read(&r).warnings);
}

/// `report --offline --format json` on `r`, parsed.
fn json_report(r: &TestRepo) -> serde_json::Value {
    let out = crate::cli::slipgate(r.path())
        .args(["report", "--offline", "--format", "json", "--now"])
        .arg(slipgate::model::rfc3339(T0 + 100 * DAY))
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn a_repository_without_tags_is_not_told_to_change_the_tag_pattern() {
    let r = TestRepo::new();
    r.commit_at("feat: a", T0);
    let v = json_report(&r);
    assert_eq!(
        v["warnings"],
        serde_json::json!([format!(
            "the repository has no tags, so it has no releases yet: every change is reported \
             as unreleased. A release is a tag matching `releases.tag_pattern` \
             `{DEFAULT_TAG_PATTERN}`, e.g. `git tag v0.1.0`"
        )])
    );
    // Tags that match nothing still call for another pattern.
    r.tag_lightweight("release-1", r.head().expect("head"));
    let v = json_report(&r);
    let w = v["warnings"][0].as_str().expect("a warning");
    assert!(
        w.starts_with("no tag matches") && w.contains("tags seen: release-1"),
        "{w}"
    );
}

#[test]
fn a_fix_pattern_matching_no_change_shown_gets_a_note() {
    // 6 changes in v1.0.0 and 4 unreleased, none written as Conventional Commits.
    let r = TestRepo::new();
    for i in 0..6 {
        r.commit_at(&format!("Add feature {i}"), T0 + i * HOUR);
    }
    r.tag_lightweight("v1.0.0", r.head().expect("head"));
    for i in 0..4 {
        r.commit_at(&format!("Fixed crash {i}"), T0 + DAY + i * HOUR);
    }
    let v = json_report(&r);
    assert_eq!(
        v["notes"],
        serde_json::json!([format!(
            "`commits.fix_pattern` `{}` matches none of the 10 changes shown, so their 0 fix \
             commits may only mean that fixes are written another way; if this repository \
             does not use Conventional Commits (`fix: …`), set `commits.fix_pattern` to \
             match its fix commits, e.g. `(?i)\\bfix(es|ed)?\\b`",
            slipgate::policy::DEFAULT_FIX_PATTERN
        )])
    );
    // One Conventional fix among them: the pattern works, no note.
    r.commit_at("fix: one", T0 + 2 * DAY);
    assert_eq!(json_report(&r)["notes"], serde_json::json!([]));
}

#[test]
fn the_suggested_tag_pattern_and_paths_are_valid_yaml_that_measure_the_family() {
    // 10 `it's-1.N.0` tags (a `'` in the prefix) and one legacy tag; HEAD has `it's/`.
    let r = TestRepo::new();
    let c = r.commit_files("init", T0, &[("it's/lib.rs", Some("1"))]);
    for n in 0..10 {
        r.tag_lightweight(&format!("it's-1.{n}.0"), c);
    }
    r.tag_lightweight("v0.1.0", c);
    let h = read(&r);
    let warning = &h.warnings[0];
    let between = |start: &str| {
        let rest = &warning[warning.find(start).expect(start) + start.len()..];
        rest[..rest.find('`').expect("closing backtick")].to_string()
    };
    let pattern = between("`releases.tag_pattern: ");
    let paths = between("`releases.paths: ");
    assert_eq!(pattern, r"'^it''s-(?P<version>\d+\.\d+\.\d+)$'");
    assert_eq!(paths, "['it''s/']");
    // The suggestion, pasted into a policy, parses and measures the family.
    let yaml = format!("releases:\n  tag_pattern: {pattern}\n  paths: {paths}\n");
    let (policy, _) = slipgate::policy::parse(&yaml, "suggested.yml").expect("valid policy");
    let re = &policy.releases.tag_pattern.0;
    assert_eq!(re.as_str(), r"^it's-(?P<version>\d+\.\d+\.\d+)$");
    let h = read_with(&r, re.as_str(), false, None);
    assert_eq!(h.releases.len(), 10);
    assert!(h.warnings.is_empty(), "{:?}", h.warnings);
    assert_eq!(policy.releases.paths.0.sources(), ["it's/"]);
}

/// Packed objects are read by slipgate's own pack reader (and the tags peeled from the
/// packs); loose objects by libgit2. The same history, loose and then packed with deltas
/// (by offset, then by id), reads the same: every release, time, change, subject, the
/// changes under a path and the commits authored after the evaluation time; and the
/// counts are git's.
#[test]
fn a_packed_repository_reads_exactly_as_its_loose_objects() {
    let r = TestRepo::new();
    let body = "A body long enough for git to store the commit as a delta.\n".repeat(20);
    let mut t = T0;
    let mut tip = None;
    for minor in 0..6 {
        for k in 0..5 {
            t += HOUR;
            let file = format!("src/m{minor}/f{k}.rs");
            let other = format!("docs/d{minor}-{k}.md");
            let (path, msg) = if k % 2 == 0 {
                (file.as_str(), format!("fix: change {minor}.{k}\n\n{body}"))
            } else {
                (other.as_str(), format!("docs: note {minor}.{k}\n\n{body}"))
            };
            tip = Some(r.commit_files(&msg, t, &[(path, Some(&format!("{minor}{k}\n")))]));
        }
        let c = tip.unwrap();
        match minor % 3 {
            0 => r.tag_lightweight(&format!("v1.{minor}.0"), c),
            1 => {
                r.tag_annotated(&format!("v1.{minor}.0"), c, t + 30);
            }
            _ => {
                // A tag of a tag: the outer tagger's time is the release time.
                let inner = r.tag_annotated(&format!("inner-{minor}"), c, t + 10);
                r.tag_annotated(&format!("v1.{minor}.0"), inner, t + 60);
            }
        }
    }
    // A merged side branch, a tag on a tree, and a commit authored after `until`.
    r.branch("side", r.head().unwrap());
    let side = r.commit_on("side", "feat: side work", t + 2 * HOUR);
    t += 3 * HOUR;
    r.merge(side, "Merge side", t);
    r.tag_annotated("v9.9.9", r.empty_tree(), t);
    r.commit_files("fix: late", t + DAY, &[("src/late.rs", Some("late\n"))]);
    let until = Some(t + HOUR);
    let read_all = |r: &TestRepo| {
        (
            read_paths(r, DEFAULT_TAG_PATTERN, &[], until),
            read_paths(r, DEFAULT_TAG_PATTERN, &["src"], until),
        )
    };
    let loose = read_all(&r);
    assert_eq!(
        tags(&loose.0),
        ["v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0", "v1.4.0", "v1.5.0"]
    );
    // Hand-counted: 5 commits a release; the candidate has the side commit (the merge is
    // not a change, the late commit is after `until`); under src/ 3 of each 5, and the
    // side commit (the builder gives it the empty tree: it removes every file).
    assert_eq!(counts(&loose.0), [5, 5, 5, 5, 5, 5, 1]);
    assert_eq!(counts(&loose.1), [3, 3, 3, 3, 3, 3, 1]);
    assert_eq!(loose.0.releases[2].time, T0 + 15 * HOUR + 60);
    for offsets in ["true", "false"] {
        r.git(&[
            "-c",
            &format!("repack.useDeltaBaseOffset={offsets}"),
            "repack",
            "-a",
            "-d",
            "-f",
            "-q",
            "--window=50",
            "--depth=10",
        ]);
        r.git(&["prune-packed"]);
        let loose_left = r.git(&["count-objects"]);
        assert!(loose_left.starts_with("0 objects"), "{loose_left}");
        assert_eq!(
            read_all(&r),
            loose,
            "packed with useDeltaBaseOffset={offsets}"
        );
    }
}
