/*
 * The JSON report (DESIGN §4): keys in a fixed order, two-space indent,
 * every string through wcs_json_string, so that two runs over the same
 * logs give the same bytes and diff(1) shows only what changed.  The
 * layout is the one Python's json.dumps(indent=2) gives.
 */
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

#include "wcscan/report.h"
#include "wcscan/timeutil.h"
#include "report_private.h"

/* Members of one object or array, at one depth. */
struct level {
	FILE *out;
	int depth; /* of the members */
	bool first;
};

/*
 * A report of a large share is megabytes of these few pieces: they are
 * written with fwrite and putc, not formatted with fprintf.
 */
static void
indent(FILE *out, int depth)
{
	static const char spaces[] = "                                ";
	size_t n = depth > 0 ? (size_t)depth * 2 : 0;

	for (; n > sizeof(spaces) - 1; n -= sizeof(spaces) - 1)
		(void)fwrite(spaces, 1, sizeof(spaces) - 1, out);
	(void)fwrite(spaces, 1, n, out);
}

/* Open an object or array whose members sit at the given depth. */
static void
open_level(struct level *l, FILE *out, int depth, int bracket)
{
	l->out = out;
	l->depth = depth;
	l->first = true;
	putc(bracket, out);
}

/* Close it; an empty one stays on one line, as "[]" or "{}". */
static void
close_level(struct level *l, int bracket)
{
	if (!l->first) {
		putc('\n', l->out);
		indent(l->out, l->depth - 1);
	}
	putc(bracket, l->out);
}

/* Start the next member: comma, newline, indent. */
static void
member(struct level *l)
{
	if (!l->first)
		putc(',', l->out);
	l->first = false;
	putc('\n', l->out);
	indent(l->out, l->depth);
}

static void
key(struct level *l, const char *name)
{
	member(l);
	putc('"', l->out);
	fputs(name, l->out);
	(void)fwrite("\": ", 1, 3, l->out);
}

static void
put_uint(FILE *out, uint64_t v)
{
	char buf[24], *p = buf + sizeof(buf);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	(void)fwrite(p, 1, (size_t)(buf + sizeof(buf) - p), out);
}

static void
put_str(FILE *out, const char *s)
{
	if (s == NULL)
		fputs("null", out);
	else
		wcs_json_string(out, s);
}

static void
put_time(FILE *out, int64_t t)
{
	char buf[WCS_TIME_STRLEN];

	if (t == WCS_TIME_NONE) {
		fputs("null", out);
		return;
	}
	putc('"', out);
	fputs(wcs_time_format(t, buf, sizeof(buf)), out);
	putc('"', out);
}

static void
key_str(struct level *l, const char *name, const char *s)
{
	key(l, name);
	put_str(l->out, s);
}

static void
key_time(struct level *l, const char *name, int64_t t)
{
	key(l, name);
	put_time(l->out, t);
}

static void
key_uint(struct level *l, const char *name, uint64_t v)
{
	key(l, name);
	put_uint(l->out, v);
}

static void
key_bool(struct level *l, const char *name, bool v)
{
	key(l, name);
	fputs(v ? "true" : "false", l->out);
}

static void
key_strings(struct level *l, const char *name, const char *const *v, size_t n)
{
	struct level a;
	size_t i;

	key(l, name);
	open_level(&a, l->out, l->depth + 1, '[');
	for (i = 0; i < n; i++) {
		member(&a);
		put_str(a.out, v[i]);
	}
	close_level(&a, ']');
}

/* "ignored_by_cause": {"header": 2, "message_type": 36}, causes in order. */
static void
write_ignored(struct level *l, const struct wcs_input_stats *in)
{
	uint64_t counts[WCS_IGN__COUNT];
	struct level o;
	unsigned i;

	(void)wcs_report_ignored(in, counts);
	key(l, "ignored_by_cause");
	open_level(&o, l->out, l->depth + 1, '{');
	for (i = 1; i <= WCS_IGN__COUNT; i++) {
		/* "other" last. */
		if (counts[i % WCS_IGN__COUNT] > 0)
			key_uint(&o, wcs_report_ignore_name(i % WCS_IGN__COUNT),
			    counts[i % WCS_IGN__COUNT]);
	}
	close_level(&o, '}');
}

static void
write_input(struct level *l, const struct wcs_input_stats *in)
{
	const char *notes[WCS_NOTES_MAX + 1];
	char why[WCS_REJECT_WHY];
	struct level o, a, r;
	unsigned i, ns;
	size_t nnotes;

	member(l);
	open_level(&o, l->out, l->depth + 1, '{');
	key_str(&o, "path", in->path);
	key_str(&o, "kind", in->kind);
	key_str(&o, "format", in->format);
	key_uint(&o, "records", in->records);
	key_uint(&o, "events", in->events);
	key_uint(&o, "ignored", in->ignored);
	key_uint(&o, "rejected", in->rejected);
	key_time(&o, "first", in->first);
	key_time(&o, "last", in->last);
	key_uint(&o, "bytes", in->bytes);
	key_bool(&o, "gzip", in->gzip);
	key_str(&o, "error", in->error);

	key(&o, "rejects");
	open_level(&a, o.out, o.depth + 1, '[');
	ns = in->nsamples < WCS_REJECT_SAMPLES ? in->nsamples :
						 WCS_REJECT_SAMPLES;
	for (i = 0; i < ns; i++) {
		member(&a);
		open_level(&r, a.out, a.depth + 1, '{');
		key_uint(&r, "line", in->samples[i].line);
		key_str(&r, "why", wcs_report_why(&in->samples[i], why));
		close_level(&r, '}');
	}
	close_level(&a, ']');

	nnotes = wcs_report_notes(in, notes);
	key_strings(&o, "notes", notes, nnotes);
	write_ignored(&o, in);
	close_level(&o, '}');
}

static void
write_fanout(struct level *l, const struct wcs_fanout_summary *f)
{
	struct level o;

	key(l, "fanout_445");
	open_level(&o, l->out, l->depth + 1, '{');
	key_uint(&o, "distinct", f->distinct);
	key_uint(&o, "same_subnet", f->same_subnet);
	key_uint(&o, "public", f->public_);
	key_uint(&o, "other_internal", f->other_internal);
	key_uint(&o, "denied", f->denied);
	key_time(&o, "first", f->first);
	key_time(&o, "last", f->last);
	close_level(&o, '}');
}

static void
write_host(struct level *l, const struct wcs_host *h)
{
	char abuf[WCS_ADDR_STRLEN], sbuf[WCS_SCORE_STRLEN];
	const struct wcs_evidence *e;
	struct level o, a, r;
	size_t i;

	member(l);
	open_level(&o, l->out, l->depth + 1, '{');
	key(&o, "rank");
	if (h->rank == 0)
		fputs("null", o.out);
	else
		put_uint(o.out, h->rank);
	key(&o, "ip");
	if (wcs_addr_present(&h->ip))
		fprintf(o.out, "\"%s\"",
		    wcs_addr_format(&h->ip, abuf, sizeof(abuf)));
	else
		fputs("null", o.out);
	key_strings(&o, "names", h->names, h->nnames);
	key_str(&o, "verdict", wcs_verdict_name(h->verdict));
	key(&o, "score");
	fputs(wcs_report_score(h->score, sbuf, sizeof(sbuf)), o.out);
	key_time(&o, "first_evidence", h->first_evidence);
	key_str(&o, "infected_by", h->infected_by);
	write_fanout(&o, &h->fanout);
	key_bool(&o, "smb1", h->smb1);

	key(&o, "evidence");
	open_level(&a, o.out, o.depth + 1, '[');
	for (i = 0; i < h->nevidence; i++) {
		e = &h->evidence[i];
		member(&a);
		open_level(&r, a.out, a.depth + 1, '{');
		key_str(&r, "rule", e->rule);
		key_time(&r, "time", e->ts_us);
		key_str(&r, "source", e->source);
		key_str(&r, "detail", e->detail);
		key_str(&r, "class", wcs_ioc_class_name(e->cls));
		close_level(&r, '}');
	}
	close_level(&a, ']');
	key_uint(&o, "evidence_total", h->evidence_total);
	key_strings(&o, "reasons", h->reasons, h->nreasons);
	/* How sure the ranking is; null for hosts that are no candidate. */
	key(&o, "rank_margin_s");
	if (h->rank_compared)
		fprintf(o.out, "%.1f", (double)h->rank_margin_us / 1e6);
	else
		fputs("null", o.out);
	key(&o, "rank_uncertainty_s");
	if (h->rank_compared)
		fprintf(o.out, "%.1f", (double)h->rank_uncertainty_us / 1e6);
	else
		fputs("null", o.out);
	key(&o, "rank_decided");
	if (h->rank != 0 && h->infected_by == NULL)
		fputs(h->rank_decided ? "true" : "false", o.out);
	else
		fputs("null", o.out);
	key_str(&o, "rank_note", h->rank_note);
	close_level(&o, '}');
}

static void
write_clock(struct level *l, const struct wcs_clock *c)
{
	struct level o;

	member(l);
	open_level(&o, l->out, l->depth + 1, '{');
	key_str(&o, "clock", c->name);
	key_bool(&o, "known", c->known);
	key(&o, "offset_s");
	fprintf(o.out, "%.1f", (double)c->offset_us / 1e6);
	key(&o, "uncertainty_s");
	fprintf(o.out, "%.1f", (double)c->uncertainty_us / 1e6);
	key_uint(&o, "observations", c->samples);
	key_str(&o, "reference", c->reference);
	close_level(&o, '}');
}

static void
write_edge(struct level *l, const struct wcs_edge *e)
{
	struct level o;

	member(l);
	open_level(&o, l->out, l->depth + 1, '{');
	key_str(&o, "from", e->from);
	key_str(&o, "to", e->to);
	key_time(&o, "time", e->ts_us);
	key_strings(&o, "sources", e->sources, e->nsources);
	close_level(&o, '}');
}

static void
write_fanout_source(struct level *l, const struct wcs_result *res,
    const struct wcs_fanout_source *s)
{
	char abuf[WCS_ADDR_STRLEN];
	struct level o;

	member(l);
	open_level(&o, l->out, l->depth + 1, '{');
	key_str(&o, "ip", wcs_addr_format(&s->ip, abuf, sizeof(abuf)));
	key_str(&o, "verdict", wcs_report_source_verdict(res, &s->ip));
	key_uint(&o, "distinct", s->sum.distinct);
	key_uint(&o, "same_subnet", s->sum.same_subnet);
	key_uint(&o, "other_internal", s->sum.other_internal);
	key_uint(&o, "public", s->sum.public_);
	key_uint(&o, "denied", s->sum.denied);
	key_time(&o, "first", s->sum.first);
	key_time(&o, "last", s->sum.last);
	key_uint(&o, "peak_in_window", s->peak);
	key(&o, "window_s");
	fprintf(o.out, "%.1f", (double)s->window_us / 1e6);
	key_time(&o, "threshold_reached", s->burst_start);
	close_level(&o, '}');
}

/* An incremental sweep: what is new since the last. */
static void
write_news(struct level *top, const struct wcs_sweep_news *n)
{
	struct level o, a, h;
	char lb[512];
	size_t i;

	key(top, "since_last_sweep");
	open_level(&o, top->out, 2, '{');
	key_bool(&o, "first_sweep", n->first);
	key_uint(&o, "files_unchanged", n->unchanged);
	key_uint(&o, "files_appended", n->appended);
	key_uint(&o, "bytes_appended", n->appended_bytes);
	key_uint(&o, "files_rotated", n->rotated);
	key_uint(&o, "files_replaced", n->replaced);
	key_uint(&o, "files_new", n->fresh);
	key(&o, "hosts");
	open_level(&a, top->out, 3, '[');
	for (i = 0; i < n->nhosts; i++) {
		member(&a);
		open_level(&h, top->out, 4, '{');
		key_str(
		    &h, "host", wcs_host_label(n->hosts[i], lb, sizeof(lb)));
		key_str(&h, "verdict", wcs_verdict_name(n->hosts[i]->verdict));
		key_str(&h, "was", wcs_verdict_name(n->was[i]));
		close_level(&h, '}');
	}
	close_level(&a, ']');
	close_level(&o, '}');
}

/* Everything the conclusion says: part 0 (wcs_report_part). */
static int
json_conclusion(struct wcs_ctx *ctx, FILE *out, const struct wcs_report *rep)
{
	const struct wcs_result *res = rep->result;
	/* The report's object, "wcscan" written before. */
	struct level top = { .out = out, .depth = 1, .first = false };
	struct level a;
	size_t i;

	(void)ctx;
	key(&top, "hosts");
	open_level(&a, out, 2, '[');
	for (i = 0; res != NULL && i < res->nhosts; i++)
		write_host(&a, &res->hosts[i]);
	close_level(&a, ']');

	key(&top, "edges");
	open_level(&a, out, 2, '[');
	for (i = 0; res != NULL && i < res->nedges; i++)
		write_edge(&a, &res->edges[i]);
	close_level(&a, ']');

	key(&top, "clocks");
	open_level(&a, out, 2, '[');
	for (i = 0; res != NULL && i < res->nclocks; i++)
		write_clock(&a, &res->clocks[i]);
	close_level(&a, ']');

	/* Busiest 445/tcp sources, flagged or not. */
	key(&top, "fanout_top_445");
	open_level(&a, out, 2, '[');
	for (i = 0; res != NULL && i < res->nfanout_top; i++)
		write_fanout_source(&a, res, &res->fanout_top[i]);
	close_level(&a, ']');

	close_level(&top, '}');
	putc('\n', out);
	return (WCS_OK);
}

int
wcs_report_json_write(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_report *rep)
{
	struct level top, a;
	size_t i;

	open_level(&top, out, 1, '{');
	key_str(&top, "wcscan", WCSCAN_VERSION);

	if (rep->news != NULL)
		write_news(&top, rep->news);

	key(&top, "inputs");
	open_level(&a, out, 2, '[');
	for (i = 0; i < rep->ninputs; i++)
		write_input(&a, &rep->inputs[i]);
	close_level(&a, ']');
	return (wcs_report_part(ctx, out, rep, 0, json_conclusion));
}
