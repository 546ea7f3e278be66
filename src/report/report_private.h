/*
 * Shared by the report writers.
 */
#ifndef WCSCAN_REPORT_PRIVATE_H
#define WCSCAN_REPORT_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

/* Decode one strict UTF-8 sequence; 0 when s does not start with one. */
size_t wcs_utf8_next(const unsigned char *s, size_t len, uint32_t *cp);

#endif /* WCSCAN_REPORT_PRIVATE_H */
