/*
 * session.js: who is logged in, and what the server offers (config).
 *
 * The member is learned from GET /api/v1/me, never from a stored token;
 * before any login there is no CSRF cookie and we do not even ask.
 */

import { get, post, hasSession, onLoggedOut } from './api.js';

const listeners = new Set();
let member = null;
let config = null;

function changed() {
	for (const fn of listeners)
		fn(member);
}

export function onSessionChange(fn) {
	listeners.add(fn);
}

export function currentMember() {
	return member;
}

export function isAdmin() {
	return member !== null && member.role === 'admin';
}

export async function loadConfig() {
	if (!config) {
		const { data } = await get('/api/v1/config');
		config = data;
	}
	return config;
}

export async function loadMe() {
	if (!hasSession()) {
		member = null;
	} else {
		try {
			const { data } = await get('/api/v1/me');
			member = data.member;
		} catch {
			member = null;
		}
	}
	changed();
	return member;
}

export async function devLogin(email, name) {
	const body = name ? { email, name } : { email };
	const { data } = await post('/api/v1/auth/dev-login', body, { noRefresh: true });
	member = data.member;
	changed();
	return member;
}

export async function logout() {
	try {
		await post('/api/v1/auth/logout', undefined, { noRefresh: true });
	} finally {
		member = null;
		changed();
	}
}

onLoggedOut(() => {
	if (member !== null) {
		member = null;
		changed();
	}
});
