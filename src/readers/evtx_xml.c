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
 * (kind sysmon); they differ only in how they bid.
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
#include <strings.h>
#include <time.h>

#include <expat.h>

#include "wcscan/pool.h"
#include "readers_private.h"

#define XML_CHUNK (64 * 1024) /* first window asked for */
#define XML_MAX_DEPTH 64 /* deeper elements: the record is rejected */
#define XML_MAX_DATA 128 /* Data fields kept per event; more ignored */
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

/* Where the parser is inside <Event>, at depth 2. */
enum xml_section {
	SEC_NONE = 0,
	SEC_SYSTEM,
	SEC_EVENTDATA,
	SEC_USERDATA,
	SEC_OTHER /* RenderingInfo, ProcessingErrorData, ... */
};

/* What the character data being collected is for. */
enum xml_capture { CAP_NONE = 0, CAP_EVENTID, CAP_COMPUTER, CAP_DATA };

struct xml_field {
	const char *name;
	const char *value;
};

/* What one record yielded; strings are in the reader's pool. */
struct xml_record {
	const char *provider;
	const char *event_id;
	const char *system_time;
	const char *computer;
	const char *exec_pid;
	struct xml_field data[XML_MAX_DATA];
	unsigned ndata;

	unsigned depth;
	enum xml_section section;
	enum xml_capture capture;
	unsigned capture_depth;
	const char *capture_name;
	const char *why; /* set by a handler that stopped the parser */
	bool oom;
};

struct xml_reader {
	struct wcs_ctx *ctx;
	struct wcs_input *in;
	struct wcs_pool *pool; /* reset before each record */
	XML_Parser xp;
	size_t line_max;
	size_t chunk;
	uint64_t lineno; /* line of the first unconsumed byte */
	unsigned long salt; /* expat's hash salt, one per input */
	char *text; /* character data being collected */
	size_t tlen, tcap;
	struct xml_record rec;
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
 * The expat handlers.  They fill r->rec; one that finds the record
 * unacceptable sets rec.why and stops the parser.
 */

static void
xml_stop(struct xml_reader *r, const char *why)
{
	if (r->rec.why == NULL)
		r->rec.why = why;
	(void)XML_StopParser(r->xp, XML_FALSE);
}

static void
xml_oom(struct xml_reader *r)
{
	r->rec.oom = true;
	xml_stop(r, "out of memory");
}

static const char *
xml_attr(const XML_Char **atts, const char *name)
{
	for (; atts[0] != NULL; atts += 2) {
		if (strcmp(atts[0], name) == 0)
			return (atts[1]);
	}
	return (NULL);
}

/* A pool copy of an attribute value; first occurrence wins. */
static void
xml_keep_attr(struct xml_reader *r, const char **dst, const XML_Char **atts,
    const char *name)
{
	const char *v;

	if (*dst != NULL || (v = xml_attr(atts, name)) == NULL)
		return;
	if ((*dst = wcs_pool_strdup(r->pool, v)) == NULL)
		xml_oom(r);
}

static void
xml_capture(struct xml_reader *r, enum xml_capture what, const char *name)
{
	struct xml_record *rec = &r->rec;

	if (what == CAP_DATA) {
		if (name == NULL || rec->ndata == XML_MAX_DATA)
			return;
		if ((rec->capture_name = wcs_pool_strdup(r->pool, name)) ==
		    NULL) {
			xml_oom(r);
			return;
		}
	}
	rec->capture = what;
	rec->capture_depth = rec->depth;
	r->tlen = 0;
}

static void
system_start(struct xml_reader *r, const XML_Char *name, const XML_Char **atts)
{
	struct xml_record *rec = &r->rec;

	if (strcmp(name, "Provider") == 0)
		xml_keep_attr(r, &rec->provider, atts, "Name");
	else if (strcmp(name, "EventID") == 0 && rec->event_id == NULL)
		xml_capture(r, CAP_EVENTID, NULL);
	else if (strcmp(name, "TimeCreated") == 0)
		xml_keep_attr(r, &rec->system_time, atts, "SystemTime");
	else if (strcmp(name, "Computer") == 0 && rec->computer == NULL)
		xml_capture(r, CAP_COMPUTER, NULL);
	else if (strcmp(name, "Execution") == 0)
		xml_keep_attr(r, &rec->exec_pid, atts, "ProcessID");
}

static void XMLCALL
xml_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml_reader *r = ud;
	struct xml_record *rec = &r->rec;

	if (rec->why != NULL)
		return;
	if (++rec->depth > XML_MAX_DEPTH) {
		xml_stop(r, "elements nested too deep");
		return;
	}
	switch (rec->depth) {
	case 2:
		if (strcmp(name, "System") == 0)
			rec->section = SEC_SYSTEM;
		else if (strcmp(name, "EventData") == 0)
			rec->section = SEC_EVENTDATA;
		else if (strcmp(name, "UserData") == 0)
			rec->section = SEC_USERDATA;
		else
			rec->section = SEC_OTHER;
		break;
	case 3:
		if (rec->section == SEC_SYSTEM)
			system_start(r, name, atts);
		else if (rec->section == SEC_EVENTDATA &&
			 strcmp(name, "Data") == 0)
			xml_capture(r, CAP_DATA, xml_attr(atts, "Name"));
		break;
	case 4:
		/* UserData wraps its fields in one element of its own. */
		if (rec->section == SEC_USERDATA)
			xml_capture(r, CAP_DATA, name);
		break;
	default:
		break;
	}
}

static void XMLCALL
xml_text(void *ud, const XML_Char *s, int len)
{
	struct xml_reader *r = ud;
	struct xml_record *rec = &r->rec;
	size_t ncap;
	char *t;

	if (rec->why != NULL || rec->capture == CAP_NONE ||
	    rec->depth != rec->capture_depth || len <= 0)
		return;
	if (r->tcap - r->tlen < (size_t)len) {
		/* Bounded by the record, itself bounded by the line cap. */
		ncap = r->tcap != 0 ? r->tcap : 256;
		while (ncap - r->tlen < (size_t)len)
			ncap *= 2;
		if ((t = wcs_reallocarray(r->ctx, r->text, ncap, 1)) == NULL) {
			xml_oom(r);
			return;
		}
		r->text = t;
		r->tcap = ncap;
	}
	memcpy(r->text + r->tlen, s, (size_t)len);
	r->tlen += (size_t)len;
}

static void XMLCALL
xml_end(void *ud, const XML_Char *name)
{
	struct xml_reader *r = ud;
	struct xml_record *rec = &r->rec;
	char *v;

	(void)name;
	if (rec->why != NULL)
		return;
	if (rec->capture != CAP_NONE && rec->depth == rec->capture_depth) {
		if ((v = wcs_pool_strndup(r->pool,
			 r->text != NULL ? r->text : "", r->tlen)) == NULL) {
			xml_oom(r);
			return;
		}
		switch (rec->capture) {
		case CAP_EVENTID:
			rec->event_id = v;
			break;
		case CAP_COMPUTER:
			rec->computer = v;
			break;
		case CAP_DATA:
			rec->data[rec->ndata].name = rec->capture_name;
			rec->data[rec->ndata].value = v;
			rec->ndata++;
			break;
		default:
			break;
		}
		rec->capture = CAP_NONE;
	}
	if (rec->depth == 2)
		rec->section = SEC_NONE;
	rec->depth--;
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

	memset(&r->rec, 0, sizeof(r->rec));
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
 * Mapping a parsed record to an event.
 */

/* Where a Data field goes in struct wcs_event. */
enum xml_slot {
	F_END = 0,
	F_IMAGE,
	F_CMDLINE,
	F_PARENT,
	F_USER,
	F_NAME,
	F_TARGET,
	F_QNAME,
	F_ANSWER,
	F_PID,
	F_SRC,
	F_SPORT,
	F_DST,
	F_DPORT,
	F_PROTO,
	F_OUTBOUND,
	F_LOGON_TYPE,
	F_RCODE
};

#define XML_MAP_FIELDS 10

struct xml_map {
	bool sysmon; /* Sysmon's IDs, or those of any other provider */
	uint32_t id;
	enum wcs_event_kind kind;
	struct {
		const char *data;
		enum xml_slot slot;
	} f[XML_MAP_FIELDS];
};

/*
 * The events DESIGN.md uses.  IDs belong to a provider family: 1, 3, 11
 * and 22 mean something else outside Sysmon, and Sysmon never logs 4688.
 */
static const struct xml_map xml_maps[] = {
	{ false, 7045, WCS_EV_SERVICE,
	    { { "ServiceName", F_NAME }, { "ImagePath", F_IMAGE },
		{ "AccountName", F_USER } } },
	{ false, 4697, WCS_EV_SERVICE,
	    { { "ServiceName", F_NAME }, { "ServiceFileName", F_IMAGE },
		{ "SubjectUserName", F_USER } } },
	{ false, 4688, WCS_EV_PROCESS,
	    { { "NewProcessName", F_IMAGE }, { "CommandLine", F_CMDLINE },
		{ "ParentProcessName", F_PARENT },
		{ "SubjectUserName", F_USER }, { "NewProcessId", F_PID } } },
	{ false, 4624, WCS_EV_LOGON,
	    { { "IpAddress", F_SRC }, { "IpPort", F_SPORT },
		{ "WorkstationName", F_NAME }, { "TargetUserName", F_USER },
		{ "LogonType", F_LOGON_TYPE } } },
	{ true, 1, WCS_EV_PROCESS,
	    { { "Image", F_IMAGE }, { "CommandLine", F_CMDLINE },
		{ "ParentImage", F_PARENT }, { "User", F_USER },
		{ "ProcessId", F_PID } } },
	{ true, 3, WCS_EV_CONN,
	    { { "Image", F_IMAGE }, { "User", F_USER }, { "ProcessId", F_PID },
		{ "Protocol", F_PROTO }, { "Initiated", F_OUTBOUND },
		{ "SourceIp", F_SRC }, { "SourcePort", F_SPORT },
		{ "DestinationIp", F_DST }, { "DestinationPort", F_DPORT } } },
	{ true, 11, WCS_EV_FILE,
	    { { "Image", F_IMAGE }, { "User", F_USER }, { "ProcessId", F_PID },
		{ "TargetFilename", F_TARGET } } },
	{ true, 22, WCS_EV_DNS,
	    { { "Image", F_IMAGE }, { "User", F_USER }, { "ProcessId", F_PID },
		{ "QueryName", F_QNAME }, { "QueryStatus", F_RCODE },
		{ "QueryResults", F_ANSWER } } },
};

/* Windows writes "-" for "no value"; treat it like an empty field. */
static const char *
xml_value(const char *v)
{
	if (v == NULL || v[0] == '\0' || strcmp(v, "-") == 0)
		return (NULL);
	return (v);
}

static const char *
xml_data(const struct xml_record *rec, const char *name)
{
	unsigned i;

	for (i = 0; i < rec->ndata; i++) {
		if (strcmp(rec->data[i].name, name) == 0)
			return (xml_value(rec->data[i].value));
	}
	return (NULL);
}

/* s without the white space around it, in [*b, *e). */
static void
xml_trim(const char *s, const char **b, const char **e)
{
	*b = s;
	*e = s + strlen(s);
	while (*b < *e && is_space((unsigned char)**b))
		(*b)++;
	while (*e > *b && is_space((unsigned char)(*e)[-1]))
		(*e)--;
}

/* A decimal or "0x" hexadecimal number no larger than max. */
static bool
xml_number(const char *s, uint64_t max, uint64_t *out)
{
	const char *b, *e;
	uint64_t v = 0;
	unsigned base = 10, d;

	if (s == NULL)
		return (false);
	xml_trim(s, &b, &e);
	if (e - b > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X')) {
		base = 16;
		b += 2;
	}
	if (b == e)
		return (false);
	for (; b < e; b++) {
		if (*b >= '0' && *b <= '9')
			d = (unsigned)(*b - '0');
		else if (base == 16 && *b >= 'a' && *b <= 'f')
			d = (unsigned)(*b - 'a' + 10);
		else if (base == 16 && *b >= 'A' && *b <= 'F')
			d = (unsigned)(*b - 'A' + 10);
		else
			return (false);
		if (v > (max - d) / base)
			return (false);
		v = v * base + d;
	}
	*out = v;
	return (true);
}

static bool
xml_time(const char *s, int64_t *out)
{
	const char *b, *e;
	bool has_zone;

	if (s == NULL)
		return (false);
	xml_trim(s, &b, &e);
	/* Without a zone (Sysmon's UtcTime) the time is UTC already. */
	return (b < e && wcs_time_parse_iso(b, (size_t)(e - b), out,
			     &has_zone) == (size_t)(e - b));
}

/* Windows DNS status codes (Sysmon 22 QueryStatus) to DNS rcodes. */
static int16_t
xml_rcode(const char *s)
{
	uint64_t v;

	if (!xml_number(s, UINT32_MAX, &v))
		return (WCS_RCODE_NONE);
	switch (v) {
	case 0:
	case 9501: /* DNS_INFO_NO_RECORDS: the name exists, no data */
		return (WCS_RCODE_NOERROR);
	case 9002: /* DNS_ERROR_RCODE_SERVER_FAILURE */
		return (WCS_RCODE_SERVFAIL);
	case 9003: /* DNS_ERROR_RCODE_NAME_ERROR */
		return (WCS_RCODE_NXDOMAIN);
	case 9005: /* DNS_ERROR_RCODE_REFUSED */
		return (WCS_RCODE_REFUSED);
	default:
		return (WCS_RCODE_NONE);
	}
}

static void
xml_addr(const char *v, struct wcs_addr *a)
{
	const char *b, *e;

	xml_trim(v, &b, &e);
	(void)wcs_addr_parse(b, (size_t)(e - b), a);
}

/* Store field v in its slot of ev.  Returns false when out of memory. */
static bool
xml_set(struct xml_reader *r, struct wcs_event *ev, enum xml_slot slot,
    const char *v)
{
	uint64_t n;

	switch (slot) {
	case F_IMAGE:
		ev->image = v;
		break;
	case F_CMDLINE:
		ev->cmdline = v;
		break;
	case F_PARENT:
		ev->parent = v;
		break;
	case F_USER:
		ev->user = v;
		break;
	case F_NAME:
		ev->name = v;
		break;
	case F_TARGET:
		ev->target = v;
		break;
	case F_QNAME:
		/* Normalised as the other DNS readers do ("." stays). */
		if ((ev->qname = wcs_lu_qname(r->pool, v, strlen(v))) == NULL)
			return (false);
		break;
	case F_ANSWER:
		ev->answer = v;
		break;
	case F_PID:
		if (xml_number(v, UINT32_MAX, &n))
			ev->pid = (uint32_t)n;
		break;
	case F_SRC:
		xml_addr(v, &ev->src);
		break;
	case F_DST:
		xml_addr(v, &ev->dst);
		break;
	case F_SPORT:
		if (xml_number(v, UINT16_MAX, &n))
			ev->sport = (uint16_t)n;
		break;
	case F_DPORT:
		if (xml_number(v, UINT16_MAX, &n))
			ev->dport = (uint16_t)n;
		break;
	case F_PROTO:
		if (strcasecmp(v, "tcp") == 0)
			ev->proto = 6;
		else if (strcasecmp(v, "udp") == 0)
			ev->proto = 17;
		break;
	case F_OUTBOUND:
		ev->outbound = strcasecmp(v, "true") == 0;
		break;
	case F_LOGON_TYPE:
		if (xml_number(v, UINT8_MAX, &n))
			ev->logon_type = (uint8_t)n;
		break;
	case F_RCODE:
		ev->rcode = xml_rcode(v);
		break;
	default:
		break;
	}
	return (true);
}

/*
 * Fill ev from r->rec.  Returns WCS_OK, WCS_SKIP for an event wcscan does
 * not use, WCS_WARN when the record lacks an ID or a time, or WCS_FATAL.
 */
static int
map_record(struct xml_reader *r, struct wcs_event *ev)
{
	const struct xml_record *rec = &r->rec;
	const struct xml_map *m = NULL;
	const char *v, *subject, *target;
	uint64_t id, n;
	bool sysmon;
	size_t i;

	if (rec->event_id == NULL) {
		wcs_set_error(r->ctx, WCS_EPARSE, "event without an EventID");
		return (WCS_WARN);
	}
	if (!xml_number(rec->event_id, UINT32_MAX, &id)) {
		wcs_set_error(r->ctx, WCS_EPARSE, "EventID is not a number");
		return (WCS_WARN);
	}
	sysmon = rec->provider != NULL &&
		 strcmp(rec->provider, SYSMON_PROVIDER) == 0;
	/* Sysmon's own UtcTime is when it happened; SystemTime is later. */
	if (!(sysmon && xml_time(xml_data(rec, "UtcTime"), &ev->ts_us)) &&
	    !xml_time(rec->system_time, &ev->ts_us)) {
		ev->ts_us = WCS_TIME_NONE;
		wcs_set_error(r->ctx, WCS_EPARSE,
		    "event %llu without a readable TimeCreated SystemTime",
		    (unsigned long long)id);
		return (WCS_WARN);
	}
	for (i = 0; i < WCS_NELEM(xml_maps); i++) {
		if (xml_maps[i].sysmon == sysmon && xml_maps[i].id == id) {
			m = &xml_maps[i];
			break;
		}
	}
	if (m == NULL)
		return (WCS_SKIP);
	ev->kind = m->kind;
	ev->event_id = (uint32_t)id;
	ev->host = xml_value(rec->computer);
	/*
	 * Outside Sysmon, pid is the process that logged the event
	 * (services.exe for 7045, LSASS for 4624 and 4697) unless a Data
	 * field names the one the event is about (4688's NewProcessId).
	 * Sysmon's own process id says nothing about the event: not kept.
	 */
	if (!sysmon && xml_number(rec->exec_pid, UINT32_MAX, &n))
		ev->pid = (uint32_t)n;
	for (i = 0; i < XML_MAP_FIELDS && m->f[i].slot != F_END; i++) {
		if ((v = xml_data(rec, m->f[i].data)) != NULL &&
		    !xml_set(r, ev, m->f[i].slot, v))
			return (WCS_FATAL);
	}
	if (ev->kind == WCS_EV_DNS)
		ev->dns_dir = WCS_DNS_RESPONSE;
	if (!sysmon && id == 4688) {
		/*
		 * A process started by the machine account (SYSTEM, a
		 * service) runs as the account 4688 v2 names as target: that
		 * is who ran it, which is what the analyst asks.
		 */
		subject = xml_data(rec, "SubjectUserName");
		target = xml_data(rec, "TargetUserName");
		if (target != NULL &&
		    (subject == NULL || subject[strlen(subject) - 1] == '$'))
			ev->user = target;
	}
	return (WCS_OK);
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
	return (map_record(r, ev));
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
	wcs_free(r->ctx, r->text);
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
