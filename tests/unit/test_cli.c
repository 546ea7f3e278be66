/*
 * The cli module's reading schedule (feed.c): inputs of a group are read
 * round robin a batch at a time, and the engine's callback sees the same
 * sequence whatever the thread count; a failing callback stops the run
 * without hanging the workers.  Also the event batches that carry events
 * between threads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wcscan/event.h"
#include "wcscan/input.h"
#include "wcscan/reader.h"
#include "cli/cli.h"

#define NINPUTS 4

/* What the callback saw, in order. */
struct seen {
	uint32_t *input;
	uint64_t *line;
	size_t n, cap;
	size_t fail_after; /* 0: never fail */
};

static int
record(const struct wcs_event *ev, void *arg)
{
	struct seen *s = arg;

	if (s->fail_after != 0 && s->n == s->fail_after)
		return (WCS_FATAL);
	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 4096 : s->cap * 2;
		s->input = realloc(s->input, s->cap * sizeof(*s->input));
		s->line = realloc(s->line, s->cap * sizeof(*s->line));
		assert_non_null(s->input);
		assert_non_null(s->line);
	}
	/* The strings must have been copied: the reader's buffers moved. */
	assert_non_null(ev->qname);
	assert_true(strncmp(ev->qname, "host", 4) == 0);
	s->input[s->n] = ev->input;
	s->line[s->n] = ev->line;
	s->n++;
	return (WCS_OK);
}

/* n BIND query lines; every seventh is garbage, rejected by the reader. */
static char *
make_log(size_t n, size_t *len)
{
	size_t i, cap = n * 200 + 1, off = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	for (i = 0; i < n; i++) {
		if (i % 7 == 6)
			off += (size_t)snprintf(buf + off, cap - off,
			    "12-May-2017 10:00:%02zu.000 client garbage\n",
			    i % 60);
		else
			off += (size_t)snprintf(buf + off, cap - off,
			    "12-May-2017 10:00:%02zu.000 client 10.0.%zu.%zu#5301 "
			    "(host%zu.example.com): query: host%zu.example.com "
			    "IN A + (10.0.0.1)\n",
			    i % 60, i / 250 % 250, i % 250, i, i);
	}
	*len = off;
	return (buf);
}

static const size_t sizes[NINPUTS] = { 3000, 10, 2500, 1 };

static void
read_all(unsigned threads, struct seen *s, struct wcs_input_stats *st, int want)
{
	struct wcs_ctx ctx[NINPUTS], main_ctx;
	struct wcs_feed_input fi[NINPUTS];
	struct wcs_input *in[NINPUTS];
	struct wcs_run_opts ro;
	char *buf[NINPUTS];
	size_t i, len;

	wcs_ctx_init(&main_ctx, NULL);
	/* Fields left zero: no piece counted or chained. */
	memset(fi, 0, sizeof(fi));
	memset(&ro, 0, sizeof(ro));
	ro.read.year = 2017;
	ro.since = ro.until = WCS_TIME_NONE;
	for (i = 0; i < NINPUTS; i++) {
		wcs_ctx_init(&ctx[i], NULL);
		buf[i] = make_log(sizes[i], &len);
		assert_int_equal(
		    wcs_input_open_mem(&ctx[i], "mem", buf[i], len, 0, &in[i]),
		    WCS_OK);
		memset(&st[i], 0, sizeof(st[i]));
		st[i].first = st[i].last = WCS_TIME_NONE;
		ro.input_index = (uint32_t)i;
		assert_int_equal(
		    wcs_read_job_new(&ctx[i], wcs_reader_find("bind"), in[i],
			&ro, &st[i], &fi[i].job),
		    WCS_OK);
		fi[i].ctx = &ctx[i];
	}
	assert_int_equal(
	    wcs_feed_group(&main_ctx, fi, NINPUTS, threads, record, s, NULL),
	    want);
	for (i = 0; i < NINPUTS; i++) {
		wcs_read_job_free(fi[i].job);
		wcs_input_close(in[i]);
		free(buf[i]);
		if (want == WCS_OK)
			assert_int_equal(fi[i].rc, WCS_OK);
	}
}

static void
test_feed_round_robin(void **state)
{
	struct wcs_input_stats st[NINPUTS];
	struct seen one = { 0 };
	size_t i, k, at, want_events = 0, taken[NINPUTS] = { 0 };
	uint64_t events[NINPUTS], last[NINPUTS] = { 0 };

	(void)state;
	read_all(1, &one, st, WCS_OK);
	for (i = 0; i < NINPUTS; i++) {
		/* records = events + ignored + rejected, and lines lost none */
		assert_int_equal(st[i].records, sizes[i]);
		assert_int_equal(st[i].records,
		    st[i].events + st[i].ignored + st[i].rejected);
		assert_int_equal(st[i].rejected, sizes[i] / 7);
		events[i] = st[i].events;
		want_events += st[i].events;
	}
	assert_int_equal(one.n, want_events);
	/* Round robin: a batch from each input still going, in input
	 * order; each input's events in file order. */
	at = 0;
	while (at < one.n) {
		for (i = 0; i < NINPUTS; i++) {
			for (k = 0; k < WCS_FEED_BATCH && taken[i] < events[i];
			     k++, at++, taken[i]++) {
				assert_int_equal(one.input[at], i);
				if (taken[i] > 0)
					assert_true(one.line[at] > last[i]);
				last[i] = one.line[at];
			}
		}
	}
	free(one.input);
	free(one.line);
}

static void
test_feed_threads_same_sequence(void **state)
{
	struct wcs_input_stats st1[NINPUTS], stn[NINPUTS];
	struct seen one = { 0 };
	unsigned threads;
	size_t i;

	(void)state;
	read_all(1, &one, st1, WCS_OK);
	for (threads = 2; threads <= NINPUTS + 1; threads++) {
		struct seen many = { 0 };

		read_all(threads, &many, stn, WCS_OK);
		assert_int_equal(many.n, one.n);
		assert_memory_equal(
		    many.input, one.input, one.n * sizeof(*one.input));
		assert_memory_equal(
		    many.line, one.line, one.n * sizeof(*one.line));
		for (i = 0; i < NINPUTS; i++) {
			assert_int_equal(stn[i].records, st1[i].records);
			assert_int_equal(stn[i].events, st1[i].events);
			assert_int_equal(stn[i].rejected, st1[i].rejected);
		}
		free(many.input);
		free(many.line);
	}
	free(one.input);
	free(one.line);
}

static void
test_feed_callback_failure_stops(void **state)
{
	struct wcs_input_stats st[NINPUTS];
	unsigned threads;

	(void)state;
	for (threads = 1; threads <= 3; threads++) {
		struct seen s = { 0 };

		/* Fails in the second batch: the workers must be waiting on
		 * full queues by then, and must still be let go. */
		s.fail_after = WCS_FEED_BATCH + 5;
		read_all(threads, &s, st, WCS_FATAL);
		assert_int_equal(s.n, WCS_FEED_BATCH + 5);
		free(s.input);
		free(s.line);
	}
}

static void
test_event_batch_copies(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_event_batch *b;
	struct wcs_event ev;
	char host[16] = "ws-01", q[8] = "a.b";
	const struct wcs_event *got;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	assert_non_null(b = wcs_event_batch_new(&ctx, 2));
	wcs_event_clear(&ev);
	ev.host = host;
	ev.qname = q;
	ev.line = 7;
	assert_true(wcs_event_batch_add(b, &ev));
	ev.host = NULL;
	ev.line = 8;
	assert_true(wcs_event_batch_add(b, &ev));
	assert_true(wcs_event_batch_full(b));
	assert_false(wcs_event_batch_add(b, &ev));
	strcpy(host, "changed");
	strcpy(q, "x");
	got = wcs_event_batch_get(b, 0);
	assert_string_equal(got->host, "ws-01");
	assert_string_equal(got->qname, "a.b");
	assert_int_equal(got->line, 7);
	assert_null(wcs_event_batch_get(b, 1)->host);
	assert_null(wcs_event_batch_get(b, 2));
	wcs_event_batch_clear(b);
	assert_int_equal(wcs_event_batch_count(b), 0);
	wcs_event_batch_free(b);
}

/* Filled in place: an event given by _next counts once kept, with its
 * strings copied then; one not kept is written over by the next. */
static void
test_event_batch_in_place(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_event_batch *b;
	struct wcs_event *e;
	char host[16] = "ws-02";

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	assert_non_null(b = wcs_event_batch_new(&ctx, 2));
	assert_non_null(e = wcs_event_batch_next(b));
	wcs_event_clear(e);
	e->line = 3; /* skipped: not kept */
	assert_ptr_equal(wcs_event_batch_next(b), e);
	wcs_event_clear(e);
	e->host = host;
	e->line = 4;
	assert_true(wcs_event_batch_keep(b));
	assert_int_equal(wcs_event_batch_count(b), 1);
	assert_non_null(e = wcs_event_batch_next(b));
	wcs_event_clear(e);
	e->line = 5;
	assert_true(wcs_event_batch_keep(b));
	assert_null(wcs_event_batch_next(b));
	assert_false(wcs_event_batch_keep(b));
	strcpy(host, "changed");
	assert_string_equal(wcs_event_batch_get(b, 0)->host, "ws-02");
	assert_int_equal(wcs_event_batch_get(b, 0)->line, 4);
	assert_int_equal(wcs_event_batch_get(b, 1)->line, 5);
	assert_int_equal(wcs_event_batch_count(b), 2);
	wcs_event_batch_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feed_round_robin),
		cmocka_unit_test(test_feed_threads_same_sequence),
		cmocka_unit_test(test_feed_callback_failure_stops),
		cmocka_unit_test(test_event_batch_copies),
		cmocka_unit_test(test_event_batch_in_place),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
