#!/usr/bin/env node
// A local stand-in for the Toss Payments API (version 2022-11-16), so encore
// talks to it over real HTTP exactly as it talks to api.tosspayments.com:
// only the base URL differs.
//
// What it implements, with Toss's shapes and error codes:
//   GET  /checkout                      what the payment widget does: the
//                                       customer "authenticates" and is sent
//                                       to successUrl (or failUrl)
//   POST /v1/payments/confirm           approve an authenticated payment
//   GET  /v1/payments/{paymentKey}      read a payment
//   GET  /v1/payments/orders/{orderId}  read a payment by the merchant's id
//   POST /v1/payments/{paymentKey}/cancel  full or partial refund
// with Basic auth on the secret key and Idempotency-Key on POSTs, plus
// test-only controls under /__control/ (see README.md). State is in memory.

import {
	Behaviours, HttpError, RequestLog, escapeHtml, isHttpUrl, kstTime,
	kstWebhookTime, parseJsonBody, postJson, randomHex, randomText, readBody,
	readOptions, redirect, sendJson, sendRaw, serve, sleep,
	withParams,
} from './lib/common.mjs';

const opts = readOptions('toss', 8091, 'TOSS_PORT', {
	'secret-key': { env: 'TOSS_SECRET_KEY', default: 'test_sk_encore_local' },
	'session-ttl-s': { env: 'TOSS_SESSION_TTL_S', default: '600' },
});
const SECRET_KEY = opts['secret-key'];
const SESSION_TTL_MS = Number(opts['session-ttl-s']) * 1000;
const IDEMPOTENCY_TTL_MS = 15 * 24 * 3600 * 1000;
const HOLD_MS = 60 * 1000;
const MID = 'tvivarepublica';

// Toss's own codes and messages for the cases this stand-in produces.
const ERRORS = {
	INVALID_REQUEST: [400, '잘못된 요청입니다.'],
	ALREADY_PROCESSED_PAYMENT: [400, '이미 처리된 결제 입니다.'],
	ALREADY_CANCELED_PAYMENT: [400, '이미 취소된 결제 입니다.'],
	DUPLICATED_ORDER_ID: [400,
	    '이미 승인 및 취소가 진행된 중복된 주문번호 입니다. 다른 주문번호로 진행해주세요.'],
	UNAUTHORIZED_KEY: [401, '인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.'],
	REJECT_CARD_PAYMENT: [403, '한도초과 혹은 잔액부족으로 결제에 실패했습니다.'],
	NOT_CANCELABLE_AMOUNT: [403, '취소 할 수 없는 금액 입니다.'],
	NOT_CANCELABLE_PAYMENT: [403, '취소 할 수 없는 결제 입니다.'],
	NOT_FOUND_PAYMENT: [404, '존재하지 않는 결제 정보 입니다.'],
	NOT_FOUND_PAYMENT_SESSION: [404,
	    '결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.'],
	NOT_FOUND: [404, '존재하지 않는 정보 입니다.'],
	METHOD_NOT_ALLOWED: [405, '허용되지 않은 메서드입니다.'],
	IDEMPOTENT_REQUEST_PROCESSING: [409, '이전 멱등 요청이 처리중 입니다.'],
	FAILED_INTERNAL_SYSTEM_PROCESSING: [500,
	    '내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요.'],
};

function tossError(code, message) {
	const [status, text] = ERRORS[code];
	return new HttpError(status, { code, message: message ?? text });
}

const STATUSES = ['READY', 'IN_PROGRESS', 'WAITING_FOR_DEPOSIT', 'DONE',
    'CANCELED', 'PARTIAL_CANCELED', 'ABORTED', 'EXPIRED'];
const APPROVED = ['DONE', 'CANCELED', 'PARTIAL_CANCELED'];

const payments = new Map();	// paymentKey -> payment record
const idempotency = new Map();	// "METHOD path key" -> stored response
const requests = new RequestLog();
const behaviours = new Behaviours({
	confirm: ['ok', 'decline', 'error5xx', 'timeout', 'timeout_after_approve',
	    'slow'],
	cancel: ['ok', 'error5xx', 'timeout', 'slow'],
	checkout: ['ok', 'fail'],
});

// ---- payments --------------------------------------------------------------

function newPayment({ orderId, orderName, amount, status, paymentKey }) {
	const p = {
		paymentKey: paymentKey ?? 'tgen_' + randomText(24),
		orderId,
		orderName,
		status,
		totalAmount: amount,
		balanceAmount: amount,
		requestedAt: kstTime(),
		requestedMs: Date.now(),
		approvedAt: null,
		method: null,
		card: null,
		lastTransactionKey: null,
		cancels: [],
		failure: null,
		confirming: false,
	};
	payments.set(p.paymentKey, p);
	return p;
}

// An authenticated payment that was not confirmed in time is gone, as at Toss.
function refresh(p) {
	if ((p.status === 'IN_PROGRESS' || p.status === 'READY') &&
	    !p.confirming && Date.now() - p.requestedMs > SESSION_TTL_MS)
		p.status = 'EXPIRED';
	return p;
}

function findPayment(paymentKey) {
	const p = payments.get(paymentKey);
	if (p === undefined)
		throw tossError('NOT_FOUND_PAYMENT');
	return refresh(p);
}

// The payment Toss would answer for an orderId: the approved one if any,
// otherwise the latest attempt.
function findByOrder(orderId) {
	let best;
	for (const p of payments.values()) {
		if (p.orderId !== orderId)
			continue;
		refresh(p);
		if (best === undefined || APPROVED.includes(p.status) ||
		    !APPROVED.includes(best.status))
			best = p;
	}
	return best;
}

function approve(p) {
	p.status = 'DONE';
	p.approvedAt = kstTime();
	p.method = '카드';
	p.lastTransactionKey = randomHex(16).toUpperCase();
	p.failure = null;
	p.card = {
		issuerCode: '61', acquirerCode: '31', number: '43301234****123*',
		installmentPlanMonths: 0, isInterestFree: false, interestPayer: null,
		approveNo: String(Math.floor(Math.random() * 1e8)).padStart(8, '0'),
		useCardPoint: false, cardType: '신용', ownerType: '개인',
		acquireStatus: 'READY', amount: p.totalAmount,
	};
}

function cancelOnce(p, amount, reason) {
	p.balanceAmount -= amount;
	p.lastTransactionKey = randomHex(16).toUpperCase();
	p.cancels.push({
		transactionKey: p.lastTransactionKey,
		cancelReason: reason,
		taxExemptionAmount: 0,
		canceledAt: kstTime(),
		easyPayDiscountAmount: 0,
		receiptKey: null,
		cancelStatus: 'DONE',
		cancelRequestId: null,
		cancelAmount: amount,
		taxFreeAmount: 0,
		refundableAmount: p.balanceAmount,
	});
	p.status = p.balanceAmount === 0 ? 'CANCELED' : 'PARTIAL_CANCELED';
	if (p.card !== null)
		p.card.acquireStatus = p.status === 'CANCELED' ? 'CANCELED' : 'READY';
}

// The Payment object as Toss serialises it (version 2022-11-16).
function view(p, overrides = {}) {
	const supplied = Math.round(p.balanceAmount / 1.1);
	return {
		mId: MID,
		lastTransactionKey: p.lastTransactionKey,
		paymentKey: p.paymentKey,
		orderId: p.orderId,
		orderName: p.orderName,
		taxExemptionAmount: 0,
		status: p.status,
		requestedAt: p.requestedAt,
		approvedAt: p.approvedAt,
		useEscrow: false,
		cultureExpense: false,
		card: p.card === null ? null : { ...p.card },
		virtualAccount: null,
		transfer: null,
		mobilePhone: null,
		giftCertificate: null,
		cashReceipt: null,
		cashReceipts: null,
		discount: null,
		cancels: p.cancels.length === 0 ? null : p.cancels.map((c) => ({ ...c })),
		secret: null,
		type: 'NORMAL',
		easyPay: null,
		country: 'KR',
		failure: p.failure,
		isPartialCancelable: true,
		receipt: null,
		checkout: null,
		currency: 'KRW',
		totalAmount: p.totalAmount,
		balanceAmount: p.balanceAmount,
		suppliedAmount: supplied,
		vat: p.balanceAmount - supplied,
		taxFreeAmount: 0,
		method: p.method,
		version: '2022-11-16',
		metadata: null,
		...overrides,
	};
}

// ---- /v1 operations: each returns an outcome { status, body, hold } -------

function requireObject(body) {
	if (body === null || typeof body !== 'object' || Array.isArray(body))
		throw tossError('INVALID_REQUEST', '요청 본문은 JSON 객체여야 합니다.');
}

function parseConfirm(body) {
	requireObject(body);
	const { paymentKey, orderId, amount } = body;
	if (typeof paymentKey !== 'string' || paymentKey === '' ||
	    paymentKey.length > 200)
		throw tossError('INVALID_REQUEST', 'paymentKey 값이 올바르지 않습니다.');
	if (typeof orderId !== 'string' || orderId === '')
		throw tossError('INVALID_REQUEST', 'orderId 값이 올바르지 않습니다.');
	if (!Number.isInteger(amount) || amount < 0)
		throw tossError('INVALID_REQUEST', 'amount 값이 올바르지 않습니다.');
	return { paymentKey, orderId, amount };
}

function checkConfirmable(p, { orderId, amount }) {
	refresh(p);
	if (p.status === 'EXPIRED')
		throw tossError('NOT_FOUND_PAYMENT_SESSION');
	if (p.confirming || !(p.status === 'IN_PROGRESS' || p.status === 'READY'))
		throw tossError('ALREADY_PROCESSED_PAYMENT');
	if (p.orderId !== orderId)
		throw tossError('INVALID_REQUEST',
		    '결제 요청의 orderId와 승인 요청의 orderId가 일치하지 않습니다.');
	if (p.totalAmount !== amount)
		throw tossError('INVALID_REQUEST',
		    '결제 요청 금액과 승인 요청 금액(amount)이 일치하지 않습니다.');
	for (const other of payments.values())
		if (other !== p && other.orderId === orderId &&
		    APPROVED.includes(other.status))
			throw tossError('DUPLICATED_ORDER_ID');
}

async function confirm(body) {
	const request = parseConfirm(body);
	const p = findPayment(request.paymentKey);
	checkConfirmable(p, request);
	const { mode, delay_ms: delay } = behaviours.take('confirm', p.orderId);
	switch (mode) {
	case 'decline':
		p.status = 'ABORTED';
		p.failure = { code: 'REJECT_CARD_PAYMENT',
		    message: ERRORS.REJECT_CARD_PAYMENT[1] };
		throw tossError('REJECT_CARD_PAYMENT');
	case 'error5xx':
		throw tossError('FAILED_INTERNAL_SYSTEM_PROCESSING');
	case 'timeout':
		return { hold: true };
	case 'timeout_after_approve':
		approve(p);
		return { status: 200, body: view(p), hold: true };
	case 'slow':
		p.confirming = true;
		await sleep(delay);
		p.confirming = false;
		checkConfirmable(p, request);
		break;
	}
	approve(p);
	return { status: 200, body: view(p) };
}

function parseCancel(body) {
	requireObject(body);
	const { cancelReason, cancelAmount } = body;
	if (typeof cancelReason !== 'string' || cancelReason.trim() === '' ||
	    cancelReason.length > 200)
		throw tossError('INVALID_REQUEST', 'cancelReason 값이 올바르지 않습니다.');
	if (cancelAmount !== undefined && cancelAmount !== null &&
	    !(Number.isInteger(cancelAmount) && cancelAmount > 0))
		throw tossError('INVALID_REQUEST', 'cancelAmount 값이 올바르지 않습니다.');
	return { cancelReason, cancelAmount: cancelAmount ?? null };
}

function checkCancelable(p, { cancelAmount }) {
	if (p.status === 'CANCELED')
		throw tossError('ALREADY_CANCELED_PAYMENT');
	if (!(p.status === 'DONE' || p.status === 'PARTIAL_CANCELED'))
		throw tossError('NOT_CANCELABLE_PAYMENT');
	if (cancelAmount !== null && cancelAmount > p.balanceAmount)
		throw tossError('NOT_CANCELABLE_AMOUNT');
}

async function cancel(paymentKey, body) {
	const request = parseCancel(body);
	const p = findPayment(paymentKey);
	checkCancelable(p, request);
	const { mode, delay_ms: delay } = behaviours.take('cancel', p.orderId);
	switch (mode) {
	case 'error5xx':
		throw tossError('FAILED_INTERNAL_SYSTEM_PROCESSING');
	case 'timeout':
		return { hold: true };
	case 'slow':
		await sleep(delay);
		checkCancelable(p, request);
		break;
	}
	cancelOnce(p, request.cancelAmount ?? p.balanceAmount, request.cancelReason);
	return { status: 200, body: view(p) };
}

// ---- the /v1 edge: auth, idempotency, request log -------------------------

function authorised(req) {
	const header = req.headers.authorization ?? '';
	const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
	if (match === null)
		return false;
	return Buffer.from(match[1], 'base64').toString('utf8') === SECRET_KEY + ':';
}

// Same JSON, whatever the key order or spacing: that is "the same body".
function fingerprint(value) {
	if (Array.isArray(value))
		return '[' + value.map(fingerprint).join(',') + ']';
	if (value !== null && typeof value === 'object')
		return '{' + Object.keys(value).sort().map((k) =>
		    JSON.stringify(k) + ':' + fingerprint(value[k])).join(',') + '}';
	return JSON.stringify(value);
}

function outcomeOf(err) {
	if (err instanceof HttpError)
		return { status: err.status, body: err.body };
	throw err;
}

// Never answers: holds the socket until the client gives up or HOLD_MS pass.
function hold(res, onClose) {
	const timer = setTimeout(() => res.destroy(), HOLD_MS);
	res.on('close', () => {
		clearTimeout(timer);
		onClose();
	});
}

function deliver(res, outcome, text, onHoldEnd = () => {}) {
	if (outcome.hold) {
		hold(res, onHoldEnd);
		return;
	}
	sendRaw(res, outcome.status, text,
	    { 'Content-Type': 'application/json; charset=utf-8' });
}

// Runs one POST under its Idempotency-Key: a key seen before replays the
// stored answer (status and bytes); a key still being processed answers
// 409; the same key with another body answers 422. Answers of 5xx, and
// calls that never answered, are not stored: a retry runs again.
async function idempotent(req, res, path, body, operation) {
	const key = req.headers['idempotency-key'];
	if (key === undefined) {
		const outcome = await operation().catch(outcomeOf);
		deliver(res, outcome, JSON.stringify(outcome.body ?? null));
		return;
	}
	if (key === '' || key.length > 300)
		throw tossError('INVALID_REQUEST',
		    'Idempotency-Key 는 1자 이상 300자 이하여야 합니다.');
	const scope = `${req.method} ${path} ${key}`;
	const print = fingerprint(body);
	const seen = idempotency.get(scope);
	if (seen !== undefined && seen.expiresAt > Date.now()) {
		if (seen.print !== print)
			throw new HttpError(422, { code: 'IDEMPOTENT_REQUEST_PROCESSING',
			    message: '같은 멱등키로 다른 요청 본문이 전송되었습니다.' });
		if (seen.text === null)
			throw tossError('IDEMPOTENT_REQUEST_PROCESSING');
		sendRaw(res, seen.status, seen.text,
		    { 'Content-Type': 'application/json; charset=utf-8' });
		return;
	}
	const entry = { print, text: null, status: 0,
	    expiresAt: Date.now() + IDEMPOTENCY_TTL_MS };
	if (idempotency.size % 1000 === 999)
		sweepIdempotency();
	idempotency.set(scope, entry);
	let outcome;
	try {
		outcome = await operation().catch(outcomeOf);
	} catch (err) {
		idempotency.delete(scope);
		throw err;
	}
	const text = JSON.stringify(outcome.body ?? null);
	if (outcome.status === undefined || outcome.status >= 500) {
		if (outcome.hold)
			deliver(res, outcome, text, () => {
				if (idempotency.get(scope) === entry)
					idempotency.delete(scope);
			});
		else {
			idempotency.delete(scope);
			deliver(res, outcome, text);
		}
		return;
	}
	entry.status = outcome.status;
	entry.text = text;
	deliver(res, outcome, text);
}

function sweepIdempotency() {
	const now = Date.now();
	for (const [scope, entry] of idempotency)
		if (entry.expiresAt <= now)
			idempotency.delete(scope);
}

async function handleV1(req, res, url) {
	const raw = req.method === 'POST' ? await readBody(req) : '';
	const entry = requests.add({
		time: kstTime(), method: req.method, path: url.pathname,
		idempotency_key: req.headers['idempotency-key'] ?? null,
		body: raw === '' ? null : safeJson(raw), status: null,
	});
	res.on('close', () => {
		entry.status = res.writableFinished ? res.statusCode : null;
	});
	if (!authorised(req))
		throw tossError('UNAUTHORIZED_KEY');

	const path = url.pathname;
	let m;
	if (path === '/v1/payments/confirm') {
		allow(req, 'POST');
		const body = parseJsonBody(raw);
		await idempotent(req, res, path, body, () => confirm(body));
	} else if ((m = /^\/v1\/payments\/orders\/([^/]+)$/.exec(path))) {
		allow(req, 'GET');
		const p = findByOrder(segment(m[1]));
		if (p === undefined)
			throw tossError('NOT_FOUND_PAYMENT');
		sendJson(res, 200, view(p));
	} else if ((m = /^\/v1\/payments\/([^/]+)\/cancel$/.exec(path))) {
		allow(req, 'POST');
		const body = parseJsonBody(raw);
		const key = segment(m[1]);
		await idempotent(req, res, path, body, () => cancel(key, body));
	} else if ((m = /^\/v1\/payments\/([^/]+)$/.exec(path))) {
		allow(req, 'GET');
		sendJson(res, 200, view(findPayment(segment(m[1]))));
	} else {
		throw tossError('NOT_FOUND');
	}
}

// A path segment; malformed percent-encoding names nothing that exists.
function segment(text) {
	try {
		return decodeURIComponent(text);
	} catch {
		throw tossError('NOT_FOUND_PAYMENT');
	}
}

function allow(req, method) {
	if (req.method !== method)
		throw tossError('METHOD_NOT_ALLOWED');
}

function safeJson(text) {
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

// ---- GET /checkout: the widget ---------------------------------------------

function checkout(req, res, url) {
	if (req.method !== 'GET')
		throw new HttpError(405, page('Method not allowed', ['Use GET.']));
	const q = Object.fromEntries(url.searchParams);
	const problems = [];
	if (!/^[A-Za-z0-9_-]{6,64}$/.test(q.orderId ?? ''))
		problems.push('orderId must be 6-64 characters of A-Z a-z 0-9 _ -');
	if (!/^[1-9]\d{0,11}$/.test(q.amount ?? ''))
		problems.push('amount must be a positive integer (KRW)');
	if (!q.orderName || q.orderName.length > 100)
		problems.push('orderName is required (at most 100 characters)');
	if (!isHttpUrl(q.successUrl))
		problems.push('successUrl must be an absolute http(s) URL');
	if (!isHttpUrl(q.failUrl))
		problems.push('failUrl must be an absolute http(s) URL');
	if (problems.length > 0)
		throw new HttpError(400, page('Invalid payment request', problems));

	const approved = findByOrder(q.orderId);
	if (approved !== undefined && APPROVED.includes(approved.status)) {
		redirect(res, withParams(q.failUrl, { code: 'DUPLICATED_ORDER_ID',
		    message: ERRORS.DUPLICATED_ORDER_ID[1], orderId: q.orderId }));
		return;
	}
	if (behaviours.take('checkout', q.orderId).mode === 'fail') {
		redirect(res, withParams(q.failUrl, { code: 'PAY_PROCESS_CANCELED',
		    message: '사용자에 의해 결제가 취소되었습니다.', orderId: q.orderId }));
		return;
	}
	// The customer authenticated: Toss calls that state IN_PROGRESS.
	const p = newPayment({ orderId: q.orderId, orderName: q.orderName,
	    amount: Number(q.amount), status: 'IN_PROGRESS' });
	redirect(res, withParams(q.successUrl, { paymentKey: p.paymentKey,
	    orderId: p.orderId, amount: p.totalAmount, paymentType: 'NORMAL' }));
}

function page(title, lines) {
	return `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
	    `<title>${escapeHtml(title)}</title></head><body>` +
	    `<h1>${escapeHtml(title)}</h1><ul>` +
	    lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('') +
	    `</ul></body></html>\n`;
}

// ---- /__control: test-only ------------------------------------------------

function controlError(message) {
	return new HttpError(400, { code: 'INVALID_REQUEST', message });
}

function createDirect(body) {
	if (body === null || typeof body !== 'object')
		throw controlError('body must be a JSON object');
	const { orderId, amount, orderName = 'encore order', paymentKey } = body;
	const status = body.status ?? 'DONE';
	if (typeof orderId !== 'string' || orderId === '')
		throw controlError('orderId is required');
	if (!Number.isInteger(amount) || amount <= 0)
		throw controlError('amount must be a positive integer');
	if (!['READY', 'IN_PROGRESS', 'DONE', 'CANCELED', 'ABORTED',
	    'EXPIRED'].includes(status))
		throw controlError('status must be READY, IN_PROGRESS, DONE, ' +
		    'CANCELED, ABORTED or EXPIRED');
	if (paymentKey !== undefined &&
	    (typeof paymentKey !== 'string' || payments.has(paymentKey)))
		throw controlError('paymentKey must be a new string');
	const p = newPayment({ orderId, orderName, amount, paymentKey,
	    status: status === 'CANCELED' ? 'DONE' : status });
	if (status === 'DONE' || status === 'CANCELED')
		approve(p);
	if (status === 'CANCELED')
		cancelOnce(p, amount, 'created canceled by /__control/payments');
	if (status === 'ABORTED')
		p.failure = { code: 'REJECT_CARD_PAYMENT',
		    message: ERRORS.REJECT_CARD_PAYMENT[1] };
	return view(p);
}

async function sendWebhook(body) {
	if (body === null || typeof body !== 'object')
		throw controlError('body must be a JSON object');
	const { url, paymentKey } = body;
	const repeat = body.repeat ?? 1;
	if (!isHttpUrl(url))
		throw controlError('url must be an absolute http(s) URL');
	if (typeof paymentKey !== 'string' || paymentKey === '')
		throw controlError('paymentKey is required');
	if (!(Number.isInteger(repeat) && repeat >= 1 && repeat <= 100))
		throw controlError('repeat must be an integer 1-100');
	if (body.status !== undefined && !STATUSES.includes(body.status))
		throw controlError(`status must be one of ${STATUSES.join(', ')}`);
	let p = payments.get(paymentKey);
	const known = p !== undefined;
	if (!known) {
		// A forged event about a payment Toss never saw.
		if (typeof body.orderId !== 'string' || !Number.isInteger(body.amount))
			throw new HttpError(404, { code: 'NOT_FOUND_PAYMENT',
			    message: 'unknown paymentKey: give orderId and amount to forge one' });
		p = { ...newRecordShape(), paymentKey, orderId: body.orderId,
		    totalAmount: body.amount, balanceAmount: body.amount };
	}
	const data = view(refresh(p),
	    body.status === undefined ? {} : { status: body.status });
	const statuses = [];
	const errors = [];
	for (let i = 0; i < repeat; i++) {
		const event = { eventType: 'PAYMENT_STATUS_CHANGED',
		    createdAt: kstWebhookTime(), data };
		const result = await postJson(url, event);
		statuses.push(result.status);
		if (result.error !== undefined)
			errors.push(result.error);
	}
	return { statuses, errors, known, sent: data };
}

function newRecordShape() {
	return {
		orderName: 'forged', status: 'DONE', requestedAt: kstTime(),
		requestedMs: Date.now(), approvedAt: kstTime(), method: '카드',
		card: null, lastTransactionKey: randomHex(16).toUpperCase(),
		cancels: [], failure: null, confirming: false,
	};
}

async function handleControl(req, res, url) {
	const raw = req.method === 'POST' ? await readBody(req) : '';
	const body = parseJsonBody(raw);
	const route = `${req.method} ${url.pathname}`;
	switch (route) {
	case 'POST /__control/behaviour':
		sendJson(res, 200, behaviours.set(body));
		return;
	case 'GET /__control/behaviour':
		sendJson(res, 200, behaviours.list());
		return;
	case 'POST /__control/webhook':
		sendJson(res, 200, await sendWebhook(body));
		return;
	case 'POST /__control/payments':
		sendJson(res, 201, createDirect(body));
		return;
	case 'GET /__control/payments':
		sendJson(res, 200, { payments: [...payments.values()]
		    .map((p) => view(refresh(p))) });
		return;
	case 'GET /__control/requests':
		sendJson(res, 200, { requests: requests.entries });
		return;
	case 'POST /__control/reset':
		payments.clear();
		idempotency.clear();
		requests.clear();
		behaviours.clear();
		sendJson(res, 200, { reset: true });
		return;
	}
	throw new HttpError(404, { code: 'NOT_FOUND',
	    message: `no control endpoint ${route}` });
}

// ---- routing ---------------------------------------------------------------

serve('toss', opts.port, (req, res, url) => {
	if (url.pathname.startsWith('/v1/'))
		return handleV1(req, res, url);
	if (url.pathname === '/checkout')
		return checkout(req, res, url);
	if (url.pathname.startsWith('/__control/'))
		return handleControl(req, res, url);
	if (url.pathname === '/healthz') {
		sendJson(res, 200, { status: 'ok' });
		return;
	}
	throw tossError('NOT_FOUND');
});
