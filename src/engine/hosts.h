/*
 * The engine's host table (engine-private).  A host is first known by an
 * address or by a computer name; joins (4624, Sysmon 3, the SMB log) tie
 * names to addresses, and wcs_engine_finish folds name-only hosts into
 * the address they were seen with, so that one host is one row.
 */
#ifndef WCSCAN_ENGINE_HOSTS_H
#define WCSCAN_ENGINE_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wcscan/addr.h"
#include "wcscan/engine.h"
#include "wcscan/pool.h"
#include "wcscan/result.h"
#include "wcscan/rules.h"
#include "fanout.h"

/*
 * Caps: a hostile log can name millions of forged addresses and
 * computers.  Past HOST_TABLE_MAX hosts, events about new hosts are
 * counted as untracked (the report says how many); hosts seen only making
 * web requests (the first sign a kill-switch fetch leaves) may take only
 * HOST_WEB_ONLY_MAX of those rows.
 */
#define HOST_TABLE_MAX WCS_ENGINE_HOSTS_MAX
#define HOST_WEB_ONLY_MAX WCS_ENGINE_WEB_ONLY_MAX
#define HOST_EVIDENCE_MAX 32 /* kept per host; the total is counted */
#define HOST_NAMES_MAX 8
#define HOST_JOINS_MAX 8
#define HOST_IPS_MAX 4 /* more addresses of one computer (multi-homed) */
#define HOST_WEB_MAX 8 /* web activity kept as merged intervals */
#define HOST_KS_CLOCKS 4 /* clocks a first lookup is kept on */
#define HOST_CLAIMS_MAX 4 /* addresses a name is claimed at, kept */

/*
 * A name claimed at an address.  Strong: the logged machine says so of
 * itself (Sysmon 3: its Computer and its own end of the connection).
 * Weak: the remote party says so (NTLM WorkstationName in 4624, the SMB
 * log's ComputerName), which an attacker can forge.
 */
struct host_claim {
	struct host *addr; /* the address's row */
	/* The claim said, in words with its source: of the strongest kind
	 * seen, the one read from the least (input, line), whatever the
	 * order of reading. */
	const char *why;
	uint64_t why_line;
	uint32_t why_input;
	uint32_t count;
	bool strong;
};

/* A 445 contact of a host's sweep of its own /24, for estimating the ones
 * no log kept. */
struct sweep_point {
	int64_t t; /* on the reference clock */
	const struct fo_pair *pair;
	uint32_t net; /* the destination's /24 */
	uint8_t octet; /* the destination's last byte */
};

struct host {
	char *key; /* "a:<address>" or "n:<short name>" */
	struct wcs_addr ip;
	/* Lists allocated on first use (most hosts have none); the counts
	 * are below with the other small fields. */
	struct wcs_addr *more_ips; /* HOST_IPS_MAX */
	const char **names; /* HOST_NAMES_MAX */
	const char **joins; /* why a name was joined; HOST_JOINS_MAX */
	struct host_claim *claims; /* a name's: where it was claimed */
	struct host *owner; /* an address's: the name strongly claiming it */
	struct host *claimed_by; /* an address's: the first name claimed */
	struct wcs_evidence *evidence; /* grown up to HOST_EVIDENCE_MAX */
	uint64_t evidence_total;
	int64_t first_evidence;
	int64_t first_strong; /* first startup/persistence/encryption */
	int64_t last_strong;
	/* Kill switch outcomes. */
	int64_t ks_first; /* first lookup */
	int64_t ks_answered; /* first NOERROR answer; NONE if none */
	/* Outbound web (80, 443/tcp) to public addresses: the worm fetches
	 * the kill-switch URL right after its lookup. */
	int64_t (*web)[2]; /* HOST_WEB_MAX */
	const struct wcs_rule_info *ks_rule; /* the first lookup's rule */
	/* The first lookup as each machine's log stamped it (the DNS
	 * server's, the host's Sysmon 22): one moment on two clocks. */
	struct host_ks_seen {
		uint32_t clock;
		int64_t first;
	} * ks_seen; /* HOST_KS_CLOCKS */
	struct host *alias; /* the host this one is (name -> address, or a
			       second address -> the first); folded at
			       finish */
	unsigned classes; /* bit per wcs_ioc_class seen */
	unsigned max_severity_strong;
	uint8_t nmore_ips, nnames, njoins, nclaims;
	uint8_t nevidence, evidence_cap, nweb, nks_seen;
	/* Index + 1 of the greatest evidence kept (greatest_evidence), 0
	 * when not known: set to 0 whenever an item is written or moved.
	 * A full host sees most new items only to drop them. */
	uint8_t greatest;
	bool ks_nxdomain;
	bool ks_presumed; /* answered judged from when the name resolved */
	bool smb1;
	bool contested; /* an address's: claimed by two names or more */
	bool folded;

	/* Decided at finish. */
	bool start_on_ref; /* start is on a reference clock (estimated) */
	bool infected_own; /* its own logs show the worm going on */
	bool inferred; /* infected, judged from its 445/tcp behaviour */
	bool net_signature; /* failed kill-switch lookup, then a sweep */
	bool graphed; /* its infector has been looked for */
	bool has_children; /* some host was given it as infector */
	bool burst_cached; /* burst is net_burst()'s answer; cleared when
			      addresses or fan-out change */
	bool edge_estimated; /* the contact itself was not logged */
	bool sweep_done;
	/* How sure the ranking is (roots): the margin to the next root and
	 * the clock uncertainty between the two. */
	bool rank_compared;
	bool rank_decided;
	enum wcs_verdict verdict;
	uint32_t live_pos; /* its place in the conclusion's list of hosts */
	uint32_t nsweep;
	unsigned descendants;
	unsigned rank;
	const struct fo_source_summary *fan;
	int64_t start; /* first sign the worm ran (skew-corrected) */
	int64_t sweep_start; /* a sweep not (yet) explained; NONE */
	int64_t burst;
	struct host *infected_by;
	int64_t edge_time;
	const struct fo_pair *edge_pair;
	struct sweep_point *sweep; /* its sweeps of its own /24s */
	int64_t rank_margin, rank_uncertainty;
	const char *rank_note;
	double score;
	const char *why_inferred;
};

struct host_table {
	struct wcs_ctx *ctx;
	struct wcs_pool *pool;
	struct host **slots;
	size_t cap, n;
	size_t nweb_only; /* rows made for web activity alone */
	uint64_t untracked; /* events about hosts past the caps */
	bool oom; /* a NULL below was out of memory, not a cap */
};

int host_table_init(
    struct host_table *t, struct wcs_ctx *ctx, struct wcs_pool *pool);
void host_table_fini(struct host_table *t);
/*
 * Find or add; NULL when the table is full (counted in untracked) or out
 * of memory (then oom is set).
 */
struct host *host_by_addr(struct host_table *t, const struct wcs_addr *a);
/* The same for a host seen only on the web: within HOST_WEB_ONLY_MAX. */
struct host *host_by_addr_web(struct host_table *t, const struct wcs_addr *a);
/* A name with a first label to key on (not "", ".corp", "$"). */
bool host_name_usable(const char *name);
struct host *host_by_name(struct host_table *t, const char *name);
/* Whether name's row has this key (a name row's names all key to it). */
bool host_name_keys_to(const char *name, const char *key);
/* Lookup only. */
struct host *host_find_addr(struct host_table *t, const struct wcs_addr *a);
/* The host h stands for after joins: the end of its alias chain. */
struct host *host_root(struct host *h);
/* The host's label in reports: its address, else its first name. */
const char *host_label(const struct host *h, char *buf, size_t len);
/*
 * A kill-switch lookup by rule at t (NULL: none): h keeps the rule of
 * its first lookup, of two at once the lesser id, whatever the order of
 * reading.  Called before h->ks_first takes t.
 */
void host_note_lookup_rule(
    struct host *h, const struct wcs_rule_info *rule, int64_t t);
/* Note the host's kill-switch lookup at t as clock stamped it. */
bool host_note_lookup(
    struct host_table *tab, struct host *h, uint32_t clock, int64_t t);
/* Add a reason a name or address was joined (false: out of memory);
 * past HOST_JOINS_MAX it is dropped. */
bool host_add_join(struct host_table *t, struct host *h, const char *why);
/* Add another address of the host (false: out of memory). */
bool host_add_ip(
    struct host_table *t, struct host *h, const struct wcs_addr *a);
/* Room for one more evidence item (false: out of memory). */
bool host_evidence_room(struct host_table *t, struct host *h);
/* Note outbound web activity at t (kept as a few merged intervals);
 * false when out of memory. */
bool host_note_web(struct host_table *t, struct host *h, int64_t ts);
/* The same for activity from a to b (a <= b): a saved interval. */
bool host_note_web_span(
    struct host_table *t, struct host *h, int64_t a, int64_t b);
/* The host with this key ("a:..." or "n:..."), if any. */
struct host *host_find_key(struct host_table *t, const char *key);
/* Add a display name if new; false when out of memory. */
bool host_add_name(struct host_table *t, struct host *h, const char *name);

/*
 * Evidence in the order reports list it and the engine keeps it: by
 * time, then where it was read, rule and detail (a total order, so that
 * which items are kept does not depend on the order logs are read in).
 */
int host_evidence_cmp(
    const struct wcs_evidence *x, const struct wcs_evidence *y);
/*
 * Put the hosts in the slots they would take inserted in key order, so
 * that walking the table visits them in an order that depends on the
 * hosts alone, not on the order they were first seen in.  False when out
 * of memory (the table is then unchanged).
 */
bool host_table_canonical(struct host_table *t);

#endif /* WCSCAN_ENGINE_HOSTS_H */
