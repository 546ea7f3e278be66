/*
 * The report: one entry point that picks the writer for the format asked
 * for and then checks that every byte reached the stream, plus the little
 * formatting every writer must do the same way.
 */
/* fopencookie (wcs_report_part): glibc and musl declare it here. */
#define _GNU_SOURCE
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/report.h"
#include "wcscan/statefile.h"
#include "report_private.h"

bool
wcs_report_keepable(enum wcs_report_format fmt)
{
	return (wcs_report_parts(fmt) > 0);
}

/* As many as each writer below passes to wcs_report_part. */
unsigned
wcs_report_parts(enum wcs_report_format fmt)
{
	switch (fmt) {
	case WCS_REPORT_TEXT:
		return (2);
	case WCS_REPORT_CSV:
	case WCS_REPORT_JSON:
		return (1);
	default:
		/* HTML: the inputs' table sits inside the summary. */
		return (0);
	}
}

bool
wcs_report_kept_plausible(
    enum wcs_report_format fmt, const struct wcs_report_kept *k)
{
	unsigned i;

	if (k->nparts != wcs_report_parts(fmt) || k->nparts == 0 ||
	    k->end[k->nparts - 1] != k->len)
		return (false);
	for (i = 1; i < k->nparts; i++) {
		if (k->end[i] < k->end[i - 1])
			return (false);
	}
	return (wcs_report_bytes_safe(fmt, k->bytes, k->len));
}

void
wcs_report_kept_clear(struct wcs_ctx *ctx, struct wcs_report_kept *k)
{
	wcs_free(ctx, k->own);
	memset(k, 0, sizeof(*k));
}

/*
 * Append n bytes to k's own copy, which is taken at its hint's size
 * first and doubled when short: a sweep's report of megabytes is laid
 * down once, not copied at every growth.
 */
static int
keep_bytes(struct wcs_ctx *ctx, struct wcs_report_kept *k,
    const unsigned char *p, size_t n)
{
	unsigned char *nb;
	size_t ncap;

	if (n > SIZE_MAX / 2 - k->len)
		return (WCS_FATAL);
	if (k->cap - k->len < n) {
		ncap = k->cap > 0 ? k->cap : k->hint > 0 ? k->hint : 65536;
		while (ncap - k->len < n)
			ncap *= 2;
		if ((nb = wcs_reallocarray(ctx, k->own, ncap, 1)) == NULL)
			return (WCS_FATAL);
		k->bytes = k->own = nb;
		k->cap = ncap;
	}
	memcpy(k->own + k->len, p, n);
	k->len += n;
	return (WCS_OK);
}

/* Where a kept part's stream puts what the writer writes. */
struct keep_sink {
	struct wcs_ctx *ctx;
	struct wcs_report_kept *k;
	bool oom;
};

/*
 * Appends to the kept copy.  Never says it failed: C libraries and
 * their manuals disagree on how a cookie's write says so (0, or -1), so
 * an ENOMEM is kept in the sink, the bytes after it dropped, and looked
 * at once the stream is closed.
 */
static ssize_t
keep_write(void *cookie, const char *p, size_t n)
{
	struct keep_sink *ks = cookie;

	if (!ks->oom &&
	    keep_bytes(ks->ctx, ks->k, (const unsigned char *)p, n) != WCS_OK)
		ks->oom = true;
	return ((ssize_t)n);
}

int
wcs_report_part(struct wcs_ctx *ctx, FILE *out, const struct wcs_report *rep,
    unsigned i, wcs_report_part_fn fn)
{
	static const cookie_io_functions_t keep_io = { .write = keep_write };
	const struct wcs_report_kept *r = rep->reuse;
	struct wcs_report_kept *k = rep->keep;
	struct keep_sink ks;
	size_t from;
	FILE *m;
	int rc;

	if (r != NULL) {
		if (i >= r->nparts) {
			wcs_set_error(ctx, WCS_ECORRUPT,
			    "the report kept has no part %u", i);
			return (WCS_FAILED);
		}
		from = i == 0 ? 0 : r->end[i - 1];
		(void)fwrite(r->bytes + from, 1, r->end[i] - from, out);
		return (WCS_OK);
	}
	if (k == NULL)
		return (fn(ctx, out, rep));
	if (k->nparts != i || i >= WCS_REPORT_PARTS_MAX) {
		wcs_set_error(
		    ctx, EINVAL, "report part %u kept out of order", i);
		return (WCS_FATAL);
	}
	/*
	 * Written into the kept copy first, then from there to out.
	 * fopencookie, not open_memstream: a memstream grows a buffer of
	 * its own, copying it at each growth, which was then copied again
	 * into the kept one; this stream's bytes land in k once.
	 */
	ks = (struct keep_sink){ .ctx = ctx, .k = k, .oom = false };
	from = k->len;
	if ((m = fopencookie(&ks, "w", keep_io)) == NULL) {
		wcs_set_error(ctx, ENOMEM, "report: %s", strerror(errno));
		return (WCS_FATAL);
	}
	/* This thread's alone: the writer's many small writes take no
	 * lock (glibc and musl have __fsetlocking). */
	(void)__fsetlocking(m, FSETLOCKING_BYCALLER);
	rc = fn(ctx, m, rep);
	if ((fclose(m) != 0 || ks.oom) && rc == WCS_OK) {
		wcs_set_error(ctx, ENOMEM, "report: %s", strerror(ENOMEM));
		rc = WCS_FATAL;
	}
	if (rc != WCS_OK) {
		k->len = from; /* the part's bytes, not kept */
		return (rc);
	}
	k->end[k->nparts++] = k->len;
	if (k->len > from)
		(void)fwrite(k->own + from, 1, k->len - from, out);
	return (WCS_OK);
}

int
wcs_report_write(struct wcs_ctx *ctx, FILE *out, enum wcs_report_format fmt,
    const struct wcs_report *rep)
{
	int rc;

	errno = 0;
	switch (fmt) {
	case WCS_REPORT_TEXT:
		rc = wcs_report_text_write(ctx, out, rep);
		break;
	case WCS_REPORT_CSV:
		rc = wcs_report_csv_write(ctx, out, rep);
		break;
	case WCS_REPORT_JSON:
		rc = wcs_report_json_write(ctx, out, rep);
		break;
	case WCS_REPORT_HTML:
		rc = wcs_report_html_write(ctx, out, rep);
		break;
	default:
		wcs_set_error(
		    ctx, WCS_EUSAGE, "unknown report format %d", (int)fmt);
		return (WCS_FAILED);
	}
	if (rc != WCS_OK)
		return (rc);
	/*
	 * The writers do not check every putc; a full disk or a closed pipe
	 * sticks in the stream's error flag, which is checked once here.
	 */
	if (fflush(out) == EOF || ferror(out)) {
		if (errno == 0)
			errno = EIO;
		wcs_set_error(
		    ctx, errno, "writing the report: %s", strerror(errno));
		return (WCS_FAILED);
	}
	return (WCS_OK);
}

const char *
wcs_report_score(double score, char *buf, size_t len)
{
	long long v;
	double x;

	/*
	 * Not printf("%.2f"): the CLI may set LC_NUMERIC from the
	 * environment, and a decimal comma would break CSV and JSON.
	 */
	if (!isfinite(score) || score >= 1e15 || score <= -1e15)
		score = 0.0;
	x = score * 100.0;
	v = (long long)(x < 0 ? x - 0.5 : x + 0.5);
	(void)snprintf(buf, len, "%s%lld.%02lld", v < 0 ? "-" : "",
	    (v < 0 ? -v : v) / 100, (v < 0 ? -v : v) % 100);
	return (buf);
}

size_t
wcs_report_notes(const struct wcs_input_stats *in, const char **notes)
{
	size_t n = 0;

	if (in->tz_assumed)
		notes[n++] = "local times read as UTC (no --tz)";
	if (in->year_guessed)
		notes[n++] = "year taken from file modification time";
	if (in->utf16)
		notes[n++] = "UTF-16 text converted to UTF-8";
	if (in->clock_note != NULL)
		notes[n++] = in->clock_note;
	if (in->dup_note != NULL)
		notes[n++] = in->dup_note;
	if (in->file_note[0] != '\0')
		notes[n++] = in->file_note;
	if (in->log_note[0] != '\0')
		notes[n++] = in->log_note;
	notes[n] = NULL;
	return (n);
}

unsigned
wcs_report_ignored(
    const struct wcs_input_stats *in, uint64_t counts[WCS_IGN__COUNT])
{
	uint64_t known = 0;
	unsigned i, named = 0;

	for (i = 0; i < WCS_IGN__COUNT; i++) {
		counts[i] = i == WCS_IGN_OTHER ? 0 : in->ignored_by[i];
		known += counts[i];
		named += i != WCS_IGN_OTHER && counts[i] > 0;
	}
	/* Whatever no reader gave a cause for. */
	counts[WCS_IGN_OTHER] = in->ignored > known ? in->ignored - known : 0;
	return (named);
}

const char *
wcs_report_ignore_name(enum wcs_ignore why)
{
	switch (why) {
	case WCS_IGN_HEADER:
		return ("header");
	case WCS_IGN_FOREIGN:
		return ("other_program");
	case WCS_IGN_MSGTYPE:
		return ("message_type");
	case WCS_IGN_EVENTID:
		return ("event_id");
	case WCS_IGN_TIME:
		return ("time_window");
	case WCS_IGN_LOGNOTE:
		return ("log_note");
	default:
		return ("other");
	}
}

void
wcs_report_ignored_list(
    FILE *out, const uint64_t counts[WCS_IGN__COUNT], const char *lead)
{
	const char *sep = lead;
	unsigned i;

	for (i = 1; i <= WCS_IGN__COUNT; i++) {
		if (counts[i % WCS_IGN__COUNT] == 0)
			continue;
		fprintf(out, "%s%" PRIu64 " %s", sep,
		    counts[i % WCS_IGN__COUNT],
		    wcs_report_ignore_name(i % WCS_IGN__COUNT));
		sep = ", ";
	}
}

const char *
wcs_report_why(const struct wcs_reject *r, char *buf)
{
	memcpy(buf, r->why, WCS_REJECT_WHY);
	buf[WCS_REJECT_WHY - 1] = '\0';
	return (buf);
}

const char *
wcs_report_source_verdict(
    const struct wcs_result *res, const struct wcs_addr *a)
{
	size_t i;

	for (i = 0; i < res->nhosts; i++) {
		if (wcs_addr_equal(&res->hosts[i].ip, a))
			return (wcs_verdict_name(res->hosts[i].verdict));
	}
	return ("clean");
}

const char *
wcs_report_host_text(
    const struct wcs_host *h, char *buf, size_t len, size_t cols)
{
	char abuf[WCS_ADDR_STRLEN];
	bool paren = h->nnames > 0 && wcs_addr_present(&h->ip);
	size_t i, n = 0, keep;
	int k;

	buf[0] = '\0';
	if (wcs_addr_present(&h->ip)) {
		k = snprintf(buf, len, "%s",
		    wcs_addr_format(&h->ip, abuf, sizeof(abuf)));
		n = k < 0 ? 0 : (size_t)k;
	}
	for (i = 0; i < h->nnames && n < len; i++) {
		keep = n;
		k = snprintf(buf + n, len - n, "%s%s",
		    i == 0 ? (n > 0 ? " (" : "") : ", ", h->names[i]);
		n += k < 0 ? 0 : (size_t)k;
		if (n >= len)
			n = len - 1;
		/*
		 * A name that leaves no room for the ")" goes, and those
		 * after it; ", ..." says so when it fits.
		 */
		if (cols > 0 && i > 0 && wcs_text_width(buf, 0) + 1 > cols) {
			n = keep;
			buf[n] = '\0';
			if (wcs_text_width(buf, 0) + 4 <= cols) {
				(void)snprintf(
				    buf + n, len - n, ", \xe2\x80\xa6");
				n += strlen(buf + n);
			}
			break;
		}
	}
	if (paren && n + 1 < len)
		(void)snprintf(buf + n, len - n, ")");
	return (buf);
}
