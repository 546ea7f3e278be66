/*
 * RFC 4180 CSV for the SIEM readers (see siem.h): records cut from the
 * stream by the quotes, not by lines, so a quoted field may hold line
 * ends (a Splunk _raw, a Sentinel EventData), then unquoted into a buffer
 * of the reader's own.  A record is at most the input's line cap.  Lenient
 * where exporters are sloppy and nothing is lost: a quote inside an
 * unquoted field, or text after a closing quote, is kept as text.
 */
#include <errno.h>
#include <string.h>

#include "wcscan/input.h"
#include "siem.h"

struct wcs_csv {
	struct wcs_ctx *ctx;
	struct wcs_input *in;
	uint64_t lineno; /* line of the first unconsumed byte */
	size_t pending, pending_nl; /* the last record, to consume */
	char *buf; /* the unquoted fields (ctx's allocator) */
	size_t cap;
	char *fields[WCS_CSV_MAX_COLS];
};

struct wcs_csv *
wcs_csv_new(struct wcs_ctx *ctx, struct wcs_input *in)
{
	struct wcs_csv *c;

	if ((c = wcs_calloc(ctx, 1, sizeof(*c))) == NULL)
		return (NULL);
	c->ctx = ctx;
	c->in = in;
	c->lineno = 1;
	return (c);
}

void
wcs_csv_free(struct wcs_csv *c)
{
	if (c == NULL)
		return;
	wcs_free(c->ctx, c->buf);
	wcs_free(c->ctx, c);
}

static void
csv_consume(struct wcs_csv *c, size_t n, size_t nl)
{
	wcs_input_consume(c->in, n);
	c->lineno += nl;
}

/* Skip to the next line end, whatever the quotes say; WCS_WARN. */
static int
csv_resync(struct wcs_csv *c, const char *why, int errnum)
{
	const unsigned char *p;
	const void *nl;
	size_t avail;

	for (;;) {
		if (wcs_input_fill(c->in, 1, &p, &avail) != WCS_OK ||
		    avail == 0)
			break;
		if ((nl = memchr(p, '\n', avail)) != NULL) {
			csv_consume(
			    c, (size_t)((const unsigned char *)nl - p) + 1, 1);
			break;
		}
		csv_consume(c, avail, 0);
	}
	wcs_set_error(c->ctx, errnum, "%s", why);
	return (WCS_WARN);
}

/* Unquote the record p[0..len) into c->buf and c->fields. */
static int
csv_split(struct wcs_csv *c, const unsigned char *p, size_t len, size_t *n)
{
	size_t i = 0, nf = 0;
	char *o;
	bool quoted;

	if (c->cap < len + 1) {
		wcs_free(c->ctx, c->buf);
		if ((c->buf = wcs_malloc(c->ctx, len + 1)) == NULL) {
			c->cap = 0;
			return (WCS_FATAL);
		}
		c->cap = len + 1;
	}
	/* Each field ends in a NUL where its separator was: fits in len. */
	o = c->buf;
	for (;;) {
		if (nf == WCS_CSV_MAX_COLS) {
			wcs_set_error(c->ctx, WCS_EPARSE,
			    "CSV record with more than %d columns",
			    WCS_CSV_MAX_COLS);
			return (WCS_WARN);
		}
		c->fields[nf++] = o;
		quoted = i < len && p[i] == '"';
		if (quoted)
			i++;
		while (i < len) {
			if (quoted && p[i] == '"') {
				if (i + 1 < len && p[i + 1] == '"') {
					*o++ = '"';
					i += 2;
					continue;
				}
				quoted = false;
				i++;
				continue;
			}
			if (!quoted && p[i] == ',')
				break;
			*o++ = (char)(p[i] == '\0' ? ' ' : p[i]);
			i++;
		}
		*o++ = '\0';
		if (i >= len)
			break;
		i++; /* ',' */
	}
	*n = nf;
	return (WCS_OK);
}

int
wcs_csv_next(struct wcs_csv *c, char ***fields, size_t *n, uint64_t *line,
    uint64_t *offset)
{
	const unsigned char *p;
	size_t avail, i = 0, nl = 0, want = 64 * 1024, end,
		      cap = wcs_input_line_max(c->in);
	bool quoted = false;
	int rc;

	if (want > cap)
		want = cap;

	if (c->pending > 0) {
		csv_consume(c, c->pending, c->pending_nl);
		c->pending = c->pending_nl = 0;
	}
	*line = c->lineno;
	*offset = wcs_input_offset(c->in);
	for (;;) {
		if (wcs_input_fill(c->in, want, &p, &avail) != WCS_OK)
			return (WCS_FAILED);
		if (avail == 0)
			return (WCS_EOF);
		for (; i < avail; i++) {
			if (p[i] == '"')
				quoted = !quoted;
			else if (p[i] == '\n') {
				nl++;
				if (!quoted)
					break;
			}
		}
		if (i < avail)
			break;
		if (avail < want) {
			/* The input ends here. */
			if (quoted) {
				csv_consume(c, avail, nl);
				wcs_set_error(c->ctx, WCS_EPARSE,
				    "quoted CSV field cut off by the end of "
				    "the input");
				return (WCS_WARN);
			}
			break;
		}
		if (avail >= cap)
			return (csv_resync(
			    c, "CSV record over the line cap", WCS_EOVERLONG));
		want = avail * 2 < cap ? avail * 2 : cap;
	}
	/* i is at the record's "\n" or at the end of the input. */
	end = i;
	if (end > 0 && p[end - 1] == '\r')
		end--;
	c->pending = i < avail ? i + 1 : i;
	c->pending_nl = nl;
	/* The window may hold more than the cap: the cap still holds. */
	if (end > cap) {
		wcs_set_error(
		    c->ctx, WCS_EOVERLONG, "CSV record over the line cap");
		return (WCS_WARN);
	}
	rc = csv_split(c, p, end, n);
	if (rc == WCS_FATAL)
		wcs_set_error(c->ctx, ENOMEM, "out of memory");
	*fields = c->fields;
	return (rc);
}
