-- 1-4 random seats anywhere in the big section, random buyer.
\set m random(:mem_lo, :mem_hi)
\set n random(1, 4)
SELECT conc.try_hold_random(:m, :c, :rnd_lo, :rnd_hi, :n);
