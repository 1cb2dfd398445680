#!/usr/bin/env bash
# bench/pgbench.sh: the on-sale's SQL functions driven directly by pgbench,
# with as many connections as the app itself uses (kore workers x
# ENCORE_DB_POOL_SIZE = 2 x 8 = 16), to see what HTTP costs on top.
#
# Same workload as bench/wrk/onsale.lua: 2-seat holds, 3 in 4 by a random
# seat id and its neighbour (encore.reservation_hold_seats), 1 in 4 best
# available in a random section (encore.reservation_hold_best), on a fresh
# 100,000-seat concert, each client going round its own members. Holds are
# committed, as over HTTP. The refusals (409 and friends) are turned into a
# result by the wrappers of bench/pgbench/conc_setup.sql (pgbench would
# otherwise abort the client); anything else aborts the run.
#
# Runs in a scratch database "<PGDATABASE>_pgbench" on the stack's server
# (dropped at the end), so the app's own data stays untouched. Writes
# $BENCH_OUT/parts/pgbench.json.
set -euo pipefail

# The bench stack unless told otherwise (scripts/bench.sh sets it).
export ENCORE_STACK=${ENCORE_STACK:-bench} ENCORE_PORT_OFFSET=${ENCORE_PORT_OFFSET:-5}
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
. "$ENCORE_ROOT/bench/lib.sh"

secs=${BENCH_SECONDS:-15}
clients=${BENCH_PGBENCH_CLIENTS:-$((2 * ${ENCORE_DB_POOL_SIZE:-8}))}
members_per_client=${BENCH_PGBENCH_MEMBERS:-500}
scratch="${PGDATABASE}_pgbench"
work=$BENCH_OUT/pgbench
admin_db=$PGDATABASE
mkdir -p "$work"
rm -f "$work"/lat.*

drop_scratch() {
	PGDATABASE=$admin_db psql -X -q -c "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" >/dev/null 2>&1 || true
}
trap drop_scratch EXIT
q() { PGDATABASE=$scratch sql "$1"; }

blog "pgbench: preparing scratch database $scratch"
drop_scratch
PGDATABASE=$admin_db psql -X -q -c "CREATE DATABASE \"$scratch\"" >/dev/null
PGDATABASE=$scratch "$ENCORE_ROOT/scripts/migrate.sh" >/dev/null
PGDATABASE=$scratch psql -X -q -v ON_ERROR_STOP=1 \
    -f "$ENCORE_ROOT/bench/pgbench/conc_setup.sql" >/dev/null
# The layout of bench/setup.mjs "big": 25 sections A-Y of 20 x 200 seats.
concert=$(q "SELECT encore.concert_create('Bench pgbench', 'Bench Hall',
    now() + interval '30 days', 50000, 10, (SELECT jsonb_build_object('sections',
        jsonb_agg(jsonb_build_object('code', chr(65 + i),
            'tier', CASE WHEN i < 5 THEN 'VIP' WHEN i < 12 THEN 'STANDARD' ELSE 'ECONOMY' END,
            'rows', 20, 'seats_per_row', 200) ORDER BY i))
        FROM generate_series(0, 24) i)) #>> '{concert,id}'")
q "SELECT count(encore.member_upsert('dev', 'pgb' || i, 'pgb' || i || '@bench.example',
    'pgb' || i, '{}')) FROM generate_series(1, $((clients * members_per_client))) i" >/dev/null
mem_lo=$(q "SELECT min(id) FROM encore.members WHERE email LIKE 'pgb%@bench.example'")
read -r seat_lo seat_hi < <(q "SELECT min(id), max(id) FROM encore.seats WHERE concert_id = $concert" | tr '|' ' ')
q "VACUUM ANALYZE" >/dev/null

# The transaction script. pgbench's client_id is 0-based; client c goes
# round members mem_lo + c, mem_lo + c + clients, ...
cat >"$work/onsale.sql" <<'SQL'
\set k random(0, :per_client - 1)
\set m :mem_lo + :client_id + :clients * :k
\set pick random(1, 100)
\if :pick <= 25
\set sec random(0, 24)
SELECT conc.try_hold_best(:m, :c, chr(65 + :sec), 2);
\else
\set s random(:seat_lo, :seat_hi - 1)
SELECT conc.try_hold_range(:m, :c, :s, 2);
\endif
SQL

blog "pgbench: $clients clients for ${secs}s on concert $concert"
PGDATABASE=$scratch pgbench -n -M extended -c "$clients" -j 2 -T "$secs" \
    -D c="$concert" -D mem_lo="$mem_lo" -D clients="$clients" \
    -D per_client="$members_per_client" -D seat_lo="$seat_lo" -D seat_hi="$seat_hi" \
    -l --log-prefix="$work/lat" -f "$work/onsale.sql" >"$work/out.txt" 2>"$work/err.txt" || {
	blog "pgbench failed:"; tail -5 "$work/err.txt" >&2; exit 1; }

tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/out.txt")
xacts=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/out.txt")
failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$work/out.txt")
# Per-transaction log: the 3rd field is the latency in microseconds.
lat=$(cat "$work"/lat.* | awk '{print $3}' | sort -n | awk '
    { v[NR] = $1 }
    function at(p,  i) { i = int(NR * p); if (i < 1) i = 1; return v[i] / 1000 }
    END { printf "{\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"max\": %.3f}", at(0.5), at(0.9), at(0.99), v[NR] / 1000 }')
rm -f "$work"/lat.*
inv=$(PGDATABASE=$scratch invariants_json "$concert")
held=$(q "SELECT count(*) FROM encore.reservations WHERE concert_id = $concert")

jqn --argjson tps "$tps" --argjson n "$xacts" --argjson failed "${failed:-0}" \
    --argjson clients "$clients" --argjson secs "$secs" --argjson lat "$lat" \
    --argjson inv "$inv" --argjson held "$held" '
    {clients: $clients, seconds: $secs, transactions: $n, failed: $failed,
     decided_per_s: $tps, held: $held, refused: ($n - $held), latency_ms: $lat,
     invariants: $inv,
     protocol: "extended (as the app: PQsendQueryParams)"}' >"$BENCH_PARTS/pgbench.json"
jq -r '"  \(.decided_per_s | floor) decided/s (held \(.held), refused \(.refused)), p50 \(.latency_ms.p50) ms, p99 \(.latency_ms.p99) ms"' \
    "$BENCH_PARTS/pgbench.json" >&2
