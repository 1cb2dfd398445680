/*
 * policy.c: the decisions the daemons make, without doing any I/O.
 *
 * Which consumers exist and what they call, how long to back off, when a
 * failing message has had enough attempts, which database errors are about
 * the database rather than the message, and what a published or
 * dead-lettered message carries. Kept apart from the sockets so that
 * tests/unit/test_workers.c can pin every rule down.
 *
 * Attempts are counted by RabbitMQ itself: a consumer rejects a failing
 * message (requeue=false), the queue dead-letters it into Q.retry with an
 * x-death entry {queue: Q, reason: rejected, count: n}, and Q.retry's TTL
 * sends it back to Q. The count survives restarts of the consumer, needs no
 * bookkeeping of ours, and a failing message leaves Q at once, so it never
 * blocks the messages behind it.
 */
#include <stdio.h>
#include <string.h>

#include "workers.h"

const struct workers_consumer	workers_consumers[] = {
	{ "notifications", "encore.notifications",
	    "encore.notifications.retry", "encore.notifications.dlq",
	    "SELECT encore.consume_notification($1::jsonb)" },
	{ "stats", "encore.stats", "encore.stats.retry", "encore.stats.dlq",
	    "SELECT encore.consume_stats($1::jsonb)" },
};

const size_t	workers_consumers_count =
    sizeof(workers_consumers) / sizeof(workers_consumers[0]);

static int	bytes_equal(amqp_bytes_t, const char *);
static int	field_int64(const amqp_field_value_t *, int64_t *);

const struct workers_consumer *
workers_consumer_find(const char *name)
{
	size_t		i;

	if (name == NULL)
		return (NULL);
	for (i = 0; i < workers_consumers_count; i++) {
		if (strcmp(workers_consumers[i].name, name) == 0)
			return (&workers_consumers[i]);
	}
	return (NULL);
}

unsigned int
workers_backoff_ms(unsigned int attempt, unsigned int base_ms,
    unsigned int cap_ms)
{
	unsigned int	delay;

	if (base_ms == 0 || base_ms >= cap_ms)
		return (cap_ms);
	delay = base_ms;
	while (attempt-- > 0) {
		if (delay >= cap_ms / 2)
			return (cap_ms);
		delay *= 2;
	}
	return (delay);
}

int64_t
workers_xdeath_count(const amqp_table_t *headers, const char *queue,
    const char *reason)
{
	const amqp_array_t	*deaths;
	const amqp_table_t	*death;
	const amqp_table_entry_t *e;
	int			 i, j, k, queue_ok, reason_ok;
	int64_t			 count, found;

	if (headers == NULL)
		return (0);
	for (i = 0; i < headers->num_entries; i++) {
		if (!bytes_equal(headers->entries[i].key, "x-death") ||
		    headers->entries[i].value.kind != AMQP_FIELD_KIND_ARRAY)
			continue;
		deaths = &headers->entries[i].value.value.array;
		for (j = 0; j < deaths->num_entries; j++) {
			if (deaths->entries[j].kind != AMQP_FIELD_KIND_TABLE)
				continue;
			death = &deaths->entries[j].value.table;
			queue_ok = reason_ok = 0;
			found = -1;
			for (k = 0; k < death->num_entries; k++) {
				e = &death->entries[k];
				if (bytes_equal(e->key, "queue"))
					queue_ok = (e->value.kind ==
					    AMQP_FIELD_KIND_UTF8 ||
					    e->value.kind ==
					    AMQP_FIELD_KIND_BYTES) &&
					    bytes_equal(e->value.value.bytes,
					    queue);
				else if (bytes_equal(e->key, "reason"))
					reason_ok = (e->value.kind ==
					    AMQP_FIELD_KIND_UTF8 ||
					    e->value.kind ==
					    AMQP_FIELD_KIND_BYTES) &&
					    bytes_equal(e->value.value.bytes,
					    reason);
				else if (bytes_equal(e->key, "count") &&
				    field_int64(&e->value, &count) == 0)
					found = count;
			}
			if (queue_ok && reason_ok && found >= 0)
				return (found);
		}
	}
	return (0);
}

enum workers_verdict
workers_retry_verdict(int64_t failed_attempts, int max_attempts)
{
	if (failed_attempts >= max_attempts)
		return (WORKERS_DEAD_LETTER);
	return (WORKERS_RETRY);
}

int
workers_sqlstate_is_transient(const char *sqlstate)
{
	static const char	*classes[] = { "08", "53", "57", "58" };
	size_t			 i;

	if (sqlstate == NULL || strlen(sqlstate) != 5)
		return (1);
	if (strcmp(sqlstate, "57014") == 0)	/* statement timeout */
		return (0);
	if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0)
		return (1);
	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (strncmp(sqlstate, classes[i], 2) == 0)
			return (1);
	}
	return (0);
}

void
workers_publish_props(amqp_basic_properties_t *props, const char *event_id,
    const char *topic, uint64_t unix_time)
{
	memset(props, 0, sizeof(*props));
	props->_flags = AMQP_BASIC_CONTENT_TYPE_FLAG |
	    AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
	    AMQP_BASIC_TYPE_FLAG | AMQP_BASIC_TIMESTAMP_FLAG |
	    AMQP_BASIC_APP_ID_FLAG;
	props->content_type = amqp_cstring_bytes(WORKERS_CONTENT_TYPE);
	props->delivery_mode = AMQP_DELIVERY_PERSISTENT;
	props->message_id = amqp_cstring_bytes(event_id);
	props->type = amqp_cstring_bytes(topic);
	props->timestamp = unix_time;
	props->app_id = amqp_cstring_bytes("encore-relay");
}

const char *
workers_delivery_problem(const amqp_basic_properties_t *props,
    const void *body, size_t body_len)
{
	if (body_len == 0 || body == NULL)
		return ("empty body");
	if (body_len > WORKERS_BODY_MAX)
		return ("body larger than 64 KiB");
	/* The body goes to Postgres as text: a NUL would cut it short. */
	if (memchr(body, '\0', body_len) != NULL)
		return ("body contains a NUL byte");
	/* A missing content type is tolerated; a different one is not. */
	if (props != NULL && (props->_flags & AMQP_BASIC_CONTENT_TYPE_FLAG) &&
	    props->content_type.len > 0 &&
	    !(props->content_type.len >= strlen(WORKERS_CONTENT_TYPE) &&
	    memcmp(props->content_type.bytes, WORKERS_CONTENT_TYPE,
	    strlen(WORKERS_CONTENT_TYPE)) == 0))
		return ("content type is not application/json");
	return (NULL);
}

int
workers_dlq_headers(const amqp_table_t *orig, amqp_table_entry_t *out,
    size_t cap, const char *consumer, int64_t attempts, const char *error)
{
	size_t		n;
	int		i;

	n = 0;
	if (orig != NULL) {
		for (i = 0; i < orig->num_entries; i++) {
			/* Ours are written fresh below. */
			if (bytes_equal(orig->entries[i].key,
			    "x-encore-consumer") ||
			    bytes_equal(orig->entries[i].key,
			    "x-encore-attempts") ||
			    bytes_equal(orig->entries[i].key, "x-encore-error"))
				continue;
			if (n + 3 >= cap)
				return (-1);
			out[n++] = orig->entries[i];
		}
	}
	if (n + 3 > cap)
		return (-1);

	out[n].key = amqp_cstring_bytes("x-encore-consumer");
	out[n].value.kind = AMQP_FIELD_KIND_UTF8;
	out[n++].value.value.bytes = amqp_cstring_bytes(consumer);

	out[n].key = amqp_cstring_bytes("x-encore-attempts");
	out[n].value.kind = AMQP_FIELD_KIND_I64;
	out[n++].value.value.i64 = attempts;

	out[n].key = amqp_cstring_bytes("x-encore-error");
	out[n].value.kind = AMQP_FIELD_KIND_UTF8;
	out[n++].value.value.bytes = amqp_cstring_bytes(error);

	return ((int)n);
}

static int
bytes_equal(amqp_bytes_t b, const char *s)
{
	size_t		len;

	len = strlen(s);
	return (b.len == len && (len == 0 || memcmp(b.bytes, s, len) == 0));
}

static int
field_int64(const amqp_field_value_t *v, int64_t *out)
{
	switch (v->kind) {
	case AMQP_FIELD_KIND_I8:
		*out = v->value.i8;
		break;
	case AMQP_FIELD_KIND_U8:
		*out = v->value.u8;
		break;
	case AMQP_FIELD_KIND_I16:
		*out = v->value.i16;
		break;
	case AMQP_FIELD_KIND_U16:
		*out = v->value.u16;
		break;
	case AMQP_FIELD_KIND_I32:
		*out = v->value.i32;
		break;
	case AMQP_FIELD_KIND_U32:
		*out = v->value.u32;
		break;
	case AMQP_FIELD_KIND_I64:
		*out = v->value.i64;
		break;
	case AMQP_FIELD_KIND_U64:
		*out = v->value.u64 > INT64_MAX ? INT64_MAX :
		    (int64_t)v->value.u64;
		break;
	default:
		return (-1);
	}
	return (0);
}
