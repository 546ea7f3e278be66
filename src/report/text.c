/*
 * The text report, for an analyst at a terminal: what was read, the
 * patient-zero candidates with their first reason, the other flagged hosts
 * by verdict, the evidence, who infected whom, and the accounting of every
 * input.  Every string that came from a log goes through wcs_text_safe,
 * width-limited inside tables, so no log line can move the cursor,
 * recolour the screen or reorder what the analyst reads.
 *
 * The report fits the width it is given (the terminal's, see run.c): the
 * host column grows to the longest label the width leaves room for, a
 * label that does not fit loses whole names, not half of one, and a reason
 * is wrapped at spaces onto continuation lines, never cut.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/report.h"
#include "wcscan/timeutil.h"
#include "report_private.h"

/* Column widths. */
#define W_RANK 4
#define W_HOST 26 /* at least */
#define W_VERDICT 11
#define W_TIME 20
#define W_BY 24
#define W_SCORE 6
#define W_FANOUT 9
#define W_REASON 72 /* reject reasons (bounded by WCS_REJECT_WHY) */
#define W_RULE 22
#define W_DETAIL 40
#define W_EDGE_HOST 26
#define EDGE_SOURCES 3 /* sources shown per edge */
#define W_WRAP_MIN 20 /* columns left for wrapped text, at least */
#define TEXT_FANOUT_TOP 5 /* busiest 445/tcp sources shown */

/* Widths for one report. */
struct layout {
	size_t width; /* of the page */
	size_t cand_host; /* host column of the candidates' table */
	size_t other_host; /* of the other tables */
	size_t detail; /* what matched, in the evidence */
};

/* "1 record", "2 records". */
static const char *
plural(uint64_t n)
{
	return (n == 1 ? "" : "s");
}

/* What each verdict's section says about its hosts. */
static const struct {
	enum wcs_verdict verdict;
	const char *title;
} sections[] = {
	{ WCS_VERDICT_INFECTED, "Infected, not ranked" },
	{ WCS_VERDICT_NEUTRALIZED,
	    "Neutralized: asked the kill switch and got an answer" },
	{ WCS_VERDICT_SUSPICIOUS,
	    "Suspicious: some evidence, not enough to call infected" },
	{ WCS_VERDICT_SCANNER,
	    "Scanners: 445/tcp fan-out without start-up evidence" },
	{ WCS_VERDICT_EXPOSED,
	    "Exposed: speaks SMBv1, no evidence of infection" },
};

static void
spaces(FILE *out, size_t n)
{
	while (n-- > 0)
		putc(' ', out);
}

/* A left-aligned cell of untrusted text and the gutter after it. */
static void
cell(FILE *out, const char *s, size_t width)
{
	size_t w = wcs_text_width(s, width);

	wcs_text_safe(out, s, width);
	spaces(out, (w < width ? width - w : 0) + 2);
}

/* A heading of our own text (never log bytes). */
static void
heading(FILE *out, const char *title)
{
	fprintf(out, "\n%s\n", title);
}

/* A time to the second, for tables: the JSON report keeps the rest. */
static const char *
table_time(int64_t t, char *buf, size_t len)
{
	int64_t r;

	if (t == WCS_TIME_NONE)
		return ("-");
	r = t % WCS_USEC;
	if (r < 0)
		r += WCS_USEC;
	return (wcs_time_format(t - r, buf, len));
}

/* The host as wcs_report_host_text writes it, or "(unknown host)". */
static const char *
host_label(const struct wcs_host *h, char *buf, size_t len, size_t cols)
{
	if (wcs_report_host_text(h, buf, len, cols)[0] == '\0')
		(void)snprintf(buf, len, "(unknown host)");
	return (buf);
}

/* Count code points: the safe rendering has one column each. */
static size_t
columns(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return (n);
}

/* The byte length of the first cols code points of s. */
static size_t
prefix_bytes(const char *s, size_t len, size_t cols)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == cols)
			break;
	}
	return (i);
}

/*
 * Untrusted text after a label at column indent, wrapped at spaces to the
 * page's width; continuation lines start at indent.  The text is rendered
 * safe first, so wrapping sees only printable code points and escapes.
 */
static void
wrapped(FILE *out, const struct layout *L, const char *s, size_t indent)
{
	size_t avail, len, cut, n, k;
	char *buf = NULL;
	const char *p;
	FILE *mem;

	avail = L->width > indent + W_WRAP_MIN ? L->width - indent : W_WRAP_MIN;
	if ((mem = open_memstream(&buf, &len)) == NULL) {
		wcs_text_safe(out, s, 0); /* unwrapped, but whole */
		return;
	}
	wcs_text_safe(mem, s, 0);
	if (fclose(mem) != 0 || buf == NULL) {
		free(buf);
		wcs_text_safe(out, s, 0);
		return;
	}
	for (p = buf; len > 0;) {
		if (columns(p, len) <= avail) {
			(void)fwrite(p, 1, len, out);
			break;
		}
		n = prefix_bytes(p, len, avail);
		/* The last space that fits, else a hard break. */
		for (cut = n; cut > 0 && p[cut] != ' '; cut--)
			;
		if (cut == 0)
			cut = n;
		(void)fwrite(p, 1, cut, out);
		for (k = cut; k < len && p[k] == ' '; k++)
			;
		p += k;
		len -= k;
		putc('\n', out);
		spaces(out, indent);
	}
	free(buf);
}

static void
reason_line(FILE *out, const struct layout *L, const struct wcs_host *h)
{
	if (h->nreasons == 0 || h->reasons[0] == NULL)
		return;
	spaces(out, W_RANK + 2);
	fputs("why: ", out);
	wrapped(out, L, h->reasons[0], W_RANK + 2 + 5);
	putc('\n', out);
}

static void
candidates(FILE *out, const struct layout *L, const struct wcs_result *res)
{
	char lbuf[512], tbuf[WCS_TIME_STRLEN];
	const struct wcs_host *h;
	size_t i, n = 0;

	heading(out, "Patient-zero candidates");
	for (i = 0; i < res->nhosts; i++)
		n += res->hosts[i].rank != 0;
	if (n == 0) {
		fputs("none\n", out);
		return;
	}
	fprintf(out, "%*s  %-*s  %-*s  %-*s  %s\n", W_RANK, "RANK",
	    (int)L->cand_host, "HOST", W_VERDICT, "VERDICT", W_TIME,
	    "FIRST EVIDENCE", "INFECTED BY");
	for (i = 0; i < res->nhosts; i++) {
		h = &res->hosts[i];
		if (h->rank == 0)
			continue;
		fprintf(out, "%*u  ", W_RANK, h->rank);
		cell(out, host_label(h, lbuf, sizeof(lbuf), L->cand_host),
		    L->cand_host);
		fprintf(out, "%-*s  ", W_VERDICT, wcs_verdict_name(h->verdict));
		fprintf(out, "%-*s  ", W_TIME,
		    table_time(h->first_evidence, tbuf, sizeof(tbuf)));
		wcs_text_safe(
		    out, h->infected_by != NULL ? h->infected_by : "-", W_BY);
		putc('\n', out);
		reason_line(out, L, h);
		if (h->rank_note != NULL) {
			spaces(out, W_RANK + 2);
			fputs("unsure: ", out);
			wrapped(out, L, h->rank_note, W_RANK + 2 + 8);
			putc('\n', out);
		}
	}
}

static void
others(FILE *out, const struct layout *L, const struct wcs_result *res)
{
	char lbuf[512], tbuf[WCS_TIME_STRLEN], sbuf[WCS_SCORE_STRLEN];
	const struct wcs_host *h;
	size_t s, i, n;

	for (s = 0; s < WCS_NELEM(sections); s++) {
		for (i = n = 0; i < res->nhosts; i++)
			n += res->hosts[i].rank == 0 &&
			     res->hosts[i].verdict == sections[s].verdict;
		if (n == 0)
			continue;
		heading(out, sections[s].title);
		spaces(out, W_RANK + 2);
		fprintf(out, "%-*s  %-*s  %*s  %*s  %s\n", (int)L->other_host,
		    "HOST", W_TIME, "FIRST EVIDENCE", W_SCORE, "SCORE",
		    W_FANOUT, "445 DESTS", "SMB1");
		for (i = 0; i < res->nhosts; i++) {
			h = &res->hosts[i];
			if (h->rank != 0 || h->verdict != sections[s].verdict)
				continue;
			spaces(out, W_RANK + 2);
			cell(out,
			    host_label(h, lbuf, sizeof(lbuf), L->other_host),
			    L->other_host);
			fprintf(out, "%-*s  %*s  %*" PRIu64 "  %s\n", W_TIME,
			    table_time(h->first_evidence, tbuf, sizeof(tbuf)),
			    W_SCORE,
			    wcs_report_score(h->score, sbuf, sizeof(sbuf)),
			    W_FANOUT, h->fanout.distinct,
			    h->smb1 ? "yes" : "no");
			reason_line(out, L, h);
		}
	}
}

static void
evidence(FILE *out, const struct layout *L, const struct wcs_result *res)
{
	char lbuf[512], tbuf[WCS_TIME_STRLEN];
	const struct wcs_evidence *e;
	const struct wcs_host *h;
	size_t i, j;
	bool any = false;

	for (i = 0; i < res->nhosts; i++) {
		h = &res->hosts[i];
		if (h->nevidence == 0)
			continue;
		if (!any)
			heading(out, "Evidence");
		any = true;
		fputs("  ", out);
		wcs_text_safe(out, host_label(h, lbuf, sizeof(lbuf), 0), 0);
		fprintf(out, ": %s", wcs_verdict_name(h->verdict));
		if (h->rank != 0)
			fprintf(out, ", rank %u", h->rank);
		putc('\n', out);
		for (j = 0; j < h->nevidence; j++) {
			e = &h->evidence[j];
			fprintf(out, "    %-*s  ", W_TIME,
			    table_time(e->ts_us, tbuf, sizeof(tbuf)));
			cell(out, e->rule != NULL ? e->rule : "-", W_RULE);
			cell(out, e->detail != NULL ? e->detail : "-",
			    L->detail);
			wcs_text_safe(
			    out, e->source != NULL ? e->source : "-", 0);
			putc('\n', out);
		}
		if (h->evidence_total > h->nevidence)
			fprintf(out, "    ... and %" PRIu64 " more hit%s\n",
			    h->evidence_total - (uint64_t)h->nevidence,
			    plural(h->evidence_total - (uint64_t)h->nevidence));
	}
}

static void
edges(FILE *out, const struct wcs_result *res)
{
	char tbuf[WCS_TIME_STRLEN];
	const struct wcs_edge *e;
	size_t i, j;

	if (res->nedges == 0)
		return;
	heading(out, "Spread: who infected whom");
	for (i = 0; i < res->nedges; i++) {
		e = &res->edges[i];
		fprintf(out, "  %-*s  ", W_TIME,
		    table_time(e->ts_us, tbuf, sizeof(tbuf)));
		wcs_text_safe(
		    out, e->from != NULL ? e->from : "-", W_EDGE_HOST);
		fputs(" -> ", out);
		wcs_text_safe(out, e->to != NULL ? e->to : "-", W_EDGE_HOST);
		for (j = 0; j < e->nsources && j < EDGE_SOURCES; j++) {
			fputs(j == 0 ? "  seen in " : ", ", out);
			wcs_text_safe(out,
			    e->sources[j] != NULL ? e->sources[j] : "-", 0);
		}
		if (e->nsources > EDGE_SOURCES)
			fprintf(
			    out, " and %zu more", e->nsources - EDGE_SOURCES);
		putc('\n', out);
	}
}

/*
 * The busiest 445/tcp sources whatever their verdict, so that a burst
 * below the fan-out threshold is still seen.
 */
static void
fanout_top(FILE *out, const struct wcs_result *res)
{
	char abuf[WCS_ADDR_STRLEN], tbuf[WCS_TIME_STRLEN], wbuf[24];
	const struct wcs_fanout_source *s;
	size_t i, w = 6;

	if (res->nfanout_top == 0)
		return;
	for (i = 0; i < res->nfanout_top && i < TEXT_FANOUT_TOP; i++) {
		wcs_addr_format(&res->fanout_top[i].ip, abuf, sizeof(abuf));
		if (strlen(abuf) > w)
			w = strlen(abuf);
	}
	heading(out, "Busiest 445/tcp sources (any verdict)");
	(void)snprintf(wbuf, sizeof(wbuf), "MOST IN %llds",
	    (long long)(res->fanout_top[0].window_us / WCS_USEC));
	fprintf(out, "  %-*s  %6s  %6s  %6s  %6s  %12s  %-20s  %s\n", (int)w,
	    "SOURCE", "DESTS", "/24", "OTHER", "PUBLIC", wbuf, "FIRST",
	    "VERDICT");
	for (i = 0; i < res->nfanout_top && i < TEXT_FANOUT_TOP; i++) {
		s = &res->fanout_top[i];
		fprintf(out,
		    "  %-*s  %6" PRIu64 "  %6" PRIu64 "  %6" PRIu64
		    "  %6" PRIu64 "  %12" PRIu64 "  %-20s  %s\n",
		    (int)w, wcs_addr_format(&s->ip, abuf, sizeof(abuf)),
		    s->sum.distinct, s->sum.same_subnet, s->sum.other_internal,
		    s->sum.public_, s->peak,
		    table_time(s->sum.first, tbuf, sizeof(tbuf)),
		    wcs_report_source_verdict(res, &s->ip));
	}
}

/* "ignored: 2 header, 36 message_type", when a reader gave causes. */
static void
ignored(FILE *out, const struct wcs_input_stats *in)
{
	uint64_t counts[WCS_IGN__COUNT];

	if (wcs_report_ignored(in, counts) == 0)
		return;
	wcs_report_ignored_list(out, counts, "    ignored: ");
	putc('\n', out);
}

static void
input(FILE *out, const struct wcs_input_stats *in)
{
	const char *notes[WCS_NOTES_MAX + 1];
	char why[WCS_REJECT_WHY], t1[WCS_TIME_STRLEN], t2[WCS_TIME_STRLEN];
	const char *path = in->path != NULL ? in->path : "-";
	unsigned i, ns;
	size_t j;

	fputs("  ", out);
	wcs_text_safe(out, path, 0);
	if (in->error != NULL && in->records == 0) {
		fputs(": could not be read: ", out);
		wcs_text_safe(out, in->error, 0);
		putc('\n', out);
		return;
	}
	if (in->format != NULL || in->kind != NULL) {
		fputs(": ", out);
		wcs_text_safe(out, in->kind != NULL ? in->kind : "?", 0);
		fputs(" (", out);
		wcs_text_safe(out, in->format != NULL ? in->format : "?", 0);
		fprintf(out, "%s)", in->gzip ? ", gzip" : "");
	}
	fprintf(out,
	    ": %" PRIu64 " record%s: %" PRIu64 " event%s, %" PRIu64
	    " ignored, %" PRIu64 " rejected\n",
	    in->records, plural(in->records), in->events, plural(in->events),
	    in->ignored, in->rejected);
	if (in->error != NULL) {
		fputs("    reading stopped: ", out);
		wcs_text_safe(out, in->error, 0);
		putc('\n', out);
	}
	if (in->first != WCS_TIME_NONE)
		fprintf(out, "    events from %s to %s\n",
		    wcs_time_format(in->first, t1, sizeof(t1)),
		    wcs_time_format(in->last, t2, sizeof(t2)));
	wcs_report_notes(in, notes);
	for (j = 0; notes[j] != NULL; j++)
		fprintf(out, "    note: %s\n", notes[j]);
	ignored(out, in);
	ns = in->nsamples < WCS_REJECT_SAMPLES ? in->nsamples :
						 WCS_REJECT_SAMPLES;
	for (i = 0; i < ns; i++) {
		fputs("    ", out);
		wcs_text_safe(out, path, 0);
		fprintf(out, ":%" PRIu64 ": ", in->samples[i].line);
		wcs_text_safe(
		    out, wcs_report_why(&in->samples[i], why), W_REASON);
		putc('\n', out);
	}
	if (in->rejected > ns)
		fprintf(out, "    ... and %" PRIu64 " more rejected\n",
		    in->rejected - ns);
}

static void
summary(FILE *out, const struct wcs_report *rep)
{
	uint64_t records = 0, rejected = 0;
	size_t i, failed = 0;

	for (i = 0; i < rep->ninputs; i++) {
		records += rep->inputs[i].records;
		rejected += rep->inputs[i].rejected;
		failed += rep->inputs[i].error != NULL;
	}
	fprintf(out, "wcscan %s: %zu input%s", WCSCAN_VERSION, rep->ninputs,
	    rep->ninputs == 1 ? "" : "s");
	if (failed > 0)
		fprintf(out, " (%zu could not be read)", failed);
	fprintf(out, ", %" PRIu64 " record%s, %" PRIu64 " rejected\n", records,
	    plural(records), rejected);
	if (rep->tz_name != NULL) {
		fputs("Local times without a zone read in ", out);
		wcs_text_safe(out, rep->tz_name, 0);
		fputs(".\n", out);
	}
}

/* How many hosts of each verdict: part 0 (wcs_report_part). */
static int
flagged(struct wcs_ctx *ctx, FILE *out, const struct wcs_report *rep)
{
	const struct wcs_result *res = rep->result;
	size_t i, count[WCS_VERDICT_INFECTED + 1];

	(void)ctx;
	if (res == NULL || res->nhosts == 0) {
		fputs("\nNo WannaCry activity found.\n", out);
		return (WCS_OK);
	}
	memset(count, 0, sizeof(count));
	for (i = 0; i < res->nhosts; i++) {
		if ((unsigned)res->hosts[i].verdict <= WCS_VERDICT_INFECTED)
			count[res->hosts[i].verdict]++;
	}
	fprintf(out,
	    "\nFlagged %zu host%s: %zu infected, %zu neutralized, "
	    "%zu suspicious, %zu scanner%s, %zu exposed.\n",
	    res->nhosts, res->nhosts == 1 ? "" : "s",
	    count[WCS_VERDICT_INFECTED], count[WCS_VERDICT_NEUTRALIZED],
	    count[WCS_VERDICT_SUSPICIOUS], count[WCS_VERDICT_SCANNER],
	    count[WCS_VERDICT_SCANNER] == 1 ? "" : "s",
	    count[WCS_VERDICT_EXPOSED]);
	return (WCS_OK);
}

/*
 * A host column as wide as the longest label, within what the page leaves
 * after the other columns (fixed), and W_HOST at least.
 */
static size_t
host_column(const struct wcs_result *res, bool ranked, size_t room)
{
	char lbuf[512];
	size_t i, w, longest = 4;

	if (room < W_HOST)
		room = W_HOST;
	/* The labels as they will be cut (whole names) to the room. */
	for (i = 0; res != NULL && i < res->nhosts; i++) {
		if ((res->hosts[i].rank != 0) != ranked)
			continue;
		w = wcs_text_width(
		    host_label(&res->hosts[i], lbuf, sizeof(lbuf), room), 0);
		if (w > longest)
			longest = w;
	}
	return (longest < room ? longest : room);
}

static void
layout_fit(struct layout *L, const struct wcs_report *rep)
{
	size_t w = rep->width != 0 ? rep->width : WCS_TEXT_WIDTH_DEFAULT;

	if (w < WCS_TEXT_WIDTH_MIN)
		w = WCS_TEXT_WIDTH_MIN;
	L->width = w;
	/* RANK, VERDICT, FIRST EVIDENCE, gutters and an address in BY. */
	L->cand_host = host_column(rep->result, true,
	    w > W_RANK + W_VERDICT + W_TIME + 8 + 15 ?
		w - (W_RANK + W_VERDICT + W_TIME + 8 + 15) :
		0);
	/* Indent, FIRST EVIDENCE, SCORE, 445 DESTS, SMB1, gutters. */
	L->other_host = host_column(rep->result, false,
	    w > W_RANK + 2 + W_TIME + W_SCORE + W_FANOUT + 4 + 8 ?
		w - (W_RANK + 2 + W_TIME + W_SCORE + W_FANOUT + 4 + 8) :
		0);
	/* The source follows the detail: wider pages show more of it. */
	L->detail = w > 100 + W_DETAIL ? w - 100 : W_DETAIL;
}

/* An incremental sweep: what is new since the last, before the rest. */
static void
sweep_news(FILE *out, const struct wcs_sweep_news *n)
{
	char lb[512];
	size_t i;

	heading(out, "New since the last sweep");
	if (n->first) {
		fputs("  first sweep: everything read is new\n", out);
	} else {
		fprintf(out,
		    "  files: %" PRIu64 " unchanged, %" PRIu64
		    " appended (%" PRIu64 " bytes new), %" PRIu64
		    " rotated, %" PRIu64 " replaced, %" PRIu64 " new\n",
		    n->unchanged, n->appended, n->appended_bytes, n->rotated,
		    n->replaced, n->fresh);
	}
	if (n->nhosts == 0)
		fputs("  no host flagged anew\n", out);
	for (i = 0; i < n->nhosts; i++) {
		fprintf(
		    out, "  %-11s ", wcs_verdict_name(n->hosts[i]->verdict));
		wcs_text_safe(
		    out, wcs_host_label(n->hosts[i], lb, sizeof(lb)), 60);
		if (n->was[i] != WCS_VERDICT_CLEAN)
			fprintf(out, " (was %s)", wcs_verdict_name(n->was[i]));
		fputc('\n', out);
	}
}

/* The hosts, their evidence and the graph: part 1 (wcs_report_part). */
static int
conclusion(struct wcs_ctx *ctx, FILE *out, const struct wcs_report *rep)
{
	const struct wcs_result *res = rep->result;
	struct layout L;

	(void)ctx;
	layout_fit(&L, rep);
	if (res != NULL && res->nhosts > 0) {
		candidates(out, &L, res);
		others(out, &L, res);
		evidence(out, &L, res);
		edges(out, res);
	}
	if (res != NULL)
		fanout_top(out, res);
	return (WCS_OK);
}

int
wcs_report_text_write(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_report *rep)
{
	size_t i;
	int rc;

	summary(out, rep);
	if ((rc = wcs_report_part(ctx, out, rep, 0, flagged)) != WCS_OK)
		return (rc);
	if (rep->news != NULL)
		sweep_news(out, rep->news);
	if ((rc = wcs_report_part(ctx, out, rep, 1, conclusion)) != WCS_OK)
		return (rc);
	heading(out, "Inputs");
	if (rep->ninputs == 0)
		fputs("  none\n", out);
	for (i = 0; i < rep->ninputs; i++)
		input(out, &rep->inputs[i]);
	return (WCS_OK);
}
