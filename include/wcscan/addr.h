/*
 * IPv4 and IPv6 addresses.  An IPv4 address is kept as family 4 in the
 * first four bytes; IPv4-mapped IPv6 (::ffff:a.b.c.d) is folded to IPv4 on
 * parse so one host has one key.
 */
#ifndef WCSCAN_ADDR_H
#define WCSCAN_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wcs_addr {
	uint8_t family; /* 0 = absent, 4, or 6 */
	uint8_t bytes[16];
};

#define WCS_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

/* A network, for --internal and subnet tests. */
struct wcs_cidr {
	struct wcs_addr net;
	uint8_t prefix;
};

/*
 * Parse s[0..len) as an IPv4 or IPv6 address (no port, no brackets; an
 * IPv6 zone "%eth0" is dropped).  Returns false and leaves *a absent on
 * anything else.
 */
bool wcs_addr_parse(const char *s, size_t len, struct wcs_addr *a);
/* Write the canonical text form into buf; "" for an absent address. */
const char *wcs_addr_format(const struct wcs_addr *a, char *buf, size_t len);
bool wcs_addr_equal(const struct wcs_addr *a, const struct wcs_addr *b);
static inline bool
wcs_addr_present(const struct wcs_addr *a)
{
	return (a->family != 0);
}

/* "10.0.0.0/8", "fc00::/7"; a bare address is a /32 or /128. */
bool wcs_cidr_parse(const char *s, struct wcs_cidr *c);
bool wcs_cidr_contains(const struct wcs_cidr *c, const struct wcs_addr *a);
/* Global unicast per IANA special-purpose registries (not private,
 * loopback, link-local, multicast, documentation, CGNAT, ...). */
bool wcs_addr_is_public(const struct wcs_addr *a);

#endif /* WCSCAN_ADDR_H */
