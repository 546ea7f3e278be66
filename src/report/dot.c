/*
 * The infection graph in Graphviz DOT.  Infected hosts are boxes (patient
 * zero candidates, rank 1 first, on the top row), edges point from the
 * infector to the infected and carry the 445/tcp contact time.  Labels are
 * log-derived: they are escaped for DOT's quoted strings and kept to
 * printable ASCII so a hostile name cannot break the file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wcscan/report.h"
#include "wcscan/timeutil.h"

static void
dot_string(FILE *out, const char *s)
{
	putc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			fputs("\\n", out); /* DOT's line break in a label */
		else if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			putc('?', out);
		else
			putc(*s, out);
	}
	putc('"', out);
}

static const char *
verdict_color(enum wcs_verdict v)
{
	switch (v) {
	case WCS_VERDICT_INFECTED:
		return ("#f4a3a3");
	case WCS_VERDICT_NEUTRALIZED:
		return ("#a3d3f4");
	case WCS_VERDICT_SUSPICIOUS:
		return ("#f4e0a3");
	case WCS_VERDICT_SCANNER:
		return ("#d9d9d9");
	default:
		return ("#ffffff");
	}
}

int
wcs_report_graph_dot(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_result *res)
{
	char lb[WCS_ADDR_STRLEN + 64], tb[WCS_TIME_STRLEN], text[512];
	const struct wcs_host *h;
	size_t i, k;
	int y, mo, d, hh, mi, ss;
	long us;

	fputs("digraph wcscan {\n"
	      "\trankdir=TB;\n"
	      "\tlabel=\"wcscan: WannaCry infection graph (445/tcp)\";\n"
	      "\tlabelloc=t;\n"
	      "\tnode [shape=box, style=filled, fontname=\"Helvetica\"];\n"
	      "\tedge [fontname=\"Helvetica\", fontsize=10];\n",
	    out);
	for (i = 0; i < res->nhosts; i++) {
		h = &res->hosts[i];
		if (h->verdict != WCS_VERDICT_INFECTED &&
		    h->verdict != WCS_VERDICT_NEUTRALIZED)
			continue;
		(void)snprintf(text, sizeof(text), "%s%s%s\n%s%s%s",
		    wcs_host_label(h, lb, sizeof(lb)),
		    h->nnames > 0 && wcs_addr_present(&h->ip) ? " " : "",
		    h->nnames > 0 && wcs_addr_present(&h->ip) ? h->names[0] :
								"",
		    h->rank > 0 ? "" : wcs_verdict_name(h->verdict),
		    h->rank > 0 ? "" : " ",
		    h->first_evidence != WCS_TIME_NONE ?
			wcs_time_format(h->first_evidence, tb, sizeof(tb)) :
			"");
		fputs("\t", out);
		dot_string(out, lb);
		fputs(" [label=", out);
		if (h->rank > 0) {
			char ranked[600];

			(void)snprintf(
			    ranked, sizeof(ranked), "#%u %s", h->rank, text);
			dot_string(out, ranked);
		} else {
			dot_string(out, text);
		}
		fprintf(out, ", fillcolor=\"%s\"%s];\n",
		    verdict_color(h->verdict),
		    h->rank == 1 ? ", penwidth=3" : "");
	}
	/* Patient-zero candidates (ranked roots) share the top row. */
	fputs("\t{ rank=source;", out);
	for (i = 0; i < res->nhosts; i++) {
		h = &res->hosts[i];
		if (h->rank > 0 && h->infected_by == NULL) {
			putc(' ', out);
			dot_string(out, wcs_host_label(h, lb, sizeof(lb)));
			putc(';', out);
		}
	}
	fputs(" }\n", out);
	for (k = 0; k < res->nedges; k++) {
		fputs("\t", out);
		dot_string(out, res->edges[k].from);
		fputs(" -> ", out);
		dot_string(out, res->edges[k].to);
		if (res->edges[k].ts_us != WCS_TIME_NONE) {
			wcs_time_to_civil(res->edges[k].ts_us, &y, &mo, &d, &hh,
			    &mi, &ss, &us);
			fprintf(out, " [label=\"%02d:%02d:%02d\"]", hh, mi, ss);
		}
		fputs(";\n", out);
	}
	fputs("}\n", out);
	if (ferror(out)) {
		wcs_set_error(ctx, EIO, "writing the graph failed");
		return (WCS_FAILED);
	}
	return (WCS_OK);
}
