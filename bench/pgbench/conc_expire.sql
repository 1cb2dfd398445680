-- The expiry sweep, running alongside the buyers.
SELECT encore.holds_expire(200);
