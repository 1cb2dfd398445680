// Concerts and seat maps over real HTTP: the list and one concert, odd ids,
// creation by an admin (default arena and custom layouts), validation,
// seat maps (order, statuses, ETag/304), unknown paths and wrong methods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, adminLogin, devLogin, createConcert, seatsOf, isEnvelope } from './lib.mjs';
import { smallConcert, hold } from './lib_api.mjs';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const LIST_FIELDS = ['id', 'title', 'venue', 'starts_at', 'base_price', 'max_tickets_per_member', 'seats_total',
  'seats_available'];

function assertConcertShape(c) {
  for (const f of LIST_FIELDS) assert.ok(f in c, `concert has ${f}: ${JSON.stringify(c).slice(0, 200)}`);
  for (const f of ['id', 'base_price', 'max_tickets_per_member', 'seats_total', 'seats_available']) {
    assert.ok(Number.isInteger(c[f]), `${f} is an integer`);
  }
  assert.equal(typeof c.title, 'string');
  assert.equal(typeof c.venue, 'string');
  assert.match(c.starts_at, RFC3339);
  assert.ok(c.seats_available <= c.seats_total);
}

function assertError(res, status, code, what = '') {
  assert.equal(res.status, status, `${what} ${res.status} ${res.text}`);
  assert.ok(isEnvelope(res.body), `${what} envelope: ${res.text}`);
  assert.equal(res.body.error.code, code, what);
}

test('GET /api/v1/concerts lists concerts with the contract fields', async () => {
  const mine = await smallConcert({ title: 'Listed concert' });
  const res = await api('GET', '/api/v1/concerts');
  assert.equal(res.status, 200);
  assert.ok(Array.isArray(res.body.concerts));
  res.body.concerts.forEach(assertConcertShape);
  const demo = res.body.concerts.find((c) => c.id === 1);
  assert.ok(demo, 'the demo concert is listed');
  assert.equal(demo.seats_total, 43000);
  const listed = res.body.concerts.find((c) => c.id === mine.id);
  assert.ok(listed, 'a new concert is listed');
  assert.equal(listed.title, 'Listed concert');
  assert.equal(listed.seats_total, 20);
  assert.equal(listed.seats_available, 20);
});

test('GET /api/v1/concerts/1 has the default arena sections', async () => {
  const res = await api('GET', '/api/v1/concerts/1');
  assert.equal(res.status, 200);
  const c = res.body.concert;
  assertConcertShape(c);
  assert.equal(c.id, 1);
  assert.equal(c.sections.length, 26);
  assert.deepEqual(c.sections.map((s) => s.code).join(''), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
  for (const s of c.sections) {
    for (const f of ['code', 'tier', 'price', 'rows', 'seats_per_row', 'seats_total', 'seats_available']) {
      assert.ok(f in s, `section has ${f}`);
    }
    assert.equal(s.seats_total, s.rows * s.seats_per_row);
  }
  assert.equal(c.sections.reduce((n, s) => n + s.seats_total, 0), c.seats_total);
});

test('odd or unknown concert ids are 404 CONCERT_NOT_FOUND', async () => {
  for (const id of ['0', '-1', 'abc', '1.5', '99999999999999999999', '999999999', '01', '1e3', '0x1', '%20', '1%00',
    '9223372036854775808']) {
    assertError(await api('GET', `/api/v1/concerts/${id}`), 404, 'CONCERT_NOT_FOUND', `concert ${id}`);
    assertError(await api('GET', `/api/v1/concerts/${id}/seats?section=A`), 404, 'CONCERT_NOT_FOUND', `seats of ${id}`);
  }
});

test('an admin creates a concert with the default arena layout', async () => {
  const base = 20000;
  const created = await createConcert({ base_price: base, max_tickets_per_member: 6, starts_at: '2027-05-05T18:30:00+09:00' });
  assertConcertShape(created);
  assert.equal(created.base_price, base);
  assert.equal(created.max_tickets_per_member, 6);
  assert.equal(Date.parse(created.starts_at), Date.parse('2027-05-05T18:30:00+09:00'));
  assert.equal(created.seats_total, 43000);
  assert.equal(created.seats_available, 43000);
  const sections = created.sections ?? (await api('GET', `/api/v1/concerts/${created.id}`)).body.concert.sections;
  assert.equal(sections.length, 26);
  const want = (i) => (i < 6 ? ['VIP', 3, 10] : i < 12 ? ['STANDARD', 2, 15] : ['ECONOMY', 1, 20]);
  sections.forEach((s, i) => {
    const [tier, factor, rows] = want(i);
    assert.equal(s.code, String.fromCharCode(65 + i));
    assert.deepEqual([s.tier, s.price, s.rows, s.seats_per_row, s.seats_total], [tier, base * factor, rows, 100, rows * 100],
      `section ${s.code}`);
  });
  const z = await seatsOf(created.id, 'Z');
  assert.equal(z.length, 2000);
  assert.deepEqual([z[0].row, z[0].number, z.at(-1).row, z.at(-1).number], ['a', 1, 't', 100]);
});

test('an admin creates a concert with a custom layout', async () => {
  const layout = { sections: [
    { code: 'FLOOR', tier: 'VIP', price: 99000, rows: 3, seats_per_row: 4 },
    { code: 'B2', tier: 'BALCONY_2', rows: 1, seats_per_row: 5 },
  ] };
  const admin = await adminLogin();
  const res = await api('POST', '/api/v1/concerts', { token: admin.token, body: {
    title: 'Small room', venue: 'Club', starts_at: '2027-01-02T20:00:00Z', base_price: 30000,
    max_tickets_per_member: 2, layout, hold_ttl_seconds: 120,
  } });
  assert.equal(res.status, 201, res.text);
  const c = res.body.concert;
  assertConcertShape(c);
  assert.equal(c.seats_total, 17);
  const got = await api('GET', `/api/v1/concerts/${c.id}`);
  assert.deepEqual(got.body.concert.sections.map((s) => [s.code, s.tier, s.price, s.rows, s.seats_per_row, s.seats_total]),
    [['FLOOR', 'VIP', 99000, 3, 4, 12], ['B2', 'BALCONY_2', 30000, 1, 5, 5]], 'a section without price costs base_price');
  const floor = await seatsOf(c.id, 'FLOOR');
  assert.deepEqual(floor.map((s) => `${s.row}${s.number}`), ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3', 'b4', 'c1', 'c2', 'c3', 'c4']);
});

test('only an admin creates concerts', async () => {
  const body = { title: 'x', venue: 'y', starts_at: '2027-01-01T00:00:00Z', base_price: 1, max_tickets_per_member: 1 };
  const fan = await devLogin();
  assertError(await api('POST', '/api/v1/concerts', { token: fan.token, body }), 403, 'FORBIDDEN', 'member');
  assertError(await api('POST', '/api/v1/concerts', { body }), 401, 'UNAUTHENTICATED', 'anonymous');
});

test('concert validation errors name the field at fault', async () => {
  const admin = await adminLogin();
  const good = { title: 'Valid', venue: 'Hall', starts_at: '2027-01-01T19:00:00+09:00', base_price: 1000,
    max_tickets_per_member: 4 };
  const cases = [
    [{ title: undefined }, 'title'],
    [{ title: '' }, 'title'],
    [{ title: 't'.repeat(201) }, 'title'],
    [{ title: 12 }, 'title'],
    [{ venue: undefined }, 'venue'],
    [{ venue: null }, 'venue'],
    [{ starts_at: 'tomorrow' }, 'starts_at'],
    [{ starts_at: '2027-01-01 19:00:00' }, 'starts_at'],
    [{ starts_at: '2027-01-01T19:00:00' }, 'starts_at'],
    [{ starts_at: 1767225600 }, 'starts_at'],
    [{ base_price: 0 }, 'base_price'],
    [{ base_price: -5 }, 'base_price'],
    [{ base_price: '1000' }, 'base_price'],
    [{ base_price: 10.5 }, 'base_price'],
    [{ base_price: 10000001 }, 'base_price'],
    [{ max_tickets_per_member: 0 }, 'max_tickets_per_member'],
    [{ max_tickets_per_member: 11 }, 'max_tickets_per_member'],
    [{ layout: 'arena' }, 'layout'],
    [{ layout: [] }, 'layout'],
    [{ layout: { sections: [] } }, 'layout'],
    [{ layout: { sections: [{ code: 'a', tier: 'VIP', rows: 1, seats_per_row: 1 }] } }, 'layout'],
    [{ layout: { sections: [{ code: 'A', tier: 'VIP', rows: 27, seats_per_row: 1 }] } }, 'layout'],
    [{ layout: { sections: [{ code: 'A', tier: 'VIP', rows: 1, seats_per_row: 201 }] } }, 'layout'],
    [{ layout: { sections: [{ code: 'A', tier: 'VIP', rows: 1, seats_per_row: 1 },
      { code: 'A', tier: 'VIP', rows: 1, seats_per_row: 1 }] } }, 'layout'],
    [{ hold_ttl_seconds: 0 }, 'hold_ttl_seconds'],
    [{ hold_ttl_seconds: 3601 }, 'hold_ttl_seconds'],
  ];
  for (const [patch, field] of cases) {
    const body = { ...good, ...patch };
    const res = await api('POST', '/api/v1/concerts', { token: admin.token, body });
    const what = JSON.stringify(patch).slice(0, 80);
    assertError(res, 400, 'VALIDATION_FAILED', what);
    assert.ok(res.body.error.details?.fields?.[field], `${what} names ${field}: ${res.text}`);
  }
});

test('seat maps are ordered by row then number, with statuses', async () => {
  const concert = await smallConcert({ rows: 3, perRow: 12, price: 7000 });
  const before = await api('GET', `/api/v1/concerts/${concert.id}/seats?section=A`);
  assert.equal(before.status, 200);
  assert.equal(before.body.section, 'A');
  const seats = before.body.seats;
  assert.equal(seats.length, 36);
  const order = seats.map((s) => [s.row, s.number]);
  const sorted = [...order].sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] < b[0] ? -1 : 1));
  assert.deepEqual(order, sorted, 'ordered by row then number (numerically: 2 before 10)');
  for (const s of seats) {
    assert.ok(Number.isInteger(s.id));
    assert.equal(s.price, 7000);
    assert.equal(s.status, 'AVAILABLE');
  }

  const fan = await devLogin();
  const picked = [seats[13].id, seats[14].id];
  assert.equal((await hold(fan.token, concert.id, picked)).status, 201);
  const after = await seatsOf(concert.id, 'A');
  for (const s of after) assert.equal(s.status, picked.includes(s.id) ? 'HELD' : 'AVAILABLE', `seat ${s.id}`);
  const c = (await api('GET', `/api/v1/concerts/${concert.id}`)).body.concert;
  assert.equal(c.seats_available, 34);
  assert.equal(c.sections[0].seats_available, 34);
});

test('seat map: section required, unknown section is 404', async () => {
  const concert = await smallConcert();
  const path = `/api/v1/concerts/${concert.id}/seats`;
  for (const q of ['', '?section=', '?sections=A']) {
    const res = await api('GET', path + q);
    assertError(res, 400, 'VALIDATION_FAILED', `seats${q}`);
    assert.ok(res.body.error.details.fields.section);
  }
  for (const s of ['B', 'a', 'AA', 'A%20', '%27%20OR%201%3D1--', 'A%2FB', 'Z'.repeat(16)]) {
    assertError(await api('GET', `${path}?section=${s}`), 404, 'SECTION_NOT_FOUND', `section ${s}`);
  }
  const long = await api('GET', `${path}?section=${'Z'.repeat(17)}`);
  assert.ok(long.status === 400 || long.status === 404, long.text);
  assert.ok(isEnvelope(long.body));
});

test('seat map ETag: 304 on If-None-Match, a new ETag after a change', async () => {
  const concert = await smallConcert();
  const path = `/api/v1/concerts/${concert.id}/seats?section=A`;
  const first = await api('GET', path);
  const etag = first.headers.get('etag');
  assert.match(etag ?? '', /^(W\/)?"[^"]+"$/);
  const again = await api('GET', path, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.text, '');
  const other = await api('GET', path, { headers: { 'if-none-match': '"nope"' } });
  assert.equal(other.status, 200);

  const fan = await devLogin();
  assert.equal((await hold(fan.token, concert.id, [first.body.seats[0].id])).status, 201);
  const changed = await api('GET', path, { headers: { 'if-none-match': etag } });
  assert.equal(changed.status, 200, 'the seat map changed, so the old ETag no longer matches');
  assert.notEqual(changed.headers.get('etag'), etag);
  assert.equal(changed.body.seats[0].status, 'HELD');
});

test('unknown /api paths are 404 NOT_FOUND in the envelope', async () => {
  for (const p of ['/api/v1/nope', '/api/v2/concerts', '/api', '/api/', '/api/v1', '/api/v1/concerts/1/seats/1',
    '/api/v1/concerts/1/sections', '/api/v1/reservations/x/y/z', '/api/v1/me/nope']) {
    for (const method of ['GET', 'POST']) {
      const res = await api(method, p);
      assertError(res, 404, 'NOT_FOUND', `${method} ${p}`);
      assert.match(res.headers.get('content-type'), /application\/json/);
    }
  }
});

test('wrong methods are 405 METHOD_NOT_ALLOWED with Allow', async () => {
  const cases = [
    ['DELETE', '/api/v1/concerts', 'GET, POST'],
    ['PUT', '/api/v1/concerts', 'GET, POST'],
    ['PUT', '/api/v1/concerts/1', 'GET'],
    ['DELETE', '/api/v1/concerts/1', 'GET'],
    ['POST', '/api/v1/concerts/1/seats?section=A', 'GET'],
    ['DELETE', '/api/v1/reservations', 'GET, POST'],
    ['GET', '/api/v1/reservations/00000000-0000-4000-8000-000000000000/cancel', 'POST'],
    ['POST', '/api/v1/me', 'GET'],
    ['GET', '/api/v1/auth/refresh', 'POST'],
    ['GET', '/api/v1/auth/logout', 'POST'],
    ['POST', '/auth/google/login', 'GET'],
  ];
  for (const [method, path, allow] of cases) {
    const res = await api(method, path);
    assertError(res, 405, 'METHOD_NOT_ALLOWED', `${method} ${path}`);
    assert.equal(res.headers.get('allow'), allow, `${method} ${path} Allow`);
  }
});
