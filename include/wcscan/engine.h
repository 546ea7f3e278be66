/*
 * The correlation engine: events in, a wcs_result out.  It never opens
 * files or parses formats.  Memory grows with hosts and host pairs, not
 * with the number of events.
 */
#ifndef WCSCAN_ENGINE_H
#define WCSCAN_ENGINE_H

#include <stddef.h>

#include "wcscan/addr.h"
#include "wcscan/core.h"
#include "wcscan/event.h"
#include "wcscan/result.h"
#include "wcscan/rules.h"

struct wcs_engine_opts {
	const struct wcs_cidr *internal; /* internal networks */
	size_t ninternal;
	const char *const *input_paths; /* for provenance "path:line" */
	size_t ninputs;
};

struct wcs_engine;

/* rules is borrowed and must outlive the engine.  NULL on ENOMEM. */
struct wcs_engine *wcs_engine_new(struct wcs_ctx *ctx,
    const struct wcs_engine_opts *opts, struct wcs_rules *rules);
void wcs_engine_free(struct wcs_engine *eng);
/* The input list may grow while reading (directories); paths borrowed. */
void wcs_engine_set_inputs(
    struct wcs_engine *eng, const char *const *paths, size_t n);

/* Take one event.  WCS_OK or WCS_FATAL. */
int wcs_engine_feed(struct wcs_engine *eng, const struct wcs_event *ev);
/* Conclude; the result is owned by the engine. */
int wcs_engine_finish(struct wcs_engine *eng, const struct wcs_result **res);

#endif /* WCSCAN_ENGINE_H */
