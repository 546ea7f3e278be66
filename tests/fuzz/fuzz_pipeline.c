/*
 * Fuzz target for the whole pipeline as the command line runs it: the
 * bytes are one input; every reader bids on its first bytes, the winner
 * reads it, the events go through the engine with the shipped rules, and
 * the report is written in all three formats.  Checks the accounting
 * invariant records = events + ignored + rejected.
 *
 * The rules are loaded once, from $WCSCAN_RULES_DIR, else from the source
 * tree's rules/ (WCSCAN_RULES_SRC_DIR, set by CMake), else from a small
 * rule set embedded here.  Replayed under ctest over
 * tests/fuzz/corpus/pipeline/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/engine.h"
#include "wcscan/reader.h"
#include "wcscan/report.h"
#include "wcscan/rules.h"

#ifndef WCSCAN_RULES_SRC_DIR
#define WCSCAN_RULES_SRC_DIR "rules"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Used when the shipped rules cannot be found. */
static const char fallback_rules[] =
    "rule fuzz.killswitch\n"
    "\tclass lookup\n"
    "\tseverity high\n"
    "\tevent dns\n"
    "\tfield qname\n"
    "\tdomain iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com\n"
    "\tsinkhole 2017-05-12T15:03:00Z\n"
    "\n"
    "rule fuzz.mssecsvc\n"
    "\tclass startup\n"
    "\tseverity critical\n"
    "\tevent process service\n"
    "\tfield image\n"
    "\tpcre /(?:^|\\\\)mssecsvc\\.exe(?:\\s|$)/i\n";

static struct wcs_rules *
pipeline_rules(struct wcs_ctx *ctx)
{
	static struct wcs_rules *rules;
	const char *dir = getenv("WCSCAN_RULES_DIR");

	if (rules != NULL)
		return (rules);
	if ((rules = wcs_rules_new(ctx)) == NULL)
		abort();
	if (dir == NULL || dir[0] == '\0')
		dir = WCSCAN_RULES_SRC_DIR;
	if (wcs_rules_load_dir(rules, dir) != WCS_OK ||
	    wcs_rules_count(rules) == 0) {
		wcs_rules_free(rules);
		if ((rules = wcs_rules_new(ctx)) == NULL ||
		    wcs_rules_load_buffer(rules, "fallback.rules",
			fallback_rules, sizeof(fallback_rules) - 1) != WCS_OK)
			abort();
	}
	return (rules);
}

static int
pipeline_feed(const struct wcs_event *ev, void *arg)
{
	return (wcs_engine_feed(arg, ev));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "fuzz" };
	static const enum wcs_report_format fmts[] = { WCS_REPORT_TEXT,
		WCS_REPORT_CSV, WCS_REPORT_JSON };
	static struct wcs_ctx rules_ctx;
	static FILE *devnull;
	const struct wcs_reader_ops *ops;
	const struct wcs_result *res;
	struct wcs_engine_opts eo;
	struct wcs_input_stats st;
	struct wcs_run_opts ro;
	struct wcs_report rep;
	struct wcs_engine *eng;
	struct wcs_input *in;
	struct wcs_ctx ctx;
	const unsigned char *peek;
	char why[WCS_ERRBUF_SIZE];
	size_t plen, i;
	int best, rc;

	if (devnull == NULL) {
		wcs_ctx_init(&rules_ctx, NULL);
		if ((devnull = fopen("/dev/null", "w")) == NULL)
			abort();
	}
	wcs_ctx_init(&ctx, NULL);
	memset(&st, 0, sizeof(st));
	st.path = paths[0];
	st.first = st.last = WCS_TIME_NONE;
	memset(&eo, 0, sizeof(eo));
	eo.input_paths = paths;
	eo.ninputs = 1;
	if ((eng = wcs_engine_new(&ctx, &eo, pipeline_rules(&rules_ctx))) ==
	    NULL)
		return (0);
	/* A small line cap so over-long paths are reached quickly. */
	if (wcs_input_open_mem(&ctx, "fuzz", data, size, 4096, &in) != WCS_OK)
		goto out_free_engine;
	if (wcs_input_peek(in, &peek, &plen) != WCS_OK)
		goto out_close;
	ops = wcs_reader_choose(peek, plen, WCS_KIND_ANY, &best);
	if (ops != NULL) {
		memset(&ro, 0, sizeof(ro));
		ro.read.year = 2017;
		ro.since = ro.until = WCS_TIME_NONE;
		rc =
		    wcs_reader_run(&ctx, ops, in, &ro, &st, pipeline_feed, eng);
		if (rc == WCS_FAILED) {
			(void)snprintf(
			    why, sizeof(why), "%s", wcs_error_string(&ctx));
			st.error = why;
		}
		if (st.records != st.events + st.ignored + st.rejected)
			abort();
		/* Fatal means out of memory, nothing else: a hostile line
		 * must never stop the run (crash_nameless_computername). */
		if (rc == WCS_FATAL && ctx.errnum != ENOMEM)
			abort();
		if (rc == WCS_FATAL)
			goto out_close;
	}
	if (wcs_engine_finish(eng, &res) != WCS_OK)
		goto out_close;
	memset(&rep, 0, sizeof(rep));
	rep.inputs = &st;
	rep.ninputs = 1;
	rep.result = res;
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		(void)wcs_report_write(&ctx, devnull, fmts[i], &rep);
	(void)fflush(devnull);
out_close:
	wcs_input_close(in);
out_free_engine:
	wcs_engine_free(eng);
	return (0);
}
