/*
 * config.c: parse and check the ENCORE_* environment into one struct.
 *
 * Start-up fails with a message naming the variable when a value is missing
 * or malformed; production refuses settings that are only safe locally
 * (dev login, a short or default JWT secret).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

#define JWT_SECRET_MIN		32

struct cfg_ctx {
	config_getenv	 get;
	char		*err;
	size_t		 errlen;
	int		 failed;
};

static const char	*cfg_raw(struct cfg_ctx *, const char *, const char *);
static void		 cfg_fail(struct cfg_ctx *, const char *, const char *);
static void		 cfg_str(struct cfg_ctx *, const char *, const char *,
			    char *, size_t);
static void		 cfg_int(struct cfg_ctx *, const char *, int, int, int,
			    int *);
static void		 cfg_bool(struct cfg_ctx *, const char *, int, int *);
static void		 cfg_url(struct cfg_ctx *, const char *, const char *,
			    char *, size_t);
static void		 cfg_rate(struct cfg_ctx *, const char *, const char *,
			    struct rate_limit *);
static void		 cfg_admins(struct cfg_ctx *, struct encore_config *);

static const char *
cfg_raw(struct cfg_ctx *c, const char *name, const char *def)
{
	const char	*v;

	v = c->get(name);
	if (v == NULL || *v == '\0')
		return (def);
	return (v);
}

static void
cfg_fail(struct cfg_ctx *c, const char *name, const char *why)
{
	if (c->failed)
		return;
	c->failed = 1;
	snprintf(c->err, c->errlen, "%s: %s", name, why);
}

static void
cfg_str(struct cfg_ctx *c, const char *name, const char *def, char *dst,
    size_t len)
{
	const char	*v;

	if ((v = cfg_raw(c, name, def)) == NULL) {
		cfg_fail(c, name, "is required");
		return;
	}
	if (strlen(v) >= len) {
		cfg_fail(c, name, "is too long");
		return;
	}
	memcpy(dst, v, strlen(v) + 1);
}

static void
cfg_int(struct cfg_ctx *c, const char *name, int def, int min, int max,
    int *dst)
{
	const char	*v;
	char		*end;
	long		 n;
	char		 why[96];

	if ((v = cfg_raw(c, name, NULL)) == NULL) {
		*dst = def;
		return;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max) {
		snprintf(why, sizeof(why), "must be an integer from %d to %d",
		    min, max);
		cfg_fail(c, name, why);
		return;
	}
	*dst = (int)n;
}

static void
cfg_bool(struct cfg_ctx *c, const char *name, int def, int *dst)
{
	const char	*v;

	if ((v = cfg_raw(c, name, NULL)) == NULL) {
		*dst = def;
		return;
	}
	if (!strcasecmp(v, "on") || !strcasecmp(v, "true") ||
	    !strcmp(v, "1") || !strcasecmp(v, "yes"))
		*dst = 1;
	else if (!strcasecmp(v, "off") || !strcasecmp(v, "false") ||
	    !strcmp(v, "0") || !strcasecmp(v, "no"))
		*dst = 0;
	else
		cfg_fail(c, name, "must be on or off");
}

static void
cfg_url(struct cfg_ctx *c, const char *name, const char *def, char *dst,
    size_t len)
{
	cfg_str(c, name, def, dst, len);
	if (c->failed)
		return;
	if ((strncmp(dst, "http://", 7) || dst[7] == '\0' || dst[7] == '/') &&
	    (strncmp(dst, "https://", 8) || dst[8] == '\0' || dst[8] == '/'))
		cfg_fail(c, name, "must be an http:// or https:// URL");
	else if (dst[strlen(dst) - 1] == '/')
		dst[strlen(dst) - 1] = '\0';
}

/* A rate is "BURST/PER_SECOND", e.g. "20/5": bursts of 20, 5 more a second. */
static void
cfg_rate(struct cfg_ctx *c, const char *name, const char *def,
    struct rate_limit *dst)
{
	const char	*v;
	char		*end, *end2;
	double		 cap, refill;

	v = cfg_raw(c, name, def);
	errno = 0;
	cap = strtod(v, &end);
	if (errno != 0 || end == v || *end != '/' ||
	    !(cap >= 1 && cap <= 1e6)) {
		cfg_fail(c, name, "must look like BURST/PER_SECOND, e.g. 20/5");
		return;
	}
	refill = strtod(end + 1, &end2);
	if (errno != 0 || end2 == end + 1 || *end2 != '\0' ||
	    !(refill > 0 && refill <= 1e6)) {
		cfg_fail(c, name, "must look like BURST/PER_SECOND, e.g. 20/5");
		return;
	}
	dst->capacity = cap;
	dst->refill = refill;
}

static void
cfg_admins(struct cfg_ctx *c, struct encore_config *cfg)
{
	const char	*v, *p, *q;
	size_t		 n;

	cfg->admin_count = 0;
	if ((v = cfg_raw(c, "ENCORE_ADMIN_EMAILS", NULL)) == NULL)
		return;
	for (p = v; *p != '\0'; p = (*q == ',') ? q + 1 : q) {
		while (*p == ' ')
			p++;
		for (q = p; *q != '\0' && *q != ','; q++)
			;
		n = (size_t)(q - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == 0)
			continue;
		if (cfg->admin_count == CONFIG_ADMINS_MAX ||
		    n >= sizeof(cfg->admin_emails[0]) ||
		    memchr(p, '@', n) == NULL) {
			cfg_fail(c, "ENCORE_ADMIN_EMAILS",
			    "must be a comma-separated list of emails");
			return;
		}
		memcpy(cfg->admin_emails[cfg->admin_count], p, n);
		cfg->admin_emails[cfg->admin_count][n] = '\0';
		cfg->admin_count++;
	}
}

int
config_load(struct encore_config *cfg, config_getenv get, char *err,
    size_t errlen)
{
	struct cfg_ctx	 c;
	const char	*env;

	memset(cfg, 0, sizeof(*cfg));
	memset(&c, 0, sizeof(c));
	c.get = get;
	c.err = err;
	c.errlen = errlen;

	env = cfg_raw(&c, "ENCORE_ENV", "development");
	if (!strcmp(env, "development"))
		cfg->env = ENCORE_ENV_DEVELOPMENT;
	else if (!strcmp(env, "test"))
		cfg->env = ENCORE_ENV_TEST;
	else if (!strcmp(env, "production"))
		cfg->env = ENCORE_ENV_PRODUCTION;
	else
		cfg_fail(&c, "ENCORE_ENV",
		    "must be development, test or production");

	cfg_url(&c, "ENCORE_PUBLIC_URL", "http://127.0.0.1:8080",
	    cfg->public_url, sizeof(cfg->public_url));
	cfg_str(&c, "ENCORE_ASSETS_DIR", "assets", cfg->assets_dir,
	    sizeof(cfg->assets_dir));

	cfg_str(&c, "ENCORE_DATABASE_URL", NULL, cfg->database_url,
	    sizeof(cfg->database_url));
	cfg_int(&c, "ENCORE_DB_POOL_SIZE", 8, 1, 200, &cfg->db_pool_size);
	cfg_int(&c, "ENCORE_DB_QUEUE_LIMIT", 8192, 0, 100000,
	    &cfg->db_queue_limit);
	cfg_int(&c, "ENCORE_DB_TIMEOUT_MS", 10000, 100, 600000,
	    &cfg->db_timeout_ms);

	cfg_str(&c, "ENCORE_REDIS_HOST", "127.0.0.1", cfg->redis_host,
	    sizeof(cfg->redis_host));
	cfg_int(&c, "ENCORE_REDIS_PORT", 6379, 1, 65535, &cfg->redis_port);
	cfg_int(&c, "ENCORE_REDIS_TIMEOUT_MS", 50, 1, 5000,
	    &cfg->redis_timeout_ms);

	cfg_str(&c, "ENCORE_AMQP_HOST", "127.0.0.1", cfg->amqp_host,
	    sizeof(cfg->amqp_host));
	cfg_int(&c, "ENCORE_AMQP_PORT", 5672, 1, 65535, &cfg->amqp_port);

	cfg_str(&c, "ENCORE_JWT_SECRET", NULL, cfg->jwt_secret,
	    sizeof(cfg->jwt_secret));
	if (!c.failed && strlen(cfg->jwt_secret) < JWT_SECRET_MIN)
		cfg_fail(&c, "ENCORE_JWT_SECRET", "must be at least 32 bytes");
	cfg_str(&c, "ENCORE_JWT_ISSUER", "encore", cfg->jwt_issuer,
	    sizeof(cfg->jwt_issuer));
	cfg_str(&c, "ENCORE_JWT_AUDIENCE", "encore-api", cfg->jwt_audience,
	    sizeof(cfg->jwt_audience));
	cfg_int(&c, "ENCORE_ACCESS_TTL", 900, 30, 86400, &cfg->access_ttl);
	cfg_int(&c, "ENCORE_REFRESH_TTL", 1209600, 60, 7776000,
	    &cfg->refresh_ttl);
	cfg_bool(&c, "ENCORE_DEV_LOGIN", cfg->env != ENCORE_ENV_PRODUCTION,
	    &cfg->dev_login);
	cfg_bool(&c, "ENCORE_COOKIE_SECURE", cfg->env == ENCORE_ENV_PRODUCTION,
	    &cfg->cookie_secure);
	cfg_admins(&c, cfg);

	cfg_url(&c, "ENCORE_TOSS_API_BASE", "https://api.tosspayments.com",
	    cfg->toss_api_base, sizeof(cfg->toss_api_base));
	cfg_str(&c, "ENCORE_TOSS_SECRET_KEY", NULL, cfg->toss_secret_key,
	    sizeof(cfg->toss_secret_key));
	cfg_str(&c, "ENCORE_TOSS_CLIENT_KEY", "", cfg->toss_client_key,
	    sizeof(cfg->toss_client_key));
	cfg_url(&c, "ENCORE_TOSS_CHECKOUT_URL", "http://127.0.0.1:8091/checkout",
	    cfg->toss_checkout_url, sizeof(cfg->toss_checkout_url));
	cfg_int(&c, "ENCORE_TOSS_TIMEOUT_MS", 10000, 100, 60000,
	    &cfg->toss_timeout_ms);

	cfg_url(&c, "ENCORE_GOOGLE_AUTH_URL",
	    "https://accounts.google.com/o/oauth2/v2/auth",
	    cfg->google_auth_url, sizeof(cfg->google_auth_url));
	cfg_url(&c, "ENCORE_GOOGLE_TOKEN_URL",
	    "https://oauth2.googleapis.com/token",
	    cfg->google_token_url, sizeof(cfg->google_token_url));
	cfg_url(&c, "ENCORE_GOOGLE_USERINFO_URL",
	    "https://openidconnect.googleapis.com/v1/userinfo",
	    cfg->google_userinfo_url, sizeof(cfg->google_userinfo_url));
	cfg_str(&c, "ENCORE_GOOGLE_CLIENT_ID", "", cfg->google_client_id,
	    sizeof(cfg->google_client_id));
	cfg_str(&c, "ENCORE_GOOGLE_CLIENT_SECRET", "",
	    cfg->google_client_secret, sizeof(cfg->google_client_secret));

	cfg_int(&c, "ENCORE_EXPIRY_INTERVAL_MS", 1000, 100, 60000,
	    &cfg->expiry_interval_ms);
	cfg_int(&c, "ENCORE_RECONCILE_INTERVAL_MS", 5000, 200, 600000,
	    &cfg->reconcile_interval_ms);
	cfg_int(&c, "ENCORE_RECONCILE_AFTER_S", 30, 1, 3600,
	    &cfg->reconcile_after_s);
	cfg_rate(&c, "ENCORE_RATE_MEMBER", "20/5", &cfg->rate_member);
	cfg_rate(&c, "ENCORE_RATE_IP", "30/1", &cfg->rate_ip);

	if (!c.failed && cfg->env == ENCORE_ENV_PRODUCTION) {
		if (cfg->dev_login)
			cfg_fail(&c, "ENCORE_DEV_LOGIN",
			    "must be off in production");
		else if (strstr(cfg->jwt_secret, "change-me") != NULL ||
		    strstr(cfg->jwt_secret, "local-") == cfg->jwt_secret)
			cfg_fail(&c, "ENCORE_JWT_SECRET",
			    "is a development default; set a random secret");
	}

	return (c.failed ? -1 : 0);
}

const char *
config_env_name(enum encore_env env)
{
	switch (env) {
	case ENCORE_ENV_PRODUCTION:
		return ("production");
	case ENCORE_ENV_TEST:
		return ("test");
	default:
		return ("development");
	}
}

int
config_is_admin(const struct encore_config *cfg, const char *email)
{
	int	i;

	for (i = 0; i < cfg->admin_count; i++) {
		if (!strcasecmp(cfg->admin_emails[i], email))
			return (1);
	}
	return (0);
}
