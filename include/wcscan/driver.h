/*
 * The input driver (module driver): the inputs a user names, expanded,
 * opened, bid for, read in a fixed order on worker threads, and fed to
 * the engine, with every input's accounting.
 *
 * How reading is ordered.  The engine is single-threaded and what it
 * concludes can depend on the order it sees events in, so the order is
 * fixed by the inputs alone, never by the thread count:
 *  - the inputs are listed first (wcs_driver_add: a directory walked, one
 *    walk for all, so no file is listed twice), then read in list order;
 *  - a big plain file of a format whose lines stand alone is read as
 *    pieces of the piece size (WCS_READER_SPLITTABLE; cut where
 *    wcs_input_split would cut, the lines before each piece counted on the
 *    workers as the group is read: wcs_feed_group), each a member of its
 *    own, in file order; other inputs are one member;
 *  - members are read WCS_FEED_GROUP at a time (a group), round robin, one
 *    batch of WCS_FEED_BATCH events from each in turn (wcs_feed_group);
 *  - a member's accounting is merged into its input's when it is done,
 *    pieces in file order, so the stats read as if the file were whole.
 * The pieces and groups depend on the piece size and the inputs only, so
 * the report is byte for byte the same for any thread count.
 *
 * What the driver has to say (an input that cannot be read, a log that
 * says it lost events, the first rejects) goes to the say hook as it
 * happens, each message one line without the program's name; the same
 * facts stay in the inputs' stats for the report.  The driver itself
 * never prints.
 */
#ifndef WCSCAN_DRIVER_H
#define WCSCAN_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wcscan/core.h"
#include "wcscan/engine.h"
#include "wcscan/input.h"
#include "wcscan/reader.h"
#include "wcscan/stats.h"
#include "wcscan/timeutil.h"

/* Pieces of this size; files under two pieces are read whole.  Fixed,
 * never derived from the thread count: the pieces decide the order events
 * come in. */
#define WCS_DRIVER_PIECE_SIZE ((uint64_t)32 << 20)

enum wcs_driver_level {
	WCS_DRIVER_WARNING, /* said; the run's status does not change */
	WCS_DRIVER_ERROR /* said, and wcs_driver_failed becomes true */
};

/*
 * Hooks the driver calls on the thread that called wcs_driver_add or
 * wcs_driver_run; each may be NULL.  group/progress/group_done bracket
 * the reading of one group: its first input, the bytes of the group read
 * so far, and its end.
 */
struct wcs_driver_hooks {
	void (*say)(void *arg, enum wcs_driver_level level, const char *msg);
	void (*group)(void *arg, const char *path, uint64_t size,
	    unsigned index, unsigned count);
	void (*progress)(void *arg, uint64_t bytes);
	void (*group_done)(void *arg);
	void *arg;
};

struct wcs_driver_opts {
	const char *forced_reader; /* a reader's name: no bidding; NULL */
	size_t max_line; /* the line cap; 0 = WCS_LINE_MAX_DEFAULT */
	const struct wcs_tz *tz; /* for local-time formats; NULL = UTC */
	int year; /* for year-less stamps; 0 = the file's mtime */
	int64_t since, until; /* WCS_TIME_NONE = open-ended */
	bool strict; /* rejects and stray files are errors */
	bool follow_symlinks; /* out of the directories named, too */
	unsigned threads; /* reader threads; 0 = one per core */
	uint64_t piece_size; /* 0 = WCS_DRIVER_PIECE_SIZE */
	/* With a state loaded: read only what is new in each file named
	 * (below, "Incremental reading"); else a file named is read whole
	 * and its accounting added to the state's. */
	bool incremental;
	struct wcs_driver_hooks hooks;
};

struct wcs_driver;

/*
 * A driver with no inputs yet.  opts is copied (its strings and tz are
 * borrowed until wcs_driver_free).  Errors and memory go through ctx,
 * which must outlive the driver.  NULL when out of memory.
 */
struct wcs_driver *wcs_driver_new(
    struct wcs_ctx *ctx, const struct wcs_driver_opts *opts);
/* Accepts NULL.  Frees the paths and the stats' error strings. */
void wcs_driver_free(struct wcs_driver *drv);

/*
 * List path ("-" for standard input): a file, or a directory walked for
 * the files in it.  kind_mask (enum wcs_input_kind bits) limits the
 * readers that may bid.  Entries skipped inside a directory are said as
 * warnings.  Returns WCS_OK; WCS_FAILED when path itself cannot be
 * listed (it is an input all the same, with its error, said as an
 * error); WCS_FATAL when out of memory, or after wcs_driver_run (ctx
 * says).
 */
int wcs_driver_add(
    struct wcs_driver *drv, const char *path, unsigned kind_mask);
/*
 * List len bytes of memory as an input named name, as if a file with
 * those bytes had been named: buf is borrowed until wcs_driver_run
 * returns.  Never read in pieces.  WCS_OK or WCS_FATAL (as
 * wcs_driver_add).
 */
int wcs_driver_add_mem(struct wcs_driver *drv, const char *name,
    const void *buf, size_t len, unsigned kind_mask);

/*
 * Read every input listed (once: a second call is refused with
 * WCS_FATAL, the inputs were read).  Each event goes to eng (when not
 * NULL), then to cb (when not NULL), on the calling thread and in the
 * order above.  eng learns the inputs' paths (wcs_engine_set_inputs:
 * borrowed, so free eng before the driver) and which are hosts' own logs.
 * An input that cannot be read, or breaks off, is said and accounted in
 * its stats; the others are read.  Returns WCS_OK, or WCS_FATAL (out of
 * memory, or eng or cb returned other than WCS_OK: the reading stopped;
 * ctx says why).
 */
int wcs_driver_run(
    struct wcs_driver *drv, struct wcs_engine *eng, wcs_event_cb cb, void *arg);

/* The inputs listed so far, in list order. */
size_t wcs_driver_count(const struct wcs_driver *drv);
/*
 * Their accounting, an array of wcs_driver_count entries, valid until the
 * next wcs_driver_add or wcs_driver_free.  The caller may set clock_note
 * and dup_note; it frees what it sets.
 */
struct wcs_input_stats *wcs_driver_stats(struct wcs_driver *drv);
/* The path of input i ("-" for standard input), as events' ev->input. */
const char *wcs_driver_path(const struct wcs_driver *drv, size_t i);
/* Whether anything was said as an error: an input not (fully) read, or,
 * with strict, a rejected record or a file of no known format. */
bool wcs_driver_failed(const struct wcs_driver *drv);

/*
 * Input accounting in state files: the section "inputs"
 * (WCS_STATE_SEC_INPUTS, src/driver/state.c says its layout) holds every
 * input's struct wcs_input_stats but its clock and copy notes (the
 * engine's), and, for each file read, what recognises it on a later run.
 *
 * wcs_driver_save_state writes the section for every input listed, read
 * or loaded, in byte order of path.  WCS_OK, WCS_FAILED (a section of
 * that type written already) or WCS_FATAL (ENOMEM); ctx says.
 *
 * wcs_driver_load_state adds a state's inputs to the list, before
 * wcs_driver_run, as inputs already read: wcs_driver_run reads none of
 * them again unless it is named (wcs_driver_add) too.  An input already
 * listed under the same path (named, or from another state) gets the
 * state's accounting merged into its own: counts add, first and last
 * are the least and greatest, the WCS_REJECT_SAMPLES rejects of least
 * line number are kept (ties by text), flags are or-ed, the error and
 * the file note kept are the least in byte order of those set, and the
 * log note is made again from the merged counts.  So merging is
 * commutative and associative: states loaded in any order give the same
 * accounting.  A state without the section is WCS_OK (nothing to add).
 * A file that a state loaded before read too (the same path, the same
 * first WCS_DRIVER_HASH_BLOCK bytes) would count twice: the state is
 * refused.  Not a sweep, a file named that a state loaded read is not
 * read again by wcs_driver_run (said as its error).  WCS_OK; WCS_FAILED
 * (a malformed section, an unknown format name, a file read twice, or
 * after wcs_driver_run: ctx names the state file, nothing was added);
 * WCS_FATAL (ENOMEM).
 *
 * The list's order, which numbers the inputs for the engine
 * (wcs_engine_set_inputs) and the report: inputs named (wcs_driver_add,
 * wcs_driver_add_mem) first, in the order named, then the inputs only a
 * state knows, in byte order of path, so that states merged in any order
 * list their inputs alike.  The order is made when a state is loaded and
 * again by wcs_driver_stats and wcs_driver_run: call one of them before
 * wcs_driver_path after mixing states and names.
 */
struct wcs_state_writer;
struct wcs_state;
int wcs_driver_save_state(
    const struct wcs_driver *drv, struct wcs_state_writer *w);
int wcs_driver_load_state(struct wcs_driver *drv, const struct wcs_state *st);

/*
 * Incremental reading (opts.incremental, with a state loaded).  For every
 * file a state read, the section keeps its device and inode, its size
 * read up to, the decoded offset of the end of what was read and the
 * lines up to there, whether it was gzip, the FNV-1a hashes of its first
 * block (WCS_DRIVER_HASH_BLOCK bytes of the decoded stream, or all there
 * was) and of the block that ends at the saved offset, and of the raw
 * file's first and last blocks.  wcs_driver_run then reads each file
 * named as follows:
 *  - unchanged (same device, inode and size, raw blocks alike): not read
 *    past its two raw blocks;
 *  - appended (size grown, first block and block at the saved offset
 *    alike): read from the saved offset, line numbers going on from the
 *    saved count, its accounting added to the saved (a plain file seeks,
 *    and a big new part is read in pieces; gzip and UTF-16 are decoded
 *    and dropped up to the offset), when its lines stand alone or (a
 *    plain file) its reader takes back what it learnt before (WCS_READER_
 *    RESUMABLE: the bytes resume_save gave are kept with the file); else
 *    read again whole, the records of the lines read before dropped;
 *  - rotated (its first block is a saved file's, not claimed by that
 *    file's own path, and the block at that file's offset is alike: a
 *    file renamed, even gzipped since, as the decoded stream is compared):
 *    read past that offset only;
 *  - replaced or truncated (another first block, or smaller than the
 *    saved offset), or a file no state knows: read whole, its accounting
 *    added to the saved (a replaced file is a new version); so said in
 *    the input's file_note.
 * Files are claimed by their own path first, then rotations in list
 * order.  wcs_driver_sweep counts what the run found.
 */
#define WCS_DRIVER_HASH_BLOCK 4096
struct wcs_driver_sweep {
	uint64_t unchanged; /* files not read: as the state saw them */
	uint64_t appended; /* files read from the state's offset */
	uint64_t appended_bytes; /* raw bytes read past those offsets */
	uint64_t replaced; /* files read whole again: replaced, truncated */
	uint64_t rotated; /* files found to be a state's file renamed */
	uint64_t fresh; /* files no state knew: read whole */
};
void wcs_driver_sweep(
    const struct wcs_driver *drv, struct wcs_driver_sweep *out);
/*
 * Order the inputs and decide, against the states loaded, what each
 * sweep reads (wcs_driver_sweep counts it), without reading: so that a
 * caller can tell a sweep with nothing new before it loads the engine.
 * wcs_driver_run does it when it was not done; no state is loaded after.
 * WCS_OK, or WCS_FATAL (out of memory).
 */
int wcs_driver_plan(struct wcs_driver *drv);

/*
 * The schedule below wcs_driver_run, for callers that make their own read
 * jobs: read a group of up to WCS_FEED_GROUP jobs into cb, round robin a
 * batch of WCS_FEED_BATCH events at a time, on up to `threads` worker
 * threads (<= 1: on this one).  cb always runs on the calling thread, and
 * sees the same events in the same order whatever `threads` is.  Each
 * input's final status lands in its rc (WCS_OK, WCS_FAILED with the
 * reason in its ctx, WCS_FATAL).  hooks (may be NULL) gets the bytes read.
 * Returns WCS_OK or WCS_FATAL (cb failed, out of memory).
 *
 * Pieces of one file whose line numbers are not known yet (nobody read
 * the file through to count them): a piece with count set has the lines
 * of piece (a byte range of the file piece_path, checked to be piece.dev
 * and piece.ino) counted before it is read, by the worker that reads it,
 * and says how many in lines (counted true); a chained input is the
 * piece after the input before it in the group: its line numbers go on
 * from that one's (line_base + lines), set in its input (in, through
 * wcs_input_skip) before its first batch.  So line numbers come out as if
 * the file were read whole, and the counting runs on the workers.  A
 * chained input whose lines before cannot be known (a count failed) ends
 * WCS_FAILED without being read; its ctx says why.  Zeroed fields:
 * nothing counted or chained.
 */
#define WCS_FEED_BATCH 1024
#define WCS_FEED_GROUP 8
struct wcs_feed_input {
	struct wcs_ctx *ctx; /* the job's own: errors and memory */
	struct wcs_read_job *job;
	int rc;
	struct wcs_input *in; /* the job's input: needed when chained */
	const char *piece_path; /* of a piece counted or chained */
	struct wcs_input_piece piece;
	bool count; /* count piece's lines */
	bool chained; /* lines go on from the input before */
	bool counted; /* out: lines holds piece's lines */
	uint64_t line_base; /* lines before the job's first (out if chained) */
	uint64_t lines; /* out: piece's lines */
};
int wcs_feed_group(struct wcs_ctx *ctx, struct wcs_feed_input *inputs, size_t n,
    unsigned threads, wcs_event_cb cb, void *arg,
    const struct wcs_driver_hooks *hooks);

#endif /* WCSCAN_DRIVER_H */
