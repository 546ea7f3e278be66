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
 * record is read on its own, so one damaged event is rejected and the
 * rest of the file still reads, and no document-level construct (DOCTYPE,
 * entity declarations) ever reaches the parser: entities other than the
 * predefined five are errors, and nothing external is ever read.  Plain
 * records are read by a small parser of our own (the fast path below),
 * which hands anything else, and anything wrong, to a freshly reset expat
 * parser: the result is always what expat alone would give.
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
#define EVTXEXPORT_BANNER "evtxexport " /* then its version, a blank line */

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
	char *scratch; /* the fast path's attributes (ctx's allocator) */
	size_t scap;
	unsigned char *fix; /* a repaired copy of the record (repair()) */
	size_t fixcap;
	uint32_t fixed; /* characters the last record had repaired */
	uint8_t log_state; /* WCS_LOG_CUT once the input ends in a record */
	struct wcs_held_note note; /* on the last record: Data not kept */
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
			r->log_state |= WCS_LOG_CUT;
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
 * The fast path.  Nearly every record is plain XML: elements, attributes,
 * text, the five predefined entities.  fast_record() reads such a record
 * itself and tells the collector what it meets exactly as the expat
 * handlers below would; at anything else it gives up, and the record is
 * then parsed by expat from its start.  It accepts a subset of what expat
 * accepts (ASCII names, no character references, no processing
 * instructions, no tab, CR or LF in attribute values, no element named
 * Event inside the record, at most FX_MAX_ATTS attributes) and, on that
 * subset, reports the same elements, attributes and character data:
 * line ends in text become "\n" as expat makes them; entities are
 * replaced; CDATA sections are text.  Anything malformed makes it give up
 * rather than decide, so a record is rejected, and with what message,
 * only ever by expat or the collector under expat.  It saves expat's
 * per-record reset and its tokenizer's indirections: on bench-gen.py's
 * event XML, a third of the instructions the reader used to take, fewer
 * than xmlwf takes only to check the file.
 */

#define FX_MAX_ATTS 16 /* attributes of one element; more: expat */
#define FX_NAME_MAX 127 /* name length; longer: expat */

/*
 * fx_class[c]: FX_TEXT when c may not sit in a run of text as it is,
 * FX_VALUE when not in an attribute value (nor may either quote).
 */
#define FX_TEXT 1
#define FX_VALUE 2
static const unsigned char fx_class[256] = {
	3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 3, 3, 3, 3, 3, /* 0x00 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0x10 */
	0, 0, 2, 0, 0, 0, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 " & ' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, /* 0x30 < */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, /* 0x50 ] */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, /* 0x70 DEL */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0x80 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0x90 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xa0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xb0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xc0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xd0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xe0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xf0 */
};

/* fx_name[c]: FX_CHAR when c may be in a name, FX_FIRST to start one. */
#define FX_CHAR 1
#define FX_FIRST 2
static const unsigned char fx_name[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, /* 0x20 - . */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, /* 0x30 0-9 : */
	0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0x40 A-O */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 3, /* 0x50 P-Z _ */
	0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0x60 a-o */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0, /* 0x70 p-z */
};

/* An element's start tag as fx_tag() found it. */
struct fx_tag {
	const unsigned char *name;
	size_t nlen;
	unsigned natts;
	struct fx_attr {
		const unsigned char *name, *val; /* val: as written */
		size_t nlen, vlen;
		bool ref; /* val has entity references */
	} atts[FX_MAX_ATTS];
};

/*
 * The length of the character at p[0] (not ASCII) when it is valid UTF-8
 * and an XML character, as expat checks it; 0 otherwise.
 */
static size_t
fx_utf8(const unsigned char *p, size_t len)
{
	unsigned char c = p[0];

	if (c >= 0xc2 && c <= 0xdf)
		return (len >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0);
	if (c >= 0xe0 && c <= 0xef) {
		if (len < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return (0);
		if ((c == 0xe0 && p[1] < 0xa0) || /* overlong */
		    (c == 0xed && p[1] >= 0xa0) || /* surrogate */
		    (c == 0xef && p[1] == 0xbf && p[2] >= 0xbe)) /* FFFE/F */
			return (0);
		return (3);
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (len < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return (0);
		if ((c == 0xf0 && p[1] < 0x90) || /* overlong */
		    (c == 0xf4 && p[1] >= 0x90)) /* past U+10FFFF */
			return (0);
		return (4);
	}
	return (0);
}

/*
 * The predefined entity at p[0] == '&': the character it stands for, its
 * length in *n; 0 for anything else.
 */
static char
fx_entity(const unsigned char *p, size_t len, size_t *n)
{
	static const struct {
		const char *ref;
		size_t len;
		char c;
	} ents[] = { { "&lt;", 4, '<' }, { "&gt;", 4, '>' },
		{ "&amp;", 5, '&' }, { "&quot;", 6, '"' },
		{ "&apos;", 6, '\'' } };
	size_t i;

	*n = 1;
	for (i = 0; i < WCS_NELEM(ents); i++) {
		if (len >= ents[i].len &&
		    memcmp(p, ents[i].ref, ents[i].len) == 0) {
			*n = ents[i].len;
			return (ents[i].c);
		}
	}
	return (0);
}

static size_t
fx_skip_space(const unsigned char *p, size_t len, size_t i)
{
	while (i < len && is_space(p[i]))
		i++;
	return (i);
}

/* The name at p[i], its end in *end; false when there is none. */
static bool
fx_name_at(const unsigned char *p, size_t len, size_t i, size_t *end)
{
	if (i >= len || (fx_name[p[i]] & FX_FIRST) == 0)
		return (false);
	while (++i < len && (fx_name[p[i]] & FX_CHAR) != 0)
		;
	*end = i;
	return (true);
}

/*
 * An attribute value: p[*pos] is just past its opening quote q.  Moves
 * *pos to the closing quote.  False when expat might read it otherwise.
 */
static bool
fx_value(const unsigned char *p, size_t len, size_t *pos, unsigned char q,
    struct fx_attr *a)
{
	size_t i = *pos, n;
	unsigned char c;

	a->val = p + i;
	a->ref = false;
	for (;;) {
		while (i < len && (fx_class[p[i]] & FX_VALUE) == 0)
			i++;
		if (i >= len)
			return (false);
		if ((c = p[i]) == q)
			break;
		else if (c == '"' || c == '\'')
			i++;
		else if (c == '&' && fx_entity(p + i, len - i, &n) != 0) {
			a->ref = true;
			i += n;
		} else if (c >= 0x80 && (n = fx_utf8(p + i, len - i)) != 0)
			i += n;
		else
			return (false); /* '<', other references, controls */
	}
	a->vlen = (size_t)(p + i - a->val);
	*pos = i;
	return (true);
}

/*
 * The start tag at p[*pos] == '<'.  Returns 1 for "<name ...>", 2 for
 * "<name .../>" and 0 to give up; *pos is moved past the tag.
 */
static int
fx_tag(const unsigned char *p, size_t len, size_t *pos, struct fx_tag *t)
{
	struct fx_attr *a;
	size_t i = *pos + 1, k, end;
	unsigned j;

	if (!fx_name_at(p, len, i, &end))
		return (0);
	t->name = p + i;
	t->nlen = end - i;
	t->natts = 0;
	for (i = end;;) {
		k = i;
		if ((i = fx_skip_space(p, len, i)) >= len)
			return (0);
		if (p[i] == '>') {
			*pos = i + 1;
			return (1);
		}
		if (p[i] == '/') {
			if (i + 1 >= len || p[i + 1] != '>')
				return (0);
			*pos = i + 2;
			return (2);
		}
		/* Attributes are set apart by white space. */
		if (i == k || t->natts == FX_MAX_ATTS ||
		    !fx_name_at(p, len, i, &end))
			return (0);
		a = &t->atts[t->natts];
		a->name = p + i;
		a->nlen = end - i;
		i = fx_skip_space(p, len, end);
		if (i >= len || p[i] != '=')
			return (0);
		i = fx_skip_space(p, len, i + 1);
		if (i >= len || (p[i] != '"' && p[i] != '\''))
			return (0);
		i++;
		if (!fx_value(p, len, &i, p[i - 1], a))
			return (0);
		i++;
		for (j = 0; j < t->natts; j++) {
			if (t->atts[j].nlen == a->nlen &&
			    memcmp(t->atts[j].name, a->name, a->nlen) == 0)
				return (0); /* expat: duplicate attribute */
		}
		t->natts++;
	}
}

/* Room for n bytes in r->scratch. */
static bool
fx_room(struct xml_reader *r, size_t n)
{
	char *s;

	if (r->scap >= n)
		return (true);
	if ((s = wcs_reallocarray(r->ctx, r->scratch, n, 2)) == NULL)
		return (false);
	r->scratch = s;
	r->scap = n * 2;
	return (true);
}

/*
 * Start the element whose tag is t in the collector.  Attributes are
 * handed over, with entities replaced, only where the collector can use
 * them (evtx_map.h).  Returns false to give up.
 */
static bool
fx_start(struct xml_reader *r, const struct fx_tag *t)
{
	const char *atts[2 * FX_MAX_ATTS + 1];
	char name[FX_NAME_MAX + 1], *s;
	const struct fx_attr *a;
	const unsigned char *v, *ve;
	size_t need = 0, n;
	unsigned i, k = 0;

	if (t->nlen > FX_NAME_MAX)
		return (false);
	memcpy(name, t->name, t->nlen);
	name[t->nlen] = '\0';
	if (t->natts > 0 && wcs_evtx_wants_attrs(&r->rec)) {
		for (i = 0; i < t->natts; i++)
			need += t->atts[i].nlen + t->atts[i].vlen + 2;
		if (!fx_room(r, need)) {
			r->rec.oom = true;
			return (false);
		}
		s = r->scratch;
		for (i = 0; i < t->natts; i++) {
			a = &t->atts[i];
			atts[k++] = s;
			memcpy(s, a->name, a->nlen);
			s += a->nlen;
			*s++ = '\0';
			atts[k++] = s;
			if (!a->ref) {
				memcpy(s, a->val, a->vlen);
				s += a->vlen;
			} else {
				for (v = a->val, ve = v + a->vlen; v < ve;) {
					if (*v == '&')
						*s++ = fx_entity(
						    v, (size_t)(ve - v), &n);
					else {
						*s++ = (char)*v;
						n = 1;
					}
					v += n;
				}
			}
			*s++ = '\0';
		}
	}
	atts[k] = NULL;
	return (wcs_evtx_start(&r->rec, name, atts) == WCS_OK);
}

/*
 * Text of a CDATA section or comment p[0..len): whether expat takes its
 * characters; handed to the collector when emit is set, with its line
 * ends made "\n".
 */
static bool
fx_chars(
    struct wcs_evtx_rec *rec, const unsigned char *p, size_t len, bool emit)
{
	size_t i = 0, start = 0, n;

	while (i < len) {
		if (p[i] >= 0x80) {
			if ((n = fx_utf8(p + i, len - i)) == 0)
				return (false);
			i += n;
		} else if (p[i] == '\r') {
			if (emit && (wcs_evtx_text(rec, (const char *)p + start,
					 i - start) != WCS_OK ||
					wcs_evtx_text(rec, "\n", 1) != WCS_OK))
				return (false);
			if (++i < len && p[i] == '\n')
				i++;
			start = i;
		} else if ((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\t' ||
			   p[i] == '\n')
			i++;
		else
			return (false);
	}
	return (!emit || wcs_evtx_text(rec, (const char *)p + start,
			     i - start) == WCS_OK);
}

/*
 * "<!--" or "<![CDATA[" at p[*pos]: moves *pos past it.  Returns false to
 * give up.
 */
static bool
fx_markup(struct wcs_evtx_rec *rec, const unsigned char *p, size_t len,
    size_t *pos, bool want)
{
	const unsigned char *q = p + *pos, *e;
	size_t rest = len - *pos;

	if (starts(q, rest, "<!--")) {
		/* "--" may only end a comment. */
		if ((e = find(q + 4, rest - 4, "--", 2)) == NULL ||
		    (size_t)(e - p) + 2 >= len || e[2] != '>' ||
		    !fx_chars(rec, q + 4, (size_t)(e - q) - 4, false))
			return (false);
		*pos = (size_t)(e - p) + 3;
		return (true);
	}
	if (starts(q, rest, "<![CDATA[")) {
		if ((e = find(q + 9, rest - 9, "]]>", 3)) == NULL ||
		    !fx_chars(rec, q + 9, (size_t)(e - q) - 9, want))
			return (false);
		*pos = (size_t)(e - p) + 3;
		return (true);
	}
	return (false);
}

/*
 * Read the record p[0..len) (from "<Event" on) into r->rec as expat would.
 * Returns true when it did; false to have expat parse the record instead.
 */
static bool
fast_record(struct xml_reader *r, const unsigned char *p, size_t len)
{
	struct wcs_evtx_rec *rec = &r->rec;
	struct fx_tag t;
	struct {
		const unsigned char *name;
		size_t nlen;
	} open[WCS_EVTX_MAX_DEPTH];
	size_t i = 0, start, n, depth = 0;
	bool want;
	char c;
	int kind;

	for (;;) {
		/* A start tag at p[i]. */
		if ((kind = fx_tag(p, len, &i, &t)) == 0 ||
		    depth == WCS_EVTX_MAX_DEPTH ||
		    /* The splitter would have cut the record there. */
		    (depth > 0 && t.nlen == 5 &&
			memcmp(t.name, "Event", 5) == 0) ||
		    !fx_start(r, &t))
			return (false);
		if (kind == 2) {
			if (wcs_evtx_end(rec) != WCS_OK)
				return (false);
			if (depth == 0)
				return (i == len);
		} else {
			open[depth].name = t.name;
			open[depth].nlen = t.nlen;
			depth++;
		}
		want = wcs_evtx_wants_text(rec);
		/* Content up to the next start tag. */
		for (;;) {
			start = i;
			for (;;) {
				while (
				    i < len && (fx_class[p[i]] & FX_TEXT) == 0)
					i++;
				if (i >= len)
					break;
				if (p[i] >= 0x80) {
					if ((n = fx_utf8(p + i, len - i)) == 0)
						return (false);
					i += n;
				} else if (p[i] == ']' && len - i > 2 &&
					   (p[i + 1] != ']' || p[i + 2] != '>'))
					i++;
				else
					break;
			}
			if (want && i > start &&
			    wcs_evtx_text(rec, (const char *)p + start,
				i - start) != WCS_OK)
				return (false);
			if (len - i < 2)
				return (false);
			if (p[i] == '&') {
				if ((c = fx_entity(p + i, len - i, &n)) == 0 ||
				    (want &&
					wcs_evtx_text(rec, &c, 1) != WCS_OK))
					return (false);
				i += n;
			} else if (p[i] == '\r') {
				if (want &&
				    wcs_evtx_text(rec, "\n", 1) != WCS_OK)
					return (false);
				if (p[++i] == '\n')
					i++;
			} else if (p[i] != '<')
				return (false);
			else if (p[i + 1] == '/') {
				/* The end tag of the innermost element. */
				depth--;
				n = open[depth].nlen;
				if (len - i - 2 < n ||
				    memcmp(p + i + 2, open[depth].name, n) != 0)
					return (false);
				i = fx_skip_space(p, len, i + 2 + n);
				if (i >= len || p[i] != '>' ||
				    wcs_evtx_end(rec) != WCS_OK)
					return (false);
				i++;
				if (depth == 0)
					return (i == len);
				want = wcs_evtx_wants_text(rec);
			} else if (p[i + 1] == '!') {
				if (!fx_markup(rec, p, len, &i, want))
					return (false);
			} else if (p[i + 1] == '?')
				return (false);
			else
				break;
		}
	}
}

/*
 * Repairs.  A character XML 1.0 forbids (a control character other than
 * tab, CR and LF, U+FFFE or U+FFFF, a surrogate), a byte that is not
 * valid UTF-8, or a character reference to any of these makes expat
 * reject the whole record; real exports carry them (Get-WinEvent's ToXml
 * writes a value's control characters as they are), and whoever controls
 * a command line can put one there to hide the record.  So a record the
 * fast path gave up on is looked over once more, and each such byte or
 * reference becomes U+FFFD; the copy is then parsed in its place.  Markup
 * is left alone: a record broken in its structure is still rejected.
 */

#define FFFD "\xef\xbf\xbd"

/* Whether code point v may appear in an XML 1.0 document. */
static bool
xml_char(uint32_t v)
{
	return (v == 0x9 || v == 0xa || v == 0xd ||
		(v >= 0x20 && v <= 0xd7ff) || (v >= 0xe000 && v <= 0xfffd) ||
		(v >= 0x10000 && v <= 0x10ffff));
}

/*
 * A character reference at p[0] == '&' to a character XML forbids: its
 * length; 0 when it is none or names an allowed character.
 */
static size_t
bad_charref(const unsigned char *p, size_t len)
{
	uint32_t v = 0;
	unsigned base = 10, d, ndig = 0;
	size_t i = 2;

	if (len < 4 || p[1] != '#')
		return (0);
	if (p[2] == 'x') {
		base = 16;
		i++;
	}
	for (; i < len && p[i] != ';'; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = (unsigned)(p[i] - '0');
		else if (base == 16 && p[i] >= 'a' && p[i] <= 'f')
			d = (unsigned)(p[i] - 'a' + 10);
		else if (base == 16 && p[i] >= 'A' && p[i] <= 'F')
			d = (unsigned)(p[i] - 'A' + 10);
		else
			return (0);
		/* Leading zeros aside, past 0x10ffff is forbidden anyway. */
		if (v > 0x10ffff)
			v = 0x110000;
		else
			v = v * base + d;
		ndig++;
	}
	if (i == len || ndig == 0 || xml_char(v))
		return (0);
	return (i + 1);
}

/*
 * Into r->fix, p[0..len) with every forbidden character or byte replaced
 * by U+FFFD (see above); r->fixed counts them.  Returns WCS_OK (nothing to
 * repair when r->fixed is 0) or WCS_FATAL.
 */
static int
repair(struct xml_reader *r, const unsigned char *p, size_t len, size_t *out)
{
	unsigned char *o;
	size_t i, n, need;

	r->fixed = 0;
	for (i = 0; i < len; i += n) {
		n = 1;
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
			break;
		if (p[i] >= 0x80 && (n = fx_utf8(p + i, len - i)) == 0)
			break;
		if (p[i] == '&' && bad_charref(p + i, len - i) != 0)
			break;
	}
	if (i == len)
		return (WCS_OK);
	/* At worst every byte becomes three. */
	if (len > (SIZE_MAX - 1) / 3)
		return (WCS_FATAL);
	need = len * 3;
	if (r->fixcap < need) {
		wcs_free(r->ctx, r->fix);
		r->fixcap = 0;
		if ((r->fix = wcs_malloc(r->ctx, need)) == NULL)
			return (WCS_FATAL);
		r->fixcap = need;
	}
	memcpy(r->fix, p, i);
	o = r->fix + i;
	for (; i < len; i += n) {
		if (p[i] >= 0x80)
			n = fx_utf8(p + i, len - i);
		else if (p[i] == '&')
			n = bad_charref(p + i, len - i) == 0 ? 1 : 0;
		else
			n = p[i] >= 0x20 || p[i] == '\t' || p[i] == '\n' ||
			    p[i] == '\r';
		if (n > 0) {
			memcpy(o, p + i, n);
			o += n;
			continue;
		}
		/* A byte, or a whole reference, becomes U+FFFD. */
		if (p[i] == '&')
			n = bad_charref(p + i, len - i);
		else
			n = 1;
		memcpy(o, FFFD, 3);
		o += 3;
		if (r->fixed < UINT32_MAX)
			r->fixed++;
	}
	*out = (size_t)(o - r->fix);
	return (WCS_OK);
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

	r->fixed = 0;
	wcs_evtx_rec_reset(&r->rec);
	if (fast_record(r, p, len))
		return (WCS_OK);
	if (r->rec.oom)
		goto out_oom;
	if (repair(r, p, len, &n) != WCS_OK)
		goto out_oom;
	if (r->fixed > 0) {
		p = r->fix;
		len = n;
		wcs_evtx_rec_reset(&r->rec);
		if (fast_record(r, p, len))
			return (WCS_OK);
		if (r->rec.oom)
			goto out_oom;
	}
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
	if (r->rec.oom || code == XML_ERROR_NO_MEMORY)
		goto out_oom;
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
out_oom:
	wcs_set_error(r->ctx, ENOMEM, "out of memory parsing an event");
	return (WCS_FATAL);
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
	if ((rc = wcs_held_note_give(r->ctx, &r->note, ev)) != WCS_OK)
		return (rc);
	wcs_pool_reset(r->pool);
	if ((rc = find_start(r)) != WCS_OK)
		return (rc);
	ev->line = r->lineno;
	ev->offset = wcs_input_offset(r->in);
	rc = find_end(r, &p, &len);
	/* A file cut inside its last record is a note, besides the reject. */
	ev->log_state = r->log_state;
	if (rc != WCS_OK)
		return (rc);
	rc = parse_record(r, p, len, ev->line);
	advance(r, p, len);
	if (rc != WCS_OK)
		return (rc);
	rc = wcs_evtx_map(&r->rec, ev);
	/* Repairs count where they let a record be read. */
	if (rc == WCS_OK || rc == WCS_SKIP)
		ev->repaired = r->fixed;
	if ((rc == WCS_OK || rc == WCS_SKIP) &&
	    wcs_evtx_dropped_note(&r->rec, r->note.text, sizeof(r->note.text)))
		wcs_held_note_hold(&r->note, ev);
	return (rc);
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
	wcs_free(r->ctx, r->scratch);
	wcs_free(r->ctx, r->fix);
	wcs_free(r->ctx, r);
}

/*
 * Bidding.
 */

/*
 * Bits verified for event XML: the input must open with nothing but what
 * such files carry before their first event (evtxexport's banner line,
 * white space, the viewer's "-" markers, an XML declaration, comments, an
 * <Events> root) and then
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
	/* evtxexport (libevtx) writes its name and version first. */
	if (starts(p, len, EVTXEXPORT_BANNER)) {
		if ((e = memchr(p, '\n', len)) == NULL)
			return (0);
		i = (size_t)(e - p) + 1;
	}
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

const struct wcs_reader_ops wcs_reader_evtx_xml = {
	.name = "evtx-xml",
	.description = "Windows event XML (wevtutil, Event Viewer, evtxexport)",
	.kind = WCS_KIND_EVENTLOG,
	.flags = 0,
	.bid = evtx_bid,
	.open = xml_open,
	.next = xml_next,
	.close = xml_close,
};
const struct wcs_reader_ops wcs_reader_sysmon_xml = {
	.name = "sysmon-xml",
	.description =
	    "Sysmon event XML (Microsoft-Windows-Sysmon/Operational)",
	.kind = WCS_KIND_SYSMON,
	.flags = 0,
	.bid = sysmon_bid,
	.open = xml_open,
	.next = xml_next,
	.close = xml_close,
};
