/*
 * Entity tags as RFC 9110 compares them.
 */

#include <string.h>

#include "core/etag.h"

/*
 * If-None-Match against our ETag: "*", the tag itself, or a list of tags,
 * weak or strong (GET compares weakly, RFC 9110 13.1.2).
 */
int
etag_matches(const char *header, const char *etag)
{
	const char	*p, *q, *end;
	size_t		len;

	len = strlen(etag);
	for (p = header; *p != '\0'; p = (*end == ',') ? end + 1 : end) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = strchrnul(p, ',');
		/* "*" alone, not the start of an element ("*x"). */
		if (*p == '*') {
			for (q = p + 1; *q == ' ' || *q == '\t'; q++)
				;
			if (q == end)
				return (1);
			continue;
		}
		if (!strncmp(p, "W/", 2))
			p += 2;
		if ((size_t)(end - p) >= len && !strncmp(p, etag, len)) {
			p += len;
			while (*p == ' ' || *p == '\t')
				p++;
			if (p == end)
				return (1);
		}
	}
	return (0);
}
