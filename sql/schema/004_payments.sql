-- Payment attempts and the provider's events.
--
-- One row per paymentKey the provider gave us. The row is written
-- (IN_FLIGHT) before the provider is asked to confirm, so a crash between
-- the provider's approval and our commit leaves a trace the reconciler
-- finds (payments_in_flight). Statuses:
--   IN_FLIGHT       confirm sent (or about to be), outcome unknown
--   DONE            approved by the provider and applied: it paid the
--                   reservation whose payment_key points here
--   FAILED          the provider refused, aborted or expired it
--   REFUND_PENDING  approved, but the money must go back (owner cancelled a
--                   paid reservation, or the seats were gone after a late
--                   approval); the C side calls the provider's cancel
--   REFUNDED        the provider confirmed the cancel
--
-- provider_events makes webhook and reconciliation input idempotent: an
-- event identity is applied at most once.

CREATE TABLE encore.payments (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	payment_key	text NOT NULL UNIQUE
			    CHECK (length(payment_key) BETWEEN 1 AND 200),
	order_id	text NOT NULL REFERENCES encore.reservations (order_id),
	amount		bigint NOT NULL CHECK (amount > 0),
	status		text NOT NULL DEFAULT 'IN_FLIGHT' CHECK (status IN
			    ('IN_FLIGHT', 'DONE', 'FAILED', 'REFUND_PENDING',
			     'REFUNDED')),
	provider_status	text,
	method		text,
	approved_at	timestamptz,
	canceled_at	timestamptz,
	failure_code	text,
	failure_message	text,
	refund_reason	text,
	provider	jsonb,
	attempted_at	timestamptz NOT NULL DEFAULT now(),
	next_check_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (payment_key, order_id),
	CHECK (status NOT IN ('DONE', 'REFUND_PENDING')
	    OR approved_at IS NOT NULL),
	CHECK (status <> 'REFUND_PENDING' OR refund_reason IS NOT NULL),
	CHECK (status <> 'REFUNDED' OR canceled_at IS NOT NULL),
	CHECK (status <> 'FAILED' OR failure_code IS NOT NULL)
);
CREATE INDEX payments_order ON encore.payments (order_id);
CREATE INDEX payments_in_flight ON encore.payments (next_check_at)
    WHERE status IN ('IN_FLIGHT', 'REFUND_PENDING');

-- The paying attempt of a reservation must be an attempt for that order.
ALTER TABLE encore.reservations
    ADD CONSTRAINT reservations_paid_by
	FOREIGN KEY (payment_key, order_id)
	REFERENCES encore.payments (payment_key, order_id);

CREATE TABLE encore.provider_events (
	event_key	text PRIMARY KEY
			    CHECK (length(event_key) BETWEEN 1 AND 300),
	payment_key	text,
	order_id	text,
	status		text,
	payload		jsonb NOT NULL,
	outcome		text,
	received_at	timestamptz NOT NULL DEFAULT now()
);
