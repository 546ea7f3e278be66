/*
 * Clocks: one per machine, offsets solved jointly (see clocks.h).
 *
 * Each sample is one equation off_a - off_b = d.  Host logs share few
 * contacts with any one other log (a victim's firewall sees each sweeper
 * once), so rather than per-pair medians the offsets are solved together:
 * a breadth-first walk out of the reference places each clock at the
 * median of what its placed neighbours say, then a few rounds over all
 * neighbours smooth out the walk's order.  Each group's reference is a
 * sensor's clock where it has one (a firewall or DNS server, kept on
 * time), else its best-connected clock.  Medians keep the odd mismatched
 * observation (one log missed the first attempt) from pulling the
 * estimate.  A clock's uncertainty is the spread of its own equations
 * around the estimate (1.4826 MAD / sqrt n), at least half a second (the
 * precision of most logs), plus its reference path's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/pool.h"
#include "wcscan/timeutil.h"
#include "clocks.h"

/* A larger "offset" is not a clock: different moments were matched (one
 * log missed the first attempts the other saw). */
#define SKEW_MAX_US (15 * 60 * WCS_USEC)
#define PRECISION_US (WCS_USEC / 2)
#define SMOOTH_ROUNDS 20

struct clock {
	const char *machine; /* NULL: a log's, by input */
	uint64_t key; /* clock_key's */
	uint32_t input;
	bool host_log; /* a host's own log, not a server's */
	bool known;
	int64_t offset, uncertainty;
	uint32_t ref;
	size_t samples;
};

struct clock_table {
	struct wcs_ctx *ctx;
	struct wcs_pool *pool;
	struct clock *c;
	size_t n, cap;
	uint32_t *by_input; /* input -> id, CLOCK_NONE */
	size_t ninputs;
	uint32_t *slots; /* open addressing over machine names */
	size_t nslots;
	int64_t unknown_us;
	uint32_t main; /* the largest group's reference; CLOCK_NONE */
};

struct clock_table *
clock_table_new(struct wcs_ctx *ctx)
{
	struct clock_table *ct;

	if ((ct = wcs_calloc(ctx, 1, sizeof(*ct))) == NULL)
		return (NULL);
	ct->ctx = ctx;
	if ((ct->pool = wcs_pool_new(ctx, 64 * 1024)) == NULL) {
		clock_table_free(ct);
		return (NULL);
	}
	return (ct);
}

void
clock_table_free(struct clock_table *ct)
{
	if (ct == NULL)
		return;
	wcs_free(ct->ctx, ct->c);
	wcs_free(ct->ctx, ct->by_input);
	wcs_free(ct->ctx, ct->slots);
	wcs_pool_free(ct->pool);
	wcs_free(ct->ctx, ct);
}

static uint32_t
add_clock(struct clock_table *ct, const char *machine, uint32_t input)
{
	struct clock *nc;
	size_t cap;

	if (ct->n == ct->cap) {
		cap = ct->cap == 0 ? 64 : ct->cap * 2;
		if ((nc = wcs_reallocarray(ct->ctx, ct->c, cap, sizeof(*nc))) ==
		    NULL)
			return (CLOCK_NONE);
		ct->c = nc;
		ct->cap = cap;
	}
	memset(&ct->c[ct->n], 0, sizeof(ct->c[0]));
	ct->c[ct->n].machine = machine;
	ct->c[ct->n].input = input;
	ct->c[ct->n].key =
	    machine == NULL ?
		input :
		(uint64_t)1 << 63 |
		    wcs_fnv1a(machine, strlen(machine), true) >> 1;
	ct->c[ct->n].ref = (uint32_t)ct->n;
	return ((uint32_t)ct->n++);
}

void
clock_input_is_host_log(struct clock_table *ct, uint32_t input)
{
	uint32_t id = clock_of_input(ct, input);

	if (id != CLOCK_NONE)
		ct->c[id].host_log = true;
}

uint32_t
clock_of_input(struct clock_table *ct, uint32_t input)
{
	uint32_t *nb, id;
	size_t n;

	if (input >= ct->ninputs) {
		n = (size_t)input + 16;
		if ((nb = wcs_reallocarray(
			 ct->ctx, ct->by_input, n, sizeof(*nb))) == NULL)
			return (CLOCK_NONE);
		memset(nb + ct->ninputs, 0xff, (n - ct->ninputs) * sizeof(*nb));
		ct->by_input = nb;
		ct->ninputs = n;
	}
	if (ct->by_input[input] == CLOCK_NONE) {
		if ((id = add_clock(ct, NULL, input)) == CLOCK_NONE)
			return (CLOCK_NONE);
		ct->by_input[input] = id;
	}
	return (ct->by_input[input]);
}

static bool
name_equal(const char *stored, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char a = stored[i], b = s[i];

		if (a >= 'A' && a <= 'Z')
			a += 32;
		if (b >= 'A' && b <= 'Z')
			b += 32;
		if (a != b)
			return (false);
	}
	return (stored[len] == '\0');
}

static bool
grow_slots(struct clock_table *ct)
{
	uint32_t *ns;
	size_t n = ct->nslots == 0 ? 256 : ct->nslots * 2, i, j;
	const char *m;

	if ((ns = wcs_reallocarray(ct->ctx, NULL, n, sizeof(*ns))) == NULL)
		return (false);
	memset(ns, 0xff, n * sizeof(*ns));
	for (i = 0; i < ct->n; i++) {
		if ((m = ct->c[i].machine) == NULL)
			continue;
		j = wcs_fnv1a(m, strlen(m), true) & (n - 1);
		while (ns[j] != CLOCK_NONE)
			j = (j + 1) & (n - 1);
		ns[j] = (uint32_t)i;
	}
	wcs_free(ct->ctx, ct->slots);
	ct->slots = ns;
	ct->nslots = n;
	return (true);
}

uint32_t
clock_of_machine(struct clock_table *ct, const char *name)
{
	size_t len = strcspn(name, "."), j;
	const char *m;
	char *copy;
	uint32_t id;

	if ((ct->n + 1) * 2 > ct->nslots && !grow_slots(ct))
		return (CLOCK_NONE);
	j = wcs_fnv1a(name, len, true) & (ct->nslots - 1);
	while ((id = ct->slots[j]) != CLOCK_NONE) {
		if ((m = ct->c[id].machine) != NULL &&
		    name_equal(m, name, len)) {
			/* The spelling kept is the least in byte order, not
			 * the first read, so that it does not depend on
			 * the order logs are read in. */
			if (strncmp(name, m, len) < 0) {
				if ((copy = wcs_pool_strndup(
					 ct->pool, name, len)) == NULL)
					return (CLOCK_NONE);
				ct->c[id].machine = copy;
			}
			return (id);
		}
		j = (j + 1) & (ct->nslots - 1);
	}
	/* Hostile logs may name millions of computers: past the cap they
	 * share the last clock, which then stays unknown. */
	if (ct->n >= CLOCK_MAX)
		return ((uint32_t)ct->n - 1);
	if ((copy = wcs_pool_strndup(ct->pool, name, len)) == NULL ||
	    (id = add_clock(ct, copy, CLOCK_NONE)) == CLOCK_NONE)
		return (CLOCK_NONE);
	ct->slots[j] = id;
	return (id);
}

/* Sensors by input number, then machines by name, case folded. */
static int
canonical_cmp(const struct clock *x, const struct clock *y)
{
	const unsigned char *a, *b;
	unsigned char ca, cb;

	if ((x->machine == NULL) != (y->machine == NULL))
		return (x->machine == NULL ? -1 : 1);
	if (x->machine == NULL)
		return (x->input < y->input ? -1 : x->input > y->input);
	a = (const unsigned char *)x->machine;
	b = (const unsigned char *)y->machine;
	for (;; a++, b++) {
		ca = *a >= 'A' && *a <= 'Z' ? *a + 32 : *a;
		cb = *b >= 'A' && *b <= 'Z' ? *b + 32 : *b;
		if (ca != cb || ca == '\0')
			return (ca < cb ? -1 : ca > cb);
	}
}

struct canonical_sort {
	const struct clock *c;
	uint32_t id;
};

static int
canonical_sort_cmp(const void *x, const void *y)
{
	const struct canonical_sort *a = x, *b = y;

	return (canonical_cmp(a->c, b->c));
}

int
clock_table_canonical_map(struct clock_table *ct, uint32_t **map)
{
	struct canonical_sort *v;
	uint32_t i;

	*map = NULL;
	if (ct->n == 0)
		return (WCS_OK);
	if ((v = wcs_reallocarray(ct->ctx, NULL, ct->n, sizeof(*v))) == NULL)
		return (WCS_FATAL);
	if ((*map = wcs_reallocarray(ct->ctx, NULL, ct->n, sizeof(**map))) ==
	    NULL) {
		wcs_free(ct->ctx, v);
		return (WCS_FATAL);
	}
	for (i = 0; i < ct->n; i++)
		v[i] = (struct canonical_sort){ .c = &ct->c[i], .id = i };
	qsort(v, ct->n, sizeof(*v), canonical_sort_cmp);
	for (i = 0; i < ct->n; i++)
		(*map)[v[i].id] = i;
	wcs_free(ct->ctx, v);
	return (WCS_OK);
}

int
clock_table_renumber(struct clock_table *ct, const uint32_t *map)
{
	struct clock *nc;
	uint32_t i;

	if (ct->n == 0)
		return (WCS_OK);
	if ((nc = wcs_reallocarray(ct->ctx, NULL, ct->cap, sizeof(*nc))) ==
	    NULL)
		return (WCS_FATAL);
	for (i = 0; i < ct->n; i++) {
		nc[map[i]] = ct->c[i];
		nc[map[i]].ref =
		    ct->c[i].ref < ct->n ? map[ct->c[i].ref] : ct->c[i].ref;
	}
	wcs_free(ct->ctx, ct->c);
	ct->c = nc;
	for (i = 0; i < ct->ninputs; i++) {
		if (ct->by_input[i] != CLOCK_NONE)
			ct->by_input[i] = map[ct->by_input[i]];
	}
	if (ct->main != CLOCK_NONE && ct->main < ct->n)
		ct->main = map[ct->main];
	/* The name slots are rebuilt at the table's size: which slot a
	 * name takes then depends on the numbers only. */
	ct->nslots /= 2;
	return (ct->nslots == 0 || grow_slots(ct) ? WCS_OK : WCS_FATAL);
}

uint64_t
clock_key(const void *ct, uint32_t id)
{
	const struct clock_table *t = ct;

	return (id < t->n ? t->c[id].key : UINT64_MAX);
}

size_t
clock_count(const struct clock_table *ct)
{
	return (ct->n);
}

const char *
clock_machine(const struct clock_table *ct, uint32_t id, uint32_t *input)
{
	if (id >= ct->n) {
		*input = CLOCK_NONE;
		return (NULL);
	}
	*input = ct->c[id].input;
	return (ct->c[id].machine);
}

bool
clock_known(const struct clock_table *ct, uint32_t id)
{
	return (id < ct->n && ct->c[id].known);
}

int64_t
clock_offset(const struct clock_table *ct, uint32_t id)
{
	return (clock_known(ct, id) ? ct->c[id].offset : 0);
}

int64_t
clock_uncertainty(const struct clock_table *ct, uint32_t id)
{
	return (clock_known(ct, id) ? ct->c[id].uncertainty : ct->unknown_us);
}

uint32_t
clock_reference(const struct clock_table *ct, uint32_t id)
{
	return (id < ct->n ? ct->c[id].ref : CLOCK_NONE);
}

size_t
clock_samples(const struct clock_table *ct, uint32_t id)
{
	return (id < ct->n ? ct->c[id].samples : 0);
}

int64_t
clock_corrected(const struct clock_table *ct, uint32_t id, int64_t t)
{
	if (t == WCS_TIME_NONE || !clock_known(ct, id))
		return (t);
	return (t - ct->c[id].offset);
}

static int
cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a < b ? -1 : a > b);
}

/* Adjacency of the sample graph: for clock u, off_u ~ off_v + d. */
struct adj {
	uint32_t v;
	int64_t d;
};

struct solver {
	size_t n;
	size_t *start; /* adjacency of u: adj[start[u] .. start[u + 1]) */
	struct adj *adj;
	uint32_t *comp, *queue;
	struct by_degree *order;
	int64_t *off, *vals;
	bool *placed;
};

static bool
usable(const struct clock_sample *s)
{
	return (s->a != s->b && s->d <= SKEW_MAX_US && s->d >= -SKEW_MAX_US);
}

static size_t
degree(const struct solver *sv, uint32_t u)
{
	return (sv->start[u + 1] - sv->start[u]);
}

static bool
is_sensor(const struct clock_table *ct, uint32_t id)
{
	return (ct->c[id].machine == NULL && !ct->c[id].host_log);
}

struct by_degree {
	bool sensor; /* a firewall's or DNS server's: kept on time */
	size_t deg;
	uint32_t id;
};

/* Sensors first (servers keep time; workstations drift), then the best
 * connected. */
static int
cmp_degree_desc(const void *x, const void *y)
{
	const struct by_degree *a = x, *b = y;

	if (a->sensor != b->sensor)
		return (a->sensor ? -1 : 1);
	if (a->deg != b->deg)
		return (a->deg > b->deg ? -1 : 1);
	return (a->id < b->id ? -1 : a->id > b->id);
}

/* The median of what u's equations say, over placed neighbours (or all). */
static bool
median_of(struct solver *sv, uint32_t u, bool placed_only, int64_t *out)
{
	size_t k, nv = 0;

	for (k = sv->start[u]; k < sv->start[u + 1]; k++) {
		if (!placed_only || sv->placed[sv->adj[k].v])
			sv->vals[nv++] = sv->off[sv->adj[k].v] + sv->adj[k].d;
	}
	if (nv == 0)
		return (false);
	qsort(sv->vals, nv, sizeof(*sv->vals), cmp_i64);
	*out = sv->vals[nv / 2];
	return (true);
}

/* Connected groups, each with its best-connected clock first. */
static void
find_groups(struct solver *sv, const struct clock_table *ct)
{
	size_t i, qh, qt, k;
	uint32_t u, v, ref;

	for (i = 0; i < sv->n; i++) {
		sv->comp[i] = CLOCK_NONE;
		sv->order[i].id = (uint32_t)i;
		sv->order[i].deg = degree(sv, (uint32_t)i);
		sv->order[i].sensor = is_sensor(ct, (uint32_t)i);
	}
	qsort(sv->order, sv->n, sizeof(*sv->order), cmp_degree_desc);
	for (i = 0; i < sv->n; i++) {
		ref = sv->order[i].id;
		if (degree(sv, ref) == 0 || sv->comp[ref] != CLOCK_NONE)
			continue;
		qh = qt = 0;
		sv->queue[qt++] = ref;
		sv->comp[ref] = ref;
		while (qh < qt) {
			u = sv->queue[qh++];
			for (k = sv->start[u]; k < sv->start[u + 1]; k++) {
				v = sv->adj[k].v;
				if (sv->comp[v] == CLOCK_NONE) {
					sv->comp[v] = ref;
					sv->queue[qt++] = v;
				}
			}
		}
	}
}

static void
place(struct solver *sv)
{
	size_t qh, qt, k;
	uint32_t u, v, w;
	unsigned round;
	bool progress;
	int64_t m;

	for (u = 0; u < sv->n; u++) {
		if (sv->comp[u] != u)
			continue;
		qh = qt = 0;
		sv->queue[qt++] = u;
		sv->placed[u] = true;
		while (qh < qt) {
			v = sv->queue[qh++];
			for (k = sv->start[v]; k < sv->start[v + 1]; k++) {
				w = sv->adj[k].v;
				if (sv->placed[w])
					continue;
				if (median_of(sv, w, true, &m))
					sv->off[w] = m;
				sv->placed[w] = true;
				sv->queue[qt++] = w;
			}
		}
	}
	for (round = 0; round < SMOOTH_ROUNDS; round++) {
		progress = false;
		for (u = 0; u < sv->n; u++) {
			if (degree(sv, u) == 0 || sv->comp[u] == u ||
			    !median_of(sv, u, false, &m) || m == sv->off[u])
				continue;
			sv->off[u] = m;
			progress = true;
		}
		if (!progress)
			break;
	}
}

/* 1.4826 MAD / sqrt n of u's equations around its estimate. */
static int64_t
spread(struct solver *sv, uint32_t u)
{
	size_t k, nv = 0;
	int64_t r;

	for (k = sv->start[u]; k < sv->start[u + 1]; k++) {
		r = sv->off[u] - (sv->off[sv->adj[k].v] + sv->adj[k].d);
		sv->vals[nv++] = r < 0 ? -r : r;
	}
	if (nv == 0)
		return (0);
	qsort(sv->vals, nv, sizeof(*sv->vals), cmp_i64);
	return (
	    (int64_t)(1.4826 * (double)sv->vals[nv / 2] / sqrt((double)nv)));
}

int
clock_table_solve(struct clock_table *ct, const struct clock_sample *s,
    size_t ns, uint32_t fallback, int64_t unknown_us)
{
	struct solver sv;
	size_t i, *fill = NULL, *weight = NULL, maxdeg = 0;
	uint32_t u, main = CLOCK_NONE;
	bool any = false;
	int rc = WCS_FATAL;

	ct->unknown_us = unknown_us;
	ct->main = CLOCK_NONE;
	memset(&sv, 0, sizeof(sv));
	sv.n = ct->n;
	if (sv.n == 0)
		return (WCS_OK);
	if ((sv.start = wcs_calloc(ct->ctx, sv.n + 1, sizeof(size_t))) ==
		NULL ||
	    (fill = wcs_calloc(ct->ctx, sv.n + 1, sizeof(size_t))) == NULL ||
	    (weight = wcs_calloc(ct->ctx, sv.n + 1, sizeof(size_t))) == NULL ||
	    (sv.comp = wcs_calloc(ct->ctx, sv.n, sizeof(uint32_t))) == NULL ||
	    (sv.queue = wcs_calloc(ct->ctx, sv.n, sizeof(uint32_t))) == NULL ||
	    (sv.order = wcs_calloc(ct->ctx, sv.n, sizeof(*sv.order))) == NULL ||
	    (sv.off = wcs_calloc(ct->ctx, sv.n, sizeof(int64_t))) == NULL ||
	    (sv.placed = wcs_calloc(ct->ctx, sv.n, sizeof(bool))) == NULL ||
	    (sv.adj = wcs_calloc(ct->ctx, 2 * ns + 1, sizeof(*sv.adj))) == NULL)
		goto out;
	for (i = 0; i < ns; i++) {
		if (!usable(&s[i]) || s[i].a >= sv.n || s[i].b >= sv.n)
			continue;
		sv.start[s[i].a + 1]++;
		sv.start[s[i].b + 1]++;
	}
	for (u = 0; u < sv.n; u++) {
		if (sv.start[u + 1] > maxdeg)
			maxdeg = sv.start[u + 1];
		sv.start[u + 1] += sv.start[u];
	}
	for (i = 0; i < ns; i++) {
		if (!usable(&s[i]) || s[i].a >= sv.n || s[i].b >= sv.n)
			continue;
		sv.adj[sv.start[s[i].a] + fill[s[i].a]++] =
		    (struct adj){ s[i].b, s[i].d };
		sv.adj[sv.start[s[i].b] + fill[s[i].b]++] =
		    (struct adj){ s[i].a, -s[i].d };
	}
	if ((sv.vals = wcs_calloc(ct->ctx, maxdeg + 1, sizeof(int64_t))) ==
	    NULL)
		goto out;
	find_groups(&sv, ct);
	place(&sv);
	/*
	 * Only the largest group is on "the" reference clock: a group that
	 * shares nothing with it has a clock of its own, and comparing its
	 * times with the rest would be a guess.
	 */
	for (u = 0; u < sv.n; u++) {
		if (sv.comp[u] != CLOCK_NONE)
			weight[sv.comp[u]] += degree(&sv, u);
	}
	for (u = 0; u < sv.n; u++) {
		if (sv.comp[u] == u &&
		    (main == CLOCK_NONE || weight[u] > weight[main]))
			main = u;
	}
	for (u = 0; u < sv.n; u++) {
		bool in_main = main != CLOCK_NONE && sv.comp[u] == main;
		uint32_t r = sv.comp[u];

		/* Another group counts when its reference is a sensor (a
		 * lone sensor is its own group), presumed on time. */
		if (!in_main &&
		    (r == CLOCK_NONE ? !is_sensor(ct, u) : !is_sensor(ct, r)))
			continue;
		if (r == CLOCK_NONE)
			r = u;
		ct->c[u].known = true;
		ct->c[u].offset = sv.off[u];
		ct->c[u].ref = in_main ? main : r;
		ct->c[u].samples = degree(&sv, u);
		ct->c[u].uncertainty =
		    (u == r ? 0 : spread(&sv, u) + PRECISION_US) +
		    (in_main ? 0 : SENSOR_PRESUMED_US);
		any = true;
	}
	/* Without shared moments at all, the busiest sensor's clock is the
	 * one the others are compared with. */
	ct->main = main != CLOCK_NONE || fallback >= ct->n ? main :
		   ct->c[fallback].known ? ct->c[fallback].ref :
					   fallback;
	if (!any && fallback < ct->n) {
		ct->c[fallback].known = true;
		ct->c[fallback].offset = 0;
		ct->c[fallback].ref = fallback;
		ct->c[fallback].uncertainty = 0;
	}
	rc = WCS_OK;
out:
	wcs_free(ct->ctx, sv.start);
	wcs_free(ct->ctx, fill);
	wcs_free(ct->ctx, weight);
	wcs_free(ct->ctx, sv.comp);
	wcs_free(ct->ctx, sv.queue);
	wcs_free(ct->ctx, sv.order);
	wcs_free(ct->ctx, sv.off);
	wcs_free(ct->ctx, sv.placed);
	wcs_free(ct->ctx, sv.adj);
	wcs_free(ct->ctx, sv.vals);
	return (rc);
}

bool
clock_on_main(const struct clock_table *ct, uint32_t id)
{
	return (clock_known(ct, id) && ct->main != CLOCK_NONE &&
		ct->c[id].ref == ct->main);
}

void
clock_table_anchor(struct clock_table *ct, uint32_t id, int64_t delta,
    int64_t uncertainty, size_t observations)
{
	uint32_t group, u;

	if (!clock_known(ct, id) || clock_on_main(ct, id) ||
	    ct->main == CLOCK_NONE)
		return;
	group = ct->c[id].ref;
	for (u = 0; u < ct->n; u++) {
		if (!ct->c[u].known || ct->c[u].ref != group)
			continue;
		ct->c[u].offset += delta;
		ct->c[u].ref = ct->main;
		ct->c[u].uncertainty += uncertainty - SENSOR_PRESUMED_US;
		if (u == id)
			ct->c[u].samples += observations;
	}
}
