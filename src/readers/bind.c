/*
 * BIND 9 query log (category queries) and query-errors lines:
 *
 *	12-May-2017 15:03:01.123 queries: info: client @0x7f1234567890
 *	    192.168.1.23#52341 (www.example.com): query: www.example.com IN A
 *	    +E(0)K (10.0.0.1)
 *	12-May-2017 15:03:01.125 query-errors: info: client @0x7f12345678a0
 *	    192.168.1.23#52341 (x.com): query failed (NXDOMAIN) for x.com/IN/A
 *	    at query.c:7104
 *
 * The stamp is named's own (print-time: "dd-Mon-yyyy hh:mm:ss.mmm", local;
 * iso8601 local or iso8601-utc ending in Z; or none), category and
 * severity are optional (print-category, print-severity), "client @0x..."
 * appears from 9.11, "view NAME: " when views are used, and the older
 * form has no "(name)".  Through syslog the line is wrapped in a header
 * ("May 12 15:03:01 ns1 named[1234]: ..."); named's own stamp, when also
 * there, is preferred because it has a year.  A header without the
 * "named:" tag is read when its message is named's ("client ...", or a
 * category "queries:" that then reads as the tag).
 *
 * A client line the security category writes for a query that was denied
 * ("query (cache) 'x.com/A/IN' denied") is taken as a REFUSED response: it
 * shows which client asked for which name, and a kill-switch question
 * that got no answer is what DESIGN.md calls infection evidence.  A failed
 * query whose reason is not an rcode mnemonic ("failure", "timed out") was
 * answered with SERVFAIL.  All other named lines (zone transfers, lame
 * servers, general messages) and other programs' syslog lines are ignored.
 * TCP is known only from the 'T' query flag; other queries are UDP.
 *
 * Infoblox NIOS writes named's lines too, and with "log responses" on,
 * a response line of its own in the same form, category first:
 *
 *	infoblox-responses: 14-Apr-2022 16:17:20.046 client
 *	    192.168.0.1#57738: UDP: query: x.com IN A response: NOERROR +ED
 *	    x.com. 28800 IN A 1.1.1.2;
 *
 * read as a RESPONSE event: the rcode, and the data of each answer record
 * (names without their final dot) joined by ","; "UDP:" or "TCP:" says the
 * transport.
 */
#include <string.h>

#include "wcscan/pool.h"
#include "readers_private.h"

/* What the bidder and the reader need to know about a line. */
enum bind_line {
	LINE_FOREIGN = 0, /* not named's */
	LINE_NAMED, /* named's, nothing to use */
	LINE_EVENT /* an event */
};

struct bind_state {
	struct wcs_lu_reader lr; /* ctx, input, zone, year, pool */
	enum bind_line what; /* how much of the last line was named's */
};

static bool
is_digit(int c)
{
	return (c >= '0' && c <= '9');
}

static bool
starts(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return (len >= n && memcmp(s, lit, n) == 0);
}

/* "12-May-2017 15:03:01.123"; returns the bytes consumed or 0. */
static size_t
bind_stamp(const char *s, size_t len, struct wcs_lu_civil *civ)
{
	long scale = 100000;
	size_t i;

	if (len < 20 || s[2] != '-' || s[6] != '-' || s[11] != ' ' ||
	    s[14] != ':' || s[17] != ':')
		return (0);
	if ((civ->day = wcs_lu_digits(s, 2, 2)) < 0 ||
	    (civ->mon = wcs_lu_month(s + 3, 3)) == 0 ||
	    (civ->year = wcs_lu_digits(s + 7, 4, 4)) < 0 ||
	    (civ->hour = wcs_lu_digits(s + 12, 2, 2)) < 0 ||
	    (civ->min = wcs_lu_digits(s + 15, 2, 2)) < 0 ||
	    (civ->sec = wcs_lu_digits(s + 18, 2, 2)) < 0)
		return (0);
	civ->usec = 0;
	i = 20;
	if (i + 1 < len && s[i] == '.' && is_digit((unsigned char)s[i + 1])) {
		for (i++; i < len && is_digit((unsigned char)s[i]); i++) {
			civ->usec += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	return (i);
}

/*
 * Skip "category: " and "severity: " words ("debug 3: " included) before
 * "client ".  Returns the offset of "client ", or len when the line is
 * something else.
 */
static size_t
bind_prefixes(const char *s, size_t len)
{
	size_t i = 0, j, words;

	for (words = 0; words < 3; words++) {
		if (starts(s + i, len - i, "client "))
			return (i);
		for (j = i; j < len && ((s[j] >= 'a' && s[j] <= 'z') ||
					   s[j] == '-' || s[j] == '_');
		     j++)
			;
		if (j == i)
			return (len);
		if (j + 1 < len && s[j] == ' ' &&
		    is_digit((unsigned char)s[j + 1]))
			for (j++; j < len && is_digit((unsigned char)s[j]); j++)
				;
		if (j + 1 >= len || s[j] != ':' || s[j + 1] != ' ')
			return (len);
		i = j + 2;
	}
	return (starts(s + i, len - i, "client ") ? i : len);
}

/* The length of a leading "category: " ("infoblox-responses: "), or 0. */
static size_t
bind_category(const char *s, size_t len)
{
	size_t j;

	for (j = 0; j < len && ((s[j] >= 'a' && s[j] <= 'z') || s[j] == '-' ||
				   s[j] == '_');
	     j++)
		;
	return (
	    j > 0 && j + 1 < len && s[j] == ':' && s[j + 1] == ' ' ? j + 2 : 0);
}

/* "name/TYPE/CLASS" (denied) or "name/CLASS/TYPE" (query failed). */
static bool
bind_triple(struct wcs_span t, struct wcs_span *name, struct wcs_span *a,
    struct wcs_span *b)
{
	const char *s2, *s1;

	for (s2 = t.p + t.len; s2 > t.p && s2[-1] != '/'; s2--)
		;
	if (s2 == t.p)
		return (false);
	for (s1 = s2 - 1; s1 > t.p && s1[-1] != '/'; s1--)
		;
	if (s1 == t.p || s1 - 1 == t.p)
		return (false);
	name->p = t.p;
	name->len = (size_t)(s1 - 1 - t.p);
	a->p = s1;
	a->len = (size_t)(s2 - 1 - s1);
	b->p = s2;
	b->len = (size_t)(t.p + t.len - s2);
	return (true);
}

/*
 * After Infoblox's "response: ": "RCODE FLAGS [name ttl class type data;
 * ...]".  Sets the rcode and, with a pool, the answers' data.
 */
static int
bind_response(struct wcs_ctx *ctx, struct wcs_pool *pool, const char *s,
    const char *end, struct wcs_event *ev)
{
	struct wcs_span t[5], rr;
	char answers[1024];
	const char *semi, *data;
	size_t o = 0, dl, n;
	int rc;

	n = wcs_lu_split_ws(s, (size_t)(end - s), t, 2);
	if (n < 1 || (rc = wcs_lu_rcode(t[0])) == WCS_RCODE_NONE)
		return (wcs_lu_reject_n(ctx, "response", s, (size_t)(end - s)));
	ev->dns_dir = WCS_DNS_RESPONSE;
	ev->rcode = (int16_t)rc;
	if (pool == NULL || n < 2)
		return (WCS_OK);
	for (s = t[1].p + t[1].len; s < end; s = semi + 1) {
		if ((semi = memchr(s, ';', (size_t)(end - s))) == NULL)
			semi = end;
		rr.p = s;
		rr.len = (size_t)(semi - s);
		/* "x.com. 28800 IN A 1.1.1.2": the data is the fifth on. */
		if (wcs_lu_split_ws(rr.p, rr.len, t, 5) < 5)
			continue;
		data = t[4].p;
		dl = (size_t)(semi - data);
		while (dl > 0 && (data[dl - 1] == ' ' || data[dl - 1] == '\t'))
			dl--;
		if (dl > 1 && data[dl - 1] == '.')
			dl--;
		if (o + (o > 0) + dl + 1 > sizeof(answers))
			break;
		if (o > 0)
			answers[o++] = ',';
		memcpy(answers + o, data, dl);
		o += dl;
	}
	if (o > 0 && (ev->answer = wcs_pool_strndup(pool, answers, o)) == NULL)
		return (WCS_FATAL);
	return (WCS_OK);
}

/*
 * The message after "client ": address, what was asked, and how it went.
 * Returns WCS_OK (ev filled), WCS_SKIP, WCS_WARN or WCS_FATAL.
 */
static int
bind_client(struct wcs_ctx *ctx, struct wcs_pool *pool, const char *s,
    size_t len, struct wcs_event *ev)
{
	struct wcs_span t[6], name, a, b;
	const char *p = s, *end = s + len, *q;
	size_t n, tl;
	int rc, proto = 0;

	p += 7; /* "client " */
	if (starts(p, (size_t)(end - p), "@0x")) {
		while (p < end && *p != ' ')
			p++;
		if (p < end)
			p++;
	}
	for (q = p; q < end && *q != ' '; q++)
		;
	tl = (size_t)(q - p);
	if (tl > 0 && p[tl - 1] == ':')
		tl--;
	if (!wcs_lu_hostport(p, tl, '#', &ev->src, &ev->sport))
		return (wcs_lu_reject_n(ctx, "client address", p, tl));
	/* "(name): " and "view NAME: " up to the message. */
	if (q < end && q[-1] != ':') {
		if (q + 1 < end && q[1] == '(') {
			for (; q + 2 < end; q++) {
				if (q[0] == ')' && q[1] == ':' && q[2] == ' ')
					break;
			}
			if (q + 2 >= end)
				return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
			q += 3;
		} else if (q + 2 < end && q[1] == ':' && q[2] == ' ')
			q += 3;
		else if (starts(q + 1, (size_t)(end - q - 1), "UDP: ") ||
			 starts(q + 1, (size_t)(end - q - 1), "TCP: "))
			q++;
		else
			return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
	} else if (q < end)
		q++;
	if (starts(q, (size_t)(end - q), "view ")) {
		for (q += 5; q + 1 < end && !(q[0] == ':' && q[1] == ' '); q++)
			;
		q += 2;
	}
	/* Infoblox's "UDP: " or "TCP: " before the query. */
	if (starts(q, (size_t)(end - q), "UDP: ") ||
	    starts(q, (size_t)(end - q), "TCP: ")) {
		proto = q[0] == 'T' ? 6 : 17;
		q += 5;
	}
	if (q >= end)
		return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
	len = (size_t)(end - q);
	if (starts(q, len, "query: ")) {
		n = wcs_lu_split_ws(q + 7, len - 7, t, WCS_NELEM(t));
		if (n < 3)
			return (wcs_lu_reject_n(ctx, "query", q, len));
		name = t[0];
		ev->qtype = wcs_lu_qtype(t[2]);
		ev->proto = (uint8_t)(proto != 0 ? proto : 17);
		/* Infoblox: "query: x.com IN A response: NOERROR +ED ...". */
		if (n >= 5 && wcs_lu_eq(t[3], "response:")) {
			if ((rc = bind_response(ctx, pool, t[4].p, end, ev)) !=
			    WCS_OK)
				return (rc);
		} else if (n > 5)
			return (wcs_lu_reject_n(ctx, "query", q, len));
		else {
			ev->dns_dir = WCS_DNS_QUERY;
			if (proto == 0 && n >= 4 &&
			    memchr(t[3].p, 'T', t[3].len) != NULL)
				ev->proto = 6;
			if (n == 5 && (t[4].len < 2 || t[4].p[0] != '(' ||
					  t[4].p[t[4].len - 1] != ')' ||
					  !wcs_addr_parse(t[4].p + 1,
					      t[4].len - 2, &ev->dst)))
				return (wcs_lu_reject_n(
				    ctx, "server address", t[4].p, t[4].len));
		}
	} else if (starts(q, len, "query failed (")) {
		p = q + 14;
		for (q = p; q < end && *q != ')'; q++)
			;
		rc = wcs_lu_rcode((struct wcs_span){ p, (size_t)(q - p) });
		if (!starts(q, (size_t)(end - q), ") for ") ||
		    wcs_lu_split_ws(q + 6, (size_t)(end - q - 6), t, 1) < 1 ||
		    !bind_triple(t[0], &name, &a, &b))
			return (wcs_lu_reject_n(
			    ctx, "query-errors line", p, (size_t)(end - p)));
		ev->qtype = wcs_lu_qtype(b);
		ev->dns_dir = WCS_DNS_RESPONSE;
		ev->rcode =
		    (int16_t)(rc == WCS_RCODE_NONE ? WCS_RCODE_SERVFAIL : rc);
	} else if (starts(q, len, "query '") || starts(q, len, "query (")) {
		p = memchr(q, '\'', len);
		if (p == NULL ||
		    (q = memchr(p + 1, '\'', (size_t)(end - p - 1))) == NULL ||
		    !starts(q, (size_t)(end - q), "' denied") ||
		    !bind_triple(
			(struct wcs_span){ p + 1, (size_t)(q - p - 1) }, &name,
			&a, &b))
			return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
		ev->qtype = wcs_lu_qtype(a);
		ev->dns_dir = WCS_DNS_RESPONSE;
		ev->rcode = WCS_RCODE_REFUSED;
	} else
		return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
	if (name.len == 0)
		return (wcs_lu_reject_n(ctx, "query name", q, len));
	if (pool != NULL &&
	    (ev->qname = wcs_lu_qname(pool, name.p, name.len)) == NULL)
		return (WCS_FATAL);
	ev->kind = WCS_EV_DNS;
	return (WCS_OK);
}

/*
 * Whether a line that reads as a syslog header is one.  named's own
 * RFC 3339 stamps read as one too: "2017-05-12T15:03:01.123Z queries:
 * info: client ..." as the tag "queries:", "2017-05-12T15:03:01.123Z
 * client @0x..." as a host "client" without a tag.
 */
static bool
bind_syslog(const struct wcs_lu_syslog *sl)
{
	if (sl->form == WCS_LU_SYSLOG_BSD)
		return (true);
	if (sl->app.len == 0)
		return (!wcs_lu_eq(sl->host, "client"));
	return (sl->host.len > 0 || wcs_lu_eq(sl->app, "named"));
}

/* One line (see wcs_line_format); st->what says how much was named's. */
static int
bind_line(
    struct wcs_lu_reader *r, const char *s, size_t len, struct wcs_event *ev)
{
	struct bind_state *st = (struct bind_state *)r;
	enum bind_line *what = &st->what;
	struct wcs_ctx *ctx = r->ctx;
	const struct wcs_tz *tz = r->tz;
	struct wcs_lu_syslog sl;
	struct wcs_lu_civil civ;
	int64_t ts = WCS_TIME_NONE, iso;
	size_t n, c;
	bool zone, syslog = false, untagged = false, local = false,
		   noyear = false;
	int rc;

	*what = LINE_FOREIGN;
	if (len == 0)
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	if (wcs_lu_syslog(s, len, &sl) && bind_syslog(&sl)) {
		/*
		 * Other programs' lines in the same syslog file.  A line
		 * forwarded without its tag is named's if its message is
		 * (a category, "queries:", then reads as the tag).
		 */
		untagged = !wcs_lu_eq(sl.app, "named");
		if (untagged && sl.app.len > 0) {
			sl.msg.len += (size_t)(sl.msg.p - sl.app.p);
			sl.msg.p = sl.app.p;
			if (bind_prefixes(sl.msg.p, sl.msg.len) == sl.msg.len)
				return (wcs_lu_skip(ev, WCS_IGN_FOREIGN));
		}
		syslog = true;
		if (!wcs_lu_bidding(r) &&
		    !wcs_lu_syslog_time(&sl, &r->year, tz, &ts))
			return (wcs_lu_reject_n(ctx, "syslog date", s, 15));
		local = WCS_LU_SYSLOG_LOCAL(&sl);
		noyear = WCS_LU_SYSLOG_NOYEAR(&sl);
		s = sl.msg.p;
		len = sl.msg.len;
	}
	/* Infoblox: "infoblox-responses: 14-Apr-2022 16:17:20.046 ...". */
	if (len > 0 && s[0] >= 'a' && s[0] <= 'z' &&
	    (c = bind_prefixes(s, len)) == len &&
	    (c = bind_category(s, len)) > 0 &&
	    bind_stamp(s + c, len - c, &civ) > 0) {
		s += c;
		len -= c;
	}
	if ((n = bind_stamp(s, len, &civ)) > 0) {
		if (!wcs_lu_local_to_utc(&civ, tz, &ts))
			return (wcs_lu_reject_n(ctx, "date", s, n));
		local = true; /* named's own stamp: local, with a year */
		noyear = false;
	} else if (len > 10 && is_digit((unsigned char)s[0]) && s[4] == '-' &&
		   s[10] == 'T') {
		if ((n = wcs_time_parse_iso(s, len, &iso, &zone)) == 0)
			return (wcs_lu_reject_n(
			    ctx, "date", s, len < 24 ? len : 24));
		ts = zone ? iso : wcs_tz_to_utc(tz, iso);
		local = !zone;
		noyear = false;
	} else if (len > 0 && is_digit((unsigned char)s[0]) && !syslog)
		return (wcs_lu_reject_n(ctx, "date", s, len < 24 ? len : 24));
	if (n > 0) {
		if (n < len && s[n] != ' ')
			return (wcs_lu_reject_n(ctx, "date", s, n + 1));
		while (n < len && s[n] == ' ')
			n++;
	}
	s += n;
	len -= n;
	c = bind_prefixes(s, len);
	if (c == len) {
		if (untagged && n == 0)
			return (wcs_lu_skip(ev, WCS_IGN_FOREIGN));
		/* A dated (or syslog-tagged) line of another category. */
		if (n > 0 || syslog) {
			*what = LINE_NAMED;
			return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
		}
		if (ctx != NULL)
			wcs_set_error(ctx, WCS_EPARSE, "not a BIND log line");
		return (WCS_WARN);
	}
	*what = LINE_NAMED;
	rc = bind_client(ctx, r->pool, s + c, len - c, ev);
	if (rc == WCS_OK) {
		*what = LINE_EVENT;
		ev->ts_us = ts;
		ev->local_time = local;
		ev->year_inferred = noyear;
	}
	return (rc);
}

/* Counting named's lines only keeps other syslog out. */
static int
bind_bid_line(struct wcs_lu_reader *r, const char *s, size_t len, int rc,
    const struct wcs_event *ev, int bid)
{
	enum bind_line what = ((struct bind_state *)r)->what;

	(void)s;
	(void)len;
	(void)rc;
	(void)bid;
	if (what == LINE_EVENT)
		return (8 * 24);
	return (what == LINE_NAMED && ev->src.family != 0 ? 8 * 16 : 0);
}

static const struct wcs_line_format bind_format = {
	.state_size = sizeof(struct bind_state),
	.pool = true,
	.parse = bind_line,
	.bid_line = bind_bid_line,
};

static int
bind_bid(const unsigned char *peek, size_t len, int best_bid)
{
	return (wcs_line_bid(&bind_format, peek, len, best_bid));
}

static int
bind_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_line_open(&bind_format, ctx, in, opts, state));
}

const struct wcs_reader_ops wcs_reader_bind = {
	.name = "bind",
	.description = "BIND 9 query and query-errors log",
	.kind = WCS_KIND_DNS,
	.flags = WCS_READER_LOCALTIME | WCS_READER_SPLITTABLE,
	.bid = bind_bid,
	.open = bind_open,
	.next = wcs_line_next,
	.close = wcs_line_close,
};
