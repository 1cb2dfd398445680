/*
 * redis.c: one synchronous hiredis connection per worker, with a hard
 * timeout and a circuit breaker.
 */
#include <sys/time.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <kore/kore.h>

#include "core/metrics.h"
#include "encore.h"
#include "redis.h"

static redisContext	*ctx;
static uint64_t		 open_until;

static uint64_t
mono_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
redis_trip(const char *why)
{
	metrics_count(MC_REDIS_ERRORS, 1);
	if (open_until == 0 || mono_ms() >= open_until)
		kore_log(LOG_NOTICE, "redis: %s; bypassing it for %d ms", why,
		    REDIS_BREAKER_MS);
	if (ctx != NULL) {
		redisFree(ctx);
		ctx = NULL;
	}
	open_until = mono_ms() + REDIS_BREAKER_MS;
}

static int
redis_connect(void)
{
	struct timeval	tv;

	tv.tv_sec = encore_cfg->redis_timeout_ms / 1000;
	tv.tv_usec = (encore_cfg->redis_timeout_ms % 1000) * 1000;
	ctx = redisConnectWithTimeout(encore_cfg->redis_host,
	    encore_cfg->redis_port, tv);
	if (ctx == NULL || ctx->err) {
		redis_trip(ctx != NULL ? ctx->errstr : "cannot connect");
		return (-1);
	}
	if (redisSetTimeout(ctx, tv) != REDIS_OK) {
		redis_trip("cannot set timeout");
		return (-1);
	}
	return (0);
}

redisReply *
redis_command(int argc, const char **argv, const size_t *lens)
{
	redisReply	*r;

	if (open_until != 0 && mono_ms() < open_until)
		return (NULL);
	if (ctx == NULL && redis_connect() == -1)
		return (NULL);
	r = redisCommandArgv(ctx, argc, argv, lens);
	if (r == NULL) {
		redis_trip(ctx->errstr[0] != '\0' ? ctx->errstr : "timeout");
		return (NULL);
	}
	open_until = 0;
	return (r);
}

void
redis_reply_free(redisReply *r)
{
	if (r != NULL)
		freeReplyObject(r);
}
