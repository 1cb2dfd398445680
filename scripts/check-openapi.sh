#!/usr/bin/env bash
# check-openapi.sh: lint docs/openapi.yaml with Redocly CLI.
#
# The validator comes from npm (@redocly/cli, pinned below) and is installed
# once into a cache directory under run/ (git-ignored), never into the repo's
# package.json. Rules: Redocly's "recommended-strict" set (every finding is an
# error), minus three that do not fit this API, each explained below.
#
# Then, when the contract page is at hand, checks that every operation and
# error code of api-v1.md is in the document.
#
# With --live URL it also talks to a running encore (a dev or test stack with
# dev login on and its Toss stand-in): about sixty real requests, each answer
# checked against the document (status listed for the operation, JSON schema,
# required headers, error code), covering every operation, the error model,
# cookie sessions with CSRF and refresh rotation, a purchase through the
# advertised checkout page, refunds and the rate limit. It creates two members
# and two one-seat reservations (one cancelled, one paid and refunded).
# Needs python3-yaml and python3-jsonschema (Debian).
#
# Usage: scripts/check-openapi.sh [--live URL] [file]   (default docs/openapi.yaml)
# Env:   OPENAPI_TOOLS_DIR  cache directory (default run/tools/openapi)
#        API_CONTRACT       the contract page (default ../shared/api-v1.md beside the repo)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
live=
if [ "${1:-}" = --live ]; then
	live=${2:?usage: check-openapi.sh [--live URL] [file]}
	shift 2
fi
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

checks_ok=0
checks_bad=0
if [ "$status" -eq 0 ]; then
	echo "check-openapi: $spec is valid OpenAPI (Redocly CLI $version, recommended-strict)"
	checks_ok=$((checks_ok + 1))
else
	echo "check-openapi: $spec FAILED lint (Redocly CLI $version)" >&2
	checks_bad=$((checks_bad + 1))
fi

# Coverage of the human contract, when it is at hand: every "METHOD /path"
# of encore's own API and every error code it names must be in the document.
# (The stand-in's section at its end describes Toss's API, not ours.)
contract=${API_CONTRACT:-$root/../shared/api-v1.md}
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
		checks_bad=$((checks_bad + 1))
	else
		checks_ok=$((checks_ok + 1))
	fi
else
	echo "check-openapi: no contract at $contract (set API_CONTRACT); coverage not checked"
fi
# The live check (below) prints its own count; without it, these two count.
[ -n "$live" ] || echo "$checks_ok passed, $checks_bad failed"

if [ -n "$live" ]; then
	if ! python3 -c 'import yaml, jsonschema' 2>/dev/null; then
		echo "check-openapi: --live needs python3-yaml and python3-jsonschema" >&2
		exit 2
	fi
	if ! python3 - "$spec" "$live" <<'EOF'
import json, os, re, sys, time, urllib.error, urllib.parse, urllib.request

import yaml
from jsonschema import Draft202012Validator

spec_file, base = sys.argv[1], sys.argv[2].rstrip('/')
spec = yaml.safe_load(open(spec_file))


def openapi_to_jsonschema(s):
    """OpenAPI 3.0 schema objects -> JSON Schema (nullable, no examples)."""
    if isinstance(s, dict):
        out = {k: openapi_to_jsonschema(v) for k, v in s.items()
               if k not in ('example', 'examples', 'nullable')}
        if s.get('nullable') and 'type' in s:
            out['type'] = [s['type'], 'null']
        return out
    if isinstance(s, list):
        return [openapi_to_jsonschema(x) for x in s]
    return s


components = openapi_to_jsonschema(spec['components'])


def response_def(ref_or_def):
    if '$ref' in ref_or_def:
        return spec['components']['responses'][ref_or_def['$ref'].split('/')[-1]]
    return ref_or_def


def operation(method, path):
    for tmpl, item in spec['paths'].items():
        rx = '^' + re.sub(r'\{[^}]+\}', '[^/]+', re.escape(tmpl).replace(r'\{', '{').replace(r'\}', '}')) + '$'
        if re.match(rx, path) and method.lower() in item:
            return item[method.lower()]
    return None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirect)
passed = failed = 0


def report(ok, text, problems=()):
    global passed, failed
    if ok:
        passed += 1
        print(f'ok   {text}')
    else:
        failed += 1
        print(f'FAIL {text}')
        for p in problems:
            print(f'       {p}')


def http(method, url, body=None, raw=None, token=None, headers=None):
    h = dict(headers or {})
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        h.setdefault('Content-Type', 'application/json')
    if token:
        h['Authorization'] = f'Bearer {token}'
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        r = opener.open(req, timeout=15)
        return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def call(method, path, expect, code=None, what='', documented=None, **kw):
    """One request; checks it against the document. Returns (status, json, headers)."""
    try:
        status, raw, hdrs = http(method, base + path, **kw)
    except Exception as e:  # no answer at all
        report(False, f'{method} {path}: {what}', [f'no answer: {e}'])
        return 0, None, {}
    problems = []
    try:
        doc = json.loads(raw) if raw else None
    except ValueError:
        doc = None
    got_code = doc.get('error', {}).get('code') if isinstance(doc, dict) and isinstance(doc.get('error'), dict) else None
    if status != expect:
        problems.append(f'status {status}, expected {expect} ({raw[:160]!r})')
    if code and got_code != code:
        problems.append(f'error code {got_code}, expected {code}')
    rdef = None
    if documented is not None:  # a path the document describes only in words
        rdef = spec['components']['responses'][documented]
    else:
        op = operation(method, path.split('?')[0])
        if op is None:
            problems.append('no such operation in the document')
        elif str(status) not in op['responses']:
            problems.append(f'status {status} is not documented for this operation')
        else:
            rdef = response_def(op['responses'][str(status)])
    if rdef is not None:
        for name, h in (rdef.get('headers') or {}).items():
            if '$ref' in h:
                h = spec['components']['headers'][h['$ref'].split('/')[-1]]
            if h.get('required') and hdrs.get(name) is None:
                problems.append(f'required header {name} missing')
        media = (rdef.get('content') or {}).get('application/json')
        if media and 'schema' in media:
            if doc is None:
                problems.append(f'body is not JSON: {raw[:120]!r}')
            else:
                schema = dict(openapi_to_jsonschema(media['schema']))
                schema['components'] = components
                for err in list(Draft202012Validator(schema).iter_errors(doc))[:3]:
                    where = '/'.join(map(str, err.absolute_path)) or '(root)'
                    problems.append(f'schema at {where}: {err.message[:200]}')
    label = f'{method} {path} -> {status}' + (f' {got_code}' if got_code else '') + (f': {what}' if what else '')
    report(not problems, label, problems)
    return status, doc, hdrs


def cookies_of(hdrs):
    out = {}
    for line in hdrs.get_all('Set-Cookie') or []:
        name, _, rest = line.partition('=')
        out[name.strip()] = rest.split(';')[0]
    return out


run = f'{int(time.time())}-{os.getpid()}'
print(f'check-openapi: live conformance against {base} (run {run})')

# Operations
call('GET', '/healthz', 200)
call('GET', '/readyz', 200)
_, config, _ = call('GET', '/api/v1/config', 200)
call('GET', '/docs/openapi.yaml', 200)
call('GET', '/metrics', 200)

# Edges of the error model
call('DELETE', '/api/v1/concerts', 405, 'METHOD_NOT_ALLOWED', documented='MethodNotAllowed')
call('GET', '/api/v1/no-such-path', 404, 'NOT_FOUND', documented='NotFound')
call('POST', '/api/v1/auth/dev-login', 400, 'VALIDATION_FAILED', 'not an email', body={'email': 'nope'})
call('POST', '/api/v1/auth/dev-login', 400, 'VALIDATION_FAILED', 'malformed JSON',
     raw=b'{"email":', headers={'Content-Type': 'application/json'})
call('POST', '/api/v1/auth/dev-login', 415, 'UNSUPPORTED_MEDIA_TYPE', 'text/plain',
     raw=b'{"email":"a@b.io"}', headers={'Content-Type': 'text/plain'})
call('POST', '/api/v1/auth/dev-login', 413, 'BODY_TOO_LARGE', 'over 64 KiB',
     raw=b'{"email":"' + b'a' * 70000 + b'@b.io"}', headers={'Content-Type': 'application/json'})

# Sessions: bearer and cookies
st, login, hdrs = call('POST', '/api/v1/auth/dev-login', 200, body={'email': f'openapi-{run}@example.com'})
if st != 200:
    print(f'{passed} passed, {failed} failed')
    sys.exit(1)
tok = login['access_token']
jar = cookies_of(hdrs)
report(all(k in jar for k in ('encore_access', 'encore_refresh', 'encore_csrf')),
       'dev login sets encore_access, encore_refresh and encore_csrf', [f'cookies: {sorted(jar)}'])
call('GET', '/api/v1/me', 200, token=tok)
call('GET', '/api/v1/me', 401, 'UNAUTHENTICATED', 'no credentials')
call('GET', '/api/v1/me', 200, what='cookie session', headers={'Cookie': f"encore_access={jar.get('encore_access')}"})
call('GET', '/api/v1/me/receipts', 200, token=tok)
call('POST', '/api/v1/auth/refresh', 401, 'UNAUTHENTICATED', 'no refresh cookie')
call('POST', '/api/v1/auth/refresh', 403, 'CSRF_FAILED', 'refresh cookie without CSRF header',
     headers={'Cookie': f"encore_refresh={jar.get('encore_refresh')}; encore_csrf={jar.get('encore_csrf')}"})
call('POST', '/api/v1/auth/refresh', 200, what='refresh cookie + CSRF header', headers={
    'Cookie': f"encore_refresh={jar.get('encore_refresh')}; encore_csrf={jar.get('encore_csrf')}",
    'X-CSRF-Token': jar.get('encore_csrf', '')})
call('POST', '/api/v1/auth/refresh', 401, 'REFRESH_TOKEN_REUSED', 'the rotated-out refresh token again', headers={
    'Cookie': f"encore_refresh={jar.get('encore_refresh')}; encore_csrf={jar.get('encore_csrf')}",
    'X-CSRF-Token': jar.get('encore_csrf', '')})
call('POST', '/api/v1/auth/logout', 204, what='no session')
call('GET', '/auth/google/login', 302)
call('GET', '/auth/google/callback?code=x&state=y', 401, 'UNAUTHENTICATED', 'state not this browser\'s')

# Concerts and seats
_, concerts, _ = call('GET', '/api/v1/concerts', 200)
if not concerts or not concerts.get('concerts'):
    report(False, 'a concert to test with (run scripts/migrate.sh --seed)')
    print(f'{passed} passed, {failed} failed')
    sys.exit(1)
cid = concerts['concerts'][0]['id']
_, concert, _ = call('GET', f'/api/v1/concerts/{cid}', 200)
sections = sorted(concert['concert']['sections'], key=lambda s: -s['seats_available'])
sec = sections[0]['code']
cap = concert['concert']['max_tickets_per_member']
call('GET', '/api/v1/concerts/999999999999', 404, 'CONCERT_NOT_FOUND')
call('GET', '/api/v1/concerts/abc', 404, 'CONCERT_NOT_FOUND', 'not an id')
_, _, seat_hdrs = call('GET', f'/api/v1/concerts/{cid}/seats?section={sec}', 200)
call('GET', f'/api/v1/concerts/{cid}/seats?section={sec}', 304, what='If-None-Match',
     headers={'If-None-Match': seat_hdrs.get('ETag') or '""'})
call('GET', f'/api/v1/concerts/{cid}/seats', 400, 'VALIDATION_FAILED', 'no section')
call('GET', f'/api/v1/concerts/{cid}/seats?section=NOPE9', 404, 'SECTION_NOT_FOUND')
call('POST', '/api/v1/concerts', 403, 'FORBIDDEN', 'not an admin', token=tok, body={
    'title': 'x', 'venue': 'y', 'starts_at': '2030-01-01T19:00:00+09:00', 'base_price': 1000,
    'max_tickets_per_member': 2})

# Reservations
res = lambda body, expect, code=None, what='', **kw: call('POST', '/api/v1/reservations', expect, code, what, token=kw.get('token', tok), body=body)
st, r1, _ = res({'concert_id': cid, 'section': sec, 'quantity': 1}, 201, what='best available')
if st == 201:
    r = r1['reservation']
    res({'concert_id': cid, 'seat_ids': [r['seats'][0]['id']]}, 409, 'SEATS_UNAVAILABLE', 'a held seat')
    res({'concert_id': cid, 'section': sec, 'quantity': 11}, 400, 'VALIDATION_FAILED', 'quantity 11')
    res({'concert_id': cid, 'seat_ids': [1, 1]}, 400, 'VALIDATION_FAILED', 'duplicate ids')
    res({'concert_id': 999999999999, 'section': sec, 'quantity': 1}, 404, 'CONCERT_NOT_FOUND')
    res({'concert_id': cid, 'seat_ids': [999999999999]}, 404, 'SEAT_NOT_FOUND')
    if cap < 10:
        res({'concert_id': cid, 'section': sec, 'quantity': cap}, 422, 'TICKET_LIMIT_EXCEEDED', f'over the cap of {cap}')
    call('POST', '/api/v1/reservations', 403, 'CSRF_FAILED', 'cookie session without CSRF header',
         headers={'Cookie': f"encore_access={jar.get('encore_access')}"}, body={'concert_id': cid, 'section': sec, 'quantity': 1})
    call('GET', '/api/v1/reservations', 200, token=tok)
    call('GET', f"/api/v1/reservations/{r['id']}", 200, token=tok)
    call('GET', '/api/v1/reservations/00000000-0000-0000-0000-000000000000', 404, 'RESERVATION_NOT_FOUND', token=tok)
    call('POST', '/api/v1/payments/confirm', 422, 'AMOUNT_MISMATCH', token=tok,
         body={'paymentKey': f'tgen_never_{run.replace("-", "x")}', 'orderId': r['order_id'], 'amount': r['amount'] + 1})
    call('POST', '/api/v1/payments/confirm', 502, 'PAYMENT_PROVIDER_ERROR', 'a paymentKey no checkout created', token=tok,
         body={'paymentKey': f'tgen_never_{run.replace("-", "x")}', 'orderId': r['order_id'], 'amount': r['amount']})
    call('POST', f"/api/v1/reservations/{r['id']}/cancel", 200, what='PENDING -> CANCELLED', token=tok)
    call('POST', f"/api/v1/reservations/{r['id']}/cancel", 409, 'RESERVATION_NOT_CANCELLABLE', 'already cancelled', token=tok)

# A purchase through the checkout page the server advertises (the stand-in's).
st, r2, _ = res({'concert_id': cid, 'section': sec, 'quantity': 1}, 201, what='to pay')
if st == 201 and config and config.get('checkout_url'):
    r = r2['reservation']
    q = urllib.parse.urlencode({'orderId': r['order_id'], 'amount': r['amount'], 'orderName': r['order_name'],
                                'successUrl': base + '/pay/success.html', 'failUrl': base + '/pay/fail.html'})
    try:
        cst, _, chdrs = http('GET', config['checkout_url'] + '?' + q)
    except Exception as e:
        cst, chdrs = 0, {}
    loc = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(chdrs.get('Location') or '').query))
    report(cst == 302 and 'paymentKey' in loc, 'checkout page redirects with a paymentKey', [f'status {cst}'])
    if 'paymentKey' in loc:
        body = {'paymentKey': loc['paymentKey'], 'orderId': loc['orderId'], 'amount': int(loc['amount'])}
        call('POST', '/api/v1/payments/confirm', 200, what='PENDING -> PAID', token=tok, body=body)
        call('POST', '/api/v1/payments/confirm', 200, what='same paymentKey again (idempotent)', token=tok, body=body)
        call('POST', '/api/v1/payments/confirm', 409, 'RESERVATION_NOT_PENDING', 'another paymentKey', token=tok,
             body=dict(body, paymentKey=loc['paymentKey'] + 'x'))
        _, refunded, _ = call('POST', f"/api/v1/reservations/{r['id']}/cancel", 200, what='PAID -> REFUNDED', token=tok)
        status = (refunded or {}).get('reservation', {}).get('status')
        report(status == 'REFUNDED', 'a cancelled PAID reservation reads REFUNDED', [f'status {status}'])

# Webhook: an event type encore does not act on is acknowledged.
call('POST', '/api/v1/webhooks/toss', 200, what='other event type',
     body={'eventType': 'DEPOSIT_CALLBACK', 'createdAt': '2030-01-01T00:00:00+09:00', 'data': {}})

# Rate limit: a member's reservation attempts (invalid ones count too).
_, fresh, _ = http('POST', base + '/api/v1/auth/dev-login', body={'email': f'openapi-rate-{run}@example.com'})
ftok = json.loads(fresh)['access_token']
limited = None
for i in range(100):
    st, _, _ = http('POST', base + '/api/v1/reservations', token=ftok, body={'concert_id': cid, 'section': sec, 'quantity': 11})
    if st == 429:
        limited = i
        break
if limited is None:
    report(False, 'reservation attempts are rate-limited per member', ['no 429 in 100 attempts'])
else:
    call('POST', '/api/v1/reservations', 429, 'RATE_LIMITED', f'after {limited} attempts', token=ftok,
         body={'concert_id': cid, 'section': sec, 'quantity': 11})

print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
EOF
	then
		status=1
	fi
fi
exit "$status"
