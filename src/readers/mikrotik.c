/*
 * MikroTik RouterOS firewall log lines, as a syslog server records them:
 *
 *	2023-03-18T20:36:59.594792+01:00 10.120.127.1 firewall,info drop-tcp
 *	    input: in:ether1-WAN out:(unknown 0), connection-state:new
 *	    src-mac 00:17:10:88:bc:02, proto TCP (SYN),
 *	    36.97.161.219:59388->80.82.202.145:445, len 40
 *
 * RouterOS sends "topics message" without a tag: the receiver adds its
 * stamp (BSD: no year, local; or RFC 3339) and the router's address or
 * name; "<PRI>" may stay in front.  The message is the rule's log prefix
 * (optional), the chain ("input:", "forward:", "output:"), the interfaces,
 * then parts mostly separated by commas: "connection-state:new", "src-mac
 * ..." (absent on interfaces without one), "proto TCP (SYN)", the packet's
 * "src:port->dst:port" (IPv6 in brackets; no ports for ICMP), an optional
 * "NAT (...)->..." translation, and "len N".
 *
 * The action is not logged: it is read from the prefix the rule was given
 * ("drop-tcp", "REJECT", "accept ssh"); without such a word it is unknown.
 * Lines of other topics (system, dhcp, ...) are ignored; a firewall line
 * whose packet does not parse is rejected.
 */
#include <string.h>

#include "readers_private.h"

/* Whether the topics token ("firewall,info", "firewall,info:") is ours. */
static bool
mt_firewall_topics(struct wcs_span t)
{
	return (t.len >= 9 && memcmp(t.p, "firewall", 8) == 0 &&
		(t.p[8] == ',' || t.p[8] == ':'));
}

/*
 * The header: [<PRI>] stamp [host] topics.  Fills sl's time fields and
 * *msg (after the topics).  Returns WCS_OK for a firewall line, WCS_SKIP
 * for other topics, WCS_WARN when there is no syslog stamp.
 */
static int
mt_header(
    const char *s, size_t len, struct wcs_lu_syslog *sl, struct wcs_span *msg)
{
	struct wcs_span t;
	size_t i = 0, n, k;

	memset(sl, 0, sizeof(*sl));
	if (len > 0 && s[0] == '<') {
		for (i = 1; i < len && i < 5 && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == 1 || i >= len || s[i] != '>')
			return (WCS_WARN);
		i++;
	}
	if ((n = wcs_lu_bsd_stamp(s + i, len - i, &sl->civ)) > 0)
		sl->form = WCS_LU_SYSLOG_BSD;
	else if ((n = wcs_time_parse_iso(
		      s + i, len - i, &sl->ts, &sl->has_zone)) > 0 &&
		 s[i + 10] == 'T')
		sl->form = WCS_LU_SYSLOG_ISO;
	else
		return (WCS_WARN);
	i += n;
	if (i < len && s[i] != ' ')
		return (WCS_WARN);
	/* The router's name or address, then its topics. */
	for (k = 0; k < 2; k++) {
		while (i < len && s[i] == ' ')
			i++;
		t = wcs_lu_token(s, len, &i);
		if (mt_firewall_topics(t)) {
			while (i < len && s[i] == ' ')
				i++;
			msg->p = s + i;
			msg->len = len - i;
			return (WCS_OK);
		}
	}
	return (WCS_SKIP);
}

/* "prefix chain: in:X out:Y, ..., proto P (...), a:p->b:q, len N". */
static int
mt_packet(struct wcs_ctx *ctx, const char *s, size_t len, struct wcs_event *ev)
{
	const char *end = s + len, *in, *pr, *arrow, *a, *b;
	struct wcs_span pre, proto;
	size_t i;
	int p;

	if ((in = wcs_lu_casefind(s, len, " in:")) == NULL ||
	    (pr = wcs_lu_casefind(in, (size_t)(end - in), " proto ")) == NULL)
		return (wcs_lu_reject_n(ctx, "firewall line", s, len));
	/* The prefix is what comes before the chain's name. */
	for (pre.p = s, i = (size_t)(in - s); i > 0 && s[i - 1] != ' '; i--)
		;
	pre.len = i;
	ev->action = wcs_lu_action_words(pre, true);
	pr += 7;
	for (proto.p = pr; pr < end && *pr != ' ' && *pr != ','; pr++)
		;
	proto.len = (size_t)(pr - proto.p);
	if ((p = wcs_lu_proto(proto)) < 0)
		return (wcs_lu_reject_n(ctx, "protocol", proto.p, proto.len));
	ev->proto = (uint8_t)p;
	/* The next part with "->" is the packet's own address pair. */
	if ((arrow = wcs_lu_casefind(pr, (size_t)(end - pr), "->")) == NULL)
		return (wcs_lu_reject_n(
		    ctx, "address pair", pr, (size_t)(end - pr)));
	for (a = arrow; a > pr && a[-1] != ' '; a--)
		;
	for (b = arrow + 2; b < end && *b != ',' && *b != ' '; b++)
		;
	if (!wcs_lu_hostport(a, (size_t)(arrow - a), ':', &ev->src, &ev->sport))
		return (wcs_lu_reject_n(ctx, "source", a, (size_t)(arrow - a)));
	if (!wcs_lu_hostport(
		arrow + 2, (size_t)(b - arrow - 2), ':', &ev->dst, &ev->dport))
		return (wcs_lu_reject_n(
		    ctx, "destination", arrow + 2, (size_t)(b - arrow - 2)));
	ev->kind = WCS_EV_CONN;
	return (WCS_OK);
}

/* One line (see wcs_line_format). */
static int
mt_line(
    struct wcs_lu_reader *r, const char *s, size_t len, struct wcs_event *ev)
{
	struct wcs_ctx *ctx = r->ctx;
	struct wcs_lu_syslog sl;
	struct wcs_span msg;
	int rc;

	if (len == 0)
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	if ((rc = mt_header(s, len, &sl, &msg)) != WCS_OK) {
		/* Other topics than the firewall's. */
		if (rc == WCS_SKIP)
			return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
		if (ctx != NULL)
			wcs_set_error(ctx, WCS_EPARSE, "not a syslog line");
		return (rc);
	}
	if ((rc = mt_packet(ctx, msg.p, msg.len, ev)) != WCS_OK)
		return (rc);
	if ((rc = wcs_lu_syslog_date(r, &sl, ev)) != WCS_OK)
		return (rc);
	return (WCS_OK);
}

/* "firewall," (72 bits) and a packet that parses. */
static const struct wcs_line_format mt_format = {
	.state_size = sizeof(struct wcs_lu_reader),
	.parse = mt_line,
	.bid_bits = 8 * 9 + 8 * 16,
};

static int
mt_bid(const unsigned char *peek, size_t len, int best_bid)
{
	return (wcs_line_bid(&mt_format, peek, len, best_bid));
}

static int
mt_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_line_open(&mt_format, ctx, in, opts, state));
}

const struct wcs_reader_ops wcs_reader_mikrotik = {
	.name = "mikrotik",
	.description = "MikroTik RouterOS firewall log lines in syslog",
	.kind = WCS_KIND_FIREWALL,
	.flags =
	    WCS_READER_LOCALTIME | WCS_READER_NOYEAR | WCS_READER_SPLITTABLE,
	.bid = mt_bid,
	.open = mt_open,
	.next = wcs_line_next,
	.close = wcs_line_close,
};
