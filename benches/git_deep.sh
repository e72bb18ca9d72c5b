#!/usr/bin/env bash
# slipgate on a deep history (1,000,000 commits, 10,000 release tags) against git log,
# and the cost of `--last N` against a full read. Generates the repository on first run
# (benches/gen_repo.py, about 6 minutes, 450 MB).
#
# Usage: benches/git_deep.sh [RUNS] [BIN]
#   RUNS  alternating runs of each command (default 3)
#   BIN   the slipgate binary (default target/release/slipgate, built if missing)
# Prints the median wall time, CPU time and largest max RSS of:
#   git       git log --all --no-merges --format='%H %at %s'              (the floor)
#   full      slipgate report --offline --last 10000 --format json         (every release)
#   last1000  slipgate report --offline --last 1000 --format json
#   last100   slipgate report --offline --last 100 --format json
# then full / git (wall and memory; issue 14: memory at most git's) and each --last N /
# full (issue 14: in proportion to the releases read).
# The history's dates run to 2036: every slipgate run is evaluated a day after its last
# commit (--now), so that no release lies in the future of the evaluation time (a run
# at today's date would see half the releases as not yet made, and a candidate of
# 500,000 commits all authored after the evaluation time).
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${1:-3}
BIN=${2:-target/release/slipgate}
REPO=benches/out/repo-1m
if [[ ! -d $REPO ]]; then
    echo "generating $REPO ..."
    python3 benches/gen_repo.py "$REPO" --commits 1000000 --tags 10000
fi
if [[ ! -x $BIN ]]; then
    cargo build --release --locked --quiet --bin slipgate
fi
BIN=$(realpath "$BIN")
NOW=$(date -u -d "@$(( $(git -C "$REPO" log -1 --all --format=%ct) + 86400 ))" +%Y-%m-%dT%H:%M:%SZ)

# one CMD...: prints "wall_seconds cpu_seconds max_rss_kb" of one run of CMD.
one() {
    /usr/bin/time -f '%e %U %S %M' "$@" 2>&1 >/dev/null | tail -n 1 |
        awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

names=(git full last1000 last100)
declare -A walls cpus rss
for n in "${names[@]}"; do walls[$n]="" cpus[$n]="" rss[$n]=0; done
for _ in $(seq "$RUNS"); do
    for n in "${names[@]}"; do
        case $n in
            git) cmd=(git -C "$REPO" log --all --no-merges --format='%H %at %s') ;;
            full) cmd=(env -C "$REPO" "$BIN" report --offline --now "$NOW" --last 10000 --format json) ;;
            last1000) cmd=(env -C "$REPO" "$BIN" report --offline --now "$NOW" --last 1000 --format json) ;;
            last100) cmd=(env -C "$REPO" "$BIN" report --offline --now "$NOW" --last 100 --format json) ;;
        esac
        read -r w c k < <(one "${cmd[@]}")
        walls[$n]+="$w " cpus[$n]+="$c "
        (( k > rss[$n] )) && rss[$n]=$k
    done
done
echo "repository: $REPO ($(git -C "$REPO" rev-list --all --count) commits, $(git -C "$REPO" tag | wc -l) tags); evaluated at $NOW"
echo "$RUNS alternating runs; median wall and CPU (user + sys), largest max RSS"
declare -A mw mc
for n in "${names[@]}"; do
    # shellcheck disable=SC2086
    mw[$n]=$(median ${walls[$n]})
    # shellcheck disable=SC2086
    mc[$n]=$(median ${cpus[$n]})
    printf '%-9s %6.2f s wall  %6.2f s CPU  %7.1f MB   (walls: %s)\n' "$n" "${mw[$n]}" "${mc[$n]}" \
        "$(awk -v k="${rss[$n]}" 'BEGIN { print k / 1024 }')" "${walls[$n]% }"
done
awk -v a="${mw[full]}" -v b="${mw[git]}" -v m="${rss[full]}" -v g="${rss[git]}" \
    'BEGIN { printf "full / git log: wall %.2f, memory %.2f\n", a / b, m / g }'
for n in last1000 last100; do
    awk -v a="${mc[$n]}" -v b="${mc[full]}" -v n="$n" \
        'BEGIN { printf "%s / full: CPU %.3f (releases read: %s / 10000)\n", n, a / b, substr(n, 5) }'
done
