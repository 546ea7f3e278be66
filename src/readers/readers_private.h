/*
 * Shared by the readers: the ops tables the list in readers.c registers,
 * and small parsing helpers (lineutil.c).
 */
#ifndef WCSCAN_READERS_PRIVATE_H
#define WCSCAN_READERS_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wcscan/reader.h"

extern const struct wcs_reader_ops wcs_reader_pfirewall;
extern const struct wcs_reader_ops wcs_reader_netfilter;
extern const struct wcs_reader_ops wcs_reader_windns;
extern const struct wcs_reader_ops wcs_reader_bind;
extern const struct wcs_reader_ops wcs_reader_smblog;
extern const struct wcs_reader_ops wcs_reader_evtx_xml;
extern const struct wcs_reader_ops wcs_reader_sysmon_xml;
extern const struct wcs_reader_ops wcs_reader_filterlog;
extern const struct wcs_reader_ops wcs_reader_asa;
extern const struct wcs_reader_ops wcs_reader_fortigate;
extern const struct wcs_reader_ops wcs_reader_panos;
extern const struct wcs_reader_ops wcs_reader_zeek_conn;
extern const struct wcs_reader_ops wcs_reader_mikrotik;
extern const struct wcs_reader_ops wcs_reader_dnsmasq;
extern const struct wcs_reader_ops wcs_reader_zeek_dns;
extern const struct wcs_reader_ops wcs_reader_evtx;

/*
 * Line helpers shared by the line-based readers (lineutil.c).  They work
 * on spans of a line that is not NUL-terminated, never read outside
 * [s, s + len) and never allocate except where a pool is passed.
 */
#include <time.h>

#include "wcscan/pool.h"

struct wcs_span {
	const char *p;
	size_t len;
};

/* Civil time fields as a log printed them; year 0 means "not given". */
struct wcs_lu_civil {
	int year, mon, day, hour, min, sec;
	long usec;
};

/* How year-less stamps get their year: --year, else the file's mtime. */
struct wcs_lu_year {
	int fixed; /* --year; 0 = infer */
	int64_t ref; /* the file's mtime (or now), UTC microseconds */
};

/*
 * What every line reader's state begins with: the context, the input, the
 * --tz zone, the year for year-less stamps, and (when asked for) a pool
 * for the strings of the current record, reset before each line.
 */
struct wcs_lu_reader {
	struct wcs_ctx *ctx;
	struct wcs_input *in;
	const struct wcs_tz *tz;
	struct wcs_lu_year year;
	struct wcs_pool *pool; /* NULL unless asked for */
};

/*
 * A zeroed reader state of size bytes whose first member is a struct
 * wcs_lu_reader, filled in; NULL (error in ctx) when out of memory.
 */
void *wcs_lu_reader_new(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, size_t size, bool pool);
/* The next line, with ev->line and ev->offset set (the pool reset first);
 * returns what wcs_input_getline returned. */
int wcs_lu_reader_line(struct wcs_lu_reader *r, struct wcs_event *ev,
    const char **line, size_t *len);
/* Free a state made by wcs_lu_reader_new; accepts NULL. */
void wcs_lu_reader_close(void *state);

/* A syslog header: BSD (RFC 3164), RFC 3339-stamped, or RFC 5424. */
enum wcs_lu_syslog_form {
	WCS_LU_SYSLOG_BSD = 1, /* "May 12 15:03:01": no year, no zone */
	WCS_LU_SYSLOG_ISO /* RFC 3339 or RFC 5424 stamp */
};

/* Whether a parsed syslog stamp was local time / lacked a year. */
#define WCS_LU_SYSLOG_LOCAL(sl) \
	((sl)->form == WCS_LU_SYSLOG_BSD || !(sl)->has_zone)
#define WCS_LU_SYSLOG_NOYEAR(sl) ((sl)->form == WCS_LU_SYSLOG_BSD)

struct wcs_lu_syslog {
	enum wcs_lu_syslog_form form;
	struct wcs_lu_civil civ; /* BSD: year 0 */
	int64_t ts; /* ISO: parsed stamp */
	bool has_zone; /* ISO: a zone was given */
	struct wcs_span host; /* may be empty */
	struct wcs_span app; /* "kernel", "named" (no [pid]) */
	struct wcs_span msg; /* the rest of the line */
};

/* Split on runs of blanks (space, tab); at most max fields are stored,
 * the number of fields found (which may exceed max) is returned. */
size_t wcs_lu_split_ws(
    const char *s, size_t len, struct wcs_span *f, size_t max);
/* Split on every sep (empty fields kept); same return as above. */
size_t wcs_lu_split_char(
    const char *s, size_t len, int sep, struct wcs_span *f, size_t max);
/* Whether span equals lit[0..n), ignoring ASCII case. */
bool wcs_lu_caseeq_n(struct wcs_span sp, const char *lit, size_t n);
/*
 * Whether span equals lit, exactly or ignoring ASCII case.  Inline so
 * that strlen() of a literal folds to a constant: the readers compare
 * every field of every line against a few keywords.
 */
static inline bool
wcs_lu_eq(struct wcs_span sp, const char *lit)
{
	size_t n = strlen(lit);

	return (sp.len == n && memcmp(sp.p, lit, n) == 0);
}
static inline bool
wcs_lu_caseeq(struct wcs_span sp, const char *lit)
{
	return (wcs_lu_caseeq_n(sp, lit, strlen(lit)));
}
/* Whether s[0..len) is empty or only blanks (space, tab). */
bool wcs_lu_blank(const char *s, size_t len);
/* The month (1-12) for an English abbreviation "Jan".."Dec" at s, any
 * case; 0 when len < 3 or not one (wcs_month_from_abbr, without a copy). */
int wcs_lu_month(const char *s, size_t len);
/* Whether span is absent: empty or "-".  Inline: asked of every column. */
static inline bool
wcs_lu_absent(struct wcs_span sp)
{
	return (sp.len == 0 || (sp.len == 1 && sp.p[0] == '-'));
}
/* First occurrence of lit in s[0..len), ignoring ASCII case; NULL if none. */
const char *wcs_lu_casefind(const char *s, size_t len, const char *lit);
/* Decimal digits only (no sign, no blanks), value <= max. */
bool wcs_lu_uint(const char *s, size_t len, uint64_t max, uint64_t *out);
/*
 * Exactly n decimal digits at s (len >= n); -1 otherwise.  Inline: the
 * stamp parsers call it for every two-digit field of every line.
 */
static inline int
wcs_lu_digits(const char *s, size_t len, size_t n)
{
	int v = 0;
	size_t i;

	if (len < n)
		return (-1);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	return (v);
}
/*
 * "addr<sep>port" with sep ':' or '#'; IPv6 as "[addr]:port", or bare
 * "addr#port".  With sep ':' an address without a port is accepted when it
 * parses whole (then *port is 0).
 */
bool wcs_lu_hostport(
    const char *s, size_t len, int sep, struct wcs_addr *a, uint16_t *port);
/* A DNS name for the event: lower case, the final dot dropped ("." stays). */
char *wcs_lu_qname(struct wcs_pool *pool, const char *s, size_t len);
/* The query type for a mnemonic ("A", "AAAA", ...) or a number; 0 if not. */
uint16_t wcs_lu_qtype(struct wcs_span sp);
/* The rcode for a mnemonic ("NXDOMAIN", ...); WCS_RCODE_NONE if not. */
int wcs_lu_rcode(struct wcs_span sp);
/* IP protocol for "TCP", "udp", "ICMP", ... or a number; -1 if unknown. */
int wcs_lu_proto(struct wcs_span sp);

/*
 * BSD syslog stamp "Mmm dd hh:mm:ss" (day space- or zero-padded, an
 * optional fraction).  Fills civ (year 0); returns the bytes consumed or 0.
 */
size_t wcs_lu_bsd_stamp(const char *s, size_t len, struct wcs_lu_civil *civ);
/* Set up year inference from --year (0 = none) and the file's mtime. */
void wcs_lu_year_init(struct wcs_lu_year *y, int fixed, time_t mtime);
/*
 * Give civ a year: the fixed one, else the mtime's year unless the stamp
 * would then lie more than a month after the mtime (a log rotated in
 * January holds December's lines), then the year before.
 */
bool wcs_lu_year_resolve(const struct wcs_lu_year *y, struct wcs_lu_civil *civ);
/* Civil local time to UTC through tz (NULL = UTC); false when invalid. */
bool wcs_lu_local_to_utc(
    const struct wcs_lu_civil *civ, const struct wcs_tz *tz, int64_t *out);
/* Parse a syslog header; false when the line does not start with one. */
bool wcs_lu_syslog(const char *s, size_t len, struct wcs_lu_syslog *sl);
/* The header's time in UTC: year inferred and tz applied when needed. */
bool wcs_lu_syslog_time(const struct wcs_lu_syslog *sl,
    const struct wcs_lu_year *y, const struct wcs_tz *tz, int64_t *out);
/*
 * Date ev from a parsed syslog header with the reader's --tz and year, and
 * record how (ev->local_time, ev->year_inferred).  r is NULL when bidding:
 * nothing is dated then.  WCS_OK, or WCS_WARN ("bad syslog date").
 */
int wcs_lu_syslog_date(struct wcs_ctx *ctx, const struct wcs_lu_reader *r,
    const struct wcs_lu_syslog *sl, struct wcs_event *ev);

/*
 * For bidders: the next complete line of the peek window from *pos (its
 * "\r" dropped).  A last line without "\n" counts only when the window is
 * shorter than WCS_PEEK_SIZE (the input ended there).
 */
bool wcs_lu_peek_line(const unsigned char *peek, size_t len, size_t *pos,
    const char **line, size_t *llen);
/* Whether a line looks like event XML or another markup ("<Event", "<?xml"). */
bool wcs_lu_is_markup(const char *s, size_t len);

/*
 * Appended for the issue 4 readers.
 *
 * JSON lines (Zeek's JSON logs): the members of one flat object, in order.
 * *pos starts at 0.  A string's value is its text between the quotes with
 * escapes kept (*type '"'); any other value is its raw text (*type its
 * first byte: a digit or '-', 't', 'f', 'n', '[' or '{').  Returns 1 with
 * a member, 0 at the object's end, -1 when the text is not a JSON object.
 */
int wcs_lu_json_member(const char *s, size_t len, size_t *pos,
    struct wcs_span *key, struct wcs_span *val, int *type);
/* A JSON string's text (escapes kept) unescaped into the pool. */
char *wcs_lu_json_unescape(struct wcs_pool *pool, struct wcs_span sp);
/* Seconds since the epoch with an optional fraction ("1494601381.123"). */
bool wcs_lu_epoch(const char *s, size_t len, int64_t *out);
/* "Mmm dd yyyy hh:mm:ss" (Cisco's stamp); the bytes consumed or 0. */
size_t wcs_lu_bsd_year_stamp(
    const char *s, size_t len, struct wcs_lu_civil *civ);
/*
 * The deny/allow meaning of a firewall's log prefix or action word, ignoring
 * case: deny when drop, block, deny or reject occurs anywhere in the text,
 * else allow for accept, allow or pass (and permit, when asked: netfilter
 * prefixes never counted it), else unknown.
 */
uint8_t wcs_lu_action_words(struct wcs_span sp, bool permit);

/*
 * Zeek logs, TSV with their "#" header or JSON lines (zeek.c, shared by
 * the zeek-conn and zeek-dns readers).  A reader names the fields it
 * wants; each row yields their values in that order, unset ("-") and
 * empty ("(empty)") values as empty spans.
 */
#define WCS_ZEEK_MAXWANT 16
#define WCS_ZEEK_MAXCOLS 64

enum wcs_zeek_line {
	WCS_ZEEK_BAD = 0, /* neither a header nor a row */
	WCS_ZEEK_HEADER, /* a "#" line, taken in */
	WCS_ZEEK_ROW /* values filled */
};

struct wcs_zeek {
	const char *const *want; /* field names */
	size_t nwant;
	int col[WCS_ZEEK_MAXWANT]; /* TSV column of each wanted field */
	size_t ncols; /* columns of a row */
	bool have_fields; /* a #fields line was seen */
	bool json; /* the last row was JSON */
	char sep, set_sep;
	char unset[16], empty[16];
	char path[32]; /* "#path", or a JSON row's "_path" */
};

/* defaults: the log's usual #fields line, for files cut without one. */
void wcs_zeek_init(struct wcs_zeek *z, const char *const *want, size_t nwant,
    const char *defaults);
enum wcs_zeek_line wcs_zeek_line(
    struct wcs_zeek *z, const char *s, size_t len, struct wcs_span *vals);
/* A Zeek time: epoch seconds with a fraction, or ISO 8601 (JSON). */
bool wcs_zeek_time(struct wcs_span sp, int64_t *out);

#endif /* WCSCAN_READERS_PRIVATE_H */
