-- scripts/bench-sql.sh: one hold of 2 adjacent seats by id, rolled back so
-- the section never sells out and every run sees the same contention.
-- Each client is its own member (no cap-lock waits): the seat locks are
-- what is measured. :fn is try_hold_range (SKIP LOCKED) or
-- try_hold_range_blocking (plain FOR UPDATE); :span is how many seats the
-- clients aim at (1000 = the whole hot section, 100 = its front row), and
-- :own = 1 gives each client a private slice (no contention).
\set slice :client_id * 50
\set s CASE WHEN :own = 1 THEN :lo + :slice + random(0, 48) ELSE random(:lo, :lo + :span - 2) END
BEGIN;
SELECT conc.:fn(:mem_lo + :client_id, :c, :s, 2);
ROLLBACK;
