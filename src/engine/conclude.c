/*
 * Conclude: the phases in order (see conclude.h for where each lives).
 */
#include <string.h>

#include "conclude.h"

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
 * Every moment two clocks stamped: one 445 attempt in two machines' logs,
 * one kill-switch lookup in the DNS server's log and the host's Sysmon 22.
 * With none, the sensor that logged the most 445 pairs is the reference
 * by itself, so that its own times still order the sweep.
 */
static int
estimate_clocks(struct wcs_engine *eng)
{
	const struct fo_pair *pairs;
	struct clock_sample *s = NULL;
	struct host_table *t = &eng->hosts;
	const struct host *h;
	size_t npairs, n = 0, cap = 0, i, *count = NULL, nclocks;
	uint32_t best = CLOCK_NONE;
	unsigned x, y;
	int rc = WCS_FATAL;

	pairs = fanout_pairs(eng->fanout, &npairs);
	nclocks = clock_count(eng->clocks);
	if ((count = wcs_calloc(eng->ctx, nclocks + 1, sizeof(*count))) == NULL)
		goto out;
	for (i = 0; i < npairs; i++) {
		if (pairs[i].first_clock < nclocks)
			count[pairs[i].first_clock]++;
		for (x = 0; x < pairs[i].nseen; x++) {
			for (y = x + 1; y < pairs[i].nseen; y++) {
				if (!add_sample(eng, &s, &n, &cap,
					pairs[i].seen[x].clock,
					pairs[i].seen[x].first,
					pairs[i].seen[y].clock,
					pairs[i].seen[y].first))
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
	if (attach_fanout(&c) != WCS_OK || timing_join(&c) != WCS_OK)
		goto out;
	presume_answers(&c);
	if (verdicts_own_evidence(&c) != WCS_OK ||
	    verdicts_network(&c) != WCS_OK || verdicts_behaviour(&c) != WCS_OK)
		goto out;
	if (build_graph(&c) != WCS_OK || join_second_cards(&c) != WCS_OK)
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
