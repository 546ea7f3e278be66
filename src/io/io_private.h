/*
 * Shared inside the io module only.
 */
#ifndef WCSCAN_IO_PRIVATE_H
#define WCSCAN_IO_PRIVATE_H

#include <sys/types.h>

/* What a file is, for messages: "socket", "character device", ... */
const char *wcs_io_type_name(mode_t mode);

#endif /* WCSCAN_IO_PRIVATE_H */
