/*
 * 445/tcp fan-out tracking.  See fanout.h.
 *
 * Three tables: addresses (interned to 32-bit indices), sources (internal
 * addresses that made 445 attempts), and internal pairs.  All are open
 * addressing over arrays that double; caps keep a hostile log (millions of
 * forged sources) from taking the machine: what is beyond them is counted
 * as untracked and reported.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/timeutil.h"
#include "fanout.h"

#define MAX_ADDRS (1u << 22)
#define MAX_SOURCES (1u << 18)
#define MAX_PAIRS (1u << 22)
#define PUBLIC_EXACT_MAX 1024 /* then the sketch alone */
#define HLL_P 12
#define HLL_M (1u << HLL_P)
#define NONE UINT32_MAX

struct pub_entry {
	uint64_t key; /* 0 = empty */
	int64_t first;
};

/* Attempts per machine that logged them: two sensors, one attempt. */
struct fo_src_count {
	uint32_t clock;
	uint64_t attempts, denied;
};

struct fo_src {
	uint32_t addr;
	struct fo_src_count by_clock[FO_CLOCKS];
	uint8_t nclocks;
	int64_t first, last;
	struct pub_entry *pub; /* exact public set, PUBLIC_EXACT_MAX slots x2 */
	uint32_t npub;
	bool pub_overflow;
	uint8_t *hll;
	uint32_t sysmon_system, sysmon_other;
	int64_t pub_first;
	uint32_t pub_clock;
};

struct fanout {
	struct wcs_ctx *ctx;
	const struct wcs_cidr *internal;
	size_t ninternal;
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
	uint32_t *pair_slots;
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
		wcs_free(f->ctx, f->srcs[i].pub);
		wcs_free(f->ctx, f->srcs[i].hll);
	}
	for (i = 0; i < f->npairs; i++)
		wcs_free(f->ctx, f->pairs[i].ep);
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
			if (wcs_addr_equal(&f->addrs[f->addr_slots[j]], a))
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

static int
add_public(
    struct fanout *f, struct fo_src *s, const struct wcs_addr *dst, int64_t t)
{
	uint64_t k = addr_key(dst);
	uint32_t j, cap = PUBLIC_EXACT_MAX * 2;

	if (s->hll == NULL && (s->hll = wcs_calloc(f->ctx, HLL_M, 1)) == NULL)
		return (WCS_FATAL);
	hll_add(s->hll, k);
	if (s->pub_overflow)
		return (WCS_OK);
	if (s->pub == NULL &&
	    (s->pub = wcs_calloc(f->ctx, cap, sizeof(*s->pub))) == NULL)
		return (WCS_FATAL);
	j = (uint32_t)k & (cap - 1);
	while (s->pub[j].key != 0) {
		if (s->pub[j].key == k) {
			if (t != WCS_TIME_NONE &&
			    (s->pub[j].first == WCS_TIME_NONE ||
				t < s->pub[j].first))
				s->pub[j].first = t;
			return (WCS_OK);
		}
		j = (j + 1) & (cap - 1);
	}
	if (s->npub == PUBLIC_EXACT_MAX) {
		s->pub_overflow = true;
		return (WCS_OK);
	}
	s->pub[j].key = k;
	s->pub[j].first = t;
	s->npub++;
	return (WCS_OK);
}

/* Add t to the pair's episodes, merging neighbours within the gap. */
static int
add_episode(struct fanout *f, struct fo_pair *p, int64_t t)
{
	struct fo_episode *ep;
	unsigned i, best;
	int64_t gap, bestgap;

	for (i = 0; i < p->nep; i++) {
		if (t >= p->ep[i].start - FO_EPISODE_GAP_US &&
		    t <= p->ep[i].end + FO_EPISODE_GAP_US) {
			if (t < p->ep[i].start)
				p->ep[i].start = t;
			if (t > p->ep[i].end)
				p->ep[i].end = t;
			/* It may now touch the next one. */
			if (i + 1 < p->nep &&
			    p->ep[i + 1].start - p->ep[i].end <=
				FO_EPISODE_GAP_US) {
				if (p->ep[i + 1].end > p->ep[i].end)
					p->ep[i].end = p->ep[i + 1].end;
				memmove(&p->ep[i + 1], &p->ep[i + 2],
				    (p->nep - i - 2) * sizeof(*p->ep));
				p->nep--;
			}
			if (i > 0 && p->ep[i].start - p->ep[i - 1].end <=
					 FO_EPISODE_GAP_US) {
				if (p->ep[i].end > p->ep[i - 1].end)
					p->ep[i - 1].end = p->ep[i].end;
				memmove(&p->ep[i], &p->ep[i + 1],
				    (p->nep - i - 1) * sizeof(*p->ep));
				p->nep--;
			}
			return (WCS_OK);
		}
	}
	if (p->nep == p->epcap) {
		if (p->epcap < FO_EPISODES_MAX) {
			p->epcap = p->epcap == 0 ? 2 : (uint8_t)(p->epcap * 2);
			ep = wcs_reallocarray(
			    f->ctx, p->ep, p->epcap, sizeof(*ep));
			if (ep == NULL)
				return (WCS_FATAL);
			p->ep = ep;
		} else {
			/* Full: merge the two closest neighbours. */
			best = 0;
			bestgap = INT64_MAX;
			for (i = 0; i + 1 < p->nep; i++) {
				gap = p->ep[i + 1].start - p->ep[i].end;
				if (gap < bestgap) {
					bestgap = gap;
					best = i;
				}
			}
			p->ep[best].end = p->ep[best + 1].end;
			memmove(&p->ep[best + 1], &p->ep[best + 2],
			    (p->nep - best - 2) * sizeof(*p->ep));
			p->nep--;
		}
	}
	for (i = 0; i < p->nep && p->ep[i].start < t; i++)
		;
	memmove(&p->ep[i + 1], &p->ep[i], (p->nep - i) * sizeof(*p->ep));
	p->ep[i].start = p->ep[i].end = t;
	p->nep++;
	return (WCS_OK);
}

static struct fo_pair *
pair_for(struct fanout *f, uint32_t src, uint32_t dst, bool *oom)
{
	uint64_t k = pair_key(src, dst);
	struct fo_pair *np;
	uint32_t j;

	if (f->pair_slotcap != 0) {
		j = (uint32_t)k & (f->pair_slotcap - 1);
		while (f->pair_slots[j] != NONE) {
			np = &f->pairs[f->pair_slots[j]];
			if (np->src == src && np->dst == dst)
				return (np);
			j = (j + 1) & (f->pair_slotcap - 1);
		}
	}
	if (f->npairs == MAX_PAIRS)
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
	    !grow_slots(f->ctx, &f->pair_slots, &f->pair_slotcap, f->npairs,
		pair_key_at, f)) {
		*oom = true;
		return (NULL);
	}
	np = &f->pairs[f->npairs];
	memset(np, 0, sizeof(*np));
	np->src = src;
	np->dst = dst;
	np->first = np->last = WCS_TIME_NONE;
	j = (uint32_t)k & (f->pair_slotcap - 1);
	while (f->pair_slots[j] != NONE)
		j = (j + 1) & (f->pair_slotcap - 1);
	f->pair_slots[j] = f->npairs++;
	return (np);
}

static void
pair_note_sighting(
    struct fo_pair *p, const struct wcs_event *ev, uint32_t clock)
{
	struct fo_sighting *s = NULL;
	unsigned i;

	for (i = 0; i < p->nseen; i++) {
		if (p->seen[i].clock == clock)
			s = &p->seen[i];
	}
	if (s == NULL) {
		if (p->nseen == FO_CLOCKS)
			return;
		s = &p->seen[p->nseen++];
		s->clock = clock;
		s->input = ev->input;
		s->first = ev->ts_us;
	}
	if (ev->ts_us < s->first)
		s->first = ev->ts_us;
	if (++s->count > p->count)
		p->count = s->count;
}

static void
src_count(struct fo_src *s, const struct wcs_event *ev, uint32_t clock)
{
	struct fo_src_count *c = NULL;
	unsigned i;

	for (i = 0; i < s->nclocks; i++) {
		if (s->by_clock[i].clock == clock)
			c = &s->by_clock[i];
	}
	if (c == NULL) {
		if (s->nclocks == FO_CLOCKS)
			return;
		c = &s->by_clock[s->nclocks++];
		c->clock = clock;
	}
	c->attempts++;
	if (ev->action == WCS_ACT_DENY)
		c->denied++;
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
	if ((si = addr_index(f, &ev->src, &oom)) == NONE ||
	    (s = source_for(f, si, &oom)) == NULL)
		goto out_untracked;
	src_count(s, ev, clock);
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
		if (s->pub_first == WCS_TIME_NONE || t < s->pub_first) {
			s->pub_first = t;
			s->pub_clock = clock;
		}
		return (add_public(f, s, &ev->dst, t));
	}
	/* The source's index may move when the table grows: look again. */
	if ((di = addr_index(f, &ev->dst, &oom)) == NONE ||
	    (p = pair_for(f, si, di, &oom)) == NULL)
		goto out_untracked;
	if (p->first == WCS_TIME_NONE || t < p->first) {
		p->first = t;
		p->first_input = ev->input;
		p->first_clock = clock;
		p->first_line = ev->line;
	}
	if (p->last == WCS_TIME_NONE || t > p->last)
		p->last = t;
	if (ev->action == WCS_ACT_DENY)
		p->denied = 1;
	pair_note_sighting(p, ev, clock);
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

static int
cmp_pair_src(const void *a, const void *b)
{
	const struct fo_pair *x = *(const struct fo_pair *const *)a;
	const struct fo_pair *y = *(const struct fo_pair *const *)b;

	if (x->src != y->src)
		return (x->src < y->src ? -1 : 1);
	return (x->dst < y->dst ? -1 : x->dst > y->dst);
}

/* Index pairs by one end: sorted pointers and per-address offsets. */
static bool
index_pairs(struct fanout *f, const struct fo_pair ***out, uint32_t **off,
    int (*cmp)(const void *, const void *), bool by_src)
{
	uint32_t i, j, key;

	if (f->npairs > 0) {
		*out = wcs_reallocarray(f->ctx, NULL, f->npairs, sizeof(**out));
		if (*out == NULL)
			return (false);
		for (i = 0; i < f->npairs; i++)
			(*out)[i] = &f->pairs[i];
		qsort(*out, f->npairs, sizeof(**out), cmp);
	}
	if ((*off = wcs_calloc(f->ctx, (size_t)f->naddrs + 1, sizeof(**off))) ==
	    NULL)
		return (false);
	for (i = 0, j = 0; j <= f->naddrs; j++) {
		for (; i < f->npairs; i++) {
			key = by_src ? (*out)[i]->src : (*out)[i]->dst;
			if (key >= j)
				break;
		}
		(*off)[j] = i;
	}
	return (true);
}

static int
cmp_pair_dst(const void *a, const void *b)
{
	const struct fo_pair *x = *(const struct fo_pair *const *)a;
	const struct fo_pair *y = *(const struct fo_pair *const *)b;

	if (x->dst != y->dst)
		return (x->dst < y->dst ? -1 : 1);
	return (x->src < y->src ? -1 : x->src > y->src);
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
	struct fo_src *s;
	struct fo_pair *p;

	if (f->finished)
		return (WCS_OK);
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
		sum->addr = f->addrs[s->addr];
		for (k = 0; k < s->nclocks; k++) {
			if (s->by_clock[k].attempts > sum->sum.attempts) {
				sum->sum.attempts = s->by_clock[k].attempts;
				sum->sum.denied = s->by_clock[k].denied;
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
				gaps[ngaps++] = (double)(p->ep[k].start -
							 p->ep[k - 1].start) /
						1e6;
			}
		}
		if (s->pub != NULL) {
			for (k = 0; k < PUBLIC_EXACT_MAX * 2; k++) {
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
	if (!index_pairs(f, &f->by_dst, &f->dst_off, cmp_pair_dst, false) ||
	    !index_pairs(f, &f->by_src, &f->src_off, cmp_pair_src, true))
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
		if (wcs_addr_equal(&f->addrs[f->addr_slots[j]], a))
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
