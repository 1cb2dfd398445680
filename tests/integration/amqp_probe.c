/*
 * amqp_probe.c: what tests/integration/amqp_flow.sh needs to see and poke
 * RabbitMQ through AMQP alone (the stacks run without the management
 * plugin, so rabbitmqadmin has nothing to talk to). Configured like the
 * daemons, from ENCORE_AMQP_*.
 *
 *   amqp_probe publish EXCHANGE ROUTING_KEY MESSAGE_ID BODY
 *       publish one persistent application/json message, wait for the
 *       broker's confirm; exit 0 when acked
 *   amqp_probe peek QUEUE [PREFIX]
 *       print "message_id<TAB>x-encore-attempts<TAB>x-encore-consumer" for
 *       every message in QUEUE (whose message id starts with PREFIX), then
 *       give them all back (nothing is acked)
 *   amqp_probe take QUEUE PREFIX
 *       the same, but the printed messages are acked (removed); the others
 *       go back
 */
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <amqp.h>

#include "broker.h"
#include "workers.h"

static int	probe_publish(struct broker *, char **);
static int	probe_peek(struct broker *, const char *, const char *, int);
static void	print_header(const amqp_table_t *, const char *);
static const char	*env_get(const char *, void *);

int
main(int argc, char *argv[])
{
	struct workers_config	cfg;
	struct broker		b;
	char			err[256];
	int			rc;

	if (argc < 2 || (strcmp(argv[1], "publish") == 0 && argc != 6) ||
	    (strcmp(argv[1], "peek") == 0 && argc != 3 && argc != 4) ||
	    (strcmp(argv[1], "take") == 0 && argc != 4)) {
		(void)fprintf(stderr, "usage: amqp_probe publish EXCHANGE KEY"
		    " MESSAGE_ID BODY | peek QUEUE [PREFIX] |"
		    " take QUEUE PREFIX\n");
		return (2);
	}
	if (workers_config_load(&cfg, env_get, NULL, err, sizeof(err)) ==
	    WORKERS_ERROR) {
		(void)fprintf(stderr, "amqp_probe: %s\n", err);
		return (2);
	}
	if (broker_connect(&b, &cfg, 0) == WORKERS_ERROR) {
		(void)fprintf(stderr, "amqp_probe: %s\n", b.error);
		return (1);
	}
	if (strcmp(argv[1], "publish") == 0)
		rc = probe_publish(&b, argv + 2);
	else if (strcmp(argv[1], "peek") == 0)
		rc = probe_peek(&b, argv[2], argc == 4 ? argv[3] : "", 0);
	else if (strcmp(argv[1], "take") == 0)
		rc = probe_peek(&b, argv[2], argv[3], 1);
	else {
		(void)fprintf(stderr, "amqp_probe: unknown command %s\n",
		    argv[1]);
		rc = 2;
	}
	broker_close(&b);
	return (rc);
}

static int
probe_publish(struct broker *b, char **args)
{
	amqp_basic_properties_t	props;
	amqp_frame_t		frame;
	struct timeval		tv;

	amqp_confirm_select(b->conn, BROKER_CHANNEL);
	if (broker_check(b, "confirm.select") == WORKERS_ERROR) {
		(void)fprintf(stderr, "amqp_probe: %s\n", b->error);
		return (1);
	}
	workers_publish_props(&props, args[2], "test.probe", 0);
	props._flags &= ~(AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_APP_ID_FLAG);
	if (amqp_basic_publish(b->conn, BROKER_CHANNEL,
	    amqp_cstring_bytes(args[0]), amqp_cstring_bytes(args[1]), 0, 0,
	    &props, amqp_cstring_bytes(args[3])) != AMQP_STATUS_OK) {
		(void)fprintf(stderr, "amqp_probe: publish failed\n");
		return (1);
	}
	tv.tv_sec = 10;
	tv.tv_usec = 0;
	for (;;) {
		if (amqp_simple_wait_frame_noblock(b->conn, &frame, &tv) !=
		    AMQP_STATUS_OK) {
			(void)fprintf(stderr, "amqp_probe: no confirm\n");
			return (1);
		}
		if (frame.frame_type != AMQP_FRAME_METHOD)
			continue;
		if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD)
			return (0);
		if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD ||
		    frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
		    frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
			(void)fprintf(stderr, "amqp_probe: not confirmed\n");
			return (1);
		}
	}
}

static int
probe_peek(struct broker *b, const char *queue, const char *prefix, int take)
{
	amqp_rpc_reply_t	 r;
	amqp_message_t		 msg;
	const amqp_bytes_t	*id;
	amqp_bytes_t		 none;
	uint64_t		 tag;
	int			 n;

	none = amqp_empty_bytes;

	for (n = 0; n < 100000; n++) {
		r = amqp_basic_get(b->conn, BROKER_CHANNEL,
		    amqp_cstring_bytes(queue), 0);
		if (r.reply_type != AMQP_RESPONSE_NORMAL) {
			broker_reply_error(r, b->error, sizeof(b->error));
			(void)fprintf(stderr, "amqp_probe: basic.get %s: %s\n",
			    queue, b->error);
			return (1);
		}
		if (r.reply.id == AMQP_BASIC_GET_EMPTY_METHOD)
			break;
		tag = ((amqp_basic_get_ok_t *)r.reply.decoded)->delivery_tag;
		r = amqp_read_message(b->conn, BROKER_CHANNEL, &msg, 0);
		if (r.reply_type != AMQP_RESPONSE_NORMAL) {
			(void)fprintf(stderr, "amqp_probe: reading message\n");
			return (1);
		}
		id = &msg.properties.message_id;
		if (!(msg.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG))
			id = &none;
		if (id->len < strlen(prefix) ||
		    memcmp(id->bytes, prefix, strlen(prefix)) != 0) {
			amqp_destroy_message(&msg);
			continue;
		}
		if (take && amqp_basic_ack(b->conn, BROKER_CHANNEL, tag, 0) !=
		    AMQP_STATUS_OK) {
			(void)fprintf(stderr, "amqp_probe: ack failed\n");
			return (1);
		}
		(void)printf("%.*s", (int)id->len, (const char *)id->bytes);
		print_header((msg.properties._flags &
		    AMQP_BASIC_HEADERS_FLAG) ? &msg.properties.headers : NULL,
		    "x-encore-attempts");
		print_header((msg.properties._flags &
		    AMQP_BASIC_HEADERS_FLAG) ? &msg.properties.headers : NULL,
		    "x-encore-consumer");
		(void)printf("\n");
		amqp_destroy_message(&msg);
	}
	/* Closing the connection unacked gives every message back. */
	return (0);
}

static void
print_header(const amqp_table_t *h, const char *key)
{
	const amqp_field_value_t	*v;
	int				 i;

	(void)printf("\t");
	for (i = 0; h != NULL && i < h->num_entries; i++) {
		if (h->entries[i].key.len != strlen(key) ||
		    memcmp(h->entries[i].key.bytes, key, strlen(key)) != 0)
			continue;
		v = &h->entries[i].value;
		if (v->kind == AMQP_FIELD_KIND_I64)
			(void)printf("%lld", (long long)v->value.i64);
		else if (v->kind == AMQP_FIELD_KIND_UTF8 ||
		    v->kind == AMQP_FIELD_KIND_BYTES)
			(void)printf("%.*s", (int)v->value.bytes.len,
			    (const char *)v->value.bytes.bytes);
		return;
	}
}

static const char *
env_get(const char *name, void *arg)
{
	(void)arg;
	return (getenv(name));
}
