/*
 * Tab-separated SMB access log:
 *
 *	DateTime<TAB>Client<TAB>Server<TAB>Protocol<TAB>ComputerName<TAB>
 *	    User Account<TAB>Operation
 *	22/Dec/2015:19:50:48 +09:00<TAB>192.168.100.100:57594<TAB>
 *	    192.168.100.201:445<TAB>SMB1/tcp<TAB>SATO-PC<TAB>Administrator<TAB>
 *	    Logon Failure
 *
 * Columns follow the header line when there is one (else the order above).
 * Stamps are dd/Mon/yyyy:hh:mm:ss with a zone ("+09:00" or "+0900") or
 * without one (local time: --tz applies).  Client and Server are
 * "addr:port", IPv6 as "[addr]:port".  ComputerName is the client's name.
 * Protocol "SMB1/..." is SMB 1; "SMB2/..." and "SMB3/..." are reported as 2.
 */
#include <string.h>

#include "wcscan/pool.h"
#include "readers_private.h"

enum smb_col {
	COL_TIME = 0,
	COL_CLIENT,
	COL_SERVER,
	COL_PROTO,
	COL_HOST,
	COL_USER,
	COL_OP,
	COL__COUNT
};

static const char *const smb_names[COL__COUNT] = { "DateTime", "Client",
	"Server", "Protocol", "ComputerName", "User Account", "Operation" };

#define SMB_MAXCOLS 16
#define SMB_SIG "DateTime\tClient\tServer\tProtocol"

struct smb_state {
	struct wcs_lu_reader lr; /* ctx, input, zone, year, pool */
	int idx[COL__COUNT];
};

static void
smb_default(int *idx)
{
	int i;

	for (i = 0; i < COL__COUNT; i++)
		idx[i] = i;
}

/* Whether a line is a header: its first column is DateTime. */
static bool
smb_is_header(const char *s, size_t len)
{
	/* Every line comes here: look at its first column before splitting. */
	return (len >= 9 && s[8] == '\t' &&
		wcs_lu_caseeq((struct wcs_span){ s, 8 }, "DateTime"));
}

/* A header line: true (and idx set) when its first column is DateTime. */
static bool
smb_header(const char *s, size_t len, int *idx)
{
	struct wcs_span f[SMB_MAXCOLS];
	size_t n, i;
	int k;

	if (!smb_is_header(s, len))
		return (false);
	n = wcs_lu_split_char(s, len, '\t', f, SMB_MAXCOLS);
	if (n > SMB_MAXCOLS)
		n = SMB_MAXCOLS;
	for (k = 0; k < COL__COUNT; k++) {
		idx[k] = -1;
		for (i = 0; i < n; i++) {
			if (wcs_lu_caseeq(f[i], smb_names[k])) {
				idx[k] = (int)i;
				break;
			}
		}
	}
	return (true);
}

/* "22/Dec/2015:19:50:48" and an optional " +09:00" / " +0900". */
static bool
smb_time(struct wcs_span v, const struct wcs_tz *tz, int64_t *out, bool *local)
{
	struct wcs_lu_civil civ;
	const char *s = v.p, *z;
	int64_t t;
	int oh, om;

	if (!wcs_lu_clf_stamp(s, v.len, &civ) ||
	    !wcs_time_from_civil(
		civ.year, civ.mon, civ.day, civ.hour, civ.min, civ.sec, 0, &t))
		return (false);
	*local = v.len == 20;
	if (v.len == 20) {
		*out = wcs_tz_to_utc(tz, t);
		return (true);
	}
	z = s + 21;
	if (s[20] != ' ' || (v.len != 26 && v.len != 27) ||
	    (z[0] != '+' && z[0] != '-') ||
	    (oh = wcs_lu_digits(z + 1, 2, 2)) < 0)
		return (false);
	if (v.len == 27 && z[3] != ':')
		return (false);
	if ((om = wcs_lu_digits(z + (v.len == 27 ? 4 : 3), 2, 2)) < 0 ||
	    oh > 23 || om > 59)
		return (false);
	*out = t - (z[0] == '-' ? -1 : 1) * ((int64_t)oh * 3600 + om * 60) *
		       WCS_USEC;
	return (true);
}

static bool
smb_get(const struct wcs_span *f, size_t n, int idx, struct wcs_span *out)
{
	if (idx < 0 || (size_t)idx >= n || wcs_lu_absent(f[idx]))
		return (false);
	*out = f[idx];
	return (true);
}

/* A string field into the pool; absent stays NULL. */
static int
smb_str(struct wcs_pool *pool, const struct wcs_span *f, size_t n, int idx,
    const char **out)
{
	struct wcs_span v;

	if (pool == NULL || !smb_get(f, n, idx, &v))
		return (WCS_OK);
	if ((*out = wcs_pool_strndup(pool, v.p, v.len)) == NULL)
		return (WCS_FATAL);
	return (WCS_OK);
}

/* One data line; ctx and pool NULL when bidding. */
static int
smb_parse(struct wcs_ctx *ctx, struct wcs_pool *pool, const int *idx,
    const struct wcs_tz *tz, const char *s, size_t len, struct wcs_event *ev)
{
	struct wcs_span f[SMB_MAXCOLS], v, whole = { s, len };
	bool local = false;
	size_t n;

	n = wcs_lu_split_char(s, len, '\t', f, SMB_MAXCOLS);
	if (n > SMB_MAXCOLS)
		n = SMB_MAXCOLS;
	if (n < 3)
		return (wcs_lu_reject(ctx, "line", whole));
	if (!smb_get(f, n, idx[COL_TIME], &v) ||
	    !smb_time(v, tz, &ev->ts_us, &local))
		return (wcs_lu_reject(ctx, "date",
		    idx[COL_TIME] >= 0 && (size_t)idx[COL_TIME] < n ?
			f[idx[COL_TIME]] :
			whole));
	ev->local_time = local;
	if (!smb_get(f, n, idx[COL_CLIENT], &v) ||
	    !wcs_lu_hostport(v.p, v.len, ':', &ev->src, &ev->sport))
		return (wcs_lu_reject(ctx, "client address",
		    (size_t)idx[COL_CLIENT] < n ? f[idx[COL_CLIENT]] : whole));
	if (smb_get(f, n, idx[COL_SERVER], &v) &&
	    !wcs_lu_hostport(v.p, v.len, ':', &ev->dst, &ev->dport))
		return (wcs_lu_reject(ctx, "server address", v));
	if (smb_get(f, n, idx[COL_PROTO], &v)) {
		if (v.len >= 4 && wcs_lu_casefind(v.p, 4, "SMB1") == v.p)
			ev->smb_version = 1;
		else if (v.len >= 4 &&
			 (wcs_lu_casefind(v.p, 4, "SMB2") == v.p ||
			     wcs_lu_casefind(v.p, 4, "SMB3") == v.p))
			ev->smb_version = 2;
		else
			return (wcs_lu_reject(ctx, "protocol", v));
	}
	ev->kind = WCS_EV_SMB;
	ev->proto = 6;
	if (smb_str(pool, f, n, idx[COL_HOST], &ev->host) != WCS_OK ||
	    smb_str(pool, f, n, idx[COL_USER], &ev->user) != WCS_OK ||
	    smb_str(pool, f, n, idx[COL_OP], &ev->target) != WCS_OK)
		return (WCS_FATAL);
	return (WCS_OK);
}

/* One line (see wcs_line_format): a header, or a data line. */
static int
smb_line(
    struct wcs_lu_reader *r, const char *s, size_t len, struct wcs_event *ev)
{
	struct smb_state *st = (struct smb_state *)r;

	if (smb_header(s, len, st->idx) || (len > 0 && s[0] == '#') ||
	    wcs_lu_blank(s, len))
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	return (smb_parse(r->ctx, r->pool, st->idx, r->tz, s, len, ev));
}

/* The header, and lines that name the SMB version. */
static int
smb_bid_line(struct wcs_lu_reader *r, const char *line, size_t llen, int rc,
    const struct wcs_event *ev, int bid)
{
	(void)r;
	if (smb_is_header(line, llen)) {
		if (llen >= strlen(SMB_SIG) &&
		    memcmp(line, SMB_SIG, strlen(SMB_SIG)) == 0)
			return (8 * (int)strlen(SMB_SIG));
		return (8 * 9);
	}
	if (rc == WCS_OK && ev->smb_version != 0)
		return (8 * 32);
	return (bid == 0 ? -1 : 0);
}

static int
smb_init(struct wcs_lu_reader *r)
{
	smb_default(((struct smb_state *)r)->idx);
	return (WCS_OK);
}

static const struct wcs_line_format smb_format = {
	.state_size = sizeof(struct smb_state),
	.pool = true,
	.init = smb_init,
	.parse = smb_line,
	.bid_line = smb_bid_line,
};

static int
smb_bid(const unsigned char *peek, size_t len, int best_bid)
{
	return (wcs_line_bid(&smb_format, peek, len, best_bid));
}

static int
smb_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_line_open(&smb_format, ctx, in, opts, state));
}

const struct wcs_reader_ops wcs_reader_smblog = {
	.name = "smblog",
	.description = "tab-separated SMB access log",
	.kind = WCS_KIND_SMB,
	.flags = WCS_READER_LOCALTIME,
	.bid = smb_bid,
	.open = smb_open,
	.next = wcs_line_next,
	.close = wcs_line_close,
};
