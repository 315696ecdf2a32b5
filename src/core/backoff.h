/*
 * When a failed webhook delivery is tried again: exponential backoff with
 * full jitter, or the receiver's Retry-After (capped at an hour). Pure,
 * so it has unit tests.
 */
#ifndef __H_BACKOFF_H
#define __H_BACKOFF_H

#include <stdint.h>
#include <time.h>

/* The longest wait, backoff or Retry-After. */
#define BACKOFF_MAX_SECONDS	3600

long	backoff_cap_ms(int, long);
long	backoff_delay_ms(int, long, uint32_t);
int	retry_after_parse(const char *, time_t, long *);
long	retry_delay_ms(int, long, uint32_t, const char *, time_t);

#endif
