/*
 * Fuzz target for the event XML reader: record splitting, expat on each
 * record, the mapping to events.  Replayed under ctest over
 * tests/fuzz/corpus/evtx_xml/ and testdata/evtx_xml/.
 */
#include "fuzz_reader.h"

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return (fuzz_reader("evtx-xml", d, n));
}
