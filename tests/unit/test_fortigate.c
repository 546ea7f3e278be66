/*
 * FortiGate reader: golden files, the three ways a time is given,
 * quoting, actions, other log types, rejects and bidding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "golden.h"
#include "linereader_test.h"
#include "readers/readers_private.h"

#define FG_PAIRS                                                              \
	"type=\"traffic\" subtype=\"forward\" srcip=10.0.0.23 srcport=49152 " \
	"dstip=10.0.0.5 dstport=445 proto=6 action=\"deny\"\n"

static void
test_fortigate_golden(void **state)
{
	(void)state;
	golden_check_dir("fortigate", "fortigate");
}

static void
test_fortigate_times(void **state)
{
	struct wcs_read_opts o = { 0 };
	struct wcs_input_stats st;
	struct wcs_ctx ctx;
	char *got;

	(void)state;
	/* eventtime wins (ns, us, ms, s), then tz=, then --tz. */
	lt_expect_one("fortigate",
	    "date=2017-05-12 time=23:59:59 eventtime=1494601381123456789 "
	    "tz=\"+0200\" " FG_PAIRS,
	    NULL, "\"timestamp\":\"2017-05-12T15:03:01.123456Z\"");
	lt_expect_one("fortigate",
	    "date=2017-05-12 time=23:59:59 eventtime=1494601381123 " FG_PAIRS,
	    NULL, "\"timestamp\":\"2017-05-12T15:03:01.123000Z\"");
	lt_expect_one("fortigate",
	    "date=2017-05-12 time=17:03:01 tz=\"+0200\" " FG_PAIRS, NULL,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	lt_expect_one("fortigate",
	    "date=2017-05-12 time=10:03:01 tz=\"-05:00\" " FG_PAIRS, NULL,
	    "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	wcs_ctx_init(&ctx, NULL);
	o.tz = wcs_tz_new(&ctx, "+09:00");
	assert_non_null(o.tz);
	lt_expect_one("fortigate", "date=2017-05-13 time=00:03:01 " FG_PAIRS,
	    &o, "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	wcs_tz_free((struct wcs_tz *)o.tz);
	got = lt_render(
	    "fortigate", "date=2017-05-12 time=15:03:01 " FG_PAIRS, NULL, &st);
	assert_true(st.tz_assumed);
	free(got);
}

static void
test_fortigate_fields(void **state)
{
	(void)state;
	lt_expect_one("fortigate",
	    "May 12 15:03:01 10.0.0.99 date=2017-05-12 time=15:03:01 "
	    "type=traffic subtype=forward srcip=2001:db8::23 srcport=1 "
	    "dstip=2001:db8::5 dstport=445 proto=6 action=client-rst\n",
	    NULL,
	    "\"src_ip\":\"2001:db8::23\",\"src_port\":1,\"dest_ip\":"
	    "\"2001:db8::5\",\"dest_port\":445,\"proto\":\"TCP\",\"action\":"
	    "\"allow\"");
	lt_expect_one("fortigate",
	    "<189>date=2017-05-12 time=15:03:01 devname=\"a b\" " FG_PAIRS,
	    NULL,
	    "\"src_ip\":\"10.0.0.23\",\"src_port\":49152,\"dest_ip\":"
	    "\"10.0.0.5\",\"dest_port\":445,\"proto\":\"TCP\",\"action\":"
	    "\"deny\"");
	lt_expect_one("fortigate",
	    "date=2017-05-12 time=15:03:01 type=\"traffic\" srcip=10.0.0.1 "
	    "srcport=1 dstip=10.0.0.2 dstport=2 proto=17 action=\"ip-conn\"\n",
	    NULL, "\"proto\":\"UDP\",\"source\"");
}

static void
test_fortigate_rejects(void **state)
{
	struct wcs_input_stats st;
	char *got;

	(void)state;
	lt_expect_reject("fortigate",
	    "date=2017-05-12 time=15:03:01 type=\"traffic\" srcip=10.0.0.1 "
	    "dstip=10.0.0.256 proto=6\n",
	    "bad dstip '10.0.0.256'");
	lt_expect_reject("fortigate",
	    "date=2017-05-12 time=15:03:01 devname=\"x type=\"traffic\"\n",
	    "bad FortiGate line");
	lt_expect_reject("fortigate", "date=2017-05-32 time=15:03:01 " FG_PAIRS,
	    "bad date/time");
	lt_expect_reject("fortigate",
	    "date=2017-05-12 time=15:03:01 type=\"traffic\" srcip=10.0.0.1\n",
	    "no srcip/dstip");
	got = lt_render("fortigate",
	    "date=2017-05-12 time=15:03:01 type=\"event\" subtype=\"system\" "
	    "action=\"login\"\n"
	    "May 12 15:03:01 gw sshd[1]: Accepted publickey\n",
	    NULL, &st);
	assert_int_equal(st.ignored, 2);
	assert_int_equal(st.rejected, 0);
	free(got);
}

static void
test_fortigate_bid(void **state)
{
	(void)state;
	lt_bid_loses_elsewhere("fortigate");
	lt_bid_rejects_markup("fortigate");
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_fortigate_golden),
		cmocka_unit_test(test_fortigate_times),
		cmocka_unit_test(test_fortigate_fields),
		cmocka_unit_test(test_fortigate_rejects),
		cmocka_unit_test(test_fortigate_bid),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
