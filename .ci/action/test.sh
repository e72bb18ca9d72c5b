#!/usr/bin/env bash
# Exercises the action's install step (action/install.sh) and entrypoint (action/entrypoint.sh)
# the way the composite runs them, with a runner-like environment, against a fake release
# served on loopback by python3's http.server. No network, no real build: the "binary" is a
# shell script and `cargo` is a stub on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  if [ -n "${KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
  return 0
}
trap cleanup EXIT

passed=0
failed=0
check() { # check NAME CONDITION...
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $name" >&2
  fi
}
contains() { grep -qF -- "$2" "$1"; }

# The action as a user's runner checks it out: its manifest, source, policies and scripts.
action="$work/action-src"
mkdir -p "$action"
cp -R Cargo.toml Cargo.lock src policies action "$action/"
[ -f build.rs ] && cp build.rs "$action/"
rm -rf "$action/action/checksums"
mkdir -p "$action/action/checksums"
version=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)
tag="v$version"
target=x86_64-unknown-linux-musl
asset="slipgate-$tag-$target.tar.gz"

# The fake release: an archive laid out as release.yml lays it out.
release="$work/www/releases/$tag"
mkdir -p "$release" "$work/pkg/slipgate-$tag-$target"
cat >"$work/pkg/slipgate-$tag-$target/slipgate" <<'EOF'
#!/usr/bin/env bash
if [ "${1:-}" = --version ]; then echo "slipgate (downloaded)"; exit 0; fi
printf '%s\n' "$@" >"$FAKE_ARGV"
echo "summary=${GITHUB_STEP_SUMMARY:-}" >>"$FAKE_ARGV"
echo "## report"
exit "${FAKE_EXIT:-0}"
EOF
chmod +x "$work/pkg/slipgate-$tag-$target/slipgate"
tar -czf "$release/$asset" -C "$work/pkg" "slipgate-$tag-$target"
(cd "$release" && sha256sum "$asset" >SHA256SUMS)
good_sums="$release/SHA256SUMS"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$work/www" "$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.1
done

# A stub cargo: "builds" by writing a script where `cargo install --root DIR` would.
mkdir -p "$work/stub"
cat >"$work/stub/cargo" <<'EOF'
#!/usr/bin/env bash
echo "$@" >>"$STUB_CARGO_LOG"
root=""
while [ $# -gt 0 ]; do [ "$1" = --root ] && root=$2; shift; done
mkdir -p "$root/bin"
printf '#!/usr/bin/env bash\necho "slipgate (built)"\n' >"$root/bin/slipgate"
chmod +x "$root/bin/slipgate"
EOF
chmod +x "$work/stub/cargo"
no_cargo_path="$work/nocargo"
mkdir -p "$no_cargo_path"
for tool in bash sh sed awk find sort sha256sum cut head cat curl tar mkdir mv rm chmod grep printf; do
  ln -sf "$(command -v "$tool")" "$no_cargo_path/$tool"
done

# One runner: a fresh RUNNER_TEMP (or the same one, for a cache hit), plan then install.
run_install() { # run_install NAME [env assignments...]; sets $out, $log, $rc
  local name=$1
  shift
  local dir="$work/run-$name"
  mkdir -p "$dir/temp"
  out="$dir/output"
  log="$dir/log"
  : >"$out"
  : >"$dir/path"
  rc=0
  env RUNNER_OS=Linux RUNNER_ARCH=X64 RUNNER_TEMP="${RUN_TEMP:-$dir/temp}" \
    GITHUB_ACTION_PATH="$action" GITHUB_OUTPUT="$out" GITHUB_PATH="$dir/path" \
    PATH="$work/stub:$PATH" STUB_CARGO_LOG="$dir/cargo.log" \
    SLIPGATE_DOWNLOAD_URL="http://127.0.0.1:$port/releases" "$@" \
    bash -c '
      set -euo pipefail
      bash "$GITHUB_ACTION_PATH/action/install.sh" plan
      while IFS="=" read -r k v; do export "SLIPGATE_${k^^}=$v"; done <"$GITHUB_OUTPUT"
      bash "$GITHUB_ACTION_PATH/action/install.sh" install
    ' >"$log" 2>&1 || rc=$?
}
output() { sed -n "s/^$1=//p" "$out" | tail -n 1; }

commit_checksums() { # what the release procedure commits
  cp "$1" "$action/action/checksums/$tag.txt"
  bash "$action/action/install.sh" source-key >"$action/action/checksums/$tag.source"
}

# 1. The right asset: downloaded, checked, installed, on PATH.
commit_checksums "$good_sums"
run_install right
check "right asset: exit 0" test "$rc" = 0
check "right asset: download mode" test "$(output mode)" = download
check "right asset: installed from the download" test "$(output source)" = download
check "right asset: the binary runs" contains "$log" "slipgate (downloaded)"
check "right asset: bin output" test "$(output bin)" = "$work/run-right/temp/slipgate-bin/bin/slipgate"
check "right asset: added to PATH" contains "$work/run-right/path" "$work/run-right/temp/slipgate-bin/bin"
check "right asset: no cargo" test ! -e "$work/run-right/cargo.log"
check "right asset: key names the sha256" test "$(output key)" = "slipgate-$tag-$target-$(cut -c1-16 "$good_sums")"

# 2. Same runner temp again (a cache hit): no download, the archive is checked again.
RUN_TEMP="$work/run-right/temp" run_install cached
check "cache hit: exit 0" test "$rc" = 0
check "cache hit: from the cache" contains "$log" "from the cache"
# A tampered cache entry is refused too.
echo tampered >>"$work/run-right/temp/slipgate-bin/$asset"
RUN_TEMP="$work/run-right/temp" run_install cached-tampered
check "tampered cache: refused" test "$rc" = 1
check "tampered cache: says so" contains "$log" "refusing $asset"

# 3. A wrong checksum (the served asset was tampered with): refused, nothing installed, no build.
cp "$release/$asset" "$work/good-asset"
printf 'x' >>"$release/$asset"
run_install tampered
check "tampered asset: exit 1" test "$rc" = 1
check "tampered asset: a clear error" contains "$log" "::error title=slipgate install::refusing $asset: its sha256 is"
check "tampered asset: nothing installed" test ! -e "$work/run-tampered/temp/slipgate-bin/bin/slipgate"
check "tampered asset: no fallback build" test ! -e "$work/run-tampered/cargo.log"
cp "$work/good-asset" "$release/$asset"

# 4. The asset is missing from the release: a warning, then the build from source.
mv "$release/$asset" "$work/moved-asset"
run_install missing
check "missing asset: exit 0" test "$rc" = 0
check "missing asset: a warning" contains "$log" "::warning title=slipgate install::could not download $asset"
check "missing asset: built from source" test "$(output source)" = build
check "missing asset: cargo install --locked of the action" contains "$work/run-missing/cargo.log" "install --locked --root $work/run-missing/temp/slipgate-bin --path $action"
check "missing asset: the built binary runs" contains "$log" "slipgate (built)"
mv "$work/moved-asset" "$release/$asset"

# 5. No checksums committed for this version (a branch ref): source, keyed on the source.
rm "$action/action/checksums/$tag.txt"
run_install nosums
check "no checksums: source mode" test "$(output mode)" = source
check "no checksums: built" test "$(output source)" = build
check "no checksums: key is the source digest" test "$(output key)" = "slipgate-source-Linux-X64-$(cat "$action/action/checksums/$tag.source")"
commit_checksums "$good_sums"

# 6. The source differs from the released one (e.g. a policy changed on main): source build.
echo "# changed" >>"$action/policies/default.yml"
run_install changed
check "changed source: source mode" test "$(output mode)" = source
check "changed source: says why" contains "$log" "not the released $tag source"
commit_checksums "$good_sums"

# 7. No asset for this runner.
run_install windows-arm RUNNER_OS=Windows RUNNER_ARCH=ARM64
check "unlisted runner: source mode" test "$(output mode)" = source
check "unlisted runner: says why" contains "$log" "no release asset for Windows/ARM64"

# 8. No asset and no cargo: a clear error that says what to do.
rm "$action/action/checksums/$tag.txt"
run_install nocargo PATH="$no_cargo_path"
check "no cargo: exit 1" test "$rc" = 1
check "no cargo: says what to do" contains "$log" "add a Rust toolchain step"
commit_checksums "$good_sums"

# The entrypoint: inputs to flags, never evaluated.
bin="$work/run-right/temp/slipgate-bin/bin/slipgate"
run_entry() { # run_entry NAME [env assignments...]; sets $argv, $summary, $rc
  local dir="$work/entry-$1"
  shift
  mkdir -p "$dir"
  argv="$dir/argv"
  summary="$dir/summary"
  : >"$summary"
  rc=0
  env SLIPGATE_BIN="$bin" FAKE_ARGV="$argv" GITHUB_STEP_SUMMARY="$summary" "$@" \
    bash "$action/action/entrypoint.sh" >"$dir/log" 2>&1 || rc=$?
}
run_entry never INPUT_COMMAND=check INPUT_FAIL_ON=never
check "fail-on never: --no-fail" contains "$argv" "--no-fail"
run_entry failon-bad INPUT_FAIL_ON=sometimes
check "fail-on bad value: exit 2" test "$rc" = 2
run_entry release-never INPUT_COMMAND=release-check INPUT_FAIL_ON=never FAKE_EXIT=1
check "release-check, fail-on never: a failed gate passes" test "$rc" = 0
run_entry release-error INPUT_COMMAND=release-check INPUT_FAIL_ON=never FAKE_EXIT=2
check "release-check, fail-on never: an error still fails" test "$rc" = 2
run_entry release-fail INPUT_COMMAND=release-check FAKE_EXIT=1
check "release-check, fail-on fail: a failed gate fails" test "$rc" = 1
run_entry nosummary INPUT_COMMAND=check INPUT_JOB_SUMMARY=false
check "job-summary false: no summary file for slipgate" contains "$argv" "summary="
check "job-summary false: (exactly empty)" test "$(grep '^summary=' "$argv")" = "summary="
run_entry report INPUT_COMMAND=report
check "report: markdown" contains "$argv" "markdown"
check "report: written to the job summary" contains "$summary" "## report"
run_entry report-fail INPUT_COMMAND=report FAKE_EXIT=2
check "report: its exit code survives the tee" test "$rc" = 2
run_entry args INPUT_COMMAND=check SLIPGATE_ARGS='--label "$(touch pwned)"'
check "args: left to slipgate, not split or run here" test ! -e pwned
check "args: not spliced into the command line" test "$(grep -c touch "$argv" || true)" = 0

echo "action install and entrypoint: $passed passed, $failed failed"
[ "$failed" = 0 ]
