// GET /readyz and what the API answers while a dependency is away:
// RabbitMQ down -> 200 "degraded" and encore keeps selling; Postgres down ->
// 503 quickly, every API call 503 SERVICE_UNAVAILABLE quickly, and all is
// well again after it is back. Each test restores what it stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { api, devLogin, eventually, isEnvelope } from './lib.mjs';
import {
  smallConcert, buy, checkout, confirm, hold, stackAsync, readyz, timed, waitConsumed,
} from './lib_pay.mjs';

const KEYS = ['status', 'postgres', 'redis', 'rabbitmq'];

test('/readyz with everything up: 200 ok; /healthz 200', async () => {
  const r = await readyz();
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.body).sort(), [...KEYS].sort());
  assert.deepEqual(r.body, { status: 'ok', postgres: 'ok', redis: 'ok', rabbitmq: 'ok' });
  const h = await api('GET', '/healthz');
  assert.equal(h.status, 200);
  assert.deepEqual(h.body, { status: 'ok' });
});

test('RabbitMQ down: /readyz 200 degraded, purchases still succeed; ok again after start', async (t) => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const seats = (await api('GET', `/api/v1/concerts/${concert.id}/seats?section=A`)).body.seats;

  let down = true;
  t.after(async () => { if (down) await stackAsync('start', 'rabbitmq'); });
  await stackAsync('stop', 'rabbitmq');

  const degraded = await eventually(async () => {
    const r = await readyz();
    return r.body?.rabbitmq === 'down' && r;
  }, { timeout: 5000 });
  assert.ok(degraded, '/readyz notices RabbitMQ is down');
  assert.equal(degraded.status, 200);
  assert.deepEqual(degraded.body, { status: 'degraded', postgres: 'ok', redis: 'ok', rabbitmq: 'down' });
  assert.ok(degraded.ms < 1000, `/readyz took ${degraded.ms} ms`);

  const { res } = await buy(fan.token, concert.id, [seats[0].id]);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.reservation.status, 'PAID');

  await stackAsync('start', 'rabbitmq');
  down = false;
  const ok = await eventually(async () => (await readyz()).body?.status === 'ok', { timeout: 10000 });
  assert.ok(ok, '/readyz ok again after RabbitMQ started');
});

test('Postgres stopped: /readyz 503 and API calls 503 SERVICE_UNAVAILABLE within 2 s; all works after start', async (t) => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const seats = (await api('GET', `/api/v1/concerts/${concert.id}/seats?section=A`)).body.seats;
  const pending = await hold(fan.token, concert.id, [seats[0].id]);
  const paymentKey = await checkout(pending);
  const other = await smallConcert(); // its seat map was never read: nothing cached

  let down = true;
  t.after(async () => { if (down) await stackAsync('start', 'postgres'); });
  await stackAsync('stop', 'postgres');

  const r = await timed(() => readyz(), 5000);
  assert.ok(r.ms < 2000, `/readyz took ${r.ms} ms`);
  assert.equal(r.result.status, 503, r.result.text);
  assert.equal(r.result.body.status, 'down');
  assert.equal(r.result.body.postgres, 'down');

  const calls = [
    ['GET', '/api/v1/concerts'],
    ['GET', `/api/v1/concerts/${concert.id}`],
    ['GET', `/api/v1/concerts/${other.id}/seats?section=A`],
    ['GET', '/api/v1/reservations', { token: fan.token }],
    ['GET', `/api/v1/reservations/${pending.id}`, { token: fan.token }],
    ['POST', '/api/v1/reservations', { token: fan.token, body: { concert_id: concert.id, seat_ids: [seats[1].id] } }],
    ['POST', '/api/v1/payments/confirm', { token: fan.token, body: { paymentKey, orderId: pending.order_id, amount: pending.amount } }],
    ['POST', `/api/v1/reservations/${pending.id}/cancel`, { token: fan.token }],
  ];
  for (const [method, path, opts] of calls) {
    const c = await timed(() => api(method, path, opts ?? {}), 5000);
    assert.ok(c.ms < 2000, `${method} ${path} took ${c.ms} ms`);
    assert.equal(c.result.status, 503, `${method} ${path}: ${c.result.status} ${c.result.text}`);
    assert.ok(isEnvelope(c.result.body), `${method} ${path}: ${c.result.text}`);
    assert.equal(c.result.body.error.code, 'SERVICE_UNAVAILABLE');
  }

  await stackAsync('start', 'postgres');
  down = false;
  const t0 = Date.now();
  const back = await eventually(async () => (await readyz()).status === 200, { timeout: 10000 });
  t.diagnostic(`/readyz 200 ${Date.now() - t0} ms after Postgres started`);
  assert.ok(back, '/readyz 200 again');

  // Every worker's connections work again: several calls in a row succeed.
  for (let i = 0; i < 6; i++) {
    const list = await api('GET', '/api/v1/concerts');
    assert.equal(list.status, 200, list.text);
  }
  const paid = await confirm(fan.token, { paymentKey, orderId: pending.order_id, amount: pending.amount });
  assert.equal(paid.status, 200, paid.text);
  assert.equal(paid.body.reservation.status, 'PAID');
  const more = await buy(fan.token, concert.id, [seats[1].id]);
  assert.equal(more.res.status, 200, more.res.text);
  // The relay and both consumers reconnected too.
  assert.ok(await waitConsumed(more.reservation.id, 20000), 'the payment event reached both consumers');
});

test('Postgres frozen (SIGSTOP): calls answer 503 at their deadline instead of hanging; all works after SIGCONT', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  const runDir = process.env.RUN_DIR;
  const postmaster = readFileSync(`${runDir}/pg/data/postmaster.pid`, 'utf8').split('\n')[0].trim();
  const pids = () => [postmaster, ...execFileSync('pgrep', ['-P', postmaster], { encoding: 'utf8' }).split('\n').filter(Boolean)];
  const frozen = pids();
  let stopped = true;
  t.after(() => { if (stopped) execFileSync('kill', ['-CONT', ...frozen]); });
  execFileSync('kill', ['-STOP', ...frozen]);

  // The deadline is ENCORE_DB_TIMEOUT_MS (10 s); a connection attempt may add
  // its connect_timeout (2 s). The bound here only says "never hangs".
  const calls = await Promise.all([0, 1, 2].map(() => timed(() => api('GET', '/api/v1/concerts'), 30000)));
  for (const c of calls) {
    assert.equal(c.result.status, 503, c.result.text);
    assert.equal(c.result.body.error.code, 'SERVICE_UNAVAILABLE');
  }
  t.diagnostic(`answered 503 after ${calls.map((c) => c.ms).join(', ')} ms`);

  execFileSync('kill', ['-CONT', ...frozen]);
  stopped = false;
  const back = await eventually(async () => (await api('GET', '/api/v1/concerts')).status === 200, { timeout: 15000 });
  assert.ok(back, 'the API answers 200 again after SIGCONT');
});
