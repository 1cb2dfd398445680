/*
 * httpc.h: an outside HTTP call (Toss, Google) made off the event loop.
 *
 * The call runs in a kore task thread with libcurl and strict timeouts;
 * the request sleeps until the task is done, so a slow provider never
 * stalls other clients of the worker. httpc_start() on the first entry,
 * httpc_poll() on the next ones.
 */
#ifndef ENCORE_HTTPC_H
#define ENCORE_HTTPC_H

#include <stddef.h>

#include <kore/kore.h>
#include <kore/tasks.h>

#define HTTPC_URL_MAX		1024
#define HTTPC_BODY_MAX		8192
#define HTTPC_RESP_MAX		32768

struct httpc_request {
	char		method[8];
	char		url[HTTPC_URL_MAX];
	char		authorization[1100];
	char		idempotency_key[128];
	char		content_type[64];
	char		body[HTTPC_BODY_MAX];
	size_t		body_len;
	int		timeout_ms;
};

struct httpc_response {
	int		status;		/* 0 when no HTTP answer came */
	int		timed_out;
	char		error[256];
	size_t		body_len;
	char		body[HTTPC_RESP_MAX];
};

struct httpc_call {
	struct kore_task	task;
	int			active;
	struct httpc_request	in;
	struct httpc_response	out;
};

enum httpc_poll {
	HTTPC_WAIT,
	HTTPC_DONE
};

void	httpc_perform(const struct httpc_request *, struct httpc_response *);
void	httpc_init(struct httpc_request *, const char *, const char *, int);
int	httpc_start(struct http_request *, struct httpc_call *);
int	httpc_poll(struct http_request *, struct httpc_call *);
void	httpc_cleanup(struct httpc_call *);

#endif
