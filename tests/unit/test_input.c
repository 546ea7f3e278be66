/*
 * io: plain, gzip (also concatenated and broken), read on from an offset,
 * BOMs and UTF-16, line caps, windows, directory walks; file types, files
 * replaced after listing, symbolic links out of a walk, files reached
 * twice, files that shrink while read.  Inputs are written to a temporary directory by each
 * test.  Tests that could block (FIFOs) run under alarm(2): a hang is a
 * failure, not a stuck test run.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

#include "wcscan/input.h"

static char tmpdir[256];

static int
setup(void **state)
{
	(void)state;
	(void)snprintf(tmpdir, sizeof(tmpdir), "/tmp/wcscan-test-XXXXXX");
	return (mkdtemp(tmpdir) == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return (system(cmd) == 0 ? 0 : -1);
}

static const char *
tpath(const char *name)
{
	static char p[512];

	(void)snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return (p);
}

/* Another name at once: tpath's buffer is reused by the next call. */
static const char *
tpath2(const char *name)
{
	static char p[512];

	(void)snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return (p);
}

static void
write_file(const char *name, const void *data, size_t len)
{
	FILE *fp = fopen(tpath(name), "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Append one gzip member holding data to the file. */
static void
append_gzip(const char *name, const char *data)
{
	gzFile gz = gzopen(tpath(name), "ab");

	assert_non_null(gz);
	assert_int_equal(
	    gzwrite(gz, data, (unsigned)strlen(data)), (int)strlen(data));
	assert_int_equal(gzclose(gz), Z_OK);
}

/* All lines joined with '|', and the final status. */
static int
read_lines_mode(const char *path, size_t line_max, char *out, size_t outlen,
    unsigned *warns, bool threaded)
{
	struct wcs_ctx ctx;
	struct wcs_input *in;
	const char *line;
	size_t len, o = 0;
	int rc;

	wcs_ctx_init(&ctx, NULL);
	*warns = 0;
	out[0] = '\0';
	rc = wcs_input_open(&ctx, path, line_max, &in);
	if (rc != WCS_OK)
		return (rc);
	wcs_input_set_threaded(in, threaded);
	while ((rc = wcs_input_getline(in, &line, &len)) != WCS_EOF) {
		if (rc == WCS_WARN) {
			(*warns)++;
			o += (size_t)snprintf(out + o, outlen - o,
			    "<long@%llu>|",
			    (unsigned long long)wcs_input_lineno(in));
			continue;
		}
		if (rc != WCS_OK)
			break;
		o += (size_t)snprintf(
		    out + o, outlen - o, "%.*s|", (int)len, line);
	}
	wcs_input_close(in);
	return (rc == WCS_EOF ? WCS_OK : rc);
}

static int
read_lines(const char *path, size_t line_max, char *out, size_t outlen,
    unsigned *warns)
{
	return (read_lines_mode(path, line_max, out, outlen, warns, false));
}

static void
test_plain_crlf_and_last_line(void **state)
{
	char out[256];
	unsigned w;

	(void)state;
	write_file("a.log", "one\r\ntwo\n\nthree", 15);
	assert_int_equal(
	    read_lines(tpath("a.log"), 0, out, sizeof(out), &w), WCS_OK);
	assert_string_equal(out, "one|two||three|");
	assert_int_equal(w, 0);
}

static void
test_gzip_members_and_errors(void **state)
{
	char out[256];
	unsigned w;
	FILE *fp;
	long n;
	char buf[256];

	(void)state;
	(void)unlink(tpath("m.gz")); /* appended to: start afresh */
	(void)unlink(tpath("d.gz"));
	append_gzip("m.gz", "alpha\nbeta\n");
	append_gzip("m.gz", "gamma\n");
	assert_int_equal(
	    read_lines(tpath("m.gz"), 0, out, sizeof(out), &w), WCS_OK);
	assert_string_equal(out, "alpha|beta|gamma|");

	/* Truncated: what came before is read, then the input fails. */
	fp = fopen(tpath("m.gz"), "rb");
	assert_non_null(fp);
	n = (long)fread(buf, 1, sizeof(buf), fp);
	(void)fclose(fp);
	write_file("t.gz", buf, (size_t)n - 5);
	assert_int_equal(
	    read_lines(tpath("t.gz"), 0, out, sizeof(out), &w), WCS_FAILED);
	assert_non_null(strstr(out, "alpha|beta|"));

	/* Trailing garbage after the members is an error, not data. */
	memcpy(buf + n, "JUNK", 4);
	write_file("g.gz", buf, (size_t)n + 4);
	assert_int_equal(
	    read_lines(tpath("g.gz"), 0, out, sizeof(out), &w), WCS_FAILED);
	assert_string_equal(out, "alpha|beta|gamma|");

	/* Corrupt deflate data. */
	buf[12] ^= 0x55;
	buf[13] ^= 0x55;
	write_file("c.gz", buf, (size_t)n);
	assert_int_equal(
	    read_lines(tpath("c.gz"), 0, out, sizeof(out), &w), WCS_FAILED);

	/* Damage late in a member: the lines before it still come out,
	 * then the error. */
	{
		static char big[64 * 1024], zbuf[64 * 1024];
		size_t o = 0, zn;
		int i;

		for (i = 0; i < 3000; i++)
			o += (size_t)snprintf(
			    big + o, sizeof(big) - o, "line %d\n", i);
		append_gzip("d.gz", big);
		fp = fopen(tpath("d.gz"), "rb");
		assert_non_null(fp);
		zn = fread(zbuf, 1, sizeof(zbuf), fp);
		(void)fclose(fp);
		zbuf[zn - 12] ^= 0x55; /* near the end of the deflate data */
		zbuf[zn - 13] ^= 0x55;
		write_file("d.gz", zbuf, zn);
		assert_int_equal(
		    read_lines(tpath("d.gz"), 0, big, sizeof(big), &w),
		    WCS_FAILED);
		assert_memory_equal(big, "line 0|line 1|line 2|", 21);
	}
}

/*
 * Inflating on a thread of its own gives the same lines and the same end,
 * across many blocks, after damage, and when closed early.
 */
static void
test_gzip_threaded_same(void **state)
{
	static const char *const names[] = { "m.gz", "t.gz", "g.gz", "c.gz",
		"d.gz", "big.gz" };
	static char a[8 << 20], b[8 << 20];
	struct wcs_ctx ctx;
	struct wcs_input *in;
	const char *line;
	unsigned wa, wb;
	size_t i, len, o = 0;
	char *big;
	int ra, rb;

	(void)state;
	/* The files of the test above, and 6 MB inflated in two members. */
	test_gzip_members_and_errors(state);
	big = malloc(3 << 20);
	assert_non_null(big);
	for (i = 0; o + 64 < (3u << 20); i++)
		o += (size_t)snprintf(big + o, (3u << 20) - o,
		    "May 12 10:00:00 gw kernel: SRC=10.0.0.%zu n=%zu\n",
		    i % 250, i);
	(void)unlink(tpath("big.gz"));
	append_gzip("big.gz", big);
	append_gzip("big.gz", big);
	free(big);
	for (i = 0; i < WCS_NELEM(names); i++) {
		ra = read_lines_mode(
		    tpath(names[i]), 0, a, sizeof(a), &wa, false);
		rb = read_lines_mode(
		    tpath(names[i]), 0, b, sizeof(b), &wb, true);
		assert_int_equal(ra, rb);
		assert_int_equal(wa, wb);
		assert_string_equal(a, b);
	}
	assert_true(strlen(a) > 6000000);

	/* Closed after one line while the thread is blocks ahead. */
	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(wcs_input_open(&ctx, tpath("big.gz"), 0, &in), WCS_OK);
	wcs_input_set_threaded(in, true);
	assert_int_equal(wcs_input_getline(in, &line, &len), WCS_OK);
	assert_memory_equal(line, "May 12", 6);
	wcs_input_close(in);
}

/* File name read from line `from` on (offs[from]), every line checked. */
static void
skip_and_read(const char *name, bool threaded, const char *data,
    const uint64_t *offs, size_t from, size_t nlines)
{
	struct wcs_ctx ctx;
	struct wcs_input *in;
	const unsigned char *peek;
	const char *line;
	size_t at, len, plen;
	int rc;

	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(wcs_input_open(&ctx, tpath(name), 0, &in), WCS_OK);
	wcs_input_set_threaded(in, threaded);
	assert_int_equal(wcs_input_peek(in, &peek, &plen), WCS_OK);
	assert_int_equal(wcs_input_skip(in, offs[from], from), WCS_OK);
	for (at = from; (rc = wcs_input_getline(in, &line, &len)) == WCS_OK;
	     at++) {
		assert_true(at < nlines);
		assert_int_equal(len, offs[at + 1] - offs[at] - 1);
		assert_memory_equal(line, data + offs[at], len);
		assert_int_equal(wcs_input_lineno(in), at + 1);
	}
	assert_int_equal(rc, WCS_EOF);
	assert_int_equal(at, nlines);
	wcs_input_close(in);
}

/*
 * A file read on from a saved offset (wcs_input_skip, as a sweep does):
 * the lines from there, numbered on, plain or inflated, on this thread or
 * inflated ahead on another, for offsets within and past the first
 * buffers.  Skipping consumes bytes without reading lines: the next line
 * end must still be looked for from the new start.
 */
static void
test_skip_then_lines(void **state)
{
	static const char *const names[] = { "skip.log", "skip.gz" };
	static const size_t from[] = { 0, 1, 4000, 6000, 30000, 59999 };
	const size_t nlines = 60000;
	uint64_t *offs;
	char *data;
	size_t i, k, o = 0;

	(void)state;
	data = malloc(nlines * 64);
	offs = malloc((nlines + 1) * sizeof(*offs));
	assert_non_null(data);
	assert_non_null(offs);
	for (i = 0; i < nlines; i++) {
		offs[i] = o;
		o += (size_t)snprintf(data + o, nlines * 64 - o,
		    "May 12 10:%02zu:00 gw kernel: SRC=10.0.%zu.%zu n=%zu\n",
		    i % 60, i % 200, i % 250, i);
	}
	offs[nlines] = o;
	write_file("skip.log", data, o);
	(void)unlink(tpath("skip.gz"));
	append_gzip("skip.gz", data);
	for (k = 0; k < WCS_NELEM(names); k++) {
		for (i = 0; i < WCS_NELEM(from); i++) {
			skip_and_read(
			    names[k], false, data, offs, from[i], nlines);
			skip_and_read(
			    names[k], true, data, offs, from[i], nlines);
		}
	}
	free(offs);
	free(data);
}

/* Lines of a file read in pieces: the same lines, numbers and offsets. */
static void
piece_lines(const char *name, uint64_t piece_size, size_t want_pieces)
{
	static char whole[8192], parts[8192];
	struct wcs_input_piece *pc;
	struct wcs_ctx ctx;
	struct wcs_input *in;
	const char *line;
	size_t npc, k, len, o = 0;
	unsigned w;
	int rc;

	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(
	    read_lines(tpath(name), 0, whole, sizeof(whole), &w), WCS_OK);
	assert_int_equal(
	    wcs_input_split(&ctx, tpath(name), piece_size, &pc, &npc), WCS_OK);
	assert_int_equal(npc, want_pieces);
	for (k = 0; k < npc; k++) {
		if (k > 0)
			assert_int_equal(pc[k].start, pc[k - 1].end);
		assert_true(pc[k].start < pc[k].end);
		assert_int_equal(
		    wcs_input_open_piece(&ctx, tpath(name), &pc[k], 0, &in),
		    WCS_OK);
		while ((rc = wcs_input_getline(in, &line, &len)) == WCS_OK) {
			/* Numbered and placed as in the whole file. */
			o += (size_t)snprintf(parts + o, sizeof(parts) - o,
			    "%.*s|", (int)len, line);
			assert_true(wcs_input_lineno(in) > pc[k].lines_before);
		}
		assert_int_equal(rc, WCS_EOF);
		wcs_input_close(in);
	}
	assert_string_equal(parts, whole);
	wcs_free(&ctx, pc);
}

static void
test_pieces(void **state)
{
	struct wcs_input_piece *pc;
	struct wcs_ctx ctx;
	struct wcs_input *in;
	const char *line;
	size_t npc, len;

	(void)state;
	write_file("p.log", "aaaa\r\nbbbb\ncccc\ndddd\neeee", 25);
	/* Pieces of at least 6 bytes: [0,6) [6,16) [16,25). */
	piece_lines("p.log", 6, 3);
	piece_lines("p.log", 1000, 1);
	write_file("q.log", "one long line without an end", 28); /* 28 */
	piece_lines("q.log", 4, 1);
	write_file("r.log", "x\ny\n", 4);
	piece_lines("r.log", 2, 2); /* no empty last piece */

	/* The second piece of p.log: lines 2 and 3, at offsets 6 and 11. */
	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(
	    wcs_input_split(&ctx, tpath("p.log"), 6, &pc, &npc), WCS_OK);
	assert_int_equal(pc[1].lines_before, 1);
	assert_int_equal(
	    wcs_input_open_piece(&ctx, tpath("p.log"), &pc[1], 0, &in), WCS_OK);
	assert_int_equal(wcs_input_getline(in, &line, &len), WCS_OK);
	assert_memory_equal(line, "bbbb", 4);
	assert_int_equal(wcs_input_lineno(in), 2);
	assert_int_equal(wcs_input_line_offset(in), 6);
	assert_int_equal(wcs_input_getline(in, &line, &len), WCS_OK);
	assert_memory_equal(line, "cccc", 4);
	assert_int_equal(wcs_input_lineno(in), 3);
	assert_int_equal(wcs_input_line_offset(in), 11);
	assert_int_equal(wcs_input_getline(in, &line, &len), WCS_EOF);
	wcs_input_close(in);
	wcs_free(&ctx, pc);
}

static void
test_boms_and_utf16(void **state)
{
	static const unsigned char u8bom[] = "\xef\xbb\xbfhi\n";
	/* "A\n", U+1F600 as a pair, a lone high surrogate then "B", a lone
	 * low surrogate, "\r\n" and an odd final byte. */
	static const unsigned char le[] = { 0xff, 0xfe, 'A', 0, '\n', 0, 0x3d,
		0xd8, 0x00, 0xde, 0x3d, 0xd8, 'B', 0, 0x00, 0xdc, '\r', 0, '\n',
		0, 'Z' };
	static const unsigned char be[] = { 0xfe, 0xff, 0, 'x', 0, 'y', 0,
		'\n' };
	char out[256];
	unsigned w;

	(void)state;
	write_file("u8.log", u8bom, sizeof(u8bom) - 1);
	assert_int_equal(
	    read_lines(tpath("u8.log"), 0, out, sizeof(out), &w), WCS_OK);
	assert_string_equal(out, "hi|");
	write_file("le.log", le, sizeof(le));
	assert_int_equal(
	    read_lines(tpath("le.log"), 0, out, sizeof(out), &w), WCS_OK);
	assert_string_equal(out, "A|\xf0\x9f\x98\x80\xef\xbf\xbd"
				 "B\xef\xbf\xbd|\xef\xbf\xbd|");
	write_file("be.log", be, sizeof(be));
	assert_int_equal(
	    read_lines(tpath("be.log"), 0, out, sizeof(out), &w), WCS_OK);
	assert_string_equal(out, "xy|");
}

static void
test_overlong_line_skipped(void **state)
{
	char *data, out[512];
	unsigned w;
	size_t n = 3000, i;

	(void)state;
	data = malloc(n + 64);
	assert_non_null(data);
	i = (size_t)sprintf(data, "short\n");
	memset(data + i, 'x', n);
	i += n;
	i += (size_t)sprintf(data + i, "\nafter\n");
	write_file("long.log", data, i);
	assert_int_equal(
	    read_lines(tpath("long.log"), 256, out, sizeof(out), &w), WCS_OK);
	assert_string_equal(out, "short|<long@2>|after|");
	assert_int_equal(w, 1);
	/* Exactly at the cap is accepted. */
	memset(data, 'y', 256);
	data[256] = '\n';
	write_file("cap.log", data, 257);
	assert_int_equal(
	    read_lines(tpath("cap.log"), 256, out, sizeof(out), &w), WCS_OK);
	assert_int_equal(w, 0);
	assert_int_equal(strlen(out), 257);
	/* An over-long final line without a newline. */
	memset(data, 'z', 400);
	write_file("tail.log", data, 400);
	assert_int_equal(
	    read_lines(tpath("tail.log"), 256, out, sizeof(out), &w), WCS_OK);
	assert_int_equal(w, 1);
	free(data);
}

static void
test_nul_bytes_kept_in_line(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_input *in;
	const char *line;
	size_t len;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	write_file("nul.log", "a\0b\nc\n", 6);
	assert_int_equal(
	    wcs_input_open(&ctx, tpath("nul.log"), 0, &in), WCS_OK);
	assert_int_equal(wcs_input_getline(in, &line, &len), WCS_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(line, "a\0b", 3);
	assert_int_equal(wcs_input_getline(in, &line, &len), WCS_OK);
	assert_int_equal(wcs_input_lineno(in), 2);
	assert_int_equal(wcs_input_line_offset(in), 4);
	assert_int_equal(wcs_input_getline(in, &line, &len), WCS_EOF);
	wcs_input_close(in);
}

static void
test_peek_window_and_mem(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_input *in;
	const unsigned char *p;
	size_t len;
	const char *line;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(
	    wcs_input_open_mem(&ctx, "mem", "hello\nworld\n", 12, 0, &in),
	    WCS_OK);
	assert_int_equal(wcs_input_peek(in, &p, &len), WCS_OK);
	assert_int_equal(len, 12);
	/* Peeking consumed nothing. */
	assert_int_equal(wcs_input_fill(in, 3, &p, &len), WCS_OK);
	assert_memory_equal(p, "hello", 5);
	wcs_input_consume(in, 6);
	assert_int_equal(wcs_input_offset(in), 6);
	assert_int_equal(wcs_input_getline(in, &line, &len), WCS_OK);
	assert_memory_equal(line, "world", 5);
	wcs_input_close(in);
	/* An empty input peeks as 0 bytes. */
	assert_int_equal(
	    wcs_input_open_mem(&ctx, "empty", "", 0, 0, &in), WCS_OK);
	assert_int_equal(wcs_input_peek(in, &p, &len), WCS_OK);
	assert_int_equal(len, 0);
	assert_int_equal(wcs_input_getline(in, &line, &len), WCS_EOF);
	wcs_input_close(in);
}

static void
test_open_errors(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_input *in;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(
	    wcs_input_open(&ctx, tpath("missing"), 0, &in), WCS_FAILED);
	assert_null(in);
	assert_non_null(strstr(wcs_error_string(&ctx), "missing"));
	assert_int_equal(wcs_input_open(&ctx, tmpdir, 0, &in), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&ctx), "directory"));
}

struct walk_log {
	char seen[2048];
	char skipped[2048];
};

static int
walk_seen(const char *path, void *arg)
{
	struct walk_log *l = arg;

	strcat(l->seen, path + strlen(tmpdir));
	strcat(l->seen, " ");
	return (WCS_OK);
}

static void
walk_skip(const char *path, const char *why, void *arg)
{
	struct walk_log *l = arg;

	(void)why;
	strcat(l->skipped, path + strlen(tmpdir));
	strcat(l->skipped, " ");
}

static void
test_walk_order_loops_fifos(void **state)
{
	struct wcs_ctx ctx;
	struct walk_log l;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	memset(&l, 0, sizeof(l));
	assert_int_equal(mkdir(tpath("w"), 0755), 0);
	assert_int_equal(mkdir(tpath("w/sub"), 0755), 0);
	write_file("w/b.log", "x", 1);
	write_file("w/a.log", "x", 1);
	write_file("w/sub/c.log", "x", 1);
	assert_int_equal(symlink("..", tpath("w/sub/loop")), 0);
	assert_int_equal(symlink("self", tpath("w/self")), 0);
	assert_int_equal(mkfifo(tpath("w/fifo"), 0600), 0);
	assert_int_equal(
	    wcs_walk(&ctx, tpath("w"), walk_seen, walk_skip, &l), WCS_OK);
	assert_string_equal(l.seen, "/w/a.log /w/b.log /w/sub/c.log ");
	assert_non_null(strstr(l.skipped, "/w/fifo"));
	assert_non_null(strstr(l.skipped, "/w/self"));
	assert_non_null(strstr(l.skipped, "/w/sub/loop"));
	assert_int_equal(
	    wcs_walk(&ctx, tpath("nope"), walk_seen, walk_skip, &l),
	    WCS_FAILED);
}

/* A hang is a failure: SIGALRM's default action ends the test. */
#define HANG_GUARD 10

static int
bind_socket(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof(sa.sun_path));
	assert_true(snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) > 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return (fd);
}

/*
 * Only regular files, and FIFOs the caller named, are inputs; the error
 * names the path and what it is.  Nothing here may block.
 */
static void
test_open_file_types(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_input *in;
	struct wcs_input_ref ref;
	const char *line;
	size_t len;
	int sfd, wfd;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	(void)alarm(HANG_GUARD);
	assert_int_equal(wcs_input_open(&ctx, "/dev/null", 0, &in), WCS_FAILED);
	assert_null(in);
	assert_non_null(strstr(wcs_error_string(&ctx), "/dev/null: is a "
						       "character device"));
	sfd = bind_socket(tpath("sock"));
	assert_int_equal(
	    wcs_input_open(&ctx, tpath("sock"), 0, &in), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&ctx), "sock: is a socket"));
	(void)close(sfd);

	/* A FIFO not named (found in a directory) is refused at once, with
	 * no writer and nothing to read. */
	assert_int_equal(mkfifo(tpath("fifo"), 0600), 0);
	memset(&ref, 0, sizeof(ref));
	ref.path = tpath("fifo");
	assert_int_equal(wcs_input_open_ref(&ctx, &ref, 0, &in), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&ctx), "fifo: is a FIFO"));

	/* Named, it is read, and reads block until its writer is done. */
	wfd = open(tpath("fifo"), O_RDWR | O_NONBLOCK);
	assert_true(wfd >= 0);
	assert_int_equal(write(wfd, "a\nb\n", 4), 4);
	ref.named = true;
	assert_int_equal(wcs_input_open_ref(&ctx, &ref, 0, &in), WCS_OK);
	(void)close(wfd);
	assert_int_equal(wcs_input_getline(in, &line, &len), WCS_OK);
	assert_memory_equal(line, "a", 1);
	assert_int_equal(wcs_input_getline(in, &line, &len), WCS_OK);
	assert_int_equal(wcs_input_getline(in, &line, &len), WCS_EOF);
	assert_false(wcs_input_info(in)->shrank);
	wcs_input_close(in);
	(void)alarm(0);
}

struct ref_log {
	char seen[4096];
	char skipped[4096];
	struct wcs_input_ref refs[8];
	char paths[8][512];
	size_t n;
};

static int
walk_ref_seen(const struct wcs_input_ref *ref, void *arg)
{
	struct ref_log *l = arg;

	strcat(l->seen, ref->path + strlen(tmpdir));
	strcat(l->seen, ref->named ? "(named) " : " ");
	if (l->n < WCS_NELEM(l->refs)) {
		(void)snprintf(
		    l->paths[l->n], sizeof(l->paths[l->n]), "%s", ref->path);
		l->refs[l->n] = *ref;
		l->refs[l->n].path = l->paths[l->n];
		l->n++;
	}
	return (WCS_OK);
}

static void
walk_ref_skip(const char *path, const char *why, void *arg)
{
	struct ref_log *l = arg;
	size_t o = strlen(l->skipped);

	(void)snprintf(l->skipped + o, sizeof(l->skipped) - o, "%s: %s|",
	    path + strlen(tmpdir), why);
}

/*
 * A file listed, then swapped for another file or for a FIFO before it
 * is opened: refused, never read, never waited on.
 */
static void
test_open_replaced_after_listing(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_walk *w;
	struct wcs_input *in;
	struct ref_log l;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	memset(&l, 0, sizeof(l));
	assert_int_equal(mkdir(tpath("sw"), 0755), 0);
	write_file("sw/a.log", "a\n", 2);
	write_file("sw/b.log", "b\n", 2);
	write_file("other.log", "secret\n", 7);
	assert_non_null(w = wcs_walk_new(&ctx, 0));
	assert_int_equal(
	    wcs_walk_add(w, tpath("sw"), walk_ref_seen, walk_ref_skip, &l),
	    WCS_OK);
	wcs_walk_free(w);
	assert_string_equal(l.seen, "/sw/a.log /sw/b.log ");
	assert_true(l.refs[0].ino != 0);

	(void)alarm(HANG_GUARD);
	assert_int_equal(unlink(tpath("sw/a.log")), 0);
	assert_int_equal(mkfifo(tpath("sw/a.log"), 0600), 0);
	assert_int_equal(
	    wcs_input_open_ref(&ctx, &l.refs[0], 0, &in), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&ctx), "is a FIFO"));
	(void)alarm(0);

	assert_int_equal(unlink(tpath("sw/b.log")), 0);
	assert_int_equal(link(tpath("other.log"), tpath2("sw/b.log")), 0);
	assert_int_equal(
	    wcs_input_open_ref(&ctx, &l.refs[1], 0, &in), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&ctx), "b.log: replaced"));
}

/*
 * Symbolic links leaving the directory named are not followed (unless
 * asked); links inside it are.  A file is listed once, however it is
 * reached: named twice, through a symbolic or a hard link.
 */
static void
test_walk_links_and_twice(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_walk *w;
	struct ref_log l;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	memset(&l, 0, sizeof(l));
	assert_int_equal(mkdir(tpath("lk"), 0755), 0);
	assert_int_equal(mkdir(tpath("lk/sub"), 0755), 0);
	assert_int_equal(mkdir(tpath("out"), 0755), 0);
	write_file("out/secret.log", "secret\n", 7);
	write_file("lk/a.log", "a\n", 2);
	write_file("lk/sub/c.log", "c\n", 2);
	assert_int_equal(symlink("../out/secret.log", tpath("lk/b.log")), 0);
	assert_int_equal(symlink(tpath("out"), tpath2("lk/d")), 0);
	assert_int_equal(symlink("sub/c.log", tpath("lk/e.log")), 0);
	assert_int_equal(link(tpath("lk/a.log"), tpath2("lk/f.log")), 0);

	assert_non_null(w = wcs_walk_new(&ctx, 0));
	assert_int_equal(
	    wcs_walk_add(w, tpath("lk"), walk_ref_seen, walk_ref_skip, &l),
	    WCS_OK);
	/* Named again, and the same file named by its other name. */
	assert_int_equal(wcs_walk_add(w, tpath("lk/a.log"), walk_ref_seen,
			     walk_ref_skip, &l),
	    WCS_OK);
	assert_int_equal(wcs_walk_add(w, tpath("out/secret.log"), walk_ref_seen,
			     walk_ref_skip, &l),
	    WCS_OK);
	wcs_walk_free(w);
	assert_string_equal(
	    l.seen, "/lk/a.log /lk/e.log /out/secret.log(named) ");
	assert_non_null(strstr(l.skipped, "/lk/b.log: symbolic link to "));
	assert_non_null(strstr(l.skipped, "/out/secret.log, outside"));
	assert_non_null(strstr(l.skipped, "/lk/d: symbolic link to "));
	assert_non_null(strstr(l.skipped, "/lk/sub/c.log: already read as "));
	assert_non_null(strstr(l.skipped, "/lk/f.log: already read as "));
	assert_non_null(strstr(l.skipped, "|/lk/a.log: already read as "));

	/* Asked to, the walk follows them out, still once per file. */
	memset(&l, 0, sizeof(l));
	assert_non_null(w = wcs_walk_new(&ctx, WCS_WALK_FOLLOW_SYMLINKS));
	assert_int_equal(
	    wcs_walk_add(w, tpath("lk"), walk_ref_seen, walk_ref_skip, &l),
	    WCS_OK);
	wcs_walk_free(w);
	assert_string_equal(l.seen, "/lk/a.log /lk/b.log /lk/e.log ");
	assert_non_null(strstr(l.skipped, "/lk/d/secret.log: already read"));
}

/* A file of n numbered lines of 16 bytes ("line 0000000001\n"). */
static void
write_numbered(const char *name, unsigned n)
{
	FILE *fp = fopen(tpath(name), "wb");
	unsigned i;

	assert_non_null(fp);
	for (i = 0; i < n; i++)
		fprintf(fp, "line %010u\n", i);
	assert_int_equal(fclose(fp), 0);
}

/* Read to the end; every line must be whole.  Returns the line count. */
static unsigned
count_whole_lines(struct wcs_input *in)
{
	const char *line;
	size_t len;
	unsigned n = 0;
	int rc;

	while ((rc = wcs_input_getline(in, &line, &len)) == WCS_OK) {
		assert_int_equal(len, 15);
		assert_memory_equal(line, "line ", 5);
		n++;
	}
	assert_int_equal(rc, WCS_EOF);
	return (n);
}

/*
 * logrotate's copytruncate: the file is cut while read.  The lines read
 * before are handed out, the one cut in the middle is not, and the input
 * says how the size went.  A piece past the new end reads nothing.
 */
static void
test_shrink_while_reading(void **state)
{
	struct wcs_input_piece *pc;
	struct wcs_ctx ctx;
	struct wcs_input *in;
	const struct wcs_input_info *ii;
	const char *line;
	size_t len, npc;
	unsigned n;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	/* 1 MiB: four times what is read from the file at once. */
	write_numbered("rot.log", 65536);
	assert_int_equal(
	    wcs_input_open(&ctx, tpath("rot.log"), 0, &in), WCS_OK);
	assert_int_equal(wcs_input_getline(in, &line, &len), WCS_OK);
	assert_int_equal(truncate(tpath("rot.log"), 0), 0);
	n = count_whole_lines(in) + 1;
	ii = wcs_input_info(in);
	assert_true(n < 65536);
	assert_true(ii->shrank);
	assert_int_equal(ii->shrank_from, 1048576);
	assert_int_equal(ii->shrank_to, 0);
	wcs_input_close(in);

	/* Cut to a size that is not a line end: the same. */
	write_numbered("rot.log", 65536);
	assert_int_equal(
	    wcs_input_open(&ctx, tpath("rot.log"), 0, &in), WCS_OK);
	assert_int_equal(truncate(tpath("rot.log"), 100007), 0);
	(void)count_whole_lines(in);
	assert_true(wcs_input_info(in)->shrank);
	assert_int_equal(wcs_input_info(in)->shrank_to, 100007);
	wcs_input_close(in);

	/* Read whole, then grown: no shrinking said. */
	write_numbered("rot.log", 1000);
	assert_int_equal(
	    wcs_input_open(&ctx, tpath("rot.log"), 0, &in), WCS_OK);
	assert_int_equal(count_whole_lines(in), 1000);
	assert_false(wcs_input_info(in)->shrank);
	wcs_input_close(in);

	/* In pieces of 256 KiB, cut to 300000 bytes after splitting: the
	 * second piece stops at the cut, dropping the line it cut; the
	 * third and fourth read nothing; every piece says it shrank. */
	write_numbered("rot.log", 65536);
	assert_int_equal(
	    wcs_input_split(&ctx, tpath("rot.log"), 262144, &pc, &npc), WCS_OK);
	assert_int_equal(npc, 4);
	assert_int_equal(truncate(tpath("rot.log"), 300000), 0);
	assert_int_equal(
	    wcs_input_open_piece(&ctx, tpath("rot.log"), &pc[1], 0, &in),
	    WCS_OK);
	assert_int_equal(count_whole_lines(in), (300000 - 262144) / 16);
	assert_true(wcs_input_info(in)->shrank);
	assert_int_equal(wcs_input_info(in)->shrank_from, 1048576);
	assert_int_equal(wcs_input_info(in)->shrank_to, 300000);
	wcs_input_close(in);
	assert_int_equal(
	    wcs_input_open_piece(&ctx, tpath("rot.log"), &pc[3], 0, &in),
	    WCS_OK);
	assert_int_equal(count_whole_lines(in), 0);
	assert_true(wcs_input_info(in)->shrank);
	wcs_input_close(in);
	/* The file split was replaced (the old one kept, so that its inode
	 * is not reused): its pieces are not read. */
	assert_int_equal(rename(tpath("rot.log"), tpath2("rot.old")), 0);
	write_numbered("rot.log", 65536);
	assert_int_equal(
	    wcs_input_open_piece(&ctx, tpath("rot.log"), &pc[0], 0, &in),
	    WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&ctx), "replaced"));
	wcs_free(&ctx, pc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_crlf_and_last_line),
		cmocka_unit_test(test_gzip_members_and_errors),
		cmocka_unit_test(test_gzip_threaded_same),
		cmocka_unit_test(test_skip_then_lines),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_boms_and_utf16),
		cmocka_unit_test(test_overlong_line_skipped),
		cmocka_unit_test(test_nul_bytes_kept_in_line),
		cmocka_unit_test(test_peek_window_and_mem),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_walk_order_loops_fifos),
		cmocka_unit_test(test_open_file_types),
		cmocka_unit_test(test_open_replaced_after_listing),
		cmocka_unit_test(test_walk_links_and_twice),
		cmocka_unit_test(test_shrink_while_reading),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
