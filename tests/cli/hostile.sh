#!/usr/bin/env bash
# Hostile input: logs come from compromised machines.  wcscan must
# never crash, hang, read files it was not given or grow memory without
# bound; bad input gets a message naming the file (and line), a count in
# the report, and the rest of the input is still read.  Every input is
# generated here, in a temporary directory, at test time.
# usage: hostile.sh WCSCAN SOURCE_DIR
#
# Bounds.  Each run is under `timeout` (60 s; the 10-million-line case
# 300 s, as it pushes 1 GB through a pipe) and GNU time's peak RSS:
#  - SMALL_MB (32 MB) for one input: wcscan holds one buffer of --max-line
#    (1 MiB) plus a 256 KiB read chunk, 256 KiB of raw input, zlib's 32 KiB
#    window and the compiled rules: about 5 MB measured.  A 100 MB line or
#    a 1 GB gzip bomb read into memory would blow through it.
#  - BIG_MB (512 MB) for 10 million forged source addresses: the engine
#    caps its 445/tcp tables (fanout.c: 4 Mi addresses, 1 Mi sources,
#    8 Mi pairs) and counts the rest as untracked: about 435 MB measured at
#    10 million, flat once the caps are reached; without caps it grows with
#    every address.
# Under AddressSanitizer (shadow memory, quarantine, slower) the caps are
# multiplied by 8 and the forged-address case uses 3 million lines.
#
# HOSTILE_LIGHT=1 (scripts/memcheck: WCSCAN is a wrapper running wcscan
# under valgrind, 20-50 times slower): the huge cases are scaled down but
# still cross most limits: 300,000 forged sources (over the 256 Ki rows
# for hosts seen only on the web, under the 1 Mi source cap), a 4 MiB line
# (over the 1 MiB --max-line), a 64 MiB gzip bomb and 64 MiB of zeros.
# Peak RSS is not checked (valgrind's own memory) and the timeouts are
# 600 s (1200 s for the forged sources): they only catch a hang.  Exit statuses, messages, counts and the reports are checked as
# usual.
set -u
wcscan=$(realpath "$1")
src=$(realpath "$2")
check_json=$src/tests/cli/check_json.py
tmp=$(mktemp -d /tmp/wcscan-hostile.XXXXXX)
chmod 755 "$tmp" # the unreadable-file cases run as nobody when root
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
pass=0
fail=0
SMALL_MB=32
BIG_MB=512
FORGED=10000000
LONG_BYTES=104857600 # 100 MiB
BOMB_BYTES=1073741824 # 1 GiB
TMO_RUN=60
TMO_FIFO=20
TMO_FORGED=300
LIGHT=${HOSTILE_LIGHT:-0}
if [ "$LIGHT" = 1 ]; then
	FORGED=300000
	LONG_BYTES=4194304
	BOMB_BYTES=67108864
	TMO_RUN=600
	TMO_FIFO=600
	TMO_FORGED=1200
	echo "# light mode: $FORGED forged addresses, a $LONG_BYTES-byte line, $BOMB_BYTES-byte gzip bombs, no peak RSS bounds"
fi
if grep -q __asan_init "$wcscan" 2>/dev/null; then
	SMALL_MB=$((SMALL_MB * 8))
	BIG_MB=$((BIG_MB * 8))
	FORGED=3000000
	echo "# sanitizer build: memory caps x8, $FORGED forged addresses"
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
fi

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; }

# run NAME [ARGS...]: wcscan -f json -o NAME.json ARGS under timeout and
# GNU time; sets st (exit status), secs, mb (peak RSS); stderr in NAME.err.
run() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s%N)
	/usr/bin/time -f %M -o "$name.rss" timeout "${TMO:-$TMO_RUN}" \
		"$wcscan" -f json -o "$name.json" "$@" 2>"$name.err"
	st=$?
	finish_run "$name" "$t0"
}
finish_run() { # NAME T0
	local t1
	t1=$(date +%s%N)
	secs=$(awk -v a="$2" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
	mb=$(awk 'END { printf "%.1f", $1 / 1024 }' "$1.rss")
}
# The first input's counts: "records events ignored rejected".
counts() {
	python3 -c 'import json,sys
i = json.load(open(sys.argv[1]))["inputs"][int(sys.argv[2])]
print(i["records"], i["events"], i["ignored"], i["rejected"])' "$1.json" "${2:-0}"
}
jq_py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1.json"; }

# expect NAME STATUS ERR_REGEX COUNTS CAP_MB: one "ok"/"not ok" line for
# the run just made: exit status, a message on stderr matching ERR_REGEX
# (grep -E; empty: none asked), the first input's counts (empty: not
# checked), a strict-JSON report that accounts for every record
# (check_json.py), no timeout, peak RSS under CAP_MB (not in light mode).
expect() {
	local name=$1 want=$2 re=$3 want_counts=$4 cap=$5 why="" got=""
	[ "$st" = "$want" ] || why="$why exit $st (want $want);"
	[ "$st" = 124 ] && why="$why timed out;"
	if [ -n "$re" ] && ! grep -Eq -- "$re" "$name.err"; then
		why="$why stderr lacks /$re/: $(head -c 300 "$name.err" | tr '\n' '|');"
	fi
	if ! python3 "$check_json" "$name.json" >/dev/null 2>"$name.cj"; then
		why="$why report: $(head -c 300 "$name.cj" | tr '\n' '|');"
	else
		got=$(counts "$name")
		[ -z "$want_counts" ] || [ "$got" = "$want_counts" ] ||
			why="$why counts '$got' (want '$want_counts');"
	fi
	[ "$LIGHT" = 1 ] || awk -v m="$mb" -v c="$cap" 'BEGIN { exit !(m <= c) }' ||
		why="$why peak RSS $mb MB > $cap MB;"
	echo "# $name: exit $st, $secs s, peak RSS $mb MB, records/events/ignored/rejected: ${got:-?}"
	echo "#   stderr: $(head -n 3 "$name.err" | cut -c1-160 | tr '\n' '|')"
	if [ -z "$why" ]; then ok "$name"; else not_ok "$name:$why"; fi
}

EVNS='xmlns="http://schemas.microsoft.com/win/2004/08/events/event"'
# An event XML record: svc_event COMPUTER SERVICE-NAME
svc_event() {
	echo "<Event $EVNS><System><Provider Name=\"Service Control Manager\"/><EventID>7045</EventID><TimeCreated SystemTime=\"2017-05-12T07:44:55.000Z\"/><Computer>$1</Computer></System><EventData><Data Name=\"ServiceName\">$2</Data><Data Name=\"ImagePath\">C:\\WINDOWS\\system32\\svchost.exe</Data></EventData></Event>"
}
NF='gw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=192.168.1.5 DST=10.0.0.9 LEN=52 PROTO=TCP SPT=49152 DPT=445 SYN'
nf_line() { echo "May 12 15:03:0$1 $NF"; }

# --- XML: entity expansion, external entities, nesting -------------------
# Billion laughs: nine levels of ten references, 10^9 "lol"s if expanded.
# A DOCTYPE is no Windows export, so by content it is "unrecognized"; forced
# through the XML reader, the prolog is not part of any <Event> record and
# each record is parsed alone: the entity is undefined there, the record is
# rejected with file:line, the next one is read.
{
	echo '<?xml version="1.0"?>'
	echo '<!DOCTYPE Events ['
	echo ' <!ENTITY l0 "lol">'
	for i in 1 2 3 4 5 6 7 8 9; do
		r="&l$((i - 1));"
		echo " <!ENTITY l$i \"$r$r$r$r$r$r$r$r$r$r\">"
	done
	echo ']>'
	echo '<Events>'
	svc_event '&l9;' '&l9;'
	svc_event WS1 ok
	echo '</Events>'
} >laughs.xml
run laughs_auto laughs.xml
expect laughs_auto 2 'laughs\.xml: unrecognized log format' "" $SMALL_MB
run laughs --input-format evtx-xml laughs.xml
expect laughs 0 'laughs\.xml:15: .*undefined entity' "2 1 0 1" $SMALL_MB

# Quadratic blowup: one 64 KB entity referenced 30,000 times (2 GB if
# expanded), no nesting for a depth limit to catch.
python3 - "$EVNS" >quadratic.xml <<'EOF'
import sys
ns = sys.argv[1]
print('<?xml version="1.0"?>')
print('<!DOCTYPE Events [<!ENTITY a "%s">]>' % ("x" * 65536))
print('<Events>')
print('<Event %s><System><Provider Name="Service Control Manager"/>'
      '<EventID>7045</EventID><TimeCreated SystemTime="2017-05-12T07:44:55Z"/>'
      '<Computer>WS1</Computer></System><EventData><Data Name="ServiceName">%s'
      '</Data></EventData></Event>' % (ns, "&a;" * 30000))
print('<Event %s><System><Provider Name="Service Control Manager"/>'
      '<EventID>7045</EventID><TimeCreated SystemTime="2017-05-12T07:44:56Z"/>'
      '<Computer>WS2</Computer></System></Event>' % ns)
print('</Events>')
EOF
run quadratic --input-format evtx-xml quadratic.xml
expect quadratic 0 'quadratic\.xml:4: .*undefined entity' "2 1 0 1" $SMALL_MB

# External entity and external DTD naming /etc/passwd, a parameter entity
# too, both in the prolog and inside a record: nothing is fetched, and no
# line of /etc/passwd reaches the report or stderr.
{
	echo '<?xml version="1.0"?>'
	echo '<!DOCTYPE Events SYSTEM "file:///etc/passwd" [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
	echo '<Events>'
	svc_event '&xxe;' '&xxe;'
	echo "<!DOCTYPE Event [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>$(svc_event '&xxe;' x)"
	svc_event WS1 ok
	echo '</Events>'
} >xxe.xml
run xxe --input-format evtx-xml xxe.xml
expect xxe 0 'xxe\.xml:4: ' "" $SMALL_MB
root_line=$(head -n 1 /etc/passwd | cut -d: -f1-3)
if grep -qF -- "$root_line" xxe.json xxe.err; then
	not_ok "xxe: /etc/passwd content ($root_line) in the report"
else ok "xxe: no /etc/passwd content in the report or messages"; fi
[ "$(jq_py xxe "d['inputs'][0]['events']")" = 1 ] &&
	ok "xxe: the clean record is still read" || not_ok "xxe: events $(jq_py xxe "d['inputs'][0]['events']")"

# 100,000 nested elements inside one record (expat's own stack, the
# reader's depth limit), then 100,000 nested <Event> starts (the record
# splitter): each bad record is rejected, the good record after is read.
python3 - "$EVNS" >deep.xml <<'EOF'
import sys
ns, d = sys.argv[1], 100000
head = ('<Event %s><System><Provider Name="Service Control Manager"/>'
        '<EventID>7045</EventID><TimeCreated SystemTime="2017-05-12T07:44:55Z"/>'
        '<Computer>WS%%d</Computer></System>' % ns)
print(head % 9 + '<EventData>' + '<a>' * d + 'x' + '</a>' * d +
      '</EventData></Event>')
print(head % 1 + '</Event>')
EOF
run deep deep.xml
expect deep 0 'deep\.xml:1: .*nested too deep' "2 1 0 1" $SMALL_MB
{
	python3 -c 'print("<Event>" * 100000 + "</Event>" * 100000)'
	svc_event WS1 ok
} >deep_events.xml
run deep_events deep_events.xml
expect deep_events 0 'deep_events\.xml:1: .*not closed' "100001 1 0 100000" $SMALL_MB

# --- lines ----------------------------------------------------------------
# A 100 MB line (light: 4 MiB) between two good ones: rejected as
# over-long and counted, the line after it still read; memory stays at the
# line cap.
{
	nf_line 1
	head -c "$LONG_BYTES" /dev/zero | tr '\0' A
	echo
	nf_line 2
} >long.log
run long --year 2017 long.log
expect long 0 'long\.log:2: line longer than 1048576 bytes' "3 2 0 1" $SMALL_MB

# NUL bytes inside lines and a line of NULs: a NUL inside an address
# rejects the line, a line of NULs is no syslog line, a NUL in the syslog
# header (host name, not used for netfilter events) does not stop the
# line being read; the lines after are read.
{
	nf_line 1
	printf 'May 12 15:03:02 gw kernel: IN=eth0 OUT= SRC=1.2\0.3.4 DST=10.0.0.11 PROTO=TCP SPT=1 DPT=445\n'
	printf '\0\0\0\0\n'
	printf 'May 12 15:03:03 gw\0kernel: IN=eth0 OUT= SRC=192.168.1.5 DST=10.0.0.12 PROTO=TCP SPT=1 DPT=445\n'
	nf_line 4
} >nul.log
run nul --year 2017 nul.log
expect nul 0 'nul\.log:2: ' "5 3 0 2" $SMALL_MB

# Invalid UTF-8 (bytes FF FE, overlong C0 80, an encoded surrogate ED A0
# 80, a cut sequence) in a rejected value: the JSON report stays strict
# UTF-8 (U+FFFD), stderr shows \xNN.
{
	nf_line 1
	printf 'May 12 15:03:02 gw kernel: IN=eth0 OUT= SRC=\xff\xfe\xc0\x80\xed\xa0\x80\xe2\x82 DST=10.0.0.10 PROTO=TCP SPT=1 DPT=445\n'
	nf_line 3
} >utf8.log
run utf8 --year 2017 utf8.log
expect utf8 0 'utf8\.log:2: .*\\xff\\xfe' "3 2 0 1" $SMALL_MB

# UTF-16LE (BOM) event XML with lone surrogates (a high one before a
# non-surrogate, a low one alone) in the computer name and an odd final
# byte: they become U+FFFD, the host is reported, the JSON is valid.
python3 - "$EVNS" >utf16.xml <<'EOF'
import sys
ns = sys.argv[1]
def rec(comp):
    return ('<Event %s><System><Provider Name="Service Control Manager"/>'
            '<EventID>7045</EventID><TimeCreated SystemTime="2017-05-12T07:44:55Z"/>'
            '<Computer>%s</Computer></System><EventData><Data Name="ServiceName">'
            'mssecsvc2.0</Data><Data Name="ImagePath">C:\\WINDOWS\\mssecsvc.exe -m '
            'security</Data></EventData></Event>\r\n' % (ns, comp))
out = b"\xff\xfe"
a, b = rec("WS@HI@X").split("@HI@")
out += a.encode("utf-16-le") + b"\x00\xd8" + b.encode("utf-16-le")
a, b = rec("WS@LO@Y").split("@LO@")
out += a.encode("utf-16-le") + b"\x00\xdc" + b.encode("utf-16-le")
out += b"<"  # half a code unit
sys.stdout.buffer.write(out)
EOF
run utf16 utf16.xml
expect utf16 1 "" "" $SMALL_MB
[ "$(jq_py utf16 "sorted(n for h in d['hosts'] for n in h['names']) == ['WS\ufffdX', 'WS\ufffdY']")" = True ] &&
	ok "utf16: lone surrogates become U+FFFD in host names" ||
	not_ok "utf16: names $(jq_py utf16 "[h['names'] for h in d['hosts']]")"

# --- gzip -----------------------------------------------------------------
seq 0 1999 | awk '{ printf "May 12 15:03:01 gw kernel: IN=eth0 OUT= SRC=192.168.1.5 DST=10.0.%d.%d PROTO=TCP SPT=1 DPT=445\n", $1 / 256, $1 % 256 }' >fw.log
python3 -c 'import zlib,sys
c = zlib.compressobj(6, zlib.DEFLATED, 31)
sys.stdout.buffer.write(c.compress(open("fw.log", "rb").read()) + c.flush())' >fw.log.gz
# Truncated: the lines before the cut are read and counted, then the error
# names the file; exit 2.
head -c $(($(stat -c %s fw.log.gz) * 2 / 3)) fw.log.gz >trunc.log.gz
run trunc --year 2017 trunc.log.gz
expect trunc 2 'trunc\.log\.gz: unexpected end of gzip data' "" $SMALL_MB
[ "$(jq_py trunc "d['inputs'][0]['events'] > 100 and d['inputs'][0]['error'] is not None")" = True ] &&
	ok "trunc: lines before the cut are read, the report names the error" || not_ok "trunc: $(counts trunc)"
# Corrupt: bytes flipped in the middle of the deflate stream.  What was
# inflated before the damage is read, not only the 4 bytes sniffed for a
# BOM; the error names the file.
python3 -c 'import sys
d = bytearray(open("fw.log.gz", "rb").read())
for k in range(len(d) // 2, len(d) // 2 + 64):
    d[k] ^= 0x55
sys.stdout.buffer.write(d)' >corrupt.log.gz
run corrupt --year 2017 corrupt.log.gz
expect corrupt 2 'corrupt\.log\.gz: (invalid|incorrect|corrupt)' "" $SMALL_MB
[ "$(jq_py corrupt "d['inputs'][0]['events'] > 100 and d['inputs'][0]['error'] is not None")" = True ] &&
	ok "corrupt: lines before the damage are read" || not_ok "corrupt: $(counts corrupt)"
printf '\037\213\011\000garbage' >badmethod.gz
run badmethod badmethod.gz
expect badmethod 2 'badmethod\.gz: unknown compression method' "0 0 0 0" $SMALL_MB
# Gzip bomb: 1 GB of zeros (one 1 GB "line") between two good lines, 4.5 MB
# compressed (light: 64 MiB): it streams through the line cap; the line
# after is read.
{
	nf_line 1
	head -c "$BOMB_BYTES" /dev/zero
	echo
	nf_line 2
} | gzip -1 >bomb.gz
run bomb --year 2017 bomb.gz
expect bomb 0 'bomb\.gz:2: line longer than' "3 2 0 1" $SMALL_MB
# Pure zeros: nothing to recognise, decided from the first 4 KiB.
head -c "$BOMB_BYTES" /dev/zero | gzip -1 >zeros.gz
run zeros zeros.gz
expect zeros 2 'zeros\.gz: unrecognized log format' "0 0 0 0" $SMALL_MB

# --- files, directories, special files ------------------------------------
# Empty file (plain and gzip): a warning, not an error.
: >empty.log
gzip -c empty.log >empty.log.gz
run empty empty.log empty.log.gz
expect empty 0 'empty\.log: empty input' "0 0 0 0" $SMALL_MB
grep -q 'empty\.log\.gz: empty input' empty.err && ok "empty: empty gzip too" || not_ok "empty gzip"

# Unreadable file and directory (chmod 000).  Root reads anything, so as
# root these run as nobody (setpriv); without setpriv they are skipped.
nf_line 1 >ok.log
mkdir -p perm/closed perm/tree/closed perm/tree/open
cp ok.log perm/secret.log
cp ok.log perm/closed/in.log
cp ok.log perm/tree/closed/in.log
cp ok.log perm/tree/open/in.log
chmod 000 perm/secret.log perm/closed perm/tree/closed
chmod 777 perm
as_user=()
if [ "$(id -u)" -eq 0 ]; then
	if command -v setpriv >/dev/null; then
		as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	else as_user=(skip); fi
fi
if [ "${as_user[0]:-}" = skip ]; then
	echo "# skip: unreadable file/directory cases (root, no setpriv)"
else
	runas() { # NAME ARGS...: run, as nobody when root; report in perm/
		local name=$1 t0
		shift
		t0=$(date +%s%N)
		"${as_user[@]}" /usr/bin/time -f %M -o "perm/$name.rss" \
			timeout "$TMO_RUN" "$wcscan" -f json -o "perm/$name.json" "$@" \
			2>"$name.err"
		st=$?
		cp "perm/$name.json" "$name.json" 2>/dev/null
		cp "perm/$name.rss" "$name.rss" 2>/dev/null
		finish_run "$name" "$t0"
	}
	chmod 666 ok.log
	# An unreadable file named on the command line: exit 2, named; the
	# other input is read.
	runas unreadable --year 2017 perm/secret.log ok.log
	expect unreadable 2 'perm/secret\.log: Permission denied' "0 0 0 0" $SMALL_MB
	[ "$(counts unreadable 1)" = "1 1 0 0" ] && ok "unreadable: the next input is read" || not_ok "unreadable: next input"
	# An unreadable directory named on the command line is an input that
	# could not be read: exit 2 and in the report, as a file is; a warning
	# and exit 0 would pass a run that never saw those logs.
	runas unreadable_dir --year 2017 perm/closed ok.log
	expect unreadable_dir 2 'perm/closed: Permission denied' "0 0 0 0" $SMALL_MB
	# Inside a tree an unreadable directory is skipped with a warning.
	runas unreadable_subdir --year 2017 perm/tree
	grep -q 'perm/tree/closed: skipped: Permission denied' unreadable_subdir.err &&
		[ "$(jq_py unreadable_subdir "[i['path'].split('/')[-1] for i in d['inputs'] if i['events']]")" = "['in.log']" ] &&
		ok "unreadable_subdir: skipped with a warning, the rest read" ||
		not_ok "unreadable_subdir: exit $st, $(tr '\n' '|' <unreadable_subdir.err)"
fi

# Symbolic link loops: a <-> b inside a tree and a link to the tree's own
# parent: skipped with a message, the one log read; a loop named on the
# command line is an error naming it.
mkdir -p loop/d
nf_line 1 >loop/d/fw.log
ln -s b loop/a
ln -s a loop/b
ln -s .. loop/d/up
run loop --year 2017 loop
expect loop 0 'loop/a: skipped: Too many levels of symbolic links' "1 1 0 0" $SMALL_MB
grep -q 'loop/d/up: skipped: directory loop' loop.err && ok "loop: the directory loop is named" || not_ok "loop: $(tr '\n' '|' <loop.err)"
run loop_top loop/a
expect loop_top 2 'loop/a: Too many levels of symbolic links' "0 0 0 0" $SMALL_MB

# A FIFO inside a directory is skipped, not opened (nobody writes to it:
# opening it would hang).
mkdir fifo
nf_line 1 >fifo/fw.log
mkfifo fifo/pipe
TMO=$TMO_FIFO run fifo --year 2017 fifo
expect fifo 0 'fifo/pipe: skipped: FIFO' "1 1 0 0" $SMALL_MB

# --- time stamps ----------------------------------------------------------
# RFC 3339 stamps with year 0, year 99999, month 13, 30 February, hour 25,
# and the extremes 9999-12-31 +14:00 and 1601-01-01 -14:00: bad ones are
# rejected with file:line, the extremes read; first/last stay RFC 3339.
T='gw kernel: IN=eth0 OUT= SRC=192.168.1.5 DST=10.0.0.9 PROTO=TCP SPT=1 DPT=445'
for s in 2017-05-12T15:03:01Z 0000-05-12T15:03:01Z 99999-05-12T15:03:01Z \
	2017-13-12T15:03:01Z 2017-02-30T15:03:01Z 2017-05-12T25:61:61Z \
	9999-12-31T23:59:59+14:00 1601-01-01T00:00:00-14:00; do
	echo "$s $T"
done >ts_rfc.log
run ts_rfc ts_rfc.log
expect ts_rfc 0 'ts_rfc\.log:2: ' "8 3 0 5" $SMALL_MB
# Windows Firewall (local time): year 0, 99999, month 13, 0000-00-00, and
# 9999-12-31 23:59:59 that --tz -12:00 pushes into year 10000 UTC: that one
# is rejected as out of range: RFC 3339 has no year 10000 for the report
# to write ("10000-01-01T11:59:59Z" is not a timestamp).
{
	echo '#Version: 1.5'
	echo '#Software: Microsoft Windows Firewall'
	echo '#Time Format: Local'
	echo '#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path'
	for d in '2017-05-12 07:45:10' '0000-05-12 07:45:10' '99999-05-12 07:45:10' \
		'2017-13-12 07:45:10' '2017-00-00 00:00:00' '9999-12-31 23:59:59'; do
		echo "$d ALLOW TCP 10.1.1.23 10.1.1.24 49201 445 0 - 0 0 0 - - - SEND"
	done
} >ts_pfw.log
run ts_pfw --tz -12:00 ts_pfw.log
expect ts_pfw 0 'ts_pfw\.log:10: time out of range' "10 1 4 5" $SMALL_MB
# Event XML: year 0, 99999, month 13; 19 fraction digits.
for t in 2017-05-12T07:44:55.000Z 0000-01-01T00:00:00Z 99999-05-12T07:44:55Z \
	2017-13-12T07:44:55Z 2017-05-12T07:44:55.9999999999999999999Z; do
	echo "<Event $EVNS><System><Provider Name=\"Service Control Manager\"/><EventID>7045</EventID><TimeCreated SystemTime=\"$t\"/><Computer>WS1</Computer></System><EventData><Data Name=\"ServiceName\">x</Data></EventData></Event>"
done >ts.xml
run ts_xml ts.xml
expect ts_xml 0 'ts\.xml:2: .*TimeCreated' "5 2 0 3" $SMALL_MB
# Zeek epoch stamps: 1e300, -1e300, nan, inf, before 1601, after 9999.
zc=$src/testdata/zeek_conn/zeek_conn.log
if [ -f "$zc" ]; then
	{
		grep '^#' "$zc" | head -n 8
		line=$(grep -v '^#' "$zc" | head -n 1)
		for t in 1494575110.123456 1e300 -1e300 nan inf -62135596800.5 253402300800.0 99999999999999999999; do
			printf '%s\n' "$line" | awk -v t="$t" 'BEGIN { FS = OFS = "\t" } { $1 = t; print }'
		done
	} >ts_zeek.log
	run ts_zeek ts_zeek.log
	expect ts_zeek 0 "ts_zeek\.log:10: bad ts '1e300'" "" $SMALL_MB
	[ "$(jq_py ts_zeek "d['inputs'][0]['events'], d['inputs'][0]['rejected']")" = "1 7" ] &&
		ok "ts_zeek: 7 bad stamps rejected, 1 read" || not_ok "ts_zeek: $(counts ts_zeek)"
fi

# --- address families and line ends ---------------------------------------
# IPv6 everywhere an address goes: each text format's test log with every
# IPv4 address rewritten as IPv6 (2001:db8::a:b:c:d) reads at least as
# many events (bad IPv4 such as 192.168.1.500 become valid IPv6), no
# record is rejected for an address, and at least as many events carry an
# IPv6 address as carried an IPv4 one.
v4to6='s/(^|[^0-9.])([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})($|[^0-9.])/\12001:db8::\2:\3:\4:\5\6/g'
for f in pfirewall/pfirewall_outbreak.log netfilter/netfilter_ufw.log \
	netfilter/netfilter_rfc.log filterlog/filterlog_bsd.log asa/asa_mixed.log \
	fortigate/fortigate_traffic.log panos/panos_traffic.log \
	zeek_conn/zeek_conn.log zeek_conn/zeek_conn_json.log mikrotik/mikrotik_fw.log \
	windns/windns_enus.log bind/bind_queries.log dnsmasq/dnsmasq_syslog.log \
	zeek_dns/zeek_dns.log smblog/smblog_access.log; do
	[ -f "$src/testdata/$f" ] || continue
	b=$(basename "$f")
	sed -E "$v4to6; $v4to6" "$src/testdata/$f" >"v6_$b"
	"$wcscan" --year 2017 -f json -o v4.json --dump-events v4.nd "$src/testdata/$f" 2>/dev/null
	"$wcscan" --year 2017 -f json -o "v6_$b.json" --dump-events v6.nd "v6_$b" 2>/dev/null
	e4=$(jq_py v4 "d['inputs'][0]['events']")
	e6=$(jq_py "v6_$b" "d['inputs'][0]['events']")
	bad=$(jq_py "v6_$b" "[r['why'] for r in d['inputs'][0]['rejects'] if 'addr' in r['why']]")
	n4=$(grep -cE '"(src|dest)_ip":"[0-9]+\.' v4.nd)
	n6=$(grep -cE '"(src|dest)_ip":"2001:db8::' v6.nd)
	if [ "$e6" -ge "$e4" ] && [ "$bad" = "[]" ] && [ "$n6" -ge "$n4" ]; then
		ok "ipv6 $b: $e6 events (IPv4: $e4), $n6 with IPv6 addresses (IPv4: $n4)"
	else
		not_ok "ipv6 $b: events $e6 (IPv4 $e4), with addresses $n6 (IPv4 $n4), address rejects $bad"
	fi
done

# CRLF and mixed line ends: the same events as the original, text and XML.
for f in pfirewall/pfirewall_outbreak.log netfilter/netfilter_ufw.log \
	asa/asa_mixed.log zeek_conn/zeek_conn.log windns/windns_enus.log \
	bind/bind_queries.log smblog/smblog_access.log \
	evtx_xml/wevtutil_rootless.xml sysmon_xml/sysmon_3_conn.xml; do
	[ -f "$src/testdata/$f" ] || continue
	b=$(basename "$f")
	sed 's/\r$//; s/$/\r/' "$src/testdata/$f" >"crlf_$b"
	awk '{ sub(/\r$/, "") } NR % 2 { printf "%s\r\n", $0; next } { print }' \
		"$src/testdata/$f" >"mixed_$b"
	strip() { sed 's/,"source":.*$//' "$1"; }
	"$wcscan" --year 2017 --dump-events a.nd -o devnull.out "$src/testdata/$f" 2>/dev/null
	"$wcscan" --year 2017 --dump-events b.nd -o devnull.out "crlf_$b" 2>/dev/null
	"$wcscan" --year 2017 --dump-events c.nd -o devnull.out "mixed_$b" 2>/dev/null
	if [ -s a.nd ] && [ "$(strip a.nd)" = "$(strip b.nd)" ] && [ "$(strip a.nd)" = "$(strip c.nd)" ]; then
		ok "line ends $b: CRLF and mixed give the same $(wc -l <a.nd) events"
	else
		not_ok "line ends $b: events differ ($(wc -l <a.nd) $(wc -l <b.nd) $(wc -l <c.nd))"
	fi
done

# --- forged addresses -------------------------------------------------------
# 10 million (light: 300,000) distinct source addresses, each one 445/tcp
# packet, streamed from awk through a pipe (1 GB, never on disk): every
# line is counted, memory stays under the engine's caps, the untracked
# attempts are said.
t0=$(date +%s%N)
awk -v n="$FORGED" 'BEGIN { for (i = 0; i < n; i++) printf "May 12 15:03:01 gw kernel: IN=eth0 OUT= SRC=10.%d.%d.%d DST=10.0.0.9 LEN=52 PROTO=TCP SPT=49152 DPT=445 SYN\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' |
	/usr/bin/time -f %M -o forged.rss timeout "$TMO_FORGED" \
		"$wcscan" --fw - --year 2017 -f json -o forged.json 2>forged.err
st=$?
finish_run forged "$t0"
# (the light run's 300,000 stay under the 1 Mi source cap: nothing said)
if [ "$FORGED" -gt 1048576 ]; then re='attempts not tracked: memory caps reached'; else re=''; fi
expect forged 0 "$re" "$FORGED $FORGED 0 0" $BIG_MB

# The same number of forged sources making ordinary web requests, and as
# many forged clients looking up the kill switch: the host table stops at
# its cap (wcscan(1) CAPS), says how many events it could not place, and
# stays under 1 GB (HOST_MB; 8x under AddressSanitizer).
HOST_MB=1000
grep -q __asan_init "$wcscan" 2>/dev/null && HOST_MB=$((HOST_MB * 8))
t0=$(date +%s%N)
awk -v n="$FORGED" 'BEGIN { for (i = 0; i < n; i++) printf "May 12 15:03:01 gw kernel: IN=eth0 OUT=eth1 SRC=10.%d.%d.%d DST=93.184.216.34 LEN=52 PROTO=TCP SPT=49152 DPT=80 SYN\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' |
	/usr/bin/time -f %M -o forged_web.rss timeout "$TMO_FORGED" \
		"$wcscan" --fw - --year 2017 -f json -o forged_web.json 2>forged_web.err
st=$?
finish_run forged_web "$t0"
if [ "$FORGED" -gt 262144 ]; then re='events about hosts not tracked: the host table is full'; else re=''; fi
expect forged_web 0 "$re" "$FORGED $FORGED 0 0" $HOST_MB
# Every client is a suspicious host: the report is CSV (a JSON report of
# a million hosts is a gigabyte), one row per host the table could hold.
t0=$(date +%s%N)
awk -v n="$FORGED" 'BEGIN { for (i = 0; i < n; i++) printf "May 12 15:03:%02d gw dnsmasq[812]: query[A] www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com from 10.%d.%d.%d\n", i % 60, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' |
	/usr/bin/time -f %M -o forged_ks.rss timeout "$TMO_FORGED" \
		"$wcscan" --dns - --year 2017 -f csv -o forged_ks.csv 2>forged_ks.err
st=$?
finish_run forged_ks "$t0"
rows=$(($(wc -l <forged_ks.csv) - 1))
want_rows=$((FORGED < 1048576 ? FORGED : 1048576))
why=""
[ "$st" = 1 ] || why="$why exit $st (want 1);"
[ "$rows" = "$want_rows" ] || why="$why $rows hosts in the report (want $want_rows);"
if [ "$FORGED" -gt 1048576 ] && ! grep -q 'events about hosts not tracked: the host table is full' forged_ks.err; then
	why="$why no warning: $(head -c 200 forged_ks.err)"
fi
[ "$LIGHT" = 1 ] || awk -v m="$mb" -v c="$HOST_MB" 'BEGIN { exit !(m <= c) }' || why="$why peak RSS $mb MB > $HOST_MB MB;"
echo "# forged_ks: exit $st, $secs s, peak RSS $mb MB, $rows hosts"
if [ -z "$why" ]; then ok forged_ks; else not_ok "forged_ks:$why"; fi

# --- output safety ----------------------------------------------------------
# CSV: host names crafted as formulas (= + - @, tab, CR first) are
# neutralised: no cell starts with one of them.
i=0
for n in '=HYPERLINK(&quot;http://evil/&quot;)' "+1+cmd|' /C calc'!A0" '-2+3' '@SUM(A1)' '&#9;=tab' '&#13;=cr'; do
	i=$((i + 1))
	echo "<Event $EVNS><System><Provider Name=\"Service Control Manager\"/><EventID>7045</EventID><TimeCreated SystemTime=\"2017-05-12T07:44:55Z\"/><Computer>$n</Computer></System><EventData><Data Name=\"ServiceName\">=svc$i</Data><Data Name=\"ImagePath\">C:\\WINDOWS\\mssecsvc.exe -m security</Data></EventData></Event>"
done >formula.xml
"$wcscan" -f csv formula.xml >formula.csv 2>/dev/null
res=$(python3 -c 'import csv,sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
bad = [c for r in rows for c in r if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
names = [r[2] for r in rows[1:]]
print(len(rows) - 1, len(bad), all(n.startswith("\x27") for n in names))' formula.csv)
[ "$res" = "6 0 True" ] && ok "csv: 6 formula host names neutralised" || not_ok "csv: rows/bad/quoted = $res"

# Text (terminal) output and messages: escape sequences (OSC title, clear
# screen, CSI in C1 form, DEL) from an SMB log, a DNS name and a rejected
# firewall value never reach stdout or stderr as control bytes, the
# messages on stderr included.
{
	printf 'DateTime\tClient\tServer\tProtocol\tComputerName\tUser Account\tOperation\n'
	printf '12/May/2017:17:03:01 +02:00\t10.0.0.23:49201\t10.0.0.5:445\tSMB1/tcp\tWS\033]0;owned\007\033[2J\302\233\177\tEVIL\033[5m\tNegotiate\033[0m\n'
} >esc_smb.log
printf 'May 12 15:03:00 gw dnsmasq[812]: query[A] \033[31m.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com from 192.168.7.23\n' >esc_dns.log
{
	nf_line 1
	printf 'May 12 15:03:02 gw kernel: IN=eth0 OUT= SRC=\033]0;pwned\007\033[2J DST=10.0.0.10 PROTO=TCP SPT=1 DPT=445\n'
} >esc_fw.log
"$wcscan" --year 2017 -f text esc_smb.log esc_dns.log esc_fw.log >esc.out 2>esc.err
res=$(python3 -c 'import sys
for f in sys.argv[1:]:
    b = open(f, "rb").read()
    bad = sum(1 for c in b if (c < 0x20 and c not in (9, 10)) or c == 0x7f)
    c1 = sum(1 for ch in b.decode("utf-8", "replace") if 0x80 <= ord(ch) <= 0x9f)
    print(len(b) > 0, bad + c1, end=" ")' esc.out esc.err)
grep -q 'x1b' esc.out && grep -q 'esc_fw\.log:2: .*\\x1b' esc.err &&
	[ "$res" = "True 0 True 0 " ] && ok "text: no control bytes from logs on stdout or stderr" ||
	not_ok "text: control bytes (stdout has/bad, stderr has/bad: $res)"

# -o never follows a symlink planted at the target: one to an existing
# file (left alone) and a dangling one (nothing created where it points).
echo precious >precious
ln -s "$tmp/precious" out1.json
ln -s "$tmp/created-elsewhere" out2.json
"$wcscan" -f json -o out1.json ok.log 2>/dev/null
"$wcscan" -f json -o out2.json ok.log 2>/dev/null
if [ "$(cat precious)" = precious ] && [ ! -L out1.json ] && [ ! -L out2.json ] &&
	[ ! -e created-elsewhere ] && python3 "$check_json" out1.json && python3 "$check_json" out2.json; then
	ok "-o replaces planted symlinks, writes through neither"
else not_ok "-o followed a planted symlink"; fi

# --- outputs: one safe writer for every output ---------------------------
# Devices are stand-ins made here with mknod (root only): a private null
# (1,3) and full (1,7), so a regression damages nothing of the machine's.
kind() { stat -c %F "$1" 2>/dev/null; }
if [ "$(id -u)" = 0 ] && mknod out_null c 1 3 2>/dev/null && mknod out_full c 1 7 2>/dev/null; then
	"$wcscan" -f json -o out_null ok.log 2>out_null.err
	st=$?
	[ "$st" = 0 ] && [ "$(kind out_null)" = "character special file" ] &&
		ok "-o onto a character device writes in place, the device stays" ||
		not_ok "-o onto a device: exit $st, now '$(kind out_null)'"
	"$wcscan" -f json -o out_full ok.log 2>out_full.err
	st=$?
	[ "$st" = 2 ] && grep -q 'out_full: .*No space left on device' out_full.err &&
		[ "$(kind out_full)" = "character special file" ] &&
		ok "-o onto a full device: exit 2 naming the path and the reason" ||
		not_ok "-o onto a full device: exit $st: $(head -c 200 out_full.err)"
	"$wcscan" -f json -o out_dump.json --dump-events out_full ok.log 2>out_dumpfull.err
	st=$?
	[ "$st" = 2 ] && grep -q 'out_full: .*No space left on device' out_dumpfull.err &&
		python3 "$check_json" out_dump.json >/dev/null 2>&1 &&
		ok "--dump-events write failure: named, exit 2, the report still written" ||
		not_ok "--dump-events onto a full device: exit $st: $(head -c 200 out_dumpfull.err)"
	"$wcscan" -f json -o out_graph.json --graph out_full ok.log 2>out_graphfull.err
	st=$?
	[ "$st" = 2 ] && grep -q 'out_full: .*No space left on device' out_graphfull.err &&
		python3 "$check_json" out_graph.json >/dev/null 2>&1 &&
		ok "--graph write failure: named with its reason, exit 2, the report still written" ||
		not_ok "--graph onto a full device: exit $st: $(head -c 200 out_graphfull.err)"
else
	echo "# SKIP: device outputs (mknod needs root)"
fi
# A FIFO is written in place, never replaced.
mkfifo out_fifo
timeout 20 cat out_fifo >out_fifo.got &
reader=$!
timeout "$TMO_FIFO" "$wcscan" -f json -o out_fifo ok.log 2>/dev/null
st=$?
wait $reader
[ "$st" = 0 ] && [ "$(kind out_fifo)" = fifo ] && python3 "$check_json" out_fifo.got >/dev/null 2>&1 &&
	ok "-o onto a FIFO writes through it, the FIFO stays" || not_ok "-o onto a FIFO: exit $st, now '$(kind out_fifo)'"
# /dev/stdout is a symbolic link into /proc: written to, never replaced.
"$wcscan" -f json -o /dev/stdout ok.log >out_stdout.got 2>/dev/null
st=$?
[ "$st" = 0 ] && [ -L /dev/stdout ] && python3 "$check_json" out_stdout.got >/dev/null 2>&1 &&
	ok "-o /dev/stdout writes to standard output" || not_ok "-o /dev/stdout: exit $st"
# An existing report keeps its mode and owner.
echo old >out_mode.json
chmod 0640 out_mode.json
[ "$(id -u)" = 0 ] && chown nobody out_mode.json
want=$(stat -c '%a %U' out_mode.json)
"$wcscan" -f json -o out_mode.json ok.log 2>/dev/null
[ "$(stat -c '%a %U' out_mode.json)" = "$want" ] && python3 "$check_json" out_mode.json >/dev/null 2>&1 &&
	ok "-o over a report keeps its mode and owner ($want)" ||
	not_ok "-o over a report: mode/owner now $(stat -c '%a %U' out_mode.json), was $want"
# --graph and --dump-events never follow planted links, existing or dangling.
echo precious >out_precious
ln -s "$tmp/out_precious" out_g1.dot
ln -s "$tmp/out_created-elsewhere" out_e1.nd
"$wcscan" -f json -o out_links.json --graph out_g1.dot --dump-events out_e1.nd ok.log 2>/dev/null
[ "$(cat out_precious)" = precious ] && [ ! -L out_g1.dot ] && [ ! -L out_e1.nd ] &&
	[ ! -e out_created-elsewhere ] && grep -q digraph out_g1.dot && [ -s out_e1.nd ] &&
	ok "--graph and --dump-events replace planted symlinks, write through neither" ||
	not_ok "--graph/--dump-events followed a planted symlink"
# Output paths are checked before any input is read: a FIFO input that no
# one writes would block the run forever if it came first.
mkfifo out_never
timeout 10 "$wcscan" -f json -o out_missing/dir/r.json out_never 2>out_early.err
st=$?
[ "$st" = 2 ] && grep -q 'out_missing/dir/r.json: its directory does not exist' out_early.err &&
	ok "an unwritable -o is refused before any input is read" ||
	not_ok "-o checked late: exit $st: $(head -c 200 out_early.err)"
"$wcscan" -f json -o out_same --graph out_same ok.log 2>out_same.err
[ $? = 2 ] && grep -q 'named for two outputs' out_same.err && ok "one path for two outputs is refused" ||
	not_ok "one path for two outputs"
# SIGINT, SIGTERM, SIGHUP while reading: no temporary file is left, and
# the exit status says which signal ended the run.  Not in light mode:
# there WCSCAN is a wrapper running wcscan under valgrind, and the signal
# would reach the wrapper, not wcscan.
[ "$LIGHT" = 1 ] && echo "# SKIP: signals (light mode: WCSCAN is a valgrind wrapper)"
for sig in INT TERM HUP; do
	[ "$LIGHT" = 1 ] && break
	mkdir -p "out_sig$sig"
	(cat ok.log; sleep 3) | "$wcscan" -f json -o "out_sig$sig/r.json" \
		--graph "out_sig$sig/g.dot" --dump-events "out_sig$sig/e.nd" - 2>"out_sig$sig.err" &
	pid=$!
	sleep 1
	kill -"$sig" "$pid"
	wait "$pid"
	st=$?
	left=$(ls -A "out_sig$sig" | tr '\n' ' ')
	want=$((128 + $(kill -l "$sig")))
	[ "$st" = "$want" ] && [ -z "$left" ] && grep -q interrupted "out_sig$sig.err" &&
		ok "SIG$sig while reading: nothing left behind, exit $st" ||
		not_ok "SIG$sig: exit $st (want $want), left: $left"
done

# --- paths and file types ---------------------------------------------------
# Inputs are opened without blocking and checked with fstat: only regular
# files, standard input and FIFOs named on the command line are read.  A
# directory walk stays inside the directory named (symbolic links out of it
# are not followed without --follow-symlinks) and no file is read twice.
in_report() { # NAME PATH-SUFFIX: that input's error, or "absent"
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
m = [i for i in d["inputs"] if i["path"].endswith(sys.argv[2])]
print(m[0]["error"] if m else "absent")' "$1.json" "$2"
}
records_total() { jq_py "$1" "sum(i['records'] for i in d['inputs'])"; }
# stall_open: open the FIFO paths_stall for writing as fd 3, which returns
# once wcscan opens it to read; should wcscan never get there, a watchdog
# reads it instead after $TMO_FIFO s, so the suite does not hang either.
stall_open() {
	python3 -c 'import sys, time
time.sleep(float(sys.argv[1]))
open(sys.argv[2], "rb").read()' "$TMO_FIFO" paths_stall >/dev/null 2>&1 &
	stall_wd=$!
	exec 3>paths_stall
	kill "$stall_wd" 2>/dev/null
}

# A device and a socket named on the command line are inputs that cannot
# be read: exit 2, named with their type, in the report, not skipped with
# exit 0 as if they held nothing.  The device is a null device of our own
# when root (mknod), else /dev/null.
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' paths.sock
dev=/dev/null
[ "$(id -u)" = 0 ] && mknod paths_null c 1 3 2>/dev/null && dev=$tmp/paths_null
if [ -c "$dev" ]; then
	run paths_dev --year 2017 "$dev" paths.sock ok.log
	expect paths_dev 2 "$dev: is a character device" "" $SMALL_MB
	grep -q 'paths\.sock: is a socket' paths_dev.err &&
		in_report paths_dev "$dev" | grep -q 'character device' &&
		in_report paths_dev paths.sock | grep -q socket &&
		[ "$(counts paths_dev 2)" = "1 1 0 0" ] &&
		ok "paths_dev: device and socket in the report with their error, the log read" ||
		not_ok "paths_dev: $dev '$(in_report paths_dev "$dev")', socket '$(in_report paths_dev paths.sock)'"
else
	echo "# skip: device input (no mknod, and /dev/null is no device)"
fi

# A file swapped for a FIFO between listing and opening is refused, not
# waited on.  Deterministic: the first input is a FIFO named on the command
# line; wcscan lists every input, then waits for that FIFO's writer, and
# while it waits the file in the directory becomes a FIFO nobody writes.
mkdir paths_swap
nf_line 1 >paths_swap/fw.log
mkfifo paths_stall
t0=$(date +%s%N)
/usr/bin/time -f %M -o paths_swap.rss timeout "$TMO_FIFO" "$wcscan" --year 2017 \
	-f json -o paths_swap.json paths_stall paths_swap 2>paths_swap.err &
tpid=$!
stall_open # wcscan opens it once every input is listed
rm paths_swap/fw.log
mkfifo paths_swap/fw.log
nf_line 2 >&3
exec 3>&-
wait "$tpid"
st=$?
finish_run paths_swap "$t0"
expect paths_swap 2 'paths_swap/fw\.log: is a FIFO found inside a directory' "1 1 0 0" $SMALL_MB

# A symbolic link in a walked directory to a file outside it (and one to
# /etc/shadow): not read, so under --input-format smblog (every line a
# reject sample) no byte of either reaches the report or the messages.
secret="WCSCAN-SECRET-$$-$RANDOM"
mkdir paths_out paths_links
echo "$secret" >paths_out/secret.log
nf_line 1 >paths_links/fw.log
ln -s "$tmp/paths_out/secret.log" paths_links/secret.log
ln -s ../paths_out paths_links/outdir
[ -r /etc/shadow ] && ln -s /etc/shadow paths_links/shadow.log
shadow_line=$(head -n 1 /etc/shadow 2>/dev/null)
run paths_links --input-format smblog paths_links
expect paths_links 0 'paths_links/secret\.log: skipped: symbolic link to .*outside' "" $SMALL_MB
if grep -qF -- "$secret" paths_links.json paths_links.err ||
	{ [ -n "$shadow_line" ] && grep -qF -- "$shadow_line" paths_links.json paths_links.err; }; then
	not_ok "paths_links: a file outside the directory was read into the report"
else ok "paths_links: nothing from outside the directory in the report or messages"; fi
grep -q 'paths_links/outdir: skipped: symbolic link' paths_links.err &&
	ok "paths_links: a link to a directory outside is not walked" ||
	not_ok "paths_links: $(tr '\n' '|' <paths_links.err | head -c 300)"
run paths_follow --input-format smblog --follow-symlinks paths_links
expect paths_follow 0 "" "" $SMALL_MB
grep -qF -- "$secret" paths_follow.json &&
	grep -q 'paths_links/secret\.log: skipped: already read as paths_links/outdir/secret\.log' paths_follow.err &&
	ok "paths_follow: --follow-symlinks reads outside, each file once" ||
	not_ok "paths_follow: $(tr '\n' '|' <paths_follow.err | head -c 300)"

# One file named twice, through a hard link and through a symbolic link in
# a directory: read once, the others skipped naming the first.
mkdir paths_twice
printf '%s\n%s\n' "$(nf_line 1)" "$(nf_line 2)" >paths_twice/fw.log
ln paths_twice/fw.log paths_hard.log
ln -s fw.log paths_twice/link.log
run paths_twice --year 2017 paths_twice/fw.log paths_twice/fw.log paths_hard.log paths_twice
expect paths_twice 0 'paths_hard\.log: skipped: already read as paths_twice/fw\.log' "2 2 0 0" $SMALL_MB
[ "$(records_total paths_twice)" = 2 ] && [ "$(jq_py paths_twice "len(d['inputs'])")" = 1 ] &&
	grep -q 'paths_twice/link\.log: skipped: already read as' paths_twice.err &&
	ok "paths_twice: 2 records counted once, one input in the report" ||
	not_ok "paths_twice: $(records_total paths_twice) records in $(jq_py paths_twice "len(d['inputs'])") inputs"

# A file truncated while read (logrotate copytruncate): said on stderr and
# as a note in the report; the line cut in two is no reject.  Deterministic
# again: the FIFO named first holds wcscan, after it opened the big log
# and read its first 256 KiB, until the log has been truncated.  Whole
# (-j 1), then in pieces (WCSCAN_PIECE_SIZE; the first 7 pieces are open,
# the rest opened after the cut, past the new end).
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "May 12 15:03:01 gw kernel: IN=eth0 OUT= SRC=192.168.1.5 DST=10.0.%d.%d LEN=52 PROTO=TCP SPT=49152 DPT=445 SYN\n", i / 256 % 256, i % 256 }' >paths_big.src
big_size=$(stat -c %s paths_big.src)
descendants() { local p; for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }
shrink_case() { # NAME CUT-TO WANT-OPEN-FDS [ENV...]
	local name=$1 cut=$2 fds=$3 tpid f i n=0
	shift 3
	cp paths_big.src paths_big.log
	rm -f paths_stall
	mkfifo paths_stall
	t0=$(date +%s%N)
	env "$@" /usr/bin/time -f %M -o "$name.rss" timeout "$TMO_FIFO" "$wcscan" -j 1 \
		--year 2017 -f json -o "$name.json" paths_stall paths_big.log 2>"$name.err" &
	tpid=$!
	stall_open
	for i in $(seq 100); do nf_line 1; done >&3
	# Wait (at most $TMO_FIFO s) until the log is open as wanted: the
	# whole file read 256 KiB in, or so many pieces.  wcscan is some
	# descendant of time (under timeout, perhaps a valgrind wrapper).
	for i in $(seq $((TMO_FIFO * 20))); do
		n=0
		for f in $(for p in $(descendants "$tpid"); do echo /proc/"$p"/fd/*; done); do
			[ "$(readlink "$f" 2>/dev/null)" = "$tmp/paths_big.log" ] || continue
			[ "$fds" -gt 1 ] || [ "$(awk '/^pos:/ { print $2 }' "${f%/fd/*}/fdinfo/${f##*/}" 2>/dev/null)" -ge 262144 ] 2>/dev/null || continue
			n=$((n + 1))
		done
		[ "$n" -ge "$fds" ] && break
		sleep 0.05
	done
	truncate -s "$cut" paths_big.log
	exec 3>&-
	wait "$tpid"
	st=$?
	finish_run "$name" "$t0"
	[ "$n" -ge "$fds" ] || echo "# $name: the log was not open as wanted ($n of $fds) when cut"
}
if [ -d /proc/self/fdinfo ]; then
	shrink_case paths_shrink 0 1
	expect paths_shrink 0 "paths_big\\.log: file shrank while being read \\(from $big_size to 0 bytes\\)" "" $SMALL_MB
	res=$(jq_py paths_shrink "[(0 < i['records'] < 20000, i['rejected'], [n for n in i['notes'] if 'shrank' in n]) for i in d['inputs'] if i['path'] == 'paths_big.log'][0]")
	[ "$res" = "(True, 0, ['file shrank while being read (from $big_size to 0 bytes)'])" ] &&
		ok "paths_shrink: the lines before the cut read, the cut one no reject, a note in the report" ||
		not_ok "paths_shrink: some-but-not-all records, rejects, notes: $res"
	shrink_case paths_shrink_pieces 100000 7 WCSCAN_PIECE_SIZE=65536
	expect paths_shrink_pieces 0 "paths_big\\.log: file shrank while being read \\(from $big_size to 100000 bytes\\)" "" $SMALL_MB
	res=$(jq_py paths_shrink_pieces "[(i['records'], i['rejected'], len([n for n in i['notes'] if 'shrank' in n])) for i in d['inputs'] if i['path'] == 'paths_big.log'][0]")
	# Every whole line before the cut, no more.
	[ "$res" = "($(head -c 100000 paths_big.src | wc -l), 0, 1)" ] &&
		[ "$(grep -c 'file shrank' paths_shrink_pieces.err)" = 1 ] &&
		ok "paths_shrink_pieces: pieces past the cut read nothing, no rejects, said once" ||
		not_ok "paths_shrink_pieces: records, rejects, notes: $res; $(grep -c 'file shrank' paths_shrink_pieces.err) warnings"
else
	echo "# skip: shrinking-file cases (no /proc/PID/fdinfo)"
fi

# --- rules evasion and dirty evtx ------------------------------------------
# File names written to slip past the rules (an 8.3 short name, an NTFS
# stream, a trailing dot) still hit; a near miss (TASKSCHD.EXE) and names
# that only contain the kill switch (x.www.<name>, <name>.evil.com) do not.
KS=iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com
proc_event() { # COMPUTER IMAGE
	echo "<Event $EVNS><System><Provider Name=\"Microsoft-Windows-Security-Auditing\"/><EventID>4688</EventID><TimeCreated SystemTime=\"2017-05-12T07:44:55.000Z\"/><Computer>$1</Computer></System><EventData><Data Name=\"NewProcessName\">$2</Data></EventData></Event>"
}
{
	proc_event WS-1 'C:\ProgramData\qwe\TASKSC~1.EXE'
	proc_event WS-2 'C:\ProgramData\qwe\tasksche.exe::$DATA'
	proc_event WS-3 'C:\WINDOWS\mssecsvc.exe.'
	proc_event WS-4 'C:\Windows\System32\TASKSCHD.EXE'
} >evasion.xml
{
	echo "12-May-2017 15:03:01.100 client 192.168.1.31#52341 (x.www.$KS): query: x.www.$KS IN A + (10.0.0.1)"
	echo "12-May-2017 15:03:01.200 client 192.168.1.32#52341 ($KS.evil.com): query: $KS.evil.com IN A + (10.0.0.1)"
	echo "12-May-2017 15:03:01.300 client 192.168.1.33#52341 (WWW.$KS.): query: WWW.$KS. IN A + (10.0.0.1)"
} >evasion_dns.log
run evasion --evtx evasion.xml --dns evasion_dns.log
expect evasion 1 "" "" $SMALL_MB
res=$(jq_py evasion "sorted(((h['names'] or [h['ip']])[0], sorted(set(e['rule'] for e in h['evidence']))) for h in d['hosts'])")
want="[('192.168.1.33', ['wannacry.killswitch.original']), ('WS-1', ['wannacry.process.tasksche']), ('WS-2', ['wannacry.process.tasksche']), ('WS-3', ['wannacry.process.mssecsvc'])]"
[ "$res" = "$want" ] && ok "evasion: short name, stream, trailing dot hit; TASKSCHD.EXE and longer kill-switch names do not" ||
	not_ok "evasion: hosts and rules $res (want $want)"

# More Data elements than are kept (200: ServiceName, F4 to F200, X and
# ImagePath): the event is read, the loss is said.
data=""
for i in $(seq 4 200); do data="$data<Data Name=\"F$i\">x</Data>"; done
{
	svc_event WS-5 "mssecsvc2.0$(printf '</Data>%s<Data Name="X">' "$data")"
	svc_event WS-5 after
} >many_data.xml
run many_data --evtx many_data.xml
expect many_data 1 'many_data\.xml:1: 72 Data elements past the first 128 not read' "3 2 0 1" $SMALL_MB

# A dirty .evtx (checksums off, as in logs copied from a live system): a
# note per chunk, every record still read.  Built from a shared sample.
tch="$src/../shared/data/evtx-to-mitre-attack/TA0002-Execution/T1569.002-Service execution/ID7000,7009,7045-Payload deployed via service - Tchopper.evtx"
if [ -f "$tch" ]; then
	python3 - "$tch" dirty.evtx <<'EOF'
import struct, sys, zlib
f = bytearray(open(sys.argv[1], 'rb').read())
c = 4096 + 65536  # chunk 1: records checksum off, header checksum made right
f[c + 52] ^= 1
f[c + 124:c + 128] = struct.pack('<I', zlib.crc32(bytes(f[c + 128:c + 512]), zlib.crc32(bytes(f[c:c + 120]))))
c += 65536  # chunk 2: header checksum off
f[c + 124] ^= 0x80
open(sys.argv[2], 'wb').write(f)
EOF
	run dirty_evtx --evtx dirty.evtx
	expect dirty_evtx 0 'dirty\.evtx:98: chunk 1 \(offset 69632\): event records checksum mismatch, its records read one by one' "735 244 489 2" $SMALL_MB
else
	echo "# SKIP: dirty_evtx ($tch is absent)"
fi

# Messages reach stderr whole: one write(2) a line, not one a byte.
if [ "$LIGHT" != 1 ] && command -v strace >/dev/null 2>&1 &&
	: >w1.log && : >w2.log && : >w3.log &&
	strace -f -e trace=write -o writes.trace "$wcscan" -o writes.txt w1.log w2.log w3.log 2>writes.err &&
	[ -s writes.trace ]; then
	n=$(grep -cE '(^|[0-9] +)write\(2,' writes.trace)
	lines=$(wc -l <writes.err)
	[ "$lines" -ge 3 ] && [ "$n" = "$lines" ] &&
		ok "stderr_writes: one write(2) per message line ($n writes, $lines lines)" ||
		not_ok "stderr_writes: $n writes for $lines lines"
else
	echo "# skip: stderr write count (no strace, strace not permitted, or light mode)"
fi

# --- real log variants ----------------------------------------------------
# Lines as real devices write them, each read, not rejected:
# BSD syslog with an unpadded day, without a program tag, with a name and
# an address; Cisco ASA tags with a message class, IDs without a colon,
# object names, stamps with their own zone (kept whatever --tz says);
# Zeek's unknown_transport under --strict; Windows DNS dotted names and a
# response dump's answers; Infoblox responses (both with the kill-switch
# name: found, exit 1).  What a log says about itself is a warning and a
# note: events lost, a year from the mtime.
{
	echo "Jan 1 00:00:07 gw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.7 DST=192.168.1.5 PROTO=TCP SPT=49152 DPT=445"
	echo "May 12 15:03:01 gw [12345.678901] IPTABLES-DROP: IN=eth0 OUT= SRC=192.168.1.5 DST=10.0.0.9 PROTO=TCP SPT=49154 DPT=445"
	echo "May 12 15:03:03 gw.example.net 192.0.2.1 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=192.168.1.5 DST=10.0.0.11 PROTO=TCP SPT=49156 DPT=445"
	echo "May 12 15:03:06 gw dhclient: DHCPACK of 192.168.1.5 from 192.168.1.1"
} >rv_syslog.log
run rv_syslog --year 2017 --strict rv_syslog.log
expect rv_syslog 0 '' "4 3 1 0" $SMALL_MB
[ "$(jq_py rv_syslog "d['inputs'][0]['ignored_by_cause']")" = "{'other_program': 1}" ] &&
	ok "rv_syslog: the other program's line ignored as such" ||
	not_ok "rv_syslog: ignored_by_cause $(jq_py rv_syslog "d['inputs'][0]['ignored_by_cause']")"
{
	echo 'Apr 15 2014 09:34:34 EDT: %ASA-session-5-106100: access-list acl_in permitted tcp inside/10.1.2.16(2241) -> outside/192.0.0.89(445) hit-cnt 1 first hit [0x71a87d94, 0x0]'
	echo 'May 12 2017 15:03:20: %ASA-4-106023 Deny tcp src outside:198.51.100.10/51001 dst inside:10.1.1.10/445 by access-group "outside_in" [0x0, 0x0]'
	echo 'Dec 11 2018 08:01:31 127.0.0.1: %FTD-6-302013: Built outbound TCP connection 447236 for outside:192.0.2.222/1234 (192.0.2.222/1234) to dmz:OCSP_Server/5678 (OCSP_Server/5678)'
	echo 'May 12 2017 15:03:22: %ASA-4-106023: Deny tcp src outside:Attacker_Host/51000 dst inside:File_Server/445 by access-group "outside_in" [0x0, 0x0]'
} >rv_asa.log
run rv_asa --tz +09:00 --dump-events rv_asa.ndjson rv_asa.log
expect rv_asa 0 "rv_asa\.log:4: bad endpoints 'Attacker_Host' and 'File_Server': object names" "4 3 0 1" $SMALL_MB
grep -q '"timestamp":"2014-04-15T13:34:34Z"' rv_asa.ndjson &&
	grep -q '"timestamp":"2017-05-12T06:03:20Z"' rv_asa.ndjson &&
	grep -q '"name":"OCSP_Server"' rv_asa.ndjson &&
	ok "rv_asa: EDT kept over --tz, --tz for the stamp without a zone, object name kept" ||
	not_ok "rv_asa: $(cut -c1-120 rv_asa.ndjson | tr '\n' '|')"
printf '#separator \\x09\n#path\tconn\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state\n1494601381.5\t10.0.0.1\t0\t224.0.0.22\t0\tunknown_transport\tOTH\n1494601381.6\t10.0.0.23\t49152\t10.0.0.5\t445\ttcp\tREJ\n' >rv_zeek.log
run rv_zeek --strict rv_zeek.log
expect rv_zeek 0 '' "5 2 3 0" $SMALL_MB
{
	printf '4/15/2014 3:16:00 PM 0710 PACKET  0000000028FB94C0 UDP  Rcv 69.160.33.71    8857 R Q [0080       NOERROR] A      .ns1.offeringsmislead.com.\r\n'
	printf '5/12/2017 4:44:01 PM 0E3C PACKET  000000D3D5A3E1D0 UDP Snd 192.168.1.23    7c6d R Q [8180   DR  NOERROR] A      (3)www(38)iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea(3)com(0)\r\n'
	printf 'UDP response info at 000000D3D5A3E1D0\r\n  Message:\r\n    ANSWER SECTION:\r\n    Offset = 0x0020, RR count = 0\r\n      TYPE   A  (1)\r\n      DATA   144.217.254.3\r\n    AUTHORITY SECTION:\r\n      empty\r\n\r\n'
} >rv_windns.log
run rv_windns --tz +00:00 --dump-events rv_windns.ndjson rv_windns.log
expect rv_windns 1 '' "2 2 0 0" $SMALL_MB
grep -q '"qname":"ns1.offeringsmislead.com"' rv_windns.ndjson &&
	grep -q '"answer":"144.217.254.3"' rv_windns.ndjson &&
	ok "rv_windns: dotted name read, the dump's answer kept" ||
	not_ok "rv_windns: $(cut -c1-160 rv_windns.ndjson | tr '\n' '|')"
{
	echo '<30>May 12 15:03:01 10.0.0.1 named[2588]: infoblox-responses: 12-May-2017 15:03:01.811 client 192.168.0.23#55720: UDP: query: www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com IN A response: NXDOMAIN +'
	echo '07-Apr-2017 20:16:49.083 client 11.22.33.44#57398 TCP: query: c2.foo.com IN A response: NOERROR +ED c2.foo.com. 28800 IN CNAME a2.foo.com.; a2.foo.com. 28800 IN A 1.1.1.2;'
} >rv_infoblox.log
run rv_infoblox --tz +00:00 --year 2017 rv_infoblox.log
expect rv_infoblox 1 '' "2 2 0 0" $SMALL_MB
{
	echo '#Version: 1.5'
	echo '#Software: Microsoft Windows Firewall'
	echo '#Time Format: Local'
	echo '#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path'
	echo '2017-05-12 17:03:01 DROP TCP 10.0.0.5 10.0.0.9 49152 445 52 S 1 0 8192 - - - RECEIVE'
	echo '2017-05-12 17:03:05 INFO-EVENTS-LOST - - - - - - - - - - - - 12 -'
} >rv_lost.log
run rv_lost --tz +00:00 rv_lost.log
expect rv_lost 0 'rv_lost\.log: the log says 12 events were lost' "6 1 5 0" $SMALL_MB
jq_py rv_lost "d['inputs'][0]['notes']" | grep -q '12 events were lost' &&
	ok "rv_lost: the lost events are a note for that input" ||
	not_ok "rv_lost: notes $(jq_py rv_lost "d['inputs'][0]['notes']")"
nf_line 1 >rv_year.log
touch -d '2020-06-01 12:00:00' rv_year.log
run rv_year --tz +00:00 rv_year.log
expect rv_year 0 "rv_year\.log: no year in the log: 2020 taken from the file's modification time" "1 1 0 0" $SMALL_MB
jq_py rv_year "d['inputs'][0]['notes']" | grep -q 'year taken from file modification time' &&
	ok "rv_year: the guessed year is a note too" ||
	not_ok "rv_year: notes $(jq_py rv_year "d['inputs'][0]['notes']")"

# --- Event XML and .evtx as they come -------------------------------------
# An attacker's 4688 hides tasksche.exe /i behind a control character, a
# byte that is not UTF-8 and a reference to a forbidden character in its
# command line, between ordinary records: the record is repaired (U+FFFD),
# read and found, the sweep exits 1, and the repairs are a warning and a
# note.  A record broken in its structure is still rejected.
{
	svc_event WS-9 Spooler
	printf '<Event %s>\n  <System>\n    <Provider Name="Microsoft-Windows-Security-Auditing"/>\n    <EventID>4688</EventID>\n    <TimeCreated SystemTime="2017-05-12T08:01:19.430113600Z"/>\n    <EventRecordID>88231</EventRecordID>\n    <Channel>Security</Channel>\n    <Computer>ACCT-PC-12</Computer>\n  </System>\n  <EventData>\n    <Data Name="SubjectUserName">ACCT-PC-12$</Data>\n    <Data Name="NewProcessName">C:\\ProgramData\\qjvzhwkbfeq516\\tasksche.exe</Data>\n    <Data Name="CommandLine">"C:\\ProgramData\\qjvzhwkbfeq516\\tasksche.exe" /i \001\377&#x1B;</Data>\n  </EventData>\n</Event>\n' "$EVNS"
	printf '<Event %s><System><EventID>7045</EventID>\001</System><EventData>\n' "$EVNS"
	svc_event WS-9 Dnscache
} >ev_attack.xml
run ev_attack ev_attack.xml
expect ev_attack 1 'ev_attack\.xml: 3 characters XML forbids or not UTF-8 replaced with U\+FFFD in 1 record' "4 3 0 1" $SMALL_MB
jq_py ev_attack "[h['names'] for h in d['hosts'] if h['verdict'] != 'clean' and any('tasksche' in e['detail'] for e in h['evidence'])]" | grep -q 'ACCT-PC-12' &&
	jq_py ev_attack "d['inputs'][0]['notes']" | grep -q '3 characters XML forbids' &&
	ok "ev_attack: the hidden tasksche.exe /i is evidence, the repairs a note" ||
	not_ok "ev_attack: $(jq_py ev_attack "[(h['names'], h['verdict']) for h in d['hosts']]") $(jq_py ev_attack "d['inputs'][0]['notes']")"
# A file cut inside its last record (copied while written): the record is
# rejected, and the cut is a warning and a note.
{
	svc_event WS-9 Spooler
	svc_event WS-9 Dnscache | head -c 150
} >ev_cut.xml
run ev_cut ev_cut.xml
expect ev_cut 0 'ev_cut\.xml: the file is cut off' "2 1 0 1" $SMALL_MB
jq_py ev_cut "d['inputs'][0]['notes']" | grep -q 'the file is cut off' &&
	ok "ev_cut: the cut is a note" ||
	not_ok "ev_cut: notes $(jq_py ev_cut "d['inputs'][0]['notes']")"
# A .evtx whose header says it is full and was not closed (a live log
# copied): every record read, and both said (from ../shared/data).
evtx_src="$src/../shared/data/evtx-to-mitre-attack/TA0002-Execution/T1569.002-Service execution/ID7000,7009,7045-Payload deployed via service - Tchopper.evtx"
if [ -f "$evtx_src" ]; then
	python3 -c 'import struct,sys,zlib
b = bytearray(open(sys.argv[1], "rb").read())
b[120:124] = struct.pack("<I", 3)
b[124:128] = struct.pack("<I", zlib.crc32(bytes(b[:120])))
open(sys.argv[2], "wb").write(b)' "$evtx_src" ev_flags.evtx
	run ev_flags ev_flags.evtx
	expect ev_flags 0 'ev_flags\.evtx: its header says the log is full' "733 244 489 0" $SMALL_MB
	grep -q 'ev_flags\.evtx: its header says the log was not closed' ev_flags.err &&
		jq_py ev_flags "d['inputs'][0]['notes']" | grep -q 'not closed' &&
		ok "ev_flags: full and not closed, each a warning and a note" ||
		not_ok "ev_flags: notes $(jq_py ev_flags "d['inputs'][0]['notes']")"
else
	echo "# SKIP: ev_flags ($evtx_src is absent)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
