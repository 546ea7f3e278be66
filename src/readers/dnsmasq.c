/*
 * dnsmasq query log (log-queries), in syslog or its own log-facility file
 * (also Pi-hole's pihole.log, which is the same):
 *
 *	May 12 15:03:01 dnsmasq[123]: query[A] www.example.com from 10.0.0.5
 *	May 12 15:03:01 dnsmasq[123]: forwarded www.example.com to 8.8.8.8
 *	May 12 15:03:01 dnsmasq[123]: reply www.example.com is 93.184.216.34
 *	May 12 15:03:01 dnsmasq[123]: reply x.com is NXDOMAIN
 *	May 12 15:03:01 dnsmasq[123]: cached www.example.com is <CNAME>
 *	May 12 15:03:01 dnsmasq[123]: config x.lan is 192.168.1.1
 *	May 12 15:03:01 dnsmasq[123]: /etc/hosts gw.lan is 192.168.1.1
 *
 * With log-queries=extra each line starts with the query's serial number
 * and the client's address/port: "17 10.0.0.5/52341 reply x.com is ...".
 *
 * A query line is a QUERY event from the client.  Every answer line
 * (reply, cached, config, a hosts file, DHCP, Pi-hole's "gravity blocked"
 * and the like) is a RESPONSE event: NXDOMAIN gives rcode 3, SERVFAIL 2,
 * REFUSED 5, NODATA (-IPv4, -IPv6) rcode 0 without an answer, anything
 * else rcode 0 with the answer as logged.  dnsmasq logs no client on an
 * answer line except in extra mode, so the client (and the query type)
 * come from the query: by serial number when there is one, else from the
 * latest query for the same name (a bounded table; with several clients
 * asking one name at once the latest asker is named).  An answer whose
 * query was not seen has no source.  "forwarded" lines and dnsmasq's
 * other lines (DHCP, DNSSEC, start-up) are ignored.
 */
#include <string.h>

#include "wcscan/pool.h"
#include "readers_private.h"

#define DM_SLOTS 1024 /* queries remembered, by name and by serial */
#define DM_NAME_MAX 256

struct dm_query {
	char name[DM_NAME_MAX]; /* lower case; "" = free */
	uint32_t serial; /* 0 = none */
	struct wcs_addr client;
	uint16_t port, qtype;
};

/* What the bidder learns of a line. */
enum dm_line { LINE_FOREIGN = 0, LINE_DNSMASQ, LINE_EVENT };

struct dm_state {
	struct wcs_lu_reader lr; /* ctx, input, zone, year, pool */
	struct dm_query *byname; /* DM_SLOTS each; NULL when bidding */
	struct dm_query *byserial;
	enum dm_line what; /* how much of the last line was dnsmasq's */
};

static uint32_t
dm_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
		h *= 16777619u;
	}
	return (h);
}

/* Whether slot q holds the name sp (compared ignoring case). */
static bool
dm_same(const struct dm_query *q, struct wcs_span sp)
{
	return (sp.len < DM_NAME_MAX && strlen(q->name) == sp.len &&
		wcs_lu_caseeq(sp, q->name));
}

/* The name without a final dot, as the table keys it. */
static struct wcs_span
dm_key(struct wcs_span sp)
{
	if (sp.len > 1 && sp.p[sp.len - 1] == '.')
		sp.len--;
	return (sp);
}

static void
dm_remember(struct dm_state *st, struct wcs_span name, uint32_t serial,
    const struct wcs_event *ev)
{
	struct dm_query *q;
	size_t i;

	name = dm_key(name);
	if (name.len >= DM_NAME_MAX)
		return;
	q = &st->byname[dm_hash(name.p, name.len) % DM_SLOTS];
	for (i = 0; i < name.len; i++)
		q->name[i] = (char)(name.p[i] >= 'A' && name.p[i] <= 'Z' ?
					name.p[i] + 32 :
					name.p[i]);
	q->name[name.len] = '\0';
	q->serial = serial;
	q->client = ev->src;
	q->port = ev->sport;
	q->qtype = ev->qtype;
	if (serial != 0)
		st->byserial[serial % DM_SLOTS] = *q;
}

static const struct dm_query *
dm_recall(const struct dm_state *st, struct wcs_span name, uint32_t serial)
{
	const struct dm_query *q;

	name = dm_key(name);
	if (serial != 0) {
		q = &st->byserial[serial % DM_SLOTS];
		if (q->serial == serial && dm_same(q, name))
			return (q);
	}
	q = &st->byname[dm_hash(name.p, name.len) % DM_SLOTS];
	return (q->name[0] != '\0' && dm_same(q, name) ? q : NULL);
}

/* Whether the words before an answer's name say where it came from. */
static bool
dm_answer_source(const struct wcs_span *t, size_t n)
{
	static const char *const one[] = { "reply", "cached", "cached-stale",
		"config", "DHCP", "DHCPv6" };
	size_t i;

	if (n == 1) {
		for (i = 0; i < WCS_NELEM(one); i++) {
			if (wcs_lu_eq(t[0], one[i]))
				return (true);
		}
		/* A hosts file: "/etc/hosts", "/etc/pihole/custom.list". */
		return (t[0].len > 1 && t[0].p[0] == '/');
	}
	/* Pi-hole: "gravity blocked", "regex blacklisted", ... */
	return (n == 2 &&
		(wcs_lu_eq(t[1], "blocked") || wcs_lu_eq(t[1], "blacklisted") ||
		    wcs_lu_eq(t[1], "denied") || wcs_lu_eq(t[1], "domain")));
}

/* "query[A]", "query[type=65]": the type; false when not a query word. */
static bool
dm_query_word(struct wcs_span t, uint16_t *qtype)
{
	struct wcs_span ty;
	uint64_t v;

	if (t.len < 8 || memcmp(t.p, "query[", 6) != 0 || t.p[t.len - 1] != ']')
		return (false);
	ty.p = t.p + 6;
	ty.len = t.len - 7;
	if (ty.len > 5 && memcmp(ty.p, "type=", 5) == 0 &&
	    wcs_lu_uint(ty.p + 5, ty.len - 5, 65535, &v))
		*qtype = (uint16_t)v;
	else
		*qtype = wcs_lu_qtype(ty);
	return (true);
}

/*
 * The message after "dnsmasq[pid]: ".  Nothing is remembered or copied
 * when bidding.  Returns WCS_OK (ev filled), WCS_SKIP, WCS_WARN or
 * WCS_FATAL.
 */
static int
dm_message(struct wcs_ctx *ctx, struct dm_state *st, const char *s, size_t len,
    struct wcs_event *ev)
{
	bool bidding = wcs_lu_bidding(&st->lr);

	struct wcs_span t[12], name, ans;
	const struct dm_query *q;
	uint64_t serial = 0;
	size_t n, i = 0, is;
	uint16_t qtype;

	n = wcs_lu_split_ws(s, len, t, WCS_NELEM(t));
	/* An empty message has no t[0] to look at. */
	if (n == 0 || n > WCS_NELEM(t))
		return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
	/* log-queries=extra: "serial addr/port " first. */
	if (n >= 3 && wcs_lu_uint(t[0].p, t[0].len, UINT32_MAX, &serial) &&
	    memchr(t[1].p, '/', t[1].len) != NULL) {
		if (!wcs_lu_hostport(
			t[1].p, t[1].len, '/', &ev->src, &ev->sport))
			return (wcs_lu_reject(ctx, "client", t[1]));
		i = 2;
	}
	if (dm_query_word(t[i], &qtype)) {
		/* query[A] name from addr */
		if (n != i + 4 || !wcs_lu_eq(t[i + 2], "from"))
			return (wcs_lu_reject(
			    ctx, "query line", (struct wcs_span){ s, len }));
		if (!wcs_addr_parse(t[i + 3].p, t[i + 3].len, &ev->src))
			return (wcs_lu_reject(ctx, "client address", t[i + 3]));
		name = t[i + 1];
		ev->qtype = qtype;
		ev->dns_dir = WCS_DNS_QUERY;
		if (!bidding)
			dm_remember(st, name, (uint32_t)serial, ev);
	} else {
		/* SOURCE... name is ANSWER */
		for (is = i + 1; is < n && !wcs_lu_eq(t[is], "is"); is++)
			;
		if (is >= n - 1 || is < i + 2 ||
		    !dm_answer_source(t + i, is - 1 - i))
			return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
		name = t[is - 1];
		ans.p = t[is + 1].p;
		ans.len = (size_t)(s + len - ans.p);
		ev->dns_dir = WCS_DNS_RESPONSE;
		ev->rcode = WCS_RCODE_NOERROR;
		if (wcs_lu_eq(ans, "duplicate"))
			return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
		if (wcs_lu_eq(ans, "NXDOMAIN"))
			ev->rcode = WCS_RCODE_NXDOMAIN;
		else if (wcs_lu_eq(ans, "SERVFAIL"))
			ev->rcode = WCS_RCODE_SERVFAIL;
		else if (wcs_lu_eq(ans, "REFUSED"))
			ev->rcode = WCS_RCODE_REFUSED;
		else if ((ans.len < 6 || memcmp(ans.p, "NODATA", 6) != 0) &&
			 !bidding &&
			 (ev->answer = wcs_pool_strndup(
			      st->lr.pool, ans.p, ans.len)) == NULL)
			return (WCS_FATAL);
		if (!bidding &&
		    (q = dm_recall(st, name, (uint32_t)serial)) != NULL) {
			ev->qtype = q->qtype;
			if (!wcs_addr_present(&ev->src)) {
				ev->src = q->client;
				ev->sport = q->port;
			}
		}
	}
	if (!bidding &&
	    (ev->qname = wcs_lu_qname(st->lr.pool, name.p, name.len)) == NULL)
		return (WCS_FATAL);
	ev->kind = WCS_EV_DNS;
	return (WCS_OK);
}

/* One line (see wcs_line_format); st->what: how much was dnsmasq's. */
static int
dm_line(
    struct wcs_lu_reader *r, const char *s, size_t len, struct wcs_event *ev)
{
	struct dm_state *st = (struct dm_state *)r;
	enum dm_line *what = &st->what;
	struct wcs_ctx *ctx = r->ctx;
	struct wcs_lu_syslog sl;
	int rc;

	*what = LINE_FOREIGN;
	if (len == 0)
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	if (!wcs_lu_syslog(s, len, &sl)) {
		if (ctx != NULL)
			wcs_set_error(ctx, WCS_EPARSE, "not a syslog line");
		return (WCS_WARN);
	}
	if (!wcs_lu_eq(sl.app, "dnsmasq") && !wcs_lu_eq(sl.app, "pihole-FTL"))
		return (wcs_lu_skip(ev, WCS_IGN_FOREIGN));
	*what = LINE_DNSMASQ;
	if ((rc = dm_message(ctx, st, sl.msg.p, sl.msg.len, ev)) != WCS_OK)
		return (rc);
	*what = LINE_EVENT;
	if ((rc = wcs_lu_syslog_date(r, &sl, ev)) != WCS_OK)
		return (rc);
	return (WCS_OK);
}

/* "dnsmasq" is 56 bits; a query or answer line more. */
static int
dm_bid_line(struct wcs_lu_reader *r, const char *s, size_t len, int rc,
    const struct wcs_event *ev, int bid)
{
	enum dm_line what = ((struct dm_state *)r)->what;

	(void)s;
	(void)len;
	(void)rc;
	(void)ev;
	(void)bid;
	if (what == LINE_EVENT)
		return (8 * 7 + 8 * 16);
	return (what == LINE_DNSMASQ ? 8 * 7 : 0);
}

static int
dm_init(struct wcs_lu_reader *r)
{
	struct dm_state *st = (struct dm_state *)r;

	if (wcs_lu_bidding(r))
		return (WCS_OK);
	st->byname = wcs_calloc(r->ctx, DM_SLOTS, sizeof(*st->byname));
	st->byserial = wcs_calloc(r->ctx, DM_SLOTS, sizeof(*st->byserial));
	return (
	    st->byname != NULL && st->byserial != NULL ? WCS_OK : WCS_FATAL);
}

static void
dm_fini(struct wcs_lu_reader *r)
{
	struct dm_state *st = (struct dm_state *)r;

	wcs_free(r->ctx, st->byname);
	wcs_free(r->ctx, st->byserial);
}

static const struct wcs_line_format dm_format = {
	.state_size = sizeof(struct dm_state),
	.pool = true,
	.init = dm_init,
	.fini = dm_fini,
	.parse = dm_line,
	.bid_line = dm_bid_line,
};

static int
dm_bid(const unsigned char *peek, size_t len, int best_bid)
{
	return (wcs_line_bid(&dm_format, peek, len, best_bid));
}

static int
dm_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_line_open(&dm_format, ctx, in, opts, state));
}

const struct wcs_reader_ops wcs_reader_dnsmasq = {
	.name = "dnsmasq",
	.description = "dnsmasq (and Pi-hole) query log in syslog",
	.kind = WCS_KIND_DNS,
	.flags = WCS_READER_LOCALTIME | WCS_READER_NOYEAR,
	.bid = dm_bid,
	.open = dm_open,
	.next = wcs_line_next,
	.close = wcs_line_close,
};
