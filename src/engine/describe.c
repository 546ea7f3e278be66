/*
 * The result: each flagged host with its reasons in words, the edges of
 * the infection graph, in the order the reports print them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/timeutil.h"
#include "conclude.h"

#define REASONS_MAX (8 + HOST_JOINS_MAX)

static int
add_reason(struct wcs_host *out, const char **buf, const char *reason)
{
	if (reason == NULL)
		return (WCS_FATAL);
	if (out->nreasons < REASONS_MAX)
		buf[out->nreasons++] = reason;
	return (WCS_OK);
}

static int
evidence_cmp(const void *a, const void *b)
{
	const struct wcs_evidence *x = a, *y = b;

	return (host_evidence_cmp(x, y));
}

static int
describe(struct conclude *c, struct host *h, struct wcs_host *out)
{
	struct wcs_engine *eng = c->eng;
	char tb[WCS_TIME_STRLEN], lb[WCS_ADDR_STRLEN + 64];
	const struct wcs_evidence *first = NULL;
	const struct fo_source_summary *f = h->fan;
	const char *reasons[REASONS_MAX], **kept;
	struct wcs_pool *pool = eng->pool;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->ip = h->ip;
	out->names = h->names;
	out->nnames = h->nnames;
	out->smb1 = h->smb1;
	out->rank_compared = h->rank_compared;
	out->rank_decided = h->rank_decided;
	out->rank_margin_us = h->rank_margin;
	out->rank_uncertainty_us = h->rank_uncertainty;
	out->rank_note = h->rank_note;
	out->verdict = h->verdict;
	out->score = h->score;
	out->first_evidence =
	    h->start != WCS_TIME_NONE ? h->start : h->first_evidence;
	out->fanout.first = out->fanout.last = WCS_TIME_NONE;
	if (f != NULL)
		out->fanout = f->sum;
	if (h->nevidence > 1)
		qsort(h->evidence, h->nevidence, sizeof(h->evidence[0]),
		    evidence_cmp);
	h->greatest = 0;
	out->evidence = h->evidence;
	out->nevidence = h->nevidence;
	out->evidence_total = h->evidence_total;
	if (h->infected_by != NULL &&
	    (out->infected_by = wcs_pool_strdup(
		 pool, host_label(h->infected_by, lb, sizeof(lb)))) == NULL)
		return (WCS_FATAL);
	for (i = 0; i < h->nevidence; i++) {
		if (is_strong(h->evidence[i].cls)) {
			first = &h->evidence[i];
			break;
		}
	}
	switch (h->verdict) {
	case WCS_VERDICT_INFECTED:
		if (h->rank > 0 && h->infected_by == NULL &&
		    add_reason(out, reasons,
			wcs_pool_printf(pool,
			    "patient-zero candidate: no infected host is "
			    "seen reaching it before %s; %u hosts descend "
			    "from it",
			    fmt_time(tb, h->start), h->descendants)) != WCS_OK)
			return (WCS_FATAL);
		if (h->infected_own && first != NULL &&
		    add_reason(out, reasons,
			wcs_pool_printf(pool,
			    "first WannaCry activity in its own logs %s: %s "
			    "(%s)",
			    fmt_time(tb, first->ts_us), first->rule,
			    first->source)) != WCS_OK)
			return (WCS_FATAL);
		if (h->inferred && h->why_inferred != NULL &&
		    add_reason(out, reasons, h->why_inferred) != WCS_OK)
			return (WCS_FATAL);
		if (h->infected_by != NULL && h->edge_estimated &&
		    add_reason(out, reasons,
			wcs_pool_printf(pool,
			    "infected by %s: its sweep of this /24 reached "
			    "this address at about %s, %.0f s before its first "
			    "activity (no log kept that contact; dated from "
			    "the contacts logged around it)",
			    out->infected_by, fmt_time(tb, h->edge_time),
			    (double)(h->start - h->edge_time) / 1e6)) != WCS_OK)
			return (WCS_FATAL);
		if (h->infected_by != NULL && !h->edge_estimated &&
		    add_reason(out, reasons,
			wcs_pool_printf(pool,
			    "infected by %s: 445/tcp contact at %s, %.0f s "
			    "before its first activity; seen in %u log%s",
			    out->infected_by, fmt_time(tb, h->edge_time),
			    (double)(h->start - h->edge_time) / 1e6,
			    h->edge_pair->nseen,
			    h->edge_pair->nseen == 1 ? "" : "s")) != WCS_OK)
			return (WCS_FATAL);
		break;
	case WCS_VERDICT_NEUTRALIZED:
		if (add_reason(out, reasons,
			wcs_pool_printf(pool,
			    h->ks_presumed ?
				"kill-switch name looked up at %s, after it "
				"had begun to resolve (no answer logged); no "
				"sign the worm went on" :
				"kill-switch name answered at %s; no sign the "
				"worm went on",
			    fmt_time(tb, h->ks_answered))) != WCS_OK)
			return (WCS_FATAL);
		if ((h->classes & CLASS_BIT(WCS_CLASS_STARTUP)) == 0 &&
		    add_reason(out, reasons,
			wcs_pool_strdup(pool,
			    "judged from the lookup and the web request that "
			    "followed it, as the worm makes to the kill-switch "
			    "URL; a person fetching that URL looks the same in "
			    "connection logs")) != WCS_OK)
			return (WCS_FATAL);
		break;
	case WCS_VERDICT_SUSPICIOUS:
		if (add_reason(out, reasons,
			h->ks_first != WCS_TIME_NONE && first == NULL ?
			    wcs_pool_printf(pool,
				"kill-switch name looked up at %s%s, nothing "
				"else (an analyst checking it looks the same)",
				fmt_time(tb, h->ks_first),
				h->ks_nxdomain ? " (NXDOMAIN)" : "") :
			    wcs_pool_strdup(pool,
				"weak or generic indicators only")) != WCS_OK)
			return (WCS_FATAL);
		break;
	case WCS_VERDICT_SCANNER:
		if (add_reason(out, reasons,
			wcs_pool_printf(pool,
			    "445/tcp fan-out without start-up evidence%s%s",
			    routine_fanout(c, f) &&
				    f->repeat_period >= SCHEDULE_PERIOD_S ?
				wcs_pool_printf(pool,
				    "; contacts repeat about every %.0f min",
				    f->repeat_period / 60) :
				"",
			    routine_fanout(c, f) &&
				    c->outbreak != WCS_TIME_NONE &&
				    f->first_contact <
					c->outbreak - HISTORY_US ?
				wcs_pool_printf(pool,
				    "; began %.1f h before the outbreak",
				    (double)(c->outbreak - f->burst_start) /
					3.6e9) :
				"")) != WCS_OK)
			return (WCS_FATAL);
		break;
	case WCS_VERDICT_EXPOSED:
		if (add_reason(out, reasons,
			wcs_pool_strdup(pool,
			    "speaks SMBv1 (SMB access log), no sign of "
			    "infection")) != WCS_OK)
			return (WCS_FATAL);
		break;
	default:
		break;
	}
	if (f != NULL && f->sum.distinct > 0 &&
	    add_reason(out, reasons,
		wcs_pool_printf(pool,
		    "445/tcp to %llu hosts (%llu same /24, %llu other "
		    "internal, %llu public), at most %llu new in %.0f s, "
		    "%llu of %llu attempts denied",
		    (unsigned long long)f->sum.distinct,
		    (unsigned long long)f->sum.same_subnet,
		    (unsigned long long)f->sum.other_internal,
		    (unsigned long long)f->sum.public_,
		    (unsigned long long)f->peak,
		    (double)eng->opts.fanout_window_us / 1e6,
		    (unsigned long long)f->sum.denied,
		    (unsigned long long)f->sum.attempts)) != WCS_OK)
		return (WCS_FATAL);
	for (i = 0; i < h->njoins && out->nreasons < REASONS_MAX; i++)
		reasons[out->nreasons++] = h->joins[i];
	/* As many as there are: a million suspicious hosts add up. */
	if ((kept = wcs_pool_alloc(
		 pool, (out->nreasons + 1) * sizeof(*kept))) == NULL)
		return (WCS_FATAL);
	memcpy(kept, reasons, out->nreasons * sizeof(*kept));
	out->reasons = kept;
	return (WCS_OK);
}

static int
out_cmp(const void *a, const void *b)
{
	const struct wcs_host *x = a, *y = b;
	char lx[WCS_ADDR_STRLEN + 64], ly[WCS_ADDR_STRLEN + 64];

	if ((x->rank != 0) != (y->rank != 0))
		return (x->rank != 0 ? -1 : 1);
	if (x->rank != y->rank)
		return (x->rank < y->rank ? -1 : 1);
	if (x->verdict != y->verdict)
		return (x->verdict > y->verdict ? -1 : 1);
	if (x->score != y->score)
		return (x->score > y->score ? -1 : 1);
	return (strcmp(wcs_host_label(x, lx, sizeof(lx)),
	    wcs_host_label(y, ly, sizeof(ly))));
}

static int
build_edges(struct conclude *c)
{
	struct wcs_engine *eng = c->eng;
	struct wcs_edge *edges;
	char lb[WCS_ADDR_STRLEN + 64];
	size_t i, n = 0;
	unsigned k;
	struct host *h;

	edges = wcs_pool_alloc(eng->pool, (c->nlive + 1) * sizeof(*edges));
	if (edges == NULL)
		return (WCS_FATAL);
	for (i = 0; i < c->nlive; i++) {
		h = c->live[i];
		if (h->verdict != WCS_VERDICT_INFECTED ||
		    h->infected_by == NULL)
			continue;
		edges[n].from = wcs_pool_strdup(
		    eng->pool, host_label(h->infected_by, lb, sizeof(lb)));
		edges[n].to =
		    wcs_pool_strdup(eng->pool, host_label(h, lb, sizeof(lb)));
		edges[n].ts_us = h->edge_time;
		edges[n].nsources = h->edge_pair->nseen;
		edges[n].sources = wcs_pool_alloc(
		    eng->pool, (edges[n].nsources + 1) * sizeof(char *));
		if (edges[n].from == NULL || edges[n].to == NULL ||
		    edges[n].sources == NULL)
			return (WCS_FATAL);
		for (k = 0; k < edges[n].nsources; k++)
			edges[n].sources[k] =
			    fo_pair_seen(h->edge_pair)[k].input < eng->npaths ?
				eng->paths[fo_pair_seen(h->edge_pair)[k]
					       .input] :
				"?";
		n++;
	}
	eng->result.edges = edges;
	eng->result.nedges = n;
	return (WCS_OK);
}

static int
edge_cmp(const void *a, const void *b)
{
	const struct wcs_edge *x = a, *y = b;

	if (x->ts_us != y->ts_us)
		return (x->ts_us < y->ts_us ? -1 : 1);
	return (strcmp(x->to, y->to));
}

static int
clock_cmp(const void *a, const void *b)
{
	const struct wcs_clock *x = a, *y = b;

	return (strcmp(x->name, y->name));
}

/* Every machine's clock, as estimated. */
static int
build_clocks(struct conclude *c)
{
	struct wcs_engine *eng = c->eng;
	size_t i, n = clock_count(eng->clocks);
	struct wcs_clock *out;
	uint32_t id, ref;

	if ((out = wcs_pool_alloc(eng->pool, (n + 1) * sizeof(*out))) == NULL)
		return (WCS_FATAL);
	for (i = 0; i < n; i++) {
		id = (uint32_t)i;
		ref = clock_reference(eng->clocks, id);
		out[i] = (struct wcs_clock){
			.name = engine_clock_name(eng, id),
			.known = clock_known(eng->clocks, id),
			.offset_us = clock_offset(eng->clocks, id),
			.uncertainty_us = clock_uncertainty(eng->clocks, id),
			.samples = clock_samples(eng->clocks, id),
			.reference = clock_known(eng->clocks, id) && ref != id ?
					 engine_clock_name(eng, ref) :
					 NULL,
		};
	}
	qsort(out, n, sizeof(*out), clock_cmp);
	eng->result.clocks = out;
	eng->result.nclocks = n;
	return (WCS_OK);
}

/* Busier: more distinct destinations, a higher peak, a lower address. */
static bool
busier(const struct fo_source_summary *a, const struct fo_source_summary *b)
{
	if (a->sum.distinct != b->sum.distinct)
		return (a->sum.distinct > b->sum.distinct);
	if (a->peak != b->peak)
		return (a->peak > b->peak);
	if (a->addr.family != b->addr.family)
		return (a->addr.family < b->addr.family);
	return (
	    memcmp(a->addr.bytes, b->addr.bytes, sizeof(a->addr.bytes)) < 0);
}

/*
 * The WCS_FANOUT_TOP busiest 445/tcp sources, whatever their verdict, by
 * insertion into a short sorted list (forged sources may be millions).
 */
static int
build_fanout_top(struct conclude *c)
{
	struct wcs_engine *eng = c->eng;
	const struct fo_source_summary *top[WCS_FANOUT_TOP], *f;
	size_t i, j, n = 0, ns = fanout_nsources(eng->fanout);
	struct wcs_fanout_source *out;

	for (i = 0; i < ns; i++) {
		f = fanout_source(eng->fanout, i);
		if (f->sum.distinct == 0 ||
		    (n == WCS_FANOUT_TOP && !busier(f, top[n - 1])))
			continue;
		j = n < WCS_FANOUT_TOP ? n++ : n - 1;
		for (; j > 0 && busier(f, top[j - 1]); j--)
			top[j] = top[j - 1];
		top[j] = f;
	}
	if ((out = wcs_pool_alloc(eng->pool, (n + 1) * sizeof(*out))) == NULL)
		return (WCS_FATAL);
	for (i = 0; i < n; i++)
		out[i] = (struct wcs_fanout_source){
			.ip = top[i]->addr,
			.sum = top[i]->sum,
			.peak = top[i]->peak,
			.window_us = eng->opts.fanout_window_us,
			.burst_start = top[i]->burst_start,
		};
	eng->result.fanout_top = out;
	eng->result.nfanout_top = n;
	return (WCS_OK);
}

/* The result the reports print: flagged hosts, ranked first; edges. */
int
describe_result(struct conclude *c)
{
	struct wcs_engine *eng = c->eng;
	struct wcs_host *out;
	size_t i, n;

	out = wcs_pool_alloc(eng->pool, (c->nlive + 1) * sizeof(*out));
	if (out == NULL)
		return (WCS_FATAL);
	for (i = 0, n = 0; i < c->nlive; i++) {
		if (c->live[i]->verdict == WCS_VERDICT_CLEAN)
			continue;
		if (describe(c, c->live[i], &out[n]) != WCS_OK)
			return (WCS_FATAL);
		out[n].rank = c->live[i]->rank;
		n++;
	}
	qsort(out, n, sizeof(*out), out_cmp);
	eng->result.hosts = out;
	eng->result.nhosts = n;
	if (build_edges(c) != WCS_OK)
		return (WCS_FATAL);
	qsort(eng->result.edges, eng->result.nedges, sizeof(*eng->result.edges),
	    edge_cmp);
	if (build_fanout_top(c) != WCS_OK)
		return (WCS_FATAL);
	return (build_clocks(c));
}
