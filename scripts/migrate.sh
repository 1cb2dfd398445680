#!/usr/bin/env bash
# Bring the encore schema up to date, safely and repeatably.
#
#   scripts/migrate.sh           apply new sql/schema/NNN_*.sql, reload functions
#   scripts/migrate.sh --seed    ... and create the demo concert if none exists
#
# Connects with the standard libpq variables (PGHOST, PGPORT, PGUSER,
# PGDATABASE; scripts/env.sh sets them per stack). Each migration runs once,
# in its own transaction, and is recorded in encore.schema_migrations; every
# sql/functions/*.sql is then re-applied (CREATE OR REPLACE) in name order in
# one transaction. A session advisory lock serialises concurrent runs. The
# whole run is one psql session, so the lock covers it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seed=no
for arg in "$@"; do
	case "$arg" in
	--seed) seed=yes ;;
	-h|--help) sed -n '2,12p' "$0"; exit 0 ;;
	*) echo "migrate.sh: unknown argument '$arg'" >&2; exit 2 ;;
	esac
done

: "${PGDATABASE:?set PGHOST, PGPORT, PGUSER and PGDATABASE (source scripts/env.sh)}"

plan=$(mktemp "${TMPDIR:-/tmp}/encore-migrate.XXXXXX")
trap 'rm -f "$plan"' EXIT

{
	cat <<'SQL'
SET client_min_messages = warning;
SELECT pg_advisory_lock(hashtextextended('encore.migrate', 0)) AS locked \gset
CREATE SCHEMA IF NOT EXISTS encore;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pgtap')
    AS have_pgtap \gset
\if :have_pgtap
CREATE EXTENSION IF NOT EXISTS pgtap;
\endif
CREATE TABLE IF NOT EXISTS encore.schema_migrations (
	version		text PRIMARY KEY,
	applied_at	timestamptz NOT NULL DEFAULT now()
);
SQL
	for f in "$root"/sql/schema/*.sql; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .sql)
		if ! [[ $name =~ ^[0-9]{3}_[a-z0-9_]+$ ]]; then
			echo "migrate.sh: bad migration name '$name.sql' (want NNN_name.sql)" >&2
			exit 2
		fi
		cat <<SQL
SELECT NOT EXISTS (SELECT 1 FROM encore.schema_migrations
    WHERE version = '$name') AS pending \gset
\if :pending
BEGIN;
\i '$f'
INSERT INTO encore.schema_migrations (version) VALUES ('$name');
COMMIT;
\echo migrate: applied $name
\endif
SQL
	done
	echo 'BEGIN;'
	for f in "$root"/sql/functions/*.sql; do
		[ -e "$f" ] || continue
		echo "\\i '$f'"
	done
	echo 'COMMIT;'
	if [ "$seed" = yes ]; then
		echo "\\i '$root/sql/seed.sql'"
	fi
	echo "SELECT pg_advisory_unlock(hashtextextended('encore.migrate', 0)) \\gset"
} >"$plan"

psql -v ON_ERROR_STOP=1 -X -q -f "$plan"
echo "migrate: $(psql -X -A -t -q -c 'SELECT count(*) FROM encore.schema_migrations') migrations recorded, functions reloaded"
