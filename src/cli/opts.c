/*
 * Command-line options (getopt_long; after curl's tool_getparam and jq's
 * main).  Options are sorted; numbers are checked with strtol and an
 * end-pointer test; booleans have a --no- form where it makes sense.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/reader.h"
#include "wcscan/timeutil.h"
#include "cli.h"

enum long_only {
	OPT_DNS = 256,
	OPT_DUMP_EVENTS,
	OPT_EVTX,
	OPT_FANOUT_THRESHOLD,
	OPT_FANOUT_WINDOW,
	OPT_FOLLOW_SYMLINKS,
	OPT_FOUND_EXIT_ZERO,
	OPT_FW,
	OPT_GRAPH,
	OPT_INPUT_FORMAT,
	OPT_INTERNAL,
	OPT_LIST_FORMATS,
	OPT_LIST_RULES,
	OPT_LOAD_STATE,
	OPT_MAX_LINE,
	OPT_NO_DEFAULT_RULES,
	OPT_NO_PROGRESS,
	OPT_NO_REPORT,
	OPT_PROGRESS,
	OPT_RULES,
	OPT_SAVE_STATE,
	OPT_SINCE,
	OPT_SMB,
	OPT_STATE,
	OPT_STRICT,
	OPT_SYSMON,
	OPT_TIMELINE,
	OPT_TZ,
	OPT_UNTIL,
	OPT_YEAR
};

static const struct option long_opts[] = { { "dns", required_argument, NULL,
					       OPT_DNS },
	{ "dump-events", required_argument, NULL, OPT_DUMP_EVENTS },
	{ "evtx", required_argument, NULL, OPT_EVTX },
	{ "fanout-threshold", required_argument, NULL, OPT_FANOUT_THRESHOLD },
	{ "fanout-window", required_argument, NULL, OPT_FANOUT_WINDOW },
	{ "follow-symlinks", no_argument, NULL, OPT_FOLLOW_SYMLINKS },
	{ "found-exit-zero", no_argument, NULL, OPT_FOUND_EXIT_ZERO },
	{ "format", required_argument, NULL, 'f' },
	{ "fw", required_argument, NULL, OPT_FW },
	{ "graph", required_argument, NULL, OPT_GRAPH },
	{ "help", no_argument, NULL, 'h' },
	{ "input-format", required_argument, NULL, OPT_INPUT_FORMAT },
	{ "internal", required_argument, NULL, OPT_INTERNAL },
	{ "jobs", required_argument, NULL, 'j' },
	{ "list-formats", no_argument, NULL, OPT_LIST_FORMATS },
	{ "list-rules", no_argument, NULL, OPT_LIST_RULES },
	{ "load-state", required_argument, NULL, OPT_LOAD_STATE },
	{ "max-line", required_argument, NULL, OPT_MAX_LINE },
	{ "no-default-rules", no_argument, NULL, OPT_NO_DEFAULT_RULES },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "no-report", no_argument, NULL, OPT_NO_REPORT },
	{ "output", required_argument, NULL, 'o' },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "save-state", required_argument, NULL, OPT_SAVE_STATE },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "smb", required_argument, NULL, OPT_SMB },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "sysmon", required_argument, NULL, OPT_SYSMON },
	{ "timeline", required_argument, NULL, OPT_TIMELINE },
	{ "tz", required_argument, NULL, OPT_TZ },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "version", no_argument, NULL, 'V' },
	{ "year", required_argument, NULL, OPT_YEAR }, { NULL, 0, NULL, 0 } };

void
wcs_print_usage(FILE *out)
{
	fputs(
	    "usage: wcscan [-hqV] [-f format] [-j jobs] [-o file] [--dns file] "
	    "[--evtx file]\n"
	    "              [--fw file] [--smb file] [--sysmon file] "
	    "[--input-format name]\n"
	    "              [--fanout-threshold n] [--fanout-window seconds]\n"
	    "              [--follow-symlinks] [--graph file] "
	    "[--internal cidr]\n"
	    "              [--list-formats] [--list-rules]\n"
	    "              [--max-line bytes] [--no-default-rules]\n"
	    "              [--progress | --no-progress] [--rules dir] "
	    "[--since time]\n"
	    "              [--strict] [--timeline file] [--tz zone] "
	    "[--until time]\n"
	    "              [--year year] [--dump-events file]\n"
	    "              [--save-state file] [--load-state file] "
	    "[--state file]\n"
	    "              [--no-report] [--found-exit-zero] [file ...]\n"
	    "       wcscan merge [options] state ...\n"
	    "\n"
	    "Find WannaCry in firewall, DNS, Windows event (XML), Sysmon "
	    "and SMB logs.\n"
	    "\n"
	    "Inputs (repeatable; a file, a directory, or - for stdin; "
	    "gzip is read\n"
	    "by content; positional files are recognised by content):\n"
	    "  --fw FILE          firewall log\n"
	    "  --dns FILE         DNS query log\n"
	    "  --evtx FILE        Windows event log exported as XML\n"
	    "  --sysmon FILE      Sysmon events exported as XML\n"
	    "  --smb FILE         SMB access log\n"
	    "  --input-format NAME  read every input with this reader "
	    "(--list-formats)\n"
	    "  --tz ZONE          zone of logs written in local time "
	    "(IANA name or +HH:MM)\n"
	    "  --year YEAR        year of syslog stamps without one\n"
	    "  --since TIME, --until TIME  only events in this window "
	    "(RFC 3339)\n"
	    "  --max-line BYTES   longest line or record accepted "
	    "(default 1048576)\n"
	    "  --follow-symlinks  follow links that lead out of a directory "
	    "read\n"
	    "  -j, --jobs N       threads reading inputs (default: one per "
	    "core, at most 8;\n"
	    "                     the report is the same for every N)\n"
	    "\n"
	    "Detection:\n"
	    "  --rules DIR        also load DIR/*.rules (same id "
	    "replaces)\n"
	    "  --no-default-rules load only the --rules directories\n"
	    "  --internal CIDR    internal network (repeatable; replaces "
	    "RFC 1918 + ULA)\n"
	    "  --fanout-threshold N  distinct 445/tcp destinations that make "
	    "a fan-out (20)\n"
	    "  --fanout-window S  ... within S seconds (60)\n"
	    "  --list-rules, --list-formats  print them and exit\n"
	    "\n"
	    "Output:\n"
	    "  -f, --format FMT   text (default), csv, json or html; a "
	    "reader name works as\n"
	    "                     --input-format\n"
	    "  -o, --output FILE  write the report to FILE (atomically)\n"
	    "  --dump-events FILE write the normalised events as NDJSON\n"
	    "  --graph FILE       write the infection graph as Graphviz "
	    "DOT\n"
	    "  --timeline FILE    write a Timesketch timeline: JSON lines, "
	    "CSV if FILE\n"
	    "                     ends in .csv\n"
	    "  --strict           rejected records make the exit status "
	    "2\n"
	    "  -q, --quiet        no warnings, only errors\n"
	    "  --progress, --no-progress  progress on stderr (default: "
	    "on a terminal)\n"
	    "  -h, --help, -V, --version\n"
	    "\n"
	    "State (shards and nightly sweeps; see wcscan(1) STATE FILES):\n"
	    "  --save-state FILE  save what was read (before concluding) "
	    "to FILE\n"
	    "  --load-state FILE  add a saved state (repeatable); "
	    "'wcscan merge' loads\n"
	    "                     its operands so\n"
	    "  --state FILE       incremental sweep: load FILE if it "
	    "exists, read only\n"
	    "                     what is new, save FILE again\n"
	    "  --no-report        read (and save) only\n"
	    "  --found-exit-zero  exit 0, not 1, when something is found "
	    "(job runners)\n"
	    "\n"
	    "Exit status: 0 nothing found, 1 infected/neutralized/"
	    "suspicious hosts,\n"
	    "2 error (usage, unreadable input, bad rules).\n",
	    out);
}

static bool
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return (false);
	*out = v;
	return (true);
}

static int
add_state(struct wcs_ctx *ctx, struct wcs_opts *o, const char *path)
{
	const char **ns;

	if ((ns = wcs_reallocarray(
		 ctx, o->states, o->nstates + 1, sizeof(*ns))) == NULL)
		return (WCS_FATAL);
	o->states = ns;
	o->states[o->nstates++] = path;
	return (WCS_OK);
}

static int
add_input(
    struct wcs_ctx *ctx, struct wcs_opts *o, const char *path, unsigned mask)
{
	struct wcs_input_arg *n;

	n = wcs_reallocarray(ctx, o->inputs, o->ninputs + 1, sizeof(*n));
	if (n == NULL)
		return (WCS_FATAL);
	o->inputs = n;
	o->inputs[o->ninputs].path = path;
	o->inputs[o->ninputs].kind_mask = mask;
	o->ninputs++;
	return (WCS_OK);
}

static const char *const default_internal[] = { "10.0.0.0/8", "172.16.0.0/12",
	"192.168.0.0/16", "fc00::/7" };

int
wcs_opts_parse(struct wcs_ctx *ctx, int argc, char **argv, struct wcs_opts *o)
{
	const char **nd;
	bool internal_set = false, has_zone;
	unsigned mask;
	size_t i, stdin_uses = 0;
	bool merge = false;
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->format = WCS_REPORT_TEXT;
	o->progress = -1;
	o->since = o->until = WCS_TIME_NONE;
	optind = 1;
	if (argc > 1 && strcmp(argv[1], "merge") == 0) {
		merge = true;
		optind = 2;
	}
	while (
	    (c = getopt_long(argc, argv, "f:hj:o:qV", long_opts, NULL)) != -1) {
		mask = 0;
		switch (c) {
		case 'f':
			if (strcmp(optarg, "text") == 0)
				o->format = WCS_REPORT_TEXT;
			else if (strcmp(optarg, "csv") == 0)
				o->format = WCS_REPORT_CSV;
			else if (strcmp(optarg, "json") == 0)
				o->format = WCS_REPORT_JSON;
			else if (strcmp(optarg, "html") == 0)
				o->format = WCS_REPORT_HTML;
			else if (wcs_reader_find(optarg) != NULL)
				o->forced_reader = optarg;
			else {
				wcs_usage_error("unknown format '%s' (text, "
						"csv, json, html, or a reader "
						"from --list-formats)",
				    optarg);
				return (WCS_FAILED);
			}
			break;
		case 'h':
			o->help = true;
			break;
		case 'j':
			if (!parse_long(optarg, 1, 1024, &v)) {
				wcs_usage_error(
				    "-j: want 1 to 1024 threads, got '%s'",
				    optarg);
				return (WCS_FAILED);
			}
			o->jobs = (unsigned)v;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'V':
			o->version = true;
			break;
		case OPT_DNS:
			mask = WCS_KIND_DNS | WCS_KIND_SYSMON | WCS_KIND_SIEM;
			break;
		case OPT_EVTX:
		case OPT_SYSMON:
			mask =
			    WCS_KIND_EVENTLOG | WCS_KIND_SYSMON | WCS_KIND_SIEM;
			break;
		case OPT_FW:
			mask =
			    WCS_KIND_FIREWALL | WCS_KIND_SYSMON | WCS_KIND_SIEM;
			break;
		case OPT_SMB:
			mask = WCS_KIND_SMB;
			break;
		case OPT_DUMP_EVENTS:
			o->dump_events = optarg;
			break;
		case OPT_FANOUT_THRESHOLD:
			if (!parse_long(optarg, 2, 1000000, &v)) {
				wcs_usage_error("--fanout-threshold: want 2 to "
						"1000000 destinations, got "
						"'%s'",
				    optarg);
				return (WCS_FAILED);
			}
			o->fanout_threshold = (uint64_t)v;
			break;
		case OPT_FANOUT_WINDOW:
			if (!parse_long(optarg, 1, 86400, &v)) {
				wcs_usage_error("--fanout-window: want 1 to "
						"86400 seconds, got '%s'",
				    optarg);
				return (WCS_FAILED);
			}
			o->fanout_window_us = (int64_t)v * 1000000;
			break;
		case OPT_FOLLOW_SYMLINKS:
			o->follow_symlinks = true;
			break;
		case OPT_GRAPH:
			o->graph = optarg;
			break;
		case OPT_TIMELINE:
			o->timeline = optarg;
			break;
		case OPT_INPUT_FORMAT:
			if (wcs_reader_find(optarg) == NULL) {
				wcs_usage_error("unknown input format '%s' "
						"(see --list-formats)",
				    optarg);
				return (WCS_FAILED);
			}
			o->forced_reader = optarg;
			break;
		case OPT_INTERNAL:
			if (!internal_set) {
				o->ninternal = 0;
				internal_set = true;
			}
			if (o->ninternal == WCS_INTERNAL_MAX) {
				wcs_usage_error("too many --internal networks "
						"(at most %d)",
				    WCS_INTERNAL_MAX);
				return (WCS_FAILED);
			}
			if (!wcs_cidr_parse(
				optarg, &o->internal[o->ninternal])) {
				wcs_usage_error("--internal: bad network '%s' "
						"(e.g. 10.1.0.0/16)",
				    optarg);
				return (WCS_FAILED);
			}
			o->ninternal++;
			break;
		case OPT_LIST_FORMATS:
			o->list_formats = true;
			break;
		case OPT_LIST_RULES:
			o->list_rules = true;
			break;
		case OPT_MAX_LINE:
			if (!parse_long(optarg, 256, 1L << 30, &v)) {
				wcs_usage_error("--max-line: want 256 to "
						"1073741824 bytes, got '%s'",
				    optarg);
				return (WCS_FAILED);
			}
			o->max_line = (size_t)v;
			break;
		case OPT_FOUND_EXIT_ZERO:
			o->found_exit_zero = true;
			break;
		case OPT_LOAD_STATE:
			if (add_state(ctx, o, optarg) != WCS_OK)
				return (WCS_FATAL);
			break;
		case OPT_NO_REPORT:
			o->no_report = true;
			break;
		case OPT_SAVE_STATE:
			o->save_state = optarg;
			break;
		case OPT_STATE:
			o->sweep_state = optarg;
			break;
		case OPT_NO_DEFAULT_RULES:
			o->no_default_rules = true;
			break;
		case OPT_NO_PROGRESS:
			o->progress = 0;
			break;
		case OPT_PROGRESS:
			o->progress = 1;
			break;
		case OPT_RULES:
			nd = wcs_reallocarray(ctx, o->rules_dirs,
			    o->nrules_dirs + 1, sizeof(*nd));
			if (nd == NULL)
				return (WCS_FATAL);
			o->rules_dirs = nd;
			o->rules_dirs[o->nrules_dirs++] = optarg;
			break;
		case OPT_SINCE:
		case OPT_UNTIL:
			if (wcs_time_parse_iso(optarg, strlen(optarg),
				c == OPT_SINCE ? &o->since : &o->until,
				&has_zone) != strlen(optarg)) {
				wcs_usage_error("--%s: want an RFC 3339 time "
						"such as 2017-05-12T07:00:00Z, "
						"got '%s'",
				    c == OPT_SINCE ? "since" : "until", optarg);
				return (WCS_FAILED);
			}
			break;
		case OPT_STRICT:
			o->strict = true;
			break;
		case OPT_TZ:
			o->tz = optarg;
			break;
		case OPT_YEAR:
			if (!parse_long(optarg, 1970, 9999, &v)) {
				wcs_usage_error("--year: want a year such as "
						"2017, got '%s'",
				    optarg);
				return (WCS_FAILED);
			}
			o->year = (int)v;
			break;
		default:
			fputs("Try 'wcscan --help' for more information.\n",
			    stderr);
			return (WCS_FAILED);
		}
		if (mask != 0 && add_input(ctx, o, optarg, mask) != WCS_OK)
			return (WCS_FATAL);
	}
	for (; optind < argc; optind++) {
		/* "wcscan merge STATE...": the operands are state files. */
		if (merge ?
			add_state(ctx, o, argv[optind]) != WCS_OK :
			add_input(ctx, o, argv[optind], WCS_KIND_ANY) != WCS_OK)
			return (WCS_FATAL);
	}
	if (o->sweep_state != NULL &&
	    (o->save_state != NULL || merge || o->nstates > 0)) {
		wcs_usage_error("--state keeps its own state: not with "
				"--save-state, --load-state or merge");
		return (WCS_FAILED);
	}
	if (merge && o->nstates == 0) {
		wcs_usage_error("merge: no state file given");
		return (WCS_FAILED);
	}
	for (i = 0; i < o->ninputs; i++) {
		if (strcmp(o->inputs[i].path, "-") == 0)
			stdin_uses++;
	}
	if (stdin_uses > 1) {
		wcs_usage_error("standard input (-) can be read only once");
		return (WCS_FAILED);
	}
	if (o->since != WCS_TIME_NONE && o->until != WCS_TIME_NONE &&
	    o->until < o->since) {
		wcs_usage_error("--until is before --since");
		return (WCS_FAILED);
	}
	if (!internal_set) {
		for (i = 0; i < WCS_NELEM(default_internal); i++)
			(void)wcs_cidr_parse(
			    default_internal[i], &o->internal[o->ninternal++]);
	}
	return (WCS_OK);
}

void
wcs_opts_free(struct wcs_ctx *ctx, struct wcs_opts *o)
{
	wcs_free(ctx, o->states);
	o->states = NULL;
	wcs_free(ctx, o->inputs);
	wcs_free(ctx, o->rules_dirs);
	o->inputs = NULL;
	o->rules_dirs = NULL;
}
