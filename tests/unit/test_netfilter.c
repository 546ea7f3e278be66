/*
 * netfilter LOG reader: golden files, syslog stamp forms, year inference,
 * time zones, actions, rejects, bidding, and crowdsec's real samples.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "golden.h"
#include "linereader_test.h"
#include "readers/readers_private.h"

#define UFW                                                                    \
	" gw kernel: [12345.678901] [UFW BLOCK] IN=eth0 OUT= SRC=192.168.1.5 " \
	"DST=10.0.0.9 LEN=52 PROTO=TCP SPT=49152 DPT=445 SYN URGP=0\n"

static void
test_netfilter_golden(void **state)
{
	(void)state;
	golden_check_dir("netfilter", "netfilter");
}

static void
test_netfilter_stamps(void **state)
{
	struct wcs_read_opts o = { 0 };

	(void)state;
	o.year = 2017;
	lt_expect_one("netfilter", "May 12 15:03:01" UFW, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	lt_expect_one("netfilter", "May  2 15:03:01" UFW, &o,
	    "\"timestamp\":\"2017-05-02T15:03:01Z\"");
	lt_expect_one("netfilter", "2017-05-12T17:03:01.5+02:00" UFW, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01.500000Z\"");
	lt_expect_one("netfilter",
	    "<4>1 2017-05-12T15:03:01Z gw kernel - - - [UFW BLOCK] IN=eth0 "
	    "OUT= SRC=192.168.1.5 DST=10.0.0.9 PROTO=TCP SPT=1 DPT=445\n",
	    &o, "\"timestamp\":\"2017-05-12T15:03:01Z\"");
}

static void
test_netfilter_tz(void **state)
{
	struct wcs_read_opts o = { 0 };
	struct wcs_ctx ctx;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	o.year = 2017;
	o.tz = wcs_tz_new(&ctx, "+09:00");
	assert_non_null(o.tz);
	lt_expect_one("netfilter", "May 13 00:03:01" UFW, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	/* A stamp with a zone ignores --tz. */
	lt_expect_one("netfilter", "2017-05-12T15:03:01Z" UFW, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	wcs_tz_free((struct wcs_tz *)o.tz);
	o.tz = wcs_tz_new(&ctx, "Europe/Berlin");
	if (o.tz == NULL) {
		printf("skipping: no tz database\n");
		skip();
	}
	lt_expect_one("netfilter", "May 12 17:03:01" UFW, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	lt_expect_one("netfilter", "Dec 12 16:03:01" UFW, &o,
	    "\"timestamp\":\"2017-12-12T15:03:01Z\"");
	wcs_tz_free((struct wcs_tz *)o.tz);
}

static void
test_netfilter_year_from_mtime(void **state)
{
	struct wcs_lu_year y;
	struct wcs_lu_civil c = { 0, 12, 31, 23, 59, 59, 0 };
	struct wcs_lu_civil m = { 0, 5, 12, 15, 3, 1, 0 };

	(void)state;
	/* mtime 2018-01-02T00:00:00Z: December belongs to 2017. */
	wcs_lu_year_init(&y, 0, (time_t)1514851200);
	assert_true(wcs_lu_year_resolve(&y, &c));
	assert_int_equal(c.year, 2017);
	/* May is not after January by more than a month... of 2018: 2017. */
	assert_true(wcs_lu_year_resolve(&y, &m));
	assert_int_equal(m.year, 2017);
	/* mtime 2017-05-12T12:00:00Z: a later May day is this year. */
	wcs_lu_year_init(&y, 0, (time_t)1494590400);
	m.day = 20;
	assert_true(wcs_lu_year_resolve(&y, &m));
	assert_int_equal(m.year, 2017);
	/* --year wins. */
	wcs_lu_year_init(&y, 2016, (time_t)1494590400);
	assert_true(wcs_lu_year_resolve(&y, &c));
	assert_int_equal(c.year, 2016);
}

static void
test_netfilter_actions(void **state)
{
	struct wcs_read_opts o = { 0 };

	(void)state;
	o.year = 2017;
	lt_expect_one("netfilter",
	    "May 12 15:03:01 gw kernel: [1.0] IPTABLES-DROP: IN=eth0 OUT= "
	    "SRC=1.2.3.4 DST=10.0.0.9 PROTO=TCP SPT=1 DPT=445\n",
	    &o, "\"action\":\"deny\"");
	lt_expect_one("netfilter",
	    "May 12 15:03:01 gw kernel: [1.0] [UFW ALLOW] IN=eth0 OUT= "
	    "SRC=1.2.3.4 DST=10.0.0.9 PROTO=TCP SPT=1 DPT=445\n",
	    &o, "\"action\":\"allow\"");
	lt_expect_one("netfilter",
	    "May 12 15:03:01 gw kernel: [1.0] fw-reject IN=eth0 OUT= "
	    "SRC=1.2.3.4 DST=10.0.0.9 PROTO=TCP SPT=1 DPT=445\n",
	    &o, "\"action\":\"deny\"");
	lt_expect_one("netfilter",
	    "May 12 15:03:01 gw kernel: [1.0] IN=eth0 OUT= "
	    "SRC=1.2.3.4 DST=10.0.0.9 PROTO=TCP SPT=1 DPT=445\n",
	    &o, "\"proto\":\"TCP\",\"source\"");
	/* IPv6 and the OUTPUT chain. */
	lt_expect_one("netfilter",
	    "May 12 15:03:01 gw kernel: [1.0] IN= OUT=eth0 SRC=fe80::1 "
	    "DST=fe80::2 PROTO=UDP SPT=546 DPT=547\n",
	    &o,
	    "\"src_ip\":\"fe80::1\",\"src_port\":546,\"dest_ip\":\"fe80::2\","
	    "\"dest_port\":547,\"proto\":\"UDP\",\"outbound\":true");
}

static void
test_netfilter_rejects(void **state)
{
	struct wcs_input_stats st;
	char *got;

	(void)state;
	lt_expect_reject("netfilter",
	    "May 12 15:03:01 gw kernel: [1.0] DROP IN=eth0 OUT= SRC=1.2.3.4 "
	    "DST=x PROTO=TCP SPT=1 DPT=445\n",
	    "bad destination address 'x'");
	lt_expect_reject("netfilter",
	    "May 12 15:03:01 gw kernel: [1.0] DROP IN=eth0 OUT= SRC=1.2.3.4 "
	    "DST=10.0.0.9 PROTO=TCP SPT=1 DPT=-1\n",
	    "bad destination port '-1'");
	lt_expect_reject("netfilter", "hello\n", "not a syslog line");
	/* Other programs' lines are ignored, not rejected. */
	got = lt_render("netfilter",
	    "May 12 15:03:01 gw sshd[1]: Failed password for root\n", NULL,
	    &st);
	assert_int_equal(st.ignored, 1);
	assert_int_equal(st.rejected, 0);
	free(got);
}

static void
test_netfilter_bid(void **state)
{
	static const char bind_sys[] =
	    "May 12 15:03:01 ns1 named[1234]: client 192.168.1.23#52341 "
	    "(x.com): query: x.com IN A + (10.0.0.1)\n";

	(void)state;
	assert_int_equal(
	    wcs_reader_netfilter.bid(
		(const unsigned char *)bind_sys, strlen(bind_sys), 0),
	    0);
	lt_bid_loses_elsewhere("netfilter");
	lt_bid_rejects_markup("netfilter");
}

static void
test_netfilter_real_samples(void **state)
{
	(void)state;
	assert_true(
	    lt_real_sample("netfilter",
		"crowdsec-hub/.tests/iptables-logs/iptables-logs.log") > 0);
	assert_true(lt_real_sample("netfilter",
			"crowdsec-hub/.tests/iptables-scan-multi-port/"
			"iptables-scan-multi-port.log") > 0);
	assert_true(lt_real_sample("netfilter",
			"crowdsec-hub/.tests/proxmox-iptables-logs/"
			"proxmox-iptables.log") > 0);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_netfilter_golden),
		cmocka_unit_test(test_netfilter_stamps),
		cmocka_unit_test(test_netfilter_tz),
		cmocka_unit_test(test_netfilter_year_from_mtime),
		cmocka_unit_test(test_netfilter_actions),
		cmocka_unit_test(test_netfilter_rejects),
		cmocka_unit_test(test_netfilter_bid),
		cmocka_unit_test(test_netfilter_real_samples),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
