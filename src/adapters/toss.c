/*
 * toss.c: requests to and answers from Toss Payments.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "core/urlenc.h"
#include "encore.h"
#include "toss.h"

void
toss_basic_auth(const char *secret, char *out, size_t len)
{
	unsigned char	raw[300], b64[404];
	int		n;

	n = snprintf((char *)raw, sizeof(raw), "%s:", secret);
	if (n < 0 || (size_t)n >= sizeof(raw)) {
		out[0] = '\0';
		return;
	}
	EVP_EncodeBlock(b64, raw, n);
	snprintf(out, len, "Basic %s", b64);
}

static void
toss_request(struct httpc_request *in, const char *method, const char *path)
{
	char	url[HTTPC_URL_MAX];

	snprintf(url, sizeof(url), "%s%s", encore_cfg->toss_api_base, path);
	httpc_init(in, method, url, encore_cfg->toss_timeout_ms);
	toss_basic_auth(encore_cfg->toss_secret_key, in->authorization,
	    sizeof(in->authorization));
}

static void
toss_json_body(struct httpc_request *in, json_object *o)
{
	const char	*s;

	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	snprintf(in->body, sizeof(in->body), "%s", s);
	in->body_len = strlen(in->body);
	snprintf(in->content_type, sizeof(in->content_type),
	    "application/json");
	json_object_put(o);
}

void
toss_confirm_request(struct httpc_request *in, const char *payment_key,
    const char *order_id, int64_t amount)
{
	json_object	*o;

	toss_request(in, "POST", "/v1/payments/confirm");
	snprintf(in->idempotency_key, sizeof(in->idempotency_key),
	    "encore-confirm-%s", payment_key);
	o = json_object_new_object();
	json_object_object_add(o, "paymentKey",
	    json_object_new_string(payment_key));
	json_object_object_add(o, "orderId", json_object_new_string(order_id));
	json_object_object_add(o, "amount", json_object_new_int64(amount));
	toss_json_body(in, o);
}

void
toss_lookup_request(struct httpc_request *in, const char *payment_key)
{
	char	path[300];
	size_t	off;

	off = (size_t)snprintf(path, sizeof(path), "/v1/payments/");
	(void)urlenc_append(path, sizeof(path), &off, payment_key);
	toss_request(in, "GET", path);
}

void
toss_lookup_order_request(struct httpc_request *in, const char *order_id)
{
	char	path[200];
	size_t	off;

	off = (size_t)snprintf(path, sizeof(path), "/v1/payments/orders/");
	(void)urlenc_append(path, sizeof(path), &off, order_id);
	toss_request(in, "GET", path);
}

void
toss_cancel_request(struct httpc_request *in, const char *payment_key,
    const char *reason)
{
	json_object	*o;
	char		 path[300];
	size_t		 off;

	off = (size_t)snprintf(path, sizeof(path), "/v1/payments/");
	(void)urlenc_append(path, sizeof(path), &off, payment_key);
	if (off + sizeof("/cancel") < sizeof(path))
		memcpy(path + off, "/cancel", sizeof("/cancel"));
	toss_request(in, "POST", path);
	snprintf(in->idempotency_key, sizeof(in->idempotency_key),
	    "encore-cancel-%s", payment_key);
	o = json_object_new_object();
	json_object_object_add(o, "cancelReason",
	    json_object_new_string(reason));
	toss_json_body(in, o);
}

static void
copy_str(json_object *root, const char *key, char *dst, size_t len)
{
	json_object	*v;

	if (json_object_object_get_ex(root, key, &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(dst, len, "%s", json_object_get_string(v));
}

void
toss_read(const struct httpc_response *out, struct toss_payment *p)
{
	json_object	*root, *v;

	memset(p, 0, sizeof(*p));
	p->http_status = out->status;
	p->json = out->body;
	if (out->status == 0) {
		p->unreachable = 1;
		snprintf(p->error_code, sizeof(p->error_code), "%s",
		    out->timed_out ? "PROVIDER_TIMEOUT" : "PROVIDER_UNREACHABLE");
		snprintf(p->error_message, sizeof(p->error_message), "%s",
		    out->error);
		return;
	}
	if ((root = json_tokener_parse(out->body)) == NULL ||
	    !json_object_is_type(root, json_type_object)) {
		if (root != NULL)
			json_object_put(root);
		p->unreachable = (out->status >= 500);
		snprintf(p->error_code, sizeof(p->error_code),
		    "PROVIDER_BAD_RESPONSE");
		return;
	}
	if (out->status >= 200 && out->status < 300) {
		copy_str(root, "paymentKey", p->payment_key,
		    sizeof(p->payment_key));
		copy_str(root, "orderId", p->order_id, sizeof(p->order_id));
		copy_str(root, "status", p->status, sizeof(p->status));
		if (json_object_object_get_ex(root, "totalAmount", &v) &&
		    json_object_is_type(v, json_type_int))
			p->total_amount = json_object_get_int64(v);
		if (json_object_object_get_ex(root, "balanceAmount", &v) &&
		    json_object_is_type(v, json_type_int))
			p->balance_amount = json_object_get_int64(v);
		p->ok = (p->payment_key[0] != '\0' && p->order_id[0] != '\0' &&
		    p->status[0] != '\0');
		if (!p->ok)
			snprintf(p->error_code, sizeof(p->error_code),
			    "PROVIDER_BAD_RESPONSE");
	} else {
		copy_str(root, "code", p->error_code, sizeof(p->error_code));
		copy_str(root, "message", p->error_message,
		    sizeof(p->error_message));
		if (p->error_code[0] == '\0')
			snprintf(p->error_code, sizeof(p->error_code),
			    "PROVIDER_HTTP_%d", out->status);
		/* A 5xx did not necessarily fail: the outcome is unknown. */
		p->unreachable = (out->status >= 500);
	}
	json_object_put(root);
}

static int
valid_token(const char *s, size_t min, size_t max)
{
	size_t		len;
	const char	*p;

	len = strlen(s);
	if (len < min || len > max)
		return (0);
	for (p = s; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return (0);
	}
	return (1);
}

int
toss_valid_key(const char *s)
{
	return (valid_token(s, 1, TOSS_KEY_MAX));
}

int
toss_valid_order_id(const char *s)
{
	return (valid_token(s, 6, 64));
}
