/*
 * io: the state file container.  What is written reads back the same;
 * a file cut at any byte, with any byte flipped, of another format
 * version, or claiming counts it cannot hold is refused with a message
 * naming the file; the file is written through the safe output writer;
 * failing allocations end in WCS_FATAL, never a crash or a leak.
 */
#include <sys/stat.h>

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

#include "wcscan/statefile.h"
#include "fail_alloc.h"

#define SEC_OTHER (WCS_STATE_SEC_TEST + 1)

/* Two sections: numbers of every width and a string; an empty one. */
static struct wcs_state_writer *
sample(struct wcs_ctx *ctx)
{
	struct wcs_state_writer *w;
	uint32_t i;

	assert_non_null(w = wcs_state_writer_new(ctx));
	assert_int_equal(
	    wcs_state_begin(w, WCS_STATE_SEC_TEST, "test", 7), WCS_OK);
	wcs_state_put_u8(w, 0xab);
	wcs_state_put_u32(w, 0xdeadbeef);
	wcs_state_put_u64(w, 0x0123456789abcdefull);
	wcs_state_put_i64(w, -5);
	wcs_state_put_i64(w, INT64_MIN);
	wcs_state_put_str(w, "10.0.0.1");
	wcs_state_put_str(w, NULL);
	wcs_state_put_u32(w, 100); /* a count of u32 records */
	for (i = 0; i < 100; i++)
		wcs_state_put_u32(w, i * 3);
	assert_int_equal(wcs_state_end(w), WCS_OK);
	assert_int_equal(wcs_state_begin(w, SEC_OTHER, "empty", 1), WCS_OK);
	assert_int_equal(wcs_state_end(w), WCS_OK);
	return (w);
}

/* Read sample's test section back; false on the first difference. */
static bool
check_sample(const struct wcs_state *st)
{
	struct wcs_state_cursor c;
	const char *s;
	uint32_t v, n, i;

	if (wcs_state_section(st, WCS_STATE_SEC_TEST, &c, &v) != WCS_OK ||
	    v != 7)
		return (false);
	if (wcs_state_get_u8(&c) != 0xab ||
	    wcs_state_get_u32(&c) != 0xdeadbeef ||
	    wcs_state_get_u64(&c) != 0x0123456789abcdefull ||
	    wcs_state_get_i64(&c) != -5 || wcs_state_get_i64(&c) != INT64_MIN)
		return (false);
	n = wcs_state_get_count(&c, 64, 1);
	s = wcs_state_get_bytes(&c, n);
	if (n != 8 || s == NULL || memcmp(s, "10.0.0.1", 8) != 0)
		return (false);
	if (wcs_state_get_count(&c, 64, 1) != 0 || !wcs_state_cursor_ok(&c))
		return (false);
	n = wcs_state_get_count(&c, 1000, 4);
	for (i = 0; i < n; i++) {
		if (wcs_state_get_u32(&c) != i * 3)
			return (false);
	}
	if (n != 100 || !wcs_state_cursor_done(&c))
		return (false);
	if (wcs_state_section(st, SEC_OTHER, &c, &v) != WCS_OK || v != 1 ||
	    !wcs_state_cursor_done(&c))
		return (false);
	return (wcs_state_section(st, 12345, &c, &v) == WCS_EOF);
}

static void
test_round_trip(void **state)
{
	struct wcs_state_writer *w;
	struct wcs_state *st;
	struct wcs_ctx ctx;
	const void *data;
	size_t len;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	w = sample(&ctx);
	assert_non_null(data = wcs_state_writer_data(w, &len));
	assert_int_equal(
	    wcs_state_parse(&ctx, "mem.state", data, len, &st), WCS_OK);
	assert_true(check_sample(st));
	assert_string_equal(wcs_state_producer(st), "wcscan " WCSCAN_VERSION);
	assert_string_equal(wcs_state_name(st), "mem.state");
	wcs_state_free(st);
	wcs_state_writer_free(w);
	wcs_state_free(NULL);
	wcs_state_writer_free(NULL);
}

/* Written to a file with the safe writer, loaded back from the path. */
static void
test_save_and_load(void **state)
{
	char dir[] = "/tmp/wcscan-state-XXXXXX", path[64];
	struct wcs_state_writer *w;
	struct wcs_state *st;
	struct wcs_ctx ctx;
	struct stat sb;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/run.state", dir);
	w = sample(&ctx);
	assert_int_equal(wcs_state_writer_save(w, path), WCS_OK);
	/* Saved again over itself: replaced whole. */
	assert_int_equal(wcs_state_writer_save(w, path), WCS_OK);
	wcs_state_writer_free(w);
	assert_int_equal(wcs_state_load(&ctx, path, &st), WCS_OK);
	assert_true(check_sample(st));
	wcs_state_free(st);
	/* A directory is no state file, and says which path. */
	assert_int_equal(wcs_state_load(&ctx, dir, &st), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&ctx), dir));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(wcs_state_load(&ctx, path, &st), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&ctx), path));
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(rmdir(dir), 0); /* no temporary file left */
}

/*
 * Only the sections asked for are read: the others are absent, and a
 * byte flipped in one of them goes unnoticed, while one flipped in a
 * section read, in the table, or a file cut short, is refused.
 */
static void
test_load_some(void **state)
{
	static const uint32_t other[] = { SEC_OTHER };
	char dir[] = "/tmp/wcscan-state-XXXXXX", path[64];
	struct wcs_state_writer *w;
	struct wcs_state_cursor c;
	struct wcs_state *st;
	struct wcs_ctx ctx;
	const unsigned char *data;
	unsigned char *copy;
	size_t len, plen, body;
	uint32_t v;
	FILE *fp;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/some.state", dir);
	w = sample(&ctx);
	assert_non_null(data = wcs_state_writer_data(w, &len));
	assert_non_null(copy = malloc(len));
	plen = data[24];
	body = 26 + plen + 2 * 32; /* the test section's body, first */

	memcpy(copy, data, len);
	copy[body + 3] ^= 1;
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(copy, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(
	    wcs_state_load_some(&ctx, path, other, 1, &st), WCS_OK);
	assert_int_equal(
	    wcs_state_section(st, WCS_STATE_SEC_TEST, &c, &v), WCS_EOF);
	assert_int_equal(wcs_state_section(st, SEC_OTHER, &c, &v), WCS_OK);
	assert_true(wcs_state_cursor_done(&c));
	wcs_state_free(st);
	/* Asked for, the flipped section is refused; so is the whole. */
	assert_int_equal(wcs_state_load_some(&ctx, path,
			     (const uint32_t[]){ WCS_STATE_SEC_TEST }, 1, &st),
	    WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&ctx), "checksum mismatch"));
	assert_int_equal(wcs_state_load(&ctx, path, &st), WCS_FAILED);

	/* A byte of the table: refused, whatever is asked for. */
	memcpy(copy, data, len);
	copy[26 + plen + 8] ^= 1;
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(copy, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(
	    wcs_state_load_some(&ctx, path, other, 1, &st), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&ctx), path));

	/* Cut short by one byte. */
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(data, 1, len - 1, fp), len - 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(
	    wcs_state_load_some(&ctx, path, other, 1, &st), WCS_FAILED);

	/* Whole and good: what was asked for reads as written. */
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(
	    wcs_state_load_some(&ctx, path,
		(const uint32_t[]){ WCS_STATE_SEC_TEST, SEC_OTHER }, 2, &st),
	    WCS_OK);
	assert_true(check_sample(st));
	wcs_state_free(st);
	free(copy);
	wcs_state_writer_free(w);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * Bytes given by reference make the file the same bytes given by copy
 * would: among copied bytes, two in a row, in two sections, past
 * WCS_STATE_REFS_MAX (copied then), with room reserved ahead or not;
 * written to a path, the same again.
 */
static void
test_refs(void **state)
{
	char dir[] = "/tmp/wcscan-state-XXXXXX", path[64];
	struct wcs_state_writer *w[2];
	unsigned char blob[3000], *got;
	const unsigned char *data[2];
	struct wcs_state *st;
	struct wcs_ctx ctx;
	size_t len[2], i, k;
	FILE *fp;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	for (i = 0; i < sizeof(blob); i++)
		blob[i] = (unsigned char)(i * 7 + 1);
	for (k = 0; k < 2; k++) {
		assert_non_null(w[k] = wcs_state_writer_new(&ctx));
		if (k == 1)
			wcs_state_writer_reserve(w[k], 100000);
		assert_int_equal(
		    wcs_state_begin(w[k], WCS_STATE_SEC_TEST, "test", 1),
		    WCS_OK);
		wcs_state_put_u32(w[k], 42);
		(k == 0 ? wcs_state_put_bytes : wcs_state_put_ref)(
		    w[k], blob, 1000);
		(k == 0 ? wcs_state_put_bytes : wcs_state_put_ref)(
		    w[k], blob + 1000, 10);
		wcs_state_put_str(w[k], "between");
		assert_int_equal(wcs_state_end(w[k]), WCS_OK);
		assert_int_equal(
		    wcs_state_begin(w[k], SEC_OTHER, "other", 2), WCS_OK);
		(k == 0 ? wcs_state_put_bytes : wcs_state_put_ref)(
		    w[k], blob + 5, 2);
		for (i = 0; i < WCS_STATE_REFS_MAX + 3; i++) {
			(k == 0 ? wcs_state_put_bytes : wcs_state_put_ref)(
			    w[k], blob + 100 * i, 100);
			wcs_state_put_u8(w[k], (uint8_t)i);
		}
		assert_int_equal(wcs_state_end(w[k]), WCS_OK);
		assert_non_null(data[k] = wcs_state_writer_data(w[k], &len[k]));
	}
	assert_int_equal(len[0], len[1]);
	assert_memory_equal(data[0], data[1], len[0]);
	assert_int_equal(
	    wcs_state_parse(&ctx, "ref.state", data[1], len[1], &st), WCS_OK);
	wcs_state_free(st);

	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/ref.state", dir);
	assert_int_equal(wcs_state_writer_save(w[1], path), WCS_OK);
	assert_non_null(got = malloc(len[0] + 1));
	assert_non_null(fp = fopen(path, "rb"));
	assert_int_equal(fread(got, 1, len[0] + 1, fp), len[0]);
	assert_int_equal(fclose(fp), 0);
	assert_memory_equal(got, data[0], len[0]);
	free(got);
	wcs_state_writer_free(w[0]);
	wcs_state_writer_free(w[1]);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * Sections left out by wcs_state_load_some are read later from the file
 * it opened, not from the path again (a state renamed over it since is
 * not read), each against its checksum: a corrupt one is refused when
 * read, and only then; the sizes are the table's, read or not.
 */
static void
test_read_later(void **state)
{
	static const uint32_t test[] = { WCS_STATE_SEC_TEST };
	static const uint32_t other[] = { SEC_OTHER };
	char dir[] = "/tmp/wcscan-state-XXXXXX", path[64], path2[64];
	struct wcs_state_writer *w;
	struct wcs_state_cursor c;
	struct wcs_state *st;
	struct wcs_ctx ctx;
	const unsigned char *data;
	unsigned char *copy;
	size_t len, plen, body;
	uint32_t v;
	FILE *fp;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/later.state", dir);
	(void)snprintf(path2, sizeof(path2), "%s/flipped.state", dir);
	w = sample(&ctx);
	assert_non_null(data = wcs_state_writer_data(w, &len));
	assert_non_null(copy = malloc(len));
	memcpy(copy, data, len);
	plen = data[24];
	body = 26 + plen + 2 * 32; /* the test section's body, first */
	copy[body + 3] ^= 1;
	assert_non_null(fp = fopen(path2, "wb"));
	assert_int_equal(fwrite(copy, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);

	/* Good, then replaced by the flipped one: the good one is read. */
	assert_int_equal(
	    wcs_state_load_some(&ctx, path, other, 1, &st), WCS_OK);
	assert_int_equal(wcs_state_size(st), len);
	assert_true(wcs_state_section_size(st, WCS_STATE_SEC_TEST) > 400);
	assert_int_equal(wcs_state_section_size(st, SEC_OTHER), 0);
	assert_int_equal(wcs_state_section_size(st, 12345), 0);
	assert_int_equal(
	    wcs_state_section(st, WCS_STATE_SEC_TEST, &c, &v), WCS_EOF);
	assert_int_equal(rename(path2, path), 0);
	assert_int_equal(wcs_state_read_more(st, other, 1), WCS_OK);
	assert_int_equal(
	    wcs_state_section(st, WCS_STATE_SEC_TEST, &c, &v), WCS_EOF);
	assert_int_equal(wcs_state_read_more(st, test, 1), WCS_OK);
	assert_true(check_sample(st));
	/* Read already: nothing more to do. */
	assert_int_equal(wcs_state_read_others(st, NULL, 0), WCS_OK);
	assert_true(check_sample(st));
	wcs_state_free(st);

	/* The flipped one, now at path: good until its test section is
	 * read, whichever way it is asked for. */
	assert_int_equal(
	    wcs_state_load_some(&ctx, path, other, 1, &st), WCS_OK);
	assert_int_equal(wcs_state_read_more(st, other, 1), WCS_OK);
	assert_int_equal(wcs_state_read_more(st, test, 1), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&ctx), "checksum mismatch"));
	assert_non_null(strstr(wcs_error_string(&ctx), path));
	assert_int_equal(
	    wcs_state_section(st, WCS_STATE_SEC_TEST, &c, &v), WCS_EOF);
	assert_int_equal(wcs_state_read_others(st, other, 1), WCS_FAILED);
	wcs_state_free(st);
	/* The rest but the test section: the file is closed after, and
	 * that section is not read later. */
	assert_int_equal(wcs_state_load_some(&ctx, path, NULL, 0, &st), WCS_OK);
	assert_int_equal(wcs_state_read_others(st, test, 1), WCS_OK);
	assert_int_equal(wcs_state_section(st, SEC_OTHER, &c, &v), WCS_OK);
	assert_int_equal(wcs_state_read_more(st, test, 1), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&ctx), "after the rest"));
	wcs_state_free(st);

	/* A whole load has nothing left to read. */
	assert_int_equal(
	    wcs_state_parse(&ctx, "mem.state", data, len, &st), WCS_OK);
	assert_int_equal(wcs_state_read_more(st, test, 1), WCS_OK);
	assert_true(check_sample(st));
	wcs_state_free(st);
	free(copy);
	wcs_state_writer_free(w);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* Every prefix of a good file is refused, naming the file. */
static void
test_truncated_at_every_byte(void **state)
{
	struct wcs_state_writer *w;
	struct wcs_state *st;
	struct wcs_ctx ctx;
	const void *data;
	size_t len, n;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	w = sample(&ctx);
	assert_non_null(data = wcs_state_writer_data(w, &len));
	for (n = 0; n < len; n++) {
		st = NULL;
		assert_int_equal(
		    wcs_state_parse(&ctx, "cut.state", data, n, &st),
		    WCS_FAILED);
		assert_null(st);
		assert_non_null(strstr(wcs_error_string(&ctx), "cut.state: "));
	}
	wcs_state_writer_free(w);
}

/* Any one byte flipped: refused (checksums, or the magic). */
static void
test_flipped_byte(void **state)
{
	struct wcs_state_writer *w;
	struct wcs_state *st;
	struct wcs_ctx ctx;
	const void *data;
	unsigned char *copy;
	size_t len, i;
	unsigned bit;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	w = sample(&ctx);
	assert_non_null(data = wcs_state_writer_data(w, &len));
	assert_non_null(copy = malloc(len));
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit += 3) {
			memcpy(copy, data, len);
			copy[i] ^= (unsigned char)(1u << bit);
			assert_int_equal(
			    wcs_state_parse(&ctx, "flip.state", copy, len, &st),
			    WCS_FAILED);
			assert_non_null(
			    strstr(wcs_error_string(&ctx), "flip.state: "));
		}
	}
	free(copy);
	wcs_state_writer_free(w);
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* Another version is refused as such, before the checksum is looked at. */
static void
test_other_version(void **state)
{
	struct wcs_state_writer *w;
	struct wcs_state *st;
	struct wcs_ctx ctx;
	const void *data;
	unsigned char *copy;
	char want[160];
	size_t len;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	w = sample(&ctx);
	assert_non_null(data = wcs_state_writer_data(w, &len));
	assert_non_null(copy = malloc(len));
	memcpy(copy, data, len);
	put32(copy + 8, WCS_STATE_FORMAT_VERSION + 1);
	assert_int_equal(
	    wcs_state_parse(&ctx, "new.state", copy, len, &st), WCS_FAILED);
	(void)snprintf(want, sizeof(want),
	    "new.state: state file format version %u; this wcscan (%s) "
	    "reads version %u",
	    WCS_STATE_FORMAT_VERSION + 1, WCSCAN_VERSION,
	    WCS_STATE_FORMAT_VERSION);
	assert_string_equal(wcs_error_string(&ctx), want);
	/* Not ours at all. */
	assert_int_equal(
	    wcs_state_parse(&ctx, "x.log", "#Version: 1.5\n", 14, &st),
	    WCS_FAILED);
	assert_string_equal(
	    wcs_error_string(&ctx), "x.log: not a wcscan state file");
	free(copy);
	wcs_state_writer_free(w);
}

/*
 * Counts a body cannot hold are refused by the cursor, whatever the
 * checksums say: a file written by a hostile producer is well formed as a
 * container and lies inside.
 */
static void
test_huge_counts(void **state)
{
	struct wcs_state_writer *w;
	struct wcs_state_cursor c;
	struct wcs_state *st;
	struct wcs_ctx ctx;
	const void *data;
	size_t len;
	uint32_t v;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	assert_non_null(w = wcs_state_writer_new(&ctx));
	assert_int_equal(
	    wcs_state_begin(w, WCS_STATE_SEC_TEST, "test", 1), WCS_OK);
	wcs_state_put_u32(w, UINT32_MAX);
	wcs_state_put_u32(w, 3); /* three records of 8 bytes: 12 left */
	wcs_state_put_u64(w, 1);
	wcs_state_put_u32(w, 2);
	assert_int_equal(wcs_state_end(w), WCS_OK);
	assert_non_null(data = wcs_state_writer_data(w, &len));
	assert_int_equal(
	    wcs_state_parse(&ctx, "lie.state", data, len, &st), WCS_OK);
	assert_int_equal(
	    wcs_state_section(st, WCS_STATE_SEC_TEST, &c, &v), WCS_OK);
	assert_int_equal(wcs_state_get_count(&c, UINT32_MAX, 1), 0);
	assert_false(wcs_state_cursor_ok(&c)); /* 4 billion > 16 bytes */
	assert_int_equal(wcs_state_get_u32(&c), 0); /* stays failed */
	assert_int_equal(
	    wcs_state_cursor_error(&ctx, &c, "too many"), WCS_FAILED);
	assert_string_equal(wcs_error_string(&ctx),
	    "lie.state: state section test at byte 4: too many");
	assert_int_equal(
	    wcs_state_section(st, WCS_STATE_SEC_TEST, &c, &v), WCS_OK);
	(void)wcs_state_get_u32(&c);
	assert_int_equal(wcs_state_get_count(&c, 100, 8), 0);
	assert_false(wcs_state_cursor_ok(&c));
	assert_int_equal(
	    wcs_state_section(st, WCS_STATE_SEC_TEST, &c, &v), WCS_OK);
	(void)wcs_state_get_u32(&c);
	assert_int_equal(wcs_state_get_count(&c, 2, 1), 0); /* over max */
	assert_false(wcs_state_cursor_ok(&c));
	assert_int_equal(
	    wcs_state_section(st, WCS_STATE_SEC_TEST, &c, &v), WCS_OK);
	(void)wcs_state_get_u32(&c);
	assert_int_equal(wcs_state_get_count(&c, 100, 4), 3);
	assert_null(wcs_state_get_bytes(&c, 13));
	assert_false(wcs_state_cursor_done(&c));
	wcs_state_free(st);
	wcs_state_writer_free(w);
}

/* The writer refuses misuse instead of writing a file it cannot read. */
static void
test_writer_misuse(void **state)
{
	struct wcs_state_writer *w;
	struct wcs_ctx ctx;
	size_t len;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	assert_non_null(w = wcs_state_writer_new(&ctx));
	assert_int_equal(wcs_state_end(w), WCS_FAILED);
	assert_int_equal(
	    wcs_state_begin(w, 1, "a-name-far-too-long", 1), WCS_FAILED);
	assert_int_equal(wcs_state_begin(w, 1, "", 1), WCS_FAILED);
	assert_int_equal(wcs_state_begin(w, 1, "one", 1), WCS_OK);
	assert_int_equal(wcs_state_begin(w, 2, "two", 1), WCS_FAILED);
	assert_null(wcs_state_writer_data(w, &len));
	assert_int_equal(wcs_state_end(w), WCS_OK);
	assert_int_equal(wcs_state_begin(w, 1, "again", 1), WCS_FAILED);
	assert_non_null(wcs_state_writer_data(w, &len));
	wcs_state_writer_free(w);
}

/* An empty section first (no body buffer yet) reads back empty. */
static void
test_empty_first_section(void **state)
{
	struct wcs_state_writer *w;
	struct wcs_state_cursor c;
	struct wcs_state *st;
	struct wcs_ctx ctx;
	const void *data;
	uint32_t v;
	size_t len;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	assert_non_null(w = wcs_state_writer_new(&ctx));
	assert_int_equal(wcs_state_begin(w, SEC_OTHER, "empty", 3), WCS_OK);
	assert_int_equal(wcs_state_end(w), WCS_OK);
	assert_non_null(data = wcs_state_writer_data(w, &len));
	assert_int_equal(
	    wcs_state_parse(&ctx, "e.state", data, len, &st), WCS_OK);
	assert_int_equal(wcs_state_section(st, SEC_OTHER, &c, &v), WCS_OK);
	assert_int_equal(v, 3);
	assert_true(wcs_state_cursor_done(&c));
	wcs_state_free(st);
	wcs_state_writer_free(w);
}

/* Each allocation in turn fails: WCS_FATAL or NULL, never a leak. */
static void
test_failing_allocations(void **state)
{
	struct fail_alloc f;
	struct wcs_alloc a = { fail_malloc, fail_realloc, fail_free, &f };
	struct wcs_state_writer *w;
	struct wcs_state *st;
	struct wcs_ctx ctx, good;
	const void *data;
	size_t len;
	long n;
	int rc;

	(void)state;
	wcs_ctx_init(&good, NULL);
	w = sample(&good);
	assert_non_null(data = wcs_state_writer_data(w, &len));
	for (n = 0;; n++) {
		f.left = n;
		wcs_ctx_init(&ctx, &a);
		rc = wcs_state_parse(&ctx, "m.state", data, len, &st);
		if (rc == WCS_OK) {
			assert_true(check_sample(st));
			wcs_state_free(st);
			break;
		}
		assert_int_equal(rc, WCS_FATAL);
		assert_true(n < 100);
	}
	wcs_state_writer_free(w);
	for (n = 0;; n++) {
		f.left = n;
		wcs_ctx_init(&ctx, &a);
		if ((w = wcs_state_writer_new(&ctx)) == NULL)
			continue;
		rc = wcs_state_begin(w, WCS_STATE_SEC_TEST, "t", 1);
		assert_int_equal(rc, WCS_OK);
		wcs_state_put_str(w, "x");
		wcs_state_put_ref(w, "by reference", 12);
		rc = wcs_state_end(w);
		data = rc == WCS_OK ? wcs_state_writer_data(w, &len) : NULL;
		wcs_state_writer_free(w);
		if (data != NULL)
			break;
		assert_true(n < 100);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_save_and_load),
		cmocka_unit_test(test_truncated_at_every_byte),
		cmocka_unit_test(test_flipped_byte),
		cmocka_unit_test(test_load_some),
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_read_later),
		cmocka_unit_test(test_other_version),
		cmocka_unit_test(test_huge_counts),
		cmocka_unit_test(test_writer_misuse),
		cmocka_unit_test(test_empty_first_section),
		cmocka_unit_test(test_failing_allocations),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
