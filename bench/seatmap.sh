#!/usr/bin/env bash
# bench/seatmap.sh: seat-map reads per second from encore against nginx
# serving the very same bytes as static files.
#
# A fresh concert with the default arena (26 sections, 43,000 seats, nobody
# buying). Each section's seat map is read once from encore and written to
# a file; nginx (2 worker processes, like kore's 2 workers; keep-alive, no
# access log) serves those files at the same URLs
# (/api/v1/concerts/ID/seats?section=X). The same wrk script
# (bench/wrk/seatmap.lua, sections at random, no If-None-Match, so every
# answer is a whole map) runs against both for BENCH_SEATMAP_SECONDS with
# BENCH_SEATMAP_CONNECTIONS. nginx runs from $BENCH_OUT/nginx on
# BENCH_NGINX_PORT and is stopped by pid when this script ends.
#
# Writes $BENCH_OUT/parts/seatmap.json.
set -euo pipefail

# The bench stack unless told otherwise (scripts/bench.sh sets it).
export ENCORE_STACK=${ENCORE_STACK:-bench} ENCORE_PORT_OFFSET=${ENCORE_PORT_OFFSET:-5}
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
. "$ENCORE_ROOT/bench/lib.sh"

secs=${BENCH_SEATMAP_SECONDS:-${BENCH_SECONDS:-15}}
conns=${BENCH_SEATMAP_CONNECTIONS:-64}
port=${BENCH_NGINX_PORT:-18499}
ngx=$BENCH_OUT/nginx
work=$BENCH_OUT/seatmap
nginx_pid=

stop_nginx() {
	if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
		kill -QUIT "$nginx_pid" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$nginx_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$nginx_pid" 2>/dev/null || true
	fi
	wait "$nginx_pid" 2>/dev/null || true
}
trap stop_nginx EXIT

(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && {
	echo "port $port is taken; set BENCH_NGINX_PORT" >&2; exit 1; }

rm -rf "$ngx" "$work"
mkdir -p "$ngx/root/seats" "$ngx/logs" "$work"
concert=$(setup_node concert arena)
id=$(jq -r .id <<<"$concert")
sections=$(jq -r '.sections | join(",")' <<<"$concert")

# The same bytes: what encore answers (this also fills its seat-map cache).
for s in ${sections//,/ }; do
	curl -sf -o "$ngx/root/seats/$s.json" "$ENCORE_BASE_URL/api/v1/concerts/$id/seats?section=$s"
done
chmod -R a+rX "$ngx/root"
bytes=$(cat "$ngx"/root/seats/*.json | wc -c)

cat >"$ngx/nginx.conf" <<CONF
# Rendered by bench/seatmap.sh: the seat maps of concert $id as static files.
worker_processes 2;
pid $ngx/nginx.pid;
error_log $ngx/logs/error.log warn;
events {
	worker_connections 8192;
}
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 60;
	keepalive_requests 1000000;
	client_body_temp_path $ngx/tmp;
	server {
		listen 127.0.0.1:$port;
		root $ngx/root;
		location /api/v1/concerts/$id/seats {
			default_type "application/json; charset=utf-8";
			try_files /seats/\$arg_section.json =404;
		}
	}
}
CONF
mkdir -p "$ngx/tmp"
nginx -p "$ngx" -c "$ngx/nginx.conf" -g 'daemon off;' >"$ngx/logs/stdout.log" 2>&1 &
nginx_pid=$!
for _ in $(seq 1 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done
curl -sf -o "$work/check.json" "http://127.0.0.1:$port/api/v1/concerts/$id/seats?section=A"
cmp -s "$work/check.json" "$ngx/root/seats/A.json" || {
	echo "nginx does not serve the same bytes as encore" >&2; exit 1; }

blog "seat maps: encore, $conns connections for ${secs}s (concert $id, ${sections//,/ })"
CONCERT_ID=$id SECTIONS=$sections run_wrk "$work/encore.json" "$conns" "$secs" seatmap.lua "$ENCORE_BASE_URL"
blog "seat maps: nginx on $port, same script"
CONCERT_ID=$id SECTIONS=$sections run_wrk "$work/nginx.json" "$conns" "$secs" seatmap.lua "http://127.0.0.1:$port"
stop_nginx

jq -cn --slurpfile e "$work/encore.json" --slurpfile n "$work/nginx.json" \
    --argjson id "$id" --argjson bytes "$bytes" --argjson conns "$conns" '
    {concert_id: $id, connections: $conns, sections: 26,
     mean_body_bytes: ($bytes / 26 | floor), encore: $e[0], nginx: $n[0],
     ratio: ($e[0].rps / $n[0].rps)}' >"$BENCH_PARTS/seatmap.json"
jq -r '"  encore \(.encore.rps | floor)/s (p99 \(.encore.latency_ms.p99) ms, non-2xx \(.encore.non_2xx_3xx)), nginx \(.nginx.rps | floor)/s (p99 \(.nginx.latency_ms.p99) ms), ratio \(.ratio * 100 | floor / 100)"' \
    "$BENCH_PARTS/seatmap.json" >&2
