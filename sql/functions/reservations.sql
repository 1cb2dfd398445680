-- Reservations: holding seats (by id or best available), reading,
-- cancelling, and expiring holds.
--
-- Concurrency design, in one place:
--  * Seats are claimed with SELECT ... FOR UPDATE SKIP LOCKED on rows that
--    are AVAILABLE or whose hold has passed. A buyer never waits for
--    another buyer: a seat someone else is claiming right now is simply
--    not available to this request (409 SEATS_UNAVAILABLE).
--  * The per-member cap (seats in PENDING-unexpired + PAID reservations of
--    a concert) is checked under pg_advisory_xact_lock keyed by (concert,
--    member), so one member's parallel requests are serialised and cannot
--    both pass the check. Only that member's own requests ever wait here.
--  * Best available chooses adjacent seats inside the locks: candidate
--    windows are tried one by one, each in a subtransaction that locks the
--    window with SKIP LOCKED and is rolled back (releasing its locks) if
--    any seat of it was taken, so nobody else loses a seat we did not keep.
--  * Multi-row waits elsewhere (payments, cancel) lock seats in id order;
--    buyers and holds_expire never wait, so no lock cycle can form.
--  * Called in READ COMMITTED (the default): each statement sees what
--    committed before it, which the cap check relies on after its lock.
--
-- Durability: a fresh hold commits with synchronous_commit = off, for that
-- transaction only. A crash can lose at most the last few hundred ms of
-- holds; the only effect is that those seats are for sale again and the
-- buyer's reservation is unknown: payment_begin then answers 404 before any
-- money moves. Everything touching money commits synchronously.

CREATE OR REPLACE FUNCTION encore.reservation_json(p_id uuid) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object(
	    'id', r.id, 'order_id', r.order_id, 'order_name', r.order_name,
	    'status', CASE WHEN r.status = 'PENDING' AND r.expires_at <= now()
	        THEN 'EXPIRED' ELSE r.status END,
	    'concert_id', r.concert_id,
	    'seats', (SELECT coalesce(jsonb_agg(jsonb_build_object(
	            'id', s.id, 'section', s.section_code, 'row', s.row,
	            'number', s.number, 'price', rs.price)
	        ORDER BY s.section_code, s.row, s.number), '[]')
	        FROM encore.reservation_seats rs
	        JOIN encore.seats s ON s.id = rs.seat_id
	        WHERE rs.reservation_id = r.id),
	    'amount', r.amount, 'expires_at', r.expires_at,
	    'created_at', r.created_at, 'paid_at', r.paid_at)
	FROM encore.reservations r
	WHERE r.id = p_id
$$;

-- The concert a member is about to buy in; 401 if the member is gone.
CREATE OR REPLACE FUNCTION encore.concert_for_hold(p_member_id bigint,
    p_concert_id bigint) RETURNS encore.concerts
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_concert	encore.concerts;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM encore.members WHERE id = p_member_id) THEN
		PERFORM encore.raise_error(401, 'UNAUTHENTICATED',
		    'The member of this session no longer exists.');
	END IF;
	SELECT * INTO v_concert FROM encore.concerts WHERE id = p_concert_id;
	IF NOT FOUND THEN
		PERFORM encore.raise_error(404, 'CONCERT_NOT_FOUND',
		    'No such concert.');
	END IF;
	RETURN v_concert;
END;
$$;

-- Serialise this member's claims in this concert (transaction advisory
-- lock), then count the seats the cap counts (p_except: a reservation not
-- to count, for a late payment re-taking its own seats).
CREATE OR REPLACE FUNCTION encore.member_seats_held(p_concert_id bigint,
    p_member_id bigint, p_except uuid DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	v_have	bigint;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended(
	    format('encore.cap:%s:%s', p_concert_id, p_member_id), 0));
	SELECT coalesce(sum(seat_count), 0) INTO v_have
	FROM encore.reservations
	WHERE concert_id = p_concert_id AND member_id = p_member_id
	    AND id IS DISTINCT FROM p_except
	    AND (status = 'PAID'
	        OR (status = 'PENDING' AND expires_at > clock_timestamp()));
	RETURN v_have;
END;
$$;

-- The same lock, then 422 TICKET_LIMIT_EXCEEDED unless p_more fit.
CREATE OR REPLACE FUNCTION encore.member_cap_lock(p_concert encore.concerts,
    p_member_id bigint, p_more integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	v_have	bigint := encore.member_seats_held(p_concert.id, p_member_id);
BEGIN
	IF v_have + p_more > p_concert.max_tickets_per_member THEN
		PERFORM encore.raise_error(422, 'TICKET_LIMIT_EXCEEDED',
		    format('At most %s tickets per member for this concert.',
		        p_concert.max_tickets_per_member),
		    jsonb_build_object('limit', p_concert.max_tickets_per_member,
		        'held', v_have, 'requested', p_more));
	END IF;
END;
$$;

-- Turn seats this transaction has locked into a PENDING reservation.
CREATE OR REPLACE FUNCTION encore.reservation_create(p_concert encore.concerts,
    p_member_id bigint, p_seat_ids bigint[]) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
	v_id		uuid := gen_random_uuid();
	v_expires	timestamptz := now() + p_concert.hold_ttl;
	v_amount	bigint;
	v_label		text;
	v_n		integer := cardinality(p_seat_ids);
BEGIN
	SELECT sum(price), (array_agg(section_code || '-' || row
	    || number::text ORDER BY section_code, row, number))[1]
	    INTO v_amount, v_label
	FROM encore.seats WHERE id = ANY (p_seat_ids);

	INSERT INTO encore.reservations (id, member_id, concert_id, order_id,
	    order_name, amount, seat_count, expires_at)
	VALUES (v_id, p_member_id, p_concert.id,
	    'enc' || replace(v_id::text, '-', ''),
	    format('%s (%s%s)', left(p_concert.title, 70), v_label,
	        CASE WHEN v_n > 1 THEN format(' +%s', v_n - 1) ELSE '' END),
	    v_amount, v_n, v_expires);

	INSERT INTO encore.reservation_seats (reservation_id, seat_id, price)
	SELECT v_id, id, price FROM encore.seats WHERE id = ANY (p_seat_ids);

	UPDATE encore.seats
	SET status = 'HELD', reservation_id = v_id, hold_expires_at = v_expires
	WHERE id = ANY (p_seat_ids);

	INSERT INTO encore.audit_log (entity, entity_id, action, to_status,
	    actor_id, data)
	VALUES ('reservation', v_id::text, 'reservation.held', 'PENDING',
	    p_member_id, jsonb_build_object('seat_ids', to_jsonb(p_seat_ids),
	        'amount', v_amount));

	PERFORM set_config('synchronous_commit', 'off', true);
	RETURN v_id;
END;
$$;

CREATE OR REPLACE FUNCTION encore.reservation_hold_seats(p_member_id bigint,
    p_concert_id bigint, p_seat_ids bigint[]) RETURNS jsonb
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
	ELSIF array_position(p_seat_ids, NULL) IS NOT NULL THEN
		PERFORM encore.raise_if_invalid(
		    '{"seat_ids": "must not contain null"}');
	ELSIF (SELECT count(DISTINCT x) FROM unnest(p_seat_ids) x) <> v_n THEN
		PERFORM encore.raise_if_invalid(
		    '{"seat_ids": "must not repeat a seat"}');
	END IF;
	v_concert := encore.concert_for_hold(p_member_id, p_concert_id);

	SELECT array_agg(x ORDER BY x) INTO v_bad
	FROM unnest(p_seat_ids) x
	WHERE NOT EXISTS (SELECT 1 FROM encore.seats s
	    WHERE s.id = x AND s.concert_id = p_concert_id);
	IF v_bad IS NOT NULL THEN
		PERFORM encore.raise_error(404, 'SEAT_NOT_FOUND',
		    'Some seats do not exist in this concert.',
		    jsonb_build_object('seat_ids', v_bad));
	END IF;

	PERFORM encore.member_cap_lock(v_concert, p_member_id, v_n);

	SELECT array_agg(id ORDER BY id) INTO v_got FROM (
		SELECT s.id FROM encore.seats s
		WHERE s.id = ANY (p_seat_ids) AND s.concert_id = p_concert_id
		    AND (s.status = 'AVAILABLE' OR (s.status = 'HELD'
		        AND s.hold_expires_at <= now()))
		FOR UPDATE SKIP LOCKED) AS locked;
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

-- Free seats of a section as windows of p_quantity adjacent seats, best
-- first: front rows first, in random order within a row so that buyers
-- arriving together try different windows instead of all the same one.
CREATE OR REPLACE FUNCTION encore.seat_windows(p_concert_id bigint,
    p_section text, p_quantity integer, p_limit integer)
RETURNS SETOF bigint[]
LANGUAGE sql VOLATILE AS $$
	WITH free AS (
		SELECT id, row, number,
		    number - row_number() OVER (PARTITION BY row
		        ORDER BY number) AS run
		FROM encore.seats
		WHERE concert_id = p_concert_id AND section_code = p_section
		    AND (status = 'AVAILABLE'
		        OR (status = 'HELD' AND hold_expires_at <= now()))
	), runs AS (
		SELECT row, array_agg(id ORDER BY number) AS ids,
		    count(*)::integer AS len
		FROM free GROUP BY row, run
		HAVING count(*) >= p_quantity
	)
	SELECT runs.ids[k * p_quantity + 1 : (k + 1) * p_quantity]
	FROM runs
	CROSS JOIN LATERAL generate_series(0, runs.len / p_quantity - 1) AS k
	ORDER BY runs.row, random()
	LIMIT p_limit
$$;

CREATE OR REPLACE FUNCTION encore.reservation_hold_best(p_member_id bigint,
    p_concert_id bigint, p_section text, p_quantity integer) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_concert	encore.concerts;
	v_window	bigint[];
	v_got		bigint[];
BEGIN
	IF p_quantity IS NULL OR p_quantity NOT BETWEEN 1 AND 10 THEN
		PERFORM encore.raise_if_invalid(
		    '{"quantity": "must be an integer 1..10"}');
	END IF;
	v_concert := encore.concert_for_hold(p_member_id, p_concert_id);
	PERFORM encore.section_check(p_concert_id, p_section);
	PERFORM encore.member_cap_lock(v_concert, p_member_id, p_quantity);

	-- Adjacent seats: lock a whole window or none of it.
	FOR v_window IN SELECT * FROM encore.seat_windows(p_concert_id,
	    p_section, p_quantity, 16) LOOP
		BEGIN
			SELECT array_agg(id ORDER BY id) INTO v_got FROM (
				SELECT s.id FROM encore.seats s
				WHERE s.id = ANY (v_window)
				    AND (s.status = 'AVAILABLE'
				        OR (s.status = 'HELD'
				            AND s.hold_expires_at <= now()))
				FOR UPDATE SKIP LOCKED) AS locked;
			IF coalesce(cardinality(v_got), 0) = p_quantity THEN
				EXIT;
			END IF;
			RAISE EXCEPTION USING ERRCODE = 'EN000';
		EXCEPTION WHEN SQLSTATE 'EN000' THEN
			v_got := NULL;
		END;
	END LOOP;

	-- Otherwise any free seats, front to back, still inside the locks.
	IF v_got IS NULL THEN
		SELECT array_agg(id ORDER BY id) INTO v_got FROM (
			SELECT s.id FROM encore.seats s
			WHERE s.concert_id = p_concert_id
			    AND s.section_code = p_section
			    AND (s.status = 'AVAILABLE' OR (s.status = 'HELD'
			        AND s.hold_expires_at <= now()))
			ORDER BY s.row, s.number
			LIMIT p_quantity
			FOR UPDATE SKIP LOCKED) AS locked;
		IF coalesce(cardinality(v_got), 0) < p_quantity THEN
			PERFORM encore.raise_error(409, 'SEATS_UNAVAILABLE',
			    format('Not %s free seats left in section %s.',
			        p_quantity, p_section),
			    '{"seat_ids": []}');
		END IF;
	END IF;

	RETURN jsonb_build_object('reservation', encore.reservation_json(
	    encore.reservation_create(v_concert, p_member_id, v_got)));
END;
$$;

CREATE OR REPLACE FUNCTION encore.reservation_get(p_member_id bigint,
    p_is_admin boolean, p_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM encore.reservations WHERE id = p_id
	    AND (member_id = p_member_id OR coalesce(p_is_admin, false))) THEN
		PERFORM encore.raise_error(404, 'RESERVATION_NOT_FOUND',
		    'No such reservation.');
	END IF;
	RETURN jsonb_build_object('reservation', encore.reservation_json(p_id));
END;
$$;

-- The member's reservations, newest first (the latest 100).
CREATE OR REPLACE FUNCTION encore.reservation_list(p_member_id bigint)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('reservations', coalesce(jsonb_agg(
	    encore.reservation_json(r.id) ORDER BY r.created_at DESC, r.id), '[]'))
	FROM (SELECT id, created_at FROM encore.reservations
	    WHERE member_id = p_member_id
	    ORDER BY created_at DESC, id LIMIT 100) AS r
$$;

-- Release the seats a reservation still owns (not those taken over by
-- someone else after its hold passed). Locks them in id order.
CREATE OR REPLACE FUNCTION encore.reservation_release_seats(p_id uuid)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	v_n	integer;
BEGIN
	PERFORM 1 FROM encore.seats WHERE reservation_id = p_id
	ORDER BY id FOR UPDATE;
	UPDATE encore.seats
	SET status = 'AVAILABLE', reservation_id = NULL, hold_expires_at = NULL
	WHERE reservation_id = p_id;
	GET DIAGNOSTICS v_n = ROW_COUNT;
	RETURN v_n;
END;
$$;

-- PENDING -> CANCELLED (seats released) or PAID -> refund requested; the C
-- side then calls the provider's cancel and payment_refunded().
CREATE OR REPLACE FUNCTION encore.reservation_cancel(p_member_id bigint,
    p_is_admin boolean, p_id uuid) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_r	encore.reservations;
BEGIN
	SELECT * INTO v_r FROM encore.reservations WHERE id = p_id
	FOR NO KEY UPDATE;
	IF NOT FOUND OR (v_r.member_id <> p_member_id
	    AND NOT coalesce(p_is_admin, false)) THEN
		PERFORM encore.raise_error(404, 'RESERVATION_NOT_FOUND',
		    'No such reservation.');
	END IF;

	IF v_r.status = 'PENDING' AND v_r.expires_at > now() THEN
		PERFORM encore.reservation_release_seats(p_id);
		UPDATE encore.reservations
		SET status = 'CANCELLED', cancelled_at = now() WHERE id = p_id;
		PERFORM encore.outbox_emit('reservation.cancelled', ARRAY[p_id]);
		INSERT INTO encore.audit_log (entity, entity_id, action,
		    from_status, to_status, actor_id)
		VALUES ('reservation', p_id::text, 'reservation.cancelled',
		    'PENDING', 'CANCELLED', p_member_id);
		RETURN jsonb_build_object('outcome', 'CANCELLED',
		    'reservation', encore.reservation_json(p_id));
	END IF;

	IF v_r.status = 'PAID' THEN
		IF v_r.refund_requested_at IS NULL THEN
			UPDATE encore.reservations SET refund_requested_at = now()
			WHERE id = p_id;
			UPDATE encore.payments
			SET status = 'REFUND_PENDING',
			    refund_reason = 'CANCELLED_BY_OWNER',
			    next_check_at = now(), updated_at = now()
			WHERE payment_key = v_r.payment_key AND status = 'DONE';
			INSERT INTO encore.audit_log (entity, entity_id, action,
			    from_status, to_status, actor_id)
			VALUES ('reservation', p_id::text,
			    'reservation.refund_requested', 'PAID', 'PAID',
			    p_member_id);
		END IF;
		RETURN jsonb_build_object('outcome', 'REFUND_REQUIRED',
		    'payment_key', v_r.payment_key, 'amount', v_r.amount,
		    'reservation', encore.reservation_json(p_id));
	END IF;

	PERFORM encore.raise_error(409, 'RESERVATION_NOT_CANCELLABLE',
	    format('A reservation in status %s cannot be cancelled.',
	        CASE WHEN v_r.status = 'PENDING' THEN 'EXPIRED'
	        ELSE v_r.status END));
END;
$$;

-- Release passed holds and mark their reservations EXPIRED, at most
-- p_batch of each per call. Every lock is taken with SKIP LOCKED, so it
-- never waits for a buyer or a payment and can run in every worker at
-- once; what it skips, the next run (or a buyer) takes. Like a fresh hold,
-- it commits asynchronously: a lost expiry is simply redone.
CREATE OR REPLACE FUNCTION encore.holds_expire(p_batch integer DEFAULT 500)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_ids		uuid[];
	v_released	integer;
BEGIN
	WITH due AS (
		SELECT id FROM encore.reservations
		WHERE status = 'PENDING' AND expires_at <= now()
		ORDER BY expires_at
		LIMIT greatest(coalesce(p_batch, 500), 1)
		FOR NO KEY UPDATE SKIP LOCKED
	), done AS (
		UPDATE encore.reservations r
		SET status = 'EXPIRED', expired_at = now()
		FROM due WHERE r.id = due.id
		RETURNING r.id
	)
	SELECT array_agg(id) INTO v_ids FROM done;

	IF v_ids IS NOT NULL THEN
		PERFORM encore.outbox_emit('reservation.expired', v_ids);
		INSERT INTO encore.audit_log (entity, entity_id, action,
		    from_status, to_status)
		SELECT 'reservation', id::text, 'reservation.expired', 'PENDING',
		    'EXPIRED'
		FROM unnest(v_ids) AS id;
	END IF;

	WITH due AS (
		SELECT id FROM encore.seats
		WHERE status = 'HELD' AND hold_expires_at <= now()
		ORDER BY hold_expires_at
		LIMIT greatest(coalesce(p_batch, 500), 1) * 10
		FOR UPDATE SKIP LOCKED
	)
	UPDATE encore.seats s
	SET status = 'AVAILABLE', reservation_id = NULL, hold_expires_at = NULL
	FROM due WHERE s.id = due.id;
	GET DIAGNOSTICS v_released = ROW_COUNT;

	PERFORM set_config('synchronous_commit', 'off', true);
	RETURN jsonb_build_object('expired', coalesce(cardinality(v_ids), 0),
	    'released', v_released);
END;
$$;
