/*
 * Windows Firewall log (pfirewall.log), W3C-extended style:
 *
 *	#Version: 1.5
 *	#Software: Microsoft Windows Firewall
 *	#Time Format: Local
 *	#Fields: date time action protocol src-ip dst-ip src-port dst-port
 *	    size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path [pid]
 *	2017-05-12 17:03:01 DROP TCP 10.0.0.5 10.0.0.9 49152 445 52 S ... SEND
 *
 * Columns follow the last #Fields line (a file appended to after an upgrade
 * may change them); without one the 1.5 order is assumed.  "-" is an absent
 * value.  Times are local without a zone: --tz applies.
 *
 * Actions: ALLOW and DROP (Windows Vista on); OPEN and OPEN-INBOUND (XP's
 * firewall: a connection was let through) are taken as allowed; CLOSE only
 * ends a connection already logged at OPEN: it is ignored.  An
 * INFO-EVENTS-LOST row says the firewall dropped events from its log (its
 * info column counts them since the last such row): it carries no
 * connection and is ignored, but the count reaches the report and a
 * warning (ev->lost).  Other INFO- rows are ignored as notes of the log.
 */
#include <string.h>

#include "readers_private.h"

#define PFW_MAXCOLS 32

enum pfw_col {
	COL_NONE = 0,
	COL_DATE,
	COL_TIME,
	COL_ACTION,
	COL_PROTO,
	COL_SRC,
	COL_DST,
	COL_SPORT,
	COL_DPORT,
	COL_PATH,
	COL_INFO,
	COL_PID
};

static const struct {
	const char *name;
	enum pfw_col col;
} pfw_names[] = {
	{ "date", COL_DATE },
	{ "time", COL_TIME },
	{ "action", COL_ACTION },
	{ "protocol", COL_PROTO },
	{ "src-ip", COL_SRC },
	{ "dst-ip", COL_DST },
	{ "src-port", COL_SPORT },
	{ "dst-port", COL_DPORT },
	{ "path", COL_PATH },
	{ "info", COL_INFO },
	{ "pid", COL_PID },
};

/* The 1.5 order, for files whose header was cut off. */
static const char *const pfw_default =
    "date time action protocol src-ip dst-ip src-port dst-port size "
    "tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path";

struct pfw_state {
	struct wcs_lu_reader lr; /* ctx, input, zone, year, pool */
	/*
	 * Column index of each field we use (-1 when the file lacks it);
	 * idx[COL_NONE] holds the number of columns the header named.
	 */
	int idx[COL_PID + 1];
};

/* Map the names of a #Fields line to column indexes. */
static void
pfw_set_fields(int *idx, const char *s, size_t len)
{
	struct wcs_span f[PFW_MAXCOLS];
	size_t n, i, k;

	for (k = 0; k <= COL_PID; k++)
		idx[k] = -1;
	n = wcs_lu_split_ws(s, len, f, PFW_MAXCOLS);
	if (n > PFW_MAXCOLS)
		n = PFW_MAXCOLS;
	idx[COL_NONE] = (int)n;
	for (i = 0; i < n; i++) {
		for (k = 0; k < WCS_NELEM(pfw_names); k++) {
			if (wcs_lu_caseeq(f[i], pfw_names[k].name) &&
			    idx[pfw_names[k].col] < 0)
				idx[pfw_names[k].col] = (int)i;
		}
	}
}

enum pfw_act { ACT_BAD = 0, ACT_EVENT, ACT_CLOSE, ACT_INFO };

static enum pfw_act
pfw_action(struct wcs_span a, uint8_t *action)
{
	if (wcs_lu_caseeq(a, "DROP")) {
		*action = WCS_ACT_DENY;
		return (ACT_EVENT);
	}
	if (wcs_lu_caseeq(a, "ALLOW") || wcs_lu_caseeq(a, "OPEN") ||
	    wcs_lu_caseeq(a, "OPEN-INBOUND")) {
		*action = WCS_ACT_ALLOW;
		return (ACT_EVENT);
	}
	if (wcs_lu_caseeq(a, "CLOSE"))
		return (ACT_CLOSE);
	if (wcs_lu_casefind(a.p, a.len, "INFO-") == a.p)
		return (ACT_INFO);
	return (ACT_BAD);
}

/* "2017-05-12" "17:03:01" as local civil time. */
static bool
pfw_time(struct wcs_span d, struct wcs_span t, struct wcs_lu_civil *civ)
{
	if (d.len != 10 || (civ->year = wcs_lu_digits(d.p, 10, 4)) < 0 ||
	    d.p[4] != '-' || (civ->mon = wcs_lu_digits(d.p + 5, 5, 2)) < 0 ||
	    d.p[7] != '-' || (civ->day = wcs_lu_digits(d.p + 8, 2, 2)) < 0)
		return (false);
	if (t.len != 8 || (civ->hour = wcs_lu_digits(t.p, 8, 2)) < 0 ||
	    t.p[2] != ':' || (civ->min = wcs_lu_digits(t.p + 3, 5, 2)) < 0 ||
	    t.p[5] != ':' || (civ->sec = wcs_lu_digits(t.p + 6, 2, 2)) < 0)
		return (false);
	civ->usec = 0;
	return (true);
}

static bool
pfw_get(const struct wcs_span *f, size_t n, int idx, struct wcs_span *out)
{
	if (idx < 0 || (size_t)idx >= n || wcs_lu_absent(f[idx]))
		return (false);
	*out = f[idx];
	return (true);
}

/*
 * Parse one data line into ev.  Returns WCS_OK, WCS_SKIP or WCS_WARN;
 * ctx may be NULL when bidding.
 */
static int
pfw_parse(struct wcs_ctx *ctx, const int *idx, const struct wcs_tz *tz,
    const char *s, size_t len, struct wcs_event *ev)
{
	struct wcs_span f[PFW_MAXCOLS], d, t, v;
	struct wcs_lu_civil civ;
	uint64_t num;
	size_t n;
	int p;

	n = wcs_lu_split_ws(s, len, f, PFW_MAXCOLS);
	if (n > PFW_MAXCOLS)
		n = PFW_MAXCOLS;
	if (!pfw_get(f, n, idx[COL_ACTION], &v)) {
		if (ctx != NULL)
			wcs_set_error(ctx, WCS_EPARSE, "no action");
		return (WCS_WARN);
	}
	switch (pfw_action(v, &ev->action)) {
	case ACT_CLOSE:
		return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
	case ACT_INFO:
		/* "INFO-EVENTS-LOST ... 12 -": 12 events not logged. */
		if (wcs_lu_caseeq(v, "INFO-EVENTS-LOST") &&
		    pfw_get(f, n, idx[COL_INFO], &v) &&
		    wcs_lu_uint(v.p, v.len, UINT32_MAX, &num))
			ev->lost = (uint32_t)num;
		return (wcs_lu_skip(ev, WCS_IGN_LOGNOTE));
	case ACT_BAD:
		return (wcs_lu_reject(ctx, "action", v));
	default:
		break;
	}
	/* Windows writes every column ("-" when empty): a short row was cut. */
	if (n < (size_t)idx[COL_NONE]) {
		if (ctx != NULL)
			wcs_set_error(ctx, WCS_EPARSE,
			    "truncated line: %zu of %d fields", n,
			    idx[COL_NONE]);
		return (WCS_WARN);
	}
	if (!pfw_get(f, n, idx[COL_DATE], &d) ||
	    !pfw_get(f, n, idx[COL_TIME], &t) || !pfw_time(d, t, &civ) ||
	    !wcs_lu_local_to_utc(&civ, tz, &ev->ts_us)) {
		if (ctx != NULL)
			wcs_set_error(ctx, WCS_EPARSE, "bad date or time");
		return (WCS_WARN);
	}
	ev->local_time = 1; /* "#Time Format: Local" */
	ev->kind = WCS_EV_CONN;
	if (pfw_get(f, n, idx[COL_PROTO], &v)) {
		if ((p = wcs_lu_proto(v)) < 0)
			return (wcs_lu_reject(ctx, "protocol", v));
		ev->proto = (uint8_t)p;
	}
	if (pfw_get(f, n, idx[COL_SRC], &v) &&
	    !wcs_addr_parse(v.p, v.len, &ev->src))
		return (wcs_lu_reject(ctx, "source address", v));
	if (pfw_get(f, n, idx[COL_DST], &v) &&
	    !wcs_addr_parse(v.p, v.len, &ev->dst))
		return (wcs_lu_reject(ctx, "destination address", v));
	if (pfw_get(f, n, idx[COL_SPORT], &v)) {
		if (!wcs_lu_uint(v.p, v.len, 65535, &num))
			return (wcs_lu_reject(ctx, "source port", v));
		ev->sport = (uint16_t)num;
	}
	if (pfw_get(f, n, idx[COL_DPORT], &v)) {
		if (!wcs_lu_uint(v.p, v.len, 65535, &num))
			return (wcs_lu_reject(ctx, "destination port", v));
		ev->dport = (uint16_t)num;
	}
	if (pfw_get(f, n, idx[COL_PATH], &v) && wcs_lu_caseeq(v, "SEND"))
		ev->outbound = 1;
	if (pfw_get(f, n, idx[COL_PID], &v) &&
	    wcs_lu_uint(v.p, v.len, UINT32_MAX, &num))
		ev->pid = (uint32_t)num;
	return (WCS_OK);
}

/* Whether a header line starts with the literal; sets *rest after it. */
static bool
pfw_header(const char *s, size_t len, const char *lit, struct wcs_span *rest)
{
	size_t n = strlen(lit);

	if (len < n || memcmp(s, lit, n) != 0)
		return (false);
	rest->p = s + n;
	rest->len = len - n;
	return (true);
}

/* One line (see wcs_line_format): a header, or a data line. */
static int
pfw_line(
    struct wcs_lu_reader *r, const char *s, size_t len, struct wcs_event *ev)
{
	struct pfw_state *st = (struct pfw_state *)r;
	struct wcs_span rest;

	if (pfw_header(s, len, "#Fields:", &rest)) {
		pfw_set_fields(st->idx, rest.p, rest.len);
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	}
	/* Other headers, and blank lines some tools leave at the end. */
	if (len == 0 || s[0] == '#' || wcs_lu_blank(s, len))
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	return (pfw_parse(r->ctx, st->idx, r->tz, s, len, ev));
}

/* The header lines, and data rows: date, time, action and addresses. */
static int
pfw_bid_line(struct wcs_lu_reader *r, const char *line, size_t llen, int rc,
    const struct wcs_event *ev, int bid)
{
	struct wcs_span rest;

	(void)r;
	(void)ev;
	if (pfw_header(
		line, llen, "#Software: Microsoft Windows Firewall", &rest))
		return (8 * 37);
	if (pfw_header(line, llen, "#Version: ", &rest))
		return (8 * 10);
	if (pfw_header(line, llen, "#Time Format: ", &rest))
		return (8 * 14);
	if (pfw_header(line, llen, "#Fields: date time action", &rest))
		return (8 * 25);
	if (llen == 0 || line[0] == '#')
		return (0);
	if (rc == WCS_OK)
		return (96);
	/* A first data row that is not ours: not a firewall log. */
	return (bid == 0 ? -1 : 0);
}

static int
pfw_init(struct wcs_lu_reader *r)
{
	pfw_set_fields(
	    ((struct pfw_state *)r)->idx, pfw_default, strlen(pfw_default));
	return (WCS_OK);
}

static const struct wcs_line_format pfw_format = {
	.state_size = sizeof(struct pfw_state),
	.init = pfw_init,
	.parse = pfw_line,
	.bid_line = pfw_bid_line,
};

static int
pfw_bid(const unsigned char *peek, size_t len, int best_bid)
{
	return (wcs_line_bid(&pfw_format, peek, len, best_bid));
}

static int
pfw_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_line_open(&pfw_format, ctx, in, opts, state));
}

/*
 * Going on from the middle of the file (an appended log, a sweep): the
 * columns the last #Fields line named are all the lines after need.  A
 * tag with a version, then one byte per column index (0xff: none).
 */
#define PFW_RESUME_TAG "pfirewall1"
#define PFW_RESUME_LEN (sizeof(PFW_RESUME_TAG) - 1 + COL_PID + 1)
_Static_assert(PFW_RESUME_LEN <= WCS_READER_RESUME_MAX, "resume bytes");

static size_t
pfw_resume_save(const void *state, unsigned char *buf, size_t cap)
{
	const struct pfw_state *st = state;
	size_t n = sizeof(PFW_RESUME_TAG) - 1, k;

	if (cap < PFW_RESUME_LEN)
		return (0);
	memcpy(buf, PFW_RESUME_TAG, n);
	for (k = 0; k <= COL_PID; k++)
		buf[n + k] = st->idx[k] < 0 ? 0xff : (unsigned char)st->idx[k];
	return (PFW_RESUME_LEN);
}

static bool
pfw_resume_load(void *state, const unsigned char *buf, size_t len)
{
	struct pfw_state *st = state;
	size_t n = sizeof(PFW_RESUME_TAG) - 1, k;
	int idx[COL_PID + 1];

	if (len != PFW_RESUME_LEN || memcmp(buf, PFW_RESUME_TAG, n) != 0)
		return (false);
	for (k = 0; k <= COL_PID; k++) {
		idx[k] = buf[n + k] == 0xff ? -1 : buf[n + k];
		/* A column within those the header named; their count
		 * itself at most PFW_MAXCOLS. */
		if (k == COL_NONE ? idx[k] < 0 || idx[k] > PFW_MAXCOLS :
				    idx[k] >= idx[COL_NONE])
			return (false);
	}
	memcpy(st->idx, idx, sizeof(st->idx));
	return (true);
}

const struct wcs_reader_ops wcs_reader_pfirewall = {
	.name = "pfirewall",
	.description = "Windows Firewall log (pfirewall.log)",
	.kind = WCS_KIND_FIREWALL,
	.flags =
	    WCS_READER_LOCALTIME | WCS_READER_HOSTLOG | WCS_READER_RESUMABLE,
	.bid = pfw_bid,
	.open = pfw_open,
	.next = wcs_line_next,
	.close = wcs_line_close,
	.resume_save = pfw_resume_save,
	.resume_load = pfw_resume_load,
};
