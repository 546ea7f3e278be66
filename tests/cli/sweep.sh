#!/usr/bin/env bash
# Nightly incremental sweeps (--state, issue 15) over a generated
# outbreak's firewall and DNS logs, as they grow:
#  1. the first sweep reads 60% of each log; the rest is appended; the
#     second sweep reads only the new lines and its report is that of one
#     run over the whole logs (but for what it says is new);
#  2. a third sweep over the unchanged share reads nothing and reports the
#     same;
#  3. the firewall log rotated (renamed, gzipped) and a new one begun: the
#     rotated file is not read again, the records counted once;
#  4. a sweep killed while reading leaves the state as it was;
#  5. a sweep with nothing new writes the report kept with the state,
#     byte for byte the one concluding again gives, without reading the
#     engine's sections; asked otherwise, or with more to read, it
#     concludes;
#  6. a kept report its format's writer could not have written is not
#     written: the sweep concludes again;
#  7. after a sweep with --no-report, the next compares its verdicts
#     with the last report's;
#  8. a sweep with something new concludes without reading the report
#     kept (made corrupt, it goes unnoticed), and the state it saves
#     keeps the new report for the next sweep with nothing new;
#  9. the terminal's width is no part of a CSV or JSON report: a sweep
#     with nothing new at another width writes the one kept;
# 10. a sweep's state is read in steps, but states merged are read one
#     after the other: more of them than files may be open is no error;
# 11. a Windows DNS debug log appended is read on from the saved offset,
#     its reader told the date order the lines before proved (13/05 first:
#     5/6/2017 PM is 5 June, where a reader starting there would read 6
#     May): records counted once, the report one run's;
# 12. a Windows Firewall log likewise, with its #Fields line's columns;
# 13. the Windows DNS log rotated and gzipped: read on from its decoded
#     offset with the date order, counted once;
# 14. a dnsmasq log (its reader cannot go on from the middle) rotated and
#     gzipped: read again whole, the lines read before neither fed nor
#     counted again;
# 15. a sweep with --no-report that finds nothing new reads none of the
#     engine's sections and leaves the state as it was; with something
#     new it loads them (and so refuses them made corrupt).
# 16. a firewall log copied and truncated (logrotate's copytruncate)
#     after lines were appended, the copy gzipped: the copy is read on
#     from the saved offset in its inflated stream, far past the first
#     buffers, at -j 1 and -j 2 (inflated on a thread of its own); every
#     line counted once, none rejected.
#
# usage: sweep.sh WCSCAN SRCDIR
set -uo pipefail
wcscan=$1 src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/wcscan-sweep.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0

fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}

# The JSON report without the block that says what is new, nor the
# inputs' notes on how each was read this time.
strip() {
	python3 - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
r.pop("since_last_sweep", None)
for i in r["inputs"]:
    i.pop("notes", None)
print(json.dumps(r, indent=1, sort_keys=True))
EOF
}

python3 "$src/testdata/gen/wcgen.py" --seed 611 --collection network-only \
	--hosts 40 --out "$work/gen" >/dev/null 2>"$work/gen.err" ||
	{ cat "$work/gen.err"; exit 2; }
year=$(sed -n 's/^ "year": \([0-9]*\),$/\1/p' "$work/gen/truth.json")
args=(-q --year "${year:-2017}" -f json)
mkdir -p "$work/whole" "$work/share"
for f in $(cd "$work/gen" && find fw dns -type f); do
	mkdir -p "$work/whole/$(dirname "$f")" "$work/share/$(dirname "$f")"
	zcat -f "$work/gen/$f" >"$work/whole/$f"
	n=$(wc -l <"$work/whole/$f")
	head -n $((n * 6 / 10)) "$work/whole/$f" >"$work/share/$f"
done
(cd "$work/whole" && "$wcscan" "${args[@]}" -o ../one.json fw dns)

# 1. Appended.
(cd "$work/share" && "$wcscan" "${args[@]}" --state ../state \
	-o ../s1.json fw dns)
[ -f "$work/state" ] || fail "the first sweep left no state"
for f in $(cd "$work/whole" && find fw dns -type f); do
	n=$(wc -l <"$work/share/$f")
	tail -n +$((n + 1)) "$work/whole/$f" >>"$work/share/$f"
done
(cd "$work/share" && "$wcscan" "${args[@]}" --state ../state \
	-o ../s2.json fw dns)
if [ "$(strip "$work/one.json")" = "$(strip "$work/s2.json")" ]; then
	echo "ok   appended lines read once: the report of one run"
else
	fail "after appending, the sweep differs from one run:"
	diff <(strip "$work/one.json") <(strip "$work/s2.json") | head -10
fi
python3 - "$work/s2.json" <<'EOF' || fail "the second sweep's news are wrong"
import json, sys
n = json.load(open(sys.argv[1]))["since_last_sweep"]
assert not n["first_sweep"], n
assert n["files_appended"] >= 2 and n["bytes_appended"] > 0, n
EOF

# 2. Unchanged.
cp "$work/state" "$work/state.before"
(cd "$work/share" && "$wcscan" "${args[@]}" --state ../state \
	-o ../s3.json fw dns)
if [ "$(strip "$work/s2.json")" = "$(strip "$work/s3.json")" ] &&
	python3 - "$work/s3.json" <<'EOF'; then
import json, sys
n = json.load(open(sys.argv[1]))["since_last_sweep"]
assert n["files_appended"] == 0 and n["files_unchanged"] >= 2, n
assert n["hosts"] == [], n
EOF
	echo "ok   unchanged share: nothing read, the same report"
else
	fail "a sweep over the unchanged share differs"
fi

# 3. Rotated: fw/<log> renamed .1 and gzipped, a new log begun.
fwlog=$(cd "$work/share" && find fw -type f | head -1)
records() {
	python3 -c 'import json,sys; print(sum(i["records"] for i in json.load(open(sys.argv[1]))["inputs"]))' "$1"
}
before=$(records "$work/s3.json")
mv "$work/share/$fwlog" "$work/share/$fwlog.1" && gzip "$work/share/$fwlog.1"
tail -n 5 "$work/whole/$fwlog" >"$work/share/$fwlog"
(cd "$work/share" && "$wcscan" "${args[@]}" --state ../state \
	-o ../s4.json fw dns)
after=$(records "$work/s4.json")
if [ "$after" -eq $((before + 5)) ]; then
	echo "ok   rotated and gzipped: not read again ($before + 5 records)"
else
	fail "rotation: $before records before, $after after 5 new lines"
fi

# 4. Killed while reading (a pipe that never ends): the state is as it
# was, and no temporary file is left beside it.
cp "$work/state" "$work/state.before"
mkfifo "$work/pipe"
(head -n 100 "$work/whole/$fwlog"; sleep 60) >"$work/pipe" &
writer=$!
(cd "$work/share" && exec "$wcscan" "${args[@]}" --state ../state \
	-o ../s5.json fw dns ../pipe) &
pid=$!
sleep 1
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
if cmp -s "$work/state" "$work/state.before"; then
	echo "ok   a sweep killed midway leaves the state as it was"
else
	fail "a killed sweep changed the state"
fi
[ "$(ls -A "$work" | grep -c '^\.state\.')" -eq 0 ] ||
	fail "a temporary state file was left: $(ls -A "$work")"

# 5. A sweep that finds nothing new writes the report the last one kept
# with its state, without loading the engine: byte for byte the report
# concluding again gives.  A line is appended, then for each format F:
# state a is swept in F (it keeps F's report) and again (reuses it);
# state b is swept in another format (keeps that one) and then in F (must
# conclude).  Both second sweeps found nothing new: they must be equal.
# Then a's engine sections are made corrupt: a sweep that reuses the
# report does not notice; one asked otherwise, or with a line more to
# read, must conclude, and so refuses the state.

# edit_section FILE TYPE HOW: change a state file's section of TYPE (1
# fan-out, 7 report): "flip" a byte in its middle, its checksum left
# wrong; "escape": an escape sequence at the start of its last line, the
# section's and the header's checksums made good again.
edit_section() {
	python3 - "$@" <<'EOF'
import struct, sys, zlib
path, want, how = sys.argv[1], int(sys.argv[2]), sys.argv[3]
b = bytearray(open(path, "rb").read())
nsec = struct.unpack_from("<I", b, 12)[0]
head = 26 + b[24] + 32 * nsec
pos = head
for i in range(nsec):
    e = 26 + b[24] + 32 * i
    t, _, ln = struct.unpack_from("<IIQ", b, e)
    if t == want and ln > 0:
        break
    pos += ln
else:
    sys.exit("no section of type %d" % want)
if how == "flip":
    b[pos + ln // 2] ^= 0x40
else:
    at = b.rindex(b"\n", pos, pos + ln - 2)
    b[at + 1:at + 4] = b"\x1b[2"
    struct.pack_into("<I", b, e + 16, zlib.crc32(bytes(b[pos:pos + ln])))
    struct.pack_into("<I", b, len(b) - 4, zlib.crc32(bytes(b[:head])))
open(path, "wb").write(b)
EOF
}
dnslog=$(cd "$work/share" && find dns -type f | head -1)
tail -n 1 "$work/whole/$dnslog" >>"$work/share/$dnslog"
export COLUMNS=132
sw=("$wcscan" -q --year "${year:-2017}")
for F in json text csv; do
	G=json
	[ "$F" = json ] && G=csv
	cp "$work/state" "$work/st.a"
	cp "$work/state" "$work/st.b"
	(cd "$work/share" &&
		{ "${sw[@]}" -f "$F" --state ../st.a -o ../a1 fw dns
		"${sw[@]}" -f "$F" --state ../st.a -o ../a2 fw dns
		"${sw[@]}" -f "$G" --state ../st.b -o ../b1 fw dns
		"${sw[@]}" -f "$F" --state ../st.b -o ../b2 fw dns; })
	if [ -s "$work/a2" ] && cmp -s "$work/a2" "$work/b2"; then
		echo "ok   $F: the kept report written again is the one concluded"
	else
		fail "$F: the kept report differs from the one concluded:"
		diff "$work/a2" "$work/b2" | head -10
	fi
	[ "$F" = csv ] || ! cmp -s "$work/a1" "$work/a2" ||
		fail "$F: the sweep with nothing new says what the one before did"
	edit_section "$work/st.a" 1 flip || fail "no fan-out section"
	(cd "$work/share" && "${sw[@]}" -f "$F" --state ../st.a -o ../a3 \
		fw dns 2>../a3.err)
	rc=$?
	if [ "$rc" -le 1 ] && cmp -s "$work/a2" "$work/a3"; then
		echo "ok   $F: nothing new: the engine's sections are not read"
	else
		fail "$F: a sweep with nothing new read the engine's sections" \
			"(exit $rc): $(cat "$work/a3.err")"
	fi
	cp "$work/st.a" "$work/st.c"
	(cd "$work/share" && "${sw[@]}" -f "$F" --fanout-threshold 7 \
		--state ../st.c -o ../c1 fw dns 2>../c1.err)
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q "checksum mismatch" "$work/c1.err"; then
		echo "ok   $F: asked otherwise, the sweep concludes again"
	else
		fail "$F: other options reused the report (exit $rc)"
	fi
done
tail -n 1 "$work/whole/$dnslog" >>"$work/share/$dnslog"
(cd "$work/share" && "${sw[@]}" -f csv --state ../st.a -o ../d1 fw dns \
	2>../d1.err)
rc=$?
if [ "$rc" -eq 2 ] && grep -q "checksum mismatch" "$work/d1.err"; then
	echo "ok   a line more to read: the sweep concludes again"
else
	fail "a sweep with a line to read reused the report (exit $rc)"
fi

# 6. A state is input like any other: a kept report whose bytes its
# format's writer could not have written (an escape sequence, checksums
# made good again) is not written; the sweep concludes again.
cp "$work/state" "$work/st.e"
(cd "$work/share" && "${sw[@]}" -f text --state ../st.e -o ../e1 fw dns
	"${sw[@]}" -f text --state ../st.e -o ../e2 fw dns)
edit_section "$work/st.e" 7 escape || fail "no report section"
(cd "$work/share" && "$wcscan" --year "${year:-2017}" -f text \
	--state ../st.e -o ../e3 fw dns 2>../e3.err)
if cmp -s "$work/e2" "$work/e3" && ! grep -q $'\x1b' "$work/e3" &&
	grep -q "report kept is not one" "$work/e3.err"; then
	echo "ok   a kept report its writer could not write: concluded again"
else
	fail "a tampered kept report was written: $(cat "$work/e3.err")"
fi

# 7. A sweep with --no-report concludes nothing: the verdicts the next
# sweep compares with stay the last report's, so that one flags no host
# anew when nothing but an empty line was read since.
cp "$work/state" "$work/st.g"
echo >>"$work/share/$dnslog"
(cd "$work/share" && "${sw[@]}" --no-report --state ../st.g fw dns &&
	"${sw[@]}" -f json --state ../st.g -o ../g2.json fw dns)
if python3 - "$work/g2.json" <<'EOF'; then
import json, sys
n = json.load(open(sys.argv[1]))["since_last_sweep"]
assert not n["first_sweep"] and n["hosts"] == [], n
EOF
	echo "ok   after a sweep with --no-report, no host flagged anew"
else
	fail "after --no-report, the next sweep calls hosts new"
fi

# 8. Something new: the report kept is not read (its section made
# corrupt, the sweep concludes all the same, as from a good copy of the
# state); the state saved keeps the new report, which the next sweep,
# with nothing new, writes again without reading the engine's sections.
cp "$work/state" "$work/st.h"
(cd "$work/share" && "${sw[@]}" -f json --state ../st.h -o ../h0 fw dns)
tail -n 1 "$work/whole/$dnslog" >>"$work/share/$dnslog"
cp "$work/st.h" "$work/st.i"
edit_section "$work/st.h" 7 flip || fail "no report section"
(cd "$work/share" && "${sw[@]}" -f json --state ../st.h -o ../h1 fw dns \
	2>../h1.err)
rc=$?
(cd "$work/share" && "${sw[@]}" -f json --state ../st.i -o ../i1 fw dns)
if [ "$rc" -le 1 ] && [ -s "$work/h1" ] && cmp -s "$work/h1" "$work/i1"; then
	echo "ok   something new: concluded without reading the report kept"
else
	fail "a sweep with something new read the report kept (exit $rc):" \
		"$(cat "$work/h1.err")"
fi
edit_section "$work/st.h" 1 flip || fail "no fan-out section"
(cd "$work/share" && "${sw[@]}" -f json --state ../st.h -o ../h2 fw dns \
	2>../h2.err)
rc=$?
if [ "$rc" -le 1 ] && [ "$(strip "$work/h1")" = "$(strip "$work/h2")" ]; then
	echo "ok   the state saved keeps the report concluded"
else
	fail "the report concluded was not kept (exit $rc): $(cat "$work/h2.err")"
fi

# 9. Another width (COLUMNS), nothing new: a CSV or JSON report kept is
# written again (the engine's sections made corrupt go unnoticed); a text
# report is concluded again for the new width.  The sweep before it reads
# a line, so that it saves its state with its report.
for F in csv json text; do
	cp "$work/st.i" "$work/st.w"
	tail -n 1 "$work/whole/$dnslog" >>"$work/share/$dnslog"
	(cd "$work/share" && COLUMNS=80 "${sw[@]}" -f "$F" --state ../st.w \
		-o ../w1 fw dns)
	edit_section "$work/st.w" 1 flip || fail "no fan-out section"
	(cd "$work/share" && COLUMNS=132 "${sw[@]}" -f "$F" --state ../st.w \
		-o ../w2 fw dns 2>../w2.err)
	rc=$?
	if [ "$F" = text ]; then
		if [ "$rc" -eq 2 ] && grep -q "checksum mismatch" "$work/w2.err"
		then
			echo "ok   text at another width: concluded again"
		else
			fail "text at another width reused the report (exit $rc)"
		fi
	elif [ "$rc" -le 1 ] && [ -s "$work/w2" ]; then
		echo "ok   $F at another width: the report kept written again"
	else
		fail "$F at another width concluded again (exit $rc):" \
			"$(cat "$work/w2.err")"
	fi
done

# 10. 40 states merged with at most 24 files open: each of a slice of
# the DNS log of its own (a file two states read is refused).
mkdir -p "$work/many"
(cd "$work/many" && split -n l/40 -d "$work/whole/$dnslog" part.)
for i in $(seq -w 0 39); do
	(cd "$work/many" && "${sw[@]}" --no-report --save-state "$i.state" \
		"part.$i")
done
if (ulimit -n 24 && "$wcscan" merge -q -f json -o "$work/m.json" \
	"$work"/many/*.state 2>"$work/m.err"; [ $? -le 1 ]); then
	echo "ok   40 states merged, one open at a time"
else
	fail "40 states merged with 24 files open: $(cat "$work/m.err")"
fi

# 11-14. Logs whose lines do not stand alone but whose reader goes on
# from the saved offset told what it learnt before (WCS_READER_RESUMABLE),
# rather than reading the file again whole.
rs=$work/rs
mkdir -p "$rs"
# pkt DATE SECOND ADDRESS-BYTE: one query packet line.
pkt() {
	printf '%s 1:00:0%d PM 0E3C PACKET  000000D3D5A3E1D0 UDP Rcv 10.1.1.%d    ae52   Q [0001   D   NOERROR] A      (3)www(7)example(3)com(0)\n' \
		"$1" "$2" "$3"
}

# 11. A Windows DNS debug log read on with the date order.
mkdir -p "$rs/share"
{
	printf 'DNS Server log file creation at 13/05/2017 12:59:00 PM\n\n'
	for i in 1 2 3; do pkt 13/05/2017 "$i" "$i"; done
} >"$rs/share/dns.log"
(cd "$rs/share" && "$wcscan" -q -f json --state ../st -o ../a.json dns.log)
cp "$rs/st" "$rs/st.0"
size0=$(stat -c %s "$rs/share/dns.log")
size_dns=$size0
for i in 4 5 6; do pkt 5/6/2017 "$i" "$i"; done >>"$rs/share/dns.log"
(cd "$rs/share" && "$wcscan" -q -f json --state ../st -o ../b.json dns.log)
(cd "$rs/share" && "$wcscan" -q -f json -o ../one.json dns.log)
if python3 - "$rs/b.json" "$size0" <<'EOF'; then
import json, sys
i = json.load(open(sys.argv[1]))["inputs"][0]
assert i["records"] == 8 and i["events"] == 6, i  # 2 preamble lines
assert i["last"] == "2017-06-05T13:00:06Z", i
assert "appended since the last sweep: read from byte %s" % sys.argv[2] \
    in i["notes"], i
EOF
	echo "ok   a Windows DNS log appended: read on with its date order"
else
	fail "a Windows DNS log appended was not read on with its date order"
fi
if [ "$(strip "$rs/one.json")" = "$(strip "$rs/b.json")" ]; then
	echo "ok   a Windows DNS log appended: the report of one run"
else
	fail "a Windows DNS log appended: the sweep differs from one run"
	diff <(strip "$rs/one.json") <(strip "$rs/b.json") | head -10
fi

# 12. A Windows Firewall log whose #Fields line orders the columns its own
# way: the lines appended are read with those columns (alone, they have
# too few fields for the 1.5 order and would be rejected).
mkdir -p "$rs/pf"
pfl() {
	printf '2017-05-12 10:00:%02d DROP TCP 10.0.0.9 10.0.0.%d 445 %d RECEIVE\n' \
		"$1" "$1" $((49152 + $1))
}
{
	printf '#Version: 1.5\n#Software: Microsoft Windows Firewall\n'
	printf '#Time Format: Local\n'
	printf '#Fields: date time action protocol dst-ip src-ip dst-port src-port path\n'
	for i in 1 2 3; do pfl "$i"; done
} >"$rs/pf/pfirewall.log"
(cd "$rs/pf" && "$wcscan" -q -f json --state ../pf.st -o ../pa.json \
	pfirewall.log)
size0=$(stat -c %s "$rs/pf/pfirewall.log")
for i in 4 5 6; do pfl "$i"; done >>"$rs/pf/pfirewall.log"
(cd "$rs/pf" && "$wcscan" -q -f json --state ../pf.st -o ../pb.json \
	pfirewall.log)
(cd "$rs/pf" && "$wcscan" -q -f json -o ../pone.json pfirewall.log)
if python3 - "$rs/pb.json" "$size0" <<'EOF'; then
import json, sys
i = json.load(open(sys.argv[1]))["inputs"][0]
assert i["events"] == 6 and i["rejected"] == 0, i
assert "appended since the last sweep: read from byte %s" % sys.argv[2] \
    in i["notes"], i
EOF
	echo "ok   a Windows Firewall log appended: read on with its columns"
else
	fail "a Windows Firewall log appended was not read on with its columns"
fi
if [ "$(strip "$rs/pone.json")" = "$(strip "$rs/pb.json")" ]; then
	echo "ok   a Windows Firewall log appended: the report of one run"
else
	fail "a Windows Firewall log appended: the sweep differs from one run"
	diff <(strip "$rs/pone.json") <(strip "$rs/pb.json") | head -10
fi

# 13. The Windows DNS log of step 11 (before its append) rotated: lines
# appended, renamed and gzipped, a new log begun.  The rotated file is read
# on from the saved (decoded) offset with the date order, the new one whole;
# every record is counted once.
mkdir -p "$rs/rot"
cp "$rs/share/dns.log" "$rs/rot/full.log"
head -c "$size_dns" "$rs/share/dns.log" >"$rs/rot/dns.log"
(cd "$rs/rot" && "$wcscan" -q -f json --state ../rot.st -o ../ra.json \
	dns.log)
cp "$rs/rot/full.log" "$rs/rot/dns.log"
mv "$rs/rot/dns.log" "$rs/rot/dns.log.1" && gzip "$rs/rot/dns.log.1"
{
	printf 'DNS Server log file creation at 14/06/2017 12:59:00 PM\n\n'
	for i in 7 8; do pkt 14/06/2017 "$i" "$i"; done
} >"$rs/rot/dns.log"
rm "$rs/rot/full.log"
(cd "$rs/rot" && "$wcscan" -q -f json --state ../rot.st -o ../rb.json \
	dns.log.1.gz dns.log)
if python3 - "$rs/rb.json" "$size_dns" <<'EOF'; then
import json, sys
r = json.load(open(sys.argv[1]))
gz, new = r["inputs"]
assert gz["path"] == "dns.log.1.gz" and gz["events"] == 3, gz
assert gz["last"] == "2017-06-05T13:00:06Z", gz
assert "rotated from dns.log: read from byte %s" % sys.argv[2] \
    in gz["notes"], gz
assert new["events"] == 3 + 2, new  # the saved 3, the new log's 2
assert r["since_last_sweep"]["files_rotated"] == 1, r["since_last_sweep"]
EOF
	echo "ok   a Windows DNS log rotated and gzipped: read on, counted once"
else
	fail "a Windows DNS log rotated and gzipped was not read on once"
fi

# 14. A log whose reader cannot go on from the middle (dnsmasq), rotated
# after lines were appended: read again whole, the lines read before
# neither fed nor counted again (the old path's accounting made again
# under the new one): records and evidence as one run over the file.
mkdir -p "$rs/dm" "$rs/dm1"
dml() {
	printf 'May 12 15:03:%02d dnsmasq[900]: %d 10.2.0.%d/53001 query[A] www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com from 10.2.0.%d\n' \
		"$1" "$1" "$1" "$1"
}
for i in 1 2 3; do dml "$i"; done >"$rs/dm/dns.log"
(cd "$rs/dm" && "$wcscan" -q --year 2017 -f json --state ../dm.st \
	-o ../da.json dns.log)
for i in 4 5; do dml "$i"; done >>"$rs/dm/dns.log"
cp "$rs/dm/dns.log" "$rs/dm1/dns.log.1"
mv "$rs/dm/dns.log" "$rs/dm/dns.log.1" && gzip "$rs/dm/dns.log.1"
: >"$rs/dm/dns.log"
(cd "$rs/dm" && "$wcscan" -q --year 2017 -f json --state ../dm.st \
	-o ../db.json dns.log.1.gz dns.log 2>/dev/null)
(cd "$rs/dm1" && "$wcscan" -q --year 2017 -f json -o ../done.json \
	dns.log.1)
if python3 - "$rs/db.json" "$rs/done.json" <<'EOF'; then
import json, sys
r, one = (json.load(open(a)) for a in sys.argv[1:3])
assert "rotated from dns.log, read again whole" in r["inputs"][0]["notes"]
assert sum(i["records"] for i in r["inputs"]) == 5, r["inputs"]
assert sum(i["events"] for i in r["inputs"]) == 5, r["inputs"]
ev = lambda x: sorted((h["ip"], h["evidence_total"]) for h in x["hosts"])
assert ev(r) == ev(one), (ev(r), ev(one))
EOF
	echo "ok   a dnsmasq log rotated and gzipped: read again whole, counted once"
else
	fail "a dnsmasq log rotated and gzipped: counted twice"
fi

# 15. --no-report, nothing new: the state is not touched and its engine
# sections are not read (the fan-out's made corrupt goes unnoticed); a
# line appended, the sweep must load them, and refuses the state.
cp "$work/state" "$work/st.p"
(cd "$work/share" && "${sw[@]}" --no-report --state ../st.p fw dns)
edit_section "$work/st.p" 1 flip
cp "$work/st.p" "$work/st.p0"
if (cd "$work/share" && "${sw[@]}" --no-report --state ../st.p fw dns) &&
	cmp -s "$work/st.p" "$work/st.p0"; then
	echo "ok   --no-report with nothing new: engine sections not read, state untouched"
else
	fail "--no-report with nothing new read the engine or changed the state"
fi
tail -n 1 "$work/whole/$dnslog" >>"$work/share/$dnslog"
if ! (cd "$work/share" && "${sw[@]}" --no-report --state ../st.p fw dns \
	2>"$work/p.err") && grep -q "checksum" "$work/p.err"; then
	echo "ok   --no-report with a line new: engine sections read (corrupt: refused)"
else
	fail "--no-report with a line new did not read the engine: $(cat "$work/p.err")"
fi

# 16. copytruncate, the copy gzipped, at -j 1 and -j 2.
ct=$work/ct
fwsrc=$work/whole/$fwlog
nall=$(wc -l <"$fwsrc")
na=$(head -c 700000 "$fwsrc" | wc -l)
nb=$(head -c 1300000 "$fwsrc" | wc -l)
[ "$nb" -lt "$nall" ] || fail "copytruncate: the firewall log is too short"
for j in 1 2; do
	rm -rf "$ct" && mkdir -p "$ct/share"
	head -n "$na" "$fwsrc" >"$ct/share/fw.log"
	(cd "$ct/share" && "$wcscan" "${args[@]}" -j "$j" --state ../st \
		-o ../a.json fw.log)
	sed -n "$((na + 1)),${nb}p" "$fwsrc" >>"$ct/share/fw.log"
	cp "$ct/share/fw.log" "$ct/share/fw.log.1"
	: >"$ct/share/fw.log"
	gzip "$ct/share/fw.log.1"
	tail -n +$((nb + 1)) "$fwsrc" >>"$ct/share/fw.log"
	(cd "$ct/share" && "$wcscan" "${args[@]}" -j "$j" --state ../st \
		-o ../b.json fw.log.1.gz fw.log)
	if python3 - "$ct/b.json" "$nall" "$((nb - na))" <<'EOF'; then
import json, sys
r = json.load(open(sys.argv[1]))
gz, log = r["inputs"]
assert "rotated from fw.log: read from byte" in " ".join(gz["notes"]), gz
assert gz["records"] == int(sys.argv[3]), gz
assert sum(i["records"] for i in r["inputs"]) == int(sys.argv[2]), r["inputs"]
assert sum(i["rejected"] for i in r["inputs"]) == 0, r["inputs"]
EOF
		echo "ok   copytruncate, the copy gzipped (-j $j): read on, counted once"
	else
		fail "copytruncate, the copy gzipped (-j $j): lines lost or read twice"
	fi
done

echo "sweep: $fails failed"
[ "$fails" -eq 0 ]
