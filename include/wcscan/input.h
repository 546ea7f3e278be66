/*
 * Input streams (module io).
 *
 * An input is a file path or "-" for standard input.  Compression is
 * detected by content: gzip members (also several concatenated) are
 * inflated; anything else passes through.  After decompression a byte-order
 * mark is honoured: UTF-16LE/BE text is transcoded to UTF-8 (a lone
 * surrogate becomes U+FFFD) and a UTF-8 BOM is dropped, so readers only
 * ever see bytes in an ASCII-compatible encoding.
 *
 * Readers see the decoded stream in one of two ways:
 *  - lines: wcs_input_getline returns one line at a time without its
 *    terminator ("\n" or "\r\n"), never longer than the line cap; an
 *    over-long line is skipped whole and reported as WCS_WARN;
 *  - a window: wcs_input_fill makes at least `want` bytes visible (fewer
 *    only at end of input), wcs_input_consume moves past them.
 * Both share one buffer, so memory is bounded by the cap, not the input.
 */
#ifndef WCSCAN_INPUT_H
#define WCSCAN_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "wcscan/core.h"

#define WCS_PEEK_SIZE 4096
#define WCS_LINE_MAX_DEFAULT (1024 * 1024)

struct wcs_input;

struct wcs_input_info {
	const char *path; /* as given; "-" for stdin */
	time_t mtime; /* 0 for stdin and pipes */
	bool gzip; /* the stream was gzip-compressed */
	bool utf16; /* the stream was UTF-16 (transcoded) */
	uint64_t raw_bytes; /* bytes read from the file so far */
	uint64_t raw_size; /* file size; 0 when unknown (pipes) */
	uint64_t dev, ino; /* the file read; both 0 for memory */
	/*
	 * The file got smaller while it was read (logrotate's copytruncate):
	 * at end of input it was shrank_to bytes, less than shrank_from (its
	 * size when opened, or what had been read of it).  What was read
	 * before is handed out; a line the shrinking cut off is dropped.
	 */
	bool shrank;
	uint64_t shrank_from, shrank_to;
	/* Bytes of a last line without a newline, not handed out
	 * (wcs_input_hold_partial). */
	uint64_t held;
};

/*
 * An input as it was listed: its path, whether the user named it (rather
 * than a walk finding it inside a directory), and which file it was then
 * (device and inode; both 0 when not known).
 */
struct wcs_input_ref {
	const char *path; /* "-" for stdin */
	bool named;
	uint64_t dev, ino;
};

/*
 * Open ref->path ("-" is standard input).  line_max caps a line or a
 * window (0 = WCS_LINE_MAX_DEFAULT).  Returns WCS_OK, or WCS_FAILED with
 * the error (naming the path and, for a file of the wrong type, the type)
 * in ctx.
 *
 * The open never blocks and follows no terminal: the file is opened with
 * O_NONBLOCK and O_NOCTTY, then checked with fstat.  Accepted are regular
 * files, standard input, and a FIFO the user named (opened again to wait
 * for its writer, then read blocking); not a FIFO found in a directory,
 * a device, a socket or a directory.  When ref has an identity, the file
 * opened must still be that file: one swapped after listing is refused.
 */
int wcs_input_open_ref(struct wcs_ctx *ctx, const struct wcs_input_ref *ref,
    size_t line_max, struct wcs_input **out);
/* The same for a path the caller names (ref->named, no identity). */
int wcs_input_open(struct wcs_ctx *ctx, const char *path, size_t line_max,
    struct wcs_input **out);
/* The same over len bytes of memory (borrowed until close), named name. */
int wcs_input_open_mem(struct wcs_ctx *ctx, const char *name, const void *buf,
    size_t len, size_t line_max, struct wcs_input **out);
/*
 * A plain file in pieces that can be read at once on several threads:
 * each piece starts at a line start at least piece_size after the one
 * before, and knows how many lines precede it, so line numbers and
 * offsets come out as if the file were read whole.  wcs_input_split reads
 * the file once to find them (one piece for a file without line ends past
 * piece_size); *pieces is freed with wcs_free.  Only for regular files
 * that are neither gzip nor UTF-16: the caller checks (wcs_input_info),
 * and that the pieces' dev and ino are those of the input it opened.  A
 * piece past the end of a file that has since shrunk reads as empty.
 */
struct wcs_input_piece {
	uint64_t start, end; /* byte range [start, end) */
	uint64_t lines_before;
	uint64_t size; /* the file's size when split */
	uint64_t dev, ino; /* the file split: a piece opens only that */
};
int wcs_input_split(struct wcs_ctx *ctx, const char *path, uint64_t piece_size,
    struct wcs_input_piece **pieces, size_t *npieces);
/* The same for the part of the file from byte start (a line start, with
 * lines_before lines before it): what is new in a file read before. */
int wcs_input_split_from(struct wcs_ctx *ctx, const char *path, uint64_t start,
    uint64_t lines_before, uint64_t piece_size, struct wcs_input_piece **pieces,
    size_t *npieces);
int wcs_input_open_piece(struct wcs_ctx *ctx, const char *path,
    const struct wcs_input_piece *piece, size_t line_max,
    struct wcs_input **out);
/* Accepts NULL. */
void wcs_input_close(struct wcs_input *in);
/*
 * Allow inflating gzip ahead on a thread of the input's own (at most 1 MiB
 * ahead), so that decompression and parsing overlap.  The input is still
 * read from one thread at a time; nothing else changes.
 */
void wcs_input_set_threaded(struct wcs_input *in, bool threaded);
/*
 * Whether a last line without a newline is kept back (not handed out,
 * not consumed) rather than read as a line: a log being written may end
 * in a line half written, which a later read from this offset gets
 * whole.  Off by default.
 */
void wcs_input_hold_partial(struct wcs_input *in, bool hold);
const struct wcs_input_info *wcs_input_info(const struct wcs_input *in);

/*
 * The first bytes of the decoded stream (up to WCS_PEEK_SIZE) for bidding;
 * consumes nothing.  Returns WCS_OK (len may be 0 for an empty input) or
 * WCS_FAILED.
 */
int wcs_input_peek(struct wcs_input *in, const unsigned char **p, size_t *len);

/*
 * The next line.  Returns WCS_OK with *line and *len set (not NUL-terminated;
 * valid until the next call), WCS_EOF, WCS_WARN for an over-long line
 * (skipped; its line number is wcs_input_lineno) or WCS_FAILED on a read
 * or decompression error, once every line before the error has been
 * handed out.  A final line without "\n" is still a line.
 */
int wcs_input_getline(struct wcs_input *in, const char **line, size_t *len);
/* 1-based number of the line last returned (or being skipped). */
uint64_t wcs_input_lineno(const struct wcs_input *in);
/* Decoded-stream offset of the start of the line last returned. */
uint64_t wcs_input_line_offset(const struct wcs_input *in);

/*
 * Window access.  wcs_input_fill returns WCS_OK with *p and *avail describing
 * the unconsumed bytes (avail >= want unless the input ended, or want
 * exceeds the cap, in which case avail is what fits), or WCS_FAILED.
 */
int wcs_input_fill(
    struct wcs_input *in, size_t want, const unsigned char **p, size_t *avail);
void wcs_input_consume(struct wcs_input *in, size_t n);
/* Decoded bytes consumed so far. */
uint64_t wcs_input_offset(const struct wcs_input *in);
/*
 * The last n (at most WCS_INPUT_BEHIND_MAX) decoded bytes consumed, into
 * dst; returns how many there were (fewer near the start).  What an
 * incremental sweep hashes to know the end of what it read.
 */
#define WCS_INPUT_BEHIND_MAX 4096
size_t wcs_input_behind(
    const struct wcs_input *in, unsigned char *dst, size_t n);
/*
 * Drop the decoded stream up to offset off, before anything is read but
 * the peek, and count lines from `lines` there: the part a previous run
 * read of a gzip or UTF-16 file.  WCS_OK; WCS_EOF when the stream ends
 * before off; WCS_FAILED (ctx says).
 */
int wcs_input_skip(struct wcs_input *in, uint64_t off, uint64_t lines);
size_t wcs_input_line_max(const struct wcs_input *in);

/*
 * Expand the paths a user named into the inputs to read: a directory is
 * walked recursively, entries in byte order of their names; symbolic links
 * to directories are not followed into loops; sockets, devices and FIFOs
 * inside directories are skipped (named on the command line they are
 * inputs, and opening says why they cannot be read).
 *
 * A walk may span several paths (wcs_walk_new, wcs_walk_add for each, then
 * wcs_walk_free): it never lists one file twice, by device and inode,
 * whether named twice or reached through two links; the second is skipped
 * as "already read as FIRST".  A symbolic link inside a directory that
 * leads out of it (resolved with realpath) is skipped too, unless the
 * walk has WCS_WALK_FOLLOW_SYMLINKS.
 *
 * cb is called for each file, with its identity when listed; skip_cb (may
 * be NULL) for each entry skipped, with the reason.  Returns WCS_OK,
 * WCS_FAILED when the path itself cannot be read (error in ctx), or
 * WCS_FATAL; errors below the top are passed to skip_cb and the walk goes
 * on.  wcs_walk is one path on a walk of its own, cb given the path only.
 */
#define WCS_WALK_FOLLOW_SYMLINKS 0x1
struct wcs_walk;
typedef int (*wcs_walk_ref_cb)(const struct wcs_input_ref *ref, void *arg);
typedef int (*wcs_walk_cb)(const char *path, void *arg);
typedef void (*wcs_walk_skip_cb)(const char *path, const char *why, void *arg);
struct wcs_walk *wcs_walk_new(struct wcs_ctx *ctx, unsigned flags);
int wcs_walk_add(struct wcs_walk *w, const char *path, wcs_walk_ref_cb cb,
    wcs_walk_skip_cb skip_cb, void *arg);
/* Accepts NULL. */
void wcs_walk_free(struct wcs_walk *w);
int wcs_walk(struct wcs_ctx *ctx, const char *path, wcs_walk_cb cb,
    wcs_walk_skip_cb skip_cb, void *arg);

/*
 * The CRC-32 of p[0..len) continued from crc (0 to start), as zlib's
 * crc32 (IEEE 802.3, the checksum .evtx headers and chunks carry): zlib
 * is used by this module only.  p may be NULL when len is 0.
 */
uint32_t wcs_crc32(uint32_t crc, const void *p, size_t len);

/*
 * n bytes of fd at off, all of them (pread, again after a signal): true,
 * or false with errno set (0: the file ends before).
 */
bool wcs_read_at(int fd, uint64_t off, void *buf, size_t n);

#endif /* WCSCAN_INPUT_H */
