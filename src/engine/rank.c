/*
 * Ranking: roots of the graph first, by start (within the skew
 * tolerance, more descendants first), then the others by start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/timeutil.h"
#include "conclude.h"

#define TIE_ON_REF_US (2 * WCS_USEC) /* starts this close are a tie */

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

/* How far a host's start may be off: its clock's, roughly. */
static int64_t
start_uncertainty(const struct wcs_engine *eng, const struct host *h)
{
	return (h->start_on_ref ? TIE_ON_REF_US : eng->opts.skew_tolerance_us);
}

/* What would tell two candidates apart. */
static const char *
decider(struct wcs_engine *eng, const struct host *x, const struct host *y)
{
	char lx[WCS_ADDR_STRLEN + 64], ly[WCS_ADDR_STRLEN + 64];
	const struct host *dark = !x->infected_own ? x : y;

	if (!x->infected_own || !y->infected_own)
		return (wcs_pool_printf(eng->pool,
		    "%s's own logs (Sysmon, Security, System) would decide",
		    host_label(dark, lx, sizeof(lx))));
	return (wcs_pool_printf(eng->pool,
	    "a log both clocks share would decide (the firewall or DNS "
	    "server that saw %s and %s)",
	    host_label(x, lx, sizeof(lx)), host_label(y, ly, sizeof(ly))));
}

/*
 * Each root of the graph against the next root: its margin, and whether
 * the margin exceeds the uncertainty of the two clocks.  Equal starts
 * with different descendants are ranked, but not decided.
 */
static int
confidence(struct conclude *c, struct host **ranked, size_t n)
{
	struct wcs_engine *eng = c->eng;
	char lb[WCS_ADDR_STRLEN + 64];
	struct host *h, *next;
	size_t i, j;

	for (i = 0; i < n; i++) {
		h = ranked[i];
		if (h->infected_by != NULL || h->start == WCS_TIME_NONE)
			continue;
		for (next = NULL, j = i + 1; j < n && next == NULL; j++) {
			if (ranked[j]->infected_by == NULL &&
			    ranked[j]->start != WCS_TIME_NONE)
				next = ranked[j];
		}
		h->rank_compared = true;
		if (next == NULL) {
			h->rank_decided = true;
			h->rank_margin = h->rank_uncertainty = 0;
			h->rank_compared = false;
			continue;
		}
		h->rank_margin = next->start - h->start;
		h->rank_uncertainty =
		    start_uncertainty(eng, h) + start_uncertainty(eng, next);
		h->rank_decided = h->rank_margin > h->rank_uncertainty;
		if (h->rank_decided)
			continue;
		h->rank_note = wcs_pool_printf(eng->pool,
		    "cannot be told apart from %s: %.0f s apart, clocks "
		    "uncertain by +/- %.0f s; %s",
		    host_label(next, lb, sizeof(lb)),
		    (double)h->rank_margin / 1e6,
		    (double)h->rank_uncertainty / 1e6, decider(eng, h, next));
		if (h->rank_note == NULL)
			return (WCS_FATAL);
	}
	return (WCS_OK);
}

/* Rank the infected hosts: 1 is the likeliest patient zero. */
int
rank_hosts(struct conclude *c)
{
	struct wcs_engine *eng = c->eng;
	struct host **ranked;
	size_t i, nranked = 0;

	if ((ranked = wcs_calloc(eng->ctx, c->nlive + 1, sizeof(*ranked))) ==
	    NULL)
		return (WCS_FATAL);
	for (i = 0; i < c->nlive; i++) {
		if (c->live[i]->verdict == WCS_VERDICT_INFECTED)
			ranked[nranked++] = c->live[i];
	}
	if (!rank_sort(eng, ranked, nranked)) {
		wcs_free(eng->ctx, ranked);
		return (WCS_FATAL);
	}
	if (confidence(c, ranked, nranked) != WCS_OK) {
		wcs_free(eng->ctx, ranked);
		return (WCS_FATAL);
	}
	for (i = 0; i < nranked; i++) {
		ranked[i]->rank = (unsigned)i + 1;
		if (ranked[i]->infected_by == NULL &&
		    ranked[i]->descendants > 0)
			ranked[i]->score += 10;
		if (ranked[i]->score > 100)
			ranked[i]->score = 100;
	}
	wcs_free(eng->ctx, ranked);
	return (WCS_OK);
}
