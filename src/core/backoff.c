/*
 * The schedule is about 10 s, 30 s, 2 min, 10 min, then 1 h, for a base
 * of 10 s (WEBHOOK_BACKOFF_BASE_MS scales it, for tests). Full jitter:
 * the wait is uniform between a tenth of the base and the step's cap, so
 * receivers that failed together are not hit again together.
 */

#define _XOPEN_SOURCE 700

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/backoff.h"

static const long	steps[] = { 10, 30, 120, 600, 3600 };

/* The cap of the wait after failed attempt n (1 is the first). */
long
backoff_cap_ms(int attempt, long base_ms)
{
	size_t		i;

	if (attempt < 1)
		attempt = 1;
	i = (size_t)attempt - 1;
	if (i >= sizeof(steps) / sizeof(steps[0]))
		i = sizeof(steps) / sizeof(steps[0]) - 1;
	/* steps are in units of the 10 s base. */
	return (steps[i] * base_ms / 10);
}

long
backoff_delay_ms(int attempt, long base_ms, uint32_t rnd)
{
	long	cap, floor;

	cap = backoff_cap_ms(attempt, base_ms);
	floor = base_ms / 10;
	if (floor < 1)
		floor = 1;
	if (cap <= floor)
		return (floor);
	return (floor + (long)(rnd % (uint32_t)(cap - floor + 1)));
}

/*
 * Retry-After: delta-seconds or an HTTP-date (IMF-fixdate), as seconds
 * from now (0 for a date gone by). 0 when it is neither.
 */
int
retry_after_parse(const char *v, time_t now, long *secs)
{
	struct tm	tm;
	const char	*p, *end;
	long		n;
	time_t		t;

	if (v == NULL)
		return (0);
	while (*v == ' ' || *v == '\t')
		v++;
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r' || end[-1] == '\n'))
		end--;
	if (end == v)
		return (0);

	if (isdigit((unsigned char)*v)) {
		n = 0;
		for (p = v; p < end; p++) {
			if (!isdigit((unsigned char)*p))
				return (0);
			if (n < 100000000)
				n = n * 10 + (*p - '0');
		}
		*secs = n;
		return (1);
	}

	memset(&tm, 0, sizeof(tm));
	p = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (p == NULL || p != end)
		return (0);
	if ((t = timegm(&tm)) == (time_t)-1)
		return (0);
	*secs = t > now ? (long)(t - now) : 0;
	return (1);
}

/*
 * The wait after failed attempt n: the receiver's Retry-After when it
 * gave a usable one (at most an hour), else the backoff.
 */
long
retry_delay_ms(int attempt, long base_ms, uint32_t rnd,
    const char *retry_after, time_t now)
{
	long	secs;

	if (retry_after_parse(retry_after, now, &secs)) {
		if (secs > BACKOFF_MAX_SECONDS)
			secs = BACKOFF_MAX_SECONDS;
		return (secs * 1000);
	}
	return (backoff_delay_ms(attempt, base_ms, rnd));
}
