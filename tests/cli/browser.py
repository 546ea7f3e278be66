#!/usr/bin/env python3
"""The HTML report in a real browser (headless Chromium).

usage: browser.py WCSCAN SOURCE_DIR

Renders two reports and reads back the DOM Chromium built from them
(--dump-dom, after the page loaded):
  - the sample incident (testdata/sample): the infection graph is drawn,
    one SVG node per infected or neutralized host of the JSON report, one
    arrow per edge, each arrow joining two drawn hosts;
  - a hostile one, whose Computer names and rule details are markup and
    script: nothing from a log became an element or an attribute, nothing
    ran (the scripts would have changed the title or marked the body), and
    the names read as text.
Exits 77 (ctest's SKIP) with a visible line when chromium is absent.
"""
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
passed = failed = 0


def ok(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print("ok - " + what)
    else:
        failed += 1
        print("not ok - " + what)


class Dom(html.parser.HTMLParser):
    """Every element with its attributes, and the text, in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path is not None:
            return path
    return None


def dump_dom(chromium, path, tmp):
    profile = tempfile.mkdtemp(dir=tmp)
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
           "--no-first-run", "--user-data-dir=" + profile,
           "--dump-dom", "file://" + os.path.abspath(path)]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    if r.returncode != 0:
        sys.stderr.write(r.stderr.decode(errors="replace"))
    d = Dom()
    d.feed(r.stdout.decode("utf-8", errors="strict"))
    return d


def classes(attrs):
    return attrs.get("class", "").split()


def wcscan(exe, args, env):
    r = subprocess.run([exe, "-q"] + args, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode > 1:
        sys.stderr.write(r.stderr.decode(errors="replace"))
    return r.returncode


# Our own markup: anything else in the DOM came from a log.
ALLOWED = {"html", "head", "meta", "title", "style", "body", "header", "h1",
           "h2", "h3", "p", "section", "table", "tbody", "tr", "th", "td",
           "span", "a", "ul", "li", "br", "strong", "div", "svg", "defs",
           "marker", "path", "g", "line", "circle", "text", "polyline"}


def check_inert(d, label):
    bad = sorted({t for t, _ in d.elements if t not in ALLOWED})
    ok(not bad, "%s: only the report's own elements (%s)" %
       (label, ", ".join(bad) or "none other"))
    handlers = [(t, a) for t, a in d.elements for a in a
                if a.lower().startswith("on")]
    ok(not handlers, "%s: no event-handler attribute" % label)
    title = [t for t, _ in d.elements if t == "title"]
    ok(len(title) >= 1, "%s: has a title" % label)
    body = [a for t, a in d.elements if t == "body"]
    ok(body and "data-pwned" not in body[0], "%s: no script ran" % label)
    csp = [a for t, a in d.elements if t == "meta" and
           a.get("http-equiv", "").lower() == "content-security-policy"]
    ok(csp and "default-src 'none'" in csp[0].get("content", ""),
       "%s: Content-Security-Policy forbids scripts" % label)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: browser.py WCSCAN SOURCE_DIR")
    exe, src = sys.argv[1], sys.argv[2]
    chromium = find_chromium()
    if chromium is None:
        print("SKIP: chromium not found (scripts/deps installs Debian's "
              "chromium)")
        sys.exit(SKIP)
    env = dict(os.environ)
    env.setdefault("WCSCAN_RULES_DIR", os.path.join(src, "rules"))
    env.pop("COLUMNS", None)
    tmp = tempfile.mkdtemp(prefix="wcscan-browser.")
    try:
        sample(chromium, exe, src, env, tmp)
        hostile(chromium, exe, env, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


def sample(chromium, exe, src, env, tmp):
    dirs = sorted(os.path.join(src, "testdata", "sample", d)
                  for d in os.listdir(os.path.join(src, "testdata", "sample"))
                  if os.path.isdir(os.path.join(src, "testdata", "sample", d)))
    report = os.path.join(tmp, "sample.html")
    js = os.path.join(tmp, "sample.json")
    ok(wcscan(exe, ["-f", "html", "-o", report] + dirs, env) == 1,
       "sample: html report written, exit 1 (found)")
    ok(wcscan(exe, ["-f", "json", "-o", js] + dirs, env) == 1,
       "sample: json report written")
    with open(js) as f:
        rep = json.load(f)
    d = dump_dom(chromium, report, tmp)
    check_inert(d, "sample")
    drawn = [h for h in rep["hosts"]
             if h["verdict"] in ("infected", "neutralized")]
    want = {h["ip"] or h["names"][0] for h in drawn}
    svg = [a for t, a in d.elements if t == "svg" and a.get("id") ==
           "infection"]
    ok(len(svg) == 1, "sample: the infection graph is drawn")
    nodes = [a for t, a in d.elements if t == "g" and "node" in classes(a)]
    got = [a.get("data-host") for a in nodes]
    ok(len(got) == len(want) and set(got) == want,
       "sample: one SVG node per infected or neutralized host (%d, want %d)"
       % (len(got), len(want)))
    circles = [a for t, a in d.elements if t == "circle"]
    ok(len(circles) == len(want), "sample: one circle per node")
    edges = [a for t, a in d.elements if t == "g" and "edge" in classes(a)]
    pairs = {(a.get("data-from"), a.get("data-to")) for a in edges}
    ok(pairs == {(e["from"], e["to"]) for e in rep["edges"]} and
       len(edges) == len(rep["edges"]),
       "sample: one arrow per edge (%d, want %d)" %
       (len(edges), len(rep["edges"])))
    ok(all(f in want and t in want for f, t in pairs),
       "sample: every arrow joins two drawn hosts")
    pz = [a for a in nodes if "pz" in classes(a)]
    top = [h for h in rep["hosts"] if h["rank"] == 1]
    ok(len(pz) == 1 and top and pz[0].get("data-host") == top[0]["ip"] and
       nodes[0] is pz[0], "sample: patient zero is the first node")
    text = "".join(d.text)
    ok(all(h["ip"] in text for h in rep["hosts"] if h["ip"]),
       "sample: every flagged host is in the text")
    ok("id" in dict(next(a for t, a in d.elements if t == "svg" and
                         a.get("id") == "curve")),
       "sample: the outbreak curve is drawn")


# A start-up trace whose names and command lines are markup and script.
EVIL_NAMES = [
    "<img src=x onerror=\"document.body.setAttribute('data-pwned',1)\">",
    "\"><script>document.body.setAttribute('data-pwned',1)</script>",
]
EVENT = ('<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/'
         'event"><System><Provider Name="Service Control Manager"/>'
         '<EventID Qualifiers="16384">7045</EventID><TimeCreated '
         'SystemTime="2017-05-12T07:4{m}:55.000000000Z"/><Computer>{name}'
         '</Computer></System><EventData><Data Name="ServiceName">Microsoft '
         'Security Center (2.0) Service</Data><Data Name="ImagePath">'
         'C:\\WINDOWS\\mssecsvc.exe -m security {name}</Data><Data '
         'Name="ServiceType">user mode service</Data><Data Name="StartType">'
         'auto start</Data><Data Name="AccountName">LocalSystem</Data>'
         '</EventData></Event>\n')


def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def hostile(chromium, exe, env, tmp):
    log = os.path.join(tmp, "evil.xml")
    with open(log, "w") as f:
        for i, n in enumerate(EVIL_NAMES):
            f.write(EVENT.format(m=i + 4, name=xml_escape(n)))
    report = os.path.join(tmp, "hostile.html")
    rc = wcscan(exe, ["-f", "html", "-o", report, "--evtx", log], env)
    ok(rc in (0, 1), "hostile: html report written (exit %d)" % rc)
    with open(report, encoding="utf-8") as f:
        raw = f.read()
    d = dump_dom(chromium, report, tmp)
    check_inert(d, "hostile")
    title = "".join(d.text)
    ok(all(t != "img" and t != "script" for t, _ in d.elements),
       "hostile: no img or script element")
    ok(all(n in title for n in EVIL_NAMES),
       "hostile: the names read as text")
    ok(raw.count("<script") == 0 and raw.count("<img") == 0,
       "hostile: the file holds no such tag either")


if __name__ == "__main__":
    main()
