/*
 * purchase.test.mjs: the whole purchase in a real browser.
 *
 * Drives Debian's Chromium (/usr/bin/chromium) through playwright-core
 * against a running encore (ENCORE_BASE_URL, default http://127.0.0.1:8080)
 * whose checkout is the local Toss stand-in:
 *   - a fan logs in (dev login), opens the demo concert (the first in the
 *     list), picks seats on the canvas map, holds them, pays through the
 *     stand-in's checkout and sees the reservation PAID, with its receipt,
 *     then asks for a refund and sees it REFUNDED (seats back on sale);
 *   - meanwhile a second fan, in another browser, watching the same section,
 *     sees those seats turn taken after a refresh tick;
 *   - a fan holds a seat with "best available" and cancels it while PENDING;
 *   - the main pages at desktop (1280x800) and phone (390x844) width, the
 *     keyboard path on the seat map, the language toggle and the fail page;
 *   - the Google button, through the sign-in stand-in, back to a session
 *     (skipped where the server has no Google login configured).
 * Any console error, page error, failed request or HTTP status >= 400 fails
 * the test it happened in. Seats are chosen from what the seat map says is
 * AVAILABLE, and every fan is a fresh email, so runs can repeat.
 * Screenshots go to artifacts/ui/ (git-ignored).
 *
 * Run: node --test tests/ui/
 */

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.ENCORE_BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ADMIN_EMAIL = process.env.ENCORE_UI_ADMIN_EMAIL || 'admin@encore.local';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = join(ROOT, 'artifacts', 'ui');
const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const POLL_TICK_MS = 3000;

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'];

mkdirSync(SHOTS, { recursive: true });
const profiles = [];

/* Say clearly when there is no server, instead of N browser timeouts. */
before(async () => {
	let status = 'no answer';
	try {
		status = (await fetch(`${BASE}/healthz`, { signal: AbortSignal.timeout(3000) })).status;
	} catch (err) {
		status = err.cause?.code || err.message;
	}
	assert.equal(status, 200, `encore is not serving ${BASE}/healthz (${status}); ` +
	    'start a stack first (make up) or set ENCORE_BASE_URL');
});
after(() => {
	for (const dir of profiles)
		rmSync(dir, { recursive: true, force: true });
});

let fanCount = 0;
function freshEmail(who) {
	fanCount++;
	return `ui-${who}-${RUN}-${fanCount}@example.com`;
}

/*
 * One browser per fan, each with a fresh --user-data-dir (a persistent
 * context is Playwright's name for exactly that), so cookies never leak
 * between fans. Every problem the page reports is collected in .problems.
 */
async function openBrowser(viewport = DESKTOP) {
	const dir = mkdtempSync(join(tmpdir(), 'encore-ui-'));
	profiles.push(dir);
	const context = await chromium.launchPersistentContext(dir, {
		executablePath: CHROMIUM, headless: true, args: ARGS, viewport,
		locale: 'ko-KR', timezoneId: 'Asia/Seoul'
	});
	context.setDefaultTimeout(15000);
	const problems = [];
	const watch = page => {
		page.on('console', msg => {
			if (msg.type() === 'error')
				problems.push(`console: ${msg.text()} (${msg.location().url})`);
		});
		page.on('pageerror', err => problems.push(`page error: ${err.message}`));
		page.on('requestfailed', req => {
			const why = req.failure()?.errorText || '';
			/* a poll cut short by leaving the page is not a failure */
			if (why !== 'net::ERR_ABORTED')
				problems.push(`request failed: ${req.method()} ${req.url()} ${why}`);
		});
		page.on('response', res => {
			if (res.status() >= 400)
				problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
		});
	};
	context.on('page', watch);
	const page = context.pages()[0] || await context.newPage();
	watch(page);
	return { context, page, problems };
}

function assertClean(fan, what) {
	assert.deepEqual(fan.problems, [], `${what}: the browser reported problems`);
}

async function shot(page, name) {
	await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/* The same page at desktop and at phone width. */
async function shots(page, name) {
	await shot(page, `${name}-desktop`);
	await page.setViewportSize(PHONE);
	await page.waitForTimeout(150);
	await shot(page, `${name}-phone`);
	await page.setViewportSize(DESKTOP);
	await page.waitForTimeout(150);
}

async function api(fan, path) {
	const res = await fan.context.request.get(`${BASE}${path}`);
	assert.equal(res.status(), 200, `GET ${path}`);
	return res.json();
}

async function devLogin(fan, email, name) {
	const { page } = fan;
	await page.goto(`${BASE}/#/login`);
	await page.locator('#login-email').fill(email);
	await page.locator('#login-name').fill(name);
	await page.locator('form.login-dev button[type=submit]').click();
	await page.locator('#logout').waitFor({ state: 'visible' });
	const who = await page.locator('#who').textContent();
	assert.equal(who, name);
}

async function demoConcert(fan) {
	const { concerts } = await api(fan, '/api/v1/concerts');
	assert.ok(concerts.length > 0, 'the demo concert exists');
	const { concert } = await api(fan, `/api/v1/concerts/${concerts[0].id}`);
	return concert;
}

/* The open section's canvas, once its first seat list has been drawn. */
async function seatCanvas(page) {
	const canvas = page.locator('canvas.seat-canvas');
	await page.locator('.section-view[data-etag]').waitFor();
	await canvas.waitFor({ state: 'visible' });
	return canvas;
}

/* Where seat (row index, number) is on the canvas, in CSS pixels. */
async function seatPoint(canvas, seat, rows) {
	const g = await canvas.evaluate(el => ({ cell: +el.dataset.cell, left: +el.dataset.left,
	    top: +el.dataset.top }));
	return { x: g.left + (seat.number - 0.5) * g.cell, y: g.top + (rows.indexOf(seat.row) + 0.5) * g.cell };
}

/*
 * n AVAILABLE seats of one section that are visible without scrolling the
 * canvas sideways (number <= maxNumber), adjacent in one row if possible.
 */
function chooseSeats(seats, n, maxNumber) {
	const free = seats.filter(s => s.status === 'AVAILABLE' && s.number <= maxNumber);
	const byRow = new Map();
	for (const s of free)
		byRow.set(s.row, [...(byRow.get(s.row) || []), s]);
	for (const list of byRow.values())
		for (let i = 0; i + n <= list.length; i++)
			if (list[i + n - 1].number - list[i].number === n - 1)
				return list.slice(i, i + n);
	return free.slice(0, n);
}

function roomiest(concert) {
	return [...concert.sections].sort((a, b) => b.seats_available - a.seats_available)[0];
}

function digits(amount) {
	return new Intl.NumberFormat('en-US').format(amount);
}

test('a fan picks seats on the map, holds, pays, sees them PAID and refunds; another fan sees them taken', async () => {
	const fan = await openBrowser();
	const other = await openBrowser();
	try {
		await devLogin(fan, freshEmail('buyer'), '구매자');
		await devLogin(other, freshEmail('watcher'), '관람객');
		const concert = await demoConcert(fan);
		const section = roomiest(concert);
		assert.ok(section.seats_available > 0, 'the demo concert has seats left');
		const want = Math.min(2, concert.max_tickets_per_member);

		/* The concert list, then the arena overview. */
		await fan.page.goto(`${BASE}/#/`);
		await fan.page.locator('.concert-card').first().waitFor();
		await shots(fan.page, '01-concert-list');
		await fan.page.locator('.concert-card a.stretched').first().click();
		await fan.page.locator('svg.arena g.arena-section').first().waitFor();
		assert.equal(await fan.page.locator('svg.arena g.arena-section').count(),
		    concert.sections.length, 'one shape per section on the venue map');
		await shots(fan.page, '02-concert-arena');

		/* The second fan watches the same section, as a list. */
		await other.page.goto(`${BASE}/#/concerts/${concert.id}/${section.code}`);
		await seatCanvas(other.page);
		await other.page.locator('button[data-view=list]').click();

		/* The fan opens the section from the venue map. */
		await fan.page.locator(`g.arena-section[data-section="${section.code}"]`).click();
		const canvas = await seatCanvas(fan.page);
		const { seats } = await api(fan, `/api/v1/concerts/${concert.id}/seats?section=${section.code}`);
		const rows = [...new Set(seats.map(s => s.row))];
		const visible = await fan.page.locator('.seat-scroller').evaluate((el, left) => {
			const cell = +el.querySelector('canvas').dataset.cell;
			return Math.floor((el.clientWidth - left) / cell) - 1;
		}, 30);
		const chosen = chooseSeats(seats, want, visible);
		assert.equal(chosen.length, want, `${want} visible AVAILABLE seats in section ${section.code}`);
		for (const seat of chosen) {
			await other.page.locator(`input[data-seat-id="${seat.id}"][data-status=AVAILABLE]`)
			    .waitFor({ state: 'attached' });
		}

		/* Hover shows the seat and its price; clicks pick. */
		const first = await seatPoint(canvas, chosen[0], rows);
		await canvas.hover({ position: first });
		const tip = fan.page.locator('.seat-tooltip');
		await tip.waitFor({ state: 'visible' });
		assert.match(await tip.textContent(), new RegExp(digits(chosen[0].price)));
		for (const seat of chosen)
			await canvas.click({ position: await seatPoint(canvas, seat, rows) });
		const total = chosen.reduce((sum, s) => sum + s.price, 0);
		await fan.page.locator('.picked li.chip').nth(want - 1).waitFor();
		assert.equal(await fan.page.locator('.picked li.chip').count(), want);
		assert.match(await fan.page.locator('.total-amount').textContent(), new RegExp(digits(total)));
		await shots(fan.page, '03-section-picked');

		/* Hold: the countdown runs and Pay offers the total. */
		await fan.page.locator('.hold-button').click();
		const panel = fan.page.locator('.hold-panel');
		await panel.waitFor();
		const reservationId = await panel.getAttribute('data-reservation-id');
		assert.match(await panel.locator('.countdown').textContent(), /^\d+:\d\d$/);
		assert.match(await panel.locator('.pay-button').textContent(), new RegExp(digits(total)));
		await shots(fan.page, '04-hold');

		/* The other fan's list turns those seats taken on a refresh tick. */
		for (const seat of chosen) {
			await other.page.locator(`input[data-seat-id="${seat.id}"][data-status=HELD]`)
			    .waitFor({ state: 'attached', timeout: POLL_TICK_MS * 3 });
			assert.equal(await other.page.locator(`input[data-seat-id="${seat.id}"]`).isDisabled(), true);
		}
		await shot(other.page, '05-other-fan-sees-held-desktop');

		/* Pay through the stand-in's checkout; the success page confirms. */
		await Promise.all([
		    fan.page.waitForURL(/\/pay\/success\.html\?/),
		    panel.locator('.pay-button').click()]);
		await fan.page.locator('#result[data-result=PAID]').waitFor();
		await shots(fan.page, '06-pay-success');

		/* My reservations: PAID, with its receipt once the consumer wrote it. */
		await fan.page.goto(`${BASE}/#/reservations`);
		const card = fan.page.locator(`li.reservation[data-reservation-id="${reservationId}"]`);
		await card.waitFor();
		assert.equal(await card.getAttribute('data-status'), 'PAID');
		assert.equal(await card.locator('.badge').getAttribute('data-status'), 'PAID');
		for (let i = 0; i < 6 && await card.locator('.receipt').count() === 0; i++) {
			await fan.page.waitForTimeout(2000);
			await fan.page.reload();
			await card.waitFor();
		}
		assert.ok(await card.locator('.receipt').count() > 0, 'the payment receipt is listed');
		await shots(fan.page, '07-reservations-paid');

		/* Refund: the provider cancels the payment, the seats go back on sale. */
		await card.locator('.confirm > button').click();
		await card.locator('.confirm-ask button.danger').click();
		await fan.page.locator(`li.reservation[data-reservation-id="${reservationId}"][data-status=REFUNDED]`)
		    .waitFor();
		const after = await api(fan, `/api/v1/concerts/${concert.id}/seats?section=${section.code}`);
		for (const seat of chosen)
			assert.equal(after.seats.find(s => s.id === seat.id).status, 'AVAILABLE');

		assertClean(fan, 'buyer');
		assertClean(other, 'watcher');
	} finally {
		await fan.context.close();
		await other.context.close();
	}
});

test('a fan holds a seat with best available and cancels it while PENDING', async () => {
	const fan = await openBrowser();
	try {
		await devLogin(fan, freshEmail('canceller'), 'Cancel Kim');
		const concert = await demoConcert(fan);
		const section = roomiest(concert);
		await fan.page.goto(`${BASE}/#/concerts/${concert.id}`);
		await fan.page.locator('#best-section').selectOption(section.code);
		await fan.page.locator('#best-quantity').selectOption('1');
		await fan.page.locator('form.best-form button[type=submit]').click();
		const panel = fan.page.locator('.hold-panel');
		await panel.waitFor();
		const reservationId = await panel.getAttribute('data-reservation-id');

		await fan.page.goto(`${BASE}/#/reservations`);
		const card = fan.page.locator(`li.reservation[data-reservation-id="${reservationId}"]`);
		await card.waitFor();
		assert.equal(await card.getAttribute('data-status'), 'PENDING');
		await shots(fan.page, '08-reservations-pending');
		await card.locator('.confirm > button').click();
		await card.locator('.confirm-ask button.danger').click();
		await fan.page.locator(`li.reservation[data-reservation-id="${reservationId}"][data-status=CANCELLED]`)
		    .waitFor();

		const { reservation } = await api(fan, `/api/v1/reservations/${reservationId}`);
		assert.equal(reservation.status, 'CANCELLED');
		assertClean(fan, 'canceller');
	} finally {
		await fan.context.close();
	}
});

test('keyboard picking, language toggle, login, admin and fail pages', async () => {
	const fan = await openBrowser();
	try {
		const { page } = fan;
		await page.goto(`${BASE}/#/login`);
		await page.locator('#login-email').waitFor();
		await shots(page, '09-login');

		/* Korean by default; English on request, remembered after a reload. */
		assert.equal(await page.locator('html').getAttribute('lang'), 'ko');
		await page.locator('#lang-toggle').click();
		assert.equal(await page.locator('html').getAttribute('lang'), 'en');
		assert.equal(await page.locator('[data-nav=reservations]').textContent(), 'My reservations');
		await page.reload();
		await page.locator('#login-email').waitFor();
		assert.equal(await page.locator('html').getAttribute('lang'), 'en');

		/* The keyboard alone can pick a seat on the canvas. */
		await devLogin(fan, freshEmail('keyboard'), 'Key Board');
		const concert = await demoConcert(fan);
		const section = roomiest(concert);
		await page.goto(`${BASE}/#/concerts/${concert.id}/${section.code}`);
		const canvas = await seatCanvas(page);
		await canvas.focus();
		await page.keyboard.press('Space');
		await page.locator('.picked li.chip').first().waitFor();
		await page.keyboard.press('ArrowRight');
		assert.match(await page.locator('.seat-map [aria-live]').textContent(), /Row \w+, seat \d+/);
		await page.locator('button[data-view=list]').click();
		await shots(page, '10-section-list-en');
		await page.locator('#lang-toggle').click();
		assert.equal(await page.locator('html').getAttribute('lang'), 'ko');

		/* The fail page says what the checkout said. */
		await page.goto(`${BASE}/pay/fail.html?code=PAY_PROCESS_CANCELED&message=${encodeURIComponent('사용자에 의해 결제가 취소되었습니다.')}&orderId=order_ui_test`);
		await page.locator('#result[data-result=FAILED]').waitFor();
		assert.match(await page.locator('#result').textContent(), /PAY_PROCESS_CANCELED/);
		await shots(page, '11-pay-fail');
		assertClean(fan, 'keyboard fan');
	} finally {
		await fan.context.close();
	}

	/* The admin form, for an admin (or its refusal, for anyone else). */
	const admin = await openBrowser();
	try {
		await devLogin(admin, ADMIN_EMAIL, 'Admin');
		await admin.page.goto(`${BASE}/#/admin`);
		await admin.page.locator('form.admin-form, main .empty').first().waitFor();
		await shots(admin.page, '12-admin');
		assertClean(admin, 'admin');
	} finally {
		await admin.context.close();
	}
});

test('the Google button signs a fan in through the provider and back', async t => {
	const fan = await openBrowser();
	try {
		const config = await api(fan, '/api/v1/config');
		if (!config.google_login) {
			t.skip('Google login is not configured on this server');
			return;
		}
		const { page } = fan;
		await page.goto(`${BASE}/#/login`);
		await Promise.all([page.waitForURL(url => !url.href.startsWith(BASE)),
		    page.locator('a.google').click()]);
		/* The provider's own page (the stand-in's consent form here). */
		const email = freshEmail('google');
		await page.locator('input[type=email]').fill(email);
		await page.locator('input[name=name]').fill('Google Fan');
		await page.locator('button[value=continue]').click();
		await page.locator('#logout').waitFor({ state: 'visible' });
		assert.ok(page.url().startsWith(`${BASE}/`), `back on encore (${page.url()})`);
		assert.equal(await page.locator('#who').textContent(), 'Google Fan');
		const { member } = await api(fan, '/api/v1/me');
		assert.equal(member.email, email);

		/* Log out: the session is gone for the page and for the API. */
		await page.locator('#logout').click();
		await page.locator('#nav-login').waitFor({ state: 'visible' });
		const me = await fan.context.request.get(`${BASE}/api/v1/me`);
		assert.equal(me.status(), 401);
		/* Chromium logs the provider page's missing favicon; that is not ours. */
		assertClean({ problems: fan.problems.filter(p => !p.includes('favicon') &&
		    !(p.startsWith('console: Failed to load resource') && !p.includes(BASE))) }, 'google fan');
	} finally {
		await fan.context.close();
	}
});
