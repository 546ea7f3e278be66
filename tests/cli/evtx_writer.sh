#!/bin/sh
# A generated central collection (ForwardedEvents-style, many computers in
# one log) written as binary .evtx (wcgen.py --evtx, testdata/gen/evtx_writer.py)
# gives the events and the JSON report its event XML gives (issues 10 and
# 14): --dump-events without file/line provenance, and the report without
# its inputs, file paths and file:line references.  Then evtxexport
# (libevtx-utils), a reader wcscan shares no code with, must read every
# record of the .evtx without an error and render the same records as the
# XML (times to 100 ns, GUIDs in any case); SKIP (77) when it is absent.
# usage: tests/cli/evtx_writer.sh WCSCAN SRCDIR [SEED]
set -eu
wcscan=$1
src=$2
seed=${3:-7}
work=$(mktemp -d /tmp/wcscan-evtxw.XXXXXX)
trap 'rm -rf "$work"' EXIT
export WCSCAN_RULES_DIR="$src/rules"
for form in xml evtx; do
	opt=
	[ $form = evtx ] && opt=--evtx
	python3 "$src/testdata/gen/wcgen.py" --seed "$seed" --hosts 24 \
	    --collection central --out "$work/$form" $opt 2>>"$work/gen.log"
	rm -f "$work/$form/truth.json"
	"$wcscan" -q -f json -o "$work/$form.json" \
	    --dump-events "$work/$form.nd" "$work/$form" || [ $? -eq 1 ]
done
ls "$work"/evtx/central/*.evtx >/dev/null
python3 - "$work" <<'PY'
import json, re, sys
w = sys.argv[1]

def events(path):
    out = []
    for line in open(path):
        d = json.loads(line)
        for k in ("source", "line", "offset"):
            d.pop(k, None)
        out.append(json.dumps(d, sort_keys=True))
    return sorted(out)

def report(form):
    rep = re.compile(re.escape(w + "/" + form) + r"/[^\s,;()\"']*")
    def walk(o):
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items() if k != "inputs"}
        if isinstance(o, list):
            return [walk(v) for v in o]
        return rep.sub("<FILE>", o) if isinstance(o, str) else o
    r = walk(json.load(open("%s/%s.json" % (w, form))))
    for e in r.get("edges", []):
        e.pop("sources", None)
    return r

a, b = events(w + "/xml.nd"), events(w + "/evtx.nd")
if a != b or not a:
    sys.exit("evtx_writer: --dump-events: %d events from the XML, %d from the .evtx, "
             "%d differ" % (len(a), len(b), len(set(a) ^ set(b))))
ra, rb = report("xml"), report("evtx")
if ra != rb:
    import difflib
    ja = json.dumps(ra, indent=1, sort_keys=True).splitlines()
    jb = json.dumps(rb, indent=1, sort_keys=True).splitlines()
    sys.stderr.write("\n".join(list(difflib.unified_diff(ja, jb, "xml", "evtx",
                                                         lineterm="", n=2))[:60]) + "\n")
    sys.exit("evtx_writer: the .evtx report differs from the XML one")
ins = json.load(open(w + "/evtx.json"))["inputs"]
ev = [i for i in ins if i.get("format") == "evtx"]
if not ev or any(i.get("rejected") for i in ev):
    sys.exit("evtx_writer: the .evtx input is missing or has rejects: %r" % ev)
print("evtx_writer: same %d events and report (%d hosts, %d infected, %d records in .evtx)"
      % (len(a), len(ra["hosts"]), sum(1 for h in ra["hosts"] if h["verdict"] == "infected"),
         sum(i["records"] for i in ev)))
PY
if ! command -v evtxexport >/dev/null 2>&1; then
	echo "evtx_writer: SKIP the evtxexport check: evtxexport not installed" \
	    "(apt-get install libevtx-utils)"
	exit 77
fi
for f in "$work"/evtx/central/*.evtx; do
	evtxexport -f xml "$f" >>"$work/export.xml" 2>>"$work/export.err" || {
		cat "$work/export.err" >&2
		echo "evtx_writer: evtxexport failed on $f" >&2
		exit 1
	}
done
if grep -i "unable\|error" "$work/export.xml" "$work/export.err" >&2; then
	echo "evtx_writer: evtxexport could not read every record" >&2
	exit 1
fi
python3 - "$work" <<'PY'
import calendar, glob, gzip, re, sys
import xml.etree.ElementTree as ET
w = sys.argv[1]
EV = re.compile(r"<Event[\s>].*?</Event>", re.S)

def stamp(v):
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z", v)
    if not m:
        return v
    s = calendar.timegm(tuple(int(x) for x in m.groups()[:6]))
    return s * 10**7 + int(((m.group(7) or "") + "0" * 7)[:7])

def flat(el, path=""):
    name = el.tag.rsplit("}", 1)[-1]
    if name == "RenderingInfo":
        return []
    p = path + "/" + name
    out = []
    for k, v in sorted(el.attrib.items()):
        if re.fullmatch(r"\{[0-9A-Fa-f-]{36}\}", v):
            v = v.lower()
        out.append((p + "@" + k, stamp(v)))
    kids = list(el)
    if kids:
        for c in kids:
            out += flat(c, p)
    else:
        out.append((p, el.text or ""))
    return out

text = open(w + "/export.xml", encoding="utf-8", errors="replace").read()
got = [flat(ET.fromstring(m.group(0))) for m in EV.finditer(text)]
want = []
for f in sorted(glob.glob(w + "/xml/central/*.xml*")):
    data = open(f, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    want += [flat(ET.fromstring(m.group(0))) for m in EV.finditer(data.decode("utf-8"))]
if not want or got != want:
    bad = next((i for i, (x, y) in enumerate(zip(got, want)) if x != y), min(len(got), len(want)))
    sys.exit("evtx_writer: evtxexport gives %d records, the XML holds %d; first difference "
             "at record %d: %r" % (len(got), len(want), bad + 1,
                                  sorted(set(got[bad] if bad < len(got) else [])
                                         ^ set(want[bad] if bad < len(want) else []))[:6]))
print("evtx_writer: evtxexport reads the same %d records" % len(got))
PY
