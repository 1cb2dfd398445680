/*
 * jsonreq.h: parse a request body once, at the edge, into typed values.
 *
 * A body is accepted only if it is one JSON object, valid UTF-8, without NUL
 * bytes, nested at most JSONREQ_DEPTH deep. The getters check type and range
 * and remember the first field at fault, which becomes details.fields of the
 * 400 VALIDATION_FAILED answer. Pure: no kore, unit-tested with cmocka.
 */
#ifndef ENCORE_JSONREQ_H
#define ENCORE_JSONREQ_H

#include <stddef.h>
#include <stdint.h>

#define JSONREQ_DEPTH		8

struct json_object;

struct jsonreq {
	struct json_object	*root;
	char			 field[64];
	char			 reason[128];
	int			 failed;
};

int	jsonreq_parse(struct jsonreq *, const char *, size_t);
void	jsonreq_free(struct jsonreq *);
int	jsonreq_has(struct jsonreq *, const char *);
int	jsonreq_int(struct jsonreq *, const char *, int, int64_t, int64_t,
	    int64_t *);
int	jsonreq_str(struct jsonreq *, const char *, int, size_t, size_t,
	    const char **);
int	jsonreq_int_array(struct jsonreq *, const char *, size_t, size_t,
	    int64_t, int64_t, int64_t *, size_t *);
int	jsonreq_object_json(struct jsonreq *, const char *, const char **);
void	jsonreq_fail(struct jsonreq *, const char *, const char *);

int	jsonreq_utf8_valid(const char *, size_t);
int	jsonreq_parse_id(const char *, int64_t *);
int	jsonreq_uuid_valid(const char *);
int	jsonreq_top_str(const char *, const char *, char *, size_t);

#endif
