/*
 * pfSense / OPNsense "filterlog" lines: pf's log, one CSV record per
 * packet, in a syslog wrapper (BSD, or RFC 5424 from pfSense 2.6 and
 * OPNsense):
 *
 *	Sep 28 10:38:24 pfSense filterlog[1234]: 53,,,1000102631,em0,match,
 *	    block,in,4,0x0,,64,600,0,none,6,tcp,44,10.0.2.2,10.0.2.15,53792,
 *	    445,0,S,31552001,,65535,,mss
 *
 * The record layout, from pfSense's "Filter Log Format" documentation:
 *
 *	all:	rule, sub-rule, anchor, tracker, interface, reason, action,
 *		direction, IP version
 *	IPv4:	TOS, ECN, TTL, ID, offset, flags, protocol id, protocol text,
 *		length, source, destination
 *	IPv6:	class, flow label, hop limit, protocol text, protocol id,
 *		length, source, destination
 *	then for TCP: source port, destination port, data length, flags,
 *		sequence, ack, window, urg, options;
 *	UDP: source port, destination port, data length; ICMP and the rest:
 *		protocol-specific fields without ports.
 *
 * A line forwarded without its "filterlog:" tag is read when its message
 * parses as a record (else it is another program's).
 *
 * The action is "pass" or "block" (pf's "match" rules log as pass).
 * Other programs' lines in the same syslog file, and filterlog lines for
 * other IP versions, are ignored; a filterlog record too short for its
 * layout, or with an address or port that does not parse, is rejected.
 */
#include <string.h>

#include "readers_private.h"

/* Field positions of the two layouts. */
#define FL_ACTION 6
#define FL_DIR 7
#define FL_IPVER 8
#define FL_NFIELDS 32

/* The CSV record into ev. */
static int
fl_record(struct wcs_ctx *ctx, const char *s, size_t len, struct wcs_event *ev)
{
	struct wcs_span f[FL_NFIELDS], whole = { s, len };
	size_t n, pid, src, port;
	uint64_t v;

	n = wcs_lu_split_char(s, len, ',', f, WCS_NELEM(f));
	if (n <= FL_IPVER)
		return (wcs_lu_reject(ctx, "filterlog record", whole));
	if (wcs_lu_eq(f[FL_IPVER], "4")) {
		pid = 15, src = 18;
	} else if (wcs_lu_eq(f[FL_IPVER], "6")) {
		pid = 13, src = 15;
	} else
		return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
	if (n < src + 2)
		return (wcs_lu_reject(ctx, "filterlog record", whole));
	if (!wcs_lu_uint(f[pid].p, f[pid].len, 255, &v))
		return (wcs_lu_reject(ctx, "protocol", f[pid]));
	ev->proto = (uint8_t)v;
	if (!wcs_addr_parse(f[src].p, f[src].len, &ev->src))
		return (wcs_lu_reject(ctx, "source address", f[src]));
	if (!wcs_addr_parse(f[src + 1].p, f[src + 1].len, &ev->dst))
		return (wcs_lu_reject(ctx, "destination address", f[src + 1]));
	port = src + 2;
	if (ev->proto == 6 || ev->proto == 17 || ev->proto == 132) {
		if (n < port + 2)
			return (wcs_lu_reject(ctx, "filterlog record", whole));
		if (!wcs_lu_uint(f[port].p, f[port].len, 65535, &v))
			return (wcs_lu_reject(ctx, "source port", f[port]));
		ev->sport = (uint16_t)v;
		if (!wcs_lu_uint(f[port + 1].p, f[port + 1].len, 65535, &v))
			return (wcs_lu_reject(
			    ctx, "destination port", f[port + 1]));
		ev->dport = (uint16_t)v;
	}
	if (wcs_lu_eq(f[FL_ACTION], "block"))
		ev->action = WCS_ACT_DENY;
	else if (wcs_lu_eq(f[FL_ACTION], "pass"))
		ev->action = WCS_ACT_ALLOW;
	ev->kind = WCS_EV_CONN;
	return (WCS_OK);
}

/* One line (see wcs_line_format). */
static int
fl_line(
    struct wcs_lu_reader *r, const char *s, size_t len, struct wcs_event *ev)
{
	struct wcs_ctx *ctx = r->ctx;
	struct wcs_lu_syslog sl;
	int rc;

	if (!wcs_lu_syslog(s, len, &sl)) {
		if (len == 0)
			return (wcs_lu_skip(ev, WCS_IGN_HEADER));
		if (ctx != NULL)
			wcs_set_error(ctx, WCS_EPARSE, "not a syslog line");
		return (WCS_WARN);
	}
	/* A line forwarded without its tag is filterlog's if it parses. */
	if (sl.app.len == 0) {
		if (fl_record(NULL, sl.msg.p, sl.msg.len, ev) != WCS_OK)
			return (wcs_lu_skip(ev, WCS_IGN_FOREIGN));
	} else if (!wcs_lu_eq(sl.app, "filterlog"))
		return (wcs_lu_skip(ev, WCS_IGN_FOREIGN));
	else if ((rc = fl_record(ctx, sl.msg.p, sl.msg.len, ev)) != WCS_OK)
		return (rc);
	if ((rc = wcs_lu_syslog_date(r, &sl, ev)) != WCS_OK)
		return (rc);
	return (WCS_OK);
}

/* "filterlog" (72 bits) and a record of its grammar. */
static const struct wcs_line_format fl_format = {
	.state_size = sizeof(struct wcs_lu_reader),
	.parse = fl_line,
	.bid_bits = 8 * 9 + 8 * 16,
};

static int
fl_bid(const unsigned char *peek, size_t len, int best_bid)
{
	return (wcs_line_bid(&fl_format, peek, len, best_bid));
}

static int
fl_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_line_open(&fl_format, ctx, in, opts, state));
}

const struct wcs_reader_ops wcs_reader_filterlog = {
	.name = "filterlog",
	.description = "pfSense/OPNsense filterlog CSV in syslog",
	.kind = WCS_KIND_FIREWALL,
	.flags =
	    WCS_READER_LOCALTIME | WCS_READER_NOYEAR | WCS_READER_SPLITTABLE,
	.bid = fl_bid,
	.open = fl_open,
	.next = wcs_line_next,
	.close = wcs_line_close,
};
