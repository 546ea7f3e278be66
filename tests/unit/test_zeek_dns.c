/*
 * zeek-dns reader: golden files (TSV, JSON), query/response, rcode and
 * answers, rejects, bidding, and the Zeek sample of real traffic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "golden.h"
#include "linereader_test.h"
#include "readers/readers_private.h"

#define ZD_HDR                                                              \
	"#separator \\x09\n#path\tdns\n#fields\tts\tid.orig_h\tid.orig_p\t" \
	"id.resp_h\tid.resp_p\tproto\tquery\tqtype_name\trcode\tanswers\n"

static void
test_zeek_dns_golden(void **state)
{
	(void)state;
	golden_check_dir("zeek-dns", "zeek_dns");
}

static void
test_zeek_dns_rows(void **state)
{
	(void)state;
	lt_expect_one("zeek-dns",
	    ZD_HDR
	    "1494601381\t10.0.0.23\t53001\t10.0.0.1\t53\tudp\t"
	    "www.IUQERFSODP9IFJAPOSDFJHGOSURIJFAEWRWERGWEA.com\tA\t3\t-\n",
	    NULL,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\",\"event_type\":\"dns\","
	    "\"src_ip\":\"10.0.0.23\",\"src_port\":53001,\"dest_ip\":"
	    "\"10.0.0.1\",\"dest_port\":53,\"proto\":\"UDP\",\"dns_dir\":"
	    "\"response\",\"rcode\":3,\"qtype\":1,\"qname\":"
	    "\"www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com\"");
	lt_expect_one("zeek-dns",
	    ZD_HDR "1494601381\t10.0.0.23\t53001\t10.0.0.1\t53\tudp\t"
		   "x.com\tA\t-\t-\n",
	    NULL, "\"dns_dir\":\"query\",\"qtype\":1,\"qname\":\"x.com\"");
	lt_expect_one("zeek-dns",
	    ZD_HDR "1494601381\t10.0.0.23\t53001\t10.0.0.1\t53\tudp\t"
		   "x.com\tA\t0\ta.x.com,1.2.3.4\n",
	    NULL,
	    "\"rcode\":0,\"qtype\":1,\"qname\":\"x.com\",\"answer\":"
	    "\"a.x.com,1.2.3.4\"");
	lt_expect_one("zeek-dns",
	    "{\"ts\":1494601381,\"id.orig_h\":\"10.0.0.23\",\"id.resp_h\":"
	    "\"10.0.0.1\",\"query\":\"x.com\",\"qtype_name\":\"AAAA\","
	    "\"rcode_name\":\"NOERROR\",\"answers\":[\"::1\", \"::2\"]}\n",
	    NULL,
	    "\"rcode\":0,\"qtype\":28,\"qname\":\"x.com\",\"answer\":"
	    "\"::1,::2\"");
}

static void
test_zeek_dns_rejects(void **state)
{
	struct wcs_input_stats st;
	char *got;

	(void)state;
	lt_expect_reject("zeek-dns",
	    ZD_HDR "1494601381\t10.0.0.300\t53001\t10.0.0.1\t53\tudp\tx.com\t"
		   "A\t-\t-\n",
	    "bad id.orig_h '10.0.0.300'");
	lt_expect_reject(
	    "zeek-dns", ZD_HDR "1494601381\t10.0.0.3\n", "bad dns.log row");
	lt_expect_reject("zeek-dns",
	    ZD_HDR "1494601381\t10.0.0.3\t53001\t10.0.0.1\t53\tudp\tx.com\t"
		   "A\tthree\t-\n",
	    "bad rcode 'three'");
	/* No query name: nothing to match, ignored. */
	got = lt_render("zeek-dns",
	    ZD_HDR "1494601381\t10.0.0.3\t137\t10.0.0.255\t137\tudp\t-\t-\t-"
		   "\t-\n",
	    NULL, &st);
	assert_int_equal(st.ignored, 4);
	assert_int_equal(st.rejected, 0);
	free(got);
}

static void
test_zeek_dns_bid(void **state)
{
	static const char conn[] =
	    "#separator \\x09\n#path\tconn\n#fields\tts\tid.orig_h\t"
	    "conn_state\n1\t10.0.0.1\tS0\n";

	(void)state;
	assert_int_equal(wcs_reader_zeek_dns.bid(
			     (const unsigned char *)conn, strlen(conn), 0),
	    0);
	/* test_bidding.c checks the other fixture directories. */
	lt_bid_rejects_markup("zeek-dns");
}

static void
test_zeek_dns_real_samples(void **state)
{
	(void)state;
	assert_true(lt_real_sample("zeek-dns",
			"zed-sample-data/zeek-default/dns.log.gz") > 50000);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_zeek_dns_golden),
		cmocka_unit_test(test_zeek_dns_rows),
		cmocka_unit_test(test_zeek_dns_rejects),
		cmocka_unit_test(test_zeek_dns_bid),
		cmocka_unit_test(test_zeek_dns_real_samples),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
