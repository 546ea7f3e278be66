/*
 * Civil time <-> microseconds since the epoch, without the C library's
 * time zone state (which is process-global and not ours to change).
 * The day count uses the proleptic Gregorian calendar in 400-year eras.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wcscan/timeutil.h"

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + (int64_t)doe - 719468);
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static int
days_in_month(int y, int m)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return (m == 2 && leap ? 29 : mdays[m - 1]);
}

bool
wcs_time_from_civil(int year, int mon, int day, int hour, int min, int sec,
    long usec, int64_t *out)
{
	int64_t days;

	if (year < 1601 || year > 9999 || mon < 1 || mon > 12 || day < 1 ||
	    day > days_in_month(year, mon) || hour < 0 || hour > 23 ||
	    min < 0 || min > 59 || sec < 0 || sec > 60 || usec < 0 ||
	    usec > 999999)
		return (false);
	if (sec == 60) /* a leap second is the last instant of its minute */
		sec = 59, usec = 999999;
	days = days_from_civil(year, (unsigned)mon, (unsigned)day);
	*out =
	    ((days * 86400 + hour * 3600 + min * 60 + sec) * WCS_USEC) + usec;
	return (true);
}

void
wcs_time_to_civil(int64_t t, int *year, int *mon, int *day, int *hour, int *min,
    int *sec, long *usec)
{
	int64_t secs = t / WCS_USEC, rem = t % WCS_USEC, days, sod;

	if (rem < 0) {
		rem += WCS_USEC;
		secs--;
	}
	days = secs / 86400;
	sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	civil_from_days(days, year, mon, day);
	*hour = (int)(sod / 3600);
	*min = (int)(sod / 60 % 60);
	*sec = (int)(sod % 60);
	*usec = (long)rem;
}

/* Parse exactly n digits; -1 when they are not all digits. */
static int
digits(const char *s, size_t len, size_t n)
{
	int v = 0;
	size_t i;

	if (len < n)
		return (-1);
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	return (v);
}

size_t
wcs_time_parse_iso(const char *s, size_t len, int64_t *out, bool *has_zone)
{
	int y, mo, d, h, mi, sec = 0, oh, om, sign;
	long usec = 0, scale = 100000;
	size_t i;
	int64_t t;

	*has_zone = false;
	if (len < 16 || (y = digits(s, len, 4)) < 0 || s[4] != '-' ||
	    (mo = digits(s + 5, len - 5, 2)) < 0 || s[7] != '-' ||
	    (d = digits(s + 8, len - 8, 2)) < 0 ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    (h = digits(s + 11, len - 11, 2)) < 0 || s[13] != ':' ||
	    (mi = digits(s + 14, len - 14, 2)) < 0)
		return (0);
	i = 16;
	if (i < len && s[i] == ':') {
		if ((sec = digits(s + i + 1, len - i - 1, 2)) < 0)
			return (0);
		i += 3;
		if (i < len && (s[i] == '.' || s[i] == ',')) {
			i++;
			if (i >= len || !isdigit((unsigned char)s[i]))
				return (0);
			/* Keep microseconds; further digits are dropped. */
			for (; i < len && isdigit((unsigned char)s[i]); i++) {
				usec += (s[i] - '0') * scale;
				scale /= 10;
			}
		}
	}
	if (!wcs_time_from_civil(y, mo, d, h, mi, sec, usec, &t))
		return (0);
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		*has_zone = true;
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		sign = s[i] == '-' ? -1 : 1;
		if ((oh = digits(s + i + 1, len - i - 1, 2)) < 0)
			return (0);
		i += 3;
		if (i < len && s[i] == ':')
			i++;
		if ((om = digits(s + i, len - i, 2)) < 0)
			return (0);
		i += 2;
		if (oh > 23 || om > 59)
			return (0);
		t -= sign * ((int64_t)oh * 3600 + om * 60) * WCS_USEC;
		*has_zone = true;
	}
	*out = t;
	return (i);
}

const char *
wcs_time_format(int64_t t, char *buf, size_t len)
{
	int y, mo, d, h, mi, s;
	long us;

	if (t == WCS_TIME_NONE) {
		(void)snprintf(buf, len, "-");
		return (buf);
	}
	wcs_time_to_civil(t, &y, &mo, &d, &h, &mi, &s, &us);
	if (us != 0)
		(void)snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
		    y, mo, d, h, mi, s, us);
	else
		(void)snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", y,
		    mo, d, h, mi, s);
	return (buf);
}

int
wcs_month_from_abbr(const char *s)
{
	static const char *const months[12] = { "jan", "feb", "mar", "apr",
		"may", "jun", "jul", "aug", "sep", "oct", "nov", "dec" };
	int i;

	for (i = 0; i < 12; i++) {
		if (strncasecmp(s, months[i], 3) == 0)
			return (i + 1);
	}
	return (0);
}
