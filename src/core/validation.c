/*
 * The shared 422 builder. Resources collect every problem in one
 * validation_errors and answer once; the order of adding is kept.
 */

#include <stdlib.h>
#include <string.h>

#include "core/validation.h"

static void	validation_append(struct validation_errors *, const char *,
		    json_t *, const char *, json_t *, json_t *);

void
validation_init(struct validation_errors *v)
{
	v->list = json_array();
}

void
validation_cleanup(struct validation_errors *v)
{
	json_decref(v->list);
	v->list = NULL;
}

size_t
validation_count(const struct validation_errors *v)
{
	return (json_array_size(v->list));
}

/*
 * Adds one problem. loc is where ("body", "query", "path" or "header") and
 * field the name within it (NULL for the whole body). input and ctx are
 * taken over (may be NULL: input then shows as null, ctx is left out).
 */
void
validation_add(struct validation_errors *v, const char *type,
    const char *loc, const char *field, const char *msg, json_t *input,
    json_t *ctx)
{
	json_t		*where;

	where = json_array();
	json_array_append_new(where, json_string(loc));
	if (field != NULL)
		json_array_append_new(where, json_string(field));

	validation_append(v, type, where, msg, input, ctx);
}

/* A problem with one item of a list field: loc is [loc, field, index]. */
void
validation_add_item(struct validation_errors *v, const char *type,
    const char *loc, const char *field, size_t index, const char *msg,
    json_t *input, json_t *ctx)
{
	json_t		*where;

	where = json_array();
	json_array_append_new(where, json_string(loc));
	json_array_append_new(where, json_string(field));
	json_array_append_new(where, json_integer((json_int_t)index));

	validation_append(v, type, where, msg, input, ctx);
}

static void
validation_append(struct validation_errors *v, const char *type,
    json_t *where, const char *msg, json_t *input, json_t *ctx)
{
	json_t		*err;

	if (json_array_size(v->list) >= VALIDATION_ERRORS_MAX) {
		json_decref(where);
		json_decref(input);
		json_decref(ctx);
		return;
	}

	err = json_object();
	json_object_set_new(err, "type", json_string(type));
	json_object_set_new(err, "loc", where);
	json_object_set_new(err, "msg", json_string(msg));
	json_object_set_new(err, "input", input != NULL ? input : json_null());
	if (ctx != NULL)
		json_object_set_new(err, "ctx", ctx);

	json_array_append_new(v->list, err);
}

/* The body as a malloc'ed string; NULL only when out of memory. */
char *
validation_body(const struct validation_errors *v, size_t *len)
{
	json_t		*body;
	char		*out;

	body = json_object();
	json_object_set(body, "detail", v->list);
	out = json_dumps(body, JSON_COMPACT);
	json_decref(body);

	if (out != NULL)
		*len = strlen(out);
	return (out);
}
