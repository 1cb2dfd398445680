// POST /api/v1/webhooks/toss: the body is only a hint; encore re-fetches the
// payment from the provider and applies that. The stand-in's
// /__control/webhook sends Toss-shaped webhooks (genuine, forged, repeated).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { api, devLogin, eventually, isEnvelope } from './lib.mjs';
import {
  smallConcert, hold, checkout, confirm, buy, getReservation, toss,
  tossBehaviour, tossPayment, tossWebhook, outboxTopics, auditActions,
  receiptKinds, waitConsumed, seatStatuses,
} from './lib_pay.mjs';

const seatIds = async (concertId, n) => {
  const res = await api('GET', `/api/v1/concerts/${concertId}/seats?section=A`);
  return res.body.seats.slice(0, n).map((s) => s.id);
};

const madeUpKey = () => `tgen_${randomBytes(18).toString('base64url').slice(0, 24)}`;

/** Everything a webhook could have changed about a reservation. */
async function snapshot(token, reservation, concertId, ids) {
  const r = await getReservation(token, reservation.id);
  return {
    status: r.status,
    paid_at: r.paid_at,
    seats: await seatStatuses(concertId, 'A', ids),
    audit: auditActions(reservation.id),
    outbox: outboxTopics(reservation.id).map((e) => e.topic),
  };
}

test('forged webhook for a paymentKey the provider never issued: 200, nothing changes', async () => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const ids = await seatIds(concert.id, 1);
  const reservation = await hold(fan.token, concert.id, ids);
  const before = await snapshot(fan.token, reservation, concert.id, ids);

  const sent = await tossWebhook({ paymentKey: madeUpKey(), orderId: reservation.order_id, amount: reservation.amount, status: 'DONE' });
  assert.equal(sent.known, false);
  assert.deepEqual(sent.statuses, [200]);
  assert.deepEqual(await snapshot(fan.token, reservation, concert.id, ids), before);
  assert.equal(before.status, 'PENDING');
});

test('webhook without a paymentKey: 400 VALIDATION_FAILED in the envelope', async () => {
  const res = await api('POST', '/api/v1/webhooks/toss', {
    body: { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: '2026-11-24T16:01:06.123000', data: {} },
  });
  assert.equal(res.status, 400, res.text);
  assert.ok(isEnvelope(res.body));
  assert.equal(res.body.error.code, 'VALIDATION_FAILED');
});

test('DONE webhook forged for an unpaid order (the real payment is IN_PROGRESS): nothing changes', async () => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const ids = await seatIds(concert.id, 1);
  const reservation = await hold(fan.token, concert.id, ids);
  const paymentKey = await checkout(reservation);
  const before = await snapshot(fan.token, reservation, concert.id, ids);

  const sent = await tossWebhook({ paymentKey, status: 'DONE', repeat: 3 });
  assert.equal(sent.known, true);
  assert.equal(sent.sent.status, 'DONE');
  assert.deepEqual(sent.statuses, [200, 200, 200]);
  assert.equal((await tossPayment(paymentKey)).status, 'IN_PROGRESS');
  assert.deepEqual(await snapshot(fan.token, reservation, concert.id, ids), before);
  assert.equal(before.status, 'PENDING');
  assert.deepEqual(before.seats, ['HELD']);

  // The buyer can still pay normally.
  const ok = await confirm(fan.token, { paymentKey, orderId: reservation.order_id, amount: reservation.amount });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.reservation.status, 'PAID');
});

test('approval whose answer was lost, then the genuine webhook x10: PAID once', async () => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const ids = await seatIds(concert.id, 2);
  const reservation = await hold(fan.token, concert.id, ids);
  const paymentKey = await checkout(reservation);
  await tossBehaviour({ confirm: 'timeout_after_approve', order_id: reservation.order_id, times: 1 });

  const lost = await confirm(fan.token, { paymentKey, orderId: reservation.order_id, amount: reservation.amount });
  assert.equal(lost.status, 502, lost.text);
  assert.equal(lost.body.error.code, 'PAYMENT_PROVIDER_ERROR');
  assert.equal((await tossPayment(paymentKey)).status, 'DONE');

  const sent = await tossWebhook({ paymentKey, repeat: 10 });
  assert.deepEqual(sent.statuses, Array(10).fill(200), JSON.stringify(sent));
  const r = await getReservation(fan.token, reservation.id);
  assert.equal(r.status, 'PAID');
  assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['SOLD', 'SOLD']);

  // Out of order: stale statuses arriving afterwards change nothing.
  for (const status of ['IN_PROGRESS', 'ABORTED', 'DONE']) {
    const stale = await tossWebhook({ paymentKey, status, repeat: 2 });
    assert.deepEqual(stale.statuses, [200, 200]);
  }
  assert.equal((await getReservation(fan.token, reservation.id)).status, 'PAID');
  assert.equal(auditActions(reservation.id).filter((a) => a === 'reservation.paid').length, 1);
  assert.ok(await waitConsumed(reservation.id));
  assert.deepEqual(outboxTopics(reservation.id).map((e) => e.topic), ['payment.succeeded']);
  assert.deepEqual(receiptKinds(reservation.id), ['PAYMENT_SUCCEEDED']);
});

test('genuine webhook x10 for a payment encore already confirmed: one transition', async () => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const ids = await seatIds(concert.id, 1);
  const { reservation, paymentKey, res } = await buy(fan.token, concert.id, ids);
  assert.equal(res.status, 200, res.text);
  const before = await snapshot(fan.token, reservation, concert.id, ids);

  const sent = await tossWebhook({ paymentKey, repeat: 10 });
  assert.deepEqual(sent.statuses, Array(10).fill(200));
  assert.deepEqual(await snapshot(fan.token, reservation, concert.id, ids), before);
  assert.equal(before.audit.filter((a) => a === 'reservation.paid').length, 1);
});

test('stale DONE webhooks after a refund: still REFUNDED, seats AVAILABLE, one refund event', async () => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const ids = await seatIds(concert.id, 1);
  const { reservation, paymentKey, res } = await buy(fan.token, concert.id, ids);
  assert.equal(res.status, 200, res.text);
  const cancel = await api('POST', `/api/v1/reservations/${reservation.id}/cancel`, { token: fan.token });
  assert.equal(cancel.status, 200, cancel.text);
  const before = await snapshot(fan.token, reservation, concert.id, ids);

  const sent = await tossWebhook({ paymentKey, status: 'DONE', repeat: 5 });
  assert.deepEqual(sent.statuses, Array(5).fill(200));
  const after = await snapshot(fan.token, reservation, concert.id, ids);
  assert.deepEqual(after, before);
  assert.equal(after.status, 'REFUNDED');
  assert.deepEqual(after.seats, ['AVAILABLE']);
  assert.deepEqual(after.outbox, ['payment.succeeded', 'payment.refunded']);
});

test('refund made at the provider (not through encore), then its webhook: REFUNDED, seats AVAILABLE', async () => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const ids = await seatIds(concert.id, 1);
  const { reservation, paymentKey, res } = await buy(fan.token, concert.id, ids);
  assert.equal(res.status, 200, res.text);
  const cancel = await toss('POST', `/v1/payments/${paymentKey}/cancel`, { cancelReason: 'merchant dashboard' });
  assert.equal(cancel.status, 200, cancel.text);

  const sent = await tossWebhook({ paymentKey, repeat: 3 });
  assert.deepEqual(sent.statuses, [200, 200, 200]);
  assert.equal((await getReservation(fan.token, reservation.id)).status, 'REFUNDED');
  assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['AVAILABLE']);
  assert.ok(await eventually(() => outboxTopics(reservation.id).length === 2));
  assert.deepEqual(outboxTopics(reservation.id).map((e) => e.topic), ['payment.succeeded', 'payment.refunded']);
});

test('payment approved at the provider that encore never confirmed: its webhook makes the reservation PAID', async () => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const ids = await seatIds(concert.id, 2);
  const reservation = await hold(fan.token, concert.id, ids);
  const created = await toss('POST', '/__control/payments', {
    orderId: reservation.order_id, amount: reservation.amount, orderName: reservation.order_name,
  });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.status, 'DONE');

  const sent = await tossWebhook({ paymentKey: created.body.paymentKey });
  assert.deepEqual(sent.statuses, [200]);
  const r = await getReservation(fan.token, reservation.id);
  assert.equal(r.status, 'PAID', `reservation reads ${r.status} after the webhook of a DONE payment`);
  assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['SOLD', 'SOLD']);
});

test('webhook for a DONE payment of the wrong amount: nothing changes', async () => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const ids = await seatIds(concert.id, 1);
  const reservation = await hold(fan.token, concert.id, ids);
  const before = await snapshot(fan.token, reservation, concert.id, ids);
  const created = await toss('POST', '/__control/payments', { orderId: reservation.order_id, amount: 100 });
  assert.equal(created.status, 201, created.text);

  const sent = await tossWebhook({ paymentKey: created.body.paymentKey });
  assert.deepEqual(sent.statuses, [200]);
  assert.deepEqual(await snapshot(fan.token, reservation, concert.id, ids), before);
});
