/*
 * Reports: text for a terminal, CSV and JSON for other tools (DESIGN §4),
 * and the normalised-event export (NDJSON with EVE-style keys).
 *
 * Log bytes are untrusted: JSON output is always valid UTF-8 (invalid bytes
 * become U+FFFD), CSV follows RFC 4180 and neutralises cells a spreadsheet
 * would run as formulas, and text output never passes control characters.
 */
#ifndef WCSCAN_REPORT_H
#define WCSCAN_REPORT_H

#include <stdio.h>

#include "wcscan/core.h"
#include "wcscan/event.h"
#include "wcscan/result.h"
#include "wcscan/stats.h"

enum wcs_report_format { WCS_REPORT_TEXT = 0, WCS_REPORT_CSV, WCS_REPORT_JSON };

struct wcs_report {
	const struct wcs_input_stats *inputs;
	size_t ninputs;
	const struct wcs_result *result;
	const char *tz_name; /* --tz, or NULL */
};

/* Returns WCS_OK, or WCS_FAILED when writing failed (errno in ctx). */
int wcs_report_write(struct wcs_ctx *ctx, FILE *out, enum wcs_report_format fmt,
    const struct wcs_report *rep);

/*
 * The infection graph as Graphviz DOT: patient-zero candidates at the
 * top, edges labelled with the contact time.  Render with
 *	dot -Tsvg graph.dot -o graph.svg
 */
int wcs_report_graph_dot(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_result *res);

/* One event as one NDJSON line; path is the event's input path. */
int wcs_report_event_json(
    FILE *out, const struct wcs_event *ev, const char *path);

/* Escaping helpers, exposed for tests and other writers. */
void wcs_json_string(FILE *out, const char *s);
void wcs_csv_cell(FILE *out, const char *s);
/* Text: control bytes and invalid UTF-8 as \xNN, width-limited (0 = no
 * limit, else ellipsis past max_cols characters). */
void wcs_text_safe(FILE *out, const char *s, size_t max_cols);

#endif /* WCSCAN_REPORT_H */
