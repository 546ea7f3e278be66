/*
 * Every core: an engine per reader worker for the inputs whose lines
 * stand alone, merged into the caller's engine when the reading is over
 * (wcscan/driver.h, "Every core").
 *
 * Only those inputs spread: an event record may come twice (a host's
 * export and a collector's) and one engine drops the copy by its record
 * id, which two engines would count twice; a host's own firewall log
 * votes for its owner's address within one engine.  Both kinds stay with
 * the caller's engine.  The merge goes through the state format
 * (engine_state.h), which is exact and order-free, so the report is the
 * one a single engine gives.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wcscan/engine_state.h"
#include "wcscan/rules.h"
#include "wcscan/statefile.h"
#include "driver_private.h"
/* A worker's engine must be made with the caller's engine's options and
 * rules, which the engine keeps (defaults filled in) but does not
 * export. */
#include "../engine/engine_private.h"

bool
drv_spreads(const struct wcs_driver *drv, const struct wcs_reader_ops *ops)
{
	return (drv->spreading && (ops->flags & WCS_READER_SPLITTABLE) != 0 &&
		(ops->flags & WCS_READER_HOSTLOG) == 0);
}

/* Worker w's engine, made the first time it is needed. */
static struct worker_engine *
worker_engine(struct wcs_driver *drv, size_t w)
{
	struct worker_engine *we = &drv->weng[w];
	const struct wcs_engine *ref = drv->eng;

	if (we->eng != NULL)
		return (we);
	wcs_ctx_init(&we->ctx, drv->ctx->alloc);
	if (we->rules == NULL &&
	    (we->rules = wcs_rules_clone(&we->ctx, ref->rules)) == NULL)
		goto fail;
	if ((we->eng = wcs_engine_new(&we->ctx, &ref->opts, we->rules)) == NULL)
		goto fail;
	wcs_engine_set_inputs(we->eng, (const char *const *)drv->paths, drv->n);
	return (we);
fail:
	wcs_set_error(
	    drv->ctx, we->ctx.errnum, "%s", wcs_error_string(&we->ctx));
	return (NULL);
}

/* On the worker's thread: an event of a spread input to its engine. */
static int
spread_event(const struct wcs_event *ev, void *arg)
{
	const struct spread_to *to = arg;
	const struct wcs_driver *drv = to->drv;

	/* Read again whole: what a state read before is in the engine. */
	if (ev->input < drv->n && ev->line <= drv->pend[ev->input].skip_lines)
		return (WCS_OK);
	if (wcs_engine_feed(to->eng, ev) == WCS_OK)
		return (WCS_OK);
	wcs_set_error(
	    to->ctx, to->eng_ctx->errnum, "%s", wcs_error_string(to->eng_ctx));
	return (WCS_FATAL);
}

int
drv_spread_group(struct wcs_driver *drv, struct member *mem,
    struct wcs_feed_input *fi, struct wcs_feed_own *own, size_t n)
{
	struct worker_engine *we;
	size_t k, nw, nspread = 0;

	/* As wcs_feed_group gives the members to its workers. */
	nw = drv->threads < n ? drv->threads : n;
	for (k = 0; k < n; k++) {
		fi[k].rc = WCS_FATAL; /* unless wcs_feed_group reads them */
		if (drv->pend[mem[k].index].spreadable)
			nspread++;
	}
	/* One such member alone gains nothing from an engine of its own:
	 * it would only cost the memory of a second engine, and the merge. */
	for (k = 0; k < n; k++) {
		own[k].cb = NULL;
		own[k].arg = NULL;
		drv->pend[mem[k].index].spread =
		    drv->spreading && nspread >= 2 &&
		    drv->pend[mem[k].index].spreadable;
		if (!drv->pend[mem[k].index].spread)
			continue;
		if ((we = worker_engine(drv, k % nw)) == NULL)
			return (WCS_FATAL);
		mem[k].to = (struct spread_to){ .drv = drv,
			.eng = we->eng,
			.eng_ctx = &we->ctx,
			.ctx = &mem[k].ctx };
		own[k].cb = spread_event;
		own[k].arg = &mem[k].to;
	}
	return (WCS_OK);
}

/* Worker engine w's state, added to the caller's engine. */
static int
merge_one(struct wcs_driver *drv, size_t w)
{
	struct worker_engine *we = &drv->weng[w];
	struct wcs_state_writer *wr;
	struct wcs_state *st = NULL;
	const void *data;
	char name[64];
	size_t len;
	int rc;

	if ((wr = wcs_state_writer_new(&we->ctx)) == NULL)
		goto fail;
	if ((rc = wcs_engine_save_state(we->eng, wr)) != WCS_OK ||
	    (data = wcs_state_writer_data(wr, &len)) == NULL)
		goto fail;
	/* The engine's memory back before its state is copied. */
	wcs_engine_free(we->eng);
	we->eng = NULL;
	(void)snprintf(name, sizeof(name), "reader worker %zu", w + 1);
	rc = wcs_state_parse(&we->ctx, name, data, len, &st);
	wcs_state_writer_free(wr);
	wr = NULL;
	if (rc != WCS_OK)
		goto fail;
	rc = wcs_engine_load_state(drv->eng, st);
	wcs_state_free(st);
	if (rc != WCS_OK) {
		/* The caller's engine's ctx says why; drv's may be another. */
		if (drv->eng->ctx != drv->ctx)
			wcs_set_error(drv->ctx, drv->eng->ctx->errnum, "%s",
			    wcs_error_string(drv->eng->ctx));
		return (WCS_FATAL);
	}
	return (WCS_OK);
fail:
	wcs_state_writer_free(wr);
	wcs_set_error(drv->ctx, we->ctx.errnum != 0 ? we->ctx.errnum : EINVAL,
	    "%s", wcs_error_string(&we->ctx));
	return (WCS_FATAL);
}

int
drv_spread_merge(struct wcs_driver *drv)
{
	size_t w;
	int rc;

	for (w = 0; w < WCS_FEED_GROUP; w++) {
		if (drv->weng[w].eng == NULL)
			continue;
		if ((rc = merge_one(drv, w)) != WCS_OK)
			return (rc);
	}
	return (WCS_OK);
}

int
drv_spread_check(struct wcs_driver *drv)
{
	const struct wcs_engine *e;
	size_t w;

	for (w = 0; w < WCS_FEED_GROUP && drv->spreading; w++) {
		if ((e = drv->weng[w].eng) == NULL)
			continue;
		/* Capped, each engine would keep its own share up to the caps:
		 * the memory of one engine times the workers, and what is
		 * kept past the caps no longer one engine's. */
		if (wcs_engine_untracked(e) > 0 ||
		    wcs_engine_untracked_hosts(e) > 0)
			drv->spreading = false;
	}
	return (drv->spreading ? WCS_OK : drv_spread_merge(drv));
}

void
drv_spread_free(struct wcs_driver *drv)
{
	size_t w;

	for (w = 0; w < WCS_FEED_GROUP; w++) {
		wcs_engine_free(drv->weng[w].eng);
		drv->weng[w].eng = NULL;
		wcs_rules_free(drv->weng[w].rules);
		drv->weng[w].rules = NULL;
	}
}
