-- The outbox: events written in the same transaction as the state change
-- they describe, claimed by the relay with SKIP LOCKED, marked published.
--
-- Topics: reservation.held is not emitted (too chatty, nothing consumes
-- it); reservation.cancelled, reservation.expired, payment.succeeded,
-- payment.refunded are. Payload (every topic):
--   {"event_id","topic","reservation_id","order_id","concert_id",
--    "member_id","amount","status","seat_ids":[...],"occurred_at"}
-- plus topic-specific keys (payment_key for payment.*).

-- One event per reservation in p_reservation_ids, with its own event id.
CREATE OR REPLACE FUNCTION encore.outbox_emit(p_topic text,
    p_reservation_ids uuid[], p_extra jsonb DEFAULT '{}') RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	v_n	integer;
BEGIN
	INSERT INTO encore.outbox (event_id, topic, aggregate_id, payload)
	SELECT e.event_id, p_topic, e.id, jsonb_build_object(
	    'event_id', e.event_id, 'topic', p_topic,
	    'reservation_id', e.id, 'order_id', e.order_id,
	    'concert_id', e.concert_id, 'member_id', e.member_id,
	    'amount', e.amount, 'status', e.status,
	    'seat_ids', (SELECT jsonb_agg(rs.seat_id ORDER BY rs.seat_id)
	        FROM encore.reservation_seats rs
	        WHERE rs.reservation_id = e.id),
	    'occurred_at', now()) || coalesce(p_extra, '{}')
	FROM (SELECT gen_random_uuid() AS event_id, r.*
	    FROM encore.reservations r
	    WHERE r.id = ANY (p_reservation_ids)) AS e
	ORDER BY e.id;
	GET DIAGNOSTICS v_n = ROW_COUNT;
	RETURN v_n;
END;
$$;

-- Unpublished events, oldest first, locked for this transaction: the relay
-- publishes them, calls outbox_mark_published, then commits. Concurrent
-- relays skip each other's rows.
CREATE OR REPLACE FUNCTION encore.outbox_claim(p_limit integer)
RETURNS TABLE (id bigint, event_id uuid, topic text, aggregate_id uuid,
    payload jsonb, created_at timestamptz)
LANGUAGE sql AS $$
	SELECT o.id, o.event_id, o.topic, o.aggregate_id, o.payload,
	    o.created_at
	FROM encore.outbox o
	WHERE o.published_at IS NULL
	ORDER BY o.id
	LIMIT greatest(coalesce(p_limit, 100), 1)
	FOR UPDATE SKIP LOCKED
$$;

CREATE OR REPLACE FUNCTION encore.outbox_mark_published(p_ids bigint[])
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_n	integer;
BEGIN
	UPDATE encore.outbox SET published_at = now()
	WHERE id = ANY (p_ids) AND published_at IS NULL;
	GET DIAGNOSTICS v_n = ROW_COUNT;
	RETURN jsonb_build_object('published', v_n);
END;
$$;
