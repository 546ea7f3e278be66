/*
 * The hosts' section of the engine's state: what the engine learnt of
 * each host while reading, before any conclusion.  Layout (statefile.h's
 * puts; strings are a u32 length and the bytes):
 *
 *	u32 nhosts, each:
 *	    str key; u8 family, 16 address bytes; u8 flags (1 an NXDOMAIN
 *	    answer to its lookup, 2 SMB1, 4 its address claimed by two
 *	    names); u32 classes; u32 highest strong severity;
 *	    u64 evidence items seen; i64 first evidence, first and last
 *	    strong evidence, first lookup, first answered lookup;
 *	    str the first lookup's rule ("" none);
 *	    u32 n names, each str;
 *	    u32 n web intervals, each i64 from, i64 to;
 *	    u32 n lookups by clock, each u32 clock, i64 first;
 *	    u32 n evidence items, each: str rule, i64 time, str source,
 *	        str detail, u32 input, u32 clock
 *	u32 nlinks, each: u8 kind (1 a claim, 2 owner, 3 first claimant),
 *	    str name's key, str address's key; a claim adds u8 strong,
 *	    u32 count, str why, u32 input and u64 line it was read at
 *	u32 n host logs' owners, each: u32 input, u8 family, 16 bytes,
 *	    u64 votes
 *
 * Loading adds each host to the engine's as reading its events would
 * have: the same keep rules (evidence by a total order, names, claims
 * and web intervals order-free), times by min and max, counts summed.
 * Inputs and clocks are numbered as in the state's engine section; the
 * caller maps them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wcscan/engine_state.h"
#include "wcscan/statefile.h"
#include "wcscan/timeutil.h"
#include "engine_private.h"

#define LINK_CLAIM 1
#define LINK_OWNER 2
#define LINK_CLAIMED_BY 3
#define FLAG_NXDOMAIN 1
#define FLAG_SMB1 2
#define FLAG_CONTESTED 4
#define STR_MAX 4096

static void
put_addr(struct wcs_state_writer *w, const struct wcs_addr *a)
{
	wcs_state_put_u8(w, a->family);
	wcs_state_put_bytes(w, a->bytes, 16);
}

static void
save_host(struct wcs_state_writer *w, const struct host *h)
{
	const struct wcs_evidence *e;
	size_t i;

	wcs_state_put_str(w, h->key);
	put_addr(w, &h->ip);
	wcs_state_put_u8(w, (h->ks_nxdomain ? FLAG_NXDOMAIN : 0) |
				(h->smb1 ? FLAG_SMB1 : 0) |
				(h->contested ? FLAG_CONTESTED : 0));
	wcs_state_put_u32(w, h->classes);
	wcs_state_put_u32(w, h->max_severity_strong);
	wcs_state_put_u64(w, h->evidence_total);
	wcs_state_put_i64(w, h->first_evidence);
	wcs_state_put_i64(w, h->first_strong);
	wcs_state_put_i64(w, h->last_strong);
	wcs_state_put_i64(w, h->ks_first);
	wcs_state_put_i64(w, h->ks_answered);
	wcs_state_put_str(w, h->ks_rule != NULL ? h->ks_rule->id : "");
	wcs_state_put_u32(w, h->nnames);
	for (i = 0; i < h->nnames; i++)
		wcs_state_put_str(w, h->names[i]);
	wcs_state_put_u32(w, h->nweb);
	for (i = 0; i < h->nweb; i++) {
		wcs_state_put_i64(w, h->web[i][0]);
		wcs_state_put_i64(w, h->web[i][1]);
	}
	wcs_state_put_u32(w, h->nks_seen);
	for (i = 0; i < h->nks_seen; i++) {
		wcs_state_put_u32(w, h->ks_seen[i].clock);
		wcs_state_put_i64(w, h->ks_seen[i].first);
	}
	wcs_state_put_u32(w, h->nevidence);
	for (i = 0; i < h->nevidence; i++) {
		e = &h->evidence[i];
		wcs_state_put_str(w, e->rule);
		wcs_state_put_i64(w, e->ts_us);
		wcs_state_put_str(w, e->source);
		wcs_state_put_str(w, e->detail);
		wcs_state_put_u32(w, e->input);
		wcs_state_put_u32(w, e->clock);
	}
}

static void
save_link(struct wcs_state_writer *w, uint8_t kind, const struct host *nh,
    const struct host *ah)
{
	wcs_state_put_u8(w, kind);
	wcs_state_put_str(w, nh->key);
	wcs_state_put_str(w, ah->key);
}

int
engine_save_hosts(const struct wcs_engine *eng, struct wcs_state_writer *w)
{
	const struct host_table *t = &eng->hosts;
	const struct host *h;
	const struct host_claim *c;
	size_t i, k, nlinks = 0, nowners = 0;
	int rc;

	if ((rc = wcs_state_begin(w, WCS_STATE_SEC_HOSTS, "hosts",
		 WCS_ENGINE_STATE_VERSION)) != WCS_OK)
		return (rc);
	wcs_state_put_u32(w, (uint32_t)t->n);
	for (i = 0; i < t->cap; i++) {
		if ((h = t->slots[i]) == NULL)
			continue;
		save_host(w, h);
		nlinks +=
		    h->nclaims + (h->owner != NULL) + (h->claimed_by != NULL);
	}
	wcs_state_put_u32(w, (uint32_t)nlinks);
	for (i = 0; i < t->cap; i++) {
		if ((h = t->slots[i]) == NULL)
			continue;
		for (k = 0; k < h->nclaims; k++) {
			c = &h->claims[k];
			save_link(w, LINK_CLAIM, h, c->addr);
			wcs_state_put_u8(w, c->strong ? 1 : 0);
			wcs_state_put_u32(w, c->count);
			wcs_state_put_str(w, c->why);
			wcs_state_put_u32(w, c->why_input);
			wcs_state_put_u64(w, c->why_line);
		}
		if (h->owner != NULL)
			save_link(w, LINK_OWNER, h->owner, h);
		if (h->claimed_by != NULL)
			save_link(w, LINK_CLAIMED_BY, h->claimed_by, h);
	}
	for (i = 0; i < eng->nowners; i++)
		nowners += eng->owners[i].votes > 0;
	wcs_state_put_u32(w, (uint32_t)nowners);
	for (i = 0; i < eng->nowners; i++) {
		if (eng->owners[i].votes == 0)
			continue;
		wcs_state_put_u32(w, (uint32_t)i);
		put_addr(w, &eng->owners[i].cand);
		wcs_state_put_u64(w, eng->owners[i].votes);
	}
	return (wcs_state_end(w));
}

/* A string copied out of the section, NUL-terminated, into buf. */
static bool
get_str(struct wcs_state_cursor *c, char *buf, size_t size)
{
	const char *p;
	uint32_t len;

	len = wcs_state_get_count(c, STR_MAX, 1);
	if ((p = wcs_state_get_bytes(c, len)) == NULL || len >= size ||
	    memchr(p, '\0', len) != NULL)
		return (false);
	memcpy(buf, p, len);
	buf[len] = '\0';
	return (true);
}

static bool
get_addr(struct wcs_state_cursor *c, struct wcs_addr *a)
{
	const uint8_t *b;

	memset(a, 0, sizeof(*a));
	a->family = wcs_state_get_u8(c);
	if ((b = wcs_state_get_bytes(c, 16)) == NULL ||
	    (a->family != 0 && a->family != 4 && a->family != 6))
		return (false);
	memcpy(a->bytes, b, 16);
	return (true);
}

static const struct wcs_rule_info *
rule_by_id(const struct wcs_engine *eng, const char *id)
{
	const struct wcs_rule_info *r;
	size_t i, n = wcs_rules_count(eng->rules);

	for (i = 0; i < n; i++) {
		r = wcs_rules_info(eng->rules, i);
		if (strcmp(r->id, id) == 0)
			return (r);
	}
	return (NULL);
}

struct load {
	struct wcs_engine *eng;
	struct wcs_state_cursor *c;
	const uint32_t *imap, *cmap;
	uint32_t ni, nc;
	char buf[STR_MAX + 1], key[STR_MAX + 1];
};

static int
bad(struct load *l, const char *why)
{
	return (wcs_state_cursor_error(l->eng->ctx, l->c, why));
}

/* The host of a saved key: made as reading would have made it. */
static int
host_of(struct load *l, const struct wcs_addr *ip, const char *name,
    struct host **out)
{
	struct host_table *t = &l->eng->hosts;
	struct host *h;

	*out = NULL;
	if (strncmp(l->key, "a:", 2) == 0 && wcs_addr_present(ip))
		h = host_by_addr(t, ip);
	else if (strncmp(l->key, "n:", 2) == 0 && name != NULL &&
		 host_name_usable(name))
		h = host_by_name(t, name);
	else
		return (bad(l, "bad host key"));
	if (h == NULL)
		return (t->oom ? WCS_FATAL : WCS_OK); /* past the caps */
	if (strcmp(h->key, l->key) != 0)
		return (bad(l, "host key does not match the host"));
	*out = h;
	return (WCS_OK);
}

static int
load_evidence(struct load *l, struct host *h)
{
	struct wcs_evidence x, *e;
	const struct wcs_rule_info *rule;
	char source[STR_MAX + 1];
	uint32_t input, clock;

	if (!get_str(l->c, l->buf, sizeof(l->buf)))
		return (bad(l, "bad evidence rule"));
	if ((rule = rule_by_id(l->eng, l->buf)) == NULL)
		return (
		    bad(l, "evidence of a rule not among this run's rules"));
	memset(&x, 0, sizeof(x));
	x.rule = rule->id;
	x.cls = rule->cls;
	x.severity = rule->severity;
	x.ts_us = wcs_state_get_i64(l->c);
	if (!get_str(l->c, source, sizeof(source)) ||
	    !get_str(l->c, l->buf, sizeof(l->buf)))
		return (bad(l, "bad evidence text"));
	input = wcs_state_get_u32(l->c);
	clock = wcs_state_get_u32(l->c);
	if (!wcs_state_cursor_ok(l->c) || !engine_time_ok(x.ts_us) ||
	    input >= l->ni || clock >= l->nc)
		return (bad(l, "bad evidence"));
	if (h == NULL)
		return (WCS_OK);
	x.input = l->imap[input];
	x.clock = l->cmap[clock];
	x.source = source;
	x.detail = l->buf;
	if ((e = engine_evidence_slot(l->eng, h, &x)) == NULL)
		return (l->eng->hosts.oom ? WCS_FATAL : WCS_OK);
	*e = x;
	e->source = wcs_pool_strdup(l->eng->pool, source);
	e->detail = engine_shared_detail(l->eng, l->buf, strlen(l->buf));
	return (e->source == NULL || e->detail == NULL ? WCS_FATAL : WCS_OK);
}

static int
load_host(struct load *l)
{
	struct wcs_state_cursor *c = l->c;
	struct host_table *t = &l->eng->hosts;
	const struct wcs_rule_info *ks_rule = NULL;
	struct wcs_addr ip;
	struct host *h;
	char first_name[STR_MAX + 1];
	int64_t v[5], a, b;
	uint64_t total;
	uint32_t classes, sev, n, i, clock;
	uint8_t flags;
	int rc;

	if (!get_str(c, l->key, sizeof(l->key)) || !get_addr(c, &ip))
		return (bad(l, "bad host"));
	flags = wcs_state_get_u8(c);
	classes = wcs_state_get_u32(c);
	sev = wcs_state_get_u32(c);
	total = wcs_state_get_u64(c);
	for (i = 0; i < 5; i++) {
		v[i] = wcs_state_get_i64(c);
		if (!engine_time_ok(v[i]))
			return (bad(l, "bad host time"));
	}
	if (!get_str(c, l->buf, sizeof(l->buf)))
		return (bad(l, "bad lookup rule"));
	if (l->buf[0] != '\0' && (ks_rule = rule_by_id(l->eng, l->buf)) == NULL)
		return (bad(l, "lookup of a rule not among this run's rules"));
	n = wcs_state_get_count(c, HOST_NAMES_MAX, 4);
	first_name[0] = '\0';
	h = NULL;
	for (i = 0; i < n; i++) {
		if (!get_str(c, l->buf, sizeof(l->buf)) || l->buf[0] == '\0')
			return (bad(l, "bad host name"));
		if (i == 0) {
			memcpy(first_name, l->buf, strlen(l->buf) + 1);
			if ((rc = host_of(l, &ip, first_name, &h)) != WCS_OK)
				return (rc);
			if (h != NULL && !host_add_name(t, h, first_name))
				return (WCS_FATAL);
		} else if (strncmp(l->key, "n:", 2) == 0 &&
			   !host_name_keys_to(l->buf, l->key)) {
			/* A name row's names all key to it. */
			return (bad(l, "a name of another host"));
		} else if (h != NULL && !host_add_name(t, h, l->buf)) {
			return (WCS_FATAL);
		}
	}
	if (!wcs_state_cursor_ok(c) || flags > 7 || sev > 16)
		return (bad(l, "bad host"));
	if (n == 0 && (rc = host_of(l, &ip, NULL, &h)) != WCS_OK)
		return (rc);
	if (h != NULL) {
		h->ks_nxdomain |= (flags & FLAG_NXDOMAIN) != 0;
		h->smb1 |= (flags & FLAG_SMB1) != 0;
		h->contested |= (flags & FLAG_CONTESTED) != 0;
		h->classes |= classes;
		if (sev > h->max_severity_strong)
			h->max_severity_strong = sev;
		h->evidence_total += total;
		note_min(&h->first_evidence, v[0]);
		note_min(&h->first_strong, v[1]);
		note_max(&h->last_strong, v[2]);
		host_note_lookup_rule(h, ks_rule, v[3]);
		note_min(&h->ks_first, v[3]);
		note_min(&h->ks_answered, v[4]);
	}
	n = wcs_state_get_count(c, HOST_WEB_MAX, 16);
	for (i = 0; i < n; i++) {
		a = wcs_state_get_i64(c);
		b = wcs_state_get_i64(c);
		if (!wcs_state_cursor_ok(c) || a == WCS_TIME_NONE || b < a ||
		    !engine_time_ok(a) || !engine_time_ok(b))
			return (bad(l, "bad web interval"));
		if (h != NULL && !host_note_web_span(t, h, a, b))
			return (WCS_FATAL);
	}
	n = wcs_state_get_count(c, HOST_KS_CLOCKS, 12);
	for (i = 0; i < n; i++) {
		clock = wcs_state_get_u32(c);
		a = wcs_state_get_i64(c);
		if (!wcs_state_cursor_ok(c) || clock >= l->nc ||
		    a == WCS_TIME_NONE || !engine_time_ok(a))
			return (bad(l, "bad lookup time"));
		if (h != NULL && !host_note_lookup(t, h, l->cmap[clock], a))
			return (WCS_FATAL);
	}
	n = wcs_state_get_count(c, HOST_EVIDENCE_MAX, 32);
	for (i = 0; i < n; i++) {
		if ((rc = load_evidence(l, h)) != WCS_OK)
			return (rc);
	}
	return (wcs_state_cursor_ok(c) ? WCS_OK : bad(l, "cut short"));
}

static int
load_link(struct load *l)
{
	struct wcs_state_cursor *c = l->c;
	struct engine_claim cl;
	struct host *nh, *ah;
	uint32_t count, input;
	uint64_t line;
	uint8_t kind, strong;

	kind = wcs_state_get_u8(c);
	if (!get_str(c, l->key, sizeof(l->key)) ||
	    !get_str(c, l->buf, sizeof(l->buf)))
		return (bad(l, "bad claim"));
	if (kind < LINK_CLAIM || kind > LINK_CLAIMED_BY ||
	    strncmp(l->key, "n:", 2) != 0 || strncmp(l->buf, "a:", 2) != 0)
		return (bad(l, "bad claim"));
	/* Both were saved as hosts: missing only past the table's caps. */
	nh = host_find_key(&l->eng->hosts, l->key);
	ah = host_find_key(&l->eng->hosts, l->buf);
	if (kind != LINK_CLAIM) {
		if (nh == NULL || ah == NULL)
			return (WCS_OK);
		if (kind == LINK_OWNER &&
		    (ah->owner == NULL || strcmp(nh->key, ah->owner->key) < 0))
			ah->owner = nh;
		if (kind == LINK_CLAIMED_BY) {
			if (ah->claimed_by != NULL && ah->claimed_by != nh)
				ah->contested = true;
			if (ah->claimed_by == NULL ||
			    strcmp(nh->key, ah->claimed_by->key) < 0)
				ah->claimed_by = nh;
		}
		return (WCS_OK);
	}
	strong = wcs_state_get_u8(c);
	count = wcs_state_get_u32(c);
	if (!get_str(c, l->buf, sizeof(l->buf)))
		return (bad(l, "bad claim"));
	input = wcs_state_get_u32(c);
	line = wcs_state_get_u64(c);
	if (!wcs_state_cursor_ok(c) || strong > 1 || count == 0 ||
	    input >= l->ni)
		return (bad(l, "bad claim"));
	if (nh == NULL || ah == NULL)
		return (WCS_OK);
	cl = (struct engine_claim){ .strong = strong != 0,
		.text = l->buf,
		.input = l->imap[input],
		.line = line,
		.count = count };
	return (engine_claim_note(l->eng, nh, ah, &cl));
}

static int
load_owners(struct load *l)
{
	struct hostlog_owner *o;
	struct wcs_addr cand;
	uint64_t votes;
	uint32_t n, i, input;

	n = wcs_state_get_count(l->c, l->ni, 29);
	for (i = 0; i < n; i++) {
		input = wcs_state_get_u32(l->c);
		if (!get_addr(l->c, &cand))
			return (bad(l, "bad host log owner"));
		votes = wcs_state_get_u64(l->c);
		if (!wcs_state_cursor_ok(l->c) || input >= l->ni)
			return (bad(l, "bad host log owner"));
		input = l->imap[input];
		if (input >= l->eng->nowners || !l->eng->owners[input].host_log)
			continue; /* the engine section said which are */
		o = &l->eng->owners[input];
		/* Two majority votes combined as one would have run. */
		if (o->votes == 0 || wcs_addr_equal(&o->cand, &cand)) {
			o->cand = cand;
			o->votes += votes;
		} else if (votes > o->votes) {
			o->cand = cand;
			o->votes = votes - o->votes;
		} else {
			o->votes -= votes;
		}
	}
	return (WCS_OK);
}

int
engine_load_hosts(struct wcs_engine *eng, struct wcs_state_cursor *c,
    uint32_t version, const uint32_t *imap, uint32_t ni, const uint32_t *cmap,
    uint32_t nc)
{
	struct load *l;
	uint32_t n, i;
	int rc = WCS_OK;

	if (version != WCS_ENGINE_STATE_VERSION)
		return (wcs_state_cursor_error(eng->ctx, c, "other version"));
	if ((l = wcs_calloc(eng->ctx, 1, sizeof(*l))) == NULL)
		return (WCS_FATAL);
	*l = (struct load){ .eng = eng,
		.c = c,
		.imap = imap,
		.ni = ni,
		.cmap = cmap,
		.nc = nc };
	n = wcs_state_get_count(c, UINT32_MAX, 100);
	for (i = 0; i < n && rc == WCS_OK; i++)
		rc = load_host(l);
	if (rc == WCS_OK) {
		n = wcs_state_get_count(c, UINT32_MAX, 10);
		for (i = 0; i < n && rc == WCS_OK; i++)
			rc = load_link(l);
	}
	if (rc == WCS_OK)
		rc = load_owners(l);
	if (rc == WCS_OK && !wcs_state_cursor_done(c))
		rc = bad(l, "bytes after the hosts");
	wcs_free(eng->ctx, l);
	return (rc);
}
