#!/usr/bin/env node
// A local stand-in for Google sign-in: the OAuth 2.0 authorization-code flow
// with PKCE (S256) as accounts.google.com and oauth2.googleapis.com run it,
// so encore's login code talks to it over real HTTP: only the URLs differ.
//
//   GET  /o/oauth2/v2/auth          validate the request, show a consent form
//   POST /o/oauth2/v2/auth/approve  the form's target: 302 to redirect_uri
//                                   with code and state (or error)
//   POST /token                     code + code_verifier -> access_token,
//                                   id_token (RS256, keys at /oauth2/v3/certs)
//   GET  /v1/userinfo               (also /oauth2/v3/userinfo) the profile
// plus /.well-known/openid-configuration and test-only controls under
// /__control/ (see README.md). State is in memory.

import { createHash, generateKeyPairSync, createSign } from 'node:crypto';
import {
	Behaviours, HttpError, RequestLog, escapeHtml, isHttpUrl, parseJsonBody,
	randomHex, randomText, readBody, readOptions, redirect, sendHtml, sendJson,
	serve, sleep, withParams,
} from './lib/common.mjs';

const opts = readOptions('google', 8092, 'GOOGLE_PORT', {
	'client-id': { env: 'GOOGLE_CLIENT_ID', default: 'encore-local-client' },
	'client-secret': { env: 'GOOGLE_CLIENT_SECRET',
	    default: 'encore-local-secret' },
	'redirect-uris': { env: 'GOOGLE_REDIRECT_URIS', default: '' },
	issuer: { env: 'GOOGLE_ISSUER', default: 'https://accounts.google.com' },
});
const CLIENT_ID = opts['client-id'];
const CLIENT_SECRET = opts['client-secret'];
// Registered redirect URIs; empty means "any absolute http(s) URL".
const REDIRECT_URIS = opts['redirect-uris'].split(',').filter((u) => u !== '');
const ISSUER = opts.issuer;

const PENDING_TTL_MS = 30 * 60 * 1000;
const CODE_TTL_MS = 10 * 60 * 1000;
const TOKEN_TTL_S = 3599;
const HOLD_MS = 60 * 1000;
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const SCOPE_EMAIL = 'https://www.googleapis.com/auth/userinfo.email';
const SCOPE_PROFILE = 'https://www.googleapis.com/auth/userinfo.profile';
const SCOPES = {
	openid: 'openid', email: SCOPE_EMAIL, profile: SCOPE_PROFILE,
	[SCOPE_EMAIL]: SCOPE_EMAIL, [SCOPE_PROFILE]: SCOPE_PROFILE,
};

// The id_token signing key, fresh for each run, published as a JWKS.
const { privateKey, publicKey } = generateKeyPairSync('rsa',
    { modulusLength: 2048 });
const KEY_ID = randomHex(20);

const pending = new Map();	// consent form id -> validated auth request
const codes = new Map();	// authorization code -> grant
const tokens = new Map();	// access token -> { user, scope, expiresAt }
const requests = new RequestLog();
const behaviours = new Behaviours({
	token: ['ok', 'error5xx', 'timeout', 'slow'],
	userinfo: ['ok', 'error5xx', 'timeout', 'slow'],
});
let baseUrl = 'http://127.0.0.1';

// ---- users -----------------------------------------------------------------

// Google's sub is a 21-digit number, stable per account: derive it from the
// email so the same person signs in as the same sub every time.
function subjectOf(email) {
	const digest = createHash('sha256').update(email.toLowerCase()).digest();
	return '1' + (digest.readBigUInt64BE(0) * 1000n +
	    BigInt(digest.readUInt16BE(8) % 1000)).toString().padStart(20, '0')
	    .slice(-20);
}

function defaultName(email) {
	const local = email.split('@')[0].replace(/[._-]+/g, ' ').trim();
	return local.replace(/\b\w/g, (c) => c.toUpperCase()) || 'Encore Fan';
}

function profile(user, scope) {
	const granted = scope.split(' ');
	const out = { sub: subjectOf(user.email) };
	if (granted.includes(SCOPE_PROFILE)) {
		const [given, ...family] = user.name.split(' ');
		out.name = user.name;
		out.given_name = given;
		if (family.length > 0)
			out.family_name = family.join(' ');
		out.picture = `${baseUrl}/avatar/${out.sub}.svg`;
	}
	if (granted.includes(SCOPE_EMAIL)) {
		out.email = user.email;
		out.email_verified = true;
	}
	return out;
}

// ---- GET /o/oauth2/v2/auth ---------------------------------------------------

function errorPage(status, code, detail) {
	return new HttpError(status, `<!doctype html><html lang="en"><head>` +
	    `<meta charset="utf-8"><title>Error ${status}: ${escapeHtml(code)}` +
	    `</title></head><body><h1>Access blocked: authorization error</h1>` +
	    `<p><strong>Error ${status}: ${escapeHtml(code)}</strong></p>` +
	    `<p>${escapeHtml(detail)}</p></body></html>\n`);
}

function redirectAllowed(uri) {
	if (!isHttpUrl(uri))
		return false;
	return REDIRECT_URIS.length === 0 || REDIRECT_URIS.includes(uri);
}

// Returns [error, description] for a request whose client and redirect_uri
// are fine but something else is wrong: those go back to the client.
function requestProblem(q) {
	if (q.response_type === undefined)
		return ['invalid_request', 'Required parameter is missing: response_type'];
	if (q.response_type !== 'code')
		return ['unsupported_response_type',
		    `Invalid response_type: ${q.response_type}`];
	if (q.scope === undefined || q.scope.trim() === '')
		return ['invalid_request', 'Missing required parameter: scope'];
	const unknown = q.scope.split(/\s+/).filter((s) => s && !(s in SCOPES));
	if (unknown.length > 0)
		return ['invalid_scope', `Some requested scopes were invalid: ${unknown}`];
	if (q.code_challenge === undefined)
		return ['invalid_request', 'Missing required parameter: code_challenge'];
	if (q.code_challenge_method !== 'S256')
		return ['invalid_request', 'code_challenge_method must be S256'];
	if (!/^[A-Za-z0-9._~-]{43,128}$/.test(q.code_challenge))
		return ['invalid_request', 'Invalid code_challenge'];
	if (q.prompt === 'none')
		return ['interaction_required', 'The user must sign in and consent'];
	return null;
}

function authorize(req, res, url) {
	if (req.method !== 'GET')
		throw errorPage(405, 'method_not_allowed', 'Use GET.');
	const q = Object.fromEntries(url.searchParams);
	if (q.client_id !== CLIENT_ID)
		throw errorPage(401, 'invalid_client', 'The OAuth client was not found.');
	if (!redirectAllowed(q.redirect_uri))
		throw errorPage(400, 'redirect_uri_mismatch',
		    `The redirect URI in the request, ${q.redirect_uri ?? '(none)'}, ` +
		    'does not match the ones authorized for the OAuth client.');
	const problem = requestProblem(q);
	if (problem !== null) {
		const params = { error: problem[0], error_description: problem[1] };
		if (q.state !== undefined)
			params.state = q.state;
		redirect(res, withParams(q.redirect_uri, params));
		return;
	}
	const id = randomText(32, B64URL);
	pending.set(id, {
		redirect_uri: q.redirect_uri, state: q.state, nonce: q.nonce,
		scope: [...new Set(q.scope.split(/\s+/).filter((s) => s)
		    .map((s) => SCOPES[s]))].join(' '),
		code_challenge: q.code_challenge,
		expiresAt: Date.now() + PENDING_TTL_MS,
	});
	const email = q.login_hint ?? 'fan@example.com';
	sendHtml(res, 200, consentPage(id, email, defaultName(email), null));
}

function consentPage(id, email, name, problem) {
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in - Google Accounts (local stand-in)</title>
<style>
body { font-family: sans-serif; max-width: 26rem; margin: 3rem auto; }
label { display: block; margin: 1rem 0 .25rem; }
input { width: 100%; padding: .5rem; box-sizing: border-box; }
.problem { color: #b00020; }
.actions { margin-top: 1.5rem; display: flex; gap: 1rem; }
</style></head>
<body>
<h1>Sign in with Google</h1>
<p>Local stand-in: choose who you are. <strong>${escapeHtml(CLIENT_ID)}</strong>
wants to see your name, email address and profile picture.</p>
${problem === null ? '' : `<p class="problem" role="alert">${escapeHtml(problem)}</p>`}
<form method="post" action="/o/oauth2/v2/auth/approve">
<input type="hidden" name="request_id" value="${escapeHtml(id)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" required value="${escapeHtml(email)}">
<label for="name">Name</label>
<input id="name" name="name" type="text" value="${escapeHtml(name)}">
<div class="actions">
<button type="submit" name="action" value="continue">Continue</button>
<button type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
</div>
</form>
</body></html>
`;
}

// ---- POST /o/oauth2/v2/auth/approve -----------------------------------------

const EMAIL = /^[^\s@<>"]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

function approve(req, res, raw) {
	if (req.method !== 'POST')
		throw errorPage(405, 'method_not_allowed',
		    'Consent is given by submitting the form (POST).');
	const form = new URLSearchParams(raw);
	const id = form.get('request_id') ?? '';
	const request = pending.get(id);
	if (request === undefined || request.expiresAt < Date.now())
		throw errorPage(400, 'invalid_request',
		    'This sign-in request is unknown or has expired. Start again.');
	const back = (params) => {
		pending.delete(id);
		if (request.state !== undefined)
			params.state = request.state;
		redirect(res, withParams(request.redirect_uri, params));
	};
	if (form.get('action') === 'cancel') {
		back({ error: 'access_denied' });
		return;
	}
	const email = (form.get('email') ?? '').trim().toLowerCase();
	let name = (form.get('name') ?? '').trim().slice(0, 100);
	if (!EMAIL.test(email) || email.length > 254) {
		sendHtml(res, 400, consentPage(id, email, name,
		    'Enter a valid email address.'));
		return;
	}
	if (name === '')
		name = defaultName(email);
	const code = '4/0A' + randomText(70, B64URL);
	codes.set(code, {
		...request, user: { email, name },
		expiresAt: Date.now() + CODE_TTL_MS, used: false, tokens: [],
	});
	back({ code, scope: request.scope, authuser: '0', prompt: 'consent' });
}

// ---- POST /token -------------------------------------------------------------

function oauthError(status, error, description) {
	return new HttpError(status, { error, error_description: description },
	    { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
}

function clientCredentials(req, form) {
	const header = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
	if (header !== null) {
		// RFC 6749 2.3.1: both halves are form-urlencoded before joining.
		const text = Buffer.from(header[1], 'base64').toString('utf8');
		const colon = text.indexOf(':');
		const decode = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
		try {
			return { id: decode(text.slice(0, colon)),
			    secret: decode(text.slice(colon + 1)) };
		} catch {
			return { id: null, secret: null };
		}
	}
	return { id: form.client_id, secret: form.client_secret };
}

function base64url(data) {
	return Buffer.from(data).toString('base64url');
}

function idToken(grant, accessToken) {
	const now = Math.floor(Date.now() / 1000);
	const digest = createHash('sha256').update(accessToken).digest();
	const claims = {
		iss: ISSUER, azp: CLIENT_ID, aud: CLIENT_ID,
		...profile(grant.user, grant.scope),
		at_hash: base64url(digest.subarray(0, 16)),
		...(grant.nonce === undefined ? {} : { nonce: grant.nonce }),
		iat: now, exp: now + 3600,
	};
	const head = base64url(JSON.stringify({ alg: 'RS256', kid: KEY_ID, typ: 'JWT' }));
	const body = base64url(JSON.stringify(claims));
	const signature = createSign('RSA-SHA256').update(`${head}.${body}`)
	    .sign(privateKey).toString('base64url');
	return `${head}.${body}.${signature}`;
}

function readForm(req, raw) {
	const type = req.headers['content-type'] ?? '';
	if (type.startsWith('application/json')) {
		const body = parseJsonBody(raw);
		return body !== null && typeof body === 'object' ? body : {};
	}
	return Object.fromEntries(new URLSearchParams(raw));
}

async function token(req, res, raw) {
	if (req.method !== 'POST')
		throw oauthError(405, 'invalid_request', 'Use POST.');
	const form = readForm(req, raw);
	const client = clientCredentials(req, form);
	if (client.id !== CLIENT_ID)
		throw oauthError(401, 'invalid_client', 'The OAuth client was not found.');
	if (client.secret !== CLIENT_SECRET)
		throw oauthError(401, 'invalid_client', 'Unauthorized');
	if (form.grant_type !== 'authorization_code')
		throw oauthError(400, 'unsupported_grant_type',
		    `Invalid grant_type: ${form.grant_type ?? ''}`);
	if (!form.code)
		throw oauthError(400, 'invalid_request', 'Missing required parameter: code');
	if (await misbehave('token', res))
		return;
	const grant = codes.get(form.code);
	if (grant === undefined)
		throw oauthError(400, 'invalid_grant', 'Malformed auth code.');
	if (grant.used) {
		// A replayed code is a sign of theft: revoke what it bought.
		for (const t of grant.tokens)
			tokens.delete(t);
		throw oauthError(400, 'invalid_grant', 'Code was already redeemed.');
	}
	if (grant.expiresAt < Date.now())
		throw oauthError(400, 'invalid_grant', 'Code has expired.');
	if (form.redirect_uri !== grant.redirect_uri)
		throw oauthError(400, 'redirect_uri_mismatch', 'Bad Request');
	if (!form.code_verifier)
		throw oauthError(400, 'invalid_grant', 'Missing code verifier.');
	const challenge = createHash('sha256').update(form.code_verifier)
	    .digest('base64url');
	if (challenge !== grant.code_challenge)
		throw oauthError(400, 'invalid_grant', 'Invalid code verifier.');

	grant.used = true;
	const accessToken = 'ya29.' + randomText(120, B64URL);
	tokens.set(accessToken, { user: grant.user, scope: grant.scope,
	    expiresAt: Date.now() + TOKEN_TTL_S * 1000 });
	grant.tokens.push(accessToken);
	const answer = { access_token: accessToken, expires_in: TOKEN_TTL_S,
	    token_type: 'Bearer', scope: grant.scope };
	if (grant.scope.split(' ').includes('openid'))
		answer.id_token = idToken(grant, accessToken);
	sendJson(res, 200, answer, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
}

// ---- GET /v1/userinfo ----------------------------------------------------------

function invalidToken(description) {
	return new HttpError(401, { error: 'invalid_token',
	    error_description: description }, { 'WWW-Authenticate':
	    `Bearer realm="${ISSUER}/", error="invalid_token"` });
}

async function userinfo(req, res, url) {
	if (req.method !== 'GET' && req.method !== 'POST')
		throw oauthError(405, 'invalid_request', 'Use GET.');
	const header = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
	const presented = header?.[1] ?? url.searchParams.get('access_token');
	if (!presented)
		throw invalidToken('Missing access token');
	if (await misbehave('userinfo', res))
		return;
	const grant = tokens.get(presented);
	if (grant === undefined || grant.expiresAt < Date.now())
		throw invalidToken('Invalid Credentials');
	sendJson(res, 200, profile(grant.user, grant.scope));
}

// Applies a behaviour rule; true when the answer is already taken care of.
async function misbehave(operation, res) {
	const { mode, delay_ms: delay } = behaviours.take(operation, null);
	if (mode === 'error5xx')
		throw oauthError(503, 'temporarily_unavailable',
		    'The service is currently unavailable.');
	if (mode === 'timeout') {
		const timer = setTimeout(() => res.destroy(), HOLD_MS);
		res.on('close', () => clearTimeout(timer));
		return true;
	}
	if (mode === 'slow')
		await sleep(delay);
	return false;
}

// ---- discovery, keys, avatars ---------------------------------------------------

function discovery() {
	return {
		issuer: ISSUER,
		authorization_endpoint: `${baseUrl}/o/oauth2/v2/auth`,
		token_endpoint: `${baseUrl}/token`,
		userinfo_endpoint: `${baseUrl}/v1/userinfo`,
		jwks_uri: `${baseUrl}/oauth2/v3/certs`,
		response_types_supported: ['code'],
		subject_types_supported: ['public'],
		id_token_signing_alg_values_supported: ['RS256'],
		scopes_supported: ['openid', 'email', 'profile'],
		token_endpoint_auth_methods_supported:
		    ['client_secret_post', 'client_secret_basic'],
		code_challenge_methods_supported: ['S256'],
		grant_types_supported: ['authorization_code'],
	};
}

function jwks() {
	const jwk = publicKey.export({ format: 'jwk' });
	return { keys: [{ ...jwk, kid: KEY_ID, alg: 'RS256', use: 'sig' }] };
}

function avatar(res, sub) {
	const hue = Number(BigInt(sub) % 360n);
	const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96">` +
	    `<rect width="96" height="96" rx="48" fill="hsl(${hue},55%,45%)"/>` +
	    `<circle cx="48" cy="38" r="16" fill="#fff"/>` +
	    `<rect x="22" y="60" width="52" height="26" rx="13" fill="#fff"/></svg>`;
	res.writeHead(200, { 'Content-Type': 'image/svg+xml',
	    'Content-Length': Buffer.byteLength(svg), 'Cache-Control': 'max-age=3600' });
	res.end(svg);
}

// ---- /__control ------------------------------------------------------------------

async function control(req, res, url) {
	const raw = req.method === 'POST' ? await readBody(req) : '';
	const route = `${req.method} ${url.pathname}`;
	switch (route) {
	case 'GET /__control/requests':
		sendJson(res, 200, { requests: requests.entries });
		return;
	case 'POST /__control/reset':
		pending.clear();
		codes.clear();
		tokens.clear();
		requests.clear();
		behaviours.clear();
		sendJson(res, 200, { reset: true });
		return;
	case 'POST /__control/behaviour':
		sendJson(res, 200, behaviours.set(parseJsonBody(raw)));
		return;
	case 'GET /__control/behaviour':
		sendJson(res, 200, behaviours.list());
		return;
	}
	throw new HttpError(404, { error: 'not_found',
	    error_description: `no control endpoint ${route}` });
}

// ---- routing ------------------------------------------------------------------------

const server = serve('google', opts.port, async (req, res, url) => {
	const path = url.pathname;
	if (path.startsWith('/__control/'))
		return control(req, res, url);

	const raw = req.method === 'POST' ? await readBody(req) : null;
	const entry = requests.add({
		time: new Date().toISOString(), method: req.method, path,
		query: Object.fromEntries(url.searchParams),
		body: raw === null || raw === '' ? null : readForm(req, raw),
		status: null,
	});
	res.on('close', () => {
		entry.status = res.writableFinished ? res.statusCode : null;
	});

	let m;
	switch (path) {
	case '/o/oauth2/v2/auth':
		return authorize(req, res, url);
	case '/o/oauth2/v2/auth/approve':
		return approve(req, res, raw ?? '');
	case '/token':
		return token(req, res, raw ?? '');
	case '/v1/userinfo':
	case '/oauth2/v3/userinfo':
		return userinfo(req, res, url);
	case '/.well-known/openid-configuration':
		return sendJson(res, 200, discovery());
	case '/oauth2/v3/certs':
		return sendJson(res, 200, jwks());
	case '/healthz':
		return sendJson(res, 200, { status: 'ok' });
	}
	if ((m = /^\/avatar\/(1\d{20})\.svg$/.exec(path)))
		return avatar(res, m[1]);
	throw new HttpError(404, { error: 'not_found',
	    error_description: `no endpoint ${path}` });
});
server.on('listening', () => {
	baseUrl = `http://127.0.0.1:${server.address().port}`;
});
