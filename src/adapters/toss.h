/*
 * toss.h: Toss Payments' HTTP API (confirm, lookup, cancel), the requests
 * encore sends and how it reads the answers.
 *
 * Every call authenticates with Basic base64(secretKey + ":"). Calls that
 * move money carry an Idempotency-Key derived from the payment, so a retry
 * after a timeout can never charge or refund twice. toss_read() accepts an
 * answer as a payment only if it is one: the caller then checks that its
 * orderId and amount are the ones encore expects. Pure apart from the
 * request structs it fills: unit-tested.
 */
#ifndef ENCORE_TOSS_H
#define ENCORE_TOSS_H

#include <stddef.h>
#include <stdint.h>

#include "adapters/httpc.h"

#define TOSS_KEY_MAX	200

struct toss_payment {
	int		ok;		/* a payment object came back */
	int		http_status;
	int		unreachable;	/* no answer: the outcome is unknown */
	char		payment_key[TOSS_KEY_MAX + 1];
	char		order_id[65];
	char		status[32];
	int64_t		total_amount;
	int64_t		balance_amount;
	char		error_code[64];
	char		error_message[256];
	const char	*json;		/* the whole answer (borrowed) */
};

void	toss_confirm_request(struct httpc_request *, const char *,
	    const char *, int64_t);
void	toss_lookup_request(struct httpc_request *, const char *);
void	toss_lookup_order_request(struct httpc_request *, const char *);
void	toss_cancel_request(struct httpc_request *, const char *,
	    const char *);
void	toss_read(const struct httpc_response *, struct toss_payment *);
int	toss_valid_key(const char *);
int	toss_valid_order_id(const char *);
void	toss_basic_auth(const char *, char *, size_t);

#endif
