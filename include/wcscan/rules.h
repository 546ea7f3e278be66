/*
 * IOC rules (module engine; the only user of PCRE2).  The language is
 * documented in wcscan-rules(5).  A rule set is loaded once at start and
 * matched against every event.  Not thread-safe: a thread uses a rule set
 * of its own (or wcs_rules_clone, later).
 */
#ifndef WCSCAN_RULES_H
#define WCSCAN_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "wcscan/core.h"
#include "wcscan/event.h"
#include "wcscan/result.h"

struct wcs_rules;

struct wcs_rule_info {
	const char *id;
	const char *description;
	enum wcs_ioc_class cls;
	int severity; /* 1 low .. 4 critical */
	const char *field; /* event field the pattern tests */
	const char *pattern;
	const char *reference;
	int64_t sinkhole; /* lookup rules: when the name began to resolve
			     (sinkholed); WCS_TIME_NONE when unknown */
	const char *file; /* where it was defined */
	unsigned line;
};

/* NULL (error in ctx) when out of memory. */
struct wcs_rules *wcs_rules_new(struct wcs_ctx *ctx);
/* Accepts NULL. */
void wcs_rules_free(struct wcs_rules *rules);

/*
 * Add the rules in a buffer/file/directory (*.rules files, in name order).
 * A rule whose id is already loaded replaces the earlier one.  Errors say
 * "file:line: offset N: message" and return WCS_FAILED; nothing of a bad
 * file is kept.
 */
int wcs_rules_load_buffer(
    struct wcs_rules *rules, const char *name, const char *buf, size_t len);
int wcs_rules_load_file(struct wcs_rules *rules, const char *path);
int wcs_rules_load_dir(struct wcs_rules *rules, const char *dir);

size_t wcs_rules_count(const struct wcs_rules *rules);
/* A hash of every rule file's name and text loaded, in load order: what
 * tells a run that the rules changed since a state was saved. */
uint64_t wcs_rules_digest(const struct wcs_rules *rules);
const struct wcs_rule_info *wcs_rules_info(
    const struct wcs_rules *rules, size_t i);

/* Called for each rule an event matches; detail is the field's value. */
typedef int (*wcs_rule_hit_cb)(const struct wcs_rule_info *rule,
    const struct wcs_event *ev, const char *detail, void *arg);
/* Returns WCS_OK, or what cb returned when it was not WCS_OK. */
int wcs_rules_match(struct wcs_rules *rules, const struct wcs_event *ev,
    wcs_rule_hit_cb cb, void *arg);

#endif /* WCSCAN_RULES_H */
