/*
 * Windows DNS Server debug log (dns.log), packet lines:
 *
 *	5/12/2017 4:44:01 PM 0E3C PACKET  000000D3D5A3E1D0 UDP Rcv
 *	    192.168.1.23    7c6d   Q [0001   D   NOERROR] A      (3)www(4)name(3)com(0)
 *
 * that is: date, time, thread, PACKET, packet pointer, UDP/TCP, Snd/Rcv,
 * remote address, xid, "R" for a response, opcode, [flags hex, flag
 * letters, rcode], question type and the question name in wire-like form.
 * The question name may also be written dotted (".www.name.com.", as some
 * servers' logs have it after "UDP  Rcv" with two blanks).  The file
 * starts with a preamble (creation or wrap notice, the "Message logging
 * key" and its indented description), which is ignored, as are non-PACKET
 * lines (EVENT, Note:).  Notify and update packets (opcode N, U) are
 * ignored too: only queries matter here.
 *
 * With "details" enabled a dump of the packet follows its line: "UDP
 * response info at ...", indented lines, the sections, and a blank line.
 * The dump belongs to the packet's record (one record, not one per line);
 * the DATA lines of its ANSWER SECTION are the response's answers, kept
 * as logged (names written dotted), joined by ",":
 *
 *	    ANSWER SECTION:
 *	    Offset = 0x0020, RR count = 0
 *	    Name      "[C00C](3)www(4)name(3)com(0)"
 *	      TYPE   A  (1)
 *	      ...
 *	      DATA   93.184.216.34
 *
 * Directions: a query received (Rcv, no R) comes from a client: src is the
 * remote address.  A response sent (Snd R) goes to a client: src is still
 * that client, so a client's question and its answer share a key.  Queries
 * the server itself sends to forwarders (Snd, no R) and their answers
 * (Rcv R) are emitted too, with dst the remote (the forwarder) and src
 * absent: the asking host is the server, whose address the line lacks.
 *
 * Dates are written in the server's locale, local time without a zone
 * (--tz applies):
 *	M/D/YYYY h:mm:ss AM|PM	en-US
 *	YYYY/MM/DD or YYYY-MM-DD HH:MM:SS
 *	D.M.YYYY HH:MM:SS	de-DE, ru-RU, ...
 *	D/M/YYYY HH:MM:SS	en-GB, fr-FR, ... (also D-M-YYYY)
 * With a slash (or dash) and a year last, the order is ambiguous.  The
 * rule: with AM/PM the month comes first (en-US), without it the day
 * comes first (24-hour locales that write slashes put the day first);
 * a first number over 12 can only be a day and a second over 12 only a
 * day, which overrides the rule, and once a line of the file has shown
 * the order, later ambiguous lines of that file follow it.
 */
#include <string.h>

#include "wcscan/pool.h"
#include "readers_private.h"

enum dns_order { ORDER_UNKNOWN = 0, ORDER_MDY, ORDER_DMY };

struct dns_state {
	struct wcs_lu_reader lr; /* ctx, input, zone, year, pool */
	enum dns_order order; /* proved by an unambiguous line */
};

static bool
is_digit(int c)
{
	return (c >= '0' && c <= '9');
}

static bool
is_hex(struct wcs_span sp)
{
	size_t i;

	if (sp.len == 0 || sp.len > 16)
		return (false);
	for (i = 0; i < sp.len; i++) {
		if (!is_digit((unsigned char)sp.p[i]) &&
		    !((sp.p[i] | 0x20) >= 'a' && (sp.p[i] | 0x20) <= 'f'))
			return (false);
	}
	return (true);
}

/* 1 to maxd digits from *i; -1 when there are none. */
static int
num(const char *s, size_t len, size_t *i, size_t maxd)
{
	size_t start = *i;
	int v = 0;

	while (*i < len && *i - start < maxd && is_digit((unsigned char)s[*i]))
		v = v * 10 + (s[(*i)++] - '0');
	return (*i == start ? -1 : v);
}

/*
 * The date and time at the start of a line; returns the bytes consumed,
 * 0 when there is no date.  *order is the file's proven order (updated).
 */
static size_t
dns_date(
    const char *s, size_t len, struct wcs_lu_civil *civ, enum dns_order *order)
{
	size_t i = 0, alen, j;
	int a, b, c, sep;
	bool ampm = false, pm = false, proof = false;
	enum dns_order o = ORDER_UNKNOWN;
	int64_t t;

	if ((a = num(s, len, &i, 4)) < 0 || i >= len)
		return (0);
	alen = i;
	sep = s[i];
	if (sep != '/' && sep != '-' && sep != '.')
		return (0);
	i++;
	if ((b = num(s, len, &i, 2)) < 0 || i >= len || s[i] != sep)
		return (0);
	i++;
	j = i;
	if ((c = num(s, len, &i, 4)) < 0 || i >= len || s[i] != ' ')
		return (0);
	if (alen != 4 && i - j != 4)
		return (0);
	while (i < len && s[i] == ' ')
		i++;
	if ((civ->hour = num(s, len, &i, 2)) < 0 || i >= len || s[i] != ':')
		return (0);
	i++;
	j = i;
	if ((civ->min = num(s, len, &i, 2)) < 0 || i - j != 2 || i >= len ||
	    s[i] != ':')
		return (0);
	i++;
	j = i;
	if ((civ->sec = num(s, len, &i, 2)) < 0 || i - j != 2)
		return (0);
	civ->usec = 0;
	/* " AM" / " PM" (any case) after the time. */
	if (i + 3 <= len && s[i] == ' ' && (s[i + 2] | 0x20) == 'm' &&
	    ((s[i + 1] | 0x20) == 'a' || (s[i + 1] | 0x20) == 'p') &&
	    (i + 3 == len || s[i + 3] == ' ')) {
		ampm = true;
		pm = (s[i + 1] | 0x20) == 'p';
		i += 3;
	}
	if (ampm) {
		if (civ->hour < 1 || civ->hour > 12)
			return (0);
		civ->hour = civ->hour % 12 + (pm ? 12 : 0);
	}
	if (alen == 4) {
		if (sep == '.')
			return (0);
		civ->year = a, civ->mon = b, civ->day = c;
	} else {
		civ->year = c;
		proof = a > 12 || b > 12;
		if (sep == '.' || a > 12)
			o = ORDER_DMY;
		else if (b > 12)
			o = ORDER_MDY;
		else if (*order != ORDER_UNKNOWN)
			o = *order;
		else
			o = ampm ? ORDER_MDY : ORDER_DMY;
		civ->mon = o == ORDER_MDY ? a : b;
		civ->day = o == ORDER_MDY ? b : a;
	}
	if (!wcs_time_from_civil(civ->year, civ->mon, civ->day, civ->hour,
		civ->min, civ->sec, 0, &t))
		return (0);
	/* Only a valid date proves the file's order. */
	if (proof && sep != '.')
		*order = o;
	return (i);
}

/* Close the name written into out (o bytes): the root "." when empty. */
static void
qname_end(char *out, size_t o)
{
	if (out == NULL)
		return;
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
}

/*
 * A name written dotted, a dot for each length of the wire form:
 * ".ns1.example.com." -> "ns1.example.com", lower case, into out (len + 2
 * bytes) unless it is NULL.
 */
static bool
dns_dotted(char *out, const char *s, size_t len)
{
	size_t i, o = 0;
	int c;

	if (len < 1 || s[0] != '.' || s[len - 1] != '.')
		return (false);
	s++;
	len = len > 1 ? len - 2 : 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c <= ' ' || c == '(' || c == ')' || c == '"')
			return (false);
		if (out != NULL)
			out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	qname_end(out, o);
	return (true);
}

/*
 * "(3)www(4)name(3)com(0)" -> "www.name.com", lower case, into out (len + 2
 * bytes) unless it is NULL (bidding only checks the form).  A label may
 * hold a dot ("(7)ex.ample"); the dotted form is read too.
 */
static bool
dns_qname(char *out, const char *s, size_t len)
{
	size_t i = 0, o = 0, start, n, k;
	int c;

	if (len == 0)
		return (false);
	if (s[0] != '(')
		return (dns_dotted(out, s, len));
	while (i < len && s[i] == '(') {
		i++;
		n = 0;
		for (k = 0; i < len && is_digit((unsigned char)s[i]) && k < 4;
		     k++)
			n = n * 10 + (size_t)(s[i++] - '0');
		if (k == 0 || i >= len || s[i] != ')')
			return (false);
		i++;
		if (n == 0)
			break;
		/* Trust the length when the next label starts after it. */
		start = i;
		if (n <= len - i && (i + n == len || s[i + n] == '('))
			i += n;
		else {
			while (i < len && s[i] != '(')
				i++;
		}
		if (out == NULL)
			continue;
		if (o > 0)
			out[o++] = '.';
		for (k = start; k < i; k++) {
			c = (unsigned char)s[k];
			out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
	}
	if (i < len)
		return (false);
	qname_end(out, o);
	return (true);
}

static bool
dns_preamble(const char *s, size_t len)
{
	static const char *const lit[] = { "DNS Server log file creation at",
		"Log file wrap at", "Message logging key", "Note:", "Field #" };
	size_t i, n;

	/* Each starts with a letter; every data line with a digit. */
	if (len > 0 && is_digit((unsigned char)s[0]))
		return (false);
	for (i = 0; i < WCS_NELEM(lit); i++) {
		n = strlen(lit[i]);
		if (len >= n && memcmp(s, lit[i], n) == 0)
			return (true);
	}
	return (false);
}

/*
 * One line; *packet says whether it was a PACKET line.  st->order carries
 * the file's date order.
 */
static int
dns_packet(struct wcs_lu_reader *r, const char *s, size_t len,
    struct wcs_event *ev, bool *packet)
{
	enum dns_order *order = &((struct dns_state *)r)->order;
	struct wcs_pool *pool = r->pool;
	struct wcs_ctx *ctx = r->ctx;
	struct wcs_span t[12], b[8], q[4], whole = { s, len };
	struct wcs_lu_civil civ;
	const char *lb, *rb;
	size_t n, nb, nq, i;
	char *qname = NULL;
	bool rcv, resp;
	int rc;

	if (len == 0 || s[0] == ' ' || s[0] == '\t' || dns_preamble(s, len))
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	if ((i = dns_date(s, len, &civ, order)) == 0) {
		/* Dump lines of detailed logging start with words. */
		if (is_digit((unsigned char)s[0]))
			return (wcs_lu_reject(ctx, "date", whole));
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	}
	lb = memchr(s + i, '[', len - i);
	n = wcs_lu_split_ws(s + i,
	    (size_t)((lb != NULL ? lb : s + len) - (s + i)), t, WCS_NELEM(t));
	if (n < 2 || !wcs_lu_eq(t[1], "PACKET"))
		return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
	*packet = true;
	if (n < 8 || n > 9 || lb == NULL ||
	    (rb = memchr(lb, ']', (size_t)(s + len - lb))) == NULL) {
		if (ctx != NULL)
			wcs_set_error(ctx, WCS_EPARSE, "truncated PACKET line");
		return (WCS_WARN);
	}
	if (!is_hex(t[0]) || !is_hex(t[2]) || !is_hex(t[6]))
		return (wcs_lu_reject(ctx, "PACKET line", whole));
	if (wcs_lu_eq(t[3], "UDP"))
		ev->proto = 17;
	else if (wcs_lu_eq(t[3], "TCP"))
		ev->proto = 6;
	else
		return (wcs_lu_reject(ctx, "transport", t[3]));
	if (wcs_lu_eq(t[4], "Rcv"))
		rcv = true;
	else if (wcs_lu_eq(t[4], "Snd"))
		rcv = false;
	else
		return (wcs_lu_reject(ctx, "direction", t[4]));
	resp = n == 9;
	if (resp && !wcs_lu_eq(t[7], "R"))
		return (wcs_lu_reject(ctx, "response flag", t[7]));
	if (!wcs_lu_eq(t[n - 1], "Q"))
		return (t[n - 1].len == 1 ?
			    wcs_lu_skip(ev, WCS_IGN_MSGTYPE) :
			    wcs_lu_reject(ctx, "opcode", t[n - 1]));
	nb = wcs_lu_split_ws(lb + 1, (size_t)(rb - lb - 1), b, WCS_NELEM(b));
	if (nb < 2 || nb > WCS_NELEM(b) || !is_hex(b[0]))
		return (wcs_lu_reject(ctx, "flags",
		    (struct wcs_span){ lb, (size_t)(rb - lb + 1) }));
	if ((rc = wcs_lu_rcode(b[nb - 1])) == WCS_RCODE_NONE)
		return (wcs_lu_reject(ctx, "rcode", b[nb - 1]));
	nq = wcs_lu_split_ws(
	    rb + 1, (size_t)(s + len - rb - 1), q, WCS_NELEM(q));
	if (nq != 2)
		return (wcs_lu_reject(ctx, "question",
		    (struct wcs_span){ rb + 1, (size_t)(s + len - rb - 1) }));
	if (!wcs_addr_parse(
		t[5].p, t[5].len, rcv == resp ? &ev->dst : &ev->src))
		return (wcs_lu_reject(ctx, "remote address", t[5]));
	if (pool != NULL &&
	    (qname = wcs_pool_alloc(pool, q[1].len + 2)) == NULL)
		return (WCS_FATAL);
	if (!dns_qname(qname, q[1].p, q[1].len))
		return (wcs_lu_reject(ctx, "question name", q[1]));
	ev->qname = qname;
	ev->qtype = wcs_lu_qtype(q[0]);
	ev->kind = WCS_EV_DNS;
	ev->dns_dir = resp ? WCS_DNS_RESPONSE : WCS_DNS_QUERY;
	if (resp)
		ev->rcode = (int16_t)rc;
	if (!wcs_lu_local_to_utc(&civ, r->tz, &ev->ts_us))
		return (wcs_lu_reject(
		    ctx, "date", (struct wcs_span){ s, i > 40 ? 40 : i }));
	ev->local_time = 1; /* the debug log writes local time, no zone */
	return (WCS_OK);
}

/* Whether a line belongs to the dump of the packet before it. */
static bool
dns_detail(const char *s, size_t len)
{
	return (len > 0 && (s[0] == ' ' || s[0] == '\t' ||
			       (len > 4 && (memcmp(s, "UDP ", 4) == 0 ||
					       memcmp(s, "TCP ", 4) == 0))));
}

/*
 * One answer's DATA ("93.184.216.34", "[C00C](3)www(4)name(3)com(0)")
 * appended to buf (size bytes, NUL-terminated) after a ",": names dotted,
 * the rest as logged.  What does not fit is left out.
 */
static void
dns_answer(char *buf, size_t size, const char *s, size_t len)
{
	char name[256];
	size_t o = strlen(buf), k = 0, i;

	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len > 0 && (s[0] == '(' || s[0] == '[') && len < sizeof(name)) {
		/* Drop the "[C00C]" compression marks, then the labels. */
		for (i = 0; i < len; i++) {
			if (s[i] == '[') {
				while (i < len && s[i] != ']')
					i++;
				continue;
			}
			name[k++] = s[i];
		}
		if (k > 0 && k + 2 <= sizeof(name) &&
		    dns_qname(name, name, k)) {
			s = name;
			len = strlen(name);
		}
	}
	if (len == 0 || o + (o > 0) + len + 1 > size)
		return;
	if (o > 0)
		buf[o++] = ',';
	memcpy(buf + o, s, len);
	buf[o + len] = '\0';
}

/*
 * The dump that follows a packet line, read as part of its record: up to
 * a blank line (taken) or a line that is not the dump's (given back).  A
 * response's ANSWER SECTION gives ev its answers.  rc is what the packet
 * line came to, and what is returned (or WCS_FATAL).
 */
static int
dns_details(struct wcs_lu_reader *r, int rc, struct wcs_event *ev)
{
	char answers[1024];
	const char *line, *w;
	size_t len, n;
	bool dump = false, in_answer = false;

	answers[0] = '\0';
	while (wcs_lu_more(r, &line, &len) == WCS_OK) {
		if (!dns_detail(line, len)) {
			/* The blank line that ends a dump is the dump's. */
			if (!(dump && wcs_lu_blank(line, len)))
				wcs_lu_unread(r);
			break;
		}
		dump = true;
		for (w = line, n = len; n > 0 && (*w == ' ' || *w == '\t');
		     w++, n--)
			;
		if (n > 8 && memcmp(w, "SECTION:", 8) == 0)
			continue;
		if (n >= 15 && memcmp(w + n - 8, "SECTION:", 8) == 0)
			in_answer = n == 15 && memcmp(w, "ANSWER ", 7) == 0;
		else if (in_answer && n > 5 && memcmp(w, "DATA", 4) == 0 &&
			 (w[4] == ' ' || w[4] == '\t')) {
			for (w += 5, n -= 5; n > 0 && (*w == ' ' || *w == '\t');
			     w++, n--)
				;
			dns_answer(answers, sizeof(answers), w, n);
		}
	}
	if (rc == WCS_OK && ev->dns_dir == WCS_DNS_RESPONSE &&
	    answers[0] != '\0' &&
	    (ev->answer = wcs_pool_strndup(
		 r->pool, answers, strlen(answers))) == NULL)
		return (WCS_FATAL);
	return (rc);
}

/* One line (see wcs_line_format), a packet's with its dump. */
static int
dns_line(
    struct wcs_lu_reader *r, const char *s, size_t len, struct wcs_event *ev)
{
	bool packet = false;
	int rc;

	rc = dns_packet(r, s, len, ev, &packet);
	/* A rejected line's reason must not meet the dump's read errors. */
	if (!packet || rc == WCS_WARN || rc == WCS_FATAL || wcs_lu_bidding(r))
		return (rc);
	return (dns_details(r, rc, ev));
}

/* The preamble's lines, and packet lines that parse. */
static int
dns_bid_line(struct wcs_lu_reader *r, const char *line, size_t llen, int rc,
    const struct wcs_event *ev, int bid)
{
	static const struct {
		const char *lit;
		int bits;
	} sig[] = {
		{ "DNS Server log file creation at", 8 * 31 },
		{ "Log file wrap at", 8 * 16 },
		{ "Message logging key (for packets", 8 * 32 },
	};
	size_t i, n;
	int bits = 0;

	(void)r;
	(void)ev;
	(void)bid;
	for (i = 0; i < WCS_NELEM(sig); i++) {
		n = strlen(sig[i].lit);
		if (llen >= n && memcmp(line, sig[i].lit, n) == 0)
			bits += sig[i].bits;
	}
	return (bits + (rc == WCS_OK ? 8 * 24 : 0));
}

static const struct wcs_line_format dns_format = {
	.state_size = sizeof(struct dns_state),
	.pool = true,
	.parse = dns_line,
	.bid_markup = true,
	.bid_line = dns_bid_line,
};

static int
dns_bid(const unsigned char *peek, size_t len, int best_bid)
{
	return (wcs_line_bid(&dns_format, peek, len, best_bid));
}

static int
dns_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_line_open(&dns_format, ctx, in, opts, state));
}

/*
 * Going on from the middle of the file (an appended log, a sweep): a
 * packet's line starts its record, and the preamble is only at the top,
 * so the date order proved before is all the lines after need.  One
 * byte, "windns" and a version before it so that another reader's bytes
 * are never taken for it.
 */
#define DNS_RESUME_TAG "windns1"

static size_t
dns_resume_save(const void *state, unsigned char *buf, size_t cap)
{
	const struct dns_state *st = state;
	size_t n = sizeof(DNS_RESUME_TAG) - 1;

	if (cap < n + 1)
		return (0);
	memcpy(buf, DNS_RESUME_TAG, n);
	buf[n] = (unsigned char)st->order;
	return (n + 1);
}

static bool
dns_resume_load(void *state, const unsigned char *buf, size_t len)
{
	struct dns_state *st = state;
	size_t n = sizeof(DNS_RESUME_TAG) - 1;

	if (len != n + 1 || memcmp(buf, DNS_RESUME_TAG, n) != 0 ||
	    buf[n] > ORDER_DMY)
		return (false);
	st->order = (enum dns_order)buf[n];
	return (true);
}

const struct wcs_reader_ops wcs_reader_windns = {
	.name = "windns",
	.description = "Windows DNS Server debug log (dns.log)",
	.kind = WCS_KIND_DNS,
	.flags = WCS_READER_LOCALTIME | WCS_READER_RESUMABLE,
	.bid = dns_bid,
	.open = dns_open,
	.next = wcs_line_next,
	.close = wcs_line_close,
	.resume_save = dns_resume_save,
	.resume_load = dns_resume_load,
};
