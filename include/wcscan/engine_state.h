/*
 * The engine's accumulated state as a state file's sections (statefile.h),
 * so that engines that read different inputs can be combined before
 * concluding.
 *
 * What is saved: the options that shape the accumulation (internal
 * networks, fan-out window and threshold, delays), the inputs by path,
 * the clocks by machine name or input, the 445/tcp fan-out state, the
 * Windows event records read (their fingerprints, and the copies dropped
 * per input), the kill switch's answers over time (by rule id) and the
 * counts of what was not tied to a host, and the hosts: their evidence,
 * names, identity claims, kill-switch lookups and web activity.
 *
 * A record read by two engines is counted by both: loading drops no
 * events that were already counted.  Shards must keep the copies of one
 * log (a host's export and a collector's) together for the counts to be
 * one run's.
 */
#ifndef WCSCAN_ENGINE_STATE_H
#define WCSCAN_ENGINE_STATE_H

#include "wcscan/engine.h"
#include "wcscan/statefile.h"

#define WCS_ENGINE_STATE_VERSION 1

/*
 * Write eng's state, before wcs_engine_finish, as the writer's "engine"
 * and "fanout" sections.  It is first put in the canonical order
 * wcs_engine_finish puts it in (clocks by name, addresses, sources and
 * pairs by address), which changes nothing it concludes, so that the
 * next sweep that loads it sorts only what it reads since.  WCS_OK,
 * WCS_FAILED (concluded already; the reason in ctx) or WCS_FATAL.
 */
int wcs_engine_save_state(struct wcs_engine *eng, struct wcs_state_writer *w);

/*
 * Add the state in st to eng (before wcs_engine_finish).  Every input
 * the state names must be among eng's inputs (the same path), and every
 * rule among eng's rules (the same id): the state's input and clock
 * numbers are mapped to eng's by path and by machine name, so states
 * merge in any order.  WCS_OK; WCS_FAILED with the reason in ctx naming
 * the file (other options, an input or rule eng does not list, a
 * malformed or missing section); WCS_FATAL (eng is then only fit to be
 * freed).
 */
int wcs_engine_load_state(struct wcs_engine *eng, const struct wcs_state *st);

#endif /* WCSCAN_ENGINE_STATE_H */
