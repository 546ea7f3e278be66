/*
 * The mapping from a Windows event, however it was stored, to the event
 * model (see evtx_map.h): the collector that picks the System fields and
 * the EventData/UserData pairs out of a walk of the record, and the table
 * of the event IDs wcscan uses.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wcscan/pool.h"
#include "wcscan/timeutil.h"
#include "evtx_map.h"
#include "readers_private.h"

#define SYSMON_PROVIDER "Microsoft-Windows-Sysmon"

/* What the character data being collected is for. */
enum evtx_capture {
	CAP_NONE = 0,
	CAP_EVENTID,
	CAP_RECORDID,
	CAP_CHANNEL,
	CAP_COMPUTER,
	CAP_DATA
};

static bool
is_space(unsigned char c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

void
wcs_evtx_rec_init(
    struct wcs_evtx_rec *rec, struct wcs_ctx *ctx, struct wcs_pool *pool)
{
	memset(rec, 0, sizeof(*rec));
	rec->ctx = ctx;
	rec->pool = pool;
}

void
wcs_evtx_rec_reset(struct wcs_evtx_rec *rec)
{
	struct wcs_ctx *ctx = rec->ctx;
	struct wcs_pool *pool = rec->pool;
	char *text = rec->text;
	size_t tcap = rec->tcap;

	/* Only the fields in use are cleared: data[] is 2 KiB. */
	rec->provider = rec->event_id = rec->system_time = NULL;
	rec->record_id = rec->computer = rec->exec_pid = NULL;
	rec->channel = NULL;
	rec->ndata = rec->ndropped = 0;
	rec->depth = 0;
	rec->section = WCS_EVTX_SEC_NONE;
	rec->capture = CAP_NONE;
	rec->capture_depth = 0;
	rec->capture_name = NULL;
	rec->why = NULL;
	rec->oom = false;
	rec->ctx = ctx;
	rec->pool = pool;
	rec->text = text;
	rec->tcap = tcap;
	rec->tlen = 0;
}

void
wcs_evtx_rec_fini(struct wcs_evtx_rec *rec)
{
	if (rec->ctx != NULL)
		wcs_free(rec->ctx, rec->text);
	rec->text = NULL;
	rec->tcap = rec->tlen = 0;
}

/*
 * The collector.
 */

static int
rec_stop(struct wcs_evtx_rec *rec, const char *why)
{
	if (rec->why == NULL)
		rec->why = why;
	return (rec->oom ? WCS_FATAL : WCS_WARN);
}

static int
rec_oom(struct wcs_evtx_rec *rec)
{
	rec->oom = true;
	return (rec_stop(rec, "out of memory"));
}

static const char *
rec_attr(const char *const *atts, const char *name)
{
	if (atts == NULL)
		return (NULL);
	for (; atts[0] != NULL; atts += 2) {
		if (strcmp(atts[0], name) == 0)
			return (atts[1]);
	}
	return (NULL);
}

/* A pool copy of an attribute value; first occurrence wins. */
static int
rec_keep_attr(struct wcs_evtx_rec *rec, const char **dst,
    const char *const *atts, const char *name)
{
	const char *v;

	if (*dst != NULL || (v = rec_attr(atts, name)) == NULL)
		return (WCS_OK);
	if ((*dst = wcs_pool_strdup(rec->pool, v)) == NULL)
		return (rec_oom(rec));
	return (WCS_OK);
}

static bool evtx_wanted(const char *name);

/*
 * Where Data field `name` goes once data[] is full: in place of the last
 * field the mapping does not read, when it reads this one; else nowhere
 * (WCS_EVTX_MAX_DATA).  Either way one field is not kept.
 */
static unsigned
rec_full_slot(struct wcs_evtx_rec *rec, const char *name)
{
	unsigned j;

	if (rec->ndropped < UINT_MAX)
		rec->ndropped++;
	if (!evtx_wanted(name))
		return (WCS_EVTX_MAX_DATA);
	for (j = WCS_EVTX_MAX_DATA; j > 0; j--) {
		if (!evtx_wanted(rec->data[j - 1].name))
			return (j - 1);
	}
	return (WCS_EVTX_MAX_DATA);
}

static int
rec_capture(struct wcs_evtx_rec *rec, enum evtx_capture what, const char *name)
{
	if (what == CAP_DATA) {
		if (name == NULL)
			return (WCS_OK);
		rec->capture_slot = rec->ndata;
		if (rec->ndata == WCS_EVTX_MAX_DATA &&
		    (rec->capture_slot = rec_full_slot(rec, name)) ==
			WCS_EVTX_MAX_DATA)
			return (WCS_OK);
		if ((rec->capture_name = wcs_pool_strdup(rec->pool, name)) ==
		    NULL)
			return (rec_oom(rec));
	}
	rec->capture = what;
	rec->capture_depth = rec->depth;
	rec->tlen = 0;
	return (WCS_OK);
}

static int
system_start(
    struct wcs_evtx_rec *rec, const char *name, const char *const *atts)
{
	if (strcmp(name, "Provider") == 0)
		return (rec_keep_attr(rec, &rec->provider, atts, "Name"));
	if (strcmp(name, "EventID") == 0 && rec->event_id == NULL)
		return (rec_capture(rec, CAP_EVENTID, NULL));
	if (strcmp(name, "TimeCreated") == 0)
		return (
		    rec_keep_attr(rec, &rec->system_time, atts, "SystemTime"));
	if (strcmp(name, "EventRecordID") == 0 && rec->record_id == NULL)
		return (rec_capture(rec, CAP_RECORDID, NULL));
	if (strcmp(name, "Computer") == 0 && rec->computer == NULL)
		return (rec_capture(rec, CAP_COMPUTER, NULL));
	if (strcmp(name, "Channel") == 0 && rec->channel == NULL)
		return (rec_capture(rec, CAP_CHANNEL, NULL));
	if (strcmp(name, "Execution") == 0)
		return (rec_keep_attr(rec, &rec->exec_pid, atts, "ProcessID"));
	return (WCS_OK);
}

int
wcs_evtx_start(
    struct wcs_evtx_rec *rec, const char *name, const char *const *atts)
{
	if (rec->why != NULL)
		return (rec_stop(rec, rec->why));
	if (++rec->depth > WCS_EVTX_MAX_DEPTH)
		return (rec_stop(rec, "elements nested too deep"));
	switch (rec->depth) {
	case 2:
		if (strcmp(name, "System") == 0)
			rec->section = WCS_EVTX_SEC_SYSTEM;
		else if (strcmp(name, "EventData") == 0)
			rec->section = WCS_EVTX_SEC_EVENTDATA;
		else if (strcmp(name, "UserData") == 0)
			rec->section = WCS_EVTX_SEC_USERDATA;
		else
			rec->section = WCS_EVTX_SEC_OTHER;
		break;
	case 3:
		if (rec->section == WCS_EVTX_SEC_SYSTEM)
			return (system_start(rec, name, atts));
		if (rec->section == WCS_EVTX_SEC_EVENTDATA &&
		    strcmp(name, "Data") == 0)
			return (
			    rec_capture(rec, CAP_DATA, rec_attr(atts, "Name")));
		break;
	case 4:
		/* UserData wraps its fields in one element of its own. */
		if (rec->section == WCS_EVTX_SEC_USERDATA)
			return (rec_capture(rec, CAP_DATA, name));
		break;
	default:
		break;
	}
	return (WCS_OK);
}

bool
wcs_evtx_wants_text(const struct wcs_evtx_rec *rec)
{
	return (rec->why == NULL && rec->capture != CAP_NONE &&
		rec->depth == rec->capture_depth);
}

bool
wcs_evtx_wants_attrs(const struct wcs_evtx_rec *rec)
{
	return (rec->why == NULL && rec->depth == 2 &&
		(rec->section == WCS_EVTX_SEC_SYSTEM ||
		    rec->section == WCS_EVTX_SEC_EVENTDATA));
}

int
wcs_evtx_text(struct wcs_evtx_rec *rec, const char *s, size_t len)
{
	size_t ncap;
	char *t;

	if (!wcs_evtx_wants_text(rec) || len == 0)
		return (rec->why != NULL ? rec_stop(rec, rec->why) : WCS_OK);
	if (rec->tcap - rec->tlen < len) {
		/* Bounded by the record, itself bounded by the caller. */
		ncap = rec->tcap != 0 ? rec->tcap : 256;
		while (ncap - rec->tlen < len)
			ncap *= 2;
		if ((t = wcs_reallocarray(rec->ctx, rec->text, ncap, 1)) ==
		    NULL)
			return (rec_oom(rec));
		rec->text = t;
		rec->tcap = ncap;
	}
	memcpy(rec->text + rec->tlen, s, len);
	rec->tlen += len;
	return (WCS_OK);
}

int
wcs_evtx_end(struct wcs_evtx_rec *rec)
{
	char *v;

	if (rec->why != NULL)
		return (rec_stop(rec, rec->why));
	if (rec->capture != CAP_NONE && rec->depth == rec->capture_depth) {
		if ((v = wcs_pool_strndup(rec->pool,
			 rec->text != NULL ? rec->text : "", rec->tlen)) ==
		    NULL)
			return (rec_oom(rec));
		switch (rec->capture) {
		case CAP_EVENTID:
			rec->event_id = v;
			break;
		case CAP_RECORDID:
			rec->record_id = v;
			break;
		case CAP_COMPUTER:
			rec->computer = v;
			break;
		case CAP_CHANNEL:
			rec->channel = v;
			break;
		case CAP_DATA:
			rec->data[rec->capture_slot].name = rec->capture_name;
			rec->data[rec->capture_slot].value = v;
			if (rec->capture_slot == rec->ndata)
				rec->ndata++;
			break;
		default:
			break;
		}
		rec->capture = CAP_NONE;
	}
	if (rec->depth == 2)
		rec->section = WCS_EVTX_SEC_NONE;
	if (rec->depth > 0)
		rec->depth--;
	return (WCS_OK);
}

/*
 * The mapping.
 */

/* Where a Data field goes in struct wcs_event. */
enum evtx_slot {
	F_END = 0,
	F_IMAGE,
	F_CMDLINE,
	F_PARENT,
	F_USER,
	F_NAME,
	F_TARGET,
	F_QNAME,
	F_ANSWER,
	F_PID,
	F_SRC,
	F_SPORT,
	F_DST,
	F_DPORT,
	F_PROTO,
	F_OUTBOUND,
	F_LOGON_TYPE,
	F_RCODE
};

#define EVTX_MAP_FIELDS 10

struct evtx_map {
	bool sysmon; /* Sysmon's IDs, or those of any other provider */
	uint32_t id;
	enum wcs_event_kind kind;
	struct {
		const char *data;
		enum evtx_slot slot;
	} f[EVTX_MAP_FIELDS];
};

/*
 * The events DESIGN.md uses.  IDs belong to a provider family: 1, 3, 11
 * and 22 mean something else outside Sysmon, and Sysmon never logs 4688.
 */
static const struct evtx_map evtx_maps[] = {
	{ false, 7045, WCS_EV_SERVICE,
	    { { "ServiceName", F_NAME }, { "ImagePath", F_IMAGE },
		{ "AccountName", F_USER } } },
	{ false, 4697, WCS_EV_SERVICE,
	    { { "ServiceName", F_NAME }, { "ServiceFileName", F_IMAGE },
		{ "SubjectUserName", F_USER } } },
	{ false, 4688, WCS_EV_PROCESS,
	    { { "NewProcessName", F_IMAGE }, { "CommandLine", F_CMDLINE },
		{ "ParentProcessName", F_PARENT },
		{ "SubjectUserName", F_USER }, { "NewProcessId", F_PID } } },
	{ false, 4624, WCS_EV_LOGON,
	    { { "IpAddress", F_SRC }, { "IpPort", F_SPORT },
		{ "WorkstationName", F_NAME }, { "TargetUserName", F_USER },
		{ "LogonType", F_LOGON_TYPE } } },
	{ true, 1, WCS_EV_PROCESS,
	    { { "Image", F_IMAGE }, { "CommandLine", F_CMDLINE },
		{ "ParentImage", F_PARENT }, { "User", F_USER },
		{ "ProcessId", F_PID } } },
	{ true, 3, WCS_EV_CONN,
	    { { "Image", F_IMAGE }, { "User", F_USER }, { "ProcessId", F_PID },
		{ "Protocol", F_PROTO }, { "Initiated", F_OUTBOUND },
		{ "SourceIp", F_SRC }, { "SourcePort", F_SPORT },
		{ "DestinationIp", F_DST }, { "DestinationPort", F_DPORT } } },
	{ true, 11, WCS_EV_FILE,
	    { { "Image", F_IMAGE }, { "User", F_USER }, { "ProcessId", F_PID },
		{ "TargetFilename", F_TARGET } } },
	{ true, 22, WCS_EV_DNS,
	    { { "Image", F_IMAGE }, { "User", F_USER }, { "ProcessId", F_PID },
		{ "QueryName", F_QNAME }, { "QueryStatus", F_RCODE },
		{ "QueryResults", F_ANSWER } } },
};

/* Whether any mapping reads a Data field of this name. */
static bool
evtx_wanted(const char *name)
{
	size_t i, k;

	/* Read outside the table: Sysmon's time, 4688's account. */
	if (strcmp(name, "UtcTime") == 0 || strcmp(name, "TargetUserName") == 0)
		return (true);
	for (i = 0; i < WCS_NELEM(evtx_maps); i++) {
		for (k = 0;
		     k < EVTX_MAP_FIELDS && evtx_maps[i].f[k].slot != F_END;
		     k++) {
			if (strcmp(evtx_maps[i].f[k].data, name) == 0)
				return (true);
		}
	}
	return (false);
}

/* Windows writes "-" for "no value"; treat it like an empty field. */
static const char *
evtx_value(const char *v)
{
	if (v == NULL || v[0] == '\0' || strcmp(v, "-") == 0)
		return (NULL);
	return (v);
}

static const char *
evtx_data(const struct wcs_evtx_rec *rec, const char *name)
{
	unsigned i;

	for (i = 0; i < rec->ndata; i++) {
		if (strcmp(rec->data[i].name, name) == 0)
			return (evtx_value(rec->data[i].value));
	}
	return (NULL);
}

/* s without the white space around it, in [*b, *e). */
static void
evtx_trim(const char *s, const char **b, const char **e)
{
	*b = s;
	*e = s + strlen(s);
	while (*b < *e && is_space((unsigned char)**b))
		(*b)++;
	while (*e > *b && is_space((unsigned char)(*e)[-1]))
		(*e)--;
}

/* A decimal or "0x" hexadecimal number no larger than max. */
static bool
evtx_number(const char *s, uint64_t max, uint64_t *out)
{
	const char *b, *e;
	uint64_t v = 0;
	unsigned base = 10, d;

	if (s == NULL)
		return (false);
	evtx_trim(s, &b, &e);
	if (e - b > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X')) {
		base = 16;
		b += 2;
	}
	if (b == e)
		return (false);
	for (; b < e; b++) {
		if (*b >= '0' && *b <= '9')
			d = (unsigned)(*b - '0');
		else if (base == 16 && *b >= 'a' && *b <= 'f')
			d = (unsigned)(*b - 'a' + 10);
		else if (base == 16 && *b >= 'A' && *b <= 'F')
			d = (unsigned)(*b - 'A' + 10);
		else
			return (false);
		if (v > (max - d) / base)
			return (false);
		v = v * base + d;
	}
	*out = v;
	return (true);
}

static bool
evtx_time(const char *s, int64_t *out)
{
	const char *b, *e;
	bool has_zone;

	if (s == NULL)
		return (false);
	evtx_trim(s, &b, &e);
	/* Without a zone (Sysmon's UtcTime) the time is UTC already. */
	return (b < e && wcs_time_parse_iso(b, (size_t)(e - b), out,
			     &has_zone) == (size_t)(e - b));
}

/* Windows DNS status codes (Sysmon 22 QueryStatus) to DNS rcodes. */
static int16_t
evtx_rcode(const char *s)
{
	uint64_t v;

	if (!evtx_number(s, UINT32_MAX, &v))
		return (WCS_RCODE_NONE);
	switch (v) {
	case 0:
	case 9501: /* DNS_INFO_NO_RECORDS: the name exists, no data */
		return (WCS_RCODE_NOERROR);
	case 9002: /* DNS_ERROR_RCODE_SERVER_FAILURE */
		return (WCS_RCODE_SERVFAIL);
	case 9003: /* DNS_ERROR_RCODE_NAME_ERROR */
		return (WCS_RCODE_NXDOMAIN);
	case 9005: /* DNS_ERROR_RCODE_REFUSED */
		return (WCS_RCODE_REFUSED);
	default:
		return (WCS_RCODE_NONE);
	}
}

static void
evtx_addr(const char *v, struct wcs_addr *a)
{
	const char *b, *e;

	evtx_trim(v, &b, &e);
	(void)wcs_addr_parse(b, (size_t)(e - b), a);
}

/* Store field v in its slot of ev.  Returns false when out of memory. */
static bool
evtx_set(struct wcs_pool *pool, struct wcs_event *ev, enum evtx_slot slot,
    const char *v)
{
	uint64_t n;

	switch (slot) {
	case F_IMAGE:
		ev->image = v;
		break;
	case F_CMDLINE:
		ev->cmdline = v;
		break;
	case F_PARENT:
		ev->parent = v;
		break;
	case F_USER:
		ev->user = v;
		break;
	case F_NAME:
		ev->name = v;
		break;
	case F_TARGET:
		ev->target = v;
		break;
	case F_QNAME:
		/* Normalised as the other DNS readers do ("." stays). */
		if ((ev->qname = wcs_lu_qname(pool, v, strlen(v))) == NULL)
			return (false);
		break;
	case F_ANSWER:
		ev->answer = v;
		break;
	case F_PID:
		if (evtx_number(v, UINT32_MAX, &n))
			ev->pid = (uint32_t)n;
		break;
	case F_SRC:
		evtx_addr(v, &ev->src);
		break;
	case F_DST:
		evtx_addr(v, &ev->dst);
		break;
	case F_SPORT:
		if (evtx_number(v, UINT16_MAX, &n))
			ev->sport = (uint16_t)n;
		break;
	case F_DPORT:
		if (evtx_number(v, UINT16_MAX, &n))
			ev->dport = (uint16_t)n;
		break;
	case F_PROTO:
		if (strcasecmp(v, "tcp") == 0)
			ev->proto = 6;
		else if (strcasecmp(v, "udp") == 0)
			ev->proto = 17;
		break;
	case F_OUTBOUND:
		ev->outbound = strcasecmp(v, "true") == 0;
		break;
	case F_LOGON_TYPE:
		if (evtx_number(v, UINT8_MAX, &n))
			ev->logon_type = (uint8_t)n;
		break;
	case F_RCODE:
		ev->rcode = evtx_rcode(v);
		break;
	default:
		break;
	}
	return (true);
}

int
wcs_evtx_map(const struct wcs_evtx_rec *rec, struct wcs_event *ev)
{
	const struct evtx_map *m = NULL;
	const char *v, *subject, *target;
	uint64_t id, n;
	bool sysmon;
	size_t i;

	if (rec->event_id == NULL) {
		wcs_set_error(rec->ctx, WCS_EPARSE, "event without an EventID");
		return (WCS_WARN);
	}
	if (!evtx_number(rec->event_id, UINT32_MAX, &id)) {
		wcs_set_error(rec->ctx, WCS_EPARSE, "EventID is not a number");
		return (WCS_WARN);
	}
	sysmon = rec->provider != NULL &&
		 strcmp(rec->provider, SYSMON_PROVIDER) == 0;
	/* Sysmon's own UtcTime is when it happened; SystemTime is later. */
	if (!(sysmon && evtx_time(evtx_data(rec, "UtcTime"), &ev->ts_us)) &&
	    !evtx_time(rec->system_time, &ev->ts_us)) {
		ev->ts_us = WCS_TIME_NONE;
		wcs_set_error(rec->ctx, WCS_EPARSE,
		    "event %llu without a readable TimeCreated SystemTime",
		    (unsigned long long)id);
		return (WCS_WARN);
	}
	for (i = 0; i < WCS_NELEM(evtx_maps); i++) {
		if (evtx_maps[i].sysmon == sysmon && evtx_maps[i].id == id) {
			m = &evtx_maps[i];
			break;
		}
	}
	if (m == NULL) {
		ev->ignore = WCS_IGN_EVENTID;
		return (WCS_SKIP);
	}
	ev->kind = m->kind;
	ev->event_id = (uint32_t)id;
	ev->host = evtx_value(rec->computer);
	ev->channel = evtx_value(rec->channel);
	if (!evtx_number(rec->record_id, UINT64_MAX, &ev->record_id))
		ev->record_id = 0;
	/*
	 * Outside Sysmon, pid is the process that logged the event
	 * (services.exe for 7045, LSASS for 4624 and 4697) unless a Data
	 * field names the one the event is about (4688's NewProcessId).
	 * Sysmon's own process id says nothing about the event: not kept.
	 */
	if (!sysmon && evtx_number(rec->exec_pid, UINT32_MAX, &n))
		ev->pid = (uint32_t)n;
	for (i = 0; i < EVTX_MAP_FIELDS && m->f[i].slot != F_END; i++) {
		if ((v = evtx_data(rec, m->f[i].data)) != NULL &&
		    !evtx_set(rec->pool, ev, m->f[i].slot, v))
			return (WCS_FATAL);
	}
	if (ev->kind == WCS_EV_DNS)
		ev->dns_dir = WCS_DNS_RESPONSE;
	if (!sysmon && id == 4688) {
		/*
		 * A process started by the machine account (SYSTEM, a
		 * service) runs as the account 4688 v2 names as target: that
		 * is who ran it, which is what the analyst asks.
		 */
		subject = evtx_data(rec, "SubjectUserName");
		target = evtx_data(rec, "TargetUserName");
		if (target != NULL &&
		    (subject == NULL || subject[strlen(subject) - 1] == '$'))
			ev->user = target;
	}
	return (WCS_OK);
}

bool
wcs_evtx_dropped_note(const struct wcs_evtx_rec *rec, char *buf, size_t len)
{
	if (rec->ndropped == 0)
		return (false);
	(void)snprintf(buf, len,
	    "%u Data element%s past the first %d not read (the event is "
	    "read without %s)",
	    rec->ndropped, rec->ndropped == 1 ? "" : "s", WCS_EVTX_MAX_DATA,
	    rec->ndropped == 1 ? "it" : "them");
	return (true);
}
