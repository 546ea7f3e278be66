#!/usr/bin/env python3
"""score.py: compare wcscan JSON reports with wcgen.py truth.

usage: score.py REPORT.json TRUTH.json
       score.py --batch DIR...     (each DIR holds report.json and truth.json)
options: --targets   exit 1 when the summary misses the targets below
         --json FILE write the per-outbreak and summary numbers as JSON

A report host is matched to a truth host by any of its addresses, or by any
of its names (case-insensitive, compared as short names: the part before
the first dot).  Several report rows may match one truth host (a failed
identity join); a row that matches none and says "infected" is a false
positive of its own.

Per outbreak and in summary:
  pz@1          the rank-1 host is the true patient zero
  P / R / F1    infected hosts (verdict "infected") against truth "infected"
  traps         management, scanner, analyst (and gateway) hosts called
                infected (must be 0)
  infected_by   share of truly infected hosts, patient zero excluded, whose
                reported infected_by is the true infector (missing = wrong)
  neutralized   share of truly neutralized hosts reported "neutralized"
Summary figures pool the counts over all outbreaks (micro averages).

Targets (--targets): pz@1 >= 95% of outbreaks, F1 >= 0.97, traps == 0,
infected_by >= 90%; neutralized recall is reported, not required.
"""

import argparse
import json
import os
import sys

TRAP_ROLES = ("management", "scanner", "analyst", "gateway")
TARGETS = {"pz_rank1": 0.95, "f1": 0.97, "traps": 0, "infected_by": 0.90}


def short(name):
    if not isinstance(name, str):
        return None
    n = name.strip().lower()
    if not n or n.startswith("(") or n.startswith("-"):
        return None
    # An address is not a name.
    parts = n.split(".")
    if len(parts) == 4 and all(p.isdigit() for p in parts):
        return None
    if ":" in n:
        return None
    return parts[0]


class Truth(object):
    def __init__(self, t):
        self.t = t
        self.hosts = t["hosts"]
        self.by_ip = {}
        self.by_name = {}
        for h in self.hosts:
            for ip in h.get("ips", []):
                self.by_ip[ip.lower()] = h["name"]
            s = short(h["name"])
            if s:
                self.by_name[s] = h["name"]
        self.role = {h["name"]: h.get("role") for h in self.hosts}

    def lookup(self, ident):
        """A truth host name for an address or a name, or None."""
        if not isinstance(ident, str):
            return None
        i = ident.strip().lower()
        if i in self.by_ip:
            return self.by_ip[i]
        s = short(i)
        return self.by_name.get(s) if s else None

    def match(self, rh):
        m = self.lookup(rh.get("ip"))
        if m:
            return m
        for n in rh.get("names") or []:
            m = self.lookup(n)
            if m:
                return m
        return None


def score_one(report, truth):
    tr = Truth(truth)
    pz = truth["patient_zero"]
    t_inf = set(h["name"] for h in tr.hosts if h.get("infected"))
    t_neu = set(h["name"] for h in tr.hosts if h.get("neutralized"))
    t_by = {h["name"]: h.get("infected_by") for h in tr.hosts if h.get("infected")}
    rows = report.get("hosts") or []
    p_inf, fp_unmatched, p_neu = set(), 0, set()
    infected_by = {}
    rank1 = None
    traps = set()
    for rh in rows:
        name = tr.match(rh)
        verdict = rh.get("verdict")
        if rh.get("rank") == 1 and rank1 is None:
            rank1 = name or ("?" + str(rh.get("ip")))
        if verdict == "infected":
            if name is None:
                fp_unmatched += 1
            else:
                p_inf.add(name)
                if tr.role.get(name) in TRAP_ROLES:
                    traps.add(name)
                by = rh.get("infected_by")
                if by is not None and name not in infected_by:
                    infected_by[name] = tr.lookup(by) or ("?" + str(by))
        elif verdict == "neutralized" and name is not None:
            p_neu.add(name)
    tp = len(p_inf & t_inf)
    fp = len(p_inf - t_inf) + fp_unmatched
    fn = len(t_inf - p_inf)
    by_total = [n for n in t_inf if n != pz]
    by_ok = sum(1 for n in by_total if infected_by.get(n) == t_by.get(n))
    return {
        "seed": truth.get("seed"),
        "hosts": len(tr.hosts),
        "patient_zero": pz,
        "rank1": rank1,
        "pz_rank1": rank1 == pz,
        "tp": tp, "fp": fp, "fn": fn,
        "precision": tp / (tp + fp) if tp + fp else (1.0 if not t_inf else 0.0),
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "f1": (2.0 * tp / (2 * tp + fp + fn)) if (tp + fp + fn) else 1.0,
        "traps": len(traps), "trap_hosts": sorted(traps),
        "infected_by_ok": by_ok, "infected_by_total": len(by_total),
        "neutralized_ok": len(p_neu & t_neu), "neutralized_total": len(t_neu),
        "false_positives": sorted(p_inf - t_inf),
        "missed": sorted(t_inf - p_inf),
    }


def pct(a, b):
    return "n/a" if b == 0 else "%5.1f%%" % (100.0 * a / b)


def line(r, label):
    return ("%-18s pz@1 %-3s (rank 1: %s)  P %.3f R %.3f F1 %.3f  traps %d  "
            "infected_by %s (%d/%d)  neutralized %s (%d/%d)") % (
        label, "yes" if r["pz_rank1"] else "no", r["rank1"] or "none",
        r["precision"], r["recall"], r["f1"], r["traps"],
        pct(r["infected_by_ok"], r["infected_by_total"]), r["infected_by_ok"],
        r["infected_by_total"], pct(r["neutralized_ok"], r["neutralized_total"]),
        r["neutralized_ok"], r["neutralized_total"])


def summarize(results):
    n = len(results)
    tp = sum(r["tp"] for r in results)
    fp = sum(r["fp"] for r in results)
    fn = sum(r["fn"] for r in results)
    s = {
        "outbreaks": n,
        "pz_rank1": sum(1 for r in results if r["pz_rank1"]) / n if n else 0.0,
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "f1": 2.0 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
        "traps": sum(r["traps"] for r in results),
        "infected_by_ok": sum(r["infected_by_ok"] for r in results),
        "infected_by_total": sum(r["infected_by_total"] for r in results),
        "neutralized_ok": sum(r["neutralized_ok"] for r in results),
        "neutralized_total": sum(r["neutralized_total"] for r in results),
    }
    s["infected_by"] = (s["infected_by_ok"] / s["infected_by_total"]
                        if s["infected_by_total"] else 1.0)
    s["neutralized_recall"] = (s["neutralized_ok"] / s["neutralized_total"]
                               if s["neutralized_total"] else None)
    return s


def check_targets(s):
    missed = []
    if s["pz_rank1"] < TARGETS["pz_rank1"]:
        missed.append("patient zero at rank 1 in %.1f%% < 95%%" % (100 * s["pz_rank1"]))
    if s["f1"] < TARGETS["f1"]:
        missed.append("infected-host F1 %.3f < 0.97" % s["f1"])
    if s["traps"] > TARGETS["traps"]:
        missed.append("%d trap host(s) called infected" % s["traps"])
    if s["infected_by"] < TARGETS["infected_by"]:
        missed.append("infected_by %.1f%% < 90%%" % (100 * s["infected_by"]))
    return missed


def load(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8", "replace"))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Score wcscan reports against wcgen truth.")
    ap.add_argument("--batch", action="store_true",
                    help="arguments are directories holding report.json and truth.json")
    ap.add_argument("--targets", action="store_true", help="exit 1 when targets are missed")
    ap.add_argument("--json", metavar="FILE", help="write the numbers as JSON")
    ap.add_argument("--verbose", "-v", action="store_true",
                    help="list false positives and misses per outbreak")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args(argv)
    pairs = []
    if a.batch:
        for d in a.paths:
            pairs.append((os.path.join(d, "report.json"), os.path.join(d, "truth.json"),
                          os.path.basename(os.path.normpath(d))))
    else:
        if len(a.paths) != 2:
            ap.error("want REPORT.json TRUTH.json (or --batch DIR...)")
        pairs.append((a.paths[0], a.paths[1], os.path.basename(a.paths[0])))
    results = []
    status = 0
    for rp, tp, label in pairs:
        try:
            truth = load(tp)
        except (OSError, ValueError) as e:
            sys.stderr.write("score.py: %s: %s\n" % (tp, e))
            status = 2
            continue
        try:
            report = load(rp)
        except (OSError, ValueError) as e:
            sys.stderr.write("score.py: %s: %s (scored as an empty report)\n" % (rp, e))
            report = {"hosts": []}
            status = 2
        r = score_one(report, truth)
        r["label"] = label
        results.append(r)
        print(line(r, label))
        if a.verbose:
            if r["false_positives"]:
                print("    false positives: " + " ".join(r["false_positives"]))
            if r["missed"]:
                print("    missed: " + " ".join(r["missed"]))
            if r["trap_hosts"]:
                print("    traps called infected: " + " ".join(r["trap_hosts"]))
    if not results:
        return 2
    s = summarize(results)
    print("SUMMARY %d outbreak(s): patient zero at rank 1 %s (%d/%d); infected hosts "
          "P %.3f R %.3f F1 %.3f; traps called infected %d; infected_by %s (%d/%d); "
          "neutralized recognised %s (%d/%d)" % (
              s["outbreaks"], pct(sum(1 for r in results if r["pz_rank1"]), s["outbreaks"]),
              sum(1 for r in results if r["pz_rank1"]), s["outbreaks"],
              s["precision"], s["recall"], s["f1"], s["traps"],
              pct(s["infected_by_ok"], s["infected_by_total"]), s["infected_by_ok"],
              s["infected_by_total"], pct(s["neutralized_ok"], s["neutralized_total"]),
              s["neutralized_ok"], s["neutralized_total"]))
    missed = check_targets(s)
    if missed:
        print("TARGETS MISSED: " + "; ".join(missed))
    else:
        print("TARGETS MET")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"outbreaks": results, "summary": s, "missed": missed}, f, indent=1)
            f.write("\n")
    if a.targets and missed and status == 0:
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
