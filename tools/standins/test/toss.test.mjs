// The Toss stand-in, exercised over HTTP as encore's libcurl client uses it.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { start, call, receiver, sleep } from '../lib/harness.mjs';

const SECRET = 'test_sk_encore_local';
const AUTH = { Authorization: 'Basic ' + Buffer.from(SECRET + ':').toString('base64') };
const RFC3339_KST = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/;

let toss;
before(async () => { toss = await start('toss.mjs'); });
after(async () => {
	const { code } = await toss.stop();
	assert.equal(code, 0, 'exits cleanly on SIGTERM');
});
beforeEach(async () => { await call(toss.base, '/__control/reset', { method: 'POST' }); });

let serial = 0;
function newOrderId() {
	serial += 1;
	return `order_${Date.now()}_${serial}`;
}

// Goes through the widget and returns what successUrl received.
async function checkout(amount = 15000, orderId = newOrderId()) {
	const q = new URLSearchParams({ orderId, amount: String(amount),
	    orderName: 'Concert A-1', successUrl: 'http://shop.test/ok',
	    failUrl: 'http://shop.test/fail' });
	const res = await call(toss.base, `/checkout?${q}`);
	assert.equal(res.status, 302);
	const loc = new URL(res.headers.get('location'));
	return { orderId, amount, paymentKey: loc.searchParams.get('paymentKey'), loc };
}

function confirm(body, headers = {}, extra = {}) {
	return call(toss.base, '/v1/payments/confirm', { method: 'POST',
	    headers: { ...AUTH, ...headers }, json: body, ...extra });
}

function behave(body) {
	return call(toss.base, '/__control/behaviour', { method: 'POST', json: body });
}

test('every /v1 call needs Basic auth with the secret key', async () => {
	const none = await call(toss.base, '/v1/payments/x');
	assert.equal(none.status, 401);
	assert.equal(none.data.code, 'UNAUTHORIZED_KEY');
	assert.equal(typeof none.data.message, 'string');
	const wrong = await call(toss.base, '/v1/payments/x', { headers:
	    { Authorization: 'Basic ' + Buffer.from('test_sk_other:').toString('base64') } });
	assert.equal(wrong.status, 401);
	const noColon = await call(toss.base, '/v1/payments/x', { headers:
	    { Authorization: 'Basic ' + Buffer.from(SECRET).toString('base64') } });
	assert.equal(noColon.status, 401);
	const ok = await call(toss.base, '/v1/payments/x', { headers: AUTH });
	assert.equal(ok.status, 404);
	assert.equal(ok.data.code, 'NOT_FOUND_PAYMENT');
});

test('the secret key comes from --secret-key', async () => {
	const other = await start('toss.mjs', ['--secret-key', 'test_sk_custom']);
	try {
		const auth = { Authorization: 'Basic ' +
		    Buffer.from('test_sk_custom:').toString('base64') };
		assert.equal((await call(other.base, '/v1/payments/x', { headers: auth })).status, 404);
		assert.equal((await call(other.base, '/v1/payments/x', { headers: AUTH })).status, 401);
	} finally {
		assert.equal((await other.stop()).code, 0);
	}
});

test('checkout redirects to successUrl with the Toss parameters, keeping its query', async () => {
	const q = new URLSearchParams({ orderId: 'order-abc_123', amount: '33000',
	    orderName: '콘서트 A구역 2매', successUrl: 'http://shop.test/ok?reservation=r1',
	    failUrl: 'http://shop.test/fail' });
	const res = await call(toss.base, `/checkout?${q}`);
	assert.equal(res.status, 302);
	const loc = new URL(res.headers.get('location'));
	assert.equal(loc.origin + loc.pathname, 'http://shop.test/ok');
	assert.equal(loc.searchParams.get('reservation'), 'r1');
	assert.match(loc.searchParams.get('paymentKey'), /^tgen_[A-Za-z0-9]{20,}$/);
	assert.equal(loc.searchParams.get('orderId'), 'order-abc_123');
	assert.equal(loc.searchParams.get('amount'), '33000');
	assert.equal(loc.searchParams.get('paymentType'), 'NORMAL');
	const p = await call(toss.base, `/v1/payments/${loc.searchParams.get('paymentKey')}`,
	    { headers: AUTH });
	assert.equal(p.data.status, 'IN_PROGRESS');
	assert.equal(p.data.orderName, '콘서트 A구역 2매');
	assert.equal(p.data.approvedAt, null);
	assert.match(p.data.requestedAt, RFC3339_KST);
});

test('checkout rejects missing or invalid parameters with a 400 page', async () => {
	const good = { orderId: 'order_123456', amount: '1000', orderName: 'x',
	    successUrl: 'http://a.test/ok', failUrl: 'http://a.test/fail' };
	for (const bad of [{ orderId: 'short' }, { orderId: 'has space 123' },
	    { amount: '0' }, { amount: '-5' }, { amount: '12.5' }, { orderName: '' },
	    { successUrl: 'javascript:alert(1)' }, { failUrl: '/relative' }]) {
		const q = new URLSearchParams({ ...good, ...bad });
		const res = await call(toss.base, `/checkout?${q}`);
		assert.equal(res.status, 400, JSON.stringify(bad));
		assert.match(res.headers.get('content-type'), /text\/html/);
	}
	const missing = await call(toss.base, '/checkout?orderId=order_123456');
	assert.equal(missing.status, 400);
});

test('confirm approves: DONE, card method, approvedAt in +09:00, full payment object', async () => {
	const c = await checkout(15000);
	const res = await confirm({ paymentKey: c.paymentKey, orderId: c.orderId, amount: 15000 });
	assert.equal(res.status, 200);
	const p = res.data;
	assert.equal(p.status, 'DONE');
	assert.equal(p.method, '카드');
	assert.match(p.approvedAt, RFC3339_KST);
	assert.equal(p.paymentKey, c.paymentKey);
	assert.equal(p.orderId, c.orderId);
	assert.equal(p.currency, 'KRW');
	assert.equal(p.type, 'NORMAL');
	assert.equal(p.version, '2022-11-16');
	assert.equal(typeof p.mId, 'string');
	assert.equal(p.totalAmount, 15000);
	assert.equal(p.balanceAmount, 15000);
	assert.equal(p.suppliedAmount + p.vat, 15000);
	assert.equal(p.vat, 1364);
	assert.equal(p.cancels, null);
	assert.equal(p.failure, null);
	assert.match(p.lastTransactionKey, /^[0-9A-F]{32}$/);
	assert.equal(p.card.amount, 15000);
});

test('confirm errors: unknown key, mismatches, twice, bad body', async () => {
	const c = await checkout(20000);
	let res = await confirm({ paymentKey: 'tgen_nobodymadethiskey00', orderId: c.orderId,
	    amount: 20000 });
	assert.equal(res.status, 404);
	assert.equal(res.data.code, 'NOT_FOUND_PAYMENT');
	res = await confirm({ paymentKey: c.paymentKey, orderId: c.orderId, amount: 19000 });
	assert.equal(res.status, 400);
	assert.equal(res.data.code, 'INVALID_REQUEST');
	res = await confirm({ paymentKey: c.paymentKey, orderId: 'order_other_1', amount: 20000 });
	assert.equal(res.status, 400);
	assert.equal(res.data.code, 'INVALID_REQUEST');
	res = await confirm({ paymentKey: c.paymentKey, orderId: c.orderId });
	assert.equal(res.status, 400);
	res = await call(toss.base, '/v1/payments/confirm', { method: 'POST', headers:
	    { ...AUTH, 'Content-Type': 'application/json' }, body: '{"paymentKey":' });
	assert.equal(res.status, 400);
	assert.equal(res.data.code, 'INVALID_REQUEST');
	res = await confirm({ paymentKey: c.paymentKey, orderId: c.orderId, amount: 20000 });
	assert.equal(res.status, 200);
	res = await confirm({ paymentKey: c.paymentKey, orderId: c.orderId, amount: 20000 });
	assert.equal(res.status, 400);
	assert.equal(res.data.code, 'ALREADY_PROCESSED_PAYMENT');
});

test('an orderId cannot be approved twice, nor checked out again once approved', async () => {
	const orderId = newOrderId();
	const first = await checkout(5000, orderId);
	const second = await checkout(5000, orderId);
	assert.notEqual(first.paymentKey, second.paymentKey);
	assert.equal((await confirm({ paymentKey: second.paymentKey, orderId, amount: 5000 })).status, 200);
	const res = await confirm({ paymentKey: first.paymentKey, orderId, amount: 5000 });
	assert.equal(res.status, 400);
	assert.equal(res.data.code, 'DUPLICATED_ORDER_ID');
	const q = new URLSearchParams({ orderId, amount: '5000', orderName: 'x',
	    successUrl: 'http://a.test/ok', failUrl: 'http://a.test/fail?x=1' });
	const again = await call(toss.base, `/checkout?${q}`);
	const loc = new URL(again.headers.get('location'));
	assert.equal(loc.pathname, '/fail');
	assert.equal(loc.searchParams.get('x'), '1');
	assert.equal(loc.searchParams.get('code'), 'DUPLICATED_ORDER_ID');
	const byOrder = await call(toss.base, `/v1/payments/orders/${orderId}`, { headers: AUTH });
	assert.equal(byOrder.data.paymentKey, second.paymentKey);
});

test('lookups by paymentKey and by orderId', async () => {
	const c = await checkout(7000);
	await confirm({ paymentKey: c.paymentKey, orderId: c.orderId, amount: 7000 });
	const byKey = await call(toss.base, `/v1/payments/${c.paymentKey}`, { headers: AUTH });
	const byOrder = await call(toss.base, `/v1/payments/orders/${c.orderId}`, { headers: AUTH });
	assert.equal(byKey.status, 200);
	assert.deepEqual(byOrder.data, byKey.data);
	assert.equal(byKey.data.status, 'DONE');
	const missing = await call(toss.base, '/v1/payments/orders/order_nobody_1', { headers: AUTH });
	assert.equal(missing.status, 404);
	assert.equal(missing.data.code, 'NOT_FOUND_PAYMENT');
	const wrongMethod = await call(toss.base, `/v1/payments/${c.paymentKey}`,
	    { method: 'DELETE', headers: AUTH });
	assert.equal(wrongMethod.status, 405);
});

test('Idempotency-Key: replay is byte-identical, other body 422, in-flight 409', async () => {
	const c = await checkout(9000);
	const body = { paymentKey: c.paymentKey, orderId: c.orderId, amount: 9000 };
	const first = await confirm(body, { 'Idempotency-Key': 'idem-1' });
	assert.equal(first.status, 200);
	const replay = await confirm({ amount: 9000, orderId: c.orderId,
	    paymentKey: c.paymentKey }, { 'Idempotency-Key': 'idem-1' });
	assert.equal(replay.status, 200);
	assert.equal(replay.text, first.text);
	const other = await confirm({ ...body, amount: 9001 }, { 'Idempotency-Key': 'idem-1' });
	assert.equal(other.status, 422);
	assert.equal(other.data.code, 'IDEMPOTENT_REQUEST_PROCESSING');
	// Without the key the same call is processed again: already approved.
	assert.equal((await confirm(body)).data.code, 'ALREADY_PROCESSED_PAYMENT');
	// Errors (4xx) are replayed too.
	const e1 = await confirm({ ...body, paymentKey: 'tgen_unknown_key_000000' },
	    { 'Idempotency-Key': 'idem-2' });
	const e2 = await confirm({ ...body, paymentKey: 'tgen_unknown_key_000000' },
	    { 'Idempotency-Key': 'idem-2' });
	assert.equal(e1.status, 404);
	assert.equal(e2.text, e1.text);
	// The key is scoped to the endpoint: a cancel may reuse it.
	const cancel = await call(toss.base, `/v1/payments/${c.paymentKey}/cancel`, {
	    method: 'POST', headers: { ...AUTH, 'Idempotency-Key': 'idem-1' },
	    json: { cancelReason: 'test' } });
	assert.equal(cancel.status, 200);
	assert.equal(cancel.data.status, 'CANCELED');
	const tooLong = await confirm(body, { 'Idempotency-Key': 'k'.repeat(301) });
	assert.equal(tooLong.status, 400);

	const d = await checkout(9000);
	await behave({ confirm: 'slow', delay_ms: 400, times: 1 });
	const body2 = { paymentKey: d.paymentKey, orderId: d.orderId, amount: 9000 };
	const slow = confirm(body2, { 'Idempotency-Key': 'idem-3' });
	await sleep(100);
	const busy = await confirm(body2, { 'Idempotency-Key': 'idem-3' });
	assert.equal(busy.status, 409);
	assert.equal(busy.data.code, 'IDEMPOTENT_REQUEST_PROCESSING');
	const done = await slow;
	assert.equal(done.status, 200);
	assert.equal((await confirm(body2, { 'Idempotency-Key': 'idem-3' })).text, done.text);
});

test('behaviour decline: 403 REJECT_CARD_PAYMENT, payment ABORTED', async () => {
	const c = await checkout(11000);
	await behave({ confirm: 'decline' });
	const res = await confirm({ paymentKey: c.paymentKey, orderId: c.orderId, amount: 11000 });
	assert.equal(res.status, 403);
	assert.equal(res.data.code, 'REJECT_CARD_PAYMENT');
	const p = await call(toss.base, `/v1/payments/${c.paymentKey}`, { headers: AUTH });
	assert.equal(p.data.status, 'ABORTED');
	assert.equal(p.data.failure.code, 'REJECT_CARD_PAYMENT');
	// A global rule without times stays until replaced.
	const d = await checkout(11000);
	assert.equal((await confirm({ paymentKey: d.paymentKey, orderId: d.orderId,
	    amount: 11000 })).status, 403);
	const rules = await call(toss.base, '/__control/behaviour');
	assert.equal(rules.data.rules.length, 1);
	await behave({ confirm: 'ok' });
	assert.equal((await call(toss.base, '/__control/behaviour')).data.rules.length, 0);
});

test('behaviour error5xx with times: only the next n calls, not stored for idempotency', async () => {
	const c = await checkout(12000);
	const body = { paymentKey: c.paymentKey, orderId: c.orderId, amount: 12000 };
	await behave({ confirm: 'error5xx', times: 2 });
	for (let i = 0; i < 2; i++) {
		const res = await confirm(body, { 'Idempotency-Key': 'retry-1' });
		assert.equal(res.status, 500);
		assert.equal(res.data.code, 'FAILED_INTERNAL_SYSTEM_PROCESSING');
	}
	const res = await confirm(body, { 'Idempotency-Key': 'retry-1' });
	assert.equal(res.status, 200);
	assert.equal(res.data.status, 'DONE');
});

test('behaviour order_id: only that order misbehaves', async () => {
	const a = await checkout(3000);
	const b = await checkout(3000);
	await behave({ confirm: 'error5xx', order_id: b.orderId });
	assert.equal((await confirm({ paymentKey: a.paymentKey, orderId: a.orderId,
	    amount: 3000 })).status, 200);
	assert.equal((await confirm({ paymentKey: b.paymentKey, orderId: b.orderId,
	    amount: 3000 })).status, 500);
	const bad = await behave({ confirm: 'explode' });
	assert.equal(bad.status, 400);
	assert.equal((await behave({ refund: 'ok' })).status, 400);
});

test('behaviour timeout: no answer, nothing approved, key released when the client gives up', async () => {
	const c = await checkout(4000);
	const body = { paymentKey: c.paymentKey, orderId: c.orderId, amount: 4000 };
	await behave({ confirm: 'timeout', times: 1 });
	await assert.rejects(confirm(body, { 'Idempotency-Key': 'to-1' }, { timeoutMs: 300 }),
	    { name: 'TimeoutError' });
	await sleep(50);
	const p = await call(toss.base, `/v1/payments/${c.paymentKey}`, { headers: AUTH });
	assert.equal(p.data.status, 'IN_PROGRESS');
	const retry = await confirm(body, { 'Idempotency-Key': 'to-1' });
	assert.equal(retry.status, 200);
	assert.equal(retry.data.status, 'DONE');
});

test('behaviour timeout_after_approve: approved but unanswered; a retry with the key gets the answer', async () => {
	const c = await checkout(4500);
	const body = { paymentKey: c.paymentKey, orderId: c.orderId, amount: 4500 };
	await behave({ confirm: 'timeout_after_approve', times: 1 });
	await assert.rejects(confirm(body, { 'Idempotency-Key': 'lost-1' }, { timeoutMs: 300 }));
	const p = await call(toss.base, `/v1/payments/orders/${c.orderId}`, { headers: AUTH });
	assert.equal(p.data.status, 'DONE');
	const retry = await confirm(body, { 'Idempotency-Key': 'lost-1' });
	assert.equal(retry.status, 200);
	assert.equal(retry.data.status, 'DONE');
	assert.equal(retry.data.approvedAt, p.data.approvedAt);
});

test('behaviour slow: approves after delay_ms', async () => {
	const c = await checkout(6000);
	await behave({ confirm: 'slow', delay_ms: 300, times: 1 });
	const t0 = Date.now();
	const res = await confirm({ paymentKey: c.paymentKey, orderId: c.orderId, amount: 6000 });
	assert.ok(Date.now() - t0 >= 280, 'took the delay');
	assert.equal(res.data.status, 'DONE');
});

test('behaviour checkout fail: redirect to failUrl with PAY_PROCESS_CANCELED', async () => {
	const orderId = newOrderId();
	await behave({ checkout: 'fail', times: 1 });
	const q = new URLSearchParams({ orderId, amount: '1000', orderName: 'x',
	    successUrl: 'http://a.test/ok', failUrl: 'http://a.test/fail?r=9' });
	const res = await call(toss.base, `/checkout?${q}`);
	assert.equal(res.status, 302);
	const loc = new URL(res.headers.get('location'));
	assert.equal(loc.pathname, '/fail');
	assert.equal(loc.searchParams.get('r'), '9');
	assert.equal(loc.searchParams.get('code'), 'PAY_PROCESS_CANCELED');
	assert.ok(loc.searchParams.get('message'));
	assert.equal(loc.searchParams.get('orderId'), orderId);
	const next = await call(toss.base, `/checkout?${q}`);
	assert.equal(new URL(next.headers.get('location')).pathname, '/ok');
});

test('cancel: partial then full, cancels[] grows, and the errors Toss gives', async () => {
	const c = await checkout(30000);
	const path = `/v1/payments/${c.paymentKey}/cancel`;
	const cancel = (json, headers = {}) => call(toss.base, path,
	    { method: 'POST', headers: { ...AUTH, ...headers }, json });
	let res = await cancel({ cancelReason: 'too early' });
	assert.equal(res.status, 403);
	assert.equal(res.data.code, 'NOT_CANCELABLE_PAYMENT');
	await confirm({ paymentKey: c.paymentKey, orderId: c.orderId, amount: 30000 });
	res = await cancel({ cancelAmount: 10000 });
	assert.equal(res.status, 400);
	assert.equal(res.data.code, 'INVALID_REQUEST');
	res = await cancel({ cancelReason: 'x', cancelAmount: 40000 });
	assert.equal(res.status, 403);
	assert.equal(res.data.code, 'NOT_CANCELABLE_AMOUNT');
	res = await cancel({ cancelReason: '좌석 1개 환불', cancelAmount: 10000 });
	assert.equal(res.status, 200);
	assert.equal(res.data.status, 'PARTIAL_CANCELED');
	assert.equal(res.data.balanceAmount, 20000);
	assert.equal(res.data.cancels.length, 1);
	const first = res.data.cancels[0];
	assert.equal(first.cancelAmount, 10000);
	assert.equal(first.cancelReason, '좌석 1개 환불');
	assert.equal(first.cancelStatus, 'DONE');
	assert.equal(first.refundableAmount, 20000);
	assert.match(first.canceledAt, RFC3339_KST);
	await behave({ cancel: 'error5xx', times: 1 });
	res = await cancel({ cancelReason: 'rest' });
	assert.equal(res.status, 500);
	assert.equal(res.data.code, 'FAILED_INTERNAL_SYSTEM_PROCESSING');
	res = await cancel({ cancelReason: 'rest' }, { 'Idempotency-Key': 'cx-1' });
	assert.equal(res.status, 200);
	assert.equal(res.data.status, 'CANCELED');
	assert.equal(res.data.balanceAmount, 0);
	assert.equal(res.data.cancels.length, 2);
	assert.equal(res.data.cancels[1].cancelAmount, 20000);
	const replay = await cancel({ cancelReason: 'rest' }, { 'Idempotency-Key': 'cx-1' });
	assert.equal(replay.text, res.text);
	res = await cancel({ cancelReason: 'again' });
	assert.equal(res.status, 400);
	assert.equal(res.data.code, 'ALREADY_CANCELED_PAYMENT');
	res = await call(toss.base, '/v1/payments/tgen_nope_nope_nope_nope/cancel',
	    { method: 'POST', headers: AUTH, json: { cancelReason: 'x' } });
	assert.equal(res.status, 404);
	assert.equal(res.data.code, 'NOT_FOUND_PAYMENT');
});

test('cancel timeout and slow behaviours', async () => {
	const c = await checkout(8000);
	await confirm({ paymentKey: c.paymentKey, orderId: c.orderId, amount: 8000 });
	const path = `/v1/payments/${c.paymentKey}/cancel`;
	await behave({ cancel: 'timeout', times: 1 });
	await assert.rejects(call(toss.base, path, { method: 'POST', headers: AUTH,
	    json: { cancelReason: 'x' }, timeoutMs: 300 }));
	await behave({ cancel: 'slow', delay_ms: 200, times: 1 });
	const t0 = Date.now();
	const res = await call(toss.base, path, { method: 'POST', headers: AUTH,
	    json: { cancelReason: 'x' } });
	assert.ok(Date.now() - t0 >= 180);
	assert.equal(res.data.status, 'CANCELED');
});

test('control payments: create an approval directly, list all', async () => {
	const orderId = newOrderId();
	const made = await call(toss.base, '/__control/payments', { method: 'POST',
	    json: { orderId, amount: 50000, status: 'DONE' } });
	assert.equal(made.status, 201);
	assert.equal(made.data.status, 'DONE');
	assert.match(made.data.approvedAt, RFC3339_KST);
	const seen = await call(toss.base, `/v1/payments/orders/${orderId}`, { headers: AUTH });
	assert.equal(seen.data.paymentKey, made.data.paymentKey);
	const bad = await call(toss.base, '/__control/payments', { method: 'POST',
	    json: { orderId, amount: 0 } });
	assert.equal(bad.status, 400);
	const canceled = await call(toss.base, '/__control/payments', { method: 'POST',
	    json: { orderId: newOrderId(), amount: 1000, status: 'CANCELED' } });
	assert.equal(canceled.data.status, 'CANCELED');
	const all = await call(toss.base, '/__control/payments');
	assert.equal(all.data.payments.length, 2);
});

test('control requests logs /v1 calls; reset clears everything', async () => {
	const c = await checkout(2000);
	await confirm({ paymentKey: c.paymentKey, orderId: c.orderId, amount: 2000 },
	    { 'Idempotency-Key': 'log-1' });
	await call(toss.base, '/v1/payments/x');
	const log = (await call(toss.base, '/__control/requests')).data.requests;
	assert.equal(log.length, 2);
	assert.equal(log[0].method, 'POST');
	assert.equal(log[0].path, '/v1/payments/confirm');
	assert.equal(log[0].idempotency_key, 'log-1');
	assert.deepEqual(log[0].body, { paymentKey: c.paymentKey, orderId: c.orderId, amount: 2000 });
	assert.equal(log[0].status, 200);
	assert.match(log[0].time, RFC3339_KST);
	assert.equal(log[1].status, 401);
	await behave({ confirm: 'decline' });
	await call(toss.base, '/__control/reset', { method: 'POST' });
	assert.equal((await call(toss.base, '/__control/requests')).data.requests.length, 0);
	assert.equal((await call(toss.base, '/__control/payments')).data.payments.length, 0);
	assert.equal((await call(toss.base, '/__control/behaviour')).data.rules.length, 0);
});

test('control webhook: posts PAYMENT_STATUS_CHANGED, can forge and repeat', async () => {
	const hook = await receiver(200);
	try {
		const c = await checkout(25000);
		await confirm({ paymentKey: c.paymentKey, orderId: c.orderId, amount: 25000 });
		let res = await call(toss.base, '/__control/webhook', { method: 'POST',
		    json: { url: hook.url, paymentKey: c.paymentKey } });
		assert.equal(res.status, 200);
		assert.deepEqual(res.data.statuses, [200]);
		const event = hook.received[0];
		assert.match(event.headers['content-type'], /application\/json/);
		assert.equal(event.body.eventType, 'PAYMENT_STATUS_CHANGED');
		assert.match(event.body.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
		assert.equal(event.body.data.paymentKey, c.paymentKey);
		assert.equal(event.body.data.status, 'DONE');
		assert.equal(event.body.data.totalAmount, 25000);

		res = await call(toss.base, '/__control/webhook', { method: 'POST',
		    json: { url: hook.url, paymentKey: c.paymentKey, status: 'CANCELED', repeat: 3 } });
		assert.deepEqual(res.data.statuses, [200, 200, 200]);
		assert.equal(hook.received[3].body.data.status, 'CANCELED');
		const stored = await call(toss.base, `/v1/payments/${c.paymentKey}`, { headers: AUTH });
		assert.equal(stored.data.status, 'DONE', 'forging does not change the payment');

		hook.status = 500;
		res = await call(toss.base, '/__control/webhook', { method: 'POST',
		    json: { url: hook.url, paymentKey: c.paymentKey } });
		assert.deepEqual(res.data.statuses, [500]);

		res = await call(toss.base, '/__control/webhook', { method: 'POST',
		    json: { url: hook.url, paymentKey: 'tgen_never_seen_000000' } });
		assert.equal(res.status, 404);
		res = await call(toss.base, '/__control/webhook', { method: 'POST',
		    json: { url: hook.url, paymentKey: 'tgen_never_seen_000000',
		        orderId: 'order_forged_1', amount: 100 } });
		assert.equal(res.data.known, false);
		assert.equal(hook.received.at(-1).body.data.orderId, 'order_forged_1');

		res = await call(toss.base, '/__control/webhook', { method: 'POST',
		    json: { url: 'http://127.0.0.1:1/hook', paymentKey: c.paymentKey } });
		assert.deepEqual(res.data.statuses, [0]);
		assert.equal(res.data.errors.length, 1);
	} finally {
		await hook.close();
	}
});

test('a session not confirmed in time expires', async () => {
	const short = await start('toss.mjs', ['--session-ttl-s', '0']);
	try {
		const q = new URLSearchParams({ orderId: 'order_expire_1', amount: '1000',
		    orderName: 'x', successUrl: 'http://a.test/ok', failUrl: 'http://a.test/fail' });
		const loc = new URL((await call(short.base, `/checkout?${q}`)).headers.get('location'));
		await sleep(20);
		const res = await call(short.base, '/v1/payments/confirm', { method: 'POST',
		    headers: AUTH, json: { paymentKey: loc.searchParams.get('paymentKey'),
		        orderId: 'order_expire_1', amount: 1000 } });
		assert.equal(res.status, 404);
		assert.equal(res.data.code, 'NOT_FOUND_PAYMENT_SESSION');
	} finally {
		await short.stop();
	}
});

test('one log line per request; SIGTERM exits 0 even with a held socket', async () => {
	const own = await start('toss.mjs');
	await call(own.base, '/__control/behaviour', { method: 'POST',
	    json: { confirm: 'timeout' } });
	const q = new URLSearchParams({ orderId: 'order_held_1', amount: '1000',
	    orderName: 'x', successUrl: 'http://a.test/ok', failUrl: 'http://a.test/fail' });
	const loc = new URL((await call(own.base, `/checkout?${q}`)).headers.get('location'));
	const held = call(own.base, '/v1/payments/confirm', { method: 'POST', headers: AUTH,
	    json: { paymentKey: loc.searchParams.get('paymentKey'), orderId: 'order_held_1',
	        amount: 1000 } }).catch((err) => err);
	await sleep(100);
	const t0 = Date.now();
	const { code } = await own.stop();
	assert.equal(code, 0);
	assert.ok(Date.now() - t0 < 1500);
	assert.ok(await held instanceof Error);
	const lines = own.output().trim().split('\n');
	assert.match(lines[0], /listening on/);
	assert.ok(lines.some((l) => / GET \/checkout 302 /.test(l)));
	assert.ok(lines.some((l) => / POST \/__control\/behaviour 200 /.test(l)));
});
