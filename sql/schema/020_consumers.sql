-- What the RabbitMQ consumers write: their inbox, receipts, sales figures.
--
-- consumer_inbox: one row per (consumer, event_id) ever applied. Each
-- consume_* function inserts here first, in the same transaction as its
-- effect, so an event delivered twice (the relay publishes at least once,
-- RabbitMQ redelivers after a crash) has exactly one effect.
--
-- receipts (notifications consumer): what a member is told about their
-- reservations and payments, one per event, in Korean.
--
-- concert_sales (stats consumer): running sales figures per concert.
-- Events may arrive out of order (a retried event comes back later), so the
-- figures are sums of signed increments, never derived from "the previous
-- state", and may be negative for a moment.
--
-- These are projections of events, not owners of members or concerts, so
-- they carry ids without foreign keys: an event is never refused because
-- its projection tables and the domain tables disagree for a moment.

CREATE TABLE encore.consumer_inbox (
	consumer	text NOT NULL CHECK (consumer IN ('notifications', 'stats')),
	event_id	uuid NOT NULL,
	topic		text NOT NULL,
	result		text NOT NULL CHECK (result IN ('applied', 'ignored')),
	processed_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (consumer, event_id)
);

CREATE TABLE encore.receipts (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	member_id	bigint NOT NULL,
	reservation_id	uuid NOT NULL,
	event_id	uuid NOT NULL UNIQUE,
	kind		text NOT NULL CHECK (kind IN ('PAYMENT_SUCCEEDED',
			    'PAYMENT_REFUNDED', 'RESERVATION_CANCELLED',
			    'RESERVATION_EXPIRED')),
	title		text NOT NULL,
	body		text NOT NULL,
	amount		bigint NOT NULL CHECK (amount >= 0),
	occurred_at	timestamptz NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX receipts_member ON encore.receipts (member_id, occurred_at DESC, id DESC);

CREATE TABLE encore.concert_sales (
	concert_id	bigint PRIMARY KEY,
	tickets_sold	bigint NOT NULL DEFAULT 0,	-- net of refunds
	revenue		bigint NOT NULL DEFAULT 0,	-- KRW, net of refunds
	refunds		bigint NOT NULL DEFAULT 0,	-- tickets refunded
	refunded_amount	bigint NOT NULL DEFAULT 0,	-- KRW refunded
	updated_at	timestamptz NOT NULL DEFAULT now()
);
