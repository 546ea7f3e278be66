/*
 * Concluding (engine-private): the phases that turn what was read into
 * verdicts, the infection graph, the ranking and the result.  conclude.c
 * runs them in order; each file holds one phase:
 *
 *	identity.c	one host, one row (joins, timing, second cards)
 *	clocks.c	clock offsets between the machines that logged
 *	verdicts.c	what each host's evidence and 445 behaviour say
 *	graph.c		who infected whom
 *	rank.c		which infected host was first
 *	describe.c	the result, reasons in words
 */
#ifndef WCSCAN_ENGINE_CONCLUDE_H
#define WCSCAN_ENGINE_CONCLUDE_H

#include "wcscan/timeutil.h"
#include "engine_private.h"

#define HISTORY_US (60 * 60 * WCS_USEC) /* routine if this much earlier */
#define SCHEDULE_PERIOD_S 1800.0 /* repeats this slow: a schedule */
#define PUBLIC_WORM_MIN 10 /* public 445 targets: worm-like */
#define LOOKUP_LEAD_US (10 * 60 * WCS_USEC) /* lookup precedes start-up */
#define SWEEP_GAP_US (10 * WCS_USEC) /* contacts of one sweep: this close */
#define SWEEP_MIN 5 /* new destinations within the window: a sweep */

#define CLASS_BIT(c) (1u << (c))
#define STRONG_CLASSES                                                     \
	(CLASS_BIT(WCS_CLASS_STARTUP) | CLASS_BIT(WCS_CLASS_PERSISTENCE) | \
	    CLASS_BIT(WCS_CLASS_ENCRYPTION) | CLASS_BIT(WCS_CLASS_SPREADING))

/* Live IPv4 hosts by /24, for the sweeps of a victim's own subnet; what
 * the host's sweep of that /24 spans is kept beside it once loaded, so
 * that most neighbours are passed over without reading their row. */
struct subnet_entry {
	uint32_t net; /* the first three bytes */
	uint32_t pos; /* its place in live[], to keep live's order */
	struct host *h;
	int64_t first, last; /* its sweep of the /24, by time */
	uint8_t low, high; /* the lowest and highest address it reached */
	bool loaded, empty;
};

struct conclude {
	struct wcs_engine *eng;
	struct host **live; /* hosts not folded into another */
	size_t nlive, livecap;
	int64_t outbreak; /* earliest start of a host with its own evidence */
	struct subnet_entry *by_subnet; /* live[0 .. live_indexed), IPv4 */
	size_t nindexed, live_indexed;
	/* Hosts found infected, or found running earlier, while the graph
	 * was built: hosts graphed before may now have an infector. */
	size_t ninferred;
	/* Some host's 445/tcp probes of public addresses were logged: the
	 * way out is watched, and the worm's probes would show. */
	bool public_445_logged;
	/* While the graph is built: the host at each fan-out address, once
	 * looked up (graph.c src_host). */
	struct host **src_hosts;
	uint8_t *src_looked;
	size_t nsrc_hosts;
	/* While the graph is built: each /24's entries in by_subnet, by
	 * open addressing on the /24 (graph.c subnet_range). */
	struct subnet_slot {
		uint32_t key; /* the /24 plus 1; 0: empty */
		uint32_t lo, hi;
	} * subnet_slots;
	size_t subnet_slotcap; /* a power of two, or 0 */
};

static inline const char *
fmt_time(char *buf, int64_t t)
{
	return (wcs_time_format(t, buf, WCS_TIME_STRLEN));
}

static inline bool
is_strong(enum wcs_ioc_class c)
{
	return ((CLASS_BIT(c) & STRONG_CLASSES) != 0);
}

static inline bool
is_infected(const struct host *h)
{
	return (h->infected_own || h->inferred);
}

/* identity.c */
/* Fold host row from into to (names, addresses, evidence, times). */
int engine_fold(struct wcs_engine *eng, struct host *from, struct host *to);
/* Fold every name joined to an address while reading into its row. */
int identity_fold_joins(struct wcs_engine *eng);
/* (Re)list the hosts not folded into another. */
bool collect_live(struct conclude *c);
/* Add a host made while concluding to the live list. */
bool live_add(struct conclude *c, struct host *h);
/* The row an address stands for after joins, or NULL. */
struct host *host_at(struct wcs_engine *eng, const struct wcs_addr *a);
int timing_join(struct conclude *c);
int join_second_cards(struct conclude *c, bool graphed);

/* verdicts.c */
size_t distinct_rules(const struct host *h, unsigned class_mask, int min_sev);
bool neutralized(const struct host *h);
/* Fan-out that began long (HISTORY_US) before the outbreak. */
bool fanout_predates(
    const struct conclude *c, const struct fo_source_summary *f);
bool routine_fanout(
    const struct conclude *c, const struct fo_source_summary *f);
bool wormlike_fanout(
    const struct wcs_engine *eng, const struct fo_source_summary *f);
void presume_answers(struct conclude *c);
/* When the host's sweep began, on the reference clock; NONE. */
int64_t net_burst(struct conclude *c, struct host *h, bool *fatal);
int attach_fanout(struct conclude *c);
int verdicts_own_evidence(struct conclude *c);
int verdicts_network(struct conclude *c);
int verdicts_behaviour(struct conclude *c);
void verdicts_decide(struct conclude *c);

/* graph.c */
int build_graph(struct conclude *c);

/* rank.c */
int rank_hosts(struct conclude *c);

/* describe.c */
int describe_result(struct conclude *c);

#endif /* WCSCAN_ENGINE_CONCLUDE_H */
