-- pgTAP: holding seats, reading, cancelling and expiring reservations
-- (sql/functions/reservations.sql, seats.sql).
--
-- Run: pg_prove -d encore pgtests/reservations.sql   (after scripts/migrate.sh)
-- One transaction, rolled back. Time stands still inside it (now() is the
-- transaction start), so a hold "passes" by moving its times into the past.
BEGIN;
SELECT plan(61);

\ir lib/err.psql
-- Make a hold pass: its times move into the past, as if 20 minutes went by.
CREATE FUNCTION pg_temp.pass(p_id uuid) RETURNS void LANGUAGE sql AS $$
	UPDATE encore.reservations SET created_at = now() - interval '20 minutes',
	    expires_at = now() - interval '10 minutes' WHERE id = p_id;
	UPDATE encore.seats SET hold_expires_at = now() - interval '10 minutes'
	WHERE reservation_id = p_id AND status = 'HELD';
$$;

-- Sweep what other data left to sweep, so the counts below are ours alone.
SELECT encore.holds_expire(1000000) IS NOT NULL AS drained \gset

SELECT (encore.concert_create('Hold test', 'Hall', now() + interval '7 days',
    10000, 4, '{"sections": [
	{"code": "A", "tier": "VIP", "price": 30000, "rows": 2, "seats_per_row": 5},
	{"code": "B", "tier": "ECONOMY", "rows": 1, "seats_per_row": 10}]}')
    -> 'concert' ->> 'id')::bigint AS cid \gset
SELECT (encore.member_upsert('dev', 'alice@t', 'alice@t', 'Alice', '{}')
    -> 'member' ->> 'id')::bigint AS alice \gset
SELECT (encore.member_upsert('dev', 'bob@t', 'bob@t', 'Bob', '{}')
    -> 'member' ->> 'id')::bigint AS bob \gset
SELECT id AS a1 FROM encore.seats WHERE concert_id = :cid AND section_code = 'A' AND row = 'a' AND number = 1 \gset
SELECT id AS a2 FROM encore.seats WHERE concert_id = :cid AND section_code = 'A' AND row = 'a' AND number = 2 \gset
SELECT id AS a3 FROM encore.seats WHERE concert_id = :cid AND section_code = 'A' AND row = 'a' AND number = 3 \gset
SELECT id AS b1 FROM encore.seats WHERE concert_id = :cid AND section_code = 'B' AND number = 1 \gset
SELECT max(id) + 1000 AS nosuch FROM encore.seats \gset

-- Hold by id.
SELECT encore.reservation_hold_seats(:alice, :cid, ARRAY[:a1, :a2]) AS h1 \gset
SELECT (:'h1'::jsonb -> 'reservation' ->> 'id')::uuid AS r1 \gset
SELECT is(:'h1'::jsonb -> 'reservation' ->> 'status', 'PENDING', 'a hold is PENDING');
SELECT is((:'h1'::jsonb -> 'reservation' ->> 'amount')::bigint, 60000::bigint,
    'amount is the server''s sum of seat prices');
SELECT is(jsonb_array_length(:'h1'::jsonb -> 'reservation' -> 'seats'), 2, 'two seats');
SELECT is(:'h1'::jsonb -> 'reservation' -> 'seats' -> 0,
    jsonb_build_object('id', :a1, 'section', 'A', 'row', 'a', 'number', 1, 'price', 30000),
    'seat shape: id, section, row, number, price');
SELECT ok((:'h1'::jsonb -> 'reservation' ->> 'order_id') ~ '^[A-Za-z0-9_-]{6,64}$',
    'order_id is 6-64 [A-Za-z0-9_-]');
SELECT ok(length(:'h1'::jsonb -> 'reservation' ->> 'order_name') BETWEEN 1 AND 100,
    'order_name is set');
SELECT is((:'h1'::jsonb -> 'reservation' ->> 'expires_at')::timestamptz,
    now() + interval '10 minutes', 'expires_at = now + the concert''s hold TTL');
SELECT is((:'h1'::jsonb -> 'reservation' ->> 'concert_id')::bigint, :cid::bigint, 'concert_id');
SELECT results_eq(format('SELECT status, reservation_id FROM encore.seats WHERE id IN (%s, %s) ORDER BY id', :a1, :a2),
    format($$VALUES ('HELD', %L::uuid), ('HELD', %L::uuid)$$, :'r1', :'r1'),
    'the seats are HELD by the reservation');
SELECT is((SELECT count(*) FROM encore.audit_log WHERE entity_id = :'r1' AND action = 'reservation.held'),
    1::bigint, 'the hold is audited');

-- Refusals of a hold.
SELECT is(pg_temp.err(format('SELECT encore.reservation_hold_seats(%s, %s, ARRAY[%s])', :bob, :cid, :a2)),
    jsonb_build_object('state', 'EN409', 'code', 'SEATS_UNAVAILABLE',
        'message', 'Some of these seats are no longer available.',
        'details', jsonb_build_object('seat_ids', jsonb_build_array(:a2))),
    'a held seat: 409 SEATS_UNAVAILABLE naming it');
SELECT is(pg_temp.err(format('SELECT encore.reservation_hold_seats(%s, %s, ARRAY[%s, %s])', :bob, :cid, :a2, :a3))
    -> 'details', jsonb_build_object('seat_ids', jsonb_build_array(:a2)),
    'all or nothing: only the taken seat is named');
SELECT is((SELECT status FROM encore.seats WHERE id = :a3), 'AVAILABLE',
    'all or nothing: the free seat of a refused request stays AVAILABLE');
SELECT is(pg_temp.err(format('SELECT encore.reservation_hold_seats(%s, %s, ARRAY[%s])', :bob, :cid, :nosuch))
    - 'message', jsonb_build_object('state', 'EN404', 'code', 'SEAT_NOT_FOUND',
        'details', jsonb_build_object('seat_ids', jsonb_build_array(:nosuch))),
    'unknown seat: 404 SEAT_NOT_FOUND');
SELECT is(pg_temp.err(format('SELECT encore.reservation_hold_seats(%s, %s, ARRAY[%s])', :bob, :cid + 1000, :a3))
    ->> 'code', 'CONCERT_NOT_FOUND', 'unknown concert: 404 CONCERT_NOT_FOUND');
SELECT is(pg_temp.err(format('SELECT encore.reservation_hold_seats(%s, %s, ARRAY[%s])', :bob + 1000, :cid, :a3))
    ->> 'state', 'EN401', 'a member that does not exist: 401 UNAUTHENTICATED');
SELECT is(pg_temp.err(format('SELECT encore.reservation_hold_seats(%s, %s, ARRAY[]::bigint[])', :bob, :cid)),
    '{"state": "EN400", "code": "VALIDATION_FAILED", "message": "The request is not valid.",
      "details": {"fields": {"seat_ids": "must list 1 to 10 seat ids"}}}'::jsonb,
    'no seats: 400 VALIDATION_FAILED with details.fields');
SELECT is(pg_temp.err(format('SELECT encore.reservation_hold_seats(%s, %s, ARRAY[%s, %s])', :bob, :cid, :a3, :a3))
    #>> '{details,fields,seat_ids}', 'must not repeat a seat', 'duplicate ids: 400');
SELECT is(pg_temp.err(format('SELECT encore.reservation_hold_seats(%s, %s, ARRAY(SELECT generate_series(1, 11)::bigint))', :bob, :cid))
    ->> 'state', 'EN400', 'eleven ids: 400');
SELECT is(pg_temp.err(format('SELECT encore.reservation_hold_seats(%s, %s, ARRAY[%s, NULL])', :bob, :cid, :a3))
    ->> 'state', 'EN400', 'a null id: 400');

-- The cap: PENDING (live) + PAID seats of the concert, at most 4.
SELECT lives_ok(format('SELECT encore.reservation_hold_seats(%s, %s, ARRAY[%s, %s])', :alice, :cid, :a3, :b1),
    'alice holds 2 more: 4, at the cap');
SELECT is(pg_temp.err(format('SELECT encore.reservation_hold_best(%s, %s, ''B'', 1)', :alice, :cid)),
    '{"state": "EN422", "code": "TICKET_LIMIT_EXCEEDED",
      "message": "At most 4 tickets per member for this concert.",
      "details": {"limit": 4, "held": 4, "requested": 1}}'::jsonb,
    'a fifth seat: 422 TICKET_LIMIT_EXCEEDED');
SELECT pg_temp.pass(:'r1');
SELECT lives_ok(format('SELECT encore.reservation_hold_best(%s, %s, ''B'', 2)', :alice, :cid),
    'a passed hold no longer counts for the cap');

-- A passed hold: its seats read AVAILABLE and anyone may take them.
SELECT is(encore.section_seats(:cid, 'A') -> 'seats' -> 0 ->> 'status', 'AVAILABLE',
    'a passed hold reads AVAILABLE in section_seats');
SELECT is(left(encore.section_status(:cid, 'A') ->> 'statuses', 3), 'AAH',
    'and in section_status (A, A, then a live hold H)');
SELECT is(encore.reservation_get(:alice, false, :'r1') -> 'reservation' ->> 'status', 'EXPIRED',
    'a passed hold reads EXPIRED before the sweep');
SELECT encore.reservation_hold_seats(:bob, :cid, ARRAY[:a2]) -> 'reservation' ->> 'id' AS r2 \gset
SELECT is((SELECT reservation_id FROM encore.seats WHERE id = :a2), :'r2'::uuid,
    'bob takes a seat of the passed hold');
SELECT is((SELECT status FROM encore.reservations WHERE id = :'r1'), 'PENDING',
    'the passed reservation stays PENDING until swept');

-- Expiry sweep.
SELECT is(encore.holds_expire(500), '{"expired": 1, "released": 1}'::jsonb,
    'holds_expire: 1 reservation expired, its 1 remaining seat released');
SELECT is((SELECT status FROM encore.reservations WHERE id = :'r1'), 'EXPIRED', 'now EXPIRED');
SELECT is((SELECT status FROM encore.seats WHERE id = :a1), 'AVAILABLE', 'its seat is AVAILABLE');
SELECT is((SELECT reservation_id FROM encore.seats WHERE id = :a2), :'r2'::uuid,
    'the seat bob took is untouched');
SELECT is((SELECT count(*) FROM encore.outbox WHERE aggregate_id = :'r1' AND topic = 'reservation.expired'),
    1::bigint, 'reservation.expired in the outbox');
SELECT is(encore.holds_expire(500), '{"expired": 0, "released": 0}'::jsonb,
    'a second sweep has nothing to do');
SELECT is(pg_temp.err(format('SELECT encore.reservation_cancel(%s, false, %L)', :alice, :'r1')) ->> 'code',
    'RESERVATION_NOT_CANCELLABLE', 'an EXPIRED reservation cannot be cancelled: 409');

-- Best available: adjacent seats in one row where possible.
SELECT encore.reservation_hold_best(:bob, :cid, 'A', 3) AS best \gset
SELECT is((SELECT count(DISTINCT s ->> 'row') FROM jsonb_array_elements(:'best'::jsonb -> 'reservation' -> 'seats') s),
    1::bigint, 'best available: one row');
SELECT is((SELECT max((s ->> 'number')::int) - min((s ->> 'number')::int) FROM jsonb_array_elements(:'best'::jsonb -> 'reservation' -> 'seats') s),
    2, 'best available: three adjacent numbers');
SELECT is(pg_temp.err(format('SELECT encore.reservation_hold_best(%s, %s, ''A'', 0)', :bob, :cid))
    #>> '{details,fields,quantity}', 'must be an integer 1..10', 'quantity 0: 400');
SELECT is(pg_temp.err(format('SELECT encore.reservation_hold_best(%s, %s, ''Q'', 1)', :bob, :cid)) ->> 'code',
    'SECTION_NOT_FOUND', 'unknown section: 404 SECTION_NOT_FOUND');
-- Fill section A but for scattered seats: then any free seats are given.
SELECT encore.member_upsert('dev', 'carol@t', 'carol@t', 'Carol', '{}') -> 'member' ->> 'id' AS carol \gset
UPDATE encore.concerts SET max_tickets_per_member = 10 WHERE id = :cid;
SELECT lives_ok(format($$SELECT encore.reservation_hold_seats(%s, %s, ARRAY(
    SELECT id FROM encore.seats WHERE concert_id = %s AND section_code = 'A'
        AND status = 'AVAILABLE' AND number <> 4))$$, :carol, :cid, :cid),
    'carol takes all that is free in A but a-4 and b-4');
SELECT is((SELECT array_agg(s ->> 'row' || (s ->> 'number') ORDER BY s ->> 'row')
    FROM jsonb_array_elements(encore.reservation_hold_best(:carol, :cid, 'A', 2) -> 'reservation' -> 'seats') s),
    ARRAY['a4', 'b4'], 'no two adjacent free: the free seats, front to back');
SELECT is(pg_temp.err(format('SELECT encore.reservation_hold_best(%s, %s, ''A'', 1)', :bob, :cid)),
    '{"state": "EN409", "code": "SEATS_UNAVAILABLE", "message": "Not 1 free seats left in section A.",
      "details": {"seat_ids": []}}'::jsonb,
    'sold out: 409 SEATS_UNAVAILABLE with seat_ids []');

-- Availability read models.
SELECT is((SELECT (s ->> 'seats_available')::int FROM jsonb_array_elements(encore.concert_get(:cid) -> 'concert' -> 'sections') s
    WHERE s ->> 'code' = 'A'), 0, 'section A: 0 available');
SELECT is((encore.concert_get(:cid) -> 'concert' ->> 'seats_available')::int,
    (SELECT count(*)::int FROM encore.seats WHERE concert_id = :cid AND status = 'AVAILABLE'),
    'concert seats_available = free seats');

-- Reading.
SELECT is(encore.reservation_get(:bob, false, :'r2') -> 'reservation' ->> 'id', :'r2', 'the owner reads it');
SELECT is(encore.reservation_get(:alice, true, :'r2') -> 'reservation' ->> 'id', :'r2', 'an admin reads it');
SELECT is(pg_temp.err(format('SELECT encore.reservation_get(%s, false, %L)', :alice, :'r2')) - 'message' - 'details',
    '{"state": "EN404", "code": "RESERVATION_NOT_FOUND"}'::jsonb,
    'another member: 404 RESERVATION_NOT_FOUND, as if missing');
SELECT is(pg_temp.err(format('SELECT encore.reservation_get(%s, false, %L)', :alice, gen_random_uuid())) ->> 'code',
    'RESERVATION_NOT_FOUND', 'a missing one: the same 404');
SELECT is(jsonb_array_length(encore.reservation_list(:bob) -> 'reservations'), 2, 'bob lists his 2 reservations');
SELECT ok((SELECT bool_and(x) FROM (SELECT (lag(r ->> 'created_at') OVER () IS NULL
    OR lag(r ->> 'created_at') OVER () >= r ->> 'created_at') AS x
    FROM jsonb_array_elements(encore.reservation_list(:alice) -> 'reservations') r) t),
    'newest first');
SELECT is(encore.reservation_list(:carol + 1000), '{"reservations": []}'::jsonb, 'nobody: an empty list');

-- Cancelling.
SELECT is(pg_temp.err(format('SELECT encore.reservation_cancel(%s, false, %L)', :alice, :'r2')) ->> 'code',
    'RESERVATION_NOT_FOUND', 'cancel someone else''s: 404');
SELECT is((SELECT status FROM encore.reservations WHERE id = :'r2'), 'PENDING', 'and nothing changed');
SELECT encore.reservation_cancel(:bob, false, :'r2') AS c2 \gset
SELECT is(:'c2'::jsonb ->> 'outcome', 'CANCELLED', 'the owner cancels a PENDING reservation');
SELECT is(:'c2'::jsonb -> 'reservation' ->> 'status', 'CANCELLED', 'status CANCELLED');
SELECT is((SELECT status FROM encore.seats WHERE id = :a2), 'AVAILABLE', 'its seat is AVAILABLE again');
SELECT is((SELECT count(*) FROM encore.outbox WHERE aggregate_id = :'r2' AND topic = 'reservation.cancelled'),
    1::bigint, 'reservation.cancelled in the outbox');
SELECT is(pg_temp.err(format('SELECT encore.reservation_cancel(%s, false, %L)', :bob, :'r2')) ->> 'state',
    'EN409', 'cancel twice: 409 RESERVATION_NOT_CANCELLABLE');
SELECT lives_ok(format('SELECT encore.reservation_cancel(%s, true, %L)',
    :alice, (SELECT id FROM encore.reservations WHERE member_id = :carol AND status = 'PENDING' LIMIT 1)),
    'an admin may cancel anyone''s');
SELECT is((SELECT count(*) FROM encore.audit_log WHERE entity_id = :'r2' AND action = 'reservation.cancelled'),
    1::bigint, 'the cancel is audited');

-- Holds commit asynchronously (only the transaction that made them).
SELECT is(current_setting('synchronous_commit'), 'off',
    'a hold sets synchronous_commit off for its own transaction');

SELECT * FROM finish();
ROLLBACK;
