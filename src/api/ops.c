/*
 * ops.c: GET /healthz, GET /readyz, GET /metrics.
 *
 * /readyz asks Postgres with an asynchronous query and reads the probe
 * thread's latest answer for Redis and RabbitMQ: 503 when Postgres is down
 * (encore cannot sell), 200 "degraded" when only Redis or RabbitMQ is, since
 * encore keeps selling without them.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "adapters/pg.h"
#include "adapters/probe.h"
#include "api.h"
#include "core/metrics.h"
#include "encore.h"
#include "http/reply.h"

int
ops_healthz(struct http_request *req)
{
	static const char	ok[] = "{\"status\":\"ok\"}";

	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD)
		return (reply_method_not_allowed(req, "GET, HEAD"));
	return (reply_json(req, 200, ok, sizeof(ok) - 1));
}

int
ops_readyz(struct http_request *req)
{
	struct pg_state	*st;
	char		 body[160];
	int		 pg, redis, amqp, n;

	if (!http_state_exists(req)) {
		if (req->method != HTTP_METHOD_GET &&
		    req->method != HTTP_METHOD_HEAD)
			return (reply_method_not_allowed(req, "GET, HEAD"));
		st = req_state_new(req, sizeof(*st), pg_state_free);
		if (pg_call_query(req, &st->call, "SELECT 1", 0, NULL) ==
		    PG_WAIT)
			return (KORE_RESULT_RETRY);
	} else {
		st = http_state_get(req);
		if (pg_call_poll(req, &st->call) == PG_WAIT)
			return (KORE_RESULT_RETRY);
	}

	pg = !st->call.failed;
	redis = probe_redis_up();
	amqp = probe_amqp_up();
	n = snprintf(body, sizeof(body), "{\"status\":\"%s\",\"postgres\":\"%s\","
	    "\"redis\":\"%s\",\"rabbitmq\":\"%s\"}",
	    !pg ? "down" : (redis && amqp) ? "ok" : "degraded",
	    pg ? "ok" : "down", redis ? "ok" : "down", amqp ? "ok" : "down");
	return (reply_json(req, pg ? 200 : 503, body, (size_t)n));
}

int
ops_metrics(struct http_request *req)
{
	char	*text;
	size_t	 len;
	int	 ret;

	if (req->method != HTTP_METHOD_GET)
		return (reply_method_not_allowed(req, "GET"));
	if ((text = metrics_render(metrics_get(), &len)) == NULL)
		return (reply_unavailable(req));
	http_response_header(req, "cache-control", "no-store");
	ret = reply_raw(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    text, len);
	free(text);
	return (ret);
}
