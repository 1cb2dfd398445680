-- Concerts, their sections and their seats.
--
-- A seat is the unit that is sold. Its status is one of three, and the
-- CHECK below makes the other columns follow it, so no caller can leave a
-- seat half-held:
--   AVAILABLE  no owner, no hold expiry
--   HELD       owned by a PENDING reservation until hold_expires_at; once
--              that moment has passed the seat reads AVAILABLE and may be
--              taken by anyone, even before holds_expire() sweeps it
--   SOLD       owned by a PAID reservation, no expiry
-- The owner reference is added in 003 (reservations do not exist yet).
--
-- Availability counts are derived from the seats themselves (see the
-- seats_taken index) instead of counters on the concert or section rows:
-- a counter would be one hot row that every buyer of a concert must update
-- and wait on, which is exactly the contention SKIP LOCKED avoids.

CREATE TABLE encore.concerts (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	title			text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
	venue			text NOT NULL CHECK (length(venue) BETWEEN 1 AND 200),
	starts_at		timestamptz NOT NULL,
	base_price		bigint NOT NULL CHECK (base_price BETWEEN 1 AND 10000000),
	max_tickets_per_member	integer NOT NULL
				    CHECK (max_tickets_per_member BETWEEN 1 AND 10),
	hold_ttl		interval NOT NULL DEFAULT '10 minutes'
				    CHECK (hold_ttl BETWEEN '1 second' AND '1 hour'),
	created_at		timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE encore.sections (
	concert_id	bigint NOT NULL REFERENCES encore.concerts (id),
	code		text NOT NULL CHECK (code ~ '^[A-Z][A-Z0-9]{0,7}$'),
	tier		text NOT NULL CHECK (tier ~ '^[A-Z][A-Z0-9_]{0,31}$'),
	price		bigint NOT NULL CHECK (price BETWEEN 1 AND 100000000),
	rows		integer NOT NULL CHECK (rows BETWEEN 1 AND 26),
	seats_per_row	integer NOT NULL CHECK (seats_per_row BETWEEN 1 AND 200),
	position	integer NOT NULL CHECK (position >= 0),
	PRIMARY KEY (concert_id, code),
	UNIQUE (concert_id, position)
);

CREATE TABLE encore.seats (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	concert_id	bigint NOT NULL,
	section_code	text NOT NULL,
	row		text NOT NULL CHECK (row ~ '^[a-z]$'),
	number		integer NOT NULL CHECK (number BETWEEN 1 AND 200),
	price		bigint NOT NULL CHECK (price > 0),
	status		text NOT NULL DEFAULT 'AVAILABLE'
			    CHECK (status IN ('AVAILABLE', 'HELD', 'SOLD')),
	reservation_id	uuid,
	hold_expires_at	timestamptz,
	FOREIGN KEY (concert_id, section_code)
	    REFERENCES encore.sections (concert_id, code),
	UNIQUE (concert_id, section_code, row, number),
	CONSTRAINT seats_status_consistent CHECK (
	    (status = 'AVAILABLE' AND reservation_id IS NULL
	        AND hold_expires_at IS NULL)
	    OR (status = 'HELD' AND reservation_id IS NOT NULL
	        AND hold_expires_at IS NOT NULL)
	    OR (status = 'SOLD' AND reservation_id IS NOT NULL
	        AND hold_expires_at IS NULL))
);

-- Seats that are not plainly AVAILABLE: small while a concert sells, and
-- enough (index-only) to derive availability per section.
CREATE INDEX seats_taken ON encore.seats
    (concert_id, section_code, status, hold_expires_at)
    WHERE status <> 'AVAILABLE';
-- The expiry sweep walks holds in expiry order.
CREATE INDEX seats_hold_expiry ON encore.seats (hold_expires_at)
    WHERE status = 'HELD';
CREATE INDEX seats_reservation ON encore.seats (reservation_id)
    WHERE reservation_id IS NOT NULL;
