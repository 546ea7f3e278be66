/*
 * The input driver: list inputs, open them and choose their readers, cut
 * big plain files into pieces, and read them a group at a time
 * (feed.c) into the engine, in an order that depends on the inputs
 * alone (wcscan/driver.h says how).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "wcscan/driver.h"
#include "wcscan/engine.h"
#include "wcscan/input.h"
#include "wcscan/reader.h"
#include "driver_private.h"

/* As long as a message the command line prints (src/cli/msg.c). */
#define SAY_MAX 8192

void
drv_say(
    struct wcs_driver *drv, enum wcs_driver_level level, const char *fmt, ...)
{
	char buf[SAY_MAX];
	va_list ap;

	if (level == WCS_DRIVER_ERROR)
		drv->error = true;
	if (drv->o.hooks.say == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	drv->o.hooks.say(drv->o.hooks.arg, level, buf);
}

void
drv_input_error(struct wcs_driver *drv, struct wcs_input_stats *st,
    const char *why, bool counts)
{
	if (st->error == NULL)
		st->error = wcs_strdup(drv->ctx, why);
	drv_say(drv, counts ? WCS_DRIVER_ERROR : WCS_DRIVER_WARNING, "%s", why);
}

struct wcs_driver *
wcs_driver_new(struct wcs_ctx *ctx, const struct wcs_driver_opts *opts)
{
	struct wcs_driver *drv;
	long ncpu;

	if ((drv = wcs_calloc(ctx, 1, sizeof(*drv))) == NULL)
		return (NULL);
	drv->ctx = ctx;
	drv->o = *opts;
	if ((drv->threads = opts->threads) == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		drv->threads = ncpu > 0 ? (unsigned)ncpu : 1;
	}
	/* More threads than a group has members would have nothing to do. */
	if (drv->threads > WCS_FEED_GROUP)
		drv->threads = WCS_FEED_GROUP;
	drv->piece_size =
	    opts->piece_size != 0 ? opts->piece_size : WCS_DRIVER_PIECE_SIZE;
	return (drv);
}

void
wcs_driver_free(struct wcs_driver *drv)
{
	size_t i;

	if (drv == NULL)
		return;
	wcs_walk_free(drv->walk);
	for (i = 0; i < drv->n; i++) {
		wcs_free(drv->ctx, drv->stats[i].error);
		wcs_free(drv->ctx, drv->paths[i]);
	}
	wcs_free(drv->ctx, drv->stats);
	wcs_free(drv->ctx, drv->paths);
	wcs_free(drv->ctx, drv->pend);
	wcs_free(drv->ctx, drv->map);
	wcs_free(drv->ctx, drv);
}

size_t
wcs_driver_count(const struct wcs_driver *drv)
{
	return (drv->n);
}

struct wcs_input_stats *
wcs_driver_stats(struct wcs_driver *drv)
{
	/* Out of memory, the list stays as it was: still every input. */
	if (drv->disordered)
		(void)drv_order(drv);
	return (drv->stats);
}

const char *
wcs_driver_path(const struct wcs_driver *drv, size_t i)
{
	return (drv->paths[i]);
}

bool
wcs_driver_failed(const struct wcs_driver *drv)
{
	return (drv->error);
}

static uint64_t
path_hash(const char *path)
{
	return (wcs_fnv1a(path, strlen(path), false));
}

size_t
drv_find(const struct wcs_driver *drv, const char *path)
{
	size_t k, i;

	if (drv->mapcap == 0)
		return (SIZE_MAX);
	for (k = (size_t)path_hash(path) & (drv->mapcap - 1);
	     (i = drv->map[k]) != 0; k = (k + 1) & (drv->mapcap - 1))
		if (strcmp(drv->paths[i - 1], path) == 0)
			return (i - 1);
	return (SIZE_MAX);
}

/* Index input i by its path (the first of a path stays found). */
static void
map_put(struct wcs_driver *drv, size_t i)
{
	size_t k;

	for (k = (size_t)path_hash(drv->paths[i]) & (drv->mapcap - 1);
	     drv->map[k] != 0; k = (k + 1) & (drv->mapcap - 1))
		if (strcmp(drv->paths[drv->map[k] - 1], drv->paths[i]) == 0)
			return;
	drv->map[k] = i + 1;
}

/* Index the first n inputs again, in a table at most half full. */
static int
map_build(struct wcs_driver *drv, size_t n)
{
	size_t cap = drv->mapcap != 0 ? drv->mapcap : 64, i;
	size_t *map;

	while (cap < 2 * (n + 1))
		cap *= 2;
	if ((map = wcs_calloc(drv->ctx, cap, sizeof(*map))) == NULL)
		return (WCS_FATAL);
	wcs_free(drv->ctx, drv->map);
	drv->map = map;
	drv->mapcap = cap;
	for (i = 0; i < n; i++)
		map_put(drv, i);
	return (WCS_OK);
}

/* The list's order: inputs named, as named, then a state's by path. */
static int
order_cmp(const struct wcs_driver *drv, size_t a, size_t b)
{
	const struct pending *x = &drv->pend[a], *y = &drv->pend[b];

	if (x->listed != y->listed)
		return (x->listed ? -1 : 1);
	if (x->listed)
		return (x->seq < y->seq ? -1 : x->seq > y->seq);
	return (strcmp(drv->paths[a], drv->paths[b]));
}

/* Merge sort of idx[0, n) by order_cmp, through tmp. */
static void
order_sort(const struct wcs_driver *drv, size_t *idx, size_t *tmp, size_t n)
{
	size_t h = n / 2, i = 0, j = h, k = 0;

	if (n < 2)
		return;
	order_sort(drv, idx, tmp, h);
	order_sort(drv, idx + h, tmp, n - h);
	while (i < h && j < n)
		tmp[k++] =
		    order_cmp(drv, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
	while (i < h)
		tmp[k++] = idx[i++];
	while (j < n)
		tmp[k++] = idx[j++];
	memcpy(idx, tmp, n * sizeof(*idx));
}

int
drv_order(struct wcs_driver *drv)
{
	struct wcs_input_stats *st = NULL;
	struct pending *pd = NULL;
	char **pa = NULL;
	size_t *idx = NULL, *tmp = NULL, i, n = drv->n;
	int rc = WCS_FATAL;

	if (!drv->disordered)
		return (WCS_OK);
	if ((idx = wcs_reallocarray(drv->ctx, NULL, n + 1, sizeof(*idx))) ==
		NULL ||
	    (tmp = wcs_reallocarray(drv->ctx, NULL, n + 1, sizeof(*tmp))) ==
		NULL ||
	    (st = wcs_reallocarray(drv->ctx, NULL, drv->cap, sizeof(*st))) ==
		NULL ||
	    (pa = wcs_reallocarray(drv->ctx, NULL, drv->cap, sizeof(*pa))) ==
		NULL ||
	    (pd = wcs_reallocarray(drv->ctx, NULL, drv->cap, sizeof(*pd))) ==
		NULL)
		goto out;
	for (i = 0; i < n; i++)
		idx[i] = i;
	order_sort(drv, idx, tmp, n);
	for (i = 0; i < n; i++) {
		st[i] = drv->stats[idx[i]];
		pa[i] = drv->paths[idx[i]];
		pd[i] = drv->pend[idx[i]];
	}
	/* Swapped in whole, so a failure above changes nothing. */
	if (map_build(drv, 0) != WCS_OK)
		goto out;
	wcs_free(drv->ctx, drv->stats);
	wcs_free(drv->ctx, drv->paths);
	wcs_free(drv->ctx, drv->pend);
	drv->stats = st;
	drv->paths = pa;
	drv->pend = pd;
	st = NULL;
	pa = NULL;
	pd = NULL;
	for (i = 0; i < n; i++)
		map_put(drv, i);
	drv->disordered = false;
	rc = WCS_OK;
out:
	wcs_free(drv->ctx, pd);
	wcs_free(drv->ctx, pa);
	wcs_free(drv->ctx, st);
	wcs_free(drv->ctx, tmp);
	wcs_free(drv->ctx, idx);
	return (rc);
}

/* Room for one more input; its slot is not counted yet. */
static int
grow(struct wcs_driver *drv)
{
	struct wcs_input_stats *ns;
	struct pending *pp;
	char **np;

	if (drv->n == drv->cap) {
		drv->cap = drv->cap == 0 ? 16 : drv->cap * 2;
		ns = wcs_reallocarray(
		    drv->ctx, drv->stats, drv->cap, sizeof(*ns));
		if (ns == NULL)
			return (WCS_FATAL);
		drv->stats = ns;
		np = wcs_reallocarray(
		    drv->ctx, drv->paths, drv->cap, sizeof(*np));
		if (np == NULL)
			return (WCS_FATAL);
		drv->paths = np;
		pp = wcs_reallocarray(
		    drv->ctx, drv->pend, drv->cap, sizeof(*pp));
		if (pp == NULL)
			return (WCS_FATAL);
		drv->pend = pp;
	}
	if (2 * (drv->n + 1) > drv->mapcap)
		return (map_build(drv, drv->n));
	return (WCS_OK);
}

/* A new input at the end of the list, unnamed, with nothing counted. */
static struct wcs_input_stats *
append(struct wcs_driver *drv, const char *path)
{
	struct wcs_input_stats *ns;

	if (grow(drv) != WCS_OK)
		return (NULL);
	memset(&drv->pend[drv->n], 0, sizeof(drv->pend[drv->n]));
	if ((drv->paths[drv->n] = wcs_strdup(drv->ctx, path)) == NULL)
		return (NULL);
	ns = &drv->stats[drv->n];
	memset(ns, 0, sizeof(*ns));
	ns->path = drv->paths[drv->n];
	ns->first = ns->last = WCS_TIME_NONE;
	map_put(drv, drv->n);
	drv->n++;
	/* After an input only a state knows: out of order. */
	if (drv->n >= 2 && !drv->pend[drv->n - 2].listed)
		drv->disordered = true;
	return (ns);
}

struct wcs_input_stats *
drv_new_saved(struct wcs_driver *drv, const char *path)
{
	struct wcs_input_stats *ns;

	if ((ns = append(drv, path)) == NULL)
		return (NULL);
	drv->pend[drv->n - 1].saved = true;
	drv->disordered = true;
	return (ns);
}

/*
 * An input named: a new one, or one only a state knew so far, which is
 * now named too (its state's accounting stays, the reading adds to it).
 */
static struct wcs_input_stats *
new_input(struct wcs_driver *drv, const struct wcs_input_ref *ref)
{
	struct wcs_input_stats *ns;
	struct pending *pp;
	size_t i;

	i = drv_find(drv, ref->path);
	if (i != SIZE_MAX && !drv->pend[i].listed) {
		ns = &drv->stats[i];
		drv->disordered = true;
	} else {
		if ((ns = append(drv, ref->path)) == NULL)
			return (NULL);
		i = drv->n - 1;
	}
	pp = &drv->pend[i];
	pp->kind_mask = drv->kind_mask;
	pp->top_level = ref->named;
	pp->dev = ref->dev;
	pp->ino = ref->ino;
	pp->listed = true;
	pp->seq = drv->seq++;
	return (ns);
}

static void
walk_skipped(const char *path, const char *why, void *arg)
{
	drv_say(arg, WCS_DRIVER_WARNING, "%s: skipped: %s", path, why);
}

/* Listing comes first; reading starts once every input is known. */
static int
walk_file(const struct wcs_input_ref *ref, void *arg)
{
	return (new_input(arg, ref) == NULL ? WCS_FATAL : WCS_OK);
}

int
wcs_driver_add(struct wcs_driver *drv, const char *path, unsigned kind_mask)
{
	const struct wcs_input_ref ref = { .path = path, .named = true };
	struct wcs_input_stats *st;
	int rc;

	if (drv->ran) {
		wcs_set_error(
		    drv->ctx, EINVAL, "%s: listed after reading", path);
		return (WCS_FATAL);
	}
	/* One walk for every path: no file is listed twice. */
	if (drv->walk == NULL) {
		drv->walk = wcs_walk_new(drv->ctx,
		    drv->o.follow_symlinks ? WCS_WALK_FOLLOW_SYMLINKS : 0);
		if (drv->walk == NULL)
			return (WCS_FATAL);
	}
	drv->kind_mask = kind_mask;
	rc = wcs_walk_add(drv->walk, path, walk_file, walk_skipped, drv);
	if (rc == WCS_OK || rc == WCS_FATAL)
		return (rc);
	if ((st = new_input(drv, &ref)) == NULL)
		return (WCS_FATAL);
	drv_input_error(drv, st, wcs_error_string(drv->ctx), true);
	drv->pend[st - drv->stats].failed = true;
	return (WCS_FAILED);
}

int
wcs_driver_add_mem(struct wcs_driver *drv, const char *name, const void *buf,
    size_t len, unsigned kind_mask)
{
	const struct wcs_input_ref ref = { .path = name, .named = true };
	struct wcs_input_stats *st;

	if (drv->ran) {
		wcs_set_error(
		    drv->ctx, EINVAL, "%s: listed after reading", name);
		return (WCS_FATAL);
	}
	drv->kind_mask = kind_mask;
	if ((st = new_input(drv, &ref)) == NULL)
		return (WCS_FATAL);
	drv->pend[st - drv->stats].mem = buf;
	drv->pend[st - drv->stats].mem_len = len;
	return (WCS_OK);
}

/* Every event: to the engine, then to the caller. */
static int
on_event(const struct wcs_event *ev, void *arg)
{
	struct wcs_driver *drv = arg;
	int rc;

	/* Read again whole: what a state read before is in the engine. */
	if (ev->input < drv->n && ev->line <= drv->pend[ev->input].skip_lines)
		return (WCS_OK);
	if (drv->eng != NULL && (rc = wcs_engine_feed(drv->eng, ev)) != WCS_OK)
		goto stop;
	if (drv->cb != NULL && (rc = drv->cb(ev, drv->cb_arg)) != WCS_OK)
		goto stop;
	return (WCS_OK);
stop:
	drv->stopped = true;
	return (rc);
}

/* Member m is to read input i (all of it, or a piece: last says). */
static void
member_init(struct wcs_driver *drv, struct member *m, size_t i, bool last)
{
	m->index = i;
	m->in = NULL;
	m->last = last;
	m->piece = false;
	m->resume_len = 0;
	memset(&m->st, 0, sizeof(m->st));
	m->st.first = m->st.last = WCS_TIME_NONE;
	wcs_ctx_init(&m->ctx, drv->ctx->alloc);
}

static int
open_input(struct wcs_driver *drv, size_t i, struct member *m)
{
	const struct pending *p = &drv->pend[i];
	const struct wcs_input_ref ref = { .path = drv->paths[i],
		.named = p->top_level,
		.dev = p->dev,
		.ino = p->ino };

	if (p->mem != NULL)
		return (wcs_input_open_mem(&m->ctx, drv->paths[i], p->mem,
		    p->mem_len, drv->o.max_line, &m->in));
	return (wcs_input_open_ref(&m->ctx, &ref, drv->o.max_line, &m->in));
}

static void
run_opts(const struct wcs_driver *drv, size_t i, struct wcs_run_opts *ro)
{
	memset(ro, 0, sizeof(*ro));
	ro->read.tz = drv->o.tz;
	ro->read.year = drv->o.year;
	ro->since = drv->o.since;
	ro->until = drv->o.until;
	ro->input_index = (uint32_t)i;
	/* Read on from a sweep's offset: what the reader had learnt. */
	if (drv->pend[i].plan == PLAN_FROM) {
		ro->resume = drv->pend[i].from.resume;
		ro->resume_len = drv->pend[i].from.resume_len;
	}
}

/*
 * Open input i and choose its reader.  WCS_OK: m holds it, ready to read
 * with *job.  WCS_SKIP: it cannot be read (said).  WCS_FATAL.
 */
static int
open_one(struct wcs_driver *drv, size_t i, struct member *m,
    struct wcs_read_job **job, const struct wcs_reader_ops **opsp,
    struct wcs_run_opts *rop)
{
	const struct wcs_driver_opts *o = &drv->o;
	const char *path = drv->paths[i];
	struct wcs_input_stats *st = &drv->stats[i];
	const struct wcs_reader_ops *ops;
	struct wcs_run_opts ro;
	const unsigned char *peek;
	char why[WCS_ERRBUF_SIZE + 64];
	size_t plen;
	int rc, best;

	member_init(drv, m, i, true);
	rc = open_input(drv, i, m);
	if (rc == WCS_FATAL)
		goto fatal;
	if (rc != WCS_OK) {
		drv_input_error(drv, st, wcs_error_string(&m->ctx), true);
		return (WCS_SKIP);
	}
	wcs_input_set_threaded(m->in, drv->threads > 1);
	/* A sweep reads a line being written whole, next time; a gzip
	 * file is written whole, its last line is read as it is. */
	wcs_input_hold_partial(
	    m->in, drv->o.incremental && !wcs_input_info(m->in)->gzip);
	if (wcs_input_peek(m->in, &peek, &plen) != WCS_OK) {
		drv_input_error(drv, st, wcs_error_string(&m->ctx), true);
		goto skip;
	}
	if (plen == 0) {
		drv_say(drv, WCS_DRIVER_WARNING, "%s: empty input", path);
		st->error = wcs_strdup(drv->ctx, "empty");
		goto skip;
	}
	/* What recognises the file next time (catalog.c). */
	drv->pend[i].dec_head_len = plen < WCS_DRIVER_HASH_BLOCK ?
					(uint32_t)plen :
					WCS_DRIVER_HASH_BLOCK;
	drv->pend[i].dec_head_hash =
	    wcs_fnv1a((const char *)peek, drv->pend[i].dec_head_len, false);
	if (drv->pend[i].plan == PLAN_FROM) {
		ops = drv->pend[i].from_ops;
	} else if (o->forced_reader != NULL) {
		ops = wcs_reader_find(o->forced_reader);
	} else if ((ops = wcs_reader_choose(
			peek, plen, drv->pend[i].kind_mask, &best)) == NULL) {
		(void)snprintf(why, sizeof(why),
		    "%s: unrecognized log format%s", path,
		    drv->pend[i].kind_mask != WCS_KIND_ANY ?
			" for this kind of input" :
			"");
		/* Inside a directory a stray file is said, not an error. */
		drv_input_error(
		    drv, st, why, drv->pend[i].top_level || o->strict);
		goto skip;
	}
	if (ops == NULL) {
		/* The caller's reader name is not one of ours. */
		wcs_set_error(drv->ctx, WCS_EUSAGE, "%s: no such format",
		    o->forced_reader);
		wcs_input_close(m->in);
		return (WCS_FATAL);
	}
	if ((ops->flags & WCS_READER_HOSTLOG) != 0 && drv->eng != NULL)
		wcs_engine_input_host_log(drv->eng, i);
	/* Going on from a saved offset: what was read is dropped. */
	if (drv->pend[i].plan == PLAN_FROM) {
		rc = wcs_input_skip(
		    m->in, drv->pend[i].from.offset, drv->pend[i].from.lines);
		if (rc == WCS_EOF)
			goto skip;
		if (rc != WCS_OK) {
			drv_input_error(
			    drv, st, wcs_error_string(&m->ctx), true);
			goto skip;
		}
	}
	run_opts(drv, i, &ro);
	*opsp = ops;
	*rop = ro;
	rc = wcs_read_job_new(&m->ctx, ops, m->in, &ro, &m->st, job);
	if (rc == WCS_FATAL)
		goto fatal;
	if (rc != WCS_OK) {
		(void)snprintf(why, sizeof(why), "%s (after 0 records)",
		    wcs_error_string(&m->ctx));
		drv_input_error(drv, st, why, true);
		goto skip;
	}
	return (WCS_OK);
fatal:
	wcs_set_error(drv->ctx, m->ctx.errnum, "%s", wcs_error_string(&m->ctx));
	wcs_input_close(m->in);
	return (WCS_FATAL);
skip:
	wcs_input_close(m->in);
	return (WCS_SKIP);
}

/* Read the members of one group together (feed.c). */
static int
read_group(struct wcs_driver *drv, struct member *mem,
    struct wcs_feed_input *fi, size_t n)
{
	const struct wcs_driver_hooks *h = &drv->o.hooks;
	uint64_t size = 0;
	size_t k;
	int rc, status = WCS_OK;

	for (k = 0; k < n; k++)
		size += wcs_input_info(mem[k].in)->raw_size;
	if (h->group != NULL)
		h->group(h->arg, drv->paths[mem[0].index], size,
		    (unsigned)mem[0].index + 1, (unsigned)drv->n);
	rc = wcs_feed_group(drv->ctx, fi, n, drv->threads, on_event, drv, h);
	if (h->group_done != NULL)
		h->group_done(h->arg);
	for (k = 0; k < n; k++) {
		mem[k].resume_len =
		    mem[k].last && fi[k].job != NULL ?
			wcs_read_job_resume_save(
			    fi[k].job, mem[k].resume, sizeof(mem[k].resume)) :
			0;
		wcs_read_job_free(fi[k].job);
		/* When eng or cb stopped the reading, the reason is theirs,
		 * in ctx already, not the job's. */
		if (fi[k].rc == WCS_FATAL && status == WCS_OK &&
		    !drv->stopped && mem[k].ctx.errnum != 0) {
			wcs_set_error(drv->ctx, mem[k].ctx.errnum, "%s",
			    wcs_error_string(&mem[k].ctx));
			status = WCS_FATAL;
		}
		drv_close_member(drv, &mem[k], fi[k].rc);
	}
	return (rc == WCS_FATAL ? WCS_FATAL : status);
}

/* The group being filled, read once it is full. */
struct group {
	struct member mem[WCS_FEED_GROUP];
	struct wcs_feed_input fi[WCS_FEED_GROUP];
	size_t n;
	/* The lines up to the end of the group's last member, when it was a
	 * piece counted: where the file's next piece, in the next group,
	 * starts counting. */
	uint64_t carry;
	bool carry_ok;
};

static int
group_add(struct wcs_driver *drv, struct group *g)
{
	struct wcs_feed_input *last;
	int rc;

	g->fi[g->n].ctx = &g->mem[g->n].ctx;
	if (++g->n < WCS_FEED_GROUP)
		return (WCS_OK);
	rc = read_group(drv, g->mem, g->fi, g->n);
	last = &g->fi[g->n - 1];
	g->carry = last->line_base + last->lines;
	g->carry_ok = last->counted;
	g->n = 0;
	return (rc);
}

static bool
worth_splitting(const struct wcs_driver *drv, size_t i,
    const struct wcs_reader_ops *ops, const struct wcs_input *in)
{
	const struct wcs_input_info *ii = wcs_input_info(in);

	return ((ops->flags & WCS_READER_SPLITTABLE) != 0 &&
		drv->pend[i].mem == NULL && !ii->gzip && !ii->utf16 &&
		ii->raw_size >= 2 * drv->piece_size &&
		strcmp(ii->path, "-") != 0);
}

/*
 * The pieces pc[0, npc) of input i (pc freed), each a member.  Only the
 * first piece's lines before it are known (cut_pieces): each piece but
 * the last has its lines counted as the group is read (feed.c), and a
 * piece whose piece before is in the same group goes on from it
 * (chained); the first of a group from the group before's count.
 */
static int
add_piece_members(struct wcs_driver *drv, struct group *g, size_t i,
    const struct wcs_reader_ops *ops, const struct wcs_run_opts *ro,
    struct wcs_input_piece *pc, size_t npc)
{
	struct wcs_feed_input *fi;
	struct wcs_read_job *job;
	struct member *m;
	size_t k;
	bool chained;
	int rc;

	for (k = 0; k < npc; k++) {
		m = &g->mem[g->n];
		fi = &g->fi[g->n];
		chained = k > 0 && g->n > 0;
		if (k > 0 && !chained) {
			if (!g->carry_ok) {
				/* Its piece before was not counted (said as
				 * that group's error). */
				wcs_set_error(drv->ctx, EIO,
				    "%s: from byte %llu on not read: the "
				    "lines before it could not be counted",
				    drv->paths[i],
				    (unsigned long long)pc[k].start);
				wcs_free(drv->ctx, pc);
				return (WCS_FAILED);
			}
			pc[k].lines_before = g->carry;
		}
		member_init(drv, m, i, k + 1 == npc);
		m->piece = true;
		rc = wcs_input_open_piece(
		    &m->ctx, drv->paths[i], &pc[k], drv->o.max_line, &m->in);
		if (rc == WCS_OK) {
			wcs_input_hold_partial(m->in, drv->o.incremental);
			rc = wcs_read_job_new(
			    &m->ctx, ops, m->in, ro, &m->st, &job);
			if (rc != WCS_OK)
				wcs_input_close(m->in);
		}
		if (rc != WCS_OK) {
			/* The file changed or vanished under us. */
			wcs_set_error(drv->ctx, m->ctx.errnum, "%s",
			    wcs_error_string(&m->ctx));
			wcs_free(drv->ctx, pc);
			return (rc == WCS_FATAL ? WCS_FATAL : WCS_FAILED);
		}
		*fi = (struct wcs_feed_input){ .job = job,
			.in = m->in,
			.piece_path = drv->paths[i],
			.piece = pc[k],
			.count = k + 1 < npc,
			.chained = chained,
			.line_base = pc[k].lines_before };
		if ((rc = group_add(drv, g)) != WCS_OK) {
			wcs_free(drv->ctx, pc);
			return (rc);
		}
	}
	wcs_free(drv->ctx, pc);
	return (WCS_OK);
}

/*
 * Cut file path from byte start (a line start, lines_before lines before
 * it) into pieces: each ends after the first line end at least
 * piece_size past its start, and the last at the end of the file (one
 * piece for a file with no line end past the first cut), as
 * wcs_input_split cuts.  Only a little is read at each cut: the lines
 * before every piece but the first are counted on the reading's workers
 * (feed.c), not here before them; they are 0 here.  *pieces is freed with
 * wcs_free.  WCS_OK, WCS_FAILED (ctx says) or WCS_FATAL.
 */
static int
cut_pieces(struct wcs_ctx *ctx, const char *path, uint64_t start,
    uint64_t lines_before, uint64_t piece_size, struct wcs_input_piece **pieces,
    size_t *npieces)
{
	struct wcs_input_piece *p, *np;
	char buf[4096];
	const char *q;
	struct stat st;
	uint64_t size, at, end;
	size_t n = 1, cap = 16, k;
	ssize_t got;
	int fd, rc = WCS_FAILED;

	*pieces = NULL;
	*npieces = 0;
	if ((p = wcs_reallocarray(ctx, NULL, cap, sizeof(*p))) == NULL)
		return (WCS_FATAL);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) != 0) {
		wcs_set_error(ctx, errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	size = (uint64_t)st.st_size;
	p[0] = (struct wcs_input_piece){ .start = start,
		.lines_before = lines_before };
	for (;;) {
		/* The first line end at or past the cut ends the piece;
		 * none past the end of the file (nor past 2^64). */
		if (piece_size == 0 || p[n - 1].start >= size ||
		    piece_size - 1 >= size - p[n - 1].start)
			break;
		at = p[n - 1].start + piece_size - 1;
		end = 0;
		while (end == 0 && at < size) {
			do {
				got = pread(fd, buf, sizeof(buf), (off_t)at);
			} while (got < 0 && errno == EINTR);
			if (got < 0) {
				wcs_set_error(ctx, errno, "%s: %s", path,
				    strerror(errno));
				goto out;
			}
			if (got == 0)
				break;
			if ((q = memchr(buf, '\n', (size_t)got)) != NULL)
				end = at + (uint64_t)(q - buf) + 1;
			at += (uint64_t)got;
		}
		/* No line end past the cut, or the file ends on it. */
		if (end == 0 || end >= size)
			break;
		if (n == cap) {
			cap *= 2;
			if ((np = wcs_reallocarray(ctx, p, cap, sizeof(*np))) ==
			    NULL) {
				rc = WCS_FATAL;
				goto out;
			}
			p = np;
		}
		p[n - 1].end = end;
		p[n] = (struct wcs_input_piece){ .start = end };
		n++;
	}
	p[n - 1].end = size > p[n - 1].start ? size : p[n - 1].start;
	for (k = 0; k < n; k++) {
		p[k].size = size;
		p[k].dev = (uint64_t)st.st_dev;
		p[k].ino = (uint64_t)st.st_ino;
	}
	*pieces = p;
	*npieces = n;
	p = NULL;
	rc = WCS_OK;
out:
	if (fd >= 0)
		(void)close(fd);
	wcs_free(ctx, p);
	return (rc);
}

/*
 * Input i, opened and bid for in the group's next member, in pieces
 * instead: each piece its own member, in file order.  Falls back to the
 * whole input (the member as it is) when the file cannot be split.
 */
static int
add_pieces(struct wcs_driver *drv, struct group *g, size_t i,
    const struct wcs_reader_ops *ops, const struct wcs_run_opts *ro)
{
	struct member *m = &g->mem[g->n];
	struct wcs_input_piece *pc;
	size_t npc;
	int rc;

	rc = cut_pieces(
	    &m->ctx, drv->paths[i], 0, 0, drv->piece_size, &pc, &npc);
	if (rc == WCS_FATAL) {
		/* Not in the group yet: the caller would not close it. */
		wcs_set_error(
		    drv->ctx, m->ctx.errnum, "%s", wcs_error_string(&m->ctx));
		wcs_read_job_free(g->fi[g->n].job);
		wcs_input_close(m->in);
		return (rc);
	}
	/* Split another file than the one opened (replaced since): read
	 * the one opened, whole. */
	if (rc != WCS_OK || npc < 2 ||
	    pc[0].dev != wcs_input_info(m->in)->dev ||
	    pc[0].ino != wcs_input_info(m->in)->ino) {
		if (rc == WCS_OK)
			wcs_free(&m->ctx, pc);
		return (group_add(drv, g));
	}
	wcs_read_job_free(g->fi[g->n].job);
	wcs_input_close(m->in);
	return (add_piece_members(drv, g, i, ops, ro, pc, npc));
}

/*
 * Input i, what is new in it from a saved offset on (catalog.c): a piece
 * from there to the end, or pieces of it when it is big.  WCS_OK,
 * WCS_FAILED (ctx says) or WCS_FATAL.
 */
static int
add_from(struct wcs_driver *drv, struct group *g, size_t i)
{
	const struct pending *p = &drv->pend[i];
	struct wcs_input_piece *pc;
	struct wcs_run_opts ro;
	struct wcs_ctx ctx;
	size_t npc = 1;
	int rc;

	run_opts(drv, i, &ro);
	if ((p->from_ops->flags & WCS_READER_HOSTLOG) != 0 && drv->eng != NULL)
		wcs_engine_input_host_log(drv->eng, i);
	/* Lines that do not stand alone are read on by one reader. */
	if ((p->from_ops->flags & WCS_READER_SPLITTABLE) != 0 &&
	    p->from_end - p->from_start >= 2 * drv->piece_size) {
		wcs_ctx_init(&ctx, drv->ctx->alloc);
		rc = cut_pieces(&ctx, drv->paths[i], p->from_start,
		    p->from.lines, drv->piece_size, &pc, &npc);
		if (rc != WCS_OK) {
			wcs_set_error(
			    drv->ctx, ctx.errnum, "%s", wcs_error_string(&ctx));
			return (rc);
		}
		if (pc[0].dev != p->dev || pc[0].ino != p->ino) {
			wcs_free(drv->ctx, pc);
			wcs_set_error(drv->ctx, ESTALE,
			    "%s: replaced since it was listed, not read",
			    drv->paths[i]);
			return (WCS_FAILED);
		}
	} else {
		if ((pc = wcs_malloc(drv->ctx, sizeof(*pc))) == NULL)
			return (WCS_FATAL);
		*pc = (struct wcs_input_piece){ .start = p->from_start,
			.end = p->from_end,
			.lines_before = p->from.lines,
			.size = p->from_end,
			.dev = p->dev,
			.ino = p->ino };
	}
	return (add_piece_members(drv, g, i, p->from_ops, &ro, pc, npc));
}

/*
 * Read every listed input, WCS_FEED_GROUP inputs or pieces at a time, in
 * list order: the groups depend on the inputs alone, never on threads.
 */
static int
read_inputs(struct wcs_driver *drv)
{
	struct group g;
	const struct wcs_reader_ops *ops;
	struct wcs_run_opts ro;
	size_t i, k;
	int rc = WCS_OK;

	g.n = 0;
	g.carry = 0;
	g.carry_ok = false;
	for (i = 0; i < drv->n && rc == WCS_OK; i++) {
		/* Not named, only a state's: read already; or unchanged. */
		if (drv->pend[i].failed || !drv->pend[i].listed ||
		    drv->pend[i].plan == PLAN_SKIP)
			continue;
		memset(&g.fi[g.n], 0, sizeof(g.fi[g.n]));
		if (drv->pend[i].plan == PLAN_FROM && drv->pend[i].from_plain) {
			if ((rc = add_from(drv, &g, i)) == WCS_FAILED) {
				drv_input_error(drv, &drv->stats[i],
				    wcs_error_string(drv->ctx), true);
				rc = WCS_OK;
			}
			continue;
		}
		rc = open_one(drv, i, &g.mem[g.n], &g.fi[g.n].job, &ops, &ro);
		if (rc == WCS_SKIP) {
			rc = WCS_OK;
			continue;
		}
		if (rc != WCS_OK)
			break;
		if (worth_splitting(drv, i, ops, g.mem[g.n].in)) {
			rc = add_pieces(drv, &g, i, ops, &ro);
			if (rc == WCS_FAILED) {
				drv_input_error(drv, &drv->stats[i],
				    wcs_error_string(drv->ctx), true);
				rc = WCS_OK;
			}
		} else {
			rc = group_add(drv, &g);
		}
	}
	if (rc == WCS_OK && g.n > 0) {
		rc = read_group(drv, g.mem, g.fi, g.n);
		g.n = 0; /* read_group closed them */
	}
	if (rc != WCS_OK) {
		for (k = 0; k < g.n; k++) {
			wcs_read_job_free(g.fi[k].job);
			wcs_input_close(g.mem[k].in);
		}
	}
	return (rc);
}

int
wcs_driver_plan(struct wcs_driver *drv)
{
	if (drv->planned)
		return (WCS_OK);
	if (drv_order(drv) != WCS_OK || drv_plan(drv) != WCS_OK)
		return (WCS_FATAL);
	drv->planned = true;
	return (WCS_OK);
}

int
wcs_driver_run(
    struct wcs_driver *drv, struct wcs_engine *eng, wcs_event_cb cb, void *arg)
{
	int rc;

	if (drv->ran) {
		wcs_set_error(drv->ctx, EINVAL, "the inputs were read already");
		return (WCS_FATAL);
	}
	if (wcs_driver_plan(drv) != WCS_OK)
		return (WCS_FATAL);
	drv->ran = true;
	/* The walk's table of files listed is not needed to read them. */
	wcs_walk_free(drv->walk);
	drv->walk = NULL;
	drv->eng = eng;
	drv->cb = cb;
	drv->cb_arg = arg;
	if (eng != NULL)
		wcs_engine_set_inputs(
		    eng, (const char *const *)drv->paths, drv->n);
	rc = read_inputs(drv);
	drv->eng = NULL;
	drv->cb = NULL;
	drv->cb_arg = NULL;
	return (rc);
}
