/*
 * The engine's state put in canonical order before concluding.
 *
 * Engines number what they read in the order they read it: clocks as
 * their machines first appear, hosts in the slots their first sighting
 * gave them.  The conclusion walks those numbers and slots, and breaks
 * ties by them, so two engines that read the same logs in other orders
 * (one run, or shards merged from their state files) would conclude
 * differently.  Renumbering the clocks by name and rehashing the hosts
 * in key order before concluding makes the report depend on what was
 * read, not on its order.
 */
#include <errno.h>

#include "wcscan/core.h"
#include "engine_private.h"

static void
sort_ks_seen(struct host_ks_seen *s, size_t n)
{
	struct host_ks_seen x;
	size_t i, j;

	for (i = 1; i < n; i++) {
		x = s[i];
		for (j = i; j > 0 && s[j - 1].clock > x.clock; j--)
			s[j] = s[j - 1];
		s[j] = x;
	}
}

static void
renumber_hosts(struct host_table *t, const uint32_t *map, size_t n)
{
	struct host *h;
	size_t i, k;

	for (i = 0; i < t->cap; i++) {
		if ((h = t->slots[i]) == NULL)
			continue;
		for (k = 0; k < h->nevidence; k++) {
			if (h->evidence[k].clock < n)
				h->evidence[k].clock =
				    map[h->evidence[k].clock];
		}
		for (k = 0; k < h->nks_seen; k++) {
			if (h->ks_seen[k].clock < n)
				h->ks_seen[k].clock = map[h->ks_seen[k].clock];
		}
		sort_ks_seen(h->ks_seen, h->nks_seen);
		/* Its order may break ties by clock: found again. */
		h->greatest = 0;
	}
}

int
engine_canonical(struct wcs_engine *eng)
{
	uint32_t *map;
	size_t n = clock_count(eng->clocks);
	int rc;

	if (clock_table_canonical_map(eng->clocks, &map) != WCS_OK)
		return (WCS_FATAL);
	if (map != NULL) {
		if ((rc = clock_table_renumber(eng->clocks, map)) != WCS_OK ||
		    (rc = fanout_renumber_clocks(eng->fanout, map, n)) !=
			WCS_OK) {
			wcs_free(eng->ctx, map);
			return (rc == WCS_FAILED ? WCS_FATAL : rc);
		}
		renumber_hosts(&eng->hosts, map, n);
		wcs_free(eng->ctx, map);
	}
	if ((rc = fanout_canonical(eng->fanout)) != WCS_OK)
		return (rc);
	if (!host_table_canonical(&eng->hosts)) {
		wcs_set_error(eng->ctx, ENOMEM, "out of memory");
		return (WCS_FATAL);
	}
	return (WCS_OK);
}
