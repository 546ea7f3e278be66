/*
 * Reports: text for a terminal, CSV and JSON for other tools (DESIGN §4),
 * and the normalised-event export (NDJSON with EVE-style keys).
 *
 * Log bytes are untrusted: JSON output is always valid UTF-8 (invalid bytes
 * become U+FFFD), CSV follows RFC 4180 and neutralises cells a spreadsheet
 * would run as formulas, text output never passes control characters, and
 * HTML output is one self-contained file whose every log string is text
 * (entities for markup) under a Content-Security-Policy that runs nothing.
 */
#ifndef WCSCAN_REPORT_H
#define WCSCAN_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "wcscan/core.h"
#include "wcscan/event.h"
#include "wcscan/result.h"
#include "wcscan/stats.h"

enum wcs_report_format {
	WCS_REPORT_TEXT = 0,
	WCS_REPORT_CSV,
	WCS_REPORT_JSON,
	WCS_REPORT_HTML
};

/* The text report's width when none is given (not a terminal). */
#define WCS_TEXT_WIDTH_DEFAULT 100
/* Narrower than this, the text report's tables no longer line up. */
#define WCS_TEXT_WIDTH_MIN 60

/*
 * What an incremental sweep (--state) found new since the last one: the
 * files read again and how, and the hosts flagged now that were not (or
 * less so) then, most severe first, in report order.
 */
struct wcs_sweep_news {
	bool first; /* no earlier sweep: everything is new */
	uint64_t unchanged, appended, appended_bytes, replaced, rotated, fresh;
	const struct wcs_host **hosts;
	const enum wcs_verdict *was; /* each one's verdict then */
	size_t nhosts;
};

/*
 * The parts of a report that follow from the conclusion alone, not from
 * how this run read its inputs (what a sweep found new, how each input
 * was read this time): a sweep keeps them in its state, so that the next
 * one, when no input has anything new, writes the same report again
 * without loading the engine or concluding.  Text, CSV and JSON reports
 * have them (wcs_report_keepable); part i is bytes [end[i - 1], end[i]).
 */
#define WCS_REPORT_PARTS_MAX 4
struct wcs_report_kept {
	const unsigned char *bytes; /* own's, or a loaded state's */
	unsigned char *own; /* kept by this run */
	size_t len, cap; /* cap: own's size */
	/* How long it will likely be (the last sweep's): own is taken
	 * that large at once, not grown by copies.  0: unknown. */
	size_t hint;
	size_t end[WCS_REPORT_PARTS_MAX];
	unsigned nparts;
};
bool wcs_report_keepable(enum wcs_report_format fmt);
/* The parts a report of fmt has: what a loaded copy must hold. */
unsigned wcs_report_parts(enum wcs_report_format fmt);
/*
 * Whether a kept copy read from a state can be written as a report of
 * fmt: its parts those of fmt, its bytes ones fmt's writer writes (a
 * state file is input like any other; the report may go to a terminal).
 */
bool wcs_report_kept_plausible(
    enum wcs_report_format fmt, const struct wcs_report_kept *k);
/* Frees what k holds and empties it; accepts an empty one. */
void wcs_report_kept_clear(struct wcs_ctx *ctx, struct wcs_report_kept *k);

struct wcs_report {
	const struct wcs_input_stats *inputs;
	size_t ninputs;
	const struct wcs_result *result;
	const char *tz_name; /* --tz, or NULL */
	unsigned width; /* text: columns; 0 = WCS_TEXT_WIDTH_DEFAULT */
	const struct wcs_sweep_news *news; /* NULL: not a sweep */
	/* Not NULL: the conclusion's parts are also kept here, as written. */
	struct wcs_report_kept *keep;
	/* Not NULL: the conclusion's parts are written from here, and
	 * result is not read (it may be NULL). */
	const struct wcs_report_kept *reuse;
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

/*
 * The timeline for Timesketch and spreadsheet timelines: one row per
 * evidence item and per network fact that dates the outbreak (a host's
 * 445/tcp sweep starting, its first contact from its infector), sorted by
 * time, as JSON lines, or as CSV with a header when csv is set.  Every row
 * has Timesketch's required message, datetime (ISO 8601) and
 * timestamp_desc.  Returns WCS_OK, WCS_FAILED when writing failed, or
 * WCS_FATAL (ENOMEM in ctx).
 */
int wcs_report_timeline(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_result *res, bool csv);

/* One event as one NDJSON line; path is the event's input path. */
int wcs_report_event_json(
    FILE *out, const struct wcs_event *ev, const char *path);

/* Escaping helpers, exposed for tests and other writers. */
void wcs_json_string(FILE *out, const char *s);
void wcs_csv_cell(FILE *out, const char *s);
/* HTML text or a quoted attribute's value: & < > " ' as entities, control
 * bytes, bidi controls and invalid UTF-8 as visible \xNN / \uNNNN. */
void wcs_html_string(FILE *out, const char *s);
/* Text: control bytes and invalid UTF-8 as \xNN, width-limited (0 = no
 * limit, else ellipsis past max_cols characters). */
void wcs_text_safe(FILE *out, const char *s, size_t max_cols);

#endif /* WCSCAN_REPORT_H */
