/*
 * seat-canvas.js: one section's seats on a single canvas.
 *
 * A section has up to 2,000 seats (20 rows of 100), far too many for one DOM
 * node each, so they are painted on a canvas: row letters down the left,
 * seat numbers along the top, one rounded square per seat. Colour says
 * available / held / sold / yours, and a mark inside says it again for
 * people who cannot tell the colours apart (a dot for held, a cross for
 * sold, a tick-like fill for yours).
 *
 * Mouse: hover shows a tooltip (row, number, price, status); click picks.
 * Keyboard: the canvas is focusable; arrows move a cursor, Home/End jump
 * within a row, Space or Enter picks; every move is announced through a
 * live region. The grid geometry is published on the canvas as data-*
 * attributes (cell size and origin, in CSS pixels) for tests and tools.
 */

import { h } from './dom.js';

const GUTTER_LEFT = 30;
const GUTTER_TOP = 22;
const PAD = 8;
const MAX_CELL = 26;
const ZOOM_STEP = 4;
const ZOOM_MIN = 8;
const ZOOM_MAX = 40;

/* Fingers need bigger targets than a mouse: below this, scroll instead. */
function minCell() {
	return window.matchMedia('(pointer: coarse)').matches ? 16 : 10;
}

export const SEAT_COLOURS = {
	HELD: '#f2a900',
	SOLD: '#c3c3cb',
	MINE: '#5b2be0',
	FOCUS: '#111'
};

export class SeatCanvas {
	/*
	 * opts.colour: the section's tier colour (available seats)
	 * opts.state(seat) -> 'AVAILABLE' | 'HELD' | 'SOLD' | 'MINE'
	 * opts.describe(seat) -> the sentence for tooltips and announcements
	 * opts.onPick(seat): a click, Space or Enter on a seat
	 * opts.label: the canvas's accessible name
	 */
	constructor(opts) {
		this.opts = opts;
		this.rows = [];
		this.cols = 0;
		this.grid = [];
		this.where = new Map();
		this.cursor = null;
		this.hover = null;
		this.cell = 10;
		this.zoomed = null;
		this.canvas = h('canvas', { class: 'seat-canvas', tabindex: 0, role: 'application',
		    'aria-label': opts.label });
		this.tooltip = h('div', { class: 'seat-tooltip', 'aria-hidden': 'true', hidden: true });
		this.live = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
		this.scroller = h('div', { class: 'seat-scroller' }, this.canvas);
		this.el = h('div', { class: 'seat-map' }, this.scroller, this.tooltip, this.live);
		this.scroller.addEventListener('scroll', () => this.setHover(null));
		this.canvas.addEventListener('mousemove', ev => this.onMove(ev));
		this.canvas.addEventListener('mouseleave', () => this.setHover(null));
		this.canvas.addEventListener('click', ev => this.onClick(ev));
		this.canvas.addEventListener('keydown', ev => this.onKey(ev));
		this.canvas.addEventListener('focus', () => {
			if (!this.cursor)
				this.cursor = this.firstSeat();
			this.draw();
			this.announce();
		});
		this.canvas.addEventListener('blur', () => this.draw());
		this.resizer = new ResizeObserver(() => this.layout());
		this.resizer.observe(this.scroller);
	}

	destroy() {
		this.resizer.disconnect();
	}

	setSeats(seats) {
		const rowIndex = new Map();
		this.rows = [];
		this.cols = 0;
		for (const seat of seats) {
			if (!rowIndex.has(seat.row)) {
				rowIndex.set(seat.row, this.rows.length);
				this.rows.push(seat.row);
			}
			this.cols = Math.max(this.cols, seat.number);
		}
		this.grid = this.rows.map(() => new Array(this.cols).fill(null));
		this.where.clear();
		for (const seat of seats) {
			const ri = rowIndex.get(seat.row);
			const ci = seat.number - 1;
			this.grid[ri][ci] = seat;
			this.where.set(seat.id, [ri, ci]);
		}
		/* Keep the cursor and hover on the same seats, now new objects. */
		const same = seat => (seat && this.where.has(seat.id)
		    ? this.seatAt(...this.where.get(seat.id)) : null);
		this.cursor = same(this.cursor);
		this.hover = same(this.hover);
		this.layout();
	}

	seatAt(ri, ci) {
		return (this.grid[ri] && this.grid[ri][ci]) || null;
	}

	firstSeat() {
		for (const row of this.grid)
			for (const seat of row)
				if (seat && this.opts.state(seat) === 'AVAILABLE')
					return seat;
		for (const row of this.grid)
			for (const seat of row)
				if (seat)
					return seat;
		return null;
	}

	layout() {
		const width = this.scroller.clientWidth || 320;
		const cols = Math.max(1, this.cols);
		const fit = Math.max(minCell(), Math.min(MAX_CELL,
		    Math.floor((width - GUTTER_LEFT - PAD) / cols)));
		this.cell = this.zoomed ?? fit;
		const cssW = GUTTER_LEFT + cols * this.cell + PAD;
		const cssH = GUTTER_TOP + this.rows.length * this.cell + PAD;
		const dpr = window.devicePixelRatio || 1;
		this.canvas.width = Math.round(cssW * dpr);
		this.canvas.height = Math.round(cssH * dpr);
		this.canvas.style.width = `${cssW}px`;
		this.canvas.style.height = `${cssH}px`;
		Object.assign(this.canvas.dataset, { cell: this.cell, left: GUTTER_LEFT,
		    top: GUTTER_TOP, rows: this.rows.length, cols: this.cols });
		this.draw();
	}

	draw() {
		const ctx = this.canvas.getContext('2d');
		const dpr = window.devicePixelRatio || 1;
		const c = this.cell;
		ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
		ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
		ctx.font = `${Math.min(12, c - 1)}px system-ui, sans-serif`;
		ctx.fillStyle = '#555';
		ctx.textAlign = 'center';
		ctx.textBaseline = 'middle';
		for (let n = 1; n <= this.cols; n++) {
			if (n === 1 || n % 10 === 0 || (c >= 22 && n % 5 === 0))
				ctx.fillText(String(n), GUTTER_LEFT + (n - 0.5) * c, GUTTER_TOP / 2);
		}
		ctx.textAlign = 'right';
		this.rows.forEach((row, ri) =>
		    ctx.fillText(row, GUTTER_LEFT - 8, GUTTER_TOP + (ri + 0.5) * c));
		for (let ri = 0; ri < this.grid.length; ri++)
			for (let ci = 0; ci < this.cols; ci++)
				if (this.grid[ri][ci])
					this.drawSeat(ctx, this.grid[ri][ci], ri, ci);
	}

	drawSeat(ctx, seat, ri, ci) {
		const c = this.cell;
		const gap = Math.max(2, Math.round(c * 0.15));
		const x = GUTTER_LEFT + ci * c + gap / 2;
		const y = GUTTER_TOP + ri * c + gap / 2;
		const s = c - gap;
		const state = this.opts.state(seat);
		ctx.fillStyle = state === 'AVAILABLE' ? this.opts.colour : SEAT_COLOURS[state];
		ctx.beginPath();
		ctx.roundRect(x, y, s, s, Math.max(2, s * 0.25));
		ctx.fill();
		ctx.lineWidth = Math.max(1, s / 8);
		if (state === 'SOLD') {
			ctx.strokeStyle = '#8a8a94';
			ctx.beginPath();
			ctx.moveTo(x + s * 0.28, y + s * 0.28);
			ctx.lineTo(x + s * 0.72, y + s * 0.72);
			ctx.moveTo(x + s * 0.72, y + s * 0.28);
			ctx.lineTo(x + s * 0.28, y + s * 0.72);
			ctx.stroke();
		} else if (state === 'HELD') {
			ctx.fillStyle = '#7a5200';
			ctx.beginPath();
			ctx.arc(x + s / 2, y + s / 2, Math.max(1.2, s * 0.14), 0, Math.PI * 2);
			ctx.fill();
		} else if (state === 'MINE') {
			ctx.fillStyle = '#fff';
			ctx.fillRect(x + s * 0.3, y + s * 0.3, s * 0.4, s * 0.4);
		}
		const focused = this.cursor === seat && document.activeElement === this.canvas;
		if (focused || this.hover === seat) {
			ctx.strokeStyle = SEAT_COLOURS.FOCUS;
			ctx.lineWidth = focused ? 2.5 : 1.5;
			ctx.beginPath();
			ctx.roundRect(x - 1.5, y - 1.5, s + 3, s + 3, Math.max(2, s * 0.3));
			ctx.stroke();
		}
	}

	hit(ev) {
		const rect = this.canvas.getBoundingClientRect();
		const ci = Math.floor((ev.clientX - rect.left - GUTTER_LEFT) / this.cell);
		const ri = Math.floor((ev.clientY - rect.top - GUTTER_TOP) / this.cell);
		if (ci < 0 || ri < 0)
			return null;
		return this.seatAt(ri, ci);
	}

	setHover(seat, ev) {
		this.hover = seat;
		if (!seat) {
			this.tooltip.hidden = true;
			this.canvas.style.cursor = '';
		} else {
			this.tooltip.textContent = this.opts.describe(seat);
			this.tooltip.hidden = false;
			const [ri, ci] = this.where.get(seat.id);
			const x = GUTTER_LEFT + (ci + 0.5) * this.cell - this.scroller.scrollLeft;
			const half = this.tooltip.offsetWidth / 2 + 4;
			const max = this.scroller.clientWidth - half;
			const below = ri < 2;
			const y = GUTTER_TOP + (below ? ri + 1 : ri) * this.cell;
			this.tooltip.classList.toggle('below', below);
			this.tooltip.style.left = `${Math.max(half, Math.min(max, x))}px`;
			this.tooltip.style.top = `${y}px`;
			this.canvas.style.cursor = this.opts.state(seat) === 'AVAILABLE' ||
			    this.opts.state(seat) === 'MINE' ? 'pointer' : 'not-allowed';
		}
		this.draw();
	}

	onMove(ev) {
		const seat = this.hit(ev);
		if (seat !== this.hover)
			this.setHover(seat, ev);
	}

	onClick(ev) {
		const seat = this.hit(ev);
		if (!seat)
			return;
		this.cursor = seat;
		this.opts.onPick(seat);
		this.setHover(seat, ev);
	}

	move(dr, dc) {
		if (!this.cursor) {
			this.cursor = this.firstSeat();
			return;
		}
		let [ri, ci] = this.where.get(this.cursor.id);
		for (;;) {
			ri += dr;
			ci += dc;
			if (ri < 0 || ri >= this.rows.length || ci < 0 || ci >= this.cols)
				return;
			const seat = this.seatAt(ri, ci);
			if (seat) {
				this.cursor = seat;
				return;
			}
		}
	}

	rowEdge(toEnd) {
		if (!this.cursor)
			return;
		const [ri] = this.where.get(this.cursor.id);
		const row = this.grid[ri].filter(Boolean);
		this.cursor = toEnd ? row[row.length - 1] : row[0];
	}

	onKey(ev) {
		const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
		if (ev.key in moves) {
			this.move(...moves[ev.key]);
		} else if (ev.key === 'Home' || ev.key === 'End') {
			this.rowEdge(ev.key === 'End');
		} else if ((ev.key === ' ' || ev.key === 'Enter') && this.cursor) {
			this.opts.onPick(this.cursor);
		} else {
			return;
		}
		ev.preventDefault();
		this.scrollToCursor();
		this.draw();
		this.announce();
	}

	scrollToCursor() {
		if (!this.cursor)
			return;
		const [, ci] = this.where.get(this.cursor.id);
		const x = GUTTER_LEFT + ci * this.cell;
		const sc = this.scroller;
		if (x < sc.scrollLeft + GUTTER_LEFT)
			sc.scrollLeft = Math.max(0, x - GUTTER_LEFT - this.cell);
		else if (x + this.cell > sc.scrollLeft + sc.clientWidth)
			sc.scrollLeft = x + 2 * this.cell - sc.clientWidth;
	}

	announce() {
		this.live.textContent = this.cursor ? this.opts.describe(this.cursor) : '';
	}

	/* +1 / -1 zooms in or out from the current size; 0 fits the width. */
	zoom(direction) {
		this.zoomed = direction === 0 ? null : Math.max(ZOOM_MIN, Math.min(ZOOM_MAX,
		    this.cell + direction * ZOOM_STEP));
		this.layout();
		this.scrollToCursor();
	}

	setLabel(label) {
		this.canvas.setAttribute('aria-label', label);
	}
}
