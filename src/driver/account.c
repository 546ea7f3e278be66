/*
 * What the reading of a member came to: its counts merged into its
 * input's (pieces in file order), and, once an input's last member is
 * done, what is said of it (times assumed, what the log says of itself,
 * the first rejects).
 */
#include <stdio.h>
#include <string.h>

#include "wcscan/driver.h"
#include "wcscan/input.h"
#include "wcscan/timeutil.h"
#include "driver_private.h"

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return (a > UINT64_MAX - b ? UINT64_MAX : a + b);
}

static int
reject_cmp(const struct wcs_reject *a, const struct wcs_reject *b)
{
	if (a->line != b->line)
		return (a->line < b->line ? -1 : 1);
	return (strcmp(a->why, b->why));
}

/*
 * The WCS_REJECT_SAMPLES least rejects (by line, then text) of both:
 * each list is in that order already, so this is a merge's first steps.
 * The least of a union is the least of the least, whatever the order.
 */
static void
merge_samples(struct wcs_input_stats *to, const struct wcs_input_stats *from)
{
	struct wcs_reject out[WCS_REJECT_SAMPLES];
	unsigned i = 0, j = 0, k = 0;

	while (k < WCS_REJECT_SAMPLES &&
	       (i < to->nsamples || j < from->nsamples)) {
		if (j >= from->nsamples ||
		    (i < to->nsamples &&
			reject_cmp(&to->samples[i], &from->samples[j]) <= 0))
			out[k++] = to->samples[i++];
		else
			out[k++] = from->samples[j++];
	}
	memcpy(to->samples, out, k * sizeof(out[0]));
	to->nsamples = k;
}

/* The counts and flags both merges add alike. */
static void
add_counts(struct wcs_input_stats *to, const struct wcs_input_stats *from)
{
	unsigned i;

	to->records = sat_add(to->records, from->records);
	to->events = sat_add(to->events, from->events);
	to->ignored = sat_add(to->ignored, from->ignored);
	to->rejected = sat_add(to->rejected, from->rejected);
	if (from->first != WCS_TIME_NONE &&
	    (to->first == WCS_TIME_NONE || from->first < to->first))
		to->first = from->first;
	if (from->last != WCS_TIME_NONE &&
	    (to->last == WCS_TIME_NONE || from->last > to->last))
		to->last = from->last;
	to->bytes = sat_add(to->bytes, from->bytes);
	to->gzip |= from->gzip;
	to->utf16 |= from->utf16;
	to->tz_assumed |= from->tz_assumed;
	to->year_guessed |= from->year_guessed;
	for (i = 0; i < WCS_IGN__COUNT; i++)
		to->ignored_by[i] =
		    sat_add(to->ignored_by[i], from->ignored_by[i]);
	to->lost = sat_add(to->lost, from->lost);
	to->repaired = sat_add(to->repaired, from->repaired);
	to->repaired_records =
	    sat_add(to->repaired_records, from->repaired_records);
	to->log_state |= from->log_state;
}

int
drv_merge_saved(struct wcs_driver *drv, struct wcs_input_stats *to,
    const struct wcs_input_stats *from)
{
	char *e;

	/* A format read wins over none; of two, the lesser name. */
	if (from->format != NULL &&
	    (to->format == NULL || strcmp(from->format, to->format) < 0)) {
		to->format = from->format;
		to->kind = from->kind;
	}
	add_counts(to, from);
	merge_samples(to, from);
	if (from->error != NULL &&
	    (to->error == NULL || strcmp(from->error, to->error) < 0)) {
		if ((e = wcs_strdup(drv->ctx, from->error)) == NULL)
			return (WCS_FATAL);
		wcs_free(drv->ctx, to->error);
		to->error = e;
	}
	if (from->file_note[0] != '\0' &&
	    (to->file_note[0] == '\0' ||
		strcmp(from->file_note, to->file_note) < 0))
		memcpy(to->file_note, from->file_note, sizeof(to->file_note));
	drv_log_note(NULL, to->path, to);
	return (WCS_OK);
}

void
drv_stats_forget(struct wcs_driver *drv, size_t i)
{
	struct wcs_input_stats *st = &drv->stats[i];
	const char *path = st->path;

	wcs_free(drv->ctx, st->error);
	memset(st, 0, sizeof(*st));
	st->path = path;
	st->first = st->last = WCS_TIME_NONE;
	drv->pend[i].saved = false;
}

/* Add what a piece (or the whole input) counted to the input's stats. */
static void
merge_stats(
    struct wcs_input_stats *to, const struct wcs_input_stats *from, bool saved)
{
	unsigned i;

	to->format = from->format;
	to->kind = from->kind;
	if (saved) {
		/* After a state's: the least lines, as states merge. */
		add_counts(to, from);
		merge_samples(to, from);
		return;
	}
	to->records += from->records;
	to->events += from->events;
	to->ignored += from->ignored;
	to->rejected += from->rejected;
	if (from->first != WCS_TIME_NONE &&
	    (to->first == WCS_TIME_NONE || from->first < to->first))
		to->first = from->first;
	if (from->last != WCS_TIME_NONE &&
	    (to->last == WCS_TIME_NONE || from->last > to->last))
		to->last = from->last;
	to->bytes += from->bytes;
	/* Pieces come in file order: the first rejects stay first. */
	for (i = 0; i < from->nsamples && to->nsamples < WCS_REJECT_SAMPLES;
	     i++)
		to->samples[to->nsamples++] = from->samples[i];
	to->gzip |= from->gzip;
	to->utf16 |= from->utf16;
	to->tz_assumed |= from->tz_assumed;
	to->year_guessed |= from->year_guessed;
	for (i = 0; i < WCS_IGN__COUNT; i++)
		to->ignored_by[i] += from->ignored_by[i];
	to->lost += from->lost;
	to->repaired += from->repaired;
	to->repaired_records += from->repaired_records;
	to->log_state |= from->log_state;
}

/* One thing said of a log: a warning now (drv), and a part of its note. */
static void
log_note_add(struct wcs_driver *drv, const char *path,
    struct wcs_input_stats *st, const char *s)
{
	size_t n = strlen(st->log_note);

	if (drv != NULL)
		drv_say(drv, WCS_DRIVER_WARNING, "%s: %s", path, s);
	(void)snprintf(st->log_note + n, sizeof(st->log_note) - n, "%s%s",
	    n > 0 ? "; " : "", s);
}

/*
 * What a log says about itself and what was repaired in it: a note (and a
 * warning, when drv) for the events it lost, for a log that wrapped or
 * was not closed, for characters replaced to read its records.  Made from
 * the counts alone, so that accounting merged from states gets the note
 * one run would have made.
 */
void
drv_log_note(
    struct wcs_driver *drv, const char *path, struct wcs_input_stats *st)
{
	char part[128];
	size_t n;

	st->log_note[0] = '\0';
	if (st->lost > 0) {
		(void)snprintf(part, sizeof(part),
		    "the log says %llu events were lost (not written to it)",
		    (unsigned long long)st->lost);
		log_note_add(drv, path, st, part);
	}
	if ((st->log_state & WCS_LOG_WRAPPED) != 0)
		log_note_add(drv, path, st,
		    "its header says the log is full (older records "
		    "overwritten, or newer ones not written)");
	if ((st->log_state & WCS_LOG_CUT) != 0)
		log_note_add(drv, path, st,
		    "the file is cut off: it ends inside a record (copied "
		    "while written?)");
	if ((st->log_state & WCS_LOG_DIRTY) != 0)
		log_note_add(drv, path, st,
		    "its header says the log was not closed (copied in "
		    "use): read to the end of the file");
	if (st->repaired > 0) {
		n = (size_t)snprintf(part, sizeof(part),
		    "%llu character%s XML forbids or not UTF-8 replaced with "
		    "U+FFFD",
		    (unsigned long long)st->repaired,
		    st->repaired == 1 ? "" : "s");
		if (n < sizeof(part))
			(void)snprintf(part + n, sizeof(part) - n,
			    " in %llu record%s to read %s",
			    (unsigned long long)st->repaired_records,
			    st->repaired_records == 1 ? "" : "s",
			    st->repaired_records == 1 ? "it" : "them");
		log_note_add(drv, path, st, part);
	}
}

/* The log's note, said, and a year taken from its mtime (the note for
 * that is the report's own). */
static void
log_says(struct wcs_driver *drv, const char *path, struct wcs_input_stats *st)
{
	int y1, y2, x;
	long xl;

	drv_log_note(drv, path, st);
	if (!st->year_guessed || st->first == WCS_TIME_NONE)
		return;
	wcs_time_to_civil(st->first, &y1, &x, &x, &x, &x, &x, &xl);
	wcs_time_to_civil(st->last, &y2, &x, &x, &x, &x, &x, &xl);
	if (y1 == y2)
		drv_say(drv, WCS_DRIVER_WARNING,
		    "%s: no year in the log: %d taken from the file's "
		    "modification time (--year sets it)",
		    path, y1);
	else
		drv_say(drv, WCS_DRIVER_WARNING,
		    "%s: no year in the log: %d to %d taken from the file's "
		    "modification time (--year sets it)",
		    path, y1, y2);
}

void
drv_close_member(struct wcs_driver *drv, struct member *m, int rc)
{
	const char *path = drv->paths[m->index];
	struct wcs_input_stats *st = &drv->stats[m->index];
	const struct wcs_input_info *ii = wcs_input_info(m->in);
	char why[WCS_ERRBUF_SIZE + 64];
	unsigned i;

	/* Read on from a saved offset: the bytes before it were counted. */
	if (drv->pend[m->index].plan == PLAN_FROM && !m->piece)
		m->st.bytes = m->st.bytes > drv->pend[m->index].from.size ?
				  m->st.bytes - drv->pend[m->index].from.size :
				  0;
	/* A last line kept back is counted by the sweep that reads it. */
	m->st.bytes -= ii->held < m->st.bytes ? ii->held : m->st.bytes;
	merge_stats(st, &m->st, drv->pend[m->index].saved);
	if (m->last) {
		drv_cat_record(drv, m);
		if (ii->held > 0)
			drv_say(drv, WCS_DRIVER_WARNING,
			    "%s: its last line has no end yet (%llu bytes): "
			    "left for the next sweep",
			    path, (unsigned long long)ii->held);
	}
	/* Said once, by the first piece that saw it. */
	if (ii->shrank && st->file_note[0] == '\0') {
		(void)snprintf(st->file_note, sizeof(st->file_note),
		    "file shrank while being read (from %llu to %llu bytes)",
		    (unsigned long long)ii->shrank_from,
		    (unsigned long long)ii->shrank_to);
		drv_say(drv, WCS_DRIVER_WARNING, "%s: %s", path, st->file_note);
	}
	wcs_input_close(m->in);
	m->in = NULL;
	if (rc != WCS_OK && rc != WCS_FATAL) {
		(void)snprintf(why, sizeof(why), "%s (after %llu records)",
		    wcs_error_string(&m->ctx), (unsigned long long)st->records);
		drv_input_error(drv, st, why, true);
	}
	if (!m->last)
		return;
	if (st->tz_assumed)
		drv_say(drv, WCS_DRIVER_WARNING,
		    "%s: local times read as UTC (no --tz given)", path);
	log_says(drv, path, st);
	if (st->rejected > 0)
		drv_say(drv, WCS_DRIVER_WARNING,
		    "%s: %llu of %llu records rejected%s", path,
		    (unsigned long long)st->rejected,
		    (unsigned long long)st->records,
		    st->nsamples > 0 ? ", first:" : "");
	for (i = 0; i < st->nsamples; i++)
		drv_say(drv, WCS_DRIVER_WARNING, "%s:%llu: %s", path,
		    (unsigned long long)st->samples[i].line,
		    st->samples[i].why);
	if (drv->o.strict && st->rejected > 0)
		drv->error = true;
}
