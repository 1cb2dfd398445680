-- The transactional outbox and the audit log.
--
-- outbox: every state change other systems care about writes one row in the
-- same transaction as the change; the relay (RabbitMQ engineer) claims
-- unpublished rows with SKIP LOCKED, publishes, and marks them. The shape of
-- this table is a contract with the relay: change it only together.
--
-- audit_log: append-only history of every transition (who, what, from,
-- to). UPDATE, DELETE and TRUNCATE are refused by triggers.

CREATE TABLE encore.outbox (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	event_id	uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
	topic		text NOT NULL,
	aggregate_id	uuid NOT NULL,
	payload		jsonb NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	published_at	timestamptz
);
CREATE INDEX outbox_unpublished ON encore.outbox (id)
    WHERE published_at IS NULL;

CREATE TABLE encore.audit_log (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	occurred_at	timestamptz NOT NULL DEFAULT now(),
	entity		text NOT NULL CHECK (entity IN
			    ('member', 'concert', 'reservation', 'payment')),
	entity_id	text NOT NULL,
	action		text NOT NULL,
	from_status	text,
	to_status	text,
	actor_id	bigint,
	data		jsonb
);
CREATE INDEX audit_log_entity ON encore.audit_log (entity, entity_id);

CREATE FUNCTION encore.audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'encore.audit_log is append-only (% refused)', TG_OP
	    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_update_delete
    BEFORE UPDATE OR DELETE ON encore.audit_log
    FOR EACH ROW EXECUTE FUNCTION encore.audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON encore.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION encore.audit_log_append_only();
