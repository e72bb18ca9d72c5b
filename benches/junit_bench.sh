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

# wall_s: best wall time measured inside the example (collect + summarize, page cache
# warm); cpu_s: best user + system time of the whole process. The machine is shared, so
# MB/s is given for both; cpu_MB/s is what one free core does.
printf '%-18s %7s %8s %8s %8s %10s %12s\n' file MB wall_s MB/s cpu_s cpu_MB/s max_rss_KiB
for file in cases-50mb.xml cases-200mb.xml onenode-200mb.xml cases-200k.xml; do
    path="$OUT/$file"
    cat "$path" > /dev/null # page cache warm: measure parsing, not the disk
    wall=""
    cpu=""
    rss=0
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -v "$BIN" "$path" > "$OUT/stdout.txt" 2> "$OUT/time.txt"
        w=$(sed -n 's/^read .* in \([0-9.]*\) s.*/\1/p' "$OUT/stdout.txt")
        user=$(sed -n 's/.*User time (seconds): //p' "$OUT/time.txt")
        sys=$(sed -n 's/.*System time (seconds): //p' "$OUT/time.txt")
        c=$(awk "BEGIN{print $user + $sys}")
        kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/time.txt")
        if [ -z "$wall" ] || awk "BEGIN{exit !($w < $wall)}"; then wall=$w; fi
        if [ -z "$cpu" ] || awk "BEGIN{exit !($c < $cpu)}"; then cpu=$c; fi
        if [ "$kib" -gt "$rss" ]; then rss=$kib; fi
    done
    mb=$(awk "BEGIN{printf \"%.1f\", $(stat -c %s "$path") / 1e6}")
    printf '%-18s %7s %8s %8.0f %8s %10.0f %12s\n' "$file" "$mb" "$wall" \
        "$(awk "BEGIN{print $mb / $wall}")" "$cpu" "$(awk "BEGIN{print $mb / ($cpu > 0 ? $cpu : 0.01)}")" "$rss"
    head -1 "$OUT/stdout.txt" | sed 's/^/    /'
done
