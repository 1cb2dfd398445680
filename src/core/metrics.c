/*
 * metrics.c: request counts and latency histograms per route and status,
 * named counters and gauges, rendered in the Prometheus text format.
 */
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static struct metrics_shm	*shm;

static const int	status_codes[METRICS_STATUSES] = {
	200, 201, 204, 302, 304, 400, 401, 403, 404, 405, 409, 413, 415,
	422, 429, 500, 502, 503, 504, 0
};

/* Upper bounds of the latency buckets, in microseconds. */
static const uint64_t	bucket_us[METRICS_BUCKETS] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	500000, 1000000, 2500000
};

static const char	*counter_names[MC_COUNT][2] = {
	{ "encore_db_unavailable_total",
	    "Requests answered 503 because Postgres or its pool was unavailable" },
	{ "encore_holds_expired_total", "Reservations expired by the sweeper" },
	{ "encore_redis_errors_total", "Redis calls that failed or timed out" },
	{ "encore_rate_limit_fail_open_total",
	    "Rate-limit checks let through because Redis was unavailable" },
	{ "encore_rate_limited_total", "Requests refused with 429" },
	{ "encore_seat_cache_hits_total", "Seat maps served from Redis" },
	{ "encore_seat_cache_misses_total", "Seat maps rebuilt from Postgres" },
	{ "encore_payments_confirmed_total", "Payments confirmed (PAID)" },
	{ "encore_payments_refunded_total", "Payments refunded" },
	{ "encore_provider_errors_total", "Failed calls to the payment provider" },
	{ "encore_payments_reconciled_total",
	    "In-flight payments settled by reconciliation" },
	{ "encore_webhooks_applied_total", "Provider webhooks applied" },
};

struct metrics_shm *
metrics_create(void)
{
	void	*p;

	p = mmap(NULL, sizeof(struct metrics_shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (NULL);
	memset(p, 0, sizeof(struct metrics_shm));
	shm = p;
	return (shm);
}

void
metrics_attach(struct metrics_shm *m)
{
	shm = m;
}

struct metrics_shm *
metrics_get(void)
{
	return (shm);
}

static int
metrics_route_index(const char *name)
{
	int	i, n;
	char	route[sizeof(shm->routes[0])];

	/* Stored cut to the slot size: look up the same cut name. */
	snprintf(route, sizeof(route), "%s", name);

	n = __atomic_load_n(&shm->nroutes, __ATOMIC_ACQUIRE);
	for (i = 0; i < n; i++) {
		if (!strcmp(shm->routes[i], route))
			return (i);
	}

	while (__sync_lock_test_and_set(&shm->lock, 1))
		;
	for (i = 0; i < shm->nroutes; i++) {
		if (!strcmp(shm->routes[i], route))
			break;
	}
	if (i == shm->nroutes && i < METRICS_ROUTES) {
		snprintf(shm->routes[i], sizeof(shm->routes[i]), "%s", route);
		__atomic_store_n(&shm->nroutes, i + 1, __ATOMIC_RELEASE);
	}
	__sync_lock_release(&shm->lock);

	return (i < METRICS_ROUTES ? i : -1);
}

void
metrics_observe(const char *route, int status, uint64_t us)
{
	struct metrics_cell	*c;
	int			 r, s, b;

	if (shm == NULL)
		return;
	if ((r = metrics_route_index(route)) == -1)
		return;
	for (s = 0; s < METRICS_STATUSES - 1; s++) {
		if (status_codes[s] == status)
			break;
	}
	c = &shm->cells[r][s];
	__atomic_fetch_add(&c->count, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->sum_us, us, __ATOMIC_RELAXED);
	for (b = 0; b < METRICS_BUCKETS; b++) {
		if (us <= bucket_us[b]) {
			__atomic_fetch_add(&c->buckets[b], 1, __ATOMIC_RELAXED);
			break;
		}
	}
}

void
metrics_count(enum metrics_counter which, uint64_t n)
{
	if (shm != NULL)
		__atomic_fetch_add(&shm->counters[which], n, __ATOMIC_RELAXED);
}

void
metrics_db_in_flight(int worker, int delta)
{
	if (shm != NULL && worker >= 0 && worker < METRICS_WORKERS)
		__atomic_fetch_add(&shm->db_in_flight[worker], delta,
		    __ATOMIC_RELAXED);
}

struct outbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 oom;
};

static void
out_printf(struct outbuf *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#include <stdarg.h>

static void
out_printf(struct outbuf *o, const char *fmt, ...)
{
	va_list		 ap;
	int		 n;
	char		*np;

	if (o->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->oom = 1;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		if ((np = realloc(o->p, o->cap * 2 + (size_t)n)) == NULL) {
			o->oom = 1;
			return;
		}
		o->p = np;
		o->cap = o->cap * 2 + (size_t)n;
	}
}

static void
status_label(int s, char *code, size_t len)
{
	if (status_codes[s] == 0)
		snprintf(code, len, "other");
	else
		snprintf(code, len, "%d", status_codes[s]);
}

char *
metrics_render(const struct metrics_shm *m, size_t *lenp)
{
	struct outbuf			 o;
	const struct metrics_cell	*c;
	uint64_t			 cum;
	int				 r, s, b, w, n;
	char				 code[8];

	o.cap = 16384;
	o.len = 0;
	o.oom = 0;
	if ((o.p = malloc(o.cap)) == NULL)
		return (NULL);
	o.p[0] = '\0';

	out_printf(&o, "# HELP encore_http_requests_total HTTP responses by "
	    "route and status\n# TYPE encore_http_requests_total counter\n");
	n = __atomic_load_n(&m->nroutes, __ATOMIC_ACQUIRE);
	for (r = 0; r < n; r++) {
		for (s = 0; s < METRICS_STATUSES; s++) {
			c = &m->cells[r][s];
			if (c->count == 0)
				continue;
			status_label(s, code, sizeof(code));
			out_printf(&o, "encore_http_requests_total{route=\"%s\","
			    "status=\"%s\"} %llu\n", m->routes[r], code,
			    (unsigned long long)c->count);
		}
	}

	out_printf(&o, "# HELP encore_http_request_duration_seconds HTTP "
	    "latency by route and status\n"
	    "# TYPE encore_http_request_duration_seconds histogram\n");
	for (r = 0; r < n; r++) {
		for (s = 0; s < METRICS_STATUSES; s++) {
			c = &m->cells[r][s];
			if (c->count == 0)
				continue;
			status_label(s, code, sizeof(code));
			cum = 0;
			for (b = 0; b < METRICS_BUCKETS; b++) {
				cum += c->buckets[b];
				out_printf(&o, "encore_http_request_duration_"
				    "seconds_bucket{route=\"%s\",status=\"%s\","
				    "le=\"%g\"} %llu\n", m->routes[r], code,
				    (double)bucket_us[b] / 1e6,
				    (unsigned long long)cum);
			}
			out_printf(&o, "encore_http_request_duration_seconds_"
			    "bucket{route=\"%s\",status=\"%s\",le=\"+Inf\"} "
			    "%llu\n", m->routes[r], code,
			    (unsigned long long)c->count);
			out_printf(&o, "encore_http_request_duration_seconds_"
			    "sum{route=\"%s\",status=\"%s\"} %.6f\n",
			    m->routes[r], code, (double)c->sum_us / 1e6);
			out_printf(&o, "encore_http_request_duration_seconds_"
			    "count{route=\"%s\",status=\"%s\"} %llu\n",
			    m->routes[r], code, (unsigned long long)c->count);
		}
	}

	for (s = 0; s < MC_COUNT; s++) {
		out_printf(&o, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n",
		    counter_names[s][0], counter_names[s][1],
		    counter_names[s][0], counter_names[s][0],
		    (unsigned long long)m->counters[s]);
	}

	out_printf(&o, "# HELP encore_db_pool_size Postgres connections each "
	    "worker may open\n# TYPE encore_db_pool_size gauge\n"
	    "encore_db_pool_size %lld\n", (long long)m->db_pool_size);
	out_printf(&o, "# HELP encore_db_calls_in_flight Database calls "
	    "running or queued, per worker\n"
	    "# TYPE encore_db_calls_in_flight gauge\n");
	for (w = 0; w < METRICS_WORKERS; w++) {
		if (m->db_in_flight[w] != 0 || w < 2)
			out_printf(&o, "encore_db_calls_in_flight{worker=\"%d\"}"
			    " %lld\n", w, (long long)m->db_in_flight[w]);
	}
	out_printf(&o, "# HELP encore_dependency_up 1 when the last probe of "
	    "a dependency succeeded\n# TYPE encore_dependency_up gauge\n"
	    "encore_dependency_up{dependency=\"redis\"} %lld\n"
	    "encore_dependency_up{dependency=\"rabbitmq\"} %lld\n",
	    (long long)m->redis_up, (long long)m->amqp_up);

	if (o.oom) {
		free(o.p);
		return (NULL);
	}
	*lenp = o.len;
	return (o.p);
}
