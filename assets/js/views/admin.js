/*
 * admin.js: create a concert (admins only; the server checks it again).
 *
 * The form sends no layout, so the concert gets the default arena. The
 * start time is entered in Korea time and sent with its +09:00 offset.
 */

import { post } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { kstInputToRfc3339 } from '../format.js';
import { notify, notifyError } from '../notice.js';
import { isAdmin } from '../session.js';

function field(id, labelKey, input, helpKey) {
	input.id = id;
	input.name = id.replace(/^admin-/, '');
	return h('div', { class: 'field' },
	    h('label', { for: id }, t(labelKey)), input,
	    helpKey ? h('p', { class: 'muted small' }, t(helpKey)) : null);
}

export async function renderAdmin(main) {
	if (!isAdmin()) {
		replace(main, h('h1', {}, t('admin.heading')), h('p', { class: 'empty' }, t('admin.forbidden')));
		return null;
	}
	const title = h('input', { type: 'text', required: true, maxlength: 200 });
	const venue = h('input', { type: 'text', required: true, maxlength: 200 });
	const startsAt = h('input', { type: 'datetime-local', required: true });
	const basePrice = h('input', { type: 'number', required: true, min: 0, step: 1000, value: 55000 });
	const maxTickets = h('input', { type: 'number', required: true, min: 1, max: 10, value: 4 });
	const submit = h('button', { type: 'submit', class: 'primary' }, t('admin.submit'));
	const form = h('form', { class: 'card admin-form' },
	    field('admin-title', 'admin.title', title),
	    field('admin-venue', 'admin.venue', venue),
	    field('admin-starts-at', 'admin.starts_at', startsAt),
	    field('admin-base-price', 'admin.base_price', basePrice, 'admin.base_price_help'),
	    field('admin-max-tickets', 'admin.max_tickets', maxTickets),
	    submit);
	form.addEventListener('submit', async ev => {
		ev.preventDefault();
		submit.disabled = true;
		try {
			const { data } = await post('/api/v1/concerts', {
				title: title.value.trim(),
				venue: venue.value.trim(),
				starts_at: kstInputToRfc3339(startsAt.value),
				base_price: Number(basePrice.value),
				max_tickets_per_member: Number(maxTickets.value)
			});
			notify(t('admin.created', { title: data.concert.title }));
			location.hash = `#/concerts/${data.concert.id}`;
		} catch (err) {
			notifyError(err);
		} finally {
			submit.disabled = false;
		}
	});
	replace(main, h('h1', {}, t('admin.heading')), form);
	return null;
}
