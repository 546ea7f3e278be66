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
extern const struct wcs_reader_ops wcs_reader_ecs_json;
extern const struct wcs_reader_ops wcs_reader_splunk_json;
extern const struct wcs_reader_ops wcs_reader_splunk_csv;
extern const struct wcs_reader_ops wcs_reader_sentinel_json;
extern const struct wcs_reader_ops wcs_reader_sentinel_csv;

/*
 * A note on a record that was read (what of it was not kept), held back
 * and given by the reader's next call as a rejected entry at the record's
 * line and offset, so that the record itself still counts as read: the
 * event-XML and SIEM readers keep one.
 */
struct wcs_held_note {
	char text[160]; /* empty when none is held */
	uint64_t line, offset;
};

/* Hold the note just written into n->text, if any, at ev's place. */
static inline void
wcs_held_note_hold(struct wcs_held_note *n, const struct wcs_event *ev)
{
	if (n->text[0] == '\0')
		return;
	n->line = ev->line;
	n->offset = ev->offset;
}

/*
 * Before a reader's next record: a held note is given (ev set to its
 * place, its text as ctx's error) and WCS_WARN returned; WCS_OK when none
 * is held.
 */
static inline int
wcs_held_note_give(
    struct wcs_ctx *ctx, struct wcs_held_note *n, struct wcs_event *ev)
{
	if (n->text[0] == '\0')
		return (WCS_OK);
	ev->line = n->line;
	ev->offset = n->offset;
	wcs_set_error(ctx, WCS_EPARSE, "%s", n->text);
	n->text[0] = '\0';
	return (WCS_WARN);
}

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
 * The line-reader base (linereader.c).  A line reader is a struct
 * wcs_line_format: its parser and its bid rules.  The base does the rest,
 * once for all of them: the walk over the peeked lines when bidding, open,
 * next (one record a line, the pool reset before each) and close.  The
 * reader's ops table points at the base's next and close, and at a bid and
 * an open that name its format (wcs_line_bid, wcs_line_open).
 *
 * parse() reads one line into ev and returns WCS_OK, WCS_SKIP, WCS_WARN
 * (the reason in r->ctx) or WCS_FATAL; when a record runs over several
 * lines it reads the rest with wcs_lu_more.  Bidding calls the same parse()
 * on a scratch state whose r->ctx, r->in and r->pool are NULL
 * (wcs_lu_bidding): nothing is allocated, dated or remembered then, and
 * the state is at most WCS_LINE_BID_STATE bytes, so a format keeps big
 * tables behind a pointer that init() allocates when not bidding.
 */
#define WCS_LINE_BID_LINES 64 /* lines of the peek a bid looks at */
#define WCS_LINE_BID_STATE 512 /* the largest state bidding can hold */

struct wcs_lu_reader;

struct wcs_line_format {
	size_t state_size; /* begins with a struct wcs_lu_reader */
	bool pool; /* strings per record, from r->pool */
	/* Optional: set up the format's part of a new state (bidding's
	 * too); WCS_OK or WCS_FATAL. */
	int (*init)(struct wcs_lu_reader *r);
	/* Optional: free what init() allocated. */
	void (*fini)(struct wcs_lu_reader *r);
	int (*parse)(struct wcs_lu_reader *r, const char *line, size_t len,
	    struct wcs_event *ev);
	/*
	 * Bidding, line by line: a markup line ("<Event", "<?xml") makes the
	 * bid 0 when bid_markup is set; then bid_line() says what the line
	 * parse() has just read is worth (rc and ev are what it returned;
	 * bid is the sum so far; -1 makes the whole bid 0), or without it,
	 * a line that parses is worth bid_bits.
	 */
	bool bid_markup;
	int bid_bits;
	int (*bid_line)(struct wcs_lu_reader *r, const char *line, size_t len,
	    int rc, const struct wcs_event *ev, int bid);
};

/* A line read ahead, which the next record may start with. */
struct wcs_lu_line {
	const char *p;
	size_t len;
	uint64_t lineno, offset;
	int rc; /* WCS_OK, or WCS_WARN for an over-long line */
};

/*
 * What every line reader's state begins with: its format, the context,
 * the input, the --tz zone, the year for year-less stamps, and (when the
 * format asks for one) a pool for the strings of the current record.
 */
struct wcs_lu_reader {
	const struct wcs_line_format *fmt;
	struct wcs_ctx *ctx; /* NULL when bidding */
	struct wcs_input *in;
	const struct wcs_tz *tz;
	struct wcs_lu_year year;
	struct wcs_pool *pool; /* NULL unless asked for */
	struct wcs_lu_line last; /* the line wcs_lu_more read last */
	bool held; /* last starts the next record */
};

/* Whether parse() is being called to bid (no context, no input). */
static inline bool
wcs_lu_bidding(const struct wcs_lu_reader *r)
{
	return (r->ctx == NULL);
}

/* A line reader's bid and open, for its ops table. */
int wcs_line_bid(const struct wcs_line_format *f, const unsigned char *peek,
    size_t len, int best_bid);
int wcs_line_open(const struct wcs_line_format *f, struct wcs_ctx *ctx,
    struct wcs_input *in, const struct wcs_read_opts *opts, void **state);
/* A line reader's next and close: the same for all. */
int wcs_line_next(struct wcs_ctx *ctx, void *state, struct wcs_event *ev);
void wcs_line_close(void *state);
/*
 * For parse(): the next line of the same record.  WCS_OK with *line set,
 * or WCS_EOF when there is none (the input ended or failed, or the line
 * is over-long: the next record says so; always EOF when bidding).
 */
int wcs_lu_more(struct wcs_lu_reader *r, const char **line, size_t *len);
/* Give back the line wcs_lu_more read last: it starts the next record. */
void wcs_lu_unread(struct wcs_lu_reader *r);
/* An ignored record, and why (enum wcs_ignore).  Returns WCS_SKIP. */
static inline int
wcs_lu_skip(struct wcs_event *ev, enum wcs_ignore why)
{
	ev->ignore = (uint8_t)why;
	return (WCS_SKIP);
}
/*
 * A rejected record: "bad WHAT 'value'" in ctx (the value cut at 64
 * bytes; nothing when ctx is NULL, as when bidding).  Returns WCS_WARN.
 */
int wcs_lu_reject_n(
    struct wcs_ctx *ctx, const char *what, const char *p, size_t len);
static inline int
wcs_lu_reject(struct wcs_ctx *ctx, const char *what, struct wcs_span v)
{
	return (wcs_lu_reject_n(ctx, what, v.p, v.len));
}

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
/*
 * The run of non-spaces from *i, *i moved past it (to the next ' ' or
 * len).  Inline: syslog headers are read a token at a time.
 */
static inline struct wcs_span
wcs_lu_token(const char *s, size_t len, size_t *i)
{
	struct wcs_span t;

	t.p = s + *i;
	while (*i < len && s[*i] != ' ')
		(*i)++;
	t.len = (size_t)(s + *i - t.p);
	return (t);
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
 * record how (ev->local_time, ev->year_inferred).  Nothing is dated when
 * bidding.  WCS_OK, or WCS_WARN ("bad syslog date").
 */
int wcs_lu_syslog_date(const struct wcs_lu_reader *r,
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
/*
 * "dd/Mon/yyyy:hh:mm:ss" (the Common Log Format's stamp, as Proxmox and
 * Samba write it) at s: civ filled, a field -1 where not digits (the month
 * 0 where not one: wcs_time_from_civil refuses those); false when len < 20
 * or a separator is not in its place.
 */
bool wcs_lu_clf_stamp(const char *s, size_t len, struct wcs_lu_civil *civ);
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

/*
 * What a Zeek reader needs to read on from the middle of a file (its
 * resume_save, resume_load): the separators, unset and empty markers,
 * path and columns the header set, after tag (the reader's name and a
 * version).  save returns the length (0 when cap is too small); load
 * false for bytes save did not write for this reader.
 */
size_t wcs_zeek_resume_save(
    const struct wcs_zeek *z, const char *tag, unsigned char *buf, size_t cap);
bool wcs_zeek_resume_load(
    struct wcs_zeek *z, const char *tag, const unsigned char *buf, size_t len);
/* defaults: the log's usual #fields line, for files cut without one. */
void wcs_zeek_init(struct wcs_zeek *z, const char *const *want, size_t nwant,
    const char *defaults);
enum wcs_zeek_line wcs_zeek_line(
    struct wcs_zeek *z, const char *s, size_t len, struct wcs_span *vals);
/*
 * What a line a Zeek reader's parse() has just read (rc) is worth to its
 * bid: -1 when the header names another log than path or columns without
 * the reader's (ours false), else "#separator " and a row that parsed.
 */
int wcs_zeek_bid_line(const struct wcs_zeek *z, const char *path, bool ours,
    const char *line, size_t len, int rc);
/*
 * A Zeek transport_proto: "tcp", "udp", "icmp", or "unknown_transport"
 * (IGMP, GRE and the other IP protocols Zeek does not dissect), which
 * leaves *proto 0.  -1 when it is none of these.
 */
int wcs_zeek_proto(struct wcs_span sp);
/* A Zeek time: epoch seconds with a fraction, or ISO 8601 (JSON). */
bool wcs_zeek_time(struct wcs_span sp, int64_t *out);

#endif /* WCSCAN_READERS_PRIVATE_H */
