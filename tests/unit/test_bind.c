/*
 * BIND query log reader: golden files, line variants, query errors and
 * denied queries, syslog wrapping, time zones, rejects, bidding, and
 * crowdsec's real samples.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "golden.h"
#include "linereader_test.h"
#include "readers/readers_private.h"

#define Q(prefix)                                                              \
	prefix "client @0x7f1234567890 192.168.1.23#52341 (www.example.com): " \
	       "query: www.example.com IN A +E(0)K (10.0.0.1)\n"
#define WANT_Q                                                              \
	"\"src_ip\":\"192.168.1.23\",\"src_port\":52341,\"dest_ip\":"       \
	"\"10.0.0.1\",\"proto\":\"UDP\",\"dns_dir\":\"query\",\"qtype\":1," \
	"\"qname\":\"www.example.com\""

static void
test_bind_golden(void **state)
{
	(void)state;
	golden_check_dir("bind", "bind");
}

static void
test_bind_variants(void **state)
{
	struct wcs_read_opts o = { 0 };

	(void)state;
	o.year = 2017;
	lt_expect_one("bind", Q("12-May-2017 15:03:01.123 queries: info: "), &o,
	    "\"timestamp\":\"2017-05-12T15:03:01.123000Z\"");
	lt_expect_one(
	    "bind", Q("12-May-2017 15:03:01.123 queries: info: "), &o, WANT_Q);
	lt_expect_one("bind", Q("12-May-2017 15:03:01.123 info: "), &o, WANT_Q);
	lt_expect_one("bind", Q("12-May-2017 15:03:01.123 "), &o, WANT_Q);
	lt_expect_one(
	    "bind", Q("12-May-2017 15:03:01.123 debug 3: "), &o, WANT_Q);
	lt_expect_one("bind", Q(""), &o, "{\"timestamp\":null");
	lt_expect_one("bind", Q("2017-05-12T15:03:01.123Z queries: info: "), &o,
	    "\"timestamp\":\"2017-05-12T15:03:01.123000Z\"");
	lt_expect_one("bind", Q("May 12 15:03:01 ns1 named[1234]: "), &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	lt_expect_one("bind",
	    "12-May-2017 15:03:01.123 client 10.1.1.1#53000 (a.b): view "
	    "internal: query: A.B. IN AAAA +T (10.0.0.1)\n",
	    &o,
	    "\"proto\":\"TCP\",\"dns_dir\":\"query\",\"qtype\":28,"
	    "\"qname\":\"a.b\"");
	lt_expect_one("bind",
	    "12-May-2017 15:03:01.123 client 10.1.1.1#53000: query: a.b IN A "
	    "+\n",
	    &o, "\"src_port\":53000,\"proto\":\"UDP\"");
	lt_expect_one("bind",
	    "12-May-2017 15:03:01.123 query-errors: info: client @0x1 "
	    "10.1.1.1#53000 (x.com): query failed (SERVFAIL) for x.com/IN/MX "
	    "at query.c:1\n",
	    &o,
	    "\"dns_dir\":\"response\",\"rcode\":2,\"qtype\":15,"
	    "\"qname\":\"x.com\"");
	lt_expect_one("bind",
	    "12-May-2017 15:03:01.123 security: info: client @0x1 "
	    "10.1.1.1#53000 (x.com): query (cache) 'x.com/A/IN' denied\n",
	    &o,
	    "\"dns_dir\":\"response\",\"rcode\":5,\"qtype\":1,"
	    "\"qname\":\"x.com\"");
}

static void
test_bind_tz(void **state)
{
	struct wcs_read_opts o = { 0 };
	struct wcs_ctx ctx;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	o.tz = wcs_tz_new(&ctx, "+09:00");
	assert_non_null(o.tz);
	lt_expect_one("bind", Q("13-May-2017 00:03:01.000 "), &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	/* iso8601-utc carries its zone: --tz does not apply. */
	lt_expect_one("bind", Q("2017-05-12T15:03:01.000Z "), &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	wcs_tz_free((struct wcs_tz *)o.tz);
	o.tz = wcs_tz_new(&ctx, "Europe/Berlin");
	if (o.tz == NULL) {
		printf("skipping: no tz database\n");
		skip();
	}
	lt_expect_one("bind", Q("12-May-2017 17:03:01.000 "), &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	wcs_tz_free((struct wcs_tz *)o.tz);
}

static void
test_bind_rejects_and_skips(void **state)
{
	struct wcs_input_stats st;
	char *got;

	(void)state;
	lt_expect_reject("bind",
	    "12-May-2017 15:03:01.123 client 10.1.1.x#5 (a): query: a IN A + "
	    "(10.0.0.1)\n",
	    "bad client address '10.1.1.x#5'");
	lt_expect_reject("bind",
	    "12-May-2017 15:03:01.123 client 10.1.1.1#5 (a): query: a IN A + "
	    "(10.0.0.x)\n",
	    "bad server address '(10.0.0.x)'");
	lt_expect_reject("bind", Q("12-Foo-2017 15:03:01.123 "), "bad date");
	lt_expect_reject("bind", "something else\n", "not a BIND log line");
	got = lt_render("bind",
	    "12-May-2017 15:03:02.006 lame-servers: info: no valid RRSIG\n"
	    "12-May-2017 15:03:02.007 general: info: zone example.com/IN: "
	    "loaded serial 1\n"
	    "May 12 15:03:01 ns1 sshd[1]: Accepted password\n"
	    "security: client @0x1 ::1#5 (x.com): zone transfer "
	    "'x.com/AXFR/IN' denied\n",
	    NULL, &st);
	assert_int_equal(st.ignored, 4);
	assert_int_equal(st.records, 4);
	free(got);
}

static void
test_bind_bid(void **state)
{
	static const char nf[] =
	    "May 12 15:03:01 gw kernel: [1.0] [UFW BLOCK] IN=eth0 OUT= "
	    "SRC=192.168.1.5 DST=10.0.0.9 PROTO=TCP SPT=1 DPT=445\n";
	static const char sys[] = Q("May 12 15:03:01 ns1 named[1234]: ");

	(void)state;
	assert_int_equal(
	    wcs_reader_bind.bid((const unsigned char *)nf, strlen(nf), 0), 0);
	assert_true(wcs_reader_bind.bid(
			(const unsigned char *)sys, strlen(sys), 0) > 0);
	assert_int_equal(wcs_reader_netfilter.bid(
			     (const unsigned char *)sys, strlen(sys), 0),
	    0);
	lt_bid_loses_elsewhere("bind");
	lt_bid_rejects_markup("bind");
}

static void
test_bind_real_samples(void **state)
{
	(void)state;
	(void)lt_real_sample(
	    "bind", "crowdsec-hub/.tests/bind9-logs/bind9-logs.log");
	(void)lt_real_sample(
	    "bind", "crowdsec-hub/.tests/bind9-refused/bind9-refused.log");
	(void)lt_real_sample(
	    "bind", "crowdsec-hub/.tests/bind9-syslog/bind9-syslog.log");
}

/*
 * Infoblox NIOS in BIND form (its "log responses" lines, examples from
 * Infoblox's and LogZilla's documentation): the category before named's
 * stamp, "UDP:"/"TCP:" before the query, and "response: RCODE FLAGS" with
 * the answer records after it.
 */
static void
test_bind_infoblox(void **state)
{
	struct wcs_read_opts o = { 0 };

	(void)state;
	o.year = 2017;
	lt_expect_one("bind",
	    "<30>Apr 14 16:17:20 10.0.0.1 named[2588]: infoblox-responses: "
	    "14-Apr-2017 16:17:20.046 client 192.168.0.1#57738: UDP: query: "
	    "settings-win.data.microsoft.com IN A response: REFUSED -\n",
	    &o,
	    "\"timestamp\":\"2017-04-14T16:17:20.046000Z\",\"event_type\":"
	    "\"dns\",\"src_ip\":\"192.168.0.1\",\"src_port\":57738,\"proto\":"
	    "\"UDP\",\"dns_dir\":\"response\",\"rcode\":5");
	lt_expect_one("bind",
	    "07-Apr-2013 20:16:49.083 client 11.22.33.44#57398 TCP: query: "
	    "c2.foo.com IN A response: NOERROR +ED c2.foo.com. 28800 IN CNAME "
	    "a2.foo.com.; a2.foo.com. 28800 IN A 1.1.1.2;\n",
	    &o,
	    "\"proto\":\"TCP\",\"dns_dir\":\"response\",\"rcode\":0,"
	    "\"qtype\":1,\"qname\":\"c2.foo.com\",\"answer\":\"a2.foo.com,"
	    "1.1.1.2\"");
	lt_expect_one("bind",
	    "12-May-2017 15:03:01.811 client 192.168.0.23#55720 (x.com): query: "
	    "x.com IN A response: NXDOMAIN +\n",
	    &o, "\"rcode\":3,\"qtype\":1,\"qname\":\"x.com\"");
	lt_expect_reject("bind",
	    "12-May-2017 15:03:01.811 client 192.168.0.23#55720: UDP: query: "
	    "x.com IN A response: MAYBE +\n",
	    "bad response 'MAYBE +'");
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_bind_golden),
		cmocka_unit_test(test_bind_variants),
		cmocka_unit_test(test_bind_tz),
		cmocka_unit_test(test_bind_rejects_and_skips),
		cmocka_unit_test(test_bind_infoblox),
		cmocka_unit_test(test_bind_bid),
		cmocka_unit_test(test_bind_real_samples),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
