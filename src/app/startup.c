/*
 * The API document in DOCS_DIR is built by make from kore.conf; it lists
 * the routes it was built from ("x-kore-routes"). A kore.conf edited
 * without make (a route added, renamed or removed) would serve routes the
 * document and the conformance checks do not know: refuse to start,
 * naming the first route that differs.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "app/startup.h"

static int	startup_route_loaded(const char *);
static int	startup_route_built(json_t *, const char *);

int
startup_routes_check(const char *docs_dir, char *err, size_t errlen)
{
	struct kore_server		*srv;
	struct kore_domain		*dom;
	struct kore_module_handle	*hdlr;
	json_t				*doc, *routes, *v;
	json_error_t			jerr;
	char				file[1100];
	size_t				i;
	int				ok;

	snprintf(file, sizeof(file), "%s/openapi.json", docs_dir);
	if ((doc = json_load_file(file, 0, &jerr)) == NULL) {
		snprintf(err, errlen, "DOCS_DIR: cannot read %s: run make",
		    file);
		return (0);
	}

	ok = 0;
	routes = json_object_get(doc, "x-kore-routes");
	if (!json_is_array(routes)) {
		snprintf(err, errlen, "DOCS_DIR: %s lists no routes "
		    "(x-kore-routes): run make", file);
		goto done;
	}

	LIST_FOREACH(srv, &kore_servers, list) {
		TAILQ_FOREACH(dom, &srv->domains, list) {
			TAILQ_FOREACH(hdlr, &dom->handlers, list) {
				if (startup_route_built(routes, hdlr->path))
					continue;
				snprintf(err, errlen, "kore.conf: route %s is "
				    "not in the built API document %s: run "
				    "make", hdlr->path, file);
				goto done;
			}
		}
	}

	json_array_foreach(routes, i, v) {
		if (!json_is_string(v) ||
		    !startup_route_loaded(json_string_value(v))) {
			snprintf(err, errlen, "kore.conf: the built API "
			    "document %s has route %s, which kore.conf does "
			    "not: run make", file, json_is_string(v) ?
			    json_string_value(v) : "(not a string)");
			goto done;
		}
	}
	ok = 1;

done:
	json_decref(doc);
	return (ok);
}

static int
startup_route_built(json_t *routes, const char *path)
{
	json_t		*v;
	size_t		i;

	json_array_foreach(routes, i, v) {
		if (json_is_string(v) && !strcmp(json_string_value(v), path))
			return (1);
	}
	return (0);
}

static int
startup_route_loaded(const char *path)
{
	struct kore_server		*srv;
	struct kore_domain		*dom;
	struct kore_module_handle	*hdlr;

	LIST_FOREACH(srv, &kore_servers, list) {
		TAILQ_FOREACH(dom, &srv->domains, list) {
			TAILQ_FOREACH(hdlr, &dom->handlers, list) {
				if (!strcmp(hdlr->path, path))
					return (1);
			}
		}
	}
	return (0);
}
