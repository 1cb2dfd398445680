// onsale.js: the moment a sale opens. Thousands of fans race for the seats
// of one concert's hot sections.
//
// Each VU is one fan (one dev-login member, logged in on its first
// iteration). "pickers" read the section's seat map and ask for seats by id
// (POST /api/v1/reservations {"concert_id","seat_ids"}); "best" VUs ask for
// best available ({"concert_id","section","quantity"}). A fan who gets a 201
// stops; a 409 SEATS_UNAVAILABLE sends them back to the map for another try.
// Nobody pays: the holds expire on their own.
//
// What it proves: under the race every answer is 201 or 409 (never a 5xx),
// no seat is sold twice (teardown counts HELD+SOLD seats per hot section:
// with an untouched concert it must equal the seats_reserved counter), and
// the p(95) latency of a reservation stays under P95_MS.
//
// Env: PICKER_VUS (1500), BEST_VUS (500), ATTEMPTS per fan (3), QUANTITY
// seats per request (2, at most the concert's cap), HOT_SECTIONS ("A,B"),
// P95_MS (1000), MAX_DURATION ("5m"), plus BASE_URL, CONCERT_ID, RUN_ID (lib.js).

import { check, sleep } from 'k6';
import { Counter, Rate } from 'k6/metrics';
import {
	BASE_URL, ROUTES, SeatMapCache, body, call, chooseSeats, devLogin, envInt,
	errorCode, loadConcert, memberEmail, newRunId, pick, sectionCodes, statusCounts,
} from './lib.js';

const PICKER_VUS = envInt('PICKER_VUS', 1500);
const BEST_VUS = envInt('BEST_VUS', 500);
const ATTEMPTS = envInt('ATTEMPTS', 3);
const QUANTITY = envInt('QUANTITY', 2);
const P95_MS = envInt('P95_MS', 1000);
const MAX_DURATION = __ENV.MAX_DURATION || '5m';

const created = new Counter('reservations_created');	// 201
const conflicts = new Counter('reservations_conflict');	// 409 SEATS_UNAVAILABLE
const rejected = new Counter('reservations_rejected');	// any other answer
const seatsReserved = new Counter('seats_reserved');	// seats in the 201s
const soldOut = new Counter('fans_found_sold_out');	// map showed nothing left
const answeredWell = new Rate('reservation_answers_ok');	// 201, or 409 with seat_ids

function scenario(exec, vus) {
	return {
		executor: 'per-vu-iterations', exec, vus, iterations: ATTEMPTS,
		maxDuration: MAX_DURATION,
	};
}

const scenarios = {};
if (PICKER_VUS > 0)
	scenarios.pickers = scenario('pickSeats', PICKER_VUS);
if (BEST_VUS > 0)
	scenarios.best = scenario('bestAvailable', BEST_VUS);

export const options = {
	scenarios,
	setupTimeout: '60s',
	teardownTimeout: '60s',
	thresholds: {
		// Reservation latency under the race (holds use SKIP LOCKED: no waiting).
		'http_req_duration{op:createReservation}': [`p(95)<${P95_MS}`],
		// No 5xx from any request, ever.
		server_errors: ['rate==0'],
		// Every reservation answer was a 201 or a 409 with the taken seat ids.
		reservation_answers_ok: ['rate==1'],
	},
};

export function setup() {
	const concert = loadConcert();
	const known = sectionCodes(concert, '');
	const wanted = __ENV.HOT_SECTIONS ? sectionCodes(concert, 'HOT_SECTIONS') : ['A', 'B'];
	const hotSections = wanted.filter((c) => known.indexOf(c) >= 0);
	if (hotSections.length === 0)
		throw new Error(`none of the HOT_SECTIONS exist in concert ${concert.id}`);
	const quantity = Math.min(QUANTITY, concert.max_tickets_per_member);
	console.log(`onsale: ${BASE_URL}, concert ${concert.id} "${concert.title}", hot sections ${hotSections.join(',')}, ` +
	    `${PICKER_VUS} pickers + ${BEST_VUS} best-available fans, ${quantity} seats each`);
	return { runId: newRunId(), concertId: concert.id, hotSections, quantity };
}

// Per-VU state: a VU is one fan for the whole test.
let fan = null;
let done = false;
const maps = new SeatMapCache();

function signIn(data, kind) {
	if (fan === null)
		fan = devLogin(memberEmail(data.runId, `onsale-${kind}`, __VU), `k6 fan ${__VU}`);
	return fan;
}

function record(res, wanted) {
	const b = body(res);
	const ok = check(res, {
		'reservation answered 201 or 409': (r) => r.status === 201 ||
		    (r.status === 409 && errorCode(r) === 'SEATS_UNAVAILABLE' &&
		    b !== null && Array.isArray(b.error.details && b.error.details.seat_ids)),
	});
	answeredWell.add(ok);
	if (res.status === 201) {
		check(b, {
			'reservation is PENDING with the seats asked for': (x) => x && x.reservation &&
			    x.reservation.status === 'PENDING' && x.reservation.seats.length === wanted,
		});
		created.add(1);
		seatsReserved.add(b.reservation.seats.length);
		done = true;
	} else if (res.status === 409 && ok) {
		conflicts.add(1);
	} else {
		rejected.add(1, { status: String(res.status), code: errorCode(res) });
	}
}

export function pickSeats(data) {
	if (done || signIn(data, 'pick') === null)
		return;
	const section = pick(data.hotSections);
	const map = maps.get(data.concertId, section, fan.token);
	if (map.seats === null)
		return;
	const seatIds = chooseSeats(map.seats, data.quantity);
	if (seatIds.length < data.quantity) {
		soldOut.add(1);
		return;
	}
	const res = call(ROUTES.createReservation, {
		json: { concert_id: data.concertId, seat_ids: seatIds },
		token: fan.token, expect: [201, 409],
	});
	record(res, seatIds.length);
	if (!done)
		sleep(Math.random());	// a fan looks at the map again
}

export function bestAvailable(data) {
	if (done || signIn(data, 'best') === null)
		return;
	const res = call(ROUTES.createReservation, {
		json: { concert_id: data.concertId, section: pick(data.hotSections), quantity: data.quantity },
		token: fan.token, expect: [201, 409],
	});
	record(res, data.quantity);
	if (!done)
		sleep(Math.random());
}

// Seat statuses of the hot sections after the race. On a concert nobody had
// touched before, HELD + SOLD must equal the seats_reserved counter of the
// summary (holds expire after the concert's hold TTL, so look right away).
export function teardown(data) {
	const after = new SeatMapCache();
	let taken = 0;
	for (const section of data.hotSections) {
		const map = after.get(data.concertId, section);
		if (map.seats === null) {
			console.warn(`onsale: section ${section}: seat map status ${map.res.status}`);
			continue;
		}
		const c = statusCounts(map.seats);
		taken += c.HELD + c.SOLD;
		console.log(`onsale: section ${section}: ${c.AVAILABLE} AVAILABLE, ${c.HELD} HELD, ${c.SOLD} SOLD`);
	}
	console.log(`onsale: ${taken} seats HELD or SOLD in the hot sections; compare with seats_reserved in the summary`);
}
