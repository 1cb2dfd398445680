/*
 * broker.c: connecting to RabbitMQ and declaring encore's topology.
 *
 * The topology, declared identically (and idempotently) by the relay and by
 * every consumer, so that whichever starts first creates it and no event is
 * published into a fanout exchange with nobody bound to it:
 *
 *   exchange encore.payments      fanout, durable
 *   for each consumer Q (encore.notifications, encore.stats):
 *     queue Q          durable, bound to encore.payments;
 *                      dead-letters (x-dead-letter-exchange "") to Q.retry
 *     queue Q.retry    durable, x-message-ttl = retry delay; when a message
 *                      expires it is dead-lettered back to Q
 *     queue Q.dlq      durable; messages that failed max_attempts times
 *
 * Both dead-letter hops go through the default exchange, so a retried
 * message returns to its own consumer's queue only, never to the others.
 * Changing ENCORE_CONSUMER_RETRY_DELAY_MS on a broker that already has the
 * queues makes the declaration fail (PRECONDITION_FAILED): delete Q.retry
 * first.
 */
#include <sys/time.h>

#include <stdio.h>
#include <string.h>

#include <amqp.h>
#include <amqp_tcp_socket.h>

#include "broker.h"

static int	declare_queue(struct broker *, const char *,
		    amqp_table_entry_t *, int);

int
broker_connect(struct broker *b, const struct workers_config *cfg,
    int heartbeat_s)
{
	amqp_socket_t		*sock;
	amqp_rpc_reply_t	 r;
	struct timeval		 tv;
	int			 rc;

	memset(b, 0, sizeof(*b));
	if ((b->conn = amqp_new_connection()) == NULL) {
		(void)snprintf(b->error, sizeof(b->error), "out of memory");
		return (WORKERS_ERROR);
	}
	if ((sock = amqp_tcp_socket_new(b->conn)) == NULL) {
		(void)snprintf(b->error, sizeof(b->error),
		    "cannot make a socket");
		goto fail;
	}
	tv.tv_sec = 3;
	tv.tv_usec = 0;
	if ((rc = amqp_socket_open_noblock(sock, cfg->amqp_host,
	    cfg->amqp_port, &tv)) != AMQP_STATUS_OK) {
		(void)snprintf(b->error, sizeof(b->error),
		    "connect %.100s:%d: %s", cfg->amqp_host, cfg->amqp_port,
		    amqp_error_string2(rc));
		goto fail;
	}
	(void)amqp_set_handshake_timeout(b->conn, &tv);
	r = amqp_login(b->conn, cfg->amqp_vhost, 0, AMQP_DEFAULT_FRAME_SIZE,
	    heartbeat_s, AMQP_SASL_METHOD_PLAIN, cfg->amqp_user,
	    cfg->amqp_password);
	if (r.reply_type != AMQP_RESPONSE_NORMAL) {
		broker_reply_error(r, b->error, sizeof(b->error));
		goto fail;
	}
	/* No RPC may hang forever on a broker that stopped answering. */
	tv.tv_sec = 10;
	(void)amqp_set_rpc_timeout(b->conn, &tv);
	amqp_channel_open(b->conn, BROKER_CHANNEL);
	if (broker_check(b, "channel.open") == WORKERS_ERROR)
		goto fail;
	return (WORKERS_OK);

fail:
	amqp_destroy_connection(b->conn);
	b->conn = NULL;
	return (WORKERS_ERROR);
}

/* Closes politely when the connection still works; always frees it. */
void
broker_close(struct broker *b)
{
	if (b->conn == NULL)
		return;
	(void)amqp_connection_close(b->conn, AMQP_REPLY_SUCCESS);
	amqp_destroy_connection(b->conn);
	b->conn = NULL;
}

int
broker_declare_topology(struct broker *b, int retry_delay_ms)
{
	const struct workers_consumer	*c;
	amqp_table_entry_t		 args[3];
	size_t				 i;

	amqp_exchange_declare(b->conn, BROKER_CHANNEL,
	    amqp_cstring_bytes(WORKERS_EXCHANGE), amqp_cstring_bytes("fanout"),
	    0, 1, 0, 0, amqp_empty_table);
	if (broker_check(b, "exchange.declare " WORKERS_EXCHANGE) ==
	    WORKERS_ERROR)
		return (WORKERS_ERROR);

	for (i = 0; i < workers_consumers_count; i++) {
		c = &workers_consumers[i];

		args[0].key = amqp_cstring_bytes("x-dead-letter-exchange");
		args[0].value.kind = AMQP_FIELD_KIND_UTF8;
		args[0].value.value.bytes = amqp_cstring_bytes("");
		args[1].key = amqp_cstring_bytes("x-dead-letter-routing-key");
		args[1].value.kind = AMQP_FIELD_KIND_UTF8;
		args[1].value.value.bytes = amqp_cstring_bytes(c->retry_queue);
		if (declare_queue(b, c->queue, args, 2) == WORKERS_ERROR)
			return (WORKERS_ERROR);

		args[1].value.value.bytes = amqp_cstring_bytes(c->queue);
		args[2].key = amqp_cstring_bytes("x-message-ttl");
		args[2].value.kind = AMQP_FIELD_KIND_I32;
		args[2].value.value.i32 = retry_delay_ms;
		if (declare_queue(b, c->retry_queue, args, 3) == WORKERS_ERROR)
			return (WORKERS_ERROR);

		if (declare_queue(b, c->dead_letter_queue, NULL, 0) ==
		    WORKERS_ERROR)
			return (WORKERS_ERROR);

		amqp_queue_bind(b->conn, BROKER_CHANNEL,
		    amqp_cstring_bytes(c->queue),
		    amqp_cstring_bytes(WORKERS_EXCHANGE),
		    amqp_cstring_bytes(""), amqp_empty_table);
		if (broker_check(b, "queue.bind") == WORKERS_ERROR)
			return (WORKERS_ERROR);
	}
	return (WORKERS_OK);
}

static int
declare_queue(struct broker *b, const char *name, amqp_table_entry_t *args,
    int nargs)
{
	amqp_table_t	table;
	char		what[128];

	table.num_entries = nargs;
	table.entries = args;
	amqp_queue_declare(b->conn, BROKER_CHANNEL, amqp_cstring_bytes(name),
	    0, 1, 0, 0, table);
	(void)snprintf(what, sizeof(what), "queue.declare %s", name);
	return (broker_check(b, what));
}

/* The outcome of the last RPC; on failure b->error says what and why. */
int
broker_check(struct broker *b, const char *what)
{
	amqp_rpc_reply_t	r;
	char			why[200];

	r = amqp_get_rpc_reply(b->conn);
	if (r.reply_type == AMQP_RESPONSE_NORMAL)
		return (WORKERS_OK);
	broker_reply_error(r, why, sizeof(why));
	(void)snprintf(b->error, sizeof(b->error), "%.50s: %.200s", what, why);
	return (WORKERS_ERROR);
}

void
broker_reply_error(amqp_rpc_reply_t r, char *buf, size_t len)
{
	const amqp_connection_close_t	*cc;
	const amqp_channel_close_t	*ch;

	switch (r.reply_type) {
	case AMQP_RESPONSE_NORMAL:
		(void)snprintf(buf, len, "ok");
		break;
	case AMQP_RESPONSE_NONE:
		(void)snprintf(buf, len, "no reply");
		break;
	case AMQP_RESPONSE_LIBRARY_EXCEPTION:
		(void)snprintf(buf, len, "%s",
		    amqp_error_string2(r.library_error));
		break;
	case AMQP_RESPONSE_SERVER_EXCEPTION:
		if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
			cc = r.reply.decoded;
			(void)snprintf(buf, len, "connection closed: %u %.*s",
			    cc->reply_code, (int)cc->reply_text.len,
			    (const char *)cc->reply_text.bytes);
		} else if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
			ch = r.reply.decoded;
			(void)snprintf(buf, len, "channel closed: %u %.*s",
			    ch->reply_code, (int)ch->reply_text.len,
			    (const char *)ch->reply_text.bytes);
		} else {
			(void)snprintf(buf, len, "server method 0x%08x",
			    r.reply.id);
		}
		break;
	}
}
