/*
 * Zeek logs, shared by the zeek-conn and zeek-dns readers.
 *
 * The ASCII writer starts a file with a header:
 *
 *	#separator \x09
 *	#set_separator	,
 *	#empty_field	(empty)
 *	#unset_field	-
 *	#path	conn
 *	#open	2017-05-12-15-00-00
 *	#fields	ts	uid	id.orig_h	id.orig_p	...
 *	#types	time	string	addr	port	...
 *
 * and ends it with "#close".  Rows follow #fields, whatever its order (a
 * site may add or drop columns); a concatenation of files repeats the
 * header, and a new #fields line re-maps the columns.  With
 * LogAscii::use_json every row is one JSON object instead, unset fields
 * left out, "ts" an epoch number or (JSON::TS_ISO8601) an ISO string.
 */
#include <string.h>

#include "readers_private.h"

void
wcs_zeek_init(struct wcs_zeek *z, const char *const *want, size_t nwant,
    const char *defaults)
{
	memset(z, 0, sizeof(*z));
	z->want = want;
	z->nwant = nwant < WCS_ZEEK_MAXWANT ? nwant : WCS_ZEEK_MAXWANT;
	z->sep = '\t';
	z->set_sep = ',';
	memcpy(z->unset, "-", 2);
	memcpy(z->empty, "(empty)", 8);
	/* Until a #fields line comes, the log's usual order applies. */
	(void)wcs_zeek_line(z, defaults, strlen(defaults), NULL);
	z->have_fields = false;
}

/* "\x09" and friends in the #separator line. */
static bool
zeek_sep(struct wcs_span v, char *out)
{
	unsigned c = 0;
	size_t i;

	if (v.len == 1) {
		*out = v.p[0];
		return (true);
	}
	if (v.len != 4 || v.p[0] != '\\' || v.p[1] != 'x')
		return (false);
	for (i = 2; i < 4; i++) {
		c <<= 4;
		if (v.p[i] >= '0' && v.p[i] <= '9')
			c |= (unsigned)(v.p[i] - '0');
		else if ((v.p[i] | 0x20) >= 'a' && (v.p[i] | 0x20) <= 'f')
			c |= (unsigned)((v.p[i] | 0x20) - 'a' + 10);
		else
			return (false);
	}
	*out = (char)c;
	return (c != 0);
}

static void
zeek_copy(char *dst, size_t size, struct wcs_span v)
{
	size_t n = v.len < size - 1 ? v.len : size - 1;

	memcpy(dst, v.p, n);
	dst[n] = '\0';
}

/* A "#" line: the separators, the path, and the columns. */
static enum wcs_zeek_line
zeek_header(struct wcs_zeek *z, const char *s, size_t len)
{
	struct wcs_span f[WCS_ZEEK_MAXCOLS + 1], key, v;
	size_t n, i, j;

	/* "#separator \x09" is the one directive split by a space. */
	if (len > 11 && memcmp(s, "#separator ", 11) == 0) {
		v.p = s + 11;
		v.len = len - 11;
		return (zeek_sep(v, &z->sep) ? WCS_ZEEK_HEADER : WCS_ZEEK_BAD);
	}
	n = wcs_lu_split_char(s, len, z->sep, f, WCS_NELEM(f));
	key = f[0];
	if (n < 2)
		return (wcs_lu_eq(key, "#close") || wcs_lu_eq(key, "#open") ?
			    WCS_ZEEK_HEADER :
			    WCS_ZEEK_BAD);
	if (wcs_lu_eq(key, "#set_separator")) {
		if (!zeek_sep(f[1], &z->set_sep))
			return (WCS_ZEEK_BAD);
	} else if (wcs_lu_eq(key, "#empty_field"))
		zeek_copy(z->empty, sizeof(z->empty), f[1]);
	else if (wcs_lu_eq(key, "#unset_field"))
		zeek_copy(z->unset, sizeof(z->unset), f[1]);
	else if (wcs_lu_eq(key, "#path"))
		zeek_copy(z->path, sizeof(z->path), f[1]);
	else if (wcs_lu_eq(key, "#fields")) {
		if (n - 1 > WCS_ZEEK_MAXCOLS)
			return (WCS_ZEEK_BAD);
		z->ncols = n - 1;
		for (j = 0; j < z->nwant; j++) {
			z->col[j] = -1;
			for (i = 1; i < n; i++) {
				if (wcs_lu_eq(f[i], z->want[j])) {
					z->col[j] = (int)(i - 1);
					break;
				}
			}
		}
		z->have_fields = true;
	} else if (!wcs_lu_eq(key, "#types") && !wcs_lu_eq(key, "#open") &&
		   !wcs_lu_eq(key, "#close"))
		return (WCS_ZEEK_BAD);
	return (WCS_ZEEK_HEADER);
}

/* Unset and empty values become empty spans. */
static struct wcs_span
zeek_value(const struct wcs_zeek *z, struct wcs_span v)
{
	if (wcs_lu_eq(v, z->unset) || wcs_lu_eq(v, z->empty))
		v.len = 0;
	return (v);
}

static enum wcs_zeek_line
zeek_json(struct wcs_zeek *z, const char *s, size_t len, struct wcs_span *vals)
{
	struct wcs_span key, v;
	size_t pos = 0, j;
	int type, rc;

	for (j = 0; j < z->nwant; j++)
		vals[j].p = s, vals[j].len = 0;
	/* A JSON row's "_path" is its own, not the file's. */
	z->path[0] = '\0';
	while ((rc = wcs_lu_json_member(s, len, &pos, &key, &v, &type)) == 1) {
		if (type == 'n') /* null */
			continue;
		if (wcs_lu_eq(key, "_path") && type == '"') {
			zeek_copy(z->path, sizeof(z->path), v);
			continue;
		}
		for (j = 0; j < z->nwant; j++) {
			if (wcs_lu_eq(key, z->want[j])) {
				vals[j] = v;
				break;
			}
		}
	}
	if (rc < 0)
		return (WCS_ZEEK_BAD);
	z->json = true;
	return (WCS_ZEEK_ROW);
}

enum wcs_zeek_line
wcs_zeek_line(
    struct wcs_zeek *z, const char *s, size_t len, struct wcs_span *vals)
{
	struct wcs_span f[WCS_ZEEK_MAXCOLS];
	size_t n, j;

	if (len > 0 && s[0] == '#')
		return (zeek_header(z, s, len));
	if (vals == NULL)
		return (WCS_ZEEK_BAD);
	if (len > 0 && s[0] == '{')
		return (zeek_json(z, s, len, vals));
	z->json = false;
	n = wcs_lu_split_char(s, len, z->sep, f, WCS_NELEM(f));
	if (n != z->ncols)
		return (WCS_ZEEK_BAD);
	for (j = 0; j < z->nwant; j++) {
		if (z->col[j] < 0) {
			vals[j].p = s;
			vals[j].len = 0;
		} else
			vals[j] = zeek_value(z, f[z->col[j]]);
	}
	return (WCS_ZEEK_ROW);
}

bool
wcs_zeek_time(struct wcs_span sp, int64_t *out)
{
	bool zone;

	if (wcs_lu_epoch(sp.p, sp.len, out))
		return (true);
	/* ISO stamps from JSON::TS_ISO8601 are UTC ("...Z"). */
	return (sp.len >= 19 &&
		wcs_time_parse_iso(sp.p, sp.len, out, &zone) == sp.len && zone);
}

int
wcs_zeek_bid_line(const struct wcs_zeek *z, const char *path, bool ours,
    const char *line, size_t len, int rc)
{
	if ((!z->json && z->path[0] != '\0' && strcmp(z->path, path) != 0) ||
	    !ours)
		return (-1);
	return (
	    (len >= 11 && memcmp(line, "#separator ", 11) == 0 ? 8 * 11 : 0) +
	    (rc == WCS_OK ? 8 * 24 : 0));
}

/* A string of at most size - 1 bytes and its NUL. */
static size_t
resume_put_str(unsigned char *buf, size_t at, const char *v)
{
	size_t n = strlen(v) + 1;

	memcpy(buf + at, v, n);
	return (at + n);
}

static bool
resume_get_str(
    const unsigned char *buf, size_t len, size_t *at, char *v, size_t size)
{
	const unsigned char *nul;
	size_t n;

	if (*at >= len || (nul = memchr(buf + *at, '\0', len - *at)) == NULL ||
	    (n = (size_t)(nul - (buf + *at))) >= size)
		return (false);
	memcpy(v, buf + *at, n + 1);
	*at += n + 1;
	return (true);
}

size_t
wcs_zeek_resume_save(
    const struct wcs_zeek *z, const char *tag, unsigned char *buf, size_t cap)
{
	size_t at = strlen(tag), j;

	if (cap < at + 5 + z->nwant + sizeof(z->unset) + sizeof(z->empty) +
		      sizeof(z->path))
		return (0);
	memcpy(buf, tag, at);
	buf[at++] = (unsigned char)z->sep;
	buf[at++] = (unsigned char)z->set_sep;
	buf[at++] = z->have_fields ? 1 : 0;
	buf[at++] = (unsigned char)z->ncols;
	buf[at++] = (unsigned char)z->nwant;
	for (j = 0; j < z->nwant; j++)
		buf[at++] = z->col[j] < 0 ? 0xff : (unsigned char)z->col[j];
	at = resume_put_str(buf, at, z->unset);
	at = resume_put_str(buf, at, z->empty);
	return (resume_put_str(buf, at, z->path));
}

bool
wcs_zeek_resume_load(
    struct wcs_zeek *z, const char *tag, const unsigned char *buf, size_t len)
{
	struct wcs_zeek y = *z;
	size_t at = strlen(tag), j;

	if (len < at + 5 || memcmp(buf, tag, at) != 0)
		return (false);
	y.sep = (char)buf[at++];
	y.set_sep = (char)buf[at++];
	y.have_fields = buf[at++] != 0;
	y.ncols = buf[at++];
	if (y.sep == '\0' || y.set_sep == '\0' || y.ncols == 0 ||
	    y.ncols > WCS_ZEEK_MAXCOLS || buf[at++] != z->nwant ||
	    len - at < z->nwant)
		return (false);
	for (j = 0; j < z->nwant; j++, at++) {
		y.col[j] = buf[at] == 0xff ? -1 : buf[at];
		if (y.col[j] >= (int)y.ncols)
			return (false);
	}
	if (!resume_get_str(buf, len, &at, y.unset, sizeof(y.unset)) ||
	    !resume_get_str(buf, len, &at, y.empty, sizeof(y.empty)) ||
	    !resume_get_str(buf, len, &at, y.path, sizeof(y.path)) || at != len)
		return (false);
	*z = y;
	return (true);
}

int
wcs_zeek_proto(struct wcs_span sp)
{
	if (wcs_lu_eq(sp, "unknown_transport"))
		return (0);
	return (wcs_lu_proto(sp));
}
