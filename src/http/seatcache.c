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

struct seat_state {
	struct req_common	common;
	struct pg_call		call;
	char			key[96];
};

static void
seat_state_free(struct http_request *req)
{
	struct seat_state	*st = http_state_get(req);

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

int
seatcache_serve(struct http_request *req, int64_t concert, const char *section)
{
	struct seat_state	*st;
	redisReply		*r;
	const char		*argv[2], *vals[2];
	size_t			 lens[2];
	char			 idbuf[24];
	int			 ret;

	st = req_state_new(req, sizeof(*st), seat_state_free);
	snprintf(st->key, sizeof(st->key), "encore:seats:%lld:%s",
	    (long long)concert, section);

	argv[0] = "GET";
	argv[1] = st->key;
	lens[0] = 3;
	lens[1] = strlen(st->key);
	r = redis_command(2, argv, lens);
	if (r != NULL && r->type == REDIS_REPLY_STRING &&
	    r->len > ETAG_LEN + 1 && r->str[ETAG_LEN] == '\n') {
		metrics_count(MC_SEAT_CACHE_HITS, 1);
		r->str[ETAG_LEN] = '\0';
		ret = seat_reply(req, r->str, r->str + ETAG_LEN + 1,
		    r->len - ETAG_LEN - 1);
		redis_reply_free(r);
		return (ret);
	}
	redis_reply_free(r);
	metrics_count(MC_SEAT_CACHE_MISSES, 1);

	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)concert);
	vals[0] = idbuf;
	vals[1] = section;
	if (pg_call_query(req, &st->call,
	    "SELECT encore.section_seats($1::bigint, $2)", 2, vals) == PG_WAIT)
		return (KORE_RESULT_RETRY);
	return (seatcache_resume(req));
}

int
seatcache_resume(struct http_request *req)
{
	struct seat_state	*st = http_state_get(req);
	redisReply		*r;
	const char		*argv[5];
	size_t			 lens[5];
	char			 etag[ETAG_LEN + 1], ttl[16], *val;
	size_t			 vlen;

	if (pg_call_poll(req, &st->call) == PG_WAIT)
		return (KORE_RESULT_RETRY);
	if (st->call.failed || st->call.result == NULL)
		return (pg_reply(req, &st->call, 200));

	etag_of(st->call.result, st->call.result_len, etag);

	vlen = ETAG_LEN + 1 + st->call.result_len;
	val = kore_malloc(vlen);
	memcpy(val, etag, ETAG_LEN);
	val[ETAG_LEN] = '\n';
	memcpy(val + ETAG_LEN + 1, st->call.result, st->call.result_len);
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
	r = redis_command(5, argv, lens);
	redis_reply_free(r);
	kore_free(val);

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
