/*
 * Cisco ASA reader: golden files, the header variants, Built/Teardown
 * orientation, the denial messages, rejects and bidding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "golden.h"
#include "linereader_test.h"
#include "readers/readers_private.h"

#define BUILT_IN                                             \
	"%ASA-6-302013: Built inbound TCP connection 1 for " \
	"outside:203.0.113.7/49152 (203.0.113.7/49152) to "  \
	"inside:10.1.1.9/445 (10.1.1.9/445)\n"
#define WANT_IN                                                      \
	"\"src_ip\":\"203.0.113.7\",\"src_port\":49152,\"dest_ip\":" \
	"\"10.1.1.9\",\"dest_port\":445,\"proto\":\"TCP\",\"action\":\"allow\""

static void
test_asa_golden(void **state)
{
	(void)state;
	golden_check_dir("asa", "asa");
}

static void
test_asa_headers(void **state)
{
	struct wcs_read_opts o = { 0 };
	struct wcs_input_stats st;
	char *got;

	(void)state;
	o.year = 2017;
	lt_expect_one("asa", "May 12 2017 15:03:01: " BUILT_IN, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	lt_expect_one("asa", "May 12 15:03:01 fw01 " BUILT_IN, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	lt_expect_one("asa",
	    "May 12 15:03:09 fw01 : May 12 2017 15:03:01: " BUILT_IN, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	lt_expect_one("asa", "<166>May 12 2017 15:03:01 fw01 : " BUILT_IN, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	lt_expect_one("asa",
	    "<166>1 2017-05-12T17:03:01+02:00 fw01 - - - - " BUILT_IN, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	lt_expect_one("asa", "2017-05-12T15:03:01.5Z fw01 " BUILT_IN, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01.500000Z\"");
	lt_expect_reject("asa", BUILT_IN, "no timestamp");
	/* The ASA's stamp is local: --tz applies. */
	got = lt_render("asa", "May 12 2017 15:03:01: " BUILT_IN, &o, &st);
	assert_int_equal(st.events, 1);
	assert_true(st.tz_assumed);
	assert_false(st.year_guessed);
	free(got);
}

static void
test_asa_orientation(void **state)
{
	struct wcs_read_opts o = { 0 };
	struct wcs_input_stats st;
	char *got;

	(void)state;
	o.year = 2017;
	lt_expect_one("asa", "May 12 2017 15:03:01: " BUILT_IN, &o, WANT_IN);
	/* Outbound: the responder (outside) is named first. */
	lt_expect_one("asa",
	    "May 12 2017 15:03:01: %ASA-6-302013: Built outbound TCP "
	    "connection 2 for outside:81.19.88.103/445 (81.19.88.103/445) to "
	    "inside:10.1.1.23/49160 (198.51.100.23/49160)\n",
	    &o,
	    "\"src_ip\":\"10.1.1.23\",\"src_port\":49160,\"dest_ip\":"
	    "\"81.19.88.103\",\"dest_port\":445");
	/* Teardown follows its Built by connection ID. */
	got = lt_render("asa",
	    "May 12 2017 15:03:01: %ASA-6-302013: Built outbound TCP "
	    "connection 7 for outside:10.9.9.9/50000 (10.9.9.9/50000) to "
	    "inside:10.1.1.23/40000 (10.1.1.23/40000)\n"
	    "May 12 2017 15:03:09: %ASA-6-302014: Teardown TCP connection 7 "
	    "for outside:10.9.9.9/50000 to inside:10.1.1.23/40000 duration "
	    "0:00:08 bytes 10 TCP FINs\n",
	    &o, &st);
	assert_int_equal(st.events, 2);
	assert_non_null(strstr(got,
	    "\"src_ip\":\"10.1.1.23\",\"src_port\":40000,\"dest_ip\":"
	    "\"10.9.9.9\",\"dest_port\":50000,\"proto\":\"TCP\",\"action\":"
	    "\"allow\",\"source\":null,\"line\":2"));
	free(got);
}

static void
test_asa_denials(void **state)
{
	struct wcs_read_opts o = { 0 };

	(void)state;
	o.year = 2017;
	lt_expect_one("asa",
	    "May 12 2017 15:03:01: %ASA-4-106023: Deny tcp src "
	    "inside:10.1.1.23/49161 dst dmz:10.2.2.7/445 by access-group "
	    "\"in\" [0x0, 0x0]\n",
	    &o,
	    "\"src_ip\":\"10.1.1.23\",\"src_port\":49161,\"dest_ip\":"
	    "\"10.2.2.7\",\"dest_port\":445,\"proto\":\"TCP\",\"action\":"
	    "\"deny\"");
	lt_expect_one("asa",
	    "May 12 2017 15:03:01: %ASA-6-106100: access-list in denied udp "
	    "inside/10.1.1.23(137) -> dmz/10.2.2.8(137) hit-cnt 1 first hit "
	    "[0x1, 0x0]\n",
	    &o,
	    "\"src_ip\":\"10.1.1.23\",\"src_port\":137,\"dest_ip\":"
	    "\"10.2.2.8\",\"dest_port\":137,\"proto\":\"UDP\",\"action\":"
	    "\"deny\"");
	lt_expect_one("asa",
	    "May 12 2017 15:03:01: %ASA-2-106001: Inbound TCP connection "
	    "denied from 198.51.100.66/51515 to 10.1.1.9/445 flags SYN  on "
	    "interface outside\n",
	    &o,
	    "\"src_ip\":\"198.51.100.66\",\"src_port\":51515,\"dest_ip\":"
	    "\"10.1.1.9\",\"dest_port\":445,\"proto\":\"TCP\",\"action\":"
	    "\"deny\"");
	lt_expect_one("asa",
	    "May 12 2017 15:03:01: %ASA-4-106023: Deny tcp src "
	    "inside:fe80::1/49170 dst outside:2001:db8::1/445 by access-group "
	    "\"in\"\n",
	    &o,
	    "\"src_ip\":\"fe80::1\",\"src_port\":49170,\"dest_ip\":"
	    "\"2001:db8::1\",\"dest_port\":445");
}

static void
test_asa_rejects(void **state)
{
	struct wcs_input_stats st;
	char *got;

	(void)state;
	lt_expect_reject("asa",
	    "May 12 2017 15:03:01: %ASA-6-302013: Built sideways TCP "
	    "connection 5 for a:1.1.1.1/1 to b:2.2.2.2/2\n",
	    "bad direction 'sideways'");
	lt_expect_reject("asa",
	    "May 12 2017 15:03:01: %ASA-4-106023: Deny tcp src "
	    "inside:10.1.1.300/1 dst dmz:10.2.2.7/445 by access-group \"x\"\n",
	    "bad endpoint 'inside:10.1.1.300/1'");
	lt_expect_reject("asa", "hello\n", "not an ASA line");
	got = lt_render("asa",
	    "May 12 2017 15:03:01: %ASA-6-305011: Built dynamic TCP "
	    "translation from inside:10.1.1.23/1 to outside:198.51.100.1/1\n"
	    "May 12 15:03:01 fw01 sshd[1]: Connection closed\n",
	    NULL, &st);
	assert_int_equal(st.ignored, 2);
	assert_int_equal(st.rejected, 0);
	free(got);
}

/*
 * Cisco's "logging timestamp" stamp with the zone "clock timezone" names
 * ("Apr 15 2014 09:34:34 EDT:") keeps that zone, whatever --tz says;
 * --tz dates only stamps without one.
 */
static void
test_asa_stamp_zone(void **state)
{
	struct wcs_read_opts o = { 0 };
	struct wcs_ctx ctx;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	o.year = 2017;
	o.tz = wcs_tz_new(&ctx, "+09:00");
	assert_non_null(o.tz);
	lt_expect_one("asa", "Apr 15 2014 09:34:34 EDT: " BUILT_IN, &o,
	    "\"timestamp\":\"2014-04-15T13:34:34Z\"");
	lt_expect_one("asa", "May 12 2017 15:03:01 UTC: " BUILT_IN, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	/* Year-less, after a receiver's stamp: the ASA's zone wins. */
	lt_expect_one("asa", "Nov 03 02:08:12 :Nov 03 01:55:39 EDT: " BUILT_IN,
	    &o, "\"timestamp\":\"2017-11-03T05:55:39Z\"");
	/* No zone, or one it does not know: --tz. */
	lt_expect_one("asa", "May 13 2017 00:03:01: " BUILT_IN, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	lt_expect_one("asa", "May 13 00:03:01 MSK/MSD: " BUILT_IN, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	lt_expect_one("asa", "May 13 2017 00:03:01 FW: " BUILT_IN, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	wcs_tz_free((struct wcs_tz *)o.tz);
}

/*
 * Tags as ASAs write them: with the message class ("logging class"), and
 * the ID without its colon; object names ("names" configured) in place
 * of an address keep the port and the name; interface names with ':'.
 */
static void
test_asa_tags_and_objects(void **state)
{
	struct wcs_read_opts o = { 0 };

	(void)state;
	o.year = 2017;
	lt_expect_one("asa",
	    "May 12 2017 15:03:01: %ASA-session-6-302013: Built inbound TCP "
	    "connection 1 for outside:203.0.113.7/49152 (203.0.113.7/49152) "
	    "to inside:10.1.1.9/445 (10.1.1.9/445)\n",
	    &o, WANT_IN);
	lt_expect_one("asa",
	    "May 12 2017 15:03:01: %ASA-6-302013 Built inbound TCP "
	    "connection 1 for outside:203.0.113.7/49152 (203.0.113.7/49152) "
	    "to inside:10.1.1.9/445 (10.1.1.9/445)\n",
	    &o, WANT_IN);
	lt_expect_one("asa",
	    "Dec 11 2018 08:01:31 127.0.0.1: %FTD-6-302013: Built outbound "
	    "TCP connection 447236 for outside:192.0.2.222/1234 "
	    "(192.0.2.222/1234) to dmz:OCSP_Server/5678 (OCSP_Server/5678)\n",
	    &o,
	    "\"src_port\":5678,\"dest_ip\":\"192.0.2.222\",\"dest_port\":1234,"
	    "\"proto\":\"TCP\",\"action\":\"allow\",\"name\":\"OCSP_Server\"");
	lt_expect_one("asa",
	    "Apr 15 2013 09:36:52: %ASA-5-106100: access-list acl_dmz "
	    "permitted tcp dmz/OCSP_Server(5678) -> identity/10.0.13.13(80) "
	    "hit-cnt 1 first hit [0x0, 0x0]\n",
	    &o, "\"src_port\":5678,\"dest_ip\":\"10.0.13.13\"");
	lt_expect_one("asa",
	    "May 12 2017 15:03:21: %ASA-4-106023: Deny udp src "
	    "v1:outside:10.8.1.9/54864 dst v2:inside:172.16.1.3/53 by "
	    "access-group \"outside_acl\" [0x0, 0x0]\n",
	    &o, "\"src_ip\":\"10.8.1.9\",\"src_port\":54864");
	lt_expect_reject("asa",
	    "May 12 2017 15:03:22: %ASA-4-106023: Deny tcp src "
	    "outside:Attacker_Host/51000 dst inside:File_Server/445 by "
	    "access-group \"x\"\n",
	    "bad endpoints 'Attacker_Host' and 'File_Server': object names");
}

static void
test_asa_bid(void **state)
{
	(void)state;
	lt_bid_loses_elsewhere("asa");
	lt_bid_rejects_markup("asa");
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_asa_golden),
		cmocka_unit_test(test_asa_headers),
		cmocka_unit_test(test_asa_orientation),
		cmocka_unit_test(test_asa_denials),
		cmocka_unit_test(test_asa_rejects),
		cmocka_unit_test(test_asa_stamp_zone),
		cmocka_unit_test(test_asa_tags_and_objects),
		cmocka_unit_test(test_asa_bid),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
