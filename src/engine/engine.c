/*
 * The correlation engine.  It takes normalised events one at a time and
 * keeps, per host, what the rules found and who that host is; at the end
 * it decides a verdict per host and orders the patient-zero candidates.
 *
 * Memory: the host table and each host's evidence are bounded (at most
 * HOST_EVIDENCE_MAX items kept per host, the rest counted), so memory
 * grows with hosts, not with events.  Hosts are created only when there is
 * something to say about them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wcscan/engine.h"
#include "wcscan/pool.h"
#include "wcscan/timeutil.h"
#include "engine_private.h"

#define DETAIL_MAX 512

const char *
wcs_verdict_name(enum wcs_verdict v)
{
	static const char *const names[] = { "clean", "exposed", "scanner",
		"suspicious", "neutralized", "infected" };

	return ((unsigned)v < WCS_NELEM(names) ? names[v] : "clean");
}

const char *
wcs_ioc_class_name(enum wcs_ioc_class c)
{
	static const char *const names[] = { "none", "lookup", "spreading",
		"encryption", "persistence", "startup" };

	return ((unsigned)c < WCS_NELEM(names) ? names[c] : "none");
}

/* What a clock is called in a report: a computer, or a log's path. */
const char *
engine_clock_name(const struct wcs_engine *eng, uint32_t clock)
{
	const char *m;
	uint32_t input;

	if ((m = clock_machine(eng->clocks, clock, &input)) != NULL)
		return (m);
	return (input < eng->npaths ? eng->paths[input] : "?");
}

const char *
wcs_host_label(const struct wcs_host *h, char *buf, size_t len)
{
	if (wcs_addr_present(&h->ip))
		return (wcs_addr_format(&h->ip, buf, len));
	(void)snprintf(buf, len, "%s", h->nnames > 0 ? h->names[0] : "?");
	return (buf);
}

struct wcs_engine *
wcs_engine_new(struct wcs_ctx *ctx, const struct wcs_engine_opts *opts,
    struct wcs_rules *rules)
{
	struct wcs_engine *eng;

	if ((eng = wcs_calloc(ctx, 1, sizeof(*eng))) == NULL)
		return (NULL);
	eng->ctx = ctx;
	eng->rules = rules;
	if ((eng->pool = wcs_pool_new(ctx, 256 * 1024)) == NULL)
		goto out_free;
	if (host_table_init(&eng->hosts, ctx, eng->pool) != WCS_OK)
		goto out_free;
	if (opts != NULL)
		eng->opts = *opts;
	if (eng->opts.ninternal == 0) {
		/* RFC 1918 and IPv6 unique local addresses. */
		static const char *const nets[] = { "10.0.0.0/8",
			"172.16.0.0/12", "192.168.0.0/16", "fc00::/7" };
		size_t i;

		for (i = 0; i < WCS_NELEM(nets); i++)
			(void)wcs_cidr_parse(
			    nets[i], &eng->internal_default[i]);
		eng->opts.internal = eng->internal_default;
		eng->opts.ninternal = WCS_NELEM(nets);
	}
	if (eng->opts.fanout_threshold == 0)
		eng->opts.fanout_threshold = WCS_FANOUT_THRESHOLD_DEFAULT;
	if (eng->opts.fanout_window_us <= 0)
		eng->opts.fanout_window_us = WCS_FANOUT_WINDOW_DEFAULT;
	if (eng->opts.max_infect_delay_us <= 0)
		eng->opts.max_infect_delay_us = WCS_INFECT_DELAY_DEFAULT;
	if (eng->opts.skew_tolerance_us <= 0)
		eng->opts.skew_tolerance_us = WCS_SKEW_TOLERANCE_DEFAULT;
	if ((eng->clocks = clock_table_new(ctx)) == NULL)
		goto out_free;
	if ((eng->fanout = fanout_new(
		 ctx, eng->opts.internal, eng->opts.ninternal)) == NULL)
		goto out_free;
	fanout_set_clock_key(eng->fanout, clock_key, eng->clocks);
	wcs_engine_set_inputs(eng, eng->opts.input_paths, eng->opts.ninputs);
	return (eng);
out_free:
	wcs_engine_free(eng);
	return (NULL);
}

void
wcs_engine_free(struct wcs_engine *eng)
{
	if (eng == NULL)
		return;
	host_table_fini(&eng->hosts);
	fanout_free(eng->fanout);
	clock_table_free(eng->clocks);
	wcs_free(eng->ctx, eng->owners);
	wcs_free(eng->ctx, eng->seen.slots);
	wcs_free(eng->ctx, eng->seen.dups);
	wcs_pool_free(eng->pool);
	wcs_free(eng->ctx, eng);
}

void
wcs_engine_set_inputs(
    struct wcs_engine *eng, const char *const *paths, size_t n)
{
	eng->paths = paths;
	eng->npaths = n;
}

static const char *
source_of(struct wcs_engine *eng, const struct wcs_event *ev)
{
	const char *path =
	    ev->input < eng->npaths ? eng->paths[ev->input] : "?";

	return (wcs_pool_printf(
	    eng->pool, "%s:%llu", path, (unsigned long long)ev->line));
}

static bool
usable_name(const char *s)
{
	/* ".WS01" or "$" from a hostile log have no first label to key on. */
	return (s != NULL && strcmp(s, "-") != 0 && host_name_usable(s));
}

static bool
usable_addr(const struct wcs_addr *a)
{
	static const uint8_t zero[16];

	if (!wcs_addr_present(a))
		return (false);
	/* Loopback and unspecified say nothing about which host. */
	if (a->family == 4)
		return (a->bytes[0] != 127 && memcmp(a->bytes, zero, 4) != 0);
	return (memcmp(a->bytes, zero, 15) != 0 ||
		(a->bytes[15] != 0 && a->bytes[15] != 1));
}

/*
 * Tie a computer name to an address.  The first join wins: a later
 * address for the same name (DHCP, a second NIC) is noted, not applied.
 */
/*
 * A name claimed at an address.  Claims are kept (a few per name) and
 * resolved when reading is done (identity.c): a name's own machine
 * outranks what a remote party says of it, whatever the file order.
 */
/*
 * "ADDR (WHAT, PATH:LINE)" in the pool: a claim's reason, made for every
 * new (name, address) pair, so without printf (a log of SMB sessions
 * makes one nearly every line).
 */
static char *
claim_why(struct wcs_pool *pool, const char *addr, const char *what,
    const char *path, uint64_t line)
{
	char digits[20], *s, *p;
	size_t la = strlen(addr), lw = strlen(what), lp = strlen(path), nd = 0;

	do {
		digits[nd++] = (char)('0' + line % 10);
		line /= 10;
	} while (line != 0);
	/* " (" ", " ":" ")" and the NUL */
	if ((s = wcs_pool_alloc(pool, la + lw + lp + nd + 7)) == NULL)
		return (NULL);
	p = s;
	memcpy(p, addr, la);
	p += la;
	memcpy(p, " (", 2);
	p += 2;
	memcpy(p, what, lw);
	p += lw;
	memcpy(p, ", ", 2);
	p += 2;
	memcpy(p, path, lp);
	p += lp;
	*p++ = ':';
	while (nd > 0)
		*p++ = digits[--nd];
	*p++ = ')';
	*p = '\0';
	return (s);
}

int
engine_claim_note(struct wcs_engine *eng, struct host *nh, struct host *ah,
    const struct engine_claim *cl)
{
	char abuf[WCS_ADDR_STRLEN];
	bool strong = cl->strong;
	struct host_claim *c;
	size_t i;

	/* Of several names claiming one address, the least key is kept
	 * (and the address is contested), whatever the order of reading. */
	if (strong &&
	    (ah->owner == NULL || strcmp(nh->key, ah->owner->key) < 0))
		ah->owner = nh;
	if (ah->claimed_by == NULL) {
		ah->claimed_by = nh;
	} else if (ah->claimed_by != nh) {
		ah->contested = true;
		if (strcmp(nh->key, ah->claimed_by->key) < 0)
			ah->claimed_by = nh;
	}
	for (i = 0; i < nh->nclaims && nh->claims[i].addr != ah; i++)
		;
	if (i == nh->nclaims) {
		/* The HOST_CLAIMS_MAX least addresses are kept: enough to
		 * decide, and the same whatever the order of reading. */
		for (i = 0; i < nh->nclaims &&
			    strcmp(nh->claims[i].addr->key, ah->key) < 0;
		     i++)
			;
		if (i == HOST_CLAIMS_MAX)
			return (WCS_OK);
		if (nh->claims == NULL &&
		    (nh->claims = wcs_pool_alloc(eng->pool,
			 HOST_CLAIMS_MAX * sizeof(*nh->claims))) == NULL)
			return (WCS_FATAL);
		if (nh->nclaims == HOST_CLAIMS_MAX)
			nh->nclaims--;
		memmove(&nh->claims[i + 1], &nh->claims[i],
		    (nh->nclaims - i) * sizeof(*nh->claims));
		nh->nclaims++;
		nh->claims[i] = (struct host_claim){ .addr = ah };
	}
	c = &nh->claims[i];
	c->count += cl->count;
	if (c->why != NULL && c->strong && !strong)
		return (WCS_OK);
	/* The reason given: of the strongest kind seen, the one read first
	 * by (input, line), formatted only when it is the one kept. */
	if (c->why == NULL || (strong && !c->strong) ||
	    cl->input < c->why_input ||
	    (cl->input == c->why_input && cl->line < c->why_line)) {
		c->why =
		    cl->text != NULL ?
			wcs_pool_strdup(eng->pool, cl->text) :
			claim_why(eng->pool,
			    wcs_addr_format(&ah->ip, abuf, sizeof(abuf)),
			    cl->what,
			    cl->input < eng->npaths ? eng->paths[cl->input] :
						      "?",
			    cl->line);
		if (c->why == NULL)
			return (WCS_FATAL);
		c->why_input = cl->input;
		c->why_line = cl->line;
	}
	c->strong = c->strong || strong;
	return (WCS_OK);
}

static int
claim(struct wcs_engine *eng, const char *name, const struct wcs_addr *a,
    bool strong, const char *why, const struct wcs_event *ev)
{
	struct engine_claim cl = { .strong = strong,
		.what = why,
		.input = ev->input,
		.line = ev->line,
		.count = 1 };
	struct host *nh, *ah;

	if (!usable_name(name) || !usable_addr(a))
		return (WCS_OK);
	if ((nh = host_by_name(&eng->hosts, name)) == NULL ||
	    (ah = host_by_addr(&eng->hosts, a)) == NULL)
		return (eng->hosts.oom ? WCS_FATAL : WCS_OK);
	return (engine_claim_note(eng, nh, ah, &cl));
}

/* The host an event speaks about. */
static struct host *
subject_of(struct wcs_engine *eng, const struct wcs_event *ev)
{
	switch (ev->kind) {
	case WCS_EV_DNS:
	case WCS_EV_SMB:
		if (usable_addr(&ev->src))
			return (host_by_addr(&eng->hosts, &ev->src));
		break;
	case WCS_EV_CONN:
		if (!usable_name(ev->host) && usable_addr(&ev->src))
			return (host_by_addr(&eng->hosts, &ev->src));
		break;
	default:
		break;
	}
	if (usable_name(ev->host))
		return (host_by_name(&eng->hosts, ev->host));
	if (usable_addr(&ev->src))
		return (host_by_addr(&eng->hosts, &ev->src));
	return (NULL);
}

static bool
strong_class(enum wcs_ioc_class c)
{
	return (c == WCS_CLASS_STARTUP || c == WCS_CLASS_PERSISTENCE ||
		c == WCS_CLASS_ENCRYPTION || c == WCS_CLASS_SPREADING);
}

/* x after y in the order evidence is kept in: by time (none last), then
 * host_evidence_cmp. */
static bool
evidence_after(const struct wcs_evidence *x, const struct wcs_evidence *y)
{
	if ((x->ts_us == WCS_TIME_NONE) != (y->ts_us == WCS_TIME_NONE))
		return (x->ts_us == WCS_TIME_NONE);
	return (host_evidence_cmp(x, y) > 0);
}

/* The greatest of a full host's evidence by host_evidence_cmp, items
 * with no time counting as the greatest: the one a lesser item
 * replaces. */
static struct wcs_evidence *
greatest_evidence(struct host *h)
{
	struct wcs_evidence *e, *x;
	size_t i;

	if (h->greatest != 0)
		return (&h->evidence[h->greatest - 1]);
	e = &h->evidence[0];
	for (i = 1; i < h->nevidence; i++) {
		x = &h->evidence[i];
		if (evidence_after(x, e))
			e = x;
	}
	h->greatest = (uint8_t)(e - h->evidence + 1);
	return (e);
}

/* A copy of detail, shared with earlier evidence that says the same. */
const char *
engine_shared_detail(struct wcs_engine *eng, const char *detail, size_t len)
{
	const char **slot, *copy;
	uint64_t h;

	if (len > DETAIL_MAX)
		len = DETAIL_MAX;
	h = wcs_fnv1a(detail, len, false);
	slot = &eng->detail_cache[h & (DETAIL_CACHE - 1)];
	if (*slot != NULL && strncmp(*slot, detail, len) == 0 &&
	    (*slot)[len] == '\0')
		return (*slot);
	if ((copy = wcs_pool_strndup(eng->pool, detail, len)) != NULL)
		*slot = copy;
	return (copy);
}

struct wcs_evidence *
engine_evidence_slot(
    struct wcs_engine *eng, struct host *h, const struct wcs_evidence *x)
{
	struct wcs_evidence *e;

	/* The caller writes the slot returned. */
	if (h->nevidence < HOST_EVIDENCE_MAX) {
		if (!host_evidence_room(&eng->hosts, h))
			return (NULL);
		h->greatest = 0;
		return (&h->evidence[h->nevidence++]);
	}
	e = greatest_evidence(h);
	if (!evidence_after(e, x))
		return (NULL);
	h->greatest = 0;
	return (e);
}

static int
add_evidence(struct wcs_engine *eng, struct host *h,
    const struct wcs_rule_info *rule, const struct wcs_event *ev,
    uint32_t clock, const char *detail)
{
	struct wcs_evidence *e;
	size_t dlen;

	h->evidence_total++;
	h->classes |= 1u << rule->cls;
	note_min(&h->first_evidence, ev->ts_us);
	if (strong_class(rule->cls)) {
		note_min(&h->first_strong, ev->ts_us);
		note_max(&h->last_strong, ev->ts_us);
		if ((unsigned)rule->severity > h->max_severity_strong)
			h->max_severity_strong = (unsigned)rule->severity;
	}
	if (h->nevidence == HOST_EVIDENCE_MAX) {
		/* Keep the earliest: they say when it began.  Which are
		 * kept follows from the items alone (a total order), not
		 * from the order they were read in. */
		e = greatest_evidence(h);
		if (e->ts_us != WCS_TIME_NONE &&
		    (ev->ts_us == WCS_TIME_NONE || ev->ts_us > e->ts_us))
			return (WCS_OK);
		if (ev->ts_us == e->ts_us) {
			struct wcs_evidence cand = { .rule = rule->id,
				.ts_us = ev->ts_us,
				.source = source_of(eng, ev),
				.detail = detail };

			if (cand.source == NULL)
				return (WCS_FATAL);
			if (!evidence_after(e, &cand))
				return (WCS_OK);
		}
	} else {
		if (!host_evidence_room(&eng->hosts, h))
			return (WCS_FATAL);
		e = &h->evidence[h->nevidence++];
	}
	h->greatest = 0;
	dlen = strlen(detail);
	e->rule = rule->id;
	e->ts_us = ev->ts_us;
	e->cls = rule->cls;
	e->severity = rule->severity;
	e->input = ev->input;
	e->clock = clock;
	e->source = source_of(eng, ev);
	e->detail = engine_shared_detail(eng, detail, dlen);
	if (e->source == NULL || e->detail == NULL)
		return (WCS_FATAL);
	return (WCS_OK);
}

/* The kill switch's answers over time, whoever asked (forwarders too). */
static void
note_ks_response(struct wcs_engine *eng, const struct wcs_rule_info *rule,
    const struct wcs_event *ev)
{
	struct ks_timeline *k = NULL;
	size_t i;

	for (i = 0; i < eng->nks; i++) {
		if (eng->ks[i].rule == rule)
			k = &eng->ks[i];
	}
	if (k == NULL) {
		if (eng->nks == KS_TIMELINES)
			return;
		k = &eng->ks[eng->nks++];
		k->rule = rule;
		k->first_answer = k->last_nx = WCS_TIME_NONE;
	}
	if (ev->rcode == WCS_RCODE_NOERROR)
		note_min(&k->first_answer, ev->ts_us);
	else if (ev->rcode == WCS_RCODE_NXDOMAIN)
		note_max(&k->last_nx, ev->ts_us);
}

static int
rule_hit(const struct wcs_rule_info *rule, const struct wcs_event *ev,
    const char *detail, void *arg)
{
	struct wcs_engine *eng = arg;
	struct host *h;

	if (rule->cls == WCS_CLASS_LOOKUP && ev->kind == WCS_EV_DNS &&
	    ev->dns_dir == WCS_DNS_RESPONSE)
		note_ks_response(eng, rule, ev);
	if ((h = subject_of(eng, ev)) == NULL) {
		if (eng->hosts.oom)
			return (WCS_FATAL);
		/* No host to pin it on (a DNS server's own forwarded query):
		 * the client's own line carries the evidence. */
		eng->unattributed++;
		return (WCS_OK);
	}
	if (rule->cls == WCS_CLASS_LOOKUP && ev->kind == WCS_EV_DNS) {
		host_note_lookup_rule(h, rule, ev->ts_us);
		note_min(&h->ks_first, ev->ts_us);
		if (ev->dns_dir == WCS_DNS_RESPONSE &&
		    ev->rcode == WCS_RCODE_NOERROR)
			note_min(&h->ks_answered, ev->ts_us);
		if (ev->rcode == WCS_RCODE_NXDOMAIN)
			h->ks_nxdomain = true;
		if (!host_note_lookup(&eng->hosts, h, eng->clock, ev->ts_us))
			return (WCS_FATAL);
	}
	return (add_evidence(eng, h, rule, ev, eng->clock, detail));
}

static bool
is_web(const struct wcs_event *ev)
{
	return (ev->kind == WCS_EV_CONN &&
		(ev->dport == 80 || ev->dport == 443) &&
		(ev->proto == 6 || ev->proto == 0) &&
		ev->ts_us != WCS_TIME_NONE && wcs_addr_is_public(&ev->dst));
}

/*
 * The clock that stamped an event: a Windows computer's own (its name,
 * whichever file holds its events), else that of the machine whose log
 * the input is (a firewall, a DNS server, a host's pfirewall.log).
 */
static uint32_t
event_clock(struct wcs_engine *eng, const struct wcs_event *ev)
{
	if (ev->event_id != 0 && usable_name(ev->host))
		return (clock_of_machine(eng->clocks, ev->host));
	return (clock_of_input(eng->clocks, ev->input));
}

/*
 * Add fingerprint k to the records read; *dup says whether it was there.
 * Past SEEN_RECORDS_MAX records, none is added (counted as unchecked).
 */
int
engine_seen_add(struct wcs_engine *eng, uint64_t k, bool *dup)
{
	struct seen_records *s = &eng->seen;
	uint64_t *ns;
	size_t i, j, ncap;

	*dup = false;
	if ((s->n + 1) * 2 > s->cap) {
		if (s->n >= SEEN_RECORDS_MAX) {
			s->unchecked++;
			return (WCS_OK);
		}
		ncap = s->cap == 0 ? 4096 : s->cap * 2;
		if ((ns = wcs_calloc(eng->ctx, ncap, sizeof(*ns))) == NULL)
			return (WCS_FATAL);
		for (i = 0; i < s->cap; i++) {
			if (s->slots[i] == 0)
				continue;
			j = s->slots[i] & (ncap - 1);
			while (ns[j] != 0)
				j = (j + 1) & (ncap - 1);
			ns[j] = s->slots[i];
		}
		wcs_free(eng->ctx, s->slots);
		s->slots = ns;
		s->cap = ncap;
	}
	for (j = k & (s->cap - 1); s->slots[j] != 0;
	     j = (j + 1) & (s->cap - 1)) {
		if (s->slots[j] == k) {
			*dup = true;
			return (WCS_OK);
		}
	}
	s->slots[j] = k;
	s->n++;
	return (WCS_OK);
}

/* Count n copies dropped from input i.  WCS_OK or WCS_FATAL. */
int
engine_seen_dups(struct wcs_engine *eng, size_t i, uint64_t n)
{
	struct seen_records *s = &eng->seen;
	uint64_t *ns;
	size_t ncap;

	if (i >= s->ndups) {
		ncap = i + 16;
		if ((ns = wcs_reallocarray(
			 eng->ctx, s->dups, ncap, sizeof(*ns))) == NULL)
			return (WCS_FATAL);
		memset(ns + s->ndups, 0, (ncap - s->ndups) * sizeof(*ns));
		s->dups = ns;
		s->ndups = ncap;
	}
	s->dups[i] += n;
	return (WCS_OK);
}

/*
 * Whether this Windows event record was read before (another copy of the
 * same log, the host's export beside a collector's).  The key is the
 * record's machine (its Computer's first label, case-insensitive, as its
 * clock is named: not the clock's number, which is this engine's own and
 * would not merge with another's), its Channel (case-insensitive) and
 * EventRecordID; records without them are not checked.
 */
static int
seen_before(struct wcs_engine *eng, const struct wcs_event *ev, bool *dup)
{
	uint64_t k, m;
	int rc;

	*dup = false;
	if (ev->record_id == 0 || ev->channel == NULL || ev->event_id == 0 ||
	    !usable_name(ev->host))
		return (WCS_OK);
	k = wcs_fnv1a(ev->channel, strlen(ev->channel), true);
	m = wcs_fnv1a(ev->host, strcspn(ev->host, "."), true);
	k = wcs_mix64(k ^ wcs_mix64(m + 0x9e3779b97f4a7c15ull) ^
		      wcs_mix64(ev->record_id)) |
	    1;
	if ((rc = engine_seen_add(eng, k, dup)) != WCS_OK || !*dup)
		return (rc);
	return (engine_seen_dups(eng, ev->input, 1));
}

uint64_t
wcs_engine_input_duplicates(const struct wcs_engine *eng, size_t i)
{
	return (i < eng->seen.ndups ? eng->seen.dups[i] : 0);
}

uint64_t
wcs_engine_unchecked_records(const struct wcs_engine *eng)
{
	return (eng->seen.unchecked);
}

uint64_t
wcs_engine_records_in_two_states(const struct wcs_engine *eng)
{
	return (eng->seen.in_two_states);
}

/* Boyer-Moore majority vote over a host log's own addresses. */
static void
vote_owner(struct wcs_engine *eng, const struct wcs_event *ev)
{
	struct hostlog_owner *o;
	const struct wcs_addr *own;

	if (ev->input >= eng->nowners || !eng->owners[ev->input].host_log)
		return;
	o = &eng->owners[ev->input];
	own = ev->outbound ? &ev->src : &ev->dst;
	if (!usable_addr(own))
		return;
	if (o->votes == 0) {
		o->cand = *own;
		o->votes = 1;
	} else if (wcs_addr_equal(&o->cand, own)) {
		o->votes++;
	} else {
		o->votes--;
	}
}

int
wcs_engine_feed(struct wcs_engine *eng, const struct wcs_event *ev)
{
	struct host *h;
	bool dup;
	int rc;

	if ((eng->clock = event_clock(eng, ev)) == CLOCK_NONE)
		return (WCS_FATAL);
	if ((rc = seen_before(eng, ev, &dup)) != WCS_OK || dup)
		return (rc);
	if (fanout_wants(ev) &&
	    (rc = fanout_add(eng->fanout, ev, eng->clock)) != WCS_OK)
		return (rc);
	if (is_web(ev) && usable_addr(&ev->src) &&
	    !wcs_addr_is_public(&ev->src)) {
		h = host_by_addr_web(&eng->hosts, &ev->src);
		if (h != NULL ? !host_note_web(&eng->hosts, h, ev->ts_us) :
				eng->hosts.oom)
			return (WCS_FATAL);
	}

	if (ev->kind == WCS_EV_CONN)
		vote_owner(eng, ev);
	switch (ev->kind) {
	case WCS_EV_LOGON:
		/* 4624: the source address logged on from that workstation. */
		rc = claim(eng, ev->name, &ev->src, false,
		    "4624 WorkstationName, asserted by the client", ev);
		break;
	case WCS_EV_CONN:
		/* Sysmon 3: the reporting computer owns the local end. */
		rc =
		    ev->event_id == 0 ?
			WCS_OK :
			claim(eng, ev->host, ev->outbound ? &ev->src : &ev->dst,
			    true, "Sysmon 3 Computer, its own connection", ev);
		break;
	case WCS_EV_SMB:
		rc = claim(eng, ev->host, &ev->src, false,
		    "SMB log ComputerName, asserted by the client", ev);
		if (rc == WCS_OK && ev->smb_version == 1) {
			/* Both ends of an SMB1 session speak SMB1. */
			if (usable_addr(&ev->src) &&
			    (h = host_by_addr(&eng->hosts, &ev->src)) != NULL)
				h->smb1 = true;
			if (usable_addr(&ev->dst) &&
			    (h = host_by_addr(&eng->hosts, &ev->dst)) != NULL)
				h->smb1 = true;
			if (eng->hosts.oom)
				return (WCS_FATAL);
		}
		break;
	default:
		rc = WCS_OK;
	}
	if (rc != WCS_OK)
		return (rc);
	return (wcs_rules_match(eng->rules, ev, rule_hit, eng));
}

int
wcs_engine_finish(struct wcs_engine *eng, const struct wcs_result **res)
{
	int rc;

	if (!eng->finished) {
		if ((rc = engine_canonical(eng)) != WCS_OK ||
		    (rc = engine_conclude(eng)) != WCS_OK)
			return (rc);
		eng->finished = true;
	}
	*res = &eng->result;
	return (WCS_OK);
}

void
wcs_engine_input_host_log(struct wcs_engine *eng, size_t i)
{
	struct hostlog_owner *no;

	if (i >= UINT32_MAX)
		return;
	clock_input_is_host_log(eng->clocks, (uint32_t)i);
	if (i >= eng->nowners) {
		/* Without it the log's clock is merely not tied to the
		 * host's: nothing read is lost. */
		if ((no = wcs_reallocarray(
			 eng->ctx, eng->owners, i + 1, sizeof(*no))) == NULL)
			return;
		memset(
		    no + eng->nowners, 0, (i + 1 - eng->nowners) * sizeof(*no));
		eng->owners = no;
		eng->nowners = i + 1;
	}
	eng->owners[i].host_log = true;
}

bool
wcs_engine_input_offset(const struct wcs_engine *eng, size_t i,
    int64_t *offset_us, int64_t *uncertainty_us, const char **ref,
    size_t *samples)
{
	uint32_t id, r;

	if (!eng->finished || i >= UINT32_MAX ||
	    (id = clock_of_input(eng->clocks, (uint32_t)i)) == CLOCK_NONE ||
	    !clock_known(eng->clocks, id))
		return (false);
	*offset_us = clock_offset(eng->clocks, id);
	*uncertainty_us = clock_uncertainty(eng->clocks, id);
	*samples = clock_samples(eng->clocks, id);
	r = clock_reference(eng->clocks, id);
	*ref = r == id ? NULL : engine_clock_name(eng, r);
	return (true);
}

uint64_t
wcs_engine_untracked(const struct wcs_engine *eng)
{
	return (fanout_untracked(eng->fanout));
}

uint64_t
wcs_engine_untracked_hosts(const struct wcs_engine *eng)
{
	return (eng->hosts.untracked);
}
