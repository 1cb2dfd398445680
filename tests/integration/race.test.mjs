// Races over real HTTP: many members, each with their own session, asking
// for the same seats at the same moment. Whatever the interleaving, a seat
// belongs to at most one live reservation, the seat map agrees with the
// reservations, the per-member cap holds, and nobody gets a 5xx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, seatsOf, psql } from './lib.mjs';
import { smallConcert, loginMany, apiOrDrop, appPids, appPidsAfterSettling } from './lib_api.mjs';

const hold = (token, concertId, seatIds) => apiOrDrop('POST', '/api/v1/reservations',
  { token, body: { concert_id: concertId, seat_ids: seatIds } });

const CLIENTS = 240;
const CHURNERS = 150;
const ROUNDS = 5;

function tally(results) {
  const by = {};
  for (const r of results) by[r.status] = (by[r.status] ?? 0) + 1;
  return by;
}

/** The database's own view of a concert's seats and live reservations. */
function invariants(concertId) {
  const doubled = psql(`
    SELECT rs.seat_id, count(*) FROM encore.reservation_seats rs
    JOIN encore.reservations r ON r.id = rs.reservation_id
    WHERE r.concert_id = ${concertId} AND r.status IN ('PENDING', 'PAID')
    GROUP BY rs.seat_id HAVING count(*) > 1`);
  // Seats HELD (and whose reservation) versus the seats of PENDING reservations.
  const heldNotPending = psql(`
    SELECT s.id, s.reservation_id FROM encore.seats s WHERE s.concert_id = ${concertId} AND s.status = 'HELD'
    EXCEPT
    SELECT rs.seat_id, rs.reservation_id FROM encore.reservation_seats rs
    JOIN encore.reservations r ON r.id = rs.reservation_id
    WHERE r.concert_id = ${concertId} AND r.status = 'PENDING'`);
  const pendingNotHeld = psql(`
    SELECT rs.seat_id, rs.reservation_id FROM encore.reservation_seats rs
    JOIN encore.reservations r ON r.id = rs.reservation_id
    WHERE r.concert_id = ${concertId} AND r.status = 'PENDING'
    EXCEPT
    SELECT s.id, s.reservation_id FROM encore.seats s WHERE s.concert_id = ${concertId} AND s.status = 'HELD'`);
  const [[held]] = psql(`SELECT count(*) FROM encore.seats WHERE concert_id = ${concertId} AND status = 'HELD'`);
  const overCap = psql(`
    SELECT r.member_id, sum(r.seat_count) FROM encore.reservations r
    JOIN encore.concerts c ON c.id = r.concert_id
    WHERE r.concert_id = ${concertId} AND r.status IN ('PENDING', 'PAID')
    GROUP BY r.member_id, c.max_tickets_per_member HAVING sum(r.seat_count) > c.max_tickets_per_member`);
  return { doubled, heldNotPending, pendingNotHeld, held: Number(held), overCap };
}

test(`${CLIENTS} members grab the same two seats at once: exactly one wins`, async () => {
  const concert = await smallConcert({ rows: 1, perRow: 10 });
  const seats = await seatsOf(concert.id, 'A');
  const wanted = [seats[4].id, seats[5].id];
  const members = await loginMany(CLIENTS, { batch: 40, tag: 'race' });
  assert.equal(new Set(members.map((m) => m.member.id)).size, CLIENTS, 'each client is its own member');

  const pids = appPids();
  const results = await Promise.all(members.map((m) => hold(m.token, concert.id, wanted)));
  const counts = tally(results);
  assert.equal(counts[0], undefined, `no dropped connection: ${JSON.stringify(counts)}`);
  assert.equal(results.filter((r) => r.status >= 500).length, 0, `no 5xx: ${JSON.stringify(counts)}`);
  assert.equal(counts[201], 1, `exactly one 201: ${JSON.stringify(counts)}`);
  assert.equal(counts[409], CLIENTS - 1, `all others 409: ${JSON.stringify(counts)}`);
  for (const r of results.filter((x) => x.status === 409)) {
    assert.equal(r.body?.error?.code, 'SEATS_UNAVAILABLE');
    const ids = r.body.error.details.seat_ids;
    assert.ok(ids.length >= 1 && ids.every((id) => wanted.includes(id)), `409 names the contested seats: ${ids}`);
  }

  const winner = results.find((r) => r.status === 201).body.reservation;
  assert.deepEqual(winner.seats.map((s) => s.id).sort((a, b) => a - b), wanted);
  const map = await seatsOf(concert.id, 'A');
  assert.deepEqual(map.filter((s) => s.status === 'HELD').map((s) => s.id), wanted);
  const owners = psql(`SELECT DISTINCT reservation_id FROM encore.seats WHERE id IN (${wanted.join(',')})`);
  assert.deepEqual(owners, [[winner.id]]);
  assert.deepEqual(await appPidsAfterSettling(), pids, 'no kore worker died or restarted (see the app log)');
  const [[live]] = psql(`SELECT count(*) FROM encore.reservations WHERE concert_id = ${concert.id}`);
  assert.equal(live, '1', 'the losers left no reservation behind');
});

test('best available under a rush never sells a seat twice', async () => {
  const concert = await smallConcert({ rows: 4, perRow: 25 });
  const members = await loginMany(80, { batch: 40, tag: 'rush' });
  const pids = appPids();
  const results = await Promise.all(members.map((m) => apiOrDrop('POST', '/api/v1/reservations', {
    token: m.token, body: { concert_id: concert.id, section: 'A', quantity: 2 },
  })));
  const counts = tally(results);
  assert.equal(counts[0], undefined, `no dropped connection: ${JSON.stringify(counts)}`);
  assert.equal(results.filter((r) => r.status >= 500).length, 0, `no 5xx: ${JSON.stringify(counts)}`);
  assert.equal(counts[201], 50, `100 seats serve exactly 50 pairs: ${JSON.stringify(counts)}`);
  assert.equal(counts[409], 30, JSON.stringify(counts));
  const ids = results.filter((r) => r.status === 201).flatMap((r) => r.body.reservation.seats.map((s) => s.id));
  assert.equal(new Set(ids).size, 100, 'every seat sold once');
  const adjacent = results.filter((r) => r.status === 201).filter((r) => {
    const [a, b] = r.body.reservation.seats;
    return a.row === b.row && Math.abs(a.number - b.number) === 1;
  }).length;
  assert.ok(adjacent >= 40, `most pairs are side by side (${adjacent}/50)`);
  const inv = invariants(concert.id);
  assert.deepEqual([inv.doubled, inv.heldNotPending, inv.pendingNotHeld, inv.held], [[], [], [], 100]);
  assert.deepEqual(await appPidsAfterSettling(), pids, 'no kore worker died or restarted (see the app log)');
});

test(`${CHURNERS} members hold and cancel overlapping seats for ${ROUNDS} rounds: the books balance`, async () => {
  const CAP = 6;
  const concert = await smallConcert({ rows: 4, perRow: 25, max_tickets_per_member: CAP });
  const ids = (await seatsOf(concert.id, 'A')).map((s) => s.id);
  const members = await loginMany(CHURNERS, { batch: 50, tag: 'churn' });
  const pids = appPids();
  const pending = new Map(members.map((m) => [m.member.id, []])); // what each member believes it holds
  const counts = {};
  const unexpected = []; // judged after the invariants, so a failure shows both
  let seed = 0x5eed;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pick = (n) => {
    const out = new Set();
    while (out.size < n) out.add(ids[Math.floor(rand() * ids.length)]);
    return [...out];
  };

  for (let round = 0; round < ROUNDS; round++) {
    const results = await Promise.all(members.map(async (m) => {
      const mine = pending.get(m.member.id);
      if (mine.length > 0 && rand() < 0.3) {
        const r = mine[Math.floor(rand() * mine.length)];
        const res = await apiOrDrop('POST', `/api/v1/reservations/${r}/cancel`, { token: m.token });
        if (res.status === 200) mine.splice(mine.indexOf(r), 1);
        return { kind: 'cancel', res };
      }
      const res = await hold(m.token, concert.id, pick(2 + Math.floor(rand() * 2)));
      if (res.status === 201) mine.push(res.body.reservation.id);
      return { kind: 'hold', res };
    }));
    for (const { kind, res } of results) {
      const key = `${kind} ${res.status}`;
      counts[key] = (counts[key] ?? 0) + 1;
      const allowed = kind === 'cancel' ? [200] : [201, 409, 422];
      if (!allowed.includes(res.status)) unexpected.push(`round ${round}: ${kind} answered ${res.status} ${res.text.slice(0, 200)}`);
    }
  }
  // The run must actually have contended: holds both won and lost.
  assert.ok(counts['hold 201'] > 20 && counts['hold 409'] > 20 && counts['cancel 200'] > 10, JSON.stringify(counts));

  const inv = invariants(concert.id);
  console.log(`# churn: ${JSON.stringify(counts)}, ${inv.held} seats held at the end`);
  assert.deepEqual(inv.doubled, [], 'no seat in two PENDING/PAID reservations');
  assert.deepEqual(inv.heldNotPending, [], 'every HELD seat belongs to a PENDING reservation that lists it');
  assert.deepEqual(inv.pendingNotHeld, [], 'every seat of a PENDING reservation is HELD by it');
  assert.deepEqual(inv.overCap, [], `no member above the cap of ${CAP}`);

  // The clients' view agrees with the database's.
  const believed = [...pending.values()].flat();
  const [[dbPending]] = psql(`SELECT count(*) FROM encore.reservations WHERE concert_id = ${concert.id} AND status = 'PENDING'`);
  if (!unexpected.length) {
    assert.equal(Number(dbPending), believed.length, 'the PENDING reservations are exactly the 201s not cancelled');
  }
  const map = await seatsOf(concert.id, 'A');
  assert.equal(map.filter((s) => s.status === 'HELD').length, inv.held, 'the seat map shows the same HELD seats');
  const detail = (await api('GET', `/api/v1/concerts/${concert.id}`)).body.concert;
  assert.equal(detail.seats_available, 100 - inv.held);
  assert.deepEqual(unexpected, [], 'every answer is 200/201/409/422; 0 means a dropped connection (a kore worker died?)');
  assert.deepEqual(await appPidsAfterSettling(), pids, 'no kore worker died or restarted (see the app log)');
});
