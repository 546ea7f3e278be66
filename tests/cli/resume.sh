#!/usr/bin/env bash
# Sweeps (--state) over logs whose lines do not stand alone but whose
# reader goes on from the saved offset with what it learnt before
# (WCS_READER_RESUMABLE), rather than reading the file again whole.
# 1. A Windows DNS debug log: the first sweep reads lines whose first number
# (13) proves the day comes first; the lines appended ("5/6/2017 ... PM")
# are read day first too (5 June), where a reader starting at them would
# read them month first (AM/PM).  The sweep says it read from the saved
# offset, counts each record once, and its report is that of one run over
# the whole log.
# 2. A Windows Firewall log: its last #Fields line's columns, likewise.
# 3. The Windows DNS log rotated and gzipped: read on from its decoded
#    offset with the date order, counted once.
# 4. A dnsmasq log (its reader cannot go on from the middle) rotated and
#    gzipped: read again whole, but counted once.
# (What a reader is told is checked by its unit test: test_windns.c.)
#
# usage: resume.sh WCSCAN
set -uo pipefail
wcscan=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/wcscan-resume.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0

fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}

# The JSON report without what is new since the last sweep, nor the
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

# pkt DATE SECOND ADDRESS-BYTE: one query packet line.
pkt() {
	printf '%s 1:00:0%d PM 0E3C PACKET  000000D3D5A3E1D0 UDP Rcv 10.1.1.%d    ae52   Q [0001   D   NOERROR] A      (3)www(7)example(3)com(0)\n' \
		"$1" "$2" "$3"
}

# 1. Read on with the date order.
mkdir -p "$work/share"
{
	printf 'DNS Server log file creation at 13/05/2017 12:59:00 PM\n\n'
	for i in 1 2 3; do pkt 13/05/2017 "$i" "$i"; done
} >"$work/share/dns.log"
(cd "$work/share" && "$wcscan" -q -f json --state ../st -o ../a.json dns.log)
cp "$work/st" "$work/st.0"
size0=$(stat -c %s "$work/share/dns.log")
size_dns=$size0
for i in 4 5 6; do pkt 5/6/2017 "$i" "$i"; done >>"$work/share/dns.log"
(cd "$work/share" && "$wcscan" -q -f json --state ../st -o ../b.json dns.log)
(cd "$work/share" && "$wcscan" -q -f json -o ../one.json dns.log)
if python3 - "$work/b.json" "$size0" <<'EOF'; then
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
if [ "$(strip "$work/one.json")" = "$(strip "$work/b.json")" ]; then
	echo "ok   a Windows DNS log appended: the report of one run"
else
	fail "a Windows DNS log appended: the sweep differs from one run"
	diff <(strip "$work/one.json") <(strip "$work/b.json") | head -10
fi

# 2. A Windows Firewall log whose #Fields line orders the columns its own
# way: the lines appended are read with those columns (alone, they have
# too few fields for the 1.5 order and would be rejected).
mkdir -p "$work/pf"
pfl() {
	printf '2017-05-12 10:00:%02d DROP TCP 10.0.0.9 10.0.0.%d 445 %d RECEIVE\n' \
		"$1" "$1" $((49152 + $1))
}
{
	printf '#Version: 1.5\n#Software: Microsoft Windows Firewall\n'
	printf '#Time Format: Local\n'
	printf '#Fields: date time action protocol dst-ip src-ip dst-port src-port path\n'
	for i in 1 2 3; do pfl "$i"; done
} >"$work/pf/pfirewall.log"
(cd "$work/pf" && "$wcscan" -q -f json --state ../pf.st -o ../pa.json \
	pfirewall.log)
size0=$(stat -c %s "$work/pf/pfirewall.log")
for i in 4 5 6; do pfl "$i"; done >>"$work/pf/pfirewall.log"
(cd "$work/pf" && "$wcscan" -q -f json --state ../pf.st -o ../pb.json \
	pfirewall.log)
(cd "$work/pf" && "$wcscan" -q -f json -o ../pone.json pfirewall.log)
if python3 - "$work/pb.json" "$size0" <<'EOF'; then
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
if [ "$(strip "$work/pone.json")" = "$(strip "$work/pb.json")" ]; then
	echo "ok   a Windows Firewall log appended: the report of one run"
else
	fail "a Windows Firewall log appended: the sweep differs from one run"
	diff <(strip "$work/pone.json") <(strip "$work/pb.json") | head -10
fi

# 3. The Windows DNS log of step 1 (before its append) rotated: lines
# appended, renamed and gzipped, a new log begun.  The rotated file is read
# on from the saved (decoded) offset with the date order, the new one whole;
# every record is counted once.
mkdir -p "$work/rot"
cp "$work/share/dns.log" "$work/rot/full.log"
head -c "$size_dns" "$work/share/dns.log" >"$work/rot/dns.log"
(cd "$work/rot" && "$wcscan" -q -f json --state ../rot.st -o ../ra.json \
	dns.log)
cp "$work/rot/full.log" "$work/rot/dns.log"
mv "$work/rot/dns.log" "$work/rot/dns.log.1" && gzip "$work/rot/dns.log.1"
{
	printf 'DNS Server log file creation at 14/06/2017 12:59:00 PM\n\n'
	for i in 7 8; do pkt 14/06/2017 "$i" "$i"; done
} >"$work/rot/dns.log"
rm "$work/rot/full.log"
(cd "$work/rot" && "$wcscan" -q -f json --state ../rot.st -o ../rb.json \
	dns.log.1.gz dns.log)
if python3 - "$work/rb.json" "$size_dns" <<'EOF'; then
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

# 4. A log whose reader cannot go on from the middle (dnsmasq), rotated
# after lines were appended: read again whole, the lines read before
# neither fed nor counted again (the old path's accounting made again
# under the new one): records and evidence as one run over the file.
mkdir -p "$work/dm" "$work/dm1"
dml() {
	printf 'May 12 15:03:%02d dnsmasq[900]: %d 10.2.0.%d/53001 query[A] www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com from 10.2.0.%d\n' \
		"$1" "$1" "$1" "$1"
}
for i in 1 2 3; do dml "$i"; done >"$work/dm/dns.log"
(cd "$work/dm" && "$wcscan" -q --year 2017 -f json --state ../dm.st \
	-o ../da.json dns.log)
for i in 4 5; do dml "$i"; done >>"$work/dm/dns.log"
cp "$work/dm/dns.log" "$work/dm1/dns.log.1"
mv "$work/dm/dns.log" "$work/dm/dns.log.1" && gzip "$work/dm/dns.log.1"
: >"$work/dm/dns.log"
(cd "$work/dm" && "$wcscan" -q --year 2017 -f json --state ../dm.st \
	-o ../db.json dns.log.1.gz dns.log 2>/dev/null)
(cd "$work/dm1" && "$wcscan" -q --year 2017 -f json -o ../done.json \
	dns.log.1)
if python3 - "$work/db.json" "$work/done.json" <<'EOF'; then
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

echo "resume: $fails failed"
[ "$fails" -eq 0 ]
