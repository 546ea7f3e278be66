/*
 * SIEM exports: the JSON splitter and parser, the CSV reader,
 * the five readers against their golden files, and the same four Windows
 * events (7045 mssecsvc2.0, 4688 tasksche.exe, Sysmon 3 to 445, Sysmon 22
 * for the kill switch) read from event XML and from every export form to
 * the same events.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wcscan/pool.h"
#include "wcscan/reader.h"
#include "golden.h"
#include "readers/siem.h"

/*
 * An allocator that knows how much is live and the most ever was.
 */
struct count_alloc {
	size_t live, peak;
};

static void *
ca_malloc(size_t n, void *ud)
{
	struct count_alloc *ca = ud;
	size_t *p = malloc(n + sizeof(max_align_t));

	if (p == NULL)
		return (NULL);
	*p = n;
	ca->live += n;
	if (ca->live > ca->peak)
		ca->peak = ca->live;
	return ((char *)p + sizeof(max_align_t));
}

static void
ca_free(void *q, void *ud)
{
	struct count_alloc *ca = ud;
	size_t *p;

	if (q == NULL)
		return;
	p = (size_t *)(void *)((char *)q - sizeof(max_align_t));
	ca->live -= *p;
	free(p);
}

static void *
ca_realloc(void *q, size_t n, void *ud)
{
	void *r;
	size_t old;

	if (q == NULL)
		return (ca_malloc(n, ud));
	if ((r = ca_malloc(n, ud)) == NULL)
		return (NULL);
	old = *(size_t *)(void *)((char *)q - sizeof(max_align_t));
	memcpy(r, q, old < n ? old : n);
	ca_free(q, ud);
	return (r);
}

/*
 * Run a reader over memory; the counts and the events, one line each.
 */
struct mem_run {
	struct wcs_input_stats st;
	char *out;
	size_t len;
	int rc;
};

static int
mem_event(const struct wcs_event *ev, void *arg)
{
	return (wcs_report_event_json(arg, ev, "mem"));
}

static int
mem_null(const struct wcs_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
	return (WCS_OK);
}

static void
mem_read(struct wcs_ctx *ctx, const char *reader, const char *buf, size_t len,
    size_t line_max, struct mem_run *m, bool keep)
{
	struct wcs_input *in;
	struct wcs_run_opts opts;
	FILE *fp = NULL;

	memset(m, 0, sizeof(*m));
	m->st.first = m->st.last = WCS_TIME_NONE;
	memset(&opts, 0, sizeof(opts));
	opts.since = opts.until = WCS_TIME_NONE;
	assert_int_equal(
	    wcs_input_open_mem(ctx, "mem", buf, len, line_max, &in), WCS_OK);
	if (keep) {
		fp = open_memstream(&m->out, &m->len);
		assert_non_null(fp);
	}
	m->rc = wcs_reader_run(ctx, wcs_reader_find(reader), in, &opts, &m->st,
	    keep ? mem_event : mem_null, fp);
	if (fp != NULL)
		(void)fclose(fp);
	wcs_input_close(in);
	assert_true(
	    m->st.records == m->st.events + m->st.ignored + m->st.rejected);
}

/*
 * The JSON splitter and parser.
 */

static int
parse_doc(const char *s, struct wcs_doc *d, struct wcs_pool *pool,
    struct wcs_ctx *ctx)
{
	return (wcs_json_parse(ctx, pool, s, strlen(s), d));
}

static void
test_json_flatten(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_pool *pool;
	struct wcs_doc *d = malloc(sizeof(*d));

	(void)state;
	assert_non_null(d);
	wcs_ctx_init(&ctx, NULL);
	pool = wcs_pool_new(&ctx, 4096);
	assert_int_equal(
	    parse_doc("{\"a\":{\"b\":1,\"c\":[\"x\",{\"d\":true}]},"
		      "\"e.f\":\"g\",\"n\":null,\"u\":\"\\u00e9"
		      "\\ud83d\\ude00\\ud800\\u0000\\\"\"}",
		d, pool, &ctx),
	    WCS_OK);
	assert_string_equal(wcs_doc_get(d, "a.b"), "1");
	assert_string_equal(wcs_doc_get(d, "a.c.0"), "x");
	assert_string_equal(wcs_doc_get(d, "a.c.1.d"), "true");
	assert_string_equal(wcs_doc_get(d, "e.f"), "g");
	assert_null(wcs_doc_get(d, "n"));
	assert_string_equal(wcs_doc_get(d, "u"),
	    "\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd\xef\xbf\xbd\"");
	/* A search hit's _source, a REST line's result: the document. */
	assert_int_equal(parse_doc("{\"_index\":\"i\",\"_source\":{\"winlog\":"
				   "{\"event_id\":4688}}}",
			     d, pool, &ctx),
	    WCS_OK);
	assert_string_equal(wcs_doc_get(d, "winlog.event_id"), "4688");
	assert_string_equal(wcs_doc_get(d, "_index"), "i");
	assert_int_equal(parse_doc("{\"preview\":false,\"result\":{\"_raw\":"
				   "\"r\"}}",
			     d, pool, &ctx),
	    WCS_OK);
	assert_string_equal(wcs_doc_get(d, "_raw"), "r");
	/* Not JSON. */
	assert_int_equal(parse_doc("{\"a\":1,}", d, pool, &ctx), WCS_WARN);
	assert_int_equal(parse_doc("{\"a\":tru}", d, pool, &ctx), WCS_WARN);
	assert_int_equal(parse_doc("{\"a\":\"\\x\"}", d, pool, &ctx), WCS_WARN);
	assert_int_equal(
	    parse_doc("{\"a\":\"b\tc\"}", d, pool, &ctx), WCS_WARN);
	assert_int_equal(parse_doc("{\"a\":1} x", d, pool, &ctx), WCS_WARN);
	assert_int_equal(parse_doc("[1]", d, pool, &ctx), WCS_WARN);
	wcs_pool_free(pool);
	free(d);
}

/* Nesting: WCS_JSON_MAX_DEPTH levels are read, one more is not. */
static void
test_json_depth(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_pool *pool;
	struct wcs_doc *d = malloc(sizeof(*d));
	char buf[256];
	size_t i, n;

	(void)state;
	assert_non_null(d);
	wcs_ctx_init(&ctx, NULL);
	pool = wcs_pool_new(&ctx, 4096);
	for (n = WCS_JSON_MAX_DEPTH - 1; n <= WCS_JSON_MAX_DEPTH; n++) {
		size_t o = 0;

		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "{\"a\":");
		for (i = 0; i < n; i++)
			buf[o++] = '[';
		buf[o++] = '1';
		for (i = 0; i < n; i++)
			buf[o++] = ']';
		buf[o++] = '}';
		buf[o] = '\0';
		assert_int_equal(parse_doc(buf, d, pool, &ctx),
		    n < WCS_JSON_MAX_DEPTH ? WCS_OK : WCS_WARN);
	}
	wcs_pool_free(pool);
	free(d);
}

/*
 * A document that is wrong costs only itself: not closed on its line, an
 * array element that is no object, longer than the cap, cut off by the
 * end; the documents around each are read.
 */
static void
test_json_stream_recovers(void **state)
{
	static const char ok[] = "{\"@timestamp\":\"2017-05-12T15:00:00Z\","
				 "\"source\":{\"ip\":\"10.0.0.1\"},"
				 "\"destination\":{\"ip\":\"10.0.0.2\","
				 "\"port\":445}}";
	struct wcs_ctx ctx;
	struct mem_run m;
	char *buf, big[5000];
	size_t len;
	FILE *fp;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fp = open_memstream(&buf, &len);
	fprintf(fp,
	    "%s\n{\"a\":\n%s\n\"str\"\n%s\n{\"big\":\"%s\"}\n%s\n"
	    "[%s,\n 7,\n%s]\n%s\n{\"cut\":",
	    ok, ok, ok, big, ok, ok, ok, ok);
	(void)fclose(fp);
	mem_read(&ctx, "ecs-json", buf, len, 4096, &m, true);
	assert_int_equal(m.rc, WCS_OK);
	assert_int_equal(m.st.events, 7);
	assert_int_equal(m.st.rejected, 5);
	assert_int_equal(m.st.samples[0].line, 2);
	assert_non_null(strstr(m.st.samples[0].why, "not closed"));
	assert_int_equal(m.st.samples[1].line, 4);
	assert_int_equal(m.st.samples[2].line, 6);
	assert_non_null(strstr(m.st.samples[2].why, "longer than"));
	assert_int_equal(m.st.samples[3].line, 9);
	assert_non_null(strstr(m.st.samples[3].why, "array element"));
	assert_int_equal(m.st.samples[4].line, 12);
	assert_non_null(strstr(m.st.samples[4].why, "cut off"));
	/* The events in the array carry their own lines. */
	assert_non_null(strstr(m.out, "\"line\":8}"));
	assert_non_null(strstr(m.out, "\"line\":10}"));
	free(m.out);
	free(buf);
}

/* A stray '}' where an array element should be costs one record (fuzz). */
static void
test_json_stray_brace(void **state)
{
	static const char text[] = "[}]\n[1,}\n{\"@timestamp\":\"2017-05-12T"
				   "15:00:00Z\",\"source\":{\"ip\":\"10.0.0."
				   "1\"},\"destination\":{\"ip\":\"10.0.0.2\"}}"
				   "\n";
	struct wcs_ctx ctx;
	struct mem_run m;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	mem_read(&ctx, "ecs-json", text, sizeof(text) - 1, 0, &m, false);
	assert_int_equal(m.rc, WCS_OK);
	assert_int_equal(m.st.events, 1);
	assert_int_equal(m.st.rejected, 3);
}

/* Fields past the caps are not read, and the report says so. */
static void
test_dropped_fields_noted(void **state)
{
	struct wcs_ctx ctx;
	struct mem_run m;
	char *buf;
	size_t len;
	FILE *fp;
	int i;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	fp = open_memstream(&buf, &len);
	/* 200 Data fields ahead of the ones the mapping reads. */
	fputs("{\"@timestamp\":\"2017-05-12T15:00:00Z\",\"winlog\":{"
	      "\"event_id\":4688,\"channel\":\"Security\",\"event_data\":{",
	    fp);
	for (i = 0; i < 200; i++)
		fprintf(fp, "\"F%d\":\"x\",", i);
	fputs("\"NewProcessName\":\"C:\\\\x\\\\tasksche.exe\"}}}\n", fp);
	/* 1100 leaves: past the document's cap. */
	fputs(
	    "{\"@timestamp\":\"2017-05-12T15:00:00Z\",\"ecs\":{},\"a\":[", fp);
	for (i = 0; i < 1100; i++)
		fprintf(fp, "%s%d", i > 0 ? "," : "", i);
	fputs("]}\n", fp);
	(void)fclose(fp);
	mem_read(&ctx, "ecs-json", buf, len, 0, &m, false);
	assert_int_equal(m.rc, WCS_OK);
	assert_int_equal(m.st.records, 4);
	assert_int_equal(m.st.rejected, 2);
	assert_int_equal(m.st.samples[0].line, 1);
	assert_non_null(strstr(m.st.samples[0].why, "Data elements past"));
	assert_int_equal(m.st.samples[1].line, 2);
	assert_non_null(strstr(m.st.samples[1].why, "fields past the first"));
	free(buf);
}

/*
 * A top-level array of a million documents is read one element at a
 * time: the memory the reader takes does not grow with the array.
 */
static size_t
array_peak(size_t ndocs, uint64_t *records)
{
	static const char doc[] = "{\"@timestamp\":\"2017-05-12T15:00:00Z\","
				  "\"ecs\":{\"version\":\"1.12.0\"}}";
	struct count_alloc ca = { 0, 0 };
	struct wcs_alloc a = { ca_malloc, ca_realloc, ca_free, &ca };
	struct wcs_ctx ctx;
	struct mem_run m;
	size_t dl = sizeof(doc) - 1, len = 2 + ndocs * (dl + 2), i, o = 0;
	char *buf = malloc(len);

	assert_non_null(buf);
	buf[o++] = '[';
	for (i = 0; i < ndocs; i++) {
		memcpy(buf + o, doc, dl);
		o += dl;
		buf[o++] = i + 1 < ndocs ? ',' : ']';
		buf[o++] = '\n';
	}
	wcs_ctx_init(&ctx, &a);
	mem_read(&ctx, "ecs-json", buf, o, 0, &m, false);
	assert_int_equal(m.rc, WCS_OK);
	*records = m.st.records;
	free(buf);
	assert_int_equal(ca.live, 0);
	return (ca.peak);
}

static void
test_json_array_streams(void **state)
{
	uint64_t small_n, big_n;
	size_t small, big;

	(void)state;
	small = array_peak(1000, &small_n);
	big = array_peak(1000000, &big_n);
	assert_int_equal(small_n, 1000);
	assert_int_equal(big_n, 1000000);
	/* The same buffers, whatever the number of documents. */
	assert_true(big <= small + 4096);
}

/*
 * CSV: quoted fields with commas, doubled quotes and line ends; a record
 * with the wrong number of fields, one cut off inside its quotes.
 */
static void
test_csv_rfc4180(void **state)
{
	static const char csv[] = "a,\"b, with comma\",c\r\n"
				  "1,\"two\r\nlines \"\"quoted\"\"\",3\r\n"
				  "\r\n"
				  "x,,\n"
				  "last,\"open";
	struct wcs_ctx ctx;
	struct wcs_input *in;
	struct wcs_csv *c;
	char **f;
	size_t n;
	uint64_t line, off;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(
	    wcs_input_open_mem(&ctx, "csv", csv, sizeof(csv) - 1, 0, &in),
	    WCS_OK);
	c = wcs_csv_new(&ctx, in);
	assert_non_null(c);
	assert_int_equal(wcs_csv_next(c, &f, &n, &line, &off), WCS_OK);
	assert_int_equal(n, 3);
	assert_string_equal(f[1], "b, with comma");
	assert_int_equal(line, 1);
	assert_int_equal(wcs_csv_next(c, &f, &n, &line, &off), WCS_OK);
	assert_int_equal(n, 3);
	assert_string_equal(f[1], "two\r\nlines \"quoted\"");
	assert_string_equal(f[2], "3");
	assert_int_equal(line, 2);
	assert_int_equal(wcs_csv_next(c, &f, &n, &line, &off), WCS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(line, 4);
	assert_int_equal(wcs_csv_next(c, &f, &n, &line, &off), WCS_OK);
	assert_int_equal(n, 3);
	assert_string_equal(f[0], "x");
	assert_string_equal(f[2], "");
	assert_int_equal(line, 5);
	assert_int_equal(wcs_csv_next(c, &f, &n, &line, &off), WCS_WARN);
	assert_int_equal(line, 6);
	assert_int_equal(wcs_csv_next(c, &f, &n, &line, &off), WCS_EOF);
	wcs_csv_free(c);
	wcs_input_close(in);
}

/* A record past the cap is rejected and reading resumes at a line end. */
static void
test_csv_overlong(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_input *in;
	struct wcs_csv *c;
	char *buf, **f;
	size_t n, len;
	uint64_t line, off;
	FILE *fp;
	int i;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	fp = open_memstream(&buf, &len);
	fprintf(fp, "a,b\n\"");
	for (i = 0; i < 9000; i++)
		fputc('y', fp);
	fprintf(fp, "\nz,w\n");
	(void)fclose(fp);
	assert_int_equal(
	    wcs_input_open_mem(&ctx, "csv", buf, len, 4096, &in), WCS_OK);
	c = wcs_csv_new(&ctx, in);
	assert_int_equal(wcs_csv_next(c, &f, &n, &line, &off), WCS_OK);
	assert_int_equal(wcs_csv_next(c, &f, &n, &line, &off), WCS_WARN);
	assert_int_equal(ctx.errnum, WCS_EOVERLONG);
	assert_int_equal(line, 2);
	assert_int_equal(wcs_csv_next(c, &f, &n, &line, &off), WCS_OK);
	assert_string_equal(f[0], "z");
	assert_int_equal(line, 3);
	wcs_csv_free(c);
	wcs_input_close(in);
	free(buf);
}

/*
 * Golden files: every file under testdata/<reader>/.
 */
static void
test_golden_ecs_json(void **state)
{
	(void)state;
	golden_check_dir("ecs-json", "ecs_json");
}

static void
test_golden_splunk_json(void **state)
{
	(void)state;
	golden_check_dir("splunk-json", "splunk_json");
}

static void
test_golden_splunk_csv(void **state)
{
	(void)state;
	golden_check_dir("splunk-csv", "splunk_csv");
}

static void
test_golden_sentinel_json(void **state)
{
	(void)state;
	golden_check_dir("sentinel-json", "sentinel_json");
}

static void
test_golden_sentinel_csv(void **state)
{
	(void)state;
	golden_check_dir("sentinel-csv", "sentinel_csv");
}

/*
 * One event, every form.  An event is written with every field the engine
 * sees, its identity (channel, record) included, its provenance not.
 */
#define MAX_EVS 8

/* What an export does not carry, so is left out of the comparison. */
#define NO_EXEC_PID 0x1 /* the System Execution ProcessID */
#define NO_RECORD_ID 0x2 /* the EventRecordID */

struct evlist {
	char *s[MAX_EVS];
	uint32_t id[MAX_EVS];
	size_t n;
	unsigned omit;
};

static void
ev_str(FILE *fp, const char *k, const char *v)
{
	fprintf(fp, " %s=%s", k, v != NULL ? v : "(null)");
}

static int
ev_collect(const struct wcs_event *ev, void *arg)
{
	struct evlist *l = arg;
	char a[64], b[64];
	char *buf = NULL;
	size_t len = 0;
	bool exec_pid = ev->event_id != 4688 && ev->channel != NULL &&
			strstr(ev->channel, "Sysmon") == NULL;
	FILE *fp;

	assert_true(l->n < MAX_EVS);
	fp = open_memstream(&buf, &len);
	fprintf(fp,
	    "kind=%d ts=%lld src=%s:%u dst=%s:%u proto=%u act=%u dir=%u "
	    "rcode=%d qtype=%u id=%u pid=%u lt=%u out=%u rec=%llu",
	    ev->kind, (long long)ev->ts_us,
	    wcs_addr_format(&ev->src, a, sizeof(a)), ev->sport,
	    wcs_addr_format(&ev->dst, b, sizeof(b)), ev->dport, ev->proto,
	    ev->action, ev->dns_dir, ev->rcode, ev->qtype, ev->event_id,
	    (l->omit & NO_EXEC_PID) && exec_pid ? 0 : ev->pid, ev->logon_type,
	    ev->outbound,
	    (l->omit & NO_RECORD_ID) ? 0 : (unsigned long long)ev->record_id);
	ev_str(fp, "host", ev->host);
	ev_str(fp, "user", ev->user);
	ev_str(fp, "image", ev->image);
	ev_str(fp, "cmdline", ev->cmdline);
	ev_str(fp, "parent", ev->parent);
	ev_str(fp, "name", ev->name);
	ev_str(fp, "target", ev->target);
	ev_str(fp, "qname", ev->qname);
	ev_str(fp, "answer", ev->answer);
	ev_str(fp, "channel", ev->channel);
	(void)fclose(fp);
	l->id[l->n] = ev->event_id;
	l->s[l->n++] = buf;
	return (WCS_OK);
}

static void
read_events(const char *reader, const char *rel, struct evlist *l)
{
	struct wcs_ctx ctx;
	struct wcs_input *in;
	struct wcs_input_stats st;
	struct wcs_run_opts opts;
	char path[1024];

	wcs_ctx_init(&ctx, NULL);
	memset(&st, 0, sizeof(st));
	st.first = st.last = WCS_TIME_NONE;
	memset(&opts, 0, sizeof(opts));
	opts.since = opts.until = WCS_TIME_NONE;
	(void)snprintf(path, sizeof(path), "%s/%s", WCSCAN_TESTDATA_DIR, rel);
	assert_int_equal(wcs_input_open(&ctx, path, 0, &in), WCS_OK);
	assert_int_equal(wcs_reader_run(&ctx, wcs_reader_find(reader), in,
			     &opts, &st, ev_collect, l),
	    WCS_OK);
	assert_int_equal(st.rejected, 0);
	wcs_input_close(in);
}

static void
evlist_free(struct evlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->s[i]);
	l->n = 0;
}

static void
test_same_events_every_form(void **state)
{
	static const struct {
		const char *reader, *path;
		size_t nevents;
		unsigned omit;
	} forms[] = {
		{ "ecs-json", "ecs_json/winlogbeat.ndjson", 4, 0 },
		{ "ecs-json", "ecs_json/search_hits_array.json", 3, 0 },
		{ "splunk-json", "splunk_json/xmlwineventlog.ndjson", 4, 0 },
		/* Classic text has no Execution ProcessID. */
		{ "splunk-json", "splunk_json/rest_wineventlog.ndjson", 4,
		    NO_EXEC_PID },
		{ "splunk-csv", "splunk_csv/search_export.csv", 4,
		    NO_EXEC_PID },
		{ "sentinel-csv", "sentinel_csv/securityevent.csv", 1, 0 },
		/* The Event table has neither. */
		{ "sentinel-csv", "sentinel_csv/event_table.csv", 3,
		    NO_EXEC_PID | NO_RECORD_ID },
		{ "sentinel-json", "sentinel_json/az_query.json", 3,
		    NO_EXEC_PID | NO_RECORD_ID },
		/* native.xml as a binary log (testdata/gen/evtx_writer.py). */
		{ "evtx", "siem/native.evtx", 4, 0 },
	};
	struct evlist native, got;
	size_t i, j, k;

	(void)state;
	for (i = 0; i < WCS_NELEM(forms); i++) {
		memset(&native, 0, sizeof(native));
		memset(&got, 0, sizeof(got));
		native.omit = got.omit = forms[i].omit;
		read_events("evtx-xml", "siem/native.xml", &native);
		assert_int_equal(native.n, 4);
		read_events(forms[i].reader, forms[i].path, &got);
		if (got.n != forms[i].nevents)
			fail_msg("%s: %zu events, want %zu", forms[i].path,
			    got.n, forms[i].nevents);
		for (j = 0; j < got.n; j++) {
			for (k = 0; k < native.n; k++) {
				if (native.id[k] == got.id[j])
					break;
			}
			assert_true(k < native.n);
			if (strcmp(native.s[k], got.s[j]) != 0) {
				fail_msg("%s: event %u differs:\n  xml  %s\n"
					 "  got  %s",
				    forms[i].path, got.id[j], native.s[k],
				    got.s[j]);
			}
		}
		evlist_free(&native);
		evlist_free(&got);
	}
}

/* Bidding: each form goes to its reader, and not to another's. */
static void
test_bids(void **state)
{
	static const struct {
		const char *text, *reader;
	} cases[] = {
		{ "{\"@timestamp\":\"x\",\"winlog\":{}}\n", "ecs-json" },
		{ "[\n {\"_source\":{\"@timestamp\":\"x\",\"ecs\":{}}}]\n",
		    "ecs-json" },
		{ "{\"preview\":false,\"result\":{\"_raw\":\"x\"}}\n",
		    "splunk-json" },
		{ "\"_time\",\"host\",\"_raw\"\n", "splunk-csv" },
		{ "TimeGenerated [UTC],Computer,EventID\n", "sentinel-csv" },
		{ "[{\"TimeGenerated\":\"x\",\"Computer\":\"c\",\"EventID\":1}]"
		  "\n",
		    "sentinel-json" },
		{ "{\"ts\":1494601381.1,\"uid\":\"C\",\"id.orig_h\":\"10.0.0.1\","
		  "\"id.orig_p\":1,\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":"
		  "445,\"proto\":\"tcp\",\"conn_state\":\"S0\"}\n",
		    "zeek-conn" },
	};
	const struct wcs_reader_ops *w;
	size_t i;
	int best;

	(void)state;
	for (i = 0; i < WCS_NELEM(cases); i++) {
		w = wcs_reader_choose((const unsigned char *)cases[i].text,
		    strlen(cases[i].text), WCS_KIND_ANY, &best);
		assert_non_null(w);
		if (strcmp(w->name, cases[i].reader) != 0)
			fail_msg("case %zu: %s, want %s", i, w->name,
			    cases[i].reader);
	}
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_json_flatten),
		cmocka_unit_test(test_json_depth),
		cmocka_unit_test(test_json_stream_recovers),
		cmocka_unit_test(test_json_stray_brace),
		cmocka_unit_test(test_dropped_fields_noted),
		cmocka_unit_test(test_json_array_streams),
		cmocka_unit_test(test_csv_rfc4180),
		cmocka_unit_test(test_csv_overlong),
		cmocka_unit_test(test_golden_ecs_json),
		cmocka_unit_test(test_golden_splunk_json),
		cmocka_unit_test(test_golden_splunk_csv),
		cmocka_unit_test(test_golden_sentinel_json),
		cmocka_unit_test(test_golden_sentinel_csv),
		cmocka_unit_test(test_same_events_every_form),
		cmocka_unit_test(test_bids),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
