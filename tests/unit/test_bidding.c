/*
 * Bidding across all readers: every fixture under testdata/<dir>/ must be
 * won by the reader the directory is named after ("zeek_conn" is
 * zeek-conn; event XML may go to evtx-xml or sysmon-xml), and every real
 * sample under ../shared/data by the reader its table row names.  Real
 * firewall and DNS samples must also read with events and at most 10% of
 * their records rejected.  A file of one format claimed by another
 * format's reader fails here whichever readers are involved.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wcscan/reader.h"

#define XML_READERS "evtx-xml|sysmon-xml"

/* Whether name is one of the '|'-separated names in want. */
static int
name_in(const char *name, const char *want)
{
	size_t n = strlen(name);
	const char *p = want, *bar;

	for (;;) {
		bar = strchr(p, '|');
		if ((bar != NULL ? (size_t)(bar - p) : strlen(p)) == n &&
		    strncmp(p, name, n) == 0)
			return (1);
		if (bar == NULL)
			return (0);
		p = bar + 1;
	}
}

static int
sink(const struct wcs_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
	return (WCS_OK);
}

/*
 * The winner of bidding on path (NULL: none), and with read set, the
 * winner's accounting over the whole file.
 */
static const struct wcs_reader_ops *
choose(const char *path, int read, struct wcs_input_stats *st)
{
	const struct wcs_reader_ops *w;
	struct wcs_run_opts opts;
	struct wcs_input *in;
	struct wcs_ctx ctx;
	const unsigned char *p;
	size_t len;
	int best;

	wcs_ctx_init(&ctx, NULL);
	assert_int_equal(wcs_input_open(&ctx, path, 0, &in), WCS_OK);
	assert_int_equal(wcs_input_peek(in, &p, &len), WCS_OK);
	w = wcs_reader_choose(p, len, WCS_KIND_ANY, &best);
	if (read && w != NULL) {
		memset(st, 0, sizeof(*st));
		st->first = st->last = WCS_TIME_NONE;
		memset(&opts, 0, sizeof(opts));
		opts.read.year = 2017;
		opts.since = opts.until = WCS_TIME_NONE;
		assert_int_equal(
		    wcs_reader_run(&ctx, w, in, &opts, st, sink, NULL), WCS_OK);
		assert_true(
		    st->records == st->events + st->ignored + st->rejected);
	}
	wcs_input_close(in);
	return (w);
}

static void
expect_winner(const char *path, const char *want, unsigned *failures)
{
	const struct wcs_reader_ops *w = choose(path, 0, NULL);

	if (w == NULL || !name_in(w->name, want)) {
		printf("FAIL %s: won by %s, want %s\n", path,
		    w != NULL ? w->name : "nothing", want);
		(*failures)++;
	}
}

/* The reader a fixture directory is named for. */
static void
dir_reader(const char *dir, char *want, size_t size)
{
	size_t i;

	if (strcmp(dir, "evtx_xml") == 0 || strcmp(dir, "sysmon_xml") == 0) {
		(void)snprintf(want, size, "%s",
		    strcmp(dir, "evtx_xml") == 0 ? XML_READERS : "sysmon-xml");
		return;
	}
	(void)snprintf(want, size, "%s", dir);
	for (i = 0; want[i] != '\0'; i++) {
		if (want[i] == '_')
			want[i] = '-';
	}
}

static void
test_bidding_fixtures(void **state)
{
	char dpath[1024], fpath[2048], want[300];
	struct dirent *de, *fe;
	struct stat sb;
	DIR *top, *d;
	unsigned failures = 0, checked = 0;

	(void)state;
	top = opendir(WCSCAN_TESTDATA_DIR);
	assert_non_null(top);
	while ((de = readdir(top)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		dir_reader(de->d_name, want, sizeof(want));
		/* expected/, gen/, report/: not a reader's fixtures. */
		if (strchr(want, '|') == NULL && wcs_reader_find(want) == NULL)
			continue;
		(void)snprintf(dpath, sizeof(dpath), "%s/%s",
		    WCSCAN_TESTDATA_DIR, de->d_name);
		if ((d = opendir(dpath)) == NULL)
			continue;
		while ((fe = readdir(d)) != NULL) {
			(void)snprintf(
			    fpath, sizeof(fpath), "%s/%s", dpath, fe->d_name);
			if (fe->d_name[0] == '.' ||
			    strstr(fe->d_name, ".forced.") != NULL ||
			    stat(fpath, &sb) != 0 || !S_ISREG(sb.st_mode) ||
			    sb.st_size == 0)
				continue;
			expect_winner(fpath, want, &failures);
			checked++;
		}
		(void)closedir(d);
	}
	(void)closedir(top);
	printf("%u fixtures checked, %u misattributed\n", checked, failures);
	assert_true(checked > 0);
	assert_int_equal(failures, 0);
}

/* Real samples: path under ../shared/data, the reader, whether to read. */
static const struct {
	const char *path;
	const char *reader;
	int read; /* firewall or DNS: events > 0, rejected <= 10% */
} samples[] = {
	{ "crowdsec-hub/.tests/bind9-logs/bind9-logs.log", "bind", 1 },
	{ "crowdsec-hub/.tests/bind9-refused/bind9-refused.log", "bind", 1 },
	{ "crowdsec-hub/.tests/bind9-syslog/bind9-syslog.log", "bind", 1 },
	{ "crowdsec-hub/.tests/iptables-logs/iptables-logs.log", "netfilter",
	    1 },
	{ "crowdsec-hub/.tests/iptables-scan-multi-port/"
	  "iptables-scan-multi-port.log",
	    "netfilter", 1 },
	{ "crowdsec-hub/.tests/mikrotik-scan-multi_ports/"
	  "mikrotik-scan-multi_ports.log",
	    "mikrotik", 1 },
	{ "crowdsec-hub/.tests/palo-alto-threat/palo-alto-threat.log", "panos",
	    1 },
	{ "crowdsec-hub/.tests/pf-logs/pf-logs.log", "filterlog", 1 },
	{ "crowdsec-hub/.tests/pf-scan-multi-port/pf-scan-multi-port.log",
	    "filterlog", 1 },
	{ "crowdsec-hub/.tests/pfsense-rfc5424-filterlog/"
	  "pfsense-rfc5424-filterlog.log",
	    "filterlog", 1 },
	{ "crowdsec-hub/.tests/proxmox-iptables-logs/proxmox-iptables.log",
	    "netfilter", 1 },
	{ "crowdsec-hub/.tests/windows-bf/windows-bf.log", XML_READERS, 0 },
	{ "crowdsec-hub/.tests/windows-logs/windows-logs.log", XML_READERS, 0 },
	{ "plaso/test_data/windows_firewall.log", "pfirewall", 1 },
	{ "seed-smb/visuact-smb-access.log", "smblog", 0 },
	{ "zed-sample-data/zeek-default/dns.log.gz", "zeek-dns", 1 },
};

/* Every file under dir (recursively) whose name ends in suffix. */
static void
walk(const char *dir, const char *suffix, const char *want, unsigned *n,
    unsigned *failures)
{
	char path[2048];
	struct dirent *de;
	struct stat sb;
	size_t l, sl = strlen(suffix);
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			walk(path, suffix, want, n, failures);
			continue;
		}
		l = strlen(de->d_name);
		if (!S_ISREG(sb.st_mode) || l < sl ||
		    strcmp(de->d_name + l - sl, suffix) != 0)
			continue;
		expect_winner(path, want, failures);
		(*n)++;
	}
	(void)closedir(d);
}

static void
test_bidding_real_samples(void **state)
{
	const struct wcs_reader_ops *w;
	struct wcs_input_stats st;
	char path[2048], base[512];
	struct stat sb;
	unsigned failures = 0, n = 0;
	size_t i;

	(void)state;
	(void)snprintf(base, sizeof(base), "%s/data", WCSCAN_SHARED_DIR);
	if (stat(base, &sb) != 0) {
		printf("SKIP: %s is absent\n", base);
		skip();
	}
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		(void)snprintf(
		    path, sizeof(path), "%s/%s", base, samples[i].path);
		if (stat(path, &sb) != 0) {
			printf("FAIL %s: missing\n", path);
			failures++;
			continue;
		}
		n++;
		w = choose(path, samples[i].read, &st);
		if (w == NULL || !name_in(w->name, samples[i].reader)) {
			printf("FAIL %s: won by %s, want %s\n", samples[i].path,
			    w != NULL ? w->name : "nothing", samples[i].reader);
			failures++;
			continue;
		}
		if (!samples[i].read)
			continue;
		printf("%s: %s records %llu events %llu ignored %llu "
		       "rejected %llu\n",
		    samples[i].path, w->name, (unsigned long long)st.records,
		    (unsigned long long)st.events,
		    (unsigned long long)st.ignored,
		    (unsigned long long)st.rejected);
		if (st.events == 0 || st.rejected * 10 > st.records) {
			printf("FAIL %s: too few events or too many rejects\n",
			    samples[i].path);
			failures++;
		}
	}
	/* Event XML exports, and the binary EVTX files they came from. */
	(void)snprintf(path, sizeof(path), "%s/xml", base);
	walk(path, ".xml", XML_READERS, &n, &failures);
	walk(base, ".evtx", "evtx", &n, &failures);
	printf("%u real samples checked, %u misattributed\n", n, failures);
	assert_int_equal(failures, 0);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_bidding_fixtures),
		cmocka_unit_test(test_bidding_real_samples),
	};

	return (cmocka_run_group_tests(t, NULL, NULL));
}
