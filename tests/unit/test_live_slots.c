/* Live connections per user: the limit, release, and the table's deletes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/live_slots.h"

static struct live_slots	*
table(void)
{
	struct live_slots	*t;

	t = calloc(1, sizeof(*t));
	assert_non_null(t);
	return (t);
}

static void
test_limit_per_user(void **state)
{
	struct live_slots	*t = table();
	int			i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_true(live_slots_acquire(t, "alice", 5, 3));
	assert_false(live_slots_acquire(t, "alice", 5, 3));
	/* Another user has a budget of its own. */
	assert_true(live_slots_acquire(t, "bob", 3, 3));
	assert_int_equal(live_slots_count(t, "alice", 5), 3);
	live_slots_release(t, "alice", 5);
	assert_true(live_slots_acquire(t, "alice", 5, 3));
	assert_false(live_slots_acquire(t, "alice", 5, 3));
	free(t);
}

static void
test_release_of_unknown_user_changes_nothing(void **state)
{
	struct live_slots	*t = table();

	(void)state;
	live_slots_release(t, "nobody", 6);
	assert_true(live_slots_acquire(t, "a", 1, 1));
	live_slots_release(t, "nobody", 6);
	assert_int_equal(live_slots_count(t, "a", 1), 1);
	assert_int_equal(live_slots_count(t, "nobody", 6), 0);
	free(t);
}

/*
 * Many users coming and going, against a plain model: the counts stay
 * right through the deletes (which move entries back in their runs), and
 * an empty table is left empty.
 */
static void
test_churn_matches_model(void **state)
{
	struct live_slots	*t = table();
	static uint32_t		model[6000];
	char			id[32];
	size_t			i, n;
	int			u, len;

	(void)state;
	srand(7);
	for (n = 0; n < 400000; n++) {
		u = rand() % 6000;
		len = snprintf(id, sizeof(id), "user-%d", u);
		if (rand() % 2) {
			if (live_slots_acquire(t, id, (size_t)len, 4))
				model[u]++;
			else
				assert_int_equal(model[u], 4);
		} else if (model[u] > 0) {
			live_slots_release(t, id, (size_t)len);
			model[u]--;
		}
	}
	for (u = 0; u < 6000; u++) {
		len = snprintf(id, sizeof(id), "user-%d", u);
		assert_int_equal(live_slots_count(t, id, (size_t)len), model[u]);
		while (model[u]-- > 0)
			live_slots_release(t, id, (size_t)len);
	}
	for (i = 0; i < LIVE_SLOTS; i++)
		assert_int_equal(t->slot[i].key, 0);
	free(t);
}

static void
test_metrics_render(void **state)
{
	struct live_metrics	m;
	struct strbuf		b;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.open[0] = 3;
	m.sent = 42;
	m.drops[LIVE_DROP_SLOW] = 2;
	strbuf_init(&b);
	live_metrics_render(&m, &b);
	assert_false(strbuf_failed(&b));
	assert_non_null(strstr(b.data,
	    "live_connections{kind=\"websocket\"} 3\n"));
	assert_non_null(strstr(b.data, "live_messages_sent_total 42\n"));
	assert_non_null(strstr(b.data,
	    "live_drops_total{reason=\"slow_consumer\"} 2\n"));
	strbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_per_user),
		cmocka_unit_test(test_release_of_unknown_user_changes_nothing),
		cmocka_unit_test(test_churn_matches_model),
		cmocka_unit_test(test_metrics_render),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
