/*
 * Conclude: the phases in order (see conclude.h for where each lives).
 */
#include <stdlib.h>
#include <string.h>

#include "conclude.h"

static int
cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a < b ? -1 : a > b);
}

static bool
add_sample(struct wcs_engine *eng, struct clock_sample **s, size_t *n,
    size_t *cap, uint32_t a, int64_t ta, uint32_t b, int64_t tb)
{
	struct clock_sample *ns;

	if (a == b || ta == WCS_TIME_NONE || tb == WCS_TIME_NONE)
		return (true);
	if (*n == *cap) {
		*cap = *cap == 0 ? 1024 : *cap * 2;
		if ((ns = wcs_reallocarray(eng->ctx, *s, *cap, sizeof(*ns))) ==
		    NULL)
			return (false);
		*s = ns;
	}
	(*s)[(*n)++] = (struct clock_sample){ a, b, ta - tb };
	return (true);
}

/*
 * A host's own firewall log is stamped by the host's clock, the same
 * clock as its event logs: tie the two, as firmly as many observations
 * would, once the log's own address names the host.
 */
#define SAME_CLOCK_WEIGHT 16

static bool
tie_host_logs(
    struct wcs_engine *eng, struct clock_sample **s, size_t *n, size_t *cap)
{
	const struct host *h;
	uint32_t ic, mc;
	size_t i;
	unsigned k;

	for (i = 0; i < eng->nowners; i++) {
		if (!eng->owners[i].host_log || eng->owners[i].votes == 0)
			continue;
		h = host_at(eng, &eng->owners[i].cand);
		if (h == NULL || h->nnames == 0)
			continue;
		ic = clock_of_input(eng->clocks, (uint32_t)i);
		mc = clock_of_machine(eng->clocks, h->names[0]);
		if (ic == CLOCK_NONE || mc == CLOCK_NONE)
			return (false);
		for (k = 0; k < SAME_CLOCK_WEIGHT; k++) {
			if (!add_sample(eng, s, n, cap, ic, 0, mc, 0))
				return (false);
		}
	}
	return (true);
}

/*
 * Every moment two clocks stamped: one 445 attempt in two machines' logs,
 * one kill-switch lookup in the DNS server's log and the host's Sysmon 22.
 * With none, the sensor that logged the most 445 pairs is the reference
 * by itself, so that its own times still order the sweep.
 */
static int
estimate_clocks(struct wcs_engine *eng)
{
	const struct fo_pair *pairs;
	const struct fo_sighting *seen;
	struct clock_sample *s = NULL;
	struct host_table *t = &eng->hosts;
	const struct host *h;
	size_t npairs, n = 0, cap = 0, i, *count = NULL, nclocks;
	uint32_t best = CLOCK_NONE;
	unsigned x, y;
	int rc = WCS_FATAL;

	if (!tie_host_logs(eng, &s, &n, &cap))
		goto out;
	pairs = fanout_pairs(eng->fanout, &npairs);
	nclocks = clock_count(eng->clocks);
	if ((count = wcs_calloc(eng->ctx, nclocks + 1, sizeof(*count))) == NULL)
		goto out;
	for (i = 0; i < npairs; i++) {
		if (pairs[i].first_clock < nclocks)
			count[pairs[i].first_clock]++;
		seen = fo_pair_seen(&pairs[i]);
		for (x = 0; x < pairs[i].nseen; x++) {
			for (y = x + 1; y < pairs[i].nseen; y++) {
				if (!add_sample(eng, &s, &n, &cap,
					seen[x].clock, seen[x].first,
					seen[y].clock, seen[y].first))
					goto out;
			}
		}
	}
	for (i = 0; i < t->cap; i++) {
		if ((h = t->slots[i]) == NULL || h->folded)
			continue;
		for (x = 0; x < h->nks_seen; x++) {
			for (y = x + 1; y < h->nks_seen; y++) {
				if (!add_sample(eng, &s, &n, &cap,
					h->ks_seen[x].clock,
					h->ks_seen[x].first,
					h->ks_seen[y].clock,
					h->ks_seen[y].first))
					goto out;
			}
		}
	}
	for (i = 0; i < nclocks; i++) {
		if (count[i] > 0 &&
		    (best == CLOCK_NONE || count[i] > count[best]))
			best = (uint32_t)i;
	}
	rc = clock_table_solve(
	    eng->clocks, s, n, best, eng->opts.skew_tolerance_us);
out:
	wcs_free(eng->ctx, s);
	wcs_free(eng->ctx, count);
	return (rc);
}

/*
 * A DNS server's log that shares no moment with the reference clock (no
 * host logged the same query in its Sysmon) is only presumed on time,
 * and a firewall may be minutes off as well.  The worm itself ties the
 * two: it starts sweeping 445/tcp a second or two after its kill-switch
 * lookup fails.  Over the hosts whose failed lookup the server logged
 * and whose sweep a clock on the reference logged, the median of (lookup
 * - sweep) puts the server's clock on the reference, within the spread
 * of those differences.  An analyst's lookup has no sweep and a
 * scanner's sweep no lookup: neither counts.  A server only one infected
 * host used is put on the reference by that host alone, within bounds.
 */
#define WORM_LOOKUP_LEAD_US (2 * WCS_USEC) /* lookup, then the sweep */
#define LOOKUP_SWEEP_MAX_US (15 * 60 * WCS_USEC) /* farther: unrelated */
#define ANCHOR_MIN 2 /* hosts needed to move a clock */
/* One host moves a clock only within the skew tolerance, when its sweep
 * is the worm's (public probes, or the worm's image past the threshold),
 * and with this much more uncertainty: its own lead is all there is. */
#define ANCHOR_ONE_EXTRA_US (10 * WCS_USEC)
/* Closer than this, the lead itself (seconds, varying with the host) is
 * all the differences say: the presumption stands. */
#define ANCHOR_SHIFT_MIN_US (15 * WCS_USEC)

struct lag {
	uint32_t clock;
	int64_t d; /* lookup, corrected - sweep start */
	bool wormlike; /* the host's fan-out is the worm's */
};

static int
lag_cmp(const void *x, const void *y)
{
	const struct lag *a = x, *b = y;

	if (a->clock != b->clock)
		return (a->clock < b->clock ? -1 : 1);
	return (a->d < b->d ? -1 : a->d > b->d);
}

static int
anchor_lookup_clocks(struct conclude *c)
{
	struct wcs_engine *eng = c->eng;
	struct lag *lags = NULL, *nl;
	struct host *h;
	size_t i, j, k, n = 0, cap = 0, m;
	int64_t ts, d, med, *dev = NULL;
	uint32_t clock;
	bool fatal;

	for (i = 0; i < c->nlive; i++) {
		h = c->live[i];
		if (h->nks_seen == 0 || h->ks_answered != WCS_TIME_NONE ||
		    h->fan == NULL || routine_fanout(c, h->fan))
			continue;
		for (k = 0; k < h->nks_seen; k++) {
			clock = h->ks_seen[k].clock;
			if (engine_clock_known(eng, clock) &&
			    !clock_on_main(eng->clocks, clock))
				break;
		}
		if (k == h->nks_seen)
			continue;
		if ((ts = net_burst(c, h, &fatal)) == WCS_TIME_NONE) {
			if (fatal)
				goto fatal;
			continue;
		}
		for (k = 0; k < h->nks_seen; k++) {
			clock = h->ks_seen[k].clock;
			if (!engine_clock_known(eng, clock) ||
			    clock_on_main(eng->clocks, clock))
				continue;
			d = engine_corrected(eng, clock, h->ks_seen[k].first) -
			    ts;
			if (d > LOOKUP_SWEEP_MAX_US || d < -LOOKUP_SWEEP_MAX_US)
				continue;
			if (n == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				if ((nl = wcs_reallocarray(eng->ctx, lags, cap,
					 sizeof(*lags))) == NULL)
					goto fatal;
				lags = nl;
			}
			lags[n++] = (struct lag){ clock, d,
				wormlike_fanout(eng, h->fan) };
		}
	}
	if (n > 0) {
		qsort(lags, n, sizeof(*lags), lag_cmp);
		if ((dev = wcs_calloc(eng->ctx, n, sizeof(*dev))) == NULL)
			goto fatal;
	}
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && lags[j].clock == lags[i].clock; j++)
			;
		if ((m = j - i) < ANCHOR_MIN &&
		    (m != 1 || !lags[i].wormlike ||
			lags[i].d + WORM_LOOKUP_LEAD_US >
			    eng->opts.skew_tolerance_us ||
			lags[i].d + WORM_LOOKUP_LEAD_US <
			    -eng->opts.skew_tolerance_us))
			continue;
		med = (lags[i + (m - 1) / 2].d + lags[i + m / 2].d) / 2;
		for (k = 0; k < m; k++) {
			d = lags[i + k].d - med;
			dev[k] = d < 0 ? -d : d;
		}
		if (med + WORM_LOOKUP_LEAD_US < ANCHOR_SHIFT_MIN_US &&
		    med + WORM_LOOKUP_LEAD_US > -ANCHOR_SHIFT_MIN_US)
			continue;
		qsort(dev, m, sizeof(*dev), cmp_i64);
		/* 1.4826 MAD: the spread of one difference, as a standard
		 * deviation; the lead itself is a guess within seconds. */
		clock_table_anchor(eng->clocks, lags[i].clock,
		    med + WORM_LOOKUP_LEAD_US,
		    (int64_t)(1.4826 * (double)dev[(m - 1) / 2]) +
			5 * WCS_USEC + (m == 1 ? ANCHOR_ONE_EXTRA_US : 0),
		    m);
	}
	wcs_free(eng->ctx, lags);
	wcs_free(eng->ctx, dev);
	return (WCS_OK);
fatal:
	wcs_free(eng->ctx, lags);
	wcs_free(eng->ctx, dev);
	return (WCS_FATAL);
}

int
engine_conclude(struct wcs_engine *eng)
{
	struct conclude c = { .eng = eng, .outbreak = WCS_TIME_NONE };
	int rc = WCS_FATAL;

	if (identity_fold_joins(eng) != WCS_OK ||
	    fanout_finish(eng->fanout, eng->opts.fanout_window_us,
		eng->opts.fanout_threshold) != WCS_OK ||
	    estimate_clocks(eng) != WCS_OK || !collect_live(&c))
		goto out;
	if (attach_fanout(&c) != WCS_OK || anchor_lookup_clocks(&c) != WCS_OK ||
	    timing_join(&c) != WCS_OK)
		goto out;
	presume_answers(&c);
	if (verdicts_own_evidence(&c) != WCS_OK ||
	    verdicts_network(&c) != WCS_OK || verdicts_behaviour(&c) != WCS_OK)
		goto out;
	if (join_second_cards(&c, false) != WCS_OK ||
	    build_graph(&c) != WCS_OK || join_second_cards(&c, true) != WCS_OK)
		goto out;
	verdicts_decide(&c);
	if (rank_hosts(&c) != WCS_OK || describe_result(&c) != WCS_OK)
		goto out;
	rc = WCS_OK;
out:
	wcs_free(eng->ctx, c.live);
	wcs_free(eng->ctx, c.by_subnet);
	return (rc);
}
