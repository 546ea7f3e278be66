/*
 * One run: load rules, expand and read inputs, feed the engine, write the
 * report, decide the exit status.  Every input ends up in the report,
 * read or not, with its accounting.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wcscan/engine.h"
#include "wcscan/output.h"
#include "wcscan/reader.h"
#include "wcscan/rules.h"
#include "wcscan/timeutil.h"
#include "cli.h"

struct run {
	struct wcs_ctx *ctx;
	const struct wcs_opts *opts;
	struct wcs_msg msg;
	struct wcs_rules *rules;
	struct wcs_engine *eng;
	struct wcs_tz *tz;
	struct wcs_progress *progress;
	/* Outputs, opened before any input is read (wcscan/output.h). */
	struct wcs_output *report_out, *graph_out, *dump_out, *timeline_out;
	FILE *dump; /* dump_out's stream, NULL once writing it failed */
	int dump_errno; /* why writing the event dump failed */
	/* Inputs found so far; paths[] parallels stats[]. */
	struct wcs_input_stats *stats;
	char **paths;
	size_t n, cap;
	struct pending *pend; /* parallels stats[] */
	unsigned kind_mask; /* of the argument being expanded */
	bool error; /* exit 2 */
	unsigned threads; /* reader threads */
	uint64_t piece_size;
};

/* How an input was named, until it is read. */
struct pending {
	unsigned kind_mask;
	bool top_level; /* named on the command line, not found in a dir */
	bool failed; /* could not even be listed */
	uint64_t dev, ino; /* the file listed: opening checks it is that */
};

/*
 * An input of the group being read, or a piece of one: big plain files of
 * formats whose lines stand alone are read in pieces at once.
 */
struct member {
	size_t index;
	struct wcs_ctx ctx; /* its own: it may be read on a thread */
	struct wcs_input *in;
	struct wcs_input_stats st; /* merged into the input's when done */
	bool last; /* the input's last piece (or the whole input) */
};

/* Pieces of this size; files under two pieces are read whole.  Fixed,
 * never derived from -j: the pieces decide the order events come in.
 * WCSCAN_PIECE_SIZE overrides it, so tests can split small files. */
#define PIECE_SIZE ((uint64_t)32 << 20)

/*
 * The default rules: those compiled in, or the directory WCSCAN_RULES_DIR
 * names instead.
 */
static int
load_default_rules(struct run *r)
{
	const char *env = getenv("WCSCAN_RULES_DIR");
	size_t i;
	int rc;

	if (env != NULL && env[0] != '\0')
		return (wcs_rules_load_dir(r->rules, env));
	for (i = 0; wcs_builtin_rules[i].name != NULL; i++) {
		rc = wcs_rules_load_buffer(r->rules, wcs_builtin_rules[i].name,
		    wcs_builtin_rules[i].text, wcs_builtin_rules[i].len);
		if (rc != WCS_OK)
			return (rc);
	}
	return (WCS_OK);
}

static int
load_rules(struct run *r)
{
	size_t i;

	if ((r->rules = wcs_rules_new(r->ctx)) == NULL)
		return (WCS_FATAL);
	if (!r->opts->no_default_rules && load_default_rules(r) != WCS_OK)
		return (WCS_FAILED);
	for (i = 0; i < r->opts->nrules_dirs; i++) {
		if (wcs_rules_load_dir(r->rules, r->opts->rules_dirs[i]) !=
		    WCS_OK)
			return (WCS_FAILED);
	}
	if (wcs_rules_count(r->rules) == 0) {
		wcs_set_error(r->ctx, WCS_ERULE, "no rules loaded");
		return (WCS_FAILED);
	}
	return (WCS_OK);
}

static void
list_rules(const struct wcs_rules *rules)
{
	const struct wcs_rule_info *ri;
	static const char *const sev[] = { "?", "low", "medium", "high",
		"critical" };
	size_t i;

	/* Last, where it came from: builtin:NAME:LINE or FILE:LINE. */
	for (i = 0; i < wcs_rules_count(rules); i++) {
		ri = wcs_rules_info(rules, i);
		printf("%-40s %-11s %-8s %-14s %s (%s:%u)\n", ri->id,
		    wcs_ioc_class_name(ri->cls),
		    sev[ri->severity >= 0 && ri->severity <= 4 ? ri->severity :
								 0],
		    ri->field, ri->description,
		    ri->file != NULL ? ri->file : "?", ri->line);
	}
}

static void
list_formats(void)
{
	const struct wcs_reader_ops *const *ops;
	size_t i, n;

	ops = wcs_readers(&n);
	for (i = 0; i < n; i++)
		printf("%-12s %-9s %s\n", ops[i]->name,
		    wcs_input_kind_name(ops[i]->kind), ops[i]->description);
}

static struct wcs_input_stats *
new_input(struct run *r, const struct wcs_input_ref *ref)
{
	struct wcs_input_stats *ns;
	struct pending *pp;
	char **np;

	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 16 : r->cap * 2;
		ns = wcs_reallocarray(r->ctx, r->stats, r->cap, sizeof(*ns));
		if (ns == NULL)
			return (NULL);
		r->stats = ns;
		np = wcs_reallocarray(r->ctx, r->paths, r->cap, sizeof(*np));
		if (np == NULL)
			return (NULL);
		r->paths = np;
		pp = wcs_reallocarray(r->ctx, r->pend, r->cap, sizeof(*pp));
		if (pp == NULL)
			return (NULL);
		r->pend = pp;
	}
	r->pend[r->n].kind_mask = r->kind_mask;
	r->pend[r->n].top_level = ref->named;
	r->pend[r->n].failed = false;
	r->pend[r->n].dev = ref->dev;
	r->pend[r->n].ino = ref->ino;
	if ((r->paths[r->n] = wcs_strdup(r->ctx, ref->path)) == NULL)
		return (NULL);
	ns = &r->stats[r->n];
	memset(ns, 0, sizeof(*ns));
	ns->path = r->paths[r->n];
	ns->first = ns->last = WCS_TIME_NONE;
	r->n++;
	/* The arrays moved: tell the engine where the paths are now. */
	wcs_engine_set_inputs(r->eng, (const char *const *)r->paths, r->n);
	return (ns);
}

static int
input_error(
    struct run *r, struct wcs_input_stats *st, const char *why, bool counts)
{
	if (st->error == NULL)
		st->error = wcs_strdup(r->ctx, why);
	if (counts) {
		r->error = true;
		wcs_errx(&r->msg, "%s", why);
	} else {
		wcs_warnx(&r->msg, "%s", why);
	}
	return (WCS_OK);
}

static int
on_event(const struct wcs_event *ev, void *arg)
{
	struct run *r = arg;
	int rc;

	if (wcs_signals_caught() != 0) {
		wcs_set_error(r->ctx, EINTR, "interrupted");
		return (WCS_FATAL);
	}
	if ((rc = wcs_engine_feed(r->eng, ev)) != WCS_OK)
		return (rc);
	/* A failing dump stops; the report goes on (and says so). */
	errno = 0;
	if (r->dump != NULL &&
	    wcs_report_event_json(r->dump, ev, r->paths[ev->input]) != WCS_OK) {
		r->dump_errno = errno != 0 ? errno : EIO;
		r->dump = NULL;
	}
	return (WCS_OK);
}

/* Member m is to read input i (all of it, or a piece: last says). */
static void
member_init(struct run *r, struct member *m, size_t i, bool last)
{
	m->index = i;
	m->in = NULL;
	m->last = last;
	memset(&m->st, 0, sizeof(m->st));
	m->st.first = m->st.last = WCS_TIME_NONE;
	wcs_ctx_init(&m->ctx, r->ctx->alloc);
}

/*
 * Open input i and choose its reader.  WCS_OK: m holds it, ready to read
 * with *job.  WCS_SKIP: it cannot be read (reported).  WCS_FATAL.
 */
static int
open_one(struct run *r, size_t i, struct member *m, struct wcs_read_job **job,
    const struct wcs_reader_ops **opsp, struct wcs_run_opts *rop)
{
	const struct wcs_opts *o = r->opts;
	const char *path = r->paths[i];
	struct wcs_input_stats *st = &r->stats[i];
	const struct wcs_input_ref ref = { .path = path,
		.named = r->pend[i].top_level,
		.dev = r->pend[i].dev,
		.ino = r->pend[i].ino };
	const struct wcs_reader_ops *ops;
	struct wcs_run_opts ro;
	const unsigned char *peek;
	char why[WCS_ERRBUF_SIZE + 64];
	size_t plen;
	int rc, best;

	member_init(r, m, i, true);
	rc = wcs_input_open_ref(&m->ctx, &ref, o->max_line, &m->in);
	if (rc == WCS_FATAL)
		goto fatal;
	if (rc != WCS_OK) {
		input_error(r, st, wcs_error_string(&m->ctx), true);
		return (WCS_SKIP);
	}
	wcs_input_set_threaded(m->in, r->threads > 1);
	if (wcs_input_peek(m->in, &peek, &plen) != WCS_OK) {
		input_error(r, st, wcs_error_string(&m->ctx), true);
		goto skip;
	}
	if (plen == 0) {
		wcs_warnx(&r->msg, "%s: empty input", path);
		st->error = wcs_strdup(r->ctx, "empty");
		goto skip;
	}
	if (o->forced_reader != NULL) {
		ops = wcs_reader_find(o->forced_reader);
	} else if ((ops = wcs_reader_choose(
			peek, plen, r->pend[i].kind_mask, &best)) == NULL) {
		(void)snprintf(why, sizeof(why),
		    "%s: unrecognized log format%s", path,
		    r->pend[i].kind_mask != WCS_KIND_ANY ?
			" for this kind of input" :
			"");
		/* Inside a directory a stray file is reported, not fatal. */
		input_error(r, st, why, r->pend[i].top_level || o->strict);
		goto skip;
	}
	if ((ops->flags & WCS_READER_HOSTLOG) != 0)
		wcs_engine_input_host_log(r->eng, i);
	memset(&ro, 0, sizeof(ro));
	ro.read.tz = r->tz;
	ro.read.year = o->year;
	ro.since = o->since;
	ro.until = o->until;
	ro.input_index = (uint32_t)i;
	*opsp = ops;
	*rop = ro;
	rc = wcs_read_job_new(&m->ctx, ops, m->in, &ro, &m->st, job);
	if (rc == WCS_FATAL)
		goto fatal;
	if (rc != WCS_OK) {
		(void)snprintf(why, sizeof(why), "%s (after 0 records)",
		    wcs_error_string(&m->ctx));
		input_error(r, st, why, true);
		goto skip;
	}
	return (WCS_OK);
fatal:
	wcs_set_error(r->ctx, m->ctx.errnum, "%s", wcs_error_string(&m->ctx));
	wcs_input_close(m->in);
	return (WCS_FATAL);
skip:
	wcs_input_close(m->in);
	return (WCS_SKIP);
}

/* Add what a piece (or the whole input) counted to the input's stats. */
static void
merge_stats(struct wcs_input_stats *to, const struct wcs_input_stats *from)
{
	unsigned i;

	to->format = from->format;
	to->kind = from->kind;
	to->records += from->records;
	to->events += from->events;
	to->ignored += from->ignored;
	to->rejected += from->rejected;
	if (from->first != WCS_TIME_NONE &&
	    (to->first == WCS_TIME_NONE || from->first < to->first))
		to->first = from->first;
	if (from->last != WCS_TIME_NONE &&
	    (to->last == WCS_TIME_NONE || from->last > to->last))
		to->last = from->last;
	to->bytes += from->bytes;
	/* Pieces come in file order: the first rejects stay first. */
	for (i = 0; i < from->nsamples && to->nsamples < WCS_REJECT_SAMPLES;
	     i++)
		to->samples[to->nsamples++] = from->samples[i];
	to->gzip |= from->gzip;
	to->utf16 |= from->utf16;
	to->tz_assumed |= from->tz_assumed;
	to->year_guessed |= from->year_guessed;
	for (i = 0; i < WCS_IGN__COUNT; i++)
		to->ignored_by[i] += from->ignored_by[i];
	to->lost += from->lost;
	to->repaired += from->repaired;
	to->repaired_records += from->repaired_records;
	to->log_state |= from->log_state;
}

/* One thing said of a log: a warning now, and a part of its note. */
static void
log_note_add(
    struct run *r, const char *path, struct wcs_input_stats *st, const char *s)
{
	size_t n = strlen(st->log_note);

	wcs_warnx(&r->msg, "%s: %s", path, s);
	(void)snprintf(st->log_note + n, sizeof(st->log_note) - n, "%s%s",
	    n > 0 ? "; " : "", s);
}

/*
 * What a log says about itself, what was repaired in it and what was
 * guessed for it: a warning and a note for the events it lost, for a log
 * that wrapped or was not closed, for characters replaced to read its
 * records, a warning for a year taken from its mtime (the note is the
 * report's own).
 */
static void
log_says(struct run *r, const char *path, struct wcs_input_stats *st)
{
	char part[128];
	int y1, y2, x;
	size_t n;
	long xl;

	if (st->lost > 0) {
		(void)snprintf(part, sizeof(part),
		    "the log says %llu events were lost (not written to it)",
		    (unsigned long long)st->lost);
		log_note_add(r, path, st, part);
	}
	if ((st->log_state & WCS_LOG_WRAPPED) != 0)
		log_note_add(r, path, st,
		    "its header says the log is full (older records "
		    "overwritten, or newer ones not written)");
	if ((st->log_state & WCS_LOG_CUT) != 0)
		log_note_add(r, path, st,
		    "the file is cut off: it ends inside a record (copied "
		    "while written?)");
	if ((st->log_state & WCS_LOG_DIRTY) != 0)
		log_note_add(r, path, st,
		    "its header says the log was not closed (copied in "
		    "use): read to the end of the file");
	if (st->repaired > 0) {
		n = (size_t)snprintf(part, sizeof(part),
		    "%llu character%s XML forbids or not UTF-8 replaced with "
		    "U+FFFD",
		    (unsigned long long)st->repaired,
		    st->repaired == 1 ? "" : "s");
		if (n < sizeof(part))
			(void)snprintf(part + n, sizeof(part) - n,
			    " in %llu record%s to read %s",
			    (unsigned long long)st->repaired_records,
			    st->repaired_records == 1 ? "" : "s",
			    st->repaired_records == 1 ? "it" : "them");
		log_note_add(r, path, st, part);
	}
	if (!st->year_guessed || st->first == WCS_TIME_NONE)
		return;
	wcs_time_to_civil(st->first, &y1, &x, &x, &x, &x, &x, &xl);
	wcs_time_to_civil(st->last, &y2, &x, &x, &x, &x, &x, &xl);
	if (y1 == y2)
		wcs_warnx(&r->msg,
		    "%s: no year in the log: %d taken from the file's "
		    "modification time (--year sets it)",
		    path, y1);
	else
		wcs_warnx(&r->msg,
		    "%s: no year in the log: %d to %d taken from the file's "
		    "modification time (--year sets it)",
		    path, y1, y2);
}

/* What the reading of input m came to, said once it is over. */
static void
close_one(struct run *r, struct member *m, int rc)
{
	const char *path = r->paths[m->index];
	struct wcs_input_stats *st = &r->stats[m->index];
	const struct wcs_input_info *ii = wcs_input_info(m->in);
	char why[WCS_ERRBUF_SIZE + 64];
	unsigned i;

	merge_stats(st, &m->st);
	/* Said once, by the first piece that saw it. */
	if (ii->shrank && st->file_note[0] == '\0') {
		(void)snprintf(st->file_note, sizeof(st->file_note),
		    "file shrank while being read (from %llu to %llu bytes)",
		    (unsigned long long)ii->shrank_from,
		    (unsigned long long)ii->shrank_to);
		wcs_warnx(&r->msg, "%s: %s", path, st->file_note);
	}
	wcs_input_close(m->in);
	if (rc != WCS_OK && rc != WCS_FATAL) {
		(void)snprintf(why, sizeof(why), "%s (after %llu records)",
		    wcs_error_string(&m->ctx), (unsigned long long)st->records);
		input_error(r, st, why, true);
	}
	if (!m->last)
		return;
	if (st->tz_assumed)
		wcs_warnx(&r->msg,
		    "%s: local times read as UTC (no --tz given)", path);
	log_says(r, path, st);
	if (st->rejected > 0)
		wcs_warnx(&r->msg, "%s: %llu of %llu records rejected%s", path,
		    (unsigned long long)st->rejected,
		    (unsigned long long)st->records,
		    st->nsamples > 0 ? ", first:" : "");
	for (i = 0; i < st->nsamples; i++)
		wcs_warnx(&r->msg, "%s:%llu: %s", path,
		    (unsigned long long)st->samples[i].line,
		    st->samples[i].why);
	if (r->opts->strict && st->rejected > 0)
		r->error = true;
}

/* Read the inputs of one group together (src/cli/feed.c). */
static int
read_group(
    struct run *r, struct member *mem, struct wcs_feed_input *fi, size_t n)
{
	uint64_t size = 0;
	size_t k;
	int rc, status = WCS_OK;

	for (k = 0; k < n; k++)
		size += wcs_input_info(mem[k].in)->raw_size;
	wcs_progress_file(r->progress, r->paths[mem[0].index], size,
	    (unsigned)mem[0].index + 1, (unsigned)r->n);
	rc =
	    wcs_feed_group(r->ctx, fi, n, r->threads, on_event, r, r->progress);
	wcs_progress_done(r->progress);
	for (k = 0; k < n; k++) {
		wcs_read_job_free(fi[k].job);
		if (fi[k].rc == WCS_FATAL && status == WCS_OK) {
			wcs_set_error(r->ctx, mem[k].ctx.errnum, "%s",
			    wcs_error_string(&mem[k].ctx));
			status = WCS_FATAL;
		}
		close_one(r, &mem[k], fi[k].rc);
	}
	return (rc == WCS_FATAL ? WCS_FATAL : status);
}

/* The group being filled, read once it is full. */
struct group {
	struct member mem[WCS_FEED_GROUP];
	struct wcs_feed_input fi[WCS_FEED_GROUP];
	size_t n;
};

static int
group_add(struct run *r, struct group *g)
{
	int rc;

	g->fi[g->n].ctx = &g->mem[g->n].ctx;
	if (++g->n < WCS_FEED_GROUP)
		return (WCS_OK);
	rc = read_group(r, g->mem, g->fi, g->n);
	g->n = 0;
	return (rc);
}

static bool
worth_splitting(const struct run *r, const struct wcs_reader_ops *ops,
    const struct wcs_input *in)
{
	const struct wcs_input_info *ii = wcs_input_info(in);

	return ((ops->flags & WCS_READER_SPLITTABLE) != 0 && !ii->gzip &&
		!ii->utf16 && ii->raw_size >= 2 * r->piece_size &&
		strcmp(ii->path, "-") != 0);
}

/*
 * Input i, opened and bid for in m, in pieces instead: each piece its own
 * member, in file order.  Falls back to the whole input (m as it is) when
 * the file cannot be split.
 */
static int
add_pieces(struct run *r, struct group *g, size_t i,
    const struct wcs_reader_ops *ops, const struct wcs_run_opts *ro)
{
	struct member *m = &g->mem[g->n];
	struct wcs_input_piece *pc;
	struct wcs_read_job *job;
	size_t k, npc;
	int rc;

	rc = wcs_input_split(&m->ctx, r->paths[i], r->piece_size, &pc, &npc);
	if (rc == WCS_FATAL)
		return (rc);
	/* Split another file than the one opened (replaced since): read
	 * the one opened, whole. */
	if (rc != WCS_OK || npc < 2 ||
	    pc[0].dev != wcs_input_info(m->in)->dev ||
	    pc[0].ino != wcs_input_info(m->in)->ino) {
		if (rc == WCS_OK)
			wcs_free(&m->ctx, pc);
		return (group_add(r, g));
	}
	wcs_read_job_free(g->fi[g->n].job);
	wcs_input_close(m->in);
	for (k = 0; k < npc; k++) {
		m = &g->mem[g->n];
		member_init(r, m, i, k + 1 == npc);
		rc = wcs_input_open_piece(
		    &m->ctx, r->paths[i], &pc[k], r->opts->max_line, &m->in);
		if (rc == WCS_OK) {
			rc = wcs_read_job_new(
			    &m->ctx, ops, m->in, ro, &m->st, &job);
			if (rc != WCS_OK)
				wcs_input_close(m->in);
		}
		if (rc != WCS_OK) {
			/* The file changed or vanished under us. */
			wcs_set_error(r->ctx, m->ctx.errnum, "%s",
			    wcs_error_string(&m->ctx));
			wcs_free(r->ctx, pc);
			return (rc == WCS_FATAL ? WCS_FATAL : WCS_FAILED);
		}
		g->fi[g->n].job = job;
		if ((rc = group_add(r, g)) != WCS_OK) {
			wcs_free(r->ctx, pc);
			return (rc);
		}
	}
	wcs_free(r->ctx, pc);
	return (WCS_OK);
}

/*
 * Read every listed input, WCS_FEED_GROUP inputs or pieces at a time, in
 * list order: the groups depend on the inputs alone, never on -j.
 */
static int
read_inputs(struct run *r)
{
	struct group g;
	const struct wcs_reader_ops *ops;
	struct wcs_run_opts ro;
	size_t i, k;
	int rc = WCS_OK;

	g.n = 0;
	wcs_engine_set_inputs(r->eng, (const char *const *)r->paths, r->n);
	for (i = 0; i < r->n && rc == WCS_OK; i++) {
		if (r->pend[i].failed)
			continue;
		rc = open_one(r, i, &g.mem[g.n], &g.fi[g.n].job, &ops, &ro);
		if (rc == WCS_SKIP) {
			rc = WCS_OK;
			continue;
		}
		if (rc != WCS_OK)
			break;
		if (worth_splitting(r, ops, g.mem[g.n].in)) {
			rc = add_pieces(r, &g, i, ops, &ro);
			if (rc == WCS_FAILED) {
				input_error(r, &r->stats[i],
				    wcs_error_string(r->ctx), true);
				rc = WCS_OK;
			}
		} else {
			rc = group_add(r, &g);
		}
	}
	if (rc == WCS_OK && g.n > 0) {
		rc = read_group(r, g.mem, g.fi, g.n);
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

static void
walk_skipped(const char *path, const char *why, void *arg)
{
	struct run *r = arg;

	wcs_warnx(&r->msg, "%s: skipped: %s", path, why);
}

/* Listing comes first; reading starts once every input is known. */
static int
walk_file(const struct wcs_input_ref *ref, void *arg)
{
	struct run *r = arg;

	return (new_input(r, ref) == NULL ? WCS_FATAL : WCS_OK);
}

/*
 * Open every output before any input is read, so that a path that cannot
 * be written is known at once, not after hours of reading.
 */
static int
open_outputs(struct run *r)
{
	const struct wcs_opts *o = r->opts;
	struct {
		const char *path;
		struct wcs_output **out;
	} outs[] = {
		{ o->output != NULL ? o->output : "-", &r->report_out },
		{ o->graph, &r->graph_out },
		{ o->dump_events, &r->dump_out },
		{ o->timeline, &r->timeline_out },
	};
	size_t i, j;
	int rc;

	for (i = 0; i < WCS_NELEM(outs); i++) {
		if (outs[i].path == NULL)
			continue;
		for (j = 0; j < i; j++) {
			if (outs[j].path != NULL &&
			    strcmp(outs[i].path, outs[j].path) == 0 &&
			    strcmp(outs[i].path, "-") != 0) {
				wcs_set_error(r->ctx, WCS_EUSAGE,
				    "%s: named for two outputs", outs[i].path);
				return (WCS_FAILED);
			}
		}
		if ((rc = wcs_output_new(r->ctx, outs[i].path, outs[i].out)) !=
		    WCS_OK)
			return (rc);
	}
	if (r->dump_out != NULL)
		r->dump = wcs_output_stream(r->dump_out);
	return (WCS_OK);
}

/* Commit an output (rename it into place); a failure is an error. */
static void
commit_output(struct run *r, struct wcs_output **op)
{
	if (*op == NULL)
		return;
	if (wcs_output_commit(*op) != WCS_OK) {
		wcs_errx(&r->msg, "%s", wcs_error_string(r->ctx));
		r->error = true;
	}
	wcs_output_free(*op);
	*op = NULL;
}

/* An output whose writing failed is not committed: an old file stays. */
static void
drop_output(struct run *r, struct wcs_output **op, const char *what, int err)
{
	wcs_errx(&r->msg, "%s: writing the %s: %s", wcs_output_path(*op), what,
	    strerror(err));
	r->error = true;
	wcs_output_free(*op);
	*op = NULL;
}

static void
write_report(struct run *r, const struct wcs_report *rep)
{
	if (wcs_report_write(r->ctx, wcs_output_stream(r->report_out),
		r->opts->format, rep) != WCS_OK) {
		wcs_errx(&r->msg, "%s: %s", wcs_output_path(r->report_out),
		    wcs_error_string(r->ctx));
		r->error = true;
		wcs_output_free(r->report_out);
		r->report_out = NULL;
		return;
	}
	commit_output(r, &r->report_out);
}

static void
write_graph(struct run *r, const struct wcs_result *res)
{
	errno = 0;
	if (wcs_report_graph_dot(
		r->ctx, wcs_output_stream(r->graph_out), res) != WCS_OK) {
		drop_output(
		    r, &r->graph_out, "graph", errno != 0 ? errno : EIO);
		return;
	}
	commit_output(r, &r->graph_out);
}

static void
write_timeline(struct run *r, const struct wcs_result *res)
{
	const char *path = r->opts->timeline;
	size_t len = strlen(path);
	bool csv = len >= 4 && strcmp(path + len - 4, ".csv") == 0;

	if (wcs_report_timeline(r->ctx, wcs_output_stream(r->timeline_out), res,
		csv) != WCS_OK) {
		wcs_errx(&r->msg, "%s: %s", wcs_output_path(r->timeline_out),
		    wcs_error_string(r->ctx));
		r->error = true;
		wcs_output_free(r->timeline_out);
		r->timeline_out = NULL;
		return;
	}
	commit_output(r, &r->timeline_out);
}

/*
 * The text report's width: COLUMNS when set (as ls(1) and many others
 * read it), else the terminal's when the report goes to one, else a fixed
 * width so a report written to a file reads the same everywhere.
 */
static unsigned
text_width(struct run *r)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	char *end;
	long v;
	int fd;

	if (env != NULL && *env != '\0') {
		errno = 0;
		v = strtol(env, &end, 10);
		if (errno == 0 && *end == '\0' && v > 0 && v <= 10000)
			return ((unsigned)v);
	}
	fd = fileno(wcs_output_stream(r->report_out));
	if (fd >= 0 && isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 0)
		return (ws.ws_col);
	return (WCS_TEXT_WIDTH_DEFAULT);
}

static void
write_dump(struct run *r)
{
	if (r->dump_errno != 0) {
		drop_output(r, &r->dump_out, "events", r->dump_errno);
		return;
	}
	r->dump = NULL;
	commit_output(r, &r->dump_out);
}

/* Say, per input, how its clock compared with the others. */
static int
clock_notes(struct run *r)
{
	int64_t off, unc;
	const char *ref;
	size_t i, samples;

	for (i = 0; i < r->n; i++) {
		/* A clock within a second of the reference needs no note. */
		if (!wcs_engine_input_offset(
			r->eng, i, &off, &unc, &ref, &samples) ||
		    ref == NULL || (off < WCS_USEC && off > -WCS_USEC))
			continue;
		r->stats[i].clock_note = wcs_malloc(r->ctx, 512);
		if (r->stats[i].clock_note == NULL)
			return (WCS_FATAL);
		(void)snprintf(r->stats[i].clock_note, 512,
		    "clock %+.0f s (+/- %.0f s) against %s (from %zu shared "
		    "observations); times corrected for the graph",
		    (double)off / 1e6, (double)unc / 1e6, ref, samples);
	}
	return (WCS_OK);
}

/* Say, per input, how many of its records another input had already given. */
static int
duplicate_notes(struct run *r)
{
	uint64_t n;
	size_t i;

	for (i = 0; i < r->n; i++) {
		if ((n = wcs_engine_input_duplicates(r->eng, i)) == 0)
			continue;
		if ((r->stats[i].dup_note = wcs_malloc(r->ctx, 160)) == NULL)
			return (WCS_FATAL);
		(void)snprintf(r->stats[i].dup_note, 160,
		    "%llu event record%s already read from another input (same "
		    "Computer, Channel and EventRecordID): counted once",
		    (unsigned long long)n, n == 1 ? "" : "s");
	}
	if (wcs_engine_unchecked_records(r->eng) > 0)
		wcs_warnx(&r->msg,
		    "%llu event records not checked for copies: the table of "
		    "records read is full",
		    (unsigned long long)wcs_engine_unchecked_records(r->eng));
	return (WCS_OK);
}

static bool
found_something(const struct wcs_result *res)
{
	size_t i;

	for (i = 0; i < res->nhosts; i++) {
		switch (res->hosts[i].verdict) {
		case WCS_VERDICT_INFECTED:
		case WCS_VERDICT_NEUTRALIZED:
		case WCS_VERDICT_SUSPICIOUS:
			return (true);
		default:
			break;
		}
	}
	return (false);
}

static void
run_cleanup(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		wcs_free(r->ctx, r->stats[i].error);
		wcs_free(r->ctx, r->stats[i].clock_note);
		wcs_free(r->ctx, r->stats[i].dup_note);
		wcs_free(r->ctx, r->paths[i]);
	}
	wcs_free(r->ctx, r->stats);
	wcs_free(r->ctx, r->paths);
	wcs_free(r->ctx, r->pend);
	/* Uncommitted outputs: their temporary files go. */
	wcs_output_free(r->report_out);
	wcs_output_free(r->graph_out);
	wcs_output_free(r->dump_out);
	wcs_output_free(r->timeline_out);
	wcs_progress_free(r->progress);
	wcs_engine_free(r->eng);
	wcs_rules_free(r->rules);
	wcs_tz_free(r->tz);
}

int
wcs_run(struct wcs_ctx *ctx, const struct wcs_opts *opts)
{
	struct wcs_engine_opts eo;
	const struct wcs_result *res;
	struct wcs_report rep;
	struct wcs_walk *walk;
	struct run r;
	size_t i;
	int rc, status;

	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	r.opts = opts;
	r.msg.quiet = opts->quiet;
	if (opts->list_formats) {
		list_formats();
		return (WCS_EXIT_CLEAN);
	}
	if ((rc = load_rules(&r)) != WCS_OK) {
		wcs_errx(&r.msg, "%s", wcs_error_string(ctx));
		run_cleanup(&r);
		return (WCS_EXIT_ERROR);
	}
	if (opts->list_rules) {
		list_rules(r.rules);
		run_cleanup(&r);
		return (WCS_EXIT_CLEAN);
	}
	if (opts->ninputs == 0) {
		wcs_usage_error("no input given (name log files, or - for "
				"standard input)");
		run_cleanup(&r);
		return (WCS_EXIT_ERROR);
	}
	if (opts->tz != NULL && (r.tz = wcs_tz_new(ctx, opts->tz)) == NULL) {
		wcs_usage_error("--tz: %s", wcs_error_string(ctx));
		run_cleanup(&r);
		return (WCS_EXIT_ERROR);
	}
	memset(&eo, 0, sizeof(eo));
	eo.internal = opts->internal;
	eo.ninternal = opts->ninternal;
	eo.fanout_threshold = opts->fanout_threshold;
	eo.fanout_window_us = opts->fanout_window_us;
	if ((r.eng = wcs_engine_new(ctx, &eo, r.rules)) == NULL)
		goto out_fatal;
	wcs_signals_catch();
	if ((rc = open_outputs(&r)) != WCS_OK) {
		if (rc == WCS_FATAL)
			goto out_fatal;
		wcs_errx(&r.msg, "%s", wcs_error_string(ctx));
		run_cleanup(&r);
		return (WCS_EXIT_ERROR);
	}
	if ((r.threads = opts->jobs) == 0) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

		r.threads = ncpu > 0 ? (unsigned)ncpu : 1;
	}
	if (r.threads > WCS_FEED_GROUP)
		r.threads = WCS_FEED_GROUP;
	r.piece_size = PIECE_SIZE;
	{
		const char *ps = getenv("WCSCAN_PIECE_SIZE");
		char *end;
		unsigned long long v;

		if (ps != NULL && ps[0] != '\0') {
			errno = 0;
			v = strtoull(ps, &end, 10);
			if (errno == 0 && *end == '\0' && v > 0)
				r.piece_size = v;
		}
	}
	r.progress = wcs_progress_new(
	    ctx, opts->progress == 1 || (opts->progress == -1 && isatty(2)));
	/* One walk for every argument: no file is listed twice. */
	walk = wcs_walk_new(
	    ctx, opts->follow_symlinks ? WCS_WALK_FOLLOW_SYMLINKS : 0);
	if (walk == NULL)
		goto out_fatal;
	for (i = 0; i < opts->ninputs; i++) {
		struct wcs_input_ref ref = { .path = opts->inputs[i].path,
			.named = true };
		struct wcs_input_stats *st;

		r.kind_mask = opts->inputs[i].kind_mask;
		rc = wcs_walk_add(walk, ref.path, walk_file, walk_skipped, &r);
		if (rc == WCS_FATAL)
			break;
		if (rc != WCS_OK) {
			if ((st = new_input(&r, &ref)) == NULL) {
				rc = WCS_FATAL;
				break;
			}
			input_error(&r, st, wcs_error_string(ctx), true);
			r.pend[r.n - 1].failed = true;
		}
	}
	wcs_walk_free(walk);
	if (rc == WCS_FATAL)
		goto out_fatal;
	if (read_inputs(&r) != WCS_OK)
		goto out_fatal;
	if (wcs_signals_caught() != 0)
		goto out_interrupted;
	if (wcs_engine_finish(r.eng, &res) != WCS_OK)
		goto out_fatal;
	if (clock_notes(&r) != WCS_OK || duplicate_notes(&r) != WCS_OK)
		goto out_fatal;
	if (wcs_engine_untracked(r.eng) > 0)
		wcs_warnx(&r.msg,
		    "%llu 445/tcp attempts not tracked: memory caps reached "
		    "(forged addresses?)",
		    (unsigned long long)wcs_engine_untracked(r.eng));
	if (wcs_engine_untracked_hosts(r.eng) > 0)
		wcs_warnx(&r.msg,
		    "%llu events about hosts not tracked: the host table is "
		    "full (%u hosts, %u of them seen only on the web; forged "
		    "addresses?)",
		    (unsigned long long)wcs_engine_untracked_hosts(r.eng),
		    WCS_ENGINE_HOSTS_MAX, WCS_ENGINE_WEB_ONLY_MAX);
	if (wcs_signals_caught() != 0)
		goto out_interrupted;
	if (r.graph_out != NULL)
		write_graph(&r, res);
	if (r.dump_out != NULL)
		write_dump(&r);
	if (r.timeline_out != NULL)
		write_timeline(&r, res);
	memset(&rep, 0, sizeof(rep));
	rep.inputs = r.stats;
	rep.ninputs = r.n;
	rep.result = res;
	rep.tz_name = opts->tz;
	rep.width = text_width(&r);
	if (wcs_signals_caught() != 0)
		goto out_interrupted;
	write_report(&r, &rep);
	status = r.error	      ? WCS_EXIT_ERROR :
		 found_something(res) ? WCS_EXIT_FOUND :
					WCS_EXIT_CLEAN;
	run_cleanup(&r);
	return (status);
out_interrupted:
	wcs_errx(&r.msg, "interrupted by %s; no report written",
	    strsignal(wcs_signals_caught()));
	run_cleanup(&r);
	return (WCS_EXIT_ERROR);
out_fatal:
	if (wcs_signals_caught() != 0)
		goto out_interrupted;
	wcs_errx(&r.msg, "%s",
	    wcs_error_string(ctx)[0] != '\0' ? wcs_error_string(ctx) :
					       "out of memory");
	run_cleanup(&r);
	return (WCS_EXIT_ERROR);
}
