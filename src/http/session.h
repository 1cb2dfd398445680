/*
 * session.h: who is calling, and may they do this?
 *
 * A caller proves who they are with "Authorization: Bearer <access JWT>"
 * or with the HttpOnly access cookie the login flow sets. A cookie-
 * authenticated unsafe request must also carry X-CSRF-Token equal to the
 * encore_csrf cookie (double submit): a third-party page can make the
 * browser send cookies but can neither read that cookie nor set the header.
 */
#ifndef ENCORE_SESSION_H
#define ENCORE_SESSION_H

#include <stdint.h>

struct http_request;

#define COOKIE_ACCESS		"encore_access"
#define COOKIE_REFRESH		"encore_refresh"
#define COOKIE_CSRF		"encore_csrf"
#define COOKIE_OAUTH		"encore_oauth"
#define REFRESH_COOKIE_PATH	"/api/v1/auth"

struct session {
	int64_t		member_id;
	char		member_id_str[24];
	char		role[16];
	int		is_admin;
	int		via_cookie;
};

int	session_require(struct http_request *, struct session *);
int	session_csrf_ok(struct http_request *);
const char *session_cookie(struct http_request *, const char *);
void	session_set_cookie(struct http_request *, const char *, const char *,
	    const char *, int, int);
void	session_clear(struct http_request *);
char	*session_issue_access(int64_t, const char *);
int	session_client_ip(struct http_request *, char *, size_t);

#endif
