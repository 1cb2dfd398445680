/*
 * payflow.h: the payment paths, each a short chain of steps alternating
 * between one SQL function (the decision, durably recorded) and one call
 * to Toss (made in a task, off the event loop):
 *
 *   confirm:  payment_begin -> Toss confirm -> payment_confirm
 *             [-> Toss cancel -> payment_refunded, if the seats were lost]
 *             a declined payment: -> payment_fail
 *   cancel:   reservation_cancel [-> Toss cancel -> payment_refunded]
 *   webhook:  Toss lookup (the body is only a hint) -> payment_apply_status
 *             [-> Toss cancel -> payment_refunded]
 *
 * The amount is compared with the server's own total in payment_begin,
 * before anything is sent. When Toss cannot be reached the attempt stays
 * IN_FLIGHT and the reconciler (jobs/reconcile.c) settles it later.
 */
#ifndef ENCORE_PAYFLOW_H
#define ENCORE_PAYFLOW_H

#include <stdint.h>

struct http_request;
struct session;

int	payflow_confirm(struct http_request *, const struct session *,
	    const char *, const char *, int64_t);
int	payflow_cancel(struct http_request *, const struct session *,
	    const char *);
int	payflow_webhook(struct http_request *, const char *);
int	payflow_resume(struct http_request *);

#endif
