#!/usr/bin/env bash
# A private RabbitMQ node for one encore stack.
#
#   scripts/rabbitmq.sh start|stop|status RUNDIR AMQP_PORT DIST_PORT EPMD_PORT NODENAME
#
# Debian's /usr/sbin/rabbitmq-server wrapper writes under /var and talks to the
# system node; we call the server script underneath it instead, with every
# RABBITMQ_* path pointing into RUNDIR/rabbitmq, so several stacks (dev, test,
# a developer's scratch node) live side by side on one machine. The node runs
# as the `rabbitmq` user when we are root (the Erlang VM refuses nothing as
# root, but its files should not be root's), without plugins, listening on
# 127.0.0.1 only. Its Erlang cookie lives in RUNDIR/rabbitmq/home, so every
# rabbitmqctl call below uses the same HOME and node name.
#
# start: starts the node unless it already runs, waits until the AMQP port
#        answers, then makes sure the user ENCORE_AMQP_USER (password
#        ENCORE_AMQP_PASSWORD) exists as administrator with all permissions
#        on vhost "/", and that guest does not exist.
# stop:  TERM to the node's pid, KILL after a grace period, then stops the
#        epmd of EPMD_PORT (epmd outlives the node).
# status: exit 0 when the node's pid is alive and the AMQP port answers,
#        3 otherwise.
# All three can be run any number of times.
set -euo pipefail

usage() {
	echo "usage: $0 start|stop|status RUNDIR AMQP_PORT DIST_PORT EPMD_PORT NODENAME" >&2
	exit 2
}

[ $# -eq 6 ] || usage
cmd=$1
rundir=$2
amqp_port=$3
dist_port=$4
epmd_port=$5
nodename=$6
for p in "$amqp_port" "$dist_port" "$epmd_port"; do
	if ! [[ $p =~ ^[0-9]+$ ]] || [ "$p" -lt 1 ] || [ "$p" -gt 65535 ]; then
		echo "rabbitmq.sh: bad port '$p'" >&2
		exit 2
	fi
done

RMQ_BIN=/usr/lib/rabbitmq/bin
mkdir -p "$rundir"
base=$(cd "$rundir" && pwd)/rabbitmq
pidfile=$base/rabbitmq.pid
start_timeout=${RABBITMQ_START_TIMEOUT:-60}
stop_grace=${RABBITMQ_STOP_GRACE:-15}

# Run a command as the node's owner, with the node's environment.
as_owner() {
	local -a envs=(
		"HOME=$base/home"
		"RABBITMQ_NODENAME=$nodename"
		"RABBITMQ_NODE_IP_ADDRESS=127.0.0.1"
		"RABBITMQ_NODE_PORT=$amqp_port"
		"RABBITMQ_DIST_PORT=$dist_port"
		"ERL_EPMD_PORT=$epmd_port"
		"ERL_EPMD_ADDRESS=127.0.0.1"
		"RABBITMQ_MNESIA_BASE=$base/mnesia"
		"RABBITMQ_LOG_BASE=$base/log"
		"RABBITMQ_PID_FILE=$pidfile"
		"RABBITMQ_CONFIG_FILE=$base/rabbitmq.conf"
		"RABBITMQ_ADVANCED_CONFIG_FILE=$base/advanced.config"
		"RABBITMQ_ENABLED_PLUGINS_FILE=$base/enabled_plugins"
		"RABBITMQ_CONF_ENV_FILE=$base/rabbitmq-env.conf"
		"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}"
	)
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u rabbitmq -- env "${envs[@]}" "$@"
	else
		env "${envs[@]}" "$@"
	fi
}

ctl() {
	as_owner "$RMQ_BIN/rabbitmqctl" -q -n "$nodename" "$@"
}

node_pid() {
	local pid
	[ -s "$pidfile" ] || return 1
	pid=$(tr -dc '0-9' <"$pidfile")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

port_answers() {
	(exec 3<>"/dev/tcp/127.0.0.1/$amqp_port") 2>/dev/null
}

# The rabbitmq user must be able to reach RUNDIR: open up (o+x, never
# o+r) each ancestor it cannot traverse, and say so.
make_traversable() {
	local d=$base
	[ "$(id -u)" -eq 0 ] || return 0
	while [ "$d" != / ]; do
		d=$(dirname "$d")
		if ! runuser -u rabbitmq -- test -x "$d"; then
			echo "rabbitmq.sh: chmod o+x $d so the rabbitmq user can reach $base"
			chmod o+x "$d"
		fi
	done
}

prepare_dirs() {
	mkdir -p "$base/home" "$base/mnesia" "$base/log"
	cat >"$base/rabbitmq.conf" <<-EOF
	# Written by scripts/rabbitmq.sh for node $nodename.
	listeners.tcp.default = 127.0.0.1:$amqp_port
	loopback_users = none
	log.console = false
	log.file.level = info
	disk_free_limit.absolute = 50MB
	EOF
	echo '[].' >"$base/advanced.config"
	echo '[].' >"$base/enabled_plugins"
	: >"$base/rabbitmq-env.conf"
	if [ "$(id -u)" -eq 0 ]; then
		chown -R rabbitmq:rabbitmq "$base"
		make_traversable
	fi
	chmod 700 "$base/home"
}

ensure_user() {
	local user=${ENCORE_AMQP_USER:-}
	local pass=${ENCORE_AMQP_PASSWORD:-}
	if [ -z "$user" ] || [ -z "$pass" ]; then
		echo "rabbitmq.sh: ENCORE_AMQP_USER and ENCORE_AMQP_PASSWORD must be set" >&2
		return 1
	fi
	ctl await_startup --timeout "$start_timeout" >/dev/null
	if ctl list_users --no-table-headers | awk '{print $1}' | grep -qxF "$user"; then
		ctl change_password "$user" "$pass" >/dev/null
	else
		ctl add_user "$user" "$pass" >/dev/null
	fi
	ctl set_user_tags "$user" administrator >/dev/null
	ctl set_permissions -p / "$user" '.*' '.*' '.*' >/dev/null
	if ctl list_users --no-table-headers | awk '{print $1}' | grep -qxF guest; then
		ctl delete_user guest >/dev/null
	fi
}

do_start() {
	local pid i
	if pid=$(node_pid); then
		echo "rabbitmq $nodename already running (pid $pid)"
	else
		if port_answers; then
			echo "rabbitmq.sh: port $amqp_port is taken by another process" >&2
			exit 1
		fi
		prepare_dirs
		rm -f "$pidfile"
		(cd "$base" && as_owner "$RMQ_BIN/rabbitmq-server" -detached)
		for ((i = 0; i < start_timeout * 10; i++)); do
			if node_pid >/dev/null && port_answers; then
				break
			fi
			sleep 0.1
		done
		if ! pid=$(node_pid) || ! port_answers; then
			echo "rabbitmq.sh: $nodename did not answer on port $amqp_port" \
			    "within ${start_timeout}s; see $base/log" >&2
			exit 1
		fi
		echo "rabbitmq $nodename started (pid $pid, amqp 127.0.0.1:$amqp_port)"
	fi
	ensure_user
	echo "rabbitmq user ${ENCORE_AMQP_USER} ready, guest removed"
}

do_stop() {
	local pid i
	if pid=$(node_pid); then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < stop_grace * 10; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "rabbitmq $nodename ignored TERM; sending KILL"
			kill -KILL "$pid" 2>/dev/null || true
			sleep 0.2
		fi
		echo "rabbitmq $nodename stopped (pid $pid)"
	else
		echo "rabbitmq $nodename not running"
	fi
	rm -f "$pidfile"
	ERL_EPMD_PORT=$epmd_port epmd -port "$epmd_port" -kill >/dev/null 2>&1 || true
}

do_status() {
	local pid
	if pid=$(node_pid) && port_answers; then
		echo "rabbitmq $nodename running (pid $pid, amqp 127.0.0.1:$amqp_port)"
		return 0
	fi
	echo "rabbitmq $nodename not running"
	return 3
}

case "$cmd" in
start)	do_start ;;
stop)	do_stop ;;
status)	do_status ;;
*)	usage ;;
esac
