/*
 * The timeline export, for Timesketch and spreadsheet timelines
 * (Timeline Explorer): one row per evidence item and per network fact
 * that dates the outbreak, sorted by time.  Timesketch's import takes
 * JSON lines or CSV with a header, and needs three fields in every row:
 * message, datetime (ISO 8601) and timestamp_desc (what the time is);
 * timestamp (microseconds since the epoch) and any other column are
 * optional and kept as attributes.  Ours are host, address, verdict,
 * rule, class and source (file:line).
 *
 * Network facts: a host's kill-switch lookup is an evidence item of class
 * "lookup" already; the start of its 445/tcp sweep comes from its fan-out
 * summary, and its first contact from its infector from the edge.  A fact
 * without a time has no place in a timeline and is left out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/report.h"
#include "wcscan/timeutil.h"
#include "report_private.h"

enum row_kind { ROW_EVIDENCE, ROW_SWEEP, ROW_CONTACT };

struct row {
	int64_t ts;
	enum row_kind kind;
	size_t host; /* index in res->hosts; SIZE_MAX: not a flagged host */
	size_t item; /* evidence or edge index */
};

/* Hosts by label, to find an edge's victim. */
struct named {
	char label[WCS_ADDR_STRLEN + 64];
	size_t host;
};

static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->ts != y->ts)
		return (x->ts < y->ts ? -1 : 1);
	if (x->kind != y->kind)
		return (x->kind < y->kind ? -1 : 1);
	if (x->host != y->host)
		return (x->host < y->host ? -1 : 1);
	return (x->item < y->item ? -1 : x->item > y->item);
}

static int
named_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct named *)a)->label,
	    ((const struct named *)b)->label));
}

static int
named_find(const void *key, const void *elem)
{
	return (strcmp(key, ((const struct named *)elem)->label));
}

static const char *
class_desc(enum wcs_ioc_class c)
{
	switch (c) {
	case WCS_CLASS_LOOKUP:
		return ("Kill-switch lookup");
	case WCS_CLASS_SPREADING:
		return ("Spreading seen");
	case WCS_CLASS_ENCRYPTION:
		return ("Encryption seen");
	case WCS_CLASS_PERSISTENCE:
		return ("Persistence seen");
	case WCS_CLASS_STARTUP:
		return ("Worm start-up seen");
	default:
		return ("Evidence seen");
	}
}

/* The columns of one row, before they are written as JSON or CSV. */
struct fields {
	const char *message;
	int64_t ts;
	const char *desc;
	const char *host; /* label with names */
	const char *address;
	const char *verdict;
	const char *rule;
	const char *cls;
	const char *source;
};

static const char *const columns[] = { "message", "timestamp", "datetime",
	"timestamp_desc", "host", "address", "verdict", "rule", "class",
	"source" };

static void
put_json(FILE *out, const struct fields *f)
{
	char tbuf[WCS_TIME_STRLEN];
	const char *v[] = { f->host, f->address, f->verdict, f->rule, f->cls,
		f->source };
	size_t i;

	fputs("{\"message\":", out);
	wcs_json_string(out, f->message);
	fprintf(out,
	    ",\"timestamp\":%" PRId64 ",\"datetime\":\"%s\","
	    "\"timestamp_desc\":",
	    f->ts, wcs_time_format(f->ts, tbuf, sizeof(tbuf)));
	wcs_json_string(out, f->desc);
	for (i = 0; i < WCS_NELEM(v); i++) {
		fprintf(out, ",\"%s\":", columns[i + 4]);
		wcs_json_string(out, v[i] != NULL ? v[i] : "");
	}
	fputs("}\n", out);
}

static void
put_csv(FILE *out, const struct fields *f)
{
	char tbuf[WCS_TIME_STRLEN];
	const char *v[] = { f->host, f->address, f->verdict, f->rule, f->cls,
		f->source };
	size_t i;

	wcs_csv_cell(out, f->message);
	fprintf(out, ",%" PRId64 ",%s,", f->ts,
	    wcs_time_format(f->ts, tbuf, sizeof(tbuf)));
	wcs_csv_cell(out, f->desc);
	for (i = 0; i < WCS_NELEM(v); i++) {
		putc(',', out);
		wcs_csv_cell(out, v[i] != NULL ? v[i] : "");
	}
	fputs("\r\n", out);
}

static void
write_row(
    FILE *out, bool csv, const struct wcs_result *res, const struct row *r)
{
	char hbuf[1024], abuf[WCS_ADDR_STRLEN], msg[4096], src[1024];
	const struct wcs_host *h =
	    r->host < res->nhosts ? &res->hosts[r->host] : NULL;
	const struct wcs_evidence *e;
	const struct wcs_edge *ed;
	struct fields f;
	size_t i, n;
	int k;

	memset(&f, 0, sizeof(f));
	f.ts = r->ts;
	if (h != NULL) {
		f.host = wcs_report_host_text(h, hbuf, sizeof(hbuf), 0);
		f.address = wcs_addr_format(&h->ip, abuf, sizeof(abuf));
		f.verdict = wcs_verdict_name(h->verdict);
	}
	switch (r->kind) {
	case ROW_EVIDENCE:
		e = &h->evidence[r->item];
		(void)snprintf(msg, sizeof(msg), "%s: %s: %s", f.host,
		    e->rule != NULL ? e->rule : "-",
		    e->detail != NULL ? e->detail : "-");
		f.desc = class_desc(e->cls);
		f.rule = e->rule;
		f.cls = wcs_ioc_class_name(e->cls);
		f.source = e->source;
		break;
	case ROW_SWEEP:
		(void)snprintf(msg, sizeof(msg),
		    "%s: 445/tcp sweep starts: %" PRIu64
		    " destinations (%" PRIu64 " in its /24, %" PRIu64
		    " other internal, %" PRIu64 " public)",
		    f.host, h->fanout.distinct, h->fanout.same_subnet,
		    h->fanout.other_internal, h->fanout.public_);
		f.desc = "445/tcp sweep start";
		f.rule = "fanout";
		f.cls = "spreading";
		break;
	case ROW_CONTACT:
		ed = &res->edges[r->item];
		(void)snprintf(msg, sizeof(msg),
		    "%s: first 445/tcp contact from its infector %s",
		    ed->to != NULL ? ed->to : "-",
		    ed->from != NULL ? ed->from : "-");
		if (h == NULL)
			f.host = ed->to;
		f.desc = "First contact from infector";
		f.rule = "infection";
		f.cls = "spreading";
		/* Every log that saw the contact, "; " between them. */
		src[0] = '\0';
		for (i = n = 0; i < ed->nsources && n < sizeof(src); i++) {
			k = snprintf(src + n, sizeof(src) - n, "%s%s",
			    i == 0 ? "" : "; ", ed->sources[i]);
			n += k < 0 ? 0 : (size_t)k;
		}
		f.source = src;
		break;
	}
	f.message = msg;
	if (csv)
		put_csv(out, &f);
	else
		put_json(out, &f);
}

int
wcs_report_timeline(
    struct wcs_ctx *ctx, FILE *out, const struct wcs_result *res, bool csv)
{
	struct named *byname = NULL, *hit;
	const struct wcs_host *h;
	struct row *rows = NULL;
	size_t i, j, n = 0, cap = 0;

	errno = 0;
	for (i = 0; i < res->nhosts; i++)
		cap += res->hosts[i].nevidence + 1;
	cap += res->nedges + 1;
	if ((rows = wcs_calloc(ctx, cap, sizeof(*rows))) == NULL ||
	    (byname = wcs_calloc(ctx, res->nhosts + 1, sizeof(*byname))) ==
		NULL)
		goto out_enomem;
	for (i = 0; i < res->nhosts; i++) {
		h = &res->hosts[i];
		(void)wcs_host_label(
		    h, byname[i].label, sizeof(byname[i].label));
		byname[i].host = i;
		for (j = 0; j < h->nevidence; j++) {
			if (h->evidence[j].ts_us != WCS_TIME_NONE)
				rows[n++] =
				    (struct row){ .ts = h->evidence[j].ts_us,
					    .kind = ROW_EVIDENCE,
					    .host = i,
					    .item = j };
		}
		if (h->fanout.distinct > 0 && h->fanout.first != WCS_TIME_NONE)
			rows[n++] = (struct row){ .ts = h->fanout.first,
				.kind = ROW_SWEEP,
				.host = i,
				.item = 0 };
	}
	qsort(byname, res->nhosts, sizeof(*byname), named_cmp);
	for (i = 0; i < res->nedges; i++) {
		if (res->edges[i].ts_us == WCS_TIME_NONE)
			continue;
		hit = res->edges[i].to == NULL || res->nhosts == 0 ?
			  NULL :
			  bsearch(res->edges[i].to, byname, res->nhosts,
			      sizeof(*byname), named_find);
		rows[n++] = (struct row){ .ts = res->edges[i].ts_us,
			.kind = ROW_CONTACT,
			.host = hit != NULL ? hit->host : SIZE_MAX,
			.item = i };
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	if (csv) {
		for (i = 0; i < WCS_NELEM(columns); i++)
			fprintf(out, "%s%s", i == 0 ? "" : ",", columns[i]);
		fputs("\r\n", out);
	}
	for (i = 0; i < n; i++)
		write_row(out, csv, res, &rows[i]);
	wcs_free(ctx, rows);
	wcs_free(ctx, byname);
	if (fflush(out) == EOF || ferror(out)) {
		if (errno == 0)
			errno = EIO;
		wcs_set_error(
		    ctx, errno, "writing the timeline: %s", strerror(errno));
		return (WCS_FAILED);
	}
	return (WCS_OK);
out_enomem:
	wcs_free(ctx, rows);
	wcs_free(ctx, byname);
	wcs_set_error(ctx, ENOMEM, "out of memory writing the timeline");
	return (WCS_FATAL);
}
