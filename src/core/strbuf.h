/*
 * A growable string for building SQL text and JSON bodies outside Kore
 * (so the code using it has unit tests). Allocation failure is sticky:
 * check strbuf_failed() once at the end.
 */
#ifndef __H_STRBUF_H
#define __H_STRBUF_H

#include <stddef.h>

struct strbuf {
	char		*data;
	size_t		len;
	size_t		cap;
	int		failed;
};

void	strbuf_init(struct strbuf *);
void	strbuf_free(struct strbuf *);
void	strbuf_add(struct strbuf *, const void *, size_t);
void	strbuf_str(struct strbuf *, const char *);
void	strbuf_printf(struct strbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	strbuf_json_string(struct strbuf *, const char *, size_t);
int	strbuf_failed(const struct strbuf *);

#endif
