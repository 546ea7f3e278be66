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
#include "hosts.h"

#define DETAIL_MAX 512
/* Clocks of different sources disagree by minutes: say how much we allow. */
#define SKEW_TOLERANCE_US (5 * 60 * WCS_USEC)

struct wcs_engine {
	struct wcs_ctx *ctx;
	struct wcs_pool *pool;
	struct wcs_rules *rules;
	struct host_table hosts;
	const char *const *paths;
	size_t npaths;
	struct wcs_result result;
	bool finished;
};

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
		wcs_engine_set_inputs(eng, opts->input_paths, opts->ninputs);
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
	return (s != NULL && s[0] != '\0' && strcmp(s, "-") != 0);
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
static int
join(struct wcs_engine *eng, const char *name, const struct wcs_addr *a,
    const char *why, const struct wcs_event *ev)
{
	struct host *nh, *ah;
	char abuf[WCS_ADDR_STRLEN];

	if (!usable_name(name) || !usable_addr(a))
		return (WCS_OK);
	if ((nh = host_by_name(&eng->hosts, name)) == NULL)
		return (WCS_FATAL);
	if (nh->alias != NULL)
		return (WCS_OK);
	if ((ah = host_by_addr(&eng->hosts, a)) == NULL)
		return (WCS_FATAL);
	nh->alias = ah;
	if (!host_add_name(&eng->hosts, ah, name))
		return (WCS_FATAL);
	if (ah->njoins < HOST_JOINS_MAX) {
		ah->joins[ah->njoins] = wcs_pool_printf(eng->pool,
		    "name %s joined to %s by %s (%s)", name,
		    wcs_addr_format(a, abuf, sizeof(abuf)), why,
		    source_of(eng, ev));
		if (ah->joins[ah->njoins] == NULL)
			return (WCS_FATAL);
		ah->njoins++;
	}
	return (WCS_OK);
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

static void
note_time(int64_t *first, int64_t t, bool earliest)
{
	if (t == WCS_TIME_NONE)
		return;
	if (*first == WCS_TIME_NONE || (earliest ? t < *first : t > *first))
		*first = t;
}

static bool
strong_class(enum wcs_ioc_class c)
{
	return (c == WCS_CLASS_STARTUP || c == WCS_CLASS_PERSISTENCE ||
		c == WCS_CLASS_ENCRYPTION || c == WCS_CLASS_SPREADING);
}

static int
add_evidence(struct wcs_engine *eng, struct host *h,
    const struct wcs_rule_info *rule, const struct wcs_event *ev,
    const char *detail)
{
	struct wcs_evidence *e;
	size_t dlen;

	h->evidence_total++;
	h->classes |= 1u << rule->cls;
	note_time(&h->first_evidence, ev->ts_us, true);
	if (strong_class(rule->cls)) {
		note_time(&h->first_strong, ev->ts_us, true);
		note_time(&h->last_strong, ev->ts_us, false);
		if ((unsigned)rule->severity > h->max_severity_strong)
			h->max_severity_strong = (unsigned)rule->severity;
	}
	if (h->nevidence == HOST_EVIDENCE_MAX)
		return (WCS_OK);
	e = &h->evidence[h->nevidence];
	dlen = strlen(detail);
	e->rule = rule->id;
	e->ts_us = ev->ts_us;
	e->cls = rule->cls;
	e->severity = rule->severity;
	e->source = source_of(eng, ev);
	e->detail = wcs_pool_strndup(
	    eng->pool, detail, dlen > DETAIL_MAX ? DETAIL_MAX : dlen);
	if (e->source == NULL || e->detail == NULL)
		return (WCS_FATAL);
	h->nevidence++;
	return (WCS_OK);
}

static int
rule_hit(const struct wcs_rule_info *rule, const struct wcs_event *ev,
    const char *detail, void *arg)
{
	struct wcs_engine *eng = arg;
	struct host *h;

	if ((h = subject_of(eng, ev)) == NULL) {
		/* No host to pin it on: still worth a row of its own. */
		if ((h = host_by_name(&eng->hosts, "(unknown host)")) == NULL)
			return (WCS_FATAL);
	}
	if (rule->cls == WCS_CLASS_LOOKUP && ev->kind == WCS_EV_DNS) {
		note_time(&h->ks_first, ev->ts_us, true);
		if (ev->dns_dir == WCS_DNS_RESPONSE &&
		    ev->rcode == WCS_RCODE_NOERROR)
			note_time(&h->ks_answered, ev->ts_us, true);
		if (ev->rcode == WCS_RCODE_NXDOMAIN)
			h->ks_nxdomain = true;
	}
	return (add_evidence(eng, h, rule, ev, detail));
}

int
wcs_engine_feed(struct wcs_engine *eng, const struct wcs_event *ev)
{
	struct host *h;
	int rc;

	switch (ev->kind) {
	case WCS_EV_LOGON:
		/* 4624: the source address logged on from that workstation. */
		rc = join(eng, ev->name, &ev->src, "4624 WorkstationName", ev);
		break;
	case WCS_EV_CONN:
		/* Sysmon 3: the reporting computer owns the local end. */
		rc = join(eng, ev->host, ev->outbound ? &ev->src : &ev->dst,
		    "Sysmon 3 Computer", ev);
		break;
	case WCS_EV_SMB:
		rc = join(eng, ev->host, &ev->src, "SMB log ComputerName", ev);
		if (rc == WCS_OK && ev->smb_version == 1) {
			/* Both ends of an SMB1 session speak SMB1. */
			if (usable_addr(&ev->src) &&
			    (h = host_by_addr(&eng->hosts, &ev->src)) != NULL)
				h->smb1 = true;
			if (usable_addr(&ev->dst) &&
			    (h = host_by_addr(&eng->hosts, &ev->dst)) != NULL)
				h->smb1 = true;
		}
		break;
	default:
		rc = WCS_OK;
	}
	if (rc != WCS_OK)
		return (rc);
	return (wcs_rules_match(eng->rules, ev, rule_hit, eng));
}

/* Move what a name-only host learnt into the address host it joined. */
static int
fold(struct wcs_engine *eng, struct host *from, struct host *to)
{
	size_t i;

	for (i = 0; i < from->nnames; i++) {
		if (!host_add_name(&eng->hosts, to, from->names[i]))
			return (WCS_FATAL);
	}
	for (i = 0; i < from->nevidence && to->nevidence < HOST_EVIDENCE_MAX;
	     i++)
		to->evidence[to->nevidence++] = from->evidence[i];
	to->evidence_total += from->evidence_total;
	to->classes |= from->classes;
	note_time(&to->first_evidence, from->first_evidence, true);
	note_time(&to->first_strong, from->first_strong, true);
	note_time(&to->last_strong, from->last_strong, false);
	note_time(&to->ks_first, from->ks_first, true);
	note_time(&to->ks_answered, from->ks_answered, true);
	if (from->max_severity_strong > to->max_severity_strong)
		to->max_severity_strong = from->max_severity_strong;
	to->ks_nxdomain |= from->ks_nxdomain;
	to->smb1 |= from->smb1;
	from->folded = true;
	return (WCS_OK);
}

/* Distinct rules among the kept evidence in the classes, of a severity. */
static size_t
distinct_rules(const struct host *h, unsigned class_mask, int min_sev)
{
	size_t i, j, n = 0;

	for (i = 0; i < h->nevidence; i++) {
		if ((class_mask & (1u << h->evidence[i].cls)) == 0 ||
		    h->evidence[i].severity < min_sev)
			continue;
		for (j = 0; j < i; j++) {
			if (strcmp(h->evidence[j].rule, h->evidence[i].rule) ==
			    0)
				break;
		}
		if (j == i)
			n++;
	}
	return (n);
}

static int
evidence_cmp(const void *a, const void *b)
{
	const struct wcs_evidence *x = a, *y = b;

	if (x->ts_us != y->ts_us)
		return (x->ts_us < y->ts_us ? -1 : 1);
	return (strcmp(x->source, y->source));
}

#define CLASS_BIT(c) (1u << (c))
#define STRONG_CLASSES                                                     \
	(CLASS_BIT(WCS_CLASS_STARTUP) | CLASS_BIT(WCS_CLASS_PERSISTENCE) | \
	    CLASS_BIT(WCS_CLASS_ENCRYPTION) | CLASS_BIT(WCS_CLASS_SPREADING))

static int
add_reason(struct wcs_host *out, const char **buf, const char *reason)
{
	if (reason == NULL)
		return (WCS_FATAL);
	buf[out->nreasons++] = reason;
	return (WCS_OK);
}

/* Decide one host's verdict, score and reasons. */
static int
judge(struct wcs_engine *eng, struct host *h, struct wcs_host *out)
{
	char tbuf[WCS_TIME_STRLEN];
	const struct wcs_evidence *first = NULL;
	const char **reasons;
	size_t i, nstrong;
	double score = 0;

	memset(out, 0, sizeof(*out));
	out->ip = h->ip;
	out->names = h->names;
	out->nnames = h->nnames;
	out->smb1 = h->smb1;
	out->first_evidence = h->first_evidence;
	out->fanout.first = out->fanout.last = WCS_TIME_NONE;
	qsort(h->evidence, h->nevidence, sizeof(h->evidence[0]), evidence_cmp);
	out->evidence = h->evidence;
	out->nevidence = h->nevidence;
	out->evidence_total = h->evidence_total;
	reasons =
	    wcs_pool_alloc(eng->pool, (4 + HOST_JOINS_MAX) * sizeof(*reasons));
	if (reasons == NULL)
		return (WCS_FATAL);
	out->reasons = reasons;
	for (i = 0; i < h->nevidence; i++) {
		if (strong_class(h->evidence[i].cls)) {
			first = &h->evidence[i];
			break;
		}
	}
	/* WannaCry-specific indicators are critical; generic ones (shadow
	 * copy deletion) count only in company. */
	nstrong = distinct_rules(h, STRONG_CLASSES, 3);
	/*
	 * The worm checks the kill switch before anything else, so an
	 * answered lookup with nothing past the worm's own start means it
	 * exited there.
	 */
	if (h->ks_answered != WCS_TIME_NONE &&
	    (h->classes & ~(CLASS_BIT(WCS_CLASS_LOOKUP) |
			      CLASS_BIT(WCS_CLASS_STARTUP))) == 0) {
		/* The worm asked, got an answer and exited. */
		out->verdict = WCS_VERDICT_NEUTRALIZED;
		score = 30;
		if (add_reason(out, reasons,
			wcs_pool_printf(eng->pool,
			    "kill-switch name answered at %s; no sign the "
			    "worm went on",
			    wcs_time_format(
				h->ks_answered, tbuf, sizeof(tbuf)))) != WCS_OK)
			return (WCS_FATAL);
	} else if (first != NULL &&
		   (h->max_severity_strong >= 4 || nstrong >= 2)) {
		out->verdict = WCS_VERDICT_INFECTED;
		score = 50 + 10 * (double)(nstrong > 5 ? 5 : nstrong);
		if (add_reason(out, reasons,
			wcs_pool_printf(eng->pool,
			    "first WannaCry activity %s: %s (%s)",
			    wcs_time_format(first->ts_us, tbuf, sizeof(tbuf)),
			    first->rule, first->source)) != WCS_OK)
			return (WCS_FATAL);
	} else if (h->evidence_total > 0) {
		out->verdict = WCS_VERDICT_SUSPICIOUS;
		score = h->classes & STRONG_CLASSES ? 25 : 15;
		if (add_reason(out, reasons,
			h->ks_first != WCS_TIME_NONE && first == NULL ?
			    wcs_pool_printf(eng->pool,
				"kill-switch name looked up at %s%s, nothing "
				"else",
				wcs_time_format(
				    h->ks_first, tbuf, sizeof(tbuf)),
				h->ks_nxdomain ? " (NXDOMAIN)" : "") :
			    wcs_pool_strdup(eng->pool,
				"weak or generic indicators only")) != WCS_OK)
			return (WCS_FATAL);
	} else if (h->smb1) {
		out->verdict = WCS_VERDICT_EXPOSED;
		score = 5;
		if (add_reason(out, reasons,
			wcs_pool_strdup(eng->pool,
			    "speaks SMBv1 (SMB access log), no sign of "
			    "infection")) != WCS_OK)
			return (WCS_FATAL);
	}
	if (out->verdict != WCS_VERDICT_CLEAN) {
		for (i = 0; i < h->njoins; i++)
			reasons[out->nreasons++] = h->joins[i];
	}
	out->score = score;
	return (WCS_OK);
}

static int
host_cmp(const void *a, const void *b)
{
	const struct wcs_host *x = a, *y = b;
	char lx[WCS_ADDR_STRLEN + 64], ly[WCS_ADDR_STRLEN + 64];

	if (x->verdict != y->verdict)
		return (x->verdict > y->verdict ? -1 : 1);
	if (x->verdict == WCS_VERDICT_INFECTED &&
	    x->first_evidence != y->first_evidence) {
		if (x->first_evidence == WCS_TIME_NONE)
			return (1);
		if (y->first_evidence == WCS_TIME_NONE)
			return (-1);
		return (x->first_evidence < y->first_evidence ? -1 : 1);
	}
	if (x->score != y->score)
		return (x->score > y->score ? -1 : 1);
	return (strcmp(wcs_host_label(x, lx, sizeof(lx)),
	    wcs_host_label(y, ly, sizeof(ly))));
}

int
wcs_engine_finish(struct wcs_engine *eng, const struct wcs_result **res)
{
	struct host_table *t = &eng->hosts;
	struct wcs_host *out;
	struct host *h;
	size_t i, n = 0;
	unsigned rank = 1;

	if (eng->finished) {
		*res = &eng->result;
		return (WCS_OK);
	}
	for (i = 0; i < t->cap; i++) {
		h = t->slots[i];
		if (h != NULL && h->alias != NULL &&
		    fold(eng, h, h->alias) != WCS_OK)
			return (WCS_FATAL);
	}
	out = wcs_pool_alloc(eng->pool, (t->n + 1) * sizeof(*out));
	if (out == NULL)
		return (WCS_FATAL);
	for (i = 0; i < t->cap; i++) {
		h = t->slots[i];
		if (h == NULL || h->folded)
			continue;
		if (judge(eng, h, &out[n]) != WCS_OK)
			return (WCS_FATAL);
		if (out[n].verdict != WCS_VERDICT_CLEAN)
			n++;
	}
	/* Patient-zero candidates first, earliest evidence first. */
	qsort(out, n, sizeof(*out), host_cmp);
	for (i = 0; i < n; i++) {
		if (out[i].verdict == WCS_VERDICT_INFECTED)
			out[i].rank = rank++;
	}
	eng->result.hosts = out;
	eng->result.nhosts = n;
	eng->finished = true;
	*res = &eng->result;
	return (WCS_OK);
}
