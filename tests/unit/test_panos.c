/*
 * PAN-OS reader: golden files, TRAFFIC and THREAT, the time rules,
 * quoted fields, rejects, bidding and crowdsec's THREAT sample.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "golden.h"
#include "linereader_test.h"
#include "readers/readers_private.h"

/* A TRAFFIC record from the generated time on (fields 6..30). */
#define PA_REST(gen, act)                                                      \
	"2561," gen ",10.20.1.23,10.20.1.5,0.0.0.0,0.0.0.0,rule1,,,ms-ds-smb," \
	"vsys1,trust,dmz,ethernet1/2,ethernet1/3,fwd," gen                     \
	",33,1,49152,445,0,0,0x0,tcp," act ",296,296,0\n"

static void
test_panos_golden(void **state)
{
	(void)state;
	golden_check_dir("panos", "panos");
}

static void
test_panos_times(void **state)
{
	struct wcs_read_opts o = { 0 };
	struct wcs_ctx ctx;

	(void)state;
	/* The header's offset dates the generated time. */
	lt_expect_one("panos",
	    "2017-05-12T17:03:09+02:00 pa 1,2017/05/12 17:03:09,0001,TRAFFIC,"
	    "end," PA_REST("2017/05/12 17:03:01", "allow"),
	    NULL, "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	/* A relay's header far from the generated time: the header wins. */
	lt_expect_one("panos",
	    "2017-05-12T11:03:09-04:00 relay 1,2017/05/12 17:03:09,0001,"
	    "TRAFFIC,end," PA_REST("2017/05/12 17:03:09", "allow"),
	    NULL, "\"timestamp\":\"2017-05-12T15:03:09Z\"");
	wcs_ctx_init(&ctx, NULL);
	o.tz = wcs_tz_new(&ctx, "+02:00");
	assert_non_null(o.tz);
	lt_expect_one("panos",
	    "May 12 17:03:09 pa 1,2017/05/12 17:03:09,0001,TRAFFIC,end," PA_REST(
		"2017/05/12 17:03:01", "allow"),
	    &o, "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	wcs_tz_free((struct wcs_tz *)o.tz);
}

static void
test_panos_actions(void **state)
{
	(void)state;
	lt_expect_one("panos",
	    "1,2017/05/12 17:03:09,0001,TRAFFIC,drop," PA_REST(
		"2017/05/12 17:03:01", "reset-both"),
	    NULL,
	    "\"src_ip\":\"10.20.1.23\",\"src_port\":49152,\"dest_ip\":"
	    "\"10.20.1.5\",\"dest_port\":445,\"proto\":\"TCP\",\"action\":"
	    "\"deny\"");
	lt_expect_one("panos",
	    "1,2017/05/12 17:03:09,0001,THREAT,vulnerability," PA_REST(
		"2017/05/12 17:03:01", "alert"),
	    NULL, "\"action\":\"allow\"");
	lt_expect_one("panos",
	    "1,2017/05/12 17:03:09,0001,THREAT,url," PA_REST(
		"2017/05/12 17:03:01", "block-url"),
	    NULL, "\"action\":\"deny\"");
}

static void
test_panos_rejects(void **state)
{
	struct wcs_input_stats st;
	char *got;

	(void)state;
	lt_expect_reject("panos", "1,2017/05/12 17:03:09,0001,TRAFFIC,end,1\n",
	    "bad record (too few fields) 'TRAFFIC'");
	lt_expect_reject("panos", "no commas\n", "bad PAN-OS line");
	lt_expect_reject("panos",
	    "1,2017/05/12 17:03:09,0001,TRAFFIC,end," PA_REST(
		"2017/05/12 25:03:01", "allow"),
	    "bad generated time");
	got = lt_render("panos",
	    "1,2017/05/12 17:03:09,0001,SYSTEM,general,0,2017/05/12 17:03:09,"
	    ",general,,0,0,general,informational,\"x, y\",1,0x0\n",
	    NULL, &st);
	assert_int_equal(st.ignored, 1);
	assert_int_equal(st.rejected, 0);
	free(got);
}

static void
test_panos_bid(void **state)
{
	(void)state;
	lt_bid_loses_elsewhere("panos");
	lt_bid_rejects_markup("panos");
}

static void
test_panos_real_samples(void **state)
{
	(void)state;
	assert_true(
	    lt_real_sample("panos", "crowdsec-hub/.tests/palo-alto-threat/"
				    "palo-alto-threat.log") > 0);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_panos_golden),
		cmocka_unit_test(test_panos_times),
		cmocka_unit_test(test_panos_actions),
		cmocka_unit_test(test_panos_rejects),
		cmocka_unit_test(test_panos_bid),
		cmocka_unit_test(test_panos_real_samples),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
