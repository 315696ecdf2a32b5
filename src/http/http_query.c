/*
 * After http_populate_qs() the request holds only the declared params
 * that passed their validators. A declared name present in the raw query
 * but missing there was refused: that is a 422 for it.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_query.h"
#include "http/http_request.h"

static int	query_declared(struct http_request *, const char *);
static int	query_accepted(struct http_request *, const char *);

/* Returns 1 when every declared parameter present was valid. */
int
query_parse(struct http_request *req, struct validation_errors *errs)
{
	struct request_ctx	*ctx;
	char			*copy, *args[HTTP_MAX_QUERY_ARGS], *kv[3];
	size_t			before;
	int			i, n;

	/* Handlers run again after each database round trip: parse once. */
	ctx = request_begin(req);
	if (ctx->query_parsed)
		return (1);
	ctx->query_parsed = 1;

	http_populate_qs(req);
	if (req->query_string == NULL)
		return (1);

	before = validation_count(errs);
	copy = kore_strdup(req->query_string);
	n = kore_split_string(copy, "&", args, HTTP_MAX_QUERY_ARGS);
	for (i = 0; i < n; i++) {
		kv[0] = kv[1] = NULL;
		kore_split_string(args[i], "=", kv, 3);
		if (kv[0] == NULL || !http_argument_urldecode(kv[0]))
			continue;
		if (!query_declared(req, kv[0]) || query_accepted(req, kv[0]))
			continue;
		if (kv[1] == NULL || !http_argument_urldecode(kv[1]))
			kv[1] = "";
		validation_add(errs, "value_error", "query", kv[0],
		    "Input is not a valid value for this parameter",
		    json_string(kv[1]), NULL);
	}
	kore_free(copy);

	return (validation_count(errs) == before);
}

/* A validated integer parameter, or def when it was not given. */
int
query_long(struct http_request *req, const char *name, long def, long *out)
{
	const char	*v;
	char		*ep;
	long		n;

	if ((v = query_string(req, name)) == NULL) {
		*out = def;
		return (1);
	}

	errno = 0;
	n = strtol(v, &ep, 10);
	if (errno != 0 || ep == v || *ep != '\0')
		return (0);

	*out = n;
	return (1);
}

const char *
query_string(struct http_request *req, const char *name)
{
	char		*v;

	if (!http_argument_get_string(req, name, &v))
		return (NULL);
	return (v);
}

/* The n-th group (1-based) of the route's regex, as a string. */
int
path_capture(struct http_request *req, int n, char *out, size_t len)
{
	regmatch_t	*m;
	size_t		mlen;

	if (n <= 0 || n >= HTTP_CAPTURE_GROUPS)
		return (0);

	m = &req->cgroups[n];
	if (m->rm_so < 0 || m->rm_eo < m->rm_so)
		return (0);

	mlen = (size_t)(m->rm_eo - m->rm_so);
	if (mlen >= len)
		return (0);

	memcpy(out, req->path + m->rm_so, mlen);
	out[mlen] = '\0';
	return (1);
}

static int
query_declared(struct http_request *req, const char *name)
{
	struct kore_handler_params	*p;

	TAILQ_FOREACH(p, &(req->hdlr->params), list) {
		if ((p->flags & KORE_PARAMS_QUERY_STRING) &&
		    p->method == req->method && !strcmp(p->name, name))
			return (1);
	}
	return (0);
}

static int
query_accepted(struct http_request *req, const char *name)
{
	struct http_arg		*q;

	TAILQ_FOREACH(q, &(req->arguments), list) {
		if (!strcmp(q->name, name))
			return (1);
	}
	return (0);
}
