#!/usr/bin/env bash
# Runs the conformance CLI for the composite GitHub Action (action.yml at the repository
# root), from its INPUT_* environment variables. Appends the Markdown summary to the job
# summary, prints annotations, records the exit status as the step output `exit-code` (in
# every case, a usage error included), and exits with it.
#
#   TEXTGEN_CONFORMANCE_CLI  the runner's cli.js (set by install.sh; default: this checkout's build)
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"

finish() {
  [ -n "${GITHUB_OUTPUT:-}" ] && echo "exit-code=$1" >> "$GITHUB_OUTPUT"
  exit "$1"
}

if [ -z "${INPUT_URL:-}" ]; then
  echo "textgen-conformance: the url input is required (the server root, e.g. http://127.0.0.1:5000)" >&2
  finish 2
fi

args=(--url "$INPUT_URL" --profile "${INPUT_PROFILE:-compat}" --timeout "${INPUT_TIMEOUT:-60}" --wait "${INPUT_WAIT:-60}" --github)
[ -n "${INPUT_MODEL:-}" ] && args+=(--model "$INPUT_MODEL")
[ -n "${INPUT_ONLY:-}" ] && args+=(--only "$INPUT_ONLY")
[ -n "${INPUT_SKIP:-}" ] && args+=(--skip "$INPUT_SKIP")
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")
[ -n "${INPUT_JSON:-}" ] && args+=(--json "$INPUT_JSON")
[ -n "${INPUT_JUNIT:-}" ] && args+=(--junit "$INPUT_JUNIT")
[ -n "${GITHUB_STEP_SUMMARY:-}" ] && args+=(--markdown "$GITHUB_STEP_SUMMARY")

cli="${TEXTGEN_CONFORMANCE_CLI:-$here/dist/cli.js}"
if [ ! -f "$cli" ]; then
  echo "textgen-conformance: the runner is not installed ($cli is missing)" >&2
  finish 2
fi
# The key travels in the environment, not on the command line.
TEXTGEN_CONFORMANCE_API_KEY="${INPUT_API_KEY:-}" node "$cli" "${args[@]}"
finish $?
