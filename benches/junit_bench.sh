#!/usr/bin/env bash
# JUnit parser benchmark: parse throughput (MB/s) and peak memory (max RSS).
# Results and machine are recorded in BENCHMARKS.md, section "JUnit parser".
#
#   benches/junit_bench.sh            # generate (once) and measure
#   RUNS=5 benches/junit_bench.sh     # more runs per file (best throughput is kept)
#
# Files (generated under benches/out/junit/, gitignored; 20,000 test cases each):
#   cases-50mb.xml    ~2.5 KB of system-out per case              (~50 MB)
#   cases-200mb.xml   ~10 KB of system-out per case               (~200 MB)
#   onenode-200mb.xml all output in the first case's system-out   (~200 MB, one text node)
#   cases-200k.xml    200,000 cases with empty system-out         (~40 MB, per-case cost)
# The first three have the same cases and 4x the bytes: peak memory must not move. The
# last shows the per-case cost; there memory grows with the cases kept in the run.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=benches/out/junit
RUNS=${RUNS:-3}
mkdir -p "$OUT"

cargo build --release --example parse_junit
BIN=target/release/examples/parse_junit

gen() {
    local file=$1; shift
    if [ ! -f "$OUT/$file" ]; then
        echo "generating $OUT/$file"
        python3 benches/gen_junit.py "$OUT/$file" "$@"
    fi
}
gen cases-50mb.xml 20000 2500
gen cases-200mb.xml 20000 10000
gen onenode-200mb.xml 20000 10000 --one-huge
gen cases-200k.xml 200000 0

printf '%-18s %8s %10s %10s %12s\n' file MB best_s MB/s max_rss_KiB
for file in cases-50mb.xml cases-200mb.xml onenode-200mb.xml cases-200k.xml; do
    path="$OUT/$file"
    cat "$path" > /dev/null # page cache warm: measure parsing, not the disk
    best=""
    rss=0
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -v "$BIN" "$path" > "$OUT/stdout.txt" 2> "$OUT/time.txt"
        secs=$(sed -n 's/^read .* in \([0-9.]*\) s.*/\1/p' "$OUT/stdout.txt")
        kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/time.txt")
        if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
        if [ "$kib" -gt "$rss" ]; then rss=$kib; fi
    done
    mb=$(awk "BEGIN{printf \"%.1f\", $(stat -c %s "$path") / 1e6}")
    printf '%-18s %8s %10s %10.0f %12s\n' "$file" "$mb" "$best" "$(awk "BEGIN{print $mb / $best}")" "$rss"
    head -1 "$OUT/stdout.txt" | sed 's/^/    /'
done
