#!/usr/bin/env bash
# check-k6.sh: check the k6 load scripts without k6 (it cannot be installed
# here; see STACK-NOTES.md). For every k6/*.js:
#   syntax   node parses it as an ES module (node --check on an .mjs copy);
#   imports  only k6's built-in modules and files that exist in k6/
#            (no remote jslib: the scripts must run offline);
#   api      every API path it names appears in docs/openapi.yaml, with the
#            same method (and, for lib.js ROUTES, the same operationId);
# and for every test script (not lib.js):
#   init     its init context runs (under node, with k6's modules replaced by
#            inert recorders; HTTP in init fails as it does in k6): it exports
#            options, every scenario's exec function exists, and every
#            threshold names a built-in or a defined custom metric and an
#            operationId the scripts tag requests with.
# Prints one line per check and "N passed, M failed"; exits 1 on any failure.
# The OpenAPI document itself is linted by scripts/check-openapi.sh.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
k6dir=${K6_DIR:-$root/k6}
spec=${OPENAPI_SPEC:-$root/docs/openapi.yaml}
work=$(mktemp -d "${TMPDIR:-/tmp}/check-k6.XXXXXX")
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
result() {	# result <ok|fail> <text>
	if [ "$1" = ok ]; then
		passed=$((passed + 1))
		echo "ok   $2"
	else
		failed=$((failed + 1))
		echo "FAIL $2"
	fi
}

shopt -s nullglob
scripts=("$k6dir"/*.js)
if [ "${#scripts[@]}" -eq 0 ]; then
	result fail "no k6 scripts in $k6dir"
fi

# Copies with .mjs names and imports rewritten to the copies and the shims.
mkdir -p "$work/k6-shim"
for f in "${scripts[@]}"; do
	name=$(basename "$f" .js)
	sed -E -e "s#from '\./([A-Za-z0-9_-]+)\.js'#from './\1.mjs'#" \
	    -e "s#from 'k6(/[a-z/]+)?'#from './k6-shim/k6\1.mjs'#" \
	    "$f" >"$work/$name.mjs"
done

# k6's modules as inert recorders: enough for the init context to run.
mkdir -p "$work/k6-shim/k6"
cat >"$work/k6-shim/k6.mjs" <<'EOF'
export function check() { return true; }
export function fail(msg) { throw new Error(msg); }
export function sleep() {}
export function group(_name, fn) { return fn(); }
EOF
cat >"$work/k6-shim/k6/http.mjs" <<'EOF'
function initOnly() { throw new Error('HTTP request in the init context (k6 forbids it)'); }
const http = {
	request: initOnly, get: initOnly, post: initOnly, put: initOnly, del: initOnly,
	patch: initOnly, batch: initOnly,
	expectedStatuses: (...s) => ({ expectedStatuses: s }),
	setResponseCallback() {},
};
export default http;
export const expectedStatuses = http.expectedStatuses;
EOF
cat >"$work/k6-shim/k6/metrics.mjs" <<'EOF'
globalThis.__k6metrics = globalThis.__k6metrics || new Set();
class Metric {
	constructor(name) {
		if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name))
			throw new Error(`invalid metric name '${name}'`);
		globalThis.__k6metrics.add(name);
		this.name = name;
	}
	add() {}
}
export class Counter extends Metric {}
export class Rate extends Metric {}
export class Trend extends Metric {}
export class Gauge extends Metric {}
EOF
cat >"$work/k6-shim/k6/execution.mjs" <<'EOF'
export default { vu: { idInTest: 0, iterationInScenario: 0 }, scenario: {}, test: { abort() {} } };
EOF
cat >"$work/k6-shim/k6/data.mjs" <<'EOF'
export class SharedArray { constructor(_n, fn) { return fn(); } }
EOF

# The checks that need a JavaScript parser or the OpenAPI paths.
cat >"$work/check.mjs" <<'EOF'
import { readFileSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [mode, file, spec, copy] = process.argv.slice(2);
const src = readFileSync(file, 'utf8');
const BUILTIN = new Set(['k6', 'k6/http', 'k6/metrics', 'k6/execution', 'k6/data',
    'k6/crypto', 'k6/encoding', 'k6/html', 'k6/ws', 'k6/timers', 'k6/net/grpc']);
const SHIMMED = new Set(['k6', 'k6/http', 'k6/metrics', 'k6/execution', 'k6/data']);

// docs/openapi.yaml's paths: {path: {method: operationId}}, read line by line
// (two-space YAML indentation, as the file is written).
function openapiPaths() {
	const out = {};
	let inPaths = false, path = null, method = null;
	for (const line of readFileSync(spec, 'utf8').split('\n')) {
		if (/^\S/.test(line)) {
			inPaths = line.startsWith('paths:');
			continue;
		}
		if (!inPaths)
			continue;
		let m;
		if ((m = /^  (\/\S*):\s*$/.exec(line))) {
			path = m[1]; out[path] = {}; method = null;
		} else if ((m = /^    (get|put|post|delete|patch|head|options):\s*$/.exec(line)) && path) {
			method = m[1].toUpperCase(); out[path][method] = '';
		} else if ((m = /^      operationId:\s*(\S+)\s*$/.exec(line)) && path && method) {
			out[path][method] = m[1];
		}
	}
	return out;
}

function imports() {
	const bad = [];
	for (const m of src.matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)) {
		const spec = m[1];
		if (spec.startsWith('./') || spec.startsWith('../')) {
			if (!existsSync(join(dirname(file), spec)))
				bad.push(`${spec} does not exist`);
		} else if (!BUILTIN.has(spec)) {
			bad.push(`${spec} is not a k6 built-in module`);
		} else if (!SHIMMED.has(spec)) {
			bad.push(`${spec}: add a shim for it to scripts/check-k6.sh`);
		}
	}
	return bad;
}

function api() {
	const paths = openapiPaths();
	if (Object.keys(paths).length === 0)
		return { bad: [`no paths found in ${spec}`], seen: 0 };
	const bad = [];
	let seen = 0;
	// [METHOD, '/path', operationId?] pairs (lib.js ROUTES).
	const pairRe = /\[\s*'(GET|POST|PUT|PATCH|DELETE)'\s*,\s*'([^']+)'\s*(?:,\s*'([^']+)'\s*)?\]/g;
	for (const m of src.matchAll(pairRe)) {
		seen++;
		const [, method, path, op] = m;
		if (!paths[path])
			bad.push(`${method} ${path}: path not in openapi.yaml`);
		else if (paths[path][method] === undefined)
			bad.push(`${method} ${path}: method not in openapi.yaml`);
		else if (op && paths[path][method] !== op)
			bad.push(`${method} ${path}: operationId '${op}' but openapi.yaml says '${paths[path][method]}'`);
	}
	// Any other API path written in a string or template literal.
	const litRe = /['"`](\/(?:api|auth)\/[^'"`?$\s]*|\/healthz|\/readyz|\/metrics|\/docs\/openapi\.yaml)/g;
	for (const m of src.matchAll(litRe)) {
		if (!paths[m[1]])
			bad.push(`${m[1]}: not a path of openapi.yaml (use a ROUTES template)`);
	}
	// ROUTES.name references must name a route lib.js defines.
	const libSrc = readFileSync(join(dirname(file), 'lib.js'), 'utf8');
	const block = /export const ROUTES = \{([\s\S]*?)\n\};/.exec(libSrc);
	const names = new Set(block ? [...block[1].matchAll(/^\s*(\w+):/gm)].map((m) => m[1]) : []);
	for (const m of src.matchAll(/\bROUTES\.(\w+)/g)) {
		seen++;
		if (!names.has(m[1]))
			bad.push(`ROUTES.${m[1]} is not defined in lib.js`);
	}
	return { bad, seen };
}

async function init() {
	globalThis.__ENV = {};
	globalThis.__VU = 0;
	globalThis.__ITER = 0;
	const mod = await import(pathToFileURL(copy).href);
	const bad = [];
	const opts = mod.options;
	if (!opts || typeof opts !== 'object')
		return ['does not export options'];
	const scenarios = opts.scenarios || { default: {} };
	if (Object.keys(scenarios).length === 0)
		bad.push('options.scenarios is empty');
	for (const [name, sc] of Object.entries(scenarios)) {
		const exec = sc.exec || 'default';
		if (typeof mod[exec] !== 'function')
			bad.push(`scenario ${name}: exec '${exec}' is not an exported function`);
		if (sc.executor && !/^(shared-iterations|per-vu-iterations|constant-vus|ramping-vus|constant-arrival-rate|ramping-arrival-rate|externally-controlled)$/.test(sc.executor))
			bad.push(`scenario ${name}: unknown executor '${sc.executor}'`);
	}
	const builtin = new Set(['checks', 'data_received', 'data_sent', 'dropped_iterations',
	    'http_req_blocked', 'http_req_connecting', 'http_req_duration', 'http_req_failed',
	    'http_req_receiving', 'http_req_sending', 'http_req_tls_handshaking',
	    'http_req_waiting', 'http_reqs', 'iteration_duration', 'iterations', 'vus', 'vus_max']);
	const lib = readFileSync(join(dirname(file), 'lib.js'), 'utf8');
	const ops = new Set([...(src + lib).matchAll(/op:\s*'([A-Za-z]+)'|'(?:GET|POST|PUT|PATCH|DELETE)'\s*,\s*'[^']+'\s*,\s*'([A-Za-z]+)'/g)]
	    .map((m) => m[1] || m[2]));
	for (const [key, list] of Object.entries(opts.thresholds || {})) {
		const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\{([^}]*)\})?$/.exec(key);
		if (!m) {
			bad.push(`threshold '${key}' is malformed`);
			continue;
		}
		if (!builtin.has(m[1]) && !globalThis.__k6metrics.has(m[1]))
			bad.push(`threshold '${key}': no metric '${m[1]}'`);
		const op = /(?:^|,)\s*op:([^,]+)/.exec(m[2] || '');
		if (op && !ops.has(op[1].trim()))
			bad.push(`threshold '${key}': no request is tagged op:${op[1]}`);
		for (const expr of [].concat(list)) {
			const e = typeof expr === 'string' ? expr : expr.threshold;
			if (!/^(avg|min|max|med|count|rate|value|p\(\d+(\.\d+)?\))\s*(<=|>=|==|===|!=|<|>)\s*-?\d+(\.\d+)?$/.test(e))
				bad.push(`threshold '${key}': expression '${e}' is not k6 syntax`);
		}
	}
	if (!opts.thresholds || Object.keys(opts.thresholds).length === 0)
		bad.push('no thresholds');
	return bad;
}

let bad;
if (mode === 'imports') {
	bad = imports();
} else if (mode === 'api') {
	const r = api();
	bad = r.bad;
	console.log(`${r.seen} route use(s)`);
} else {
	bad = await init().catch((e) => [`init context threw: ${e.message}`]);
}
for (const b of bad)
	console.log(`  ${basename(file)}: ${b}`);
process.exit(bad.length ? 1 : 0);
EOF

for f in "${scripts[@]}"; do
	name=$(basename "$f" .js)
	rel=k6/$name.js
	if out=$(node --check "$work/$name.mjs" 2>&1); then
		result ok "$rel: syntax"
	else
		printf '%s\n' "$out" | sed 's/^/  /'
		result fail "$rel: syntax"
	fi
	if out=$(node "$work/check.mjs" imports "$f" "$spec" 2>&1); then
		result ok "$rel: imports"
	else
		printf '%s\n' "$out"
		result fail "$rel: imports"
	fi
	if out=$(node "$work/check.mjs" api "$f" "$spec" 2>&1); then
		result ok "$rel: api paths documented ($(printf '%s' "$out" | head -1))"
	else
		printf '%s\n' "$out" | tail -n +2
		result fail "$rel: api paths documented"
	fi
	[ "$name" = lib ] && continue
	if out=$(node "$work/check.mjs" init "$f" "$spec" "$work/$name.mjs" 2>&1); then
		result ok "$rel: init context, scenarios, thresholds"
	else
		printf '%s\n' "$out"
		result fail "$rel: init context, scenarios, thresholds"
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
