/*
 * Event model helpers.
 */
#include <string.h>

#include "wcscan/core.h"
#include "wcscan/event.h"
#include "wcscan/pool.h"
#include "wcscan/timeutil.h"

struct wcs_event_batch {
	struct wcs_ctx *ctx;
	struct wcs_pool *strings;
	struct wcs_event *ev;
	size_t n, cap;
};

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

struct wcs_event_batch *
wcs_event_batch_new(struct wcs_ctx *ctx, size_t cap)
{
	struct wcs_event_batch *b;

	if ((b = wcs_calloc(ctx, 1, sizeof(*b))) == NULL)
		return (NULL);
	b->ctx = ctx;
	b->cap = cap != 0 ? cap : 1;
	/* Not zeroed: an event is written whole before it is read. */
	if ((b->strings = wcs_pool_new(ctx, 0)) == NULL ||
	    (b->ev = wcs_reallocarray(ctx, NULL, b->cap, sizeof(*b->ev))) ==
		NULL) {
		wcs_event_batch_free(b);
		return (NULL);
	}
	return (b);
}

void
wcs_event_batch_free(struct wcs_event_batch *b)
{
	if (b == NULL)
		return;
	wcs_pool_free(b->strings);
	wcs_free(b->ctx, b->ev);
	wcs_free(b->ctx, b);
}

void
wcs_event_batch_clear(struct wcs_event_batch *b)
{
	b->n = 0;
	wcs_pool_reset(b->strings);
}

static bool
batch_copy(struct wcs_event_batch *b, const char **s)
{
	if (*s == NULL)
		return (true);
	return ((*s = wcs_pool_strdup(b->strings, *s)) != NULL);
}

struct wcs_event *
wcs_event_batch_next(struct wcs_event_batch *b)
{
	return (b->n < b->cap ? &b->ev[b->n] : NULL);
}

bool
wcs_event_batch_keep(struct wcs_event_batch *b)
{
	struct wcs_event *e;

	if (b->n == b->cap)
		return (false);
	e = &b->ev[b->n];
	if (!batch_copy(b, &e->host) || !batch_copy(b, &e->user) ||
	    !batch_copy(b, &e->image) || !batch_copy(b, &e->cmdline) ||
	    !batch_copy(b, &e->parent) || !batch_copy(b, &e->name) ||
	    !batch_copy(b, &e->target) || !batch_copy(b, &e->qname) ||
	    !batch_copy(b, &e->answer) || !batch_copy(b, &e->channel))
		return (false);
	b->n++;
	return (true);
}

bool
wcs_event_batch_add(struct wcs_event_batch *b, const struct wcs_event *ev)
{
	struct wcs_event *e;

	if ((e = wcs_event_batch_next(b)) == NULL)
		return (false);
	*e = *ev;
	return (wcs_event_batch_keep(b));
}

bool
wcs_event_batch_full(const struct wcs_event_batch *b)
{
	return (b->n == b->cap);
}

size_t
wcs_event_batch_count(const struct wcs_event_batch *b)
{
	return (b->n);
}

const struct wcs_event *
wcs_event_batch_get(const struct wcs_event_batch *b, size_t i)
{
	return (i < b->n ? &b->ev[i] : NULL);
}
