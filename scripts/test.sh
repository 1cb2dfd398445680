#!/usr/bin/env bash
# Run encore's test suites against a test stack of its own.
#
#   scripts/test.sh all            every suite (what `make test` and CI run)
#   scripts/test.sh unit|sql|integration|ui|checks   one suite
#
# The test stack (ENCORE_STACK=test: its own run directory and ports) is
# started for the suites that need it and always stopped at the end, even
# when a suite fails. The last line adds up all suites: "N passed, M failed".
set -euo pipefail

export ENCORE_STACK=${ENCORE_STACK:-test}
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ENCORE_ROOT"

LOGDIR=$ENCORE_ROOT/artifacts/test-logs
mkdir -p "$LOGDIR"
PASSED=0
FAILED=0
STACK_UP=0
SUMMARY=()

note() { printf '\n==== %s\n' "$*"; }

# count NAME PASS FAIL: add a suite's numbers to the totals.
count() {
	PASSED=$((PASSED + $2))
	FAILED=$((FAILED + $3))
	SUMMARY+=("$(printf '%-28s %4d passed, %d failed' "$1" "$2" "$3")")
}

# run_suite NAME PARSER CMD...: run, keep the log, parse its counts.
# A suite that exits non-zero counts at least one failure.
run_suite() {
	local name=$1 parser=$2 log rc p f
	shift 2
	log=$LOGDIR/${name//\//_}.log
	note "$name"
	set +e
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	read -r p f < <("$parser" "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; fi	# ran nothing
	count "$name" "$p" "$f"
}

# The parsers run under set -e: a grep that finds nothing must not end the run.
parse_cmocka() {
	local p f
	p=$({ grep -ho '^\[  PASSED  \] [0-9]*' "$1" || true; } | awk '{s+=$4} END {print s+0}')
	f=$({ grep -ho '^\[  FAILED  \] [0-9]* test' "$1" || true; } | awk '{s+=$4} END {print s+0}')
	echo "$p $f"
}
parse_plain() {
	# the last "N passed, M failed" line
	{ grep -Eo '^[A-Za-z]*:? ?[0-9]+ passed, [0-9]+ failed' "$1" || true; } |
	    tail -1 | { grep -Eo '[0-9]+ passed, [0-9]+ failed' || echo "0 passed, 0 failed"; } |
	    awk '{print $1, $3}'
}
parse_node() {
	local p f
	p=$({ grep -Eo '^# pass [0-9]+' "$1" || true; } | awk '{s+=$3} END {print s+0}')
	f=$({ grep -Eo '^# fail [0-9]+' "$1" || true; } | awk '{s+=$3} END {print s+0}')
	echo "$p $f"
}
parse_prove() {
	local tests
	tests=$({ grep -Eo 'Tests=[0-9]+' "$1" || true; } | tail -1 | cut -d= -f2)
	tests=${tests:-0}
	if grep -q '^Result: PASS' "$1"; then
		echo "$tests 0"
	else
		# pg_prove lists "Failed N/M subtests" per file
		echo "$tests $({ grep -Eo 'Failed [0-9]+/' "$1" || true; } | tr -dc '0-9\n' | awk '{s+=$1} END {print s+0}')"
	fi
}

stack_up() {
	[ "$STACK_UP" -eq 1 ] && return 0
	note "test stack up (ports: http $HTTP_PORT, postgres $PG_PORT)"
	STACK_UP=1
	scripts/stack.sh down >/dev/null 2>&1 || true
	# Start from an empty database every run, so runs are repeatable.
	rm -rf "$RUN_DIR"
	make -s build unit-bins
	scripts/stack.sh up
}

finish() {
	local rc=$?
	if [ "$STACK_UP" -eq 1 ]; then
		note "test stack down"
		scripts/stack.sh down || true
	fi
	note "summary"
	printf '%s\n' "${SUMMARY[@]}"
	echo "$PASSED passed, $FAILED failed"
	if [ "$rc" -ne 0 ] && [ "$FAILED" -eq 0 ]; then exit "$rc"; fi
	[ "$FAILED" -eq 0 ]
}
trap finish EXIT

suite_unit() {
	local t
	make -s unit-bins
	# The core is built with AddressSanitizer and LeakSanitizer; the
	# workers' tests run under valgrind, which fails them on any leak.
	for t in build/tests/test_*; do
		run_suite "unit/$(basename "$t")" parse_cmocka \
		    env ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 "$t"
	done
	if command -v valgrind >/dev/null; then
		run_suite "unit/test_workers" parse_cmocka valgrind -q \
		    --leak-check=full --errors-for-leak-kinds=all \
		    --error-exitcode=99 build/test_workers
	else
		run_suite "unit/test_workers" parse_cmocka build/test_workers
	fi
}

suite_sql() {
	stack_up
	run_suite "sql/pgtap" parse_prove pg_prove --ext .sql -r pgtests/
	run_suite "sql/concurrency" parse_plain scripts/pg-concurrency.sh
}

suite_integration() {
	stack_up
	run_suite "integration/standins" parse_node node --test tools/standins/test/
	run_suite "integration/api" parse_node node --test --test-concurrency=1 tests/integration/
	run_suite "integration/openapi-live" parse_plain \
	    scripts/check-openapi.sh --live "$ENCORE_BASE_URL"
	if [ -x tests/integration/amqp_flow.sh ]; then
		run_suite "integration/amqp" parse_plain tests/integration/amqp_flow.sh
	fi
}

suite_ui() {
	stack_up
	[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent
	run_suite "ui/chromium" parse_node node --test tests/ui/
}

suite_checks() {
	run_suite "checks/k6" parse_plain scripts/check-k6.sh
	run_suite "checks/compose" parse_plain scripts/check-compose.sh
	run_suite "checks/openapi" parse_plain scripts/check-openapi.sh
}

scripts/deps.sh
case "${1:-all}" in
all)
	suite_unit
	suite_checks
	suite_sql
	suite_integration
	suite_ui
	;;
unit|sql|integration|ui|checks) "suite_$1" ;;
*) sed -n '2,10p' "$0" >&2; exit 2 ;;
esac
