/*
 * wcscan core: status codes, the run context and its allocator.
 *
 * Every library function reports failure through a status code and leaves
 * the human-readable detail in the context (wcs_set_error).  Library code
 * never prints and never exits; only src/cli/msg.c writes to stderr.
 *
 * Status codes, after libarchive's ARCHIVE_OK/WARN/FAILED/FATAL:
 *	WCS_OK		the call did what it was asked
 *	WCS_EOF		no more records
 *	WCS_SKIP	a record was read and deliberately ignored (counted)
 *	WCS_WARN	a record was rejected; the rest of the input is fine
 *	WCS_FAILED	this input is abandoned; other inputs go on
 *	WCS_FATAL	the run is abandoned (out of memory, internal error)
 */
#ifndef WCSCAN_CORE_H
#define WCSCAN_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WCSCAN_VERSION "0.1.0"

enum wcs_status {
	WCS_OK = 0,
	WCS_EOF = 1,
	WCS_SKIP = 2,
	WCS_WARN = -20,
	WCS_FAILED = -25,
	WCS_FATAL = -30
};

/* Error numbers beyond errno values, for wcs_set_error. */
enum wcs_errnum {
	WCS_EFORMAT = 10000, /* input not in any known format */
	WCS_EPARSE, /* a record could not be parsed */
	WCS_EOVERLONG, /* a line or record exceeds the cap */
	WCS_ERULE, /* a rule file is wrong */
	WCS_EUSAGE, /* bad option or argument */
	WCS_ECORRUPT /* compressed data is corrupt or truncated */
};

#define WCS_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* FNV-1a over len bytes; with fold, ASCII letters hash as lower case. */
#define WCS_FNV_OFFSET 1469598103934665603ull
static inline uint64_t
wcs_fnv1a(const char *s, size_t len, bool fold)
{
	uint64_t h = WCS_FNV_OFFSET;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char b = (unsigned char)s[i];

		if (fold && b >= 'A' && b <= 'Z')
			b += 32;
		h ^= b;
		h *= 1099511628211ull;
	}
	return (h);
}

/* splitmix64's finaliser: a good spread for hash tables and sketches. */
static inline uint64_t
wcs_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return (x);
}
#define WCS_ERRBUF_SIZE 512

/*
 * The allocator every module goes through, so tests can inject failures.
 * The functions behave as malloc/realloc/free; ud is passed through.
 */
struct wcs_alloc {
	void *(*malloc)(size_t, void *ud);
	void *(*realloc)(void *, size_t, void *ud);
	void (*free)(void *, void *ud);
	void *ud;
};

/*
 * The run context: the allocator and the last error.  Not shared between
 * threads; a worker thread gets a context of its own.
 */
struct wcs_ctx {
	const struct wcs_alloc *alloc;
	int errnum;
	char errbuf[WCS_ERRBUF_SIZE];
};

/* Initialise ctx with the given allocator, or the C library's if NULL. */
void wcs_ctx_init(struct wcs_ctx *ctx, const struct wcs_alloc *alloc);

/* Record an error: errnum is an errno value or a wcs_errnum. */
void wcs_set_error(struct wcs_ctx *ctx, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void wcs_clear_error(struct wcs_ctx *ctx);
/* The last error's text; "" when none was set. */
const char *wcs_error_string(const struct wcs_ctx *ctx);

/*
 * Allocation through the context.  They set an ENOMEM error on failure.
 * wcs_free(ctx, NULL) is a no-op.  wcs_reallocarray checks n * size.
 */
void *wcs_malloc(struct wcs_ctx *ctx, size_t len);
void *wcs_calloc(struct wcs_ctx *ctx, size_t n, size_t size);
void *wcs_reallocarray(struct wcs_ctx *ctx, void *p, size_t n, size_t size);
void wcs_free(struct wcs_ctx *ctx, void *p);
char *wcs_strndup(struct wcs_ctx *ctx, const char *s, size_t len);
char *wcs_strdup(struct wcs_ctx *ctx, const char *s);

#endif /* WCSCAN_CORE_H */
