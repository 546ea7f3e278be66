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
 * full: the log wraps or drops) goes with every record (ev->log_state),
 * and the run makes it a warning and a note; a lone UTF-16 surrogate in
 * a value read becomes U+FFFD, counted the same way (ev->repaired).
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

#include "wcscan/pool.h"
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

/*
 * CRC-32 (IEEE 802.3, as zlib's crc32), eight bytes a step ("slicing by
 * 8"): every chunk is checked whole, so this is most of the reading time
 * a byte at a time.  crc_table[0] is the classic byte-wise table, row k
 * the CRC of a byte followed by k zero bytes.
 */
/* clang-format off */
static const uint32_t crc_table[8][256] = {
	{
	    0x00000000, 0x77073096, 0xee0e612c, 0x990951ba,
	    0x076dc419, 0x706af48f, 0xe963a535, 0x9e6495a3,
	    0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
	    0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91,
	    0x1db71064, 0x6ab020f2, 0xf3b97148, 0x84be41de,
	    0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
	    0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec,
	    0x14015c4f, 0x63066cd9, 0xfa0f3d63, 0x8d080df5,
	    0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
	    0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b,
	    0x35b5a8fa, 0x42b2986c, 0xdbbbc9d6, 0xacbcf940,
	    0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
	    0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116,
	    0x21b4f4b5, 0x56b3c423, 0xcfba9599, 0xb8bda50f,
	    0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
	    0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d,
	    0x76dc4190, 0x01db7106, 0x98d220bc, 0xefd5102a,
	    0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
	    0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818,
	    0x7f6a0dbb, 0x086d3d2d, 0x91646c97, 0xe6635c01,
	    0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
	    0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457,
	    0x65b0d9c6, 0x12b7e950, 0x8bbeb8ea, 0xfcb9887c,
	    0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
	    0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2,
	    0x4adfa541, 0x3dd895d7, 0xa4d1c46d, 0xd3d6f4fb,
	    0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
	    0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9,
	    0x5005713c, 0x270241aa, 0xbe0b1010, 0xc90c2086,
	    0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
	    0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4,
	    0x59b33d17, 0x2eb40d81, 0xb7bd5c3b, 0xc0ba6cad,
	    0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
	    0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683,
	    0xe3630b12, 0x94643b84, 0x0d6d6a3e, 0x7a6a5aa8,
	    0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
	    0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe,
	    0xf762575d, 0x806567cb, 0x196c3671, 0x6e6b06e7,
	    0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
	    0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5,
	    0xd6d6a3e8, 0xa1d1937e, 0x38d8c2c4, 0x4fdff252,
	    0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
	    0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60,
	    0xdf60efc3, 0xa867df55, 0x316e8eef, 0x4669be79,
	    0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
	    0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f,
	    0xc5ba3bbe, 0xb2bd0b28, 0x2bb45a92, 0x5cb36a04,
	    0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
	    0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a,
	    0x9c0906a9, 0xeb0e363f, 0x72076785, 0x05005713,
	    0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
	    0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21,
	    0x86d3d2d4, 0xf1d4e242, 0x68ddb3f8, 0x1fda836e,
	    0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
	    0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c,
	    0x8f659eff, 0xf862ae69, 0x616bffd3, 0x166ccf45,
	    0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
	    0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db,
	    0xaed16a4a, 0xd9d65adc, 0x40df0b66, 0x37d83bf0,
	    0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
	    0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6,
	    0xbad03605, 0xcdd70693, 0x54de5729, 0x23d967bf,
	    0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
	    0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
	},
	{
	    0x00000000, 0x191b3141, 0x32366282, 0x2b2d53c3,
	    0x646cc504, 0x7d77f445, 0x565aa786, 0x4f4196c7,
	    0xc8d98a08, 0xd1c2bb49, 0xfaefe88a, 0xe3f4d9cb,
	    0xacb54f0c, 0xb5ae7e4d, 0x9e832d8e, 0x87981ccf,
	    0x4ac21251, 0x53d92310, 0x78f470d3, 0x61ef4192,
	    0x2eaed755, 0x37b5e614, 0x1c98b5d7, 0x05838496,
	    0x821b9859, 0x9b00a918, 0xb02dfadb, 0xa936cb9a,
	    0xe6775d5d, 0xff6c6c1c, 0xd4413fdf, 0xcd5a0e9e,
	    0x958424a2, 0x8c9f15e3, 0xa7b24620, 0xbea97761,
	    0xf1e8e1a6, 0xe8f3d0e7, 0xc3de8324, 0xdac5b265,
	    0x5d5daeaa, 0x44469feb, 0x6f6bcc28, 0x7670fd69,
	    0x39316bae, 0x202a5aef, 0x0b07092c, 0x121c386d,
	    0xdf4636f3, 0xc65d07b2, 0xed705471, 0xf46b6530,
	    0xbb2af3f7, 0xa231c2b6, 0x891c9175, 0x9007a034,
	    0x179fbcfb, 0x0e848dba, 0x25a9de79, 0x3cb2ef38,
	    0x73f379ff, 0x6ae848be, 0x41c51b7d, 0x58de2a3c,
	    0xf0794f05, 0xe9627e44, 0xc24f2d87, 0xdb541cc6,
	    0x94158a01, 0x8d0ebb40, 0xa623e883, 0xbf38d9c2,
	    0x38a0c50d, 0x21bbf44c, 0x0a96a78f, 0x138d96ce,
	    0x5ccc0009, 0x45d73148, 0x6efa628b, 0x77e153ca,
	    0xbabb5d54, 0xa3a06c15, 0x888d3fd6, 0x91960e97,
	    0xded79850, 0xc7cca911, 0xece1fad2, 0xf5facb93,
	    0x7262d75c, 0x6b79e61d, 0x4054b5de, 0x594f849f,
	    0x160e1258, 0x0f152319, 0x243870da, 0x3d23419b,
	    0x65fd6ba7, 0x7ce65ae6, 0x57cb0925, 0x4ed03864,
	    0x0191aea3, 0x188a9fe2, 0x33a7cc21, 0x2abcfd60,
	    0xad24e1af, 0xb43fd0ee, 0x9f12832d, 0x8609b26c,
	    0xc94824ab, 0xd05315ea, 0xfb7e4629, 0xe2657768,
	    0x2f3f79f6, 0x362448b7, 0x1d091b74, 0x04122a35,
	    0x4b53bcf2, 0x52488db3, 0x7965de70, 0x607eef31,
	    0xe7e6f3fe, 0xfefdc2bf, 0xd5d0917c, 0xcccba03d,
	    0x838a36fa, 0x9a9107bb, 0xb1bc5478, 0xa8a76539,
	    0x3b83984b, 0x2298a90a, 0x09b5fac9, 0x10aecb88,
	    0x5fef5d4f, 0x46f46c0e, 0x6dd93fcd, 0x74c20e8c,
	    0xf35a1243, 0xea412302, 0xc16c70c1, 0xd8774180,
	    0x9736d747, 0x8e2de606, 0xa500b5c5, 0xbc1b8484,
	    0x71418a1a, 0x685abb5b, 0x4377e898, 0x5a6cd9d9,
	    0x152d4f1e, 0x0c367e5f, 0x271b2d9c, 0x3e001cdd,
	    0xb9980012, 0xa0833153, 0x8bae6290, 0x92b553d1,
	    0xddf4c516, 0xc4eff457, 0xefc2a794, 0xf6d996d5,
	    0xae07bce9, 0xb71c8da8, 0x9c31de6b, 0x852aef2a,
	    0xca6b79ed, 0xd37048ac, 0xf85d1b6f, 0xe1462a2e,
	    0x66de36e1, 0x7fc507a0, 0x54e85463, 0x4df36522,
	    0x02b2f3e5, 0x1ba9c2a4, 0x30849167, 0x299fa026,
	    0xe4c5aeb8, 0xfdde9ff9, 0xd6f3cc3a, 0xcfe8fd7b,
	    0x80a96bbc, 0x99b25afd, 0xb29f093e, 0xab84387f,
	    0x2c1c24b0, 0x350715f1, 0x1e2a4632, 0x07317773,
	    0x4870e1b4, 0x516bd0f5, 0x7a468336, 0x635db277,
	    0xcbfad74e, 0xd2e1e60f, 0xf9ccb5cc, 0xe0d7848d,
	    0xaf96124a, 0xb68d230b, 0x9da070c8, 0x84bb4189,
	    0x03235d46, 0x1a386c07, 0x31153fc4, 0x280e0e85,
	    0x674f9842, 0x7e54a903, 0x5579fac0, 0x4c62cb81,
	    0x8138c51f, 0x9823f45e, 0xb30ea79d, 0xaa1596dc,
	    0xe554001b, 0xfc4f315a, 0xd7626299, 0xce7953d8,
	    0x49e14f17, 0x50fa7e56, 0x7bd72d95, 0x62cc1cd4,
	    0x2d8d8a13, 0x3496bb52, 0x1fbbe891, 0x06a0d9d0,
	    0x5e7ef3ec, 0x4765c2ad, 0x6c48916e, 0x7553a02f,
	    0x3a1236e8, 0x230907a9, 0x0824546a, 0x113f652b,
	    0x96a779e4, 0x8fbc48a5, 0xa4911b66, 0xbd8a2a27,
	    0xf2cbbce0, 0xebd08da1, 0xc0fdde62, 0xd9e6ef23,
	    0x14bce1bd, 0x0da7d0fc, 0x268a833f, 0x3f91b27e,
	    0x70d024b9, 0x69cb15f8, 0x42e6463b, 0x5bfd777a,
	    0xdc656bb5, 0xc57e5af4, 0xee530937, 0xf7483876,
	    0xb809aeb1, 0xa1129ff0, 0x8a3fcc33, 0x9324fd72,
	},
	{
	    0x00000000, 0x01c26a37, 0x0384d46e, 0x0246be59,
	    0x0709a8dc, 0x06cbc2eb, 0x048d7cb2, 0x054f1685,
	    0x0e1351b8, 0x0fd13b8f, 0x0d9785d6, 0x0c55efe1,
	    0x091af964, 0x08d89353, 0x0a9e2d0a, 0x0b5c473d,
	    0x1c26a370, 0x1de4c947, 0x1fa2771e, 0x1e601d29,
	    0x1b2f0bac, 0x1aed619b, 0x18abdfc2, 0x1969b5f5,
	    0x1235f2c8, 0x13f798ff, 0x11b126a6, 0x10734c91,
	    0x153c5a14, 0x14fe3023, 0x16b88e7a, 0x177ae44d,
	    0x384d46e0, 0x398f2cd7, 0x3bc9928e, 0x3a0bf8b9,
	    0x3f44ee3c, 0x3e86840b, 0x3cc03a52, 0x3d025065,
	    0x365e1758, 0x379c7d6f, 0x35dac336, 0x3418a901,
	    0x3157bf84, 0x3095d5b3, 0x32d36bea, 0x331101dd,
	    0x246be590, 0x25a98fa7, 0x27ef31fe, 0x262d5bc9,
	    0x23624d4c, 0x22a0277b, 0x20e69922, 0x2124f315,
	    0x2a78b428, 0x2bbade1f, 0x29fc6046, 0x283e0a71,
	    0x2d711cf4, 0x2cb376c3, 0x2ef5c89a, 0x2f37a2ad,
	    0x709a8dc0, 0x7158e7f7, 0x731e59ae, 0x72dc3399,
	    0x7793251c, 0x76514f2b, 0x7417f172, 0x75d59b45,
	    0x7e89dc78, 0x7f4bb64f, 0x7d0d0816, 0x7ccf6221,
	    0x798074a4, 0x78421e93, 0x7a04a0ca, 0x7bc6cafd,
	    0x6cbc2eb0, 0x6d7e4487, 0x6f38fade, 0x6efa90e9,
	    0x6bb5866c, 0x6a77ec5b, 0x68315202, 0x69f33835,
	    0x62af7f08, 0x636d153f, 0x612bab66, 0x60e9c151,
	    0x65a6d7d4, 0x6464bde3, 0x662203ba, 0x67e0698d,
	    0x48d7cb20, 0x4915a117, 0x4b531f4e, 0x4a917579,
	    0x4fde63fc, 0x4e1c09cb, 0x4c5ab792, 0x4d98dda5,
	    0x46c49a98, 0x4706f0af, 0x45404ef6, 0x448224c1,
	    0x41cd3244, 0x400f5873, 0x4249e62a, 0x438b8c1d,
	    0x54f16850, 0x55330267, 0x5775bc3e, 0x56b7d609,
	    0x53f8c08c, 0x523aaabb, 0x507c14e2, 0x51be7ed5,
	    0x5ae239e8, 0x5b2053df, 0x5966ed86, 0x58a487b1,
	    0x5deb9134, 0x5c29fb03, 0x5e6f455a, 0x5fad2f6d,
	    0xe1351b80, 0xe0f771b7, 0xe2b1cfee, 0xe373a5d9,
	    0xe63cb35c, 0xe7fed96b, 0xe5b86732, 0xe47a0d05,
	    0xef264a38, 0xeee4200f, 0xeca29e56, 0xed60f461,
	    0xe82fe2e4, 0xe9ed88d3, 0xebab368a, 0xea695cbd,
	    0xfd13b8f0, 0xfcd1d2c7, 0xfe976c9e, 0xff5506a9,
	    0xfa1a102c, 0xfbd87a1b, 0xf99ec442, 0xf85cae75,
	    0xf300e948, 0xf2c2837f, 0xf0843d26, 0xf1465711,
	    0xf4094194, 0xf5cb2ba3, 0xf78d95fa, 0xf64fffcd,
	    0xd9785d60, 0xd8ba3757, 0xdafc890e, 0xdb3ee339,
	    0xde71f5bc, 0xdfb39f8b, 0xddf521d2, 0xdc374be5,
	    0xd76b0cd8, 0xd6a966ef, 0xd4efd8b6, 0xd52db281,
	    0xd062a404, 0xd1a0ce33, 0xd3e6706a, 0xd2241a5d,
	    0xc55efe10, 0xc49c9427, 0xc6da2a7e, 0xc7184049,
	    0xc25756cc, 0xc3953cfb, 0xc1d382a2, 0xc011e895,
	    0xcb4dafa8, 0xca8fc59f, 0xc8c97bc6, 0xc90b11f1,
	    0xcc440774, 0xcd866d43, 0xcfc0d31a, 0xce02b92d,
	    0x91af9640, 0x906dfc77, 0x922b422e, 0x93e92819,
	    0x96a63e9c, 0x976454ab, 0x9522eaf2, 0x94e080c5,
	    0x9fbcc7f8, 0x9e7eadcf, 0x9c381396, 0x9dfa79a1,
	    0x98b56f24, 0x99770513, 0x9b31bb4a, 0x9af3d17d,
	    0x8d893530, 0x8c4b5f07, 0x8e0de15e, 0x8fcf8b69,
	    0x8a809dec, 0x8b42f7db, 0x89044982, 0x88c623b5,
	    0x839a6488, 0x82580ebf, 0x801eb0e6, 0x81dcdad1,
	    0x8493cc54, 0x8551a663, 0x8717183a, 0x86d5720d,
	    0xa9e2d0a0, 0xa820ba97, 0xaa6604ce, 0xaba46ef9,
	    0xaeeb787c, 0xaf29124b, 0xad6fac12, 0xacadc625,
	    0xa7f18118, 0xa633eb2f, 0xa4755576, 0xa5b73f41,
	    0xa0f829c4, 0xa13a43f3, 0xa37cfdaa, 0xa2be979d,
	    0xb5c473d0, 0xb40619e7, 0xb640a7be, 0xb782cd89,
	    0xb2cddb0c, 0xb30fb13b, 0xb1490f62, 0xb08b6555,
	    0xbbd72268, 0xba15485f, 0xb853f606, 0xb9919c31,
	    0xbcde8ab4, 0xbd1ce083, 0xbf5a5eda, 0xbe9834ed,
	},
	{
	    0x00000000, 0xb8bc6765, 0xaa09c88b, 0x12b5afee,
	    0x8f629757, 0x37def032, 0x256b5fdc, 0x9dd738b9,
	    0xc5b428ef, 0x7d084f8a, 0x6fbde064, 0xd7018701,
	    0x4ad6bfb8, 0xf26ad8dd, 0xe0df7733, 0x58631056,
	    0x5019579f, 0xe8a530fa, 0xfa109f14, 0x42acf871,
	    0xdf7bc0c8, 0x67c7a7ad, 0x75720843, 0xcdce6f26,
	    0x95ad7f70, 0x2d111815, 0x3fa4b7fb, 0x8718d09e,
	    0x1acfe827, 0xa2738f42, 0xb0c620ac, 0x087a47c9,
	    0xa032af3e, 0x188ec85b, 0x0a3b67b5, 0xb28700d0,
	    0x2f503869, 0x97ec5f0c, 0x8559f0e2, 0x3de59787,
	    0x658687d1, 0xdd3ae0b4, 0xcf8f4f5a, 0x7733283f,
	    0xeae41086, 0x525877e3, 0x40edd80d, 0xf851bf68,
	    0xf02bf8a1, 0x48979fc4, 0x5a22302a, 0xe29e574f,
	    0x7f496ff6, 0xc7f50893, 0xd540a77d, 0x6dfcc018,
	    0x359fd04e, 0x8d23b72b, 0x9f9618c5, 0x272a7fa0,
	    0xbafd4719, 0x0241207c, 0x10f48f92, 0xa848e8f7,
	    0x9b14583d, 0x23a83f58, 0x311d90b6, 0x89a1f7d3,
	    0x1476cf6a, 0xaccaa80f, 0xbe7f07e1, 0x06c36084,
	    0x5ea070d2, 0xe61c17b7, 0xf4a9b859, 0x4c15df3c,
	    0xd1c2e785, 0x697e80e0, 0x7bcb2f0e, 0xc377486b,
	    0xcb0d0fa2, 0x73b168c7, 0x6104c729, 0xd9b8a04c,
	    0x446f98f5, 0xfcd3ff90, 0xee66507e, 0x56da371b,
	    0x0eb9274d, 0xb6054028, 0xa4b0efc6, 0x1c0c88a3,
	    0x81dbb01a, 0x3967d77f, 0x2bd27891, 0x936e1ff4,
	    0x3b26f703, 0x839a9066, 0x912f3f88, 0x299358ed,
	    0xb4446054, 0x0cf80731, 0x1e4da8df, 0xa6f1cfba,
	    0xfe92dfec, 0x462eb889, 0x549b1767, 0xec277002,
	    0x71f048bb, 0xc94c2fde, 0xdbf98030, 0x6345e755,
	    0x6b3fa09c, 0xd383c7f9, 0xc1366817, 0x798a0f72,
	    0xe45d37cb, 0x5ce150ae, 0x4e54ff40, 0xf6e89825,
	    0xae8b8873, 0x1637ef16, 0x048240f8, 0xbc3e279d,
	    0x21e91f24, 0x99557841, 0x8be0d7af, 0x335cb0ca,
	    0xed59b63b, 0x55e5d15e, 0x47507eb0, 0xffec19d5,
	    0x623b216c, 0xda874609, 0xc832e9e7, 0x708e8e82,
	    0x28ed9ed4, 0x9051f9b1, 0x82e4565f, 0x3a58313a,
	    0xa78f0983, 0x1f336ee6, 0x0d86c108, 0xb53aa66d,
	    0xbd40e1a4, 0x05fc86c1, 0x1749292f, 0xaff54e4a,
	    0x322276f3, 0x8a9e1196, 0x982bbe78, 0x2097d91d,
	    0x78f4c94b, 0xc048ae2e, 0xd2fd01c0, 0x6a4166a5,
	    0xf7965e1c, 0x4f2a3979, 0x5d9f9697, 0xe523f1f2,
	    0x4d6b1905, 0xf5d77e60, 0xe762d18e, 0x5fdeb6eb,
	    0xc2098e52, 0x7ab5e937, 0x680046d9, 0xd0bc21bc,
	    0x88df31ea, 0x3063568f, 0x22d6f961, 0x9a6a9e04,
	    0x07bda6bd, 0xbf01c1d8, 0xadb46e36, 0x15080953,
	    0x1d724e9a, 0xa5ce29ff, 0xb77b8611, 0x0fc7e174,
	    0x9210d9cd, 0x2aacbea8, 0x38191146, 0x80a57623,
	    0xd8c66675, 0x607a0110, 0x72cfaefe, 0xca73c99b,
	    0x57a4f122, 0xef189647, 0xfdad39a9, 0x45115ecc,
	    0x764dee06, 0xcef18963, 0xdc44268d, 0x64f841e8,
	    0xf92f7951, 0x41931e34, 0x5326b1da, 0xeb9ad6bf,
	    0xb3f9c6e9, 0x0b45a18c, 0x19f00e62, 0xa14c6907,
	    0x3c9b51be, 0x842736db, 0x96929935, 0x2e2efe50,
	    0x2654b999, 0x9ee8defc, 0x8c5d7112, 0x34e11677,
	    0xa9362ece, 0x118a49ab, 0x033fe645, 0xbb838120,
	    0xe3e09176, 0x5b5cf613, 0x49e959fd, 0xf1553e98,
	    0x6c820621, 0xd43e6144, 0xc68bceaa, 0x7e37a9cf,
	    0xd67f4138, 0x6ec3265d, 0x7c7689b3, 0xc4caeed6,
	    0x591dd66f, 0xe1a1b10a, 0xf3141ee4, 0x4ba87981,
	    0x13cb69d7, 0xab770eb2, 0xb9c2a15c, 0x017ec639,
	    0x9ca9fe80, 0x241599e5, 0x36a0360b, 0x8e1c516e,
	    0x866616a7, 0x3eda71c2, 0x2c6fde2c, 0x94d3b949,
	    0x090481f0, 0xb1b8e695, 0xa30d497b, 0x1bb12e1e,
	    0x43d23e48, 0xfb6e592d, 0xe9dbf6c3, 0x516791a6,
	    0xccb0a91f, 0x740cce7a, 0x66b96194, 0xde0506f1,
	},
	{
	    0x00000000, 0x3d6029b0, 0x7ac05360, 0x47a07ad0,
	    0xf580a6c0, 0xc8e08f70, 0x8f40f5a0, 0xb220dc10,
	    0x30704bc1, 0x0d106271, 0x4ab018a1, 0x77d03111,
	    0xc5f0ed01, 0xf890c4b1, 0xbf30be61, 0x825097d1,
	    0x60e09782, 0x5d80be32, 0x1a20c4e2, 0x2740ed52,
	    0x95603142, 0xa80018f2, 0xefa06222, 0xd2c04b92,
	    0x5090dc43, 0x6df0f5f3, 0x2a508f23, 0x1730a693,
	    0xa5107a83, 0x98705333, 0xdfd029e3, 0xe2b00053,
	    0xc1c12f04, 0xfca106b4, 0xbb017c64, 0x866155d4,
	    0x344189c4, 0x0921a074, 0x4e81daa4, 0x73e1f314,
	    0xf1b164c5, 0xccd14d75, 0x8b7137a5, 0xb6111e15,
	    0x0431c205, 0x3951ebb5, 0x7ef19165, 0x4391b8d5,
	    0xa121b886, 0x9c419136, 0xdbe1ebe6, 0xe681c256,
	    0x54a11e46, 0x69c137f6, 0x2e614d26, 0x13016496,
	    0x9151f347, 0xac31daf7, 0xeb91a027, 0xd6f18997,
	    0x64d15587, 0x59b17c37, 0x1e1106e7, 0x23712f57,
	    0x58f35849, 0x659371f9, 0x22330b29, 0x1f532299,
	    0xad73fe89, 0x9013d739, 0xd7b3ade9, 0xead38459,
	    0x68831388, 0x55e33a38, 0x124340e8, 0x2f236958,
	    0x9d03b548, 0xa0639cf8, 0xe7c3e628, 0xdaa3cf98,
	    0x3813cfcb, 0x0573e67b, 0x42d39cab, 0x7fb3b51b,
	    0xcd93690b, 0xf0f340bb, 0xb7533a6b, 0x8a3313db,
	    0x0863840a, 0x3503adba, 0x72a3d76a, 0x4fc3feda,
	    0xfde322ca, 0xc0830b7a, 0x872371aa, 0xba43581a,
	    0x9932774d, 0xa4525efd, 0xe3f2242d, 0xde920d9d,
	    0x6cb2d18d, 0x51d2f83d, 0x167282ed, 0x2b12ab5d,
	    0xa9423c8c, 0x9422153c, 0xd3826fec, 0xeee2465c,
	    0x5cc29a4c, 0x61a2b3fc, 0x2602c92c, 0x1b62e09c,
	    0xf9d2e0cf, 0xc4b2c97f, 0x8312b3af, 0xbe729a1f,
	    0x0c52460f, 0x31326fbf, 0x7692156f, 0x4bf23cdf,
	    0xc9a2ab0e, 0xf4c282be, 0xb362f86e, 0x8e02d1de,
	    0x3c220dce, 0x0142247e, 0x46e25eae, 0x7b82771e,
	    0xb1e6b092, 0x8c869922, 0xcb26e3f2, 0xf646ca42,
	    0x44661652, 0x79063fe2, 0x3ea64532, 0x03c66c82,
	    0x8196fb53, 0xbcf6d2e3, 0xfb56a833, 0xc6368183,
	    0x74165d93, 0x49767423, 0x0ed60ef3, 0x33b62743,
	    0xd1062710, 0xec660ea0, 0xabc67470, 0x96a65dc0,
	    0x248681d0, 0x19e6a860, 0x5e46d2b0, 0x6326fb00,
	    0xe1766cd1, 0xdc164561, 0x9bb63fb1, 0xa6d61601,
	    0x14f6ca11, 0x2996e3a1, 0x6e369971, 0x5356b0c1,
	    0x70279f96, 0x4d47b626, 0x0ae7ccf6, 0x3787e546,
	    0x85a73956, 0xb8c710e6, 0xff676a36, 0xc2074386,
	    0x4057d457, 0x7d37fde7, 0x3a978737, 0x07f7ae87,
	    0xb5d77297, 0x88b75b27, 0xcf1721f7, 0xf2770847,
	    0x10c70814, 0x2da721a4, 0x6a075b74, 0x576772c4,
	    0xe547aed4, 0xd8278764, 0x9f87fdb4, 0xa2e7d404,
	    0x20b743d5, 0x1dd76a65, 0x5a7710b5, 0x67173905,
	    0xd537e515, 0xe857cca5, 0xaff7b675, 0x92979fc5,
	    0xe915e8db, 0xd475c16b, 0x93d5bbbb, 0xaeb5920b,
	    0x1c954e1b, 0x21f567ab, 0x66551d7b, 0x5b3534cb,
	    0xd965a31a, 0xe4058aaa, 0xa3a5f07a, 0x9ec5d9ca,
	    0x2ce505da, 0x11852c6a, 0x562556ba, 0x6b457f0a,
	    0x89f57f59, 0xb49556e9, 0xf3352c39, 0xce550589,
	    0x7c75d999, 0x4115f029, 0x06b58af9, 0x3bd5a349,
	    0xb9853498, 0x84e51d28, 0xc34567f8, 0xfe254e48,
	    0x4c059258, 0x7165bbe8, 0x36c5c138, 0x0ba5e888,
	    0x28d4c7df, 0x15b4ee6f, 0x521494bf, 0x6f74bd0f,
	    0xdd54611f, 0xe03448af, 0xa794327f, 0x9af41bcf,
	    0x18a48c1e, 0x25c4a5ae, 0x6264df7e, 0x5f04f6ce,
	    0xed242ade, 0xd044036e, 0x97e479be, 0xaa84500e,
	    0x4834505d, 0x755479ed, 0x32f4033d, 0x0f942a8d,
	    0xbdb4f69d, 0x80d4df2d, 0xc774a5fd, 0xfa148c4d,
	    0x78441b9c, 0x4524322c, 0x028448fc, 0x3fe4614c,
	    0x8dc4bd5c, 0xb0a494ec, 0xf704ee3c, 0xca64c78c,
	},
	{
	    0x00000000, 0xcb5cd3a5, 0x4dc8a10b, 0x869472ae,
	    0x9b914216, 0x50cd91b3, 0xd659e31d, 0x1d0530b8,
	    0xec53826d, 0x270f51c8, 0xa19b2366, 0x6ac7f0c3,
	    0x77c2c07b, 0xbc9e13de, 0x3a0a6170, 0xf156b2d5,
	    0x03d6029b, 0xc88ad13e, 0x4e1ea390, 0x85427035,
	    0x9847408d, 0x531b9328, 0xd58fe186, 0x1ed33223,
	    0xef8580f6, 0x24d95353, 0xa24d21fd, 0x6911f258,
	    0x7414c2e0, 0xbf481145, 0x39dc63eb, 0xf280b04e,
	    0x07ac0536, 0xccf0d693, 0x4a64a43d, 0x81387798,
	    0x9c3d4720, 0x57619485, 0xd1f5e62b, 0x1aa9358e,
	    0xebff875b, 0x20a354fe, 0xa6372650, 0x6d6bf5f5,
	    0x706ec54d, 0xbb3216e8, 0x3da66446, 0xf6fab7e3,
	    0x047a07ad, 0xcf26d408, 0x49b2a6a6, 0x82ee7503,
	    0x9feb45bb, 0x54b7961e, 0xd223e4b0, 0x197f3715,
	    0xe82985c0, 0x23755665, 0xa5e124cb, 0x6ebdf76e,
	    0x73b8c7d6, 0xb8e41473, 0x3e7066dd, 0xf52cb578,
	    0x0f580a6c, 0xc404d9c9, 0x4290ab67, 0x89cc78c2,
	    0x94c9487a, 0x5f959bdf, 0xd901e971, 0x125d3ad4,
	    0xe30b8801, 0x28575ba4, 0xaec3290a, 0x659ffaaf,
	    0x789aca17, 0xb3c619b2, 0x35526b1c, 0xfe0eb8b9,
	    0x0c8e08f7, 0xc7d2db52, 0x4146a9fc, 0x8a1a7a59,
	    0x971f4ae1, 0x5c439944, 0xdad7ebea, 0x118b384f,
	    0xe0dd8a9a, 0x2b81593f, 0xad152b91, 0x6649f834,
	    0x7b4cc88c, 0xb0101b29, 0x36846987, 0xfdd8ba22,
	    0x08f40f5a, 0xc3a8dcff, 0x453cae51, 0x8e607df4,
	    0x93654d4c, 0x58399ee9, 0xdeadec47, 0x15f13fe2,
	    0xe4a78d37, 0x2ffb5e92, 0xa96f2c3c, 0x6233ff99,
	    0x7f36cf21, 0xb46a1c84, 0x32fe6e2a, 0xf9a2bd8f,
	    0x0b220dc1, 0xc07ede64, 0x46eaacca, 0x8db67f6f,
	    0x90b34fd7, 0x5bef9c72, 0xdd7beedc, 0x16273d79,
	    0xe7718fac, 0x2c2d5c09, 0xaab92ea7, 0x61e5fd02,
	    0x7ce0cdba, 0xb7bc1e1f, 0x31286cb1, 0xfa74bf14,
	    0x1eb014d8, 0xd5ecc77d, 0x5378b5d3, 0x98246676,
	    0x852156ce, 0x4e7d856b, 0xc8e9f7c5, 0x03b52460,
	    0xf2e396b5, 0x39bf4510, 0xbf2b37be, 0x7477e41b,
	    0x6972d4a3, 0xa22e0706, 0x24ba75a8, 0xefe6a60d,
	    0x1d661643, 0xd63ac5e6, 0x50aeb748, 0x9bf264ed,
	    0x86f75455, 0x4dab87f0, 0xcb3ff55e, 0x006326fb,
	    0xf135942e, 0x3a69478b, 0xbcfd3525, 0x77a1e680,
	    0x6aa4d638, 0xa1f8059d, 0x276c7733, 0xec30a496,
	    0x191c11ee, 0xd240c24b, 0x54d4b0e5, 0x9f886340,
	    0x828d53f8, 0x49d1805d, 0xcf45f2f3, 0x04192156,
	    0xf54f9383, 0x3e134026, 0xb8873288, 0x73dbe12d,
	    0x6eded195, 0xa5820230, 0x2316709e, 0xe84aa33b,
	    0x1aca1375, 0xd196c0d0, 0x5702b27e, 0x9c5e61db,
	    0x815b5163, 0x4a0782c6, 0xcc93f068, 0x07cf23cd,
	    0xf6999118, 0x3dc542bd, 0xbb513013, 0x700de3b6,
	    0x6d08d30e, 0xa65400ab, 0x20c07205, 0xeb9ca1a0,
	    0x11e81eb4, 0xdab4cd11, 0x5c20bfbf, 0x977c6c1a,
	    0x8a795ca2, 0x41258f07, 0xc7b1fda9, 0x0ced2e0c,
	    0xfdbb9cd9, 0x36e74f7c, 0xb0733dd2, 0x7b2fee77,
	    0x662adecf, 0xad760d6a, 0x2be27fc4, 0xe0beac61,
	    0x123e1c2f, 0xd962cf8a, 0x5ff6bd24, 0x94aa6e81,
	    0x89af5e39, 0x42f38d9c, 0xc467ff32, 0x0f3b2c97,
	    0xfe6d9e42, 0x35314de7, 0xb3a53f49, 0x78f9ecec,
	    0x65fcdc54, 0xaea00ff1, 0x28347d5f, 0xe368aefa,
	    0x16441b82, 0xdd18c827, 0x5b8cba89, 0x90d0692c,
	    0x8dd55994, 0x46898a31, 0xc01df89f, 0x0b412b3a,
	    0xfa1799ef, 0x314b4a4a, 0xb7df38e4, 0x7c83eb41,
	    0x6186dbf9, 0xaada085c, 0x2c4e7af2, 0xe712a957,
	    0x15921919, 0xdececabc, 0x585ab812, 0x93066bb7,
	    0x8e035b0f, 0x455f88aa, 0xc3cbfa04, 0x089729a1,
	    0xf9c19b74, 0x329d48d1, 0xb4093a7f, 0x7f55e9da,
	    0x6250d962, 0xa90c0ac7, 0x2f987869, 0xe4c4abcc,
	},
	{
	    0x00000000, 0xa6770bb4, 0x979f1129, 0x31e81a9d,
	    0xf44f2413, 0x52382fa7, 0x63d0353a, 0xc5a73e8e,
	    0x33ef4e67, 0x959845d3, 0xa4705f4e, 0x020754fa,
	    0xc7a06a74, 0x61d761c0, 0x503f7b5d, 0xf64870e9,
	    0x67de9cce, 0xc1a9977a, 0xf0418de7, 0x56368653,
	    0x9391b8dd, 0x35e6b369, 0x040ea9f4, 0xa279a240,
	    0x5431d2a9, 0xf246d91d, 0xc3aec380, 0x65d9c834,
	    0xa07ef6ba, 0x0609fd0e, 0x37e1e793, 0x9196ec27,
	    0xcfbd399c, 0x69ca3228, 0x582228b5, 0xfe552301,
	    0x3bf21d8f, 0x9d85163b, 0xac6d0ca6, 0x0a1a0712,
	    0xfc5277fb, 0x5a257c4f, 0x6bcd66d2, 0xcdba6d66,
	    0x081d53e8, 0xae6a585c, 0x9f8242c1, 0x39f54975,
	    0xa863a552, 0x0e14aee6, 0x3ffcb47b, 0x998bbfcf,
	    0x5c2c8141, 0xfa5b8af5, 0xcbb39068, 0x6dc49bdc,
	    0x9b8ceb35, 0x3dfbe081, 0x0c13fa1c, 0xaa64f1a8,
	    0x6fc3cf26, 0xc9b4c492, 0xf85cde0f, 0x5e2bd5bb,
	    0x440b7579, 0xe27c7ecd, 0xd3946450, 0x75e36fe4,
	    0xb044516a, 0x16335ade, 0x27db4043, 0x81ac4bf7,
	    0x77e43b1e, 0xd19330aa, 0xe07b2a37, 0x460c2183,
	    0x83ab1f0d, 0x25dc14b9, 0x14340e24, 0xb2430590,
	    0x23d5e9b7, 0x85a2e203, 0xb44af89e, 0x123df32a,
	    0xd79acda4, 0x71edc610, 0x4005dc8d, 0xe672d739,
	    0x103aa7d0, 0xb64dac64, 0x87a5b6f9, 0x21d2bd4d,
	    0xe47583c3, 0x42028877, 0x73ea92ea, 0xd59d995e,
	    0x8bb64ce5, 0x2dc14751, 0x1c295dcc, 0xba5e5678,
	    0x7ff968f6, 0xd98e6342, 0xe86679df, 0x4e11726b,
	    0xb8590282, 0x1e2e0936, 0x2fc613ab, 0x89b1181f,
	    0x4c162691, 0xea612d25, 0xdb8937b8, 0x7dfe3c0c,
	    0xec68d02b, 0x4a1fdb9f, 0x7bf7c102, 0xdd80cab6,
	    0x1827f438, 0xbe50ff8c, 0x8fb8e511, 0x29cfeea5,
	    0xdf879e4c, 0x79f095f8, 0x48188f65, 0xee6f84d1,
	    0x2bc8ba5f, 0x8dbfb1eb, 0xbc57ab76, 0x1a20a0c2,
	    0x8816eaf2, 0x2e61e146, 0x1f89fbdb, 0xb9fef06f,
	    0x7c59cee1, 0xda2ec555, 0xebc6dfc8, 0x4db1d47c,
	    0xbbf9a495, 0x1d8eaf21, 0x2c66b5bc, 0x8a11be08,
	    0x4fb68086, 0xe9c18b32, 0xd82991af, 0x7e5e9a1b,
	    0xefc8763c, 0x49bf7d88, 0x78576715, 0xde206ca1,
	    0x1b87522f, 0xbdf0599b, 0x8c184306, 0x2a6f48b2,
	    0xdc27385b, 0x7a5033ef, 0x4bb82972, 0xedcf22c6,
	    0x28681c48, 0x8e1f17fc, 0xbff70d61, 0x198006d5,
	    0x47abd36e, 0xe1dcd8da, 0xd034c247, 0x7643c9f3,
	    0xb3e4f77d, 0x1593fcc9, 0x247be654, 0x820cede0,
	    0x74449d09, 0xd23396bd, 0xe3db8c20, 0x45ac8794,
	    0x800bb91a, 0x267cb2ae, 0x1794a833, 0xb1e3a387,
	    0x20754fa0, 0x86024414, 0xb7ea5e89, 0x119d553d,
	    0xd43a6bb3, 0x724d6007, 0x43a57a9a, 0xe5d2712e,
	    0x139a01c7, 0xb5ed0a73, 0x840510ee, 0x22721b5a,
	    0xe7d525d4, 0x41a22e60, 0x704a34fd, 0xd63d3f49,
	    0xcc1d9f8b, 0x6a6a943f, 0x5b828ea2, 0xfdf58516,
	    0x3852bb98, 0x9e25b02c, 0xafcdaab1, 0x09baa105,
	    0xfff2d1ec, 0x5985da58, 0x686dc0c5, 0xce1acb71,
	    0x0bbdf5ff, 0xadcafe4b, 0x9c22e4d6, 0x3a55ef62,
	    0xabc30345, 0x0db408f1, 0x3c5c126c, 0x9a2b19d8,
	    0x5f8c2756, 0xf9fb2ce2, 0xc813367f, 0x6e643dcb,
	    0x982c4d22, 0x3e5b4696, 0x0fb35c0b, 0xa9c457bf,
	    0x6c636931, 0xca146285, 0xfbfc7818, 0x5d8b73ac,
	    0x03a0a617, 0xa5d7ada3, 0x943fb73e, 0x3248bc8a,
	    0xf7ef8204, 0x519889b0, 0x6070932d, 0xc6079899,
	    0x304fe870, 0x9638e3c4, 0xa7d0f959, 0x01a7f2ed,
	    0xc400cc63, 0x6277c7d7, 0x539fdd4a, 0xf5e8d6fe,
	    0x647e3ad9, 0xc209316d, 0xf3e12bf0, 0x55962044,
	    0x90311eca, 0x3646157e, 0x07ae0fe3, 0xa1d90457,
	    0x579174be, 0xf1e67f0a, 0xc00e6597, 0x66796e23,
	    0xa3de50ad, 0x05a95b19, 0x34414184, 0x92364a30,
	},
	{
	    0x00000000, 0xccaa009e, 0x4225077d, 0x8e8f07e3,
	    0x844a0efa, 0x48e00e64, 0xc66f0987, 0x0ac50919,
	    0xd3e51bb5, 0x1f4f1b2b, 0x91c01cc8, 0x5d6a1c56,
	    0x57af154f, 0x9b0515d1, 0x158a1232, 0xd92012ac,
	    0x7cbb312b, 0xb01131b5, 0x3e9e3656, 0xf23436c8,
	    0xf8f13fd1, 0x345b3f4f, 0xbad438ac, 0x767e3832,
	    0xaf5e2a9e, 0x63f42a00, 0xed7b2de3, 0x21d12d7d,
	    0x2b142464, 0xe7be24fa, 0x69312319, 0xa59b2387,
	    0xf9766256, 0x35dc62c8, 0xbb53652b, 0x77f965b5,
	    0x7d3c6cac, 0xb1966c32, 0x3f196bd1, 0xf3b36b4f,
	    0x2a9379e3, 0xe639797d, 0x68b67e9e, 0xa41c7e00,
	    0xaed97719, 0x62737787, 0xecfc7064, 0x205670fa,
	    0x85cd537d, 0x496753e3, 0xc7e85400, 0x0b42549e,
	    0x01875d87, 0xcd2d5d19, 0x43a25afa, 0x8f085a64,
	    0x562848c8, 0x9a824856, 0x140d4fb5, 0xd8a74f2b,
	    0xd2624632, 0x1ec846ac, 0x9047414f, 0x5ced41d1,
	    0x299dc2ed, 0xe537c273, 0x6bb8c590, 0xa712c50e,
	    0xadd7cc17, 0x617dcc89, 0xeff2cb6a, 0x2358cbf4,
	    0xfa78d958, 0x36d2d9c6, 0xb85dde25, 0x74f7debb,
	    0x7e32d7a2, 0xb298d73c, 0x3c17d0df, 0xf0bdd041,
	    0x5526f3c6, 0x998cf358, 0x1703f4bb, 0xdba9f425,
	    0xd16cfd3c, 0x1dc6fda2, 0x9349fa41, 0x5fe3fadf,
	    0x86c3e873, 0x4a69e8ed, 0xc4e6ef0e, 0x084cef90,
	    0x0289e689, 0xce23e617, 0x40ace1f4, 0x8c06e16a,
	    0xd0eba0bb, 0x1c41a025, 0x92cea7c6, 0x5e64a758,
	    0x54a1ae41, 0x980baedf, 0x1684a93c, 0xda2ea9a2,
	    0x030ebb0e, 0xcfa4bb90, 0x412bbc73, 0x8d81bced,
	    0x8744b5f4, 0x4beeb56a, 0xc561b289, 0x09cbb217,
	    0xac509190, 0x60fa910e, 0xee7596ed, 0x22df9673,
	    0x281a9f6a, 0xe4b09ff4, 0x6a3f9817, 0xa6959889,
	    0x7fb58a25, 0xb31f8abb, 0x3d908d58, 0xf13a8dc6,
	    0xfbff84df, 0x37558441, 0xb9da83a2, 0x7570833c,
	    0x533b85da, 0x9f918544, 0x111e82a7, 0xddb48239,
	    0xd7718b20, 0x1bdb8bbe, 0x95548c5d, 0x59fe8cc3,
	    0x80de9e6f, 0x4c749ef1, 0xc2fb9912, 0x0e51998c,
	    0x04949095, 0xc83e900b, 0x46b197e8, 0x8a1b9776,
	    0x2f80b4f1, 0xe32ab46f, 0x6da5b38c, 0xa10fb312,
	    0xabcaba0b, 0x6760ba95, 0xe9efbd76, 0x2545bde8,
	    0xfc65af44, 0x30cfafda, 0xbe40a839, 0x72eaa8a7,
	    0x782fa1be, 0xb485a120, 0x3a0aa6c3, 0xf6a0a65d,
	    0xaa4de78c, 0x66e7e712, 0xe868e0f1, 0x24c2e06f,
	    0x2e07e976, 0xe2ade9e8, 0x6c22ee0b, 0xa088ee95,
	    0x79a8fc39, 0xb502fca7, 0x3b8dfb44, 0xf727fbda,
	    0xfde2f2c3, 0x3148f25d, 0xbfc7f5be, 0x736df520,
	    0xd6f6d6a7, 0x1a5cd639, 0x94d3d1da, 0x5879d144,
	    0x52bcd85d, 0x9e16d8c3, 0x1099df20, 0xdc33dfbe,
	    0x0513cd12, 0xc9b9cd8c, 0x4736ca6f, 0x8b9ccaf1,
	    0x8159c3e8, 0x4df3c376, 0xc37cc495, 0x0fd6c40b,
	    0x7aa64737, 0xb60c47a9, 0x3883404a, 0xf42940d4,
	    0xfeec49cd, 0x32464953, 0xbcc94eb0, 0x70634e2e,
	    0xa9435c82, 0x65e95c1c, 0xeb665bff, 0x27cc5b61,
	    0x2d095278, 0xe1a352e6, 0x6f2c5505, 0xa386559b,
	    0x061d761c, 0xcab77682, 0x44387161, 0x889271ff,
	    0x825778e6, 0x4efd7878, 0xc0727f9b, 0x0cd87f05,
	    0xd5f86da9, 0x19526d37, 0x97dd6ad4, 0x5b776a4a,
	    0x51b26353, 0x9d1863cd, 0x1397642e, 0xdf3d64b0,
	    0x83d02561, 0x4f7a25ff, 0xc1f5221c, 0x0d5f2282,
	    0x079a2b9b, 0xcb302b05, 0x45bf2ce6, 0x89152c78,
	    0x50353ed4, 0x9c9f3e4a, 0x121039a9, 0xdeba3937,
	    0xd47f302e, 0x18d530b0, 0x965a3753, 0x5af037cd,
	    0xff6b144a, 0x33c114d4, 0xbd4e1337, 0x71e413a9,
	    0x7b211ab0, 0xb78b1a2e, 0x39041dcd, 0xf5ae1d53,
	    0x2c8e0fff, 0xe0240f61, 0x6eab0882, 0xa201081c,
	    0xa8c40105, 0x646e019b, 0xeae10678, 0x264b06e6,
	},

};
/* clang-format on */

static uint32_t
crc32(const unsigned char *p, size_t len, uint32_t crc)
{
	uint32_t lo, hi;

	crc = ~crc;
	for (; len >= 8; len -= 8, p += 8) {
		lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
			       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
		     (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
		crc = crc_table[7][lo & 0xff] ^ crc_table[6][lo >> 8 & 0xff] ^
		      crc_table[5][lo >> 16 & 0xff] ^ crc_table[4][lo >> 24] ^
		      crc_table[3][hi & 0xff] ^ crc_table[2][hi >> 8 & 0xff] ^
		      crc_table[1][hi >> 16 & 0xff] ^ crc_table[0][hi >> 24];
	}
	while (len-- > 0)
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return (~crc);
}

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
 * counts a string's terminator in its size); a lone surrogate becomes
 * U+FFFD, counted in r->fixed (the record is read, the repair noted).
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
		if (u < 0x80) {
			*o++ = (char)u;
			continue;
		}
		if (u >= 0xd800 && u <= 0xdbff && i + 1 < n &&
		    (lo = le16(p + 2 * i + 2)) >= 0xdc00 && lo <= 0xdfff) {
			u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			i++;
		} else if (u >= 0xd800 && u <= 0xdfff) {
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

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void
civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, z = days + 719468;
	unsigned doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* A FILETIME as evtxexport writes it: ISO 8601, 100 ns, "Z". */
static bool
sb_filetime(struct evtx_reader *r, uint64_t ft)
{
	int64_t secs, y;
	unsigned m, d, sod;

	secs = (int64_t)(ft / 10000000) - 11644473600LL;
	sod = (unsigned)(((secs % 86400) + 86400) % 86400);
	civil((secs - (int64_t)sod) / 86400, &y, &m, &d);
	return ((y <= 9999 ? sb_dec_n(r, (uint64_t)y, 4) : sb_sdec(r, y)) &&
		sb_add(r, "-", 1) && sb_dec_n(r, m, 2) && sb_add(r, "-", 1) &&
		sb_dec_n(r, d, 2) && sb_add(r, "T", 1) &&
		sb_dec_n(r, sod / 3600, 2) && sb_add(r, ":", 1) &&
		sb_dec_n(r, sod / 60 % 60, 2) && sb_add(r, ":", 1) &&
		sb_dec_n(r, sod % 60, 2) && sb_add(r, ".", 1) &&
		sb_dec_n(r, ft % 10000000, 7) && sb_add(r, "00Z", 3));
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
	crc_ok = crc32(p, 120, 0) == le32(p + 124);
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
	crc = crc32(p + 128, EVTX_CHUNK_HEADER - 128, crc32(p, 120, 0));
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
	    !header_ok || crc32(p + EVTX_CHUNK_HEADER,
			      r->end - EVTX_CHUNK_HEADER, 0) != le32(p + 52);
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
			if (r->slots < r->nchunks)
				return (reject(r, ev, wcs_input_offset(r->in),
				    "file ends after %" PRIu64
				    " of the %" PRIu32
				    " chunks its header names",
				    r->slots, r->nchunks));
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

const struct wcs_reader_ops wcs_reader_evtx = { "evtx",
	"Windows binary event log (.evtx)", WCS_KIND_EVENTLOG, 0, evtx_bid,
	evtx_open, evtx_next, evtx_close };
