/*
 * Windows events, whatever file they came in: what the event XML reader
 * (evtx_xml.c) and the binary .evtx reader (evtx.c) take from a record,
 * and the one mapping from that to struct wcs_event, so that both readers
 * give the same events for the same log.
 *
 * How a record is collected.  The reader walks the record's document and
 * tells the collector what it meets, in document order:
 *	wcs_evtx_start(rec, name, atts)	an element starts; atts is a
 *		NULL-terminated array of name, value pairs (expat's form)
 *	wcs_evtx_text(rec, s, len)	character data, in pieces
 *	wcs_evtx_end(rec)		the element ends
 * Event is depth 1.  From <System> (depth 2) the collector keeps the
 * Provider Name, EventID, TimeCreated SystemTime, EventRecordID, Computer
 * and Execution ProcessID (first occurrence wins); from <EventData> the
 * text of every <Data Name="..."> at depth 3; from <UserData> the text of
 * every element at depth 4, named by the element.  Text is kept only when
 * it sits directly in such an element.  Past WCS_EVTX_MAX_DATA such
 * fields are counted in ndropped, not kept: the reader says so (see
 * wcs_evtx_dropped_note); a field the mapping reads takes the place of
 * one it does not, so junk fields ahead of them cannot hide them.  Each call returns WCS_OK, WCS_WARN
 * when the record is unacceptable (rec->why says why; later calls do
 * nothing) or WCS_FATAL when out of memory (rec->oom).  Strings are copied
 * into the pool given to wcs_evtx_rec_init, which the reader resets
 * between records.
 */
#ifndef WCSCAN_EVTX_MAP_H
#define WCSCAN_EVTX_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "wcscan/core.h"
#include "wcscan/event.h"
#include "wcscan/pool.h"

#define WCS_EVTX_MAX_DEPTH 64 /* deeper elements: the record is rejected */
#define WCS_EVTX_MAX_DATA 128 /* Data fields kept per event; more counted */

struct wcs_evtx_field {
	const char *name;
	const char *value;
};

/* Where the collector is inside <Event>, at depth 2. */
enum wcs_evtx_section {
	WCS_EVTX_SEC_NONE = 0,
	WCS_EVTX_SEC_SYSTEM,
	WCS_EVTX_SEC_EVENTDATA,
	WCS_EVTX_SEC_USERDATA,
	WCS_EVTX_SEC_OTHER /* RenderingInfo, ProcessingErrorData, ... */
};

struct wcs_evtx_rec {
	/* What the record yielded; NULL when absent. */
	const char *provider;
	const char *event_id;
	const char *system_time;
	const char *record_id;
	const char *channel;
	const char *computer;
	const char *exec_pid;
	struct wcs_evtx_field data[WCS_EVTX_MAX_DATA];
	unsigned ndata;
	unsigned ndropped; /* Data fields past WCS_EVTX_MAX_DATA, not kept */

	/* The collector's state. */
	struct wcs_ctx *ctx;
	struct wcs_pool *pool;
	unsigned depth;
	enum wcs_evtx_section section;
	int capture; /* what the text being collected is for */
	unsigned capture_depth;
	const char *capture_name;
	unsigned capture_slot; /* where in data[] the field goes */
	char *text; /* character data being collected (ctx's allocator) */
	size_t tlen, tcap;
	const char *why; /* set when the record was found unacceptable */
	bool oom;
};

/* Set up rec for records whose strings go to pool. */
void wcs_evtx_rec_init(
    struct wcs_evtx_rec *rec, struct wcs_ctx *ctx, struct wcs_pool *pool);
/* Forget the last record (keeps the text buffer). */
void wcs_evtx_rec_reset(struct wcs_evtx_rec *rec);
/* Free the text buffer; accepts a record never used. */
void wcs_evtx_rec_fini(struct wcs_evtx_rec *rec);

int wcs_evtx_start(
    struct wcs_evtx_rec *rec, const char *name, const char *const *atts);
int wcs_evtx_text(struct wcs_evtx_rec *rec, const char *s, size_t len);
int wcs_evtx_end(struct wcs_evtx_rec *rec);
/*
 * Whether text met now would be kept: lets a reader that must render
 * values (the binary one) render only those the mapping can use.
 */
bool wcs_evtx_wants_text(const struct wcs_evtx_rec *rec);
/*
 * Whether the attributes of an element starting now can matter (System's
 * children, EventData's Data); other elements may be started with none.
 */
bool wcs_evtx_wants_attrs(const struct wcs_evtx_rec *rec);

/*
 * Fill ev (which the caller has cleared) from the collected record.
 * Returns WCS_OK, WCS_SKIP for an event wcscan does not use (ev->ignore
 * is then WCS_IGN_EVENTID), WCS_WARN
 * when the record lacks an ID or a time (reason in ctx) or WCS_FATAL.
 * ev's strings point into the record's pool.
 */
int wcs_evtx_map(const struct wcs_evtx_rec *rec, struct wcs_event *ev);

/*
 * When the record had more Data fields than are kept, write what a
 * reader reports for it into buf ("N Data elements past the first 128
 * not read") and return true; else false.
 */
bool wcs_evtx_dropped_note(
    const struct wcs_evtx_rec *rec, char *buf, size_t len);

#endif /* WCSCAN_EVTX_MAP_H */
