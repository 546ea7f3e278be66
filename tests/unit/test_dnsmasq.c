/*
 * dnsmasq reader: golden files, query/answer pairing by name and by
 * serial, rcodes, Pi-hole lines, rejects and bidding against BIND.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "golden.h"
#include "linereader_test.h"
#include "readers/readers_private.h"

#define DM "May 12 15:03:01 gw dnsmasq[812]: "

static void
test_dnsmasq_golden(void **state)
{
	(void)state;
	golden_check_dir("dnsmasq", "dnsmasq");
}

static void
test_dnsmasq_pairing(void **state)
{
	struct wcs_read_opts o = { 0 };
	struct wcs_input_stats st;
	char *got;

	(void)state;
	o.year = 2017;
	got = lt_render("dnsmasq",
	    DM "query[A] www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com "
	       "from 10.0.0.23\n" DM
	       "forwarded www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com to "
	       "8.8.8.8\n" DM
	       "reply www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com is "
	       "NXDOMAIN\n",
	    &o, &st);
	assert_int_equal(st.events, 2);
	assert_int_equal(st.ignored, 1);
	assert_non_null(strstr(got,
	    "{\"timestamp\":\"2017-05-12T15:03:01Z\",\"event_type\":\"dns\","
	    "\"src_ip\":\"10.0.0.23\",\"dns_dir\":\"response\",\"rcode\":3,"
	    "\"qtype\":1,\"qname\":"
	    "\"www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com\""));
	assert_true(st.year_guessed == false && st.tz_assumed);
	free(got);
	/* Serial numbers keep two clients' answers apart. */
	got = lt_render("dnsmasq",
	    DM "1 10.0.0.1/1000 query[A] x.com from 10.0.0.1\n" DM
	       "2 10.0.0.2/2000 query[AAAA] x.com from 10.0.0.2\n" DM
	       "1 10.0.0.1/1000 reply x.com is 1.2.3.4\n",
	    &o, &st);
	assert_int_equal(st.events, 3);
	assert_non_null(strstr(got,
	    "\"src_ip\":\"10.0.0.1\",\"src_port\":1000,\"dns_dir\":"
	    "\"response\",\"rcode\":0,\"qtype\":1,\"qname\":\"x.com\","
	    "\"answer\":\"1.2.3.4\""));
	free(got);
	lt_expect_one("dnsmasq", DM "reply nobody.asked is NODATA-IPv6\n", &o,
	    "\"dns_dir\":\"response\",\"rcode\":0,\"qname\":\"nobody.asked\","
	    "\"source\"");
	lt_expect_one("dnsmasq", DM "config blocked.example is NXDOMAIN\n", &o,
	    "\"rcode\":3");
	lt_expect_one("dnsmasq",
	    "May 12 15:03:01 pihole-FTL[1]: gravity blocked ads.example is "
	    "0.0.0.0\n",
	    &o, "\"rcode\":0,\"qname\":\"ads.example\",\"answer\":\"0.0.0.0\"");
}

static void
test_dnsmasq_rejects(void **state)
{
	struct wcs_input_stats st;
	char *got;

	(void)state;
	lt_expect_reject("dnsmasq", DM "query[A] x.com from 10.0.0.256\n",
	    "bad client address '10.0.0.256'");
	lt_expect_reject("dnsmasq", DM "query[A] x.com\n", "bad query line");
	lt_expect_reject("dnsmasq", "hello\n", "not a syslog line");
	got = lt_render("dnsmasq",
	    DM
	    "started, version 2.80 cachesize 150\n"
	    "May 12 15:03:01 gw dnsmasq-dhcp[812]: DHCPACK(br0) 10.0.0.5\n"
	    "May 12 15:03:01 gw named[1]: client 10.0.0.1#1: query: x IN A\n",
	    NULL, &st);
	assert_int_equal(st.ignored, 3);
	assert_int_equal(st.rejected, 0);
	free(got);
}

static void
test_dnsmasq_bid(void **state)
{
	static const char dm[] = DM "query[A] x.com from 10.0.0.1\n";

	(void)state;
	assert_int_equal(
	    wcs_reader_bind.bid((const unsigned char *)dm, strlen(dm), 0), 0);
	assert_int_equal(
	    wcs_reader_netfilter.bid((const unsigned char *)dm, strlen(dm), 0),
	    0);
	lt_bid_loses_elsewhere("dnsmasq");
	lt_bid_rejects_markup("dnsmasq");
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_dnsmasq_golden),
		cmocka_unit_test(test_dnsmasq_pairing),
		cmocka_unit_test(test_dnsmasq_rejects),
		cmocka_unit_test(test_dnsmasq_bid),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
