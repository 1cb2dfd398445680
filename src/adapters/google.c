/*
 * google.c: the code exchange and the userinfo call.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <kore/kore.h>
#include <kore/http.h>

#include "core/token.h"
#include "core/urlenc.h"
#include "encore.h"
#include "google.h"

enum {
	GSTEP_TOKEN = 1,
	GSTEP_USERINFO
};

static void
google_fail(struct google_call *g, int status, const char *code,
    const char *message)
{
	g->failed = 1;
	g->status = status;
	snprintf(g->code, sizeof(g->code), "%s", code);
	snprintf(g->message, sizeof(g->message), "%s", message);
}

static void
redirect_uri(char *buf, size_t len)
{
	snprintf(buf, len, "%s/auth/google/callback", encore_cfg->public_url);
}

int
google_authorize_url(const char *state, const char *verifier, char *out,
    size_t len)
{
	char	challenge[64], redirect[CONFIG_STR_MAX + 32];
	size_t	off;

	token_pkce_challenge(verifier, challenge, sizeof(challenge));
	redirect_uri(redirect, sizeof(redirect));
	off = (size_t)snprintf(out, len, "%s?", encore_cfg->google_auth_url);
	if (off >= len)
		return (-1);
	if (urlenc_param(out, len, &off, "client_id",
	    encore_cfg->google_client_id) == -1 ||
	    urlenc_param(out, len, &off, "redirect_uri", redirect) == -1 ||
	    urlenc_param(out, len, &off, "response_type", "code") == -1 ||
	    urlenc_param(out, len, &off, "scope", "openid email profile") == -1 ||
	    urlenc_param(out, len, &off, "state", state) == -1 ||
	    urlenc_param(out, len, &off, "code_challenge", challenge) == -1 ||
	    urlenc_param(out, len, &off, "code_challenge_method", "S256") == -1)
		return (-1);
	return (0);
}

/* verifier_json: {"verifier":"..."} from encore.oauth_state_consume. */
int
google_start(struct http_request *req, struct google_call *g,
    const char *verifier_json)
{
	json_object	*root, *v;
	char		 redirect[CONFIG_STR_MAX + 32];
	size_t		 off;
	int		 ok;

	ok = 0;
	root = json_tokener_parse(verifier_json);
	off = 0;
	httpc_init(&g->http.in, "POST", encore_cfg->google_token_url,
	    encore_cfg->toss_timeout_ms);
	snprintf(g->http.in.content_type, sizeof(g->http.in.content_type),
	    "application/x-www-form-urlencoded");
	redirect_uri(redirect, sizeof(redirect));
	if (root != NULL && json_object_object_get_ex(root, "verifier", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    urlenc_param(g->http.in.body, sizeof(g->http.in.body), &off,
	    "grant_type", "authorization_code") == 0 &&
	    urlenc_param(g->http.in.body, sizeof(g->http.in.body), &off,
	    "code", g->code_param) == 0 &&
	    urlenc_param(g->http.in.body, sizeof(g->http.in.body), &off,
	    "client_id", encore_cfg->google_client_id) == 0 &&
	    urlenc_param(g->http.in.body, sizeof(g->http.in.body), &off,
	    "client_secret", encore_cfg->google_client_secret) == 0 &&
	    urlenc_param(g->http.in.body, sizeof(g->http.in.body), &off,
	    "redirect_uri", redirect) == 0 &&
	    urlenc_param(g->http.in.body, sizeof(g->http.in.body), &off,
	    "code_verifier", json_object_get_string(v)) == 0)
		ok = 1;
	if (root != NULL)
		json_object_put(root);
	if (!ok) {
		google_fail(g, 401, "UNAUTHENTICATED",
		    "The sign-in could not be completed.");
		return (GOOGLE_DONE);
	}
	g->http.in.body_len = off;
	g->step = GSTEP_TOKEN;
	httpc_start(req, &g->http);
	return (GOOGLE_WAIT);
}

static const char *
json_str(json_object *o, const char *key)
{
	json_object	*v;

	if (o != NULL && json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string))
		return (json_object_get_string(v));
	return (NULL);
}

int
google_poll(struct http_request *req, struct google_call *g)
{
	json_object	*root;
	const char	*s, *email, *name;

	if (httpc_poll(req, &g->http) == HTTPC_WAIT)
		return (GOOGLE_WAIT);

	if (g->http.out.status == 0) {
		google_fail(g, 503, "SERVICE_UNAVAILABLE",
		    "Google sign-in is not reachable right now.");
		return (GOOGLE_DONE);
	}
	root = json_tokener_parse(g->http.out.body);

	if (g->step == GSTEP_TOKEN) {
		s = json_str(root, "access_token");
		if (g->http.out.status != 200 || s == NULL ||
		    strlen(s) >= sizeof(g->access_token)) {
			/* invalid_grant: a replayed, expired or foreign code. */
			google_fail(g, 401, "UNAUTHENTICATED",
			    "Google did not accept this sign-in code.");
			if (root != NULL)
				json_object_put(root);
			return (GOOGLE_DONE);
		}
		snprintf(g->access_token, sizeof(g->access_token), "%s", s);
		json_object_put(root);
		httpc_init(&g->http.in, "GET", encore_cfg->google_userinfo_url,
		    encore_cfg->toss_timeout_ms);
		snprintf(g->http.in.authorization,
		    sizeof(g->http.in.authorization), "Bearer %s",
		    g->access_token);
		g->step = GSTEP_USERINFO;
		httpc_start(req, &g->http);
		return (GOOGLE_WAIT);
	}

	s = json_str(root, "sub");
	email = json_str(root, "email");
	name = json_str(root, "name");
	if (g->http.out.status != 200 || s == NULL || email == NULL ||
	    strlen(s) >= sizeof(g->subject) ||
	    strlen(email) >= sizeof(g->email)) {
		google_fail(g, 401, "UNAUTHENTICATED",
		    "Google did not tell us who you are.");
	} else {
		snprintf(g->subject, sizeof(g->subject), "%s", s);
		snprintf(g->email, sizeof(g->email), "%s", email);
		snprintf(g->name, sizeof(g->name), "%s",
		    name != NULL ? name : email);
	}
	if (root != NULL)
		json_object_put(root);
	return (GOOGLE_DONE);
}

void
google_cleanup(struct google_call *g)
{
	httpc_cleanup(&g->http);
}
