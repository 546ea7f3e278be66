/*
 * The binary .evtx reader: every .evtx of the shared corpus against its
 * XML export (same records, the same events field for field), the file
 * libevtx cannot read, damaged and hostile files built in memory (from a
 * real file's bytes, or from scratch), and bidding.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wcscan/input.h"
#include "wcscan/reader.h"
#include "wcscan/report.h"

#define DATA WCSCAN_SHARED_DIR "/data"
#define SYSTEM_EVTX DATA "/plaso/test_data/evtx/System.evtx"
#define TCHOPPER_EVTX                                  \
	DATA "/evtx-to-mitre-attack/TA0002-Execution/" \
	     "T1569.002-Service execution/"            \
	     "ID7000,7009,7045-Payload deployed via service - Tchopper.evtx"
#define RDP_EVTX                                       \
	DATA "/evtx-to-mitre-attack/TA0007-Discovery/" \
	     "T1046-Network Service Scanning/"         \
	     "ID131-RDP brutforce (no user info).evtx"

#define FILE_HEADER 4096
#define CHUNK 65536

/* What running a reader gave. */
struct run_out {
	struct wcs_input_stats st;
	int rc;
	char *json; /* the events as NDJSON, line and path left out */
	size_t json_len;
	FILE *fp;
};

static int
collect(const struct wcs_event *ev, void *arg)
{
	struct run_out *o = arg;
	struct wcs_event e = *ev;

	/* A line number and a record number are not comparable. */
	e.line = 0;
	e.offset = 0;
	return (wcs_report_event_json(o->fp, &e, "x"));
}

static void
run_input(struct wcs_ctx *ctx, const char *reader, struct wcs_input *in,
    struct run_out *o)
{
	const struct wcs_reader_ops *ops = wcs_reader_find(reader);
	struct wcs_run_opts opts;

	assert_non_null(ops);
	memset(&o->st, 0, sizeof(o->st));
	o->st.first = o->st.last = WCS_TIME_NONE;
	memset(&opts, 0, sizeof(opts));
	opts.since = opts.until = WCS_TIME_NONE;
	o->json = NULL;
	o->fp = open_memstream(&o->json, &o->json_len);
	assert_non_null(o->fp);
	o->rc = wcs_reader_run(ctx, ops, in, &opts, &o->st, collect, o);
	(void)fclose(o->fp);
	assert_true(
	    o->st.records == o->st.events + o->st.ignored + o->st.rejected);
}

static void
run_file(const char *reader, const char *path, struct run_out *o)
{
	struct wcs_input *in;
	struct wcs_ctx ctx;

	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(wcs_input_open(&ctx, path, 0, &in), WCS_OK);
	run_input(&ctx, reader, in, o);
	wcs_input_close(in);
}

static void
run_mem(const void *buf, size_t len, size_t line_max, struct run_out *o)
{
	struct wcs_input *in;
	struct wcs_ctx ctx;

	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(
	    wcs_input_open_mem(&ctx, "mem", buf, len, line_max, &in), WCS_OK);
	run_input(&ctx, "evtx", in, o);
	wcs_input_close(in);
}

static bool
any_reject(const struct run_out *o, const char *what)
{
	unsigned i;

	for (i = 0; i < o->st.nsamples; i++) {
		if (strstr(o->st.samples[i].why, what) != NULL)
			return (true);
	}
	return (false);
}

static void
print_rejects(const struct run_out *o)
{
	unsigned i;

	for (i = 0; i < o->st.nsamples; i++)
		print_message("  record %llu: %s\n",
		    (unsigned long long)o->st.samples[i].line,
		    o->st.samples[i].why);
}

static bool
have_shared(void)
{
	struct stat sb;

	if (stat(DATA, &sb) == 0 && S_ISDIR(sb.st_mode))
		return (true);
	print_message("SKIP: %s is absent\n", DATA);
	return (false);
}

/* A whole file in a malloc'd buffer. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n > 0);
	assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	(void)fclose(fp);
	*len = (size_t)n;
	return (buf);
}

static uint32_t
crc32_bits(const unsigned char *p, size_t len, uint32_t crc)
{
	unsigned k;

	crc = ~crc;
	while (len-- > 0) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0xedb88320U : crc >> 1;
	}
	return (~crc);
}

static uint32_t
get32(const unsigned char *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24);
}

static void
put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void
put32(unsigned char *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void
put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Make a chunk's checksums right again after it was edited. */
static void
fix_chunk(unsigned char *c)
{
	put32(c + 52, crc32_bits(c + 512, get32(c + 48) - 512, 0));
	put32(c + 124, crc32_bits(c + 128, 384, crc32_bits(c, 120, 0)));
}

static void
fix_header(unsigned char *f)
{
	put32(f + 124, crc32_bits(f, 120, 0));
}

/* The checksum the reader checks with (io's wrapper of zlib's crc32). */
static void
test_crc32(void **state)
{
	(void)state;
	/* The check value of CRC-32/ISO-HDLC. */
	assert_int_equal(wcs_crc32(0, "123456789", 9), 0xcbf43926U);
	assert_int_equal(
	    wcs_crc32(wcs_crc32(0, "1234", 4), "56789", 5), 0xcbf43926U);
	assert_int_equal(wcs_crc32(0, NULL, 0), 0);
	assert_int_equal(wcs_crc32(0, "123456789", 9),
	    crc32_bits((const unsigned char *)"123456789", 9, 0));
}

/*
 * (1) The shared corpus: each .evtx against its XML twin.
 */

struct corpus {
	unsigned files, twins;
	uint64_t twin_records, rdp_records, rdp_rejected;
};

static const char *
chosen(const char *path, unsigned mask)
{
	const struct wcs_reader_ops *ops;
	const unsigned char *peek;
	struct wcs_input *in;
	struct wcs_ctx ctx;
	size_t plen;
	int best;

	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(wcs_input_open(&ctx, path, 0, &in), WCS_OK);
	assert_int_equal(wcs_input_peek(in, &peek, &plen), WCS_OK);
	ops = wcs_reader_choose(peek, plen, mask, &best);
	wcs_input_close(in);
	return (ops != NULL ? ops->name : "nothing");
}

/* The first line where a and b differ, for the message. */
static void
first_difference(const struct run_out *a, const struct run_out *b)
{
	const char *p = a->json, *q = b->json;
	unsigned line = 1;

	while (*p != '\0' && *p == *q) {
		if (*p == '\n')
			line++;
		p++;
		q++;
	}
	print_message("  first difference in event %u:\n  evtx %.300s\n"
		      "  xml  %.300s\n",
	    line, p, q);
}

static int
corpus_file(const char *path, void *arg)
{
	struct corpus *c = arg;
	struct run_out a, b;
	struct stat sb;
	const char *rel, *fmt;
	size_t n = strlen(path);
	char twin[2048];

	if (n < 5 || strcmp(path + n - 5, ".evtx") != 0)
		return (WCS_OK);
	c->files++;
	/* "--evtx DIR" bids among the event-log readers only. */
	fmt = chosen(path, WCS_KIND_EVENTLOG | WCS_KIND_SYSMON);
	if (strcmp(fmt, "evtx") != 0)
		fail_msg("%s: chosen as %s", path, fmt);
	run_file("evtx", path, &a);
	assert_int_equal(a.rc, WCS_OK);
	if (strstr(path, "ID131-RDP brutforce") != NULL) {
		c->rdp_records = a.st.records;
		c->rdp_rejected = a.st.rejected;
	}
	rel = path + strlen(DATA);
	(void)snprintf(twin, sizeof(twin), "%s/xml%.*s.xml", DATA,
	    (int)(strlen(rel) - 5), rel);
	if (stat(twin, &sb) != 0) {
		print_message("%s: %llu records, %llu rejected (no twin)\n",
		    rel, (unsigned long long)a.st.records,
		    (unsigned long long)a.st.rejected);
		free(a.json);
		return (WCS_OK);
	}
	fmt = chosen(twin, WCS_KIND_EVENTLOG | WCS_KIND_SYSMON);
	if (strcmp(fmt, "evtx-xml") != 0 && strcmp(fmt, "sysmon-xml") != 0)
		fail_msg("%s: chosen as %s", twin, fmt);
	run_file("evtx-xml", twin, &b);
	assert_int_equal(b.rc, WCS_OK);
	print_message("%s: %llu records (xml %llu), %llu events (xml %llu), "
		      "%llu rejected\n",
	    rel, (unsigned long long)a.st.records,
	    (unsigned long long)b.st.records, (unsigned long long)a.st.events,
	    (unsigned long long)b.st.events, (unsigned long long)a.st.rejected);
	if (a.st.rejected > 0)
		print_rejects(&a);
	assert_int_equal(a.st.records, b.st.records);
	assert_int_equal(a.st.events, b.st.events);
	assert_int_equal(a.st.ignored, b.st.ignored);
	assert_int_equal(a.st.rejected, 0);
	/* Every record ignored is an event ID no detection uses. */
	assert_int_equal(a.st.ignored_by[WCS_IGN_EVENTID], a.st.ignored);
	assert_int_equal(b.st.ignored_by[WCS_IGN_EVENTID], b.st.ignored);
	if (a.json_len != b.json_len || memcmp(a.json, b.json, a.json_len)) {
		first_difference(&a, &b);
		fail_msg("%s: events differ from the XML export's", rel);
	}
	c->twins++;
	c->twin_records += a.st.records;
	free(a.json);
	free(b.json);
	return (WCS_OK);
}

static void
test_shared_twins(void **state)
{
	struct corpus c;
	struct wcs_ctx ctx;

	(void)state;
	if (!have_shared())
		skip();
	memset(&c, 0, sizeof(c));
	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(wcs_walk(&ctx, DATA, corpus_file, NULL, &c), WCS_OK);
	assert_int_equal(c.files, 23);
	assert_int_equal(c.twins, 22);
	assert_int_equal(c.twin_records, 6459);
	/* libevtx gives up on this one (elements outside templates). */
	assert_int_equal(c.rdp_records, 154);
	assert_int_equal(c.rdp_rejected, 0);
}

/*
 * (1b) The same files through evtxexport -f xml as it writes them (its
 * banner line first), recognised by content among every reader and read
 * to the same events as the .evtx itself.  Needs libevtx-utils.
 */

struct live {
	char dir[64];
	unsigned files, same, failed;
	uint64_t records;
};

/* Run evtxexport -f xml path > out; its exit status, or -1. */
static int
evtxexport(const char *path, const char *out)
{
	extern char **environ;
	char *const argv[] = { (char *)"evtxexport", (char *)"-f",
		(char *)"xml", (char *)path, NULL };
	posix_spawn_file_actions_t fa;
	int status;
	pid_t pid;

	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(posix_spawn_file_actions_addopen(
			     &fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600),
	    0);
	assert_int_equal(
	    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0),
	    0);
	if (posix_spawnp(&pid, "evtxexport", &fa, NULL, argv, environ) != 0)
		pid = -1;
	(void)posix_spawn_file_actions_destroy(&fa);
	if (pid == -1 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return (-1);
	return (WEXITSTATUS(status));
}

static int
live_file(const char *path, void *arg)
{
	struct live *l = arg;
	struct run_out a, b;
	const char *fmt;
	size_t n = strlen(path);
	char out[128];

	if (n < 5 || strcmp(path + n - 5, ".evtx") != 0)
		return (WCS_OK);
	l->files++;
	(void)snprintf(out, sizeof(out), "%s/%u.xml", l->dir, l->files);
	if (evtxexport(path, out) != 0) {
		/* libevtx gives up on one file (see SOURCES.md). */
		print_message("%s: evtxexport fails\n", path + strlen(DATA));
		l->failed++;
		return (WCS_OK);
	}
	fmt = chosen(out, WCS_KIND_ANY);
	if (strcmp(fmt, "evtx-xml") != 0 && strcmp(fmt, "sysmon-xml") != 0)
		fail_msg("evtxexport of %s: chosen as %s", path, fmt);
	run_file("evtx", path, &a);
	run_file(fmt, out, &b);
	assert_int_equal(a.rc, WCS_OK);
	assert_int_equal(b.rc, WCS_OK);
	assert_int_equal(a.st.records, b.st.records);
	assert_int_equal(a.st.events, b.st.events);
	assert_int_equal(a.st.ignored, b.st.ignored);
	assert_int_equal(b.st.rejected, 0);
	if (a.json_len != b.json_len || memcmp(a.json, b.json, a.json_len)) {
		first_difference(&a, &b);
		fail_msg("%s: events differ from evtxexport's", path);
	}
	l->same++;
	l->records += b.st.records;
	(void)unlink(out);
	free(a.json);
	free(b.json);
	return (WCS_OK);
}

static void
test_evtxexport_live(void **state)
{
	struct live l;
	struct wcs_ctx ctx;
	char probe[96];
	int rc;

	(void)state;
	if (!have_shared())
		skip();
	memset(&l, 0, sizeof(l));
	(void)snprintf(l.dir, sizeof(l.dir), "/tmp/wcscan-evtxexport.XXXXXX");
	assert_non_null(mkdtemp(l.dir));
	(void)snprintf(probe, sizeof(probe), "%s/probe", l.dir);
	rc = evtxexport("/nonexistent.evtx", probe);
	(void)unlink(probe);
	if (rc == -1 || rc == 127) {
		(void)rmdir(l.dir);
		print_message("SKIP: evtxexport (libevtx-utils) is absent\n");
		skip();
	}
	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(wcs_walk(&ctx, DATA, live_file, NULL, &l), WCS_OK);
	(void)rmdir(l.dir);
	print_message("evtxexport: %u of %u files read to the same %llu "
		      "records\n",
	    l.same, l.files, (unsigned long long)l.records);
	assert_int_equal(l.files, 23);
	assert_int_equal(l.failed, 1);
	assert_int_equal(l.same, 22);
	assert_int_equal(l.records, 6459);
}

/* Read from a window smaller than a chunk: the same result. */
static void
test_small_window(void **state)
{
	struct run_out a, b;
	unsigned char *f;
	size_t len;

	(void)state;
	if (!have_shared())
		skip();
	f = slurp(TCHOPPER_EVTX, &len);
	run_mem(f, len, 0, &a);
	run_mem(f, len, 4096, &b);
	assert_int_equal(a.rc, WCS_OK);
	assert_int_equal(b.rc, WCS_OK);
	assert_int_equal(a.st.records, 733);
	assert_int_equal(a.st.events, 244);
	assert_int_equal(b.st.records, a.st.records);
	assert_int_equal(b.st.events, a.st.events);
	assert_true(a.json_len == b.json_len &&
		    memcmp(a.json, b.json, a.json_len) == 0);
	free(a.json);
	free(b.json);
	free(f);
}

/*
 * (2) Damage done to a real file (CC0: the Tchopper log, 8 chunks of
 * 97, 96, 96, 96, 96, 96, 96 and 60 records).
 */

static unsigned char *
tchopper(size_t *len, struct run_out *clean)
{
	unsigned char *f = slurp(TCHOPPER_EVTX, len);

	run_mem(f, *len, 0, clean);
	assert_int_equal(clean->st.records, 733);
	assert_int_equal(clean->st.rejected, 0);
	free(clean->json);
	return (f);
}

static void
test_flipped_byte(void **state)
{
	struct run_out clean, o;
	unsigned char *f;
	size_t len;

	(void)state;
	if (!have_shared())
		skip();
	f = tchopper(&len, &clean);
	/*
	 * In chunk 1's records (a character of a value): the chunk is
	 * read record by record, every record with it; one note.
	 */
	f[FILE_HEADER + CHUNK + 5000] ^= 0x20;
	run_mem(f, len, 0, &o);
	assert_int_equal(o.rc, WCS_OK);
	assert_int_equal(o.st.records, 733 + 1);
	assert_int_equal(o.st.rejected, 1);
	assert_true(any_reject(&o, "chunk 1 (offset 69632): event records "
				   "checksum mismatch, its records read one "
				   "by one"));
	assert_int_equal(o.st.samples[0].line, 98);
	free(o.json);
	f[FILE_HEADER + CHUNK + 5000] ^= 0x20;

	/* In chunk 2's header (its string table): the same. */
	f[FILE_HEADER + 2 * CHUNK + 300] ^= 0x01;
	run_mem(f, len, 0, &o);
	assert_int_equal(o.st.records, 733 + 1);
	assert_int_equal(o.st.rejected, 1);
	assert_true(any_reject(&o, "chunk 2 (offset 135168): header "
				   "checksum mismatch, its records read"));
	free(o.json);
	f[FILE_HEADER + 2 * CHUNK + 300] ^= 0x01;

	/* Its signature: the same. */
	f[FILE_HEADER + 2 * CHUNK] = 'X';
	run_mem(f, len, 0, &o);
	assert_int_equal(o.st.rejected, 1);
	assert_true(any_reject(&o, "no chunk signature"));
	free(o.json);
	f[FILE_HEADER + 2 * CHUNK] = 'E';

	/* The file header: reported, every chunk still read. */
	f[50] ^= 0xff;
	run_mem(f, len, 0, &o);
	assert_int_equal(o.st.records, 734);
	assert_int_equal(o.st.rejected, 1);
	assert_true(any_reject(&o, "file header checksum mismatch"));
	free(o.json);
	free(f);
}

/* The chunk offset of chunk c's k-th record (0-based). */
static uint32_t
nth_record(const unsigned char *c, unsigned k)
{
	uint32_t pos = 512;

	for (; k > 0; k--) {
		assert_memory_equal(c + pos, "**\0\0", 4);
		pos += get32(c + pos + 4);
	}
	assert_memory_equal(c + pos, "**\0\0", 4);
	return (pos);
}

/*
 * Dirty chunks (copied from a live system): a checksum that does not
 * match costs one note, not the chunk; a damaged record costs itself.
 */
static void
test_dirty_chunks(void **state)
{
	struct run_out clean, o;
	unsigned char *f, *c1, *c2, save[4];
	uint32_t at, size;
	size_t len;

	(void)state;
	if (!have_shared())
		skip();
	f = tchopper(&len, &clean);
	run_mem(f, len, 0, &clean);
	c1 = f + FILE_HEADER + CHUNK;
	c2 = f + FILE_HEADER + 2 * CHUNK;

	/* The records checksum field (the header's made right): every
	 * event as before, one note. */
	c1[52] ^= 0x01;
	put32(c1 + 124, crc32_bits(c1 + 128, 384, crc32_bits(c1, 120, 0)));
	run_mem(f, len, 0, &o);
	assert_int_equal(o.rc, WCS_OK);
	assert_int_equal(o.st.records, 733 + 1);
	assert_int_equal(o.st.events, clean.st.events);
	assert_int_equal(o.st.rejected, 1);
	assert_true(any_reject(&o, "chunk 1 (offset 69632): event records "
				   "checksum mismatch"));
	assert_true(o.json_len == clean.json_len &&
		    memcmp(o.json, clean.json, o.json_len) == 0);
	free(o.json);

	/* And chunk 2's header checksum: two notes. */
	c2[124] ^= 0x80;
	run_mem(f, len, 0, &o);
	assert_int_equal(o.st.records, 733 + 2);
	assert_int_equal(o.st.events, clean.st.events);
	assert_int_equal(o.st.rejected, 2);
	assert_true(any_reject(&o, "chunk 2 (offset 135168): header "
				   "checksum mismatch"));
	assert_true(o.json_len == clean.json_len &&
		    memcmp(o.json, clean.json, o.json_len) == 0);
	free(o.json);
	c2[124] ^= 0x80;

	/*
	 * A header whose free space offset is gone: all of the chunk is
	 * searched.  Past the last record this one holds old bytes, not
	 * zeros: one more entry says so.
	 */
	memcpy(save, c2 + 48, 4);
	put32(c2 + 48, 0xffffffffU);
	run_mem(f, len, 0, &o);
	assert_int_equal(o.st.records, 733 + 3);
	assert_int_equal(o.st.rejected, 3);
	assert_true(any_reject(&o, "chunk 2 (offset 135168): no whole "
				   "record at chunk offset 65160, rest of "
				   "the chunk skipped"));
	assert_true(o.json_len == clean.json_len &&
		    memcmp(o.json, clean.json, o.json_len) == 0);
	free(o.json);
	memcpy(c2 + 48, save, 4);

	/* Record 3's signature: it alone is lost, the rest read on. */
	at = nth_record(c1, 3);
	size = get32(c1 + at + 4);
	c1[at] = 'X';
	run_mem(f, len, 0, &o);
	assert_int_equal(o.st.records, 733 - 1 + 2);
	assert_int_equal(o.st.rejected, 2);
	assert_int_equal(
	    o.st.events + o.st.ignored, clean.st.events + clean.st.ignored - 1);
	assert_true(any_reject(&o, "no whole record at chunk offset"));
	assert_true(any_reject(&o, "read on at"));
	free(o.json);
	c1[at] = '*';

	/* Its size: the same (not "the rest of the chunk skipped"). */
	put32(c1 + at + 4, 0x10000);
	run_mem(f, len, 0, &o);
	assert_int_equal(o.st.records, 733 - 1 + 2);
	assert_int_equal(o.st.rejected, 2);
	assert_false(any_reject(&o, "rest of the chunk skipped"));
	free(o.json);
	put32(c1 + at + 4, size);

	/* Its size copy. */
	put32(c1 + at + size - 4, size + 8);
	run_mem(f, len, 0, &o);
	assert_int_equal(o.st.records, 733 - 1 + 2);
	assert_int_equal(o.st.rejected, 2);
	free(o.json);
	put32(c1 + at + size - 4, size);

	/* Its Binary XML: rejected as such, whole as it is. */
	c1[at + 24] = 0xff;
	run_mem(f, len, 0, &o);
	assert_int_equal(o.st.records, 733 + 1);
	assert_int_equal(o.st.rejected, 2);
	assert_true(any_reject(&o, "bad Binary XML"));
	free(o.json);

	free(clean.json);
	free(f);
}

static void
test_truncated(void **state)
{
	struct run_out o;
	struct wcs_input *in;
	struct wcs_ctx ctx;
	unsigned char *f;
	size_t len;

	(void)state;
	if (!have_shared())
		skip();
	f = tchopper(&len, &o);
	/* In the middle of chunk 2: chunks 0 and 1 read. */
	run_mem(f, FILE_HEADER + 2 * CHUNK + 20000, 0, &o);
	assert_int_equal(o.rc, WCS_OK);
	assert_int_equal(o.st.records, 97 + 96 + 2);
	assert_int_equal(o.st.rejected, 2);
	assert_true(any_reject(&o, "chunk 2 (offset 135168): truncated"));
	assert_true(any_reject(&o, "file ends after 3 of the 8 chunks"));
	/* ... and the run says the file is cut off (a note). */
	assert_int_equal(o.st.log_state, WCS_LOG_CUT);
	free(o.json);

	/* Whole, it says nothing of the kind. */
	run_mem(f, len, 0, &o);
	assert_int_equal(o.st.log_state, 0);
	free(o.json);

	/* Right after the file header. */
	run_mem(f, FILE_HEADER, 0, &o);
	assert_int_equal(o.st.records, 1);
	assert_true(any_reject(&o, "file ends after 0 of the 8 chunks"));
	assert_int_equal(o.st.log_state, WCS_LOG_CUT);
	free(o.json);

	/* Inside it: the input cannot be read. */
	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(
	    wcs_input_open_mem(&ctx, "mem", f, 100, 0, &in), WCS_OK);
	run_input(&ctx, "evtx", in, &o);
	assert_int_equal(o.rc, WCS_FAILED);
	assert_non_null(
	    strstr(o.st.error != NULL ? o.st.error : wcs_error_string(&ctx),
		"truncated"));
	wcs_input_close(in);
	free(o.json);
	free(f);
}

static void
test_header_claims(void **state)
{
	struct run_out o;
	unsigned char *f;
	size_t len;

	(void)state;
	if (!have_shared())
		skip();
	f = tchopper(&len, &o);
	/* 65535 chunks (the field's most) and a last chunk of 10^6. */
	put16(f + 42, 0xffff);
	put64(f + 16, 1000000);
	fix_header(f);
	run_mem(f, len, 0, &o);
	assert_int_equal(o.rc, WCS_OK);
	/* The 9 empty slots it names are reported, and the shortfall. */
	assert_int_equal(o.st.records, 733 + 9 + 1);
	assert_int_equal(o.st.events, 244);
	assert_int_equal(o.st.rejected, 10);
	assert_true(any_reject(&o, "chunk 8 (offset 528384): no chunk "
				   "signature, skipped"));
	/* The tenth ("file ends after 17 of the 65535 chunks") is not
	 * among the samples kept. */
	free(o.json);

	/* Dirty, and a count that is stale: every chunk is still read. */
	put16(f + 42, 2);
	put32(f + 120, 0x1);
	fix_header(f);
	run_mem(f, len, 0, &o);
	assert_int_equal(o.st.records, 733);
	assert_int_equal(o.st.events, 244);
	assert_int_equal(o.st.rejected, 0);
	free(o.json);
	free(f);
}

/*
 * The first record of chunk k: *tpl is the chunk offset of its template
 * instance token (the record is "fragment header, template instance").
 */
static unsigned char *
first_record(unsigned char *f, unsigned k, uint32_t *tpl)
{
	unsigned char *c = f + FILE_HEADER + (size_t)k * CHUNK;

	assert_memory_equal(c + 512, "**\0\0", 4);
	assert_int_equal(c[512 + 24], 0x0f);
	assert_int_equal(c[512 + 28], 0x0c);
	*tpl = 512 + 28;
	return (c);
}

static void
test_hostile_templates(void **state)
{
	struct run_out o;
	unsigned char *f, *c, save[64];
	uint32_t tpl, def, size, vals;
	size_t len;

	(void)state;
	if (!have_shared())
		skip();
	f = tchopper(&len, &o);
	c = first_record(f, 0, &tpl);
	def = get32(c + tpl + 6);
	assert_int_equal(def, tpl + 10); /* inline, the chunk's first */
	size = get32(c + def + 20);
	vals = def + 24 + size;
	memcpy(save, c + def + 24, sizeof(save));

	/* The template's body is an instance of itself. */
	c[def + 24] = 0x0c;
	c[def + 25] = 0x01;
	put32(c + def + 26, 0);
	put32(c + def + 30, def);
	put32(c + def + 34, 0); /* no values */
	fix_chunk(c);
	run_mem(f, len, 0, &o);
	assert_int_equal(o.rc, WCS_OK);
	assert_int_equal(o.st.records, 733);
	assert_true(o.st.rejected >= 1);
	assert_true(any_reject(&o, "chunk 0 record "));
	assert_true(any_reject(&o, "templates nested too deep"));
	free(o.json);

	/* Its definition offset points at the instance itself. */
	memcpy(c + def + 24, save, sizeof(save));
	put32(c + tpl + 6, tpl);
	fix_chunk(c);
	run_mem(f, len, 0, &o);
	assert_int_equal(o.st.records, 733);
	assert_true(o.st.rejected >= 1);
	assert_true(any_reject(&o, "chunk 0 record "));
	free(o.json);
	put32(c + tpl + 6, def);

	/* Outside the chunk. */
	put32(c + tpl + 6, 0xfffffff0U);
	fix_chunk(c);
	run_mem(f, len, 0, &o);
	assert_true(any_reject(&o, "template offset outside the chunk"));
	free(o.json);
	put32(c + tpl + 6, def);

	/* A definition whose size runs past the chunk. */
	put32(c + def + 20, 0x7fffffff);
	fix_chunk(c);
	run_mem(f, len, 0, &o);
	assert_true(any_reject(&o, "template runs past the chunk"));
	free(o.json);
	put32(c + def + 20, size);

	/* 2^32 - 1 substitution values. */
	put32(c + vals, 0xffffffffU);
	fix_chunk(c);
	run_mem(f, len, 0, &o);
	assert_int_equal(o.st.records, 733);
	assert_int_equal(o.st.rejected, 1);
	assert_true(any_reject(&o, "too many substitution values"));
	free(o.json);

	/* Values whose sizes add up past the record. */
	put32(c + vals, 2);
	put16(c + vals + 4, 0xffff);
	put16(c + vals + 8, 0xffff);
	fix_chunk(c);
	run_mem(f, len, 0, &o);
	assert_int_equal(o.st.rejected, 1);
	assert_true(any_reject(&o, "substitution values overflow"));
	free(o.json);

	/* A substitution token past the instance's values. */
	put32(c + vals, 1);
	put16(c + vals + 4, 2);
	fix_chunk(c);
	run_mem(f, len, 0, &o);
	assert_int_equal(o.st.rejected, 1);
	assert_true(any_reject(&o, "substitution without a value"));
	free(o.json);

	/* A record size that runs past the chunk. */
	free(f);
	f = tchopper(&len, &o);
	c = f + FILE_HEADER;
	put32(c + 512 + 4, 0x10000);
	fix_chunk(c);
	run_mem(f, len, 0, &o);
	assert_int_equal(o.st.records, 733 - 97 + 1);
	assert_true(any_reject(&o, "no record at chunk offset 512"));
	free(o.json);
	free(f);
}

/*
 * Files built from scratch: a header, one chunk, records whose Binary XML
 * is written here without templates (as the RDP log has it).
 */

struct bxw {
	unsigned char *c; /* the chunk */
	uint32_t pos;
};

static void
w_bytes(struct bxw *w, const void *p, size_t n)
{
	assert_true(w->pos + n <= CHUNK);
	memcpy(w->c + w->pos, p, n);
	w->pos += (uint32_t)n;
}

static void
w_u8(struct bxw *w, unsigned v)
{
	unsigned char b = (unsigned char)v;

	w_bytes(w, &b, 1);
}

static void
w_u16(struct bxw *w, unsigned v)
{
	unsigned char b[2];

	put16(b, v);
	w_bytes(w, b, 2);
}

static void
w_u32(struct bxw *w, uint32_t v)
{
	unsigned char b[4];

	put32(b, v);
	w_bytes(w, b, 4);
}

static void
w_utf16(struct bxw *w, const char *s)
{
	for (; *s != '\0'; s++)
		w_u16(w, (unsigned char)*s);
}

/* A name stored inline: its offset points right past itself. */
static void
w_name(struct bxw *w, const char *name)
{
	w_u32(w, w->pos + 4);
	w_u32(w, 0);
	w_u16(w, 0);
	w_u16(w, (unsigned)strlen(name));
	w_utf16(w, name);
	w_u16(w, 0);
}

static void
w_open(struct bxw *w, const char *name, bool attrs)
{
	w_u8(w, attrs ? 0x41 : 0x01);
	w_u32(w, 0); /* data size, not relied upon */
	w_name(w, name);
	if (attrs)
		w_u32(w, 0);
}

static void
w_text(struct bxw *w, const char *s)
{
	w_u8(w, 0x05);
	w_u8(w, 0x01);
	w_u16(w, (unsigned)strlen(s));
	w_utf16(w, s);
}

static void
w_attr(struct bxw *w, const char *name, const char *value)
{
	w_u8(w, 0x06);
	w_name(w, name);
	w_text(w, value);
}

/* <name attr="value">text</name> */
static void
w_leaf(struct bxw *w, const char *name, const char *attr, const char *value,
    const char *text)
{
	w_open(w, name, attr != NULL);
	if (attr != NULL)
		w_attr(w, attr, value);
	if (text == NULL) {
		w_u8(w, 0x03);
		return;
	}
	w_u8(w, 0x02);
	w_text(w, text);
	w_u8(w, 0x04);
}

/* Start a record; returns its offset for w_record_end. */
static uint32_t
w_record(struct bxw *w, uint64_t id)
{
	uint32_t at = w->pos;

	w_bytes(w, "**\0\0", 4);
	w_u32(w, 0);
	w_u32(w, (uint32_t)id);
	w_u32(w, 0);
	w_u32(w, 0xd3cd8000U); /* a FILETIME, unused */
	w_u32(w, 0x01d2cafeU);
	w_bytes(w, "\x0f\x01\x01\x00", 4);
	return (at);
}

static void
w_record_end(struct bxw *w, uint32_t at)
{
	w_u8(w, 0x00);
	put32(w->c + at + 4, w->pos + 4 - at);
	w_u32(w, w->pos + 4 - at);
}

/* A 7045 written without templates. */
static void
w_service(struct bxw *w, uint64_t id, const char *name)
{
	uint32_t at = w_record(w, id);

	w_open(w, "Event", false);
	w_u8(w, 0x02);
	w_open(w, "System", false);
	w_u8(w, 0x02);
	w_leaf(w, "Provider", "Name", "Service Control Manager", NULL);
	w_leaf(w, "EventID", NULL, NULL, "7045");
	w_leaf(w, "TimeCreated", "SystemTime", "2017-05-12T07:44:31.1234567Z",
	    NULL);
	w_leaf(w, "Computer", NULL, NULL, "WS-1");
	w_u8(w, 0x04);
	w_open(w, "EventData", false);
	w_u8(w, 0x02);
	w_leaf(w, "Data", "Name", "ServiceName", name);
	w_leaf(w, "Data", "Name", "ImagePath", "C:\\WINDOWS\\mssecsvc.exe");
	w_u8(w, 0x04);
	w_u8(w, 0x04);
	w_record_end(w, at);
}

/* A file of one chunk, its records area [512, end) already written. */
static unsigned char *
w_file(unsigned char *chunk, uint32_t end, uint64_t nrec, size_t *len)
{
	unsigned char *f = calloc(1, FILE_HEADER + CHUNK);

	assert_non_null(f);
	memcpy(f, "ElfFile", 8);
	put64(f + 16, 0);
	put64(f + 24, nrec + 1);
	put32(f + 32, 128);
	put16(f + 36, 1);
	put16(f + 38, 3);
	put16(f + 40, 4096);
	put16(f + 42, 1);
	fix_header(f);
	memcpy(chunk, "ElfChnk", 8);
	put64(chunk + 8, 1);
	put64(chunk + 16, nrec);
	put64(chunk + 24, 1);
	put64(chunk + 32, nrec);
	put32(chunk + 40, 128);
	put32(chunk + 48, end);
	fix_chunk(chunk);
	memcpy(f + FILE_HEADER, chunk, CHUNK);
	*len = FILE_HEADER + CHUNK;
	return (f);
}

static void
test_built_file(void **state)
{
	unsigned char *chunk = calloc(1, CHUNK), *f;
	struct bxw w = { chunk, 512 };
	struct run_out o;
	size_t len;

	(void)state;
	assert_non_null(chunk);
	w_service(&w, 1, "mssecsvc2.0");
	w_service(&w, 2, "x&amp;");
	f = w_file(chunk, w.pos, 2, &len);
	run_mem(f, len, 0, &o);
	assert_int_equal(o.rc, WCS_OK);
	assert_int_equal(o.st.records, 2);
	assert_int_equal(o.st.events, 2);
	assert_non_null(strstr(o.json, "\"name\":\"mssecsvc2.0\""));
	assert_non_null(
	    strstr(o.json, "\"image\":\"C:\\\\WINDOWS\\\\mssecsvc.exe\""));
	assert_non_null(strstr(o.json, "\"timestamp\":\"2017-05-12T07:44:31."
				       "123456Z\""));
	free(o.json);
	free(f);
	free(chunk);
}

/*
 * What the file header's flags say reaches every record (the run makes
 * it a note), and a lone UTF-16 surrogate or a control character in a
 * value read is repaired (U+FFFD) and counted, as in event XML.
 */
static void
test_log_state_and_repairs(void **state)
{
	static const struct {
		uint32_t flags;
		unsigned want;
	} cases[] = { { 0, 0 }, { 1, WCS_LOG_DIRTY }, { 2, WCS_LOG_WRAPPED },
		{ 3, WCS_LOG_DIRTY | WCS_LOG_WRAPPED } };
	unsigned char *chunk = calloc(1, CHUNK), *f, *q;
	struct bxw w = { chunk, 512 };
	struct run_out o;
	size_t len, i;

	(void)state;
	assert_non_null(chunk);
	w_service(&w, 1, "mssecsvc2.0");
	/* A control character too, as XML would not have it. */
	w_service(&w, 2, "ev\x01ilZsvc");
	/* Z becomes a high surrogate with no low one after it. */
	for (q = chunk + 512; q < chunk + w.pos; q++) {
		if (memcmp(q, "Z\0s\0v\0c\0", 8) == 0)
			break;
	}
	assert_true(q < chunk + w.pos);
	put16(q, 0xd800);
	f = w_file(chunk, w.pos, 2, &len);
	for (i = 0; i < WCS_NELEM(cases); i++) {
		put32(f + 120, cases[i].flags);
		fix_header(f);
		run_mem(f, len, 0, &o);
		assert_int_equal(o.rc, WCS_OK);
		assert_int_equal(o.st.events, 2);
		assert_int_equal(o.st.rejected, 0);
		assert_int_equal(o.st.log_state, cases[i].want);
		assert_int_equal(o.st.repaired, 2);
		assert_int_equal(o.st.repaired_records, 1);
		assert_non_null(strstr(
		    o.json, "\"name\":\"ev\xef\xbf\xbdil\xef\xbf\xbdsvc\""));
		free(o.json);
	}
	free(f);
	free(chunk);
}

/*
 * A 7045 with 200 Data elements: 128 are kept, the other 72 are counted,
 * in a note after the event; the mapping's fields are among those kept.
 */
static void
test_many_data(void **state)
{
	unsigned char *chunk = calloc(1, CHUNK), *f;
	struct bxw w = { chunk, 512 };
	struct run_out o;
	char name[16];
	const char *p;
	uint32_t at;
	unsigned i;
	size_t len;

	(void)state;
	assert_non_null(chunk);
	at = w_record(&w, 1);
	w_open(&w, "Event", false);
	w_u8(&w, 0x02);
	w_open(&w, "System", false);
	w_u8(&w, 0x02);
	w_leaf(&w, "Provider", "Name", "Service Control Manager", NULL);
	w_leaf(&w, "EventID", NULL, NULL, "7045");
	w_leaf(&w, "TimeCreated", "SystemTime", "2017-05-12T07:44:31Z", NULL);
	w_u8(&w, 0x04);
	w_open(&w, "EventData", false);
	w_u8(&w, 0x02);
	w_leaf(&w, "Data", "Name", "ServiceName", "mssecsvc2.0");
	for (i = 1; i < 199; i++) {
		(void)snprintf(name, sizeof(name), "F%u", i);
		w_leaf(&w, "Data", "Name", name, "x");
	}
	/* The 200th: one the mapping reads, kept in place of junk. */
	w_leaf(&w, "Data", "Name", "ImagePath", "C:\\WINDOWS\\mssecsvc.exe");
	w_u8(&w, 0x04);
	w_u8(&w, 0x04);
	w_record_end(&w, at);
	w_service(&w, 2, "after");
	f = w_file(chunk, w.pos, 2, &len);
	run_mem(f, len, 0, &o);
	assert_int_equal(o.rc, WCS_OK);
	assert_int_equal(o.st.records, 2 + 1);
	assert_int_equal(o.st.events, 2);
	assert_int_equal(o.st.rejected, 1);
	assert_true(any_reject(&o, "chunk 0 record 1: 72 Data elements past "
				   "the first 128 not read"));
	assert_non_null(strstr(o.json, "\"name\":\"mssecsvc2.0\""));
	/* The image path in the first event (the first line) too. */
	p = strstr(o.json, "mssecsvc.exe");
	assert_non_null(p);
	assert_true(p < strchr(o.json, '\n'));
	free(o.json);
	free(f);
	free(chunk);
}

static void
test_deep_nesting(void **state)
{
	unsigned char *chunk = calloc(1, CHUNK), *f;
	struct bxw w = { chunk, 512 };
	struct run_out o;
	uint32_t at, name;
	unsigned i;
	size_t len;

	(void)state;
	assert_non_null(chunk);
	/* About as deep as a chunk holds: 5000 elements, one name. */
	at = w_record(&w, 1);
	name = w.pos + 9; /* where "Event"'s name will be stored */
	w_open(&w, "Event", false);
	w_u8(&w, 0x02);
	for (i = 0; i < 5000; i++) {
		w_u8(&w, 0x01);
		w_u32(&w, 0);
		w_u32(&w, name);
		w_u8(&w, 0x02);
	}
	for (i = 0; i <= 5000; i++)
		w_u8(&w, 0x04);
	w_record_end(&w, at);
	w_service(&w, 2, "after");
	f = w_file(chunk, w.pos, 2, &len);
	run_mem(f, len, 0, &o);
	assert_int_equal(o.rc, WCS_OK);
	assert_int_equal(o.st.records, 2);
	assert_int_equal(o.st.events, 1);
	assert_int_equal(o.st.rejected, 1);
	assert_true(any_reject(&o, "chunk 0 record 1: bad Binary XML"));
	assert_true(any_reject(&o, "nested too deep"));
	free(o.json);
	free(f);
	free(chunk);
}

/*
 * A record cut short at every few bytes (its size fields saying so):
 * one record each time, read or rejected, never a crash.
 */
static void
test_cut_records(void **state)
{
	unsigned char *good = calloc(1, CHUNK), *chunk = calloc(1, CHUNK);
	unsigned char *f;
	struct bxw w = { good, 512 };
	struct run_out o;
	uint32_t end, cut;
	uint64_t rejected = 0;
	size_t len;

	(void)state;
	assert_non_null(good);
	assert_non_null(chunk);
	w_service(&w, 1, "x");
	end = w.pos;
	for (cut = 512 + 28; cut < end; cut += 3) {
		memcpy(chunk, good, CHUNK);
		put32(chunk + 512 + 4, cut - 512);
		put32(chunk + cut - 4, cut - 512);
		f = w_file(chunk, cut, 1, &len);
		run_mem(f, len, 0, &o);
		assert_int_equal(o.rc, WCS_OK);
		assert_int_equal(o.st.records, 1);
		rejected += o.st.rejected;
		free(o.json);
		free(f);
	}
	assert_true(rejected > 0);
	free(chunk);
	free(good);
}

/*
 * (3) Bidding.
 */

static void
test_bid(void **state)
{
	static const char *const other[] = {
		("<Event xmlns='http://schemas.microsoft.com/win/2004/08/"
		 "events/event'><System><Provider Name='x'/>"),
		"<?xml version=\"1.0\"?><Events><Event><System>",
		"#Version: 1.5\n#Software: Microsoft Windows Firewall\n",
		"May 12 07:44:31 fw kernel: IN=eth0 OUT= SRC=10.0.0.1\n",
		"ElfFile", /* too short to tell */
		"ElfChnk\0",
		"",
	};
	const struct wcs_reader_ops *evtx = wcs_reader_find("evtx"), *ops;
	unsigned char hdr[128];
	size_t i;
	int best;

	(void)state;
	assert_non_null(evtx);
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, "ElfFile", 8);
	put32(hdr + 32, 128);
	put16(hdr + 38, 3);
	ops = wcs_reader_choose(hdr, sizeof(hdr), WCS_KIND_ANY, &best);
	assert_non_null(ops);
	assert_string_equal(ops->name, "evtx");
	assert_int_equal(best, 112);
	ops = wcs_reader_choose(hdr, sizeof(hdr), WCS_KIND_EVENTLOG, &best);
	assert_non_null(ops);
	assert_string_equal(ops->name, "evtx");
	/* The signature alone still wins. */
	assert_int_equal(evtx->bid(hdr, 8, 0), 64);
	assert_int_equal(evtx->bid(hdr, sizeof(hdr), 1000), -1);
	for (i = 0; i < WCS_NELEM(other); i++) {
		if (evtx->bid((const unsigned char *)other[i],
			strlen(other[i]) + (i == 5), 0) != 0)
			fail_msg("other[%zu] was claimed", i);
	}
}

/* Not an .evtx at all: the input fails, with the reason. */
static void
test_not_evtx(void **state)
{
	const char *text = "<Event><System></System></Event>\n";
	struct run_out o;
	struct wcs_input *in;
	struct wcs_ctx ctx;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(
	    wcs_input_open_mem(&ctx, "mem", text, strlen(text), 0, &in),
	    WCS_OK);
	run_input(&ctx, "evtx", in, &o);
	assert_int_equal(o.rc, WCS_FAILED);
	assert_int_equal(o.st.records, 0);
	assert_non_null(strstr(wcs_error_string(&ctx), "ElfFile"));
	wcs_input_close(in);
	free(o.json);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_shared_twins),
		cmocka_unit_test(test_evtxexport_live),
		cmocka_unit_test(test_small_window),
		cmocka_unit_test(test_flipped_byte),
		cmocka_unit_test(test_dirty_chunks),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_header_claims),
		cmocka_unit_test(test_hostile_templates),
		cmocka_unit_test(test_built_file),
		cmocka_unit_test(test_log_state_and_repairs),
		cmocka_unit_test(test_many_data),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_cut_records),
		cmocka_unit_test(test_bid),
		cmocka_unit_test(test_not_evtx),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
