/*
 * Engine state files (module io): the container that holds what the
 * engine accumulated from its inputs, so that shards read on several
 * machines, or last night's sweep, can be merged and concluded later.
 *
 * The container knows nothing of what the sections mean; each engine
 * module writes and reads its own section through the put and get calls
 * below.  Layout, all integers little-endian:
 *
 *	0	8	magic: 0x89 'W' 'C' 'S' '\r' '\n' 0x1a '\n'
 *	8	4	format version (WCS_STATE_FORMAT_VERSION)
 *	12	4	number of sections (at most WCS_STATE_SECTIONS_MAX)
 *	16	8	length of the whole file, trailer included
 *	24	2	length P of the producer string (at most 63)
 *	26	P	producer, e.g. "wcscan 0.1.0" (printable ASCII)
 *	then one 32-byte entry per section:
 *		0  4  type (enum wcs_state_section)
 *		4  4  the section's own format version
 *		8  8  length of its body
 *		16 4  CRC-32 of its body
 *		20 12 name, printable ASCII, NUL-padded (for messages)
 *	then the bodies, one after the other in table order
 *	last 4	CRC-32 of the header and the table
 *
 * The magic's 0x89 and CR LF SUB LF catch a file mangled as text (after
 * PNG's signature).  A reader checks the magic, then the version (so that
 * another version is refused by name, not as corrupt), then the length,
 * the checksum of the header and table, the table (sections end to end,
 * filling the file exactly) and each section's checksum before anyone
 * reads a body.  The bodies' own checksums let a reader check the
 * sections it reads and no other (wcs_state_load_some, then
 * wcs_state_read_more or wcs_state_read_others once the caller knows
 * which others it needs).
 * Inside a body every length and count is checked against the bytes left
 * (wcs_state_get_count): a hostile state file is hostile input.
 */
#ifndef WCSCAN_STATEFILE_H
#define WCSCAN_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wcscan/core.h"

#define WCS_STATE_FORMAT_VERSION 2u
#define WCS_STATE_SECTIONS_MAX 64u
#define WCS_STATE_NAME_MAX 12u
/* References a writer holds (wcs_state_put_ref); past them, copies. */
#define WCS_STATE_REFS_MAX 8u
/* A state is bounded by hosts and pairs; this bounds what load reads. */
#define WCS_STATE_FILE_MAX ((uint64_t)2 << 30)

enum wcs_state_section {
	WCS_STATE_SEC_FANOUT = 1, /* 445/tcp contacts (engine/fanout.c) */
	WCS_STATE_SEC_ENGINE = 2, /* options, inputs, clocks (engine/state.c) */
	WCS_STATE_SEC_RECORDS = 3, /* Windows records read (engine/state.c) */
	WCS_STATE_SEC_INPUTS = 4, /* inputs' accounting (driver/state.c) */
	WCS_STATE_SEC_HOSTS = 5, /* hosts (engine/hosts_state.c) */
	WCS_STATE_SEC_SWEEP = 6, /* the last sweep's verdicts (cli/sweep.c) */
	WCS_STATE_SEC_REPORT = 7, /* the last sweep's report (cli/kept.c) */
	WCS_STATE_SEC_TEST = 0x7fff0000 /* unit tests and fuzzing only */
};

struct wcs_state_writer;
struct wcs_state;

/*
 * A bounded reader of one section's body.  Every get after a failure
 * returns 0 (or NULL) and keeps the cursor failed, so a loader may read
 * a record and check wcs_state_cursor_ok once.
 */
struct wcs_state_cursor {
	const unsigned char *base, *p, *end;
	const char *file, *section;
	bool bad;
};

/* A writer that collects sections in memory.  NULL on ENOMEM (in ctx). */
struct wcs_state_writer *wcs_state_writer_new(struct wcs_ctx *ctx);
/* Accepts NULL. */
void wcs_state_writer_free(struct wcs_state_writer *w);
/*
 * Room for n bytes of bodies, taken at once: a caller that knows about
 * how large the state will be (the last one's size) spares the buffer
 * its growth, each step a copy of all before.  A hint: nothing fails
 * here (the puts find out).
 */
void wcs_state_writer_reserve(struct wcs_state_writer *w, size_t n);
/*
 * Start a section; the puts that follow are its body until
 * wcs_state_end.  WCS_OK, or WCS_FAILED (a section is open, the type is
 * already written, too many sections, a bad name), WCS_FATAL (ENOMEM).
 */
int wcs_state_begin(struct wcs_state_writer *w, uint32_t type, const char *name,
    uint32_t version);
/* The puts never fail by themselves: an ENOMEM is kept for wcs_state_end. */
void wcs_state_put_u8(struct wcs_state_writer *w, uint8_t v);
void wcs_state_put_u32(struct wcs_state_writer *w, uint32_t v);
void wcs_state_put_u64(struct wcs_state_writer *w, uint64_t v);
void wcs_state_put_i64(struct wcs_state_writer *w, int64_t v);
void wcs_state_put_bytes(struct wcs_state_writer *w, const void *p, size_t n);
/*
 * n bytes at p, by reference: written from p when the file is laid out
 * or saved, not copied into the writer (a kept report of megabytes).  p
 * must stay valid and unchanged until the writer is freed.  Past
 * WCS_STATE_REFS_MAX references, or outside a section, they are copied.
 */
void wcs_state_put_ref(struct wcs_state_writer *w, const void *p, size_t n);
/* A length (u32) and the bytes of s; NULL is written as length 0. */
void wcs_state_put_str(struct wcs_state_writer *w, const char *s);
/* Close the section.  WCS_OK, WCS_FAILED (none open) or WCS_FATAL. */
int wcs_state_end(struct wcs_state_writer *w);
/*
 * The whole file (header, table, bodies, trailer), valid until the
 * writer is freed.  NULL with the reason in ctx (a section still open,
 * ENOMEM).
 */
const void *wcs_state_writer_data(struct wcs_state_writer *w, size_t *len);
/*
 * Write the file to path through the safe output writer (output.h: a
 * temporary file renamed over the path).  WCS_OK, WCS_FAILED (the reason
 * names the path) or WCS_FATAL.
 */
int wcs_state_writer_save(struct wcs_state_writer *w, const char *path);

/*
 * Check a state file held in memory; name is used in messages.  The
 * bytes are copied.  WCS_OK with *out set; WCS_FAILED with a message
 * naming the file (not a state file, another version with the one found
 * and the one expected, truncated, corrupt); WCS_FATAL on ENOMEM.
 */
int wcs_state_parse(struct wcs_ctx *ctx, const char *name, const void *buf,
    size_t len, struct wcs_state **out);
/* Read and check the file at path (at most WCS_STATE_FILE_MAX bytes). */
int wcs_state_load(
    struct wcs_ctx *ctx, const char *path, struct wcs_state **out);
/*
 * The same, reading only the sections of the types given (with the
 * header, the table and the trailer): the others are as if absent.  For
 * a look at a state's small sections without reading its large ones.
 * The file stays open until every section is read or the state freed.
 */
int wcs_state_load_some(struct wcs_ctx *ctx, const char *path,
    const uint32_t *types, size_t ntypes, struct wcs_state **out);
/*
 * Read sections that wcs_state_load_some left out, from the file it
 * opened (whose header and table were checked, not the path again):
 * those of the types given (read_more), or all but those (read_others),
 * each checked against its own checksum; a section already read is not
 * read again.  read_others closes the file: what it skipped stays
 * absent, and a read_more after it of a section still absent fails.
 * WCS_OK; WCS_FAILED (said: the file and the section) with the sections
 * that failed left absent; WCS_FATAL.
 */
int wcs_state_read_more(
    struct wcs_state *st, const uint32_t *types, size_t ntypes);
int wcs_state_read_others(
    struct wcs_state *st, const uint32_t *skip, size_t nskip);
/* The file's length in bytes. */
size_t wcs_state_size(const struct wcs_state *st);
/* The length of the body of type's section as the table says, read or
 * not; 0 when the file has none. */
uint64_t wcs_state_section_size(const struct wcs_state *st, uint32_t type);
/* Accepts NULL. */
void wcs_state_free(struct wcs_state *st);
const char *wcs_state_name(const struct wcs_state *st);
const char *wcs_state_producer(const struct wcs_state *st);
/*
 * Find the section of the given type: WCS_OK with cur and *version set,
 * or WCS_EOF when the file has none.
 */
int wcs_state_section(const struct wcs_state *st, uint32_t type,
    struct wcs_state_cursor *cur, uint32_t *version);

uint8_t wcs_state_get_u8(struct wcs_state_cursor *c);
uint32_t wcs_state_get_u32(struct wcs_state_cursor *c);
uint64_t wcs_state_get_u64(struct wcs_state_cursor *c);
int64_t wcs_state_get_i64(struct wcs_state_cursor *c);
/* n bytes in place, or NULL (and the cursor failed) if fewer are left. */
const void *wcs_state_get_bytes(struct wcs_state_cursor *c, size_t n);
/*
 * A u32 count of records that each take at least min_size bytes: the
 * cursor fails when it exceeds max or the bytes left cannot hold them,
 * so no count read from a file can make its reader allocate more than
 * the file itself would justify.
 */
uint32_t wcs_state_get_count(
    struct wcs_state_cursor *c, uint32_t max, size_t min_size);
bool wcs_state_cursor_ok(const struct wcs_state_cursor *c);
/* True when the body was read to its end without failing. */
bool wcs_state_cursor_done(const struct wcs_state_cursor *c);
/*
 * Set ctx's error to "FILE: section NAME at byte N: why" and return
 * WCS_FAILED, for a loader that found a body malformed.
 */
int wcs_state_cursor_error(
    struct wcs_ctx *ctx, const struct wcs_state_cursor *c, const char *why);

#endif /* WCSCAN_STATEFILE_H */
