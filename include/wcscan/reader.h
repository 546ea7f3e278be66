/*
 * Readers: one per log format, chosen by bidding (after libarchive).
 *
 * How bidding works.  Each reader's bid() looks at the first bytes of the
 * decoded input (up to WCS_PEEK_SIZE, never consumed) and returns the
 * number of bits it verified: 0 for "not mine", -1 for "cannot beat
 * best_bid, did not look".  The highest bid wins; a tie goes to the reader
 * earlier in the list.  A bid should count only what it checked: a fixed
 * signature of n bytes is worth 8n, a line that parses as the format's
 * grammar is worth more than one that merely has the right characters.
 * When every bid is 0 the input is "unrecognized" and is an error naming
 * the file.  --format NAME skips bidding.
 *
 * Reading.  open() prepares per-input state; next() fills one event per
 * record and returns:
 *	WCS_OK		*ev is an event
 *	WCS_SKIP	a record deliberately ignored (comment, other event ID)
 *	WCS_WARN	a record rejected; the reason is in ctx
 *	WCS_EOF		the input is finished
 *	WCS_FAILED	the input cannot be read further (reason in ctx)
 *	WCS_FATAL	out of memory
 * Every record ends in exactly one of the first three, which is how the
 * report keeps records = events + ignored + rejected.  next() sets
 * ev->line and ev->offset; the driver sets ev->input.
 */
#ifndef WCSCAN_READER_H
#define WCSCAN_READER_H

#include <stddef.h>

#include "wcscan/core.h"
#include "wcscan/event.h"
#include "wcscan/input.h"
#include "wcscan/stats.h"
#include "wcscan/timeutil.h"

enum wcs_input_kind {
	WCS_KIND_NONE = 0,
	WCS_KIND_FIREWALL = 1 << 0,
	WCS_KIND_DNS = 1 << 1,
	WCS_KIND_EVENTLOG = 1 << 2,
	WCS_KIND_SYSMON = 1 << 3,
	WCS_KIND_SMB = 1 << 4,
	WCS_KIND_SIEM = 1 << 5, /* SIEM exports: Windows, firewall and DNS */
	WCS_KIND_ANY = 0x3f
};

/* What the reader needs to know about time. */
#define WCS_READER_LOCALTIME 0x1 /* writes local time without a zone */
#define WCS_READER_NOYEAR 0x2 /* writes stamps without a year */
/* Every line stands alone (no header, no pairing of lines): a big file
 * can be read in pieces at once (wcs_input_split). */
#define WCS_READER_SPLITTABLE 0x4
/* A host's own log (Windows Firewall): its clock is that host's, not a
 * server's kept on time. */
#define WCS_READER_HOSTLOG 0x8
/* Lines that do not stand alone, but the reader can go on from a line
 * boundary given what it learnt from the lines before (resume_save). */
#define WCS_READER_RESUMABLE 0x10
#define WCS_READER_RESUME_MAX 128

struct wcs_read_opts {
	const struct wcs_tz *tz; /* for WCS_READER_LOCALTIME; NULL = UTC */
	int year; /* for WCS_READER_NOYEAR; 0 = file mtime */
};

struct wcs_reader_ops {
	const char *name; /* for --format and the report */
	const char *description; /* one line for --list-formats */
	enum wcs_input_kind kind;
	unsigned flags;
	int (*bid)(const unsigned char *peek, size_t len, int best_bid);
	/* On success *state is the reader's; on failure nothing is kept. */
	int (*open)(struct wcs_ctx *ctx, struct wcs_input *in,
	    const struct wcs_read_opts *opts, void **state);
	int (*next)(struct wcs_ctx *ctx, void *state, struct wcs_event *ev);
	/* Accepts a NULL state. */
	void (*close)(void *state);
	/*
	 * WCS_READER_RESUMABLE: resume_save writes, after the reader's last
	 * record, what it learnt that the lines after would need (at most
	 * cap, WCS_READER_RESUME_MAX, bytes) and returns the length: 0 when
	 * it cannot go on from there (read the file again whole next
	 * time).  resume_load gives that back to a reader opened on the
	 * rest of the file, before its first record: false for bytes its
	 * resume_save does not write.
	 */
	size_t (*resume_save)(
	    const void *state, unsigned char *buf, size_t cap);
	bool (*resume_load)(void *state, const unsigned char *buf, size_t len);
};

/* The readers, cheapest bidders first. */
const struct wcs_reader_ops *const *wcs_readers(size_t *count);
/* By name, or NULL. */
const struct wcs_reader_ops *wcs_reader_find(const char *name);
const char *wcs_input_kind_name(enum wcs_input_kind kind);

/*
 * The best bidder among the readers whose kind is in kind_mask, or NULL
 * when none bids above 0.  *best gets the winning bid.
 */
const struct wcs_reader_ops *wcs_reader_choose(
    const unsigned char *peek, size_t len, unsigned kind_mask, int *best);

/* Called for every event; a status other than WCS_OK stops the run. */
typedef int (*wcs_event_cb)(const struct wcs_event *ev, void *arg);

struct wcs_run_opts {
	struct wcs_read_opts read;
	int64_t since, until; /* WCS_TIME_NONE = open-ended */
	uint32_t input_index; /* copied to ev->input */
	/* Going on from the middle of a file: what the reader's
	 * resume_save gave there (resume_len 0: reading from the start, or
	 * lines that stand alone).  Given to resume_load as it opens. */
	const unsigned char *resume;
	size_t resume_len;
};

/*
 * Read a whole input with ops, feeding events to cb and keeping the
 * accounting in st (records, events, ignored, rejected, first, last, the
 * first rejects).  Events outside [since, until] are counted as ignored.
 * Returns WCS_OK, WCS_FAILED (the input broke off; st->error says why and
 * what was read before stays counted) or WCS_FATAL.
 */
int wcs_reader_run(struct wcs_ctx *ctx, const struct wcs_reader_ops *ops,
    struct wcs_input *in, const struct wcs_run_opts *opts,
    struct wcs_input_stats *st, wcs_event_cb cb, void *arg);

/*
 * The same, a slice at a time, so that a caller can interleave inputs or
 * read them on other threads.  A job keeps the input, the reader state
 * and the accounting in st; it uses ctx for errors and memory and nothing
 * else, so jobs with their own ctx can run on different threads.
 *
 * wcs_read_job_new: WCS_OK (*job set), what ops->open returned, or
 * WCS_FAILED (ctx says) when the reader does not take opts->resume.
 * wcs_read_job_fill: hands up to max_events events to cb and returns
 * WCS_OK when more may follow, WCS_EOF when the input is finished, or
 * WCS_FAILED / WCS_FATAL / the callback's status.  After anything but
 * WCS_OK the job is done and further calls return WCS_EOF.
 */
struct wcs_read_job;
int wcs_read_job_new(struct wcs_ctx *ctx, const struct wcs_reader_ops *ops,
    struct wcs_input *in, const struct wcs_run_opts *opts,
    struct wcs_input_stats *st, struct wcs_read_job **job);
int wcs_read_job_fill(
    struct wcs_read_job *job, wcs_event_cb cb, void *arg, uint64_t max_events);
/* The same into b until it is full, each event written in place
 * (wcs_event_batch_next); WCS_FATAL when b's strings find no memory. */
int wcs_read_job_fill_batch(
    struct wcs_read_job *job, struct wcs_event_batch *b);
/* The input being read (bytes so far, for progress). */
const struct wcs_input_info *wcs_read_job_input(const struct wcs_read_job *job);
/* Closes the reader, not the input.  Accepts NULL. */
void wcs_read_job_free(struct wcs_read_job *job);
/* Its reader's resume_save (0: it has none). */
size_t wcs_read_job_resume_save(
    const struct wcs_read_job *job, unsigned char *buf, size_t cap);

#endif /* WCSCAN_READER_H */
