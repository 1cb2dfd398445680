/*
 * errors.c: map database errors to API errors and render the envelope
 * {"error":{"code","message","details"}}.
 *
 * Domain errors carry their HTTP status in the SQLSTATE (EN400..EN499), so
 * the rule "which status" lives next to the rule that failed, in SQL. Other
 * SQLSTATE classes are infrastructure: serialization failures, cancelled
 * statements and lost connections are retryable (503); data exceptions can
 * only come from input the edge let through (400). Anything else is a bug
 * and stays a 500 so it is noticed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "errors.h"

static int	errors_code_ok(const char *);

void
errors_set(struct api_error *e, int status, const char *code,
    const char *message)
{
	size_t	n;

	e->status = status;
	snprintf(e->code, sizeof(e->code), "%s", code);
	n = strlen(message);
	if (n >= sizeof(e->message)) {
		/* Cut on a UTF-8 character boundary, never inside one. */
		n = sizeof(e->message) - 1;
		while (n > 0 && ((unsigned char)message[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(e->message, message, n);
	e->message[n] = '\0';
	e->details = NULL;
}

static int
errors_code_ok(const char *code)
{
	const char	*p;

	if (code == NULL || *code == '\0' || strlen(code) >= 64)
		return (0);
	for (p = code; *p != '\0'; p++) {
		if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    *p != '_')
			return (0);
	}
	return (1);
}

void
errors_from_sql(struct api_error *e, const char *sqlstate,
    const char *primary, const char *hint, const char *detail)
{
	int	status;

	if (sqlstate == NULL || strlen(sqlstate) != 5) {
		errors_set(e, 503, "SERVICE_UNAVAILABLE",
		    "The database is not reachable right now.");
		return;
	}

	if (sqlstate[0] == 'E' && sqlstate[1] == 'N' &&
	    isdigit((unsigned char)sqlstate[2]) &&
	    isdigit((unsigned char)sqlstate[3]) &&
	    isdigit((unsigned char)sqlstate[4])) {
		status = atoi(sqlstate + 2);
		if (status < 400 || status > 499 || !errors_code_ok(primary)) {
			errors_set(e, 500, "INTERNAL_ERROR",
			    "Something went wrong on our side.");
			return;
		}
		errors_set(e, status, primary,
		    (hint != NULL && *hint != '\0') ? hint : primary);
		e->details = (detail != NULL && detail[0] == '{') ?
		    detail : NULL;
		return;
	}

	if (!strncmp(sqlstate, "22", 2)) {
		errors_set(e, 400, "VALIDATION_FAILED",
		    "The request has a value that is out of range.");
	} else if (!strcmp(sqlstate, "40001") || !strcmp(sqlstate, "40P01") ||
	    !strcmp(sqlstate, "55P03") || !strcmp(sqlstate, "57014") ||
	    !strncmp(sqlstate, "08", 2) || !strncmp(sqlstate, "53", 2) ||
	    !strncmp(sqlstate, "57P", 3)) {
		errors_set(e, 503, "SERVICE_UNAVAILABLE",
		    "The service is busy; please try again.");
	} else if (!strncmp(sqlstate, "23", 2)) {
		errors_set(e, 409, "CONFLICT",
		    "The request conflicts with the current state.");
	} else {
		errors_set(e, 500, "INTERNAL_ERROR",
		    "Something went wrong on our side.");
	}
}

/* Render the envelope; details are embedded only if they parse as JSON. */
char *
errors_envelope(const struct api_error *e, size_t *lenp)
{
	json_object	*root, *err, *det;
	const char	*s;
	char		*out;
	size_t		 len;

	root = json_object_new_object();
	err = json_object_new_object();
	json_object_object_add(err, "code", json_object_new_string(e->code));
	json_object_object_add(err, "message",
	    json_object_new_string(e->message));
	if (e->details != NULL &&
	    (det = json_tokener_parse(e->details)) != NULL) {
		if (json_object_is_type(det, json_type_object))
			json_object_object_add(err, "details", det);
		else
			json_object_put(det);
	}
	json_object_object_add(root, "error", err);

	s = json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(s);
	if ((out = malloc(len + 1)) != NULL) {
		memcpy(out, s, len + 1);
		if (lenp != NULL)
			*lenp = len;
	}
	json_object_put(root);
	return (out);
}

/* details.fields for a 400: {"fields":{"<field>":"<reason>"}}. */
char *
errors_envelope_fields(const char *field, const char *reason, size_t *lenp)
{
	struct api_error	 e;
	json_object		*det, *fields;
	char			*out;

	errors_set(&e, 400, "VALIDATION_FAILED",
	    "The request is not valid.");
	det = json_object_new_object();
	fields = json_object_new_object();
	if (field != NULL)
		json_object_object_add(fields, field,
		    json_object_new_string(reason));
	json_object_object_add(det, "fields", fields);
	e.details = json_object_to_json_string_ext(det, JSON_C_TO_STRING_PLAIN);
	out = errors_envelope(&e, lenp);
	json_object_put(det);
	return (out);
}
