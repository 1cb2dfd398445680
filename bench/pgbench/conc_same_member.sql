-- A handful of members firing in parallel (the cap under contention):
-- by id in the hot section or best available.
\set m random(:mem_lo, :mem_lo + 7)
\set n random(1, 3)
\set s random(:hot_lo, :hot_hi - 2)
SELECT conc.try_hold_range(:m, :c, :s, :n);
SELECT conc.try_hold_best(:m, :c, 'H', :n);
