/*
 * test_config.c: the ENCORE_* environment (src/core/config.c).
 *
 * config_load() reads the environment through a lookup function; here that
 * is a small table, so each test states exactly which variables are set.
 * What an operator notices is the one-line error naming the variable, so
 * the tests compare that text in full.
 */
#include "unit.h"

#include "core/config.h"

#define SECRET_OK	"k2J9vQx7T4mZp8Lr3Wn6Yb1Hc5Fd0Ga8"	/* 32 bytes */

#define REQUIRED_ENV \
	"ENCORE_DATABASE_URL", "host=127.0.0.1 dbname=encore", \
	"ENCORE_JWT_SECRET", SECRET_OK, \
	"ENCORE_TOSS_SECRET_KEY", "test_sk_abc"

/* The environment config_load() sees: NULL-terminated name/value pairs. */
static const char	**env_table;
static char		  err[256];

static const char *
fake_getenv(const char *name)
{
	const char	**kv;

	for (kv = env_table; kv[0] != NULL; kv += 2) {
		if (strcmp(kv[0], name) == 0)
			return (kv[1]);
	}
	return (NULL);
}

static int
load(const char **env, struct encore_config *cfg)
{
	env_table = env;
	memset(err, 0, sizeof(err));
	return (config_load(cfg, fake_getenv, err, sizeof(err)));
}

/* The required variables plus one more; fails with err on load. */
static int
load_with(const char *name, const char *value, struct encore_config *cfg)
{
	const char	*env[] = { REQUIRED_ENV, name, value, NULL };

	return (load(env, cfg));
}

static void
expect_error(const char *name, const char *value, const char *message)
{
	struct encore_config	cfg;

	if (load_with(name, value, &cfg) != -1)
		fail_msg("%s=\"%s\" was accepted", name, value);
	if (strcmp(err, message) != 0)
		fail_msg("%s=\"%s\": got \"%s\", want \"%s\"", name, value,
		    err, message);
}

static void
expect_ok(const char *name, const char *value)
{
	struct encore_config	cfg;

	if (load_with(name, value, &cfg) != 0)
		fail_msg("%s=\"%s\" refused: %s", name, value, err);
}

static void
required_variables_alone_load_with_defaults(void **state)
{
	const char		*env[] = { REQUIRED_ENV, NULL };
	struct encore_config	 cfg;

	(void)state;
	assert_int_equal(load(env, &cfg), 0);
	assert_string_equal(err, "");
	assert_int_equal(cfg.env, ENCORE_ENV_DEVELOPMENT);
	assert_string_equal(cfg.public_url, "http://127.0.0.1:8080");
	assert_string_equal(cfg.assets_dir, "assets");
	assert_string_equal(cfg.database_url, "host=127.0.0.1 dbname=encore");
	assert_int_equal(cfg.db_pool_size, 8);
	assert_int_equal(cfg.db_queue_limit, 8192);
	assert_string_equal(cfg.redis_host, "127.0.0.1");
	assert_int_equal(cfg.redis_port, 6379);
	assert_int_equal(cfg.redis_timeout_ms, 50);
	assert_string_equal(cfg.amqp_host, "127.0.0.1");
	assert_int_equal(cfg.amqp_port, 5672);
	assert_string_equal(cfg.jwt_secret, SECRET_OK);
	assert_string_equal(cfg.jwt_issuer, "encore");
	assert_string_equal(cfg.jwt_audience, "encore-api");
	assert_int_equal(cfg.access_ttl, 900);
	assert_int_equal(cfg.refresh_ttl, 1209600);
	assert_int_equal(cfg.dev_login, 1);
	assert_int_equal(cfg.cookie_secure, 0);
	assert_int_equal(cfg.admin_count, 0);
	assert_string_equal(cfg.toss_api_base, "https://api.tosspayments.com");
	assert_string_equal(cfg.toss_secret_key, "test_sk_abc");
	assert_string_equal(cfg.toss_client_key, "");
	assert_string_equal(cfg.toss_checkout_url,
	    "http://127.0.0.1:8091/checkout");
	assert_int_equal(cfg.toss_timeout_ms, 10000);
	assert_string_equal(cfg.google_auth_url,
	    "https://accounts.google.com/o/oauth2/v2/auth");
	assert_string_equal(cfg.google_token_url,
	    "https://oauth2.googleapis.com/token");
	assert_string_equal(cfg.google_userinfo_url,
	    "https://openidconnect.googleapis.com/v1/userinfo");
	assert_string_equal(cfg.google_client_id, "");
	assert_string_equal(cfg.google_client_secret, "");
	assert_int_equal(cfg.expiry_interval_ms, 1000);
	assert_int_equal(cfg.reconcile_interval_ms, 5000);
	assert_int_equal(cfg.reconcile_after_s, 30);
	assert_true(cfg.rate_member.capacity == 20.0);
	assert_true(cfg.rate_member.refill == 5.0);
	assert_true(cfg.rate_ip.capacity == 30.0);
	assert_true(cfg.rate_ip.refill == 1.0);
}

static void
full_environment_overrides_every_default(void **state)
{
	const char		*env[] = {
		"ENCORE_ENV", "test",
		"ENCORE_PUBLIC_URL", "https://tickets.example.com",
		"ENCORE_ASSETS_DIR", "/srv/encore/assets",
		"ENCORE_DATABASE_URL", "postgresql://encore@db/encore",
		"ENCORE_DB_POOL_SIZE", "16",
		"ENCORE_DB_QUEUE_LIMIT", "0",
		"ENCORE_REDIS_HOST", "redis.internal",
		"ENCORE_REDIS_PORT", "6380",
		"ENCORE_REDIS_TIMEOUT_MS", "75",
		"ENCORE_AMQP_HOST", "mq.internal",
		"ENCORE_AMQP_PORT", "5673",
		"ENCORE_JWT_SECRET", SECRET_OK,
		"ENCORE_JWT_ISSUER", "encore-test",
		"ENCORE_JWT_AUDIENCE", "encore-test-api",
		"ENCORE_ACCESS_TTL", "600",
		"ENCORE_REFRESH_TTL", "86400",
		"ENCORE_DEV_LOGIN", "off",
		"ENCORE_COOKIE_SECURE", "yes",
		"ENCORE_ADMIN_EMAILS", "ops@example.com",
		"ENCORE_TOSS_API_BASE", "http://127.0.0.1:8091",
		"ENCORE_TOSS_SECRET_KEY", "test_sk_xyz",
		"ENCORE_TOSS_CLIENT_KEY", "test_ck_xyz",
		"ENCORE_TOSS_CHECKOUT_URL", "http://127.0.0.1:8091/pay",
		"ENCORE_TOSS_TIMEOUT_MS", "2500",
		"ENCORE_GOOGLE_AUTH_URL", "http://127.0.0.1:8092/auth",
		"ENCORE_GOOGLE_TOKEN_URL", "http://127.0.0.1:8092/token",
		"ENCORE_GOOGLE_USERINFO_URL", "http://127.0.0.1:8092/userinfo",
		"ENCORE_GOOGLE_CLIENT_ID", "cid",
		"ENCORE_GOOGLE_CLIENT_SECRET", "csecret",
		"ENCORE_EXPIRY_INTERVAL_MS", "250",
		"ENCORE_RECONCILE_INTERVAL_MS", "1000",
		"ENCORE_RECONCILE_AFTER_S", "5",
		"ENCORE_RATE_MEMBER", "10/0.5",
		"ENCORE_RATE_IP", "100/20",
		NULL
	};
	struct encore_config	 cfg;

	(void)state;
	assert_int_equal(load(env, &cfg), 0);
	assert_int_equal(cfg.env, ENCORE_ENV_TEST);
	assert_string_equal(cfg.public_url, "https://tickets.example.com");
	assert_string_equal(cfg.assets_dir, "/srv/encore/assets");
	assert_string_equal(cfg.database_url, "postgresql://encore@db/encore");
	assert_int_equal(cfg.db_pool_size, 16);
	assert_int_equal(cfg.db_queue_limit, 0);
	assert_string_equal(cfg.redis_host, "redis.internal");
	assert_int_equal(cfg.redis_port, 6380);
	assert_int_equal(cfg.redis_timeout_ms, 75);
	assert_string_equal(cfg.amqp_host, "mq.internal");
	assert_int_equal(cfg.amqp_port, 5673);
	assert_string_equal(cfg.jwt_issuer, "encore-test");
	assert_string_equal(cfg.jwt_audience, "encore-test-api");
	assert_int_equal(cfg.access_ttl, 600);
	assert_int_equal(cfg.refresh_ttl, 86400);
	assert_int_equal(cfg.dev_login, 0);
	assert_int_equal(cfg.cookie_secure, 1);
	assert_int_equal(cfg.admin_count, 1);
	assert_string_equal(cfg.toss_api_base, "http://127.0.0.1:8091");
	assert_string_equal(cfg.toss_secret_key, "test_sk_xyz");
	assert_string_equal(cfg.toss_client_key, "test_ck_xyz");
	assert_string_equal(cfg.toss_checkout_url, "http://127.0.0.1:8091/pay");
	assert_int_equal(cfg.toss_timeout_ms, 2500);
	assert_string_equal(cfg.google_auth_url, "http://127.0.0.1:8092/auth");
	assert_string_equal(cfg.google_token_url, "http://127.0.0.1:8092/token");
	assert_string_equal(cfg.google_userinfo_url,
	    "http://127.0.0.1:8092/userinfo");
	assert_string_equal(cfg.google_client_id, "cid");
	assert_string_equal(cfg.google_client_secret, "csecret");
	assert_int_equal(cfg.expiry_interval_ms, 250);
	assert_int_equal(cfg.reconcile_interval_ms, 1000);
	assert_int_equal(cfg.reconcile_after_s, 5);
	assert_true(cfg.rate_member.capacity == 10.0);
	assert_true(cfg.rate_member.refill == 0.5);
	assert_true(cfg.rate_ip.capacity == 100.0);
	assert_true(cfg.rate_ip.refill == 20.0);
}

static void
empty_value_counts_as_unset(void **state)
{
	struct encore_config	cfg;

	(void)state;
	assert_int_equal(load_with("ENCORE_DB_POOL_SIZE", "", &cfg), 0);
	assert_int_equal(cfg.db_pool_size, 8);
}

static void
env_names_are_recognised(void **state)
{
	struct encore_config	cfg;

	(void)state;
	assert_int_equal(load_with("ENCORE_ENV", "development", &cfg), 0);
	assert_int_equal(cfg.env, ENCORE_ENV_DEVELOPMENT);
	assert_int_equal(load_with("ENCORE_ENV", "test", &cfg), 0);
	assert_int_equal(cfg.env, ENCORE_ENV_TEST);
	assert_int_equal(cfg.dev_login, 1);
	assert_string_equal(config_env_name(ENCORE_ENV_DEVELOPMENT),
	    "development");
	assert_string_equal(config_env_name(ENCORE_ENV_TEST), "test");
	assert_string_equal(config_env_name(ENCORE_ENV_PRODUCTION),
	    "production");
}

static void
unknown_env_rejected(void **state)
{
	(void)state;
	expect_error("ENCORE_ENV", "staging",
	    "ENCORE_ENV: must be development, test or production");
	expect_error("ENCORE_ENV", "Production",
	    "ENCORE_ENV: must be development, test or production");
}

static void
pool_size_out_of_range_rejected(void **state)
{
	(void)state;
	expect_error("ENCORE_DB_POOL_SIZE", "0",
	    "ENCORE_DB_POOL_SIZE: must be an integer from 1 to 200");
	expect_error("ENCORE_DB_POOL_SIZE", "201",
	    "ENCORE_DB_POOL_SIZE: must be an integer from 1 to 200");
	expect_error("ENCORE_DB_POOL_SIZE", "-3",
	    "ENCORE_DB_POOL_SIZE: must be an integer from 1 to 200");
	expect_error("ENCORE_DB_POOL_SIZE", "99999999999999999999",
	    "ENCORE_DB_POOL_SIZE: must be an integer from 1 to 200");
}

static void
pool_size_range_ends_accepted(void **state)
{
	(void)state;
	expect_ok("ENCORE_DB_POOL_SIZE", "1");
	expect_ok("ENCORE_DB_POOL_SIZE", "200");
}

static void
pool_size_not_a_number_rejected(void **state)
{
	(void)state;
	expect_error("ENCORE_DB_POOL_SIZE", "eight",
	    "ENCORE_DB_POOL_SIZE: must be an integer from 1 to 200");
	expect_error("ENCORE_DB_POOL_SIZE", "8.5",
	    "ENCORE_DB_POOL_SIZE: must be an integer from 1 to 200");
}

static void
pool_size_with_trailing_junk_rejected(void **state)
{
	(void)state;
	expect_error("ENCORE_DB_POOL_SIZE", "8x",
	    "ENCORE_DB_POOL_SIZE: must be an integer from 1 to 200");
	expect_error("ENCORE_DB_POOL_SIZE", "8 ",
	    "ENCORE_DB_POOL_SIZE: must be an integer from 1 to 200");
}

static void
port_out_of_range_rejected(void **state)
{
	(void)state;
	expect_error("ENCORE_REDIS_PORT", "70000",
	    "ENCORE_REDIS_PORT: must be an integer from 1 to 65535");
	expect_error("ENCORE_AMQP_PORT", "0",
	    "ENCORE_AMQP_PORT: must be an integer from 1 to 65535");
}

static void
dev_login_accepts_on_off_spellings(void **state)
{
	const char		*on[] = { "on", "ON", "true", "1", "yes" };
	const char		*off[] = { "off", "Off", "false", "0", "no" };
	struct encore_config	 cfg;
	size_t			 i;

	(void)state;
	for (i = 0; i < UNIT_NELEM(on); i++) {
		assert_int_equal(load_with("ENCORE_DEV_LOGIN", on[i], &cfg), 0);
		assert_int_equal(cfg.dev_login, 1);
	}
	for (i = 0; i < UNIT_NELEM(off); i++) {
		assert_int_equal(load_with("ENCORE_DEV_LOGIN", off[i], &cfg),
		    0);
		assert_int_equal(cfg.dev_login, 0);
	}
}

static void
dev_login_not_on_or_off_rejected(void **state)
{
	(void)state;
	expect_error("ENCORE_DEV_LOGIN", "maybe",
	    "ENCORE_DEV_LOGIN: must be on or off");
	expect_error("ENCORE_DEV_LOGIN", "2",
	    "ENCORE_DEV_LOGIN: must be on or off");
}

static void
rate_member_malformed_rejected(void **state)
{
	const char	*bad[] = {
		"20", "20/", "/5", "0/5", "20/0", "20/-1", "abc", "20/5x",
		"20:5", "-1/5", "2000000/5", "20/2000000", "inf/5"
	};
	size_t		 i;

	(void)state;
	for (i = 0; i < UNIT_NELEM(bad); i++)
		expect_error("ENCORE_RATE_MEMBER", bad[i], "ENCORE_RATE_MEMBER: "
		    "must look like BURST/PER_SECOND, e.g. 20/5");
}

static void
rate_not_a_number_rejected(void **state)
{
	/*
	 * BUG: strtod() accepts "nan", and every range check on a NaN is
	 * false, so "nan/5" and "20/nan" load as a NaN bucket and the rate
	 * limiter compares against NaN. Fix in cfg_rate(): write the checks
	 * so NaN fails them, e.g. `!(cap >= 1 && cap <= 1e6)` and
	 * `!(refill > 0 && refill <= 1e6)` (or test isfinite()).
	 */
	(void)state;
	expect_error("ENCORE_RATE_MEMBER", "nan/5", "ENCORE_RATE_MEMBER: "
	    "must look like BURST/PER_SECOND, e.g. 20/5");
	expect_error("ENCORE_RATE_IP", "20/nan", "ENCORE_RATE_IP: "
	    "must look like BURST/PER_SECOND, e.g. 20/5");
}

static void
urls_must_be_http_or_https(void **state)
{
	const char	*vars[] = {
		"ENCORE_PUBLIC_URL", "ENCORE_TOSS_API_BASE",
		"ENCORE_TOSS_CHECKOUT_URL", "ENCORE_GOOGLE_AUTH_URL",
		"ENCORE_GOOGLE_TOKEN_URL", "ENCORE_GOOGLE_USERINFO_URL"
	};
	const char	*bad[] = {
		"ftp://example.com", "127.0.0.1:8080", "//example.com",
		"example.com", "http:/example.com"
	};
	char		 want[160];
	size_t		 i, j;

	(void)state;
	for (i = 0; i < UNIT_NELEM(vars); i++) {
		snprintf(want, sizeof(want),
		    "%s: must be an http:// or https:// URL", vars[i]);
		for (j = 0; j < UNIT_NELEM(bad); j++)
			expect_error(vars[i], bad[j], want);
	}
}

static void
url_without_host_rejected(void **state)
{
	/*
	 * BUG: "http://" passes the scheme check, then the trailing-slash
	 * rule cuts it to "http:/", which every later request fails on.
	 * Fix in cfg_url(): after the scheme check, fail with the same
	 * message when nothing follows "://" (e.g. check that
	 * dst[strlen("http://")] or dst[strlen("https://")] is not '\0'
	 * and not '/').
	 */
	(void)state;
	expect_error("ENCORE_PUBLIC_URL", "http://",
	    "ENCORE_PUBLIC_URL: must be an http:// or https:// URL");
	expect_error("ENCORE_TOSS_API_BASE", "https://",
	    "ENCORE_TOSS_API_BASE: must be an http:// or https:// URL");
}

static void
url_trailing_slash_removed(void **state)
{
	struct encore_config	cfg;

	(void)state;
	assert_int_equal(load_with("ENCORE_PUBLIC_URL",
	    "https://tickets.example.com/", &cfg), 0);
	assert_string_equal(cfg.public_url, "https://tickets.example.com");
	assert_int_equal(load_with("ENCORE_TOSS_API_BASE",
	    "http://127.0.0.1:8091/", &cfg), 0);
	assert_string_equal(cfg.toss_api_base, "http://127.0.0.1:8091");
	assert_int_equal(load_with("ENCORE_GOOGLE_TOKEN_URL",
	    "https://oauth2.example.com/token/", &cfg), 0);
	assert_string_equal(cfg.google_token_url,
	    "https://oauth2.example.com/token");
}

static void
missing_database_url_rejected(void **state)
{
	const char		*env[] = {
		"ENCORE_JWT_SECRET", SECRET_OK,
		"ENCORE_TOSS_SECRET_KEY", "test_sk_abc", NULL
	};
	struct encore_config	 cfg;

	(void)state;
	assert_int_equal(load(env, &cfg), -1);
	assert_string_equal(err, "ENCORE_DATABASE_URL: is required");
}

static void
empty_database_url_rejected(void **state)
{
	const char		*env[] = {
		"ENCORE_DATABASE_URL", "",
		"ENCORE_JWT_SECRET", SECRET_OK,
		"ENCORE_TOSS_SECRET_KEY", "test_sk_abc", NULL
	};
	struct encore_config	 cfg;

	(void)state;
	assert_int_equal(load(env, &cfg), -1);
	assert_string_equal(err, "ENCORE_DATABASE_URL: is required");
}

static void
missing_jwt_secret_rejected(void **state)
{
	const char		*env[] = {
		"ENCORE_DATABASE_URL", "dbname=encore",
		"ENCORE_TOSS_SECRET_KEY", "test_sk_abc", NULL
	};
	struct encore_config	 cfg;

	(void)state;
	assert_int_equal(load(env, &cfg), -1);
	assert_string_equal(err, "ENCORE_JWT_SECRET: is required");
}

static void
missing_toss_secret_key_rejected(void **state)
{
	const char		*env[] = {
		"ENCORE_DATABASE_URL", "dbname=encore",
		"ENCORE_JWT_SECRET", SECRET_OK, NULL
	};
	struct encore_config	 cfg;

	(void)state;
	assert_int_equal(load(env, &cfg), -1);
	assert_string_equal(err, "ENCORE_TOSS_SECRET_KEY: is required");
}

static void
jwt_secret_shorter_than_32_bytes_rejected(void **state)
{
	const char		*env[] = {
		"ENCORE_DATABASE_URL", "dbname=encore",
		"ENCORE_JWT_SECRET", "0123456789abcdef0123456789abcde",
		"ENCORE_TOSS_SECRET_KEY", "test_sk_abc", NULL
	};
	struct encore_config	 cfg;

	(void)state;
	assert_int_equal(strlen(env[3]), 31);
	assert_int_equal(load(env, &cfg), -1);
	assert_string_equal(err, "ENCORE_JWT_SECRET: must be at least 32 bytes");
}

static void
value_too_long_rejected(void **state)
{
	char	long_url[CONFIG_STR_MAX + 10];

	(void)state;
	memset(long_url, 'a', sizeof(long_url) - 1);
	long_url[sizeof(long_url) - 1] = '\0';
	expect_error("ENCORE_ASSETS_DIR", long_url,
	    "ENCORE_ASSETS_DIR: is too long");
}

static void
first_error_is_the_one_reported(void **state)
{
	const char		*env[] = {
		REQUIRED_ENV, "ENCORE_ENV", "prod",
		"ENCORE_DB_POOL_SIZE", "lots", NULL
	};
	struct encore_config	 cfg;

	(void)state;
	assert_int_equal(load(env, &cfg), -1);
	assert_string_equal(err,
	    "ENCORE_ENV: must be development, test or production");
}

static void
error_text_cut_to_small_buffer(void **state)
{
	const char		*env[] = { REQUIRED_ENV, "ENCORE_ENV", "x", NULL };
	struct encore_config	 cfg;
	char			*small;
	int			 rc, ok;

	(void)state;
	/* Heap-allocated so ASan catches a write past it. */
	small = malloc(8);
	assert_non_null(small);
	env_table = env;
	rc = config_load(&cfg, fake_getenv, small, 8);
	ok = strcmp(small, "ENCORE_") == 0;
	free(small);
	assert_int_equal(rc, -1);
	assert_true(ok);
}

static void
production_refuses_dev_login_on(void **state)
{
	const char		*env[] = {
		REQUIRED_ENV, "ENCORE_ENV", "production",
		"ENCORE_DEV_LOGIN", "on", NULL
	};
	struct encore_config	 cfg;

	(void)state;
	assert_int_equal(load(env, &cfg), -1);
	assert_string_equal(err, "ENCORE_DEV_LOGIN: must be off in production");
}

static void
production_defaults_to_no_dev_login_and_secure_cookies(void **state)
{
	const char		*env[] = {
		REQUIRED_ENV, "ENCORE_ENV", "production", NULL
	};
	struct encore_config	 cfg;

	(void)state;
	assert_int_equal(load(env, &cfg), 0);
	assert_int_equal(cfg.env, ENCORE_ENV_PRODUCTION);
	assert_int_equal(cfg.dev_login, 0);
	assert_int_equal(cfg.cookie_secure, 1);
}

static void
production_refuses_local_default_secret(void **state)
{
	const char		*env[] = {
		"ENCORE_ENV", "production",
		"ENCORE_DATABASE_URL", "dbname=encore",
		"ENCORE_JWT_SECRET", "local-dev-secret-0123456789abcdef",
		"ENCORE_TOSS_SECRET_KEY", "live_sk_abc", NULL
	};
	struct encore_config	 cfg;

	(void)state;
	assert_int_equal(load(env, &cfg), -1);
	assert_string_equal(err, "ENCORE_JWT_SECRET: is a development default; "
	    "set a random secret");
}

static void
production_refuses_change_me_secret(void **state)
{
	const char		*env[] = {
		"ENCORE_ENV", "production",
		"ENCORE_DATABASE_URL", "dbname=encore",
		"ENCORE_JWT_SECRET", "please-change-me-0123456789abcdef",
		"ENCORE_TOSS_SECRET_KEY", "live_sk_abc", NULL
	};
	struct encore_config	 cfg;

	(void)state;
	assert_int_equal(load(env, &cfg), -1);
	assert_string_equal(err, "ENCORE_JWT_SECRET: is a development default; "
	    "set a random secret");
}

static void
production_accepts_random_secret(void **state)
{
	const char		*env[] = {
		"ENCORE_ENV", "production",
		"ENCORE_DATABASE_URL", "dbname=encore",
		"ENCORE_JWT_SECRET", "Zq3xV8tLw1Rk6NpY0sDf4Hj7Bm2Gc9Ua5Ee",
		"ENCORE_TOSS_SECRET_KEY", "live_sk_abc", NULL
	};
	struct encore_config	 cfg;

	(void)state;
	assert_int_equal(load(env, &cfg), 0);
	assert_string_equal(err, "");
}

static void
development_accepts_local_default_secret(void **state)
{
	const char		*env[] = {
		"ENCORE_DATABASE_URL", "dbname=encore",
		"ENCORE_JWT_SECRET", "local-dev-secret-0123456789abcdef",
		"ENCORE_TOSS_SECRET_KEY", "test_sk_abc", NULL
	};
	struct encore_config	 cfg;

	(void)state;
	assert_int_equal(load(env, &cfg), 0);
}

static void
admin_emails_skip_spaces_and_empty_items(void **state)
{
	struct encore_config	cfg;

	(void)state;
	assert_int_equal(load_with("ENCORE_ADMIN_EMAILS",
	    "  ops@example.com , ,Boss@Example.COM,,  ", &cfg), 0);
	assert_int_equal(cfg.admin_count, 2);
	assert_string_equal(cfg.admin_emails[0], "ops@example.com");
	assert_string_equal(cfg.admin_emails[1], "Boss@Example.COM");
}

static void
admin_lookup_ignores_case(void **state)
{
	struct encore_config	cfg;

	(void)state;
	assert_int_equal(load_with("ENCORE_ADMIN_EMAILS",
	    "ops@example.com,Boss@Example.COM", &cfg), 0);
	assert_true(config_is_admin(&cfg, "ops@example.com"));
	assert_true(config_is_admin(&cfg, "OPS@EXAMPLE.COM"));
	assert_true(config_is_admin(&cfg, "boss@example.com"));
	assert_false(config_is_admin(&cfg, "fan@example.com"));
	assert_false(config_is_admin(&cfg, "ops@example.com.evil"));
	assert_false(config_is_admin(&cfg, ""));
}

static void
no_admin_emails_means_nobody_is_admin(void **state)
{
	const char		*env[] = { REQUIRED_ENV, NULL };
	struct encore_config	 cfg;

	(void)state;
	assert_int_equal(load(env, &cfg), 0);
	assert_false(config_is_admin(&cfg, "ops@example.com"));
}

static void
admin_item_without_at_sign_rejected(void **state)
{
	(void)state;
	expect_error("ENCORE_ADMIN_EMAILS", "ops@example.com,bob",
	    "ENCORE_ADMIN_EMAILS: must be a comma-separated list of emails");
	expect_error("ENCORE_ADMIN_EMAILS", "ops",
	    "ENCORE_ADMIN_EMAILS: must be a comma-separated list of emails");
}

static void
too_many_admin_emails_rejected(void **state)
{
	char	list[CONFIG_ADMINS_MAX * 24 + 64];
	size_t	off;
	int	i;

	(void)state;
	off = 0;
	for (i = 0; i <= CONFIG_ADMINS_MAX; i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off,
		    "a%d@example.com,", i);
	expect_error("ENCORE_ADMIN_EMAILS", list,
	    "ENCORE_ADMIN_EMAILS: must be a comma-separated list of emails");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(required_variables_alone_load_with_defaults),
		cmocka_unit_test(full_environment_overrides_every_default),
		cmocka_unit_test(empty_value_counts_as_unset),
		cmocka_unit_test(env_names_are_recognised),
		cmocka_unit_test(unknown_env_rejected),
		cmocka_unit_test(pool_size_out_of_range_rejected),
		cmocka_unit_test(pool_size_range_ends_accepted),
		cmocka_unit_test(pool_size_not_a_number_rejected),
		cmocka_unit_test(pool_size_with_trailing_junk_rejected),
		cmocka_unit_test(port_out_of_range_rejected),
		cmocka_unit_test(dev_login_accepts_on_off_spellings),
		cmocka_unit_test(dev_login_not_on_or_off_rejected),
		cmocka_unit_test(rate_member_malformed_rejected),
		cmocka_unit_test(rate_not_a_number_rejected),
		cmocka_unit_test(urls_must_be_http_or_https),
		cmocka_unit_test(url_without_host_rejected),
		cmocka_unit_test(url_trailing_slash_removed),
		cmocka_unit_test(missing_database_url_rejected),
		cmocka_unit_test(empty_database_url_rejected),
		cmocka_unit_test(missing_jwt_secret_rejected),
		cmocka_unit_test(missing_toss_secret_key_rejected),
		cmocka_unit_test(jwt_secret_shorter_than_32_bytes_rejected),
		cmocka_unit_test(value_too_long_rejected),
		cmocka_unit_test(first_error_is_the_one_reported),
		cmocka_unit_test(error_text_cut_to_small_buffer),
		cmocka_unit_test(production_refuses_dev_login_on),
		cmocka_unit_test(
		    production_defaults_to_no_dev_login_and_secure_cookies),
		cmocka_unit_test(production_refuses_local_default_secret),
		cmocka_unit_test(production_refuses_change_me_secret),
		cmocka_unit_test(production_accepts_random_secret),
		cmocka_unit_test(development_accepts_local_default_secret),
		cmocka_unit_test(admin_emails_skip_spaces_and_empty_items),
		cmocka_unit_test(admin_lookup_ignores_case),
		cmocka_unit_test(no_admin_emails_means_nobody_is_admin),
		cmocka_unit_test(admin_item_without_at_sign_rejected),
		cmocka_unit_test(too_many_admin_emails_rejected),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
