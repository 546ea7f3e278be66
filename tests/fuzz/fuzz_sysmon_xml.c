/*
 * Fuzz target for the Sysmon event XML reader (the evtx-xml parser with the
 * Sysmon mapping).  Replayed under ctest over testdata/sysmon_xml/.
 */
#include "fuzz_reader.h"

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return (fuzz_reader("sysmon-xml", d, n));
}
