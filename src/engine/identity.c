/*
 * Identity: one host, one row.  Names joined to addresses while reading
 * are folded into the address's row; a computer known only by name and
 * an address known only by its traffic are joined by timing when the
 * match is unambiguous; an address whose sweep began with an infected
 * host's sweep of another subnet is that host's second network card.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/timeutil.h"
#include "conclude.h"

/* Move what one host row learnt into the row it joined. */
int
engine_fold(struct wcs_engine *eng, struct host *from, struct host *to)
{
	struct wcs_evidence *e;
	size_t i;

	for (i = 0; i < from->nnames; i++) {
		if (!host_add_name(&eng->hosts, to, from->names[i]))
			return (WCS_FATAL);
	}
	to->burst_cached = false; /* it may gain addresses */
	if (wcs_addr_present(&from->ip) && !wcs_addr_present(&to->ip))
		to->ip = from->ip;
	else if (wcs_addr_present(&from->ip) &&
		 !host_add_ip(&eng->hosts, to, &from->ip))
		return (WCS_FATAL);
	for (i = 0; i < from->nmore_ips; i++) {
		if (!host_add_ip(&eng->hosts, to, &from->more_ips[i]))
			return (WCS_FATAL);
	}
	for (i = 0; i < from->njoins; i++) {
		if (!host_add_join(&eng->hosts, to, from->joins[i]))
			return (WCS_FATAL);
	}
	/* The evidence kept is the least by the order reading keeps it in,
	 * whatever order the two rows' items came in. */
	for (i = 0; i < from->nevidence; i++) {
		if ((e = engine_evidence_slot(eng, to, &from->evidence[i])) ==
		    NULL) {
			if (eng->hosts.oom)
				return (WCS_FATAL);
			continue;
		}
		*e = from->evidence[i];
	}
	host_note_lookup_rule(to, from->ks_rule, from->ks_first);
	to->evidence_total += from->evidence_total;
	to->classes |= from->classes;
	note_min(&to->first_evidence, from->first_evidence);
	note_min(&to->first_strong, from->first_strong);
	note_max(&to->last_strong, from->last_strong);
	note_min(&to->ks_first, from->ks_first);
	note_min(&to->ks_answered, from->ks_answered);
	if (from->max_severity_strong > to->max_severity_strong)
		to->max_severity_strong = from->max_severity_strong;
	to->ks_nxdomain |= from->ks_nxdomain;
	for (i = 0; i < from->nweb; i++) {
		if (!host_note_web_span(
			&eng->hosts, to, from->web[i][0], from->web[i][1]))
			return (WCS_FATAL);
	}
	for (i = 0; i < from->nks_seen; i++) {
		if (!host_note_lookup(&eng->hosts, to, from->ks_seen[i].clock,
			from->ks_seen[i].first))
			return (WCS_FATAL);
	}
	to->smb1 |= from->smb1;
	from->folded = true;
	return (WCS_OK);
}

/* Say why a name and an address were joined, or kept apart. */
static bool say(struct wcs_engine *eng, struct host *h, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool
say(struct wcs_engine *eng, struct host *h, const char *fmt, ...)
{
	va_list ap;
	const char *s;

	va_start(ap, fmt);
	s = wcs_pool_vprintf(eng->pool, fmt, ap);
	va_end(ap);
	return (host_add_join(&eng->hosts, h, s));
}

/*
 * Where a name is: its strongest claim (its own machine's), then the most
 * often made, then the first.  A remote party's claim of an address that
 * another name's own machine holds is no candidate.
 */
static struct host_claim *
primary_claim(struct host *nh)
{
	struct host_claim *best = NULL, *c;
	size_t i;

	for (i = 0; i < nh->nclaims; i++) {
		c = &nh->claims[i];
		if (!c->strong && c->addr->owner != NULL &&
		    c->addr->owner != nh)
			continue;
		if (best == NULL || (c->strong && !best->strong) ||
		    (c->strong == best->strong && c->count > best->count))
			best = c;
	}
	return (best);
}

static int
resolve_claims(struct wcs_engine *eng, struct host *nh)
{
	struct host_claim *p, *c;
	struct host *root;
	size_t i;

	if ((p = primary_claim(nh)) == NULL) {
		for (i = 0; i < nh->nclaims; i++) {
			c = &nh->claims[i];
			if (!say(eng, c->addr,
				"claims to be %s at %s: kept apart, the address "
				"belongs to %s by that machine's own logs",
				nh->names[0], c->why, c->addr->owner->names[0]))
				return (WCS_FATAL);
		}
		return (WCS_OK);
	}
	if (host_root(p->addr) == nh)
		return (WCS_OK);
	nh->alias = p->addr;
	root = host_root(nh);
	if (!say(eng, root, "name %s joined to %s", nh->names[0], p->why))
		return (WCS_FATAL);
	for (i = 0; i < nh->nclaims; i++) {
		c = &nh->claims[i];
		if (c == p || host_root(c->addr) == root)
			continue;
		/*
		 * A second address is the same machine when its own machine
		 * says so, or when only remote parties spoke of the name and
		 * no other name is claimed there (a second network card, a
		 * new lease).  Otherwise it is kept apart: a client can put
		 * any name in NTLM or SMB.
		 */
		if (c->addr->alias == NULL &&
		    (c->strong || (!p->strong && !c->addr->contested &&
				      (c->addr->owner == NULL ||
					  c->addr->owner == nh)))) {
			c->addr->alias = root;
			if (!say(eng, root, "name %s also at %s", nh->names[0],
				c->why))
				return (WCS_FATAL);
		} else if (!say(eng, root,
			       "name %s also claimed at %s, %u time%s: kept "
			       "apart, %s",
			       nh->names[0], c->why, c->count,
			       c->count == 1 ? "" : "s",
			       p->strong ?
				   "its own machine's log places it here" :
				   "other names are claimed at that address") ||
			   !say(eng, c->addr,
			       "claims to be %s at %s: kept apart, %s",
			       nh->names[0], c->why,
			       p->strong ? "that machine's own log places it "
					   "elsewhere" :
					   "other names are claimed here too"))
			return (WCS_FATAL);
	}
	return (WCS_OK);
}

/*
 * One host, one row: each name goes to the address it was claimed at (see
 * resolve_claims), then names and second addresses fold into the row they
 * joined.
 */
int
identity_fold_joins(struct wcs_engine *eng)
{
	struct host_table *t = &eng->hosts;
	struct host *h;
	size_t i;

	for (i = 0; i < t->cap; i++) {
		h = t->slots[i];
		if (h != NULL && h->nclaims > 0 &&
		    resolve_claims(eng, h) != WCS_OK)
			return (WCS_FATAL);
	}
	for (i = 0; i < t->cap; i++) {
		h = t->slots[i];
		if (h != NULL && h->alias != NULL &&
		    engine_fold(eng, h, host_root(h)) != WCS_OK)
			return (WCS_FATAL);
	}
	return (WCS_OK);
}

bool
collect_live(struct conclude *c)
{
	struct host_table *t = &c->eng->hosts;
	size_t i;

	wcs_free(c->eng->ctx, c->live);
	c->nlive = 0;
	c->livecap = t->n + 1;
	if ((c->live = wcs_calloc(c->eng->ctx, c->livecap, sizeof(*c->live))) ==
	    NULL)
		return (false);
	for (i = 0; i < t->cap; i++) {
		if (t->slots[i] != NULL && !t->slots[i]->folded) {
			t->slots[i]->live_pos = c->nlive;
			c->live[c->nlive++] = t->slots[i];
		}
	}
	/* The order changed: an index over it is stale. */
	wcs_free(c->eng->ctx, c->by_subnet);
	c->by_subnet = NULL;
	c->nindexed = c->live_indexed = 0;
	return (true);
}

bool
live_add(struct conclude *c, struct host *h)
{
	struct host **nl;
	size_t cap;

	if (c->nlive == c->livecap) {
		cap = c->livecap * 2 + 16;
		if ((nl = wcs_reallocarray(
			 c->eng->ctx, c->live, cap, sizeof(*nl))) == NULL)
			return (false);
		c->live = nl;
		c->livecap = cap;
	}
	h->live_pos = c->nlive;
	c->live[c->nlive++] = h;
	return (true);
}

/* The row an address stands for after joins, or NULL. */
struct host *
host_at(struct wcs_engine *eng, const struct wcs_addr *a)
{
	struct host *h = host_find_addr(&eng->hosts, a);

	return (h != NULL ? host_root(h) : NULL);
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

int
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
		if (!host_add_join(&eng->hosts, y,
			wcs_pool_printf(eng->pool,
			    "name %s joined to %s by timing: its first "
			    "evidence and this address's first kill-switch "
			    "lookup or sweep (%s) are %.0f s apart, and no "
			    "other host is as close",
			    x->names[0],
			    wcs_addr_format(&y->ip, lb, sizeof(lb)),
			    fmt_time(tb, addr_only_start(y)),
			    (double)p[i].d / 1e6)))
			return (WCS_FATAL);
		joined = true;
	}
	wcs_free(eng->ctx, p);
	if (joined && !collect_live(c))
		return (WCS_FATAL);
	return (WCS_OK);
}

/* Hosts by a time, ties in live order. */
struct timed {
	int64_t t;
	size_t pos;
	struct host *h;
};

static int
timed_cmp(const void *a, const void *b)
{
	const struct timed *x = a, *y = b;

	if (x->t != y->t)
		return (x->t < y->t ? -1 : 1);
	return (x->pos < y->pos ? -1 : x->pos > y->pos);
}

/* The first entry at or after t. */
static size_t
timed_first(const struct timed *a, size_t n, int64_t t)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (a[mid].t < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/*
 * The worm sweeps the subnet of every interface at once.  An address
 * known only from its sweep, which no infected host was seen reaching
 * before it, and whose sweep began within seconds of an infected host's
 * sweep of another subnet, is that host's second network card: merge the
 * rows (when one host alone matches).  Before the graph is built the
 * candidates are the sweepers not (yet) judged infected, so that the
 * victims of the second card's sweep find their infector (its rescans
 * repeat like a schedule, and it probes no public address: the worm's
 * internet probes leave by the other card); after it, the sweepers the
 * graph inferred infected.
 */
#define SECOND_CARD_US (5 * WCS_USEC)

/* Whether an infected host was logged reaching y before t. */
static bool
reached_before(struct conclude *c, const struct host *y, int64_t t)
{
	struct wcs_engine *eng = c->eng;
	const struct fo_pair *const *pairs;
	const struct host *a;
	size_t n, i;

	pairs = fanout_pairs_to(eng->fanout, &y->ip, &n);
	for (i = 0; i < n; i++) {
		if (!engine_clock_known(eng, pairs[i]->first_clock) ||
		    engine_corrected(
			eng, pairs[i]->first_clock, pairs[i]->first) >= t)
			continue;
		a = host_at(eng, fanout_addr(eng->fanout, pairs[i]->src));
		if (a != NULL && is_infected(a))
			return (true);
	}
	return (false);
}

static bool
public_probes(const struct host *h)
{
	return (h->fan != NULL && h->fan->sum.public_ > 0);
}

/* A row that may be an infected host's second card. */
static bool
second_card_candidate(struct conclude *c, const struct host *y, bool graphed)
{
	/* The worm looks its kill switch up once per process, and its
	 * public probes leave by one card: a card looking the name up, or
	 * probing as its host's other card does, is another host. */
	if (y->folded || y->infected_own || y->infected_by != NULL ||
	    y->nnames > 0 || !wcs_addr_present(&y->ip) ||
	    y->ks_first != WCS_TIME_NONE)
		return (false);
	if (graphed)
		return (y->inferred);
	return (!y->inferred && y->fan != NULL &&
		y->fan->sum.same_subnet >= SWEEP_MIN &&
		y->fan->sum.same_subnet >= y->fan->sum.other_internal &&
		!fanout_predates(c, y->fan));
}

int
join_second_cards(struct conclude *c, bool graphed)
{
	struct wcs_engine *eng = c->eng;
	struct host *y, *x, *match, *h;
	struct timed *by_burst = NULL;
	int64_t ty, d;
	size_t i, j, k, n = 0, nmatch;
	bool fatal, merged = false;
	char lb[WCS_ADDR_STRLEN];

	/* Infected hosts by when their sweep began. */
	if ((by_burst = wcs_calloc(
		 eng->ctx, c->nlive + 1, sizeof(*by_burst))) == NULL)
		return (WCS_FATAL);
	for (j = 0; j < c->nlive; j++) {
		x = c->live[j];
		if (!is_infected(x) || !wcs_addr_present(&x->ip))
			continue;
		by_burst[n].t = net_burst(c, x, &fatal);
		if (fatal)
			goto out_fatal;
		if (by_burst[n].t == WCS_TIME_NONE)
			continue;
		by_burst[n].pos = j;
		by_burst[n++].h = x;
	}
	qsort(by_burst, n, sizeof(*by_burst), timed_cmp);
	for (i = 0; i < c->nlive; i++) {
		y = c->live[i];
		if (!second_card_candidate(c, y, graphed))
			continue;
		ty = net_burst(c, y, &fatal);
		if (fatal)
			goto out_fatal;
		/* Too few contacts for a burst: when its sweep's first
		 * logged contact was, on a reference clock. */
		if (ty == WCS_TIME_NONE && y->start_on_ref)
			ty = y->start;
		if (ty == WCS_TIME_NONE ||
		    (!graphed && reached_before(c, y, ty)))
			continue;
		match = NULL;
		nmatch = 0;
		k = timed_first(by_burst, n, ty - SECOND_CARD_US);
		for (; k < n && nmatch < 2; k++) {
			x = by_burst[k].h;
			d = by_burst[k].t - ty;
			if (d > SECOND_CARD_US)
				break;
			if (x == y || x->folded ||
			    wcs_addr_same_subnet(&x->ip, &y->ip) ||
			    x->nmore_ips == HOST_IPS_MAX ||
			    (public_probes(x) && public_probes(y)))
				continue;
			match = x;
			nmatch++;
		}
		if (nmatch != 1)
			continue;
		if (engine_fold(eng, y, match) != WCS_OK)
			goto out_fatal;
		if (!host_add_join(&eng->hosts, match,
			wcs_pool_printf(eng->pool,
			    "address %s joined as a second network card: its "
			    "sweep of its own subnet began within %.0f s of "
			    "this host's, and nothing was seen reaching it",
			    wcs_addr_format(&y->ip, lb, sizeof(lb)),
			    (double)SECOND_CARD_US / 1e6)))
			goto out_fatal;
		y->alias = match;
		for (j = 0; j < c->nlive; j++) {
			h = c->live[j];
			if (h->infected_by == y) {
				h->infected_by = match;
				match->has_children = true;
			}
		}
		if (y->start != WCS_TIME_NONE && y->start < match->start)
			match->start = y->start;
		merged = true;
	}
	wcs_free(eng->ctx, by_burst);
	if (merged && !collect_live(c))
		return (WCS_FATAL);
	return (WCS_OK);
out_fatal:
	wcs_free(eng->ctx, by_burst);
	return (WCS_FATAL);
}
