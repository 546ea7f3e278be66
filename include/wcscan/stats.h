/*
 * Per-input accounting, kept by the reader driver and printed by the
 * report.  Invariant: records = events + ignored + rejected.
 */
#ifndef WCSCAN_STATS_H
#define WCSCAN_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "wcscan/core.h"

#define WCS_REJECT_SAMPLES 5
#define WCS_REJECT_WHY 200

/*
 * Why a record was ignored: a reader says so in ev->ignore when next()
 * returns WCS_SKIP; the driver adds WCS_IGN_TIME.  Names in the report:
 * wcs_report_ignore_name().
 */
enum wcs_ignore {
	WCS_IGN_OTHER = 0, /* not said */
	WCS_IGN_HEADER, /* a header, comment, preamble or blank line */
	WCS_IGN_FOREIGN, /* another program's or another log's line */
	WCS_IGN_MSGTYPE, /* a message type no detection reads */
	WCS_IGN_EVENTID, /* an event ID no detection uses */
	WCS_IGN_TIME, /* outside --since/--until */
	WCS_IGN_LOGNOTE, /* the log speaking of itself (events lost) */
	WCS_IGN__COUNT
};

struct wcs_reject {
	uint64_t line;
	char why[WCS_REJECT_WHY];
};

struct wcs_input_stats {
	const char *path; /* owned by the run */
	const char *kind; /* "firewall", "dns", ... or NULL if unread */
	const char *format; /* reader name, or NULL */
	uint64_t records, events, ignored, rejected;
	int64_t first, last; /* event times; WCS_TIME_NONE when none */
	uint64_t bytes; /* bytes read from the file */
	struct wcs_reject samples[WCS_REJECT_SAMPLES];
	unsigned nsamples;
	bool gzip, utf16;
	bool tz_assumed; /* local-time source read as UTC (no --tz) */
	bool year_guessed; /* year-less stamps dated from the file's mtime */
	char *error; /* why the input could not be (fully) read; NULL */
	char *clock_note; /* its clock against the others, when estimated */
	char *dup_note; /* records already read from another input */
	/* What happened to the file as it was read ("file shrank ..."); "" */
	char file_note[96];
	uint64_t ignored_by[WCS_IGN__COUNT]; /* ignored, by cause */
	uint64_t lost; /* records the log itself says it lost */
	uint64_t repaired; /* characters replaced with U+FFFD (ev->repaired) */
	uint64_t repaired_records; /* records they were in */
	unsigned log_state; /* WCS_LOG_* bits of its records */
	/* What the log says about itself ("the log lost ..."), and what was
	 * repaired in it; "" */
	char log_note[256];
};

#endif /* WCSCAN_STATS_H */
