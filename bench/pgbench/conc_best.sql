-- Best available in the hot section, 1-4 seats, random buyer.
\set m random(:mem_lo, :mem_hi)
\set n random(1, 4)
SELECT conc.try_hold_best(:m, :c, 'H', :n);
