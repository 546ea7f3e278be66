/*
 * Input streams: file or stdin -> gzip inflation (by content) -> BOM
 * handling and UTF-16 transcoding -> one bounded buffer that readers see
 * as lines or as a window.  See wcscan/input.h for the contract.
 *
 * zlib is used in this module only.
 */
#define _FILE_OFFSET_BITS 64
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "wcscan/input.h"
#include "io_private.h"

bool
wcs_read_at(int fd, uint64_t off, void *buf, size_t n)
{
	unsigned char *p = buf;
	ssize_t got;

	while (n > 0) {
		do {
			got = pread(fd, p, n, (off_t)off);
		} while (got < 0 && errno == EINTR);
		if (got <= 0) {
			if (got == 0)
				errno = 0;
			return (false);
		}
		p += got;
		n -= (size_t)got;
		off += (uint64_t)got;
	}
	return (true);
}

#define RAW_SIZE (256 * 1024)
#define READ_CHUNK (256 * 1024)
#define U16_SIZE (64 * 1024)
/* Inflating ahead on a thread: so many blocks of so many bytes. */
#define GZ_BLOCKS 4
#define GZ_BLOCK (256 * 1024)

struct gz_block {
	unsigned char *data;
	size_t len, pos;
	uint64_t raw_bytes; /* file bytes read once it was made */
	bool last; /* nothing follows: end of data, or gz_what says why */
};

enum utf16_order { UTF16_NONE = 0, UTF16_LE, UTF16_BE };

/* What the end of a regular file said about its size. */
struct shrink {
	bool shrank;
	bool cut; /* the end came before the end expected: data was lost */
	uint64_t from, to;
};

struct wcs_input {
	struct wcs_ctx *ctx;
	struct wcs_input_info info;
	char *path;
	int fd;

	/* Raw bytes from the file (or the caller's memory). */
	const unsigned char *mem;
	size_t mem_len;
	unsigned char *raw;
	size_t raw_len, raw_pos;
	uint64_t raw_read; /* file bytes read into raw so far */
	uint64_t range_left; /* a piece: bytes left to read; else UINT64_MAX */
	int raw_errnum; /* why raw_fill failed */
	bool raw_eof;
	/* A regular file: its size when opened, the offset reading started
	 * at and the one it should end at; at the end raw_fill looks again
	 * (fstat) and says in raw_shrink whether the file shrank. */
	bool regular;
	uint64_t open_size, start_off, expect_end;
	struct shrink raw_shrink;

	/* gzip members, inflated as they come.  Failures are kept here
	 * and reported once the data before them has been handed out. */
	bool gz;
	bool gz_end; /* the last member ended and nothing follows */
	bool gz_failed;
	int gz_errnum;
	const char *gz_what; /* NULL: strerror(gz_errnum) */
	z_stream zs;
	bool zs_live;

	/* Inflating on a thread of its own (wcs_input_set_threaded): the
	 * thread owns raw, zs and the gz_ fields above; blocks pass under
	 * the lock. */
	bool gz_may_thread, gz_threaded;
	pthread_t gz_thread;
	pthread_mutex_t gz_lock;
	pthread_cond_t gz_full, gz_free;
	struct gz_block blk[GZ_BLOCKS];
	unsigned blk_head, blk_nfull;
	struct gz_block *cur; /* the block being handed out */
	bool gz_stop;

	/* Bytes read ahead to look for a BOM, handed out first. */
	unsigned char head[4];
	size_t head_len, head_pos;

	/* UTF-16 decoding state. */
	enum utf16_order u16;
	unsigned char *u16buf;
	size_t u16_len, u16_pos;
	uint32_t hi_surrogate;
	bool u16_eof;

	/* The decoded buffer readers see. */
	unsigned char *buf;
	size_t cap, start, end, scan;
	bool eof, failed;
	size_t line_max;
	bool skipping; /* inside an over-long line */

	uint64_t lineno, line_off, consumed;
	/* The last decoded bytes before buf (wcs_input_behind). */
	unsigned char hist[WCS_INPUT_BEHIND_MAX];
	size_t hist_len;
	bool hold_partial; /* wcs_input_hold_partial */
	bool cut; /* raw_shrink.cut, once the reader's side knows it */
	char errmsg[WCS_ERRBUF_SIZE]; /* kept: ctx errors are per record */
	int errnum;
};

static int
input_fail(struct wcs_input *in, int errnum, const char *what)
{
	in->failed = true;
	in->errnum = errnum;
	(void)snprintf(
	    in->errmsg, sizeof(in->errmsg), "%s: %s", in->path, what);
	wcs_set_error(in->ctx, errnum, "%s", in->errmsg);
	return (WCS_FAILED);
}

/* The input's failure, told again to the context it is reported in. */
static int
input_failed(struct wcs_input *in)
{
	wcs_set_error(in->ctx, in->errnum, "%s", in->errmsg);
	return (WCS_FAILED);
}

/*
 * At the end of a regular file: is it smaller than it was when opened, or
 * than what was read of it (logrotate's copytruncate)?
 */
static void
raw_check_size(struct wcs_input *in)
{
	struct stat st;
	uint64_t at = in->start_off + in->raw_read, from;

	if (fstat(in->fd, &st) != 0)
		return;
	from = in->open_size > at ? in->open_size : at;
	if ((uint64_t)st.st_size >= from)
		return;
	in->raw_shrink.shrank = true;
	in->raw_shrink.cut = at < in->expect_end;
	in->raw_shrink.from = from;
	in->raw_shrink.to = (uint64_t)st.st_size;
}

/*
 * Read the next raw bytes, at most want, into dst: the file's or the
 * memory's, whatever the raw buffer holds aside.  Returns the bytes read,
 * 0 at the end, or -1 with the errno in raw_errnum.  Touches no ctx: it
 * may run on the inflating thread.
 */
static ssize_t
raw_get(struct wcs_input *in, unsigned char *dst, size_t want)
{
	ssize_t n;

	if (in->raw_eof)
		return (0);
	if (in->range_left < want)
		want = (size_t)in->range_left;
	if (in->mem != NULL) {
		n = (ssize_t)(in->mem_len - in->raw_read);
		if ((size_t)n > want)
			n = (ssize_t)want;
		memcpy(dst, in->mem + in->raw_read, (size_t)n);
	} else {
		do {
			n = want == 0 ? 0 : read(in->fd, dst, want);
		} while (n < 0 && errno == EINTR);
		if (n < 0) {
			in->raw_errnum = errno;
			return (-1);
		}
	}
	if (n == 0) {
		in->raw_eof = true;
		if (in->regular)
			raw_check_size(in);
	}
	in->raw_read += (uint64_t)n;
	if (in->range_left != UINT64_MAX)
		in->range_left -= (uint64_t)n;
	return (n);
}

/* Fill the raw buffer; returns bytes now available, or as raw_get. */
static ssize_t
raw_fill(struct wcs_input *in)
{
	ssize_t n;

	if (in->raw_pos < in->raw_len)
		return ((ssize_t)(in->raw_len - in->raw_pos));
	in->raw_pos = in->raw_len = 0;
	if ((n = raw_get(in, in->raw, RAW_SIZE)) > 0)
		in->raw_len = (size_t)n;
	return (n);
}

static ssize_t
gz_fail(struct wcs_input *in, int errnum, const char *what)
{
	in->gz_failed = true;
	in->gz_errnum = errnum;
	in->gz_what = what;
	return (-1);
}

/* After a gzip member ends: another member, padding or garbage? */
static int
gz_next_member(struct wcs_input *in)
{
	ssize_t n;

	for (;;) {
		if ((n = raw_fill(in)) < 0)
			return (gz_fail(in, in->raw_errnum, NULL), WCS_FAILED);
		if (n == 0) {
			in->gz_end = true;
			return (WCS_OK);
		}
		/* Zero padding (tape blocks, dd) after the last member. */
		while (in->raw_pos < in->raw_len && in->raw[in->raw_pos] == 0)
			in->raw_pos++;
		if (in->raw_pos < in->raw_len)
			break;
	}
	if (in->raw[in->raw_pos] != 0x1f) {
		in->gz_end = true;
		return (gz_fail(in, WCS_ECORRUPT,
			    "trailing garbage after gzip data"),
		    WCS_FAILED);
	}
	if (inflateReset(&in->zs) != Z_OK)
		return (gz_fail(in, WCS_ECORRUPT, "gzip: cannot reset"),
		    WCS_FAILED);
	return (WCS_OK);
}

/*
 * Inflate up to n bytes: > 0 bytes (gz_failed may then say the data
 * broke off after them), 0 at the end, -1 with gz_failed set.  Touches
 * no ctx: it may run on the inflating thread.
 */
static ssize_t
gz_inflate(struct wcs_input *in, unsigned char *dst, size_t n)
{
	ssize_t avail;
	size_t got;
	int zr;

	if (in->gz_failed)
		return (-1);
	while (!in->gz_end) {
		if ((avail = raw_fill(in)) < 0)
			return (gz_fail(in, in->raw_errnum, NULL));
		if (avail == 0)
			return (gz_fail(in, WCS_ECORRUPT,
			    "unexpected end of gzip data (truncated file?)"));
		in->zs.next_in = in->raw + in->raw_pos;
		in->zs.avail_in = (uInt)avail;
		in->zs.next_out = dst;
		in->zs.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
		zr = inflate(&in->zs, Z_NO_FLUSH);
		in->raw_pos = (size_t)(in->zs.next_in - in->raw);
		got = (size_t)(in->zs.next_out - dst);
		if (zr == Z_STREAM_END) {
			/* Hand out this member's end before any error
			 * about what follows it. */
			if (gz_next_member(in) != WCS_OK)
				return (got > 0 ? (ssize_t)got : -1);
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			(void)gz_fail(in, WCS_ECORRUPT,
			    in->zs.msg != NULL ? in->zs.msg :
						 "corrupt gzip data");
			/* Hand out what came before the damage. */
			return (got > 0 ? (ssize_t)got : -1);
		}
		if (got > 0)
			return ((ssize_t)got);
	}
	return (0);
}

/* The inflating thread: fills blocks ahead of the reader. */
static void *
gz_main(void *arg)
{
	struct wcs_input *in = arg;
	struct gz_block *b;
	ssize_t r;
	bool last;

	(void)pthread_mutex_lock(&in->gz_lock);
	for (;;) {
		while (in->blk_nfull == GZ_BLOCKS && !in->gz_stop)
			(void)pthread_cond_wait(&in->gz_free, &in->gz_lock);
		if (in->gz_stop)
			break;
		b = &in->blk[(in->blk_head + in->blk_nfull) % GZ_BLOCKS];
		(void)pthread_mutex_unlock(&in->gz_lock);

		b->len = b->pos = 0;
		last = false;
		while (b->len < GZ_BLOCK) {
			r = gz_inflate(in, b->data + b->len, GZ_BLOCK - b->len);
			if (r > 0)
				b->len += (size_t)r;
			if (r <= 0 || in->gz_failed) {
				last = true;
				break;
			}
		}
		b->raw_bytes = in->raw_read;
		b->last = last;

		(void)pthread_mutex_lock(&in->gz_lock);
		in->blk_nfull++;
		(void)pthread_cond_signal(&in->gz_full);
		if (last)
			break;
	}
	(void)pthread_mutex_unlock(&in->gz_lock);
	return (NULL);
}

static void
gz_thread_stop(struct wcs_input *in)
{
	if (!in->gz_threaded)
		return;
	(void)pthread_mutex_lock(&in->gz_lock);
	in->gz_stop = true;
	(void)pthread_cond_signal(&in->gz_free);
	(void)pthread_mutex_unlock(&in->gz_lock);
	(void)pthread_join(in->gz_thread, NULL);
	(void)pthread_cond_destroy(&in->gz_free);
	(void)pthread_cond_destroy(&in->gz_full);
	(void)pthread_mutex_destroy(&in->gz_lock);
	in->gz_threaded = false;
}

/* Start inflating ahead; false (and nothing changed) when it cannot. */
static bool
gz_thread_start(struct wcs_input *in)
{
	size_t i;

	for (i = 0; i < GZ_BLOCKS; i++) {
		if (in->blk[i].data == NULL &&
		    (in->blk[i].data = wcs_malloc(in->ctx, GZ_BLOCK)) == NULL)
			return (false);
	}
	if (pthread_mutex_init(&in->gz_lock, NULL) != 0)
		return (false);
	(void)pthread_cond_init(&in->gz_full, NULL);
	(void)pthread_cond_init(&in->gz_free, NULL);
	if (pthread_create(&in->gz_thread, NULL, gz_main, in) != 0) {
		(void)pthread_cond_destroy(&in->gz_free);
		(void)pthread_cond_destroy(&in->gz_full);
		(void)pthread_mutex_destroy(&in->gz_lock);
		return (false);
	}
	in->gz_threaded = true;
	return (true);
}

/*
 * What raw_fill found, told to the reader's side: bytes read, and at the
 * end whether the file shrank.  For the inflating thread, from its last
 * block only (the thread is done with raw_shrink by then).
 */
static void
raw_seen(struct wcs_input *in, uint64_t raw_bytes, bool at_end)
{
	in->info.raw_bytes = raw_bytes;
	if (!at_end || !in->raw_shrink.shrank)
		return;
	in->info.shrank = true;
	in->info.shrank_from = in->raw_shrink.from;
	in->info.shrank_to = in->raw_shrink.to;
	in->cut = in->raw_shrink.cut;
}

/* The reader's side of the inflating thread. */
static ssize_t
gz_take(struct wcs_input *in, unsigned char *dst, size_t n)
{
	struct gz_block *b;
	size_t got;

	for (;;) {
		if ((b = in->cur) != NULL && b->pos < b->len) {
			got = b->len - b->pos < n ? b->len - b->pos : n;
			memcpy(dst, b->data + b->pos, got);
			b->pos += got;
			return ((ssize_t)got);
		}
		if (b != NULL && b->last)
			return (in->gz_failed ? -1 : 0);
		(void)pthread_mutex_lock(&in->gz_lock);
		if (b != NULL) {
			in->blk_head = (in->blk_head + 1) % GZ_BLOCKS;
			in->blk_nfull--;
			(void)pthread_cond_signal(&in->gz_free);
		}
		while (in->blk_nfull == 0)
			(void)pthread_cond_wait(&in->gz_full, &in->gz_lock);
		in->cur = &in->blk[in->blk_head];
		(void)pthread_mutex_unlock(&in->gz_lock);
		raw_seen(in, in->cur->raw_bytes, in->cur->last);
	}
}

/* Read decompressed bytes (or the raw bytes of a plain file). */
static ssize_t
src_read(struct wcs_input *in, unsigned char *dst, size_t n)
{
	ssize_t avail;
	size_t got;

	if (in->failed)
		return (-1);
	if (in->head_pos < in->head_len) {
		got = in->head_len - in->head_pos;
		if (got > n)
			got = n;
		memcpy(dst, in->head + in->head_pos, got);
		in->head_pos += got;
		return ((ssize_t)got);
	}
	if (!in->gz) {
		/* A plain file's bytes go straight where they are wanted
		 * once the raw buffer (the sniffed head) is used up: not
		 * copied once more. */
		bool direct = in->raw_pos == in->raw_len && n >= RAW_SIZE / 2;

		avail = direct ? raw_get(in, dst, n < RAW_SIZE ? n : RAW_SIZE) :
				 raw_fill(in);
		raw_seen(in, in->raw_read, in->raw_eof);
		if (avail < 0)
			return (input_fail(in, in->raw_errnum,
				    strerror(in->raw_errnum)),
			    -1);
		if (direct || avail == 0)
			return (avail);
		got = (size_t)avail < n ? (size_t)avail : n;
		memcpy(dst, in->raw + in->raw_pos, got);
		in->raw_pos += got;
		return ((ssize_t)got);
	}
	if (in->gz_may_thread && !in->gz_threaded && in->cur == NULL &&
	    !in->gz_failed && !in->gz_end)
		(void)gz_thread_start(in);
	if (in->gz_threaded) {
		avail = gz_take(in, dst, n);
	} else {
		avail = in->gz_failed ? -1 : gz_inflate(in, dst, n);
		raw_seen(in, in->raw_read, in->raw_eof);
	}
	/* Data before a failure goes out first; the next call reports it. */
	if (avail < 0)
		return (input_fail(in, in->gz_errnum,
			    in->gz_what != NULL ? in->gz_what :
						  strerror(in->gz_errnum)),
		    -1);
	return (avail);
}

static void
put_utf8(unsigned char *out, size_t *o, uint32_t cp)
{
	if (cp < 0x80) {
		out[(*o)++] = (unsigned char)cp;
	} else if (cp < 0x800) {
		out[(*o)++] = (unsigned char)(0xc0 | cp >> 6);
		out[(*o)++] = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*o)++] = (unsigned char)(0xe0 | cp >> 12);
		out[(*o)++] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[(*o)++] = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		out[(*o)++] = (unsigned char)(0xf0 | cp >> 18);
		out[(*o)++] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		out[(*o)++] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[(*o)++] = (unsigned char)(0x80 | (cp & 0x3f));
	}
}

/* UTF-16 to UTF-8; n must be at least 8. */
static ssize_t
u16_read(struct wcs_input *in, unsigned char *dst, size_t n)
{
	size_t o = 0, left;
	uint32_t unit;
	ssize_t r;

	while (o + 4 <= n) {
		if (in->u16_len - in->u16_pos < 2) {
			if (in->u16_eof)
				break;
			if (o > 0)
				break; /* hand out what we have first */
			left = in->u16_len - in->u16_pos;
			memmove(in->u16buf, in->u16buf + in->u16_pos, left);
			in->u16_pos = 0;
			in->u16_len = left;
			r = src_read(in, in->u16buf + left, U16_SIZE - left);
			if (r < 0)
				return (-1);
			if (r == 0) {
				in->u16_eof = true;
				/* An odd final byte is half a character. */
				if (in->u16_len > 0 || in->hi_surrogate != 0)
					put_utf8(dst, &o, 0xfffd);
				in->u16_len = in->u16_pos = 0;
				in->hi_surrogate = 0;
				break;
			}
			in->u16_len += (size_t)r;
			continue;
		}
		if (in->u16 == UTF16_LE)
			unit = in->u16buf[in->u16_pos] |
			       (uint32_t)in->u16buf[in->u16_pos + 1] << 8;
		else
			unit = (uint32_t)in->u16buf[in->u16_pos] << 8 |
			       in->u16buf[in->u16_pos + 1];
		in->u16_pos += 2;
		if (in->hi_surrogate != 0) {
			if (unit >= 0xdc00 && unit <= 0xdfff) {
				put_utf8(dst, &o,
				    0x10000 +
					((in->hi_surrogate - 0xd800) << 10) +
					(unit - 0xdc00));
				in->hi_surrogate = 0;
				continue;
			}
			put_utf8(dst, &o, 0xfffd); /* lone high surrogate */
			in->hi_surrogate = 0;
			if (o + 4 > n) {
				in->u16_pos -= 2; /* no room: read it again */
				break;
			}
		}
		if (unit >= 0xd800 && unit <= 0xdbff)
			in->hi_surrogate = unit;
		else if (unit >= 0xdc00 && unit <= 0xdfff)
			put_utf8(dst, &o, 0xfffd); /* lone low surrogate */
		else
			put_utf8(dst, &o, unit);
	}
	return ((ssize_t)o);
}

static ssize_t
decoded_read(struct wcs_input *in, unsigned char *dst, size_t n)
{
	return (in->u16 != UTF16_NONE ? u16_read(in, dst, n) :
					src_read(in, dst, n));
}

/* Look at the first bytes: gzip magic, then (decoded) a BOM. */
static int
input_sniff(struct wcs_input *in)
{
	ssize_t r;

	if (raw_fill(in) < 0)
		return (
		    input_fail(in, in->raw_errnum, strerror(in->raw_errnum)));
	raw_seen(in, in->raw_read, in->raw_eof);
	if (in->raw_len - in->raw_pos >= 2 && in->raw[in->raw_pos] == 0x1f &&
	    in->raw[in->raw_pos + 1] == 0x8b) {
		memset(&in->zs, 0, sizeof(in->zs));
		/* 16 + 15: gzip wrapper only, 32 KiB window. */
		if (inflateInit2(&in->zs, 16 + MAX_WBITS) != Z_OK)
			return (input_fail(in, ENOMEM, "cannot start gzip"));
		in->zs_live = true;
		in->gz = true;
		in->info.gzip = true;
	}
	while (in->head_len < sizeof(in->head)) {
		r = src_read(in, in->head + in->head_len,
		    sizeof(in->head) - in->head_len);
		if (r < 0)
			return (WCS_FAILED);
		if (r == 0)
			break;
		in->head_len += (size_t)r;
	}
	if (in->head_len >= 3 && memcmp(in->head, "\xef\xbb\xbf", 3) == 0) {
		in->head_pos = 3;
	} else if (in->head_len >= 2 && in->head[0] == 0xff &&
		   in->head[1] == 0xfe) {
		in->u16 = UTF16_LE;
		in->head_pos = 2;
	} else if (in->head_len >= 2 && in->head[0] == 0xfe &&
		   in->head[1] == 0xff) {
		in->u16 = UTF16_BE;
		in->head_pos = 2;
	}
	if (in->u16 != UTF16_NONE) {
		in->info.utf16 = true;
		if ((in->u16buf = wcs_malloc(in->ctx, U16_SIZE)) == NULL)
			return (WCS_FATAL);
	}
	return (WCS_OK);
}

static struct wcs_input *
input_new(struct wcs_ctx *ctx, const char *path, size_t line_max)
{
	struct wcs_input *in;

	if ((in = wcs_calloc(ctx, 1, sizeof(*in))) == NULL)
		return (NULL);
	in->ctx = ctx;
	in->fd = -1;
	in->range_left = UINT64_MAX;
	in->line_max = line_max != 0 ? line_max : WCS_LINE_MAX_DEFAULT;
	in->cap = in->line_max + READ_CHUNK;
	if ((in->path = wcs_strdup(ctx, path)) == NULL ||
	    (in->raw = wcs_malloc(ctx, RAW_SIZE)) == NULL ||
	    (in->buf = wcs_malloc(ctx, in->cap)) == NULL) {
		wcs_input_close(in);
		return (NULL);
	}
	in->info.path = in->path;
	return (in);
}

int
wcs_input_open_mem(struct wcs_ctx *ctx, const char *name, const void *buf,
    size_t len, size_t line_max, struct wcs_input **out)
{
	struct wcs_input *in;
	int rc;

	*out = NULL;
	if ((in = input_new(ctx, name, line_max)) == NULL)
		return (WCS_FATAL);
	in->mem = buf;
	in->mem_len = len;
	in->info.raw_size = len;
	if ((rc = input_sniff(in)) != WCS_OK) {
		wcs_input_close(in);
		return (rc == WCS_FATAL ? WCS_FATAL : WCS_FAILED);
	}
	*out = in;
	return (WCS_OK);
}

/* Whether an input may be a file of this type (named: by the user). */
static bool
type_ok(mode_t mode, bool named)
{
	return (S_ISREG(mode) || (S_ISFIFO(mode) && named));
}

static void
type_refused(struct wcs_ctx *ctx, const char *path, mode_t mode)
{
	if (S_ISDIR(mode))
		wcs_set_error(ctx, EISDIR, "%s: is a directory", path);
	else if (S_ISFIFO(mode))
		wcs_set_error(ctx, EINVAL,
		    "%s: is a FIFO found inside a directory, not read (only a "
		    "FIFO named as an input is read)",
		    path);
	else
		wcs_set_error(ctx, EINVAL,
		    "%s: is a %s, not read (only regular files, FIFOs and - "
		    "are read)",
		    path, wcs_io_type_name(mode));
}

static bool
same_file(const struct stat *st, uint64_t dev, uint64_t ino)
{
	return ((dev == 0 && ino == 0) ||
		((uint64_t)st->st_dev == dev && (uint64_t)st->st_ino == ino));
}

/*
 * Open ref->path for reading without ever blocking: O_NONBLOCK, so that
 * neither a FIFO without a writer nor a device holds the open up, and
 * O_NOCTTY.  fstat then decides (a stat before spares opening a device at
 * all, but only the fstat counts: the path may change in between).  A
 * FIFO the user named is opened again, blocking: that waits for its
 * writer, where reads on the first descriptor would see end of input at
 * once without one.  Returns the descriptor, reads blocking, with *st;
 * or -1 with the error in ctx.
 */
static int
open_checked(
    struct wcs_ctx *ctx, const struct wcs_input_ref *ref, struct stat *st)
{
	const char *path = ref->path;
	struct stat pre, st2;
	int fd, fd2, fl;

	if (stat(path, &pre) == 0 && !type_ok(pre.st_mode, ref->named)) {
		type_refused(ctx, path, pre.st_mode);
		return (-1);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		wcs_set_error(ctx, errno, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, st) != 0) {
		wcs_set_error(ctx, errno, "%s: %s", path, strerror(errno));
		goto out_close;
	}
	if (!type_ok(st->st_mode, ref->named)) {
		type_refused(ctx, path, st->st_mode);
		goto out_close;
	}
	if (!same_file(st, ref->dev, ref->ino))
		goto out_replaced;
	if (S_ISFIFO(st->st_mode)) {
		do {
			fd2 = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		} while (fd2 < 0 && errno == EINTR);
		if (fd2 < 0) {
			wcs_set_error(
			    ctx, errno, "%s: %s", path, strerror(errno));
			goto out_close;
		}
		if (fstat(fd2, &st2) != 0 ||
		    !same_file(
			&st2, (uint64_t)st->st_dev, (uint64_t)st->st_ino)) {
			(void)close(fd2);
			goto out_replaced;
		}
		(void)close(fd);
		return (fd2);
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		wcs_set_error(ctx, errno, "%s: %s", path, strerror(errno));
		goto out_close;
	}
	return (fd);
out_replaced:
	wcs_set_error(ctx, ESTALE,
	    "%s: replaced since it was listed (not the same file), not read",
	    path);
out_close:
	(void)close(fd);
	return (-1);
}

int
wcs_input_open_ref(struct wcs_ctx *ctx, const struct wcs_input_ref *ref,
    size_t line_max, struct wcs_input **out)
{
	struct wcs_input *in;
	struct stat st;
	int rc;

	*out = NULL;
	if ((in = input_new(ctx, ref->path, line_max)) == NULL)
		return (WCS_FATAL);
	if (strcmp(ref->path, "-") == 0) {
		/* Standard input is read whatever it is. */
		in->fd = STDIN_FILENO;
		if (fstat(in->fd, &st) != 0)
			memset(&st, 0, sizeof(st));
	} else if ((in->fd = open_checked(ctx, ref, &st)) < 0) {
		goto out_failed;
	}
	in->info.dev = (uint64_t)st.st_dev;
	in->info.ino = (uint64_t)st.st_ino;
	if (S_ISREG(st.st_mode)) {
		in->info.mtime = st.st_mtime;
		in->info.raw_size = (uint64_t)st.st_size;
		in->regular = true;
		in->open_size = in->expect_end = (uint64_t)st.st_size;
	}
	if ((rc = input_sniff(in)) != WCS_OK) {
		if (rc == WCS_FATAL)
			goto out_fatal;
		goto out_failed;
	}
	*out = in;
	return (WCS_OK);
out_fatal:
	wcs_input_close(in);
	return (WCS_FATAL);
out_failed:
	wcs_input_close(in);
	return (WCS_FAILED);
}

int
wcs_input_open(struct wcs_ctx *ctx, const char *path, size_t line_max,
    struct wcs_input **out)
{
	struct wcs_input_ref ref = { .path = path, .named = true };

	return (wcs_input_open_ref(ctx, &ref, line_max, out));
}

int
wcs_input_split(struct wcs_ctx *ctx, const char *path, uint64_t piece_size,
    struct wcs_input_piece **pieces, size_t *npieces)
{
	return (
	    wcs_input_split_from(ctx, path, 0, 0, piece_size, pieces, npieces));
}

int
wcs_input_split_from(struct wcs_ctx *ctx, const char *path, uint64_t start,
    uint64_t lines_before, uint64_t piece_size, struct wcs_input_piece **pieces,
    size_t *npieces)
{
	struct wcs_input_piece *p = NULL, *np;
	struct wcs_input_ref ref = { .path = path };
	struct stat st;
	unsigned char *buf = NULL;
	const unsigned char *q, *e;
	uint64_t at = start, lines = lines_before,
		 next_cut = start + piece_size;
	size_t n = 1, cap = 16, k;
	ssize_t got;
	int fd, rc = WCS_OK;

	*pieces = NULL;
	*npieces = 0;
	if ((fd = open_checked(ctx, &ref, &st)) < 0)
		return (WCS_FAILED);
	if (start > 0 && lseek(fd, (off_t)start, SEEK_SET) < 0) {
		wcs_set_error(ctx, errno, "%s: %s", path, strerror(errno));
		(void)close(fd);
		return (WCS_FAILED);
	}
	/* The first piece starts at start; each cut starts another. */
	if ((buf = wcs_malloc(ctx, READ_CHUNK * 4)) == NULL ||
	    (p = wcs_reallocarray(ctx, NULL, cap, sizeof(*p))) == NULL) {
		rc = WCS_FATAL;
		goto out;
	}
	p[0] = (struct wcs_input_piece){ .start = start,
		.lines_before = lines_before };
	for (;;) {
		do {
			got = read(fd, buf, READ_CHUNK * 4);
		} while (got < 0 && errno == EINTR);
		if (got < 0) {
			wcs_set_error(
			    ctx, errno, "%s: %s", path, strerror(errno));
			rc = WCS_FAILED;
			goto out;
		}
		if (got == 0)
			break;
		e = buf + got;
		for (q = buf; (q = memchr(q, '\n', (size_t)(e - q))) != NULL;
		     q++) {
			lines++;
			if (at + (uint64_t)(q - buf) + 1 < next_cut)
				continue;
			/* A piece ends after this line; the next starts. */
			if (n == cap) {
				cap *= 2;
				np = wcs_reallocarray(ctx, p, cap, sizeof(*np));
				if (np == NULL) {
					rc = WCS_FATAL;
					goto out;
				}
				p = np;
			}
			p[n - 1].end = at + (uint64_t)(q - buf) + 1;
			p[n].start = p[n - 1].end;
			p[n].lines_before = lines;
			n++;
			next_cut = p[n - 1].start + piece_size;
		}
		at += (uint64_t)got;
	}
	p[n - 1].end = at;
	/* A last piece with nothing in it (the file ended on the cut). */
	if (n > 1 && p[n - 1].start == p[n - 1].end)
		n--;
	for (k = 0; k < n; k++) {
		p[k].size =
		    (uint64_t)st.st_size > at ? (uint64_t)st.st_size : at;
		p[k].dev = (uint64_t)st.st_dev;
		p[k].ino = (uint64_t)st.st_ino;
	}
	*pieces = p;
	*npieces = n;
	p = NULL;
out:
	wcs_free(ctx, p);
	wcs_free(ctx, buf);
	(void)close(fd);
	return (rc);
}

int
wcs_input_open_piece(struct wcs_ctx *ctx, const char *path,
    const struct wcs_input_piece *piece, size_t line_max,
    struct wcs_input **out)
{
	struct wcs_input_ref ref = {
		.path = path, .dev = piece->dev, .ino = piece->ino
	};
	struct wcs_input *in;
	struct stat st;
	int rc;

	*out = NULL;
	if ((in = input_new(ctx, path, line_max)) == NULL)
		return (WCS_FATAL);
	if ((in->fd = open_checked(ctx, &ref, &st)) < 0) {
		wcs_input_close(in);
		return (WCS_FAILED);
	}
	if (lseek(in->fd, (off_t)piece->start, SEEK_SET) < 0) {
		wcs_set_error(ctx, errno, "%s: %s", path, strerror(errno));
		wcs_input_close(in);
		return (WCS_FAILED);
	}
	in->info.mtime = st.st_mtime;
	in->info.dev = (uint64_t)st.st_dev;
	in->info.ino = (uint64_t)st.st_ino;
	in->info.raw_size = piece->end - piece->start;
	in->range_left = piece->end - piece->start;
	in->regular = true;
	in->open_size = piece->size > (uint64_t)st.st_size ?
			    piece->size :
			    (uint64_t)st.st_size;
	in->start_off = piece->start;
	in->expect_end = piece->end;
	in->lineno = piece->lines_before;
	in->consumed = in->line_off = piece->start;
	/* Only the first piece can start with a BOM or gzip magic. */
	if (piece->start == 0 && (rc = input_sniff(in)) != WCS_OK) {
		wcs_input_close(in);
		return (rc == WCS_FATAL ? WCS_FATAL : WCS_FAILED);
	}
	*out = in;
	return (WCS_OK);
}

void
wcs_input_close(struct wcs_input *in)
{
	struct wcs_ctx *ctx;

	if (in == NULL)
		return;
	ctx = in->ctx;
	gz_thread_stop(in);
	for (size_t i = 0; i < GZ_BLOCKS; i++)
		wcs_free(ctx, in->blk[i].data);
	if (in->zs_live)
		(void)inflateEnd(&in->zs);
	if (in->fd > STDIN_FILENO)
		(void)close(in->fd);
	wcs_free(ctx, in->u16buf);
	wcs_free(ctx, in->buf);
	wcs_free(ctx, in->raw);
	wcs_free(ctx, in->path);
	wcs_free(ctx, in);
}

void
wcs_input_set_threaded(struct wcs_input *in, bool threaded)
{
	in->gz_may_thread = threaded;
}

void
wcs_input_hold_partial(struct wcs_input *in, bool hold)
{
	in->hold_partial = hold;
}

const struct wcs_input_info *
wcs_input_info(const struct wcs_input *in)
{
	return (&in->info);
}

/* Keep the last bytes of p[0, n), consumed, leaving the buffer. */
static void
behind_keep(struct wcs_input *in, const unsigned char *p, size_t n)
{
	size_t keep;

	if (n >= sizeof(in->hist)) {
		memcpy(in->hist, p + n - sizeof(in->hist), sizeof(in->hist));
		in->hist_len = sizeof(in->hist);
		return;
	}
	keep = sizeof(in->hist) - n;
	if (keep > in->hist_len)
		keep = in->hist_len;
	memmove(in->hist, in->hist + in->hist_len - keep, keep);
	memcpy(in->hist + keep, p, n);
	in->hist_len = keep + n;
}

/* Make room and read once; false at end of input or on error. */
static bool
buf_read_more(struct wcs_input *in)
{
	ssize_t r;

	if (in->eof || in->failed)
		return (false);
	/* Back to the buffer's start as soon as what is left is little to
	 * move: lines are then read from the same few hundred KiB, which
	 * stay in the cache, rather than from the whole buffer in turn. */
	if (in->start > 0 &&
	    (in->cap - in->end < READ_CHUNK / 2 || in->start == in->end ||
		(in->start >= READ_CHUNK &&
		    in->end - in->start <= READ_CHUNK / 16))) {
		behind_keep(in, in->buf, in->start);
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->end -= in->start;
		/* (wcs_input_consume keeps scan at or past start.) */
		in->scan -= in->start;
		in->start = 0;
	}
	if (in->end == in->cap)
		return (false);
	r = decoded_read(in, in->buf + in->end, in->cap - in->end);
	if (r < 0) {
		/* Like end of input, except the final status: the lines
		 * already read are still handed out. */
		in->eof = true;
		return (false);
	}
	if (r == 0) {
		in->eof = true;
		return (false);
	}
	in->end += (size_t)r;
	return (true);
}

int
wcs_input_peek(struct wcs_input *in, const unsigned char **p, size_t *len)
{
	while (in->end - in->start < WCS_PEEK_SIZE && buf_read_more(in))
		;
	if (in->failed && in->end == in->start)
		return (input_failed(in));
	*p = in->buf + in->start;
	*len = in->end - in->start;
	if (*len > WCS_PEEK_SIZE)
		*len = WCS_PEEK_SIZE;
	return (WCS_OK);
}

int
wcs_input_getline(struct wcs_input *in, const char **line, size_t *len)
{
	unsigned char *nl;
	size_t n;

	for (;;) {
		if (in->scan < in->start)
			in->scan = in->start;
		nl = memchr(in->buf + in->scan, '\n', in->end - in->scan);
		if (nl != NULL) {
			n = (size_t)(nl - (in->buf + in->start));
			if (in->skipping) {
				/* The over-long line ends here: drop it. */
				in->skipping = false;
				in->consumed += n + 1;
				in->start = in->scan =
				    (size_t)(nl - in->buf) + 1;
				continue;
			}
			*line = (const char *)in->buf + in->start;
			in->line_off = in->consumed;
			in->lineno++;
			in->consumed += n + 1;
			in->start = in->scan = (size_t)(nl - in->buf) + 1;
			if (n > 0 && (*line)[n - 1] == '\r')
				n--;
			if (n > in->line_max)
				goto overlong;
			*len = n;
			return (WCS_OK);
		}
		in->scan = in->end;
		if (!in->skipping && in->end - in->start > in->line_max + 1) {
			/* Longer than the cap and still no end: skip it. */
			in->lineno++;
			in->line_off = in->consumed;
			in->skipping = true;
			in->consumed += in->end - in->start;
			in->start = in->scan = in->end;
			goto overlong;
		}
		if (in->skipping) {
			in->consumed += in->end - in->start;
			in->start = in->scan = in->end;
		}
		if (!buf_read_more(in)) {
			if (in->skipping) {
				in->skipping = false;
				return (
				    in->failed ? input_failed(in) : WCS_EOF);
			}
			if (in->start == in->end)
				return (
				    in->failed ? input_failed(in) : WCS_EOF);
			if (in->end == in->cap && !in->eof)
				continue; /* full: the cap test above fires */
			if (in->cut) {
				/* The file shrank in the middle of this line:
				 * what is left of it is no line. */
				in->consumed += in->end - in->start;
				in->start = in->scan = in->end;
				return (
				    in->failed ? input_failed(in) : WCS_EOF);
			}
			/* A last line without a newline: kept back when it may
			 * still be being written. */
			if (in->hold_partial) {
				in->info.held = in->end - in->start;
				return (
				    in->failed ? input_failed(in) : WCS_EOF);
			}
			n = in->end - in->start;
			*line = (const char *)in->buf + in->start;
			in->line_off = in->consumed;
			in->lineno++;
			in->consumed += n;
			in->start = in->scan = in->end;
			if (n > 0 && (*line)[n - 1] == '\r')
				n--;
			if (n > in->line_max)
				goto overlong;
			*len = n;
			return (WCS_OK);
		}
	}
overlong:
	wcs_set_error(in->ctx, WCS_EOVERLONG,
	    "line longer than %zu bytes, skipped", in->line_max);
	return (WCS_WARN);
}

uint64_t
wcs_input_lineno(const struct wcs_input *in)
{
	return (in->lineno);
}

uint64_t
wcs_input_line_offset(const struct wcs_input *in)
{
	return (in->line_off);
}

int
wcs_input_fill(
    struct wcs_input *in, size_t want, const unsigned char **p, size_t *avail)
{
	if (want > in->cap)
		want = in->cap;
	while (in->end - in->start < want && buf_read_more(in))
		;
	if (in->failed && in->end == in->start)
		return (input_failed(in));
	*p = in->buf + in->start;
	*avail = in->end - in->start;
	return (WCS_OK);
}

void
wcs_input_consume(struct wcs_input *in, size_t n)
{
	if (n > in->end - in->start)
		n = in->end - in->start;
	in->start += n;
	in->consumed += n;
	/* Where the next line end is looked for: never before the start,
	 * or moving the buffer's bytes down would take it below 0. */
	if (in->scan < in->start)
		in->scan = in->start;
}

uint64_t
wcs_input_offset(const struct wcs_input *in)
{
	return (in->consumed);
}

size_t
wcs_input_behind(const struct wcs_input *in, unsigned char *dst, size_t n)
{
	size_t from_buf, from_hist;

	if (n > in->hist_len + in->start)
		n = in->hist_len + in->start;
	from_buf = n < in->start ? n : in->start;
	from_hist = n - from_buf;
	memcpy(dst, in->hist + in->hist_len - from_hist, from_hist);
	memcpy(dst + from_hist, in->buf + in->start - from_buf, from_buf);
	return (n);
}

int
wcs_input_skip(struct wcs_input *in, uint64_t off, uint64_t lines)
{
	const unsigned char *p;
	size_t avail;
	uint64_t n;

	while (in->consumed < off) {
		if (wcs_input_fill(in, 1, &p, &avail) != WCS_OK)
			return (WCS_FAILED);
		if (avail == 0)
			return (WCS_EOF);
		n = off - in->consumed;
		wcs_input_consume(in, n < avail ? (size_t)n : avail);
	}
	in->lineno = lines;
	in->line_off = in->consumed;
	return (WCS_OK);
}

size_t
wcs_input_line_max(const struct wcs_input *in)
{
	return (in->line_max);
}

uint32_t
wcs_crc32(uint32_t crc, const void *p, size_t len)
{
	const unsigned char *b = p;
	uLong c = crc;
	uInt n;

	/* zlib takes at most a uInt at a time. */
	while (len > 0) {
		n = len > UINT_MAX ? UINT_MAX : (uInt)len;
		c = crc32(c, b, n);
		b += n;
		len -= n;
	}
	return ((uint32_t)c);
}
