/*
 * core: context and allocator, pool, addresses, time, time zones.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wcscan/addr.h"
#include "wcscan/pool.h"
#include "wcscan/timeutil.h"

/* An allocator that fails after a budget of successful calls. */
struct failing {
	int budget;
};

static void *
f_malloc(size_t n, void *ud)
{
	struct failing *f = ud;

	if (f->budget-- <= 0)
		return (NULL);
	return (malloc(n));
}

static void *
f_realloc(void *p, size_t n, void *ud)
{
	struct failing *f = ud;

	if (f->budget-- <= 0)
		return (NULL);
	return (realloc(p, n));
}

static void
f_free(void *p, void *ud)
{
	(void)ud;
	free(p);
}

static void
test_pool_alloc_and_reset(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_pool *pool;
	char *a, *b, *big;
	size_t i;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	pool = wcs_pool_new(&ctx, 1024);
	assert_non_null(pool);
	a = wcs_pool_strdup(pool, "hello");
	b = wcs_pool_strndup(pool, "worldwide", 5);
	assert_string_equal(a, "hello");
	assert_string_equal(b, "world");
	assert_int_equal((uintptr_t)a % 16, 0);
	big = wcs_pool_alloc(pool, 10000); /* a dedicated block */
	assert_non_null(big);
	memset(big, 'x', 10000);
	assert_string_equal(a, "hello"); /* not disturbed */
	for (i = 0; i < 1000; i++)
		assert_non_null(wcs_pool_printf(pool, "n=%zu", i));
	assert_true(wcs_pool_footprint(pool) > 10000);
	wcs_pool_reset(pool);
	/* One standard block is kept for reuse. */
	assert_true(wcs_pool_footprint(pool) <= 1024 + 64);
	assert_string_equal(wcs_pool_strdup(pool, "again"), "again");
	wcs_pool_free(pool);
	wcs_pool_free(NULL);
}

static void
test_pool_failing_malloc(void **state)
{
	struct failing f = { 1 };
	const struct wcs_alloc fa = { f_malloc, f_realloc, f_free, &f };
	struct wcs_ctx ctx;
	struct wcs_pool *pool;

	(void)state;
	wcs_ctx_init(&ctx, &fa);
	pool = wcs_pool_new(&ctx, 1024); /* uses the one allowed call */
	assert_non_null(pool);
	assert_null(wcs_pool_alloc(pool, 10));
	assert_int_equal(ctx.errnum, ENOMEM);
	assert_string_equal(wcs_error_string(&ctx), "out of memory");
	wcs_pool_free(pool);
	f.budget = 0;
	assert_null(wcs_pool_new(&ctx, 0));
	assert_null(wcs_reallocarray(&ctx, NULL, SIZE_MAX / 2, 4));
}

static void
test_addr_parse_format(void **state)
{
	struct wcs_addr a, b;
	char buf[WCS_ADDR_STRLEN];

	(void)state;
	assert_true(wcs_addr_parse("192.168.1.10", 12, &a));
	assert_int_equal(a.family, 4);
	assert_string_equal(
	    wcs_addr_format(&a, buf, sizeof(buf)), "192.168.1.10");
	/* IPv4-mapped IPv6 is the same host as its IPv4 form. */
	assert_true(wcs_addr_parse("::ffff:192.168.1.10", 19, &b));
	assert_true(wcs_addr_equal(&a, &b));
	assert_true(wcs_addr_parse("fe80::1%eth0", 12, &a));
	assert_int_equal(a.family, 6);
	assert_string_equal(wcs_addr_format(&a, buf, sizeof(buf)), "fe80::1");
	assert_false(wcs_addr_parse("192.168.1", 9, &a));
	assert_false(wcs_addr_parse("192.168.1.256", 13, &a));
	assert_false(wcs_addr_parse("-", 1, &a));
	assert_false(wcs_addr_parse("", 0, &a));
	assert_false(wcs_addr_present(&a));
	/* Length-bounded: the rest of the buffer is not read. */
	assert_true(wcs_addr_parse("10.0.0.1:445", 8, &a));
	assert_string_equal(wcs_addr_format(&a, buf, sizeof(buf)), "10.0.0.1");
}

static void
test_cidr_and_public(void **state)
{
	struct wcs_cidr c;
	struct wcs_addr a;

	(void)state;
	assert_true(wcs_cidr_parse("10.1.2.3/16", &c));
	assert_true(wcs_addr_parse("10.1.200.1", 10, &a));
	assert_true(wcs_cidr_contains(&c, &a));
	assert_true(wcs_addr_parse("10.2.0.1", 8, &a));
	assert_false(wcs_cidr_contains(&c, &a));
	assert_false(wcs_cidr_parse("10.0.0.0/33", &c));
	assert_false(wcs_cidr_parse("10.0.0.0/", &c));
	assert_true(wcs_cidr_parse("fc00::/7", &c));
	assert_true(wcs_addr_parse("fd12::1", 7, &a));
	assert_true(wcs_cidr_contains(&c, &a));
	assert_true(wcs_addr_parse("8.8.8.8", 7, &a));
	assert_true(wcs_addr_is_public(&a));
	assert_true(wcs_addr_parse("172.20.1.1", 10, &a));
	assert_false(wcs_addr_is_public(&a));
	assert_true(wcs_addr_parse("100.64.3.4", 10, &a));
	assert_false(wcs_addr_is_public(&a));
	assert_true(wcs_addr_parse("2001:4860::8888", 15, &a));
	assert_true(wcs_addr_is_public(&a));
	assert_true(wcs_addr_parse("fe80::1", 7, &a));
	assert_false(wcs_addr_is_public(&a));
}

static void
test_time_civil_roundtrip(void **state)
{
	int64_t t;
	int y, mo, d, h, mi, s;
	long us;
	char buf[WCS_TIME_STRLEN];

	(void)state;
	assert_true(wcs_time_from_civil(2017, 5, 12, 15, 3, 0, 0, &t));
	assert_int_equal(t, 1494601380LL * WCS_USEC);
	assert_string_equal(
	    wcs_time_format(t, buf, sizeof(buf)), "2017-05-12T15:03:00Z");
	wcs_time_to_civil(t + 123456, &y, &mo, &d, &h, &mi, &s, &us);
	assert_int_equal(y, 2017);
	assert_int_equal(us, 123456);
	assert_true(wcs_time_from_civil(2016, 2, 29, 0, 0, 0, 0, &t));
	assert_false(wcs_time_from_civil(2017, 2, 29, 0, 0, 0, 0, &t));
	assert_false(wcs_time_from_civil(2017, 13, 1, 0, 0, 0, 0, &t));
	assert_false(wcs_time_from_civil(2017, 6, 31, 0, 0, 0, 0, &t));
	assert_false(wcs_time_from_civil(2017, 6, 1, 24, 0, 0, 0, &t));
	assert_false(wcs_time_from_civil(10000, 1, 1, 0, 0, 0, 0, &t));
	assert_true(wcs_time_from_civil(1601, 1, 1, 0, 0, 0, 0, &t));
	assert_string_equal(
	    wcs_time_format(t, buf, sizeof(buf)), "1601-01-01T00:00:00Z");
	assert_string_equal(
	    wcs_time_format(WCS_TIME_NONE, buf, sizeof(buf)), "-");
}

static void
test_time_parse_iso(void **state)
{
	int64_t t, ref;
	bool zone;
	const char *s;

	(void)state;
	assert_true(wcs_time_from_civil(2017, 5, 12, 15, 3, 1, 0, &ref));
	s = "2017-05-12T15:03:01.2184520Z";
	assert_int_equal(
	    wcs_time_parse_iso(s, strlen(s), &t, &zone), strlen(s));
	assert_true(zone);
	assert_int_equal(t, ref + 218452);
	s = "2017-05-12 17:03:01+02:00";
	assert_int_equal(
	    wcs_time_parse_iso(s, strlen(s), &t, &zone), strlen(s));
	assert_int_equal(t, ref);
	s = "2017-05-12T10:03:01-0500 trailing";
	assert_int_equal(wcs_time_parse_iso(s, strlen(s), &t, &zone), 24);
	assert_int_equal(t, ref);
	s = "2017-05-12 15:03:01.304";
	assert_int_equal(
	    wcs_time_parse_iso(s, strlen(s), &t, &zone), strlen(s));
	assert_false(zone);
	assert_int_equal(t, ref + 304000);
	s = "2017-05-12T15:03";
	assert_int_equal(wcs_time_parse_iso(s, strlen(s), &t, &zone), 16);
	assert_int_equal(
	    wcs_time_parse_iso("2017-5-12T15:03:01Z", 19, &t, &zone), 0);
	assert_int_equal(
	    wcs_time_parse_iso("2017-05-12T15:03:01.Z", 21, &t, &zone), 0);
	assert_int_equal(wcs_time_parse_iso("2017-05-12", 10, &t, &zone), 0);
	/* Bounded by len: a stamp cut short is not read past its end. */
	assert_int_equal(
	    wcs_time_parse_iso("2017-05-12T15:03:01Z", 12, &t, &zone), 0);
}

static void
test_tz_fixed_and_iana(void **state)
{
	struct wcs_ctx ctx;
	struct wcs_tz *tz;
	int64_t local, utc;

	(void)state;
	wcs_ctx_init(&ctx, NULL);
	assert_true(wcs_time_from_civil(2017, 5, 12, 17, 3, 0, 0, &local));
	assert_true(wcs_time_from_civil(2017, 5, 12, 15, 3, 0, 0, &utc));
	tz = wcs_tz_new(&ctx, "+02:00");
	assert_non_null(tz);
	assert_int_equal(wcs_tz_to_utc(tz, local), utc);
	wcs_tz_free(tz);
	tz = wcs_tz_new(&ctx, "-0530");
	assert_non_null(tz);
	assert_int_equal(wcs_tz_to_utc(tz, utc),
	    utc + (int64_t)(5 * 3600 + 1800) * WCS_USEC);
	wcs_tz_free(tz);
	assert_null(wcs_tz_new(&ctx, "+25:00"));
	assert_null(wcs_tz_new(&ctx, "../../etc/passwd"));
	assert_null(wcs_tz_new(&ctx, "Mars/Olympus_Mons"));
	assert_non_null(strstr(wcs_error_string(&ctx), "unknown time zone"));
	assert_int_equal(wcs_tz_to_utc(NULL, local), local);
	tz = wcs_tz_new(&ctx, "Europe/Berlin");
	if (tz == NULL) {
		print_message("tzdata not installed: IANA zone test skipped\n");
		return;
	}
	/* May: CEST, UTC+2. */
	assert_int_equal(wcs_tz_to_utc(tz, local), utc);
	/* January: CET, UTC+1. */
	assert_true(wcs_time_from_civil(2017, 1, 10, 12, 0, 0, 0, &local));
	assert_true(wcs_time_from_civil(2017, 1, 10, 11, 0, 0, 0, &utc));
	assert_int_equal(wcs_tz_to_utc(tz, local), utc);
	/* 2017-10-29 02:30 happened twice; the earlier (CEST) is taken. */
	assert_true(wcs_time_from_civil(2017, 10, 29, 2, 30, 0, 0, &local));
	assert_true(wcs_time_from_civil(2017, 10, 29, 0, 30, 0, 0, &utc));
	assert_int_equal(wcs_tz_to_utc(tz, local), utc);
	wcs_tz_free(tz);
}

static void
test_month_abbr(void **state)
{
	(void)state;
	assert_int_equal(wcs_month_from_abbr("May"), 5);
	assert_int_equal(wcs_month_from_abbr("dec"), 12);
	assert_int_equal(wcs_month_from_abbr("Foo"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_alloc_and_reset),
		cmocka_unit_test(test_pool_failing_malloc),
		cmocka_unit_test(test_addr_parse_format),
		cmocka_unit_test(test_cidr_and_public),
		cmocka_unit_test(test_time_civil_roundtrip),
		cmocka_unit_test(test_time_parse_iso),
		cmocka_unit_test(test_tz_fixed_and_iana),
		cmocka_unit_test(test_month_abbr),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
