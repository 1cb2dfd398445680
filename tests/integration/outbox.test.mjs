// The outbox fan-out through RabbitMQ as the API sees it: selling does not
// depend on RabbitMQ, and every payment event reaches both consumers
// (receipts, concert_sales) exactly once in effect, even when RabbitMQ was
// down while it was written.
//
// Poison messages going to the DLQ are covered by
// tests/integration/amqp_flow.sh (it publishes malformed events straight to
// the queues); not repeated here.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { api, devLogin, eventually, psql } from './lib.mjs';
import { smallConcert, buy, stackAsync, readyz, sales } from './lib_pay.mjs';

const inList = (ids) => ids.map((id) => `'${id}'`).join(',');

async function loginMany(n) {
  const out = [];
  for (let i = 0; i < n; i += 10)
    out.push(...await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => devLogin())));
  return out;
}

test('RabbitMQ stopped during 50 purchases: all sell, then every event is delivered once', async (t) => {
  const concert = await smallConcert({ rows: 5, perRow: 10 });
  const seats = (await api('GET', `/api/v1/concerts/${concert.id}/seats?section=A`)).body.seats;
  assert.equal(seats.length, 50);
  const fans = await loginMany(50);

  let rabbitDown = false;
  t.after(async () => { if (rabbitDown) await stackAsync('start', 'rabbitmq'); });

  const purchase = (i) => buy(fans[i].token, concert.id, [seats[i].id]);
  const stopping = stackAsync('stop', 'rabbitmq').then(() => { rabbitDown = true; });
  rabbitDown = true; // from here on, the after hook must start it again
  const first = await Promise.all(Array.from({ length: 10 }, (_, i) => purchase(i)));
  await stopping;
  const ready = await eventually(async () => {
    const r = await readyz();
    return r.status === 200 && r.body.rabbitmq === 'down' && r.body;
  }, { timeout: 5000 });
  assert.ok(ready, '/readyz reports rabbitmq down');
  assert.equal(ready.status, 'degraded');

  const rest = [];
  for (let i = 10; i < 50; i += 10)
    rest.push(...await Promise.all(Array.from({ length: 10 }, (_, j) => purchase(i + j))));
  const all = [...first, ...rest];
  const bad = all.filter((p) => p.res.status !== 200 || p.res.body.reservation.status !== 'PAID');
  assert.deepEqual(bad.map((p) => `${p.res.status} ${p.res.text}`), [], 'every purchase succeeded');

  const ids = all.map((p) => p.reservation.id);
  const unpublished = () => Number(psql(`SELECT count(*) FROM encore.outbox
    WHERE aggregate_id IN (${inList(ids)}) AND published_at IS NULL`)[0][0]);
  const waiting = unpublished();
  t.diagnostic(`${waiting} of 50 events waited in the outbox while RabbitMQ was down`);
  assert.ok(waiting >= 40, `${waiting} unpublished events while RabbitMQ is down`);

  const t0 = Date.now();
  await stackAsync('start', 'rabbitmq');
  rabbitDown = false;
  const delivered = await eventually(() => {
    if (unpublished() !== 0) return false;
    const [n, s] = psql(`SELECT count(*) FILTER (WHERE consumer = 'notifications'),
      count(*) FILTER (WHERE consumer = 'stats') FROM encore.consumer_inbox i
      JOIN encore.outbox o ON o.event_id = i.event_id WHERE o.aggregate_id IN (${inList(ids)})`)[0];
    return Number(n) === 50 && Number(s) === 50;
  }, { timeout: 60000, interval: 500 });
  assert.ok(delivered, 'all 50 events published and consumed by both consumers');
  t.diagnostic(`delivered ${Date.now() - t0} ms after RabbitMQ was started`);

  const events = psql(`SELECT topic, count(*) FROM encore.outbox WHERE aggregate_id IN (${inList(ids)}) GROUP BY topic`);
  assert.deepEqual(events, [['payment.succeeded', '50']]);
  const receipts = psql(`SELECT reservation_id, count(*) FROM encore.receipts
    WHERE reservation_id IN (${inList(ids)}) GROUP BY reservation_id HAVING count(*) <> 1`);
  assert.deepEqual(receipts, [], 'one receipt per reservation');
  assert.equal(Number(psql(`SELECT count(*) FROM encore.receipts WHERE reservation_id IN (${inList(ids)})`)[0][0]), 50);
  assert.deepEqual(sales(concert.id), { tickets_sold: 50, revenue: 50 * 50000, refunds: 0, refunded_amount: 0 });

  const back = await eventually(async () => (await readyz()).body?.status === 'ok', { timeout: 10000 });
  assert.ok(back, '/readyz is ok again');
});
