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
			if (cp < 0x20 || cp == 0x7f || cp == 0x2028 ||
			    cp == 0x2029)
				fprintf(out, "\\u%04x", (unsigned)cp);
			else
				(void)fwrite(s + i, 1, n, out);
		}
		i += n;
	}
	putc('"', out);
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

void
wcs_text_safe(FILE *out, const char *str, size_t max_cols)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strlen(str), i, n, cols = 0;
	uint32_t cp;

	for (i = 0; i < len; i += n) {
		if (max_cols != 0 && cols >= max_cols - 1 && i + 1 < len) {
			fputs("\xe2\x80\xa6", out); /* ellipsis */
			return;
		}
		n = wcs_utf8_next(s + i, len - i, &cp);
		if (n == 0) {
			fprintf(out, "\\x%02x", s[i]);
			n = 1;
			cols += 4;
		} else if (cp < 0x20 || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 ||
		    cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069)) {
			/* Controls, C1 (CSI), line separators and bidi
			 * overrides could rewrite what the analyst sees. */
			if (cp < 0x100)
				fprintf(out, "\\x%02x", (unsigned)cp);
			else
				fprintf(out, "\\u%04x", (unsigned)cp);
			cols += cp < 0x100 ? 4 : 6;
		} else {
			(void)fwrite(s + i, 1, n, out);
			cols++;
		}
	}
}
