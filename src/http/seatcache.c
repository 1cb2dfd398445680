/*
 * seatcache.c: cache-aside for seat maps, with ETags.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/sha.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "adapters/pg.h"
#include "adapters/redis.h"
#include "core/metrics.h"
#include "encore.h"
#include "http/reply.h"
#include "seatcache.h"

#define ETAG_LEN	22	/* a quote, 20 hex digits, a quote */
#define LOCAL_SLOTS	128

/*
 * A worker keeps its own copy of each section's last answer. It serves that
 * copy only while Redis holds the same ETag for the key (one GETRANGE of
 * ETAG_LEN bytes instead of the whole body), so the staleness bound stays
 * Redis's. On a miss only one request per worker and key asks Postgres;
 * the others wait for its answer (single flight).
 */
struct seat_local {
	char		 key[96];
	char		 etag[ETAG_LEN + 1];
	char		*body;
	size_t		 len;
	int		 building;
	u_int64_t	 used;
};

enum seat_mode {
	SEAT_NEW,
	SEAT_WAITING,	/* for another request's rebuild */
	SEAT_BUILDING	/* this request asks Postgres */
};

struct seat_state {
	struct req_common	 common;
	struct pg_call		 call;
	enum seat_mode		 mode;
	char			 key[96];
	char			 concert[24];
	char			 section[20];
	TAILQ_ENTRY(seat_state)	 wait;
};

static struct seat_local	locals[LOCAL_SLOTS];
static TAILQ_HEAD(, seat_state)	waiters = TAILQ_HEAD_INITIALIZER(waiters);

static struct seat_local *
local_find(const char *key, int create)
{
	struct seat_local	*e, *victim;
	int			 i;

	victim = NULL;
	for (i = 0; i < LOCAL_SLOTS; i++) {
		e = &locals[i];
		if (!strcmp(e->key, key))
			return (e);
		if (e->building)
			continue;
		if (victim == NULL || e->used < victim->used)
			victim = e;
	}
	if (!create || victim == NULL)
		return (NULL);
	kore_free(victim->body);
	memset(victim, 0, sizeof(*victim));
	snprintf(victim->key, sizeof(victim->key), "%s", key);
	return (victim);
}

static void
local_store(struct seat_local *e, const char *etag, const char *body,
    size_t len)
{
	kore_free(e->body);
	e->body = kore_malloc(len);
	memcpy(e->body, body, len);
	e->len = len;
	memcpy(e->etag, etag, ETAG_LEN);
	e->etag[ETAG_LEN] = '\0';
}

/* Wake the requests waiting for key's rebuild; they look again. */
static void
wake_waiters(const char *key)
{
	struct seat_state	*w, *next;

	for (w = TAILQ_FIRST(&waiters); w != NULL; w = next) {
		next = TAILQ_NEXT(w, wait);
		if (strcmp(w->key, key))
			continue;
		TAILQ_REMOVE(&waiters, w, wait);
		w->mode = SEAT_NEW;
		http_request_wakeup(w->common.req);
	}
}

static void
seat_state_free(struct http_request *req)
{
	struct seat_state	*st = http_state_get(req);
	struct seat_local	*e;

	if (st->mode == SEAT_WAITING)
		TAILQ_REMOVE(&waiters, st, wait);
	if (st->mode == SEAT_BUILDING &&
	    (e = local_find(st->key, 0)) != NULL) {
		e->building = 0;
		wake_waiters(st->key);
	}
	pg_call_reset(&st->call);
}

static void
etag_of(const char *body, size_t len, char *out)
{
	unsigned char	md[SHA256_DIGEST_LENGTH];
	int		i;

	SHA256((const unsigned char *)body, len, md);
	out[0] = '"';
	for (i = 0; i < 10; i++)
		snprintf(out + 1 + i * 2, 3, "%02x", md[i]);
	out[ETAG_LEN - 1] = '"';
	out[ETAG_LEN] = '\0';
}

static int
seat_reply(struct http_request *req, const char *etag, const char *body,
    size_t len)
{
	const char	*inm;

	http_response_header(req, "etag", etag);
	http_response_header(req, "cache-control", "no-cache");
	if (http_request_header(req, "if-none-match", &inm) &&
	    strstr(inm, etag) != NULL)
		return (reply_status(req, 304));
	return (reply_raw(req, 200, "application/json; charset=utf-8", body,
	    len));
}

static redisReply *
redis2(const char *cmd, const char *key, const char *a, const char *b)
{
	const char	*argv[4];
	size_t		 lens[4];
	int		 argc, i;

	argv[0] = cmd;
	argv[1] = key;
	argv[2] = a;
	argv[3] = b;
	argc = a == NULL ? 2 : b == NULL ? 3 : 4;
	for (i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	return (redis_command(argc, argv, lens));
}

/* Ask Postgres; with build set, this request rebuilds the cache for key. */
static int
seat_query(struct http_request *req, struct seat_state *st, int build)
{
	const char	*vals[2];

	st->mode = build ? SEAT_BUILDING : SEAT_NEW;
	metrics_count(MC_SEAT_CACHE_MISSES, 1);
	vals[0] = st->concert;
	vals[1] = st->section;
	if (pg_call_query(req, &st->call,
	    "SELECT encore.section_seats($1::bigint, $2)", 2, vals) == PG_WAIT)
		return (KORE_RESULT_RETRY);
	return (seatcache_resume(req));
}

/* One look at the caches: answer, wait for a rebuild, or start one. */
static int
seat_lookup(struct http_request *req, struct seat_state *st)
{
	struct seat_local	*e;
	redisReply		*r;
	int			 ret;

	r = redis2("GETRANGE", st->key, "0", "21");
	if (r == NULL || r->type != REDIS_REPLY_STRING) {
		/* Redis is away: Postgres answers, nothing is cached. */
		redis_reply_free(r);
		return (seat_query(req, st, 0));
	}
	e = local_find(st->key, 1);
	e->used = kore_time_ms();
	if (r->len == ETAG_LEN && e->body != NULL &&
	    !memcmp(r->str, e->etag, ETAG_LEN)) {
		redis_reply_free(r);
		metrics_count(MC_SEAT_CACHE_HITS, 1);
		return (seat_reply(req, e->etag, e->body, e->len));
	}
	if (r->len == ETAG_LEN) {
		/* Another worker rebuilt it: take the new body from Redis. */
		redis_reply_free(r);
		r = redis2("GET", st->key, NULL, NULL);
		if (r != NULL && r->type == REDIS_REPLY_STRING &&
		    r->len > ETAG_LEN + 1 && r->str[ETAG_LEN] == '\n') {
			local_store(e, r->str, r->str + ETAG_LEN + 1,
			    r->len - ETAG_LEN - 1);
			redis_reply_free(r);
			metrics_count(MC_SEAT_CACHE_HITS, 1);
			return (seat_reply(req, e->etag, e->body, e->len));
		}
	}
	redis_reply_free(r);

	if (e->building) {
		st->mode = SEAT_WAITING;
		TAILQ_INSERT_TAIL(&waiters, st, wait);
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}
	e->building = 1;
	ret = seat_query(req, st, 1);
	return (ret);
}

int
seatcache_serve(struct http_request *req, int64_t concert, const char *section)
{
	struct seat_state	*st;

	st = req_state_new(req, sizeof(*st), seat_state_free);
	snprintf(st->key, sizeof(st->key), "encore:seats:%lld:%s",
	    (long long)concert, section);
	snprintf(st->concert, sizeof(st->concert), "%lld", (long long)concert);
	snprintf(st->section, sizeof(st->section), "%s", section);
	return (seat_lookup(req, st));
}

int
seatcache_resume(struct http_request *req)
{
	struct seat_state	*st = http_state_get(req);
	struct seat_local	*e;
	const char		*argv[5];
	size_t			 lens[5], vlen;
	char			 etag[ETAG_LEN + 1], ttl[16], *val;
	int			 built;

	switch (st->mode) {
	case SEAT_WAITING:
		http_request_sleep(req);	/* not woken by the builder */
		return (KORE_RESULT_RETRY);
	case SEAT_NEW:
		if (st->call.query == NULL)
			return (seat_lookup(req, st));	/* woken: look again */
		break;
	case SEAT_BUILDING:
		break;
	}

	if (pg_call_poll(req, &st->call) == PG_WAIT)
		return (KORE_RESULT_RETRY);

	built = (st->mode == SEAT_BUILDING);
	st->mode = SEAT_NEW;
	e = built ? local_find(st->key, 0) : NULL;
	if (e != NULL)
		e->building = 0;
	if (st->call.failed || st->call.result == NULL) {
		if (built)
			wake_waiters(st->key);
		return (pg_reply(req, &st->call, 200));
	}

	etag_of(st->call.result, st->call.result_len, etag);
	if (built) {
		vlen = ETAG_LEN + 1 + st->call.result_len;
		val = kore_malloc(vlen);
		memcpy(val, etag, ETAG_LEN);
		val[ETAG_LEN] = '\n';
		memcpy(val + ETAG_LEN + 1, st->call.result,
		    st->call.result_len);
		snprintf(ttl, sizeof(ttl), "%d", SEATCACHE_TTL_MS);
		argv[0] = "SET";
		argv[1] = st->key;
		argv[2] = val;
		argv[3] = "PX";
		argv[4] = ttl;
		lens[0] = 3;
		lens[1] = strlen(st->key);
		lens[2] = vlen;
		lens[3] = 2;
		lens[4] = strlen(ttl);
		redis_reply_free(redis_command(5, argv, lens));
		kore_free(val);
		if (e != NULL)
			local_store(e, etag, st->call.result,
			    st->call.result_len);
		wake_waiters(st->key);
	}
	return (seat_reply(req, etag, st->call.result, st->call.result_len));
}

/*
 * After a committed transition: drop the cached sections of the seats in
 * {"reservation":{"concert_id":..,"seats":[{"section":..}]}}.
 */
void
seatcache_invalidate_reservation(const char *json)
{
	json_object	*root, *res, *seats, *seat, *v;
	redisReply	*r;
	const char	*argv[12];
	size_t		 lens[12], i, n;
	char		 keys[11][96];
	int		 argc, j, dup;
	long long	 concert;

	if (json == NULL || (root = json_tokener_parse(json)) == NULL)
		return;
	if (!json_object_object_get_ex(root, "reservation", &res) ||
	    !json_object_object_get_ex(res, "concert_id", &v) ||
	    !json_object_object_get_ex(res, "seats", &seats) ||
	    !json_object_is_type(seats, json_type_array)) {
		json_object_put(root);
		return;
	}
	concert = (long long)json_object_get_int64(v);
	argv[0] = "DEL";
	lens[0] = 3;
	argc = 1;
	n = json_object_array_length(seats);
	for (i = 0; i < n && argc < 12; i++) {
		seat = json_object_array_get_idx(seats, i);
		if (!json_object_object_get_ex(seat, "section", &v) ||
		    !json_object_is_type(v, json_type_string))
			continue;
		snprintf(keys[argc - 1], sizeof(keys[0]),
		    "encore:seats:%lld:%s", concert, json_object_get_string(v));
		for (dup = 0, j = 1; j < argc; j++) {
			if (!strcmp(argv[j], keys[argc - 1]))
				dup = 1;
		}
		if (dup)
			continue;
		argv[argc] = keys[argc - 1];
		lens[argc] = strlen(argv[argc]);
		argc++;
	}
	if (argc > 1) {
		r = redis_command(argc, argv, lens);
		redis_reply_free(r);
	}
	json_object_put(root);
}
