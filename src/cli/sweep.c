/*
 * Incremental sweeps (--state FILE): the verdicts a sweep ends with are
 * kept in the state it saves (section "sweep"), so that the next sweep
 * can say which hosts are flagged anew.  Layout: u32 n, each: the host's
 * label (u32 length, bytes) and u8 its verdict.
 */
#include <stdlib.h>
#include <string.h>

#include "wcscan/statefile.h"
#include "cli.h"

#define SWEEP_VERSION 1
#define LABEL_MAX 512

struct sweep_entry {
	char *label;
	enum wcs_verdict verdict;
};

static int
entry_cmp(const void *a, const void *b)
{
	const struct sweep_entry *x = a, *y = b;

	return (strcmp(x->label, y->label));
}

int
wcs_sweep_save(struct wcs_state_writer *w, const struct wcs_result *res)
{
	char lb[LABEL_MAX];
	size_t i, n = 0;
	int rc;

	if ((rc = wcs_state_begin(
		 w, WCS_STATE_SEC_SWEEP, "sweep", SWEEP_VERSION)) != WCS_OK)
		return (rc);
	for (i = 0; i < res->nhosts; i++)
		n += res->hosts[i].verdict != WCS_VERDICT_CLEAN;
	wcs_state_put_u32(w, (uint32_t)n);
	for (i = 0; i < res->nhosts; i++) {
		if (res->hosts[i].verdict == WCS_VERDICT_CLEAN)
			continue;
		wcs_state_put_str(
		    w, wcs_host_label(&res->hosts[i], lb, sizeof(lb)));
		wcs_state_put_u8(w, (uint8_t)res->hosts[i].verdict);
	}
	return (wcs_state_end(w));
}

int
wcs_sweep_save_prev(struct wcs_state_writer *w, const struct wcs_sweep *sw)
{
	size_t i;
	int rc;

	if ((rc = wcs_state_begin(
		 w, WCS_STATE_SEC_SWEEP, "sweep", SWEEP_VERSION)) != WCS_OK)
		return (rc);
	wcs_state_put_u32(w, (uint32_t)sw->nprev);
	for (i = 0; i < sw->nprev; i++) {
		wcs_state_put_str(w, sw->prev[i].label);
		wcs_state_put_u8(w, (uint8_t)sw->prev[i].verdict);
	}
	return (wcs_state_end(w));
}

void
wcs_sweep_free(struct wcs_ctx *ctx, struct wcs_sweep *sw)
{
	size_t i;

	for (i = 0; i < sw->nprev; i++)
		wcs_free(ctx, sw->prev[i].label);
	wcs_free(ctx, sw->prev);
	wcs_free(ctx, sw->hosts);
	wcs_free(ctx, sw->was);
	memset(sw, 0, sizeof(*sw));
}

int
wcs_sweep_load(
    struct wcs_ctx *ctx, const struct wcs_state *st, struct wcs_sweep *sw)
{
	struct wcs_state_cursor c;
	const char *p;
	uint32_t version, n, i, len;
	uint8_t v;

	if (wcs_state_section(st, WCS_STATE_SEC_SWEEP, &c, &version) != WCS_OK)
		return (WCS_OK); /* saved by --save-state: no verdicts */
	if (version != SWEEP_VERSION)
		return (wcs_state_cursor_error(ctx, &c, "other version"));
	n = wcs_state_get_count(&c, UINT32_MAX, 5);
	if ((sw->prev = wcs_calloc(ctx, (size_t)n + 1, sizeof(*sw->prev))) ==
	    NULL)
		return (WCS_FATAL);
	for (i = 0; i < n; i++) {
		len = wcs_state_get_count(&c, LABEL_MAX, 1);
		p = wcs_state_get_bytes(&c, len);
		v = wcs_state_get_u8(&c);
		if (p == NULL || !wcs_state_cursor_ok(&c) ||
		    v > WCS_VERDICT_INFECTED || memchr(p, '\0', len) != NULL)
			return (wcs_state_cursor_error(ctx, &c, "bad verdict"));
		if ((sw->prev[i].label = wcs_calloc(ctx, len + 1, 1)) == NULL)
			return (WCS_FATAL);
		memcpy(sw->prev[i].label, p, len);
		sw->prev[i].verdict = (enum wcs_verdict)v;
		sw->nprev++;
	}
	if (!wcs_state_cursor_done(&c))
		return (wcs_state_cursor_error(ctx, &c, "malformed"));
	qsort(sw->prev, sw->nprev, sizeof(*sw->prev), entry_cmp);
	sw->had_state = true;
	return (WCS_OK);
}

/* How severe a verdict is, for "flagged anew". */
static int
severity(enum wcs_verdict v)
{
	switch (v) {
	case WCS_VERDICT_INFECTED:
		return (4);
	case WCS_VERDICT_NEUTRALIZED:
		return (3);
	case WCS_VERDICT_SUSPICIOUS:
		return (2);
	case WCS_VERDICT_SCANNER:
	case WCS_VERDICT_EXPOSED:
		return (1);
	default:
		return (0);
	}
}

int
wcs_sweep_news(struct wcs_ctx *ctx, struct wcs_sweep *sw,
    const struct wcs_result *res, struct wcs_sweep_news *news)
{
	struct sweep_entry key, *e;
	enum wcs_verdict was;
	char lb[LABEL_MAX];
	size_t i, n = 0;
	int s;

	memset(news, 0, sizeof(*news));
	news->first = !sw->had_state;
	if ((sw->hosts = wcs_calloc(
		 ctx, res->nhosts + 1, sizeof(*sw->hosts))) == NULL ||
	    (sw->was = wcs_calloc(ctx, res->nhosts + 1, sizeof(*sw->was))) ==
		NULL)
		return (WCS_FATAL);
	/* Most severe first; within a verdict, the report's order. */
	for (s = 4; s >= 2; s--) {
		for (i = 0; i < res->nhosts; i++) {
			if (severity(res->hosts[i].verdict) != s)
				continue;
			key.label = (char *)wcs_host_label(
			    &res->hosts[i], lb, sizeof(lb));
			/* (no earlier sweep: prev is NULL, bsearch's
			 * argument must not be) */
			e = sw->nprev == 0 ? NULL :
					     bsearch(&key, sw->prev, sw->nprev,
						 sizeof(*sw->prev), entry_cmp);
			was = e != NULL ? e->verdict : WCS_VERDICT_CLEAN;
			if (severity(was) >= s)
				continue;
			sw->hosts[n] = &res->hosts[i];
			sw->was[n++] = was;
		}
	}
	news->hosts = sw->hosts;
	news->was = sw->was;
	news->nhosts = n;
	return (WCS_OK);
}
