/*
 * urlenc.h: percent-encoding for query strings and form bodies (RFC 3986
 * unreserved characters pass, everything else is %XX). Pure.
 */
#ifndef ENCORE_URLENC_H
#define ENCORE_URLENC_H

#include <stddef.h>

int	urlenc_append(char *, size_t, size_t *, const char *);
int	urlenc_param(char *, size_t, size_t *, const char *, const char *);

#endif
