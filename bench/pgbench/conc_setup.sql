-- Test-only helpers for scripts/pg-concurrency.sh and scripts/bench-sql.sh,
-- loaded into a scratch database only (schema "conc", never in encore).
--
-- pgbench aborts a client on any error, so each helper calls the real
-- encore function and turns the expected business refusals (SQLSTATE EN*,
-- e.g. 409 SEATS_UNAVAILABLE, 422 TICKET_LIMIT_EXCEEDED) into a result
-- text. Every other error (deadlock, lock timeout, constraint violation,
-- bug) is re-raised, so it aborts the client and fails the run.

CREATE SCHEMA IF NOT EXISTS conc;

CREATE OR REPLACE FUNCTION conc.try_hold_range(p_member bigint,
    p_concert bigint, p_first bigint, p_n integer) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM encore.reservation_hold_seats(p_member, p_concert,
	    ARRAY(SELECT generate_series(p_first, p_first + p_n - 1)));
	RETURN 'held';
EXCEPTION WHEN OTHERS THEN
	IF SQLSTATE LIKE 'EN%' THEN RETURN SQLERRM; END IF;
	RAISE;
END;
$$;

-- p_n distinct random seat ids in [p_lo, p_hi].
CREATE OR REPLACE FUNCTION conc.random_ids(p_lo bigint, p_hi bigint,
    p_n integer) RETURNS bigint[]
LANGUAGE sql VOLATILE AS $$
	SELECT array_agg(DISTINCT p_lo + floor(random() * (p_hi - p_lo + 1))::bigint)
	FROM generate_series(1, p_n)
$$;

CREATE OR REPLACE FUNCTION conc.try_hold_random(p_member bigint,
    p_concert bigint, p_lo bigint, p_hi bigint, p_n integer) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM encore.reservation_hold_seats(p_member, p_concert,
	    conc.random_ids(p_lo, p_hi, p_n));
	RETURN 'held';
EXCEPTION WHEN OTHERS THEN
	IF SQLSTATE LIKE 'EN%' THEN RETURN SQLERRM; END IF;
	RAISE;
END;
$$;

CREATE OR REPLACE FUNCTION conc.try_hold_best(p_member bigint,
    p_concert bigint, p_section text, p_n integer) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM encore.reservation_hold_best(p_member, p_concert, p_section,
	    p_n);
	RETURN 'held';
EXCEPTION WHEN OTHERS THEN
	IF SQLSTATE LIKE 'EN%' THEN RETURN SQLERRM; END IF;
	RAISE;
END;
$$;

-- Pay (70%) or cancel (30%) one of the member's PENDING reservations, or
-- (when p_refund) cancel a PAID one and complete its refund, the way the C
-- side chains these calls around the provider.
CREATE OR REPLACE FUNCTION conc.try_settle(p_member bigint,
    p_refund boolean) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	v_r	encore.reservations;
	v_key	text := 'pk_' || replace(gen_random_uuid()::text, '-', '');
	v_out	jsonb;
BEGIN
	SELECT * INTO v_r FROM encore.reservations
	WHERE member_id = p_member
	    AND status = CASE WHEN p_refund THEN 'PAID' ELSE 'PENDING' END
	ORDER BY random() LIMIT 1;
	IF NOT FOUND THEN
		RETURN 'none';
	END IF;
	IF p_refund THEN
		v_out := encore.reservation_cancel(p_member, false, v_r.id);
		IF v_out ->> 'outcome' = 'REFUND_REQUIRED' THEN
			v_out := encore.payment_refunded(v_out ->> 'payment_key',
			    '{"status": "CANCELED"}');
		END IF;
		RETURN v_out ->> 'outcome';
	END IF;
	IF random() < 0.3 THEN
		-- Paid meanwhile by a parallel request: then it is a refund.
		v_out := encore.reservation_cancel(p_member, false, v_r.id);
		IF v_out ->> 'outcome' = 'REFUND_REQUIRED' THEN
			v_out := encore.payment_refunded(v_out ->> 'payment_key',
			    '{"status": "CANCELED"}');
		END IF;
		RETURN v_out ->> 'outcome';
	END IF;
	PERFORM encore.payment_begin(p_member, v_r.order_id, v_key, v_r.amount);
	v_out := encore.payment_confirm(v_r.order_id, v_key, v_r.amount,
	    jsonb_build_object('paymentKey', v_key, 'status', 'DONE',
	        'method', 'CARD', 'approvedAt', now()));
	IF v_out ->> 'outcome' = 'REFUND_REQUIRED' THEN
		v_out := encore.payment_refunded(v_key, '{"status": "CANCELED"}');
		RETURN 'late_refunded';
	END IF;
	RETURN v_out ->> 'outcome';
EXCEPTION WHEN OTHERS THEN
	IF SQLSTATE LIKE 'EN%' THEN RETURN SQLERRM; END IF;
	RAISE;
END;
$$;

-- The same as encore.reservation_hold_seats except one clause: the seats
-- are locked with a plain blocking FOR UPDATE instead of SKIP LOCKED. Only
-- for scripts/bench-sql.sh, to show what SKIP LOCKED buys.
CREATE OR REPLACE FUNCTION conc.reservation_hold_seats_blocking(
    p_member_id bigint, p_concert_id bigint, p_seat_ids bigint[])
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_concert	encore.concerts;
	v_n		integer := coalesce(cardinality(p_seat_ids), 0);
	v_bad		bigint[];
	v_got		bigint[];
BEGIN
	IF v_n = 0 OR v_n > 10 THEN
		PERFORM encore.raise_if_invalid(
		    '{"seat_ids": "must list 1 to 10 seat ids"}');
	ELSIF (SELECT count(DISTINCT x) FROM unnest(p_seat_ids) x) <> v_n THEN
		PERFORM encore.raise_if_invalid(
		    '{"seat_ids": "must not repeat a seat"}');
	END IF;
	v_concert := encore.concert_for_hold(p_member_id, p_concert_id);
	PERFORM encore.member_cap_lock(v_concert, p_member_id, v_n);
	SELECT array_agg(id ORDER BY id) INTO v_got FROM (
		SELECT s.id FROM encore.seats s
		WHERE s.id = ANY (p_seat_ids) AND s.concert_id = p_concert_id
		    AND (s.status = 'AVAILABLE' OR (s.status = 'HELD'
		        AND s.hold_expires_at <= now()))
		ORDER BY s.id
		FOR UPDATE) AS locked;
	IF coalesce(cardinality(v_got), 0) < v_n THEN
		SELECT array_agg(x ORDER BY x) INTO v_bad
		FROM unnest(p_seat_ids) x WHERE x <> ALL (coalesce(v_got, '{}'));
		PERFORM encore.raise_error(409, 'SEATS_UNAVAILABLE',
		    'Some of these seats are no longer available.',
		    jsonb_build_object('seat_ids', v_bad));
	END IF;
	RETURN jsonb_build_object('reservation', encore.reservation_json(
	    encore.reservation_create(v_concert, p_member_id, v_got)));
END;
$$;

CREATE OR REPLACE FUNCTION conc.try_hold_range_blocking(p_member bigint,
    p_concert bigint, p_first bigint, p_n integer) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM conc.reservation_hold_seats_blocking(p_member, p_concert,
	    ARRAY(SELECT generate_series(p_first, p_first + p_n - 1)));
	RETURN 'held';
EXCEPTION WHEN OTHERS THEN
	IF SQLSTATE LIKE 'EN%' THEN RETURN SQLERRM; END IF;
	RAISE;
END;
$$;
