/*
 * The SIEM reader base and the Windows-event helpers the Elastic, Splunk
 * and Sentinel readers share (see siem.h).
 *
 * expat is used here as well as in evtx_xml.c: an export holds each event
 * as XML inside a string (Splunk's XmlWinEventLog _raw, the Event table's
 * EventData), which is one complete document already, so it is handed to
 * a parser of its own with no DTD allowed; evtx_xml.c's machinery exists
 * to cut a file into records and is not needed for that.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <expat.h>

#include "wcscan/input.h"
#include "readers_private.h"
#include "siem.h"

#define SIEM_POOL_BLOCK (16 * 1024)

/*
 * EventData fields.
 */

/* name[0..nlen) = v[0..vlen), copied into the record's pool. */
static int
siem_data_n(struct wcs_evtx_rec *rec, const char *name, size_t nlen,
    const char *v, size_t vlen)
{
	const char *n, *val;

	if (rec->ndata == WCS_EVTX_MAX_DATA) {
		rec->ndropped++;
		return (WCS_OK);
	}
	if ((n = wcs_pool_strndup(rec->pool, name, nlen)) == NULL ||
	    (val = wcs_pool_strndup(rec->pool, v, vlen)) == NULL) {
		wcs_set_error(rec->ctx, ENOMEM, "out of memory");
		return (WCS_FATAL);
	}
	rec->data[rec->ndata].name = n;
	rec->data[rec->ndata].value = val;
	rec->ndata++;
	return (WCS_OK);
}

int
wcs_siem_data(struct wcs_evtx_rec *rec, const char *name, const char *v)
{
	return (siem_data_n(rec, name, strlen(name), v, strlen(v)));
}

/*
 * Event XML in a string.
 */

struct siem_xml {
	XML_Parser xp;
	struct wcs_evtx_rec *rec;
	int rc;
};

static void
sx_stop(struct siem_xml *x, int rc)
{
	if (x->rc == WCS_OK)
		x->rc = rc;
	(void)XML_StopParser(x->xp, XML_FALSE);
}

static void
sx_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct siem_xml *x = ud;
	int rc;

	if ((rc = wcs_evtx_start(x->rec, name, (const char *const *)atts)) !=
	    WCS_OK)
		sx_stop(x, rc);
}

static void
sx_text(void *ud, const XML_Char *s, int len)
{
	struct siem_xml *x = ud;
	int rc;

	if (len > 0 && (rc = wcs_evtx_text(x->rec, s, (size_t)len)) != WCS_OK)
		sx_stop(x, rc);
}

static void
sx_end(void *ud, const XML_Char *name)
{
	struct siem_xml *x = ud;
	int rc;

	(void)name;
	if ((rc = wcs_evtx_end(x->rec)) != WCS_OK)
		sx_stop(x, rc);
}

static void
sx_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	((struct siem_xml *)ud)->rec->why = "DOCTYPE in event XML";
	sx_stop(ud, WCS_WARN);
}

int
wcs_siem_xml(
    struct wcs_evtx_rec *rec, void **parser, const char *xml, size_t len)
{
	struct siem_xml x = { .rec = rec, .rc = WCS_OK };
	enum XML_Status st;

	if (len > INT32_MAX) {
		wcs_set_error(rec->ctx, WCS_EOVERLONG, "event XML too long");
		return (WCS_WARN);
	}
	/* One parser per reader, reset between records: creating one costs
	 * more than parsing a small event (its hash salt, its tables). */
	if (*parser != NULL &&
	    XML_ParserReset((XML_Parser)*parser, "UTF-8") != XML_TRUE) {
		XML_ParserFree((XML_Parser)*parser);
		*parser = NULL;
	}
	if (*parser == NULL && (*parser = XML_ParserCreate("UTF-8")) == NULL) {
		wcs_set_error(rec->ctx, ENOMEM, "out of memory");
		return (WCS_FATAL);
	}
	x.xp = (XML_Parser)*parser;
	XML_SetUserData(x.xp, &x);
	XML_SetElementHandler(x.xp, sx_start, sx_end);
	XML_SetCharacterDataHandler(x.xp, sx_text);
	XML_SetStartDoctypeDeclHandler(x.xp, sx_doctype);
	st = XML_Parse(x.xp, xml, (int)len, XML_TRUE);
	if (x.rc == WCS_OK && st != XML_STATUS_OK) {
		wcs_set_error(rec->ctx, WCS_EPARSE, "event XML: %s at %lu:%lu",
		    XML_ErrorString(XML_GetErrorCode(x.xp)),
		    (unsigned long)XML_GetCurrentLineNumber(x.xp),
		    (unsigned long)XML_GetCurrentColumnNumber(x.xp));
		x.rc = WCS_WARN;
	} else if (x.rc == WCS_FATAL)
		wcs_set_error(rec->ctx, ENOMEM, "out of memory");
	else if (x.rc != WCS_OK)
		wcs_set_error(rec->ctx, WCS_EPARSE, "event XML: %s",
		    rec->why != NULL ? rec->why : "unacceptable");
	return (x.rc);
}

/*
 * Splunk's classic WinEventLog text.  The message's labels are those of
 * the English message table; what each means is the EventData field the
 * XML form carries under the name on the right.  A label under a section
 * ("Subject:", "New Logon:") means that section's account.
 */

struct wel_label {
	uint32_t id; /* 0: any event */
	const char *section; /* NULL: any section */
	const char *label;
	const char *data;
};

static const struct wel_label wel_labels[] = {
	{ 4688, NULL, "New Process ID", "NewProcessId" },
	{ 4688, NULL, "New Process Name", "NewProcessName" },
	{ 4688, NULL, "Process Command Line", "CommandLine" },
	{ 4688, NULL, "Creator Process Name", "ParentProcessName" },
	{ 4688, "Subject", "Account Name", "SubjectUserName" },
	{ 4688, "Creator Subject", "Account Name", "SubjectUserName" },
	{ 4688, "Target Subject", "Account Name", "TargetUserName" },
	{ 7045, NULL, "Service Name", "ServiceName" },
	{ 7045, NULL, "Service File Name", "ImagePath" },
	{ 7045, NULL, "Service Account", "AccountName" },
	{ 4697, "Subject", "Account Name", "SubjectUserName" },
	{ 4697, NULL, "Service Name", "ServiceName" },
	{ 4697, NULL, "Service File Name", "ServiceFileName" },
	{ 4624, "Subject", "Account Name", "SubjectUserName" },
	{ 4624, "New Logon", "Account Name", "TargetUserName" },
	{ 4624, NULL, "Logon Type", "LogonType" },
	{ 4624, NULL, "Workstation Name", "WorkstationName" },
	{ 4624, NULL, "Source Network Address", "IpAddress" },
	{ 4624, NULL, "Source Port", "IpPort" },
};

static void
wel_trim(const char **b, const char **e)
{
	while (*b < *e && (**b == ' ' || **b == '\t' || **b == '\r'))
		(*b)++;
	while (*e > *b &&
	       ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
		(*e)--;
}

static bool
wel_is(const char *b, const char *e, const char *lit)
{
	size_t n = strlen(lit);

	return ((size_t)(e - b) == n && memcmp(b, lit, n) == 0);
}

/* "05/12/2017 03:03:11 PM": the forwarder's local time. */
static bool
wel_date(const char *b, const char *e, const struct wcs_tz *tz, int64_t *out)
{
	struct wcs_lu_civil civ = { 0 };
	size_t len = (size_t)(e - b);

	if (len < 19 || b[2] != '/' || b[5] != '/' || b[10] != ' ')
		return (false);
	civ.mon = wcs_lu_digits(b, len, 2);
	civ.day = wcs_lu_digits(b + 3, len - 3, 2);
	civ.year = wcs_lu_digits(b + 6, len - 6, 4);
	civ.hour = wcs_lu_digits(b + 11, len - 11, 2);
	civ.min = wcs_lu_digits(b + 14, len - 14, 2);
	civ.sec = wcs_lu_digits(b + 17, len - 17, 2);
	if (civ.mon < 0 || civ.day < 0 || civ.year < 0 || civ.hour < 0 ||
	    civ.min < 0 || civ.sec < 0)
		return (false);
	if (len >= 22 && (b[20] == 'P' || b[20] == 'p') && civ.hour < 12)
		civ.hour += 12;
	else if (len >= 22 && (b[20] == 'A' || b[20] == 'a') && civ.hour == 12)
		civ.hour = 0;
	return (wcs_lu_local_to_utc(&civ, tz, out));
}

static int
wel_keep(
    struct wcs_evtx_rec *rec, const char **dst, const char *b, const char *e)
{
	if (*dst != NULL)
		return (WCS_OK);
	if ((*dst = wcs_pool_strndup(rec->pool, b, (size_t)(e - b))) == NULL) {
		wcs_set_error(rec->ctx, ENOMEM, "out of memory");
		return (WCS_FATAL);
	}
	return (WCS_OK);
}

int
wcs_siem_wineventlog(struct wcs_evtx_rec *rec, const char *text, size_t len,
    const struct wcs_tz *tz, bool *local_time)
{
	const char *p = text, *end = text + len, *nl, *b, *e, *colon, *vb;
	char section[64] = "";
	bool message = false, sysmon = false;
	uint64_t id = 0;
	int64_t t;
	size_t i, n;
	int rc;

	*local_time = false;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		b = p;
		e = nl;
		wel_trim(&b, &e);
		if (b == e)
			continue;
		if (!message) {
			if ((colon = memchr(b, '=', (size_t)(e - b))) == NULL) {
				if (rec->system_time == NULL &&
				    wel_date(b, e, tz, &t)) {
					char buf[WCS_TIME_STRLEN];

					*local_time = true;
					(void)wcs_time_format(
					    t, buf, sizeof(buf));
					if ((rc = wel_keep(rec,
						 &rec->system_time, buf,
						 buf + strlen(buf))) != WCS_OK)
						return (rc);
				}
				continue;
			}
			vb = colon + 1;
			rc = WCS_OK;
			if (wel_is(b, colon, "LogName"))
				rc = wel_keep(rec, &rec->channel, vb, e);
			else if (wel_is(b, colon, "SourceName"))
				rc = wel_keep(rec, &rec->provider, vb, e);
			else if (wel_is(b, colon, "EventCode"))
				rc = wel_keep(rec, &rec->event_id, vb, e);
			else if (wel_is(b, colon, "ComputerName"))
				rc = wel_keep(rec, &rec->computer, vb, e);
			else if (wel_is(b, colon, "RecordNumber"))
				rc = wel_keep(rec, &rec->record_id, vb, e);
			else if (wel_is(b, colon, "Message")) {
				message = true;
				sysmon = rec->provider != NULL &&
					 strcmp(rec->provider,
					     "Microsoft-Windows-Sysmon") == 0;
				if (rec->event_id == NULL ||
				    !wcs_lu_uint(rec->event_id,
					strlen(rec->event_id), UINT32_MAX, &id))
					id = 0;
			}
			if (rc != WCS_OK)
				return (rc);
			continue;
		}
		/* The message: "Label:<tabs>value" or a section "Label:". */
		if ((colon = memchr(b, ':', (size_t)(e - b))) == NULL)
			continue;
		vb = colon + 1;
		while (vb < e && (*vb == ' ' || *vb == '\t'))
			vb++;
		n = (size_t)(colon - b);
		if (vb == e) {
			if (n < sizeof(section)) {
				memcpy(section, b, n);
				section[n] = '\0';
			}
			continue;
		}
		if (sysmon) {
			/* Sysmon's message is its EventData, by name. */
			if (n == 0 || memchr(b, ' ', n) != NULL)
				continue;
			if ((rc = siem_data_n(
				 rec, b, n, vb, (size_t)(e - vb))) != WCS_OK)
				return (rc);
			continue;
		}
		for (i = 0; i < WCS_NELEM(wel_labels); i++) {
			const struct wel_label *l = &wel_labels[i];

			if ((l->id != 0 && l->id != id) ||
			    (l->section != NULL &&
				strcmp(l->section, section) != 0) ||
			    !wel_is(b, colon, l->label))
				continue;
			if ((rc = siem_data_n(rec, l->data, strlen(l->data), vb,
				 (size_t)(e - vb))) != WCS_OK)
				return (rc);
			break;
		}
	}
	if (rec->event_id == NULL) {
		wcs_set_error(
		    rec->ctx, WCS_EPARSE, "WinEventLog text without EventCode");
		return (WCS_WARN);
	}
	return (WCS_OK);
}

/*
 * The base.
 */

int
wcs_siem_open(const struct wcs_siem_format *f, struct wcs_ctx *ctx,
    struct wcs_input *in, const struct wcs_read_opts *opts, void **state)
{
	struct wcs_siem_reader *r;

	*state = NULL;
	if ((r = wcs_calloc(ctx, 1, sizeof(*r))) == NULL)
		return (WCS_FATAL);
	r->fmt = f;
	r->ctx = ctx;
	r->in = in;
	r->tz = opts->tz;
	if ((r->pool = wcs_pool_new(ctx, SIEM_POOL_BLOCK)) == NULL)
		goto out_free;
	if (f->csv ? (r->csv = wcs_csv_new(ctx, in)) == NULL :
		     (r->js = wcs_json_stream_new(ctx, in)) == NULL)
		goto out_free;
	wcs_evtx_rec_init(&r->rec, ctx, r->pool);
	*state = r;
	return (WCS_OK);
out_free:
	wcs_siem_close(r);
	return (WCS_FATAL);
}

void
wcs_siem_close(void *state)
{
	struct wcs_siem_reader *r = state;
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->ncols; i++)
		wcs_free(r->ctx, r->header[i]);
	wcs_free(r->ctx, r->header);
	if (r->xml_parser != NULL)
		XML_ParserFree((XML_Parser)r->xml_parser);
	wcs_evtx_rec_fini(&r->rec);
	wcs_csv_free(r->csv);
	wcs_json_stream_free(r->js);
	wcs_pool_free(r->pool);
	wcs_free(r->ctx, r);
}

/* The header row: kept as the documents' paths. */
static int
siem_header(struct wcs_siem_reader *r, char **fields, size_t n)
{
	size_t i, l;

	if ((r->header = wcs_calloc(r->ctx, n, sizeof(*r->header))) == NULL)
		return (WCS_FATAL);
	for (i = 0; i < n; i++) {
		l = strlen(fields[i]);
		if ((r->header[i] = wcs_malloc(r->ctx, l + 1)) == NULL)
			return (WCS_FATAL);
		memcpy(r->header[i], fields[i], l + 1);
		r->ncols++;
	}
	return (WCS_OK);
}

static int
siem_next_csv(struct wcs_siem_reader *r, struct wcs_event *ev)
{
	char **fields;
	size_t n, i;
	int rc;

	rc = wcs_csv_next(r->csv, &fields, &n, &ev->line, &ev->offset);
	if (rc != WCS_OK)
		return (rc);
	if (n == 1 && fields[0][0] == '\0')
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	if (r->header == NULL) {
		if ((rc = siem_header(r, fields, n)) != WCS_OK)
			return (rc);
		return (wcs_lu_skip(ev, WCS_IGN_HEADER));
	}
	if (n != r->ncols) {
		wcs_set_error(r->ctx, WCS_EPARSE,
		    "%zu CSV fields where the header has %zu", n, r->ncols);
		return (WCS_WARN);
	}
	for (i = 0; i < n && i < WCS_DOC_MAX_FIELDS; i++) {
		r->doc.f[i].path = r->header[i];
		r->doc.f[i].value = fields[i];
	}
	r->doc.n = i;
	r->doc.ndropped = n - i;
	return (WCS_OK);
}

int
wcs_siem_next(struct wcs_ctx *ctx, void *state, struct wcs_event *ev)
{
	struct wcs_siem_reader *r = state;
	const char *s;
	size_t len;
	int rc;

	(void)ctx;
	if ((rc = wcs_held_note_give(r->ctx, &r->note, ev)) != WCS_OK)
		return (rc);
	wcs_pool_reset(r->pool);
	wcs_evtx_rec_reset(&r->rec);
	if (r->fmt->csv)
		rc = siem_next_csv(r, ev);
	else {
		rc = wcs_json_stream_next(
		    r->js, &s, &len, &ev->line, &ev->offset);
		if (rc == WCS_OK)
			rc = wcs_json_parse(r->ctx, r->pool, s, len, &r->doc);
	}
	if (rc != WCS_OK)
		return (rc);
	rc = r->fmt->map(r, ev);
	if (rc != WCS_OK && rc != WCS_SKIP)
		return (rc);
	if (r->doc.ndropped > 0)
		(void)snprintf(r->note.text, sizeof(r->note.text),
		    "%zu fields past the first %d not read (the record is "
		    "read without them)",
		    r->doc.ndropped, WCS_DOC_MAX_FIELDS);
	else
		(void)wcs_evtx_dropped_note(
		    &r->rec, r->note.text, sizeof(r->note.text));
	wcs_held_note_hold(&r->note, ev);
	return (rc);
}

int
wcs_siem_map_rec(struct wcs_siem_reader *r, struct wcs_event *ev)
{
	int rc;

	rc = wcs_evtx_map(&r->rec, ev);
	if (rc == WCS_SKIP)
		ev->ignore = WCS_IGN_EVENTID;
	return (rc);
}

/*
 * Bidding.
 */

/* Where the first document of the peek starts ('{'), or len. */
static size_t
bid_doc_start(const unsigned char *p, size_t len)
{
	size_t i = 0;

	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
			      p[i] == '\n' || p[i] == '['))
		i++;
	return (i < len && p[i] == '{' ? i : len);
}

/* Whether "key" (or "key. for a flattened name) is in p[0..len). */
static bool
bid_has_key(const unsigned char *p, size_t len, const char *key)
{
	size_t n = strlen(key), i;

	for (i = 0; i + n + 2 <= len; i++) {
		if (p[i] == '"' && memcmp(p + i + 1, key, n) == 0 &&
		    (p[i + 1 + n] == '"' || p[i + 1 + n] == '.'))
			return (true);
	}
	return (false);
}

int
wcs_siem_bid_json(const unsigned char *peek, size_t len,
    const char *const *keys, const char *const *any)
{
	size_t s = bid_doc_start(peek, len);
	int bits = 8, anybits = 0;

	if (s == len)
		return (0);
	peek += s;
	len -= s;
	for (; *keys != NULL; keys++) {
		if (!bid_has_key(peek, len, *keys))
			return (0);
		bits += 8 * (int)(strlen(*keys) + 2);
	}
	for (; any != NULL && *any != NULL; any++) {
		if (bid_has_key(peek, len, *any)) {
			anybits = 8 * (int)(strlen(*any) + 2);
			break;
		}
	}
	if (any != NULL && anybits == 0)
		return (0);
	return (bits + anybits);
}

int
wcs_siem_bid_csv(const unsigned char *peek, size_t len, const char *const *keys)
{
	const char *line, *c, *ce, *le;
	size_t pos = 0, n;
	int bits = 0;
	bool found;

	if (!wcs_lu_peek_line(peek, len, &pos, &line, &n))
		return (0);
	le = line + n;
	for (; *keys != NULL; keys++) {
		found = false;
		for (c = line; c < le && !found; c = ce + 1) {
			if ((ce = memchr(c, ',', (size_t)(le - c))) == NULL)
				ce = le;
			const char *b = c, *e = ce;
			size_t kl = strlen(*keys);

			if (e - b >= 2 && *b == '"' && e[-1] == '"') {
				b++;
				e--;
			}
			/* "TimeGenerated [UTC]": the portal adds the zone. */
			if ((size_t)(e - b) >= kl &&
			    memcmp(b, *keys, kl) == 0 &&
			    ((size_t)(e - b) == kl || b[kl] == ' '))
				found = true;
		}
		if (!found)
			return (0);
		bits += 8 * (int)(strlen(*keys) + 1);
	}
	return (bits);
}
