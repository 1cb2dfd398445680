/*
 * seat-list.js: the same seats as the canvas, as a plain form.
 *
 * One fieldset per row, one checkbox per seat, each with a full spoken
 * label; seats that cannot be picked are disabled. It is the screen-reader
 * and keyboard-only alternative to the canvas, and it is kept in step with
 * every refresh (update() touches attributes only, it does not rebuild).
 * data-seat-id / data-status on each checkbox say what the list shows.
 */

import { h } from './dom.js';
import { t } from './i18n.js';

export class SeatList {
	/* opts: state(seat), pickable(seat), describe(seat), onPick(seat) */
	constructor(opts) {
		this.opts = opts;
		this.inputs = new Map();
		this.el = h('div', { class: 'seat-list' });
	}

	setSeats(seats) {
		this.inputs.clear();
		const byRow = new Map();
		for (const seat of seats) {
			if (!byRow.has(seat.row))
				byRow.set(seat.row, []);
			byRow.get(seat.row).push(seat);
		}
		const sets = [];
		for (const [row, list] of byRow) {
			const boxes = list.map(seat => {
				const input = h('input', { type: 'checkbox',
				    dataset: { seatId: seat.id } });
				const entry = { input, seat };
				input.addEventListener('change', () => {
					this.opts.onPick(entry.seat);
				});
				this.inputs.set(seat.id, entry);
				return h('label', { class: 'seat-check' }, input,
				    h('span', { 'aria-hidden': 'true' }, String(seat.number)));
			});
			sets.push(h('fieldset', { class: 'seat-row' },
			    h('legend', {}, t('concert.list_row', { row })), boxes));
		}
		this.el.replaceChildren(...sets);
		this.update();
	}

	/* New seat objects from a refresh (same seats, maybe new statuses). */
	refresh(seats) {
		if (seats.length !== this.inputs.size || seats.some(s => !this.inputs.has(s.id))) {
			this.setSeats(seats);
			return;
		}
		for (const seat of seats)
			this.inputs.get(seat.id).seat = seat;
		this.update();
	}

	update() {
		for (const { input, seat } of this.inputs.values()) {
			const state = this.opts.state(seat);
			input.checked = state === 'MINE';
			input.disabled = !this.opts.pickable(seat);
			input.dataset.status = state;
			input.setAttribute('aria-label', this.opts.describe(seat));
			input.parentElement.dataset.status = state;
		}
	}
}
