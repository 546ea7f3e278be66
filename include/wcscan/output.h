/*
 * Output files (module io): the one way every report, graph and event
 * dump reaches its path.
 *
 * A path is checked and prepared by wcs_output_new, before any input is
 * read, and written only by wcs_output_commit:
 *  - "-", /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: that file
 *    descriptor, written in place;
 *  - nothing there, a regular file, or a symbolic link (which is replaced,
 *    never followed): a temporary file in the same directory, renamed over
 *    the path on commit, so readers see the old file or the whole new one;
 *    a regular file keeps its mode and owner;
 *  - a character device or a FIFO: opened now and written in place
 *    (/dev/null stays a device);
 *  - a directory, a block device or a socket: refused.
 * Every write, flush, sync and close is checked, and a failure names the
 * path and the reason.  wcs_output_free removes a temporary file that was
 * not committed, so an interrupted run leaves nothing behind.
 */
#ifndef WCSCAN_OUTPUT_H
#define WCSCAN_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "wcscan/core.h"

struct wcs_output;

/*
 * Prepare path for writing.  Returns WCS_OK with *out set, WCS_FAILED
 * with the reason (naming the path) in ctx, or WCS_FATAL.
 */
int wcs_output_new(
    struct wcs_ctx *ctx, const char *path, struct wcs_output **out);
/* The stream to write to; valid until commit or free. */
FILE *wcs_output_stream(struct wcs_output *o);
const char *wcs_output_path(const struct wcs_output *o);
/* True when the path is replaced on commit (not written in place). */
bool wcs_output_replaces(const struct wcs_output *o);
/*
 * Flush, sync and close the stream, then rename the temporary file over
 * the path.  Returns WCS_OK, or WCS_FAILED with the reason in ctx (the
 * temporary file is then removed by wcs_output_free).
 */
int wcs_output_commit(struct wcs_output *o);
/* Removes an uncommitted temporary file.  Accepts NULL. */
void wcs_output_free(struct wcs_output *o);

#endif /* WCSCAN_OUTPUT_H */
