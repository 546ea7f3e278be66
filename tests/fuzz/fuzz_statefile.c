/*
 * Fuzz target for state files.  The bytes are first given to
 * wcs_state_parse as a whole state file: refusals are expected and fine;
 * a crash, a leak, or a file that parses but whose sections cannot be
 * read to their end with the bounded cursor is not.  Every section that
 * parses is read as u32 counts of u64 records, as loaders read them.
 *
 * A fuzzer seldom gets past the container's checksums, so the same bytes
 * are then wrapped as the body of a fan-out section (with good checksums,
 * as a hostile producer would write it) and loaded, merged into an empty
 * fan-out and summarised: the loader must refuse what it cannot use and
 * leave nothing out of range for the summaries.  Last, they are wrapped
 * as an engine section (options, inputs, clocks) beside empty fan-out and
 * records sections and loaded into an engine; as a hosts section beside
 * the other sections of an engine that read two events, loaded, saved,
 * loaded again and concluded; and as an inputs section
 * loaded into an input driver with an input of the same name as a state
 * one, whose accounting, if loaded, is saved and must load again (what
 * the driver accepts it writes back readable); and as the report a sweep
 * kept (load_report).  Replayed under ctest over
 * tests/fuzz/corpus/statefile/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/driver.h"
#include "wcscan/engine_state.h"
#include "wcscan/rules.h"
#include "wcscan/statefile.h"
#include "cli/cli.h"
#include "engine/fanout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_sections(const struct wcs_state *st)
{
	struct wcs_state_cursor c;
	uint32_t type, version, n, i;

	for (type = 0; type < 4; type++) {
		if (wcs_state_section(st, type == 3 ? WCS_STATE_SEC_TEST : type,
			&c, &version) != WCS_OK)
			continue;
		while (wcs_state_cursor_ok(&c) && !wcs_state_cursor_done(&c)) {
			n = wcs_state_get_count(&c, UINT32_MAX, 8);
			for (i = 0; i < n; i++)
				(void)wcs_state_get_u64(&c);
			if (!wcs_state_cursor_ok(&c) && n != 0)
				abort(); /* a count the body could not hold */
		}
	}
}

static void
load_fanout(struct wcs_ctx *ctx, const uint8_t *data, size_t size)
{
	static const uint32_t map[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	struct wcs_state_writer *w;
	struct wcs_state_cursor c;
	struct wcs_state *st = NULL;
	struct wcs_cidr internal;
	struct fanout *f = NULL, *dst = NULL;
	const void *file;
	uint32_t version;
	size_t len;

	if (!wcs_cidr_parse("10.0.0.0/8", &internal) ||
	    (w = wcs_state_writer_new(ctx)) == NULL)
		return;
	if (wcs_state_begin(
		w, WCS_STATE_SEC_FANOUT, "fanout", FO_STATE_VERSION) != WCS_OK)
		goto out;
	wcs_state_put_bytes(w, data, size);
	if (wcs_state_end(w) != WCS_OK ||
	    (file = wcs_state_writer_data(w, &len)) == NULL)
		goto out;
	if (wcs_state_parse(ctx, "fuzz.state", file, len, &st) != WCS_OK)
		abort(); /* what the writer wrote, the reader reads */
	if (wcs_state_section(st, WCS_STATE_SEC_FANOUT, &c, &version) !=
		WCS_OK ||
	    fanout_load(ctx, &internal, 1, &c, version, &f) != WCS_OK)
		goto out;
	if ((dst = fanout_new(ctx, &internal, 1)) == NULL)
		goto out;
	if (fanout_merge(dst, f, map, 8, map, 8) == WCS_FATAL)
		goto out;
	(void)fanout_finish(dst, 60 * 1000000LL, 20);
out:
	fanout_free(dst);
	fanout_free(f);
	wcs_state_free(st);
	wcs_state_writer_free(w);
}

static void
load_engine(struct wcs_ctx *ctx, const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "fw/gw.log", "sysmon/ws1.xml",
		"dns/dns.log" };
	struct wcs_engine_opts opts = { .input_paths = paths,
		.ninputs = WCS_NELEM(paths) };
	struct wcs_state_writer *w;
	struct wcs_engine *eng = NULL;
	struct wcs_rules *rules;
	struct wcs_state *st = NULL;
	const void *file;
	size_t len;

	if ((rules = wcs_rules_new(ctx)) == NULL)
		return;
	if ((w = wcs_state_writer_new(ctx)) == NULL)
		goto out;
	if (wcs_state_begin(w, WCS_STATE_SEC_ENGINE, "engine",
		WCS_ENGINE_STATE_VERSION) != WCS_OK)
		goto out;
	wcs_state_put_bytes(w, data, size);
	if (wcs_state_end(w) != WCS_OK ||
	    wcs_state_begin(
		w, WCS_STATE_SEC_FANOUT, "fanout", FO_STATE_VERSION) != WCS_OK)
		goto out;
	/* No addresses, nothing untracked, no sources, no pairs. */
	wcs_state_put_u32(w, 0);
	wcs_state_put_u64(w, 0);
	wcs_state_put_u32(w, 0);
	wcs_state_put_u32(w, 0);
	if (wcs_state_end(w) != WCS_OK ||
	    wcs_state_begin(w, WCS_STATE_SEC_RECORDS, "records",
		WCS_ENGINE_STATE_VERSION) != WCS_OK)
		goto out;
	/* None unchecked, no records, no copies. */
	wcs_state_put_u64(w, 0);
	wcs_state_put_u32(w, 0);
	wcs_state_put_u32(w, 0);
	if (wcs_state_end(w) != WCS_OK ||
	    wcs_state_begin(w, WCS_STATE_SEC_HOSTS, "hosts",
		WCS_ENGINE_STATE_VERSION) != WCS_OK)
		goto out;
	/* No hosts, no claims, no host logs' owners. */
	wcs_state_put_u32(w, 0);
	wcs_state_put_u32(w, 0);
	wcs_state_put_u32(w, 0);
	if (wcs_state_end(w) != WCS_OK ||
	    (file = wcs_state_writer_data(w, &len)) == NULL ||
	    wcs_state_parse(ctx, "fuzz.state", file, len, &st) != WCS_OK)
		goto out;
	if ((eng = wcs_engine_new(ctx, &opts, rules)) == NULL)
		goto out;
	(void)wcs_engine_load_state(eng, st);
out:
	wcs_engine_free(eng);
	wcs_state_free(st);
	wcs_state_writer_free(w);
	wcs_rules_free(rules);
}

/* Save eng's state and load it into another engine: what an engine
 * accepted it must write back readable. */
static void
engine_again(struct wcs_ctx *ctx, const struct wcs_engine_opts *opts,
    struct wcs_rules *rules, struct wcs_engine *eng)
{
	struct wcs_state_writer *w;
	struct wcs_engine *again = NULL;
	struct wcs_state *st = NULL;
	const void *file;
	size_t len;

	if ((w = wcs_state_writer_new(ctx)) == NULL)
		return;
	if (wcs_engine_save_state(eng, w) != WCS_OK ||
	    (file = wcs_state_writer_data(w, &len)) == NULL ||
	    wcs_state_parse(ctx, "again.state", file, len, &st) != WCS_OK ||
	    (again = wcs_engine_new(ctx, opts, rules)) == NULL)
		goto out;
	if (wcs_engine_load_state(again, st) == WCS_FAILED)
		abort(); /* the engine wrote what it cannot read */
out:
	wcs_engine_free(again);
	wcs_state_free(st);
	wcs_state_writer_free(w);
}

/* One rule (as in rules/wannacry.rules): compiling them all would make
 * every run twenty times slower. */
static const char ks_rule[] =
    "rule wannacry.killswitch.original\n"
    "\tdescription kill-switch lookup\n"
    "\tclass lookup\n"
    "\tseverity high\n"
    "\tevent dns\n"
    "\tfield qname\n"
    "\tpcre /^(?:www\\.)?iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea\\.com$/i\n";

/*
 * The bytes as a hosts section, beside the other sections of an engine
 * that read a DNS lookup and a Sysmon connection (so that there are
 * inputs and clocks for the hosts to name); loaded, then saved and loaded
 * again, and concluded.
 */
static void
load_hosts(struct wcs_ctx *ctx, const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "fw/gw.log", "sysmon/ws1.xml",
		"dns/dns.log" };
	struct wcs_engine_opts opts = { .input_paths = paths,
		.ninputs = WCS_NELEM(paths) };
	struct wcs_event ev;
	struct wcs_state_writer *w = NULL, *w2 = NULL;
	struct wcs_state_cursor c;
	struct wcs_engine *eng = NULL, *into = NULL;
	struct wcs_rules *rules;
	struct wcs_state *st = NULL, *st2 = NULL;
	const struct wcs_result *res;
	static const uint32_t types[] = { WCS_STATE_SEC_ENGINE,
		WCS_STATE_SEC_FANOUT, WCS_STATE_SEC_RECORDS };
	static const char *const names[] = { "engine", "fanout", "records" };
	const void *file, *body;
	uint32_t version;
	size_t len, i, n;

	if ((rules = wcs_rules_new(ctx)) == NULL)
		return;
	if (wcs_rules_load_buffer(
		rules, "fuzz.rules", ks_rule, sizeof(ks_rule) - 1) != WCS_OK ||
	    (eng = wcs_engine_new(ctx, &opts, rules)) == NULL)
		goto out;
	memset(&ev, 0, sizeof(ev));
	ev.kind = WCS_EV_DNS;
	ev.ts_us = 1494580000000000LL;
	ev.input = 2;
	ev.line = 7;
	(void)wcs_addr_parse("10.0.0.5", 8, &ev.src);
	ev.qname = "www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com";
	ev.rcode = WCS_RCODE_NXDOMAIN;
	(void)wcs_engine_feed(eng, &ev);
	memset(&ev, 0, sizeof(ev));
	ev.kind = WCS_EV_CONN;
	ev.ts_us = 1494580001000000LL;
	ev.input = 1;
	ev.line = 3;
	ev.event_id = 3;
	ev.outbound = 1;
	ev.host = "WS1.corp.example";
	ev.dport = 445;
	(void)wcs_addr_parse("10.0.0.5", 8, &ev.src);
	(void)wcs_addr_parse("10.0.0.9", 8, &ev.dst);
	(void)wcs_engine_feed(eng, &ev);
	if ((w = wcs_state_writer_new(ctx)) == NULL ||
	    wcs_engine_save_state(eng, w) != WCS_OK ||
	    (file = wcs_state_writer_data(w, &len)) == NULL ||
	    wcs_state_parse(ctx, "base.state", file, len, &st) != WCS_OK ||
	    (w2 = wcs_state_writer_new(ctx)) == NULL)
		goto out;
	for (i = 0; i < WCS_NELEM(types); i++) {
		if (wcs_state_section(st, types[i], &c, &version) != WCS_OK ||
		    wcs_state_begin(w2, types[i], names[i], version) != WCS_OK)
			goto out;
		n = (size_t)(c.end - c.p);
		if ((body = wcs_state_get_bytes(&c, n)) == NULL)
			goto out;
		wcs_state_put_bytes(w2, body, n);
		if (wcs_state_end(w2) != WCS_OK)
			goto out;
	}
	if (wcs_state_begin(w2, WCS_STATE_SEC_HOSTS, "hosts",
		WCS_ENGINE_STATE_VERSION) != WCS_OK)
		goto out;
	wcs_state_put_bytes(w2, data, size);
	if (wcs_state_end(w2) != WCS_OK ||
	    (file = wcs_state_writer_data(w2, &len)) == NULL ||
	    wcs_state_parse(ctx, "fuzz.state", file, len, &st2) != WCS_OK ||
	    (into = wcs_engine_new(ctx, &opts, rules)) == NULL)
		goto out;
	if (wcs_engine_load_state(into, st2) == WCS_OK) {
		engine_again(ctx, &opts, rules, into);
		(void)wcs_engine_finish(into, &res);
	}
out:
	wcs_engine_free(into);
	wcs_engine_free(eng);
	wcs_state_free(st2);
	wcs_state_free(st);
	wcs_state_writer_free(w2);
	wcs_state_writer_free(w);
	wcs_rules_free(rules);
}

/* Write drv's inputs section and load it into a driver of its own. */
static void
inputs_again(struct wcs_ctx *ctx, struct wcs_driver *drv)
{
	struct wcs_driver_opts o = {
		.since = WCS_TIME_NONE, .until = WCS_TIME_NONE, .threads = 1
	};
	struct wcs_state_writer *w;
	struct wcs_driver *again = NULL;
	struct wcs_state *st = NULL;
	const void *file;
	size_t len;

	if ((w = wcs_state_writer_new(ctx)) == NULL)
		return;
	if (wcs_driver_save_state(drv, w) != WCS_OK ||
	    (file = wcs_state_writer_data(w, &len)) == NULL ||
	    wcs_state_parse(ctx, "again.state", file, len, &st) != WCS_OK ||
	    (again = wcs_driver_new(ctx, &o)) == NULL)
		goto out;
	if (wcs_driver_load_state(again, st) == WCS_FAILED)
		abort(); /* the driver wrote what it cannot read */
out:
	wcs_driver_free(again);
	wcs_state_free(st);
	wcs_state_writer_free(w);
}

static void
load_inputs(struct wcs_ctx *ctx, const uint8_t *data, size_t size)
{
	static const char line[] = "12-May-2017 10:00:00.000 client garbage\n";
	struct wcs_driver_opts o = {
		.since = WCS_TIME_NONE, .until = WCS_TIME_NONE, .threads = 1
	};
	struct wcs_state_writer *w;
	struct wcs_driver *drv = NULL;
	struct wcs_state *st = NULL;
	const void *file;
	size_t len;

	if ((w = wcs_state_writer_new(ctx)) == NULL)
		return;
	if (wcs_state_begin(w, WCS_STATE_SEC_INPUTS, "inputs", 2) != WCS_OK)
		goto out;
	wcs_state_put_bytes(w, data, size);
	if (wcs_state_end(w) != WCS_OK ||
	    (file = wcs_state_writer_data(w, &len)) == NULL ||
	    wcs_state_parse(ctx, "fuzz.state", file, len, &st) != WCS_OK ||
	    (drv = wcs_driver_new(ctx, &o)) == NULL)
		goto out;
	if (wcs_driver_add_mem(
		drv, "a.log", line, sizeof(line) - 1, WCS_KIND_ANY) != WCS_OK ||
	    wcs_driver_load_state(drv, st) != WCS_OK)
		goto out;
	if (wcs_driver_run(drv, NULL, NULL, NULL) == WCS_OK)
		inputs_again(ctx, drv);
out:
	wcs_driver_free(drv);
	wcs_state_free(st);
	wcs_state_writer_free(w);
}

/* A state of one section, type, holding data; NULL when refused. */
static struct wcs_state *
wrap(struct wcs_ctx *ctx, uint32_t type, const char *name, const uint8_t *data,
    size_t size)
{
	struct wcs_state_writer *w;
	struct wcs_state *st = NULL;
	const void *file;
	size_t len;

	if ((w = wcs_state_writer_new(ctx)) == NULL)
		return (NULL);
	if (wcs_state_begin(w, type, name, 1) == WCS_OK) {
		wcs_state_put_bytes(w, data, size);
		if (wcs_state_end(w) == WCS_OK &&
		    (file = wcs_state_writer_data(w, &len)) != NULL)
			(void)wcs_state_parse(
			    ctx, "fuzz.state", file, len, &st);
	}
	wcs_state_writer_free(w);
	return (st);
}

/*
 * As the report a sweep kept (cli/kept.c): loaded, written again in each
 * format that keeps one, saved and loaded again (what it accepts it must
 * write back readable, and the same).
 */
static void
load_report(struct wcs_ctx *ctx, const uint8_t *data, size_t size)
{
	enum wcs_report_format fmt;
	struct wcs_state_writer *w = NULL;
	struct wcs_state *st, *st2 = NULL;
	struct wcs_kept k, k2;
	struct wcs_report rep;
	const void *file;
	size_t len, olen;
	char *obuf;
	FILE *out;

	if ((st = wrap(ctx, WCS_STATE_SEC_REPORT, "report", data, size)) ==
	    NULL)
		return;
	if (wcs_kept_load(ctx, st, &k) != WCS_OK || !k.loaded) {
		wcs_state_free(st);
		return;
	}
	memset(&rep, 0, sizeof(rep));
	rep.reuse = &k.parts;
	for (fmt = WCS_REPORT_TEXT; fmt <= WCS_REPORT_HTML; fmt++) {
		obuf = NULL;
		if (!wcs_report_keepable(fmt) ||
		    (out = open_memstream(&obuf, &olen)) == NULL)
			continue;
		(void)wcs_report_kept_plausible(fmt, &k.parts);
		if (wcs_report_write(ctx, out, fmt, &rep) == WCS_OK &&
		    k.parts.nparts < wcs_report_parts(fmt))
			abort(); /* a part written that was not kept */
		(void)fclose(out);
		free(obuf);
	}
	if ((w = wcs_state_writer_new(ctx)) != NULL &&
	    wcs_kept_save(w, &k) == WCS_OK &&
	    (file = wcs_state_writer_data(w, &len)) != NULL &&
	    wcs_state_parse(ctx, "again.state", file, len, &st2) == WCS_OK) {
		if (wcs_kept_load(ctx, st2, &k2) != WCS_OK || !k2.loaded ||
		    k2.parts.len != k.parts.len || k2.ninputs != k.ninputs ||
		    strcmp(k2.key, k.key) != 0 ||
		    (k.parts.len > 0 && memcmp(k2.parts.bytes, k.parts.bytes,
					    k.parts.len) != 0))
			abort(); /* kept what it cannot read back */
		wcs_kept_free(ctx, &k2);
	}
	wcs_state_writer_free(w);
	wcs_state_free(st2);
	wcs_kept_free(ctx, &k);
	wcs_state_free(st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wcs_state *st;
	struct wcs_ctx ctx;

	wcs_ctx_init(&ctx, NULL);
	if (wcs_state_parse(&ctx, "fuzz.state", data, size, &st) == WCS_OK) {
		if (wcs_state_producer(st) == NULL)
			abort();
		read_sections(st);
		wcs_state_free(st);
	}
	if (size < (1u << 20)) {
		load_fanout(&ctx, data, size);
		load_engine(&ctx, data, size);
		load_hosts(&ctx, data, size);
		load_inputs(&ctx, data, size);
		load_report(&ctx, data, size);
	}
	return (0);
}
