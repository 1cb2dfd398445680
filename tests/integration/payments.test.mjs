// Payments end to end: reserve -> the stand-in's checkout -> confirm, and
// everything that can go wrong on the way (tampering, replays, provider
// errors, approvals after the hold expired, refunds, a crash between the
// provider's approval and our commit). Each test has its own members and
// concert; stand-in misbehaviour is always scoped to one order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import { api, devLogin, eventually, isEnvelope, psql, sleep } from './lib.mjs';
import {
  smallConcert, hold, checkout, confirm, buy, getReservation,
  tossBehaviour, tossPayment, tossConfirmCalls, tossCalls, outboxTopics,
  auditActions, receiptKinds, sales, waitConsumed, seatStatuses, stackAsync,
  stackPid,
} from './lib_pay.mjs';

const seatIds = async (concertId, n, from = 0) => {
  const res = await api('GET', `/api/v1/concerts/${concertId}/seats?section=A`);
  return res.body.seats.slice(from, from + n).map((s) => s.id);
};

test('full purchase: PAID, seats SOLD, each consumer applies the event once', async () => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const ids = await seatIds(concert.id, 2);
  const { reservation, paymentKey, res } = await buy(fan.token, concert.id, ids);

  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.reservation.status, 'PAID');
  assert.equal(res.body.reservation.id, reservation.id);
  assert.equal(res.body.payment.status, 'DONE');
  assert.equal(typeof res.body.payment.method, 'string');
  assert.ok(!Number.isNaN(Date.parse(res.body.payment.approved_at)));
  assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['SOLD', 'SOLD']);
  assert.equal((await tossPayment(paymentKey)).status, 'DONE');

  assert.ok(await waitConsumed(reservation.id), 'both consumers saw payment.succeeded');
  assert.deepEqual(outboxTopics(reservation.id).map((e) => e.topic), ['payment.succeeded']);
  assert.deepEqual(receiptKinds(reservation.id), ['PAYMENT_SUCCEEDED']);
  assert.deepEqual(sales(concert.id), { tickets_sold: 2, revenue: 100000, refunds: 0, refunded_amount: 0 });

  const receipts = await eventually(async () => {
    const r = await api('GET', '/api/v1/me/receipts', { token: fan.token });
    return r.status === 200 && r.body.receipts.some((x) => x.reservation_id === reservation.id) && r.body.receipts;
  });
  assert.ok(receipts, 'GET /api/v1/me/receipts shows the payment');
  const mine = receipts.filter((x) => x.reservation_id === reservation.id);
  assert.equal(mine.length, 1);
  assert.equal(mine[0].kind, 'PAYMENT_SUCCEEDED');
  assert.equal(mine[0].amount, 100000);
});

test('amount tampering: 422 AMOUNT_MISMATCH and no confirm reaches the provider', async () => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const reservation = await hold(fan.token, concert.id, await seatIds(concert.id, 1));
  const paymentKey = await checkout(reservation, 100); // the widget was told 100 won
  const res = await confirm(fan.token, { paymentKey, orderId: reservation.order_id, amount: 100 });

  assert.equal(res.status, 422, res.text);
  assert.ok(isEnvelope(res.body));
  assert.equal(res.body.error.code, 'AMOUNT_MISMATCH');
  assert.deepEqual(await tossConfirmCalls(reservation.order_id), []);
  assert.equal((await getReservation(fan.token, reservation.id)).status, 'PENDING');
  assert.equal((await tossPayment(paymentKey)).status, 'IN_PROGRESS');
});

test('confirm replayed: same answer, one provider confirm, one transition', async () => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const { reservation, paymentKey, res } = await buy(fan.token, concert.id, await seatIds(concert.id, 1));
  assert.equal(res.status, 200, res.text);

  const again = await confirm(fan.token, { paymentKey, orderId: reservation.order_id, amount: reservation.amount });
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.body.reservation, res.body.reservation);
  assert.deepEqual(again.body.payment, res.body.payment);

  assert.equal((await tossConfirmCalls(reservation.order_id)).length, 1);
  assert.equal(auditActions(reservation.id).filter((a) => a === 'reservation.paid').length, 1);
  assert.ok(await waitConsumed(reservation.id));
  assert.deepEqual(outboxTopics(reservation.id).map((e) => e.topic), ['payment.succeeded']);
  assert.deepEqual(receiptKinds(reservation.id), ['PAYMENT_SUCCEEDED']);
});

test('confirm races itself: five at once, one provider approval, one transition', async (t) => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const reservation = await hold(fan.token, concert.id, await seatIds(concert.id, 1));
  const paymentKey = await checkout(reservation);
  const body = { paymentKey, orderId: reservation.order_id, amount: reservation.amount };
  const answers = await Promise.all(Array.from({ length: 5 }, () => confirm(fan.token, body)));

  assert.equal(answers.filter((a) => a.status >= 500 && a.status !== 502).length, 0,
    answers.map((a) => `${a.status} ${a.text}`).join('\n'));
  assert.ok(answers.some((a) => a.status === 200), answers.map((a) => a.status).join(','));
  const final = await eventually(async () => (await getReservation(fan.token, reservation.id)).status === 'PAID');
  assert.ok(final, 'the reservation ends PAID');
  // Every confirm the provider saw carries one Idempotency-Key: it approves once.
  const calls = await tossConfirmCalls(reservation.order_id);
  t.diagnostic(`answers ${answers.map((a) => a.status).join(',')}; provider confirms ${calls.map((c) => c.status).join(',')}`);
  assert.ok(calls.length >= 1);
  assert.equal(new Set(calls.map((c) => c.idempotency_key)).size, 1, 'one Idempotency-Key');
  assert.ok(calls[0].idempotency_key, 'the confirm carries an Idempotency-Key');
  assert.equal(auditActions(reservation.id).filter((a) => a === 'reservation.paid').length, 1);
  assert.equal(outboxTopics(reservation.id).filter((e) => e.topic === 'payment.succeeded').length, 1);
});

test('another paymentKey for a PAID reservation: 409 RESERVATION_NOT_PENDING', async () => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const { reservation, res } = await buy(fan.token, concert.id, await seatIds(concert.id, 1));
  assert.equal(res.status, 200, res.text);
  const otherKey = `tgen_${'x'.repeat(24)}`;
  const again = await confirm(fan.token, { paymentKey: otherKey, orderId: reservation.order_id, amount: reservation.amount });
  assert.equal(again.status, 409, again.text);
  assert.equal(again.body.error.code, 'RESERVATION_NOT_PENDING');
  assert.equal((await tossConfirmCalls(reservation.order_id)).length, 1);
});

test("someone else's orderId: 404 RESERVATION_NOT_FOUND, nothing sent", async () => {
  const concert = await smallConcert();
  const owner = await devLogin();
  const thief = await devLogin();
  const reservation = await hold(owner.token, concert.id, await seatIds(concert.id, 1));
  const paymentKey = await checkout(reservation);
  const res = await confirm(thief.token, { paymentKey, orderId: reservation.order_id, amount: reservation.amount });
  assert.equal(res.status, 404, res.text);
  assert.equal(res.body.error.code, 'RESERVATION_NOT_FOUND');
  const unknown = await confirm(thief.token, { paymentKey, orderId: 'no_such_order_123', amount: reservation.amount });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'RESERVATION_NOT_FOUND');
  assert.deepEqual(await tossConfirmCalls(reservation.order_id), []);
  assert.equal((await getReservation(owner.token, reservation.id)).status, 'PENDING');
});

for (const [mode, code, newCheckout] of [
  ['decline', 'REJECT_CARD_PAYMENT', true],
  ['error5xx', 'FAILED_INTERNAL_SYSTEM_PROCESSING', false],
  ['timeout', null, false],
]) {
  test(`provider ${mode}: 502 PAYMENT_PROVIDER_ERROR, still PENDING, a later confirm succeeds`, async () => {
    const concert = await smallConcert();
    const fan = await devLogin();
    const ids = await seatIds(concert.id, 1);
    const reservation = await hold(fan.token, concert.id, ids);
    const paymentKey = await checkout(reservation);
    await tossBehaviour({ confirm: mode, order_id: reservation.order_id, times: 1 });

    const t0 = Date.now();
    const res = await confirm(fan.token, { paymentKey, orderId: reservation.order_id, amount: reservation.amount });
    const ms = Date.now() - t0;
    assert.equal(res.status, 502, res.text);
    assert.ok(isEnvelope(res.body));
    assert.equal(res.body.error.code, 'PAYMENT_PROVIDER_ERROR');
    assert.equal(typeof res.body.error.details?.provider_code, 'string');
    if (code) assert.equal(res.body.error.details.provider_code, code);
    else assert.ok(res.body.error.details.provider_code.length > 0);
    if (mode === 'timeout') assert.ok(ms < 6000, `timeout answered after ${ms} ms`);

    assert.equal((await getReservation(fan.token, reservation.id)).status, 'PENDING');
    assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['HELD']);

    const key = newCheckout ? await checkout(reservation) : paymentKey;
    const ok = await confirm(fan.token, { paymentKey: key, orderId: reservation.order_id, amount: reservation.amount });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.reservation.status, 'PAID');
    assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['SOLD']);
    assert.equal(auditActions(reservation.id).filter((a) => a === 'reservation.paid').length, 1);
  });
}

// The provider approves slowly enough that the approval lands after the
// hold passed (and the expiry sweep ran): the contract's "approved after
// the hold expired" case.
async function lateApproval(fan, concert, ids) {
  const reservation = await hold(fan.token, concert.id, ids);
  const paymentKey = await checkout(reservation);
  const delay = Date.parse(reservation.expires_at) - Date.now() + 700;
  assert.ok(delay < 2900, `approval delay ${delay} ms must stay under the 3 s Toss timeout`);
  await tossBehaviour({ confirm: 'slow', delay_ms: delay, order_id: reservation.order_id, times: 1 });
  const answer = confirm(fan.token, { paymentKey, orderId: reservation.order_id, amount: reservation.amount });
  return { reservation, paymentKey, answer };
}

test('approval lands after the hold expired, seats still free: PAID', async () => {
  const concert = await smallConcert({ holdTtl: 2 });
  const fan = await devLogin();
  const ids = await seatIds(concert.id, 2);
  const { reservation, paymentKey, answer } = await lateApproval(fan, concert, ids);
  const res = await answer;
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.reservation.status, 'PAID');
  assert.ok(Date.parse(res.body.reservation.paid_at ?? res.body.payment.approved_at) >=
    Date.parse(reservation.expires_at) - 1000);
  assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['SOLD', 'SOLD']);
  assert.equal((await tossPayment(paymentKey)).status, 'DONE');
});

test('approval lands after the hold expired, seats taken meanwhile: refunded, the other member keeps them', async () => {
  const concert = await smallConcert({ holdTtl: 2 });
  const late = await devLogin();
  const quick = await devLogin();
  const ids = await seatIds(concert.id, 2);
  const { reservation, paymentKey, answer } = await lateApproval(late, concert, ids);
  await sleep(Date.parse(reservation.expires_at) - Date.now() + 150);
  const theirs = await hold(quick.token, concert.id, ids);

  const res = await answer;
  assert.ok(res.status < 500, `${res.status} ${res.text}`);
  assert.notEqual(res.body?.reservation?.status, 'PAID', res.text);
  const refunded = await eventually(async () => (await tossPayment(paymentKey)).status === 'CANCELED');
  assert.ok(refunded, 'the stand-in shows the payment CANCELED');

  // No oversell: the seats stay with the member who holds them, who can pay.
  assert.equal((await getReservation(quick.token, theirs.id)).status, 'PENDING');
  assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['HELD', 'HELD']);
  const key2 = await checkout(theirs);
  const ok = await confirm(quick.token, { paymentKey: key2, orderId: theirs.order_id, amount: theirs.amount });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['SOLD', 'SOLD']);

  // The contract: "...is otherwise refunded through the provider (status REFUNDED)".
  const mine = await getReservation(late.token, reservation.id);
  assert.equal(mine.status, 'REFUNDED', `the late payer's reservation reads ${mine.status}`);
});

test('confirm sent after the hold expired, seats still free: PAID', async () => {
  const concert = await smallConcert({ holdTtl: 2 });
  const fan = await devLogin();
  const ids = await seatIds(concert.id, 2);
  const reservation = await hold(fan.token, concert.id, ids);
  const paymentKey = await checkout(reservation);
  await sleep(Date.parse(reservation.expires_at) - Date.now());
  const swept = await eventually(() =>
    psql(`SELECT status FROM encore.reservations WHERE id = '${reservation.id}'`)[0][0] === 'EXPIRED',
  { timeout: 5000, interval: 100 });
  assert.ok(swept, 'the expiry sweep marked the hold EXPIRED');

  const res = await confirm(fan.token, { paymentKey, orderId: reservation.order_id, amount: reservation.amount });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.reservation.status, 'PAID');
  assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['SOLD', 'SOLD']);
  assert.equal((await tossPayment(paymentKey)).status, 'DONE');
});

test('cancel a PAID reservation: refunded at the provider, REFUNDED here, seats AVAILABLE, consumers once', async () => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const ids = await seatIds(concert.id, 2);
  const { reservation, paymentKey, res } = await buy(fan.token, concert.id, ids);
  assert.equal(res.status, 200, res.text);

  const cancel = await api('POST', `/api/v1/reservations/${reservation.id}/cancel`, { token: fan.token });
  assert.equal(cancel.status, 200, cancel.text);
  assert.equal(cancel.body.reservation.status, 'REFUNDED');
  assert.equal((await tossPayment(paymentKey)).status, 'CANCELED');
  assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['AVAILABLE', 'AVAILABLE']);
  assert.equal((await getReservation(fan.token, reservation.id)).status, 'REFUNDED');

  const twice = await api('POST', `/api/v1/reservations/${reservation.id}/cancel`, { token: fan.token });
  assert.equal(twice.status, 409, twice.text);
  assert.equal(twice.body.error.code, 'RESERVATION_NOT_CANCELLABLE');
  const cancels = (await tossCalls({ paymentKey })).filter((c) => c.path.endsWith('/cancel'));
  assert.equal(cancels.length, 1);

  assert.ok(await eventually(() => outboxTopics(reservation.id).length === 2 && waitConsumed(reservation.id)));
  assert.deepEqual(outboxTopics(reservation.id).map((e) => e.topic), ['payment.succeeded', 'payment.refunded']);
  assert.deepEqual(receiptKinds(reservation.id), ['PAYMENT_SUCCEEDED', 'PAYMENT_REFUNDED']);
  assert.deepEqual(sales(concert.id), { tickets_sold: 0, revenue: 0, refunds: 2, refunded_amount: 100000 });
});

test('crash between approval and commit: the reconciler makes it PAID without a client retry', async (t) => {
  const concert = await smallConcert();
  const fan = await devLogin();
  const ids = await seatIds(concert.id, 1);
  const reservation = await hold(fan.token, concert.id, ids);
  const paymentKey = await checkout(reservation);
  await tossBehaviour({ confirm: 'slow', delay_ms: 2000, order_id: reservation.order_id, times: 1 });

  let restarted = false;
  t.after(async () => { if (!restarted) await stackAsync('restart-app'); });

  const pending = confirm(fan.token, { paymentKey, orderId: reservation.order_id, amount: reservation.amount })
    .then((r) => r, (e) => e);
  const sent = await eventually(async () => (await tossConfirmCalls(reservation.order_id)).length === 1,
    { timeout: 3000, interval: 50 });
  assert.ok(sent, 'the confirm reached the provider');
  const pid = stackPid('app');
  execFileSync('kill', ['-KILL', '--', `-${pid}`]);
  const answer = await pending;
  assert.ok(answer instanceof Error || answer.status !== 200, 'the client got no success answer');

  await sleep(2200); // the approval happens while encore is down
  assert.equal((await tossPayment(paymentKey)).status, 'DONE');
  await stackAsync('restart-app');
  restarted = true;

  const t0 = Date.now();
  const paid = await eventually(async () => (await getReservation(fan.token, reservation.id)).status === 'PAID',
    { timeout: 10000, interval: 250 });
  assert.ok(paid, 'PAID within 10 s of the restart');
  t.diagnostic(`reconciled ${Date.now() - t0} ms after the restart`);
  assert.deepEqual(await seatStatuses(concert.id, 'A', ids), ['SOLD']);
  assert.equal((await tossConfirmCalls(reservation.order_id)).length, 1);
  assert.equal(outboxTopics(reservation.id).filter((e) => e.topic === 'payment.succeeded').length, 1);
});
