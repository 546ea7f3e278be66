/*
 * engine/fanout: saving, loading and merging the 445/tcp state.  The
 * property: random contacts from a seeded generator, split into 2 to 5
 * random shards each read by its own fanout (with its own clock and input
 * numbers), merged in a random order and shape (into one, or in pairs
 * first), some through a state file, give fanout_finish the summaries and
 * pairs one fanout fed everything gives.  The generator stays below the
 * cap that still depends on order (FO_EPISODES_MAX episodes) and goes
 * past the others (FO_CLOCKS machines, the exact public set).  Then a loaded state
 * is checked like any input: cut, lying or mismatched, it is refused.
 * Last, the same through whole engines: shard engines' states saved and
 * loaded into one engine, whose clocks and inputs are mapped by name and
 * path, with the Windows records each read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wcscan/engine_state.h"
#include "wcscan/rules.h"
#include "wcscan/statefile.h"
#include "wcscan/timeutil.h"
#include "engine/engine_private.h"
#include "engine/fanout.h"
#include "fail_alloc.h"

#define NCLOCKS 6 /* past FO_CLOCKS machines per source and pair */
#define NINPUTS 6
#define SHARDS_MAX 5
#define T0 1494581000000000LL /* 2017-05-12 09:23 UTC */
#define WINDOW_US (60 * 1000000LL)
#define THRESHOLD 5

struct rng {
	uint64_t s;
};

static uint64_t
rnd(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ull;
	return (wcs_mix64(r->s));
}

static uint32_t
below(struct rng *r, uint32_t n)
{
	return ((uint32_t)(rnd(r) % n));
}

static struct wcs_addr
v4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	struct wcs_addr x;

	memset(&x, 0, sizeof(x));
	x.family = 4;
	x.bytes[0] = (uint8_t)a;
	x.bytes[1] = (uint8_t)b;
	x.bytes[2] = (uint8_t)c;
	x.bytes[3] = (uint8_t)d;
	return (x);
}

struct contact {
	struct wcs_event ev;
	uint32_t clock; /* global numbers */
	unsigned shard;
};

/*
 * n contacts: 12 internal sources over two /24s, towards internal hosts
 * (some in a third /24), public addresses (one busy source probes 3,000
 * of them: past the exact set's cap, given enough contacts), and a
 * multicast address; times on a
 * 10-second grid so that ties happen, within 30 minutes so that no pair
 * has more than FO_EPISODES_MAX episodes; one in a hundred undated.
 */
static struct contact *
generate(struct rng *r, size_t n, unsigned nshards)
{
	static const char *const images[] = { "System", "C:\\mssecsvc.exe" };
	struct contact *c = calloc(n, sizeof(*c));
	uint64_t line[NINPUTS] = { 0 };
	struct wcs_event *ev;
	uint32_t kind, src;
	size_t i;

	assert_non_null(c);
	for (i = 0; i < n; i++) {
		ev = &c[i].ev;
		wcs_event_clear(ev);
		ev->kind = WCS_EV_CONN;
		ev->dport = 445;
		ev->proto = below(r, 4) == 0 ? 0 : 6;
		src = below(r, 10) < 3 ? 0 : below(r, 12);
		ev->src = v4(10, 0, src % 2, 10 + src);
		kind = below(r, 100);
		if (src == 0 && kind < 70)
			ev->dst = v4(81, 2, below(r, 12), below(r, 250) + 1);
		else if (kind < 50)
			ev->dst = v4(10, below(r, 3) == 2 ? 2 : 0, below(r, 2),
			    10 + below(r, 30));
		else if (kind < 95)
			ev->dst = v4(93, 184, below(r, 4), below(r, 60) + 1);
		else
			ev->dst = v4(224, 0, 0, 252);
		ev->ts_us = below(r, 100) == 0 ?
				WCS_TIME_NONE :
				T0 + (int64_t)below(r, 180) * 10000000LL;
		ev->action = below(r, 10) == 0 ? WCS_ACT_DENY : WCS_ACT_ALLOW;
		kind = below(r, 10);
		ev->image = kind < 3 ? images[0] : kind < 4 ? images[1] : NULL;
		ev->input = below(r, NINPUTS);
		ev->line = ++line[ev->input];
		c[i].clock = below(r, NCLOCKS);
		c[i].shard = below(r, nshards);
	}
	return (c);
}

static struct wcs_cidr internal[1];

static struct fanout *
new_fanout(struct wcs_ctx *ctx)
{
	struct fanout *f;

	assert_true(wcs_cidr_parse("10.0.0.0/8", &internal[0]));
	assert_non_null(f = fanout_new(ctx, internal, 1));
	return (f);
}

/*
 * A shard numbers the clocks and inputs it saw in the order of their
 * global numbers (as engines that number them the same way would), and
 * its maps give the global numbers back.
 */
struct shard {
	struct fanout *f;
	uint32_t cmap[NCLOCKS], imap[NINPUTS];
	uint32_t clocal[NCLOCKS], ilocal[NINPUTS];
	size_t nc, ni;
};

static void
shard_number(struct shard *s, const struct contact *c, size_t n, unsigned k)
{
	bool cu[NCLOCKS] = { false }, iu[NINPUTS] = { false };
	size_t i;
	uint32_t g;

	for (i = 0; i < n; i++) {
		if (c[i].shard == k) {
			cu[c[i].clock] = true;
			iu[c[i].ev.input] = true;
		}
	}
	s->nc = s->ni = 0;
	for (g = 0; g < NCLOCKS; g++) {
		if (cu[g]) {
			s->clocal[g] = (uint32_t)s->nc;
			s->cmap[s->nc++] = g;
		}
	}
	for (g = 0; g < NINPUTS; g++) {
		if (iu[g]) {
			s->ilocal[g] = (uint32_t)s->ni;
			s->imap[s->ni++] = g;
		}
	}
}

static const uint32_t identity[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	13, 14, 15 };

/* Save f, load it back: the loaded copy replaces it. */
static struct fanout *
through_file(struct wcs_ctx *ctx, struct fanout *f)
{
	struct wcs_state_writer *w;
	struct wcs_state_cursor cur;
	struct wcs_state *st;
	struct fanout *g;
	const void *data;
	uint32_t version;
	size_t len;

	assert_non_null(w = wcs_state_writer_new(ctx));
	assert_int_equal(fanout_save(f, w), WCS_OK);
	assert_non_null(data = wcs_state_writer_data(w, &len));
	assert_int_equal(
	    wcs_state_parse(ctx, "shard.state", data, len, &st), WCS_OK);
	assert_int_equal(
	    wcs_state_section(st, WCS_STATE_SEC_FANOUT, &cur, &version),
	    WCS_OK);
	assert_int_equal(
	    fanout_load(ctx, internal, 1, &cur, version, &g), WCS_OK);
	wcs_state_free(st);
	wcs_state_writer_free(w);
	fanout_free(f);
	return (g);
}

static int
cmp_seen(const struct fo_sighting *a, const struct fo_sighting *b)
{
	return (a->clock != b->clock || a->input != b->input ||
		a->count != b->count || a->first != b->first);
}

/* Everything fanout_finish gives about f and g is the same. */
static void
assert_same(const struct fanout *f, const struct fanout *g)
{
	const struct fo_source_summary *a, *b;
	const struct fo_pair *const *pa, *const *pb;
	const struct fo_pair *p, *q = NULL;
	size_t i, j, k, na, nb, n;

	assert_int_equal(fanout_nsources(f), fanout_nsources(g));
	assert_int_equal(fanout_untracked(f), fanout_untracked(g));
	for (i = 0; i < fanout_nsources(f); i++) {
		a = fanout_source(f, i);
		assert_non_null(b = fanout_source_by_addr(g, &a->addr));
		assert_memory_equal(&a->sum, &b->sum, sizeof(a->sum));
		assert_int_equal(a->peak, b->peak);
		assert_int_equal(a->burst_start, b->burst_start);
		assert_int_equal(a->first_contact, b->first_contact);
		assert_int_equal(a->public_first, b->public_first);
		assert_int_equal(a->public_clock, b->public_clock);
		assert_true(a->repeat_period == b->repeat_period);
		assert_int_equal(a->system_only, b->system_only);
		assert_int_equal(a->from_worm_image, b->from_worm_image);
		/* The pairs from it, in the same order of destination. */
		pa = fanout_pairs_from(f, &a->addr, &na);
		pb = fanout_pairs_from(g, &a->addr, &nb);
		assert_int_equal(na, nb);
		for (j = 0; j < na; j++) {
			p = pa[j];
			for (k = 0; k < nb; k++) {
				q = pb[k];
				if (wcs_addr_equal(fanout_addr(f, p->dst),
					fanout_addr(g, q->dst)))
					break;
			}
			assert_true(k < nb);
			assert_int_equal(p->count, q->count);
			assert_int_equal(p->denied, q->denied);
			assert_int_equal(p->first, q->first);
			assert_int_equal(p->last, q->last);
			assert_int_equal(p->first_line, q->first_line);
			assert_int_equal(p->first_input, q->first_input);
			assert_int_equal(p->first_clock, q->first_clock);
			assert_int_equal(p->nseen, q->nseen);
			for (n = 0; n < p->nseen; n++)
				assert_int_equal(cmp_seen(&fo_pair_seen(p)[n],
						     &fo_pair_seen(q)[n]),
				    0);
			assert_int_equal(p->nep, q->nep);
			assert_memory_equal(fo_pair_episodes(p),
			    fo_pair_episodes(q),
			    p->nep * sizeof(struct fo_episode));
		}
	}
	(void)fanout_pairs(f, &na);
	(void)fanout_pairs(g, &nb);
	assert_int_equal(na, nb);
}

/* One trial of the property; returns the public count of the prober. */
static uint64_t
trial(uint64_t seed, size_t ncontacts)
{
	struct shard sh[SHARDS_MAX];
	struct wcs_ctx ctx;
	struct rng r = { seed };
	struct contact *c;
	struct fanout *one, *acc, *other;
	struct wcs_event ev;
	unsigned nshards = 2 + below(&r, SHARDS_MAX - 1), order[SHARDS_MAX];
	unsigned k, j, tmp;
	const struct fo_source_summary *sum;
	struct wcs_addr prober = v4(10, 0, 0, 10);
	uint64_t pub;
	size_t i;

	wcs_ctx_init(&ctx, NULL);
	c = generate(&r, ncontacts, nshards);
	one = new_fanout(&ctx);
	for (k = 0; k < nshards; k++) {
		sh[k].f = new_fanout(&ctx);
		shard_number(&sh[k], c, ncontacts, k);
	}
	for (i = 0; i < ncontacts; i++) {
		if (!fanout_wants(&c[i].ev))
			continue;
		assert_int_equal(fanout_add(one, &c[i].ev, c[i].clock), WCS_OK);
		k = c[i].shard;
		ev = c[i].ev;
		ev.input = sh[k].ilocal[ev.input];
		assert_int_equal(
		    fanout_add(sh[k].f, &ev, sh[k].clocal[c[i].clock]), WCS_OK);
	}
	for (k = 0; k < nshards; k++) {
		order[k] = k;
		if (below(&r, 2) == 0)
			sh[k].f = through_file(&ctx, sh[k].f);
	}
	for (k = nshards - 1; k > 0; k--) {
		j = below(&r, k + 1);
		tmp = order[k];
		order[k] = order[j];
		order[j] = tmp;
	}
	/*
	 * Into an empty fanout one by one, or the first two and the rest
	 * apart, then those two merged (associativity).
	 */
	acc = new_fanout(&ctx);
	other = new_fanout(&ctx);
	for (k = 0; k < nshards; k++) {
		struct shard *s = &sh[order[k]];
		struct fanout *into =
		    (k >= 2 && below(&r, 2) == 0) ? other : acc;

		assert_int_equal(
		    fanout_merge(into, s->f, s->cmap, s->nc, s->imap, s->ni),
		    WCS_OK);
	}
	if (below(&r, 2) == 0) {
		other = through_file(&ctx, other);
		assert_int_equal(fanout_merge(other, acc, identity, NCLOCKS,
				     identity, NINPUTS),
		    WCS_OK);
		fanout_free(acc);
		acc = other;
	} else {
		assert_int_equal(fanout_merge(acc, other, identity, NCLOCKS,
				     identity, NINPUTS),
		    WCS_OK);
		fanout_free(other);
	}
	assert_int_equal(fanout_finish(one, WINDOW_US, THRESHOLD), WCS_OK);
	assert_int_equal(fanout_finish(acc, WINDOW_US, THRESHOLD), WCS_OK);
	assert_same(one, acc);
	assert_same(acc, one);
	/* A finished fanout takes no more. */
	assert_int_equal(
	    fanout_merge(acc, one, identity, NCLOCKS, identity, NINPUTS),
	    WCS_FAILED);
	sum = fanout_source_by_addr(one, &prober);
	pub = sum == NULL ? 0 : sum->sum.public_;
	for (k = 0; k < nshards; k++)
		fanout_free(sh[k].f);
	fanout_free(one);
	fanout_free(acc);
	free(c);
	return (pub);
}

static void
test_merge_equals_one_run(void **state)
{
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 40; seed++)
		assert_true(trial(seed, 3000) < 1024);
}

/*
 * Past the exact public set (1,024): the sketch is merged, and the set
 * keeps the same 1,024 addresses (they date the busiest window).
 */
static void
test_merge_past_the_public_cap(void **state)
{
	uint64_t seed;

	(void)state;
	for (seed = 100; seed < 106; seed++)
		assert_true(trial(seed, 30000) > 1024);
}

/*
 * One fanout fed the contacts in the order read, another newest first (as
 * a SIEM export lists them), a third shuffled: the same summaries and
 * pairs, past the exact public set's cap too.
 */
static void
test_arrival_order(void **state)
{
	struct wcs_ctx ctx;
	struct rng r = { 77 };
	struct contact *c, tmp;
	struct fanout *fwd, *rev, *mix;
	size_t i, j, n = 30000;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	c = generate(&r, n, 1);
	fwd = new_fanout(&ctx);
	rev = new_fanout(&ctx);
	mix = new_fanout(&ctx);
	for (i = 0; i < n; i++) {
		if (!fanout_wants(&c[i].ev))
			continue;
		assert_int_equal(fanout_add(fwd, &c[i].ev, c[i].clock), WCS_OK);
		assert_int_equal(
		    fanout_add(rev, &c[n - 1 - i].ev, c[n - 1 - i].clock),
		    WCS_OK);
	}
	for (i = n - 1; i > 0; i--) {
		j = below(&r, (uint32_t)i + 1);
		tmp = c[i];
		c[i] = c[j];
		c[j] = tmp;
	}
	for (i = 0; i < n; i++) {
		if (fanout_wants(&c[i].ev))
			assert_int_equal(
			    fanout_add(mix, &c[i].ev, c[i].clock), WCS_OK);
	}
	assert_int_equal(fanout_finish(fwd, WINDOW_US, THRESHOLD), WCS_OK);
	assert_int_equal(fanout_finish(rev, WINDOW_US, THRESHOLD), WCS_OK);
	assert_int_equal(fanout_finish(mix, WINDOW_US, THRESHOLD), WCS_OK);
	assert_same(fwd, rev);
	assert_same(fwd, mix);
	fanout_free(fwd);
	fanout_free(rev);
	fanout_free(mix);
	free(c);
}

/* A contact map missing a number the shard uses is refused, dst intact. */
static void
test_merge_needs_every_number(void **state)
{
	struct wcs_ctx ctx;
	struct fanout *a, *b;
	struct wcs_event ev;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	a = new_fanout(&ctx);
	b = new_fanout(&ctx);
	wcs_event_clear(&ev);
	ev.kind = WCS_EV_CONN;
	ev.dport = 445;
	ev.proto = 6;
	ev.src = v4(10, 0, 0, 5);
	ev.dst = v4(10, 0, 0, 6);
	ev.ts_us = T0;
	ev.input = 3;
	assert_int_equal(fanout_add(b, &ev, 2), WCS_OK);
	assert_int_equal(
	    fanout_merge(a, b, identity, 2, identity, 4), WCS_FAILED);
	assert_int_equal(
	    fanout_merge(a, b, identity, 3, identity, 3), WCS_FAILED);
	assert_int_equal(
	    fanout_merge(b, b, identity, 16, identity, 16), WCS_FAILED);
	assert_int_equal(fanout_finish(a, WINDOW_US, THRESHOLD), WCS_OK);
	assert_int_equal(fanout_nsources(a), 0);
	fanout_free(a);
	fanout_free(b);
}

/* A saved fanout of a few contacts, as a parsed state. */
static struct wcs_state *
small_state(struct wcs_ctx *ctx, unsigned char **bytes, size_t *len)
{
	struct wcs_state_writer *w;
	struct wcs_state *st;
	struct fanout *f;
	struct contact *c;
	struct rng r = { 7 };
	const void *data;
	size_t i;

	f = new_fanout(ctx);
	c = generate(&r, 200, 1);
	for (i = 0; i < 200; i++) {
		if (fanout_wants(&c[i].ev))
			assert_int_equal(
			    fanout_add(f, &c[i].ev, c[i].clock), WCS_OK);
	}
	free(c);
	assert_non_null(w = wcs_state_writer_new(ctx));
	assert_int_equal(fanout_save(f, w), WCS_OK);
	assert_non_null(data = wcs_state_writer_data(w, len));
	assert_non_null(*bytes = malloc(*len));
	memcpy(*bytes, data, *len);
	assert_int_equal(
	    wcs_state_parse(ctx, "small.state", data, *len, &st), WCS_OK);
	wcs_state_writer_free(w);
	fanout_free(f);
	return (st);
}

/*
 * The fanout section's body cut at every byte, and every byte of it
 * changed (past its first 4 KiB, one byte in 31), as a hostile producer
 * would write them with good checksums: refused with the file and byte
 * named, or loaded as a state whose every index is in range (it is then
 * merged and concluded, which would crash on one that is not).
 */
static void
test_load_hostile(void **state)
{
	struct wcs_state_cursor cur, cut;
	struct wcs_state *st;
	struct wcs_ctx ctx;
	struct fanout *f, *dst;
	unsigned char *bytes;
	size_t len, n, i;
	uint32_t version;
	unsigned char *body;
	int rc;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	st = small_state(&ctx, &bytes, &len);
	assert_int_equal(
	    wcs_state_section(st, WCS_STATE_SEC_FANOUT, &cur, &version),
	    WCS_OK);
	n = (size_t)(cur.end - cur.p);
	assert_true(n > 100);
	for (i = 0; i < n; i += i < 4096 ? 1 : 31) {
		cut = cur;
		cut.end = cut.p + i;
		assert_int_equal(
		    fanout_load(&ctx, internal, 1, &cut, FO_STATE_VERSION, &f),
		    WCS_FAILED);
		assert_null(f);
		assert_non_null(strstr(wcs_error_string(&ctx),
		    "small.state: state section fanout at byte"));
	}
	cut = cur;
	assert_int_equal(
	    fanout_load(&ctx, internal, 1, &cut, FO_STATE_VERSION + 1, &f),
	    WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&ctx), "section version 2"));
	assert_non_null(body = malloc(n));
	for (i = 0; i < n; i += i < 4096 ? 1 : 31) {
		memcpy(body, cur.p, n);
		body[i] ^= (unsigned char)(i % 7 == 0 ? 0x80 : 0x01);
		cut = cur;
		cut.base = cut.p = body;
		cut.end = body + n;
		rc = fanout_load(&ctx, internal, 1, &cut, FO_STATE_VERSION, &f);
		if (rc != WCS_OK) {
			assert_int_equal(rc, WCS_FAILED);
			continue;
		}
		dst = new_fanout(&ctx);
		rc = fanout_merge(dst, f, identity, 16, identity, 16);
		assert_true(rc == WCS_OK || rc == WCS_FAILED);
		assert_int_equal(
		    fanout_finish(dst, WINDOW_US, THRESHOLD), WCS_OK);
		fanout_free(dst);
		fanout_free(f);
	}
	free(body);
	free(bytes);
	wcs_state_free(st);
}

/*
 * A state that names one pair twice (a second record whose ends are the
 * first's) is refused, the file and byte named: its contacts would be
 * counted twice.  The pairs come last in the section, each of these two
 * 79 bytes (one machine's sighting, one episode).
 */
#define PAIR_REC (4 + 4 + 1 + 8 + 8 + 8 + 4 + 4 + 1 + 20 + 1 + 16)

static void
test_load_pair_twice(void **state)
{
	struct wcs_state_writer *w;
	struct wcs_state_cursor cur, cut;
	struct wcs_state *st;
	struct wcs_event ev;
	struct wcs_ctx ctx;
	struct fanout *f;
	const void *data;
	unsigned char *body, *p0, *p1;
	uint32_t version;
	size_t len, n;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	f = new_fanout(&ctx);
	wcs_event_clear(&ev);
	ev.kind = WCS_EV_CONN;
	ev.dport = 445;
	ev.proto = 6;
	ev.src = v4(10, 0, 0, 10);
	ev.dst = v4(10, 0, 0, 20);
	ev.ts_us = T0;
	ev.line = 1;
	assert_int_equal(fanout_add(f, &ev, 0), WCS_OK);
	ev.dst = v4(10, 0, 0, 30);
	ev.ts_us = T0 + 1000000;
	ev.line = 2;
	assert_int_equal(fanout_add(f, &ev, 0), WCS_OK);
	assert_non_null(w = wcs_state_writer_new(&ctx));
	assert_int_equal(fanout_save(f, w), WCS_OK);
	fanout_free(f);
	assert_non_null(data = wcs_state_writer_data(w, &len));
	assert_int_equal(
	    wcs_state_parse(&ctx, "twice.state", data, len, &st), WCS_OK);
	assert_int_equal(
	    wcs_state_section(st, WCS_STATE_SEC_FANOUT, &cur, &version),
	    WCS_OK);
	n = (size_t)(cur.end - cur.p);
	assert_true(n > 2 * PAIR_REC);
	assert_non_null(body = malloc(n));
	memcpy(body, cur.p, n);
	/* The two records where they are looked for: source 0 (interned
	 * first), destinations 1 and 2, each seen once. */
	p0 = body + n - 2 * PAIR_REC;
	p1 = body + n - PAIR_REC;
	assert_int_equal(p0[0] | p0[4] << 8, 0 | 1 << 8);
	assert_int_equal(p1[0] | p1[4] << 8, 0 | 2 << 8);
	cut = cur;
	cut.base = cut.p = body;
	cut.end = body + n;
	assert_int_equal(
	    fanout_load(&ctx, internal, 1, &cut, version, &f), WCS_OK);
	fanout_free(f);
	memcpy(p1, p0, 8);
	cut = cur;
	cut.base = cut.p = body;
	cut.end = body + n;
	assert_int_equal(
	    fanout_load(&ctx, internal, 1, &cut, version, &f), WCS_FAILED);
	assert_null(f);
	assert_non_null(strstr(wcs_error_string(&ctx), "twice.state"));
	assert_non_null(strstr(wcs_error_string(&ctx), "a pair twice"));
	free(body);
	wcs_state_free(st);
	wcs_state_writer_free(w);
}

/*
 * Each allocation in turn fails while a state is loaded, merged into a
 * fanout that holds contacts of its own, and summarised: WCS_FATAL (or
 * done), never a crash or a leak (the ASan build checks).
 */
static void
test_failing_allocations(void **state)
{
	struct fail_alloc fa;
	struct wcs_alloc a = { fail_malloc, fail_realloc, fail_free, &fa };
	struct wcs_state_cursor cur, c;
	struct wcs_ctx good, ctx;
	struct wcs_state *st;
	struct fanout *f, *dst;
	struct contact *con;
	struct rng r = { 11 };
	unsigned char *bytes;
	uint32_t version;
	size_t len, i;
	long n;
	int rc;

	(void)state;
	wcs_ctx_init(&good, NULL);
	st = small_state(&good, &bytes, &len);
	assert_int_equal(
	    wcs_state_section(st, WCS_STATE_SEC_FANOUT, &cur, &version),
	    WCS_OK);
	con = generate(&r, 300, 1);
	for (n = 0;; n++) {
		fa.left = n;
		wcs_ctx_init(&ctx, &a);
		c = cur;
		f = dst = NULL;
		rc = fanout_load(&ctx, internal, 1, &c, version, &f);
		if (rc == WCS_OK &&
		    (dst = fanout_new(&ctx, internal, 1)) == NULL)
			rc = WCS_FATAL;
		for (i = 0; rc == WCS_OK && i < 300; i++) {
			if (fanout_wants(&con[i].ev))
				rc = fanout_add(dst, &con[i].ev, con[i].clock);
		}
		if (rc == WCS_OK)
			rc = fanout_merge(dst, f, identity, 16, identity, 16);
		if (rc == WCS_OK)
			rc = fanout_finish(dst, WINDOW_US, THRESHOLD);
		fanout_free(f);
		fanout_free(dst);
		if (rc == WCS_OK)
			break;
		assert_int_equal(rc, WCS_FATAL);
		assert_true(n < 10000);
	}
	free(con);
	free(bytes);
	wcs_state_free(st);
}

/*
 * Through engines: each shard's events fed to an engine of its own (a
 * Sysmon 3 event is stamped by its computer's clock, a firewall line by
 * its log's), its state saved and loaded into one engine in a random
 * order; that engine's fan-out is the one-run engine's, clocks compared by
 * name (each engine numbers them as it meets them).  Times are in
 * microseconds, so that no two machines tie and the tie-breaks by number
 * do not come into it.
 */
static const char *const paths[NINPUTS] = { "fw/gw.log", "fw/core.log",
	"sysmon/ws1.xml", "sysmon/ws2.xml", "central/fwd.xml", "fw/dmz.log" };
static const char *const kill_switch[] = {
	"www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com",
	"ifferfsodp9ifjaposdfjhgosurijfaewrwergwea.test"
};
static const char *const machines[] = { "WS-1", "SRV-9.corp.example", "ws-7",
	"DC-2" };

struct eng_fixture {
	struct wcs_ctx ctx;
	struct wcs_rules *rules;
	struct wcs_engine_opts opts;
};

static struct wcs_engine *
new_engine(struct eng_fixture *fx)
{
	struct wcs_engine *e;

	assert_non_null(e = wcs_engine_new(&fx->ctx, &fx->opts, fx->rules));
	return (e);
}

static void
assert_same_engines(struct wcs_engine *x, struct wcs_engine *y)
{
	const struct fo_source_summary *a, *b;
	const struct fo_pair *const *pa, *const *pb;
	const struct fo_pair *p, *q = NULL;
	size_t i, j, k, m, na, nb;

	assert_int_equal(
	    fanout_finish(x->fanout, WINDOW_US, THRESHOLD), WCS_OK);
	assert_int_equal(
	    fanout_finish(y->fanout, WINDOW_US, THRESHOLD), WCS_OK);
	assert_int_equal(
	    fanout_nsources(x->fanout), fanout_nsources(y->fanout));
	assert_true(fanout_nsources(x->fanout) > 5);
	for (i = 0; i < fanout_nsources(x->fanout); i++) {
		a = fanout_source(x->fanout, i);
		assert_non_null(b = fanout_source_by_addr(y->fanout, &a->addr));
		assert_memory_equal(&a->sum, &b->sum, sizeof(a->sum));
		assert_int_equal(a->peak, b->peak);
		assert_int_equal(a->burst_start, b->burst_start);
		assert_int_equal(a->public_first, b->public_first);
		if (a->public_first != WCS_TIME_NONE)
			assert_string_equal(
			    engine_clock_name(x, a->public_clock),
			    engine_clock_name(y, b->public_clock));
		assert_true(a->repeat_period == b->repeat_period);
		assert_int_equal(a->system_only, b->system_only);
		pa = fanout_pairs_from(x->fanout, &a->addr, &na);
		pb = fanout_pairs_from(y->fanout, &a->addr, &nb);
		assert_int_equal(na, nb);
		for (j = 0; j < na; j++) {
			p = pa[j];
			for (k = 0; k < nb; k++) {
				q = pb[k];
				if (wcs_addr_equal(
					fanout_addr(x->fanout, p->dst),
					fanout_addr(y->fanout, q->dst)))
					break;
			}
			assert_true(k < nb);
			assert_int_equal(p->count, q->count);
			assert_int_equal(p->first, q->first);
			assert_int_equal(p->last, q->last);
			assert_int_equal(p->first_line, q->first_line);
			assert_int_equal(p->first_input, q->first_input);
			assert_string_equal(
			    engine_clock_name(x, p->first_clock),
			    engine_clock_name(y, q->first_clock));
			assert_int_equal(p->nseen, q->nseen);
			/* Sightings: the same machines, each as seen. */
			for (m = 0; m < p->nseen; m++) {
				for (k = 0; k < q->nseen; k++) {
					if (strcmp(
						engine_clock_name(x,
						    fo_pair_seen(p)[m].clock),
						engine_clock_name(
						    y, fo_pair_seen(q)[k]
							   .clock)) == 0)
						break;
				}
				assert_true(k < q->nseen);
				assert_int_equal(fo_pair_seen(p)[m].count,
				    fo_pair_seen(q)[k].count);
				assert_int_equal(fo_pair_seen(p)[m].first,
				    fo_pair_seen(q)[k].first);
				assert_int_equal(fo_pair_seen(p)[m].input,
				    fo_pair_seen(q)[k].input);
			}
			assert_int_equal(p->nep, q->nep);
			assert_memory_equal(fo_pair_episodes(p),
			    fo_pair_episodes(q),
			    p->nep * sizeof(struct fo_episode));
		}
	}
}

static bool
seen_has(const struct wcs_engine *e, uint64_t k)
{
	size_t j;

	for (j = k & (e->seen.cap - 1); e->seen.slots[j] != 0;
	     j = (j + 1) & (e->seen.cap - 1)) {
		if (e->seen.slots[j] == k)
			return (true);
	}
	return (false);
}

/* The same records read, and the same copies dropped from each input. */
static void
assert_same_records(const struct wcs_engine *x, const struct wcs_engine *y)
{
	size_t i, ndups = 0;

	assert_int_equal(x->seen.n, y->seen.n);
	assert_true(x->seen.n > 100);
	for (i = 0; i < x->seen.cap; i++) {
		if (x->seen.slots[i] != 0)
			assert_true(seen_has(y, x->seen.slots[i]));
	}
	for (i = 0; i < NINPUTS; i++) {
		assert_int_equal(wcs_engine_input_duplicates(x, i),
		    wcs_engine_input_duplicates(y, i));
		ndups += wcs_engine_input_duplicates(x, i);
	}
	assert_true(ndups > 100);
	assert_int_equal(
	    wcs_engine_unchecked_records(x), wcs_engine_unchecked_records(y));
}

/* The kill switch's answers over time, and what no host was given. */
static void
assert_same_ks(const struct wcs_engine *x, const struct wcs_engine *y)
{
	size_t i, j;

	assert_int_equal(x->nks, 2);
	assert_int_equal(x->nks, y->nks);
	for (i = 0; i < x->nks; i++) {
		for (j = 0; j < y->nks; j++) {
			if (x->ks[i].rule == y->ks[j].rule)
				break;
		}
		assert_true(j < y->nks);
		assert_int_equal(x->ks[i].first_answer, y->ks[j].first_answer);
		assert_int_equal(x->ks[i].last_nx, y->ks[j].last_nx);
	}
	assert_int_equal(x->unattributed, y->unattributed);
	assert_int_equal(
	    wcs_engine_untracked_hosts(x), wcs_engine_untracked_hosts(y));
}

static void
save_into(struct wcs_engine *from, struct wcs_engine *into, struct wcs_ctx *ctx,
    const char *name)
{
	struct wcs_state_writer *w;
	struct wcs_state *st;
	const void *data;
	size_t len;

	assert_non_null(w = wcs_state_writer_new(ctx));
	assert_int_equal(wcs_engine_save_state(from, w), WCS_OK);
	assert_non_null(data = wcs_state_writer_data(w, &len));
	assert_int_equal(wcs_state_parse(ctx, name, data, len, &st), WCS_OK);
	assert_int_equal(wcs_engine_load_state(into, st), WCS_OK);
	wcs_state_free(st);
	wcs_state_writer_free(w);
}

static void
assert_same_strings(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/*
 * What the two engines conclude is the same: every host's verdict,
 * names, evidence kept, reasons, infector and rank, every edge and
 * clock.  The merged engine read the shards' states in another order
 * than the one run read the events in.
 */
static void
assert_same_results(struct wcs_engine *a, struct wcs_engine *b)
{
	const struct wcs_result *ra, *rb;
	const struct wcs_host *x, *y;
	size_t i, k;

	if (wcs_engine_finish(a, &ra) != WCS_OK)
		fail_msg("%s", wcs_error_string(a->ctx));
	assert_int_equal(wcs_engine_finish(b, &rb), WCS_OK);
	assert_int_equal(ra->nhosts, rb->nhosts);
	for (i = 0; i < ra->nhosts; i++) {
		x = &ra->hosts[i];
		y = &rb->hosts[i];
		if (!wcs_addr_equal(&x->ip, &y->ip)) {
			char l1[64], l2[64];

			fail_msg("host %zu: %s (%s, %zu names) against %s (%s)",
			    i, wcs_host_label(x, l1, sizeof(l1)),
			    wcs_verdict_name(x->verdict), x->nnames,
			    wcs_host_label(y, l2, sizeof(l2)),
			    wcs_verdict_name(y->verdict));
		}
		assert_int_equal(x->verdict, y->verdict);
		assert_true(x->score == y->score);
		assert_int_equal(x->first_evidence, y->first_evidence);
		assert_same_strings(x->infected_by, y->infected_by);
		assert_int_equal(x->nnames, y->nnames);
		for (k = 0; k < x->nnames; k++)
			assert_string_equal(x->names[k], y->names[k]);
		assert_int_equal(x->evidence_total, y->evidence_total);
		assert_int_equal(x->nevidence, y->nevidence);
		for (k = 0; k < x->nevidence; k++) {
			assert_string_equal(
			    x->evidence[k].rule, y->evidence[k].rule);
			assert_int_equal(
			    x->evidence[k].ts_us, y->evidence[k].ts_us);
			assert_string_equal(
			    x->evidence[k].source, y->evidence[k].source);
			assert_string_equal(
			    x->evidence[k].detail, y->evidence[k].detail);
			assert_int_equal(
			    x->evidence[k].input, y->evidence[k].input);
		}
		assert_int_equal(x->nreasons, y->nreasons);
		for (k = 0; k < x->nreasons; k++)
			assert_string_equal(x->reasons[k], y->reasons[k]);
		assert_int_equal(x->rank_decided, y->rank_decided);
		assert_int_equal(x->rank_margin_us, y->rank_margin_us);
	}
	assert_int_equal(ra->nedges, rb->nedges);
	for (i = 0; i < ra->nedges; i++) {
		assert_string_equal(ra->edges[i].from, rb->edges[i].from);
		assert_string_equal(ra->edges[i].to, rb->edges[i].to);
		assert_int_equal(ra->edges[i].ts_us, rb->edges[i].ts_us);
	}
	assert_int_equal(ra->nclocks, rb->nclocks);
	for (i = 0; i < ra->nclocks; i++) {
		assert_string_equal(ra->clocks[i].name, rb->clocks[i].name);
		assert_int_equal(
		    ra->clocks[i].offset_us, rb->clocks[i].offset_us);
	}
}

static void
engine_trial(struct eng_fixture *fx, uint64_t seed)
{
	struct wcs_engine *one, *sh[SHARDS_MAX], *merged;
	struct rng r = { seed };
	unsigned nshards = 2 + below(&r, SHARDS_MAX - 1), k, j, tmp;
	unsigned order[SHARDS_MAX];
	struct contact *c;
	struct wcs_event *ev;
	size_t i, n = 3000;
	char name[32];

	c = generate(&r, n, nshards);
	one = new_engine(fx);
	for (k = 0; k < nshards; k++) {
		sh[k] = new_engine(fx);
		order[k] = k;
	}
	for (i = 0; i < n; i++) {
		ev = &c[i].ev;
		if (ev->ts_us != WCS_TIME_NONE)
			ev->ts_us += (int64_t)below(&r, 10000000);
		/*
		 * Inputs 2..5 are event logs: their computer stamps, one of
		 * four, so that a source is seen by more than FO_CLOCKS
		 * machines (four computers, two firewalls) and which are kept
		 * must not depend on the order the engines met them in.
		 */
		if (ev->input >= 2) {
			ev->event_id = 3;
			ev->outbound = 1;
			ev->host = machines[c[i].clock % 4];
			/*
			 * Records read twice (a host's export and a
			 * collector's), both copies in one shard: dropped
			 * alike by the shard and the one run.
			 */
			ev->channel = "Microsoft-Windows-Sysmon/Operational";
			ev->record_id = 1 + c[i].shard * 100000 + i % 397;
		} else if (ev->input == 1 && below(&r, 20) == 0) {
			/* A DNS server's answer to a kill-switch lookup. */
			ev->kind = WCS_EV_DNS;
			ev->dport = 53;
			ev->dns_dir = WCS_DNS_RESPONSE;
			ev->rcode = below(&r, 2) == 0 ? WCS_RCODE_NOERROR :
							WCS_RCODE_NXDOMAIN;
			ev->qname = kill_switch[below(&r, 2)];
		}
		assert_int_equal(wcs_engine_feed(one, ev), WCS_OK);
		assert_int_equal(wcs_engine_feed(sh[c[i].shard], ev), WCS_OK);
	}
	for (k = nshards - 1; k > 0; k--) {
		j = below(&r, k + 1);
		tmp = order[k];
		order[k] = order[j];
		order[j] = tmp;
	}
	merged = new_engine(fx);
	for (k = 0; k < nshards; k++) {
		(void)snprintf(name, sizeof(name), "shard%u.state", order[k]);
		save_into(sh[order[k]], merged, &fx->ctx, name);
	}
	assert_same_records(one, merged);
	assert_same_ks(one, merged);
	assert_same_results(one, merged);
	assert_same_engines(one, merged);
	for (k = 0; k < nshards; k++)
		wcs_engine_free(sh[k]);
	wcs_engine_free(one);
	wcs_engine_free(merged);
	free(c);
}

static void eng_fixture_init(struct eng_fixture *fx, bool with_rules);

/*
 * One engine fed a soup of contacts, lookups and Sysmon connections in
 * file order, another fed them backwards: the same conclusion (clocks,
 * hosts, evidence kept, names, claims and fan-out do not depend on the
 * order of reading).  No record ids: which copy of a record is kept does
 * depend on the order, by design (the first read).
 */
static void
arrival_trial(struct eng_fixture *fx, uint64_t seed)
{
	struct wcs_engine *fwd, *back;
	struct rng r = { seed };
	struct contact *c;
	struct wcs_event *ev;
	size_t i, n = 3000;

	c = generate(&r, n, 1);
	fwd = new_engine(fx);
	back = new_engine(fx);
	for (i = 0; i < n; i++) {
		ev = &c[i].ev;
		if (ev->ts_us != WCS_TIME_NONE)
			ev->ts_us += (int64_t)below(&r, 10000000);
		if (ev->input >= 2) {
			ev->event_id = 3;
			ev->outbound = 1;
			ev->host = machines[c[i].clock % 4];
		} else if (ev->input == 1 && below(&r, 20) == 0) {
			ev->kind = WCS_EV_DNS;
			ev->dport = 53;
			ev->dns_dir = WCS_DNS_RESPONSE;
			ev->rcode = below(&r, 2) == 0 ? WCS_RCODE_NOERROR :
							WCS_RCODE_NXDOMAIN;
			ev->qname = kill_switch[below(&r, 2)];
		}
		assert_int_equal(wcs_engine_feed(fwd, ev), WCS_OK);
	}
	for (i = n; i-- > 0;)
		assert_int_equal(wcs_engine_feed(back, &c[i].ev), WCS_OK);
	assert_same_results(fwd, back);
	wcs_engine_free(fwd);
	wcs_engine_free(back);
	free(c);
}

static void
test_engine_arrival_order(void **state)
{
	struct eng_fixture fx;
	uint64_t seed;

	(void)state;
	eng_fixture_init(&fx, true);
	for (seed = 21; seed <= 28; seed++)
		arrival_trial(&fx, seed);
	wcs_rules_free(fx.rules);
}

static void
eng_fixture_init(struct eng_fixture *fx, bool with_rules)
{
	wcs_ctx_init(&fx->ctx, NULL);
	assert_non_null(fx->rules = wcs_rules_new(&fx->ctx));
	if (with_rules)
		assert_int_equal(
		    wcs_rules_load_dir(fx->rules, WCSCAN_RULES_SRC_DIR),
		    WCS_OK);
	memset(&fx->opts, 0, sizeof(fx->opts));
	fx->opts.input_paths = paths;
	fx->opts.ninputs = NINPUTS;
	fx->opts.fanout_window_us = WINDOW_US;
	fx->opts.fanout_threshold = THRESHOLD;
}

static void
test_engines_merge(void **state)
{
	struct eng_fixture fx;
	uint64_t seed;

	(void)state;
	eng_fixture_init(&fx, true);
	for (seed = 1; seed <= 12; seed++)
		engine_trial(&fx, seed);
	wcs_rules_free(fx.rules);
}

/* Other options, an input or rule the run does not list: refused. */
static void
test_engines_refuse(void **state)
{
	struct eng_fixture fx, other;
	struct wcs_engine *a, *b;
	struct wcs_state_writer *w;
	struct wcs_state *st;
	struct wcs_event ev;
	const void *data;
	size_t len;

	(void)state;
	eng_fixture_init(&fx, true);
	a = new_engine(&fx);
	wcs_event_clear(&ev);
	ev.kind = WCS_EV_CONN;
	ev.dport = 445;
	ev.proto = 6;
	ev.src = v4(10, 0, 0, 5);
	ev.dst = v4(10, 0, 0, 6);
	ev.ts_us = T0;
	ev.input = 5;
	assert_int_equal(wcs_engine_feed(a, &ev), WCS_OK);
	wcs_event_clear(&ev);
	ev.kind = WCS_EV_DNS;
	ev.dns_dir = WCS_DNS_RESPONSE;
	ev.rcode = WCS_RCODE_NXDOMAIN;
	ev.qname = "www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com";
	ev.src = v4(10, 0, 0, 5);
	ev.ts_us = T0;
	ev.input = 1;
	assert_int_equal(wcs_engine_feed(a, &ev), WCS_OK);
	assert_int_equal(a->nks, 1);
	assert_non_null(w = wcs_state_writer_new(&fx.ctx));
	assert_int_equal(wcs_engine_save_state(a, w), WCS_OK);
	assert_non_null(data = wcs_state_writer_data(w, &len));
	assert_int_equal(
	    wcs_state_parse(&fx.ctx, "a.state", data, len, &st), WCS_OK);
	fx.opts.fanout_threshold = THRESHOLD + 1;
	b = new_engine(&fx);
	assert_int_equal(wcs_engine_load_state(b, st), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&fx.ctx), "a.state: "));
	assert_non_null(strstr(wcs_error_string(&fx.ctx), "other options"));
	wcs_engine_free(b);
	fx.opts.fanout_threshold = THRESHOLD;
	fx.opts.ninputs = 5; /* fw/dmz.log is not among them */
	b = new_engine(&fx);
	assert_int_equal(wcs_engine_load_state(b, st), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&fx.ctx),
	    "input fw/dmz.log is not among this run's inputs"));
	wcs_engine_free(b);
	fx.opts.ninputs = NINPUTS;
	b = new_engine(&fx);
	assert_int_equal(wcs_engine_load_state(b, st), WCS_OK);
	assert_int_equal(b->nks, 1);
	assert_int_equal(b->ks[0].last_nx, T0);
	wcs_engine_free(b);
	/* Another rule set: the timeline's rule is not among it. */
	eng_fixture_init(&other, false);
	b = new_engine(&other);
	assert_int_equal(wcs_engine_load_state(b, st), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&other.ctx),
	    "rule wannacry.killswitch.original is not among this run's rules"));
	wcs_engine_free(b);
	wcs_rules_free(other.rules);
	wcs_state_free(st);
	wcs_state_writer_free(w);
	wcs_engine_free(a);
	wcs_rules_free(fx.rules);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_equals_one_run),
		cmocka_unit_test(test_merge_past_the_public_cap),
		cmocka_unit_test(test_arrival_order),
		cmocka_unit_test(test_merge_needs_every_number),
		cmocka_unit_test(test_load_hostile),
		cmocka_unit_test(test_load_pair_twice),
		cmocka_unit_test(test_failing_allocations),
		cmocka_unit_test(test_engines_merge),
		cmocka_unit_test(test_engine_arrival_order),
		cmocka_unit_test(test_engines_refuse),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
