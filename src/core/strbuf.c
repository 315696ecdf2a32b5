/*
 * The buffer always holds a NUL after its contents, so data is a C string
 * whenever nothing failed.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

static int	strbuf_grow(struct strbuf *, size_t);

void
strbuf_init(struct strbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void
strbuf_free(struct strbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

int
strbuf_failed(const struct strbuf *b)
{
	return (b->failed || b->data == NULL);
}

void
strbuf_add(struct strbuf *b, const void *data, size_t len)
{
	if (!strbuf_grow(b, len))
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
strbuf_str(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

void
strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list		args;
	int		n;

	va_start(args, fmt);
	n = vsnprintf(NULL, 0, fmt, args);
	va_end(args);
	if (n < 0 || !strbuf_grow(b, (size_t)n)) {
		b->failed = 1;
		return;
	}

	va_start(args, fmt);
	(void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, args);
	va_end(args);
	b->len += (size_t)n;
}

/* A JSON string literal (quotes included) of len bytes of UTF-8. */
void
strbuf_json_string(struct strbuf *b, const char *s, size_t len)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i, start;
	unsigned char		c;
	char			esc[6];

	strbuf_add(b, "\"", 1);
	for (start = 0, i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		strbuf_add(b, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '"':
			strbuf_add(b, "\\\"", 2);
			break;
		case '\\':
			strbuf_add(b, "\\\\", 2);
			break;
		case '\n':
			strbuf_add(b, "\\n", 2);
			break;
		case '\r':
			strbuf_add(b, "\\r", 2);
			break;
		case '\t':
			strbuf_add(b, "\\t", 2);
			break;
		default:
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0x0f];
			strbuf_add(b, esc, 6);
			break;
		}
	}
	strbuf_add(b, s + start, len - start);
	strbuf_add(b, "\"", 1);
}

static int
strbuf_grow(struct strbuf *b, size_t more)
{
	size_t		cap;
	char		*p;

	if (b->failed)
		return (0);
	if (b->len + more + 1 <= b->cap)
		return (1);

	cap = b->cap == 0 ? 256 : b->cap;
	while (cap < b->len + more + 1)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL) {
		b->failed = 1;
		return (0);
	}
	b->data = p;
	b->cap = cap;
	return (1);
}
