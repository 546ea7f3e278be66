/*
 * The infection drawn as SVG by wcscan itself, for the HTML report: time
 * runs left to right, each infected or neutralized host is a row with its
 * node at its start time (first evidence), and an arrow runs from the
 * infector's row to the victim's at the 445/tcp contact time.  Patient
 * zero is the top row, the others follow by start time.  Past
 * WCS_SVG_HOSTS_MAX hosts a row is a /24 with its host count, and arrows
 * join /24s (the earliest contact between two of them).
 *
 * The outbreak curve is the number of infected hosts over time, with the
 * moment the kill switch was first seen answered (a neutralized host's
 * lookup) marked.
 *
 * Every string from a log goes through wcs_html_string, in text and in
 * attributes alike.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/report.h"
#include "wcscan/timeutil.h"
#include "report_private.h"

/* Geometry, in SVG user units. */
#define LABEL_W 280 /* the host labels' column */
#define PLOT_W 680 /* the time axis */
#define PAD_R 40
#define AXIS_H 40 /* the time ticks above the rows */
#define ROW_H 22
#define NODE_R 6
#define NTICKS 6
#define LABEL_CHARS 38 /* code points of a label before the ellipsis */
#define CURVE_H 220

struct node {
	char label[WCS_ADDR_STRLEN + 64]; /* as the edges name the host */
	const struct wcs_host *h; /* NULL for a /24 */
	int64_t start; /* WCS_TIME_NONE when unknown */
	enum wcs_verdict verdict; /* a /24: its worst host's */
	unsigned rank; /* a /24: its best host's; 0 = none */
	size_t count; /* hosts in a /24 */
	uint64_t net; /* the /24 (IPv4), or NET_OTHER */
	size_t group; /* a host's /24 in the grouped drawing */
	size_t row;
	bool pz; /* a patient-zero candidate ranked first */
};

#define NET_OTHER UINT64_MAX

/* An arrow between two drawn rows. */
struct arrow {
	size_t from, to;
	int64_t ts;
	size_t count; /* contacts it stands for (grouped) */
	const struct wcs_edge *e; /* the first one */
};

struct scale {
	int64_t t0, span;
};

static bool
drawn(const struct wcs_host *h)
{
	return (h->verdict == WCS_VERDICT_INFECTED ||
		h->verdict == WCS_VERDICT_NEUTRALIZED);
}

static double
xpos(const struct scale *s, int64_t t)
{
	if (t == WCS_TIME_NONE)
		t = s->t0;
	return (LABEL_W + (double)(t - s->t0) * PLOT_W / (double)s->span);
}

/* A label cut to LABEL_CHARS code points at a character boundary. */
static void
short_label(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i, n, k;
	char buf[LABEL_CHARS * 4 + 1];
	uint32_t cp;

	for (i = k = 0; i < len && k < LABEL_CHARS; i += n, k++) {
		n = wcs_utf8_next(p + i, len - i, &cp);
		if (n == 0)
			n = 1;
	}
	if (i >= len) {
		wcs_html_string(out, s);
		return;
	}
	memcpy(buf, s, i);
	buf[i] = '\0';
	wcs_html_string(out, buf);
	fputs("\xe2\x80\xa6", out);
}

static const char *
verdict_class(enum wcs_verdict v)
{
	return (wcs_verdict_name(v));
}

/* "14:25:38", the tick's time of day (UTC). */
static void
put_clock(FILE *out, int64_t t)
{
	int y, mo, d, hh, mi, ss;
	long us;

	wcs_time_to_civil(t, &y, &mo, &d, &hh, &mi, &ss, &us);
	fprintf(out, "%02d:%02d:%02d", hh, mi, ss);
}

static void
put_time(FILE *out, int64_t t)
{
	char buf[WCS_TIME_STRLEN];

	if (t == WCS_TIME_NONE)
		fputs("unknown", out);
	else
		fputs(wcs_time_format(t, buf, sizeof(buf)), out);
}

/* The time axis across the top (or at y), NTICKS + 1 ticks. */
static void
axis(FILE *out, const struct scale *s, int y, int height)
{
	int64_t t;
	double x;
	int i;

	fprintf(out, "<g class=\"axis\">\n");
	for (i = 0; i <= NTICKS; i++) {
		t = s->t0 + s->span * i / NTICKS;
		x = xpos(s, t);
		fprintf(out,
		    "<line class=\"tick\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
		    "y2=\"%d\"/>\n",
		    x, y + 6, x, y + height);
		fprintf(out,
		    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", x, y);
		put_clock(out, t);
		fputs("</text>\n", out);
	}
	fputs("</g>\n", out);
}

/* The time range of what is drawn; a second at least. */
static void
scale_fit(struct scale *s, int64_t lo, int64_t hi)
{
	if (lo == WCS_TIME_NONE || hi == WCS_TIME_NONE) {
		s->t0 = 0;
		s->span = WCS_USEC;
		return;
	}
	s->t0 = lo;
	s->span = hi - lo < WCS_USEC ? WCS_USEC : hi - lo;
}

static void
widen(int64_t *lo, int64_t *hi, int64_t t)
{
	if (t == WCS_TIME_NONE)
		return;
	if (*lo == WCS_TIME_NONE || t < *lo)
		*lo = t;
	if (*hi == WCS_TIME_NONE || t > *hi)
		*hi = t;
}

static int
label_cmp(const void *a, const void *b)
{
	const struct node *x = *(const struct node *const *)a;
	const struct node *y = *(const struct node *const *)b;

	return (strcmp(x->label, y->label));
}

static int
label_find(const void *key, const void *elem)
{
	return (strcmp(key, (*(const struct node *const *)elem)->label));
}

/* Patient zero first, then by start time (unknown last), then label. */
static int
row_cmp(const void *a, const void *b)
{
	const struct node *x = *(const struct node *const *)a;
	const struct node *y = *(const struct node *const *)b;

	if (x->pz != y->pz)
		return (x->pz ? -1 : 1);
	if (x->start != y->start) {
		if (x->start == WCS_TIME_NONE)
			return (1);
		if (y->start == WCS_TIME_NONE)
			return (-1);
		return (x->start < y->start ? -1 : 1);
	}
	return (strcmp(x->label, y->label));
}

static int
net_cmp(const void *a, const void *b)
{
	const struct node *x = *(const struct node *const *)a;
	const struct node *y = *(const struct node *const *)b;

	if (x->net != y->net)
		return (x->net < y->net ? -1 : 1);
	return (strcmp(x->label, y->label));
}

static int
arrow_cmp(const void *a, const void *b)
{
	const struct arrow *x = a, *y = b;

	if (x->from != y->from)
		return (x->from < y->from ? -1 : 1);
	if (x->to != y->to)
		return (x->to < y->to ? -1 : 1);
	if (x->ts != y->ts)
		return (x->ts < y->ts ? -1 : 1);
	return (0);
}

/* What the drawing is built from; freed by graph_free. */
struct graph {
	struct node *hosts; /* every drawn host */
	size_t nhosts;
	struct node **byname; /* hosts by label */
	struct node *groups; /* the /24s, when grouped */
	size_t ngroups;
	struct node **rows; /* what is drawn, row order */
	size_t nrows;
	struct arrow *arrows;
	size_t narrows;
	bool grouped;
};

static void
graph_free(struct wcs_ctx *ctx, struct graph *g)
{
	wcs_free(ctx, g->hosts);
	wcs_free(ctx, g->byname);
	wcs_free(ctx, g->groups);
	wcs_free(ctx, g->rows);
	wcs_free(ctx, g->arrows);
}

static struct node *
find_host(const struct graph *g, const char *label)
{
	struct node **p;

	if (label == NULL || g->nhosts == 0)
		return (NULL);
	p = bsearch(
	    label, g->byname, g->nhosts, sizeof(*g->byname), label_find);
	return (p == NULL ? NULL : *p);
}

static uint64_t
net24(const struct wcs_host *h)
{
	if (h->ip.family != 4)
		return (NET_OTHER);
	return ((uint64_t)h->ip.bytes[0] << 16 | (uint64_t)h->ip.bytes[1] << 8 |
		h->ip.bytes[2]);
}

/* One row per /24: the hosts sorted by network, then merged. */
static int
group_hosts(struct wcs_ctx *ctx, struct graph *g)
{
	struct node **tmp, *n;
	size_t i;

	if ((tmp = wcs_calloc(ctx, g->nhosts, sizeof(*tmp))) == NULL)
		return (WCS_FATAL);
	if ((g->groups = wcs_calloc(ctx, g->nhosts, sizeof(*g->groups))) ==
	    NULL) {
		wcs_free(ctx, tmp);
		return (WCS_FATAL);
	}
	for (i = 0; i < g->nhosts; i++)
		tmp[i] = &g->hosts[i];
	qsort(tmp, g->nhosts, sizeof(*tmp), net_cmp);
	for (i = 0; i < g->nhosts; i++) {
		if (g->ngroups == 0 ||
		    g->groups[g->ngroups - 1].net != tmp[i]->net) {
			n = &g->groups[g->ngroups++];
			n->net = tmp[i]->net;
			n->start = WCS_TIME_NONE;
			n->verdict = WCS_VERDICT_CLEAN;
			if (n->net == NET_OTHER)
				(void)snprintf(n->label, sizeof(n->label),
				    "other addresses");
			else
				(void)snprintf(n->label, sizeof(n->label),
				    "%u.%u.%u.0/24",
				    (unsigned)(n->net >> 16 & 0xff),
				    (unsigned)(n->net >> 8 & 0xff),
				    (unsigned)(n->net & 0xff));
		}
		n = &g->groups[g->ngroups - 1];
		tmp[i]->group = g->ngroups - 1;
		n->count++;
		if (tmp[i]->start != WCS_TIME_NONE &&
		    (n->start == WCS_TIME_NONE || tmp[i]->start < n->start))
			n->start = tmp[i]->start;
		if (tmp[i]->verdict > n->verdict)
			n->verdict = tmp[i]->verdict;
		if (tmp[i]->rank != 0 &&
		    (n->rank == 0 || tmp[i]->rank < n->rank))
			n->rank = tmp[i]->rank;
		n->pz = n->pz || tmp[i]->pz;
	}
	wcs_free(ctx, tmp);
	return (WCS_OK);
}

static int
graph_build(struct wcs_ctx *ctx, const struct wcs_result *res, struct graph *g)
{
	const struct wcs_edge *e;
	struct node *a, *b, *draw;
	size_t i, k;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < res->nhosts; i++)
		g->nhosts += drawn(&res->hosts[i]);
	if ((g->hosts = wcs_calloc(ctx, g->nhosts + 1, sizeof(*g->hosts))) ==
		NULL ||
	    (g->byname = wcs_calloc(ctx, g->nhosts + 1, sizeof(*g->byname))) ==
		NULL ||
	    (g->arrows = wcs_calloc(
		 ctx, res->nedges + 1, sizeof(*g->arrows))) == NULL)
		return (WCS_FATAL);
	for (i = k = 0; i < res->nhosts; i++) {
		if (!drawn(&res->hosts[i]))
			continue;
		a = &g->hosts[k];
		a->h = &res->hosts[i];
		(void)wcs_host_label(a->h, a->label, sizeof(a->label));
		a->start = a->h->first_evidence;
		a->verdict = a->h->verdict;
		a->rank = a->h->rank;
		a->count = 1;
		a->net = net24(a->h);
		a->pz = a->h->rank == 1 && a->h->infected_by == NULL;
		g->byname[k++] = a;
	}
	qsort(g->byname, g->nhosts, sizeof(*g->byname), label_cmp);
	g->grouped = g->nhosts > WCS_SVG_HOSTS_MAX;
	if (g->grouped && group_hosts(ctx, g) != WCS_OK)
		return (WCS_FATAL);
	g->nrows = g->grouped ? g->ngroups : g->nhosts;
	draw = g->grouped ? g->groups : g->hosts;
	if ((g->rows = wcs_calloc(ctx, g->nrows + 1, sizeof(*g->rows))) == NULL)
		return (WCS_FATAL);
	for (i = 0; i < g->nrows; i++)
		g->rows[i] = &draw[i];
	qsort(g->rows, g->nrows, sizeof(*g->rows), row_cmp);
	for (i = 0; i < g->nrows; i++)
		g->rows[i]->row = i;

	for (k = 0; k < res->nedges; k++) {
		e = &res->edges[k];
		a = find_host(g, e->from);
		b = find_host(g, e->to);
		if (a == NULL || b == NULL)
			continue;
		if (g->grouped) {
			a = &g->groups[a->group];
			b = &g->groups[b->group];
			if (a == b)
				continue; /* within a /24: its count says */
		}
		g->arrows[g->narrows++] = (struct arrow){ .from = a->row,
			.to = b->row,
			.ts = e->ts_us,
			.count = 1,
			.e = e };
	}
	if (g->grouped && g->narrows > 0) {
		/* One arrow per pair of /24s, at the earliest contact. */
		qsort(g->arrows, g->narrows, sizeof(*g->arrows), arrow_cmp);
		for (i = 1, k = 0; i < g->narrows; i++) {
			if (g->arrows[i].from == g->arrows[k].from &&
			    g->arrows[i].to == g->arrows[k].to)
				g->arrows[k].count++;
			else
				g->arrows[++k] = g->arrows[i];
		}
		g->narrows = k + 1;
	}
	return (WCS_OK);
}

static void
node_title(FILE *out, const struct node *n)
{
	size_t i;

	fputs("<title>", out);
	if (n->h == NULL) {
		wcs_html_string(out, n->label);
		fprintf(out, ": %zu host%s, first at ", n->count,
		    n->count == 1 ? "" : "s");
		put_time(out, n->start);
		fputs("</title>", out);
		return;
	}
	wcs_html_string(out, n->label);
	for (i = 0; i < n->h->nnames; i++) {
		fputs(i == 0 ? " (" : ", ", out);
		wcs_html_string(out, n->h->names[i]);
	}
	fprintf(out, "%s: %s", n->h->nnames > 0 ? ")" : "",
	    wcs_verdict_name(n->verdict));
	if (n->rank != 0)
		fprintf(out, ", rank %u", n->rank);
	fputs(", first evidence ", out);
	put_time(out, n->start);
	for (i = 0; i < n->h->nreasons; i++) {
		fputs("\n", out);
		wcs_html_string(out, n->h->reasons[i]);
	}
	fputs("</title>", out);
}

static void
draw_row(FILE *out, const struct scale *s, const struct node *n)
{
	double x = xpos(s, n->start);
	int y = AXIS_H + (int)n->row * ROW_H + ROW_H / 2;

	fprintf(out, "<g class=\"node %s%s\" data-host=\"",
	    verdict_class(n->verdict), n->pz ? " pz" : "");
	wcs_html_string(out, n->label);
	fprintf(out, "\" data-count=\"%zu\">", n->count);
	node_title(out, n);
	fprintf(out,
	    "<line class=\"life\" x1=\"%.1f\" y1=\"%d\" x2=\"%d\" "
	    "y2=\"%d\"/>",
	    x, y, LABEL_W + PLOT_W, y);
	fprintf(out, "<circle cx=\"%.1f\" cy=\"%d\" r=\"%d\"/>", x, y,
	    n->pz ? NODE_R + 2 : NODE_R);
	fprintf(out, "<text class=\"label\" x=\"%d\" y=\"%d\">", LABEL_W - 8,
	    y + 4);
	if (n->rank != 0)
		fprintf(out, "#%u ", n->rank);
	short_label(out, n->label);
	if (n->h == NULL)
		fprintf(out, " (%zu)", n->count);
	else if (n->h->nnames > 0 && wcs_addr_present(&n->h->ip)) {
		putc(' ', out);
		short_label(out, n->h->names[0]);
	}
	fputs("</text></g>\n", out);
}

static void
draw_arrow(FILE *out, const struct scale *s, const struct graph *g,
    const struct arrow *a)
{
	int y1 = AXIS_H + (int)a->from * ROW_H + ROW_H / 2;
	int y2 = AXIS_H + (int)a->to * ROW_H + ROW_H / 2;
	double x = xpos(s, a->ts);

	/* Stop short of the victim's lifeline so the head shows. */
	y2 += y2 > y1 ? -3 : 3;
	fputs("<g class=\"edge\" data-from=\"", out);
	wcs_html_string(out, g->rows[a->from]->label);
	fputs("\" data-to=\"", out);
	wcs_html_string(out, g->rows[a->to]->label);
	fputs("\"><title>", out);
	wcs_html_string(out, g->rows[a->from]->label);
	fputs(" \xe2\x86\x92 ", out);
	wcs_html_string(out, g->rows[a->to]->label);
	fputs(" on 445/tcp at ", out);
	put_time(out, a->ts);
	if (a->count > 1)
		fprintf(out, " (first of %zu contacts)", a->count);
	fprintf(out,
	    "</title><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
	    "marker-end=\"url(#arrow)\"/></g>\n",
	    x, y1, x, y2);
}

int
wcs_report_svg_graph(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_result *res)
{
	int64_t lo = WCS_TIME_NONE, hi = WCS_TIME_NONE;
	struct scale s;
	struct graph g;
	size_t i;
	int height;

	if (graph_build(ctx, res, &g) != WCS_OK) {
		graph_free(ctx, &g);
		wcs_set_error(ctx, ENOMEM, "out of memory drawing the graph");
		return (WCS_FATAL);
	}
	for (i = 0; i < g.nrows; i++)
		widen(&lo, &hi, g.rows[i]->start);
	for (i = 0; i < g.narrows; i++)
		widen(&lo, &hi, g.arrows[i].ts);
	scale_fit(&s, lo, hi);
	height = AXIS_H + (int)g.nrows * ROW_H + 10;
	if (g.grouped)
		fprintf(out,
		    "<p>%zu hosts drawn as %zu /24 networks (more than %d "
		    "hosts); a network's label gives its host count.</p>\n",
		    g.nhosts, g.ngroups, WCS_SVG_HOSTS_MAX);
	fprintf(out,
	    "<svg id=\"infection\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "data-hosts=\"%zu\" data-rows=\"%zu\" data-edges=\"%zu\">\n",
	    LABEL_W + PLOT_W + PAD_R, height, LABEL_W + PLOT_W + PAD_R, height,
	    g.nhosts, g.nrows, g.narrows);
	fputs("<title>Infection graph: time left to right, an arrow from "
	      "infector to victim at the 445/tcp contact</title>\n"
	      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" "
	      "refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
	      "orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 "
	      "z\"/></marker></defs>\n",
	    out);
	axis(out, &s, 14, height);
	for (i = 0; i < g.nrows; i++)
		draw_row(out, &s, g.rows[i]);
	for (i = 0; i < g.narrows; i++)
		draw_arrow(out, &s, &g, &g.arrows[i]);
	fputs("</svg>\n", out);
	graph_free(ctx, &g);
	return (WCS_OK);
}

static int
time_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

int64_t
wcs_report_sinkhole_time(const struct wcs_result *res)
{
	const struct wcs_host *h;
	int64_t t = WCS_TIME_NONE;
	size_t i, j;

	/*
	 * A neutralized host got an answer to the kill-switch lookup; the
	 * earliest of their lookups is the first time the answer was seen.
	 */
	for (i = 0; i < res->nhosts; i++) {
		h = &res->hosts[i];
		if (h->verdict != WCS_VERDICT_NEUTRALIZED)
			continue;
		for (j = 0; j < h->nevidence; j++) {
			if (h->evidence[j].cls == WCS_CLASS_LOOKUP &&
			    h->evidence[j].ts_us != WCS_TIME_NONE &&
			    (t == WCS_TIME_NONE || h->evidence[j].ts_us < t))
				t = h->evidence[j].ts_us;
		}
	}
	return (t);
}

int
wcs_report_svg_curve(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_result *res)
{
	int64_t *t, lo = WCS_TIME_NONE, hi = WCS_TIME_NONE, sink;
	size_t i, n = 0;
	struct scale s;
	double x, y, top = 20, base = CURVE_H - 30;

	for (i = 0; i < res->nhosts; i++)
		n += res->hosts[i].verdict == WCS_VERDICT_INFECTED &&
		     res->hosts[i].first_evidence != WCS_TIME_NONE;
	if ((t = wcs_calloc(ctx, n + 1, sizeof(*t))) == NULL) {
		wcs_set_error(ctx, ENOMEM, "out of memory drawing the curve");
		return (WCS_FATAL);
	}
	for (i = n = 0; i < res->nhosts; i++) {
		if (res->hosts[i].verdict == WCS_VERDICT_INFECTED &&
		    res->hosts[i].first_evidence != WCS_TIME_NONE)
			t[n++] = res->hosts[i].first_evidence;
	}
	qsort(t, n, sizeof(*t), time_cmp);
	sink = wcs_report_sinkhole_time(res);
	if (n > 0) {
		widen(&lo, &hi, t[0]);
		widen(&lo, &hi, t[n - 1]);
	}
	widen(&lo, &hi, sink);
	scale_fit(&s, lo, hi);
	fprintf(out,
	    "<svg id=\"curve\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "data-infected=\"%zu\">\n"
	    "<title>Hosts infected over time</title>\n",
	    LABEL_W + PLOT_W + PAD_R, CURVE_H, LABEL_W + PLOT_W + PAD_R,
	    CURVE_H, n);
	axis(out, &s, 14, (int)base);
	fprintf(out,
	    "<text class=\"label\" x=\"%d\" y=\"%.0f\">0</text>\n"
	    "<text class=\"label\" x=\"%d\" y=\"%.0f\">%zu infected</text>\n",
	    LABEL_W - 8, base + 4, LABEL_W - 8, top + 14, n);
	fprintf(out,
	    "<line class=\"base\" x1=\"%d\" y1=\"%.0f\" x2=\"%d\" "
	    "y2=\"%.0f\"/>\n",
	    LABEL_W, base, LABEL_W + PLOT_W, base);
	if (n > 0) {
		/* A step up at each host's start. */
		fprintf(out, "<polyline class=\"curve\" points=\"%.1f,%.1f",
		    xpos(&s, t[0]), base);
		for (i = 0; i < n; i++) {
			x = xpos(&s, t[i]);
			y = base - (base - top) * (double)(i + 1) / (double)n;
			fprintf(out, " %.1f,%.1f %.1f,%.1f", x,
			    base - (base - top) * (double)i / (double)n, x, y);
		}
		fprintf(out, " %d,%.1f\"/>\n", LABEL_W + PLOT_W, top);
	}
	if (sink != WCS_TIME_NONE) {
		x = xpos(&s, sink);
		fprintf(out,
		    "<g class=\"sinkhole\"><title>kill switch first seen "
		    "answered at ");
		put_time(out, sink);
		fprintf(out,
		    "</title><line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" "
		    "y2=\"%.0f\"/><text x=\"%.1f\" y=\"%.0f\" "
		    "text-anchor=\"end\">kill switch answered</text></g>\n",
		    x, top, x, base, x - 4, top + 30);
	}
	fputs("</svg>\n", out);
	wcs_free(ctx, t);
	return (WCS_OK);
}
