/*
 * The report a sweep wrote, kept in its state (section "report"), for a
 * next sweep that finds nothing new.  Layout, version 1:
 *	str	key (wcs_kept_key)
 *	u8	found: 1 when the conclusion flagged a host
 *	u64 x4	the warnings' counts (struct wcs_kept)
 *	u32 n, each input: str path, then its clock note and its
 *		duplicates note, each u8 present and, when 1, str
 *	u32 parts, u64 each part's end, u64 length, the bytes
 * Hostile like every state: each count is bounded by the bytes left, the
 * ends must rise to the length, the strings hold no NUL.
 */
#include <stdio.h>
#include <string.h>

#include "wcscan/statefile.h"
#include "cli.h"

#define KEPT_VERSION 1
#define NOTE_MAX 4096
#define PATH_MAX_LEN 4096
#define INPUTS_MAX (1u << 24)

void
wcs_kept_key(const struct wcs_opts *o, unsigned width, uint64_t rules,
    char *buf, size_t len)
{
	uint64_t internal = WCS_FNV_OFFSET;
	size_t i;

	for (i = 0; i < o->ninternal; i++) {
		internal =
		    wcs_mix64(internal ^
			      wcs_fnv1a((const char *)o->internal[i].net.bytes,
				  sizeof(o->internal[i].net.bytes), false)) ^
		    o->internal[i].prefix;
	}
	/* Whatever the conclusion or the report's bytes follow from besides
	 * the state: a sweep asking otherwise concludes again.  Only text
	 * has a width: a CSV or JSON sweep run at a terminal then from cron
	 * (COLUMNS set, then not) writes the same bytes. */
	(void)snprintf(buf, len,
	    "wcscan %s; format %d; width %u; tz %s; threshold %llu; window "
	    "%lld; internal %zu %016llx; rules %016llx",
	    WCSCAN_VERSION, (int)o->format,
	    o->format == WCS_REPORT_TEXT ? width : 0,
	    o->tz != NULL ? o->tz : "-",
	    (unsigned long long)o->fanout_threshold,
	    (long long)o->fanout_window_us, o->ninternal,
	    (unsigned long long)internal, (unsigned long long)rules);
}

static void
put_note(struct wcs_state_writer *w, const char *note)
{
	wcs_state_put_u8(w, note != NULL);
	if (note != NULL)
		wcs_state_put_str(w, note);
}

/* The report's bytes go by reference: k must outlive w's saving. */
int
wcs_kept_save(struct wcs_state_writer *w, const struct wcs_kept *k)
{
	size_t i;
	int rc;

	if ((rc = wcs_state_begin(
		 w, WCS_STATE_SEC_REPORT, "report", KEPT_VERSION)) != WCS_OK)
		return (rc);
	wcs_state_put_str(w, k->key);
	wcs_state_put_u8(w, k->found);
	wcs_state_put_u64(w, k->in_two_states);
	wcs_state_put_u64(w, k->unchecked);
	wcs_state_put_u64(w, k->untracked);
	wcs_state_put_u64(w, k->untracked_hosts);
	wcs_state_put_u32(w, (uint32_t)k->ninputs);
	for (i = 0; i < k->ninputs; i++) {
		wcs_state_put_str(w, k->inputs[i].path);
		put_note(w, k->inputs[i].clock_note);
		put_note(w, k->inputs[i].dup_note);
	}
	wcs_state_put_u32(w, k->parts.nparts);
	for (i = 0; i < k->parts.nparts; i++)
		wcs_state_put_u64(w, k->parts.end[i]);
	wcs_state_put_u64(w, k->parts.len);
	/* Megabytes, which k keeps until the state is saved: not copied. */
	wcs_state_put_ref(w, k->parts.bytes, k->parts.len);
	return (wcs_state_end(w));
}

/* A string of at most max bytes without NUL, copied; NULL when bad. */
static char *
get_str(struct wcs_ctx *ctx, struct wcs_state_cursor *c, size_t max, int *rc)
{
	const char *p;
	uint32_t len;
	char *s;

	len = wcs_state_get_count(c, (uint32_t)max, 1);
	p = wcs_state_get_bytes(c, len);
	if (p == NULL || !wcs_state_cursor_ok(c) || memchr(p, '\0', len)) {
		*rc = WCS_FAILED;
		return (NULL);
	}
	if ((s = wcs_calloc(ctx, (size_t)len + 1, 1)) == NULL) {
		*rc = WCS_FATAL;
		return (NULL);
	}
	memcpy(s, p, len);
	return (s);
}

static int
get_note(struct wcs_ctx *ctx, struct wcs_state_cursor *c, char **note)
{
	uint8_t present = wcs_state_get_u8(c);
	int rc = WCS_OK;

	if (!wcs_state_cursor_ok(c) || present > 1)
		return (WCS_FAILED);
	if (present)
		*note = get_str(ctx, c, NOTE_MAX, &rc);
	return (rc);
}

static int
load_parts(struct wcs_state_cursor *c, struct wcs_report_kept *parts)
{
	const void *p;
	uint64_t len;
	uint32_t n, i;

	n = wcs_state_get_u32(c);
	if (!wcs_state_cursor_ok(c) || n == 0 || n > WCS_REPORT_PARTS_MAX)
		return (WCS_FAILED);
	for (i = 0; i < n; i++) {
		parts->end[i] = wcs_state_get_u64(c);
		if (!wcs_state_cursor_ok(c) ||
		    (i > 0 && parts->end[i] < parts->end[i - 1]))
			return (WCS_FAILED);
	}
	len = wcs_state_get_u64(c);
	if (!wcs_state_cursor_ok(c) || len != parts->end[n - 1] ||
	    len > SIZE_MAX - 1 || (p = wcs_state_get_bytes(c, len)) == NULL)
		return (WCS_FAILED);
	/* Borrowed from the state, which the caller keeps (cli.h). */
	parts->bytes = p;
	parts->len = (size_t)len;
	parts->nparts = n;
	return (WCS_OK);
}

int
wcs_kept_load(
    struct wcs_ctx *ctx, const struct wcs_state *st, struct wcs_kept *k)
{
	struct wcs_state_cursor c;
	char *key = NULL;
	uint32_t version, n, i;
	uint8_t found;
	int rc = WCS_OK;

	memset(k, 0, sizeof(*k));
	if (wcs_state_section(st, WCS_STATE_SEC_REPORT, &c, &version) != WCS_OK)
		return (WCS_OK);
	if (version != KEPT_VERSION)
		return (WCS_OK); /* another wcscan's: concluded again */
	if ((key = get_str(ctx, &c, WCS_KEPT_KEY_MAX - 1, &rc)) == NULL)
		goto bad;
	memcpy(k->key, key, strlen(key) + 1);
	wcs_free(ctx, key);
	found = wcs_state_get_u8(&c);
	k->found = found == 1;
	k->in_two_states = wcs_state_get_u64(&c);
	k->unchecked = wcs_state_get_u64(&c);
	k->untracked = wcs_state_get_u64(&c);
	k->untracked_hosts = wcs_state_get_u64(&c);
	/* A path, and two notes' presence bytes at least. */
	n = wcs_state_get_count(&c, INPUTS_MAX, 6);
	if (!wcs_state_cursor_ok(&c) || found > 1) {
		rc = WCS_FAILED;
		goto bad;
	}
	if ((k->inputs = wcs_calloc(ctx, (size_t)n + 1, sizeof(*k->inputs))) ==
	    NULL) {
		rc = WCS_FATAL;
		goto bad;
	}
	for (i = 0; i < n; i++) {
		k->ninputs++;
		if ((k->inputs[i].path = get_str(ctx, &c, PATH_MAX_LEN, &rc)) ==
			NULL ||
		    (rc = get_note(ctx, &c, &k->inputs[i].clock_note)) !=
			WCS_OK ||
		    (rc = get_note(ctx, &c, &k->inputs[i].dup_note)) != WCS_OK)
			goto bad;
	}
	if ((rc = load_parts(&c, &k->parts)) != WCS_OK)
		goto bad;
	if (!wcs_state_cursor_done(&c)) {
		rc = WCS_FAILED;
		goto bad;
	}
	k->loaded = true;
	return (WCS_OK);
bad:
	wcs_kept_free(ctx, k);
	if (rc == WCS_FATAL)
		return (rc);
	return (wcs_state_cursor_error(ctx, &c, "malformed"));
}

void
wcs_kept_free(struct wcs_ctx *ctx, struct wcs_kept *k)
{
	size_t i;

	for (i = 0; i < k->ninputs; i++) {
		wcs_free(ctx, k->inputs[i].path);
		wcs_free(ctx, k->inputs[i].clock_note);
		wcs_free(ctx, k->inputs[i].dup_note);
	}
	wcs_free(ctx, k->inputs);
	wcs_report_kept_clear(ctx, &k->parts);
	memset(k, 0, sizeof(*k));
}
