# shellcheck shell=bash
# The one place that says where a stack lives and which ports it uses.
#
# Sourced by every script. ENCORE_STACK picks the stack: "dev" (make run /
# make up) or "test" (make test). Each stack has its own run directory and
# ports, so a test run never touches a running dev stack. Every value can be
# overridden from the environment; .env.example documents the app's own
# variables (ENCORE_*), this file only derives the defaults.

ENCORE_ROOT=${ENCORE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
ENCORE_STACK=${ENCORE_STACK:-dev}

# Any other stack name needs ENCORE_PORT_OFFSET (2..9): a private stack,
# e.g. for a developer running failure tests beside a test run.
case "$ENCORE_STACK" in
dev)	_off=0 ;;
test)	_off=${ENCORE_PORT_OFFSET:-1} ;;
*[!a-z0-9]*|"")
	echo "ENCORE_STACK must be a lowercase name (got '$ENCORE_STACK')" >&2
	exit 2 ;;
*)	_off=${ENCORE_PORT_OFFSET:?ENCORE_PORT_OFFSET (2..9) is required for stack $ENCORE_STACK} ;;
esac

RUN_DIR=${RUN_DIR:-$ENCORE_ROOT/run/$ENCORE_STACK}
PG_PORT=${PG_PORT:-$((54320 + _off))}
REDIS_PORT=${REDIS_PORT:-$((63790 + _off))}
AMQP_PORT=${AMQP_PORT:-$((56720 + _off * 10))}
AMQP_DIST_PORT=${AMQP_DIST_PORT:-$((56721 + _off * 10))}
EPMD_PORT=${EPMD_PORT:-$((43690 + _off))}
if [ "$ENCORE_STACK" = dev ]; then
	HTTP_PORT=${HTTP_PORT:-8080}
	TOSS_PORT=${TOSS_PORT:-8091}
	GOOGLE_PORT=${GOOGLE_PORT:-8092}
else
	HTTP_PORT=${HTTP_PORT:-$((18080 + (_off - 1) * 100))}
	TOSS_PORT=${TOSS_PORT:-$((18091 + (_off - 1) * 100))}
	GOOGLE_PORT=${GOOGLE_PORT:-$((18092 + (_off - 1) * 100))}
fi
RABBIT_NODE=encore-$ENCORE_STACK@localhost
PG_DB=encore
PG_USER=encore

export ENCORE_ROOT ENCORE_STACK RUN_DIR PG_PORT REDIS_PORT AMQP_PORT \
    AMQP_DIST_PORT EPMD_PORT HTTP_PORT TOSS_PORT GOOGLE_PORT RABBIT_NODE \
    PG_DB PG_USER

# The app's configuration for this stack (see .env.example for meanings).
# Stacks other than dev are for tests: they settle stuck payments sooner.
if [ "$ENCORE_STACK" = dev ]; then
	export ENCORE_ENV=${ENCORE_ENV:-development}
else
	export ENCORE_ENV=${ENCORE_ENV:-test}
	export ENCORE_RECONCILE_INTERVAL_MS=${ENCORE_RECONCILE_INTERVAL_MS:-1000}
	export ENCORE_RECONCILE_AFTER_S=${ENCORE_RECONCILE_AFTER_S:-3}
	export ENCORE_TOSS_TIMEOUT_MS=${ENCORE_TOSS_TIMEOUT_MS:-3000}
fi
export ENCORE_BASE_URL=http://127.0.0.1:$HTTP_PORT
export TOSS_URL=http://127.0.0.1:$TOSS_PORT
export GOOGLE_URL=http://127.0.0.1:$GOOGLE_PORT
export ENCORE_PUBLIC_URL=${ENCORE_PUBLIC_URL:-http://127.0.0.1:$HTTP_PORT}
export ENCORE_DATABASE_URL=${ENCORE_DATABASE_URL:-host=127.0.0.1 port=$PG_PORT dbname=$PG_DB user=$PG_USER connect_timeout=2 options=-cstatement_timeout=5000}
export ENCORE_REDIS_HOST=${ENCORE_REDIS_HOST:-127.0.0.1}
export ENCORE_REDIS_PORT=${ENCORE_REDIS_PORT:-$REDIS_PORT}
export ENCORE_AMQP_HOST=${ENCORE_AMQP_HOST:-127.0.0.1}
export ENCORE_AMQP_PORT=${ENCORE_AMQP_PORT:-$AMQP_PORT}
export ENCORE_AMQP_USER=${ENCORE_AMQP_USER:-encore}
export ENCORE_AMQP_PASSWORD=${ENCORE_AMQP_PASSWORD:-encore-local-only}
export ENCORE_JWT_SECRET=${ENCORE_JWT_SECRET:-local-$ENCORE_STACK-secret-change-me-0123456789abcdef}
export ENCORE_DEV_LOGIN=${ENCORE_DEV_LOGIN:-on}
export ENCORE_ADMIN_EMAILS=${ENCORE_ADMIN_EMAILS:-admin@encore.local}
export ENCORE_TOSS_API_BASE=${ENCORE_TOSS_API_BASE:-http://127.0.0.1:$TOSS_PORT}
export ENCORE_TOSS_SECRET_KEY=${ENCORE_TOSS_SECRET_KEY:-test_sk_encore_local}
export ENCORE_TOSS_CHECKOUT_URL=${ENCORE_TOSS_CHECKOUT_URL:-http://127.0.0.1:$TOSS_PORT/checkout}
export ENCORE_GOOGLE_AUTH_URL=${ENCORE_GOOGLE_AUTH_URL:-http://127.0.0.1:$GOOGLE_PORT/o/oauth2/v2/auth}
export ENCORE_GOOGLE_TOKEN_URL=${ENCORE_GOOGLE_TOKEN_URL:-http://127.0.0.1:$GOOGLE_PORT/token}
export ENCORE_GOOGLE_USERINFO_URL=${ENCORE_GOOGLE_USERINFO_URL:-http://127.0.0.1:$GOOGLE_PORT/v1/userinfo}
export ENCORE_GOOGLE_CLIENT_ID=${ENCORE_GOOGLE_CLIENT_ID:-encore-local-client}
export ENCORE_GOOGLE_CLIENT_SECRET=${ENCORE_GOOGLE_CLIENT_SECRET:-encore-local-secret}

# psql and friends, pointed at this stack.
export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGDATABASE=$PG_DB PGUSER=$PG_USER
