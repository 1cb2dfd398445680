-- Seat read models: the seat map of one section, and its compact form for
-- a cache. A HELD seat whose hold has passed reads AVAILABLE here, before
-- holds_expire() has swept it: a buyer may take it already.

CREATE OR REPLACE FUNCTION encore.seat_status(p_status text,
    p_hold_expires_at timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN p_status = 'HELD' AND p_hold_expires_at <= now()
	    THEN 'AVAILABLE' ELSE p_status END
$$;

CREATE OR REPLACE FUNCTION encore.section_check(p_concert_id bigint,
    p_section text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM encore.concerts WHERE id = p_concert_id) THEN
		PERFORM encore.raise_error(404, 'CONCERT_NOT_FOUND',
		    'No such concert.');
	END IF;
	IF p_section IS NULL OR p_section = '' THEN
		PERFORM encore.raise_if_invalid('{"section": "is required"}');
	END IF;
	IF NOT EXISTS (SELECT 1 FROM encore.sections
	    WHERE concert_id = p_concert_id AND code = p_section) THEN
		PERFORM encore.raise_error(404, 'SECTION_NOT_FOUND',
		    'No such section in this concert.');
	END IF;
END;
$$;

-- {"section":"A","seats":[{"id","row","number","price","status"}]}
CREATE OR REPLACE FUNCTION encore.section_seats(p_concert_id bigint,
    p_section text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM encore.section_check(p_concert_id, p_section);
	RETURN jsonb_build_object('section', p_section, 'seats', (
	    SELECT coalesce(jsonb_agg(jsonb_build_object(
	        'id', s.id, 'row', s.row, 'number', s.number, 'price', s.price,
	        'status', encore.seat_status(s.status, s.hold_expires_at))
	        ORDER BY s.row, s.number), '[]')
	    FROM encore.seats s
	    WHERE s.concert_id = p_concert_id AND s.section_code = p_section));
END;
$$;

-- {"section":"A","version":N,"statuses":"AAHS..."}: one character per seat
-- (A available, H held, S sold) in the order of section_seats. "version"
-- is the snapshot's xmax (the next transaction id at read time): a read
-- with a higher version saw every change a lower one saw, so a cache keeps
-- the entry with the highest version and never goes back in time.
CREATE OR REPLACE FUNCTION encore.section_status(p_concert_id bigint,
    p_section text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM encore.section_check(p_concert_id, p_section);
	RETURN jsonb_build_object('section', p_section,
	    'version', pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
	    'statuses', (
	    SELECT coalesce(string_agg(left(encore.seat_status(s.status,
	        s.hold_expires_at), 1), '' ORDER BY s.row, s.number), '')
	    FROM encore.seats s
	    WHERE s.concert_id = p_concert_id AND s.section_code = p_section));
END;
$$;
