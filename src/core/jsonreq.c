/*
 * jsonreq.c: strict JSON request bodies (json-c with a depth limit).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonreq.h"

static struct json_object	*jsonreq_get(struct jsonreq *, const char *,
				    int);

void
jsonreq_fail(struct jsonreq *r, const char *field, const char *reason)
{
	if (r->failed)
		return;
	r->failed = 1;
	snprintf(r->field, sizeof(r->field), "%s", field);
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
}

int
jsonreq_utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, n, k;
	unsigned int		 cp;

	for (i = 0; i < len; i += n) {
		if (p[i] < 0x80) {
			if (p[i] == 0)
				return (0);
			n = 1;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = p[i] & 0x1f;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = p[i] & 0x0f;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = p[i] & 0x07;
		} else {
			return (0);
		}
		if (i + n > len)
			return (0);
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return (0);
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
		    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
	}
	return (1);
}

/*
 * json-c 0.16 accepts single-quoted strings and NaN/Infinity even in strict
 * mode: outside double-quoted strings allow only what JSON can contain.
 */
static int
jsonreq_lexically_json(const char *s, size_t len)
{
	size_t	i;
	int	in_str;

	for (i = 0, in_str = 0; i < len; i++) {
		if (in_str) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_str = 0;
		} else if (s[i] == '"') {
			in_str = 1;
		} else if (strchr(" \t\r\n{}[],:-+.eE0123456789truefalsn",
		    s[i]) == NULL) {
			return (0);
		}
	}
	return (1);
}

int
jsonreq_parse(struct jsonreq *r, const char *body, size_t len)
{
	struct json_tokener	*tok;
	size_t			 off;

	memset(r, 0, sizeof(*r));
	if (body == NULL || len == 0) {
		jsonreq_fail(r, "body", "must be a JSON object");
		return (-1);
	}
	if (!jsonreq_utf8_valid(body, len)) {
		jsonreq_fail(r, "body", "must be valid UTF-8 without NUL bytes");
		return (-1);
	}
	if (!jsonreq_lexically_json(body, len)) {
		jsonreq_fail(r, "body", "is not valid JSON");
		return (-1);
	}
	if ((tok = json_tokener_new_ex(JSONREQ_DEPTH + 1)) == NULL) {
		jsonreq_fail(r, "body", "could not be parsed");
		return (-1);
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	r->root = json_tokener_parse_ex(tok, body, (int)len);
	off = json_tokener_get_parse_end(tok);
	if (r->root == NULL ||
	    json_tokener_get_error(tok) != json_tokener_success) {
		if (json_tokener_get_error(tok) == json_tokener_error_depth)
			jsonreq_fail(r, "body", "is nested too deeply");
		else
			jsonreq_fail(r, "body", "is not valid JSON");
	}
	json_tokener_free(tok);
	if (r->failed) {
		jsonreq_free(r);
		r->failed = 1;
		return (-1);
	}
	for (; off < len; off++) {
		if (!isspace((unsigned char)body[off])) {
			jsonreq_fail(r, "body", "has data after the JSON value");
			jsonreq_free(r);
			r->failed = 1;
			return (-1);
		}
	}
	if (!json_object_is_type(r->root, json_type_object)) {
		jsonreq_fail(r, "body", "must be a JSON object");
		jsonreq_free(r);
		r->failed = 1;
		return (-1);
	}
	return (0);
}

void
jsonreq_free(struct jsonreq *r)
{
	if (r->root != NULL)
		json_object_put(r->root);
	r->root = NULL;
}

int
jsonreq_has(struct jsonreq *r, const char *key)
{
	struct json_object	*v;

	return (r->root != NULL &&
	    json_object_object_get_ex(r->root, key, &v) &&
	    !json_object_is_type(v, json_type_null));
}

static struct json_object *
jsonreq_get(struct jsonreq *r, const char *key, int required)
{
	struct json_object	*v;

	if (r->failed || r->root == NULL)
		return (NULL);
	if (!json_object_object_get_ex(r->root, key, &v) ||
	    json_object_is_type(v, json_type_null)) {
		if (required)
			jsonreq_fail(r, key, "is required");
		return (NULL);
	}
	return (v);
}

static int
jsonreq_int_value(struct jsonreq *r, const char *key, struct json_object *v,
    int64_t min, int64_t max, int64_t *out)
{
	char		why[96];
	int64_t		n;

	if (!json_object_is_type(v, json_type_int)) {
		jsonreq_fail(r, key, "must be an integer");
		return (-1);
	}
	errno = 0;
	n = json_object_get_int64(v);
	/* json-c reads numbers past INT64_MAX as INT64_MAX, silently. */
	if (errno != 0 || n < min || n > max || (n == INT64_MAX &&
	    json_object_get_uint64(v) != (uint64_t)INT64_MAX)) {
		snprintf(why, sizeof(why), "must be from %lld to %lld",
		    (long long)min, (long long)max);
		jsonreq_fail(r, key, why);
		return (-1);
	}
	*out = n;
	return (0);
}

/* Returns 1 when set, 0 when absent (and optional), -1 when invalid. */
int
jsonreq_int(struct jsonreq *r, const char *key, int required, int64_t min,
    int64_t max, int64_t *out)
{
	struct json_object	*v;

	if ((v = jsonreq_get(r, key, required)) == NULL)
		return (r->failed ? -1 : 0);
	return (jsonreq_int_value(r, key, v, min, max, out) == 0 ? 1 : -1);
}

int
jsonreq_str(struct jsonreq *r, const char *key, int required, size_t minlen,
    size_t maxlen, const char **out)
{
	struct json_object	*v;
	const char		*s;
	size_t			 len;
	char			 why[96];

	if ((v = jsonreq_get(r, key, required)) == NULL)
		return (r->failed ? -1 : 0);
	if (!json_object_is_type(v, json_type_string)) {
		jsonreq_fail(r, key, "must be a string");
		return (-1);
	}
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (memchr(s, '\0', len) != NULL || !jsonreq_utf8_valid(s, len)) {
		jsonreq_fail(r, key, "must be valid UTF-8 without NUL");
		return (-1);
	}
	if (len < minlen || len > maxlen) {
		snprintf(why, sizeof(why), "must be %zu to %zu bytes long",
		    minlen, maxlen);
		jsonreq_fail(r, key, why);
		return (-1);
	}
	*out = s;
	return (1);
}

/* An array of distinct integers within [min, max] with nmin..nmax items. */
int
jsonreq_int_array(struct jsonreq *r, const char *key, size_t nmin,
    size_t nmax, int64_t min, int64_t max, int64_t *out, size_t *nout)
{
	struct json_object	*v;
	size_t			 i, j, n;
	char			 why[96];

	if ((v = jsonreq_get(r, key, 1)) == NULL)
		return (-1);
	if (!json_object_is_type(v, json_type_array)) {
		jsonreq_fail(r, key, "must be an array of integers");
		return (-1);
	}
	n = json_object_array_length(v);
	if (n < nmin || n > nmax) {
		snprintf(why, sizeof(why), "must have %zu to %zu items",
		    nmin, nmax);
		jsonreq_fail(r, key, why);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (jsonreq_int_value(r, key, json_object_array_get_idx(v, i),
		    min, max, &out[i]) == -1)
			return (-1);
		for (j = 0; j < i; j++) {
			if (out[j] == out[i]) {
				jsonreq_fail(r, key, "must not repeat an id");
				return (-1);
			}
		}
	}
	*nout = n;
	return (1);
}

/* An optional nested object, re-serialised for a jsonb parameter. */
int
jsonreq_object_json(struct jsonreq *r, const char *key, const char **out)
{
	struct json_object	*v;

	if ((v = jsonreq_get(r, key, 0)) == NULL)
		return (r->failed ? -1 : 0);
	if (!json_object_is_type(v, json_type_object)) {
		jsonreq_fail(r, key, "must be an object");
		return (-1);
	}
	*out = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	return (1);
}

/* A positive decimal id from a path segment: no sign, no leading zero. */
int
jsonreq_parse_id(const char *s, int64_t *out)
{
	int64_t		n;
	size_t		i, len;

	len = strlen(s);
	if (len == 0 || len > 15 || s[0] == '0')
		return (-1);
	n = 0;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (-1);
		n = n * 10 + (s[i] - '0');
	}
	*out = n;
	return (0);
}

int
jsonreq_uuid_valid(const char *s)
{
	size_t		i;

	if (strlen(s) != 36)
		return (0);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
		} else if (!isxdigit((unsigned char)s[i])) {
			return (0);
		}
	}
	return (1);
}

/* A top-level string member of a JSON object text, copied into out. */
int
jsonreq_top_str(const char *json, const char *key, char *out, size_t len)
{
	json_object	*root, *v;
	int		 ok;

	ok = 0;
	out[0] = '\0';
	if (json == NULL || (root = json_tokener_parse(json)) == NULL)
		return (0);
	if (json_object_object_get_ex(root, key, &v) &&
	    json_object_is_type(v, json_type_string)) {
		snprintf(out, len, "%s", json_object_get_string(v));
		ok = 1;
	}
	json_object_put(root);
	return (ok);
}
