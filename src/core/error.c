/*
 * The run context: allocator and last error (after libarchive's
 * archive_set_error).  Nothing here prints.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/core.h"

static void *
libc_malloc(size_t len, void *ud)
{
	(void)ud;
	return (malloc(len));
}

static void *
libc_realloc(void *p, size_t len, void *ud)
{
	(void)ud;
	return (realloc(p, len));
}

static void
libc_free(void *p, void *ud)
{
	(void)ud;
	free(p);
}

static const struct wcs_alloc libc_alloc = { libc_malloc, libc_realloc,
	libc_free, NULL };

void
wcs_ctx_init(struct wcs_ctx *ctx, const struct wcs_alloc *alloc)
{
	ctx->alloc = alloc != NULL ? alloc : &libc_alloc;
	wcs_clear_error(ctx);
}

void
wcs_set_error(struct wcs_ctx *ctx, int errnum, const char *fmt, ...)
{
	va_list ap;

	ctx->errnum = errnum;
	va_start(ap, fmt);
	(void)vsnprintf(ctx->errbuf, sizeof(ctx->errbuf), fmt, ap);
	va_end(ap);
}

void
wcs_clear_error(struct wcs_ctx *ctx)
{
	ctx->errnum = 0;
	ctx->errbuf[0] = '\0';
}

const char *
wcs_error_string(const struct wcs_ctx *ctx)
{
	return (ctx->errbuf);
}

void *
wcs_malloc(struct wcs_ctx *ctx, size_t len)
{
	void *p;

	if ((p = ctx->alloc->malloc(len == 0 ? 1 : len, ctx->alloc->ud)) ==
	    NULL)
		wcs_set_error(ctx, ENOMEM, "out of memory");
	return (p);
}

void *
wcs_calloc(struct wcs_ctx *ctx, size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size) {
		wcs_set_error(ctx, ENOMEM, "out of memory");
		return (NULL);
	}
	if ((p = wcs_malloc(ctx, n * size)) != NULL)
		memset(p, 0, n * size);
	return (p);
}

void *
wcs_reallocarray(struct wcs_ctx *ctx, void *p, size_t n, size_t size)
{
	void *np;

	if (size != 0 && n > SIZE_MAX / size) {
		wcs_set_error(ctx, ENOMEM, "out of memory");
		return (NULL);
	}
	if (n * size == 0)
		n = size = 1;
	if ((np = ctx->alloc->realloc(p, n * size, ctx->alloc->ud)) == NULL)
		wcs_set_error(ctx, ENOMEM, "out of memory");
	return (np);
}

void
wcs_free(struct wcs_ctx *ctx, void *p)
{
	if (p != NULL)
		ctx->alloc->free(p, ctx->alloc->ud);
}

char *
wcs_strndup(struct wcs_ctx *ctx, const char *s, size_t len)
{
	char *p;

	if ((p = wcs_malloc(ctx, len + 1)) == NULL)
		return (NULL);
	memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

char *
wcs_strdup(struct wcs_ctx *ctx, const char *s)
{
	return (wcs_strndup(ctx, s, strlen(s)));
}
