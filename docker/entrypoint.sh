#!/usr/bin/env bash
# encore-entrypoint: the roles of the encore image.
#
#   serve             kore -c kore.conf -f -n -r (the HTTP server)
#   relay             build/encore-relay (outbox -> RabbitMQ)
#   consumer NAME     build/encore-consumer NAME (notifications, stats)
#   migrate [--seed]  scripts/migrate.sh (PGHOST, PGPORT, PGUSER, PGDATABASE,
#                     PGPASSWORD from the environment)
#   anything else     run as given (e.g. bash)
#
# kore.conf binds the address the developer's machine uses (127.0.0.1) and
# keeps its pid file and spooled request bodies under run/. In a container
# kore must listen on the container's interface, and the application
# directory is read-only for the encore user, so "serve" runs kore on a copy
# of kore.conf whose bind lines use ENCORE_BIND_ADDRESS (default 0.0.0.0) and
# whose pid file and body spool live under /tmp/encore. -n: no chroot, -r: no
# privilege drop; the container already runs as an unprivileged user. The
# configuration proper comes from the ENCORE_* environment, which encore
# validates at start.
set -euo pipefail

cd /app
role=${1:-serve}
[ "$#" -gt 0 ] && shift

case "$role" in
serve)
	state=/tmp/encore
	conf=$state/kore.conf
	bind=${ENCORE_BIND_ADDRESS:-0.0.0.0}
	mkdir -p "$state/bodies"
	sed -E -e "s/^([[:space:]]*bind[[:space:]]+)[^[:space:]]+/\1$bind/" \
	    -e '/^[[:space:]]*(pidfile|http_body_disk_path)[[:space:]]/d' \
	    kore.conf >"$conf"
	printf 'pidfile %s\nhttp_body_disk_path %s\n' \
	    "$state/kore.pid" "$state/bodies" >>"$conf"
	exec kore -c "$conf" -f -n -r "$@"
	;;
relay)
	exec /app/build/encore-relay "$@"
	;;
consumer)
	if [ "$#" -lt 1 ]; then
		echo "encore-entrypoint: consumer needs a name (notifications or stats)" >&2
		exit 2
	fi
	exec /app/build/encore-consumer "$@"
	;;
migrate)
	exec /app/scripts/migrate.sh "$@"
	;;
*)
	exec "$role" "$@"
	;;
esac
