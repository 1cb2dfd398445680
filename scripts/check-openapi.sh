#!/usr/bin/env bash
# check-openapi.sh: lint docs/openapi.yaml with Redocly CLI.
#
# The validator comes from npm (@redocly/cli, pinned below) and is installed
# once into a cache directory under run/ (git-ignored), never into the repo's
# package.json. Rules: Redocly's "recommended-strict" set (every finding is an
# error), minus three that do not fit this API, each explained below.
#
# Usage: scripts/check-openapi.sh [file]   (default docs/openapi.yaml)
# Env:   OPENAPI_TOOLS_DIR  cache directory (default run/tools/openapi)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
spec=${1:-$root/docs/openapi.yaml}
tools=${OPENAPI_TOOLS_DIR:-$root/run/tools/openapi}
version=2.77.0
redocly=$tools/node_modules/.bin/redocly

if [ ! -x "$redocly" ] || [ "$(cat "$tools/.version" 2>/dev/null)" != "$version" ]; then
	echo "check-openapi: installing @redocly/cli@$version into $tools"
	mkdir -p "$tools"
	npm install --prefix "$tools" --no-audit --no-fund --no-save \
	    --loglevel=error "@redocly/cli@$version" >/dev/null
	echo "$version" >"$tools/.version"
fi

# Written every run so a change here takes effect at once.
cat >"$tools/redocly.yaml" <<'EOF'
extends:
  - recommended-strict
rules:
  # /healthz, /readyz, /metrics, /api/v1/config, GET /api/v1/concerts and
  # /docs/openapi.yaml take no input a client can get wrong: no 4XX to list.
  operation-4xx-response: off
  # The Google sign-in endpoints answer with 302 redirects by design.
  operation-2xx-response: off
  # MethodNotAllowed documents the 405 envelope for methods no operation has.
  no-unused-components: off
EOF

status=0
out=$(cd "$root" && "$redocly" lint --config "$tools/redocly.yaml" \
    --format=stylish "$spec" 2>&1) || status=$?
# Drop Redocly's Node.js deprecation banner; keep everything else.
printf '%s\n' "$out" | grep -v '[║╔╚]' | sed '/^[[:space:]]*$/d' || true

if [ "$status" -eq 0 ]; then
	echo "check-openapi: $spec is valid OpenAPI (Redocly CLI $version, recommended-strict)"
else
	echo "check-openapi: $spec FAILED lint (Redocly CLI $version)" >&2
fi
exit "$status"
