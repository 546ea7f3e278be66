/*
 * SMB access log reader: golden files, stamps with and without a zone,
 * IPv6, protocol versions, column order, rejects, bidding, and the real
 * sample.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "golden.h"
#include "linereader_test.h"
#include "readers/readers_private.h"

#define HDR                                                       \
	"DateTime\tClient\tServer\tProtocol\tComputerName\tUser " \
	"Account\tOperation\n"

static void
test_smblog_golden(void **state)
{
	(void)state;
	golden_check_dir("smblog", "smblog");
}

static void
test_smblog_fields(void **state)
{
	(void)state;
	lt_expect_one("smblog",
	    HDR "22/Dec/2015:19:50:48 +09:00\t192.168.100.100:57594\t"
		"192.168.100.201:445\tSMB1/tcp\tSATO-PC\tAdministrator\t"
		"Logon Failure\n",
	    NULL,
	    "{\"timestamp\":\"2015-12-22T10:50:48Z\",\"event_type\":\"smb\","
	    "\"src_ip\":\"192.168.100.100\",\"src_port\":57594,\"dest_ip\":"
	    "\"192.168.100.201\",\"dest_port\":445,\"proto\":\"TCP\","
	    "\"smb_version\":1,\"host\":\"SATO-PC\",\"user\":"
	    "\"Administrator\",\"target\":\"Logon Failure\"");
	lt_expect_one("smblog",
	    HDR
	    "22/Dec/2015:19:50:48 -0130\t[2001:db8::1]:50000\t[2001:db8::2]:"
	    "445\tSMB3/tcp\tPC\t-\tWrite\n",
	    NULL,
	    "\"timestamp\":\"2015-12-22T21:20:48Z\",\"event_type\":\"smb\","
	    "\"src_ip\":\"2001:db8::1\",\"src_port\":50000,\"dest_ip\":"
	    "\"2001:db8::2\",\"dest_port\":445,\"proto\":\"TCP\","
	    "\"smb_version\":2,\"host\":\"PC\",\"target\":\"Write\"");
}

static void
test_smblog_tz(void **state)
{
	struct wcs_read_opts o = { 0 };
	struct wcs_ctx ctx;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	o.tz = wcs_tz_new(&ctx, "+09:00");
	assert_non_null(o.tz);
	/* No zone in the stamp: --tz applies ... */
	lt_expect_one("smblog",
	    HDR "22/Dec/2015:19:50:48\t10.0.0.1:5\t10.0.0.2:445\tSMB2/tcp\t"
		"PC\tu\tClose\n",
	    &o, "\"timestamp\":\"2015-12-22T10:50:48Z\"");
	/* ... a zone in the stamp wins. */
	lt_expect_one("smblog",
	    HDR "22/Dec/2015:19:50:48 +00:00\t10.0.0.1:5\t10.0.0.2:445\t"
		"SMB2/tcp\tPC\tu\tClose\n",
	    &o, "\"timestamp\":\"2015-12-22T19:50:48Z\"");
	wcs_tz_free((struct wcs_tz *)o.tz);
	o.tz = wcs_tz_new(&ctx, "Europe/Berlin");
	if (o.tz == NULL) {
		printf("skipping: no tz database\n");
		skip();
	}
	lt_expect_one("smblog",
	    HDR "12/May/2017:17:03:01\t10.0.0.1:5\t10.0.0.2:445\tSMB1/tcp\t"
		"PC\tu\tNegotiate\n",
	    &o, "\"timestamp\":\"2017-05-12T15:03:01Z\"");
	wcs_tz_free((struct wcs_tz *)o.tz);
}

static void
test_smblog_rejects(void **state)
{
	(void)state;
	lt_expect_reject("smblog",
	    HDR "22/Dec/2015:19:50:48\t10.0.0.x:5\t10.0.0.2:445\tSMB2/tcp\tPC\t"
		"u\tClose\n",
	    "bad client address '10.0.0.x:5'");
	lt_expect_reject("smblog",
	    HDR "22/Dec/2015:19:50:48\t10.0.0.1:5\t10.0.0.2:99999\tSMB2/tcp\t"
		"PC\tu\tClose\n",
	    "bad server address '10.0.0.2:99999'");
	lt_expect_reject("smblog",
	    HDR "22/Dec/2015:19:50:48 +25:00\t10.0.0.1:5\t10.0.0.2:445\t"
		"SMB2/tcp\tPC\tu\tClose\n",
	    "bad date");
	lt_expect_reject("smblog",
	    HDR "22/Dec/2015:19:50:48\t10.0.0.1:5\t10.0.0.2:445\tCIFS\tPC\tu\t"
		"Close\n",
	    "bad protocol 'CIFS'");
	lt_expect_reject("smblog", HDR "x\n", "bad line 'x'");
}

static void
test_smblog_bid(void **state)
{
	static const char hdr[] = HDR;

	(void)state;
	assert_true(wcs_reader_smblog.bid(
			(const unsigned char *)hdr, strlen(hdr), 0) >= 8 * 31);
	lt_bid_loses_elsewhere("smblog");
	lt_bid_rejects_markup("smblog");
}

static void
test_smblog_real_sample(void **state)
{
	(void)state;
	assert_true(
	    lt_real_sample("smblog", "seed-smb/visuact-smb-access.log") > 0);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_smblog_golden),
		cmocka_unit_test(test_smblog_fields),
		cmocka_unit_test(test_smblog_tz),
		cmocka_unit_test(test_smblog_rejects),
		cmocka_unit_test(test_smblog_bid),
		cmocka_unit_test(test_smblog_real_sample),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
