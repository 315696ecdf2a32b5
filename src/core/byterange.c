/*
 * An invalid Range header is ignored (the whole file, 200), as RFC 9110
 * asks; several ranges are answered whole too, which it allows, so an
 * answer is never a multipart/byteranges body.
 */

#include <string.h>

#include "core/byterange.h"

static int	byterange_num(const char **, uint64_t *);

enum byterange
byterange_parse(const char *h, uint64_t size, uint64_t *first,
    uint64_t *last)
{
	uint64_t	a = 0, b = 0;
	int		have_a, have_b;

	/* Only read when set below; gcc -O2 cannot see that. */
	a = b = 0;
	if (h == NULL)
		return (BYTERANGE_NONE);
	while (*h == ' ' || *h == '\t')
		h++;
	if (strncmp(h, "bytes=", 6) != 0)
		return (BYTERANGE_NONE);
	h += 6;
	while (*h == ' ' || *h == '\t')
		h++;

	have_a = byterange_num(&h, &a);
	if (*h != '-')
		return (BYTERANGE_NONE);
	h++;
	have_b = byterange_num(&h, &b);
	while (*h == ' ' || *h == '\t')
		h++;
	if (*h != '\0')
		return (BYTERANGE_NONE);	/* several, or junk */
	if (have_a < 0 || have_b < 0 || (!have_a && !have_b))
		return (BYTERANGE_NONE);

	if (!have_a) {
		/* The last b bytes. */
		if (b == 0 || size == 0)
			return (BYTERANGE_UNSATISFIABLE);
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return (BYTERANGE_OK);
	}
	if (have_b && b < a)
		return (BYTERANGE_NONE);
	if (a >= size)
		return (BYTERANGE_UNSATISFIABLE);
	*first = a;
	*last = (!have_b || b >= size) ? size - 1 : b;
	return (BYTERANGE_OK);
}

/* 1 and the number, 0 when there are no digits, -1 on overflow. */
static int
byterange_num(const char **p, uint64_t *out)
{
	const char	*s;
	uint64_t	 n;

	for (s = *p, n = 0; *s >= '0' && *s <= '9'; s++) {
		if (n > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return (-1);
		n = n * 10 + (uint64_t)(*s - '0');
	}
	if (s == *p)
		return (0);
	*p = s;
	*out = n;
	return (1);
}
