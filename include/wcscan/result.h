/*
 * What the engine concludes, as the report prints it (DESIGN §4).  The
 * engine owns every pointer here; they live until wcs_engine_free.
 */
#ifndef WCSCAN_RESULT_H
#define WCSCAN_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wcscan/addr.h"

enum wcs_verdict {
	WCS_VERDICT_CLEAN = 0, /* not reported */
	WCS_VERDICT_EXPOSED, /* speaks SMBv1, no evidence of infection */
	WCS_VERDICT_SCANNER, /* 445 fan-out without start-up evidence */
	WCS_VERDICT_SUSPICIOUS,
	WCS_VERDICT_NEUTRALIZED, /* asked the kill switch and got an answer */
	WCS_VERDICT_INFECTED
};

/* What an indicator means, strongest last (rules' "class"). */
enum wcs_ioc_class {
	WCS_CLASS_NONE = 0,
	WCS_CLASS_LOOKUP, /* kill-switch lookup: the worm, or an analyst */
	WCS_CLASS_SPREADING, /* 445 propagation, Tor */
	WCS_CLASS_ENCRYPTION, /* ransom files, shadow-copy deletion */
	WCS_CLASS_PERSISTENCE, /* mssecsvc2.0, tasksche services */
	WCS_CLASS_STARTUP /* the worm's own processes */
};

struct wcs_evidence {
	const char *rule; /* rule id, or an engine finding such as "fanout" */
	int64_t ts_us;
	const char *source; /* "path:line" */
	const char *detail; /* what matched, as logged (untrusted bytes) */
	enum wcs_ioc_class cls;
	int severity; /* the rule's, 1 low .. 4 critical */
	uint32_t input; /* index of the input it was read from */
	uint32_t clock; /* the machine clock that stamped it (engine) */
};

struct wcs_fanout_summary {
	uint64_t distinct, same_subnet, public_, other_internal;
	uint64_t denied, attempts;
	int64_t first, last;
};

struct wcs_host {
	unsigned rank; /* 1 = most likely patient zero; 0 = not ranked */
	struct wcs_addr ip; /* may be absent when only a name is known */
	const char **names;
	size_t nnames;
	enum wcs_verdict verdict;
	double score;
	int64_t first_evidence; /* WCS_TIME_NONE when none */
	const char *infected_by; /* address or name of the host; NULL */
	struct wcs_fanout_summary fanout;
	bool smb1;
	struct wcs_evidence *evidence;
	size_t nevidence;
	uint64_t evidence_total; /* all hits; nevidence keeps the first */
	const char **reasons;
	size_t nreasons;
	/* Patient-zero candidates (roots of the graph): how far its start
	 * is ahead of the next candidate's, and how uncertain the clocks
	 * between the two are; decided when the margin exceeds it. */
	bool rank_compared;
	bool rank_decided;
	int64_t rank_margin_us, rank_uncertainty_us;
	const char *rank_note; /* what would decide it; NULL */
};

struct wcs_edge {
	const char *from, *to; /* host labels as in infected_by */
	int64_t ts_us;
	const char **sources;
	size_t nsources;
};

/* A machine's clock against the reference clock (DESIGN §3, Time). */
struct wcs_clock {
	const char *name; /* a computer, or the path of a sensor's log */
	bool known; /* put on the reference clock */
	int64_t offset_us; /* ahead of the reference; 0 when unknown */
	int64_t uncertainty_us;
	size_t samples; /* observations shared with other clocks */
	const char *reference; /* the reference's name; NULL: this one */
};

/*
 * A 445/tcp source among the busiest, whatever its verdict: a burst below
 * the fan-out threshold still shows.
 */
struct wcs_fanout_source {
	struct wcs_addr ip;
	struct wcs_fanout_summary sum;
	uint64_t peak; /* most distinct new destinations in one window */
	int64_t window_us; /* the fan-out window */
	int64_t burst_start; /* when it reached the threshold; NONE */
};

/* Sources kept in wcs_result.fanout_top. */
#define WCS_FANOUT_TOP 10

struct wcs_result {
	struct wcs_host *hosts; /* ranked hosts first, then by verdict */
	size_t nhosts;
	struct wcs_edge *edges;
	size_t nedges;
	struct wcs_clock *clocks; /* by name */
	size_t nclocks;
	/* The busiest 445/tcp sources by distinct destinations. */
	struct wcs_fanout_source *fanout_top;
	size_t nfanout_top;
};

const char *wcs_verdict_name(enum wcs_verdict v);
const char *wcs_ioc_class_name(enum wcs_ioc_class c);
/* The host's label: its address, else its first name. */
const char *wcs_host_label(const struct wcs_host *h, char *buf, size_t len);

#endif /* WCSCAN_RESULT_H */
