/*
 * reservations.js: "My reservations" — status, seats, receipts, cancel/refund.
 *
 * Receipts are written by a consumer of payment results and can trail the
 * payment by a moment, so a PAID or REFUNDED reservation without its receipt
 * asks again a few times before giving up quietly.
 */

import { get, post, serverNow, hasSession } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { dateTime, krw } from '../format.js';
import { notify, notifyError } from '../notice.js';
import { currentMember, loadConfig } from '../session.js';
import { seatName, startCountdown } from '../hold-panel.js';
import { startCheckout } from '../checkout.js';

const RECEIPT_RETRIES = 4;
const RECEIPT_RETRY_MS = 1500;

function badge(status) {
	return h('span', { class: `badge status-${status.toLowerCase()}`, dataset: { status } },
	    t(`rstatus.${status}`));
}

function receiptList(receipts) {
	if (receipts.length === 0)
		return null;
	return h('div', { class: 'receipts' },
	    h('h3', {}, t('res.receipts')),
	    h('ul', {}, receipts.map(rc => h('li', { class: 'receipt', dataset: { kind: rc.kind } },
		h('p', { class: 'receipt-title' }, h('strong', {}, rc.title), ' ',
		    h('span', { class: 'muted' }, krw(rc.amount))),
		h('p', { class: 'receipt-body' }, rc.body),
		h('p', { class: 'muted small' }, dateTime(rc.created_at))))));
}

/* A button that asks "are you sure?" inline instead of a modal dialog. */
function confirmButton(label, question, action) {
	const wrap = h('div', { class: 'confirm' });
	const first = h('button', { type: 'button', class: 'ghost danger' }, label);
	const yes = h('button', { type: 'button', class: 'danger' }, label);
	const no = h('button', { type: 'button', class: 'ghost' }, t('notice.close'));
	const ask = h('div', { class: 'confirm-ask', role: 'group', hidden: true },
	    h('span', {}, question), yes, no);
	first.addEventListener('click', () => {
		first.hidden = true;
		ask.hidden = false;
		yes.focus();
	});
	no.addEventListener('click', () => {
		ask.hidden = true;
		first.hidden = false;
		first.focus();
	});
	yes.addEventListener('click', async () => {
		yes.disabled = true;
		try {
			await action();
		} finally {
			yes.disabled = false;
		}
	});
	wrap.append(first, ask);
	return wrap;
}

function reservationCard(r, ctx) {
	const live = r.status === 'PENDING' && Date.parse(r.expires_at) > serverNow();
	const actions = h('div', { class: 'actions' });
	const card = h('li', { class: 'card reservation', dataset: { reservationId: r.id, status: r.status } },
	    h('div', { class: 'reservation-head' },
		h('h2', {}, ctx.titles.get(r.concert_id) || t('res.concert', { id: r.concert_id })),
		badge(r.status)),
	    h('ul', { class: 'seat-names' }, r.seats.map(s => h('li', {}, seatName(s)))),
	    h('p', { class: 'total' }, h('span', {}, t('res.amount')), h('strong', {}, krw(r.amount))),
	    h('p', { class: 'muted small' }, t('hold.order', { order: r.order_id })));
	if (live) {
		const clock = h('strong', { class: 'countdown', role: 'timer' });
		card.appendChild(h('p', { class: 'hold-clock' }, t('hold.expires'), ' ', clock));
		ctx.stops.push(startCountdown(clock, r.expires_at, () => ctx.reload()));
		const pay = h('button', { type: 'button', class: 'primary pay-button' }, t('res.pay'));
		pay.addEventListener('click', async () => {
			pay.disabled = true;
			try {
				await startCheckout(r, await loadConfig());
			} catch (err) {
				pay.disabled = false;
				notifyError(err);
			}
		});
		actions.append(pay, confirmButton(t('res.cancel'), t('res.confirm_cancel'),
		    () => cancel(r, ctx, 'res.cancelled')));
	} else if (r.status === 'PAID') {
		actions.append(confirmButton(t('res.refund'), t('res.confirm_refund'),
		    () => cancel(r, ctx, 'res.refunded')));
	}
	card.appendChild(actions);
	const receipts = receiptList(ctx.receipts.filter(rc => rc.reservation_id === r.id));
	if (receipts)
		card.appendChild(receipts);
	return card;
}

async function cancel(r, ctx, doneKey) {
	try {
		await post(`/api/v1/reservations/${encodeURIComponent(r.id)}/cancel`);
		notify(t(doneKey));
	} catch (err) {
		notifyError(err);
	}
	await ctx.reload();
}

export async function renderReservations(main) {
	const ctx = { stops: [], titles: new Map(), receipts: [], alive: true, tries: 0, timer: null };
	const stopAll = () => {
		for (const stop of ctx.stops)
			stop();
		ctx.stops = [];
	};
	if (!currentMember() || !hasSession()) {
		replace(main, h('h1', {}, t('res.heading')),
		    h('p', {}, t('error.login_required'), ' ',
			h('a', { href: '#/login' }, t('nav.login'))));
		return null;
	}
	const list = h('ul', { class: 'reservation-list' });
	replace(main, h('h1', {}, t('res.heading')), list);

	ctx.reload = async () => {
		let reservations;
		try {
			const [res, rec, con] = await Promise.all([
			    get('/api/v1/reservations'), get('/api/v1/me/receipts'),
			    ctx.titles.size ? null : get('/api/v1/concerts')]);
			reservations = res.data.reservations;
			ctx.receipts = rec.data.receipts;
			if (con)
				for (const c of con.data.concerts)
					ctx.titles.set(c.id, c.title);
		} catch (err) {
			notifyError(err);
			return;
		}
		if (!ctx.alive)
			return;
		stopAll();
		replace(list, reservations.length === 0 ? h('li', { class: 'empty' }, t('res.empty'))
		    : reservations.map(r => reservationCard(r, ctx)));
		const missing = reservations.some(r => (r.status === 'PAID' || r.status === 'REFUNDED') &&
		    !ctx.receipts.some(rc => rc.reservation_id === r.id));
		clearTimeout(ctx.timer);
		if (missing && ctx.tries < RECEIPT_RETRIES) {
			ctx.tries++;
			ctx.timer = setTimeout(() => ctx.reload(), RECEIPT_RETRY_MS);
		}
	};
	await ctx.reload();
	return () => {
		ctx.alive = false;
		clearTimeout(ctx.timer);
		stopAll();
	};
}
