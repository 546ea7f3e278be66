/*
 * Inside the driver: the listed inputs, the members a group reads, and
 * the accounting shared by driver.c (listing, opening, pieces, groups)
 * and account.c (what the reading of a member came to).
 */
#ifndef WCSCAN_DRIVER_PRIVATE_H
#define WCSCAN_DRIVER_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wcscan/driver.h"
#include "wcscan/input.h"
#include "wcscan/reader.h"

/*
 * A file as it was read (what recognises it on a later run: wcscan/
 * driver.h, "Incremental reading").  Decoded offsets and blocks are of
 * the stream readers see; raw ones of the file's bytes.
 */
struct cat_file {
	bool valid;
	bool gzip, utf16;
	uint64_t dev, ino;
	uint64_t size; /* raw bytes read up to */
	uint64_t offset, lines; /* decoded: the end of what was read */
	uint64_t roff; /* raw offset of `offset` (plain files; else 0) */
	uint32_t head_len, at_len; /* both min(HASH_BLOCK, offset) */
	uint64_t head_hash; /* decoded [0, head_len) */
	uint64_t at_hash; /* decoded [offset - at_len, offset) */
	uint64_t raw_head, raw_end; /* the file's first and last blocks */
	/* What its reader needs to read on from offset (WCS_READER_
	 * RESUMABLE, resume_save); resume_len 0: nothing. */
	uint32_t resume_len;
	unsigned char resume[WCS_READER_RESUME_MAX];
};

/* What this run does with a file (catalog.c). */
enum cat_plan {
	PLAN_WHOLE = 0, /* read it all (no state, or not incremental) */
	PLAN_SKIP, /* unchanged: not read */
	PLAN_FROM, /* read from cat_from's offset */
};

/* How an input was named, until it is read. */
struct pending {
	unsigned kind_mask;
	bool top_level; /* named by the caller, not found in a directory */
	bool failed; /* could not even be listed */
	uint64_t dev, ino; /* the file listed: opening checks it is that */
	const void *mem; /* wcs_driver_add_mem's bytes; NULL for a file */
	size_t mem_len;
	bool listed; /* named for this run (else only a state knows it) */
	bool saved; /* its stats hold a state's accounting */
	uint64_t seq; /* when it was named: the list's order */
	struct cat_file cat; /* as a state saw it, then as this run read it */
	bool looked; /* a file this run may skip or read in part */
	enum cat_plan plan;
	/* Read again whole (appended, but its reader cannot start in the
	 * middle): the records of these first lines were read before. */
	uint64_t skip_lines;
	/* PLAN_FROM: the saved file it goes on from, read with from_ops;
	 * a plain file from raw byte from_start to from_end, else decoded
	 * and dropped up to from.offset. */
	struct cat_file from;
	const struct wcs_reader_ops *from_ops;
	bool from_plain;
	uint64_t from_start, from_end;
	uint64_t dec_head_hash; /* decoded first block, seen when opened */
	uint32_t dec_head_len;
};

/*
 * An input of the group being read, or a piece of one: big plain files of
 * formats whose lines stand alone are read in pieces at once.
 */
struct member {
	size_t index;
	struct wcs_ctx ctx; /* its own: it may be read on a thread */
	struct wcs_input *in;
	struct wcs_input_stats st; /* merged into the input's when done */
	bool last; /* the input's last piece (or the whole input) */
	bool piece; /* opened as a piece: offsets count raw bytes */
	/* The last member's reader's resume_save, once read. */
	size_t resume_len;
	unsigned char resume[WCS_READER_RESUME_MAX];
};

struct wcs_driver {
	struct wcs_ctx *ctx;
	struct wcs_driver_opts o;
	unsigned threads; /* resolved from o.threads */
	uint64_t piece_size; /* resolved from o.piece_size */
	struct wcs_walk *walk; /* one for every path listed; NULL once read */
	unsigned kind_mask; /* of the path being listed */
	/* Inputs found so far; paths[], pend[] parallel stats[]. */
	struct wcs_input_stats *stats;
	char **paths;
	struct pending *pend;
	size_t n, cap;
	/* Path -> index + 1, open addressing, mapcap a power of 2. */
	size_t *map, mapcap;
	uint64_t seq; /* the next input named */
	bool disordered; /* the list is not in its order (driver.h) */
	struct wcs_driver_sweep sweep;
	bool ran; /* wcs_driver_run was called */
	bool planned; /* wcs_driver_plan was called */
	bool error; /* something was said as an error */
	/* While running: where events go. */
	struct wcs_engine *eng;
	wcs_event_cb cb;
	void *cb_arg;
	bool stopped; /* eng or cb returned other than WCS_OK */
};

/* A message through the say hook; an error sets drv->error. */
void drv_say(struct wcs_driver *drv, enum wcs_driver_level level,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Input st could not be (fully) read: why goes to its error (the first
 * reason stays) and is said, as an error when counts, else a warning.
 */
void drv_input_error(struct wcs_driver *drv, struct wcs_input_stats *st,
    const char *why, bool counts);
/* Input i by path, or SIZE_MAX. */
size_t drv_find(const struct wcs_driver *drv, const char *path);
/* Put the list in its order (driver.h) and index it again.  WCS_OK or
 * WCS_FATAL. */
int drv_order(struct wcs_driver *drv);
/* A new input only a state knows, or NULL (ENOMEM). */
struct wcs_input_stats *drv_new_saved(struct wcs_driver *drv, const char *path);
/* A state's accounting merged into an input's (driver.h says how). */
/* Forget input i's saved accounting: it is read again from its start. */
void drv_stats_forget(struct wcs_driver *drv, size_t i);
int drv_merge_saved(struct wcs_driver *drv, struct wcs_input_stats *to,
    const struct wcs_input_stats *from);
/* The log note made from st's counts; said as warnings when drv. */
void drv_log_note(
    struct wcs_driver *drv, const char *path, struct wcs_input_stats *st);

/* Decide what this run reads of each file named (incremental runs):
 * pend[].plan.  WCS_OK or WCS_FATAL. */
int drv_plan(struct wcs_driver *drv);
/* Input m->index's file as m (its last member, still open) read it. */
void drv_cat_record(struct wcs_driver *drv, const struct member *m);

/* What the reading of member m came to (rc: its last status), said once
 * it is over; its input is closed. */
void drv_close_member(struct wcs_driver *drv, struct member *m, int rc);

#endif /* WCSCAN_DRIVER_PRIVATE_H */
