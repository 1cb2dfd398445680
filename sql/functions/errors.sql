-- The one way the domain reports a failure to the HTTP layer.
--
-- Every business error is raised as
--   SQLSTATE  'EN' || HTTP status   (EN400, EN401, EN404, EN409, EN422)
--   MESSAGE   the API error code    (SEATS_UNAVAILABLE, ...)
--   HINT      a human readable message for the envelope's "message"
--   DETAIL    a JSON object text for the envelope's "details" (optional)
-- so the C side maps any error with an EN* SQLSTATE to
--   HTTP <status> {"error":{"code":MESSAGE,"message":HINT,"details":DETAIL}}
-- and treats every other SQLSTATE as a server fault.
--
-- Codes: VALIDATION_FAILED 400 (details {"fields":{name:reason}}),
-- UNAUTHENTICATED 401, REFRESH_TOKEN_REUSED 401, FORBIDDEN 403,
-- CONCERT_NOT_FOUND / SECTION_NOT_FOUND / SEAT_NOT_FOUND /
-- RESERVATION_NOT_FOUND 404, SEATS_UNAVAILABLE 409 (details {"seat_ids"}),
-- RESERVATION_NOT_CANCELLABLE 409, RESERVATION_NOT_PENDING 409,
-- TICKET_LIMIT_EXCEEDED 422, AMOUNT_MISMATCH 422.

CREATE OR REPLACE FUNCTION encore.raise_error(p_status integer, p_code text,
    p_message text, p_details jsonb DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF p_status NOT BETWEEN 400 AND 599 OR p_code !~ '^[A-Z][A-Z0-9_]*$' THEN
		RAISE EXCEPTION 'raise_error: bad status % or code %',
		    p_status, p_code;
	END IF;
	IF p_details IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'EN' || p_status::text,
		    MESSAGE = p_code, HINT = p_message;
	END IF;
	RAISE EXCEPTION USING ERRCODE = 'EN' || p_status::text,
	    MESSAGE = p_code, HINT = p_message, DETAIL = p_details::text;
END;
$$;

-- 400 VALIDATION_FAILED with {"fields": p_fields}, when p_fields is not empty.
CREATE OR REPLACE FUNCTION encore.raise_if_invalid(p_fields jsonb)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF p_fields IS NOT NULL AND p_fields <> '{}'::jsonb THEN
		PERFORM encore.raise_error(400, 'VALIDATION_FAILED',
		    'The request is not valid.',
		    jsonb_build_object('fields', p_fields));
	END IF;
END;
$$;
