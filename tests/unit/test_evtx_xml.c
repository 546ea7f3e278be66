/*
 * The event XML readers (evtx-xml, sysmon-xml): golden files for every
 * shape and mapped event, bidding, hostile records (DTDs, entities, deep
 * nesting, over-long and unclosed records), record boundaries across
 * window refills, failing allocations, and the shared corpus of real
 * exports when it is present.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wcscan/input.h"
#include "wcscan/reader.h"
#include "wcscan/report.h"
#include "golden.h"
#include "fail_alloc.h"

#define NS "http://schemas.microsoft.com/win/2004/08/events/event"
#define MAX_LINES 1024

/* What running a reader over bytes in memory gave. */
struct run_out {
	struct wcs_input_stats st;
	int rc;
	char *json; /* the events as NDJSON */
	size_t json_len;
	FILE *fp;
	uint64_t lines[MAX_LINES];
	uint64_t offsets[MAX_LINES];
	unsigned nev;
};

static int
collect(const struct wcs_event *ev, void *arg)
{
	struct run_out *o = arg;

	if (o->nev < MAX_LINES) {
		o->lines[o->nev] = ev->line;
		o->offsets[o->nev] = ev->offset;
	}
	o->nev++;
	return (wcs_report_event_json(o->fp, ev, "mem"));
}

static void
run_mem_ctx(struct wcs_ctx *ctx, const char *reader, const void *buf,
    size_t len, size_t line_max, struct run_out *o)
{
	const struct wcs_reader_ops *ops = wcs_reader_find(reader);
	struct wcs_run_opts opts;
	struct wcs_input *in;

	assert_non_null(ops);
	memset(o, 0, sizeof(*o));
	o->st.first = o->st.last = WCS_TIME_NONE;
	memset(&opts, 0, sizeof(opts));
	opts.since = opts.until = WCS_TIME_NONE;
	o->fp = open_memstream(&o->json, &o->json_len);
	assert_non_null(o->fp);
	o->rc = wcs_input_open_mem(ctx, "mem", buf, len, line_max, &in);
	if (o->rc == WCS_OK) {
		o->rc = wcs_reader_run(ctx, ops, in, &opts, &o->st, collect, o);
		wcs_input_close(in);
	}
	(void)fclose(o->fp);
	assert_true(
	    o->st.records == o->st.events + o->st.ignored + o->st.rejected);
}

static void
run_mem(
    const char *reader, const char *text, size_t line_max, struct run_out *o)
{
	struct wcs_ctx ctx;

	wcs_ctx_init(&ctx, NULL);
	run_mem_ctx(&ctx, reader, text, strlen(text), line_max, o);
	assert_int_equal(o->rc, WCS_OK);
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

static char *strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A malloc'd string formatted as by printf; never NULL. */
static char *
strf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	va_start(ap, fmt);
	(void)vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return (s);
}

/* A minimal 7045 with the given service name and extra EventData. */
static char *
svc_event(const char *name, const char *extra)
{
	char *s = NULL;
	size_t n;
	FILE *fp = open_memstream(&s, &n);

	assert_non_null(fp);
	fprintf(fp,
	    "<Event xmlns=\"" NS "\"><System>"
	    "<Provider Name=\"Service Control Manager\"/>"
	    "<EventID Qualifiers=\"16384\">7045</EventID>"
	    "<TimeCreated SystemTime=\"2017-05-12T07:44:31.1234567Z\"/>"
	    "<Computer>WS-1</Computer></System><EventData>"
	    "<Data Name=\"ServiceName\">%s</Data>"
	    "<Data Name=\"ImagePath\">C:\\x.exe</Data>%s"
	    "</EventData></Event>\n",
	    name, extra);
	(void)fclose(fp);
	return (s);
}

/*
 * Golden files.
 */

static void
test_golden_evtx_xml(void **state)
{
	(void)state;
	golden_check_dir("evtx-xml", "evtx_xml");
}

static void
test_golden_sysmon_xml(void **state)
{
	(void)state;
	golden_check_dir("sysmon-xml", "sysmon_xml");
}

/*
 * Bidding.
 */

static const char *
winner(const char *text)
{
	const struct wcs_reader_ops *ops;
	int best;

	ops = wcs_reader_choose(
	    (const unsigned char *)text, strlen(text), WCS_KIND_ANY, &best);
	return (ops != NULL ? ops->name : "nothing");
}

static void
test_bid_xml_shapes(void **state)
{
	static const char *const evtx[] = {
		"<Event xmlns='" NS "'><System><Provider Name='x'/>",
		"\n<Event xmlns=\"" NS "\">\n  <System>\n",
		("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<Events>\r\n"
		 "<Event xmlns=\"" NS "\"><System>"),
		"- <Event xmlns=\"" NS "\">- <System>  <Provider Name=\"a\"/>",
		"<!-- exported --><Events><Event><System>",
		/* evtxexport -f xml: its banner, a blank line, events. */
		"evtxexport 20181227\n\n<Event xmlns=\"" NS "\">\n  <System>\n",
		/* Sysmon named, but not as a provider. */
		("<Event><System><Provider Name=\"x\"/><Data>"
		 "Microsoft-Windows-Sysmon</Data>"),
	};
	static const char *const sysmon[] = {
		("<Event xmlns=\"" NS "\"><System><Provider Name=\""
		 "Microsoft-Windows-Sysmon\" Guid=\"{5770385f}\"/>"),
		("<?xml version='1.0'?><Events><Event><System><Provider "
		 "Name='Microsoft-Windows-Sysmon'/>"),
	};
	size_t i;

	(void)state;
	for (i = 0; i < WCS_NELEM(evtx); i++) {
		if (strcmp(winner(evtx[i]), "evtx-xml") != 0)
			fail_msg("evtx[%zu] went to %s", i, winner(evtx[i]));
	}
	for (i = 0; i < WCS_NELEM(sysmon); i++) {
		if (strcmp(winner(sysmon[i]), "sysmon-xml") != 0)
			fail_msg(
			    "sysmon[%zu] went to %s", i, winner(sysmon[i]));
	}
}

static void
test_bid_not_claimed(void **state)
{
	static const char *const other[] = {
		"",
		"#Version: 1.5\n#Software: Microsoft Windows Firewall\n"
		"#Time Format: Local\n#Fields: date time action protocol\n",
		"May 12 07:44:31 fw kernel: IN=eth0 OUT= SRC=10.0.0.1 "
		"DST=10.0.0.2 PROTO=TCP SPT=1 DPT=445\n",
		"5/12/2017 7:44:31 AM 0E40 PACKET  0000 UDP Rcv 10.0.0.5 "
		"1a2b   Q [0001   D   NOERROR] A (3)www(7)example(3)com(0)\n",
		"12-May-2017 07:44:31.123 queries: info: client @0x1 "
		"10.0.0.5#5353 (a.com): query: a.com IN A +E(0) (10.0.0.1)\n",
		"DateTime\tClient\tServer\tProtocol\tComputerName\tUser\n",
		/* XML inside another log is not event XML. */
		"May 12 07:44:31 host app: <Event xmlns=\"" NS "\">"
		"<System><Provider Name=\"Microsoft-Windows-Sysmon\"/>\n",
		"<!DOCTYPE Events [<!ENTITY x \"y\">]><Events><Event><System>",
		"<Events><Eventful/></Events>\n",
		"<Events>\n</Events>\n",
		"<?xml version=\"1.0\"?><root><Event><System>",
		"<?xml version=\"1.0\"",
		/* The banner alone, or before something else. */
		"evtxexport 20181227",
		"evtxexport 20181227\n\nUnable to export file.\n",
		"evtxexport 20181227\n\nEvent number\t: 1\n<Event>\n",
	};
	const struct wcs_reader_ops *evtx, *sysmon;
	size_t i, len;

	(void)state;
	evtx = wcs_reader_find("evtx-xml");
	sysmon = wcs_reader_find("sysmon-xml");
	assert_non_null(evtx);
	assert_non_null(sysmon);
	for (i = 0; i < WCS_NELEM(other); i++) {
		len = strlen(other[i]);
		if (evtx->bid((const unsigned char *)other[i], len, 0) != 0 ||
		    sysmon->bid((const unsigned char *)other[i], len, 0) != 0)
			fail_msg("other[%zu] was claimed", i);
	}
}

static void
test_bid_out_of_reach(void **state)
{
	const struct wcs_reader_ops *evtx = wcs_reader_find("evtx-xml");
	const struct wcs_reader_ops *sysmon = wcs_reader_find("sysmon-xml");
	const char *text = "<Event><System>";

	(void)state;
	assert_int_equal(
	    evtx->bid((const unsigned char *)text, strlen(text), 100000), -1);
	assert_int_equal(
	    sysmon->bid((const unsigned char *)text, strlen(text), 100000), -1);
	assert_true(evtx->bid((const unsigned char *)text, strlen(text), 0) >
		    sysmon->bid((const unsigned char *)text, strlen(text), 0));
}

/*
 * Hostile records.
 */

static void
test_doctype_and_entities_rejected(void **state)
{
	struct run_out o;
	char *good, *dtd, *ent, *text;

	(void)state;
	good = svc_event("good", "");
	/* A DTD inside a record, with a would-be billion laughs. */
	dtd = svc_event("x", "<!DOCTYPE e [<!ENTITY a \"aaaa\">"
			     "<!ENTITY b \"&a;&a;&a;&a;&a;\">]>");
	/* An external entity that is never declared, never read. */
	ent = svc_event("&xxe;", "");
	text = strf("%s%s%s%s", good, dtd, ent, good);
	run_mem("evtx-xml", text, 0, &o);
	assert_int_equal(o.st.records, 4);
	assert_int_equal(o.st.events, 2);
	assert_int_equal(o.st.rejected, 2);
	assert_true(any_reject(&o, "DOCTYPE"));
	assert_true(any_reject(&o, "undefined entity"));
	assert_int_equal(o.st.samples[0].line, 2);
	free(o.json);
	free(text);

	/*
	 * A DTD before the events (outside any record) declares an
	 * external entity: it is never given to the parser, so the event
	 * using it is rejected and nothing is read from the file.
	 */
	text = strf("<!DOCTYPE Events [<!ENTITY xxe SYSTEM "
		    "\"file:///etc/passwd\">]>\n<Events>\n%s"
		    "</Events>\n",
	    ent);
	run_mem("evtx-xml", text, 0, &o);
	assert_int_equal(o.st.records, 1);
	assert_int_equal(o.st.rejected, 1);
	assert_true(any_reject(&o, "undefined entity"));
	assert_null(strstr(o.json != NULL ? o.json : "", "root:"));
	free(o.json);
	free(text);
	free(good);
	free(dtd);
	free(ent);
}

/* A 7045 whose EventData holds `levels` nested elements. */
static char *
nested_event(unsigned levels)
{
	char *open = calloc(levels * 3 + 1, 1),
	     *close = calloc(levels * 4 + 1, 1), *ev;
	unsigned i;

	assert_non_null(open);
	assert_non_null(close);
	for (i = 0; i < levels; i++) {
		memcpy(open + i * 3, "<a>", 3);
		memcpy(close + i * 4, "</a>", 4);
	}
	ev = strf("%s%s", open, close);
	free(open);
	free(close);
	open = svc_event("nested", ev);
	free(ev);
	return (open);
}

static void
test_nesting_too_deep(void **state)
{
	struct run_out o;
	char *ok, *deep, *text;

	(void)state;
	/* Event is 1, EventData 2: 62 more make 64, the most allowed. */
	ok = nested_event(62);
	deep = nested_event(63);
	text = strf("%s%s%s", ok, deep, ok);
	run_mem("evtx-xml", text, 0, &o);
	assert_int_equal(o.st.records, 3);
	assert_int_equal(o.st.events, 2);
	assert_int_equal(o.st.rejected, 1);
	assert_true(any_reject(&o, "nested too deep"));
	assert_int_equal(o.st.samples[0].line, 2);
	free(o.json);
	free(text);
	free(ok);
	free(deep);

	/* Far deeper than any parser stack should be asked to go. */
	deep = nested_event(100000);
	run_mem("evtx-xml", deep, 0, &o);
	assert_int_equal(o.st.rejected, 1);
	free(o.json);
	free(deep);
}

/*
 * A record with 200 Data elements: 128 are kept, the other 72 counted in
 * a note after the event, by the fast path and by expat alike.
 */
static void
test_many_data(void **state)
{
	static const char *const pi[] = { "", "<?pi x?>" };
	struct run_out o;
	char *extra, *text, *one, *ev, *after = svc_event("after", "");
	unsigned i, k;

	(void)state;
	for (k = 0; k < WCS_NELEM(pi); k++) {
		extra = strf("%s", pi[k]);
		for (i = 3; i <= 200; i++) {
			one = strf("%s<Data Name=\"F%u\">x</Data>", extra, i);
			free(extra);
			extra = one;
		}
		ev = svc_event("mssecsvc2.0", extra);
		text = strf("%s%s", ev, after);
		run_mem("evtx-xml", text, 0, &o);
		assert_int_equal(o.st.records, 2 + 1);
		assert_int_equal(o.st.events, 2);
		assert_int_equal(o.st.rejected, 1);
		assert_true(any_reject(&o, "72 Data elements past the first "
					   "128 not read"));
		/* The note is about the record: its line. */
		assert_int_equal(o.st.samples[0].line, 1);
		assert_non_null(strstr(o.json, "\"name\":\"mssecsvc2.0\""));
		free(o.json);
		free(text);
		free(ev);
		free(extra);
	}

	/* 128 exactly: nothing to say. */
	extra = strf("%s", "");
	for (i = 3; i <= 128; i++) {
		one = strf("%s<Data Name=\"F%u\">x</Data>", extra, i);
		free(extra);
		extra = one;
	}
	ev = svc_event("x", extra);
	run_mem("evtx-xml", ev, 0, &o);
	assert_int_equal(o.st.records, 1);
	assert_int_equal(o.st.rejected, 0);
	free(o.json);
	free(ev);
	free(extra);
	free(after);
}

static void
test_overlong_record_skipped(void **state)
{
	struct run_out o;
	char *big, *pad, *good, *unclosed, *text, *c;

	(void)state;
	pad = malloc(10001);
	assert_non_null(pad);
	memset(pad, 'A', 10000);
	pad[10000] = '\0';
	big = svc_event(pad, "");
	good = svc_event("after", "");
	/* Over-long, no "</Event>" before the next event. */
	unclosed = strf("<Event><System><Data>%s\n%s</Data>\n", pad, pad);
	text = strf("%s%s%s%s", big, good, unclosed, good);
	run_mem("evtx-xml", text, 4096, &o);
	assert_int_equal(o.st.records, 4);
	assert_int_equal(o.st.events, 2);
	assert_int_equal(o.st.rejected, 2);
	assert_true(any_reject(&o, "longer than 4096"));
	assert_int_equal(o.st.samples[0].line, 1);
	assert_int_equal(o.st.samples[1].line, 3);
	assert_int_equal(o.lines[0], 2);
	assert_int_equal(o.lines[1], 5);
	assert_int_equal(o.offsets[0], strlen(big));
	assert_non_null(strstr(o.json, "\"name\":\"after\""));
	free(o.json);
	free(text);

	/* The same with everything on one line, and at the very end. */
	text = strf("%s%s", good, big);
	for (c = text; (c = strchr(c, '\n')) != NULL;)
		*c = ' ';
	run_mem("evtx-xml", text, 4096, &o);
	assert_int_equal(o.st.records, 2);
	assert_int_equal(o.st.events, 1);
	assert_int_equal(o.st.rejected, 1);
	free(o.json);
	free(text);
	free(big);
	free(good);
	free(unclosed);
	free(pad);
}

static void
test_unclosed_records(void **state)
{
	struct run_out o;
	char *good, *text;

	(void)state;
	good = svc_event("ok", "");
	text = strf("<Event><System><EventID>7045</EventID>\n"
		    "%s<Event/>\n<Event>\n<System>",
	    good);
	run_mem("evtx-xml", text, 0, &o);
	assert_int_equal(o.st.records, 4);
	assert_int_equal(o.st.events, 1);
	assert_int_equal(o.st.rejected, 3);
	assert_int_equal(o.st.ignored, 0);
	assert_true(any_reject(&o,
	    "<Event> of line 1 not closed before the next <Event> (line 2)"));
	assert_true(any_reject(&o, "without an EventID"));
	assert_true(any_reject(&o, "not closed at the end"));
	/* Cut off in its last record: the run says so in a note. */
	assert_int_equal(o.st.log_state, WCS_LOG_CUT);
	assert_int_equal(o.lines[0], 2);
	free(o.json);
	free(text);
	free(good);
}

/*
 * Characters XML forbids and bytes that are not UTF-8, in values: the
 * record is repaired (U+FFFD) and read, the repairs counted; a record
 * broken in its structure is still rejected.  The attacker's 4688 hides
 * tasksche.exe /i behind a control character and a stray byte.
 */
static void
test_forbidden_characters_repaired(void **state)
{
	static const char attack[] =
	    "<Event xmlns=\"" NS "\">\n  <System>\n"
	    "    <Provider Name=\"Microsoft-Windows-Security-Auditing\"/>\n"
	    "    <EventID>4688</EventID>\n"
	    "    <TimeCreated SystemTime=\"2017-05-12T08:01:19.4301136Z\"/>\n"
	    "    <EventRecordID>88231</EventRecordID>\n"
	    "    <Channel>Security</Channel>\n"
	    "    <Computer>ACCT-PC-12</Computer>\n  </System>\n"
	    "  <EventData>\n"
	    "    <Data Name=\"SubjectUserName\">ACCT-PC-12$</Data>\n"
	    "    <Data Name=\"NewProcessName\">C:\\ProgramData\\q\\"
	    "tasksche.exe</Data>\n"
	    "    <Data Name=\"CommandLine\">\"C:\\ProgramData\\q\\tasksche.exe\""
	    " /i \x01\xff&#x1B;</Data>\n"
	    "  </EventData>\n</Event>\n";
	struct run_out o;
	char *good, *text, *bad_attr, *broken;

	(void)state;
	good = svc_event("before", "");
	/* In an attribute value, and a lone UTF-8 continuation byte. */
	bad_attr = svc_event(
	    "after\x80", "<Data Name=\"x\" Extra=\"a\x02&#0;\">v\x7f</Data>");
	/* Broken in its structure: still rejected, whatever it holds. */
	broken = svc_event("\x01", "<Data Name=\"a\">x</Data");
	text = strf("%s%s%s%s%s", good, attack, bad_attr, broken, good);
	run_mem("evtx-xml", text, 0, &o);
	assert_int_equal(o.st.records, 5);
	assert_int_equal(o.st.events, 4);
	assert_int_equal(o.st.rejected, 1);
	if (o.st.samples[0].line != 18 || !any_reject(&o, "line 18, column"))
		fail_msg("rejected: line %llu: %s",
		    (unsigned long long)o.st.samples[0].line,
		    o.st.samples[0].why);
	/* \x01, \xff and &#x1B;; \x80, \x02 and &#0; (DEL is allowed). */
	assert_int_equal(o.st.repaired, 6);
	assert_int_equal(o.st.repaired_records, 2);
	assert_non_null(strstr(o.json,
	    "\"cmdline\":\"\\\"C:\\\\ProgramData\\\\q\\\\tasksche.exe\\\" /i "
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""));
	assert_non_null(strstr(o.json, "\"name\":\"after\xef\xbf\xbd\""));
	free(o.json);

	/* Sysmon's reader shares the parser. */
	run_mem("sysmon-xml", text, 0, &o);
	assert_int_equal(o.st.events, 4);
	assert_int_equal(o.st.repaired, 6);
	free(o.json);
	free(text);
	free(good);
	free(bad_attr);
	free(broken);
}

/* Comments, CDATA and processing instructions do not split records. */
static void
test_comments_and_cdata(void **state)
{
	struct run_out o;
	char *a, *b, *text;

	(void)state;
	a = svc_event("<![CDATA[<Event>quoted</Event>]]>",
	    "<!-- <Event> --><?pi </Event> ?>");
	b = svc_event("b", "");
	text = strf("<!-- <Event>not one</Event> -->\n%s"
		    "<![CDATA[ <Event> ]]>%s",
	    a, b);
	run_mem("evtx-xml", text, 0, &o);
	assert_int_equal(o.st.records, 2);
	assert_int_equal(o.st.events, 2);
	assert_non_null(strstr(o.json, "\"name\":\"<Event>quoted</Event>\""));
	assert_int_equal(o.lines[0], 2);
	assert_int_equal(o.lines[1], 3);
	free(o.json);
	free(text);
	free(a);
	free(b);
}

/*
 * The fast path against expat.  evtx_xml.c reads plain records itself and
 * leaves the rest to expat, so every record must come out of it as out of
 * expat: counted the same way, with the same event or the same reason.
 * A processing instruction before the record's "</Event>" changes nothing
 * in what the record says but always sends it to expat, which gives the
 * reference to compare with (reasons without their positions, which the
 * instruction can move).
 */

#define SEC_HEAD                           \
	"<Event xmlns=\"" NS "\"><System>" \
	"<Provider Name=\"Microsoft-Windows-Security-Auditing\"/>"
#define SEC_TAIL                                               \
	"<TimeCreated SystemTime=\"2017-05-12T07:44:31.5Z\"/>" \
	"<Computer>WS-1</Computer></System>"
#define SEC_4688(data)                                                 \
	SEC_HEAD "<EventID>4688</EventID>" SEC_TAIL "<EventData>" data \
		 "<Data Name=\"NewProcessName\">C:\\x.exe</Data>"      \
		 "</EventData></Event>\n"

/* A reject's reason without "at line L, column C". */
static const char *
reason(const char *why)
{
	const char *c = strstr(why, "column ");

	return (c != NULL && (c = strchr(c, ':')) != NULL ? c : why);
}

/* Run rec as it is and through expat; both must agree.  Returns 'e', 'i' or 'r'. */
static char
same_as_expat(const char *rec)
{
	struct run_out fast, slow;
	const char *end = NULL, *c;
	char *via;
	unsigned i;

	for (c = rec; (c = strstr(c, "</Event>")) != NULL; c++)
		end = c;
	run_mem("evtx-xml", rec, 0, &fast);
	if (end == NULL) {
		free(fast.json);
		return ('r');
	}
	via = strf("%.*s<?wcscan expat?>%s", (int)(end - rec), rec, end);
	run_mem("evtx-xml", via, 0, &slow);
	if (fast.st.records != slow.st.records ||
	    fast.st.events != slow.st.events ||
	    fast.st.ignored != slow.st.ignored ||
	    fast.st.rejected != slow.st.rejected ||
	    fast.st.nsamples != slow.st.nsamples ||
	    fast.json_len != slow.json_len ||
	    (fast.json_len > 0 &&
		memcmp(fast.json, slow.json, fast.json_len) != 0))
		fail_msg("fast path and expat differ on [%s]:\n%s\n%s", rec,
		    fast.json != NULL ? fast.json : "",
		    slow.json != NULL ? slow.json : "");
	for (i = 0; i < fast.st.nsamples; i++) {
		if (strcmp(reason(fast.st.samples[i].why),
			reason(slow.st.samples[i].why)) != 0 ||
		    fast.st.samples[i].line != slow.st.samples[i].line)
			fail_msg(
			    "fast path and expat reject [%s] apart: %s / %s",
			    rec, fast.st.samples[i].why,
			    slow.st.samples[i].why);
	}
	free(fast.json);
	free(slow.json);
	free(via);
	if (fast.st.rejected > 0)
		return ('r');
	return (fast.st.events > 0 ? 'e' : 'i');
}

static const struct {
	const char *xml;
	char want; /* 'e' event, 'i' ignored, 'r' rejected */
} fast_cases[] = {
	{ SEC_4688(""), 'e' },
	/* An EventID in a comment or CDATA is no EventID. */
	{ SEC_HEAD
	    "<!-- <EventID>4688</EventID> --><EventID>4663</EventID>" SEC_TAIL
	    "</Event>",
	    'i' },
	{ SEC_HEAD
	    "<!-- <EventID>4663</EventID> --><EventID>4688</EventID>" SEC_TAIL
	    "</Event>",
	    'e' },
	{ SEC_HEAD "<Keywords><![CDATA[<EventID>4688</EventID>]]></Keywords>"
		   "<EventID>4663</EventID>" SEC_TAIL "</Event>",
	    'i' },
	{ SEC_HEAD "<EventID><![CDATA[46]]>88</EventID>" SEC_TAIL "</Event>",
	    'e' },
	{ SEC_HEAD "<EventID><![CDATA[46\r\n]]>\r88</EventID>" SEC_TAIL
		   "</Event>",
	    'r' },
	/* Prefixed, the element is not EventID: no ID at all. */
	{ SEC_HEAD "<e:EventID xmlns:e=\"" NS "\">4688</e:EventID>" SEC_TAIL
		   "</Event>",
	    'r' },
	{ SEC_HEAD "<EventID Qualifiers=\"16384\">4688</EventID>" SEC_TAIL
		   "</Event>",
	    'e' },
	{ SEC_HEAD
	    "<EventID Qualifiers='a>b' Q2=\"'&gt;\">4688</EventID >" SEC_TAIL
	    "</Event>",
	    'e' },
	{ SEC_HEAD "<EventID\n\t>\r\n 4688\r\n</EventID\r\n>" SEC_TAIL
		   "</Event>",
	    'e' },
	{ SEC_HEAD "< EventID>4688</EventID>" SEC_TAIL "</Event>", 'r' },
	{ SEC_HEAD "<EventID>4688</EventIDx>" SEC_TAIL "</Event>", 'r' },
	{ SEC_HEAD "<EventID>4688</Eventid>" SEC_TAIL "</Event>", 'r' },
	{ SEC_HEAD "<EventID>4688" SEC_TAIL "</Event>", 'r' },
	/* References. */
	{ SEC_HEAD "<EventID>&#52;688</EventID>" SEC_TAIL "</Event>", 'e' },
	{ SEC_HEAD "<EventID>&#x34;688</EventID>" SEC_TAIL "</Event>", 'e' },
	{ SEC_HEAD "<EventID>&#0;4688</EventID>" SEC_TAIL "</Event>", 'r' },
	{ SEC_HEAD "<EventID>&xxe;4688</EventID>" SEC_TAIL "</Event>", 'r' },
	{ SEC_HEAD "<EventID>&amp4688</EventID>" SEC_TAIL "</Event>", 'r' },
	{ SEC_4688("<Data Name=\"CommandLine\">a &amp; b &lt;c&gt; &quot;"
		   "&apos;</Data>"),
	    'e' },
	{ SEC_4688("<Data Name=\"Command&#76;ine\">x</Data>"), 'e' },
	{ SEC_4688("<Data Name=\"Command&amp;Line\">x</Data>"), 'e' },
	{ SEC_4688("<Data Name='CommandLine'>&lt;&#x1F600;&gt;</Data>"), 'e' },
	/* Attributes. */
	{ SEC_HEAD "<EventID>4688</EventID><TimeCreated SystemTime=\""
		   "2017-05-12T07:44:31Z\n\"/></System></Event>",
	    'e' },
	{ SEC_HEAD "<EventID>4688</EventID><TimeCreated SystemTime=\""
		   "2017-05-12T07:44:31Z\" SystemTime=\"x\"/></System></Event>",
	    'r' },
	{ SEC_HEAD "<EventID>4688</EventID><TimeCreated a=\"1\"SystemTime=\""
		   "2017-05-12T07:44:31Z\"/></System></Event>",
	    'r' },
	{ SEC_HEAD "<EventID>4688</EventID><TimeCreated SystemTime="
		   "2017-05-12T07:44:31Z/></System></Event>",
	    'r' },
	{ SEC_HEAD "<EventID>4688</EventID><TimeCreated SystemTime=\"<\"/>"
		   "</System></Event>",
	    'r' },
	{ SEC_HEAD "<EventID>4688</EventID><TimeCreated a1='' a2='' a3='' "
		   "a4='' a5='' a6='' a7='' a8='' a9='' a10='' a11='' a12='' "
		   "a13='' a14='' a15='' a16='' a17='' SystemTime='2017-05-12T"
		   "07:44:31Z'/></System></Event>",
	    'e' },
	/* Text expat refuses... */
	{ SEC_4688("<Data Name=\"x\">a]]>b</Data>"), 'r' },
	{ SEC_4688("<Data Name=\"x\">a]]b]</Data>"), 'e' },
	{ SEC_4688("<Data Name=\"x\">a\x01</Data>"), 'e' },
	{ SEC_4688("<Data Name=\"x\">a\x7f</Data>"), 'e' },
	{ SEC_4688("<Data Name=\"x\">\xc3\xa4\xe2\x82\xac\xf0\x9f\x98\x80"
		   "</Data>"),
	    'e' },
	/* ... but not the whole record: repaired (U+FFFD), then read. */
	{ SEC_4688("<Data Name=\"x\">\xc3</Data>"), 'e' },
	{ SEC_4688("<Data Name=\"x\">\xc0\xaf</Data>"), 'e' },
	{ SEC_4688("<Data Name=\"x\">\xed\xa0\x80</Data>"), 'e' },
	{ SEC_4688("<Data Name=\"x\">\xef\xbf\xbe</Data>"), 'e' },
	{ SEC_4688("<Data Name=\"x\">\xf4\x90\x80\x80</Data>"), 'e' },
	{ SEC_4688("<Data Name=\"\xff\">x</Data>"), 'e' },
	{ SEC_4688("<Data Name=\"x\">&#x1;&#27;&#xFFFE;&#1114112;</Data>"),
	    'e' },
	/* Markup is not repaired: a forbidden byte in a name breaks it. */
	{ SEC_4688("<Da\x01ta Name=\"x\">x</Da\x01ta>"), 'r' },
	{ SEC_4688("<D\xc3\xa4ta Name=\"x\">x</D\xc3\xa4ta>"), 'e' },
	/* Comments. */
	{ SEC_4688("<!-- a -- b -->"), 'r' },
	{ SEC_4688("<!--->x-->"), 'e' },
	{ SEC_4688("<!-- x --->"), 'r' },
	{ SEC_4688("<!-- <Data Name=\"CommandLine\">fake</Data> -->"), 'e' },
	{ SEC_4688("<![CDATA[x]]"), 'r' },
	/* Structure. */
	{ SEC_4688("<a><b></a></b>"), 'r' },
	{ SEC_4688("<a/><b x='1'/>"), 'e' },
	{ SEC_4688("<Data Name=\"x\"/>"), 'e' },
	{ SEC_HEAD "<EventID/>" SEC_TAIL "</Event>", 'r' },
	{ SEC_HEAD "<EventID>46<x/>88</EventID>" SEC_TAIL "</Event>", 'e' },
	{ SEC_HEAD "<EventID>4663</EventID><EventID>4688</EventID>" SEC_TAIL
		   "</Event>",
	    'i' },
	{ "<Event/>", 'r' },
	{ "<Event><System><EventID>4688</EventID></System></Event>", 'r' },
};

/*
 * 200 junk Data elements ahead of the fields a 4688 is read for: those
 * fields are kept in place of junk, the event is found whole.
 */
static void
test_junk_data_ahead(void **state)
{
	struct run_out o;
	char *junk, *one, *text;
	unsigned i;

	(void)state;
	junk = strf("%s", "");
	for (i = 0; i < 200; i++) {
		one = strf("%s<Data Name=\"J%u\">x</Data>", junk, i);
		free(junk);
		junk = one;
	}
	text = strf(SEC_HEAD "<EventID>4688</EventID>" SEC_TAIL
			     "<EventData>%s<Data Name=\"SubjectUserName\">u"
			     "</Data><Data Name=\"NewProcessName\">C:\\q\\"
			     "tasksche.exe</Data><Data Name=\"CommandLine\">"
			     "tasksche.exe /i</Data></EventData></Event>\n",
	    junk);
	run_mem("evtx-xml", text, 0, &o);
	assert_int_equal(o.st.events, 1);
	assert_true(any_reject(&o, "75 Data elements past the first 128"));
	assert_non_null(strstr(o.json, "\"cmdline\":\"tasksche.exe /i\""));
	assert_non_null(strstr(o.json, "tasksche.exe\",\"cmdline\""));
	assert_non_null(strstr(o.json, "\"user\":\"u\""));
	free(o.json);
	free(text);
	free(junk);
}

/* A record ignored is ignored for its event ID, and says so. */
static void
test_ignored_by_cause(void **state)
{
	struct run_out o;
	char *text;

	(void)state;
	text = strf("%s%s%s", SEC_4688(""),
	    SEC_HEAD "<EventID>4663</EventID>" SEC_TAIL "</Event>\n",
	    SEC_HEAD "<EventID>4625</EventID>" SEC_TAIL "</Event>\n");
	run_mem("evtx-xml", text, 0, &o);
	assert_int_equal(o.st.records, 3);
	assert_int_equal(o.st.events, 1);
	assert_int_equal(o.st.ignored, 2);
	assert_int_equal(o.st.ignored_by[WCS_IGN_EVENTID], 2);
	assert_int_equal(o.st.ignored_by[WCS_IGN_OTHER], 0);
	assert_int_equal(o.st.log_state, 0);
	free(o.json);
	free(text);
}

static void
test_fast_path_like_expat(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < WCS_NELEM(fast_cases); i++) {
		if (same_as_expat(fast_cases[i].xml) != fast_cases[i].want)
			fail_msg("case %zu: not '%c': [%s]", i,
			    fast_cases[i].want, fast_cases[i].xml);
	}
}

/* Mutated records: the fast path gives up or agrees with expat. */
static void
test_fast_path_mutations(void **state)
{
	static const char *const bits[] = { "<", ">", "&", "&amp;", "&#52;",
		"]]>", "]", "\r", "\r\n", "\t", "\n", "\"", "'", "<!--", "-->",
		"--", "<![CDATA[", "\xc3\xa4", "\xc3", "\xed\xa0\x80",
		"\xef\xbf\xbe", "\x01", "\x7f", "/", "=", " ", "<a>", "</a>",
		":", "<EventID>4624</EventID>", "</EventID>", "x" };
	static const char *const bases[] = {
		SEC_4688("<Data Name=\"CommandLine\">a &amp; b</Data>"),
		SEC_HEAD
		"<EventID Qualifiers='1'>4663</EventID>" SEC_TAIL
		"<EventData><Data Name='x'>y</Data></EventData></Event>",
	};
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	char buf[2048];
	size_t i, n, at, k, m;
	const char *b;

	(void)state;
	for (i = 0; i < 4000; i++) {
		b = bases[i % WCS_NELEM(bases)];
		n = strlen(b);
		memcpy(buf, b, n + 1);
		for (k = 0; k < 1 + i % 3; k++) {
			seed = seed * 6364136223846793005ULL +
			       1442695040888963407ULL;
			at = (size_t)(seed >> 33) % n;
			m = (size_t)(seed >> 20) % (WCS_NELEM(bits) + 2);
			if (m == WCS_NELEM(bits)) { /* drop a byte */
				memmove(buf + at, buf + at + 1, n - at);
				n--;
			} else if (m > WCS_NELEM(bits)) { /* change a byte */
				buf[at] = (char)(seed >> 40);
				if (buf[at] == '\0')
					buf[at] = '<';
			} else if (n + strlen(bits[m]) < sizeof(buf)) {
				memmove(buf + at + strlen(bits[m]), buf + at,
				    n - at + 1);
				memcpy(buf + at, bits[m], strlen(bits[m]));
				n += strlen(bits[m]);
			}
		}
		/* An instruction already there would take in the reference's. */
		if (strstr(buf, "<?") == NULL)
			(void)same_as_expat(buf);
	}
}

/* Line numbers and offsets stay right across many window refills. */
static void
test_lines_across_windows(void **state)
{
	struct run_out o;
	char *text = NULL, *ev;
	size_t len, offs[300];
	uint64_t lines[300], line = 1;
	unsigned i;
	FILE *fp = open_memstream(&text, &len);

	(void)state;
	assert_non_null(fp);
	for (i = 0; i < 300; i++) {
		/* Blank lines and CRLF between records, of varied length. */
		fputs(i % 3 == 0 ? "\r\n" : "", fp);
		line += i % 3 == 0;
		(void)fflush(fp);
		offs[i] = len;
		lines[i] = line;
		ev = svc_event(i % 2 ? "odd\nname" : "even",
		    i % 5 ?
			"" :
			"<Data Name=\"Pad\">"
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
			"</Data>");
		fputs(ev, fp);
		line += 1 + (i % 2) + (i % 5 == 0);
		free(ev);
	}
	(void)fclose(fp);
	run_mem("evtx-xml", text, 4096, &o);
	assert_int_equal(o.st.events, 300);
	for (i = 0; i < 300; i++) {
		if (o.lines[i] != lines[i] || o.offsets[i] != offs[i])
			fail_msg("event %u: line %llu offset %llu, want %llu "
				 "%zu",
			    i, (unsigned long long)o.lines[i],
			    (unsigned long long)o.offsets[i],
			    (unsigned long long)lines[i], offs[i]);
	}
	free(o.json);
	free(text);
}

/*
 * Failing allocations: every allocation in turn fails; the run ends in
 * WCS_FATAL (or reads everything), never crashes or leaks.
 */
static void
test_failing_allocations(void **state)
{
	struct fail_alloc f;
	struct wcs_alloc a = { fail_malloc, fail_realloc, fail_free, &f };
	struct wcs_ctx ctx;
	struct run_out o;
	char *ev, *text;
	long n;

	(void)state;
	ev = svc_event("mssecsvc2.0", "<Data Name=\"AccountName\">"
				      "LocalSystem</Data>");
	text = strf("<Events>%s%s</Events>", ev, ev);
	for (n = 0;; n++) {
		f.left = n;
		wcs_ctx_init(&ctx, &a);
		run_mem_ctx(&ctx, "evtx-xml", text, strlen(text), 0, &o);
		free(o.json);
		if (o.rc == WCS_OK) {
			assert_int_equal(o.st.events, 2);
			break;
		}
		assert_true(o.rc == WCS_FATAL || o.rc == WCS_FAILED);
		assert_true(n < 1000);
	}
	free(ev);
	free(text);
}

/*
 * The shared corpus of real exports (../shared/data/xml): 22 files,
 * 6459 events, none rejected, each recognised by bidding.
 */
struct corpus {
	unsigned files;
	uint64_t records, rejected;
};

static int
corpus_event(const struct wcs_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
	return (WCS_OK);
}

static int
corpus_file(const char *path, void *arg)
{
	struct corpus *c = arg;
	const struct wcs_reader_ops *ops;
	const unsigned char *peek;
	struct wcs_input_stats st;
	struct wcs_run_opts opts;
	struct wcs_input *in;
	struct wcs_ctx ctx;
	size_t plen;
	int best;

	wcs_ctx_init(&ctx, NULL);
	memset(&st, 0, sizeof(st));
	st.first = st.last = WCS_TIME_NONE;
	memset(&opts, 0, sizeof(opts));
	opts.since = opts.until = WCS_TIME_NONE;
	assert_int_equal(wcs_input_open(&ctx, path, 0, &in), WCS_OK);
	assert_int_equal(wcs_input_peek(in, &peek, &plen), WCS_OK);
	ops = wcs_reader_choose(peek, plen, WCS_KIND_ANY, &best);
	if (ops == NULL || (strcmp(ops->name, "evtx-xml") != 0 &&
			       strcmp(ops->name, "sysmon-xml") != 0))
		fail_msg("%s: recognised as %s", path,
		    ops != NULL ? ops->name : "nothing");
	assert_int_equal(
	    wcs_reader_run(&ctx, ops, in, &opts, &st, corpus_event, NULL),
	    WCS_OK);
	if (st.rejected > 0)
		print_message("%s: line %llu: %s\n", path,
		    (unsigned long long)st.samples[0].line, st.samples[0].why);
	c->files++;
	c->records += st.records;
	c->rejected += st.rejected;
	wcs_input_close(in);
	return (WCS_OK);
}

static void
test_shared_xml_corpus(void **state)
{
	const char *dir = WCSCAN_SHARED_DIR "/data/xml";
	struct corpus c = { 0, 0, 0 };
	struct wcs_ctx ctx;
	struct stat sb;

	(void)state;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		print_message("SKIP: %s is absent\n", dir);
		skip();
	}
	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(wcs_walk(&ctx, dir, corpus_file, NULL, &c), WCS_OK);
	assert_int_equal(c.files, 22);
	assert_int_equal(c.records, 6459);
	assert_int_equal(c.rejected, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_evtx_xml),
		cmocka_unit_test(test_golden_sysmon_xml),
		cmocka_unit_test(test_bid_xml_shapes),
		cmocka_unit_test(test_bid_not_claimed),
		cmocka_unit_test(test_bid_out_of_reach),
		cmocka_unit_test(test_doctype_and_entities_rejected),
		cmocka_unit_test(test_nesting_too_deep),
		cmocka_unit_test(test_many_data),
		cmocka_unit_test(test_junk_data_ahead),
		cmocka_unit_test(test_overlong_record_skipped),
		cmocka_unit_test(test_unclosed_records),
		cmocka_unit_test(test_forbidden_characters_repaired),
		cmocka_unit_test(test_comments_and_cdata),
		cmocka_unit_test(test_fast_path_like_expat),
		cmocka_unit_test(test_ignored_by_cause),
		cmocka_unit_test(test_fast_path_mutations),
		cmocka_unit_test(test_lines_across_windows),
		cmocka_unit_test(test_failing_allocations),
		cmocka_unit_test(test_shared_xml_corpus),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
