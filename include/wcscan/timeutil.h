/*
 * Time: microseconds since the Unix epoch, UTC, in an int64_t.
 * WCS_TIME_NONE marks an absent time.
 */
#ifndef WCSCAN_TIMEUTIL_H
#define WCSCAN_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wcscan/core.h"

#define WCS_TIME_NONE INT64_MIN
#define WCS_USEC 1000000LL

/*
 * Civil time to microseconds since the epoch, as if in UTC.  Returns
 * false when a field is out of range (month 13, 31 June, hour 24, ...).
 * Years 1601..9999 are accepted.
 */
bool wcs_time_from_civil(int year, int mon, int day, int hour, int min, int sec,
    long usec, int64_t *out);
/* The inverse, for formatting. */
void wcs_time_to_civil(int64_t t, int *year, int *mon, int *day, int *hour,
    int *min, int *sec, long *usec);

/*
 * RFC 3339 / ISO 8601 "2017-05-12T15:03:00.123456Z", also with a space
 * instead of T, 1 to 9 fraction digits, and "Z", "+HH:MM", "+HHMM" or no
 * zone.  *has_zone says whether a zone was present; without one the value
 * is local civil time, taken as UTC (the caller applies --tz).  Returns the
 * bytes consumed, 0 on failure.
 */
size_t wcs_time_parse_iso(
    const char *s, size_t len, int64_t *out, bool *has_zone);

/* "2017-05-12T15:03:00Z" or with ".123456" when there are microseconds.
 * buf must hold WCS_TIME_STRLEN bytes. */
#define WCS_TIME_STRLEN 40
const char *wcs_time_format(int64_t t, char *buf, size_t len);

/* Month from its English three-letter abbreviation, case-insensitive;
 * 0 when not a month. */
int wcs_month_from_abbr(const char *s);

/*
 * A time zone for sources that write local time without a zone.  Either a
 * fixed offset ("+02:00", "-0530", "UTC") or an IANA name read from the
 * system's TZif database ("Europe/Berlin").
 */
struct wcs_tz;
/* NULL (error set) when the name is neither an offset nor a known zone. */
struct wcs_tz *wcs_tz_new(struct wcs_ctx *ctx, const char *name);
void wcs_tz_free(struct wcs_tz *tz);
/* Local civil time (as from wcs_time_from_civil) to UTC.  A NULL tz is UTC.
 * In a fold the earlier offset is used, in a gap the later one. */
int64_t wcs_tz_to_utc(const struct wcs_tz *tz, int64_t local);

#endif /* WCSCAN_TIMEUTIL_H */
