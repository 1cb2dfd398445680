// More helpers for the HTTP integration tests (auth, concerts,
// reservations, race, hostile): a cookie jar for browser-like flows, JWTs
// signed by hand for forgery tests, raw socket requests for malformed HTTP,
// batched logins, small concerts and the kore worker pids of the stack.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { BASE, ROOT, api, createConcert, devLogin, uniqueEmail } from './lib.mjs';

/** A concert with one small section (rows × per_row seats), or the given sections. */
export async function smallConcert({ rows = 2, perRow = 10, price = 10000, sections, ...overrides } = {}) {
  const layout = { sections: sections ?? [{ code: 'A', tier: 'VIP', price, rows, seats_per_row: perRow }] };
  return createConcert({ layout, ...overrides });
}

/** dev-login n fresh members, `batch` at a time. */
export async function loginMany(n, { batch = 25, tag = 'fan' } = {}) {
  const out = [];
  for (let i = 0; i < n; i += batch) {
    const part = await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, () => devLogin(uniqueEmail(tag))),
    );
    out.push(...part);
  }
  return out;
}

/** Hold seats by id for a member (token); returns the api() answer. */
export function hold(token, concertId, seatIds) {
  return api('POST', '/api/v1/reservations', { token, body: { concert_id: concertId, seat_ids: seatIds } });
}

// ---- JWTs -----------------------------------------------------------------

const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** The claims of a JWT (no verification). */
export function jwtClaims(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

/** A JWT with the given header fields and claims, HS256-signed with secret (or unsigned). */
export function signJwt(claims, { secret, alg = 'HS256', header = {} } = {}) {
  const head = b64url({ alg, typ: 'JWT', ...header });
  const body = b64url(claims);
  if (alg.toLowerCase() === 'none') return `${head}.${body}.`;
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** The stack's JWT secret (scripts/env.sh exports it). */
export function jwtSecret() {
  const s = process.env.ENCORE_JWT_SECRET;
  if (!s) throw new Error('ENCORE_JWT_SECRET is not set: source scripts/env.sh with set -a');
  return s;
}

// ---- cookies ----------------------------------------------------------------

/**
 * A tiny browser cookie jar: remembers Set-Cookie by name and path, sends
 * the cookies whose path prefixes the request path, forgets Max-Age=0.
 */
export class CookieJar {
  constructor() { this.cookies = new Map(); }

  store(headers) {
    for (const line of headers.getSetCookie?.() ?? []) {
      const parts = line.split(';').map((s) => s.trim());
      const [pair, ...attrs] = parts;
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      const attr = Object.fromEntries(attrs.map((a) => {
        const j = a.indexOf('=');
        return j < 0 ? [a.toLowerCase(), true] : [a.slice(0, j).toLowerCase(), a.slice(j + 1)];
      }));
      const path = attr.path ?? '/';
      const key = `${name}\t${path}`;
      if (attr['max-age'] === '0' || value === '') this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path, attr });
    }
  }

  get(name) {
    for (const c of this.cookies.values()) if (c.name === name) return c;
    return undefined;
  }

  header(path) {
    return [...this.cookies.values()]
      .filter((c) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .map((c) => `${c.name}=${c.value}`).join('; ');
  }

  /** fetch url (absolute, or a path of the app) with these cookies, never following redirects. */
  async fetch(url, { method = 'GET', headers = {}, body } = {}) {
    const u = new URL(url, BASE);
    const h = { ...headers };
    if (u.origin === new URL(BASE).origin) {
      const c = this.header(u.pathname);
      if (c) h.cookie = c;
    }
    const res = await fetch(u, { method, headers: h, body, redirect: 'manual' });
    if (u.origin === new URL(BASE).origin) this.store(res.headers);
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    return { status: res.status, headers: res.headers, body: json, text };
  }
}

// ---- raw HTTP -------------------------------------------------------------

/**
 * Send raw bytes to the app over one TCP connection and read until the
 * server closes or `timeout` ms pass. Returns {status, headers, body} of the
 * first response (status 0 when nothing came back).
 */
export function rawHttp(bytes, { timeout = 5000 } = {}) {
  const { hostname, port } = new URL(BASE);
  return new Promise((resolve) => {
    const chunks = [];
    const sock = net.connect({ host: hostname, port: Number(port) });
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(parseRawResponse(Buffer.concat(chunks)));
    };
    const timer = setTimeout(done, timeout);
    sock.on('connect', () => sock.write(bytes));
    sock.on('data', (d) => {
      chunks.push(d);
      const r = parseRawResponse(Buffer.concat(chunks));
      if (r.complete) done();
    });
    sock.on('error', done);
    sock.on('close', done);
  });
}

function parseRawResponse(buf) {
  const s = buf.toString('latin1');
  const end = s.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: null, text: '', complete: false };
  const [statusLine, ...lines] = s.slice(0, end).split('\r\n');
  const status = Number(statusLine.split(' ')[1]) || 0;
  const headers = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const len = Number(headers['content-length'] ?? 0);
  const text = buf.subarray(Buffer.byteLength(s.slice(0, end + 4), 'latin1')).toString('utf8');
  let body = null;
  try { body = text ? JSON.parse(text.slice(0, len)) : null; } catch { /* not JSON */ }
  return { status, headers, body, text, complete: Buffer.byteLength(text) >= len };
}

// ---- the stack's processes ------------------------------------------------

/** The kore parent of this stack (run/<stack>/pids/app.pid) and its worker pids, sorted. */
export function appPids() {
  const runDir = process.env.RUN_DIR ?? `${ROOT}run/${process.env.ENCORE_STACK ?? 'test'}`;
  const parent = readFileSync(`${runDir}/pids/app.pid`, 'utf8').trim();
  let out = '';
  try {
    out = execFileSync('pgrep', ['-P', parent], { encoding: 'utf8' });
  } catch { /* no children: pgrep exits 1 */ }
  const workers = out.split('\n').filter(Boolean).sort();
  if (workers.length === 0) throw new Error(`kore ${parent} has no workers (is the stack up?)`);
  return { parent, workers };
}

/**
 * api() that reports a dropped connection (a worker that died mid-request)
 * as status 0 with the error, instead of throwing, so a test can count it.
 */
export async function apiOrDrop(method, path, opts) {
  try {
    return await api(method, path, opts);
  } catch (err) {
    return { status: 0, headers: new Headers(), body: null, text: `connection failed: ${err.cause?.code ?? err.message}` };
  }
}

/**
 * Wait past one tick of the app's timers (the hold sweeper runs every
 * second and can be the one to trip over a load spike), then return the
 * pids again, for comparison with appPids() taken before the spike.
 */
export async function appPidsAfterSettling(ms = 1500) {
  await new Promise((r) => setTimeout(r, ms));
  return appPids();
}
