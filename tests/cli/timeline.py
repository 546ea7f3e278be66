#!/usr/bin/env python3
"""--timeline of the sample incident against Timesketch's import format.

usage: timeline.py WCSCAN SOURCE_DIR

Timesketch imports JSON lines or CSV with a header line; every row needs
message (a string), datetime (ISO 8601) and timestamp_desc (what the time
is); timestamp (microseconds since the epoch) is optional.  Checks both
forms of the sample's timeline: the three fields on every row, datetime and
timestamp agree, rows in time order, one row per timed evidence item, per
sweep start and per edge of the JSON report, the same rows in CSV, and the
output path checked before any input is read.
"""
import csv
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile

passed = failed = 0


def ok(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print("ok - " + what)
    else:
        failed += 1
        print("not ok - " + what)


def parse_time(s):
    # Python before 3.11 does not take a "Z".
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def check_rows(rows, label):
    required = ("message", "datetime", "timestamp_desc")
    ok(all(all(isinstance(r.get(k), str) and r[k] for k in required)
           for r in rows),
       "%s: message, datetime, timestamp_desc on every row" % label)
    bad = []
    for r in rows:
        try:
            t = parse_time(r["datetime"])
        except ValueError:
            bad.append(r["datetime"])
            continue
        if t.tzinfo is None or int(r["timestamp"]) != round(
                t.timestamp() * 1e6):
            bad.append(r["datetime"])
    ok(not bad, "%s: datetime is ISO 8601 with a zone and agrees with "
       "timestamp %s" % (label, bad[:3]))
    stamps = [int(r["timestamp"]) for r in rows]
    ok(stamps == sorted(stamps), "%s: sorted by time" % label)
    ok(all(r.get("source") or r["rule"] == "fanout" for r in rows),
       "%s: every evidence row and contact names its source" % label)


def main():
    exe, src = sys.argv[1], sys.argv[2]
    env = dict(os.environ)
    env.setdefault("WCSCAN_RULES_DIR", os.path.join(src, "rules"))
    base = os.path.join(src, "testdata", "sample")
    dirs = sorted(os.path.join(base, d) for d in os.listdir(base)
                  if os.path.isdir(os.path.join(base, d)))
    tmp = tempfile.mkdtemp(prefix="wcscan-timeline.")
    try:
        js, jl, cs = (os.path.join(tmp, n) for n in
                      ("r.json", "t.jsonl", "t.csv"))
        rc = subprocess.call([exe, "-q", "-f", "json", "-o", js,
                              "--timeline", jl] + dirs, env=env)
        ok(rc == 1, "sample: exit 1 with --timeline (found)")
        rc = subprocess.call([exe, "-q", "-o", os.path.join(tmp, "r.txt"),
                              "--timeline", cs] + dirs, env=env)
        ok(rc == 1, "sample: exit 1 with --timeline FILE.csv")
        with open(js) as f:
            rep = json.load(f)
        with open(jl, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f]
        check_rows(rows, "jsonl")
        want = (sum(1 for h in rep["hosts"] for e in h["evidence"]
                    if e["time"] is not None) +
                sum(1 for h in rep["hosts"] if h["fanout_445"]["distinct"]
                    and h["fanout_445"]["first"] is not None) +
                sum(1 for e in rep["edges"] if e["time"] is not None))
        ok(len(rows) == want, "jsonl: one row per timed evidence item, "
           "sweep and contact (%d, want %d)" % (len(rows), want))
        descs = {r["timestamp_desc"] for r in rows}
        ok({"Kill-switch lookup", "445/tcp sweep start",
            "First contact from infector"} <= descs,
           "jsonl: kill-switch lookups, sweep starts and first contacts")
        with open(cs, newline="", encoding="utf-8") as f:
            head = f.readline()
            f.seek(0)
            crow = list(csv.DictReader(f))
        ok(head.startswith("message,timestamp,datetime,timestamp_desc,"),
           "csv: header line with Timesketch's columns")
        check_rows(crow, "csv")
        ok(len(crow) == len(rows) and
           [r["datetime"] for r in crow] == [r["datetime"] for r in rows],
           "csv: the same rows as the JSON lines")
        r = subprocess.run([exe, "-q", "--progress", "--timeline",
                            os.path.join(tmp, "none", "t.jsonl")] + dirs,
                           env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        err = r.stderr.decode(errors="replace")
        ok(r.returncode == 2 and "none/t.jsonl" in err and
           "sample/dns" not in err and not r.stdout,
           "an unwritable --timeline stops the run before reading (exit 2)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
