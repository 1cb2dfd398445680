/*
 * test_token.c: access tokens (src/core/token.c).
 *
 * token_verify() is the only gate between a bearer token and a member's
 * identity, so most tests here are forgeries it must refuse: tokens that
 * name another algorithm, carry no or a wrong signature, or claims that
 * are missing, expired or out of shape. Forged tokens are built by hand
 * (base64url of JSON) or with libjwt itself, never with token_issue().
 */
#include "unit.h"

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/token.h"

#define NOW		((time_t)1700000000)
#define TTL		900
#define SECRET		"0123456789abcdef0123456789abcdef"
#define OTHER_SECRET	"fedcba9876543210fedcba9876543210"

static const struct token_keys keys = {
	(const unsigned char *)SECRET, sizeof(SECRET) - 1, "encore", "encore-api"
};

/* base64url without padding; out must hold 4/3 of len plus 4 bytes. */
static void
b64url(const void *in, size_t len, char *out)
{
	int	n, i, j;

	n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	for (i = 0, j = 0; i < n; i++) {
		if (out[i] == '=')
			break;
		out[j++] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	}
	out[j] = '\0';
}

/* Decode one base64url part into a NUL-terminated string (malloc'd). */
static char *
b64url_decode(const char *in, size_t len)
{
	char	*padded, *out;
	size_t	 i, plen, pad;
	int	 n;

	pad = (4 - len % 4) % 4;
	plen = len + pad;
	padded = malloc(plen + 1);
	out = malloc(plen + 1);
	assert_non_null(padded);
	assert_non_null(out);
	for (i = 0; i < len; i++)
		padded[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
	for (; i < plen; i++)
		padded[i] = '=';
	padded[plen] = '\0';
	n = EVP_DecodeBlock((unsigned char *)out, (unsigned char *)padded,
	    (int)plen);
	assert_true(n >= 0);
	out[(size_t)n - pad] = '\0';
	free(padded);
	return (out);
}

/* "b64(header).b64(payload).sig", sig taken verbatim (may be empty). */
static char *
hand_token(const char *header, const char *payload, const char *sig)
{
	char	*out;
	size_t	 hl, pl, cap;

	hl = strlen(header);
	pl = strlen(payload);
	cap = (hl + pl) * 2 + strlen(sig) + 16;
	out = malloc(cap);
	assert_non_null(out);
	b64url(header, hl, out);
	strcat(out, ".");
	b64url(payload, pl, out + strlen(out));
	strcat(out, ".");
	strcat(out, sig);
	return (out);
}

/* A hand-built token with a real HMAC-SHA256 signature under SECRET. */
static char *
hand_token_hs256(const char *header, const char *payload)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;
	char		*tok, sig[128];
	size_t		 len;

	tok = hand_token(header, payload, "");
	len = strlen(tok) - 1;				/* without the last dot */
	assert_non_null(HMAC(EVP_sha256(), SECRET, sizeof(SECRET) - 1,
	    (unsigned char *)tok, len, md, &mdlen));
	b64url(md, mdlen, sig);
	tok = realloc(tok, len + 1 + strlen(sig) + 1);
	assert_non_null(tok);
	memcpy(tok + len + 1, sig, strlen(sig) + 1);
	return (tok);
}

/* Sign arbitrary claims (a JSON object) with libjwt. */
static char *
libjwt_token(const char *claims, jwt_alg_t alg, const char *secret)
{
	jwt_t	*jwt;
	char	*out;

	assert_int_equal(jwt_new(&jwt), 0);
	assert_int_equal(jwt_add_grants_json(jwt, claims), 0);
	assert_int_equal(jwt_set_alg(jwt, alg, (const unsigned char *)secret,
	    (int)strlen(secret)), 0);
	out = jwt_encode_str(jwt);
	jwt_free(jwt);
	assert_non_null(out);
	return (out);
}

/*
 * Claims as a JSON object (in a static buffer): sub is raw JSON, so a test
 * can make it a number or null; a NULL string or a 0 time leaves it out.
 */
static char *
claims_json(const char *sub, const char *role, const char *jti, long iat,
    long exp, const char *iss, const char *aud)
{
	static char	buf[4096];
	size_t		off;

	off = (size_t)snprintf(buf, sizeof(buf), "{");
	if (sub != NULL)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "\"sub\":%s,", sub);
	if (role != NULL)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "\"role\":\"%s\",", role);
	if (jti != NULL)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "\"jti\":\"%s\",", jti);
	if (iat != 0)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "\"iat\":%ld,", iat);
	if (exp != 0)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "\"exp\":%ld,", exp);
	if (iss != NULL)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "\"iss\":\"%s\",", iss);
	if (aud != NULL)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "\"aud\":\"%s\",", aud);
	if (buf[off - 1] == ',')
		off--;
	snprintf(buf + off, sizeof(buf) - off, "}");
	return (buf);
}

#define VALID_CLAIMS \
	claims_json("\"42\"", "member", "0123abcd", NOW, NOW + TTL, \
	    "encore", "encore-api")

/* 1 if the token is refused and no claim is left behind. */
static int
refused_cleanly(const char *tok, time_t now)
{
	struct token_claims	c;

	memset(&c, 0xa5, sizeof(c));
	return (token_verify(&keys, tok, now, &c) == -1 && c.member_id == 0 &&
	    c.role[0] == '\0' && c.jti[0] == '\0' && c.iat == 0 && c.exp == 0);
}

static void
expect_rejected(const char *tok, time_t now)
{
	if (!refused_cleanly(tok, now))
		fail_msg("accepted: %s", tok != NULL ? tok : "(null)");
}

/* Frees tok first, so a failing test leaves nothing for LeakSanitizer. */
static void
expect_rejected_free(char *tok)
{
	int	ok;

	ok = refused_cleanly(tok, NOW);
	free(tok);
	if (!ok)
		fail_msg("a forged token was accepted");
}

static int
is_hex(const char *s)
{
	for (; *s != '\0'; s++) {
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return (0);
	}
	return (1);
}

static void
issued_token_verifies_with_its_claims(void **state)
{
	struct token_claims	 c;
	char			*tok;

	(void)state;
	tok = token_issue(&keys, 42, "member", NOW, TTL);
	assert_non_null(tok);
	assert_int_equal(token_verify(&keys, tok, NOW, &c), 0);
	assert_int_equal(c.member_id, 42);
	assert_string_equal(c.role, "member");
	assert_int_equal(c.iat, NOW);
	assert_int_equal(c.exp, NOW + TTL);
	assert_int_equal(strlen(c.jti), 32);
	assert_true(is_hex(c.jti));
	free(tok);
}

static void
issued_admin_token_keeps_admin_role(void **state)
{
	struct token_claims	 c;
	char			*tok;

	(void)state;
	tok = token_issue(&keys, 7, "admin", NOW, TTL);
	assert_non_null(tok);
	assert_int_equal(token_verify(&keys, tok, NOW, &c), 0);
	assert_int_equal(c.member_id, 7);
	assert_string_equal(c.role, "admin");
	free(tok);
}

static void
two_issued_tokens_have_different_jti(void **state)
{
	struct token_claims	 a, b;
	char			*t1, *t2;

	(void)state;
	t1 = token_issue(&keys, 42, "member", NOW, TTL);
	t2 = token_issue(&keys, 42, "member", NOW, TTL);
	assert_int_equal(token_verify(&keys, t1, NOW, &a), 0);
	assert_int_equal(token_verify(&keys, t2, NOW, &b), 0);
	assert_string_not_equal(a.jti, b.jti);
	assert_string_not_equal(t1, t2);
	free(t1);
	free(t2);
}

static void
hand_built_hs256_token_verifies(void **state)
{
	struct token_claims	 c;
	char			*tok;

	/* Proves the forgery helpers below build well-formed tokens. */
	(void)state;
	tok = hand_token_hs256("{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
	    VALID_CLAIMS);
	assert_int_equal(token_verify(&keys, tok, NOW, &c), 0);
	assert_int_equal(c.member_id, 42);
	free(tok);
}

static void
token_accepted_until_one_second_before_exp(void **state)
{
	struct token_claims	 c;
	char			*tok;

	(void)state;
	tok = token_issue(&keys, 42, "member", NOW, TTL);
	assert_int_equal(token_verify(&keys, tok, NOW + TTL - 1, &c), 0);
	free(tok);
}

static void
expired_token_rejected_at_exp(void **state)
{
	char	*tok;
	int	 at_exp, later;

	(void)state;
	tok = token_issue(&keys, 42, "member", NOW, TTL);
	at_exp = refused_cleanly(tok, NOW + TTL);
	later = refused_cleanly(tok, NOW + TTL + 3600);
	free(tok);
	assert_true(at_exp);
	assert_true(later);
}

static void
alg_none_with_empty_signature_rejected(void **state)
{
	(void)state;
	expect_rejected_free(hand_token("{\"alg\":\"none\",\"typ\":\"JWT\"}",
	    VALID_CLAIMS, ""));
}

static void
alg_none_with_signature_part_rejected(void **state)
{
	(void)state;
	expect_rejected_free(hand_token("{\"alg\":\"none\",\"typ\":\"JWT\"}",
	    VALID_CLAIMS, "c2lnbmF0dXJl"));
}

static void
alg_none_uppercase_rejected(void **state)
{
	(void)state;
	expect_rejected_free(hand_token("{\"alg\":\"NONE\",\"typ\":\"JWT\"}",
	    VALID_CLAIMS, ""));
	expect_rejected_free(hand_token("{\"alg\":\"NONE\",\"typ\":\"JWT\"}",
	    VALID_CLAIMS, "c2lnbmF0dXJl"));
}

static void
alg_none_capitalised_rejected(void **state)
{
	(void)state;
	expect_rejected_free(hand_token("{\"alg\":\"None\",\"typ\":\"JWT\"}",
	    VALID_CLAIMS, ""));
	expect_rejected_free(hand_token("{\"alg\":\"None\",\"typ\":\"JWT\"}",
	    VALID_CLAIMS, "c2lnbmF0dXJl"));
}

static void
hs512_signed_with_same_secret_rejected(void **state)
{
	(void)state;
	expect_rejected_free(libjwt_token(VALID_CLAIMS, JWT_ALG_HS512,
	    SECRET));
}

static void
hs384_signed_with_same_secret_rejected(void **state)
{
	(void)state;
	expect_rejected_free(libjwt_token(VALID_CLAIMS, JWT_ALG_HS384,
	    SECRET));
}

static void
rs256_header_rejected(void **state)
{
	(void)state;
	expect_rejected_free(hand_token("{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
	    VALID_CLAIMS, "ZmFrZS1yc2Etc2lnbmF0dXJlLWJ5dGVz"));
}

static void
hs256_header_with_other_signature_rejected(void **state)
{
	(void)state;
	expect_rejected_free(hand_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
	    VALID_CLAIMS, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
}

static void
token_signed_with_wrong_key_rejected(void **state)
{
	(void)state;
	expect_rejected_free(libjwt_token(VALID_CLAIMS, JWT_ALG_HS256,
	    OTHER_SECRET));
}

static void
tampered_role_keeps_signature_rejected(void **state)
{
	char	*tok, *payload, *p, *dot1, *dot2;
	char	 json[1024], enc[1400], forged[2048];

	(void)state;
	tok = token_issue(&keys, 42, "member", NOW, TTL);
	assert_non_null(tok);
	dot1 = strchr(tok, '.');
	dot2 = strchr(dot1 + 1, '.');
	payload = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	p = strstr(payload, "\"role\":\"member\"");
	assert_non_null(p);
	snprintf(json, sizeof(json), "%.*s\"role\":\"admin\"%s",
	    (int)(p - payload), payload, p + strlen("\"role\":\"member\""));
	b64url(json, strlen(json), enc);
	snprintf(forged, sizeof(forged), "%.*s.%s%s", (int)(dot1 - tok), tok,
	    enc, dot2);
	free(payload);
	free(tok);
	expect_rejected(forged, NOW);
}

static void
iat_within_leeway_accepted(void **state)
{
	struct token_claims	 c;
	char			*tok;

	(void)state;
	tok = libjwt_token(claims_json("\"42\"", "member", "j1",
	    NOW + TOKEN_LEEWAY, NOW + TTL, "encore", "encore-api"),
	    JWT_ALG_HS256, SECRET);
	assert_int_equal(token_verify(&keys, tok, NOW, &c), 0);
	free(tok);
}

static void
iat_in_future_beyond_leeway_rejected(void **state)
{
	(void)state;
	expect_rejected_free(libjwt_token(claims_json("\"42\"", "member", "j1",
	    NOW + TOKEN_LEEWAY + 1, NOW + TTL, "encore", "encore-api"),
	    JWT_ALG_HS256, SECRET));
}

static void
iat_after_exp_rejected(void **state)
{
	(void)state;
	expect_rejected_free(libjwt_token(claims_json("\"42\"", "member", "j1",
	    NOW + 10, NOW + 5, "encore", "encore-api"),
	    JWT_ALG_HS256, SECRET));
}

static void
wrong_issuer_rejected(void **state)
{
	(void)state;
	expect_rejected_free(libjwt_token(claims_json("\"42\"", "member", "j1",
	    NOW, NOW + TTL, "someone-else", "encore-api"),
	    JWT_ALG_HS256, SECRET));
}

static void
wrong_audience_rejected(void **state)
{
	(void)state;
	expect_rejected_free(libjwt_token(claims_json("\"42\"", "member", "j1",
	    NOW, NOW + TTL, "encore", "other-api"), JWT_ALG_HS256, SECRET));
}

static void
audience_as_array_rejected(void **state)
{
	(void)state;
	expect_rejected_free(libjwt_token("{\"sub\":\"42\",\"role\":\"member\","
	    "\"jti\":\"j1\",\"iat\":1700000000,\"exp\":1700000900,"
	    "\"iss\":\"encore\",\"aud\":[\"encore-api\"]}",
	    JWT_ALG_HS256, SECRET));
}

static void
missing_sub_rejected(void **state)
{
	(void)state;
	expect_rejected_free(libjwt_token(claims_json(NULL, "member", "j1",
	    NOW, NOW + TTL, "encore", "encore-api"), JWT_ALG_HS256, SECRET));
}

static void
missing_role_rejected(void **state)
{
	(void)state;
	expect_rejected_free(libjwt_token(claims_json("\"42\"", NULL, "j1",
	    NOW, NOW + TTL, "encore", "encore-api"), JWT_ALG_HS256, SECRET));
}

static void
missing_jti_rejected(void **state)
{
	(void)state;
	expect_rejected_free(libjwt_token(claims_json("\"42\"", "member", NULL,
	    NOW, NOW + TTL, "encore", "encore-api"), JWT_ALG_HS256, SECRET));
}

static void
empty_jti_rejected(void **state)
{
	(void)state;
	expect_rejected_free(libjwt_token(claims_json("\"42\"", "member", "",
	    NOW, NOW + TTL, "encore", "encore-api"), JWT_ALG_HS256, SECRET));
}

static void
missing_exp_rejected(void **state)
{
	(void)state;
	expect_rejected_free(libjwt_token(claims_json("\"42\"", "member", "j1",
	    NOW, 0, "encore", "encore-api"), JWT_ALG_HS256, SECRET));
}

static void
missing_iat_rejected(void **state)
{
	(void)state;
	expect_rejected_free(libjwt_token(claims_json("\"42\"", "member", "j1",
	    0, NOW + TTL, "encore", "encore-api"), JWT_ALG_HS256, SECRET));
}

static void
missing_issuer_rejected(void **state)
{
	(void)state;
	expect_rejected_free(libjwt_token(claims_json("\"42\"", "member", "j1",
	    NOW, NOW + TTL, NULL, "encore-api"), JWT_ALG_HS256, SECRET));
}

static void
missing_audience_rejected(void **state)
{
	(void)state;
	expect_rejected_free(libjwt_token(claims_json("\"42\"", "member", "j1",
	    NOW, NOW + TTL, "encore", NULL), JWT_ALG_HS256, SECRET));
}

static void
sub_not_a_positive_integer_rejected(void **state)
{
	const char	*subs[] = {
		"\"0\"", "\"-5\"", "\"abc\"", "\"12abc\"", "\"\"", "\"4.5\"",
		"\"99999999999999999999\"", "42", "null", "true"
	};
	size_t		 i;

	(void)state;
	for (i = 0; i < UNIT_NELEM(subs); i++)
		expect_rejected_free(libjwt_token(claims_json(subs[i], "member",
		    "j1", NOW, NOW + TTL, "encore", "encore-api"),
		    JWT_ALG_HS256, SECRET));
}

static void
role_other_than_member_or_admin_rejected(void **state)
{
	const char	*roles[] = { "superuser", "Admin", "MEMBER", "", "admin " };
	size_t		 i;

	(void)state;
	for (i = 0; i < UNIT_NELEM(roles); i++)
		expect_rejected_free(libjwt_token(claims_json("\"42\"", roles[i],
		    "j1", NOW, NOW + TTL, "encore", "encore-api"),
		    JWT_ALG_HS256, SECRET));
}

/* A signed token padded by an extra claim to about the given length. */
static char *
padded_token(size_t target)
{
	char	*pad, *claims, *tok;
	size_t	 n;

	/* base64 grows JSON by 4/3; header and signature are ~80 bytes. */
	n = target > 400 ? (target - 300) * 3 / 4 : 1;
	pad = malloc(n + 1);
	claims = malloc(n + 256);
	assert_non_null(pad);
	assert_non_null(claims);
	memset(pad, 'p', n);
	pad[n] = '\0';
	snprintf(claims, n + 256, "{\"sub\":\"42\",\"role\":\"member\","
	    "\"jti\":\"j1\",\"iat\":%ld,\"exp\":%ld,\"iss\":\"encore\","
	    "\"aud\":\"encore-api\",\"pad\":\"%s\"}", (long)NOW,
	    (long)(NOW + TTL), pad);
	tok = libjwt_token(claims, JWT_ALG_HS256, SECRET);
	free(pad);
	free(claims);
	return (tok);
}

static void
token_near_max_length_accepted(void **state)
{
	struct token_claims	 c;
	char			*tok;

	(void)state;
	tok = padded_token(TOKEN_MAX_LEN - 60);
	assert_true(strlen(tok) <= TOKEN_MAX_LEN);
	assert_true(strlen(tok) > TOKEN_MAX_LEN - 200);
	assert_int_equal(token_verify(&keys, tok, NOW, &c), 0);
	free(tok);
}

static void
token_over_max_length_rejected(void **state)
{
	char	*tok;

	(void)state;
	tok = padded_token(TOKEN_MAX_LEN + 100);
	assert_true(strlen(tok) > TOKEN_MAX_LEN);
	expect_rejected_free(tok);
}

static void
garbage_and_empty_strings_rejected(void **state)
{
	const char	*bad[] = {
		"", "garbage", "a.b", "a.b.c", "a.b.c.d", "Bearer x.y.z",
		"eyJhbGciOiJIUzI1NiJ9", "....", ".a.b", "a.b.", "a..b",
		"a b.c.d", "a.b.c\n", "\xc3\xa9.b.c"
	};
	size_t		 i;

	(void)state;
	expect_rejected(NULL, NOW);
	for (i = 0; i < UNIT_NELEM(bad); i++)
		expect_rejected(bad[i], NOW);
}

static void
two_dots_only_rejected(void **state)
{
	(void)state;
	expect_rejected("..", NOW);
}

static void
valid_token_with_space_appended_rejected(void **state)
{
	char	*tok, spaced[TOKEN_MAX_LEN];

	(void)state;
	tok = token_issue(&keys, 42, "member", NOW, TTL);
	assert_non_null(tok);
	snprintf(spaced, sizeof(spaced), "%s ", tok);
	free(tok);
	expect_rejected(spaced, NOW);
}

static void
random_hex_has_requested_length(void **state)
{
	char	buf[129];
	size_t	lens[] = { 3, 17, 33, 65, 129 };
	size_t	i;

	(void)state;
	for (i = 0; i < UNIT_NELEM(lens); i++) {
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(token_random_hex(buf, lens[i]), 0);
		assert_int_equal(strlen(buf), lens[i] - 1);
		assert_true(is_hex(buf));
	}
}

static void
random_hex_refuses_sizes_it_cannot_fill(void **state)
{
	char	buf[200];

	(void)state;
	assert_int_equal(token_random_hex(buf, 1), -1);
	assert_int_equal(token_random_hex(buf, 131), -1);	/* > 64 bytes */
}

static int
cmp_str(const void *a, const void *b)
{
	return (strcmp(a, b));
}

static void
random_hex_values_are_unique(void **state)
{
	enum { N = 2000 };
	char	(*vals)[33];
	size_t	 i;

	(void)state;
	vals = calloc(N, sizeof(*vals));
	assert_non_null(vals);
	for (i = 0; i < N; i++)
		assert_int_equal(token_random_hex(vals[i], sizeof(vals[i])), 0);
	qsort(vals, N, sizeof(*vals), cmp_str);
	for (i = 1; i < N; i++)
		assert_string_not_equal(vals[i - 1], vals[i]);
	free(vals);
}

static void
sha256_hex_of_abc_matches_known_vector(void **state)
{
	char	out[65];

	(void)state;
	token_sha256_hex("abc", out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}

static void
sha256_hex_of_empty_string_matches_known_vector(void **state)
{
	char	out[65];

	(void)state;
	token_sha256_hex("", out);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
}

static void
pkce_challenge_matches_rfc7636_vector(void **state)
{
	char	out[64];

	(void)state;
	token_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
	    out, sizeof(out));
	assert_string_equal(out,
	    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void
pkce_challenge_truncates_to_buffer(void **state)
{
	char	out[10];

	(void)state;
	token_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
	    out, sizeof(out));
	assert_string_equal(out, "E9Melhoa2");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(issued_token_verifies_with_its_claims),
		cmocka_unit_test(issued_admin_token_keeps_admin_role),
		cmocka_unit_test(two_issued_tokens_have_different_jti),
		cmocka_unit_test(hand_built_hs256_token_verifies),
		cmocka_unit_test(token_accepted_until_one_second_before_exp),
		cmocka_unit_test(expired_token_rejected_at_exp),
		cmocka_unit_test(alg_none_with_empty_signature_rejected),
		cmocka_unit_test(alg_none_with_signature_part_rejected),
		cmocka_unit_test(alg_none_uppercase_rejected),
		cmocka_unit_test(alg_none_capitalised_rejected),
		cmocka_unit_test(hs512_signed_with_same_secret_rejected),
		cmocka_unit_test(hs384_signed_with_same_secret_rejected),
		cmocka_unit_test(rs256_header_rejected),
		cmocka_unit_test(hs256_header_with_other_signature_rejected),
		cmocka_unit_test(token_signed_with_wrong_key_rejected),
		cmocka_unit_test(tampered_role_keeps_signature_rejected),
		cmocka_unit_test(iat_within_leeway_accepted),
		cmocka_unit_test(iat_in_future_beyond_leeway_rejected),
		cmocka_unit_test(iat_after_exp_rejected),
		cmocka_unit_test(wrong_issuer_rejected),
		cmocka_unit_test(wrong_audience_rejected),
		cmocka_unit_test(audience_as_array_rejected),
		cmocka_unit_test(missing_sub_rejected),
		cmocka_unit_test(missing_role_rejected),
		cmocka_unit_test(missing_jti_rejected),
		cmocka_unit_test(empty_jti_rejected),
		cmocka_unit_test(missing_exp_rejected),
		cmocka_unit_test(missing_iat_rejected),
		cmocka_unit_test(missing_issuer_rejected),
		cmocka_unit_test(missing_audience_rejected),
		cmocka_unit_test(sub_not_a_positive_integer_rejected),
		cmocka_unit_test(role_other_than_member_or_admin_rejected),
		cmocka_unit_test(token_near_max_length_accepted),
		cmocka_unit_test(token_over_max_length_rejected),
		cmocka_unit_test(garbage_and_empty_strings_rejected),
		cmocka_unit_test(two_dots_only_rejected),
		cmocka_unit_test(valid_token_with_space_appended_rejected),
		cmocka_unit_test(random_hex_has_requested_length),
		cmocka_unit_test(random_hex_refuses_sizes_it_cannot_fill),
		cmocka_unit_test(random_hex_values_are_unique),
		cmocka_unit_test(sha256_hex_of_abc_matches_known_vector),
		cmocka_unit_test(sha256_hex_of_empty_string_matches_known_vector),
		cmocka_unit_test(pkce_challenge_matches_rfc7636_vector),
		cmocka_unit_test(pkce_challenge_truncates_to_buffer),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
