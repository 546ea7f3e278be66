/*
 * The command line (module cli): options, messages, progress, the run.
 * Only msg.c writes diagnostics to stderr.
 */
#ifndef WCSCAN_CLI_H
#define WCSCAN_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wcscan/addr.h"
#include "wcscan/core.h"
/* The input driver the run reads through (and its feed schedule). */
#include "wcscan/driver.h"
#include "wcscan/reader.h"
#include "wcscan/report.h"

/* Exit status, as virus scanners run from cron use it (DESIGN §4). */
enum wcs_exit {
	WCS_EXIT_CLEAN = 0, /* nothing found */
	WCS_EXIT_FOUND = 1, /* infected, neutralized or suspicious hosts */
	WCS_EXIT_ERROR = 2 /* bad usage, unreadable input, bad rules */
};

#define WCS_INTERNAL_MAX 64

struct wcs_input_arg {
	const char *path;
	unsigned kind_mask; /* enum wcs_input_kind bits */
};

struct wcs_opts {
	struct wcs_input_arg *inputs;
	size_t ninputs;
	enum wcs_report_format format;
	const char *forced_reader; /* --input-format / --format NAME */
	const char *output; /* -o; NULL = stdout */
	const char *dump_events;
	const char *graph; /* --graph: DOT file */
	const char *timeline; /* --timeline: JSON lines, or CSV (.csv) */
	uint64_t fanout_threshold; /* 0 = engine default */
	int64_t fanout_window_us; /* 0 = engine default */
	const char **rules_dirs;
	size_t nrules_dirs;
	bool no_default_rules;
	bool list_rules, list_formats;
	struct wcs_cidr internal[WCS_INTERNAL_MAX];
	size_t ninternal;
	const char *tz;
	int year;
	int64_t since, until;
	bool strict, quiet;
	bool follow_symlinks; /* out of the directories named, too */
	int progress; /* -1 auto (stderr is a tty), 0 off, 1 on */
	size_t max_line;
	unsigned jobs; /* -j: reader threads; 0 = one per core */
	bool help, version;
	const char **states; /* --load-state, or merge's operands */
	size_t nstates;
	const char *save_state; /* --save-state FILE */
	const char *sweep_state; /* --state FILE: incremental sweeps */
	bool no_report; /* --no-report: read (and save), conclude nothing */
	bool found_exit_zero; /* exit 0 when something is found */
};

/* Messages: "wcscan: ..." on stderr.  Warnings obey --quiet. */
struct wcs_msg {
	bool quiet;
};
void wcs_warnx(const struct wcs_msg *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void wcs_errx(const struct wcs_msg *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A usage error: the message and a pointer to --help. */
void wcs_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
void wcs_print_usage(FILE *out);

/*
 * Parse argv into opts (arrays allocated through ctx).  Returns WCS_OK,
 * or WCS_FAILED after printing a usage error.
 */
int wcs_opts_parse(
    struct wcs_ctx *ctx, int argc, char **argv, struct wcs_opts *opts);
void wcs_opts_free(struct wcs_ctx *ctx, struct wcs_opts *opts);

/* Progress on stderr; NULL when disabled, and every call accepts NULL. */
struct wcs_progress;
struct wcs_progress *wcs_progress_new(struct wcs_ctx *ctx, bool enabled);
void wcs_progress_file(struct wcs_progress *p, const char *path, uint64_t size,
    unsigned index, unsigned count);
void wcs_progress_update(struct wcs_progress *p, uint64_t bytes);
void wcs_progress_done(struct wcs_progress *p);
void wcs_progress_free(struct wcs_progress *p);

/*
 * Signals (signals.c): from wcs_signals_catch on, SIGINT, SIGTERM and
 * SIGHUP are only recorded; wcs_signals_caught says which came first (0:
 * none), and wcs_signals_die ends the process by it once the main path
 * has cleaned up.
 */
void wcs_signals_catch(void);
int wcs_signals_caught(void);
void wcs_signals_die(int sig);

/*
 * The default rules, compiled in from the files in rules/ at build time
 * (cmake/embed_rules.cmake); the table ends with a NULL name.
 */
struct wcs_builtin_rules {
	const char *name; /* "builtin:wannacry.rules" */
	const char *text; /* NUL-terminated */
	size_t len;
};
extern const struct wcs_builtin_rules wcs_builtin_rules[];

/* The whole run; returns the exit status. */
int wcs_run(struct wcs_ctx *ctx, const struct wcs_opts *opts);

/*
 * Incremental sweeps (sweep.c): the verdicts of the last sweep, read from
 * its state, and what is new since.
 */
struct wcs_state;
struct wcs_state_writer;
struct wcs_sweep {
	struct sweep_entry *prev; /* by label */
	size_t nprev;
	bool had_state; /* a state with a "sweep" section was loaded */
	const struct wcs_host **hosts; /* news's, owned here */
	enum wcs_verdict *was;
};
int wcs_sweep_load(
    struct wcs_ctx *ctx, const struct wcs_state *st, struct wcs_sweep *sw);
int wcs_sweep_save(struct wcs_state_writer *w, const struct wcs_result *res);
/* The verdicts loaded, saved again (a sweep that concluded nothing). */
int wcs_sweep_save_prev(struct wcs_state_writer *w, const struct wcs_sweep *sw);
int wcs_sweep_news(struct wcs_ctx *ctx, struct wcs_sweep *sw,
    const struct wcs_result *res, struct wcs_sweep_news *news);
void wcs_sweep_free(struct wcs_ctx *ctx, struct wcs_sweep *sw);

/*
 * The report a sweep wrote, kept with its state (kept.c, section
 * "report"): when the next sweep finds nothing new in any input and asks
 * for the same report, it writes it from here, without loading the
 * engine or concluding.  What besides the state the report depends on
 * is in key (the version, the format, the options and the rules: see
 * wcs_kept_key); what the conclusion said outside the report's parts
 * (the notes per input, the warnings, whether anything was found) is
 * kept beside them.
 */
#define WCS_KEPT_KEY_MAX 512
struct wcs_kept_input {
	char *path, *clock_note, *dup_note; /* notes: NULL when none */
};
struct wcs_kept {
	bool loaded;
	char key[WCS_KEPT_KEY_MAX];
	bool found;
	/* The warnings: records read by two states merged, records not
	 * checked for copies, 445/tcp attempts and hosts not tracked. */
	uint64_t in_two_states, unchecked, untracked, untracked_hosts;
	struct wcs_kept_input *inputs;
	size_t ninputs;
	struct wcs_report_kept parts;
};
void wcs_kept_key(const struct wcs_opts *o, unsigned width, uint64_t rules,
    char *buf, size_t len);
int wcs_kept_save(struct wcs_state_writer *w, const struct wcs_kept *k);
/* WCS_OK (k->loaded says whether the state had one), WCS_FAILED (said in
 * ctx: a corrupt section), WCS_FATAL.  The report's bytes are the
 * state's: keep st while k is used. */
int wcs_kept_load(
    struct wcs_ctx *ctx, const struct wcs_state *st, struct wcs_kept *k);
void wcs_kept_free(struct wcs_ctx *ctx, struct wcs_kept *k);

#endif /* WCSCAN_CLI_H */
