/*
 * The one place that writes diagnostics (after curl's tool_msgs.c).
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

/*
 * Messages carry bytes from logs (rejected values, file names) to a
 * terminal: control bytes and invalid UTF-8 go out escaped, as in the text
 * report, so a log line cannot send escape sequences.
 */
static void
vmsg(const char *prefix, const char *fmt, va_list ap)
{
	char buf[8192];

	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "wcscan: %s", prefix);
	wcs_text_safe(stderr, buf, 0);
	fputc('\n', stderr);
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
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	fputs("Try 'wcscan --help' for more information.\n", stderr);
}
