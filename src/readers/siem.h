/*
 * SIEM exports: the pieces the Elastic, Splunk and Sentinel
 * readers share.
 *
 * Documents.  A JSON export is a stream of documents: one object a line
 * (NDJSON: Winlogbeat's file output, Splunk's JSON and REST exports, a
 * Kibana or elasticdump export) or the elements of a top-level array (a
 * Sentinel or Log Analytics JSON export), several arrays one after the
 * other included.  wcs_json_stream cuts the stream into documents without
 * parsing them and without ever holding more than one document, so an
 * array of a million documents takes the memory of its largest document.
 * A document longer than the input's line cap, one cut off by the end of
 * the input, an NDJSON line that does not close its object, or an array
 * element that is not an object is rejected with its line, and reading
 * goes on after it.
 *
 * A CSV export is RFC 4180: a header row naming the columns, then one
 * record a row, fields separated by commas, a field in double quotes may
 * hold commas, line ends and doubled quotes.  wcs_csv cuts and unquotes
 * records under the same cap; a record cut off by the end of the input or
 * past the cap is rejected and reading resumes at the next line end.
 *
 * Either way a record becomes a struct wcs_doc: (path, value) pairs.  A
 * JSON document is flattened: nested members are joined with '.' (so
 * {"winlog":{"event_id":4688}} and {"winlog.event_id":4688} both give
 * "winlog.event_id"), array elements are numbered from 0 ("dns.answers.0.
 * data"), values are unescaped strings or the text of numbers and
 * booleans, null is absent.  A search hit's "_source" and a Splunk REST
 * line's "result" are taken as the document itself.  A CSV record's paths
 * are its header's column names.
 *
 * The readers (ecs.c, splunk.c, sentinel.c) are written once over this
 * (the base below): each names whether it reads JSON or CSV, how it bids
 * and how a document becomes an event; Windows events go through
 * evtx_map.c's mapping like the native readers', so the same event reads
 * the same from every form.
 */
#ifndef WCSCAN_SIEM_H
#define WCSCAN_SIEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wcscan/pool.h"
#include "wcscan/reader.h"
#include "evtx_map.h"
#include "readers_private.h"

#define WCS_JSON_MAX_DEPTH 32 /* nesting deeper than this: rejected */
#define WCS_DOC_MAX_FIELDS 1024 /* leaves kept per document; more counted */
#define WCS_DOC_MAX_PATH 256 /* a flattened path longer: rejected */
#define WCS_CSV_MAX_COLS 512 /* columns of a row; more: rejected */

struct wcs_doc_field {
	const char *path;
	const char *value; /* NUL-terminated, may hold other NULs no more */
};

struct wcs_doc {
	struct wcs_doc_field f[WCS_DOC_MAX_FIELDS];
	size_t n;
	size_t ndropped; /* leaves past WCS_DOC_MAX_FIELDS */
};

/* The value at path, or NULL when absent or empty. */
const char *wcs_doc_get(const struct wcs_doc *d, const char *path);

/*
 * Parse one JSON document (an object) of len bytes and flatten it into d,
 * strings copied into pool.  Returns WCS_OK, WCS_WARN (not JSON, or past
 * a limit; the reason in ctx) or WCS_FATAL (out of memory).
 */
int wcs_json_parse(struct wcs_ctx *ctx, struct wcs_pool *pool, const char *s,
    size_t len, struct wcs_doc *d);

struct wcs_json_stream;
/* NULL on ENOMEM (reason in ctx). */
struct wcs_json_stream *wcs_json_stream_new(
    struct wcs_ctx *ctx, struct wcs_input *in);
/* Accepts NULL. */
void wcs_json_stream_free(struct wcs_json_stream *js);
/*
 * The next document: WCS_OK with *s and *len (valid until the next call),
 * WCS_WARN for a rejected one (reason in ctx), WCS_EOF or WCS_FAILED.
 * *line and *offset say where it starts.
 */
int wcs_json_stream_next(struct wcs_json_stream *js, const char **s,
    size_t *len, uint64_t *line, uint64_t *offset);

struct wcs_csv;
struct wcs_csv *wcs_csv_new(struct wcs_ctx *ctx, struct wcs_input *in);
/* Accepts NULL. */
void wcs_csv_free(struct wcs_csv *c);
/*
 * The next record, its fields unquoted and NUL-terminated in *fields
 * (valid until the next call), their number in *n: WCS_OK, WCS_WARN (a
 * rejected record, reason in ctx), WCS_EOF, WCS_FAILED or WCS_FATAL.
 */
int wcs_csv_next(struct wcs_csv *c, char ***fields, size_t *n, uint64_t *line,
    uint64_t *offset);

/*
 * Windows events held by an export, into a wcs_evtx_rec for wcs_evtx_map.
 *
 * wcs_siem_data adds one EventData field (copied into the record's pool;
 * past WCS_EVTX_MAX_DATA counted).  wcs_siem_xml walks event XML held in
 * a string (Splunk's XmlWinEventLog _raw, the Event table's EventData
 * column) with expat, as evtx_xml.c would walk it in a file; no DTD or
 * entity but the predefined five is accepted.  wcs_siem_wineventlog reads
 * Splunk's classic WinEventLog text ("LogName=...", "EventCode=...", then
 * the message with its "New Process Name:" style fields) into the
 * EventData names the XML form carries.  Each returns WCS_OK, WCS_WARN
 * (reason in ctx) or WCS_FATAL.
 */
int wcs_siem_data(struct wcs_evtx_rec *rec, const char *name, const char *v);
/* *parser: the reader's expat parser, created on first use (NULL before). */
int wcs_siem_xml(
    struct wcs_evtx_rec *rec, void **parser, const char *xml, size_t len);
int wcs_siem_wineventlog(struct wcs_evtx_rec *rec, const char *text, size_t len,
    const struct wcs_tz *tz, bool *local_time);

/*
 * The reader base.  A SIEM reader is a struct wcs_siem_format; its ops
 * table points at wcs_siem_next and wcs_siem_close, and at a bid and an
 * open that name the format.  map() turns the document in r->doc into ev
 * (r->rec and r->pool are free for it to use: the pool is reset before
 * each document) and returns WCS_OK, WCS_SKIP, WCS_WARN or WCS_FATAL.
 */
struct wcs_siem_reader;

struct wcs_siem_format {
	bool csv; /* CSV with a header row; else JSON documents */
	int (*map)(struct wcs_siem_reader *r, struct wcs_event *ev);
};

struct wcs_siem_reader {
	const struct wcs_siem_format *fmt;
	struct wcs_ctx *ctx;
	struct wcs_input *in;
	const struct wcs_tz *tz;
	struct wcs_pool *pool;
	struct wcs_json_stream *js;
	struct wcs_csv *csv;
	char **header; /* CSV column names (ctx's allocator) */
	size_t ncols;
	struct wcs_doc doc;
	struct wcs_evtx_rec rec;
	void *xml_parser; /* for wcs_siem_xml; freed by close */
	struct wcs_held_note note; /* on the last record: fields not read */
};

int wcs_siem_open(const struct wcs_siem_format *f, struct wcs_ctx *ctx,
    struct wcs_input *in, const struct wcs_read_opts *opts, void **state);
int wcs_siem_next(struct wcs_ctx *ctx, void *state, struct wcs_event *ev);
void wcs_siem_close(void *state);
/*
 * Map the record collected in r->rec, with the dropped-field note; the
 * same result as the native readers give for the same event.
 */
int wcs_siem_map_rec(struct wcs_siem_reader *r, struct wcs_event *ev);

/*
 * Bidding helpers: whether the first document (or header row) of the peek
 * names every key in keys (NULL-terminated), quoted as a JSON member name
 * or as a CSV column.  The bid is 8 bits a byte of the names verified.
 */
int wcs_siem_bid_json(const unsigned char *peek, size_t len,
    const char *const *keys, const char *const *any);
int wcs_siem_bid_csv(
    const unsigned char *peek, size_t len, const char *const *keys);

#endif /* WCSCAN_SIEM_H */
