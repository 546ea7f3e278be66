/*
 * Fuzz target for the rule parser: the bytes are one rule file given to
 * wcs_rules_load_buffer.  Errors are expected and fine; a crash, a leak or
 * a rule set that cannot be freed is not.  The rules that load are matched
 * against one event, so that a pattern compiled from hostile text also
 * runs.  Replayed under ctest over tests/fuzz/corpus/rules/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
rules_hit(const struct wcs_rule_info *rule, const struct wcs_event *ev,
    const char *detail, void *arg)
{
	size_t *n = arg;

	(void)ev;
	*n += strlen(rule->id) + strlen(detail);
	return (WCS_OK);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct wcs_rule_info *ri;
	struct wcs_rules *rules;
	struct wcs_event ev;
	struct wcs_ctx ctx;
	size_t i, n = 0;

	wcs_ctx_init(&ctx, NULL);
	if ((rules = wcs_rules_new(&ctx)) == NULL)
		return (0);
	(void)wcs_rules_load_buffer(
	    rules, "fuzz.rules", (const char *)data, size);
	for (i = 0; i < wcs_rules_count(rules); i++) {
		ri = wcs_rules_info(rules, i);
		if (ri == NULL || ri->id == NULL)
			abort();
	}
	wcs_event_clear(&ev);
	ev.kind = WCS_EV_PROCESS;
	ev.image = "C:\\WINDOWS\\mssecsvc.exe";
	ev.cmdline = "C:\\WINDOWS\\mssecsvc.exe -m security";
	ev.host = "WS023";
	(void)wcs_rules_match(rules, &ev, rules_hit, &n);
	wcs_event_clear(&ev);
	ev.kind = WCS_EV_DNS;
	ev.qname = "www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com";
	(void)wcs_rules_match(rules, &ev, rules_hit, &n);
	wcs_rules_free(rules);
	return (0);
}
