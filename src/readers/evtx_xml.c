/*
 * Windows event XML: "wevtutil qe /f:xml" output (events with no root),
 * Event Viewer and Get-WinEvent exports (an XML declaration, an <Events>
 * root, <RenderingInfo> inside events), "evtxexport -f xml" output,
 * pastes from the Event Viewer's XML view ("- " before elements).  The
 * io layer has already turned UTF-16 into UTF-8 and dropped any BOM.
 *
 * The stream is split into records by a small scanner, one record per
 * <Event> element from its "<Event" to the matching "</Event>"; text
 * between records (roots, declarations, markers) is not a record.  Each
 * record goes through a freshly reset expat parser on its own, so one
 * damaged event is rejected and the rest of the file still reads, and no
 * document-level construct (DOCTYPE, entity declarations) ever reaches
 * the parser: entities other than the predefined five are errors, and
 * nothing external is ever read.
 *
 * One parser serves two readers: evtx-xml (kind eventlog) and sysmon-xml
 * (kind sysmon); they differ only in how they bid.  What is kept from a
 * record and how it becomes an event is shared with the binary .evtx
 * reader (evtx_map.c), so both give the same events for the same log.
 *
 * expat is used in this file only.  It allocates through the C library,
 * not the context's allocator: its memory suite has no user-data pointer
 * to carry the context with, and a global would be needed otherwise.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <expat.h>

#include "wcscan/pool.h"
#include "evtx_map.h"
#include "readers_private.h"

#define XML_CHUNK (64 * 1024) /* first window asked for */
#define XML_POOL_BLOCK (16 * 1024)

#define SYSMON_PROVIDER "Microsoft-Windows-Sysmon"
#define EVENT_NS "http://schemas.microsoft.com/win/2004/08/events/event"

/* Bids: bits verified (see reader.h). */
#define BID_EVENT 56 /* "<Event" and a delimiter */
#define BID_SYSTEM 64 /* "<System>" */
#define BID_NS (8 * (sizeof(EVENT_NS) - 1)) /* the event namespace */
#define BID_SYSMON (8 * (sizeof(SYSMON_PROVIDER) - 1))
#define BID_EVTX_MAX ((int)(BID_EVENT + BID_SYSTEM + BID_NS))
#define BID_SYSMON_MAX ((int)(BID_EVTX_MAX + BID_SYSMON))

struct xml_reader {
	struct wcs_ctx *ctx;
	struct wcs_input *in;
	struct wcs_pool *pool; /* reset before each record */
	XML_Parser xp;
	size_t line_max;
	size_t chunk;
	uint64_t lineno; /* line of the first unconsumed byte */
	unsigned long salt; /* expat's hash salt, one per input */
	struct wcs_evtx_rec rec; /* what the record yielded (evtx_map.h) */
};

/*
 * Splitting the stream into records.
 */

/* What scan() found. */
enum scan_res {
	SCAN_MORE, /* nothing before *pos; call again from there with more */
	SCAN_START, /* "<Event" start tag at *pos */
	SCAN_END /* "</Event>" ends just before *pos */
};

static bool
starts(const unsigned char *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	return (len >= n && memcmp(p, s, n) == 0);
}

/* The first s[0..n) in p[0..len), or NULL (memmem is not POSIX). */
static const unsigned char *
find(const unsigned char *p, size_t len, const char *s, size_t n)
{
	const unsigned char *q, *end = p + len;

	for (q = p; (size_t)(end - q) >= n &&
		    (q = memchr(q, s[0], (size_t)(end - q) - n + 1)) != NULL;
	     q++) {
		if (memcmp(q, s, n) == 0)
			return (q);
	}
	return (NULL);
}

/* After "<Event": what may follow the name of the element itself. */
static bool
name_ends(unsigned char c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' ||
		c == '/');
}

static bool
is_space(unsigned char c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

/*
 * Look in p[*pos..len) for the next "<Event" start tag or, inside a
 * record, the "</Event>" that ends it.  Comments, CDATA sections and
 * processing instructions are stepped over whole, so an event quoted in
 * one does not split a record.  eof says nothing follows p[len): an
 * unfinished construct then runs to the end instead of asking for more.
 */
static enum scan_res
scan(const unsigned char *p, size_t len, size_t *pos, bool in_record, bool eof)
{
	const unsigned char *q, *e;
	size_t i = *pos, j, rest;

	while (i < len) {
		if ((q = memchr(p + i, '<', len - i)) == NULL) {
			i = len;
			break;
		}
		i = (size_t)(q - p);
		rest = len - i;
		/* Enough to tell "<![CDATA[" from the rest. */
		if (rest < 9 && !eof)
			break;
		if (starts(q, rest, "<Event") && rest > 6 && name_ends(q[6])) {
			*pos = i;
			return (SCAN_START);
		}
		if (in_record && starts(q, rest, "</Event")) {
			for (j = i + 7; j < len && is_space(p[j]); j++)
				;
			if (j == len) {
				if (!eof)
					break;
				i = len;
				break;
			}
			if (p[j] == '>') {
				*pos = j + 1;
				return (SCAN_END);
			}
			i += 2; /* "</EventData>" and the like */
			continue;
		}
		e = NULL;
		if (starts(q, rest, "<!--"))
			e = find(q + 4, rest - 4, "-->", 3);
		else if (starts(q, rest, "<![CDATA["))
			e = find(q + 9, rest - 9, "]]>", 3);
		else if (starts(q, rest, "<?"))
			e = find(q + 2, rest - 2, "?>", 2);
		else {
			i++;
			continue;
		}
		if (e == NULL) {
			if (!eof)
				break;
			i = len;
			break;
		}
		i = (size_t)(e - p) + 2;
	}
	*pos = i;
	return (SCAN_MORE);
}

/* Consume n bytes of the window p, counting the lines they end. */
static void
advance(struct xml_reader *r, const unsigned char *p, size_t n)
{
	const unsigned char *q = p, *end = p + n;

	while (q < end && (q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		r->lineno++;
		q++;
	}
	wcs_input_consume(r->in, n);
}

static size_t
grow(const struct xml_reader *r, size_t want)
{
	return (want > r->line_max / 2 ? r->line_max + 1 : want * 2);
}

/*
 * Move to the next "<Event" start tag, consuming the text before it.
 * Returns WCS_OK (the window starts with the tag), WCS_EOF or WCS_FAILED.
 */
static int
find_start(struct xml_reader *r)
{
	const unsigned char *p;
	size_t want = r->chunk, avail, pos;
	bool eof;

	for (;;) {
		if (wcs_input_fill(r->in, want, &p, &avail) != WCS_OK)
			return (WCS_FAILED);
		eof = avail < want;
		pos = 0;
		if (scan(p, avail, &pos, false, eof) == SCAN_START) {
			advance(r, p, pos);
			return (WCS_OK);
		}
		if (pos == avail) {
			/* At the end, fill again: it tells a read error. */
			if (avail == 0)
				return (WCS_EOF);
			advance(r, p, avail);
			want = r->chunk;
		} else if (pos > 0) {
			advance(r, p, pos);
			want = r->chunk;
		} else if (want > r->line_max) {
			/* A comment longer than the cap: read on as text. */
			advance(r, p, 1);
			want = r->chunk;
		} else
			want = grow(r, want);
	}
}

/*
 * The start tag of the record at p[0]: its length when it closes itself
 * ("<Event/>"), 0 when it does not or cannot be told yet.
 */
static size_t
self_closing(const unsigned char *p, size_t len)
{
	unsigned char quote = 0;
	size_t i;

	for (i = 6; i < len; i++) {
		if (quote != 0) {
			if (p[i] == quote)
				quote = 0;
		} else if (p[i] == '"' || p[i] == '\'')
			quote = p[i];
		else if (p[i] == '<')
			return (0); /* broken: expat will say so */
		else if (p[i] == '>')
			return (p[i - 1] == '/' ? i + 1 : 0);
	}
	return (0);
}

/*
 * An over-long record: consume it up to its "</Event>" or the next
 * "<Event", whichever comes first; pos bytes of the window were scanned.
 */
static int
skip_overlong(struct xml_reader *r, const unsigned char *p, size_t pos)
{
	size_t want = r->chunk, avail;
	enum scan_res res;
	bool eof;

	for (;;) {
		advance(r, p, pos);
		if (wcs_input_fill(r->in, want, &p, &avail) != WCS_OK)
			return (WCS_FAILED);
		eof = avail < want;
		pos = 0;
		res = scan(p, avail, &pos, true, eof);
		if (res != SCAN_MORE || eof) {
			advance(r, p, pos);
			break;
		}
		if (pos > 0)
			want = r->chunk;
		else if (want > r->line_max)
			pos = 1;
		else
			want = grow(r, want);
	}
	wcs_set_error(r->ctx, WCS_EOVERLONG,
	    "event longer than %zu bytes, skipped", r->line_max);
	return (WCS_WARN);
}

/*
 * The record at the start of the window, from "<Event" to its "</Event>".
 * Returns WCS_OK with the record in p[0..len) (still unconsumed),
 * WCS_WARN when it was rejected (already consumed, reason in ctx), or
 * WCS_FAILED.
 */
static int
find_end(struct xml_reader *r, const unsigned char **pp, size_t *lenp)
{
	const unsigned char *p;
	size_t want, avail, pos = 1, n;
	enum scan_res res;
	uint64_t line = r->lineno;
	bool eof;

	want = r->chunk;
	for (;;) {
		if (wcs_input_fill(r->in, want, &p, &avail) != WCS_OK)
			return (WCS_FAILED);
		eof = avail < want;
		if ((n = self_closing(p, avail)) != 0 && n <= r->line_max) {
			*pp = p;
			*lenp = n;
			return (WCS_OK);
		}
		res = scan(p, avail, &pos, true, eof);
		if (res != SCAN_MORE && pos > r->line_max) {
			advance(r, p, pos);
			wcs_set_error(r->ctx, WCS_EOVERLONG,
			    "event longer than %zu bytes, skipped",
			    r->line_max);
			return (WCS_WARN);
		}
		if (res == SCAN_END) {
			*pp = p;
			*lenp = pos;
			return (WCS_OK);
		}
		if (res == SCAN_START) {
			advance(r, p, pos);
			wcs_set_error(r->ctx, WCS_EPARSE,
			    "<Event> of line %llu not closed before the next "
			    "<Event> (line %llu)",
			    (unsigned long long)line,
			    (unsigned long long)r->lineno);
			return (WCS_WARN);
		}
		if (eof) {
			advance(r, p, avail);
			wcs_set_error(r->ctx, WCS_EPARSE,
			    "<Event> not closed at the end of the input");
			return (WCS_WARN);
		}
		if (avail > r->line_max)
			return (skip_overlong(r, p, pos));
		want = grow(r, avail > want ? avail : want);
	}
}

/*
 * The expat handlers hand what they meet to the shared collector
 * (evtx_map.h); when it finds the record unacceptable the parser stops.
 */

static void
xml_stop(struct xml_reader *r, const char *why)
{
	if (r->rec.why == NULL)
		r->rec.why = why;
	(void)XML_StopParser(r->xp, XML_FALSE);
}

static void XMLCALL
xml_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml_reader *r = ud;

	if (r->rec.why != NULL)
		return;
	if (wcs_evtx_start(&r->rec, name, (const char *const *)atts) != WCS_OK)
		xml_stop(r, r->rec.why);
}

static void XMLCALL
xml_text(void *ud, const XML_Char *s, int len)
{
	struct xml_reader *r = ud;

	if (r->rec.why != NULL || len <= 0)
		return;
	if (wcs_evtx_text(&r->rec, s, (size_t)len) != WCS_OK)
		xml_stop(r, r->rec.why);
}

static void XMLCALL
xml_end(void *ud, const XML_Char *name)
{
	struct xml_reader *r = ud;

	(void)name;
	if (r->rec.why != NULL)
		return;
	if (wcs_evtx_end(&r->rec) != WCS_OK)
		xml_stop(r, r->rec.why);
}

static void XMLCALL
xml_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	xml_stop(ud, "DOCTYPE not allowed in an event");
}

static void XMLCALL
xml_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
    int value_len, const XML_Char *base, const XML_Char *sysid,
    const XML_Char *pubid, const XML_Char *notation)
{
	(void)name, (void)is_param, (void)value, (void)value_len, (void)base;
	(void)sysid, (void)pubid, (void)notation;
	xml_stop(ud, "entity declaration not allowed in an event");
}

/*
 * Parse p[0..len), the record starting at line `line`, into r->rec.
 * Returns WCS_OK, WCS_WARN (reason in ctx) or WCS_FATAL.
 */
static int
parse_record(
    struct xml_reader *r, const unsigned char *p, size_t len, uint64_t line)
{
	XML_Parser xp = r->xp;
	enum XML_Status st = XML_STATUS_OK;
	enum XML_Error code;
	XML_Index at;
	size_t off = 0, n;
	const char *why;

	wcs_evtx_rec_reset(&r->rec);
	if (!XML_ParserReset(xp, "UTF-8")) {
		wcs_set_error(r->ctx, ENOMEM, "cannot reset the XML parser");
		return (WCS_FATAL);
	}
	(void)XML_SetHashSalt(xp, r->salt);
	XML_SetUserData(xp, r);
	XML_SetElementHandler(xp, xml_start, xml_end);
	XML_SetCharacterDataHandler(xp, xml_text);
	XML_SetStartDoctypeDeclHandler(xp, xml_doctype);
	XML_SetEntityDeclHandler(xp, xml_entity);
	/* No external DTD or parameter entity is ever read. */
	(void)XML_SetParamEntityParsing(xp, XML_PARAM_ENTITY_PARSING_NEVER);
	do {
		n = len - off > INT_MAX ? INT_MAX : len - off;
		st = XML_Parse(
		    xp, (const char *)p + off, (int)n, off + n == len);
		off += n;
	} while (st == XML_STATUS_OK && off < len);
	if (st == XML_STATUS_OK)
		return (WCS_OK);
	code = XML_GetErrorCode(xp);
	if (r->rec.oom || code == XML_ERROR_NO_MEMORY) {
		wcs_set_error(r->ctx, ENOMEM, "out of memory parsing an event");
		return (WCS_FATAL);
	}
	why = r->rec.why;
	if (why == NULL) {
		why = XML_ErrorString(code);
		at = XML_GetCurrentByteIndex(xp);
		/*
		 * Inside an element a DOCTYPE is a syntax error: name it.
		 * expat points just past its "<!".
		 */
		if (at >= 2 && (size_t)at <= len &&
		    (starts(p + at - 2, len - (size_t)at + 2, "<!DOCTYPE") ||
			starts(p + at - 2, len - (size_t)at + 2, "<!ENTITY")))
			why = "DOCTYPE or entity declaration not allowed in an "
			      "event";
	}
	wcs_set_error(r->ctx, WCS_EPARSE,
	    "bad event XML at line %llu, "
	    "column %lu: %s",
	    (unsigned long long)(line + XML_GetCurrentLineNumber(xp) - 1),
	    (unsigned long)XML_GetCurrentColumnNumber(xp) + 1, why);
	return (WCS_WARN);
}

/*
 * The reader.
 */

/*
 * A hash salt for expat, unpredictable from outside (clocks to the
 * nanosecond, addresses under ASLR), mixed by splitmix64's finalizer.
 * Left to itself expat asks the kernel for a fresh salt at every reset,
 * one system call per event and a sixth of the reading time; one salt
 * per input still keeps crafted attribute names from colliding.
 */
static unsigned long
xml_salt(const void *addr)
{
	struct timespec rt, mono;
	uint64_t x;

	(void)clock_gettime(CLOCK_REALTIME, &rt);
	(void)clock_gettime(CLOCK_MONOTONIC, &mono);
	x = (uint64_t)rt.tv_nsec ^ ((uint64_t)rt.tv_sec << 30) ^
	    ((uint64_t)mono.tv_nsec << 7) ^ (uint64_t)(uintptr_t)addr ^
	    ((uint64_t)(uintptr_t)&x << 17);
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return ((unsigned long)x | 1); /* 0 would mean "make one up" */
}

static int
xml_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	struct xml_reader *r;

	(void)opts;
	*state = NULL;
	if ((r = wcs_calloc(ctx, 1, sizeof(*r))) == NULL)
		return (WCS_FATAL);
	r->ctx = ctx;
	r->in = in;
	r->lineno = 1;
	r->salt = xml_salt(r);
	r->line_max = wcs_input_line_max(in);
	r->chunk = XML_CHUNK < r->line_max ? XML_CHUNK : r->line_max;
	if (r->chunk < 16)
		r->chunk = 16;
	if ((r->pool = wcs_pool_new(ctx, XML_POOL_BLOCK)) == NULL)
		goto out_free_r;
	wcs_evtx_rec_init(&r->rec, ctx, r->pool);
	if ((r->xp = XML_ParserCreate("UTF-8")) == NULL) {
		wcs_set_error(ctx, ENOMEM, "cannot create an XML parser");
		goto out_free_pool;
	}
	*state = r;
	return (WCS_OK);
out_free_pool:
	wcs_pool_free(r->pool);
out_free_r:
	wcs_free(ctx, r);
	return (WCS_FATAL);
}

static int
xml_next(struct wcs_ctx *ctx, void *state, struct wcs_event *ev)
{
	struct xml_reader *r = state;
	const unsigned char *p;
	size_t len;
	int rc;

	(void)ctx;
	wcs_pool_reset(r->pool);
	if ((rc = find_start(r)) != WCS_OK)
		return (rc);
	ev->line = r->lineno;
	ev->offset = wcs_input_offset(r->in);
	if ((rc = find_end(r, &p, &len)) != WCS_OK)
		return (rc);
	rc = parse_record(r, p, len, ev->line);
	advance(r, p, len);
	if (rc != WCS_OK)
		return (rc);
	return (wcs_evtx_map(&r->rec, ev));
}

static void
xml_close(void *state)
{
	struct xml_reader *r = state;

	if (r == NULL)
		return;
	if (r->xp != NULL)
		XML_ParserFree(r->xp);
	wcs_pool_free(r->pool);
	wcs_evtx_rec_fini(&r->rec);
	wcs_free(r->ctx, r);
}

/*
 * Bidding.
 */

/*
 * Bits verified for event XML: the input must open with nothing but what
 * such files carry before their first event (white space, the viewer's
 * "-" markers, an XML declaration, comments, an <Events> root) and then
 * "<Event".  Other logs that merely mention "<Event" are not claimed.
 * *sysmon says whether a Provider Name is Sysmon's.
 */
static int
xml_bid_bits(const unsigned char *p, size_t len, bool *sysmon)
{
	const unsigned char *q, *e;
	size_t i = 0, n = sizeof(SYSMON_PROVIDER) - 1, j, skip;
	int bits;

	*sysmon = false;
	for (;;) {
		while (i < len && (is_space(p[i]) || p[i] == '-'))
			i++;
		if (i == len)
			return (0);
		q = p + i;
		if (starts(q, len - i, "<Event") && len - i > 6 &&
		    name_ends(q[6]))
			break;
		if (starts(q, len - i, "<?")) {
			e = find(q, len - i, "?>", 2);
			skip = 2;
		} else if (starts(q, len - i, "<!--")) {
			e = find(q + 4, len - i - 4, "-->", 3);
			skip = 3;
		} else if (starts(q, len - i, "<Events") && len - i > 7 &&
			   name_ends(q[7])) {
			e = memchr(q, '>', len - i);
			skip = 1;
		} else
			return (0);
		if (e == NULL)
			return (0);
		i = (size_t)(e - p) + skip;
	}
	bits = BID_EVENT;
	p += i;
	len -= i;
	if (find(p, len, "<System>", 8) != NULL)
		bits += BID_SYSTEM;
	if (find(p, len, EVENT_NS, sizeof(EVENT_NS) - 1) != NULL)
		bits += (int)BID_NS;
	/* Name="Microsoft-Windows-Sysmon", in either quotes. */
	for (q = p;
	     (q = find(q, len - (size_t)(q - p), SYSMON_PROVIDER, n)) != NULL;
	     q += n) {
		j = (size_t)(q - p);
		if (j < 6 || j + n >= len || (q[-1] != '"' && q[-1] != '\'') ||
		    q[n] != q[-1] || memcmp(q - 6, "Name=", 5) != 0)
			continue;
		*sysmon = true;
		break;
	}
	return (bits);
}

static int
evtx_bid(const unsigned char *p, size_t len, int best_bid)
{
	bool sysmon;

	if (best_bid >= BID_EVTX_MAX)
		return (-1);
	return (xml_bid_bits(p, len, &sysmon));
}

/*
 * Sysmon outbids the generic reader when the peek shows its provider; on
 * other event XML it stays one below, so it still reads such a file when
 * only Sysmon inputs are asked for.
 */
static int
sysmon_bid(const unsigned char *p, size_t len, int best_bid)
{
	bool sysmon;
	int bits;

	if (best_bid >= BID_SYSMON_MAX)
		return (-1);
	if ((bits = xml_bid_bits(p, len, &sysmon)) == 0)
		return (0);
	return (sysmon ? bits + (int)BID_SYSMON : bits - 1);
}

const struct wcs_reader_ops wcs_reader_evtx_xml = { "evtx-xml",
	"Windows event XML (wevtutil, Event Viewer, evtxexport)",
	WCS_KIND_EVENTLOG, 0, evtx_bid, xml_open, xml_next, xml_close };
const struct wcs_reader_ops wcs_reader_sysmon_xml = { "sysmon-xml",
	"Sysmon event XML (Microsoft-Windows-Sysmon/Operational)",
	WCS_KIND_SYSMON, 0, sysmon_bid, xml_open, xml_next, xml_close };
