// The Google sign-in stand-in, driven as a browser and encore's server would.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, createVerify, randomBytes } from 'node:crypto';
import { start, call, sleep } from '../lib/harness.mjs';

const CLIENT_ID = 'encore-local-client';
const CLIENT_SECRET = 'encore-local-secret';
const REDIRECT = 'http://127.0.0.1:18080/auth/google/callback';

let google;
before(async () => {
	google = await start('google.mjs', ['--redirect-uris',
	    `${REDIRECT},http://localhost:8080/auth/google/callback`]);
});
after(async () => {
	const { code } = await google.stop();
	assert.equal(code, 0, 'exits cleanly on SIGTERM');
});
beforeEach(async () => { await call(google.base, '/__control/reset', { method: 'POST' }); });

function pkce() {
	const verifier = randomBytes(32).toString('base64url');
	const challenge = createHash('sha256').update(verifier).digest('base64url');
	return { verifier, challenge };
}

function authQuery(overrides = {}) {
	const { challenge } = overrides.pkce ?? pkce();
	const q = { client_id: CLIENT_ID, redirect_uri: REDIRECT, response_type: 'code',
	    scope: 'openid email profile', state: 'st-123', code_challenge: challenge,
	    code_challenge_method: 'S256', ...overrides };
	delete q.pkce;
	for (const [k, v] of Object.entries(q))
		if (v === undefined)
			delete q[k];
	return new URLSearchParams(q).toString();
}

function requestIdOf(html) {
	return /name="request_id" value="([^"]+)"/.exec(html)[1];
}

// The whole browser side: consent page, form POST; returns the callback URL.
async function signIn({ email = 'fan@example.com', name = 'Encore Fan',
    scope = 'openid email profile', nonce } = {}) {
	const keys = pkce();
	const page = await call(google.base,
	    `/o/oauth2/v2/auth?${authQuery({ pkce: keys, scope, nonce })}`);
	assert.equal(page.status, 200);
	const approved = await call(google.base, '/o/oauth2/v2/auth/approve', {
	    method: 'POST', form: { request_id: requestIdOf(page.text), email, name,
	        action: 'continue' } });
	assert.equal(approved.status, 302);
	const back = new URL(approved.headers.get('location'));
	return { back, code: back.searchParams.get('code'), verifier: keys.verifier };
}

function exchange(form, headers = {}) {
	return call(google.base, '/token', { method: 'POST', form, headers });
}

function tokenForm(code, verifier, extra = {}) {
	return { code, client_id: CLIENT_ID, client_secret: CLIENT_SECRET,
	    redirect_uri: REDIRECT, grant_type: 'authorization_code',
	    code_verifier: verifier, ...extra };
}

function userinfo(token, path = '/v1/userinfo') {
	return call(google.base, path, { headers: { Authorization: `Bearer ${token}` } });
}

test('consent page: a plain form, no script, email from login_hint or the default', async () => {
	const res = await call(google.base,
	    `/o/oauth2/v2/auth?${authQuery({ login_hint: 'minji@example.com' })}`);
	assert.equal(res.status, 200);
	assert.match(res.headers.get('content-type'), /text\/html/);
	assert.match(res.headers.get('content-security-policy'), /default-src 'none'/);
	assert.doesNotMatch(res.text, /<script/i);
	assert.match(res.text, /<form method="post" action="\/o\/oauth2\/v2\/auth\/approve">/);
	assert.match(res.text, /name="email"[^>]*value="minji@example.com"/);
	assert.match(res.text, /name="name"/);
	assert.match(res.text, /<button[^>]*value="continue"[^>]*>Continue<\/button>/);
	const plain = await call(google.base, `/o/oauth2/v2/auth?${authQuery()}`);
	assert.match(plain.text, /value="fan@example.com"/);
	const xss = await call(google.base,
	    `/o/oauth2/v2/auth?${authQuery({ login_hint: '"><script>x</script>' })}`);
	assert.doesNotMatch(xss.text, /<script>x/);
});

test('authorize: client and redirect_uri problems are pages, the rest go back with error', async () => {
	let res = await call(google.base, `/o/oauth2/v2/auth?${authQuery({ client_id: 'other' })}`);
	assert.equal(res.status, 401);
	assert.match(res.text, /invalid_client/);
	res = await call(google.base,
	    `/o/oauth2/v2/auth?${authQuery({ redirect_uri: 'http://evil.test/cb' })}`);
	assert.equal(res.status, 400);
	assert.match(res.text, /redirect_uri_mismatch/);
	res = await call(google.base, `/o/oauth2/v2/auth?${authQuery({ redirect_uri: undefined })}`);
	assert.equal(res.status, 400);

	const cases = [
		[{ response_type: undefined }, 'invalid_request'],
		[{ response_type: 'token' }, 'unsupported_response_type'],
		[{ scope: undefined }, 'invalid_request'],
		[{ scope: 'openid drive' }, 'invalid_scope'],
		[{ code_challenge: undefined }, 'invalid_request'],
		[{ code_challenge_method: 'plain' }, 'invalid_request'],
		[{ code_challenge_method: undefined }, 'invalid_request'],
		[{ code_challenge: 'short' }, 'invalid_request'],
		[{ prompt: 'none' }, 'interaction_required'],
	];
	for (const [overrides, error] of cases) {
		res = await call(google.base, `/o/oauth2/v2/auth?${authQuery(overrides)}`);
		assert.equal(res.status, 302, JSON.stringify(overrides));
		const back = new URL(res.headers.get('location'));
		assert.equal(back.origin + back.pathname, REDIRECT);
		assert.equal(back.searchParams.get('error'), error, JSON.stringify(overrides));
		assert.equal(back.searchParams.get('state'), 'st-123');
		assert.equal(back.searchParams.get('code'), null);
	}
});

test('consent must be a POST of a known, unused request', async () => {
	const page = await call(google.base, `/o/oauth2/v2/auth?${authQuery()}`);
	const id = requestIdOf(page.text);
	const get = await call(google.base,
	    `/o/oauth2/v2/auth/approve?request_id=${id}&email=fan@example.com`);
	assert.equal(get.status, 405);
	const unknown = await call(google.base, '/o/oauth2/v2/auth/approve', { method: 'POST',
	    form: { request_id: 'nope', email: 'fan@example.com', action: 'continue' } });
	assert.equal(unknown.status, 400);
	const badEmail = await call(google.base, '/o/oauth2/v2/auth/approve', { method: 'POST',
	    form: { request_id: id, email: 'not-an-email', action: 'continue' } });
	assert.equal(badEmail.status, 400);
	assert.match(badEmail.text, /valid email/);
	const ok = await call(google.base, '/o/oauth2/v2/auth/approve', { method: 'POST',
	    form: { request_id: id, email: 'Fan@Example.com', name: '', action: 'continue' } });
	assert.equal(ok.status, 302);
	const back = new URL(ok.headers.get('location'));
	assert.equal(back.searchParams.get('state'), 'st-123');
	assert.match(back.searchParams.get('code'), /^4\/0A/);
	const again = await call(google.base, '/o/oauth2/v2/auth/approve', { method: 'POST',
	    form: { request_id: id, email: 'fan@example.com', action: 'continue' } });
	assert.equal(again.status, 400);
});

test('cancel on the consent page answers access_denied', async () => {
	const page = await call(google.base, `/o/oauth2/v2/auth?${authQuery()}`);
	const res = await call(google.base, '/o/oauth2/v2/auth/approve', { method: 'POST',
	    form: { request_id: requestIdOf(page.text), action: 'cancel' } });
	assert.equal(res.status, 302);
	const back = new URL(res.headers.get('location'));
	assert.equal(back.searchParams.get('error'), 'access_denied');
	assert.equal(back.searchParams.get('state'), 'st-123');
});

test('token: code + verifier give a Bearer token; userinfo returns the profile', async () => {
	const { code, verifier } = await signIn({ email: 'kim.minji@example.com', name: 'Kim Minji' });
	const res = await exchange(tokenForm(code, verifier));
	assert.equal(res.status, 200);
	assert.equal(res.headers.get('cache-control'), 'no-store');
	assert.equal(res.data.token_type, 'Bearer');
	assert.equal(res.data.expires_in, 3599);
	assert.match(res.data.access_token, /^ya29\./);
	assert.match(res.data.scope, /openid/);
	assert.match(res.data.scope, /userinfo\.email/);
	assert.equal(typeof res.data.id_token, 'string');
	for (const path of ['/v1/userinfo', '/oauth2/v3/userinfo']) {
		const me = await userinfo(res.data.access_token, path);
		assert.equal(me.status, 200);
		assert.match(me.data.sub, /^1\d{20}$/);
		assert.equal(me.data.email, 'kim.minji@example.com');
		assert.equal(me.data.email_verified, true);
		assert.equal(me.data.name, 'Kim Minji');
		assert.equal(me.data.given_name, 'Kim');
		assert.match(me.data.picture, /^http:\/\/127\.0\.0\.1:\d+\/avatar\/1\d{20}\.svg$/);
	}
	const me = await userinfo(res.data.access_token);
	const avatar = await call(google.base, new URL(me.data.picture).pathname);
	assert.equal(avatar.status, 200);
	assert.match(avatar.headers.get('content-type'), /image\/svg\+xml/);
	const byQuery = await call(google.base,
	    `/v1/userinfo?access_token=${encodeURIComponent(res.data.access_token)}`);
	assert.equal(byQuery.data.email, 'kim.minji@example.com');
});

test('sub is stable per email and differs between people', async () => {
	const subOf = async (email) => {
		const { code, verifier } = await signIn({ email });
		const t = await exchange(tokenForm(code, verifier));
		return (await userinfo(t.data.access_token)).data.sub;
	};
	const a1 = await subOf('a@example.com');
	const a2 = await subOf('A@example.com');
	const b = await subOf('b@example.com');
	assert.equal(a1, a2);
	assert.notEqual(a1, b);
});

test('the id_token is an RS256 JWT that verifies with the published keys', async () => {
	const { code, verifier } = await signIn({ email: 'jwt@example.com', nonce: 'n-42' });
	const t = await exchange(tokenForm(code, verifier));
	const [head, body, sig] = t.data.id_token.split('.');
	const header = JSON.parse(Buffer.from(head, 'base64url'));
	const claims = JSON.parse(Buffer.from(body, 'base64url'));
	assert.equal(header.alg, 'RS256');
	const jwks = (await call(google.base, '/oauth2/v3/certs')).data;
	const jwk = jwks.keys.find((k) => k.kid === header.kid);
	const key = createPublicKey({ key: jwk, format: 'jwk' });
	assert.ok(createVerify('RSA-SHA256').update(`${head}.${body}`)
	    .verify(key, Buffer.from(sig, 'base64url')));
	assert.equal(claims.aud, CLIENT_ID);
	assert.equal(claims.iss, 'https://accounts.google.com');
	assert.equal(claims.email, 'jwt@example.com');
	assert.equal(claims.nonce, 'n-42');
	assert.ok(claims.exp > claims.iat);
	const me = await userinfo(t.data.access_token);
	assert.equal(claims.sub, me.data.sub);
	const discovery = (await call(google.base, '/.well-known/openid-configuration')).data;
	assert.equal(discovery.token_endpoint, `${google.base}/token`);
	assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
});

test('token errors as Google gives them', async () => {
	const { code, verifier } = await signIn();
	let res = await exchange(tokenForm(code, verifier, { client_secret: 'wrong' }));
	assert.equal(res.status, 401);
	assert.equal(res.data.error, 'invalid_client');
	res = await exchange(tokenForm(code, verifier, { client_id: 'other' }));
	assert.equal(res.status, 401);
	assert.equal(res.data.error, 'invalid_client');
	res = await exchange(tokenForm(code, verifier, { grant_type: 'password' }));
	assert.equal(res.status, 400);
	assert.equal(res.data.error, 'unsupported_grant_type');
	res = await exchange(tokenForm(undefined, verifier, { code: '' }));
	assert.equal(res.data.error, 'invalid_request');
	res = await exchange(tokenForm('4/0Anonsense', verifier));
	assert.equal(res.data.error, 'invalid_grant');
	res = await exchange(tokenForm(code, verifier,
	    { redirect_uri: 'http://localhost:8080/auth/google/callback' }));
	assert.equal(res.status, 400);
	assert.equal(res.data.error, 'redirect_uri_mismatch');
	res = await exchange(tokenForm(code, pkce().verifier));
	assert.equal(res.status, 400);
	assert.equal(res.data.error, 'invalid_grant');
	assert.match(res.data.error_description, /verifier/);
	const noVerifier = tokenForm(code, verifier);
	delete noVerifier.code_verifier;
	res = await exchange(noVerifier);
	assert.equal(res.data.error, 'invalid_grant');
	// None of the failures used the code up.
	res = await exchange(tokenForm(code, verifier));
	assert.equal(res.status, 200);
});

test('a code is one-time: a replay fails and revokes the token it bought', async () => {
	const { code, verifier } = await signIn();
	const first = await exchange(tokenForm(code, verifier));
	assert.equal((await userinfo(first.data.access_token)).status, 200);
	const replay = await exchange(tokenForm(code, verifier));
	assert.equal(replay.status, 400);
	assert.equal(replay.data.error, 'invalid_grant');
	const me = await userinfo(first.data.access_token);
	assert.equal(me.status, 401);
	assert.equal(me.data.error, 'invalid_token');
});

test('client credentials may come by HTTP Basic', async () => {
	const { code, verifier } = await signIn();
	const form = tokenForm(code, verifier);
	delete form.client_id;
	delete form.client_secret;
	const res = await exchange(form, { Authorization: 'Basic ' +
	    Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64') });
	assert.equal(res.status, 200);
});

test('userinfo: bad or missing token is 401 invalid_token; scope limits the fields', async () => {
	let res = await userinfo('ya29.forged');
	assert.equal(res.status, 401);
	assert.equal(res.data.error, 'invalid_token');
	assert.match(res.headers.get('www-authenticate'), /^Bearer .*invalid_token/);
	res = await call(google.base, '/v1/userinfo');
	assert.equal(res.status, 401);
	const { code, verifier } = await signIn({ scope: 'openid email' });
	const t = await exchange(tokenForm(code, verifier));
	const me = await userinfo(t.data.access_token);
	assert.equal(me.data.email, 'fan@example.com');
	assert.equal(me.data.name, undefined);
	const { code: c2, verifier: v2 } = await signIn({ scope: 'email profile' });
	const t2 = await exchange(tokenForm(c2, v2));
	assert.equal(t2.data.id_token, undefined, 'no openid, no id_token');
});

test('behaviours make token and userinfo fail for the next n calls', async () => {
	const { code, verifier } = await signIn();
	await call(google.base, '/__control/behaviour', { method: 'POST',
	    json: { token: 'error5xx', times: 1 } });
	let res = await exchange(tokenForm(code, verifier));
	assert.equal(res.status, 503);
	res = await exchange(tokenForm(code, verifier));
	assert.equal(res.status, 200);
	await call(google.base, '/__control/behaviour', { method: 'POST',
	    json: { userinfo: 'timeout', times: 1 } });
	await assert.rejects(call(google.base, '/v1/userinfo', { timeoutMs: 300,
	    headers: { Authorization: `Bearer ${res.data.access_token}` } }));
	assert.equal((await userinfo(res.data.access_token)).status, 200);
});

test('control requests logs the calls; reset forgets codes and tokens', async () => {
	const { code, verifier } = await signIn();
	const t = await exchange(tokenForm(code, verifier));
	const log = (await call(google.base, '/__control/requests')).data.requests;
	assert.deepEqual(log.map((r) => `${r.method} ${r.path} ${r.status}`), [
		'GET /o/oauth2/v2/auth 200',
		'POST /o/oauth2/v2/auth/approve 302',
		'POST /token 200',
	]);
	assert.equal(log[0].query.code_challenge_method, 'S256');
	assert.equal(log[2].body.grant_type, 'authorization_code');
	await call(google.base, '/__control/reset', { method: 'POST' });
	assert.equal((await call(google.base, '/__control/requests')).data.requests.length, 0);
	assert.equal((await userinfo(t.data.access_token)).status, 401);
});

test('any http(s) redirect_uri is accepted when none are registered', async () => {
	const open = await start('google.mjs');
	try {
		const q = authQuery({ redirect_uri: 'http://127.0.0.1:9999/cb' });
		const res = await call(open.base, `/o/oauth2/v2/auth?${q}`);
		assert.equal(res.status, 200);
		await sleep(10);
	} finally {
		assert.equal((await open.stop()).code, 0);
	}
	assert.match(open.output(), /GET \/o\/oauth2\/v2\/auth 200/);
});
