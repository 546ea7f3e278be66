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
