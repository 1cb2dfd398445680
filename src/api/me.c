/*
 * me.c: GET /api/v1/me, GET /api/v1/me/receipts and GET /api/v1/config:
 * what the signed-in member and the UI ask about themselves.
 */
#include <sys/types.h>

#include <string.h>

#include <json-c/json.h>
#include <kore/kore.h>
#include <kore/http.h>

#include "adapters/pg.h"
#include "api.h"
#include "encore.h"
#include "http/reply.h"
#include "http/session.h"

/* A GET that asks one SQL function about the caller. */
static int
auth_member_call(struct http_request *req, const char *query)
{
	struct session	 s;
	const char	*vals[1];

	if (http_state_exists(req))
		return (pg_resume(req));
	if (req->method != HTTP_METHOD_GET)
		return (reply_method_not_allowed(req, "GET"));
	if (session_require(req, &s) != KORE_RESULT_OK)
		return (KORE_RESULT_OK);
	vals[0] = s.member_id_str;
	return (pg_start(req, 200, query, 1, vals));
}

int
auth_me(struct http_request *req)
{
	return (auth_member_call(req, "SELECT encore.member_get($1::bigint)"));
}

int
auth_receipts(struct http_request *req)
{
	return (auth_member_call(req,
	    "SELECT encore.member_receipts($1::bigint)"));
}

/* What the UI needs to know about this deployment. */
int
auth_config(struct http_request *req)
{
	json_object	*root;
	const char	*body;
	int		 ret;

	if (req->method != HTTP_METHOD_GET)
		return (reply_method_not_allowed(req, "GET"));
	root = json_object_new_object();
	json_object_object_add(root, "dev_login",
	    json_object_new_boolean(encore_cfg->dev_login));
	json_object_object_add(root, "google_login",
	    json_object_new_boolean(encore_cfg->google_client_id[0] != '\0'));
	json_object_object_add(root, "toss_client_key",
	    encore_cfg->toss_client_key[0] != '\0' ?
	    json_object_new_string(encore_cfg->toss_client_key) : NULL);
	json_object_object_add(root, "checkout_url",
	    json_object_new_string(encore_cfg->toss_checkout_url));
	body = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	ret = reply_json(req, 200, body, strlen(body));
	json_object_put(root);
	return (ret);
}
