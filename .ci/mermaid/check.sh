#!/usr/bin/env bash
# Every Mermaid block renders (issue 10): the render check of .ci/run, also run by hand with
# `bash .ci/mermaid/check.sh`. Installs what it needs (Debian's chromium and a fixed font when
# missing, the pinned npm packages of this folder), then renders in headless chromium, with
# no network and no browser download:
#   1. tests/fixtures/trend/sample-issue.md, a trend issue body: must pass;
#   2. each file of tests/fixtures/trend/broken/: must fail (exit 1) with the reason its
#      first line names, so the check itself can fail;
#   3. every committed insta snapshot that holds a ```mermaid block (the trend body's);
#   4. `slipgate trend --format markdown` (the trend issue's body) on a small tagged
#      repository made here, offline: it must have charts, and they must render
#      (SLIPGATE_TREND_CHARTS=optional skips output without a Mermaid block, for old builds).
set -euo pipefail
cd "$(dirname "$0")/../.."
tool=.ci/mermaid
export CI=true PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 DEBIAN_FRONTEND=noninteractive
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
start=$SECONDS
# `slipgate trend --format markdown` draws the trend issue's charts: they are required.
trend_charts=${SLIPGATE_TREND_CHARTS:-required}
step() { printf '== mermaid: %s (%ss)\n' "$*" "$((SECONDS - start))"; }

# Debian's chromium and the font the labels are measured in (DejaVu Sans: as wide as Verdana,
# the second font of mermaid's stack), only when missing.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  step "apt-get install ${need[*]}"
  sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo -n)
  timeout 300 "${sudo[@]}" apt-get update -qq </dev/null
  timeout 600 "${sudo[@]}" apt-get install -y -qq "${need[@]}" </dev/null >/dev/null
fi

# The pinned npm packages, again only when package-lock.json changed since the last install.
stamp=$tool/node_modules/.slipgate-lock.sha256
want=$(sha256sum "$tool/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  step "npm ci"
  (cd "$tool" && timeout 300 npm ci --no-audit --no-fund --loglevel=error </dev/null)
  echo "$want" >"$stamp"
fi
render() { timeout 240 node "$tool/render.mjs" "$@" </dev/null; }

step "the sample trend issue must render"
render tests/fixtures/trend/sample-issue.md

step "each broken fixture must fail, for its reason"
# One run over all of them (one browser start): exit 1, and for each file a line naming it
# with the reason its first line gives; where a good chart comes first, that one passes.
broken=()
for f in tests/fixtures/trend/broken/*.md; do
  [ "$(basename "$f")" = README.md ] || broken+=("$f")
done
set +e
out=$(render "${broken[@]}" 2>&1)
rc=$?
set -e
bad=0
[ "$rc" -eq 1 ] || { echo "the broken fixtures: expected exit 1, got $rc" >&2; bad=1; }
for f in "${broken[@]}"; do
  expect=$(sed -n '1s/^<!-- expect: \(.*\) -->$/\1/p' "$f")
  if [ -z "$expect" ]; then
    echo "$f: the first line must be <!-- expect: TEXT -->" >&2
    bad=1
  elif ! grep -F -- "$f:" <<<"$out" | grep -qF -- "$expect"; then
    echo "$f: expected a line with \"$expect\"" >&2
    bad=1
  elif grep -q 'A good chart first' "$f" && ! grep -qF -- "$f:6: mermaid block 1: ok" <<<"$out"; then
    echo "$f: its first, good chart did not pass" >&2
    bad=1
  else
    echo "$f: fails as it must ($expect)"
  fi
done
[ "$bad" = 0 ] || { printf '%s\n' "$out" >&2; exit 1; }

mapfile -t snaps < <(grep -rlF --include='*.snap' '```mermaid' tests 2>/dev/null | sort)
if [ ${#snaps[@]} -gt 0 ]; then
  step "the insta snapshots with mermaid blocks must render: ${snaps[*]}"
  render "${snaps[@]}"
else
  step "no insta snapshot has a mermaid block yet"
fi

bin=${SLIPGATE_BIN:-target/debug/slipgate}
if [ -x "$bin" ] && "$bin" trend --help >/dev/null 2>&1; then
  step "slipgate trend --format markdown on a tagged repository must render"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  repo=$work/repo
  git init -q -b main "$repo"
  # 36 commits, one every 2 days from 2026-06-01; a release every 4th commit.
  base=$(date -u -d 2026-06-01T12:00:00Z +%s)
  for i in $(seq 1 36); do
    when=$(date -u -d "@$((base + i * 2 * 86400))" '+%Y-%m-%dT%H:%M:%SZ')
    echo "$i" >"$repo/file.txt"
    git -C "$repo" add file.txt
    GIT_AUTHOR_DATE=$when GIT_COMMITTER_DATE=$when \
      git -C "$repo" -c user.name=ci -c user.email=ci@example.org commit -qm "change $i"
    if [ $((i % 4)) = 0 ]; then
      GIT_COMMITTER_DATE=$when git -C "$repo" -c user.name=ci -c user.email=ci@example.org \
        tag -a "v1.$((i / 4)).0" -m "v1.$((i / 4)).0"
    fi
  done
  timeout 60 "$bin" trend --repo "$repo" --offline --format markdown --now 2026-08-20T12:00:00Z \
    >"$work/trend.md" </dev/null
  if grep -qF '```mermaid' "$work/trend.md" || [ "$trend_charts" = required ]; then
    render "$work/trend.md"
  else
    step "skipped: slipgate trend --format markdown has no Mermaid block yet (trend_charts=$trend_charts)"
  fi
else
  [ "$trend_charts" = required ] && { echo "$bin has no trend subcommand" >&2; exit 1; }
  step "skipped: $bin has no trend subcommand yet"
fi
step "done"
