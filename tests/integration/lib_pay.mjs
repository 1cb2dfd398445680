// Helpers for the payment, webhook, outbox, Redis and readiness tests:
// small concerts, the checkout -> confirm path, the Toss stand-in's
// controls, and read-only looks at what the consumers recorded. Everything
// goes through real HTTP (encore and the stand-in) or psql on the stack's
// own database; lib.mjs holds the basics shared with the other suites.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';

import { api, adminLogin, BASE, TOSS, ROOT, psql, eventually } from './lib.mjs';

const execFileP = promisify(execFile);

export const WEBHOOK_URL = `${BASE}/api/v1/webhooks/toss`;
const SECRET = process.env.ENCORE_TOSS_SECRET_KEY ?? 'test_sk_encore_local';
const RUN_DIR = process.env.RUN_DIR ?? `${ROOT}run/${process.env.ENCORE_STACK ?? 'test'}`;

/**
 * A fresh concert with a small layout (one section of rows x perRow seats,
 * price 50,000), so that creating it is quick and no test shares seats.
 */
export async function smallConcert({ rows = 2, perRow = 10, max = 4, holdTtl, sections = ['A'] } = {}) {
  const admin = await adminLogin();
  const body = {
    title: `Pay test ${randomUUID().slice(0, 8)}`,
    venue: 'Test Hall',
    starts_at: '2027-03-01T19:00:00+09:00',
    base_price: 10000,
    max_tickets_per_member: max,
    layout: { sections: sections.map((code) => ({ code, tier: 'VIP', price: 50000, rows, seats_per_row: perRow })) },
  };
  if (holdTtl !== undefined) body.hold_ttl_seconds = holdTtl;
  const res = await api('POST', '/api/v1/concerts', { token: admin.token, body });
  if (res.status !== 201) throw new Error(`create concert ${res.status}: ${res.text}`);
  return res.body.concert;
}

/** POST /api/v1/reservations for these seat ids; the raw answer. */
export function reserveRaw(token, concertId, seatIds) {
  return api('POST', '/api/v1/reservations', { token, body: { concert_id: concertId, seat_ids: seatIds } });
}

/** A PENDING reservation of these seats, or an error saying why not. */
export async function hold(token, concertId, seatIds) {
  const res = await reserveRaw(token, concertId, seatIds);
  if (res.status !== 201) throw new Error(`reserve ${res.status}: ${res.text}`);
  return res.body.reservation;
}

export async function getReservation(token, id) {
  const res = await api('GET', `/api/v1/reservations/${id}`, { token });
  if (res.status !== 200) throw new Error(`get reservation ${res.status}: ${res.text}`);
  return res.body.reservation;
}

/**
 * What the payment widget does: GET the stand-in's checkout and read the
 * paymentKey from the 302 to successUrl.
 */
export async function checkout(reservation, amount = reservation.amount) {
  const q = new URLSearchParams({
    orderId: reservation.order_id,
    amount: String(amount),
    orderName: reservation.order_name,
    successUrl: `${BASE}/payments/success`,
    failUrl: `${BASE}/payments/fail`,
  });
  const res = await fetch(`${TOSS}/checkout?${q}`, { redirect: 'manual' });
  await res.text();
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`checkout ${res.status}`);
  const key = new URL(location).searchParams.get('paymentKey');
  if (!key) throw new Error(`checkout went to ${location}`);
  return key;
}

export function confirm(token, { paymentKey, orderId, amount }) {
  return api('POST', '/api/v1/payments/confirm', { token, body: { paymentKey, orderId, amount } });
}

/** hold -> checkout -> confirm; returns {reservation, paymentKey, res}. */
export async function buy(token, concertId, seatIds) {
  const reservation = await hold(token, concertId, seatIds);
  const paymentKey = await checkout(reservation);
  const res = await confirm(token, { paymentKey, orderId: reservation.order_id, amount: reservation.amount });
  return { reservation, paymentKey, res };
}

/** A call to the Toss stand-in (controls or /v1 with the secret key). */
export async function toss(method, path, body) {
  const headers = {};
  if (path.startsWith('/v1/')) headers.authorization = `Basic ${Buffer.from(`${SECRET}:`).toString('base64')}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(TOSS + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, body: json, text };
}

/** A behaviour rule; always scope it with order_id or times. */
export async function tossBehaviour(rule) {
  if (!rule.order_id && !rule.times) throw new Error('unscoped stand-in behaviour');
  const res = await toss('POST', '/__control/behaviour', rule);
  if (res.status !== 200) throw new Error(`behaviour ${res.status}: ${res.text}`);
}

/** The payment as the stand-in has it now (GET /v1/payments/{key}). */
export async function tossPayment(paymentKey) {
  const res = await toss('GET', `/v1/payments/${encodeURIComponent(paymentKey)}`);
  if (res.status !== 200) throw new Error(`toss payment ${res.status}: ${res.text}`);
  return res.body;
}

/** The stand-in's /v1 request log, only the calls about this order or key. */
export async function tossCalls({ orderId, paymentKey }) {
  const res = await toss('GET', '/__control/requests');
  return res.body.requests.filter((r) =>
    (orderId && (r.body?.orderId === orderId || r.path.endsWith(`/orders/${orderId}`))) ||
    (paymentKey && (r.body?.paymentKey === paymentKey || r.path.includes(`/payments/${paymentKey}`))));
}

export async function tossConfirmCalls(orderId) {
  return (await tossCalls({ orderId })).filter((r) => r.path === '/v1/payments/confirm');
}

/** Asks the stand-in to POST webhooks to encore; its answer. */
export async function tossWebhook(body) {
  const res = await toss('POST', '/__control/webhook', { url: WEBHOOK_URL, ...body });
  if (res.status !== 200) throw new Error(`webhook control ${res.status}: ${res.text}`);
  return res.body;
}

/* What the database recorded (read only). */
const q = (s) => `'${String(s).replace(/'/g, "''")}'`;

export function outboxTopics(reservationId) {
  return psql(`SELECT topic, published_at IS NOT NULL FROM encore.outbox
    WHERE aggregate_id = ${q(reservationId)} ORDER BY id`).map(([t, p]) => ({ topic: t, published: p === 't' }));
}

export function auditActions(entityId) {
  return psql(`SELECT action FROM encore.audit_log WHERE entity_id = ${q(entityId)} ORDER BY id`).map(([a]) => a);
}

export function receiptKinds(reservationId) {
  return psql(`SELECT kind FROM encore.receipts WHERE reservation_id = ${q(reservationId)} ORDER BY id`).map(([k]) => k);
}

/** concert_sales of a concert: {tickets_sold, revenue, refunds, refunded_amount} (zeros if none). */
export function sales(concertId) {
  const rows = psql(`SELECT tickets_sold, revenue, refunds, refunded_amount FROM encore.concert_sales
    WHERE concert_id = ${Number(concertId)}`);
  const [t, r, n, a] = rows[0] ?? [0, 0, 0, 0];
  return { tickets_sold: Number(t), revenue: Number(r), refunds: Number(n), refunded_amount: Number(a) };
}

/** Rows the consumers' inbox holds for the events of this reservation, per consumer. */
export function inboxCount(reservationId) {
  const rows = psql(`SELECT i.consumer, count(*) FROM encore.consumer_inbox i
    JOIN encore.outbox o ON o.event_id = i.event_id
    WHERE o.aggregate_id = ${q(reservationId)} GROUP BY i.consumer`);
  return Object.fromEntries(rows.map(([c, n]) => [c, Number(n)]));
}

/** Wait until every outbox event of the reservation reached both consumers. */
export async function waitConsumed(reservationId, timeout = 15000) {
  return eventually(() => {
    const events = outboxTopics(reservationId).length;
    const inbox = inboxCount(reservationId);
    return events > 0 && inbox.notifications === events && inbox.stats === events;
  }, { timeout, interval: 250 });
}

export async function seatStatuses(concertId, section, ids) {
  const res = await api('GET', `/api/v1/concerts/${concertId}/seats?section=${section}`);
  if (res.status !== 200) throw new Error(`seats ${res.status}: ${res.text}`);
  const byId = new Map(res.body.seats.map((s) => [s.id, s.status]));
  return ids.map((id) => byId.get(id));
}

/** scripts/stack.sh without blocking the event loop (requests in flight keep going). */
export async function stackAsync(...args) {
  const { stdout } = await execFileP(`${ROOT}scripts/stack.sh`, args, { cwd: ROOT, encoding: 'utf8', timeout: 120000 });
  return stdout;
}

/** The pid in run/<stack>/pids/<name>.pid. */
export function stackPid(name) {
  return Number(readFileSync(`${RUN_DIR}/pids/${name}.pid`, 'utf8').trim());
}

export async function readyz() {
  const t0 = Date.now();
  const res = await api('GET', '/readyz');
  return { ...res, ms: Date.now() - t0 };
}

/** A fetch that gives up after ms, so a hung server fails a test instead of hanging it. */
export async function timed(fn, ms = 5000) {
  const t0 = Date.now();
  let timer;
  const result = await Promise.race([
    fn(),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
  return { result, ms: Date.now() - t0 };
}
