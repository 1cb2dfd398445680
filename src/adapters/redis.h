/*
 * redis.h: the worker's Redis connection, which may never stall it.
 *
 * Every call is bounded by ENCORE_REDIS_TIMEOUT_MS. After a failure the
 * circuit opens for REDIS_BREAKER_MS: calls fail at once without touching
 * the network, then one call probes again. Callers treat NULL as "Redis is
 * not there" and fall back (the cache reads Postgres, the rate limiter
 * lets the request through): Redis never decides who gets a seat.
 */
#ifndef ENCORE_REDIS_H
#define ENCORE_REDIS_H

#include <stddef.h>

#include <hiredis.h>

#define REDIS_BREAKER_MS	2000

redisReply	*redis_command(int, const char **, const size_t *);
void		 redis_reply_free(redisReply *);

#endif
