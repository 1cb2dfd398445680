// lib.js: what every encore k6 script shares.
//
// One request helper that speaks the API the way docs/openapi.yaml and the
// contract (api-v1.md) describe it: JSON bodies, Bearer tokens from dev login,
// path templates written exactly as in the OpenAPI document
// ('/api/v1/concerts/{id}/seats'), so scripts/check-k6.sh can verify that every
// path a script uses is documented. Every request is tagged with the
// OpenAPI operationId (tag "op"), which is what the thresholds select on.
//
// Configuration comes from the environment (k6 run -e NAME=value):
//   BASE_URL      encore's base URL            (default http://127.0.0.1:8080)
//   CHECKOUT_URL  the stand-in's checkout page (default http://127.0.0.1:8091/checkout)
//   CONCERT_ID    the concert to use           (default: the first one listed)
//   RUN_ID        makes dev-login emails unique per run (default: start time)

import http from 'k6/http';
import { check, fail } from 'k6';
import { Counter, Rate } from 'k6/metrics';

export const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
export const CHECKOUT_URL = __ENV.CHECKOUT_URL || 'http://127.0.0.1:8091/checkout';

// Every encore response lands in server_errors: true for a 5xx. The scripts'
// thresholds require its rate to be exactly 0 (a client never causes a 500,
// and a 503 under load is a finding too).
export const serverErrors = new Rate('server_errors');
// Requests that got no HTTP answer at all (refused, reset, timed out).
export const networkErrors = new Counter('network_errors');

// The operations the scripts use: [method, path template, operationId], as in
// docs/openapi.yaml. scripts/check-k6.sh checks each pair against it.
export const ROUTES = {
	devLogin: ['POST', '/api/v1/auth/dev-login', 'devLogin'],
	me: ['GET', '/api/v1/me', 'getMe'],
	config: ['GET', '/api/v1/config', 'getConfig'],
	listConcerts: ['GET', '/api/v1/concerts', 'listConcerts'],
	getConcert: ['GET', '/api/v1/concerts/{id}', 'getConcert'],
	sectionSeats: ['GET', '/api/v1/concerts/{id}/seats', 'getSectionSeats'],
	createReservation: ['POST', '/api/v1/reservations', 'createReservation'],
	getReservation: ['GET', '/api/v1/reservations/{id}', 'getReservation'],
	confirmPayment: ['POST', '/api/v1/payments/confirm', 'confirmPayment'],
};

// An integer from the environment, or the default.
export function envInt(name, dflt) {
	const v = __ENV[name];
	if (v === undefined || v === '')
		return dflt;
	const n = parseInt(v, 10);
	if (isNaN(n))
		fail(`${name} must be an integer, got '${v}'`);
	return n;
}

export function randomInt(min, max) {
	return min + Math.floor(Math.random() * (max - min + 1));
}

export function pick(list) {
	return list[Math.floor(Math.random() * list.length)];
}

export function queryString(query) {
	const parts = [];
	for (const key of Object.keys(query || {}))
		parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(query[key]))}`);
	return parts.length ? `?${parts.join('&')}` : '';
}

// The query parameters of a URL (e.g. a Location header), decoded.
export function parseQuery(url) {
	const out = {};
	const q = String(url || '').split('#')[0].split('?')[1];
	if (!q)
		return out;
	for (const part of q.split('&')) {
		if (part === '')
			continue;
		const eq = part.indexOf('=');
		const k = eq < 0 ? part : part.slice(0, eq);
		const v = eq < 0 ? '' : part.slice(eq + 1);
		out[decodeURIComponent(k.replace(/\+/g, ' '))] =
		    decodeURIComponent(v.replace(/\+/g, ' '));
	}
	return out;
}

// A response header by name, whatever the case (k6 canonicalizes "ETag" to
// "Etag").
export function header(res, name) {
	const want = name.toLowerCase();
	for (const key of Object.keys(res.headers || {}))
		if (key.toLowerCase() === want)
			return res.headers[key];
	return undefined;
}

// The JSON body of a response, or null when there is none or it is not JSON.
export function body(res) {
	if (!res.body)
		return null;
	try {
		return JSON.parse(res.body);
	} catch (e) {
		return null;
	}
}

// The error code of an error envelope, or ''.
export function errorCode(res) {
	const b = body(res);
	return b && b.error && b.error.code ? b.error.code : '';
}

/*
 * call(route, opts): one API request.
 *   route    an entry of ROUTES
 *   opts.params   values for the {placeholders} of the path template
 *   opts.query    query parameters
 *   opts.json     request body (sent as application/json)
 *   opts.token    access token (sent as Authorization: Bearer)
 *   opts.headers  extra request headers
 *   opts.expect   statuses that count as expected (http_req_failed)
 */
export function call(route, opts) {
	const o = opts || {};
	const [method, template, op] = route;
	const path = template.replace(/\{(\w+)\}/g, (_, name) => {
		if (!o.params || o.params[name] === undefined)
			fail(`${op}: no value for {${name}}`);
		return encodeURIComponent(String(o.params[name]));
	});
	const headers = Object.assign({ Accept: 'application/json' }, o.headers || {});
	let payload = null;
	if (o.json !== undefined) {
		headers['Content-Type'] = 'application/json';
		payload = JSON.stringify(o.json);
	}
	if (o.token)
		headers.Authorization = `Bearer ${o.token}`;
	const params = { headers, tags: { op, name: `${method} ${template}` } };
	if (o.expect)
		params.responseCallback = http.expectedStatuses(...o.expect);
	const res = http.request(method, BASE_URL + path + queryString(o.query), payload, params);
	if (res.status === 0)
		networkErrors.add(1, { op });
	serverErrors.add(res.status >= 500, { op });
	return res;
}

// Dev login (POST /api/v1/auth/dev-login): {token, member} or null.
export function devLogin(email, name) {
	const res = call(ROUTES.devLogin, { json: { email, name }, expect: [200] });
	const b = body(res);
	const ok = check(res, {
		'dev login: 200': (r) => r.status === 200,
		'dev login: Bearer token': () => b !== null && typeof b.access_token === 'string' &&
		    b.token_type === 'Bearer',
	});
	if (!ok)
		return null;
	return { token: b.access_token, member: b.member };
}

// A dev-login email that is unique for this run, script and VU (and
// iteration, when given), so repeated runs never share members.
export function memberEmail(runId, kind, vu, iter) {
	const tail = iter === undefined ? `${vu}` : `${vu}-${iter}`;
	return `k6-${kind}-${runId}-${tail}@example.com`;
}

export function newRunId() {
	return __ENV.RUN_ID || String(Date.now());
}

// The concert to test: CONCERT_ID, else the first one listed. With its
// sections ({"concert":{..., "sections":[...]}}). Fails the test if none.
export function loadConcert() {
	let id = envInt('CONCERT_ID', 0);
	if (id === 0) {
		const res = call(ROUTES.listConcerts, { expect: [200] });
		const b = body(res);
		if (res.status !== 200 || !b || !b.concerts || b.concerts.length === 0)
			fail(`GET /api/v1/concerts at ${BASE_URL}: status ${res.status}, no concert to test (seed one with scripts/migrate.sh --seed)`);
		id = b.concerts[0].id;
	}
	const res = call(ROUTES.getConcert, { params: { id }, expect: [200] });
	const b = body(res);
	if (res.status !== 200 || !b || !b.concert)
		fail(`GET /api/v1/concerts/${id}: status ${res.status}`);
	return b.concert;
}

// Section codes of a concert, or the comma-separated list in env NAME when
// that is set (no NAME: all of them).
export function sectionCodes(concert, name) {
	const raw = name ? (__ENV[name] || '') : '';
	const fromEnv = raw.split(',').map((s) => s.trim()).filter((s) => s);
	if (fromEnv.length)
		return fromEnv;
	return concert.sections.map((s) => s.code);
}

/*
 * A caching seat-map reader: remembers the last ETag and seats per section,
 * sends If-None-Match, and on 304 answers from its cache. Returns
 * {res, seats, notModified}; seats is null when the request failed.
 */
export class SeatMapCache {
	constructor() {
		this.etags = {};
		this.seats = {};
	}

	get(concertId, section, token) {
		const headers = {};
		if (this.etags[section])
			headers['If-None-Match'] = this.etags[section];
		const res = call(ROUTES.sectionSeats, {
			params: { id: concertId }, query: { section }, token, headers,
			expect: [200, 304],
		});
		if (res.status === 304 && this.seats[section])
			return { res, seats: this.seats[section], notModified: true };
		const b = res.status === 200 ? body(res) : null;
		if (!b || !Array.isArray(b.seats))
			return { res, seats: null, notModified: false };
		const etag = header(res, 'ETag');
		if (etag) {
			this.etags[section] = etag;
			this.seats[section] = b.seats;
		}
		return { res, seats: b.seats, notModified: false };
	}
}

// Up to n AVAILABLE seat ids, preferring neighbours in one row (as a fan
// clicking on the map would), starting at a random available seat.
export function chooseSeats(seats, n) {
	const avail = seats.filter((s) => s.status === 'AVAILABLE');
	if (avail.length === 0)
		return [];
	const first = pick(avail);
	const row = avail.filter((s) => s.row === first.row && s.number >= first.number)
	    .sort((a, b) => a.number - b.number);
	const chosen = [];
	for (const s of row) {
		if (chosen.length === n)
			break;
		if (chosen.length && s.number !== chosen[chosen.length - 1].number + 1)
			break;
		chosen.push(s);
	}
	for (const s of avail) {
		if (chosen.length === n)
			break;
		if (chosen.indexOf(s) < 0)
			chosen.push(s);
	}
	return chosen.map((s) => s.id);
}

// Counts of seat statuses in one section: {AVAILABLE, HELD, SOLD}.
export function statusCounts(seats) {
	const out = { AVAILABLE: 0, HELD: 0, SOLD: 0 };
	for (const s of seats)
		out[s.status] = (out[s.status] || 0) + 1;
	return out;
}
