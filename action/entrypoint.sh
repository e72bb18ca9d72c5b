#!/usr/bin/env bash
# Runs slipgate inside the composite action. Inputs arrive only through the environment
# (never spliced into the script), so no input can inject shell code. The `args` input
# arrives as SLIPGATE_ARGS, which slipgate itself splits into words as a shell would
# (src/cli/request.rs): it is never evaluated here.
set -euo pipefail

bad_input() {
  echo "::error title=slipgate::$1"
  exit 2
}

report_only=false
case "${INPUT_FAIL_ON:-fail}" in
  fail | "") ;;
  never) report_only=true ;;
  *) bad_input "the input fail-on must be fail or never" ;;
esac
case "${INPUT_NO_FAIL:-false}" in
  true) report_only=true ;;
  false | "") ;;
  *) bad_input "the input no-fail must be true or false" ;;
esac
case "${INPUT_JOB_SUMMARY:-true}" in
  true | "") ;;
  # An empty GITHUB_STEP_SUMMARY means no summary to slipgate.
  false) export GITHUB_STEP_SUMMARY= ;;
  *) bad_input "the input job-summary must be true or false" ;;
esac

args=()
[ -n "${INPUT_POLICY:-}" ] && args+=(--policy "$INPUT_POLICY")

case "${INPUT_COMMAND:-check}" in
  check)
    args+=(check)
    if [ "${INPUT_COMMENT:-true}" = "true" ] && [[ "${GITHUB_EVENT_NAME:-}" == pull_request* ]]; then
      args+=(--comment)
    fi
    [ -n "${INPUT_TREND_ISSUE:-}" ] && args+=(--trend-issue "$INPUT_TREND_ISSUE")
    [ "$report_only" = true ] && args+=(--no-fail)
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

bin="${SLIPGATE_BIN:-slipgate}"
case "${INPUT_COMMAND:-check}" in
  report)
    # The report has no summary of its own: its markdown (escaped by slipgate) is the summary.
    code=0
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      "$bin" "${args[@]}" | tee -a "$GITHUB_STEP_SUMMARY" || code=${PIPESTATUS[0]}
    else
      "$bin" "${args[@]}" || code=$?
    fi
    exit "$code"
    ;;
  release-check)
    code=0
    "$bin" "${args[@]}" || code=$?
    # fail-on: never turns a failed gate (1) into a pass; errors (2) still fail.
    if [ "$code" = 1 ] && [ "$report_only" = true ]; then code=0; fi
    exit "$code"
    ;;
  *) exec "$bin" "${args[@]}" ;;
esac
