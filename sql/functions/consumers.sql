-- The effects of the RabbitMQ consumers, one function per consumer.
--
-- encore-consumer calls exactly one of these per message, as one
-- transaction, and acks the message only after it returned:
--   encore.consume_notification(event) -> receipts
--   encore.consume_stats(event)        -> concert_sales
-- Each returns 'applied', 'duplicate' (this consumer has seen the event id
-- before: nothing happens) or 'ignored' (a topic it has no use for,
-- recorded so that it is not looked at again).
--
-- An event is the outbox payload (sql/functions/outbox.sql):
--   {"event_id","topic","reservation_id","order_id","concert_id",
--    "member_id","amount","status","seat_ids":[...],"occurred_at", ...}
-- A malformed event raises SQLSTATE 22023 with a message starting
-- 'INVALID_EVENT: ' and naming the field; the consumer counts that as a
-- failed attempt, and after the last one the message goes to its DLQ.
--
-- Read side, for the API: encore.member_receipts(member_id) and
-- encore.concert_sales_get(concert_id), both returning jsonb.

CREATE OR REPLACE FUNCTION encore.consumer_event_invalid(p_field text,
    p_reason text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'INVALID_EVENT: % %', p_field, p_reason
	    USING ERRCODE = 'invalid_parameter_value';
END;
$$;

-- An integer field of the event, or an INVALID_EVENT error.
CREATE OR REPLACE FUNCTION encore.consumer_event_int(p_event jsonb,
    p_field text, p_min bigint) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	v	jsonb := p_event -> p_field;
BEGIN
	IF v IS NULL OR jsonb_typeof(v) <> 'number' OR
	    v::text !~ '^-?[0-9]{1,18}$' THEN
		PERFORM encore.consumer_event_invalid(p_field,
		    format('must be an integer >= %s', p_min));
	END IF;
	IF v::text::bigint < p_min THEN
		PERFORM encore.consumer_event_invalid(p_field,
		    format('must be an integer >= %s', p_min));
	END IF;
	RETURN v::text::bigint;
END;
$$;

-- A UUID field of the event, or an INVALID_EVENT error.
CREATE OR REPLACE FUNCTION encore.consumer_event_uuid(p_event jsonb,
    p_field text) RETURNS uuid
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	v	jsonb := p_event -> p_field;
BEGIN
	IF v IS NULL OR jsonb_typeof(v) <> 'string' THEN
		PERFORM encore.consumer_event_invalid(p_field, 'must be a UUID');
	END IF;
	IF v #>> '{}' !~*
	    '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
		PERFORM encore.consumer_event_invalid(p_field, 'must be a UUID');
	END IF;
	RETURN (v #>> '{}')::uuid;
END;
$$;

-- The envelope every event has: its id and topic, checked.
CREATE OR REPLACE FUNCTION encore.consumer_event_head(p_event jsonb,
    OUT event_id uuid, OUT topic text)
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF p_event IS NULL OR jsonb_typeof(p_event) <> 'object' THEN
		PERFORM encore.consumer_event_invalid('event',
		    'must be a JSON object');
	END IF;
	event_id := encore.consumer_event_uuid(p_event, 'event_id');
	IF jsonb_typeof(p_event -> 'topic') IS DISTINCT FROM 'string' OR
	    p_event ->> 'topic' !~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)+$' THEN
		PERFORM encore.consumer_event_invalid('topic',
		    'must be a dotted lower-case name');
	END IF;
	topic := p_event ->> 'topic';
END;
$$;

-- The body of a reservation or payment event, checked. seat_ids may be
-- absent or null (no seats); if present it is an array of positive ids.
CREATE OR REPLACE FUNCTION encore.consumer_event_body(p_event jsonb,
    OUT reservation_id uuid, OUT concert_id bigint, OUT member_id bigint,
    OUT amount bigint, OUT seat_count integer, OUT occurred_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_seats	jsonb := p_event -> 'seat_ids';
BEGIN
	reservation_id := encore.consumer_event_uuid(p_event, 'reservation_id');
	concert_id := encore.consumer_event_int(p_event, 'concert_id', 1);
	member_id := encore.consumer_event_int(p_event, 'member_id', 1);
	amount := encore.consumer_event_int(p_event, 'amount', 0);

	IF v_seats IS NULL OR jsonb_typeof(v_seats) = 'null' THEN
		seat_count := 0;
	ELSIF jsonb_typeof(v_seats) <> 'array' OR EXISTS (
	    SELECT 1 FROM jsonb_array_elements(v_seats) AS s
	    WHERE jsonb_typeof(s) <> 'number' OR s::text !~ '^[1-9][0-9]{0,17}$') THEN
		PERFORM encore.consumer_event_invalid('seat_ids',
		    'must be an array of seat ids');
	ELSE
		seat_count := jsonb_array_length(v_seats);
	END IF;

	IF jsonb_typeof(p_event -> 'occurred_at') IS DISTINCT FROM 'string' THEN
		PERFORM encore.consumer_event_invalid('occurred_at',
		    'must be a timestamp');
	END IF;
	BEGIN
		occurred_at := (p_event ->> 'occurred_at')::timestamptz;
	EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
		PERFORM encore.consumer_event_invalid('occurred_at',
		    'must be a timestamp');
	END;
END;
$$;

-- Records (consumer, event) in the inbox; false when it was there already.
CREATE OR REPLACE FUNCTION encore.consumer_inbox_record(p_consumer text,
    p_event_id uuid, p_topic text, p_result text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO encore.consumer_inbox (consumer, event_id, topic, result)
	VALUES (p_consumer, p_event_id, p_topic, p_result)
	ON CONFLICT DO NOTHING;
	RETURN FOUND;
END;
$$;

-- notifications: one receipt per reservation or payment event.
CREATE OR REPLACE FUNCTION encore.consume_notification(p_event jsonb)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	h	record;
	b	record;
	v_kind	text;
	v_title	text;
	v_what	text;
	v_won	text;
BEGIN
	SELECT * INTO h FROM encore.consumer_event_head(p_event);
	v_kind := CASE h.topic
	    WHEN 'payment.succeeded' THEN 'PAYMENT_SUCCEEDED'
	    WHEN 'payment.refunded' THEN 'PAYMENT_REFUNDED'
	    WHEN 'reservation.cancelled' THEN 'RESERVATION_CANCELLED'
	    WHEN 'reservation.expired' THEN 'RESERVATION_EXPIRED' END;
	IF v_kind IS NULL THEN
		RETURN CASE WHEN encore.consumer_inbox_record('notifications',
		    h.event_id, h.topic, 'ignored') THEN 'ignored'
		    ELSE 'duplicate' END;
	END IF;
	SELECT * INTO b FROM encore.consumer_event_body(p_event);
	IF NOT encore.consumer_inbox_record('notifications', h.event_id,
	    h.topic, 'applied') THEN
		RETURN 'duplicate';
	END IF;

	v_what := format('%s 좌석 %s매',
	    coalesce((SELECT c.title FROM encore.concerts c
	        WHERE c.id = b.concert_id), '공연 #' || b.concert_id),
	    b.seat_count);
	v_won := to_char(b.amount, 'FM999,999,999,999,990') || '원';
	v_title := CASE v_kind
	    WHEN 'PAYMENT_SUCCEEDED' THEN '결제가 완료되었습니다'
	    WHEN 'PAYMENT_REFUNDED' THEN '환불이 완료되었습니다'
	    WHEN 'RESERVATION_CANCELLED' THEN '예약이 취소되었습니다'
	    ELSE '예약 시간이 만료되었습니다' END;

	INSERT INTO encore.receipts (member_id, reservation_id, event_id, kind,
	    title, body, amount, occurred_at)
	VALUES (b.member_id, b.reservation_id, h.event_id, v_kind, v_title,
	    CASE v_kind
	    WHEN 'PAYMENT_SUCCEEDED' THEN
		format('%s, 결제 금액 %s', v_what, v_won)
	    WHEN 'PAYMENT_REFUNDED' THEN
		format('%s, 환불 금액 %s', v_what, v_won)
	    WHEN 'RESERVATION_CANCELLED' THEN
		format('%s 예약이 취소되었습니다.', v_what)
	    ELSE
		format('%s 예약이 결제 시간 안에 결제되지 않아 만료되었습니다.',
		    v_what)
	    END, b.amount, b.occurred_at);
	RETURN 'applied';
END;
$$;

-- stats: payment.succeeded adds to a concert's sales, payment.refunded
-- takes it back out (and counts the refund); a refund that undoes no sale
-- (reservation_refunded false) changes nothing.
CREATE OR REPLACE FUNCTION encore.consume_stats(p_event jsonb)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	h	record;
	b	record;
	v_sign	integer;
BEGIN
	SELECT * INTO h FROM encore.consumer_event_head(p_event);
	v_sign := CASE h.topic WHEN 'payment.succeeded' THEN 1
	    WHEN 'payment.refunded' THEN -1 END;
	-- A refund of a late approval that never became a sale (its hold had
	-- passed and its seats were gone) has no sale to take back.
	IF h.topic = 'payment.refunded'
	    AND p_event ->> 'reservation_refunded' = 'false' THEN
		v_sign := NULL;
	END IF;
	IF v_sign IS NULL THEN
		RETURN CASE WHEN encore.consumer_inbox_record('stats',
		    h.event_id, h.topic, 'ignored') THEN 'ignored'
		    ELSE 'duplicate' END;
	END IF;
	SELECT * INTO b FROM encore.consumer_event_body(p_event);
	IF NOT encore.consumer_inbox_record('stats', h.event_id, h.topic,
	    'applied') THEN
		RETURN 'duplicate';
	END IF;

	INSERT INTO encore.concert_sales AS s (concert_id, tickets_sold,
	    revenue, refunds, refunded_amount)
	VALUES (b.concert_id, v_sign * b.seat_count, v_sign * b.amount,
	    CASE WHEN v_sign < 0 THEN b.seat_count ELSE 0 END,
	    CASE WHEN v_sign < 0 THEN b.amount ELSE 0 END)
	ON CONFLICT (concert_id) DO UPDATE SET
	    tickets_sold = s.tickets_sold + EXCLUDED.tickets_sold,
	    revenue = s.revenue + EXCLUDED.revenue,
	    refunds = s.refunds + EXCLUDED.refunds,
	    refunded_amount = s.refunded_amount + EXCLUDED.refunded_amount,
	    updated_at = now();
	RETURN 'applied';
END;
$$;

-- A member's receipts, newest first: {"receipts":[{...}]}.
CREATE OR REPLACE FUNCTION encore.member_receipts(p_member_id bigint,
    p_limit integer DEFAULT 50) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('receipts', coalesce(jsonb_agg(jsonb_build_object(
	    'id', r.id, 'reservation_id', r.reservation_id,
	    'event_id', r.event_id, 'kind', r.kind, 'title', r.title,
	    'body', r.body, 'amount', r.amount,
	    'occurred_at', r.occurred_at, 'created_at', r.created_at)
	    ORDER BY r.occurred_at DESC, r.id DESC), '[]'::jsonb))
	FROM (SELECT * FROM encore.receipts
	    WHERE member_id = p_member_id
	    ORDER BY occurred_at DESC, id DESC
	    LIMIT least(greatest(coalesce(p_limit, 50), 1), 500)) AS r
$$;

-- One concert's sales figures: {"concert_sales":{...}}, zeros before the
-- first sale.
CREATE OR REPLACE FUNCTION encore.concert_sales_get(p_concert_id bigint)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('concert_sales', jsonb_build_object(
	    'concert_id', p_concert_id,
	    'tickets_sold', coalesce(s.tickets_sold, 0),
	    'revenue', coalesce(s.revenue, 0),
	    'refunds', coalesce(s.refunds, 0),
	    'refunded_amount', coalesce(s.refunded_amount, 0),
	    'updated_at', s.updated_at))
	FROM (SELECT 1) AS one
	LEFT JOIN encore.concert_sales s ON s.concert_id = p_concert_id
$$;
