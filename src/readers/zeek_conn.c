/*
 * Zeek conn.log, TSV (with its "#" header: see zeek.c) or JSON lines:
 *
 *	1494601381.123456	CHhAvV...	10.0.0.5	49152	10.0.0.9	445
 *	    tcp	-	3.1	0	0	REJ	...
 *
 * Fields used: ts, id.orig_h and id.orig_p (the originator: src),
 * id.resp_h and id.resp_p (the responder: dst), proto, conn_state.  A
 * proto of "unknown_transport" (Zeek's transport_proto for IGMP, GRE and
 * the like) is read with the protocol unknown.
 *
 * Zeek watches the wire; it does not decide.  So the action stays unknown
 * except for conn_state REJ: the responder answered the SYN with a RST,
 * the attempt was refused, which is what a host without a listening 445
 * (or a host firewall that rejects) looks like: taken as denied.  S0 (no
 * answer at all) may be a dead address as well as a silent drop, so it
 * stays unknown, like every other state.  Zeek's ts is UTC.  Rows of
 * other logs (a "#path" or "_path" that is not conn) are ignored.
 */
#include <string.h>

#include "readers_private.h"

enum zc_field { F_TS, F_OH, F_OP, F_RH, F_RP, F_PROTO, F_STATE, F_COUNT };

static const char *const zc_want[F_COUNT] = { "ts", "id.orig_h", "id.orig_p",
	"id.resp_h", "id.resp_p", "proto", "conn_state" };

/* Zeek's default conn.log columns, for a file whose header was cut off. */
static const char zc_defaults[] =
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t"
    "service\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\t"
    "local_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\t"
    "resp_pkts\tresp_ip_bytes\ttunnel_parents";

struct zc_state {
	struct wcs_lu_reader lr; /* ctx, input, zone, year, pool */
	struct wcs_zeek z;
};

/* A port: a number (JSON) or its text. */
static bool
zc_port(struct wcs_span sp, uint16_t *port)
{
	uint64_t v;

	if (sp.len == 0) {
		*port = 0;
		return (true);
	}
	if (!wcs_lu_uint(sp.p, sp.len, 65535, &v))
		return (false);
	*port = (uint16_t)v;
	return (true);
}

/*
 * One line (see wcs_line_format): WCS_OK (ev filled), WCS_SKIP (a header,
 * another log's row) or WCS_WARN.
 */
static int
zc_line(
    struct wcs_lu_reader *r, const char *s, size_t len, struct wcs_event *ev)
{
	struct wcs_zeek *z = &((struct zc_state *)r)->z;
	struct wcs_span v[F_COUNT], whole = { s, len };
	struct wcs_ctx *ctx = r->ctx;
	enum wcs_zeek_line kind;
	int p;

	if (len == 0)
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	kind = wcs_zeek_line(z, s, len, v);
	if (kind == WCS_ZEEK_HEADER)
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	if (kind == WCS_ZEEK_BAD)
		return (wcs_lu_reject(ctx, "conn.log row", whole));
	if (z->path[0] != '\0' && strcmp(z->path, "conn") != 0)
		return (wcs_lu_skip(ev, WCS_IGN_FOREIGN));
	/* A JSON row of another log, without a _path. */
	if (z->json && v[F_STATE].len == 0)
		return (wcs_lu_skip(ev, WCS_IGN_FOREIGN));
	if (!wcs_zeek_time(v[F_TS], &ev->ts_us))
		return (wcs_lu_reject(ctx, "ts", v[F_TS]));
	if (!wcs_addr_parse(v[F_OH].p, v[F_OH].len, &ev->src))
		return (wcs_lu_reject(ctx, "id.orig_h", v[F_OH]));
	if (!wcs_addr_parse(v[F_RH].p, v[F_RH].len, &ev->dst))
		return (wcs_lu_reject(ctx, "id.resp_h", v[F_RH]));
	if (!zc_port(v[F_OP], &ev->sport))
		return (wcs_lu_reject(ctx, "id.orig_p", v[F_OP]));
	if (!zc_port(v[F_RP], &ev->dport))
		return (wcs_lu_reject(ctx, "id.resp_p", v[F_RP]));
	if (v[F_PROTO].len > 0) {
		if ((p = wcs_zeek_proto(v[F_PROTO])) < 0)
			return (wcs_lu_reject(ctx, "proto", v[F_PROTO]));
		ev->proto = (uint8_t)p;
	}
	/* ICMP rows put type and code in the port fields. */
	if (ev->proto != 6 && ev->proto != 17 && ev->proto != 132)
		ev->sport = ev->dport = 0;
	if (wcs_lu_eq(v[F_STATE], "REJ"))
		ev->action = WCS_ACT_DENY;
	ev->kind = WCS_EV_CONN;
	return (WCS_OK);
}

/* Rows that parse; another log (or columns without ours) is not ours. */
static int
zc_bid_line(struct wcs_lu_reader *r, const char *line, size_t llen, int rc,
    const struct wcs_event *ev, int bid)
{
	const struct wcs_zeek *z = &((struct zc_state *)r)->z;

	(void)ev;
	(void)bid;
	return (wcs_zeek_bid_line(z, "conn",
	    !(z->have_fields && (z->col[F_STATE] < 0 || z->col[F_RP] < 0)),
	    line, llen, rc));
}

static int
zc_init(struct wcs_lu_reader *r)
{
	wcs_zeek_init(
	    &((struct zc_state *)r)->z, zc_want, F_COUNT, zc_defaults);
	return (WCS_OK);
}

static const struct wcs_line_format zc_format = {
	.state_size = sizeof(struct zc_state),
	.init = zc_init,
	.parse = zc_line,
	.bid_line = zc_bid_line,
};

static int
zc_bid(const unsigned char *peek, size_t len, int best_bid)
{
	return (wcs_line_bid(&zc_format, peek, len, best_bid));
}

static int
zc_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_line_open(&zc_format, ctx, in, opts, state));
}

/* Going on from the middle of the file: what its header set. */
static size_t
zc_resume_save(const void *state, unsigned char *buf, size_t cap)
{
	return (wcs_zeek_resume_save(
	    &((const struct zc_state *)state)->z, "zeek-conn1", buf, cap));
}

static bool
zc_resume_load(void *state, const unsigned char *buf, size_t len)
{
	return (wcs_zeek_resume_load(
	    &((struct zc_state *)state)->z, "zeek-conn1", buf, len));
}

const struct wcs_reader_ops wcs_reader_zeek_conn = {
	.name = "zeek-conn",
	.description = "Zeek conn.log (TSV or JSON)",
	.kind = WCS_KIND_FIREWALL,
	.flags = WCS_READER_RESUMABLE,
	.bid = zc_bid,
	.open = zc_open,
	.next = wcs_line_next,
	.close = wcs_line_close,
	.resume_save = zc_resume_save,
	.resume_load = zc_resume_load,
};
