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

# Coverage of the human contract, when it is at hand: every "METHOD /path"
# of encore's own API and every error code it names must be in the document.
# (The stand-in's section at its end describes Toss's API, not ours.)
contract=${API_CONTRACT:-/work/shared/api-v1.md}
if [ -f "$contract" ]; then
	if ! node - "$contract" "$spec" <<'EOF'
const fs = require('node:fs');
const [contractFile, specFile] = process.argv.slice(2);
const text = fs.readFileSync(contractFile, 'utf8').split(/^## The payment provider stand-in/m)[0];
const spec = fs.readFileSync(specFile, 'utf8');
const paths = {};
let path = null;
for (const line of spec.split('\n')) {
	let m;
	if ((m = /^  (\/\S*):\s*$/.exec(line))) paths[path = m[1]] = new Set();
	else if ((m = /^    (get|post|put|patch|delete):\s*$/.exec(line)) && path) paths[path].add(m[1].toUpperCase());
	else if (/^\S/.test(line)) path = null;
}
const missing = [];
const ops = new Set([...text.matchAll(/\b(GET|POST|PUT|PATCH|DELETE) (\/(?:api|auth|healthz|readyz|metrics)[^\s|?,:]*)/g)]
    .map((m) => `${m[1]} ${m[2]}`));
for (const op of ops) {
	const [method, p] = op.split(' ');
	if (!paths[p] || !paths[p].has(method)) missing.push(op);
}
const codes = new Set([...text.matchAll(/\b[A-Z]+(?:_[A-Z]+)+\b/g)].map((m) => m[0])
    .concat([...text.matchAll(/\b\d{3} ([A-Z]{4,})\b/g)].map((m) => m[1])));
codes.delete('UPPER_SNAKE');
for (const c of codes)
	if (!new RegExp(`\\b${c}\\b`).test(spec)) missing.push(`error code ${c}`);
for (const m of missing) console.log(`  not in the OpenAPI document: ${m}`);
console.log(`check-openapi: ${ops.size} operations and ${codes.size} error codes of ${contractFile}: ${missing.length} missing`);
process.exit(missing.length ? 1 : 0);
EOF
	then
		status=1
	fi
else
	echo "check-openapi: no contract at $contract (set API_CONTRACT); coverage not checked"
fi
exit "$status"
