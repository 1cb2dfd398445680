/*
 * notice.js: one line of feedback at the top of the page.
 *
 * Server errors are shown with the server's own message (the envelope's
 * "message"); only transport failures get a local sentence.
 */

import { h, replace } from './dom.js';
import { t } from './i18n.js';

let timer = null;

export function errorText(err) {
	if (err && err.code === 'NETWORK')
		return t('error.network');
	if (err && err.message)
		return err.message;
	return t('error.generic');
}

export function notify(text, kind = 'info') {
	const box = document.getElementById('notice');
	if (!box)
		return;
	clearTimeout(timer);
	box.className = `notice ${kind}`;
	box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
	replace(box,
	    h('span', { class: 'notice-text' }, text),
	    h('button', { type: 'button', class: 'small ghost', 'aria-label': t('notice.close'),
		onclick: () => { box.hidden = true; } }, '×'));
	box.hidden = false;
	if (kind !== 'error')
		timer = setTimeout(() => { box.hidden = true; }, 6000);
}

export function notifyError(err) {
	notify(errorText(err), 'error');
}

/* Leaving a page drops its errors; good news fades out on its own. */
export function clearNotice() {
	const box = document.getElementById('notice');
	if (box && box.classList.contains('error'))
		box.hidden = true;
}
