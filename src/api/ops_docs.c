/*
 * GET /openapi.json, GET /docs and Swagger UI's files. The page itself
 * (assets/: index.html, init.js, docs.css) is compiled into the module as
 * kodev's asset_<name> symbols; the document and Swagger UI's npm bundle
 * are built by `make` into DOCS_DIR (openapi/build.mjs). The parent reads
 * them once, with a gzipped copy and an ETag each, before the workers
 * fork, so answering them costs no file access and no compression.
 */

#include <sys/stat.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assets.h"
#include "api/api.h"
#include "api/ops.h"
#include "core/digest_cache.h"
#include "core/etag.h"
#include "core/gzip.h"
#include "core/hash.h"
#include "core/settings.h"
#include "core/strbuf.h"
#include "http/http_limit.h"
#include "http/http_query.h"
#include "http/http_request.h"
#include "http/http_response.h"

#define DOCS_FILE_MAX		(16 * 1024 * 1024)
#define DOCS_NAME_MAX		64

/* Swagger UI runs this origin's scripts only; it sets inline styles. */
#define DOCS_HTML_CSP							\
	"default-src 'none'; script-src 'self'; "			\
	"style-src 'self' 'unsafe-inline'; img-src 'self' data:; "	\
	"connect-src 'self'; base-uri 'none'; form-action 'none'; "	\
	"frame-ancestors 'none'"

struct docs_file {
	const char	*name;
	const char	*type;
	int		 compress;
	const u_int8_t	*asset;		/* compiled in, or NULL: DOCS_DIR */
	const u_int32_t	*asset_len;
	const char	*data;
	size_t		 len;
	struct strbuf	 gz;
	char		 etag[24];
	char		 etag_gz[24];
};

static int	docs_read(const char *, const char *, struct docs_file *,
		    char *, size_t);
static void	docs_prepare(struct docs_file *);
static int	docs_send(struct http_request *, struct docs_file *);
static int	docs_etag_seen(struct http_request *,
		    const struct docs_file *);

static struct docs_file	docs_files[] = {
	{ .name = "openapi.json", .type = "application/json",
	    .compress = 1 },
	{ .name = "index.html", .type = "text/html; charset=utf-8",
	    .compress = 1, .asset = asset_index_html,
	    .asset_len = &asset_len_index_html },
	{ .name = "init.js", .type = "text/javascript; charset=utf-8",
	    .compress = 1, .asset = asset_init_js,
	    .asset_len = &asset_len_init_js },
	{ .name = "docs.css", .type = "text/css; charset=utf-8",
	    .compress = 1, .asset = asset_docs_css,
	    .asset_len = &asset_len_docs_css },
	{ .name = "swagger-ui.css", .type = "text/css; charset=utf-8",
	    .compress = 1 },
	{ .name = "swagger-ui-bundle.js",
	    .type = "text/javascript; charset=utf-8", .compress = 1 },
	{ .name = "favicon-32x32.png", .type = "image/png", .compress = 0 },
};

#define DOCS_OPENAPI	(&docs_files[0])
#define DOCS_INDEX	(&docs_files[1])
#define DOCS_COUNT	(sizeof(docs_files) / sizeof(docs_files[0]))

int
docs_load(const char *dir, char *err, size_t errlen)
{
	size_t		i;

	for (i = 0; i < DOCS_COUNT; i++) {
		if (docs_files[i].asset != NULL) {
			docs_files[i].data = (const char *)docs_files[i].asset;
			docs_files[i].len = *docs_files[i].asset_len;
		} else if (!docs_read(dir, docs_files[i].name, &docs_files[i],
		    err, errlen)) {
			return (0);
		}
		docs_prepare(&docs_files[i]);
	}
	return (1);
}

int
page_openapi(struct http_request *req)
{
	return (docs_send(req, DOCS_OPENAPI));
}

int
page_docs(struct http_request *req)
{
	return (docs_send(req, DOCS_INDEX));
}

int
page_docs_asset(struct http_request *req)
{
	char		name[DOCS_NAME_MAX + 1];
	size_t		i;

	if (path_capture(req, 1, name, sizeof(name))) {
		for (i = 0; i < DOCS_COUNT; i++) {
			if (!strcmp(docs_files[i].name, name))
				return (docs_send(req, &docs_files[i]));
		}
	}
	return (page_not_found(req));
}

/* The file's identity and gzip forms, or 304 while the client has it. */
static int
docs_send(struct http_request *req, struct docs_file *f)
{
	int		gz;

	if (!api_begin(req, NULL))
		return (KORE_RESULT_OK);
	if (!http_limit_client(req))
		return (KORE_RESULT_OK);

	if (f == DOCS_INDEX)
		request_header_set(req, "content-security-policy",
		    DOCS_HTML_CSP);
	/* Served again after a deploy, without a reload. */
	http_response_header(req, "cache-control", "no-cache");
	if (f->compress)
		http_response_header(req, "vary", "Accept-Encoding");

	gz = f->gz.len > 0 && http_accepts_gzip(req);
	http_response_header(req, "etag", gz ? f->etag_gz : f->etag);

	if (docs_etag_seen(req, f)) {
		http_response(req, HTTP_STATUS_NOT_MODIFIED, NULL, 0);
		return (KORE_RESULT_OK);
	}

	http_response_header(req, "content-type", f->type);
	if (gz) {
		http_response_header(req, "content-encoding", "gzip");
		http_response_stream(req, HTTP_STATUS_OK, f->gz.data,
		    f->gz.len, NULL, NULL);
	} else {
		/* Kore's stream API takes void * but only reads it. */
		http_response_stream(req, HTTP_STATUS_OK,
		    (void *)(uintptr_t)f->data, f->len, NULL, NULL);
	}
	return (KORE_RESULT_OK);
}

/* If-None-Match names either form of the file (weak comparison). */
static int
docs_etag_seen(struct http_request *req, const struct docs_file *f)
{
	const char	*v;

	if (!http_request_header(req, "if-none-match", &v))
		return (0);
	return (etag_matches(v, f->etag) ||
	    (f->gz.len > 0 && etag_matches(v, f->etag_gz)));
}

static int
docs_read(const char *dir, const char *name, struct docs_file *f,
    char *err, size_t errlen)
{
	struct stat	st;
	char		path[1200], *buf;
	ssize_t		r;
	size_t		off;
	int		fd;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "DOCS_DIR: cannot open '%s': %s "
		    "(`make` builds it)", path, strerror(errno));
		return (0);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 || st.st_size > DOCS_FILE_MAX) {
		snprintf(err, errlen, "DOCS_DIR: '%s' is not a file of 1 byte "
		    "to 16 MiB", path);
		close(fd);
		return (0);
	}

	f->len = (size_t)st.st_size;
	if ((buf = malloc(f->len)) == NULL) {
		snprintf(err, errlen, "DOCS_DIR: out of memory");
		close(fd);
		return (0);
	}
	for (off = 0; off < f->len; off += (size_t)r) {
		r = read(fd, buf + off, f->len - off);
		if (r <= 0) {
			snprintf(err, errlen, "DOCS_DIR: cannot read '%s'",
			    path);
			free(buf);
			close(fd);
			return (0);
		}
	}
	close(fd);
	f->data = buf;
	return (1);
}

/* The ETags of both forms and the gzipped copy, when it is smaller. */
static void
docs_prepare(struct docs_file *f)
{
	char		hash[SHA256_HEX_SIZE];

	sha256_hex(f->data, f->len, hash);
	(void)snprintf(f->etag, sizeof(f->etag), "\"%.16s\"", hash);
	(void)snprintf(f->etag_gz, sizeof(f->etag_gz), "\"%.16s-gz\"", hash);

	strbuf_init(&f->gz);
	if (f->compress && (!gzip_compress(f->data, f->len, 9, &f->gz) ||
	    f->gz.len >= f->len)) {
		strbuf_free(&f->gz);
		strbuf_init(&f->gz);
	}
}
