/*
 * Shared by the readers: the ops tables the list in readers.c registers,
 * and small parsing helpers (lineutil.c).
 */
#ifndef WCSCAN_READERS_PRIVATE_H
#define WCSCAN_READERS_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wcscan/reader.h"

extern const struct wcs_reader_ops wcs_reader_pfirewall;
extern const struct wcs_reader_ops wcs_reader_netfilter;
extern const struct wcs_reader_ops wcs_reader_windns;
extern const struct wcs_reader_ops wcs_reader_bind;
extern const struct wcs_reader_ops wcs_reader_smblog;
extern const struct wcs_reader_ops wcs_reader_evtx_xml;
extern const struct wcs_reader_ops wcs_reader_sysmon_xml;

#endif /* WCSCAN_READERS_PRIVATE_H */
