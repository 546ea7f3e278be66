/*
 * filterlog reader: golden files, IPv4/IPv6 layouts, actions, syslog
 * wrappers, rejects, bidding against netfilter, crowdsec's real samples.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "golden.h"
#include "linereader_test.h"
#include "readers/readers_private.h"

#define PF_HDR "May 12 15:03:01 pfSense filterlog: "

static void
test_filterlog_golden(void **state)
{
	(void)state;
	golden_check_dir("filterlog", "filterlog");
}

static void
test_filterlog_layouts(void **state)
{
	struct wcs_read_opts o = { 0 };

	(void)state;
	o.year = 2017;
	lt_expect_one("filterlog",
	    PF_HDR "5,,,1000000103,em1,match,block,in,4,0x0,,128,1,0,DF,6,tcp,"
		   "52,192.168.1.23,192.168.1.9,49160,445,0,S,1,,8192,,mss\n",
	    &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\",\"event_type\":\"conn\","
	    "\"src_ip\":\"192.168.1.23\",\"src_port\":49160,\"dest_ip\":"
	    "\"192.168.1.9\",\"dest_port\":445,\"proto\":\"TCP\",\"action\":"
	    "\"deny\"");
	/* IPv6: protocol text before its id, addresses two fields earlier. */
	lt_expect_one("filterlog",
	    PF_HDR "11,,,1000000109,em1,match,pass,in,6,0x00,0x00000,64,tcp,6,"
		   "32,2001:db8::23,2001:db8::50,49180,445,0,S,1,,8192,,mss\n",
	    &o,
	    "\"src_ip\":\"2001:db8::23\",\"src_port\":49180,\"dest_ip\":"
	    "\"2001:db8::50\",\"dest_port\":445,\"proto\":\"TCP\",\"action\":"
	    "\"allow\"");
	/* ICMP has no ports. */
	lt_expect_one("filterlog",
	    PF_HDR "9,,,1000000107,em1,match,pass,in,4,0x0,,64,1,0,none,1,icmp,"
		   "84,192.168.1.23,192.168.1.1,request,1234,1\n",
	    &o,
	    "\"src_ip\":\"192.168.1.23\",\"dest_ip\":\"192.168.1.1\","
	    "\"proto\":\"ICMP\",\"action\":\"allow\",\"source\"");
	lt_expect_one("filterlog",
	    "<134>1 2017-05-12T17:03:01+02:00 fw filterlog 1 - - 5,,,1,em1,"
	    "match,block,in,4,0x0,,128,1,0,DF,17,udp,78,10.0.0.1,10.0.0.2,137,"
	    "137,58\n",
	    &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\",\"event_type\":\"conn\","
	    "\"src_ip\":\"10.0.0.1\",\"src_port\":137");
}

static void
test_filterlog_tz(void **state)
{
	struct wcs_read_opts o = { 0 };
	struct wcs_ctx ctx;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	o.year = 2017;
	o.tz = wcs_tz_new(&ctx, "+02:00");
	assert_non_null(o.tz);
	lt_expect_one("filterlog",
	    "May 12 17:03:01 pfSense filterlog: 5,,,1,em1,match,block,in,4,0x0,"
	    ",128,1,0,DF,6,tcp,52,10.0.0.1,10.0.0.2,1,445,0,S,1,,8192,,\n",
	    &o, "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	wcs_tz_free((struct wcs_tz *)o.tz);
}

static void
test_filterlog_rejects(void **state)
{
	struct wcs_input_stats st;
	char *got;

	(void)state;
	lt_expect_reject("filterlog",
	    PF_HDR "5,,,1,em1,match,block,in,4,0x0,,128,1,0,DF,6,tcp,52,"
		   "10.0.0.1,10.0.0.256,1,445,0,S,1,,8192,,\n",
	    "bad destination address '10.0.0.256'");
	lt_expect_reject("filterlog", PF_HDR "5,,,1,em1,match,block,in,4,0x0\n",
	    "bad filterlog record");
	lt_expect_reject("filterlog",
	    PF_HDR "5,,,1,em1,match,block,in,4,0x0,,128,1,0,DF,6,tcp,52,"
		   "10.0.0.1,10.0.0.2,1,smb,0,S,1,,8192,,\n",
	    "bad destination port 'smb'");
	lt_expect_reject("filterlog", "hello\n", "not a syslog line");
	/* Other programs' lines and other IP versions are ignored. */
	got = lt_render("filterlog",
	    "May 12 15:03:01 pfSense sshd[1]: Accepted publickey\n" PF_HDR
	    "5,,,1,em1,match,block,in,8,x\n",
	    NULL, &st);
	assert_int_equal(st.ignored, 2);
	assert_int_equal(st.rejected, 0);
	free(got);
}

static void
test_filterlog_bid(void **state)
{
	static const char nf[] =
	    "May 12 15:03:01 gw kernel: [1.0] DROP IN=eth0 OUT= SRC=1.2.3.4 "
	    "DST=10.0.0.9 PROTO=TCP SPT=1 DPT=445\n";
	static const char fl[] =
	    PF_HDR "5,,,1,em1,match,block,in,4,0x0,,128,1,0,DF,6,tcp,52,"
		   "10.0.0.1,10.0.0.2,1,445,0,S,1,,8192,,\n";

	(void)state;
	assert_int_equal(
	    wcs_reader_filterlog.bid((const unsigned char *)nf, strlen(nf), 0),
	    0);
	assert_int_equal(
	    wcs_reader_netfilter.bid((const unsigned char *)fl, strlen(fl), 0),
	    0);
	assert_true(wcs_reader_filterlog.bid(
			(const unsigned char *)fl, strlen(fl), 0) > 0);
	lt_bid_loses_elsewhere("filterlog");
	lt_bid_rejects_markup("filterlog");
}

static void
test_filterlog_real_samples(void **state)
{
	(void)state;
	assert_true(lt_real_sample("filterlog",
			"crowdsec-hub/.tests/pf-logs/pf-logs.log") > 0);
	assert_true(lt_real_sample("filterlog",
			"crowdsec-hub/.tests/pf-scan-multi-port/"
			"pf-scan-multi-port.log") > 0);
	assert_true(lt_real_sample("filterlog",
			"crowdsec-hub/.tests/pfsense-rfc5424-filterlog/"
			"pfsense-rfc5424-filterlog.log") > 0);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_filterlog_golden),
		cmocka_unit_test(test_filterlog_layouts),
		cmocka_unit_test(test_filterlog_tz),
		cmocka_unit_test(test_filterlog_rejects),
		cmocka_unit_test(test_filterlog_bid),
		cmocka_unit_test(test_filterlog_real_samples),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
