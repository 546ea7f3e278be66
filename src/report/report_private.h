/*
 * Shared by the report writers.
 */
#ifndef WCSCAN_REPORT_PRIVATE_H
#define WCSCAN_REPORT_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wcscan/report.h"

/* Decode one strict UTF-8 sequence; 0 when s does not start with one. */
size_t wcs_utf8_next(const unsigned char *s, size_t len, uint32_t *cp);

/*
 * Whether bytes are ones the writer of fmt could have written: strict
 * UTF-8, no control character but newline (and CR and tab in CSV), and
 * in text nothing a terminal must not be sent (wcs_text_safe's rule).
 */
bool wcs_report_bytes_safe(
    enum wcs_report_format fmt, const unsigned char *p, size_t len);

/* The columns wcs_text_safe(out, s, max_cols) takes, for padding. */
size_t wcs_text_width(const char *s, size_t max_cols);

/*
 * The three report formats, dispatched by wcs_report_write, which checks
 * the stream for errors afterwards.  They return WCS_OK, or WCS_FATAL
 * (ENOMEM in ctx) when a buffer could not be allocated.
 */
int wcs_report_json_write(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_report *rep);
int wcs_report_csv_write(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_report *rep);
int wcs_report_text_write(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_report *rep);
int wcs_report_html_write(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_report *rep);

/*
 * Write a part of the report that follows from the conclusion alone
 * (see struct wcs_report_kept), the i-th of its format: by fn, or from
 * rep->reuse; kept in rep->keep as written.  WCS_OK, what fn returned,
 * WCS_FAILED (a kept copy without that part), WCS_FATAL (ENOMEM).
 */
typedef int (*wcs_report_part_fn)(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_report *rep);
int wcs_report_part(struct wcs_ctx *ctx, FILE *out,
    const struct wcs_report *rep, unsigned i, wcs_report_part_fn fn);

/*
 * The HTML report's drawings (svg.c), inline <svg> elements: the
 * infection graph, one row per infected or neutralized host (per /24 past
 * WCS_SVG_HOSTS_MAX hosts), and the outbreak curve.  WCS_OK or WCS_FATAL
 * (ENOMEM in ctx).
 */
#define WCS_SVG_HOSTS_MAX 300
int wcs_report_svg_graph(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_result *res);
int wcs_report_svg_curve(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_result *res);
/* When the kill switch was first seen answered (the earliest lookup of a
 * neutralized host); WCS_TIME_NONE when never. */
int64_t wcs_report_sinkhole_time(const struct wcs_result *res);

/*
 * A score with two decimals and a '.' whatever the locale, so reports are
 * byte-stable; "0.00" for NaN and infinities.  buf holds
 * WCS_SCORE_STRLEN bytes.
 */
#define WCS_SCORE_STRLEN 32
const char *wcs_report_score(double score, char *buf, size_t len);

/* The notes an input's report carries ("local times read as UTC ..."),
 * NULL-terminated, in a fixed order.  notes holds WCS_NOTES_MAX + 1. */
#define WCS_NOTES_MAX 7
size_t wcs_report_notes(const struct wcs_input_stats *in, const char **notes);

/*
 * What an input's ignored records were, by cause: fills counts (indexed
 * by enum wcs_ignore; WCS_IGN_OTHER holds what no cause was given for)
 * and returns how many causes are given one.
 */
unsigned wcs_report_ignored(
    const struct wcs_input_stats *in, uint64_t counts[WCS_IGN__COUNT]);
/* A cause's name in the report ("header", "message_type", ...). */
const char *wcs_report_ignore_name(enum wcs_ignore why);
/*
 * The counts wcs_report_ignored filled, after lead: "2 header, 36
 * message_type", the causes in enum order and what none was given for
 * last; a count of 0 is left out.
 */
void wcs_report_ignored_list(
    FILE *out, const uint64_t counts[WCS_IGN__COUNT], const char *lead);

/* A reject sample's reason, copied so that a sample filled to the brim
 * still ends in a NUL.  buf holds WCS_REJECT_WHY bytes. */
const char *wcs_report_why(const struct wcs_reject *r, char *buf);

/*
 * A 445/tcp fan-out source's verdict (wcs_result.fanout_top lists them
 * whatever their verdict): the flagged host's at its address, else "clean".
 */
const char *wcs_report_source_verdict(
    const struct wcs_result *res, const struct wcs_addr *a);

/*
 * "10.0.0.5 (WS-01, WS-01.corp)" or just the address or the names, in at
 * most cols columns (0: no limit) when whole names allow: names that do
 * not fit are left out ("10.0.0.5 (WS-01, ...)", or without the ellipsis
 * when even that does not fit); the first is kept whatever its length, so
 * that the cell's ellipsis shows where it was cut.  Empty when the host
 * has neither.  Returns buf, cut to len.
 */
const char *wcs_report_host_text(
    const struct wcs_host *h, char *buf, size_t len, size_t cols);

#endif /* WCSCAN_REPORT_PRIVATE_H */
