/*
 * Zeek dns.log, TSV (with its "#" header: see zeek.c) or JSON lines:
 *
 *	1494601381.5	C8bqc8...	10.0.0.5	53995	10.0.0.1	53	udp
 *	    35149	0.02	www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com
 *	    1	C_INTERNET	1	A	3	NXDOMAIN	F	F	T	T	0	-	-	F
 *
 * Fields used: ts, id.orig_h (the client: src), id.orig_p, id.resp_h (the
 * server: dst), id.resp_p, proto, query, qtype / qtype_name, rcode /
 * rcode_name, answers.  One row is a question together with its answer
 * when one came: a row with an rcode is a RESPONSE event (rcode, answers
 * joined by ","), a row without one (no reply seen) a QUERY.  Rows without
 * a query name (malformed or non-query DNS traffic) carry nothing to match
 * and are ignored, as are rows of other logs.  Zeek's ts is UTC.
 */
#include <string.h>

#include "wcscan/pool.h"
#include "readers_private.h"

enum zd_field {
	F_TS,
	F_OH,
	F_OP,
	F_RH,
	F_RP,
	F_PROTO,
	F_QUERY,
	F_QTYPE,
	F_QTYPE_NAME,
	F_RCODE,
	F_RCODE_NAME,
	F_ANSWERS,
	F_TRANS_ID,
	F_COUNT
};

static const char *const zd_want[F_COUNT] = { "ts", "id.orig_h", "id.orig_p",
	"id.resp_h", "id.resp_p", "proto", "query", "qtype", "qtype_name",
	"rcode", "rcode_name", "answers", "trans_id" };

/* Zeek's default dns.log columns, for a file whose header was cut off. */
static const char zd_defaults[] =
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t"
    "trans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\t"
    "rcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected";

struct zd_state {
	struct wcs_lu_reader lr; /* ctx, input, zone, year, pool */
	struct wcs_zeek z;
};

static bool
zd_port(struct wcs_span sp, uint16_t *port)
{
	uint64_t v;

	*port = 0;
	if (sp.len == 0)
		return (true);
	if (!wcs_lu_uint(sp.p, sp.len, 65535, &v))
		return (false);
	*port = (uint16_t)v;
	return (true);
}

/* A JSON array of strings, ["a","b"], as "a,b" in the pool. */
static char *
zd_json_list(struct wcs_pool *pool, struct wcs_span sp)
{
	char *out, *o;
	size_t i;
	bool in = false;

	if ((out = wcs_pool_alloc(pool, sp.len + 1)) == NULL)
		return (NULL);
	o = out;
	for (i = 1; i + 1 < sp.len; i++) {
		if (sp.p[i] == '\\' && in && i + 2 < sp.len) {
			*o++ = sp.p[++i];
			continue;
		}
		if (sp.p[i] == '"')
			in = !in;
		else if (in || (sp.p[i] != ' ' && sp.p[i] != '\t'))
			*o++ = sp.p[i];
	}
	*o = '\0';
	return (out);
}

/* One line (see wcs_line_format); no strings are made when bidding. */
static int
zd_line(
    struct wcs_lu_reader *r, const char *s, size_t len, struct wcs_event *ev)
{
	struct wcs_zeek *z = &((struct zd_state *)r)->z;
	struct wcs_pool *pool = r->pool;
	struct wcs_ctx *ctx = r->ctx;
	struct wcs_span v[F_COUNT], whole = { s, len };
	enum wcs_zeek_line kind;
	uint64_t n;
	const char *q;
	int p, rc;

	if (len == 0)
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	kind = wcs_zeek_line(z, s, len, v);
	if (kind == WCS_ZEEK_HEADER)
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	if (kind == WCS_ZEEK_BAD)
		return (wcs_lu_reject(ctx, "dns.log row", whole));
	if (z->path[0] != '\0' && strcmp(z->path, "dns") != 0)
		return (wcs_lu_skip(ev, WCS_IGN_FOREIGN));
	if (z->json && v[F_TRANS_ID].len == 0 && v[F_QUERY].len == 0)
		return (wcs_lu_skip(ev, WCS_IGN_FOREIGN));
	if (!wcs_zeek_time(v[F_TS], &ev->ts_us))
		return (wcs_lu_reject(ctx, "ts", v[F_TS]));
	if (!wcs_addr_parse(v[F_OH].p, v[F_OH].len, &ev->src))
		return (wcs_lu_reject(ctx, "id.orig_h", v[F_OH]));
	if (!wcs_addr_parse(v[F_RH].p, v[F_RH].len, &ev->dst))
		return (wcs_lu_reject(ctx, "id.resp_h", v[F_RH]));
	if (!zd_port(v[F_OP], &ev->sport))
		return (wcs_lu_reject(ctx, "id.orig_p", v[F_OP]));
	if (!zd_port(v[F_RP], &ev->dport))
		return (wcs_lu_reject(ctx, "id.resp_p", v[F_RP]));
	if (v[F_PROTO].len > 0) {
		if ((p = wcs_zeek_proto(v[F_PROTO])) < 0)
			return (wcs_lu_reject(ctx, "proto", v[F_PROTO]));
		ev->proto = (uint8_t)p;
	}
	if (v[F_QUERY].len == 0)
		return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
	if (v[F_QTYPE].len > 0) {
		if (!wcs_lu_uint(v[F_QTYPE].p, v[F_QTYPE].len, 65535, &n))
			return (wcs_lu_reject(ctx, "qtype", v[F_QTYPE]));
		ev->qtype = (uint16_t)n;
	} else if (v[F_QTYPE_NAME].len > 0)
		ev->qtype = wcs_lu_qtype(v[F_QTYPE_NAME]);
	rc = WCS_RCODE_NONE;
	if (v[F_RCODE].len > 0) {
		if (!wcs_lu_uint(v[F_RCODE].p, v[F_RCODE].len, 65535, &n))
			return (wcs_lu_reject(ctx, "rcode", v[F_RCODE]));
		rc = (int)n;
	} else if (v[F_RCODE_NAME].len > 0 &&
		   (rc = wcs_lu_rcode(v[F_RCODE_NAME])) == WCS_RCODE_NONE)
		return (wcs_lu_reject(ctx, "rcode_name", v[F_RCODE_NAME]));
	ev->kind = WCS_EV_DNS;
	ev->rcode = (int16_t)rc;
	ev->dns_dir = rc == WCS_RCODE_NONE ? WCS_DNS_QUERY : WCS_DNS_RESPONSE;
	if (pool == NULL)
		return (WCS_OK);
	if (z->json) {
		if ((q = wcs_lu_json_unescape(pool, v[F_QUERY])) == NULL ||
		    (ev->qname = wcs_lu_qname(pool, q, strlen(q))) == NULL)
			return (WCS_FATAL);
	} else if ((ev->qname = wcs_lu_qname(
			pool, v[F_QUERY].p, v[F_QUERY].len)) == NULL)
		return (WCS_FATAL);
	if (v[F_ANSWERS].len > 0) {
		if (z->json && v[F_ANSWERS].p[0] == '[')
			ev->answer = zd_json_list(pool, v[F_ANSWERS]);
		else
			ev->answer = wcs_pool_strndup(
			    pool, v[F_ANSWERS].p, v[F_ANSWERS].len);
		if (ev->answer == NULL)
			return (WCS_FATAL);
		if (ev->answer[0] == '\0')
			ev->answer = NULL;
	}
	return (WCS_OK);
}

/* Rows that parse; another log (or columns without ours) is not ours. */
static int
zd_bid_line(struct wcs_lu_reader *r, const char *line, size_t llen, int rc,
    const struct wcs_event *ev, int bid)
{
	const struct wcs_zeek *z = &((struct zd_state *)r)->z;

	(void)ev;
	(void)bid;
	return (wcs_zeek_bid_line(z, "dns",
	    !(z->have_fields && (z->col[F_QUERY] < 0)), line, llen, rc));
}

static int
zd_init(struct wcs_lu_reader *r)
{
	wcs_zeek_init(
	    &((struct zd_state *)r)->z, zd_want, F_COUNT, zd_defaults);
	return (WCS_OK);
}

static const struct wcs_line_format zd_format = {
	.state_size = sizeof(struct zd_state),
	.pool = true,
	.init = zd_init,
	.parse = zd_line,
	.bid_line = zd_bid_line,
};

static int
zd_bid(const unsigned char *peek, size_t len, int best_bid)
{
	return (wcs_line_bid(&zd_format, peek, len, best_bid));
}

static int
zd_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_line_open(&zd_format, ctx, in, opts, state));
}

/* Going on from the middle of the file: what its header set. */
static size_t
zd_resume_save(const void *state, unsigned char *buf, size_t cap)
{
	return (wcs_zeek_resume_save(
	    &((const struct zd_state *)state)->z, "zeek-dns1", buf, cap));
}

static bool
zd_resume_load(void *state, const unsigned char *buf, size_t len)
{
	return (wcs_zeek_resume_load(
	    &((struct zd_state *)state)->z, "zeek-dns1", buf, len));
}

const struct wcs_reader_ops wcs_reader_zeek_dns = {
	.name = "zeek-dns",
	.description = "Zeek dns.log (TSV or JSON)",
	.kind = WCS_KIND_DNS,
	.flags = WCS_READER_RESUMABLE,
	.bid = zd_bid,
	.open = zd_open,
	.next = wcs_line_next,
	.close = wcs_line_close,
	.resume_save = zd_resume_save,
	.resume_load = zd_resume_load,
};
