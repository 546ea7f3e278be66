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
 *
 * Pieces of a file whose lines are counted here (wcscan/driver.h): every
 * worker first counts the pieces it reads, then reads; a chained piece
 * is read once the pieces before it in the group are counted, since its
 * first line number is their sum.  A piece's first batch is never fed
 * before it anyway: the order is the round robin's.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "wcscan/driver.h"
#include "wcscan/event.h"
#include "wcscan/reader.h"

#define WCS_FEED_DEPTH 4
/* Bytes counted per pread: below glibc's mmap threshold, so the buffer is
 * heap memory used again, not pages mapped (and faulted in) per piece. */
#define COUNT_CHUNK (64 * 1024)

struct slot {
	struct wcs_feed_input *fi;
	struct wcs_event_batch *batch[WCS_FEED_DEPTH];
	int batch_rc[WCS_FEED_DEPTH]; /* fill's status for that batch */
	uint64_t batch_bytes[WCS_FEED_DEPTH]; /* input bytes read by then */
	unsigned head, nfull; /* ring of filled batches */
	bool finished; /* the worker made its last batch */
	bool exhausted; /* the consumer took the last batch */
	uint64_t bytes; /* as the consumer last saw them */
	bool count_done; /* its count was tried (fi->counted: it worked) */
	int count_errno; /* why it did not */
	bool based; /* its first line number is known */
	bool poisoned; /* it never will be: not read */
	int poison_errno;
	bool begun; /* its worker set its line numbers going */
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

/*
 * The lines of the byte range fi->piece of fi->piece_path: its line ends,
 * since a piece ends after one.  Opened again by path (the job's input
 * is the worker's to read, not to seek), and checked to be the file the
 * pieces were cut from.  WCS_OK (fi->lines), else an errno value.
 */
static int
count_lines(struct wcs_feed_input *fi)
{
	const struct wcs_input_piece *pc = &fi->piece;
	const unsigned char *q, *e;
	unsigned char *buf;
	struct stat st;
	uint64_t at, lines = 0, want;
	ssize_t got;
	int fd, err = 0;

	if ((buf = wcs_malloc(fi->ctx, COUNT_CHUNK)) == NULL)
		return (ENOMEM);
	fd = open(fi->piece_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err = errno;
		goto out_free_buf;
	}
	if (fstat(fd, &st) != 0) {
		err = errno;
		goto out_close;
	}
	if ((uint64_t)st.st_dev != pc->dev || (uint64_t)st.st_ino != pc->ino) {
		err = ESTALE;
		goto out_close;
	}
	/* A file that shrank since has fewer lines: so has its reading. */
	for (at = pc->start; at < pc->end; at += (uint64_t)got) {
		want = pc->end - at < COUNT_CHUNK ? pc->end - at : COUNT_CHUNK;
		do {
			got = pread(fd, buf, (size_t)want, (off_t)at);
		} while (got < 0 && errno == EINTR);
		if (got < 0) {
			err = errno;
			goto out_close;
		}
		if (got == 0)
			break;
		e = buf + got;
		for (q = buf; (q = memchr(q, '\n', (size_t)(e - q))) != NULL;
		     q++)
			lines++;
	}
	fi->lines = lines;
	fi->counted = true;
out_close:
	(void)close(fd);
out_free_buf:
	wcs_free(fi->ctx, buf);
	return (err);
}

/*
 * The first line numbers that can be known now: an input not chained has
 * its own; a chained one follows the one before, once that one's is known
 * and its lines counted.  One that never will be is poisoned.
 */
static void
resolve_bases(struct slot *slots, size_t n)
{
	struct slot *s, *prev;
	size_t k;

	for (k = 0; k < n; k++) {
		s = &slots[k];
		if (s->based || s->poisoned)
			continue;
		if (!s->fi->chained) {
			s->based = true;
			continue;
		}
		prev = k > 0 ? &slots[k - 1] : NULL;
		if (prev == NULL || prev->poisoned || !prev->fi->count ||
		    (prev->count_done && !prev->fi->counted)) {
			s->poisoned = true;
			s->poison_errno = prev == NULL	 ? EINVAL :
					  prev->poisoned ? prev->poison_errno :
					  !prev->fi->count ? EINVAL :
							     prev->count_errno;
			continue;
		}
		if (prev->based && prev->fi->counted) {
			s->fi->line_base =
			    prev->fi->line_base + prev->fi->lines;
			s->based = true;
		}
	}
}

/* Count slot s's lines (on the worker that reads it). */
static void
count_slot(struct slot *s)
{
	s->count_errno = count_lines(s->fi);
	s->count_done = true;
}

/*
 * Before s's first batch, on the thread that reads it: its line numbers
 * go on from the lines before it.  WCS_OK, or WCS_FAILED (its ctx says)
 * for one whose lines before are unknown.
 */
static int
slot_begin(struct slot *s)
{
	struct wcs_feed_input *fi = s->fi;

	s->begun = true;
	if (s->poisoned) {
		wcs_set_error(fi->ctx, s->poison_errno,
		    "%s: from byte %llu on not read: the lines before it "
		    "could not be counted (%s)",
		    fi->piece_path != NULL ? fi->piece_path : "?",
		    (unsigned long long)fi->piece.start,
		    strerror(s->poison_errno));
		return (WCS_FAILED);
	}
	if (!fi->chained)
		return (WCS_OK);
	if (fi->in == NULL) {
		wcs_set_error(fi->ctx, EINVAL, "a chained piece without input");
		return (WCS_FAILED);
	}
	/* Nothing is read yet but what opening the reader took: its lines
	 * count on from the base. */
	if (wcs_input_skip(fi->in, wcs_input_offset(fi->in),
		fi->line_base + wcs_input_lineno(fi->in)) != WCS_OK)
		return (WCS_FAILED);
	return (WCS_OK);
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
		/* A chained piece waits for the counts before it. */
		if (!s->based && !s->poisoned)
			continue;
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
	size_t next = 0, i;
	unsigned at;
	bool all_done;
	int rc;

	/* First count what this worker reads: the others may wait for it. */
	for (i = w->id; i < f->n; i += f->nworkers) {
		s = &f->slots[i];
		if (!s->fi->count)
			continue;
		count_slot(s);
		(void)pthread_mutex_lock(&f->lock);
		resolve_bases(f->slots, f->n);
		(void)pthread_cond_broadcast(&f->freed);
		(void)pthread_mutex_unlock(&f->lock);
	}
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

		/* Made here, on the worker, when first needed: not all at
		 * once by the thread that feeds the engine. */
		if (b == NULL) {
			b = wcs_event_batch_new(s->fi->ctx, WCS_FEED_BATCH);
			if (b == NULL)
				wcs_set_error(
				    s->fi->ctx, ENOMEM, "out of memory");
		}
		if (b == NULL) {
			rc = WCS_FATAL;
		} else {
			wcs_event_batch_clear(b);
			rc = s->begun ? WCS_OK : slot_begin(s);
		}
		if (rc == WCS_OK)
			rc = wcs_read_job_fill_batch(s->fi->job, b);

		(void)pthread_mutex_lock(&f->lock);
		s->batch[at] = b;
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

		/* (No batch: the worker could not make one; rc says so.) */
		for (e = 0; b != NULL && e < wcs_event_batch_count(b) &&
			    status == WCS_OK;
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

	for (k = 0; k < f->n; k++)
		if (f->slots[k].fi->count)
			count_slot(&f->slots[k]);
	resolve_bases(f->slots, f->n);
	for (k = 0; left > 0; k = (k + 1) % f->n) {
		s = &f->slots[k];
		if (s->exhausted)
			continue;
		if (!s->begun && (rc = slot_begin(s)) != WCS_OK) {
			slot_done(s, rc);
			left--;
			continue;
		}
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
	for (i = 0; i < n; i++) {
		inputs[i].rc = WCS_OK;
		inputs[i].counted = false;
		inputs[i].lines = 0;
	}
	memset(&f, 0, sizeof(f));
	if ((f.slots = wcs_calloc(ctx, n, sizeof(*f.slots))) == NULL)
		return (WCS_FATAL);
	f.n = n;
	for (i = 0; i < n; i++)
		f.slots[i].fi = &inputs[i];
	f.nworkers = threads < n ? threads : (unsigned)n;
	/* Inputs not chained start where their input says. */
	resolve_bases(f.slots, n);
	if (threads <= 1) {
		rc = feed_here(&f, cb, arg, hooks);
		wcs_free(ctx, f.slots);
		return (rc);
	}
	(void)pthread_mutex_init(&f.lock, NULL);
	(void)pthread_cond_init(&f.filled, NULL);
	(void)pthread_cond_init(&f.freed, NULL);
	rc = feed_threaded(ctx, &f, cb, arg, hooks);
	(void)pthread_cond_destroy(&f.freed);
	(void)pthread_cond_destroy(&f.filled);
	(void)pthread_mutex_destroy(&f.lock);
	/* The workers made the batches they used; the rest are NULL. */
	for (i = 0; i < n; i++) {
		for (j = 0; j < WCS_FEED_DEPTH; j++)
			wcs_event_batch_free(f.slots[i].batch[j]);
	}
	wcs_free(ctx, f.slots);
	return (rc);
}
