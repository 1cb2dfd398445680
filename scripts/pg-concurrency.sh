#!/usr/bin/env bash
# The ticketing core under real concurrency: pgbench drives the hold, pay,
# cancel and expiry functions from 64 clients at once, then SQL checks the
# invariants. Prints a summary, ends with "N passed, M failed", exits
# non-zero on any failure. Takes ~30 s (CONC_SECONDS of load, default 15).
#
# Works in a scratch database "<PGDATABASE>_conc" on the server that the
# libpq variables (PGHOST, PGPORT, PGUSER, PGDATABASE) point at; it is
# created from empty by scripts/migrate.sh (run twice: migrations on an
# empty database and again over an existing one) and dropped at the end.
#
# Load (weights): hold by id in a 100-seat hot section (4), random seats of
# a 2,000-seat section (2), best available in the hot section (2), 8
# members firing in parallel against their cap (2), pay/cancel/refund (2),
# holds_expire (1). Holds last 2 s, so expiry races the buyers and payers.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${PGDATABASE:?set PGHOST, PGPORT, PGUSER and PGDATABASE (source scripts/env.sh)}"
clients=${CONC_CLIENTS:-64}
seconds=${CONC_SECONDS:-15}
members=500
scratch="${PGDATABASE}_conc"
admin_db=$PGDATABASE
work=$(mktemp -d "${TMPDIR:-/tmp}/encore-conc.XXXXXX")
passed=0
failed=0

cleanup() {
	PGDATABASE=$admin_db psql -X -q -c "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
[ "${CONC_KEEP:-}" = 1 ] && trap 'rm -rf "$work"' EXIT

check() {	# check NAME VALUE EXPECTED
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1)); printf '  ok    %-58s %s\n' "$1" "$2"
	else
		failed=$((failed + 1)); printf '  FAIL  %-58s got %s, want %s\n' "$1" "$2" "$3"
	fi
}
q() { PGDATABASE=$scratch psql -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"; }

echo "== scratch database $scratch"
PGDATABASE=$admin_db psql -X -q -c "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" >/dev/null 2>&1
PGDATABASE=$admin_db psql -X -q -c "CREATE DATABASE \"$scratch\"" >/dev/null
PGDATABASE=$scratch "$root/scripts/migrate.sh" >/dev/null
n1=$(q "SELECT count(*) FROM encore.schema_migrations")
PGDATABASE=$scratch "$root/scripts/migrate.sh" --seed >/dev/null
n2=$(q "SELECT count(*) FROM encore.schema_migrations")
check "migrations apply on an empty database" "$n1" "$(find "$root/sql/schema" -maxdepth 1 -name '[0-9][0-9][0-9]_*.sql' | wc -l)"
check "migrations apply again over an existing one" "$n2" "$n1"
PGDATABASE=$scratch psql -X -q -v ON_ERROR_STOP=1 -f "$root/bench/pgbench/conc_setup.sql" >/dev/null

concert=$(q "SELECT (encore.concert_create('Concurrency', 'pgbench hall',
    now() + interval '1 day', 10000, 4,
    '{\"sections\": [
        {\"code\": \"H\", \"tier\": \"VIP\", \"price\": 30000, \"rows\": 5, \"seats_per_row\": 20},
        {\"code\": \"R\", \"tier\": \"ECONOMY\", \"rows\": 20, \"seats_per_row\": 100}]}',
    interval '2 seconds') -> 'concert' ->> 'id')")
q "SELECT count(encore.member_upsert('dev', 'buyer' || i || '@conc.test',
    'buyer' || i || '@conc.test', NULL, '{}')) FROM generate_series(1, $members) i" >/dev/null
read -r mem_lo mem_hi < <(q "SELECT min(id), max(id) FROM encore.members" | tr '|' ' ')
read -r hot_lo hot_hi < <(q "SELECT min(id), max(id) FROM encore.seats WHERE concert_id = $concert AND section_code = 'H'" | tr '|' ' ')
read -r rnd_lo rnd_hi < <(q "SELECT min(id), max(id) FROM encore.seats WHERE concert_id = $concert AND section_code = 'R'" | tr '|' ' ')
deadlocks0=$(q "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")

echo "== no waiting: one buyer's uncommitted claim, three others at once (lock_timeout 200ms)"
PGDATABASE=$scratch psql -X -q -c "BEGIN; SELECT encore.reservation_hold_seats($mem_lo, $concert, ARRAY[$hot_lo]::bigint[]);
    SELECT pg_sleep(3); ROLLBACK;" >/dev/null &
holder=$!
sleep 0.5
quick() { PGOPTIONS='-c lock_timeout=200ms' q "$1" 2>&1 || true; }
check "the same seat: 409 SEATS_UNAVAILABLE at once" \
    "$(quick "SELECT conc.try_hold_range($((mem_lo + 1)), $concert, $hot_lo, 1)")" SEATS_UNAVAILABLE
check "best available in that section: other seats, at once" \
    "$(quick "SELECT encore.reservation_hold_best($((mem_lo + 2)), $concert, 'H', 2) #>> '{reservation,status}'")" PENDING
check "holds_expire meanwhile: runs, at once" "$(quick "SELECT encore.holds_expire(10) ? 'expired'")" t
check "(control: a blocking FOR UPDATE variant would wait: lock timeout)" \
    "$(quick "SELECT conc.try_hold_range_blocking($((mem_lo + 3)), $concert, $hot_lo, 1)" | grep -c 'lock timeout')" 1
wait "$holder"

echo "== pgbench: $clients clients, ${seconds}s, concert $concert, members $mem_lo-$mem_hi"
b=$root/bench/pgbench
set +e
PGDATABASE=$scratch PGOPTIONS='-c lock_timeout=5s -c statement_timeout=20s' \
pgbench -n -c "$clients" -j 4 -T "$seconds" -r \
    -D c="$concert" -D mem_lo="$mem_lo" -D mem_hi="$mem_hi" \
    -D hot_lo="$hot_lo" -D hot_hi="$hot_hi" -D rnd_lo="$rnd_lo" -D rnd_hi="$rnd_hi" \
    -f "$b/conc_hot_ids.sql@4" -f "$b/conc_random_ids.sql@2" \
    -f "$b/conc_best.sql@2" -f "$b/conc_same_member.sql@2" \
    -f "$b/conc_settle.sql@2" -f "$b/conc_expire.sql@1" \
    >"$work/pgbench.out" 2>"$work/pgbench.err"
rc=$?
set -e
grep -E '^(number of (transactions|failed)|tps|latency average|SQL script [0-9]+:| - number of transactions)' "$work/pgbench.out" | sed 's/^/  /'
txns=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pgbench.out")
check "pgbench finished, no client aborted (exit status)" "$rc" 0
check "no deadlock / lock timeout / statement timeout errors" \
    "$(grep -c -i -E 'deadlock|lock timeout|lock_timeout|statement timeout|canceling statement' "$work/pgbench.err" || true)" 0
check "no other error reported by pgbench" "$(grep -c -i 'error' "$work/pgbench.err" || true)" 0
check "thousands of transactions (>= 2000)" "$([ "${txns:-0}" -ge 2000 ] && echo yes || echo "no (${txns:-0})")" yes
check "deadlocks counted by the server" \
    "$(q "SELECT deadlocks - $deadlocks0 FROM pg_stat_database WHERE datname = current_database()")" 0
if [ -s "$work/pgbench.err" ]; then sed -n '1,10p' "$work/pgbench.err" | sed 's/^/  pgbench: /'; fi

echo "== invariants (right after the load, holds still live)"
invariants() {
	check "no seat in two live reservations" "$(q "
	    SELECT count(*) FROM (SELECT rs.seat_id FROM encore.reservation_seats rs
	    JOIN encore.reservations r ON r.id = rs.reservation_id
	    WHERE r.status = 'PAID' OR (r.status = 'PENDING' AND r.expires_at > now())
	    GROUP BY rs.seat_id HAVING count(*) > 1) x")" 0
	check "every SOLD seat belongs to a PAID reservation" "$(q "
	    SELECT count(*) FROM encore.seats s
	    LEFT JOIN encore.reservations r ON r.id = s.reservation_id
	    WHERE s.status = 'SOLD' AND r.status IS DISTINCT FROM 'PAID'")" 0
	check "every live HELD seat belongs to its PENDING reservation" "$(q "
	    SELECT count(*) FROM encore.seats s
	    LEFT JOIN encore.reservations r ON r.id = s.reservation_id
	    WHERE s.status = 'HELD' AND s.hold_expires_at > now()
	        AND (r.status IS DISTINCT FROM 'PENDING'
	            OR r.expires_at IS DISTINCT FROM s.hold_expires_at)")" 0
	check "every seat of a PAID reservation is SOLD to it" "$(q "
	    SELECT count(*) FROM encore.reservations r
	    JOIN encore.reservation_seats rs ON rs.reservation_id = r.id
	    JOIN encore.seats s ON s.id = rs.seat_id
	    WHERE r.status = 'PAID' AND (s.status <> 'SOLD'
	        OR s.reservation_id IS DISTINCT FROM r.id)")" 0
	check "every seat of a live PENDING reservation is HELD by it" "$(q "
	    SELECT count(*) FROM encore.reservations r
	    JOIN encore.reservation_seats rs ON rs.reservation_id = r.id
	    JOIN encore.seats s ON s.id = rs.seat_id
	    WHERE r.status = 'PENDING' AND r.expires_at > now()
	        AND (s.status <> 'HELD' OR s.reservation_id IS DISTINCT FROM r.id)")" 0
	check "no member over the cap (PENDING live + PAID)" "$(q "
	    SELECT count(*) FROM (SELECT r.member_id FROM encore.reservations r
	    JOIN encore.concerts c ON c.id = r.concert_id
	    WHERE r.status = 'PAID' OR (r.status = 'PENDING' AND r.expires_at > now())
	    GROUP BY r.concert_id, r.member_id, c.max_tickets_per_member
	    HAVING sum(r.seat_count) > c.max_tickets_per_member) x")" 0
	check "amount = sum of seat prices, seat_count = seats listed" "$(q "
	    SELECT count(*) FROM encore.reservations r
	    JOIN (SELECT reservation_id, sum(price) p, count(*) n
	        FROM encore.reservation_seats GROUP BY reservation_id) t
	        ON t.reservation_id = r.id
	    WHERE r.amount <> t.p OR r.seat_count <> t.n")" 0
	# A late approval refunded because its seats were gone reads REFUNDED
	# without ever having been sold: it has no payment.succeeded.
	check "one payment.succeeded event per paid reservation" "$(q "
	    SELECT count(*) FROM encore.reservations r
	    WHERE r.status IN ('PAID', 'REFUNDED') AND (SELECT count(*)
	        FROM encore.outbox o WHERE o.aggregate_id = r.id
	            AND o.topic = 'payment.succeeded')
	        <> CASE WHEN EXISTS (SELECT 1 FROM encore.audit_log a
	            WHERE a.entity = 'reservation' AND a.entity_id = r.id::text
	                AND a.action = 'reservation.refunded'
	                AND a.from_status IN ('PENDING', 'EXPIRED'))
	            THEN 0 ELSE 1 END")" 0
	check "every PAID/REFUNDED reservation has a DONE/refunded payment" "$(q "
	    SELECT count(*) FROM encore.reservations r
	    JOIN encore.payments p ON p.payment_key = r.payment_key
	    WHERE (r.status = 'PAID' AND p.status NOT IN ('DONE', 'REFUND_PENDING'))
	        OR (r.status = 'REFUNDED' AND p.status <> 'REFUNDED')")" 0
}
invariants

echo "== activity"
q "SELECT status, count(*) FROM encore.reservations GROUP BY status ORDER BY status" | sed 's/^/  reservations /'
q "SELECT status, count(*) FROM encore.seats WHERE concert_id = $concert GROUP BY status ORDER BY status" | sed 's/^/  seats /'
q "SELECT status, count(*) FROM encore.payments GROUP BY status ORDER BY status" | sed 's/^/  payments /'
check "every refund the functions asked for was completed" "$(q "
    SELECT count(*) FROM encore.payments WHERE status = 'REFUND_PENDING'")" 0
check "the run exercised holds, payments, expiry and refunds" "$(q "
    SELECT count(DISTINCT status) FILTER (WHERE status IN
        ('PAID', 'EXPIRED', 'CANCELLED', 'REFUNDED'))
    FROM encore.reservations")" 4

echo "== after every hold has passed and holds_expire drained them"
sleep 2.2
while [ "$(q "SELECT (encore.holds_expire(1000) ->> 'released')::int + 0 > 0 OR EXISTS (SELECT 1 FROM encore.reservations WHERE status = 'PENDING' AND expires_at <= now())")" = t ]; do :; done
check "no PENDING reservation and no HELD seat left" "$(q "
    SELECT (SELECT count(*) FROM encore.reservations WHERE status = 'PENDING')
        + (SELECT count(*) FROM encore.seats WHERE status = 'HELD')")" 0
check "available + sold = all seats of the concert" "$(q "
    SELECT count(*) FILTER (WHERE status IN ('AVAILABLE', 'SOLD')) = count(*)
        AND count(*) FILTER (WHERE status = 'SOLD') = (SELECT coalesce(sum(seat_count), 0)
            FROM encore.reservations WHERE status = 'PAID' AND concert_id = $concert)
    FROM encore.seats WHERE concert_id = $concert")" t
check "concert_get availability agrees with the seats" "$(q "
    SELECT (encore.concert_get($concert) -> 'concert' ->> 'seats_available')::int
        = (SELECT count(*) FROM encore.seats WHERE concert_id = $concert AND status = 'AVAILABLE')")" t
invariants

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
