/*
 * Open addressing with linear probing; a slot whose count drops to 0 is
 * emptied and the probe run after it moved back (deletion without
 * tombstones), so the table never fills with users long gone.
 */

#include <string.h>

#include "core/strbuf.h"

#include "core/live_slots.h"

static uint64_t	get(const uint64_t *);
static uint64_t	slots_key(const char *, size_t);
static void	slots_lock(struct live_slots *);
static void	slots_unlock(struct live_slots *);
static size_t	slots_find(struct live_slots *, uint64_t);
static void	slots_delete(struct live_slots *, size_t);

int
live_slots_acquire(struct live_slots *t, const char *id, size_t len,
    uint32_t max)
{
	uint64_t	key;
	size_t		i;
	int		ok;

	key = slots_key(id, len);
	slots_lock(t);
	i = slots_find(t, key);
	ok = 0;
	if (i < LIVE_SLOTS && t->slot[i].count < max) {
		t->slot[i].key = key;
		t->slot[i].count++;
		ok = 1;
	}
	slots_unlock(t);
	return (ok);
}

void
live_slots_release(struct live_slots *t, const char *id, size_t len)
{
	uint64_t	key;
	size_t		i;

	key = slots_key(id, len);
	slots_lock(t);
	i = slots_find(t, key);
	if (i < LIVE_SLOTS && t->slot[i].key == key && t->slot[i].count > 0) {
		if (--t->slot[i].count == 0)
			slots_delete(t, i);
	}
	slots_unlock(t);
}

uint32_t
live_slots_count(struct live_slots *t, const char *id, size_t len)
{
	uint64_t	key;
	uint32_t	n;
	size_t		i;

	key = slots_key(id, len);
	slots_lock(t);
	i = slots_find(t, key);
	n = (i < LIVE_SLOTS && t->slot[i].key == key) ? t->slot[i].count : 0;
	slots_unlock(t);
	return (n);
}

/* FNV-1a, never 0 (0 marks a free slot). */
static uint64_t
slots_key(const char *id, size_t len)
{
	uint64_t	h;
	size_t		i;

	h = 1469598103934665603ULL;
	for (i = 0; i < len; i++) {
		h ^= (unsigned char)id[i];
		h *= 1099511628211ULL;
	}
	return (h == 0 ? 1 : h);
}

/* The key's slot, or the free slot it would take; LIVE_SLOTS when full. */
static size_t
slots_find(struct live_slots *t, uint64_t key)
{
	size_t		i, n;

	i = key % LIVE_SLOTS;
	for (n = 0; n < LIVE_SLOTS; n++) {
		if (t->slot[i].key == key || t->slot[i].key == 0)
			return (i);
		i = (i + 1) % LIVE_SLOTS;
	}
	return (LIVE_SLOTS);
}

/* Knuth's algorithm R: move later entries of the run into the hole. */
static void
slots_delete(struct live_slots *t, size_t hole)
{
	size_t		i, home;

	t->slot[hole].key = 0;
	i = hole;
	for (;;) {
		i = (i + 1) % LIVE_SLOTS;
		if (t->slot[i].key == 0)
			return;
		home = t->slot[i].key % LIVE_SLOTS;
		if ((i > hole && (home <= hole || home > i)) ||
		    (i < hole && (home <= hole && home > i))) {
			t->slot[hole] = t->slot[i];
			t->slot[i].key = 0;
			t->slot[i].count = 0;
			hole = i;
		}
	}
}

static void
slots_lock(struct live_slots *t)
{
	while (__atomic_exchange_n(&t->lock, 1, __ATOMIC_ACQUIRE) != 0)
		;
}

static void
slots_unlock(struct live_slots *t)
{
	__atomic_store_n(&t->lock, 0, __ATOMIC_RELEASE);
}

static const char	*live_drop_names[LIVE_DROPS] = {
	"slow_consumer", "token_expired", "token_refused", "shutdown",
	"limit", "database"
};

void
live_metrics_render(const struct live_metrics *m, struct strbuf *b)
{
	size_t		i;

	strbuf_printf(b, "# HELP live_connections Open live connections.\n"
	    "# TYPE live_connections gauge\n"
	    "live_connections{kind=\"websocket\"} %lld\n"
	    "live_connections{kind=\"sse\"} %lld\n"
	    "# HELP live_messages_sent_total Events sent to live connections.\n"
	    "# TYPE live_messages_sent_total counter\n"
	    "live_messages_sent_total %llu\n"
	    "# HELP live_listen_reconnects_total LISTEN connections made "
	    "again.\n"
	    "# TYPE live_listen_reconnects_total counter\n"
	    "live_listen_reconnects_total %llu\n"
	    "# HELP live_drops_total Live connections ended by the server, "
	    "by reason.\n"
	    "# TYPE live_drops_total counter\n",
	    (long long)get(&m->open[0]), (long long)get(&m->open[1]),
	    (unsigned long long)get(&m->sent),
	    (unsigned long long)get(&m->listen_reconnects));
	for (i = 0; i < LIVE_DROPS; i++) {
		strbuf_printf(b, "live_drops_total{reason=\"%s\"} %llu\n",
		    live_drop_names[i], (unsigned long long)get(&m->drops[i]));
	}
}

static uint64_t
get(const uint64_t *v)
{
	return (__atomic_load_n(v, __ATOMIC_RELAXED));
}
