/*
 * concerts.c: GET/POST /api/v1/concerts, GET /api/v1/concerts/{id},
 * GET /api/v1/concerts/{id}/seats?section=X.
 *
 * The seat map is what fans read most during an on-sale: it is served from
 * the Redis cache when it can be (seatcache.c), with an ETag so a polling
 * browser is answered 304 when nothing changed.
 */
#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "adapters/pg.h"
#include "api.h"
#include "core/jsonreq.h"
#include "encore.h"
#include "http/reply.h"
#include "http/seatcache.h"
#include "http/session.h"

#define ID_MAX		9007199254740991LL	/* 2^53 - 1 */

/* RFC 3339 date-time with an explicit offset: 2026-12-24T19:00:00+09:00 */
static int
valid_rfc3339(const char *s)
{
	static const char	shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t			i;

	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) :
		    s[i] != shape[i])
			return (0);
	}
	s += i;
	if (*s == '.') {
		for (s++, i = 0; isdigit((unsigned char)*s); s++, i++)
			;
		if (i == 0 || i > 9)
			return (0);
	}
	if (*s == 'Z' || *s == 'z')
		return (s[1] == '\0');
	return ((*s == '+' || *s == '-') && isdigit((unsigned char)s[1]) &&
	    isdigit((unsigned char)s[2]) && s[3] == ':' &&
	    isdigit((unsigned char)s[4]) && isdigit((unsigned char)s[5]) &&
	    s[6] == '\0');
}

static int
concerts_create(struct http_request *req)
{
	struct session	 s;
	struct jsonreq	 jr;
	const char	*title, *venue, *starts, *layout, *vals[7];
	int64_t		 price, max, ttl;
	char		 pbuf[24], mbuf[24], tbuf[32];
	int		 ret;

	if (session_require(req, &s) != KORE_RESULT_OK)
		return (KORE_RESULT_OK);
	if (!s.is_admin)
		return (reply_error(req, 403, "FORBIDDEN",
		    "Only an admin can create concerts."));
	if (req_parse_json(req, &jr) != KORE_RESULT_OK)
		return (KORE_RESULT_OK);

	layout = NULL;
	ttl = 600;
	if (jsonreq_str(&jr, "title", 1, 1, 200, &title) == -1 ||
	    jsonreq_str(&jr, "venue", 1, 1, 200, &venue) == -1 ||
	    jsonreq_str(&jr, "starts_at", 1, 20, 40, &starts) == -1 ||
	    jsonreq_int(&jr, "base_price", 1, 1, 10000000, &price) == -1 ||
	    jsonreq_int(&jr, "max_tickets_per_member", 1, 1, 10, &max) == -1 ||
	    jsonreq_object_json(&jr, "layout", &layout) == -1 ||
	    jsonreq_int(&jr, "hold_ttl_seconds", 0, 1, 3600, &ttl) == -1)
		return (reply_jsonreq(req, &jr));
	if (!valid_rfc3339(starts)) {
		jsonreq_fail(&jr, "starts_at",
		    "must be an RFC 3339 time with an offset");
		return (reply_jsonreq(req, &jr));
	}

	snprintf(pbuf, sizeof(pbuf), "%lld", (long long)price);
	snprintf(mbuf, sizeof(mbuf), "%lld", (long long)max);
	snprintf(tbuf, sizeof(tbuf), "%lld seconds", (long long)ttl);
	vals[0] = title;
	vals[1] = venue;
	vals[2] = starts;
	vals[3] = pbuf;
	vals[4] = mbuf;
	vals[5] = layout;
	vals[6] = tbuf;
	ret = pg_start(req, 201, "SELECT encore.concert_create($1, $2, "
	    "$3::timestamptz, $4::bigint, $5::int, $6::jsonb, $7::interval)",
	    7, vals);
	jsonreq_free(&jr);
	return (ret);
}

int
concerts_collection(struct http_request *req)
{
	if (http_state_exists(req))
		return (pg_resume(req));
	switch (req->method) {
	case HTTP_METHOD_GET:
		return (pg_start(req, 200, "SELECT encore.concert_list()", 0,
		    NULL));
	case HTTP_METHOD_POST:
		return (concerts_create(req));
	default:
		return (reply_method_not_allowed(req, "GET, POST"));
	}
}

/* The concert id of the path, or a 404 reply. */
static int
concert_path_id(struct http_request *req, char *buf, size_t len, int64_t *id)
{
	if (req_path_segment(req, 3, buf, len) == -1 ||
	    jsonreq_parse_id(buf, id) == -1 || *id > ID_MAX) {
		reply_error(req, 404, "CONCERT_NOT_FOUND",
		    "There is no such concert.");
		return (KORE_RESULT_ERROR);
	}
	return (KORE_RESULT_OK);
}

int
concerts_item(struct http_request *req)
{
	char		 idbuf[32];
	const char	*vals[1];
	int64_t		 id;

	if (http_state_exists(req))
		return (pg_resume(req));
	if (req->method != HTTP_METHOD_GET)
		return (reply_method_not_allowed(req, "GET"));
	if (concert_path_id(req, idbuf, sizeof(idbuf), &id) != KORE_RESULT_OK)
		return (KORE_RESULT_OK);
	vals[0] = idbuf;
	return (pg_start(req, 200, "SELECT encore.concert_get($1::bigint)", 1,
	    vals));
}

int
concerts_seats(struct http_request *req)
{
	char		 idbuf[32], *section;
	const char	*p;
	int64_t		 id;

	if (http_state_exists(req))
		return (seatcache_resume(req));
	if (req->method != HTTP_METHOD_GET)
		return (reply_method_not_allowed(req, "GET"));
	if (concert_path_id(req, idbuf, sizeof(idbuf), &id) != KORE_RESULT_OK)
		return (KORE_RESULT_OK);

	http_populate_qs(req);
	if (!http_argument_get_string(req, "section", &section) ||
	    *section == '\0')
		return (reply_invalid(req, "section", "is required"));
	if (strlen(section) > 16)
		return (reply_invalid(req, "section", "is too long"));
	for (p = section; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p))
			return (reply_error(req, 404, "SECTION_NOT_FOUND",
			    "There is no such section."));
	}
	return (seatcache_serve(req, id, section));
}
