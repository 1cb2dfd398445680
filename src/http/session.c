/*
 * session.c: authentication of requests, CSRF, and the session cookies.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "core/token.h"
#include "encore.h"
#include "http/reply.h"
#include "session.h"

static void
session_keys(struct token_keys *k)
{
	k->secret = (const unsigned char *)encore_cfg->jwt_secret;
	k->secret_len = strlen(encore_cfg->jwt_secret);
	k->issuer = encore_cfg->jwt_issuer;
	k->audience = encore_cfg->jwt_audience;
}

char *
session_issue_access(int64_t member_id, const char *role)
{
	struct token_keys	k;

	session_keys(&k);
	return (token_issue(&k, member_id, role, time(NULL),
	    encore_cfg->access_ttl));
}

const char *
session_cookie(struct http_request *req, const char *name)
{
	char	*v;

	if (TAILQ_EMPTY(&req->req_cookies))
		http_populate_cookies(req);
	if (http_request_cookie(req, name, &v) && v != NULL && *v != '\0')
		return (v);
	return (NULL);
}

int
session_csrf_ok(struct http_request *req)
{
	const char	*cookie, *header;
	size_t		 len;

	if ((cookie = session_cookie(req, COOKIE_CSRF)) == NULL ||
	    !http_request_header(req, "x-csrf-token", &header))
		return (0);
	len = strlen(cookie);
	return (len >= 16 && len == strlen(header) &&
	    CRYPTO_memcmp(cookie, header, len) == 0);
}

/*
 * Authenticate the caller; on failure reply 401 (or 403 CSRF_FAILED) and
 * return KORE_RESULT_ERROR.
 */
int
session_require(struct http_request *req, struct session *s)
{
	struct token_keys	 k;
	struct token_claims	 c;
	const char		*auth, *token;

	memset(s, 0, sizeof(*s));
	token = NULL;
	if (http_request_header(req, "authorization", &auth)) {
		if (strncasecmp(auth, "Bearer ", 7) == 0)
			token = auth + 7;
	} else if ((token = session_cookie(req, COOKIE_ACCESS)) != NULL) {
		s->via_cookie = 1;
	}

	session_keys(&k);
	if (token == NULL || token_verify(&k, token, time(NULL), &c) != 0) {
		http_response_header(req, "www-authenticate",
		    "Bearer realm=\"encore\"");
		reply_error(req, 401, "UNAUTHENTICATED",
		    "Sign in to continue.");
		return (KORE_RESULT_ERROR);
	}

	if (s->via_cookie && req->method != HTTP_METHOD_GET &&
	    req->method != HTTP_METHOD_HEAD && !session_csrf_ok(req)) {
		reply_error(req, 403, "CSRF_FAILED",
		    "The request is missing its CSRF token.");
		return (KORE_RESULT_ERROR);
	}

	s->member_id = c.member_id;
	snprintf(s->member_id_str, sizeof(s->member_id_str), "%lld",
	    (long long)c.member_id);
	snprintf(s->role, sizeof(s->role), "%s", c.role);
	s->is_admin = !strcmp(c.role, "admin");
	return (KORE_RESULT_OK);
}

void
session_set_cookie(struct http_request *req, const char *name,
    const char *value, const char *path, int max_age, int httponly)
{
	char	buf[1024];
	int	n;

	n = snprintf(buf, sizeof(buf), "%s=%s; Path=%s; Max-Age=%d; "
	    "SameSite=Lax%s%s", name, value, path, max_age,
	    httponly ? "; HttpOnly" : "",
	    encore_cfg->cookie_secure ? "; Secure" : "");
	if (n > 0 && (size_t)n < sizeof(buf))
		http_response_header(req, "set-cookie", buf);
}

void
session_clear(struct http_request *req)
{
	session_set_cookie(req, COOKIE_ACCESS, "", "/", 0, 1);
	session_set_cookie(req, COOKIE_REFRESH, "", REFRESH_COOKIE_PATH, 0, 1);
	session_set_cookie(req, COOKIE_CSRF, "", "/", 0, 0);
}

/* The peer address: encore binds to loopback or sits behind its own proxy. */
int
session_client_ip(struct http_request *req, char *buf, size_t len)
{
	struct connection	*c = req->owner;

	if (c->family == AF_INET) {
		if (inet_ntop(AF_INET, &c->addr.ipv4.sin_addr, buf,
		    (socklen_t)len) == NULL)
			return (-1);
	} else if (c->family == AF_INET6) {
		if (inet_ntop(AF_INET6, &c->addr.ipv6.sin6_addr, buf,
		    (socklen_t)len) == NULL)
			return (-1);
	} else {
		snprintf(buf, len, "local");
	}
	return (0);
}
