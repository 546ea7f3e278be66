/*
 * FortiGate (FortiOS) traffic logs: key=value pairs, values quoted when
 * they are strings ("deny") and bare when numbers or addresses:
 *
 *	date=2017-05-12 time=17:03:01 devname="FGT60E" devid="FGT60E4Q1600"
 *	    eventtime=1494601381123456789 tz="+0200" logid="0000000013"
 *	    type="traffic" subtype="forward" level="notice" vd="root"
 *	    srcip=192.168.1.5 srcport=49152 srcintf="port2" dstip=10.0.0.9
 *	    dstport=445 dstintf="port1" sessionid=1234 proto=6 action="deny"
 *
 * as sent to a syslog server (with or without its header, "<189>" glued to
 * the first key when there is none) or saved from the GUI.
 *
 * Time: date= and time= are the device's local time.  eventtime= (from
 * FortiOS 6.2; seconds, or milli-, micro- or nanoseconds by its length)
 * is UTC and preferred; else tz= ("+0200") dates date/time; else --tz.
 *
 * Only type=traffic records are connections; event, utm and other types
 * are ignored.  Actions: deny (and its cousins blocked, drop) stopped the
 * session; accept, close, timeout, server-rst, client-rst and start are
 * sessions the policy let through; ip-conn and anything else leave the
 * action unknown.
 */
#include <string.h>

#include "readers_private.h"

enum fg_key {
	K_DATE,
	K_TIME,
	K_EVENTTIME,
	K_TZ,
	K_TYPE,
	K_SRCIP,
	K_SRCPORT,
	K_DSTIP,
	K_DSTPORT,
	K_PROTO,
	K_ACTION,
	K_COUNT
};

static const char *const fg_keys[K_COUNT] = { "date", "time", "eventtime", "tz",
	"type", "srcip", "srcport", "dstip", "dstport", "proto", "action" };

struct fg_kv {
	struct wcs_span v[K_COUNT];
	bool has[K_COUNT];
	size_t npairs;
};

static bool
fg_keychar(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_' || c == '-');
}

/*
 * The pairs from the first "date=" (or "logver=", "itime=": forwarded by
 * FortiAnalyzer) on.  Returns false when the line has none.
 */
static bool
fg_pairs(const char *s, size_t len, struct fg_kv *kv)
{
	struct wcs_span key, val;
	size_t i = 0, k;
	const char *d;

	memset(kv, 0, sizeof(*kv));
	if ((d = wcs_lu_casefind(s, len, "date=")) == NULL &&
	    (d = wcs_lu_casefind(s, len, "logver=")) == NULL &&
	    (d = wcs_lu_casefind(s, len, "itime=")) == NULL)
		return (false);
	/* "date=" must start a word (">" for a glued "<189>"). */
	if (d > s && d[-1] != ' ' && d[-1] != '>')
		return (false);
	i = (size_t)(d - s);
	while (i < len) {
		while (i < len && s[i] == ' ')
			i++;
		if (i == len)
			break;
		key.p = s + i;
		while (i < len && fg_keychar((unsigned char)s[i]))
			i++;
		key.len = (size_t)(s + i - key.p);
		if (key.len == 0 || i == len || s[i] != '=')
			return (false);
		i++;
		if (i < len && s[i] == '"') {
			val.p = s + ++i;
			while (i < len && s[i] != '"')
				i++;
			if (i == len)
				return (false);
			val.len = (size_t)(s + i - val.p);
			i++;
		} else {
			val.p = s + i;
			while (i < len && s[i] != ' ')
				i++;
			val.len = (size_t)(s + i - val.p);
		}
		kv->npairs++;
		for (k = 0; k < K_COUNT; k++) {
			if (!kv->has[k] && wcs_lu_eq(key, fg_keys[k])) {
				kv->has[k] = true;
				kv->v[k] = val;
				break;
			}
		}
	}
	return (kv->npairs > 0);
}

static uint8_t
fg_action(struct wcs_span a)
{
	static const char *const allow[] = { "accept", "close", "timeout",
		"server-rst", "client-rst", "start", "pass" };
	static const char *const deny[] = { "deny", "blocked", "block", "drop",
		"dropped" };
	size_t i;

	for (i = 0; i < WCS_NELEM(deny); i++) {
		if (wcs_lu_eq(a, deny[i]))
			return (WCS_ACT_DENY);
	}
	for (i = 0; i < WCS_NELEM(allow); i++) {
		if (wcs_lu_eq(a, allow[i]))
			return (WCS_ACT_ALLOW);
	}
	return (WCS_ACT_UNKNOWN);
}

/* "2017-05-12" (or with slashes) and "17:03:01" as civil time. */
static bool
fg_civil(struct wcs_span d, struct wcs_span t, int64_t *out)
{
	int y, mo, dd, h, mi, sec;

	if (d.len != 10 || (d.p[4] != '-' && d.p[4] != '/') ||
	    d.p[7] != d.p[4] || t.len != 8 || t.p[2] != ':' || t.p[5] != ':')
		return (false);
	y = wcs_lu_digits(d.p, 4, 4);
	mo = wcs_lu_digits(d.p + 5, 2, 2);
	dd = wcs_lu_digits(d.p + 8, 2, 2);
	h = wcs_lu_digits(t.p, 2, 2);
	mi = wcs_lu_digits(t.p + 3, 2, 2);
	sec = wcs_lu_digits(t.p + 6, 2, 2);
	return (y >= 0 && mo >= 0 && dd >= 0 && h >= 0 && mi >= 0 && sec >= 0 &&
		wcs_time_from_civil(y, mo, dd, h, mi, sec, 0, out));
}

/* tz="+0200", "-05:00" or "UTC"; the offset in microseconds. */
static bool
fg_tz(struct wcs_span z, int64_t *off)
{
	int h, m;
	size_t i;

	if (wcs_lu_caseeq(z, "UTC") || wcs_lu_caseeq(z, "GMT")) {
		*off = 0;
		return (true);
	}
	if (z.len < 5 || (z.p[0] != '+' && z.p[0] != '-'))
		return (false);
	h = wcs_lu_digits(z.p + 1, 2, 2);
	i = z.p[3] == ':' ? 4 : 3;
	if (z.len != i + 2 || (m = wcs_lu_digits(z.p + i, 2, 2)) < 0 || h < 0 ||
	    h > 23 || m > 59)
		return (false);
	*off =
	    (z.p[0] == '-' ? -1 : 1) * ((int64_t)h * 3600 + m * 60) * WCS_USEC;
	return (true);
}

/* eventtime: seconds, ms, us or ns since the epoch, by digit count. */
static bool
fg_eventtime(struct wcs_span e, int64_t *out)
{
	uint64_t v;

	if (!wcs_lu_uint(e.p, e.len, UINT64_MAX, &v))
		return (false);
	if (e.len <= 10)
		*out = (int64_t)v * WCS_USEC;
	else if (e.len <= 13)
		*out = (int64_t)v * 1000;
	else if (e.len <= 16)
		*out = (int64_t)v;
	else if (e.len <= 19)
		*out = (int64_t)(v / 1000);
	else
		return (false);
	return (true);
}

/* One line (see wcs_line_format). */
static int
fg_line(
    struct wcs_lu_reader *r, const char *s, size_t len, struct wcs_event *ev)
{
	struct wcs_ctx *ctx = r->ctx;
	struct wcs_lu_syslog sl;
	struct fg_kv kv;
	struct wcs_span whole = { s, len };
	int64_t civ, off;
	uint64_t v;
	int p;

	if (len == 0)
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	if (!fg_pairs(s, len, &kv)) {
		/* Other programs' lines in the syslog file. */
		if (wcs_lu_syslog(s, len, &sl))
			return (wcs_lu_skip(ev, WCS_IGN_FOREIGN));
		return (wcs_lu_reject(ctx, "FortiGate line", whole));
	}
	if (!kv.has[K_TYPE] || !wcs_lu_eq(kv.v[K_TYPE], "traffic"))
		return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
	if (!kv.has[K_SRCIP] || !kv.has[K_DSTIP])
		return (wcs_lu_reject(
		    ctx, "traffic record (no srcip/dstip)", whole));
	if (!wcs_addr_parse(kv.v[K_SRCIP].p, kv.v[K_SRCIP].len, &ev->src))
		return (wcs_lu_reject(ctx, "srcip", kv.v[K_SRCIP]));
	if (!wcs_addr_parse(kv.v[K_DSTIP].p, kv.v[K_DSTIP].len, &ev->dst))
		return (wcs_lu_reject(ctx, "dstip", kv.v[K_DSTIP]));
	if (kv.has[K_SRCPORT]) {
		if (!wcs_lu_uint(
			kv.v[K_SRCPORT].p, kv.v[K_SRCPORT].len, 65535, &v))
			return (wcs_lu_reject(ctx, "srcport", kv.v[K_SRCPORT]));
		ev->sport = (uint16_t)v;
	}
	if (kv.has[K_DSTPORT]) {
		if (!wcs_lu_uint(
			kv.v[K_DSTPORT].p, kv.v[K_DSTPORT].len, 65535, &v))
			return (wcs_lu_reject(ctx, "dstport", kv.v[K_DSTPORT]));
		ev->dport = (uint16_t)v;
	}
	if (kv.has[K_PROTO]) {
		if ((p = wcs_lu_proto(kv.v[K_PROTO])) < 0)
			return (wcs_lu_reject(ctx, "proto", kv.v[K_PROTO]));
		ev->proto = (uint8_t)p;
	}
	if (kv.has[K_ACTION])
		ev->action = fg_action(kv.v[K_ACTION]);
	if (!kv.has[K_EVENTTIME] ||
	    !fg_eventtime(kv.v[K_EVENTTIME], &ev->ts_us)) {
		if (!kv.has[K_DATE] || !kv.has[K_TIME] ||
		    !fg_civil(kv.v[K_DATE], kv.v[K_TIME], &civ))
			return (wcs_lu_reject(ctx, "date/time",
			    kv.has[K_DATE] ? kv.v[K_DATE] : whole));
		if (kv.has[K_TZ] && fg_tz(kv.v[K_TZ], &off))
			ev->ts_us = civ - off;
		else {
			ev->ts_us = wcs_tz_to_utc(r->tz, civ);
			ev->local_time = 1;
		}
	}
	ev->kind = WCS_EV_CONN;
	return (WCS_OK);
}

/* "type=traffic" (96 bits) in a line of pairs that parses. */
static const struct wcs_line_format fg_format = {
	.state_size = sizeof(struct wcs_lu_reader),
	.parse = fg_line,
	.bid_markup = true,
	.bid_bits = 8 * 12 + 8 * 16,
};

static int
fg_bid(const unsigned char *peek, size_t len, int best_bid)
{
	return (wcs_line_bid(&fg_format, peek, len, best_bid));
}

static int
fg_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_line_open(&fg_format, ctx, in, opts, state));
}

const struct wcs_reader_ops wcs_reader_fortigate = {
	.name = "fortigate",
	.description = "FortiGate key=value traffic logs",
	.kind = WCS_KIND_FIREWALL,
	.flags = WCS_READER_LOCALTIME | WCS_READER_SPLITTABLE,
	.bid = fg_bid,
	.open = fg_open,
	.next = wcs_line_next,
	.close = wcs_line_close,
};
