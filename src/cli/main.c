#include "wcscan/core.h"
int
main(void)
{
	return (0);
}
