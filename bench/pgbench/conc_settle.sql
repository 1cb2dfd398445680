-- Pay or cancel a pending reservation of a random buyer; sometimes refund
-- a paid one.
\set m random(:mem_lo, :mem_hi)
\set r random(1, 10)
SELECT conc.try_settle(:m, :r = 1);
