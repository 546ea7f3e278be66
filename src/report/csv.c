/*
 * The CSV report: RFC 4180 (CRLF line ends, a header row first), one row
 * per host with the JSON report's fields.  Lists are joined with ';' into
 * one cell, and every cell, the header's too, goes through wcs_csv_cell so
 * that no log string reaches a spreadsheet as a formula.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "wcscan/report.h"
#include "wcscan/timeutil.h"
#include "report_private.h"

static const char *const header[] = { "rank", "ip", "names", "verdict", "score",
	"first_evidence", "infected_by", "fanout_distinct",
	"fanout_same_subnet", "fanout_public", "fanout_other_internal",
	"fanout_denied", "fanout_first", "fanout_last", "smb1", "evidence",
	"evidence_total", "reasons" };

/* A growing string for the joined cells; the context's allocator. */
struct sbuf {
	struct wcs_ctx *ctx;
	char *s;
	size_t len, cap;
	bool failed;
};

static void
sb_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->s != NULL)
		b->s[0] = '\0';
}

static void
sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s), cap;
	char *p;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap == 0 ? 256 : b->cap;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = wcs_reallocarray(b->ctx, b->s, cap, 1)) == NULL) {
			b->failed = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

static const char *
sb_str(const struct sbuf *b)
{
	return (b->s != NULL && !b->failed ? b->s : "");
}

/* One cell and the separator before it. */
static void
cell(FILE *out, bool *first, const char *s)
{
	if (!*first)
		putc(',', out);
	*first = false;
	wcs_csv_cell(out, s);
}

static void
cell_uint(FILE *out, bool *first, uint64_t v)
{
	char buf[24];

	(void)snprintf(buf, sizeof(buf), "%" PRIu64, v);
	cell(out, first, buf);
}

static void
cell_time(FILE *out, bool *first, int64_t t)
{
	char buf[WCS_TIME_STRLEN];

	cell(out, first,
	    t == WCS_TIME_NONE ? "" : wcs_time_format(t, buf, sizeof(buf)));
}

/* A list as one cell, joined with ';'. */
static void
cell_list(
    FILE *out, bool *first, struct sbuf *b, const char *const *v, size_t n)
{
	size_t i;

	sb_reset(b);
	for (i = 0; i < n; i++) {
		if (i > 0)
			sb_add(b, ";");
		sb_add(b, v[i] != NULL ? v[i] : "");
	}
	cell(out, first, sb_str(b));
}

static void
write_host(FILE *out, struct sbuf *b, const struct wcs_host *h)
{
	char abuf[WCS_ADDR_STRLEN], tbuf[WCS_TIME_STRLEN];
	char sbuf[WCS_SCORE_STRLEN];
	const struct wcs_evidence *e;
	bool first = true;
	size_t i;

	if (h->rank != 0)
		cell_uint(out, &first, h->rank);
	else
		cell(out, &first, "");
	cell(out, &first, wcs_addr_format(&h->ip, abuf, sizeof(abuf)));
	cell_list(out, &first, b, h->names, h->nnames);
	cell(out, &first, wcs_verdict_name(h->verdict));
	cell(out, &first, wcs_report_score(h->score, sbuf, sizeof(sbuf)));
	cell_time(out, &first, h->first_evidence);
	cell(out, &first, h->infected_by != NULL ? h->infected_by : "");
	cell_uint(out, &first, h->fanout.distinct);
	cell_uint(out, &first, h->fanout.same_subnet);
	cell_uint(out, &first, h->fanout.public_);
	cell_uint(out, &first, h->fanout.other_internal);
	cell_uint(out, &first, h->fanout.denied);
	cell_time(out, &first, h->fanout.first);
	cell_time(out, &first, h->fanout.last);
	cell(out, &first, h->smb1 ? "true" : "false");

	/* Evidence as rule@time@source; the details stay in the JSON. */
	sb_reset(b);
	for (i = 0; i < h->nevidence; i++) {
		e = &h->evidence[i];
		if (i > 0)
			sb_add(b, ";");
		sb_add(b, e->rule != NULL ? e->rule : "");
		sb_add(b, "@");
		if (e->ts_us != WCS_TIME_NONE)
			sb_add(
			    b, wcs_time_format(e->ts_us, tbuf, sizeof(tbuf)));
		sb_add(b, "@");
		sb_add(b, e->source != NULL ? e->source : "");
	}
	cell(out, &first, sb_str(b));
	cell_uint(out, &first, h->evidence_total);
	cell_list(out, &first, b, h->reasons, h->nreasons);
	fputs("\r\n", out);
}

/* The whole CSV report follows from the conclusion: part 0. */
static int
csv_conclusion(struct wcs_ctx *ctx, FILE *out, const struct wcs_report *rep)
{
	const struct wcs_result *res = rep->result;
	struct sbuf b;
	bool first = true;
	size_t i;
	int rc = WCS_OK;

	memset(&b, 0, sizeof(b));
	b.ctx = ctx;
	for (i = 0; i < WCS_NELEM(header); i++)
		cell(out, &first, header[i]);
	fputs("\r\n", out);
	for (i = 0; res != NULL && i < res->nhosts && !b.failed; i++)
		write_host(out, &b, &res->hosts[i]);
	if (b.failed) {
		/* A row cut short would read as a host with no evidence. */
		wcs_set_error(ctx, ENOMEM, "CSV report: out of memory");
		rc = WCS_FATAL;
	}
	wcs_free(ctx, b.s);
	return (rc);
}

int
wcs_report_csv_write(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_report *rep)
{
	return (wcs_report_part(ctx, out, rep, 0, csv_conclusion));
}
