/*
 * test_jsonreq.c: request bodies and path ids (src/core/jsonreq.c).
 *
 * What a client notices is whether a body is accepted, and when it is not,
 * which field and reason come back in details.fields of the 400 answer.
 * So each rejection test checks the recorded field and reason too.
 */
#include "unit.h"

#include <json-c/json.h>

#include "core/jsonreq.h"

/* Parse a NUL-terminated body; the struct is freed by the caller. */
static int
parse(struct jsonreq *r, const char *body)
{
	return (jsonreq_parse(r, body, strlen(body)));
}

/*
 * Expect the body to be refused with field "body" and this reason (NULL:
 * any reason). Everything is freed before a failure is reported, so a
 * failing test leaves nothing for LeakSanitizer.
 */
static void
expect_body_rejected(const char *body, size_t len, const char *reason)
{
	struct jsonreq	r;
	int		rc;

	rc = jsonreq_parse(&r, body, len);
	jsonreq_free(&r);
	if (rc != -1)
		fail_msg("accepted: %.*s", (int)len, body);
	assert_int_equal(r.failed, 1);
	assert_string_equal(r.field, "body");
	if (reason != NULL && strcmp(r.reason, reason) != 0)
		fail_msg("%.*s: got \"%s\", want \"%s\"", (int)len, body,
		    r.reason, reason);
}

static void
expect_body_accepted(const char *body)
{
	struct jsonreq	r;
	int		rc;

	rc = parse(&r, body);
	jsonreq_free(&r);
	if (rc != 0)
		fail_msg("refused: %.60s (%s)", body, r.reason);
}

/* One integer field "n" read with the given range; returns the verdict. */
static int
int_field(const char *body, int64_t min, int64_t max, int64_t *out,
    struct jsonreq *r)
{
	int	rc;

	assert_int_equal(parse(r, body), 0);
	rc = jsonreq_int(r, "n", 1, min, max, out);
	jsonreq_free(r);
	return (rc);
}

static void
expect_int_rejected(const char *body, int64_t min, int64_t max,
    const char *reason)
{
	struct jsonreq	r;
	int64_t		v;

	if (int_field(body, min, max, &v, &r) != -1)
		fail_msg("accepted: %s as %lld", body, (long long)v);
	assert_string_equal(r.field, "n");
	if (strcmp(r.reason, reason) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", body, r.reason, reason);
}

static void
valid_object_parsed(void **state)
{
	struct jsonreq	 r;
	int64_t		 id, seats[4];
	size_t		 n;
	const char	*note;

	(void)state;
	assert_int_equal(parse(&r, "{\"concert_id\": 12, \"seat_ids\": [3, 1],"
	    " \"note\": \"front row \xec\xa2\x8c\xec\x84\x9d\"}"), 0);
	assert_int_equal(r.failed, 0);
	assert_int_equal(jsonreq_int(&r, "concert_id", 1, 1, 1000, &id), 1);
	assert_int_equal(id, 12);
	assert_int_equal(jsonreq_int_array(&r, "seat_ids", 1, 4, 1, 1000,
	    seats, &n), 1);
	assert_int_equal(n, 2);
	assert_int_equal(seats[0], 3);
	assert_int_equal(seats[1], 1);
	assert_int_equal(jsonreq_str(&r, "note", 1, 1, 100, &note), 1);
	assert_string_equal(note, "front row \xec\xa2\x8c\xec\x84\x9d");
	assert_int_equal(r.failed, 0);
	jsonreq_free(&r);
}

static void
empty_object_accepted(void **state)
{
	(void)state;
	expect_body_accepted("{}");
	expect_body_accepted("  {\n}\n");
}

static void
trailing_whitespace_accepted(void **state)
{
	(void)state;
	expect_body_accepted("{\"a\":1} \r\n\t ");
}

static void
empty_body_rejected(void **state)
{
	struct jsonreq	r;

	(void)state;
	expect_body_rejected("", 0, "must be a JSON object");
	assert_int_equal(jsonreq_parse(&r, NULL, 0), -1);
	assert_string_equal(r.reason, "must be a JSON object");
}

static void
invalid_json_rejected(void **state)
{
	const char	*bad[] = {
		"{a:1}", "{\"a\":}", "{\"a\":1,}", "not json", "{\"a\":01}",
		"{\"a\":'x'}", "{\"a\":0x10}", "{\"a\":+1}", "{\"a\":.5}",
		"{\"a\":[1,]}", "{\"a\":TRUE}", "{\"a\":\"\\x41\"}",
		"{\"a\":1}/* comment */", "}", "{\"a\" 1}"
	};
	size_t		 i;

	(void)state;
	for (i = 0; i < UNIT_NELEM(bad); i++)
		expect_body_rejected(bad[i], strlen(bad[i]),
		    "is not valid JSON");
}

static void
json_c_leniencies_rejected(void **state)
{
	/*
	 * BUG: json-c 0.16 in strict mode still accepts single-quoted keys
	 * and the bare words NaN / Infinity, so these bodies, which are not
	 * JSON (RFC 8259), are accepted. Fix in jsonreq_parse(): before
	 * handing the body to json-c, walk it once (it is already walked for
	 * UTF-8) tracking whether the position is inside a double-quoted
	 * string (honouring backslash escapes); outside strings allow only
	 * whitespace, the characters {}[],:-+.eE, digits and the letters of
	 * true/false/null, and answer "is not valid JSON" otherwise.
	 */
	const char	*bad[] = {
		"{'a':1}", "{\"a\":NaN}", "{\"a\":Infinity}",
		"{\"a\":-Infinity}"
	};
	size_t		 i;

	(void)state;
	for (i = 0; i < UNIT_NELEM(bad); i++)
		expect_body_rejected(bad[i], strlen(bad[i]),
		    "is not valid JSON");
}

static void
truncated_json_rejected(void **state)
{
	const char	*bad[] = {
		"{", "{\"a\":1", "{\"a\":\"x", "{\"a\":[1,2", "{\"a\":tru",
		"{\"a\":{\"b\":1}"
	};
	size_t		 i;

	(void)state;
	for (i = 0; i < UNIT_NELEM(bad); i++)
		expect_body_rejected(bad[i], strlen(bad[i]),
		    "is not valid JSON");
}

static void
trailing_garbage_rejected(void **state)
{
	(void)state;
	expect_body_rejected("{\"a\":1} x", 9, NULL);
	expect_body_rejected("{\"a\":1}{\"b\":2}", 14, NULL);
	expect_body_rejected("{\"a\":1},", 8, NULL);
}

static void
top_level_non_object_rejected(void **state)
{
	(void)state;
	expect_body_rejected("[1,2]", 5, "must be a JSON object");
	expect_body_rejected("\"text\"", 6, "must be a JSON object");
	expect_body_rejected("true", 4, NULL);
	expect_body_rejected("null", 4, NULL);
	expect_body_rejected("42", 2, NULL);
	expect_body_rejected("42 ", 3, NULL);
}

static void
nul_byte_in_body_rejected(void **state)
{
	static const char	after[] = "{\"a\":1}\0";
	static const char	inside[] = "{\"a\":\"x\0y\"}";

	(void)state;
	expect_body_rejected(after, sizeof(after) - 1,
	    "must be valid UTF-8 without NUL bytes");
	expect_body_rejected(inside, sizeof(inside) - 1,
	    "must be valid UTF-8 without NUL bytes");
}

static void
invalid_utf8_rejected(void **state)
{
	const char	*bad[] = {
		"{\"a\":\"\xc0\xaf\"}",			/* overlong '/' */
		"{\"a\":\"\xe0\x80\xaf\"}",		/* overlong, 3 bytes */
		"{\"a\":\"\xf0\x80\x80\xaf\"}",		/* overlong, 4 bytes */
		"{\"a\":\"\xed\xa0\x80\"}",		/* surrogate U+D800 */
		"{\"a\":\"\xed\xbf\xbf\"}",		/* surrogate U+DFFF */
		"{\"a\":\"\xe2\x82\"}",			/* truncated */
		"{\"a\":\"x\"}\xe2\x82",		/* truncated at end */
		"{\"a\":\"\xf4\x90\x80\x80\"}",		/* past U+10FFFF */
		"{\"a\":\"\x80\"}",			/* lone continuation */
		"{\"a\":\"\xff\"}",
		"{\"\xc3\":1}"				/* in a key */
	};
	size_t		 i;

	(void)state;
	for (i = 0; i < UNIT_NELEM(bad); i++)
		expect_body_rejected(bad[i], strlen(bad[i]),
		    "must be valid UTF-8 without NUL bytes");
}

static void
utf8_boundaries_accepted(void **state)
{
	const char	*good[] = {
		"\x7f", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf",
		"\xee\x80\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80",
		"\xf4\x8f\xbf\xbf", "\xea\xb3\xb5\xec\x97\xb0",
		"\xf0\x9f\x8e\xab"
	};
	size_t		 i;

	(void)state;
	for (i = 0; i < UNIT_NELEM(good); i++) {
		if (!jsonreq_utf8_valid(good[i], strlen(good[i])))
			fail_msg("valid UTF-8 case %zu refused", i);
	}
}

/*
 * {"a":[[...1...]]}: depth containers in all (the object and depth - 1
 * arrays), unclosed if asked. A static buffer, so a failing test leaks
 * nothing.
 */
static const char *
nested_body(size_t depth, int closed)
{
	static char	b[2 * 10000 + 16];
	size_t		i, off;

	assert_true(depth * 2 + 16 <= sizeof(b));
	memcpy(b, "{\"a\":", 5);
	off = 5;
	for (i = 1; i < depth; i++)
		b[off++] = '[';
	b[off++] = '1';
	for (i = 1; closed && i < depth; i++)
		b[off++] = ']';
	if (closed)
		b[off++] = '}';
	b[off] = '\0';
	return (b);
}

static void
nesting_at_depth_limit_accepted(void **state)
{
	const char	*b;

	/*
	 * BUG (off by one): jsonreq.h promises bodies "nested at most
	 * JSONREQ_DEPTH deep", but json_tokener_new_ex(depth) allows only
	 * depth - 1 nested containers, so an object holding 7 nested arrays
	 * (8 levels) is refused. Fix in jsonreq_parse(): create the tokener
	 * with json_tokener_new_ex(JSONREQ_DEPTH + 1).
	 */
	(void)state;
	b = nested_body(JSONREQ_DEPTH - 1, 1);
	expect_body_accepted(b);
	b = nested_body(JSONREQ_DEPTH, 1);
	expect_body_accepted(b);
}

static void
nesting_beyond_depth_limit_rejected(void **state)
{
	const char	*b;

	(void)state;
	b = nested_body(JSONREQ_DEPTH + 1, 1);
	expect_body_rejected(b, strlen(b), "is nested too deeply");
}

static void
ten_thousand_deep_rejected_at_the_limit(void **state)
{
	const char	*b;

	/*
	 * Unclosed on purpose: "nested too deeply" rather than "not valid
	 * JSON" shows the parser stopped at the limit instead of reading on.
	 */
	(void)state;
	b = nested_body(10000, 0);
	expect_body_rejected(b, strlen(b), "is nested too deeply");
	b = nested_body(10000, 1);
	expect_body_rejected(b, strlen(b), "is nested too deeply");
}

static void
escaped_nul_in_string_rejected(void **state)
{
	struct jsonreq	 r;
	const char	*s;

	(void)state;
	assert_int_equal(parse(&r, "{\"name\":\"ab\\u0000cd\"}"), 0);
	s = NULL;
	assert_int_equal(jsonreq_str(&r, "name", 1, 1, 100, &s), -1);
	assert_null(s);
	assert_string_equal(r.field, "name");
	assert_string_equal(r.reason, "must be valid UTF-8 without NUL");
	jsonreq_free(&r);
}

static void
string_length_limits_in_bytes(void **state)
{
	struct jsonreq	 r;
	const char	*s;

	(void)state;
	/* Two Hangul syllables: 2 characters, 6 bytes. */
	assert_int_equal(parse(&r, "{\"t\":\"\xea\xb3\xb5\xec\x97\xb0\"}"), 0);
	assert_int_equal(jsonreq_str(&r, "t", 1, 1, 6, &s), 1);
	assert_int_equal(jsonreq_str(&r, "t", 1, 1, 5, &s), -1);
	assert_string_equal(r.field, "t");
	assert_string_equal(r.reason, "must be 1 to 5 bytes long");
	jsonreq_free(&r);

	assert_int_equal(parse(&r, "{\"t\":\"\"}"), 0);
	assert_int_equal(jsonreq_str(&r, "t", 1, 1, 5, &s), -1);
	assert_string_equal(r.reason, "must be 1 to 5 bytes long");
	jsonreq_free(&r);
}

static void
string_of_wrong_type_rejected(void **state)
{
	struct jsonreq	 r;
	const char	*s;

	(void)state;
	assert_int_equal(parse(&r, "{\"t\":12}"), 0);
	assert_int_equal(jsonreq_str(&r, "t", 1, 0, 5, &s), -1);
	assert_string_equal(r.field, "t");
	assert_string_equal(r.reason, "must be a string");
	jsonreq_free(&r);
}

static void
optional_string_absent_or_null_is_not_an_error(void **state)
{
	struct jsonreq	 r;
	const char	*s;

	(void)state;
	assert_int_equal(parse(&r, "{\"t\":null}"), 0);
	s = "untouched";
	assert_int_equal(jsonreq_str(&r, "t", 0, 1, 5, &s), 0);
	assert_int_equal(jsonreq_str(&r, "u", 0, 1, 5, &s), 0);
	assert_string_equal(s, "untouched");
	assert_int_equal(r.failed, 0);
	assert_int_equal(jsonreq_str(&r, "t", 1, 1, 5, &s), -1);
	assert_string_equal(r.field, "t");
	assert_string_equal(r.reason, "is required");
	jsonreq_free(&r);
}

static void
int_in_range_read(void **state)
{
	struct jsonreq	r;
	int64_t		v;

	(void)state;
	assert_int_equal(int_field("{\"n\":1}", 1, 10, &v, &r), 1);
	assert_int_equal(v, 1);
	assert_int_equal(int_field("{\"n\":10}", 1, 10, &v, &r), 1);
	assert_int_equal(v, 10);
	assert_int_equal(int_field("{\"n\":-5}", -10, 10, &v, &r), 1);
	assert_int_equal(v, -5);
	assert_int_equal(int_field("{\"n\":9223372036854775807}", 1,
	    INT64_MAX, &v, &r), 1);
	assert_true(v == INT64_MAX);
}

static void
int_given_as_float_rejected(void **state)
{
	(void)state;
	expect_int_rejected("{\"n\":1.0}", 1, 10, "must be an integer");
	expect_int_rejected("{\"n\":2.5}", 1, 10, "must be an integer");
}

static void
int_given_with_exponent_rejected(void **state)
{
	(void)state;
	expect_int_rejected("{\"n\":1e3}", 1, 10000, "must be an integer");
	expect_int_rejected("{\"n\":1E0}", 1, 10000, "must be an integer");
}

static void
int_given_as_string_rejected(void **state)
{
	(void)state;
	expect_int_rejected("{\"n\":\"1\"}", 1, 10, "must be an integer");
}

static void
int_given_as_boolean_rejected(void **state)
{
	(void)state;
	expect_int_rejected("{\"n\":true}", 0, 10, "must be an integer");
	expect_int_rejected("{\"n\":false}", 0, 10, "must be an integer");
}

static void
int_given_as_object_or_array_rejected(void **state)
{
	(void)state;
	expect_int_rejected("{\"n\":[1]}", 0, 10, "must be an integer");
	expect_int_rejected("{\"n\":{}}", 0, 10, "must be an integer");
}

static void
int_null_counts_as_missing(void **state)
{
	struct jsonreq	r;
	int64_t		v;

	(void)state;
	expect_int_rejected("{\"n\":null}", 1, 10, "is required");
	expect_int_rejected("{}", 1, 10, "is required");

	v = 77;
	assert_int_equal(parse(&r, "{\"n\":null}"), 0);
	assert_int_equal(jsonreq_int(&r, "n", 0, 1, 10, &v), 0);
	assert_int_equal(jsonreq_int(&r, "absent", 0, 1, 10, &v), 0);
	assert_int_equal(v, 77);
	assert_int_equal(r.failed, 0);
	jsonreq_free(&r);
}

static void
int_out_of_range_rejected(void **state)
{
	(void)state;
	expect_int_rejected("{\"n\":0}", 1, 10, "must be from 1 to 10");
	expect_int_rejected("{\"n\":11}", 1, 10, "must be from 1 to 10");
	expect_int_rejected("{\"n\":-1}", 0, 10, "must be from 0 to 10");
}

static void
int_beyond_int64_rejected_by_range(void **state)
{
	(void)state;
	expect_int_rejected("{\"n\":9223372036854775808}", 1,
	    1000000000000000LL, "must be from 1 to 1000000000000000");
	expect_int_rejected("{\"n\":99999999999999999999}", 1,
	    1000000000000000LL, "must be from 1 to 1000000000000000");
	expect_int_rejected("{\"n\":-9223372036854775809}", -10, 10,
	    "must be from -10 to 10");
}

static void
int_beyond_int64_not_read_as_int64_max(void **state)
{
	/*
	 * BUG (latent: today's callers cap far below INT64_MAX): json-c
	 * saturates integers outside int64 to INT64_MAX / INT64_MIN without
	 * an error, so with an int64-wide range 2^63 and 1e20 are read as
	 * 9223372036854775807. Fix in jsonreq_int_value(): treat the
	 * saturated values as out of range, e.g.
	 *   if (n == INT64_MAX || n == INT64_MIN) -> the "must be from" error
	 * (or compare json_object_get_uint64(v) > INT64_MAX for positives).
	 */
	(void)state;
	expect_int_rejected("{\"n\":9223372036854775808}", 0, INT64_MAX,
	    "must be from 0 to 9223372036854775807");
	expect_int_rejected("{\"n\":99999999999999999999}", 0, INT64_MAX,
	    "must be from 0 to 9223372036854775807");
}

static void
int_array_read_in_order(void **state)
{
	struct jsonreq	r;
	int64_t		out[5];
	size_t		n;

	(void)state;
	assert_int_equal(parse(&r, "{\"ids\":[5,3,9,1,7]}"), 0);
	assert_int_equal(jsonreq_int_array(&r, "ids", 1, 5, 1, 100, out, &n),
	    1);
	assert_int_equal(n, 5);
	assert_int_equal(out[0], 5);
	assert_int_equal(out[2], 9);
	assert_int_equal(out[4], 7);
	jsonreq_free(&r);
}

/* Run jsonreq_int_array on {"ids": <array>} with room for nmax items. */
static void
expect_array_rejected(const char *array, size_t nmin, size_t nmax,
    const char *reason)
{
	struct jsonreq	 r;
	int64_t		*out;
	size_t		 n;
	int		 rc;
	char		 body[256];

	snprintf(body, sizeof(body), "{\"ids\":%s}", array);
	/* Exactly nmax slots on the heap: ASan sees any write past them. */
	out = malloc(nmax * sizeof(*out));
	assert_non_null(out);
	assert_int_equal(parse(&r, body), 0);
	n = 99;
	rc = jsonreq_int_array(&r, "ids", nmin, nmax, 1, 100, out, &n);
	jsonreq_free(&r);
	free(out);
	if (rc != -1)
		fail_msg("accepted: %s", array);
	assert_int_equal(n, 99);
	assert_string_equal(r.field, "ids");
	if (strcmp(r.reason, reason) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", array, r.reason,
		    reason);
}

static void
int_array_empty_rejected(void **state)
{
	(void)state;
	expect_array_rejected("[]", 1, 4, "must have 1 to 4 items");
}

static void
int_array_too_many_rejected(void **state)
{
	(void)state;
	expect_array_rejected("[1,2,3,4,5]", 1, 4, "must have 1 to 4 items");
	expect_array_rejected("[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]", 1, 4,
	    "must have 1 to 4 items");
}

static void
int_array_duplicate_rejected(void **state)
{
	(void)state;
	expect_array_rejected("[4,2,4]", 1, 4, "must not repeat an id");
}

static void
int_array_non_int_item_rejected(void **state)
{
	(void)state;
	expect_array_rejected("[1,2.5]", 1, 4, "must be an integer");
	expect_array_rejected("[1,\"2\"]", 1, 4, "must be an integer");
	expect_array_rejected("[null]", 1, 4, "must be an integer");
	expect_array_rejected("[[1]]", 1, 4, "must be an integer");
}

static void
int_array_item_out_of_range_rejected(void **state)
{
	(void)state;
	expect_array_rejected("[1,0]", 1, 4, "must be from 1 to 100");
	expect_array_rejected("[101]", 1, 4, "must be from 1 to 100");
}

static void
int_array_not_an_array_rejected(void **state)
{
	(void)state;
	expect_array_rejected("1", 1, 4, "must be an array of integers");
	expect_array_rejected("{\"0\":1}", 1, 4, "must be an array of integers");
	expect_array_rejected("null", 1, 4, "is required");
}

static void
first_failure_is_the_one_recorded(void **state)
{
	struct jsonreq	r;
	int64_t		v, ids[4];
	size_t		n;

	(void)state;
	assert_int_equal(parse(&r, "{\"concert_id\":\"x\",\"quantity\":99,"
	    "\"ids\":[]}"), 0);
	assert_int_equal(jsonreq_int(&r, "concert_id", 1, 1, 10, &v), -1);
	assert_int_equal(jsonreq_int(&r, "quantity", 1, 1, 10, &v), -1);
	assert_int_equal(jsonreq_int_array(&r, "ids", 1, 4, 1, 10, ids, &n),
	    -1);
	jsonreq_fail(&r, "other", "by hand");
	jsonreq_free(&r);
	assert_string_equal(r.field, "concert_id");
	assert_string_equal(r.reason, "must be an integer");
}

static void
getters_after_a_failure_report_failure(void **state)
{
	struct jsonreq	 r;
	int64_t		 v;
	const char	*s;

	/* Once a field failed, the handler answers 400: nothing reads on. */
	(void)state;
	assert_int_equal(parse(&r, "{\"a\":\"x\",\"b\":3,\"c\":\"ok\"}"), 0);
	assert_int_equal(jsonreq_int(&r, "a", 1, 1, 10, &v), -1);
	assert_int_equal(jsonreq_int(&r, "b", 1, 1, 10, &v), -1);
	assert_int_equal(jsonreq_str(&r, "c", 1, 1, 10, &s), -1);
	jsonreq_free(&r);
}

static void
long_field_name_cut_safely(void **state)
{
	struct jsonreq	r;
	char		name[200];

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(name, 'f', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	jsonreq_fail(&r, name, "is required");
	assert_int_equal(strlen(r.field), sizeof(r.field) - 1);
	assert_string_equal(r.reason, "is required");
}

static void
has_reports_present_non_null_fields(void **state)
{
	struct jsonreq	r;

	(void)state;
	assert_int_equal(parse(&r, "{\"a\":0,\"b\":null,\"c\":\"\"}"), 0);
	assert_true(jsonreq_has(&r, "a"));
	assert_false(jsonreq_has(&r, "b"));
	assert_true(jsonreq_has(&r, "c"));
	assert_false(jsonreq_has(&r, "d"));
	jsonreq_free(&r);
	assert_false(jsonreq_has(&r, "a"));
}

static void
nested_object_reserialised(void **state)
{
	struct jsonreq	 r;
	const char	*json;
	json_object	*o, *v;

	(void)state;
	assert_int_equal(parse(&r, "{\"data\": {\"status\": \"DONE\", "
	    "\"n\": 2}, \"bad\": [1]}"), 0);
	assert_int_equal(jsonreq_object_json(&r, "data", &json), 1);
	o = json_tokener_parse(json);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "status", &v));
	assert_string_equal(json_object_get_string(v), "DONE");
	json_object_put(o);
	assert_int_equal(jsonreq_object_json(&r, "absent", &json), 0);
	assert_int_equal(jsonreq_object_json(&r, "bad", &json), -1);
	assert_string_equal(r.field, "bad");
	assert_string_equal(r.reason, "must be an object");
	jsonreq_free(&r);
}

static void
path_id_accepts_plain_positive_decimals(void **state)
{
	int64_t	v;

	(void)state;
	assert_int_equal(jsonreq_parse_id("1", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(jsonreq_parse_id("907", &v), 0);
	assert_int_equal(v, 907);
	assert_int_equal(jsonreq_parse_id("999999999999999", &v), 0);
	assert_int_equal(v, 999999999999999LL);
}

static void
path_id_rejects_malformed(void **state)
{
	const char	*bad[] = {
		"", "0", "01", "007", "+1", "-1", " 1", "1 ", "1a", "a1",
		"1.0", "1e3", "0x1f", "1234567890123456",
		"99999999999999999999", "\xd9\xa1"	/* Arabic-Indic 1 */
	};
	int64_t		 v;
	size_t		 i;

	(void)state;
	for (i = 0; i < UNIT_NELEM(bad); i++) {
		v = -7;
		if (jsonreq_parse_id(bad[i], &v) != -1)
			fail_msg("id \"%s\" accepted", bad[i]);
		assert_int_equal(v, -7);
	}
}

static void
uuid_accepts_canonical_forms(void **state)
{
	(void)state;
	assert_true(jsonreq_uuid_valid("123e4567-e89b-12d3-a456-426614174000"));
	assert_true(jsonreq_uuid_valid("123E4567-E89B-12D3-A456-426614174000"));
	assert_true(jsonreq_uuid_valid("00000000-0000-0000-0000-000000000000"));
	assert_true(jsonreq_uuid_valid("AbCdEf01-2345-6789-aBcD-eF0123456789"));
}

static void
uuid_rejects_malformed(void **state)
{
	const char	*bad[] = {
		"", "123e4567e89b12d3a456426614174000",
		"123e4567-e89b-12d3-a456-42661417400",
		"123e4567-e89b-12d3-a456-4266141740000",
		"{123e4567-e89b-12d3-a456-426614174000}",
		"123e4567-e89b-12d3-a456-42661417400g",
		"123e4567_e89b_12d3_a456_426614174000",
		"123e456-7e89b-12d3-a456-426614174000",
		" 123e4567-e89b-12d3-a456-42661417400",
		"123e4567-e89b-12d3-a456-42661417400\n"
	};
	size_t		 i;

	(void)state;
	for (i = 0; i < UNIT_NELEM(bad); i++) {
		if (jsonreq_uuid_valid(bad[i]))
			fail_msg("uuid \"%s\" accepted", bad[i]);
	}
}

/* jsonreq_top_str: what the payment flow reads out of SQL answers. */
static void
top_str_reads_only_top_level_strings(void **state)
{
	char	out[32];

	(void)state;
	assert_int_equal(jsonreq_top_str("{\"outcome\":\"PAID\"}", "outcome",
	    out, sizeof(out)), 1);
	assert_string_equal(out, "PAID");
	/* A member named "error" is not an error answer. */
	assert_int_equal(jsonreq_top_str(
	    "{\"member\":{\"name\":\"error\",\"error\":\"x\"}}", "error",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(jsonreq_top_str("{\"outcome\":1}", "outcome", out,
	    sizeof(out)), 0);
	assert_int_equal(jsonreq_top_str("not json", "outcome", out,
	    sizeof(out)), 0);
	assert_int_equal(jsonreq_top_str(NULL, "outcome", out, sizeof(out)), 0);
}

static void
top_str_cuts_to_the_buffer(void **state)
{
	char	out[5];

	(void)state;
	assert_int_equal(jsonreq_top_str("{\"k\":\"REFUND_REQUIRED\"}", "k",
	    out, sizeof(out)), 1);
	assert_string_equal(out, "REFU");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_object_parsed),
		cmocka_unit_test(empty_object_accepted),
		cmocka_unit_test(trailing_whitespace_accepted),
		cmocka_unit_test(empty_body_rejected),
		cmocka_unit_test(invalid_json_rejected),
		cmocka_unit_test(json_c_leniencies_rejected),
		cmocka_unit_test(truncated_json_rejected),
		cmocka_unit_test(trailing_garbage_rejected),
		cmocka_unit_test(top_level_non_object_rejected),
		cmocka_unit_test(nul_byte_in_body_rejected),
		cmocka_unit_test(invalid_utf8_rejected),
		cmocka_unit_test(utf8_boundaries_accepted),
		cmocka_unit_test(nesting_at_depth_limit_accepted),
		cmocka_unit_test(nesting_beyond_depth_limit_rejected),
		cmocka_unit_test(ten_thousand_deep_rejected_at_the_limit),
		cmocka_unit_test(escaped_nul_in_string_rejected),
		cmocka_unit_test(string_length_limits_in_bytes),
		cmocka_unit_test(string_of_wrong_type_rejected),
		cmocka_unit_test(optional_string_absent_or_null_is_not_an_error),
		cmocka_unit_test(int_in_range_read),
		cmocka_unit_test(int_given_as_float_rejected),
		cmocka_unit_test(int_given_with_exponent_rejected),
		cmocka_unit_test(int_given_as_string_rejected),
		cmocka_unit_test(int_given_as_boolean_rejected),
		cmocka_unit_test(int_given_as_object_or_array_rejected),
		cmocka_unit_test(int_null_counts_as_missing),
		cmocka_unit_test(int_out_of_range_rejected),
		cmocka_unit_test(int_beyond_int64_rejected_by_range),
		cmocka_unit_test(int_beyond_int64_not_read_as_int64_max),
		cmocka_unit_test(int_array_read_in_order),
		cmocka_unit_test(int_array_empty_rejected),
		cmocka_unit_test(int_array_too_many_rejected),
		cmocka_unit_test(int_array_duplicate_rejected),
		cmocka_unit_test(int_array_non_int_item_rejected),
		cmocka_unit_test(int_array_item_out_of_range_rejected),
		cmocka_unit_test(int_array_not_an_array_rejected),
		cmocka_unit_test(first_failure_is_the_one_recorded),
		cmocka_unit_test(getters_after_a_failure_report_failure),
		cmocka_unit_test(long_field_name_cut_safely),
		cmocka_unit_test(has_reports_present_non_null_fields),
		cmocka_unit_test(nested_object_reserialised),
		cmocka_unit_test(path_id_accepts_plain_positive_decimals),
		cmocka_unit_test(path_id_rejects_malformed),
		cmocka_unit_test(uuid_accepts_canonical_forms),
		cmocka_unit_test(uuid_rejects_malformed),
		cmocka_unit_test(top_str_reads_only_top_level_strings),
		cmocka_unit_test(top_str_cuts_to_the_buffer),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
