# shellcheck shell=bash
# bench/lib.sh: what the benchmark steps share. Sourced by scripts/bench.sh
# and by each bench/*.sh step, after scripts/env.sh (which names the
# stack's ports and points psql at its database).
#
# A step writes one JSON file, $BENCH_OUT/parts/<step>.json; bench/report.mjs
# turns the parts into results.json, results.md and chart.svg. Nothing here
# judges a number: a benchmark reports, it never fails on timing.

BENCH_OUT=${BENCH_OUT:-$ENCORE_ROOT/artifacts/bench}
BENCH_PARTS=$BENCH_OUT/parts
BENCH_WRK_THREADS=${BENCH_WRK_THREADS:-2}
APP_LOG=$RUN_DIR/logs/app.log
mkdir -p "$BENCH_PARTS"

blog() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# jqn ARGS... FILTER: jq reading no input, printing compact JSON.
jqn() { jq -cn "$@"; }

# psql against the stack's database: one value or rows, no decoration.
sql() { psql -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"; }

# setup_node ARGS...: bench/setup.mjs against this stack.
setup_node() { BASE_URL=$ENCORE_BASE_URL node "$ENCORE_ROOT/bench/setup.mjs" "$@"; }

# Workers kore had to restart so far (each death is logged by the parent).
worker_deaths() {
	if [ -f "$APP_LOG" ]; then
		grep -c 'exited with status\|was killed by' "$APP_LOG" || true
	else
		echo 0
	fi
}

# The last fatal messages kore logged since line FROM of the app log.
worker_death_reasons() {
	local from=$1
	[ -f "$APP_LOG" ] || { echo '[]'; return; }
	tail -n "+$((from + 1))" "$APP_LOG" | grep -E '^kore: |fatal' | sed 's/0x[0-9a-f]*/0x.../' |
	    sort | uniq -c | sort -rn | head -5 |
	    jq -Rsc 'split("\n") | map(select(length > 0) | sub("^ *"; ""))'
}

app_log_lines() { if [ -f "$APP_LOG" ]; then wc -l <"$APP_LOG"; else echo 0; fi; }

# run_wrk OUT CONNECTIONS SECONDS SCRIPT URL: one bounded wrk run. Its RESULT
# line (bench/wrk/common.lua) goes to OUT as JSON, with the connections and
# the workers kore restarted meanwhile; wrk's own text to OUT.txt.
run_wrk() {
	local out=$1 conns=$2 secs=$3 script=$4 url=$5 threads deaths0 lines0
	threads=$BENCH_WRK_THREADS
	[ "$conns" -ge "$threads" ] || threads=$conns
	deaths0=$(worker_deaths)
	lines0=$(app_log_lines)
	WRK_THREADS=$threads wrk -t "$threads" -c "$conns" -d "${secs}s" \
	    --timeout 10s -s "$ENCORE_ROOT/bench/wrk/$script" "$url" >"$out.txt" 2>&1 || {
		blog "wrk failed ($script, $conns connections):"
		tail -5 "$out.txt" >&2
		return 1
	}
	grep '^RESULT ' "$out.txt" | tail -1 | cut -c8- |
	    jq -c --argjson c "$conns" --argjson d "$(( $(worker_deaths) - deaths0 ))" \
	    --argjson why "$(worker_death_reasons "$lines0")" \
	    '. + {connections: $c, worker_restarts: $d, worker_death_reasons: $why}' >"$out"
}

# Open-file limit up to the hard limit (wrk needs one per connection).
raise_nofile() {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" != unlimited ] || hard=65536
	ulimit -n "$hard" 2>/dev/null || true
}

# The kore worker processes of the stack: children of the parent's pid.
app_workers() { pgrep -P "$(cat "$RUN_DIR/pids/app.pid")" || true; }

# invariants_json [CONCERT_ID]: the no-oversell invariants, as JSON, for one
# concert or (no argument) the whole database:
#   seats_in_two_live_reservations  a seat listed by two PENDING/PAID
#                                   reservations (sold or held twice): 0
#   taken_seats_without_reservation HELD/SOLD seats whose reservation is not
#                                   a PENDING/PAID one listing them: 0
#   reserved_seats_not_taken        seats of PENDING/PAID reservations that
#                                   are not HELD/SOLD by that reservation: 0
# plus the counts they were checked on.
invariants_json() {
	local where_r="true" where_s="true"
	if [ -n "${1:-}" ]; then
		where_r="r.concert_id = $1"
		where_s="s.concert_id = $1"
	fi
	sql "WITH live AS (
		SELECT rs.seat_id, r.id AS rid
		FROM encore.reservation_seats rs
		JOIN encore.reservations r ON r.id = rs.reservation_id
		WHERE $where_r AND r.status IN ('PENDING', 'PAID')),
	    taken AS (
		SELECT s.id, s.reservation_id FROM encore.seats s
		WHERE $where_s AND s.status IN ('HELD', 'SOLD'))
	SELECT json_build_object(
	    'seats_in_two_live_reservations', (SELECT count(*) FROM (
		SELECT seat_id FROM live GROUP BY seat_id HAVING count(*) > 1) d),
	    'taken_seats_without_reservation', (SELECT count(*) FROM taken t
		WHERE NOT EXISTS (SELECT 1 FROM live l
		    WHERE l.seat_id = t.id AND l.rid = t.reservation_id)),
	    'reserved_seats_not_taken', (SELECT count(*) FROM live l
		WHERE NOT EXISTS (SELECT 1 FROM taken t
		    WHERE t.id = l.seat_id AND t.reservation_id = l.rid)),
	    'seats_taken', (SELECT count(*) FROM taken),
	    'live_reservations', (SELECT count(DISTINCT rid) FROM live),
	    'reservations', (SELECT count(*) FROM encore.reservations r
		WHERE $where_r))"
}
