#!/usr/bin/env bash
# bench/memory.sh: resident memory and open file descriptors of each kore
# worker before and after a million requests.
#
# The requests are bench/wrk/mix.lua: a static file of the web UI, a seat
# map, /healthz, in turn (a small fresh concert, so the run measures the
# server's bookkeeping and not the copying of big bodies). After a warm-up
# (BENCH_MEMORY_WARMUP seconds), VmRSS (/proc/PID/status) and the count of
# /proc/PID/fd of each worker (the children of run/<stack>/pids/app.pid)
# are read; then wrk runs in rounds of BENCH_MEMORY_ROUND seconds until
# BENCH_MEMORY_REQUESTS requests were answered or BENCH_MEMORY_MAX seconds
# have passed, and they are read again. A worker that was restarted
# meanwhile shows up with another pid (its "before" is then meaningless,
# and the part says so).
#
# Writes $BENCH_OUT/parts/memory.json.
set -euo pipefail

# The bench stack unless told otherwise (scripts/bench.sh sets it).
export ENCORE_STACK=${ENCORE_STACK:-bench} ENCORE_PORT_OFFSET=${ENCORE_PORT_OFFSET:-5}
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
. "$ENCORE_ROOT/bench/lib.sh"

target=${BENCH_MEMORY_REQUESTS:-1000000}
max_secs=${BENCH_MEMORY_MAX:-120}
round=${BENCH_MEMORY_ROUND:-15}
warmup=${BENCH_MEMORY_WARMUP:-5}
conns=${BENCH_MEMORY_CONNECTIONS:-64}
work=$BENCH_OUT/memory
rm -rf "$work"
mkdir -p "$work"

# {"<pid>": {"rss_kb": n, "fds": n}, ...} of the workers now.
snapshot() {
	local pid rss fds first=1
	printf '{'
	for pid in $(app_workers); do
		rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo null)
		fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
		[ "$first" = 1 ] || printf ','
		first=0
		printf '"%s": {"rss_kb": %s, "fds": %s}' "$pid" "${rss:-null}" "$fds"
	done
	printf '}\n'
}

concert=$(setup_node concert small)
id=$(jq -r .id <<<"$concert")
sections=$(jq -r '.sections | join(",")' <<<"$concert")
static="/,/js/app.js,/css/app.css,/favicon.svg"
export CONCERT_ID=$id SECTIONS=$sections STATIC=$static

blog "memory: warm-up ${warmup}s (concert $id)"
run_wrk "$work/warmup.json" "$conns" "$warmup" mix.lua "$ENCORE_BASE_URL"
before=$(snapshot)
deaths0=$(worker_deaths)

total=0 elapsed=0 i=0
while [ "$total" -lt "$target" ] && [ "$elapsed" -lt "$max_secs" ]; do
	i=$((i + 1))
	secs=$round
	[ $((elapsed + secs)) -le "$max_secs" ] || secs=$((max_secs - elapsed))
	run_wrk "$work/round$i.json" "$conns" "$secs" mix.lua "$ENCORE_BASE_URL"
	total=$((total + $(jq .requests "$work/round$i.json")))
	elapsed=$((elapsed + secs))
	blog "memory: $total requests after ${elapsed}s"
done
sleep 1
after=$(snapshot)

jq -s --argjson before "$before" --argjson after "$after" --argjson total "$total" \
    --argjson elapsed "$elapsed" --argjson restarts "$(( $(worker_deaths) - deaths0 ))" \
    --arg mix "$static + seat maps of concert $id (${sections}) + /healthz" '
    {requests: $total, seconds: $elapsed, rps: ($total / $elapsed), mix: $mix,
     connections: .[0].connections, worker_restarts: $restarts,
     non_2xx_3xx: (map(.non_2xx_3xx) | add),
     socket_errors: (map(.socket_errors | add) | add),
     latency_p99_ms_worst_round: (map(.latency_ms.p99) | max),
     workers: [$before | to_entries[] | .key as $pid |
        {pid: ($pid | tonumber), rss_kb_before: .value.rss_kb, fds_before: .value.fds,
         rss_kb_after: ($after[$pid].rss_kb // null), fds_after: ($after[$pid].fds // null),
         restarted: ($after[$pid] == null)}],
     new_workers: [$after | to_entries[] | select($before[.key] == null) |
        {pid: (.key | tonumber), rss_kb: .value.rss_kb, fds: .value.fds}]}
    | .workers |= map(. + (if .restarted then {} else
        {rss_growth_kb: (.rss_kb_after - .rss_kb_before),
         rss_growth_mb_per_million: ((.rss_kb_after - .rss_kb_before) / 1024 / ($total / 1000000)),
         fd_growth: (.fds_after - .fds_before)} end))' \
    "$work"/round*.json >"$BENCH_PARTS/memory.json"
jq -r '"  \(.requests) requests in \(.seconds)s (\(.rps | floor)/s), restarts \(.worker_restarts)",
    (.workers[] | "  worker \(.pid): RSS \(.rss_kb_before) -> \(.rss_kb_after) kB, fds \(.fds_before) -> \(.fds_after)")' \
    "$BENCH_PARTS/memory.json" >&2
