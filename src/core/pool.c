/*
 * Bump allocation in blocks (after git's mem-pool).  Requests larger than
 * a quarter block get a block of their own so they do not waste the rest
 * of the current one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wcscan/pool.h"

#define POOL_ALIGN 16
#define POOL_ROUNDUP(n) (((n) + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1))

struct pool_block {
	struct pool_block *next_block;
	size_t size; /* usable bytes after the header */
	size_t used;
	/* data follows, aligned */
};

#define BLOCK_HDR POOL_ROUNDUP(sizeof(struct pool_block))

struct wcs_pool {
	struct wcs_ctx *ctx;
	struct pool_block *head;
	size_t block_size;
	size_t footprint;
};

struct wcs_pool *
wcs_pool_new(struct wcs_ctx *ctx, size_t block_size)
{
	struct wcs_pool *pool;

	if ((pool = wcs_calloc(ctx, 1, sizeof(*pool))) == NULL)
		return (NULL);
	pool->ctx = ctx;
	pool->block_size = block_size != 0 ? block_size : 64 * 1024;
	return (pool);
}

void
wcs_pool_free(struct wcs_pool *pool)
{
	struct pool_block *b, *next;

	if (pool == NULL)
		return;
	for (b = pool->head; b != NULL; b = next) {
		next = b->next_block;
		wcs_free(pool->ctx, b);
	}
	wcs_free(pool->ctx, pool);
}

void
wcs_pool_reset(struct wcs_pool *pool)
{
	struct pool_block *b, *next, *keep = NULL;

	/* Keep one standard block so a per-record reset costs nothing. */
	for (b = pool->head; b != NULL; b = next) {
		next = b->next_block;
		if (keep == NULL && b->size == pool->block_size) {
			keep = b;
			continue;
		}
		pool->footprint -= BLOCK_HDR + b->size;
		wcs_free(pool->ctx, b);
	}
	if (keep != NULL) {
		keep->used = 0;
		keep->next_block = NULL;
	}
	pool->head = keep;
}

static struct pool_block *
pool_grow(struct wcs_pool *pool, size_t size)
{
	struct pool_block *b;

	if (size > SIZE_MAX - BLOCK_HDR) {
		wcs_set_error(pool->ctx, ENOMEM, "out of memory");
		return (NULL);
	}
	if ((b = wcs_malloc(pool->ctx, BLOCK_HDR + size)) == NULL)
		return (NULL);
	b->size = size;
	b->used = 0;
	pool->footprint += BLOCK_HDR + size;
	if (size == pool->block_size || pool->head == NULL) {
		b->next_block = pool->head;
		pool->head = b;
	} else {
		/* A dedicated block goes behind the current one. */
		b->next_block = pool->head->next_block;
		pool->head->next_block = b;
	}
	return (b);
}

void *
wcs_pool_alloc(struct wcs_pool *pool, size_t len)
{
	struct pool_block *b = pool->head;

	if (len > SIZE_MAX - POOL_ALIGN) {
		wcs_set_error(pool->ctx, ENOMEM, "out of memory");
		return (NULL);
	}
	len = POOL_ROUNDUP(len == 0 ? 1 : len);
	if (b == NULL || b->size - b->used < len) {
		if (len > pool->block_size / 4)
			b = pool_grow(pool, len);
		else
			b = pool_grow(pool, pool->block_size);
		if (b == NULL)
			return (NULL);
	}
	b->used += len;
	return ((char *)b + BLOCK_HDR + b->used - len);
}

char *
wcs_pool_strndup(struct wcs_pool *pool, const char *s, size_t len)
{
	char *p;

	if ((p = wcs_pool_alloc(pool, len + 1)) == NULL)
		return (NULL);
	if (len > 0) /* s may be NULL then: an empty buffer never made */
		memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

char *
wcs_pool_strdup(struct wcs_pool *pool, const char *s)
{
	return (wcs_pool_strndup(pool, s, strlen(s)));
}

char *
wcs_pool_vprintf(struct wcs_pool *pool, const char *fmt, va_list ap)
{
	va_list again;
	char small[256], *p;
	int n;

	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0 || (p = wcs_pool_alloc(pool, (size_t)n + 1)) == NULL) {
		va_end(again);
		return (NULL);
	}
	if ((size_t)n < sizeof(small))
		memcpy(p, small, (size_t)n + 1);
	else
		(void)vsnprintf(p, (size_t)n + 1, fmt, again);
	va_end(again);
	return (p);
}

char *
wcs_pool_printf(struct wcs_pool *pool, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = wcs_pool_vprintf(pool, fmt, ap);
	va_end(ap);
	return (p);
}

size_t
wcs_pool_footprint(const struct wcs_pool *pool)
{
	return (pool->footprint);
}
