/*
 * Log lines to stdout. The level filter is LOG_LEVEL (settings).
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/request_log.h"
#include "core/settings.h"

/* An application log line (not tied to a request), JSON like the rest. */
void
app_log(int level, const char *fmt, ...)
{
	va_list				args;
	char				msg[512], line[REQUEST_LOG_LINE_MAX];
	size_t				len;
	static const char		*names[] = {
		"debug", "info", "warning", "error"
	};

	if (level < (int)settings.log_level || level > LOG_LEVEL_ERROR)
		return;

	va_start(args, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);

	len = request_log_message(line, sizeof(line), names[level], msg,
	    log_wall_ms());
	log_write(line, len);
}

/* One write per line: lines from several workers never interleave. */
void
log_write(const char *line, size_t len)
{
	ssize_t		r;

	while (len > 0) {
		if ((r = write(STDOUT_FILENO, line, len)) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		line += r;
		len -= (size_t)r;
	}
}

/* Wall-clock milliseconds: the log's "time" field. */
int64_t
log_wall_ms(void)
{
	struct timespec		ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}
