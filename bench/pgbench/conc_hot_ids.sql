-- A burst on the hot section: 1-3 adjacent seats by id, random buyer.
\set m random(:mem_lo, :mem_hi)
\set n random(1, 3)
\set s random(:hot_lo, :hot_hi - 2)
SELECT conc.try_hold_range(:m, :c, :s, :n);
