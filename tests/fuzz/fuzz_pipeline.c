/*
 * Fuzz target for the whole pipeline as the command line runs it: the
 * bytes are one input of the input driver (wcscan/driver.h), which has
 * every reader bid on its first bytes and the winner read it into the
 * engine with the shipped rules; the report is written in all three
 * formats.  Checks the accounting invariant records = events + ignored +
 * rejected.
 *
 * The bytes are handed to the driver as memory (wcs_driver_add_mem), not
 * as a file written to a temporary directory: libFuzzer runs thousands of
 * inputs a second, a file each would make the disk the thing measured,
 * and a crash would leave the file behind.  Everything after opening the
 * input (bidding, reading, accounting, feeding) is the driver's code for
 * files too; only the cutting of big files into pieces is not reached.
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

#include "wcscan/driver.h"
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum wcs_report_format fmts[] = { WCS_REPORT_TEXT,
		WCS_REPORT_CSV, WCS_REPORT_JSON };
	static struct wcs_ctx rules_ctx;
	static FILE *devnull;
	const struct wcs_result *res;
	struct wcs_driver_opts dop;
	struct wcs_engine_opts eo;
	struct wcs_input_stats *st;
	struct wcs_report rep;
	struct wcs_driver *drv;
	struct wcs_engine *eng;
	struct wcs_ctx ctx;
	size_t i;
	int rc;

	if (devnull == NULL) {
		wcs_ctx_init(&rules_ctx, NULL);
		if ((devnull = fopen("/dev/null", "w")) == NULL)
			abort();
	}
	wcs_ctx_init(&ctx, NULL);
	memset(&eo, 0, sizeof(eo));
	if ((eng = wcs_engine_new(&ctx, &eo, pipeline_rules(&rules_ctx))) ==
	    NULL)
		return (0);
	memset(&dop, 0, sizeof(dop));
	/* A small line cap so over-long paths are reached quickly. */
	dop.max_line = 4096;
	dop.year = 2017;
	dop.since = dop.until = WCS_TIME_NONE;
	/* One thread: a fuzzer's throughput is in inputs, not bytes. */
	dop.threads = 1;
	if ((drv = wcs_driver_new(&ctx, &dop)) == NULL)
		goto out_free_engine;
	if (wcs_driver_add_mem(drv, "fuzz", data, size, WCS_KIND_ANY) != WCS_OK)
		goto out_free_driver;
	rc = wcs_driver_run(drv, eng, NULL, NULL);
	st = wcs_driver_stats(drv);
	if (wcs_driver_count(drv) != 1 ||
	    st->records != st->events + st->ignored + st->rejected)
		abort();
	/* Fatal means out of memory, nothing else: a hostile line must never
	 * stop the run (crash_nameless_computername). */
	if (rc == WCS_FATAL && ctx.errnum != ENOMEM)
		abort();
	if (rc != WCS_OK)
		goto out_free_driver;
	if (wcs_engine_finish(eng, &res) != WCS_OK)
		goto out_free_driver;
	memset(&rep, 0, sizeof(rep));
	rep.inputs = st;
	rep.ninputs = 1;
	rep.result = res;
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		(void)wcs_report_write(&ctx, devnull, fmts[i], &rep);
	(void)fflush(devnull);
out_free_driver:
	wcs_driver_free(drv);
out_free_engine:
	wcs_engine_free(eng);
	return (0);
}
