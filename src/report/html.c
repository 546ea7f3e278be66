/*
 * The HTML report: one self-contained file a responder can open offline in
 * any browser, print, or hand on.  Inline CSS and SVG (svg.c), no script
 * and nothing fetched: the Content-Security-Policy allows only the inline
 * style, so even markup that slipped through could neither load nor run
 * anything.  Every string that came from a log is written through
 * wcs_html_string, which leaves no markup character unescaped.
 *
 * Sections: the verdict, the patient-zero candidates with every reason
 * and how sure the ranking is, the infection drawn, the outbreak curve,
 * every flagged host, the evidence per host with file:line, the busiest
 * 445/tcp sources, the inputs with their accounting and rejects, and the
 * clocks.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "wcscan/report.h"
#include "wcscan/timeutil.h"
#include "report_private.h"

static const char html_head[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
    "'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action "
    "'none'\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\">\n"
    "<title>wcscan: WannaCry outbreak report</title>\n"
    "<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}\n"
    "h1{font-size:1.5em}h2{font-size:1.25em;border-bottom:1px solid #ccc;"
    "margin-top:1.6em}h3{font-size:1.05em;margin-bottom:.3em}\n"
    "table{border-collapse:collapse;margin:.4em 0}\n"
    "th,td{border:1px solid #ddd;padding:2px 6px;text-align:left;"
    "vertical-align:top}\n"
    "th{background:#f3f3f3}td.n{text-align:right}\n"
    "td.t{white-space:nowrap}\n"
    "code,.mono{font-family:ui-monospace,monospace;font-size:.92em;"
    "overflow-wrap:anywhere}\n"
    "ul.reasons{margin:0;padding-left:1.2em}\n"
    ".v{padding:0 4px;border-radius:3px}\n"
    ".v.infected{background:#f4a3a3}.v.neutralized{background:#a3d3f4}\n"
    ".v.suspicious{background:#f4e0a3}.v.scanner{background:#d9d9d9}\n"
    ".v.exposed{background:#e8e8ff}\n"
    "svg{max-width:100%;height:auto;font:11px system-ui,sans-serif}\n"
    "svg .axis text{fill:#555}svg .tick{stroke:#eee}\n"
    "svg .label{text-anchor:end}\n"
    "svg .node circle{stroke:#333;stroke-width:1}\n"
    "svg .node.pz circle{stroke-width:3}\n"
    "svg .node .life{stroke:#ccc;stroke-width:2}\n"
    "svg .node.infected circle{fill:#e05252}\n"
    "svg .node.infected .life{stroke:#f4c0c0}\n"
    "svg .node.neutralized circle{fill:#4a9fd8}\n"
    "svg .node.neutralized .life{stroke:#c0dff4}\n"
    "svg .edge line{stroke:#333;stroke-width:1.2}\n"
    "svg marker path{fill:#333}\n"
    "svg .curve{fill:none;stroke:#e05252;stroke-width:2}\n"
    "svg .base{stroke:#999}\n"
    "svg .sinkhole line{stroke:#4a9fd8;stroke-width:2;"
    "stroke-dasharray:5 3}\n"
    "svg .sinkhole text{fill:#2a6f98}\n"
    "@media print{body{margin:0}h2{break-after:avoid}"
    "tr{break-inside:avoid}}\n"
    "</style>\n"
    "</head>\n"
    "<body>\n";

static void
put_time(FILE *out, int64_t t)
{
	char buf[WCS_TIME_STRLEN];

	if (t == WCS_TIME_NONE)
		fputs("-", out);
	else
		fputs(wcs_time_format(t, buf, sizeof(buf)), out);
}

static void
cell_text(FILE *out, const char *s)
{
	fputs("<td>", out);
	wcs_html_string(out, s != NULL ? s : "-");
	fputs("</td>", out);
}

static void
cell_mono(FILE *out, const char *s)
{
	fputs("<td class=\"mono\">", out);
	wcs_html_string(out, s != NULL ? s : "-");
	fputs("</td>", out);
}

static void
cell_time(FILE *out, int64_t t)
{
	fputs("<td class=\"mono t\">", out);
	put_time(out, t);
	fputs("</td>", out);
}

static void
cell_uint(FILE *out, uint64_t v)
{
	fprintf(out, "<td class=\"n\">%" PRIu64 "</td>", v);
}

static void
verdict_span(FILE *out, enum wcs_verdict v)
{
	fprintf(out, "<span class=\"v %s\">%s</span>", wcs_verdict_name(v),
	    wcs_verdict_name(v));
}

/* "10.0.0.5 (WS-01, WS-01.corp)", escaped. */
static void
host_name(FILE *out, const struct wcs_host *h)
{
	char abuf[WCS_ADDR_STRLEN];
	size_t i;

	if (wcs_addr_present(&h->ip))
		fputs(wcs_addr_format(&h->ip, abuf, sizeof(abuf)), out);
	for (i = 0; i < h->nnames; i++) {
		fputs(i == 0 ? (wcs_addr_present(&h->ip) ? " (" : "") : ", ",
		    out);
		wcs_html_string(out, h->names[i]);
	}
	if (h->nnames > 0 && wcs_addr_present(&h->ip))
		putc(')', out);
	if (h->nnames == 0 && !wcs_addr_present(&h->ip))
		fputs("(unknown host)", out);
}

static void
reasons(FILE *out, const struct wcs_host *h)
{
	size_t i;

	fputs("<td><ul class=\"reasons\">", out);
	for (i = 0; i < h->nreasons; i++) {
		fputs("<li>", out);
		wcs_html_string(
		    out, h->reasons[i] != NULL ? h->reasons[i] : "");
		fputs("</li>", out);
	}
	fputs("</ul></td>", out);
}

/* How sure the ranking is, for a candidate with no infector. */
static void
confidence(FILE *out, const struct wcs_host *h)
{
	fputs("<td>", out);
	if (h->infected_by != NULL) {
		fputs("infected by ", out);
		wcs_html_string(out, h->infected_by);
	} else if (h->rank_compared) {
		fprintf(out,
		    "%s: starts %.1f s before the next candidate, clocks "
		    "uncertain by %.1f s",
		    h->rank_decided ? "decided" : "not decided",
		    (double)h->rank_margin_us / 1e6,
		    (double)h->rank_uncertainty_us / 1e6);
	} else {
		fputs(h->rank_decided ? "decided" : "no other candidate", out);
	}
	if (h->rank_note != NULL) {
		fputs("<br>unsure: ", out);
		wcs_html_string(out, h->rank_note);
	}
	fputs("</td>", out);
}

static void
summary(FILE *out, const struct wcs_report *rep)
{
	const struct wcs_result *res = rep->result;
	size_t i, failed = 0, count[WCS_VERDICT_INFECTED + 1];
	uint64_t records = 0, rejected = 0;
	const struct wcs_host *pz = NULL;
	int v;

	for (i = 0; i < rep->ninputs; i++) {
		records += rep->inputs[i].records;
		rejected += rep->inputs[i].rejected;
		failed += rep->inputs[i].error != NULL;
	}
	fprintf(out,
	    "<header>\n<h1>WannaCry outbreak report</h1>\n"
	    "<p>wcscan %s read %zu input%s",
	    WCSCAN_VERSION, rep->ninputs, rep->ninputs == 1 ? "" : "s");
	if (failed > 0)
		fprintf(out, " (%zu could not be read)", failed);
	fprintf(out,
	    ", %" PRIu64 " record%s, %" PRIu64 " rejected. Times are UTC",
	    records, records == 1 ? "" : "s", rejected);
	if (rep->tz_name != NULL) {
		fputs("; local times without a zone were read in ", out);
		wcs_html_string(out, rep->tz_name);
	}
	fputs(".</p>\n</header>\n<section id=\"summary\">\n<h2>Verdict</h2>\n",
	    out);
	if (res == NULL || res->nhosts == 0) {
		fputs("<p id=\"verdict\">No WannaCry activity found.</p>\n"
		      "</section>\n",
		    out);
		return;
	}
	memset(count, 0, sizeof(count));
	for (i = 0; i < res->nhosts; i++) {
		if ((unsigned)res->hosts[i].verdict <= WCS_VERDICT_INFECTED)
			count[res->hosts[i].verdict]++;
		if (res->hosts[i].rank == 1 && pz == NULL)
			pz = &res->hosts[i];
	}
	fprintf(out, "<p id=\"verdict\">%zu host%s flagged", res->nhosts,
	    res->nhosts == 1 ? "" : "s");
	if (pz != NULL) {
		fputs("; patient zero is most likely <strong>", out);
		host_name(out, pz);
		fprintf(out, "</strong> (%s)",
		    pz->rank_decided ? "decided" :
				       "not decided: see the candidates");
	}
	fputs(".</p>\n<table class=\"counts\"><tr>", out);
	for (v = WCS_VERDICT_INFECTED; v > WCS_VERDICT_CLEAN; v--) {
		fputs("<th>", out);
		verdict_span(out, (enum wcs_verdict)v);
		fputs("</th>", out);
	}
	fputs("</tr><tr>", out);
	for (v = WCS_VERDICT_INFECTED; v > WCS_VERDICT_CLEAN; v--)
		cell_uint(out, count[v]);
	fputs("</tr></table>\n</section>\n", out);
}

/*
 * The cells a flagged host's row opens with, in the candidates' table and
 * in the flagged hosts': rank (empty when unranked), the host linked to
 * its evidence (i, its index), verdict, first evidence and score.
 */
static void
host_row(FILE *out, const char *cls, const struct wcs_host *h, size_t i)
{
	char sbuf[WCS_SCORE_STRLEN];

	fprintf(out, "<tr class=\"%s\">", cls);
	if (h->rank != 0)
		fprintf(out, "<td class=\"n\">%u</td>", h->rank);
	else
		fputs("<td></td>", out);
	fprintf(out, "<td><a href=\"#h%zu\">", i);
	host_name(out, h);
	fputs("</a></td><td>", out);
	verdict_span(out, h->verdict);
	fputs("</td>", out);
	cell_time(out, h->first_evidence);
	fprintf(out, "<td class=\"n\">%s</td>",
	    wcs_report_score(h->score, sbuf, sizeof(sbuf)));
}

static void
candidates(FILE *out, const struct wcs_result *res)
{
	const struct wcs_host *h;
	size_t i, n = 0;

	fputs("<section id=\"candidates\">\n<h2>Patient-zero "
	      "candidates</h2>\n",
	    out);
	/*
	 * The roots of the graph: a ranked host with an infector is no
	 * candidate, and is ranked in the table of flagged hosts.
	 */
	for (i = 0; i < res->nhosts; i++)
		n += res->hosts[i].rank != 0 &&
		     res->hosts[i].infected_by == NULL;
	if (n == 0) {
		fputs("<p>None: no infected host without an infector.</p>\n"
		      "</section>\n",
		    out);
		return;
	}
	fputs("<table>\n<tr><th>Rank</th><th>Host</th><th>Verdict</th>"
	      "<th>First evidence</th><th>Score</th><th>Ranking</th>"
	      "<th>Why</th></tr>\n",
	    out);
	for (i = 0; i < res->nhosts; i++) {
		h = &res->hosts[i];
		if (h->rank == 0 || h->infected_by != NULL)
			continue;
		host_row(out, "candidate", h, i);
		confidence(out, h);
		reasons(out, h);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n</section>\n", out);
}

static int
drawings(struct wcs_ctx *ctx, FILE *out, const struct wcs_result *res)
{
	char tbuf[WCS_TIME_STRLEN];
	int64_t sink = wcs_report_sinkhole_time(res);

	fputs("<section id=\"infection\">\n<h2>Infection</h2>\n"
	      "<p>Time runs left to right (UTC). Each row is a host, its "
	      "node at its first evidence; an arrow runs from the infector "
	      "to the victim at their 445/tcp contact. Patient zero is the "
	      "top row with a thick ring; hover a node for its reasons.</p>\n",
	    out);
	if (wcs_report_svg_graph(ctx, out, res) != WCS_OK)
		return (WCS_FATAL);
	fputs("</section>\n<section id=\"outbreak\">\n<h2>Outbreak "
	      "curve</h2>\n<p>",
	    out);
	if (sink != WCS_TIME_NONE)
		fprintf(out,
		    "Hosts infected over time. The kill switch was first seen "
		    "answered at %s (dashed line).",
		    wcs_time_format(sink, tbuf, sizeof(tbuf)));
	else
		fputs("Hosts infected over time. No answered kill-switch "
		      "lookup was seen.",
		    out);
	fputs("</p>\n", out);
	if (wcs_report_svg_curve(ctx, out, res) != WCS_OK)
		return (WCS_FATAL);
	fputs("</section>\n", out);
	return (WCS_OK);
}

static void
hosts(FILE *out, const struct wcs_result *res)
{
	const struct wcs_host *h;
	size_t i;

	fputs(
	    "<section id=\"hosts\">\n<h2>Flagged hosts</h2>\n<table>\n"
	    "<tr><th>Rank</th><th>Host</th><th>Verdict</th>"
	    "<th>First evidence</th><th>Score</th><th>445 destinations</th><th>SMB1</th>"
	    "<th>Infected by</th><th>Why</th></tr>\n",
	    out);
	for (i = 0; i < res->nhosts; i++) {
		h = &res->hosts[i];
		host_row(out, "host", h, i);
		cell_uint(out, h->fanout.distinct);
		fprintf(out, "<td>%s</td>", h->smb1 ? "yes" : "no");
		cell_text(out, h->infected_by);
		reasons(out, h);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n</section>\n", out);
}

static void
evidence(FILE *out, const struct wcs_result *res)
{
	const struct wcs_evidence *e;
	const struct wcs_host *h;
	size_t i, j;

	fputs("<section id=\"evidence\">\n<h2>Evidence per host</h2>\n", out);
	for (i = 0; i < res->nhosts; i++) {
		h = &res->hosts[i];
		fprintf(out, "<h3 id=\"h%zu\">", i);
		host_name(out, h);
		fputs(": ", out);
		verdict_span(out, h->verdict);
		if (h->rank != 0)
			fprintf(out, ", rank %u", h->rank);
		fputs("</h3>\n", out);
		if (h->nevidence == 0) {
			fputs("<p>No rule matched; the verdict rests on the "
			      "network facts above.</p>\n",
			    out);
			continue;
		}
		fputs("<table class=\"evidence\">\n<tr><th>Time</th>"
		      "<th>Rule</th><th>Class</th><th>What matched</th>"
		      "<th>Source</th></tr>\n",
		    out);
		for (j = 0; j < h->nevidence; j++) {
			e = &h->evidence[j];
			fputs("<tr>", out);
			cell_time(out, e->ts_us);
			cell_mono(out, e->rule);
			cell_text(out, wcs_ioc_class_name(e->cls));
			cell_mono(out, e->detail);
			cell_mono(out, e->source);
			fputs("</tr>\n", out);
		}
		fputs("</table>\n", out);
		if (h->evidence_total > h->nevidence)
			fprintf(out,
			    "<p>&hellip; and %" PRIu64 " more hit%s.</p>\n",
			    h->evidence_total - (uint64_t)h->nevidence,
			    h->evidence_total - h->nevidence == 1 ? "" : "s");
	}
	fputs("</section>\n", out);
}

static void
input_details(FILE *out, const struct wcs_input_stats *in)
{
	const char *notes[WCS_NOTES_MAX + 1];
	uint64_t counts[WCS_IGN__COUNT];
	char why[WCS_REJECT_WHY];
	unsigned i, ns;
	size_t j;

	wcs_report_notes(in, notes);
	ns = in->nsamples < WCS_REJECT_SAMPLES ? in->nsamples :
						 WCS_REJECT_SAMPLES;
	fputs("<td>", out);
	if (in->error != NULL) {
		fputs("<div>error: ", out);
		wcs_html_string(out, in->error);
		fputs("</div>", out);
	}
	for (j = 0; notes[j] != NULL; j++) {
		fputs("<div>note: ", out);
		wcs_html_string(out, notes[j]);
		fputs("</div>", out);
	}
	if (wcs_report_ignored(in, counts) > 0) {
		fputs("<div>", out);
		wcs_report_ignored_list(out, counts, "ignored: ");
		fputs("</div>", out);
	}
	for (i = 0; i < ns; i++) {
		fputs("<div class=\"reject mono\">", out);
		wcs_html_string(out, in->path != NULL ? in->path : "-");
		fprintf(out, ":%" PRIu64 ": ", in->samples[i].line);
		wcs_html_string(out, wcs_report_why(&in->samples[i], why));
		fputs("</div>", out);
	}
	if (in->rejected > ns)
		fprintf(out,
		    "<div>&hellip; and %" PRIu64 " more rejected</div>",
		    in->rejected - ns);
	fputs("</td>", out);
}

static void
inputs(FILE *out, const struct wcs_report *rep)
{
	const struct wcs_input_stats *in;
	size_t i;

	fputs("<section id=\"inputs\">\n<h2>Inputs</h2>\n", out);
	if (rep->ninputs == 0) {
		fputs("<p>None.</p>\n</section>\n", out);
		return;
	}
	fputs("<p>For each input, records = events + ignored + "
	      "rejected.</p>\n<table>\n<tr><th>Input</th><th>Kind</th>"
	      "<th>Format</th><th>Records</th><th>Events</th>"
	      "<th>Ignored</th><th>Rejected</th><th>First</th><th>Last</th>"
	      "<th>Notes and rejects</th></tr>\n",
	    out);
	for (i = 0; i < rep->ninputs; i++) {
		in = &rep->inputs[i];
		fputs("<tr class=\"input\">", out);
		cell_mono(out, in->path);
		cell_text(out, in->kind);
		fputs("<td>", out);
		wcs_html_string(out, in->format != NULL ? in->format : "-");
		fputs(in->gzip ? ", gzip</td>" : "</td>", out);
		cell_uint(out, in->records);
		cell_uint(out, in->events);
		cell_uint(out, in->ignored);
		cell_uint(out, in->rejected);
		cell_time(out, in->first);
		cell_time(out, in->last);
		input_details(out, in);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n</section>\n", out);
}

/* The busiest 445/tcp sources, whatever their verdict. */
static void
fanout_top(FILE *out, const struct wcs_result *res)
{
	const struct wcs_fanout_source *s;
	char abuf[WCS_ADDR_STRLEN];
	size_t i;

	if (res->nfanout_top == 0)
		return;
	fprintf(out,
	    "<section id=\"fanout\">\n<h2>Busiest 445/tcp sources</h2>\n"
	    "<p>Whatever their verdict, so that a burst below the fan-out "
	    "threshold still shows.</p>\n<table>\n<tr><th>Source</th>"
	    "<th>Verdict</th><th>Destinations</th><th>Same /24</th>"
	    "<th>Other internal</th><th>Public</th><th>Most in %.0f s</th>"
	    "<th>First</th><th>Last</th></tr>\n",
	    (double)res->fanout_top[0].window_us / 1e6);
	for (i = 0; i < res->nfanout_top; i++) {
		s = &res->fanout_top[i];
		fprintf(out,
		    "<tr class=\"source\"><td class=\"mono\">%s</td><td>",
		    wcs_addr_format(&s->ip, abuf, sizeof(abuf)));
		fputs(wcs_report_source_verdict(res, &s->ip), out);
		fputs("</td>", out);
		cell_uint(out, s->sum.distinct);
		cell_uint(out, s->sum.same_subnet);
		cell_uint(out, s->sum.other_internal);
		cell_uint(out, s->sum.public_);
		cell_uint(out, s->peak);
		cell_time(out, s->sum.first);
		cell_time(out, s->sum.last);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n</section>\n", out);
}

static void
clocks(FILE *out, const struct wcs_result *res)
{
	const struct wcs_clock *c;
	size_t i;

	if (res->nclocks == 0)
		return;
	fputs("<section id=\"clocks\">\n<h2>Clocks</h2>\n<table>\n"
	      "<tr><th>Clock</th><th>Known</th><th>Offset (s)</th>"
	      "<th>Uncertainty (s)</th><th>Observations</th>"
	      "<th>Reference</th></tr>\n",
	    out);
	for (i = 0; i < res->nclocks; i++) {
		c = &res->clocks[i];
		fputs("<tr>", out);
		cell_mono(out, c->name);
		fprintf(out,
		    "<td>%s</td><td class=\"n\">%.1f</td>"
		    "<td class=\"n\">%.1f</td>",
		    c->known ? "yes" : "no", (double)c->offset_us / 1e6,
		    (double)c->uncertainty_us / 1e6);
		cell_uint(out, c->samples);
		cell_mono(out, c->reference != NULL ? c->reference : "itself");
		fputs("</tr>\n", out);
	}
	fputs("</table>\n</section>\n", out);
}

int
wcs_report_html_write(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_report *rep)
{
	const struct wcs_result *res = rep->result;

	fputs(html_head, out);
	summary(out, rep);
	if (res != NULL && res->nhosts > 0) {
		candidates(out, res);
		if (drawings(ctx, out, res) != WCS_OK)
			return (WCS_FATAL);
		hosts(out, res);
		evidence(out, res);
	}
	if (res != NULL)
		fanout_top(out, res);
	inputs(out, rep);
	if (res != NULL)
		clocks(out, res);
	fputs("</body>\n</html>\n", out);
	return (WCS_OK);
}
