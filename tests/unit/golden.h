/*
 * Golden-file tests for readers (after bro-simple-scan's Baseline/).
 *
 * golden_check_dir("pfirewall", "pfirewall") reads every file under
 * testdata/pfirewall/ (sorted, any name; *.gz included) with the named
 * reader and compares the normalised events, one NDJSON line each,
 * followed by one accounting line, with testdata/expected/<file>.ndjson.
 * It also checks that bidding picks the same reader for the file (unless
 * the name contains ".forced.") and that records = events + ignored +
 * rejected.  Run with WCSCAN_UPDATE_GOLDEN=1 to write the expected files
 * after checking the differences by hand.
 */
#ifndef WCSCAN_TEST_GOLDEN_H
#define WCSCAN_TEST_GOLDEN_H

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wcscan/reader.h"
#include "wcscan/report.h"

struct golden_sink {
	FILE *out;
	const char *name;
};

static int
golden_event(const struct wcs_event *ev, void *arg)
{
	struct golden_sink *g = arg;

	return (wcs_report_event_json(g->out, ev, g->name));
}

static int
golden_name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Read a whole file into a malloc'd string; NULL when absent. */
static char *
golden_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (fp == NULL)
		return (NULL);
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)n, fp);
		buf[*len] = '\0';
	}
	(void)fclose(fp);
	return (buf);
}

/* Run one reader over one file, as NDJSON plus an accounting line. */
static char *
golden_render(const struct wcs_reader_ops *ops, const char *path,
    const char *name, const struct wcs_read_opts *ropts, size_t *len,
    const struct wcs_reader_ops **bid_winner)
{
	struct wcs_ctx ctx;
	struct wcs_input *in = NULL;
	struct wcs_input_stats st;
	struct wcs_run_opts opts;
	struct golden_sink g;
	const unsigned char *peek;
	size_t plen;
	char *buf = NULL;
	unsigned i;
	int rc, best;

	wcs_ctx_init(&ctx, NULL);
	memset(&st, 0, sizeof(st));
	st.first = st.last = WCS_TIME_NONE;
	memset(&opts, 0, sizeof(opts));
	opts.read = *ropts;
	opts.since = opts.until = WCS_TIME_NONE;
	assert_int_equal(wcs_input_open(&ctx, path, 0, &in), WCS_OK);
	assert_int_equal(wcs_input_peek(in, &peek, &plen), WCS_OK);
	*bid_winner = wcs_reader_choose(peek, plen, WCS_KIND_ANY, &best);
	g.out = open_memstream(&buf, len);
	assert_non_null(g.out);
	g.name = name;
	rc = wcs_reader_run(&ctx, ops, in, &opts, &st, golden_event, &g);
	fprintf(g.out,
	    "{\"records\":%llu,\"events\":%llu,\"ignored\":%llu,"
	    "\"rejected\":%llu,\"status\":%d,\"rejects\":[",
	    (unsigned long long)st.records, (unsigned long long)st.events,
	    (unsigned long long)st.ignored, (unsigned long long)st.rejected,
	    rc);
	for (i = 0; i < st.nsamples; i++) {
		fprintf(g.out, "%s{\"line\":%llu,\"why\":", i > 0 ? "," : "",
		    (unsigned long long)st.samples[i].line);
		wcs_json_string(g.out, st.samples[i].why);
		fputc('}', g.out);
	}
	fputs("]}\n", g.out);
	(void)fclose(g.out);
	assert_true(st.records == st.events + st.ignored + st.rejected);
	wcs_input_close(in);
	return (buf);
}

static void
golden_check_dir_opts(
    const char *reader_name, const char *dir, const struct wcs_read_opts *ropts)
{
	const struct wcs_reader_ops *ops, *winner;
	char path[1024], expect_path[1024], **names = NULL;
	size_t n = 0, i, got_len, exp_len = 0;
	char *got, *exp;
	struct dirent *de;
	DIR *d;
	int update = getenv("WCSCAN_UPDATE_GOLDEN") != NULL;
	FILE *fp;

	ops = wcs_reader_find(reader_name);
	assert_non_null(ops);
	(void)snprintf(path, sizeof(path), "%s/%s", WCSCAN_TESTDATA_DIR, dir);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		assert_non_null(names);
		names[n++] = strdup(de->d_name);
	}
	(void)closedir(d);
	assert_true(n > 0);
	qsort(names, n, sizeof(*names), golden_name_cmp);
	for (i = 0; i < n; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s/%s",
		    WCSCAN_TESTDATA_DIR, dir, names[i]);
		(void)snprintf(expect_path, sizeof(expect_path),
		    "%s/expected/%s.ndjson", WCSCAN_TESTDATA_DIR, names[i]);
		got = golden_render(
		    ops, path, names[i], ropts, &got_len, &winner);
		if (strstr(names[i], ".forced.") == NULL && winner != ops) {
			fail_msg("%s: bidding chose %s, not %s", names[i],
			    winner != NULL ? winner->name : "nothing",
			    reader_name);
		}
		if (update) {
			fp = fopen(expect_path, "wb");
			assert_non_null(fp);
			(void)fwrite(got, 1, got_len, fp);
			(void)fclose(fp);
		} else {
			exp = golden_slurp(expect_path, &exp_len);
			if (exp == NULL)
				fail_msg("%s: missing (run with "
					 "WCSCAN_UPDATE_GOLDEN=1)",
				    expect_path);
			if (exp_len != got_len || memcmp(exp, got, got_len)) {
				fprintf(stderr,
				    "--- expected %s\n%s\n+++ got\n%s",
				    expect_path, exp, got);
				fail_msg("%s differs from its golden file",
				    names[i]);
			}
			free(exp);
		}
		free(got);
		free(names[i]);
	}
	free(names);
}

static void
golden_check_dir(const char *reader_name, const char *dir)
{
	struct wcs_read_opts ropts;

	memset(&ropts, 0, sizeof(ropts));
	ropts.year = 2017; /* year-less fixtures are dated 2017 */
	golden_check_dir_opts(reader_name, dir, &ropts);
}

#endif /* WCSCAN_TEST_GOLDEN_H */
