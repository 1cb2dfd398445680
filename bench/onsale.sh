#!/usr/bin/env bash
# bench/onsale.sh: the hot on-sale through HTTP, at several concurrencies.
#
# For each level of BENCH_LEVELS (connections), a fresh concert of 100,000
# seats (bench/setup.mjs concert big, cap 10 a member) and a wrk run of
# BENCH_SECONDS with bench/wrk/onsale.lua: holds of 2 seats, by random ids
# (3 in 4) or best available (1 in 4), each request as a member whose token
# was minted through dev login beforehand (BENCH_TOKENS_FILE). Then the
# invariants of that concert, checked in SQL (bench/lib.sh). Each level's
# concert is ANALYZEd before the run; one more run first (BENCH_COLD_*)
# measures a concert created right after an ANALYZE, whose seats Postgres
# has no statistics on yet.
#
# Writes $BENCH_OUT/parts/onsale.json. Needs a running stack (scripts/env.sh
# of it in the environment: scripts/bench.sh starts one).
set -euo pipefail

# The bench stack unless told otherwise (scripts/bench.sh sets it).
export ENCORE_STACK=${ENCORE_STACK:-bench} ENCORE_PORT_OFFSET=${ENCORE_PORT_OFFSET:-5}
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
. "$ENCORE_ROOT/bench/lib.sh"

levels=${BENCH_LEVELS:-50 200 800 2000}
secs=${BENCH_SECONDS:-15}
cold_conns=${BENCH_COLD_CONNECTIONS:-200}
cold_secs=${BENCH_COLD_SECONDS:-10}
tokens=${BENCH_TOKENS_FILE:?BENCH_TOKENS_FILE: the file of access tokens}
work=$BENCH_OUT/onsale
mkdir -p "$work"
raise_nofile

# Requests wrk left in flight when it stopped still run: wait (15 s at
# most) until no hold is running, so that they neither overlap the next
# level nor escape the invariants.
settle() {
	local i
	for i in $(seq 1 30); do
		[ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		    AND state = 'active' AND query LIKE '%reservation_hold%' AND pid <> pg_backend_pid()")" = 0 ] && return 0
		sleep 0.5
	done
}

# level NAME CONNECTIONS SECONDS ANALYZE: one wrk run on a fresh concert,
# its seats ANALYZEd "after" it was created, or "before" (Postgres knows
# every concert but this one); its summary in $work/NAME.level.json.
level() {
	local name=$1 conns=$2 secs=$3 analyze=$4 concert id sections lo hi inv est
	[ "$analyze" != before ] || sql "ANALYZE encore.seats" >/dev/null
	concert=$(setup_node concert big)
	id=$(jq -r .id <<<"$concert")
	sections=$(jq -r '.sections | join(",")' <<<"$concert")
	read -r lo hi < <(sql "SELECT min(id), max(id) FROM encore.seats WHERE concert_id = $id" | tr '|' ' ')
	[ "$analyze" != after ] || sql "ANALYZE encore.seats" >/dev/null
	# What the planner believes this concert has (100,000 in truth).
	est=$(sql "EXPLAIN (FORMAT JSON) SELECT 1 FROM encore.seats WHERE concert_id = $id" |
	    jq '.[0].Plan["Plan Rows"]')
	blog "on-sale: $conns connections for ${secs}s on concert $id (seats $lo..$hi, ANALYZE first: $analyze)"
	TOKENS_FILE=$tokens CONCERT_ID=$id SEAT_LO=$lo SEAT_HI=$hi SECTIONS=$sections \
	    run_wrk "$work/$name.json" "$conns" "$secs" onsale.lua "$ENCORE_BASE_URL"
	settle
	inv=$(invariants_json "$id")
	jq -c --argjson inv "$inv" --argjson concert "$id" --argjson est "$est" '
	    (.status["201"] // 0) as $held | (.status["409"] // 0) as $refused |
	    . + {concert_id: $concert, planner_estimated_seats: $est, held: $held, refused: $refused,
	        decided: ($held + $refused), decided_per_s: (($held + $refused) / .seconds),
	        server_errors: ([.status | to_entries[] | select(.key | startswith("5")) | .value] | add // 0),
	        server_error_codes: ([.status | to_entries[] | select(.key | startswith("5")) | {(.key): .value}] | add // {}),
	        other_answers: ([.status | to_entries[] | select(.key != "201" and .key != "409" and
	            (.key | startswith("5") | not)) | {(.key): .value}] | add // {}),
	        invariants: ($inv + {reservations_without_a_201: ($inv.reservations - $held)})}' \
	    "$work/$name.json" >"$work/$name.level.json"
	jq -r '"  \(.decided_per_s | floor) decided/s (201 \(.held), 409 \(.refused)), p50 \(.latency_ms.p50) ms, p99 \(.latency_ms.p99) ms, 5xx \(.server_errors), socket errors \(.socket_errors | add), worker restarts \(.worker_restarts)"' \
	    "$work/$name.level.json" >&2
}

# First, a sale that opens right after the concert was created, with the
# statistics as autovacuum left them before (it analyzes again only after
# 10% of the table changed): what a real on-sale of a new concert meets.
cold='null'
if [ "$cold_conns" -gt 0 ]; then
	level cold "$cold_conns" "$cold_secs" before
	cold=$(cat "$work/cold.level.json")
fi

# Then the levels, each on a fresh concert with its statistics analyzed:
# the capacity of the hold path itself.
results=()
for conns in $levels; do
	level "c$conns" "$conns" "$secs" after
	results+=("$work/c$conns.level.json")
done

jq -cs --argjson cold "$cold" '{levels: ., seconds_per_level: (.[0].seconds),
    cold_statistics: $cold,
    mix: "2 seats: 75% by random seat ids, 25% best available in a random section"}' \
    "${results[@]}" >"$BENCH_PARTS/onsale.json"
