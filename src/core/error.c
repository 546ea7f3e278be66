/*
 * The run context: allocator and last error (after libarchive's
 * archive_set_error).  Nothing here prints.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/core.h"

/*
 * Blocks of HUGE_MIN bytes and more ask for huge pages before they are
 * first touched.  They are the engine's tables, a state file's bytes and
 * the kept report, which a sweep fills once, tens of megabytes of them:
 * each fresh 4 KiB page costs a fault and a TLB entry otherwise, and
 * Linux's transparent huge pages, in the "madvise" mode Debian sets, back
 * only ranges asked for.  Only the block's 2 MiB-aligned middle is
 * marked, so that no other block, nor a mapping beside it, shares the
 * advice.  A hint: where it fails or is
 * not known, nothing changes.
 */
#define HUGE_PAGE ((uintptr_t)2 << 20)
#define HUGE_MIN ((size_t)4 << 20)

static void *
huge_pages(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	uintptr_t a, e;

	if (p != NULL && len >= HUGE_MIN) {
		a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
		e = ((uintptr_t)p + len) & ~(HUGE_PAGE - 1);
		if (e > a)
			(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
	}
#else
	(void)len;
#endif
	return (p);
}

static void *
libc_malloc(size_t len, void *ud)
{
	(void)ud;
	return (huge_pages(malloc(len), len));
}

static void *
libc_realloc(void *p, size_t len, void *ud)
{
	(void)ud;
	return (huge_pages(realloc(p, len), len));
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
