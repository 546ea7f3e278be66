/*
 * Splunk exports of Windows events: JSON (one object a line, or the REST
 * export's {"preview":false,"result":{...}} lines) and CSV, both carrying
 * the event whole in _raw:
 *	- XmlWinEventLog (renderXml = true): the event's XML, read as the
 *	  event XML reader reads it (evtx_map.c);
 *	- classic WinEventLog text: a date line in the forwarder's local
 *	  time, "LogName=", "SourceName=", "EventCode=", "ComputerName=",
 *	  "RecordNumber=" lines, then "Message=" and the rendered message,
 *	  whose labelled lines ("New Process Name:", "Service File Name:")
 *	  are taken back to the EventData fields they render (siem.c).
 * _time (ISO 8601 with its zone) dates a classic event; without it the
 * date line is read with --tz.  An XML event keeps its SystemTime, so it
 * reads exactly as the native file does.  "host" names the computer when
 * _raw does not.
 */
#include <string.h>

#include "readers_private.h"
#include "siem.h"

static int
splunk_map(struct wcs_siem_reader *r, struct wcs_event *ev)
{
	const char *raw, *v, *t;
	bool local = false;
	size_t n;
	int rc;

	if ((raw = wcs_doc_get(&r->doc, "_raw")) == NULL) {
		wcs_set_error(r->ctx, WCS_EPARSE, "Splunk event without _raw");
		return (WCS_WARN);
	}
	n = strlen(raw);
	for (v = raw; *v == ' ' || *v == '\t' || *v == '\r' || *v == '\n'; v++)
		;
	if (*v == '<')
		rc = wcs_siem_xml(&r->rec, &r->xml_parser, raw, n);
	else {
		/* _time has the zone the date line lacks. */
		if ((t = wcs_doc_get(&r->doc, "_time")) != NULL)
			r->rec.system_time = t;
		rc = wcs_siem_wineventlog(&r->rec, raw, n, r->tz, &local);
	}
	if (rc != WCS_OK)
		return (rc);
	if (r->rec.computer == NULL)
		r->rec.computer = wcs_doc_get(&r->doc, "host");
	rc = wcs_siem_map_rec(r, ev);
	ev->local_time = local;
	return (rc);
}

static const struct wcs_siem_format splunk_json_format = {
	.csv = false,
	.map = splunk_map,
};

static const struct wcs_siem_format splunk_csv_format = {
	.csv = true,
	.map = splunk_map,
};

static const char *const splunk_keys[] = { "_raw", NULL };
static const char *const splunk_any[] = { "_time", "result", "sourcetype",
	"host", NULL };
static const char *const splunk_csv_keys[] = { "_raw", "_time", NULL };

static int
splunk_json_bid(const unsigned char *peek, size_t len, int best_bid)
{
	(void)best_bid;
	return (wcs_siem_bid_json(peek, len, splunk_keys, splunk_any));
}

static int
splunk_csv_bid(const unsigned char *peek, size_t len, int best_bid)
{
	(void)best_bid;
	return (wcs_siem_bid_csv(peek, len, splunk_csv_keys));
}

static int
splunk_json_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_siem_open(&splunk_json_format, ctx, in, opts, state));
}

static int
splunk_csv_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_siem_open(&splunk_csv_format, ctx, in, opts, state));
}

const struct wcs_reader_ops wcs_reader_splunk_json = {
	.name = "splunk-json",
	.description = "Splunk JSON export of Windows events (_raw as "
		       "XmlWinEventLog or WinEventLog text; REST result lines)",
	.kind = WCS_KIND_SIEM,
	.flags = 0,
	.bid = splunk_json_bid,
	.open = splunk_json_open,
	.next = wcs_siem_next,
	.close = wcs_siem_close,
};

const struct wcs_reader_ops wcs_reader_splunk_csv = {
	.name = "splunk-csv",
	.description = "Splunk CSV export of Windows events (_time, _raw)",
	.kind = WCS_KIND_SIEM,
	.flags = 0,
	.bid = splunk_csv_bid,
	.open = splunk_csv_open,
	.next = wcs_siem_next,
	.close = wcs_siem_close,
};
