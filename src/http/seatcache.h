/*
 * seatcache.h: the seat map of a section, served from Redis.
 *
 * Postgres decides every hold; Redis only remembers the last answer of
 * encore.section_seats for a short time. Staleness is bounded twice: a
 * request that changes seats deletes the cached sections it touched right
 * after its transaction committed, and every entry expires after
 * SEATCACHE_TTL_MS whatever happens (which bounds what no request
 * announces: holds that expire, payments settled by the reconciler or a
 * webhook). A miss, or Redis being away, reads Postgres.
 *
 * Each worker also keeps the last body it saw per section and serves it
 * while Redis still holds the same ETag (checked with a 22-byte GETRANGE,
 * not a 100 KB GET), and only one request per worker and section rebuilds
 * a missing entry while the others wait for it (single flight), so an
 * on-sale's readers cost Postgres about one query per section per second.
 */
#ifndef ENCORE_SEATCACHE_H
#define ENCORE_SEATCACHE_H

#include <stdint.h>

#define SEATCACHE_TTL_MS	1000

struct http_request;

int	seatcache_serve(struct http_request *, int64_t, const char *);
int	seatcache_resume(struct http_request *);
void	seatcache_invalidate_reservation(const char *);

#endif
