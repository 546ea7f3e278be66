/*
 * Output files: replace regular files atomically, write devices and FIFOs
 * in place, never follow or clobber anything else (see output.h).
 *
 * wcscan runs as root from cron over shares that compromised machines
 * write to, so the path given to -o may be a planted symbolic link, a
 * device, or something that changes while the inputs are read.  The path
 * is looked at with lstat(2) when the run starts and again before the
 * rename, and a device or FIFO is opened with O_NOFOLLOW and checked with
 * fstat(2) after opening.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wcscan/output.h"

struct wcs_output {
	struct wcs_ctx *ctx;
	char *path;
	char *tmp; /* the temporary file while uncommitted; NULL in place */
	char *dir; /* its directory, synced after the rename */
	FILE *fp;
	mode_t new_mode; /* for a path that did not exist */
};

/*
 * The descriptor a path names without being a file of its own: "-",
 * /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N.  -1 otherwise.
 * /dev/stdout is a symbolic link into /proc, and replacing it (as root)
 * would break the machine; writing to the descriptor is what is meant.
 */
static int
descriptor_path(const char *path)
{
	static const char *const prefixes[] = { "/dev/fd/", "/proc/self/fd/" };
	const char *p;
	size_t i;
	long v;

	if (strcmp(path, "-") == 0 || strcmp(path, "/dev/stdout") == 0)
		return (STDOUT_FILENO);
	if (strcmp(path, "/dev/stderr") == 0)
		return (STDERR_FILENO);
	for (i = 0; i < WCS_NELEM(prefixes); i++) {
		size_t n = strlen(prefixes[i]);

		if (strncmp(path, prefixes[i], n) != 0)
			continue;
		p = path + n;
		if (*p < '0' || *p > '9')
			return (-1);
		for (v = 0; *p >= '0' && *p <= '9'; p++) {
			v = v * 10 + (*p - '0');
			if (v > INT_MAX)
				return (-1);
		}
		return (*p == '\0' ? (int)v : -1);
	}
	return (-1);
}

static const char *
type_name(mode_t m)
{
	if (S_ISDIR(m))
		return ("a directory");
	if (S_ISBLK(m))
		return ("a block device");
	if (S_ISSOCK(m))
		return ("a socket");
	if (S_ISCHR(m))
		return ("a character device");
	if (S_ISFIFO(m))
		return ("a FIFO");
	if (S_ISLNK(m))
		return ("a symbolic link");
	return ("not a regular file");
}

static int
fail(struct wcs_output *o, int err, const char *why)
{
	wcs_set_error(o->ctx, err, "%s: %s", o->path, why);
	return (WCS_FAILED);
}

static int
fail_errno(struct wcs_output *o, int err)
{
	return (fail(o, err, strerror(err)));
}

static int
open_descriptor(struct wcs_output *o, int fd)
{
	int copy;

	if ((copy = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0)
		return (fail_errno(o, errno));
	if ((o->fp = fdopen(copy, "w")) == NULL) {
		int err = errno;

		(void)close(copy);
		return (err == ENOMEM ? WCS_FATAL : fail_errno(o, err));
	}
	return (WCS_OK);
}

/* A character device or FIFO: open it where it is. */
static int
open_in_place(struct wcs_output *o)
{
	struct stat sb;
	int fd, err;

	fd = open(o->path, O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return (fail_errno(o, errno));
	/* It may have been swapped for something else since lstat. */
	if (fstat(fd, &sb) != 0 ||
	    !(S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode))) {
		err = errno;
		(void)close(fd);
		return (fail(o, err != 0 ? err : EEXIST,
		    "changed while being opened; not written"));
	}
	if ((o->fp = fdopen(fd, "w")) == NULL) {
		err = errno;
		(void)close(fd);
		return (err == ENOMEM ? WCS_FATAL : fail_errno(o, err));
	}
	return (WCS_OK);
}

/* Nothing there, a regular file or a symbolic link: a file beside it. */
static int
open_temporary(struct wcs_output *o)
{
	const char *slash = strrchr(o->path, '/');
	size_t dlen;
	mode_t mask;
	int fd, err;

	if (slash == NULL) {
		o->dir = wcs_strdup(o->ctx, ".");
	} else {
		dlen = slash == o->path ? 1 : (size_t)(slash - o->path);
		if ((o->dir = wcs_malloc(o->ctx, dlen + 1)) != NULL) {
			memcpy(o->dir, o->path, dlen);
			o->dir[dlen] = '\0';
		}
	}
	if (o->dir == NULL)
		return (WCS_FATAL);
	if ((o->tmp = wcs_malloc(o->ctx, strlen(o->dir) + 32)) == NULL)
		return (WCS_FATAL);
	(void)snprintf(
	    o->tmp, strlen(o->dir) + 32, "%s/.wcscan-XXXXXX", o->dir);
	/* Single-threaded here: reading the umask this way is safe. */
	mask = umask(0);
	(void)umask(mask);
	o->new_mode = 0666 & ~mask;
	if ((fd = mkstemp(o->tmp)) < 0) {
		err = errno;
		wcs_free(o->ctx, o->tmp);
		o->tmp = NULL;
		return (fail(o, err,
		    err == ENOENT ? "its directory does not exist" :
				    strerror(err)));
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	if ((o->fp = fdopen(fd, "w")) == NULL) {
		err = errno;
		(void)close(fd);
		return (err == ENOMEM ? WCS_FATAL : fail_errno(o, err));
	}
	return (WCS_OK);
}

int
wcs_output_new(struct wcs_ctx *ctx, const char *path, struct wcs_output **out)
{
	struct wcs_output *o;
	struct stat sb, tb;
	int fd, rc;

	*out = NULL;
	if ((o = wcs_calloc(ctx, 1, sizeof(*o))) == NULL)
		return (WCS_FATAL);
	o->ctx = ctx;
	if ((o->path = wcs_strdup(ctx, path)) == NULL) {
		wcs_output_free(o);
		return (WCS_FATAL);
	}
	if (path[0] == '\0') {
		rc = fail(o, WCS_EUSAGE, "empty output path");
	} else if ((fd = descriptor_path(path)) >= 0) {
		rc = open_descriptor(o, fd);
	} else if (lstat(path, &sb) != 0) {
		rc = errno == ENOENT ? open_temporary(o) : fail_errno(o, errno);
	} else if (S_ISREG(sb.st_mode)) {
		rc = open_temporary(o);
	} else if (S_ISLNK(sb.st_mode)) {
		/*
		 * A link is replaced, not followed: unless it leads to a
		 * device or the like, which is no report a user meant to
		 * overwrite (/dev/disk/by-id/..., /dev/stdin).
		 */
		if (stat(path, &tb) == 0 && !S_ISREG(tb.st_mode)) {
			rc = fail(o, EEXIST,
			    "a symbolic link to a special "
			    "file; not replaced, not "
			    "followed");
		} else {
			rc = open_temporary(o);
		}
	} else if (S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode)) {
		rc = open_in_place(o);
	} else {
		char why[96];

		(void)snprintf(why, sizeof(why), "is %s; not written",
		    type_name(sb.st_mode));
		rc = fail(o, EEXIST, why);
	}
	if (rc != WCS_OK) {
		wcs_output_free(o);
		return (rc);
	}
	/* Written by one thread in many small writes (a report's tokens):
	 * no lock taken at each (glibc and musl have __fsetlocking). */
	(void)__fsetlocking(o->fp, FSETLOCKING_BYCALLER);
	*out = o;
	return (WCS_OK);
}

FILE *
wcs_output_stream(struct wcs_output *o)
{
	return (o->fp);
}

const char *
wcs_output_path(const struct wcs_output *o)
{
	return (o->path);
}

bool
wcs_output_replaces(const struct wcs_output *o)
{
	return (o->tmp != NULL);
}

/*
 * Give the temporary file the mode and owner of the file it replaces (or
 * the default mode of a new file).  The owner first: chown clears the
 * set-id bits.  Failing to keep another user's ownership (not root) is
 * not an error: the file is then ours, as any new file would be.
 */
static int
set_mode(struct wcs_output *o, int fd)
{
	struct stat sb;
	mode_t mode = o->new_mode;

	if (lstat(o->path, &sb) == 0) {
		if (S_ISREG(sb.st_mode)) {
			mode = sb.st_mode & 07777;
			if ((sb.st_uid != geteuid() ||
				sb.st_gid != getegid()) &&
			    fchown(fd, sb.st_uid, sb.st_gid) != 0 &&
			    errno != EPERM)
				return (fail_errno(o, errno));
		} else if (!S_ISLNK(sb.st_mode)) {
			char why[96];

			(void)snprintf(why, sizeof(why),
			    "became %s while the run went on; not replaced",
			    type_name(sb.st_mode));
			return (fail(o, EEXIST, why));
		}
	} else if (errno != ENOENT) {
		return (fail_errno(o, errno));
	}
	if (fchmod(fd, mode) != 0)
		return (fail_errno(o, errno));
	return (WCS_OK);
}

int
wcs_output_commit(struct wcs_output *o)
{
	FILE *fp = o->fp;
	int fd, rc = WCS_OK, dfd;

	if (fp == NULL)
		return (fail(o, EBADF, "already closed"));
	o->fp = NULL;
	errno = 0;
	if (fflush(fp) != 0 || ferror(fp))
		rc = fail_errno(o, errno != 0 ? errno : EIO);
	fd = fileno(fp);
	if (rc == WCS_OK && o->tmp != NULL) {
		if (fsync(fd) != 0)
			rc = fail_errno(o, errno);
		else
			rc = set_mode(o, fd);
	}
	if (fclose(fp) != 0 && rc == WCS_OK)
		rc = fail_errno(o, errno);
	if (rc != WCS_OK || o->tmp == NULL)
		return (rc);
	if (rename(o->tmp, o->path) != 0)
		return (fail_errno(o, errno));
	wcs_free(o->ctx, o->tmp);
	o->tmp = NULL;
	/* The rename itself survives a crash once the directory is synced. */
	dfd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		(void)close(dfd);
	}
	return (WCS_OK);
}

void
wcs_output_free(struct wcs_output *o)
{
	if (o == NULL)
		return;
	if (o->fp != NULL)
		(void)fclose(o->fp);
	if (o->tmp != NULL) {
		(void)unlink(o->tmp);
		wcs_free(o->ctx, o->tmp);
	}
	wcs_free(o->ctx, o->dir);
	wcs_free(o->ctx, o->path);
	wcs_free(o->ctx, o);
}
