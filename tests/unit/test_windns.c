/*
 * Windows DNS debug log reader: golden files, the locales' date forms,
 * question names, directions, time zones, rejects and bidding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "golden.h"
#include "linereader_test.h"
#include "readers/readers_private.h"

#define PKT(date, rest) date " 0E3C PACKET  000000D3D5A3E1D0 UDP " rest "\n"
#define QRY \
	"Rcv 192.168.1.23    7c6d   Q [0001   D   NOERROR] A      (3)www(4)name(3)com(0)"

static void
test_windns_golden(void **state)
{
	(void)state;
	golden_check_dir("windns", "windns");
}

static void
test_windns_dates(void **state)
{
	(void)state;
	lt_expect_one("windns", PKT("5/12/2017 4:44:01 PM", QRY), NULL,
	    "\"timestamp\":\"2017-05-12T16:44:01Z\"");
	lt_expect_one("windns", PKT("5/12/2017 12:44:01 AM", QRY), NULL,
	    "\"timestamp\":\"2017-05-12T00:44:01Z\"");
	lt_expect_one("windns", PKT("5/12/2017 12:44:01 PM", QRY), NULL,
	    "\"timestamp\":\"2017-05-12T12:44:01Z\"");
	lt_expect_one("windns", PKT("2017/05/12 16:44:01", QRY), NULL,
	    "\"timestamp\":\"2017-05-12T16:44:01Z\"");
	lt_expect_one("windns", PKT("2017-05-12 16:44:01", QRY), NULL,
	    "\"timestamp\":\"2017-05-12T16:44:01Z\"");
	lt_expect_one("windns", PKT("12.5.2017 16:44:01", QRY), NULL,
	    "\"timestamp\":\"2017-05-12T16:44:01Z\"");
	/* Slash, 24-hour: day first. */
	lt_expect_one("windns", PKT("05/06/2017 16:44:01", QRY), NULL,
	    "\"timestamp\":\"2017-06-05T16:44:01Z\"");
	/* ... unless the second number can only be a day. */
	lt_expect_one("windns", PKT("05/13/2017 16:44:01", QRY), NULL,
	    "\"timestamp\":\"2017-05-13T16:44:01Z\"");
	/* AM/PM with a first number over 12: en-AU style, day first. */
	lt_expect_one("windns", PKT("13/05/2017 4:44:01 PM", QRY), NULL,
	    "\"timestamp\":\"2017-05-13T16:44:01Z\"");
	lt_expect_reject(
	    "windns", PKT("5/12/2017 13:44:01 PM", QRY), "bad date");
	lt_expect_reject(
	    "windns", PKT("2/30/2017 1:44:01 PM", QRY), "bad date");
}

static void
test_windns_order_sticks(void **state)
{
	struct wcs_input_stats st;
	char *got;

	(void)state;
	/* 05/13 proves month-first; a later 05/06 follows it. */
	got = lt_render("windns",
	    PKT("05/13/2017 16:44:01", QRY) PKT("05/06/2017 16:44:01", QRY),
	    NULL, &st);
	assert_int_equal(st.events, 2);
	assert_non_null(strstr(got, "\"2017-05-06T16:44:01Z\""));
	free(got);
}

static void
test_windns_resume(void **state)
{
	const char *tail = PKT("5/6/2017 1:00:00 PM", QRY);
	unsigned char saved[WCS_READER_RESUME_MAX], bad[WCS_READER_RESUME_MAX];
	size_t n = 0;

	(void)state;
	/* 13/05 proves the day comes first: read on from there, 5/6 PM is
	 * 5 June (alone, the AM/PM rule makes it 6 May). */
	free(lt_resume_round_trip("windns", PKT("13/05/2017 1:00:00 PM", QRY),
	    tail, "\"2017-06-05T13:00:00Z\"", saved, &n));
	memcpy(bad, saved, n);
	bad[n - 1] = 0x7f; /* no such order */
	lt_resume_refused("windns", tail, bad, n);
	lt_resume_refused("windns", tail, saved, n - 1);
}

static void
test_windns_tz(void **state)
{
	struct wcs_read_opts o = { 0 };
	struct wcs_ctx ctx;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	o.tz = wcs_tz_new(&ctx, "+09:00");
	assert_non_null(o.tz);
	lt_expect_one("windns", PKT("5/13/2017 12:03:01 AM", QRY), &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	wcs_tz_free((struct wcs_tz *)o.tz);
	o.tz = wcs_tz_new(&ctx, "Europe/Berlin");
	if (o.tz == NULL) {
		printf("skipping: no tz database\n");
		skip();
	}
	lt_expect_one("windns", PKT("12.05.2017 17:03:01", QRY), &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	wcs_tz_free((struct wcs_tz *)o.tz);
}

static void
test_windns_directions(void **state)
{
	(void)state;
	lt_expect_one("windns",
	    PKT("5/12/2017 4:44:01 PM",
		"Snd 192.168.1.23    7c6d R Q [8385 A DR NXDOMAIN] A      (3)www(38)iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea(3)com(0)"),
	    NULL,
	    "\"src_ip\":\"192.168.1.23\",\"proto\":\"UDP\",\"dns_dir\":"
	    "\"response\",\"rcode\":3,\"qtype\":1,\"qname\":"
	    "\"www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com\"");
	lt_expect_one("windns",
	    PKT("5/12/2017 4:44:01 PM",
		"Snd 8.8.8.8    7c6e   Q [0001   D   NOERROR] AAAA   (3)www(4)Name(3)com(0)"),
	    NULL,
	    "\"dest_ip\":\"8.8.8.8\",\"proto\":\"UDP\",\"dns_dir\":\"query\","
	    "\"qtype\":28,\"qname\":\"www.name.com\"");
	lt_expect_one("windns",
	    PKT("5/12/2017 4:44:01 PM",
		"Rcv 8.8.8.8    7c6e R Q [8183   DR REFUSED] SRV    (0)"),
	    NULL,
	    "\"dest_ip\":\"8.8.8.8\",\"proto\":\"UDP\",\"dns_dir\":"
	    "\"response\",\"rcode\":5,\"qtype\":33,\"qname\":\".\"");
}

static void
test_windns_rejects_and_skips(void **state)
{
	struct wcs_input_stats st;
	char *got;

	(void)state;
	lt_expect_reject("windns",
	    PKT("5/12/2017 4:44:01 PM",
		"Rcv 192.168.1.x    7c6d   Q [0001   D   NOERROR] A      (1)x(0)"),
	    "bad remote address '192.168.1.x'");
	lt_expect_reject("windns",
	    PKT("5/12/2017 4:44:01 PM",
		"Rcv 192.168.1.2    7c6d   Q [0001   D   NOERROR] A      x.com"),
	    "bad question name 'x.com'");
	lt_expect_reject("windns",
	    PKT("5/12/2017 4:44:01 PM",
		"Rcv 192.168.1.2    7c6d   Q [0001   D   BOGUS] A      (1)x(0)"),
	    "bad rcode 'BOGUS'");
	lt_expect_reject("windns", PKT("5/12/2017 4:44:01 PM", "Rcv"),
	    "truncated PACKET line");
	got = lt_render("windns",
	    "DNS Server log file creation at 5/12/2017 4:40:12 PM\n"
	    "\n\tField #  Information\n"
	    "5/12/2017 4:44:03 PM 1A20 EVENT   The DNS server started.\n"
	    "UDP question info at 000000D3D5A3E1D0\n  Socket = 508\n",
	    NULL, &st);
	assert_int_equal(st.ignored, 6);
	assert_int_equal(st.records, 6);
	free(got);
}

/*
 * Question names written dotted (".ns1.example.com.", with "UDP  Rcv"
 * two blanks apart, as in public samples) and labels holding a dot; the
 * "details" dump of a response, whose ANSWER SECTION keeps the answers.
 */
static void
test_windns_variants(void **state)
{
	static const char dump[] =
	    "5/12/2017 4:44:01 PM 0E3C PACKET  000000D3D5A3E1D0 UDP Snd "
	    "192.168.1.23    7c6d R Q [8180   DR  NOERROR] A      "
	    "(3)www(4)name(3)com(0)\r\n"
	    "UDP response info at 000000D3D5A3E1D0\r\n"
	    "  Message:\r\n"
	    "    QUESTION SECTION:\r\n"
	    "    Name      \"(3)www(4)name(3)com(0)\"\r\n"
	    "      QTYPE   A (1)\r\n"
	    "    ANSWER SECTION:\r\n"
	    "    Offset = 0x0020, RR count = 0\r\n"
	    "    Name      \"[C00C](3)www(4)name(3)com(0)\"\r\n"
	    "      TYPE   CNAME  (5)\r\n"
	    "      DATA   [C00C](3)web(4)name(3)com(0)\r\n"
	    "    Offset = 0x0030, RR count = 1\r\n"
	    "      TYPE   A  (1)\r\n"
	    "      DATA   93.184.216.34\r\n"
	    "    AUTHORITY SECTION:\r\n"
	    "      DATA   192.0.2.53\r\n"
	    "\r\n";
	struct wcs_input_stats st;
	char *got;

	(void)state;
	lt_expect_one("windns",
	    "4/15/2014 3:16:00 PM 0710 PACKET  0000000028FB94C0 UDP  Rcv "
	    "69.160.33.71    8857 R Q [0080       NOERROR] A      "
	    ".ns1.offeringsmislead.com.\n",
	    NULL, "\"qname\":\"ns1.offeringsmislead.com\"");
	lt_expect_one("windns",
	    PKT("5/12/2017 4:44:01 PM",
		"Rcv 192.168.1.23    7c6d   Q [0001   D   NOERROR] A      "
		"(3)www(7)ex.ample(3)com(0)"),
	    NULL, "\"qname\":\"www.ex.ample.com\"");
	lt_expect_one("windns", dump, NULL,
	    "\"qname\":\"www.name.com\",\"answer\":\"web.name.com,"
	    "93.184.216.34\"");
	/* The dump is the packet's record; the next packet is its own. */
	got = lt_render("windns",
	    "UDP question info at 00\n"
	    "  orphan dump line\n" PKT("5/12/2017 4:44:01 PM",
		QRY) "UDP question info at 000000D3D5A3E1D0\n"
		     "  Message:\n" PKT("5/12/2017 4:44:02 PM", QRY),
	    NULL, &st);
	assert_int_equal(st.records, 4);
	assert_int_equal(st.events, 2);
	assert_int_equal(st.ignored_by[WCS_IGN_HEADER], 2);
	free(got);
}

static void
test_windns_bid(void **state)
{
	static const char pfw[] =
	    "2017-05-12 17:00:01 ALLOW TCP 10.0.0.23 10.0.0.1 49201 445 0 - - "
	    "- - - - - SEND\n";
	static const char one[] = PKT("5/12/2017 4:44:01 PM", QRY);

	(void)state;
	assert_int_equal(
	    wcs_reader_windns.bid((const unsigned char *)pfw, strlen(pfw), 0),
	    0);
	assert_true(wcs_reader_windns.bid(
			(const unsigned char *)one, strlen(one), 0) > 0);
	/* A line cut by the end of a full peek window is not judged. */
	{
		unsigned char win[WCS_PEEK_SIZE];

		memset(win, ' ', sizeof(win));
		memcpy(win, one, strlen(one) - 1);
		assert_int_equal(wcs_reader_windns.bid(win, sizeof(win), 0), 0);
	}
	lt_bid_loses_elsewhere("windns");
	lt_bid_rejects_markup("windns");
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_windns_golden),
		cmocka_unit_test(test_windns_dates),
		cmocka_unit_test(test_windns_order_sticks),
		cmocka_unit_test(test_windns_tz),
		cmocka_unit_test(test_windns_directions),
		cmocka_unit_test(test_windns_rejects_and_skips),
		cmocka_unit_test(test_windns_variants),
		cmocka_unit_test(test_windns_bid),
		cmocka_unit_test(test_windns_resume),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
