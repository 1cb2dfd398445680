/*
 * reconcile.c: settle payments left in flight.
 *
 * A confirm whose answer from Toss never arrived (a timeout, a 5xx, or the
 * server dying between Toss's approval and the database update) leaves its
 * attempt IN_FLIGHT. This thread, in every worker, asks Postgres for such
 * attempts (encore.payments_in_flight leases each one, so workers never
 * take the same), asks Toss by orderId what really happened, and applies
 * that through the same SQL function the webhook uses; a payment approved
 * for seats that are gone is refunded. Refunds owed but not yet confirmed
 * by Toss (it was down when one was asked) are asked for again. It runs on its own thread with its
 * own connection because it makes blocking calls, which the event loop
 * never may.
 */
#include <sys/types.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include <kore/kore.h>

#include "adapters/httpc.h"
#include "adapters/toss.h"
#include "core/jsonreq.h"
#include "core/metrics.h"
#include "encore.h"
#include "jobs.h"

#define RECONCILE_BATCH		"20"

static pthread_t	reconcile_thread;
static volatile int	reconcile_running;

/* One SQL function call; returns its JSON (free it) or NULL. */
static char *
rc_call(PGconn **db, const char *query, int n, const char *const *vals)
{
	PGresult	*res;
	char		*out;

	if (*db == NULL || PQstatus(*db) != CONNECTION_OK) {
		if (*db != NULL)
			PQfinish(*db);
		*db = PQconnectdb(encore_cfg->database_url);
		if (PQstatus(*db) != CONNECTION_OK)
			return (NULL);
	}
	res = PQexecParams(*db, query, n, NULL, vals, NULL, NULL, 0);
	out = NULL;
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    !PQgetisnull(res, 0, 0))
		out = strdup(PQgetvalue(res, 0, 0));
	else if (PQresultStatus(res) != PGRES_TUPLES_OK)
		kore_log(LOG_NOTICE, "reconcile: %s", PQresultErrorMessage(res));
	PQclear(res);
	return (out);
}

static void
rc_refund(PGconn **db, const char *payment_key)
{
	struct httpc_request	 in;
	struct httpc_response	*out;
	struct toss_payment	 p;
	const char		*vals[2];
	char			*r;

	if ((out = malloc(sizeof(*out))) == NULL)
		return;
	toss_cancel_request(&in, payment_key,
	    "The hold expired and its seats were sold meanwhile");
	httpc_perform(&in, out);
	toss_read(out, &p);
	if (p.ok && (!strcmp(p.status, "CANCELED") ||
	    !strcmp(p.status, "PARTIAL_CANCELED"))) {
		vals[0] = payment_key;
		vals[1] = out->body;
		r = rc_call(db, "SELECT encore.payment_refunded($1, $2::jsonb)",
		    2, vals);
		if (r != NULL)
			metrics_count(MC_PAYMENTS_REFUNDED, 1);
		free(r);
	}
	free(out);
}

static void
rc_settle(PGconn **db, const char *order_id, const char *payment_key)
{
	struct httpc_request	 in;
	struct httpc_response	*out;
	struct toss_payment	 p;
	const char		*vals[4];
	char			 event[TOSS_KEY_MAX + 80], outcome[32], key[256];
	char			*r;

	if ((out = malloc(sizeof(*out))) == NULL)
		return;
	toss_lookup_order_request(&in, order_id);
	httpc_perform(&in, out);
	toss_read(out, &p);

	r = NULL;
	if (p.ok) {
		snprintf(event, sizeof(event), "%s:%s:%lld", p.payment_key,
		    p.status, (long long)p.balance_amount);
		vals[0] = event;
		vals[1] = out->body;
		r = rc_call(db, "SELECT encore.payment_apply_status($1, "
		    "$2::jsonb)", 2, vals);
	} else if (p.http_status == 404) {
		/* Toss never approved it: the attempt failed. */
		vals[0] = order_id;
		vals[1] = payment_key;
		vals[2] = "NOT_FOUND_PAYMENT";
		vals[3] = "The provider has no such payment.";
		r = rc_call(db, "SELECT encore.payment_fail($1, $2, $3, $4)",
		    4, vals);
	}
	if (r != NULL) {
		metrics_count(MC_PAYMENTS_RECONCILED, 1);
		if (jsonreq_top_str(r, "outcome", outcome, sizeof(outcome)) &&
		    !strcmp(outcome, "REFUND_REQUIRED") &&
		    jsonreq_top_str(r, "payment_key", key, sizeof(key)))
			rc_refund(db, key);
		kore_log(LOG_NOTICE, "reconcile: order %s settled: %s",
		    order_id, outcome);
	}
	free(r);
	free(out);
}

/*
 * One listing function ({"payments":[{"order_id","payment_key"}]}) and what
 * to do with each payment it leases.
 */
static void
rc_each(PGconn **db, const char *query, void (*fn)(PGconn **, const char *,
    const char *))
{
	json_object	*root, *list, *item, *o, *k;
	const char	*vals[2];
	char		*r, after[32];
	size_t		 i, n;

	snprintf(after, sizeof(after), "%d seconds",
	    encore_cfg->reconcile_after_s);
	vals[0] = after;
	vals[1] = RECONCILE_BATCH;
	if ((r = rc_call(db, query, 2, vals)) == NULL)
		return;
	root = json_tokener_parse(r);
	free(r);
	if (root == NULL)
		return;
	if (json_object_object_get_ex(root, "payments", &list) &&
	    json_object_is_type(list, json_type_array)) {
		n = json_object_array_length(list);
		for (i = 0; i < n && reconcile_running; i++) {
			item = json_object_array_get_idx(list, i);
			if (json_object_object_get_ex(item, "order_id", &o) &&
			    json_object_object_get_ex(item, "payment_key", &k))
				fn(db, json_object_get_string(o),
				    json_object_get_string(k));
		}
	}
	json_object_put(root);
}

static void
rc_refund_owed(PGconn **db, const char *order_id, const char *payment_key)
{
	(void)order_id;
	rc_refund(db, payment_key);
}

/* Attempts left in flight; refunds owed that Toss has not confirmed. */
static void
rc_round(PGconn **db)
{
	rc_each(db, "SELECT encore.payments_in_flight($1::interval, $2::int)",
	    rc_settle);
	rc_each(db, "SELECT encore.payments_refund_pending($1::interval, "
	    "$2::int)", rc_refund_owed);
}

static void *
reconcile_main(void *arg)
{
	PGconn		*db;
	struct timespec	 ts;

	(void)arg;
	db = NULL;
	while (reconcile_running) {
		rc_round(&db);
		ts.tv_sec = encore_cfg->reconcile_interval_ms / 1000;
		ts.tv_nsec = (encore_cfg->reconcile_interval_ms % 1000) *
		    1000000L;
		nanosleep(&ts, NULL);
	}
	if (db != NULL)
		PQfinish(db);
	return (NULL);
}

void
reconcile_start(void)
{
	if (reconcile_running)
		return;
	reconcile_running = 1;
	if (pthread_create(&reconcile_thread, NULL, reconcile_main, NULL) != 0)
		reconcile_running = 0;
	else
		pthread_detach(reconcile_thread);
}
