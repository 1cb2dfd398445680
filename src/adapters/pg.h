/*
 * pg.h: one asynchronous call of one SQL function, through kore's pgsql
 * pool, without ever blocking the worker's event loop on a query.
 *
 * Simple handlers use pg_start()/pg_resume(): start the call on the first
 * entry, and on every later entry resume it; when it completes the
 * function's JSON is the response body, or its error is mapped to the
 * envelope. Multi-step handlers (payments) embed a struct pg_call in their
 * own state and drive pg_call_query()/pg_call_poll() themselves.
 */
#ifndef ENCORE_PG_H
#define ENCORE_PG_H

#include <stddef.h>

#include <kore/kore.h>
#include <kore/pgsql.h>

#include "core/errors.h"
#include "http/reply.h"

#define PG_PARAMS_MAX	8

enum pg_poll {
	PG_WAIT,
	PG_DONE
};

struct pg_call {
	struct kore_pgsql	 sql;
	struct http_request	*req;
	u_int64_t		 started;	/* ms, for the deadline */
	int			 listed;
	TAILQ_ENTRY(pg_call)	 list;
	int			 active;
	int			 done;
	int			 attempts;
	const char		*query;
	int			 nparams;
	char			*params[PG_PARAMS_MAX];
	char			*result;	/* row 0, column 0, or NULL */
	size_t			 result_len;
	int			 failed;
	struct api_error	 err;
	char			 err_detail[1024];
};

/* The per-request state of a one-call handler. */
struct pg_state {
	struct req_common	common;
	struct pg_call		call;
	int			ok_status;
	void			(*after)(const char *);	/* on success */
};

void	pg_init(void);
int	pg_call_query(struct http_request *, struct pg_call *, const char *,
	    int, const char *const *);
int	pg_call_poll(struct http_request *, struct pg_call *);
void	pg_call_reset(struct pg_call *);

int	pg_start(struct http_request *, int, const char *, int,
	    const char *const *);
int	pg_start_after(struct http_request *, int, void (*)(const char *),
	    const char *, int, const char *const *);
int	pg_resume(struct http_request *);
int	pg_reply(struct http_request *, struct pg_call *, int);
void	pg_state_free(struct http_request *);

#endif
