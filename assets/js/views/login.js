/*
 * login.js: Google sign-in, and the developer login where the server has it.
 *
 * Both end with session cookies set by the server; nothing is stored here.
 * After logging in, the fan goes back to where "log in to book" sent them.
 */

import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { notify, notifyError } from '../notice.js';
import { devLogin, loadConfig, currentMember } from '../session.js';

const RETURN_KEY = 'encore.return';

function goBack() {
	let target = '#/';
	try {
		target = sessionStorage.getItem(RETURN_KEY) || '#/';
		sessionStorage.removeItem(RETURN_KEY);
	} catch {
		/* no session storage: the list is a fine place to land */
	}
	location.hash = target.startsWith('#/') ? target : '#/';
}

function devForm() {
	const email = h('input', { id: 'login-email', name: 'email', type: 'email', required: true,
	    autocomplete: 'email', inputmode: 'email' });
	const name = h('input', { id: 'login-name', name: 'name', type: 'text', autocomplete: 'name',
	    maxlength: 100 });
	const submit = h('button', { type: 'submit', class: 'primary' }, t('login.submit'));
	const form = h('form', { class: 'card login-dev', 'aria-labelledby': 'dev-heading' },
	    h('h2', { id: 'dev-heading' }, t('login.dev')),
	    h('p', { class: 'muted small' }, t('login.dev_help')),
	    h('label', { for: 'login-email' }, t('login.email')), email,
	    h('label', { for: 'login-name' }, t('login.name')), name,
	    submit);
	form.addEventListener('submit', async ev => {
		ev.preventDefault();
		submit.disabled = true;
		try {
			const member = await devLogin(email.value.trim(), name.value.trim());
			notify(t('login.welcome', { name: member.name || member.email }));
			goBack();
		} catch (err) {
			notifyError(err);
		} finally {
			submit.disabled = false;
		}
	});
	return form;
}

export async function renderLogin(main) {
	let config;
	try {
		config = await loadConfig();
	} catch (err) {
		notifyError(err);
		config = {};
	}
	const parts = [];
	if (currentMember())
		parts.push(h('p', {}, t('login.welcome', { name: currentMember().name || currentMember().email })));
	if (config.google_login) {
		parts.push(h('a', { class: 'button google', href: '/auth/google/login' },
		    h('span', { class: 'g-mark', 'aria-hidden': 'true' }, 'G'), t('login.google')));
	}
	if (config.dev_login)
		parts.push(devForm());
	if (!config.google_login && !config.dev_login)
		parts.push(h('p', { class: 'empty' }, t('login.none')));
	replace(main, h('div', { class: 'login-page' }, h('h1', {}, t('login.heading')), parts));
	return null;
}
