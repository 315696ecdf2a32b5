/*
 * The keyset cursor of task lists, decoded and validated: it is opaque to
 * clients but only ever positions a list within the caller's own rows.
 */
#ifndef __H_CURSOR_H
#define __H_CURSOR_H

#include <stddef.h>

#include "core/uuid.h"

/*
 * The longest cursor the server makes must decode: a 200-character title
 * of control characters is 1,200 bytes of JSON escapes, about 1,700 of
 * base64url. kore.conf's v_cursor validator says the same.
 */
#define CURSOR_MAX		2048
#define CURSOR_VALUE_MAX	256

enum cursor_kind {
	CURSOR_TIME,		/* RFC 3339, never null */
	CURSOR_TIME_NULL,	/* RFC 3339 or null (due_at) */
	CURSOR_PRIORITY,
	CURSOR_TEXT
};

struct cursor {
	char	value[CURSOR_VALUE_MAX * 4 + 1];
	int	value_null;
	char	id[UUID_TEXT_SIZE];
};

int	cursor_decode(const char *, const char *, enum cursor_kind,
	    struct cursor *);
int	uuid_valid(const char *);

#endif
