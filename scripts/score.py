#!/usr/bin/env python3
"""score.py: compare wcscan JSON reports with wcgen.py truth.

usage: score.py REPORT.json TRUTH.json
       score.py --batch DIR...     (each DIR holds report.json and truth.json)
       score.py --table FAMILY.json...   (one line per family, from --json)
options: --targets   exit 1 when the summary misses the targets below
         --json FILE write the per-outbreak and summary numbers as JSON
         --family NAME --target-set legacy|all-evidence|network-only|auto
                     --label TEXT  (with --batch) score one scenario family
                     against its targets and print its block
         --baseline NAME  also score DIR/NAME (scripts/baseline.py's naive
                     report) and print it beside wcscan's numbers

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

Target sets (--target-set; auto: legacy without --family, else by family):
  legacy        pz@1 >= 95% of outbreaks, F1 >= 0.97, traps == 0,
                infected_by >= 90% (what ctest's outbreaks test requires)
  all-evidence  (per-host, central, mixed; clocks skewed up to 180 s)
                pz@1 >= 95%, F1 >= 0.98, traps == 0, infected_by >= 90%,
                better than the baseline
  network-only  F1 >= 0.90; pz@1 >= 90% of the outbreaks whose logs hold
                patient zero's kill-switch lookup or its 445 sweep (truth
                pz_evidence); traps == 0; better than the baseline
"Better than the baseline": not worse on pz@1 (the family's form), F1 and
traps, and better on pz@1 or F1.  Neutralized recall is reported, not
required.  --targets makes a missed target exit 1; without it the targets
are printed PASS/FAIL and the exit status only says whether all was read.
"""

import argparse
import json
import os
import sys

TRAP_ROLES = ("management", "scanner", "analyst", "gateway")
TARGETS = {"pz_rank1": 0.95, "f1": 0.97, "traps": 0, "infected_by": 0.90}
TARGET_SETS = {
    "legacy": [("pz_rank1", 0.95), ("f1", 0.97), ("traps", 0), ("infected_by", 0.90)],
    "all-evidence": [("pz_rank1", 0.95), ("f1", 0.98), ("traps", 0), ("infected_by", 0.90),
                     ("beats_baseline", True)],
    "network-only": [("pz_rank1_eligible", 0.90), ("f1", 0.90), ("traps", 0),
                     ("beats_baseline", True)],
}


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
    ev = truth.get("pz_evidence")
    eligible = True if ev is None else bool(ev.get("lookup_in_logs") or ev.get("sweep_in_logs"))
    inputs = report.get("inputs") or []
    return {
        "seed": truth.get("seed"),
        "family": truth.get("family") or "per-host",
        "pz_eligible": eligible,
        "inputs": len(inputs),
        "input_records": sum(i.get("records") or 0 for i in inputs),
        "input_rejected": sum(i.get("rejected") or 0 for i in inputs),
        "input_errors": [i.get("error") for i in inputs if i.get("error")],
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
    elig = [r for r in results if r.get("pz_eligible", True)]
    s = {
        "outbreaks": n,
        "pz_rank1_ok": sum(1 for r in results if r["pz_rank1"]),
        "pz_rank1": sum(1 for r in results if r["pz_rank1"]) / n if n else 0.0,
        "pz_eligible": len(elig),
        "pz_rank1_eligible_ok": sum(1 for r in elig if r["pz_rank1"]),
        "pz_rank1_eligible": (sum(1 for r in elig if r["pz_rank1"]) / len(elig)
                              if elig else 1.0),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "f1": 2.0 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
        "traps": sum(r["traps"] for r in results),
        "infected_by_ok": sum(r["infected_by_ok"] for r in results),
        "infected_by_total": sum(r["infected_by_total"] for r in results),
        "neutralized_ok": sum(r["neutralized_ok"] for r in results),
        "neutralized_total": sum(r["neutralized_total"] for r in results),
        "inputs": sum(r.get("inputs", 0) for r in results),
        "input_records": sum(r.get("input_records", 0) for r in results),
        "input_rejected": sum(r.get("input_rejected", 0) for r in results),
        "input_errors": sum(len(r.get("input_errors") or []) for r in results),
    }
    s["infected_by"] = (s["infected_by_ok"] / s["infected_by_total"]
                        if s["infected_by_total"] else 1.0)
    s["neutralized_recall"] = (s["neutralized_ok"] / s["neutralized_total"]
                               if s["neutralized_total"] else None)
    return s


def check_targets(s):
    """The legacy targets' misses, as the per-host test has printed them."""
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


def beats(s, b, pz_key):
    """wcscan's summary s better than the baseline's b."""
    if b is None:
        return None
    eps = 1e-9
    if s[pz_key] + eps < b[pz_key] or s["f1"] + eps < b["f1"] or s["traps"] > b["traps"]:
        return False
    return s[pz_key] > b[pz_key] + eps or s["f1"] > b["f1"] + eps


def evaluate(s, b, tset):
    """[(name, shown value, shown target, passed)] for a target set."""
    out = []
    pz_key = "pz_rank1_eligible" if tset == "network-only" else "pz_rank1"
    for key, want in TARGET_SETS[tset]:
        if key == "pz_rank1":
            out.append(("patient zero at rank 1", "%.1f%%" % (100 * s[key]),
                        ">= %d%%" % round(100 * want), s[key] >= want))
        elif key == "pz_rank1_eligible":
            out.append(("patient zero at rank 1 (lookup or sweep in logs: %d)" % s["pz_eligible"],
                        "%.1f%%" % (100 * s[key]), ">= %d%%" % round(100 * want),
                        s[key] >= want))
        elif key == "f1":
            out.append(("infected F1", "%.3f" % s[key], ">= %.2f" % want, s[key] >= want))
        elif key == "traps":
            out.append(("traps called infected", "%d" % s[key], "== 0", s[key] == 0))
        elif key == "infected_by":
            out.append(("infected_by", "%.1f%%" % (100 * s[key]), ">= %d%%" % round(100 * want),
                        s[key] >= want))
        elif key == "beats_baseline":
            ok = beats(s, b, pz_key)
            out.append(("better than the baseline", "yes" if ok else ("n/a" if ok is None else "no"),
                        "required", bool(ok)))
    return out


def make_baseline(d, truth, out):
    """Run scripts/baseline.py (in this process) on d/logs."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import baseline
    r = baseline.baseline([os.path.join(d, "logs")], truth.get("local_tz"),
                          truth.get("year") or 2017)
    with open(out, "w") as f:
        json.dump(r, f, indent=1)
        f.write("\n")


def load(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8", "replace"))


def block(fam, label, s, b, evals, tset):
    """The per-family table: wcscan beside the naive baseline and the target."""
    out = []
    out.append("== family %s (%s, %d outbreaks; targets: %s) ==" % (fam, label, s["outbreaks"], tset))
    out.append("  %-40s %-22s %-22s %-10s %s" % ("", "wcscan", "naive baseline", "target", ""))
    res = {n: (v, t, ok) for n, v, t, ok in evals}

    def row(name, w, bl, key=None):
        v = res.get(key) if key else None
        out.append("  %-40s %-22s %-22s %-10s %s" % (name, w, bl, v[1] if v else "",
                                                       ("PASS" if v[2] else "FAIL") if v else ""))

    def pzs(x, k):
        if k == "pz_rank1":
            return "%s (%d/%d)" % (pct(x["pz_rank1_ok"], x["outbreaks"]).strip(), x["pz_rank1_ok"],
                                   x["outbreaks"])
        return "%s (%d/%d)" % (pct(x["pz_rank1_eligible_ok"], x["pz_eligible"]).strip(),
                               x["pz_rank1_eligible_ok"], x["pz_eligible"])

    nob = lambda f: f(b) if b is not None else "-"
    row("patient zero at rank 1", pzs(s, "pz_rank1"), nob(lambda x: pzs(x, "pz_rank1")),
        "patient zero at rank 1")
    ek = [n for n in res if n.startswith("patient zero at rank 1 (")]
    row("  ... of outbreaks with pz lookup/sweep logged", pzs(s, "e"), nob(lambda x: pzs(x, "e")),
        ek[0] if ek else None)
    prf = lambda x: "%.3f/%.3f/%.3f" % (x["precision"], x["recall"], x["f1"])
    row("infected P/R/F1", prf(s), nob(prf), "infected F1")
    row("traps called infected", str(s["traps"]), nob(lambda x: str(x["traps"])),
        "traps called infected")
    ib = lambda x: "%s (%d/%d)" % (pct(x["infected_by_ok"], x["infected_by_total"]).strip(),
                                   x["infected_by_ok"], x["infected_by_total"])
    row("infected_by", ib(s), nob(ib), "infected_by")
    ne = lambda x: "%s (%d/%d)" % (pct(x["neutralized_ok"], x["neutralized_total"]).strip(),
                                   x["neutralized_ok"], x["neutralized_total"])
    row("neutralized recognised", ne(s), nob(ne))
    row("better than the baseline", res.get("better than the baseline", ("-",))[0], "",
        "better than the baseline" if "better than the baseline" in res else None)
    out.append("  reader: %d inputs, %d records, %d rejected, %d unreadable/unrecognised" % (
        s["inputs"], s["input_records"], s["input_rejected"], s["input_errors"]))
    return out


def table(paths):
    rows = []
    for p in paths:
        try:
            rows.append(load(p))
        except (OSError, ValueError) as e:
            sys.stderr.write("score.py: %s: %s\n" % (p, e))
            return 2
    print("%-13s %-9s %4s  %-15s %-15s %-13s %-15s %-8s %s" % (
        "family", "seeds", "n", "pz@1 (base)", "F1 (base)", "traps (base)", "infected_by",
        "neutr.", "targets"))
    for r in rows:
        s, b = r["summary"], r.get("baseline_summary")
        pk = "pz_rank1_eligible" if r.get("target_set") == "network-only" else "pz_rank1"
        fails = [e[0] for e in r.get("targets", []) if not e[3]]
        print("%-13s %-9s %4d  %-15s %-15s %-13s %-15s %-8s %s" % (
            r.get("family"), r.get("label"), s["outbreaks"],
            "%3.0f%% (%3.0f%%)" % (100 * s[pk], 100 * b[pk]) if b else "%3.0f%%" % (100 * s[pk]),
            "%.3f (%.3f)" % (s["f1"], b["f1"]) if b else "%.3f" % s["f1"],
            "%d (%d)" % (s["traps"], b["traps"]) if b else "%d" % s["traps"],
            "%.1f%% (%.0f%%)" % (100 * s["infected_by"], 100 * b["infected_by"]) if b
            else "%.1f%%" % (100 * s["infected_by"]),
            "n/a" if s["neutralized_recall"] is None else "%.0f%%" % (100 * s["neutralized_recall"]),
            "PASS" if not fails else "FAIL (%s)" % ", ".join(fails)))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="Score wcscan reports against wcgen truth.")
    ap.add_argument("--batch", action="store_true",
                    help="arguments are directories holding report.json and truth.json")
    ap.add_argument("--targets", action="store_true", help="exit 1 when targets are missed")
    ap.add_argument("--json", metavar="FILE", help="write the numbers as JSON")
    ap.add_argument("--verbose", "-v", action="store_true",
                    help="list false positives and misses per outbreak")
    ap.add_argument("--family", default=None, help="scenario family being scored")
    ap.add_argument("--label", default="tuning", help="seed range label (tuning, held-out)")
    ap.add_argument("--target-set", default="auto",
                    choices=["auto", "legacy", "all-evidence", "network-only"])
    ap.add_argument("--baseline", metavar="NAME",
                    help="also score DIR/NAME, the naive baseline's report (made by "
                    "scripts/baseline.py from DIR/logs when missing)")
    ap.add_argument("--quiet", "-q", action="store_true", help="no per-outbreak lines")
    ap.add_argument("--table", action="store_true",
                    help="arguments are --json files of families: print one line each")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args(argv)
    if a.table:
        return table(a.paths)
    tset = a.target_set
    if tset == "auto":
        tset = ("legacy" if a.family is None else
                "network-only" if a.family == "network-only" else "all-evidence")
    pairs = []
    if a.batch:
        for d in a.paths:
            pairs.append((os.path.join(d, "report.json"), os.path.join(d, "truth.json"),
                          os.path.basename(os.path.normpath(d)),
                          os.path.join(d, a.baseline) if a.baseline else None))
    else:
        if len(a.paths) != 2:
            ap.error("want REPORT.json TRUTH.json (or --batch DIR...)")
        pairs.append((a.paths[0], a.paths[1], os.path.basename(a.paths[0]), None))
    results, bresults = [], []
    status = 0
    for rp, tp, label, bp in pairs:
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
        if not a.quiet:
            print(line(r, label))
        if bp:
            try:
                if not os.path.exists(bp):
                    make_baseline(os.path.dirname(bp), truth, bp)
                br = score_one(load(bp), truth)
            except (OSError, ValueError) as e:
                sys.stderr.write("score.py: %s: %s\n" % (bp, e))
                br = score_one({"hosts": []}, truth)
                status = 2
            br["label"] = label
            bresults.append(br)
            if not a.quiet:
                print(line(br, "  baseline"))
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
    b = summarize(bresults) if bresults else None
    print("SUMMARY %d outbreak(s): patient zero at rank 1 %s (%d/%d); infected hosts "
          "P %.3f R %.3f F1 %.3f; traps called infected %d; infected_by %s (%d/%d); "
          "neutralized recognised %s (%d/%d)" % (
              s["outbreaks"], pct(s["pz_rank1_ok"], s["outbreaks"]),
              s["pz_rank1_ok"], s["outbreaks"],
              s["precision"], s["recall"], s["f1"], s["traps"],
              pct(s["infected_by_ok"], s["infected_by_total"]), s["infected_by_ok"],
              s["infected_by_total"], pct(s["neutralized_ok"], s["neutralized_total"]),
              s["neutralized_ok"], s["neutralized_total"]))
    if b is not None:
        print("BASELINE (earliest kill-switch lookup in the DNS logs): patient zero at rank 1 "
              "%s (%d/%d); infected hosts P %.3f R %.3f F1 %.3f; traps called infected %d; "
              "infected_by %s (%d/%d)" % (
                  pct(b["pz_rank1_ok"], b["outbreaks"]), b["pz_rank1_ok"], b["outbreaks"],
                  b["precision"], b["recall"], b["f1"], b["traps"],
                  pct(b["infected_by_ok"], b["infected_by_total"]), b["infected_by_ok"],
                  b["infected_by_total"]))
    evals = evaluate(s, b, tset)
    if tset == "legacy":
        missed = check_targets(s)
        if missed:
            print("TARGETS MISSED: " + "; ".join(missed))
        else:
            print("TARGETS MET")
    else:
        missed = ["%s %s (target %s)" % (n, v, t) for n, v, t, ok in evals if not ok]
    if a.family is not None:
        for ln in block(a.family, a.label, s, b, evals, tset):
            print(ln)
        print("TARGETS %s: %s" % (a.family, "MET" if not missed else "MISSED: " + "; ".join(missed)))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"family": a.family, "label": a.label, "target_set": tset,
                       "outbreaks": results, "baseline_outbreaks": bresults, "summary": s,
                       "baseline_summary": b, "targets": evals, "missed": missed}, f, indent=1)
            f.write("\n")
    if a.targets and missed and status == 0:
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
