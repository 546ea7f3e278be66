/*
 * The engine's state saved and loaded (see wcscan/engine_state.h).
 *
 * The "engine" section says what the numbers in the other sections mean
 * and what shaped them:
 *
 *	u32 ninternal, each: u8 family, 16 bytes, u8 prefix
 *	u64 fan-out threshold; i64 fan-out window, longest infection delay,
 *	    skew tolerance (us)
 *	u32 ninputs, each: u32 length, the path's bytes; u8 1 when the
 *	    input is a host's own log
 *	u32 nclocks, each: u8 1 and a machine name (u32 length, bytes), or
 *	    u8 2 and an input number
 *	u64 rule hits on events naming no host; u64 events about hosts past
 *	    the host table's caps
 *	u32 n kill-switch timelines, each: its rule's id (u32 length,
 *	    bytes), i64 first answer, i64 last NXDOMAIN (NONE: none)
 * * The "records" section: u64 records not checked (the table was full);
 * u32 n, each: a record's u64 fingerprint; u32 ninputs, each: u64
 * copies dropped from that input.
 *
 * Loading maps the state's inputs to the engine's by path and its clocks
 * by machine name or input, and merges the sections through those maps:
 * numbers are per engine, names are not.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wcscan/engine_state.h"
#include "wcscan/timeutil.h"
#include "engine_private.h"

#define CLOCK_IS_MACHINE 1
#define CLOCK_IS_INPUT 2
#define NAME_MAX_LEN 4096
#define INPUTS_MAX (1u << 24)
#define HOST_LOG_BIT (1u << 31)

static int
save_records(const struct wcs_engine *eng, struct wcs_state_writer *w)
{
	const struct seen_records *sr = &eng->seen;
	size_t i, n;
	int rc;

	if ((rc = wcs_state_begin(w, WCS_STATE_SEC_RECORDS, "records",
		 WCS_ENGINE_STATE_VERSION)) != WCS_OK)
		return (rc);
	wcs_state_put_u64(w, sr->unchecked);
	wcs_state_put_u32(w, (uint32_t)sr->n);
	for (i = 0; i < sr->cap; i++) {
		if (sr->slots[i] != 0)
			wcs_state_put_u64(w, sr->slots[i]);
	}
	n = sr->ndups < eng->npaths ? sr->ndups : eng->npaths;
	wcs_state_put_u32(w, (uint32_t)n);
	for (i = 0; i < n; i++)
		wcs_state_put_u64(w, sr->dups[i]);
	return (wcs_state_end(w));
}

int
wcs_engine_save_state(struct wcs_engine *eng, struct wcs_state_writer *w)
{
	const char *m;
	uint32_t input;
	size_t i, n;
	int rc;

	if (eng->finished) {
		wcs_set_error(eng->ctx, EINVAL,
		    "the engine's state is saved before it concludes");
		return (WCS_FAILED);
	}
	if ((rc = engine_canonical(eng)) != WCS_OK)
		return (rc);
	if (eng->npaths > INPUTS_MAX) {
		wcs_set_error(eng->ctx, E2BIG, "too many inputs to save");
		return (WCS_FAILED);
	}
	if ((rc = wcs_state_begin(w, WCS_STATE_SEC_ENGINE, "engine",
		 WCS_ENGINE_STATE_VERSION)) != WCS_OK)
		return (rc);
	wcs_state_put_u32(w, (uint32_t)eng->opts.ninternal);
	for (i = 0; i < eng->opts.ninternal; i++) {
		wcs_state_put_u8(w, eng->opts.internal[i].net.family);
		wcs_state_put_bytes(w, eng->opts.internal[i].net.bytes, 16);
		wcs_state_put_u8(w, eng->opts.internal[i].prefix);
	}
	wcs_state_put_u64(w, eng->opts.fanout_threshold);
	wcs_state_put_i64(w, eng->opts.fanout_window_us);
	wcs_state_put_i64(w, eng->opts.max_infect_delay_us);
	wcs_state_put_i64(w, eng->opts.skew_tolerance_us);
	wcs_state_put_u32(w, (uint32_t)eng->npaths);
	for (i = 0; i < eng->npaths; i++) {
		wcs_state_put_str(w, eng->paths[i]);
		wcs_state_put_u8(
		    w, i < eng->nowners && eng->owners[i].host_log ? 1 : 0);
	}
	n = clock_count(eng->clocks);
	wcs_state_put_u32(w, (uint32_t)n);
	for (i = 0; i < n; i++) {
		if ((m = clock_machine(eng->clocks, (uint32_t)i, &input)) !=
		    NULL) {
			wcs_state_put_u8(w, CLOCK_IS_MACHINE);
			wcs_state_put_str(w, m);
		} else {
			wcs_state_put_u8(w, CLOCK_IS_INPUT);
			wcs_state_put_u32(w, input);
		}
	}
	wcs_state_put_u64(w, eng->unattributed);
	wcs_state_put_u64(w, eng->hosts.untracked);
	wcs_state_put_u32(w, (uint32_t)eng->nks);
	for (i = 0; i < eng->nks; i++) {
		wcs_state_put_str(w, eng->ks[i].rule->id);
		wcs_state_put_i64(w, eng->ks[i].first_answer);
		wcs_state_put_i64(w, eng->ks[i].last_nx);
	}
	if ((rc = wcs_state_end(w)) != WCS_OK ||
	    (rc = save_records(eng, w)) != WCS_OK ||
	    (rc = engine_save_hosts(eng, w)) != WCS_OK)
		return (rc);
	return (fanout_save(eng->fanout, w));
}

static bool
same_cidr(const struct wcs_cidr *a, const struct wcs_addr *net, uint8_t prefix)
{
	return (a->prefix == prefix && wcs_addr_equal(&a->net, net));
}

/* The options that shape what is accumulated must be the engine's own. */
static int
check_options(struct wcs_engine *eng, struct wcs_state_cursor *c)
{
	struct wcs_addr net;
	const uint8_t *b;
	uint32_t n, i;
	uint8_t prefix;
	bool same;

	n = wcs_state_get_count(c, 1u << 16, 18);
	same = n == eng->opts.ninternal;
	for (i = 0; i < n; i++) {
		memset(&net, 0, sizeof(net));
		net.family = wcs_state_get_u8(c);
		if ((b = wcs_state_get_bytes(c, 16)) == NULL)
			break;
		memcpy(net.bytes, b, 16);
		prefix = wcs_state_get_u8(c);
		if (same && !same_cidr(&eng->opts.internal[i], &net, prefix))
			same = false;
	}
	if (wcs_state_get_u64(c) != eng->opts.fanout_threshold ||
	    wcs_state_get_i64(c) != eng->opts.fanout_window_us ||
	    wcs_state_get_i64(c) != eng->opts.max_infect_delay_us ||
	    wcs_state_get_i64(c) != eng->opts.skew_tolerance_us)
		same = false;
	if (!wcs_state_cursor_ok(c))
		return (wcs_state_cursor_error(eng->ctx, c, "cut short"));
	if (!same)
		return (wcs_state_cursor_error(eng->ctx, c,
		    "made with other options (internal networks, fan-out "
		    "window or threshold, delays) than this run's"));
	return (WCS_OK);
}

/* A length-prefixed string in place; NULL when malformed. */
static const char *
get_str(struct wcs_state_cursor *c, size_t *len)
{
	*len = wcs_state_get_count(c, NAME_MAX_LEN, 1);
	return (wcs_state_get_bytes(c, *len));
}

/* Map the state's inputs to the engine's, by path. */
static int
map_inputs(struct wcs_engine *eng, struct wcs_state_cursor *c, uint32_t **imap,
    uint32_t *ni)
{
	const char *p;
	size_t len, j;
	uint32_t i;
	uint8_t host_log;
	char why[160];

	*ni = wcs_state_get_count(c, INPUTS_MAX, 5);
	if (!wcs_state_cursor_ok(c))
		return (wcs_state_cursor_error(eng->ctx, c, "bad input count"));
	if ((*imap = wcs_calloc(eng->ctx, *ni + 1, sizeof(**imap))) == NULL)
		return (WCS_FATAL);
	for (i = 0; i < *ni; i++) {
		p = get_str(c, &len);
		host_log = wcs_state_get_u8(c);
		if (p == NULL || !wcs_state_cursor_ok(c) || host_log > 1)
			return (
			    wcs_state_cursor_error(eng->ctx, c, "bad input"));
		for (j = 0; j < eng->npaths; j++) {
			if (strlen(eng->paths[j]) == len &&
			    memcmp(eng->paths[j], p, len) == 0)
				break;
		}
		if (j == eng->npaths || j >= UINT32_MAX) {
			(void)snprintf(why, sizeof(why),
			    "input %.*s is not among this run's inputs",
			    (int)(len > 100 ? 100 : len), p);
			return (wcs_state_cursor_error(eng->ctx, c, why));
		}
		/* The top bit: a host's own log, marked once the clocks are
		 * mapped (mark_host_logs), so that marking it, which makes
		 * its clock, does not number the clocks otherwise than the
		 * state does. */
		(*imap)[i] = (uint32_t)j | (host_log ? HOST_LOG_BIT : 0);
	}
	return (WCS_OK);
}

static void
mark_host_logs(struct wcs_engine *eng, uint32_t *imap, uint32_t ni)
{
	uint32_t i;

	for (i = 0; i < ni; i++) {
		if ((imap[i] & HOST_LOG_BIT) != 0) {
			imap[i] &= ~HOST_LOG_BIT;
			wcs_engine_input_host_log(eng, imap[i]);
		}
	}
}

/* Map the state's clocks to the engine's: by machine name, or input. */
static int
map_clocks(struct wcs_engine *eng, struct wcs_state_cursor *c,
    const uint32_t *imap, uint32_t ni, uint32_t **cmap, uint32_t *nc)
{
	char name[NAME_MAX_LEN + 1];
	const char *p;
	uint32_t i, input, id;
	size_t len;
	uint8_t kind;

	*nc = wcs_state_get_count(c, CLOCK_MAX, 5);
	if (!wcs_state_cursor_ok(c))
		return (wcs_state_cursor_error(eng->ctx, c, "bad clock count"));
	if ((*cmap = wcs_calloc(eng->ctx, *nc + 1, sizeof(**cmap))) == NULL)
		return (WCS_FATAL);
	for (i = 0; i < *nc; i++) {
		kind = wcs_state_get_u8(c);
		if (kind == CLOCK_IS_MACHINE) {
			p = get_str(c, &len);
			/* As clock_of_machine keeps it: a first label. */
			if (p == NULL || len == 0 || memchr(p, '.', len) ||
			    memchr(p, '\0', len))
				return (wcs_state_cursor_error(
				    eng->ctx, c, "bad machine name"));
			memcpy(name, p, len);
			name[len] = '\0';
			id = clock_of_machine(eng->clocks, name);
		} else if (kind == CLOCK_IS_INPUT) {
			input = wcs_state_get_u32(c);
			if (!wcs_state_cursor_ok(c) || input >= ni)
				return (wcs_state_cursor_error(
				    eng->ctx, c, "bad clock input"));
			id = clock_of_input(
			    eng->clocks, imap[input] & ~HOST_LOG_BIT);
		} else {
			return (wcs_state_cursor_error(
			    eng->ctx, c, "bad clock kind"));
		}
		if (id == CLOCK_NONE)
			return (WCS_FATAL);
		(*cmap)[i] = id;
	}
	return (WCS_OK);
}

/*
 * The counts and the kill switch's answers over time: sums, and the
 * earliest answer and latest NXDOMAIN per rule, found by its id among
 * this run's rules.  Past KS_TIMELINES rules, as rule_hit: not kept.
 */
static int
load_counts(struct wcs_engine *eng, struct wcs_state_cursor *c)
{
	const struct wcs_rule_info *rule;
	struct ks_timeline *k;
	uint64_t unattributed, untracked;
	int64_t answer, nx;
	const char *id;
	size_t len, i, j, nrules = wcs_rules_count(eng->rules);
	uint32_t n, r;
	char why[160];

	unattributed = wcs_state_get_u64(c);
	untracked = wcs_state_get_u64(c);
	n = wcs_state_get_count(c, 1u << 16, 20);
	for (r = 0; r < n; r++) {
		id = get_str(c, &len);
		answer = wcs_state_get_i64(c);
		nx = wcs_state_get_i64(c);
		if (id == NULL || !wcs_state_cursor_ok(c) ||
		    !engine_time_ok(answer) || !engine_time_ok(nx))
			return (wcs_state_cursor_error(
			    eng->ctx, c, "bad kill-switch timeline"));
		for (i = 0; i < nrules; i++) {
			rule = wcs_rules_info(eng->rules, i);
			if (strlen(rule->id) == len &&
			    memcmp(rule->id, id, len) == 0)
				break;
		}
		if (i == nrules) {
			(void)snprintf(why, sizeof(why),
			    "rule %.*s is not among this run's rules",
			    (int)(len > 60 ? 60 : len), id);
			return (wcs_state_cursor_error(eng->ctx, c, why));
		}
		for (j = 0, k = NULL; j < eng->nks; j++) {
			if (eng->ks[j].rule == rule)
				k = &eng->ks[j];
		}
		if (k == NULL) {
			if (eng->nks == KS_TIMELINES)
				continue;
			k = &eng->ks[eng->nks++];
			k->rule = rule;
			k->first_answer = k->last_nx = WCS_TIME_NONE;
		}
		note_min(&k->first_answer, answer);
		note_max(&k->last_nx, nx);
	}
	if (!wcs_state_cursor_done(c))
		return (wcs_state_cursor_error(
		    eng->ctx, c, "bytes after the kill-switch timelines"));
	eng->unattributed += unattributed;
	eng->hosts.untracked += untracked;
	return (WCS_OK);
}

/* Add the state's records to the engine's: a union; copies by input. */
static int
load_records(struct wcs_engine *eng, struct wcs_state_cursor *c,
    uint32_t version, const uint32_t *imap, uint32_t ni)
{
	uint64_t k, unchecked;
	uint32_t n, i;
	bool dup;
	int rc;

	if (version != WCS_ENGINE_STATE_VERSION)
		return (wcs_state_cursor_error(eng->ctx, c, "other version"));
	unchecked = wcs_state_get_u64(c);
	n = wcs_state_get_count(c, UINT32_MAX, 8);
	for (i = 0; i < n; i++) {
		/* Fingerprints are odd (never 0, the empty slot). */
		if (((k = wcs_state_get_u64(c)) & 1) == 0)
			return (wcs_state_cursor_error(
			    eng->ctx, c, "bad record fingerprint"));
		if ((rc = engine_seen_add(eng, k, &dup)) != WCS_OK)
			return (rc);
		if (dup)
			eng->seen.in_two_states++;
	}
	n = wcs_state_get_count(c, ni, 8);
	for (i = 0; i < n; i++) {
		k = wcs_state_get_u64(c);
		if (k != 0 && wcs_state_cursor_ok(c) &&
		    (rc = engine_seen_dups(eng, imap[i], k)) != WCS_OK)
			return (rc);
	}
	if (!wcs_state_cursor_done(c))
		return (wcs_state_cursor_error(eng->ctx, c, "malformed"));
	eng->seen.unchecked += unchecked;
	return (WCS_OK);
}

static bool
identity(const uint32_t *map, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (map[i] != i)
			return (false);
	}
	return (true);
}

static bool
fanout_empty(const struct fanout *f)
{
	size_t npairs;

	(void)fanout_pairs(f, &npairs);
	return (
	    fanout_naddrs(f) == 0 && fanout_nsources(f) == 0 && npairs == 0);
}

static int
missing(struct wcs_engine *eng, const struct wcs_state *st, const char *sec)
{
	wcs_set_error(eng->ctx, WCS_ECORRUPT, "%s: no %s section in the state",
	    wcs_state_name(st), sec);
	return (WCS_FAILED);
}

int
wcs_engine_load_state(struct wcs_engine *eng, const struct wcs_state *st)
{
	struct wcs_state_cursor c, fc, rc_, hc;
	struct fanout *f = NULL;
	uint32_t *imap = NULL, *cmap = NULL, ni = 0, nc = 0, version;
	char why[96];
	int rc;

	if (eng->finished) {
		wcs_set_error(eng->ctx, EINVAL,
		    "%s: a state is loaded before the engine concludes",
		    wcs_state_name(st));
		return (WCS_FAILED);
	}
	if (wcs_state_section(st, WCS_STATE_SEC_ENGINE, &c, &version) != WCS_OK)
		return (missing(eng, st, "engine"));
	if (wcs_state_section(st, WCS_STATE_SEC_FANOUT, &fc, &version) !=
	    WCS_OK)
		return (missing(eng, st, "fanout"));
	if (wcs_state_section(st, WCS_STATE_SEC_RECORDS, &rc_, &version) !=
	    WCS_OK)
		return (missing(eng, st, "records"));
	if (wcs_state_section(st, WCS_STATE_SEC_HOSTS, &hc, &version) != WCS_OK)
		return (missing(eng, st, "hosts"));
	(void)wcs_state_section(st, WCS_STATE_SEC_ENGINE, &c, &version);
	if (version != WCS_ENGINE_STATE_VERSION) {
		(void)snprintf(why, sizeof(why),
		    "section version %u; this wcscan reads version %u", version,
		    WCS_ENGINE_STATE_VERSION);
		return (wcs_state_cursor_error(eng->ctx, &c, why));
	}
	if ((rc = check_options(eng, &c)) != WCS_OK ||
	    (rc = map_inputs(eng, &c, &imap, &ni)) != WCS_OK ||
	    (rc = map_clocks(eng, &c, imap, ni, &cmap, &nc)) != WCS_OK)
		goto out;
	mark_host_logs(eng, imap, ni);
	if ((rc = load_counts(eng, &c)) != WCS_OK)
		goto out;
	(void)wcs_state_section(st, WCS_STATE_SEC_RECORDS, &rc_, &version);
	if ((rc = load_records(eng, &rc_, version, imap, ni)) != WCS_OK)
		goto out;
	(void)wcs_state_section(st, WCS_STATE_SEC_HOSTS, &hc, &version);
	if ((rc = engine_load_hosts(eng, &hc, version, imap, ni, cmap, nc)) !=
	    WCS_OK)
		goto out;
	(void)wcs_state_section(st, WCS_STATE_SEC_FANOUT, &fc, &version);
	if ((rc = fanout_load(eng->ctx, eng->opts.internal, eng->opts.ninternal,
		 &fc, version, &f)) != WCS_OK)
		goto out;
	/*
	 * The first state into an engine that has read nothing, numbered as
	 * it: its fan-out is taken as it is, not merged entry by entry (a
	 * nightly sweep's state is most of what it concludes on).
	 */
	if (fanout_empty(eng->fanout) && fanout_untracked(eng->fanout) == 0 &&
	    identity(cmap, nc) && identity(imap, ni)) {
		fanout_free(eng->fanout);
		eng->fanout = f;
		f = NULL;
		fanout_set_clock_key(eng->fanout, clock_key, eng->clocks);
		rc = WCS_OK;
	} else if ((rc = fanout_merge(eng->fanout, f, cmap, nc, imap, ni)) ==
		   WCS_FAILED)
		wcs_set_error(eng->ctx, WCS_ECORRUPT, "%s: %s",
		    wcs_state_name(st),
		    "fan-out state names a clock or input "
		    "its engine section does not list");
out:
	fanout_free(f);
	wcs_free(eng->ctx, imap);
	wcs_free(eng->ctx, cmap);
	return (rc);
}
