/*
 * The correlation engine: events in, a wcs_result out.  It never opens
 * files or parses formats.  Memory grows with hosts and host pairs, not
 * with the number of events.
 */
#ifndef WCSCAN_ENGINE_H
#define WCSCAN_ENGINE_H

#include <stddef.h>

#include "wcscan/addr.h"
#include "wcscan/core.h"
#include "wcscan/event.h"
#include "wcscan/result.h"
#include "wcscan/rules.h"

struct wcs_engine_opts {
	const struct wcs_cidr *internal; /* internal networks; none: RFC 1918
					    and fc00::/7 */
	size_t ninternal;
	const char *const *input_paths; /* for provenance "path:line" */
	size_t ninputs;
	/* 445/tcp fan-out: so many distinct destinations within the window
	 * make a fan-out (0: the defaults below). */
	uint64_t fanout_threshold;
	int64_t fanout_window_us;
	/* Longest plausible time from a 445 contact to the victim's first
	 * sign of the worm, and the clock disagreement tolerated. */
	int64_t max_infect_delay_us;
	int64_t skew_tolerance_us;
};

#define WCS_FANOUT_THRESHOLD_DEFAULT 20
#define WCS_FANOUT_WINDOW_DEFAULT (60 * 1000000LL)
#define WCS_INFECT_DELAY_DEFAULT (10 * 60 * 1000000LL)
#define WCS_SKEW_TOLERANCE_DEFAULT (5 * 60 * 1000000LL)
/* The engine's caps (wcscan(1) CAPS): hosts, of them seen on the web only. */
#define WCS_ENGINE_HOSTS_MAX (1u << 20)
#define WCS_ENGINE_WEB_ONLY_MAX (1u << 18)

struct wcs_engine;

/* rules is borrowed and must outlive the engine.  NULL on ENOMEM. */
struct wcs_engine *wcs_engine_new(struct wcs_ctx *ctx,
    const struct wcs_engine_opts *opts, struct wcs_rules *rules);
void wcs_engine_free(struct wcs_engine *eng);
/* The input list may grow while reading (directories); paths borrowed. */
void wcs_engine_set_inputs(
    struct wcs_engine *eng, const char *const *paths, size_t n);

/* Take one event.  WCS_OK or WCS_FATAL. */
int wcs_engine_feed(struct wcs_engine *eng, const struct wcs_event *ev);
/* Conclude; the result is owned by the engine. */
int wcs_engine_finish(struct wcs_engine *eng, const struct wcs_result **res);

/*
 * Input i is a host's own log (Windows Firewall): its clock is that
 * host's, not a server's kept on time.
 */
void wcs_engine_input_host_log(struct wcs_engine *eng, size_t i);

/*
 * After finish: the clock offset estimated for the machine whose log is
 * input i (microseconds ahead of the reference clock), its uncertainty,
 * the reference (NULL: this log is it) and how many observations shared
 * with other clocks the estimate rests on.  false when the log's clock
 * could not be compared with any other.  Computers' clocks (event logs)
 * are in the result's clocks.
 */
bool wcs_engine_input_offset(const struct wcs_engine *eng, size_t i,
    int64_t *offset_us, int64_t *uncertainty_us, const char **ref,
    size_t *samples);
/*
 * Windows event records of input i dropped as copies of records read
 * before (same Computer, Channel and EventRecordID), and records not
 * checked because the table of records read was full.
 */
uint64_t wcs_engine_input_duplicates(const struct wcs_engine *eng, size_t i);
uint64_t wcs_engine_unchecked_records(const struct wcs_engine *eng);
/*
 * Records that two loaded states had both read (a log's copies read by two
 * shards): each state counted what they said, so it counts twice.
 */
uint64_t wcs_engine_records_in_two_states(const struct wcs_engine *eng);
/* Events about hosts not tracked because the host table was full. */
uint64_t wcs_engine_untracked_hosts(const struct wcs_engine *eng);
/* 445 attempts not tracked because a memory cap was reached. */
uint64_t wcs_engine_untracked(const struct wcs_engine *eng);

#endif /* WCSCAN_ENGINE_H */
