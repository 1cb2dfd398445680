/*
 * reply.c: response helpers shared by all handlers.
 */
#include <sys/types.h>

#include <string.h>
#include <strings.h>
#include <time.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "core/errors.h"
#include "core/jsonreq.h"
#include "core/metrics.h"
#include "encore.h"
#include "reply.h"

/* A request body larger than this is refused before it is parsed. */
#define BODY_MAX	(64 * 1024)

uint64_t
now_us(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

void *
req_state_new(struct http_request *req, size_t len,
    void (*onfree)(struct http_request *))
{
	struct req_common	*c;

	c = http_state_create(req, len, onfree);
	c->start_us = now_us();
	c->route = req->hdlr != NULL ? req->hdlr->path : "none";
	c->req = req;
	return (c);
}

void
reply_headers(struct http_request *req)
{
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response_header(req, "x-frame-options", "DENY");
	http_response_header(req, "referrer-policy", "same-origin");
	http_response_header(req, "cross-origin-opener-policy", "same-origin");
	http_response_header(req, "content-security-policy",
	    encore_cfg->toss_client_key[0] != '\0' ?
	    "default-src 'self'; script-src 'self' https://js.tosspayments.com; "
	    "style-src 'self'; img-src 'self' data:; connect-src 'self' "
	    "https://*.tosspayments.com; frame-src https://*.tosspayments.com; "
	    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'" :
	    "default-src 'self'; script-src 'self'; style-src 'self'; "
	    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
	    "base-uri 'self'; form-action 'self'");
}

static void
reply_observe(struct http_request *req, int status)
{
	struct req_common	*c;
	uint64_t		 us;
	const char		*route;

	c = http_state_exists(req) ? http_state_get(req) : NULL;
	if (c != NULL) {
		us = now_us() - c->start_us;
		route = c->route;
	} else {
		us = (uint64_t)(kore_time_ms() - req->start) * 1000;
		route = req->hdlr != NULL ? req->hdlr->path : "none";
	}
	metrics_observe(route, status, us);
}

int
reply_raw(struct http_request *req, int status, const char *ctype,
    const void *body, size_t len)
{
	reply_headers(req);
	if (ctype != NULL)
		http_response_header(req, "content-type", ctype);
	reply_observe(req, status);
	http_response(req, status, body, len);
	return (KORE_RESULT_OK);
}

int
reply_json(struct http_request *req, int status, const void *body, size_t len)
{
	http_response_header(req, "cache-control", "no-store");
	return (reply_raw(req, status, "application/json; charset=utf-8",
	    body, len));
}

int
reply_status(struct http_request *req, int status)
{
	return (reply_raw(req, status, NULL, NULL, 0));
}

int
reply_api_error(struct http_request *req, const struct api_error *e)
{
	char		*body;
	size_t		 len;
	int		 ret;

	if (e->status == 503)
		metrics_count(MC_DB_UNAVAILABLE, 1);
	if ((body = errors_envelope(e, &len)) == NULL) {
		http_response_header(req, "cache-control", "no-store");
		return (reply_raw(req, 503, NULL, NULL, 0));
	}
	ret = reply_json(req, e->status, body, len);
	free(body);
	return (ret);
}

int
reply_error(struct http_request *req, int status, const char *code,
    const char *message)
{
	struct api_error	e;

	errors_set(&e, status, code, message);
	return (reply_api_error(req, &e));
}

int
reply_invalid(struct http_request *req, const char *field, const char *reason)
{
	char	*body;
	size_t	 len;
	int	 ret;

	if ((body = errors_envelope_fields(field, reason, &len)) == NULL)
		return (reply_status(req, 400));
	ret = reply_json(req, 400, body, len);
	free(body);
	return (ret);
}

int
reply_unavailable(struct http_request *req)
{
	return (reply_error(req, 503, "SERVICE_UNAVAILABLE",
	    "The service is temporarily unavailable; please retry."));
}

int
reply_method_not_allowed(struct http_request *req, const char *allow)
{
	http_response_header(req, "allow", allow);
	return (reply_error(req, 405, "METHOD_NOT_ALLOWED",
	    "This method is not allowed on this path."));
}

/*
 * Checks for a request that must carry a JSON body: the content type and
 * the size. Returns KORE_RESULT_OK to go on; otherwise it has replied.
 */
int
reply_require_json(struct http_request *req)
{
	const char	*ct;
	size_t		 n;

	if (!http_request_header(req, "content-type", &ct)) {
		reply_error(req, 415, "UNSUPPORTED_MEDIA_TYPE",
		    "Send the body as application/json.");
		return (KORE_RESULT_ERROR);
	}
	n = strlen("application/json");
	if (strncasecmp(ct, "application/json", n) ||
	    (ct[n] != '\0' && ct[n] != ';' && ct[n] != ' ')) {
		reply_error(req, 415, "UNSUPPORTED_MEDIA_TYPE",
		    "Send the body as application/json.");
		return (KORE_RESULT_ERROR);
	}
	if (req->content_length > BODY_MAX) {
		reply_error(req, 413, "BODY_TOO_LARGE",
		    "The request body is larger than 64 KiB.");
		return (KORE_RESULT_ERROR);
	}
	return (KORE_RESULT_OK);
}

/*
 * Read and parse a JSON object body. Returns KORE_RESULT_OK with jr filled
 * (the caller frees it), or KORE_RESULT_ERROR after replying 4xx.
 */
int
req_parse_json(struct http_request *req, struct jsonreq *jr)
{
	char		*buf;
	ssize_t		 ret;
	size_t		 off;

	memset(jr, 0, sizeof(*jr));
	if (reply_require_json(req) != KORE_RESULT_OK)
		return (KORE_RESULT_ERROR);

	buf = kore_malloc(BODY_MAX + 1);
	off = 0;
	for (;;) {
		ret = http_body_read(req, buf + off, BODY_MAX - off);
		if (ret == -1) {
			kore_free(buf);
			reply_invalid(req, "body", "could not be read");
			return (KORE_RESULT_ERROR);
		}
		if (ret == 0)
			break;
		off += (size_t)ret;
		if (off == BODY_MAX) {
			kore_free(buf);
			reply_error(req, 413, "BODY_TOO_LARGE",
			    "The request body is larger than 64 KiB.");
			return (KORE_RESULT_ERROR);
		}
	}
	if (jsonreq_parse(jr, buf, off) == -1) {
		kore_free(buf);
		reply_invalid(req, jr->field, jr->reason);
		return (KORE_RESULT_ERROR);
	}
	kore_free(buf);
	return (KORE_RESULT_OK);
}

/* Reply 400 for the first field a getter rejected; frees jr. */
int
reply_jsonreq(struct http_request *req, struct jsonreq *jr)
{
	int	ret;

	ret = reply_invalid(req, jr->field, jr->reason);
	jsonreq_free(jr);
	return (ret);
}

/*
 * Path segment n (from 0) of the request path, copied into buf. kore 4.1
 * compiles route regexes without capture groups, so ids are cut out of the
 * path here: /api/v1/concerts/{3}/seats.
 */
int
req_path_segment(struct http_request *req, int n, char *buf, size_t len)
{
	const char	*p, *end;
	size_t		 l;

	p = req->path;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			return (-1);
		end = strchr(p, '/');
		if (end == NULL)
			end = p + strlen(p);
		if (n-- == 0)
			break;
		p = end;
	}
	l = (size_t)(end - p);
	if (l == 0 || l >= len)
		return (-1);
	memcpy(buf, p, l);
	buf[l] = '\0';
	return (0);
}
