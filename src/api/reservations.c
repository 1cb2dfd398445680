/*
 * reservations.c: /api/v1/reservations and /api/v1/reservations/{id}.
 *
 * Holding seats is one call of encore.reservation_hold_seats (by ids) or
 * encore.reservation_hold_best (section + quantity): the function decides,
 * under its locks, who gets which seat. Another member's reservation is
 * answered exactly like a missing one (decided in SQL too). Cancelling a
 * PAID reservation refunds it through the provider (payments.c).
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
#include "http/payflow.h"
#include "http/ratelimit.h"
#include "http/reply.h"
#include "http/seatcache.h"
#include "http/session.h"

#define ID_MAX		9007199254740991LL	/* 2^53 - 1 */
#define SEATS_MAX	10

static int
reservations_create(struct http_request *req)
{
	struct session	 s;
	struct jsonreq	 jr;
	int64_t		 concert, ids[SEATS_MAX], qty;
	size_t		 n, i, off;
	const char	*section, *vals[4], *p;
	char		 cbuf[24], qbuf[24], arr[SEATS_MAX * 20 + 4];
	int		 ret;

	if (ratelimit_member_json(req, &s, &jr, "reserve") != KORE_RESULT_OK)
		return (KORE_RESULT_OK);

	if (jsonreq_int(&jr, "concert_id", 1, 1, ID_MAX, &concert) == -1)
		return (reply_jsonreq(req, &jr));
	snprintf(cbuf, sizeof(cbuf), "%lld", (long long)concert);
	vals[0] = s.member_id_str;
	vals[1] = cbuf;

	if (jsonreq_has(&jr, "seat_ids")) {
		if (jsonreq_has(&jr, "section") || jsonreq_has(&jr, "quantity")) {
			jsonreq_fail(&jr, "seat_ids",
			    "use either seat_ids or section and quantity");
			return (reply_jsonreq(req, &jr));
		}
		if (jsonreq_int_array(&jr, "seat_ids", 1, SEATS_MAX, 1, ID_MAX,
		    ids, &n) == -1)
			return (reply_jsonreq(req, &jr));
		off = 0;
		arr[off++] = '{';
		for (i = 0; i < n; i++)
			off += (size_t)snprintf(arr + off, sizeof(arr) - off,
			    "%s%lld", i ? "," : "", (long long)ids[i]);
		arr[off++] = '}';
		arr[off] = '\0';
		vals[2] = arr;
		ret = pg_start_after(req, 201, seatcache_invalidate_reservation,
		    "SELECT encore.reservation_hold_seats($1::bigint, "
		    "$2::bigint, $3::bigint[])", 3, vals);
		jsonreq_free(&jr);
		return (ret);
	}

	if (jsonreq_str(&jr, "section", 1, 1, 16, &section) == -1 ||
	    jsonreq_int(&jr, "quantity", 1, 1, SEATS_MAX, &qty) == -1)
		return (reply_jsonreq(req, &jr));
	for (p = section; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p)) {
			jsonreq_fail(&jr, "section", "must be a section code");
			return (reply_jsonreq(req, &jr));
		}
	}
	snprintf(qbuf, sizeof(qbuf), "%lld", (long long)qty);
	vals[2] = section;
	vals[3] = qbuf;
	ret = pg_start_after(req, 201, seatcache_invalidate_reservation,
	    "SELECT encore.reservation_hold_best($1::bigint, $2::bigint, $3, "
	    "$4::int)", 4, vals);
	jsonreq_free(&jr);
	return (ret);
}

int
reservations_collection(struct http_request *req)
{
	struct session	 s;
	const char	*vals[1];

	if (http_state_exists(req))
		return (pg_resume(req));
	switch (req->method) {
	case HTTP_METHOD_GET:
		if (session_require(req, &s) != KORE_RESULT_OK)
			return (KORE_RESULT_OK);
		vals[0] = s.member_id_str;
		return (pg_start(req, 200,
		    "SELECT encore.reservation_list($1::bigint)", 1, vals));
	case HTTP_METHOD_POST:
		return (reservations_create(req));
	default:
		return (reply_method_not_allowed(req, "GET, POST"));
	}
}

/* The reservation id of the path, or a 404 reply. */
static int
reservation_path_id(struct http_request *req, char *buf, size_t len)
{
	if (req_path_segment(req, 3, buf, len) == -1 || !jsonreq_uuid_valid(buf)) {
		reply_error(req, 404, "RESERVATION_NOT_FOUND",
		    "There is no such reservation.");
		return (KORE_RESULT_ERROR);
	}
	return (KORE_RESULT_OK);
}

int
reservations_item(struct http_request *req)
{
	struct session	 s;
	const char	*vals[3];
	char		 id[40];

	if (http_state_exists(req))
		return (pg_resume(req));
	if (req->method != HTTP_METHOD_GET)
		return (reply_method_not_allowed(req, "GET"));
	if (session_require(req, &s) != KORE_RESULT_OK)
		return (KORE_RESULT_OK);
	if (reservation_path_id(req, id, sizeof(id)) != KORE_RESULT_OK)
		return (KORE_RESULT_OK);
	vals[0] = s.member_id_str;
	vals[1] = s.is_admin ? "true" : "false";
	vals[2] = id;
	return (pg_start(req, 200, "SELECT encore.reservation_get($1::bigint, "
	    "$2::boolean, $3::uuid)", 3, vals));
}

int
reservations_cancel(struct http_request *req)
{
	struct session	 s;
	char		 id[40];

	if (http_state_exists(req))
		return (payflow_resume(req));
	if (req->method != HTTP_METHOD_POST)
		return (reply_method_not_allowed(req, "POST"));
	if (session_require(req, &s) != KORE_RESULT_OK)
		return (KORE_RESULT_OK);
	if (reservation_path_id(req, id, sizeof(id)) != KORE_RESULT_OK)
		return (KORE_RESULT_OK);
	return (payflow_cancel(req, &s, id));
}
