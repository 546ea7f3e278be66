#!/usr/bin/env bash
# End-to-end tests of the wcscan command line: exit status, inputs (plain,
# gzip, stdin, directories), the report formats, -o, --strict.
# usage: e2e.sh WCSCAN SOURCE_DIR
set -u
wcscan=$1
src=$2
shared="$src/../shared/data"
tmp=$(mktemp -d /tmp/wcscan-e2e.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; }
check() { # check NAME EXPECTED_STATUS ACTUAL_STATUS
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (exit $3, want $2)"; fi
}
json_ok() { python3 "$src/tests/cli/check_json.py" "$1" >/dev/null 2>"$tmp/json.err"; }
jq_py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# --- usage -------------------------------------------------------------
"$wcscan" --help >"$tmp/help" 2>&1
check "--help exits 0" 0 $?
grep -q '^usage: wcscan' "$tmp/help" && ok "--help prints usage on stdout" || not_ok "--help text"
"$wcscan" --version | grep -q '^wcscan [0-9]' && ok "--version" || not_ok "--version"
"$wcscan" --no-such-option >/dev/null 2>"$tmp/err"
check "unknown option exits 2" 2 $?
grep -q "Try 'wcscan --help'" "$tmp/err" && ok "usage error points to --help" || not_ok "usage hint"
"$wcscan" --year 17 x >/dev/null 2>&1
check "bad --year exits 2" 2 $?
"$wcscan" --tz Mars/Base x >/dev/null 2>"$tmp/err"
check "unknown --tz exits 2" 2 $?
"$wcscan" >/dev/null 2>&1
check "no input exits 2" 2 $?

# --- a WannaCry start-up trace, and a benign log --------------------------
cat >"$tmp/wc.xml" <<'XML'
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Service Control Manager"/><EventID Qualifiers="16384">7045</EventID><TimeCreated SystemTime="2017-05-12T07:44:55.000000000Z"/><Computer>WS023.corp.example</Computer></System><EventData><Data Name="ServiceName">Microsoft Security Center (2.0) Service</Data><Data Name="ImagePath">C:\WINDOWS\mssecsvc.exe -m security</Data><Data Name="ServiceType">user mode service</Data><Data Name="StartType">auto start</Data><Data Name="AccountName">LocalSystem</Data></EventData></Event>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing"/><EventID>4688</EventID><TimeCreated SystemTime="2017-05-12T07:45:03.000000000Z"/><Computer>WS023.corp.example</Computer></System><EventData><Data Name="SubjectUserName">WS023$</Data><Data Name="NewProcessId">0x1a2c</Data><Data Name="NewProcessName">C:\ProgramData\kbqwpmzz\tasksche.exe</Data><Data Name="CommandLine">tasksche.exe /i</Data></EventData></Event>
XML
"$wcscan" -f json -o "$tmp/wc.json" "$tmp/wc.xml" 2>/dev/null
check "WannaCry start-up evidence exits 1" 1 $?
[ "$(jq_py "$tmp/wc.json" "d['hosts'][0]['verdict'], d['hosts'][0]['rank']")" = "infected 1" ] &&
	ok "the host is infected, rank 1" || not_ok "verdict of the start-up trace"

if [ -d "$shared" ]; then
	"$wcscan" -f json -o "$tmp/plaso.json" "$shared/xml/plaso/test_data/evtx/System.xml" 2>/dev/null
	check "plaso's System log (benign) exits 0" 0 $?
	"$wcscan" --evtx "$shared/xml" -f json -o "$tmp/xml.json" 2>/dev/null
	check "../shared/data/xml reads" 0 $?
	[ "$(jq_py "$tmp/xml.json" "len(d['inputs']), sum(i['records'] for i in d['inputs']), sum(i['rejected'] for i in d['inputs'])")" = "22 6459 0" ] &&
		ok "xml samples: 22 inputs, 6459 records, 0 rejected" || not_ok "xml sample counts"
	json_ok "$tmp/xml.json" && ok "xml samples report is valid JSON" || not_ok "xml report JSON: $(cat "$tmp/json.err")"
	[ "$(jq_py "$tmp/xml.json" "sum(1 for h in d['hosts'] if h['verdict']=='infected')")" = 0 ] &&
		ok "real samples: no infected verdict" || not_ok "real samples called infected"
else
	echo "# SKIP: the real samples ($shared is absent)"
fi

# --- unreadable input: exit 2, the report covers the rest ---------------
"$wcscan" -f json -o "$tmp/bad.json" "$tmp/wc.xml" "$tmp/does-not-exist.log" 2>"$tmp/err"
check "an unreadable input exits 2" 2 $?
grep -q 'does-not-exist.log' "$tmp/err" && ok "the error names the file" || not_ok "error message"
[ "$(jq_py "$tmp/bad.json" "len(d['inputs']), d['inputs'][0]['events'], d['inputs'][1]['error'] is not None, len(d['hosts'])")" = "2 2 True 1" ] &&
	ok "the report still covers the readable input" || not_ok "report after unreadable input"
printf 'hello\nworld\n' >"$tmp/notalog.txt"
"$wcscan" "$tmp/notalog.txt" >/dev/null 2>"$tmp/err"
check "an unrecognized file named on the command line exits 2" 2 $?
grep -q 'notalog.txt: unrecognized' "$tmp/err" && ok "unrecognized format names the file" || not_ok "unrecognized message"

# --- the same events from plain, gzip and stdin ----------------------------
for f in "$src"/testdata/windns/*.log "$src"/testdata/netfilter/netfilter_ufw.log "$src"/testdata/evtx_xml/wevtutil_rootless.xml; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	gzip -c "$f" >"$tmp/$b.gz"
	"$wcscan" --year 2017 --dump-events "$tmp/plain.nd" -o "$tmp/devnull.out" "$f" 2>/dev/null
	"$wcscan" --year 2017 --dump-events "$tmp/gz.nd" -o "$tmp/devnull.out" "$tmp/$b.gz" 2>/dev/null
	"$wcscan" --year 2017 --dump-events "$tmp/stdin.nd" -o "$tmp/devnull.out" - <"$f" 2>/dev/null
	strip() { sed 's/,"source":.*$//' "$1"; }
	if [ -s "$tmp/plain.nd" ] && [ "$(strip "$tmp/plain.nd")" = "$(strip "$tmp/gz.nd")" ] &&
		[ "$(strip "$tmp/plain.nd")" = "$(strip "$tmp/stdin.nd")" ]; then
		ok "$b: same events plain, gzip, stdin ($(wc -l <"$tmp/plain.nd"))"
	else
		not_ok "$b: events differ between plain, gzip and stdin"
	fi
done

# --- report formats --------------------------------------------------------
"$wcscan" -f csv "$tmp/wc.xml" >"$tmp/wc.csv" 2>/dev/null
head -1 "$tmp/wc.csv" | grep -q '^rank,ip,names,verdict' && ok "CSV header first" || not_ok "CSV header: $(head -1 "$tmp/wc.csv")"
"$wcscan" -f text "$tmp/wc.xml" >"$tmp/wc.txt" 2>/dev/null
grep -q 'Patient-zero candidates' "$tmp/wc.txt" && ok "text report" || not_ok "text report"
json_ok "$tmp/wc.json" && ok "JSON report passes check_json.py" || not_ok "JSON: $(cat "$tmp/json.err")"

# --- one record collected twice is one observation ----------------------
# The host's own Security log and a collector's copy (a backup, one file
# passed twice): the same Computer, Channel and EventRecordID.
rec() { # rec RECORD-ID SECONDS
	echo "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System><Provider Name=\"Microsoft-Windows-Security-Auditing\"/><EventID>4688</EventID><TimeCreated SystemTime=\"2017-05-12T07:45:0$2.000Z\"/><EventRecordID>$1</EventRecordID><Channel>Security</Channel><Computer>WS024.corp.example</Computer></System><EventData><Data Name=\"NewProcessName\">C:\\ProgramData\\q\\tasksche.exe</Data><Data Name=\"CommandLine\">tasksche.exe /i</Data></EventData></Event>"
}
{ rec 101 1; rec 102 2; rec 103 3; } >"$tmp/own.xml"
{ rec 102 2; rec 103 3; rec 104 4; } >"$tmp/collector.xml"
{ rec 101 1; rec 102 2; rec 103 3; rec 104 4; } >"$tmp/union.xml"
"$wcscan" -f json -o "$tmp/dup.json" "$tmp/own.xml" "$tmp/collector.xml" 2>/dev/null
"$wcscan" -f json -o "$tmp/union.json" "$tmp/union.xml" 2>/dev/null
[ "$(jq_py "$tmp/dup.json" "d['hosts'][0]['evidence_total'], d['inputs'][1]['notes'][-1][:2]")" = \
	"$(jq_py "$tmp/union.json" "d['hosts'][0]['evidence_total']") 2 " ] &&
	ok "a record in two files counts once (as the 4 records in one file; 2 copies noted)" ||
	not_ok "copies: $(jq_py "$tmp/dup.json" "d['hosts'][0]['evidence_total'], d['inputs'][1]['notes']")"

# --- -o: atomic, never through a symlink -----------------------------------
echo precious >"$tmp/precious"
ln -s "$tmp/precious" "$tmp/out.json"
"$wcscan" -f json -o "$tmp/out.json" "$tmp/wc.xml" 2>/dev/null
[ ! -L "$tmp/out.json" ] && [ "$(cat "$tmp/precious")" = precious ] && json_ok "$tmp/out.json" &&
	ok "-o replaces a planted symlink, leaves its target alone" || not_ok "-o and symlinks"
ls "$tmp"/.wcscan-* >/dev/null 2>&1 && not_ok "-o left a temporary file" || ok "-o leaves no temporary file"
"$wcscan" -f json -o "$tmp/no/such/dir/r.json" "$tmp/wc.xml" 2>/dev/null
check "-o into a missing directory exits 2" 2 $?

# --- rejected records, --strict ---------------------------------------------
{
	echo '#Version: 1.5'
	echo '#Software: Microsoft Windows Firewall'
	echo '#Time Format: Local'
	echo '#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path'
	echo '2017-05-12 07:45:10 ALLOW TCP 10.1.1.23 10.1.1.24 49201 445 0 - 0 0 0 - - - SEND'
	echo '2017-05-12 07:45:11 ALLOW TCP 10.1.1.23 not-an-ip 49202 445 0 - 0 0 0 - - - SEND'
} >"$tmp/fw.log"
"$wcscan" -f json -o "$tmp/fw.json" "$tmp/fw.log" 2>"$tmp/err"
check "a rejected line is not an error" 0 $?
grep -q 'fw.log:6' "$tmp/err" && ok "the reject is shown as file:line" || not_ok "reject sample: $(cat "$tmp/err")"
[ "$(jq_py "$tmp/fw.json" "d['inputs'][0]['rejected'], d['inputs'][0]['rejects'][0]['line']")" = "1 6" ] &&
	ok "the report counts and samples the reject" || not_ok "reject accounting"
"$wcscan" --strict -o "$tmp/devnull.out" "$tmp/fw.log" 2>/dev/null
check "--strict makes a rejected line exit 2" 2 $?

# --- directories ---------------------------------------------------------------
mkdir -p "$tmp/share/a" "$tmp/share/b"
cp "$tmp/wc.xml" "$tmp/share/b/"
cp "$tmp/fw.log" "$tmp/share/a/"
cp "$tmp/notalog.txt" "$tmp/share/"
"$wcscan" -f json -o "$tmp/share.json" "$tmp/share" 2>"$tmp/err"
check "a directory with a stray file exits 1 (found), not 2" 1 $?
[ "$(jq_py "$tmp/share.json" "[i['path'].rsplit('/',2)[-2]+'/'+i['path'].rsplit('/',1)[-1] for i in d['inputs']]")" = "['a/fw.log', 'b/wc.xml', 'share/notalog.txt']" ] &&
	ok "directories are read recursively in name order" || not_ok "directory order: $(jq_py "$tmp/share.json" "[i['path'] for i in d['inputs']]")"

# --- threads and pieces ------------------------------------------------------
# Three logs read together, one of them in pieces (WCSCAN_PIECE_SIZE makes
# small pieces): the report is the same for every -j, and the pieces give
# the same events, line numbers and offsets as reading the file whole.
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "May 12 15:%02d:%02d gw kernel: IN=eth0 OUT= SRC=10.0.%d.%d DST=10.1.%d.%d LEN=52 PROTO=TCP SPT=49152 DPT=445 SYN\n", i / 60 % 60, i % 60, i % 7, i % 13, i % 5, i % 200 }' >"$tmp/big.log"
for j in 1 2 3; do
	WCSCAN_PIECE_SIZE=20000 "$wcscan" -j $j --year 2017 -f json -o "$tmp/j$j.json" \
		--dump-events "$tmp/j$j.nd" "$tmp/big.log" "$tmp/fw.log" "$tmp/wc.xml" 2>/dev/null
done
cmp -s "$tmp/j1.json" "$tmp/j2.json" && cmp -s "$tmp/j1.json" "$tmp/j3.json" &&
	cmp -s "$tmp/j1.nd" "$tmp/j3.nd" && ok "the report and events are the same for -j 1, 2, 3" ||
	not_ok "-j changes the report"
"$wcscan" -j 1 --year 2017 -f json -o "$tmp/devnull.out" --dump-events "$tmp/whole.nd" "$tmp/big.log" 2>/dev/null
WCSCAN_PIECE_SIZE=20000 "$wcscan" -j 2 --year 2017 -f json -o "$tmp/pieces.json" \
	--dump-events "$tmp/pieces.nd" "$tmp/big.log" 2>/dev/null
if [ "$(sort "$tmp/whole.nd" | md5sum)" = "$(sort "$tmp/pieces.nd" | md5sum)" ] &&
	[ "$(wc -l <"$tmp/pieces.nd")" -eq 3000 ] &&
	[ "$(jq_py "$tmp/pieces.json" "d['inputs'][0]['records']")" = 3000 ]; then
	ok "a file read in pieces gives the events of the whole file"
else
	not_ok "pieces lose or change events"
fi

# A generated outbreak of each collection family (firewall, DNS and event
# logs as a responder gets them), read whole and in small pieces: one
# report for every -j.
for c in per-host central network-only; do
	python3 "$src/testdata/gen/wcgen.py" --seed 15 --hosts 30 --collection $c \
		--out "$tmp/ob-$c" >/dev/null 2>&1 || { not_ok "wcgen --collection $c"; continue; }
	same=yes
	for ps in "" 20000; do
		for j in 1 2 3; do
			WCSCAN_PIECE_SIZE=$ps "$wcscan" -j $j -f json -o "$tmp/ob-$c-$j.json" \
				"$tmp/ob-$c" 2>/dev/null
		done
		cmp -s "$tmp/ob-$c-1.json" "$tmp/ob-$c-2.json" &&
			cmp -s "$tmp/ob-$c-1.json" "$tmp/ob-$c-3.json" || same=no
	done
	[ "$same" = yes ] && [ "$(jq_py "$tmp/ob-$c-1.json" "sum(h['verdict']=='infected' for h in d['hosts']) > 0")" = True ] &&
		ok "a $c outbreak: the same report for -j 1, 2, 3" || not_ok "$c outbreak: -j changes the report"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
