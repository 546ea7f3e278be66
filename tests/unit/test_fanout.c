/*
 * engine/fanout: what one fanout keeps of 445/tcp contacts.  A source's
 * counts by machine and a pair's sightings and episodes are kept inline
 * for the first and in arrays allocated when a second comes (fanout.h):
 * these cases cross that line in every order (a lesser clock number after
 * greater ones, past FO_CLOCKS machines and FO_EPISODES_MAX episodes) and
 * check what the summaries and pairs say, and that a failed allocation
 * there is fatal, never a crash or a leak.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wcscan/timeutil.h"
#include "engine/fanout.h"
#include "fail_alloc.h"

#define T0 1494581000000000LL /* 2017-05-12 09:23 UTC */
#define SEC 1000000LL
#define WINDOW_US (60 * SEC)
#define THRESHOLD 5

static struct wcs_addr
v4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	struct wcs_addr x;

	memset(&x, 0, sizeof(x));
	x.family = 4;
	x.bytes[0] = (uint8_t)a;
	x.bytes[1] = (uint8_t)b;
	x.bytes[2] = (uint8_t)c;
	x.bytes[3] = (uint8_t)d;
	return (x);
}

static struct wcs_cidr internal[1];

static struct fanout *
new_fanout(struct wcs_ctx *ctx)
{
	assert_true(wcs_cidr_parse("10.0.0.0/8", &internal[0]));
	return (fanout_new(ctx, internal, 1));
}

/* One attempt from 10.0.0.s to 10.0.0.d at t, stamped by clock. */
static int
attempt(struct fanout *f, unsigned s, unsigned d, int64_t t, uint32_t clock,
    uint32_t input, bool deny)
{
	struct wcs_event ev;

	wcs_event_clear(&ev);
	ev.kind = WCS_EV_CONN;
	ev.dport = 445;
	ev.proto = 6;
	ev.src = v4(10, 0, 0, s);
	ev.dst = v4(10, 0, 0, d);
	ev.ts_us = t;
	ev.input = input;
	ev.line = (uint64_t)clock * 1000 + (uint64_t)(t / SEC % 1000);
	ev.action = deny ? WCS_ACT_DENY : WCS_ACT_ALLOW;
	return (fanout_add(f, &ev, clock));
}

static const struct fo_pair *
only_pair(const struct fanout *f, unsigned d)
{
	const struct fo_pair *const *p;
	struct wcs_addr a = v4(10, 0, 0, d);
	size_t n;

	p = fanout_pairs_to(f, &a, &n);
	assert_int_equal(n, 1);
	return (p[0]);
}

/* One machine, one episode: inline, nothing allocated for either. */
static void
test_one_machine_inline(void **state)
{
	struct wcs_ctx ctx;
	struct fanout *f;
	const struct fo_pair *p;
	const struct fo_source_summary *s;
	struct wcs_addr a = v4(10, 0, 0, 1);

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	assert_non_null(f = new_fanout(&ctx));
	assert_int_equal(attempt(f, 1, 2, T0 + 30 * SEC, 7, 0, false), WCS_OK);
	assert_int_equal(attempt(f, 1, 2, T0, 7, 1, true), WCS_OK);
	assert_int_equal(attempt(f, 1, 2, T0 + 10 * SEC, 7, 0, false), WCS_OK);
	assert_int_equal(fanout_finish(f, WINDOW_US, THRESHOLD), WCS_OK);
	p = only_pair(f, 2);
	assert_null(p->seen_more);
	assert_null(p->ep);
	assert_int_equal(p->nseen, 1);
	assert_int_equal(fo_pair_seen(p)[0].clock, 7);
	assert_int_equal(fo_pair_seen(p)[0].count, 3);
	assert_int_equal(fo_pair_seen(p)[0].first, T0);
	assert_int_equal(fo_pair_seen(p)[0].input, 1);
	assert_int_equal(p->nep, 1);
	assert_int_equal(fo_pair_episodes(p)[0].start, T0);
	assert_int_equal(fo_pair_episodes(p)[0].end, T0 + 30 * SEC);
	assert_non_null(s = fanout_source_by_addr(f, &a));
	assert_int_equal(s->sum.attempts, 3);
	assert_int_equal(s->sum.denied, 1);
	fanout_free(f);
}

/*
 * Six machines log a pair, the greatest numbers first: the FO_CLOCKS of
 * least number are kept, in order, each with all its attempts, whichever
 * came while the pair still had one inline.  A source's counts likewise:
 * the summary takes the machine that logged the most.
 */
static void
test_machines_past_inline(void **state)
{
	static const uint32_t order[] = { 9, 7, 3, 8, 1, 5 };
	static const uint32_t kept[FO_CLOCKS] = { 1, 3, 5, 7 };
	struct wcs_ctx ctx;
	struct fanout *f;
	const struct fo_pair *p;
	const struct fo_source_summary *s;
	struct wcs_addr a = v4(10, 0, 0, 1);
	unsigned i, k;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	assert_non_null(f = new_fanout(&ctx));
	/* Machine c logs c attempts, from T0 + c seconds. */
	for (i = 0; i < WCS_NELEM(order); i++) {
		for (k = 0; k < order[i]; k++)
			assert_int_equal(
			    attempt(f, 1, 2, T0 + (int64_t)(order[i] + k) * SEC,
				order[i], order[i] + 10, false),
			    WCS_OK);
	}
	assert_int_equal(fanout_finish(f, WINDOW_US, THRESHOLD), WCS_OK);
	p = only_pair(f, 2);
	assert_int_equal(p->nseen, FO_CLOCKS);
	for (k = 0; k < FO_CLOCKS; k++) {
		assert_int_equal(fo_pair_seen(p)[k].clock, kept[k]);
		assert_int_equal(fo_pair_seen(p)[k].count, kept[k]);
		assert_int_equal(
		    fo_pair_seen(p)[k].first, T0 + (int64_t)kept[k] * SEC);
		assert_int_equal(fo_pair_seen(p)[k].input, kept[k] + 10);
	}
	/* The most a kept machine logged: 7 (9 and 8 were dropped). */
	assert_int_equal(p->count, 7);
	assert_non_null(s = fanout_source_by_addr(f, &a));
	assert_int_equal(s->sum.attempts, 7);
	fanout_free(f);
}

/*
 * Episodes: the first inline, then an array up to FO_EPISODES_MAX, then
 * the earliest kept; one between two joins them.  Sorted and apart
 * whatever order the contacts came in.
 */
static void
test_episodes_past_inline(void **state)
{
	struct wcs_ctx ctx;
	struct fanout *f;
	const struct fo_pair *p;
	const struct fo_episode *ep;
	unsigned i, n = FO_EPISODES_MAX + 4;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	assert_non_null(f = new_fanout(&ctx));
	/* Pair 1 -> 2: n episodes 10 minutes apart, the latest first. */
	for (i = n; i-- > 0;)
		assert_int_equal(
		    attempt(f, 1, 2, T0 + (int64_t)i * 600 * SEC, 1, 0, false),
		    WCS_OK);
	/* Pair 1 -> 3: two episodes, then a contact joining them. */
	assert_int_equal(attempt(f, 1, 3, T0, 1, 0, false), WCS_OK);
	assert_int_equal(attempt(f, 1, 3, T0 + 200 * SEC, 1, 0, false), WCS_OK);
	assert_int_equal(attempt(f, 1, 3, T0 + 100 * SEC, 1, 0, false), WCS_OK);
	assert_int_equal(fanout_finish(f, WINDOW_US, THRESHOLD), WCS_OK);
	p = only_pair(f, 2);
	assert_int_equal(p->nep, FO_EPISODES_MAX);
	ep = fo_pair_episodes(p);
	assert_int_equal(ep[0].start, T0);
	assert_int_equal(ep[p->nep - 1].end,
	    T0 + (int64_t)(FO_EPISODES_MAX - 1) * 600 * SEC);
	for (i = 1; i < p->nep; i++)
		assert_true(ep[i].start - ep[i - 1].end > FO_EPISODE_GAP_US);
	p = only_pair(f, 3);
	assert_int_equal(p->nep, 1);
	assert_int_equal(fo_pair_episodes(p)[0].start, T0);
	assert_int_equal(fo_pair_episodes(p)[0].end, T0 + 200 * SEC);
	fanout_free(f);
}

/*
 * Every allocation in turn fails while a second machine and a second
 * episode arrive: WCS_FATAL, and freeing what is left leaks nothing
 * (ASan, valgrind).
 */
static void
test_growth_without_memory(void **state)
{
	struct fail_alloc fa;
	struct wcs_alloc al = { fail_malloc, fail_realloc, fail_free, &fa };
	struct wcs_ctx ctx;
	struct fanout *f;
	long n;
	int rc;

	(void)state;
	for (n = 0; n < 40; n++) {
		fa.left = n;
		wcs_ctx_init(&ctx, &al);
		if ((f = new_fanout(&ctx)) == NULL)
			continue;
		rc = attempt(f, 1, 2, T0, 5, 0, false);
		if (rc == WCS_OK)
			rc = attempt(f, 1, 2, T0 + SEC, 2, 0, false);
		if (rc == WCS_OK)
			rc = attempt(f, 1, 2, T0 + 900 * SEC, 2, 0, false);
		if (rc == WCS_OK)
			rc = fanout_finish(f, WINDOW_US, THRESHOLD);
		assert_true(rc == WCS_OK || rc == WCS_FATAL);
		if (rc == WCS_OK) {
			assert_int_equal(only_pair(f, 2)->nseen, 2);
			assert_int_equal(only_pair(f, 2)->nep, 2);
		}
		fanout_free(f);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_machine_inline),
		cmocka_unit_test(test_machines_past_inline),
		cmocka_unit_test(test_episodes_past_inline),
		cmocka_unit_test(test_growth_without_memory),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
