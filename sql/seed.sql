-- The demo concert: created once, with the default arena layout, only when
-- the database has no concert at all (scripts/migrate.sh --seed). It starts
-- at 19:00 Seoul time, thirty days from now.
SELECT NOT EXISTS (SELECT 1 FROM encore.concerts) AS seed_needed \gset
\if :seed_needed
SELECT encore.concert_create('Encore: The Opening Night', 'Olympic Arena, Seoul',
    (date_trunc('day', now() AT TIME ZONE 'Asia/Seoul')
        + interval '30 days 19 hours') AT TIME ZONE 'Asia/Seoul', 50000, 4)
    IS NOT NULL AS seeded \gset
\echo seed: demo concert created
\endif
