/*
 * 445/tcp fan-out (engine-private): who tried to reach whom on SMB, when,
 * and how often, kept so that memory grows with the number of sources and
 * of distinct internal (source, destination) pairs, never with the number
 * of connections.  Public destinations are counted per source, exactly up
 * to a cap and then with a HyperLogLog sketch (as Zeek's scan detection
 * caps its sets).
 */
#ifndef WCSCAN_ENGINE_FANOUT_H
#define WCSCAN_ENGINE_FANOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wcscan/addr.h"
#include "wcscan/core.h"
#include "wcscan/event.h"
#include "wcscan/result.h"

#define FO_CLOCKS 4 /* machines kept per pair and source: least numbers */
#define FO_EPISODES_MAX 16 /* contact episodes kept per pair */
#define FO_EPISODE_GAP_US (120 * 1000000LL)

/* A run of contacts with no gap longer than FO_EPISODE_GAP_US. */
struct fo_episode {
	int64_t start, end;
};

/*
 * One machine's log of a pair: a gateway's firewall, the source's own
 * Sysmon, the target's pfirewall.log.  The same attempt logged by two
 * machines is one attempt, confirmed twice.
 */
struct fo_sighting {
	uint32_t clock; /* the machine whose clock stamped it */
	uint32_t input; /* the input of its earliest attempt */
	uint32_t count; /* attempts this machine logged */
	int64_t first; /* its first attempt, on that clock */
};

/*
 * One internal source -> internal destination pair.  A worm's sweep makes
 * millions, nearly all logged by one machine in one episode: those are
 * kept inline, and the arrays for more are allocated when a second
 * comes.  Read them with fo_pair_seen and fo_pair_episodes.
 */
struct fo_pair {
	uint32_t src, dst; /* address indices */
	uint32_t count; /* attempts: the most any one machine logged */
	uint8_t nep; /* episodes */
	uint8_t epcap; /* room at ep; 0 while the one episode is ep1 */
	uint8_t nseen; /* machines that logged it */
	uint8_t denied; /* some attempt was denied */
	int64_t first, last;
	uint64_t first_line; /* where the first contact was read */
	uint32_t first_input, first_clock;
	struct fo_sighting seen1; /* the one machine, while seen_more is NULL */
	struct fo_sighting *seen_more; /* FO_CLOCKS, from a second machine */
	struct fo_episode ep1; /* the one episode, while ep is NULL */
	struct fo_episode *ep; /* epcap of them, from a second episode */
};

/* The pair's nseen sightings, by clock. */
static inline const struct fo_sighting *
fo_pair_seen(const struct fo_pair *p)
{
	return (p->seen_more != NULL ? p->seen_more : &p->seen1);
}

/* The pair's nep episodes, sorted by start. */
static inline const struct fo_episode *
fo_pair_episodes(const struct fo_pair *p)
{
	return (p->ep != NULL ? p->ep : &p->ep1);
}

/* One per source (a million in a large outbreak): fields by size. */
struct fo_source_summary {
	struct wcs_addr addr;
	bool system_only; /* every Sysmon 3 attempt came from System */
	bool from_worm_image; /* some attempt came from a non-System image */
	uint32_t public_clock; /* the clock that stamped public_first */
	struct wcs_fanout_summary sum;
	uint64_t peak; /* most distinct new destinations in a window */
	int64_t burst_start; /* when the window count first reached the
				threshold; WCS_TIME_NONE if it never did */
	int64_t first_contact;
	int64_t public_first; /* first probe of a public address; NONE */
	double repeat_period; /* median gap between episodes, seconds; 0 */
};

struct fanout;

struct fanout *fanout_new(
    struct wcs_ctx *ctx, const struct wcs_cidr *internal, size_t ninternal);
void fanout_free(struct fanout *f);

/* True when the event is a 445/tcp attempt this module counts. */
bool fanout_wants(const struct wcs_event *ev);
/* Count one attempt, stamped by clock.  WCS_OK or WCS_FATAL. */
int fanout_add(struct fanout *f, const struct wcs_event *ev, uint32_t clock);

/*
 * After all events: summarise every source with a sliding window of
 * window_us and the threshold (distinct destinations).  Then the
 * accessors below are valid.
 */
int fanout_finish(struct fanout *f, int64_t window_us, uint64_t threshold);
size_t fanout_nsources(const struct fanout *f);
const struct fo_source_summary *fanout_source(const struct fanout *f, size_t i);
/* The summary for an address, or NULL. */
const struct fo_source_summary *fanout_source_by_addr(
    const struct fanout *f, const struct wcs_addr *a);

/* Internal pairs towards dst, for the infection graph; *n gets the count. */
const struct fo_pair *const *fanout_pairs_to(
    const struct fanout *f, const struct wcs_addr *dst, size_t *n);
/* Internal pairs from src. */
const struct fo_pair *const *fanout_pairs_from(
    const struct fanout *f, const struct wcs_addr *src, size_t *n);
const struct wcs_addr *fanout_addr(const struct fanout *f, uint32_t idx);
/* Addresses: the indices fanout_addr takes are below it. */
size_t fanout_naddrs(const struct fanout *f);
/* All pairs, for clock-skew estimation. */
const struct fo_pair *fanout_pairs(const struct fanout *f, size_t *n);
/* Attempts not tracked because a cap was reached (hostile input). */
uint64_t fanout_untracked(const struct fanout *f);

/*
 * Saving, loading and merging the accumulated state (not the summaries:
 * fanout_finish is run on the merged state), so that shards read apart
 * conclude as one run.  See fanout.c for what is exact.
 */
struct wcs_state_writer;
struct wcs_state_cursor;
#define FO_STATE_VERSION 1
/*
 * Write f as the "fanout" section (its exact public sets cut to what they
 * keep first).  WCS_OK, WCS_FAILED or WCS_FATAL.
 */
int fanout_save(struct fanout *f, struct wcs_state_writer *w);
/*
 * A new fanout holding the section at cur (of the given section version),
 * every index and count checked.  Its clock and input numbers are those
 * of the engine that saved it: it is only to be merged (fanout_merge maps
 * them).  WCS_OK with *out set, WCS_FAILED with the reason in ctx (naming
 * the file and the byte), or WCS_FATAL.
 */
int fanout_load(struct wcs_ctx *ctx, const struct wcs_cidr *internal,
    size_t ninternal, struct wcs_state_cursor *cur, uint32_t version,
    struct fanout **out);
/*
 * Add what src accumulated to dst; src is not changed.  clock_map and
 * input_map give, for each clock and input number of src, its number in
 * dst (the caller identifies them by name and path).  Ties are broken by
 * those numbers, so for merging to be order-free the maps must keep each
 * engine's order (number clocks and inputs the same way everywhere).
 * WCS_OK; WCS_FAILED when dst is finished, is src, or src names a number
 * beyond a map; WCS_FATAL (ENOMEM: dst is then partly merged and only fit to be
 * freed).
 */
int fanout_merge(struct fanout *dst, const struct fanout *src,
    const uint32_t *clock_map, size_t nclock_map, const uint32_t *input_map,
    size_t ninput_map);

/*
 * Keep, past FO_CLOCKS machines per pair and source, those of least
 * key(arg, clock) (ties by number) rather than of least number: a key
 * that depends on what the machine is (clocks.h, clock_key) keeps the
 * same machines in engines that numbered them in other orders.
 */
void fanout_set_clock_key(struct fanout *f,
    uint64_t (*key)(const void *arg, uint32_t clock), const void *arg);
/*
 * Give every clock number c the number map[c] (n entries; a permutation
 * of 0..n-1), before fanout_finish, so that engines that numbered their
 * clocks in another order end up numbered alike.  The machines kept
 * stay in the order of their keys (fanout_set_clock_key).  WCS_OK, or
 * WCS_FAILED (finished; a clock beyond the map).
 */
int fanout_renumber_clocks(struct fanout *f, const uint32_t *map, size_t n);

/*
 * Number addresses, sources and pairs in address order (before
 * fanout_finish), so that what the conclusion walks in index order does
 * not depend on the order contacts were read or merged in.  On failure
 * (WCS_FATAL, out of memory) the slots may be lost: f is then only fit to
 * be freed.
 */
int fanout_canonical(struct fanout *f);

bool wcs_addr_internal(
    const struct wcs_cidr *internal, size_t n, const struct wcs_addr *a);
/* Same /24 (IPv4) or /64 (IPv6): the range WannaCry sweeps first. */
bool wcs_addr_same_subnet(const struct wcs_addr *a, const struct wcs_addr *b);

#endif /* WCSCAN_ENGINE_FANOUT_H */
