/*
 * Fuzz target for the state file container: the bytes are one state
 * file given to wcs_state_parse.  Refusals are expected and fine; a
 * crash, a leak, or a file that parses but whose sections cannot be read
 * to their end with the bounded cursor is not.  Every section that
 * parses is read as u32 counts of u64 records, as loaders read them, so
 * that a count larger than its body is exercised.  Replayed under ctest
 * over tests/fuzz/corpus/statefile/.
 */
#include <stdint.h>
#include <stdlib.h>

#include "wcscan/statefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wcs_state_cursor c;
	struct wcs_state *st;
	struct wcs_ctx ctx;
	uint32_t type, version, n, i;
	uint64_t sum = 0;

	wcs_ctx_init(&ctx, NULL);
	if (wcs_state_parse(&ctx, "fuzz.state", data, size, &st) != WCS_OK)
		return (0);
	if (wcs_state_producer(st) == NULL)
		abort();
	for (type = 0; type < 4; type++) {
		if (wcs_state_section(st, type == 3 ? WCS_STATE_SEC_TEST : type,
			&c, &version) != WCS_OK)
			continue;
		while (wcs_state_cursor_ok(&c) && !wcs_state_cursor_done(&c)) {
			n = wcs_state_get_count(&c, UINT32_MAX, 8);
			for (i = 0; i < n; i++)
				sum += wcs_state_get_u64(&c);
			if (!wcs_state_cursor_ok(&c) && n != 0)
				abort(); /* a count the body could not hold */
		}
	}
	wcs_state_free(st);
	return (sum == 42 ? 0 : 0);
}
