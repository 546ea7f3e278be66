/*
 * wcscan: find WannaCry in the logs collected after an outbreak.
 */
#include <stdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "wcscan/core.h"
#include "cli.h"

int
main(int argc, char **argv)
{
	struct wcs_opts opts;
	struct wcs_ctx ctx;
	int rc;

#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
	/*
	 * Blocks up to 32 MiB come from the heap, not each from a mapping of
	 * its own: the engine's tables and the sort keys of its canonical
	 * order are made and freed again in a sweep, and a fresh mapping
	 * faults in (and the kernel zeroes) every page each time.  glibc
	 * would raise its threshold so itself, but only after the first
	 * free, one block at a time.
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
#endif
	wcs_ctx_init(&ctx, NULL);
	if ((rc = wcs_opts_parse(&ctx, argc, argv, &opts)) != WCS_OK) {
		wcs_opts_free(&ctx, &opts);
		return (WCS_EXIT_ERROR);
	}
	if (opts.help) {
		wcs_print_usage(stdout);
		rc = WCS_EXIT_CLEAN;
	} else if (opts.version) {
		printf("wcscan %s\n", WCSCAN_VERSION);
		rc = WCS_EXIT_CLEAN;
	} else {
		rc = wcs_run(&ctx, &opts);
	}
	wcs_opts_free(&ctx, &opts);
	/* Interrupted: die of the signal once the outputs are cleaned up. */
	if (wcs_signals_caught() != 0)
		wcs_signals_die(wcs_signals_caught());
	return (rc);
}
