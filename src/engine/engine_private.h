/*
 * The engine's state, shared by its files: engine.c takes events in
 * (evidence, joins, 445 contacts); conclude.c and the phases it runs
 * (conclude.h) turn that state into the result.
 */
#ifndef WCSCAN_ENGINE_PRIVATE_H
#define WCSCAN_ENGINE_PRIVATE_H

#include "wcscan/engine.h"
#include "wcscan/pool.h"
#include "wcscan/statefile.h"
#include "wcscan/timeutil.h"
#include "clocks.h"
#include "fanout.h"
#include "hosts.h"

/* When a kill-switch name answered, as any log saw it (forwarders too). */
#define KS_TIMELINES 16
struct ks_timeline {
	const struct wcs_rule_info *rule;
	int64_t first_answer; /* first NOERROR response */
	int64_t last_nx; /* last NXDOMAIN response */
};

#define DETAIL_CACHE 4096 /* a power of two */
/* Windows event records remembered to drop a second copy: 64 MiB at most;
 * past it, records are no longer checked (counted). */
#define SEEN_RECORDS_MAX (1u << 22)

/* (Computer, Channel, EventRecordID) of the records read, as 64-bit
 * fingerprints: the same record in two files is one observation. */
struct seen_records {
	uint64_t *slots; /* 0 = empty */
	size_t cap, n;
	uint64_t unchecked; /* past SEEN_RECORDS_MAX */
	uint64_t in_two_states; /* loaded from a state, and read before */
	uint64_t *dups; /* per input: copies dropped */
	size_t ndups;
};

struct wcs_engine {
	struct wcs_ctx *ctx;
	struct wcs_pool *pool;
	struct wcs_rules *rules;
	struct host_table hosts;
	struct fanout *fanout;
	const char *const *paths;
	size_t npaths;
	struct wcs_engine_opts opts; /* defaults filled in */
	struct wcs_cidr internal_default[4];
	struct clock_table *clocks; /* one per machine that logged */
	uint32_t clock; /* the event being fed: its clock */
	struct wcs_result result;
	uint64_t unattributed; /* rule hits on events naming no host */
	struct ks_timeline ks[KS_TIMELINES];
	size_t nks;
	/* Evidence details repeat across hosts (the kill-switch name, the
	 * worm's command lines): the last one per slot is shared. */
	const char *detail_cache[DETAIL_CACHE];
	struct seen_records seen;
	/* Per input: a host's own firewall log is about the host's own
	 * address (the source of what it sent, the destination of what it
	 * received): the address most of its lines name, by majority vote,
	 * ties the log's clock to the host's. */
	struct hostlog_owner {
		struct wcs_addr cand;
		uint64_t votes;
		bool host_log;
	} * owners;
	size_t nowners;
	bool finished;
};

/* The earliest and latest of two times, WCS_TIME_NONE being none. */
static inline void
note_min(int64_t *t, int64_t v)
{
	if (v != WCS_TIME_NONE && (*t == WCS_TIME_NONE || v < *t))
		*t = v;
}

static inline void
note_max(int64_t *t, int64_t v)
{
	if (v != WCS_TIME_NONE && (*t == WCS_TIME_NONE || v > *t))
		*t = v;
}

/* A time read from a state file: none, or within what fanout.c bounds
 * (differences of two cannot overflow). */
static inline bool
engine_time_ok(int64_t t)
{
	return (t == WCS_TIME_NONE ||
		(t >= -((int64_t)1 << 61) && t <= ((int64_t)1 << 61)));
}

/* Whether a clock was put on the reference clock. */
static inline bool
engine_clock_known(const struct wcs_engine *eng, uint32_t clock)
{
	return (clock_known(eng->clocks, clock));
}

/* A time read on a clock, on the reference clock. */
static inline int64_t
engine_corrected(const struct wcs_engine *eng, uint32_t clock, int64_t t)
{
	return (clock_corrected(eng->clocks, clock, t));
}

/* Records read (seen_records): add a fingerprint; count copies dropped
 * from an input.  WCS_OK or WCS_FATAL. */
int engine_seen_add(struct wcs_engine *eng, uint64_t k, bool *dup);
int engine_seen_dups(struct wcs_engine *eng, size_t input, uint64_t n);

/*
 * A name claimed at an address (engine_claim_note): strong when the
 * name's own machine says so; what says it, and where it was read; the
 * words said (text), or NULL to make them from the rest; count claims at
 * once.
 */
struct engine_claim {
	bool strong;
	const char *what;
	const char *text;
	uint32_t input;
	uint64_t line;
	uint32_t count;
};
/* nh claims to be at ah (engine.c).  WCS_OK or WCS_FATAL. */
int engine_claim_note(struct wcs_engine *eng, struct host *nh, struct host *ah,
    const struct engine_claim *cl);
/* A pooled copy of the first DETAIL_MAX bytes of detail, shared. */
const char *engine_shared_detail(
    struct wcs_engine *eng, const char *detail, size_t len);
/*
 * Where h keeps evidence item x: a new slot, or that of the greatest item
 * when h is full and x comes before it; NULL when x is not kept (or out
 * of memory: then eng->hosts.oom).
 */
struct wcs_evidence *engine_evidence_slot(
    struct wcs_engine *eng, struct host *h, const struct wcs_evidence *x);

/*
 * The hosts' section of the state (hosts_state.c): written before the
 * engine concludes; loaded with the state's input and clock numbers
 * mapped to the engine's.  WCS_OK, WCS_FAILED (malformed: the reason in
 * ctx names the file and byte) or WCS_FATAL.
 */
int engine_save_hosts(const struct wcs_engine *eng, struct wcs_state_writer *w);
int engine_load_hosts(struct wcs_engine *eng, struct wcs_state_cursor *c,
    uint32_t version, const uint32_t *imap, uint32_t ni, const uint32_t *cmap,
    uint32_t nc);

/* What a clock is called in a report: a computer, or a log's path. */
const char *engine_clock_name(const struct wcs_engine *eng, uint32_t clock);
/* Clocks renumbered by name, hosts rehashed in key order (canon.c):
 * before concluding, so that the order of reading does not show.
 * WCS_OK or WCS_FATAL. */
int engine_canonical(struct wcs_engine *eng);
/* Verdicts, the infection graph, ranking and the result. */
int engine_conclude(struct wcs_engine *eng);

#endif /* WCSCAN_ENGINE_PRIVATE_H */
