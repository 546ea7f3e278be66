/*
 * Shared body of the reader fuzz targets: run one reader over the bytes
 * and check the accounting invariant.  A target is
 *	int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
 *	{ return (fuzz_reader("pfirewall", d, n)); }
 * With WCSCAN_FUZZ the whole core is built with -fsanitize=fuzzer-no-link
 * by the caller's flags; abort() marks a broken invariant.
 */
#ifndef WCSCAN_FUZZ_READER_H
#define WCSCAN_FUZZ_READER_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_event_sink(const struct wcs_event *ev, void *arg)
{
	size_t *n = arg;

	/* Touch every string so sanitizers see a bad pointer. */
	const char *const s[] = { ev->host, ev->user, ev->image, ev->cmdline,
		ev->parent, ev->name, ev->target, ev->qname, ev->answer };
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		if (s[i] != NULL)
			*n += strlen(s[i]);
	}
	return (WCS_OK);
}

static int
fuzz_reader(const char *name, const uint8_t *data, size_t size)
{
	const struct wcs_reader_ops *ops = wcs_reader_find(name);
	struct wcs_input_stats st;
	struct wcs_run_opts opts;
	struct wcs_input *in;
	struct wcs_ctx ctx;
	size_t total = 0;
	int rc;

	if (ops == NULL)
		abort();
	wcs_ctx_init(&ctx, NULL);
	memset(&st, 0, sizeof(st));
	st.first = st.last = WCS_TIME_NONE;
	memset(&opts, 0, sizeof(opts));
	opts.read.year = 2017;
	opts.since = opts.until = WCS_TIME_NONE;
	/* A small line cap so over-long paths are reached quickly. */
	if (wcs_input_open_mem(&ctx, "fuzz", data, size, 4096, &in) != WCS_OK)
		return (0);
	rc = wcs_reader_run(&ctx, ops, in, &opts, &st, fuzz_event_sink, &total);
	if (st.records != st.events + st.ignored + st.rejected)
		abort();
	/* Fatal means out of memory; bytes alone must never stop a run. */
	if (rc == WCS_FATAL && ctx.errnum != ENOMEM)
		abort();
	wcs_input_close(in);
	return (0);
}

#endif /* WCSCAN_FUZZ_READER_H */
