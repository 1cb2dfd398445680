/*
 * api.js: the one door to /api/v1.
 *
 * The session lives in cookies the page cannot read (encore_access,
 * encore_refresh) plus one it can (encore_csrf). Every unsafe request echoes
 * that last one in X-CSRF-Token. A 401 triggers one refresh (shared by all
 * requests that hit it at the same moment) and one retry; if the refresh
 * fails too, listeners hear "logged out".
 *
 * Errors come back as ApiError carrying the server's envelope
 * {"error":{"code","message","details"}}.
 */

const SAFE = new Set(['GET', 'HEAD']);
const CSRF_COOKIE = 'encore_csrf';

export class ApiError extends Error {
	constructor(status, code, message, details) {
		super(message || code);
		this.status = status;
		this.code = code;
		this.details = details || {};
	}
}

const logoutListeners = new Set();
let refreshing = null;
let skewMs = 0;

export function onLoggedOut(fn) {
	logoutListeners.add(fn);
}

export function csrfToken() {
	for (const part of document.cookie.split(';')) {
		const [name, ...rest] = part.trim().split('=');
		if (name === CSRF_COOKIE)
			return decodeURIComponent(rest.join('='));
	}
	return null;
}

/* Without the readable CSRF cookie there is no session worth asking about. */
export function hasSession() {
	return csrfToken() !== null;
}

/* The server's clock, as far as its Date headers tell: used by countdowns. */
export function serverNow() {
	return Date.now() + skewMs;
}

function noteServerDate(res) {
	const date = res.headers.get('Date');
	if (!date)
		return;
	const server = Date.parse(date);
	if (!Number.isNaN(server))
		skewMs = server - Date.now();
}

async function send(method, path, body, headers) {
	const init = { method, headers: { Accept: 'application/json', ...headers },
	    credentials: 'same-origin', cache: 'no-store' };
	if (body !== undefined) {
		init.headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	if (!SAFE.has(method)) {
		const token = csrfToken();
		if (token)
			init.headers['X-CSRF-Token'] = token;
	}
	try {
		return await fetch(path, init);
	} catch {
		throw new ApiError(0, 'NETWORK', '');
	}
}

async function toError(res) {
	let env = null;
	try {
		env = await res.json();
	} catch {
		/* not JSON: keep the status only */
	}
	const e = env && env.error ? env.error : {};
	return new ApiError(res.status, e.code || `HTTP_${res.status}`,
	    e.message || res.statusText, e.details);
}

function refreshSession() {
	if (!refreshing) {
		refreshing = send('POST', '/api/v1/auth/refresh')
		    .then(res => res.ok)
		    .catch(() => false)
		    .finally(() => { setTimeout(() => { refreshing = null; }, 0); });
	}
	return refreshing;
}

/*
 * request('GET', '/api/v1/me') -> {status, data, etag}
 * opts.etag sends If-None-Match; a 304 returns {status: 304, data: null}.
 * opts.noRefresh skips the 401 -> refresh -> retry dance (login calls).
 */
export async function request(method, path, opts = {}) {
	const headers = {};
	if (opts.etag)
		headers['If-None-Match'] = opts.etag;
	let res = await send(method, path, opts.body, headers);
	if (res.status === 401 && !opts.noRefresh) {
		if (await refreshSession())
			res = await send(method, path, opts.body, headers);
		if (res.status === 401) {
			for (const fn of logoutListeners)
				fn();
		}
	}
	noteServerDate(res);
	if (res.status === 304)
		return { status: 304, data: null, etag: opts.etag };
	if (!res.ok)
		throw await toError(res);
	const data = res.status === 204 ? null : await res.json();
	return { status: res.status, data, etag: res.headers.get('ETag') };
}

export const get = (path, opts) => request('GET', path, opts);
export const post = (path, body, opts) => request('POST', path, { ...opts, body });
