// bench/purchase.mjs: purchases per second through the whole flow, as
// k6/purchase.js does it, with a bounded number of buyers for a fixed time.
//
// One purchase: dev login as a new member → hold 2 seats best available in
// a random section (POST /api/v1/reservations) → the Toss stand-in's
// checkout page (GET /checkout, redirect not followed: paymentKey, orderId
// and amount come from the 302's Location, as the success page reads
// them) → POST /api/v1/payments/confirm (encore calls the stand-in) →
// GET /api/v1/reservations/{id} reads PAID. No think time: this measures
// the server, not fans.
//
//   node bench/purchase.mjs CONCERT_ID SECTIONS BUYERS SECONDS
//
// Env: BASE_URL (encore), CHECKOUT_URL (the stand-in's /checkout).
// Prints one JSON object: purchases, per_second, latency of a whole
// purchase and of each step (ms), failures by step and status, 5xx count.

const BASE = (process.env.BASE_URL ?? 'http://127.0.0.1:18480').replace(/\/+$/, '');
const CHECKOUT = process.env.CHECKOUT_URL ?? 'http://127.0.0.1:18491/checkout';
const RUN = Date.now().toString(36);

const [concertId, sectionList, buyersArg, secondsArg] = process.argv.slice(2);
const sections = (sectionList ?? '').split(',').filter((s) => s);
const buyers = parseInt(buyersArg, 10);
const seconds = parseFloat(secondsArg);
if (!(parseInt(concertId, 10) > 0) || sections.length === 0 || !(buyers > 0) || !(seconds > 0)) {
  console.error('usage: purchase.mjs CONCERT_ID SECTIONS BUYERS SECONDS');
  process.exit(2);
}

const steps = ['login', 'hold', 'checkout', 'confirm', 'read'];
const times = Object.fromEntries([...steps, 'purchase'].map((s) => [s, []]));
const failures = {};
let serverErrors = 0;
let purchases = 0;
let attempts = 0;

class StepFailed extends Error {
  constructor(step, status, code) {
    super(`${step}: ${status} ${code}`);
    this.key = `${step} ${status}${code ? ` ${code}` : ''}`;
  }
}

async function timed(step, fn) {
  const t0 = performance.now();
  const out = await fn();
  times[step].push(performance.now() - t0);
  return out;
}

async function call(step, method, url, { token, body, redirect = 'manual' } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, {
      method, headers, redirect,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15000),
    });
  } catch (err) {
    throw new StepFailed(step, 0, err.name === 'TimeoutError' ? 'timeout' : 'network');
  }
  if (res.status >= 500) serverErrors++;
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, json };
}

function expect(step, res, status) {
  if (res.status !== status)
    throw new StepFailed(step, res.status, res.json?.error?.code ?? '');
  return res.json;
}

async function purchase(n) {
  const token = await timed('login', async () => expect('login',
    await call('login', 'POST', `${BASE}/api/v1/auth/dev-login`,
      { body: { email: `buyer-${RUN}-${n}@bench.example` } }), 200).access_token);
  const section = sections[Math.floor(Math.random() * sections.length)];
  const r = await timed('hold', async () => expect('hold',
    await call('hold', 'POST', `${BASE}/api/v1/reservations`,
      { token, body: { concert_id: Number(concertId), section, quantity: 2 } }), 201).reservation);
  const paid = await timed('checkout', async () => {
    const q = new URLSearchParams({
      orderId: r.order_id, amount: String(r.amount), orderName: r.order_name,
      successUrl: `${BASE}/pay/success.html`, failUrl: `${BASE}/pay/fail.html`,
    });
    const res = await call('checkout', 'GET', `${CHECKOUT}?${q}`);
    const loc = res.headers.get('location') ?? '';
    if (res.status !== 302 || !loc.startsWith(`${BASE}/pay/success.html`))
      throw new StepFailed('checkout', res.status, 'no redirect to success');
    return new URL(loc).searchParams;
  });
  const confirmed = await timed('confirm', async () => expect('confirm',
    await call('confirm', 'POST', `${BASE}/api/v1/payments/confirm`, {
      token,
      body: { paymentKey: paid.get('paymentKey'), orderId: paid.get('orderId'), amount: Number(paid.get('amount')) },
    }), 200));
  if (confirmed.reservation?.status !== 'PAID' || confirmed.payment?.status !== 'DONE')
    throw new StepFailed('confirm', 200, 'not PAID/DONE');
  const back = await timed('read', async () => expect('read',
    await call('read', 'GET', `${BASE}/api/v1/reservations/${r.id}`, { token }), 200));
  if (back.reservation?.status !== 'PAID')
    throw new StepFailed('read', 200, `reads ${back.reservation?.status}`);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1));
  return Math.round(sorted[i] * 10) / 10;
}

function summary(list) {
  const s = [...list].sort((a, b) => a - b);
  return { count: s.length, p50: percentile(s, 0.5), p99: percentile(s, 0.99), max: percentile(s, 1) };
}

const started = performance.now();
const deadline = started + seconds * 1000;

async function buyer() {
  while (performance.now() < deadline) {
    const n = attempts++;
    const t0 = performance.now();
    try {
      await purchase(n);
      purchases++;
      times.purchase.push(performance.now() - t0);
    } catch (err) {
      const key = err instanceof StepFailed ? err.key : `error ${err.message}`;
      failures[key] = (failures[key] ?? 0) + 1;
    }
  }
}

await Promise.all(Array.from({ length: buyers }, buyer));
const elapsed = (performance.now() - started) / 1000;
console.log(JSON.stringify({
  buyers, seconds: Math.round(elapsed * 100) / 100, attempts, purchases,
  per_second: Math.round((purchases / elapsed) * 10) / 10,
  latency_ms: summary(times.purchase),
  steps_ms: Object.fromEntries(steps.map((s) => [s, summary(times[s])])),
  failures, server_errors: serverErrors,
}));
