/*
 * 445/tcp fan-out tracking.  See fanout.h.
 *
 * Three tables: addresses (interned to 32-bit indices), sources (internal
 * addresses that made 445 attempts), and internal pairs.  All are open
 * addressing over arrays that double; caps keep a hostile log (millions of
 * forged sources) from taking the machine: what is beyond them is counted
 * as untracked and reported.
 *
 * The state is mergeable (fanout_merge): shards read apart and merged
 * give what one fanout fed everything gives.  So nothing kept may depend
 * on the order events arrive in: every "first" is the least by (time,
 * input, line, clock) rather than the first to arrive, and the exact set
 * of public destinations keeps the PUBLIC_EXACT_MAX least by (first time,
 * key) rather than the first to arrive, and a source or pair keeps the
 * FO_CLOCKS machines of least key (fanout_set_clock_key) rather than the
 * first to log it.
 * Past FO_EPISODES_MAX episodes per pair the earliest are kept; that is
 * exact too, unless a contact read late falls in a gap and joins two
 * episodes, the later of which had been dropped (contacts of one pair a
 * few minutes apart, read out of order: two sensors with skewed clocks).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/statefile.h"
#include "wcscan/timeutil.h"
#include "fanout.h"

#define MAX_ADDRS (1u << 22)
/* As many sources as the host table holds, and five pairs each: a
 * 1,000,000-host outbreak fits, and 10 million forged sources stay within
 * the 512 MB the hostile suite allows (tests/cli/hostile.sh: 435 MB
 * measured), since a source and its pair take about 230 bytes and an
 * address is kept only for a source that is. */
#define MAX_SOURCES (1u << 20)
#define MAX_PAIRS (1u << 23)
#define PUBLIC_EXACT_MAX 1024 /* then the sketch alone */
#define PUBLIC_SLACK 512 /* entries held past it between trims */
#define HLL_P 12
#define HLL_M (1u << HLL_P)
#define NONE UINT32_MAX
#define SLOT_EMPTY UINT64_MAX
/* Slots ahead that a pass over many keys asks the cache for. */
#define SLOT_AHEAD 8

struct pub_entry {
	uint64_t key; /* 0 = empty */
	int64_t first;
};

/*
 * The exact public set is a bottom-k sample: the PUBLIC_EXACT_MAX least
 * (first, key).  A key's first time only decreases and a key once beaten
 * by that many others never comes back in, so the set of a union is the
 * set of the union of the sets, whatever the order: it merges exactly.
 */
static bool
pub_less(int64_t t, uint64_t k, const struct pub_entry *e)
{
	return (t < e->first || (t == e->first && k < e->key));
}

/* Attempts per machine that logged them: two sensors, one attempt. */
struct fo_src_count {
	uint32_t clock;
	uint64_t attempts, denied;
};

/*
 * A source.  A million sweepers must fit in the memory the hostile suite
 * allows for a million forged ones, so the counts of a second machine
 * and the public set are allocated when needed: most sources are logged
 * by one machine, and forged ones probe nothing public.
 */
struct fo_src {
	uint32_t addr;
	uint8_t nclocks;
	bool pub_overflow;
	uint32_t pub_clock;
	struct fo_src_count clock1; /* the one machine, while clocks is NULL */
	struct fo_src_count *clocks; /* FO_CLOCKS, from a second machine */
	int64_t first, last;
	struct pub_entry *pub; /* exact public set: pubcap slots */
	uint32_t npub, pubcap;
	uint8_t *hll; /* once the exact set overflowed */
	uint32_t sysmon_system, sysmon_other;
	int64_t pub_first;
	/* Past the cap, the least entry a trim dropped: nothing as great
	 * can be among the kept ones (pub_note). */
	struct pub_entry pub_thresh; /* key 0: no trim yet */
};

/* A source's nclocks counts, a pair's nseen sightings and nep episodes,
 * wherever they are kept (fo_src, fo_pair). */
#define SRC_CLOCKS(s) ((s)->clocks != NULL ? (s)->clocks : &(s)->clock1)
#define PAIR_SEEN(p) ((p)->seen_more != NULL ? (p)->seen_more : &(p)->seen1)
#define PAIR_EPS(p) ((p)->ep != NULL ? (p)->ep : &(p)->ep1)

struct fanout {
	struct wcs_ctx *ctx;
	const struct wcs_cidr *internal;
	size_t ninternal;
	/* The order machines are kept in past FO_CLOCKS (fanout_set_clock_key);
	 * NULL: by number. */
	uint64_t (*clock_key)(const void *arg, uint32_t clock);
	const void *clock_key_arg;
	/* addresses */
	struct wcs_addr *addrs;
	uint32_t naddrs, addrcap;
	uint32_t *addr_slots; /* open addressing: index or NONE */
	uint32_t addr_slotcap;
	uint32_t *src_of; /* per address: source index or NONE */
	/* sources */
	struct fo_src *srcs;
	uint32_t nsrcs, srccap;
	/* pairs */
	struct fo_pair *pairs;
	uint32_t npairs, paircap;
	/* Open addressing: a pair's index in the low half, the high half of
	 * its key above it (most probes are settled without reading the
	 * pair), or SLOT_EMPTY. */
	uint64_t *pair_slots;
	uint32_t pair_slotcap;
	uint64_t untracked;
	/* results */
	struct fo_source_summary *sums;
	const struct fo_pair **by_dst, **by_src;
	uint32_t *dst_off, *src_off; /* naddrs + 1 */
	bool finished;
};

static uint64_t
addr_key(const struct wcs_addr *a)
{
	uint64_t h = a->family, w;
	unsigned i;

	for (i = 0; i < 16; i += 8) {
		memcpy(&w, a->bytes + i, 8);
		h = wcs_mix64(h ^ w);
	}
	return (h | 1); /* never 0, the empty marker */
}

/* Whether a and b are the same address: all 16 bytes, as addr_key hashes
 * them (the bytes past an IPv4 address are zero), compared inline (the
 * table is probed for both ends of every contact). */
static inline bool
addr_same(const struct wcs_addr *a, const struct wcs_addr *b)
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, a->bytes, 8);
	memcpy(&a1, a->bytes + 8, 8);
	memcpy(&b0, b->bytes, 8);
	memcpy(&b1, b->bytes + 8, 8);
	return (a->family == b->family && a0 == b0 && a1 == b1);
}

bool
wcs_addr_internal(
    const struct wcs_cidr *internal, size_t n, const struct wcs_addr *a)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (wcs_cidr_contains(&internal[i], a))
			return (true);
	}
	return (false);
}

bool
wcs_addr_same_subnet(const struct wcs_addr *a, const struct wcs_addr *b)
{
	if (a->family != b->family || a->family == 0)
		return (false);
	return (memcmp(a->bytes, b->bytes, a->family == 4 ? 3 : 8) == 0);
}

struct fanout *
fanout_new(
    struct wcs_ctx *ctx, const struct wcs_cidr *internal, size_t ninternal)
{
	struct fanout *f;

	if ((f = wcs_calloc(ctx, 1, sizeof(*f))) == NULL)
		return (NULL);
	f->ctx = ctx;
	f->internal = internal;
	f->ninternal = ninternal;
	return (f);
}

void
fanout_free(struct fanout *f)
{
	uint32_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nsrcs; i++) {
		wcs_free(f->ctx, f->srcs[i].clocks);
		wcs_free(f->ctx, f->srcs[i].pub);
		wcs_free(f->ctx, f->srcs[i].hll);
	}
	for (i = 0; i < f->npairs; i++) {
		wcs_free(f->ctx, f->pairs[i].seen_more);
		wcs_free(f->ctx, f->pairs[i].ep);
	}
	wcs_free(f->ctx, f->srcs);
	wcs_free(f->ctx, f->pairs);
	wcs_free(f->ctx, f->pair_slots);
	wcs_free(f->ctx, f->addrs);
	wcs_free(f->ctx, f->addr_slots);
	wcs_free(f->ctx, f->src_of);
	wcs_free(f->ctx, f->sums);
	wcs_free(f->ctx, f->by_dst);
	wcs_free(f->ctx, f->dst_off);
	wcs_free(f->ctx, f->by_src);
	wcs_free(f->ctx, f->src_off);
	wcs_free(f->ctx, f);
}

bool
fanout_wants(const struct wcs_event *ev)
{
	return (ev->kind == WCS_EV_CONN && ev->dport == 445 &&
		(ev->proto == 6 || ev->proto == 0) &&
		wcs_addr_present(&ev->src) && wcs_addr_present(&ev->dst));
}

/* Grow a power-of-two slot table of indices, rehashing with keyfn. */
static bool
grow_slots(struct wcs_ctx *ctx, uint32_t **slots, uint32_t *cap, uint32_t n,
    uint64_t (*keyfn)(const struct fanout *, uint32_t), const struct fanout *f)
{
	uint32_t ncap = *cap == 0 ? 1024 : *cap * 2, i, j;
	uint32_t *ns;

	if ((ns = wcs_reallocarray(ctx, NULL, ncap, sizeof(*ns))) == NULL)
		return (false);
	memset(ns, 0xff, (size_t)ncap * sizeof(*ns));
	for (i = 0; i < n; i++) {
		j = (uint32_t)keyfn(f, i) & (ncap - 1);
		while (ns[j] != NONE)
			j = (j + 1) & (ncap - 1);
		ns[j] = i;
	}
	wcs_free(ctx, *slots);
	*slots = ns;
	*cap = ncap;
	return (true);
}

static uint64_t
addr_key_at(const struct fanout *f, uint32_t i)
{
	return (addr_key(&f->addrs[i]));
}

static uint64_t
pair_key(uint32_t src, uint32_t dst)
{
	return (wcs_mix64((uint64_t)src << 32 | dst));
}

static uint64_t
pair_key_at(const struct fanout *f, uint32_t i)
{
	return (pair_key(f->pairs[i].src, f->pairs[i].dst));
}

static uint64_t
pair_slot(uint64_t key, uint32_t i)
{
	return ((key & ~(uint64_t)UINT32_MAX) | i);
}

static void
prefetch_slot(
    const struct fanout *f, uint64_t *slots, uint32_t mask, uint32_t i)
{
#if defined(__GNUC__)
	if (i < f->npairs)
		__builtin_prefetch(&slots[pair_key_at(f, i) & mask], 1);
#else
	(void)f;
	(void)slots;
	(void)mask;
	(void)i;
#endif
}

/*
 * Slot the pairs [from, npairs) into slots of cap (a power of two).  With
 * check, a pair equal to one slotted before it stops the slotting: false
 * is returned.  The slots of pairs a few ahead are asked
 * for as each is slotted (a state's pairs are hundreds of thousands, each
 * slot a cache miss otherwise).
 */
static bool
slot_pairs(const struct fanout *f, uint64_t *slots, uint32_t cap, uint32_t from,
    bool check)
{
	const struct fo_pair *p, *q;
	uint32_t mask = cap - 1, i, j;
	uint64_t k, e;

	for (i = from; i < from + SLOT_AHEAD; i++)
		prefetch_slot(f, slots, mask, i);
	for (i = from; i < f->npairs; i++) {
		prefetch_slot(f, slots, mask, i + SLOT_AHEAD);
		p = &f->pairs[i];
		k = pair_key(p->src, p->dst);
		for (j = (uint32_t)k & mask; (e = slots[j]) != SLOT_EMPTY;
		     j = (j + 1) & mask) {
			if (!check || (e >> 32) != (k >> 32))
				continue;
			q = &f->pairs[(uint32_t)e];
			if (q->src == p->src && q->dst == p->dst)
				return (false);
		}
		slots[j] = pair_slot(k, i);
	}
	return (true);
}

/* The pair slots made again, cap of them (a power of two). */
static bool
reslot_pairs(struct fanout *f, uint32_t cap)
{
	uint64_t *ns;

	if ((ns = wcs_reallocarray(f->ctx, NULL, cap, sizeof(*ns))) == NULL)
		return (false);
	memset(ns, 0xff, (size_t)cap * sizeof(*ns));
	(void)slot_pairs(f, ns, cap, 0, false);
	wcs_free(f->ctx, f->pair_slots);
	f->pair_slots = ns;
	f->pair_slotcap = cap;
	return (true);
}

/* Room in the pair slots for n pairs, at most half full. */
static bool
grow_pair_slots(struct fanout *f, uint32_t n)
{
	uint32_t ncap = f->pair_slotcap == 0 ? 1024 : f->pair_slotcap;

	while (((uint64_t)n + 1) * 2 > ncap)
		ncap *= 2;
	return (ncap == f->pair_slotcap || reslot_pairs(f, ncap));
}

/* Intern an address; NONE when the cap is reached or out of memory. */
static uint32_t
addr_index(struct fanout *f, const struct wcs_addr *a, bool *oom)
{
	uint64_t k = addr_key(a);
	uint32_t j, *nsrc;
	struct wcs_addr *na;

	if (f->addr_slotcap != 0) {
		j = (uint32_t)k & (f->addr_slotcap - 1);
		while (f->addr_slots[j] != NONE) {
			if (addr_same(&f->addrs[f->addr_slots[j]], a))
				return (f->addr_slots[j]);
			j = (j + 1) & (f->addr_slotcap - 1);
		}
	}
	if (f->naddrs == MAX_ADDRS)
		return (NONE);
	if (f->naddrs == f->addrcap) {
		f->addrcap = f->addrcap == 0 ? 256 : f->addrcap * 2;
		na =
		    wcs_reallocarray(f->ctx, f->addrs, f->addrcap, sizeof(*na));
		nsrc = na == NULL ? NULL :
				    wcs_reallocarray(f->ctx, f->src_of,
					f->addrcap, sizeof(*nsrc));
		if (na != NULL)
			f->addrs = na;
		if (nsrc == NULL) {
			*oom = true;
			return (NONE);
		}
		f->src_of = nsrc;
	}
	if ((f->naddrs + 1) * 2 > f->addr_slotcap &&
	    !grow_slots(f->ctx, &f->addr_slots, &f->addr_slotcap, f->naddrs,
		addr_key_at, f)) {
		*oom = true;
		return (NONE);
	}
	f->addrs[f->naddrs] = *a;
	f->src_of[f->naddrs] = NONE;
	j = (uint32_t)k & (f->addr_slotcap - 1);
	while (f->addr_slots[j] != NONE)
		j = (j + 1) & (f->addr_slotcap - 1);
	f->addr_slots[j] = f->naddrs;
	return (f->naddrs++);
}

static uint32_t addr_lookup(const struct fanout *f, const struct wcs_addr *a);

static struct fo_src *
source_for(struct fanout *f, uint32_t addr, bool *oom)
{
	struct fo_src *ns;

	if (f->src_of[addr] != NONE)
		return (&f->srcs[f->src_of[addr]]);
	if (f->nsrcs == MAX_SOURCES)
		return (NULL);
	if (f->nsrcs == f->srccap) {
		f->srccap = f->srccap == 0 ? 64 : f->srccap * 2;
		ns = wcs_reallocarray(f->ctx, f->srcs, f->srccap, sizeof(*ns));
		if (ns == NULL) {
			*oom = true;
			return (NULL);
		}
		f->srcs = ns;
	}
	ns = &f->srcs[f->nsrcs];
	memset(ns, 0, sizeof(*ns));
	ns->addr = addr;
	ns->first = ns->last = ns->pub_first = WCS_TIME_NONE;
	f->src_of[addr] = f->nsrcs++;
	return (ns);
}

static void
hll_add(uint8_t *hll, uint64_t key)
{
	uint64_t h = wcs_mix64(key);
	uint32_t idx = (uint32_t)(h >> (64 - HLL_P));
	uint64_t rest = h << HLL_P;
	uint8_t rank = 1;

	while (rank <= 64 - HLL_P && (rest & (1ull << 63)) == 0) {
		rank++;
		rest <<= 1;
	}
	if (rank > hll[idx])
		hll[idx] = rank;
}

static double
hll_estimate(const uint8_t *hll)
{
	double sum = 0, m = HLL_M, est;
	unsigned i, zeros = 0;

	for (i = 0; i < HLL_M; i++) {
		sum += 1.0 / (double)(1ull << hll[i]);
		zeros += hll[i] == 0;
	}
	est = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
	if (est <= 2.5 * m && zeros > 0) /* small range: linear counting */
		est = m * log(m / zeros);
	return (est);
}

/*
 * Put the k least of a[0..n) by (first, key) first, in no order
 * (quickselect, Hoare's partition, median of three pivots): linear on
 * average where a sort would not be.
 */
static void
pub_select(struct pub_entry *a, uint32_t n, uint32_t k)
{
	struct pub_entry pivot, tmp;
	uint32_t lo = 0, hi = n - 1, i, j, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		/* Median of a[lo], a[mid], a[hi] as the pivot. */
		if (pub_less(a[mid].first, a[mid].key, &a[lo])) {
			tmp = a[mid], a[mid] = a[lo], a[lo] = tmp;
		}
		if (pub_less(a[hi].first, a[hi].key, &a[lo])) {
			tmp = a[hi], a[hi] = a[lo], a[lo] = tmp;
		}
		if (pub_less(a[hi].first, a[hi].key, &a[mid])) {
			tmp = a[hi], a[hi] = a[mid], a[mid] = tmp;
		}
		pivot = a[mid];
		i = lo;
		j = hi;
		for (;;) {
			while (pub_less(a[i].first, a[i].key, &pivot))
				i++;
			while (pub_less(pivot.first, pivot.key, &a[j]))
				j--;
			if (i >= j)
				break;
			tmp = a[i], a[i] = a[j], a[j] = tmp;
			i++;
			j--;
		}
		/* a[lo..j] <= pivot <= a[j+1..hi] */
		if (k <= j)
			hi = j;
		else
			lo = j + 1;
	}
}

/*
 * Cut s's exact public set down to the PUBLIC_EXACT_MAX least, and
 * remember the least one dropped.  Trimming once per PUBLIC_SLACK new
 * entries keeps a log read in any order (a SIEM export, newest first) at
 * constant time per address, where evicting the greatest entry at each
 * would search the table each time.
 */
static int
pub_trim(struct fanout *f, struct fo_src *s)
{
	uint32_t cap = s->pubcap, n = 0, k, j;
	struct pub_entry *all, least;

	if (s->npub <= PUBLIC_EXACT_MAX)
		return (WCS_OK);
	if ((all = wcs_reallocarray(f->ctx, NULL, s->npub, sizeof(*all))) ==
	    NULL)
		return (WCS_FATAL);
	for (k = 0; k < cap; k++) {
		if (s->pub[k].key != 0)
			all[n++] = s->pub[k];
	}
	pub_select(all, n, PUBLIC_EXACT_MAX);
	/* all[PUBLIC_EXACT_MAX] is now the least of those dropped. */
	least = all[PUBLIC_EXACT_MAX];
	for (k = PUBLIC_EXACT_MAX + 1; k < n; k++) {
		if (pub_less(all[k].first, all[k].key, &least))
			least = all[k];
	}
	s->pub_thresh = least;
	memset(s->pub, 0, cap * sizeof(*s->pub));
	for (k = 0; k < PUBLIC_EXACT_MAX; k++) {
		j = (uint32_t)all[k].key & (cap - 1);
		while (s->pub[j].key != 0)
			j = (j + 1) & (cap - 1);
		s->pub[j] = all[k];
	}
	s->npub = PUBLIC_EXACT_MAX;
	wcs_free(f->ctx, all);
	return (WCS_OK);
}

/* Double s's exact public table (from 16 slots), rehashing. */
static int
pub_grow(struct fanout *f, struct fo_src *s)
{
	uint32_t ncap = s->pubcap == 0 ? 16 : s->pubcap * 2, k, j;
	struct pub_entry *np;

	if ((np = wcs_calloc(f->ctx, ncap, sizeof(*np))) == NULL)
		return (WCS_FATAL);
	for (k = 0; k < s->pubcap; k++) {
		if (s->pub[k].key == 0)
			continue;
		j = (uint32_t)s->pub[k].key & (ncap - 1);
		while (np[j].key != 0)
			j = (j + 1) & (ncap - 1);
		np[j] = s->pub[k];
	}
	wcs_free(f->ctx, s->pub);
	s->pub = np;
	s->pubcap = ncap;
	return (WCS_OK);
}

/*
 * Start s's sketch when its exact set first overflows, from the set: no
 * address was dropped before, so it holds every one seen.  Sources that
 * probe few public addresses (most) need no sketch.
 */
static int
hll_start(struct fanout *f, struct fo_src *s)
{
	uint32_t k;

	if ((s->hll = wcs_calloc(f->ctx, HLL_M, 1)) == NULL)
		return (WCS_FATAL);
	for (k = 0; k < s->pubcap; k++) {
		if (s->pub[k].key != 0)
			hll_add(s->hll, s->pub[k].key);
	}
	return (WCS_OK);
}

/*
 * Note public key k first probed at t: in the sketch once there is one,
 * and in the exact set (bottom-k, see pub_less).  Past PUBLIC_EXACT_MAX
 * distinct addresses the sketch counts them, and the set holds up to
 * PUBLIC_SLACK more until pub_trim cuts it back; a new address no less
 * than what a trim dropped cannot be among the least, since the least
 * only get less.
 */
static int
pub_note(struct fanout *f, struct fo_src *s, uint64_t k, int64_t t)
{
	uint32_t j;

	if (s->hll != NULL)
		hll_add(s->hll, k);
	if (s->pubcap != 0) {
		j = (uint32_t)k & (s->pubcap - 1);
		while (s->pub[j].key != 0) {
			if (s->pub[j].key == k) {
				if (t < s->pub[j].first)
					s->pub[j].first = t;
				return (WCS_OK);
			}
			j = (j + 1) & (s->pubcap - 1);
		}
	}
	if (s->npub >= PUBLIC_EXACT_MAX) {
		/* More distinct addresses than kept: the sketch counts. */
		s->pub_overflow = true;
		if (s->hll == NULL) {
			if (hll_start(f, s) != WCS_OK)
				return (WCS_FATAL);
			hll_add(s->hll, k);
		}
		if (s->pub_thresh.key != 0 && !pub_less(t, k, &s->pub_thresh))
			return (WCS_OK);
	}
	if ((s->npub + 1) * 4 > s->pubcap * 3 && pub_grow(f, s) != WCS_OK)
		return (WCS_FATAL);
	j = (uint32_t)k & (s->pubcap - 1);
	while (s->pub[j].key != 0)
		j = (j + 1) & (s->pubcap - 1);
	s->pub[j].key = k;
	s->pub[j].first = t;
	if (++s->npub == PUBLIC_EXACT_MAX + PUBLIC_SLACK)
		return (pub_trim(f, s));
	return (WCS_OK);
}

static int
add_public(
    struct fanout *f, struct fo_src *s, const struct wcs_addr *dst, int64_t t)
{
	return (pub_note(f, s, addr_key(dst), t));
}

/*
 * Room for n episodes in p: the inline one, then an array that doubles
 * up to FO_EPISODES_MAX.  False when out of memory.
 */
static bool
episodes_room(struct fanout *f, struct fo_pair *p, unsigned n)
{
	struct fo_episode *ep;
	unsigned cap = p->ep != NULL ? p->epcap : 1;

	if (n <= cap)
		return (true);
	while (cap < n)
		cap *= 2;
	if ((ep = wcs_reallocarray(f->ctx, p->ep, cap, sizeof(*ep))) == NULL)
		return (false);
	if (p->ep == NULL && p->nep > 0)
		ep[0] = p->ep1;
	p->ep = ep;
	p->epcap = (uint8_t)cap;
	return (true);
}

/* Add t to the pair's episodes, merging neighbours within the gap. */
static int
add_episode(struct fanout *f, struct fo_pair *p, int64_t t)
{
	struct fo_episode *ep = PAIR_EPS(p);
	unsigned i;

	for (i = 0; i < p->nep; i++) {
		if (t >= ep[i].start - FO_EPISODE_GAP_US &&
		    t <= ep[i].end + FO_EPISODE_GAP_US) {
			if (t < ep[i].start)
				ep[i].start = t;
			if (t > ep[i].end)
				ep[i].end = t;
			/* It may now touch the next one. */
			if (i + 1 < p->nep &&
			    ep[i + 1].start - ep[i].end <= FO_EPISODE_GAP_US) {
				if (ep[i + 1].end > ep[i].end)
					ep[i].end = ep[i + 1].end;
				memmove(&ep[i + 1], &ep[i + 2],
				    (p->nep - i - 2) * sizeof(*ep));
				p->nep--;
			}
			if (i > 0 &&
			    ep[i].start - ep[i - 1].end <= FO_EPISODE_GAP_US) {
				if (ep[i].end > ep[i - 1].end)
					ep[i - 1].end = ep[i].end;
				memmove(&ep[i], &ep[i + 1],
				    (p->nep - i - 1) * sizeof(*ep));
				p->nep--;
			}
			return (WCS_OK);
		}
	}
	if (p->nep >= FO_EPISODES_MAX) {
		/*
		 * Full: the earliest are kept, so that what is kept does not
		 * depend on the order contacts come in (a repeat period
		 * shows in the first FO_EPISODES_MAX as well as in all).  A
		 * contact after the last is dropped; one before it takes the
		 * last one's place.
		 */
		if (t > ep[p->nep - 1].end)
			return (WCS_OK);
		p->nep--;
	} else if (!episodes_room(f, p, p->nep + 1u)) {
		return (WCS_FATAL);
	}
	ep = PAIR_EPS(p);
	for (i = 0; i < p->nep && ep[i].start < t; i++)
		;
	memmove(&ep[i + 1], &ep[i], (p->nep - i) * sizeof(*ep));
	ep[i].start = ep[i].end = t;
	p->nep++;
	return (WCS_OK);
}

/* The pair after the last, made empty (room for it is the caller's). */
static struct fo_pair *
new_pair(struct fanout *f, uint32_t src, uint32_t dst)
{
	struct fo_pair *np = &f->pairs[f->npairs];

	memset(np, 0, sizeof(*np));
	np->src = src;
	np->dst = dst;
	np->first = np->last = WCS_TIME_NONE;
	return (np);
}

static struct fo_pair *
pair_for(struct fanout *f, uint32_t src, uint32_t dst, bool *oom)
{
	uint64_t k = pair_key(src, dst), e;
	struct fo_pair *np;
	uint32_t j;

	if (f->pair_slotcap != 0) {
		j = (uint32_t)k & (f->pair_slotcap - 1);
		while ((e = f->pair_slots[j]) != SLOT_EMPTY) {
			np = &f->pairs[(uint32_t)e];
			if ((e >> 32) == (k >> 32) && np->src == src &&
			    np->dst == dst)
				return (np);
			j = (j + 1) & (f->pair_slotcap - 1);
		}
	}
	/* Finished, the slots are gone (fanout_finish). */
	if (f->npairs == MAX_PAIRS || f->finished)
		return (NULL);
	if (f->npairs == f->paircap) {
		f->paircap = f->paircap == 0 ? 256 : f->paircap * 2;
		np =
		    wcs_reallocarray(f->ctx, f->pairs, f->paircap, sizeof(*np));
		if (np == NULL) {
			*oom = true;
			return (NULL);
		}
		f->pairs = np;
	}
	if ((f->npairs + 1) * 2 > f->pair_slotcap &&
	    !grow_pair_slots(f, f->npairs + 1)) {
		*oom = true;
		return (NULL);
	}
	np = new_pair(f, src, dst);
	j = (uint32_t)k & (f->pair_slotcap - 1);
	while (f->pair_slots[j] != SLOT_EMPTY)
		j = (j + 1) & (f->pair_slotcap - 1);
	f->pair_slots[j] = pair_slot(k, f->npairs++);
	return (np);
}

/*
 * Whether a contact at t, read from input at line on clock, is before
 * the pair's first: ties in time go to the least input, line and clock,
 * so that the contact cited is the same whatever order events came in.
 */
static bool
first_before(int64_t t, uint32_t input, uint64_t line, uint32_t clock,
    const struct fo_pair *p)
{
	if (p->first == WCS_TIME_NONE || t != p->first)
		return (p->first == WCS_TIME_NONE || t < p->first);
	if (input != p->first_input)
		return (input < p->first_input);
	if (line != p->first_line)
		return (line < p->first_line);
	return (clock < p->first_clock);
}

void
fanout_set_clock_key(struct fanout *f,
    uint64_t (*key)(const void *arg, uint32_t clock), const void *arg)
{
	f->clock_key = key;
	f->clock_key_arg = arg;
}

/* Whether machine a comes before b in the order they are kept in. */
static bool
clock_before(const struct fanout *f, uint32_t a, uint32_t b)
{
	uint64_t ka, kb;

	if (f->clock_key == NULL)
		return (a < b);
	ka = f->clock_key(f->clock_key_arg, a);
	kb = f->clock_key(f->clock_key_arg, b);
	return (ka < kb || (ka == kb && a < b));
}

/*
 * A pair's sighting by clock, added in clock order when new (so that the
 * list reads the same whatever order the machines' lines came in).  A
 * pair keeps the FO_CLOCKS machines of least number: past them, a new
 * one of lesser number drops the greatest, and one of greater number is
 * not kept (NULL).  Which machines those are does not depend on the order
 * lines come in: a machine dropped never comes back, since the kept ones
 * only get lesser, so each kept one has all its attempts counted and
 * merging keeps the same ones.  The new one has count 0, first NONE.
 */
static struct fo_sighting *
sighting_of(struct fanout *f, struct fo_pair *p, uint32_t clock, bool *oom)
{
	struct fo_sighting *seen = PAIR_SEEN(p), *more;
	unsigned i;

	for (i = 0; i < p->nseen && clock_before(f, seen[i].clock, clock); i++)
		;
	if (i < p->nseen && seen[i].clock == clock)
		return (&seen[i]);
	if (i == FO_CLOCKS)
		return (NULL);
	if (p->nseen == 1 && p->seen_more == NULL) {
		/* A second machine: the array for FO_CLOCKS. */
		if ((more = wcs_calloc(f->ctx, FO_CLOCKS, sizeof(*more))) ==
		    NULL) {
			*oom = true;
			return (NULL);
		}
		more[0] = p->seen1;
		p->seen_more = seen = more;
	}
	if (p->nseen == FO_CLOCKS)
		p->nseen--; /* the greatest number makes room */
	memmove(&seen[i + 1], &seen[i], (p->nseen - i) * sizeof(*seen));
	p->nseen++;
	seen[i] =
	    (struct fo_sighting){ .clock = clock, .first = WCS_TIME_NONE };
	return (&seen[i]);
}

/* Note count attempts by one machine, its earliest at t read from input.
 * WCS_OK (also when the machine is not kept) or WCS_FATAL. */
static int
sighting_note(struct fanout *f, struct fo_pair *p, uint32_t clock,
    uint32_t input, int64_t t, uint32_t count)
{
	const struct fo_sighting *seen;
	struct fo_sighting *s;
	bool oom = false;
	unsigned i;

	if ((s = sighting_of(f, p, clock, &oom)) == NULL)
		return (oom ? WCS_FATAL : WCS_OK);
	/* The input of its earliest attempt, not of the first read. */
	if (s->first == WCS_TIME_NONE || t < s->first ||
	    (t == s->first && input < s->input)) {
		s->first = t;
		s->input = input;
	}
	s->count += count;
	/* The most any kept machine logged (one may have been dropped). */
	seen = PAIR_SEEN(p);
	for (i = 0, p->count = 0; i < p->nseen; i++) {
		if (seen[i].count > p->count)
			p->count = seen[i].count;
	}
	return (WCS_OK);
}

/* A source's counts by clock, kept as a pair's sightings are. */
/* Room for n machines' counts in s: inline for one, then FO_CLOCKS.
 * False when out of memory. */
static bool
src_clocks_room(struct fanout *f, struct fo_src *s, unsigned n)
{
	struct fo_src_count *c;

	if (n <= 1 || s->clocks != NULL)
		return (true);
	if ((c = wcs_calloc(f->ctx, FO_CLOCKS, sizeof(*c))) == NULL)
		return (false);
	c[0] = s->clock1;
	s->clocks = c;
	return (true);
}

/* NULL when the machine is not kept, or (*oom set) out of memory. */
static struct fo_src_count *
src_clock(struct fanout *f, struct fo_src *s, uint32_t clock, bool *oom)
{
	struct fo_src_count *c = SRC_CLOCKS(s);
	unsigned i;

	for (i = 0; i < s->nclocks && clock_before(f, c[i].clock, clock); i++)
		;
	if (i < s->nclocks && c[i].clock == clock)
		return (&c[i]);
	if (i == FO_CLOCKS)
		return (NULL);
	if (!src_clocks_room(f, s, s->nclocks + 1u)) {
		*oom = true;
		return (NULL);
	}
	c = SRC_CLOCKS(s);
	if (s->nclocks == FO_CLOCKS)
		s->nclocks--; /* the greatest number makes room */
	memmove(&c[i + 1], &c[i], (s->nclocks - i) * sizeof(*c));
	s->nclocks++;
	c[i] = (struct fo_src_count){ .clock = clock };
	return (&c[i]);
}

static int
src_count(struct fanout *f, struct fo_src *s, const struct wcs_event *ev,
    uint32_t clock)
{
	struct fo_src_count *c;
	bool oom = false;

	if ((c = src_clock(f, s, clock, &oom)) == NULL)
		return (oom ? WCS_FATAL : WCS_OK);
	c->attempts++;
	if (ev->action == WCS_ACT_DENY)
		c->denied++;
	return (WCS_OK);
}

int
fanout_add(struct fanout *f, const struct wcs_event *ev, uint32_t clock)
{
	struct fo_src *s;
	struct fo_pair *p;
	uint32_t si, di;
	bool oom = false;
	int64_t t = ev->ts_us;

	/* Only internal hosts can be our infected sources. */
	if (!wcs_addr_internal(f->internal, f->ninternal, &ev->src) ||
	    t == WCS_TIME_NONE)
		return (WCS_OK);
	/* With the source table full, a new source's address is not kept
	 * either: forged sources would fill the address table for nothing. */
	if (f->nsrcs == MAX_SOURCES) {
		if ((si = addr_lookup(f, &ev->src)) == NONE ||
		    f->src_of[si] == NONE)
			goto out_untracked;
		s = &f->srcs[f->src_of[si]];
	} else if ((si = addr_index(f, &ev->src, &oom)) == NONE ||
		   (s = source_for(f, si, &oom)) == NULL) {
		goto out_untracked;
	}
	if (src_count(f, s, ev, clock) != WCS_OK)
		return (WCS_FATAL);
	if (s->first == WCS_TIME_NONE || t < s->first)
		s->first = t;
	if (s->last == WCS_TIME_NONE || t > s->last)
		s->last = t;
	if (ev->image != NULL) {
		/* Legitimate SMB comes from the kernel: Sysmon says System. */
		if (strcmp(ev->image, "System") == 0)
			s->sysmon_system++;
		else
			s->sysmon_other++;
	}
	if (!wcs_addr_internal(f->internal, f->ninternal, &ev->dst)) {
		if (!wcs_addr_is_public(&ev->dst))
			return (WCS_OK); /* multicast, loopback: not a host */
		if (s->pub_first == WCS_TIME_NONE || t < s->pub_first ||
		    (t == s->pub_first &&
			clock_before(f, clock, s->pub_clock))) {
			s->pub_first = t;
			s->pub_clock = clock;
		}
		return (add_public(f, s, &ev->dst, t));
	}
	/* The source's index may move when the table grows: look again. */
	if ((di = addr_index(f, &ev->dst, &oom)) == NONE ||
	    (p = pair_for(f, si, di, &oom)) == NULL)
		goto out_untracked;
	if (first_before(t, ev->input, ev->line, clock, p)) {
		p->first = t;
		p->first_input = ev->input;
		p->first_clock = clock;
		p->first_line = ev->line;
	}
	if (p->last == WCS_TIME_NONE || t > p->last)
		p->last = t;
	if (ev->action == WCS_ACT_DENY)
		p->denied = 1;
	if (sighting_note(f, p, clock, ev->input, t, 1) != WCS_OK)
		return (WCS_FATAL);
	return (add_episode(f, p, t));
out_untracked:
	if (oom)
		return (WCS_FATAL);
	f->untracked++;
	return (WCS_OK);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/*
 * Index pairs by one end: pointers grouped by that end's address index,
 * each group in the order of the other end's, and per-address offsets
 * (off[j] .. off[j + 1]).  Two stable counting passes, by the other end
 * and then by this one, cost pairs plus addresses and read the table in
 * order, where a comparison sort chasing pointers into millions of pairs
 * took seconds.
 */
static bool
index_pairs(
    struct fanout *f, const struct fo_pair ***out, uint32_t **off, bool by_src)
{
	uint32_t *cnt = NULL, *order = NULL, i, j, key;
	bool ok = false;

	if ((*off = wcs_calloc(f->ctx, (size_t)f->naddrs + 1, sizeof(**off))) ==
	    NULL)
		return (false);
	if (f->npairs == 0)
		return (true);
	if ((*out = wcs_reallocarray(f->ctx, NULL, f->npairs, sizeof(**out))) ==
		NULL ||
	    (order = wcs_reallocarray(
		 f->ctx, NULL, f->npairs, sizeof(*order))) == NULL ||
	    (cnt = wcs_calloc(f->ctx, (size_t)f->naddrs + 1, sizeof(*cnt))) ==
		NULL)
		goto out;
	/* By the other end. */
	for (i = 0; i < f->npairs; i++)
		cnt[(by_src ? f->pairs[i].dst : f->pairs[i].src) + 1]++;
	for (j = 0; j < f->naddrs; j++)
		cnt[j + 1] += cnt[j];
	for (i = 0; i < f->npairs; i++) {
		key = by_src ? f->pairs[i].dst : f->pairs[i].src;
		order[cnt[key]++] = i;
	}
	/* Then by this end, keeping that order within each address. */
	for (i = 0; i < f->npairs; i++)
		(*off)[(by_src ? f->pairs[i].src : f->pairs[i].dst) + 1]++;
	for (j = 0; j < f->naddrs; j++)
		(*off)[j + 1] += (*off)[j];
	memcpy(cnt, *off, (size_t)f->naddrs * sizeof(*cnt));
	for (i = 0; i < f->npairs; i++) {
		key = by_src ? f->pairs[order[i]].src : f->pairs[order[i]].dst;
		(*out)[cnt[key]++] = &f->pairs[order[i]];
	}
	ok = true;
out:
	wcs_free(f->ctx, order);
	wcs_free(f->ctx, cnt);
	return (ok);
}

int
fanout_finish(struct fanout *f, int64_t window_us, uint64_t threshold)
{
	struct fo_source_summary *sum;
	int64_t *times = NULL, *nt;
	double *gaps = NULL, *ng;
	size_t ntimes, ngaps, timecap = 0, gapcap = 0, lo, hi;
	uint32_t *pair_first_of = NULL, *next_pair = NULL;
	uint32_t i, j, k, si;
	const struct fo_src_count *c;
	struct fo_src *s;
	struct fo_pair *p;

	if (f->finished)
		return (WCS_OK);
	/* No pair is added once finished: its table goes before the
	 * summaries come (a million forged sources' peak). */
	wcs_free(f->ctx, f->pair_slots);
	f->pair_slots = NULL;
	f->pair_slotcap = 0;
	if (f->nsrcs > 0 &&
	    (f->sums = wcs_calloc(f->ctx, f->nsrcs, sizeof(*f->sums))) == NULL)
		return (WCS_FATAL);
	/* Chain each source's pairs. */
	if ((pair_first_of = wcs_reallocarray(
		 f->ctx, NULL, f->nsrcs + 1, sizeof(uint32_t))) == NULL ||
	    (next_pair = wcs_reallocarray(
		 f->ctx, NULL, f->npairs + 1, sizeof(uint32_t))) == NULL)
		goto out_fatal;
	memset(pair_first_of, 0xff, (f->nsrcs + 1) * sizeof(uint32_t));
	for (i = 0; i < f->npairs; i++) {
		si = f->src_of[f->pairs[i].src];
		next_pair[i] = pair_first_of[si];
		pair_first_of[si] = i;
	}
	for (si = 0; si < f->nsrcs; si++) {
		s = &f->srcs[si];
		sum = &f->sums[si];
		if (pub_trim(f, s) != WCS_OK)
			goto out_fatal;
		sum->addr = f->addrs[s->addr];
		/*
		 * The machine that logged the most; of two that logged as
		 * many (a firewall and the host's Sysmon), the one that saw
		 * denials, whichever came first.
		 */
		for (k = 0; k < s->nclocks; k++) {
			c = &SRC_CLOCKS(s)[k];
			if (c->attempts > sum->sum.attempts ||
			    (c->attempts == sum->sum.attempts &&
				c->denied > sum->sum.denied)) {
				sum->sum.attempts = c->attempts;
				sum->sum.denied = c->denied;
			}
		}
		sum->sum.first = s->first;
		sum->sum.last = s->last;
		sum->first_contact = s->first;
		sum->public_first = s->pub_first;
		sum->public_clock = s->pub_clock;
		sum->system_only = s->sysmon_system > 0 && s->sysmon_other == 0;
		sum->from_worm_image = s->sysmon_other > 0;
		sum->burst_start = WCS_TIME_NONE;
		ntimes = ngaps = 0;
		for (j = pair_first_of[si]; j != NONE; j = next_pair[j]) {
			p = &f->pairs[j];
			if (wcs_addr_same_subnet(&sum->addr, &f->addrs[p->dst]))
				sum->sum.same_subnet++;
			else
				sum->sum.other_internal++;
			if (ntimes == timecap) {
				timecap = timecap == 0 ? 256 : timecap * 2;
				nt = wcs_reallocarray(
				    f->ctx, times, timecap, sizeof(*nt));
				if (nt == NULL)
					goto out_fatal;
				times = nt;
			}
			times[ntimes++] = p->first;
			for (k = 1; k < p->nep; k++) {
				if (ngaps == gapcap) {
					gapcap = gapcap == 0 ? 256 : gapcap * 2;
					ng = wcs_reallocarray(
					    f->ctx, gaps, gapcap, sizeof(*ng));
					if (ng == NULL)
						goto out_fatal;
					gaps = ng;
				}
				gaps[ngaps++] =
				    (double)(PAIR_EPS(p)[k].start -
					     PAIR_EPS(p)[k - 1].start) /
				    1e6;
			}
		}
		if (s->pub != NULL) {
			for (k = 0; k < s->pubcap; k++) {
				if (s->pub[k].key == 0)
					continue;
				if (ntimes == timecap) {
					timecap =
					    timecap == 0 ? 256 : timecap * 2;
					nt = wcs_reallocarray(f->ctx, times,
					    timecap, sizeof(*nt));
					if (nt == NULL)
						goto out_fatal;
					times = nt;
				}
				times[ntimes++] = s->pub[k].first;
			}
		}
		sum->sum.public_ = s->pub_overflow ?
				       (uint64_t)(hll_estimate(s->hll) + 0.5) :
				       s->npub;
		sum->sum.distinct = sum->sum.same_subnet +
				    sum->sum.other_internal + sum->sum.public_;
		/* The busiest window of first contacts. */
		if (ntimes > 1)
			qsort(times, ntimes, sizeof(*times), cmp_i64);
		for (lo = 0, hi = 0; hi < ntimes; hi++) {
			while (times[hi] - times[lo] > window_us)
				lo++;
			if (hi - lo + 1 > sum->peak)
				sum->peak = hi - lo + 1;
			if (sum->burst_start == WCS_TIME_NONE &&
			    hi - lo + 1 >= threshold)
				sum->burst_start = times[lo];
		}
		if (ngaps > 0) {
			qsort(gaps, ngaps, sizeof(*gaps), cmp_double);
			sum->repeat_period = gaps[ngaps / 2];
		}
	}
	/* Pairs by destination and by source, for the graph. */
	if (!index_pairs(f, &f->by_dst, &f->dst_off, false) ||
	    !index_pairs(f, &f->by_src, &f->src_off, true))
		goto out_fatal;
	wcs_free(f->ctx, times);
	wcs_free(f->ctx, gaps);
	wcs_free(f->ctx, pair_first_of);
	wcs_free(f->ctx, next_pair);
	f->finished = true;
	return (WCS_OK);
out_fatal:
	wcs_free(f->ctx, times);
	wcs_free(f->ctx, gaps);
	wcs_free(f->ctx, pair_first_of);
	wcs_free(f->ctx, next_pair);
	return (WCS_FATAL);
}

size_t
fanout_nsources(const struct fanout *f)
{
	return (f->finished ? f->nsrcs : 0);
}

const struct fo_source_summary *
fanout_source(const struct fanout *f, size_t i)
{
	return (i < fanout_nsources(f) ? &f->sums[i] : NULL);
}

static uint32_t
addr_lookup(const struct fanout *f, const struct wcs_addr *a)
{
	uint32_t j;

	if (f->addr_slotcap == 0)
		return (NONE);
	j = (uint32_t)addr_key(a) & (f->addr_slotcap - 1);
	while (f->addr_slots[j] != NONE) {
		if (addr_same(&f->addrs[f->addr_slots[j]], a))
			return (f->addr_slots[j]);
		j = (j + 1) & (f->addr_slotcap - 1);
	}
	return (NONE);
}

const struct fo_source_summary *
fanout_source_by_addr(const struct fanout *f, const struct wcs_addr *a)
{
	uint32_t i = addr_lookup(f, a);

	if (!f->finished || i == NONE || f->src_of[i] == NONE)
		return (NULL);
	return (&f->sums[f->src_of[i]]);
}

const struct fo_pair *const *
fanout_pairs_to(const struct fanout *f, const struct wcs_addr *dst, size_t *n)
{
	uint32_t i = addr_lookup(f, dst);

	*n = 0;
	if (!f->finished || i == NONE || f->by_dst == NULL)
		return (NULL);
	*n = f->dst_off[i + 1] - f->dst_off[i];
	return (f->by_dst + f->dst_off[i]);
}

const struct fo_pair *const *
fanout_pairs_from(const struct fanout *f, const struct wcs_addr *src, size_t *n)
{
	uint32_t i = addr_lookup(f, src);

	*n = 0;
	if (!f->finished || i == NONE || f->by_src == NULL)
		return (NULL);
	*n = f->src_off[i + 1] - f->src_off[i];
	return (f->by_src + f->src_off[i]);
}

const struct wcs_addr *
fanout_addr(const struct fanout *f, uint32_t idx)
{
	return (idx < f->naddrs ? &f->addrs[idx] : NULL);
}

size_t
fanout_naddrs(const struct fanout *f)
{
	return (f->naddrs);
}

const struct fo_pair *
fanout_pairs(const struct fanout *f, size_t *n)
{
	*n = f->npairs;
	return (f->pairs);
}

uint64_t
fanout_untracked(const struct fanout *f)
{
	return (f->untracked);
}

/*
 * Saving, loading and merging.  The section holds the raw accumulation:
 *
 *	u32 naddrs, each: u8 family, 16 bytes
 *	u64 untracked
 *	u32 nsources, each: u32 address index, u8 nclocks, each: u32
 *	    clock, u64 attempts, u64 denied; i64 first, last; u32 Sysmon
 *	    attempts from System and from others; i64 first public probe, u32
 *	    its clock; u8 flags (0, or 3: the exact set overflowed and the
 *	    sketch follows);
 *	    u32 npub, each: u64 key, i64 first; the sketch's HLL_M bytes
 *	u32 npairs, each: u32 source and destination address indices; u8
 *	    denied; i64 first, last; u64 first line; u32 first input, first
 *	    clock; u8 nseen, each: u32 clock, input, count, i64 first; u8
 *	    nep, each: i64 start, end
 *
 * A pair's count is the most any machine logged: recomputed, not saved.
 */
#define ADDR_REC 17
/*
 * Times read from a state are within 2^61 us of 1970 (73,000 years), so
 * that the differences the summaries take cannot overflow.
 */
#define TIME_ABS_MAX ((int64_t)1 << 61)

static bool
time_ok(int64_t t)
{
	return (t >= -TIME_ABS_MAX && t <= TIME_ABS_MAX);
}
#define SRC_REC_MIN (4 + 1 + 8 + 8 + 4 + 4 + 8 + 4 + 1 + 4)
#define PAIR_REC_MIN (4 + 4 + 1 + 8 + 8 + 8 + 4 + 4 + 1 + 1)

int
fanout_save(struct fanout *f, struct wcs_state_writer *w)
{
	const struct fo_src *s;
	const struct fo_pair *p;
	uint32_t i, k;
	int rc;

	/* The exact public sets as they are kept: no more than the cap. */
	for (i = 0; i < f->nsrcs; i++) {
		if ((rc = pub_trim(f, &f->srcs[i])) != WCS_OK)
			return (rc);
	}
	if ((rc = wcs_state_begin(w, WCS_STATE_SEC_FANOUT, "fanout",
		 FO_STATE_VERSION)) != WCS_OK)
		return (rc);
	wcs_state_put_u32(w, f->naddrs);
	for (i = 0; i < f->naddrs; i++) {
		wcs_state_put_u8(w, f->addrs[i].family);
		wcs_state_put_bytes(w, f->addrs[i].bytes, 16);
	}
	wcs_state_put_u64(w, f->untracked);
	wcs_state_put_u32(w, f->nsrcs);
	for (i = 0; i < f->nsrcs; i++) {
		s = &f->srcs[i];
		wcs_state_put_u32(w, s->addr);
		wcs_state_put_u8(w, s->nclocks);
		for (k = 0; k < s->nclocks; k++) {
			wcs_state_put_u32(w, SRC_CLOCKS(s)[k].clock);
			wcs_state_put_u64(w, SRC_CLOCKS(s)[k].attempts);
			wcs_state_put_u64(w, SRC_CLOCKS(s)[k].denied);
		}
		wcs_state_put_i64(w, s->first);
		wcs_state_put_i64(w, s->last);
		wcs_state_put_u32(w, s->sysmon_system);
		wcs_state_put_u32(w, s->sysmon_other);
		wcs_state_put_i64(w, s->pub_first);
		wcs_state_put_u32(w, s->pub_clock);
		wcs_state_put_u8(w, (uint8_t)((s->pub_overflow ? 1 : 0) |
					      (s->hll != NULL ? 2 : 0)));
		wcs_state_put_u32(w, s->npub);
		for (k = 0; k < s->pubcap; k++) {
			if (s->pub[k].key == 0)
				continue;
			wcs_state_put_u64(w, s->pub[k].key);
			wcs_state_put_i64(w, s->pub[k].first);
		}
		if (s->hll != NULL)
			wcs_state_put_bytes(w, s->hll, HLL_M);
	}
	wcs_state_put_u32(w, f->npairs);
	for (i = 0; i < f->npairs; i++) {
		p = &f->pairs[i];
		wcs_state_put_u32(w, p->src);
		wcs_state_put_u32(w, p->dst);
		wcs_state_put_u8(w, p->denied);
		wcs_state_put_i64(w, p->first);
		wcs_state_put_i64(w, p->last);
		wcs_state_put_u64(w, p->first_line);
		wcs_state_put_u32(w, p->first_input);
		wcs_state_put_u32(w, p->first_clock);
		wcs_state_put_u8(w, p->nseen);
		for (k = 0; k < p->nseen; k++) {
			wcs_state_put_u32(w, PAIR_SEEN(p)[k].clock);
			wcs_state_put_u32(w, PAIR_SEEN(p)[k].input);
			wcs_state_put_u32(w, PAIR_SEEN(p)[k].count);
			wcs_state_put_i64(w, PAIR_SEEN(p)[k].first);
		}
		wcs_state_put_u8(w, p->nep);
		for (k = 0; k < p->nep; k++) {
			wcs_state_put_i64(w, PAIR_EPS(p)[k].start);
			wcs_state_put_i64(w, PAIR_EPS(p)[k].end);
		}
	}
	return (wcs_state_end(w));
}

/* Give p exactly the n episodes at ep (sorted, apart), in its own array. */
static int
set_episodes(struct fanout *f, struct fo_pair *p, const struct fo_episode *ep,
    unsigned n)
{
	if (!episodes_room(f, p, n))
		return (WCS_FATAL);
	if (n > 0)
		memmove(PAIR_EPS(p), ep, n * sizeof(*ep));
	p->nep = (uint8_t)n;
	return (WCS_OK);
}

/*
 * The episodes of a and b together: sorted by start, those within
 * FO_EPISODE_GAP_US of each other joined, as add_episode would have
 * joined them one contact at a time; past FO_EPISODES_MAX, the
 * earliest kept as add_episode keeps them.
 */
static int
merge_episodes(struct fanout *f, struct fo_pair *p, const struct fo_episode *b,
    unsigned nb)
{
	struct fo_episode all[2 * FO_EPISODES_MAX], e;
	unsigned i = 0, j = 0, n = 0;

	while (i < p->nep || j < nb) {
		if (j == nb ||
		    (i < p->nep && PAIR_EPS(p)[i].start <= b[j].start))
			e = PAIR_EPS(p)[i++];
		else
			e = b[j++];
		if (n > 0 && e.start - all[n - 1].end <= FO_EPISODE_GAP_US) {
			if (e.end > all[n - 1].end)
				all[n - 1].end = e.end;
		} else {
			all[n++] = e;
		}
	}
	/* Past FO_EPISODES_MAX, the earliest, as add_episode keeps them. */
	if (n > FO_EPISODES_MAX)
		n = FO_EPISODES_MAX;
	return (set_episodes(f, p, all, n));
}

static int
load_fail(struct fanout *f, struct wcs_state_cursor *c, const char *why)
{
	int rc = wcs_state_cursor_error(f->ctx, c, why);

	fanout_free(f);
	return (rc);
}

static int
load_sources(struct fanout *f, struct wcs_state_cursor *c, const char **why)
{
	struct fo_src_count *cnt;
	struct fo_src *s;
	uint32_t n, i, j, k, a, npub, had;
	uint8_t flags, nclocks;
	const uint8_t *hll;
	bool oom = false;
	uint64_t key;
	int64_t t;
	unsigned r;

	n = wcs_state_get_count(c, MAX_SOURCES, SRC_REC_MIN);
	for (i = 0; i < n; i++) {
		a = wcs_state_get_u32(c);
		nclocks = wcs_state_get_u8(c);
		if (!wcs_state_cursor_ok(c) || a >= f->naddrs ||
		    f->src_of[a] != NONE || nclocks > FO_CLOCKS) {
			*why = "bad source";
			return (WCS_FAILED);
		}
		if ((s = source_for(f, a, &oom)) == NULL ||
		    !src_clocks_room(f, s, nclocks))
			return (WCS_FATAL);
		for (k = 0; k < nclocks; k++) {
			cnt = &SRC_CLOCKS(s)[k];
			cnt->clock = wcs_state_get_u32(c);
			cnt->attempts = wcs_state_get_u64(c);
			cnt->denied = wcs_state_get_u64(c);
			/* Each machine once (kept in the order of their keys,
			 * which are this engine's: fanout_merge re-sorts). */
			for (j = 0;
			     j < k && SRC_CLOCKS(s)[j].clock != cnt->clock; j++)
				;
			if (j < k || cnt->denied > cnt->attempts) {
				*why = "bad source counts";
				return (WCS_FAILED);
			}
		}
		s->nclocks = nclocks;
		s->first = wcs_state_get_i64(c);
		s->last = wcs_state_get_i64(c);
		s->sysmon_system = wcs_state_get_u32(c);
		s->sysmon_other = wcs_state_get_u32(c);
		s->pub_first = wcs_state_get_i64(c);
		s->pub_clock = wcs_state_get_u32(c);
		flags = wcs_state_get_u8(c);
		npub = wcs_state_get_count(c, PUBLIC_EXACT_MAX, 16);
		if (!wcs_state_cursor_ok(c) || (flags != 0 && flags != 3) ||
		    !time_ok(s->first) || !time_ok(s->last) ||
		    s->last < s->first ||
		    (s->pub_first != WCS_TIME_NONE && !time_ok(s->pub_first))) {
			*why = "bad source";
			return (WCS_FAILED);
		}
		s->pub_overflow = (flags & 1) != 0;
		for (k = 0; k < npub; k++) {
			key = wcs_state_get_u64(c);
			t = wcs_state_get_i64(c);
			had = s->npub;
			if (!wcs_state_cursor_ok(c) || key == 0 ||
			    !time_ok(t)) {
				*why = "bad public address";
				return (WCS_FAILED);
			}
			if (pub_note(f, s, key, t) != WCS_OK)
				return (WCS_FATAL);
			if (s->npub == had) {
				*why = "a public address twice";
				return (WCS_FAILED);
			}
		}
		if ((flags & 2) != 0) {
			if ((hll = wcs_state_get_bytes(c, HLL_M)) == NULL) {
				*why = "sketch cut short";
				return (WCS_FAILED);
			}
			/* hll_estimate shifts by each register. */
			for (r = 0; r < HLL_M; r++) {
				if (hll[r] > 64 - HLL_P + 1) {
					*why = "bad sketch register";
					return (WCS_FAILED);
				}
			}
			if ((s->hll = wcs_calloc(f->ctx, HLL_M, 1)) == NULL)
				return (WCS_FATAL);
			memcpy(s->hll, hll, HLL_M);
		}
	}
	return (wcs_state_cursor_ok(c) ? WCS_OK : WCS_FAILED);
}

/*
 * Room ahead for n pairs: a state's pairs are many (a sweep loads them
 * all), and tables doubled as they come are rehashed at every step.
 */
static bool
reserve_pairs(struct fanout *f, uint32_t n)
{
	struct fo_pair *np;

	if (n > f->paircap) {
		if ((np = wcs_reallocarray(f->ctx, f->pairs, n, sizeof(*np))) ==
		    NULL)
			return (false);
		f->pairs = np;
		f->paircap = n;
	}
	return (grow_pair_slots(f, n));
}

/* The same for n addresses. */
static bool
reserve_addrs(struct fanout *f, uint32_t n)
{
	struct wcs_addr *na;
	uint32_t *nsrc;

	if (n > f->addrcap) {
		if ((na = wcs_reallocarray(f->ctx, f->addrs, n, sizeof(*na))) ==
		    NULL)
			return (false);
		f->addrs = na;
		if ((nsrc = wcs_reallocarray(
			 f->ctx, f->src_of, n, sizeof(*nsrc))) == NULL)
			return (false);
		f->src_of = nsrc;
		f->addrcap = n;
	}
	while (((uint64_t)n + 1) * 2 > f->addr_slotcap) {
		if (!grow_slots(f->ctx, &f->addr_slots, &f->addr_slotcap,
			f->naddrs, addr_key_at, f))
			return (false);
	}
	return (true);
}

static int
load_pairs(struct fanout *f, struct wcs_state_cursor *c, const char **why)
{
	struct fo_episode ep[FO_EPISODES_MAX];
	struct fo_sighting *sg;
	struct fo_pair *p;
	uint32_t n, i, j, k, a, b, from = f->npairs;
	uint8_t nseen, nep;

	n = wcs_state_get_count(c, MAX_PAIRS, PAIR_REC_MIN);
	if (n > MAX_PAIRS - from) {
		*why = "too many pairs";
		return (WCS_FAILED);
	}
	if (!reserve_pairs(f, from + n))
		return (WCS_FATAL);
	/* Read in a row, then slotted in one pass (slot_pairs). */
	for (i = 0; i < n; i++) {
		a = wcs_state_get_u32(c);
		b = wcs_state_get_u32(c);
		if (!wcs_state_cursor_ok(c) || a >= f->naddrs ||
		    b >= f->naddrs || f->src_of[a] == NONE) {
			*why = "bad pair";
			return (WCS_FAILED);
		}
		/* Counted at once: freed with the rest if what follows is
		 * bad. */
		p = new_pair(f, a, b);
		f->npairs++;
		p->denied = wcs_state_get_u8(c);
		p->first = wcs_state_get_i64(c);
		p->last = wcs_state_get_i64(c);
		p->first_line = wcs_state_get_u64(c);
		p->first_input = wcs_state_get_u32(c);
		p->first_clock = wcs_state_get_u32(c);
		nseen = wcs_state_get_u8(c);
		if (!wcs_state_cursor_ok(c) || p->denied > 1 ||
		    !time_ok(p->first) || !time_ok(p->last) ||
		    p->last < p->first || nseen > FO_CLOCKS) {
			*why = "bad pair";
			return (WCS_FAILED);
		}
		if (nseen > 1 && (p->seen_more = wcs_calloc(f->ctx, FO_CLOCKS,
				      sizeof(*p->seen_more))) == NULL)
			return (WCS_FATAL);
		for (k = 0; k < nseen; k++) {
			sg = &PAIR_SEEN(p)[k];
			sg->clock = wcs_state_get_u32(c);
			sg->input = wcs_state_get_u32(c);
			sg->count = wcs_state_get_u32(c);
			sg->first = wcs_state_get_i64(c);
			for (j = 0; j < k && PAIR_SEEN(p)[j].clock != sg->clock;
			     j++)
				;
			if (j < k || !time_ok(sg->first)) {
				*why = "bad sighting";
				return (WCS_FAILED);
			}
			if (sg->count > p->count)
				p->count = sg->count;
		}
		p->nseen = nseen;
		nep = wcs_state_get_u8(c);
		if (nep > FO_EPISODES_MAX) {
			*why = "too many episodes";
			return (WCS_FAILED);
		}
		for (k = 0; k < nep; k++) {
			ep[k].start = wcs_state_get_i64(c);
			ep[k].end = wcs_state_get_i64(c);
			/* Sorted and apart, as the graph reads them. */
			if (!time_ok(ep[k].start) || !time_ok(ep[k].end) ||
			    ep[k].end < ep[k].start ||
			    (k > 0 && (ep[k].start <= ep[k - 1].end ||
					  ep[k].start - ep[k - 1].end <=
					      FO_EPISODE_GAP_US))) {
				*why = "bad episode";
				return (WCS_FAILED);
			}
		}
		if (!wcs_state_cursor_ok(c))
			return (WCS_FAILED);
		if (set_episodes(f, p, ep, nep) != WCS_OK)
			return (WCS_FATAL);
	}
	if (!wcs_state_cursor_ok(c))
		return (WCS_FAILED);
	if (!slot_pairs(f, f->pair_slots, f->pair_slotcap, from, true)) {
		*why = "a pair twice";
		return (WCS_FAILED);
	}
	return (WCS_OK);
}

int
fanout_load(struct wcs_ctx *ctx, const struct wcs_cidr *internal,
    size_t ninternal, struct wcs_state_cursor *c, uint32_t version,
    struct fanout **out)
{
	struct wcs_addr a;
	struct fanout *f;
	const uint8_t *b;
	const char *why = "cut short";
	uint32_t n, i;
	bool oom = false;
	int rc;
	char msg[96];

	*out = NULL;
	if ((f = fanout_new(ctx, internal, ninternal)) == NULL)
		return (WCS_FATAL);
	if (version != FO_STATE_VERSION) {
		(void)snprintf(msg, sizeof(msg),
		    "section version %u; this wcscan reads version %u", version,
		    FO_STATE_VERSION);
		return (load_fail(f, c, msg));
	}
	n = wcs_state_get_count(c, MAX_ADDRS, ADDR_REC);
	if (!reserve_addrs(f, n)) {
		fanout_free(f);
		return (WCS_FATAL);
	}
	for (i = 0; i < n; i++) {
		memset(&a, 0, sizeof(a));
		a.family = wcs_state_get_u8(c);
		if ((b = wcs_state_get_bytes(c, 16)) == NULL)
			return (load_fail(f, c, why));
		/* An IPv4 address's key covers all 16 bytes: zero the rest. */
		memcpy(a.bytes, b, a.family == 4 ? 4 : 16);
		if (a.family != 4 && a.family != 6)
			return (load_fail(f, c, "bad address family"));
		if (addr_index(f, &a, &oom) != i) {
			if (oom) {
				fanout_free(f);
				return (WCS_FATAL);
			}
			return (load_fail(f, c, "an address twice"));
		}
	}
	f->untracked = wcs_state_get_u64(c);
	if (!wcs_state_cursor_ok(c))
		return (load_fail(f, c, why));
	if ((rc = load_sources(f, c, &why)) == WCS_OK)
		rc = load_pairs(f, c, &why);
	if (rc == WCS_FATAL) {
		fanout_free(f);
		return (WCS_FATAL);
	}
	if (rc != WCS_OK)
		return (load_fail(f, c, why));
	if (!wcs_state_cursor_done(c))
		return (load_fail(f, c, "bytes after the pairs"));
	*out = f;
	return (WCS_OK);
}

static bool
map_ok(uint32_t id, size_t n)
{
	return (id < n);
}

/* Every clock and input number src holds is within the maps. */
static bool
maps_cover(const struct fanout *src, size_t nclock, size_t ninput)
{
	const struct fo_src *s;
	const struct fo_pair *p;
	uint32_t i, k;

	for (i = 0; i < src->nsrcs; i++) {
		s = &src->srcs[i];
		for (k = 0; k < s->nclocks; k++) {
			if (!map_ok(SRC_CLOCKS(s)[k].clock, nclock))
				return (false);
		}
		if (s->pub_first != WCS_TIME_NONE &&
		    !map_ok(s->pub_clock, nclock))
			return (false);
	}
	for (i = 0; i < src->npairs; i++) {
		p = &src->pairs[i];
		if (!map_ok(p->first_clock, nclock) ||
		    !map_ok(p->first_input, ninput))
			return (false);
		for (k = 0; k < p->nseen; k++) {
			if (!map_ok(PAIR_SEEN(p)[k].clock, nclock) ||
			    !map_ok(PAIR_SEEN(p)[k].input, ninput))
				return (false);
		}
	}
	return (true);
}

/*
 * The exact public set of s added to d's: each key at its earliest, the
 * PUBLIC_EXACT_MAX least kept (pub_note, amortised constant time).
 */
static int
pub_merge(struct fanout *f, struct fo_src *d, const struct fo_src *s)
{
	uint32_t k;
	int rc;

	for (k = 0; k < s->pubcap; k++) {
		if (s->pub[k].key != 0 && (rc = pub_note(f, d, s->pub[k].key,
					       s->pub[k].first)) != WCS_OK)
			return (rc);
	}
	return (WCS_OK);
}

static int
merge_source(struct fanout *f, struct fo_src *d, const struct fo_src *s,
    const uint32_t *cmap)
{
	struct fo_src_count *c;
	uint32_t k, clock;
	bool oom = false;
	int rc;

	for (k = 0; k < s->nclocks; k++) {
		/* Past FO_CLOCKS, as fanout_add: not counted. */
		if ((c = src_clock(f, d, cmap[SRC_CLOCKS(s)[k].clock], &oom)) ==
		    NULL) {
			if (oom)
				return (WCS_FATAL);
			continue;
		}
		c->attempts += SRC_CLOCKS(s)[k].attempts;
		c->denied += SRC_CLOCKS(s)[k].denied;
	}
	if (d->first == WCS_TIME_NONE || s->first < d->first)
		d->first = s->first;
	if (d->last == WCS_TIME_NONE || s->last > d->last)
		d->last = s->last;
	d->sysmon_system += s->sysmon_system;
	d->sysmon_other += s->sysmon_other;
	if (s->pub_first != WCS_TIME_NONE) {
		clock = cmap[s->pub_clock];
		if (d->pub_first == WCS_TIME_NONE ||
		    s->pub_first < d->pub_first ||
		    (s->pub_first == d->pub_first &&
			clock_before(f, clock, d->pub_clock))) {
			d->pub_first = s->pub_first;
			d->pub_clock = clock;
		}
	}
	/*
	 * The addresses s kept go through pub_note (and d's sketch); those
	 * it dropped are in its sketch, which d's takes by register.
	 */
	if ((rc = pub_merge(f, d, s)) != WCS_OK)
		return (rc);
	if (s->pub_overflow) {
		d->pub_overflow = true;
		if (d->hll == NULL && hll_start(f, d) != WCS_OK)
			return (WCS_FATAL);
		for (k = 0; k < HLL_M; k++) {
			if (s->hll[k] > d->hll[k])
				d->hll[k] = s->hll[k];
		}
	}
	return (WCS_OK);
}

static int
merge_pair(struct fanout *f, struct fo_pair *d, const struct fo_pair *s,
    const uint32_t *cmap, const uint32_t *imap)
{
	uint32_t k;
	int rc;

	if (first_before(s->first, imap[s->first_input], s->first_line,
		cmap[s->first_clock], d)) {
		d->first = s->first;
		d->first_input = imap[s->first_input];
		d->first_line = s->first_line;
		d->first_clock = cmap[s->first_clock];
	}
	if (d->last == WCS_TIME_NONE || s->last > d->last)
		d->last = s->last;
	d->denied |= s->denied;
	for (k = 0; k < s->nseen; k++) {
		if ((rc = sighting_note(f, d, cmap[PAIR_SEEN(s)[k].clock],
			 imap[PAIR_SEEN(s)[k].input], PAIR_SEEN(s)[k].first,
			 PAIR_SEEN(s)[k].count)) != WCS_OK)
			return (rc);
	}
	return (merge_episodes(f, d, PAIR_EPS(s), s->nep));
}

/* Attempts a source made, as fanout_finish counts them. */
static uint64_t
src_attempts(const struct fo_src *s)
{
	uint64_t n = 0;
	unsigned k;

	for (k = 0; k < s->nclocks; k++) {
		if (SRC_CLOCKS(s)[k].attempts > n)
			n = SRC_CLOCKS(s)[k].attempts;
	}
	return (n);
}

int
fanout_merge(struct fanout *dst, const struct fanout *src,
    const uint32_t *clock_map, size_t nclock_map, const uint32_t *input_map,
    size_t ninput_map)
{
	const struct fo_src *s;
	const struct fo_pair *p;
	struct fo_src *d;
	struct fo_pair *dp;
	uint32_t i, a, b;
	bool oom = false;
	int rc;

	if (dst->finished || dst == src) {
		wcs_set_error(dst->ctx, EINVAL, "%s",
		    dst == src ? "fan-out state merged into itself" :
				 "fan-out state already concluded");
		return (WCS_FAILED);
	}
	if (!maps_cover(src, nclock_map, ninput_map)) {
		wcs_set_error(dst->ctx, EINVAL,
		    "fan-out state names a clock or input it does not list");
		return (WCS_FAILED);
	}
	dst->untracked += src->untracked;
	for (i = 0; i < src->nsrcs; i++) {
		s = &src->srcs[i];
		if ((a = addr_index(dst, &src->addrs[s->addr], &oom)) == NONE ||
		    (d = source_for(dst, a, &oom)) == NULL) {
			if (oom)
				return (WCS_FATAL);
			dst->untracked += src_attempts(s);
			continue;
		}
		if ((rc = merge_source(dst, d, s, clock_map)) != WCS_OK)
			return (rc);
	}
	for (i = 0; i < src->npairs; i++) {
		p = &src->pairs[i];
		if ((a = addr_index(dst, &src->addrs[p->src], &oom)) == NONE ||
		    dst->src_of[a] == NONE ||
		    (b = addr_index(dst, &src->addrs[p->dst], &oom)) == NONE ||
		    (dp = pair_for(dst, a, b, &oom)) == NULL) {
			if (oom)
				return (WCS_FATAL);
			dst->untracked += p->count;
			continue;
		}
		if ((rc = merge_pair(dst, dp, p, clock_map, input_map)) !=
		    WCS_OK)
			return (rc);
	}
	return (WCS_OK);
}

int
fanout_renumber_clocks(struct fanout *f, const uint32_t *map, size_t n)
{
	struct fo_src *s;
	struct fo_pair *p;
	uint32_t i, k;

	if (f->finished) {
		wcs_set_error(
		    f->ctx, EINVAL, "fan-out state already concluded");
		return (WCS_FAILED);
	}
	/* Check first, so that a refusal leaves f as it was. */
	for (i = 0; i < f->nsrcs; i++) {
		s = &f->srcs[i];
		for (k = 0; k < s->nclocks; k++) {
			if (SRC_CLOCKS(s)[k].clock >= n)
				goto bad;
		}
		if (s->pub_first != WCS_TIME_NONE && s->pub_clock >= n)
			goto bad;
	}
	for (i = 0; i < f->npairs; i++) {
		p = &f->pairs[i];
		for (k = 0; k < p->nseen; k++) {
			if (PAIR_SEEN(p)[k].clock >= n)
				goto bad;
		}
		if (p->first_clock >= n)
			goto bad;
	}
	for (i = 0; i < f->nsrcs; i++) {
		s = &f->srcs[i];
		for (k = 0; k < s->nclocks; k++)
			SRC_CLOCKS(s)[k].clock = map[SRC_CLOCKS(s)[k].clock];
		if (s->pub_first != WCS_TIME_NONE)
			s->pub_clock = map[s->pub_clock];
	}
	for (i = 0; i < f->npairs; i++) {
		p = &f->pairs[i];
		for (k = 0; k < p->nseen; k++)
			PAIR_SEEN(p)[k].clock = map[PAIR_SEEN(p)[k].clock];
		p->first_clock = map[p->first_clock];
	}
	return (WCS_OK);
bad:
	wcs_set_error(
	    f->ctx, EINVAL, "fan-out state names a clock the map lacks");
	return (WCS_FAILED);
}

/* Sort keys for fanout_canonical: an element's index and its key. */
struct canon_key {
	uint64_t hi, lo;
	uint32_t idx;
};

static int
canon_key_cmp(const void *x, const void *y)
{
	const struct canon_key *a = x, *b = y;

	if (a->hi != b->hi)
		return (a->hi < b->hi ? -1 : 1);
	if (a->lo != b->lo)
		return (a->lo < b->lo ? -1 : 1);
	return (0);
}

/* Move element i to to[i] for every i, in place (to is consumed). */
#define PERMUTE(a, to, n)                                        \
	do {                                                     \
		uint32_t i_, j_, t_;                             \
		for (i_ = 0; i_ < (n); i_++) {                   \
			while ((to)[i_] != i_) {                 \
				j_ = (to)[i_];                   \
				__typeof__((a)[0]) x_ = (a)[i_]; \
				(a)[i_] = (a)[j_];               \
				(a)[j_] = x_;                    \
				t_ = (to)[j_];                   \
				(to)[j_] = j_;                   \
				(to)[i_] = t_;                   \
			}                                        \
		}                                                \
	} while (0)

static uint64_t
addr_hi(const struct wcs_addr *a)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < 7; i++)
		v = v << 8 | a->bytes[i];
	return ((uint64_t)a->family << 56 | v);
}

static uint64_t
addr_lo(const struct wcs_addr *a)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 7; i < 15; i++)
		v = v << 8 | a->bytes[i];
	return (v << 8 | a->bytes[15]);
}

/*
 * The order keys of n elements, sorted; NULL when out of memory.  *moved:
 * whether any element is out of place.  A state is saved in this order
 * (wcs_engine_save_state), so a sweep's elements are mostly a sorted run
 * followed by what it read since: only those are sorted, then merged in.
 */
static struct canon_key *
canon_sorted(struct fanout *f, const struct fanout *ro, uint32_t n, int what,
    bool *moved)
{
	struct canon_key *k, *m;
	uint32_t i, run, a, b;

	*moved = false;
	if ((k = wcs_reallocarray(f->ctx, NULL, n + 1, sizeof(*k))) == NULL)
		return (NULL);
	for (i = 0; i < n; i++) {
		if (what == 0) {
			k[i].hi = addr_hi(&ro->addrs[i]);
			k[i].lo = addr_lo(&ro->addrs[i]);
		} else if (what == 1) {
			k[i].hi = ro->srcs[i].addr;
			k[i].lo = 0;
		} else {
			k[i].hi = ro->pairs[i].src;
			k[i].lo = ro->pairs[i].dst;
		}
		k[i].idx = i;
	}
	for (run = n > 0 ? 1 : 0;
	     run < n && canon_key_cmp(&k[run - 1], &k[run]) < 0; run++)
		;
	if (run == n)
		return (k);
	*moved = true;
	qsort(k + run, n - run, sizeof(*k), canon_key_cmp);
	if (run == 0 || canon_key_cmp(&k[run - 1], &k[run]) < 0)
		return (k);
	if ((m = wcs_reallocarray(f->ctx, NULL, n + 1, sizeof(*m))) == NULL) {
		wcs_free(f->ctx, k);
		return (NULL);
	}
	for (i = 0, a = 0, b = run; i < n; i++) {
		if (b == n || (a < run && canon_key_cmp(&k[a], &k[b]) < 0))
			m[i] = k[a++];
		else
			m[i] = k[b++];
	}
	wcs_free(f->ctx, k);
	return (m);
}

int
fanout_canonical(struct fanout *f)
{
	struct canon_key *k = NULL;
	uint32_t *to = NULL, *newaddr = NULL, i, n;
	bool addrs_moved, srcs_moved, pairs_moved;

	if (f->finished)
		return (WCS_OK);
	n = f->naddrs > f->npairs ? f->naddrs : f->npairs;
	if (f->nsrcs > n)
		n = f->nsrcs;
	if ((to = wcs_reallocarray(f->ctx, NULL, n + 1, sizeof(*to))) == NULL ||
	    (newaddr = wcs_reallocarray(
		 f->ctx, NULL, f->naddrs + 1, sizeof(*newaddr))) == NULL)
		goto oom;
	/* Addresses in byte order. */
	if ((k = canon_sorted(f, f, f->naddrs, 0, &addrs_moved)) == NULL)
		goto oom;
	if (addrs_moved) {
		for (i = 0; i < f->naddrs; i++)
			newaddr[k[i].idx] = i;
		for (i = 0; i < f->naddrs; i++)
			to[i] = newaddr[i];
		PERMUTE(f->addrs, to, f->naddrs);
		for (i = 0; i < f->nsrcs; i++)
			f->srcs[i].addr = newaddr[f->srcs[i].addr];
		for (i = 0; i < f->npairs; i++) {
			f->pairs[i].src = newaddr[f->pairs[i].src];
			f->pairs[i].dst = newaddr[f->pairs[i].dst];
		}
	}
	wcs_free(f->ctx, k);
	/* Sources in their addresses' order. */
	if ((k = canon_sorted(f, f, f->nsrcs, 1, &srcs_moved)) == NULL)
		goto oom;
	if (srcs_moved) {
		for (i = 0; i < f->nsrcs; i++)
			to[k[i].idx] = i;
		PERMUTE(f->srcs, to, f->nsrcs);
	}
	wcs_free(f->ctx, k);
	if (addrs_moved || srcs_moved) {
		for (i = 0; i < f->naddrs; i++)
			f->src_of[i] = NONE;
		for (i = 0; i < f->nsrcs; i++)
			f->src_of[f->srcs[i].addr] = i;
	}
	/* Pairs by source, then destination. */
	if ((k = canon_sorted(f, f, f->npairs, 2, &pairs_moved)) == NULL)
		goto oom;
	if (pairs_moved) {
		for (i = 0; i < f->npairs; i++)
			to[k[i].idx] = i;
		PERMUTE(f->pairs, to, f->npairs);
	}
	wcs_free(f->ctx, k);
	wcs_free(f->ctx, to);
	wcs_free(f->ctx, newaddr);
	/* The slots again, at their sizes, for what moved. */
	if (addrs_moved && f->addr_slotcap != 0) {
		f->addr_slotcap /= 2;
		if (!grow_slots(f->ctx, &f->addr_slots, &f->addr_slotcap,
			f->naddrs, addr_key_at, f)) {
			wcs_set_error(f->ctx, ENOMEM, "out of memory");
			return (WCS_FATAL);
		}
	}
	if ((addrs_moved || pairs_moved) && f->pair_slotcap != 0 &&
	    !reslot_pairs(f, f->pair_slotcap)) {
		wcs_set_error(f->ctx, ENOMEM, "out of memory");
		return (WCS_FATAL);
	}
	return (WCS_OK);
oom:
	wcs_free(f->ctx, to);
	wcs_free(f->ctx, newaddr);
	wcs_set_error(f->ctx, ENOMEM, "out of memory");
	return (WCS_FATAL);
}
