/*
 * relay.c: encore-relay, the transactional outbox's way to RabbitMQ.
 *
 * The payment path writes its result and an encore.outbox row in the same
 * Postgres transaction; this daemon carries those rows to the durable fanout
 * exchange encore.payments. It is a process of its own, not a kore worker
 * or task: librabbitmq blocks, and a slow or dead broker must never hold up
 * request handling. While RabbitMQ (or Postgres) is down the rows simply
 * wait in the outbox and this process backs off (100 ms doubling to 5 s)
 * and reconnects.
 *
 * One batch, all in one Postgres transaction:
 *   BEGIN; SELECT ... FROM encore.outbox_claim(batch)   (row locks)
 *   publish each row: persistent, application/json, message_id = event_id,
 *       type = topic, mandatory (a message no queue takes is an error)
 *   wait for the publisher confirms of all of them (confirm.select)
 *   every one acked and none returned -> outbox_mark_published; COMMIT
 *   a nack, a return, a timeout or a broken connection -> ROLLBACK; the
 *       rows are published again later
 * Delivery is therefore at least once (a crash between the broker's ack and
 * COMMIT publishes a batch twice; the consumers' inbox makes that
 * harmless), and in outbox order because only one relay publishes: the one
 * holding the Postgres advisory lock "encore.relay". A second relay started
 * by mistake (or as a spare) stands by and takes over when the first one's
 * session ends.
 *
 * Idle, the relay LISTENs on channel encore_outbox (notified by a trigger
 * on encore.outbox) and otherwise looks again every ENCORE_RELAY_POLL_MS.
 * SIGTERM/SIGINT: the batch in hand is finished or rolled back, then exit 0.
 */
#include <sys/time.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <amqp.h>
#include <libpq-fe.h>

#include "broker.h"
#include "daemon.h"
#include "workers.h"

#define RELAY_BACKOFF_BASE_MS	100
#define RELAY_BACKOFF_CAP_MS	5000
#define RELAY_NOTIFY_CHANNEL	"encore_outbox"

/* The publisher confirms of one batch, tags first..last. */
struct confirms {
	uint64_t	 first, last, confirmed;
	unsigned char	*seen;
	int		 returned;	/* a basic.return: unroutable */
};

enum {
	CONFIRM_MORE,		/* keep reading */
	CONFIRM_NACKED,		/* roll back, keep the connection */
	CONFIRM_BROKEN		/* roll back, drop the connection */
};

struct relay {
	struct workers_config	 cfg;
	PGconn			*db;
	struct broker		 mq;
	int			 leader;	/* holds the relay lock */
	uint64_t		 next_tag;	/* of the next publish */
	unsigned int		 failures;	/* in a row, for backoff */
	char			 last_error[300];
};

static int	relay_connect(struct relay *);
static int	relay_lead(struct relay *);
static int	relay_batch(struct relay *);
static int	relay_publish(struct relay *, PGresult *);
static int	relay_await_confirms(struct relay *, uint64_t, uint64_t);
static int	relay_confirm_frame(struct relay *, const amqp_frame_t *,
		    struct confirms *);
static int64_t	monotonic_ms(void);
static int	relay_mark_published(struct relay *, PGresult *);
static int	relay_db_exec(struct relay *, const char *);
static void	relay_idle(struct relay *);
static void	relay_fail(struct relay *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static const char	*env_get(const char *, void *);

int
main(void)
{
	struct relay	r;
	char		err[256];
	unsigned int	delay;
	int		n;

	memset(&r, 0, sizeof(r));
	daemon_log_init("encore-relay");
	if (workers_config_load(&r.cfg, env_get, NULL, err, sizeof(err)) ==
	    WORKERS_ERROR) {
		(void)fprintf(stderr, "encore-relay: %s\n", err);
		return (2);
	}
	daemon_signals_install();
	daemon_log("starting: outbox -> exchange %s on %s:%d, batch %d",
	    WORKERS_EXCHANGE, r.cfg.amqp_host, r.cfg.amqp_port,
	    r.cfg.relay_batch);

	while (!daemon_stopping()) {
		if (relay_connect(&r) == WORKERS_OK &&
		    (n = relay_batch(&r)) >= 0) {
			if (r.failures > 0)
				daemon_log("recovered after %u failed tries",
				    r.failures);
			r.failures = 0;
			r.last_error[0] = '\0';
			if (n < r.cfg.relay_batch)
				relay_idle(&r);
			continue;
		}
		delay = workers_backoff_ms(r.failures, RELAY_BACKOFF_BASE_MS,
		    RELAY_BACKOFF_CAP_MS);
		r.failures++;
		daemon_sleep_ms(delay);
	}

	broker_close(&r.mq);
	PQfinish(r.db);
	daemon_log("stopped");
	return (0);
}

/* Makes sure both connections are up; the broker one in confirm mode. */
static int
relay_connect(struct relay *r)
{
	char	err[256];

	if (r->db != NULL && PQstatus(r->db) != CONNECTION_OK) {
		PQfinish(r->db);
		r->db = NULL;
		r->leader = 0;
	}
	if (r->db == NULL) {
		r->db = daemon_db_connect(&r->cfg, "encore-relay", err,
		    sizeof(err));
		if (r->db == NULL) {
			relay_fail(r, "postgres unavailable: %s (rows wait)",
			    err);
			return (WORKERS_ERROR);
		}
		if (relay_db_exec(r, "LISTEN " RELAY_NOTIFY_CHANNEL) ==
		    WORKERS_ERROR) {
			PQfinish(r->db);
			r->db = NULL;
			return (WORKERS_ERROR);
		}
		daemon_log("postgres connected");
	}
	if (!r->leader && relay_lead(r) == WORKERS_ERROR)
		return (WORKERS_ERROR);

	if (r->mq.conn != NULL)
		return (WORKERS_OK);
	/* No heartbeat: idle, the relay waits on Postgres, not on AMQP. */
	if (broker_connect(&r->mq, &r->cfg, 0) == WORKERS_ERROR ||
	    broker_declare_topology(&r->mq, r->cfg.retry_delay_ms) ==
	    WORKERS_ERROR) {
		relay_fail(r, "rabbitmq unavailable: %s (rows wait)",
		    r->mq.error);
		broker_close(&r->mq);
		return (WORKERS_ERROR);
	}
	amqp_confirm_select(r->mq.conn, BROKER_CHANNEL);
	if (broker_check(&r->mq, "confirm.select") == WORKERS_ERROR) {
		relay_fail(r, "rabbitmq: %s", r->mq.error);
		broker_close(&r->mq);
		return (WORKERS_ERROR);
	}
	r->next_tag = 1;
	daemon_log("rabbitmq connected to %s:%d, exchange %s declared",
	    r->cfg.amqp_host, r->cfg.amqp_port, WORKERS_EXCHANGE);
	return (WORKERS_OK);
}

/*
 * Only one relay publishes at a time, or the outbox order is lost: the one
 * holding the session advisory lock "encore.relay". Others stand by and
 * take over within the backoff cap when its connection goes away.
 */
static int
relay_lead(struct relay *r)
{
	PGresult	*res;
	char		 err[256];
	int		 ok;

	res = PQexec(r->db, "SELECT pg_try_advisory_lock("
	    "hashtextextended('encore.relay', 0))");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		daemon_db_error(r->db, res, err, sizeof(err));
		relay_fail(r, "postgres: taking the relay lock: %s", err);
		PQclear(res);
		return (WORKERS_ERROR);
	}
	ok = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!ok) {
		relay_fail(r, "standing by: another encore-relay holds the"
		    " outbox lock");
		return (WORKERS_ERROR);
	}
	r->leader = 1;
	daemon_log("holding the outbox lock: this relay publishes");
	return (WORKERS_OK);
}

/* One claim-publish-confirm-commit round; the number of rows, or -1. */
static int
relay_batch(struct relay *r)
{
	PGresult	*res;
	const char	*params[1];
	char		 limit[16], err[256];
	int		 n;

	if (relay_db_exec(r, "BEGIN") == WORKERS_ERROR)
		return (-1);
	(void)snprintf(limit, sizeof(limit), "%d", r->cfg.relay_batch);
	params[0] = limit;
	res = PQexecParams(r->db,
	    "SELECT id, event_id::text, topic, payload::text"
	    " FROM encore.outbox_claim($1::int)",
	    1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		daemon_db_error(r->db, res, err, sizeof(err));
		relay_fail(r, "outbox_claim failed: %s", err);
		PQclear(res);
		(void)relay_db_exec(r, "ROLLBACK");
		return (-1);
	}
	if ((n = PQntuples(res)) == 0) {
		PQclear(res);
		return (relay_db_exec(r, "COMMIT") == WORKERS_OK ? 0 : -1);
	}

	if (relay_publish(r, res) == WORKERS_ERROR ||
	    relay_mark_published(r, res) == WORKERS_ERROR) {
		PQclear(res);
		(void)relay_db_exec(r, "ROLLBACK");
		return (-1);
	}
	if (relay_db_exec(r, "COMMIT") == WORKERS_ERROR) {
		daemon_log("published %d events but COMMIT failed: they will"
		    " be published again (consumers deduplicate)", n);
		PQclear(res);
		return (-1);
	}
	daemon_log("published %d event%s (outbox id %s..%s)", n,
	    n == 1 ? "" : "s", PQgetvalue(res, 0, 0),
	    PQgetvalue(res, n - 1, 0));
	PQclear(res);
	return (n);
}

static int
relay_publish(struct relay *r, PGresult *res)
{
	amqp_basic_properties_t	props;
	amqp_bytes_t		body;
	uint64_t		first;
	int			i, n, rc;

	n = PQntuples(res);
	first = r->next_tag;
	for (i = 0; i < n; i++) {
		workers_publish_props(&props, PQgetvalue(res, i, 1),
		    PQgetvalue(res, i, 2), (uint64_t)time(NULL));
		body.bytes = PQgetvalue(res, i, 3);
		body.len = (size_t)PQgetlength(res, i, 3);
		rc = amqp_basic_publish(r->mq.conn, BROKER_CHANNEL,
		    amqp_cstring_bytes(WORKERS_EXCHANGE),
		    amqp_cstring_bytes(""), 1, 0, &props, body);
		if (rc != AMQP_STATUS_OK) {
			relay_fail(r, "rabbitmq: publish failed: %s",
			    amqp_error_string2(rc));
			broker_close(&r->mq);
			return (WORKERS_ERROR);
		}
		r->next_tag++;
	}
	return (relay_await_confirms(r, first, r->next_tag - 1));
}

/*
 * Reads frames until every tag in [first, last] is confirmed. Tags of
 * earlier, abandoned batches may still arrive; they are ignored.
 */
static int
relay_await_confirms(struct relay *r, uint64_t first, uint64_t last)
{
	struct confirms	c;
	amqp_frame_t	frame;
	struct timeval	tv;
	int64_t		deadline, left;
	int		rc, step;

	memset(&c, 0, sizeof(c));
	c.first = first;
	c.last = last;
	if ((c.seen = calloc(last - first + 1, 1)) == NULL) {
		relay_fail(r, "out of memory");
		return (WORKERS_ERROR);
	}
	deadline = monotonic_ms() + r->cfg.confirm_timeout_ms;
	step = CONFIRM_MORE;
	while (step == CONFIRM_MORE && c.confirmed < last - first + 1) {
		if ((left = deadline - monotonic_ms()) <= 0) {
			relay_fail(r, "rabbitmq: no confirm within %d ms",
			    r->cfg.confirm_timeout_ms);
			step = CONFIRM_BROKEN;
			break;
		}
		tv.tv_sec = (time_t)(left / 1000);
		tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
		rc = amqp_simple_wait_frame_noblock(r->mq.conn, &frame, &tv);
		if (rc == AMQP_STATUS_TIMEOUT)
			continue;
		if (rc != AMQP_STATUS_OK) {
			relay_fail(r, "rabbitmq: waiting for confirms: %s",
			    amqp_error_string2(rc));
			step = CONFIRM_BROKEN;
			break;
		}
		step = relay_confirm_frame(r, &frame, &c);
	}
	free(c.seen);

	if (step == CONFIRM_BROKEN) {
		broker_close(&r->mq);
		return (WORKERS_ERROR);
	}
	if (step == CONFIRM_NACKED)
		return (WORKERS_ERROR);
	if (c.returned) {
		relay_fail(r, "rabbitmq: no queue is bound to %s; batch rolled"
		    " back", WORKERS_EXCHANGE);
		return (WORKERS_ERROR);
	}
	return (WORKERS_OK);
}

/* One frame while waiting for confirms. */
static int
relay_confirm_frame(struct relay *r, const amqp_frame_t *frame,
    struct confirms *c)
{
	const amqp_basic_ack_t	*ack;
	const amqp_basic_nack_t	*nack;
	amqp_message_t		 msg;
	amqp_rpc_reply_t	 rr;
	uint64_t		 t;

	if (frame->frame_type != AMQP_FRAME_METHOD)
		return (CONFIRM_MORE);

	switch (frame->payload.method.id) {
	case AMQP_BASIC_ACK_METHOD:
		ack = frame->payload.method.decoded;
		t = ack->multiple ? c->first : ack->delivery_tag;
		for (; t <= ack->delivery_tag && t <= c->last; t++) {
			if (t >= c->first && !c->seen[t - c->first]) {
				c->seen[t - c->first] = 1;
				c->confirmed++;
			}
		}
		return (CONFIRM_MORE);
	case AMQP_BASIC_NACK_METHOD:
		nack = frame->payload.method.decoded;
		if (nack->delivery_tag < c->first)
			return (CONFIRM_MORE);	/* an abandoned batch */
		relay_fail(r, "rabbitmq: broker nacked tag %" PRIu64
		    "; batch rolled back", nack->delivery_tag);
		return (CONFIRM_NACKED);
	case AMQP_BASIC_RETURN_METHOD:
		/* Unroutable. Its content follows: read it off the wire. */
		rr = amqp_read_message(r->mq.conn, frame->channel, &msg, 0);
		if (rr.reply_type != AMQP_RESPONSE_NORMAL) {
			relay_fail(r, "rabbitmq: reading a returned message");
			return (CONFIRM_BROKEN);
		}
		amqp_destroy_message(&msg);
		c->returned = 1;
		return (CONFIRM_MORE);
	case AMQP_CHANNEL_CLOSE_METHOD:
	case AMQP_CONNECTION_CLOSE_METHOD:
		relay_fail(r, "rabbitmq closed the %s",
		    frame->payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ?
		    "channel" : "connection");
		return (CONFIRM_BROKEN);
	default:
		return (CONFIRM_MORE);
	}
}

static int64_t
monotonic_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static int
relay_mark_published(struct relay *r, PGresult *claimed)
{
	PGresult	*res;
	const char	*params[1];
	char		*ids, err[256];
	size_t		 len, off;
	int		 i, n, ok;

	n = PQntuples(claimed);
	len = 3;
	for (i = 0; i < n; i++)
		len += (size_t)PQgetlength(claimed, i, 0) + 1;
	if ((ids = malloc(len)) == NULL) {
		relay_fail(r, "out of memory");
		return (WORKERS_ERROR);
	}
	off = 0;
	ids[off++] = '{';
	for (i = 0; i < n; i++) {
		off += (size_t)snprintf(ids + off, len - off, "%s%s",
		    i > 0 ? "," : "", PQgetvalue(claimed, i, 0));
	}
	(void)snprintf(ids + off, len - off, "}");

	params[0] = ids;
	res = PQexecParams(r->db,
	    "SELECT encore.outbox_mark_published($1::bigint[])",
	    1, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok) {
		daemon_db_error(r->db, res, err, sizeof(err));
		daemon_log("published %d events but outbox_mark_published"
		    " failed (%s): they will be published again", n, err);
	}
	PQclear(res);
	free(ids);
	return (ok ? WORKERS_OK : WORKERS_ERROR);
}

static int
relay_db_exec(struct relay *r, const char *sql)
{
	PGresult	*res;
	char		 err[256];
	int		 ok;

	res = PQexec(r->db, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok) {
		daemon_db_error(r->db, res, err, sizeof(err));
		relay_fail(r, "postgres: %s: %s", sql, err);
	}
	PQclear(res);
	return (ok ? WORKERS_OK : WORKERS_ERROR);
}

/* Waits for a NOTIFY on encore_outbox, at most poll_ms. */
static void
relay_idle(struct relay *r)
{
	PGnotify	*note;
	int		 fd;

	if ((fd = PQsocket(r->db)) < 0) {
		daemon_sleep_ms((unsigned int)r->cfg.poll_ms);
		return;
	}
	if (daemon_wait_readable(fd, (unsigned int)r->cfg.poll_ms) &&
	    PQconsumeInput(r->db) == 0)
		return;		/* broken; relay_connect will notice */
	while ((note = PQnotifies(r->db)) != NULL)
		PQfreemem(note);
}

/* Logs a failure once, not again while the same one repeats. */
static void
relay_fail(struct relay *r, const char *fmt, ...)
{
	va_list		ap;
	char		msg[sizeof(r->last_error)];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(msg, r->last_error) != 0) {
		daemon_log("%s; retrying with backoff", msg);
		(void)snprintf(r->last_error, sizeof(r->last_error), "%s",
		    msg);
	}
}

static const char *
env_get(const char *name, void *arg)
{
	(void)arg;
	return (getenv(name));
}
