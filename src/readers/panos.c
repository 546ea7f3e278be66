/*
 * PAN-OS syslog, CSV form (the default "BSD" or "IETF" syslog format):
 *
 *	2023-07-06T08:11:40+02:00 pa-fw 1,2023/07/06 08:11:40,016401002737,
 *	    TRAFFIC,drop,2561,2023/07/06 08:11:40,10.1.1.5,10.1.2.9,0.0.0.0,
 *	    0.0.0.0,deny-smb,,,ms-ds-smb,vsys1,trust,dmz,ethernet1/2,,fwd,
 *	    2023/07/06 08:11:40,0,1,49152,445,0,0,0x0,tcp,drop,...
 *
 * The header has no tag: a stamp and the firewall's name, then the record.
 * The leading fields, alike in TRAFFIC and THREAT logs (PAN-OS "Syslog
 * field descriptions"):
 *
 *	0 FUTURE_USE, 1 receive time, 2 serial, 3 type, 4 subtype,
 *	5 FUTURE_USE, 6 generated time, 7 source, 8 destination, 9 NAT source,
 *	10 NAT destination, 11 rule, 12 source user, 13 destination user,
 *	14 application, 15 virtual system, 16 source zone, 17 destination zone,
 *	18 inbound interface, 19 outbound interface, 20 log action,
 *	21 FUTURE_USE, 22 session, 23 repeat count, 24 source port,
 *	25 destination port, 26 NAT source port, 27 NAT destination port,
 *	28 flags, 29 protocol, 30 action
 *
 * TRAFFIC is the connection log.  THREAT records carry the same session
 * fields whatever their subtype (vulnerability, spyware, url, file, virus,
 * wildfire, scan, flood, data): each becomes a connection event too, with
 * the threat's action, because a signature hit on 445/tcp is still a
 * connection the engine must count.  Other log types (SYSTEM, CONFIG,
 * HIP-MATCH, GLOBALPROTECT, USERID, ...) carry no connection and are
 * ignored.
 *
 * Actions: allow, alert and continue let the traffic pass; deny, drop,
 * drop-icmp, drop-all-packets, random-drop, reset-client, reset-server,
 * reset-both, block-* and sinkhole stop it.
 *
 * Time: the generated time is the firewall's local time without a zone.
 * When the syslog header carries an RFC 3339 stamp with an offset (PAN-OS
 * writes both from its one clock), that offset dates the generated time,
 * unless the two then disagree by more than 15 minutes (a relay wrote
 * the header): then the header's own instant is used.  Without a zone,
 * --tz applies.
 */
#include <string.h>

#include "readers_private.h"

#define PA_NFIELDS 32
#define PA_SKEW_US (15LL * 60 * WCS_USEC)

/*
 * Split a CSV record; a field in double quotes may hold commas (PAN-OS
 * quotes those), and its quotes are dropped.  Returns the number of
 * fields, as wcs_lu_split_char does.
 */
static size_t
pa_split(const char *s, size_t len, struct wcs_span *f, size_t max)
{
	size_t i = 0, start, n = 0;
	bool quoted;

	for (;;) {
		quoted = i < len && s[i] == '"';
		start = i + quoted;
		if (quoted) {
			for (i = start; i < len && s[i] != '"'; i++)
				;
		} else {
			for (; i < len && s[i] != ','; i++)
				;
		}
		if (n < max) {
			f[n].p = s + start;
			f[n].len = i - start;
		}
		n++;
		if (quoted && i < len)
			i++;
		while (i < len && s[i] != ',')
			i++;
		if (i >= len)
			return (n);
		i++;
	}
}

/* "2023/07/06 08:11:40" as civil time. */
static bool
pa_time(struct wcs_span sp, int64_t *out)
{
	const char *s = sp.p;
	int y, mo, d, h, mi, sec;

	if (sp.len != 19 || s[4] != '/' || s[7] != '/' || s[10] != ' ' ||
	    s[13] != ':' || s[16] != ':')
		return (false);
	y = wcs_lu_digits(s, 4, 4);
	mo = wcs_lu_digits(s + 5, 2, 2);
	d = wcs_lu_digits(s + 8, 2, 2);
	h = wcs_lu_digits(s + 11, 2, 2);
	mi = wcs_lu_digits(s + 14, 2, 2);
	sec = wcs_lu_digits(s + 17, 2, 2);
	return (y >= 0 && mo >= 0 && d >= 0 && h >= 0 && mi >= 0 && sec >= 0 &&
		wcs_time_from_civil(y, mo, d, h, mi, sec, 0, out));
}

static uint8_t
pa_action(struct wcs_span a)
{
	static const char *const allow[] = { "allow", "alert", "continue",
		"override" };
	static const char *const deny[] = { "deny", "drop", "drop-icmp",
		"drop-all-packets", "random-drop", "reset-client",
		"reset-server", "reset-both", "sinkhole", "syncookie-sent" };
	size_t i;

	for (i = 0; i < WCS_NELEM(allow); i++) {
		if (wcs_lu_eq(a, allow[i]))
			return (WCS_ACT_ALLOW);
	}
	for (i = 0; i < WCS_NELEM(deny); i++) {
		if (wcs_lu_eq(a, deny[i]))
			return (WCS_ACT_DENY);
	}
	if (a.len > 6 && memcmp(a.p, "block-", 6) == 0)
		return (WCS_ACT_DENY);
	return (WCS_ACT_UNKNOWN);
}

/*
 * The header's offset from UTC, when it is an RFC 3339 stamp with one:
 * the same text read without its zone, minus its instant.
 */
static bool
pa_header_zone(struct wcs_span h, int64_t *utc, int64_t *off)
{
	int64_t local;
	size_t i, n;
	bool zone;

	i = 0;
	if (h.len > 0 && h.p[0] == '<') {
		while (i < h.len && h.p[i] != '>')
			i++;
		i++;
		if (i + 1 < h.len && h.p[i] == '1' && h.p[i + 1] == ' ')
			i += 2;
	}
	if (i >= h.len ||
	    (n = wcs_time_parse_iso(h.p + i, h.len - i, utc, &zone)) == 0 ||
	    !zone || h.p[i + 10] != 'T')
		return (false);
	/* The zone starts after the seconds and their fraction. */
	for (n = 19;
	     n < h.len - i &&
	     (h.p[i + n] == '.' || (h.p[i + n] >= '0' && h.p[i + n] <= '9'));
	     n++)
		;
	if (wcs_time_parse_iso(h.p + i, n, &local, &zone) != n)
		return (false);
	*off = local - *utc;
	return (true);
}

/* One line (see wcs_line_format). */
static int
pa_line(
    struct wcs_lu_reader *r, const char *s, size_t len, struct wcs_event *ev)
{
	struct wcs_ctx *ctx = r->ctx;
	struct wcs_span f[PA_NFIELDS], hdr, whole = { s, len };
	const char *comma, *start;
	int64_t gen, hutc, off;
	uint64_t v;
	size_t n;
	int p;

	if (len == 0)
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	/* The record starts after the last blank before its first comma. */
	if ((comma = memchr(s, ',', len)) == NULL)
		return (wcs_lu_reject(ctx, "PAN-OS line", whole));
	for (start = comma; start > s && start[-1] != ' '; start--)
		;
	hdr.p = s;
	hdr.len = (size_t)(start - s);
	n = pa_split(start, len - hdr.len, f, WCS_NELEM(f));
	/* The column names of a CSV export from the web interface. */
	if (n >= 4 && wcs_lu_eq(f[1], "Receive Time"))
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	if (n < 4 || !pa_time(f[1], &gen))
		return (wcs_lu_reject(ctx, "PAN-OS line", whole));
	if (!wcs_lu_eq(f[3], "TRAFFIC") && !wcs_lu_eq(f[3], "THREAT"))
		return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
	if (n < 31)
		return (wcs_lu_reject(ctx, "record (too few fields)", f[3]));
	if (!pa_time(f[6], &gen))
		return (wcs_lu_reject(ctx, "generated time", f[6]));
	if (!wcs_addr_parse(f[7].p, f[7].len, &ev->src))
		return (wcs_lu_reject(ctx, "source address", f[7]));
	if (!wcs_addr_parse(f[8].p, f[8].len, &ev->dst))
		return (wcs_lu_reject(ctx, "destination address", f[8]));
	if (!wcs_lu_uint(f[24].p, f[24].len, 65535, &v))
		return (wcs_lu_reject(ctx, "source port", f[24]));
	ev->sport = (uint16_t)v;
	if (!wcs_lu_uint(f[25].p, f[25].len, 65535, &v))
		return (wcs_lu_reject(ctx, "destination port", f[25]));
	ev->dport = (uint16_t)v;
	if ((p = wcs_lu_proto(f[29])) < 0)
		return (wcs_lu_reject(ctx, "protocol", f[29]));
	ev->proto = (uint8_t)p;
	ev->action = pa_action(f[30]);
	ev->kind = WCS_EV_CONN;
	if (pa_header_zone(hdr, &hutc, &off)) {
		ev->ts_us = gen - off;
		if (ev->ts_us - hutc > PA_SKEW_US ||
		    hutc - ev->ts_us > PA_SKEW_US)
			ev->ts_us = hutc;
	} else {
		ev->ts_us = wcs_tz_to_utc(r->tz, gen);
		ev->local_time = 1;
	}
	return (WCS_OK);
}

/* ",TRAFFIC," or ",THREAT," and 31 fields that parse. */
static const struct wcs_line_format pa_format = {
	.state_size = sizeof(struct wcs_lu_reader),
	.parse = pa_line,
	.bid_markup = true,
	.bid_bits = 8 * 8 + 8 * 24,
};

static int
pa_bid(const unsigned char *peek, size_t len, int best_bid)
{
	return (wcs_line_bid(&pa_format, peek, len, best_bid));
}

static int
pa_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_line_open(&pa_format, ctx, in, opts, state));
}

const struct wcs_reader_ops wcs_reader_panos = {
	.name = "panos",
	.description = "Palo Alto PAN-OS TRAFFIC and THREAT syslog (CSV)",
	.kind = WCS_KIND_FIREWALL,
	.flags = WCS_READER_LOCALTIME | WCS_READER_SPLITTABLE,
	.bid = pa_bid,
	.open = pa_open,
	.next = wcs_line_next,
	.close = wcs_line_close,
};
