-- pgTAP: the schema itself (sql/schema/001-005): the tables, and the
-- constraints that refuse an impossible state whatever the caller does;
-- the append-only audit log; the outbox contract with the relay
-- (sql/functions/outbox.sql); the migrations record.
--
-- Run: pg_prove -d encore pgtests/schema.sql   (after scripts/migrate.sh)
-- One transaction, rolled back.
BEGIN;
SELECT plan(53);

SELECT is((SELECT array_agg(tablename::text ORDER BY tablename) FROM pg_tables WHERE schemaname = 'encore'
    AND tablename = ANY (ARRAY['schema_migrations', 'members', 'refresh_tokens', 'oauth_states',
    'concerts', 'sections', 'seats', 'reservations', 'reservation_seats', 'payments', 'provider_events',
    'outbox', 'audit_log'])), ARRAY['audit_log', 'concerts', 'members', 'oauth_states', 'outbox', 'payments',
    'provider_events', 'refresh_tokens', 'reservation_seats', 'reservations', 'schema_migrations', 'seats',
    'sections'], 'the core tables exist');
SELECT ok((SELECT count(*) FROM encore.schema_migrations WHERE version IN ('001_members', '002_concerts',
    '003_reservations', '004_payments', '005_outbox_audit')) = 5, 'migrations 001-005 are recorded');
SELECT columns_are('encore', 'outbox', ARRAY['id', 'event_id', 'topic', 'aggregate_id', 'payload',
    'created_at', 'published_at'], 'the outbox has exactly the agreed columns');
SELECT col_type_is('encore', 'outbox', 'aggregate_id', 'uuid', 'outbox.aggregate_id is a uuid');
SELECT col_is_unique('encore', 'outbox', 'event_id', 'outbox.event_id is unique');
SELECT col_is_pk('encore', 'reservations', 'id', 'reservations are keyed by id');
SELECT col_type_is('encore', 'reservations', 'id', 'uuid', 'reservation ids are uuids');
SELECT col_is_unique('encore', 'reservations', 'order_id', 'order_id is unique');
SELECT col_is_unique('encore', 'payments', 'payment_key', 'payment_key is unique');
SELECT col_is_unique('encore', 'seats', ARRAY['concert_id', 'section_code', 'row', 'number'],
    'a seat is unique by (concert, section, row, number)');
SELECT col_is_unique('encore', 'members', ARRAY['provider', 'subject'], 'a member is unique by (provider, subject)');
SELECT fk_ok('encore', 'seats', ARRAY['reservation_id', 'id'], 'encore', 'reservation_seats',
    ARRAY['reservation_id', 'seat_id'], 'a seat''s owner must list it');

-- Fixture: a concert of 3 seats, a member, a reservation of seat 1.
SELECT (encore.concert_create('Schema', 'Hall', now() + interval '1 day', 1000, 4,
    '{"sections": [{"code": "A", "tier": "X", "rows": 1, "seats_per_row": 3}]}') #>> '{concert,id}')::bigint AS cid \gset
SELECT (encore.concert_create('Other', 'Hall', now() + interval '1 day', 1000, 4,
    '{"sections": [{"code": "A", "tier": "X", "rows": 1, "seats_per_row": 1}]}') #>> '{concert,id}')::bigint AS cid2 \gset
SELECT (encore.member_upsert('dev', 's@t', 's@t', 'S', '{}') #>> '{member,id}')::bigint AS mid \gset
SELECT min(id) AS s1, min(id) + 1 AS s2 FROM encore.seats WHERE concert_id = :cid \gset
SELECT encore.reservation_hold_seats(:mid, :cid, ARRAY[:s1]::bigint[]) #>> '{reservation,id}' AS rid \gset
SELECT encore.reservation_hold_seats(:mid, :cid2, ARRAY(SELECT id FROM encore.seats WHERE concert_id = :cid2))
    #>> '{reservation,id}' AS rid2 \gset
SELECT order_id AS oid FROM encore.reservations WHERE id = :'rid' \gset
SELECT order_id AS oid2 FROM encore.reservations WHERE id = :'rid2' \gset

-- Seats.
SELECT throws_ok(format($$UPDATE encore.seats SET status = 'HELD' WHERE id = %s$$, :s2), '23514', NULL,
    'HELD without an owner is refused');
SELECT throws_ok(format($$UPDATE encore.seats SET status = 'SOLD', hold_expires_at = now() WHERE id = %s$$, :s1),
    '23514', NULL, 'SOLD with a hold expiry is refused');
SELECT throws_ok(format($$UPDATE encore.seats SET status = 'GONE' WHERE id = %s$$, :s2), '23514', NULL,
    'an unknown seat status is refused');
SELECT throws_ok(format($$UPDATE encore.seats SET status = 'AVAILABLE', hold_expires_at = NULL WHERE id = %s$$, :s1),
    '23514', NULL, 'AVAILABLE with an owner is refused');
SELECT throws_ok(format($$UPDATE encore.seats SET status = 'HELD', reservation_id = %L, hold_expires_at = now() WHERE id = %s$$, :'rid', :s2),
    '23503', NULL, 'owned by a reservation that does not list the seat: refused');
INSERT INTO encore.reservation_seats VALUES (:'rid2', :s2, 1000);
SELECT throws_ok(format($$UPDATE encore.seats SET status = 'HELD', reservation_id = %L, hold_expires_at = now() WHERE id = %s$$, :'rid2', :s2),
    '23503', NULL, 'owned by a reservation of another concert: refused');
SELECT throws_ok(format($$INSERT INTO encore.seats (concert_id, section_code, row, number, price) VALUES (%s, 'A', 'a', 1, 5)$$, :cid),
    '23505', NULL, 'a second seat a-1 in the same section is refused');
SELECT throws_ok(format($$INSERT INTO encore.seats (concert_id, section_code, row, number, price) VALUES (%s, 'Q', 'a', 9, 5)$$, :cid),
    '23503', NULL, 'a seat in a section that does not exist is refused');
SELECT throws_ok(format($$INSERT INTO encore.seats (concert_id, section_code, row, number, price) VALUES (%s, 'A', 'a', 9, 0)$$, :cid),
    '23514', NULL, 'a free seat (price 0) is refused');

-- Concerts and sections.
SELECT throws_ok(format('UPDATE encore.concerts SET base_price = 0 WHERE id = %s', :cid), '23514', NULL, 'base_price 0 is refused');
SELECT throws_ok(format('UPDATE encore.concerts SET max_tickets_per_member = 11 WHERE id = %s', :cid), '23514', NULL,
    'a cap over 10 is refused');
SELECT throws_ok(format($$UPDATE encore.concerts SET hold_ttl = '2 hours' WHERE id = %s$$, :cid), '23514', NULL,
    'a hold TTL over an hour is refused');
SELECT throws_ok(format('UPDATE encore.sections SET rows = 27 WHERE concert_id = %s', :cid), '23514', NULL,
    'more than 26 rows is refused');

-- Reservations.
SELECT throws_ok(format($$UPDATE encore.reservations SET order_id = 'bad id' WHERE id = %L$$, :'rid'), '23514', NULL,
    'an order_id outside [A-Za-z0-9_-]{6,64} is refused');
SELECT throws_ok(format($$UPDATE encore.reservations SET status = 'PAID' WHERE id = %L$$, :'rid'), '23514', NULL,
    'PAID without a payment is refused');
SELECT throws_ok(format($$UPDATE encore.reservations SET status = 'CANCELLED' WHERE id = %L$$, :'rid'), '23514', NULL,
    'CANCELLED without cancelled_at is refused');
SELECT throws_ok(format($$UPDATE encore.reservations SET status = 'EXPIRED' WHERE id = %L$$, :'rid'), '23514', NULL,
    'EXPIRED without expired_at is refused');
SELECT throws_ok(format($$UPDATE encore.reservations SET status = 'REFUNDED', refunded_at = now() WHERE id = %L$$, :'rid'),
    '23514', NULL, 'REFUNDED without having been paid is refused');
SELECT throws_ok(format($$UPDATE encore.reservations SET amount = 0 WHERE id = %L$$, :'rid'), '23514', NULL, 'amount 0 is refused');
SELECT throws_ok(format($$UPDATE encore.reservations SET seat_count = 11 WHERE id = %L$$, :'rid'), '23514', NULL,
    'more than 10 seats is refused');
SELECT throws_ok(format($$UPDATE encore.reservations SET expires_at = created_at WHERE id = %L$$, :'rid'), '23514', NULL,
    'a hold that expires when it starts is refused');
SELECT throws_ok(format($$INSERT INTO encore.reservations (member_id, concert_id, order_id, order_name, amount, seat_count, expires_at)
    VALUES (%s, %s, 'order-xyz', 'x', 1, 1, now() + interval '1 minute')$$, :mid + 1000, :cid), '23503', NULL,
    'a reservation of a member that does not exist is refused');

-- Payments.
INSERT INTO encore.payments (payment_key, order_id, amount) VALUES ('pk_schema', :'oid', 1000);
SELECT throws_ok($$INSERT INTO encore.payments (payment_key, order_id, amount) VALUES ('pk_schema', 'enc-other', 1)$$,
    '23505', NULL, 'a payment_key is used once');
SELECT throws_ok($$INSERT INTO encore.payments (payment_key, order_id, amount) VALUES ('pk_other', 'no-such-order', 1)$$,
    '23503', NULL, 'a payment of an unknown order is refused');
SELECT throws_ok($$UPDATE encore.payments SET status = 'DONE' WHERE payment_key = 'pk_schema'$$, '23514', NULL,
    'DONE without approved_at is refused');
SELECT throws_ok($$UPDATE encore.payments SET status = 'FAILED' WHERE payment_key = 'pk_schema'$$, '23514', NULL,
    'FAILED without a failure code is refused');
SELECT throws_ok($$UPDATE encore.payments SET status = 'REFUNDED' WHERE payment_key = 'pk_schema'$$, '23514', NULL,
    'REFUNDED without canceled_at is refused');
SELECT throws_ok($$UPDATE encore.payments SET status = 'REFUND_PENDING', approved_at = now() WHERE payment_key = 'pk_schema'$$,
    '23514', NULL, 'REFUND_PENDING without a reason is refused');
SELECT throws_ok(format($$UPDATE encore.reservations SET status = 'PAID', paid_at = now(), payment_key = 'pk_schema' WHERE id = %L$$, :'rid2'),
    '23503', NULL, 'a reservation paid by another order''s payment is refused');
SELECT throws_ok($$INSERT INTO encore.provider_events (event_key, payload) SELECT event_key, payload
    FROM (VALUES ('ev-1', '{}'::jsonb), ('ev-1', '{}'::jsonb)) v (event_key, payload)$$, '23505', NULL,
    'a provider event is recorded once');

-- Members and tokens.
SELECT throws_ok(format($$UPDATE encore.members SET role = 'root' WHERE id = %s$$, :mid), '23514', NULL, 'an unknown role is refused');
SELECT throws_ok(format($$INSERT INTO encore.members (provider, subject, email, name) VALUES ('dev', 's@t', 's@t', 'S')$$),
    '23505', NULL, 'one member per (provider, subject)');
SELECT throws_ok(format($$INSERT INTO encore.refresh_tokens (token_hash, family, member_id, expires_at)
    VALUES ('\x00', gen_random_uuid(), %s, now() + interval '1 day')$$, :mid), '23514', NULL,
    'a refresh token hash must be 32 bytes');

-- The audit log is append-only.
SELECT throws_ok('UPDATE encore.audit_log SET action = action', '42501', NULL, 'audit_log refuses UPDATE');
SELECT throws_ok('DELETE FROM encore.audit_log', '42501', NULL, 'audit_log refuses DELETE');
SELECT throws_ok('TRUNCATE encore.audit_log', '42501', NULL, 'audit_log refuses TRUNCATE');

-- The outbox: claim oldest first, mark published, claim no more.
UPDATE encore.outbox SET published_at = now() WHERE published_at IS NULL;
SELECT encore.reservation_cancel(:mid, false, :'rid') IS NOT NULL AS ok \gset
SELECT encore.reservation_cancel(:mid, false, :'rid2') IS NOT NULL AS ok \gset
SELECT results_eq('SELECT topic, aggregate_id FROM encore.outbox_claim(10)',
    format($$VALUES ('reservation.cancelled', %L::uuid), ('reservation.cancelled', %L::uuid)$$, :'rid', :'rid2'),
    'outbox_claim: unpublished events, oldest first');
SELECT ok((SELECT bool_and(payload ->> 'event_id' = event_id::text) FROM encore.outbox_claim(10)),
    'the payload carries the row''s event_id');
SELECT is((SELECT count(*) FROM encore.outbox_claim(1)), 1::bigint, 'outbox_claim honours the limit');
SELECT is(encore.outbox_mark_published(ARRAY(SELECT id FROM encore.outbox_claim(10))), '{"published": 2}'::jsonb,
    'outbox_mark_published');
SELECT is((SELECT count(*) FROM encore.outbox_claim(10)), 0::bigint, 'published events are not claimed again');

SELECT * FROM finish();
ROLLBACK;
