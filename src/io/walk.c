/*
 * Expanding the paths a user named into files to read.  Directories are
 * read recursively in byte order of entry names, so a run over the same
 * tree always sees inputs in the same order.  A directory already on the
 * current path (by device and inode) is a loop and is skipped.
 */
#define _FILE_OFFSET_BITS 64
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcscan/input.h"

#define WALK_MAX_DEPTH 64

struct walk_frame {
	dev_t dev;
	ino_t ino;
};

struct walk {
	struct wcs_ctx *ctx;
	wcs_walk_cb cb;
	wcs_walk_skip_cb skip_cb;
	void *arg;
	struct walk_frame stack[WALK_MAX_DEPTH];
	unsigned depth;
};

static void
walk_skip(struct walk *w, const char *path, const char *why)
{
	if (w->skip_cb != NULL)
		w->skip_cb(path, why, w->arg);
}

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static int walk_path(struct walk *w, const char *path, bool top);

static int
walk_dir(struct walk *w, const char *path, const struct stat *st, bool top)
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
walk_path(struct walk *w, const char *path, bool top)
{
	struct stat st;

	if (strcmp(path, "-") == 0 && top)
		return (w->cb(path, w->arg));
	if (stat(path, &st) != 0) {
		if (top) {
			wcs_set_error(
			    w->ctx, errno, "%s: %s", path, strerror(errno));
			return (WCS_FAILED);
		}
		walk_skip(w, path, strerror(errno));
		return (WCS_OK);
	}
	if (S_ISDIR(st.st_mode))
		return (walk_dir(w, path, &st, top));
	if (S_ISREG(st.st_mode))
		return (w->cb(path, w->arg));
	/* A FIFO the user named is theirs to feed; inside a tree it may
	 * never be written to and would hang the run. */
	if (S_ISFIFO(st.st_mode) && top)
		return (w->cb(path, w->arg));
	walk_skip(w, path,
	    S_ISFIFO(st.st_mode) ? "FIFO inside a directory, not read" :
				   "not a regular file");
	return (WCS_OK);
}

int
wcs_walk(struct wcs_ctx *ctx, const char *path, wcs_walk_cb cb,
    wcs_walk_skip_cb skip_cb, void *arg)
{
	struct walk w;

	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.cb = cb;
	w.skip_cb = skip_cb;
	w.arg = arg;
	return (walk_path(&w, path, true));
}
