/*
 * concert-list.js: the front page, one card per concert.
 *
 * Each card shows the concert's price range (price_min..price_max of its
 * sections, from the list endpoint) and how many seats are left.
 */

import { get } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { dateTime, krw, number } from '../format.js';
import { notifyError } from '../notice.js';

function availabilityMeter(available, total) {
	const ratio = total > 0 ? available / total : 0;
	const bar = h('span', { class: 'meter-fill' });
	bar.style.width = `${Math.round(ratio * 100)}%`;
	return h('div', { class: 'availability' },
	    h('span', { class: 'meter', 'aria-hidden': 'true' }, bar),
	    h('span', { class: available > 0 ? 'avail-text' : 'avail-text soldout' },
		available > 0
		    ? t('list.availability', { available: number(available), total: number(total) })
		    : t('list.sold_out')));
}

function card(concert) {
	const min = concert.price_min ?? concert.base_price;
	const max = concert.price_max ?? concert.base_price;
	const price = h('p', { class: 'price' }, min === max ? krw(min)
	    : t('list.price_range', { min: krw(min), max: krw(max) }));
	const el = h('li', { class: 'card concert-card', dataset: { concertId: concert.id } },
	    h('h2', {}, h('a', { href: `#/concerts/${concert.id}`, class: 'stretched' }, concert.title)),
	    h('p', { class: 'when' }, dateTime(concert.starts_at)),
	    h('p', { class: 'where' }, concert.venue),
	    price,
	    availabilityMeter(concert.seats_available, concert.seats_total),
	    h('span', { class: 'button primary card-cta', 'aria-hidden': 'true' }, t('list.book')));
	return el;
}

export async function renderConcertList(main) {
	replace(main, h('p', { class: 'loading' }, t('app.loading')));
	let concerts;
	try {
		({ data: { concerts } } = await get('/api/v1/concerts'));
	} catch (err) {
		notifyError(err);
		replace(main, h('h1', {}, t('list.heading')));
		return null;
	}
	const cards = concerts.map(card);
	replace(main,
	    h('h1', {}, t('list.heading')),
	    cards.length === 0 ? h('p', { class: 'empty' }, t('list.empty'))
		: h('ul', { class: 'concert-grid' }, cards));
	return null;
}
