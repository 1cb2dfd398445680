// What the two stand-ins (toss.mjs, google.mjs) share: command-line options,
// the HTTP server lifecycle (listen on 127.0.0.1, one log line per request,
// clean exit on SIGTERM), body reading, JSON replies, time formats, and the
// "behaviour" rules that let a test make the next calls fail on purpose.
//
// Everything lives in memory: the stand-ins never write outside their
// process, so a test stack is reset by restarting them or by /__control/reset.

import http from 'node:http';
import https from 'node:https';
import { randomBytes, randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BODY_LIMIT = 1024 * 1024;

export class HttpError extends Error {
	constructor(status, body, headers = {}) {
		super(typeof body === 'string' ? body : JSON.stringify(body));
		this.status = status;
		this.body = body;
		this.headers = headers;
	}
}

// Reads --port N (or PORT_ENV) plus the stand-in's own string options.
// Each option: { env, default }. Unknown flags stop the program with usage.
export function readOptions(name, defaultPort, portEnv, options) {
	const spec = { port: { type: 'string' }, help: { type: 'boolean' } };
	for (const key of Object.keys(options))
		spec[key] = { type: 'string' };
	let values;
	try {
		({ values } = parseArgs({ options: spec, strict: true }));
	} catch (err) {
		usage(name, options, err.message);
	}
	if (values.help)
		usage(name, options);
	const out = {};
	const portText = values.port ?? process.env[portEnv] ?? String(defaultPort);
	if (!/^\d+$/.test(portText) || Number(portText) > 65535)
		usage(name, options, `--port must be 0-65535 (got '${portText}')`);
	out.port = Number(portText);
	for (const [key, opt] of Object.entries(options))
		out[key] = values[key] ?? process.env[opt.env] ?? opt.default;
	return out;
}

function usage(name, options, problem) {
	const lines = [];
	if (problem)
		lines.push(`${name}: ${problem}`);
	lines.push(`usage: node ${name}.mjs [--port N]` +
	    Object.keys(options).map((k) => ` [--${k} VALUE]`).join(''));
	for (const [key, opt] of Object.entries(options))
		lines.push(`  --${key}  (env ${opt.env}, default '${opt.default}')`);
	process.stderr.write(lines.join('\n') + '\n');
	process.exit(problem ? 2 : 0);
}

// Starts the server; handler(req, res, url) may throw HttpError or return a
// promise. Prints "<name> listening on http://127.0.0.1:PORT" first, so a
// parent process started with --port 0 can learn the port from stdout.
export function serve(name, port, handler) {
	const sockets = new Set();
	const server = http.createServer((req, res) => {
		const started = process.hrtime.bigint();
		const url = new URL(req.url, 'http://127.0.0.1');
		res.on('close', () => {
			const ms = Number(process.hrtime.bigint() - started) / 1e6;
			const status = res.writableFinished ? res.statusCode : 'aborted';
			process.stdout.write(`${new Date().toISOString()} ${name} ` +
			    `${req.method} ${url.pathname} ${status} ${ms.toFixed(1)}ms\n`);
		});
		Promise.resolve()
		    .then(() => handler(req, res, url))
		    .catch((err) => fail(res, err));
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	// STANDIN_HOST lets containers reach the stand-ins; loopback otherwise.
	const host = process.env.STANDIN_HOST || '127.0.0.1';
	server.listen(port, host, () => {
		const { port: bound } = server.address();
		process.stdout.write(`${name} listening on http://${host}:${bound}\n`);
	});
	server.on('error', (err) => {
		process.stderr.write(`${name}: ${err.message}\n`);
		process.exit(1);
	});

	const stop = (signal) => {
		process.stdout.write(`${name} stopping on ${signal}\n`);
		server.close(() => process.exit(0));
		for (const socket of sockets)
			socket.destroy();
		setTimeout(() => process.exit(0), 1000).unref();
	};
	process.on('SIGTERM', () => stop('SIGTERM'));
	process.on('SIGINT', () => stop('SIGINT'));
	return server;
}

function fail(res, err) {
	if (res.headersSent || res.destroyed) {
		res.destroy();
		return;
	}
	if (err instanceof HttpError) {
		if (typeof err.body === 'string')
			sendHtml(res, err.status, err.body, err.headers);
		else
			sendJson(res, err.status, err.body, err.headers);
		return;
	}
	process.stderr.write(`internal error: ${err.stack}\n`);
	sendJson(res, 500, { code: 'STANDIN_BUG', message: String(err.message) });
}

export function readBody(req) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		let size = 0;
		req.on('data', (chunk) => {
			size += chunk.length;
			if (size > BODY_LIMIT) {
				reject(new HttpError(413, { code: 'INVALID_REQUEST',
				    message: 'request body too large' }));
				req.destroy();
				return;
			}
			chunks.push(chunk);
		});
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

export function sendJson(res, status, body, headers = {}) {
	const text = JSON.stringify(body);
	res.writeHead(status, {
		'Content-Type': 'application/json; charset=utf-8',
		'Content-Length': Buffer.byteLength(text),
		...headers,
	});
	res.end(text);
}

export function sendRaw(res, status, text, headers) {
	res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(text) });
	res.end(text);
}

export function sendHtml(res, status, html, headers = {}) {
	sendRaw(res, status, html, {
		'Content-Type': 'text/html; charset=utf-8',
		'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; " +
		    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
		'X-Content-Type-Options': 'nosniff',
		'Cache-Control': 'no-store',
		...headers,
	});
}

export function redirect(res, location) {
	res.writeHead(302, { Location: location, 'Content-Length': 0,
	    'Cache-Control': 'no-store' });
	res.end();
}

export function escapeHtml(value) {
	return String(value ?? '').replace(/[&<>"']/g, (c) => ({
		'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
	})[c]);
}

// Appends parameters to a URL, keeping the query string it already has.
export function withParams(base, params) {
	const url = new URL(base);
	for (const [key, value] of Object.entries(params))
		url.searchParams.append(key, String(value));
	return url.toString();
}

export function isHttpUrl(text) {
	if (typeof text !== 'string' || text === '')
		return false;
	try {
		const url = new URL(text);
		return (url.protocol === 'http:' || url.protocol === 'https:') &&
		    url.hash === '';
	} catch {
		return false;
	}
}

export function randomText(length, alphabet = ALNUM) {
	let out = '';
	for (let i = 0; i < length; i++)
		out += alphabet[randomInt(alphabet.length)];
	return out;
}

export function randomHex(bytes) {
	return randomBytes(bytes).toString('hex');
}

// Toss writes times as RFC 3339 in Korean time: 2024-01-01T11:31:29+09:00.
export function kstTime(date = new Date()) {
	return kstParts(date).slice(0, 19) + '+09:00';
}

// Toss webhooks carry createdAt as local (KST) time with microseconds and no
// offset: 2024-01-01T11:31:29.123000.
export function kstWebhookTime(date = new Date()) {
	return kstParts(date).slice(0, 23) + '000';
}

function kstParts(date) {
	return new Date(date.getTime() + 9 * 3600 * 1000).toISOString();
}

export function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

// Behaviour rules: "make the next N calls of OPERATION (optionally only for
// ORDER) answer MODE". A rule for one order wins over a global one; a rule
// with times counts down and disappears at zero; mode "ok" with no times
// removes the rule it would replace.
export class Behaviours {
	constructor(modes) {
		this.modes = modes;	// { operation: [allowed modes] }
		this.rules = [];
	}

	set(body) {
		if (body === null || typeof body !== 'object' || Array.isArray(body))
			throw new HttpError(400, { code: 'INVALID_REQUEST',
			    message: 'body must be a JSON object' });
		const shared = ['times', 'delay_ms', 'order_id'];
		const ops = Object.keys(body).filter((k) => !shared.includes(k));
		for (const key of ops) {
			if (!(key in this.modes))
				throw new HttpError(400, { code: 'INVALID_REQUEST',
				    message: `unknown key '${key}'; operations: ` +
				    Object.keys(this.modes).join(', ') });
			if (!this.modes[key].includes(body[key]))
				throw new HttpError(400, { code: 'INVALID_REQUEST',
				    message: `${key} must be one of ${this.modes[key].join(', ')}` });
		}
		if (ops.length === 0)
			throw new HttpError(400, { code: 'INVALID_REQUEST',
			    message: 'name at least one operation' });
		const times = body.times ?? null;
		if (times !== null && !(Number.isInteger(times) && times > 0))
			throw new HttpError(400, { code: 'INVALID_REQUEST',
			    message: 'times must be a positive integer' });
		const delay = body.delay_ms ?? 2000;
		if (!(Number.isInteger(delay) && delay >= 0 && delay <= 600000))
			throw new HttpError(400, { code: 'INVALID_REQUEST',
			    message: 'delay_ms must be an integer 0-600000' });
		const orderId = body.order_id ?? null;
		if (orderId !== null && typeof orderId !== 'string')
			throw new HttpError(400, { code: 'INVALID_REQUEST',
			    message: 'order_id must be a string' });
		for (const op of ops) {
			this.rules = this.rules.filter((r) =>
			    !(r.operation === op && r.order_id === orderId));
			if (body[op] !== 'ok' || times !== null)
				this.rules.push({ operation: op, mode: body[op],
				    delay_ms: delay, times, order_id: orderId });
		}
		return this.list();
	}

	// The mode for one call of operation (consumes one "time").
	take(operation, orderId) {
		const rule =
		    this.rules.find((r) => r.operation === operation &&
		        r.order_id !== null && r.order_id === orderId) ??
		    this.rules.find((r) => r.operation === operation && r.order_id === null);
		if (rule === undefined)
			return { mode: 'ok', delay_ms: 0 };
		if (rule.times !== null && --rule.times === 0)
			this.rules.splice(this.rules.indexOf(rule), 1);
		return { mode: rule.mode, delay_ms: rule.delay_ms };
	}

	list() {
		return { rules: this.rules.map((r) => ({ ...r })) };
	}

	clear() {
		this.rules = [];
	}
}

// POSTs a JSON body and resolves with the status (0 when the connection
// failed, with the reason in error).
export function postJson(target, body, timeoutMs = 10000) {
	return new Promise((resolve) => {
		const text = JSON.stringify(body);
		const url = new URL(target);
		const lib = url.protocol === 'https:' ? https : http;
		const req = lib.request(url, {
			method: 'POST',
			headers: {
				'Content-Type': 'application/json',
				'Content-Length': Buffer.byteLength(text),
				'User-Agent': 'encore-standin-webhook/1',
			},
			timeout: timeoutMs,
		}, (res) => {
			res.resume();
			res.on('end', () => resolve({ status: res.statusCode }));
		});
		req.on('timeout', () => req.destroy(new Error('timed out')));
		req.on('error', (err) => resolve({ status: 0, error: err.message }));
		req.end(text);
	});
}

// A bounded log of calls for /__control/requests.
export class RequestLog {
	constructor(limit = 5000) {
		this.limit = limit;
		this.entries = [];
	}

	add(entry) {
		this.entries.push(entry);
		if (this.entries.length > this.limit)
			this.entries.shift();
		return entry;
	}

	clear() {
		this.entries = [];
	}
}

export function parseJsonBody(text) {
	if (text === '')
		return {};
	try {
		return JSON.parse(text);
	} catch {
		throw new HttpError(400, { code: 'INVALID_REQUEST',
		    message: 'request body is not valid JSON' });
	}
}
