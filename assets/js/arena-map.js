/*
 * arena-map.js: the venue overview, drawn as one SVG.
 *
 * The stage sits at the top; VIP sections fill the floor in front of it,
 * STANDARD sections form the lower bowl and ECONOMY the upper bowl, each
 * bowl an arc split into one wedge per section. The layout is computed from
 * whatever sections the concert has (the default arena has 6 + 6 + 14), so
 * a custom layout still gets a sensible map. Each section's colour is its
 * tier; how strongly it is painted says how much is left.
 */

import { svg } from './dom.js';
import { t } from './i18n.js';
import { krw, number } from './format.js';

export const TIER_COLOURS = {
	VIP: '#c2185b',
	STANDARD: '#1565c0',
	ECONOMY: '#2e7d32'
};
const SOLD_OUT = '#b8b8c0';
const CX = 500;
const CY = 56;
const FLOOR = { x0: 362, x1: 638, y0: 112, y1: 282 };
const BOWLS = [
	{ tier: 'STANDARD', r0: 292, r1: 372, a0: 14, a1: 166 },
	{ tier: 'ECONOMY', r0: 390, r1: 492, a0: 7, a1: 173 }
];

export function tierColour(tier) {
	return TIER_COLOURS[tier] || '#6d4c41';
}

function polar(r, deg) {
	const a = deg * Math.PI / 180;
	return [CX + r * Math.cos(a), CY + r * Math.sin(a)];
}

function wedgePath(r0, r1, a0, a1) {
	const [x0, y0] = polar(r1, a0);
	const [x1, y1] = polar(r1, a1);
	const [x2, y2] = polar(r0, a1);
	const [x3, y3] = polar(r0, a0);
	const large = a1 - a0 > 180 ? 1 : 0;
	const f = n => n.toFixed(1);
	return `M${f(x0)} ${f(y0)} A${r1} ${r1} 0 ${large} 1 ${f(x1)} ${f(y1)} ` +
	    `L${f(x2)} ${f(y2)} A${r0} ${r0} 0 ${large} 0 ${f(x3)} ${f(y3)} Z`;
}

/* Shapes for every section: {section, path | rect, label: [x, y]} */
function layout(sections) {
	const shapes = [];
	const floor = sections.filter(s => s.tier === 'VIP');
	const cols = Math.min(3, Math.max(1, floor.length));
	const rows = Math.max(1, Math.ceil(floor.length / cols));
	const gap = 8;
	const w = (FLOOR.x1 - FLOOR.x0 - gap * (cols - 1)) / cols;
	const hgt = (FLOOR.y1 - FLOOR.y0 - gap * (rows - 1)) / rows;
	floor.forEach((s, i) => {
		const x = FLOOR.x0 + (i % cols) * (w + gap);
		const y = FLOOR.y0 + Math.floor(i / cols) * (hgt + gap);
		shapes.push({ section: s, rect: [x, y, w, hgt], label: [x + w / 2, y + hgt / 2] });
	});
	const lower = sections.filter(s => s.tier === 'STANDARD');
	const upper = sections.filter(s => s.tier !== 'VIP' && s.tier !== 'STANDARD');
	[[BOWLS[0], lower], [BOWLS[1], upper]].forEach(([bowl, list]) => {
		const span = (bowl.a1 - bowl.a0) / Math.max(1, list.length);
		const pad = Math.min(1.2, span * 0.08);
		/* Sections run clockwise as seen from the stage: left to right. */
		list.forEach((s, i) => {
			const a1 = bowl.a1 - i * span - pad;
			const a0 = bowl.a1 - (i + 1) * span + pad;
			shapes.push({ section: s, path: wedgePath(bowl.r0, bowl.r1, a0, a1),
			    label: polar((bowl.r0 + bowl.r1) / 2, (a0 + a1) / 2) });
		});
	});
	return shapes;
}

function sectionLabel(s) {
	return t('concert.section_label', { code: s.code, tier: t(`tier.${s.tier}`),
	    price: krw(s.price), available: number(s.seats_available) });
}

/*
 * drawArena(sections, onPick) -> <svg>. onPick(code) runs on click, Enter
 * or Space on a section.
 */
export function drawArena(sections, onPick) {
	const root = svg('svg', { viewBox: '0 0 1000 560', class: 'arena',
	    role: 'group', 'aria-label': t('concert.venue_map') });
	root.appendChild(svg('rect', { x: 380, y: 14, width: 240, height: 64, rx: 10,
	    class: 'stage' }));
	root.appendChild(svg('text', { x: CX, y: 52, class: 'stage-label',
	    'text-anchor': 'middle' }, t('concert.stage')));
	for (const shape of layout(sections)) {
		const s = shape.section;
		const ratio = s.seats_total > 0 ? s.seats_available / s.seats_total : 0;
		const fill = s.seats_available > 0 ? tierColour(s.tier) : SOLD_OUT;
		const g = svg('g', { class: 'arena-section', tabindex: 0, role: 'button',
		    'aria-label': sectionLabel(s), dataset: { section: s.code } });
		const attrs = { fill, 'fill-opacity': (0.28 + 0.72 * ratio).toFixed(2),
		    class: 'arena-shape' };
		if (shape.rect) {
			const [x, y, w, hh] = shape.rect;
			g.appendChild(svg('rect', { ...attrs, x, y, width: w, height: hh, rx: 6 }));
		} else {
			g.appendChild(svg('path', { ...attrs, d: shape.path }));
		}
		const [lx, ly] = shape.label;
		g.appendChild(svg('text', { x: lx, y: ly - 2, class: 'arena-code',
		    'text-anchor': 'middle' }, s.code));
		g.appendChild(svg('text', { x: lx, y: ly + 15, class: 'arena-left',
		    'text-anchor': 'middle' }, s.seats_available > 0 ? number(s.seats_available) : '—'));
		g.appendChild(svg('title', {}, sectionLabel(s)));
		g.addEventListener('click', () => onPick(s.code));
		g.addEventListener('keydown', ev => {
			if (ev.key === 'Enter' || ev.key === ' ') {
				ev.preventDefault();
				onPick(s.code);
			}
		});
		root.appendChild(g);
	}
	return root;
}
