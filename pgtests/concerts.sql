-- pgTAP: concerts and seat maps (sql/functions/concerts.sql, seats.sql,
-- errors.sql), and the demo seed.
--
-- Run: pg_prove -d encore pgtests/concerts.sql   (after scripts/migrate.sh)
-- One transaction, rolled back.
BEGIN;
SELECT plan(39);

\ir lib/err.psql

-- The error helper itself.
SELECT is(pg_temp.err($$SELECT encore.raise_error(409, 'SEATS_UNAVAILABLE', 'Taken.', '{"seat_ids": [1]}')$$),
    '{"state": "EN409", "code": "SEATS_UNAVAILABLE", "message": "Taken.", "details": {"seat_ids": [1]}}'::jsonb,
    'raise_error: SQLSTATE EN<status>, MESSAGE code, HINT message, DETAIL json');
SELECT is(pg_temp.err($$SELECT encore.raise_error(404, 'CONCERT_NOT_FOUND', 'No.')$$) -> 'details', 'null'::jsonb,
    'raise_error without details: no DETAIL');
SELECT throws_ok($$SELECT encore.raise_error(200, 'OK', 'x')$$, 'P0001', NULL, 'raise_error refuses a non-error status');
SELECT lives_ok($$SELECT encore.raise_if_invalid('{}')$$, 'raise_if_invalid: nothing to report, no error');

-- The default arena, created set-based (its speed is reported by
-- scripts/bench-sql.sh, never asserted here).
SELECT encore.concert_create('Arena', 'Olympic Hall', '2027-01-01T19:00:00+09:00', 50000, 4) AS c \gset
SELECT is((:'c'::jsonb -> 'concert' ->> 'seats_total')::int, 43000,
    'the default arena is created in one call');
SELECT (:'c'::jsonb -> 'concert' ->> 'id')::bigint AS cid \gset
SELECT is((:'c'::jsonb -> 'concert') - 'id' - 'sections', '{"title": "Arena", "venue": "Olympic Hall",
    "starts_at": "2027-01-01T10:00:00+00:00", "base_price": 50000, "max_tickets_per_member": 4,
    "hold_ttl_seconds": 600, "seats_total": 43000, "seats_available": 43000,
    "price_min": 50000, "price_max": 150000}'::jsonb,
    'concert fields, with derived seats_total, seats_available and price range');
SELECT is(jsonb_array_length(:'c'::jsonb -> 'concert' -> 'sections'), 26, '26 sections');
SELECT is((SELECT count(*) FROM encore.seats WHERE concert_id = :cid), 43000::bigint, '43,000 seats');
SELECT is(:'c'::jsonb -> 'concert' -> 'sections' -> 0, '{"code": "A", "tier": "VIP", "price": 150000, "rows": 10,
    "seats_per_row": 100, "seats_total": 1000, "seats_available": 1000}'::jsonb, 'A: VIP 10 x 100 at 3 x base');
SELECT is(:'c'::jsonb -> 'concert' -> 'sections' -> 6, '{"code": "G", "tier": "STANDARD", "price": 100000, "rows": 15,
    "seats_per_row": 100, "seats_total": 1500, "seats_available": 1500}'::jsonb, 'G: STANDARD 15 x 100 at 2 x base');
SELECT is(:'c'::jsonb -> 'concert' -> 'sections' -> 25, '{"code": "Z", "tier": "ECONOMY", "price": 50000, "rows": 20,
    "seats_per_row": 100, "seats_total": 2000, "seats_available": 2000}'::jsonb, 'Z: ECONOMY 20 x 100 at base');
SELECT is((SELECT array_agg(DISTINCT row ORDER BY row) FROM encore.seats WHERE concert_id = :cid AND section_code = 'M'),
    ARRAY['a','b','c','d','e','f','g','h','i','j','k','l','m','n','o','p','q','r','s','t'], 'rows lettered a, b, c...');
SELECT is(encore.concert_get(:cid), :'c'::jsonb, 'concert_get returns what concert_create did');
SELECT ok(encore.concert_list() -> 'concerts' @> jsonb_build_array((:'c'::jsonb -> 'concert') - 'sections'),
    'concert_list has it, without sections');
SELECT is(pg_temp.err(format('SELECT encore.concert_get(%s)', :cid + 1000)) - 'details',
    '{"state": "EN404", "code": "CONCERT_NOT_FOUND", "message": "No such concert."}'::jsonb,
    'unknown concert: 404 CONCERT_NOT_FOUND');
SELECT is((SELECT count(*) FROM encore.audit_log WHERE entity = 'concert' AND entity_id = :'cid'), 1::bigint,
    'the creation is audited');

-- Validation: every field named.
SELECT is(pg_temp.err($$SELECT encore.concert_create('', ' ', NULL, 0, 11, NULL, '2 hours')$$) #> '{details,fields}',
    '{"title": "must be 1-200 characters", "venue": "must be 1-200 characters",
      "starts_at": "must be an RFC 3339 time", "base_price": "must be an integer 1..10000000",
      "max_tickets_per_member": "must be an integer 1..10", "hold_ttl": "must be between 1 second and 1 hour"}'::jsonb,
    'every bad field is reported under details.fields');
SELECT is(pg_temp.err($$SELECT encore.concert_create(repeat('x', 201), 'v', now(), 1, 1)$$) #>> '{details,fields,title}',
    'must be 1-200 characters', 'a 201-character title: 400');
SELECT is(pg_temp.err($$SELECT encore.concert_create('t', 'v', now(), 10000001, 1)$$) ->> 'state', 'EN400',
    'base_price over 10^7: 400');
SELECT is(pg_temp.err($$SELECT encore.concert_create('t', 'v', now(), 1, 1, '[]')$$) #>> '{details,fields,layout}',
    'must be {"sections": [...]} with 1 to 52 sections', 'layout not an object: 400');
SELECT is(pg_temp.err($$SELECT encore.concert_create('t', 'v', now(), 1, 1, '{"sections": [{"code": "a", "tier": "VIP", "rows": 1, "seats_per_row": 1}]}')$$) #>> '{details,fields,layout}',
    'sections[0].code must be 1-8 characters [A-Z][A-Z0-9]*', 'a lower-case section code: 400');
SELECT is(pg_temp.err($$SELECT encore.concert_create('t', 'v', now(), 1, 1, '{"sections": [{"code": "A", "tier": "VIP", "rows": 1, "seats_per_row": 1}, {"code": "A", "tier": "VIP", "rows": 1, "seats_per_row": 1}]}')$$) #>> '{details,fields,layout}',
    'sections[1].code is used twice', 'a code used twice: 400');
SELECT is(pg_temp.err($$SELECT encore.concert_create('t', 'v', now(), 1, 1, '{"sections": [{"code": "A", "tier": "VIP", "rows": 27, "seats_per_row": 1}]}')$$) #>> '{details,fields,layout}',
    'sections[0].rows must be an integer 1..26', '27 rows: 400');
SELECT is(pg_temp.err($$SELECT encore.concert_create('t', 'v', now(), 1, 1, '{"sections": [{"code": "A", "tier": "VIP", "rows": 1, "seats_per_row": 1.5}]}')$$) #>> '{details,fields,layout}',
    'sections[0].seats_per_row must be an integer 1..200', 'a fractional seats_per_row: 400');
SELECT is(pg_temp.err($$SELECT encore.concert_create('t', 'v', now(), 1, 1, '{"sections": [{"code": "A", "tier": "VIP", "price": "9", "rows": 1, "seats_per_row": 1}]}')$$) #>> '{details,fields,layout}',
    'sections[0].price must be an integer 1..100000000', 'a price given as a string: 400');
SELECT is(pg_temp.err($$SELECT encore.concert_create('t', 'v', now(), 1, 1, '{"sections": [{"code": "A", "tier": "vip", "rows": 1, "seats_per_row": 1}]}')$$) #>> '{details,fields,layout}',
    'sections[0].tier must be 1-32 characters [A-Z][A-Z0-9_]*', 'a lower-case tier: 400');
SELECT is(pg_temp.err($$SELECT encore.concert_create('t', 'v', now(), 1, 1, (SELECT jsonb_build_object('sections', jsonb_agg(jsonb_build_object('code', 'S' || i, 'tier', 'X', 'rows', 26, 'seats_per_row', 200))) FROM generate_series(1, 20) i))$$) #>> '{details,fields,layout}',
    'more than 100000 seats', 'more than 100,000 seats: 400');

-- A custom layout; price defaults to the base price.
SELECT encore.concert_create('Club', 'Basement', now() + interval '1 day', 20000, 2,
    '{"sections": [{"code": "FLOOR", "tier": "GA", "rows": 2, "seats_per_row": 3},
                   {"code": "B1", "tier": "VIP", "price": 90000, "rows": 1, "seats_per_row": 2}]}', '90 seconds') AS k \gset
SELECT (:'k'::jsonb -> 'concert' ->> 'id')::bigint AS kid \gset
SELECT is(:'k'::jsonb #> '{concert,sections}', '[
    {"code": "FLOOR", "tier": "GA", "price": 20000, "rows": 2, "seats_per_row": 3, "seats_total": 6, "seats_available": 6},
    {"code": "B1", "tier": "VIP", "price": 90000, "rows": 1, "seats_per_row": 2, "seats_total": 2, "seats_available": 2}]'::jsonb,
    'a custom layout, in the given order, price defaulting to base_price');
SELECT is((:'k'::jsonb #>> '{concert,hold_ttl_seconds}')::int, 90, 'a custom hold TTL');

-- Seat maps.
SELECT encore.section_seats(:kid, 'FLOOR') AS m \gset
SELECT is(:'m'::jsonb ->> 'section', 'FLOOR', 'section_seats names the section');
SELECT is((SELECT array_agg((s ->> 'row') || (s ->> 'number')) FROM jsonb_array_elements(:'m'::jsonb -> 'seats') s),
    ARRAY['a1','a2','a3','b1','b2','b3'], 'ordered by row, then number');
SELECT is((:'m'::jsonb -> 'seats' -> 0) - 'id', '{"row": "a", "number": 1, "price": 20000, "status": "AVAILABLE"}'::jsonb,
    'seat fields: id, row, number, price, status');
SELECT is(pg_temp.err(format('SELECT encore.section_seats(%s, ''Q'')', :kid)) ->> 'code', 'SECTION_NOT_FOUND',
    'unknown section: 404 SECTION_NOT_FOUND');
SELECT is(pg_temp.err(format('SELECT encore.section_seats(%s, NULL)', :kid)) ->> 'state', 'EN400', 'no section: 400');
SELECT is(pg_temp.err(format('SELECT encore.section_seats(%s, ''A'')', :kid + 1000)) ->> 'code', 'CONCERT_NOT_FOUND',
    'unknown concert: 404');
SELECT (encore.member_upsert('dev', 'm@t', 'm@t', 'M', '{}') -> 'member' ->> 'id')::bigint AS mid \gset
SELECT encore.reservation_hold_seats(:mid, :kid, ARRAY(SELECT id FROM encore.seats WHERE concert_id = :kid
    AND section_code = 'FLOOR' AND row = 'a' AND number = 2)) IS NOT NULL AS held \gset
SELECT is(encore.section_status(:kid, 'FLOOR') - 'version', '{"section": "FLOOR", "statuses": "AHAAAA"}'::jsonb,
    'section_status: one character per seat, same order');
SELECT ok((encore.section_status(:kid, 'FLOOR') ->> 'version')::bigint > 0, 'section_status carries a version');
SELECT is(encore.section_seats(:kid, 'FLOOR') -> 'seats' -> 1 ->> 'status', 'HELD', 'a live hold reads HELD');
SELECT is((SELECT (s ->> 'seats_available')::int FROM jsonb_array_elements(encore.concert_get(:kid) #> '{concert,sections}') s
    WHERE s ->> 'code' = 'FLOOR'), 5, 'availability per section is derived from the seats');

SELECT * FROM finish();
ROLLBACK;
