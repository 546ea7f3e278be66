/*
 * Differential fuzz target for the event XML reader's fast path: the same
 * bytes are read as they are, and again with a processing instruction
 * before each </Event>, which the fast path never takes (expat reads those
 * records) and which changes nothing a record says.  Counts and events
 * must agree; a difference aborts.  Inputs with comments, CDATA, other
 * processing instructions or declarations ("<!", "<?") are skipped, as
 * the inserted text could land inside them and change the record.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/reader.h"
#include "wcscan/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct xml_run {
	struct wcs_input_stats st;
	char *json;
	size_t json_len;
};

static int
to_json(const struct wcs_event *ev, void *arg)
{
	return (wcs_report_event_json(arg, ev, "fuzz"));
}

static void
read_xml(const char *buf, size_t len, struct xml_run *out)
{
	struct wcs_run_opts opts;
	struct wcs_input *in;
	struct wcs_ctx ctx;
	FILE *fp;

	wcs_ctx_init(&ctx, NULL);
	memset(out, 0, sizeof(*out));
	out->st.first = out->st.last = WCS_TIME_NONE;
	memset(&opts, 0, sizeof(opts));
	opts.since = opts.until = WCS_TIME_NONE;
	if ((fp = open_memstream(&out->json, &out->json_len)) == NULL)
		abort();
	if (wcs_input_open_mem(&ctx, "fuzz", buf, len, 1 << 20, &in) ==
	    WCS_OK) {
		(void)wcs_reader_run(&ctx, wcs_reader_find("evtx-xml"), in,
		    &opts, &out->st, to_json, fp);
		wcs_input_close(in);
	}
	if (fclose(fp) != 0)
		abort();
}

static bool
has(const uint8_t *d, size_t n, const char *lit)
{
	size_t i, k = strlen(lit);

	for (i = 0; i + k <= n; i++) {
		if (memcmp(d + i, lit, k) == 0)
			return (true);
	}
	return (false);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char pi[] = "<?wcscan expat?>", end[] = "</Event>";
	struct xml_run fast, slow;
	size_t i, o = 0;
	char *via;

	if (n > 65536 || has(d, n, "<!") || has(d, n, "<?") || !has(d, n, end))
		return (0);
	if ((via = malloc(n * (sizeof(pi) + 1) + 1)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (i + sizeof(end) - 1 <= n &&
		    memcmp(d + i, end, sizeof(end) - 1) == 0) {
			memcpy(via + o, pi, sizeof(pi) - 1);
			o += sizeof(pi) - 1;
		}
		via[o++] = (char)d[i];
	}
	read_xml((const char *)d, n, &fast);
	read_xml(via, o, &slow);
	if (fast.st.records != slow.st.records ||
	    fast.st.events != slow.st.events ||
	    fast.st.ignored != slow.st.ignored ||
	    fast.st.rejected != slow.st.rejected ||
	    fast.json_len != slow.json_len ||
	    (fast.json_len > 0 &&
		memcmp(fast.json, slow.json, fast.json_len) != 0)) {
		fprintf(stderr, "fast path and expat differ:\n%s\n---\n%s\n",
		    fast.json, slow.json);
		abort();
	}
	free(fast.json);
	free(slow.json);
	free(via);
	return (0);
}
