/*
 * pg.c: the asynchronous SQL call used by every handler.
 *
 * Pool rules: kore opens at most ENCORE_DB_POOL_SIZE connections a worker
 * and queues up to ENCORE_DB_QUEUE_LIMIT waiting calls; past that, or when
 * Postgres cannot be reached, the call fails at once and the client gets
 * 503 SERVICE_UNAVAILABLE. A pooled connection found dead (Postgres was
 * restarted) is dropped and the call retried on a fresh one, but only when
 * the query was never sent, so nothing is ever executed twice.
 *
 * Deadline: Postgres ends a slow statement itself (statement_timeout in
 * ENCORE_DATABASE_URL), but a server that stopped answering at all cannot.
 * So every call also has a client-side deadline (ENCORE_DB_TIMEOUT_MS): a
 * timer drops the connection of a call that passed it, or takes a queued
 * call out of the pool's queue, and the client gets 503.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include "core/metrics.h"
#include "encore.h"
#include "pg.h"

#define PG_SEND_ATTEMPTS	3
#define PG_DEADLINE_TICK_MS	250

static TAILQ_HEAD(, pg_call)	calls = TAILQ_HEAD_INITIALIZER(calls);

static int	pg_call_send(struct http_request *, struct pg_call *);
static void	pg_call_capture_error(struct pg_call *);
static void	pg_call_finish(struct pg_call *);

static void
pg_call_unlist(struct pg_call *call)
{
	if (call->listed) {
		TAILQ_REMOVE(&calls, call, list);
		call->listed = 0;
	}
}

/* Calls past their deadline: drop their connection, or their queue spot. */
static void
pg_deadline_tick(void *arg, u_int64_t now)
{
	struct pg_call	*call, *next;

	(void)arg;
	for (call = TAILQ_FIRST(&calls); call != NULL; call = next) {
		next = TAILQ_NEXT(call, list);
		if (call->done ||
		    now - call->started < (u_int64_t)encore_cfg->db_timeout_ms)
			continue;
		kore_log(LOG_WARNING, "db: call passed its deadline: %s",
		    call->query);
		pg_call_unlist(call);
		if (call->sql.conn != NULL) {
			/* kore wakes the request with an error: 503. */
			kore_pgsql_handle(call->sql.conn, 1);
		} else {
			errors_set(&call->err, 503, "SERVICE_UNAVAILABLE",
			    "The database did not answer in time.");
			call->failed = 1;
			pg_call_finish(call);
			http_request_wakeup(call->req);
		}
	}
}

void
pg_init(void)
{
	(void)kore_timer_add(pg_deadline_tick, PG_DEADLINE_TICK_MS, NULL, 0);
}

void
pg_call_reset(struct pg_call *call)
{
	int	i;

	pg_call_unlist(call);
	if (call->active) {
		kore_pgsql_cleanup(&call->sql);
		metrics_db_in_flight(encore_worker_id, -1);
		call->active = 0;
	}
	for (i = 0; i < call->nparams; i++) {
		kore_free(call->params[i]);
		call->params[i] = NULL;
	}
	call->nparams = 0;
	kore_free(call->result);
	call->result = NULL;
	call->result_len = 0;
	call->done = 0;
	call->failed = 0;
	call->attempts = 0;
}

int
pg_call_query(struct http_request *req, struct pg_call *call,
    const char *query, int n, const char *const *vals)
{
	int	i;

	pg_call_reset(call);
	if (n > PG_PARAMS_MAX)
		fatal("pg_call_query: too many parameters");
	call->query = query;
	call->nparams = n;
	for (i = 0; i < n; i++)
		call->params[i] = vals[i] != NULL ? kore_strdup(vals[i]) : NULL;

	kore_pgsql_init(&call->sql);
	kore_pgsql_bind_request(&call->sql, req);
	call->active = 1;
	call->req = req;
	call->started = kore_time_ms();
	TAILQ_INSERT_TAIL(&calls, call, list);
	call->listed = 1;
	metrics_db_in_flight(encore_worker_id, 1);

	return (pg_call_send(req, call));
}

/* Take a connection (or queue for one) and send the query. */
static int
pg_call_send(struct http_request *req, struct pg_call *call)
{
	int	lengths[PG_PARAMS_MAX], formats[PG_PARAMS_MAX], i;

	(void)req;
	for (;;) {
		if (!kore_pgsql_setup(&call->sql, ENCORE_DB, KORE_PGSQL_ASYNC)) {
			if (call->sql.state == KORE_PGSQL_STATE_INIT)
				return (PG_WAIT);	/* queued; woken later */
			kore_log(LOG_NOTICE, "db: %s", call->sql.error != NULL ?
			    call->sql.error : "no connection");
			errors_set(&call->err, 503, "SERVICE_UNAVAILABLE",
			    "The database is not available; please retry.");
			call->failed = 1;
			pg_call_finish(call);
			return (PG_DONE);
		}

		for (i = 0; i < call->nparams; i++) {
			lengths[i] = call->params[i] != NULL ?
			    (int)strlen(call->params[i]) : 0;
			formats[i] = 0;
		}
		if (kore_pgsql_query_param_fields(&call->sql, call->query, 0,
		    call->nparams, (const char **)call->params, lengths,
		    formats))
			return (PG_WAIT);

		/* Never sent: a stale pooled connection. Drop it, retry. */
		if (call->sql.conn != NULL &&
		    PQstatus(call->sql.conn->db) == CONNECTION_BAD &&
		    ++call->attempts < PG_SEND_ATTEMPTS) {
			kore_pgsql_handle(call->sql.conn, 1);
			kore_pgsql_cleanup(&call->sql);
			kore_pgsql_init(&call->sql);
			kore_pgsql_bind_request(&call->sql, req);
			continue;
		}
		kore_log(LOG_NOTICE, "db: send failed: %s",
		    call->sql.error != NULL ? call->sql.error : "?");
		errors_set(&call->err, 503, "SERVICE_UNAVAILABLE",
		    "The database is not available; please retry.");
		call->failed = 1;
		pg_call_finish(call);
		return (PG_DONE);
	}
}

static void
pg_call_capture_error(struct pg_call *call)
{
	const char	*state, *msg, *hint, *detail;
	PGresult	*res;

	call->failed = 1;
	res = call->sql.result;
	if (res == NULL) {
		kore_log(LOG_NOTICE, "db: %s", call->sql.error != NULL ?
		    call->sql.error : "connection lost");
		errors_set(&call->err, 503, "SERVICE_UNAVAILABLE",
		    "The database is not available; please retry.");
		return;
	}
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	if (detail != NULL && strlen(detail) < sizeof(call->err_detail)) {
		memcpy(call->err_detail, detail, strlen(detail) + 1);
		detail = call->err_detail;
	} else {
		detail = NULL;
	}
	errors_from_sql(&call->err, state, msg, hint, detail);
	if (call->err.status >= 500)
		kore_log(LOG_WARNING, "db: %s %s", state ? state : "?",
		    call->sql.error ? call->sql.error : "");
}

static void
pg_call_finish(struct pg_call *call)
{
	pg_call_unlist(call);
	call->done = 1;
	if (call->active) {
		kore_pgsql_cleanup(&call->sql);
		metrics_db_in_flight(encore_worker_id, -1);
		call->active = 0;
	}
}

int
pg_call_poll(struct http_request *req, struct pg_call *call)
{
	const char	*v;
	int		 len;

	for (;;) {
		if (call->done)
			return (PG_DONE);

		switch (call->sql.state) {
		case KORE_PGSQL_STATE_INIT:
			/* Woken from the pool's queue: try again. */
			if (pg_call_send(req, call) == PG_WAIT)
				return (PG_WAIT);
			break;
		case KORE_PGSQL_STATE_WAIT:
			return (PG_WAIT);
		case KORE_PGSQL_STATE_RESULT:
			if (call->result == NULL &&
			    kore_pgsql_ntuples(&call->sql) > 0 &&
			    !PQgetisnull(call->sql.result, 0, 0)) {
				v = kore_pgsql_getvalue(&call->sql, 0, 0);
				len = kore_pgsql_getlength(&call->sql, 0, 0);
				call->result = kore_malloc((size_t)len + 1);
				memcpy(call->result, v, (size_t)len);
				call->result[len] = '\0';
				call->result_len = (size_t)len;
			}
			kore_pgsql_continue(&call->sql);
			break;
		case KORE_PGSQL_STATE_ERROR:
			if (!call->failed)
				pg_call_capture_error(call);
			if (call->sql.conn == NULL || call->sql.result == NULL) {
				/* The connection itself failed: drop it. */
				if (call->sql.conn != NULL &&
				    PQstatus(call->sql.conn->db) ==
				    CONNECTION_BAD)
					kore_pgsql_handle(call->sql.conn, 1);
				pg_call_finish(call);
				return (PG_DONE);
			}
			kore_pgsql_continue(&call->sql);
			break;
		case KORE_PGSQL_STATE_COMPLETE:
			pg_call_finish(call);
			return (PG_DONE);
		default:
			kore_pgsql_continue(&call->sql);
			break;
		}
	}
}

void
pg_state_free(struct http_request *req)
{
	struct pg_state	*st;

	if ((st = http_state_get(req)) != NULL)
		pg_call_reset(&st->call);
}

/* Reply with the call's JSON, or its error in the envelope. */
int
pg_reply(struct http_request *req, struct pg_call *call, int ok_status)
{
	if (call->failed)
		return (reply_api_error(req, &call->err));
	if (call->result == NULL) {
		/* A function never returns NULL: log what did, answer 503. */
		kore_log(LOG_WARNING, "db: no result for %s (state %d)",
		    call->query, call->sql.state);
		return (reply_unavailable(req));
	}
	return (reply_json(req, ok_status, call->result, call->result_len));
}

/*
 * Start a one-call handler; after, if set, sees the function's JSON once
 * the transaction has committed (to drop cache entries it made stale).
 */
int
pg_start_after(struct http_request *req, int ok_status,
    void (*after)(const char *), const char *query, int n,
    const char *const *vals)
{
	struct pg_state	*st;

	st = req_state_new(req, sizeof(*st), pg_state_free);
	st->ok_status = ok_status;
	st->after = after;
	if (pg_call_query(req, &st->call, query, n, vals) == PG_WAIT)
		return (KORE_RESULT_RETRY);
	return (pg_resume(req));
}

int
pg_start(struct http_request *req, int ok_status, const char *query, int n,
    const char *const *vals)
{
	return (pg_start_after(req, ok_status, NULL, query, n, vals));
}

int
pg_resume(struct http_request *req)
{
	struct pg_state	*st;

	st = http_state_get(req);
	if (pg_call_poll(req, &st->call) == PG_WAIT)
		return (KORE_RESULT_RETRY);
	if (!st->call.failed && st->after != NULL && st->call.result != NULL)
		st->after(st->call.result);
	return (pg_reply(req, &st->call, st->ok_status));
}
