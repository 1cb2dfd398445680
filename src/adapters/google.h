/*
 * google.h: Google sign-in, authorization-code flow with PKCE (S256).
 *
 * The browser is sent to the authorize URL with a one-time state and the
 * challenge of a verifier kept in Postgres; on the callback the code is
 * exchanged for a token together with that verifier, and the userinfo
 * endpoint names the account. Both calls run through httpc (a kore task),
 * never on the event loop. Only the URLs differ for the local stand-in.
 */
#ifndef ENCORE_GOOGLE_H
#define ENCORE_GOOGLE_H

#include <stddef.h>

#include "adapters/httpc.h"

#define GOOGLE_URL_MAX	2048

enum google_poll {
	GOOGLE_WAIT,
	GOOGLE_DONE
};

struct google_call {
	struct httpc_call	http;
	int			step;
	char			code_param[600];
	char			access_token[1024];
	int			failed;
	int			status;
	char			code[64];
	char			message[200];
	char			subject[256];
	char			email[256];
	char			name[256];
};

int	google_authorize_url(const char *, const char *, char *, size_t);
int	google_start(struct http_request *, struct google_call *,
	    const char *);
int	google_poll(struct http_request *, struct google_call *);
void	google_cleanup(struct google_call *);

#endif
