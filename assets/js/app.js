/*
 * app.js: the shell of the single-page UI at "/".
 *
 * Routes live in the URL fragment (#/concerts/1/A) so the server only ever
 * serves index.html for "/". Each view is a function (main, params) that
 * renders into <main> and returns a cleanup function, which the router calls
 * before the next view (that is how polling and countdowns stop).
 */

import { applyStatic, lang, setLang, onLangChange, t } from './i18n.js';
import { h, replace } from './dom.js';
import { clearNotice, notifyError } from './notice.js';
import { currentMember, isAdmin, loadMe, logout, onSessionChange } from './session.js';
import { renderConcertList } from './views/concert-list.js';
import { renderConcert } from './views/concert.js';
import { renderReservations } from './views/reservations.js';
import { renderLogin } from './views/login.js';
import { renderAdmin } from './views/admin.js';

const routes = [
	[/^\/?$/, 'concerts', () => renderConcertList],
	[/^\/concerts\/(\d+)(?:\/([A-Za-z0-9_-]+))?$/, 'concerts', () => renderConcert],
	[/^\/reservations$/, 'reservations', () => renderReservations],
	[/^\/login$/, 'login', () => renderLogin],
	[/^\/admin$/, 'admin', () => renderAdmin]
];

let cleanup = null;

function currentPath() {
	const hash = location.hash.replace(/^#/, '');
	return hash === '' ? '/' : hash.split('?')[0];
}

function markNav(name) {
	for (const a of document.querySelectorAll('[data-nav]')) {
		if (a.dataset.nav === name)
			a.setAttribute('aria-current', 'page');
		else
			a.removeAttribute('aria-current');
	}
}

/*
 * A new page gets its own title, and after a navigation the keyboard and
 * screen-reader focus moves to the top of the new content.
 */
function announcePage(main, moved) {
	const heading = main.querySelector('h1');
	document.title = heading ? `${heading.textContent} · encore` : 'encore';
	if (moved)
		main.focus({ preventScroll: true });
}

async function route(moved = false) {
	if (cleanup) {
		try { cleanup(); } catch { /* a view's cleanup must not block the next */ }
		cleanup = null;
	}
	const main = document.getElementById('main');
	/*
	 * Each navigation renders into a fresh container: a view still waiting
	 * for the server when the user moves on writes into its own, detached
	 * container, never over the page that replaced it.
	 */
	const host = h('div', { class: 'view' });
	replace(main, host);
	const path = currentPath();
	for (const [re, nav, view] of routes) {
		const m = re.exec(path);
		if (!m)
			continue;
		markNav(nav);
		try {
			const done = await view()(host, m.slice(1)) || null;
			if (host.isConnected)
				cleanup = done;
			else if (done)
				done();
		} catch (err) {
			if (host.isConnected)
				notifyError(err);
		}
		if (host.isConnected)
			announcePage(main, moved);
		return;
	}
	markNav(null);
	replace(host, h('p', { class: 'empty' }, t('error.not_found')));
}

function renderAccount(member) {
	const who = document.getElementById('who');
	who.textContent = member ? (member.name || member.email) : '';
	document.getElementById('nav-login').hidden = member !== null;
	document.getElementById('logout').hidden = member === null;
	document.getElementById('nav-admin').hidden = !isAdmin();
}

function syncLangButton() {
	document.getElementById('lang-toggle').lang = lang() === 'ko' ? 'en' : 'ko';
}

async function start() {
	applyStatic();
	syncLangButton();
	document.getElementById('lang-toggle').addEventListener('click', () => {
		setLang(lang() === 'ko' ? 'en' : 'ko');
	});
	document.getElementById('logout').addEventListener('click', async () => {
		try {
			await logout();
		} catch (err) {
			notifyError(err);
		}
		location.hash = '#/';
	});
	onSessionChange(renderAccount);
	onLangChange(() => {
		syncLangButton();
		renderAccount(currentMember());
		route();
	});
	window.addEventListener('hashchange', () => {
		clearNotice();
		route(true);
	});
	await loadMe();
	await route();
}

start();
