// Authentication over real HTTP: dev login, sessions by Bearer token and by
// cookie (with the CSRF double submit), refresh rotation and reuse
// detection, logout, Google sign-in through the stand-in, /api/v1/config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, GOOGLE, api, devLogin, adminLogin, uniqueEmail, parseSetCookies, cookieHeader, isEnvelope, psql,
} from './lib.mjs';
import { CookieJar, jwtClaims, signJwt, jwtSecret, smallConcert } from './lib_api.mjs';

const setCookieLines = (res) => res.headers.getSetCookie();
const cookieLine = (res, name) => setCookieLines(res).find((l) => l.startsWith(`${name}=`));

function assert401(res, what) {
  assert.equal(res.status, 401, `${what}: ${res.status} ${res.text}`);
  assert.ok(isEnvelope(res.body), `${what}: envelope: ${res.text}`);
  assert.equal(res.body.error.code, 'UNAUTHENTICATED', what);
}

/** POST with the session cookies a browser would send to that path. */
function cookiePost(path, cookies, { csrf, body } = {}) {
  const headers = { cookie: cookieHeader(cookies) };
  if (csrf !== undefined) headers['x-csrf-token'] = csrf;
  return api('POST', path, { headers, body });
}

test('dev login answers a bearer token and sets the session cookies', async () => {
  const email = uniqueEmail('auth');
  const res = await fetch(`${BASE}/api/v1/auth/dev-login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, name: 'Ada' }),
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  const body = await res.json();
  assert.equal(body.token_type, 'Bearer');
  assert.ok(Number.isInteger(body.expires_in) && body.expires_in > 0);
  assert.match(body.access_token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.equal(typeof body.csrf_token, 'string');
  assert.ok(Number.isInteger(body.member.id));
  assert.deepEqual({ ...body.member, id: 0 }, { id: 0, email, name: 'Ada', role: 'member' });
  assert.equal(jwtClaims(body.access_token).sub, String(body.member.id));

  const access = cookieLine(res, 'encore_access');
  const refresh = cookieLine(res, 'encore_refresh');
  const csrf = cookieLine(res, 'encore_csrf');
  assert.ok(access && refresh && csrf, setCookieLines(res).join('\n'));
  for (const line of [access, refresh]) {
    assert.match(line, /;\s*HttpOnly/i, line);
    assert.match(line, /;\s*SameSite=Lax/i, line);
  }
  assert.match(refresh, /;\s*Path=\/api\/v1\/auth(;|$)/, refresh);
  assert.doesNotMatch(csrf, /HttpOnly/i, 'the UI must be able to read the CSRF cookie');
  const cookies = parseSetCookies(res.headers);
  assert.equal(cookies.encore_access, body.access_token);
  assert.equal(cookies.encore_csrf, body.csrf_token);
  assert.match(cookies.encore_refresh, /^[0-9a-f]{64}$/);
});

test('/me answers the member with a Bearer token and with the access cookie', async () => {
  const s = await devLogin();
  const bearer = await api('GET', '/api/v1/me', { token: s.token });
  assert.equal(bearer.status, 200, bearer.text);
  assert.deepEqual(bearer.body, { member: s.member });
  const cookie = await api('GET', '/api/v1/me', { headers: { cookie: `encore_access=${s.cookies.encore_access}` } });
  assert.equal(cookie.status, 200, cookie.text);
  assert.deepEqual(cookie.body, { member: s.member });
});

test('/me without a valid token is 401 in the envelope', async () => {
  const s = await devLogin();
  const claims = jwtClaims(s.token);
  const now = Math.floor(Date.now() / 1000);
  const [head, , sig] = s.token.split('.');
  const escalated = Buffer.from(JSON.stringify({ ...claims, role: 'admin', sub: '1' })).toString('base64url');
  const cases = {
    'no credentials': {},
    'garbage bearer': { authorization: 'Bearer not.a.jwt' },
    'empty bearer': { authorization: 'Bearer ' },
    'basic scheme': { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
    'token without scheme': { authorization: s.token },
    'payload swapped, old signature': { authorization: `Bearer ${head}.${escalated}.${sig}` },
    'signature stripped': { authorization: `Bearer ${head}.${s.token.split('.')[1]}.` },
    'alg none': { authorization: `Bearer ${signJwt({ ...claims, role: 'admin' }, { alg: 'none' })}` },
    'alg none, upper case': { authorization: `Bearer ${signJwt(claims, { alg: 'NONE' })}` },
    'signed with another secret': { authorization: `Bearer ${signJwt(claims, { secret: 'not-the-secret-0123456789abcdef' })}` },
    'expired, correct secret': {
      authorization: `Bearer ${signJwt({ ...claims, iat: now - 7200, exp: now - 3600 }, { secret: jwtSecret() })}`,
    },
    'wrong issuer, correct secret': { authorization: `Bearer ${signJwt({ ...claims, iss: 'evil' }, { secret: jwtSecret() })}` },
    'wrong audience, correct secret': { authorization: `Bearer ${signJwt({ ...claims, aud: 'other' }, { secret: jwtSecret() })}` },
    'HS512 header, correct secret': {
      authorization: `Bearer ${signJwt(claims, { secret: jwtSecret(), header: { alg: 'HS512' } })}`,
    },
    'forged access cookie': { cookie: `encore_access=${signJwt(claims, { secret: 'x'.repeat(40) })}` },
  };
  // The control: a token we sign ourselves with the stack's secret is accepted,
  // so each rejection above is about the one thing that case changes.
  const control = await api('GET', '/api/v1/me', { token: signJwt(claims, { secret: jwtSecret() }) });
  assert.equal(control.status, 200, `control token: ${control.text}`);
  for (const [what, headers] of Object.entries(cases)) {
    const res = await api('GET', '/api/v1/me', { headers });
    assert401(res, what);
  }
});

test('a cookie-authenticated POST needs the CSRF header equal to the CSRF cookie', async () => {
  const concert = await smallConcert();
  const s = await devLogin();
  const seats = (await api('GET', `/api/v1/concerts/${concert.id}/seats?section=A`)).body.seats;
  const body = { concert_id: concert.id, seat_ids: [seats[0].id] };

  const none = await cookiePost('/api/v1/reservations', s.cookies, { body });
  assert.equal(none.status, 403, none.text);
  assert.ok(isEnvelope(none.body));
  assert.equal(none.body.error.code, 'CSRF_FAILED');

  const wrong = await cookiePost('/api/v1/reservations', s.cookies, { body, csrf: 'f'.repeat(32) });
  assert.equal(wrong.status, 403, wrong.text);
  assert.equal(wrong.body.error.code, 'CSRF_FAILED');

  const noCookie = await cookiePost('/api/v1/reservations', { encore_access: s.cookies.encore_access },
    { body, csrf: s.csrf });
  assert.equal(noCookie.status, 403, 'a header without its cookie is no double submit');

  const mine = await api('GET', '/api/v1/reservations', { token: s.token });
  assert.deepEqual(mine.body.reservations, [], 'the refused attempts reserved nothing');

  const ok = await cookiePost('/api/v1/reservations', s.cookies, { body, csrf: s.csrf });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.reservation.status, 'PENDING');
});

test('refresh rotates the refresh token; reusing the old one revokes the family', async () => {
  const s = await devLogin();
  const first = s.cookies.encore_refresh;

  const noCsrf = await cookiePost('/api/v1/auth/refresh', s.cookies);
  assert.equal(noCsrf.status, 403, noCsrf.text);
  assert.equal(noCsrf.body.error.code, 'CSRF_FAILED');

  const r1 = await cookiePost('/api/v1/auth/refresh', s.cookies, { csrf: s.csrf });
  assert.equal(r1.status, 200, r1.text);
  assert.equal(r1.body.token_type, 'Bearer');
  assert.deepEqual(r1.body.member, s.member);
  const c1 = parseSetCookies(r1.headers);
  assert.match(c1.encore_refresh, /^[0-9a-f]{64}$/);
  assert.notEqual(c1.encore_refresh, first, 'the refresh token rotates');
  assert.ok(c1.encore_access && c1.encore_csrf);
  const me = await api('GET', '/api/v1/me', { token: r1.body.access_token });
  assert.equal(me.status, 200);
  assert.equal(me.body.member.id, s.member.id);

  // A thief replays the first token: refused, and the family is revoked.
  const reuse = await cookiePost('/api/v1/auth/refresh', s.cookies, { csrf: s.csrf });
  assert.equal(reuse.status, 401, reuse.text);
  assert.ok(isEnvelope(reuse.body));
  assert.equal(reuse.body.error.code, 'REFRESH_TOKEN_REUSED');

  // So the owner's current token no longer works either.
  const fresh = { ...s.cookies, ...c1 };
  const after = await cookiePost('/api/v1/auth/refresh', fresh, { csrf: c1.encore_csrf });
  assert401(after, 'the rotated-in token after reuse');
  const row = psql(`SELECT count(*) FILTER (WHERE revoked_at IS NULL), count(*) FROM encore.refresh_tokens
                    WHERE member_id = ${s.member.id}`);
  assert.deepEqual(row, [['0', '2']], 'both tokens of the family are revoked');
});

test('refresh without a refresh cookie is 401', async () => {
  const res = await api('POST', '/api/v1/auth/refresh', { headers: { 'x-csrf-token': 'a'.repeat(32), cookie: `encore_csrf=${'a'.repeat(32)}` } });
  assert401(res, 'no refresh cookie');
  const bogus = await api('POST', '/api/v1/auth/refresh', {
    headers: { 'x-csrf-token': 'a'.repeat(32), cookie: `encore_csrf=${'a'.repeat(32)}; encore_refresh=${'0'.repeat(64)}` },
  });
  assert401(bogus, 'unknown refresh token');
});

test('logout answers 204, clears the cookies and revokes the refresh token', async () => {
  const s = await devLogin();
  const out = await cookiePost('/api/v1/auth/logout', s.cookies, { csrf: s.csrf });
  assert.equal(out.status, 204, out.text);
  assert.equal(out.text, '');
  for (const name of ['encore_access', 'encore_refresh', 'encore_csrf']) {
    assert.match(cookieLine(out, name) ?? '', /Max-Age=0/, `${name} is cleared`);
  }
  const again = await cookiePost('/api/v1/auth/refresh', s.cookies, { csrf: s.csrf });
  assert401(again, 'refresh after logout');

  const anonymous = await api('POST', '/api/v1/auth/logout');
  assert.equal(anonymous.status, 204, 'logout without a session is harmless');
});

test('dev login rejects what is not an email, and names the field', async () => {
  const cases = [
    [{}, 'email'],
    [{ email: '' }, 'email'],
    [{ email: 'not-an-email' }, 'email'],
    [{ email: 'two@@example.com' }, 'email'],
    [{ email: 'a b@example.com' }, 'email'],
    [{ email: '<script>@example.com' }, 'email'],
    [{ email: 42 }, 'email'],
    [{ email: ['x@example.com'] }, 'email'],
    [{ email: `${'a'.repeat(250)}@example.com` }, 'email'],
    [{ email: uniqueEmail(), name: 'n'.repeat(101) }, 'name'],
    [{ email: uniqueEmail(), name: 7 }, 'name'],
  ];
  for (const [body, field] of cases) {
    const res = await api('POST', '/api/v1/auth/dev-login', { body });
    assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 60)}: ${res.text}`);
    assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    assert.ok(res.body.error.details.fields[field], `${JSON.stringify(body).slice(0, 60)} names ${field}: ${res.text}`);
  }
  const text = await api('POST', '/api/v1/auth/dev-login', { raw: 'email=x@example.com', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(text.status, 415);
  assert.equal(text.body.error.code, 'UNSUPPORTED_MEDIA_TYPE');
  const get = await api('GET', '/api/v1/auth/dev-login');
  assert.equal(get.status, 405);
  assert.equal(get.body.error.code, 'METHOD_NOT_ALLOWED');
  assert.equal(get.headers.get('allow'), 'POST');
});

test('an email of the admin setting logs in as admin; others as member', async () => {
  const admin = await adminLogin();
  assert.equal(admin.member.role, 'admin');
  assert.equal(jwtClaims(admin.token).role, 'admin');
  const me = await api('GET', '/api/v1/me', { token: admin.token });
  assert.equal(me.body.member.role, 'admin');
  const fan = await devLogin();
  assert.equal(fan.member.role, 'member');
});

/**
 * The browser's part of Google sign-in, by hand: encore's login redirect,
 * the stand-in's consent form, its redirect back with code and state.
 * Returns the jar (with encore_oauth) and the callback URL, not yet visited.
 */
async function googleConsent(email, name = 'Google Fan') {
  const jar = new CookieJar();
  const start = await jar.fetch('/auth/google/login');
  assert.equal(start.status, 302, start.text);
  const authorize = new URL(start.headers.get('location'));
  assert.equal(authorize.origin, new URL(GOOGLE).origin);
  assert.equal(authorize.pathname, '/o/oauth2/v2/auth');
  const state = authorize.searchParams.get('state');
  assert.ok(state && state.length >= 16);
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  assert.match(authorize.searchParams.get('code_challenge') ?? '', /^[\w-]{43}$/);
  assert.equal(authorize.searchParams.get('response_type'), 'code');
  const oauth = jar.get('encore_oauth');
  assert.equal(oauth?.value, state, 'the state cookie carries the state');
  assert.equal(oauth.path, '/auth/google');
  assert.ok(oauth.attr.httponly);

  const page = await fetch(authorize, { redirect: 'manual' });
  assert.equal(page.status, 200);
  const html = await page.text();
  const requestId = html.match(/name="request_id" value="([^"]+)"/)?.[1];
  assert.ok(requestId, 'the consent form has a request id');

  const approve = await fetch(new URL('/o/oauth2/v2/auth/approve', GOOGLE), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request_id: requestId, email, name, action: 'continue' }),
    redirect: 'manual',
  });
  assert.equal(approve.status, 302);
  const callback = new URL(approve.headers.get('location'));
  assert.equal(callback.origin + callback.pathname, `${BASE}/auth/google/callback`);
  assert.equal(callback.searchParams.get('state'), state);
  assert.ok(callback.searchParams.get('code'));
  return { jar, callback, state, code: callback.searchParams.get('code') };
}

async function googleLogin(email, name) {
  const { jar, callback } = await googleConsent(email, name);
  const done = await jar.fetch(callback.href);
  assert.equal(done.status, 302, done.text);
  assert.equal(done.headers.get('location'), '/');
  assert.ok(jar.get('encore_access') && jar.get('encore_refresh') && jar.get('encore_csrf'), 'session cookies set');
  assert.equal(jar.get('encore_oauth'), undefined, 'the state cookie is cleared');
  const me = await jar.fetch('/api/v1/me');
  assert.equal(me.status, 200, me.text);
  return { jar, member: me.body.member };
}

test('Google sign-in through the stand-in; the member is found again by subject', async () => {
  const email = uniqueEmail('google');
  const first = await googleLogin(email, 'Grace Hopper');
  assert.equal(first.member.email, email);
  assert.equal(first.member.name, 'Grace Hopper');
  assert.equal(first.member.role, 'member');
  const [[provider, subject]] = psql(`SELECT provider, subject FROM encore.members WHERE id = ${first.member.id}`);
  assert.equal(provider, 'google');
  assert.match(subject, /^\d{21}$/);

  const second = await googleLogin(email, 'Grace B. Hopper');
  assert.equal(second.member.id, first.member.id, 'same Google subject, same member');
  assert.equal(second.member.name, 'Grace B. Hopper', 'the profile is refreshed at login');

  // The Google session is an ordinary session: the cookie refresh works.
  const csrf = second.jar.get('encore_csrf').value;
  const r = await second.jar.fetch('/api/v1/auth/refresh', { method: 'POST', headers: { 'x-csrf-token': csrf } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.member.id, first.member.id);
});

test('Google callback: a state that is not this browser\'s is refused, a replayed code too', async () => {
  const { jar, callback, code } = await googleConsent(uniqueEmail('google'));

  // Another browser's (the attacker's) cookie, or none, with this state.
  const other = new CookieJar();
  await other.fetch('/auth/google/login');
  const mismatch = await other.fetch(callback.href);
  assert401(mismatch, 'state cookie of another login');
  assert.equal(other.get('encore_access'), undefined);
  const bare = await fetch(callback, { redirect: 'manual' });
  assert.equal(bare.status, 401, 'no state cookie');
  assert.ok(isEnvelope(await bare.json()));

  // The rightful browser still completes (the refusals used nothing up).
  const ok = await jar.fetch(callback.href);
  assert.equal(ok.status, 302, ok.text);

  // Replaying the same code with a fresh, valid state is refused.
  const replay = new CookieJar();
  const start = await replay.fetch('/auth/google/login');
  const state = new URL(start.headers.get('location')).searchParams.get('state');
  const again = new URL(`${BASE}/auth/google/callback`);
  again.search = new URLSearchParams({ code, state }).toString();
  const res = await replay.fetch(again.href);
  assert401(res, 'replayed code');
  assert.equal(replay.get('encore_access'), undefined, 'no session for a replayed code');

  // The state of the first login was consumed: replaying the whole callback fails.
  const twice = await jar.fetch(callback.href);
  assert.equal(twice.status, 401, twice.text);
});

test('GET /api/v1/config tells the UI what this deployment offers', async () => {
  const res = await api('GET', '/api/v1/config');
  assert.equal(res.status, 200);
  assert.equal(res.body.dev_login, true);
  assert.equal(res.body.google_login, true);
  assert.equal(typeof res.body.checkout_url, 'string');
  assert.ok(new URL(res.body.checkout_url));
  assert.ok('toss_client_key' in res.body);
  const post = await api('POST', '/api/v1/config', { body: {} });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET');
  assert.ok(isEnvelope(post.body));
});
