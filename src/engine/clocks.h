/*
 * Clocks (engine-private).  Every timestamp was written by one machine's
 * clock: a firewall or a DNS server (known by the input that holds its
 * log), or a Windows computer (known by its name, whichever file holds
 * its events: its own export, a ForwardedEvents collection, a SIEM
 * export).  The clocks disagree by seconds to minutes.
 *
 * Where two clocks stamped the same moment (one 445 connection in a
 * sensor's log and in the host's Sysmon; one DNS query in the server's
 * log and in the host's Sysmon 22) the difference is one observation of
 * their offset.  clock_table_solve puts every clock it can on one
 * reference clock, jointly, and keeps each estimate's uncertainty; a
 * clock that shares nothing with the reference stays unknown.
 */
#ifndef WCSCAN_ENGINE_CLOCKS_H
#define WCSCAN_ENGINE_CLOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wcscan/core.h"

#define CLOCK_NONE UINT32_MAX
#define CLOCK_MAX (1u << 20) /* clocks told apart; the rest share one */

/* One observation: the same moment read t_a on clock a and t_b on b. */
struct clock_sample {
	uint32_t a, b;
	int64_t d; /* t_a - t_b */
};

struct clock_table;

struct clock_table *clock_table_new(struct wcs_ctx *ctx);
void clock_table_free(struct clock_table *ct);
/* The clock of the machine whose log is input i (a sensor). */
uint32_t clock_of_input(struct clock_table *ct, uint32_t input);
/* Input i is a host's own log (Windows Firewall): its clock is the
 * host's, not a server's, and is not presumed on time. */
void clock_input_is_host_log(struct clock_table *ct, uint32_t input);
/* The clock of the Windows computer name (case-insensitive, its first
 * label).  CLOCK_NONE when out of memory. */
uint32_t clock_of_machine(struct clock_table *ct, const char *name);
size_t clock_count(const struct clock_table *ct);
/*
 * A key for clock id (ct is a clock table) that depends on what the clock
 * is, not on when it was first seen: a sensor's input number, or a hash
 * of a machine's name, case folded.  Where only a few clocks can be kept
 * (fanout.c), the least keys are kept, so that engines that numbered
 * their clocks in other orders keep the same ones.
 */
uint64_t clock_key(const void *ct, uint32_t id);
/*
 * The canonical numbering of the clocks (sensors by input number, then
 * machines by name, case folded): (*map)[id] is id's number in it, an
 * array of clock_count entries freed with wcs_free (NULL when there are
 * no clocks).  Engines that read the same logs in another order, or in
 * shards, number their clocks alike once renumbered by it.  WCS_OK or
 * WCS_FATAL.
 */
int clock_table_canonical_map(struct clock_table *ct, uint32_t **map);
/* Renumber the clocks by map (a permutation).  WCS_OK or WCS_FATAL. */
int clock_table_renumber(struct clock_table *ct, const uint32_t *map);
/* A machine clock's name, or NULL for a sensor's (then *input says). */
const char *clock_machine(
    const struct clock_table *ct, uint32_t id, uint32_t *input);

/*
 * Estimate every clock's offset from the samples.  The largest connected
 * group is put on its reference clock (a sensor's where it has one).  A
 * sensor's clock that shares nothing with it (a firewall or DNS server
 * kept on time by NTP) is presumed on time within SENSOR_PRESUMED_US, and
 * takes its group with it; a host's clock that shares nothing stays
 * unknown, with the uncertainty unknown_us.  When no clock at all ends up
 * known (a host's firewall log alone), fallback (CLOCK_NONE: none) is the
 * reference by itself, so that its own times still order what it saw.
 * WCS_OK or WCS_FATAL.
 */
#define SENSOR_PRESUMED_US (30 * 1000000LL)
int clock_table_solve(struct clock_table *ct, const struct clock_sample *s,
    size_t n, uint32_t fallback, int64_t unknown_us);

bool clock_known(const struct clock_table *ct, uint32_t id);
/* Microseconds the clock is ahead of the reference; 0 when unknown. */
int64_t clock_offset(const struct clock_table *ct, uint32_t id);
/* How far the estimate may be off (unknown clocks: unknown_us). */
int64_t clock_uncertainty(const struct clock_table *ct, uint32_t id);
uint32_t clock_reference(const struct clock_table *ct, uint32_t id);
/* Observations the estimate rests on. */
size_t clock_samples(const struct clock_table *ct, uint32_t id);
/* t read on clock id, on the reference clock (as is when unknown). */
int64_t clock_corrected(const struct clock_table *ct, uint32_t id, int64_t t);

/* Is the clock on the largest group's reference (not merely presumed on
 * time)? */
bool clock_on_main(const struct clock_table *ct, uint32_t id);
/*
 * Put a clock presumed on time onto the largest group's reference, from
 * evidence other than shared moments: its group moves by delta (added to
 * each offset), and its uncertainty is the given one instead of the
 * presumption's.
 */
void clock_table_anchor(struct clock_table *ct, uint32_t id, int64_t delta,
    int64_t uncertainty, size_t observations);

#endif /* WCSCAN_ENGINE_CLOCKS_H */
