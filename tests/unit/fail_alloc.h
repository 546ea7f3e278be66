/*
 * Allocation hooks that fail from the Nth call on, for the tests where
 * every allocation in turn fails (struct wcs_alloc in wcscan/core.h):
 *
 *	struct fail_alloc f = { .left = n };
 *	struct wcs_alloc a = { fail_malloc, fail_realloc, fail_free, &f };
 */
#ifndef WCSCAN_TEST_FAIL_ALLOC_H
#define WCSCAN_TEST_FAIL_ALLOC_H

#include <stdlib.h>

struct fail_alloc {
	long left; /* allocations until the first failure */
};

static void *
fail_malloc(size_t n, void *ud)
{
	struct fail_alloc *f = ud;

	return (f->left-- > 0 ? malloc(n) : NULL);
}

static void *
fail_realloc(void *p, size_t n, void *ud)
{
	struct fail_alloc *f = ud;

	return (f->left-- > 0 ? realloc(p, n) : NULL);
}

static void
fail_free(void *p, void *ud)
{
	(void)ud;
	free(p);
}

#endif /* WCSCAN_TEST_FAIL_ALLOC_H */
