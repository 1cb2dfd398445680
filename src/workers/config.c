/*
 * config.c: the environment, read once into struct workers_config.
 *
 * Both daemons are configured, not programmed: every knob is an environment
 * variable, validated here at start so that a typo stops the process with a
 * message naming the variable instead of surfacing later as a strange
 * connection error. The lookup function is passed in, which keeps this file
 * free of I/O and lets the unit tests feed it any environment they like.
 *
 * Postgres:  ENCORE_DATABASE_URL (a libpq conninfo string) if set, else
 *            libpq's own PGHOST, PGPORT, PGUSER, PGDATABASE, ... (PGPORT is
 *            checked here because libpq's message for it is obscure).
 * RabbitMQ:  ENCORE_AMQP_HOST, ENCORE_AMQP_USER, ENCORE_AMQP_PASSWORD
 *            (required), ENCORE_AMQP_PORT (5672), ENCORE_AMQP_VHOST ("/").
 * Tuning:    ENCORE_CONSUMER_MAX_ATTEMPTS (5), ENCORE_CONSUMER_PREFETCH (50),
 *            ENCORE_CONSUMER_RETRY_DELAY_MS (1000), ENCORE_RELAY_BATCH (100),
 *            ENCORE_RELAY_CONFIRM_TIMEOUT_MS (5000), ENCORE_RELAY_POLL_MS
 *            (1000; LISTEN/NOTIFY wakes the relay sooner).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers.h"

struct int_setting {
	const char	*name;
	int		 def;
	int		 min;
	int		 max;
	size_t		 offset;
};

static const struct int_setting	int_settings[] = {
	{ "ENCORE_AMQP_PORT", 5672, 1, 65535,
	    offsetof(struct workers_config, amqp_port) },
	{ "ENCORE_CONSUMER_MAX_ATTEMPTS", 5, 1, 100,
	    offsetof(struct workers_config, max_attempts) },
	{ "ENCORE_CONSUMER_PREFETCH", 50, 1, 65535,
	    offsetof(struct workers_config, prefetch) },
	{ "ENCORE_CONSUMER_RETRY_DELAY_MS", 1000, 10, 86400000,
	    offsetof(struct workers_config, retry_delay_ms) },
	{ "ENCORE_RELAY_BATCH", 100, 1, 10000,
	    offsetof(struct workers_config, relay_batch) },
	{ "ENCORE_RELAY_CONFIRM_TIMEOUT_MS", 5000, 100, 600000,
	    offsetof(struct workers_config, confirm_timeout_ms) },
	{ "ENCORE_RELAY_POLL_MS", 1000, 10, 60000,
	    offsetof(struct workers_config, poll_ms) },
};

static int	config_error(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	config_int(const char *, int, int, int *);
static int	config_string(workers_getenv_fn, void *, const char *,
		    const char *, char *, size_t, char *, size_t);

int
workers_config_load(struct workers_config *cfg, workers_getenv_fn get,
    void *arg, char *errbuf, size_t errlen)
{
	const struct int_setting	*s;
	const char			*v;
	size_t				 i;
	int				 port, *dst;

	memset(cfg, 0, sizeof(*cfg));

	if (config_string(get, arg, "ENCORE_DATABASE_URL", "",
	    cfg->pg_conninfo, sizeof(cfg->pg_conninfo), errbuf, errlen) == -1)
		return (WORKERS_ERROR);
	if (cfg->pg_conninfo[0] == '\0' && (v = get("PGPORT", arg)) != NULL &&
	    config_int(v, 1, 65535, &port) == -1)
		return (config_error(errbuf, errlen,
		    "PGPORT must be a port number 1-65535 (got '%s')", v));

	if (config_string(get, arg, "ENCORE_AMQP_HOST", NULL, cfg->amqp_host,
	    sizeof(cfg->amqp_host), errbuf, errlen) == -1 ||
	    config_string(get, arg, "ENCORE_AMQP_USER", NULL, cfg->amqp_user,
	    sizeof(cfg->amqp_user), errbuf, errlen) == -1 ||
	    config_string(get, arg, "ENCORE_AMQP_PASSWORD", NULL,
	    cfg->amqp_password, sizeof(cfg->amqp_password),
	    errbuf, errlen) == -1 ||
	    config_string(get, arg, "ENCORE_AMQP_VHOST", "/", cfg->amqp_vhost,
	    sizeof(cfg->amqp_vhost), errbuf, errlen) == -1)
		return (WORKERS_ERROR);

	for (i = 0; i < sizeof(int_settings) / sizeof(int_settings[0]); i++) {
		s = &int_settings[i];
		dst = (int *)(void *)((char *)cfg + s->offset);
		if ((v = get(s->name, arg)) == NULL || v[0] == '\0') {
			*dst = s->def;
			continue;
		}
		if (config_int(v, s->min, s->max, dst) == -1)
			return (config_error(errbuf, errlen,
			    "%s must be an integer %d-%d (got '%s')",
			    s->name, s->min, s->max, v));
	}

	return (WORKERS_OK);
}

/*
 * Copies variable `name` into dst. Without a default (def == NULL) it must
 * be set and non-empty.
 */
static int
config_string(workers_getenv_fn get, void *arg, const char *name,
    const char *def, char *dst, size_t dstlen, char *errbuf, size_t errlen)
{
	const char	*v;

	if ((v = get(name, arg)) == NULL || v[0] == '\0') {
		if (def == NULL)
			return (config_error(errbuf, errlen,
			    "%s must be set", name));
		v = def;
	}
	if (strlen(v) >= dstlen)
		return (config_error(errbuf, errlen,
		    "%s is too long (at most %zu bytes)", name, dstlen - 1));
	memcpy(dst, v, strlen(v) + 1);
	return (WORKERS_OK);
}

static int
config_int(const char *v, int min, int max, int *out)
{
	char		*end;
	long		 n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max)
		return (-1);
	*out = (int)n;
	return (0);
}

static int
config_error(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list		ap;

	if (errbuf != NULL && errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return (WORKERS_ERROR);
}
