/* Fuzz target for the splunk-json reader; see fuzz_reader.h. */
#include "fuzz_reader.h"

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return (fuzz_reader("splunk-json", d, n));
}
