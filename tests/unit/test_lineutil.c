/*
 * The line readers' shared helpers: splitting, numbers, host:port, DNS
 * names and codes, BSD and Common Log Format stamps, tokens, year
 * inference, syslog headers, and the bidders' view of complete lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wcscan/pool.h"
#include "readers/readers_private.h"

static void
test_lineutil_split(void **state)
{
	struct wcs_span f[3];

	(void)state;
	assert_int_equal(wcs_lu_split_ws("  a \tbb  c d ", 13, f, 3), 4);
	assert_true(wcs_lu_eq(f[0], "a"));
	assert_true(wcs_lu_eq(f[1], "bb"));
	assert_true(wcs_lu_eq(f[2], "c"));
	assert_int_equal(wcs_lu_split_ws("   ", 3, f, 3), 0);
	assert_int_equal(wcs_lu_split_char("a\t\tb", 4, '\t', f, 3), 3);
	assert_int_equal(f[1].len, 0);
	assert_true(wcs_lu_eq(f[2], "b"));
	assert_int_equal(wcs_lu_split_char("", 0, '\t', f, 3), 1);
	assert_true(wcs_lu_absent(f[0]));
}

static void
test_lineutil_numbers(void **state)
{
	uint64_t v;

	(void)state;
	assert_true(wcs_lu_uint("65535", 5, 65535, &v));
	assert_int_equal(v, 65535);
	assert_false(wcs_lu_uint("65536", 5, 65535, &v));
	assert_false(wcs_lu_uint("", 0, 10, &v));
	assert_false(wcs_lu_uint("-1", 2, 10, &v));
	assert_false(
	    wcs_lu_uint("99999999999999999999999", 23, UINT64_MAX, &v));
	assert_false(wcs_lu_uint("18446744073709551616", 20, UINT64_MAX, &v));
	assert_int_equal(wcs_lu_digits("0912", 4, 2), 9);
	assert_int_equal(wcs_lu_digits("9", 1, 2), -1);
	assert_non_null(wcs_lu_casefind("[UFW Block]", 11, "BLOCK"));
	assert_null(wcs_lu_casefind("BLO", 3, "BLOCK"));
}

static void
test_lineutil_hostport(void **state)
{
	struct wcs_addr a;
	uint16_t port;
	char buf[WCS_ADDR_STRLEN];

	(void)state;
	assert_true(wcs_lu_hostport("10.0.0.1:445", 12, ':', &a, &port));
	assert_int_equal(port, 445);
	assert_true(wcs_lu_hostport("[fe80::1]:445", 13, ':', &a, &port));
	assert_string_equal(wcs_addr_format(&a, buf, sizeof(buf)), "fe80::1");
	assert_int_equal(port, 445);
	assert_true(wcs_lu_hostport("fe80::1#53", 10, '#', &a, &port));
	assert_int_equal(port, 53);
	assert_true(wcs_lu_hostport("fe80::1", 7, ':', &a, &port));
	assert_int_equal(port, 0);
	assert_false(wcs_lu_hostport("10.0.0.1", 8, '#', &a, &port));
	assert_false(wcs_lu_hostport("[fe80::1", 8, ':', &a, &port));
	assert_false(wcs_lu_hostport("10.0.0.1:x", 10, ':', &a, &port));
	assert_false(wcs_lu_hostport("", 0, ':', &a, &port));
	assert_false(wcs_lu_hostport("#", 1, '#', &a, &port));
}

static void
test_lineutil_dns(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_pool *pool;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	pool = wcs_pool_new(&ctx, 0);
	assert_non_null(pool);
	assert_string_equal(
	    wcs_lu_qname(pool, "WWW.Example.COM.", 16), "www.example.com");
	assert_string_equal(wcs_lu_qname(pool, ".", 1), ".");
	assert_string_equal(wcs_lu_qname(pool, "", 0), "");
	assert_int_equal(wcs_lu_qtype((struct wcs_span){ "AAAA", 4 }), 28);
	assert_int_equal(wcs_lu_qtype((struct wcs_span){ "any", 3 }), 255);
	assert_int_equal(wcs_lu_qtype((struct wcs_span){ "TYPE65", 6 }), 65);
	assert_int_equal(wcs_lu_qtype((struct wcs_span){ "FOO", 3 }), 0);
	assert_int_equal(wcs_lu_rcode((struct wcs_span){ "NXDOMAIN", 8 }), 3);
	assert_int_equal(
	    wcs_lu_rcode((struct wcs_span){ "x", 1 }), WCS_RCODE_NONE);
	assert_int_equal(wcs_lu_proto((struct wcs_span){ "tcp", 3 }), 6);
	assert_int_equal(wcs_lu_proto((struct wcs_span){ "ICMPv6", 6 }), 58);
	assert_int_equal(wcs_lu_proto((struct wcs_span){ "256", 3 }), -1);
	wcs_pool_free(pool);
}

static void
test_lineutil_bsd_stamp(void **state)
{
	struct wcs_lu_civil c;

	(void)state;
	assert_int_equal(wcs_lu_bsd_stamp("May 12 15:03:01 gw", 18, &c), 15);
	assert_int_equal(c.mon, 5);
	assert_int_equal(c.day, 12);
	assert_int_equal(c.hour, 15);
	assert_int_equal(wcs_lu_bsd_stamp("Jun  8 14:34:33.25 x", 20, &c), 18);
	assert_int_equal(c.day, 8);
	assert_int_equal(c.usec, 250000);
	assert_int_equal(wcs_lu_bsd_stamp("Foo 12 15:03:01", 15, &c), 0);
	assert_int_equal(wcs_lu_bsd_stamp("May 32 15:03:01", 15, &c), 0);
	assert_int_equal(wcs_lu_bsd_stamp("May 12 25:03:01", 15, &c), 0);
	assert_int_equal(wcs_lu_bsd_stamp("May 12 15:03", 12, &c), 0);
}

/* The Common Log Format stamp and the token reader, shared since. */
static void
test_lineutil_clf_stamp_and_token(void **state)
{
	struct wcs_lu_civil c;
	struct wcs_span t;
	size_t i = 0;

	(void)state;
	assert_true(wcs_lu_clf_stamp("22/Dec/2015:19:50:48 +0900", 26, &c));
	assert_int_equal(c.year, 2015);
	assert_int_equal(c.mon, 12);
	assert_int_equal(c.day, 22);
	assert_int_equal(c.hour, 19);
	assert_int_equal(c.min, 50);
	assert_int_equal(c.sec, 48);
	assert_int_equal(c.usec, 0);
	/* The form is checked here, the values by wcs_time_from_civil. */
	assert_true(wcs_lu_clf_stamp("2x/Foo/2015:19:50:48", 20, &c));
	assert_int_equal(c.day, -1);
	assert_int_equal(c.mon, 0);
	assert_false(wcs_lu_clf_stamp("22/Dec/2015:19:50:4", 19, &c));
	assert_false(wcs_lu_clf_stamp("22-Dec-2015:19:50:48", 20, &c));
	assert_false(wcs_lu_clf_stamp("22/Dec/2015 19:50:48", 20, &c));

	t = wcs_lu_token("gw kernel:  x", 13, &i);
	assert_int_equal(t.len, 2);
	assert_memory_equal(t.p, "gw", 2);
	assert_int_equal(i, 2);
	i++;
	t = wcs_lu_token("gw kernel:  x", 13, &i);
	assert_int_equal(t.len, 7);
	assert_int_equal(i, 10);
	i++;
	t = wcs_lu_token("gw kernel:  x", 13, &i);
	assert_int_equal(t.len, 0);
	assert_int_equal(i, 11);
	i = 12;
	t = wcs_lu_token("gw kernel:  x", 13, &i);
	assert_int_equal(t.len, 1);
	assert_int_equal(i, 13);
}

static void
test_lineutil_year(void **state)
{
	struct wcs_lu_year y;
	struct wcs_lu_civil c = { 0, 1, 2, 0, 0, 0, 0 };
	struct wcs_lu_civil leap = { 0, 2, 29, 12, 0, 0, 0 };
	int64_t t;

	(void)state;
	/* mtime 2017-12-31T12:00:00Z: a January line is of 2017. */
	wcs_lu_year_init(&y, 0, (time_t)1514721600);
	assert_true(wcs_lu_year_resolve(&y, &c));
	assert_int_equal(c.year, 2017);
	/* A line up to a month after the mtime is still that year. */
	c.mon = 1, c.day = 25;
	wcs_lu_year_init(&y, 0, (time_t)1514764800); /* 2018-01-01 */
	assert_true(wcs_lu_year_resolve(&y, &c));
	assert_int_equal(c.year, 2018);
	/* 29 February finds the latest leap year before. */
	assert_true(wcs_lu_year_resolve(&y, &leap));
	assert_int_equal(leap.year, 2016);
	wcs_lu_year_init(&y, 2017, (time_t)1514764800);
	assert_false(wcs_lu_year_resolve(&y, &leap));
	c.year = 2017;
	assert_true(wcs_lu_local_to_utc(&c, NULL, &t));
}

static void
test_lineutil_syslog(void **state)
{
	static const char bsd[] = "May 12 15:03:01 gw kernel: [1.0] hello";
	static const char notag[] = "May 12 15:03:01 named[12]: hi";
	static const char iso[] = "2017-05-12T17:03:01+02:00 gw named[1]: x";
	static const char r5424[] =
	    "<4>1 2017-05-12T15:03:01Z gw kernel - - [a b=\"]\"] msg";
	struct wcs_lu_syslog sl;
	struct wcs_lu_year y;
	int64_t t;

	(void)state;
	wcs_lu_year_init(&y, 2017, 0);
	assert_true(wcs_lu_syslog(bsd, strlen(bsd), &sl));
	assert_int_equal(sl.form, WCS_LU_SYSLOG_BSD);
	assert_true(wcs_lu_eq(sl.host, "gw"));
	assert_true(wcs_lu_eq(sl.app, "kernel"));
	assert_true(wcs_lu_eq(sl.msg, "[1.0] hello"));
	assert_true(wcs_lu_syslog_time(&sl, &y, NULL, &t));
	assert_int_equal(t, 1494601381LL * WCS_USEC);
	assert_true(wcs_lu_syslog(notag, strlen(notag), &sl));
	assert_true(wcs_lu_eq(sl.app, "named"));
	assert_int_equal(sl.host.len, 0);
	assert_true(wcs_lu_syslog(iso, strlen(iso), &sl));
	assert_int_equal(sl.form, WCS_LU_SYSLOG_ISO);
	assert_true(wcs_lu_syslog_time(&sl, &y, NULL, &t));
	assert_int_equal(t, 1494601381LL * WCS_USEC);
	assert_true(wcs_lu_syslog(r5424, strlen(r5424), &sl));
	assert_true(wcs_lu_eq(sl.app, "kernel"));
	assert_true(wcs_lu_eq(sl.msg, "msg"));
	assert_false(wcs_lu_syslog("hello world", 11, &sl));
	assert_false(wcs_lu_syslog("<4>", 3, &sl));
	assert_false(wcs_lu_syslog("May 12 15:03:01 gw", 18, &sl));
	assert_false(
	    wcs_lu_syslog("<4>1 2017-05-12T15:03:01Z gw k - - [x", 37, &sl));
}

/*
 * RFC 3164 pads the day with a space ("Jan  1"); devices also write it
 * unpadded ("Jan 1") or zero-padded.  The TAG is optional (RFC 3164
 * 4.1.3): kernel lines forwarded as they are carry only a host.  A relay
 * may write the sender's address beside its name.
 */
static void
test_lineutil_syslog_variants(void **state)
{
	static const char unpadded[] = "Jan 1 00:00:07 gw kernel: x";
	static const char untagged[] = "May 12 15:03:01 gw [1.0] IN=eth0 x";
	static const char addr[] = "May 12 15:03:01 gw 192.0.2.1 kernel: x";
	static const char addr2[] = "May 12 15:03:01 192.0.2.1 gw kernel: x";
	static const char both[] = "May 12 15:03:01 gw 192.0.2.1 IN=eth0 x";
	struct wcs_lu_civil c;
	struct wcs_lu_syslog sl;

	(void)state;
	assert_int_equal(wcs_lu_bsd_stamp("Jan 1 00:00:07", 14, &c), 14);
	assert_int_equal(c.day, 1);
	assert_int_equal(c.sec, 7);
	assert_int_equal(wcs_lu_bsd_stamp("Jan  1 00:00:07", 15, &c), 15);
	assert_int_equal(wcs_lu_bsd_stamp("Jan 01 00:00:07", 15, &c), 15);
	assert_int_equal(wcs_lu_bsd_stamp("Jan 1  00:00:07", 15, &c), 0);
	assert_int_equal(
	    wcs_lu_bsd_year_stamp("Apr 5 2014 09:34:34", 19, &c), 19);
	assert_int_equal(c.year, 2014);
	assert_int_equal(c.day, 5);
	assert_true(wcs_lu_syslog(unpadded, strlen(unpadded), &sl));
	assert_true(wcs_lu_eq(sl.app, "kernel"));
	assert_int_equal(sl.civ.day, 1);
	assert_true(wcs_lu_syslog(untagged, strlen(untagged), &sl));
	assert_true(wcs_lu_eq(sl.host, "gw"));
	assert_int_equal(sl.app.len, 0);
	assert_true(wcs_lu_eq(sl.msg, "[1.0] IN=eth0 x"));
	assert_true(wcs_lu_syslog(addr, strlen(addr), &sl));
	assert_true(wcs_lu_eq(sl.app, "kernel"));
	assert_true(wcs_lu_eq(sl.msg, "x"));
	assert_true(wcs_lu_syslog(addr2, strlen(addr2), &sl));
	assert_true(wcs_lu_eq(sl.app, "kernel"));
	assert_true(wcs_lu_syslog(both, strlen(both), &sl));
	assert_int_equal(sl.app.len, 0);
	assert_true(wcs_lu_eq(sl.msg, "192.0.2.1 IN=eth0 x"));
}

static void
test_lineutil_peek_lines(void **state)
{
	static const unsigned char two[] = "a\r\nbc";
	unsigned char full[WCS_PEEK_SIZE];
	const char *line;
	size_t pos = 0, len;

	(void)state;
	assert_true(wcs_lu_peek_line(two, 5, &pos, &line, &len));
	assert_int_equal(len, 1);
	/* The input ended: the last line counts. */
	assert_true(wcs_lu_peek_line(two, 5, &pos, &line, &len));
	assert_int_equal(len, 2);
	assert_false(wcs_lu_peek_line(two, 5, &pos, &line, &len));
	/* A full window: the cut line does not. */
	memset(full, 'x', sizeof(full));
	full[10] = '\n';
	pos = 0;
	assert_true(wcs_lu_peek_line(full, sizeof(full), &pos, &line, &len));
	assert_false(wcs_lu_peek_line(full, sizeof(full), &pos, &line, &len));
	assert_true(wcs_lu_is_markup("  <Event xmlns='x'>", 19));
	assert_false(wcs_lu_is_markup("<4>1 2017", 9));
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_lineutil_split),
		cmocka_unit_test(test_lineutil_numbers),
		cmocka_unit_test(test_lineutil_hostport),
		cmocka_unit_test(test_lineutil_dns),
		cmocka_unit_test(test_lineutil_bsd_stamp),
		cmocka_unit_test(test_lineutil_clf_stamp_and_token),
		cmocka_unit_test(test_lineutil_year),
		cmocka_unit_test(test_lineutil_syslog),
		cmocka_unit_test(test_lineutil_syslog_variants),
		cmocka_unit_test(test_lineutil_peek_lines),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
