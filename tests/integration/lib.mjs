// Shared helpers for the integration tests: real HTTP against a running
// stack (scripts/test.sh starts it; scripts/env.sh names its ports).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

export const BASE = process.env.ENCORE_BASE_URL ?? 'http://127.0.0.1:18080';
export const TOSS = process.env.TOSS_URL ?? 'http://127.0.0.1:18091';
export const GOOGLE = process.env.GOOGLE_URL ?? 'http://127.0.0.1:18092';
export const ROOT = new URL('../../', import.meta.url).pathname;

/** A fresh email, so every run and every test is its own member. */
export function uniqueEmail(tag = 'fan') {
  return `${tag}-${randomUUID().slice(0, 12)}@example.com`;
}

/** fetch with a JSON body and a bearer token; returns {status, headers, body, text}. */
export async function api(method, path, { token, body, headers = {}, raw, redirect = 'manual' } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload = raw;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    h['content-type'] ??= 'application/json';
  }
  const res = await fetch(BASE + path, { method, headers: h, body: payload, redirect });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, body: json, text };
}

/** Dev login; returns {token, member, cookies: {name: value}, csrf}. */
export async function devLogin(email = uniqueEmail(), name) {
  const res = await fetch(`${BASE}/api/v1/auth/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(name ? { email, name } : { email }),
  });
  if (res.status !== 200) throw new Error(`dev-login ${res.status}: ${await res.text()}`);
  const body = await res.json();
  return { token: body.access_token, member: body.member, cookies: parseSetCookies(res.headers), csrf: body.csrf_token };
}

export function parseSetCookies(headers) {
  const out = {};
  for (const line of headers.getSetCookie?.() ?? []) {
    const [pair] = line.split(';');
    const i = pair.indexOf('=');
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

export function cookieHeader(cookies) {
  return Object.entries(cookies).filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v}`).join('; ');
}

/** The admin of the test stack (ENCORE_ADMIN_EMAILS). */
export async function adminLogin() {
  return devLogin((process.env.ENCORE_ADMIN_EMAILS ?? 'admin@encore.local').split(',')[0].trim());
}

/** A fresh concert (admin API), so tests never fight over the demo concert's seats. */
export async function createConcert(overrides = {}) {
  const admin = await adminLogin();
  const res = await api('POST', '/api/v1/concerts', {
    token: admin.token,
    body: {
      title: `Test concert ${randomUUID().slice(0, 8)}`,
      venue: 'Test Hall',
      starts_at: '2027-03-01T19:00:00+09:00',
      base_price: 10000,
      max_tickets_per_member: 4,
      ...overrides,
    },
  });
  if (res.status !== 201) throw new Error(`create concert ${res.status}: ${res.text}`);
  return res.body.concert;
}

export async function seatsOf(concertId, section) {
  const res = await api('GET', `/api/v1/concerts/${concertId}/seats?section=${section}`);
  if (res.status !== 200) throw new Error(`seats ${res.status}: ${res.text}`);
  return res.body.seats;
}

/** One SQL statement against the stack's database; rows as arrays of strings. */
export function psql(sql) {
  const out = execFileSync('psql', ['-XAtq', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

/** scripts/stack.sh on this test stack (e.g. stack('stop', 'redis')). */
export function stack(...args) {
  return execFileSync(`${ROOT}scripts/stack.sh`, args, { encoding: 'utf8', cwd: ROOT });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll fn until it returns a truthy value or the time is up. */
export async function eventually(fn, { timeout = 10000, interval = 200 } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await sleep(interval);
  }
  return last;
}

/** The envelope every error must have. */
export function isEnvelope(body) {
  return body && typeof body.error === 'object' && /^[A-Z][A-Z0-9_]*$/.test(body.error.code) &&
    typeof body.error.message === 'string';
}
