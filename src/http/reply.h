/*
 * reply.h: every response leaves through here, so every one carries the
 * security headers, errors always use the contract's envelope, and every
 * request is counted in /metrics under its route.
 */
#ifndef ENCORE_REPLY_H
#define ENCORE_REPLY_H

#include <stddef.h>
#include <stdint.h>

struct http_request;
struct api_error;
struct jsonreq;

/* The first member of every per-request state this server creates. */
struct req_common {
	uint64_t		 start_us;
	const char		*route;
	struct http_request	*req;
};

void	*req_state_new(struct http_request *, size_t,
	    void (*)(struct http_request *));
uint64_t now_us(void);

int	reply_json(struct http_request *, int, const void *, size_t);
int	reply_raw(struct http_request *, int, const char *, const void *,
	    size_t);
int	reply_error(struct http_request *, int, const char *, const char *);
int	reply_api_error(struct http_request *, const struct api_error *);
int	reply_invalid(struct http_request *, const char *, const char *);
int	reply_unavailable(struct http_request *);
int	reply_status(struct http_request *, int);
void	reply_headers(struct http_request *);
int	reply_require_json(struct http_request *);
int	reply_method_not_allowed(struct http_request *, const char *);
int	req_parse_json(struct http_request *, struct jsonreq *);
int	reply_jsonreq(struct http_request *, struct jsonreq *);
int	req_path_segment(struct http_request *, int, char *, size_t);

#endif
