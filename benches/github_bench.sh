#!/usr/bin/env bash
# GitHub fetch benchmark (see BENCHMARKS.md, section "GitHub fetch").
#
# Serves 20,000 issues and 10,000 pull requests from a local fake GitHub
# (examples/mock_github.rs: official example payloads, Link pagination, ETags, 304s),
# then fetches them through slipgate's `collect::github::fetch`:
#   cold      empty cache: every page of both lists
#   warm      same cache, nothing changed upstream: the conditional first pages (304)
#   no-cache  no cache at all (what `--no-cache` costs on every run)
# and prints wall time, requests, 304s and peak memory (/usr/bin/time -v) of the fetch
# process (the fake runs in its own process and is not measured).
#
# Usage: benches/github_bench.sh [ISSUES] [PULLS]   (defaults 20000 10000)
set -euo pipefail
cd "$(dirname "$0")/.."

ISSUES=${1:-20000}
PULLS=${2:-10000}
REPO=octocat/hello

cargo build --release --quiet --example mock_github
BIN=target/release/examples/mock_github

WORK=$(mktemp -d)
SERVER=""
cleanup() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" serve --port 0 --repo "$REPO" --issues "$ISSUES" --pulls "$PULLS" >"$WORK/serve.log" &
SERVER=$!
for _ in $(seq 1 300); do
    grep -q '^listening on ' "$WORK/serve.log" 2>/dev/null && break
    sleep 0.1
done
URL=$(sed -n 's/^listening on //p' "$WORK/serve.log")
[ -n "$URL" ] || { echo "the fake GitHub did not start" >&2; exit 1; }

field() { sed -E "s/.*\"$1\":([0-9]+).*/\1/" "$WORK/out.json"; }

printf '%-9s %7s %7s %7s %9s %6s %7s %6s %11s\n' \
    run wall_s user_s sys_s requests 304s issues pulls peak_rss_mb
run() {
    local label=$1
    shift
    /usr/bin/time -v "$BIN" fetch --api-url "$URL" --repo "$REPO" "$@" \
        >"$WORK/out.json" 2>"$WORK/time.txt"
    local wall rss user sys
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time.txt" |
        awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt")
    user=$(sed -n 's/.*User time (seconds): //p' "$WORK/time.txt")
    sys=$(sed -n 's/.*System time (seconds): //p' "$WORK/time.txt")
    printf '%-9s %7s %7s %7s %9s %6s %7s %6s %11.1f\n' "$label" "$wall" "$user" "$sys" \
        "$(field requests)" "$(field not_modified)" "$(field issues)" "$(field pulls)" \
        "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
}

# Any token: the fake then reports the authenticated limit (5000 per hour).
run cold --token bench --cache "$WORK/cache.db"
run warm --token bench --cache "$WORK/cache.db"
run warm2 --token bench --cache "$WORK/cache.db"
run no-cache --token bench
echo "cache file: $(du -k "$WORK/cache.db" | cut -f1) KiB"

# Warm path: the cache file byte for byte before and after a warm run (nothing
# written), and its requests.
SUM_BEFORE=$(sha256sum "$WORK/cache.db" | cut -d' ' -f1)
run warm3 --token bench --cache "$WORK/cache.db"
SUM_AFTER=$(sha256sum "$WORK/cache.db" | cut -d' ' -f1)
if [ "$SUM_BEFORE" = "$SUM_AFTER" ]; then WRITTEN=no; else WRITTEN=yes; fi
echo "warm: $(field requests) requests, cache file written: $WRITTEN"

# Cold path against a server 50 ms away (LATENCY_MS): the same 400 pages, beside the
# floors of reading them one after another (400 x 50 ms) and 4 at a time (100 x 50 ms).
LATENCY_MS=${LATENCY_MS:-50}
kill "$SERVER" 2>/dev/null || true
wait "$SERVER" 2>/dev/null || true
"$BIN" serve --port 0 --repo "$REPO" --issues "$ISSUES" --pulls "$PULLS" \
    --latency "$LATENCY_MS" >"$WORK/serve.log" &
SERVER=$!
for _ in $(seq 1 300); do
    grep -q '^listening on ' "$WORK/serve.log" 2>/dev/null && break
    sleep 0.1
done
URL=$(sed -n 's/^listening on //p' "$WORK/serve.log")
[ -n "$URL" ] || { echo "the fake GitHub did not start" >&2; exit 1; }
rm -f "$WORK/cache.db"
run cold-lat --token bench --cache "$WORK/cache.db"
PAGES=$(field requests)
WALL=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time.txt" |
    awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
awk -v w="$WALL" -v n="$PAGES" -v l="$LATENCY_MS" 'BEGIN {
    seq = n * l / 1000; conc = n / 4 * l / 1000;
    printf "cold at %d ms latency: %d requests in %.2f s; floor one at a time %.2f s (ratio %.2f), 4 at a time %.2f s (ratio %.2f)\n",
        l, n, w, seq, w / seq, conc, w / conc
}'
