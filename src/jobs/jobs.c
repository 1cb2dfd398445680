/*
 * jobs.c: background SQL calls on kore timers.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/pgsql.h>

#include "core/metrics.h"
#include "encore.h"
#include "jobs.h"

#define JOB_PARAMS_MAX	4

static struct job_call	expiry;

static void
job_call_cb(struct kore_pgsql *sql, void *arg)
{
	struct job_call	*job = arg;
	const char	*val;

	switch (sql->state) {
	case KORE_PGSQL_STATE_WAIT:
		return;
	case KORE_PGSQL_STATE_INIT:
		/*
		 * Woken from the pool's queue: kore removes and frees the
		 * queue entry itself right after this callback, so nothing
		 * is cleaned up here; the job simply runs on the next tick.
		 */
		job->busy = 0;
		return;
	case KORE_PGSQL_STATE_RESULT:
		if (kore_pgsql_ntuples(sql) > 0 && job->done != NULL) {
			val = kore_pgsql_getvalue(sql, 0, 0);
			job->done(job, val);
		}
		kore_pgsql_continue(sql);
		return;
	case KORE_PGSQL_STATE_ERROR:
		kore_log(LOG_NOTICE, "job %s: %s", job->name,
		    sql->error != NULL ? sql->error : "failed");
		if (sql->conn == NULL || sql->result == NULL) {
			if (sql->conn != NULL &&
			    PQstatus(sql->conn->db) == CONNECTION_BAD)
				kore_pgsql_handle(sql->conn, 1);
			kore_pgsql_cleanup(sql);
			job->busy = 0;
			return;
		}
		kore_pgsql_continue(sql);
		return;
	case KORE_PGSQL_STATE_COMPLETE:
		kore_pgsql_cleanup(sql);
		job->busy = 0;
		return;
	default:
		kore_pgsql_continue(sql);
		return;
	}
}

/*
 * A job whose call will never call back: kore dropped its connection
 * (Postgres restarted: kore cleans up without calling the callback), or
 * the server stopped answering. Without this the job would stay busy for
 * good, and holds would stop expiring in that worker.
 */
static void
job_call_reap(struct job_call *job)
{
	int	lost, late;

	lost = (job->sql.state == KORE_PGSQL_STATE_ERROR &&
	    job->sql.conn == NULL);
	late = (kore_time_ms() - job->started >
	    (u_int64_t)encore_cfg->db_timeout_ms);
	if (!lost && !late)
		return;
	kore_log(LOG_NOTICE, "job %s: call %s; starting over", job->name,
	    lost ? "lost its connection" : "passed its deadline");
	if (job->sql.conn != NULL)
		kore_pgsql_handle(job->sql.conn, 1);
	kore_pgsql_cleanup(&job->sql);
	job->busy = 0;
}

/* Returns 0 when the call started, -1 when busy or Postgres is away. */
int
job_call_start(struct job_call *job, const char *query, int n,
    const char *const *vals)
{
	int	lengths[JOB_PARAMS_MAX], formats[JOB_PARAMS_MAX], i;

	if (job->busy)
		job_call_reap(job);
	if (job->busy || n > JOB_PARAMS_MAX)
		return (-1);
	job->started = kore_time_ms();
	kore_pgsql_init(&job->sql);
	kore_pgsql_bind_callback(&job->sql, job_call_cb, job);
	if (!kore_pgsql_setup(&job->sql, ENCORE_DB, KORE_PGSQL_ASYNC)) {
		if (job->sql.state == KORE_PGSQL_STATE_INIT) {
			/* Queued behind requests: the callback frees it. */
			job->busy = 1;
			return (0);
		}
		kore_pgsql_cleanup(&job->sql);
		return (-1);
	}
	job->busy = 1;
	for (i = 0; i < n && i < JOB_PARAMS_MAX; i++) {
		lengths[i] = (int)strlen(vals[i]);
		formats[i] = 0;
	}
	if (!kore_pgsql_query_param_fields(&job->sql, query, 0, n,
	    (const char **)vals, lengths, formats)) {
		kore_pgsql_cleanup(&job->sql);
		job->busy = 0;
		return (-1);
	}
	return (0);
}

static void
expiry_done(struct job_call *job, const char *json)
{
	const char	*p;
	long		 n;

	(void)job;
	/* {"expired": n} */
	if ((p = strstr(json, "\"expired\"")) != NULL &&
	    (p = strchr(p, ':')) != NULL && (n = strtol(p + 1, NULL, 10)) > 0)
		metrics_count(MC_HOLDS_EXPIRED, (uint64_t)n);
}

static void
expiry_tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
	(void)job_call_start(&expiry, "SELECT encore.holds_expire(500)", 0,
	    NULL);
}

void
jobs_start(void)
{
	expiry.name = "holds_expire";
	expiry.done = expiry_done;
	reconcile_start();
	(void)kore_timer_add(expiry_tick,
	    (u_int64_t)encore_cfg->expiry_interval_ms, NULL, 0);
}
