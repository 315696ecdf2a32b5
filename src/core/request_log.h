/*
 * Request ids and the one JSON log line per request. No Kore types here,
 * so the unit tests can check them without a server.
 */
#ifndef __H_REQUEST_LOG_H
#define __H_REQUEST_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "core/uuid.h"

#define REQUEST_ID_MAX		128
#define REQUEST_LOG_LINE_MAX	2048

struct request_log_entry {
	const char	*level;
	const char	*request_id;
	const char	*method;
	const char	*route;
	const char	*user_id;	/* NULL when anonymous */
	const char	*client;	/* the client's address, or NULL */
	int		status;
	uint64_t	duration_us;
	size_t		bytes;
	const char	*error;		/* NULL unless the request failed */
};

int	request_id_valid(const char *);
void	request_id_generate(char [UUID_TEXT_SIZE]);
size_t	request_log_format(char *, size_t, const struct request_log_entry *,
	    int64_t);
size_t	request_log_message(char *, size_t, const char *, const char *,
	    int64_t);
void	route_template(const char *, char *, size_t);

#endif
