#!/usr/bin/env python3
"""Writes a synthetic JUnit XML report for benches/junit_bench.sh.

usage: gen_junit.py OUT CASES OUT_BYTES_PER_CASE [--one-huge] [--suite N] [--short]

CASES test cases in suites of 50 (Surefire/Gradle shape; --suite N: suites of N): 1 in 20 fails with a
stack trace, 1 in 50 is skipped, 1 in 100 has a flakyFailure. Each case has a
system-out of about OUT_BYTES_PER_CASE bytes of log lines (escaped entities in
most cases, a CDATA section in every third). With --one-huge, the first case
gets all the output (CASES * OUT_BYTES_PER_CASE bytes) as one text node. With
--short, cases are as small as a runner writes them (the per-case cost of a big run):
no system-out (OUT_BYTES_PER_CASE is ignored), failures and flaky failures with their
message and no stack trace, passing cases as one empty element.
"""
import random
import sys

LOG = [
    "2024-03-01T10:15:{s:02d}.{ms:03d}Z INFO  [pool-{t}-thread-1] c.e.OrderService - handled order id={i} in {ms}ms &amp; user=&quot;u{t}&quot;\n",
    "2024-03-01T10:15:{s:02d}.{ms:03d}Z DEBUG [main] o.h.SQL - select o.id, o.state from orders o where o.id=? and o.total &gt; {t}\n",
    "2024-03-01T10:15:{s:02d}.{ms:03d}Z WARN  [http-nio-8080-exec-{t}] c.e.Client - retrying GET /api/v1/items/{i} (attempt {t})\n",
]
CDATA_LOG = "2024-03-01T10:15:{s:02d}.{ms:03d}Z TRACE <request id=\"{i}\"> payload={{\"a\": [1, 2, 3], \"ok\": true}} & done\n"
TRACE = "".join(
    f"\tat com.example.service.Layer{n}.call(Layer{n}.java:{10 + n})\n" for n in range(30)
)


def log_block(rng, size, cdata):
    parts = []
    total = 0
    while total < size:
        tpl = CDATA_LOG if cdata else rng.choice(LOG)
        line = tpl.format(s=rng.randrange(60), ms=rng.randrange(1000), t=rng.randrange(16), i=rng.randrange(10**6))
        parts.append(line)
        total += len(line)
    text = "".join(parts)
    return f"<![CDATA[{text}]]>" if cdata else text


def main():
    out, cases, per_case = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    opts = sys.argv[4:]
    one_huge = "--one-huge" in opts
    short = "--short" in opts
    suite = int(opts[opts.index("--suite") + 1]) if "--suite" in opts else 50
    rng = random.Random(42)
    # Pre-build a few output blocks and reuse them (generation speed, not parse speed).
    blocks = [log_block(rng, per_case, cdata=(k % 3 == 2)) for k in range(6)]
    with open(out, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="bench">\n')
        for i in range(cases):
            if i % suite == 0:
                if i:
                    f.write("  </testsuite>\n")
                f.write(f'  <testsuite name="com.example.bench.Suite{i // suite}" tests="{suite}" time="12.5" timestamp="2024-03-01T10:15:30">\n')
            cls = f"com.example.bench.Suite{i // suite}"
            if short:
                head = f'    <testcase name="test{i}" classname="{cls}" time="{(i % 997) / 1000:.3f}"'
                if i % 20 == 7:
                    f.write(f'{head}><failure message="expected: &lt;{i}&gt; but was: &lt;{i + 1}&gt;"/></testcase>\n')
                elif i % 50 == 13:
                    f.write(f'{head}><skipped/></testcase>\n')
                elif i % 100 == 31:
                    f.write(f'{head}><flakyFailure message="timeout"/></testcase>\n')
                else:
                    f.write(f"{head}/>\n")
                continue
            f.write(f'    <testcase name="test{i}" classname="{cls}" time="{(i % 997) / 1000:.3f}">\n')
            if i % 20 == 7:
                f.write(f'      <failure message="expected: &lt;{i}&gt; but was: &lt;{i + 1}&gt;" type="org.opentest4j.AssertionFailedError">org.opentest4j.AssertionFailedError: expected: &lt;{i}&gt; but was: &lt;{i + 1}&gt;\n{TRACE}</failure>\n')
            elif i % 50 == 13:
                f.write('      <skipped message="disabled"/>\n')
            elif i % 100 == 31:
                f.write(f'      <flakyFailure message="timeout" type="java.net.SocketTimeoutException"><stackTrace>java.net.SocketTimeoutException: timeout\n{TRACE}</stackTrace></flakyFailure>\n')
            if one_huge:
                if i == 0:
                    f.write("      <system-out>")
                    for k in range(cases):
                        f.write(blocks[k % 2 * 3])  # escaped-text blocks only: one text node
                    f.write("</system-out>\n")
            else:
                f.write(f"      <system-out>{blocks[i % len(blocks)]}</system-out>\n")
            f.write("    </testcase>\n")
        f.write("  </testsuite>\n</testsuites>\n")


if __name__ == "__main__":
    main()
