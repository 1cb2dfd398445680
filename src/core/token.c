/*
 * token.c: issue and verify access JWTs; random secrets and their hashes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "token.h"

char *
token_issue(const struct token_keys *k, int64_t member_id, const char *role,
    time_t now, int ttl)
{
	jwt_t		*jwt;
	char		*out, sub[32], jti[33];

	if (token_random_hex(jti, sizeof(jti)) == -1)
		return (NULL);
	if (jwt_new(&jwt) != 0)
		return (NULL);
	snprintf(sub, sizeof(sub), "%lld", (long long)member_id);
	out = NULL;
	if (jwt_add_grant(jwt, "sub", sub) == 0 &&
	    jwt_add_grant(jwt, "role", role) == 0 &&
	    jwt_add_grant(jwt, "iss", k->issuer) == 0 &&
	    jwt_add_grant(jwt, "aud", k->audience) == 0 &&
	    jwt_add_grant(jwt, "jti", jti) == 0 &&
	    jwt_add_grant_int(jwt, "iat", (long)now) == 0 &&
	    jwt_add_grant_int(jwt, "exp", (long)(now + ttl)) == 0 &&
	    jwt_set_alg(jwt, JWT_ALG_HS256, k->secret, (int)k->secret_len) == 0)
		out = jwt_encode_str(jwt);
	jwt_free(jwt);
	return (out);
}

static int
token_shape_ok(const char *s)
{
	size_t		len, dots;
	const char	*p;

	len = strlen(s);
	if (len == 0 || len > TOKEN_MAX_LEN)
		return (0);
	dots = 0;
	for (p = s; *p != '\0'; p++) {
		if (*p == '.')
			dots++;
		else if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return (0);
	}
	/* header.payload.signature, each part non-empty */
	return (dots == 2 && s[0] != '.' && s[len - 1] != '.' &&
	    strstr(s, "..") == NULL);
}

int
token_verify(const struct token_keys *k, const char *s, time_t now,
    struct token_claims *c)
{
	jwt_t		*jwt;
	const char	*v;
	char		*end;
	long		 iat, exp;
	long long	 sub;
	int		 ok;

	memset(c, 0, sizeof(*c));
	if (s == NULL || !token_shape_ok(s))
		return (-1);
	jwt = NULL;
	if (jwt_decode(&jwt, s, k->secret, (int)k->secret_len) != 0 ||
	    jwt == NULL)
		return (-1);

	ok = 0;
	if (jwt_get_alg(jwt) != JWT_ALG_HS256)
		goto done;
	if ((v = jwt_get_grant(jwt, "iss")) == NULL || strcmp(v, k->issuer))
		goto done;
	if ((v = jwt_get_grant(jwt, "aud")) == NULL || strcmp(v, k->audience))
		goto done;

	errno = 0;
	exp = jwt_get_grant_int(jwt, "exp");
	if (errno != 0 || exp <= 0 || now >= exp)
		goto done;
	errno = 0;
	iat = jwt_get_grant_int(jwt, "iat");
	if (errno != 0 || iat <= 0 || iat > now + TOKEN_LEEWAY || iat > exp)
		goto done;

	if ((v = jwt_get_grant(jwt, "sub")) == NULL)
		goto done;
	errno = 0;
	sub = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || sub <= 0)
		goto done;

	if ((v = jwt_get_grant(jwt, "role")) == NULL ||
	    (strcmp(v, "member") && strcmp(v, "admin")))
		goto done;
	snprintf(c->role, sizeof(c->role), "%s", v);

	if ((v = jwt_get_grant(jwt, "jti")) == NULL || strlen(v) == 0 ||
	    strlen(v) >= sizeof(c->jti))
		goto done;
	snprintf(c->jti, sizeof(c->jti), "%s", v);

	c->member_id = sub;
	c->iat = iat;
	c->exp = exp;
	ok = 1;
done:
	jwt_free(jwt);
	if (!ok)
		memset(c, 0, sizeof(*c));
	return (ok ? 0 : -1);
}

/* len must be odd: 2 hex digits a byte, plus the NUL. */
int
token_random_hex(char *out, size_t len)
{
	unsigned char	buf[64];
	size_t		i, n;

	n = (len - 1) / 2;
	if (n == 0 || n > sizeof(buf) || RAND_bytes(buf, (int)n) != 1)
		return (-1);
	for (i = 0; i < n; i++)
		snprintf(out + i * 2, 3, "%02x", buf[i]);
	out[n * 2] = '\0';
	return (0);
}

/* out: 65 bytes. */
void
token_sha256_hex(const char *in, char *out)
{
	unsigned char	md[SHA256_DIGEST_LENGTH];
	int		i;

	SHA256((const unsigned char *)in, strlen(in), md);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + i * 2, 3, "%02x", md[i]);
}

/* PKCE S256: base64url(sha256(verifier)) without padding. */
void
token_pkce_challenge(const char *verifier, char *out, size_t len)
{
	unsigned char	md[SHA256_DIGEST_LENGTH];
	unsigned char	b64[64];
	int		n, i, j;

	SHA256((const unsigned char *)verifier, strlen(verifier), md);
	n = EVP_EncodeBlock(b64, md, SHA256_DIGEST_LENGTH);
	for (i = 0, j = 0; i < n && (size_t)j + 1 < len; i++) {
		if (b64[i] == '=')
			break;
		out[j++] = (b64[i] == '+') ? '-' : (b64[i] == '/') ? '_' :
		    (char)b64[i];
	}
	out[j] = '\0';
}
