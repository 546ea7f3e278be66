/*
 * netfilter LOG / nftables "log" lines, as syslog writes them:
 *
 *	May 12 15:03:01 gw kernel: [12345.678901] [UFW BLOCK] IN=eth0 OUT=
 *	    MAC=... SRC=192.168.1.5 DST=10.0.0.9 LEN=52 ... PROTO=TCP
 *	    SPT=49152 DPT=445 WINDOW=8192 RES=0x00 SYN URGP=0
 *
 * The header may be BSD (no year, local time: --year or the file's mtime,
 * and --tz), RFC 3339 (rsyslog's precise stamps, zone given) or RFC 5424;
 * the day space-padded, zero-padded or not padded ("Jan 1"), the tag left
 * out (kernel lines some devices forward as they are), the sender's name
 * and address both given (see wcs_lu_syslog).
 * Proxmox VE's firewall log, which writes the same key=value payload after
 * "VMID LEVEL CHAIN dd/Mon/yyyy:hh:mm:ss +zzzz PREFIX:", is read too.
 *
 * The action is not a field: it is whatever the rule's --log-prefix says
 * ("[UFW BLOCK]", "IPTABLES-DROP:", "policy DROP:").  Words meaning deny or
 * allow are looked for in the text between the kernel's uptime stamp and
 * IN=; a prefix without one leaves the action unknown.
 *
 * A syslog file holds other programs' lines too: lines without SRC= and
 * DST= are ignored, not rejected.
 */
#include <string.h>

#include "readers_private.h"

/* The packet's fields, as spans of the message. */
struct nf_kv {
	struct wcs_span prefix, in, out, src, dst, proto, spt, dpt;
	bool has_in, has_out, has_src, has_dst;
};

/*
 * Whether the token [p, te) is "KEY=...": its key is the text before its
 * first "=", so starting with "KEY=" is being one.  Sets *v to the value.
 */
static inline bool
nf_key(const char *p, const char *te, const char *key, struct wcs_span *v)
{
	size_t n = strlen(key);

	if ((size_t)(te - p) < n || memcmp(p, key, n) != 0)
		return (false);
	v->p = p + n;
	v->len = (size_t)(te - v->p);
	return (true);
}

/*
 * The first space in [p, end), or end.  A LOG payload is some twenty
 * short tokens: a library call per token cost more than the search, so
 * eight bytes are looked at a time where the machine is known to be
 * little-endian (the lowest byte flagged is exactly the first space;
 * flags above it may be false, and are not looked at).
 */
static inline const char *
nf_space(const char *p, const char *end)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w, t;

	for (; end - p >= 8; p += 8) {
		memcpy(&w, p, 8);
		w ^= 0x2020202020202020ULL;
		t = (w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL;
		if (t != 0)
			return (p + (__builtin_ctzll(t) >> 3));
	}
#endif
	while (p < end && *p != ' ')
		p++;
	return (p);
}

/*
 * Find the key=value fields of a LOG payload.  Only the first occurrence
 * of a key counts: ICMP errors quote the offending packet after it in
 * brackets, with SRC= and DST= of their own.  So the search stops once
 * every field is found (the kernel writes DPT= before WINDOW=, RES= and
 * the flags, which are not read).
 */
static void
nf_fields(const char *s, size_t len, struct nf_kv *kv)
{
	const char *p = s, *end = s + len, *te;
	struct wcs_span v;

	memset(kv, 0, sizeof(*kv));
	kv->prefix.p = s;
	for (; p < end; p = te) {
		if (*p == ' ') {
			te = p + 1;
			continue;
		}
		te = nf_space(p, end);
		switch (*p) {
		case '[':
			/* After the packet's own fields, a quoted one. */
			if (kv->has_in || kv->has_out)
				return;
			break;
		case 'I':
			if (!kv->has_in && nf_key(p, te, "IN=", &v)) {
				kv->has_in = true;
				kv->in = v;
				/* The prefix is everything before the first IN=. */
				kv->prefix.len = (size_t)(p - s);
			}
			break;
		case 'O':
			if (!kv->has_out && nf_key(p, te, "OUT=", &v)) {
				kv->has_out = true;
				kv->out = v;
				if (!kv->has_in)
					kv->prefix.len = (size_t)(p - s);
			}
			break;
		case 'S':
			if (!kv->has_src && nf_key(p, te, "SRC=", &v)) {
				kv->has_src = true;
				kv->src = v;
			} else if (kv->spt.len == 0 &&
				   nf_key(p, te, "SPT=", &v)) {
				kv->spt = v;
			}
			break;
		case 'D':
			if (!kv->has_dst && nf_key(p, te, "DST=", &v)) {
				kv->has_dst = true;
				kv->dst = v;
			} else if (kv->dpt.len == 0 &&
				   nf_key(p, te, "DPT=", &v)) {
				kv->dpt = v;
			}
			break;
		case 'P':
			if (kv->proto.len == 0 && nf_key(p, te, "PROTO=", &v))
				kv->proto = v;
			break;
		default:
			continue;
		}
		if (kv->has_in && kv->has_out && kv->has_src && kv->has_dst &&
		    kv->proto.len > 0 && kv->spt.len > 0 && kv->dpt.len > 0)
			return;
	}
}

/* Fill the packet fields of ev from a LOG payload (after the header). */
static int
nf_payload(struct wcs_ctx *ctx, const char *s, size_t len, struct wcs_event *ev)
{
	struct nf_kv kv;
	struct wcs_span pre;
	uint64_t v;
	size_t i;
	int p;

	nf_fields(s, len, &kv);
	if (!kv.has_src || !kv.has_dst)
		return (wcs_lu_skip(ev, WCS_IGN_FOREIGN));
	if (!wcs_addr_parse(kv.src.p, kv.src.len, &ev->src))
		return (wcs_lu_reject(ctx, "source address", kv.src));
	if (!wcs_addr_parse(kv.dst.p, kv.dst.len, &ev->dst))
		return (wcs_lu_reject(ctx, "destination address", kv.dst));
	if (kv.proto.len > 0) {
		if ((p = wcs_lu_proto(kv.proto)) < 0)
			return (wcs_lu_reject(ctx, "protocol", kv.proto));
		ev->proto = (uint8_t)p;
	}
	if (kv.spt.len > 0) {
		if (!wcs_lu_uint(kv.spt.p, kv.spt.len, 65535, &v))
			return (wcs_lu_reject(ctx, "source port", kv.spt));
		ev->sport = (uint16_t)v;
	}
	if (kv.dpt.len > 0) {
		if (!wcs_lu_uint(kv.dpt.p, kv.dpt.len, 65535, &v))
			return (wcs_lu_reject(ctx, "destination port", kv.dpt));
		ev->dport = (uint16_t)v;
	}
	/* The kernel's "[  203.842973]" uptime is not part of the prefix. */
	pre = kv.prefix;
	if (pre.len > 0 && pre.p[0] == '[') {
		for (i = 1;
		     i < pre.len && (pre.p[i] == ' ' || pre.p[i] == '.' ||
					(pre.p[i] >= '0' && pre.p[i] <= '9'));
		     i++)
			;
		if (i > 1 && i < pre.len && pre.p[i] == ']') {
			pre.p += i + 1;
			pre.len -= i + 1;
		}
	}
	ev->action = wcs_lu_action_words(pre, false);
	/* Sent by the firewall host itself (the OUTPUT chain). */
	if (kv.has_in && kv.in.len == 0 && kv.has_out && kv.out.len > 0)
		ev->outbound = 1;
	ev->kind = WCS_EV_CONN;
	return (WCS_OK);
}

/*
 * Proxmox VE: "VMID LEVEL CHAIN dd/Mon/yyyy:hh:mm:ss +zzzz PREFIX: ...".
 * Returns the payload start, or NULL when the line is not of that form.
 */
static const char *
nf_proxmox(const char *s, size_t len, int64_t *ts)
{
	struct wcs_span f[5];
	struct wcs_lu_civil civ;
	uint64_t v;
	int64_t t;
	int oh, om;
	const char *d, *z;

	if (wcs_lu_split_ws(s, len, f, 5) < 5 ||
	    !wcs_lu_uint(f[0].p, f[0].len, UINT32_MAX, &v) ||
	    !wcs_lu_uint(f[1].p, f[1].len, 7, &v))
		return (NULL);
	d = f[3].p;
	z = f[4].p;
	if (f[3].len != 20 || !wcs_lu_clf_stamp(d, f[3].len, &civ) ||
	    f[4].len != 5 || (z[0] != '+' && z[0] != '-'))
		return (NULL);
	oh = wcs_lu_digits(z + 1, 2, 2);
	om = wcs_lu_digits(z + 3, 2, 2);
	if (oh < 0 || om < 0 || oh > 23 || om > 59 ||
	    !wcs_time_from_civil(
		civ.year, civ.mon, civ.day, civ.hour, civ.min, civ.sec, 0, &t))
		return (NULL);
	*ts = t - (z[0] == '-' ? -1 : 1) * ((int64_t)oh * 3600 + om * 60) *
		      WCS_USEC;
	return (z + 5);
}

/* One line (see wcs_line_format). */
static int
nf_line(
    struct wcs_lu_reader *r, const char *s, size_t len, struct wcs_event *ev)
{
	struct wcs_ctx *ctx = r->ctx;
	struct wcs_lu_syslog sl;
	const char *p;
	int64_t ts;
	int rc;

	if (wcs_lu_syslog(s, len, &sl)) {
		rc = nf_payload(ctx, sl.msg.p, sl.msg.len, ev);
		if (rc != WCS_OK)
			return (rc);
		if ((rc = wcs_lu_syslog_date(r, &sl, ev)) != WCS_OK)
			return (rc);
		/*
		 * ev->host stays unset: the logging gateway is not the
		 * packet's host, and naming it would mislead the host join.
		 */
		return (WCS_OK);
	}
	if ((p = nf_proxmox(s, len, &ts)) != NULL) {
		rc = nf_payload(ctx, p, len - (size_t)(p - s), ev);
		if (rc == WCS_OK)
			ev->ts_us = ts;
		return (rc);
	}
	/* Blank lines, and journalctl's "-- Reboot --" markers. */
	if (len == 0 || (len >= 3 && memcmp(s, "-- ", 3) == 0))
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	/* A packet line whose header we cannot date is a broken record. */
	if (ctx != NULL)
		wcs_set_error(ctx, WCS_EPARSE, "not a syslog line");
	return (WCS_WARN);
}

/* Packet lines only: other programs' lines are worth nothing. */
static int
nf_bid_line(struct wcs_lu_reader *r, const char *s, size_t len, int rc,
    const struct wcs_event *ev, int bid)
{
	(void)r;
	(void)s;
	(void)len;
	(void)bid;
	return (rc == WCS_OK ? 8 * 16 + (ev->sport != 0 ? 16 : 0) : 0);
}

static const struct wcs_line_format nf_format = {
	.state_size = sizeof(struct wcs_lu_reader),
	.parse = nf_line,
	.bid_line = nf_bid_line,
};

static int
nf_bid(const unsigned char *peek, size_t len, int best_bid)
{
	return (wcs_line_bid(&nf_format, peek, len, best_bid));
}

static int
nf_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_line_open(&nf_format, ctx, in, opts, state));
}

const struct wcs_reader_ops wcs_reader_netfilter = {
	.name = "netfilter",
	.description = "netfilter/iptables/nftables LOG lines in syslog",
	.kind = WCS_KIND_FIREWALL,
	.flags =
	    WCS_READER_LOCALTIME | WCS_READER_NOYEAR | WCS_READER_SPLITTABLE,
	.bid = nf_bid,
	.open = nf_open,
	.next = wcs_line_next,
	.close = wcs_line_close,
};
