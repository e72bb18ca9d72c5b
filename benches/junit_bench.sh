#!/usr/bin/env bash
# JUnit parser benchmark: parse throughput (MB/s) and peak memory (max RSS).
# Results and machine are recorded in BENCHMARKS.md, section "JUnit parser".
#
#   benches/junit_bench.sh            # generate (once) and measure
#   RUNS=5 benches/junit_bench.sh     # more runs per file (best throughput is kept)
#   BIN=/tmp/old/parse_junit benches/junit_bench.sh   # another build, same files
#
# Files (generated under benches/out/junit/, gitignored; 20,000 test cases each):
#   cases-50mb.xml    ~2.5 KB of system-out per case              (~50 MB)
#   cases-200mb.xml   ~10 KB of system-out per case               (~200 MB)
#   onenode-200mb.xml all output in the first case's system-out   (~200 MB, one text node)
#   cases-200k.xml    200,000 cases with empty system-out         (~40 MB, per-case cost)
#   cases-1m.xml      1,000 suites x 1,000 short cases (--short)  (~90 MB)
#   cases-4m.xml      4,000 suites x 1,000 short cases (--short)  (~370 MB)
# The first three have the same cases and 4x the bytes: peak memory must not move. The
# last three show the per-case cost; there memory grows with the tests kept in the run.
#
# Beside each file, the floor: `grep -c '<testcase'` on the same file, run alternately
# with slipgate under the same load, and the ratios slipgate / floor (wall, peak).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=benches/out/junit
RUNS=${RUNS:-3}
mkdir -p "$OUT"

# BIN=path: measure another build of the example (e.g. an older commit's) instead.
if [ -z "${BIN:-}" ]; then
    cargo build --release --example parse_junit
    BIN=target/release/examples/parse_junit
fi

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
gen cases-1m.xml 1000000 0 --suite 1000 --short
gen cases-4m.xml 4000000 0 --suite 1000 --short

# Process wall time (s) from /usr/bin/time -v's "Elapsed" line (m:ss.cc or h:mm:ss).
elapsed() {
    sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }'
}

# wall_s: best wall time measured inside the example (collect + summarize, page cache
# warm); cpu_s: best user + system time of the whole process. The machine is shared, so
# MB/s is given for both; cpu_MB/s is what one free core does. proc_s: best wall time of
# the whole process; grep_s and grep_KiB: the floor's best wall time and peak;
# x_grep: proc_s / grep_s.
printf '%-18s %7s %8s %8s %8s %10s %12s %7s %7s %9s %7s\n' file MB wall_s MB/s cpu_s cpu_MB/s \
    max_rss_KiB proc_s grep_s grep_KiB x_grep
for file in cases-50mb.xml cases-200mb.xml onenode-200mb.xml cases-200k.xml cases-1m.xml cases-4m.xml; do
    path="$OUT/$file"
    cat "$path" > /dev/null # page cache warm: measure parsing, not the disk
    wall=""
    cpu=""
    proc=""
    floor=""
    rss=0
    floor_rss=0
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -v "$BIN" "$path" > "$OUT/stdout.txt" 2> "$OUT/time.txt"
        w=$(sed -n 's/^read .* in \([0-9.]*\) s.*/\1/p' "$OUT/stdout.txt")
        user=$(sed -n 's/.*User time (seconds): //p' "$OUT/time.txt")
        sys=$(sed -n 's/.*System time (seconds): //p' "$OUT/time.txt")
        c=$(awk "BEGIN{print $user + $sys}")
        p=$(elapsed "$OUT/time.txt")
        kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/time.txt")
        if [ -z "$wall" ] || awk "BEGIN{exit !($w < $wall)}"; then wall=$w; fi
        if [ -z "$cpu" ] || awk "BEGIN{exit !($c < $cpu)}"; then cpu=$c; fi
        if [ -z "$proc" ] || awk "BEGIN{exit !($p < $proc)}"; then proc=$p; fi
        if [ "$kib" -gt "$rss" ]; then rss=$kib; fi
        /usr/bin/time -v grep -c '<testcase' "$path" > "$OUT/grep.txt" 2> "$OUT/time.txt"
        g=$(elapsed "$OUT/time.txt")
        kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/time.txt")
        if [ -z "$floor" ] || awk "BEGIN{exit !($g < $floor)}"; then floor=$g; fi
        if [ "$kib" -gt "$floor_rss" ]; then floor_rss=$kib; fi
    done
    mb=$(awk "BEGIN{printf \"%.1f\", $(stat -c %s "$path") / 1e6}")
    printf '%-18s %7s %8s %8.0f %8s %10.0f %12s %7s %7s %9s %7.2f\n' "$file" "$mb" "$wall" \
        "$(awk "BEGIN{print $mb / $wall}")" "$cpu" "$(awk "BEGIN{print $mb / ($cpu > 0 ? $cpu : 0.01)}")" \
        "$rss" "$proc" "$floor" "$floor_rss" "$(awk "BEGIN{print $proc / ($floor > 0 ? $floor : 0.01)}")"
    head -1 "$OUT/stdout.txt" | sed 's/^/    /'
    echo "    grep -c '<testcase': $(cat "$OUT/grep.txt")"
done
