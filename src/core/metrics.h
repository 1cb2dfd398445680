/*
 * metrics.h: Prometheus counters shared by all kore workers.
 *
 * The parent maps one anonymous shared region before the workers fork;
 * each worker adds to it with atomic operations, so /metrics answered by
 * any worker shows the whole server. metrics_render() is pure.
 */
#ifndef ENCORE_METRICS_H
#define ENCORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_ROUTES		40
#define METRICS_STATUSES	20
#define METRICS_BUCKETS		12
#define METRICS_WORKERS		16

/* Named counters; later features add theirs here and in metrics.c. */
enum metrics_counter {
	MC_DB_UNAVAILABLE,
	MC_HOLDS_EXPIRED,
	MC_REDIS_ERRORS,
	MC_RATE_LIMIT_FAIL_OPEN,
	MC_RATE_LIMITED,
	MC_SEAT_CACHE_HITS,
	MC_SEAT_CACHE_MISSES,
	MC_PAYMENTS_CONFIRMED,
	MC_PAYMENTS_REFUNDED,
	MC_PROVIDER_ERRORS,
	MC_PAYMENTS_RECONCILED,
	MC_WEBHOOKS_APPLIED,
	MC_COUNT
};

struct metrics_cell {
	uint64_t	count;
	uint64_t	sum_us;
	uint64_t	buckets[METRICS_BUCKETS];
};

struct metrics_shm {
	volatile int		lock;
	int			nroutes;
	char			routes[METRICS_ROUTES][64];
	struct metrics_cell	cells[METRICS_ROUTES][METRICS_STATUSES];
	uint64_t		counters[MC_COUNT];
	int64_t			db_in_flight[METRICS_WORKERS];
	int64_t			db_pool_size;
	int64_t			redis_up;
	int64_t			amqp_up;
};

struct metrics_shm	*metrics_create(void);
void			 metrics_attach(struct metrics_shm *);
void			 metrics_observe(const char *, int, uint64_t);
void			 metrics_count(enum metrics_counter, uint64_t);
void			 metrics_db_in_flight(int, int);
struct metrics_shm	*metrics_get(void);
char			*metrics_render(const struct metrics_shm *, size_t *);

#endif
