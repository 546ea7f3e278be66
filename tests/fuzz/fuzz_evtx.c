/*
 * Fuzz target for the binary .evtx reader: file and chunk headers, their
 * checksums, record framing, Binary XML with templates and substitution
 * values, the mapping to events.  Replayed under ctest over
 * tests/fuzz/corpus/evtx/.  fuzz_reader's 4096-byte window makes the
 * reader assemble chunks from several fills.
 */
#include "fuzz_reader.h"

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return (fuzz_reader("evtx", d, n));
}
