/*
 * auth.c: dev login, Google login, refresh and logout.
 *
 * Logging in ends the same way whichever way it started (open_session):
 * upsert the member by (provider, subject), store a fresh refresh token's
 * hash, then hand out an access JWT and set the cookies. Refresh tokens are
 * random, stored only hashed, rotated on every use; reusing a rotated one
 * revokes its whole family (decided in SQL: encore.refresh_token_rotate).
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <kore/kore.h>
#include <kore/http.h>

#include "adapters/google.h"
#include "adapters/pg.h"
#include "api.h"
#include "core/jsonreq.h"
#include "core/token.h"
#include "encore.h"
#include "http/ratelimit.h"
#include "http/reply.h"
#include "http/session.h"

enum login_step {
	STEP_OAUTH_STATE,	/* google: the state row is consumed */
	STEP_PROVIDER,		/* google: code exchange + userinfo (task) */
	STEP_UPSERT,		/* the member row */
	STEP_REFRESH,		/* the refresh token row */
};

struct login_state {
	struct req_common	 common;
	struct pg_call		 call;
	struct google_call	 google;
	enum login_step		 step;
	int			 redirect;	/* 302 to the UI when done */
	char			 refresh[65];
	char			*member_json;	/* {"member":{...}} */
};

static const char	*admin_array(char *, size_t);
static int		 login_upsert(struct http_request *, struct login_state *,
			    const char *, const char *, const char *,
			    const char *);
static int		 login_continue(struct http_request *,
			    struct login_state *);
static int		 login_respond(struct http_request *,
			    struct login_state *);

static void
login_state_free(struct http_request *req)
{
	struct login_state	*st = http_state_get(req);

	pg_call_reset(&st->call);
	google_cleanup(&st->google);
	free(st->member_json);
}

/* The admin emails as a Postgres text[] literal. */
static const char *
admin_array(char *buf, size_t len)
{
	size_t		off;
	int		i;
	const char	*p;

	off = 0;
	buf[off++] = '{';
	for (i = 0; i < encore_cfg->admin_count && off + 4 < len; i++) {
		if (i > 0)
			buf[off++] = ',';
		buf[off++] = '"';
		for (p = encore_cfg->admin_emails[i]; *p != '\0' &&
		    off + 4 < len; p++) {
			if (*p == '"' || *p == '\\')
				buf[off++] = '\\';
			buf[off++] = *p;
		}
		buf[off++] = '"';
	}
	buf[off++] = '}';
	buf[off] = '\0';
	return (buf);
}

static int
login_upsert(struct http_request *req, struct login_state *st,
    const char *provider, const char *subject, const char *email,
    const char *name)
{
	char		 admins[CONFIG_ADMINS_MAX * 260];
	const char	*vals[5];

	vals[0] = provider;
	vals[1] = subject;
	vals[2] = email;
	vals[3] = name;
	vals[4] = admin_array(admins, sizeof(admins));
	st->step = STEP_UPSERT;
	if (pg_call_query(req, &st->call,
	    "SELECT encore.member_upsert($1, $2, $3, $4, $5::text[])", 5,
	    vals) == PG_WAIT)
		return (KORE_RESULT_RETRY);
	return (login_continue(req, st));
}

/* Member id and role out of {"member":{"id":..,"role":..}}. */
static int
member_fields(const char *json, int64_t *id, char *role, size_t rlen)
{
	json_object	*root, *m, *v;
	int		 ok;

	ok = 0;
	if ((root = json_tokener_parse(json)) == NULL)
		return (0);
	if (json_object_object_get_ex(root, "member", &m) &&
	    json_object_object_get_ex(m, "id", &v) &&
	    json_object_is_type(v, json_type_int)) {
		*id = json_object_get_int64(v);
		if (json_object_object_get_ex(m, "role", &v) &&
		    json_object_is_type(v, json_type_string)) {
			snprintf(role, rlen, "%s", json_object_get_string(v));
			ok = 1;
		}
	}
	json_object_put(root);
	return (ok);
}

static int
login_issue_refresh(struct http_request *req, struct login_state *st)
{
	char		 hash[65], bytea[80], ttl[32], idstr[24], role[16];
	const char	*vals[3];
	int64_t		 id;

	if (!member_fields(st->member_json, &id, role, sizeof(role)))
		return (reply_error(req, 500, "INTERNAL_ERROR",
		    "The member could not be read."));
	if (token_random_hex(st->refresh, sizeof(st->refresh)) == -1)
		return (reply_unavailable(req));
	token_sha256_hex(st->refresh, hash);
	snprintf(bytea, sizeof(bytea), "\\x%s", hash);
	snprintf(ttl, sizeof(ttl), "%d seconds", encore_cfg->refresh_ttl);
	snprintf(idstr, sizeof(idstr), "%lld", (long long)id);
	vals[0] = idstr;
	vals[1] = bytea;
	vals[2] = ttl;
	st->step = STEP_REFRESH;
	if (pg_call_query(req, &st->call,
	    "SELECT encore.refresh_token_issue($1, $2::bytea, $3::interval)",
	    3, vals) == PG_WAIT)
		return (KORE_RESULT_RETRY);
	return (login_continue(req, st));
}

/*
 * Sets the cookies and answers: JSON with the access token for the API,
 * or a redirect to the UI at the end of the Google flow.
 */
static int
login_respond(struct http_request *req, struct login_state *st)
{
	json_object	*root, *member;
	char		*access, csrf[33], role[16];
	const char	*body;
	int64_t		 id;
	int		 ret;

	if (!member_fields(st->member_json, &id, role, sizeof(role)) ||
	    (access = session_issue_access(id, role)) == NULL ||
	    token_random_hex(csrf, sizeof(csrf)) == -1)
		return (reply_unavailable(req));

	session_set_cookie(req, COOKIE_ACCESS, access, "/",
	    encore_cfg->access_ttl, 1);
	session_set_cookie(req, COOKIE_REFRESH, st->refresh,
	    REFRESH_COOKIE_PATH, encore_cfg->refresh_ttl, 1);
	session_set_cookie(req, COOKIE_CSRF, csrf, "/",
	    encore_cfg->refresh_ttl, 0);

	if (st->redirect) {
		free(access);
		session_set_cookie(req, COOKIE_OAUTH, "", "/auth/google", 0, 1);
		http_response_header(req, "location", "/");
		return (reply_status(req, 302));
	}

	root = json_object_new_object();
	json_object_object_add(root, "access_token",
	    json_object_new_string(access));
	json_object_object_add(root, "token_type",
	    json_object_new_string("Bearer"));
	json_object_object_add(root, "expires_in",
	    json_object_new_int(encore_cfg->access_ttl));
	json_object_object_add(root, "csrf_token",
	    json_object_new_string(csrf));
	if ((member = json_tokener_parse(st->member_json)) != NULL) {
		json_object_object_add(root, "member",
		    json_object_get(json_object_object_get(member, "member")));
		json_object_put(member);
	}
	body = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	ret = reply_json(req, 200, body, strlen(body));
	json_object_put(root);
	free(access);
	return (ret);
}

/* Drive the login steps until the request must wait or has an answer. */
static int
login_continue(struct http_request *req, struct login_state *st)
{
	for (;;) {
		if (st->step == STEP_PROVIDER) {
			if (google_poll(req, &st->google) == GOOGLE_WAIT)
				return (KORE_RESULT_RETRY);
			if (st->google.failed)
				return (reply_error(req, st->google.status,
				    st->google.code, st->google.message));
			return (login_upsert(req, st, "google",
			    st->google.subject, st->google.email,
			    st->google.name));
		}

		if (pg_call_poll(req, &st->call) == PG_WAIT)
			return (KORE_RESULT_RETRY);
		if (st->call.failed)
			return (reply_api_error(req, &st->call.err));

		switch (st->step) {
		case STEP_OAUTH_STATE:
			/* {"verifier": "..."}: now exchange the code. */
			if (google_start(req, &st->google, st->call.result) ==
			    GOOGLE_WAIT) {
				st->step = STEP_PROVIDER;
				return (KORE_RESULT_RETRY);
			}
			return (reply_error(req, st->google.status,
			    st->google.code, st->google.message));
		case STEP_UPSERT:
			st->member_json = strdup(st->call.result);
			if (st->member_json == NULL)
				return (reply_unavailable(req));
			return (login_issue_refresh(req, st));
		case STEP_REFRESH:
			return (login_respond(req, st));
		default:
			return (reply_unavailable(req));
		}
	}
}

static int
valid_email(const char *s)
{
	const char	*at, *p;

	if ((at = strchr(s, '@')) == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL || strchr(at + 1, '.') == NULL)
		return (0);
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '\\' ||
		    *p == '<' || *p == '>' || *p == 0x7f)
			return (0);
	}
	return (1);
}

int
auth_dev_login(struct http_request *req)
{
	struct login_state	*st;
	struct jsonreq		 jr;
	const char		*email, *name;
	char			 namebuf[101];
	int			 ret;

	if (http_state_exists(req))
		return (login_continue(req, http_state_get(req)));
	if (!encore_cfg->dev_login)
		return (api_not_found(req));
	if (req->method != HTTP_METHOD_POST)
		return (reply_method_not_allowed(req, "POST"));
	if (req_parse_json(req, &jr) != KORE_RESULT_OK)
		return (KORE_RESULT_OK);

	name = NULL;
	if (jsonreq_str(&jr, "email", 1, 3, 254, &email) == -1 ||
	    jsonreq_str(&jr, "name", 0, 1, 100, &name) == -1)
		return (reply_jsonreq(req, &jr));
	if (!valid_email(email)) {
		jsonreq_fail(&jr, "email", "must be an email address");
		return (reply_jsonreq(req, &jr));
	}
	if (name == NULL) {
		snprintf(namebuf, sizeof(namebuf), "%.*s",
		    (int)(strchr(email, '@') - email), email);
		name = namebuf;
	}

	st = req_state_new(req, sizeof(*st), login_state_free);
	ret = login_upsert(req, st, "dev", email, email, name);
	jsonreq_free(&jr);
	return (ret);
}

/* GET /auth/google/login: state + PKCE, then off to the provider. */
struct google_login_state {
	struct req_common	common;
	struct pg_call		call;
	char			location[GOOGLE_URL_MAX];
};

static void
google_login_free(struct http_request *req)
{
	struct google_login_state	*st = http_state_get(req);

	pg_call_reset(&st->call);
}

int
auth_google_login(struct http_request *req)
{
	struct google_login_state	*st;
	char				 state[33], verifier[65];
	const char			*vals[3];

	if (!http_state_exists(req)) {
		if (req->method != HTTP_METHOD_GET)
			return (reply_method_not_allowed(req, "GET"));
		if (ratelimit_ip(req, "google-login") != KORE_RESULT_OK)
			return (KORE_RESULT_OK);
		if (token_random_hex(state, sizeof(state)) == -1 ||
		    token_random_hex(verifier, sizeof(verifier)) == -1)
			return (reply_unavailable(req));
		st = req_state_new(req, sizeof(*st), google_login_free);
		if (google_authorize_url(state, verifier, st->location,
		    sizeof(st->location)) == -1)
			return (reply_unavailable(req));
		session_set_cookie(req, COOKIE_OAUTH, state, "/auth/google",
		    600, 1);
		vals[0] = state;
		vals[1] = verifier;
		vals[2] = "600 seconds";
		if (pg_call_query(req, &st->call, "SELECT "
		    "encore.oauth_state_create($1, $2, $3::interval)", 3,
		    vals) == PG_WAIT)
			return (KORE_RESULT_RETRY);
	} else {
		st = http_state_get(req);
		if (pg_call_poll(req, &st->call) == PG_WAIT)
			return (KORE_RESULT_RETRY);
	}
	if (st->call.failed)
		return (reply_api_error(req, &st->call.err));
	http_response_header(req, "location", st->location);
	return (reply_status(req, 302));
}

/* GET /auth/google/callback?code&state */
int
auth_google_callback(struct http_request *req)
{
	struct login_state	*st;
	char			*code, *state, *err;
	const char		*cookie, *vals[1];

	if (http_state_exists(req))
		return (login_continue(req, http_state_get(req)));
	if (req->method != HTTP_METHOD_GET)
		return (reply_method_not_allowed(req, "GET"));
	if (ratelimit_ip(req, "google-callback") != KORE_RESULT_OK)
		return (KORE_RESULT_OK);

	http_populate_qs(req);
	if (http_argument_get_string(req, "error", &err))
		return (reply_error(req, 401, "UNAUTHENTICATED",
		    "Google sign-in was cancelled or refused."));
	if (!http_argument_get_string(req, "code", &code))
		return (reply_invalid(req, "code", "is required"));
	if (!http_argument_get_string(req, "state", &state))
		return (reply_invalid(req, "state", "is required"));

	/* The state must be the one this browser was sent away with. */
	cookie = session_cookie(req, COOKIE_OAUTH);
	if (cookie == NULL || strcmp(cookie, state))
		return (reply_error(req, 401, "UNAUTHENTICATED",
		    "The sign-in state does not match this browser."));

	st = req_state_new(req, sizeof(*st), login_state_free);
	st->redirect = 1;
	if (strlen(code) >= sizeof(st->google.code_param))
		return (reply_invalid(req, "code", "is too long"));
	snprintf(st->google.code_param, sizeof(st->google.code_param), "%s",
	    code);
	st->step = STEP_OAUTH_STATE;
	vals[0] = state;
	if (pg_call_query(req, &st->call,
	    "SELECT encore.oauth_state_consume($1)", 1, vals) == PG_WAIT)
		return (KORE_RESULT_RETRY);
	return (login_continue(req, st));
}

/* Refresh: cookie only, CSRF header required. */
int
auth_refresh(struct http_request *req)
{
	struct login_state	*st;
	const char		*old, *vals[3];
	char			 oldhash[65], newhash[65], b1[80], b2[80];
	char			 ttl[32], code[64];

	if (http_state_exists(req)) {
		st = http_state_get(req);
		if (pg_call_poll(req, &st->call) == PG_WAIT)
			return (KORE_RESULT_RETRY);
		if (st->call.failed) {
			session_clear(req);
			return (reply_api_error(req, &st->call.err));
		}
		/* Reuse is answered, not raised, so the revocation commits. */
		if (jsonreq_top_str(st->call.result, "error", code,
		    sizeof(code))) {
			session_clear(req);
			return (reply_error(req, 401, "REFRESH_TOKEN_REUSED",
			    "This session was ended; please sign in again."));
		}
		st->member_json = strdup(st->call.result);
		if (st->member_json == NULL)
			return (reply_unavailable(req));
		return (login_respond(req, st));
	}
	if (req->method != HTTP_METHOD_POST)
		return (reply_method_not_allowed(req, "POST"));
	if (ratelimit_ip(req, "refresh") != KORE_RESULT_OK)
		return (KORE_RESULT_OK);
	if ((old = session_cookie(req, COOKIE_REFRESH)) == NULL ||
	    strlen(old) != 64)
		return (reply_error(req, 401, "UNAUTHENTICATED",
		    "There is no session to refresh."));
	if (!session_csrf_ok(req))
		return (reply_error(req, 403, "CSRF_FAILED",
		    "The request is missing its CSRF token."));

	st = req_state_new(req, sizeof(*st), login_state_free);
	if (token_random_hex(st->refresh, sizeof(st->refresh)) == -1)
		return (reply_unavailable(req));
	token_sha256_hex(old, oldhash);
	token_sha256_hex(st->refresh, newhash);
	snprintf(b1, sizeof(b1), "\\x%s", oldhash);
	snprintf(b2, sizeof(b2), "\\x%s", newhash);
	snprintf(ttl, sizeof(ttl), "%d seconds", encore_cfg->refresh_ttl);
	vals[0] = b1;
	vals[1] = b2;
	vals[2] = ttl;
	if (pg_call_query(req, &st->call, "SELECT encore.refresh_token_rotate("
	    "$1::bytea, $2::bytea, $3::interval)", 3, vals) == PG_WAIT)
		return (KORE_RESULT_RETRY);
	return (auth_refresh(req));
}

int
auth_logout(struct http_request *req)
{
	struct pg_state	*st;
	const char	*old, *vals[1];
	char		 hash[65], b[80];

	if (http_state_exists(req)) {
		st = http_state_get(req);
		if (pg_call_poll(req, &st->call) == PG_WAIT)
			return (KORE_RESULT_RETRY);
		if (st->call.failed)
			return (reply_api_error(req, &st->call.err));
		session_clear(req);
		return (reply_status(req, 204));
	}
	if (req->method != HTTP_METHOD_POST)
		return (reply_method_not_allowed(req, "POST"));
	if ((old = session_cookie(req, COOKIE_REFRESH)) == NULL) {
		session_clear(req);
		return (reply_status(req, 204));
	}
	if (!session_csrf_ok(req))
		return (reply_error(req, 403, "CSRF_FAILED",
		    "The request is missing its CSRF token."));
	token_sha256_hex(old, hash);
	snprintf(b, sizeof(b), "\\x%s", hash);
	vals[0] = b;
	st = req_state_new(req, sizeof(*st), pg_state_free);
	if (pg_call_query(req, &st->call,
	    "SELECT encore.refresh_token_revoke($1::bytea)", 1, vals) == PG_WAIT)
		return (KORE_RESULT_RETRY);
	return (auth_logout(req));
}
