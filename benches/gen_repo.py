#!/usr/bin/env python3
"""Generate a synthetic repository for the git engine benchmark, through `git fast-import`.

Shape (defaults): 100,000 commits and 1,000 release tags.
- `main` gets regular commits; every 20 main commits a 4-commit feature branch, forked
  3 commits back, is merged with a merge commit (so merges and their second parents
  are exercised).
- About every 124 commits `main` is released as the next minor version
  (v1.0.0, v1.1.0, ..., a new major every 50 minors).
- Every 4th minor release later gets a patch release (vX.Y.1) on a maintenance branch
  forked from it (3 commits), tagged after the next minor release: version order and
  time order differ, and PREV..R ranges hide a commit that is not an ancestor.
- Even-numbered tags are annotated, odd-numbered lightweight.
- Times are fixed (no randomness): the output is the same on every run.

Usage: gen_repo.py [OUT_DIR] [--commits N] [--tags N]
Creates OUT_DIR (default benches/out/repo-100k) as a bare repository; fails if it exists.
"""

import argparse
import os
import subprocess
import sys

START = 1_500_000_000  # 2017-07-14
STEP = 600  # seconds between commits

KINDS = ["feat", "fix", "docs", "refactor", "chore", "perf", "test"]


class Stream:
    def __init__(self, out):
        self.out = out
        self.mark = 0
        self.commits = 0
        self.time = START

    def w(self, text):
        self.out.write(text.encode())

    def data(self, payload):
        raw = payload.encode()
        self.out.write(b"data %d\n" % len(raw))
        self.out.write(raw)
        self.out.write(b"\n")

    def commit(self, ref, message, parent=None, merge=None):
        """Writes one commit on `ref` and returns its mark."""
        self.mark += 1
        self.commits += 1
        self.time += STEP
        n = self.commits
        # Authored a little before it was committed (0 to ~3 days), fixed by n.
        author = self.time - (n * 7919) % 259_200
        self.w(f"commit {ref}\nmark :{self.mark}\n")
        self.w(f"author Dev {n % 13} <dev{n % 13}@example.com> {author} +0000\n")
        self.w(f"committer CI <ci@example.com> {self.time} +0000\n")
        self.data(message)
        if parent is not None:
            self.w(f"from :{parent}\n")
        if merge is not None:
            self.w(f"merge :{merge}\n")
        # One small file change per commit keeps the trees realistic but cheap.
        if merge is None:
            self.w(f"M 100644 inline src/f{n % 97}.txt\n")
            self.data(f"line {n}\n")
        self.w("\n")
        return self.mark

    def tag(self, name, mark, annotated):
        self.time += 60
        if annotated:
            self.w(f"tag {name}\nfrom :{mark}\n")
            self.w(f"tagger Release Bot <rel@example.com> {self.time} +0000\n")
            self.data(f"Release {name}\n")
        else:
            self.w(f"reset refs/tags/{name}\nfrom :{mark}\n\n")


def message(n):
    kind = KINDS[n % len(KINDS)]
    subject = f"{kind}(area{n % 17}): change number {n}"
    if n % 5 == 0:
        return f"{subject}\n\nA body explaining change {n}\nover two lines.\n"
    return subject + "\n"


def generate(out, commits_target, tags_target):
    s = Stream(out)
    patch_share = 4  # every 4th minor release gets a patch release
    main_releases = max(1, (tags_target * patch_share) // (patch_share + 1))
    patch_releases = tags_target - main_releases
    per_release = max(1, (commits_target - 3 * patch_releases) // main_releases)

    tip = s.commit("refs/heads/main", "chore: initial commit\n")
    history = [tip]  # main-line marks, for forking feature branches
    since_merge = 0
    since_release = 0
    major, minor = 1, 0
    tags = 0
    pending_patch = None  # (version tuple, release mark), tagged after the next release
    feature = 0

    while s.commits < commits_target or tags < tags_target:
        if s.commits >= commits_target and tags < tags_target:
            # Out of commits but not of tags: tag what is left on the tip.
            pass
        elif since_merge >= 20:
            feature += 1
            ref = f"refs/heads/feature-{feature % 8}"
            fork = history[-3] if len(history) >= 3 else tip
            f = fork
            for _ in range(4):
                f = s.commit(ref, message(s.commits + 1), parent=f)
            tip = s.commit(
                "refs/heads/main",
                f"Merge branch 'feature-{feature}'\n\nMerges the feature.\n",
                parent=tip,
                merge=f,
            )
            history.append(tip)
            since_merge = 0
            since_release += 5
            continue
        else:
            tip = s.commit("refs/heads/main", message(s.commits + 1), parent=tip)
            history.append(tip)
            since_merge += 1
            since_release += 1
            if since_release < per_release and s.commits < commits_target:
                continue

        # A minor release on main.
        if tags < tags_target:
            name = f"v{major}.{minor}.0"
            s.tag(name, tip, annotated=tags % 2 == 0)
            tags += 1
            since_release = 0
            # The patch of the previous minor is released after this one.
            if pending_patch is not None and tags < tags_target:
                (pmaj, pmin), pmark = pending_patch
                ref = f"refs/heads/maint-{pmaj}.{pmin}"
                p = pmark
                for _ in range(3):
                    p = s.commit(ref, "fix: backport a fix\n", parent=p)
                s.tag(f"v{pmaj}.{pmin}.1", p, annotated=tags % 2 == 0)
                tags += 1
                pending_patch = None
            if minor % patch_share == 0 and patch_releases > 0:
                pending_patch = ((major, minor), tip)
            minor += 1
            if minor == 50:
                major, minor = major + 1, 0
        if s.commits >= commits_target and tags >= tags_target:
            break
    return s.commits, tags


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", default="benches/out/repo-100k")
    ap.add_argument("--commits", type=int, default=100_000)
    ap.add_argument("--tags", type=int, default=1_000)
    args = ap.parse_args()
    if os.path.exists(args.out):
        sys.exit(f"{args.out} exists; remove it to generate again")
    subprocess.run(["git", "init", "--quiet", "--bare", "-b", "main", args.out], check=True)
    proc = subprocess.Popen(
        ["git", "-C", args.out, "fast-import", "--quiet"],
        stdin=subprocess.PIPE,
    )
    commits, tags = generate(proc.stdin, args.commits, args.tags)
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("git fast-import failed")
    # One well-packed pack, like a fresh clone.
    subprocess.run(["git", "-C", args.out, "repack", "-a", "-d", "-q"], check=True)
    print(f"{args.out}: {commits} commits, {tags} tags")


if __name__ == "__main__":
    main()
