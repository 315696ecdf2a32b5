/*
 * FastAPI's 422 body: {"detail": [{type, loc, msg, input, ctx}, ...]},
 * every problem at once. Pure (jansson only) so it is unit-tested.
 */
#ifndef __H_VALIDATION_H
#define __H_VALIDATION_H

#include <stddef.h>

#include <jansson.h>

#define VALIDATION_ERRORS_MAX	64

struct validation_errors {
	json_t		*list;
};

void	validation_init(struct validation_errors *);
void	validation_cleanup(struct validation_errors *);
size_t	validation_count(const struct validation_errors *);
void	validation_add(struct validation_errors *, const char *,
	    const char *, const char *, const char *, json_t *, json_t *);
void	validation_add_item(struct validation_errors *, const char *,
	    const char *, const char *, size_t, const char *, json_t *,
	    json_t *);
char	*validation_body(const struct validation_errors *, size_t *);

#endif
