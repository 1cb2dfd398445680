/*
 * urlenc.c: build query strings and x-www-form-urlencoded bodies.
 */
#include <stdio.h>
#include <string.h>

#include "urlenc.h"

static int
urlenc_unreserved(unsigned char c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~');
}

/* Bytes s takes once encoded. */
static size_t
urlenc_len(const char *s)
{
	const unsigned char	*p;
	size_t			 n;

	for (n = 0, p = (const unsigned char *)s; *p != '\0'; p++)
		n += urlenc_unreserved(*p) ? 1 : 3;
	return (n);
}

/* Append s, percent-encoded, at *off; -1 (buffer untouched past off) if full. */
int
urlenc_append(char *buf, size_t len, size_t *off, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	size_t			 o, need;

	need = urlenc_len(s);
	if (*off >= len || need >= len - *off)
		return (-1);
	o = *off;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (urlenc_unreserved(*p)) {
			buf[o++] = (char)*p;
		} else {
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
	size_t	o, amp;

	o = *off;
	amp = (o > 0 && buf[o - 1] != '?');
	/* "&name=value" must fit whole, or nothing is written. */
	if (o >= len || amp + urlenc_len(name) + 1 + urlenc_len(value) >=
	    len - o)
		return (-1);
	if (amp)
		buf[o++] = '&';
	(void)urlenc_append(buf, len, &o, name);
	buf[o++] = '=';
	buf[o] = '\0';
	(void)urlenc_append(buf, len, &o, value);
	*off = o;
	return (0);
}
