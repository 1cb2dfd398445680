/*
 * payflow.c: the payment state machines (see payflow.h).
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <kore/kore.h>
#include <kore/http.h>

#include "adapters/httpc.h"
#include "adapters/pg.h"
#include "adapters/toss.h"
#include "core/errors.h"
#include "core/jsonreq.h"
#include "core/metrics.h"
#include "encore.h"
#include "http/reply.h"
#include "http/seatcache.h"
#include "http/session.h"
#include "payflow.h"

enum pay_kind {
	PAY_CONFIRM,
	PAY_CANCEL,
	PAY_WEBHOOK
};

enum pay_step {
	PS_BEGIN,		/* SQL payment_begin */
	PS_TOSS_CONFIRM,	/* Toss POST /v1/payments/confirm */
	PS_SQL_CONFIRM,		/* SQL payment_confirm */
	PS_SQL_FAIL,		/* SQL payment_fail, then the pending error */
	PS_CANCEL,		/* SQL reservation_cancel */
	PS_TOSS_LOOKUP,		/* Toss GET /v1/payments/{key} */
	PS_SQL_APPLY,		/* SQL payment_apply_status */
	PS_TOSS_CANCEL,		/* Toss POST /v1/payments/{key}/cancel */
	PS_SQL_REFUNDED		/* SQL payment_refunded */
};

struct pay_state {
	struct req_common	common;
	struct pg_call		call;
	struct httpc_call	http;
	enum pay_kind		kind;
	enum pay_step		step;
	char			order_id[65];
	char			payment_key[TOSS_KEY_MAX + 1];
	char			amount[24];
	struct api_error	pending;
	char			pending_details[384];
};

#define REFUND_REASON	"The hold expired and its seats were sold meanwhile"
#define CANCEL_REASON	"Cancelled by the customer"

static int	pay_step(struct http_request *, struct pay_state *);

static void
pay_state_free(struct http_request *req)
{
	struct pay_state	*st = http_state_get(req);

	pg_call_reset(&st->call);
	httpc_cleanup(&st->http);
}

static int
pay_sql(struct http_request *req, struct pay_state *st, enum pay_step step,
    const char *query, int n, const char *const *vals)
{
	st->step = step;
	if (pg_call_query(req, &st->call, query, n, vals) == PG_WAIT)
		return (KORE_RESULT_RETRY);
	return (pay_step(req, st));
}

static int
pay_http(struct http_request *req, struct pay_state *st, enum pay_step step)
{
	st->step = step;
	httpc_start(req, &st->http);
	return (KORE_RESULT_RETRY);
}

/* 502 with the provider's code in details. */
static void
pay_provider_error(struct pay_state *st, const struct toss_payment *p)
{
	json_object	*d;

	metrics_count(MC_PROVIDER_ERRORS, 1);
	errors_set(&st->pending, 502, "PAYMENT_PROVIDER_ERROR",
	    p->error_message[0] != '\0' ? p->error_message :
	    "The payment provider did not complete the payment.");
	d = json_object_new_object();
	json_object_object_add(d, "provider_code",
	    json_object_new_string(p->error_code));
	json_object_object_add(d, "retryable",
	    json_object_new_boolean(p->unreachable));
	snprintf(st->pending_details, sizeof(st->pending_details), "%s",
	    json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
	json_object_put(d);
	st->pending.details = st->pending_details;
}

static int
pay_refund(struct http_request *req, struct pay_state *st)
{
	toss_cancel_request(&st->http.in, st->payment_key,
	    st->kind == PAY_CANCEL ? CANCEL_REASON : REFUND_REASON);
	return (pay_http(req, st, PS_TOSS_CANCEL));
}

/* The final answer once the last SQL step succeeded. */
static int
pay_done(struct http_request *req, struct pay_state *st)
{
	static const char	ok[] = "{\"status\":\"ok\"}";

	seatcache_invalidate_reservation(st->call.result);
	if (st->kind == PAY_WEBHOOK)
		return (reply_json(req, 200, ok, sizeof(ok) - 1));
	return (reply_json(req, 200, st->call.result, st->call.result_len));
}

static int
pay_after_sql(struct http_request *req, struct pay_state *st)
{
	char		 outcome[32];

	if (st->call.failed) {
		/* A webhook must not be acknowledged unless handled. */
		if (st->kind == PAY_WEBHOOK && st->call.err.status < 500 &&
		    st->step == PS_SQL_APPLY)
			return (pay_done(req, st));
		return (reply_api_error(req, &st->call.err));
	}
	(void)jsonreq_top_str(st->call.result, "outcome", outcome,
	    sizeof(outcome));

	switch (st->step) {
	case PS_BEGIN:
		if (strcmp(outcome, "PROCEED"))
			return (pay_done(req, st));	/* ALREADY_PAID */
		toss_confirm_request(&st->http.in, st->payment_key,
		    st->order_id, strtoll(st->amount, NULL, 10));
		return (pay_http(req, st, PS_TOSS_CONFIRM));
	case PS_CANCEL:
	case PS_SQL_CONFIRM:
	case PS_SQL_APPLY:
		if (!strcmp(outcome, "REFUND_REQUIRED")) {
			if (!jsonreq_top_str(st->call.result, "payment_key",
			    st->payment_key, sizeof(st->payment_key)))
				return (reply_unavailable(req));
			return (pay_refund(req, st));
		}
		if (!strcmp(outcome, "PAID"))
			metrics_count(MC_PAYMENTS_CONFIRMED, 1);
		if (st->kind == PAY_WEBHOOK)
			metrics_count(MC_WEBHOOKS_APPLIED, 1);
		return (pay_done(req, st));
	case PS_SQL_REFUNDED:
		metrics_count(MC_PAYMENTS_REFUNDED, 1);
		return (pay_done(req, st));
	case PS_SQL_FAIL:
		return (reply_api_error(req, &st->pending));
	default:
		return (reply_unavailable(req));
	}
}

static int
pay_after_http(struct http_request *req, struct pay_state *st)
{
	struct toss_payment	 p;
	const char		*vals[4];
	char			 event[TOSS_KEY_MAX + 80];

	toss_read(&st->http.out, &p);

	switch (st->step) {
	case PS_TOSS_CONFIRM:
		if (p.ok && !strcmp(p.status, "DONE") &&
		    !strcmp(p.order_id, st->order_id) &&
		    !strcmp(p.payment_key, st->payment_key) &&
		    p.total_amount == strtoll(st->amount, NULL, 10)) {
			vals[0] = st->order_id;
			vals[1] = st->payment_key;
			vals[2] = st->amount;
			vals[3] = p.json;
			return (pay_sql(req, st, PS_SQL_CONFIRM,
			    "SELECT encore.payment_confirm($1, $2, $3::bigint, "
			    "$4::jsonb)", 4, vals));
		}
		if (p.ok) {
			snprintf(p.error_code, sizeof(p.error_code),
			    "PROVIDER_MISMATCH");
			snprintf(p.error_message, sizeof(p.error_message),
			    "The provider's answer does not match the order.");
		}
		pay_provider_error(st, &p);
		if (p.unreachable)	/* outcome unknown: reconciler */
			return (reply_api_error(req, &st->pending));
		vals[0] = st->order_id;
		vals[1] = st->payment_key;
		vals[2] = p.error_code;
		vals[3] = p.error_message;
		return (pay_sql(req, st, PS_SQL_FAIL,
		    "SELECT encore.payment_fail($1, $2, $3, $4)", 4, vals));

	case PS_TOSS_LOOKUP:
		if (p.http_status == 404)	/* never issued: ignore */
			return (reply_json(req, 200,
			    "{\"status\":\"ignored\"}", 20));
		if (!p.ok) {
			metrics_count(MC_PROVIDER_ERRORS, 1);
			return (reply_error(req, 503, "SERVICE_UNAVAILABLE",
			    "The payment could not be verified; retry later."));
		}
		snprintf(event, sizeof(event), "%s:%s:%lld", p.payment_key,
		    p.status, (long long)p.balance_amount);
		snprintf(st->payment_key, sizeof(st->payment_key), "%s",
		    p.payment_key);
		vals[0] = event;
		vals[1] = p.json;
		return (pay_sql(req, st, PS_SQL_APPLY,
		    "SELECT encore.payment_apply_status($1, $2::jsonb)", 2,
		    vals));

	case PS_TOSS_CANCEL:
		if (p.ok && (!strcmp(p.status, "CANCELED") ||
		    !strcmp(p.status, "PARTIAL_CANCELED"))) {
			vals[0] = st->payment_key;
			vals[1] = p.json;
			return (pay_sql(req, st, PS_SQL_REFUNDED,
			    "SELECT encore.payment_refunded($1, $2::jsonb)", 2,
			    vals));
		}
		pay_provider_error(st, &p);
		if (st->kind == PAY_WEBHOOK)
			return (reply_error(req, 503, "SERVICE_UNAVAILABLE",
			    "The refund could not be made; retry later."));
		return (reply_api_error(req, &st->pending));

	default:
		return (reply_unavailable(req));
	}
}

static int
pay_step(struct http_request *req, struct pay_state *st)
{
	switch (st->step) {
	case PS_TOSS_CONFIRM:
	case PS_TOSS_LOOKUP:
	case PS_TOSS_CANCEL:
		if (httpc_poll(req, &st->http) == HTTPC_WAIT)
			return (KORE_RESULT_RETRY);
		return (pay_after_http(req, st));
	default:
		if (pg_call_poll(req, &st->call) == PG_WAIT)
			return (KORE_RESULT_RETRY);
		return (pay_after_sql(req, st));
	}
}

int
payflow_resume(struct http_request *req)
{
	return (pay_step(req, http_state_get(req)));
}

int
payflow_confirm(struct http_request *req, const struct session *s,
    const char *payment_key, const char *order_id, int64_t amount)
{
	struct pay_state	*st;
	const char		*vals[4];

	st = req_state_new(req, sizeof(*st), pay_state_free);
	st->kind = PAY_CONFIRM;
	snprintf(st->order_id, sizeof(st->order_id), "%s", order_id);
	snprintf(st->payment_key, sizeof(st->payment_key), "%s", payment_key);
	snprintf(st->amount, sizeof(st->amount), "%lld", (long long)amount);
	vals[0] = s->member_id_str;
	vals[1] = st->order_id;
	vals[2] = st->payment_key;
	vals[3] = st->amount;
	return (pay_sql(req, st, PS_BEGIN, "SELECT encore.payment_begin("
	    "$1::bigint, $2, $3, $4::bigint)", 4, vals));
}

int
payflow_cancel(struct http_request *req, const struct session *s,
    const char *reservation_id)
{
	struct pay_state	*st;
	const char		*vals[3];

	st = req_state_new(req, sizeof(*st), pay_state_free);
	st->kind = PAY_CANCEL;
	vals[0] = s->member_id_str;
	vals[1] = s->is_admin ? "true" : "false";
	vals[2] = reservation_id;
	return (pay_sql(req, st, PS_CANCEL, "SELECT encore.reservation_cancel("
	    "$1::bigint, $2::boolean, $3::uuid)", 3, vals));
}

int
payflow_webhook(struct http_request *req, const char *payment_key)
{
	struct pay_state	*st;

	st = req_state_new(req, sizeof(*st), pay_state_free);
	st->kind = PAY_WEBHOOK;
	snprintf(st->payment_key, sizeof(st->payment_key), "%s", payment_key);
	toss_lookup_request(&st->http.in, st->payment_key);
	return (pay_http(req, st, PS_TOSS_LOOKUP));
}
