/*
 * Progress on stderr while inputs are read (after git's progress.c and
 * zstd's refresh rate): an opaque handle that is NULL when progress is
 * off, so callers never test.  Redrawn at most 6 times a second.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define REFRESH_NS (1000000000LL / 6)

struct wcs_progress {
	struct wcs_ctx *ctx;
	char name[64];
	uint64_t size;
	unsigned index, count;
	long long last_ns, start_ns;
	bool drawn;
};

static long long
now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
}

struct wcs_progress *
wcs_progress_new(struct wcs_ctx *ctx, bool enabled)
{
	struct wcs_progress *p;

	if (!enabled)
		return (NULL);
	if ((p = wcs_calloc(ctx, 1, sizeof(*p))) == NULL)
		return (NULL); /* progress is a nicety: go on without */
	p->ctx = ctx;
	return (p);
}

void
wcs_progress_file(struct wcs_progress *p, const char *path, uint64_t size,
    unsigned index, unsigned count)
{
	const char *base;
	size_t i;

	if (p == NULL)
		return;
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	/* The name goes to a terminal: printable ASCII only. */
	for (i = 0; base[i] != '\0' && i + 1 < sizeof(p->name); i++)
		p->name[i] = base[i] >= 0x20 && base[i] < 0x7f ? base[i] : '?';
	p->name[i] = '\0';
	p->size = size;
	p->index = index;
	p->count = count;
	p->start_ns = now_ns();
	p->last_ns = 0;
}

void
wcs_progress_update(struct wcs_progress *p, uint64_t bytes)
{
	long long t;
	double secs, mb = (double)bytes / 1e6;

	if (p == NULL)
		return;
	t = now_ns();
	if (t - p->last_ns < REFRESH_NS)
		return;
	p->last_ns = t;
	secs = (double)(t - p->start_ns) / 1e9;
	if (p->size > 0)
		fprintf(stderr,
		    "\rwcscan: [%u/%u] %-32.32s %3.0f%% %8.1f MB %6.1f MB/s ",
		    p->index, p->count, p->name,
		    100.0 * (double)bytes / (double)p->size, mb,
		    secs > 0 ? mb / secs : 0.0);
	else
		fprintf(stderr,
		    "\rwcscan: [%u/%u] %-32.32s      %8.1f MB %6.1f MB/s ",
		    p->index, p->count, p->name, mb,
		    secs > 0 ? mb / secs : 0.0);
	p->drawn = true;
}

void
wcs_progress_done(struct wcs_progress *p)
{
	if (p == NULL || !p->drawn)
		return;
	fprintf(stderr, "\r%-90s\r", "");
	p->drawn = false;
}

void
wcs_progress_free(struct wcs_progress *p)
{
	if (p == NULL)
		return;
	wcs_progress_done(p);
	wcs_free(p->ctx, p);
}
