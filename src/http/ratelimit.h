/*
 * ratelimit.h: token buckets in Redis, per member and per client address.
 *
 * One Lua script takes a token atomically (the bucket refills at the
 * configured rate using Redis's own clock). Over the limit: 429
 * RATE_LIMITED with Retry-After. Redis away: the request goes through
 * (fail open), it is logged and counted in /metrics.
 */
#ifndef ENCORE_RATELIMIT_H
#define ENCORE_RATELIMIT_H

#include <stdint.h>

struct http_request;
struct jsonreq;
struct session;

int	ratelimit_member(struct http_request *, int64_t, const char *);
int	ratelimit_member_json(struct http_request *, struct session *,
	    struct jsonreq *, const char *);
int	ratelimit_ip(struct http_request *, const char *);

#endif
