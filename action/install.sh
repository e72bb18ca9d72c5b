#!/usr/bin/env bash
# Installs the slipgate binary for the composite action (action.yml), in two steps:
#
#   install.sh plan     which binary this runner needs, and the cache key it lives under
#   install.sh install  the binary (from the cache, the release, or built from source)
#   install.sh source-key  the digest of the source, as action/checksums/v<version>.source
#
# The version is the action's own (`version` in its Cargo.toml, tag v<version>). A prebuilt
# release asset is used only when action/checksums/v<version>.txt, committed in the
# action's repository, lists it, and action/checksums/v<version>.source matches the source
# this action was checked out at: an asset whose sha256 differs is refused, never run.
# Without checksums for this version (a branch ref), or with no asset for this runner, the
# binary is built from the action's source with `cargo install --locked`.
#
# Reads only the environment: RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_ACTION_PATH,
# GITHUB_OUTPUT, GITHUB_PATH, and SLIPGATE_DOWNLOAD_URL (the `download-url` input),
# GITHUB_SERVER_URL, SLIPGATE_ACTION_REPOSITORY. Inputs are never spliced into code.
set -euo pipefail

die() {
  echo "::error title=slipgate install::$*"
  exit 1
}

# The action's checkout (the composite sets it; the folder above this script otherwise).
GITHUB_ACTION_PATH=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$@"
  else
    shasum -a 256 "$@"
  fi
}

# The Rust target of the release asset for this runner, or nothing.
target() {
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *) echo "" ;;
  esac
}

# The `version` of the [package] table in the action's Cargo.toml.
version() {
  sed -n '/^\[package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' "$GITHUB_ACTION_PATH/Cargo.toml" | head -n 1
}

# A digest of everything the binary embeds: its code, its policies, its manifest and lock.
source_key() {
  (
    cd "$GITHUB_ACTION_PATH"
    find Cargo.toml Cargo.lock src policies $(test -f build.rs && echo build.rs) -type f |
      LC_ALL=C sort | while IFS= read -r f; do sha256 "$f"; done | sha256 | cut -c1-32
  )
}

out() { echo "$1=$2" >>"$GITHUB_OUTPUT"; }

bin_dir="${RUNNER_TEMP:-/nonexistent}/slipgate-bin"
exe=slipgate
[ "${RUNNER_OS:-}" = Windows ] && exe=slipgate.exe

plan() {
  : "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
  local version tag sums src_file key target asset expected
  version=$(version)
  [ -n "$version" ] || die "no version in $GITHUB_ACTION_PATH/Cargo.toml"
  tag="v$version"
  sums="$GITHUB_ACTION_PATH/action/checksums/$tag.txt"
  src_file="$GITHUB_ACTION_PATH/action/checksums/$tag.source"
  key=$(source_key)
  target=$(target)
  asset="slipgate-$tag-$target.tar.gz"
  expected=""
  if [ -z "$target" ]; then
    echo "slipgate: no release asset for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}: building from source"
  elif [ ! -f "$sums" ]; then
    echo "slipgate: no checksums committed for $tag (a branch or an unreleased version): building from source"
  elif [ "$(cat "$src_file" 2>/dev/null)" != "$key" ]; then
    echo "slipgate: this action's source is not the released $tag source: building from source"
  else
    expected=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$sums" | head -n 1)
    [ -n "$expected" ] || echo "slipgate: $tag has no asset for $target: building from source"
  fi
  if [ -n "$expected" ]; then
    out mode download
    out key "slipgate-$tag-$target-${expected:0:16}"
  else
    out mode source
    out key "slipgate-source-${RUNNER_OS:-x}-${RUNNER_ARCH:-x}-$key"
  fi
  out tag "$tag"
  out asset "$asset"
  out sha256 "$expected"
}

# Builds from the action's source into $bin_dir.
build() {
  command -v cargo >/dev/null 2>&1 ||
    die "no prebuilt slipgate for this runner and version, and no cargo to build one: add a Rust toolchain step (e.g. dtolnay/rust-toolchain) before slipgate, or use a released version"
  echo "slipgate: cargo install --locked --path $GITHUB_ACTION_PATH"
  cargo install --locked --root "$bin_dir" --path "$GITHUB_ACTION_PATH"
}

# Checks an archive against the committed sha256, then unpacks the binary into $bin_dir.
unpack() {
  local archive=$1 expected=$2 asset=$3 actual # archive: $bin_dir/$asset
  actual=$(sha256 "$archive" | cut -d' ' -f1)
  if [ "$actual" != "$expected" ]; then
    rm -f "$archive"
    die "refusing $asset: its sha256 is $actual, but action/checksums lists $expected for it (a tampered or wrong download; nothing was run)"
  fi
  mkdir -p "$bin_dir/bin" "$RUNNER_TEMP/slipgate-unpack"
  # Relative paths: Git Bash's GNU tar reads `D:\...` as a remote host.
  (cd "$RUNNER_TEMP" && tar -xzf "slipgate-bin/$asset" -C slipgate-unpack)
  mv -f "$RUNNER_TEMP/slipgate-unpack/${asset%.tar.gz}/$exe" "$bin_dir/bin/$exe"
  rm -rf "$RUNNER_TEMP/slipgate-unpack"
  chmod +x "$bin_dir/bin/$exe"
}

install() {
  : "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
  local mode=${SLIPGATE_MODE:?} tag=${SLIPGATE_TAG:?} asset=${SLIPGATE_ASSET:?} expected=${SLIPGATE_SHA256:-}
  local archive="$bin_dir/$asset"
  if [ "$mode" = download ]; then
    if [ -f "$archive" ]; then
      echo "slipgate: $asset from the cache"
    else
      local base=${SLIPGATE_DOWNLOAD_URL:-}
      [ -n "$base" ] || base="${GITHUB_SERVER_URL:-https://github.com}/${SLIPGATE_ACTION_REPOSITORY:-slipgate/slipgate}/releases/download"
      local url="${base%/}/$tag/$asset"
      mkdir -p "$bin_dir"
      echo "slipgate: downloading $url"
      if ! curl --fail --silent --show-error --location --retry 3 --proto '=https,http' \
        --output "$archive.part" "$url"; then
        rm -f "$archive.part"
        echo "::warning title=slipgate install::could not download $asset from $base: building from source instead"
        mode=source
      else
        mv -f "$archive.part" "$archive"
      fi
    fi
  fi
  if [ "$mode" = download ]; then
    unpack "$archive" "$expected" "$asset"
    out source download
  elif [ -x "$bin_dir/bin/$exe" ]; then
    echo "slipgate: built from source, from the cache"
    out source cache
  else
    build
    out source build
  fi
  "$bin_dir/bin/$exe" --version
  out bin "$bin_dir/bin/$exe"
  [ -n "${GITHUB_PATH:-}" ] && echo "$bin_dir/bin" >>"$GITHUB_PATH"
  return 0
}

case "${1:-}" in
  plan) plan ;;
  install) install ;;
  # What the release workflow commits as action/checksums/v<version>.source.
  source-key) source_key ;;
  *) die "usage: install.sh plan|install|source-key" ;;
esac
