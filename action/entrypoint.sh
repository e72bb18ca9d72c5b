#!/usr/bin/env bash
# Runs slipgate inside the composite action. Inputs arrive only through the environment
# (never spliced into the script), so no input can inject shell code.
set -euo pipefail

args=()
[ -n "${INPUT_POLICY:-}" ] && args+=(--policy "$INPUT_POLICY")

case "${INPUT_COMMAND:-check}" in
  check)
    args+=(check)
    if [ "${INPUT_COMMENT:-true}" = "true" ] && [[ "${GITHUB_EVENT_NAME:-}" == pull_request* ]]; then
      args+=(--comment)
    fi
    [ -n "${INPUT_TREND_ISSUE:-}" ] && args+=(--trend-issue "$INPUT_TREND_ISSUE")
    case "${INPUT_NO_FAIL:-false}" in
      true) args+=(--no-fail) ;;
      false | "") ;;
      *)
        echo "::error title=slipgate::the input no-fail must be true or false"
        exit 2
        ;;
    esac
    ;;
  release-check)
    args+=(release-check)
    [ -n "${INPUT_TAG:-}" ] && args+=(--tag "$INPUT_TAG")
    ;;
  report)
    args+=(report --format markdown)
    ;;
  *)
    echo "::error title=slipgate::unknown command '${INPUT_COMMAND}'; use check, release-check or report"
    exit 2
    ;;
esac

args+=(--cache "${INPUT_CACHE:-.slipgate/cache.db}")

if [ -n "${INPUT_JUNIT:-}" ]; then
  while IFS= read -r pattern; do
    pattern="${pattern#"${pattern%%[![:space:]]*}"}"
    pattern="${pattern%"${pattern##*[![:space:]]}"}"
    [ -n "$pattern" ] && args+=(--junit "$pattern")
  done <<< "$INPUT_JUNIT"
fi

if [ -n "${INPUT_ARGS:-}" ]; then
  # Word-split on purpose: extra flags such as `--verbose --max-wait 5m`.
  read -r -a extra <<< "$INPUT_ARGS"
  args+=("${extra[@]}")
fi

exec "${SLIPGATE_BIN:-slipgate}" "${args[@]}"
