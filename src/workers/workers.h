/*
 * workers.h: what encore-relay and encore-consumer share.
 *
 * Two small daemons carry payment results from Postgres to RabbitMQ and
 * back into Postgres:
 *
 *   encore.outbox --(encore-relay)--> exchange encore.payments (fanout)
 *     --> queue encore.notifications --(consumer notifications)--> receipts
 *     --> queue encore.stats --(consumer stats)--> concert_sales
 *
 * Every queue Q has a retry queue Q.retry (messages wait there for the retry
 * delay, then return to Q) and a dead-letter queue Q.dlq (messages that
 * failed the maximum number of attempts). See broker.c for the topology.
 *
 * The declarations below are the pure parts: configuration, backoff, the
 * retry decision and message properties. They do no I/O (config.c and
 * policy.c), so tests/unit/test_workers.c exercises them without a broker
 * or a database. The I/O parts have their own headers: broker.h (RabbitMQ),
 * daemon.h (Postgres, signals, sleeping, logging).
 */
#ifndef ENCORE_WORKERS_H
#define ENCORE_WORKERS_H

#include <sys/time.h>

#include <stddef.h>
#include <stdint.h>

#include <amqp.h>

#define WORKERS_OK		0
#define WORKERS_ERROR		-1

#define WORKERS_EXCHANGE	"encore.payments"
#define WORKERS_CONTENT_TYPE	"application/json"

/* Largest message body a consumer accepts; anything bigger is poison. */
#define WORKERS_BODY_MAX	(64 * 1024)

/* The configuration of both daemons, read once from the environment. */
struct workers_config {
	char		pg_conninfo[1024];	/* "" = libpq's PG* variables */
	char		amqp_host[256];
	int		amqp_port;
	char		amqp_user[128];
	char		amqp_password[256];
	char		amqp_vhost[128];
	int		max_attempts;		/* consumer: tries before DLQ */
	int		prefetch;		/* consumer: basic.qos */
	int		retry_delay_ms;		/* x-message-ttl of Q.retry */
	int		relay_batch;		/* relay: rows per claim */
	int		confirm_timeout_ms;	/* relay: wait for acks */
	int		poll_ms;		/* relay: idle re-check */
};

/* Looks up one variable; NULL when it is not set. */
typedef const char	*(*workers_getenv_fn)(const char *name, void *arg);

int	workers_config_load(struct workers_config *, workers_getenv_fn,
	    void *, char *errbuf, size_t errlen);

/* One consumer: its name on the command line, its queues, its function. */
struct workers_consumer {
	const char	*name;
	const char	*queue;
	const char	*retry_queue;
	const char	*dead_letter_queue;
	const char	*sql;			/* one call, $1 = event json */
};

extern const struct workers_consumer	workers_consumers[];
extern const size_t			workers_consumers_count;

const struct workers_consumer	*workers_consumer_find(const char *);

/* Capped exponential backoff: base * 2^attempt, at most cap (ms). */
unsigned int	workers_backoff_ms(unsigned int attempt, unsigned int base_ms,
		    unsigned int cap_ms);

/*
 * How often RabbitMQ has dead-lettered this message out of `queue` for
 * `reason` ("rejected"), read from the x-death header; 0 without one.
 */
int64_t		workers_xdeath_count(const amqp_table_t *headers,
		    const char *queue, const char *reason);

enum workers_verdict {
	WORKERS_RETRY,			/* reject: Q.retry, then Q again */
	WORKERS_DEAD_LETTER		/* move to Q.dlq and ack */
};

/* After a failed attempt: `failed_attempts` counts this one too. */
enum workers_verdict	workers_retry_verdict(int64_t failed_attempts,
			    int max_attempts);

/*
 * A failed SQL call either says something about the message (count an
 * attempt) or about the database (reconnect, do not count): SQLSTATE
 * classes 08, 53, 57 (but not 57014, a statement timeout), 58, and
 * 40001/40P01. A NULL or empty SQLSTATE means the connection broke.
 */
int		workers_sqlstate_is_transient(const char *sqlstate);

/*
 * The properties the relay publishes an outbox row with: persistent,
 * application/json, message_id = event_id, type = topic, timestamp. The
 * strings are referenced, not copied.
 */
void		workers_publish_props(amqp_basic_properties_t *,
		    const char *event_id, const char *topic,
		    uint64_t unix_time);

/*
 * A consumer's first look at a delivery: NULL when it may go to the
 * database, else the reason it is poison (counted as a failed attempt).
 */
const char	*workers_delivery_problem(const amqp_basic_properties_t *,
		    const void *body, size_t body_len);

/*
 * The headers a dead-lettered message carries into Q.dlq: the original
 * ones (x-death included) followed by x-encore-consumer, x-encore-attempts
 * and x-encore-error. `out` needs room for orig->num_entries + 3 entries.
 * Returns the number of entries written.
 */
int		workers_dlq_headers(const amqp_table_t *orig,
		    amqp_table_entry_t *out, size_t cap, const char *consumer,
		    int64_t attempts, const char *error);

#endif /* ENCORE_WORKERS_H */
