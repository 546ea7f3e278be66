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

bool
wcs_addr_parse(const char *s, size_t len, struct wcs_addr *a)
{
	char buf[WCS_ADDR_STRLEN + 1];
	const char *pct;

	memset(a, 0, sizeof(*a));
	if (len == 0 || len > WCS_ADDR_STRLEN)
		return (false);
	/* A zone index names an interface of the logging host: drop it. */
	if ((pct = memchr(s, '%', len)) != NULL)
		len = (size_t)(pct - s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (memchr(buf, ':', len) == NULL) {
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

const char *
wcs_addr_format(const struct wcs_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return (buf);
	buf[0] = '\0';
	if (a->family == 4)
		(void)inet_ntop(AF_INET, a->bytes, buf, (socklen_t)len);
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

int
wcs_addr_compare(const struct wcs_addr *a, const struct wcs_addr *b)
{
	if (a->family != b->family)
		return (a->family < b->family ? -1 : 1);
	return (memcmp(a->bytes, b->bytes, addr_len(a)));
}

uint32_t
wcs_addr_hash(const struct wcs_addr *a)
{
	uint32_t h = 2166136261u ^ a->family; /* FNV-1a */
	size_t i, n = addr_len(a);

	for (i = 0; i < n; i++) {
		h ^= a->bytes[i];
		h *= 16777619u;
	}
	return (h);
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

bool
wcs_addr_is_public(const struct wcs_addr *a)
{
	/* IANA IPv4/IPv6 special-purpose address registries. */
	static const char *const special[] = { "0.0.0.0/8", "10.0.0.0/8",
		"100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
		"192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3", "::/127",
		"64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
		"fc00::/7", "fe80::/10", "ff00::/8" };
	struct wcs_cidr c;
	size_t i;

	if (a->family == 0)
		return (false);
	if (a->family == 6 && (a->bytes[0] & 0xe0) != 0x20)
		return (false); /* only 2000::/3 is global unicast */
	for (i = 0; i < WCS_NELEM(special); i++) {
		if (wcs_cidr_parse(special[i], &c) && wcs_cidr_contains(&c, a))
			return (false);
	}
	return (true);
}
