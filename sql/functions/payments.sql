-- Payments with Toss: begin -> provider confirm (HTTP, in C) -> confirm or
-- fail; cancel of a paid reservation -> provider cancel -> refunded;
-- webhooks and the reconciler -> apply_status.
--
-- Locking order, everywhere: the reservation row (FOR NO KEY UPDATE), then
-- the payment row, then the member's cap lock, then seats in id order.
-- Every function here commits synchronously: it records money.
--
-- Outcomes (the "outcome" key of the result):
--   PROCEED          payment_begin: call the provider's confirm now
--   ALREADY_PAID     payment_begin: paid before with this very paymentKey
--   PAID             the reservation is paid and its seats SOLD
--   REFUND_REQUIRED  the provider holds money we cannot keep (the seats of
--                    an expired hold were taken, the reservation was
--                    cancelled, or it was paid by another attempt): call
--                    the provider's cancel, then payment_refunded()
--   REFUNDED         the money went back (payment_refunded, or a repeat)
--   FAILED/UNCHANGED payment_fail
--   IGNORED          payment_apply_status: not ours, amount differs, or a
--                    provider status with nothing to do
--   DUPLICATE        payment_apply_status: this event was applied before

CREATE OR REPLACE FUNCTION encore.payment_json(p_key text) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object('status', CASE p.status
	        WHEN 'REFUND_PENDING' THEN 'DONE'
	        WHEN 'REFUNDED' THEN 'CANCELED' ELSE p.status END,
	    'method', p.method, 'approved_at', p.approved_at)
	FROM encore.payments p WHERE p.payment_key = p_key
$$;

-- The reservation of an order, locked; 404 unless it exists (and belongs
-- to p_member_id, when given).
CREATE OR REPLACE FUNCTION encore.reservation_lock_by_order(p_order_id text,
    p_member_id bigint DEFAULT NULL) RETURNS encore.reservations
LANGUAGE plpgsql AS $$
DECLARE
	v_r	encore.reservations;
BEGIN
	SELECT * INTO v_r FROM encore.reservations WHERE order_id = p_order_id
	FOR NO KEY UPDATE;
	IF NOT FOUND OR v_r.member_id <> coalesce(p_member_id, v_r.member_id)
	    THEN
		PERFORM encore.raise_error(404, 'RESERVATION_NOT_FOUND',
		    'No such reservation.');
	END IF;
	RETURN v_r;
END;
$$;

-- The one amount rule: the client's (or the provider's) amount must be the
-- server's own total of the reservation.
CREATE OR REPLACE FUNCTION encore.payment_check_amount(p_r encore.reservations,
    p_amount bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF p_amount IS DISTINCT FROM p_r.amount THEN
		PERFORM encore.raise_error(422, 'AMOUNT_MISMATCH',
		    'The amount differs from the reservation''s total.',
		    jsonb_build_object('amount', p_r.amount));
	END IF;
END;
$$;

CREATE OR REPLACE FUNCTION encore.payment_begin(p_member_id bigint,
    p_order_id text, p_payment_key text, p_amount bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_fields	jsonb := '{}';
	v_r		encore.reservations;
	v_p		encore.payments;
BEGIN
	IF p_order_id IS NULL OR p_order_id !~ '^[A-Za-z0-9_-]{6,64}$' THEN
		v_fields := v_fields
		    || '{"orderId": "must be 6-64 characters [A-Za-z0-9_-]"}';
	END IF;
	IF p_payment_key IS NULL OR length(p_payment_key) NOT BETWEEN 1 AND 200
	    THEN
		v_fields := v_fields || '{"paymentKey": "must be 1-200 characters"}';
	END IF;
	IF p_amount IS NULL OR p_amount < 1 THEN
		v_fields := v_fields || '{"amount": "must be a positive integer"}';
	END IF;
	PERFORM encore.raise_if_invalid(v_fields);

	v_r := encore.reservation_lock_by_order(p_order_id, p_member_id);
	PERFORM encore.payment_check_amount(v_r, p_amount);
	IF v_r.status = 'PAID' AND v_r.payment_key = p_payment_key THEN
		RETURN jsonb_build_object('outcome', 'ALREADY_PAID',
		    'reservation', encore.reservation_json(v_r.id),
		    'payment', encore.payment_json(p_payment_key));
	END IF;
	-- EXPIRED counts as a passed hold: the sweeper got there first.
	IF v_r.status NOT IN ('PENDING', 'EXPIRED') THEN
		PERFORM encore.raise_error(409, 'RESERVATION_NOT_PENDING',
		    format('The reservation is %s.', v_r.status));
	END IF;
	-- A passed hold may still be paid (confirm re-takes the seats), but
	-- not when another buyer already has one of them: no money then.
	IF v_r.expires_at <= now() AND EXISTS (SELECT 1
	    FROM encore.reservation_seats rs
	    JOIN encore.seats s ON s.id = rs.seat_id
	    WHERE rs.reservation_id = v_r.id
	        AND s.reservation_id IS DISTINCT FROM v_r.id
	        AND (s.status = 'SOLD' OR (s.status = 'HELD'
	            AND s.hold_expires_at > now()))) THEN
		PERFORM encore.raise_error(409, 'RESERVATION_NOT_PENDING',
		    'The hold has expired and its seats were taken.');
	END IF;

	SELECT * INTO v_p FROM encore.payments WHERE payment_key = p_payment_key
	FOR UPDATE;
	IF FOUND AND v_p.order_id <> p_order_id THEN
		PERFORM encore.raise_if_invalid(
		    '{"paymentKey": "belongs to another order"}');
	ELSIF FOUND AND v_p.status NOT IN ('IN_FLIGHT', 'FAILED') THEN
		PERFORM encore.raise_error(409, 'RESERVATION_NOT_PENDING',
		    format('This payment is already %s.', v_p.status));
	ELSIF FOUND THEN
		UPDATE encore.payments
		SET status = 'IN_FLIGHT', attempted_at = now(),
		    next_check_at = now(), failure_code = NULL,
		    failure_message = NULL, updated_at = now()
		WHERE id = v_p.id;
	ELSE
		INSERT INTO encore.payments (payment_key, order_id, amount)
		VALUES (p_payment_key, p_order_id, p_amount);
	END IF;
	INSERT INTO encore.audit_log (entity, entity_id, action, to_status,
	    actor_id, data)
	VALUES ('payment', p_payment_key, 'payment.begun', 'IN_FLIGHT',
	    p_member_id, jsonb_build_object('order_id', p_order_id,
	        'amount', p_amount));

	RETURN jsonb_build_object('outcome', 'PROCEED', 'order_id', p_order_id,
	    'payment_key', p_payment_key, 'amount', v_r.amount,
	    'order_name', v_r.order_name);
END;
$$;

-- Money the provider approved that we must give back.
CREATE OR REPLACE FUNCTION encore.payment_refund_required(
    p_r encore.reservations, p_key text, p_reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE encore.payments
	SET status = 'REFUND_PENDING', refund_reason = p_reason,
	    next_check_at = now(), updated_at = now()
	WHERE payment_key = p_key;
	INSERT INTO encore.audit_log (entity, entity_id, action, to_status,
	    data)
	VALUES ('payment', p_key, 'payment.refund_required', 'REFUND_PENDING',
	    jsonb_build_object('order_id', p_r.order_id, 'reason', p_reason));
	RETURN jsonb_build_object('outcome', 'REFUND_REQUIRED',
	    'payment_key', p_key, 'amount', p_r.amount, 'reason', p_reason,
	    'reservation', encore.reservation_json(p_r.id));
END;
$$;

-- Can this PENDING or EXPIRED reservation keep (or take again) all its
-- seats? Locks them in id order; NULL if yes, else the reason it cannot:
-- SEATS_TAKEN (someone holds or bought one) or TICKET_LIMIT_EXCEEDED (a
-- reservation the cap no longer counts would not fit under it again). The
-- member's cap lock is taken first and expiry judged after it, on the
-- clock: a hold of the same member that ran after this one passed (and so
-- did not count it) is then visible here.
CREATE OR REPLACE FUNCTION encore.reservation_keep_seats(
    p_r encore.reservations) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	v_held	bigint := encore.member_seats_held(p_r.concert_id,
	    p_r.member_id, p_r.id);
	v_max	integer;
	v_seats	integer;
	v_free	integer;
BEGIN
	SELECT count(*), count(*) FILTER (WHERE s.reservation_id = p_r.id
	        OR s.status = 'AVAILABLE'
	        OR (s.status = 'HELD' AND s.hold_expires_at <= now()))
	    INTO v_seats, v_free
	FROM (SELECT s.* FROM encore.seats s
	    JOIN encore.reservation_seats rs ON rs.seat_id = s.id
	    WHERE rs.reservation_id = p_r.id
	    ORDER BY s.id FOR UPDATE OF s) AS s;
	IF v_free < v_seats THEN
		RETURN 'SEATS_TAKEN';
	END IF;
	IF p_r.status = 'EXPIRED' OR p_r.expires_at <= clock_timestamp() THEN
		SELECT max_tickets_per_member INTO v_max FROM encore.concerts
		WHERE id = p_r.concert_id;
		IF v_held + p_r.seat_count > v_max THEN
			RETURN 'TICKET_LIMIT_EXCEEDED';
		END IF;
	END IF;
	RETURN NULL;
END;
$$;

-- PENDING/EXPIRED -> PAID by p_key: seats SOLD, event, audit.
CREATE OR REPLACE FUNCTION encore.reservation_mark_paid(
    p_r encore.reservations, p_key text, p_method text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE encore.seats
	SET status = 'SOLD', reservation_id = p_r.id, hold_expires_at = NULL
	WHERE id IN (SELECT seat_id FROM encore.reservation_seats
	    WHERE reservation_id = p_r.id);
	UPDATE encore.reservations
	SET status = 'PAID', payment_key = p_key, paid_at = now()
	WHERE id = p_r.id;
	PERFORM encore.outbox_emit('payment.succeeded', ARRAY[p_r.id],
	    jsonb_build_object('payment_key', p_key, 'method', p_method));
	INSERT INTO encore.audit_log (entity, entity_id, action, from_status,
	    to_status, data)
	VALUES ('reservation', p_r.id::text, 'reservation.paid', p_r.status,
	    'PAID', jsonb_build_object('payment_key', p_key));
END;
$$;

-- The provider approved this attempt: DONE, with method and approvedAt.
CREATE OR REPLACE FUNCTION encore.payment_record_approval(p_id bigint,
    p_provider jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	v_approved	timestamptz;
BEGIN
	BEGIN
		v_approved := (p_provider ->> 'approvedAt')::timestamptz;
	EXCEPTION WHEN data_exception THEN
		v_approved := NULL;
	END;
	UPDATE encore.payments
	SET status = 'DONE', provider_status = 'DONE',
	    method = coalesce(p_provider ->> 'method', method),
	    approved_at = coalesce(v_approved, now()),
	    provider = coalesce(p_provider, provider),
	    failure_code = NULL, failure_message = NULL, updated_at = now()
	WHERE id = p_id;
END;
$$;

-- Apply an approval (status DONE at the provider) to a locked reservation
-- and payment: PAID with seats SOLD, or REFUND_REQUIRED (never two owners
-- for a seat, never money kept without seats). Idempotent.
CREATE OR REPLACE FUNCTION encore.payment_settle(p_r encore.reservations,
    p_p encore.payments, p_provider jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_refuse	text;
BEGIN
	IF p_p.status = 'DONE' AND p_r.payment_key = p_p.payment_key THEN
		RETURN jsonb_build_object('outcome', 'PAID',
		    'reservation', encore.reservation_json(p_r.id),
		    'payment', encore.payment_json(p_p.payment_key));
	ELSIF p_p.status = 'REFUND_PENDING' THEN
		RETURN jsonb_build_object('outcome', 'REFUND_REQUIRED',
		    'payment_key', p_p.payment_key, 'amount', p_r.amount,
		    'reason', p_p.refund_reason,
		    'reservation', encore.reservation_json(p_r.id));
	ELSIF p_p.status = 'REFUNDED' THEN
		RETURN jsonb_build_object('outcome', 'REFUNDED',
		    'reservation', encore.reservation_json(p_r.id));
	END IF;

	-- IN_FLIGHT or FAILED: the money is with the provider now.
	PERFORM encore.payment_record_approval(p_p.id, p_provider);
	IF p_r.status IN ('PAID', 'REFUNDED') THEN
		RETURN encore.payment_refund_required(p_r, p_p.payment_key,
		    'PAID_BY_ANOTHER_PAYMENT');
	ELSIF p_r.status = 'CANCELLED' THEN
		RETURN encore.payment_refund_required(p_r, p_p.payment_key,
		    'RESERVATION_CANCELLED');
	END IF;

	v_refuse := encore.reservation_keep_seats(p_r);
	IF v_refuse IS NOT NULL THEN
		PERFORM encore.reservation_release_seats(p_r.id);
		IF p_r.status = 'PENDING' THEN
			UPDATE encore.reservations
			SET status = 'EXPIRED', expired_at = now()
			WHERE id = p_r.id;
			PERFORM encore.outbox_emit('reservation.expired',
			    ARRAY[p_r.id]);
			INSERT INTO encore.audit_log (entity, entity_id, action,
			    from_status, to_status, data)
			VALUES ('reservation', p_r.id::text,
			    'reservation.expired', 'PENDING', 'EXPIRED',
			    jsonb_build_object('reason', v_refuse));
		END IF;
		RETURN encore.payment_refund_required(p_r, p_p.payment_key,
		    v_refuse);
	END IF;

	PERFORM encore.reservation_mark_paid(p_r, p_p.payment_key,
	    p_provider ->> 'method');
	RETURN jsonb_build_object('outcome', 'PAID',
	    'reservation', encore.reservation_json(p_r.id),
	    'payment', encore.payment_json(p_p.payment_key));
END;
$$;

-- After the provider approved (p_provider: its payment object, with
-- method, approvedAt and status DONE).
CREATE OR REPLACE FUNCTION encore.payment_confirm(p_order_id text,
    p_payment_key text, p_amount bigint, p_provider jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_r	encore.reservations;
	v_p	encore.payments;
BEGIN
	v_r := encore.reservation_lock_by_order(p_order_id);
	PERFORM encore.payment_check_amount(v_r, p_amount);
	SELECT * INTO v_p FROM encore.payments WHERE payment_key = p_payment_key
	FOR UPDATE;
	IF NOT FOUND THEN
		INSERT INTO encore.payments (payment_key, order_id, amount)
		VALUES (p_payment_key, p_order_id, p_amount)
		RETURNING * INTO v_p;
	ELSIF v_p.order_id <> p_order_id THEN
		PERFORM encore.raise_if_invalid(
		    '{"paymentKey": "belongs to another order"}');
	END IF;
	RETURN encore.payment_settle(v_r, v_p, p_provider);
END;
$$;

-- The provider refused the confirm: the attempt is FAILED, the reservation
-- stays PENDING (the buyer may try again until the hold passes).
CREATE OR REPLACE FUNCTION encore.payment_fail(p_order_id text,
    p_payment_key text, p_code text, p_message text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_r	encore.reservations;
	v_p	encore.payments;
BEGIN
	v_r := encore.reservation_lock_by_order(p_order_id);
	SELECT * INTO v_p FROM encore.payments
	WHERE payment_key = p_payment_key AND order_id = p_order_id FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM encore.raise_error(404, 'RESERVATION_NOT_FOUND',
		    'No such payment for this reservation.');
	END IF;
	IF v_p.status <> 'IN_FLIGHT' THEN
		RETURN jsonb_build_object('outcome', 'UNCHANGED',
		    'payment', encore.payment_json(p_payment_key),
		    'reservation', encore.reservation_json(v_r.id));
	END IF;
	UPDATE encore.payments
	SET status = 'FAILED', failure_code = coalesce(p_code, 'UNKNOWN'),
	    failure_message = left(p_message, 500), updated_at = now()
	WHERE id = v_p.id;
	INSERT INTO encore.audit_log (entity, entity_id, action, from_status,
	    to_status, data)
	VALUES ('payment', p_payment_key, 'payment.failed', 'IN_FLIGHT',
	    'FAILED', jsonb_build_object('order_id', p_order_id,
	        'code', p_code, 'message', p_message));
	RETURN jsonb_build_object('outcome', 'FAILED',
	    'payment', encore.payment_json(p_payment_key),
	    'reservation', encore.reservation_json(v_r.id));
END;
$$;

-- The provider cancelled (refunded) this payment. If it paid its
-- reservation, the reservation is REFUNDED and the seats it still owns are
-- released. Idempotent.
CREATE OR REPLACE FUNCTION encore.payment_refunded(p_payment_key text,
    p_provider jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_order		text;
	v_r		encore.reservations;
	v_p		encore.payments;
	v_canceled	timestamptz;
	v_paid_it	boolean;
BEGIN
	SELECT order_id INTO v_order FROM encore.payments
	WHERE payment_key = p_payment_key;
	IF NOT FOUND THEN
		PERFORM encore.raise_error(404, 'RESERVATION_NOT_FOUND',
		    'No such payment.');
	END IF;
	v_r := encore.reservation_lock_by_order(v_order);
	SELECT * INTO v_p FROM encore.payments WHERE payment_key = p_payment_key
	FOR UPDATE;
	IF v_p.status = 'REFUNDED' THEN
		RETURN jsonb_build_object('outcome', 'REFUNDED',
		    'reservation', encore.reservation_json(v_r.id),
		    'payment', encore.payment_json(p_payment_key));
	END IF;

	BEGIN
		v_canceled := (p_provider -> 'cancels' -> -1 ->> 'canceledAt')
		    ::timestamptz;
	EXCEPTION WHEN data_exception THEN
		v_canceled := NULL;
	END;
	UPDATE encore.payments
	SET status = 'REFUNDED', canceled_at = coalesce(v_canceled, now()),
	    provider_status = coalesce(p_provider ->> 'status', 'CANCELED'),
	    provider = coalesce(p_provider, provider), updated_at = now()
	WHERE id = v_p.id;

	v_paid_it := v_r.status = 'PAID' AND v_r.payment_key = p_payment_key;
	-- A late approval whose hold had passed and whose seats were gone (or
	-- would break the cap): the money was paid and is now given back, so
	-- the reservation reads REFUNDED too, not EXPIRED (api-v1: "refunded
	-- through the provider (status REFUNDED)"). It owns no seats by now.
	IF NOT v_paid_it AND v_r.status IN ('PENDING', 'EXPIRED')
	    AND v_p.refund_reason IN ('SEATS_TAKEN', 'TICKET_LIMIT_EXCEEDED') THEN
		PERFORM encore.reservation_release_seats(v_r.id);
		UPDATE encore.reservations
		SET status = 'REFUNDED', payment_key = p_payment_key,
		    paid_at = coalesce(v_p.approved_at, now()),
		    refunded_at = now(),
		    refund_requested_at = coalesce(refund_requested_at, now())
		WHERE id = v_r.id;
		INSERT INTO encore.audit_log (entity, entity_id, action,
		    from_status, to_status, data)
		VALUES ('reservation', v_r.id::text, 'reservation.refunded',
		    v_r.status, 'REFUNDED', jsonb_build_object('payment_key',
		    p_payment_key, 'reason', v_p.refund_reason));
	END IF;
	IF v_paid_it THEN
		PERFORM encore.reservation_release_seats(v_r.id);
		UPDATE encore.reservations
		SET status = 'REFUNDED', refunded_at = now(),
		    refund_requested_at = coalesce(refund_requested_at, now())
		WHERE id = v_r.id;
		INSERT INTO encore.audit_log (entity, entity_id, action,
		    from_status, to_status, data)
		VALUES ('reservation', v_r.id::text, 'reservation.refunded',
		    'PAID', 'REFUNDED',
		    jsonb_build_object('payment_key', p_payment_key));
	END IF;
	PERFORM encore.outbox_emit('payment.refunded', ARRAY[v_r.id],
	    jsonb_build_object('payment_key', p_payment_key,
	        'reservation_refunded', v_paid_it));
	INSERT INTO encore.audit_log (entity, entity_id, action, from_status,
	    to_status, data)
	VALUES ('payment', p_payment_key, 'payment.refunded', v_p.status,
	    'REFUNDED', jsonb_build_object('order_id', v_order));
	RETURN jsonb_build_object('outcome', 'REFUNDED',
	    'reservation', encore.reservation_json(v_r.id),
	    'payment', encore.payment_json(p_payment_key));
END;
$$;
