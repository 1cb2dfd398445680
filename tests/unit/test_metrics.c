/*
 * test_metrics.c: request counters, latency histograms and named counters
 * in shared memory, rendered as Prometheus text (src/core/metrics.c).
 *
 * What an operator notices is the /metrics text, so the tests look for
 * whole lines in metrics_render()'s output. Each test gets a fresh shared
 * region (setup) that is unmapped afterwards (teardown).
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <unistd.h>

#include "unit.h"

#include "core/metrics.h"

#define R_CONCERTS	"/api/v1/concerts"
#define R_RESERVE	"/api/v1/reservations"

static int
setup(void **state)
{
	struct metrics_shm	*m;

	if ((m = metrics_create()) == NULL)
		return (-1);
	*state = m;
	return (0);
}

static int
teardown(void **state)
{
	metrics_attach(NULL);
	return (munmap(*state, sizeof(struct metrics_shm)));
}

/* The rendered text, or a failed test; the caller frees it. */
static char *
render(const struct metrics_shm *m)
{
	char	*out;
	size_t	 len;

	len = 0;
	out = metrics_render(m, &len);
	assert_non_null(out);
	assert_int_equal(len, strlen(out));
	return (out);
}

/* 1 if text holds this exact line. */
static int
has_line(const char *text, const char *line)
{
	const char	*p;
	size_t		 n;

	n = strlen(line);
	for (p = text; (p = strstr(p, line)) != NULL; p++) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return (1);
	}
	return (0);
}

/* Check every wanted line, free the text, then report the first missing. */
static void
expect_lines(char *text, const char **lines, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (!has_line(text, lines[i]))
			break;
	}
	if (i < n)
		fprintf(stderr, "---- rendered:\n%s----\n", text);
	free(text);
	if (i < n)
		fail_msg("missing line: %s", lines[i]);
}

static void
expect_no_line_containing(char *text, const char *part)
{
	int	found;

	found = strstr(text, part) != NULL;
	free(text);
	if (found)
		fail_msg("unexpected: %s", part);
}

static void
requests_counted_by_route_and_status(void **state)
{
	const char	*want[] = {
		"encore_http_requests_total{route=\"" R_CONCERTS "\","
		    "status=\"200\"} 2",
		"encore_http_requests_total{route=\"" R_CONCERTS "\","
		    "status=\"404\"} 1",
		"encore_http_requests_total{route=\"" R_RESERVE "\","
		    "status=\"201\"} 1",
		"encore_http_requests_total{route=\"" R_RESERVE "\","
		    "status=\"409\"} 3",
	};

	metrics_observe(R_CONCERTS, 200, 800);
	metrics_observe(R_CONCERTS, 200, 900);
	metrics_observe(R_CONCERTS, 404, 100);
	metrics_observe(R_RESERVE, 201, 30000);
	metrics_observe(R_RESERVE, 409, 1000);
	metrics_observe(R_RESERVE, 409, 2000);
	metrics_observe(R_RESERVE, 409, 3000);
	expect_lines(render(*state), want, UNIT_NELEM(want));
}

static void
statuses_never_seen_are_not_rendered(void **state)
{
	metrics_observe(R_CONCERTS, 200, 800);
	expect_no_line_containing(render(*state), "status=\"500\"");
}

static void
unknown_status_counted_as_other(void **state)
{
	const char	*want[] = {
		"encore_http_requests_total{route=\"" R_CONCERTS "\","
		    "status=\"other\"} 3",
		"encore_http_request_duration_seconds_count{route=\""
		    R_CONCERTS "\",status=\"other\"} 3",
	};

	metrics_observe(R_CONCERTS, 418, 10);
	metrics_observe(R_CONCERTS, 299, 10);
	metrics_observe(R_CONCERTS, 0, 10);
	expect_lines(render(*state), want, UNIT_NELEM(want));
}

static void
histogram_buckets_are_cumulative_and_end_with_count(void **state)
{
#define H(le, n) "encore_http_request_duration_seconds_bucket{route=\"" \
	R_CONCERTS "\",status=\"200\",le=\"" le "\"} " #n
	const char	*want[] = {
		H("0.0005", 1), H("0.001", 2), H("0.0025", 2), H("0.005", 3),
		H("0.01", 3), H("0.025", 3), H("0.05", 3), H("0.1", 3),
		H("0.25", 3), H("0.5", 3), H("1", 4), H("2.5", 4),
		H("+Inf", 5),
		"encore_http_request_duration_seconds_sum{route=\"" R_CONCERTS
		    "\",status=\"200\"} 4.005300",
		"encore_http_request_duration_seconds_count{route=\""
		    R_CONCERTS "\",status=\"200\"} 5",
	};
#undef H

	metrics_observe(R_CONCERTS, 200, 500);		/* on a bound: <= */
	metrics_observe(R_CONCERTS, 200, 800);
	metrics_observe(R_CONCERTS, 200, 4000);
	metrics_observe(R_CONCERTS, 200, 1000000);
	metrics_observe(R_CONCERTS, 200, 3000000);	/* past 2.5 s */
	expect_lines(render(*state), want, UNIT_NELEM(want));
}

static void
families_have_help_and_type(void **state)
{
	const char	*want[] = {
		"# TYPE encore_http_requests_total counter",
		"# TYPE encore_http_request_duration_seconds histogram",
		"# TYPE encore_db_pool_size gauge",
		"# TYPE encore_db_calls_in_flight gauge",
		"# TYPE encore_dependency_up gauge",
	};
	char		*text;

	text = render(*state);
	assert_non_null(strstr(text, "# HELP encore_http_requests_total "));
	assert_non_null(strstr(text,
	    "# HELP encore_http_request_duration_seconds "));
	expect_lines(text, want, UNIT_NELEM(want));
}

static void
named_counters_rendered_with_values(void **state)
{
	static const char	*names[MC_COUNT] = {
		"encore_db_unavailable_total", "encore_holds_expired_total",
		"encore_redis_errors_total", "encore_rate_limit_fail_open_total",
		"encore_rate_limited_total", "encore_seat_cache_hits_total",
		"encore_seat_cache_misses_total",
		"encore_payments_confirmed_total",
		"encore_payments_refunded_total", "encore_provider_errors_total",
		"encore_payments_reconciled_total",
		"encore_webhooks_applied_total",
	};
	char			*text, line[160];
	int			 i, ok;

	metrics_count(MC_HOLDS_EXPIRED, 3);
	metrics_count(MC_HOLDS_EXPIRED, 2);
	metrics_count(MC_RATE_LIMITED, 1);
	metrics_count(MC_WEBHOOKS_APPLIED, 7);
	text = render(*state);
	ok = 1;
	for (i = 0; i < MC_COUNT && ok; i++) {
		snprintf(line, sizeof(line), "# TYPE %s counter", names[i]);
		ok = has_line(text, line);
		snprintf(line, sizeof(line), "# HELP %s ", names[i]);
		ok = ok && strstr(text, line) != NULL;
		snprintf(line, sizeof(line), "%s %d", names[i],
		    i == MC_HOLDS_EXPIRED ? 5 : i == MC_RATE_LIMITED ? 1 :
		    i == MC_WEBHOOKS_APPLIED ? 7 : 0);
		ok = ok && has_line(text, line);
	}
	free(text);
	if (!ok)
		fail_msg("counter %s not rendered as expected", names[i - 1]);
}

static void
gauges_rendered(void **state)
{
	struct metrics_shm	*m = *state;
	const char		*want[] = {
		"encore_db_pool_size 8",
		"encore_db_calls_in_flight{worker=\"0\"} 1",
		"encore_db_calls_in_flight{worker=\"1\"} 0",
		"encore_db_calls_in_flight{worker=\"5\"} 1",
		"encore_dependency_up{dependency=\"redis\"} 1",
		"encore_dependency_up{dependency=\"rabbitmq\"} 0",
	};

	m->db_pool_size = 8;
	m->redis_up = 1;
	m->amqp_up = 0;
	metrics_db_in_flight(0, 1);
	metrics_db_in_flight(5, 2);
	metrics_db_in_flight(5, -1);
	metrics_db_in_flight(-1, 1);			/* ignored */
	metrics_db_in_flight(METRICS_WORKERS, 1);	/* ignored */
	expect_lines(render(m), want, UNIT_NELEM(want));
}

static void
idle_workers_beyond_the_first_two_not_rendered(void **state)
{
	expect_no_line_containing(render(*state), "worker=\"2\"");
}

static void
route_table_full_drops_new_routes_only(void **state)
{
	struct metrics_shm	*m = *state;
	char			 route[32], line[128], *text;
	int			 i, ok;

	for (i = 0; i < METRICS_ROUTES; i++) {
		snprintf(route, sizeof(route), "/r%d", i);
		metrics_observe(route, 200, 100);
	}
	metrics_observe("/one-too-many", 200, 100);
	metrics_observe("/one-too-many", 500, 100);
	metrics_observe("/r0", 200, 100);		/* known routes go on */
	assert_int_equal(m->nroutes, METRICS_ROUTES);

	text = render(m);
	ok = strstr(text, "/one-too-many") == NULL &&
	    has_line(text, "encore_http_requests_total{route=\"/r0\","
	    "status=\"200\"} 2");
	snprintf(line, sizeof(line), "encore_http_requests_total{route=\"/r%d\","
	    "status=\"200\"} 1", METRICS_ROUTES - 1);
	ok = ok && has_line(text, line);
	free(text);
	assert_true(ok);
}

static void
long_route_name_counted_under_one_entry(void **state)
{
	struct metrics_shm	*m = *state;
	char			 route[100];
	int			 i;

	/*
	 * BUG (latent: kore.conf's longest route is 37 bytes today): a
	 * route name of 64 bytes or more is stored cut to 63, but
	 * looked up uncut (strcmp against the cut copy never matches), so
	 * every request on it takes a new slot: 40 requests fill the table
	 * and every later new route is dropped from /metrics. Fix in
	 * metrics_route_index(): cut the name first (char key[64];
	 * snprintf(key, sizeof(key), "%s", route)) and use key for both the
	 * lookups and the store.
	 */
	memset(route, 'a', sizeof(route) - 1);
	route[0] = '/';
	route[sizeof(route) - 1] = '\0';
	for (i = 0; i < 5; i++)
		metrics_observe(route, 200, 100);
	assert_int_equal(m->nroutes, 1);
	assert_int_equal(m->cells[0][0].count, 5);
}

static void
observing_without_shared_memory_is_harmless(void **state)
{
	struct metrics_shm	*m = *state;

	metrics_attach(NULL);
	metrics_observe(R_CONCERTS, 200, 100);
	metrics_count(MC_RATE_LIMITED, 1);
	metrics_db_in_flight(0, 1);
	assert_null(metrics_get());
	metrics_attach(m);
	assert_ptr_equal(metrics_get(), m);
	assert_int_equal(m->nroutes, 0);
	assert_int_equal(m->counters[MC_RATE_LIMITED], 0);
}

/* Every line is a comment or "name[{labels}] number". */
static void
output_is_prometheus_text(void **state)
{
	char		*text, *line, *next, *sp, *end, route[32];
	int		 i, bad;

	for (i = 0; i < METRICS_ROUTES; i++) {
		snprintf(route, sizeof(route), "/api/v1/r%d", i);
		metrics_observe(route, 200, (uint64_t)i * 7919);
		metrics_observe(route, 404, 100);
		metrics_observe(route, 503, 5000000);
	}
	metrics_count(MC_PAYMENTS_CONFIRMED, 12);
	text = render(*state);			/* > 16 KiB: the buffer grows */
	assert_true(strlen(text) > 16384);
	assert_true(text[strlen(text) - 1] == '\n');
	bad = 0;
	for (line = text; *line != '\0' && !bad; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		if (!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7))
			continue;
		sp = strrchr(line, ' ');
		bad = sp == NULL || sp == line || sp[1] == '\0';
		if (!bad) {
			(void)strtod(sp + 1, &end);
			bad = *end != '\0' || !((line[0] >= 'a' &&
			    line[0] <= 'z') || line[0] == '_');
		}
		if (bad)
			fprintf(stderr, "bad line: %s\n", line);
	}
	free(text);
	assert_false(bad);
}

static void
observations_from_other_processes_are_shared(void **state)
{
	enum { CHILDREN = 2, EACH = 20000 };
	const char	*want[] = {
		"encore_http_requests_total{route=\"/shared\",status=\"200\"} "
		    "40000",
		"encore_http_request_duration_seconds_count{route=\"/shared\","
		    "status=\"200\"} 40000",
		"encore_seat_cache_hits_total 40000",
		"encore_http_requests_total{route=\"/c0\",status=\"201\"} 1",
		"encore_http_requests_total{route=\"/c1\",status=\"201\"} 1",
	};
	pid_t		 pids[CHILDREN];
	int		 i, n, st;

	/* Like kore workers: forked after the region exists, racing. */
	for (i = 0; i < CHILDREN; i++) {
		if ((pids[i] = fork()) == -1)
			fail_msg("fork failed");
		if (pids[i] == 0) {
			char	route[8];

			snprintf(route, sizeof(route), "/c%d", i);
			for (n = 0; n < EACH; n++) {
				metrics_observe("/shared", 200, 100);
				metrics_count(MC_SEAT_CACHE_HITS, 1);
			}
			metrics_observe(route, 201, 100);
			_exit(0);
		}
	}
	for (i = 0; i < CHILDREN; i++) {
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(((struct metrics_shm *)*state)->nroutes, 3);
	expect_lines(render(*state), want, UNIT_NELEM(want));
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(requests_counted_by_route_and_status),
		T(statuses_never_seen_are_not_rendered),
		T(unknown_status_counted_as_other),
		T(histogram_buckets_are_cumulative_and_end_with_count),
		T(families_have_help_and_type),
		T(named_counters_rendered_with_values),
		T(gauges_rendered),
		T(idle_workers_beyond_the_first_two_not_rendered),
		T(route_table_full_drops_new_routes_only),
		T(long_route_name_counted_under_one_entry),
		T(observing_without_shared_memory_is_harmless),
		T(output_is_prometheus_text),
		T(observations_from_other_processes_are_shared),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
