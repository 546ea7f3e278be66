/*
 * Small parsing helpers for the line-based readers: field splitting,
 * numbers, host:port pairs, DNS names and codes, and syslog headers with
 * the year inference BSD stamps need.  Lines come from hostile machines:
 * every helper takes a length, reads only inside it, and fails cleanly.
 */
#include <string.h>
#include <time.h>

#include "wcscan/addr.h"
#include "wcscan/event.h"
#include "wcscan/pool.h"
#include "wcscan/timeutil.h"
#include "readers_private.h"

/* A month: the longest a clock can plausibly run ahead of a file's mtime. */
#define YEAR_SLACK_US (31LL * 86400 * WCS_USEC)

static bool
is_blank(int c)
{
	return (c == ' ' || c == '\t');
}

static bool
is_digit(int c)
{
	return (c >= '0' && c <= '9');
}

static int
to_lower(int c)
{
	return (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/* Whether c is not a blank, tested first with one compare for text. */
static bool
not_blank(int c)
{
	return (c > ' ' || !is_blank(c));
}

size_t
wcs_lu_split_ws(const char *s, size_t len, struct wcs_span *f, size_t max)
{
	const char *p = s, *end = s + len, *start;
	size_t n = 0;

	for (;;) {
		while (p < end && is_blank((unsigned char)*p))
			p++;
		if (p == end)
			break;
		start = p;
		do
			p++;
		while (p < end && not_blank((unsigned char)*p));
		if (n < max) {
			f[n].p = start;
			f[n].len = (size_t)(p - start);
		}
		n++;
	}
	return (n);
}

bool
wcs_lu_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (!is_blank((unsigned char)s[i]))
			return (false);
	}
	return (true);
}

size_t
wcs_lu_split_char(
    const char *s, size_t len, int sep, struct wcs_span *f, size_t max)
{
	const char *p = s, *end = s + len, *q;
	size_t n = 0;

	/* memchr() strides over a field faster than a byte loop. */
	for (;;) {
		q = memchr(p, sep, (size_t)(end - p));
		if (n < max) {
			f[n].p = p;
			f[n].len = (size_t)((q != NULL ? q : end) - p);
		}
		n++;
		if (q == NULL)
			break;
		p = q + 1;
	}
	return (n);
}

bool
wcs_lu_caseeq_n(struct wcs_span sp, const char *lit, size_t n)
{
	size_t i;

	if (sp.len != n)
		return (false);
	for (i = 0; i < n; i++) {
		if (to_lower((unsigned char)sp.p[i]) !=
		    to_lower((unsigned char)lit[i]))
			return (false);
	}
	return (true);
}

const char *
wcs_lu_casefind(const char *s, size_t len, const char *lit)
{
	size_t i, j, n = strlen(lit);
	int c0;

	if (n == 0 || n > len)
		return (n == 0 ? s : NULL);
	/* Most positions fail on the first byte: test it alone. */
	c0 = to_lower((unsigned char)lit[0]);
	for (i = 0; i + n <= len; i++) {
		if (to_lower((unsigned char)s[i]) != c0)
			continue;
		for (j = 1; j < n; j++) {
			if (to_lower((unsigned char)s[i + j]) !=
			    to_lower((unsigned char)lit[j]))
				break;
		}
		if (j == n)
			return (s + i);
	}
	return (NULL);
}

bool
wcs_lu_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20)
		return (false);
	for (i = 0; i < len; i++) {
		if (!is_digit((unsigned char)s[i]))
			return (false);
		if (v > (UINT64_MAX - 9) / 10)
			return (false);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return (false);
	*out = v;
	return (true);
}

/* Whether s has exactly one ':' and no '%' (an IPv6 zone). */
static bool
one_colon(const char *s, size_t len)
{
	const char *c = memchr(s, ':', len);

	return (c != NULL && memchr(s, '%', len) == NULL &&
		memchr(c + 1, ':', len - (size_t)(c + 1 - s)) == NULL);
}

bool
wcs_lu_hostport(
    const char *s, size_t len, int sep, struct wcs_addr *a, uint16_t *port)
{
	const char *close, *p;
	uint64_t v;
	size_t alen;

	*port = 0;
	if (len > 0 && s[0] == '[') {
		close = memchr(s, ']', len);
		if (close == NULL ||
		    !wcs_addr_parse(s + 1, (size_t)(close - s - 1), a))
			return (false);
		p = close + 1;
		if (p == s + len)
			return (true);
		if (*p != (char)sep ||
		    !wcs_lu_uint(p + 1, len - (size_t)(p + 1 - s), 65535, &v))
			return (false);
		*port = (uint16_t)v;
		return (true);
	}
	/*
	 * "fe80::1:445" is ambiguous: a bare IPv6 address wins.  The try is
	 * skipped for the usual "a.b.c.d:port": with one colon and no zone
	 * it cannot be an address.
	 */
	if (sep == ':' && !one_colon(s, len) && wcs_addr_parse(s, len, a))
		return (true);
	for (p = s + len; p > s && p[-1] != (char)sep; p--)
		;
	if (p == s)
		return (false);
	alen = (size_t)(p - 1 - s);
	if (!wcs_lu_uint(p, len - alen - 1, 65535, &v) ||
	    !wcs_addr_parse(s, alen, a))
		return (false);
	*port = (uint16_t)v;
	return (true);
}

char *
wcs_lu_qname(struct wcs_pool *pool, const char *s, size_t len)
{
	char *q;
	size_t i;

	if (len > 1 && s[len - 1] == '.')
		len--;
	if ((q = wcs_pool_strndup(pool, s, len)) == NULL)
		return (NULL);
	for (i = 0; i < len; i++)
		q[i] = (char)to_lower((unsigned char)q[i]);
	return (q);
}

struct code_name {
	const char *name;
	size_t len; /* strlen(name), so a lookup compares lengths first */
	int code;
};

/* The members of an entry, the length counted by the compiler. */
#define CODE(name, code) name, sizeof(name) - 1, code

static const struct code_name qtypes[] = {
	{ CODE("A", 1) },
	{ CODE("NS", 2) },
	{ CODE("CNAME", 5) },
	{ CODE("SOA", 6) },
	{ CODE("NULL", 10) },
	{ CODE("WKS", 11) },
	{ CODE("PTR", 12) },
	{ CODE("HINFO", 13) },
	{ CODE("MX", 15) },
	{ CODE("TXT", 16) },
	{ CODE("AAAA", 28) },
	{ CODE("SRV", 33) },
	{ CODE("NAPTR", 35) },
	{ CODE("OPT", 41) },
	{ CODE("DS", 43) },
	{ CODE("RRSIG", 46) },
	{ CODE("NSEC", 47) },
	{ CODE("DNSKEY", 48) },
	{ CODE("SVCB", 64) },
	{ CODE("HTTPS", 65) },
	{ CODE("SPF", 99) },
	{ CODE("IXFR", 251) },
	{ CODE("AXFR", 252) },
	{ CODE("ANY", 255) },
	{ CODE("ALL", 255) },
	{ CODE("CAA", 257) },
};

static const struct code_name rcodes[] = {
	{ CODE("NOERROR", 0) },
	{ CODE("FORMERR", 1) },
	{ CODE("SERVFAIL", 2) },
	{ CODE("NXDOMAIN", 3) },
	{ CODE("NOTIMP", 4) },
	{ CODE("NOTIMPL", 4) },
	{ CODE("REFUSED", 5) },
	{ CODE("YXDOMAIN", 6) },
	{ CODE("YXRRSET", 7) },
	{ CODE("NXRRSET", 8) },
	{ CODE("NOTAUTH", 9) },
	{ CODE("NOTZONE", 10) },
};

static const struct code_name protos[] = {
	{ CODE("ICMP", 1) },
	{ CODE("IGMP", 2) },
	{ CODE("TCP", 6) },
	{ CODE("UDP", 17) },
	{ CODE("GRE", 47) },
	{ CODE("ESP", 50) },
	{ CODE("AH", 51) },
	{ CODE("ICMPV6", 58) },
	{ CODE("IPV6-ICMP", 58) },
	{ CODE("SCTP", 132) },
	{ CODE("UDPLITE", 136) },
};

static int
code_lookup(const struct code_name *t, size_t n, struct wcs_span sp)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i].len == sp.len &&
		    wcs_lu_caseeq_n(sp, t[i].name, t[i].len))
			return (t[i].code);
	}
	return (-1);
}

uint16_t
wcs_lu_qtype(struct wcs_span sp)
{
	uint64_t v;
	int c;

	if (wcs_lu_uint(sp.p, sp.len, 65535, &v))
		return ((uint16_t)v);
	/* RFC 3597 "TYPE65" for types without a mnemonic. */
	if (sp.len > 4 && wcs_lu_caseeq((struct wcs_span){ sp.p, 4 }, "TYPE") &&
	    wcs_lu_uint(sp.p + 4, sp.len - 4, 65535, &v))
		return ((uint16_t)v);
	c = code_lookup(qtypes, WCS_NELEM(qtypes), sp);
	return (c < 0 ? 0 : (uint16_t)c);
}

int
wcs_lu_rcode(struct wcs_span sp)
{
	int c = code_lookup(rcodes, WCS_NELEM(rcodes), sp);

	return (c < 0 ? WCS_RCODE_NONE : c);
}

int
wcs_lu_proto(struct wcs_span sp)
{
	uint64_t v;

	if (wcs_lu_uint(sp.p, sp.len, 255, &v))
		return ((int)v);
	return (code_lookup(protos, WCS_NELEM(protos), sp));
}

/* "hh:mm:ss" with an optional ".frac"; returns bytes consumed or 0. */
static size_t
parse_hms(const char *s, size_t len, struct wcs_lu_civil *civ)
{
	long scale = 100000;
	size_t i;

	if (len < 8 || (civ->hour = wcs_lu_digits(s, len, 2)) < 0 ||
	    s[2] != ':' || (civ->min = wcs_lu_digits(s + 3, len - 3, 2)) < 0 ||
	    s[5] != ':' || (civ->sec = wcs_lu_digits(s + 6, len - 6, 2)) < 0)
		return (0);
	civ->usec = 0;
	i = 8;
	if (i + 1 < len && s[i] == '.' && is_digit((unsigned char)s[i + 1])) {
		for (i++; i < len && is_digit((unsigned char)s[i]); i++) {
			civ->usec += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	return (i);
}

int
wcs_lu_month(const char *s, size_t len)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	char m[3];
	int i;

	if (len < 3)
		return (0);
	for (i = 0; i < 3; i++)
		m[i] = (char)to_lower((unsigned char)s[i]);
	for (i = 0; i < 12; i++) {
		if (m[0] == months[3 * i] && m[1] == months[3 * i + 1] &&
		    m[2] == months[3 * i + 2])
			return (i + 1);
	}
	return (0);
}

/*
 * "Mmm dd " with the day as RFC 3164 writes it ("May  2", space-padded),
 * zero-padded ("May 02") or not padded at all ("May 2", as some devices
 * write it).  Sets mon and day; returns the bytes consumed (the blank
 * after the day included) or 0.  len is at least 7.
 */
static size_t
month_day(const char *s, size_t len, struct wcs_lu_civil *civ)
{
	size_t i = 4;

	if (s[3] != ' ' || (civ->mon = wcs_lu_month(s, 3)) == 0)
		return (0);
	if (s[i] == ' ' && is_digit((unsigned char)s[i + 1])) {
		civ->day = s[i + 1] - '0';
		i += 2;
	} else if (is_digit((unsigned char)s[i]) && s[i + 1] == ' ') {
		civ->day = s[i] - '0';
		i++;
	} else if ((civ->day = wcs_lu_digits(s + i, len - i, 2)) >= 0)
		i += 2;
	else
		return (0);
	return (s[i] == ' ' ? i + 1 : 0);
}

size_t
wcs_lu_bsd_stamp(const char *s, size_t len, struct wcs_lu_civil *civ)
{
	size_t i, n;

	/* "May 2 15:03:01" is the shortest. */
	if (len < 14 || (i = month_day(s, len, civ)) == 0)
		return (0);
	if ((n = parse_hms(s + i, len - i, civ)) == 0)
		return (0);
	civ->year = 0;
	if (civ->day < 1 || civ->day > 31 || civ->hour > 23 || civ->min > 59 ||
	    civ->sec > 60)
		return (0);
	return (i + n);
}

void
wcs_lu_year_init(struct wcs_lu_year *y, int fixed, time_t mtime)
{
	y->fixed = fixed;
	/* Standard input has no mtime: the logs are taken to be recent. */
	if (mtime == 0)
		mtime = time(NULL);
	y->ref = (int64_t)mtime * WCS_USEC;
}

/* wcs_lu_year_resolve, also giving the stamp as UTC (*t, before --tz). */
static bool
year_resolve(const struct wcs_lu_year *y, struct wcs_lu_civil *civ, int64_t *t)
{
	int year, mon, day, hour, min, sec, tries;
	long usec;

	if (y->fixed != 0) {
		civ->year = y->fixed;
		return (wcs_time_from_civil(civ->year, civ->mon, civ->day,
		    civ->hour, civ->min, civ->sec, civ->usec, t));
	}
	wcs_time_to_civil(y->ref, &year, &mon, &day, &hour, &min, &sec, &usec);
	/* Going back a few years finds a leap year for 29 February. */
	for (tries = 0; tries < 8; tries++, year--) {
		if (!wcs_time_from_civil(year, civ->mon, civ->day, civ->hour,
			civ->min, civ->sec, civ->usec, t))
			continue;
		if (*t <= y->ref + YEAR_SLACK_US) {
			civ->year = year;
			return (true);
		}
	}
	return (false);
}

bool
wcs_lu_year_resolve(const struct wcs_lu_year *y, struct wcs_lu_civil *civ)
{
	int64_t t;

	return (year_resolve(y, civ, &t));
}

bool
wcs_lu_local_to_utc(
    const struct wcs_lu_civil *civ, const struct wcs_tz *tz, int64_t *out)
{
	int64_t t;

	if (!wcs_time_from_civil(civ->year, civ->mon, civ->day, civ->hour,
		civ->min, civ->sec, civ->usec, &t))
		return (false);
	*out = wcs_tz_to_utc(tz, t);
	return (true);
}

/* Skip one blank; false at the end of the line or on another byte. */
static bool
skip_sp(const char *s, size_t len, size_t *i)
{
	if (*i >= len || s[*i] != ' ')
		return (false);
	(*i)++;
	return (true);
}

/* RFC 5424 STRUCTURED-DATA: "-" or one or more "[id k="v" ...]". */
static bool
skip_sd(const char *s, size_t len, size_t *i)
{
	bool quoted = false;

	if (*i < len && s[*i] == '-') {
		(*i)++;
		return (true);
	}
	if (*i >= len || s[*i] != '[')
		return (false);
	while (*i < len && s[*i] == '[') {
		for ((*i)++; *i < len; (*i)++) {
			if (quoted && s[*i] == '\\' && *i + 1 < len)
				(*i)++;
			else if (s[*i] == '"')
				quoted = !quoted;
			else if (!quoted && s[*i] == ']')
				break;
		}
		if (*i >= len)
			return (false);
		(*i)++;
	}
	return (true);
}

/* "app[pid]:" or "app:"; sets app; false when the token is not a tag. */
static bool
parse_tag(struct wcs_span t, struct wcs_span *app)
{
	const char *br;

	if (t.len < 2 || t.p[t.len - 1] != ':')
		return (false);
	t.len--;
	if ((br = memchr(t.p, '[', t.len)) != NULL) {
		if (t.p[t.len - 1] != ']')
			return (false);
		t.len = (size_t)(br - t.p);
	}
	if (t.len == 0)
		return (false);
	*app = t;
	return (true);
}

/* Whether one of two header tokens is an address: "gw 192.0.2.1". */
static bool
name_and_address(struct wcs_span a, struct wcs_span b)
{
	struct wcs_addr x;

	return (
	    a.len > 0 && b.len > 0 &&
	    wcs_addr_parse(a.p, a.len, &x) != wcs_addr_parse(b.p, b.len, &x));
}

/*
 * After a BSD or RFC 3339 stamp: "host tag: msg"; "tag: msg" when the
 * host was left out; "name address tag: msg" when a relay wrote the
 * sender's address beside its name (or the other way round); "host msg"
 * when there is no tag (kernel lines some devices forward as they are:
 * sl->app stays empty).  *i is past the stamp's blank.
 */
static bool
bsd_host_tag(const char *s, size_t len, size_t *i, struct wcs_lu_syslog *sl)
{
	struct wcs_span t, u;
	size_t j, k;

	t = wcs_lu_token(s, len, i);
	if (parse_tag(t, &sl->app))
		return (true);
	sl->host = t;
	if (!skip_sp(s, len, i))
		return (false);
	j = *i;
	u = wcs_lu_token(s, len, i);
	if (parse_tag(u, &sl->app))
		return (true);
	k = *i;
	if (name_and_address(t, u) && skip_sp(s, len, &k) &&
	    parse_tag(wcs_lu_token(s, len, &k), &sl->app)) {
		*i = k;
		return (true);
	}
	/* No tag: the message starts after the host. */
	*i = j;
	return (j < len);
}

bool
wcs_lu_syslog(const char *s, size_t len, struct wcs_lu_syslog *sl)
{
	size_t i = 0, n;
	bool rfc5424 = false;

	memset(sl, 0, sizeof(*sl));
	/* <PRI>, and for RFC 5424 the version "1 " after it. */
	if (len > 0 && s[0] == '<') {
		for (i = 1; i < len && i < 5 && is_digit((unsigned char)s[i]);
		     i++)
			;
		if (i == 1 || i >= len || s[i] != '>')
			return (false);
		i++;
		if (i + 1 < len && s[i] == '1' && s[i + 1] == ' ') {
			rfc5424 = true;
			i += 2;
		}
	}
	if ((n = wcs_lu_bsd_stamp(s + i, len - i, &sl->civ)) > 0 && !rfc5424) {
		sl->form = WCS_LU_SYSLOG_BSD;
	} else if ((n = wcs_time_parse_iso(
			s + i, len - i, &sl->ts, &sl->has_zone)) > 0 &&
		   s[i + 10] == 'T') {
		sl->form = WCS_LU_SYSLOG_ISO;
	} else
		return (false);
	i += n;
	if (!skip_sp(s, len, &i))
		return (false);
	if (rfc5424) {
		/* HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG] */
		sl->host = wcs_lu_token(s, len, &i);
		if (!skip_sp(s, len, &i))
			return (false);
		sl->app = wcs_lu_token(s, len, &i);
		if (!skip_sp(s, len, &i))
			return (false);
		(void)wcs_lu_token(s, len, &i);
		if (!skip_sp(s, len, &i))
			return (false);
		(void)wcs_lu_token(s, len, &i);
		if (!skip_sp(s, len, &i) || !skip_sd(s, len, &i))
			return (false);
		(void)skip_sp(s, len, &i);
		/* A UTF-8 byte-order mark may start MSG. */
		if (len - i >= 3 && memcmp(s + i, "\xef\xbb\xbf", 3) == 0)
			i += 3;
		if (wcs_lu_eq(sl->host, "-"))
			sl->host.len = 0;
		if (sl->app.len == 0)
			return (false);
	} else {
		if (!bsd_host_tag(s, len, &i, sl))
			return (false);
		if (sl->app.len > 0)
			(void)skip_sp(s, len, &i);
	}
	sl->msg.p = s + i;
	sl->msg.len = len - i;
	return (true);
}

bool
wcs_lu_syslog_time(const struct wcs_lu_syslog *sl, const struct wcs_lu_year *y,
    const struct wcs_tz *tz, int64_t *out)
{
	struct wcs_lu_civil civ;
	int64_t t;

	if (sl->form == WCS_LU_SYSLOG_ISO) {
		*out = sl->has_zone ? sl->ts : wcs_tz_to_utc(tz, sl->ts);
		return (true);
	}
	/*
	 * BSD stamps: local time, no year.  Resolving the year has already
	 * converted the stamp: no second wcs_time_from_civil() for --tz.
	 */
	civ = sl->civ;
	if (!year_resolve(y, &civ, &t))
		return (false);
	*out = wcs_tz_to_utc(tz, t);
	return (true);
}

bool
wcs_lu_peek_line(const unsigned char *peek, size_t len, size_t *pos,
    const char **line, size_t *llen)
{
	const unsigned char *nl;
	size_t n;

	if (*pos >= len)
		return (false);
	nl = memchr(peek + *pos, '\n', len - *pos);
	if (nl == NULL) {
		if (len >= WCS_PEEK_SIZE)
			return (false);
		n = len - *pos;
	} else
		n = (size_t)(nl - (peek + *pos));
	*line = (const char *)peek + *pos;
	*pos += n + (nl != NULL);
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	*llen = n;
	return (true);
}

bool
wcs_lu_is_markup(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && is_blank((unsigned char)s[i]))
		i++;
	if (len - i < 2 || s[i] != '<')
		return (false);
	return (s[i + 1] == '?' || s[i + 1] == '!' || s[i + 1] == '/' ||
		(to_lower((unsigned char)s[i + 1]) >= 'a' &&
		    to_lower((unsigned char)s[i + 1]) <= 'z'));
}

/*
 * What only some readers use: Zeek's JSON lines and epoch stamps, the ASA's
 * stamp with a year, firewall action words, syslog dates.
 */

static size_t
json_ws(const char *s, size_t len, size_t i)
{
	while (i < len &&
	       (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return (i);
}

/* Past the string whose opening quote is at s[i]; 0 when unterminated. */
static size_t
json_skip_string(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return (i + 1);
	}
	return (0);
}

/* Past an array or object at s[i], nested to a bounded depth; 0 if bad. */
static size_t
json_skip_nested(const char *s, size_t len, size_t i)
{
	char stack[32];
	size_t depth = 0;

	while (i < len) {
		if (s[i] == '"') {
			if ((i = json_skip_string(s, len, i)) == 0)
				return (0);
			continue;
		}
		if (s[i] == '[' || s[i] == '{') {
			if (depth == sizeof(stack))
				return (0);
			stack[depth++] = s[i] == '[' ? ']' : '}';
		} else if (s[i] == ']' || s[i] == '}') {
			if (depth == 0 || stack[depth - 1] != s[i])
				return (0);
			if (--depth == 0)
				return (i + 1);
		}
		i++;
	}
	return (0);
}

int
wcs_lu_json_member(const char *s, size_t len, size_t *pos, struct wcs_span *key,
    struct wcs_span *val, int *type)
{
	size_t i = *pos, e;

	if (i == 0) {
		i = json_ws(s, len, 0);
		if (i >= len || s[i] != '{')
			return (-1);
		i = json_ws(s, len, i + 1);
	} else {
		i = json_ws(s, len, i);
		if (i < len && s[i] == ',')
			i = json_ws(s, len, i + 1);
		else if (i >= len || s[i] != '}')
			return (-1);
	}
	if (i < len && s[i] == '}') {
		*pos = i;
		return (json_ws(s, len, i + 1) == len ? 0 : -1);
	}
	if (i >= len || s[i] != '"' || (e = json_skip_string(s, len, i)) == 0)
		return (-1);
	key->p = s + i + 1;
	key->len = e - i - 2;
	i = json_ws(s, len, e);
	if (i >= len || s[i] != ':')
		return (-1);
	i = json_ws(s, len, i + 1);
	if (i >= len)
		return (-1);
	*type = (unsigned char)s[i];
	if (s[i] == '"') {
		if ((e = json_skip_string(s, len, i)) == 0)
			return (-1);
		val->p = s + i + 1;
		val->len = e - i - 2;
	} else if (s[i] == '[' || s[i] == '{') {
		if ((e = json_skip_nested(s, len, i)) == 0)
			return (-1);
		val->p = s + i;
		val->len = e - i;
	} else {
		for (e = i; e < len && s[e] != ',' && s[e] != '}' &&
			    s[e] != ' ' && s[e] != '\t';
		     e++)
			;
		if (e == i)
			return (-1);
		val->p = s + i;
		val->len = e - i;
	}
	*pos = e;
	return (1);
}

static int
hexval(int c)
{
	if (is_digit(c))
		return (c - '0');
	c = to_lower(c);
	return (c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1);
}

char *
wcs_lu_json_unescape(struct wcs_pool *pool, struct wcs_span sp)
{
	char *out, *o;
	size_t i;
	unsigned cp;
	int k, h;

	/* An escape never grows: "\u00e9" (6 bytes) is at most 3 in UTF-8. */
	if ((out = wcs_pool_alloc(pool, sp.len + 1)) == NULL)
		return (NULL);
	o = out;
	for (i = 0; i < sp.len; i++) {
		if (sp.p[i] != '\\' || i + 1 == sp.len) {
			*o++ = sp.p[i];
			continue;
		}
		switch (sp.p[++i]) {
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			cp = 0;
			for (k = 0; k < 4; k++) {
				if (i + 1 >= sp.len ||
				    (h = hexval((unsigned char)sp.p[i + 1])) <
					0)
					break;
				cp = cp * 16 + (unsigned)h;
				i++;
			}
			/* A lone or paired surrogate is not decoded here. */
			if (k < 4 || (cp >= 0xd800 && cp <= 0xdfff))
				cp = 0xfffd;
			if (cp < 0x80)
				*o++ = (char)cp;
			else if (cp < 0x800) {
				*o++ = (char)(0xc0 | (cp >> 6));
				*o++ = (char)(0x80 | (cp & 0x3f));
			} else {
				*o++ = (char)(0xe0 | (cp >> 12));
				*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
				*o++ = (char)(0x80 | (cp & 0x3f));
			}
			break;
		default: /* '"', '\\', '/' and anything unknown */
			*o++ = sp.p[i];
			break;
		}
	}
	*o = '\0';
	return (out);
}

bool
wcs_lu_epoch(const char *s, size_t len, int64_t *out)
{
	const char *dot = memchr(s, '.', len);
	size_t ilen = dot != NULL ? (size_t)(dot - s) : len, i;
	long usec = 0, scale = 100000;
	uint64_t sec;

	/* Up to year 9999: 253402300799 has 12 digits. */
	if (ilen > 12 || !wcs_lu_uint(s, ilen, 253402300799ULL, &sec))
		return (false);
	if (dot != NULL) {
		if (ilen + 1 == len)
			return (false);
		for (i = ilen + 1; i < len; i++) {
			if (!is_digit((unsigned char)s[i]))
				return (false);
			usec += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	*out = (int64_t)sec * WCS_USEC + usec;
	return (true);
}

bool
wcs_lu_clf_stamp(const char *s, size_t len, struct wcs_lu_civil *civ)
{
	if (len < 20 || s[2] != '/' || s[6] != '/' || s[11] != ':' ||
	    s[14] != ':' || s[17] != ':')
		return (false);
	civ->day = wcs_lu_digits(s, 2, 2);
	civ->mon = wcs_lu_month(s + 3, 3);
	civ->year = wcs_lu_digits(s + 7, 4, 4);
	civ->hour = wcs_lu_digits(s + 12, 2, 2);
	civ->min = wcs_lu_digits(s + 15, 2, 2);
	civ->sec = wcs_lu_digits(s + 18, 2, 2);
	civ->usec = 0;
	return (true);
}

size_t
wcs_lu_bsd_year_stamp(const char *s, size_t len, struct wcs_lu_civil *civ)
{
	size_t i, n;

	/* "May 2 2017 15:03:01" is the shortest. */
	if (len < 19 || (i = month_day(s, len, civ)) == 0 ||
	    (civ->year = wcs_lu_digits(s + i, len - i, 4)) < 0 ||
	    s[i + 4] != ' ')
		return (0);
	i += 5;
	if ((n = parse_hms(s + i, len - i, civ)) == 0)
		return (0);
	if (!wcs_time_from_civil(civ->year, civ->mon, civ->day, civ->hour,
		civ->min, civ->sec, civ->usec, &(int64_t){ 0 }))
		return (0);
	return (i + n);
}

/* A word of the table below: lower case, starting with a letter. */
struct action_word {
	const char *word;
	size_t len;
	uint8_t action; /* WCS_ACT_DENY or WCS_ACT_ALLOW */
};
#define ACTION_WORD(w, act) w, sizeof(w) - 1, act

static uint8_t
action_scan(struct wcs_span sp, const struct action_word *words, size_t nwords)
{
	uint32_t first = 0;
	uint8_t found = WCS_ACT_UNKNOWN;
	size_t i, k;
	int c;

	/*
	 * One pass over the text, not one search per word: a set of the
	 * words' first letters passes over most positions at once.
	 */
	for (k = 0; k < nwords; k++)
		first |= 1u << (words[k].word[0] - 'a');
	for (i = 0; i < sp.len; i++) {
		c = to_lower((unsigned char)sp.p[i]);
		if (c < 'a' || c > 'z' || (first & 1u << (c - 'a')) == 0)
			continue;
		for (k = 0; k < nwords; k++) {
			if (words[k].word[0] != c ||
			    words[k].len > sp.len - i ||
			    !wcs_lu_caseeq_n(
				(struct wcs_span){ sp.p + i, words[k].len },
				words[k].word, words[k].len))
				continue;
			/* A deny word anywhere wins over an allow word. */
			if (words[k].action == WCS_ACT_DENY)
				return (WCS_ACT_DENY);
			found = words[k].action;
		}
	}
	return (found);
}

uint8_t
wcs_lu_action_words(struct wcs_span sp, bool permit)
{
	/* "permit" last, so that leaving it out is a shorter count. */
	static const struct action_word words[] = {
		{ ACTION_WORD("drop", WCS_ACT_DENY) },
		{ ACTION_WORD("block", WCS_ACT_DENY) },
		{ ACTION_WORD("deny", WCS_ACT_DENY) },
		{ ACTION_WORD("reject", WCS_ACT_DENY) },
		{ ACTION_WORD("accept", WCS_ACT_ALLOW) },
		{ ACTION_WORD("allow", WCS_ACT_ALLOW) },
		{ ACTION_WORD("pass", WCS_ACT_ALLOW) },
		{ ACTION_WORD("permit", WCS_ACT_ALLOW) },
	};

	return (action_scan(sp, words, WCS_NELEM(words) - (permit ? 0 : 1)));
}

int
wcs_lu_syslog_date(const struct wcs_lu_reader *r,
    const struct wcs_lu_syslog *sl, struct wcs_event *ev)
{
	if (!wcs_lu_bidding(r) &&
	    !wcs_lu_syslog_time(sl, &r->year, r->tz, &ev->ts_us)) {
		wcs_set_error(r->ctx, WCS_EPARSE, "bad syslog date");
		return (WCS_WARN);
	}
	ev->local_time = WCS_LU_SYSLOG_LOCAL(sl);
	ev->year_inferred = WCS_LU_SYSLOG_NOYEAR(sl);
	return (WCS_OK);
}
