/*
 * concert-order.js: the order side of the concert page.
 *
 * Picking and unpicking seats within what the member may still buy, the
 * order panel with its running total, the "best available" form, creating
 * the hold and showing it. It works on the page state (st) that concert.js
 * owns and reaches back only through st.act: redrawSeats(), refreshSeats(),
 * openSection(code, focus) and describe(seat).
 */

import { post } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { krw } from '../format.js';
import { notify, notifyError } from '../notice.js';
import { currentMember } from '../session.js';
import { holdPanel } from '../hold-panel.js';

const MAX_PER_REQUEST = 10;
const RETURN_KEY = 'encore.return';

export function capLeft(st) {
	return Math.max(0, Math.min(MAX_PER_REQUEST, st.concert.max_tickets_per_member - st.used));
}

export function pick(st, seat) {
	if (st.mine.has(seat.id)) {
		st.act.redrawSeats();
		return;
	}
	if (st.selected.has(seat.id)) {
		st.selected.delete(seat.id);
	} else if (seat.status !== 'AVAILABLE') {
		notify(st.act.describe(seat), 'error');
	} else if (st.selected.size >= capLeft(st)) {
		notify(capLeft(st) === 0 ? t('concert.cap_reached')
		    : t('concert.too_many', { max: capLeft(st) }), 'error');
	} else {
		st.selected.set(seat.id, { ...seat, section: st.section });
	}
	st.act.redrawSeats();
}

export function renderOrder(st) {
	const picked = [...st.selected.values()];
	const total = picked.reduce((sum, s) => sum + s.price, 0);
	const loggedIn = currentMember() !== null;
	const holdBtn = h('button', { type: 'button', class: 'primary big hold-button',
	    disabled: loggedIn && picked.length === 0 },
	    loggedIn ? t('concert.hold') : t('concert.hold_login'));
	holdBtn.addEventListener('click', () => {
		if (!loggedIn)
			return goLogin();
		hold(st, { seat_ids: picked.map(s => s.id) }, holdBtn);
	});
	const clearBtn = h('button', { type: 'button', class: 'small ghost', hidden: picked.length === 0 },
	    t('concert.clear'));
	clearBtn.addEventListener('click', () => {
		st.selected.clear();
		st.act.redrawSeats();
	});
	const left = capLeft(st);
	replace(st.ui.order,
	    h('h2', { id: 'order-heading' }, t('concert.selected_count', { count: picked.length })),
	    h('ul', { class: 'picked' }, picked.map(s => {
		const rm = h('button', { type: 'button', class: 'chip-x',
		    'aria-label': `${t('concert.clear')}: ${s.section} ${t('concert.seat', s)}` }, '×');
		rm.addEventListener('click', () => { st.selected.delete(s.id); st.act.redrawSeats(); });
		return h('li', { class: 'chip', dataset: { seatId: s.id } },
		    `${s.section} · ${t('concert.seat', s)}`, ' ',
		    h('span', { class: 'muted' }, krw(s.price)), rm);
	    })),
	    h('p', { class: 'total' }, h('span', {}, t('concert.total')),
		h('strong', { class: 'total-amount', 'aria-live': 'polite' }, krw(total))),
	    h('p', { class: 'muted small' }, left > 0 ? t('concert.cap_left', { left: left - picked.length })
		: t('concert.cap_reached')),
	    h('div', { class: 'actions' }, holdBtn, clearBtn));
	updateBestQuantity(st);
}

export function buildBestForm(st) {
	const section = h('select', { id: 'best-section', name: 'section' },
	    st.concert.sections.map(s => h('option', { value: s.code },
		`${s.code} · ${t(`tier.${s.tier}`)} · ${krw(s.price)}`)));
	const quantity = h('select', { id: 'best-quantity', name: 'quantity' });
	const submit = h('button', { type: 'submit', class: 'secondary' }, t('concert.best_submit'));
	const form = h('form', { class: 'best-form card', 'aria-labelledby': 'best-heading' },
	    h('h2', { id: 'best-heading' }, t('concert.best')),
	    h('p', { class: 'muted small' }, t('concert.best_help')),
	    h('div', { class: 'row' },
		h('label', { for: 'best-section' }, t('concert.best_section'), section),
		h('label', { for: 'best-quantity' }, t('concert.best_quantity'), quantity)),
	    submit);
	form.addEventListener('submit', ev => {
		ev.preventDefault();
		if (!currentMember())
			return goLogin();
		hold(st, { section: section.value, quantity: Number(quantity.value) }, submit);
	});
	st.bestSection = section;
	st.bestQuantity = quantity;
	return form;
}

function updateBestQuantity(st) {
	const sel = st.bestQuantity;
	if (!sel)
		return;
	const max = Math.max(1, capLeft(st));
	const keep = Math.min(Number(sel.value) || 1, max);
	replace(sel, Array.from({ length: max }, (_, i) =>
	    h('option', { value: i + 1 }, String(i + 1))));
	sel.value = String(keep);
	sel.disabled = capLeft(st) === 0;
}

function goLogin() {
	try {
		sessionStorage.setItem(RETURN_KEY, location.hash);
	} catch {
		/* fine: login will land on the concert list */
	}
	location.hash = '#/login';
}

async function hold(st, what, button) {
	button.disabled = true;
	try {
		const { data } = await post('/api/v1/reservations', { concert_id: st.concert.id, ...what });
		const r = data.reservation;
		for (const s of r.seats) {
			st.selected.delete(s.id);
			st.mine.add(s.id);
		}
		st.used += r.seats.length;
		st.pending = r;
		renderHold(st, true);
		if (r.seats.length > 0 && r.seats[0].section !== st.section)
			st.act.openSection(r.seats[0].section, false);
		else
			await st.act.refreshSeats();
	} catch (err) {
		if (err.code === 'SEATS_UNAVAILABLE') {
			const taken = new Set(err.details.seat_ids || []);
			for (const seat of st.seats)
				if (taken.has(seat.id))
					seat.status = 'HELD';
			for (const id of taken)
				st.selected.delete(id);
			st.etag = null;
			st.act.refreshSeats();
		}
		notifyError(err);
	} finally {
		button.disabled = false;
		st.act.redrawSeats();
	}
}

export function renderHold(st, focus) {
	if (st.hold)
		st.hold.destroy();
	st.hold = null;
	replace(st.ui.hold);
	if (!st.pending)
		return;
	const r = st.pending;
	st.hold = holdPanel(r, { config: st.config, onGone: reason => {
		for (const s of r.seats)
			st.mine.delete(s.id);
		st.used = Math.max(0, st.used - r.seats.length);
		if (reason === 'cancelled') {
			st.pending = null;
			renderHold(st);
		}
		st.etag = null;
		st.act.refreshSeats();
		st.act.redrawSeats();
	} });
	st.ui.hold.appendChild(st.hold.el);
	if (focus) {
		st.hold.el.scrollIntoView({ block: 'nearest' });
		st.hold.el.querySelector('h2').setAttribute('tabindex', '-1');
		st.hold.el.querySelector('h2').focus({ preventScroll: true });
	}
}
