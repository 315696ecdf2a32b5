/*
 * The last route of kore.conf: whatever matched nothing else.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/ops.h"
#include "http/http_limit.h"
#include "http/http_response.h"

static char	*slash_redirect(struct http_request *);
static int	route_exists(struct kore_domain *, const char *,
		    const struct kore_module_handle *);
static int	location_safe(const char *);

/*
 * The last route in kore.conf: whatever matched nothing else. A path
 * with trailing slashes that some route matches without them is
 * redirected there (307: method and body kept), query string and all, as
 * Starlette's redirect_slashes does; anything else is a 404.
 */
int
page_not_found(struct http_request *req)
{
	char	*location;

	if (!api_begin(req, NULL))
		return (KORE_RESULT_OK);
	if (!http_limit_client(req))
		return (KORE_RESULT_OK);

	if ((location = slash_redirect(req)) != NULL) {
		http_response_header(req, "location", location);
		http_response(req, HTTP_STATUS_TEMPORARY_REDIRECT, NULL, 0);
		kore_free(location);
		return (KORE_RESULT_OK);
	}
	return (http_error(req, HTTP_STATUS_NOT_FOUND, "Not Found"));
}

/*
 * The Location for a path ending in '/', or NULL. It is the path itself
 * without its trailing slashes (a path-absolute reference, never a
 * scheme or a host), only when a route of kore.conf other than this
 * catch-all matches it, and never "//..." or "/\..." that a browser
 * would read as another host.
 */
static char *
slash_redirect(struct http_request *req)
{
	size_t		len, size;
	char		*path, *location;

	len = strlen(req->path);
	if (len < 2 || req->path[len - 1] != '/')
		return (NULL);
	while (len > 0 && req->path[len - 1] == '/')
		len--;
	if (len == 0 || req->hdlr == NULL)
		return (NULL);

	path = kore_malloc(len + 1);
	memcpy(path, req->path, len);
	path[len] = '\0';
	if (path[0] != '/' || path[1] == '/' || !location_safe(path) ||
	    (req->query_string != NULL && !location_safe(req->query_string)) ||
	    !route_exists(req->hdlr->dom, path, req->hdlr)) {
		kore_free(path);
		return (NULL);
	}

	if (req->query_string == NULL || req->query_string[0] == '\0')
		return (path);

	size = len + strlen(req->query_string) + 2;
	location = kore_malloc(size);
	(void)snprintf(location, size, "%s?%s", path, req->query_string);
	kore_free(path);
	return (location);
}

/* Whether a route of the domain other than skip matches path. */
static int
route_exists(struct kore_domain *dom, const char *path,
    const struct kore_module_handle *skip)
{
	struct kore_module_handle	*hdlr;

	TAILQ_FOREACH(hdlr, &dom->handlers, list) {
		if (hdlr == skip)
			continue;
		if (hdlr->type == HANDLER_TYPE_STATIC) {
			if (!strcmp(hdlr->path, path))
				return (1);
		} else if (!regexec(&hdlr->rctx, path, 0, NULL, 0)) {
			return (1);
		}
	}
	return (0);
}

/* Visible ASCII only and no backslash: nothing a header or URL bends. */
static int
location_safe(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s < 0x21 || *s > 0x7e || *s == '\\')
			return (0);
	}
	return (1);
}
