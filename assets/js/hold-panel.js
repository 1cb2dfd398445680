/*
 * hold-panel.js: a PENDING reservation, its countdown, Pay and Release.
 *
 * The countdown runs on the server's clock (api.serverNow) so a fast or
 * slow laptop clock does not promise time the server will not give.
 */

import { post, serverNow } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { countdown, krw } from './format.js';
import { notifyError, notify } from './notice.js';
import { startCheckout } from './checkout.js';

/* Keeps el's text at the time left until expiresAt; returns a stop(). */
export function startCountdown(el, expiresAt, onExpire) {
	const end = Date.parse(expiresAt);
	let timer = null;
	const tick = () => {
		const left = end - serverNow();
		el.textContent = countdown(left);
		el.classList.toggle('urgent', left < 60000);
		if (left <= 0) {
			clearInterval(timer);
			timer = null;
			if (onExpire)
				onExpire();
		}
	};
	tick();
	if (end - serverNow() > 0)
		timer = setInterval(tick, 1000);
	return () => { if (timer) clearInterval(timer); };
}

export function seatName(seat) {
	return `${seat.section} · ${t('concert.seat', { row: seat.row, number: seat.number })}`;
}

/*
 * holdPanel(reservation, {config, onGone}) -> {el, destroy}
 * onGone(reason) runs when the hold ends here: 'cancelled' or 'expired'.
 */
export function holdPanel(reservation, { config, onGone }) {
	const clock = h('strong', { class: 'countdown', role: 'timer', 'aria-live': 'off' });
	const pay = h('button', { type: 'button', class: 'primary big pay-button' },
	    t('hold.pay', { amount: krw(reservation.amount) }));
	const release = h('button', { type: 'button', class: 'ghost release-button' }, t('hold.cancel'));
	const status = h('p', { class: 'hold-expired', hidden: true }, t('hold.expired'));
	const el = h('section', { class: 'hold-panel card', 'aria-labelledby': 'hold-heading',
	    dataset: { reservationId: reservation.id } },
	    h('h2', { id: 'hold-heading' }, t('hold.heading')),
	    h('p', { class: 'hold-clock' }, t('hold.expires'), ' ', clock),
	    h('ul', { class: 'hold-seats', 'aria-label': t('hold.seats') },
		reservation.seats.map(s => h('li', {}, seatName(s), ' ',
		    h('span', { class: 'muted' }, krw(s.price))))),
	    h('p', { class: 'muted small' }, t('hold.order', { order: reservation.order_id })),
	    status,
	    h('div', { class: 'actions' }, pay, release));

	const stop = startCountdown(clock, reservation.expires_at, () => {
		pay.disabled = true;
		status.hidden = false;
		if (onGone)
			onGone('expired');
	});
	pay.addEventListener('click', async () => {
		pay.disabled = true;
		notify(t('pay.redirecting'));
		try {
			await startCheckout(reservation, config);
		} catch (err) {
			pay.disabled = false;
			notifyError(err);
		}
	});
	release.addEventListener('click', async () => {
		release.disabled = true;
		try {
			await post(`/api/v1/reservations/${encodeURIComponent(reservation.id)}/cancel`);
			stop();
			notify(t('res.cancelled'));
			if (onGone)
				onGone('cancelled');
		} catch (err) {
			release.disabled = false;
			notifyError(err);
		}
	});
	return { el, destroy: stop };
}
