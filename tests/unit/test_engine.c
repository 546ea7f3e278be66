/*
 * engine: verdicts, host identity joins, ranking, bounded evidence.
 * Events are built by hand; the shipped rules are used.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wcscan/engine.h"
#include "wcscan/timeutil.h"

struct fixture {
	struct wcs_ctx ctx;
	struct wcs_rules *rules;
	struct wcs_engine *eng;
};

static const char *const paths[] = { "sec.xml", "dns.log", "smb.log",
	"fw.log" };

static int
setup(void **state)
{
	static struct fixture f;
	struct wcs_engine_opts eo;

	wcs_ctx_init(&f.ctx, NULL);
	if ((f.rules = wcs_rules_new(&f.ctx)) == NULL ||
	    wcs_rules_load_dir(f.rules, WCSCAN_RULES_SRC_DIR) != WCS_OK)
		return (-1);
	memset(&eo, 0, sizeof(eo));
	eo.input_paths = paths;
	eo.ninputs = 4;
	if ((f.eng = wcs_engine_new(&f.ctx, &eo, f.rules)) == NULL)
		return (-1);
	*state = &f;
	return (0);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	wcs_engine_free(f->eng);
	wcs_rules_free(f->rules);
	return (0);
}

static int64_t
at(int h, int m, int s)
{
	int64_t t;

	assert_true(wcs_time_from_civil(2017, 5, 12, h, m, s, 0, &t));
	return (t);
}

static void
feed(struct fixture *f, struct wcs_event *ev)
{
	assert_int_equal(wcs_engine_feed(f->eng, ev), WCS_OK);
}

static void
process(struct fixture *f, const char *host, int64_t t, const char *image,
    const char *cmdline)
{
	struct wcs_event ev;

	wcs_event_clear(&ev);
	ev.kind = WCS_EV_PROCESS;
	ev.event_id = 4688;
	ev.ts_us = t;
	ev.host = host;
	ev.image = image;
	ev.cmdline = cmdline;
	ev.input = 0;
	ev.line = 10;
	feed(f, &ev);
}

static void
dns(struct fixture *f, const char *client, int64_t t, int dir, int rcode)
{
	struct wcs_event ev;

	wcs_event_clear(&ev);
	ev.kind = WCS_EV_DNS;
	ev.ts_us = t;
	assert_true(wcs_addr_parse(client, strlen(client), &ev.src));
	ev.qname = "www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com";
	ev.dns_dir = (uint8_t)dir;
	ev.rcode = (int16_t)rcode;
	ev.input = 1;
	ev.line = 20;
	feed(f, &ev);
}

static void
logon(struct fixture *f, const char *ip, const char *workstation)
{
	struct wcs_event ev;

	wcs_event_clear(&ev);
	ev.kind = WCS_EV_LOGON;
	ev.ts_us = at(9, 0, 0);
	assert_true(wcs_addr_parse(ip, strlen(ip), &ev.src));
	ev.name = workstation;
	ev.host = "DC01";
	ev.input = 0;
	ev.line = 5;
	feed(f, &ev);
}

static const struct wcs_host *
find(const struct wcs_result *res, const char *label)
{
	char buf[128];
	size_t i;

	for (i = 0; i < res->nhosts; i++) {
		if (strcmp(wcs_host_label(&res->hosts[i], buf, sizeof(buf)),
			label) == 0)
			return (&res->hosts[i]);
	}
	fail_msg("host %s not in the result", label);
	return (NULL);
}

static void
conn(struct fixture *f, const char *src, const char *dst, int64_t t,
    uint32_t input, const char *image)
{
	struct wcs_event ev;

	wcs_event_clear(&ev);
	ev.kind = WCS_EV_CONN;
	ev.ts_us = t;
	assert_true(wcs_addr_parse(src, strlen(src), &ev.src));
	assert_true(wcs_addr_parse(dst, strlen(dst), &ev.dst));
	ev.dport = 445;
	ev.sport = 49152;
	ev.proto = 6;
	ev.image = image;
	ev.input = input;
	ev.line = 100;
	feed(f, &ev);
}

/* A sweep of n addresses of 10.0.<net>.x starting at t, one a second. */
static void
sweep(struct fixture *f, const char *src, int net, int n, int64_t t,
    uint32_t input)
{
	char dst[32];
	int i;

	for (i = 1; i <= n; i++) {
		(void)snprintf(dst, sizeof(dst), "10.0.%d.%d", net, i);
		if (strcmp(dst, src) != 0)
			conn(f, src, dst, t + (int64_t)i * WCS_USEC, input,
			    NULL);
	}
}

static void
test_fanout_counts(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;
	const struct wcs_host *h;
	char dst[32];
	int i;

	/* 30 neighbours in 30 s, 5 in another subnet, 40 public. */
	sweep(f, "10.0.1.200", 1, 30, at(15, 0, 0), 1);
	sweep(f, "10.0.1.200", 2, 5, at(15, 1, 0), 1);
	for (i = 0; i < 40; i++) {
		(void)snprintf(dst, sizeof(dst), "%d.%d.1.1", 20 + i, i);
		conn(f, "10.0.1.200", dst, at(15, 2, i), 1, NULL);
	}
	/* Repeats do not count twice. */
	sweep(f, "10.0.1.200", 1, 30, at(15, 10, 0), 1);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	h = find(res, "10.0.1.200");
	assert_int_equal(h->fanout.same_subnet, 30);
	assert_int_equal(h->fanout.other_internal, 5);
	assert_int_equal(h->fanout.public_, 40);
	assert_int_equal(h->fanout.distinct, 75);
	assert_int_equal(h->fanout.attempts, 105);
	assert_int_equal(h->fanout.first, at(15, 0, 1));
	/* Public probes on 445 are what the worm does: with no outbreak
	 * evidence elsewhere it is still only a fan-out. */
	assert_int_equal(h->verdict, WCS_VERDICT_SCANNER);
}

/*
 * Patient zero's logs are missing: 10.0.1.5 is seen only sweeping.  Its
 * victim 10.0.1.7 has logs (start-up at 15:00:30, reached at 15:00:07);
 * it does not reach 10.0.1.9;
 * 10.0.1.7 then reaches 10.0.1.9, which starts 20 s later.  A management
 * server has pushed to every host hourly since the day before.
 */
static void
test_graph_from_the_victims_side(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;
	const struct wcs_host *pz, *v1, *v2, *mgmt;
	int hour;

	for (hour = 0; hour < 24; hour++)
		sweep(f, "10.0.1.250", 1, 20,
		    at(0, 0, 0) + (int64_t)hour * 3600 * WCS_USEC -
			86400LL * WCS_USEC,
		    2);
	sweep(f, "10.0.1.250", 1, 20, at(15, 0, 20), 2);
	sweep(f, "10.0.1.5", 1, 8, at(15, 0, 0), 1); /* not .9 */
	logon(f, "10.0.1.7", "WS07");
	process(f, "WS07", at(15, 0, 30), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	process(f, "WS07", at(15, 0, 31), "C:\\ProgramData\\q\\tasksche.exe",
	    "tasksche.exe /i");
	sweep(f, "10.0.1.7", 1, 20, at(15, 0, 40), 1);
	logon(f, "10.0.1.9", "WS09");
	process(f, "WS09", at(15, 1, 9), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	process(
	    f, "WS09", at(15, 1, 10), "C:\\ProgramData\\r\\taskdl.exe", NULL);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	pz = find(res, "10.0.1.5");
	v1 = find(res, "10.0.1.7");
	v2 = find(res, "10.0.1.9");
	mgmt = find(res, "10.0.1.250");
	assert_int_equal(pz->verdict, WCS_VERDICT_INFECTED);
	assert_int_equal(pz->rank, 1);
	assert_null(pz->infected_by);
	assert_string_equal(v1->infected_by, "10.0.1.5");
	assert_string_equal(v2->infected_by, "10.0.1.7");
	assert_int_equal(mgmt->verdict, WCS_VERDICT_SCANNER);
	assert_int_equal(mgmt->rank, 0);
	assert_int_equal(res->nedges, 2);
	assert_string_equal(res->edges[0].from, "10.0.1.5");
	assert_string_equal(res->edges[0].to, "10.0.1.7");
}

/* The same contacts seen by two logs whose clocks differ by 90 s. */
static void
test_skew_estimate(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;
	char dst[32];
	const char *ref;
	int64_t off, unc;
	size_t n;
	int i;

	for (i = 1; i <= 10; i++) {
		(void)snprintf(dst, sizeof(dst), "10.0.3.%d", i);
		conn(f, "10.0.3.100", dst, at(15, 0, i), 1, NULL);
		conn(f, "10.0.3.100", dst, at(15, 1, 30 + i), 2, NULL);
	}
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	assert_true(wcs_engine_input_offset(f->eng, 1, &off, &unc, &ref, &n));
	if (ref == NULL) /* 1 is the reference: look at 2 */
		assert_true(
		    wcs_engine_input_offset(f->eng, 2, &off, &unc, &ref, &n));
	assert_non_null(ref);
	assert_int_equal(n, 10);
	/* Either 1 is 90 s behind 2, or 2 is 90 s ahead of 1. */
	assert_true(off == 90 * WCS_USEC || off == -90 * WCS_USEC);
	assert_true(unc <= WCS_USEC);
}

/* A clock of the result by name. */
static const struct wcs_clock *
find_clock(const struct wcs_result *res, const char *name)
{
	size_t i;

	for (i = 0; i < res->nclocks; i++) {
		if (strcmp(res->clocks[i].name, name) == 0)
			return (&res->clocks[i]);
	}
	fail_msg("clock %s not in the result", name);
	return (NULL);
}

/*
 * One central file (input 0) holds the Sysmon 3 events of two computers
 * whose clocks run 60 s fast and 45 s slow; the gateway (input 3) saw the
 * same contacts.  Each computer gets its own offset, and a third computer
 * that shares nothing stays unknown with a large uncertainty.
 */
static void
test_clocks_per_machine(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;
	const struct wcs_clock *c;
	struct wcs_event ev;
	char dst[32];
	int i, k;
	static const struct {
		const char *host, *src;
		int net, skew;
	} m[] = { { "COMP-A", "10.0.3.100", 3, 60 },
		{ "COMP-B", "10.0.4.100", 4, -45 } };

	for (k = 0; k < 2; k++) {
		for (i = 1; i <= 10; i++) {
			(void)snprintf(
			    dst, sizeof(dst), "10.0.%d.%d", m[k].net, i);
			conn(f, m[k].src, dst, at(15, 0, i), 3, NULL);
			wcs_event_clear(&ev);
			ev.kind = WCS_EV_CONN;
			ev.event_id = 3;
			ev.host = m[k].host;
			ev.ts_us = at(15, 0, i) + m[k].skew * WCS_USEC;
			assert_true(wcs_addr_parse(
			    m[k].src, strlen(m[k].src), &ev.src));
			assert_true(wcs_addr_parse(dst, strlen(dst), &ev.dst));
			ev.dport = 445;
			ev.proto = 6;
			ev.outbound = 1;
			ev.input = 0;
			ev.line = (uint64_t)i;
			feed(f, &ev);
		}
	}
	process(f, "COMP-C", at(15, 2, 0), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	c = find_clock(res, "COMP-A");
	assert_true(c->known);
	assert_int_equal(c->offset_us, 60 * WCS_USEC);
	assert_true(c->uncertainty_us <= WCS_USEC);
	assert_string_equal(c->reference, "fw.log");
	c = find_clock(res, "COMP-B");
	assert_true(c->known);
	assert_int_equal(c->offset_us, -45 * WCS_USEC);
	c = find_clock(res, "COMP-C");
	assert_false(c->known);
	assert_true(c->uncertainty_us >= 60 * WCS_USEC);
}

static void
test_verdicts_and_ranking(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;
	const struct wcs_host *h;
	struct wcs_event ev;

	/* WS01 (10.0.0.5): service and installer; earliest. */
	logon(f, "10.0.0.5", "WS01");
	process(f, "ws01.corp.example", at(15, 3, 0),
	    "C:\\WINDOWS\\mssecsvc.exe", "mssecsvc.exe -m security");
	process(f, "ws01.corp.example", at(15, 3, 9),
	    "C:\\ProgramData\\x\\tasksche.exe", "tasksche.exe /i");
	/* WS02: infected later. */
	process(
	    f, "WS02", at(15, 20, 0), "C:\\ProgramData\\y\\taskdl.exe", NULL);
	/* 10.0.0.7: looked up, NXDOMAIN, nothing else seen. */
	dns(f, "10.0.0.7", at(15, 4, 0), WCS_DNS_RESPONSE, WCS_RCODE_NXDOMAIN);
	/* 10.0.0.8: looked up after the sinkhole, answered: neutralized,
	 * even though the worm's own process start was logged. */
	logon(f, "10.0.0.8", "WS08");
	process(f, "WS08", at(15, 30, 0), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	dns(f, "10.0.0.8", at(15, 30, 1), WCS_DNS_RESPONSE, WCS_RCODE_NOERROR);
	/* 10.0.0.9: answered, but the worm went on: infected. */
	dns(f, "10.0.0.9", at(15, 40, 0), WCS_DNS_RESPONSE, WCS_RCODE_NOERROR);
	logon(f, "10.0.0.9", "WS09");
	process(
	    f, "WS09", at(15, 40, 5), "C:\\ProgramData\\z\\tasksche.exe", NULL);
	/* Generic shadow-copy deletion alone: suspicious only. */
	process(f, "FS01", at(16, 0, 0), "C:\\Windows\\System32\\vssadmin.exe",
	    "vssadmin delete shadows /all /quiet");
	/* SMB1 only: exposed. */
	wcs_event_clear(&ev);
	ev.kind = WCS_EV_SMB;
	ev.ts_us = at(10, 0, 0);
	assert_true(wcs_addr_parse("10.0.0.50", 9, &ev.src));
	assert_true(wcs_addr_parse("10.0.0.60", 9, &ev.dst));
	ev.host = "PRINTSRV";
	ev.smb_version = 1;
	ev.input = 2;
	ev.line = 3;
	feed(f, &ev);

	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	h = find(res, "10.0.0.5");
	assert_int_equal(h->verdict, WCS_VERDICT_INFECTED);
	assert_int_equal(h->rank, 1);
	assert_int_equal(h->first_evidence, at(15, 3, 0));
	assert_true(h->nnames >= 2); /* WS01 and ws01.corp.example */
	assert_int_equal(h->nevidence, 3); /* image, image, cmdline */
	assert_string_equal(h->evidence[0].source, "sec.xml:10");
	h = find(res, "WS02");
	assert_int_equal(h->verdict, WCS_VERDICT_INFECTED);
	h = find(res, "10.0.0.9");
	assert_int_equal(h->verdict, WCS_VERDICT_INFECTED);
	/* Its lookup at 15:40 is its first evidence: after WS02's 15:20. */
	assert_int_equal(h->first_evidence, at(15, 40, 0));
	assert_int_equal(h->rank, 3);
	assert_int_equal(find(res, "WS02")->rank, 2);
	h = find(res, "10.0.0.7");
	assert_int_equal(h->verdict, WCS_VERDICT_SUSPICIOUS);
	assert_int_equal(h->rank, 0);
	assert_non_null(strstr(h->reasons[0], "NXDOMAIN"));
	assert_int_equal(
	    find(res, "10.0.0.8")->verdict, WCS_VERDICT_NEUTRALIZED);
	assert_int_equal(find(res, "FS01")->verdict, WCS_VERDICT_SUSPICIOUS);
	h = find(res, "10.0.0.50");
	assert_int_equal(h->verdict, WCS_VERDICT_EXPOSED);
	assert_true(h->smb1);
	assert_string_equal(h->names[0], "PRINTSRV");
	assert_int_equal(find(res, "10.0.0.60")->verdict, WCS_VERDICT_EXPOSED);
	/* Hosts without anything to say are not reported. */
	for (size_t i = 0; i < res->nhosts; i++)
		assert_int_not_equal(res->hosts[i].verdict, WCS_VERDICT_CLEAN);
	/* Ranked hosts come first. */
	assert_int_equal(res->hosts[0].rank, 1);
}

static void
test_evidence_is_bounded(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;
	const struct wcs_host *h;
	int i;

	for (i = 0; i < 10000; i++)
		process(f, "BUSY", at(12, 0, 0) + i, "C:\\x\\taskdl.exe", NULL);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	h = find(res, "BUSY");
	assert_int_equal(h->evidence_total, 10000);
	assert_true(h->nevidence <= 32);
	assert_int_equal(h->verdict, WCS_VERDICT_INFECTED);
}

static void
test_loopback_is_not_an_identity(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;

	logon(f, "127.0.0.1", "WS05");
	logon(f, "::1", "WS05");
	process(f, "WS05", at(15, 0, 0), "C:\\x\\tasksche.exe", NULL);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	assert_int_equal(res->nhosts, 1);
	assert_false(wcs_addr_present(&res->hosts[0].ip));
	assert_string_equal(res->hosts[0].names[0], "WS05");
}

/* Names with no first label (".corp", "$", ".") from a hostile log are not
 * identities: they neither stop the run nor make a host; the address does. */
static void
test_nameless_names_ignored(void **state)
{
	static const char *const bad[] = { ".WS7974", "$", ".", ".$" };
	struct fixture *f = *state;
	const struct wcs_result *res;
	struct wcs_event ev;
	size_t i;

	for (i = 0; i < WCS_NELEM(bad); i++) {
		logon(f, "10.0.0.7", bad[i]);
		process(f, bad[i], at(15, 0, 0), "C:\\x\\tasksche.exe", NULL);
		wcs_event_clear(&ev);
		ev.kind = WCS_EV_SMB;
		ev.ts_us = at(15, 0, 1);
		assert_true(wcs_addr_parse("10.0.0.8", 8, &ev.src));
		assert_true(wcs_addr_parse("10.0.0.9", 8, &ev.dst));
		ev.host = bad[i];
		ev.smb_version = 1;
		ev.input = 2;
		ev.line = 3;
		feed(f, &ev);
	}
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	for (i = 0; i < res->nhosts; i++)
		assert_true(res->hosts[i].nnames == 0);
}

/* A lookup from an address no log names, one second before a host known
 * only by name starts the worm: one host.  The lookup has no logged
 * answer (BIND logs queries only) but came after the sinkhole. */
static void
test_timing_join_and_presumed_answer(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;
	const struct wcs_host *h;
	struct wcs_event ev;
	int64_t t;

	assert_true(wcs_time_from_civil(2017, 5, 12, 16, 0, 0, 0, &t));
	wcs_event_clear(&ev);
	ev.kind = WCS_EV_DNS;
	ev.ts_us = t;
	assert_true(wcs_addr_parse("10.0.5.43", 9, &ev.src));
	ev.qname = "www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com";
	ev.dns_dir = WCS_DNS_QUERY;
	ev.input = 1;
	ev.line = 7;
	feed(f, &ev);
	process(f, "WS43", t + WCS_USEC, "C:\\WINDOWS\\mssecsvc.exe", NULL);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	assert_int_equal(res->nhosts, 1);
	h = &res->hosts[0];
	assert_string_equal(
	    wcs_host_label(h, (char[64]){ 0 }, 64), "10.0.5.43");
	assert_string_equal(h->names[0], "WS43");
	assert_int_equal(h->verdict, WCS_VERDICT_NEUTRALIZED);
	assert_non_null(strstr(h->reasons[0], "after it had begun to resolve"));
}

/* Before the sinkhole, an unanswered lookup is not presumed answered. */
static void
test_lookup_before_sinkhole_not_presumed(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;

	dns(f, "10.0.5.44", at(9, 0, 0), WCS_DNS_QUERY, WCS_RCODE_NONE);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	assert_int_equal(
	    find(res, "10.0.5.44")->verdict, WCS_VERDICT_SUSPICIOUS);
}

/*
 * 10.0.1.10 starts the worm and sweeps 10.0.1.1-40 one address a second;
 * only some of its targets log the contact (odd octets).  10.0.1.20 keeps
 * no firewall log but starts 5 s after the sweep reached it: the contact
 * is dated from its neighbours.  10.0.1.30 sweeps later, from 15:02.
 */
static void
test_estimated_contact(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;
	char dst[32];
	int i;

	logon(f, "10.0.1.10", "WS10");
	process(f, "WS10", at(14, 59, 50), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	for (i = 1; i <= 40; i += 2) {
		(void)snprintf(dst, sizeof(dst), "10.0.1.%d", i);
		if (i != 10)
			conn(f, "10.0.1.10", dst, at(15, 0, i), 3, NULL);
	}
	logon(f, "10.0.1.20", "WS20");
	process(f, "WS20", at(15, 0, 25), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	/* 10.0.1.30 was reached at 15:00:30 (estimated), but a second
	 * sweeper's logged contact at 15:00:40 is later, so the first wins. */
	sweep(f, "10.0.1.30", 1, 2, at(15, 2, 0), 3);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	assert_string_equal(find(res, "10.0.1.20")->infected_by, "10.0.1.10");
	assert_non_null(strstr(find(res, "10.0.1.20")->reasons[1], "about"));
	assert_int_equal(find(res, "10.0.1.10")->rank, 1);
}

/* Public probes: n addresses 30+i.i.1.1, one a second from t. */
static void
probe_public(struct fixture *f, const char *src, int n, int64_t t)
{
	char dst[32];
	int i;

	for (i = 0; i < n; i++) {
		(void)snprintf(dst, sizeof(dst), "%d.%d.1.1", 30 + i, i);
		conn(f, src, dst, t + (int64_t)i * WCS_USEC, 3, NULL);
	}
}

/*
 * Firewall and DNS logs alone: a failed kill-switch lookup followed
 * seconds later by a sweep is the worm; a neighbour it reached that
 * begins the same sweep and probes 16 s later (no lookup logged: an
 * outside resolver) is infected by it; a lookup with no sweep is an analyst; a
 * sweep with no lookup and nobody reaching it first is a scanner.
 */
static void
test_network_only_signature(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;
	const struct wcs_host *h;

	dns(f, "10.0.1.10", at(14, 0, 0), WCS_DNS_RESPONSE, WCS_RCODE_NXDOMAIN);
	sweep(f, "10.0.1.10", 1, 40, at(14, 0, 3), 3);
	probe_public(f, "10.0.1.10", 12, at(14, 0, 4));
	/* 10.0.1.20 was reached at 14:00:23; it sweeps from 14:00:39. */
	sweep(f, "10.0.1.20", 1, 40, at(14, 0, 38), 3);
	probe_public(f, "10.0.1.20", 12, at(14, 0, 39));
	/* An analyst: a lookup, nothing after. */
	dns(f, "10.0.1.30", at(14, 5, 0), WCS_DNS_RESPONSE, WCS_RCODE_NXDOMAIN);
	/* A sweep of another subnet that nothing infected reached. */
	sweep(f, "10.0.7.5", 7, 40, at(13, 0, 0), 3);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	h = find(res, "10.0.1.10");
	assert_int_equal(h->verdict, WCS_VERDICT_INFECTED);
	assert_int_equal(h->rank, 1);
	assert_null(h->infected_by);
	h = find(res, "10.0.1.20");
	assert_int_equal(h->verdict, WCS_VERDICT_INFECTED);
	assert_string_equal(h->infected_by, "10.0.1.10");
	assert_int_equal(h->rank, 2);
	assert_int_equal(
	    find(res, "10.0.1.30")->verdict, WCS_VERDICT_SUSPICIOUS);
	assert_int_equal(find(res, "10.0.7.5")->verdict, WCS_VERDICT_SCANNER);
}

/* The same lookup answered (the sinkhole live): no infection, whatever
 * the sweep; a lookup whose sweep came an hour later is not the worm. */
static void
test_network_signature_needs_failed_lookup_and_timing(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;

	dns(f, "10.0.1.10", at(14, 0, 0), WCS_DNS_RESPONSE, WCS_RCODE_NOERROR);
	sweep(f, "10.0.1.10", 1, 40, at(14, 0, 3), 3);
	dns(f, "10.0.2.10", at(12, 0, 0), WCS_DNS_RESPONSE, WCS_RCODE_NXDOMAIN);
	sweep(f, "10.0.2.10", 2, 40, at(13, 0, 0), 3);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	assert_true(find(res, "10.0.1.10")->verdict != WCS_VERDICT_INFECTED);
	assert_true(find(res, "10.0.2.10")->verdict != WCS_VERDICT_INFECTED);
}

/*
 * The host's own Security log and a collector's copy hold the same
 * records: one observation each.  A record with another EventRecordID,
 * or from another computer, is another observation.
 */
static void
test_duplicate_records_count_once(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;
	const struct wcs_host *h;
	struct wcs_event ev;
	uint32_t input;
	int i;

	for (input = 0; input < 2; input++) {
		for (i = 0; i < 3; i++) {
			wcs_event_clear(&ev);
			ev.kind = WCS_EV_PROCESS;
			ev.event_id = 4688;
			ev.host = input == 0 ? "WS05" : "ws05.corp.example";
			ev.channel = input == 0 ? "Security" : "security";
			ev.record_id = 1000 + (uint64_t)i;
			ev.ts_us = at(15, 0, i);
			ev.image = "C:\\WINDOWS\\mssecsvc.exe";
			ev.input = input;
			ev.line = (uint64_t)i + 1;
			feed(f, &ev);
		}
	}
	/* The same record number from another computer is not a copy. */
	wcs_event_clear(&ev);
	ev.kind = WCS_EV_PROCESS;
	ev.event_id = 4688;
	ev.host = "WS06";
	ev.channel = "Security";
	ev.record_id = 1000;
	ev.ts_us = at(15, 1, 0);
	ev.image = "C:\\WINDOWS\\mssecsvc.exe";
	ev.input = 1;
	feed(f, &ev);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	h = find(res, "WS05");
	assert_int_equal(h->evidence_total, 3);
	assert_int_equal(h->nevidence, 3);
	assert_int_equal(find(res, "WS06")->evidence_total, 1);
	assert_int_equal(wcs_engine_input_duplicates(f->eng, 0), 0);
	assert_int_equal(wcs_engine_input_duplicates(f->eng, 1), 3);
}

/*
 * An attacker at 10.0.0.66 puts "DC01" in its NTLM logons, first in file
 * order; DC01's own Sysmon places it at 10.0.0.5.  DC01 stays one row at
 * 10.0.0.5, the attacker's sweep stays in its own row, and both rows say
 * which claim was kept and why.  A name only ever claimed remotely, at two
 * addresses nothing else claims, is one machine with two addresses.
 */
static void
test_claimed_names_do_not_merge(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;
	const struct wcs_host *dc, *evil;
	struct wcs_event ev;
	size_t i;
	bool said;

	logon(f, "10.0.0.66", "DC01");
	logon(f, "10.0.0.66", "DC01");
	wcs_event_clear(&ev);
	ev.kind = WCS_EV_CONN;
	ev.event_id = 3;
	ev.host = "DC01";
	ev.ts_us = at(9, 1, 0);
	assert_true(wcs_addr_parse("10.0.0.5", 8, &ev.src));
	assert_true(wcs_addr_parse("10.0.0.9", 8, &ev.dst));
	ev.dport = 445;
	ev.proto = 6;
	ev.outbound = 1;
	ev.image = "System";
	ev.input = 0;
	feed(f, &ev);
	process(f, "DC01", at(15, 0, 0), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	sweep(f, "10.0.0.66", 0, 40, at(15, 1, 0), 3);
	logon(f, "10.0.7.8", "WS78");
	logon(f, "10.0.8.8", "WS78");
	process(f, "WS78", at(15, 2, 0), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	dc = find(res, "10.0.0.5");
	assert_int_equal(dc->nnames, 1);
	assert_string_equal(dc->names[0], "DC01");
	assert_int_equal(
	    dc->fanout.distinct, 1); /* its own SMB, not the sweep */
	for (i = 0, said = false; i < dc->nreasons; i++)
		said |=
		    strstr(dc->reasons[i], "also claimed at 10.0.0.66") != NULL;
	assert_true(said);
	evil = find(res, "10.0.0.66");
	assert_int_equal(evil->nnames, 0);
	assert_int_equal(evil->fanout.distinct, 40);
	for (i = 0, said = false; i < evil->nreasons; i++)
		said |= strstr(evil->reasons[i], "claims to be DC01") != NULL;
	assert_true(said);
	/* Two addresses, one name, no one else claiming them: one row. */
	assert_int_equal(find(res, "10.0.7.8")->nnames, 1);
	for (i = 0; i < res->nhosts; i++) {
		char buf[64];

		assert_string_not_equal(
		    wcs_host_label(&res->hosts[i], buf, sizeof(buf)),
		    "10.0.8.8");
	}
}

/*
 * Two DNS logs (a resolver and a sensor's) that saw the same lookups form
 * the largest group of clocks; the firewall's shares nothing with them.
 * A sensor's clock is presumed on time, so the sweep it logged still
 * meets the lookup: infected from the network alone.
 */
static void
test_sensor_clocks_presumed(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;
	struct wcs_event ev;
	uint32_t input;

	for (input = 0; input < 2; input++) {
		wcs_event_clear(&ev);
		ev.kind = WCS_EV_DNS;
		ev.ts_us = at(14, 0, 0) + (int64_t)input * 300000;
		assert_true(wcs_addr_parse("10.0.1.10", 9, &ev.src));
		ev.qname = "www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com";
		ev.dns_dir = WCS_DNS_QUERY;
		ev.input = input == 0 ? 1 : 2;
		ev.line = 1;
		feed(f, &ev);
	}
	sweep(f, "10.0.1.10", 1, 40, at(14, 0, 3), 3);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	assert_int_equal(find(res, "10.0.1.10")->verdict, WCS_VERDICT_INFECTED);
	assert_true(find_clock(res, "fw.log")->known);
}

/*
 * A DNS server whose clock shares no moment with the firewall's, 100 s
 * behind it.  The failed lookup of each of nhosts hosts (one or two) is
 * followed, on the firewall's clock, by its sweep 102 s later: the worm
 * sweeps seconds after its lookup, so the server's clock is put 100 s
 * behind.  Patient zero used another resolver and is seen only sweeping;
 * its victims' lookups, read on the server's clock as is, would put them
 * first.
 */
static const struct wcs_clock *
dns_clock_from_lookups(struct fixture *f, int nhosts)
{
	const struct wcs_result *res;
	const struct wcs_clock *clk;
	char dst[32];
	int i;

	for (i = 1; i <= 60; i += 2) {
		(void)snprintf(dst, sizeof(dst), "10.0.1.%d", i);
		if (i != 5)
			conn(f, "10.0.1.5", dst, at(14, 0, 0) + i * WCS_USEC, 3,
			    NULL);
	}
	probe_public(f, "10.0.1.5", 12, at(14, 0, 1));
	/* Reached at 14:00:21 and 14:00:41; each looks up at +8 s (on
	 * the firewall's clock) and sweeps from +10 s. */
	dns(f, "10.0.1.21", at(13, 58, 49), WCS_DNS_RESPONSE,
	    WCS_RCODE_NXDOMAIN);
	sweep(f, "10.0.1.21", 2, 20, at(14, 0, 30), 3);
	probe_public(f, "10.0.1.21", 12, at(14, 0, 31));
	if (nhosts == 2) {
		dns(f, "10.0.1.41", at(13, 59, 9), WCS_DNS_RESPONSE,
		    WCS_RCODE_NXDOMAIN);
		sweep(f, "10.0.1.41", 3, 20, at(14, 0, 50), 3);
		probe_public(f, "10.0.1.41", 12, at(14, 0, 51));
	}
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	clk = find_clock(res, "dns.log");
	assert_true(clk->known);
	assert_non_null(clk->reference);
	assert_string_equal(clk->reference, "fw.log");
	assert_true(clk->offset_us <= -99 * WCS_USEC &&
		    clk->offset_us >= -103 * WCS_USEC);
	assert_int_equal(find(res, "10.0.1.5")->rank, 1);
	assert_string_equal(find(res, "10.0.1.21")->infected_by, "10.0.1.5");
	if (nhosts == 2)
		assert_string_equal(
		    find(res, "10.0.1.41")->infected_by, "10.0.1.5");
	return (clk);
}

static void
test_dns_clock_from_lookup_lead(void **state)
{
	(void)dns_clock_from_lookups(*state, 2);
}

/* One host alone moves the clock, with a wider uncertainty. */
static void
test_dns_clock_from_one_host(void **state)
{
	assert_true(
	    dns_clock_from_lookups(*state, 1)->uncertainty_us >= 10 * WCS_USEC);
}

/*
 * A host with a card in two subnets sweeps both; in each, a victim that
 * kept no firewall log starts seconds after the sweep passed its
 * address: each is dated from the sweep of its own subnet.
 */
static void
test_second_card_sweep(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;
	const struct wcs_host *v1, *v2;
	char src[32], dst[32];
	int i, net;

	logon(f, "10.0.1.10", "WS10");
	logon(f, "10.0.2.10", "WS10");
	process(f, "WS10", at(14, 59, 50), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	for (net = 1; net <= 2; net++) {
		for (i = 1; i <= 40; i += 2) {
			(void)snprintf(src, sizeof(src), "10.0.%d.10", net);
			(void)snprintf(dst, sizeof(dst), "10.0.%d.%d", net, i);
			conn(f, src, dst, at(15, 0, i), 3, NULL);
		}
	}
	logon(f, "10.0.1.20", "WS20");
	process(f, "WS20", at(15, 0, 25), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	logon(f, "10.0.2.24", "WS24");
	process(f, "WS24", at(15, 0, 29), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	v1 = find(res, "10.0.1.20");
	v2 = find(res, "10.0.2.24");
	assert_non_null(v1->infected_by);
	assert_non_null(v2->infected_by);
	assert_string_equal(v1->infected_by, v2->infected_by);
	assert_int_equal(find(res, v1->infected_by)->rank, 1);
}

/*
 * A host no log of its own shows, inferred from the victim it reached at
 * 14:00:31: it was running the worm since its sweep's pass began, at
 * 14:00:01, not only from that contact, though too few of the pass's
 * contacts were logged to make a burst.  A host with its own evidence
 * from 14:00:20 that it did not reach ranks after it.
 */
static void
test_inferred_start_at_pass_start(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;

	conn(f, "10.0.1.5", "10.0.1.1", at(14, 0, 1), 3, NULL);
	conn(f, "10.0.1.5", "10.0.1.9", at(14, 0, 9), 3, NULL);
	conn(f, "10.0.1.5", "10.0.1.17", at(14, 0, 17), 3, NULL);
	conn(f, "10.0.1.5", "10.0.1.31", at(14, 0, 31), 3, NULL);
	logon(f, "10.0.1.31", "WS31");
	process(f, "WS31", at(14, 0, 40), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	logon(f, "10.0.9.50", "WS50");
	process(f, "WS50", at(14, 0, 20), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	assert_string_equal(find(res, "10.0.1.31")->infected_by, "10.0.1.5");
	assert_true(find(res, "10.0.1.5")->first_evidence == at(14, 0, 1));
	assert_int_equal(find(res, "10.0.1.5")->rank, 1);
	assert_int_equal(find(res, "10.0.9.50")->rank, 2);
}

/*
 * A host whose failed lookup at 14:10 was logged began then: its 445
 * contact with a file server at 14:01 (a user's share) is not the worm,
 * so it neither infects the server, infected at 14:10:30 by its own
 * logs, nor starts at 14:01.
 */
static void
test_signature_start_is_the_lookup(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;

	conn(f, "10.0.1.10", "10.0.1.40", at(14, 1, 0), 3, NULL);
	dns(f, "10.0.1.10", at(14, 10, 0), WCS_DNS_RESPONSE,
	    WCS_RCODE_NXDOMAIN);
	sweep(f, "10.0.1.10", 1, 30, at(14, 10, 3), 3);
	probe_public(f, "10.0.1.10", 12, at(14, 10, 4));
	logon(f, "10.0.1.40", "FS40");
	process(f, "FS40", at(14, 10, 30), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	assert_null(find(res, "10.0.1.40")->infected_by);
	assert_true(find(res, "10.0.1.10")->first_evidence == at(14, 10, 0));
}

/*
 * A host's own firewall log (input 2 here) runs on the host's clock, 60 s
 * ahead: the same attempts in the gateway's log put that log's clock on
 * the reference, and the address the log is about (the source of what
 * it sent) names the host, whose event log clock is then the same.
 */
static void
test_host_log_clock_is_the_hosts(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;
	const struct wcs_clock *clk;
	struct wcs_event ev;
	char dst[32];
	int i;

	wcs_engine_input_host_log(f->eng, 2);
	logon(f, "10.0.1.10", "WS10");
	for (i = 1; i <= 20; i++) {
		(void)snprintf(dst, sizeof(dst), "10.0.1.%d", i + 20);
		conn(f, "10.0.1.10", dst, at(14, 0, i), 3, NULL);
		wcs_event_clear(&ev);
		ev.kind = WCS_EV_CONN;
		ev.ts_us = at(14, 1, i);
		assert_true(wcs_addr_parse("10.0.1.10", 9, &ev.src));
		assert_true(wcs_addr_parse(dst, strlen(dst), &ev.dst));
		ev.dport = 445;
		ev.sport = 49152;
		ev.proto = 6;
		ev.outbound = 1;
		ev.input = 2;
		ev.line = (uint64_t)i;
		feed(f, &ev);
	}
	process(f, "WS10", at(14, 1, 0), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	clk = find_clock(res, "WS10");
	assert_true(clk->known);
	assert_true(
	    clk->offset_us >= 59 * WCS_USEC && clk->offset_us <= 61 * WCS_USEC);
}

/*
 * A vulnerability scanner sweeps another subnet on 445 and reaches a
 * host two minutes before that host's own logs show the worm: the only
 * contact explaining it, but a sweep of a foreign subnet with no public
 * probe is not the worm's, so the scanner is not inferred infected.
 */
static void
test_scanner_is_no_infector(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;

	sweep(f, "10.0.9.5", 1, 40, at(14, 0, 0), 3);
	logon(f, "10.0.1.20", "WS20");
	process(f, "WS20", at(14, 2, 0), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	assert_null(find(res, "10.0.1.20")->infected_by);
	assert_int_equal(find(res, "10.0.9.5")->verdict, WCS_VERDICT_SCANNER);
}

/*
 * A user's visit to a file server at 14:00:00, then the worm's sweep
 * from 14:00:51: the sweep began at 14:00:51, though the visit falls in
 * the same minute's window.  The host's own log clock is unknown, so the
 * sweep dates its start.
 */
static void
test_sweep_start_skips_lead_in(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;

	logon(f, "10.0.1.10", "WS10");
	conn(f, "10.0.1.10", "10.0.1.40", at(14, 0, 0), 3, NULL);
	process(f, "WS10", at(14, 0, 48), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	sweep(f, "10.0.1.10", 1, 30, at(14, 0, 50), 3);
	probe_public(f, "10.0.1.10", 12, at(14, 0, 52));
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	assert_true(find(res, "10.0.1.10")->first_evidence == at(14, 0, 51));
}

/*
 * The firewall logs the worm's public probes.  A scanner inside the
 * subnet begins its sweep 1 s after the infected host's sweep reached
 * it, and probes no public address: it is not the worm's spread.
 */
static void
test_scanner_inside_has_no_public_probes(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;

	dns(f, "10.0.1.10", at(14, 0, 0), WCS_DNS_RESPONSE, WCS_RCODE_NXDOMAIN);
	sweep(f, "10.0.1.10", 1, 40, at(14, 0, 3), 3);
	probe_public(f, "10.0.1.10", 12, at(14, 0, 4));
	/* Reached at 14:00:33. */
	sweep(f, "10.0.1.30", 1, 60, at(14, 0, 33), 3);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	assert_int_equal(find(res, "10.0.1.10")->verdict, WCS_VERDICT_INFECTED);
	assert_int_equal(find(res, "10.0.1.30")->verdict, WCS_VERDICT_SCANNER);
}

/*
 * An infected host with a second card no log names: the card's sweep of
 * its own subnet, which begins a second after the host's, is the host's,
 * so the victim it reached in that subnet is the host's victim.  The
 * worm's rescans every 40 minutes make the card's sweeps look scheduled,
 * and its public probes leave by the other card.
 */
static void
test_second_card_before_the_graph(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;
	const struct wcs_host *v;
	char dst[32];
	int i, pass;

	logon(f, "10.0.1.10", "WS10");
	process(f, "WS10", at(14, 59, 58), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	sweep(f, "10.0.1.10", 1, 40, at(15, 0, 0), 3);
	probe_public(f, "10.0.1.10", 12, at(15, 0, 1));
	for (pass = 0; pass < 3; pass++) {
		for (i = 1; i <= 40; i++) {
			(void)snprintf(dst, sizeof(dst), "10.0.2.%d", i);
			if (i != 10)
				conn(f, "10.0.2.10", dst,
				    at(15, 0, 1) + (pass * 2400 + i) * WCS_USEC,
				    3, NULL);
		}
	}
	logon(f, "10.0.2.24", "WS24");
	process(f, "WS24", at(15, 0, 30), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	v = find(res, "10.0.2.24");
	assert_non_null(v->infected_by);
	assert_string_equal(v->infected_by, "10.0.1.10");
	assert_int_equal(find(res, "10.0.1.10")->rank, 1);
}

/*
 * Firewall and DNS logs where only public probes show the worm's sweep
 * (no sensor inside): a host whose failed lookup at 11:21 is followed by
 * probes is read first; one whose failed lookup at 09:41 is followed by
 * probes, and which visited its file server at 08:00, began the outbreak
 * and is infected too, not taken for routine fan-out predating it.
 */
static void
test_signature_before_another(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;

	dns(f, "10.0.1.50", at(11, 21, 0), WCS_DNS_RESPONSE,
	    WCS_RCODE_NXDOMAIN);
	probe_public(f, "10.0.1.50", 12, at(11, 21, 5));
	conn(f, "10.0.1.10", "10.0.1.40", at(8, 0, 0), 3, NULL);
	dns(f, "10.0.1.10", at(9, 41, 52), WCS_DNS_RESPONSE,
	    WCS_RCODE_NXDOMAIN);
	probe_public(f, "10.0.1.10", 12, at(9, 41, 55));
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	assert_int_equal(find(res, "10.0.1.10")->verdict, WCS_VERDICT_INFECTED);
	assert_int_equal(find(res, "10.0.1.10")->rank, 1);
	assert_int_equal(find(res, "10.0.1.50")->verdict, WCS_VERDICT_INFECTED);
}

/*
 * A sweeper of another subnet beginning a second after an infected host
 * looked the kill switch up itself: the worm looks it up once per
 * process, so this is another host, not the first one's second card.
 */
static void
test_card_with_own_lookup_is_another_host(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;

	logon(f, "10.0.1.10", "WS10");
	process(f, "WS10", at(14, 59, 58), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	sweep(f, "10.0.1.10", 1, 40, at(15, 0, 0), 3);
	probe_public(f, "10.0.1.10", 12, at(15, 0, 1));
	dns(f, "10.0.3.10", at(14, 59, 59), WCS_DNS_RESPONSE,
	    WCS_RCODE_NXDOMAIN);
	sweep(f, "10.0.3.10", 3, 40, at(15, 0, 1), 3);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	assert_int_equal(find(res, "10.0.3.10")->verdict, WCS_VERDICT_INFECTED);
	assert_int_equal(find(res, "10.0.1.10")->verdict, WCS_VERDICT_INFECTED);
}

/*
 * Two infected hosts reached WS20: one at 14:02:00, eight and a half
 * minutes before its own logs show the worm, one at 14:10:10, twenty
 * seconds before.  The worm runs within a minute of the exploit: the
 * first reach did not infect (the host was off, or the exploit failed).
 */
static void
test_prompt_contact_beats_earlier(void **state)
{
	struct fixture *f = *state;
	const struct wcs_result *res;

	dns(f, "10.0.1.10", at(14, 0, 0), WCS_DNS_RESPONSE, WCS_RCODE_NXDOMAIN);
	sweep(f, "10.0.1.10", 1, 12, at(14, 0, 2), 3);
	probe_public(f, "10.0.1.10", 12, at(14, 0, 3));
	conn(f, "10.0.1.10", "10.0.1.20", at(14, 2, 0), 3, NULL);
	dns(f, "10.0.1.30", at(14, 9, 0), WCS_DNS_RESPONSE, WCS_RCODE_NXDOMAIN);
	sweep(f, "10.0.1.30", 1, 12, at(14, 9, 2), 3);
	probe_public(f, "10.0.1.30", 12, at(14, 9, 3));
	conn(f, "10.0.1.30", "10.0.1.20", at(14, 10, 10), 3, NULL);
	logon(f, "10.0.1.20", "WS20");
	process(f, "WS20", at(14, 10, 30), "C:\\WINDOWS\\mssecsvc.exe", NULL);
	assert_int_equal(wcs_engine_finish(f->eng, &res), WCS_OK);
	assert_string_equal(find(res, "10.0.1.20")->infected_by, "10.0.1.30");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_nameless_names_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_verdicts_and_ranking, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_evidence_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_loopback_is_not_an_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fanout_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_graph_from_the_victims_side, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_skew_estimate, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_clocks_per_machine, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_duplicate_records_count_once, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_claimed_names_do_not_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_sensor_clocks_presumed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_timing_join_and_presumed_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_lookup_before_sinkhole_not_presumed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_estimated_contact, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_network_only_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_network_signature_needs_failed_lookup_and_timing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dns_clock_from_lookup_lead, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_second_card_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_inferred_start_at_pass_start, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_signature_start_is_the_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_host_log_clock_is_the_hosts, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_scanner_is_no_infector, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_sweep_start_skips_lead_in, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dns_clock_from_one_host, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_scanner_inside_has_no_public_probes, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_second_card_before_the_graph, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_signature_before_another, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_card_with_own_lookup_is_another_host, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_prompt_contact_beats_earlier, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
