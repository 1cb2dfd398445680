/*
 * errors.h: the one error model.
 *
 * SQL functions raise domain errors with SQLSTATE "EN<http status>", the
 * API code as the message, a human sentence as the hint and a JSON object
 * as the detail. errors_from_sql() turns that (or any other SQLSTATE) into
 * an api_error; errors_envelope() renders the contract's JSON envelope.
 * Both are pure, so the mapping is unit-tested.
 */
#ifndef ENCORE_ERRORS_H
#define ENCORE_ERRORS_H

#include <stddef.h>

struct api_error {
	int		status;
	char		code[64];
	char		message[256];
	const char	*details;	/* JSON object text or NULL (borrowed) */
};

void	errors_from_sql(struct api_error *, const char *sqlstate,
	    const char *primary, const char *hint, const char *detail);
void	errors_set(struct api_error *, int, const char *, const char *);
char	*errors_envelope(const struct api_error *, size_t *);
char	*errors_envelope_fields(const char *, const char *, size_t *);

#endif
