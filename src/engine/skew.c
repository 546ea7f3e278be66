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

#define SKEW_MIN_SAMPLES 5
/* A larger "offset" is not a clock: different contacts were matched
 * (one log missed the first attempts the other saw). */
#define SKEW_MAX_US (15 * 60 * WCS_USEC)

struct skew_sample {
	uint32_t a, b; /* a < b */
	int64_t d; /* time in a minus time in b */
};

struct skew_edge {
	uint32_t a, b;
	int64_t med;
	size_t n;
};

static int
sample_cmp(const void *x, const void *y)
{
	const struct skew_sample *p = x, *q = y;

	if (p->a != q->a)
		return (p->a < q->a ? -1 : 1);
	if (p->b != q->b)
		return (p->b < q->b ? -1 : 1);
	return (p->d < q->d ? -1 : p->d > q->d);
}

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

int
engine_estimate_skew(struct wcs_engine *eng)
{
	struct skew_sample *s = NULL;
	struct skew_edge *e = NULL;
	size_t ns, ne = 0, i, j, *weight = NULL;
	uint32_t *queue = NULL, ref, qh, qt, u;
	struct input_clock *c;
	bool progress;
	int rc;

	if (eng->nclocks == 0)
		return (WCS_OK);
	if ((rc = collect(eng, &s, &ns)) != WCS_OK)
		return (rc);
	if (ns == 0)
		goto out;
	qsort(s, ns, sizeof(*s), sample_cmp);
	if ((e = wcs_calloc(eng->ctx, ns, sizeof(*e))) == NULL ||
	    (weight = wcs_calloc(eng->ctx, eng->nclocks, sizeof(*weight))) ==
		NULL ||
	    (queue = wcs_calloc(eng->ctx, eng->nclocks, sizeof(*queue))) ==
		NULL) {
		rc = WCS_FATAL;
		goto out;
	}
	for (i = 0; i < ns; i = j) {
		for (j = i; j < ns && s[j].a == s[i].a && s[j].b == s[i].b; j++)
			;
		if (j - i < SKEW_MIN_SAMPLES)
			continue;
		e[ne].a = s[i].a;
		e[ne].b = s[i].b;
		e[ne].med = s[i + (j - i) / 2].d;
		e[ne].n = j - i;
		if (e[ne].med > SKEW_MAX_US || e[ne].med < -SKEW_MAX_US)
			continue;
		weight[e[ne].a] += e[ne].n;
		weight[e[ne].b] += e[ne].n;
		ne++;
	}
	/* One reference per connected group, the best-connected input. */
	for (;;) {
		ref = UINT32_MAX;
		for (u = 0; u < eng->nclocks; u++) {
			if (weight[u] > 0 && !eng->clocks[u].known &&
			    (ref == UINT32_MAX || weight[u] > weight[ref]))
				ref = u;
		}
		if (ref == UINT32_MAX)
			break;
		c = &eng->clocks[ref];
		c->known = true;
		c->offset = 0;
		c->ref = ref;
		c->samples = weight[ref];
		qh = qt = 0;
		queue[qt++] = ref;
		while (qh < qt) {
			u = queue[qh++];
			for (i = 0; i < ne; i++) {
				/* t_a - t_b = off_a - off_b */
				if (e[i].a == u && !eng->clocks[e[i].b].known) {
					c = &eng->clocks[e[i].b];
					c->offset =
					    eng->clocks[u].offset - e[i].med;
				} else if (e[i].b == u &&
					   !eng->clocks[e[i].a].known) {
					c = &eng->clocks[e[i].a];
					c->offset =
					    eng->clocks[u].offset + e[i].med;
				} else {
					continue;
				}
				c->known = true;
				c->ref = ref;
				c->samples = e[i].n;
				queue[qt++] = (uint32_t)(c - eng->clocks);
			}
		}
	}
out:
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
	wcs_free(eng->ctx, e);
	wcs_free(eng->ctx, weight);
	wcs_free(eng->ctx, queue);
	return (rc);
}
