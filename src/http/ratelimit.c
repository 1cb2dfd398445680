/*
 * ratelimit.c: the token bucket.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "adapters/redis.h"
#include "core/jsonreq.h"
#include "core/config.h"
#include "core/metrics.h"
#include "encore.h"
#include "http/reply.h"
#include "http/session.h"
#include "ratelimit.h"

/* KEYS[1] bucket; ARGV capacity, refill per second. Returns {ok, wait_ms}. */
static const char	bucket_lua[] =
	"local cap = tonumber(ARGV[1]) "
	"local rate = tonumber(ARGV[2]) "
	"local t = redis.call('TIME') "
	"local now = t[1] * 1000 + math.floor(t[2] / 1000) "
	"local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts') "
	"local tokens = tonumber(b[1]) or cap "
	"local ts = tonumber(b[2]) or now "
	"tokens = math.min(cap, tokens + math.max(0, now - ts) * rate / 1000) "
	"local ok, wait = 0, 0 "
	"if tokens >= 1 then tokens = tokens - 1 ok = 1 "
	"else wait = math.ceil((1 - tokens) * 1000 / rate) end "
	"redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now) "
	"redis.call('PEXPIRE', KEYS[1], math.ceil(cap * 1000 / rate) + 1000) "
	"return {ok, wait}";

static int
ratelimit_take(struct http_request *req, const char *key,
    const struct rate_limit *lim)
{
	redisReply	*r;
	const char	*argv[6];
	size_t		 lens[6];
	char		 cap[32], rate[32], retry[24];
	long long	 wait;
	int		 i;

	snprintf(cap, sizeof(cap), "%g", lim->capacity);
	snprintf(rate, sizeof(rate), "%g", lim->refill);
	argv[0] = "EVAL";
	argv[1] = bucket_lua;
	argv[2] = "1";
	argv[3] = key;
	argv[4] = cap;
	argv[5] = rate;
	for (i = 0; i < 6; i++)
		lens[i] = strlen(argv[i]);

	r = redis_command(6, argv, lens);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER) {
		redis_reply_free(r);
		metrics_count(MC_RATE_LIMIT_FAIL_OPEN, 1);
		return (KORE_RESULT_OK);
	}
	if (r->element[0]->integer == 1) {
		redis_reply_free(r);
		return (KORE_RESULT_OK);
	}
	wait = r->element[1]->integer;
	redis_reply_free(r);

	metrics_count(MC_RATE_LIMITED, 1);
	snprintf(retry, sizeof(retry), "%lld", (wait + 999) / 1000);
	http_response_header(req, "retry-after", retry);
	reply_error(req, 429, "RATE_LIMITED",
	    "Too many attempts; please wait a moment.");
	return (KORE_RESULT_ERROR);
}

int
ratelimit_member(struct http_request *req, int64_t member, const char *what)
{
	char	key[96];

	snprintf(key, sizeof(key), "encore:rl:m:%s:%lld", what,
	    (long long)member);
	return (ratelimit_take(req, key, &encore_cfg->rate_member));
}

int
ratelimit_ip(struct http_request *req, const char *what)
{
	char	key[128], ip[64];

	if (session_client_ip(req, ip, sizeof(ip)) == -1)
		return (KORE_RESULT_OK);
	snprintf(key, sizeof(key), "encore:rl:ip:%s:%s", what, ip);
	return (ratelimit_take(req, key, &encore_cfg->rate_ip));
}

/*
 * The prologue of a member's rate-limited attempt with a JSON body:
 * authenticate, parse the body, take a token. Returns KORE_RESULT_OK with
 * jr to free, or KORE_RESULT_ERROR after replying.
 */
int
ratelimit_member_json(struct http_request *req, struct session *s,
    struct jsonreq *jr, const char *what)
{
	if (session_require(req, s) != KORE_RESULT_OK)
		return (KORE_RESULT_ERROR);
	if (req_parse_json(req, jr) != KORE_RESULT_OK)
		return (KORE_RESULT_ERROR);
	if (ratelimit_member(req, s->member_id, what) != KORE_RESULT_OK) {
		jsonreq_free(jr);
		return (KORE_RESULT_ERROR);
	}
	return (KORE_RESULT_OK);
}
