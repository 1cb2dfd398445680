-- Members and their login state: who may buy, refresh-token families,
-- and the short-lived OAuth state (PKCE verifier) of a login in progress.
--
-- A member is identified by (provider, subject): "google" + the Google
-- subject, or "dev" + the email for the development login. The role is
-- recomputed at every login from the admin e-mail setting, so it is stored
-- but never trusted longer than one session.

CREATE TABLE encore.members (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	provider	text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9_-]{0,31}$'),
	subject		text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
	email		text NOT NULL CHECK (length(email) BETWEEN 3 AND 320
			    AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	role		text NOT NULL DEFAULT 'member'
			    CHECK (role IN ('member', 'admin')),
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_login_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (provider, subject)
);

-- Refresh tokens are stored as the SHA-256 of the token (computed by the C
-- side), never in clear. A login starts a family; each rotation marks the
-- old token rotated and adds its successor to the same family. Presenting
-- a rotated token again is a theft signal: the whole family is revoked.
CREATE TABLE encore.refresh_tokens (
	token_hash	bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
	family		uuid NOT NULL,
	member_id	bigint NOT NULL REFERENCES encore.members (id),
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	rotated_at	timestamptz,
	revoked_at	timestamptz,
	CHECK (expires_at > created_at)
);
CREATE INDEX refresh_tokens_family ON encore.refresh_tokens (family);
CREATE INDEX refresh_tokens_member ON encore.refresh_tokens (member_id);

-- OAuth state of a login in progress: consumed exactly once.
CREATE TABLE encore.oauth_states (
	state		text PRIMARY KEY CHECK (length(state) BETWEEN 16 AND 256),
	verifier	text NOT NULL CHECK (length(verifier) BETWEEN 43 AND 128),
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	CHECK (expires_at > created_at)
);
CREATE INDEX oauth_states_expires ON encore.oauth_states (expires_at);
