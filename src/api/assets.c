/*
 * assets.c: the web UI (assets/) and docs/openapi.yaml, served from memory.
 *
 * Each worker reads the files once at start into a sorted table; requests
 * are answered from it with an ETag (304 on If-None-Match), the security
 * headers and a Content-Type from the extension. Only files found in the
 * table can be served, so no request path ever reaches the filesystem.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "api.h"
#include "encore.h"
#include "http/reply.h"

#define ASSETS_MAX		512
#define ASSET_SIZE_MAX		(4 * 1024 * 1024)

struct asset {
	char		*path;
	const char	*type;
	char		 etag[24];
	unsigned char	*data;
	size_t		 len;
};

static struct asset	assets[ASSETS_MAX];
static size_t		nassets;

static const struct {
	const char	*ext;
	const char	*type;
} media_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".json", "application/json; charset=utf-8" },
	{ ".webmanifest", "application/manifest+json" },
	{ ".yaml", "application/yaml; charset=utf-8" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".woff2", "font/woff2" },
};

static const char *
assets_type(const char *path)
{
	size_t		i, plen, elen;

	plen = strlen(path);
	for (i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++) {
		elen = strlen(media_types[i].ext);
		if (plen > elen && !strcmp(path + plen - elen, media_types[i].ext))
			return (media_types[i].type);
	}
	return (NULL);
}

static void
assets_add(const char *file, const char *urlpath)
{
	struct asset	*a;
	struct stat	 st;
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	const char	*type;
	ssize_t		 r;
	size_t		 off;
	int		 fd, i;

	if ((type = assets_type(urlpath)) == NULL || nassets == ASSETS_MAX)
		return;
	if ((fd = open(file, O_RDONLY)) == -1)
		return;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > ASSET_SIZE_MAX) {
		close(fd);
		return;
	}
	a = &assets[nassets];
	a->len = (size_t)st.st_size;
	a->data = kore_malloc(a->len + 1);
	for (off = 0; off < a->len; off += (size_t)r) {
		if ((r = read(fd, a->data + off, a->len - off)) <= 0)
			break;
	}
	close(fd);
	if (off != a->len) {
		kore_free(a->data);
		return;
	}
	SHA256(a->data, a->len, md);
	a->etag[0] = '"';
	for (i = 0; i < 10; i++)
		snprintf(a->etag + 1 + i * 2, 3, "%02x", md[i]);
	a->etag[21] = '"';
	a->etag[22] = '\0';
	a->path = kore_strdup(urlpath);
	a->type = type;
	nassets++;
}

static void
assets_walk(const char *dir, const char *prefix, int depth)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 file[PATH_MAX], url[PATH_MAX];

	if (depth > 8 || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(file, sizeof(file), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(file) ||
		    snprintf(url, sizeof(url), "%s/%s", prefix, de->d_name) >=
		    (int)sizeof(url))
			continue;
		if (stat(file, &st) == -1)
			continue;
		if (S_ISDIR(st.st_mode))
			assets_walk(file, url, depth + 1);
		else
			assets_add(file, url);
	}
	closedir(d);
}

static int
assets_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct asset *)a)->path,
	    ((const struct asset *)b)->path));
}

void
assets_load(const char *dir, const char *prefix)
{
	assets_walk(dir, prefix, 0);
	qsort(assets, nassets, sizeof(assets[0]), assets_cmp);
}

static const struct asset *
assets_find(const char *path)
{
	struct asset	key;

	key.path = (char *)path;
	return (bsearch(&key, assets, nassets, sizeof(assets[0]), assets_cmp));
}

int
api_not_found(struct http_request *req)
{
	return (reply_error(req, 404, "NOT_FOUND",
	    "There is nothing at this path."));
}

int
assets_serve(struct http_request *req)
{
	const struct asset	*a;
	const char		*inm;
	char			 path[512];
	size_t			 len;

	if (!strncmp(req->path, "/api/", 5) || !strcmp(req->path, "/api"))
		return (api_not_found(req));

	len = strlen(req->path);
	if (len == 0 || len + sizeof("index.html") >= sizeof(path))
		return (api_not_found(req));
	memcpy(path, req->path, len + 1);
	if (path[len - 1] == '/')
		memcpy(path + len, "index.html", sizeof("index.html"));

	if ((a = assets_find(path)) == NULL)
		return (api_not_found(req));
	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD)
		return (reply_method_not_allowed(req, "GET, HEAD"));

	http_response_header(req, "etag", a->etag);
	http_response_header(req, "cache-control", "no-cache");
	if (http_request_header(req, "if-none-match", &inm) &&
	    strstr(inm, a->etag) != NULL)
		return (reply_status(req, 304));
	return (reply_raw(req, 200, a->type, a->data, a->len));
}
