/*
 * Cisco ASA (and FTD, PIX) syslog messages:
 *
 *	May 12 2017 15:03:01: %ASA-6-302013: Built inbound TCP connection
 *	    4711 for outside:203.0.113.7/49152 (203.0.113.7/49152) to
 *	    inside:10.0.0.9/445 (198.51.100.9/445)
 *
 * The header before "%ASA-" varies with "logging timestamp", "logging
 * device-id" and the receiver: nothing; the ASA's own stamp "May 12 2017
 * 15:03:01" (local, with a year); a syslog stamp (BSD: no year; RFC 3339)
 * and the device's name, sometimes followed by the ASA's stamp too (which
 * is preferred, having a year); "<PRI>" and RFC 5424's "1 " in front.  A
 * message without any stamp cannot be placed in time and is rejected.
 * The ASA's stamp may end in the zone "clock timezone" named ("Apr 15
 * 2014 09:34:34 EDT:"): a zone it names keeps that zone, and such a stamp
 * is preferred to any other; --tz dates only stamps without one (a name
 * not in asa_zone's table, such as "MSK/MSD", counts as none).
 *
 * The tag may carry the message class ("%ASA-session-5-106100:") and the
 * colon after the ID may be missing.  With "names" configured an endpoint
 * is an object's name ("dmz:OCSP_Server/5678"): the event keeps the port
 * and the name (ev->name) and has no address for that end; a message
 * whose two ends are both names is rejected, naming them.  Interface
 * names may hold ':' (contexts: "v1:outside:10.8.1.9/54864").
 *
 * Messages read (format from Cisco's "ASA Series Syslog Messages"):
 *
 *	302013/302015	Built {inbound|outbound} {TCP|UDP} connection ID for
 *			IF:addr/port (mapped) to IF:addr/port (mapped)
 *	302014/302016	Teardown {TCP|UDP} connection ID for IF:addr/port to
 *			IF:addr/port duration ...
 *	106023		Deny PROTO src IF:addr/port dst IF:addr/port by
 *			access-group "ACL"
 *	106100		access-list ACL {permitted|denied|est-allowed} PROTO
 *			IF/addr(port) -> IF/addr(port) hit-cnt ...
 *	106001		Inbound TCP connection denied from addr/port to
 *			addr/port flags ... on interface IF
 *	106006/106007	Deny inbound UDP from addr/port to addr/port ...
 *	106015		Deny TCP (no connection) from addr/port to addr/port
 *			flags ... on interface IF
 *	710003		{TCP|UDP} access denied by ACL from addr/port to
 *			IF:addr/port (to the ASA itself)
 *
 * Built and Teardown name the endpoint on the lower-security interface
 * first: for an inbound connection that is the initiator, for an outbound
 * one the responder.  So an outbound connection's source is the second
 * endpoint.  Teardown does not say the direction: it is remembered from
 * the Built message by connection ID (a bounded table), and when that was
 * not seen, the endpoint with a port below 1024 facing one above is taken
 * for the responder, else the inbound order is assumed.  Built and
 * Teardown are connections the ASA allowed; the 106xxx and 710003 denials
 * are denied.  Other message IDs are ignored, as are other programs'
 * lines.
 */
#include <limits.h>
#include <string.h>

#include "wcscan/pool.h"
#include "readers_private.h"

#define ASA_CONNS 4096 /* Built directions remembered for Teardown */

struct asa_conn {
	uint32_t id;
	uint8_t valid, outbound;
};

struct asa_state {
	struct wcs_lu_reader lr; /* ctx, input, zone, year, pool */
	struct asa_conn *conns; /* ASA_CONNS; NULL when bidding */
	bool ours; /* the last line carried an ASA tag */
};

/* The stamp found in the header. */
struct asa_stamp {
	struct wcs_lu_syslog sl; /* BSD or ISO, as for syslog */
	bool own; /* the ASA's "Mmm dd yyyy" stamp, in sl.civ */
	bool zoned; /* an ASA stamp with a zone it names: zone_s */
	bool found;
	long zone_s; /* the zone's offset east of UTC, in seconds */
};

/*
 * Zone names the ASA may print after its stamp ("logging timestamp" with
 * "clock timezone NAME hours", "clock summer-time NAME"): the usual
 * abbreviations with one meaning.  A name the ASA was given that is not
 * here (or "MSK/MSD") reads as no zone: local time, --tz.
 */
static long
asa_zone(const char *s, size_t len)
{
	static const struct {
		char name[6];
		short min; /* east of UTC */
	} zones[] = {
		{ "UTC", 0 },
		{ "GMT", 0 },
		{ "WET", 0 },
		{ "WEST", 60 },
		{ "BST", 60 },
		{ "CET", 60 },
		{ "CEST", 120 },
		{ "MET", 60 },
		{ "MEST", 120 },
		{ "EET", 120 },
		{ "EEST", 180 },
		{ "MSK", 180 },
		{ "EST", -300 },
		{ "EDT", -240 },
		{ "CST", -360 },
		{ "CDT", -300 },
		{ "MST", -420 },
		{ "MDT", -360 },
		{ "PST", -480 },
		{ "PDT", -420 },
		{ "AKST", -540 },
		{ "AKDT", -480 },
		{ "HST", -600 },
		{ "JST", 540 },
		{ "KST", 540 },
		{ "SGT", 480 },
		{ "HKT", 480 },
		{ "AWST", 480 },
		{ "ACST", 570 },
		{ "ACDT", 630 },
		{ "AEST", 600 },
		{ "AEDT", 660 },
		{ "NZST", 720 },
		{ "NZDT", 780 },
	};
	size_t i;

	for (i = 0; i < WCS_NELEM(zones); i++) {
		if (strlen(zones[i].name) == len &&
		    memcmp(zones[i].name, s, len) == 0)
			return (zones[i].min * 60L);
	}
	return (LONG_MIN);
}

/* " EDT:" after an ASA stamp at s: sets the zone; false when none. */
static bool
asa_stamp_zone(const char *s, size_t len, struct asa_stamp *st)
{
	size_t n;

	if (len < 3 || s[0] != ' ')
		return (false);
	for (n = 1; n < len && n < 6 && s[n] >= 'A' && s[n] <= 'Z'; n++)
		;
	if (n == 1 || n == len || s[n] != ':' ||
	    (st->zone_s = asa_zone(s + 1, n - 1)) == LONG_MIN)
		return (false);
	st->zoned = true;
	return (true);
}

/* Try each kind of stamp at s, and the zone after an ASA one. */
static size_t
asa_stamp_at(const char *s, size_t len, struct asa_stamp *st)
{
	size_t n;

	memset(st, 0, sizeof(*st));
	if ((n = wcs_lu_bsd_year_stamp(s, len, &st->sl.civ)) > 0)
		st->own = true;
	else if ((n = wcs_lu_bsd_stamp(s, len, &st->sl.civ)) > 0)
		st->sl.form = WCS_LU_SYSLOG_BSD;
	else if ((n = wcs_time_parse_iso(
		      s, len, &st->sl.ts, &st->sl.has_zone)) > 0 &&
		 s[10] == 'T')
		st->sl.form = WCS_LU_SYSLOG_ISO;
	else
		return (0);
	st->found = true;
	if (st->sl.form != WCS_LU_SYSLOG_ISO)
		(void)asa_stamp_zone(s + n, len - n, st);
	return (n);
}

/* How much a stamp says: a zone, then a year. */
static int
asa_stamp_rank(const struct asa_stamp *st)
{
	return ((st->zoned ? 2 : 0) + (st->own ? 1 : 0));
}

/*
 * The header before "%ASA-": its stamps, the one that says most preferred,
 * else the first.  "May 12 15:03:05 fw01 : May 12 2017 15:03:01:", "Nov 03
 * 02:08:12 :Nov 03 01:55:39 EDT:": a receiver's stamp, then the ASA's.
 */
static void
asa_header(const char *s, size_t len, struct asa_stamp *st)
{
	struct asa_stamp later;
	size_t i = 0, n;

	memset(st, 0, sizeof(*st));
	if (len > 0 && s[0] == '<') {
		for (i = 1; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i < len && s[i] == '>')
			i++;
		if (i + 1 < len && s[i] == '1' && s[i + 1] == ' ')
			i += 2;
	}
	if ((n = asa_stamp_at(s + i, len - i, st)) > 0)
		i += n;
	for (; i < len && asa_stamp_rank(st) < 3; i++) {
		if ((s[i] != ' ' && s[i] != ':') || i + 1 == len)
			continue;
		if (asa_stamp_at(s + i + 1, len - i - 1, &later) > 0 &&
		    later.sl.form != WCS_LU_SYSLOG_ISO &&
		    (!st->found || asa_stamp_rank(&later) > asa_stamp_rank(st)))
			*st = later;
	}
}

/* What an endpoint token gave. */
enum asa_end { END_BAD = 0, END_ADDR, END_NAME };

/*
 * Whether s[0..len) can be an object or host name: "OCSP_Server", not a
 * mistyped address ("10.1.1.300" has no letter).
 */
static bool
asa_object_name(const char *s, size_t len)
{
	bool letter = false;
	size_t i;

	if (len == 0 || len > 64)
		return (false);
	for (i = 0; i < len; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_')
			letter = true;
		else if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
			     s[i] == '.'))
			return (false);
	}
	return (letter);
}

/*
 * "IF:addr/port", "addr/port" or "IF/addr(port)"; port 0 if none.  An
 * interface name may hold ':' ("v1:outside:10.8.1.9/54864", contexts).
 * With names configured the ASA writes an object's name in place of its
 * address ("dmz:OCSP_Server/5678"): END_NAME, *name set, no address.
 */
static enum asa_end
asa_endpoint(struct wcs_span t, bool acl, struct wcs_addr *a, uint16_t *port,
    struct wcs_span *name)
{
	const char *p, *end = t.p + t.len, *sep;
	uint64_t v;

	*port = 0;
	/* A user or FQDN glued on after the port: "1.2.3.4/80(LOCAL\u)". */
	if (!acl && (p = memchr(t.p, '(', t.len)) != NULL)
		end = p;
	while (end > t.p && (end[-1] == ',' || end[-1] == ':'))
		end--;
	if (acl) {
		/* "outside/10.0.0.1(445)": the interface name ends at '/'. */
		if ((sep = memchr(t.p, '/', (size_t)(end - t.p))) == NULL)
			return (END_BAD);
		p = sep + 1;
		if ((sep = memchr(p, '(', (size_t)(end - p))) == NULL ||
		    end[-1] != ')' ||
		    !wcs_lu_uint(sep + 1, (size_t)(end - sep - 2), 65535, &v))
			return (END_BAD);
		*port = (uint16_t)v;
		end = sep;
	} else {
		for (sep = end; sep > t.p && sep[-1] != '/'; sep--)
			;
		if (sep > t.p) {
			if (!wcs_lu_uint(sep, (size_t)(end - sep), 65535, &v))
				return (END_BAD);
			*port = (uint16_t)v;
			end = sep - 1;
		}
		p = t.p;
	}
	if (wcs_addr_parse(p, (size_t)(end - p), a))
		return (END_ADDR);
	/* "inside:10.0.0.9", "v1:inside:fe80::1": after an interface. */
	for (sep = p; sep < end; sep++) {
		if (*sep == ':' &&
		    wcs_addr_parse(sep + 1, (size_t)(end - sep - 1), a))
			return (END_ADDR);
	}
	for (sep = end; sep > p && sep[-1] != ':'; sep--)
		;
	if (!asa_object_name(sep, (size_t)(end - sep)))
		return (END_BAD);
	name->p = sep;
	name->len = (size_t)(end - sep);
	return (END_NAME);
}

/*
 * Both endpoints of a message into ev.  One given by name keeps its port
 * and the name (ev->name) but no address; both by name cannot place the
 * connection at all, and the line is rejected.  WCS_OK, WCS_WARN or
 * WCS_FATAL.
 */
static int
asa_ends(struct wcs_lu_reader *r, struct wcs_span from, struct wcs_span to,
    bool acl, struct wcs_event *ev)
{
	struct wcs_span nf = { NULL, 0 }, nt = { NULL, 0 }, *n;
	enum asa_end ef, et;

	if ((ef = asa_endpoint(from, acl, &ev->src, &ev->sport, &nf)) ==
	    END_BAD)
		return (wcs_lu_reject(r->ctx, "endpoint", from));
	if ((et = asa_endpoint(to, acl, &ev->dst, &ev->dport, &nt)) == END_BAD)
		return (wcs_lu_reject(r->ctx, "endpoint", to));
	if (ef == END_NAME && et == END_NAME) {
		if (r->ctx != NULL)
			wcs_set_error(r->ctx, WCS_EPARSE,
			    "bad endpoints '%.*s' and '%.*s': object names, "
			    "no address",
			    (int)(nf.len > 64 ? 64 : nf.len), nf.p,
			    (int)(nt.len > 64 ? 64 : nt.len), nt.p);
		return (WCS_WARN);
	}
	n = ef == END_NAME ? &nf : et == END_NAME ? &nt : NULL;
	if (n != NULL && r->pool != NULL &&
	    (ev->name = wcs_pool_strndup(r->pool, n->p, n->len)) == NULL)
		return (WCS_FATAL);
	return (WCS_OK);
}

/* Index of the word lit among t[from..n), or n. */
static size_t
asa_word(const struct wcs_span *t, size_t n, size_t from, const char *lit)
{
	for (; from < n; from++) {
		if (wcs_lu_eq(t[from], lit))
			break;
	}
	return (from);
}

/* The message's length from its first word, for reject reasons. */
static size_t
asa_msglen(const struct wcs_span *t, size_t n)
{
	return ((size_t)(t[n - 1].p + t[n - 1].len - t[0].p));
}

static int
asa_proto(struct wcs_span t)
{
	return (wcs_lu_proto(t));
}

static void
asa_swap(struct wcs_event *ev)
{
	struct wcs_addr a = ev->src;
	uint16_t p = ev->sport;

	ev->src = ev->dst;
	ev->sport = ev->dport;
	ev->dst = a;
	ev->dport = p;
}

/* 302013-302016: Built and Teardown. */
static int
asa_conn(struct asa_state *st, const struct wcs_span *t, size_t n, bool built,
    struct wcs_event *ev)
{
	struct wcs_ctx *ctx = st->lr.ctx;
	struct asa_conn *c = NULL;
	size_t i = 1, f, to;
	uint64_t id = 0;
	int outbound = -1, p, rc;

	if (built) {
		if (n < 2)
			return (wcs_lu_reject_n(
			    ctx, "Built message", t[0].p, asa_msglen(t, n)));
		if (wcs_lu_eq(t[1], "outbound"))
			outbound = 1;
		else if (wcs_lu_eq(t[1], "inbound"))
			outbound = 0;
		else
			return (wcs_lu_reject_n(
			    ctx, "direction", t[1].p, t[1].len));
		i = 2;
	}
	f = asa_word(t, n, i, "for");
	to = asa_word(t, n, f, "to");
	if (i + 2 >= n || f + 1 >= n || to + 1 >= n ||
	    !wcs_lu_eq(t[i + 1], "connection") ||
	    !wcs_lu_uint(t[i + 2].p, t[i + 2].len, UINT32_MAX, &id))
		return (wcs_lu_reject_n(
		    ctx, "connection message", t[0].p, asa_msglen(t, n)));
	if ((p = asa_proto(t[i])) < 0)
		return (wcs_lu_reject_n(ctx, "protocol", t[i].p, t[i].len));
	ev->proto = (uint8_t)p;
	if ((rc = asa_ends(&st->lr, t[f + 1], t[to + 1], false, ev)) != WCS_OK)
		return (rc);
	if (st->conns != NULL)
		c = &st->conns[id % ASA_CONNS];
	if (built) {
		if (c != NULL) {
			c->id = (uint32_t)id;
			c->valid = 1;
			c->outbound = (uint8_t)outbound;
		}
	} else if (c != NULL && c->valid && c->id == id) {
		outbound = c->outbound;
		c->valid = 0;
	} else if (ev->sport < 1024 && ev->dport >= 1024)
		outbound = 1;
	if (outbound == 1)
		asa_swap(ev);
	ev->action = WCS_ACT_ALLOW;
	return (WCS_OK);
}

/* 106023: "Deny tcp src IF:a/p dst IF:b/q by access-group ...". */
static int
asa_106023(struct wcs_lu_reader *r, const struct wcs_span *t, size_t n,
    struct wcs_event *ev)
{
	size_t s = asa_word(t, n, 1, "src"), d;
	struct wcs_ctx *ctx = r->ctx;
	int p, rc;

	d = asa_word(t, n, s, "dst");
	if (s + 1 >= n || d + 1 >= n || s < 2)
		return (wcs_lu_reject_n(
		    ctx, "106023 message", t[0].p, asa_msglen(t, n)));
	/* "Deny tcp src", or "Deny protocol 47 src". */
	if ((p = asa_proto(t[s - 1])) < 0)
		return (
		    wcs_lu_reject_n(ctx, "protocol", t[s - 1].p, t[s - 1].len));
	ev->proto = (uint8_t)p;
	if ((rc = asa_ends(r, t[s + 1], t[d + 1], false, ev)) != WCS_OK)
		return (rc);
	ev->action = WCS_ACT_DENY;
	return (WCS_OK);
}

/* 106100: "access-list ACL denied tcp IF/a(p) -> IF/b(q) hit-cnt ...". */
static int
asa_106100(struct wcs_lu_reader *r, const struct wcs_span *t, size_t n,
    struct wcs_event *ev)
{
	size_t a = asa_word(t, n, 0, "->");
	struct wcs_ctx *ctx = r->ctx;
	int p, rc;

	if (a < 4 || a + 1 >= n || !wcs_lu_eq(t[0], "access-list"))
		return (wcs_lu_reject_n(
		    ctx, "106100 message", t[0].p, asa_msglen(t, n)));
	if (wcs_lu_eq(t[2], "denied"))
		ev->action = WCS_ACT_DENY;
	else if (wcs_lu_eq(t[2], "permitted") || wcs_lu_eq(t[2], "est-allowed"))
		ev->action = WCS_ACT_ALLOW;
	else
		return (wcs_lu_reject_n(
		    ctx, "access-list verdict", t[2].p, t[2].len));
	if ((p = asa_proto(t[3])) < 0)
		return (wcs_lu_reject_n(ctx, "protocol", t[3].p, t[3].len));
	ev->proto = (uint8_t)p;
	if ((rc = asa_ends(r, t[a - 1], t[a + 1], true, ev)) != WCS_OK)
		return (rc);
	/* ICMP's "(port)" is its type and code. */
	if (ev->proto != 6 && ev->proto != 17 && ev->proto != 132)
		ev->sport = ev->dport = 0;
	return (WCS_OK);
}

/* 106001, 106006, 106007, 106015, 710003: "... from a/p to b/q ...". */
static int
asa_from_to(struct wcs_lu_reader *r, const struct wcs_span *t, size_t n,
    struct wcs_event *ev)
{
	size_t f = asa_word(t, n, 0, "from"), to, i;
	struct wcs_ctx *ctx = r->ctx;
	int p = -1, rc;

	to = asa_word(t, n, f, "to");
	if (f + 1 >= n || to + 1 >= n)
		return (
		    wcs_lu_reject_n(ctx, "message", t[0].p, asa_msglen(t, n)));
	for (i = 0; i < f && p < 0; i++) {
		if (wcs_lu_eq(t[i], "TCP") || wcs_lu_eq(t[i], "UDP"))
			p = asa_proto(t[i]);
	}
	if (p > 0)
		ev->proto = (uint8_t)p;
	if ((rc = asa_ends(r, t[f + 1], t[to + 1], false, ev)) != WCS_OK)
		return (rc);
	ev->action = WCS_ACT_DENY;
	return (WCS_OK);
}

/*
 * Where "%ASA-n-nnnnnn: " starts, and its message ID; NULL if nowhere.
 * The tag may name the message class ("%ASA-session-5-106100:", with
 * "logging ... class" set), and the colon after the ID may be missing.
 */
static const char *
asa_tag(const char *s, size_t len, uint64_t *id, size_t *taglen)
{
	static const char *const tags[] = { "%ASA-", "%FTD-", "%PIX-" };
	const char *p, *q, *end = s + len;
	size_t i;

	for (i = 0; i < WCS_NELEM(tags); i++) {
		if ((p = wcs_lu_casefind(s, len, tags[i])) == NULL)
			continue;
		for (q = p + 5; q < end && q - p < 24 && *q >= 'a' && *q <= 'z';
		     q++)
			;
		if (q > p + 5 && (q == end || *q++ != '-'))
			return (NULL);
		if (end - q < 9 || q[0] < '0' || q[0] > '7' || q[1] != '-' ||
		    !wcs_lu_uint(q + 2, 6, 999999, id) ||
		    (q[8] != ':' && q[8] != ' '))
			return (NULL);
		*taglen = (size_t)(q + 9 - p);
		return (p);
	}
	return (NULL);
}

/*
 * The stamp in UTC: a zone the stamp names is applied, --tz only to a
 * stamp without one (and --year or the file's mtime to one without a year).
 */
static bool
asa_time(
    const struct wcs_lu_reader *r, const struct asa_stamp *st, int64_t *out)
{
	const struct wcs_tz *tz = st->zoned ? NULL : r->tz;

	if (st->own) {
		if (!wcs_lu_local_to_utc(&st->sl.civ, tz, out))
			return (false);
	} else if (!wcs_lu_syslog_time(&st->sl, &r->year, tz, out))
		return (false);
	if (st->zoned)
		*out -= (int64_t)st->zone_s * WCS_USEC;
	return (true);
}

/* One line (see wcs_line_format); st->ours says whether it was ASA's. */
static int
asa_line(
    struct wcs_lu_reader *r, const char *s, size_t len, struct wcs_event *ev)
{
	struct asa_state *st = (struct asa_state *)r;
	struct wcs_ctx *ctx = r->ctx;
	struct wcs_span t[40];
	struct wcs_lu_syslog sl;
	struct asa_stamp stamp;
	const char *tag, *msg;
	uint64_t id;
	size_t taglen, n;
	int rc;

	st->ours = false;
	if ((tag = asa_tag(s, len, &id, &taglen)) == NULL) {
		if (len == 0)
			return (wcs_lu_skip(ev, WCS_IGN_HEADER));
		if (wcs_lu_syslog(s, len, &sl))
			return (wcs_lu_skip(ev, WCS_IGN_FOREIGN));
		if (ctx != NULL)
			wcs_set_error(ctx, WCS_EPARSE, "not an ASA line");
		return (WCS_WARN);
	}
	st->ours = true;
	msg = tag + taglen;
	n = wcs_lu_split_ws(msg, len - (size_t)(msg - s), t, WCS_NELEM(t));
	if (n == 0)
		return (wcs_lu_reject_n(ctx, "empty message", tag, taglen));
	if (n > WCS_NELEM(t))
		n = WCS_NELEM(t);
	switch (id) {
	case 302013:
	case 302015:
		rc = asa_conn(st, t, n, true, ev);
		break;
	case 302014:
	case 302016:
		rc = asa_conn(st, t, n, false, ev);
		break;
	case 106023:
		rc = asa_106023(r, t, n, ev);
		break;
	case 106100:
		rc = asa_106100(r, t, n, ev);
		break;
	case 106001:
	case 106006:
	case 106007:
	case 106015:
	case 710003:
		rc = asa_from_to(r, t, n, ev);
		break;
	default:
		return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
	}
	if (rc != WCS_OK)
		return (rc);
	asa_header(s, (size_t)(tag - s), &stamp);
	if (!stamp.found) {
		if (ctx != NULL)
			wcs_set_error(ctx, WCS_EPARSE, "no timestamp");
		return (WCS_WARN);
	}
	if (!wcs_lu_bidding(r) && !asa_time(r, &stamp, &ev->ts_us))
		return (wcs_lu_reject_n(ctx, "date", s, (size_t)(tag - s)));
	ev->local_time =
	    !stamp.zoned && (stamp.own || WCS_LU_SYSLOG_LOCAL(&stamp.sl));
	ev->year_inferred = !stamp.own && WCS_LU_SYSLOG_NOYEAR(&stamp.sl);
	ev->kind = WCS_EV_CONN;
	return (WCS_OK);
}

/* "%ASA-6-302013:" is 112 bits; a parsed message more. */
static int
asa_bid_line(struct wcs_lu_reader *r, const char *s, size_t len, int rc,
    const struct wcs_event *ev, int bid)
{
	(void)s;
	(void)len;
	(void)ev;
	(void)bid;
	if (!((struct asa_state *)r)->ours)
		return (0);
	return (8 * 14 + (rc == WCS_OK ? 8 * 16 : 0));
}

static int
asa_init(struct wcs_lu_reader *r)
{
	struct asa_state *st = (struct asa_state *)r;

	if (wcs_lu_bidding(r))
		return (WCS_OK);
	st->conns = wcs_calloc(r->ctx, ASA_CONNS, sizeof(*st->conns));
	return (st->conns != NULL ? WCS_OK : WCS_FATAL);
}

static void
asa_fini(struct wcs_lu_reader *r)
{
	wcs_free(r->ctx, ((struct asa_state *)r)->conns);
}

static const struct wcs_line_format asa_format = {
	.state_size = sizeof(struct asa_state),
	.pool = true,
	.init = asa_init,
	.fini = asa_fini,
	.parse = asa_line,
	.bid_line = asa_bid_line,
};

static int
asa_bid(const unsigned char *peek, size_t len, int best_bid)
{
	return (wcs_line_bid(&asa_format, peek, len, best_bid));
}

static int
asa_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_line_open(&asa_format, ctx, in, opts, state));
}

const struct wcs_reader_ops wcs_reader_asa = {
	.name = "asa",
	.description = "Cisco ASA/FTD syslog (connections, ACL denials)",
	.kind = WCS_KIND_FIREWALL,
	.flags = WCS_READER_LOCALTIME | WCS_READER_NOYEAR,
	.bid = asa_bid,
	.open = asa_open,
	.next = wcs_line_next,
	.close = wcs_line_close,
};
