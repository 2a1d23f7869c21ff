#!/usr/bin/env bash
# Runs the conformance CLI for the composite GitHub Action (action.yml at the repository
# root), from its INPUT_* environment variables. Appends the Markdown summary to the job
# summary, prints annotations, records the exit status as the step output `exit-code`, and
# exits with it.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"

args=(--url "${INPUT_URL:?the url input is required}" --profile "${INPUT_PROFILE:-compat}" --timeout "${INPUT_TIMEOUT:-60}" --wait "${INPUT_WAIT:-60}" --github)
[ -n "${INPUT_MODEL:-}" ] && args+=(--model "$INPUT_MODEL")
[ -n "${INPUT_ONLY:-}" ] && args+=(--only "$INPUT_ONLY")
[ -n "${INPUT_SKIP:-}" ] && args+=(--skip "$INPUT_SKIP")
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")
[ -n "${INPUT_JSON:-}" ] && args+=(--json "$INPUT_JSON")
[ -n "${INPUT_JUNIT:-}" ] && args+=(--junit "$INPUT_JUNIT")
[ -n "${GITHUB_STEP_SUMMARY:-}" ] && args+=(--markdown "$GITHUB_STEP_SUMMARY")

# The key travels in the environment, not on the command line.
TEXTGEN_CONFORMANCE_API_KEY="${INPUT_API_KEY:-}" node "$here/dist/cli.js" "${args[@]}"
code=$?
[ -n "${GITHUB_OUTPUT:-}" ] && echo "exit-code=$code" >> "$GITHUB_OUTPUT"
exit "$code"
