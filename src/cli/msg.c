/*
 * The one place that writes diagnostics (after curl's tool_msgs.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MSG_MAX 8192 /* a message as formatted, before escaping */
/* Escaping turns a byte into at most 4 ("\x1b"). */
#define MSG_OUT (4 * MSG_MAX + 64)

/*
 * Write all of buf to fd, on through signals and short writes.  Errors
 * are dropped: there is nowhere left to report them.
 */
static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/*
 * Messages carry bytes from logs (rejected values, file names) to a
 * terminal: control bytes and invalid UTF-8 go out escaped, as in the text
 * report, so a log line cannot send escape sequences.  Each message is
 * built whole and goes out in one write(2): an unbuffered stderr costs a
 * system call per byte, and lines from other writers could interleave.
 */
static void
vmsg(const char *prefix, const char *fmt, va_list ap)
{
	char buf[MSG_MAX], out[MSG_OUT + 1];
	size_t len = 0;
	long pos;
	FILE *fp;

	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	if ((fp = fmemopen(out, MSG_OUT, "w")) != NULL) {
		(void)setvbuf(fp, NULL, _IONBF, 0);
		fprintf(fp, "wcscan: %s", prefix);
		wcs_text_safe(fp, buf, 0);
		(void)fflush(fp);
		if ((pos = ftell(fp)) > 0)
			len = (size_t)pos < MSG_OUT ? (size_t)pos : MSG_OUT;
		(void)fclose(fp);
	}
	if (len == 0) /* no memory for the stream */
		len = (size_t)snprintf(
		    out, MSG_OUT, "wcscan: %s(message lost)", prefix);
	out[len++] = '\n';
	write_all(STDERR_FILENO, out, len);
}

void
wcs_warnx(const struct wcs_msg *m, const char *fmt, ...)
{
	va_list ap;

	if (m != NULL && m->quiet)
		return;
	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void
wcs_errx(const struct wcs_msg *m, const char *fmt, ...)
{
	va_list ap;

	(void)m;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void
wcs_usage_error(const char *fmt, ...)
{
	static const char try[] = "Try 'wcscan --help' for more information.\n";
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	write_all(STDERR_FILENO, try, sizeof(try) - 1);
}
