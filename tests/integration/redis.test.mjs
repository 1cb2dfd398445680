// Redis in encore (issue 8): the seat-map cache stays coherent, ETags give
// 304s, the per-member rate limit answers 429 with Retry-After, and a
// frozen or killed Redis costs neither correctness nor availability.
// Tests that freeze or stop Redis restore it in an after hook.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { api, devLogin, eventually, sleep } from './lib.mjs';
import {
  smallConcert, hold, reserveRaw, checkout, confirm, getReservation,
  seatStatuses, stackAsync, stackPid, readyz, timed,
} from './lib_pay.mjs';

const seatMap = (concertId, headers = {}) =>
  api('GET', `/api/v1/concerts/${concertId}/seats?section=A`, { headers });

async function metric(name) {
  const res = await fetch(`${process.env.ENCORE_BASE_URL ?? 'http://127.0.0.1:18080'}/metrics`);
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

async function loginMany(n) {
  const out = [];
  for (let i = 0; i < n; i += 10)
    out.push(...await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => devLogin())));
  return out;
}

test('seat map is coherent at once after hold, cancel, payment and refund', async () => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const seats = (await seatMap(concert.id)).body.seats;
  const ids = [seats[0].id, seats[1].id];
  // The cache is in the path (a worker whose Redis breaker is still open
  // after an earlier outage needs up to REDIS_BREAKER_MS to use it again).
  const cached = await eventually(async () => {
    const hits = await metric('encore_seat_cache_hits_total');
    await seatMap(concert.id);
    await seatMap(concert.id);
    return await metric('encore_seat_cache_hits_total') > hits;
  }, { timeout: 5000, interval: 250 });
  assert.ok(cached, 'the seat map is served from the cache');

  const first = await hold(fan.token, concert.id, ids);
  assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['HELD', 'HELD'], 'after hold');
  const cancel = await api('POST', `/api/v1/reservations/${first.id}/cancel`, { token: fan.token });
  assert.equal(cancel.status, 200, cancel.text);
  assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['AVAILABLE', 'AVAILABLE'], 'after cancel');

  const second = await hold(fan.token, concert.id, ids);
  assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['HELD', 'HELD'], 'after the second hold');
  const paymentKey = await checkout(second);
  const paid = await confirm(fan.token, { paymentKey, orderId: second.order_id, amount: second.amount });
  assert.equal(paid.status, 200, paid.text);
  assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['SOLD', 'SOLD'], 'after payment');
  const refund = await api('POST', `/api/v1/reservations/${second.id}/cancel`, { token: fan.token });
  assert.equal(refund.status, 200, refund.text);
  assert.equal(refund.body.reservation.status, 'REFUNDED');
  assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['AVAILABLE', 'AVAILABLE'], 'after refund');
});

test('an expired hold reads AVAILABLE within 4 s of its expiry', async (t) => {
  const concert = await smallConcert({ holdTtl: 2 });
  const fan = await devLogin();
  const ids = [(await seatMap(concert.id)).body.seats[0].id];
  const r = await hold(fan.token, concert.id, ids);
  assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['HELD']);

  // Keep the cache warm right up to the expiry.
  const expiry = Date.parse(r.expires_at);
  while (Date.now() < expiry - 100) {
    assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['HELD']);
    await sleep(200);
  }
  const freed = await eventually(async () => (await seatStatuses(concert.id, 'A', ids))[0] === 'AVAILABLE',
    { timeout: 6000, interval: 100 });
  const lag = Date.now() - expiry;
  t.diagnostic(`seat map showed AVAILABLE ${lag} ms after expires_at`);
  assert.ok(freed, 'the seat becomes AVAILABLE');
  assert.ok(lag <= 4000, `${lag} ms after expiry`);
  assert.equal((await getReservation(fan.token, r.id)).status, 'EXPIRED');
});

test('If-None-Match on an unchanged section: 304; after a change: 200 with a new ETag', async () => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const first = await seatMap(concert.id);
  const etag = first.headers.get('etag');
  assert.match(etag ?? '', /^"[0-9a-f]+"$/);
  const again = await seatMap(concert.id, { 'if-none-match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.text, '');
  assert.equal(again.headers.get('etag'), etag);

  await hold(fan.token, concert.id, [first.body.seats[0].id]);
  const changed = await seatMap(concert.id, { 'if-none-match': etag });
  assert.equal(changed.status, 200);
  assert.notEqual(changed.headers.get('etag'), etag);
  assert.equal(changed.body.seats[0].status, 'HELD');
});

test('one member firing 40 reservation attempts: 429 RATE_LIMITED with Retry-After, others unaffected', async () => {
  const concert = await smallConcert({ rows: 5, perRow: 10 });
  const seats = (await seatMap(concert.id)).body.seats;
  const eager = await devLogin();
  const calm = await devLogin();

  const t0 = Date.now();
  const answers = await Promise.all(seats.slice(0, 40).map((s) => reserveRaw(eager.token, concert.id, [s.id])));
  const elapsed = (Date.now() - t0) / 1000;
  const by = (code) => answers.filter((a) => a.status === code);
  const limited = by(429);
  assert.deepEqual(answers.filter((a) => a.status >= 500).map((a) => a.text), []);
  assert.ok(limited.length >= 40 - 20 - Math.ceil(5 * elapsed) - 1, `${limited.length} limited in ${elapsed} s`);
  assert.ok(40 - limited.length <= 20 + Math.ceil(5 * elapsed) + 1, `${40 - limited.length} let through`);
  assert.equal(by(201).length, 4, 'the cap (4) still decides among those let through');
  for (const a of limited) {
    assert.equal(a.body.error.code, 'RATE_LIMITED');
    assert.match(a.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
  }

  const other = await reserveRaw(calm.token, concert.id, [seats[45].id]);
  assert.equal(other.status, 201, other.text);

  await sleep(Number(limited[0].headers.get('retry-after')) * 1000);
  const later = await reserveRaw(eager.token, concert.id, [seats[46].id]);
  assert.notEqual(later.status, 429, 'allowed again after Retry-After');
});

test('Redis frozen (SIGSTOP): seat maps, holds and /readyz answer within 1 s with correct data; recovers after SIGCONT', async (t) => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const seats = (await seatMap(concert.id)).body.seats;
  await seatMap(concert.id); // cached

  const pid = stackPid('redis');
  process.kill(pid, 'SIGSTOP');
  let frozen = true;
  t.after(() => { if (frozen) process.kill(pid, 'SIGCONT'); });

  const map1 = await timed(() => seatMap(concert.id), 3000);
  assert.ok(map1.ms < 1000, `seat map took ${map1.ms} ms`);
  assert.equal(map1.result.status, 200);
  assert.deepEqual(map1.result.body.seats, seats);

  const held = await timed(() => reserveRaw(fan.token, concert.id, [seats[0].id]), 3000);
  assert.ok(held.ms < 1000, `hold took ${held.ms} ms`);
  assert.equal(held.result.status, 201, held.result.text);

  const map2 = await timed(() => seatMap(concert.id), 3000);
  assert.ok(map2.ms < 1000, `seat map took ${map2.ms} ms`);
  assert.equal(map2.result.body.seats[0].status, 'HELD');

  const ready = await timed(() => readyz(), 3000);
  assert.ok(ready.ms < 1000, `/readyz took ${ready.ms} ms`);
  assert.equal(ready.result.status, 200);
  const down = await eventually(async () => (await readyz()).body?.redis === 'down', { timeout: 4000 });
  assert.ok(down, '/readyz reports redis down while it is frozen');
  assert.equal((await readyz()).body.status, 'degraded');

  // Many requests in a row while frozen: none waits on Redis for long.
  for (let i = 0; i < 10; i++) {
    const m = await timed(() => seatMap(concert.id), 3000);
    assert.ok(m.ms < 1000, `seat map ${i} took ${m.ms} ms`);
  }

  process.kill(pid, 'SIGCONT');
  frozen = false;
  const ok = await eventually(async () => (await readyz()).body?.redis === 'ok', { timeout: 6000 });
  assert.ok(ok, '/readyz reports redis ok after SIGCONT');
  const cancel = await api('POST', `/api/v1/reservations/${held.result.body.reservation.id}/cancel`, { token: fan.token });
  assert.equal(cancel.status, 200, cancel.text);
  assert.equal((await seatStatuses(concert.id, 'A', [seats[0].id]))[0], 'AVAILABLE');
  const t0 = Date.now();
  const serving = await eventually(async () => {
    const hits = await metric('encore_seat_cache_hits_total');
    await seatMap(concert.id);
    await seatMap(concert.id);
    return await metric('encore_seat_cache_hits_total') > hits;
  }, { timeout: 6000, interval: 250 });
  t.diagnostic(`cache hits again ${Date.now() - t0} ms after /readyz said redis ok`);
  assert.ok(serving, 'the cache serves again');
  assert.equal((await seatMap(concert.id)).body.seats[0].status, 'AVAILABLE');
});

test('Redis killed during a burst of 100 reservations: no 5xx, degraded, ok again after start', async (t) => {
  const concert = await smallConcert({ rows: 10, perRow: 10 });
  const seats = (await seatMap(concert.id)).body.seats;
  const fans = await loginMany(100);

  let stopped = false;
  t.after(async () => { if (stopped) await stackAsync('start', 'redis'); });
  stopped = true;
  const stopping = stackAsync('stop', 'redis');
  const answers = [];
  for (let i = 0; i < 100; i += 20) {
    answers.push(...await Promise.all(Array.from({ length: 20 }, (_, j) =>
      reserveRaw(fans[i + j].token, concert.id, [seats[i + j].id]))));
  }
  await stopping;

  assert.deepEqual(answers.filter((a) => a.status >= 500).map((a) => `${a.status} ${a.text}`), [], 'zero 5xx');
  assert.equal(answers.filter((a) => a.status === 201).length, 100, answers.map((a) => a.status).join(','));

  const degraded = await eventually(async () => {
    const r = await readyz();
    return r.status === 200 && r.body.redis === 'down' && r.body;
  }, { timeout: 4000 });
  assert.ok(degraded, '/readyz 200 with redis down');
  assert.equal(degraded.status, 'degraded');
  assert.equal(degraded.postgres, 'ok');

  // Still selling and showing the truth without Redis.
  const map = await seatMap(concert.id);
  assert.equal(map.status, 200);
  assert.ok(map.body.seats.every((s) => s.status === 'HELD'));

  await stackAsync('start', 'redis');
  stopped = false;
  const t0 = Date.now();
  const ok = await eventually(async () => (await readyz()).body?.status === 'ok', { timeout: 5000 });
  t.diagnostic(`/readyz ok ${Date.now() - t0} ms after Redis started`);
  assert.ok(ok, '/readyz ok again within 5 s');
});
