#!/usr/bin/env bash
# End to end: outbox -> encore-relay -> RabbitMQ -> encore-consumer -> Postgres.
#
#   tests/integration/amqp_flow.sh
#
# Needs a migrated database (scripts/migrate.sh) reachable through
# ENCORE_DATABASE_URL or PGHOST/PGPORT/PGUSER/PGDATABASE, and a running
# RabbitMQ reachable through ENCORE_AMQP_HOST/PORT/USER/PASSWORD(/VHOST).
# To check that rows wait while RabbitMQ is down, it stops and restarts the
# node with scripts/rabbitmq.sh, which needs RUN_DIR, AMQP_DIST_PORT,
# EPMD_PORT and RABBIT_NODE (scripts/env.sh sets them); without them that
# check is skipped.
#
# It builds the binaries (make -f src/workers/workers.mk), starts its own
# relay and two consumers (by pid; a stack's own may run alongside, the
# checks hold either way), works with a random concert and member id so
# that it never touches real data, removes its rows at the end (KEEP=1
# keeps them), and prints one line per check and "N passed, M failed".
# Exit status: 0 when every check passed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

: "${ENCORE_AMQP_HOST:?set ENCORE_AMQP_HOST (source scripts/env.sh)}"
: "${ENCORE_AMQP_PORT:=5672}"
export ENCORE_AMQP_PORT
max_attempts=${ENCORE_CONSUMER_MAX_ATTEMPTS:-5}
retry_ms=${ENCORE_CONSUMER_RETRY_DELAY_MS:-1000}
bin=${WORKERS_BUILD:-build}

passed=0
failed=0
skipped=0
rabbit_stopped=no
pids=()
tmp=$(mktemp -d "${TMPDIR:-/tmp}/amqp_flow.XXXXXX")
run=$(date +%s)$$
concert=$((1900000000 + RANDOM * 32768 + RANDOM))
member=$((1800000000 + RANDOM * 32768 + RANDOM))
tag="amqpflow_$run"

log() { printf '%s\n' "$*"; }
pass() { passed=$((passed + 1)); log "ok   $*"; }
fail() { failed=$((failed + 1)); log "FAIL $*"; }
skip() { skipped=$((skipped + 1)); log "skip $*"; }
check() {	# check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

sql() {
	psql -X -A -t -q -v ON_ERROR_STOP=1 \
	    ${ENCORE_DATABASE_URL:+"$ENCORE_DATABASE_URL"} -c "$1"
}

# wait_until SECONDS COMMAND...: true as soon as COMMAND is.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	while ! "$@"; do
		[ $SECONDS -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

rabbit() {
	scripts/rabbitmq.sh "$1" "$RUN_DIR" "$ENCORE_AMQP_PORT" \
	    "$AMQP_DIST_PORT" "$EPMD_PORT" "$RABBIT_NODE"
}

stop_rc=0
stop_pid() {	# TERM, then KILL after 10 s; the exit status in $stop_rc
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	stop_rc=0
	wait "$pid" 2>/dev/null || stop_rc=$?
}

cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then stop_pid "$pid"; fi
	done
	if [ "$rabbit_stopped" = yes ]; then
		rabbit start >/dev/null || true
	fi
	if [ "${KEEP:-0}" != 1 ]; then
		sql "DELETE FROM encore.consumer_inbox WHERE event_id IN
		    (SELECT event_id FROM encore.outbox
		    WHERE payload->>'order_id' LIKE '${tag}%');
		    DELETE FROM encore.outbox WHERE payload->>'order_id' LIKE '${tag}%';
		    DELETE FROM encore.receipts WHERE member_id = $member;
		    DELETE FROM encore.concert_sales WHERE concert_id = $concert;" \
		    >/dev/null 2>&1 || true
		for q in encore.notifications.dlq encore.stats.dlq; do
			"$bin/amqp_probe" take "$q" "$tag" >/dev/null 2>&1 || true
		done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# emit TOPIC COUNT SEATS_EACH AMOUNT_EACH [RESERVATION_ID]: outbox rows as
# the payment path writes them, each with its own event id.
emit() {
	local topic=$1 n=$2 seats=$3 amount=$4 rid='gen_random_uuid()'
	[ -z "${5:-}" ] || rid="'$5'::uuid"
	sql "INSERT INTO encore.outbox (event_id, topic, aggregate_id, payload)
	    SELECT e, '$topic', r, jsonb_build_object('event_id', e,
	        'topic', '$topic', 'reservation_id', r,
	        'order_id', '${tag}_' || r, 'concert_id', $concert,
	        'member_id', $member, 'amount', $amount, 'status', 'PAID',
	        'seat_ids', (SELECT jsonb_agg(g * 100 + k)
	            FROM generate_series(1, $seats) k),
	        'occurred_at', clock_timestamp())
	    FROM (SELECT g, gen_random_uuid() AS e,
	        $rid AS r
	        FROM generate_series(1, $n) g) s"
}

unpublished() {
	sql "SELECT count(*) FROM encore.outbox
	    WHERE payload->>'order_id' LIKE '${tag}%' AND published_at IS NULL"
}
all_published() { [ "$(unpublished)" = 0 ]; }
receipts() { sql "SELECT count(*) FROM encore.receipts WHERE member_id = $member"; }
receipts_are() { [ "$(receipts)" = "$1" ]; }
sales() {
	sql "SELECT concat_ws(' ', s->'tickets_sold', s->'revenue', s->'refunds',
	    s->'refunded_amount') FROM (SELECT encore.concert_sales_get($concert)
	    -> 'concert_sales' AS s) x"
}
sales_are() { [ "$(sales)" = "$1" ]; }
alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null || return 1; done; }
in_dlq() {	# in_dlq QUEUE MESSAGE_ID ATTEMPTS CONSUMER
	"$bin/amqp_probe" peek "$1" "$2" 2>/dev/null |
	    grep -qxF "$(printf '%s\t%s\t%s' "$2" "$3" "$4")"
}
all_logged_stop() {
	local f
	for f in "$@"; do grep -q ': stopped$' "$f" || return 1; done
}

# --- preparation --------------------------------------------------------
make -s -f src/workers/workers.mk WORKERS_BUILD="$bin" workers workers-probe
sql "SELECT 'encore.consume_stats(jsonb)'::regprocedure,
    'encore.outbox_claim(integer)'::regprocedure" >/dev/null ||
    { log "FAIL database not migrated (scripts/migrate.sh)"; exit 1; }
log "amqp_flow: concert $concert, member $member, max attempts $max_attempts,"\
    "retry delay ${retry_ms} ms"

"$bin/encore-relay" 2>"$tmp/relay.log" &
relay=$!
"$bin/encore-consumer" notifications 2>"$tmp/notifications.log" &
notifications=$!
"$bin/encore-consumer" stats 2>"$tmp/stats.log" &
stats=$!
pids=("$relay" "$notifications" "$stats")

# --- 1. the happy path ---------------------------------------------------
# 20 payments of 2 seats at 100,000; one of them refunded; one hold cancelled.
emit payment.succeeded 20 2 100000
refunded=$(sql "SELECT aggregate_id FROM encore.outbox
    WHERE payload->>'order_id' LIKE '${tag}%' ORDER BY id LIMIT 1")
emit payment.refunded 1 2 100000 "$refunded"
emit reservation.cancelled 1 1 50000
check "relay published all 22 outbox rows" wait_until 20 all_published
check "notifications wrote one receipt per event (22)" \
    wait_until 20 receipts_are 22
check "stats: 38 tickets, 1,900,000 won, 2 refunded for 100,000" \
    wait_until 20 sales_are "38 1900000 2 100000"
check "receipt text is Korean" test "$(sql "SELECT count(*) FROM encore.receipts
    WHERE member_id = $member AND title = '결제가 완료되었습니다'
    AND body LIKE '%결제 금액 100,000원'")" = 20
check "member_receipts serves the receipts" test "$(sql "SELECT
    jsonb_array_length(encore.member_receipts($member, 100) -> 'receipts')")" = 22

# --- 2. a second delivery has no second effect ---------------------------
sql "UPDATE encore.outbox SET published_at = NULL WHERE id IN (SELECT id
    FROM encore.outbox WHERE payload->>'order_id' LIKE '${tag}%'
    AND topic = 'payment.succeeded' ORDER BY id LIMIT 5)" >/dev/null
check "relay published the 5 rows again" wait_until 20 all_published
emit reservation.cancelled 1 1 50000	# a marker behind the duplicates
check "the marker behind the duplicates arrived" wait_until 20 receipts_are 23
check "duplicates wrote no receipts (23, not 28)" receipts_are 23
check "duplicates did not count twice in stats" sales_are "38 1900000 2 100000"
check "each consumer recorded each event once in its inbox" test "$(sql "SELECT
    count(*) FROM encore.consumer_inbox i JOIN encore.outbox o USING (event_id)
    WHERE o.payload->>'order_id' LIKE '${tag}%'")" = 46

# --- 3. RabbitMQ down: rows wait, then flow ------------------------------
if [ -n "${RUN_DIR:-}" ] && [ -n "${AMQP_DIST_PORT:-}" ] &&
    [ -n "${EPMD_PORT:-}" ] && [ -n "${RABBIT_NODE:-}" ]; then
	rabbit stop >/dev/null
	rabbit_stopped=yes
	emit payment.succeeded 10 2 100000
	sleep 2
	check "with RabbitMQ down the 10 new rows wait in the outbox" \
	    test "$(unpublished)" = 10
	check "relay and consumers keep running while RabbitMQ is down" \
	    alive "${pids[@]}"
	if rabbit start >/dev/null; then
		rabbit_stopped=no
	else
		fail "scripts/rabbitmq.sh start brought RabbitMQ back"
	fi
	check "after RabbitMQ is back the rows are published" \
	    wait_until 40 all_published
	check "... and applied: 33 receipts, 58 tickets" \
	    wait_until 30 sales_are "58 2900000 2 100000"
	check "... one receipt each" wait_until 10 receipts_are 33
else
	skip "RabbitMQ outage (RUN_DIR, AMQP_DIST_PORT, EPMD_PORT, RABBIT_NODE unset)"
	emit payment.succeeded 10 2 100000
	wait_until 20 receipts_are 33 || true
fi

# --- 4. poison messages end in the DLQ, the good one behind them flows ---
"$bin/amqp_probe" publish encore.payments "" "${tag}_poison" 'this is {not json'
"$bin/amqp_probe" publish encore.payments "" "${tag}_notevent" '{"hello":"world"}'
emit payment.succeeded 1 1 100000
check "a good event behind two poison messages is applied" \
    wait_until 10 receipts_are 34
if [ $(((max_attempts - 1) * retry_ms)) -ge 3000 ]; then
	check "... while the poison is still being retried" \
	    test -z "$("$bin/amqp_probe" peek encore.stats.dlq "${tag}_" 2>/dev/null)"
fi
dlq_wait=$((max_attempts * retry_ms / 1000 + 20))
for c in notifications stats; do
	check "invalid JSON lands in encore.$c.dlq after $max_attempts attempts" \
	    wait_until "$dlq_wait" in_dlq "encore.$c.dlq" "${tag}_poison" \
	    "$max_attempts" "$c"
	check "a JSON body that is no event lands in encore.$c.dlq too" \
	    wait_until "$dlq_wait" in_dlq "encore.$c.dlq" "${tag}_notevent" \
	    "$max_attempts" "$c"
done
check "stats still right after the poison: 59 tickets" \
    sales_are "59 3000000 2 100000"
check "relay and consumers survived the poison" alive "${pids[@]}"

# --- 5. SIGTERM stops each cleanly ----------------------------------------
for name in relay notifications stats; do
	stop_pid "${!name}"
	check "$name exits 0 on SIGTERM" test "$stop_rc" = 0
done
check "each logged its stop" all_logged_stop "$tmp/relay.log" \
    "$tmp/notifications.log" "$tmp/stats.log"
pids=()

if [ "$failed" -gt 0 ]; then
	for f in "$tmp"/*.log; do
		log "--- $(basename "$f") (last 15 lines)"
		tail -n 15 "$f"
	done
fi
if [ "$skipped" -gt 0 ]; then
	log "$passed passed, $failed failed ($skipped skipped)"
else
	log "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
