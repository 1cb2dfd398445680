#!/usr/bin/env bash
# bench/onsale.sh: the hot on-sale through HTTP, at several concurrencies.
#
# For each level of BENCH_LEVELS (connections), a fresh concert of 100,000
# seats (bench/setup.mjs concert big, cap 10 a member) and a wrk run of
# BENCH_SECONDS with bench/wrk/onsale.lua: holds of 2 seats, by random ids
# (3 in 4) or best available (1 in 4), each request as a member whose token
# was minted through dev login beforehand (BENCH_TOKENS_FILE). Then the
# invariants of that concert, checked in SQL (bench/lib.sh).
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
tokens=${BENCH_TOKENS_FILE:?BENCH_TOKENS_FILE: the file of access tokens}
work=$BENCH_OUT/onsale
mkdir -p "$work"
raise_nofile

results=()
for conns in $levels; do
	concert=$(setup_node concert big)
	id=$(jq -r .id <<<"$concert")
	sections=$(jq -r '.sections | join(",")' <<<"$concert")
	read -r lo hi < <(sql "SELECT min(id), max(id) FROM encore.seats WHERE concert_id = $id" | tr '|' ' ')
	sql "ANALYZE encore.seats" >/dev/null
	blog "on-sale: $conns connections for ${secs}s on concert $id (seats $lo..$hi)"
	TOKENS_FILE=$tokens CONCERT_ID=$id SEAT_LO=$lo SEAT_HI=$hi SECTIONS=$sections \
	    run_wrk "$work/c$conns.json" "$conns" "$secs" onsale.lua "$ENCORE_BASE_URL"
	inv=$(invariants_json "$id")
	jq -c --argjson inv "$inv" --argjson concert "$id" '
	    (.status["201"] // 0) as $held | (.status["409"] // 0) as $refused |
	    . + {concert_id: $concert, held: $held, refused: $refused,
	        decided: ($held + $refused), decided_per_s: (($held + $refused) / .seconds),
	        server_errors: ([.status | to_entries[] | select(.key | startswith("5")) | .value] | add // 0),
	        other_answers: ([.status | to_entries[] | select(.key != "201" and .key != "409" and
	            (.key | startswith("5") | not)) | {(.key): .value}] | add // {}),
	        invariants: ($inv + {reservations_without_a_201: ($inv.reservations - $held)})}' \
	    "$work/c$conns.json" >"$work/c$conns.level.json"
	jq -r '"  \(.decided_per_s | floor) decided/s (201 \(.held), 409 \(.refused)), p50 \(.latency_ms.p50) ms, p99 \(.latency_ms.p99) ms, 5xx \(.server_errors), socket errors \(.socket_errors | add), worker restarts \(.worker_restarts)"' \
	    "$work/c$conns.level.json" >&2
	results+=("$work/c$conns.level.json")
done

jq -cs '{levels: ., seconds_per_level: (.[0].seconds), mix: "2 seats: 75% by random seat ids, 25% best available in a random section"}' \
    "${results[@]}" >"$BENCH_PARTS/onsale.json"
