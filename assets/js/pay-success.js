/*
 * pay-success.js: the page the checkout returns to after approval.
 *
 * It asks the server to confirm the payment (the server checks the amount
 * against its own total and talks to the provider) and says plainly what
 * came of it: paid, refunded because the hold had expired and the seats
 * were gone, or the server's error message. Confirming again (a reload) is
 * harmless: the server answers the same result for the same paymentKey.
 */

import { post } from './api.js';
import { h, replace } from './dom.js';
import { t } from './i18n.js';
import { krw } from './format.js';
import { errorText } from './notice.js';
import { seatName } from './hold-panel.js';
import { payPage, params } from './pay-common.js';

const box = document.getElementById('result');
let outcome = null;

function details(reservation, payment) {
	return h('dl', { class: 'facts' },
	    h('dt', {}, t('pay.order')), h('dd', {}, reservation.order_id),
	    h('dt', {}, t('pay.amount')), h('dd', {}, krw(reservation.amount)),
	    payment && payment.method ? [h('dt', {}, t('pay.method')), h('dd', {}, payment.method)] : null,
	    h('dt', {}, t('hold.seats')),
	    h('dd', {}, h('ul', { class: 'seat-names' },
		reservation.seats.map(s => h('li', {}, seatName(s))))));
}

function render() {
	if (!outcome) {
		replace(box, h('p', { class: 'loading' }, t('pay.confirming')));
		return;
	}
	box.dataset.result = outcome.kind;
	if (outcome.kind === 'PAID') {
		replace(box, h('p', { class: 'result-line ok' }, t('pay.paid')),
		    details(outcome.reservation, outcome.payment));
	} else if (outcome.kind === 'REFUNDED') {
		replace(box, h('p', { class: 'result-line warn' }, t('pay.refunded')),
		    details(outcome.reservation, outcome.payment));
	} else if (outcome.kind === 'MISSING') {
		replace(box, h('p', { class: 'result-line bad' }, t('pay.missing')));
	} else {
		replace(box, h('p', { class: 'result-line bad' }, t('pay.failed')),
		    h('p', {}, errorText(outcome.error)),
		    h('p', { class: 'muted small' }, outcome.error.code || ''));
	}
}

async function confirm() {
	const q = params();
	const paymentKey = q.get('paymentKey');
	const orderId = q.get('orderId');
	const amount = Number(q.get('amount'));
	if (!paymentKey || !orderId || !Number.isSafeInteger(amount)) {
		outcome = { kind: 'MISSING' };
		return;
	}
	try {
		const { data } = await post('/api/v1/payments/confirm', { paymentKey, orderId, amount });
		const status = data.reservation.status;
		outcome = { kind: status === 'REFUNDED' ? 'REFUNDED' : status === 'PAID' ? 'PAID' : 'ERROR',
		    reservation: data.reservation, payment: data.payment,
		    error: { code: status, message: t(`rstatus.${status}`) } };
	} catch (err) {
		outcome = { kind: 'ERROR', error: err };
	}
}

payPage(render);
confirm().then(render);
