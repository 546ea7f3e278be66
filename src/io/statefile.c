/*
 * Engine state files: the container (see statefile.h for the layout).
 *
 * The writer holds the bodies in one buffer and the table beside it, and
 * lays the file out when asked for it: a state is bounded by hosts and
 * pairs, which the engine holds in memory already.  Bytes the caller
 * keeps anyway (a kept report) may be given by reference instead: they
 * are written from where they are, between the buffer's bytes before and
 * after them.  The reader takes the whole file into memory, bounded by
 * WCS_STATE_FILE_MAX however large the file claims or turns out to be,
 * or only the sections asked for, and checks everything the table says
 * before a section's loader sees a byte of it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wcscan/input.h"
#include "wcscan/output.h"
#include "wcscan/statefile.h"

#define HEADER_FIXED 26
#define PRODUCER_MAX 63
#define ENTRY_SIZE 32
#define TRAILER_SIZE 4

static const unsigned char magic[8] = { 0x89, 'W', 'C', 'S', '\r', '\n', 0x1a,
	'\n' };

struct section {
	uint32_t type, version, crc;
	uint64_t off, len; /* in the bodies buffer, or in the file */
	/* Writer: the bytes in the buffer (len less its references'), and
	 * its references, ref[ref0] on. */
	size_t blen;
	uint32_t ref0, nref;
	char name[WCS_STATE_NAME_MAX + 1];
	bool absent; /* not read (wcs_state_load_some) */
};

struct buf {
	unsigned char *p;
	size_t len, cap;
};

/* Bytes given by reference, written where the buffer was at. */
struct ref {
	const unsigned char *p;
	size_t n, at;
};

/* A run of bytes of the bodies as they are laid out. */
struct piece {
	const unsigned char *p;
	size_t n;
};
#define PIECES_MAX (2 * WCS_STATE_REFS_MAX + 1)

struct wcs_state_writer {
	struct wcs_ctx *ctx;
	struct buf body, out;
	struct section sec[WCS_STATE_SECTIONS_MAX];
	uint32_t nsec;
	struct ref ref[WCS_STATE_REFS_MAX];
	uint32_t nref;
	size_t reflen; /* the references' bytes */
	bool open; /* sec[nsec] is being written */
	bool oom;
};

struct wcs_state {
	struct wcs_ctx *ctx;
	char *name;
	unsigned char *data;
	size_t len;
	int fd; /* wcs_state_load_some's, while a section is absent */
	char producer[PRODUCER_MAX + 1];
	struct section sec[WCS_STATE_SECTIONS_MAX];
	uint32_t nsec;
};

static void
le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void
le64(unsigned char *p, uint64_t v)
{
	le32(p, (uint32_t)v);
	le32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t
rd32(const unsigned char *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24);
}

static uint64_t
rd64(const unsigned char *p)
{
	return ((uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32);
}

static bool
buf_reserve(struct wcs_ctx *ctx, struct buf *b, size_t n)
{
	unsigned char *np;
	size_t ncap;

	if (b->cap - b->len >= n)
		return (true);
	if (n > SIZE_MAX / 2 - b->len)
		return (false);
	ncap = b->cap == 0 ? 4096 : b->cap;
	while (ncap - b->len < n)
		ncap *= 2;
	if ((np = wcs_reallocarray(ctx, b->p, ncap, 1)) == NULL)
		return (false);
	b->p = np;
	b->cap = ncap;
	return (true);
}

/* Capacity ncap at least, at once (a hint's). */
static bool
buf_grow_to(struct wcs_ctx *ctx, struct buf *b, size_t ncap)
{
	unsigned char *np;

	if (ncap <= b->cap)
		return (true);
	if ((np = wcs_reallocarray(ctx, b->p, ncap, 1)) == NULL)
		return (false);
	b->p = np;
	b->cap = ncap;
	return (true);
}

static bool
printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return (false);
	}
	return (true);
}

struct wcs_state_writer *
wcs_state_writer_new(struct wcs_ctx *ctx)
{
	struct wcs_state_writer *w;

	if ((w = wcs_calloc(ctx, 1, sizeof(*w))) == NULL)
		return (NULL);
	w->ctx = ctx;
	return (w);
}

void
wcs_state_writer_free(struct wcs_state_writer *w)
{
	if (w == NULL)
		return;
	wcs_free(w->ctx, w->body.p);
	wcs_free(w->ctx, w->out.p);
	wcs_free(w->ctx, w);
}

void
wcs_state_writer_reserve(struct wcs_state_writer *w, size_t n)
{
	/* Past SIZE_MAX / 2 no buffer grows (buf_reserve): not a hint. */
	if (!w->oom && n <= SIZE_MAX / 2 - w->body.len)
		(void)buf_grow_to(w->ctx, &w->body, w->body.len + n);
}

/*
 * The bodies' bytes from buffer offset from to to, with the references
 * ref[r0] to ref[r0 + nr - 1] in their places: at most PIECES_MAX
 * pieces in pc, none empty; returns how many.
 */
static size_t
pieces(const struct wcs_state_writer *w, size_t from, size_t to, uint32_t r0,
    uint32_t nr, struct piece pc[PIECES_MAX])
{
	size_t k = 0, at = from;
	uint32_t i;

	for (i = r0; i < r0 + nr; i++) {
		if (w->ref[i].at > at)
			pc[k++] = (struct piece){ .p = w->body.p + at,
				.n = w->ref[i].at - at };
		at = w->ref[i].at;
		pc[k++] = (struct piece){ .p = w->ref[i].p, .n = w->ref[i].n };
	}
	if (to > at)
		pc[k++] = (struct piece){ .p = w->body.p + at, .n = to - at };
	return (k);
}

int
wcs_state_begin(struct wcs_state_writer *w, uint32_t type, const char *name,
    uint32_t version)
{
	struct section *s;
	size_t n = strlen(name);
	uint32_t i;

	if (w->open || w->nsec == WCS_STATE_SECTIONS_MAX || n == 0 ||
	    n > WCS_STATE_NAME_MAX || !printable(name, n)) {
		wcs_set_error(w->ctx, EINVAL, "state section %s: %s", name,
		    w->open ? "another section is open" :
			      "bad name or too many sections");
		return (WCS_FAILED);
	}
	for (i = 0; i < w->nsec; i++) {
		if (w->sec[i].type == type) {
			wcs_set_error(w->ctx, EINVAL,
			    "state section %s: written twice", name);
			return (WCS_FAILED);
		}
	}
	s = &w->sec[w->nsec];
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->version = version;
	s->off = w->body.len;
	s->ref0 = w->nref;
	memcpy(s->name, name, n);
	w->open = true;
	return (WCS_OK);
}

void
wcs_state_put_bytes(struct wcs_state_writer *w, const void *p, size_t n)
{
	if (w->oom || n == 0)
		return;
	if (!buf_reserve(w->ctx, &w->body, n)) {
		w->oom = true;
		return;
	}
	memcpy(w->body.p + w->body.len, p, n);
	w->body.len += n;
}

void
wcs_state_put_ref(struct wcs_state_writer *w, const void *p, size_t n)
{
	struct ref *r;

	if (w->oom || n == 0)
		return;
	if (!w->open || w->nref == WCS_STATE_REFS_MAX) {
		wcs_state_put_bytes(w, p, n);
		return;
	}
	/* The file's length must still be a size_t (lay_out). */
	if (n > SIZE_MAX / 2 - w->body.len - w->reflen) {
		w->oom = true;
		return;
	}
	r = &w->ref[w->nref++];
	r->p = p;
	r->n = n;
	r->at = w->body.len;
	w->reflen += n;
	w->sec[w->nsec].nref++;
}

void
wcs_state_put_u8(struct wcs_state_writer *w, uint8_t v)
{
	wcs_state_put_bytes(w, &v, 1);
}

void
wcs_state_put_u32(struct wcs_state_writer *w, uint32_t v)
{
	unsigned char b[4];

	le32(b, v);
	wcs_state_put_bytes(w, b, sizeof(b));
}

void
wcs_state_put_u64(struct wcs_state_writer *w, uint64_t v)
{
	unsigned char b[8];

	le64(b, v);
	wcs_state_put_bytes(w, b, sizeof(b));
}

void
wcs_state_put_i64(struct wcs_state_writer *w, int64_t v)
{
	wcs_state_put_u64(w, (uint64_t)v);
}

void
wcs_state_put_str(struct wcs_state_writer *w, const char *s)
{
	size_t n = s == NULL ? 0 : strlen(s);

	if (n > UINT32_MAX) {
		w->oom = true;
		return;
	}
	wcs_state_put_u32(w, (uint32_t)n);
	wcs_state_put_bytes(w, s, n);
}

int
wcs_state_end(struct wcs_state_writer *w)
{
	struct section *s = &w->sec[w->nsec];
	struct piece pc[PIECES_MAX];
	size_t k, n;
	uint32_t i;

	if (!w->open) {
		wcs_set_error(w->ctx, EINVAL, "no state section is open");
		return (WCS_FAILED);
	}
	if (w->oom) {
		wcs_set_error(w->ctx, ENOMEM, "state section %s: %s", s->name,
		    strerror(ENOMEM));
		return (WCS_FATAL);
	}
	s->blen = w->body.len - s->off;
	s->len = s->blen;
	/* An empty section is no piece: no buffer to point into. */
	s->crc = wcs_crc32(0, NULL, 0);
	n = pieces(w, (size_t)s->off, w->body.len, s->ref0, s->nref, pc);
	for (k = 0; k < n; k++)
		s->crc = wcs_crc32(s->crc, pc[k].p, pc[k].n);
	for (i = s->ref0; i < s->ref0 + s->nref; i++)
		s->len += w->ref[i].n;
	w->open = false;
	w->nsec++;
	return (WCS_OK);
}

/*
 * Lay out the header and the table in w->out, and the trailer in
 * trailer; false (said in ctx) when a section is open or out of memory.
 * The file is w->out, the bodies, then the trailer.
 */
static bool
lay_out(struct wcs_state_writer *w, unsigned char trailer[TRAILER_SIZE])
{
	static const char producer[] = "wcscan " WCSCAN_VERSION;
	size_t plen = sizeof(producer) - 1, head, total;
	unsigned char *p;
	uint32_t i;

	if (w->open || w->oom) {
		wcs_set_error(w->ctx, w->oom ? ENOMEM : EINVAL, "state: %s",
		    w->oom ? strerror(ENOMEM) : "a section is open");
		return (false);
	}
	head = HEADER_FIXED + plen + (size_t)w->nsec * ENTRY_SIZE;
	total = head + w->body.len + w->reflen + TRAILER_SIZE;
	w->out.len = 0;
	if (!buf_reserve(w->ctx, &w->out, head))
		return (false);
	p = w->out.p;
	memset(p, 0, head);
	memcpy(p, magic, sizeof(magic));
	le32(p + 8, WCS_STATE_FORMAT_VERSION);
	le32(p + 12, w->nsec);
	le64(p + 16, total);
	p[24] = (unsigned char)plen;
	p[25] = 0;
	memcpy(p + HEADER_FIXED, producer, plen);
	p += HEADER_FIXED + plen;
	for (i = 0; i < w->nsec; i++, p += ENTRY_SIZE) {
		le32(p, w->sec[i].type);
		le32(p + 4, w->sec[i].version);
		le64(p + 8, w->sec[i].len);
		le32(p + 16, w->sec[i].crc);
		memcpy(p + 20, w->sec[i].name, strlen(w->sec[i].name));
	}
	/* The header and the table; each body has its own. */
	le32(trailer, wcs_crc32(0, w->out.p, head));
	w->out.len = head;
	return (true);
}

const void *
wcs_state_writer_data(struct wcs_state_writer *w, size_t *len)
{
	unsigned char trailer[TRAILER_SIZE];
	struct piece pc[PIECES_MAX];
	size_t at, k, n;

	*len = 0;
	if (!lay_out(w, trailer))
		return (NULL);
	if (!buf_reserve(
		w->ctx, &w->out, w->body.len + w->reflen + TRAILER_SIZE))
		return (NULL);
	at = w->out.len;
	n = pieces(w, 0, w->body.len, 0, w->nref, pc);
	for (k = 0; k < n; k++) {
		memcpy(w->out.p + at, pc[k].p, pc[k].n);
		at += pc[k].n;
	}
	memcpy(w->out.p + at, trailer, TRAILER_SIZE);
	w->out.len = *len = at + TRAILER_SIZE;
	return (w->out.p);
}

int
wcs_state_writer_save(struct wcs_state_writer *w, const char *path)
{
	unsigned char trailer[TRAILER_SIZE];
	struct piece pc[PIECES_MAX];
	struct wcs_output *o;
	size_t k, n;
	FILE *fp;
	bool ok;
	int rc;

	/* Written piece by piece: the bodies are not copied again. */
	if (!lay_out(w, trailer))
		return (w->oom || w->ctx->errnum == ENOMEM ? WCS_FATAL :
							     WCS_FAILED);
	if ((rc = wcs_output_new(w->ctx, path, &o)) != WCS_OK)
		return (rc);
	fp = wcs_output_stream(o);
	errno = 0;
	n = pieces(w, 0, w->body.len, 0, w->nref, pc);
	ok = fwrite(w->out.p, 1, w->out.len, fp) == w->out.len;
	for (k = 0; ok && k < n; k++)
		ok = fwrite(pc[k].p, 1, pc[k].n, fp) == pc[k].n;
	if (!ok || fwrite(trailer, 1, TRAILER_SIZE, fp) != TRAILER_SIZE) {
		wcs_set_error(w->ctx, errno != 0 ? errno : EIO, "%s: %s", path,
		    strerror(errno != 0 ? errno : EIO));
		wcs_output_free(o);
		return (WCS_FAILED);
	}
	rc = wcs_output_commit(o);
	wcs_output_free(o);
	return (rc);
}

static int
corrupt(struct wcs_ctx *ctx, const char *name, const char *why)
{
	wcs_set_error(ctx, WCS_ECORRUPT, "%s: %s", name, why);
	return (WCS_FAILED);
}

/*
 * Check the header, the table and the trailer (their checksum); the
 * sections' offsets are set.  The header and the table must be in
 * st->data, the trailer at its end; the bodies need not be yet.
 */
static int
check_table(struct wcs_state *st)
{
	const unsigned char *p = st->data;
	size_t len = st->len, plen, pos;
	uint64_t flen, left;
	uint32_t version, i, j;
	struct section *s;
	char why[160];

	if (len < sizeof(magic) || memcmp(p, magic, sizeof(magic)) != 0)
		return (corrupt(st->ctx, st->name, "not a wcscan state file"));
	if (len < HEADER_FIXED + TRAILER_SIZE)
		return (corrupt(st->ctx, st->name,
		    "truncated state file (shorter than its header)"));
	version = rd32(p + 8);
	if (version != WCS_STATE_FORMAT_VERSION) {
		wcs_set_error(st->ctx, WCS_EFORMAT,
		    "%s: state file format version %u; this wcscan (%s) reads "
		    "version %u",
		    st->name, version, WCSCAN_VERSION,
		    WCS_STATE_FORMAT_VERSION);
		return (WCS_FAILED);
	}
	flen = rd64(p + 16);
	if (flen != len) {
		(void)snprintf(why, sizeof(why),
		    "%s state file: %zu bytes, its header says %llu",
		    flen > len ? "truncated" : "overlong", len,
		    (unsigned long long)flen);
		return (corrupt(st->ctx, st->name, why));
	}
	st->nsec = rd32(p + 12);
	plen = p[24];
	if (st->nsec > WCS_STATE_SECTIONS_MAX || plen > PRODUCER_MAX ||
	    (uint64_t)HEADER_FIXED + plen + (uint64_t)st->nsec * ENTRY_SIZE >
		len - TRAILER_SIZE)
		return (corrupt(st->ctx, st->name, "bad state file header"));
	if (wcs_crc32(
		0, p, HEADER_FIXED + plen + (size_t)st->nsec * ENTRY_SIZE) !=
	    rd32(p + len - TRAILER_SIZE))
		return (corrupt(st->ctx, st->name,
		    "state file checksum mismatch (corrupt)"));
	/* Even with a good checksum, the header is checked field by field. */
	if (p[25] != 0 || !printable((const char *)p + HEADER_FIXED, plen))
		return (corrupt(st->ctx, st->name, "bad state file header"));
	memcpy(st->producer, p + HEADER_FIXED, plen);
	st->producer[plen] = '\0';
	pos = HEADER_FIXED + plen + (size_t)st->nsec * ENTRY_SIZE;
	left = len - TRAILER_SIZE - pos;
	for (i = 0; i < st->nsec; i++) {
		const unsigned char *e =
		    p + HEADER_FIXED + plen + (size_t)i * ENTRY_SIZE;
		size_t n;

		s = &st->sec[i];
		s->type = rd32(e);
		s->version = rd32(e + 4);
		s->len = rd64(e + 8);
		s->crc = rd32(e + 16);
		for (n = 0; n < WCS_STATE_NAME_MAX && e[20 + n] != 0; n++)
			;
		if (n == 0 || !printable((const char *)e + 20, n))
			return (corrupt(
			    st->ctx, st->name, "bad state section name"));
		for (j = n; j < WCS_STATE_NAME_MAX; j++) {
			if (e[20 + j] != 0)
				return (corrupt(st->ctx, st->name,
				    "bad state section name"));
		}
		memcpy(s->name, e + 20, n);
		s->name[n] = '\0';
		for (j = 0; j < i; j++) {
			if (st->sec[j].type == s->type)
				return (corrupt(st->ctx, st->name,
				    "a state section appears twice"));
		}
		if (s->len > left) {
			(void)snprintf(why, sizeof(why),
			    "state section %s runs past the end of the file",
			    s->name);
			return (corrupt(st->ctx, st->name, why));
		}
		s->off = pos;
		pos += (size_t)s->len;
		left -= s->len;
	}
	if (left != 0)
		return (corrupt(
		    st->ctx, st->name, "bytes after the last state section"));
	return (WCS_OK);
}

/* Each body read against its checksum. */
static int
check_bodies(struct wcs_state *st)
{
	struct section *s;
	char why[160];
	uint32_t i;

	for (i = 0; i < st->nsec; i++) {
		s = &st->sec[i];
		if (s->absent ||
		    wcs_crc32(0, st->data + s->off, (size_t)s->len) == s->crc)
			continue;
		(void)snprintf(why, sizeof(why),
		    "state section %s: checksum mismatch (corrupt)", s->name);
		return (corrupt(st->ctx, st->name, why));
	}
	return (WCS_OK);
}

static int
check(struct wcs_state *st)
{
	int rc;

	if ((rc = check_table(st)) != WCS_OK)
		return (rc);
	return (check_bodies(st));
}

static int
state_new(struct wcs_ctx *ctx, const char *name, struct wcs_state **out)
{
	struct wcs_state *st;

	*out = NULL;
	if ((st = wcs_calloc(ctx, 1, sizeof(*st))) == NULL)
		return (WCS_FATAL);
	st->ctx = ctx;
	st->fd = -1;
	if ((st->name = wcs_strdup(ctx, name)) == NULL) {
		wcs_free(ctx, st);
		return (WCS_FATAL);
	}
	*out = st;
	return (WCS_OK);
}

static int
finish_load(struct wcs_state *st, struct wcs_state **out)
{
	int rc;

	if ((rc = check(st)) != WCS_OK) {
		wcs_state_free(st);
		return (rc);
	}
	*out = st;
	return (WCS_OK);
}

int
wcs_state_parse(struct wcs_ctx *ctx, const char *name, const void *buf,
    size_t len, struct wcs_state **out)
{
	struct wcs_state *st;
	int rc;

	if ((rc = state_new(ctx, name, &st)) != WCS_OK)
		return (rc);
	if (len > WCS_STATE_FILE_MAX) {
		wcs_state_free(st);
		return (corrupt(ctx, name, "state file too large"));
	}
	if ((st->data = wcs_malloc(ctx, len == 0 ? 1 : len)) == NULL) {
		wcs_state_free(st);
		return (WCS_FATAL);
	}
	if (len > 0)
		memcpy(st->data, buf, len);
	st->len = len;
	return (finish_load(st, out));
}

/*
 * A state named path, and the regular file at path open in *fd: WCS_OK,
 * or WCS_FAILED (said) with nothing left open, or WCS_FATAL.
 */
static int
open_state(struct wcs_ctx *ctx, const char *path, struct wcs_state **st,
    int *fd, struct stat *sb)
{
	int rc, err;

	if ((rc = state_new(ctx, path, st)) != WCS_OK)
		return (rc);
	if ((*fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)) <
	    0) {
		err = errno;
		wcs_set_error(ctx, err, "%s: %s", path, strerror(err));
		wcs_state_free(*st);
		*st = NULL;
		return (WCS_FAILED);
	}
	/* A device or a socket is not read (it may never end). */
	if (fstat(*fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
		wcs_set_error(ctx, EINVAL, "%s: not a regular file", path);
		(void)close(*fd);
		wcs_state_free(*st);
		*st = NULL;
		return (WCS_FAILED);
	}
	return (WCS_OK);
}

int
wcs_state_load(struct wcs_ctx *ctx, const char *path, struct wcs_state **out)
{
	struct wcs_state *st;
	struct buf b = { 0 };
	struct stat sb;
	ssize_t n;
	int fd, rc, err;

	if ((rc = open_state(ctx, path, &st, &fd, &sb)) != WCS_OK)
		return (rc);
	/* The size fstat gives is a hint (one read when it is right); the
	 * reads decide. */
	if ((uint64_t)sb.st_size < WCS_STATE_FILE_MAX &&
	    !buf_reserve(ctx, &b, (size_t)sb.st_size + 1)) {
		rc = WCS_FATAL;
		goto out_close;
	}
	for (;;) {
		if (!buf_reserve(ctx, &b, b.cap > b.len ? 1 : 65536)) {
			rc = WCS_FATAL;
			goto out_close;
		}
		n = read(fd, b.p + b.len, b.cap - b.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			wcs_set_error(ctx, err, "%s: %s", path, strerror(err));
			rc = WCS_FAILED;
			goto out_close;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		if (b.len > WCS_STATE_FILE_MAX) {
			rc = corrupt(ctx, path, "state file too large");
			goto out_close;
		}
	}
	(void)close(fd);
	st->data = b.p;
	st->len = b.len;
	return (finish_load(st, out));
out_close:
	(void)close(fd);
	wcs_free(ctx, b.p);
	wcs_state_free(st);
	return (rc);
}

/* n bytes at off, all of them; false with the reason in ctx. */
static bool
pread_all(struct wcs_state *st, int fd, void *buf, size_t n, uint64_t off)
{
	if (wcs_read_at(fd, off, buf, n))
		return (true);
	if (errno != 0)
		wcs_set_error(
		    st->ctx, errno, "%s: %s", st->name, strerror(errno));
	else
		(void)corrupt(st->ctx, st->name,
		    "truncated state file (shorter than it was)");
	return (false);
}

/*
 * Read and check the absent sections whose types are among types (or,
 * unless listed, not among them) from st->fd; the file is closed once
 * none is absent.  A section that fails stays absent.
 */
static int
read_sections(
    struct wcs_state *st, const uint32_t *types, size_t ntypes, bool listed)
{
	struct section *s;
	char why[160];
	bool left = false;
	size_t k;
	uint32_t i;

	for (i = 0; i < st->nsec; i++) {
		s = &st->sec[i];
		if (!s->absent)
			continue;
		for (k = 0; k < ntypes && types[k] != s->type; k++)
			;
		if ((k < ntypes) != listed) {
			left = true;
			continue;
		}
		/* Skipped by wcs_state_read_others, which closed it. */
		if (st->fd < 0)
			return (corrupt(st->ctx, st->name,
			    "state section read after the rest"));
		if (s->len > 0 && !pread_all(st, st->fd, st->data + s->off,
				      (size_t)s->len, s->off))
			return (WCS_FAILED);
		if (wcs_crc32(0, st->data + s->off, (size_t)s->len) != s->crc) {
			(void)snprintf(why, sizeof(why),
			    "state section %s: checksum mismatch (corrupt)",
			    s->name);
			return (corrupt(st->ctx, st->name, why));
		}
		s->absent = false;
	}
	if (!left && st->fd >= 0) {
		(void)close(st->fd);
		st->fd = -1;
	}
	return (WCS_OK);
}

int
wcs_state_load_some(struct wcs_ctx *ctx, const char *path,
    const uint32_t *types, size_t ntypes, struct wcs_state **out)
{
	struct wcs_state *st;
	struct stat sb;
	size_t head;
	uint32_t i;
	int fd, rc;

	*out = NULL;
	if ((rc = open_state(ctx, path, &st, &fd, &sb)) != WCS_OK)
		return (rc);
	st->fd = fd; /* closed with st, or once every section is read */
	if ((uint64_t)sb.st_size > WCS_STATE_FILE_MAX) {
		rc = corrupt(ctx, path, "state file too large");
		goto out;
	}
	/*
	 * As large as the file, but only the header, the table, the
	 * trailer and the bodies asked for are read: the pages of the
	 * others are never touched, unless read later (read_sections).
	 */
	st->len = (size_t)sb.st_size;
	if ((st->data = wcs_malloc(ctx, st->len == 0 ? 1 : st->len)) == NULL) {
		rc = WCS_FATAL;
		goto out;
	}
	/* The longest header and table there can be, or the file. */
	head = HEADER_FIXED + 255 + (size_t)WCS_STATE_SECTIONS_MAX * ENTRY_SIZE;
	if (head > st->len)
		head = st->len;
	if (!pread_all(st, st->fd, st->data, head, 0)) {
		rc = WCS_FAILED;
		goto out;
	}
	if (st->len >= TRAILER_SIZE &&
	    !pread_all(st, st->fd, st->data + st->len - TRAILER_SIZE,
		TRAILER_SIZE, st->len - TRAILER_SIZE)) {
		rc = WCS_FAILED;
		goto out;
	}
	if ((rc = check_table(st)) != WCS_OK)
		goto out;
	for (i = 0; i < st->nsec; i++)
		st->sec[i].absent = true;
	rc = read_sections(st, types, ntypes, true);
out:
	if (rc != WCS_OK) {
		wcs_state_free(st);
		return (rc);
	}
	*out = st;
	return (WCS_OK);
}

int
wcs_state_read_more(struct wcs_state *st, const uint32_t *types, size_t ntypes)
{
	return (read_sections(st, types, ntypes, true));
}

int
wcs_state_read_others(struct wcs_state *st, const uint32_t *skip, size_t nskip)
{
	int rc;

	/* The rest: the file is not needed after, whatever was skipped (a
	 * merge loads many states, one open at a time). */
	if ((rc = read_sections(st, skip, nskip, false)) == WCS_OK &&
	    st->fd >= 0) {
		(void)close(st->fd);
		st->fd = -1;
	}
	return (rc);
}

size_t
wcs_state_size(const struct wcs_state *st)
{
	return (st->len);
}

uint64_t
wcs_state_section_size(const struct wcs_state *st, uint32_t type)
{
	uint32_t i;

	for (i = 0; i < st->nsec; i++) {
		if (st->sec[i].type == type)
			return (st->sec[i].len);
	}
	return (0);
}

void
wcs_state_free(struct wcs_state *st)
{
	if (st == NULL)
		return;
	if (st->fd >= 0)
		(void)close(st->fd);
	wcs_free(st->ctx, st->data);
	wcs_free(st->ctx, st->name);
	wcs_free(st->ctx, st);
}

const char *
wcs_state_name(const struct wcs_state *st)
{
	return (st->name);
}

const char *
wcs_state_producer(const struct wcs_state *st)
{
	return (st->producer);
}

int
wcs_state_section(const struct wcs_state *st, uint32_t type,
    struct wcs_state_cursor *cur, uint32_t *version)
{
	uint32_t i;

	for (i = 0; i < st->nsec; i++) {
		if (st->sec[i].type != type || st->sec[i].absent)
			continue;
		cur->base = cur->p = st->data + st->sec[i].off;
		cur->end = cur->p + st->sec[i].len;
		cur->file = st->name;
		cur->section = st->sec[i].name;
		cur->bad = false;
		*version = st->sec[i].version;
		return (WCS_OK);
	}
	return (WCS_EOF);
}

const void *
wcs_state_get_bytes(struct wcs_state_cursor *c, size_t n)
{
	const unsigned char *p = c->p;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = true;
		return (NULL);
	}
	c->p += n;
	return (p);
}

uint8_t
wcs_state_get_u8(struct wcs_state_cursor *c)
{
	const unsigned char *p = wcs_state_get_bytes(c, 1);

	return (p == NULL ? 0 : p[0]);
}

uint32_t
wcs_state_get_u32(struct wcs_state_cursor *c)
{
	const unsigned char *p = wcs_state_get_bytes(c, 4);

	return (p == NULL ? 0 : rd32(p));
}

uint64_t
wcs_state_get_u64(struct wcs_state_cursor *c)
{
	const unsigned char *p = wcs_state_get_bytes(c, 8);

	return (p == NULL ? 0 : rd64(p));
}

int64_t
wcs_state_get_i64(struct wcs_state_cursor *c)
{
	uint64_t v = wcs_state_get_u64(c);
	int64_t s;

	memcpy(&s, &v, sizeof(s)); /* two's complement, no overflow */
	return (s);
}

uint32_t
wcs_state_get_count(struct wcs_state_cursor *c, uint32_t max, size_t min_size)
{
	uint32_t n = wcs_state_get_u32(c);

	if (c->bad || n > max ||
	    (min_size > 0 && n > (size_t)(c->end - c->p) / min_size)) {
		c->bad = true;
		return (0);
	}
	return (n);
}

bool
wcs_state_cursor_ok(const struct wcs_state_cursor *c)
{
	return (!c->bad);
}

bool
wcs_state_cursor_done(const struct wcs_state_cursor *c)
{
	return (!c->bad && c->p == c->end);
}

int
wcs_state_cursor_error(
    struct wcs_ctx *ctx, const struct wcs_state_cursor *c, const char *why)
{
	wcs_set_error(ctx, WCS_ECORRUPT, "%s: state section %s at byte %zu: %s",
	    c->file, c->section, (size_t)(c->p - c->base), why);
	return (WCS_FAILED);
}
