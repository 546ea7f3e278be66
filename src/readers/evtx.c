/*
 * Windows binary event logs (.evtx), read natively from the format as
 * Microsoft ("Windows XML Event Log (EVTX)", the BinXML specification)
 * and libyal's notes describe it.
 *
 * Layout.  A 4096-byte file header ("ElfFile\0", a CRC32 of its first 120
 * bytes, the number of chunks, flags dirty 0x1 and full 0x2) is followed
 * by 64 KiB chunks.  A chunk ("ElfChnk\0") has a 512-byte header: record
 * numbers, the offset where free space starts, a CRC32 of the records
 * area [512, free space) and one of the header itself (bytes 0-119 and
 * 128-511), then 64 buckets of a string table and 32 of a template table
 * (not needed here: every reference to a name or a template is an offset
 * within the chunk).  Records follow from byte 512: "\x2a\x2a\0\0", the
 * size, the record identifier, a FILETIME, the event as Binary XML, and
 * the size again.
 *
 * Binary XML is a token stream.  An event is usually a template instance:
 * a template definition (inline the first time in a chunk, later referred
 * to by its offset) holds the elements, attributes and literal text, with
 * substitution tokens where the instance's values go; a value may itself
 * be Binary XML (EventData or UserData of its own template).  The walker
 * below expands that in document order and hands it to the collector
 * shared with the event XML reader (evtx_map.h), so both readers keep the
 * same fields and map them the same way.  Values are rendered as
 * evtxexport -f xml renders them (decimal integers, 0x-prefixed hex,
 * upper-case GUIDs, S-1-... SIDs, FILETIMEs to 100 ns), and only when the
 * collector can use them.
 *
 * Nothing in the file is trusted: every read is bounds-checked against
 * the chunk and the record or value it belongs to; element nesting,
 * template nesting and the work per record are capped, so a template
 * whose definition points at itself, or a cycle of them, ends in a
 * rejected record, not a loop.
 *
 * Accounting.  Every record is one record: an event, ignored, or
 * rejected with "chunk N (offset X) record R: why".  A chunk whose
 * checksums fail (its header's or its records') is still read, as
 * libevtx and EvtxECmd read it, record by record, each record checked on
 * its own (signature, size within the chunk, the size copy at its end,
 * its Binary XML): logs copied from a live system often have such chunks.
 * The mismatch is one rejected entry, a note ("records read one by
 * one"); a stretch where no whole record sits is one more, and reading
 * goes on at the next whole record.  A chunk that cannot be read at all
 * (no signature, truncated in its header) is one rejected record; so is a
 * damaged file header (the chunks are still read), a file that ends
 * before the chunks its header names, and a record with more Data
 * elements than are kept (a note after its event: see evtx_map.h).  Chunk
 * slots are read up to the end of the file whatever the header's chunk
 * count says, so an unclosed (dirty) log, whose header is stale, reads
 * whole; a slot past that count without a chunk signature is free space
 * and is passed over.  What the header's flags say (dirty: not closed;
 * full: the log wraps or drops), and a file cut off (a short last chunk,
 * fewer chunks than the header names), go with the records read from then
 * on (ev->log_state),
 * and the run makes it a warning and a note; a lone UTF-16 surrogate or
 * a control character in a value read becomes U+FFFD, as the event XML
 * reader repairs it, counted the same way (ev->repaired).
 *
 * Provenance: ev->line is the record's ordinal in the file (1-based,
 * counting every record the accounting counts) and ev->offset its byte
 * offset, so a report says "file:record".
 *
 * Input goes through the io layer's window (wcs_input_fill and _consume,
 * one chunk at a time, read in place when the window holds 64 KiB, else
 * copied into a buffer of the reader's).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wcscan/input.h"
#include "wcscan/pool.h"
#include "wcscan/timeutil.h"
#include "evtx_map.h"
#include "readers_private.h"

#define EVTX_FILE_HEADER 4096
#define EVTX_CHUNK 65536
#define EVTX_CHUNK_HEADER 512
#define EVTX_RECORD_HEADER 24 /* signature, size, id, time */
#define EVTX_RECORD_MIN (EVTX_RECORD_HEADER + 4) /* and the size copy */
/* From resync: nothing to count, read on (not a reader status). */
#define EVTX_NOTHING 100

#define BX_MAX_NEST 128 /* elements, templates and values nested */
#define BX_MAX_TEMPLATES 16 /* template instances nested */
#define BX_BUDGET (1UL << 20) /* tokens and values walked per record */
#define BX_MAX_ATTRS 16 /* attributes kept per element; more ignored */
#define BX_NAME_CACHE 1024 /* names remembered per chunk (power of 2) */

#define POOL_BLOCK (16 * 1024)

/* Bits verified when bidding (see reader.h). */
#define BID_MAGIC 64 /* "ElfFile\0" */
#define BID_HEADER 48 /* header size 128 (32 bits), major version 3 */
#define BID_MAX (BID_MAGIC + BID_HEADER)

/* Binary XML tokens; 0x40 on some of them means "more follow". */
enum bx_token {
	BX_EOF = 0x00,
	BX_OPEN_START = 0x01,
	BX_CLOSE_START = 0x02,
	BX_CLOSE_EMPTY = 0x03,
	BX_END_ELEMENT = 0x04,
	BX_VALUE = 0x05,
	BX_ATTRIBUTE = 0x06,
	BX_CDATA = 0x07,
	BX_CHARREF = 0x08,
	BX_ENTITYREF = 0x09,
	BX_PI_TARGET = 0x0a,
	BX_PI_DATA = 0x0b,
	BX_TEMPLATE = 0x0c,
	BX_NORMAL_SUB = 0x0d,
	BX_OPTIONAL_SUB = 0x0e,
	BX_FRAGMENT = 0x0f
};
#define BX_MORE 0x40

/* Value types; 0x80 makes an array of the type. */
enum bx_type {
	VT_NULL = 0x00,
	VT_STRING = 0x01,
	VT_ANSI = 0x02,
	VT_INT8 = 0x03,
	VT_UINT8 = 0x04,
	VT_INT16 = 0x05,
	VT_UINT16 = 0x06,
	VT_INT32 = 0x07,
	VT_UINT32 = 0x08,
	VT_INT64 = 0x09,
	VT_UINT64 = 0x0a,
	VT_REAL32 = 0x0b,
	VT_REAL64 = 0x0c,
	VT_BOOL = 0x0d,
	VT_BINARY = 0x0e,
	VT_GUID = 0x0f,
	VT_SIZET = 0x10,
	VT_FILETIME = 0x11,
	VT_SYSTIME = 0x12,
	VT_SID = 0x13,
	VT_HEX32 = 0x14,
	VT_HEX64 = 0x15,
	VT_HANDLE = 0x20,
	VT_BINXML = 0x21,
	VT_EVTXML = 0x23,
	VT_ARRAY = 0x80
};

/* One substitution value of a template instance. */
struct bx_val {
	uint32_t off; /* in the chunk */
	uint16_t size;
	uint8_t type;
};

struct bx_vals {
	const struct bx_val *v;
	uint32_t n;
};

/* A growable byte buffer (the context's allocator). */
struct sbuf {
	char *p;
	size_t len, cap;
};

struct name_slot {
	uint32_t key; /* chunk offset + 1; 0 = empty */
	const char *name;
};

enum evtx_state {
	ST_HEADER = 0,
	ST_CHUNK, /* load the next chunk slot */
	ST_RECORDS, /* read the records of a chunk */
	ST_END, /* say whether chunks were missing, then EOF */
	ST_DONE
};

struct evtx_reader {
	struct wcs_ctx *ctx;
	struct wcs_input *in;
	struct wcs_pool *pool; /* per record */
	struct wcs_pool *cpool; /* per chunk: the name cache */
	struct wcs_evtx_rec rec;
	enum evtx_state state;

	/* From the file header. */
	uint32_t nchunks; /* chunks the header names; 0 if unreadable */
	uint8_t log_state; /* WCS_LOG_*: its flags dirty and full */

	/* The chunk being read. */
	unsigned char *own; /* EVTX_CHUNK bytes when copying */
	const unsigned char *c;
	uint32_t clen; /* bytes of the chunk present */
	bool held; /* c is the input's window: consume when done */
	uint64_t chunk_no; /* 0-based slot number of c */
	uint64_t chunk_off; /* its offset in the file */
	uint64_t chunks_seen;
	uint32_t pos, end; /* next record; end of the records area */
	bool damaged; /* checksums failed: each record checked on its own */
	bool end_trusted; /* end is the header's free space offset */

	/* A note on the last record, given by the next call. */
	char note[WCS_ERRBUF_SIZE];
	uint64_t note_offset;

	uint32_t fixed; /* lone surrogates made U+FFFD in this record */
	uint64_t slots; /* chunk slots read */
	uint64_t ordinal; /* records counted so far */
	struct sbuf sb; /* rendered values */
	struct name_slot names[BX_NAME_CACHE];
	uint32_t nnames;
};

/* The walk over one record's Binary XML. */
struct bx {
	struct evtx_reader *r;
	const unsigned char *c;
	uint32_t clen;
	unsigned nest, templates;
	unsigned long budget;
	const char *why; /* why the record cannot be read */
	uint32_t why_at; /* chunk offset where that was found */
	bool oom;
};

static uint16_t
le16(const unsigned char *p)
{
	return ((uint16_t)(p[0] | p[1] << 8));
}

static uint32_t
le32(const unsigned char *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24);
}

static uint64_t
le64(const unsigned char *p)
{
	return ((uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32);
}

/*
 * The scratch buffer.
 */

static bool
sb_reserve(struct evtx_reader *r, size_t n)
{
	struct sbuf *sb = &r->sb;
	size_t ncap;
	char *p;

	if (sb->cap - sb->len >= n)
		return (true);
	ncap = sb->cap != 0 ? sb->cap : 512;
	while (ncap - sb->len < n)
		ncap *= 2;
	if ((p = wcs_reallocarray(r->ctx, sb->p, ncap, 1)) == NULL)
		return (false);
	sb->p = p;
	sb->cap = ncap;
	return (true);
}

static bool
sb_add(struct evtx_reader *r, const char *s, size_t n)
{
	if (!sb_reserve(r, n))
		return (false);
	memcpy(r->sb.p + r->sb.len, s, n);
	r->sb.len += n;
	return (true);
}

static bool sb_printf(struct evtx_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool
sb_printf(struct evtx_reader *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!sb_reserve(r, 64))
		return (false);
	va_start(ap, fmt);
	n = vsnprintf(r->sb.p + r->sb.len, r->sb.cap - r->sb.len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return (false);
	if ((size_t)n >= r->sb.cap - r->sb.len) {
		if (!sb_reserve(r, (size_t)n + 1))
			return (false);
		va_start(ap, fmt);
		(void)vsnprintf(
		    r->sb.p + r->sb.len, r->sb.cap - r->sb.len, fmt, ap);
		va_end(ap);
	}
	r->sb.len += (size_t)n;
	return (true);
}

/* Decimal, without printf: values are most of what gets rendered. */
static bool
sb_udec(struct evtx_reader *r, uint64_t v, bool neg)
{
	char buf[24], *q = buf + sizeof(buf);

	do {
		*--q = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (neg)
		*--q = '-';
	return (sb_add(r, q, (size_t)(buf + sizeof(buf) - q)));
}

static bool
sb_sdec(struct evtx_reader *r, int64_t v)
{
	return (v < 0 ? sb_udec(r, 0 - (uint64_t)v, true) :
			sb_udec(r, (uint64_t)v, false));
}

/* digits hexadecimal digits of v, zero-padded, upper or lower case. */
static bool
sb_hexn(struct evtx_reader *r, uint64_t v, unsigned digits, bool upper)
{
	const char *xd = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[16];
	unsigned i;

	for (i = digits; i > 0; i--) {
		buf[i - 1] = xd[v & 0xf];
		v >>= 4;
	}
	return (sb_add(r, buf, digits));
}

/* "0x" and digits lower-case hexadecimal digits, as evtxexport writes. */
static bool
sb_hex(struct evtx_reader *r, uint64_t v, unsigned digits)
{
	return (sb_add(r, "0x", 2) && sb_hexn(r, v, digits, false));
}

/* v as exactly n decimal digits (v < 10^n). */
static bool
sb_dec_n(struct evtx_reader *r, uint64_t v, unsigned n)
{
	char buf[20];
	unsigned i;

	for (i = n; i > 0; i--) {
		buf[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	return (sb_add(r, buf, n));
}

/* One code point as UTF-8 (cp < 0x110000). */
static size_t
utf8_put(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return (1);
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return (2);
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return (3);
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return (4);
}

/*
 * n UTF-16LE code units at p as UTF-8, up to the first NUL (Windows
 * counts a string's terminator in its size); a lone surrogate, or a
 * character XML forbids (a control character, U+FFFE, U+FFFF), becomes
 * U+FFFD as the event XML reader makes it, counted in r->fixed (the
 * record is read, the repair noted).
 */
static bool
sb_utf16(struct evtx_reader *r, const unsigned char *p, size_t n)
{
	size_t i;
	uint32_t u, lo;
	char *o;

	/* An empty string adds nothing (and the buffer may not exist). */
	if (n == 0)
		return (true);
	if (!sb_reserve(r, n * 3))
		return (false);
	o = r->sb.p + r->sb.len;
	for (i = 0; i < n; i++) {
		u = le16(p + 2 * i);
		if (u == 0)
			break;
		if (u < 0x80 &&
		    (u >= 0x20 || u == '\t' || u == '\n' || u == '\r')) {
			*o++ = (char)u;
			continue;
		}
		if (u >= 0xd800 && u <= 0xdbff && i + 1 < n &&
		    (lo = le16(p + 2 * i + 2)) >= 0xdc00 && lo <= 0xdfff) {
			u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			i++;
		} else if ((u >= 0xd800 && u <= 0xdfff) || u < 0x20 ||
			   u == 0xfffe || u == 0xffff) {
			/* As the event XML reader repairs what XML forbids. */
			u = 0xfffd;
			if (r->fixed < UINT32_MAX)
				r->fixed++;
		}
		o += utf8_put(o, u);
	}
	r->sb.len = (size_t)(o - r->sb.p);
	return (true);
}

/*
 * The Binary XML walker.  Positions are offsets in the chunk; `end`
 * bounds what the construct being read may use (its record, its value,
 * its template definition).  A function that finds something wrong sets
 * b->why and returns WCS_WARN; WCS_FATAL is out of memory.
 */

static int
bx_fail(struct bx *b, uint32_t at, const char *why)
{
	if (b->why == NULL) {
		b->why = why;
		b->why_at = at;
	}
	return (WCS_WARN);
}

static int
bx_oom(struct bx *b)
{
	b->oom = true;
	wcs_set_error(b->r->ctx, ENOMEM, "out of memory reading an event");
	return (WCS_FATAL);
}

/* Whether n bytes from pos lie before end. */
static bool
bx_has(uint32_t pos, uint32_t end, uint64_t n)
{
	return (pos <= end && n <= (uint64_t)(end - pos));
}

static bool
bx_spend(struct bx *b)
{
	if (b->budget == 0)
		return (false);
	b->budget--;
	return (true);
}

/*
 * A name (element, attribute, entity, PI target): a 4-byte offset at
 * *pos; the name is stored there (next-in-bucket 4, hash 2, length 2,
 * UTF-16LE, NUL) and inline when the offset points just past itself.
 */
static int
bx_name(struct bx *b, uint32_t *pos, uint32_t end, const char **out)
{
	struct evtx_reader *r = b->r;
	uint32_t off, n, h, i;
	size_t size;
	char *s;

	if (!bx_has(*pos, end, 4))
		return (bx_fail(b, *pos, "name offset past the end"));
	off = le32(b->c + *pos);
	*pos += 4;
	if (off >= b->clen || !bx_has(off, b->clen, 8))
		return (bx_fail(b, *pos - 4, "name offset outside the chunk"));
	n = le16(b->c + off + 6);
	size = 8 + 2 * (size_t)n + 2;
	if (!bx_has(off, b->clen, size))
		return (bx_fail(b, off, "name runs past the chunk"));
	if (off == *pos) {
		if (!bx_has(*pos, end, size))
			return (bx_fail(b, off, "name runs past its record"));
		*pos += (uint32_t)size;
	}
	h = (off * 2654435761U) & (BX_NAME_CACHE - 1);
	for (i = 0; i < BX_NAME_CACHE; i++) {
		if (r->names[h].key == off + 1) {
			*out = r->names[h].name;
			return (WCS_OK);
		}
		if (r->names[h].key == 0)
			break;
		h = (h + 1) & (BX_NAME_CACHE - 1);
	}
	r->sb.len = 0;
	if (!sb_utf16(r, b->c + off + 8, n))
		return (bx_oom(b));
	/* Kept for the chunk while the cache has room, else per record. */
	if (r->nnames < BX_NAME_CACHE / 2 && i < BX_NAME_CACHE) {
		if ((s = wcs_pool_strndup(r->cpool, r->sb.p, r->sb.len)) ==
		    NULL)
			return (bx_oom(b));
		r->names[h].key = off + 1;
		r->names[h].name = s;
		r->nnames++;
	} else if ((s = wcs_pool_strndup(r->pool, r->sb.p, r->sb.len)) == NULL)
		return (bx_oom(b));
	*out = s;
	return (WCS_OK);
}

/* A FILETIME as evtxexport writes it: ISO 8601, 100 ns, "Z". */
static bool
sb_filetime(struct evtx_reader *r, uint64_t ft)
{
	int y, m, d, hh, mm, ss;
	long us;

	/* Whole seconds since 1970 (any FILETIME fits), the 100 ns apart. */
	wcs_time_to_civil(((int64_t)(ft / 10000000) - 11644473600LL) * WCS_USEC,
	    &y, &m, &d, &hh, &mm, &ss, &us);
	return ((y <= 9999 ? sb_dec_n(r, (uint64_t)y, 4) : sb_sdec(r, y)) &&
		sb_add(r, "-", 1) && sb_dec_n(r, (uint64_t)m, 2) &&
		sb_add(r, "-", 1) && sb_dec_n(r, (uint64_t)d, 2) &&
		sb_add(r, "T", 1) && sb_dec_n(r, (uint64_t)hh, 2) &&
		sb_add(r, ":", 1) && sb_dec_n(r, (uint64_t)mm, 2) &&
		sb_add(r, ":", 1) && sb_dec_n(r, (uint64_t)ss, 2) &&
		sb_add(r, ".", 1) && sb_dec_n(r, ft % 10000000, 7) &&
		sb_add(r, "00Z", 3));
}

static bool
sb_guid(struct evtx_reader *r, const unsigned char *p)
{
	unsigned i;

	if (!(sb_add(r, "{", 1) && sb_hexn(r, le32(p), 8, true) &&
		sb_add(r, "-", 1) && sb_hexn(r, le16(p + 4), 4, true) &&
		sb_add(r, "-", 1) && sb_hexn(r, le16(p + 6), 4, true) &&
		sb_add(r, "-", 1)))
		return (false);
	for (i = 8; i < 16; i++) {
		if ((i == 10 && !sb_add(r, "-", 1)) ||
		    !sb_hexn(r, p[i], 2, true))
			return (false);
	}
	return (sb_add(r, "}", 1));
}

static bool
sb_sid(struct evtx_reader *r, const unsigned char *p, size_t size)
{
	uint64_t auth = 0;
	unsigned i, n;

	if (size < 8 || (n = p[1]) > (size - 8) / 4)
		return (sb_add(r, "", 0));
	for (i = 2; i < 8; i++)
		auth = auth << 8 | p[i];
	if (!(auth >> 32 == 0 ? sb_printf(r, "S-%u-%" PRIu64, p[0], auth) :
				sb_printf(r, "S-%u-0x%012" PRIX64, p[0], auth)))
		return (false);
	for (i = 0; i < n; i++) {
		if (!sb_add(r, "-", 1) ||
		    !sb_udec(r, le32(p + 8 + 4 * i), false))
			return (false);
	}
	return (true);
}

/* The size of one element of a fixed-size type; 0 for the others. */
static size_t
vt_size(unsigned t)
{
	switch (t) {
	case VT_INT8:
	case VT_UINT8:
		return (1);
	case VT_INT16:
	case VT_UINT16:
		return (2);
	case VT_INT32:
	case VT_UINT32:
	case VT_REAL32:
	case VT_BOOL:
	case VT_HEX32:
		return (4);
	case VT_INT64:
	case VT_UINT64:
	case VT_REAL64:
	case VT_FILETIME:
	case VT_HEX64:
		return (8);
	case VT_GUID:
	case VT_SYSTIME:
		return (16);
	default:
		return (0);
	}
}

/* One value of fixed-size type t at p (vt_size(t) bytes, or any for
 * size_t and bool) appended as text. */
static bool
sb_scalar(struct evtx_reader *r, unsigned t, const unsigned char *p, size_t n)
{
	union {
		uint32_t u;
		float f;
	} f32;
	union {
		uint64_t u;
		double d;
	} f64;

	switch (t) {
	case VT_INT8:
		return (sb_sdec(r, (int8_t)p[0]));
	case VT_UINT8:
		return (sb_udec(r, p[0], false));
	case VT_INT16:
		return (sb_sdec(r, (int16_t)le16(p)));
	case VT_UINT16:
		return (sb_udec(r, le16(p), false));
	case VT_INT32:
		return (sb_sdec(r, (int32_t)le32(p)));
	case VT_UINT32:
		return (sb_udec(r, le32(p), false));
	case VT_INT64:
		return (sb_sdec(r, (int64_t)le64(p)));
	case VT_UINT64:
		return (sb_udec(r, le64(p), false));
	case VT_REAL32:
		f32.u = le32(p);
		return (sb_printf(r, "%.9g", (double)f32.f));
	case VT_REAL64:
		f64.u = le64(p);
		return (sb_printf(r, "%.17g", f64.d));
	case VT_BOOL:
		while (n > 0 && p[n - 1] == 0)
			n--;
		return (sb_add(r, n > 0 ? "true" : "false", n > 0 ? 4 : 5));
	case VT_GUID:
		return (sb_guid(r, p));
	case VT_SIZET:
		return (
		    n == 4 ? sb_hex(r, le32(p), 8) : sb_hex(r, le64(p), 16));
	case VT_FILETIME:
		return (sb_filetime(r, le64(p)));
	case VT_SYSTIME:
		return (sb_printf(r, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
		    le16(p), le16(p + 2), le16(p + 6), le16(p + 8),
		    le16(p + 10), le16(p + 12), le16(p + 14)));
	case VT_HEX32:
		return (sb_hex(r, le32(p), 8));
	case VT_HEX64:
		return (sb_hex(r, le64(p), 16));
	default:
		return (true);
	}
}

/*
 * Append value v as text.  Arrays are written element by element, joined
 * by ", ".  Returns WCS_OK, WCS_WARN (a size that does not fit the type)
 * or WCS_FATAL.
 */
static int
bx_render(struct bx *b, const struct bx_val *v)
{
	struct evtx_reader *r = b->r;
	const unsigned char *p = b->c + v->off;
	unsigned t = v->type & 0x7f;
	size_t n = v->size, es, i, j;
	static const char hex[] = "0123456789ABCDEF";
	bool ok = true;

	if (v->type & VT_ARRAY) {
		if (t == VT_STRING || t == VT_ANSI) {
			/* NUL-terminated strings back to back. */
			es = t == VT_STRING ? 2 : 1;
			for (i = 0, j = 0; ok && i + es <= n; i += es) {
				if (p[i] != 0 || (es == 2 && p[i + 1] != 0))
					continue;
				if (j > 0)
					ok = sb_add(r, ", ", 2);
				ok = ok &&
				     (es == 2 ? sb_utf16(r, p + j + j,
						    (i - j - j) / 2) :
						sb_add(r, (const char *)p + j,
						    i - j));
				j = i + es;
			}
			return (ok ? WCS_OK : bx_oom(b));
		}
		if ((es = vt_size(t)) == 0 || n % es != 0)
			return (bx_fail(b, v->off, "array of an unknown type"));
		for (i = 0; ok && i < n; i += es) {
			ok = (i == 0 || sb_add(r, ", ", 2)) &&
			     sb_scalar(r, t, p + i, es);
		}
		return (ok ? WCS_OK : bx_oom(b));
	}
	switch (t) {
	case VT_NULL:
	case VT_HANDLE:
	case VT_BINXML: /* only met where it cannot be text */
		return (WCS_OK);
	case VT_STRING:
	case VT_EVTXML:
		ok = sb_utf16(r, p, n / 2);
		break;
	case VT_ANSI:
		/* Up to a NUL; bytes above 0x7f as Latin-1. */
		for (i = 0; ok && i < n && p[i] != 0; i++) {
			char u[4];

			ok = sb_add(r, u, utf8_put(u, p[i]));
		}
		break;
	case VT_BINARY:
		if (!sb_reserve(r, 2 * n))
			return (bx_oom(b));
		for (i = 0; i < n; i++) {
			r->sb.p[r->sb.len++] = hex[p[i] >> 4];
			r->sb.p[r->sb.len++] = hex[p[i] & 0xf];
		}
		break;
	case VT_SID:
		ok = sb_sid(r, p, n);
		break;
	case VT_SIZET:
		if (n != 4 && n != 8)
			return (bx_fail(b, v->off, "size_t of a bad size"));
		ok = sb_scalar(r, t, p, n);
		break;
	case VT_BOOL:
		if (n == 0 || n > 8)
			return (bx_fail(b, v->off, "bool of a bad size"));
		ok = sb_scalar(r, t, p, n);
		break;
	default:
		if ((es = vt_size(t)) == 0)
			return (bx_fail(b, v->off, "value of an unknown type"));
		if (n != es)
			return (bx_fail(
			    b, v->off, "value size does not fit its type"));
		ok = sb_scalar(r, t, p, n);
		break;
	}
	return (ok ? WCS_OK : bx_oom(b));
}

static int bx_fragment(
    struct bx *b, uint32_t *pos, uint32_t end, const struct bx_vals *vals);
static int bx_element(
    struct bx *b, uint32_t *pos, uint32_t end, const struct bx_vals *vals);
static int bx_template(struct bx *b, uint32_t *pos, uint32_t end);

/* The substitution at *pos (token, id, type): its value, or NULL. */
static int
bx_subst(struct bx *b, uint32_t *pos, uint32_t end, const struct bx_vals *vals,
    const struct bx_val **out)
{
	uint16_t id;

	if (!bx_has(*pos, end, 4))
		return (bx_fail(b, *pos, "substitution past the end"));
	id = le16(b->c + *pos + 1);
	if (vals == NULL || id >= vals->n)
		return (bx_fail(b, *pos, "substitution without a value"));
	*pos += 4;
	*out = &vals->v[id];
	return (WCS_OK);
}

/* Whether v stands for nothing (an optional substitution is dropped). */
static bool
bx_null(const struct bx_val *v)
{
	return (v->type == VT_NULL || v->size == 0);
}

/*
 * Character data tokens (value text, CDATA, character and entity
 * references) at *pos: appended to the scratch buffer when render is
 * true, else stepped over.
 */
static int
bx_chardata(struct bx *b, uint32_t *pos, uint32_t end, bool render)
{
	static const char *const ents[][2] = { { "amp", "&" }, { "lt", "<" },
		{ "gt", ">" }, { "quot", "\"" }, { "apos", "'" } };
	struct evtx_reader *r = b->r;
	unsigned tok = b->c[*pos] & ~BX_MORE, skip;
	const char *name;
	uint32_t n, cp;
	char u[4];
	size_t i;
	int rc;

	switch (tok) {
	case BX_VALUE:
	case BX_CDATA:
		/* Value text has a type byte (always a string) first. */
		skip = tok == BX_VALUE ? 2 : 1;
		if (!bx_has(*pos, end, skip + 2))
			return (bx_fail(b, *pos, "text past the end"));
		n = le16(b->c + *pos + skip);
		if (!bx_has(*pos, end, skip + 2 + 2 * (uint64_t)n))
			return (bx_fail(b, *pos, "text runs past the end"));
		if (render && !sb_utf16(r, b->c + *pos + skip + 2, n))
			return (bx_oom(b));
		*pos += skip + 2 + 2 * n;
		return (WCS_OK);
	case BX_CHARREF:
		if (!bx_has(*pos, end, 3))
			return (bx_fail(
			    b, *pos, "character reference past the end"));
		cp = le16(b->c + *pos + 1);
		*pos += 3;
		if (cp >= 0xd800 && cp <= 0xdfff)
			cp = 0xfffd;
		if (render && !sb_add(r, u, utf8_put(u, cp)))
			return (bx_oom(b));
		return (WCS_OK);
	case BX_ENTITYREF:
		*pos += 1;
		if ((rc = bx_name(b, pos, end, &name)) != WCS_OK)
			return (rc);
		for (i = 0; render && i < WCS_NELEM(ents); i++) {
			if (strcmp(name, ents[i][0]) == 0 &&
			    !sb_add(r, ents[i][1], 1))
				return (bx_oom(b));
		}
		return (WCS_OK);
	default:
		return (bx_fail(b, *pos, "not character data"));
	}
}

static bool
bx_is_chardata(unsigned tok)
{
	tok &= ~BX_MORE;
	return (tok == BX_VALUE || tok == BX_CDATA || tok == BX_CHARREF ||
		tok == BX_ENTITYREF);
}

/*
 * An attribute's value: character data and substitutions up to the next
 * attribute or the end of the start tag.  *present is false when it was
 * only optional substitutions without a value (the attribute is dropped,
 * as evtxexport drops it).
 */
static int
bx_attr_value(struct bx *b, uint32_t *pos, uint32_t end,
    const struct bx_vals *vals, bool render, bool *present)
{
	const struct bx_val *v;
	unsigned tok;
	int rc;

	*present = false;
	while (*pos < end) {
		if (!bx_spend(b))
			return (
			    bx_fail(b, *pos, "too much work for one record"));
		tok = b->c[*pos];
		if (bx_is_chardata(tok)) {
			if ((rc = bx_chardata(b, pos, end, render)) != WCS_OK)
				return (rc);
			*present = true;
		} else if (tok == BX_NORMAL_SUB || tok == BX_OPTIONAL_SUB) {
			if ((rc = bx_subst(b, pos, end, vals, &v)) != WCS_OK)
				return (rc);
			if (tok == BX_OPTIONAL_SUB && bx_null(v))
				continue;
			*present = true;
			if (render && v->type != VT_BINXML &&
			    (rc = bx_render(b, v)) != WCS_OK)
				return (rc);
		} else
			break;
	}
	return (WCS_OK);
}

/*
 * Line ends as an XML parser delivers them, so that values read here equal
 * those read from an export of the same log: in text "\r\n" and a lone
 * "\r" become "\n"; in an attribute value "\t", "\n" and "\r" become a
 * space ("\r\n" one space).  Works on r->sb from byte `from`.
 */
static void
sb_xml_eol(struct evtx_reader *r, size_t from, bool attr)
{
	char *p = r->sb.p, *o;
	size_t i;

	if (r->sb.len <= from ||
	    (memchr(p + from, '\r', r->sb.len - from) == NULL &&
		(!attr ||
		    (memchr(p + from, '\n', r->sb.len - from) == NULL &&
			memchr(p + from, '\t', r->sb.len - from) == NULL))))
		return;
	for (i = from, o = p + from; i < r->sb.len; i++) {
		if (p[i] == '\r' && i + 1 < r->sb.len && p[i + 1] == '\n')
			continue;
		if (p[i] == '\r' || (attr && (p[i] == '\n' || p[i] == '\t')))
			*o++ = attr ? ' ' : '\n';
		else
			*o++ = p[i];
	}
	r->sb.len = (size_t)(o - p);
}

/* The collector turned the record down (or ran out of memory). */
static int
bx_collector(struct bx *b, int rc, uint32_t at)
{
	if (rc == WCS_FATAL)
		return (bx_oom(b));
	return (
	    bx_fail(b, at, b->r->rec.why != NULL ? b->r->rec.why : "rejected"));
}

/* Hand the text in the scratch buffer to the collector. */
static int
bx_flush_text(struct bx *b)
{
	struct evtx_reader *r = b->r;
	int rc;

	if (r->sb.len == 0)
		return (WCS_OK);
	sb_xml_eol(r, 0, false);
	rc = wcs_evtx_text(&r->rec, r->sb.p, r->sb.len);
	r->sb.len = 0;
	return (rc == WCS_OK ? WCS_OK : bx_collector(b, rc, 0));
}

/* An element's content, after its start tag, up to its end tag. */
static int
bx_content(
    struct bx *b, uint32_t *pos, uint32_t end, const struct bx_vals *vals)
{
	struct evtx_reader *r = b->r;
	const struct bx_val *v;
	uint32_t vpos;
	unsigned tok;
	int rc;

	for (;;) {
		if (*pos >= end)
			return (bx_fail(b, *pos, "element not closed"));
		if (!bx_spend(b))
			return (
			    bx_fail(b, *pos, "too much work for one record"));
		tok = b->c[*pos];
		if (bx_is_chardata(tok)) {
			r->sb.len = 0;
			if ((rc = bx_chardata(b, pos, end,
				 wcs_evtx_wants_text(&r->rec))) != WCS_OK ||
			    (rc = bx_flush_text(b)) != WCS_OK)
				return (rc);
			continue;
		}
		switch (tok) {
		case BX_OPEN_START:
		case BX_OPEN_START | BX_MORE:
			if ((rc = bx_element(b, pos, end, vals)) != WCS_OK)
				return (rc);
			break;
		case BX_END_ELEMENT:
			*pos += 1;
			return (WCS_OK);
		case BX_NORMAL_SUB:
		case BX_OPTIONAL_SUB:
			if ((rc = bx_subst(b, pos, end, vals, &v)) != WCS_OK)
				return (rc);
			if (v->type == VT_BINXML) {
				vpos = v->off;
				if ((rc = bx_fragment(b, &vpos,
					 v->off + v->size, NULL)) != WCS_OK)
					return (rc);
			} else if (wcs_evtx_wants_text(&r->rec)) {
				r->sb.len = 0;
				if ((rc = bx_render(b, v)) != WCS_OK ||
				    (rc = bx_flush_text(b)) != WCS_OK)
					return (rc);
			}
			break;
		case BX_PI_TARGET:
			*pos += 1;
			if ((rc = bx_name(b, pos, end,
				 &(const char *){ NULL })) != WCS_OK)
				return (rc);
			break;
		case BX_PI_DATA:
			if (!bx_has(*pos, end, 3) ||
			    !bx_has(*pos, end,
				3 + 2 * (uint64_t)le16(b->c + *pos + 1)))
				return (
				    bx_fail(b, *pos, "PI data past the end"));
			*pos += 3 + 2 * (uint32_t)le16(b->c + *pos + 1);
			break;
		case BX_TEMPLATE:
			if ((rc = bx_template(b, pos, end)) != WCS_OK)
				return (rc);
			break;
		case BX_FRAGMENT:
			if (!bx_has(*pos, end, 4))
				return (bx_fail(
				    b, *pos, "fragment header past the end"));
			*pos += 4;
			break;
		case BX_EOF:
			return (bx_fail(
			    b, *pos, "end of stream inside an element"));
		default:
			return (
			    bx_fail(b, *pos, "unknown token in an element"));
		}
	}
}

/*
 * An element: token, dependency id (2, in templates), data size (4), name, an
 * attribute list size (4) when the token has 0x40, the attributes, then
 * "/>" or ">" content "</>".
 */
static int
bx_element(
    struct bx *b, uint32_t *pos, uint32_t end, const struct bx_vals *vals)
{
	struct evtx_reader *r = b->r;
	const char *atts[2 * BX_MAX_ATTRS + 1], *name, *aname;
	unsigned tok, natts = 0, hdr;
	bool want, present;
	int rc;

	if (++b->nest > BX_MAX_NEST)
		return (bx_fail(b, *pos, "nested too deep"));
	/*
	 * Elements of a template definition carry a dependency id (2 bytes)
	 * before the data size; those of a document written without
	 * templates (vals is NULL) do not.
	 */
	tok = b->c[*pos];
	hdr = vals != NULL ? 7 : 5;
	if (!bx_has(*pos, end, hdr))
		return (bx_fail(b, *pos, "element past the end"));
	*pos += hdr;
	if ((rc = bx_name(b, pos, end, &name)) != WCS_OK)
		return (rc);
	if (tok & BX_MORE) {
		if (!bx_has(*pos, end, 4))
			return (bx_fail(b, *pos, "element past the end"));
		*pos += 4;
	}
	want = wcs_evtx_wants_attrs(&r->rec);
	while (*pos < end && (b->c[*pos] & ~BX_MORE) == BX_ATTRIBUTE) {
		if (!bx_spend(b))
			return (
			    bx_fail(b, *pos, "too much work for one record"));
		*pos += 1;
		if ((rc = bx_name(b, pos, end, &aname)) != WCS_OK)
			return (rc);
		r->sb.len = 0;
		if ((rc = bx_attr_value(b, pos, end, vals, want, &present)) !=
		    WCS_OK)
			return (rc);
		if (!want || !present || natts == BX_MAX_ATTRS)
			continue;
		sb_xml_eol(r, 0, true);
		atts[2 * natts] = aname;
		if ((atts[2 * natts + 1] = wcs_pool_strndup(r->pool,
			 r->sb.len > 0 ? r->sb.p : "", r->sb.len)) == NULL)
			return (bx_oom(b));
		natts++;
	}
	atts[2 * natts] = NULL;
	if (*pos >= end)
		return (bx_fail(b, *pos, "start tag not closed"));
	tok = b->c[*pos];
	if (tok != BX_CLOSE_START && tok != BX_CLOSE_EMPTY)
		return (bx_fail(b, *pos, "start tag not closed"));
	*pos += 1;
	if ((rc = wcs_evtx_start(&r->rec, name, atts)) != WCS_OK)
		return (bx_collector(b, rc, *pos));
	if (tok == BX_CLOSE_START &&
	    (rc = bx_content(b, pos, end, vals)) != WCS_OK)
		return (rc);
	if ((rc = wcs_evtx_end(&r->rec)) != WCS_OK)
		return (bx_collector(b, rc, *pos));
	b->nest--;
	return (WCS_OK);
}

/*
 * A template instance: token, 1 unknown byte, template id (4), the
 * definition's offset (4); the definition (next offset 4, GUID 16, data
 * size 4, data) follows inline when the offset points right there.  Then
 * the values: their number (4), a descriptor per value (size 2, type 1,
 * 1 unused), the values back to back.
 */
static int
bx_template(struct bx *b, uint32_t *pos, uint32_t end)
{
	struct evtx_reader *r = b->r;
	struct bx_val *v;
	struct bx_vals vals;
	uint32_t def, size, body, n, i, d;
	uint64_t total = 0;
	int rc;

	if (!bx_has(*pos, end, 10))
		return (bx_fail(b, *pos, "template instance past the end"));
	def = le32(b->c + *pos + 6);
	*pos += 10;
	if (!bx_has(def, b->clen, 24) || def < EVTX_CHUNK_HEADER)
		return (
		    bx_fail(b, *pos - 4, "template offset outside the chunk"));
	size = le32(b->c + def + 20);
	body = def + 24;
	if (!bx_has(body, b->clen, size))
		return (bx_fail(b, def, "template runs past the chunk"));
	if (def == *pos) {
		if (!bx_has(body, end, size))
			return (
			    bx_fail(b, def, "template runs past its record"));
		*pos = body + size;
	}
	if (!bx_has(*pos, end, 4))
		return (bx_fail(b, *pos, "template values past the end"));
	n = le32(b->c + *pos);
	*pos += 4;
	if ((uint64_t)n * 4 > end - *pos)
		return (bx_fail(b, *pos - 4, "too many substitution values"));
	d = *pos;
	*pos += n * 4;
	if ((v = wcs_pool_alloc(r->pool, (n > 0 ? n : 1) * sizeof(*v))) == NULL)
		return (bx_oom(b));
	for (i = 0; i < n; i++) {
		v[i].size = le16(b->c + d + 4 * i);
		v[i].type = b->c[d + 4 * i + 2];
		v[i].off = *pos + (uint32_t)total;
		total += v[i].size;
	}
	if (total > end - *pos)
		return (
		    bx_fail(b, d, "substitution values overflow the record"));
	*pos += (uint32_t)total;
	vals.v = v;
	vals.n = n;
	if (++b->templates > BX_MAX_TEMPLATES)
		return (bx_fail(b, def, "templates nested too deep"));
	rc = bx_fragment(b, &body, def + 24 + size, &vals);
	b->templates--;
	return (rc);
}

/*
 * A fragment: a header (token, major, minor, flags) and then what it
 * holds (a template instance or an element), up to an end-of-stream
 * token or the end of the space it was given.
 */
static int
bx_fragment(
    struct bx *b, uint32_t *pos, uint32_t end, const struct bx_vals *vals)
{
	int rc;

	if (++b->nest > BX_MAX_NEST)
		return (bx_fail(b, *pos, "nested too deep"));
	while (*pos < end) {
		if (!bx_spend(b))
			return (
			    bx_fail(b, *pos, "too much work for one record"));
		switch (b->c[*pos]) {
		case BX_FRAGMENT:
			if (!bx_has(*pos, end, 4))
				return (bx_fail(
				    b, *pos, "fragment header past the end"));
			*pos += 4;
			break;
		case BX_TEMPLATE:
			if ((rc = bx_template(b, pos, end)) != WCS_OK)
				return (rc);
			break;
		case BX_OPEN_START:
		case BX_OPEN_START | BX_MORE:
			if ((rc = bx_element(b, pos, end, vals)) != WCS_OK)
				return (rc);
			break;
		case BX_EOF:
			*pos += 1;
			b->nest--;
			return (WCS_OK);
		default:
			return (bx_fail(b, *pos, "unexpected token"));
		}
	}
	b->nest--;
	return (WCS_OK);
}

/*
 * The reader.
 */

/*
 * The next size bytes of the input, in place when the window holds them
 * (r->held: consumed by block_done), else copied into r->own.  *got is
 * how many there were: fewer at the end of the input.
 */
static int
read_block(
    struct evtx_reader *r, size_t size, const unsigned char **p, size_t *got)
{
	const unsigned char *w;
	size_t avail, n;

	if (wcs_input_fill(r->in, size, &w, &avail) != WCS_OK)
		return (WCS_FAILED);
	if (avail >= size) {
		*p = w;
		*got = size;
		r->held = true;
		return (WCS_OK);
	}
	/* A window smaller than a chunk, or the end of the input. */
	*got = 0;
	while (avail > 0) {
		n = avail < size - *got ? avail : size - *got;
		memcpy(r->own + *got, w, n);
		wcs_input_consume(r->in, n);
		*got += n;
		if (*got == size)
			break;
		if (wcs_input_fill(r->in, size - *got, &w, &avail) != WCS_OK)
			return (WCS_FAILED);
	}
	*p = r->own;
	r->held = false;
	return (WCS_OK);
}

static void
block_done(struct evtx_reader *r, size_t len)
{
	if (r->held)
		wcs_input_consume(r->in, len);
	r->held = false;
}

static void
chunk_done(struct evtx_reader *r)
{
	if (r->c != NULL)
		block_done(r, r->clen);
	r->c = NULL;
	r->state = ST_CHUNK;
}

static int reject(struct evtx_reader *r, struct wcs_event *ev, uint64_t offset,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Count one rejected record at offset, for the reason given. */
static int
reject(struct evtx_reader *r, struct wcs_event *ev, uint64_t offset,
    const char *fmt, ...)
{
	char why[WCS_ERRBUF_SIZE];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ev->line = ++r->ordinal;
	ev->offset = offset;
	ev->log_state = r->log_state;
	wcs_set_error(r->ctx, WCS_EPARSE, "%s", why);
	return (WCS_WARN);
}

/* A chunk that cannot be read, counted as one rejected record. */
static int
reject_chunk(struct evtx_reader *r, struct wcs_event *ev, const char *why)
{
	uint64_t no = r->chunk_no, off = r->chunk_off;

	chunk_done(r);
	return (reject(r, ev, off,
	    "chunk %" PRIu64 " (offset %" PRIu64 "): %s, skipped", no, off,
	    why));
}

static int
read_header(struct evtx_reader *r, struct wcs_event *ev)
{
	const unsigned char *p;
	size_t got;
	bool crc_ok;
	int rc;

	if ((rc = read_block(r, EVTX_FILE_HEADER, &p, &got)) != WCS_OK)
		return (rc);
	if (got < 8 || memcmp(p, "ElfFile", 8) != 0) {
		block_done(r, got);
		wcs_set_error(r->ctx, WCS_EFORMAT,
		    "not an EVTX file (no \"ElfFile\" signature)");
		return (WCS_FAILED);
	}
	if (got < 128) {
		block_done(r, got);
		wcs_set_error(r->ctx, WCS_EPARSE,
		    "EVTX file header truncated (%zu bytes)", got);
		return (WCS_FAILED);
	}
	crc_ok = wcs_crc32(0, p, 120) == le32(p + 124);
	/* Said on every record: the driver keeps what any of them says. */
	if ((le32(p + 120) & 0x1) != 0)
		r->log_state |= WCS_LOG_DIRTY;
	if ((le32(p + 120) & 0x2) != 0)
		r->log_state |= WCS_LOG_WRAPPED;
	if (crc_ok)
		r->nchunks = le16(p + 42);
	block_done(r, got);
	r->state = ST_CHUNK;
	if (!crc_ok)
		return (reject(r, ev, 0,
		    "file header checksum mismatch: chunks read as found"));
	return (WCS_OK);
}

/*
 * Load the next chunk slot and check it.  Returns WCS_OK (state says
 * what comes next), WCS_WARN (the chunk counted as one rejected record)
 * or WCS_FAILED.
 */
static int
load_chunk(struct evtx_reader *r, struct wcs_event *ev)
{
	const unsigned char *p;
	uint32_t fso, crc;
	size_t got;
	bool named, header_ok;
	int rc;

	r->chunk_off = wcs_input_offset(r->in);
	if ((rc = read_block(r, EVTX_CHUNK, &p, &got)) != WCS_OK)
		return (rc);
	if (got == 0) {
		r->state = ST_END;
		return (WCS_OK);
	}
	r->c = p;
	r->clen = (uint32_t)got;
	r->chunk_no = r->slots++;
	/* Chunks fill their 64 KiB: a shorter one is the file cut off. */
	if (got < EVTX_CHUNK)
		r->log_state |= WCS_LOG_CUT;
	named = r->chunk_no < r->nchunks;
	if (r->nnames > 0) {
		memset(r->names, 0, sizeof(r->names));
		r->nnames = 0;
		wcs_pool_reset(r->cpool);
	}
	if (got < 8 || memcmp(p, "ElfChnk", 8) != 0) {
		/* Past the header's count: free space, unless a chunk. */
		if (!named) {
			chunk_done(r);
			return (WCS_OK);
		}
		return (reject_chunk(
		    r, ev, got < 8 ? "truncated" : "no chunk signature"));
	}
	if (got < EVTX_CHUNK_HEADER)
		return (reject_chunk(r, ev, "truncated in its header"));
	crc = wcs_crc32(wcs_crc32(0, p, 120), p + 128, EVTX_CHUNK_HEADER - 128);
	header_ok = crc == le32(p + 124);
	fso = le32(p + 48);
	r->end_trusted = fso >= EVTX_CHUNK_HEADER && fso <= got;
	if (header_ok && !r->end_trusted)
		return (reject_chunk(r, ev,
		    fso > EVTX_CHUNK || fso < EVTX_CHUNK_HEADER ?
			"free space offset out of range" :
			"truncated"));
	r->pos = EVTX_CHUNK_HEADER;
	/* A damaged header's free space offset, if unusable: all of it. */
	r->end = r->end_trusted ? fso : (uint32_t)got;
	r->state = ST_RECORDS;
	r->damaged =
	    !header_ok || wcs_crc32(0, p + EVTX_CHUNK_HEADER,
			      r->end - EVTX_CHUNK_HEADER) != le32(p + 52);
	if (!r->damaged)
		return (WCS_OK);
	return (reject(r, ev, r->chunk_off,
	    "chunk %" PRIu64 " (offset %" PRIu64 "): %s checksum mismatch, "
	    "its records read one by one",
	    r->chunk_no, r->chunk_off, header_ok ? "event records" : "header"));
}

/*
 * Whether a record starts at c[pos] and ends by end: its signature and a
 * size within bounds (*size); with whole, its size copy too.
 */
static bool
record_at(const unsigned char *c, uint32_t pos, uint32_t end, bool whole,
    uint32_t *size)
{
	if (end - pos < EVTX_RECORD_MIN || memcmp(c + pos, "**\0\0", 4) != 0)
		return (false);
	*size = le32(c + pos + 4);
	if (*size < EVTX_RECORD_MIN || *size > end - pos)
		return (false);
	return (!whole || le32(c + pos + *size - 4) == *size);
}

/*
 * In a damaged chunk, where no whole record sits at r->pos: go on at the
 * next whole record (r->end if none) and count the stretch passed over
 * as one rejected record, unless it is zeros at the end of a chunk whose
 * free space offset was not usable (free space, not damage).
 */
static int
resync(struct evtx_reader *r, struct wcs_event *ev)
{
	const unsigned char *c = r->c, *q;
	uint32_t from = r->pos, at, size;

	for (at = from + 1; at < r->end; at++) {
		if ((q = memchr(c + at, '*', r->end - at)) == NULL) {
			at = r->end;
			break;
		}
		at = (uint32_t)(q - c);
		if (record_at(c, at, r->end, true, &size))
			break;
	}
	r->pos = at < r->end ? at : r->end;
	if (r->pos == r->end && !r->end_trusted) {
		for (at = from; at < r->end && c[at] == 0; at++)
			;
		if (at == r->end)
			return (EVTX_NOTHING);
	}
	if (r->pos < r->end)
		return (reject(r, ev, r->chunk_off + from,
		    "chunk %" PRIu64 " (offset %" PRIu64 "): no whole record "
		    "at chunk offset %" PRIu32 ", read on at %" PRIu32,
		    r->chunk_no, r->chunk_off, from, r->pos));
	return (reject(r, ev, r->chunk_off + from,
	    "chunk %" PRIu64 " (offset %" PRIu64 "): no whole record at "
	    "chunk offset %" PRIu32 ", rest of the chunk skipped",
	    r->chunk_no, r->chunk_off, from));
}

/* One record at r->pos. */
static int
read_record(struct evtx_reader *r, struct wcs_event *ev)
{
	const unsigned char *c = r->c;
	uint32_t pos = r->pos, size, bpos;
	uint64_t id, off = r->chunk_off + pos;
	char why[WCS_ERRBUF_SIZE];
	struct bx b;
	int rc;

	if (r->damaged && !record_at(c, pos, r->end, true, &size))
		return (resync(r, ev));
	if (!record_at(c, pos, r->end, false, &size)) {
		/* The records area is not what its header says. */
		chunk_done(r);
		return (reject(r, ev, off,
		    "chunk %" PRIu64 " (offset %" PRIu64 "): no record at "
		    "chunk offset %" PRIu32 ", rest of the chunk skipped",
		    r->chunk_no, r->chunk_off, pos));
	}
	id = le64(c + pos + 8);
	r->pos += size;
	if (le32(c + pos + size - 4) != size)
		return (reject(r, ev, off,
		    "chunk %" PRIu64 " record %" PRIu64 ": size copy does "
		    "not match",
		    r->chunk_no, id));
	ev->line = ++r->ordinal;
	ev->offset = off;
	ev->log_state = r->log_state;
	wcs_evtx_rec_reset(&r->rec);
	r->fixed = 0;
	memset(&b, 0, sizeof(b));
	b.r = r;
	b.c = c;
	b.clen = r->clen;
	b.budget = BX_BUDGET;
	bpos = pos + EVTX_RECORD_HEADER;
	rc = bx_fragment(&b, &bpos, pos + size - 4, NULL);
	if (rc == WCS_FATAL)
		return (WCS_FATAL);
	if (rc != WCS_OK) {
		wcs_set_error(r->ctx, WCS_EPARSE,
		    "chunk %" PRIu64 " record %" PRIu64 ": bad Binary XML "
		    "at chunk offset %" PRIu32 ": %s",
		    r->chunk_no, id, b.why_at, b.why);
		return (WCS_WARN);
	}
	rc = wcs_evtx_map(&r->rec, ev);
	if (rc == WCS_OK || rc == WCS_SKIP)
		ev->repaired = r->fixed;
	if (rc == WCS_WARN) {
		(void)snprintf(
		    why, sizeof(why), "%s", wcs_error_string(r->ctx));
		wcs_set_error(r->ctx, WCS_EPARSE,
		    "chunk %" PRIu64 " record %" PRIu64 ": %s", r->chunk_no, id,
		    why);
	} else if ((rc == WCS_OK || rc == WCS_SKIP) &&
		   wcs_evtx_dropped_note(&r->rec, why, 200)) {
		(void)snprintf(r->note, sizeof(r->note),
		    "chunk %" PRIu64 " record %" PRIu64 ": %.200s", r->chunk_no,
		    id, why);
		r->note_offset = off;
	}
	return (rc);
}

static int
evtx_next(struct wcs_ctx *ctx, void *state, struct wcs_event *ev)
{
	struct evtx_reader *r = state;
	int rc;

	(void)ctx;
	if (r->note[0] != '\0') {
		rc = reject(r, ev, r->note_offset, "%s", r->note);
		r->note[0] = '\0';
		return (rc);
	}
	wcs_pool_reset(r->pool);
	for (;;) {
		switch (r->state) {
		case ST_HEADER:
			if ((rc = read_header(r, ev)) != WCS_OK)
				return (rc);
			break;
		case ST_CHUNK:
			if ((rc = load_chunk(r, ev)) != WCS_OK)
				return (rc);
			break;
		case ST_RECORDS:
			if (r->pos >= r->end) {
				chunk_done(r);
				break;
			}
			if ((rc = read_record(r, ev)) != EVTX_NOTHING)
				return (rc);
			break;
		case ST_END:
			r->state = ST_DONE;
			if (r->slots < r->nchunks) {
				r->log_state |= WCS_LOG_CUT;
				return (reject(r, ev, wcs_input_offset(r->in),
				    "file ends after %" PRIu64
				    " of the %" PRIu32
				    " chunks its header names",
				    r->slots, r->nchunks));
			}
			break;
		case ST_DONE:
		default:
			return (WCS_EOF);
		}
	}
}

static int
evtx_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *opts, void **state)
{
	struct evtx_reader *r;

	(void)opts;
	*state = NULL;
	if ((r = wcs_calloc(ctx, 1, sizeof(*r))) == NULL)
		return (WCS_FATAL);
	r->ctx = ctx;
	r->in = in;
	if ((r->own = wcs_malloc(ctx, EVTX_CHUNK)) == NULL)
		goto out_free_r;
	if ((r->pool = wcs_pool_new(ctx, POOL_BLOCK)) == NULL)
		goto out_free_own;
	if ((r->cpool = wcs_pool_new(ctx, POOL_BLOCK)) == NULL)
		goto out_free_pool;
	wcs_evtx_rec_init(&r->rec, ctx, r->pool);
	*state = r;
	return (WCS_OK);
out_free_pool:
	wcs_pool_free(r->pool);
out_free_own:
	wcs_free(ctx, r->own);
out_free_r:
	wcs_free(ctx, r);
	return (WCS_FATAL);
}

static void
evtx_close(void *state)
{
	struct evtx_reader *r = state;

	if (r == NULL)
		return;
	wcs_evtx_rec_fini(&r->rec);
	wcs_pool_free(r->cpool);
	wcs_pool_free(r->pool);
	wcs_free(r->ctx, r->sb.p);
	wcs_free(r->ctx, r->own);
	wcs_free(r->ctx, r);
}

/*
 * "ElfFile\0" is 64 bits; a header size of 128 and major version 3
 * (where the peek holds them) are 48 more.
 */
static int
evtx_bid(const unsigned char *p, size_t len, int best_bid)
{
	int bits;

	if (best_bid >= BID_MAX)
		return (-1);
	if (len < 8 || memcmp(p, "ElfFile", 8) != 0)
		return (0);
	bits = BID_MAGIC;
	if (len >= 40 && le32(p + 32) == 128 && le16(p + 38) == 3)
		bits += BID_HEADER;
	return (bits);
}

const struct wcs_reader_ops wcs_reader_evtx = {
	.name = "evtx",
	.description = "Windows binary event log (.evtx)",
	.kind = WCS_KIND_EVENTLOG,
	.flags = 0,
	.bid = evtx_bid,
	.open = evtx_open,
	.next = evtx_next,
	.close = evtx_close,
};
