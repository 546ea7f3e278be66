/*
 * MikroTik reader: golden files, header forms, packet parts (NAT, ICMP,
 * IPv6), actions from the prefix, rejects, bidding and crowdsec's sample.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "golden.h"
#include "linereader_test.h"
#include "readers/readers_private.h"

#define MT_PKT                                                                  \
	" in:bridge1 out:ether1, connection-state:new src-mac "                 \
	"00:0c:29:11:22:33, proto TCP (SYN), 10.30.1.23:49152->10.30.1.5:445, " \
	"len 52\n"

static void
test_mikrotik_golden(void **state)
{
	(void)state;
	golden_check_dir("mikrotik", "mikrotik");
}

static void
test_mikrotik_packets(void **state)
{
	struct wcs_read_opts o = { 0 };

	(void)state;
	o.year = 2017;
	lt_expect_one("mikrotik",
	    "May 12 15:03:01 gw firewall,info drop-smb forward:" MT_PKT, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\",\"event_type\":\"conn\","
	    "\"src_ip\":\"10.30.1.23\",\"src_port\":49152,\"dest_ip\":"
	    "\"10.30.1.5\",\"dest_port\":445,\"proto\":\"TCP\",\"action\":"
	    "\"deny\"");
	lt_expect_one("mikrotik",
	    "2017-05-12T17:03:01+02:00 gw firewall,info forward:" MT_PKT, &o,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\",\"event_type\":\"conn\","
	    "\"src_ip\":\"10.30.1.23\",\"src_port\":49152,\"dest_ip\":"
	    "\"10.30.1.5\",\"dest_port\":445,\"proto\":\"TCP\",\"source\"");
	lt_expect_one("mikrotik",
	    "May 12 15:03:01 gw firewall,info accept forward: in:a out:b, "
	    "proto TCP (SYN), 10.0.0.1:1->8.8.8.8:445, NAT "
	    "(10.0.0.1:1->198.51.100.1:1)->8.8.8.8:445, len 52\n",
	    &o,
	    "\"src_ip\":\"10.0.0.1\",\"src_port\":1,\"dest_ip\":\"8.8.8.8\","
	    "\"dest_port\":445,\"proto\":\"TCP\",\"action\":\"allow\"");
	lt_expect_one("mikrotik",
	    "May 12 15:03:01 gw firewall,info input: in:a out:(unknown 0), "
	    "proto ICMP (type 8, code 0), 198.51.100.7->10.0.0.1, len 84\n",
	    &o,
	    "\"src_ip\":\"198.51.100.7\",\"dest_ip\":\"10.0.0.1\",\"proto\":"
	    "\"ICMP\",\"source\"");
	lt_expect_one("mikrotik",
	    "May 12 15:03:01 gw firewall,info input: in:a out:b, proto UDP, "
	    "[2001:db8::1]:53->[2001:db8::2]:5353, len 84\n",
	    &o,
	    "\"src_ip\":\"2001:db8::1\",\"src_port\":53,\"dest_ip\":"
	    "\"2001:db8::2\",\"dest_port\":5353,\"proto\":\"UDP\"");
}

static void
test_mikrotik_rejects(void **state)
{
	struct wcs_input_stats st;
	char *got;

	(void)state;
	lt_expect_reject("mikrotik",
	    "May 12 15:03:01 gw firewall,info forward: in:a out:b, proto TCP "
	    "(SYN), 10.0.0.1:1->10.0.0.256:445, len 52\n",
	    "bad destination '10.0.0.256:445'");
	lt_expect_reject("mikrotik",
	    "May 12 15:03:01 gw firewall,info forward: in:a out:b, len 52\n",
	    "bad firewall line");
	lt_expect_reject("mikrotik",
	    "firewall,info input: in:a out:b, proto TCP (SYN), "
	    "1.2.3.4:1->5.6.7.8:445, len 40\n",
	    "not a syslog line");
	got = lt_render("mikrotik",
	    "May 12 15:03:01 gw system,info,account user admin logged in\n"
	    "May 12 15:03:01 gw sshd[1]: Accepted publickey\n",
	    NULL, &st);
	assert_int_equal(st.ignored, 2);
	assert_int_equal(st.rejected, 0);
	free(got);
}

static void
test_mikrotik_bid(void **state)
{
	static const char mt[] = "May 12 15:03:01 gw firewall,info drop-smb "
				 "forward:" MT_PKT;

	(void)state;
	assert_int_equal(
	    wcs_reader_netfilter.bid((const unsigned char *)mt, strlen(mt), 0),
	    0);
	assert_int_equal(
	    wcs_reader_bind.bid((const unsigned char *)mt, strlen(mt), 0), 0);
	lt_bid_loses_elsewhere("mikrotik");
	lt_bid_rejects_markup("mikrotik");
}

static void
test_mikrotik_real_samples(void **state)
{
	(void)state;
	assert_true(lt_real_sample("mikrotik",
			"crowdsec-hub/.tests/mikrotik-scan-multi_ports/"
			"mikrotik-scan-multi_ports.log") > 0);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_mikrotik_golden),
		cmocka_unit_test(test_mikrotik_packets),
		cmocka_unit_test(test_mikrotik_rejects),
		cmocka_unit_test(test_mikrotik_bid),
		cmocka_unit_test(test_mikrotik_real_samples),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
