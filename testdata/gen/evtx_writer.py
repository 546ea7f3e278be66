#!/usr/bin/env python3
"""Windows event XML written as a binary event log (.evtx), issues 10 and 14.

Dependency-free.  Layout as libyal's "Windows XML Event Log (EVTX) format"
describes it:

  file header   4096 bytes: "ElfFile\\0", first and last chunk number, next
                record identifier, header size 128, version 3.1, block
                size 4096, number of chunks, flags (0: closed, not full),
                CRC32 of its first 120 bytes
  chunk         65536 bytes: "ElfChnk\\0", first and last record number and
                identifier, header size 128, offsets of the last record and
                of free space, CRC32 of the records [512, free space), flags,
                CRC32 of header bytes 0-119 and 128-511; 64 string buckets and
                32 template buckets; records from byte 512
  record        "\\x2a\\x2a\\0\\0", size, identifier, FILETIME written, Binary
                XML, size again

Every event is a template instance, as Windows writes them: the elements
and attribute names of a record are its template (defined inline the first
time a chunk meets that shape, referred to by offset after), each text and
attribute value a substitution: the System values Windows types (EventID,
Level, TimeCreated, EventRecordID, ...) with those types, the rest as
UTF-16LE strings; a Data element's Name is part of its template.
Templates rather than a bare element stream because readers disagree about
a bare one (libevtx expects a dependency identifier in every element,
others only in template definitions); inside a definition all agree.  Names are UTF-16LE name
strings, inline the first time in a chunk.  A record that does not fit in
what is left of a chunk starts the next one.

Record identifiers in the record header count the file's records from 1
(as a ForwardedEvents log numbers what it receives); each event keeps the
EventRecordID of its XML.  RenderingInfo (an export's addition) is dropped.

usage: evtx_writer.py IN.xml OUT.evtx   or   evtx_writer.py --tree DIR
       (or wcgen.py --evtx)
"""
import binascii
import calendar
import hashlib
import os
import re
import struct
import sys
import uuid
import xml.etree.ElementTree as ET

from siem_export import decode

CHUNK = 65536
CHUNK_HDR = 512
FILE_HDR = 4096
SLACK = 8  # bytes a chunk keeps free after its last record (see record())

# Binary XML tokens and value types.
T_EOF, T_OPEN, T_CLOSE_START, T_CLOSE_EMPTY, T_END = 0x00, 0x01, 0x02, 0x03, 0x04
T_VALUE, T_ATTR, T_TEMPLATE, T_SUBST, T_FRAGMENT = 0x05, 0x06, 0x0C, 0x0D, 0x0F
MORE = 0x40
VT_STRING, VT_UINT8, VT_UINT16, VT_UINT32, VT_UINT64 = 0x01, 0x04, 0x06, 0x08, 0x0A
VT_GUID, VT_FILETIME, VT_SID, VT_HEX64 = 0x0F, 0x11, 0x13, 0x15

# The System values Windows writes typed (the event schema's types), by
# element or element@attribute; readers such as evtxexport want EventID
# and Level as numbers.  A value whose text would not come back the same
# from its type stays a string.
TYPED = {
    "EventID": VT_UINT16, "EventID@Qualifiers": VT_UINT16, "Version": VT_UINT8,
    "Level": VT_UINT8, "Task": VT_UINT16, "Opcode": VT_UINT8, "Keywords": VT_HEX64,
    "TimeCreated@SystemTime": VT_FILETIME, "EventRecordID": VT_UINT64,
    "Execution@ProcessID": VT_UINT32, "Execution@ThreadID": VT_UINT32,
    "Security@UserID": VT_SID, "Provider@Guid": VT_GUID,
    "Correlation@ActivityID": VT_GUID, "Correlation@RelatedActivityID": VT_GUID,
}
UINT = {VT_UINT8: "<B", VT_UINT16: "<H", VT_UINT32: "<I", VT_UINT64: "<Q"}

RECORD = re.compile(r"<Event[\s>].*?</Event>", re.S)
NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"


def crc32(b):
    return binascii.crc32(b) & 0xFFFFFFFF


def u16s(s):
    return s.encode("utf-16-le", "surrogatepass")


def name_hash(s):
    h = 0
    for (c,) in struct.iter_unpack("<H", u16s(s)):
        h = (h * 65599 + c) & 0xFFFFFFFF
    return h & 0xFFFF


def filetime(stamp):
    """ISO 8601 UTC (SystemTime) to a FILETIME; 0 when it does not parse."""
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?", stamp or "")
    if not m:
        return 0
    secs = calendar.timegm(tuple(int(x) for x in m.groups()[:6]))
    frac = int(((m.group(7) or "") + "0000000")[:7])
    t = (secs + 11644473600) * 10000000 + frac
    return t if t > 0 else 0


def parse_records(text):
    """The <Event> elements of event XML text (wevtutil, Get-WinEvent, or
    evtxexport's indented form), each an ElementTree element."""
    out = []
    for m in RECORD.finditer(text):
        s = m.group(0)
        try:
            out.append(ET.fromstring(s))
        except ET.ParseError:
            try:
                out.append(ET.fromstring(re.sub(r"(?m)^\s*- ", "", s)))
            except ET.ParseError:
                pass
    return out


def local(tag):
    return tag.rsplit("}", 1)[-1]


def typed(key, v):
    """(type, bytes) of the value v of key (see TYPED)."""
    t = TYPED.get(key)
    try:
        if t in UINT and re.fullmatch(r"0|[1-9][0-9]*", v):
            return t, struct.pack(UINT[t], int(v))
        if t == VT_HEX64 and re.fullmatch(r"0x[0-9a-f]{16}", v):
            return t, struct.pack("<Q", int(v, 16))
        if t == VT_FILETIME and filetime(v):
            return t, struct.pack("<Q", filetime(v))
        if t == VT_GUID and re.fullmatch(r"\{[0-9a-fA-F-]{36}\}", v):
            return t, uuid.UUID(v).bytes_le
        if t == VT_SID and re.fullmatch(r"S-1-[0-9]+(-[0-9]+){0,15}", v):
            p = [int(x) for x in v.split("-")[2:]]
            if p[0] < 1 << 48 and all(x < 1 << 32 for x in p[1:]):
                return t, (bytes([1, len(p) - 1]) + p[0].to_bytes(6, "big")
                           + b"".join(struct.pack("<I", x) for x in p[1:]))
    except (struct.error, ValueError):
        pass
    return VT_STRING, u16s(v)


def shape(el, vals, parent_ns=""):
    """The template shape of el (names and where values go) as a nested
    tuple; the values, in substitution order, appended to vals."""
    atts = []
    ns = el.tag[1:].split("}", 1)[0] if el.tag.startswith("{") else ""
    if ns != parent_ns:
        # A default namespace is an attribute in Binary XML, where it
        # changes (the root, a UserData child), as Windows writes it.
        vals.append(typed("", ns))
        atts.append(("xmlns", vals[-1][0]))
    name = local(el.tag)
    for k, v in el.attrib.items():
        if name == "Data" and local(k) == "Name":
            # Part of the template, as an event's manifest gives it.
            atts.append((local(k), v))
            continue
        vals.append(typed(name + "@" + local(k), v))
        atts.append((local(k), vals[-1][0]))
    kids = [c for c in el if local(c.tag) != "RenderingInfo"]
    if kids:
        body = tuple(shape(c, vals, ns) for c in kids)
    elif el.text:
        vals.append(typed(name, el.text))
        body = vals[-1][0]
    else:
        body = None
    return (name, tuple(atts), body)


class Chunk:
    def __init__(self):
        self.buf = bytearray(CHUNK_HDR)
        self.names = {}  # name -> offset of its name string
        self.templates = {}  # shape -> offset of its definition
        self.strbuckets = [0] * 64
        self.tplbuckets = [0] * 32
        self.first = self.last = None
        self.last_off = 0

    def name(self, out, s):
        """A name reference at the chunk offset len(out) + base."""
        pos = self.base + len(out)
        off = self.names.get(s)
        if off is not None:
            out += struct.pack("<I", off)
            return
        off = pos + 4
        h = name_hash(s)
        out += struct.pack("<I", off)
        out += struct.pack("<IHH", self.strbuckets[h % 64], h, len(u16s(s)) // 2)
        out += u16s(s) + b"\0\0"
        self.names[s] = off
        self.strbuckets[h % 64] = off

    def element(self, out, sh, sub):
        tag, atts, body = sh
        start = len(out)
        out += bytes([T_OPEN | (MORE if atts else 0)]) + struct.pack("<H", 0xFFFF)
        size_at = len(out)
        out += b"\0\0\0\0"
        self.name(out, tag)
        if atts:
            alist_at = len(out)
            out += b"\0\0\0\0"
            for i, (a, t) in enumerate(atts):
                out += bytes([T_ATTR | (MORE if i + 1 < len(atts) else 0)])
                self.name(out, a)
                if isinstance(t, str):
                    out += bytes([T_VALUE, VT_STRING]) + struct.pack("<H", len(u16s(t)) // 2)
                    out += u16s(t)
                    continue
                out += bytes([T_SUBST]) + struct.pack("<HB", sub[0], t)
                sub[0] += 1
            struct.pack_into("<I", out, alist_at, len(out) - alist_at - 4)
        if body is None:
            out += bytes([T_CLOSE_EMPTY])
        else:
            out += bytes([T_CLOSE_START])
            if isinstance(body, int):
                out += bytes([T_SUBST]) + struct.pack("<HB", sub[0], body)
                sub[0] += 1
            else:
                for k in body:
                    self.element(out, k, sub)
            out += bytes([T_END])
        struct.pack_into("<I", out, size_at, len(out) - size_at - 4)
        return start

    def record(self, rid, ev):
        """The record for ev at the end of this chunk, or None when it does
        not fit."""
        vals = []
        sh = shape(ev, vals)
        rec_at = len(self.buf)
        self.base = rec_at + 24
        # Undone when the record does not fit.
        saved = (dict(self.names), list(self.strbuckets))
        out = bytearray()
        out += bytes([T_FRAGMENT, 1, 1, 0])
        tpl = self.templates.get(sh)
        new_tpl = None
        guid = hashlib.md5(repr(sh).encode()).digest()
        out += bytes([T_TEMPLATE, 1]) + guid[:4]
        if tpl is None:
            tpl = self.base + len(out) + 4
            out += struct.pack("<I", tpl)
            bucket = struct.unpack("<I", guid[:4])[0] % 32
            out += struct.pack("<I", self.tplbuckets[bucket]) + guid
            size_at = len(out)
            out += b"\0\0\0\0"
            out += bytes([T_FRAGMENT, 1, 1, 0])
            self.element(out, sh, [0])
            out += bytes([T_EOF])
            struct.pack_into("<I", out, size_at, len(out) - size_at - 4)
            new_tpl = (sh, tpl, bucket)
        else:
            out += struct.pack("<I", tpl)
        out += struct.pack("<I", len(vals))
        for t, e in vals:
            if len(e) > 0xFFFF:
                raise ValueError("record %d: a value of %d bytes" % (rid, len(e)))
            out += struct.pack("<HBB", len(e), t, 0)
        for _, e in vals:
            out += e
        out += bytes([T_EOF])
        size = 24 + len(out) + 4
        # A few bytes are left free at the end of a chunk: libevtx
        # (20181227) drops a chunk's last record when fewer than 4 follow
        # it (seen with 2 left).
        if rec_at + size > CHUNK - SLACK:
            if rec_at == CHUNK_HDR:
                raise ValueError("record %d: %d bytes, more than a chunk" % (rid, size))
            self.names, self.strbuckets = saved
            return None
        tc = ev.find("%sSystem/%sTimeCreated" % (NS, NS))
        if tc is None:
            tc = ev.find("System/TimeCreated")
        ft = filetime(tc.get("SystemTime") if tc is not None else None)
        self.buf += b"**\0\0" + struct.pack("<IQQ", size, rid, ft) + out
        self.buf += struct.pack("<I", size)
        if new_tpl:
            self.templates[new_tpl[0]] = new_tpl[1]
            self.tplbuckets[new_tpl[2]] = new_tpl[1]
        if self.first is None:
            self.first = rid
        self.last = rid
        self.last_off = rec_at
        return size

    def finish(self):
        free = len(self.buf)
        b = self.buf + bytes(CHUNK - free)
        first = self.first or 0
        last = self.last or 0
        struct.pack_into("<8sQQQQIII", b, 0, b"ElfChnk\0", first, last, first, last,
                         128, self.last_off, free)
        struct.pack_into("<I", b, 52, crc32(b[CHUNK_HDR:free]))
        struct.pack_into("<64I", b, 128, *self.strbuckets)
        struct.pack_into("<32I", b, 384, *self.tplbuckets)
        struct.pack_into("<I", b, 120, 0)
        struct.pack_into("<I", b, 124, crc32(bytes(b[:120]) + bytes(b[128:CHUNK_HDR])))
        return bytes(b)


def write_evtx(fp, events):
    """Write the <Event> elements as a .evtx to the binary file fp; the
    number of records written."""
    chunks = [Chunk()]
    rid = 0
    for ev in events:
        rid += 1
        if chunks[-1].record(rid, ev) is None:
            chunks.append(Chunk())
            chunks[-1].record(rid, ev)
    hdr = bytearray(FILE_HDR)
    struct.pack_into("<8sQQQIHHHH", hdr, 0, b"ElfFile\0", 0, len(chunks) - 1, rid + 1,
                     128, 1, 3, FILE_HDR, len(chunks))
    struct.pack_into("<I", hdr, 120, 0)
    struct.pack_into("<I", hdr, 124, crc32(bytes(hdr[:120])))
    fp.write(hdr)
    for c in chunks:
        fp.write(c.finish())
    return rid


def convert_file(src, dst):
    with open(src, "rb") as fp:
        evs = parse_records(decode(fp.read()))
    with open(dst, "wb") as fp:
        return write_evtx(fp, evs)


def convert_tree(root):
    """Replace every event XML file under root (*.xml, *.xml.gz) by a .evtx
    beside it; the files written."""
    written = []
    for dirpath, _, names in sorted(os.walk(root)):
        for n in sorted(names):
            m = re.search(r"\.xml(\.gz)?$", n)
            if not m:
                continue
            path = os.path.join(dirpath, n)
            with open(path, "rb") as fp:
                text = decode(fp.read())
            if "<Event" not in text[:4096]:
                continue
            dst = path[:len(path) - len(m.group(0))] + ".evtx"
            with open(dst, "wb") as fp:
                write_evtx(fp, parse_records(text))
            os.remove(path)
            written.append(dst)
    return written


def main(argv):
    if len(argv) == 3 and argv[1] == "--tree":
        w = convert_tree(argv[2])
        sys.stderr.write("evtx_writer: %d file(s) written\n" % len(w))
        return 0
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    n = convert_file(argv[1], argv[2])
    sys.stderr.write("evtx_writer: %s: %d record(s)\n" % (argv[2], n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
