#!/usr/bin/env bash
# scripts/bench.sh (make bench): load benchmarks that print numbers.
#
# Starts its own stack (ENCORE_STACK=bench, port offset 5: http 18480,
# Postgres 54325, Toss stand-in 18491), and always stops it again. Then, each
# bounded in time (bench/README.md says what each measures and why):
#   1. tokens     members signed in through dev login, for the on-sale
#   2. onsale     hot on-sale holds over HTTP at BENCH_LEVELS connections
#   3. pgbench    the same SQL functions through pgbench, 16 connections
#   4. seatmap    seat-map reads from encore against nginx, same bytes
#   5. purchase   whole purchases with the Toss stand-in
#   6. memory     worker RSS and fds before and after a million requests
#   7. report     artifacts/bench/results.{json,md} and chart.svg
# and prints the results table. It never fails on timing: a missed goal is a
# line in the report. It fails only when something could not be measured.
#
# Env (defaults): BENCH_LEVELS ("50 200 800 2000"), BENCH_SECONDS (15, per
# on-sale level and pgbench), BENCH_TOKENS (8000), BENCH_PURCHASE_BUYERS
# (16), BENCH_PURCHASE_SECONDS (20), BENCH_MEMORY_REQUESTS (1000000),
# BENCH_MEMORY_MAX (120 s), BENCH_SEATMAP_SECONDS (15), BENCH_QUICK=1 (a
# short run for trying the scripts: 2 levels, 4 s each, 100,000 requests),
# BENCH_KEEP_STACK=1 (leave the stack running afterwards),
# BENCH_STEPS (all: "onsale pgbench seatmap purchase memory").
set -euo pipefail

export ENCORE_STACK=bench ENCORE_PORT_OFFSET=5
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/env.sh"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	export BENCH_LEVELS=${BENCH_LEVELS:-50 400} BENCH_SECONDS=${BENCH_SECONDS:-4}
	export BENCH_TOKENS=${BENCH_TOKENS:-3000} BENCH_PURCHASE_SECONDS=${BENCH_PURCHASE_SECONDS:-4}
	export BENCH_MEMORY_REQUESTS=${BENCH_MEMORY_REQUESTS:-100000} BENCH_MEMORY_MAX=${BENCH_MEMORY_MAX:-20}
	export BENCH_MEMORY_ROUND=${BENCH_MEMORY_ROUND:-5} BENCH_SEATMAP_SECONDS=${BENCH_SEATMAP_SECONDS:-4}
fi
export BENCH_OUT=${BENCH_OUT:-$root/artifacts/bench}
steps=${BENCH_STEPS:-onsale pgbench seatmap purchase memory}
. "$root/bench/lib.sh"

# wrk at 2,000 connections needs more descriptors than the usual 1,024.
raise_nofile
[ "$(ulimit -n)" -ge 4500 ] || blog "warning: ulimit -n is $(ulimit -n); 2,000 connections may fail"

stack_down() {
	local rc=$?
	if [ "${BENCH_KEEP_STACK:-0}" != 1 ]; then
		blog "stopping the bench stack"
		"$root/scripts/stack.sh" down >/dev/null 2>&1 || true
	fi
	exit "$rc"
}
trap stack_down EXIT
trap 'exit 130' INT TERM

want() { case " $steps " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

rm -rf "$BENCH_PARTS"
mkdir -p "$BENCH_PARTS"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

[ -f "$root/build/encore.so" ] || make -C "$root" build
blog "starting the bench stack (http $HTTP_PORT, postgres $PG_PORT)"
"$root/scripts/stack.sh" up >"$BENCH_OUT/stack-up.log" 2>&1 || {
	tail -20 "$BENCH_OUT/stack-up.log" >&2; exit 1; }

if want onsale; then
	tokens_file=$BENCH_OUT/tokens.txt
	blog "minting ${BENCH_TOKENS:-8000} access tokens through dev login"
	setup_node tokens "${BENCH_TOKENS:-8000}" "$tokens_file" "fan-$(date +%s)" >"$BENCH_PARTS/tokens.json"
	BENCH_TOKENS_FILE=$tokens_file "$root/bench/onsale.sh"
fi
if want pgbench; then
	"$root/bench/pgbench.sh"
fi
if want seatmap; then
	"$root/bench/seatmap.sh"
fi
if want purchase; then
	buyers=${BENCH_PURCHASE_BUYERS:-16}
	psecs=${BENCH_PURCHASE_SECONDS:-20}
	concert=$(setup_node concert big)
	blog "purchases: $buyers buyers for ${psecs}s (concert $(jq -r .id <<<"$concert"))"
	deaths0=$(worker_deaths)
	BASE_URL=$ENCORE_BASE_URL CHECKOUT_URL=$ENCORE_TOSS_CHECKOUT_URL node "$root/bench/purchase.mjs" \
	    "$(jq -r .id <<<"$concert")" "$(jq -r '.sections | join(",")' <<<"$concert")" "$buyers" "$psecs" |
	    jq -c --argjson d "$(( $(worker_deaths) - deaths0 ))" '. + {worker_restarts: $d}' >"$BENCH_PARTS/purchase.json"
	jq -r '"  \(.per_second) purchases/s (\(.purchases) of \(.attempts)), p50 \(.latency_ms.p50) ms, p99 \(.latency_ms.p99) ms, 5xx \(.server_errors), failures \(.failures)"' \
	    "$BENCH_PARTS/purchase.json" >&2
fi
if want memory; then
	"$root/bench/memory.sh"
fi

invariants_json >"$BENCH_PARTS/invariants.json"
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=false
[ -z "$(git -C "$root" status --porcelain -- src sql kore.conf 2>/dev/null)" ] || dirty=true
jqn --arg started "$started" --arg commit "$commit" --argjson dirty "$dirty" \
    --arg lb "$load_before" --arg la "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --argjson cpus "$(nproc)" --arg kernel "$(uname -r)" \
    --argjson pool "${ENCORE_DB_POOL_SIZE:-8}" \
    --argjson workers "$(awk '$1 == "workers" {print $2}' "$root/kore.conf")" \
    --arg note "${BENCH_NOTE:-}" '
    {started_at: $started, commit: $commit, dirty: $dirty, load_before: $lb,
     load_after: $la, cpus: $cpus, kernel: $kernel, kore_workers: $workers,
     db_pool_size: $pool, note: $note}' >"$BENCH_PARTS/conditions.json"

echo
node "$root/bench/report.mjs" "$BENCH_OUT"
echo
blog "written: $BENCH_OUT/results.json, results.md, chart.svg"
