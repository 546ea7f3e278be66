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
#  4. a sweep killed while reading leaves the state as it was.
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

echo "sweep: $fails failed"
[ "$fails" -eq 0 ]
