/*
 * Clock skew between inputs.  Each log was written by a machine with its
 * own clock, and they disagree by seconds to minutes.  Where two inputs
 * saw the same 445 contact (a host's Sysmon 3 and the gateway's firewall,
 * the sender's and the receiver's Windows Firewall logs), the difference
 * of their first-contact times measures their offset; the median over
 * many shared contacts is robust to the odd mismatch.  Offsets are chained
 * through the inputs to one reference per connected group: the input with
 * the most shared contacts, usually the gateway.  Logs of the same
 * computer (its System and Security XML beside its Sysmon) share its
 * clock and take its offset.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wcscan/timeutil.h"
#include "engine_private.h"

/* A larger "offset" is not a clock: different contacts were matched
 * (one log missed the first attempts the other saw). */
#define SKEW_MAX_US (15 * 60 * WCS_USEC)

struct skew_sample {
	uint32_t a, b; /* a < b */
	int64_t d; /* time in a minus time in b */
};

bool
engine_clock_known(const struct wcs_engine *eng, uint32_t input)
{
	return (input < eng->nclocks && eng->clocks[input].known);
}

int64_t
engine_corrected(const struct wcs_engine *eng, uint32_t input, int64_t t)
{
	if (t == WCS_TIME_NONE || input >= eng->nclocks ||
	    !eng->clocks[input].known)
		return (t);
	return (t - eng->clocks[input].offset);
}

static int
collect(struct wcs_engine *eng, struct skew_sample **out, size_t *nout)
{
	const struct fo_pair *pairs;
	struct skew_sample *s = NULL, *ns;
	size_t npairs, i, n = 0, cap = 0;
	unsigned x, y;

	pairs = fanout_pairs(eng->fanout, &npairs);
	for (i = 0; i < npairs; i++) {
		for (x = 0; x < pairs[i].ninputs; x++) {
			for (y = x + 1; y < pairs[i].ninputs; y++) {
				if (n == cap) {
					cap = cap == 0 ? 1024 : cap * 2;
					ns = wcs_reallocarray(
					    eng->ctx, s, cap, sizeof(*ns));
					if (ns == NULL) {
						wcs_free(eng->ctx, s);
						return (WCS_FATAL);
					}
					s = ns;
				}
				if (pairs[i].input[x] < pairs[i].input[y]) {
					s[n].a = pairs[i].input[x];
					s[n].b = pairs[i].input[y];
					s[n].d = pairs[i].input_first[x] -
						 pairs[i].input_first[y];
				} else {
					s[n].a = pairs[i].input[y];
					s[n].b = pairs[i].input[x];
					s[n].d = pairs[i].input_first[y] -
						 pairs[i].input_first[x];
				}
				n++;
			}
		}
	}
	*out = s;
	*nout = n;
	return (WCS_OK);
}

static int
cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a < b ? -1 : a > b);
}

/*
 * With no contact seen twice (one firewall log, say), nothing can be
 * compared; the input that logged the most 445 pairs is then the
 * reference by itself, so that its own times still order the sweep.
 */
static void
lone_reference(struct wcs_engine *eng)
{
	const struct fo_pair *pairs;
	size_t npairs, i, *count, best = SIZE_MAX;

	for (i = 0; i < eng->nclocks; i++) {
		if (eng->clocks[i].known)
			return;
	}
	if ((count = wcs_calloc(eng->ctx, eng->nclocks, sizeof(*count))) ==
	    NULL)
		return; /* only a refinement: go on without */
	pairs = fanout_pairs(eng->fanout, &npairs);
	for (i = 0; i < npairs; i++) {
		if (pairs[i].first_input < eng->nclocks)
			count[pairs[i].first_input]++;
	}
	for (i = 0; i < eng->nclocks; i++) {
		if (count[i] > 0 &&
		    (best == SIZE_MAX || count[i] > count[best]))
			best = i;
	}
	if (best != SIZE_MAX) {
		eng->clocks[best].known = true;
		eng->clocks[best].offset = 0;
		eng->clocks[best].ref = (uint32_t)best;
		eng->clocks[best].samples = 0;
	}
	wcs_free(eng->ctx, count);
}

/* Adjacency of the sample graph: for input u, off_u ~ off_v + d. */
struct adj {
	uint32_t v;
	int64_t d;
};

/*
 * Each shared contact is one equation off_a - off_b = d.  Host logs share
 * few contacts with any one other log (a victim's firewall sees each
 * sweeper once), so rather than per-pair medians the offsets are solved
 * together: starting from zero, each input's offset is repeatedly set to
 * the median of what its equations say, with the best-connected input of
 * each group held at zero.  Medians keep the odd mismatched contact (one
 * log missed the first attempt) from pulling the estimate.
 */
int
engine_estimate_skew(struct wcs_engine *eng)
{
	struct skew_sample *s = NULL;
	struct adj *adj = NULL;
	size_t ns, i, n = eng->nclocks, *deg = NULL, *start = NULL,
		      *fill = NULL;
	uint32_t *queue = NULL, *comp = NULL, ref, qh, qt, u, v, main;
	int64_t *off = NULL, *vals = NULL;
	bool *placed = NULL, *queued = NULL;
	unsigned iter;
	size_t j, k, nv, maxdeg = 0;
	bool progress;
	int rc;

	if (n == 0)
		return (WCS_OK);
	if ((rc = collect(eng, &s, &ns)) != WCS_OK)
		return (rc);
	if (ns == 0)
		goto out;
	rc = WCS_FATAL;
	if ((deg = wcs_calloc(eng->ctx, n + 1, sizeof(*deg))) == NULL ||
	    (start = wcs_calloc(eng->ctx, n + 1, sizeof(*start))) == NULL ||
	    (fill = wcs_calloc(eng->ctx, n + 1, sizeof(*fill))) == NULL ||
	    (queue = wcs_calloc(eng->ctx, n, sizeof(*queue))) == NULL ||
	    (comp = wcs_calloc(eng->ctx, n, sizeof(*comp))) == NULL ||
	    (off = wcs_calloc(eng->ctx, n, sizeof(*off))) == NULL ||
	    (adj = wcs_calloc(eng->ctx, 2 * ns, sizeof(*adj))) == NULL)
		goto out;
	for (i = 0; i < ns; i++) {
		if (s[i].d > SKEW_MAX_US || s[i].d < -SKEW_MAX_US)
			continue;
		deg[s[i].a]++;
		deg[s[i].b]++;
	}
	for (u = 0; u < n; u++) {
		start[u + 1] = start[u] + deg[u];
		if (deg[u] > maxdeg)
			maxdeg = deg[u];
	}
	for (i = 0; i < ns; i++) {
		if (s[i].d > SKEW_MAX_US || s[i].d < -SKEW_MAX_US)
			continue;
		/* t_a - t_b = off_a - off_b = d */
		adj[start[s[i].a] + fill[s[i].a]++] =
		    (struct adj){ s[i].b, s[i].d };
		adj[start[s[i].b] + fill[s[i].b]++] =
		    (struct adj){ s[i].a, -s[i].d };
	}
	if ((vals = wcs_calloc(eng->ctx, maxdeg + 1, sizeof(*vals))) == NULL ||
	    (placed = wcs_calloc(eng->ctx, n, sizeof(*placed))) == NULL ||
	    (queued = wcs_calloc(eng->ctx, n, sizeof(*queued))) == NULL)
		goto out;
	/* Connected groups, each with its best-connected input as reference. */
	for (u = 0; u < n; u++)
		comp[u] = UINT32_MAX;
	for (;;) {
		ref = UINT32_MAX;
		for (u = 0; u < n; u++) {
			if (deg[u] > 0 && comp[u] == UINT32_MAX &&
			    (ref == UINT32_MAX || deg[u] > deg[ref]))
				ref = u;
		}
		if (ref == UINT32_MAX)
			break;
		qh = qt = 0;
		queue[qt++] = ref;
		comp[ref] = ref;
		while (qh < qt) {
			u = queue[qh++];
			for (k = start[u]; k < start[u + 1]; k++) {
				v = adj[k].v;
				if (comp[v] == UINT32_MAX) {
					comp[v] = ref;
					queue[qt++] = v;
				}
			}
		}
	}
	/*
	 * Start from a breadth-first walk out of each reference: a node's
	 * offset is the median of what its already placed neighbours say.
	 * (Starting everyone at zero lets a well-connected group settle on
	 * its own consensus and ignore a reference it touches once.)  Then
	 * a few rounds over all neighbours smooth out the walk's order.
	 */
	for (u = 0; u < n; u++) {
		if (comp[u] != u)
			continue;
		qh = qt = 0;
		queue[qt++] = u;
		placed[u] = true;
		while (qh < qt) {
			v = queue[qh++];
			for (k = start[v]; k < start[v + 1]; k++) {
				uint32_t w = adj[k].v;
				size_t kk;

				if (placed[w] || queued[w])
					continue;
				queued[w] = true;
				for (kk = start[w], nv = 0; kk < start[w + 1];
				     kk++) {
					if (placed[adj[kk].v])
						vals[nv++] =
						    off[adj[kk].v] + adj[kk].d;
				}
				qsort(vals, nv, sizeof(*vals), cmp_i64);
				off[w] = vals[nv / 2];
				placed[w] = true;
				queue[qt++] = w;
			}
		}
	}
	for (iter = 0; iter < 20; iter++) {
		progress = false;
		for (u = 0; u < n; u++) {
			if (deg[u] == 0 || comp[u] == u)
				continue;
			for (k = start[u], nv = 0; k < start[u + 1]; k++)
				vals[nv++] = off[adj[k].v] + adj[k].d;
			qsort(vals, nv, sizeof(*vals), cmp_i64);
			if (vals[nv / 2] != off[u]) {
				off[u] = vals[nv / 2];
				progress = true;
			}
		}
		if (!progress)
			break;
	}
	memset(fill, 0, (n + 1) * sizeof(*fill));
	/*
	 * Only the largest group is on "the" reference clock: a group that
	 * shares no contact with it has a clock of its own, and comparing
	 * its times with the rest would be a guess.
	 */
	for (u = 0; u < n; u++) {
		if (deg[u] > 0)
			fill[comp[u]] += deg[u];
	}
	for (u = 0, main = UINT32_MAX; u < n; u++) {
		if (comp[u] == u &&
		    (main == UINT32_MAX || fill[u] > fill[main]))
			main = u;
	}
	for (u = 0; u < n; u++) {
		if (deg[u] == 0 || comp[u] != main)
			continue;
		eng->clocks[u].known = true;
		eng->clocks[u].offset = off[u];
		eng->clocks[u].ref = comp[u];
		eng->clocks[u].samples = deg[u];
	}
	rc = WCS_OK;
out:
	if (rc == WCS_OK)
		lone_reference(eng);
	/* A computer's other logs run on the same clock. */
	do {
		progress = false;
		for (i = 0; i < eng->nclocks; i++) {
			if (eng->clocks[i].known || eng->clocks[i].host == NULL)
				continue;
			for (j = 0; j < eng->nclocks; j++) {
				if (!eng->clocks[j].known ||
				    eng->clocks[j].host == NULL ||
				    strcasecmp(eng->clocks[j].host,
					eng->clocks[i].host) != 0)
					continue;
				eng->clocks[i].known = true;
				eng->clocks[i].offset = eng->clocks[j].offset;
				eng->clocks[i].ref = eng->clocks[j].ref;
				eng->clocks[i].samples = eng->clocks[j].samples;
				progress = true;
				break;
			}
		}
	} while (progress);
	wcs_free(eng->ctx, s);
	wcs_free(eng->ctx, adj);
	wcs_free(eng->ctx, deg);
	wcs_free(eng->ctx, start);
	wcs_free(eng->ctx, fill);
	wcs_free(eng->ctx, queue);
	wcs_free(eng->ctx, comp);
	wcs_free(eng->ctx, off);
	wcs_free(eng->ctx, vals);
	wcs_free(eng->ctx, placed);
	wcs_free(eng->ctx, queued);
	return (rc);
}
