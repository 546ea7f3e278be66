/*
 * zeek-conn reader: golden files (TSV with re-ordered #fields, JSON),
 * conn_state, unset values, rejects and bidding against zeek-dns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "golden.h"
#include "linereader_test.h"
#include "readers/readers_private.h"

#define ZC_HDR                                                               \
	"#separator \\x09\n#path\tconn\n#fields\tts\tid.orig_h\tid.orig_p\t" \
	"id.resp_h\tid.resp_p\tproto\tconn_state\n"

static void
test_zeek_conn_golden(void **state)
{
	(void)state;
	golden_check_dir("zeek-conn", "zeek_conn");
}

/*
 * Read on from the middle: the header's separator (a comma), unset marker
 * and column order are those of the rows after; alone, those rows have
 * another shape than the usual order and are rejected.  Another reader's
 * bytes, or columns past those named, are refused.
 */
static void
test_zeek_conn_resume(void **state)
{
	const char *head = "#separator ,\n#unset_field,N/A\n#path,conn\n"
			   "#fields,id.resp_p,id.resp_h,ts,id.orig_h,proto\n"
			   "445,10.0.0.5,1494601381.5,10.0.0.23,tcp\n";
	const char *tail = "445,10.0.0.6,1494601382.5,10.0.0.24,N/A\n";
	unsigned char saved[WCS_READER_RESUME_MAX], bad[WCS_READER_RESUME_MAX];
	size_t n = 0;
	char *got;

	(void)state;
	got = lt_resume_round_trip(
	    "zeek-conn", head, tail, "\"src_ip\":\"10.0.0.24\"", saved, &n);
	assert_non_null(strstr(got, "\"dest_ip\":\"10.0.0.6\""));
	assert_null(strstr(got, "\"proto\"")); /* N/A is unset */
	free(got);
	/* zeek-dns's bytes are not zeek-conn's. */
	lt_resume_refused("zeek-dns", tail, saved, n);
	memcpy(bad, saved, n);
	bad[strlen("zeek-conn1") + 5] = 60; /* a column past the 5 named */
	lt_resume_refused("zeek-conn", tail, bad, n);
	lt_resume_refused("zeek-conn", tail, saved, n - 1);
}

static void
test_zeek_conn_rows(void **state)
{
	(void)state;
	lt_expect_one("zeek-conn",
	    ZC_HDR "1494601381.5\t10.0.0.23\t49152\t10.0.0.5\t445\ttcp\tREJ\n",
	    NULL,
	    "\"timestamp\":\"2017-05-12T15:03:01.500000Z\",\"event_type\":"
	    "\"conn\",\"src_ip\":\"10.0.0.23\",\"src_port\":49152,\"dest_ip\":"
	    "\"10.0.0.5\",\"dest_port\":445,\"proto\":\"TCP\",\"action\":"
	    "\"deny\"");
	/* S0 is not a denial: Zeek only saw no answer. */
	lt_expect_one("zeek-conn",
	    ZC_HDR "1494601381.5\t10.0.0.23\t49152\t10.0.0.5\t445\ttcp\tS0\n",
	    NULL, "\"proto\":\"TCP\",\"source\"");
	/* A custom separator and a cut-off header (default columns). */
	lt_expect_one("zeek-conn",
	    "#separator |\n#fields|ts|id.orig_h|id.orig_p|id.resp_h|id.resp_p|"
	    "proto|conn_state\n1494601381|10.0.0.23|1|10.0.0.5|445|tcp|-\n",
	    NULL, "\"dest_port\":445");
	lt_expect_one("zeek-conn",
	    "{\"ts\":\"2017-05-12T15:03:01.000000Z\",\"id.orig_h\":"
	    "\"10.0.0.23\",\"id.orig_p\":1,\"id.resp_h\":\"10.0.0.5\","
	    "\"id.resp_p\":445,\"proto\":\"tcp\",\"conn_state\":\"REJ\"}\n",
	    NULL,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\",\"event_type\":\"conn\"");
}

/*
 * Zeek's transport_proto enum is unknown_transport, tcp, udp or icmp: a
 * clean conn.log with IGMP rows must read whole (and pass --strict).
 */
static void
test_zeek_conn_unknown_transport(void **state)
{
	(void)state;
	lt_expect_one("zeek-conn",
	    ZC_HDR "1494601381.5\t10.0.0.1\t0\t224.0.0.22\t0\t"
		   "unknown_transport\tOTH\n",
	    NULL,
	    "\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"224.0.0.22\",\"source\"");
	lt_expect_one("zeek-conn",
	    "{\"ts\":1494601381.5,\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":0,"
	    "\"id.resp_h\":\"224.0.0.1\",\"id.resp_p\":0,\"proto\":"
	    "\"unknown_transport\",\"conn_state\":\"OTH\"}\n",
	    NULL, "\"dest_ip\":\"224.0.0.1\"");
	lt_expect_reject("zeek-conn",
	    ZC_HDR "1494601381.5\t10.0.0.1\t0\t224.0.0.22\t0\tsctpish\tOTH\n",
	    "bad proto 'sctpish'");
}

static void
test_zeek_conn_rejects(void **state)
{
	(void)state;
	lt_expect_reject("zeek-conn",
	    ZC_HDR "1494601381.5\t10.0.0.23\t49152\t10.0.0.256\t445\ttcp\tS0\n",
	    "bad id.resp_h '10.0.0.256'");
	lt_expect_reject("zeek-conn", ZC_HDR "1494601381.5\t10.0.0.23\n",
	    "bad conn.log row");
	lt_expect_reject("zeek-conn",
	    ZC_HDR "x\t10.0.0.23\t49152\t10.0.0.2\t445\ttcp\tS0\n", "bad ts");
	lt_expect_reject("zeek-conn", "{\"ts\":1,\n", "bad conn.log row");
}

static void
test_zeek_conn_bid(void **state)
{
	static const char dns[] =
	    "#separator \\x09\n#path\tdns\n#fields\tts\tid.orig_h\tquery\n"
	    "1\t10.0.0.1\tx.com\n";

	(void)state;
	assert_int_equal(wcs_reader_zeek_conn.bid(
			     (const unsigned char *)dns, strlen(dns), 0),
	    0);
	/*
	 * lt_bid_loses_elsewhere() names fixture directories after readers,
	 * and "zeek-conn" lives in zeek_conn/: test_bidding.c covers it.
	 */
	lt_bid_rejects_markup("zeek-conn");
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_zeek_conn_golden),
		cmocka_unit_test(test_zeek_conn_rows),
		cmocka_unit_test(test_zeek_conn_unknown_transport),
		cmocka_unit_test(test_zeek_conn_rejects),
		cmocka_unit_test(test_zeek_conn_bid),
		cmocka_unit_test(test_zeek_conn_resume),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
