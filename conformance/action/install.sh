#!/usr/bin/env bash
# Installs the conformance runner for the composite GitHub Action (action.yml at the repository
# root): the published packages @textgen-spec/conformance and @textgen-spec/spec, at the version
# of this checkout (versions move in lockstep), into a directory of their own. Records the
# executable as TEXTGEN_CONFORMANCE_CLI in $GITHUB_ENV (and prints it).
#
# When that version is not on the registry (an unreleased commit), it builds the runner from
# this checkout instead, as before: npm ci of the two workspaces and two tsc builds.
#
#   TEXTGEN_CONFORMANCE_PACKAGES  what to install instead (e.g. packed tarballs; used by the tests)
#   TEXTGEN_CONFORMANCE_PREFIX    where to install (default: $RUNNER_TEMP/textgen-conformance)
#   TEXTGEN_CONFORMANCE_NPM_FLAGS extra npm install flags (e.g. --offline)
set -uo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
version="$(node -p "require('$repo/conformance/package.json').version")"
prefix="${TEXTGEN_CONFORMANCE_PREFIX:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/textgen-conformance}"
read -r -a packages <<< "${TEXTGEN_CONFORMANCE_PACKAGES:-@textgen-spec/conformance@$version}"
read -r -a flags <<< "${TEXTGEN_CONFORMANCE_NPM_FLAGS:-}"

mkdir -p "$prefix"
[ -f "$prefix/package.json" ] || echo '{"private": true}' > "$prefix/package.json"
if npm install --prefix "$prefix" --no-audit --no-fund --no-package-lock "${flags[@]}" "${packages[@]}" >&2; then
  cli="$prefix/node_modules/@textgen-spec/conformance/dist/cli.js"
else
  echo "textgen-conformance: ${packages[*]} could not be installed; building the runner from $repo" >&2
  (
    cd "$repo" &&
      ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --include-workspace-root -w @textgen-spec/spec -w @textgen-spec/conformance >&2 &&
      npx tsc -p packages/spec/tsconfig.build.json &&
      npx tsc -p conformance/tsconfig.build.json
  ) || exit 1
  cli="$repo/conformance/dist/cli.js"
fi
[ -n "${GITHUB_ENV:-}" ] && echo "TEXTGEN_CONFORMANCE_CLI=$cli" >> "$GITHUB_ENV"
echo "$cli"
