/*
 * test_workers.c: the pure parts of encore-relay and encore-consumer
 * (src/workers/config.c, src/workers/policy.c), without broker or database.
 *
 *   make workers-unit-test
 */
#include <sys/time.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <amqp.h>

#include "workers.h"

/* A fake environment: NULL-terminated name/value pairs. */
static const char *
fake_getenv(const char *name, void *arg)
{
	const char	**kv = arg;

	for (; kv[0] != NULL; kv += 2) {
		if (strcmp(kv[0], name) == 0)
			return (kv[1]);
	}
	return (NULL);
}

#define AMQP_ENV \
	"ENCORE_AMQP_HOST", "127.0.0.1", "ENCORE_AMQP_USER", "encore", \
	"ENCORE_AMQP_PASSWORD", "secret"

static int
load(const char **env, struct workers_config *cfg, char *err, size_t len)
{
	err[0] = '\0';
	return (workers_config_load(cfg, fake_getenv, env, err, len));
}

static void
config_defaults(void **state)
{
	const char		*env[] = { AMQP_ENV, NULL };
	struct workers_config	 cfg;
	char			 err[256];

	(void)state;
	assert_int_equal(load(env, &cfg, err, sizeof(err)), WORKERS_OK);
	assert_string_equal(cfg.amqp_host, "127.0.0.1");
	assert_int_equal(cfg.amqp_port, 5672);
	assert_string_equal(cfg.amqp_vhost, "/");
	assert_string_equal(cfg.pg_conninfo, "");
	assert_int_equal(cfg.max_attempts, 5);
	assert_int_equal(cfg.prefetch, 50);
	assert_int_equal(cfg.retry_delay_ms, 1000);
	assert_int_equal(cfg.relay_batch, 100);
	assert_int_equal(cfg.confirm_timeout_ms, 5000);
}

static void
config_overrides(void **state)
{
	const char		*env[] = { AMQP_ENV,
	    "ENCORE_AMQP_PORT", "56799",
	    "ENCORE_AMQP_VHOST", "encore", "ENCORE_CONSUMER_MAX_ATTEMPTS", "3",
	    "ENCORE_DATABASE_URL", "host=127.0.0.1 port=54398 dbname=encore",
	    NULL };
	struct workers_config	 cfg;
	char			 err[256];

	(void)state;
	assert_int_equal(load(env, &cfg, err, sizeof(err)), WORKERS_OK);
	assert_int_equal(cfg.amqp_port, 56799);
	assert_string_equal(cfg.amqp_vhost, "encore");
	assert_int_equal(cfg.max_attempts, 3);
	assert_string_equal(cfg.pg_conninfo,
	    "host=127.0.0.1 port=54398 dbname=encore");
}

static void
config_missing_names_the_variable(void **state)
{
	const char		*env[] = { "ENCORE_AMQP_HOST", "h",
	    "ENCORE_AMQP_USER", "u", NULL };
	const char		*empty[] = { "ENCORE_AMQP_HOST", "", NULL };
	struct workers_config	 cfg;
	char			 err[256];

	(void)state;
	assert_int_equal(load(env, &cfg, err, sizeof(err)), WORKERS_ERROR);
	assert_string_equal(err, "ENCORE_AMQP_PASSWORD must be set");
	assert_int_equal(load(empty, &cfg, err, sizeof(err)), WORKERS_ERROR);
	assert_string_equal(err, "ENCORE_AMQP_HOST must be set");
}

static void
config_bad_numbers_name_the_variable(void **state)
{
	const char		*port[] = { AMQP_ENV,
	    "ENCORE_AMQP_PORT", "5672x", NULL };
	const char		*big[] = { AMQP_ENV,
	    "ENCORE_AMQP_PORT", "70000", NULL };
	const char		*zero[] = { AMQP_ENV,
	    "ENCORE_CONSUMER_MAX_ATTEMPTS", "0", NULL };
	const char		*pgport[] = { AMQP_ENV,
	    "PGPORT", "fifty", NULL };
	const char		*pgport_url[] = { AMQP_ENV, "PGPORT", "fifty",
	    "ENCORE_DATABASE_URL", "dbname=encore", NULL };
	struct workers_config	 cfg;
	char			 err[256];

	(void)state;
	assert_int_equal(load(port, &cfg, err, sizeof(err)), WORKERS_ERROR);
	assert_string_equal(err,
	    "ENCORE_AMQP_PORT must be an integer 1-65535 (got '5672x')");
	assert_int_equal(load(big, &cfg, err, sizeof(err)), WORKERS_ERROR);
	assert_non_null(strstr(err, "ENCORE_AMQP_PORT"));
	assert_int_equal(load(zero, &cfg, err, sizeof(err)), WORKERS_ERROR);
	assert_string_equal(err,
	    "ENCORE_CONSUMER_MAX_ATTEMPTS must be an integer 1-100 (got '0')");
	assert_int_equal(load(pgport, &cfg, err, sizeof(err)), WORKERS_ERROR);
	assert_non_null(strstr(err, "PGPORT"));
	/* ENCORE_DATABASE_URL wins; PGPORT is then not ours to judge. */
	assert_int_equal(load(pgport_url, &cfg, err, sizeof(err)), WORKERS_OK);
}

static void
config_too_long(void **state)
{
	char			 host[400];
	const char		*env[] = { "ENCORE_AMQP_HOST", host,
	    "ENCORE_AMQP_USER", "u", "ENCORE_AMQP_PASSWORD", "p", NULL };
	struct workers_config	 cfg;
	char			 err[256];

	(void)state;
	memset(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	assert_int_equal(load(env, &cfg, err, sizeof(err)), WORKERS_ERROR);
	assert_non_null(strstr(err, "ENCORE_AMQP_HOST is too long"));
}

static void
consumers_known(void **state)
{
	const struct workers_consumer	*c;

	(void)state;
	c = workers_consumer_find("notifications");
	assert_non_null(c);
	assert_string_equal(c->queue, "encore.notifications");
	assert_string_equal(c->retry_queue, "encore.notifications.retry");
	assert_string_equal(c->dead_letter_queue, "encore.notifications.dlq");
	assert_non_null(strstr(c->sql, "encore.consume_notification($1"));
	c = workers_consumer_find("stats");
	assert_non_null(c);
	assert_string_equal(c->dead_letter_queue, "encore.stats.dlq");
	assert_null(workers_consumer_find("billing"));
	assert_null(workers_consumer_find(NULL));
}

static void
backoff_doubles_up_to_the_cap(void **state)
{
	(void)state;
	assert_int_equal(workers_backoff_ms(0, 100, 5000), 100);
	assert_int_equal(workers_backoff_ms(1, 100, 5000), 200);
	assert_int_equal(workers_backoff_ms(2, 100, 5000), 400);
	assert_int_equal(workers_backoff_ms(5, 100, 5000), 3200);
	assert_int_equal(workers_backoff_ms(6, 100, 5000), 5000);
	assert_int_equal(workers_backoff_ms(1000, 100, 5000), 5000);
	assert_int_equal(workers_backoff_ms(4000000000u, 100, 5000), 5000);
	assert_int_equal(workers_backoff_ms(3, 0, 5000), 5000);
}

/* An x-death header as RabbitMQ writes it: [{count, reason, queue, ...}]. */
struct death {
	amqp_table_entry_t	fields[4];
	amqp_field_value_t	value;
};

static void
make_death(struct death *d, const char *queue, const char *reason,
    int64_t count)
{
	d->fields[0].key = amqp_cstring_bytes("count");
	d->fields[0].value.kind = AMQP_FIELD_KIND_I64;
	d->fields[0].value.value.i64 = count;
	d->fields[1].key = amqp_cstring_bytes("reason");
	d->fields[1].value.kind = AMQP_FIELD_KIND_UTF8;
	d->fields[1].value.value.bytes = amqp_cstring_bytes(reason);
	d->fields[2].key = amqp_cstring_bytes("queue");
	d->fields[2].value.kind = AMQP_FIELD_KIND_UTF8;
	d->fields[2].value.value.bytes = amqp_cstring_bytes(queue);
	d->fields[3].key = amqp_cstring_bytes("exchange");
	d->fields[3].value.kind = AMQP_FIELD_KIND_UTF8;
	d->fields[3].value.value.bytes = amqp_cstring_bytes("encore.payments");
	d->value.kind = AMQP_FIELD_KIND_TABLE;
	d->value.value.table.num_entries = 4;
	d->value.value.table.entries = d->fields;
}

static void
xdeath_counts_rejections_from_our_queue(void **state)
{
	struct death		deaths[2];
	amqp_field_value_t	list[2];
	amqp_table_entry_t	hdr[2];
	amqp_table_t		headers;

	(void)state;
	/* After 3 round trips: expired from .retry 3x, rejected from Q 3x. */
	make_death(&deaths[0], "encore.stats.retry", "expired", 3);
	make_death(&deaths[1], "encore.stats", "rejected", 3);
	list[0] = deaths[0].value;
	list[1] = deaths[1].value;
	hdr[0].key = amqp_cstring_bytes("x-first-death-reason");
	hdr[0].value.kind = AMQP_FIELD_KIND_UTF8;
	hdr[0].value.value.bytes = amqp_cstring_bytes("rejected");
	hdr[1].key = amqp_cstring_bytes("x-death");
	hdr[1].value.kind = AMQP_FIELD_KIND_ARRAY;
	hdr[1].value.value.array.num_entries = 2;
	hdr[1].value.value.array.entries = list;
	headers.num_entries = 2;
	headers.entries = hdr;

	assert_int_equal(workers_xdeath_count(&headers, "encore.stats",
	    "rejected"), 3);
	assert_int_equal(workers_xdeath_count(&headers, "encore.notifications",
	    "rejected"), 0);
	assert_int_equal(workers_xdeath_count(&headers, "encore.stats",
	    "expired"), 0);
	assert_int_equal(workers_xdeath_count(NULL, "encore.stats",
	    "rejected"), 0);
	headers.num_entries = 1;	/* no x-death at all */
	assert_int_equal(workers_xdeath_count(&headers, "encore.stats",
	    "rejected"), 0);
}

static void
xdeath_accepts_any_integer_kind(void **state)
{
	struct death		d;
	amqp_table_entry_t	hdr;
	amqp_table_t		headers;

	(void)state;
	make_death(&d, "encore.notifications", "rejected", 0);
	d.fields[0].value.kind = AMQP_FIELD_KIND_U32;
	d.fields[0].value.value.u32 = 4;
	hdr.key = amqp_cstring_bytes("x-death");
	hdr.value.kind = AMQP_FIELD_KIND_ARRAY;
	hdr.value.value.array.num_entries = 1;
	hdr.value.value.array.entries = &d.value;
	headers.num_entries = 1;
	headers.entries = &hdr;
	assert_int_equal(workers_xdeath_count(&headers, "encore.notifications",
	    "rejected"), 4);

	/* A count that is not a number is no count. */
	d.fields[0].value.kind = AMQP_FIELD_KIND_UTF8;
	d.fields[0].value.value.bytes = amqp_cstring_bytes("4");
	assert_int_equal(workers_xdeath_count(&headers, "encore.notifications",
	    "rejected"), 0);
}

static void
verdict_dead_letters_at_the_last_attempt(void **state)
{
	(void)state;
	assert_int_equal(workers_retry_verdict(1, 5), WORKERS_RETRY);
	assert_int_equal(workers_retry_verdict(4, 5), WORKERS_RETRY);
	assert_int_equal(workers_retry_verdict(5, 5), WORKERS_DEAD_LETTER);
	assert_int_equal(workers_retry_verdict(9, 5), WORKERS_DEAD_LETTER);
	assert_int_equal(workers_retry_verdict(1, 1), WORKERS_DEAD_LETTER);
}

static void
sqlstate_classification(void **state)
{
	(void)state;
	/* The database's trouble: reconnect, count no attempt. */
	assert_true(workers_sqlstate_is_transient(NULL));
	assert_true(workers_sqlstate_is_transient(""));
	assert_true(workers_sqlstate_is_transient("08006"));
	assert_true(workers_sqlstate_is_transient("57P01"));
	assert_true(workers_sqlstate_is_transient("53300"));
	assert_true(workers_sqlstate_is_transient("40001"));
	assert_true(workers_sqlstate_is_transient("40P01"));
	/* The message's trouble: count an attempt. */
	assert_false(workers_sqlstate_is_transient("22P02"));	/* not JSON */
	/* INVALID_EVENT */
	assert_false(workers_sqlstate_is_transient("22023"));
	assert_false(workers_sqlstate_is_transient("23505"));
	assert_false(workers_sqlstate_is_transient("42883"));
	assert_false(workers_sqlstate_is_transient("57014"));	/* timeout */
}

static int
bytes_is(amqp_bytes_t b, const char *s)
{
	return (b.len == strlen(s) && memcmp(b.bytes, s, b.len) == 0);
}

static void
publish_props_are_persistent_json(void **state)
{
	amqp_basic_properties_t	p;

	(void)state;
	workers_publish_props(&p, "a0000000-0000-4000-8000-000000000001",
	    "payment.succeeded", 1795000000);
	assert_true(p._flags & AMQP_BASIC_DELIVERY_MODE_FLAG);
	assert_int_equal(p.delivery_mode, 2);
	assert_true(p._flags & AMQP_BASIC_CONTENT_TYPE_FLAG);
	assert_true(bytes_is(p.content_type, "application/json"));
	assert_true(p._flags & AMQP_BASIC_MESSAGE_ID_FLAG);
	assert_true(bytes_is(p.message_id,
	    "a0000000-0000-4000-8000-000000000001"));
	assert_true(p._flags & AMQP_BASIC_TYPE_FLAG);
	assert_true(bytes_is(p.type, "payment.succeeded"));
	assert_true(p._flags & AMQP_BASIC_TIMESTAMP_FLAG);
	assert_int_equal(p.timestamp, 1795000000);
	assert_false(p._flags & AMQP_BASIC_HEADERS_FLAG);
}

static void
delivery_problems(void **state)
{
	amqp_basic_properties_t	p;
	static char		big[WORKERS_BODY_MAX + 1];
	const char		*json = "{\"a\":1}";

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_null(workers_delivery_problem(&p, json, strlen(json)));
	assert_non_null(workers_delivery_problem(&p, json, 0));
	assert_non_null(workers_delivery_problem(&p, "{\"a\"\0:1}", 8));
	memset(big, ' ', sizeof(big));
	assert_non_null(workers_delivery_problem(&p, big, sizeof(big)));
	assert_null(workers_delivery_problem(&p, big, sizeof(big) - 1));

	p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG;
	p.content_type = amqp_cstring_bytes("application/json; charset=utf-8");
	assert_null(workers_delivery_problem(&p, json, strlen(json)));
	p.content_type = amqp_cstring_bytes("text/plain");
	assert_string_equal(workers_delivery_problem(&p, json, strlen(json)),
	    "content type is not application/json");
}

static void
dlq_headers_keep_history_and_add_ours(void **state)
{
	amqp_table_entry_t	orig_e[2], out[8];
	amqp_table_t		orig;
	int			n;

	(void)state;
	orig_e[0].key = amqp_cstring_bytes("x-death");
	orig_e[0].value.kind = AMQP_FIELD_KIND_ARRAY;
	orig_e[0].value.value.array.num_entries = 0;
	orig_e[0].value.value.array.entries = NULL;
	orig_e[1].key = amqp_cstring_bytes("x-encore-error");	/* stale */
	orig_e[1].value.kind = AMQP_FIELD_KIND_UTF8;
	orig_e[1].value.value.bytes = amqp_cstring_bytes("old");
	orig.num_entries = 2;
	orig.entries = orig_e;

	n = workers_dlq_headers(&orig, out, 8, "stats", 5, "22P02 bad json");
	assert_int_equal(n, 4);
	assert_true(bytes_is(out[0].key, "x-death"));
	assert_true(bytes_is(out[1].key, "x-encore-consumer"));
	assert_true(bytes_is(out[1].value.value.bytes, "stats"));
	assert_true(bytes_is(out[2].key, "x-encore-attempts"));
	assert_int_equal(out[2].value.value.i64, 5);
	assert_true(bytes_is(out[3].key, "x-encore-error"));
	assert_true(bytes_is(out[3].value.value.bytes, "22P02 bad json"));

	assert_int_equal(workers_dlq_headers(NULL, out, 3, "stats", 1, "e"), 3);
	assert_int_equal(workers_dlq_headers(&orig, out, 3, "stats", 1, "e"),
	    -1);
	assert_int_equal(workers_dlq_headers(NULL, out, 2, "stats", 1, "e"),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(config_defaults),
		cmocka_unit_test(config_overrides),
		cmocka_unit_test(config_missing_names_the_variable),
		cmocka_unit_test(config_bad_numbers_name_the_variable),
		cmocka_unit_test(config_too_long),
		cmocka_unit_test(consumers_known),
		cmocka_unit_test(backoff_doubles_up_to_the_cap),
		cmocka_unit_test(xdeath_counts_rejections_from_our_queue),
		cmocka_unit_test(xdeath_accepts_any_integer_kind),
		cmocka_unit_test(verdict_dead_letters_at_the_last_attempt),
		cmocka_unit_test(sqlstate_classification),
		cmocka_unit_test(publish_props_are_persistent_json),
		cmocka_unit_test(delivery_problems),
		cmocka_unit_test(dlq_headers_keep_history_and_add_ours),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
