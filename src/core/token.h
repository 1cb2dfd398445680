/*
 * token.h: encore's access tokens (JWT, HS256 only) and opaque secrets.
 *
 * libjwt 1.10 verifies a signature with whatever algorithm the token names
 * and checks no claim, so token_verify() pins the algorithm to HS256,
 * always passes the key, and checks exp, iat, iss, aud, sub and role itself.
 * Pure (time is passed in): unit-tested with cmocka.
 */
#ifndef ENCORE_TOKEN_H
#define ENCORE_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TOKEN_MAX_LEN		2048
#define TOKEN_LEEWAY		30

struct token_keys {
	const unsigned char	*secret;
	size_t			 secret_len;
	const char		*issuer;
	const char		*audience;
};

struct token_claims {
	int64_t		member_id;
	char		role[16];
	time_t		iat;
	time_t		exp;
	char		jti[40];
};

char	*token_issue(const struct token_keys *, int64_t, const char *, time_t,
	    int);
int	 token_verify(const struct token_keys *, const char *, time_t,
	    struct token_claims *);
int	 token_random_hex(char *, size_t);
void	 token_sha256_hex(const char *, char *);
void	 token_pkce_challenge(const char *, char *, size_t);

#endif
