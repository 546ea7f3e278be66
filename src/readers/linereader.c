/*
 * The line-reader base: bidding's walk over the peeked lines, open, next
 * and close, written once for every line reader (see wcs_line_format in
 * readers_private.h).  A format brings its parser and its bid rules.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "wcscan/pool.h"
#include "readers_private.h"

int
wcs_line_bid(const struct wcs_line_format *f, const unsigned char *peek,
    size_t len, int best_bid)
{
	union {
		max_align_t align;
		unsigned char b[WCS_LINE_BID_STATE];
	} scratch;
	struct wcs_lu_reader *r = (struct wcs_lu_reader *)(void *)scratch.b;
	struct wcs_event ev;
	const char *line;
	size_t pos = 0, llen, nlines = 0;
	int bid = 0, bits, rc;

	(void)best_bid;
	if (f->state_size > sizeof(scratch))
		return (0);
	/* ctx, in and pool NULL: parse() knows it is bidding. */
	memset(&scratch, 0, f->state_size);
	r->fmt = f;
	if (f->init != NULL && f->init(r) != WCS_OK)
		return (0);
	while (nlines++ < WCS_LINE_BID_LINES &&
	       wcs_lu_peek_line(peek, len, &pos, &line, &llen)) {
		if (f->bid_markup && wcs_lu_is_markup(line, llen))
			return (0);
		wcs_event_clear(&ev);
		rc = f->parse(r, line, llen, &ev);
		if (f->bid_line == NULL) {
			if (rc == WCS_OK)
				bid += f->bid_bits;
			continue;
		}
		if ((bits = f->bid_line(r, line, llen, rc, &ev, bid)) < 0)
			return (0);
		bid += bits;
	}
	return (bid);
}

int
wcs_line_open(const struct wcs_line_format *f, struct wcs_ctx *ctx,
    struct wcs_input *in, const struct wcs_read_opts *opts, void **state)
{
	struct wcs_lu_reader *r;

	if ((r = wcs_calloc(ctx, 1, f->state_size)) == NULL)
		return (WCS_FATAL);
	r->fmt = f;
	r->ctx = ctx;
	r->in = in;
	r->tz = opts->tz;
	wcs_lu_year_init(&r->year, opts->year, wcs_input_info(in)->mtime);
	if (f->pool && (r->pool = wcs_pool_new(ctx, 0)) == NULL)
		goto out_free_state;
	if (f->init != NULL && f->init(r) != WCS_OK)
		goto out_fini;
	*state = r;
	return (WCS_OK);
out_fini:
	/* init() may have allocated part of what it needed. */
	if (f->fini != NULL)
		f->fini(r);
	wcs_pool_free(r->pool);
out_free_state:
	wcs_free(ctx, r);
	return (WCS_FATAL);
}

int
wcs_line_next(struct wcs_ctx *ctx, void *state, struct wcs_event *ev)
{
	struct wcs_lu_reader *r = state;
	const char *line;
	size_t len;
	int rc;

	if (r->pool != NULL)
		wcs_pool_reset(r->pool);
	if (r->held) {
		/* The line a multi-line record read past its end. */
		r->held = false;
		line = r->last.p;
		len = r->last.len;
		ev->line = r->last.lineno;
		ev->offset = r->last.offset;
		if ((rc = r->last.rc) == WCS_WARN)
			wcs_set_error(ctx, WCS_EOVERLONG,
			    "line longer than %zu bytes, skipped",
			    wcs_input_line_max(r->in));
	} else {
		rc = wcs_input_getline(r->in, &line, &len);
		ev->line = wcs_input_lineno(r->in);
		ev->offset = wcs_input_line_offset(r->in);
	}
	if (rc != WCS_OK)
		return (rc);
	return (r->fmt->parse(r, line, len, ev));
}

void
wcs_line_close(void *state)
{
	struct wcs_lu_reader *r = state;

	if (r == NULL)
		return;
	if (r->fmt->fini != NULL)
		r->fmt->fini(r);
	wcs_pool_free(r->pool);
	wcs_free(r->ctx, r);
}

int
wcs_lu_more(struct wcs_lu_reader *r, const char **line, size_t *len)
{
	int rc;

	if (wcs_lu_bidding(r) || r->held)
		return (WCS_EOF);
	rc = wcs_input_getline(r->in, line, len);
	r->last.p = rc == WCS_OK ? *line : NULL;
	r->last.len = rc == WCS_OK ? *len : 0;
	r->last.lineno = wcs_input_lineno(r->in);
	r->last.offset = wcs_input_line_offset(r->in);
	r->last.rc = rc;
	if (rc == WCS_OK)
		return (WCS_OK);
	/* An over-long line is a record of its own, rejected next. */
	if (rc == WCS_WARN)
		r->held = true;
	/* The end or an error: the next getline says it again. */
	return (WCS_EOF);
}

void
wcs_lu_unread(struct wcs_lu_reader *r)
{
	r->held = true;
}

int
wcs_lu_reject_n(
    struct wcs_ctx *ctx, const char *what, const char *p, size_t len)
{
	if (ctx != NULL)
		wcs_set_error(ctx, WCS_EPARSE, "bad %s '%.*s'", what,
		    (int)(len > 64 ? 64 : len), p);
	return (WCS_WARN);
}
