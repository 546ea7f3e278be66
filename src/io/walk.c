/*
 * Expanding the paths a user named into files to read.  Directories are
 * read recursively in byte order of entry names, so a run over the same
 * tree always sees inputs in the same order.  A directory already on the
 * current path (by device and inode) is a loop and is skipped.
 *
 * Inside a directory the user named, only what is in it is read: a
 * symbolic link is resolved (realpath) and followed only when it stays
 * inside the directory, unless WCS_WALK_FOLLOW_SYMLINKS.  Every file
 * listed is remembered by device and inode for the whole walk, so no file
 * is listed twice; the identity goes with the path to wcs_input_open_ref,
 * which refuses a file swapped in after listing.
 */
#define _FILE_OFFSET_BITS 64
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wcscan/input.h"
#include "io_private.h"

#define WALK_MAX_DEPTH 64

struct walk_frame {
	dev_t dev;
	ino_t ino;
};

/* A file listed, in an open-addressing table (path NULL: empty slot). */
struct seen {
	uint64_t dev, ino;
	char *path;
};

struct wcs_walk {
	struct wcs_ctx *ctx;
	unsigned flags;
	struct seen *seen;
	size_t nseen, cap; /* cap: a power of two, or 0 */

	/* The path being added. */
	wcs_walk_ref_cb cb;
	wcs_walk_skip_cb skip_cb;
	void *arg;
	char root[PATH_MAX]; /* the directory named, resolved; "" unknown */
	struct walk_frame stack[WALK_MAX_DEPTH];
	unsigned depth;
};

const char *
wcs_io_type_name(mode_t mode)
{
	if (S_ISREG(mode))
		return ("regular file");
	if (S_ISDIR(mode))
		return ("directory");
	if (S_ISCHR(mode))
		return ("character device");
	if (S_ISBLK(mode))
		return ("block device");
	if (S_ISFIFO(mode))
		return ("FIFO");
	if (S_ISSOCK(mode))
		return ("socket");
	if (S_ISLNK(mode))
		return ("symbolic link");
	return ("file of unknown type");
}

static void
walk_skip(struct wcs_walk *w, const char *path, const char *why)
{
	if (w->skip_cb != NULL)
		w->skip_cb(path, why, w->arg);
}

static size_t
seen_slot(const struct wcs_walk *w, uint64_t dev, uint64_t ino)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ULL ^ dev;
	size_t i;

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 29;
	for (i = (size_t)h & (w->cap - 1); w->seen[i].path != NULL;
	     i = (i + 1) & (w->cap - 1)) {
		if (w->seen[i].dev == dev && w->seen[i].ino == ino)
			break;
	}
	return (i);
}

static int
seen_grow(struct wcs_walk *w)
{
	struct seen *old = w->seen;
	size_t oldcap = w->cap, i, k;

	w->cap = oldcap == 0 ? 64 : oldcap * 2;
	if ((w->seen = wcs_calloc(w->ctx, w->cap, sizeof(*w->seen))) == NULL) {
		w->seen = old;
		w->cap = oldcap;
		return (WCS_FATAL);
	}
	for (i = 0; i < oldcap; i++) {
		if (old[i].path == NULL)
			continue;
		k = seen_slot(w, old[i].dev, old[i].ino);
		w->seen[k] = old[i];
	}
	wcs_free(w->ctx, old);
	return (WCS_OK);
}

/*
 * A file to read: handed to cb, unless it was listed before (then
 * skipped, naming the path it was listed as).
 */
static int
walk_found(
    struct wcs_walk *w, const char *path, const struct stat *st, bool named)
{
	struct wcs_input_ref ref = { .path = path, .named = named };
	char why[PATH_MAX + 32];
	size_t k;

	if (st != NULL) {
		ref.dev = (uint64_t)st->st_dev;
		ref.ino = (uint64_t)st->st_ino;
		if ((w->nseen + 1) * 2 > w->cap && seen_grow(w) != WCS_OK)
			return (WCS_FATAL);
		k = seen_slot(w, ref.dev, ref.ino);
		if (w->seen[k].path != NULL) {
			(void)snprintf(why, sizeof(why), "already read as %s",
			    w->seen[k].path);
			walk_skip(w, path, why);
			return (WCS_OK);
		}
		if ((w->seen[k].path = wcs_strdup(w->ctx, path)) == NULL)
			return (WCS_FATAL);
		w->seen[k].dev = ref.dev;
		w->seen[k].ino = ref.ino;
		w->nseen++;
	}
	return (w->cb(&ref, w->arg));
}

/* Whether path, a symbolic link inside the root, resolves inside it. */
static bool
stays_inside(struct wcs_walk *w, const char *path, char *why, size_t whylen)
{
	char rp[PATH_MAX];
	size_t n = strlen(w->root);

	if (realpath(path, rp) == NULL) {
		(void)snprintf(why, whylen, "%s", strerror(errno));
		return (false);
	}
	if (n > 0 && strncmp(rp, w->root, n) == 0 &&
	    (rp[n] == '/' || rp[n] == '\0' || strcmp(w->root, "/") == 0))
		return (true);
	(void)snprintf(why, whylen,
	    "symbolic link to %s, outside the directory named: not followed "
	    "(--follow-symlinks)",
	    rp);
	return (false);
}

static int walk_path(struct wcs_walk *w, const char *path, bool top);

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static int
walk_dir(struct wcs_walk *w, const char *path, const struct stat *st, bool top)
{
	struct dirent *de;
	char **names = NULL, **nn, *child;
	size_t n = 0, cap = 0, i, plen;
	unsigned d;
	DIR *dir;
	int rc = WCS_OK;

	for (d = 0; d < w->depth; d++) {
		if (w->stack[d].dev == st->st_dev &&
		    w->stack[d].ino == st->st_ino) {
			walk_skip(w, path, "directory loop (symbolic link)");
			return (WCS_OK);
		}
	}
	if (w->depth == WALK_MAX_DEPTH) {
		walk_skip(w, path, "directories nested too deep");
		return (WCS_OK);
	}
	if ((dir = opendir(path)) == NULL) {
		/* The directory the user named is an input that could not
		 * be read; one found inside it is skipped. */
		if (top) {
			wcs_set_error(
			    w->ctx, errno, "%s: %s", path, strerror(errno));
			return (WCS_FAILED);
		}
		walk_skip(w, path, strerror(errno));
		return (WCS_OK);
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 32 : cap * 2;
			nn = wcs_reallocarray(
			    w->ctx, names, cap, sizeof(*names));
			if (nn == NULL)
				goto out_fatal;
			names = nn;
		}
		if ((names[n] = wcs_strdup(w->ctx, de->d_name)) == NULL)
			goto out_fatal;
		n++;
	}
	(void)closedir(dir);
	dir = NULL;
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	w->stack[w->depth].dev = st->st_dev;
	w->stack[w->depth].ino = st->st_ino;
	w->depth++;
	plen = strlen(path);
	for (i = 0; i < n && rc == WCS_OK; i++) {
		child = wcs_malloc(w->ctx, plen + strlen(names[i]) + 2);
		if (child == NULL) {
			rc = WCS_FATAL;
			break;
		}
		(void)sprintf(child, "%s%s%s", path,
		    plen > 0 && path[plen - 1] == '/' ? "" : "/", names[i]);
		rc = walk_path(w, child, false);
		wcs_free(w->ctx, child);
	}
	w->depth--;
	for (i = 0; i < n; i++)
		wcs_free(w->ctx, names[i]);
	wcs_free(w->ctx, names);
	return (rc);
out_fatal:
	if (dir != NULL)
		(void)closedir(dir);
	for (i = 0; i < n; i++)
		wcs_free(w->ctx, names[i]);
	wcs_free(w->ctx, names);
	return (WCS_FATAL);
}

static int
walk_path(struct wcs_walk *w, const char *path, bool top)
{
	char why[PATH_MAX + 128];
	struct stat st;

	if (strcmp(path, "-") == 0 && top) {
		/* Standard input redirected from a file is that file. */
		if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode))
			return (walk_found(w, path, &st, true));
		return (walk_found(w, path, NULL, true));
	}
	/* Below the top, a symbolic link is looked at before it is
	 * followed; the path the user named is followed as named. */
	if ((top ? stat(path, &st) : lstat(path, &st)) != 0) {
		if (top) {
			wcs_set_error(
			    w->ctx, errno, "%s: %s", path, strerror(errno));
			return (WCS_FAILED);
		}
		walk_skip(w, path, strerror(errno));
		return (WCS_OK);
	}
	if (S_ISLNK(st.st_mode)) {
		if (stat(path, &st) != 0) {
			walk_skip(w, path, strerror(errno));
			return (WCS_OK);
		}
		if ((w->flags & WCS_WALK_FOLLOW_SYMLINKS) == 0 &&
		    !stays_inside(w, path, why, sizeof(why))) {
			walk_skip(w, path, why);
			return (WCS_OK);
		}
	}
	if (S_ISDIR(st.st_mode))
		return (walk_dir(w, path, &st, top));
	/* Named on the command line, anything is an input (opening it
	 * says why it cannot be read); a FIFO is theirs to feed.  Inside a
	 * tree a FIFO may never be written to and would hang the run. */
	if (S_ISREG(st.st_mode) || top)
		return (walk_found(w, path, &st, top));
	(void)snprintf(why, sizeof(why), "%s inside a directory, not read",
	    wcs_io_type_name(st.st_mode));
	walk_skip(w, path, why);
	return (WCS_OK);
}

struct wcs_walk *
wcs_walk_new(struct wcs_ctx *ctx, unsigned flags)
{
	struct wcs_walk *w;

	if ((w = wcs_calloc(ctx, 1, sizeof(*w))) == NULL)
		return (NULL);
	w->ctx = ctx;
	w->flags = flags;
	return (w);
}

int
wcs_walk_add(struct wcs_walk *w, const char *path, wcs_walk_ref_cb cb,
    wcs_walk_skip_cb skip_cb, void *arg)
{
	w->cb = cb;
	w->skip_cb = skip_cb;
	w->arg = arg;
	w->depth = 0;
	/* Unresolvable: no symbolic link inside counts as staying in. */
	if (strcmp(path, "-") == 0 || realpath(path, w->root) == NULL)
		w->root[0] = '\0';
	return (walk_path(w, path, true));
}

void
wcs_walk_free(struct wcs_walk *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->cap; i++)
		wcs_free(w->ctx, w->seen[i].path);
	wcs_free(w->ctx, w->seen);
	wcs_free(w->ctx, w);
}

/* wcs_walk: the caller's callbacks, given only the path. */
struct walk_paths {
	wcs_walk_cb cb;
	wcs_walk_skip_cb skip_cb;
	void *arg;
};

static int
walk_path_only(const struct wcs_input_ref *ref, void *arg)
{
	struct walk_paths *wp = arg;

	return (wp->cb(ref->path, wp->arg));
}

static void
walk_skip_only(const char *path, const char *why, void *arg)
{
	struct walk_paths *wp = arg;

	if (wp->skip_cb != NULL)
		wp->skip_cb(path, why, wp->arg);
}

int
wcs_walk(struct wcs_ctx *ctx, const char *path, wcs_walk_cb cb,
    wcs_walk_skip_cb skip_cb, void *arg)
{
	struct walk_paths wp = { cb, skip_cb, arg };
	struct wcs_walk *w;
	int rc;

	if ((w = wcs_walk_new(ctx, 0)) == NULL)
		return (WCS_FATAL);
	rc = wcs_walk_add(w, path, walk_path_only, walk_skip_only, &wp);
	wcs_walk_free(w);
	return (rc);
}
