/*
 * The engine's state, shared by its files: engine.c takes events in
 * (evidence, joins, 445 contacts); conclude.c and the phases it runs
 * (conclude.h) turn that state into the result.
 */
#ifndef WCSCAN_ENGINE_PRIVATE_H
#define WCSCAN_ENGINE_PRIVATE_H

#include "wcscan/engine.h"
#include "wcscan/pool.h"
#include "fanout.h"
#include "hosts.h"

struct input_clock {
	const char *host; /* the computer whose log it is, if one is named */
	bool has_conn; /* it logged 445 contacts */
	bool known; /* offset estimated */
	int64_t offset; /* microseconds ahead of the reference */
	uint32_t ref; /* the reference input */
	size_t samples; /* shared connections the estimate rests on */
};

/* When a kill-switch name answered, as any log saw it (forwarders too). */
#define KS_TIMELINES 16
struct ks_timeline {
	const struct wcs_rule_info *rule;
	int64_t first_answer; /* first NOERROR response */
	int64_t last_nx; /* last NXDOMAIN response */
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
	struct input_clock *clocks; /* per input, grown as inputs appear */
	size_t nclocks;
	struct wcs_result result;
	uint64_t unattributed; /* rule hits on events naming no host */
	struct ks_timeline ks[KS_TIMELINES];
	size_t nks;
	bool finished;
};

/* Whether input i's clock was put on a reference clock. */
bool engine_clock_known(const struct wcs_engine *eng, uint32_t input);
/* An event time read from input i, on the reference clock. */
int64_t engine_corrected(
    const struct wcs_engine *eng, uint32_t input, int64_t t);
/* Estimate every input's clock offset from shared 445 contacts. */
int engine_estimate_skew(struct wcs_engine *eng);
/* Verdicts, the infection graph, ranking and the result. */
int engine_conclude(struct wcs_engine *eng);

#endif /* WCSCAN_ENGINE_PRIVATE_H */
