/*
 * Windows Firewall log reader: golden files, column order, time zones,
 * rejects, bidding, and plaso's real sample.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "golden.h"
#include "linereader_test.h"
#include "readers/readers_private.h"

#define HDR                                                               \
	"#Version: 1.5\n#Software: Microsoft Windows Firewall\n"          \
	"#Time Format: Local\n#Fields: date time action protocol src-ip " \
	"dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin "    \
	"icmptype icmpcode info path\n"

static void
test_pfirewall_golden(void **state)
{
	(void)state;
	golden_check_dir("pfirewall", "pfirewall");
}

/*
 * Read on from the middle: the columns of a #Fields line read before (the
 * addresses and ports swapped, as a newer Windows or a tool may order
 * them) are those of the lines after.
 */
static void
test_pfirewall_resume(void **state)
{
	const char *head = "#Version: 1.5\n#Fields: date time action "
			   "protocol dst-ip src-ip dst-port src-port path\n"
			   "2017-05-12 10:00:01 DROP TCP 10.0.0.9 10.0.0.5 "
			   "445 49152 RECEIVE\n";
	const char *tail = "2017-05-12 10:00:02 DROP TCP 10.0.0.8 10.0.0.6 "
			   "445 49153 RECEIVE\n";
	unsigned char saved[WCS_READER_RESUME_MAX], bad[WCS_READER_RESUME_MAX];
	size_t n = 0;
	char *got;

	(void)state;
	/* Alone, the tail has too few fields for the 1.5 order. */
	got = lt_resume_round_trip(
	    "pfirewall", head, tail, "\"src_ip\":\"10.0.0.6\"", saved, &n);
	assert_non_null(strstr(got, "\"dest_port\":445"));
	free(got);
	memcpy(bad, saved, n);
	bad[n - 1] = 40; /* a column past those named */
	lt_resume_refused("pfirewall", tail, bad, n);
	memcpy(bad, saved, n);
	bad[0] = 'w'; /* another reader's tag */
	lt_resume_refused("pfirewall", tail, bad, n);
}

static void
test_pfirewall_tz_offset(void **state)
{
	struct wcs_read_opts o = { 0 };
	struct wcs_ctx ctx;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	o.tz = wcs_tz_new(&ctx, "+09:00");
	assert_non_null(o.tz);
	lt_expect_one("pfirewall",
	    HDR "2017-05-13 00:03:01 DROP TCP 10.0.0.5 10.0.0.9 49152 445 52 "
		"S 1 0 8192 - - - RECEIVE\n",
	    &o, "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	wcs_tz_free((struct wcs_tz *)o.tz);
}

static void
test_pfirewall_tz_berlin(void **state)
{
	struct wcs_read_opts o = { 0 };
	struct wcs_ctx ctx;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	o.tz = wcs_tz_new(&ctx, "Europe/Berlin");
	if (o.tz == NULL) {
		printf(
		    "skipping: no tz database (%s)\n", wcs_error_string(&ctx));
		skip();
	}
	/* Summer time: UTC+2. */
	lt_expect_one("pfirewall",
	    HDR "2017-05-12 17:03:01 ALLOW TCP 10.0.0.5 10.0.0.9 49152 445 "
		"52 - - - - - - - SEND\n",
	    &o, "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	/* Winter time: UTC+1. */
	lt_expect_one("pfirewall",
	    HDR "2017-01-12 16:03:01 ALLOW TCP 10.0.0.5 10.0.0.9 49152 445 "
		"52 - - - - - - - SEND\n",
	    &o, "\"timestamp\":\"2017-01-12T15:03:01Z\"");
	wcs_tz_free((struct wcs_tz *)o.tz);
}

static void
test_pfirewall_fields(void **state)
{
	(void)state;
	/* Honour the #Fields order; missing columns are just absent. */
	lt_expect_one("pfirewall",
	    "#Fields: time date dst-port dst-ip action pid\n"
	    "17:03:01 2017-05-12 445 10.0.0.9 DROP 4\n",
	    NULL,
	    "{\"timestamp\":\"2017-05-12T17:03:01Z\",\"event_type\":\"conn\","
	    "\"dest_ip\":\"10.0.0.9\",\"dest_port\":445,\"action\":\"deny\","
	    "\"pid\":4,");
	/* The pid column of newer files. */
	lt_expect_one("pfirewall",
	    "#Fields: date time action protocol src-ip dst-ip src-port "
	    "dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode "
	    "info path pid\n"
	    "2017-05-12 17:03:01 ALLOW TCP 10.0.0.5 10.0.0.9 49152 445 0 - - "
	    "- - - - - SEND 1234\n",
	    NULL, "\"outbound\":true,\"pid\":1234,");
}

static void
test_pfirewall_rejects(void **state)
{
	(void)state;
	lt_expect_reject("pfirewall",
	    HDR "2017-05-12 17:03:01 DROP TCP 10.0.0.5 10.0.0.x 1 445 0 - - "
		"- - - - - SEND\n",
	    "bad destination address '10.0.0.x'");
	lt_expect_reject("pfirewall",
	    HDR "2017-05-12 17:03:01 DROP TCP 10.0.0.5 10.0.0.9 1 99999 0 - "
		"- - - - - - SEND\n",
	    "bad destination port '99999'");
	lt_expect_reject("pfirewall",
	    HDR "2017-02-29 17:03:01 DROP TCP 10.0.0.5 10.0.0.9 1 445 0 - - "
		"- - - - - SEND\n",
	    "bad date or time");
	lt_expect_reject("pfirewall", HDR "2017-05-12 17:03:01 DROP TCP\n",
	    "truncated line: 4 of 17 fields");
	lt_expect_reject("pfirewall",
	    "#Fields: date time\n2017-05-12 17:03:01\n", "no action");
	lt_expect_reject("pfirewall",
	    HDR "2017-05-12 17:03:01 FROB TCP 10.0.0.5 10.0.0.9 1 445 0 - - "
		"- - - - - SEND\n",
	    "bad action 'FROB'");
}

/*
 * "INFO-EVENTS-LOST": the firewall could not write N events (Microsoft's
 * "Windows Firewall log" fields: the info column holds the count).  The
 * row is ignored as a note of the log and the count is kept.
 */
static void
test_pfirewall_events_lost(void **state)
{
	static const char text[] =
	    HDR "2017-05-12 17:03:01 DROP TCP 10.0.0.5 10.0.0.9 49152 445 52 "
		"S 1 0 8192 - - - RECEIVE\n"
		"2017-05-12 17:03:05 INFO-EVENTS-LOST - - - - - - - - - - - - "
		"12 -\n"
		"2017-05-12 17:04:05 INFO-EVENTS-LOST - - - - - - - - - - - - "
		"30 -\n"
		"2017-05-12 17:04:07 CLOSE TCP 10.0.0.5 10.0.0.9 49152 445 - - "
		"- - - - - - -\n";
	struct wcs_input_stats st;
	char *got;

	(void)state;
	got = lt_render("pfirewall", text, NULL, &st);
	assert_int_equal(st.events, 1);
	assert_int_equal(st.lost, 42);
	assert_int_equal(st.ignored_by[WCS_IGN_LOGNOTE], 2);
	assert_int_equal(st.ignored_by[WCS_IGN_MSGTYPE], 1);
	assert_int_equal(st.ignored_by[WCS_IGN_HEADER], 4);
	free(got);
}

static void
test_pfirewall_bid(void **state)
{
	static const char hdr[] = HDR;
	static const char partial[] = "#Version: 1.5\n#Software: Microsoft "
				      "Windows Firewall\n#Time Fo";

	(void)state;
	assert_true(wcs_reader_pfirewall.bid(
			(const unsigned char *)hdr, strlen(hdr), 0) > 8 * 37);
	assert_true(wcs_reader_pfirewall.bid((const unsigned char *)partial,
			strlen(partial), 0) > 0);
	lt_bid_loses_elsewhere("pfirewall");
	lt_bid_rejects_markup("pfirewall");
}

static void
test_pfirewall_real_sample(void **state)
{
	(void)state;
	assert_true(lt_real_sample("pfirewall",
			"plaso/test_data/windows_firewall.log") > 0);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_pfirewall_golden),
		cmocka_unit_test(test_pfirewall_tz_offset),
		cmocka_unit_test(test_pfirewall_tz_berlin),
		cmocka_unit_test(test_pfirewall_fields),
		cmocka_unit_test(test_pfirewall_rejects),
		cmocka_unit_test(test_pfirewall_events_lost),
		cmocka_unit_test(test_pfirewall_bid),
		cmocka_unit_test(test_pfirewall_resume),
		cmocka_unit_test(test_pfirewall_real_sample),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
