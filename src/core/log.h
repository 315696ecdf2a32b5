/*
 * The process's log: JSON lines on stdout, one write(2) each, so lines of
 * several workers never interleave. Request lines are formatted by
 * request_log.h; everything else (start-up, jobs, connections) by app_log.
 */
#ifndef __H_LOG_H
#define __H_LOG_H

#include <stddef.h>
#include <stdint.h>

void	app_log(int, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_write(const char *, size_t);
int64_t	log_wall_ms(void);

#endif
