#!/usr/bin/env bash
# Every shipped policy validates against the committed slipgate.schema.json (issue 12): the
# schema check of .ci/run, also run by hand with `bash .ci/schema/check.sh`. Offline: the
# schema is the local file (`--schemafile`), it has no remote references, and check-jsonschema
# (PyPI, pinned) is installed into target/ci/ only when missing there.
#   1. policies/*.yml, and every ```yaml block of README.md and docs/*.md that starts with
#      the `# yaml-language-server: $schema=…` modeline: must pass;
#   2. each file of .ci/schema/invalid/: must fail, so the check itself can fail.
# That slipgate.schema.json is what `slipgate policy schema` prints is `cargo test`'s job
# (tests/all/schema.rs).
set -euo pipefail
cd "$(dirname "$0")/../.."
version=0.39.0
venv=target/ci/check-jsonschema
bin=$venv/bin/check-jsonschema
if ! [ -x "$bin" ] || [ "$("$bin" --version 2>/dev/null)" != "check-jsonschema, version $version" ]; then
  echo "== schema: pip install check-jsonschema==$version"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "check-jsonschema==$version" </dev/null
fi
schema=slipgate.schema.json
blocks=$(mktemp -d)
trap 'rm -rf "$blocks"' EXIT

# The policies in the docs: ```yaml blocks whose first line is the modeline.
for doc in README.md docs/*.md; do
  awk -v out="$blocks/$(basename "$doc" .md)" '
    /^```yaml[[:space:]]*$/ { inblock = 1; first = 1; next }
    inblock && /^```/ { inblock = 0; if (file) close(file); file = ""; next }
    inblock {
      if (first && $0 ~ /^# yaml-language-server: \$schema=/) { n++; file = out "-" n ".yml" }
      first = 0
      if (file) print > file
    }' "$doc"
done
shopt -s nullglob
docs=()
# A block holding only the modeline (showing it) is no policy.
for f in "$blocks"/*.yml; do
  [ "$(grep -cv '^[[:space:]]*\(#.*\)\?$' "$f")" -gt 0 ] && docs+=("$f")
done
echo "== schema: policies/*.yml and ${#docs[@]} policies in the docs"
"$bin" --no-cache --schemafile "$schema" policies/*.yml "${docs[@]}"

for bad in .ci/schema/invalid/*.yml; do
  if "$bin" --no-cache --schemafile "$schema" "$bad" >/dev/null 2>&1; then
    echo "schema: $bad passed the schema; it must be refused" >&2
    exit 1
  fi
done
echo "== schema: ok"
