/*
 * pay-fail.js: the page the checkout returns to when the fan cancels or the
 * payment is declined. Nothing is confirmed; the hold stays until it
 * expires, so "My reservations" can still pay it.
 */

import { h, replace } from './dom.js';
import { t } from './i18n.js';
import { payPage, params } from './pay-common.js';

const box = document.getElementById('result');

function render() {
	const q = params();
	const code = q.get('code');
	const message = q.get('message');
	const orderId = q.get('orderId');
	box.dataset.result = 'FAILED';
	replace(box,
	    h('p', { class: 'result-line bad' }, t('pay.fail_heading')),
	    message ? h('p', {}, message) : null,
	    h('dl', { class: 'facts' },
		code ? [h('dt', {}, t('pay.fail_code')), h('dd', {}, code)] : null,
		orderId ? [h('dt', {}, t('pay.order')), h('dd', {}, orderId)] : null));
}

payPage(render);
