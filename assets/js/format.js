/*
 * format.js: money, dates and durations, in the reader's language.
 *
 * Concerts happen in Korea, so dates are shown in Korea time whatever the
 * browser's zone, and say so.
 */

import { locale } from './i18n.js';

const VENUE_ZONE = 'Asia/Seoul';

export function krw(amount) {
	return new Intl.NumberFormat(locale(), {
		style: 'currency', currency: 'KRW', maximumFractionDigits: 0
	}).format(amount);
}

export function dateTime(iso) {
	const d = new Date(iso);
	if (Number.isNaN(d.getTime()))
		return String(iso ?? '');
	return new Intl.DateTimeFormat(locale(), {
		dateStyle: 'medium', timeStyle: 'short', timeZone: VENUE_ZONE
	}).format(d) + ' KST';
}

export function time(d) {
	return new Intl.DateTimeFormat(locale(), {
		hour: '2-digit', minute: '2-digit', second: '2-digit'
	}).format(d);
}

/* 125000 ms -> "2:05" */
export function countdown(ms) {
	const total = Math.max(0, Math.ceil(ms / 1000));
	const m = Math.floor(total / 60);
	const s = total % 60;
	return `${m}:${String(s).padStart(2, '0')}`;
}

export function number(n) {
	return new Intl.NumberFormat(locale()).format(n);
}

/*
 * A datetime-local value ("2026-12-24T19:30") read as Korea time, returned
 * as RFC 3339 with the +09:00 offset (Korea has no daylight saving time).
 */
export function kstInputToRfc3339(value) {
	if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value))
		return null;
	return `${value}:00+09:00`;
}
