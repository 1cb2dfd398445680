-- Reservations and the seats they claim.
--
-- Life of a reservation:
--   PENDING  --pay-->  PAID  --refund-->  REFUNDED
--   PENDING  --owner cancels-->  CANCELLED
--   PENDING  --hold passes expires_at-->  EXPIRED
--   EXPIRED  --late payment, seats still free-->  PAID
-- The CHECKs tie each status to the timestamps and keys it implies.
--
-- reservation_seats lists what a reservation asked for (with the price it
-- was charged); seats.reservation_id says who owns a seat right now. The
-- foreign key from seats (reservation_id, id) to reservation_seats means a
-- seat can only be owned by a reservation that lists it, and the one from
-- seats (reservation_id, concert_id) means only by a reservation of the
-- same concert.

CREATE TABLE encore.reservations (
	id			uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	member_id		bigint NOT NULL REFERENCES encore.members (id),
	concert_id		bigint NOT NULL REFERENCES encore.concerts (id),
	order_id		text NOT NULL UNIQUE
				    CHECK (order_id ~ '^[A-Za-z0-9_-]{6,64}$'),
	order_name		text NOT NULL
				    CHECK (length(order_name) BETWEEN 1 AND 100),
	amount			bigint NOT NULL CHECK (amount > 0),
	seat_count		integer NOT NULL CHECK (seat_count BETWEEN 1 AND 10),
	status			text NOT NULL DEFAULT 'PENDING' CHECK (status IN
				    ('PENDING', 'PAID', 'EXPIRED', 'CANCELLED',
				     'REFUNDED')),
	created_at		timestamptz NOT NULL DEFAULT now(),
	expires_at		timestamptz NOT NULL,
	payment_key		text UNIQUE,
	paid_at			timestamptz,
	cancelled_at		timestamptz,
	expired_at		timestamptz,
	refund_requested_at	timestamptz,
	refunded_at		timestamptz,
	UNIQUE (id, concert_id),
	CHECK (expires_at > created_at),
	CONSTRAINT reservations_status_consistent CHECK (
	    (status = 'PENDING' AND payment_key IS NULL AND paid_at IS NULL
	        AND cancelled_at IS NULL AND refunded_at IS NULL
	        AND refund_requested_at IS NULL)
	    OR (status = 'EXPIRED' AND payment_key IS NULL AND paid_at IS NULL
	        AND expired_at IS NOT NULL AND refund_requested_at IS NULL)
	    OR (status = 'CANCELLED' AND payment_key IS NULL AND paid_at IS NULL
	        AND cancelled_at IS NOT NULL AND refund_requested_at IS NULL)
	    OR (status = 'PAID' AND payment_key IS NOT NULL
	        AND paid_at IS NOT NULL AND refunded_at IS NULL)
	    OR (status = 'REFUNDED' AND payment_key IS NOT NULL
	        AND paid_at IS NOT NULL AND refunded_at IS NOT NULL))
);
CREATE INDEX reservations_member ON encore.reservations
    (member_id, created_at DESC);
CREATE INDEX reservations_cap ON encore.reservations
    (concert_id, member_id) WHERE status IN ('PENDING', 'PAID');
CREATE INDEX reservations_pending_expiry ON encore.reservations (expires_at)
    WHERE status = 'PENDING';

CREATE TABLE encore.reservation_seats (
	reservation_id	uuid NOT NULL REFERENCES encore.reservations (id),
	seat_id		bigint NOT NULL REFERENCES encore.seats (id),
	price		bigint NOT NULL CHECK (price > 0),
	PRIMARY KEY (reservation_id, seat_id)
);
CREATE INDEX reservation_seats_seat ON encore.reservation_seats (seat_id);

ALTER TABLE encore.seats
    ADD CONSTRAINT seats_owner_listed
	FOREIGN KEY (reservation_id, id)
	REFERENCES encore.reservation_seats (reservation_id, seat_id),
    ADD CONSTRAINT seats_owner_same_concert
	FOREIGN KEY (reservation_id, concert_id)
	REFERENCES encore.reservations (id, concert_id);
