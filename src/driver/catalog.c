/*
 * Incremental reading (wcscan/driver.h, "Incremental reading"): before a
 * run reads, which of the files named a state read already, and what is
 * left to read of each (the plan); after an input is read, what will
 * recognise its file next time (its struct cat_file).
 *
 * A file is looked at through a descriptor of its own: its first and last
 * raw blocks, and for a plain file the block that ends at a saved offset,
 * are read with pread, never the rest.  A gzip or UTF-16 file is compared
 * on its decoded stream, inflated up to the offset (wcs_input_skip): that
 * is how a file gzipped since it was read is still known.
 */
#define _FILE_OFFSET_BITS 64
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wcscan/driver.h"
#include "wcscan/input.h"
#include "wcscan/reader.h"
#include "driver_private.h"

#define BLOCK WCS_DRIVER_HASH_BLOCK
#define BOM_LEN 3
/* Saved files that begin alike, tried for one file at most. */
#define CANDIDATES 8

/* A file as it is now, by its raw bytes. */
struct file_now {
	uint64_t dev, ino, size;
	bool gzip, utf16;
	size_t bom; /* a UTF-8 byte-order mark's length, or 0 */
	unsigned char head[BLOCK + BOM_LEN];
	size_t head_n;
	uint64_t raw_head, raw_end; /* over min(BLOCK, size) bytes */
};

static uint64_t
hash(const void *p, size_t n)
{
	return (wcs_fnv1a(p, n, false));
}

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return (a < b ? a : b);
}

/* The hash of the n bytes that end at end, or false. */
static bool
hash_before(int fd, uint64_t end, size_t n, uint64_t *h)
{
	unsigned char buf[BLOCK];

	if (n > end || n > sizeof(buf) || !wcs_read_at(fd, end - n, buf, n))
		return (false);
	*h = hash(buf, n);
	return (true);
}

/*
 * Look at path's file without reading it: a regular file, the one listed
 * (dev and ino, when known).  False when it cannot be looked at: reading
 * will say why.  With fdp, the descriptor stays open for the caller.
 */
static bool
file_look(
    const char *path, uint64_t dev, uint64_t ino, struct file_now *f, int *fdp)
{
	struct stat st;
	size_t n;
	int fd;

	memset(f, 0, sizeof(*f));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return (false);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    ((dev != 0 || ino != 0) &&
		((uint64_t)st.st_dev != dev || (uint64_t)st.st_ino != ino)))
		goto fail;
	f->dev = (uint64_t)st.st_dev;
	f->ino = (uint64_t)st.st_ino;
	f->size = (uint64_t)st.st_size;
	n = (size_t)min_u64(f->size, sizeof(f->head));
	if (!wcs_read_at(fd, 0, f->head, n))
		goto fail;
	f->head_n = n;
	f->gzip = n >= 2 && f->head[0] == 0x1f && f->head[1] == 0x8b;
	f->utf16 = n >= 2 && ((f->head[0] == 0xff && f->head[1] == 0xfe) ||
				 (f->head[0] == 0xfe && f->head[1] == 0xff));
	if (n >= BOM_LEN && memcmp(f->head, "\xef\xbb\xbf", BOM_LEN) == 0)
		f->bom = BOM_LEN;
	f->raw_head = hash(f->head, (size_t)min_u64(f->size, BLOCK));
	if (!hash_before(
		fd, f->size, (size_t)min_u64(f->size, BLOCK), &f->raw_end))
		goto fail;
	if (fdp != NULL)
		*fdp = fd;
	else
		(void)close(fd);
	return (true);
fail:
	(void)close(fd);
	return (false);
}

static bool
is_plain(const struct file_now *f)
{
	return (!f->gzip && !f->utf16);
}

/*
 * Whether the file f (open on fd) begins with what c read: its first
 * block and the block that ends at its offset alike.  *more: whether
 * anything follows that offset.  A gzip or UTF-16 file is inflated up
 * to the offset to tell.
 */
static bool
file_continues(struct wcs_driver *drv, const char *path, int fd,
    const struct file_now *f, const struct cat_file *c, bool *more)
{
	const struct wcs_input_ref ref = {
		.path = path, .dev = f->dev, .ino = f->ino
	};
	unsigned char buf[BLOCK];
	const unsigned char *p;
	struct wcs_input *in;
	struct wcs_ctx ctx;
	uint64_t h;
	size_t n;
	bool ok = false;

	if (is_plain(f)) {
		if (c->head_len > f->head_n - f->bom ||
		    hash(f->head + f->bom, c->head_len) != c->head_hash ||
		    c->offset + f->bom > f->size ||
		    !hash_before(fd, c->offset + f->bom, c->at_len, &h) ||
		    h != c->at_hash)
			return (false);
		*more = f->size > c->offset + f->bom;
		return (true);
	}
	wcs_ctx_init(&ctx, drv->ctx->alloc);
	if (wcs_input_open_ref(&ctx, &ref, drv->o.max_line, &in) != WCS_OK)
		return (false);
	if (wcs_input_peek(in, &p, &n) != WCS_OK || c->head_len > n ||
	    hash(p, c->head_len) != c->head_hash)
		goto out;
	if (wcs_input_skip(in, c->offset, c->lines) != WCS_OK ||
	    wcs_input_behind(in, buf, c->at_len) != c->at_len ||
	    hash(buf, c->at_len) != c->at_hash)
		goto out;
	ok = wcs_input_fill(in, 1, &p, &n) == WCS_OK;
	*more = n > 0;
out:
	wcs_input_close(in);
	return (ok);
}

/* Input i reads on from c (its own, or the file's it was renamed from,
 * owner), when its format reads from the middle of a file. */
static bool
plan_from(struct wcs_driver *drv, size_t i, const struct file_now *f,
    const struct cat_file *c, size_t owner)
{
	struct pending *p = &drv->pend[i];
	const struct wcs_reader_ops *ops;

	if (drv->stats[owner].format == NULL ||
	    (ops = wcs_reader_find(drv->stats[owner].format)) == NULL)
		return (false);
	/* Lines that stand alone, or a reader told what it had learnt. */
	if ((ops->flags & WCS_READER_SPLITTABLE) == 0 &&
	    ((ops->flags & WCS_READER_RESUMABLE) == 0 || c->resume_len == 0))
		return (false);
	p->plan = PLAN_FROM;
	p->from = *c;
	/* Bytes kept for a reader that takes none are no reader's. */
	if ((ops->flags & WCS_READER_RESUMABLE) == 0)
		p->from.resume_len = 0;
	p->from_ops = ops;
	p->from_plain = is_plain(f);
	p->from_start = c->offset + (p->from_plain ? f->bom : 0);
	p->from_end = f->size;
	p->dev = f->dev;
	p->ino = f->ino;
	if (p->from_plain)
		drv->sweep.appended_bytes += f->size - p->from_start;
	else if (f->size > c->size)
		drv->sweep.appended_bytes += f->size - c->size;
	return (true);
}

static void note(struct wcs_driver *drv, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
note(struct wcs_driver *drv, size_t i, const char *fmt, ...)
{
	struct wcs_input_stats *st = &drv->stats[i];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(st->file_note, sizeof(st->file_note), fmt, ap);
	va_end(ap);
}

/* Input i against its own path's saved file: true when claimed. */
static bool
plan_own(struct wcs_driver *drv, size_t i, bool *claimed)
{
	struct pending *p = &drv->pend[i];
	const struct cat_file *c = &p->cat;
	struct file_now f;
	bool more = false, ok;
	int fd;

	if (!c->valid || !file_look(drv->paths[i], p->dev, p->ino, &f, &fd))
		return (false);
	if (f.dev == c->dev && f.ino == c->ino && f.size == c->size &&
	    f.raw_head == c->raw_head && f.raw_end == c->raw_end) {
		(void)close(fd);
		p->plan = PLAN_SKIP;
		claimed[i] = true;
		drv->sweep.unchanged++;
		note(drv, i, "unchanged since the last sweep: not read");
		return (true);
	}
	ok = f.size > c->size &&
	     file_continues(drv, drv->paths[i], fd, &f, c, &more);
	(void)close(fd);
	if (!ok)
		return (false);
	claimed[i] = true;
	if (!more) {
		p->plan = PLAN_SKIP;
		drv->sweep.unchanged++;
		note(drv, i, "nothing new since the last sweep: not read");
		return (true);
	}
	if (!plan_from(drv, i, &f, c, i)) {
		/*
		 * Appended, but its reader cannot start in the middle: read
		 * again whole, the records of the lines read before dropped
		 * (the engine has them) and its accounting made again from
		 * the whole file, so that nothing counts twice.
		 */
		const char *format = drv->stats[i].format;

		p->looked = false;
		p->skip_lines = c->lines;
		drv_stats_forget(drv, i);
		drv->sweep.appended++;
		drv->sweep.appended_bytes += f.size - c->size;
		if (format != NULL)
			note(drv, i,
			    "appended since the last sweep: read again whole "
			    "(a %s log is read from its start)",
			    format);
		else
			note(drv, i,
			    "appended since the last sweep: read again whole");
		return (true);
	}
	drv->sweep.appended++;
	note(drv, i, "appended since the last sweep: read from byte %llu",
	    (unsigned long long)p->from_start);
	return (true);
}

/*
 * The first block of the decoded stream of path's file f, in *head (f's
 * own bytes, or dec's for a gzip or UTF-16 file): its length.
 */
static size_t
decoded_head(struct wcs_driver *drv, const char *path, const struct file_now *f,
    unsigned char dec[BLOCK], const unsigned char **head)
{
	const struct wcs_input_ref ref = {
		.path = path, .dev = f->dev, .ino = f->ino
	};
	const unsigned char *pk;
	struct wcs_input *in;
	struct wcs_ctx ctx;
	size_t n = 0;

	if (is_plain(f)) {
		*head = f->head + f->bom;
		return (f->head_n - f->bom);
	}
	*head = dec;
	wcs_ctx_init(&ctx, drv->ctx->alloc);
	if (wcs_input_open_ref(&ctx, &ref, drv->o.max_line, &in) == WCS_OK) {
		if (wcs_input_peek(in, &pk, &n) == WCS_OK) {
			if (n > BLOCK)
				n = BLOCK;
			memcpy(dec, pk, n);
		} else {
			n = 0;
		}
		wcs_input_close(in);
	}
	return (n);
}

/*
 * Input i, not its path's file of last time: the saved file, not
 * claimed by its own path, whose first block it begins with and that it
 * continues; of several, the one read furthest.  True when found.
 */
static bool
plan_rotated(struct wcs_driver *drv, size_t i, bool *claimed)
{
	struct pending *p = &drv->pend[i];
	const struct cat_file *c;
	unsigned char dec[BLOCK];
	const unsigned char *head;
	struct file_now f;
	size_t cand[CANDIDATES], j, k, nc, best, head_n;
	bool more = false;
	int fd;

	if (!file_look(drv->paths[i], p->dev, p->ino, &f, &fd))
		return (false);
	head_n = decoded_head(drv, drv->paths[i], &f, dec, &head);
	/* The candidates by first block, read furthest first. */
	for (j = 0, nc = 0; j < drv->n; j++) {
		c = &drv->pend[j].cat;
		if (j == i || claimed[j] || !c->valid || c->head_len == 0 ||
		    c->head_len > head_n ||
		    hash(head, c->head_len) != c->head_hash)
			continue;
		for (k = nc;
		     k > 0 && drv->pend[cand[k - 1]].cat.offset < c->offset;
		     k--)
			;
		if (k >= CANDIDATES)
			continue;
		if (nc < CANDIDATES)
			nc++;
		memmove(&cand[k + 1], &cand[k], (nc - 1 - k) * sizeof(*cand));
		cand[k] = j;
	}
	for (k = 0; k < nc; k++) {
		best = cand[k];
		c = &drv->pend[best].cat;
		if (!file_continues(drv, drv->paths[i], fd, &f, c, &more))
			continue;
		(void)close(fd);
		claimed[best] = true;
		drv->sweep.rotated++;
		if (!more) {
			p->plan = PLAN_SKIP;
			note(drv, i, "rotated from %s: nothing new, not read",
			    drv->paths[best]);
			return (true);
		}
		if (!plan_from(drv, i, &f, c, best)) {
			/* Its reader cannot start in the middle: read again
			 * whole, the records of the lines read before (the
			 * engine has them) dropped, and the accounting of
			 * those lines, kept under the path it was read as,
			 * made again here, so that nothing counts twice. */
			p->skip_lines = c->lines;
			drv_stats_forget(drv, best);
			note(drv, i, "rotated from %s, read again whole",
			    drv->paths[best]);
			return (true);
		}
		note(drv, i, "rotated from %s: read from byte %llu",
		    drv->paths[best], (unsigned long long)p->from_start);
		return (true);
	}
	(void)close(fd);
	return (false);
}

/*
 * Not a sweep: a file named that a state loaded read already (the same
 * first bytes under its path) is not read again, which would count its
 * records twice; said as the input's error.
 */
static void
plan_loaded(struct wcs_driver *drv)
{
	unsigned char dec[BLOCK];
	const unsigned char *head;
	const struct cat_file *c;
	struct pending *p;
	struct file_now f;
	char why[WCS_ERRBUF_SIZE];
	size_t i, head_n;

	for (i = 0; i < drv->n; i++) {
		p = &drv->pend[i];
		c = &p->cat;
		if (!p->listed || p->failed || p->mem != NULL || !p->saved ||
		    !c->valid || c->head_len == 0 ||
		    strcmp(drv->paths[i], "-") == 0 ||
		    !file_look(drv->paths[i], p->dev, p->ino, &f, NULL))
			continue;
		head_n = decoded_head(drv, drv->paths[i], &f, dec, &head);
		if (head_n < c->head_len ||
		    hash(head, c->head_len) != c->head_hash)
			continue;
		p->plan = PLAN_SKIP;
		(void)snprintf(why, sizeof(why),
		    "%s: read already by a state loaded (its first %u bytes "
		    "alike): not read again, which would count its records "
		    "twice (--state reads only what is new in a file)",
		    drv->paths[i], (unsigned)c->head_len);
		drv_input_error(drv, &drv->stats[i], why, true);
	}
}

int
drv_plan(struct wcs_driver *drv)
{
	struct pending *p;
	bool *claimed, any = false;
	size_t i;

	if (!drv->o.incremental) {
		plan_loaded(drv);
		return (WCS_OK);
	}
	for (i = 0; i < drv->n; i++) {
		p = &drv->pend[i];
		any |= p->cat.valid;
		p->looked = p->listed && !p->failed && p->mem == NULL &&
			    strcmp(drv->paths[i], "-") != 0;
		drv->sweep.fresh += p->looked;
	}
	/* No state, or one that knows no file: every file is new. */
	if (!any)
		return (WCS_OK);
	drv->sweep.fresh = 0;
	if ((claimed = wcs_calloc(drv->ctx, drv->n, sizeof(*claimed))) == NULL)
		return (WCS_FATAL);
	/* A file's own path first: it is the likeliest to be the same. */
	for (i = 0; i < drv->n; i++)
		if (drv->pend[i].looked)
			(void)plan_own(drv, i, claimed);
	for (i = 0; i < drv->n; i++) {
		p = &drv->pend[i];
		if (!p->looked || p->plan != PLAN_WHOLE ||
		    plan_rotated(drv, i, claimed))
			continue;
		if (p->cat.valid) {
			drv->sweep.replaced++;
			note(drv, i,
			    "replaced or truncated since the last sweep: read "
			    "again whole");
		} else {
			drv->sweep.fresh++;
			if (!p->saved)
				note(drv, i, "new since the last sweep");
		}
	}
	wcs_free(drv->ctx, claimed);
	return (WCS_OK);
}

void
drv_cat_record(struct wcs_driver *drv, const struct member *m)
{
	struct pending *p = &drv->pend[m->index];
	const struct wcs_input_info *ii = wcs_input_info(m->in);
	struct cat_file c = { .valid = true };
	unsigned char buf[BLOCK];
	struct file_now f;
	uint64_t consumed = wcs_input_offset(m->in);
	int fd;

	if (p->mem != NULL || strcmp(drv->paths[m->index], "-") == 0 ||
	    !file_look(drv->paths[m->index], ii->dev, ii->ino, &f, &fd))
		return;
	c.gzip = ii->gzip;
	c.utf16 = ii->utf16;
	c.dev = ii->dev;
	c.ino = ii->ino;
	c.lines = wcs_input_lineno(m->in);
	if (!ii->gzip && !ii->utf16) {
		/* A piece counts raw bytes from its start; the whole
		 * file's decoded offset is past the mark. */
		c.roff = m->piece ? consumed : consumed + f.bom;
		if (c.roff < f.bom || c.roff > f.size)
			goto out;
		c.offset = c.roff - f.bom;
		c.size = c.roff;
		c.head_len = (uint32_t)min_u64(
		    min_u64(BLOCK, c.offset), f.head_n - f.bom);
		c.head_hash = hash(f.head + f.bom, c.head_len);
		c.at_len = (uint32_t)min_u64(BLOCK, c.offset);
		if (!hash_before(fd, c.roff, c.at_len, &c.at_hash))
			goto out;
	} else {
		c.offset = consumed;
		c.size = ii->raw_bytes;
		if (c.size > f.size)
			goto out;
		if (p->plan == PLAN_FROM) {
			c.head_len = p->from.head_len;
			c.head_hash = p->from.head_hash;
		} else {
			/* The first block, hashed when it was peeked at. */
			c.head_len = p->dec_head_len;
			c.head_hash = p->dec_head_hash;
		}
		c.at_len = (uint32_t)min_u64(BLOCK, c.offset);
		if (c.head_len > c.offset ||
		    (c.head_len < BLOCK && c.head_len < c.offset) ||
		    wcs_input_behind(m->in, buf, c.at_len) != c.at_len)
			goto out;
		c.at_hash = hash(buf, c.at_len);
	}
	if (m->resume_len > 0 && m->resume_len <= sizeof(c.resume)) {
		memcpy(c.resume, m->resume, m->resume_len);
		c.resume_len = (uint32_t)m->resume_len;
	}
	c.raw_head = hash(f.head, (size_t)min_u64(c.size, BLOCK));
	if (!hash_before(
		fd, c.size, (size_t)min_u64(c.size, BLOCK), &c.raw_end))
		goto out;
	p->cat = c;
out:
	(void)close(fd);
}

void
wcs_driver_sweep(const struct wcs_driver *drv, struct wcs_driver_sweep *out)
{
	*out = drv->sweep;
}
