/*
 * The engine's host table: open addressing over string keys.  It grows
 * with the number of hosts, never with the number of events.
 */
#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wcscan/timeutil.h"
#include "hosts.h"

#define KEY_MAX 300

static uint64_t
key_hash(const char *s)
{
	return (wcs_fnv1a(s, strlen(s), false));
}

int
host_table_init(
    struct host_table *t, struct wcs_ctx *ctx, struct wcs_pool *pool)
{
	memset(t, 0, sizeof(*t));
	t->ctx = ctx;
	t->pool = pool;
	t->cap = 256;
	if ((t->slots = wcs_calloc(ctx, t->cap, sizeof(*t->slots))) == NULL)
		return (WCS_FATAL);
	return (WCS_OK);
}

void
host_table_fini(struct host_table *t)
{
	size_t i;

	for (i = 0; t->slots != NULL && i < t->cap; i++) {
		if (t->slots[i] != NULL)
			wcs_free(t->ctx, t->slots[i]->evidence);
	}
	wcs_free(t->ctx, t->slots);
	t->slots = NULL;
}

static struct host **
slot_for(struct host **slots, size_t cap, const char *key)
{
	size_t i = (size_t)key_hash(key) & (cap - 1);

	while (slots[i] != NULL && strcmp(slots[i]->key, key) != 0)
		i = (i + 1) & (cap - 1);
	return (&slots[i]);
}

static bool
table_grow(struct host_table *t)
{
	struct host **ns;
	size_t i, ncap = t->cap * 2;

	if ((ns = wcs_calloc(t->ctx, ncap, sizeof(*ns))) == NULL)
		return (false);
	for (i = 0; i < t->cap; i++) {
		if (t->slots[i] != NULL)
			*slot_for(ns, ncap, t->slots[i]->key) = t->slots[i];
	}
	wcs_free(t->ctx, t->slots);
	t->slots = ns;
	t->cap = ncap;
	return (true);
}

static struct host *
host_get(struct host_table *t, const char *key, bool create)
{
	struct host **slot, *h;

	slot = slot_for(t->slots, t->cap, key);
	if (*slot != NULL || !create)
		return (*slot);
	if (t->n >= HOST_TABLE_MAX) {
		t->untracked++;
		return (NULL);
	}
	if (t->n + 1 > t->cap / 10 * 7) {
		if (!table_grow(t))
			goto oom;
		slot = slot_for(t->slots, t->cap, key);
	}
	if ((h = wcs_pool_alloc(t->pool, sizeof(*h))) == NULL)
		goto oom;
	memset(h, 0, sizeof(*h));
	if ((h->key = wcs_pool_strdup(t->pool, key)) == NULL)
		goto oom;
	h->first_evidence = h->first_strong = h->last_strong = WCS_TIME_NONE;
	h->ks_first = h->ks_answered = WCS_TIME_NONE;
	h->start = h->edge_time = h->sweep_start = WCS_TIME_NONE;
	*slot = h;
	t->n++;
	return (h);
oom:
	t->oom = true;
	return (NULL);
}

struct host *
host_by_addr(struct host_table *t, const struct wcs_addr *a)
{
	char key[WCS_ADDR_STRLEN + 3];
	struct host *h;

	key[0] = 'a', key[1] = ':';
	wcs_addr_format(a, key + 2, sizeof(key) - 2);
	if ((h = host_get(t, key, true)) != NULL)
		h->ip = *a;
	return (h);
}

struct host *
host_by_addr_web(struct host_table *t, const struct wcs_addr *a)
{
	struct host *h;

	if ((h = host_find_addr(t, a)) != NULL)
		return (h);
	if (t->nweb_only >= HOST_WEB_ONLY_MAX) {
		t->untracked++;
		return (NULL);
	}
	if ((h = host_by_addr(t, a)) != NULL)
		t->nweb_only++;
	return (h);
}

struct host *
host_find_key(struct host_table *t, const char *key)
{
	return (host_get(t, key, false));
}

struct host *
host_find_addr(struct host_table *t, const struct wcs_addr *a)
{
	char key[WCS_ADDR_STRLEN + 3];

	key[0] = 'a', key[1] = ':';
	wcs_addr_format(a, key + 2, sizeof(key) - 2);
	return (host_get(t, key, false));
}

/*
 * Computer names are compared by their first label, case-insensitively:
 * "WS01", "ws01.corp.example" and "WS01$" (a machine account) are one.
 */
static void
name_key(const char *name, char *key, size_t len)
{
	size_t i, o = 2;

	key[0] = 'n', key[1] = ':';
	for (i = 0; name[i] != '\0' && name[i] != '.' && o + 1 < len; i++)
		key[o++] = (char)tolower((unsigned char)name[i]);
	if (o > 2 && key[o - 1] == '$')
		o--;
	key[o] = '\0';
}

/* name_key() would give an empty key: no first label, or just "$".
 * Called per event, so the key itself is not built. */
bool
host_name_usable(const char *name)
{
	size_t n = strcspn(name, ".");

	return (n > 1 || (n == 1 && name[0] != '$'));
}

bool
host_name_keys_to(const char *name, const char *key)
{
	char k[KEY_MAX];

	name_key(name, k, sizeof(k));
	return (strcmp(k, key) == 0);
}

struct host *
host_by_name(struct host_table *t, const char *name)
{
	char key[KEY_MAX];
	struct host *h;

	name_key(name, key, sizeof(key));
	if (key[2] == '\0')
		return (NULL);
	/* Keep each spelling seen (WS01, ws01.corp.example): analysts
	 * search for either. */
	if ((h = host_get(t, key, true)) != NULL && !host_add_name(t, h, name))
		return (NULL);
	return (h);
}

/* Names in the order kept: case folded, then byte order. */
static int
name_cmp(const char *a, const char *b)
{
	int d = strcasecmp(a, b);

	return (d != 0 ? d : strcmp(a, b));
}

bool
host_add_name(struct host_table *t, struct host *h, const char *name)
{
	const char *copy;
	size_t i;

	/* The names kept are the HOST_NAMES_MAX least, in order, and of
	 * one name in several cases the least spelling: what is kept does
	 * not depend on the order the logs are read in. */
	for (i = 0; i < h->nnames && name_cmp(h->names[i], name) < 0; i++) {
		if (strcasecmp(h->names[i], name) == 0)
			return (true); /* a lesser spelling is kept */
	}
	if (i < h->nnames && strcmp(h->names[i], name) == 0)
		return (true);
	if (i == HOST_NAMES_MAX)
		return (true); /* enough names to recognise it */
	if (h->names == NULL &&
	    (h->names = wcs_pool_alloc(
		 t->pool, HOST_NAMES_MAX * sizeof(*h->names))) == NULL) {
		t->oom = true;
		return (false);
	}
	if ((copy = wcs_pool_strdup(t->pool, name)) == NULL) {
		t->oom = true;
		return (false);
	}
	if (i < h->nnames && strcasecmp(h->names[i], name) == 0) {
		h->names[i] = copy; /* the lesser spelling of the same */
		return (true);
	}
	if (h->nnames == HOST_NAMES_MAX)
		h->nnames--;
	memmove(&h->names[i + 1], &h->names[i],
	    (h->nnames - i) * sizeof(*h->names));
	h->names[i] = copy;
	h->nnames++;
	return (true);
}

struct host *
host_root(struct host *h)
{
	unsigned n = 0;

	/* Chains are short; the bound only guards against a cycle. */
	while (h->alias != NULL && n++ < 64)
		h = h->alias;
	return (h);
}

#define WEB_GAP_US (5 * 60 * WCS_USEC)

bool
host_evidence_room(struct host_table *t, struct host *h)
{
	struct wcs_evidence *ne;
	size_t cap;

	if (h->nevidence < h->evidence_cap)
		return (true);
	/* Most hosts have an item or two: grow 1, 2, 4 .. 32. */
	cap = h->evidence_cap == 0 ? 1 : h->evidence_cap * 2;
	if (cap > HOST_EVIDENCE_MAX)
		cap = HOST_EVIDENCE_MAX;
	if (cap <= h->evidence_cap)
		return (true);
	if ((ne = wcs_reallocarray(t->ctx, h->evidence, cap, sizeof(*ne))) ==
	    NULL) {
		t->oom = true;
		return (false);
	}
	h->evidence = ne;
	h->evidence_cap = cap;
	return (true);
}

/* Interval i grew: join the neighbours it now comes within the gap of,
 * so that the intervals are those of the points whatever their order. */
static void
web_join_neighbours(struct host *h, size_t i)
{
	while (
	    i + 1 < h->nweb && h->web[i + 1][0] - WEB_GAP_US <= h->web[i][1]) {
		if (h->web[i + 1][1] > h->web[i][1])
			h->web[i][1] = h->web[i + 1][1];
		memmove(&h->web[i + 1], &h->web[i + 2],
		    (h->nweb - i - 2) * sizeof(h->web[0]));
		h->nweb--;
	}
	while (i > 0 && h->web[i][0] - WEB_GAP_US <= h->web[i - 1][1]) {
		if (h->web[i][1] > h->web[i - 1][1])
			h->web[i - 1][1] = h->web[i][1];
		if (h->web[i][0] < h->web[i - 1][0])
			h->web[i - 1][0] = h->web[i][0];
		memmove(&h->web[i], &h->web[i + 1],
		    (h->nweb - i - 1) * sizeof(h->web[0]));
		h->nweb--;
		i--;
	}
}

/* Keep a host's web activity as a few merged intervals (bounded). */
bool
host_note_web(struct host_table *tab, struct host *h, int64_t t)
{
	return (host_note_web_span(tab, h, t, t));
}

bool
host_note_web_span(struct host_table *tab, struct host *h, int64_t a, int64_t b)
{
	size_t i, best;
	int64_t gap, bestgap;

	if (h->web == NULL && (h->web = wcs_pool_alloc(tab->pool,
				   HOST_WEB_MAX * sizeof(*h->web))) == NULL) {
		tab->oom = true;
		return (false);
	}

	for (i = 0; i < h->nweb; i++) {
		if (a <= h->web[i][1] + WEB_GAP_US &&
		    b >= h->web[i][0] - WEB_GAP_US) {
			if (a < h->web[i][0])
				h->web[i][0] = a;
			if (b > h->web[i][1])
				h->web[i][1] = b;
			web_join_neighbours(h, i);
			return (true);
		}
	}
	if (h->nweb == HOST_WEB_MAX) {
		/* Full: merge the two intervals closest in time. */
		best = 0;
		bestgap = INT64_MAX;
		for (i = 0; i + 1 < h->nweb; i++) {
			gap = h->web[i + 1][0] - h->web[i][1];
			if (gap < bestgap) {
				bestgap = gap;
				best = i;
			}
		}
		if (h->web[best + 1][1] > h->web[best][1])
			h->web[best][1] = h->web[best + 1][1];
		memmove(&h->web[best + 1], &h->web[best + 2],
		    (h->nweb - best - 2) * sizeof(h->web[0]));
		h->nweb--;
	}
	for (i = h->nweb; i > 0 && h->web[i - 1][0] > a; i--) {
		h->web[i][0] = h->web[i - 1][0];
		h->web[i][1] = h->web[i - 1][1];
	}
	h->web[i][0] = a;
	h->web[i][1] = b;
	h->nweb++;
	return (true);
}

void
host_note_lookup_rule(
    struct host *h, const struct wcs_rule_info *rule, int64_t t)
{
	if (rule != NULL &&
	    (h->ks_rule == NULL ||
		(t != WCS_TIME_NONE &&
		    (h->ks_first == WCS_TIME_NONE || t < h->ks_first)) ||
		(t == h->ks_first && strcmp(rule->id, h->ks_rule->id) < 0)))
		h->ks_rule = rule;
}

bool
host_note_lookup(
    struct host_table *tab, struct host *h, uint32_t clock, int64_t t)
{
	size_t i;

	if (t == WCS_TIME_NONE)
		return (true);
	for (i = 0; i < h->nks_seen; i++) {
		if (h->ks_seen[i].clock == clock) {
			if (t < h->ks_seen[i].first)
				h->ks_seen[i].first = t;
			return (true);
		}
	}
	if (h->ks_seen == NULL &&
	    (h->ks_seen = wcs_pool_alloc(
		 tab->pool, HOST_KS_CLOCKS * sizeof(*h->ks_seen))) == NULL) {
		tab->oom = true;
		return (false);
	}
	if (h->nks_seen < HOST_KS_CLOCKS) {
		h->ks_seen[h->nks_seen].clock = clock;
		h->ks_seen[h->nks_seen].first = t;
		h->nks_seen++;
	}
	return (true);
}

bool
host_add_join(struct host_table *t, struct host *h, const char *why)
{
	if (why == NULL) {
		t->oom = true;
		return (false);
	}
	if (h->njoins == HOST_JOINS_MAX)
		return (true);
	if (h->joins == NULL &&
	    (h->joins = wcs_pool_alloc(
		 t->pool, HOST_JOINS_MAX * sizeof(*h->joins))) == NULL) {
		t->oom = true;
		return (false);
	}
	h->joins[h->njoins++] = why;
	return (true);
}

bool
host_add_ip(struct host_table *t, struct host *h, const struct wcs_addr *a)
{
	size_t i;

	if (wcs_addr_equal(a, &h->ip))
		return (true);
	for (i = 0; i < h->nmore_ips; i++) {
		if (wcs_addr_equal(a, &h->more_ips[i]))
			return (true);
	}
	if (h->nmore_ips == HOST_IPS_MAX)
		return (true);
	if (h->more_ips == NULL &&
	    (h->more_ips = wcs_pool_alloc(
		 t->pool, HOST_IPS_MAX * sizeof(*h->more_ips))) == NULL) {
		t->oom = true;
		return (false);
	}
	h->more_ips[h->nmore_ips++] = *a;
	return (true);
}

const char *
host_label(const struct host *h, char *buf, size_t len)
{
	if (wcs_addr_present(&h->ip))
		return (wcs_addr_format(&h->ip, buf, len));
	(void)snprintf(buf, len, "%s", h->nnames > 0 ? h->names[0] : "?");
	return (buf);
}

int
host_evidence_cmp(const struct wcs_evidence *x, const struct wcs_evidence *y)
{
	int d;

	if (x->ts_us != y->ts_us)
		return (x->ts_us < y->ts_us ? -1 : 1);
	if ((d = strcmp(x->source, y->source)) != 0)
		return (d);
	if ((d = strcmp(x->rule, y->rule)) != 0)
		return (d);
	return (strcmp(x->detail, y->detail));
}

static int
key_cmp(const void *x, const void *y)
{
	const struct host *const *a = x, *const *b = y;

	return (strcmp((*a)->key, (*b)->key));
}

bool
host_table_canonical(struct host_table *t)
{
	struct host **all, **ns;
	size_t i, n = 0;

	if ((all = wcs_reallocarray(t->ctx, NULL, t->n + 1, sizeof(*all))) ==
	    NULL)
		return (false);
	if ((ns = wcs_calloc(t->ctx, t->cap, sizeof(*ns))) == NULL) {
		wcs_free(t->ctx, all);
		return (false);
	}
	for (i = 0; i < t->cap; i++) {
		if (t->slots[i] != NULL)
			all[n++] = t->slots[i];
	}
	qsort(all, n, sizeof(*all), key_cmp);
	for (i = 0; i < n; i++)
		*slot_for(ns, t->cap, all[i]->key) = all[i];
	wcs_free(t->ctx, all);
	wcs_free(t->ctx, t->slots);
	t->slots = ns;
	return (true);
}
