#!/usr/bin/env bash
# Start and stop a whole encore stack: PostgreSQL, Redis, RabbitMQ, the
# schema and demo concert, the Toss and Google stand-ins, the outbox relay,
# the two payment-result consumers, and kore serving the app.
#
#   scripts/stack.sh run       all of it, kore in the foreground; Ctrl-C stops all
#   scripts/stack.sh up        all of it in the background; returns when /readyz is 200
#   scripts/stack.sh down      stop everything this stack started (by pid)
#   scripts/stack.sh status    what runs
#   scripts/stack.sh migrate   apply sql/ to the running Postgres
#   scripts/stack.sh restart-app   restart kore only (tests use it)
#   scripts/stack.sh stop|start SERVICE   one service: postgres redis rabbitmq
#                              relay consumers standins app
#
# ENCORE_STACK=dev (default) or test picks the run directory and ports
# (scripts/env.sh). Everything lives under run/$ENCORE_STACK; every command
# can be run again. As root, Postgres and RabbitMQ run as their own users.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ENCORE_ROOT"

PIDS=$RUN_DIR/pids
LOGS=$RUN_DIR/logs
PGDATA=$RUN_DIR/pg/data

log() { printf '[%s] %s\n' "$ENCORE_STACK" "$*"; }

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [ -f "$PIDS/$1.pid" ] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

# start_bg NAME CMD...: a background process with its own log and pid file.
start_bg() {
	local name=$1; shift
	if pid_alive "$name"; then return 0; fi
	setsid stdbuf -oL -eL "$@" >>"$LOGS/$name.log" 2>&1 < /dev/null &
	echo $! >"$PIDS/$name.pid"
}

# stop_pid NAME: TERM, then KILL after a grace period.
stop_pid() {
	local name=$1 pid i
	[ -f "$PIDS/$name.pid" ] || return 0
	pid=$(cat "$PIDS/$name.pid")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for i in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "$name did not stop; killing it"
			kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$PIDS/$name.pid"
}

wait_port() {
	local port=$1 what=$2 i
	for i in $(seq 1 100); do
		port_open "$port" && return 0
		sleep 0.1
	done
	echo "$what did not open port $port; see $LOGS" >&2
	return 1
}

# The postgres and rabbitmq users must be able to reach the run directory.
make_traversable() {
	[ "$(id -u)" -eq 0 ] || return 0
	local d=$RUN_DIR
	while [ "$d" != "/" ]; do
		d=$(dirname "$d")
		if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
			chmod o+x "$d"
		fi
	done
}

start_postgres() {
	mkdir -p "$RUN_DIR/pg"
	if [ "$(id -u)" -eq 0 ]; then chown postgres: "$RUN_DIR/pg"; fi
	if [ ! -f "$PGDATA/PG_VERSION" ]; then
		log "creating the PostgreSQL cluster"
		as_pg /usr/lib/postgresql/15/bin/initdb -D "$PGDATA" -U "$PG_USER" \
		    --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
		cat >>"$PGDATA/postgresql.conf" <<CONF
# encore's stack ($ENCORE_STACK)
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$RUN_DIR/pg'
max_connections = 200
shared_buffers = 256MB
logging_collector = off
log_lock_waits = on
deadlock_timeout = 1s
log_min_messages = warning
CONF
	fi
	if ! as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$PGDATA" status >/dev/null 2>&1; then
		log "starting PostgreSQL on $PG_PORT"
		as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$PGDATA" -w -t 30 \
		    -l "$RUN_DIR/pg/postgres.log" start >/dev/null
	fi
	if ! psql -XAtq -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -q 1; then
		createdb "$PG_DB"
	fi
}

stop_postgres() {
	if [ -f "$PGDATA/postmaster.pid" ]; then
		as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$PGDATA" -m fast -w -t 30 stop >/dev/null 2>&1 || true
	fi
}

start_redis() {
	mkdir -p "$RUN_DIR/redis"
	if port_open "$REDIS_PORT" && pid_alive redis; then return 0; fi
	log "starting Redis on $REDIS_PORT"
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
	    --save '' --appendonly no --dir "$RUN_DIR/redis" \
	    --pidfile "$PIDS/redis.pid" --logfile "$LOGS/redis.log" >/dev/null
	wait_port "$REDIS_PORT" Redis
}

rabbit() { scripts/rabbitmq.sh "$1" "$RUN_DIR" "$AMQP_PORT" "$AMQP_DIST_PORT" "$EPMD_PORT" "$RABBIT_NODE"; }

start_rabbitmq() {
	log "starting RabbitMQ on $AMQP_PORT"
	rabbit start >>"$LOGS/rabbitmq-script.log" 2>&1 || { tail -20 "$LOGS/rabbitmq-script.log" >&2; return 1; }
}

start_standins() {
	start_bg toss node tools/standins/toss.mjs --port "$TOSS_PORT" \
	    --secret-key "$ENCORE_TOSS_SECRET_KEY"
	start_bg google node tools/standins/google.mjs --port "$GOOGLE_PORT" \
	    --client-id "$ENCORE_GOOGLE_CLIENT_ID" \
	    --client-secret "$ENCORE_GOOGLE_CLIENT_SECRET" \
	    --redirect-uris "$ENCORE_PUBLIC_URL/auth/google/callback"
	wait_port "$TOSS_PORT" "the Toss stand-in"
	wait_port "$GOOGLE_PORT" "the Google stand-in"
}

start_workers() {
	start_bg relay build/encore-relay
	start_bg consumer-notifications build/encore-consumer notifications
	start_bg consumer-stats build/encore-consumer stats
}

stop_workers() {
	stop_pid consumer-stats
	stop_pid consumer-notifications
	stop_pid relay
}

render_kore_conf() {
	sed -e "s|^\(\s*bind\s\+127.0.0.1\) [0-9]\+|\1 $HTTP_PORT|" \
	    -e "s|run/dev/|$RUN_DIR/|g" kore.conf >"$RUN_DIR/kore.conf"
	mkdir -p "$RUN_DIR/bodies"
}

kore_cmd() { echo stdbuf -oL -eL kore -c "$RUN_DIR/kore.conf" -f -n -r; }

start_app() {
	render_kore_conf
	if pid_alive app; then return 0; fi
	log "starting encore on http://127.0.0.1:$HTTP_PORT"
	# shellcheck disable=SC2046
	start_bg app $(kore_cmd)
	wait_ready
}

# kore may leave a worker behind if its parent dies first: kill the group.
stop_app() {
	local pid
	if [ -f "$PIDS/app.pid" ]; then
		pid=$(cat "$PIDS/app.pid")
		stop_pid app
		pkill -KILL -s "$pid" 2>/dev/null || true
	fi
}

wait_ready() {
	local i code
	for i in $(seq 1 150); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/readyz" || true)
		[ "$code" = 200 ] && return 0
		if ! pid_alive app; then
			echo "encore exited; last lines of $LOGS/app.log:" >&2
			tail -20 "$LOGS/app.log" >&2
			return 1
		fi
		sleep 0.2
	done
	echo "encore did not become ready (readyz: $code); see $LOGS/app.log" >&2
	return 1
}

up_services() {
	mkdir -p "$PIDS" "$LOGS"
	make_traversable
	start_postgres
	start_redis
	start_rabbitmq
	log "applying sql/"
	scripts/migrate.sh --seed >>"$LOGS/migrate.log"
	start_standins
	start_workers
}

down_all() {
	stop_app
	stop_workers
	stop_pid google
	stop_pid toss
	rabbit stop >/dev/null 2>&1 || true
	stop_pid redis
	stop_postgres
}

status() {
	local n
	for n in app relay consumer-notifications consumer-stats toss google redis; do
		if pid_alive "$n"; then echo "$n: running (pid $(cat "$PIDS/$n.pid"))"; else echo "$n: stopped"; fi
	done
	if as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$PGDATA" status >/dev/null 2>&1; then
		echo "postgres: running"; else echo "postgres: stopped"; fi
	if rabbit status >/dev/null 2>&1; then echo "rabbitmq: running"; else echo "rabbitmq: stopped"; fi
}

case "${1:-}" in
up)
	up_services
	start_app
	log "ready: http://127.0.0.1:$HTTP_PORT (logs in $LOGS)"
	;;
run)
	trap 'echo; log "stopping"; down_all' EXIT
	trap 'exit 130' INT TERM
	up_services
	render_kore_conf
	log "serving http://127.0.0.1:$HTTP_PORT (Ctrl-C stops everything)"
	# shellcheck disable=SC2046
	$(kore_cmd) &
	echo $! >"$PIDS/app.pid"
	wait "$(cat "$PIDS/app.pid")" || true
	;;
down)
	down_all
	log "stopped"
	;;
status)
	status
	;;
migrate)
	scripts/migrate.sh --seed
	;;
restart-app)
	stop_app
	start_app
	;;
stop)
	case "${2:-}" in
	postgres) stop_postgres ;;
	redis) stop_pid redis ;;
	rabbitmq) rabbit stop ;;
	relay|consumers) stop_workers ;;
	standins) stop_pid toss; stop_pid google ;;
	app) stop_app ;;
	*) echo "stop what? postgres redis rabbitmq relay standins app" >&2; exit 2 ;;
	esac
	;;
start)
	mkdir -p "$PIDS" "$LOGS"
	case "${2:-}" in
	postgres) start_postgres ;;
	redis) start_redis ;;
	rabbitmq) start_rabbitmq ;;
	relay|consumers) start_workers ;;
	standins) start_standins ;;
	app) start_app ;;
	*) echo "start what? postgres redis rabbitmq relay standins app" >&2; exit 2 ;;
	esac
	;;
*)
	sed -n '2,17p' "$0" >&2
	exit 2
	;;
esac
