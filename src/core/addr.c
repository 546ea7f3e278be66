/*
 * IPv4/IPv6 addresses and networks.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "wcscan/addr.h"
#include "wcscan/core.h"

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	0xff };

enum v4_parse { V4_OK, V4_BAD, V4_OTHER };

static bool
is_v4_byte(int c)
{
	return ((c >= '0' && c <= '9') || c == '.');
}

/*
 * The common case, a dotted quad, without the copy and inet_pton() call:
 * every reader parses one or two addresses a line.  The rules are
 * inet_pton()'s: four parts of 1 to 3 digits, each at most 255, no
 * leading zero.  V4_OTHER when s holds a byte other than a digit or a
 * dot (IPv6 such as "00::1", a zone, junk): the general path decides.
 */
static enum v4_parse
parse_v4(const char *s, size_t len, uint8_t *out)
{
	size_t i = 0, start;
	unsigned v, d, part;
	bool ok = true;

	for (part = 0; part < 4; part++) {
		/* v may wrap on a long run of digits, rejected as over 3 then. */
		start = i;
		for (v = 0; i < len && (d = (unsigned char)s[i] - '0') <= 9;
		     i++)
			v = v * 10 + d;
		if (i == start || i - start > 3 || v > 255 ||
		    (i - start > 1 && s[start] == '0'))
			ok = false;
		out[part] = (uint8_t)v;
		if (part < 3) {
			if (i == len || s[i] != '.') {
				ok = false;
				break;
			}
			i++;
		}
	}
	if (ok && i == len)
		return (V4_OK);
	/* Not a dotted quad: but is it digits and dots only? */
	for (; i < len; i++) {
		if (!is_v4_byte((unsigned char)s[i]))
			return (V4_OTHER);
	}
	return (V4_BAD);
}

/* Whether s[0..len) has two colons: IPv6 text always has (RFC 4291). */
static bool
two_colons(const char *s, size_t len)
{
	const char *c = memchr(s, ':', len);

	return (
	    c != NULL && memchr(c + 1, ':', len - (size_t)(c + 1 - s)) != NULL);
}

bool
wcs_addr_parse(const char *s, size_t len, struct wcs_addr *a)
{
	char buf[WCS_ADDR_STRLEN + 1];
	const char *pct;
	uint8_t v4[4];
	bool colon;

	memset(a, 0, sizeof(*a));
	if (len == 0 || len > WCS_ADDR_STRLEN)
		return (false);
	switch (parse_v4(s, len, v4)) {
	case V4_OK:
		memcpy(a->bytes, v4, 4);
		a->family = 4;
		return (true);
	case V4_BAD:
		return (false);
	case V4_OTHER:
		break;
	}
	/* A zone index names an interface of the logging host: drop it. */
	if ((pct = memchr(s, '%', len)) != NULL)
		len = (size_t)(pct - s);
	colon = memchr(s, ':', len) != NULL;
	/* "addr:port" often comes here first (wcs_lu_hostport). */
	if (colon && !two_colons(s, len))
		goto fail;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!colon) {
		if (inet_pton(AF_INET, buf, a->bytes) != 1)
			goto fail;
		a->family = 4;
		return (true);
	}
	if (inet_pton(AF_INET6, buf, a->bytes) != 1)
		goto fail;
	if (memcmp(a->bytes, v4mapped_prefix, 12) == 0) {
		memmove(a->bytes, a->bytes + 12, 4);
		memset(a->bytes + 4, 0, 12);
		a->family = 4;
	} else
		a->family = 6;
	return (true);
fail:
	memset(a, 0, sizeof(*a));
	return (false);
}

/*
 * What inet_ntop(AF_INET) writes, without its sprintf(): the engine
 * formats an address for every event it keys by host.  buf is left alone
 * when the text does not fit, as inet_ntop() leaves it.
 */
static void
format_v4(const uint8_t *b, char *buf, size_t len)
{
	char tmp[sizeof("255.255.255.255")], *p = tmp;
	size_t i, n;

	for (i = 0; i < 4; i++) {
		if (i > 0)
			*p++ = '.';
		if (b[i] >= 100)
			*p++ = (char)('0' + b[i] / 100);
		if (b[i] >= 10)
			*p++ = (char)('0' + b[i] / 10 % 10);
		*p++ = (char)('0' + b[i] % 10);
	}
	*p = '\0';
	n = (size_t)(p - tmp);
	if (n < len)
		memcpy(buf, tmp, n + 1);
}

const char *
wcs_addr_format(const struct wcs_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return (buf);
	buf[0] = '\0';
	if (a->family == 4)
		format_v4(a->bytes, buf, len);
	else if (a->family == 6)
		(void)inet_ntop(AF_INET6, a->bytes, buf, (socklen_t)len);
	return (buf);
}

static size_t
addr_len(const struct wcs_addr *a)
{
	return (a->family == 4 ? 4 : a->family == 6 ? 16 : 0);
}

bool
wcs_addr_equal(const struct wcs_addr *a, const struct wcs_addr *b)
{
	return (a->family == b->family &&
		memcmp(a->bytes, b->bytes, addr_len(a)) == 0);
}

bool
wcs_cidr_parse(const char *s, struct wcs_cidr *c)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	unsigned max, i;
	long prefix;
	char *end;

	memset(c, 0, sizeof(*c));
	if (!wcs_addr_parse(s, alen, &c->net))
		return (false);
	max = c->net.family == 4 ? 32 : 128;
	if (slash == NULL) {
		prefix = max;
	} else {
		prefix = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || prefix < 0 ||
		    prefix > (long)max)
			return (false);
	}
	c->prefix = (uint8_t)prefix;
	/* Clear host bits so containment is a masked compare. */
	for (i = (unsigned)prefix; i < max; i++)
		c->net.bytes[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	return (true);
}

bool
wcs_cidr_contains(const struct wcs_cidr *c, const struct wcs_addr *a)
{
	unsigned full = c->prefix / 8, rest = c->prefix % 8;
	uint8_t mask;

	if (a->family != c->net.family)
		return (false);
	if (memcmp(c->net.bytes, a->bytes, full) != 0)
		return (false);
	if (rest == 0)
		return (true);
	mask = (uint8_t)(0xffu << (8 - rest));
	return ((a->bytes[full] & mask) == c->net.bytes[full]);
}

/* IANA IPv4 and IPv6 special-purpose registries, as (bytes, prefix). */
struct special_net {
	uint8_t family, prefix;
	uint8_t bytes[16];
};

static const struct special_net special_nets[] = {
	{ 4, 8, { 0 } }, /* 0.0.0.0/8 */
	{ 4, 8, { 10 } }, /* 10.0.0.0/8 */
	{ 4, 10, { 100, 64 } }, /* 100.64.0.0/10 CGNAT */
	{ 4, 8, { 127 } }, /* loopback */
	{ 4, 16, { 169, 254 } }, /* link-local */
	{ 4, 12, { 172, 16 } }, /* 172.16.0.0/12 */
	{ 4, 24, { 192, 0, 0 } }, /* IETF protocol assignments */
	{ 4, 24, { 192, 0, 2 } }, /* TEST-NET-1 */
	{ 4, 24, { 192, 88, 99 } }, /* 6to4 relay */
	{ 4, 16, { 192, 168 } }, /* 192.168.0.0/16 */
	{ 4, 15, { 198, 18 } }, /* benchmarking */
	{ 4, 24, { 198, 51, 100 } }, /* TEST-NET-2 */
	{ 4, 24, { 203, 0, 113 } }, /* TEST-NET-3 */
	{ 4, 3, { 224 } }, /* multicast and reserved */
	{ 6, 48, { 0, 0x64, 0xff, 0x9b, 0, 1 } }, /* 64:ff9b:1::/48 */
	{ 6, 23, { 0x20, 0x01 } }, /* 2001::/23 */
	{ 6, 32, { 0x20, 0x01, 0x0d, 0xb8 } }, /* documentation */
};

static bool
special_contains(const struct special_net *n, const struct wcs_addr *a)
{
	unsigned full = n->prefix / 8, rest = n->prefix % 8;

	if (a->family != n->family || memcmp(n->bytes, a->bytes, full) != 0)
		return (false);
	return (
	    rest == 0 || (a->bytes[full] & (uint8_t)(0xffu << (8 - rest))) ==
			     n->bytes[full]);
}

bool
wcs_addr_is_public(const struct wcs_addr *a)
{
	size_t i;

	if (a->family == 0)
		return (false);
	/* Only 2000::/3 is global unicast (this also excludes ::/127,
	 * 100::/64, fc00::/7, fe80::/10 and ff00::/8). */
	if (a->family == 6 && (a->bytes[0] & 0xe0) != 0x20)
		return (false);
	for (i = 0; i < WCS_NELEM(special_nets); i++) {
		if (special_contains(&special_nets[i], a))
			return (false);
	}
	return (true);
}
