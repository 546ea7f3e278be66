/*
 * Incremental reading (src/driver/catalog.c): files written under a
 * scratch directory, read, their state saved, changed, and read again
 * with the state.  Only appended lines come out, with their line numbers,
 * and the accounting adds up to one run over the whole file; an unchanged
 * file is not read; a truncated or replaced file is read again whole; a
 * rotated file (renamed, or renamed and gzipped) is never read twice.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "wcscan/driver.h"
#include "wcscan/event.h"
#include "wcscan/reader.h"
#include "wcscan/statefile.h"

#define MAXIN 4

/* What one run saw and left. */
struct run {
	size_t nev[MAXIN];
	uint64_t minline[MAXIN], maxline[MAXIN];
	uint64_t lines_sum; /* of every event's line: the lines, in short */
	unsigned groups;
	size_t count;
	struct wcs_driver_sweep sw;
	struct wcs_input_stats st[MAXIN];
	void *state;
	size_t slen;
};

/* BIND lines from..to-1 (numbered from 0); every seventh is garbage. */
static char *
lines(size_t from, size_t to, size_t *len)
{
	size_t i, cap = (to - from) * 200 + 1, off = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	for (i = from; i < to; i++) {
		if (i % 7 == 6)
			off += (size_t)snprintf(buf + off, cap - off,
			    "12-May-2017 10:%02zu:%02zu.000 client garbage\n",
			    i / 60 % 60, i % 60);
		else
			off += (size_t)snprintf(buf + off, cap - off,
			    "12-May-2017 10:%02zu:%02zu.000 client "
			    "10.0.%zu.%zu#5301 (h%zu.example.com): query: "
			    "h%zu.example.com IN A + (10.0.0.1)\n",
			    i / 60 % 60, i % 60, i / 250 % 250, i % 250, i, i);
	}
	*len = off;
	return (buf);
}

/* Lines from..to-1 written (mode "wb") or appended ("ab") to path. */
static void
put_lines(const char *path, const char *mode, size_t from, size_t to)
{
	size_t len;
	char *buf = lines(from, to, &len);
	FILE *fp;

	assert_non_null(fp = fopen(path, mode));
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	free(buf);
}

/* Lines the events of lines from..to-1 are. */
static size_t
nevents(size_t from, size_t to)
{
	size_t i, n = 0;

	for (i = from; i < to; i++)
		n += i % 7 != 6;
	return (n);
}

/* The line number of the first event of lines from on. */
static uint64_t
first_line(size_t from)
{
	return (from % 7 == 6 ? from + 2 : from + 1);
}

static void
gzip_file(const char *from, const char *to)
{
	char buf[4096];
	gzFile gz;
	FILE *fp;
	size_t n;

	assert_non_null(fp = fopen(from, "rb"));
	assert_non_null(gz = gzopen(to, "wb"));
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		assert_int_equal(gzwrite(gz, buf, (unsigned)n), (int)n);
	assert_int_equal(gzclose(gz), Z_OK);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(unlink(from), 0);
}

static int
on_event(const struct wcs_event *ev, void *arg)
{
	struct run *r = arg;

	assert_true(ev->input < MAXIN);
	if (r->nev[ev->input] == 0 || ev->line < r->minline[ev->input])
		r->minline[ev->input] = ev->line;
	if (ev->line > r->maxline[ev->input])
		r->maxline[ev->input] = ev->line;
	r->nev[ev->input]++;
	r->lines_sum += ev->line;
	return (WCS_OK);
}

static void
on_group(
    void *arg, const char *path, uint64_t size, unsigned index, unsigned count)
{
	struct run *r = arg;

	(void)path;
	(void)size;
	(void)index;
	(void)count;
	r->groups++;
}

/*
 * One sweep over paths with the state of `prev` (NULL: none), pieces of
 * piece bytes (0: the default), incremental or not; r gets what it saw.
 */
static void
sweep(const char *const *paths, size_t n, const struct run *prev,
    uint64_t piece, bool incremental, struct run *r)
{
	struct wcs_driver_opts o;
	struct wcs_state_writer *w;
	struct wcs_driver *drv;
	struct wcs_state *st;
	struct wcs_ctx ctx, sctx;
	const void *data;
	size_t i;

	memset(r, 0, sizeof(*r));
	memset(&o, 0, sizeof(o));
	o.year = 2017;
	o.since = o.until = WCS_TIME_NONE;
	o.threads = 1;
	o.piece_size = piece;
	o.incremental = incremental;
	o.hooks.group = on_group;
	o.hooks.arg = r;
	wcs_ctx_init(&ctx, NULL);
	wcs_ctx_init(&sctx, NULL);
	assert_non_null(drv = wcs_driver_new(&ctx, &o));
	if (prev != NULL) {
		assert_int_equal(wcs_state_parse(&sctx, "last.state",
				     prev->state, prev->slen, &st),
		    WCS_OK);
		assert_int_equal(wcs_driver_load_state(drv, st), WCS_OK);
		wcs_state_free(st);
	}
	for (i = 0; i < n; i++)
		assert_int_equal(
		    wcs_driver_add(drv, paths[i], WCS_KIND_ANY), WCS_OK);
	assert_int_equal(wcs_driver_run(drv, NULL, on_event, r), WCS_OK);
	r->count = wcs_driver_count(drv);
	assert_true(r->count <= MAXIN);
	memcpy(r->st, wcs_driver_stats(drv), r->count * sizeof(r->st[0]));
	for (i = 0; i < r->count; i++) {
		assert_null(r->st[i].error);
		r->st[i].path = NULL;
	}
	wcs_driver_sweep(drv, &r->sw);
	assert_non_null(w = wcs_state_writer_new(&sctx));
	assert_int_equal(wcs_driver_save_state(drv, w), WCS_OK);
	assert_non_null(data = wcs_state_writer_data(w, &r->slen));
	assert_non_null(r->state = malloc(r->slen));
	memcpy(r->state, data, r->slen);
	wcs_state_writer_free(w);
	wcs_driver_free(drv);
}

static void
run_free(struct run *r)
{
	free(r->state);
	r->state = NULL;
}

static void
assert_same_accounting(
    const struct wcs_input_stats *a, const struct wcs_input_stats *b)
{
	unsigned i;

	assert_int_equal(a->records, b->records);
	assert_int_equal(a->events, b->events);
	assert_int_equal(a->ignored, b->ignored);
	assert_int_equal(a->rejected, b->rejected);
	assert_int_equal(a->first, b->first);
	assert_int_equal(a->last, b->last);
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->nsamples, b->nsamples);
	for (i = 0; i < a->nsamples; i++) {
		assert_int_equal(a->samples[i].line, b->samples[i].line);
		assert_string_equal(a->samples[i].why, b->samples[i].why);
	}
	assert_string_equal(a->format, b->format);
}

struct dir {
	char path[64];
	char file[4][128];
};

static void
dir_new(struct dir *d)
{
	memset(d, 0, sizeof(*d));
	(void)snprintf(d->path, sizeof(d->path), "/tmp/test_catalog.XXXXXX");
	assert_non_null(mkdtemp(d->path));
}

static const char *
dir_file(struct dir *d, unsigned k, const char *name)
{
	char tmp[sizeof(d->file[0])];

	(void)snprintf(tmp, sizeof(tmp), "%s/%s", d->path, name);
	memcpy(d->file[k], tmp, sizeof(tmp));
	return (d->file[k]);
}

static void
dir_free(struct dir *d)
{
	unsigned k;

	for (k = 0; k < 4; k++)
		if (d->file[k][0] != '\0')
			(void)unlink(d->file[k]);
	(void)rmdir(d->path);
}

/*
 * Appended lines only are read, numbered on from the saved count, in one
 * piece or in several; the accounting is one run's over the whole file.
 * Then a sweep over the unchanged file reads nothing.
 */
static void
test_appended_then_unchanged(void **state)
{
	static const uint64_t pieces[] = { 0, 3000 };
	struct run r1, r2, r3, whole;
	struct dir d;
	const char *path;
	size_t k;

	(void)state;
	dir_new(&d);
	path = dir_file(&d, 0, "fw.log");
	for (k = 0; k < WCS_NELEM(pieces); k++) {
		put_lines(path, "wb", 0, 200);
		sweep(&path, 1, NULL, pieces[k], true, &r1);
		assert_int_equal(r1.nev[0], nevents(0, 200));
		assert_int_equal(r1.sw.fresh, 1);
		put_lines(path, "ab", 200, 350);
		sweep(&path, 1, &r1, pieces[k], true, &r2);
		/* Only the new lines, numbered as in the whole file. */
		assert_int_equal(r2.nev[0], nevents(200, 350));
		assert_int_equal(r2.minline[0], first_line(200));
		/* Line 350 (349 from 0) is garbage: 349 the last event. */
		assert_int_equal(r2.maxline[0], 349);
		assert_int_equal(r2.sw.appended, 1);
		assert_int_equal(r2.sw.unchanged, 0);
		assert_true(r2.sw.appended_bytes > 0);
		assert_non_null(strstr(r2.st[0].file_note, "appended"));
		if (pieces[k] != 0)
			assert_true(r2.groups > 0);
		sweep(&path, 1, NULL, 0, false, &whole);
		assert_same_accounting(&r2.st[0], &whole.st[0]);
		assert_int_equal(
		    r2.sw.appended_bytes + r1.st[0].bytes, whole.st[0].bytes);

		/* Unchanged: not read, nothing said of it but that. */
		sweep(&path, 1, &r2, pieces[k], true, &r3);
		assert_int_equal(r3.nev[0], 0);
		assert_int_equal(r3.groups, 0);
		assert_int_equal(r3.sw.unchanged, 1);
		assert_same_accounting(&r3.st[0], &whole.st[0]);
		assert_non_null(strstr(r3.st[0].file_note, "unchanged"));
		run_free(&r1);
		run_free(&r2);
		run_free(&r3);
		run_free(&whole);
	}
	dir_free(&d);
}

/* A file truncated and written again is a new version: read whole. */
static void
test_truncated_is_read_again(void **state)
{
	struct run r1, r2;
	struct dir d;
	const char *path;
	FILE *fp;

	(void)state;
	dir_new(&d);
	path = dir_file(&d, 0, "fw.log");
	put_lines(path, "wb", 0, 100);
	sweep(&path, 1, NULL, 0, true, &r1);
	put_lines(path, "wb", 500, 540);
	sweep(&path, 1, &r1, 0, true, &r2);
	assert_int_equal(r2.nev[0], nevents(500, 540));
	assert_int_equal(r2.minline[0], 1);
	assert_int_equal(r2.sw.replaced, 1);
	assert_int_equal(r2.sw.appended + r2.sw.unchanged, 0);
	assert_non_null(strstr(r2.st[0].file_note, "replaced"));
	/* Both versions were read: the accounting holds both. */
	assert_int_equal(r2.st[0].records, 140);
	run_free(&r1);
	run_free(&r2);

	/* The same size, another start: replaced too, not unchanged. */
	put_lines(path, "wb", 0, 100);
	sweep(&path, 1, NULL, 0, true, &r1);
	assert_non_null(fp = fopen(path, "r+b"));
	assert_int_equal(fputc('X', fp), 'X');
	assert_int_equal(fclose(fp), 0);
	sweep(&path, 1, &r1, 0, true, &r2);
	assert_int_equal(r2.sw.replaced, 1);
	/* Its first line no longer a date: rejected. */
	assert_int_equal(r2.nev[0], nevents(0, 100) - 1);
	run_free(&r1);
	run_free(&r2);
	dir_free(&d);
}

/*
 * fw.log, read, then written to, then renamed fw.log.1 (plain, or
 * gzipped as fw.log.1.gz) while a new fw.log starts: the rotated file's
 * lines read before are not read again, the lines written after the
 * sweep are, and the new fw.log is read whole.
 */
static void
test_rotation(void **state)
{
	struct run r1, r2, r3;
	struct dir d;
	const char *paths[2], *old, *gz;
	unsigned zip;

	(void)state;
	for (zip = 0; zip < 2; zip++) {
		dir_new(&d);
		paths[0] = dir_file(&d, 0, "fw.log");
		old = dir_file(&d, 1, "fw.log.1");
		gz = dir_file(&d, 2, "fw.log.1.gz");
		put_lines(paths[0], "wb", 0, 300);
		sweep(paths, 1, NULL, 0, true, &r1);
		assert_int_equal(r1.nev[0], nevents(0, 300));
		put_lines(paths[0], "ab", 300, 320);
		assert_int_equal(rename(paths[0], old), 0);
		if (zip)
			gzip_file(old, gz);
		put_lines(paths[0], "wb", 1001, 1031);
		paths[1] = zip ? gz : old;
		sweep(paths, 2, &r1, 0, true, &r2);
		/* The new fw.log whole; of the old only its last lines. */
		assert_int_equal(r2.nev[0], nevents(1001, 1031));
		assert_int_equal(r2.minline[0], first_line(0));
		assert_int_equal(r2.nev[1], nevents(300, 320));
		assert_int_equal(r2.minline[1], first_line(300));
		assert_int_equal(r2.sw.rotated, 1);
		assert_int_equal(r2.sw.replaced, 1);
		assert_non_null(strstr(r2.st[1].file_note, "rotated from"));
		/* Read from the offset: records are the new lines only. */
		assert_int_equal(r2.st[1].records, 20);

		/* Nothing new: the next sweep reads nothing of either. */
		sweep(paths, 2, &r2, 0, true, &r3);
		assert_int_equal(r3.nev[0] + r3.nev[1], 0);
		assert_int_equal(r3.sw.unchanged, 2);
		assert_int_equal(r3.groups, 0);
		run_free(&r1);
		run_free(&r2);
		run_free(&r3);
		dir_free(&d);
	}
}

/* Rotated and gzipped with nothing written since: not read at all. */
static void
test_rotated_unchanged_gzip(void **state)
{
	struct run r1, r2;
	struct dir d;
	const char *path, *gz;

	(void)state;
	dir_new(&d);
	path = dir_file(&d, 0, "dns.log");
	gz = dir_file(&d, 1, "dns.log.1.gz");
	put_lines(path, "wb", 0, 120);
	sweep(&path, 1, NULL, 0, true, &r1);
	gzip_file(path, gz);
	sweep(&gz, 1, &r1, 0, true, &r2);
	assert_int_equal(r2.nev[0] + r2.nev[1], 0);
	assert_int_equal(r2.sw.rotated, 1);
	assert_int_equal(r2.groups, 0);
	run_free(&r1);
	run_free(&r2);
	dir_free(&d);
}

/* Lines from..to-1 in UTF-16LE (a byte-order mark first when bom). */
static void
put_utf16(const char *path, const char *mode, size_t from, size_t to, bool bom)
{
	size_t len, i;
	char *buf = lines(from, to, &len);
	FILE *fp;

	assert_non_null(fp = fopen(path, mode));
	if (bom)
		assert_int_equal(fwrite("\xff\xfe", 1, 2, fp), 2);
	for (i = 0; i < len; i++) {
		assert_int_equal(fputc(buf[i], fp), buf[i]);
		assert_int_equal(fputc(0, fp), 0);
	}
	assert_int_equal(fclose(fp), 0);
	free(buf);
}

/* UTF-16 appended: decoded and dropped up to the offset, then read. */
static void
test_utf16_appended(void **state)
{
	struct run r1, r2, whole;
	struct dir d;
	const char *path;

	(void)state;
	dir_new(&d);
	path = dir_file(&d, 0, "dns16.log");
	put_utf16(path, "wb", 0, 100, true);
	sweep(&path, 1, NULL, 0, true, &r1);
	assert_int_equal(r1.nev[0], nevents(0, 100));
	put_utf16(path, "ab", 100, 130, false);
	sweep(&path, 1, &r1, 0, true, &r2);
	assert_int_equal(r2.sw.appended, 1);
	assert_int_equal(r2.nev[0], nevents(100, 130));
	assert_int_equal(r2.minline[0], first_line(100));
	sweep(&path, 1, NULL, 0, false, &whole);
	assert_int_equal(r2.st[0].records, whole.st[0].records);
	assert_int_equal(r2.st[0].events, whole.st[0].events);
	assert_int_equal(r2.st[0].bytes, whole.st[0].bytes);
	run_free(&r1);
	run_free(&r2);
	run_free(&whole);
	dir_free(&d);
}

/*
 * A line being written when the sweep reads is left for the next one,
 * which reads it whole, once, numbered where it is.
 */
static void
test_partial_line_waits(void **state)
{
	struct run r1, r2, whole;
	struct dir d;
	const char *path;
	size_t len;
	char *buf;
	FILE *fp;

	(void)state;
	dir_new(&d);
	path = dir_file(&d, 0, "dns.log");
	put_lines(path, "wb", 0, 50);
	buf = lines(50, 51, &len);
	assert_non_null(fp = fopen(path, "ab"));
	assert_int_equal(fwrite(buf, 1, 40, fp), 40);
	assert_int_equal(fclose(fp), 0);
	sweep(&path, 1, NULL, 0, true, &r1);
	assert_int_equal(r1.nev[0], nevents(0, 50));
	assert_int_equal(r1.st[0].records, 50);
	assert_int_equal(r1.st[0].rejected, 50 / 7);
	/* The rest of line 51, and more. */
	assert_non_null(fp = fopen(path, "ab"));
	assert_int_equal(fwrite(buf + 40, 1, len - 40, fp), len - 40);
	assert_int_equal(fclose(fp), 0);
	free(buf);
	put_lines(path, "ab", 51, 60);
	sweep(&path, 1, &r1, 0, true, &r2);
	assert_int_equal(r2.nev[0], nevents(50, 60));
	assert_int_equal(r2.minline[0], first_line(50));
	sweep(&path, 1, NULL, 0, false, &whole);
	assert_same_accounting(&r2.st[0], &whole.st[0]);
	run_free(&r1);
	run_free(&r2);
	run_free(&whole);
	dir_free(&d);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_appended_then_unchanged),
		cmocka_unit_test(test_truncated_is_read_again),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_rotated_unchanged_gzip),
		cmocka_unit_test(test_partial_line_waits),
		cmocka_unit_test(test_utf16_appended),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
