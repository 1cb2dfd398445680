-- Concerts: creation with a seat layout, and the read models of the
-- concert list and one concert with its sections.
--
-- Layout JSON (the "layout" of POST /api/v1/concerts):
--   {"sections": [
--       {"code": "A", "tier": "VIP", "price": 300000,
--        "rows": 10, "seats_per_row": 100}, ...]}
--   code           1-8 chars, [A-Z][A-Z0-9]*, unique within the concert
--   tier           [A-Z][A-Z0-9_]*, up to 32 chars (VIP, STANDARD, ECONOMY...)
--   price          integer KRW 1..100,000,000; optional, default base_price
--   rows           1..26, lettered a, b, c...
--   seats_per_row  1..200, numbered from 1
--   at most 52 sections and 100,000 seats in all.
-- Without a layout a concert gets the default arena of the API contract:
-- 26 sections A-Z, 43,000 seats (A-F VIP 10x100 at 3x base price, G-L
-- STANDARD 15x100 at 2x, M-Z ECONOMY 20x100 at 1x).
--
-- Availability is derived, never stored: seats_total from the layout,
-- seats_available = total - seats SOLD - seats HELD with a live hold, read
-- from the partial index seats_taken (see 002_concerts.sql for why).

CREATE OR REPLACE FUNCTION encore.default_layout(p_base_price bigint)
RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('sections', jsonb_agg(jsonb_build_object(
	    'code', chr(64 + i),
	    'tier', CASE WHEN i <= 6 THEN 'VIP'
	        WHEN i <= 12 THEN 'STANDARD' ELSE 'ECONOMY' END,
	    'price', p_base_price * CASE WHEN i <= 6 THEN 3
	        WHEN i <= 12 THEN 2 ELSE 1 END,
	    'rows', CASE WHEN i <= 6 THEN 10 WHEN i <= 12 THEN 15 ELSE 20 END,
	    'seats_per_row', 100) ORDER BY i))
	FROM generate_series(1, 26) AS i
$$;

-- The reasons a layout is refused, as {"layout": reason}, or '{}'.
CREATE OR REPLACE FUNCTION encore.layout_problems(p_layout jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	v_sections	jsonb := p_layout -> 'sections';
	v_section	jsonb;
	v_i		integer := 0;
	v_total		bigint := 0;
	v_codes		text[] := '{}';
	v_where		text;
BEGIN
	IF jsonb_typeof(p_layout) IS DISTINCT FROM 'object'
	    OR jsonb_typeof(v_sections) IS DISTINCT FROM 'array'
	    OR jsonb_array_length(v_sections) NOT BETWEEN 1 AND 52 THEN
		RETURN jsonb_build_object('layout',
		    'must be {"sections": [...]} with 1 to 52 sections');
	END IF;
	FOR v_section IN SELECT * FROM jsonb_array_elements(v_sections) LOOP
		v_where := format('sections[%s]', v_i);
		v_i := v_i + 1;
		IF jsonb_typeof(v_section) IS DISTINCT FROM 'object' THEN
			RETURN jsonb_build_object('layout', v_where || ' must be an object');
		END IF;
		IF jsonb_typeof(v_section -> 'code') IS DISTINCT FROM 'string'
		    OR (v_section ->> 'code') !~ '^[A-Z][A-Z0-9]{0,7}$' THEN
			RETURN jsonb_build_object('layout', v_where
			    || '.code must be 1-8 characters [A-Z][A-Z0-9]*');
		END IF;
		IF (v_section ->> 'code') = ANY (v_codes) THEN
			RETURN jsonb_build_object('layout', v_where
			    || '.code is used twice');
		END IF;
		v_codes := v_codes || (v_section ->> 'code');
		IF jsonb_typeof(v_section -> 'tier') IS DISTINCT FROM 'string'
		    OR (v_section ->> 'tier') !~ '^[A-Z][A-Z0-9_]{0,31}$' THEN
			RETURN jsonb_build_object('layout', v_where
			    || '.tier must be 1-32 characters [A-Z][A-Z0-9_]*');
		END IF;
		IF v_section ? 'price' AND NOT encore.json_int_between(
		    v_section -> 'price', 1, 100000000) THEN
			RETURN jsonb_build_object('layout', v_where
			    || '.price must be an integer 1..100000000');
		END IF;
		IF NOT encore.json_int_between(v_section -> 'rows', 1, 26) THEN
			RETURN jsonb_build_object('layout', v_where
			    || '.rows must be an integer 1..26');
		END IF;
		IF NOT encore.json_int_between(v_section -> 'seats_per_row', 1, 200)
		    THEN
			RETURN jsonb_build_object('layout', v_where
			    || '.seats_per_row must be an integer 1..200');
		END IF;
		v_total := v_total + (v_section ->> 'rows')::integer
		    * (v_section ->> 'seats_per_row')::integer;
	END LOOP;
	IF v_total > 100000 THEN
		RETURN jsonb_build_object('layout', 'more than 100000 seats');
	END IF;
	RETURN '{}';
END;
$$;

CREATE OR REPLACE FUNCTION encore.json_int_between(p_value jsonb,
    p_min bigint, p_max bigint) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(jsonb_typeof(p_value) = 'number'
	    AND (p_value #>> '{}') ~ '^-?[0-9]{1,12}$'
	    AND (p_value #>> '{}')::bigint BETWEEN p_min AND p_max, false)
$$;

-- {"section code": seats available} of one concert, derived from the seats.
CREATE OR REPLACE FUNCTION encore.concert_taken(p_concert_id bigint)
RETURNS TABLE (section_code text, taken bigint)
LANGUAGE sql AS $$
	SELECT s.section_code,
	    count(*) FILTER (WHERE s.status = 'SOLD'
	        OR s.hold_expires_at > now())
	FROM encore.seats s
	WHERE s.concert_id = p_concert_id AND s.status <> 'AVAILABLE'
	GROUP BY s.section_code
$$;

CREATE OR REPLACE FUNCTION encore.concert_json(p_id bigint,
    p_with_sections boolean) RETURNS jsonb
LANGUAGE sql AS $$
	WITH sec AS (
		SELECT s.code, s.tier, s.price, s.rows, s.seats_per_row,
		    s.position, s.rows * s.seats_per_row AS total,
		    coalesce(t.taken, 0) AS taken
		FROM encore.sections s
		LEFT JOIN encore.concert_taken(p_id) t
		    ON t.section_code = s.code
		WHERE s.concert_id = p_id
	)
	SELECT jsonb_build_object(
	    'id', c.id, 'title', c.title, 'venue', c.venue,
	    'starts_at', c.starts_at, 'base_price', c.base_price,
	    'max_tickets_per_member', c.max_tickets_per_member,
	    'hold_ttl_seconds', extract(epoch FROM c.hold_ttl)::integer,
	    'seats_total', (SELECT coalesce(sum(total), 0) FROM sec),
	    'seats_available', (SELECT coalesce(sum(total - taken), 0) FROM sec),
	    'price_min', (SELECT min(price) FROM sec),
	    'price_max', (SELECT max(price) FROM sec))
	    || CASE WHEN p_with_sections THEN jsonb_build_object('sections',
	        (SELECT coalesce(jsonb_agg(jsonb_build_object(
	            'code', code, 'tier', tier, 'price', price, 'rows', rows,
	            'seats_per_row', seats_per_row, 'seats_total', total,
	            'seats_available', total - taken) ORDER BY position), '[]')
	         FROM sec))
	    ELSE '{}'::jsonb END
	FROM encore.concerts c
	WHERE c.id = p_id
$$;

CREATE OR REPLACE FUNCTION encore.concert_create(p_title text, p_venue text,
    p_starts_at timestamptz, p_base_price bigint, p_max_tickets integer,
    p_layout jsonb DEFAULT NULL, p_hold_ttl interval DEFAULT '10 minutes')
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_fields	jsonb := '{}';
	v_layout	jsonb;
	v_id		bigint;
BEGIN
	IF p_title IS NULL OR length(btrim(p_title)) NOT BETWEEN 1 AND 200 THEN
		v_fields := v_fields || '{"title": "must be 1-200 characters"}';
	END IF;
	IF p_venue IS NULL OR length(btrim(p_venue)) NOT BETWEEN 1 AND 200 THEN
		v_fields := v_fields || '{"venue": "must be 1-200 characters"}';
	END IF;
	IF p_starts_at IS NULL OR NOT isfinite(p_starts_at) THEN
		v_fields := v_fields || '{"starts_at": "must be an RFC 3339 time"}';
	END IF;
	IF p_base_price IS NULL OR p_base_price NOT BETWEEN 1 AND 10000000 THEN
		v_fields := v_fields
		    || '{"base_price": "must be an integer 1..10000000"}';
	END IF;
	IF p_max_tickets IS NULL OR p_max_tickets NOT BETWEEN 1 AND 10 THEN
		v_fields := v_fields
		    || '{"max_tickets_per_member": "must be an integer 1..10"}';
	END IF;
	IF p_hold_ttl IS NULL
	    OR p_hold_ttl NOT BETWEEN interval '1 second' AND interval '1 hour' THEN
		v_fields := v_fields
		    || '{"hold_ttl": "must be between 1 second and 1 hour"}';
	END IF;
	IF p_layout IS NOT NULL THEN
		v_fields := v_fields || encore.layout_problems(p_layout);
	END IF;
	PERFORM encore.raise_if_invalid(v_fields);

	v_layout := coalesce(p_layout, encore.default_layout(p_base_price));

	INSERT INTO encore.concerts (title, venue, starts_at, base_price,
	    max_tickets_per_member, hold_ttl)
	VALUES (btrim(p_title), btrim(p_venue), p_starts_at, p_base_price,
	    p_max_tickets, p_hold_ttl)
	RETURNING id INTO v_id;

	INSERT INTO encore.sections (concert_id, code, tier, price, rows,
	    seats_per_row, position)
	SELECT v_id, e ->> 'code', e ->> 'tier',
	    coalesce((e ->> 'price')::bigint, p_base_price),
	    (e ->> 'rows')::integer, (e ->> 'seats_per_row')::integer, o - 1
	FROM jsonb_array_elements(v_layout -> 'sections')
	    WITH ORDINALITY AS l (e, o);

	-- One set-based insert for the whole hall (43,000 rows by default).
	INSERT INTO encore.seats (concert_id, section_code, row, number, price)
	SELECT v_id, s.code, chr(96 + r), n, s.price
	FROM encore.sections s
	CROSS JOIN LATERAL generate_series(1, s.rows) AS r
	CROSS JOIN LATERAL generate_series(1, s.seats_per_row) AS n
	WHERE s.concert_id = v_id
	ORDER BY s.position, r, n;

	INSERT INTO encore.audit_log (entity, entity_id, action, to_status, data)
	VALUES ('concert', v_id::text, 'concert.created', 'ON_SALE',
	    jsonb_build_object('layout', v_layout));

	-- Statistics that know the new concert: without them the planner takes
	-- its concert_id for a rare value and reads a whole hall through the
	-- (concert, section, row, number) index on every hold (measured: 91
	-- holds/s before, 1,602/s after, by make bench). Sampled, ~0.1 s.
	ANALYZE encore.seats;

	RETURN jsonb_build_object('concert', encore.concert_json(v_id, true));
END;
$$;

CREATE OR REPLACE FUNCTION encore.concert_list() RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('concerts', coalesce(jsonb_agg(
	    encore.concert_json(c.id, false) ORDER BY c.starts_at, c.id), '[]'))
	FROM encore.concerts c
$$;

CREATE OR REPLACE FUNCTION encore.concert_get(p_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_concert	jsonb := encore.concert_json(p_id, true);
BEGIN
	IF v_concert IS NULL THEN
		PERFORM encore.raise_error(404, 'CONCERT_NOT_FOUND',
		    'No such concert.');
	END IF;
	RETURN jsonb_build_object('concert', v_concert);
END;
$$;
