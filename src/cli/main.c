/*
 * wcscan: find WannaCry in the logs collected after an outbreak.
 */
#include <stdio.h>

#include "wcscan/core.h"
#include "cli.h"

int
main(int argc, char **argv)
{
	struct wcs_opts opts;
	struct wcs_ctx ctx;
	int rc;

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
