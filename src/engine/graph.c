/*
 * The infection graph: for each infected host B, in order of its start,
 * the sources that reached it on 445 shortly before are its candidate
 * infectors.  A host already infected at that moment beats one that is
 * not; a contact that two logs confirm beats one seen once; then the
 * earliest contact wins (the first worm to reach an exposed host is the
 * one that infects it).  A candidate with no evidence of its own that
 * explains a victim is itself inferred infected: that is how a patient
 * zero whose logs were never collected is found from its victims' side.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/timeutil.h"
#include "conclude.h"

/* The latest contact episode from p that began before B's start (plus
 * tolerance) and not longer than the longest infection delay before it. */
static int64_t
contact_before(const struct wcs_engine *eng, const struct fo_pair *p,
    int64_t start, int64_t late)
{
	const struct fo_episode *ep = fo_pair_episodes(p);
	int64_t best = WCS_TIME_NONE, t;
	unsigned i;

	for (i = 0; i < p->nep; i++) {
		t = engine_corrected(eng, p->first_clock, ep[i].start);
		if (t > start + late)
			break;
		if (start - t <= eng->opts.max_infect_delay_us)
			best = t;
	}
	if (best == WCS_TIME_NONE && p->nep > 0) {
		/* The episode may have begun long ago and still be going. */
		t = engine_corrected(eng, p->first_clock, ep[p->nep - 1].end);
		if (t >= start - eng->opts.max_infect_delay_us &&
		    engine_corrected(
			eng, p->first_clock, ep[p->nep - 1].start) <= start)
			best = start - WCS_USEC;
	}
	return (best);
}

static bool
descends_from(const struct host *a, const struct host *b)
{
	unsigned depth = 0;

	/* Is b an ancestor of a (or a itself)?  Not if no one took b as
	 * its infector. */
	if (!b->has_children)
		return (a == b);
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
	bool prompt; /* ... by no more than the worm takes to start */
	bool confirmed;
	bool estimated; /* not logged: dated from the sweep around it */
};

/*
 * A contact before the victim's start beats one after it (those are the
 * victim being swept again once infected; they are admitted at all only
 * because clocks disagree), then a source known to be infected by then,
 * then a contact the victim's start followed promptly, then the earliest
 * contact: the first worm to reach an exposed host is the one that
 * infects it, and the worm runs within a minute of the exploit, so a
 * reach long before the start did not infect (the host was off, or the
 * exploit failed) when a later one did.  Two logs confirming a contact
 * decide only between contacts within a second of each other: how many
 * logs saw it says more about log coverage than about who came first.
 */
#define PROMPT_US (2 * 60 * WCS_USEC)
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
	if (x->prompt != y->prompt)
		return (x->prompt);
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
/* A sweep this soon after an infected host's contact is the worm's. */
#define SWEEP_FOLLOW_US (3 * 60 * WCS_USEC)

/*
 * A sweep of another internal subnet with no public probes is a
 * scanner's: the worm sweeps the /24 of each of its own cards and probes
 * public addresses at random, so a host known only from such a sweep is
 * not inferred infected from it.
 */
static bool
foreign_sweep(const struct wcs_engine *eng, const struct fo_source_summary *f)
{
	return (f != NULL && f->sum.public_ == 0 &&
		f->sum.other_internal > f->sum.same_subnet &&
		f->peak >= eng->opts.fanout_threshold);
}

/* Whether b's start followed the contact at t within PROMPT_US, give or
 * take the skew tolerance where the two are not on one clock. */
static bool
prompt(
    const struct wcs_engine *eng, const struct host *b, int64_t t, bool on_ref)
{
	return (b->start - t <=
		PROMPT_US + (on_ref ? 0 : eng->opts.skew_tolerance_us));
}

/*
 * The host at fan-out address idx (host_at), looked up once while the
 * graph is built: the lookup formats and hashes the address, and each
 * victim asks again for the hosts of the few that reached it.  Hosts
 * are made while the graph grows (find_infector notes them here) but
 * none is folded into another.
 */
static struct host *
src_host(struct conclude *c, uint32_t idx)
{
	if (idx >= c->nsrc_hosts)
		return (host_at(c->eng, fanout_addr(c->eng->fanout, idx)));
	if (!c->src_looked[idx]) {
		c->src_hosts[idx] =
		    host_at(c->eng, fanout_addr(c->eng->fanout, idx));
		c->src_looked[idx] = 1;
	}
	return (c->src_hosts[idx]);
}

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
	on_ref = b->start_on_ref && engine_clock_known(eng, p->first_clock);
	cand.contact = contact_before(eng, p, b->start,
	    on_ref ? LATE_ON_REF_US : eng->opts.skew_tolerance_us);
	if (cand.contact == WCS_TIME_NONE)
		return (WCS_OK);
	a = src_host(c, p->src);
	if (a == b)
		return (WCS_OK);
	if (a != NULL && is_infected(a)) {
		/* Infection is causal: the infector ran the worm first.  A
		 * host judged from its sweep alone may have begun before the
		 * sweep was seen; one whose failed lookup was logged began
		 * then (the worm looks up the kill switch as it starts). */
		if (a->start == WCS_TIME_NONE ||
		    a->start >=
			b->start + (a->start_on_ref && b->start_on_ref ?
					   0 :
					   eng->opts.skew_tolerance_us) ||
		    ((!a->inferred || a->net_signature) &&
			a->start > cand.contact + LATE_ON_REF_US))
			return (WCS_OK);
		cand.tier = 3;
	} else if (a != NULL &&
		   (routine_fanout(c, a->fan) || foreign_sweep(eng, a->fan))) {
		return (WCS_OK);
	} else if (a != NULL && wormlike_fanout(eng, a->fan)) {
		cand.tier = 2;
	} else {
		cand.tier = 1;
	}
	cand.host = a;
	cand.before = cand.contact <= b->start;
	cand.prompt = prompt(eng, b, cand.contact, on_ref);
	cand.confirmed = p->nseen >= 2;
	/* The ancestry walk last: it is the costly test. */
	if (better(&cand, best) && (a == NULL || !descends_from(a, b)))
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

static uint32_t
subnet_of(const struct wcs_addr *a)
{
	return ((uint32_t)a->bytes[0] << 16 | (uint32_t)a->bytes[1] << 8 |
		a->bytes[2]);
}

/* By /24, then by time: one subnet's passes lie together. */
static int
sweep_point_cmp(const void *a, const void *b)
{
	const struct sweep_point *x = a, *y = b;

	if (x->net != y->net)
		return (x->net < y->net ? -1 : 1);
	return (x->t < y->t ? -1 : x->t > y->t);
}

static const struct wcs_addr *
host_addr(const struct host *h, size_t k)
{
	return (k == 0 ? &h->ip : &h->more_ips[k - 1]);
}

/* The sweep of each subnet a host has an address in (the worm sweeps
 * the /24 of every interface). */
static bool
load_sweep(struct conclude *c, struct host *a)
{
	struct wcs_engine *eng = c->eng;
	const struct fo_pair *const *pairs;
	const struct wcs_addr *src, *dst;
	size_t n, i, k, cap = 0;
	unsigned e, pass;

	if (a->sweep_done)
		return (true);
	a->sweep_done = true;
	/* Counted first: the points live as long as the engine. */
	for (pass = 0; pass < 2; pass++) {
		for (k = 0; k <= a->nmore_ips; k++) {
			src = host_addr(a, k);
			if (src->family != 4)
				continue;
			pairs = fanout_pairs_from(eng->fanout, src, &n);
			for (i = 0; i < n; i++) {
				dst = fanout_addr(eng->fanout, pairs[i]->dst);
				if (!wcs_addr_same_subnet(dst, src) ||
				    !engine_clock_known(
					eng, pairs[i]->first_clock))
					continue;
				if (pass == 0) {
					cap += pairs[i]->nep;
					continue;
				}
				for (e = 0; e < pairs[i]->nep; e++)
					a->sweep[a->nsweep++] =
					    (struct sweep_point){
						    .t = engine_corrected(eng,
							pairs[i]->first_clock,
							fo_pair_episodes(
							    pairs[i])[e]
							    .start),
						    .pair = pairs[i],
						    .net = subnet_of(dst),
						    .octet = dst->bytes[3],
					    };
			}
		}
		if (pass == 0 && cap > 0 &&
		    (a->sweep = wcs_pool_alloc(
			 eng->pool, cap * sizeof(*a->sweep))) == NULL)
			return (false);
		if (cap == 0)
			break;
	}
	if (a->nsweep > 1)
		qsort(a->sweep, a->nsweep, sizeof(*a->sweep), sweep_point_cmp);
	return (true);
}

/* The points of a's sweep of one /24: [*lo, *hi). */
static void
sweep_of_subnet(const struct host *a, uint32_t net, size_t *lo, size_t *hi)
{
	size_t l = 0, h = a->nsweep, mid;

	/* Most hosts sweep one /24. */
	if (h == 0 || (a->sweep[0].net == net && a->sweep[h - 1].net == net)) {
		*lo = 0;
		*hi = h;
		return;
	}
	while (l < h) {
		mid = l + (h - l) / 2;
		if (a->sweep[mid].net < net)
			l = mid + 1;
		else
			h = mid;
	}
	*lo = l;
	for (h = l; h < a->nsweep && a->sweep[h].net == net; h++)
		;
	*hi = h;
}

/* Two points of one pass: close in time, addresses rising. */
static bool
same_pass(const struct sweep_point *prev, const struct sweep_point *next)
{
	return (
	    next->t - prev->t <= PASS_GAP_US && next->octet + 2 >= prev->octet);
}

/*
 * When the pass of a's sweep of a /24 that was going on at t began: a
 * host inferred from one contact was running the worm since its sweep's
 * first logged contact.  t itself when no logged point precedes it.
 */
static int64_t
sweep_pass_start(const struct host *a, uint32_t net, int64_t t)
{
	size_t lo, hi, k;

	sweep_of_subnet(a, net, &lo, &hi);
	for (k = hi; k > lo && a->sweep[k - 1].t > t; k--)
		;
	if (k == lo || t - a->sweep[k - 1].t > PASS_GAP_US)
		return (t);
	for (k--; k > lo && same_pass(&a->sweep[k - 1], &a->sweep[k]); k--)
		;
	return (a->sweep[k].t < t ? a->sweep[k].t : t);
}

/* The latest estimated contact of a with address x of a /24, from a's
 * sweep of it (points first .. end), no later than until and no earlier
 * than since; WCS_TIME_NONE if no pass brackets it. */
static int64_t
estimate_contact(const struct host *a, size_t first, size_t end, unsigned x,
    int64_t since, int64_t until, const struct fo_pair **via)
{
	const struct sweep_point *p = a->sweep, *lo, *hi;
	int64_t best = WCS_TIME_NONE, t;
	size_t i, j, k;

	for (i = first; i < end; i = j) {
		for (j = i + 1; j < end && same_pass(&p[j - 1], &p[j]); j++)
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

static int
subnet_cmp(const void *x, const void *y)
{
	const struct subnet_entry *a = x, *b = y;

	if (a->net != b->net)
		return (a->net < b->net ? -1 : 1);
	return (a->pos < b->pos ? -1 : a->pos > b->pos);
}

static size_t
subnet_slot_of(const struct conclude *c, uint32_t net)
{
	size_t j = (size_t)wcs_mix64(net) & (c->subnet_slotcap - 1);

	while (c->subnet_slots[j].key != 0 && c->subnet_slots[j].key != net + 1)
		j = (j + 1) & (c->subnet_slotcap - 1);
	return (j);
}

/*
 * Where each /24's entries lie in by_subnet, hashed on the /24: a binary
 * search of a million entries for each victim missed the cache at every
 * step.
 */
static bool
index_subnet_ranges(struct conclude *c)
{
	size_t i, j, cap = 16;
	uint32_t net;

	wcs_free(c->eng->ctx, c->subnet_slots);
	c->subnet_slots = NULL;
	c->subnet_slotcap = 0;
	while (cap < 2 * c->nindexed)
		cap *= 2;
	if ((c->subnet_slots = wcs_calloc(
		 c->eng->ctx, cap, sizeof(*c->subnet_slots))) == NULL)
		return (false);
	c->subnet_slotcap = cap;
	for (i = 0; i < c->nindexed; i = j) {
		net = c->by_subnet[i].net;
		for (j = i + 1; j < c->nindexed && c->by_subnet[j].net == net;
		     j++)
			;
		c->subnet_slots[subnet_slot_of(c, net)] = (struct subnet_slot){
			.key = net + 1,
			.lo = (uint32_t)i,
			.hi = (uint32_t)j,
		};
	}
	return (true);
}

/* Index the live hosts by the /24 of each IPv4 address (hosts made
 * later are scanned). */
static bool
index_subnets(struct conclude *c)
{
	const struct wcs_addr *addr;
	struct host *h;
	size_t i, k, n = 0, cap = 1;

	wcs_free(c->eng->ctx, c->by_subnet);
	c->nindexed = c->live_indexed = 0;
	for (i = 0; i < c->nlive; i++)
		cap += (size_t)c->live[i]->nmore_ips + 1;
	if ((c->by_subnet = wcs_calloc(
		 c->eng->ctx, cap, sizeof(*c->by_subnet))) == NULL)
		return (false);
	for (i = 0; i < c->nlive; i++) {
		h = c->live[i];
		for (k = 0; k <= h->nmore_ips; k++) {
			addr = host_addr(h, k);
			if (addr->family != 4)
				continue;
			c->by_subnet[n].net = subnet_of(addr);
			c->by_subnet[n].pos = (uint32_t)i;
			c->by_subnet[n].h = h;
			n++;
		}
	}
	qsort(c->by_subnet, n, sizeof(*c->by_subnet), subnet_cmp);
	c->nindexed = n;
	c->live_indexed = c->nlive;
	return (index_subnet_ranges(c));
}

/* Has h an address in the /24 net? */
static bool
in_subnet(const struct host *h, uint32_t net)
{
	size_t k;

	for (k = 0; k <= h->nmore_ips; k++) {
		if (host_addr(h, k)->family == 4 &&
		    subnet_of(host_addr(h, k)) == net)
			return (true);
	}
	return (false);
}

/* Was a logged reaching b at all, from any of its addresses? */
static bool
contact_logged(const struct wcs_engine *eng, const struct host *a,
    const struct fo_pair *const *pairs, size_t n)
{
	const struct wcs_addr *src;
	size_t i, k;

	for (i = 0; i < n; i++) {
		src = fanout_addr(eng->fanout, pairs[i]->src);
		for (k = 0; k <= a->nmore_ips; k++) {
			if (wcs_addr_equal(src, host_addr(a, k)))
				return (true);
		}
	}
	return (false);
}

/* The first index entry of a /24 (nindexed when none). */
static size_t
subnet_first(const struct conclude *c, uint32_t net)
{
	size_t lo = 0, hi = c->nindexed, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->by_subnet[mid].net < net)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/* What the entry's host's sweep of the entry's /24 spans. */
static bool
load_entry(struct conclude *c, struct subnet_entry *e)
{
	const struct host *a = e->h;
	size_t lo, hi, k;

	e->loaded = true;
	e->empty = true;
	if (!load_sweep(c, e->h))
		return (false);
	sweep_of_subnet(a, e->net, &lo, &hi);
	if (lo == hi)
		return (true);
	e->empty = false;
	e->first = a->sweep[lo].t;
	e->last = a->sweep[hi - 1].t;
	e->low = e->high = a->sweep[lo].octet;
	for (k = lo + 1; k < hi; k++) {
		if (a->sweep[k].octet < e->low)
			e->low = a->sweep[k].octet;
		if (a->sweep[k].octet > e->high)
			e->high = a->sweep[k].octet;
	}
	return (true);
}

/* Infected sweepers of b's /24 whose contact with b no log kept. */
static int
consider_estimated(struct conclude *c, struct host *b, struct candidate *best)
{
	struct wcs_engine *eng = c->eng;
	struct candidate cand;
	struct host *a;
	struct subnet_entry *e;
	size_t i, n, lo, hi, plo, phi, k;
	uint32_t net;
	const struct fo_pair *const *pairs;
	int64_t since, until;
	unsigned x;

	if (b->ip.family != 4)
		return (WCS_OK);
	x = b->ip.bytes[3];
	pairs = fanout_pairs_to(eng->fanout, &b->ip, &n);
	since = b->start - eng->opts.max_infect_delay_us;
	until = b->start + (b->start_on_ref ? LATE_ON_REF_US :
					      eng->opts.skew_tolerance_us);
	net = subnet_of(&b->ip);
	if (c->subnet_slotcap != 0) {
		k = subnet_slot_of(c, net);
		lo = c->subnet_slots[k].key != 0 ? c->subnet_slots[k].lo : 0;
		hi = c->subnet_slots[k].key != 0 ? c->subnet_slots[k].hi : 0;
	} else {
		lo = subnet_first(c, net);
		hi = lo;
		while (hi < c->nindexed && c->by_subnet[hi].net == net)
			hi++;
	}
	/* The /24's indexed hosts, then the hosts made since. */
	for (i = lo; i < hi + (c->nlive - c->live_indexed); i++) {
		if (i < hi) {
			e = &c->by_subnet[i];
			if (!e->loaded && !load_entry(c, e))
				return (WCS_FATAL);
			/* Its sweep must pass b's address, within the
			 * window. */
			if (e->empty || e->first > until || e->last < since ||
			    e->low >= x || e->high <= x)
				continue;
			a = e->h;
		} else {
			a = c->live[c->live_indexed + (i - hi)];
			if (!in_subnet(a, net))
				continue;
		}
		if (a == b || !is_infected(a) || a->start == WCS_TIME_NONE ||
		    a->start >= b->start)
			continue;
		if (!load_sweep(c, a))
			return (WCS_FATAL);
		/* Its sweep of the /24 (by time) must reach into the
		 * window. */
		sweep_of_subnet(a, net, &plo, &phi);
		if (plo == phi || a->sweep[plo].t > until ||
		    a->sweep[phi - 1].t < since)
			continue;
		memset(&cand, 0, sizeof(cand));
		cand.contact =
		    estimate_contact(a, plo, phi, x, since, until, &cand.pair);
		if (cand.contact == WCS_TIME_NONE ||
		    a->start > cand.contact + LATE_ON_REF_US)
			continue;
		/* Only where no contact from a to b was logged at all. */
		if (contact_logged(eng, a, pairs, n))
			continue;
		cand.host = a;
		cand.tier = 3;
		cand.before = cand.contact <= b->start;
		cand.prompt = prompt(eng, b, cand.contact, b->start_on_ref);
		cand.estimated = true;
		if (better(&cand, best) && !descends_from(a, b))
			*best = cand;
	}
	return (WCS_OK);
}

/* The worm sweeps its own /24 first: most of what it reaches is there. */
static bool
own_subnet_sweep(const struct host *h)
{
	return (h->fan != NULL &&
		h->fan->sum.same_subnet >= h->fan->sum.other_internal);
}

static int
find_infector(struct conclude *c, struct host *b)
{
	struct wcs_engine *eng = c->eng;
	const struct fo_pair *const *pairs;
	const struct wcs_addr *addr;
	struct candidate best;
	char tb[WCS_TIME_STRLEN], lb[WCS_ADDR_STRLEN];
	const struct wcs_addr *dst;
	size_t n, i, k;
	struct host *a;
	int64_t t, begun;
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
	if (!is_infected(b)) {
		/* A sweeper: infected only when an infected host was logged
		 * reaching it shortly before its sweep began (the worm starts
		 * sweeping seconds after it runs; a scanner's next scheduled
		 * sweep comes when it comes), when it sweeps its own /24 as
		 * the worm does (a scanner sweeps the ranges it is given), and
		 * when it probed public addresses too if such probes were
		 * logged at all (the worm's internet threads start with its
		 * LAN sweep; a scanner stays inside). */
		if (best.host == NULL || !is_infected(best.host) ||
		    !best.before || best.estimated ||
		    b->start - best.contact > SWEEP_FOLLOW_US ||
		    !own_subnet_sweep(b) ||
		    (c->public_445_logged && b->fan->sum.public_ == 0))
			return (WCS_OK);
		b->inferred = true;
		b->why_inferred = wcs_pool_printf(eng->pool,
		    "began sweeping 445/tcp at %s, %.0f s after an infected "
		    "host reached it on 445/tcp: the worm's spread, seen from "
		    "the network",
		    fmt_time(tb, b->start),
		    (double)(b->start - best.contact) / 1e6);
		if (b->why_inferred == NULL)
			return (WCS_FATAL);
	}
	if (best.host == NULL) {
		/* A source we knew only from its contacts. */
		best.host = host_by_addr(
		    &eng->hosts, fanout_addr(eng->fanout, best.pair->src));
		if (best.host == NULL) /* the table is full, or no memory */
			return (eng->hosts.oom ? WCS_FATAL : WCS_OK);
		best.host->fan =
		    fanout_source_by_addr(eng->fanout, &best.host->ip);
		best.host->burst_cached = false;
		if (!live_add(c, best.host))
			return (WCS_FATAL);
		if (best.pair->src < c->nsrc_hosts) {
			c->src_hosts[best.pair->src] = best.host;
			c->src_looked[best.pair->src] = 1;
		}
	}
	a = best.host;
	dst = fanout_addr(eng->fanout, best.pair->dst);
	begun = best.contact;
	if (!is_infected(a) ||
	    (a->inferred && !a->net_signature && best.contact < a->start)) {
		/* It was running the worm since its sweep's pass began (a
		 * host whose failed lookup was logged began then). */
		if (!load_sweep(c, a))
			return (WCS_FATAL);
		if (dst->family == 4)
			begun =
			    sweep_pass_start(a, subnet_of(dst), best.contact);
	}
	if (!is_infected(a)) {
		c->ninferred++;
		a->inferred = true;
		a->start = begun;
		a->start_on_ref =
		    engine_clock_known(eng, best.pair->first_clock);
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
		c->ninferred++;
		a->start = begun; /* it was running by then */
	}
	b->infected_by = a;
	a->has_children = true;
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

/* When a host's infector is looked for: infected hosts from their
 * start, unexplained sweepers from their sweep's start. */
static int64_t
pending_start(const struct host *h)
{
	if (is_infected(h))
		return (h->start);
	return (h->sweep_start);
}

/*
 * The hosts whose infector is still to be looked for, earliest pending
 * start first (ties in live order).  A host's start can move earlier
 * while the graph grows: it is pushed again, and stale entries are
 * skipped when popped.
 */
struct start_entry {
	int64_t t;
	size_t pos;
	struct host *h;
};

struct start_heap {
	struct start_entry *e;
	size_t n, cap;
};

static bool
entry_less(const struct start_entry *x, const struct start_entry *y)
{
	return (x->t < y->t || (x->t == y->t && x->pos < y->pos));
}

static bool
heap_init(struct conclude *c, struct start_heap *q)
{
	q->n = 0;
	q->cap = c->nlive + 16;
	q->e = wcs_calloc(c->eng->ctx, q->cap, sizeof(*q->e));
	return (q->e != NULL);
}

static bool
heap_push(struct conclude *c, struct start_heap *q, struct host *h, size_t pos)
{
	struct start_entry *ne, x;
	size_t i, parent, cap;

	if (h->graphed || pending_start(h) == WCS_TIME_NONE)
		return (true);
	if (q->n == q->cap) {
		cap = q->cap * 2;
		if ((ne = wcs_reallocarray(
			 c->eng->ctx, q->e, cap, sizeof(*ne))) == NULL)
			return (false);
		q->e = ne;
		q->cap = cap;
	}
	x = (struct start_entry){ pending_start(h), pos, h };
	for (i = q->n++; i > 0; i = parent) {
		parent = (i - 1) / 2;
		if (!entry_less(&x, &q->e[parent]))
			break;
		q->e[i] = q->e[parent];
	}
	q->e[i] = x;
	return (true);
}

/* The next host to graph; NULL when none is left. */
static struct host *
heap_pop(struct start_heap *q)
{
	struct start_entry top, last;
	size_t i, child;

	while (q->n > 0) {
		top = q->e[0];
		last = q->e[--q->n];
		for (i = 0; (child = 2 * i + 1) < q->n; i = child) {
			if (child + 1 < q->n &&
			    entry_less(&q->e[child + 1], &q->e[child]))
				child++;
			if (!entry_less(&q->e[child], &last))
				break;
			q->e[i] = q->e[child];
		}
		if (q->n > 0)
			q->e[i] = last;
		if (!top.h->graphed && pending_start(top.h) == top.t)
			return (top.h);
	}
	return (NULL);
}

static int
grow_graph(struct conclude *c)
{
	struct host *next, *h, *a, *was;
	struct start_heap q;
	size_t i;
	unsigned round;
	size_t seen = 0;
	bool again, roots;
	int rc;

	if (!index_subnets(c) || !heap_init(c, &q))
		return (WCS_FATAL);
	for (i = 0; i < c->nlive; i++) {
		if (!heap_push(c, &q, c->live[i], i)) {
			wcs_free(c->eng->ctx, q.e);
			return (WCS_FATAL);
		}
	}
	while ((next = heap_pop(&q)) != NULL) {
		next->graphed = true;
		if (!is_infected(next)) {
			/* Tried as infected from its sweep's start. */
			next->start = next->sweep_start;
			next->start_on_ref = true;
		}
		if ((rc = find_infector(c, next)) != WCS_OK) {
			wcs_free(c->eng->ctx, q.e);
			return (rc);
		}
		if (!is_infected(next))
			next->start = WCS_TIME_NONE;
		/* Its infector may be newly inferred, or started earlier. */
		if ((a = next->infected_by) != NULL && !a->graphed &&
		    !heap_push(c, &q, a, a->live_pos)) {
			wcs_free(c->eng->ctx, q.e);
			return (WCS_FATAL);
		}
	}
	wcs_free(c->eng->ctx, q.e);
	/*
	 * A host judged from its sweep alone gets an earlier start once it
	 * is seen infecting others, and a host found infected while the
	 * graph grew may explain a host graphed before: an edge chosen
	 * before that may now point the wrong way, and a host left without
	 * an infector may have one.  Look again for those, a few rounds at
	 * most.
	 */
	for (round = 0; round < 8; round++) {
		again = false;
		roots = c->ninferred != seen;
		seen = c->ninferred;
		for (i = 0; i < c->nlive; i++) {
			h = c->live[i];
			if (!is_infected(h) ||
			    !(acausal(c->eng, h) ||
				(roots && h->infected_by == NULL)))
				continue;
			was = h->infected_by;
			h->infected_by = NULL;
			h->edge_pair = NULL;
			if ((rc = find_infector(c, h)) != WCS_OK)
				return (rc);
			if (h->infected_by != was || acausal(c->eng, h))
				again = true;
		}
		if (c->ninferred != seen)
			again = true;
		if (!again)
			break;
	}
	return (WCS_OK);
}

int
build_graph(struct conclude *c)
{
	struct wcs_engine *eng = c->eng;
	size_t n = fanout_naddrs(eng->fanout);
	int rc;

	c->nsrc_hosts = 0;
	if (n > 0 &&
	    ((c->src_hosts = wcs_reallocarray(
		  eng->ctx, NULL, n, sizeof(*c->src_hosts))) == NULL ||
		(c->src_looked = wcs_calloc(eng->ctx, n, 1)) == NULL)) {
		rc = WCS_FATAL;
		goto out;
	}
	c->nsrc_hosts = n;
	rc = grow_graph(c);
out:
	wcs_free(eng->ctx, c->src_hosts);
	wcs_free(eng->ctx, c->src_looked);
	wcs_free(eng->ctx, c->subnet_slots);
	c->src_hosts = NULL;
	c->src_looked = NULL;
	c->nsrc_hosts = 0;
	c->subnet_slots = NULL;
	c->subnet_slotcap = 0;
	return (rc);
}
