#!/usr/bin/env bash
# Benchmark of the git engine against git itself, on a synthetic repository of 100,000
# commits and 1,000 release tags (benches/gen_repo.py; generated on first run).
#
# Usage: benches/git_bench.sh [RUNS]     (default 3 runs of each command; best is kept)
# Prints wall time and peak memory (max RSS) of:
#   git      git log --all --no-merges --format='%H %at %s'
#   engine   target/release/examples/read_history REPO   (changes of every release)
#   report   target/release/slipgate report --last 1000 --format json  (if available)
# and checks the engine's change counts of a sample of releases against
# `git rev-list --count --no-merges PREV..R`.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${1:-3}
REPO=benches/out/repo-100k

if [[ ! -d $REPO ]]; then
    echo "generating $REPO ..."
    python3 benches/gen_repo.py "$REPO"
fi

cargo build --release --quiet --example read_history
cargo build --release --quiet --bin slipgate

# best_of NAME CMD...: runs CMD $RUNS times under /usr/bin/time -v, prints the best wall
# time and the largest max RSS.
best_of() {
    local name=$1
    shift
    local best="" rss=0
    for _ in $(seq "$RUNS"); do
        local out
        out=$(/usr/bin/time -v "$@" 2>&1 > /dev/null | tail -n 30)
        local wall kb
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' <<<"$out")
        kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' <<<"$out")
        # m:ss.cc → seconds
        local secs
        secs=$(awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }' <<<"$wall")
        if [[ -z $best ]] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$secs
        fi
        (( kb > rss )) && rss=$kb
    done
    printf '%-8s %7.2f s  %6.1f MB   %s\n' "$name" "$best" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$*"
    BEST[$name]=$best RSS[$name]=$rss
}
declare -A BEST RSS
# ratio NAME: NAME's best wall time and largest max RSS against git log's (the floor).
ratio() {
    awk -v n="$1" -v a="${BEST[$1]}" -v b="${BEST[git]}" -v m="${RSS[$1]}" -v g="${RSS[git]}" \
        'BEGIN { printf "%-8s / git log: wall %.2f, memory %.2f\n", n, a / b, m / g }'
}

echo "repository: $REPO ($(git -C "$REPO" rev-list --all --count) commits, $(git -C "$REPO" tag | wc -l) tags)"
echo "best of $RUNS runs; memory is max RSS"
best_of git git -C "$REPO" log --all --no-merges --format='%H %at %s'
best_of engine target/release/examples/read_history "$REPO"
if target/release/slipgate report --help 2>&1 | grep -q -- --last; then
    # Run inside the repository, as in CI.
    best_of report env -C "$REPO" "$PWD/target/release/slipgate" report --last 1000 --format json
    ratio engine
    ratio report
else
    echo "report   (slipgate report is not available yet)"
fi

# Cross-check a sample of ranges against git rev-list.
target/release/examples/read_history "$REPO" --releases > benches/out/releases.txt
python3 - "$REPO" <<'EOF'
import subprocess, sys
repo = sys.argv[1]
rows = [l.split() for l in open("benches/out/releases.txt") if l.startswith("v")]
picks = sorted(set([0, 1, 2, len(rows) - 1] + list(range(3, len(rows), 97))))
bad = 0
for i in picks:
    tag, _time, _sha, count = rows[i]
    rng = tag if i == 0 else f"{rows[i - 1][0]}..{tag}"
    want = int(subprocess.check_output(
        ["git", "-C", repo, "rev-list", "--count", "--no-merges", rng]))
    if want != int(count):
        bad += 1
        print(f"MISMATCH {rng}: git {want}, engine {count}")
print(f"cross-check: {len(picks)} ranges compared with git rev-list, {bad} mismatches")
sys.exit(1 if bad else 0)
EOF
