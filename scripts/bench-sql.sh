#!/usr/bin/env bash
# Numbers, not a test: pgbench transactions/s of hold-by-id with 64 clients,
# SKIP LOCKED (encore.reservation_hold_seats) against the same function with
# a plain blocking SELECT ... FOR UPDATE (conc.reservation_hold_seats_blocking,
# bench/pgbench/conc_setup.sql), in the same run, on:
#   hot        2 adjacent seats at random in one 1,000-seat section
#   20 best    2 adjacent seats at random among its first 20 seats
#   none       each client in its own 50 seats of another section
# Reported: transactions/s and the 99th percentile latency. Each
# transaction holds and rolls back (the section never sells out, so
# every second of the run sees the same contention). Never fails on timing.
#
# Uses a scratch database "<PGDATABASE>_bench" on the server of the libpq
# variables, dropped at the end. BENCH_SECONDS (default 8) per case,
# BENCH_CLIENTS (default 64).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${PGDATABASE:?set PGHOST, PGPORT, PGUSER and PGDATABASE (source scripts/env.sh)}"
clients=${BENCH_CLIENTS:-64}
seconds=${BENCH_SECONDS:-8}
scratch="${PGDATABASE}_bench"
admin_db=$PGDATABASE
work=$(mktemp -d "${TMPDIR:-/tmp}/encore-bench.XXXXXX")

cleanup() {
	PGDATABASE=$admin_db psql -X -q -c "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
q() { PGDATABASE=$scratch psql -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"; }

PGDATABASE=$admin_db psql -X -q -c "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" >/dev/null 2>&1
PGDATABASE=$admin_db psql -X -q -c "CREATE DATABASE \"$scratch\"" >/dev/null
PGDATABASE=$scratch "$root/scripts/migrate.sh" >/dev/null
PGDATABASE=$scratch psql -X -q -v ON_ERROR_STOP=1 -f "$root/bench/pgbench/conc_setup.sql" >/dev/null
# The default 43,000-seat arena: how long one concert_create takes.
arena_ms=$(q "SELECT round(extract(epoch FROM clock_timestamp() - t0) * 1000)
    FROM (SELECT clock_timestamp() AS t0, encore.concert_create('Arena', 'bench',
        now() + interval '1 day', 50000, 4) AS c) s")
echo "default arena (43,000 seats) created in ${arena_ms} ms"
concert=$(q "SELECT encore.concert_create('Bench', 'pgbench hall', now() + interval '1 day',
    10000, 10, '{\"sections\": [
        {\"code\": \"HOT\", \"tier\": \"VIP\", \"rows\": 10, \"seats_per_row\": 100},
        {\"code\": \"COLD\", \"tier\": \"ECONOMY\", \"rows\": 20, \"seats_per_row\": 200}]}') #>> '{concert,id}'")
q "SELECT count(encore.member_upsert('dev', 'b' || i || '@bench', 'b' || i || '@bench', NULL, '{}'))
    FROM generate_series(1, $clients + 1) i" >/dev/null
mem_lo=$(q "SELECT min(id) - 1 FROM encore.members")
hot=$(q "SELECT min(id) FROM encore.seats WHERE concert_id = $concert AND section_code = 'HOT'")
cold=$(q "SELECT min(id) FROM encore.seats WHERE concert_id = $concert AND section_code = 'COLD'")
q "VACUUM ANALYZE" >/dev/null

run() {	# run FUNCTION LO SPAN OWN -> "tps latency_ms"
	PGDATABASE=$scratch PGOPTIONS='-c lock_timeout=10s' \
	pgbench -n -c "$clients" -j 2 -T "$seconds" \
	    -D fn="$1" -D lo="$2" -D span="$3" -D own="$4" -D c="$concert" -D mem_lo="$mem_lo" \
	    -l --log-prefix="$work/lat" \
	    -f "$root/bench/pgbench/bench_hold.sql" >"$work/out" 2>"$work/err" || {
		echo "pgbench failed:" >&2; cat "$work/err" >&2; exit 1; }
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/out")
	# Per-transaction log: the 3rd field is the latency in microseconds.
	p99=$(cat "$work"/lat.* | awk '{print $3}' | sort -n |
	    awk '{v[NR] = $1} END {i = int(NR * 0.99); if (i < 1) i = 1; printf "%.1f", v[i] / 1000}')
	rm -f "$work"/lat.*
	echo "$tps $p99"
}

echo "hold-by-id, $clients clients, ${seconds}s per case, 2 seats per hold (rolled back)"
printf '%-34s %24s %24s %10s\n' "contention" "SKIP LOCKED tps (p99 ms)" "FOR UPDATE tps (p99 ms)" "tps ratio"
for c in "hot 1,000-seat section|$hot|1000|0" "its 20 best seats|$hot|20|0" \
    "none (a private slice each)|$cold|0|1"; do
	IFS='|' read -r label lo span own <<<"$c"
	read -r s_tps s_lat < <(run try_hold_range "$lo" "$span" "$own")
	read -r b_tps b_lat < <(run try_hold_range_blocking "$lo" "$span" "$own")
	printf '%-34s %16.0f (%5.1f) %16.0f (%5.1f) %9.2fx\n' "$label" "$s_tps" "$s_lat" "$b_tps" "$b_lat" \
	    "$(echo "$s_tps / $b_tps" | bc -l)"
done
