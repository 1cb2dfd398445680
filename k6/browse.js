// browse.js: fans looking at seat maps, as the UI does.
//
// Each VU opens the concert list and the concert, then keeps looking at
// random sections: a fan stays on a section for a few polls (every POLL_S
// seconds, with If-None-Match, as the seat map refreshes itself) and moves on.
// Most polls should come back 304 Not Modified when nobody is buying; under a
// concurrent onsale.js run they show how fast seat changes reach browsers.
//
// Env: VUS (200), DURATION ("2m"), POLL_S (3), POLLS_PER_SECTION (5),
// SECTIONS (all), P95_MS (300), plus BASE_URL, CONCERT_ID (lib.js).
// Anonymous: the seat map needs no login.

import { check, sleep } from 'k6';
import { Counter, Rate } from 'k6/metrics';
import {
	BASE_URL, ROUTES, SeatMapCache, body, call, envInt, header, loadConcert, pick,
	sectionCodes,
} from './lib.js';

const VUS = envInt('VUS', 200);
const DURATION = __ENV.DURATION || '2m';
const POLL_S = parseFloat(__ENV.POLL_S || '3');
const POLLS_PER_SECTION = envInt('POLLS_PER_SECTION', 5);
const P95_MS = envInt('P95_MS', 300);

const notModified = new Rate('seatmap_not_modified');	// 304 share of polls
const mapsRead = new Counter('seatmaps_read');		// 200s with a body

export const options = {
	scenarios: {
		browsers: { executor: 'constant-vus', vus: VUS, duration: DURATION },
	},
	setupTimeout: '60s',
	thresholds: {
		'http_req_duration{op:getSectionSeats}': [`p(95)<${P95_MS}`],
		server_errors: ['rate==0'],
		// Seat maps are well-formed and every 200 carries an ETag.
		checks: ['rate>0.99'],
	},
};

export function setup() {
	const concert = loadConcert();
	const sections = sectionCodes(concert, 'SECTIONS');
	console.log(`browse: ${BASE_URL}, concert ${concert.id} "${concert.title}", sections ${sections.join(',')}`);
	return { concertId: concert.id, sections };
}

// Per-VU: the browser's cache of seat maps and ETags.
const maps = new SeatMapCache();

export default function (data) {
	call(ROUTES.listConcerts, { expect: [200] });
	const detail = call(ROUTES.getConcert, { params: { id: data.concertId }, expect: [200] });
	const d = body(detail);
	check(detail, { 'concert: 200 with sections': (r) => r.status === 200 &&
	    d !== null && !!d.concert && Array.isArray(d.concert.sections) });

	const section = pick(data.sections);
	for (let i = 0; i < POLLS_PER_SECTION; i++) {
		const polled = i > 0;
		const map = maps.get(data.concertId, section);
		const res = map.res;
		check(res, {
			'seat map: 200 or 304': (r) => r.status === 200 || r.status === 304,
			'seat map: 200 carries an ETag': (r) => r.status !== 200 || !!header(r, 'ETag'),
			'seat map: seats of the section': () => map.seats !== null,
		});
		if (res.status === 200)
			mapsRead.add(1);
		if (polled)
			notModified.add(map.notModified);
		sleep(POLL_S * (0.8 + 0.4 * Math.random()));
	}
}
