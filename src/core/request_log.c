/*
 * Request ids and the JSON access log line, kept free of Kore so that the
 * rules (what id is kept, how a line is escaped) have unit tests.
 */

#include <sys/random.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/request_log.h"
#include "core/uuid.h"

/* log_append's mark of a line that is full; "" and "}\n\0" stay free. */
#define LOG_FULL	((size_t)-1)
#define LOG_RESERVE	5

static size_t	log_time(char *, size_t, int64_t);
static size_t	log_close(char *, size_t, size_t);
static void	log_append(char *, size_t, size_t *, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
static void	log_append_string(char *, size_t, size_t *, const char *);

/* An incoming X-Request-ID is kept when it is 1..128 of [A-Za-z0-9._-]. */
int
request_id_valid(const char *id)
{
	size_t		i;
	char		c;

	for (i = 0; id[i] != '\0'; i++) {
		if (i == REQUEST_ID_MAX)
			return (0);
		c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return (0);
	}

	return (i > 0);
}

/*
 * A random (version 4) UUID. Request ids need to be unique, not secret:
 * a per-process generator seeded once from getrandom() saves a system call
 * per request. splitmix64 (public domain, Vigna) spreads the counter.
 */
void
request_id_generate(char out[UUID_TEXT_SIZE])
{
	static uint64_t		state = 0;
	static pid_t		seeded_by = 0;
	unsigned char		b[16];
	uint64_t		x;
	int			i, j;

	/* Reseed after a fork, so workers never share a sequence. */
	if (seeded_by != getpid()) {
		if (getrandom(&state, sizeof(state), 0) != sizeof(state))
			state ^= (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
		seeded_by = getpid();
	}

	for (i = 0; i < 2; i++) {
		x = (state += 0x9e3779b97f4a7c15ULL);
		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
		x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
		x ^= x >> 31;
		for (j = 0; j < 8; j++)
			b[i * 8 + j] = (unsigned char)(x >> (j * 8));
	}

	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;

	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/*
 * The route template for logs and metrics: the route as kore.conf declares
 * it, anchors dropped and each regex group shown as {}. Bounded by the
 * number of routes, never by the paths clients send.
 */
void
route_template(const char *pattern, char *out, size_t len)
{
	size_t		o, plen;
	int		depth;
	const char	*p, *end;

	if (len == 0)
		return;

	plen = strlen(pattern);
	p = pattern;
	end = pattern + plen;
	if (*p == '^')
		p++;
	if (end > p && end[-1] == '$')
		end--;

	o = 0;
	depth = 0;
	for (; p < end && o + 3 < len; p++) {
		if (*p == '\\' && p + 1 < end) {
			if (depth == 0)
				out[o++] = p[1];
			p++;
			continue;
		}
		if (*p == '(') {
			if (depth++ == 0) {
				out[o++] = '{';
				out[o++] = '}';
			}
			continue;
		}
		if (*p == ')') {
			if (depth > 0)
				depth--;
			continue;
		}
		if (depth == 0)
			out[o++] = *p;
	}
	out[o] = '\0';
}

/* Formats one log line (with its newline); returns its length. */
size_t
request_log_format(char *buf, size_t len, const struct request_log_entry *e,
    int64_t now_ms)
{
	size_t		off;

	off = log_time(buf, len, now_ms);
	log_append(buf, len, &off, ",\"level\":");
	log_append_string(buf, len, &off, e->level);
	log_append(buf, len, &off, ",\"request_id\":");
	log_append_string(buf, len, &off, e->request_id);
	log_append(buf, len, &off, ",\"method\":");
	log_append_string(buf, len, &off, e->method);
	log_append(buf, len, &off, ",\"route\":");
	log_append_string(buf, len, &off, e->route);
	log_append(buf, len, &off, ",\"status\":%d,\"duration_ms\":%.3f,"
	    "\"bytes\":%zu", e->status, (double)e->duration_us / 1000.0,
	    e->bytes);
	/* A name goes with its value, or has room for at least "". */
	if (e->user_id != NULL) {
		log_append(buf, len, &off, ",\"user_id\":");
		log_append_string(buf, len, &off, e->user_id);
	} else {
		log_append(buf, len, &off, ",\"user_id\":null");
	}
	if (e->client != NULL) {
		log_append(buf, len, &off, ",\"client\":");
		log_append_string(buf, len, &off, e->client);
	}
	if (e->error != NULL) {
		log_append(buf, len, &off, ",\"error\":");
		log_append_string(buf, len, &off, e->error);
	}

	return (log_close(buf, len, off));
}

/* A line that belongs to no request: start-up, background work. */
size_t
request_log_message(char *buf, size_t len, const char *level,
    const char *msg, int64_t now_ms)
{
	size_t		off;

	off = log_time(buf, len, now_ms);
	log_append(buf, len, &off, ",\"level\":");
	log_append_string(buf, len, &off, level);
	log_append(buf, len, &off, ",\"msg\":");
	log_append_string(buf, len, &off, msg);

	return (log_close(buf, len, off));
}

static size_t
log_time(char *buf, size_t len, int64_t now_ms)
{
	struct tm	tm;
	time_t		secs;
	size_t		off;
	char		ts[32];

	secs = (time_t)(now_ms / 1000);
	gmtime_r(&secs, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

	off = 0;
	log_append(buf, len, &off, "{\"time\":\"%s.%03dZ\"", ts,
	    (int)(now_ms % 1000));
	return (off);
}

/* Always end a line, even a cut one, with the object closed. */
static size_t
log_close(char *buf, size_t len, size_t off)
{
	/* Full: the line ends after its last complete member. */
	if (off == LOG_FULL)
		off = strlen(buf);
	if (off > len - 3)
		off = len - 3;
	buf[off++] = '}';
	buf[off++] = '\n';
	buf[off] = '\0';

	return (off);
}

/*
 * Text that fits whole, with room left for an empty string value and the
 * closing "}\n", or nothing: a member name is never cut, and once one is
 * dropped so is everything after it.
 */
static void
log_append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list		args;
	int		n;

	if (*off == LOG_FULL)
		return;
	if (*off + LOG_RESERVE > len) {
		if (*off < len)
			buf[*off] = '\0';
		*off = LOG_FULL;
		return;
	}

	va_start(args, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, args);
	va_end(args);

	if (n < 0 || *off + (size_t)n + LOG_RESERVE > len) {
		buf[*off] = '\0';
		*off = LOG_FULL;
		return;
	}
	*off += (size_t)n;
}

/*
 * A JSON string, escaped. When the line has no room left the string is cut
 * between characters and still closed, so the line stays valid JSON.
 */
static void
log_append_string(char *buf, size_t len, size_t *off, const char *s)
{
	unsigned char	c;
	char		esc[8];
	size_t		n, limit;

	/* Room for the closing quote and the line's closing "}\n". */
	limit = len - 4;
	if (*off == LOG_FULL || *off >= limit)
		return;
	buf[(*off)++] = '"';

	for (; s != NULL && *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			n = (size_t)snprintf(esc, sizeof(esc), "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			n = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", c);
		else {
			/* A UTF-8 sequence is copied whole or not at all. */
			for (n = 1; c >= 0xc0 && n < 4 &&
			    ((unsigned char)s[n] & 0xc0) == 0x80; n++)
				;
			memcpy(esc, s, n);
			s += n - 1;
		}
		if (*off + n > limit)
			break;
		memcpy(buf + *off, esc, n);
		*off += n;
	}

	buf[(*off)++] = '"';
	buf[*off] = '\0';
}
