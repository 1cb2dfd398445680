/*
 * config.h: encore's whole configuration, read once from the environment.
 *
 * Every tunable lives in struct encore_config; .env.example documents each
 * variable. config_load() is pure (the environment is passed in as a lookup
 * function) so it is unit-tested without a server.
 */
#ifndef ENCORE_CONFIG_H
#define ENCORE_CONFIG_H

#include <stddef.h>

#define CONFIG_ADMINS_MAX	32
#define CONFIG_STR_MAX		512

enum encore_env {
	ENCORE_ENV_DEVELOPMENT,
	ENCORE_ENV_TEST,
	ENCORE_ENV_PRODUCTION
};

struct rate_limit {
	double		capacity;	/* burst size, in requests */
	double		refill;		/* requests added per second */
};

struct encore_config {
	enum encore_env		env;
	char			public_url[CONFIG_STR_MAX];
	char			assets_dir[CONFIG_STR_MAX];

	char			database_url[CONFIG_STR_MAX];
	int			db_pool_size;
	int			db_queue_limit;
	int			db_timeout_ms;

	char			redis_host[256];
	int			redis_port;
	int			redis_timeout_ms;

	char			amqp_host[256];
	int			amqp_port;

	char			jwt_secret[CONFIG_STR_MAX];
	char			jwt_issuer[128];
	char			jwt_audience[128];
	int			access_ttl;
	int			refresh_ttl;
	int			dev_login;
	int			cookie_secure;
	char			admin_emails[CONFIG_ADMINS_MAX][256];
	int			admin_count;

	char			toss_api_base[CONFIG_STR_MAX];
	char			toss_secret_key[256];
	char			toss_client_key[256];
	char			toss_checkout_url[CONFIG_STR_MAX];
	int			toss_timeout_ms;

	char			google_auth_url[CONFIG_STR_MAX];
	char			google_token_url[CONFIG_STR_MAX];
	char			google_userinfo_url[CONFIG_STR_MAX];
	char			google_client_id[256];
	char			google_client_secret[256];

	int			expiry_interval_ms;
	int			reconcile_interval_ms;
	int			reconcile_after_s;
	struct rate_limit	rate_member;
	struct rate_limit	rate_ip;
};

typedef const char	*(*config_getenv)(const char *);

int		config_load(struct encore_config *, config_getenv, char *, size_t);
const char	*config_env_name(enum encore_env);
int		config_is_admin(const struct encore_config *, const char *);

#endif
