/*
 * The one event model every reader produces and the engine consumes.
 *
 * Strings are NUL-terminated, valid UTF-8 is not guaranteed (logs come from
 * hostile machines), and NULL means absent.  They belong to the reader and
 * stay valid until its next call to next(); whoever keeps one copies it.
 */
#ifndef WCSCAN_EVENT_H
#define WCSCAN_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "wcscan/addr.h"

enum wcs_event_kind {
	WCS_EV_NONE = 0,
	WCS_EV_CONN, /* a connection or packet: firewall, Sysmon 3 */
	WCS_EV_DNS, /* a DNS query and/or its response */
	WCS_EV_SERVICE, /* a service install: 7045, 4697 */
	WCS_EV_PROCESS, /* a process start: 4688, Sysmon 1 */
	WCS_EV_LOGON, /* a logon: 4624 */
	WCS_EV_FILE, /* a file created: Sysmon 11 */
	WCS_EV_SMB, /* an SMB access log line */
	WCS_EV__COUNT
};

/* What the firewall did with the connection, where the log says. */
enum wcs_action {
	WCS_ACT_UNKNOWN = 0,
	WCS_ACT_ALLOW,
	WCS_ACT_DENY /* drop, deny, reject, block */
};

/* Which way a DNS record points. */
enum wcs_dns_dir {
	WCS_DNS_UNKNOWN = 0,
	WCS_DNS_QUERY, /* a question was asked */
	WCS_DNS_RESPONSE /* an answer (or an error) came back */
};

/* ev->log_state: set on every record of a log whose header says so. */
#define WCS_LOG_DIRTY 0x1 /* not closed cleanly: its header is stale */
#define WCS_LOG_WRAPPED 0x2 /* full and wrapped: older records overwritten */
#define WCS_LOG_CUT 0x4 /* the file ends inside a record or before a chunk */

#define WCS_RCODE_NONE (-1) /* the log does not say */
#define WCS_RCODE_NOERROR 0
#define WCS_RCODE_SERVFAIL 2
#define WCS_RCODE_NXDOMAIN 3
#define WCS_RCODE_REFUSED 5

struct wcs_event {
	enum wcs_event_kind kind;
	int64_t ts_us; /* UTC microseconds; WCS_TIME_NONE if unknown */

	struct wcs_addr src, dst; /* network events; DNS client/server */
	uint16_t sport, dport;
	uint8_t proto; /* IP protocol number: 6 tcp, 17 udp; 0 unknown */
	uint8_t action; /* enum wcs_action */
	uint8_t dns_dir; /* enum wcs_dns_dir */
	uint8_t smb_version; /* 1 or 2 (2 covers SMB2 and SMB3); 0 unknown */
	uint8_t logon_type; /* 4624 LogonType; 0 unknown */
	uint8_t outbound; /* Sysmon 3 Initiated=true, fw direction SEND */
	uint8_t local_time; /* the stamp had no zone: read with --tz */
	uint8_t year_inferred; /* the stamp had no year: --year or mtime */
	uint8_t ignore; /* next() said WCS_SKIP: why (enum wcs_ignore) */
	int16_t rcode; /* DNS rcode; WCS_RCODE_NONE when not logged */
	uint16_t qtype; /* DNS query type; 0 unknown */
	uint32_t event_id; /* Windows event ID; 0 for other sources */
	uint32_t pid; /* process id where known; 0 unknown */
	uint32_t lost; /* with WCS_IGN_LOGNOTE: records the log lost */
	/* Characters of the record the reader replaced with U+FFFD (ones XML
	 * forbids, bytes not UTF-8, lone UTF-16 surrogates), to read it. */
	uint32_t repaired;
	uint8_t log_state; /* WCS_LOG_*: what the log's own header says */

	const char *host; /* reporting computer name (Computer, ...) */
	const char *user; /* account */
	const char *image; /* process image; service ImagePath */
	const char *cmdline; /* process command line */
	const char *parent; /* parent process image */
	const char *name; /* service name; 4624 WorkstationName */
	const char *target; /* Sysmon 11 TargetFilename; SMB operation */
	const char *qname; /* DNS question name, lower case, no final dot */
	const char *answer; /* DNS answer data as logged */
	/* A Windows event's identity: the same record collected twice (the
	 * host's export and a collector's copy) has the same Computer,
	 * Channel and EventRecordID.  0 and NULL when not logged. */
	const char *channel;
	uint64_t record_id;

	/* Provenance: which input, and where in it. */
	uint32_t input; /* index in the run's input list */
	uint64_t line; /* 1-based line where the record starts; for binary
			  .evtx, the record's 1-based position in the file */
	uint64_t offset; /* byte offset of the record (decoded stream) */
};

/* Zero everything and mark the absent values (time, rcode). */
void wcs_event_clear(struct wcs_event *ev);
/* "conn", "dns", ...: stable names used in the NDJSON export. */
const char *wcs_event_kind_name(enum wcs_event_kind kind);
const char *wcs_action_name(enum wcs_action action);

/*
 * A batch of events that owns copies of their strings: how events made on
 * one thread reach the engine on another.  NULL from _new on ENOMEM.
 */
struct wcs_ctx;
struct wcs_event_batch;
struct wcs_event_batch *wcs_event_batch_new(struct wcs_ctx *ctx, size_t cap);
/* Accepts NULL. */
void wcs_event_batch_free(struct wcs_event_batch *b);
/* Empty it, keeping the memory for the next batch. */
void wcs_event_batch_clear(struct wcs_event_batch *b);
/* Copy ev in; false when full or out of memory (then the ctx says). */
bool wcs_event_batch_add(struct wcs_event_batch *b, const struct wcs_event *ev);
/*
 * Or fill it in place: _next is the event after the last (NULL when the
 * batch is full), to be written whole; _keep adds it, its strings copied
 * into the batch (false when out of memory).  A reader on another thread
 * writes its events where the engine will read them, not twice.
 */
struct wcs_event *wcs_event_batch_next(struct wcs_event_batch *b);
bool wcs_event_batch_keep(struct wcs_event_batch *b);
bool wcs_event_batch_full(const struct wcs_event_batch *b);
size_t wcs_event_batch_count(const struct wcs_event_batch *b);
const struct wcs_event *wcs_event_batch_get(
    const struct wcs_event_batch *b, size_t i);

#endif /* WCSCAN_EVENT_H */
