/*
 * Microsoft Sentinel / Log Analytics exports of Windows events: the
 * portal's CSV export and JSON (an array of rows keyed by column, as `az
 * monitor log-analytics query` writes it), from two tables:
 *	- SecurityEvent: one column per EventData field (NewProcessName,
 *	  CommandLine, IpAddress, WorkstationName, ServiceFileName, ...)
 *	  beside EventID, Computer, Channel, EventSourceName, EventRecordId
 *	  and TimeGenerated;
 *	- Event (System and other logs, Sysmon included): Source, EventLog,
 *	  EventID, Computer, TimeGenerated, and the EventData as XML in a
 *	  column (<DataItem><EventData><Data Name=...>).
 * Every non-empty column is offered to the mapping as an EventData field
 * under its own name, the XML's fields first; the mapping (evtx_map.c)
 * takes what it uses, as it does from the native log.  TimeGenerated is
 * ISO 8601 in JSON; the portal's CSV names the column "TimeGenerated
 * [UTC]" and writes "5/12/2017, 3:03:11.123 PM".
 */
#include <stdlib.h>
#include <string.h>

#include "readers_private.h"
#include "siem.h"

/* "5/12/2017, 3:03:11.123 PM" (UTC). */
static bool
sentinel_portal_time(const char *s, int64_t *out)
{
	struct wcs_lu_civil civ = { 0 };
	const char *p = s;
	char *end;
	long v[6];
	int i;

	for (i = 0; i < 6; i++) {
		if (*p < '0' || *p > '9')
			return (false);
		v[i] = strtol(p, &end, 10);
		p = end;
		if (i == 5)
			break;
		if (*p == '/' || *p == ':')
			p++;
		else if (*p == ',' && p[1] == ' ')
			p += 2;
		else if (*p == ' ')
			p++;
		else
			return (false);
	}
	civ.mon = (int)v[0];
	civ.day = (int)v[1];
	civ.year = (int)v[2];
	civ.hour = (int)v[3];
	civ.min = (int)v[4];
	civ.sec = (int)v[5];
	if (*p == '.') {
		long scale = 100000;

		for (p++; *p >= '0' && *p <= '9'; p++) {
			civ.usec += (*p - '0') * scale;
			scale /= 10;
		}
	}
	while (*p == ' ')
		p++;
	if ((p[0] == 'P' || p[0] == 'p') && civ.hour < 12)
		civ.hour += 12;
	else if ((p[0] == 'A' || p[0] == 'a') && civ.hour == 12)
		civ.hour = 0;
	return (wcs_lu_local_to_utc(&civ, NULL, out));
}

static const char *
sentinel_get2(const struct wcs_doc *d, const char *a, const char *b)
{
	const char *v = wcs_doc_get(d, a);

	return (v != NULL ? v : wcs_doc_get(d, b));
}

static int
sentinel_map(struct wcs_siem_reader *r, struct wcs_event *ev)
{
	struct wcs_evtx_rec *rec = &r->rec;
	const struct wcs_doc *d = &r->doc;
	const char *v;
	char buf[WCS_TIME_STRLEN];
	int64_t t;
	size_t i;
	int rc;

	if ((v = wcs_doc_get(d, "EventData")) != NULL && v[0] == '<' &&
	    (rc = wcs_siem_xml(rec, &r->xml_parser, v, strlen(v))) != WCS_OK)
		return (rc);
	for (i = 0; i < d->n; i++) {
		if (d->f[i].value[0] != '\0' &&
		    strcmp(d->f[i].path, "EventData") != 0 &&
		    (rc = wcs_siem_data(rec, d->f[i].path, d->f[i].value)) !=
			WCS_OK)
			return (rc);
	}
	if (rec->event_id == NULL)
		rec->event_id = wcs_doc_get(d, "EventID");
	if (rec->computer == NULL)
		rec->computer = wcs_doc_get(d, "Computer");
	if (rec->channel == NULL)
		rec->channel = sentinel_get2(d, "Channel", "EventLog");
	if (rec->provider == NULL)
		rec->provider = sentinel_get2(d, "EventSourceName", "Source");
	if (rec->record_id == NULL)
		rec->record_id = wcs_doc_get(d, "EventRecordId");
	if ((v = wcs_doc_get(d, "TimeGenerated")) != NULL)
		rec->system_time = v;
	else if ((v = wcs_doc_get(d, "TimeGenerated [UTC]")) != NULL) {
		if (!sentinel_portal_time(v, &t))
			return (wcs_lu_reject_n(
			    r->ctx, "TimeGenerated", v, strlen(v)));
		(void)wcs_time_format(t, buf, sizeof(buf));
		if ((rec->system_time = wcs_pool_strdup(r->pool, buf)) == NULL)
			return (WCS_FATAL);
	}
	return (wcs_siem_map_rec(r, ev));
}

static const struct wcs_siem_format sentinel_json_format = {
	.csv = false,
	.map = sentinel_map,
};

static const struct wcs_siem_format sentinel_csv_format = {
	.csv = true,
	.map = sentinel_map,
};

static const char *const sentinel_keys[] = { "TimeGenerated", "Computer",
	"EventID", NULL };

static int
sentinel_json_bid(const unsigned char *peek, size_t len, int best_bid)
{
	(void)best_bid;
	return (wcs_siem_bid_json(peek, len, sentinel_keys, NULL));
}

static int
sentinel_csv_bid(const unsigned char *peek, size_t len, int best_bid)
{
	(void)best_bid;
	return (wcs_siem_bid_csv(peek, len, sentinel_keys));
}

static int
sentinel_json_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_siem_open(&sentinel_json_format, ctx, in, opts, state));
}

static int
sentinel_csv_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_siem_open(&sentinel_csv_format, ctx, in, opts, state));
}

const struct wcs_reader_ops wcs_reader_sentinel_json = {
	.name = "sentinel-json",
	.description = "Microsoft Sentinel / Log Analytics JSON rows of "
		       "SecurityEvent or Event",
	.kind = WCS_KIND_SIEM,
	.flags = 0,
	.bid = sentinel_json_bid,
	.open = sentinel_json_open,
	.next = wcs_siem_next,
	.close = wcs_siem_close,
};

const struct wcs_reader_ops wcs_reader_sentinel_csv = {
	.name = "sentinel-csv",
	.description = "Microsoft Sentinel / Log Analytics CSV export of "
		       "SecurityEvent or Event",
	.kind = WCS_KIND_SIEM,
	.flags = 0,
	.bid = sentinel_csv_bid,
	.open = sentinel_csv_open,
	.next = wcs_siem_next,
	.close = wcs_siem_close,
};
