-- pgTAP: payments (sql/functions/payments.sql): begin, confirm, fail,
-- refund, provider status, reconciliation queues; every legal and illegal
-- transition.
--
-- Run: pg_prove -d encore pgtests/payments.sql   (after scripts/migrate.sh)
-- One transaction, rolled back.
BEGIN;
SELECT plan(80);

\ir lib/err.psql
CREATE FUNCTION pg_temp.pass(p_id uuid) RETURNS void LANGUAGE sql AS $$
	UPDATE encore.reservations SET created_at = now() - interval '20 minutes',
	    expires_at = now() - interval '10 minutes' WHERE id = p_id;
	UPDATE encore.seats SET hold_expires_at = now() - interval '10 minutes'
	WHERE reservation_id = p_id AND status = 'HELD';
$$;
-- Hold seats (section A, numbers) for a member; the reservation id.
CREATE FUNCTION pg_temp.hold(p_member bigint, p_numbers int[]) RETURNS uuid
LANGUAGE sql AS $$
	SELECT (encore.reservation_hold_seats(p_member,
	    (SELECT max(id) FROM encore.concerts),
	    ARRAY(SELECT id FROM encore.seats WHERE concert_id =
	        (SELECT max(id) FROM encore.concerts) AND section_code = 'A'
	        AND number = ANY (p_numbers) ORDER BY id))
	    -> 'reservation' ->> 'id')::uuid
$$;
CREATE FUNCTION pg_temp.ord(p_id uuid) RETURNS text LANGUAGE sql AS $$
	SELECT order_id FROM encore.reservations WHERE id = p_id
$$;
CREATE FUNCTION pg_temp.amt(p_id uuid) RETURNS bigint LANGUAGE sql AS $$
	SELECT amount FROM encore.reservations WHERE id = p_id
$$;
CREATE FUNCTION pg_temp.toss(p_key text, p_status text DEFAULT 'DONE')
RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_build_object('paymentKey', p_key, 'status', p_status,
	    'method', '카드', 'approvedAt', '2026-11-24T10:00:00+09:00')
$$;

SELECT (encore.concert_create('Pay test', 'Hall', now() + interval '7 days',
    10000, 4, '{"sections": [
	{"code": "A", "tier": "VIP", "price": 30000, "rows": 1, "seats_per_row": 20}]}')
    -> 'concert' ->> 'id')::bigint AS cid \gset
SELECT (encore.member_upsert('dev', 'alice@t', 'alice@t', 'Alice', '{}') -> 'member' ->> 'id')::bigint AS alice \gset
SELECT (encore.member_upsert('dev', 'bob@t', 'bob@t', 'Bob', '{}') -> 'member' ->> 'id')::bigint AS bob \gset
SELECT pg_temp.hold(:alice, '{1,2}') AS r1 \gset
SELECT pg_temp.ord(:'r1') AS o1 \gset

-- payment_begin refusals: nothing is recorded, nothing goes to the provider.
SELECT is(pg_temp.err($$SELECT encore.payment_begin(1, 'bad id!', 'k', 1)$$) #> '{details,fields}',
    '{"orderId": "must be 6-64 characters [A-Za-z0-9_-]"}'::jsonb, 'a malformed orderId: 400');
SELECT is(pg_temp.err(format('SELECT encore.payment_begin(%s, %L, %L, 60000)', :bob, :'o1', 'pk_x')) ->> 'code',
    'RESERVATION_NOT_FOUND', 'another member''s order: 404');
SELECT is(pg_temp.err(format('SELECT encore.payment_begin(%s, %L, %L, 60000)', :alice, 'encnosuchorder', 'pk_x')) ->> 'code',
    'RESERVATION_NOT_FOUND', 'an unknown order: 404');
SELECT is(pg_temp.err(format('SELECT encore.payment_begin(%s, %L, %L, 100)', :alice, :'o1', 'pk_x')),
    '{"state": "EN422", "code": "AMOUNT_MISMATCH", "details": {"amount": 60000},
      "message": "The amount differs from the reservation''s total."}'::jsonb,
    'a client amount that differs: 422 AMOUNT_MISMATCH');
SELECT is((SELECT count(*) FROM encore.payments WHERE order_id = :'o1'), 0::bigint, 'no attempt recorded');

-- payment_begin -> PROCEED, recorded IN_FLIGHT before the provider is called.
SELECT is(encore.payment_begin(:alice, :'o1', 'pk_1', 60000) - 'order_name',
    jsonb_build_object('outcome', 'PROCEED', 'order_id', :'o1', 'payment_key', 'pk_1', 'amount', 60000),
    'begin: PROCEED with order_id, payment_key, amount');
SELECT is((SELECT status FROM encore.payments WHERE payment_key = 'pk_1'), 'IN_FLIGHT', 'attempt IN_FLIGHT');
SELECT is(encore.payments_in_flight('1 hour', 10), '{"payments": []}'::jsonb,
    'in flight for less than p_older_than: not yet reconciled');
UPDATE encore.payments SET attempted_at = now() - interval '5 minutes' WHERE payment_key = 'pk_1';
SELECT is(encore.payments_in_flight('1 minute', 10),
    jsonb_build_object('payments', jsonb_build_array(jsonb_build_object(
        'order_id', :'o1', 'payment_key', 'pk_1', 'amount', 60000))),
    'an old IN_FLIGHT attempt is handed to the reconciler');
SELECT is(encore.payments_in_flight('1 minute', 10), '{"payments": []}'::jsonb,
    'and leased: not handed out twice');

-- payment_confirm -> PAID.
SELECT encore.payment_confirm(:'o1', 'pk_1', 60000, pg_temp.toss('pk_1')) AS c1 \gset
SELECT is(:'c1'::jsonb ->> 'outcome', 'PAID', 'confirm: PAID');
SELECT is(:'c1'::jsonb -> 'reservation' ->> 'status', 'PAID', 'reservation PAID');
SELECT is(:'c1'::jsonb -> 'payment', '{"status": "DONE", "method": "카드",
    "approved_at": "2026-11-24T01:00:00+00:00"}'::jsonb, 'payment: status, method, approved_at');
SELECT is((SELECT array_agg(DISTINCT status) FROM encore.seats WHERE reservation_id = :'r1'), '{SOLD}',
    'its seats are SOLD');
SELECT is((SELECT status FROM encore.payments WHERE payment_key = 'pk_1'), 'DONE', 'attempt DONE');
SELECT is((SELECT count(*) FROM encore.outbox WHERE aggregate_id = :'r1' AND topic = 'payment.succeeded'),
    1::bigint, 'payment.succeeded in the outbox');
SELECT ok((SELECT payload ?& ARRAY['event_id', 'topic', 'reservation_id', 'concert_id', 'member_id',
    'amount', 'seat_ids', 'occurred_at', 'payment_key'] FROM encore.outbox
    WHERE aggregate_id = :'r1' AND topic = 'payment.succeeded'), 'the event payload has the agreed keys');
SELECT is((SELECT count(*) FROM encore.audit_log WHERE entity_id = :'r1' AND action = 'reservation.paid'),
    1::bigint, 'the payment is audited');

-- Idempotence and conflicts on a PAID reservation.
SELECT is(encore.payment_confirm(:'o1', 'pk_1', 60000, pg_temp.toss('pk_1')), :'c1'::jsonb,
    'confirm again with the same key: the same answer');
SELECT is((SELECT count(*) FROM encore.outbox WHERE aggregate_id = :'r1' AND topic = 'payment.succeeded'),
    1::bigint, 'and no second event');
SELECT is(encore.payment_begin(:alice, :'o1', 'pk_1', 60000) ->> 'outcome', 'ALREADY_PAID',
    'begin again with the same key: ALREADY_PAID');
SELECT is(pg_temp.err(format('SELECT encore.payment_begin(%s, %L, %L, 60000)', :alice, :'o1', 'pk_2')) ->> 'code',
    'RESERVATION_NOT_PENDING', 'begin with another key: 409 RESERVATION_NOT_PENDING');
SELECT is(pg_temp.err(format('SELECT encore.payment_confirm(%L, %L, 1, %L)', :'o1', 'pk_1', pg_temp.toss('pk_1'))) ->> 'code',
    'AMOUNT_MISMATCH', 'confirm with a wrong amount: 422');
-- Two tabs: another attempt the provider also approved. Keep one, refund one.
SELECT encore.payment_confirm(:'o1', 'pk_2', 60000, pg_temp.toss('pk_2')) AS c2 \gset
SELECT is(:'c2'::jsonb - 'reservation',
    '{"outcome": "REFUND_REQUIRED", "payment_key": "pk_2", "amount": 60000, "reason": "PAID_BY_ANOTHER_PAYMENT"}'::jsonb,
    'a second approved payment: REFUND_REQUIRED');
SELECT is((SELECT payment_key FROM encore.reservations WHERE id = :'r1'), 'pk_1', 'the first payment keeps the seats');
SELECT is(encore.payment_refunded('pk_2', '{"status": "CANCELED"}') -> 'reservation' ->> 'status', 'PAID',
    'refunding the stray payment leaves the reservation PAID');
SELECT is((SELECT payload ->> 'reservation_refunded' FROM encore.outbox WHERE aggregate_id = :'r1'
    AND topic = 'payment.refunded'), 'false', 'payment.refunded says the reservation was not refunded');

-- Cancel a PAID reservation: refund requested, then refunded.
SELECT encore.reservation_cancel(:alice, false, :'r1') AS k1 \gset
SELECT is(:'k1'::jsonb - 'reservation',
    '{"outcome": "REFUND_REQUIRED", "payment_key": "pk_1", "amount": 60000}'::jsonb,
    'cancel PAID: REFUND_REQUIRED with payment_key and amount');
SELECT is((SELECT status FROM encore.payments WHERE payment_key = 'pk_1'), 'REFUND_PENDING', 'attempt REFUND_PENDING');
SELECT is((SELECT status FROM encore.reservations WHERE id = :'r1'), 'PAID', 'still PAID until the provider confirms');
SELECT is(encore.reservation_cancel(:alice, false, :'r1') - 'reservation', :'k1'::jsonb - 'reservation',
    'cancel again: the same REFUND_REQUIRED (retry the provider)');
UPDATE encore.payments SET updated_at = now() - interval '5 minutes' WHERE payment_key = 'pk_1';
SELECT is(encore.payments_refund_pending('1 minute', 10) -> 'payments' -> 0 ->> 'payment_key', 'pk_1',
    'an unfinished refund is handed to the reconciler');
SELECT encore.payment_refunded('pk_1', '{"status": "CANCELED", "cancels": [{"canceledAt": "2026-11-24T11:00:00+09:00"}]}') AS f1 \gset
SELECT is(:'f1'::jsonb ->> 'outcome', 'REFUNDED', 'payment_refunded: REFUNDED');
SELECT is(:'f1'::jsonb -> 'reservation' ->> 'status', 'REFUNDED', 'reservation REFUNDED');
SELECT is((SELECT canceled_at FROM encore.payments WHERE payment_key = 'pk_1'),
    '2026-11-24T11:00:00+09:00'::timestamptz, 'canceled_at from the provider');
SELECT is((SELECT count(*) FROM encore.seats WHERE reservation_id = :'r1'), 0::bigint, 'its seats are released');
SELECT is((SELECT count(*) FROM encore.outbox WHERE aggregate_id = :'r1' AND topic = 'payment.refunded'
    AND payload ->> 'reservation_refunded' = 'true'), 1::bigint, 'payment.refunded in the outbox');
SELECT is(encore.payment_refunded('pk_1', '{}') ->> 'outcome', 'REFUNDED', 'refunded again: idempotent');
SELECT is((SELECT count(*) FROM encore.outbox WHERE aggregate_id = :'r1' AND topic = 'payment.refunded'),
    2::bigint, 'and no new event (one per refunded payment)');
SELECT is(pg_temp.err(format('SELECT encore.reservation_cancel(%s, false, %L)', :alice, :'r1')) ->> 'code',
    'RESERVATION_NOT_CANCELLABLE', 'cancel a REFUNDED reservation: 409');
SELECT is(pg_temp.err(format('SELECT encore.payment_begin(%s, %L, %L, 60000)', :alice, :'o1', 'pk_9')) ->> 'code',
    'RESERVATION_NOT_PENDING', 'pay a REFUNDED reservation: 409');

-- payment_fail: the attempt fails, the reservation stays PENDING.
SELECT pg_temp.hold(:bob, '{5}') AS r2 \gset
SELECT pg_temp.ord(:'r2') AS o2 \gset
SELECT is(pg_temp.err($$SELECT encore.payment_fail('encnosuchorder', 'pk_f', 'X', 'x')$$) ->> 'code',
    'RESERVATION_NOT_FOUND', 'fail an unknown order: 404');
SELECT ok(encore.payment_begin(:bob, :'o2', 'pk_f', 30000) IS NOT NULL, 'bob begins');
SELECT is(encore.payment_fail(:'o2', 'pk_f', 'REJECT_CARD_COMPANY', 'declined') -> 'payment' ->> 'status', 'FAILED',
    'fail: the attempt is FAILED');
SELECT is((SELECT status FROM encore.reservations WHERE id = :'r2'), 'PENDING', 'the reservation stays PENDING');
SELECT is(encore.payment_fail(:'o2', 'pk_f', 'X', 'x') ->> 'outcome', 'UNCHANGED', 'fail twice: UNCHANGED');
SELECT is(encore.payment_begin(:bob, :'o2', 'pk_f', 30000) ->> 'outcome', 'PROCEED', 'a failed attempt may be retried');
SELECT is(pg_temp.err(format('SELECT encore.payment_begin(%s, %L, %L, 60000)', :alice,
    pg_temp.ord(pg_temp.hold(:alice, '{6,7}')), 'pk_f')) #>> '{details,fields,paymentKey}',
    'belongs to another order', 'a paymentKey of another order: 400');

-- Confirm after the reservation was cancelled: the money goes back.
SELECT encore.reservation_cancel(:bob, false, :'r2') IS NOT NULL AS ok \gset
SELECT is(pg_temp.err(format('SELECT encore.payment_begin(%s, %L, %L, 30000)', :bob, :'o2', 'pk_g')) ->> 'code',
    'RESERVATION_NOT_PENDING', 'begin on a CANCELLED reservation: 409');
SELECT is(encore.payment_confirm(:'o2', 'pk_f', 30000, pg_temp.toss('pk_f')) ->> 'reason', 'RESERVATION_CANCELLED',
    'an approval arriving for a CANCELLED reservation: REFUND_REQUIRED');
SELECT is((SELECT status FROM encore.reservations WHERE id = :'r2'), 'CANCELLED', 'it stays CANCELLED');

-- Late approvals: a passed hold keeps its seats if they are still free.
SELECT pg_temp.hold(:bob, '{10}') AS r3 \gset
SELECT encore.payment_begin(:bob, pg_temp.ord(:'r3'), 'pk_3', 30000) ->> 'outcome' AS ok \gset
SELECT pg_temp.pass(:'r3');
SELECT is(encore.payment_begin(:bob, pg_temp.ord(:'r3'), 'pk_3', 30000) ->> 'outcome', 'PROCEED',
    'a PENDING reservation whose hold passed may still begin');
SELECT is(encore.payment_confirm(pg_temp.ord(:'r3'), 'pk_3', 30000, pg_temp.toss('pk_3')) ->> 'outcome', 'PAID',
    'passed hold, seats still free: PAID');
SELECT pg_temp.hold(:bob, '{11}') AS r4 \gset
SELECT encore.payment_begin(:bob, pg_temp.ord(:'r4'), 'pk_4', 30000) ->> 'outcome' AS ok \gset
SELECT pg_temp.pass(:'r4');
SELECT ok((encore.holds_expire() ->> 'expired')::int >= 1, 'the sweep expires it');
SELECT is(encore.payment_begin(:bob, pg_temp.ord(:'r4'), 'pk_4', 30000) ->> 'outcome', 'PROCEED',
    'an EXPIRED reservation whose seats are still free may begin');
SELECT is(encore.payment_confirm(pg_temp.ord(:'r4'), 'pk_4', 30000, pg_temp.toss('pk_4')) ->> 'outcome', 'PAID',
    'EXPIRED, seats still free: taken again, PAID');
SELECT is((SELECT status FROM encore.seats WHERE reservation_id = :'r4'), 'SOLD', 'its seat is SOLD');
-- ... and is refunded when someone else took a seat meanwhile.
SELECT pg_temp.hold(:bob, '{12,13}') AS r5 \gset
SELECT encore.payment_begin(:bob, pg_temp.ord(:'r5'), 'pk_5', 60000) ->> 'outcome' AS ok \gset
SELECT pg_temp.pass(:'r5');
SELECT pg_temp.hold(:alice, '{13}') AS r6 \gset
SELECT is(pg_temp.err(format('SELECT encore.payment_begin(%s, %L, %L, 60000)', :bob, pg_temp.ord(:'r5'), 'pk_5b')) ->> 'code',
    'RESERVATION_NOT_PENDING', 'begin on a passed hold whose seat someone took: 409, nothing charged');
SELECT encore.payment_confirm(pg_temp.ord(:'r5'), 'pk_5', 60000, pg_temp.toss('pk_5')) AS c5 \gset
SELECT is(:'c5'::jsonb ->> 'outcome', 'REFUND_REQUIRED', 'passed hold, a seat taken: REFUND_REQUIRED');
SELECT is(:'c5'::jsonb ->> 'reason', 'SEATS_TAKEN', 'reason SEATS_TAKEN');
SELECT is(:'c5'::jsonb -> 'reservation' ->> 'status', 'EXPIRED', 'the reservation is EXPIRED');
SELECT is((SELECT reservation_id FROM encore.seats s WHERE s.number = 13 AND concert_id = :cid), :'r6'::uuid,
    'never two owners: the seat stays with its new holder');
SELECT is((SELECT status FROM encore.seats s WHERE s.number = 12 AND concert_id = :cid), 'AVAILABLE',
    'the seat it still had is released');
SELECT is((SELECT status FROM encore.payments WHERE payment_key = 'pk_5'), 'REFUND_PENDING', 'the money is owed back');
SELECT is(encore.payment_refunded('pk_5', pg_temp.toss('pk_5') || '{"status": "CANCELED"}') -> 'reservation' ->> 'status',
    'REFUNDED', 'once Toss refunded the late approval, the reservation reads REFUNDED');
SELECT is((SELECT reservation_id FROM encore.seats s WHERE s.number = 13 AND concert_id = :cid), :'r6'::uuid,
    'and the seat is still its new holder''s');
-- ... or when taking the seats again would break the member's cap.
-- (alice holds 3: a-13, a-6, a-7)
SELECT pg_temp.hold(:alice, '{15}') AS r7 \gset
SELECT encore.payment_begin(:alice, pg_temp.ord(:'r7'), 'pk_7', 30000) ->> 'outcome' AS ok \gset
SELECT pg_temp.pass(:'r7');
SELECT pg_temp.hold(:alice, '{16}') AS r8 \gset
SELECT is(encore.payment_confirm(pg_temp.ord(:'r7'), 'pk_7', 30000, pg_temp.toss('pk_7')) ->> 'reason',
    'TICKET_LIMIT_EXCEEDED', 'late approval over the cap: REFUND_REQUIRED');

-- payment_apply_status: webhooks and reconciliation.
SELECT pg_temp.hold(:bob, '{18}') AS r9 \gset
SELECT pg_temp.ord(:'r9') AS o9 \gset
SELECT encore.payment_begin(:bob, :'o9', 'pk_9', 30000) ->> 'outcome' AS ok \gset
SELECT is(encore.payment_apply_status('e1', jsonb_build_object('paymentKey', 'pk_unknown', 'orderId', :'o9',
    'status', 'DONE', 'totalAmount', 30000)), '{"outcome": "IGNORED"}'::jsonb, 'a paymentKey we never issued: IGNORED');
SELECT is(encore.payment_apply_status('e2', jsonb_build_object('paymentKey', 'pk_9', 'orderId', :'o9',
    'status', 'DONE', 'totalAmount', 1)), '{"outcome": "IGNORED"}'::jsonb, 'an amount that differs: IGNORED');
SELECT is(encore.payment_apply_status('e3', jsonb_build_object('paymentKey', 'pk_9', 'orderId', 'encother',
    'status', 'DONE', 'totalAmount', 30000)), '{"outcome": "IGNORED"}'::jsonb, 'another orderId: IGNORED');
SELECT is((SELECT status FROM encore.reservations WHERE id = :'r9'), 'PENDING', 'ignored events change nothing');
SELECT is(encore.payment_apply_status('e4', jsonb_build_object('paymentKey', 'pk_9', 'orderId', :'o9',
    'status', 'IN_PROGRESS', 'totalAmount', 30000)) ->> 'outcome', 'IGNORED', 'a status with nothing to do: IGNORED');
SELECT is(encore.payment_apply_status('e5', pg_temp.toss('pk_9') || jsonb_build_object('orderId', :'o9',
    'totalAmount', 30000)) ->> 'outcome', 'PAID', 'DONE: applied as a confirm');
SELECT is(encore.payment_apply_status('e5', '{}') ->> 'outcome', 'DUPLICATE', 'the same event again: DUPLICATE');
SELECT is(encore.payment_apply_status('e6', jsonb_build_object('paymentKey', 'pk_9', 'orderId', :'o9',
    'status', 'ABORTED', 'totalAmount', 30000)) ->> 'outcome', 'UNCHANGED', 'ABORTED after DONE: out of order, harmless');
SELECT is(encore.payment_apply_status('e7', jsonb_build_object('paymentKey', 'pk_9', 'orderId', :'o9',
    'status', 'PARTIAL_CANCELED', 'totalAmount', 30000)) -> 'reservation' ->> 'status', 'REFUNDED',
    'PARTIAL_CANCELED: applied as refunded');
SELECT is(encore.payment_apply_status('e8', pg_temp.toss('pk_9') || jsonb_build_object('orderId', :'o9',
    'totalAmount', 30000)) ->> 'outcome', 'REFUNDED', 'a late DONE after the refund: harmless');
SELECT is((SELECT outcome FROM encore.provider_events WHERE event_key = 'e7'), 'REFUNDED', 'events record their outcome');
-- An approval encore never began (the browser never came back): settled.
SELECT pg_temp.hold(:bob, '{19}') AS r10 \gset
SELECT pg_temp.ord(:'r10') AS o10 \gset
SELECT is(encore.payment_apply_status('e9', pg_temp.toss('pk_never') || jsonb_build_object('orderId', :'o10',
    'totalAmount', 1)) ->> 'outcome', 'IGNORED', 'a never-begun payment for another amount: IGNORED');
SELECT is(encore.payment_apply_status('e10', pg_temp.toss('pk_never') || jsonb_build_object('orderId', :'o10',
    'totalAmount', 30000)) ->> 'outcome', 'PAID', 'a never-begun DONE payment of our order and total: PAID');

SELECT * FROM finish();
ROLLBACK;
