/*
 * io: the output writer.  Regular files are replaced whole and keep their
 * mode; symbolic links are replaced, never followed; devices and FIFOs are
 * written in place; directories are refused; failures name the path and
 * the reason; an uncommitted output leaves no temporary file.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wcscan/output.h"

struct fixture {
	char dir[64];
	struct wcs_ctx ctx;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return (-1);
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/wcscan-out-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return (-1);
	}
	wcs_ctx_init(&f->ctx, NULL);
	*state = f;
	return (0);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	int rc;

	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	rc = system(cmd);
	free(f);
	return (rc == 0 ? 0 : -1);
}

static const char *
fpath(const struct fixture *f, const char *name, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%s/%s", f->dir, name);
	return (buf);
}

static char *
slurp(const char *path)
{
	static char buf[256];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (fp == NULL)
		return (NULL);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	(void)fclose(fp);
	return (buf);
}

/* Entries of the fixture's directory (temporary files included). */
static int
entries(const struct fixture *f)
{
	DIR *d = opendir(f->dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	(void)closedir(d);
	return (n);
}

static void
write_out(struct fixture *f, const char *path, const char *text)
{
	struct wcs_output *o;

	assert_int_equal(wcs_output_new(&f->ctx, path, &o), WCS_OK);
	assert_true(fputs(text, wcs_output_stream(o)) >= 0);
	assert_int_equal(wcs_output_commit(o), WCS_OK);
	wcs_output_free(o);
}

static void
test_new_file_appears_whole(void **state)
{
	struct fixture *f = *state;
	struct wcs_output *o;
	char p[128];

	fpath(f, "r.json", p, sizeof(p));
	assert_int_equal(wcs_output_new(&f->ctx, p, &o), WCS_OK);
	assert_true(wcs_output_replaces(o));
	assert_int_equal(fputs("report\n", wcs_output_stream(o)) >= 0, 1);
	/* Nothing at the path until the commit; the temporary beside it. */
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(entries(f), 1);
	assert_int_equal(wcs_output_commit(o), WCS_OK);
	wcs_output_free(o);
	assert_string_equal(slurp(p), "report\n");
	assert_int_equal(entries(f), 1);
}

static void
test_replace_keeps_mode(void **state)
{
	struct fixture *f = *state;
	struct stat sb;
	char p[128];

	fpath(f, "r.json", p, sizeof(p));
	write_out(f, p, "old\n");
	assert_int_equal(chmod(p, 0604), 0);
	write_out(f, p, "new\n");
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0604);
	assert_string_equal(slurp(p), "new\n");
}

static void
test_symlink_replaced_not_followed(void **state)
{
	struct fixture *f = *state;
	struct stat sb;
	char p[128], target[128], dangling[128];

	fpath(f, "precious", target, sizeof(target));
	write_out(f, target, "precious\n");
	fpath(f, "r.json", p, sizeof(p));
	assert_int_equal(symlink(target, p), 0);
	write_out(f, p, "report\n");
	assert_int_equal(lstat(p, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_string_equal(slurp(target), "precious\n");

	/* A dangling link: nothing is created where it points. */
	fpath(f, "elsewhere", target, sizeof(target));
	fpath(f, "d.json", dangling, sizeof(dangling));
	assert_int_equal(symlink(target, dangling), 0);
	write_out(f, dangling, "report\n");
	assert_int_equal(access(target, F_OK), -1);
	assert_int_equal(lstat(dangling, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
}

static void
test_symlink_to_device_refused(void **state)
{
	struct fixture *f = *state;
	struct wcs_output *o;
	struct stat sb;
	char p[128];

	fpath(f, "null.json", p, sizeof(p));
	assert_int_equal(symlink("/dev/null", p), 0);
	assert_int_equal(wcs_output_new(&f->ctx, p, &o), WCS_FAILED);
	assert_null(o);
	assert_non_null(strstr(wcs_error_string(&f->ctx), p));
	assert_int_equal(lstat(p, &sb), 0);
	assert_true(S_ISLNK(sb.st_mode));
	assert_int_equal(lstat("/dev/null", &sb), 0);
	assert_true(S_ISCHR(sb.st_mode));
}

static void
test_directory_refused(void **state)
{
	struct fixture *f = *state;
	struct wcs_output *o;

	assert_int_equal(wcs_output_new(&f->ctx, f->dir, &o), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&f->ctx), "is a directory"));
	assert_non_null(strstr(wcs_error_string(&f->ctx), f->dir));
}

static void
test_missing_directory_named(void **state)
{
	struct fixture *f = *state;
	struct wcs_output *o;
	char p[128];

	fpath(f, "no/such/r.json", p, sizeof(p));
	assert_int_equal(wcs_output_new(&f->ctx, p, &o), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&f->ctx), p));
	assert_non_null(
	    strstr(wcs_error_string(&f->ctx), "directory does not exist"));
}

static void
test_uncommitted_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct wcs_output *o;
	char p[128];

	fpath(f, "r.json", p, sizeof(p));
	assert_int_equal(wcs_output_new(&f->ctx, p, &o), WCS_OK);
	assert_true(fputs("half", wcs_output_stream(o)) >= 0);
	assert_int_equal(entries(f), 1);
	wcs_output_free(o);
	assert_int_equal(entries(f), 0);
}

static void
test_device_in_place(void **state)
{
	struct fixture *f = *state;
	struct wcs_output *o;
	struct stat sb;

	assert_int_equal(wcs_output_new(&f->ctx, "/dev/null", &o), WCS_OK);
	assert_false(wcs_output_replaces(o));
	assert_true(fputs("x\n", wcs_output_stream(o)) >= 0);
	assert_int_equal(wcs_output_commit(o), WCS_OK);
	wcs_output_free(o);
	assert_int_equal(lstat("/dev/null", &sb), 0);
	assert_true(S_ISCHR(sb.st_mode));
}

static void
test_full_device_fails_with_reason(void **state)
{
	struct fixture *f = *state;
	struct wcs_output *o;
	int i;

	if (access("/dev/full", W_OK) != 0)
		skip();
	assert_int_equal(wcs_output_new(&f->ctx, "/dev/full", &o), WCS_OK);
	for (i = 0; i < 100; i++)
		(void)fputs("a line of report\n", wcs_output_stream(o));
	assert_int_equal(wcs_output_commit(o), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&f->ctx), "/dev/full"));
	assert_non_null(strstr(wcs_error_string(&f->ctx), strerror(ENOSPC)));
	wcs_output_free(o);
}

static void
test_fifo_in_place(void **state)
{
	struct fixture *f = *state;
	struct wcs_output *o;
	struct stat sb;
	char p[128], buf[32];
	int rfd;
	ssize_t n;

	fpath(f, "fifo", p, sizeof(p));
	assert_int_equal(mkfifo(p, 0600), 0);
	/* A reader first, so that opening for writing does not wait. */
	rfd = open(p, O_RDONLY | O_NONBLOCK);
	assert_true(rfd >= 0);
	assert_int_equal(wcs_output_new(&f->ctx, p, &o), WCS_OK);
	assert_false(wcs_output_replaces(o));
	assert_true(fputs("via fifo\n", wcs_output_stream(o)) >= 0);
	assert_int_equal(wcs_output_commit(o), WCS_OK);
	wcs_output_free(o);
	n = read(rfd, buf, sizeof(buf) - 1);
	assert_int_equal(n, 9);
	buf[n] = '\0';
	assert_string_equal(buf, "via fifo\n");
	(void)close(rfd);
	assert_int_equal(lstat(p, &sb), 0);
	assert_true(S_ISFIFO(sb.st_mode));
}

static void
test_descriptor_paths(void **state)
{
	struct fixture *f = *state;
	struct wcs_output *o;
	const char *paths[] = { "-", "/dev/stdout", "/dev/fd/1",
		"/proc/self/fd/1" };
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_int_equal(wcs_output_new(&f->ctx, paths[i], &o), WCS_OK);
		assert_false(wcs_output_replaces(o));
		assert_int_equal(wcs_output_commit(o), WCS_OK);
		wcs_output_free(o);
	}
	/* A descriptor that is not open is an error, not a file. */
	assert_int_equal(
	    wcs_output_new(&f->ctx, "/dev/fd/987", &o), WCS_FAILED);
	assert_non_null(strstr(wcs_error_string(&f->ctx), "/dev/fd/987"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_new_file_appears_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_replace_keeps_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_symlink_replaced_not_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_symlink_to_device_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_directory_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_missing_directory_named, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_uncommitted_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_device_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_full_device_fails_with_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fifo_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_descriptor_paths, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
