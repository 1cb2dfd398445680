/*
 * broker.h: the RabbitMQ adapter of the workers (librabbitmq, blocking).
 *
 * librabbitmq blocks, which is why it lives in these two daemons and never
 * in the kore workers that answer HTTP requests.
 */
#ifndef ENCORE_BROKER_H
#define ENCORE_BROKER_H

#include <sys/time.h>

#include <amqp.h>

#include "workers.h"

#define BROKER_CHANNEL		1	/* publishing or consuming */
#define BROKER_DLQ_CHANNEL	2	/* consumer: tx-mode, moves to Q.dlq */

struct broker {
	amqp_connection_state_t	conn;
	char			error[256];	/* why the last call failed */
};

int	broker_connect(struct broker *, const struct workers_config *,
	    int heartbeat_s);
void	broker_close(struct broker *);
int	broker_declare_topology(struct broker *, int retry_delay_ms);
int	broker_check(struct broker *, const char *what);
void	broker_reply_error(amqp_rpc_reply_t, char *, size_t);

#endif /* ENCORE_BROKER_H */
