/*
 * api.h: every HTTP handler kore.conf routes to, one file per resource.
 *
 * A request flows one way: parse and validate -> authenticate -> one SQL
 * function call -> the function's JSON out (or its error in the envelope).
 */
#ifndef ENCORE_API_H
#define ENCORE_API_H

struct http_request;

/* ops.c */
int	ops_healthz(struct http_request *);
int	ops_readyz(struct http_request *);
int	ops_metrics(struct http_request *);

/* assets.c */
void	assets_load(const char *, const char *);
int	assets_serve(struct http_request *);
int	api_not_found(struct http_request *);

/* auth.c */
int	auth_dev_login(struct http_request *);
int	auth_google_login(struct http_request *);
int	auth_google_callback(struct http_request *);
int	auth_refresh(struct http_request *);
int	auth_logout(struct http_request *);

/* me.c */
int	auth_me(struct http_request *);
int	auth_config(struct http_request *);
int	auth_receipts(struct http_request *);

/* concerts.c */
int	concerts_collection(struct http_request *);
int	concerts_item(struct http_request *);
int	concerts_seats(struct http_request *);

/* reservations.c */
int	reservations_collection(struct http_request *);
int	reservations_item(struct http_request *);
int	reservations_cancel(struct http_request *);

/* payments.c */
int	payments_confirm(struct http_request *);
int	webhooks_toss(struct http_request *);

#endif
