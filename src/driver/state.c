/*
 * The inputs' accounting in state files (wcscan/driver.h says what is
 * kept and how states merge).  The section "inputs", version 2, all
 * integers little-endian, strings a u32 length and their bytes:
 *
 *	u32 n inputs, in byte order of path, each:
 *	    path; format ("" when not read: the reader's name)
 *	    u64 records, events, ignored, rejected; i64 first, last;
 *	    u64 bytes
 *	    u32 nsamples (at most WCS_REJECT_SAMPLES, by line then text),
 *	        each: u64 line, why
 *	    u8 flags: 1 gzip, 2 UTF-16, 4 local time read as UTC, 8 year
 *	        from mtime
 *	    error (""); file note ("")
 *	    u32 WCS_IGN__COUNT, then u64 ignored records by cause
 *	    u64 lost, repaired, repaired records; u32 log state bits
 *	    u8 1 when a file's identity follows, 2 when it does with what
 *	    its reader resumes with (else 0):
 *	        u8 flags: 1 gzip, 2 UTF-16
 *	        u64 dev, ino, size read up to, decoded offset, lines,
 *	            raw offset
 *	        u32 head length, u64 head hash, u32 length of the block at
 *	            the offset, u64 its hash, u64 raw first and last blocks'
 *	            hashes
 *	        (2 only) u32 length (1 to WCS_READER_RESUME_MAX), bytes
 *
 * Version 1 (no resume bytes, file flag 1 only) is read too.
 *
 * The log note is not kept: it is made again from the counts.  The clock
 * and copy notes are the engine's conclusions, not accounting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/driver.h"
#include "wcscan/reader.h"
#include "wcscan/statefile.h"
#include "wcscan/timeutil.h"
#include "driver_private.h"

#define INPUTS_VERSION 2u
#define INPUTS_MAX (1u << 24)
#define PATH_LEN_MAX 4096u
#define ERROR_LEN_MAX 4096u
/* The fewest bytes an input takes in the section. */
#define INPUT_MIN_SIZE 128u

#define F_GZIP 0x1
#define F_UTF16 0x2
#define F_TZ 0x4
#define F_YEAR 0x8

static int
path_cmp(const void *a, const void *b)
{
	const struct wcs_input_stats *const *x = a, *const *y = b;

	return (strcmp((*x)->path, (*y)->path));
}

/* A file's flag: none, one, one with what its reader resumes with. */
#define CAT_NONE 0
#define CAT_FILE 1
#define CAT_FILE_RESUME 2

static void
put_cat(struct wcs_state_writer *w, const struct cat_file *c)
{
	wcs_state_put_u8(w, !c->valid	       ? CAT_NONE :
			    c->resume_len == 0 ? CAT_FILE :
						 CAT_FILE_RESUME);
	if (!c->valid)
		return;
	wcs_state_put_u8(w, (c->gzip ? F_GZIP : 0) | (c->utf16 ? F_UTF16 : 0));
	wcs_state_put_u64(w, c->dev);
	wcs_state_put_u64(w, c->ino);
	wcs_state_put_u64(w, c->size);
	wcs_state_put_u64(w, c->offset);
	wcs_state_put_u64(w, c->lines);
	wcs_state_put_u64(w, c->roff);
	wcs_state_put_u32(w, c->head_len);
	wcs_state_put_u64(w, c->head_hash);
	wcs_state_put_u32(w, c->at_len);
	wcs_state_put_u64(w, c->at_hash);
	wcs_state_put_u64(w, c->raw_head);
	wcs_state_put_u64(w, c->raw_end);
	if (c->resume_len > 0) {
		wcs_state_put_u32(w, c->resume_len);
		wcs_state_put_bytes(w, c->resume, c->resume_len);
	}
}

static void
put_input(struct wcs_state_writer *w, const struct wcs_input_stats *st,
    const struct cat_file *cat)
{
	unsigned i;

	wcs_state_put_str(w, st->path);
	wcs_state_put_str(w, st->format);
	wcs_state_put_u64(w, st->records);
	wcs_state_put_u64(w, st->events);
	wcs_state_put_u64(w, st->ignored);
	wcs_state_put_u64(w, st->rejected);
	wcs_state_put_i64(w, st->first);
	wcs_state_put_i64(w, st->last);
	wcs_state_put_u64(w, st->bytes);
	wcs_state_put_u32(w, st->nsamples);
	for (i = 0; i < st->nsamples; i++) {
		wcs_state_put_u64(w, st->samples[i].line);
		wcs_state_put_str(w, st->samples[i].why);
	}
	wcs_state_put_u8(w,
	    (st->gzip ? F_GZIP : 0) | (st->utf16 ? F_UTF16 : 0) |
		(st->tz_assumed ? F_TZ : 0) | (st->year_guessed ? F_YEAR : 0));
	wcs_state_put_str(w, st->error);
	wcs_state_put_str(w, st->file_note);
	wcs_state_put_u32(w, WCS_IGN__COUNT);
	for (i = 0; i < WCS_IGN__COUNT; i++)
		wcs_state_put_u64(w, st->ignored_by[i]);
	wcs_state_put_u64(w, st->lost);
	wcs_state_put_u64(w, st->repaired);
	wcs_state_put_u64(w, st->repaired_records);
	wcs_state_put_u32(w, st->log_state);
	put_cat(w, cat);
}

int
wcs_driver_save_state(const struct wcs_driver *drv, struct wcs_state_writer *w)
{
	const struct wcs_input_stats **v;
	size_t i;
	int rc;

	if (drv->n > INPUTS_MAX) {
		wcs_set_error(drv->ctx, E2BIG, "too many inputs to save");
		return (WCS_FAILED);
	}
	if ((v = wcs_reallocarray(drv->ctx, NULL, drv->n + 1, sizeof(*v))) ==
	    NULL)
		return (WCS_FATAL);
	for (i = 0; i < drv->n; i++)
		v[i] = &drv->stats[i];
	/* By path, whatever the list's order: equal states, equal bytes. */
	qsort(v, drv->n, sizeof(*v), path_cmp);
	rc = wcs_state_begin(w, WCS_STATE_SEC_INPUTS, "inputs", INPUTS_VERSION);
	if (rc != WCS_OK)
		goto out;
	wcs_state_put_u32(w, (uint32_t)drv->n);
	for (i = 0; i < drv->n; i++)
		put_input(w, v[i], &drv->pend[v[i] - drv->stats].cat);
	rc = wcs_state_end(w);
out:
	wcs_free(drv->ctx, v);
	return (rc);
}

/* One loaded input, before it is merged in. */
struct loaded {
	char *path;
	struct wcs_input_stats st;
	struct cat_file cat;
};

/*
 * A string of at most max bytes without NUL, copied into dst (size
 * max + 1) or, with dst NULL, allocated.  NULL when malformed (the
 * cursor failed or *bad set) or ENOMEM (*nomem).
 */
static char *
get_str(struct wcs_ctx *ctx, struct wcs_state_cursor *c, uint32_t max,
    char *dst, bool *nomem)
{
	const char *p;
	uint32_t len;

	len = wcs_state_get_count(c, max, 1);
	if ((p = wcs_state_get_bytes(c, len)) == NULL && len > 0)
		return (NULL);
	if (len > 0 && memchr(p, '\0', len) != NULL) {
		c->bad = true;
		return (NULL);
	}
	if (dst == NULL && (dst = wcs_malloc(ctx, (size_t)len + 1)) == NULL) {
		*nomem = true;
		return (NULL);
	}
	if (len > 0)
		memcpy(dst, p, len);
	dst[len] = '\0';
	return (dst);
}

static const char *
get_cat(struct wcs_state_cursor *c, uint32_t version, struct cat_file *cat)
{
	uint8_t f;

	const void *rb;
	uint8_t kind;

	memset(cat, 0, sizeof(*cat));
	if ((kind = wcs_state_get_u8(c)) == CAT_NONE)
		return (NULL);
	if (kind != CAT_FILE && (kind != CAT_FILE_RESUME || version < 2))
		return ("bad file flag");
	f = wcs_state_get_u8(c);
	cat->valid = true;
	cat->gzip = (f & F_GZIP) != 0;
	cat->utf16 = (f & F_UTF16) != 0;
	cat->dev = wcs_state_get_u64(c);
	cat->ino = wcs_state_get_u64(c);
	cat->size = wcs_state_get_u64(c);
	cat->offset = wcs_state_get_u64(c);
	cat->lines = wcs_state_get_u64(c);
	cat->roff = wcs_state_get_u64(c);
	cat->head_len = wcs_state_get_u32(c);
	cat->head_hash = wcs_state_get_u64(c);
	cat->at_len = wcs_state_get_u32(c);
	cat->at_hash = wcs_state_get_u64(c);
	cat->raw_head = wcs_state_get_u64(c);
	cat->raw_end = wcs_state_get_u64(c);
	if (kind == CAT_FILE_RESUME) {
		cat->resume_len = wcs_state_get_u32(c);
		if (cat->resume_len == 0 ||
		    cat->resume_len > sizeof(cat->resume))
			return ("bad resume length");
		if ((rb = wcs_state_get_bytes(c, cat->resume_len)) == NULL)
			return ("cut short");
		memcpy(cat->resume, rb, cat->resume_len);
	}
	if (!wcs_state_cursor_ok(c))
		return ("cut short");
	if ((f & ~(F_GZIP | F_UTF16)) != 0)
		return ("bad file flags");
	if (cat->head_len > WCS_DRIVER_HASH_BLOCK ||
	    cat->at_len > WCS_DRIVER_HASH_BLOCK ||
	    cat->head_len > cat->offset || cat->at_len > cat->offset)
		return ("bad hash block");
	if (cat->roff > cat->size)
		return ("offset past the size read");
	return (NULL);
}

/* One input; NULL, or why it is malformed ("" for ENOMEM). */
static const char *
get_input(struct wcs_ctx *ctx, struct wcs_state_cursor *c, uint32_t version,
    struct loaded *l)
{
	struct wcs_input_stats *st = &l->st;
	const struct wcs_reader_ops *ops;
	char fmt[64], *e;
	bool nomem = false;
	uint32_t n, i;
	uint8_t f;

	memset(l, 0, sizeof(*l));
	if ((l->path = get_str(ctx, c, PATH_LEN_MAX, NULL, &nomem)) == NULL)
		return (nomem ? "" : "bad path");
	if (l->path[0] == '\0')
		return ("empty path");
	st->path = l->path;
	if (get_str(ctx, c, sizeof(fmt) - 1, fmt, &nomem) == NULL)
		return ("bad format name");
	if (fmt[0] != '\0') {
		if ((ops = wcs_reader_find(fmt)) == NULL)
			return ("unknown format (from a later wcscan?)");
		st->format = ops->name;
		st->kind = wcs_input_kind_name(ops->kind);
	}
	st->records = wcs_state_get_u64(c);
	st->events = wcs_state_get_u64(c);
	st->ignored = wcs_state_get_u64(c);
	st->rejected = wcs_state_get_u64(c);
	st->first = wcs_state_get_i64(c);
	st->last = wcs_state_get_i64(c);
	st->bytes = wcs_state_get_u64(c);
	n = wcs_state_get_count(c, WCS_REJECT_SAMPLES, 12);
	for (i = 0; i < n; i++) {
		st->samples[i].line = wcs_state_get_u64(c);
		if (get_str(ctx, c, WCS_REJECT_WHY - 1, st->samples[i].why,
			&nomem) == NULL)
			return ("bad reject");
		if (i > 0 &&
		    (st->samples[i].line < st->samples[i - 1].line ||
			(st->samples[i].line == st->samples[i - 1].line &&
			    strcmp(st->samples[i].why, st->samples[i - 1].why) <
				0)))
			return ("rejects out of order");
	}
	st->nsamples = n;
	f = wcs_state_get_u8(c);
	if ((f & ~(F_GZIP | F_UTF16 | F_TZ | F_YEAR)) != 0)
		return ("bad flags");
	st->gzip = (f & F_GZIP) != 0;
	st->utf16 = (f & F_UTF16) != 0;
	st->tz_assumed = (f & F_TZ) != 0;
	st->year_guessed = (f & F_YEAR) != 0;
	if ((e = get_str(ctx, c, ERROR_LEN_MAX, NULL, &nomem)) == NULL)
		return (nomem ? "" : "bad error");
	if (e[0] != '\0')
		st->error = e;
	else
		wcs_free(ctx, e);
	if (get_str(ctx, c, sizeof(st->file_note) - 1, st->file_note, &nomem) ==
	    NULL)
		return ("bad file note");
	if (wcs_state_get_u32(c) != WCS_IGN__COUNT)
		return ("another number of causes");
	for (i = 0; i < WCS_IGN__COUNT; i++)
		st->ignored_by[i] = wcs_state_get_u64(c);
	st->lost = wcs_state_get_u64(c);
	st->repaired = wcs_state_get_u64(c);
	st->repaired_records = wcs_state_get_u64(c);
	st->log_state = wcs_state_get_u32(c);
	if (!wcs_state_cursor_ok(c))
		return ("cut short");
	/* What one run could not have counted. */
	if (st->events > st->records || st->ignored > st->records ||
	    st->rejected > st->records ||
	    st->events + st->ignored + st->rejected != st->records)
		return ("records are not events, ignored and rejected");
	if (st->nsamples > st->rejected)
		return ("more rejects quoted than rejected");
	if ((st->first == WCS_TIME_NONE) != (st->last == WCS_TIME_NONE) ||
	    st->first > st->last)
		return ("first event after the last");
	return (get_cat(c, version, &l->cat));
}

static void
loaded_free(struct wcs_ctx *ctx, struct loaded *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		wcs_free(ctx, v[i].path);
		wcs_free(ctx, v[i].st.error);
	}
	wcs_free(ctx, v);
}

/* Of two identities of one path, the greater, so merging commutes. */
static int
cat_cmp(const struct cat_file *a, const struct cat_file *b)
{
	const uint64_t x[] = { a->valid, a->size, a->offset, a->lines, a->dev,
		a->ino, a->roff, a->gzip, a->utf16, a->head_len, a->head_hash,
		a->at_len, a->at_hash, a->raw_head, a->raw_end };
	const uint64_t y[] = { b->valid, b->size, b->offset, b->lines, b->dev,
		b->ino, b->roff, b->gzip, b->utf16, b->head_len, b->head_hash,
		b->at_len, b->at_hash, b->raw_head, b->raw_end };
	size_t i;

	for (i = 0; i < WCS_NELEM(x); i++)
		if (x[i] != y[i])
			return (x[i] < y[i] ? -1 : 1);
	return (0);
}

/*
 * Whether a state loaded before read the file that v read under the same
 * path: the same first bytes.  Merged, its records would count twice,
 * and no run over the inputs reads a file twice.  Files under one path
 * with other first bytes (each machine's own /var/log/syslog, shards of a
 * log split by time) are other files.
 */
static bool
read_before(const struct wcs_driver *drv, const struct loaded *v, size_t k)
{
	const struct pending *p = &drv->pend[k];

	return (p->saved && p->cat.valid && v->cat.valid &&
		v->cat.head_len > 0 && p->cat.head_len == v->cat.head_len &&
		p->cat.head_hash == v->cat.head_hash);
}

/* Merge the loaded inputs in: nothing can fail but memory, once no file
 * is found read twice (then nothing is merged: WCS_FAILED). */
static int
merge_loaded(struct wcs_driver *drv, const struct wcs_state *state,
    const struct loaded *v, size_t n)
{
	struct wcs_input_stats *st;
	struct pending *p;
	size_t i, k;

	for (i = 0; i < n; i++) {
		if ((k = drv_find(drv, v[i].path)) != SIZE_MAX &&
		    read_before(drv, &v[i], k)) {
			wcs_set_error(drv->ctx, EEXIST,
			    "%s: %s was read by a state loaded before it too "
			    "(the same file: its first %u bytes alike); merged, "
			    "its records would count twice: load each file's "
			    "state once",
			    wcs_state_name(state), v[i].path,
			    (unsigned)v[i].cat.head_len);
			return (WCS_FAILED);
		}
	}
	for (i = 0; i < n; i++) {
		if ((k = drv_find(drv, v[i].path)) == SIZE_MAX) {
			if ((st = drv_new_saved(drv, v[i].path)) == NULL)
				return (WCS_FATAL);
			k = (size_t)(st - drv->stats);
		}
		p = &drv->pend[k];
		if (drv_merge_saved(drv, &drv->stats[k], &v[i].st) != WCS_OK)
			return (WCS_FATAL);
		p->saved = true;
		if (cat_cmp(&v[i].cat, &p->cat) > 0)
			p->cat = v[i].cat;
	}
	return (drv_order(drv));
}

int
wcs_driver_load_state(struct wcs_driver *drv, const struct wcs_state *st)
{
	struct wcs_state_cursor c;
	struct loaded *v = NULL;
	const char *why = NULL;
	uint32_t version, n, i;
	int rc;

	if (drv->ran || drv->planned) {
		wcs_set_error(drv->ctx, EINVAL,
		    "%s: a state is loaded before the inputs are read",
		    wcs_state_name(st));
		return (WCS_FAILED);
	}
	if (wcs_state_section(st, WCS_STATE_SEC_INPUTS, &c, &version) != WCS_OK)
		return (WCS_OK);
	if (version != INPUTS_VERSION && version != 1)
		return (wcs_state_cursor_error(
		    drv->ctx, &c, "another version of the inputs section"));
	n = wcs_state_get_count(&c, INPUTS_MAX, INPUT_MIN_SIZE);
	if (!wcs_state_cursor_ok(&c))
		return (
		    wcs_state_cursor_error(drv->ctx, &c, "bad input count"));
	if ((v = wcs_calloc(drv->ctx, (size_t)n + 1, sizeof(*v))) == NULL)
		return (WCS_FATAL);
	for (i = 0; i < n && why == NULL; i++)
		why = get_input(drv->ctx, &c, version, &v[i]);
	if (why != NULL && why[0] == '\0') {
		rc = WCS_FATAL;
		goto out;
	}
	if (why == NULL && !wcs_state_cursor_done(&c))
		why = "bytes after the last input";
	if (why != NULL) {
		/* The cursor's position says where; the path which input. */
		c.bad = false;
		rc = wcs_state_cursor_error(drv->ctx, &c, why);
		goto out;
	}
	rc = merge_loaded(drv, st, v, n);
out:
	loaded_free(drv->ctx, v, n);
	return (rc);
}
