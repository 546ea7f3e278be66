/*
 * The normalised-event export: one JSON object per line, keys after
 * Suricata's EVE header (timestamp, event_type, src_ip, src_port, dest_ip,
 * dest_port, proto) plus wcscan's own fields.  Absent fields are left out,
 * so the golden files show exactly what a reader extracted.
 */
#include <stdio.h>

#include "wcscan/report.h"
#include "wcscan/timeutil.h"

static void
put_str(FILE *out, const char *key, const char *val)
{
	if (val == NULL)
		return;
	fprintf(out, ",\"%s\":", key);
	wcs_json_string(out, val);
}

static void
put_addr(FILE *out, const char *key, const struct wcs_addr *a)
{
	char buf[WCS_ADDR_STRLEN];

	if (!wcs_addr_present(a))
		return;
	fprintf(
	    out, ",\"%s\":\"%s\"", key, wcs_addr_format(a, buf, sizeof(buf)));
}

static const char *
proto_name(unsigned proto)
{
	switch (proto) {
	case 1:
		return ("ICMP");
	case 6:
		return ("TCP");
	case 17:
		return ("UDP");
	case 58:
		return ("IPv6-ICMP");
	default:
		return (NULL);
	}
}

int
wcs_report_event_json(FILE *out, const struct wcs_event *ev, const char *path)
{
	char tbuf[WCS_TIME_STRLEN];

	fprintf(out, "{\"timestamp\":");
	if (ev->ts_us == WCS_TIME_NONE)
		fputs("null", out);
	else
		fprintf(out, "\"%s\"",
		    wcs_time_format(ev->ts_us, tbuf, sizeof(tbuf)));
	fprintf(out, ",\"event_type\":\"%s\"", wcs_event_kind_name(ev->kind));
	put_addr(out, "src_ip", &ev->src);
	if (ev->sport != 0)
		fprintf(out, ",\"src_port\":%u", ev->sport);
	put_addr(out, "dest_ip", &ev->dst);
	if (ev->dport != 0)
		fprintf(out, ",\"dest_port\":%u", ev->dport);
	if (ev->proto != 0) {
		if (proto_name(ev->proto) != NULL)
			fprintf(
			    out, ",\"proto\":\"%s\"", proto_name(ev->proto));
		else
			fprintf(out, ",\"proto\":\"%u\"", ev->proto);
	}
	if (ev->action != WCS_ACT_UNKNOWN)
		fprintf(out, ",\"action\":\"%s\"", wcs_action_name(ev->action));
	if (ev->outbound)
		fputs(",\"outbound\":true", out);
	if (ev->dns_dir != WCS_DNS_UNKNOWN)
		fprintf(out, ",\"dns_dir\":\"%s\"",
		    ev->dns_dir == WCS_DNS_QUERY ? "query" : "response");
	if (ev->rcode != WCS_RCODE_NONE)
		fprintf(out, ",\"rcode\":%d", ev->rcode);
	if (ev->qtype != 0)
		fprintf(out, ",\"qtype\":%u", ev->qtype);
	if (ev->smb_version != 0)
		fprintf(out, ",\"smb_version\":%u", ev->smb_version);
	if (ev->logon_type != 0)
		fprintf(out, ",\"logon_type\":%u", ev->logon_type);
	if (ev->event_id != 0)
		fprintf(out, ",\"event_id\":%u", ev->event_id);
	if (ev->pid != 0)
		fprintf(out, ",\"pid\":%u", ev->pid);
	put_str(out, "host", ev->host);
	put_str(out, "user", ev->user);
	put_str(out, "image", ev->image);
	put_str(out, "cmdline", ev->cmdline);
	put_str(out, "parent", ev->parent);
	put_str(out, "name", ev->name);
	put_str(out, "target", ev->target);
	put_str(out, "qname", ev->qname);
	put_str(out, "answer", ev->answer);
	fputs(",\"source\":", out);
	if (path != NULL)
		wcs_json_string(out, path);
	else
		fputs("null", out);
	fprintf(out, ",\"line\":%llu", (unsigned long long)ev->line);
	fputs("}\n", out);
	return (ferror(out) ? WCS_FAILED : WCS_OK);
}
