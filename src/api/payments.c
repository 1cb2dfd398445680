/*
 * payments.c: POST /api/v1/payments/confirm and POST /api/v1/webhooks/toss.
 *
 * Both only parse, authenticate and hand over to payflow.c. The webhook is
 * unauthenticated by nature (Toss does not sign payment webhooks), so its
 * body is used for nothing but the paymentKey to look up with our secret.
 */
#include <sys/types.h>

#include <string.h>

#include <json-c/json.h>
#include <kore/kore.h>
#include <kore/http.h>

#include "adapters/toss.h"
#include "api.h"
#include "core/jsonreq.h"
#include "encore.h"
#include "http/payflow.h"
#include "http/ratelimit.h"
#include "http/reply.h"
#include "http/session.h"

int
payments_confirm(struct http_request *req)
{
	struct session	 s;
	struct jsonreq	 jr;
	const char	*key, *order;
	int64_t		 amount;
	int		 ret;

	if (http_state_exists(req))
		return (payflow_resume(req));
	if (req->method != HTTP_METHOD_POST)
		return (reply_method_not_allowed(req, "POST"));
	if (ratelimit_member_json(req, &s, &jr, "confirm") != KORE_RESULT_OK)
		return (KORE_RESULT_OK);
	if (jsonreq_str(&jr, "paymentKey", 1, 1, TOSS_KEY_MAX, &key) == -1 ||
	    jsonreq_str(&jr, "orderId", 1, 6, 64, &order) == -1 ||
	    jsonreq_int(&jr, "amount", 1, 1, 1000000000LL, &amount) == -1)
		return (reply_jsonreq(req, &jr));
	if (!toss_valid_key(key)) {
		jsonreq_fail(&jr, "paymentKey", "has characters Toss never uses");
		return (reply_jsonreq(req, &jr));
	}
	if (!toss_valid_order_id(order)) {
		jsonreq_fail(&jr, "orderId", "must be 6-64 of [A-Za-z0-9_-]");
		return (reply_jsonreq(req, &jr));
	}
	ret = payflow_confirm(req, &s, key, order, amount);
	jsonreq_free(&jr);
	return (ret);
}

int
webhooks_toss(struct http_request *req)
{
	struct jsonreq	 jr;
	json_object	*data, *v;
	const char	*type, *key;
	int		 ret;

	if (http_state_exists(req))
		return (payflow_resume(req));
	if (req->method != HTTP_METHOD_POST)
		return (reply_method_not_allowed(req, "POST"));
	if (req_parse_json(req, &jr) != KORE_RESULT_OK)
		return (KORE_RESULT_OK);
	if (jsonreq_str(&jr, "eventType", 1, 1, 64, &type) == -1)
		return (reply_jsonreq(req, &jr));
	if (strcmp(type, "PAYMENT_STATUS_CHANGED")) {
		jsonreq_free(&jr);
		return (reply_json(req, 200, "{\"status\":\"ignored\"}", 20));
	}
	if (!json_object_object_get_ex(jr.root, "data", &data) ||
	    !json_object_is_type(data, json_type_object) ||
	    !json_object_object_get_ex(data, "paymentKey", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    !toss_valid_key((key = json_object_get_string(v)))) {
		jsonreq_fail(&jr, "data.paymentKey", "is required");
		return (reply_jsonreq(req, &jr));
	}
	ret = payflow_webhook(req, key);
	jsonreq_free(&jr);
	return (ret);
}
