/*
 * A bump allocator for short-lived strings and small objects (after git's
 * mem-pool).  Memory is given back all at once: wcs_pool_reset keeps the
 * first block for reuse, wcs_pool_free releases everything.
 *
 * Readers own a pool that they reset before each record, so the strings of
 * an event live until the next call to the reader's next().  The engine
 * owns a pool for what it keeps (host names, evidence).
 */
#ifndef WCSCAN_POOL_H
#define WCSCAN_POOL_H

#include "wcscan/core.h"

struct wcs_pool;

/* Returns NULL (error set in ctx) when out of memory. */
struct wcs_pool *wcs_pool_new(struct wcs_ctx *ctx, size_t block_size);
/* Accepts NULL. */
void wcs_pool_free(struct wcs_pool *pool);
void wcs_pool_reset(struct wcs_pool *pool);

/* Aligned for any object; NULL on failure (error set in the pool's ctx). */
void *wcs_pool_alloc(struct wcs_pool *pool, size_t len);
/* A NUL-terminated copy of s[0..len). */
char *wcs_pool_strndup(struct wcs_pool *pool, const char *s, size_t len);
char *wcs_pool_strdup(struct wcs_pool *pool, const char *s);
/* printf into the pool. */
char *wcs_pool_vprintf(struct wcs_pool *pool, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
char *wcs_pool_printf(struct wcs_pool *pool, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Bytes currently held from the system, for memory accounting. */
size_t wcs_pool_footprint(const struct wcs_pool *pool);

#endif /* WCSCAN_POOL_H */
