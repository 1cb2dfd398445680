/*
 * urlenc.c: build query strings and x-www-form-urlencoded bodies.
 */
#include <stdio.h>
#include <string.h>

#include "urlenc.h"

/* Append s, percent-encoded, at *off; -1 (buffer untouched past off) if full. */
int
urlenc_append(char *buf, size_t len, size_t *off, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	size_t			 o;

	o = *off;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~') {
			if (o + 1 >= len)
				return (-1);
			buf[o++] = (char)*p;
		} else {
			if (o + 3 >= len)
				return (-1);
			buf[o++] = '%';
			buf[o++] = hex[*p >> 4];
			buf[o++] = hex[*p & 0x0f];
		}
	}
	buf[o] = '\0';
	*off = o;
	return (0);
}

/* Append "&name=value" (no '&' when at the start or after '?'). */
int
urlenc_param(char *buf, size_t len, size_t *off, const char *name,
    const char *value)
{
	size_t	o;

	o = *off;
	if (o > 0 && buf[o - 1] != '?') {
		if (o + 1 >= len)
			return (-1);
		buf[o++] = '&';
	}
	if (urlenc_append(buf, len, &o, name) == -1 || o + 1 >= len)
		return (-1);
	buf[o++] = '=';
	buf[o] = '\0';
	if (urlenc_append(buf, len, &o, value) == -1)
		return (-1);
	*off = o;
	return (0);
}
