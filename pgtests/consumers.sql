-- pgTAP: the consumers' SQL functions (sql/functions/consumers.sql).
--
-- Run: pg_prove -d encore pgtests/consumers.sql   (after scripts/migrate.sh)
-- Everything happens in one transaction that is rolled back.
BEGIN;
SELECT plan(43);

-- Events as the outbox writes them. Concert 900000001 does not exist, so
-- the receipt names it by number.
CREATE TEMP TABLE ev (name text PRIMARY KEY, body jsonb) ON COMMIT DROP;
INSERT INTO ev VALUES
('paid', '{"event_id":"a0000000-0000-4000-8000-000000000001",
  "topic":"payment.succeeded","reservation_id":"b0000000-0000-4000-8000-000000000001",
  "order_id":"ord_1","concert_id":900000001,"member_id":910000001,
  "amount":330000,"status":"PAID","seat_ids":[11,12],
  "occurred_at":"2026-11-24T10:00:00+09:00","payment_key":"pk_1"}'),
('paid2', '{"event_id":"a0000000-0000-4000-8000-000000000002",
  "topic":"payment.succeeded","reservation_id":"b0000000-0000-4000-8000-000000000002",
  "concert_id":900000001,"member_id":910000002,"amount":110000,
  "seat_ids":[13],"occurred_at":"2026-11-24T10:05:00+09:00"}'),
('refund', '{"event_id":"a0000000-0000-4000-8000-000000000003",
  "topic":"payment.refunded","reservation_id":"b0000000-0000-4000-8000-000000000001",
  "concert_id":900000001,"member_id":910000001,"amount":330000,
  "seat_ids":[11,12],"occurred_at":"2026-11-24T11:00:00+09:00"}'),
('cancel', '{"event_id":"a0000000-0000-4000-8000-000000000004",
  "topic":"reservation.cancelled","reservation_id":"b0000000-0000-4000-8000-000000000004",
  "concert_id":900000001,"member_id":910000001,"amount":55000,
  "seat_ids":[14],"occurred_at":"2026-11-24T09:00:00+09:00"}'),
('expire', '{"event_id":"a0000000-0000-4000-8000-000000000005",
  "topic":"reservation.expired","reservation_id":"b0000000-0000-4000-8000-000000000005",
  "concert_id":900000001,"member_id":910000001,"amount":55000,
  "seat_ids":null,"occurred_at":"2026-11-24T08:00:00+09:00"}'),
('held', '{"event_id":"a0000000-0000-4000-8000-000000000006",
  "topic":"reservation.held"}');

-- The contract.
SELECT has_table('encore', 'consumer_inbox', 'the inbox exists');
SELECT col_is_pk('encore', 'consumer_inbox', ARRAY['consumer', 'event_id'],
    'the inbox is keyed by (consumer, event_id)');
SELECT has_table('encore', 'receipts', 'receipts exist');
SELECT has_table('encore', 'concert_sales', 'concert_sales exists');
SELECT has_function('encore', 'consume_notification', ARRAY['jsonb']);
SELECT has_function('encore', 'consume_stats', ARRAY['jsonb']);
SELECT has_function('encore', 'member_receipts', ARRAY['bigint', 'integer']);
SELECT has_function('encore', 'concert_sales_get', ARRAY['bigint']);
SELECT has_trigger('encore', 'outbox', 'outbox_notify_relay',
    'an outbox insert wakes the relay (NOTIFY encore_outbox)');
SELECT is((SELECT count(*)::int FROM pg_trigger t
    WHERE t.tgname = 'outbox_notify_relay'
    AND t.tgrelid = 'encore.outbox'::regclass
    AND (t.tgtype & 1) = 0), 1,
    '... once per statement, not once per row');

-- notifications: one receipt per event, in Korean, once.
SELECT is(encore.consume_notification((SELECT body FROM ev WHERE name = 'paid')),
    'applied', 'payment.succeeded gives a receipt');
SELECT is(encore.consume_notification((SELECT body FROM ev WHERE name = 'paid')),
    'duplicate', 'the same event again is a duplicate');
SELECT is((SELECT count(*)::int FROM encore.receipts
    WHERE event_id = 'a0000000-0000-4000-8000-000000000001'), 1,
    'a redelivered event leaves exactly one receipt');
SELECT row_eq($$SELECT member_id, reservation_id, kind, title, body, amount
    FROM encore.receipts WHERE event_id = 'a0000000-0000-4000-8000-000000000001'$$,
    ROW(910000001::bigint, 'b0000000-0000-4000-8000-000000000001'::uuid,
    'PAYMENT_SUCCEEDED'::text, '결제가 완료되었습니다'::text,
    '공연 #900000001 좌석 2매, 결제 금액 330,000원'::text, 330000::bigint),
    'the payment receipt says what was paid, in Korean');
SELECT is(encore.consume_notification((SELECT body FROM ev WHERE name = 'refund')),
    'applied', 'payment.refunded gives a receipt');
SELECT is((SELECT title || ' / ' || body FROM encore.receipts
    WHERE event_id = 'a0000000-0000-4000-8000-000000000003'),
    '환불이 완료되었습니다 / 공연 #900000001 좌석 2매, 환불 금액 330,000원',
    'the refund receipt says what was refunded');
SELECT is(encore.consume_notification((SELECT body FROM ev WHERE name = 'cancel')),
    'applied', 'reservation.cancelled gives a receipt');
SELECT is(encore.consume_notification((SELECT body FROM ev WHERE name = 'expire')),
    'applied', 'reservation.expired gives a receipt (seat_ids null is no seats)');
SELECT is((SELECT title FROM encore.receipts
    WHERE event_id = 'a0000000-0000-4000-8000-000000000005'),
    '예약 시간이 만료되었습니다', 'the expiry receipt has its title');
SELECT is(encore.consume_notification((SELECT body FROM ev WHERE name = 'held')),
    'ignored', 'a topic without a receipt is ignored');
SELECT is(encore.consume_notification((SELECT body FROM ev WHERE name = 'held')),
    'duplicate', '... and recorded, so it is a duplicate the second time');
SELECT is((SELECT count(*)::int FROM encore.receipts
    WHERE member_id = 910000001), 4, 'member 910000001 has four receipts');

-- member_receipts: newest first, only the member's own.
SELECT is(jsonb_array_length(encore.member_receipts(910000001) -> 'receipts'), 4,
    'member_receipts lists the member''s receipts');
SELECT is((SELECT array_agg(r ->> 'kind' ORDER BY o)
    FROM jsonb_array_elements(encore.member_receipts(910000001) -> 'receipts')
    WITH ORDINALITY AS x(r, o)),
    ARRAY['PAYMENT_REFUNDED', 'PAYMENT_SUCCEEDED', 'RESERVATION_CANCELLED',
    'RESERVATION_EXPIRED'], 'newest first, by when it happened');
SELECT is(encore.member_receipts(910000001, 2) -> 'receipts' -> 0 ->> 'reservation_id',
    'b0000000-0000-4000-8000-000000000001', 'each receipt names its reservation');
SELECT is(jsonb_array_length(encore.member_receipts(910000001, 2) -> 'receipts'), 2,
    'p_limit caps the list');
SELECT is(encore.member_receipts(910009999), '{"receipts": []}'::jsonb,
    'a member without receipts gets an empty list');

-- stats: sums of signed increments, once per event.
SELECT is(encore.concert_sales_get(900000001),
    jsonb_build_object('concert_sales', jsonb_build_object('concert_id', 900000001,
    'tickets_sold', 0, 'revenue', 0, 'refunds', 0, 'refunded_amount', 0,
    'updated_at', NULL)), 'a concert without sales reads zeros');
SELECT is(encore.consume_stats((SELECT body FROM ev WHERE name = 'paid')),
    'applied', 'payment.succeeded counts a sale');
SELECT is(encore.consume_stats((SELECT body FROM ev WHERE name = 'paid')),
    'duplicate', 'the same sale again is a duplicate');
SELECT is(encore.consume_stats((SELECT body FROM ev WHERE name = 'paid2')),
    'applied', 'a second sale');
SELECT is(encore.consume_stats((SELECT body FROM ev WHERE name = 'refund')),
    'applied', 'payment.refunded takes a sale back');
SELECT is(encore.consume_stats((SELECT body FROM ev WHERE name = 'cancel')),
    'ignored', 'a cancelled hold does not touch sales');
SELECT is(encore.consume_stats((SELECT body FROM ev WHERE name = 'refund')
    || '{"event_id": "a0000000-0000-4000-8000-000000000009",
         "reservation_refunded": false}'),
    'ignored', 'a refund of a late approval that was never a sale does not touch sales');
SELECT is((SELECT jsonb_build_array(s -> 'tickets_sold', s -> 'revenue',
    s -> 'refunds', s -> 'refunded_amount')
    FROM (SELECT encore.concert_sales_get(900000001) -> 'concert_sales' AS s) x),
    '[1, 110000, 2, 330000]'::jsonb,
    'sold 3, refunded 2: 1 ticket, 110,000 won, 2 refunds of 330,000 won');
SELECT is((SELECT count(*)::int FROM encore.consumer_inbox
    WHERE event_id = 'a0000000-0000-4000-8000-000000000001'), 2,
    'each consumer records the event once in its own inbox row');

-- Malformed events: SQLSTATE 22023, the field named, nothing recorded.
SELECT throws_ok($$SELECT encore.consume_stats('[1, 2]')$$, '22023',
    'INVALID_EVENT: event must be a JSON object', 'an array is not an event');
SELECT throws_ok($$SELECT encore.consume_notification('{"event_id":"nope",
    "topic":"payment.succeeded"}')$$, '22023',
    'INVALID_EVENT: event_id must be a UUID', 'event_id must be a UUID');
SELECT throws_ok($$SELECT encore.consume_stats('{"event_id":
    "a0000000-0000-4000-8000-0000000000ff","topic":"payment.succeeded",
    "reservation_id":"b0000000-0000-4000-8000-000000000001","concert_id":1.5,
    "member_id":1,"amount":1,"seat_ids":[1],"occurred_at":"2026-11-24T10:00:00Z"}')$$,
    '22023', 'INVALID_EVENT: concert_id must be an integer >= 1',
    'concert_id must be an integer');
SELECT throws_ok($$SELECT encore.consume_stats('{"event_id":
    "a0000000-0000-4000-8000-0000000000fe","topic":"payment.succeeded",
    "reservation_id":"b0000000-0000-4000-8000-000000000001","concert_id":1,
    "member_id":1,"amount":1,"seat_ids":["x"],"occurred_at":"2026-11-24T10:00:00Z"}')$$,
    '22023', 'INVALID_EVENT: seat_ids must be an array of seat ids',
    'seat_ids must hold seat ids');
SELECT throws_ok($$SELECT encore.consume_notification('{"event_id":
    "a0000000-0000-4000-8000-0000000000fd","topic":"payment.succeeded",
    "reservation_id":"b0000000-0000-4000-8000-000000000001","concert_id":1,
    "member_id":1,"amount":1,"seat_ids":[1],"occurred_at":"yesterday-ish"}')$$,
    '22023', 'INVALID_EVENT: occurred_at must be a timestamp',
    'occurred_at must be a timestamp');
SELECT throws_ok($$SELECT encore.consume_stats('not json')$$, '22P02', NULL,
    'text that is not JSON fails before the function runs');
SELECT is((SELECT count(*)::int FROM encore.consumer_inbox
    WHERE event_id::text LIKE 'a0000000-0000-4000-8000-0000000000f_'), 0,
    'a failed event is not recorded, so a retry can still apply it');

SELECT * FROM finish();
ROLLBACK;
