// Test harness for test/*.test.mjs (kept out of test/ so that
// `node --test tools/standins/test/` does not run it as a test file): start a
// stand-in as a child process on a free port (it is given --port 0 and prints
// the port it got), talk to it, stop it by pid.

import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const HERE = dirname(fileURLToPath(import.meta.url));

export async function start(script, args = [], env = {}) {
	const child = spawn(process.execPath, [join(HERE, '..', script),
	    '--port', '0', ...args], {
		env: { ...process.env, ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stderr.on('data', (d) => { stderr += d; });
	const exited = new Promise((resolve) => child.on('exit',
	    (code, signal) => resolve({ code, signal })));
	const base = await new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(
		    `${script} did not start: ${stderr}`)), 5000);
		child.stdout.on('data', (d) => {
			stdout += d;
			const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
			if (m) {
				clearTimeout(timer);
				resolve(m[1]);
			}
		});
		child.on('exit', () => reject(new Error(`${script} exited: ${stderr}`)));
	});
	return {
		base,
		child,
		output: () => stdout,
		async stop() {
			if (child.exitCode === null && child.signalCode === null)
				child.kill('SIGTERM');
			return exited;
		},
	};
}

export async function call(base, path, { method = 'GET', headers = {}, body,
    json, form, timeoutMs } = {}) {
	const init = { method, headers: { ...headers }, redirect: 'manual' };
	if (json !== undefined) {
		init.body = JSON.stringify(json);
		init.headers['Content-Type'] = 'application/json';
	} else if (form !== undefined) {
		init.body = new URLSearchParams(form).toString();
		init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
	} else if (body !== undefined) {
		init.body = body;
	}
	if (timeoutMs !== undefined)
		init.signal = AbortSignal.timeout(timeoutMs);
	const res = await fetch(base + path, init);
	const text = await res.text();
	let data = null;
	try {
		data = JSON.parse(text);
	} catch {
		/* not JSON: an HTML page or empty */
	}
	return { status: res.status, headers: res.headers, text, data };
}

// A local HTTP receiver (for webhooks): records bodies, answers `status`.
export async function receiver(status = 200) {
	const received = [];
	const server = http.createServer((req, res) => {
		let text = '';
		req.on('data', (d) => { text += d; });
		req.on('end', () => {
			received.push({ headers: req.headers, body: JSON.parse(text) });
			res.writeHead(receiverState.status);
			res.end();
		});
	});
	const receiverState = { status };
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}/hook`,
		received,
		set status(s) { receiverState.status = s; },
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

export function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
