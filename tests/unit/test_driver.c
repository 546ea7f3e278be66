/*
 * The input driver (src/driver): a file read in pieces gives the events
 * and the accounting of the file read whole, and the same sequence for
 * 1, 2 and 3 threads; an input that cannot be listed, opened or read to
 * its end is said and accounted while the others are read; a callback
 * that stops the reading stops it on every thread count; memory input;
 * failing allocations; the inputs' accounting saved in a state and
 * loaded, merged in any order, refused when malformed.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wcscan/driver.h"
#include "wcscan/engine.h"
#include "wcscan/event.h"
#include "wcscan/reader.h"
#include "wcscan/report.h"
#include "wcscan/rules.h"
#include "wcscan/statefile.h"

/* One event as the callback saw it. */
struct ev {
	uint32_t input;
	uint64_t line, offset;
	int64_t ts;
	int kind;
	uint64_t qhash;
};

/* What the callback and the say hook saw, in order. */
struct seen {
	struct ev *ev;
	size_t n, cap;
	size_t stop_after; /* 0: never stop */
	unsigned errors, warnings;
	char last_error[512];
	struct wcs_ctx *ctx; /* where a stop is recorded */
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	if (s == NULL)
		return (0);
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h);
}

static int
record(const struct wcs_event *ev, void *arg)
{
	struct seen *s = arg;

	if (s->stop_after != 0 && s->n == s->stop_after) {
		wcs_set_error(s->ctx, EINTR, "stopped");
		return (WCS_FATAL);
	}
	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 4096 : s->cap * 2;
		s->ev = realloc(s->ev, s->cap * sizeof(*s->ev));
		assert_non_null(s->ev);
	}
	/* Compared with memcmp: the padding too. */
	memset(&s->ev[s->n], 0, sizeof(s->ev[s->n]));
	s->ev[s->n].input = ev->input;
	s->ev[s->n].line = ev->line;
	s->ev[s->n].offset = ev->offset;
	s->ev[s->n].ts = ev->ts_us;
	s->ev[s->n].kind = ev->kind;
	s->ev[s->n].qhash = hash_str(ev->qname);
	s->n++;
	return (WCS_OK);
}

static void
say(void *arg, enum wcs_driver_level level, const char *msg)
{
	struct seen *s = arg;

	if (level == WCS_DRIVER_ERROR) {
		s->errors++;
		(void)snprintf(s->last_error, sizeof(s->last_error), "%s", msg);
	} else {
		s->warnings++;
	}
}

static void
seen_free(struct seen *s)
{
	free(s->ev);
	memset(s, 0, sizeof(*s));
}

/* n BIND query lines; every seventh is garbage, rejected by the reader. */
static char *
make_log(size_t n, size_t *len)
{
	size_t i, cap = n * 200 + 1, off = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	for (i = 0; i < n; i++) {
		if (i % 7 == 6)
			off += (size_t)snprintf(buf + off, cap - off,
			    "12-May-2017 10:%02zu:%02zu.000 client garbage\n",
			    i / 60 % 60, i % 60);
		else
			off += (size_t)snprintf(buf + off, cap - off,
			    "12-May-2017 10:%02zu:%02zu.000 client "
			    "10.0.%zu.%zu#5301 (host%zu.example.com): query: "
			    "host%zu.example.com IN A + (10.0.0.1)\n",
			    i / 60 % 60, i % 60, i / 250 % 250, i % 250, i, i);
	}
	*len = off;
	return (buf);
}

/* A scratch directory, removed (with the files named) at the end. */
struct scratch {
	char dir[64];
	char path[8][128];
	size_t n;
};

static const char *
scratch_file(struct scratch *sc, const char *name, const void *buf, size_t len)
{
	char *p = sc->path[sc->n++], tmp[sizeof(sc->path[0])];
	FILE *fp;

	if (sc->dir[0] == '\0') {
		(void)snprintf(
		    sc->dir, sizeof(sc->dir), "/tmp/test_driver.XXXXXX");
		assert_non_null(mkdtemp(sc->dir));
	}
	/* Through a copy: GCC cannot tell sc->dir from sc->path apart. */
	(void)snprintf(tmp, sizeof(tmp), "%s/%s", sc->dir, name);
	memcpy(p, tmp, sizeof(tmp));
	assert_non_null(fp = fopen(p, "wb"));
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return (p);
}

static void
scratch_free(struct scratch *sc)
{
	size_t i;

	for (i = 0; i < sc->n; i++)
		(void)unlink(sc->path[i]);
	if (sc->dir[0] != '\0')
		(void)rmdir(sc->dir);
}

static void
opts_init(struct wcs_driver_opts *o, unsigned threads, uint64_t piece_size,
    struct seen *s)
{
	memset(o, 0, sizeof(*o));
	o->year = 2017;
	o->since = o->until = WCS_TIME_NONE;
	o->threads = threads;
	o->piece_size = piece_size;
	o->hooks.say = say;
	o->hooks.arg = s;
}

/*
 * Read paths with the driver into s; the stats of input 0 land in *st0
 * when it is not NULL.  Returns what wcs_driver_run returned.
 */
static int
read_paths(const char *const *paths, size_t n, unsigned threads,
    uint64_t piece_size, struct seen *s, struct wcs_input_stats *st0)
{
	struct wcs_driver_opts o;
	struct wcs_driver *drv;
	struct wcs_ctx ctx;
	size_t i;
	int rc;

	wcs_ctx_init(&ctx, NULL);
	s->ctx = &ctx;
	opts_init(&o, threads, piece_size, s);
	assert_non_null(drv = wcs_driver_new(&ctx, &o));
	for (i = 0; i < n; i++)
		(void)wcs_driver_add(drv, paths[i], WCS_KIND_ANY);
	rc = wcs_driver_run(drv, NULL, record, s);
	assert_int_equal(wcs_driver_count(drv), n);
	if (st0 != NULL) {
		*st0 = wcs_driver_stats(drv)[0];
		st0->error = NULL; /* freed with the driver */
		st0->path = NULL;
	}
	/* Reading twice is refused: the inputs were read. */
	assert_int_equal(wcs_driver_run(drv, NULL, record, s), WCS_FATAL);
	wcs_driver_free(drv);
	s->ctx = NULL;
	return (rc);
}

static int
ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->input != y->input)
		return (x->input < y->input ? -1 : 1);
	if (x->line != y->line)
		return (x->line < y->line ? -1 : 1);
	return (0);
}

static void
assert_same_stats(
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
	for (i = 0; i < WCS_IGN__COUNT; i++)
		assert_int_equal(a->ignored_by[i], b->ignored_by[i]);
	assert_string_equal(a->format, b->format);
}

#define NLINES 3000
#define PIECE 10000

static void
test_pieces_give_the_whole(void **state)
{
	struct wcs_input_stats whole_st, st;
	struct seen whole = { 0 }, one = { 0 }, s = { 0 };
	struct scratch sc = { 0 };
	const char *paths[2];
	unsigned threads;
	size_t len, i;
	char *buf;

	(void)state;
	buf = make_log(NLINES, &len);
	/* Enough pieces for more than one group of WCS_FEED_GROUP. */
	assert_true(len / PIECE > 2 * WCS_FEED_GROUP);
	paths[0] = scratch_file(&sc, "big.log", buf, len);
	free(buf);
	buf = make_log(40, &len);
	paths[1] = scratch_file(&sc, "small.log", buf, len);
	free(buf);

	assert_int_equal(read_paths(paths, 2, 1, 0, &whole, &whole_st), WCS_OK);
	assert_int_equal(whole_st.records, NLINES);
	assert_int_equal(whole_st.rejected, NLINES / 7);
	assert_int_equal(whole_st.nsamples, WCS_REJECT_SAMPLES);
	assert_int_equal(whole.errors, 0);

	for (threads = 1; threads <= 3; threads++) {
		assert_int_equal(
		    read_paths(paths, 2, threads, PIECE, &s, &st), WCS_OK);
		/* The pieces' accounting merges to the whole file's. */
		assert_same_stats(&st, &whole_st);
		assert_int_equal(s.n, whole.n);
		assert_int_equal(s.errors, 0);
		if (threads == 1) {
			/* Pieces are read round robin: another order than the
			 * whole file's, and so a test that they were pieces. */
			assert_true(
			    memcmp(s.ev, whole.ev, s.n * sizeof(*s.ev)) != 0);
			one = s;
			memset(&s, 0, sizeof(s));
			continue;
		}
		/* The same sequence whatever the thread count. */
		assert_memory_equal(s.ev, one.ev, s.n * sizeof(*s.ev));
		seen_free(&s);
	}
	/* The same events, with their lines and offsets, as the whole. */
	qsort(one.ev, one.n, sizeof(*one.ev), ev_cmp);
	qsort(whole.ev, whole.n, sizeof(*whole.ev), ev_cmp);
	for (i = 0; i < whole.n; i++) {
		assert_int_equal(one.ev[i].line, whole.ev[i].line);
		assert_int_equal(one.ev[i].offset, whole.ev[i].offset);
		assert_int_equal(one.ev[i].ts, whole.ev[i].ts);
		assert_int_equal(one.ev[i].qhash, whole.ev[i].qhash);
	}
	seen_free(&one);
	seen_free(&whole);
	scratch_free(&sc);
}

/*
 * Where pieces are cut: after a line end at least a piece past the
 * piece's start, so a line longer than a piece stays whole, a file
 * ending on a cut has no empty last piece, and a last line without its
 * line end is read.  Every -j reads what the whole file gives, lines,
 * offsets and rejects alike; a piece size of one byte cuts after every
 * line.
 */
static void
test_cuts_at_line_ends(void **state)
{
	struct wcs_input_stats whole_st, st;
	struct seen whole = { 0 }, s = { 0 };
	struct scratch sc = { 0 };
	const uint64_t sizes[] = { 1, 700, PIECE };
	const char *path;
	unsigned threads;
	size_t len, i, k, at;
	char *buf, *big;

	(void)state;
	buf = make_log(200, &len);
	/* A garbage line longer than three pieces, then the rest with its
	 * last line end dropped. */
	assert_non_null(big = malloc(len + 3 * PIECE + 2));
	at = len / 2;
	while (buf[at - 1] != '\n')
		at++;
	memcpy(big, buf, at);
	memset(big + at, 'x', 3 * PIECE);
	big[at + 3 * PIECE] = '\n';
	memcpy(big + at + 3 * PIECE + 1, buf + at, len - at - 1);
	path = scratch_file(&sc, "cuts.log", big, len + 3 * PIECE);
	free(big);
	free(buf);
	assert_int_equal(read_paths(&path, 1, 1, 0, &whole, &whole_st), WCS_OK);
	assert_int_equal(whole_st.records, 201);
	qsort(whole.ev, whole.n, sizeof(*whole.ev), ev_cmp);
	for (k = 0; k < WCS_NELEM(sizes); k++) {
		for (threads = 1; threads <= 3; threads++) {
			assert_int_equal(
			    read_paths(&path, 1, threads, sizes[k], &s, &st),
			    WCS_OK);
			assert_same_stats(&st, &whole_st);
			assert_int_equal(s.n, whole.n);
			qsort(s.ev, s.n, sizeof(*s.ev), ev_cmp);
			for (i = 0; i < s.n; i++) {
				assert_int_equal(
				    s.ev[i].line, whole.ev[i].line);
				assert_int_equal(
				    s.ev[i].offset, whole.ev[i].offset);
			}
			seen_free(&s);
		}
	}
	seen_free(&whole);
	scratch_free(&sc);
}

/*
 * wcs_feed_group's own counting: a file cut in three pieces, the first
 * counted, the second chained to it and counted, the third chained to
 * the second.  Every event's line is the whole file's (BIND lines are
 * one event or reject each, so line k is the k-th record); a piece
 * chained to one whose count cannot be made (its path gone) is not read,
 * and says why.
 */
static void
feed_pieces(const char *path, const char *count_path, unsigned threads,
    struct seen *s, int rc_want[3])
{
	const struct wcs_reader_ops *ops = wcs_reader_find("bind");
	struct wcs_input_stats st[3];
	struct wcs_feed_input fi[3];
	struct wcs_input_piece pc[3];
	struct wcs_ctx ctx, mctx[3];
	struct wcs_run_opts ro;
	struct stat sb;
	uint64_t size, cut[4];
	char *buf;
	FILE *fp;
	size_t k;

	assert_non_null(ops);
	assert_int_equal(stat(path, &sb), 0);
	size = (uint64_t)sb.st_size;
	assert_non_null(buf = malloc(size));
	assert_non_null(fp = fopen(path, "rb"));
	assert_int_equal(fread(buf, 1, size, fp), size);
	(void)fclose(fp);
	/* Cuts after the line ends nearest a third and two thirds. */
	cut[0] = 0;
	cut[3] = size;
	for (k = 1; k < 3; k++) {
		cut[k] = size * k / 3;
		while (buf[cut[k] - 1] != '\n')
			cut[k]++;
	}
	free(buf);
	wcs_ctx_init(&ctx, NULL);
	s->ctx = &ctx;
	memset(&ro, 0, sizeof(ro));
	ro.read.year = 2017;
	ro.since = ro.until = WCS_TIME_NONE;
	for (k = 0; k < 3; k++) {
		pc[k] = (struct wcs_input_piece){ .start = cut[k],
			.end = cut[k + 1],
			.size = size,
			.dev = (uint64_t)sb.st_dev,
			.ino = (uint64_t)sb.st_ino };
		wcs_ctx_init(&mctx[k], NULL);
		memset(&st[k], 0, sizeof(st[k]));
		memset(&fi[k], 0, sizeof(fi[k]));
		fi[k].ctx = &mctx[k];
		assert_int_equal(
		    wcs_input_open_piece(&mctx[k], path, &pc[k], 0, &fi[k].in),
		    WCS_OK);
		assert_int_equal(wcs_read_job_new(&mctx[k], ops, fi[k].in, &ro,
				     &st[k], &fi[k].job),
		    WCS_OK);
		fi[k].piece_path = count_path;
		fi[k].piece = pc[k];
		fi[k].count = k < 2;
		fi[k].chained = k > 0;
	}
	assert_int_equal(
	    wcs_feed_group(&ctx, fi, 3, threads, record, s, NULL), WCS_OK);
	for (k = 0; k < 3; k++) {
		assert_int_equal(fi[k].rc, rc_want[k]);
		if (fi[k].rc != WCS_OK)
			(void)snprintf(s->last_error, sizeof(s->last_error),
			    "%s", wcs_error_string(&mctx[k]));
		wcs_read_job_free(fi[k].job);
		wcs_input_close(fi[k].in);
	}
	s->ctx = NULL;
}

static void
test_feed_counts_lines(void **state)
{
	struct seen whole = { 0 }, s = { 0 };
	struct scratch sc = { 0 };
	int ok[3] = { WCS_OK, WCS_OK, WCS_OK };
	int gone[3] = { WCS_OK, WCS_FAILED, WCS_FAILED };
	const char *path;
	unsigned threads;
	size_t len, i;
	char *buf;

	(void)state;
	buf = make_log(900, &len);
	path = scratch_file(&sc, "pieces.log", buf, len);
	free(buf);
	assert_int_equal(read_paths(&path, 1, 1, 0, &whole, NULL), WCS_OK);
	assert_int_equal(whole.n, 900 - 900 / 7);
	qsort(whole.ev, whole.n, sizeof(*whole.ev), ev_cmp);
	for (threads = 1; threads <= 3; threads++) {
		feed_pieces(path, path, threads, &s, ok);
		assert_int_equal(s.n, whole.n);
		qsort(s.ev, s.n, sizeof(*s.ev), ev_cmp);
		for (i = 0; i < s.n; i++) {
			assert_int_equal(s.ev[i].line, whole.ev[i].line);
			assert_int_equal(s.ev[i].offset, whole.ev[i].offset);
		}
		seen_free(&s);
		/* The first piece's count cannot be made: it is read, the
		 * pieces after it are not. */
		feed_pieces(path, "/nonexistent/pieces.log", threads, &s, gone);
		assert_true(s.n > 0 && s.n < whole.n);
		assert_non_null(strstr(s.last_error, "could not be counted"));
		/* The first piece's events, as the whole file's first. */
		qsort(s.ev, s.n, sizeof(*s.ev), ev_cmp);
		for (i = 0; i < s.n; i++)
			assert_int_equal(s.ev[i].line, whole.ev[i].line);
		seen_free(&s);
	}
	seen_free(&whole);
	scratch_free(&sc);
}

static void
test_unreadable_input_is_accounted(void **state)
{
	struct wcs_driver_opts o;
	struct wcs_driver *drv;
	struct wcs_input_stats *st;
	struct seen s = { 0 };
	struct scratch sc = { 0 };
	struct wcs_ctx ctx;
	const char *good;
	char missing[160];
	size_t len;
	char *buf;

	(void)state;
	buf = make_log(100, &len);
	good = scratch_file(&sc, "good.log", buf, len);
	free(buf);
	(void)snprintf(missing, sizeof(missing), "%s/missing.log", sc.dir);

	wcs_ctx_init(&ctx, NULL);
	s.ctx = &ctx;
	opts_init(&o, 2, 0, &s);
	assert_non_null(drv = wcs_driver_new(&ctx, &o));
	assert_int_equal(
	    wcs_driver_add(drv, missing, WCS_KIND_ANY), WCS_FAILED);
	assert_int_equal(wcs_driver_add(drv, good, WCS_KIND_ANY), WCS_OK);
	assert_int_equal(s.errors, 1);
	assert_true(wcs_driver_failed(drv));
	assert_int_equal(wcs_driver_run(drv, NULL, record, &s), WCS_OK);
	assert_int_equal(wcs_driver_count(drv), 2);
	st = wcs_driver_stats(drv);
	assert_non_null(st[0].error);
	assert_non_null(strstr(st[0].error, "missing.log"));
	assert_int_equal(st[0].records, 0);
	/* The input after it is read all the same. */
	assert_null(st[1].error);
	assert_int_equal(st[1].records, 100);
	assert_int_equal(s.n, st[1].events);
	assert_string_equal(wcs_driver_path(drv, 1), good);
	wcs_driver_free(drv);
	seen_free(&s);
	scratch_free(&sc);
}

/*
 * A stray file inside a directory is a warning; named, or with strict,
 * an error.
 */
static void
test_stray_file(void **state)
{
	static const char stray[] = "not a log at all\n";
	struct wcs_driver_opts o;
	struct wcs_driver *drv;
	struct seen s = { 0 };
	struct scratch sc = { 0 };
	struct wcs_ctx ctx;
	const char *p;
	int strict;

	(void)state;
	p = scratch_file(&sc, "stray.txt", stray, sizeof(stray) - 1);
	for (strict = 0; strict <= 1; strict++) {
		wcs_ctx_init(&ctx, NULL);
		opts_init(&o, 1, 0, &s);
		o.strict = strict;
		assert_non_null(drv = wcs_driver_new(&ctx, &o));
		assert_int_equal(
		    wcs_driver_add(drv, sc.dir, WCS_KIND_ANY), WCS_OK);
		assert_int_equal(wcs_driver_run(drv, NULL, record, &s), WCS_OK);
		assert_int_equal(wcs_driver_count(drv), 1);
		assert_non_null(wcs_driver_stats(drv)[0].error);
		assert_int_equal(wcs_driver_failed(drv), strict);
		assert_int_equal(s.errors, (unsigned)strict);
		assert_int_equal(s.warnings, (unsigned)!strict);
		wcs_driver_free(drv);
		seen_free(&s);
	}
	wcs_ctx_init(&ctx, NULL);
	opts_init(&o, 1, 0, &s);
	assert_non_null(drv = wcs_driver_new(&ctx, &o));
	assert_int_equal(wcs_driver_add(drv, p, WCS_KIND_ANY), WCS_OK);
	assert_int_equal(wcs_driver_run(drv, NULL, record, &s), WCS_OK);
	assert_true(wcs_driver_failed(drv));
	assert_non_null(strstr(s.last_error, "unrecognized log format"));
	wcs_driver_free(drv);
	seen_free(&s);
	scratch_free(&sc);
}

/*
 * A gzip member cut off inside its one stored block: the lines before the
 * cut are read, then the input breaks off, is said as an error naming how
 * many records were read, and the other input of the group is read whole.
 */
static void
test_reader_error_mid_group(void **state)
{
	struct wcs_input_stats st0;
	struct seen s = { 0 };
	struct scratch sc = { 0 };
	const char *paths[2];
	unsigned char *gz;
	size_t len, glen;
	unsigned threads;
	char *buf;

	(void)state;
	buf = make_log(200, &len);
	assert_true(len < 65535);
	/* RFC 1952 header, then an RFC 1951 stored block (BFINAL, BTYPE 00)
	 * claiming 65535 bytes, of which the file holds len / 2. */
	glen = 10 + 5 + len / 2;
	assert_non_null(gz = malloc(glen));
	memcpy(gz, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
	gz[10] = 0x01;
	gz[11] = 0xff;
	gz[12] = 0xff;
	gz[13] = 0x00;
	gz[14] = 0x00;
	memcpy(gz + 15, buf, len / 2);
	paths[0] = scratch_file(&sc, "cut.log.gz", gz, glen);
	paths[1] = scratch_file(&sc, "whole.log", buf, len);
	free(gz);
	free(buf);
	for (threads = 1; threads <= 2; threads++) {
		assert_int_equal(
		    read_paths(paths, 2, threads, 0, &s, &st0), WCS_OK);
		assert_true(st0.gzip);
		assert_true(st0.records > 0);
		assert_true(st0.records < 200);
		assert_int_equal(s.errors, 1);
		assert_non_null(strstr(s.last_error, "cut.log.gz"));
		assert_non_null(strstr(s.last_error, "records)"));
		/* Every event of the whole input arrived. */
		assert_int_equal(s.n - st0.events, 200 - 200 / 7);
		seen_free(&s);
	}
	scratch_free(&sc);
}

/* A callback that stops the reading stops it, pieces and threads alike. */
static void
test_callback_stops_the_run(void **state)
{
	struct seen s = { 0 };
	struct scratch sc = { 0 };
	const char *paths[1];
	unsigned threads;
	size_t len;
	char *buf;

	(void)state;
	buf = make_log(NLINES, &len);
	paths[0] = scratch_file(&sc, "big.log", buf, len);
	free(buf);
	for (threads = 1; threads <= 3; threads++) {
		s.stop_after = WCS_FEED_BATCH + 5;
		assert_int_equal(
		    read_paths(paths, 1, threads, PIECE, &s, NULL), WCS_FATAL);
		assert_int_equal(s.n, WCS_FEED_BATCH + 5);
		seen_free(&s);
	}
	scratch_free(&sc);
}

/* Memory read as a file with the same bytes is read. */
static void
test_memory_input(void **state)
{
	struct wcs_driver_opts o;
	struct wcs_driver *drv;
	struct wcs_input_stats st;
	struct seen s = { 0 }, f = { 0 };
	struct scratch sc = { 0 };
	struct wcs_ctx ctx;
	const char *paths[1];
	size_t len;
	char *buf;

	(void)state;
	buf = make_log(500, &len);
	paths[0] = scratch_file(&sc, "mem.log", buf, len);
	assert_int_equal(read_paths(paths, 1, 1, 0, &f, &st), WCS_OK);

	wcs_ctx_init(&ctx, NULL);
	opts_init(&o, 2, 0, &s);
	assert_non_null(drv = wcs_driver_new(&ctx, &o));
	assert_int_equal(
	    wcs_driver_add_mem(drv, "mem", buf, len, WCS_KIND_DNS), WCS_OK);
	assert_int_equal(wcs_driver_run(drv, NULL, record, &s), WCS_OK);
	assert_same_stats(wcs_driver_stats(drv), &st);
	assert_string_equal(wcs_driver_path(drv, 0), "mem");
	assert_int_equal(s.n, f.n);
	assert_memory_equal(s.ev, f.ev, s.n * sizeof(*s.ev));
	assert_false(wcs_driver_failed(drv));
	wcs_driver_free(drv);
	seen_free(&s);
	seen_free(&f);

	/* The kind mask limits the bidders: no firewall reader reads DNS. */
	wcs_ctx_init(&ctx, NULL);
	opts_init(&o, 1, 0, &s);
	assert_non_null(drv = wcs_driver_new(&ctx, &o));
	assert_int_equal(
	    wcs_driver_add_mem(drv, "mem", buf, len, WCS_KIND_FIREWALL),
	    WCS_OK);
	assert_int_equal(wcs_driver_run(drv, NULL, record, &s), WCS_OK);
	assert_int_equal(s.n, 0);
	assert_true(wcs_driver_failed(drv));
	assert_non_null(strstr(s.last_error, "for this kind of input"));
	wcs_driver_free(drv);
	seen_free(&s);
	free(buf);
	scratch_free(&sc);
}

/* What the progress hooks saw. */
struct prog {
	unsigned groups, done;
	uint64_t size[16], last[16];
	unsigned index[16];
	bool backwards, over;
};

static void
prog_group(
    void *arg, const char *path, uint64_t size, unsigned index, unsigned count)
{
	struct prog *p = arg;

	assert_non_null(path);
	assert_int_equal(count, 3);
	assert_true(p->groups < 16);
	p->size[p->groups] = size;
	p->index[p->groups] = index;
	p->last[p->groups] = 0;
	p->groups++;
}

static void
prog_bytes(void *arg, uint64_t bytes)
{
	struct prog *p = arg;
	unsigned g = p->groups - 1;

	assert_true(p->groups > p->done);
	if (bytes < p->last[g])
		p->backwards = true;
	if (bytes > p->size[g])
		p->over = true;
	p->last[g] = bytes;
}

static void
prog_done(void *arg)
{
	struct prog *p = arg;

	p->done++;
	assert_int_equal(p->done, p->groups);
}

/*
 * Progress: one bracket per group, bytes that only grow up to the group's
 * size and reach it, the same groups whatever the thread count.
 */
static void
test_progress_hooks(void **state)
{
	struct wcs_driver_opts o;
	struct wcs_driver *drv;
	struct prog p[2];
	struct scratch sc = { 0 };
	struct wcs_ctx ctx;
	const char *paths[3];
	unsigned threads, g;
	size_t len, i;
	char *buf;

	(void)state;
	buf = make_log(NLINES, &len);
	paths[0] = scratch_file(&sc, "a.log", buf, len);
	paths[1] = scratch_file(&sc, "b.log", buf, 5000);
	paths[2] = scratch_file(&sc, "c.log", buf, len);
	free(buf);
	for (threads = 1; threads <= 2; threads++) {
		memset(&p[threads - 1], 0, sizeof(p[0]));
		wcs_ctx_init(&ctx, NULL);
		opts_init(&o, threads, PIECE, NULL);
		o.hooks.say = NULL;
		o.hooks.group = prog_group;
		o.hooks.progress = prog_bytes;
		o.hooks.group_done = prog_done;
		o.hooks.arg = &p[threads - 1];
		assert_non_null(drv = wcs_driver_new(&ctx, &o));
		for (i = 0; i < 3; i++)
			assert_int_equal(
			    wcs_driver_add(drv, paths[i], WCS_KIND_ANY),
			    WCS_OK);
		assert_int_equal(wcs_driver_run(drv, NULL, NULL, NULL), WCS_OK);
		wcs_driver_free(drv);
		/* a.log and c.log in pieces, b.log whole: more than 2 groups. */
		assert_true(p[threads - 1].groups > 2);
		assert_int_equal(p[threads - 1].done, p[threads - 1].groups);
		assert_false(p[threads - 1].backwards);
		assert_false(p[threads - 1].over);
		for (g = 0; g < p[threads - 1].groups; g++)
			assert_int_equal(
			    p[threads - 1].last[g], p[threads - 1].size[g]);
	}
	assert_int_equal(p[0].groups, p[1].groups);
	assert_memory_equal(p[0].size, p[1].size, sizeof(p[0].size));
	assert_memory_equal(p[0].index, p[1].index, sizeof(p[0].index));
	scratch_free(&sc);
}

/* An allocator that fails after *ud allocations, on any thread. */
static void *
fail_malloc(size_t n, void *ud)
{
	return (atomic_fetch_sub((atomic_long *)ud, 1) > 0 ? malloc(n) : NULL);
}

static void *
fail_realloc(void *p, size_t n, void *ud)
{
	return (
	    atomic_fetch_sub((atomic_long *)ud, 1) > 0 ? realloc(p, n) : NULL);
}

static void
fail_free(void *p, void *ud)
{
	(void)ud;
	free(p);
}

/*
 * Every allocation failing in turn: the run ends WCS_FATAL with ENOMEM
 * (or the listing does), never crashes or leaks (ASan), and once enough
 * memory is given the accounting is the whole file's.
 */
static void
test_failing_allocations(void **state)
{
	atomic_long left;
	const struct wcs_alloc a = { fail_malloc, fail_realloc, fail_free,
		&left };
	struct wcs_input_stats whole_st;
	struct wcs_driver_opts o;
	struct wcs_driver *drv;
	struct seen s = { 0 };
	struct scratch sc = { 0 };
	struct wcs_ctx ctx;
	const char *paths[1];
	unsigned threads;
	size_t len;
	long n;
	char *buf;
	int rc;

	(void)state;
	buf = make_log(300, &len);
	paths[0] = scratch_file(&sc, "small.log", buf, len);
	free(buf);
	assert_int_equal(read_paths(paths, 1, 1, 0, &s, &whole_st), WCS_OK);
	seen_free(&s);
	for (threads = 1; threads <= 2; threads++) {
		for (n = 0;; n++) {
			atomic_store(&left, n);
			wcs_ctx_init(&ctx, &a);
			s.ctx = &ctx;
			opts_init(&o, threads, 2000, &s);
			if ((drv = wcs_driver_new(&ctx, &o)) == NULL) {
				assert_int_equal(ctx.errnum, ENOMEM);
				continue;
			}
			rc = wcs_driver_add(drv, paths[0], WCS_KIND_ANY);
			if (rc == WCS_OK)
				rc = wcs_driver_run(drv, NULL, record, &s);
			if (rc == WCS_OK && !wcs_driver_failed(drv)) {
				assert_same_stats(
				    wcs_driver_stats(drv), &whole_st);
				wcs_driver_free(drv);
				seen_free(&s);
				break;
			}
			/* A failed open says so and is accounted: also
			 * out of memory, in the input's own context. */
			if (rc != WCS_OK && rc != WCS_FAILED)
				assert_int_equal(ctx.errnum, ENOMEM);
			wcs_driver_free(drv);
			seen_free(&s);
			assert_true(n < 100000);
		}
	}
	scratch_free(&sc);
}

/* A state file's bytes (malloc'd) with what drv read. */
static void *
state_bytes(struct wcs_driver *drv, size_t *len)
{
	struct wcs_state_writer *w;
	struct wcs_ctx ctx;
	const void *data;
	void *copy;

	wcs_ctx_init(&ctx, NULL);
	assert_non_null(w = wcs_state_writer_new(&ctx));
	assert_int_equal(wcs_driver_save_state(drv, w), WCS_OK);
	assert_non_null(data = wcs_state_writer_data(w, len));
	assert_non_null(copy = malloc(*len));
	memcpy(copy, data, *len);
	wcs_state_writer_free(w);
	return (copy);
}

/* Load the state file buf into drv: what wcs_driver_load_state says. */
static int
load_bytes(struct wcs_driver *drv, struct wcs_ctx *dctx, const char *name,
    const void *buf, size_t len, char *why, size_t whylen)
{
	struct wcs_state *st;
	struct wcs_ctx ctx;
	int rc;

	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(wcs_state_parse(&ctx, name, buf, len, &st), WCS_OK);
	rc = wcs_driver_load_state(drv, st);
	wcs_state_free(st);
	if (why != NULL)
		(void)snprintf(why, whylen, "%s", wcs_error_string(dctx));
	return (rc);
}

/* Memory inputs: every third line of make_log's n for names. */
struct shard {
	const char *name[3];
	size_t nlines[3], n;
};

/* Read a shard's inputs in one run and keep its state file. */
static void *
shard_state(const struct shard *sh, size_t *len)
{
	struct wcs_driver_opts o;
	struct wcs_driver *drv;
	struct seen s = { 0 };
	struct wcs_ctx ctx;
	char *buf[3];
	size_t i, blen;
	void *state;

	wcs_ctx_init(&ctx, NULL);
	opts_init(&o, 1, 0, &s);
	assert_non_null(drv = wcs_driver_new(&ctx, &o));
	for (i = 0; i < sh->n; i++) {
		buf[i] = make_log(sh->nlines[i], &blen);
		assert_int_equal(wcs_driver_add_mem(drv, sh->name[i], buf[i],
				     blen, WCS_KIND_ANY),
		    WCS_OK);
	}
	assert_int_equal(wcs_driver_run(drv, NULL, NULL, NULL), WCS_OK);
	state = state_bytes(drv, len);
	wcs_driver_free(drv);
	for (i = 0; i < sh->n; i++)
		free(buf[i]);
	return (state);
}

static void
assert_same_accounting(
    const struct wcs_input_stats *a, const struct wcs_input_stats *b)
{
	unsigned i;

	assert_same_stats(a, b);
	assert_string_equal(a->kind, b->kind);
	assert_int_equal(a->gzip, b->gzip);
	assert_int_equal(a->year_guessed, b->year_guessed);
	assert_int_equal(a->lost, b->lost);
	assert_int_equal(a->log_state, b->log_state);
	assert_string_equal(a->file_note, b->file_note);
	assert_string_equal(a->log_note, b->log_note);
	assert_true((a->error == NULL) == (b->error == NULL));
	if (a->error != NULL)
		assert_string_equal(a->error, b->error);
	for (i = 0; i < a->nsamples; i++)
		assert_int_equal(a->samples[i].line, b->samples[i].line);
}

/*
 * A state saved and loaded gives the accounting read; inputs read in
 * two runs and merged give the accounting of one run over both.
 */
static void
test_state_round_trip(void **state)
{
	static const struct shard both = { { "a.log", "b.log" }, { 300, 50 },
		2 },
				  first = { { "a.log" }, { 300 }, 1 },
				  second = { { "b.log" }, { 50 }, 1 };
	struct wcs_driver_opts o;
	struct wcs_driver *drv, *one;
	struct seen s = { 0 };
	struct wcs_ctx ctx, ctx1;
	void *f, *f1, *f2;
	size_t len, len1, len2, i;

	(void)state;
	f = shard_state(&both, &len);
	f1 = shard_state(&first, &len1);
	f2 = shard_state(&second, &len2);
	wcs_ctx_init(&ctx1, NULL);
	opts_init(&o, 1, 0, &s);
	assert_non_null(one = wcs_driver_new(&ctx1, &o));
	assert_int_equal(
	    load_bytes(one, &ctx1, "both.state", f, len, NULL, 0), WCS_OK);
	assert_int_equal(wcs_driver_count(one), 2);
	assert_int_equal(wcs_driver_stats(one)[0].records, 300);
	assert_int_equal(wcs_driver_stats(one)[0].rejected, 300 / 7);
	assert_int_equal(wcs_driver_stats(one)[0].nsamples, WCS_REJECT_SAMPLES);
	assert_int_equal(wcs_driver_stats(one)[0].samples[0].line, 7);
	assert_string_equal(wcs_driver_stats(one)[0].format, "bind");

	wcs_ctx_init(&ctx, NULL);
	assert_non_null(drv = wcs_driver_new(&ctx, &o));
	assert_int_equal(
	    load_bytes(drv, &ctx, "second.state", f2, len2, NULL, 0), WCS_OK);
	assert_int_equal(
	    load_bytes(drv, &ctx, "first.state", f1, len1, NULL, 0), WCS_OK);
	/* A state's inputs by path, whichever came first. */
	assert_int_equal(wcs_driver_count(drv), 2);
	for (i = 0; i < 2; i++)
		assert_same_accounting(
		    &wcs_driver_stats(drv)[i], &wcs_driver_stats(one)[i]);
	/* Already read: running reads none of them again. */
	assert_int_equal(wcs_driver_run(drv, NULL, record, &s), WCS_OK);
	assert_int_equal(s.n, 0);
	assert_int_equal(wcs_driver_stats(drv)[0].records, 300);
	/* Loading after reading is refused. */
	assert_int_equal(
	    load_bytes(drv, &ctx, "first.state", f1, len1, NULL, 0),
	    WCS_FAILED);
	wcs_driver_free(drv);
	wcs_driver_free(one);
	free(f);
	free(f1);
	free(f2);
}

/*
 * Three states with a path in common merge to the same accounting (and
 * the same state file, byte for byte) in all six orders; the inputs
 * named come first in the list, a state's after them by path.
 */
static void
test_states_merge_in_any_order(void **state)
{
	static const struct shard sh[3] = {
		{ { "shared.log", "z.log" }, { 100, 20 }, 2 },
		{ { "b.log", "shared.log" }, { 30, 60 }, 2 },
		{ { "shared.log", "a.log", "c.log" }, { 8, 10, 15 }, 3 },
	};
	static const unsigned orders[6][3] = { { 0, 1, 2 }, { 0, 2, 1 },
		{ 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };
	static const char *const sorted[] = { "a.log", "b.log", "c.log",
		"shared.log", "z.log" };
	struct wcs_driver_opts o;
	struct wcs_driver *drv;
	struct wcs_input_stats first[5];
	struct seen s = { 0 };
	struct wcs_ctx ctx;
	void *f[3], *out, *out0 = NULL;
	size_t len[3], outlen, outlen0 = 0, i, k;
	char *buf;

	(void)state;
	for (i = 0; i < 3; i++)
		f[i] = shard_state(&sh[i], &len[i]);
	opts_init(&o, 1, 0, &s);
	for (k = 0; k < 6; k++) {
		wcs_ctx_init(&ctx, NULL);
		assert_non_null(drv = wcs_driver_new(&ctx, &o));
		for (i = 0; i < 3; i++)
			assert_int_equal(
			    load_bytes(drv, &ctx, "x.state", f[orders[k][i]],
				len[orders[k][i]], NULL, 0),
			    WCS_OK);
		assert_int_equal(wcs_driver_count(drv), 5);
		for (i = 0; i < 5; i++)
			assert_string_equal(wcs_driver_path(drv, i), sorted[i]);
		if (k == 0) {
			memcpy(first, wcs_driver_stats(drv), sizeof(first));
			/* The shared path: counts added, the rejects of
			 * least line (7 of each shard first). */
			assert_int_equal(first[3].records, 168);
			assert_int_equal(
			    first[3].rejected, 100 / 7 + 60 / 7 + 8 / 7);
			assert_int_equal(first[3].nsamples, WCS_REJECT_SAMPLES);
			assert_int_equal(first[3].samples[0].line, 7);
			assert_int_equal(first[3].samples[1].line, 7);
			assert_int_equal(first[3].samples[2].line, 7);
			assert_int_equal(first[3].samples[3].line, 14);
			assert_int_equal(first[3].samples[4].line, 14);
		} else {
			for (i = 0; i < 5; i++) {
				assert_same_accounting(
				    &wcs_driver_stats(drv)[i], &first[i]);
			}
		}
		out = state_bytes(drv, &outlen);
		if (k == 0) {
			out0 = out;
			outlen0 = outlen;
			for (i = 0; i < 5; i++)
				first[i].path = first[i].error = NULL;
		} else {
			assert_int_equal(outlen, outlen0);
			assert_memory_equal(out, out0, outlen);
			free(out);
		}
		wcs_driver_free(drv);
	}

	/* Named inputs first, in the order named, then the state's. */
	wcs_ctx_init(&ctx, NULL);
	assert_non_null(drv = wcs_driver_new(&ctx, &o));
	buf = make_log(12, &len[0]);
	assert_int_equal(
	    wcs_driver_add_mem(drv, "z.log", buf, len[0], WCS_KIND_ANY),
	    WCS_OK);
	assert_int_equal(
	    load_bytes(drv, &ctx, "x.state", f[2], len[2], NULL, 0), WCS_OK);
	assert_int_equal(
	    wcs_driver_add_mem(drv, "c.log", buf, len[0], WCS_KIND_ANY),
	    WCS_OK);
	assert_int_equal(wcs_driver_run(drv, NULL, record, &s), WCS_OK);
	assert_int_equal(wcs_driver_count(drv), 4);
	assert_string_equal(wcs_driver_path(drv, 0), "z.log");
	assert_string_equal(wcs_driver_path(drv, 1), "c.log");
	assert_string_equal(wcs_driver_path(drv, 2), "a.log");
	assert_string_equal(wcs_driver_path(drv, 3), "shared.log");
	/* Only the named were read, and c.log's reading added to the
	 * state's (15 lines before, 12 now). */
	assert_int_equal(s.n, 2 * (12 - 12 / 7));
	assert_int_equal(wcs_driver_stats(drv)[1].records, 27);
	assert_int_equal(wcs_driver_stats(drv)[0].records, 12);
	for (i = 0; i < s.n; i++)
		assert_true(s.ev[i].input < 2);
	wcs_driver_free(drv);
	seen_free(&s);
	free(buf);
	free(out0);
	for (i = 0; i < 3; i++)
		free(f[i]);
}

/* A state with an inputs section whose body is body[0, len). */
static void *
inputs_state(const void *body, size_t len, size_t *flen)
{
	struct wcs_state_writer *w;
	struct wcs_ctx ctx;
	const void *data;
	void *copy;

	wcs_ctx_init(&ctx, NULL);
	assert_non_null(w = wcs_state_writer_new(&ctx));
	assert_int_equal(
	    wcs_state_begin(w, WCS_STATE_SEC_INPUTS, "inputs", 1), WCS_OK);
	wcs_state_put_bytes(w, body, len);
	assert_int_equal(wcs_state_end(w), WCS_OK);
	assert_non_null(data = wcs_state_writer_data(w, flen));
	assert_non_null(copy = malloc(*flen));
	memcpy(copy, data, *flen);
	wcs_state_writer_free(w);
	return (copy);
}

/* The body of the inputs section in a state file (the only section). */
static const unsigned char *
inputs_body(const unsigned char *f, size_t flen, size_t *len)
{
	uint16_t plen;
	uint64_t blen;

	memcpy(&plen, f + 24, 2);
	memcpy(&blen, f + 26 + plen + 8, 8);
	*len = (size_t)blen;
	assert_true(26 + plen + 32 + blen + 4 == flen);
	return (f + 26 + plen + 32);
}

/*
 * A malformed inputs section is refused with the state's name and where,
 * and nothing of it is added: every cut of a good body, counts past what
 * the bytes hold, an unknown format, counts that do not add up.
 */
static void
test_hostile_state(void **state)
{
	static const struct shard sh = { { "a.log", "b.log" }, { 40, 9 }, 2 };
	struct wcs_driver_opts o;
	struct wcs_driver *drv;
	struct seen s = { 0 };
	struct wcs_ctx ctx;
	const unsigned char *body;
	unsigned char *bad;
	void *f, *g;
	size_t flen, glen, blen, cut, at;
	char why[512];

	(void)state;
	f = shard_state(&sh, &flen);
	body = inputs_body(f, flen, &blen);
	assert_non_null(bad = malloc(blen));
	opts_init(&o, 1, 0, &s);
	for (cut = 0; cut < blen; cut++) {
		g = inputs_state(body, cut, &glen);
		wcs_ctx_init(&ctx, NULL);
		assert_non_null(drv = wcs_driver_new(&ctx, &o));
		assert_int_equal(load_bytes(drv, &ctx, "cut.state", g, glen,
				     why, sizeof(why)),
		    WCS_FAILED);
		assert_non_null(strstr(why, "cut.state: state section inputs"));
		assert_int_equal(wcs_driver_count(drv), 0);
		wcs_driver_free(drv);
		free(g);
	}

	/* Count of inputs, of a path's bytes, of rejects: past the end. */
	for (at = 0; at < 3; at++) {
		memcpy(bad, body, blen);
		if (at == 0)
			memcpy(bad, "\xff\xff\xff\x00", 4);
		else if (at == 1)
			memcpy(bad + 4, "\x00\x00\x01\x00", 4);
		else
			/* a.log's format ("bind") becomes "bund". */
			bad[4 + 4 + 5 + 4 + 1] = 'u';
		g = inputs_state(bad, blen, &glen);
		wcs_ctx_init(&ctx, NULL);
		assert_non_null(drv = wcs_driver_new(&ctx, &o));
		assert_int_equal(load_bytes(drv, &ctx, "bad.state", g, glen,
				     why, sizeof(why)),
		    WCS_FAILED);
		assert_non_null(strstr(why, "bad.state:"));
		if (at == 2)
			assert_non_null(strstr(why, "unknown format"));
		assert_int_equal(wcs_driver_count(drv), 0);
		wcs_driver_free(drv);
		free(g);
	}
	/* a.log's records one more than its events, ignored, rejected. */
	memcpy(bad, body, blen);
	bad[4 + 4 + 5 + 4 + 4]++;
	g = inputs_state(bad, blen, &glen);
	wcs_ctx_init(&ctx, NULL);
	assert_non_null(drv = wcs_driver_new(&ctx, &o));
	assert_int_equal(
	    load_bytes(drv, &ctx, "bad.state", g, glen, why, sizeof(why)),
	    WCS_FAILED);
	assert_non_null(strstr(why, "records are not events"));
	wcs_driver_free(drv);
	free(g);
	/* The good body loads. */
	g = inputs_state(body, blen, &glen);
	wcs_ctx_init(&ctx, NULL);
	assert_non_null(drv = wcs_driver_new(&ctx, &o));
	assert_int_equal(
	    load_bytes(drv, &ctx, "good.state", g, glen, NULL, 0), WCS_OK);
	assert_int_equal(wcs_driver_count(drv), 2);
	wcs_driver_free(drv);
	free(g);
	free(bad);
	free(f);
}

/*
 * Every allocation failing in turn while two states are loaded, merged
 * and saved again: WCS_FATAL with ENOMEM, never a crash or a leak (ASan),
 * and with enough memory the state saved is the one loaded.
 */
static void
test_state_failing_allocations(void **state)
{
	static const struct shard sh[2] = {
		{ { "a.log", "b.log" }, { 40, 9 }, 2 },
		{ { "b.log", "c.log" }, { 20, 30 }, 2 },
	};
	atomic_long left;
	const struct wcs_alloc a = { fail_malloc, fail_realloc, fail_free,
		&left };
	struct wcs_state_writer *w;
	struct wcs_driver_opts o;
	struct wcs_driver *drv;
	struct wcs_state *st[2];
	struct seen s = { 0 };
	struct wcs_ctx ctx, pctx;
	void *f[2];
	size_t len[2], k;
	long n;
	int rc;

	(void)state;
	wcs_ctx_init(&pctx, NULL);
	for (k = 0; k < 2; k++) {
		f[k] = shard_state(&sh[k], &len[k]);
		assert_int_equal(
		    wcs_state_parse(&pctx, "x.state", f[k], len[k], &st[k]),
		    WCS_OK);
	}
	opts_init(&o, 1, 0, &s);
	for (n = 0;; n++) {
		atomic_store(&left, n);
		wcs_ctx_init(&ctx, &a);
		if ((drv = wcs_driver_new(&ctx, &o)) == NULL)
			continue;
		rc = WCS_OK;
		for (k = 0; k < 2 && rc == WCS_OK; k++)
			rc = wcs_driver_load_state(drv, st[k]);
		if (rc == WCS_OK)
			rc = wcs_driver_run(drv, NULL, NULL, NULL);
		if (rc == WCS_OK && (w = wcs_state_writer_new(&ctx)) != NULL) {
			rc = wcs_driver_save_state(drv, w);
			wcs_state_writer_free(w);
		} else if (rc == WCS_OK) {
			rc = WCS_FATAL;
		}
		if (rc == WCS_OK) {
			assert_int_equal(wcs_driver_count(drv), 3);
			assert_int_equal(wcs_driver_stats(drv)[1].records, 29);
			wcs_driver_free(drv);
			break;
		}
		assert_int_equal(rc, WCS_FATAL);
		assert_int_equal(ctx.errnum, ENOMEM);
		wcs_driver_free(drv);
		assert_true(n < 100000);
	}
	for (k = 0; k < 2; k++) {
		wcs_state_free(st[k]);
		free(f[k]);
	}
}

/*
 * An outbreak's network logs (a gateway's 445/tcp sweeps, a DNS server's
 * kill-switch lookups) in many pieces, beside a host's event record:
 * read into an engine with one thread and with several, one report,
 * byte for byte.
 */
#define KS "iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com"

static char *
make_sweeps(size_t *len)
{
	size_t cap = 1u << 20, off = 0, src, dst, round;
	char *buf = malloc(cap);

	assert_non_null(buf);
	for (round = 0; round < 6; round++)
		for (src = 0; src < 8; src++)
			for (dst = 1; dst < 60; dst++)
				off += (size_t)snprintf(buf + off, cap - off,
				    "May 12 15:%02zu:%02zu gw kernel: IN=eth0 "
				    "OUT= SRC=10.0.1.%zu DST=10.0.1.%zu "
				    "LEN=52 PROTO=TCP SPT=49152 DPT=445 SYN\n",
				    round * 8 + src, dst % 60, 100 + src,
				    (dst + src * 7) % 250 + 1);
	assert_true(off < cap);
	*len = off;
	return (buf);
}

static char *
make_lookups(size_t *len)
{
	size_t cap = 1u << 16, off = 0, src;
	char *buf = malloc(cap);

	assert_non_null(buf);
	for (src = 0; src < 8; src++)
		off += (size_t)snprintf(buf + off, cap - off,
		    "12-May-2017 15:%02zu:00.000 client 10.0.1.%zu#5301 (" KS
		    "): query: " KS " IN A + (10.0.0.1)\n",
		    src * 8, 100 + src);
	*len = off;
	return (buf);
}

static const char startup_xml[] =
    "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/"
    "event\"><System><Provider Name=\"Service Control Manager\"/>"
    "<EventID Qualifiers=\"16384\">7045</EventID><TimeCreated "
    "SystemTime=\"2017-05-12T15:00:30.000000000Z\"/><Computer>WS023."
    "corp.example</Computer></System><EventData><Data Name=\"ServiceName\">"
    "Microsoft Security Center (2.0) Service</Data><Data Name=\"ImagePath\">"
    "C:\\WINDOWS\\mssecsvc.exe -m security</Data></EventData></Event>\n";

/* The JSON report of paths read with threads; *nev: events cb saw. */
static char *
report_of(const char *const *paths, size_t n, unsigned threads, size_t *nev)
{
	struct wcs_driver_opts o;
	struct wcs_engine_opts eo;
	const struct wcs_result *res;
	struct wcs_report rep;
	struct wcs_driver *drv;
	struct wcs_engine *eng;
	struct wcs_rules *rules;
	struct wcs_ctx ctx;
	struct seen s = { 0 };
	char *json = NULL;
	size_t i, jlen = 0;
	FILE *fp;

	wcs_ctx_init(&ctx, NULL);
	s.ctx = &ctx;
	assert_non_null(rules = wcs_rules_new(&ctx));
	assert_int_equal(
	    wcs_rules_load_dir(rules, WCSCAN_RULES_SRC_DIR), WCS_OK);
	memset(&eo, 0, sizeof(eo));
	assert_non_null(eng = wcs_engine_new(&ctx, &eo, rules));
	opts_init(&o, threads, PIECE, &s);
	assert_non_null(drv = wcs_driver_new(&ctx, &o));
	for (i = 0; i < n; i++)
		assert_int_equal(
		    wcs_driver_add(drv, paths[i], WCS_KIND_ANY), WCS_OK);
	assert_int_equal(wcs_driver_run(drv, eng, record, &s), WCS_OK);
	assert_int_equal(s.errors, 0);
	assert_int_equal(wcs_engine_finish(eng, &res), WCS_OK);
	memset(&rep, 0, sizeof(rep));
	rep.inputs = wcs_driver_stats(drv);
	rep.ninputs = wcs_driver_count(drv);
	rep.result = res;
	assert_non_null(fp = open_memstream(&json, &jlen));
	assert_int_equal(
	    wcs_report_write(&ctx, fp, WCS_REPORT_JSON, &rep), WCS_OK);
	assert_int_equal(fclose(fp), 0);
	*nev = s.n;
	seen_free(&s);
	wcs_engine_free(eng);
	wcs_driver_free(drv);
	wcs_rules_free(rules);
	return (json);
}

static void
test_report_same_for_any_threads(void **state)
{
	struct scratch sc = { 0 };
	const char *paths[3];
	char *buf, *one, *json;
	size_t len, nev1, nev;
	unsigned threads;

	(void)state;
	buf = make_sweeps(&len);
	/* Pieces for more than one group. */
	assert_true(len / PIECE > 2 * WCS_FEED_GROUP);
	paths[0] = scratch_file(&sc, "gw.log", buf, len);
	free(buf);
	buf = make_lookups(&len);
	paths[1] = scratch_file(&sc, "named.log", buf, len);
	free(buf);
	paths[2] = scratch_file(
	    &sc, "system.xml", startup_xml, sizeof(startup_xml) - 1);

	one = report_of(paths, 3, 1, &nev1);
	/* What the engines were given shows in the report: sweepers found
	 * infected by the network alone, and the event record's host. */
	assert_non_null(strstr(one, "\"infected\""));
	assert_non_null(strstr(one, "10.0.1.107"));
	assert_non_null(strstr(one, "WS023"));
	for (threads = 2; threads <= 3; threads++) {
		json = report_of(paths, 3, threads, &nev);
		assert_int_equal(nev, nev1);
		assert_string_equal(json, one);
		free(json);
	}
	free(one);
	scratch_free(&sc);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_pieces_give_the_whole),
		cmocka_unit_test(test_feed_counts_lines),
		cmocka_unit_test(test_cuts_at_line_ends),
		cmocka_unit_test(test_unreadable_input_is_accounted),
		cmocka_unit_test(test_stray_file),
		cmocka_unit_test(test_reader_error_mid_group),
		cmocka_unit_test(test_callback_stops_the_run),
		cmocka_unit_test(test_memory_input),
		cmocka_unit_test(test_progress_hooks),
		cmocka_unit_test(test_failing_allocations),
		cmocka_unit_test(test_state_round_trip),
		cmocka_unit_test(test_states_merge_in_any_order),
		cmocka_unit_test(test_hostile_state),
		cmocka_unit_test(test_state_failing_allocations),
		cmocka_unit_test(test_report_same_for_any_threads),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
