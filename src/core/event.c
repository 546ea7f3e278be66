/*
 * Event model helpers.
 */
#include <string.h>

#include "wcscan/event.h"
#include "wcscan/timeutil.h"

void
wcs_event_clear(struct wcs_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_us = WCS_TIME_NONE;
	ev->rcode = WCS_RCODE_NONE;
}

const char *
wcs_event_kind_name(enum wcs_event_kind kind)
{
	static const char *const names[WCS_EV__COUNT] = { "none", "conn", "dns",
		"service", "process", "logon", "file", "smb" };

	if ((unsigned)kind >= WCS_EV__COUNT)
		return ("none");
	return (names[kind]);
}

const char *
wcs_action_name(enum wcs_action action)
{
	switch (action) {
	case WCS_ACT_ALLOW:
		return ("allow");
	case WCS_ACT_DENY:
		return ("deny");
	default:
		return ("unknown");
	}
}
