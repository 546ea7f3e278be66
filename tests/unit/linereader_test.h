/*
 * Helpers shared by the line-based readers' tests (test_pfirewall.c,
 * test_netfilter.c, test_windns.c, test_bind.c, test_smblog.c): run a
 * reader over text in memory and render its events, check a bid against
 * other readers' fixtures, and read the real samples under ../shared.
 * Include after <cmocka.h>.
 */
#ifndef WCSCAN_TEST_LINEREADER_H
#define WCSCAN_TEST_LINEREADER_H

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/reader.h"
#include "wcscan/report.h"

/* Not every test file uses every helper. */
#define LT_UNUSED __attribute__((unused))

struct lt_sink {
	FILE *out;
};

LT_UNUSED static int
lt_event(const struct wcs_event *ev, void *arg)
{
	struct lt_sink *s = arg;

	return (wcs_report_event_json(s->out, ev, NULL));
}

/*
 * What reading text with reader takes: its ops (returned), a context, no
 * accounting yet, run options with ropts (may be NULL) and no time
 * window, and the text as an input named "mem".
 */
LT_UNUSED static const struct wcs_reader_ops *
lt_open(const char *reader, const char *text, const struct wcs_read_opts *ropts,
    struct wcs_ctx *ctx, struct wcs_input_stats *st, struct wcs_run_opts *opts,
    struct wcs_input **in)
{
	const struct wcs_reader_ops *ops = wcs_reader_find(reader);

	assert_non_null(ops);
	wcs_ctx_init(ctx, NULL);
	memset(st, 0, sizeof(*st));
	st->first = st->last = WCS_TIME_NONE;
	memset(opts, 0, sizeof(*opts));
	if (ropts != NULL)
		opts->read = *ropts;
	opts->since = opts->until = WCS_TIME_NONE;
	assert_int_equal(
	    wcs_input_open_mem(ctx, "mem", text, strlen(text), 0, in), WCS_OK);
	return (ops);
}

/*
 * Run reader over text; return the events as NDJSON (malloc'd) and the
 * accounting in *st.
 */
LT_UNUSED static char *
lt_render(const char *reader, const char *text,
    const struct wcs_read_opts *ropts, struct wcs_input_stats *st)
{
	const struct wcs_reader_ops *ops;
	struct wcs_run_opts opts;
	struct wcs_input *in;
	struct wcs_ctx ctx;
	struct lt_sink sink;
	char *buf = NULL;
	size_t len = 0;

	ops = lt_open(reader, text, ropts, &ctx, st, &opts, &in);
	sink.out = open_memstream(&buf, &len);
	assert_non_null(sink.out);
	assert_int_equal(
	    wcs_reader_run(&ctx, ops, in, &opts, st, lt_event, &sink), WCS_OK);
	(void)fclose(sink.out);
	wcs_input_close(in);
	assert_true(st->records == st->events + st->ignored + st->rejected);
	return (buf);
}

/*
 * Read text with reader as a job, told rb (rlen bytes, for its
 * resume_load) as it opens when rlen > 0.  Returns the events as NDJSON
 * (malloc'd) and the job's resume_save in out (*outlen bytes,
 * WCS_READER_RESUME_MAX at most); or, when resume_load refused rb
 * (*load_rc), NULL, having checked that the reason names the input.
 */
LT_UNUSED static char *
lt_resume_read(const char *reader, const char *text, const unsigned char *rb,
    size_t rlen, unsigned char *out, size_t *outlen, int *load_rc)
{
	const struct wcs_reader_ops *ops;
	struct wcs_input_stats st;
	struct wcs_run_opts opts;
	struct wcs_read_job *job;
	struct wcs_input *in;
	struct wcs_ctx ctx;
	struct lt_sink sink;
	char *buf = NULL;
	size_t len = 0;

	ops = lt_open(reader, text, NULL, &ctx, &st, &opts, &in);
	assert_true((ops->flags & WCS_READER_RESUMABLE) != 0);
	opts.resume = rb;
	opts.resume_len = rlen;
	*load_rc = wcs_read_job_new(&ctx, ops, in, &opts, &st, &job);
	if (*load_rc == WCS_OK) {
		sink.out = open_memstream(&buf, &len);
		assert_non_null(sink.out);
		assert_int_equal(
		    wcs_read_job_fill(job, lt_event, &sink, 1000), WCS_EOF);
		(void)fclose(sink.out);
		*outlen =
		    wcs_read_job_resume_save(job, out, WCS_READER_RESUME_MAX);
		wcs_read_job_free(job);
	} else {
		assert_non_null(strstr(wcs_error_string(&ctx), "mem:"));
	}
	wcs_input_close(in);
	return (buf);
}

/*
 * The round trip a sweep makes with a reader that goes on from the middle
 * of a file: head read, its resume_save kept in saved (*n bytes); tail
 * read told them yields want, and saves the same bytes again; tail read
 * alone does not yield want.  Returns the events of tail read on
 * (malloc'd), for more checks.
 */
LT_UNUSED static char *
lt_resume_round_trip(const char *reader, const char *head, const char *tail,
    const char *want, unsigned char *saved, size_t *n)
{
	unsigned char again[WCS_READER_RESUME_MAX];
	size_t m = 0;
	char *got, *alone;
	int rc;

	free(lt_resume_read(reader, head, NULL, 0, saved, n, &rc));
	assert_true(*n > 0);
	got = lt_resume_read(reader, tail, saved, *n, again, &m, &rc);
	assert_int_equal(rc, WCS_OK);
	assert_non_null(strstr(got, want));
	assert_int_equal(m, *n);
	assert_memory_equal(again, saved, *n);
	alone = lt_resume_read(reader, tail, NULL, 0, again, &m, &rc);
	assert_null(strstr(alone, want));
	free(alone);
	return (got);
}

/* Resume bytes the reader does not write for itself: refused. */
LT_UNUSED static void
lt_resume_refused(
    const char *reader, const char *tail, const unsigned char *bytes, size_t n)
{
	unsigned char out[WCS_READER_RESUME_MAX];
	size_t m = 0;
	int rc;

	assert_null(lt_resume_read(reader, tail, bytes, n, out, &m, &rc));
	assert_int_equal(rc, WCS_FAILED);
}

/* Assert that text yields exactly one event whose JSON contains want. */
LT_UNUSED static void
lt_expect_one(const char *reader, const char *text,
    const struct wcs_read_opts *ropts, const char *want)
{
	struct wcs_input_stats st;
	char *got = lt_render(reader, text, ropts, &st);

	if (st.events != 1 || strstr(got, want) == NULL)
		fail_msg("%s: want one event with %s, got %llu of %llu "
			 "(%llu ignored, %llu rejected: %s): %s",
		    reader, want, (unsigned long long)st.events,
		    (unsigned long long)st.records,
		    (unsigned long long)st.ignored,
		    (unsigned long long)st.rejected,
		    st.nsamples > 0 ? st.samples[0].why : "", got);
	free(got);
}

/* Assert that text is one rejected record whose reason contains why. */
LT_UNUSED static void
lt_expect_reject(const char *reader, const char *text, const char *why)
{
	struct wcs_input_stats st;
	char *got = lt_render(reader, text, NULL, &st);

	if (st.rejected != 1 || st.nsamples != 1 ||
	    strstr(st.samples[0].why, why) == NULL)
		fail_msg("%s: want a reject with '%s', got %llu rejected (%s)",
		    reader, why, (unsigned long long)st.rejected,
		    st.nsamples > 0 ? st.samples[0].why : "");
	free(got);
}

/*
 * Assert that text has exactly n records ignored for the cause why (enum
 * wcs_ignore), and that the causes add up to what was ignored.
 */
LT_UNUSED static void
lt_expect_ignored(const char *reader, const char *text,
    const struct wcs_read_opts *ropts, unsigned why, uint64_t n)
{
	struct wcs_input_stats st;
	char *got = lt_render(reader, text, ropts, &st);
	uint64_t sum = 0;
	unsigned i;

	for (i = 0; i < WCS_IGN__COUNT; i++)
		sum += st.ignored_by[i];
	if (st.ignored_by[why] != n || sum != st.ignored)
		fail_msg("%s: want %llu ignored for cause %u, got %llu "
			 "(%llu ignored, %llu by cause)",
		    reader, (unsigned long long)n, why,
		    (unsigned long long)st.ignored_by[why],
		    (unsigned long long)st.ignored, (unsigned long long)sum);
	free(got);
}

/* The bid of reader on the first bytes of the file at path. */
LT_UNUSED static int
lt_bid_file(const struct wcs_reader_ops *ops, const char *path,
    const struct wcs_reader_ops **winner)
{
	struct wcs_ctx ctx;
	struct wcs_input *in;
	const unsigned char *p;
	size_t len;
	int bid, best;

	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(wcs_input_open(&ctx, path, 0, &in), WCS_OK);
	assert_int_equal(wcs_input_peek(in, &p, &len), WCS_OK);
	bid = ops->bid(p, len, 0);
	*winner = wcs_reader_choose(p, len, WCS_KIND_ANY, &best);
	wcs_input_close(in);
	return (bid);
}

/*
 * reader must bid 0 on, or lose, every file of the other readers'
 * fixture directories (and any directory under testdata that is not its
 * own and exists, such as the event XML reader's).
 */
LT_UNUSED static void
lt_bid_loses_elsewhere(const char *reader)
{
	const struct wcs_reader_ops *ops = wcs_reader_find(reader), *winner;
	char dpath[1024], fpath[2048];
	struct dirent *de, *fe;
	DIR *top, *d;
	unsigned checked = 0;
	int bid;

	assert_non_null(ops);
	top = opendir(WCSCAN_TESTDATA_DIR);
	assert_non_null(top);
	while ((de = readdir(top)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, reader) == 0 ||
		    strcmp(de->d_name, "expected") == 0)
			continue;
		(void)snprintf(dpath, sizeof(dpath), "%s/%s",
		    WCSCAN_TESTDATA_DIR, de->d_name);
		if ((d = opendir(dpath)) == NULL)
			continue;
		while ((fe = readdir(d)) != NULL) {
			struct stat sb;

			if (fe->d_name[0] == '.')
				continue;
			(void)snprintf(
			    fpath, sizeof(fpath), "%s/%s", dpath, fe->d_name);
			if (stat(fpath, &sb) != 0 || !S_ISREG(sb.st_mode) ||
			    sb.st_size == 0)
				continue;
			bid = lt_bid_file(ops, fpath, &winner);
			if (bid > 0 && winner == ops)
				fail_msg("%s claims %s (bid %d)", reader, fpath,
				    bid);
			checked++;
		}
		(void)closedir(d);
	}
	(void)closedir(top);
	assert_true(checked > 0);
}

/* Inline samples no line reader may claim. */
LT_UNUSED static void
lt_bid_rejects_markup(const char *reader)
{
	static const char *const samples[] = {
		"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/"
		"event'><System><Provider Name='Service Control Manager'/>"
		"<EventID>7045</EventID></System></Event>\n",
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>\n<Event "
		"xmlns=\"http://schemas.microsoft.com/win/2004/08/events/"
		"event\">\n",
		"",
		"\n\n\n",
	};
	const struct wcs_reader_ops *ops = wcs_reader_find(reader);
	size_t i;

	assert_non_null(ops);
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		if (ops->bid((const unsigned char *)samples[i],
			strlen(samples[i]), 0) > 0)
			fail_msg("%s claims sample %zu", reader, i);
	}
}

/*
 * Read a real sample under ../shared/data: it must be chosen by bidding,
 * and at most 10% of its records rejected.  Skipped (with a message) when
 * ../shared is absent.  Prints the accounting; returns the events.
 */
LT_UNUSED static uint64_t
lt_real_sample(const char *reader, const char *rel)
{
	const struct wcs_reader_ops *ops = wcs_reader_find(reader), *winner;
	struct wcs_input_stats st;
	struct wcs_run_opts opts;
	struct wcs_input *in;
	struct wcs_ctx ctx;
	struct lt_sink sink;
	struct stat sb;
	char path[1024], *buf = NULL;
	size_t len = 0;
	unsigned i;

	(void)snprintf(
	    path, sizeof(path), "%s/data/%s", WCSCAN_SHARED_DIR, rel);
	if (stat(path, &sb) != 0) {
		printf("SKIP: %s is absent\n", path);
		skip();
	}
	assert_non_null(ops);
	assert_true(lt_bid_file(ops, path, &winner) > 0);
	if (winner != ops)
		fail_msg("%s: bidding chose %s", path,
		    winner != NULL ? winner->name : "nothing");
	wcs_ctx_init(&ctx, NULL);
	memset(&st, 0, sizeof(st));
	st.first = st.last = WCS_TIME_NONE;
	memset(&opts, 0, sizeof(opts));
	opts.since = opts.until = WCS_TIME_NONE;
	assert_int_equal(wcs_input_open(&ctx, path, 0, &in), WCS_OK);
	sink.out = open_memstream(&buf, &len);
	assert_non_null(sink.out);
	assert_int_equal(
	    wcs_reader_run(&ctx, ops, in, &opts, &st, lt_event, &sink), WCS_OK);
	(void)fclose(sink.out);
	wcs_input_close(in);
	free(buf);
	printf("%s: records %llu events %llu ignored %llu rejected %llu\n", rel,
	    (unsigned long long)st.records, (unsigned long long)st.events,
	    (unsigned long long)st.ignored, (unsigned long long)st.rejected);
	for (i = 0; i < st.nsamples; i++)
		printf("  rejected line %llu: %s\n",
		    (unsigned long long)st.samples[i].line, st.samples[i].why);
	assert_true(st.records == st.events + st.ignored + st.rejected);
	assert_true(st.rejected * 10 <= st.records);
	return (st.events);
}

#endif /* WCSCAN_TEST_LINEREADER_H */
