#!/usr/bin/env bash
# A 445/tcp burst below the fan-out threshold still shows: a host that
# reaches 7 others within a second is no scanner (threshold 20), yet the
# JSON report lists it among the busiest 445 sources and the text report
# shows it in its short table.
# usage: fanout_top.sh WCSCAN SOURCE_DIR
set -u
wcscan=$1
tmp=$(mktemp -d /tmp/wcscan-fanout.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; }

{
	echo '#Version: 1.5'
	echo '#Software: Microsoft Windows Firewall'
	echo '#Time Format: Local'
	echo '#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path'
	for i in 11 12 13 14 15 16 17; do
		echo "2017-05-12 09:00:00 ALLOW TCP 10.9.0.5 10.9.0.$i 50$i 445 0 - 0 0 0 - - - SEND"
	done
	echo "2017-05-12 09:05:00 ALLOW TCP 10.9.0.6 10.9.0.11 50100 445 0 - 0 0 0 - - - SEND"
} >"$tmp/pfirewall.log"

"$wcscan" -q --tz UTC -f json -o "$tmp/r.json" "$tmp/pfirewall.log"
rc=$?
[ "$rc" = 0 ] && ok "a burst below the threshold is no finding (exit 0)" ||
	not_ok "exit $rc, want 0"
got=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = d["fanout_top_445"]
print(len(d["hosts"]), len(t), t[0]["ip"], t[0]["distinct"], t[0]["same_subnet"],
      t[0]["peak_in_window"], t[0]["verdict"], t[0]["threshold_reached"],
      t[1]["ip"], t[1]["distinct"])' "$tmp/r.json" 2>&1)
[ "$got" = "0 2 10.9.0.5 7 7 7 clean None 10.9.0.6 1" ] &&
	ok "JSON: the busiest 445 sources, flagged or not ($got)" ||
	not_ok "JSON fanout_top_445: $got"
"$wcscan" -q --tz UTC "$tmp/pfirewall.log" >"$tmp/r.txt"
grep -A2 '^Busiest 445/tcp sources' "$tmp/r.txt" |
	grep -Eq '^  10\.9\.0\.5 +7 +7 +0 +0 +7 +2017-05-12T09:00:00Z +clean$' &&
	ok "text: the burst in the short table" ||
	not_ok "text: $(grep -A3 Busiest "$tmp/r.txt")"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
