#!/usr/bin/env bash
# slipgate against `git log` on a real repository, runs alternating, medians and ratio.
#
# Usage: benches/git_gitgit.sh [RUNS] [REPO] [BIN]
#   RUNS  alternating runs of each command (default 7)
#   REPO  a git repository (default the git/git bare mirror /work/.mirror/git+git/repo)
#   BIN   the slipgate binary (default target/release/slipgate, built if missing)
# Prints, for each command, the median wall time and the largest max RSS, then
# slipgate's median divided by git log's (the issue 14 target: at most 0.7 on git/git):
#   git       git log --no-merges --format='%H %at %s' --tags
#   slipgate  slipgate report --offline --last 1000 --format json   (run inside REPO)
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${1:-7}
REPO=${2:-/work/.mirror/git+git/repo}
BIN=${3:-target/release/slipgate}
if [[ ! -x $BIN ]]; then
    cargo build --release --locked --quiet --bin slipgate
fi
BIN=$(realpath "$BIN")

# one CMD...: prints "wall_seconds max_rss_kb" of one run of CMD.
one() {
    /usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -n 1
}

git_walls=() sg_walls=() git_rss=0 sg_rss=0
for _ in $(seq "$RUNS"); do
    read -r w k < <(one git -C "$REPO" log --no-merges --format='%H %at %s' --tags)
    git_walls+=("$w"); (( k > git_rss )) && git_rss=$k
    read -r w k < <(one env -C "$REPO" "$BIN" report --offline --last 1000 --format json)
    sg_walls+=("$w"); (( k > sg_rss )) && sg_rss=$k
done

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
gm=$(median "${git_walls[@]}")
sm=$(median "${sg_walls[@]}")
echo "repository: $REPO; $RUNS alternating runs; median wall, largest max RSS"
printf 'git       %6.2f s  %7.1f MB   (runs: %s)\n' "$gm" "$(awk -v k="$git_rss" 'BEGIN { print k / 1024 }')" "${git_walls[*]}"
printf 'slipgate  %6.2f s  %7.1f MB   (runs: %s)\n' "$sm" "$(awk -v k="$sg_rss" 'BEGIN { print k / 1024 }')" "${sg_walls[*]}"
awk -v s="$sm" -v g="$gm" 'BEGIN { printf "ratio     %.2f (slipgate / git log)\n", s / g }'
