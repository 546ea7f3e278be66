/*
 * One run: load rules, list and read the inputs into the engine (through
 * the driver, wcscan/driver.h), conclude, write the reports, decide the
 * exit status.  Every input ends up in the report,
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

#include "wcscan/driver.h"
#include "wcscan/engine.h"
#include "wcscan/engine_state.h"
#include "wcscan/output.h"
#include "wcscan/reader.h"
#include "wcscan/rules.h"
#include "wcscan/statefile.h"
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
	/* The inputs, listed then read (wcscan/driver.h). */
	struct wcs_driver *drv;
	/* Outputs, opened before any input is read (wcscan/output.h). */
	struct wcs_output *report_out, *graph_out, *dump_out, *timeline_out;
	FILE *dump; /* dump_out's stream, NULL once writing it failed */
	int dump_errno; /* why writing the event dump failed */
	const char **paths; /* the driver's inputs, for loading states */
	/* --state: the last sweep's verdicts, and the state saved next. */
	struct wcs_sweep sweep;
	struct wcs_state_writer *sweep_w;
	/* --state: the last sweep's report, written again when nothing is
	 * new (reuse); the one this sweep writes, kept with its state. */
	struct wcs_kept kept, keep;
	struct wcs_state *kept_st; /* the state kept's bytes are in */
	/* --state: the last state's size less its report's, a hint for
	 * the writer of the next (save_state). */
	size_t state_hint;
	bool reuse;
	bool idle; /* a --no-report sweep with nothing new: no engine */
	bool error; /* exit 2 */
};

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

/* Every event, once the engine has it: a signal stops the reading. */
static int
on_event(const struct wcs_event *ev, void *arg)
{
	struct run *r = arg;

	if (wcs_signals_caught() != 0) {
		wcs_set_error(r->ctx, EINTR, "interrupted");
		return (WCS_FATAL);
	}
	/* A failing dump stops; the report goes on (and says so). */
	errno = 0;
	if (r->dump != NULL &&
	    wcs_report_event_json(
		r->dump, ev, wcs_driver_path(r->drv, ev->input)) != WCS_OK) {
		r->dump_errno = errno != 0 ? errno : EIO;
		r->dump = NULL;
	}
	return (WCS_OK);
}

/* The driver's hooks: its messages and its progress. */
static void
say_hook(void *arg, enum wcs_driver_level level, const char *msg)
{
	struct run *r = arg;

	if (level == WCS_DRIVER_ERROR)
		wcs_errx(&r->msg, "%s", msg);
	else
		wcs_warnx(&r->msg, "%s", msg);
}

static void
group_hook(
    void *arg, const char *path, uint64_t size, unsigned index, unsigned count)
{
	struct run *r = arg;

	wcs_progress_file(r->progress, path, size, index, count);
}

static void
progress_hook(void *arg, uint64_t bytes)
{
	struct run *r = arg;

	wcs_progress_update(r->progress, bytes);
}

static void
group_done_hook(void *arg)
{
	struct run *r = arg;

	wcs_progress_done(r->progress);
}

static unsigned text_width(struct run *r);
static bool found_something(const struct wcs_result *res);

/*
 * Whether this run keeps its report with the sweep's state, and may write
 * the last one's again: a sweep's report in a format with parts that
 * follow from the conclusion alone (wcs_report_keepable), and no other
 * output that needs the conclusion.
 */
static bool
keepable(const struct run *r)
{
	const struct wcs_opts *o = r->opts;

	return (o->sweep_state != NULL && o->nstates == 0 && !o->no_report &&
		o->save_state == NULL && o->graph == NULL &&
		o->timeline == NULL && o->dump_events == NULL &&
		wcs_report_keepable(o->format));
}

/*
 * Whether this run is a sweep that neither reports nor saves a state of
 * its own, so that when nothing is new it writes nothing at all (the
 * state stays the last sweep's) and needs no engine.
 */
static bool
idle_if_unchanged(const struct run *r)
{
	const struct wcs_opts *o = r->opts;

	return (o->sweep_state != NULL && o->nstates == 0 && o->no_report &&
		o->save_state == NULL);
}

/* Whether the sweep planned finds nothing new in any input. */
static bool
nothing_new(const struct run *r)
{
	struct wcs_driver_sweep counts;

	wcs_driver_sweep(r->drv, &counts);
	return (counts.appended == 0 && counts.replaced == 0 &&
		counts.rotated == 0 && counts.fresh == 0);
}

/*
 * Whether the last sweep's report is this one's: asked for the same way
 * (the key), over the same inputs in the same order, none with anything
 * new to read.
 */
static bool
can_reuse(struct run *r)
{
	char key[WCS_KEPT_KEY_MAX];
	size_t i;

	wcs_kept_key(r->opts, text_width(r), wcs_rules_digest(r->rules), key,
	    sizeof(key));
	if (strcmp(key, r->kept.key) != 0 ||
	    r->kept.ninputs != wcs_driver_count(r->drv))
		return (false);
	for (i = 0; i < r->kept.ninputs; i++) {
		if (strcmp(r->kept.inputs[i].path,
			wcs_driver_path(r->drv, i)) != 0)
			return (false);
	}
	if (!nothing_new(r))
		return (false);
	if (!wcs_report_kept_plausible(r->opts->format, &r->kept.parts)) {
		wcs_warnx(&r->msg,
		    "%s: the report kept is not one this format writes: "
		    "concluding again",
		    r->opts->sweep_state);
		return (false);
	}
	return (true);
}

/*
 * Size what this sweep writes as the last one wrote it: its state
 * (without the report, which the writer takes by reference) and its
 * report, with room to grow, so that neither buffer is copied as it
 * grows.
 */
static void
sweep_hints(struct run *r, const struct wcs_state *st)
{
	uint64_t rep = wcs_state_section_size(st, WCS_STATE_SEC_REPORT);
	size_t n = wcs_state_size(st);

	/* Bounded by WCS_STATE_FILE_MAX: no overflow. */
	n = rep < n ? n - (size_t)rep : 0;
	r->state_hint = n + n / 8;
	if (keepable(r))
		r->keep.parts.hint = (size_t)(rep + rep / 8);
}

/*
 * The states named (--load-state, merge's operands): their inputs join
 * the driver's list, then the engine takes what they hold.  WCS_OK,
 * WCS_FAILED (said: a state that cannot be read, or that another run's
 * options made) or WCS_FATAL.
 *
 * Each file is read in steps, its sections only once and when needed:
 * first the driver's and the sweep's, to plan; then, when nothing is
 * new, the last sweep's report (can_reuse), or else, to conclude, all
 * but that report.
 */
static int
load_states(struct run *r)
{
	static const uint32_t small[] = { WCS_STATE_SEC_INPUTS,
		WCS_STATE_SEC_SWEEP };
	static const uint32_t report[] = { WCS_STATE_SEC_REPORT };
	const struct wcs_opts *o = r->opts;
	struct wcs_state **st;
	const char *path;
	struct stat sb;
	size_t i, n, nst = o->nstates;
	int rc = WCS_OK;

	/* A sweep's state, when an earlier sweep left one. */
	if (o->sweep_state != NULL &&
	    (stat(o->sweep_state, &sb) == 0 || errno != ENOENT))
		nst++;
	if (nst == 0)
		return (WCS_OK);
	if ((st = wcs_calloc(r->ctx, nst, sizeof(*st))) == NULL)
		return (WCS_FATAL);
	for (i = 0; i < nst && rc == WCS_OK; i++) {
		path = i < o->nstates ? o->states[i] : o->sweep_state;
		rc = wcs_state_load_some(
		    r->ctx, path, small, WCS_NELEM(small), &st[i]);
		if (rc == WCS_OK)
			rc = wcs_driver_load_state(r->drv, st[i]);
		if (rc == WCS_OK && i == o->nstates) {
			rc = wcs_sweep_load(r->ctx, st[i], &r->sweep);
			sweep_hints(r, st[i]);
		} else if (rc == WCS_OK) {
			/* Merged, not planned: read now, so that one file
			 * is open at a time however many are named. */
			rc = wcs_state_read_others(
			    st[i], report, WCS_NELEM(report));
		}
	}
	/* keepable: the sweep's state is the only one, st[0]. */
	if (rc == WCS_OK && keepable(r) &&
	    (rc = wcs_driver_plan(r->drv)) == WCS_OK && nothing_new(r) &&
	    (rc = wcs_state_read_more(st[0], report, WCS_NELEM(report))) ==
		WCS_OK &&
	    (rc = wcs_kept_load(r->ctx, st[0], &r->kept)) == WCS_OK &&
	    r->kept.loaded)
		r->reuse = can_reuse(r);
	if (rc == WCS_OK && r->reuse) {
		r->kept_st = st[0];
		st[0] = NULL;
	}
	/* Nothing new and nothing to write: the engine's sections, most of
	 * the state, are not read. */
	if (rc == WCS_OK && nst > o->nstates && idle_if_unchanged(r) &&
	    (rc = wcs_driver_plan(r->drv)) == WCS_OK && nothing_new(r))
		r->idle = true;
	/* Concluding after all: the engine's sections, not the report. */
	if (rc == WCS_OK && !r->reuse && !r->idle && nst > o->nstates) {
		wcs_kept_free(r->ctx, &r->kept); /* its bytes are st[0]'s */
		rc = wcs_state_read_others(
		    st[o->nstates], report, WCS_NELEM(report));
	}
	if (rc == WCS_OK) {
		n = wcs_driver_count(r->drv);
		if ((r->paths = wcs_calloc(r->ctx, n + 1, sizeof(*r->paths))) ==
		    NULL)
			rc = WCS_FATAL;
		for (i = 0; rc == WCS_OK && i < n; i++)
			r->paths[i] = wcs_driver_path(r->drv, i);
		if (rc == WCS_OK)
			wcs_engine_set_inputs(r->eng, r->paths, n);
	}
	/* Nothing new, the same report asked for: the engine is not
	 * needed. */
	for (i = 0; i < nst && rc == WCS_OK && !r->reuse && !r->idle; i++)
		rc = wcs_engine_load_state(r->eng, st[i]);
	for (i = 0; i < nst; i++)
		wcs_state_free(st[i]);
	wcs_free(r->ctx, st);
	if (rc == WCS_FAILED)
		wcs_errx(&r->msg, "%s", wcs_error_string(r->ctx));
	return (rc);
}

/*
 * What was read, before concluding: written to --save-state's file, or
 * kept for --state's (written once the sweep's verdicts are added).
 * Said on failure.
 */
static int
save_state(struct run *r)
{
	struct wcs_state_writer *w;
	int rc;

	if ((w = wcs_state_writer_new(r->ctx)) == NULL)
		return (WCS_FATAL);
	wcs_state_writer_reserve(w, r->state_hint);
	if ((rc = wcs_engine_save_state(r->eng, w)) == WCS_OK &&
	    (rc = wcs_driver_save_state(r->drv, w)) == WCS_OK &&
	    r->opts->sweep_state == NULL)
		rc = wcs_state_writer_save(w, r->opts->save_state);
	if (rc == WCS_OK && r->opts->sweep_state != NULL)
		r->sweep_w = w;
	else
		wcs_state_writer_free(w);
	if (rc == WCS_FAILED)
		wcs_errx(&r->msg, "%s", wcs_error_string(r->ctx));
	return (rc);
}

/*
 * --state: the sweep's verdicts, and its report when it was written and
 * kept, join its state, written atomically.
 */
static int
save_sweep(struct run *r, const struct wcs_result *res, bool with_report)
{
	int rc;

	if ((rc = wcs_sweep_save(r->sweep_w, res)) == WCS_OK && with_report)
		rc = wcs_kept_save(r->sweep_w, &r->keep);
	if (rc == WCS_OK)
		rc = wcs_state_writer_save(r->sweep_w, r->opts->sweep_state);
	if (rc == WCS_FAILED)
		wcs_errx(&r->msg, "%s", wcs_error_string(r->ctx));
	return (rc);
}

/*
 * The driver, and every input named listed in it (a directory walked):
 * reading starts once every input is known.
 */
static int
list_inputs(struct run *r)
{
	const struct wcs_opts *o = r->opts;
	struct wcs_driver_opts dop = {
		.forced_reader = o->forced_reader,
		.max_line = o->max_line,
		.tz = r->tz,
		.year = o->year,
		.since = o->since,
		.until = o->until,
		.strict = o->strict,
		.follow_symlinks = o->follow_symlinks,
		.threads = o->jobs,
		.incremental = o->sweep_state != NULL,
		.hooks = { .say = say_hook,
		    .group = group_hook,
		    .progress = progress_hook,
		    .group_done = group_done_hook,
		    .arg = r },
	};
	const char *ps = getenv("WCSCAN_PIECE_SIZE");
	unsigned long long v;
	char *end;
	size_t i;

	/* Tests split small files into pieces with it. */
	if (ps != NULL && ps[0] != '\0') {
		errno = 0;
		v = strtoull(ps, &end, 10);
		if (errno == 0 && *end == '\0' && v > 0)
			dop.piece_size = v;
	}
	if ((r->drv = wcs_driver_new(r->ctx, &dop)) == NULL)
		return (WCS_FATAL);
	for (i = 0; i < o->ninputs; i++) {
		if (wcs_driver_add(r->drv, o->inputs[i].path,
			o->inputs[i].kind_mask) == WCS_FATAL)
			return (WCS_FATAL);
	}
	return (WCS_OK);
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

/* True when the report reached its file. */
static bool
write_report(struct run *r, const struct wcs_report *rep)
{
	bool had_error = r->error;

	if (wcs_report_write(r->ctx, wcs_output_stream(r->report_out),
		r->opts->format, rep) != WCS_OK) {
		wcs_errx(&r->msg, "%s: %s", wcs_output_path(r->report_out),
		    wcs_error_string(r->ctx));
		r->error = true;
		wcs_output_free(r->report_out);
		r->report_out = NULL;
		return (false);
	}
	commit_output(r, &r->report_out);
	/* commit_output says a failed rename, and marks the error. */
	return (r->error == had_error);
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
	struct wcs_input_stats *st = wcs_driver_stats(r->drv);
	int64_t off, unc;
	const char *ref;
	size_t i, samples;

	for (i = 0; i < wcs_driver_count(r->drv); i++) {
		/* A clock within a second of the reference needs no note. */
		if (!wcs_engine_input_offset(
			r->eng, i, &off, &unc, &ref, &samples) ||
		    ref == NULL || (off < WCS_USEC && off > -WCS_USEC))
			continue;
		st[i].clock_note = wcs_malloc(r->ctx, 512);
		if (st[i].clock_note == NULL)
			return (WCS_FATAL);
		(void)snprintf(st[i].clock_note, 512,
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
	struct wcs_input_stats *st = wcs_driver_stats(r->drv);
	uint64_t n;
	size_t i;

	for (i = 0; i < wcs_driver_count(r->drv); i++) {
		if ((n = wcs_engine_input_duplicates(r->eng, i)) == 0)
			continue;
		if ((st[i].dup_note = wcs_malloc(r->ctx, 160)) == NULL)
			return (WCS_FATAL);
		(void)snprintf(st[i].dup_note, 160,
		    "%llu event record%s already read from another input (same "
		    "Computer, Channel and EventRecordID): counted once",
		    (unsigned long long)n, n == 1 ? "" : "s");
	}
	return (WCS_OK);
}

/* What the conclusion warns of: from the engine, or a kept report. */
static void
conclusion_warnings(struct run *r, const struct wcs_kept *k)
{
	if (k->in_two_states > 0)
		wcs_warnx(&r->msg,
		    "%llu event records were read by two of the states merged "
		    "(copies of one log in two shards): what they say is "
		    "counted twice; keep the copies of a log in one shard",
		    (unsigned long long)k->in_two_states);
	if (k->unchecked > 0)
		wcs_warnx(&r->msg,
		    "%llu event records not checked for copies: the table of "
		    "records read is full",
		    (unsigned long long)k->unchecked);
	if (k->untracked > 0)
		wcs_warnx(&r->msg,
		    "%llu 445/tcp attempts not tracked: memory caps reached "
		    "(forged addresses?)",
		    (unsigned long long)k->untracked);
	if (k->untracked_hosts > 0)
		wcs_warnx(&r->msg,
		    "%llu events about hosts not tracked: the host table is "
		    "full (%u hosts, %u of them seen only on the web; forged "
		    "addresses?)",
		    (unsigned long long)k->untracked_hosts,
		    WCS_ENGINE_HOSTS_MAX, WCS_ENGINE_WEB_ONLY_MAX);
}

/*
 * What the conclusion said besides the report (notes, warnings, whether
 * anything was found), for the report this sweep keeps with its state.
 * The paths and notes are the driver's stats', borrowed.
 */
static int
keep_conclusion(struct run *r, const struct wcs_result *res)
{
	struct wcs_input_stats *st = wcs_driver_stats(r->drv);
	struct wcs_kept *k = &r->keep;
	size_t i, n = wcs_driver_count(r->drv);

	wcs_kept_key(r->opts, text_width(r), wcs_rules_digest(r->rules), k->key,
	    sizeof(k->key));
	k->found = found_something(res);
	k->in_two_states = wcs_engine_records_in_two_states(r->eng);
	k->unchecked = wcs_engine_unchecked_records(r->eng);
	k->untracked = wcs_engine_untracked(r->eng);
	k->untracked_hosts = wcs_engine_untracked_hosts(r->eng);
	if ((k->inputs = wcs_calloc(r->ctx, n + 1, sizeof(*k->inputs))) == NULL)
		return (WCS_FATAL);
	for (i = 0; i < n; i++) {
		k->inputs[i].path = (char *)wcs_driver_path(r->drv, i);
		k->inputs[i].clock_note = st[i].clock_note;
		k->inputs[i].dup_note = st[i].dup_note;
	}
	k->ninputs = n;
	return (WCS_OK);
}

/*
 * A sweep that found nothing new, asked for the report the last one
 * wrote: that report again, with this sweep's news and inputs.  Returns
 * the exit status.
 */
static int
write_reused(struct run *r, const struct wcs_driver_sweep *counts)
{
	struct wcs_input_stats *st = wcs_driver_stats(r->drv);
	const struct wcs_kept *k = &r->kept;
	struct wcs_sweep_news news;
	struct wcs_report rep;
	size_t i;

	for (i = 0; i < k->ninputs; i++) {
		if ((k->inputs[i].clock_note != NULL &&
			(st[i].clock_note = wcs_strdup(
			     r->ctx, k->inputs[i].clock_note)) == NULL) ||
		    (k->inputs[i].dup_note != NULL &&
			(st[i].dup_note = wcs_strdup(
			     r->ctx, k->inputs[i].dup_note)) == NULL)) {
			wcs_errx(&r->msg, "out of memory");
			return (WCS_EXIT_ERROR);
		}
	}
	conclusion_warnings(r, k);
	/* The verdicts are the last sweep's: no host is flagged anew. */
	memset(&news, 0, sizeof(news));
	news.first = !r->sweep.had_state;
	news.unchanged = counts->unchanged;
	memset(&rep, 0, sizeof(rep));
	rep.inputs = st;
	rep.ninputs = wcs_driver_count(r->drv);
	rep.tz_name = r->opts->tz;
	rep.news = &news;
	rep.width = text_width(r);
	rep.reuse = &k->parts;
	if (wcs_signals_caught() != 0) {
		wcs_errx(&r->msg, "interrupted by %s; no report written",
		    strsignal(wcs_signals_caught()));
		return (WCS_EXIT_ERROR);
	}
	(void)write_report(r, &rep);
	return (r->error			      ? WCS_EXIT_ERROR :
		k->found && !r->opts->found_exit_zero ? WCS_EXIT_FOUND :
							WCS_EXIT_CLEAN);
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
	struct wcs_input_stats *st;
	size_t i;

	/* The notes are the run's, the rest of the stats the driver's. */
	if (r->drv != NULL) {
		st = wcs_driver_stats(r->drv);
		for (i = 0; i < wcs_driver_count(r->drv); i++) {
			wcs_free(r->ctx, st[i].clock_note);
			wcs_free(r->ctx, st[i].dup_note);
		}
	}
	/* Uncommitted outputs: their temporary files go. */
	wcs_output_free(r->report_out);
	wcs_output_free(r->graph_out);
	wcs_output_free(r->dump_out);
	wcs_output_free(r->timeline_out);
	wcs_progress_free(r->progress);
	wcs_engine_free(r->eng);
	wcs_driver_free(r->drv);
	wcs_free(r->ctx, r->paths);
	wcs_state_writer_free(r->sweep_w);
	wcs_sweep_free(r->ctx, &r->sweep);
	wcs_kept_free(r->ctx, &r->kept);
	wcs_state_free(r->kept_st);
	/* The paths and notes are borrowed (keep_conclusion). */
	wcs_free(r->ctx, r->keep.inputs);
	wcs_report_kept_clear(r->ctx, &r->keep.parts);
	wcs_rules_free(r->rules);
	wcs_tz_free(r->tz);
}

int
wcs_run(struct wcs_ctx *ctx, const struct wcs_opts *opts)
{
	struct wcs_engine_opts eo;
	const struct wcs_result *res;
	struct wcs_driver_sweep counts;
	struct wcs_sweep_news news;
	bool unchanged, written;
	struct wcs_report rep;
	struct run r;
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
	if (opts->ninputs == 0 && opts->nstates == 0) {
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
	r.progress = wcs_progress_new(
	    ctx, opts->progress == 1 || (opts->progress == -1 && isatty(2)));
	/* The read phase: every input listed, then read into the engine. */
	if (list_inputs(&r) != WCS_OK)
		goto out_fatal;
	if ((rc = load_states(&r)) != WCS_OK) {
		if (rc == WCS_FATAL)
			goto out_fatal;
		run_cleanup(&r);
		return (WCS_EXIT_ERROR);
	}
	if (wcs_driver_run(r.drv, r.eng, on_event, &r) != WCS_OK)
		goto out_fatal;
	if (wcs_driver_failed(r.drv))
		r.error = true;
	if (wcs_signals_caught() != 0)
		goto out_interrupted;
	/* A sweep that found nothing new leaves the state as it is: the
	 * state it would write is the one it read. */
	wcs_driver_sweep(r.drv, &counts);
	unchanged = opts->sweep_state != NULL && r.sweep.had_state &&
		    counts.appended == 0 && counts.replaced == 0 &&
		    counts.rotated == 0 && counts.fresh == 0;
	if ((opts->save_state != NULL ||
		(opts->sweep_state != NULL && !unchanged)) &&
	    (rc = save_state(&r)) != WCS_OK) {
		if (rc == WCS_FATAL)
			goto out_fatal;
		run_cleanup(&r);
		return (WCS_EXIT_ERROR);
	}
	if (r.reuse) {
		/* Planned so: nothing was read. */
		if (!unchanged) {
			wcs_set_error(ctx, EINVAL,
			    "a sweep planned to read nothing read something");
			goto out_fatal;
		}
		status = write_reused(&r, &counts);
		run_cleanup(&r);
		return (status);
	}
	if (opts->no_report) {
		/* Nothing concluded: the verdicts the next sweep compares
		 * with stay the last report's. */
		if (r.sweep_w != NULL &&
		    ((r.sweep.had_state &&
			 wcs_sweep_save_prev(r.sweep_w, &r.sweep) != WCS_OK) ||
			wcs_state_writer_save(r.sweep_w, opts->sweep_state) !=
			    WCS_OK)) {
			wcs_errx(&r.msg, "%s", wcs_error_string(ctx));
			r.error = true;
		}
		status = r.error ? WCS_EXIT_ERROR : WCS_EXIT_CLEAN;
		run_cleanup(&r);
		return (status);
	}
	if (wcs_engine_finish(r.eng, &res) != WCS_OK)
		goto out_fatal;
	if (opts->sweep_state != NULL) {
		if (wcs_sweep_news(ctx, &r.sweep, res, &news) != WCS_OK)
			goto out_fatal;
		news.unchanged = counts.unchanged;
		news.appended = counts.appended;
		news.appended_bytes = counts.appended_bytes;
		news.replaced = counts.replaced;
		news.rotated = counts.rotated;
		news.fresh = counts.fresh;
	}
	if (clock_notes(&r) != WCS_OK || duplicate_notes(&r) != WCS_OK ||
	    keep_conclusion(&r, res) != WCS_OK)
		goto out_fatal;
	conclusion_warnings(&r, &r.keep);
	if (wcs_signals_caught() != 0)
		goto out_interrupted;
	if (r.graph_out != NULL)
		write_graph(&r, res);
	if (r.dump_out != NULL)
		write_dump(&r);
	if (r.timeline_out != NULL)
		write_timeline(&r, res);
	memset(&rep, 0, sizeof(rep));
	rep.inputs = wcs_driver_stats(r.drv);
	rep.ninputs = wcs_driver_count(r.drv);
	rep.result = res;
	rep.tz_name = opts->tz;
	rep.news = opts->sweep_state != NULL ? &news : NULL;
	rep.width = text_width(&r);
	if (wcs_signals_caught() != 0)
		goto out_interrupted;
	/* Kept with the state, for a next sweep that finds nothing new. */
	if (r.sweep_w != NULL && keepable(&r))
		rep.keep = &r.keep.parts;
	written = write_report(&r, &rep);
	if (r.sweep_w != NULL &&
	    (rc = save_sweep(&r, res, written && rep.keep != NULL)) != WCS_OK) {
		if (rc == WCS_FATAL)
			goto out_fatal;
		r.error = true;
	}
	status = r.error ? WCS_EXIT_ERROR :
		 found_something(res) && !opts->found_exit_zero ?
			   WCS_EXIT_FOUND :
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
