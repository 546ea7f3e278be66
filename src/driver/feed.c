/*
 * Feeding the engine from several inputs at once.
 *
 * The engine is single-threaded and what it concludes can depend on the
 * order it sees events in (which evidence fills a host's bounded list,
 * which destinations a capped table keeps).  So the order is fixed by the
 * inputs alone: a group of inputs is read round robin, one batch of
 * WCS_FEED_BATCH events from each in turn, whether the batches are made
 * here (one thread) or by worker threads that parse ahead while this
 * thread feeds the engine.  Either way the engine sees the same sequence
 * and the report is byte for byte the same.
 *
 * Each job has its own wcs_ctx (errors, memory) and is only ever run by
 * one worker, so readers need no locking.  Batches own copies of their
 * strings (wcs_event_batch) and go back to their worker once fed; at most
 * WCS_FEED_DEPTH of them exist per input, which bounds the memory.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/driver.h"
#include "wcscan/event.h"
#include "wcscan/reader.h"

#define WCS_FEED_DEPTH 3

struct slot {
	struct wcs_feed_input *fi;
	struct wcs_event_batch *batch[WCS_FEED_DEPTH];
	int batch_rc[WCS_FEED_DEPTH]; /* fill's status for that batch */
	uint64_t batch_bytes[WCS_FEED_DEPTH]; /* input bytes read by then */
	unsigned head, nfull; /* ring of filled batches */
	bool finished; /* the worker made its last batch */
	bool exhausted; /* the consumer took the last batch */
	uint64_t bytes; /* as the consumer last saw them */
};

struct feed {
	struct slot *slots;
	size_t n;
	unsigned nworkers;
	pthread_mutex_t lock;
	pthread_cond_t filled; /* a batch is ready: wakes the consumer */
	pthread_cond_t freed; /* a batch came back: wakes the workers */
	bool abort; /* the consumer failed: workers stop */
};

struct worker {
	struct feed *feed;
	unsigned id;
};

static int
batch_add(const struct wcs_event *ev, void *arg)
{
	return (wcs_event_batch_add(arg, ev) ? WCS_OK : WCS_FATAL);
}

/* Under the lock: the next of this worker's inputs with room, or NULL. */
static struct slot *
worker_pick(struct feed *f, unsigned id, size_t *next, bool *all_done)
{
	size_t k, i;
	struct slot *s;

	*all_done = true;
	for (k = 0; k < f->n; k++) {
		i = (*next + k) % f->n;
		if (i % f->nworkers != id)
			continue;
		s = &f->slots[i];
		if (s->finished)
			continue;
		*all_done = false;
		if (s->nfull < WCS_FEED_DEPTH) {
			*next = i + 1;
			return (s);
		}
	}
	return (NULL);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct feed *f = w->feed;
	struct wcs_event_batch *b;
	struct slot *s;
	size_t next = 0;
	unsigned at;
	bool all_done;
	int rc;

	(void)pthread_mutex_lock(&f->lock);
	for (;;) {
		if (f->abort)
			break;
		s = worker_pick(f, w->id, &next, &all_done);
		if (s == NULL) {
			if (all_done)
				break;
			(void)pthread_cond_wait(&f->freed, &f->lock);
			continue;
		}
		at = (s->head + s->nfull) % WCS_FEED_DEPTH;
		b = s->batch[at];
		(void)pthread_mutex_unlock(&f->lock);

		wcs_event_batch_clear(b);
		rc =
		    wcs_read_job_fill(s->fi->job, batch_add, b, WCS_FEED_BATCH);

		(void)pthread_mutex_lock(&f->lock);
		s->batch_rc[at] = rc;
		s->batch_bytes[at] = wcs_read_job_input(s->fi->job)->raw_bytes;
		s->nfull++;
		if (rc != WCS_OK)
			s->finished = true;
		(void)pthread_cond_signal(&f->filled);
	}
	(void)pthread_mutex_unlock(&f->lock);
	return (NULL);
}

static void
update_progress(struct feed *f, const struct wcs_driver_hooks *hooks)
{
	uint64_t total = 0;
	size_t i;

	if (hooks == NULL || hooks->progress == NULL)
		return;
	for (i = 0; i < f->n; i++)
		total += f->slots[i].bytes;
	hooks->progress(hooks->arg, total);
}

/* A slot's last status, as the caller wants it. */
static void
slot_done(struct slot *s, int rc)
{
	s->exhausted = true;
	s->fi->rc = rc == WCS_EOF ? WCS_OK : rc;
}

static int
feed_threaded(struct wcs_ctx *ctx, struct feed *f, wcs_event_cb cb, void *arg,
    const struct wcs_driver_hooks *hooks)
{
	struct worker workers[WCS_FEED_GROUP];
	pthread_t tids[WCS_FEED_GROUP];
	struct wcs_event_batch *b;
	struct slot *s;
	unsigned i, started = 0;
	size_t k, left = f->n, e;
	int rc, status = WCS_OK;

	for (i = 0; i < f->nworkers; i++) {
		workers[i].feed = f;
		workers[i].id = i;
		if (pthread_create(&tids[i], NULL, worker_main, &workers[i]) !=
		    0)
			break;
		started++;
	}
	if (started < f->nworkers) {
		/* Inputs of a worker that never started would never come. */
		(void)pthread_mutex_lock(&f->lock);
		f->abort = true;
		(void)pthread_cond_broadcast(&f->freed);
		(void)pthread_mutex_unlock(&f->lock);
		wcs_set_error(ctx, EAGAIN, "cannot start a reader thread");
		status = WCS_FATAL;
		goto join;
	}
	for (k = 0; left > 0; k = (k + 1) % f->n) {
		s = &f->slots[k];
		if (s->exhausted)
			continue;
		(void)pthread_mutex_lock(&f->lock);
		while (s->nfull == 0)
			(void)pthread_cond_wait(&f->filled, &f->lock);
		b = s->batch[s->head];
		rc = s->batch_rc[s->head];
		s->bytes = s->batch_bytes[s->head];
		(void)pthread_mutex_unlock(&f->lock);

		for (e = 0; e < wcs_event_batch_count(b) && status == WCS_OK;
		     e++)
			status = cb(wcs_event_batch_get(b, e), arg);
		update_progress(f, hooks);

		(void)pthread_mutex_lock(&f->lock);
		s->head = (s->head + 1) % WCS_FEED_DEPTH;
		s->nfull--;
		if (rc == WCS_FATAL) { /* as feed_here: the run stops */
			s->fi->rc = WCS_FATAL;
			status = WCS_FATAL;
		}
		if (status != WCS_OK)
			f->abort = true;
		(void)pthread_cond_broadcast(&f->freed);
		(void)pthread_mutex_unlock(&f->lock);
		if (status != WCS_OK)
			break;
		if (rc != WCS_OK) {
			slot_done(s, rc);
			left--;
		}
	}
join:
	for (i = 0; i < started; i++)
		(void)pthread_join(tids[i], NULL);
	return (status);
}

static int
feed_here(struct feed *f, wcs_event_cb cb, void *arg,
    const struct wcs_driver_hooks *hooks)
{
	struct slot *s;
	size_t k, left = f->n;
	int rc;

	for (k = 0; left > 0; k = (k + 1) % f->n) {
		s = &f->slots[k];
		if (s->exhausted)
			continue;
		rc = wcs_read_job_fill(s->fi->job, cb, arg, WCS_FEED_BATCH);
		s->bytes = wcs_read_job_input(s->fi->job)->raw_bytes;
		update_progress(f, hooks);
		if (rc == WCS_FATAL) {
			/* The reason is in the job's ctx, unless cb failed. */
			s->fi->rc = WCS_FATAL;
			return (WCS_FATAL);
		}
		if (rc != WCS_OK) {
			slot_done(s, rc);
			left--;
		}
	}
	return (WCS_OK);
}

int
wcs_feed_group(struct wcs_ctx *ctx, struct wcs_feed_input *inputs, size_t n,
    unsigned threads, wcs_event_cb cb, void *arg,
    const struct wcs_driver_hooks *hooks)
{
	struct feed f;
	size_t i, j;
	int rc;

	if (n == 0)
		return (WCS_OK);
	if (n > WCS_FEED_GROUP)
		abort(); /* the caller's contract */
	/* Set first: the caller reads every rc, even when no slot could
	 * be allocated. */
	for (i = 0; i < n; i++)
		inputs[i].rc = WCS_OK;
	memset(&f, 0, sizeof(f));
	if ((f.slots = wcs_calloc(ctx, n, sizeof(*f.slots))) == NULL)
		return (WCS_FATAL);
	f.n = n;
	for (i = 0; i < n; i++)
		f.slots[i].fi = &inputs[i];
	f.nworkers = threads < n ? threads : (unsigned)n;
	if (threads <= 1) {
		rc = feed_here(&f, cb, arg, hooks);
		wcs_free(ctx, f.slots);
		return (rc);
	}
	rc = WCS_OK;
	for (i = 0; i < n && rc == WCS_OK; i++) {
		for (j = 0; j < WCS_FEED_DEPTH; j++) {
			/* The worker's ctx: only the worker adds to it. */
			f.slots[i].batch[j] =
			    wcs_event_batch_new(inputs[i].ctx, WCS_FEED_BATCH);
			if (f.slots[i].batch[j] == NULL) {
				wcs_set_error(ctx, ENOMEM, "out of memory");
				rc = WCS_FATAL;
				break;
			}
		}
	}
	if (rc == WCS_OK) {
		(void)pthread_mutex_init(&f.lock, NULL);
		(void)pthread_cond_init(&f.filled, NULL);
		(void)pthread_cond_init(&f.freed, NULL);
		rc = feed_threaded(ctx, &f, cb, arg, hooks);
		(void)pthread_cond_destroy(&f.freed);
		(void)pthread_cond_destroy(&f.filled);
		(void)pthread_mutex_destroy(&f.lock);
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < WCS_FEED_DEPTH; j++)
			wcs_event_batch_free(f.slots[i].batch[j]);
	}
	wcs_free(ctx, f.slots);
	return (rc);
}
