/*
 * Strict RFC 3339 (section 5.6): YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM).
 * 'T' and 'Z' may be lower case, as the RFC allows; a leap second is
 * refused rather than guessed at. Parsed to seconds since the epoch in UTC
 * plus microseconds, so PostgreSQL gets one unambiguous form; the instant
 * must lie within 0001-01-01..9999-12-31 UTC.
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/rfc3339.h"

static int	digits(const char *, int, int *);

/* Returns 1 and the instant (epoch seconds, microseconds) when valid. */
int
rfc3339_parse(const char *s, int64_t *secs, int *usec)
{
	int	year, mon, day, hour, min, sec, oh, om, sign, frac, scale;
	size_t	i;

	if (strlen(s) < 20 || strlen(s) > 40)
		return (0);

	if (!digits(s, 4, &year) || s[4] != '-' || !digits(s + 5, 2, &mon) ||
	    s[7] != '-' || !digits(s + 8, 2, &day) ||
	    (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &hour) ||
	    s[13] != ':' || !digits(s + 14, 2, &min) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return (0);

	if (year < 1 || mon < 1 || mon > 12 || day < 1 ||
	    day > rfc3339_days_in_month(year, mon) || hour > 23 || min > 59 ||
	    sec > 59)
		return (0);

	i = 19;
	frac = 0;
	if (s[i] == '.') {
		i++;
		if (!isdigit((unsigned char)s[i]))
			return (0);
		for (scale = 100000; isdigit((unsigned char)s[i]); i++) {
			frac += (s[i] - '0') * scale;
			scale /= 10;
		}
	}

	if ((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == '\0') {
		oh = om = 0;
		sign = 1;
	} else if ((s[i] == '+' || s[i] == '-') && digits(s + i + 1, 2, &oh) &&
	    s[i + 3] == ':' && digits(s + i + 4, 2, &om) && s[i + 6] == '\0') {
		if (oh > 23 || om > 59)
			return (0);
		sign = (s[i] == '+') ? 1 : -1;
	} else {
		return (0);
	}

	*secs = rfc3339_days_from_civil(year, mon, day) * 86400 + hour * 3600 +
	    min * 60 + sec - sign * (oh * 3600 + om * 60);
	*usec = frac;

	/*
	 * The instant, not the digits, must be within 0001..9999 UTC: an
	 * offset can move a valid-looking time out of PostgreSQL's range
	 * (year 0) or past what four digits of RFC 3339 can write back.
	 */
	if (*secs < RFC3339_MIN_SECS || *secs > RFC3339_MAX_SECS)
		return (0);
	return (1);
}

/* 2026-11-26T10:57:25.123456Z (microseconds: PostgreSQL keeps them). */
void
rfc3339_format(int64_t secs, int usec, char *out, size_t len)
{
	struct tm	tm;
	time_t		t;

	t = (time_t)secs;
	gmtime_r(&t, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, usec);
}

static int
digits(const char *s, int n, int *out)
{
	int	i, v;

	for (i = 0, v = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (0);
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return (1);
}

/* Days in a month of the proleptic Gregorian calendar. */
int
rfc3339_days_in_month(int y, int m)
{
	static const int	days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return (29);
	return (days[m - 1]);
}

/* Howard Hinnant's days_from_civil: days since 1970-01-01. */
int64_t
rfc3339_days_from_civil(int y, int m, int d)
{
	int64_t		era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}
