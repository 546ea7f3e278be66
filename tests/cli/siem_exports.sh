#!/bin/sh
# A generated outbreak whose event logs are exported as each SIEM form
# (wcgen.py --export, testdata/gen/siem_export.py) gives the report the native event XML gives.
# Compared: the JSON report without its inputs, with every file
# path and file:line reference replaced by a token (the files and their
# lines are what differ).  The forms that keep each record's identity are
# tried on a mixed collection (records collected twice, per host and
# centrally, counted once); Sentinel's Event table has no EventRecordID, so
# its forms are tried per host, and its portal CSV keeps milliseconds, so
# times are compared to the millisecond for it.
# usage: tests/cli/siem_exports.sh WCSCAN SRCDIR [SEED]
set -eu
wcscan=$1
src=$2
seed=${3:-7}
work=$(mktemp -d /tmp/wcscan-siem.XXXXXX)
trap 'rm -rf "$work"' EXIT
export WCSCAN_RULES_DIR="$src/rules"
status=0
for coll in mixed per-host; do
	python3 "$src/testdata/gen/wcgen.py" --seed "$seed" --hosts 24 \
	    --collection $coll --out "$work/native-$coll" 2>>"$work/gen.log"
	rm -f "$work/native-$coll/truth.json"
	"$wcscan" -q -f json -o "$work/native-$coll.json" "$work/native-$coll" ||
	    [ $? -eq 1 ]
done
for run in mixed:ecs mixed:ecs-array mixed:splunk-xml mixed:splunk-rest \
    mixed:splunk-csv per-host:sentinel-csv per-host:sentinel-json; do
	coll=${run%%:*}
	form=${run#*:}
	# The same outbreak again (the seed decides everything), exported.
	python3 "$src/testdata/gen/wcgen.py" --seed "$seed" --hosts 24 \
	    --collection $coll --out "$work/$form" --export "$form" \
	    2>>"$work/gen.log"
	rm -f "$work/$form/truth.json"
	"$wcscan" -q -f json -o "$work/$form.json" "$work/$form" ||
	    [ $? -eq 1 ]
	if ! python3 - "$work/native-$coll.json" "$work/native-$coll" \
	    "$work/$form.json" "$work/$form" "$form" <<'PY'
import json, re, sys

ms = sys.argv[5] == "sentinel-csv"
stamp = re.compile(r"(T\d\d:\d\d:\d\d\.\d{3})\d{3}Z")

def norm(path, prefix):
    rep = re.compile(re.escape(prefix) + r"/[^\s,;()\"']*")
    def walk(o):
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items() if k not in ("inputs",)}
        if isinstance(o, list):
            return [walk(v) for v in o]
        if isinstance(o, str):
            o = rep.sub("<FILE>", o)
            return stamp.sub(r"\g<1>000Z", o) if ms else o
        return o
    r = walk(json.load(open(path)))
    for e in r.get("edges", []):
        e.pop("sources", None)
    return r

a = norm(sys.argv[1], sys.argv[2])
b = norm(sys.argv[3], sys.argv[4])
if a != b:
    ja = json.dumps(a, indent=1, sort_keys=True).splitlines()
    jb = json.dumps(b, indent=1, sort_keys=True).splitlines()
    import difflib
    d = list(difflib.unified_diff(ja, jb, "native", sys.argv[5], lineterm="", n=2))
    sys.stderr.write("\n".join(d[:60]) + "\n")
    sys.exit(1)
hosts = sum(1 for h in a["hosts"] if h["verdict"] == "infected")
print("siem_exports: %s: same report (%d hosts, %d infected, %d edges%s)"
      % (sys.argv[5], len(a["hosts"]), hosts, len(a["edges"]),
         ", times to the ms" if ms else ""))
PY
	then
		echo "siem_exports: $form: the report differs from the native one" >&2
		status=1
	fi
done
exit $status
