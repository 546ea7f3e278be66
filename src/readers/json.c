/*
 * JSON for the SIEM readers (see siem.h): a splitter that cuts a stream
 * into documents without parsing them, and a parser that flattens one
 * document into (path, value) pairs.
 *
 * Why our own and not yajl: a document is split off by counting braces
 * outside strings, which needs nothing of a parser, and each document is
 * then parsed whole, at most the line cap long; what a streaming library
 * would add (callbacks across buffer ends) is what the split makes
 * unnecessary, and the parser below is 300 lines with its limits in plain
 * sight (depth, path length, fields, document size).  README says more.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wcscan/input.h"
#include "siem.h"

/*
 * The splitter.
 */

enum js_mode {
	JS_TOP, /* between NDJSON lines or arrays */
	JS_ARRAY /* inside a top-level array, between elements */
};

struct wcs_json_stream {
	struct wcs_ctx *ctx;
	struct wcs_input *in;
	enum js_mode mode;
	uint64_t lineno; /* line of the first unconsumed byte */
	size_t pending; /* bytes of the last document still to consume */
	size_t pending_nl; /* and the line ends among them */
};

struct wcs_json_stream *
wcs_json_stream_new(struct wcs_ctx *ctx, struct wcs_input *in)
{
	struct wcs_json_stream *js;

	if ((js = wcs_calloc(ctx, 1, sizeof(*js))) == NULL)
		return (NULL);
	js->ctx = ctx;
	js->in = in;
	js->mode = JS_TOP;
	js->lineno = 1;
	return (js);
}

void
wcs_json_stream_free(struct wcs_json_stream *js)
{
	if (js != NULL)
		wcs_free(js->ctx, js);
}

static void
js_consume(struct wcs_json_stream *js, size_t n, size_t nl)
{
	wcs_input_consume(js->in, n);
	js->lineno += nl;
}

static bool
js_space(unsigned char c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

/* Where a value being skipped or scanned stands. */
struct js_scan {
	size_t depth;
	bool in_str, esc;
	size_t nl;
};

/*
 * Scan p[*i..avail) for the end of a value begun at 0.  Returns 1 when
 * found (*i past it), 0 when more input is needed, -1 at a line end that
 * ends an NDJSON document early (*i at it).  A scalar value (stop_scalar)
 * ends before a ',' or ']' outside strings and brackets.
 */
static int
js_scan_value(const unsigned char *p, size_t avail, size_t *i,
    struct js_scan *sc, bool ndjson, bool stop_scalar)
{
	unsigned char c;

	for (; *i < avail; (*i)++) {
		c = p[*i];
		if (c == '\n') {
			if (ndjson)
				return (-1);
			sc->nl++;
		}
		if (sc->in_str) {
			if (sc->esc)
				sc->esc = false;
			else if (c == '\\')
				sc->esc = true;
			else if (c == '"')
				sc->in_str = false;
			continue;
		}
		switch (c) {
		case '"':
			sc->in_str = true;
			break;
		case '{':
		case '[':
			sc->depth++;
			break;
		case '}':
		case ']':
			if (sc->depth == 0 && stop_scalar)
				return (1);
			if (sc->depth > 0 && --sc->depth == 0 && !stop_scalar) {
				(*i)++;
				return (1);
			}
			break;
		case ',':
			if (sc->depth == 0 && stop_scalar)
				return (1);
			break;
		default:
			break;
		}
	}
	return (0);
}

static int
js_reject(struct wcs_json_stream *js, const char *why)
{
	wcs_set_error(js->ctx, WCS_EPARSE, "%s", why);
	return (WCS_WARN);
}

/*
 * Skip what cannot be a document: to the line end at the top, to the
 * next element in an array.  Returns WCS_WARN or WCS_FAILED.
 */
static int
js_skip_bad(struct wcs_json_stream *js, const char *why)
{
	const unsigned char *p;
	struct js_scan sc = { 0 };
	size_t avail = 0, i = 0, cap = wcs_input_line_max(js->in);
	int r;

	for (;;) {
		if (wcs_input_fill(js->in, i + 1, &p, &avail) != WCS_OK)
			return (WCS_FAILED);
		if (i >= avail)
			break; /* end of input */
		if (js->mode == JS_TOP) {
			while (i < avail && p[i] != '\n')
				i++;
			if (i < avail) {
				i++;
				sc.nl++;
				break;
			}
		} else {
			r = js_scan_value(p, avail, &i, &sc, false, true);
			if (r == 1)
				break;
		}
		if (i >= cap) {
			/* Never hold more than the cap: let go of it. */
			js_consume(js, i, sc.nl);
			i = 0;
			sc.nl = 0;
		}
	}
	/* A stray '}' ends the scan where it began: skip it, at least. */
	if (i == 0 && avail > 0)
		i = 1;
	js_consume(js, i, sc.nl);
	return (js_reject(js, why));
}

int
wcs_json_stream_next(struct wcs_json_stream *js, const char **s, size_t *len,
    uint64_t *line, uint64_t *offset)
{
	const unsigned char *p;
	struct js_scan sc;
	size_t avail, i, want, cap = wcs_input_line_max(js->in);
	bool ndjson, overlong;
	int r;

	if (js->pending > 0 || js->pending_nl > 0) {
		js_consume(js, js->pending, js->pending_nl);
		js->pending = js->pending_nl = 0;
	}
	/* Between documents: blanks, and an array's brackets and commas. */
	for (;;) {
		if (wcs_input_fill(js->in, 1, &p, &avail) != WCS_OK)
			return (WCS_FAILED);
		if (avail == 0)
			return (WCS_EOF);
		for (i = 0, sc.nl = 0; i < avail; i++) {
			if (p[i] == '\n')
				sc.nl++;
			else if (js_space(p[i]))
				continue;
			else if (js->mode == JS_TOP && p[i] == '[')
				js->mode = JS_ARRAY;
			else if (js->mode == JS_ARRAY &&
				 (p[i] == ',' || p[i] == ']')) {
				if (p[i] == ']')
					js->mode = JS_TOP;
			} else
				break;
		}
		js_consume(js, i, sc.nl);
		if (i < avail)
			break;
	}
	*line = js->lineno;
	*offset = wcs_input_offset(js->in);
	if (p[i] != '{') {
		return (js_skip_bad(js,
		    js->mode == JS_TOP ? "not a JSON object" :
					 "array element is not a JSON object"));
	}
	ndjson = js->mode == JS_TOP;
	memset(&sc, 0, sizeof(sc));
	i = 0;
	want = 64 * 1024 < cap ? 64 * 1024 : cap;
	overlong = false;
	for (;;) {
		if (wcs_input_fill(js->in, want, &p, &avail) != WCS_OK)
			return (WCS_FAILED);
		r = js_scan_value(p, avail, &i, &sc, ndjson, false);
		if (r == 1)
			break;
		if (r == -1) {
			/* The line ends inside the document: cut there. */
			js_consume(js, i + 1, sc.nl + 1);
			return (js_reject(js, "JSON object not closed on its "
					      "line"));
		}
		if (avail < want) {
			js_consume(js, avail, sc.nl);
			return (js_reject(js, "JSON document cut off by the "
					      "end of the input"));
		}
		if (avail >= cap) {
			/* Past the cap: skip the rest, keep nothing. */
			overlong = true;
			js_consume(js, i, sc.nl);
			sc.nl = 0;
			i = 0;
			continue;
		}
		want = avail * 2 < cap ? avail * 2 : cap;
	}
	/* The window may hold more than the cap: the cap still holds. */
	if (overlong || i > cap) {
		js_consume(js, i, sc.nl);
		wcs_set_error(js->ctx, WCS_EOVERLONG,
		    "JSON document longer than %zu bytes", cap);
		return (WCS_WARN);
	}
	*s = (const char *)p;
	*len = i;
	js->pending = i;
	js->pending_nl = sc.nl;
	return (WCS_OK);
}

/*
 * The parser: recursive descent, depth bounded by WCS_JSON_MAX_DEPTH.
 */

struct jp {
	struct wcs_ctx *ctx;
	struct wcs_pool *pool;
	const char *s, *e;
	struct wcs_doc *d;
	char path[WCS_DOC_MAX_PATH + 1];
	size_t plen;
	const char *why;
	bool oom;
};

static int jp_value(struct jp *j, unsigned depth);

static int
jp_fail(struct jp *j, const char *why)
{
	if (j->why == NULL)
		j->why = why;
	return (-1);
}

static void
jp_ws(struct jp *j)
{
	while (j->s < j->e && js_space((unsigned char)*j->s))
		j->s++;
}

static int
jp_hex4(const char *s, const char *e, unsigned *out)
{
	unsigned v = 0, d;
	int k;

	if (e - s < 4)
		return (-1);
	for (k = 0; k < 4; k++) {
		if (s[k] >= '0' && s[k] <= '9')
			d = (unsigned)(s[k] - '0');
		else if (s[k] >= 'a' && s[k] <= 'f')
			d = (unsigned)(s[k] - 'a' + 10);
		else if (s[k] >= 'A' && s[k] <= 'F')
			d = (unsigned)(s[k] - 'A' + 10);
		else
			return (-1);
		v = v * 16 + d;
	}
	*out = v;
	return (0);
}

static size_t
jp_utf8(unsigned cp, char *o)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return (1);
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return (2);
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return (3);
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return (4);
}

/*
 * A string at j->s (on its '"'), unescaped into the pool when out is not
 * NULL (a value), else into the path buffer after j->plen (a key; *klen
 * gets its length).  \u0000 and lone surrogates become U+FFFD: values are
 * C strings.
 */
static int
jp_string(struct jp *j, char **out, size_t *klen)
{
	const char *p = j->s + 1, *q;
	char *o, *buf;
	size_t room;
	unsigned cp, lo;

	/* Bound the copy: the raw text is never shorter than its value. */
	for (q = p; q < j->e && *q != '"'; q++) {
		if (*q == '\\')
			q++;
		else if ((unsigned char)*q < 0x20)
			return (jp_fail(j, "control character in a JSON "
					   "string"));
	}
	if (q >= j->e)
		return (jp_fail(j, "unterminated JSON string"));
	if (out != NULL) {
		if ((buf = wcs_pool_alloc(j->pool, (size_t)(q - p) + 1)) ==
		    NULL) {
			j->oom = true;
			return (jp_fail(j, "out of memory"));
		}
		room = (size_t)(q - p);
	} else {
		buf = j->path + j->plen;
		room = WCS_DOC_MAX_PATH - j->plen;
		if ((size_t)(q - p) > room)
			return (jp_fail(j, "JSON member path too long"));
	}
	o = buf;
	while (p < q) {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case '"':
		case '\\':
		case '/':
			*o++ = *p++;
			continue;
		case 'b':
			*o++ = '\b';
			p++;
			continue;
		case 'f':
			*o++ = '\f';
			p++;
			continue;
		case 'n':
			*o++ = '\n';
			p++;
			continue;
		case 'r':
			*o++ = '\r';
			p++;
			continue;
		case 't':
			*o++ = '\t';
			p++;
			continue;
		case 'u':
			break;
		default:
			return (jp_fail(j, "bad escape in a JSON string"));
		}
		if (jp_hex4(p + 1, q, &cp) != 0)
			return (jp_fail(j, "bad \\u escape in a JSON string"));
		p += 5;
		if (cp >= 0xd800 && cp <= 0xdbff && q - p >= 6 &&
		    p[0] == '\\' && p[1] == 'u' &&
		    jp_hex4(p + 2, q, &lo) == 0 && lo >= 0xdc00 &&
		    lo <= 0xdfff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			p += 6;
		} else if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
			cp = 0xfffd;
		/* "\uXXXX" is 6 bytes, its UTF-8 at most 3 (4 for a pair's
		 * 12): the copy never outgrows the raw text. */
		o += jp_utf8(cp, o);
	}
	(void)room;
	j->s = q + 1;
	if (out != NULL) {
		*o = '\0';
		*out = buf;
	} else
		*klen = (size_t)(o - buf);
	return (0);
}

static int
jp_leaf(struct jp *j, const char *v)
{
	struct wcs_doc *d = j->d;
	char *path;

	if (d->n == WCS_DOC_MAX_FIELDS) {
		d->ndropped++;
		return (0);
	}
	if ((path = wcs_pool_strndup(j->pool, j->path, j->plen)) == NULL) {
		j->oom = true;
		return (jp_fail(j, "out of memory"));
	}
	d->f[d->n].path = path;
	d->f[d->n].value = v;
	d->n++;
	return (0);
}

static int
jp_literal(struct jp *j, const char *lit, bool keep)
{
	size_t n = strlen(lit);

	if ((size_t)(j->e - j->s) < n || memcmp(j->s, lit, n) != 0)
		return (jp_fail(j, "bad JSON value"));
	j->s += n;
	return (keep ? jp_leaf(j, lit) : 0);
}

static int
jp_number(struct jp *j)
{
	const char *b = j->s;
	char *v;

	if (j->s < j->e && *j->s == '-')
		j->s++;
	if (j->s == j->e || *j->s < '0' || *j->s > '9')
		return (jp_fail(j, "bad JSON value"));
	while (j->s < j->e && ((*j->s >= '0' && *j->s <= '9') || *j->s == '.' ||
				  *j->s == 'e' || *j->s == 'E' ||
				  *j->s == '+' || *j->s == '-'))
		j->s++;
	if ((v = wcs_pool_strndup(j->pool, b, (size_t)(j->s - b))) == NULL) {
		j->oom = true;
		return (jp_fail(j, "out of memory"));
	}
	return (jp_leaf(j, v));
}

/* Append ".name" (or "name" at the root) to the path. */
static int
jp_push_index(struct jp *j, size_t idx)
{
	int n;

	n = snprintf(j->path + j->plen, WCS_DOC_MAX_PATH + 1 - j->plen, "%s%zu",
	    j->plen > 0 ? "." : "", idx);
	if (n < 0 || (size_t)n > WCS_DOC_MAX_PATH - j->plen)
		return (jp_fail(j, "JSON member path too long"));
	j->plen += (size_t)n;
	return (0);
}

static int
jp_object(struct jp *j, unsigned depth)
{
	size_t base = j->plen, klen;

	j->s++; /* '{' */
	jp_ws(j);
	if (j->s < j->e && *j->s == '}') {
		j->s++;
		return (0);
	}
	for (;;) {
		jp_ws(j);
		if (j->s >= j->e || *j->s != '"')
			return (jp_fail(j, "JSON member name expected"));
		if (base > 0) {
			if (base + 1 > WCS_DOC_MAX_PATH)
				return (
				    jp_fail(j, "JSON member path too long"));
			j->path[base] = '.';
			j->plen = base + 1;
		} else
			j->plen = 0;
		if (jp_string(j, NULL, &klen) != 0)
			return (-1);
		j->plen += klen;
		/* A search hit's _source, a REST line's result: the
		 * document itself. */
		if (depth == 1 &&
		    ((klen == 7 && memcmp(j->path, "_source", 7) == 0) ||
			(klen == 6 && memcmp(j->path, "result", 6) == 0)))
			j->plen = 0;
		jp_ws(j);
		if (j->s >= j->e || *j->s != ':')
			return (jp_fail(j, "':' expected in a JSON object"));
		j->s++;
		jp_ws(j);
		if (jp_value(j, depth + 1) != 0)
			return (-1);
		jp_ws(j);
		if (j->s < j->e && *j->s == ',') {
			j->s++;
			continue;
		}
		if (j->s < j->e && *j->s == '}') {
			j->s++;
			j->plen = base;
			return (0);
		}
		return (jp_fail(j, "',' or '}' expected in a JSON object"));
	}
}

static int
jp_array(struct jp *j, unsigned depth)
{
	size_t base = j->plen, idx = 0;

	j->s++; /* '[' */
	jp_ws(j);
	if (j->s < j->e && *j->s == ']') {
		j->s++;
		return (0);
	}
	for (;;) {
		j->plen = base;
		if (jp_push_index(j, idx++) != 0)
			return (-1);
		jp_ws(j);
		if (jp_value(j, depth + 1) != 0)
			return (-1);
		jp_ws(j);
		if (j->s < j->e && *j->s == ',') {
			j->s++;
			continue;
		}
		if (j->s < j->e && *j->s == ']') {
			j->s++;
			j->plen = base;
			return (0);
		}
		return (jp_fail(j, "',' or ']' expected in a JSON array"));
	}
}

static int
jp_value(struct jp *j, unsigned depth)
{
	char *v;

	/* Containers count: a scalar is no deeper than its holder. */
	if (depth > WCS_JSON_MAX_DEPTH && j->s < j->e &&
	    (*j->s == '{' || *j->s == '['))
		return (jp_fail(j, "JSON nested too deep"));
	if (j->s >= j->e)
		return (jp_fail(j, "JSON value expected"));
	switch (*j->s) {
	case '{':
		return (jp_object(j, depth));
	case '[':
		return (jp_array(j, depth));
	case '"':
		if (jp_string(j, &v, NULL) != 0)
			return (-1);
		return (jp_leaf(j, v));
	case 't':
		return (jp_literal(j, "true", true));
	case 'f':
		return (jp_literal(j, "false", true));
	case 'n':
		return (jp_literal(j, "null", false));
	default:
		return (jp_number(j));
	}
}

int
wcs_json_parse(struct wcs_ctx *ctx, struct wcs_pool *pool, const char *s,
    size_t len, struct wcs_doc *d)
{
	struct jp j = {
		.ctx = ctx, .pool = pool, .s = s, .e = s + len, .d = d
	};

	d->n = d->ndropped = 0;
	jp_ws(&j);
	if (j.s >= j.e || *j.s != '{')
		(void)jp_fail(&j, "not a JSON object");
	else if (jp_value(&j, 1) == 0) {
		jp_ws(&j);
		if (j.s != j.e)
			(void)jp_fail(&j, "text after the JSON document");
	}
	if (j.why == NULL)
		return (WCS_OK);
	if (j.oom) {
		wcs_set_error(ctx, ENOMEM, "%s", j.why);
		return (WCS_FATAL);
	}
	wcs_set_error(ctx, WCS_EPARSE, "%s (byte %zu of the document)", j.why,
	    (size_t)(j.s - s));
	return (WCS_WARN);
}

const char *
wcs_doc_get(const struct wcs_doc *d, const char *path)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (strcmp(d->f[i].path, path) == 0)
			return (
			    d->f[i].value[0] != '\0' ? d->f[i].value : NULL);
	}
	return (NULL);
}
