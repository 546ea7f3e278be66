/*
 * Elastic Common Schema documents (see siem.h for the stream forms):
 *
 * Winlogbeat's Windows events, one document an event:
 *	{"@timestamp":"2017-05-12T15:03:11.123Z","winlog":{"channel":
 *	"Security","event_id":4688,"provider_name":"Microsoft-Windows-
 *	Security-Auditing","computer_name":"WS-FIN-01","record_id":1234,
 *	"event_data":{"NewProcessName":"C:\\...","CommandLine":"..."}},...}
 * Fields used: winlog.event_id, .channel, .provider_name, .computer_name,
 * .record_id, .process.pid, .event_data.* (every one, by name, as the
 * native readers collect <Data Name>), and @timestamp as the System time.
 * The rest goes through evtx_map.c, so an event reads as it does from
 * .evtx.  Winlogbeat's Sysmon module may drop event_data for ECS fields:
 * then process.executable, process.command_line, process.pid,
 * process.parent.executable, source.ip/port, destination.ip/port,
 * network.transport, network.direction and dns.question.name stand in for
 * the Data fields they were made from.
 *
 * Filebeat's network documents, without winlog: a DNS document
 * (dns.question.name: a query, with dns.response_code and dns.answers
 * when it is an answer) or a connection (source.ip and destination.ip,
 * ports, network.transport, event.outcome or event.action for what the
 * firewall did).  Other documents are ignored.
 */
#include <string.h>
#include <strings.h>

#include "readers_private.h"
#include "siem.h"

#define SYSMON_PROVIDER "Microsoft-Windows-Sysmon"
#define EVENT_DATA "winlog.event_data."

/* ECS fields that stand in for Sysmon's Data fields when they are gone. */
static const struct {
	const char *ecs, *data;
} ecs_sysmon[] = {
	{ "process.executable", "Image" },
	{ "process.command_line", "CommandLine" },
	{ "process.pid", "ProcessId" },
	{ "process.parent.executable", "ParentImage" },
	{ "source.ip", "SourceIp" },
	{ "source.port", "SourcePort" },
	{ "destination.ip", "DestinationIp" },
	{ "destination.port", "DestinationPort" },
	{ "network.transport", "Protocol" },
	{ "dns.question.name", "QueryName" },
};

/* And for the Security log's 4688. */
static const struct {
	const char *ecs, *data;
} ecs_4688[] = {
	{ "process.executable", "NewProcessName" },
	{ "process.command_line", "CommandLine" },
	{ "process.parent.executable", "ParentProcessName" },
};

static bool
ecs_has_data(const struct wcs_evtx_rec *rec, const char *name)
{
	unsigned i;

	for (i = 0; i < rec->ndata; i++) {
		if (strcmp(rec->data[i].name, name) == 0)
			return (true);
	}
	return (false);
}

/* Sysmon's User is "DOMAIN\\name"; ECS splits it in user.domain, user.name. */
static int
ecs_sysmon_user(struct wcs_siem_reader *r)
{
	const char *dom, *name, *v;

	if (ecs_has_data(&r->rec, "User") ||
	    (name = wcs_doc_get(&r->doc, "user.name")) == NULL)
		return (WCS_OK);
	dom = wcs_doc_get(&r->doc, "user.domain");
	v = dom != NULL ? wcs_pool_printf(r->pool, "%s\\%s", dom, name) : name;
	if (v == NULL)
		return (WCS_FATAL);
	return (wcs_siem_data(&r->rec, "User", v));
}

static int
ecs_windows(struct wcs_siem_reader *r, struct wcs_event *ev)
{
	struct wcs_evtx_rec *rec = &r->rec;
	const struct wcs_doc *d = &r->doc;
	const char *v;
	size_t i, n = sizeof(EVENT_DATA) - 1;
	bool sysmon;
	int rc;

	rec->event_id = wcs_doc_get(d, "winlog.event_id");
	rec->provider = wcs_doc_get(d, "winlog.provider_name");
	rec->channel = wcs_doc_get(d, "winlog.channel");
	rec->computer = wcs_doc_get(d, "winlog.computer_name");
	rec->record_id = wcs_doc_get(d, "winlog.record_id");
	rec->exec_pid = wcs_doc_get(d, "winlog.process.pid");
	rec->system_time = wcs_doc_get(d, "@timestamp");
	for (i = 0; i < d->n; i++) {
		if (strncmp(d->f[i].path, EVENT_DATA, n) == 0 &&
		    (rc = wcs_siem_data(
			 rec, d->f[i].path + n, d->f[i].value)) != WCS_OK)
			return (rc);
	}
	sysmon = rec->provider != NULL &&
		 strcmp(rec->provider, SYSMON_PROVIDER) == 0;
	if (sysmon) {
		for (i = 0; i < WCS_NELEM(ecs_sysmon); i++) {
			if (!ecs_has_data(rec, ecs_sysmon[i].data) &&
			    (v = wcs_doc_get(d, ecs_sysmon[i].ecs)) != NULL &&
			    (rc = wcs_siem_data(rec, ecs_sysmon[i].data, v)) !=
				WCS_OK)
				return (rc);
		}
		if ((rc = ecs_sysmon_user(r)) != WCS_OK)
			return (rc);
		/* ECS says egress for a connection the host made. */
		if (!ecs_has_data(rec, "Initiated") &&
		    (v = wcs_doc_get(d, "network.direction")) != NULL &&
		    (rc = wcs_siem_data(rec, "Initiated",
			 strcmp(v, "egress") == 0 ||
				 strcmp(v, "outbound") == 0 ?
			     "true" :
			     "false")) != WCS_OK)
			return (rc);
	} else if (rec->event_id != NULL &&
		   strcmp(rec->event_id, "4688") == 0) {
		for (i = 0; i < WCS_NELEM(ecs_4688); i++) {
			if (!ecs_has_data(rec, ecs_4688[i].data) &&
			    (v = wcs_doc_get(d, ecs_4688[i].ecs)) != NULL &&
			    (rc = wcs_siem_data(rec, ecs_4688[i].data, v)) !=
				WCS_OK)
				return (rc);
		}
	}
	return (wcs_siem_map_rec(r, ev));
}

static bool
ecs_port(const char *v, uint16_t *port)
{
	uint64_t n;

	if (v == NULL || !wcs_lu_uint(v, strlen(v), 65535, &n))
		return (false);
	*port = (uint16_t)n;
	return (true);
}

static int
ecs_time(struct wcs_siem_reader *r, struct wcs_event *ev)
{
	const char *v = wcs_doc_get(&r->doc, "@timestamp");
	bool has_zone;
	size_t n;

	if (v == NULL) {
		wcs_set_error(
		    r->ctx, WCS_EPARSE, "document without @timestamp");
		return (WCS_WARN);
	}
	n = strlen(v);
	if (wcs_time_parse_iso(v, n, &ev->ts_us, &has_zone) != n) {
		ev->ts_us = WCS_TIME_NONE;
		return (wcs_lu_reject_n(r->ctx, "@timestamp", v, n));
	}
	return (WCS_OK);
}

static void
ecs_addr(const char *v, struct wcs_addr *a)
{
	if (v != NULL)
		(void)wcs_addr_parse(v, strlen(v), a);
}

static int
ecs_proto(const struct wcs_doc *d)
{
	const char *v = wcs_doc_get(d, "network.transport");
	struct wcs_span sp;
	int p;

	if (v == NULL)
		v = wcs_doc_get(d, "network.iana_number");
	if (v == NULL)
		return (0);
	sp.p = v;
	sp.len = strlen(v);
	p = wcs_lu_proto(sp);
	return (p < 0 ? 0 : p);
}

static int
ecs_dns(struct wcs_siem_reader *r, struct wcs_event *ev, const char *qname)
{
	const struct wcs_doc *d = &r->doc;
	const char *v;
	struct wcs_span sp;
	int rc;

	if ((rc = ecs_time(r, ev)) != WCS_OK)
		return (rc);
	ev->kind = WCS_EV_DNS;
	if ((ev->qname = wcs_lu_qname(r->pool, qname, strlen(qname))) == NULL)
		return (WCS_FATAL);
	ecs_addr(wcs_doc_get(d, "source.ip"), &ev->src);
	ecs_addr(wcs_doc_get(d, "destination.ip"), &ev->dst);
	(void)ecs_port(wcs_doc_get(d, "source.port"), &ev->sport);
	(void)ecs_port(wcs_doc_get(d, "destination.port"), &ev->dport);
	ev->proto = (uint8_t)ecs_proto(d);
	if ((v = wcs_doc_get(d, "dns.question.type")) != NULL) {
		sp.p = v;
		sp.len = strlen(v);
		ev->qtype = wcs_lu_qtype(sp);
	}
	ev->dns_dir = WCS_DNS_QUERY;
	if ((v = wcs_doc_get(d, "dns.response_code")) != NULL) {
		sp.p = v;
		sp.len = strlen(v);
		ev->rcode = (int16_t)wcs_lu_rcode(sp);
		ev->dns_dir = WCS_DNS_RESPONSE;
	}
	if ((v = wcs_doc_get(d, "dns.type")) != NULL &&
	    strcmp(v, "answer") == 0)
		ev->dns_dir = WCS_DNS_RESPONSE;
	if ((v = wcs_doc_get(d, "dns.answers.0.data")) != NULL ||
	    (v = wcs_doc_get(d, "dns.resolved_ip.0")) != NULL) {
		ev->answer = v;
		ev->dns_dir = WCS_DNS_RESPONSE;
	}
	return (WCS_OK);
}

static int
ecs_conn(struct wcs_siem_reader *r, struct wcs_event *ev)
{
	const struct wcs_doc *d = &r->doc;
	const char *v;
	struct wcs_span sp;
	int rc;

	if ((rc = ecs_time(r, ev)) != WCS_OK)
		return (rc);
	ev->kind = WCS_EV_CONN;
	ecs_addr(wcs_doc_get(d, "source.ip"), &ev->src);
	ecs_addr(wcs_doc_get(d, "destination.ip"), &ev->dst);
	if (!wcs_addr_present(&ev->src) || !wcs_addr_present(&ev->dst))
		return (wcs_lu_reject_n(
		    r->ctx, "source.ip or destination.ip", "", 0));
	(void)ecs_port(wcs_doc_get(d, "source.port"), &ev->sport);
	(void)ecs_port(wcs_doc_get(d, "destination.port"), &ev->dport);
	ev->proto = (uint8_t)ecs_proto(d);
	/* event.outcome (success/failure) is ECS's; event.action is the
	 * firewall's own word (deny, drop, allow, accept...). */
	ev->action = WCS_ACT_UNKNOWN;
	if ((v = wcs_doc_get(d, "event.action")) != NULL) {
		sp.p = v;
		sp.len = strlen(v);
		ev->action = wcs_lu_action_words(sp, true);
	}
	if (ev->action == WCS_ACT_UNKNOWN &&
	    (v = wcs_doc_get(d, "event.type")) != NULL) {
		if (strstr(v, "denied") != NULL)
			ev->action = WCS_ACT_DENY;
		else if (strstr(v, "allowed") != NULL)
			ev->action = WCS_ACT_ALLOW;
	}
	if ((v = wcs_doc_get(d, "network.direction")) != NULL)
		ev->outbound =
		    strcmp(v, "egress") == 0 || strcmp(v, "outbound") == 0;
	return (WCS_OK);
}

static int
ecs_map(struct wcs_siem_reader *r, struct wcs_event *ev)
{
	const char *v;

	if (wcs_doc_get(&r->doc, "winlog.event_id") != NULL)
		return (ecs_windows(r, ev));
	if ((v = wcs_doc_get(&r->doc, "dns.question.name")) != NULL)
		return (ecs_dns(r, ev, v));
	if (wcs_doc_get(&r->doc, "source.ip") != NULL &&
	    wcs_doc_get(&r->doc, "destination.ip") != NULL)
		return (ecs_conn(r, ev));
	return (wcs_lu_skip(ev, WCS_IGN_MSGTYPE));
}

static const struct wcs_siem_format ecs_format = {
	.csv = false,
	.map = ecs_map,
};

static const char *const ecs_keys[] = { "@timestamp", NULL };
static const char *const ecs_any[] = { "winlog", "ecs", "source", "destination",
	"dns", "event", NULL };

static int
ecs_bid(const unsigned char *peek, size_t len, int best_bid)
{
	(void)best_bid;
	return (wcs_siem_bid_json(peek, len, ecs_keys, ecs_any));
}

static int
ecs_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	return (wcs_siem_open(&ecs_format, ctx, in, opts, state));
}

const struct wcs_reader_ops wcs_reader_ecs_json = {
	.name = "ecs-json",
	.description = "Elastic ECS JSON: Winlogbeat Windows events, Filebeat "
		       "firewall and DNS documents (NDJSON, arrays, _source "
		       "hits)",
	.kind = WCS_KIND_SIEM,
	.flags = 0,
	.bid = ecs_bid,
	.open = ecs_open,
	.next = wcs_siem_next,
	.close = wcs_siem_close,
};
