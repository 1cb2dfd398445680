// purchase.js: the whole purchase, as a browser does it, end to end.
//
// Per iteration, a new fan: dev login → hold seats (best available in a
// random section) → the payment provider's checkout page (the Toss stand-in's
// GET /checkout, redirects off) → paymentKey, orderId and amount from the
// 302's Location, as the success page reads them → POST
// /api/v1/payments/confirm → the reservation is PAID and the payment DONE →
// GET /api/v1/reservations/{id} agrees.
//
// This needs the Toss stand-in (tools/standins/toss.mjs), or a Toss test
// environment whose checkout redirects the same way; real Toss checkout is a
// widget in a browser and cannot be driven from k6.
//
// Env: VUS (10), DURATION ("1m"), QUANTITY (2), SECTIONS (all sections),
// P95_MS for the hold (1000), CONFIRM_P95_MS (3000, includes the provider
// call), SUCCESS_RATE (0.99), THINK_S (1), plus BASE_URL, CHECKOUT_URL,
// CONCERT_ID, RUN_ID (lib.js).

import http from 'k6/http';
import { check, sleep } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import {
	BASE_URL, CHECKOUT_URL, ROUTES, body, call, devLogin, envInt, errorCode, header,
	loadConcert, memberEmail, newRunId, parseQuery, pick, queryString, sectionCodes,
} from './lib.js';

const VUS = envInt('VUS', 10);
const DURATION = __ENV.DURATION || '1m';
const QUANTITY = envInt('QUANTITY', 2);
const P95_MS = envInt('P95_MS', 1000);
const CONFIRM_P95_MS = envInt('CONFIRM_P95_MS', 3000);
const SUCCESS_RATE = parseFloat(__ENV.SUCCESS_RATE || '0.99');
const THINK_S = parseFloat(__ENV.THINK_S || '1');

const purchasesOk = new Rate('purchases_ok');
const purchaseTime = new Trend('purchase_duration', true);
const soldOutTries = new Counter('sections_sold_out');
const failedStep = new Counter('purchase_failed_step');

export const options = {
	scenarios: {
		buyers: { executor: 'constant-vus', vus: VUS, duration: DURATION },
	},
	setupTimeout: '60s',
	thresholds: {
		// Nearly every purchase must end PAID (sold-out sections aside).
		purchases_ok: [`rate>=${SUCCESS_RATE}`],
		// No 5xx from encore, ever.
		server_errors: ['rate==0'],
		'http_req_duration{op:createReservation}': [`p(95)<${P95_MS}`],
		'http_req_duration{op:confirmPayment}': [`p(95)<${CONFIRM_P95_MS}`],
	},
};

export function setup() {
	const concert = loadConcert();
	const sections = sectionCodes(concert, 'SECTIONS');
	const quantity = Math.min(QUANTITY, concert.max_tickets_per_member);
	console.log(`purchase: ${BASE_URL} with checkout ${CHECKOUT_URL}, concert ${concert.id} "${concert.title}", ` +
	    `${quantity} seats per purchase from sections ${sections.join(',')}`);
	return { runId: newRunId(), concertId: concert.id, sections, quantity };
}

function failed(step, res) {
	failedStep.add(1, { step, status: String(res ? res.status : 0), code: res ? errorCode(res) : '' });
	purchasesOk.add(false);
}

// Best available in up to three random sections: the reservation, or null.
function hold(data, token) {
	for (let i = 0; i < 3; i++) {
		const res = call(ROUTES.createReservation, {
			json: { concert_id: data.concertId, section: pick(data.sections), quantity: data.quantity },
			token, expect: [201, 409],
		});
		if (res.status === 201)
			return body(res).reservation;
		if (res.status !== 409) {
			failed('hold', res);
			return null;
		}
		soldOutTries.add(1);
	}
	failed('hold', null);
	return null;
}

// The stand-in's checkout page, as the browser would open it; the 302 to the
// success URL carries what the success page posts to confirm.
function checkout(reservation) {
	const url = CHECKOUT_URL + queryString({
		orderId: reservation.order_id,
		amount: reservation.amount,
		orderName: reservation.order_name,
		successUrl: `${BASE_URL}/pay/success.html`,
		failUrl: `${BASE_URL}/pay/fail.html`,
	});
	const res = http.get(url, {
		redirects: 0,
		tags: { op: 'standinCheckout', name: 'GET checkout' },
		responseCallback: http.expectedStatuses(302),
	});
	const location = header(res, 'Location') || '';
	const q = parseQuery(location);
	const ok = check(res, {
		'checkout: 302 to the success URL': (r) => r.status === 302 &&
		    location.indexOf(`${BASE_URL}/pay/success.html`) === 0,
		'checkout: paymentKey, same orderId and amount': () => !!q.paymentKey &&
		    q.orderId === reservation.order_id && Number(q.amount) === reservation.amount,
	});
	if (!ok) {
		failed('checkout', res);
		return null;
	}
	return q;
}

export default function (data) {
	const started = Date.now();
	const fan = devLogin(memberEmail(data.runId, 'purchase', __VU, __ITER), `k6 buyer ${__VU}`);
	if (fan === null) {
		failed('login', null);
		return;
	}
	const reservation = hold(data, fan.token);
	if (reservation === null)
		return;
	sleep(THINK_S * Math.random());	// the fan looks at the countdown
	const paid = checkout(reservation);
	if (paid === null)
		return;

	const res = call(ROUTES.confirmPayment, {
		json: { paymentKey: paid.paymentKey, orderId: paid.orderId, amount: Number(paid.amount) },
		token: fan.token, expect: [200],
	});
	const b = body(res);
	const ok = check(res, {
		'confirm: 200': (r) => r.status === 200,
		'confirm: reservation PAID': () => b !== null && b.reservation &&
		    b.reservation.id === reservation.id && b.reservation.status === 'PAID',
		'confirm: payment DONE': () => b !== null && b.payment && b.payment.status === 'DONE',
	});
	if (!ok) {
		failed('confirm', res);
		return;
	}

	const again = call(ROUTES.getReservation, {
		params: { id: reservation.id }, token: fan.token, expect: [200],
	});
	const a = body(again);
	const still = check(again, {
		'reservation reads PAID afterwards': (r) => r.status === 200 && a !== null &&
		    a.reservation && a.reservation.status === 'PAID',
	});
	if (!still) {
		failed('read back', again);
		return;
	}
	purchasesOk.add(true);
	purchaseTime.add(Date.now() - started);
	sleep(THINK_S * Math.random());
}
