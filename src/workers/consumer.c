/*
 * consumer.c: encore-consumer notifications|stats.
 *
 * Takes payment events from its queue (encore.notifications or encore.stats)
 * and applies each with ONE call of its SQL function (consume_notification
 * or consume_stats), which is one Postgres transaction. The function records
 * (consumer, event_id) in encore.consumer_inbox under a unique key, so a
 * redelivered or twice-published event has no second effect. The message is
 * acked only after that call has committed.
 *
 * A message that fails (not JSON, not a valid event, any error the database
 * attributes to the message) is rejected: RabbitMQ dead-letters it into
 * Q.retry, whose TTL sends it back to Q later, and counts the round trips in
 * its x-death header. The attempt that reaches ENCORE_CONSUMER_MAX_ATTEMPTS
 * moves the message to Q.dlq instead (published in a transaction on a second
 * channel, then acked). Either way it leaves Q at once, so it never blocks
 * the messages behind it.
 *
 * A failure that is the database's own (connection lost, shutting down, out
 * of resources) is not the message's fault and costs it no attempt: both
 * connections are dropped, unacked messages return to Q, and the consumer
 * reconnects with backoff. SIGTERM/SIGINT: finish the message in hand, exit 0.
 */
#include <sys/time.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <amqp.h>
#include <libpq-fe.h>

#include "broker.h"
#include "daemon.h"
#include "workers.h"

#define CONSUMER_BACKOFF_BASE_MS	100
#define CONSUMER_BACKOFF_CAP_MS		5000
#define CONSUMER_HEARTBEAT_S		30
#define CONSUMER_SUMMARY_S		10
#define CONSUMER_HEADERS_MAX		64

enum outcome {
	OUTCOME_APPLIED,
	OUTCOME_DUPLICATE,
	OUTCOME_IGNORED,
	OUTCOME_MESSAGE_FAILED,		/* count an attempt */
	OUTCOME_DATABASE_DOWN		/* reconnect, count nothing */
};

struct consumer {
	struct workers_config		 cfg;
	const struct workers_consumer	*def;
	PGconn				*db;
	struct broker			 mq;
	unsigned int			 failures;
	uint64_t			 count[OUTCOME_DATABASE_DOWN];
	uint64_t			 retried, dead_lettered, logged_total;
	time_t				 last_summary;
	char				 last_error[300];
};

static int		consumer_connect(struct consumer *);
static int		consumer_run(struct consumer *);
static int		consumer_handle(struct consumer *, amqp_envelope_t *);
static enum outcome	consumer_apply(struct consumer *, amqp_bytes_t,
			    char *, size_t);
static int		consumer_fail(struct consumer *, amqp_envelope_t *,
			    const char *, const char *);
static int		consumer_dead_letter(struct consumer *,
			    amqp_envelope_t *, int64_t, const char *);
static int		consumer_other_frame(struct consumer *);
static void		consumer_summary(struct consumer *, int);
static void		consumer_down(struct consumer *, const char *,
			    const char *);
static const char	*env_get(const char *, void *);

int
main(int argc, char *argv[])
{
	struct consumer	c;
	char		err[256], program[64];
	unsigned int	delay;

	memset(&c, 0, sizeof(c));
	if (argc != 2 || (c.def = workers_consumer_find(argv[1])) == NULL) {
		(void)fprintf(stderr,
		    "usage: encore-consumer notifications|stats\n");
		return (2);
	}
	(void)snprintf(program, sizeof(program), "encore-consumer %s",
	    c.def->name);
	daemon_log_init(program);
	if (workers_config_load(&c.cfg, env_get, NULL, err, sizeof(err)) ==
	    WORKERS_ERROR) {
		(void)fprintf(stderr, "%s: %s\n", program, err);
		return (2);
	}
	daemon_signals_install();
	daemon_log("starting: queue %s, max %d attempts, retry after %d ms,"
	    " prefetch %d", c.def->queue, c.cfg.max_attempts,
	    c.cfg.retry_delay_ms, c.cfg.prefetch);
	c.last_summary = time(NULL);

	while (!daemon_stopping()) {
		if (consumer_connect(&c) == WORKERS_OK &&
		    consumer_run(&c) == WORKERS_OK)
			break;
		broker_close(&c.mq);
		delay = workers_backoff_ms(c.failures,
		    CONSUMER_BACKOFF_BASE_MS, CONSUMER_BACKOFF_CAP_MS);
		c.failures++;
		daemon_sleep_ms(delay);
	}

	consumer_summary(&c, 1);
	broker_close(&c.mq);
	PQfinish(c.db);
	daemon_log("stopped");
	return (0);
}

static int
consumer_connect(struct consumer *c)
{
	char	err[256];

	if (c->db != NULL && PQstatus(c->db) != CONNECTION_OK) {
		PQfinish(c->db);
		c->db = NULL;
	}
	if (c->db == NULL) {
		c->db = daemon_db_connect(&c->cfg, "encore-consumer", err,
		    sizeof(err));
		if (c->db == NULL) {
			consumer_down(c, "postgres", err);
			return (WORKERS_ERROR);
		}
		daemon_log("postgres connected");
	}

	if (broker_connect(&c->mq, &c->cfg, CONSUMER_HEARTBEAT_S) ==
	    WORKERS_ERROR ||
	    broker_declare_topology(&c->mq, c->cfg.retry_delay_ms) ==
	    WORKERS_ERROR)
		goto fail;
	amqp_basic_qos(c->mq.conn, BROKER_CHANNEL, 0,
	    (uint16_t)c->cfg.prefetch, 0);
	if (broker_check(&c->mq, "basic.qos") == WORKERS_ERROR)
		goto fail;
	amqp_channel_open(c->mq.conn, BROKER_DLQ_CHANNEL);
	if (broker_check(&c->mq, "channel.open") == WORKERS_ERROR)
		goto fail;
	amqp_tx_select(c->mq.conn, BROKER_DLQ_CHANNEL);
	if (broker_check(&c->mq, "tx.select") == WORKERS_ERROR)
		goto fail;
	amqp_basic_consume(c->mq.conn, BROKER_CHANNEL,
	    amqp_cstring_bytes(c->def->queue), amqp_empty_bytes, 0, 0, 0,
	    amqp_empty_table);
	if (broker_check(&c->mq, "basic.consume") == WORKERS_ERROR)
		goto fail;

	if (c->failures > 0)
		daemon_log("recovered after %u failed tries", c->failures);
	c->failures = 0;
	c->last_error[0] = '\0';
	daemon_log("rabbitmq connected to %s:%d, consuming %s",
	    c->cfg.amqp_host, c->cfg.amqp_port, c->def->queue);
	return (WORKERS_OK);

fail:
	consumer_down(c, "rabbitmq", c->mq.error);
	broker_close(&c->mq);
	return (WORKERS_ERROR);
}

/* Consumes until a stop is requested (OK) or a connection fails (ERROR). */
static int
consumer_run(struct consumer *c)
{
	amqp_envelope_t		env;
	amqp_rpc_reply_t	r;
	struct timeval		tv;
	char			why[200];
	int			rc;

	while (!daemon_stopping()) {
		consumer_summary(c, 0);
		amqp_maybe_release_buffers(c->mq.conn);
		tv.tv_sec = 1;
		tv.tv_usec = 0;
		r = amqp_consume_message(c->mq.conn, &env, &tv, 0);
		if (r.reply_type == AMQP_RESPONSE_NORMAL) {
			rc = consumer_handle(c, &env);
			amqp_destroy_envelope(&env);
			if (rc == WORKERS_ERROR)
				return (WORKERS_ERROR);
			continue;
		}
		if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
		    r.library_error == AMQP_STATUS_TIMEOUT)
			continue;
		if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
		    r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
			if (consumer_other_frame(c) == WORKERS_ERROR)
				return (WORKERS_ERROR);
			continue;
		}
		broker_reply_error(r, why, sizeof(why));
		daemon_log("rabbitmq connection lost: %s; reconnecting", why);
		return (WORKERS_ERROR);
	}
	return (WORKERS_OK);
}

/* A frame that is not a delivery: the broker closing or cancelling us. */
static int
consumer_other_frame(struct consumer *c)
{
	amqp_frame_t	frame;
	int		rc;

	if ((rc = amqp_simple_wait_frame(c->mq.conn, &frame)) !=
	    AMQP_STATUS_OK) {
		daemon_log("rabbitmq connection lost: %s; reconnecting",
		    amqp_error_string2(rc));
		return (WORKERS_ERROR);
	}
	if (frame.frame_type != AMQP_FRAME_METHOD)
		return (WORKERS_OK);
	switch (frame.payload.method.id) {
	case AMQP_CHANNEL_CLOSE_METHOD:
	case AMQP_CONNECTION_CLOSE_METHOD:
		daemon_log("rabbitmq closed the %s; reconnecting",
		    frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ?
		    "channel" : "connection");
		return (WORKERS_ERROR);
	case AMQP_BASIC_CANCEL_METHOD:
		daemon_log("rabbitmq cancelled the consumer (queue %s"
		    " deleted?); reconnecting", c->def->queue);
		return (WORKERS_ERROR);
	default:
		return (WORKERS_OK);
	}
}

static int
consumer_handle(struct consumer *c, amqp_envelope_t *env)
{
	const char	*problem;
	enum outcome	 o;
	char		 err[256];

	problem = workers_delivery_problem(&env->message.properties,
	    env->message.body.bytes, env->message.body.len);
	if (problem != NULL)
		return (consumer_fail(c, env, problem, "message"));

	o = consumer_apply(c, env->message.body, err, sizeof(err));
	switch (o) {
	case OUTCOME_MESSAGE_FAILED:
		return (consumer_fail(c, env, err, "database"));
	case OUTCOME_DATABASE_DOWN:
		daemon_log("postgres failed: %s; message returns to %s,"
		    " reconnecting", err, c->def->queue);
		PQfinish(c->db);
		c->db = NULL;
		return (WORKERS_ERROR);
	default:
		break;
	}
	c->count[o]++;
	if (amqp_basic_ack(c->mq.conn, BROKER_CHANNEL, env->delivery_tag, 0) !=
	    AMQP_STATUS_OK) {
		daemon_log("rabbitmq: ack failed; reconnecting (the event is"
		    " already recorded, a redelivery is a no-op)");
		return (WORKERS_ERROR);
	}
	return (WORKERS_OK);
}

/* One call of the consumer's SQL function: one transaction. */
static enum outcome
consumer_apply(struct consumer *c, amqp_bytes_t body, char *err,
    size_t errlen)
{
	PGresult	*res;
	const char	*params[1], *state, *v;
	char		*text;
	enum outcome	 o;

	if ((text = malloc(body.len + 1)) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (OUTCOME_DATABASE_DOWN);
	}
	memcpy(text, body.bytes, body.len);
	text[body.len] = '\0';
	params[0] = text;
	res = PQexecParams(c->db, c->def->sql, 1, NULL, params, NULL, NULL, 0);
	free(text);

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		v = PQgetvalue(res, 0, 0);
		if (strcmp(v, "duplicate") == 0)
			o = OUTCOME_DUPLICATE;
		else if (strcmp(v, "ignored") == 0)
			o = OUTCOME_IGNORED;
		else
			o = OUTCOME_APPLIED;
	} else {
		daemon_db_error(c->db, res, err, errlen);
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		o = (PQstatus(c->db) != CONNECTION_OK ||
		    workers_sqlstate_is_transient(state)) ?
		    OUTCOME_DATABASE_DOWN : OUTCOME_MESSAGE_FAILED;
	}
	PQclear(res);
	return (o);
}

/* A failed attempt: retry later, or, at the last attempt, the DLQ. */
static int
consumer_fail(struct consumer *c, amqp_envelope_t *env, const char *error,
    const char *source)
{
	int64_t		attempts;
	const char	*event;
	char		idbuf[64];
	amqp_bytes_t	id;

	id = env->message.properties.message_id;
	if ((env->message.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG) &&
	    id.len > 0)
		(void)snprintf(idbuf, sizeof(idbuf), "%.*s",
		    (int)(id.len < 60 ? id.len : 60), (const char *)id.bytes);
	else
		(void)snprintf(idbuf, sizeof(idbuf), "(no message id)");
	event = idbuf;

	attempts = workers_xdeath_count(
	    (env->message.properties._flags & AMQP_BASIC_HEADERS_FLAG) ?
	    &env->message.properties.headers : NULL,
	    c->def->queue, "rejected") + 1;

	if (workers_retry_verdict(attempts, c->cfg.max_attempts) ==
	    WORKERS_DEAD_LETTER) {
		if (consumer_dead_letter(c, env, attempts, error) ==
		    WORKERS_ERROR)
			return (WORKERS_ERROR);
		c->dead_lettered++;
		daemon_log("event %s moved to %s after %" PRId64 " attempts"
		    " (%s: %s)", event, c->def->dead_letter_queue, attempts,
		    source, error);
		return (WORKERS_OK);
	}

	if (amqp_basic_reject(c->mq.conn, BROKER_CHANNEL, env->delivery_tag,
	    0) != AMQP_STATUS_OK) {
		daemon_log("rabbitmq: reject failed; reconnecting");
		return (WORKERS_ERROR);
	}
	c->retried++;
	daemon_log("event %s failed attempt %" PRId64 "/%d (%s: %s); retry in"
	    " %d ms", event, attempts, c->cfg.max_attempts, source, error,
	    c->cfg.retry_delay_ms);
	return (WORKERS_OK);
}

/* Publishes a copy to Q.dlq (committed), then acks the original. */
static int
consumer_dead_letter(struct consumer *c, amqp_envelope_t *env,
    int64_t attempts, const char *error)
{
	amqp_basic_properties_t	 props;
	amqp_table_entry_t	 entries[CONSUMER_HEADERS_MAX];
	const amqp_table_t	*orig;
	int			 n;

	props = env->message.properties;
	orig = (props._flags & AMQP_BASIC_HEADERS_FLAG) ? &props.headers :
	    NULL;
	n = workers_dlq_headers(orig, entries, CONSUMER_HEADERS_MAX,
	    c->def->name, attempts, error);
	if (n < 0)	/* absurdly many headers: keep only ours */
		n = workers_dlq_headers(NULL, entries, CONSUMER_HEADERS_MAX,
		    c->def->name, attempts, error);
	props._flags |= AMQP_BASIC_HEADERS_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
	props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
	props.headers.num_entries = n;
	props.headers.entries = entries;

	if (amqp_basic_publish(c->mq.conn, BROKER_DLQ_CHANNEL,
	    amqp_cstring_bytes(""),
	    amqp_cstring_bytes(c->def->dead_letter_queue), 0, 0, &props,
	    env->message.body) != AMQP_STATUS_OK) {
		daemon_log("rabbitmq: publish to %s failed; reconnecting",
		    c->def->dead_letter_queue);
		return (WORKERS_ERROR);
	}
	amqp_tx_commit(c->mq.conn, BROKER_DLQ_CHANNEL);
	if (broker_check(&c->mq, "tx.commit") == WORKERS_ERROR) {
		daemon_log("rabbitmq: %s; reconnecting", c->mq.error);
		return (WORKERS_ERROR);
	}
	if (amqp_basic_ack(c->mq.conn, BROKER_CHANNEL, env->delivery_tag, 0) !=
	    AMQP_STATUS_OK) {
		daemon_log("rabbitmq: ack failed; reconnecting");
		return (WORKERS_ERROR);
	}
	return (WORKERS_OK);
}

/* Logs a connection failure once, not again while it repeats. */
static void
consumer_down(struct consumer *c, const char *what, const char *why)
{
	char	msg[sizeof(c->last_error)];

	(void)snprintf(msg, sizeof(msg), "%s unavailable: %.250s", what, why);
	if (strcmp(msg, c->last_error) == 0)
		return;
	daemon_log("%s; retrying with backoff", msg);
	memcpy(c->last_error, msg, sizeof(msg));
}

/* Every CONSUMER_SUMMARY_S seconds, if anything happened: the totals. */
static void
consumer_summary(struct consumer *c, int force)
{
	uint64_t	total;
	time_t		now;

	now = time(NULL);
	if (!force && now - c->last_summary < CONSUMER_SUMMARY_S)
		return;
	c->last_summary = now;
	total = c->count[OUTCOME_APPLIED] + c->count[OUTCOME_DUPLICATE] +
	    c->count[OUTCOME_IGNORED] + c->retried + c->dead_lettered;
	if (total == c->logged_total)
		return;
	c->logged_total = total;
	daemon_log("totals: %" PRIu64 " applied, %" PRIu64 " duplicate, %"
	    PRIu64 " ignored, %" PRIu64 " retried, %" PRIu64 " dead-lettered",
	    c->count[OUTCOME_APPLIED], c->count[OUTCOME_DUPLICATE],
	    c->count[OUTCOME_IGNORED], c->retried, c->dead_lettered);
}

static const char *
env_get(const char *name, void *arg)
{
	(void)arg;
	return (getenv(name));
}
