/*
 * Writing untrusted bytes: JSON strings, CSV cells, terminal text.
 * Log contents come from compromised machines, so every writer decodes
 * UTF-8 strictly and decides per code point what may pass.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wcscan/report.h"
#include "report_private.h"

size_t
wcs_utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c;
	size_t n, i;

	if (len == 0)
		return (0);
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return (1);
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, c &= 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, c &= 0x07;
	else
		return (0);
	if (len < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return (0);
	*cp = c;
	return (n);
}

/*
 * Code points a terminal must not be sent: C0 and C1 controls (ESC, CSI
 * rewrite the screen), line and paragraph separators, and the bidi marks,
 * embeddings, overrides and isolates that reorder what the analyst reads.
 */
static bool
text_unsafe(uint32_t cp)
{
	return (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x061c ||
		cp == 0x200e || cp == 0x200f || cp == 0x2028 || cp == 0x2029 ||
		(cp >= 0x202a && cp <= 0x202e) ||
		(cp >= 0x2066 && cp <= 0x2069));
}

bool
wcs_report_bytes_safe(
    enum wcs_report_format fmt, const unsigned char *p, size_t len)
{
	size_t i, n;
	uint32_t cp;

	for (i = 0; i < len; i += n) {
		n = 1;
		if (p[i] >= 0x20 && p[i] < 0x7f)
			continue;
		if (p[i] == '\n' ||
		    (fmt == WCS_REPORT_CSV && (p[i] == '\r' || p[i] == '\t')))
			continue;
		if ((n = wcs_utf8_next(p + i, len - i, &cp)) == 0)
			return (false);
		if (cp < 0x20 || (fmt == WCS_REPORT_TEXT && text_unsafe(cp)))
			return (false);
	}
	return (true);
}

void
wcs_json_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strlen(str), i = 0, n, run;
	uint32_t cp;

	putc('"', out);
	while (i < len) {
		/* Copy runs of plain ASCII in one call. */
		for (run = i; run < len && s[run] >= 0x20 && s[run] < 0x7f &&
			      s[run] != '"' && s[run] != '\\';
		     run++)
			;
		if (run > i) {
			(void)fwrite(s + i, 1, run - i, out);
			i = run;
			continue;
		}
		n = wcs_utf8_next(s + i, len - i, &cp);
		if (n == 0) {
			fputs("\xef\xbf\xbd", out); /* U+FFFD */
			i++;
			continue;
		}
		switch (cp) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			/*
			 * Valid JSON either way; escaped, a report shown
			 * with cat(1) cannot drive the terminal (C1 CSI)
			 * or reorder what is read (bidi controls).
			 */
			if (text_unsafe(cp))
				fprintf(out, "\\u%04x", (unsigned)cp);
			else
				(void)fwrite(s + i, 1, n, out);
		}
		i += n;
	}
	putc('"', out);
}

/* An ASCII byte a CSV cell carries as it is (see wcs_csv_cell). */
static bool
csv_plain(unsigned char c)
{
	return ((c >= 0x20 && c < 0x80 && c != '"') || c == '\t' || c == '\r' ||
		c == '\n');
}

void
wcs_csv_cell(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strlen(str), i, n;
	bool formula, quote;
	uint32_t cp;

	/*
	 * OWASP CSV injection advice: a cell that a spreadsheet would take
	 * as a formula (= + - @, tab, CR first) gets a leading apostrophe,
	 * and the cell is quoted.
	 */
	formula = len > 0 && strchr("=+-@\t\r", s[0]) != NULL;
	quote = formula || strpbrk(str, ",\"\r\n\t") != NULL;
	if (quote)
		putc('"', out);
	if (formula)
		putc('\'', out);
	for (i = 0; i < len; i += n) {
		/* Runs of bytes that pass unchanged go in one call: reports
		 * are mostly ASCII, and a call per byte was most of the time
		 * a report of many hosts took to write. */
		for (n = 0; i + n < len && csv_plain(s[i + n]); n++)
			;
		if (n > 0) {
			(void)fwrite(s + i, 1, n, out);
			continue;
		}
		n = wcs_utf8_next(s + i, len - i, &cp);
		if (n == 0) {
			fputs("\xef\xbf\xbd", out);
			n = 1;
		} else if (cp == '"') {
			fputs("\"\"", out);
		} else if (cp < 0x20 && cp != '\t' && cp != '\r' &&
			   cp != '\n') {
			putc(' ', out); /* other control bytes carry nothing */
		} else {
			(void)fwrite(s + i, 1, n, out);
		}
	}
	if (quote)
		putc('"', out);
}

/*
 * One piece of terminal output for the code point at s (n bytes, 0 when
 * not valid UTF-8): either the bytes themselves or an escape.  Returns the
 * columns it takes, counting every printable code point as one.
 */
static size_t
text_piece(
    const unsigned char *s, size_t n, uint32_t cp, char *esc, size_t esclen)
{
	if (n == 0) {
		(void)snprintf(esc, esclen, "\\x%02x", s[0]);
		return (4);
	}
	if (text_unsafe(cp)) {
		if (cp < 0x100) {
			(void)snprintf(esc, esclen, "\\x%02x", (unsigned)cp);
			return (4);
		}
		(void)snprintf(esc, esclen, "\\u%04x", (unsigned)cp);
		return (6);
	}
	esc[0] = '\0';
	return (1);
}

/* Write str as wcs_text_safe does, or only count when out is NULL;
 * returns the columns written. */
static size_t
text_render(FILE *out, const char *str, size_t max_cols)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strlen(str), i, n, w, cols, limit;
	char esc[16];
	uint32_t cp = 0;

	/*
	 * The whole string when it fits; else the longest prefix that
	 * leaves a column for the ellipsis, so tables stay aligned.
	 */
	cols = 0;
	for (i = 0; i < len; i += n == 0 ? 1 : n) {
		n = wcs_utf8_next(s + i, len - i, &cp);
		cols += text_piece(s + i, n, cp, esc, sizeof(esc));
	}
	if (max_cols == 0 || cols <= max_cols) {
		if (out == NULL)
			return (cols);
		limit = SIZE_MAX;
	} else
		limit = max_cols - 1;
	cols = 0;
	for (i = 0; i < len; i += n == 0 ? 1 : n) {
		n = wcs_utf8_next(s + i, len - i, &cp);
		w = text_piece(s + i, n, cp, esc, sizeof(esc));
		if (cols + w > limit) {
			if (out != NULL)
				fputs("\xe2\x80\xa6", out); /* ellipsis */
			return (cols + 1);
		}
		cols += w;
		if (out == NULL)
			continue;
		if (esc[0] != '\0')
			fputs(esc, out);
		else
			(void)fwrite(s + i, 1, n, out);
	}
	return (cols);
}

void
wcs_text_safe(FILE *out, const char *str, size_t max_cols)
{
	(void)text_render(out, str, max_cols);
}

size_t
wcs_text_width(const char *str, size_t max_cols)
{
	return (text_render(NULL, str, max_cols));
}

void
wcs_html_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strlen(str), i = 0, n, run;
	char esc[16];
	uint32_t cp;

	while (i < len) {
		/* Copy runs of plain ASCII in one call. */
		for (run = i; run < len && s[run] >= 0x20 && s[run] < 0x7f &&
			      strchr("&<>\"'", s[run]) == NULL;
		     run++)
			;
		if (run > i) {
			(void)fwrite(s + i, 1, run - i, out);
			i = run;
			continue;
		}
		n = wcs_utf8_next(s + i, len - i, &cp);
		/*
		 * Markup characters become entities, so a log string is only
		 * ever text (also inside quoted attributes); what a terminal
		 * must not get is shown as an escape here too, so that a
		 * bidi override cannot reorder a table cell.
		 */
		if (n != 0 && cp == '&')
			fputs("&amp;", out);
		else if (n != 0 && cp == '<')
			fputs("&lt;", out);
		else if (n != 0 && cp == '>')
			fputs("&gt;", out);
		else if (n != 0 && cp == '"')
			fputs("&quot;", out);
		else if (n != 0 && cp == '\'')
			fputs("&#39;", out);
		else {
			(void)text_piece(s + i, n, cp, esc, sizeof(esc));
			if (esc[0] != '\0')
				fputs(esc, out);
			else
				(void)fwrite(s + i, 1, n, out);
		}
		i += n == 0 ? 1 : n;
	}
}
