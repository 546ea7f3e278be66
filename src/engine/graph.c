/*
 * Conclusions: who is infected, who infected whom, who was first.
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
 * 3. The infection graph: for each infected host B, in order of its start,
 *    the sources that reached it on 445 shortly before are its candidate
 *    infectors.  A host already infected at that moment beats one that is
 *    not; a contact that two logs confirm beats one seen once; then the
 *    earliest contact wins (the first worm to reach an exposed host is the
 *    one that infects it).  A candidate with no evidence of its own that
 *    explains a victim is itself inferred infected: that is how a patient
 *    zero whose logs were never collected is found from its victims' side.
 * 4. Ranking: roots of the graph first, by start (within the skew
 *    tolerance, more descendants first), then the others by start.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/timeutil.h"
#include "engine_private.h"

#define HISTORY_US (60 * 60 * WCS_USEC) /* routine if this much earlier */
#define SCHEDULE_PERIOD_S 1800.0 /* repeats this slow: a schedule */
#define PUBLIC_WORM_MIN 10 /* public 445 targets: worm-like */
#define REASONS_MAX (8 + HOST_JOINS_MAX)
#define LOOKUP_LEAD_US (10 * 60 * WCS_USEC) /* lookup precedes start-up */
#define SWEEP_GAP_US (10 * WCS_USEC) /* contacts of one sweep: this close */
#define SWEEP_MIN 5 /* new destinations within the window: a sweep */
#define TIE_ON_REF_US (2 * WCS_USEC) /* starts this close are a tie */

#define CLASS_BIT(c) (1u << (c))
#define STRONG_CLASSES                                                     \
	(CLASS_BIT(WCS_CLASS_STARTUP) | CLASS_BIT(WCS_CLASS_PERSISTENCE) | \
	    CLASS_BIT(WCS_CLASS_ENCRYPTION) | CLASS_BIT(WCS_CLASS_SPREADING))

struct conclude {
	struct wcs_engine *eng;
	struct host **live; /* hosts not folded into another */
	size_t nlive;
	int64_t outbreak; /* earliest start of a host with its own evidence */
};

static void
note_min(int64_t *t, int64_t v)
{
	if (v != WCS_TIME_NONE && (*t == WCS_TIME_NONE || v < *t))
		*t = v;
}

static const char *
fmt_time(char *buf, int64_t t)
{
	return (wcs_time_format(t, buf, WCS_TIME_STRLEN));
}

static bool
is_strong(enum wcs_ioc_class c)
{
	return ((CLASS_BIT(c) & STRONG_CLASSES) != 0);
}

/* Distinct rules among the kept evidence in the classes, of a severity. */
static size_t
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

/*
 * The worm checks the kill switch before anything else, so an answered
 * lookup with nothing past the worm's own start means it exited there.
 */
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
static bool
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
own_start(const struct wcs_engine *eng, const struct host *h)
{
	int64_t first = WCS_TIME_NONE, t;
	size_t i;

	for (i = 0; i < h->nevidence; i++) {
		if (!is_strong(h->evidence[i].cls))
			continue;
		t = engine_corrected(
		    eng, h->evidence[i].input, h->evidence[i].ts_us);
		if (t != WCS_TIME_NONE && (first == WCS_TIME_NONE || t < first))
			first = t;
	}
	if (first == WCS_TIME_NONE)
		return (first);
	for (i = 0; i < h->nevidence; i++) {
		/* A DNS server's clock is rarely comparable with the rest. */
		if (h->evidence[i].cls != WCS_CLASS_LOOKUP ||
		    engine_clock_known(eng, h->evidence[i].input) !=
			h->start_on_ref)
			continue;
		t = engine_corrected(
		    eng, h->evidence[i].input, h->evidence[i].ts_us);
		if (t != WCS_TIME_NONE && t < first &&
		    first - t <= LOOKUP_LEAD_US)
			first = t;
	}
	return (first);
}

static bool wormlike_fanout(
    const struct wcs_engine *eng, const struct fo_source_summary *f);

/*
 * Fan-out that looks routine: it began long before the outbreak, or it
 * repeats on a slow schedule without probing the internet the way the
 * worm does.  "Began" is the first burst, not the first contact: every
 * workstation talked SMB to its file server that morning.
 */
static bool
routine_fanout(const struct conclude *c, const struct fo_source_summary *f)
{
	int64_t began;

	if (f == NULL)
		return (false);
	began =
	    f->burst_start != WCS_TIME_NONE ? f->burst_start : f->first_contact;
	if (c->outbreak != WCS_TIME_NONE && began != WCS_TIME_NONE &&
	    began < c->outbreak - HISTORY_US)
		return (true);
	return (f->repeat_period >= SCHEDULE_PERIOD_S &&
		!wormlike_fanout(c->eng, f));
}

static bool
wormlike_fanout(const struct wcs_engine *eng, const struct fo_source_summary *f)
{
	if (f == NULL)
		return (false);
	return (f->sum.public_ >= PUBLIC_WORM_MIN ||
		(f->from_worm_image && f->peak >= eng->opts.fanout_threshold));
}

static bool
is_infected(const struct host *h)
{
	return (h->infected_own || h->inferred);
}

static bool
collect_live(struct conclude *c)
{
	struct host_table *t = &c->eng->hosts;
	size_t i;

	wcs_free(c->eng->ctx, c->live);
	c->nlive = 0;
	if ((c->live = wcs_calloc(c->eng->ctx, t->n + 1, sizeof(*c->live))) ==
	    NULL)
		return (false);
	for (i = 0; i < t->cap; i++) {
		if (t->slots[i] != NULL && !t->slots[i]->folded)
			c->live[c->nlive++] = t->slots[i];
	}
	return (true);
}

/*
 * A lookup whose answer no log kept (BIND's query log, Sysmon 22 without
 * a status) is judged by when the name resolved: from the first answer
 * any log saw (forwarders included), or the rule's documented sinkhole
 * time, unless a later NXDOMAIN says it still did not resolve then.
 */
static void
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

/*
 * A computer known only by name (its event logs) and an address known
 * only by its traffic (a DNS lookup, a sweep) that began within the clock
 * tolerance of each other are one host when the match is unambiguous:
 * the worm looks up the kill switch and starts sweeping the moment it
 * starts.  Pairs are taken closest first; a pair is skipped when another
 * candidate is within a few seconds as close, for either side.
 */
#define TIMING_JOIN_US (3 * 60 * WCS_USEC)
#define TIMING_AMBIGUOUS_US (5 * WCS_USEC)

struct tj_pair {
	struct host *name_host, *addr_host;
	int64_t d;
};

static int
tj_cmp(const void *a, const void *b)
{
	const struct tj_pair *x = a, *y = b;

	return (x->d < y->d ? -1 : x->d > y->d);
}

static int64_t
addr_only_start(const struct host *h)
{
	int64_t t = h->ks_first;

	if (h->fan != NULL && h->fan->burst_start != WCS_TIME_NONE &&
	    (t == WCS_TIME_NONE || h->fan->burst_start < t))
		t = h->fan->burst_start;
	return (t);
}

static int
timing_join(struct conclude *c)
{
	struct wcs_engine *eng = c->eng;
	struct tj_pair *p = NULL, *np;
	size_t n = 0, cap = 0, i, j, k;
	struct host *x, *y;
	int64_t tx, ty, d;
	char tb[WCS_TIME_STRLEN], lb[WCS_ADDR_STRLEN];
	bool ambiguous, joined = false;

	for (i = 0; i < c->nlive; i++) {
		x = c->live[i];
		if (wcs_addr_present(&x->ip) || x->nnames == 0 ||
		    (tx = x->first_evidence) == WCS_TIME_NONE)
			continue;
		for (j = 0; j < c->nlive; j++) {
			y = c->live[j];
			if (!wcs_addr_present(&y->ip) || y->nnames > 0 ||
			    (ty = addr_only_start(y)) == WCS_TIME_NONE)
				continue;
			d = tx > ty ? tx - ty : ty - tx;
			if (d > TIMING_JOIN_US)
				continue;
			if (n == cap) {
				cap = cap == 0 ? 32 : cap * 2;
				np = wcs_reallocarray(
				    eng->ctx, p, cap, sizeof(*p));
				if (np == NULL) {
					wcs_free(eng->ctx, p);
					return (WCS_FATAL);
				}
				p = np;
			}
			p[n++] = (struct tj_pair){ x, y, d };
		}
	}
	if (n > 1)
		qsort(p, n, sizeof(*p), tj_cmp);
	for (i = 0; i < n; i++) {
		x = p[i].name_host;
		y = p[i].addr_host;
		if (x->folded || y->nnames > 0)
			continue;
		ambiguous = false;
		for (k = 0; k < n && !ambiguous; k++) {
			if (k != i && !p[k].name_host->folded &&
			    p[k].addr_host->nnames == 0 &&
			    (p[k].name_host == x || p[k].addr_host == y) &&
			    p[k].d - p[i].d <= TIMING_AMBIGUOUS_US)
				ambiguous = true;
		}
		if (ambiguous)
			continue;
		if (engine_fold(eng, x, y) != WCS_OK)
			return (WCS_FATAL);
		if (y->njoins < HOST_JOINS_MAX) {
			y->joins[y->njoins] = wcs_pool_printf(eng->pool,
			    "name %s joined to %s by timing: its first "
			    "evidence and this address's first kill-switch "
			    "lookup or sweep (%s) are %.0f s apart, and no "
			    "other host is as close",
			    x->names[0],
			    wcs_addr_format(&y->ip, lb, sizeof(lb)),
			    fmt_time(tb, addr_only_start(y)),
			    (double)p[i].d / 1e6);
			if (y->joins[y->njoins] == NULL)
				return (WCS_FATAL);
			y->njoins++;
		}
		joined = true;
	}
	wcs_free(eng->ctx, p);
	if (joined && !collect_live(c))
		return (WCS_FATAL);
	return (WCS_OK);
}

/* The row an address stands for after joins, or NULL. */
static struct host *
host_at(struct wcs_engine *eng, const struct wcs_addr *a)
{
	struct host *h = host_find_addr(&eng->hosts, a);

	return (h != NULL ? host_root(h) : NULL);
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
 * When a host's sweep began, on the reference clock: the first moment it
 * had reached a handful of new internal destinations within the window
 * (a small subnet has fewer hosts to reach than the fan-out threshold),
 * or its first probe of a public address, whichever came first.  The worm sweeps seconds after it starts, and the sweep is
 * seen by other machines' logs, whose clocks have been put on the
 * reference; a host's own event logs often have not.
 */
static int64_t
net_burst(struct conclude *c, const struct host *h, bool *fatal)
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
			if (!engine_clock_known(eng, pairs[i]->first_input))
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
			    eng, pairs[i]->first_input, pairs[i]->first);
		}
	}
	if (m >= SWEEP_MIN) {
		qsort(t, m, sizeof(*t), cmp_time);
		for (lo = 0, i = 0; i < m; i++) {
			while (t[i] - t[lo] > eng->opts.fanout_window_us)
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
	    engine_clock_known(eng, h->fan->public_input)) {
		int64_t p = engine_corrected(
		    eng, h->fan->public_input, h->fan->public_first);

		if (burst == WCS_TIME_NONE || p < burst)
			burst = p;
	}
	return (burst);
}

/* Give every fan-out source worth reporting a host row. */
static int
attach_fanout(struct conclude *c)
{
	struct wcs_engine *eng = c->eng;
	const struct fo_source_summary *f;
	struct host *h;
	size_t i;

	for (i = 0; i < fanout_nsources(eng->fanout); i++) {
		f = fanout_source(eng->fanout, i);
		h = host_at(eng, &f->addr);
		if (h == NULL && (f->peak >= eng->opts.fanout_threshold ||
				     f->sum.public_ >= PUBLIC_WORM_MIN)) {
			if ((h = host_by_addr(&eng->hosts, &f->addr)) == NULL)
				return (WCS_FATAL);
		}
		if (h == NULL)
			continue;
		if (h->fan == NULL)
			h->fan = f;
		else if ((h->fan = merge_fanout(eng, h->fan, f)) == NULL)
			return (WCS_FATAL);
	}
	return (collect_live(c) ? WCS_OK : WCS_FATAL);
}

/* The latest contact episode from p that began before B's start (plus
 * tolerance) and not longer than the longest infection delay before it. */
static int64_t
contact_before(const struct wcs_engine *eng, const struct fo_pair *p,
    int64_t start, int64_t late)
{
	int64_t best = WCS_TIME_NONE, t;
	unsigned i;

	for (i = 0; i < p->nep; i++) {
		t = engine_corrected(eng, p->first_input, p->ep[i].start);
		if (t > start + late)
			break;
		if (start - t <= eng->opts.max_infect_delay_us)
			best = t;
	}
	if (best == WCS_TIME_NONE && p->nep > 0) {
		/* The episode may have begun long ago and still be going. */
		t = engine_corrected(
		    eng, p->first_input, p->ep[p->nep - 1].end);
		if (t >= start - eng->opts.max_infect_delay_us &&
		    engine_corrected(
			eng, p->first_input, p->ep[p->nep - 1].start) <= start)
			best = start - WCS_USEC;
	}
	return (best);
}

static bool
descends_from(const struct host *a, const struct host *b)
{
	unsigned depth = 0;

	/* Is b an ancestor of a (or a itself)? */
	for (; a != NULL && depth < 100000; a = a->infected_by, depth++) {
		if (a == b)
			return (true);
	}
	return (false);
}

struct candidate {
	struct host *host;
	const struct fo_pair *pair;
	int64_t contact;
	int tier; /* 3 infected then; 2 worm-like; 1 unexplained fan-out */
	bool before; /* the contact precedes the victim's start */
	bool confirmed;
	bool estimated; /* not logged: dated from the sweep around it */
};

/*
 * A contact before the victim's start beats one after it (those are the
 * victim being swept again once infected; they are admitted at all only
 * because clocks disagree), then a source known to be infected by then,
 * then the earliest contact: the first worm to reach an exposed host is
 * the one that infects it.  Two logs confirming a contact decide only
 * between contacts within a second of each other: how many logs saw it
 * says more about log coverage than about who came first.
 */
static bool
better(const struct candidate *x, const struct candidate *y)
{
	int64_t d;

	if (y->pair == NULL)
		return (true);
	if (x->before != y->before)
		return (x->before);
	if (x->tier != y->tier)
		return (x->tier > y->tier);
	d = x->contact - y->contact;
	if (d > WCS_USEC || d < -WCS_USEC)
		return (d < 0);
	if (x->estimated != y->estimated)
		return (!x->estimated);
	if (x->confirmed != y->confirmed)
		return (x->confirmed);
	return (d < 0);
}

/* How late after the victim's start a contact may be logged and still be
 * taken: clocks put on one reference agree to seconds; others may not. */
#define LATE_ON_REF_US (5 * WCS_USEC)

static int
consider(struct conclude *c, struct host *b, const struct fo_pair *p,
    struct candidate *best)
{
	struct wcs_engine *eng = c->eng;
	struct candidate cand;
	struct host *a;
	bool on_ref;

	memset(&cand, 0, sizeof(cand));
	cand.pair = p;
	on_ref = b->start_on_ref && engine_clock_known(eng, p->first_input);
	cand.contact = contact_before(eng, p, b->start,
	    on_ref ? LATE_ON_REF_US : eng->opts.skew_tolerance_us);
	if (cand.contact == WCS_TIME_NONE)
		return (WCS_OK);
	a = host_at(eng, fanout_addr(eng->fanout, p->src));
	if (a != NULL && (a == b || descends_from(a, b)))
		return (WCS_OK);
	if (a != NULL && is_infected(a)) {
		/* Infection is causal: the infector ran the worm first.  A
		 * host judged from its sweep alone may have begun before the
		 * sweep was seen. */
		if (a->start == WCS_TIME_NONE ||
		    a->start >=
			b->start + (a->start_on_ref && b->start_on_ref ?
					   0 :
					   eng->opts.skew_tolerance_us) ||
		    (!a->inferred && a->start > cand.contact + LATE_ON_REF_US))
			return (WCS_OK);
		cand.tier = 3;
	} else if (a != NULL && routine_fanout(c, a->fan)) {
		return (WCS_OK);
	} else if (a != NULL && wormlike_fanout(eng, a->fan)) {
		cand.tier = 2;
	} else {
		cand.tier = 1;
	}
	cand.host = a;
	cand.before = cand.contact <= b->start;
	cand.confirmed = p->ninputs >= 2;
	if (better(&cand, best))
		*best = cand;
	return (WCS_OK);
}

/*
 * WannaCry sweeps the addresses of its own /24 in order, again and again.
 * Where neither end of a contact kept a log, the contact can still be
 * dated from the contacts of the same pass that were logged: between the
 * neighbouring addresses before and after it, in proportion.  Only within
 * a pass that was seen on both sides of the address, at a plausible pace.
 */
#define PASS_GAP_US (120 * WCS_USEC)
#define PACE_MAX_US (10 * WCS_USEC) /* per address, at most */

static int
sweep_point_cmp(const void *a, const void *b)
{
	const struct sweep_point *x = a, *y = b;

	return (x->t < y->t ? -1 : x->t > y->t);
}

static bool
load_sweep(struct conclude *c, struct host *a)
{
	struct wcs_engine *eng = c->eng;
	const struct fo_pair *const *pairs;
	const struct wcs_addr *dst;
	size_t n, i, k, cap = 0;
	struct sweep_point *np;
	unsigned e;

	if (a->sweep_done)
		return (true);
	a->sweep_done = true;
	if (a->ip.family != 4)
		return (true);
	pairs = fanout_pairs_from(eng->fanout, &a->ip, &n);
	for (i = 0; i < n; i++) {
		dst = fanout_addr(eng->fanout, pairs[i]->dst);
		if (!wcs_addr_same_subnet(dst, &a->ip) ||
		    !engine_clock_known(eng, pairs[i]->first_input))
			continue;
		for (e = 0; e < pairs[i]->nep; e++) {
			if (a->nsweep == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				np = wcs_pool_alloc(
				    eng->pool, cap * sizeof(*np));
				if (np == NULL)
					return (false);
				for (k = 0; k < a->nsweep; k++)
					np[k] = a->sweep[k];
				a->sweep = np;
			}
			a->sweep[a->nsweep++] = (struct sweep_point){
				engine_corrected(eng, pairs[i]->first_input,
				    pairs[i]->ep[e].start),
				pairs[i], dst->bytes[3]
			};
		}
	}
	if (a->nsweep > 1)
		qsort(a->sweep, a->nsweep, sizeof(*a->sweep), sweep_point_cmp);
	return (true);
}

/* The latest estimated contact of a with octet x no later than until and
 * no earlier than since; WCS_TIME_NONE if no pass brackets it. */
static int64_t
estimate_contact(const struct host *a, unsigned x, int64_t since, int64_t until,
    const struct fo_pair **via)
{
	const struct sweep_point *p = a->sweep, *lo, *hi;
	int64_t best = WCS_TIME_NONE, t;
	size_t i, j, k;

	for (i = 0; i < a->nsweep; i = j) {
		/* One pass: close in time, addresses rising. */
		for (j = i + 1;
		     j < a->nsweep && p[j].t - p[j - 1].t <= PASS_GAP_US &&
		     p[j].octet + 2 >= p[j - 1].octet;
		     j++)
			;
		lo = hi = NULL;
		for (k = i; k < j; k++) {
			if (p[k].octet == x) {
				lo = hi = NULL;
				break; /* logged after all */
			}
			if (p[k].octet < x &&
			    (lo == NULL || p[k].octet > lo->octet))
				lo = &p[k];
			if (p[k].octet > x &&
			    (hi == NULL || p[k].octet < hi->octet))
				hi = &p[k];
		}
		if (lo == NULL || hi == NULL || hi->t < lo->t ||
		    hi->t - lo->t > PACE_MAX_US * (hi->octet - lo->octet))
			continue;
		t = lo->t + (hi->t - lo->t) * (int64_t)(x - lo->octet) /
				(hi->octet - lo->octet);
		if (t < since || t > until)
			continue;
		if (best == WCS_TIME_NONE || t > best) {
			best = t;
			*via = lo->pair;
		}
	}
	return (best);
}

static bool better(const struct candidate *x, const struct candidate *y);

/* Infected sweepers of b's /24 whose contact with b no log kept. */
static int
consider_estimated(struct conclude *c, struct host *b, struct candidate *best)
{
	struct wcs_engine *eng = c->eng;
	struct candidate cand;
	struct host *a;
	size_t i, n, k;
	const struct fo_pair *const *pairs;
	bool seen;
	int64_t late;

	if (b->ip.family != 4)
		return (WCS_OK);
	for (i = 0; i < c->nlive; i++) {
		a = c->live[i];
		if (a == b || !is_infected(a) || a->ip.family != 4 ||
		    !wcs_addr_same_subnet(&a->ip, &b->ip) ||
		    a->start == WCS_TIME_NONE || a->start >= b->start ||
		    descends_from(a, b))
			continue;
		/* Only where no contact from a to b was logged at all. */
		pairs = fanout_pairs_to(eng->fanout, &b->ip, &n);
		for (k = 0, seen = false; k < n && !seen; k++)
			seen = wcs_addr_equal(
			    fanout_addr(eng->fanout, pairs[k]->src), &a->ip);
		if (seen)
			continue;
		if (!load_sweep(c, a))
			return (WCS_FATAL);
		memset(&cand, 0, sizeof(cand));
		late = b->start_on_ref ? LATE_ON_REF_US :
					 eng->opts.skew_tolerance_us;
		cand.contact = estimate_contact(a, b->ip.bytes[3],
		    b->start - eng->opts.max_infect_delay_us, b->start + late,
		    &cand.pair);
		if (cand.contact == WCS_TIME_NONE ||
		    a->start > cand.contact + LATE_ON_REF_US)
			continue;
		cand.host = a;
		cand.tier = 3;
		cand.before = cand.contact <= b->start;
		cand.estimated = true;
		if (better(&cand, best))
			*best = cand;
	}
	return (WCS_OK);
}

static int
find_infector(struct conclude *c, struct host *b)
{
	struct wcs_engine *eng = c->eng;
	const struct fo_pair *const *pairs;
	const struct wcs_addr *addr;
	struct candidate best;
	char tb[WCS_TIME_STRLEN], lb[WCS_ADDR_STRLEN];
	size_t n, i, k;
	struct host *a;
	int64_t t;
	bool fatal;

	if (!wcs_addr_present(&b->ip) || b->start == WCS_TIME_NONE)
		return (WCS_OK);
	memset(&best, 0, sizeof(best));
	for (k = 0; k <= b->nmore_ips; k++) {
		addr = k == 0 ? &b->ip : &b->more_ips[k - 1];
		pairs = fanout_pairs_to(eng->fanout, addr, &n);
		for (i = 0; i < n; i++)
			(void)consider(c, b, pairs[i], &best);
	}
	if (consider_estimated(c, b, &best) != WCS_OK)
		return (WCS_FATAL);
	if (best.pair == NULL)
		return (WCS_OK);
	if (best.host == NULL) {
		/* A source we knew only from its contacts. */
		best.host = host_by_addr(
		    &eng->hosts, fanout_addr(eng->fanout, best.pair->src));
		if (best.host == NULL)
			return (WCS_FATAL);
		best.host->fan =
		    fanout_source_by_addr(eng->fanout, &best.host->ip);
		if (!collect_live(c))
			return (WCS_FATAL);
	}
	a = best.host;
	if (!is_infected(a)) {
		a->inferred = true;
		a->start = best.contact;
		a->start_on_ref =
		    engine_clock_known(eng, best.pair->first_input);
		t = net_burst(c, a, &fatal);
		if (fatal)
			return (WCS_FATAL);
		if (t != WCS_TIME_NONE && t < a->start) {
			a->start = t;
			a->start_on_ref = true;
		}
		a->why_inferred = wcs_pool_printf(eng->pool,
		    "no log of its own shows the worm, but it reached %s on "
		    "445/tcp at %s, %.0f s before that host's first activity "
		    "(%s:%llu)",
		    wcs_addr_format(&b->ip, lb, sizeof(lb)),
		    fmt_time(tb, best.contact),
		    (double)(b->start - best.contact) / 1e6,
		    best.pair->first_input < eng->npaths ?
			eng->paths[best.pair->first_input] :
			"?",
		    (unsigned long long)best.pair->first_line);
		if (a->why_inferred == NULL)
			return (WCS_FATAL);
	} else if (a->inferred && best.contact < a->start) {
		a->start = best.contact; /* it was running by then */
	}
	b->infected_by = a;
	b->edge_time = best.contact;
	b->edge_pair = best.pair;
	b->edge_estimated = best.estimated;
	return (WCS_OK);
}

/* An edge whose infector, as now dated, did not run the worm first. */
static bool
acausal(const struct wcs_engine *eng, const struct host *h)
{
	const struct host *a = h->infected_by;

	return (a != NULL && a->start != WCS_TIME_NONE &&
		a->start >= h->start + (a->start_on_ref && h->start_on_ref ?
					       0 :
					       eng->opts.skew_tolerance_us));
}

static int
build_graph(struct conclude *c)
{
	struct host *next, *h;
	size_t i;
	unsigned round;
	bool again;
	int rc;

	for (;;) {
		next = NULL;
		for (i = 0; i < c->nlive; i++) {
			h = c->live[i];
			if (!is_infected(h) || h->graphed ||
			    h->start == WCS_TIME_NONE)
				continue;
			if (next == NULL || h->start < next->start)
				next = h;
		}
		if (next == NULL)
			break;
		next->graphed = true;
		if ((rc = find_infector(c, next)) != WCS_OK)
			return (rc);
	}
	/*
	 * A host judged from its sweep alone gets an earlier start once it
	 * is seen infecting others; an edge chosen before that may now point
	 * the wrong way.  Look again for those, a few rounds at most.
	 */
	for (round = 0; round < 8; round++) {
		again = false;
		for (i = 0; i < c->nlive; i++) {
			h = c->live[i];
			if (!is_infected(h) || !acausal(c->eng, h))
				continue;
			h->infected_by = NULL;
			h->edge_pair = NULL;
			if ((rc = find_infector(c, h)) != WCS_OK)
				return (rc);
			again = true;
		}
		if (!again)
			break;
	}
	return (WCS_OK);
}

/*
 * The worm sweeps the subnet of every interface at once.  An address
 * known only from its sweep, which nothing was seen reaching, and whose
 * sweep began within seconds of an infected host's sweep of another
 * subnet, is that host's second network card: merge the rows (when one
 * host alone matches).
 */
#define SECOND_CARD_US (5 * WCS_USEC)

static int
join_second_cards(struct conclude *c)
{
	struct wcs_engine *eng = c->eng;
	struct host *y, *x, *match, *h;
	int64_t ty, tx, d;
	size_t i, j, nmatch;
	bool fatal, merged = false;
	char lb[WCS_ADDR_STRLEN];

	for (i = 0; i < c->nlive; i++) {
		y = c->live[i];
		if (y->folded || !y->inferred || y->infected_own ||
		    y->infected_by != NULL || y->nnames > 0 ||
		    !wcs_addr_present(&y->ip))
			continue;
		ty = net_burst(c, y, &fatal);
		if (fatal)
			return (WCS_FATAL);
		if (ty == WCS_TIME_NONE)
			continue;
		match = NULL;
		nmatch = 0;
		for (j = 0; j < c->nlive; j++) {
			x = c->live[j];
			if (x == y || x->folded || !is_infected(x) ||
			    !wcs_addr_present(&x->ip) ||
			    wcs_addr_same_subnet(&x->ip, &y->ip) ||
			    x->nmore_ips == HOST_IPS_MAX)
				continue;
			tx = net_burst(c, x, &fatal);
			if (fatal)
				return (WCS_FATAL);
			if (tx == WCS_TIME_NONE)
				continue;
			d = tx > ty ? tx - ty : ty - tx;
			if (d <= SECOND_CARD_US) {
				match = x;
				nmatch++;
			}
		}
		if (nmatch != 1)
			continue;
		if (engine_fold(eng, y, match) != WCS_OK)
			return (WCS_FATAL);
		if (match->njoins < HOST_JOINS_MAX) {
			match->joins[match->njoins] = wcs_pool_printf(eng->pool,
			    "address %s joined as a second network card: its "
			    "sweep of its own subnet began within %.0f s of "
			    "this host's, and nothing was seen reaching it",
			    wcs_addr_format(&y->ip, lb, sizeof(lb)),
			    (double)SECOND_CARD_US / 1e6);
			if (match->joins[match->njoins] == NULL)
				return (WCS_FATAL);
			match->njoins++;
		}
		y->alias = match;
		for (j = 0; j < c->nlive; j++) {
			h = c->live[j];
			if (h->infected_by == y)
				h->infected_by = match;
		}
		if (y->start != WCS_TIME_NONE && y->start < match->start)
			match->start = y->start;
		merged = true;
	}
	if (merged && !collect_live(c))
		return (WCS_FATAL);
	return (WCS_OK);
}

static int
root_cmp(
    const struct wcs_engine *eng, const struct host *x, const struct host *y)
{
	bool rx = x->infected_by == NULL, ry = y->infected_by == NULL;
	int64_t d, tol;

	/* Starts on one reference clock are compared as they are; others
	 * only beyond the skew tolerance, and closer ones by descendants. */
	tol = x->start_on_ref && y->start_on_ref ? TIE_ON_REF_US :
						   eng->opts.skew_tolerance_us;
	if (rx != ry)
		return (rx ? -1 : 1);
	if (x->start == WCS_TIME_NONE || y->start == WCS_TIME_NONE) {
		if (x->start != y->start)
			return (x->start == WCS_TIME_NONE ? 1 : -1);
	} else {
		d = x->start - y->start;
		if (rx && (d > tol || -d > tol))
			return (d < 0 ? -1 : 1);
		if (rx && x->descendants != y->descendants)
			return (x->descendants > y->descendants ? -1 : 1);
		if (x->infected_own != y->infected_own)
			return (x->infected_own ? -1 : 1);
		if (d != 0)
			return (d < 0 ? -1 : 1);
	}
	return (strcmp(x->key, y->key));
}

/* A stable merge sort with the engine as context (qsort has none). */
static bool
rank_sort(const struct wcs_engine *eng, struct host **a, size_t n)
{
	struct host **tmp, **src = a, **dst, **swap;
	size_t width, lo, mid, hi, i, j, k;

	if (n < 2)
		return (true);
	if ((tmp = wcs_calloc(eng->ctx, n, sizeof(*tmp))) == NULL)
		return (false);
	dst = tmp;
	for (width = 1; width < n; width *= 2) {
		for (lo = 0; lo < n; lo += 2 * width) {
			mid = lo + width < n ? lo + width : n;
			hi = lo + 2 * width < n ? lo + 2 * width : n;
			for (i = lo, j = mid, k = lo; k < hi; k++) {
				if (i < mid && (j >= hi || root_cmp(eng, src[i],
							       src[j]) <= 0))
					dst[k] = src[i++];
				else
					dst[k] = src[j++];
			}
		}
		swap = src, src = dst, dst = swap;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	wcs_free(eng->ctx, tmp);
	return (true);
}

static int
add_reason(struct wcs_host *out, const char **buf, const char *reason)
{
	if (reason == NULL)
		return (WCS_FATAL);
	if (out->nreasons < REASONS_MAX)
		buf[out->nreasons++] = reason;
	return (WCS_OK);
}

static const char *
label(const struct host *h, char *buf, size_t len)
{
	if (wcs_addr_present(&h->ip))
		return (wcs_addr_format(&h->ip, buf, len));
	(void)snprintf(buf, len, "%s", h->nnames > 0 ? h->names[0] : "?");
	return (buf);
}

static int
evidence_cmp(const void *a, const void *b)
{
	const struct wcs_evidence *x = a, *y = b;

	if (x->ts_us != y->ts_us)
		return (x->ts_us < y->ts_us ? -1 : 1);
	return (strcmp(x->source, y->source));
}

static int
describe(struct conclude *c, struct host *h, struct wcs_host *out)
{
	struct wcs_engine *eng = c->eng;
	char tb[WCS_TIME_STRLEN], lb[WCS_ADDR_STRLEN + 64];
	const struct wcs_evidence *first = NULL;
	const struct fo_source_summary *f = h->fan;
	const char **reasons;
	struct wcs_pool *pool = eng->pool;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->ip = h->ip;
	out->names = h->names;
	out->nnames = h->nnames;
	out->smb1 = h->smb1;
	out->verdict = h->verdict;
	out->score = h->score;
	out->first_evidence =
	    h->start != WCS_TIME_NONE ? h->start : h->first_evidence;
	out->fanout.first = out->fanout.last = WCS_TIME_NONE;
	if (f != NULL)
		out->fanout = f->sum;
	qsort(h->evidence, h->nevidence, sizeof(h->evidence[0]), evidence_cmp);
	out->evidence = h->evidence;
	out->nevidence = h->nevidence;
	out->evidence_total = h->evidence_total;
	if (h->infected_by != NULL &&
	    (out->infected_by = wcs_pool_strdup(
		 pool, label(h->infected_by, lb, sizeof(lb)))) == NULL)
		return (WCS_FATAL);
	if ((reasons = wcs_pool_alloc(pool, REASONS_MAX * sizeof(*reasons))) ==
	    NULL)
		return (WCS_FATAL);
	out->reasons = reasons;
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
			    h->edge_pair->ninputs,
			    h->edge_pair->ninputs == 1 ? "" : "s")) != WCS_OK)
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
		    eng->pool, label(h->infected_by, lb, sizeof(lb)));
		edges[n].to =
		    wcs_pool_strdup(eng->pool, label(h, lb, sizeof(lb)));
		edges[n].ts_us = h->edge_time;
		edges[n].nsources = h->edge_pair->ninputs;
		edges[n].sources = wcs_pool_alloc(
		    eng->pool, (edges[n].nsources + 1) * sizeof(char *));
		if (edges[n].from == NULL || edges[n].to == NULL ||
		    edges[n].sources == NULL)
			return (WCS_FATAL);
		for (k = 0; k < edges[n].nsources; k++)
			edges[n].sources[k] =
			    h->edge_pair->input[k] < eng->npaths ?
				eng->paths[h->edge_pair->input[k]] :
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

int
engine_conclude(struct wcs_engine *eng)
{
	struct conclude c;
	struct host *h, *a, **ranked = NULL;
	struct wcs_host *out;
	size_t i, n, nranked = 0;
	unsigned depth;
	int64_t t;
	bool fatal;
	int rc = WCS_FATAL;

	memset(&c, 0, sizeof(c));
	c.eng = eng;
	c.outbreak = WCS_TIME_NONE;
	if (!collect_live(&c))
		return (WCS_FATAL);
	if (attach_fanout(&c) != WCS_OK || timing_join(&c) != WCS_OK)
		goto out;
	presume_answers(&c);
	/* 1. What each host's own logs say. */
	for (i = 0; i < c.nlive; i++) {
		h = c.live[i];
		h->infected_own = infected_by_evidence(h);
		if (h->infected_own) {
			h->start = own_start(eng, h);
			t = net_burst(&c, h, &fatal);
			if (fatal)
				goto out;
			if (t != WCS_TIME_NONE &&
			    (!h->start_on_ref || t < h->start)) {
				h->start = t;
				h->start_on_ref = true;
			}
			if (h->start != WCS_TIME_NONE &&
			    (c.outbreak == WCS_TIME_NONE ||
				h->start < c.outbreak))
				c.outbreak = h->start;
		}
	}
	/* 2. Worm-like 445 behaviour where there is an outbreak. */
	for (i = 0; i < c.nlive && c.outbreak != WCS_TIME_NONE; i++) {
		h = c.live[i];
		if (is_infected(h) || neutralized(h) ||
		    !wormlike_fanout(eng, h->fan) || routine_fanout(&c, h->fan))
			continue;
		h->inferred = true;
		t = net_burst(&c, h, &fatal);
		if (fatal)
			goto out;
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
		    fmt_time(
			(char[WCS_TIME_STRLEN]){ 0 }, h->fan->first_contact));
		if (h->why_inferred == NULL)
			goto out;
	}
	/* 3. The infection graph. */
	if (build_graph(&c) != WCS_OK)
		goto out;
	/* 3b. Second network cards. */
	if (join_second_cards(&c) != WCS_OK)
		goto out;
	/* 4. Verdicts and descendants. */
	for (i = 0; i < c.nlive; i++) {
		h = c.live[i];
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
	/* 5. Ranking. */
	if ((ranked = wcs_calloc(eng->ctx, c.nlive + 1, sizeof(*ranked))) ==
	    NULL)
		goto out;
	for (i = 0; i < c.nlive; i++) {
		if (c.live[i]->verdict == WCS_VERDICT_INFECTED)
			ranked[nranked++] = c.live[i];
	}
	if (!rank_sort(eng, ranked, nranked))
		goto out;
	for (i = 0; i < nranked; i++) {
		ranked[i]->rank = (unsigned)i + 1;
		if (ranked[i]->score > 100)
			ranked[i]->score = 100;
		if (ranked[i]->infected_by == NULL)
			ranked[i]->score += ranked[i]->descendants > 0 ? 10 : 0;
		if (ranked[i]->score > 100)
			ranked[i]->score = 100;
	}
	/* 6. The result. */
	out = wcs_pool_alloc(eng->pool, (c.nlive + 1) * sizeof(*out));
	if (out == NULL)
		goto out;
	for (i = 0, n = 0; i < c.nlive; i++) {
		if (c.live[i]->verdict == WCS_VERDICT_CLEAN)
			continue;
		if (describe(&c, c.live[i], &out[n]) != WCS_OK)
			goto out;
		out[n].rank = c.live[i]->rank;
		n++;
	}
	qsort(out, n, sizeof(*out), out_cmp);
	eng->result.hosts = out;
	eng->result.nhosts = n;
	if (build_edges(&c) != WCS_OK)
		goto out;
	qsort(eng->result.edges, eng->result.nedges, sizeof(*eng->result.edges),
	    edge_cmp);
	rc = WCS_OK;
out:
	wcs_free(eng->ctx, ranked);
	wcs_free(eng->ctx, c.live);
	return (rc);
}
