/*
 * The report writers: golden files for the four formats, the timeline and
 * the graph over one synthetic result full of hostile strings, and the
 * escapers' promises (JSON is valid UTF-8 without raw controls, CSV cells
 * never start a formula, terminal text carries no control characters,
 * HTML has no element or attribute that a log string made).
 *
 * Run with WCSCAN_UPDATE_GOLDEN=1 to rewrite testdata/report/expected.*
 * after checking the differences by hand.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wcscan/report.h"
#include "wcscan/timeutil.h"
#include "report/report_private.h"

/* Log bytes a compromised machine could write. */
static const char *const hostile[] = {
	"=cmd|' /C calc'!A0",
	"@SUM(1)",
	"-2+3",
	"+1",
	"\tTAB-FIRST",
	"\rCR-FIRST",
	"red \x1b[31mALERT\x1b[0m",
	"line one\r\nline two",
	"bad \xff\xfe bytes",
	"overlong \xc0\xaf slash",
	"lone \xed\xa0\x80 surrogate",
	"right-to-left \xe2\x80\xae"
	"exe.txt",
	"C1 CSI \xc2\x9b"
	"2J",
	"DEL \x7f and BEL \x07",
	"quote \" and backslash \\",
	"line sep \xe2\x80\xa8 end",
	"truncated \xe2\x82",
};

static int64_t
T(int h, int mi, int s)
{
	int64_t t;

	assert_true(wcs_time_from_civil(2017, 5, 12, h, mi, s, 0, &t));
	return (t);
}

static struct wcs_addr
A(const char *s) {
	struct wcs_addr a;

	assert_true(wcs_addr_parse(s, strlen(s), &a));
	return (a);
}

static struct wcs_evidence
EV(const char *rule, int64_t t, const char *source, const char *detail,
    enum wcs_ioc_class cls) {
	struct wcs_evidence e;

	memset(&e, 0, sizeof(e));
	e.rule = rule;
	e.ts_us = t;
	e.source = source;
	e.detail = detail;
	e.cls = cls;
	return (e);
}

static struct wcs_fanout_summary
FANOUT(uint64_t distinct, uint64_t same_subnet, uint64_t public_,
    uint64_t other_internal, uint64_t denied, int64_t first, int64_t last) {
	struct wcs_fanout_summary s;

	memset(&s, 0, sizeof(s));
	s.distinct = distinct;
	s.same_subnet = same_subnet;
	s.public_ = public_;
	s.other_internal = other_internal;
	s.denied = denied;
	s.attempts = distinct * 3;
	s.first = first;
	s.last = last;
	return (s);
}

/* The fixture: five hosts, one edge, three inputs. */
struct fixture {
	struct wcs_input_stats inputs[3];
	struct wcs_host hosts[5];
	struct wcs_evidence ev0[2], ev1[2], ev2[1], ev3[1];
	struct wcs_edge edges[1];
	struct wcs_fanout_source top[2];
	struct wcs_result result;
	struct wcs_report rep;
	char error[64];
};

static const char *names0[] = { "WS-PZ0", "ws-pz0.corp.example" };
static const char *names1[] = { "=cmd|' /C calc'!A0",
	"WS\x1b[31mRED\xe2\x80\xae"
	"exe" };
static const char *names2[] = { "@SUM(1)" };
static const char *names3[] = { "-2+3", "SCCM01" };
static const char *names4[] = { "\tFILESRV" };
static const char *reasons0[] = {
	"kill-switch lookup got NXDOMAIN, then mssecsvc2.0 was installed",
	"swept 254 addresses of 10.0.0.0/24 on 445/tcp",
};
static const char *reasons1[] = {
	"tasksche.exe started 42 s after 10.0.0.5 reached it on 445/tcp",
	"lone \xed\xa0\x80 surrogate in a reason",
};
static const char *reasons2[] = {
	"kill-switch name resolved \r\n(sinkhole): the worm exited",
};
static const char *reasons3[] = {
	"445/tcp fan-out every night at 02:00 since before the outbreak",
};
static const char *reasons4[] = { "SMB1/tcp sessions in the SMB log" };
static const char *sources0[] = { "fw.log:120", "sysmon.xml:record 40" };

static void
fixture_init(struct fixture *f)
{
	struct wcs_input_stats *in;
	struct wcs_host *h;

	memset(f, 0, sizeof(*f));

	in = &f->inputs[0];
	in->path = "logs/pfirewall.log";
	in->kind = "firewall";
	in->format = "pfirewall";
	in->records = 1000;
	in->events = 990;
	in->ignored = 4;
	in->rejected = 6;
	in->first = T(7, 0, 0);
	in->last = T(18, 30, 5);
	in->bytes = 123456;
	in->tz_assumed = true;
	in->nsamples = 2;
	in->samples[0].line = 17;
	(void)snprintf(in->samples[0].why, WCS_REJECT_WHY,
	    "bad field count near \"\x1b[2J\xff\"");
	in->samples[1].line = 99;
	/* A sample filled to the brim, without its NUL. */
	memset(in->samples[1].why, 'x', WCS_REJECT_WHY);

	in = &f->inputs[1];
	in->path = "logs/dns\xc0\xaf.log.gz";
	in->kind = "dns";
	in->format = "windns";
	in->records = 50;
	in->events = 50;
	in->first = T(7, 44, 10) + 250000;
	in->last = T(15, 10, 0);
	in->bytes = 4096;
	in->gzip = true;
	in->utf16 = true;
	in->year_guessed = true;

	in = &f->inputs[2];
	(void)snprintf(
	    f->error, sizeof(f->error), "cannot open: Permission denied");
	in->path = "logs/unreadable.log";
	in->first = in->last = WCS_TIME_NONE;
	in->error = f->error;

	f->ev0[0] = EV("killswitch-dns", T(7, 44, 10), "logs/dns.log.gz:12",
	    "iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com NXDOMAIN",
	    WCS_CLASS_LOOKUP);
	f->ev0[1] = EV("mssecsvc-service", T(7, 44, 12), "sec.xml:record 7",
	    "C:\\WINDOWS\\mssecsvc.exe -m security", WCS_CLASS_PERSISTENCE);
	f->ev1[0] = EV("tasksche-process", T(7, 46, 2), "sysmon.xml:record 40",
	    "cmd.exe /c \"C:\\x\\tasksche.exe\" /i\r\n\xff\xfe",
	    WCS_CLASS_STARTUP);
	f->ev1[1] = EV("=HYPERLINK(\"x\")", T(7, 46, 3), "sysmon.xml:record 41",
	    "red \x1b[31mALERT\x1b[0m \xc2\x9b", WCS_CLASS_ENCRYPTION);
	f->ev2[0] = EV("killswitch-dns", T(15, 10, 0), "logs/dns.log.gz:40",
	    "@SUM(1) answered 144.217.254.3", WCS_CLASS_LOOKUP);
	f->ev3[0] = EV("fanout", WCS_TIME_NONE, "logs/pfirewall.log:300",
	    "-2+3 \tTAB", WCS_CLASS_SPREADING);

	h = &f->hosts[0];
	h->rank = 1;
	h->ip = A("10.0.0.5");
	h->names = names0;
	h->nnames = 2;
	h->verdict = WCS_VERDICT_INFECTED;
	h->score = 9.505;
	h->first_evidence = T(7, 44, 10);
	h->fanout = FANOUT(254, 217, 37, 0, 12, T(7, 44, 30), T(9, 0, 0));
	h->smb1 = true;
	h->evidence = f->ev0;
	h->nevidence = 2;
	h->evidence_total = 5;
	h->reasons = reasons0;
	h->nreasons = 2;

	h = &f->hosts[1];
	h->rank = 2;
	h->ip = A("10.0.0.23");
	h->names = names1;
	h->nnames = 2;
	h->verdict = WCS_VERDICT_INFECTED;
	h->score = 7.0;
	h->first_evidence = T(7, 46, 2) + 123456;
	h->infected_by = "10.0.0.5";
	h->fanout.first = h->fanout.last = WCS_TIME_NONE;
	h->smb1 = true;
	h->evidence = f->ev1;
	h->nevidence = 2;
	h->evidence_total = 2;
	h->reasons = reasons1;
	h->nreasons = 2;

	h = &f->hosts[2];
	h->ip = A("10.0.1.7");
	h->names = names2;
	h->nnames = 1;
	h->verdict = WCS_VERDICT_NEUTRALIZED;
	h->score = 2.0 / 3.0;
	h->first_evidence = T(15, 10, 0);
	h->fanout.first = h->fanout.last = WCS_TIME_NONE;
	h->evidence = f->ev2;
	h->nevidence = 1;
	h->evidence_total = 1;
	h->reasons = reasons2;
	h->nreasons = 1;

	h = &f->hosts[3];
	h->ip = A("fd00::2");
	h->names = names3;
	h->nnames = 2;
	h->verdict = WCS_VERDICT_SCANNER;
	h->score = 1.0;
	h->first_evidence = WCS_TIME_NONE;
	h->fanout = FANOUT(600, 500, 0, 100, 0, T(2, 0, 0), T(2, 15, 0));
	h->evidence = f->ev3;
	h->nevidence = 1;
	h->evidence_total = 1;
	h->reasons = reasons3;
	h->nreasons = 1;

	h = &f->hosts[4];
	h->names = names4;
	h->nnames = 1;
	h->verdict = WCS_VERDICT_EXPOSED;
	h->score = 0.0;
	h->first_evidence = WCS_TIME_NONE;
	h->fanout.first = h->fanout.last = WCS_TIME_NONE;
	h->smb1 = true;
	h->reasons = reasons4;
	h->nreasons = 1;

	f->edges[0].from = "10.0.0.5";
	f->edges[0].to = "10.0.0.23";
	f->edges[0].ts_us = T(7, 45, 20);
	f->edges[0].sources = sources0;
	f->edges[0].nsources = 2;

	/*
	 * The busiest 445/tcp sources: patient zero, and a clean host whose
	 * burst to 7 hosts stayed under the fan-out threshold.
	 */
	f->top[0].ip = A("10.0.0.5");
	f->top[0].sum = f->hosts[0].fanout;
	f->top[0].peak = 180;
	f->top[0].window_us = 60 * WCS_USEC;
	f->top[0].burst_start = T(7, 44, 40);
	f->top[1].ip = A("10.0.2.9");
	f->top[1].sum = FANOUT(7, 7, 0, 0, 0, T(9, 0, 0), T(9, 0, 0) + 140000);
	f->top[1].peak = 7;
	f->top[1].window_us = 60 * WCS_USEC;
	f->top[1].burst_start = WCS_TIME_NONE;

	f->result.hosts = f->hosts;
	f->result.nhosts = 5;
	f->result.fanout_top = f->top;
	f->result.nfanout_top = 2;
	f->result.edges = f->edges;
	f->result.nedges = 1;
	f->rep.inputs = f->inputs;
	f->rep.ninputs = 3;
	f->rep.result = &f->result;
}

/* Render one format into memory; the caller frees. */
static char *
render(const struct wcs_report *rep, enum wcs_report_format fmt, size_t *len)
{
	struct wcs_ctx ctx;
	/* On the heap: at -O2 GCC takes the stream's hold on a local
	 * pointer, once inlined, for a dangling use (-Wdangling-pointer). */
	char **buf = calloc(1, sizeof(*buf));
	char *got;
	FILE *out;

	assert_non_null(buf);
	wcs_ctx_init(&ctx, NULL);
	out = open_memstream(buf, len);
	assert_non_null(out);
	assert_int_equal(wcs_report_write(&ctx, out, fmt, rep), WCS_OK);
	assert_int_equal(fclose(out), 0);
	got = *buf;
	free(buf);
	return (got);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (fp == NULL)
		return (NULL);
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)n, fp);
		buf[*len] = '\0';
	}
	(void)fclose(fp);
	return (buf);
}

static void
golden(const char *got, size_t got_len, const char *name)
{
	char path[1024];
	size_t exp_len = 0;
	char *exp;
	FILE *fp;

	(void)snprintf(
	    path, sizeof(path), "%s/report/%s", WCSCAN_TESTDATA_DIR, name);
	if (getenv("WCSCAN_UPDATE_GOLDEN") != NULL) {
		fp = fopen(path, "wb");
		assert_non_null(fp);
		assert_int_equal(fwrite(got, 1, got_len, fp), got_len);
		assert_int_equal(fclose(fp), 0);
		return;
	}
	if ((exp = slurp(path, &exp_len)) == NULL)
		fail_msg("%s: missing (run with WCSCAN_UPDATE_GOLDEN=1)", path);
	if (exp_len != got_len || memcmp(exp, got, got_len) != 0) {
		fprintf(
		    stderr, "--- expected %s\n%s\n+++ got\n%s", path, exp, got);
		fail_msg("%s differs from its golden file", name);
	}
	free(exp);
}

/* Every byte is part of a strict UTF-8 sequence. */
static void
assert_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n;
	uint32_t cp;

	for (i = 0; i < len; i += n) {
		n = wcs_utf8_next(p + i, len - i, &cp);
		if (n == 0)
			fail_msg("invalid UTF-8 at byte %zu: 0x%02x", i, p[i]);
	}
}

/*
 * What a terminal may be sent: \n and printable code points only; no C0
 * but newline, no DEL, no C1, no bidi controls or line separators.
 */
static void
assert_terminal_safe(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n;
	uint32_t cp;

	assert_utf8(s, len);
	for (i = 0; i < len; i += n) {
		n = wcs_utf8_next(p + i, len - i, &cp);
		if ((cp < 0x20 && cp != '\n') || (cp >= 0x7f && cp < 0xa0) ||
		    cp == 0x2028 || cp == 0x2029 ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			fail_msg("unsafe U+%04X at byte %zu", (unsigned)cp, i);
	}
}

static void
test_report_json_golden(void **state)
{
	struct fixture f;
	size_t len;
	char *got;

	(void)state;
	fixture_init(&f);
	got = render(&f.rep, WCS_REPORT_JSON, &len);
	assert_utf8(got, len);
	golden(got, len, "expected.json");
	free(got);
}

/* The infection graph: golden, and no log byte can break the DOT file. */
static void
test_report_dot_golden(void **state)
{
	struct fixture f;
	struct wcs_ctx ctx;
	char *buf = NULL;
	size_t len, i;
	FILE *out;

	(void)state;
	fixture_init(&f);
	wcs_ctx_init(&ctx, NULL);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(wcs_report_graph_dot(&ctx, out, f.rep.result), WCS_OK);
	assert_int_equal(fclose(out), 0);
	assert_non_null(strstr(buf, "digraph wcscan {"));
	assert_non_null(strstr(buf, "{ rank=source;"));
	for (i = 0; i < len; i++) {
		/* Only printable ASCII, tabs and line ends. */
		if (buf[i] != '\n' && buf[i] != '\t' &&
		    ((unsigned char)buf[i] < 0x20 ||
			(unsigned char)buf[i] >= 0x7f))
			fail_msg(
			    "byte 0x%02x at %zu", (unsigned char)buf[i], i);
	}
	golden(buf, len, "expected.dot");
	free(buf);
}

static void
test_report_csv_golden(void **state)
{
	struct fixture f;
	size_t len;
	char *got;

	(void)state;
	fixture_init(&f);
	got = render(&f.rep, WCS_REPORT_CSV, &len);
	assert_utf8(got, len);
	/* Header first, CRLF line ends. */
	assert_true(strncmp(got, "rank,ip,names,verdict,score,", 28) == 0);
	assert_true(len >= 2 && got[len - 2] == '\r' && got[len - 1] == '\n');
	golden(got, len, "expected.csv");
	free(got);
}

static void
test_report_text_golden(void **state)
{
	struct fixture f;
	size_t len;
	char *got;

	(void)state;
	fixture_init(&f);
	got = render(&f.rep, WCS_REPORT_TEXT, &len);
	assert_terminal_safe(got, len);
	assert_non_null(strstr(got, "Patient-zero candidates"));
	assert_null(strstr(got, "No WannaCry activity found"));
	golden(got, len, "expected.txt");
	free(got);
}

/*
 * The text report fits the width it is given: a reason is wrapped at
 * spaces, whole, onto continuation lines no longer than the page; a host
 * label loses whole names only; counts read as English.
 */
/* s without its spaces, in place. */
static char *
squeeze(char *s)
{
	char *p, *q;

	for (p = q = s; *p != '\0'; p++)
		if (*p != ' ')
			*q++ = *p;
	*q = '\0';
	return (s);
}

/*
 * The text report fits the width it is given: a reason is wrapped at
 * spaces (or hard, inside a word longer than the line) onto continuation
 * lines no longer than the page, and nothing of it is lost; a host label
 * loses whole names only; counts read as English.
 */
static void
test_report_text_width(void **state)
{
	static const char *long_reason[] = {
		"first WannaCry activity in its own logs "
		"2017-05-12T14:26:04.088611Z: wannacry.process.mssecsvc "
		"(testdata/sample/evtx/WS-FIN-07/Security.xml.gz:1), and a "
		"word-that-is-longer-than-any-line-of-the-page-so-it-must-be-"
		"broken-hard-somewhere-in-the-middle-of-it-without-losing-"
		"anything-at-all",
	};
	static const char *many_names[] = { "WS-FIN-05",
		"WS-FIN-05.corp.example", "ANOTHER-NAME-FOR-IT" };
	static const unsigned widths[] = { 60, 80, 100, 200 };
	char want[512], *got, *line, *next, *why, *joined;
	struct fixture f;
	size_t len, i, n, lw, nlines;
	bool in_why;

	(void)state;
	(void)snprintf(want, sizeof(want), "%s", long_reason[0]);
	squeeze(want);
	for (i = 0; i < WCS_NELEM(widths); i++) {
		fixture_init(&f);
		f.hosts[0].reasons = long_reason;
		f.hosts[0].names = many_names;
		f.hosts[0].nnames = 3;
		f.inputs[1].records = 1;
		f.inputs[1].events = 1;
		f.rep.width = widths[i];
		got = render(&f.rep, WCS_REPORT_TEXT, &len);
		assert_terminal_safe(got, len);
		assert_non_null(strstr(got, ": 1 record: 1 event, 0 ignored"));
		assert_null(strstr(got, " 1 records"));
		if (widths[i] <= 80)
			assert_non_null(strstr(got, "10.0.0.5 (WS-FIN-05"));
		else if (widths[i] == 200)
			assert_non_null(strstr(got,
			    "10.0.0.5 (WS-FIN-05, WS-FIN-05.corp.example, "
			    "ANOTHER-NAME-FOR-IT)  infected"));
		/* No name cut in the middle. */
		assert_null(strstr(got, "WS-FIN-05.c\xe2\x80\xa6"));
		assert_null(strstr(got, "ANOTHER\xe2\x80\xa6"));

		joined = calloc(1, len + 1);
		assert_non_null(joined);
		in_why = false;
		nlines = 0;
		for (line = got; *line != '\0'; line = next) {
			next = strchr(line, '\n');
			assert_non_null(next);
			*next++ = '\0';
			why = strstr(line, "why: first WannaCry");
			if (why != NULL)
				strcat(joined, why + 5);
			else if (in_why &&
				 strncmp(line, "           ", 11) == 0)
				strcat(joined, line + 11);
			else {
				in_why = false;
				continue;
			}
			in_why = true;
			nlines++;
			for (n = lw = 0; line[n] != '\0'; n++)
				lw += ((unsigned char)line[n] & 0xc0) != 0x80;
			if (lw > widths[i])
				fail_msg("width %u: %zu columns: %s", widths[i],
				    lw, line);
		}
		assert_string_equal(squeeze(joined), want);
		assert_true(nlines >= (widths[i] < 200 ? 3 : 2));
		free(joined);
		free(got);
	}
}

/* The same input gives the same bytes, whatever the locale says. */
static void
test_report_deterministic(void **state)
{
	struct fixture f;
	enum wcs_report_format fmt;
	size_t l1, l2;
	char *a, *b;

	(void)state;
	fixture_init(&f);
	for (fmt = WCS_REPORT_TEXT; fmt <= WCS_REPORT_HTML; fmt++) {
		a = render(&f.rep, fmt, &l1);
		b = render(&f.rep, fmt, &l2);
		assert_int_equal(l1, l2);
		assert_memory_equal(a, b, l1);
		free(a);
		free(b);
	}
}

static void
test_report_no_hosts(void **state)
{
	struct fixture f;
	struct wcs_result empty;
	size_t len;
	char *got;

	(void)state;
	fixture_init(&f);
	memset(&empty, 0, sizeof(empty));
	f.rep.result = &empty;
	f.rep.tz_name = "Europe/Berlin";

	got = render(&f.rep, WCS_REPORT_TEXT, &len);
	assert_terminal_safe(got, len);
	assert_non_null(strstr(got, "No WannaCry activity found"));
	assert_non_null(strstr(got, "logs/pfirewall.log:17: "));
	assert_non_null(strstr(got, "could not be read: cannot open"));
	assert_non_null(strstr(got, "Europe/Berlin"));
	free(got);

	got = render(&f.rep, WCS_REPORT_JSON, &len);
	assert_non_null(
	    strstr(got, "\"hosts\": [],\n  \"edges\": [],\n  \"clocks\": [],\n"
			"  \"fanout_top_445\": []\n}\n"));
	free(got);

	got = render(&f.rep, WCS_REPORT_CSV, &len);
	assert_int_equal(len, strchr(got, '\n') - got + 1);
	free(got);

	f.rep.result = NULL;
	f.rep.ninputs = 0;
	got = render(&f.rep, WCS_REPORT_JSON, &len);
	assert_string_equal(got, "{\n  \"wcscan\": \"" WCSCAN_VERSION
				 "\",\n  \"inputs\": [],\n  \"hosts\": [],\n"
				 "  \"edges\": [],\n  \"clocks\": [],\n"
				 "  \"fanout_top_445\": []\n}\n");
	free(got);
}

/*
 * A sweep keeps the parts that follow from the conclusion: written again
 * from the kept copy, without the result, with another sweep's news and
 * another note on an input, the report is the one the result would give.
 */
static void
test_report_kept_parts(void **state)
{
	struct wcs_sweep_news news, later;
	struct wcs_report_kept kept;
	struct fixture f;
	struct wcs_ctx ctx;
	enum wcs_report_format fmt;
	size_t l1, l2, l3, l4;
	char *a, *b, *c, *d;
	unsigned char was;
	FILE *out;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	memset(&news, 0, sizeof(news));
	news.appended = 2;
	news.appended_bytes = 4096;
	later = news;
	later.appended = later.appended_bytes = 0;
	later.unchanged = 3;
	for (fmt = WCS_REPORT_TEXT; fmt <= WCS_REPORT_HTML; fmt++) {
		if (!wcs_report_keepable(fmt)) {
			assert_int_equal(fmt, WCS_REPORT_HTML);
			continue;
		}
		fixture_init(&f);
		f.rep.news = &news;
		memset(&kept, 0, sizeof(kept));
		a = render(&f.rep, fmt, &l1);
		f.rep.keep = &kept;
		b = render(&f.rep, fmt, &l2);
		/* Keeping changes nothing written. */
		assert_int_equal(l1, l2);
		assert_memory_equal(a, b, l1);
		assert_int_equal(kept.nparts, wcs_report_parts(fmt));
		assert_int_equal(kept.end[kept.nparts - 1], kept.len);
		/* What a state holds is checked before it is written: the
		 * format's parts, and bytes its writer could write. */
		assert_true(wcs_report_kept_plausible(fmt, &kept));
		assert_false(wcs_report_kept_plausible(
		    fmt == WCS_REPORT_TEXT ? WCS_REPORT_JSON : WCS_REPORT_TEXT,
		    &kept));
		was = kept.own[kept.len / 2];
		kept.own[kept.len / 2] = 0x1b; /* ESC */
		assert_false(wcs_report_kept_plausible(fmt, &kept));
		kept.own[kept.len / 2] = 0xff; /* no UTF-8 */
		assert_false(wcs_report_kept_plausible(fmt, &kept));
		kept.own[kept.len / 2] = was;
		assert_true(wcs_report_kept_plausible(fmt, &kept));
		assert_true(kept.len > 0 && kept.len <= l1);

		/* The next sweep: other news, an input read otherwise. */
		f.rep.keep = NULL;
		f.rep.news = &later;
		f.inputs[0].records = 5;
		c = render(&f.rep, fmt, &l3);
		f.rep.reuse = &kept;
		f.rep.result = NULL;
		d = render(&f.rep, fmt, &l4);
		assert_int_equal(l3, l4);
		assert_memory_equal(c, d, l3);
		/* CSV says nothing of inputs nor news. */
		if (fmt != WCS_REPORT_CSV)
			assert_true(l1 != l3 || memcmp(a, c, l1) != 0);

		/* A kept copy short of a part is refused, not half written. */
		kept.nparts--;
		out = tmpfile();
		assert_non_null(out);
		assert_int_equal(
		    wcs_report_write(&ctx, out, fmt, &f.rep), WCS_FAILED);
		assert_non_null(strstr(wcs_error_string(&ctx), "no part"));
		(void)fclose(out);
		wcs_report_kept_clear(&ctx, &kept);
		assert_null(kept.bytes);
		free(a);
		free(b);
		free(c);
		free(d);
	}
}

/* A stream that fails: WCS_FAILED and errno in the context. */
static void
test_report_write_error(void **state)
{
	struct fixture f;
	struct wcs_ctx ctx;
	enum wcs_report_format fmt;
	FILE *out;

	(void)state;
	fixture_init(&f);
	for (fmt = WCS_REPORT_TEXT; fmt <= WCS_REPORT_HTML; fmt++) {
		wcs_ctx_init(&ctx, NULL);
		out = fopen("/dev/null", "r");
		assert_non_null(out);
		assert_int_equal(
		    wcs_report_write(&ctx, out, fmt, &f.rep), WCS_FAILED);
		assert_int_not_equal(ctx.errnum, 0);
		assert_non_null(strstr(wcs_error_string(&ctx), "report"));
		(void)fclose(out);
	}
	wcs_ctx_init(&ctx, NULL);
	out = fopen("/dev/null", "w");
	assert_non_null(out);
	assert_int_equal(
	    wcs_report_write(&ctx, out, (enum wcs_report_format)9, &f.rep),
	    WCS_FAILED);
	(void)fclose(out);
}

static void *
fail_malloc(size_t len, void *ud)
{
	(void)len;
	(void)ud;
	return (NULL);
}

static void *
fail_realloc(void *p, size_t len, void *ud)
{
	(void)p;
	(void)len;
	(void)ud;
	return (NULL);
}

static void
plain_free(void *p, void *ud)
{
	(void)ud;
	free(p);
}

/* CSV joins lists in a buffer: without memory it fails, loudly. */
static void
test_report_csv_enomem(void **state)
{
	static const struct wcs_alloc failing = { fail_malloc, fail_realloc,
		plain_free, NULL };
	struct fixture f;
	struct wcs_ctx ctx;
	char *buf = NULL;
	size_t len;
	FILE *out;

	(void)state;
	fixture_init(&f);
	wcs_ctx_init(&ctx, &failing);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(
	    wcs_report_write(&ctx, out, WCS_REPORT_CSV, &f.rep), WCS_FATAL);
	assert_int_equal(ctx.errnum, ENOMEM);
	(void)fclose(out);
	free(buf);
}

/* Allocations that fail once *ud of them have been made. */
static void *
left_malloc(size_t len, void *ud)
{
	long *left = ud;

	return ((*left)-- > 0 ? malloc(len) : NULL);
}

static void *
left_realloc(void *p, size_t len, void *ud)
{
	long *left = ud;

	return ((*left)-- > 0 ? realloc(p, len) : NULL);
}

/*
 * The kept copy is laid down once at its hint's size when the hint is
 * enough, grown when it is not, and holds the same bytes either way;
 * with each allocation failing in turn, the report fails with ENOMEM and
 * the part is not kept, or succeeds and the copy is whole.
 */
static void
test_report_kept_hint(void **state)
{
	long left;
	struct wcs_alloc failing = { left_malloc, left_realloc, plain_free,
		&left };
	struct wcs_ctx plain;
	struct wcs_report_kept base, kept;
	struct fixture f;
	struct wcs_ctx ctx;
	enum wcs_report_format fmt;
	size_t hints[5], i, len;
	char *buf;
	FILE *out;
	long n;
	int rc;

	(void)state;
	wcs_ctx_init(&plain, NULL);
	for (fmt = WCS_REPORT_TEXT; fmt <= WCS_REPORT_JSON; fmt++) {
		fixture_init(&f);
		memset(&base, 0, sizeof(base));
		f.rep.keep = &base;
		free(render(&f.rep, fmt, &len));
		assert_true(base.len > 0);
		hints[0] = 1;
		hints[1] = base.len / 3;
		hints[2] = base.len;
		hints[3] = base.len * 4;
		hints[4] = 0;
		for (i = 0; i < 5; i++) {
			memset(&kept, 0, sizeof(kept));
			kept.hint = hints[i];
			f.rep.keep = &kept;
			free(render(&f.rep, fmt, &len));
			assert_int_equal(kept.len, base.len);
			assert_memory_equal(kept.bytes, base.bytes, base.len);
			assert_memory_equal(
			    kept.end, base.end, sizeof(base.end));
			if (hints[i] >= base.len)
				assert_int_equal(kept.cap, hints[i]);
			else
				assert_true(kept.cap >= base.len);
			wcs_report_kept_clear(&plain, &kept);
		}
		for (n = 0;; n++) {
			left = n;
			wcs_ctx_init(&ctx, &failing);
			memset(&kept, 0, sizeof(kept));
			kept.hint = 64; /* grown, one allocation at a time */
			f.rep.keep = &kept;
			buf = NULL;
			assert_non_null(out = open_memstream(&buf, &len));
			rc = wcs_report_write(&ctx, out, fmt, &f.rep);
			(void)fclose(out);
			free(buf);
			if (rc == WCS_OK) {
				assert_int_equal(kept.len, base.len);
				assert_memory_equal(
				    kept.bytes, base.bytes, base.len);
				wcs_report_kept_clear(&ctx, &kept);
				break;
			}
			assert_int_equal(rc, WCS_FATAL);
			assert_int_equal(ctx.errnum, ENOMEM);
			assert_true(kept.nparts < base.nparts);
			assert_int_equal(kept.len,
			    kept.nparts == 0 ? 0 : kept.end[kept.nparts - 1]);
			wcs_report_kept_clear(&ctx, &kept);
			assert_true(n < 1000);
		}
		wcs_report_kept_clear(&plain, &base);
	}
}

static char *
escape_one(void (*fn)(FILE *, const char *), const char *s, size_t *len)
{
	char *buf = NULL;
	FILE *out;

	out = open_memstream(&buf, len);
	assert_non_null(out);
	fn(out, s);
	assert_int_equal(fclose(out), 0);
	return (buf);
}

static void
text_unlimited(FILE *out, const char *s)
{
	wcs_text_safe(out, s, 0);
}

static void
test_escape_json(void **state)
{
	size_t i, j, len;
	char *got;

	(void)state;
	for (i = 0; i < WCS_NELEM(hostile); i++) {
		got = escape_one(wcs_json_string, hostile[i], &len);
		assert_utf8(got, len);
		assert_true(len >= 2 && got[0] == '"' && got[len - 1] == '"');
		for (j = 0; j < len; j++) {
			if ((unsigned char)got[j] < 0x20 ||
			    (unsigned char)got[j] == 0x7f)
				fail_msg("raw control byte in %s", got);
		}
		/* No unescaped quote inside. */
		for (j = 1; j + 1 < len; j++) {
			if (got[j] == '"' && got[j - 1] != '\\')
				fail_msg("bare quote in %s", got);
		}
		free(got);
	}
	got = escape_one(wcs_json_string, "a\xff\xc0\xaf\xed\xa0\x80z", &len);
	assert_string_equal(got, "\"a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
				 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz\"");
	free(got);
	got =
	    escape_one(wcs_json_string, "\x1b[1m\r\n\t\"\\\x7f\xc2\x9b", &len);
	assert_string_equal(got, "\"\\u001b[1m\\r\\n\\t\\\"\\\\\\u007f"
				 "\\u009b\"");
	free(got);
	got = escape_one(
	    wcs_json_string, "\xe2\x80\xae\xe2\x80\xa8 \xc3\xa9", &len);
	assert_string_equal(got, "\"\\u202e\\u2028 \xc3\xa9\"");
	free(got);
}

static void
test_escape_csv(void **state)
{
	static const char *const formulas[] = { "=cmd|' /C calc'!A0", "@SUM(1)",
		"-2+3", "+1", "\tTAB-FIRST", "\rCR-FIRST" };
	size_t i, len;
	char *got;

	(void)state;
	for (i = 0; i < WCS_NELEM(formulas); i++) {
		got = escape_one(wcs_csv_cell, formulas[i], &len);
		if (strncmp(got, "\"'", 2) != 0)
			fail_msg("formula cell not neutralised: %s", got);
		assert_int_equal(got[len - 1], '"');
		free(got);
	}
	for (i = 0; i < WCS_NELEM(hostile); i++) {
		got = escape_one(wcs_csv_cell, hostile[i], &len);
		assert_utf8(got, len);
		free(got);
	}
	got = escape_one(wcs_csv_cell, "plain", &len);
	assert_string_equal(got, "plain");
	free(got);
	got = escape_one(wcs_csv_cell, "a,\"b\"\r\nc", &len);
	assert_string_equal(got, "\"a,\"\"b\"\"\r\nc\"");
	free(got);
	got = escape_one(wcs_csv_cell, "", &len);
	assert_string_equal(got, "");
	free(got);
	/* Plain runs go out whole: what stops a run is still escaped. */
	got = escape_one(wcs_csv_cell,
	    "ab\x01"
	    "c\xff"
	    "d\"e\xc3\xa9"
	    "f\x7f",
	    &len);
	assert_string_equal(got, "\"ab c\xef\xbf\xbd"
				 "d\"\"e\xc3\xa9"
				 "f\x7f\"");
	free(got);
}

static void
test_escape_text(void **state)
{
	size_t i, w, len;
	char *got;
	FILE *out;
	char *buf = NULL;

	(void)state;
	for (i = 0; i < WCS_NELEM(hostile); i++) {
		got = escape_one(text_unlimited, hostile[i], &len);
		assert_terminal_safe(got, len);
		assert_null(memchr(got, '\n', len));
		free(got);
	}
	got = escape_one(text_unlimited, "\x1b[31m\xe2\x80\xae\xff", &len);
	assert_string_equal(got, "\\x1b[31m\\u202e\\xff");
	free(got);

	/* Width limits hold even when an escape would cross them. */
	for (i = 0; i < WCS_NELEM(hostile); i++) {
		for (w = 1; w < 30; w++) {
			out = open_memstream(&buf, &len);
			assert_non_null(out);
			wcs_text_safe(out, hostile[i], w);
			assert_int_equal(fclose(out), 0);
			assert_terminal_safe(buf, len);
			assert_true(wcs_text_width(hostile[i], w) <= w);
			assert_int_equal(wcs_text_width(buf, 0),
			    wcs_text_width(hostile[i], w));
			free(buf);
			buf = NULL;
		}
	}
	got = escape_one(text_unlimited, "abcdef", &len);
	assert_string_equal(got, "abcdef");
	free(got);
	out = open_memstream(&buf, &len);
	wcs_text_safe(out, "abcdef", 6);
	wcs_text_safe(out, "|", 0);
	wcs_text_safe(out, "abcdefg", 6);
	(void)fclose(out);
	assert_string_equal(buf, "abcdef|abcde\xe2\x80\xa6");
	free(buf);
}

static void
test_report_score(void **state)
{
	char buf[WCS_SCORE_STRLEN];

	(void)state;
	assert_string_equal(wcs_report_score(0.0, buf, sizeof(buf)), "0.00");
	assert_string_equal(wcs_report_score(9.505, buf, sizeof(buf)), "9.51");
	assert_string_equal(
	    wcs_report_score(2.0 / 3.0, buf, sizeof(buf)), "0.67");
	assert_string_equal(wcs_report_score(-1.25, buf, sizeof(buf)), "-1.25");
	assert_string_equal(wcs_report_score(-0.001, buf, sizeof(buf)), "0.00");
	assert_string_equal(
	    wcs_report_score(100.0, buf, sizeof(buf)), "100.00");
	assert_string_equal(
	    wcs_report_score(0.0 / 0.0, buf, sizeof(buf)), "0.00");
}

/*
 * Every element in an HTML report is one the writer means to write, and
 * no attribute is an event handler: a log string that became markup
 * would show up here.  Returns the number of <g class="node ..."> seen.
 */
static size_t
assert_html_inert(const char *s)
{
	static const char *const allowed[] = { "!DOCTYPE", "html", "head",
		"meta", "title", "style", "body", "header", "h1", "h2", "h3",
		"p", "section", "table", "tr", "th", "td", "span", "a", "ul",
		"li", "br", "strong", "div", "svg", "defs", "marker", "path",
		"g", "line", "circle", "text", "polyline" };
	const char *p, *q;
	size_t i, n, nodes = 0;
	bool ok;
	char quote;

	for (p = strchr(s, '<'); p != NULL; p = strchr(p, '<')) {
		p++;
		if (*p == '/')
			p++;
		for (q = p; *q != '\0' && strchr(" >/\n", *q) == NULL; q++)
			;
		n = (size_t)(q - p);
		for (i = 0, ok = false; i < WCS_NELEM(allowed) && !ok; i++)
			ok = strlen(allowed[i]) == n &&
			     strncmp(allowed[i], p, n) == 0;
		if (!ok)
			fail_msg("element <%.*s> in the HTML", (int)n, p);
		if (strncmp(p, "g class=\"node ", 14) == 0)
			nodes++;
		/* Attribute names up to the end of the tag. */
		for (quote = 0; *q != '\0' && (quote != 0 || *q != '>'); q++) {
			if (quote != 0) {
				if (*q == quote)
					quote = 0;
			} else if (*q == '"' || *q == '\'') {
				quote = *q;
			} else if (q[-1] == ' ' &&
				   (q[0] == 'o' || q[0] == 'O') &&
				   (q[1] == 'n' || q[1] == 'N')) {
				fail_msg(
				    "event handler attribute near %.40s", q);
			}
		}
		p = q;
	}
	return (nodes);
}

static void
test_report_html_golden(void **state)
{
	struct fixture f;
	size_t len;
	char *got;

	(void)state;
	fixture_init(&f);
	got = render(&f.rep, WCS_REPORT_HTML, &len);
	assert_utf8(got, len);
	assert_non_null(
	    strstr(got, "<meta http-equiv=\"Content-Security-Policy\" "
			"content=\"default-src 'none';"));
	assert_null(strstr(got, "<script"));
	/* The two infected hosts and the neutralized one are drawn. */
	assert_int_equal(assert_html_inert(got), 3);
	assert_non_null(strstr(got, "data-edges=\"1\""));
	assert_non_null(strstr(got, "class=\"edge\" data-from=\"10.0.0.5\" "
				    "data-to=\"10.0.0.23\""));
	/* Every reason in full, the rejects with file:line. */
	assert_non_null(strstr(got, "swept 254 addresses of 10.0.0.0/24"));
	assert_non_null(strstr(got, "logs/pfirewall.log:17: "));
	assert_non_null(strstr(got, "class=\"sinkhole\""));
	/* The burst below the threshold, from a host no one flagged. */
	assert_non_null(
	    strstr(got, "<td class=\"mono\">10.0.2.9</td><td>clean"));
	golden(got, len, "expected.html");
	free(got);
}

/* A Computer name that is markup renders as text. */
static void
test_report_html_hostile(void **state)
{
	static const char *evil[] = { "<img src=x onerror=alert(1)>",
		"\"><script>alert(2)</script>" };
	static const char *evil_reason[] = {
		"</title><svg onload=alert(3)>&amp;",
	};
	struct fixture f;
	size_t len;
	char *got;

	(void)state;
	fixture_init(&f);
	f.hosts[1].names = evil;
	f.hosts[1].nnames = 2;
	f.hosts[1].reasons = evil_reason;
	f.hosts[1].nreasons = 1;
	f.hosts[4].names = evil;
	f.hosts[4].nnames = 1;
	f.edges[0].to = evil[0];
	got = render(&f.rep, WCS_REPORT_HTML, &len);
	assert_html_inert(got);
	assert_null(strstr(got, "<img"));
	assert_null(strstr(got, "<script"));
	assert_null(strstr(got, "<svg onload"));
	assert_non_null(strstr(got, "&lt;img src=x onerror=alert(1)&gt;"));
	assert_non_null(strstr(got, "&lt;/title&gt;&lt;svg onload=alert(3)&gt;"
				    "&amp;amp;"));
	assert_non_null(strstr(got, "&quot;&gt;&lt;script&gt;"));
	free(got);
}

/* Past WCS_SVG_HOSTS_MAX infected hosts the drawing has a row per /24. */
static void
test_report_svg_grouped(void **state)
{
	enum { N = WCS_SVG_HOSTS_MAX + 100 };
	static struct wcs_host hosts[N];
	static struct wcs_edge edges[N];
	static char labels[N][WCS_ADDR_STRLEN];
	struct wcs_result res;
	struct wcs_ctx ctx;
	char *buf = NULL, ip[32];
	size_t len, i;
	FILE *out;

	(void)state;
	memset(hosts, 0, sizeof(hosts));
	memset(edges, 0, sizeof(edges));
	for (i = 0; i < N; i++) {
		/* 100 hosts in each of 10.1.0.0/24 .. 10.1.3.0/24. */
		(void)snprintf(
		    ip, sizeof(ip), "10.1.%zu.%zu", i / 100, i % 100 + 1);
		hosts[i].ip = A(ip);
		(void)snprintf(labels[i], sizeof(labels[i]), "%s", ip);
		hosts[i].verdict = WCS_VERDICT_INFECTED;
		hosts[i].first_evidence = T(8, 0, 0) + (int64_t)i * WCS_USEC;
		hosts[i].fanout.first = hosts[i].fanout.last = WCS_TIME_NONE;
		hosts[i].rank = (unsigned)i + 1;
		if (i > 0) {
			hosts[i].infected_by = labels[i - 1];
			edges[i - 1].from = labels[i - 1];
			edges[i - 1].to = labels[i];
			edges[i - 1].ts_us = hosts[i].first_evidence - 1;
		}
	}
	memset(&res, 0, sizeof(res));
	res.hosts = hosts;
	res.nhosts = N;
	res.edges = edges;
	res.nedges = N - 1;
	wcs_ctx_init(&ctx, NULL);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(wcs_report_svg_graph(&ctx, out, &res), WCS_OK);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(assert_html_inert(buf), 4);
	/* A chain across four /24s: three arrows between them. */
	assert_non_null(strstr(buf, "data-rows=\"4\" data-edges=\"3\""));
	assert_non_null(strstr(buf, "data-host=\"10.1.0.0/24\" "
				    "data-count=\"100\""));
	assert_non_null(strstr(buf, "data-host=\"10.1.3.0/24\" "
				    "data-count=\"100\""));
	free(buf);

	/* Below the limit, one row per host. */
	res.nhosts = WCS_SVG_HOSTS_MAX;
	res.nedges = WCS_SVG_HOSTS_MAX - 1;
	buf = NULL;
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(wcs_report_svg_graph(&ctx, out, &res), WCS_OK);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(assert_html_inert(buf), WCS_SVG_HOSTS_MAX);
	free(buf);
}

/* The timeline: Timesketch's three fields on every row, rows by time. */
static void
test_report_timeline(void **state)
{
	struct fixture f;
	struct wcs_ctx ctx;
	char *buf = NULL, *line, *next, *dt;
	char prev[64] = "";
	size_t len, rows = 0;
	FILE *out;

	(void)state;
	fixture_init(&f);
	wcs_ctx_init(&ctx, NULL);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(
	    wcs_report_timeline(&ctx, out, &f.result, false), WCS_OK);
	assert_int_equal(fclose(out), 0);
	assert_utf8(buf, len);
	golden(buf, len, "expected.timeline.jsonl");
	for (line = buf; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		assert_non_null(next);
		*next++ = '\0';
		assert_true(strncmp(line, "{\"message\":\"", 12) == 0);
		assert_non_null(strstr(line, ",\"timestamp_desc\":\""));
		assert_non_null(strstr(line, ",\"source\":"));
		dt = strstr(line, ",\"datetime\":\"2017-05-12T");
		assert_non_null(dt);
		dt += 13;
		/* ISO 8601 stamps of one zone sort as text. */
		assert_true(strncmp(prev, dt, 27) <= 0);
		(void)snprintf(prev, sizeof(prev), "%.27s", dt);
		rows++;
	}
	/*
	 * Five timed evidence items, two sweeps (10.0.0.5 and the scanner),
	 * one first contact; the untimed evidence item has no place.
	 */
	assert_int_equal(rows, 8);
	free(buf);

	buf = NULL;
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(
	    wcs_report_timeline(&ctx, out, &f.result, true), WCS_OK);
	assert_int_equal(fclose(out), 0);
	assert_true(strncmp(buf,
			"message,timestamp,datetime,timestamp_desc,host,"
			"address,verdict,rule,class,source\r\n",
			80) == 0);
	golden(buf, len, "expected.timeline.csv");
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_report_json_golden),
		cmocka_unit_test(test_report_dot_golden),
		cmocka_unit_test(test_report_csv_golden),
		cmocka_unit_test(test_report_text_golden),
		cmocka_unit_test(test_report_text_width),
		cmocka_unit_test(test_report_html_golden),
		cmocka_unit_test(test_report_html_hostile),
		cmocka_unit_test(test_report_svg_grouped),
		cmocka_unit_test(test_report_timeline),
		cmocka_unit_test(test_report_deterministic),
		cmocka_unit_test(test_report_no_hosts),
		cmocka_unit_test(test_report_kept_parts),
		cmocka_unit_test(test_report_kept_hint),
		cmocka_unit_test(test_report_write_error),
		cmocka_unit_test(test_report_csv_enomem),
		cmocka_unit_test(test_escape_json),
		cmocka_unit_test(test_escape_csv),
		cmocka_unit_test(test_escape_text),
		cmocka_unit_test(test_report_score),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
