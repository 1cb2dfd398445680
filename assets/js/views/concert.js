/*
 * concert.js: one concert — venue map, a section's seats, picking, holding.
 *
 * Flow: the arena overview shows every section; choosing one opens its seat
 * grid (canvas, or the list alternative) which refreshes every few seconds
 * with If-None-Match while it is open. Picked seats collect in the order
 * panel with a running total, up to what the member may still buy (the
 * concert's cap minus seats already in their PENDING and PAID reservations,
 * and at most 10 per request). "Hold" creates the reservation; the hold
 * panel then counts down to its expiry and offers Pay.
 *
 * The server has the last word on every seat: a pick the server refuses
 * (409 SEATS_UNAVAILABLE) is shown as taken and dropped from the order.
 * This file owns the page state and the seat views; the order side
 * (picking, totals, best available, the hold) is in concert-order.js.
 */

import { get, serverNow, hasSession } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { dateTime, krw, number, time } from '../format.js';
import { notify, notifyError } from '../notice.js';
import { currentMember, loadConfig } from '../session.js';
import { buildBestForm, pick, renderHold, renderOrder } from './concert-order.js';
import { drawArena, tierColour } from '../arena-map.js';
import { SeatCanvas, SEAT_COLOURS } from '../seat-canvas.js';
import { SeatList } from '../seat-list.js';

const POLL_MS = 3000;

/* What survives a re-render (language switch) of the same concert. */
const kept = { concertId: null, selected: new Map(), mode: 'map' };

function counts(reservation) {
	if (reservation.status === 'PAID')
		return true;
	return reservation.status === 'PENDING' && Date.parse(reservation.expires_at) > serverNow();
}

export async function renderConcert(main, [idText, sectionParam]) {
	const concertId = Number(idText);
	if (kept.concertId !== concertId) {
		kept.concertId = concertId;
		kept.selected = new Map();
	}
	const st = {
		concert: null, config: null, mine: new Set(), used: 0, pending: null,
		section: null, seats: [], etag: null, timer: null, selected: kept.selected,
		canvas: null, list: null, hold: null, alive: true
	};
	st.act = {
		redrawSeats: () => redrawSeats(st),
		refreshSeats: () => refreshSeats(st),
		openSection: (code, focus) => openSection(st, code, focus),
		describe: seat => describe(st, seat)
	};
	replace(main, h('p', { class: 'loading' }, t('app.loading')));
	try {
		const [{ data }, config] = await Promise.all([
		    get(`/api/v1/concerts/${concertId}`), loadConfig()]);
		st.concert = data.concert;
		st.config = config;
	} catch (err) {
		notifyError(err);
		replace(main, h('a', { href: '#/', class: 'back' }, t('concert.back')));
		return null;
	}
	await loadMine(st);

	const ui = buildPage(st);
	replace(main, ui.root);
	st.ui = ui;
	drawOverview(st);
	renderOrder(st);
	renderHold(st);
	const wanted = sectionParam && st.concert.sections.find(s => s.code === sectionParam);
	if (wanted)
		openSection(st, wanted.code, false);

	const onVisible = () => { if (!document.hidden && st.section) refreshSeats(st); };
	document.addEventListener('visibilitychange', onVisible);
	return () => {
		st.alive = false;
		stopPolling(st);
		document.removeEventListener('visibilitychange', onVisible);
		if (st.canvas)
			st.canvas.destroy();
		if (st.hold)
			st.hold.destroy();
	};
}

/* Seats the member already owns or holds here, and the newest live hold. */
async function loadMine(st) {
	st.mine = new Set();
	st.used = 0;
	st.pending = null;
	if (!currentMember() || !hasSession())
		return;
	try {
		const { data } = await get('/api/v1/reservations');
		for (const r of data.reservations) {
			if (r.concert_id !== st.concert.id || !counts(r))
				continue;
			for (const s of r.seats)
				st.mine.add(s.id);
			st.used += r.seats.length;
			if (r.status === 'PENDING' && (!st.pending ||
			    Date.parse(r.expires_at) > Date.parse(st.pending.expires_at)))
				st.pending = r;
		}
	} catch {
		/* not fatal: the server enforces the cap anyway */
	}
}

function sectionByCode(st, code) {
	return st.concert.sections.find(s => s.code === code);
}

function seatState(st, seat) {
	if (st.selected.has(seat.id) || st.mine.has(seat.id))
		return 'MINE';
	return seat.status;
}

function describe(st, seat) {
	const state = st.selected.has(seat.id) ? 'SELECTED' : seatState(st, seat);
	return t('concert.seat_full', { row: seat.row, number: seat.number,
	    price: krw(seat.price), status: t(`status.${state}`) });
}

function buildPage(st) {
	const c = st.concert;
	const ui = {};
	ui.hold = h('div', { class: 'hold-slot' });
	ui.venue = h('section', { class: 'venue card', 'aria-labelledby': 'venue-heading' },
	    h('h2', { id: 'venue-heading' }, t('concert.pick_section')),
	    ui.arena = h('div', { class: 'arena-wrap' }),
	    ui.tiers = h('ul', { class: 'tier-legend' }));
	ui.sectionView = h('section', { class: 'section-view card', hidden: true,
	    'aria-labelledby': 'section-heading' });
	ui.order = h('aside', { class: 'order-panel card', 'aria-labelledby': 'order-heading' });
	ui.best = buildBestForm(st);
	ui.root = h('div', { class: 'concert-page' },
	    h('a', { href: '#/', class: 'back' }, t('concert.back')),
	    h('header', { class: 'concert-head' },
		h('h1', {}, c.title),
		h('p', { class: 'when' }, dateTime(c.starts_at), ' · ', c.venue),
		h('p', { class: 'muted' }, t('concert.cap', { max: c.max_tickets_per_member }))),
	    ui.hold,
	    ui.body = h('div', { class: 'concert-body' },
		h('div', { class: 'stagebox' }, ui.venue, ui.sectionView),
		h('div', { class: 'side' }, ui.order, ui.best)));
	return ui;
}

function drawOverview(st) {
	const { ui, concert } = st;
	replace(ui.arena, drawArena(concert.sections, code => openSection(st, code, true)));
	const tiers = new Map();
	for (const s of concert.sections)
		if (!tiers.has(s.tier))
			tiers.set(s.tier, s.price);
	replace(ui.tiers, [...tiers].map(([tier, price]) => {
		const sw = h('span', { class: 'swatch', 'aria-hidden': 'true' });
		sw.style.background = tierColour(tier);
		return h('li', {}, sw, t(`tier.${tier}`), ' ', h('span', { class: 'muted' }, krw(price)));
	}));
}

function legend() {
	const items = [['available', null], ['held', SEAT_COLOURS.HELD],
	    ['sold', SEAT_COLOURS.SOLD], ['mine', SEAT_COLOURS.MINE]];
	return h('ul', { class: 'seat-legend' }, items.map(([key, colour]) => {
		const sw = h('span', { class: `swatch seat-${key}`, 'aria-hidden': 'true' });
		if (colour)
			sw.style.background = colour;
		return h('li', {}, sw, t(`legend.${key}`));
	}));
}

function openSection(st, code, userAction) {
	const section = sectionByCode(st, code);
	if (!section)
		return;
	stopPolling(st);
	if (st.canvas)
		st.canvas.destroy();
	st.section = code;
	st.seats = [];
	st.etag = null;
	history.replaceState(null, '', `#/concerts/${st.concert.id}/${code}`);

	const colour = tierColour(section.tier);
	const label = () => t('concert.seat_map_label', { code, rows: section.rows,
	    available: number(st.seats.filter(s => seatState(st, s) === 'AVAILABLE').length) });
	const opts = {
		colour,
		state: seat => seatState(st, seat),
		pickable: seat => st.selected.has(seat.id) ||
		    (!st.mine.has(seat.id) && seat.status === 'AVAILABLE'),
		describe: seat => describe(st, seat),
		onPick: seat => pick(st, seat),
		label: t('concert.seat_map_label', { code, rows: section.rows, available: '' })
	};
	st.canvas = new SeatCanvas(opts);
	st.list = new SeatList(opts);
	st.label = label;
	const mapBtn = h('button', { type: 'button', class: 'small', 'aria-pressed': 'true',
	    dataset: { view: 'map' } },
	    t('concert.view_map'));
	const listBtn = h('button', { type: 'button', class: 'small', 'aria-pressed': 'false',
	    dataset: { view: 'list' } },
	    t('concert.view_list'));
	const setMode = mode => {
		kept.mode = mode;
		mapBtn.setAttribute('aria-pressed', String(mode === 'map'));
		listBtn.setAttribute('aria-pressed', String(mode === 'list'));
		st.canvas.el.hidden = mode !== 'map';
		zoomOut.hidden = zoomIn.hidden = mode !== 'map';
		st.list.el.hidden = mode !== 'list';
		if (mode === 'map')
			st.canvas.layout();
	};
	mapBtn.addEventListener('click', () => setMode('map'));
	listBtn.addEventListener('click', () => setMode('list'));
	const zoomOut = h('button', { type: 'button', class: 'small', 'aria-label': t('concert.zoom_out') }, '−');
	const zoomIn = h('button', { type: 'button', class: 'small', 'aria-label': t('concert.zoom_in') }, '+');
	zoomOut.addEventListener('click', () => st.canvas.zoom(-1));
	zoomIn.addEventListener('click', () => st.canvas.zoom(1));
	const close = h('button', { type: 'button', class: 'small ghost close-section' },
	    t('concert.close_section'));
	close.addEventListener('click', () => closeSection(st));
	st.ui.updated = h('p', { class: 'updated muted small' });
	const heading = h('h2', { id: 'section-heading', tabindex: -1 },
	    t('concert.section_heading', { code }));
	replace(st.ui.sectionView,
	    h('div', { class: 'section-head' },
		h('div', {}, heading,
		    h('p', { class: 'muted' }, t(`tier.${section.tier}`), ' · ', krw(section.price))),
		h('div', { class: 'toolbar' },
		    h('div', { class: 'segmented', role: 'group' }, mapBtn, listBtn),
		    h('div', { class: 'segmented zoom', role: 'group' }, zoomOut, zoomIn), close)),
	    legend(), st.canvas.el, st.list.el, st.ui.updated);
	st.ui.venue.hidden = true;
	st.ui.sectionView.hidden = false;
	st.ui.body.classList.add('section-open');
	setMode(kept.mode);
	if (st.bestSection)
		st.bestSection.value = code;
	if (userAction)
		heading.focus();
	refreshSeats(st).then(() => startPolling(st));
}

function closeSection(st) {
	stopPolling(st);
	if (st.canvas)
		st.canvas.destroy();
	st.canvas = null;
	st.list = null;
	st.section = null;
	history.replaceState(null, '', `#/concerts/${st.concert.id}`);
	st.ui.sectionView.hidden = true;
	st.ui.venue.hidden = false;
	st.ui.body.classList.remove('section-open');
	refreshConcert(st);
}

async function refreshConcert(st) {
	try {
		const { data } = await get(`/api/v1/concerts/${st.concert.id}`);
		if (!st.alive)
			return;
		st.concert = data.concert;
		drawOverview(st);
	} catch (err) {
		notifyError(err);
	}
}

function startPolling(st) {
	stopPolling(st);
	if (st.alive && st.section)
		st.timer = setInterval(() => {
			if (!document.hidden)
				refreshSeats(st);
		}, POLL_MS);
}

function stopPolling(st) {
	if (st.timer)
		clearInterval(st.timer);
	st.timer = null;
}

/* One poll: 304 leaves everything as it is; 200 redraws what changed. */
async function refreshSeats(st) {
	const code = st.section;
	if (!code || st.fetching)
		return;
	st.fetching = true;
	try {
		const url = `/api/v1/concerts/${st.concert.id}/seats?section=${encodeURIComponent(code)}`;
		const res = await get(url, { etag: st.etag });
		if (!st.alive || st.section !== code)
			return;
		if (res.status !== 304) {
			const first = st.seats.length === 0;
			st.etag = res.etag;
			st.seats = res.data.seats;
			dropTaken(st);
			st.canvas.setSeats(st.seats);
			if (first)
				st.list.setSeats(st.seats);
			else
				st.list.refresh(st.seats);
			st.canvas.setLabel(st.label());
		}
		st.ui.updated.textContent = t('concert.updated', { time: time(new Date()) });
		st.ui.sectionView.dataset.etag = st.etag || '';
	} catch (err) {
		notifyError(err);
	} finally {
		st.fetching = false;
	}
}

/* Picked seats that someone else took in the meantime leave the order. */
function dropTaken(st) {
	const lost = [];
	for (const seat of st.seats) {
		if (st.selected.has(seat.id) && seat.status !== 'AVAILABLE') {
			st.selected.delete(seat.id);
			lost.push(seat);
		}
	}
	if (lost.length > 0) {
		notify(lost.map(s => describe(st, s)).join(', '), 'error');
		renderOrder(st);
	}
}

function redrawSeats(st) {
	if (st.canvas) {
		st.canvas.draw();
		st.list.update();
	}
	renderOrder(st);
}

