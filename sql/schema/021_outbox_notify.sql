-- Wake the relay when the outbox gets rows.
--
-- encore-relay LISTENs on channel encore_outbox and otherwise polls only
-- every ENCORE_RELAY_POLL_MS. A statement-level trigger sends one NOTIFY per
-- inserting statement; Postgres delivers it at COMMIT (never for a rolled
-- back transaction) and folds duplicates within a transaction, so a payment
-- costs one notification at most.

CREATE FUNCTION encore.outbox_notify_relay() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('encore_outbox', '');
	RETURN NULL;
END;
$$;

CREATE TRIGGER outbox_notify_relay
    AFTER INSERT ON encore.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION encore.outbox_notify_relay();
