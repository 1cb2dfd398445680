// Reservations over real HTTP: holds by seat ids and best available, the
// conflicts and the per-member cap, validation, privacy between members,
// cancel, and holds that expire on their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, adminLogin, devLogin, seatsOf, psql, eventually, isEnvelope } from './lib.mjs';
import { smallConcert, hold } from './lib_api.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MISSING = '00000000-0000-4000-8000-000000000000';

function assertError(res, status, code, what = '') {
  assert.equal(res.status, status, `${what} ${res.status} ${res.text}`);
  assert.ok(isEnvelope(res.body), `${what} envelope: ${res.text}`);
  assert.equal(res.body.error.code, code, `${what} ${res.text}`);
}

/** A concert with a VIP and an ECONOMY section of different prices. */
function twoSectionConcert(overrides = {}) {
  return smallConcert({
    sections: [
      { code: 'V', tier: 'VIP', price: 150000, rows: 2, seats_per_row: 10 },
      { code: 'E', tier: 'ECONOMY', price: 40000, rows: 3, seats_per_row: 10 },
    ],
    max_tickets_per_member: 10,
    ...overrides,
  });
}

test('holding seats by id answers the reservation with the sum of prices', async () => {
  const concert = await twoSectionConcert();
  const [v, e] = [await seatsOf(concert.id, 'V'), await seatsOf(concert.id, 'E')];
  const fan = await devLogin();
  const picked = [v[3], e[0], e[21]];
  const t0 = Date.now();
  const res = await hold(fan.token, concert.id, picked.map((s) => s.id));
  assert.equal(res.status, 201, res.text);
  const r = res.body.reservation;
  assert.match(r.id, UUID);
  assert.match(r.order_id, /^[A-Za-z0-9_-]{6,64}$/);
  assert.equal(typeof r.order_name, 'string');
  assert.ok(r.order_name.length > 0);
  assert.equal(r.status, 'PENDING');
  assert.equal(r.concert_id, concert.id);
  assert.equal(r.amount, 150000 + 40000 + 40000);
  assert.equal(r.amount, r.seats.reduce((n, s) => n + s.price, 0));
  assert.deepEqual(r.seats.map((s) => s.id).sort((a, b) => a - b), picked.map((s) => s.id).sort((a, b) => a - b));
  for (const s of r.seats) {
    const src = [...v, ...e].find((x) => x.id === s.id);
    assert.deepEqual([s.section, s.row, s.number, s.price],
      [v.includes(src) ? 'V' : 'E', src.row, src.number, src.price]);
  }
  const ttl = Date.parse(r.expires_at) - t0;
  assert.ok(ttl > 590_000 && ttl < 610_000, `expires_at is the 10-minute default hold (${ttl} ms)`);

  const got = await api('GET', `/api/v1/reservations/${r.id}`, { token: fan.token });
  assert.equal(got.status, 200);
  assert.equal(got.body.reservation.id, r.id);
  assert.equal(got.body.reservation.amount, r.amount);

  const other = await devLogin();
  const second = await hold(other.token, concert.id, [v[4].id]);
  assert.notEqual(second.body.reservation.order_id, r.order_id, 'order ids are unique');
});

test('best available gives adjacent seats in one row', async () => {
  const concert = await twoSectionConcert();
  const fan = await devLogin();
  // Break up row a so that 4 adjacent seats exist only further along or behind.
  const e = await seatsOf(concert.id, 'E');
  assert.equal((await hold(fan.token, concert.id, [e[2].id, e[6].id])).status, 201);

  const buyer = await devLogin();
  const res = await api('POST', '/api/v1/reservations', {
    token: buyer.token, body: { concert_id: concert.id, section: 'E', quantity: 4 },
  });
  assert.equal(res.status, 201, res.text);
  const seats = res.body.reservation.seats;
  assert.equal(seats.length, 4);
  assert.ok(seats.every((s) => s.section === 'E' && s.row === seats[0].row), 'one row');
  const nums = seats.map((s) => s.number).sort((a, b) => a - b);
  assert.deepEqual(nums, [nums[0], nums[0] + 1, nums[0] + 2, nums[0] + 3], `adjacent: ${nums}`);
  assert.ok(!seats.some((s) => s.id === e[2].id || s.id === e[6].id), 'never a held seat');
  assert.equal(res.body.reservation.amount, 4 * 40000);

  // A section that cannot serve the quantity: 409 with no seat ids.
  const small = await smallConcert({ rows: 1, perRow: 3 });
  const tooMany = await api('POST', '/api/v1/reservations', {
    token: buyer.token, body: { concert_id: small.id, section: 'A', quantity: 4 },
  });
  assertError(tooMany, 409, 'SEATS_UNAVAILABLE', 'quantity beyond the section');
  assert.deepEqual(tooMany.body.error.details.seat_ids, []);
});

test('a taken seat is 409 SEATS_UNAVAILABLE naming exactly the taken seats', async () => {
  const concert = await smallConcert();
  const seats = await seatsOf(concert.id, 'A');
  const first = await devLogin();
  assert.equal((await hold(first.token, concert.id, [seats[0].id, seats[1].id])).status, 201);
  const second = await devLogin();
  const res = await hold(second.token, concert.id, [seats[5].id, seats[1].id, seats[0].id]);
  assertError(res, 409, 'SEATS_UNAVAILABLE');
  assert.deepEqual(res.body.error.details.seat_ids, [seats[0].id, seats[1].id]);
  const same = await hold(first.token, concert.id, [seats[0].id]);
  assertError(same, 409, 'SEATS_UNAVAILABLE', 'even for the holder');
  const list = await api('GET', '/api/v1/reservations', { token: second.token });
  assert.deepEqual(list.body.reservations, [], 'all or nothing: seat 5 was not held');
  assert.equal((await seatsOf(concert.id, 'A'))[5].status, 'AVAILABLE');
});

test('the per-member cap counts PENDING seats: 422 TICKET_LIMIT_EXCEEDED', async () => {
  const concert = await smallConcert({ max_tickets_per_member: 4 });
  const seats = await seatsOf(concert.id, 'A');
  const fan = await devLogin();
  const a = await hold(fan.token, concert.id, [seats[0].id, seats[1].id, seats[2].id]);
  assert.equal(a.status, 201);
  assertError(await hold(fan.token, concert.id, [seats[3].id, seats[4].id]), 422, 'TICKET_LIMIT_EXCEEDED', '3 + 2 > 4');
  assertError(await api('POST', '/api/v1/reservations', {
    token: fan.token, body: { concert_id: concert.id, section: 'A', quantity: 2 },
  }), 422, 'TICKET_LIMIT_EXCEEDED', 'best available counts too');
  const b = await hold(fan.token, concert.id, [seats[3].id]);
  assert.equal(b.status, 201, '3 + 1 = 4 is allowed');
  assertError(await hold(fan.token, concert.id, [seats[4].id]), 422, 'TICKET_LIMIT_EXCEEDED', '4 + 1 > 4');
  assertError(await hold(fan.token, concert.id, seats.slice(10, 15).map((s) => s.id)), 422, 'TICKET_LIMIT_EXCEEDED',
    'a single request above the cap');

  // Cancelling frees the allowance again; another member is not affected.
  const cancel = await api('POST', `/api/v1/reservations/${a.body.reservation.id}/cancel`, { token: fan.token });
  assert.equal(cancel.status, 200, cancel.text);
  assert.equal((await hold(fan.token, concert.id, [seats[4].id, seats[5].id, seats[6].id])).status, 201);
  const other = await devLogin();
  assert.equal((await hold(other.token, concert.id, seats.slice(10, 14).map((s) => s.id))).status, 201);
});

test('reservation requests are validated', async () => {
  const concert = await smallConcert({ max_tickets_per_member: 10 });
  const other = await smallConcert();
  const seats = await seatsOf(concert.id, 'A');
  const foreign = (await seatsOf(other.id, 'A'))[0].id;
  const ids = seats.map((s) => s.id);
  const cases = [
    [{ concert_id: concert.id, seat_ids: [] }, 400, 'VALIDATION_FAILED', 'seat_ids'],
    [{ concert_id: concert.id, seat_ids: [ids[0], ids[0]] }, 400, 'VALIDATION_FAILED', 'seat_ids'],
    [{ concert_id: concert.id, seat_ids: ids.slice(0, 11) }, 400, 'VALIDATION_FAILED', 'seat_ids'],
    [{ concert_id: concert.id, seat_ids: [String(ids[0])] }, 400, 'VALIDATION_FAILED', 'seat_ids'],
    [{ concert_id: concert.id, seat_ids: [null] }, 400, 'VALIDATION_FAILED', 'seat_ids'],
    [{ concert_id: concert.id, seat_ids: ids[0] }, 400, 'VALIDATION_FAILED', 'seat_ids'],
    [{ concert_id: concert.id, seat_ids: [ids[0]], section: 'A' }, 400, 'VALIDATION_FAILED', 'seat_ids'],
    [{ concert_id: concert.id, section: 'A', quantity: 0 }, 400, 'VALIDATION_FAILED', 'quantity'],
    [{ concert_id: concert.id, section: 'A', quantity: 11 }, 400, 'VALIDATION_FAILED', 'quantity'],
    [{ concert_id: concert.id, section: 'A', quantity: 1.5 }, 400, 'VALIDATION_FAILED', 'quantity'],
    [{ concert_id: concert.id, section: 'A' }, 400, 'VALIDATION_FAILED', 'quantity'],
    [{ concert_id: concert.id, quantity: 2 }, 400, 'VALIDATION_FAILED', 'section'],
    [{ concert_id: concert.id, section: 'A-1', quantity: 2 }, 400, 'VALIDATION_FAILED', 'section'],
    [{ seat_ids: [ids[0]] }, 400, 'VALIDATION_FAILED', 'concert_id'],
    [{ concert_id: '1', seat_ids: [ids[0]] }, 400, 'VALIDATION_FAILED', 'concert_id'],
    [{ concert_id: 0, seat_ids: [ids[0]] }, 400, 'VALIDATION_FAILED', 'concert_id'],
    [{ concert_id: concert.id, seat_ids: [999999999] }, 404, 'SEAT_NOT_FOUND'],
    [{ concert_id: concert.id, seat_ids: [ids[0], foreign] }, 404, 'SEAT_NOT_FOUND'],
    [{ concert_id: 999999999, seat_ids: [ids[0]] }, 404, 'CONCERT_NOT_FOUND'],
    [{ concert_id: 999999999, section: 'A', quantity: 1 }, 404, 'CONCERT_NOT_FOUND'],
    [{ concert_id: concert.id, section: 'Q', quantity: 1 }, 404, 'SECTION_NOT_FOUND'],
  ];
  for (const [body, status, code, field] of cases) {
    const fan = await devLogin(); // a fresh member: no rate limit, no cap in the way
    const res = await api('POST', '/api/v1/reservations', { token: fan.token, body });
    const what = JSON.stringify(body).slice(0, 90);
    assertError(res, status, code, what);
    if (field) assert.ok(res.body.error.details?.fields?.[field], `${what} names ${field}: ${res.text}`);
  }
  const notFound = await hold((await devLogin()).token, concert.id, [ids[0], foreign]);
  assert.deepEqual(notFound.body.error.details.seat_ids, [foreign]);
  assertError(await hold(null, concert.id, [ids[0]]), 401, 'UNAUTHENTICATED', 'anonymous');
  assert.ok((await seatsOf(concert.id, 'A')).every((s) => s.status === 'AVAILABLE'), 'nothing was held');
});

test('members see only their own reservations; another\'s is answered like a missing one', async () => {
  const concert = await smallConcert();
  const seats = await seatsOf(concert.id, 'A');
  const alice = await devLogin();
  const bob = await devLogin();
  const ra = (await hold(alice.token, concert.id, [seats[0].id])).body.reservation;
  const rb = (await hold(bob.token, concert.id, [seats[1].id])).body.reservation;

  const la = await api('GET', '/api/v1/reservations', { token: alice.token });
  assert.equal(la.status, 200);
  assert.deepEqual(la.body.reservations.map((r) => r.id), [ra.id]);
  const lb = await api('GET', '/api/v1/reservations', { token: bob.token });
  assert.deepEqual(lb.body.reservations.map((r) => r.id), [rb.id]);

  const missing = await api('GET', `/api/v1/reservations/${MISSING}`, { token: bob.token });
  assertError(missing, 404, 'RESERVATION_NOT_FOUND', 'missing');
  const foreign = await api('GET', `/api/v1/reservations/${ra.id}`, { token: bob.token });
  assertError(foreign, 404, 'RESERVATION_NOT_FOUND', 'foreign');
  assert.deepEqual(foreign.body, missing.body, 'same body as a missing reservation');

  const cancelMissing = await api('POST', `/api/v1/reservations/${MISSING}/cancel`, { token: bob.token });
  const cancelForeign = await api('POST', `/api/v1/reservations/${ra.id}/cancel`, { token: bob.token });
  assertError(cancelForeign, 404, 'RESERVATION_NOT_FOUND', 'cancel foreign');
  assert.equal(cancelMissing.status, 404);
  assert.deepEqual(cancelForeign.body, cancelMissing.body);
  const still = await api('GET', `/api/v1/reservations/${ra.id}`, { token: alice.token });
  assert.equal(still.body.reservation.status, 'PENDING', 'bob could not cancel it');

  const admin = await adminLogin();
  const asAdmin = await api('GET', `/api/v1/reservations/${ra.id}`, { token: admin.token });
  assert.equal(asAdmin.status, 200, asAdmin.text);
  assert.equal(asAdmin.body.reservation.id, ra.id);

  for (const id of ['abc', '1', MISSING.toUpperCase().replace(/-/g, ''), `${MISSING}0`, 'null']) {
    assertError(await api('GET', `/api/v1/reservations/${id}`, { token: alice.token }), 404, 'RESERVATION_NOT_FOUND', id);
  }
  assertError(await api('GET', `/api/v1/reservations/${ra.id}`), 401, 'UNAUTHENTICATED', 'anonymous');
  assertError(await api('GET', '/api/v1/reservations'), 401, 'UNAUTHENTICATED', 'anonymous list');
});

test('cancelling a PENDING reservation frees its seats; cancelling twice is 409', async () => {
  const concert = await smallConcert();
  const seats = await seatsOf(concert.id, 'A');
  const fan = await devLogin();
  const r = (await hold(fan.token, concert.id, [seats[7].id, seats[8].id])).body.reservation;
  const c = await api('POST', `/api/v1/reservations/${r.id}/cancel`, { token: fan.token });
  assert.equal(c.status, 200, c.text);
  assert.equal(c.body.reservation.id, r.id);
  assert.equal(c.body.reservation.status, 'CANCELLED');
  const map = await seatsOf(concert.id, 'A');
  assert.equal(map[7].status, 'AVAILABLE');
  assert.equal(map[8].status, 'AVAILABLE');
  const detail = (await api('GET', `/api/v1/concerts/${concert.id}`)).body.concert;
  assert.equal(detail.seats_available, detail.seats_total);
  assertError(await api('POST', `/api/v1/reservations/${r.id}/cancel`, { token: fan.token }), 409,
    'RESERVATION_NOT_CANCELLABLE', 'second cancel');
  const list = await api('GET', '/api/v1/reservations', { token: fan.token });
  assert.equal(list.body.reservations.find((x) => x.id === r.id)?.status, 'CANCELLED');

  const next = await devLogin();
  assert.equal((await hold(next.token, concert.id, [seats[7].id, seats[8].id])).status, 201, 'the seats sell again');
});

test('holds expire on their own: EXPIRED, seats AVAILABLE, the cap freed', async () => {
  const concert = await smallConcert({ hold_ttl_seconds: 2, max_tickets_per_member: 2 });
  const seats = await seatsOf(concert.id, 'A');
  const fan = await devLogin();
  const res = await hold(fan.token, concert.id, [seats[0].id, seats[1].id]);
  assert.equal(res.status, 201, res.text);
  const r = res.body.reservation;
  const ttl = Date.parse(r.expires_at) - Date.now();
  assert.ok(ttl > 0 && ttl <= 2500, `expires in about 2 s (${ttl} ms)`);
  assertError(await hold(fan.token, concert.id, [seats[2].id]), 422, 'TICKET_LIMIT_EXCEEDED', 'before expiry');

  // The sweeper runs every second: after ~4 s the hold is gone everywhere.
  const swept = await eventually(() => {
    const [[status]] = psql(`SELECT status FROM encore.reservations WHERE id = '${r.id}'`);
    return status === 'EXPIRED';
  }, { timeout: 8000, interval: 250 });
  assert.ok(swept, 'the sweeper marked the reservation EXPIRED in the database');
  const [[held]] = psql(`SELECT count(*) FROM encore.seats WHERE id IN (${seats[0].id}, ${seats[1].id})
                         AND (status <> 'AVAILABLE' OR reservation_id IS NOT NULL)`);
  assert.equal(held, '0', 'the seats rows are released');

  const got = await api('GET', `/api/v1/reservations/${r.id}`, { token: fan.token });
  assert.equal(got.body.reservation.status, 'EXPIRED');
  const map = await seatsOf(concert.id, 'A');
  assert.equal(map[0].status, 'AVAILABLE');
  assert.equal(map[1].status, 'AVAILABLE');
  assertError(await api('POST', `/api/v1/reservations/${r.id}/cancel`, { token: fan.token }), 409,
    'RESERVATION_NOT_CANCELLABLE', 'cancel an expired hold');
  const again = await hold(fan.token, concert.id, [seats[0].id, seats[1].id]);
  assert.equal(again.status, 201, `an expired hold no longer counts toward the cap: ${again.text}`);
});
