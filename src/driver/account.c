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

/* Add what a piece (or the whole input) counted to the input's stats. */
static void
merge_stats(struct wcs_input_stats *to, const struct wcs_input_stats *from)
{
	unsigned i;

	to->format = from->format;
	to->kind = from->kind;
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

/* One thing said of a log: a warning now, and a part of its note. */
static void
log_note_add(struct wcs_driver *drv, const char *path,
    struct wcs_input_stats *st, const char *s)
{
	size_t n = strlen(st->log_note);

	drv_say(drv, WCS_DRIVER_WARNING, "%s: %s", path, s);
	(void)snprintf(st->log_note + n, sizeof(st->log_note) - n, "%s%s",
	    n > 0 ? "; " : "", s);
}

/*
 * What a log says about itself, what was repaired in it and what was
 * guessed for it: a warning and a note for the events it lost, for a log
 * that wrapped or was not closed, for characters replaced to read its
 * records, a warning for a year taken from its mtime (the note is the
 * report's own).
 */
static void
log_says(struct wcs_driver *drv, const char *path, struct wcs_input_stats *st)
{
	char part[128];
	int y1, y2, x;
	size_t n;
	long xl;

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

	merge_stats(st, &m->st);
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
