/*
 * Time zones for sources that log local time without a zone.
 *
 * A fixed offset ("+02:00", "-0530", "UTC") or an IANA zone read from the
 * system's TZif files (RFC 8536), version 2 or later data block.  We do
 * not call tzset/mktime: TZ is process-global state.  Debian ships "fat"
 * TZif files whose transition table runs to 2037; past the last transition
 * the last offset is kept (the POSIX footer rule is not interpreted).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/timeutil.h"

#define TZ_NAME_MAX 128
#define TZIF_MAX_SIZE (1024 * 1024)

struct tz_transition {
	int64_t at; /* UTC seconds when this offset starts */
	int32_t utoff; /* seconds east of UTC */
	int32_t before; /* the offset in force just before */
};

struct wcs_tz {
	struct wcs_ctx *ctx;
	int32_t fixed; /* used when ntrans == 0 */
	int32_t first_utoff; /* before the first transition */
	struct tz_transition *trans;
	size_t ntrans;
};

static bool
parse_offset(const char *s, int32_t *off)
{
	int sign, h, m = 0;
	size_t len = strlen(s);

	if (strcmp(s, "UTC") == 0 || strcmp(s, "Z") == 0 ||
	    strcmp(s, "GMT") == 0) {
		*off = 0;
		return (true);
	}
	if (len < 3 || (s[0] != '+' && s[0] != '-'))
		return (false);
	sign = s[0] == '-' ? -1 : 1;
	if (s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9')
		return (false);
	h = (s[1] - '0') * 10 + (s[2] - '0');
	s += 3;
	if (*s == ':')
		s++;
	if (*s != '\0') {
		if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
		    s[2] != '\0')
			return (false);
		m = (s[0] - '0') * 10 + (s[1] - '0');
	}
	if (h > 14 || m > 59)
		return (false);
	*off = sign * (h * 3600 + m * 60);
	return (true);
}

static uint32_t
be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3]);
}

static int64_t
be64(const unsigned char *p)
{
	return ((int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)));
}

/* Parse a TZif file's v2 block into tz->trans.  false on any defect. */
static bool
tzif_parse(struct wcs_tz *tz, const unsigned char *buf, size_t len)
{
	uint32_t isut, isstd, leap, timecnt, typecnt, charcnt;
	const unsigned char *p, *times, *idx, *types;
	size_t v1len, need, i;
	int32_t prev;

	if (len < 44 || memcmp(buf, "TZif", 4) != 0 || buf[4] < '2')
		return (false);
	isut = be32(buf + 20), isstd = be32(buf + 24), leap = be32(buf + 28);
	timecnt = be32(buf + 32), typecnt = be32(buf + 36);
	charcnt = be32(buf + 40);
	if (timecnt > 100000 || typecnt == 0 || typecnt > 256 ||
	    charcnt > 100000 || leap > 100000 || isut > 256 || isstd > 256)
		return (false);
	v1len = (size_t)timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd +
		isut;
	if (44 + v1len + 44 > len)
		return (false);
	p = buf + 44 + v1len; /* the v2 header */
	if (memcmp(p, "TZif", 4) != 0)
		return (false);
	isut = be32(p + 20), isstd = be32(p + 24), leap = be32(p + 28);
	timecnt = be32(p + 32), typecnt = be32(p + 36), charcnt = be32(p + 40);
	if (timecnt > 100000 || typecnt == 0 || typecnt > 256 ||
	    charcnt > 100000 || leap > 100000)
		return (false);
	need = (size_t)timecnt * 9 + typecnt * 6 + charcnt + leap * 12;
	p += 44;
	if ((size_t)(p - buf) + need > len)
		return (false);
	times = p;
	idx = times + (size_t)timecnt * 8;
	types = idx + timecnt;
	for (i = 0; i < timecnt; i++) {
		if (idx[i] >= typecnt)
			return (false);
	}
	/* RFC 8536: without transitions, type 0 is in force. */
	tz->first_utoff = (int32_t)be32(types);
	if (timecnt == 0) {
		tz->fixed = tz->first_utoff;
		return (true);
	}
	tz->trans = wcs_calloc(tz->ctx, timecnt, sizeof(*tz->trans));
	if (tz->trans == NULL)
		return (false);
	prev = tz->first_utoff;
	for (i = 0; i < timecnt; i++) {
		tz->trans[i].at = be64(times + i * 8);
		tz->trans[i].utoff = (int32_t)be32(types + idx[i] * 6);
		tz->trans[i].before = prev;
		prev = tz->trans[i].utoff;
		if (i > 0 && tz->trans[i].at <= tz->trans[i - 1].at)
			return (false);
	}
	tz->ntrans = timecnt;
	return (true);
}

static bool
valid_zone_name(const char *name)
{
	const char *p;

	/* Refuse anything that could leave the zoneinfo tree. */
	if (name[0] == '\0' || name[0] == '/' || strlen(name) >= TZ_NAME_MAX)
		return (false);
	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '/' || *p == '_' ||
			*p == '-' || *p == '+'))
			return (false);
	}
	return (strstr(name, "..") == NULL);
}

static bool
tz_load(struct wcs_tz *tz, const char *name)
{
	static const char *const dirs[] = { "/usr/share/zoneinfo",
		"/usr/lib/zoneinfo", "/usr/share/lib/zoneinfo" };
	const char *env = getenv("TZDIR");
	unsigned char *buf;
	char path[512];
	size_t i, n;
	FILE *fp = NULL;
	bool ok;

	if (env != NULL && env[0] != '\0') {
		(void)snprintf(path, sizeof(path), "%s/%s", env, name);
		fp = fopen(path, "rb");
	}
	for (i = 0; fp == NULL && i < WCS_NELEM(dirs); i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		fp = fopen(path, "rb");
	}
	if (fp == NULL)
		return (false);
	if ((buf = wcs_malloc(tz->ctx, TZIF_MAX_SIZE)) == NULL) {
		(void)fclose(fp);
		return (false);
	}
	n = fread(buf, 1, TZIF_MAX_SIZE, fp);
	(void)fclose(fp);
	ok = tzif_parse(tz, buf, n);
	wcs_free(tz->ctx, buf);
	return (ok);
}

struct wcs_tz *
wcs_tz_new(struct wcs_ctx *ctx, const char *name)
{
	struct wcs_tz *tz;

	if ((tz = wcs_calloc(ctx, 1, sizeof(*tz))) == NULL)
		return (NULL);
	tz->ctx = ctx;
	if (parse_offset(name, &tz->fixed))
		return (tz);
	if (valid_zone_name(name) && tz_load(tz, name))
		return (tz);
	wcs_tz_free(tz);
	wcs_set_error(ctx, EINVAL,
	    "unknown time zone '%s' (use an IANA name such as Europe/Berlin, "
	    "or an offset such as +02:00)",
	    name);
	return (NULL);
}

void
wcs_tz_free(struct wcs_tz *tz)
{
	if (tz == NULL)
		return;
	wcs_free(tz->ctx, tz->trans);
	wcs_free(tz->ctx, tz);
}

int64_t
wcs_tz_to_utc(const struct wcs_tz *tz, int64_t local)
{
	int64_t secs, off;
	size_t lo, hi, mid;

	if (tz == NULL || local == WCS_TIME_NONE)
		return (local);
	if (tz->ntrans == 0)
		return (local - (int64_t)tz->fixed * WCS_USEC);
	/*
	 * Find the last transition whose local start (at + before, the wall
	 * clock as it was when it happened) is at or before the local time.
	 * A time in a fold (clock set back) gets the offset before the
	 * change; a time in a gap (clock set forward) gets the new one.
	 */
	secs = local / WCS_USEC;
	lo = 0, hi = tz->ntrans;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (tz->trans[mid].at + tz->trans[mid].before <= secs)
			lo = mid + 1;
		else
			hi = mid;
	}
	off = lo == 0 ? tz->first_utoff : tz->trans[lo - 1].utoff;
	return (local - off * WCS_USEC);
}
