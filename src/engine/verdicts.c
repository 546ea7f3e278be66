/*
 * Verdicts, host by host.
 *
 * 1. A host's own logs decide first: the worm's programs, services and
 *    files (rules of class startup .. encryption) make it infected; an
 *    answered kill-switch lookup with nothing past the worm's start makes
 *    it neutralized.
 * 2. 445/tcp behaviour fills the gaps where logs are missing: a host that
 *    probes public addresses on 445 or sweeps from a process other than
 *    the kernel's SMB client is doing what the worm does; a host whose
 *    fan-out predates the outbreak by hours or repeats on a slow schedule
 *    is doing what management servers and scanners do.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/timeutil.h"
#include "conclude.h"

/* Distinct rules among the kept evidence in the classes, of a severity. */
size_t
distinct_rules(const struct host *h, unsigned class_mask, int min_sev)
{
	size_t i, j, n = 0;

	for (i = 0; i < h->nevidence; i++) {
		if ((class_mask & CLASS_BIT(h->evidence[i].cls)) == 0 ||
		    h->evidence[i].severity < min_sev)
			continue;
		for (j = 0; j < i; j++) {
			if (strcmp(h->evidence[j].rule, h->evidence[i].rule) ==
			    0)
				break;
		}
		if (j == i)
			n++;
	}
	return (n);
}

/* Web activity within the clock tolerance around t. */
static bool
web_near(const struct host *h, int64_t t, int64_t tol)
{
	size_t i;

	for (i = 0; i < h->nweb; i++) {
		if (h->web[i][0] <= t + tol && h->web[i][1] >= t - tol)
			return (true);
	}
	return (false);
}

/*
 * The worm checks the kill switch before anything else, so an answered
 * lookup with nothing past the worm's own start means it exited there.
 * Something must show the worm asked, though: its own start, or the web
 * request it makes to the kill-switch URL right after the answer.  A bare
 * lookup is what an analyst checking the name leaves too.
 */
bool
neutralized(const struct host *h)
{
	if (h->ks_answered == WCS_TIME_NONE ||
	    (h->classes & ~(CLASS_BIT(WCS_CLASS_LOOKUP) |
			      CLASS_BIT(WCS_CLASS_STARTUP))) != 0)
		return (false);
	return ((h->classes & CLASS_BIT(WCS_CLASS_STARTUP)) != 0 ||
		web_near(h, h->ks_answered, WCS_SKEW_TOLERANCE_DEFAULT));
}

/* WannaCry-specific indicators are critical; generic ones (shadow-copy
 * deletion) count only in company. */
static bool
infected_by_evidence(const struct host *h)
{
	if (neutralized(h) || (h->classes & STRONG_CLASSES) == 0)
		return (false);
	return (h->max_severity_strong >= 4 ||
		distinct_rules(h, STRONG_CLASSES, 3) >= 2);
}

/* First sign of the worm on the host's own logs, on the reference clock:
 * strong evidence, and a lookup shortly before it. */
static int64_t
own_start(const struct wcs_engine *eng, const struct host *h, bool *on_ref)
{
	int64_t first = WCS_TIME_NONE, ref_lookup = WCS_TIME_NONE, t;
	bool first_known = false;
	size_t i;

	*on_ref = false;
	for (i = 0; i < h->nevidence; i++) {
		if (!is_strong(h->evidence[i].cls))
			continue;
		t = engine_corrected(
		    eng, h->evidence[i].clock, h->evidence[i].ts_us);
		if (t != WCS_TIME_NONE &&
		    (first == WCS_TIME_NONE || t < first)) {
			first = t;
			first_known =
			    engine_clock_known(eng, h->evidence[i].clock);
		}
	}
	if (first == WCS_TIME_NONE)
		return (first);
	/*
	 * The host's own clock shares nothing with the reference: its
	 * lookup as a server on the reference logged it dates the start
	 * (reference evidence outranks a clock no one could check).
	 */
	for (i = 0; i < h->nevidence && !first_known; i++) {
		if (h->evidence[i].cls != WCS_CLASS_LOOKUP ||
		    !engine_clock_known(eng, h->evidence[i].clock))
			continue;
		t = engine_corrected(
		    eng, h->evidence[i].clock, h->evidence[i].ts_us);
		if (t != WCS_TIME_NONE &&
		    (t > first ? t - first : first - t) <=
			eng->opts.skew_tolerance_us + LOOKUP_LEAD_US &&
		    (ref_lookup == WCS_TIME_NONE || t < ref_lookup))
			ref_lookup = t;
	}
	if (ref_lookup != WCS_TIME_NONE) {
		*on_ref = true;
		return (ref_lookup);
	}
	for (i = 0; i < h->nevidence; i++) {
		if (h->evidence[i].cls != WCS_CLASS_LOOKUP)
			continue;
		t = engine_corrected(
		    eng, h->evidence[i].clock, h->evidence[i].ts_us);
		if (t != WCS_TIME_NONE && t < first &&
		    first - t <= LOOKUP_LEAD_US)
			first = t;
	}
	return (first);
}

/*
 * Fan-out that looks routine: it began long before the outbreak, or it
 * repeats on a slow schedule without probing the internet the way the
 * worm does.  "Began" is the first burst, not the first contact: every
 * workstation talked SMB to its file server that morning.
 */
static bool scheduled_fanout(
    const struct wcs_engine *eng, const struct fo_source_summary *f);

bool
routine_fanout(const struct conclude *c, const struct fo_source_summary *f)
{
	if (f == NULL)
		return (false);
	return (fanout_predates(c, f) || scheduled_fanout(c->eng, f));
}

/* Fan-out repeating on a slow schedule without probing the internet the
 * way the worm does. */
static bool
scheduled_fanout(
    const struct wcs_engine *eng, const struct fo_source_summary *f)
{
	return (
	    f->repeat_period >= SCHEDULE_PERIOD_S && !wormlike_fanout(eng, f));
}

bool
fanout_predates(const struct conclude *c, const struct fo_source_summary *f)
{
	int64_t began = f->burst_start;

	/* Public probes too slow for a burst are the worm's start all the
	 * same. */
	if (f->sum.public_ >= PUBLIC_WORM_MIN)
		note_min(&began, f->public_first);
	if (began == WCS_TIME_NONE)
		began = f->first_contact;
	return (c->outbreak != WCS_TIME_NONE && began != WCS_TIME_NONE &&
		began < c->outbreak - HISTORY_US);
}

bool
wormlike_fanout(const struct wcs_engine *eng, const struct fo_source_summary *f)
{
	if (f == NULL)
		return (false);
	return (f->sum.public_ >= PUBLIC_WORM_MIN ||
		(f->from_worm_image && f->peak >= eng->opts.fanout_threshold));
}

/*
 * A lookup whose answer no log kept (BIND's query log, Sysmon 22 without
 * a status) is judged by when the name resolved: from the first answer
 * any log saw (forwarders included), or the rule's documented sinkhole
 * time, unless a later NXDOMAIN says it still did not resolve then.
 */
void
presume_answers(struct conclude *c)
{
	struct wcs_engine *eng = c->eng;
	const struct ks_timeline *k;
	int64_t from, last_nx;
	struct host *h;
	size_t i, j;

	for (i = 0; i < c->nlive; i++) {
		h = c->live[i];
		if (h->ks_first == WCS_TIME_NONE ||
		    h->ks_answered != WCS_TIME_NONE || h->ks_nxdomain ||
		    h->ks_rule == NULL)
			continue;
		from = h->ks_rule->sinkhole;
		last_nx = WCS_TIME_NONE;
		for (j = 0; j < eng->nks; j++) {
			k = &eng->ks[j];
			if (k->rule != h->ks_rule)
				continue;
			note_min(&from, k->first_answer);
			last_nx = k->last_nx;
		}
		if (from == WCS_TIME_NONE || h->ks_first < from ||
		    (last_nx != WCS_TIME_NONE && h->ks_first <= last_nx))
			continue;
		h->ks_answered = h->ks_first;
		h->ks_presumed = true;
	}
}

/* One summary for a computer with several addresses. */
static const struct fo_source_summary *
merge_fanout(struct wcs_engine *eng, const struct fo_source_summary *a,
    const struct fo_source_summary *b)
{
	struct fo_source_summary *m;

	if ((m = wcs_pool_alloc(eng->pool, sizeof(*m))) == NULL)
		return (NULL);
	*m = *a;
	m->sum.distinct += b->sum.distinct;
	m->sum.same_subnet += b->sum.same_subnet;
	m->sum.public_ += b->sum.public_;
	m->sum.other_internal += b->sum.other_internal;
	m->sum.denied += b->sum.denied;
	m->sum.attempts += b->sum.attempts;
	note_min(&m->sum.first, b->sum.first);
	if (b->sum.last > m->sum.last)
		m->sum.last = b->sum.last;
	if (b->peak > m->peak)
		m->peak = b->peak;
	note_min(&m->burst_start, b->burst_start);
	note_min(&m->first_contact, b->first_contact);
	if (b->repeat_period > m->repeat_period)
		m->repeat_period = b->repeat_period;
	m->system_only = a->system_only && b->system_only;
	m->from_worm_image = a->from_worm_image || b->from_worm_image;
	return (m);
}

static int
cmp_time(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

/*
 * Whether t[lo] stands apart from the contacts after it up to t[i]: its
 * gap to the next is over SWEEP_GAP_US and over LEAD_IN_FACTOR times the
 * mean gap between the rest.  Contacts a sweep leaves in sparse logs (a
 * few targets' own firewall logs) are far apart but evenly so.
 */
#define LEAD_IN_FACTOR 4

static bool
lead_in(const int64_t *t, size_t lo, size_t i)
{
	int64_t gap = t[lo + 1] - t[lo], mean;

	if (gap <= SWEEP_GAP_US || i < lo + 2)
		return (false);
	mean = (t[i] - t[lo + 1]) / (int64_t)(i - lo - 1);
	return (gap > LEAD_IN_FACTOR * mean);
}

/*
 * When a host's sweep began, on the reference clock: the first moment it
 * had reached a handful of new internal destinations within the window
 * (a small subnet has fewer hosts to reach than the fan-out threshold),
 * or its first probe of a public address, whichever came first.  The worm sweeps seconds after it starts, and the sweep is
 * seen by other machines' logs, whose clocks have been put on the
 * reference; a host's own event logs often have not.
 */
static int64_t
net_burst_compute(struct conclude *c, const struct host *h, bool *fatal)
{
	struct wcs_engine *eng = c->eng;
	const struct fo_pair *const *pairs;
	const struct wcs_addr *addr;
	int64_t *t = NULL, *nt, burst = WCS_TIME_NONE;
	size_t n, cap = 0, m = 0, i, k, lo;

	*fatal = false;
	for (k = 0; k <= h->nmore_ips; k++) {
		addr = k == 0 ? &h->ip : &h->more_ips[k - 1];
		if (!wcs_addr_present(addr))
			continue;
		pairs = fanout_pairs_from(eng->fanout, addr, &n);
		for (i = 0; i < n; i++) {
			if (!engine_clock_known(eng, pairs[i]->first_clock))
				continue;
			if (m == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				nt = wcs_reallocarray(
				    eng->ctx, t, cap, sizeof(*t));
				if (nt == NULL) {
					*fatal = true;
					wcs_free(eng->ctx, t);
					return (WCS_TIME_NONE);
				}
				t = nt;
			}
			t[m++] = engine_corrected(
			    eng, pairs[i]->first_clock, pairs[i]->first);
		}
	}
	if (m >= SWEEP_MIN) {
		qsort(t, m, sizeof(*t), cmp_time);
		for (lo = 0, i = 0; i < m; i++) {
			while (t[i] - t[lo] > eng->opts.fanout_window_us)
				lo++;
			/* A contact standing apart before the dense run (a
			 * user's visit to a file server a minute before the
			 * worm ran) is not the sweep's first. */
			while (i - lo + 1 >= SWEEP_MIN && lead_in(t, lo, i))
				lo++;
			if (i - lo + 1 >= SWEEP_MIN) {
				/* The sweep began before it got this dense:
				 * walk back over contacts close together. */
				while (
				    lo > 0 && t[lo] - t[lo - 1] <= SWEEP_GAP_US)
					lo--;
				burst = t[lo];
				break;
			}
		}
	}
	wcs_free(eng->ctx, t);
	if (h->fan != NULL && h->fan->sum.public_ >= PUBLIC_WORM_MIN &&
	    h->fan->public_first != WCS_TIME_NONE &&
	    engine_clock_known(eng, h->fan->public_clock)) {
		int64_t p = engine_corrected(
		    eng, h->fan->public_clock, h->fan->public_first);

		if (burst == WCS_TIME_NONE || p < burst)
			burst = p;
	}
	return (burst);
}

/* The same, kept until the host gains an address or a fan-out summary
 * (whoever changes those clears burst_cached). */
int64_t
net_burst(struct conclude *c, struct host *h, bool *fatal)
{
	*fatal = false;
	if (h->burst_cached)
		return (h->burst);
	h->burst = net_burst_compute(c, h, fatal);
	if (*fatal)
		return (WCS_TIME_NONE);
	h->burst_cached = true;
	return (h->burst);
}

/* Give every fan-out source worth reporting a host row. */
int
attach_fanout(struct conclude *c)
{
	struct wcs_engine *eng = c->eng;
	const struct fo_source_summary *f;
	struct host *h;
	size_t i;

	for (i = 0; i < fanout_nsources(eng->fanout); i++) {
		f = fanout_source(eng->fanout, i);
		if (f->sum.public_ > 0)
			c->public_445_logged = true;
		h = host_at(eng, &f->addr);
		if (h == NULL && (f->peak >= eng->opts.fanout_threshold ||
				     f->sum.public_ >= PUBLIC_WORM_MIN)) {
			h = host_by_addr(&eng->hosts, &f->addr);
			if (h == NULL && eng->hosts.oom)
				return (WCS_FATAL);
		}
		if (h == NULL)
			continue;
		h->burst_cached = false;
		if (h->fan == NULL)
			h->fan = f;
		else if ((h->fan = merge_fanout(eng, h->fan, f)) == NULL)
			return (WCS_FATAL);
	}
	return (collect_live(c) ? WCS_OK : WCS_FATAL);
}

/* 1. What each host's own logs say. */
int
verdicts_own_evidence(struct conclude *c)
{
	struct wcs_engine *eng = c->eng;
	struct host *h;
	size_t i;
	int64_t t;
	bool fatal;

	for (i = 0; i < c->nlive; i++) {
		h = c->live[i];
		h->infected_own = infected_by_evidence(h);
		if (!h->infected_own)
			continue;
		h->start = own_start(eng, h, &h->start_on_ref);
		t = net_burst(c, h, &fatal);
		if (fatal)
			return (WCS_FATAL);
		if (t != WCS_TIME_NONE && (!h->start_on_ref || t < h->start)) {
			h->start = t;
			h->start_on_ref = true;
		}
		note_min(&c->outbreak, h->start);
	}
	return (WCS_OK);
}

/*
 * The first kill-switch lookup on the reference clock where its log's
 * clock is known (*on_ref), else as logged.
 */
static int64_t
lookup_time(const struct wcs_engine *eng, const struct host *h, bool *on_ref)
{
	int64_t best = WCS_TIME_NONE, t;
	bool ref = false;
	size_t i;

	for (i = 0; i < h->nevidence; i++) {
		if (h->evidence[i].cls != WCS_CLASS_LOOKUP ||
		    h->evidence[i].ts_us == WCS_TIME_NONE)
			continue;
		t = engine_corrected(
		    eng, h->evidence[i].clock, h->evidence[i].ts_us);
		if (best == WCS_TIME_NONE || t < best) {
			best = t;
			ref = engine_clock_known(eng, h->evidence[i].clock);
		}
	}
	if (best == WCS_TIME_NONE)
		best = h->ks_first;
	*on_ref = ref;
	return (best);
}

/*
 * 1b. The worm's signature on the network alone: its kill-switch lookup
 * fails (NXDOMAIN, or no answer while the name did not resolve) and
 * within seconds the same host sweeps 445/tcp.  An analyst's lookup has
 * no sweep; a scanner's sweep has no lookup; a management server's push
 * is routine.  The DNS server's and the firewall's clocks may disagree:
 * a sweep logged up to a minute before the lookup is taken when both are
 * on one reference, up to the skew tolerance when not.
 */
#define SIGNATURE_BEFORE_ON_REF_US (60 * WCS_USEC)

int
verdicts_network(struct conclude *c)
{
	struct wcs_engine *eng = c->eng;
	char tb[WCS_TIME_STRLEN];
	struct host *h;
	int64_t tl, ts, before;
	bool fatal, on_ref;
	size_t i;

	for (i = 0; i < c->nlive; i++) {
		h = c->live[i];
		/* Whenever the sweep began, the failed lookup seconds before
		 * it is the worm's: it may itself be the outbreak's start. */
		if (is_infected(h) || h->ks_first == WCS_TIME_NONE ||
		    h->ks_answered != WCS_TIME_NONE || h->fan == NULL ||
		    scheduled_fanout(eng, h->fan))
			continue;
		if ((ts = net_burst(c, h, &fatal)) == WCS_TIME_NONE) {
			if (fatal)
				return (WCS_FATAL);
			continue;
		}
		tl = lookup_time(eng, h, &on_ref);
		before = on_ref ? SIGNATURE_BEFORE_ON_REF_US :
				  eng->opts.skew_tolerance_us;
		if (ts < tl - before || ts > tl + LOOKUP_LEAD_US)
			continue;
		h->inferred = true;
		h->net_signature = true;
		h->start = on_ref && tl < ts ? tl : ts;
		h->start_on_ref = true;
		h->why_inferred = wcs_pool_printf(eng->pool,
		    "WannaCry's network signature: its kill-switch lookup at "
		    "%s %s, and %+.0f s from it the host began sweeping "
		    "445/tcp (%llu addresses of its own /24, %llu other "
		    "internal, %llu public)",
		    fmt_time(tb, tl),
		    h->ks_nxdomain ? "got NXDOMAIN" :
				     "got no answer (the name did not resolve "
				     "yet)",
		    (double)(ts - tl) / 1e6,
		    (unsigned long long)h->fan->sum.same_subnet,
		    (unsigned long long)h->fan->sum.other_internal,
		    (unsigned long long)h->fan->sum.public_);
		if (h->why_inferred == NULL)
			return (WCS_FATAL);
		note_min(&c->outbreak, h->start);
	}
	return (WCS_OK);
}

/* 2. Worm-like 445 behaviour where there is an outbreak. */
int
verdicts_behaviour(struct conclude *c)
{
	struct wcs_engine *eng = c->eng;
	char tb[WCS_TIME_STRLEN];
	struct host *h;
	size_t i;
	int64_t t;
	bool fatal;

	for (i = 0; i < c->nlive && c->outbreak != WCS_TIME_NONE; i++) {
		h = c->live[i];
		if (is_infected(h) || neutralized(h) || h->fan == NULL ||
		    routine_fanout(c, h->fan))
			continue;
		if (!wormlike_fanout(eng, h->fan)) {
			/* A sweep alone: infected only if an infected host
			 * reached it just before (the graph decides). */
			h->sweep_start = net_burst(c, h, &fatal);
			if (fatal)
				return (WCS_FATAL);
			continue;
		}
		h->inferred = true;
		t = net_burst(c, h, &fatal);
		if (fatal)
			return (WCS_FATAL);
		if (t != WCS_TIME_NONE) {
			h->start = t;
			h->start_on_ref = true;
		} else {
			h->start = h->fan->burst_start != WCS_TIME_NONE ?
				       h->fan->burst_start :
				       h->fan->first_contact;
		}
		h->why_inferred = wcs_pool_printf(eng->pool,
		    "swept 445/tcp the way WannaCry does: %llu public "
		    "addresses%s, from %s",
		    (unsigned long long)h->fan->sum.public_,
		    h->fan->from_worm_image ? ", not from the kernel's SMB "
					      "client" :
					      "",
		    fmt_time(tb, h->fan->first_contact));
		if (h->why_inferred == NULL)
			return (WCS_FATAL);
	}
	return (WCS_OK);
}

/* 4. Verdicts and descendants, once the graph is known. */
void
verdicts_decide(struct conclude *c)
{
	struct wcs_engine *eng = c->eng;
	struct host *h, *a;
	unsigned depth;
	size_t i;

	for (i = 0; i < c->nlive; i++) {
		h = c->live[i];
		if (is_infected(h)) {
			h->verdict = WCS_VERDICT_INFECTED;
			h->score =
			    (h->infected_own ? 60 : 45) +
			    5.0 * (double)distinct_rules(h, STRONG_CLASSES, 3);
			for (a = h->infected_by, depth = 0;
			     a != NULL && depth < 100000;
			     a = a->infected_by, depth++)
				a->descendants++;
		} else if (neutralized(h)) {
			h->verdict = WCS_VERDICT_NEUTRALIZED;
			h->score = 30;
		} else if (h->evidence_total > 0) {
			h->verdict = WCS_VERDICT_SUSPICIOUS;
			h->score = (h->classes & STRONG_CLASSES) ? 25 : 15;
		} else if (h->fan != NULL &&
			   h->fan->peak >= eng->opts.fanout_threshold) {
			h->verdict = WCS_VERDICT_SCANNER;
			h->score = 10;
		} else if (h->smb1) {
			h->verdict = WCS_VERDICT_EXPOSED;
			h->score = 5;
		}
	}
}
