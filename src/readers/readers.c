/*
 * The reader list, bidding, and the driver that runs a reader over an
 * input and keeps the accounting (records = events + ignored + rejected).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wcscan/reader.h"
#include "readers_private.h"

/* Cheap, specific bidders first: ties go to the earlier reader. */
static const struct wcs_reader_ops *const reader_list[] = {
	&wcs_reader_evtx,
	&wcs_reader_pfirewall,
	&wcs_reader_windns,
	&wcs_reader_smblog,
	&wcs_reader_bind,
	&wcs_reader_netfilter,
	&wcs_reader_filterlog,
	&wcs_reader_asa,
	&wcs_reader_fortigate,
	&wcs_reader_panos,
	&wcs_reader_zeek_conn,
	&wcs_reader_zeek_dns,
	&wcs_reader_dnsmasq,
	&wcs_reader_mikrotik,
	&wcs_reader_ecs_json,
	&wcs_reader_splunk_json,
	&wcs_reader_splunk_csv,
	&wcs_reader_sentinel_json,
	&wcs_reader_sentinel_csv,
	&wcs_reader_sysmon_xml,
	&wcs_reader_evtx_xml,
};

const struct wcs_reader_ops *const *
wcs_readers(size_t *count)
{
	*count = WCS_NELEM(reader_list);
	return (reader_list);
}

const struct wcs_reader_ops *
wcs_reader_find(const char *name)
{
	size_t i;

	for (i = 0; i < WCS_NELEM(reader_list); i++) {
		if (strcmp(reader_list[i]->name, name) == 0)
			return (reader_list[i]);
	}
	return (NULL);
}

const char *
wcs_input_kind_name(enum wcs_input_kind kind)
{
	switch (kind) {
	case WCS_KIND_FIREWALL:
		return ("firewall");
	case WCS_KIND_DNS:
		return ("dns");
	case WCS_KIND_EVENTLOG:
		return ("eventlog");
	case WCS_KIND_SYSMON:
		return ("sysmon");
	case WCS_KIND_SMB:
		return ("smb");
	case WCS_KIND_SIEM:
		return ("siem");
	default:
		return ("unknown");
	}
}

const struct wcs_reader_ops *
wcs_reader_choose(
    const unsigned char *peek, size_t len, unsigned kind_mask, int *best)
{
	const struct wcs_reader_ops *winner = NULL;
	size_t i;
	int bid;

	*best = 0;
	for (i = 0; i < WCS_NELEM(reader_list); i++) {
		if ((reader_list[i]->kind & kind_mask) == 0)
			continue;
		bid = reader_list[i]->bid(peek, len, *best);
		if (bid > *best) {
			*best = bid;
			winner = reader_list[i];
		}
	}
	return (winner);
}

static void
stats_reject(struct wcs_input_stats *st, uint64_t line, const char *why)
{
	struct wcs_reject *r;

	st->rejected++;
	if (st->nsamples == WCS_REJECT_SAMPLES)
		return;
	r = &st->samples[st->nsamples++];
	r->line = line;
	(void)snprintf(r->why, sizeof(r->why), "%s", why);
}

struct wcs_read_job {
	struct wcs_ctx *ctx;
	const struct wcs_reader_ops *ops;
	struct wcs_input *in;
	struct wcs_run_opts opts;
	struct wcs_input_stats *st;
	void *state;
	int64_t lo, hi; /* the times RFC 3339 output can carry */
	bool done;
};

static void
job_final_stats(struct wcs_read_job *job)
{
	job->st->bytes = wcs_input_info(job->in)->raw_bytes;
	job->st->gzip = wcs_input_info(job->in)->gzip;
	job->st->utf16 = wcs_input_info(job->in)->utf16;
}

/* Give the reader opts->resume: WCS_OK or WCS_FAILED (ctx says). */
static int
resume_load(struct wcs_read_job *job, const unsigned char *buf, size_t len)
{
	if (job->ops->resume_load == NULL) {
		wcs_set_error(job->ctx, EINVAL,
		    "%s: a %s log cannot be read on from the middle",
		    wcs_input_info(job->in)->path, job->ops->name);
		return (WCS_FAILED);
	}
	if (!job->ops->resume_load(job->state, buf, len)) {
		wcs_set_error(job->ctx, WCS_ECORRUPT,
		    "%s: what the last sweep kept to read on with is not a "
		    "%s log's",
		    wcs_input_info(job->in)->path, job->ops->name);
		return (WCS_FAILED);
	}
	return (WCS_OK);
}

int
wcs_read_job_new(struct wcs_ctx *ctx, const struct wcs_reader_ops *ops,
    struct wcs_input *in, const struct wcs_run_opts *opts,
    struct wcs_input_stats *st, struct wcs_read_job **jobp)
{
	struct wcs_read_job *job;
	int rc;

	*jobp = NULL;
	if ((job = wcs_calloc(ctx, 1, sizeof(*job))) == NULL)
		return (WCS_FATAL);
	job->ctx = ctx;
	job->ops = ops;
	job->in = in;
	job->opts = *opts;
	job->st = st;
	st->format = ops->name;
	st->kind = wcs_input_kind_name(ops->kind);
	(void)wcs_time_from_civil(1601, 1, 1, 0, 0, 0, 0, &job->lo);
	(void)wcs_time_from_civil(9999, 12, 31, 23, 59, 59, 999999, &job->hi);
	if ((rc = ops->open(ctx, in, &opts->read, &job->state)) != WCS_OK) {
		job_final_stats(job);
		wcs_free(ctx, job);
		return (rc);
	}
	if (opts->resume_len > 0 &&
	    (rc = resume_load(job, opts->resume, opts->resume_len)) != WCS_OK) {
		wcs_read_job_free(job);
		return (rc);
	}
	*jobp = job;
	return (WCS_OK);
}

/*
 * Up to max_events events, each handed to cb or, with batch, written in
 * place in it (a full batch ends the slice).
 */
static int
job_fill(struct wcs_read_job *job, wcs_event_cb cb, void *arg,
    struct wcs_event_batch *batch, uint64_t max_events)
{
	const struct wcs_run_opts *opts = &job->opts;
	struct wcs_input_stats *st = job->st;
	struct wcs_ctx *ctx = job->ctx;
	struct wcs_event here, *ev = &here;
	uint64_t given = 0;
	int rc, cbrc;

	if (job->done)
		return (WCS_EOF);
	while (given < max_events) {
		if (batch != NULL && (ev = wcs_event_batch_next(batch)) == NULL)
			break;
		wcs_event_clear(ev);
		wcs_clear_error(ctx);
		rc = job->ops->next(ctx, job->state, ev);
		if (rc == WCS_EOF)
			goto finished;
		if (rc == WCS_FAILED || rc == WCS_FATAL)
			goto stop;
		st->records++;
		if (ev->repaired > 0) {
			st->repaired += ev->repaired;
			st->repaired_records++;
		}
		st->log_state |= ev->log_state;
		if (rc == WCS_SKIP) {
			st->ignored++;
			st->ignored_by[ev->ignore < WCS_IGN__COUNT ?
					   ev->ignore :
					   WCS_IGN_OTHER]++;
			st->lost += ev->lost;
			continue;
		}
		if (rc == WCS_WARN) {
			stats_reject(st, ev->line, wcs_error_string(ctx));
			continue;
		}
		/* A stamp in range can leave it once its zone or --tz is
		 * applied; the report could not write it as RFC 3339. */
		if (ev->ts_us != WCS_TIME_NONE &&
		    (ev->ts_us < job->lo || ev->ts_us > job->hi)) {
			stats_reject(st, ev->line,
			    "time out of range (years 1601 to 9999 UTC)");
			continue;
		}
		if (ev->ts_us != WCS_TIME_NONE &&
		    ((opts->since != WCS_TIME_NONE &&
			 ev->ts_us < opts->since) ||
			(opts->until != WCS_TIME_NONE &&
			    ev->ts_us > opts->until))) {
			st->ignored++;
			st->ignored_by[WCS_IGN_TIME]++;
			continue;
		}
		st->events++;
		/* What the report should say about how times were read. */
		if (ev->local_time && opts->read.tz == NULL)
			st->tz_assumed = true;
		if (ev->year_inferred && opts->read.year == 0)
			st->year_guessed = true;
		if (ev->ts_us != WCS_TIME_NONE) {
			if (st->first == WCS_TIME_NONE || ev->ts_us < st->first)
				st->first = ev->ts_us;
			if (st->last == WCS_TIME_NONE || ev->ts_us > st->last)
				st->last = ev->ts_us;
		}
		ev->input = opts->input_index;
		given++;
		if (batch != NULL) {
			if (!wcs_event_batch_keep(batch)) {
				rc = WCS_FATAL;
				goto stop;
			}
		} else if ((cbrc = cb(ev, arg)) != WCS_OK) {
			rc = cbrc;
			goto stop;
		}
	}
	job_final_stats(job);
	return (WCS_OK);
finished:
	rc = WCS_EOF;
stop:
	job->done = true;
	job_final_stats(job);
	return (rc);
}

int
wcs_read_job_fill(
    struct wcs_read_job *job, wcs_event_cb cb, void *arg, uint64_t max_events)
{
	return (job_fill(job, cb, arg, NULL, max_events));
}

int
wcs_read_job_fill_batch(struct wcs_read_job *job, struct wcs_event_batch *b)
{
	return (job_fill(job, NULL, NULL, b, UINT64_MAX));
}

const struct wcs_input_info *
wcs_read_job_input(const struct wcs_read_job *job)
{
	return (wcs_input_info(job->in));
}

void
wcs_read_job_free(struct wcs_read_job *job)
{
	if (job == NULL)
		return;
	job->ops->close(job->state);
	wcs_free(job->ctx, job);
}

size_t
wcs_read_job_resume_save(
    const struct wcs_read_job *job, unsigned char *buf, size_t cap)
{
	if (job->ops->resume_save == NULL || job->state == NULL)
		return (0);
	return (job->ops->resume_save(job->state, buf, cap));
}

int
wcs_reader_run(struct wcs_ctx *ctx, const struct wcs_reader_ops *ops,
    struct wcs_input *in, const struct wcs_run_opts *opts,
    struct wcs_input_stats *st, wcs_event_cb cb, void *arg)
{
	struct wcs_read_job *job;
	int rc;

	if ((rc = wcs_read_job_new(ctx, ops, in, opts, st, &job)) != WCS_OK)
		return (rc);
	rc = wcs_read_job_fill(job, cb, arg, UINT64_MAX);
	wcs_read_job_free(job);
	return (rc == WCS_EOF ? WCS_OK : rc);
}
