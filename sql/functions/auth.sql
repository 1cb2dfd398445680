-- Members, refresh-token families and OAuth login state.
--
-- Refresh tokens: the C side generates a random token, sends it to the
-- browser and gives us only its SHA-256 (bytea, 32 bytes). Rotation marks
-- the presented token rotated and stores its successor in the same family.
--
-- Reuse of a rotated token (a stolen token raced its owner) revokes the
-- whole family. refresh_token_rotate must NOT raise in that case, or the
-- revocation would roll back with the error: it returns
--   {"error": "REFRESH_TOKEN_REUSED", "status": 401, "message": "..."}
-- and commits, and the C side answers 401 REFRESH_TOKEN_REUSED from that.
-- Unknown, expired or revoked tokens raise 401 UNAUTHENTICATED (nothing to
-- keep in that case).

CREATE OR REPLACE FUNCTION encore.member_json(p_id bigint) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object('id', m.id, 'email', m.email,
	    'name', m.name, 'role', m.role)
	FROM encore.members m WHERE m.id = p_id
$$;

CREATE OR REPLACE FUNCTION encore.member_upsert(p_provider text,
    p_subject text, p_email text, p_name text, p_admin_emails text[])
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_fields	jsonb := '{}';
	v_email		text := lower(btrim(p_email));
	v_name		text := nullif(btrim(p_name), '');
	v_role		text;
	v_old_role	text;
	v_id		bigint;
BEGIN
	IF p_provider IS NULL OR p_provider !~ '^[a-z][a-z0-9_-]{0,31}$' THEN
		v_fields := v_fields || '{"provider": "unknown provider"}';
	END IF;
	IF p_subject IS NULL OR length(p_subject) NOT BETWEEN 1 AND 255 THEN
		v_fields := v_fields || '{"subject": "must be 1-255 characters"}';
	END IF;
	IF v_email IS NULL OR length(v_email) NOT BETWEEN 3 AND 320
	    OR v_email !~ '^[^@[:space:]]+@[^@[:space:]]+$' THEN
		v_fields := v_fields || '{"email": "must be an e-mail address"}';
	END IF;
	IF length(v_name) > 200 THEN
		v_fields := v_fields || '{"name": "must be at most 200 characters"}';
	END IF;
	PERFORM encore.raise_if_invalid(v_fields);

	v_name := coalesce(v_name, split_part(v_email, '@', 1));
	v_role := CASE WHEN v_email = ANY (SELECT lower(btrim(e))
	    FROM unnest(coalesce(p_admin_emails, '{}')) e)
	    THEN 'admin' ELSE 'member' END;

	SELECT role INTO v_old_role FROM encore.members
	WHERE provider = p_provider AND subject = p_subject;
	INSERT INTO encore.members (provider, subject, email, name, role)
	VALUES (p_provider, p_subject, v_email, v_name, v_role)
	ON CONFLICT (provider, subject) DO UPDATE
	SET email = excluded.email, name = excluded.name,
	    role = excluded.role, last_login_at = now()
	RETURNING id INTO v_id;
	IF v_old_role IS DISTINCT FROM v_role THEN
		INSERT INTO encore.audit_log (entity, entity_id, action,
		    from_status, to_status, actor_id)
		VALUES ('member', v_id::text, CASE WHEN v_old_role IS NULL
		    THEN 'member.created' ELSE 'member.role_changed' END,
		    v_old_role, v_role, v_id);
	END IF;
	RETURN jsonb_build_object('member', encore.member_json(v_id));
END;
$$;

CREATE OR REPLACE FUNCTION encore.member_get(p_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_member	jsonb := encore.member_json(p_id);
BEGIN
	IF v_member IS NULL THEN
		PERFORM encore.raise_error(401, 'UNAUTHENTICATED',
		    'The member of this session no longer exists.');
	END IF;
	RETURN jsonb_build_object('member', v_member);
END;
$$;

-- Store a new refresh token (a login starts a family: p_family NULL).
CREATE OR REPLACE FUNCTION encore.refresh_token_issue(p_member_id bigint,
    p_hash bytea, p_ttl interval, p_family uuid DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_family	uuid := coalesce(p_family, gen_random_uuid());
	v_expires	timestamptz := now() + p_ttl;
BEGIN
	IF p_hash IS NULL OR octet_length(p_hash) <> 32 THEN
		PERFORM encore.raise_if_invalid(
		    '{"token": "must be a SHA-256 digest"}');
	END IF;
	IF p_ttl IS NULL OR p_ttl <= interval '0' THEN
		PERFORM encore.raise_if_invalid('{"ttl": "must be positive"}');
	END IF;
	IF NOT EXISTS (SELECT 1 FROM encore.members WHERE id = p_member_id) THEN
		PERFORM encore.raise_error(401, 'UNAUTHENTICATED',
		    'The member of this session no longer exists.');
	END IF;
	INSERT INTO encore.refresh_tokens (token_hash, family, member_id,
	    expires_at)
	VALUES (p_hash, v_family, p_member_id, v_expires);
	RETURN jsonb_build_object('family', v_family, 'expires_at', v_expires);
END;
$$;

CREATE OR REPLACE FUNCTION encore.refresh_token_rotate(p_old_hash bytea,
    p_new_hash bytea, p_ttl interval) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_t		encore.refresh_tokens;
	v_member	jsonb;
	v_issued	jsonb;
BEGIN
	SELECT * INTO v_t FROM encore.refresh_tokens
	WHERE token_hash = p_old_hash FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM encore.raise_error(401, 'UNAUTHENTICATED',
		    'Unknown refresh token.');
	END IF;
	IF v_t.rotated_at IS NOT NULL THEN
		UPDATE encore.refresh_tokens SET revoked_at = now()
		WHERE family = v_t.family AND revoked_at IS NULL;
		INSERT INTO encore.audit_log (entity, entity_id, action, actor_id,
		    data)
		VALUES ('member', v_t.member_id::text, 'refresh_token.reused',
		    v_t.member_id, jsonb_build_object('family', v_t.family));
		RETURN jsonb_build_object('error', 'REFRESH_TOKEN_REUSED',
		    'status', 401, 'message',
		    'This refresh token was already used; please log in again.');
	END IF;
	IF v_t.revoked_at IS NOT NULL OR v_t.expires_at <= now() THEN
		PERFORM encore.raise_error(401, 'UNAUTHENTICATED',
		    'The refresh token has expired or was revoked.');
	END IF;
	v_member := encore.member_json(v_t.member_id);
	IF v_member IS NULL THEN
		PERFORM encore.raise_error(401, 'UNAUTHENTICATED',
		    'The member of this session no longer exists.');
	END IF;
	UPDATE encore.refresh_tokens SET rotated_at = now()
	WHERE token_hash = p_old_hash;
	v_issued := encore.refresh_token_issue(v_t.member_id, p_new_hash, p_ttl,
	    v_t.family);
	RETURN jsonb_build_object('member', v_member) || v_issued;
END;
$$;

-- Logout: the token's whole family is revoked. Unknown tokens are fine.
CREATE OR REPLACE FUNCTION encore.refresh_token_revoke(p_hash bytea)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_n	integer;
BEGIN
	UPDATE encore.refresh_tokens SET revoked_at = now()
	WHERE family = (SELECT family FROM encore.refresh_tokens
	    WHERE token_hash = p_hash) AND revoked_at IS NULL;
	GET DIAGNOSTICS v_n = ROW_COUNT;
	RETURN jsonb_build_object('revoked', v_n);
END;
$$;

CREATE OR REPLACE FUNCTION encore.oauth_state_create(p_state text,
    p_verifier text, p_ttl interval) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_fields	jsonb := '{}';
BEGIN
	IF p_state IS NULL OR length(p_state) NOT BETWEEN 16 AND 256 THEN
		v_fields := v_fields || '{"state": "must be 16-256 characters"}';
	END IF;
	IF p_verifier IS NULL OR length(p_verifier) NOT BETWEEN 43 AND 128 THEN
		v_fields := v_fields
		    || '{"verifier": "must be 43-128 characters (RFC 7636)"}';
	END IF;
	IF p_ttl IS NULL OR p_ttl <= interval '0' THEN
		v_fields := v_fields || '{"ttl": "must be positive"}';
	END IF;
	PERFORM encore.raise_if_invalid(v_fields);
	-- Keep the table small: forget states that can no longer be used.
	DELETE FROM encore.oauth_states WHERE expires_at <= now();
	INSERT INTO encore.oauth_states (state, verifier, expires_at)
	VALUES (p_state, p_verifier, now() + p_ttl);
	RETURN jsonb_build_object('state', p_state,
	    'expires_at', now() + p_ttl);
END;
$$;

CREATE OR REPLACE FUNCTION encore.oauth_state_consume(p_state text)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_verifier	text;
	v_expires	timestamptz;
BEGIN
	DELETE FROM encore.oauth_states WHERE state = p_state
	RETURNING verifier, expires_at INTO v_verifier, v_expires;
	IF v_verifier IS NULL OR v_expires <= now() THEN
		PERFORM encore.raise_error(401, 'UNAUTHENTICATED',
		    'Unknown, used or expired login state.');
	END IF;
	RETURN jsonb_build_object('verifier', v_verifier);
END;
$$;
