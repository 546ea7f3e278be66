#!/usr/bin/env python3
"""Check a wcscan JSON report against DESIGN.md section 4.

Usage: check_json.py [FILE]   (standard input when FILE is absent or "-")

The report must be strict JSON in UTF-8 (no NaN or Infinity, no duplicate
keys), with the top-level keys "wcscan", "inputs", "hosts" and "edges" in
that order (then the additive "clocks" and "fanout_top_445"), and every
input must account for each record it read:
records == events + ignored + rejected.  Exits 0 when the report holds,
1 with one message per problem on standard error otherwise, 2 on usage.
"""

import json
import sys

TOP_KEYS = ["wcscan", "inputs", "hosts", "edges"]
# Keys added after DESIGN §4 was written; new keys are additive.
TOP_KEYS_ADDED = ["clocks", "fanout_top_445"]
CLOCK_KEYS = ["clock", "known", "offset_s", "uncertainty_s", "observations",
              "reference"]
INPUT_KEYS = ["path", "kind", "format", "records", "events", "ignored",
              "rejected", "first", "last"]
HOST_KEYS = ["rank", "ip", "names", "verdict", "score", "first_evidence",
             "infected_by", "fanout_445", "smb1", "evidence", "reasons"]
FANOUT_KEYS = ["distinct", "same_subnet", "public", "other_internal",
               "first", "last"]
EVIDENCE_KEYS = ["rule", "time", "source", "detail"]
EDGE_KEYS = ["from", "to", "time", "sources"]
VERDICTS = {"infected", "neutralized", "suspicious", "scanner", "exposed"}


class Invalid(Exception):
    pass


def no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise Invalid("duplicate key %r" % key)
        obj[key] = value
    return obj


def no_constant(name):
    raise Invalid("%s is not JSON" % name)


def is_count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def check_keys(obj, keys, where, problems):
    if not isinstance(obj, dict):
        problems.append("%s: not an object" % where)
        return False
    missing = [k for k in keys if k not in obj]
    if missing:
        problems.append("%s: missing %s" % (where, ", ".join(missing)))
        return False
    return True


def check_time(v, where, problems):
    # RFC 3339 in UTC as wcscan writes it: ...T..:..:..[.ffffff]Z
    if v is None:
        return
    if (not isinstance(v, str) or len(v) < 20 or v[10] != "T"
            or not v.endswith("Z")):
        problems.append("%s: not an RFC 3339 UTC time: %r" % (where, v))


def check_report(rep):
    problems = []
    if not isinstance(rep, dict):
        return ["the report is not a JSON object"]
    keys = list(rep.keys())
    if keys[:len(TOP_KEYS)] != TOP_KEYS or any(
            k not in TOP_KEYS_ADDED for k in keys[len(TOP_KEYS):]):
        problems.append("top-level keys are %s, not %s (then %s)"
                        % (keys, TOP_KEYS, TOP_KEYS_ADDED))
        if not all(k in rep for k in TOP_KEYS):
            return problems
    if not isinstance(rep["wcscan"], str):
        problems.append("wcscan: the version is not a string")
    for name in ("inputs", "hosts", "edges"):
        if not isinstance(rep[name], list):
            problems.append("%s: not an array" % name)
            return problems

    for i, inp in enumerate(rep["inputs"]):
        where = "inputs[%d]" % i
        if not check_keys(inp, INPUT_KEYS, where, problems):
            continue
        where = "%s (%s)" % (where, inp["path"])
        counts = [inp[k] for k in ("records", "events", "ignored",
                                   "rejected")]
        if not all(is_count(c) for c in counts):
            problems.append("%s: counts are not non-negative integers"
                            % where)
            continue
        if counts[0] != counts[1] + counts[2] + counts[3]:
            problems.append("%s: records %d != events %d + ignored %d + "
                            "rejected %d" % ((where,) + tuple(counts)))
        check_time(inp["first"], where + ".first", problems)
        check_time(inp["last"], where + ".last", problems)

    for i, host in enumerate(rep["hosts"]):
        where = "hosts[%d]" % i
        if not check_keys(host, HOST_KEYS, where, problems):
            continue
        if host["verdict"] not in VERDICTS:
            problems.append("%s: unknown verdict %r"
                            % (where, host["verdict"]))
        rank = host["rank"]
        if rank is not None and not (is_count(rank) and rank > 0):
            problems.append("%s: rank %r is neither null nor >= 1"
                            % (where, rank))
        if rank is not None and host["verdict"] != "infected":
            problems.append("%s: ranked but %s" % (where, host["verdict"]))
        if not isinstance(host["smb1"], bool):
            problems.append("%s: smb1 is not a boolean" % where)
        check_time(host["first_evidence"], where + ".first_evidence",
                   problems)
        check_keys(host["fanout_445"], FANOUT_KEYS, where + ".fanout_445",
                   problems)
        for j, ev in enumerate(host["evidence"]):
            if check_keys(ev, EVIDENCE_KEYS,
                          "%s.evidence[%d]" % (where, j), problems):
                check_time(ev["time"], "%s.evidence[%d].time" % (where, j),
                           problems)

    for i, edge in enumerate(rep["edges"]):
        check_keys(edge, EDGE_KEYS, "edges[%d]" % i, problems)
    for i, clock in enumerate(rep.get("clocks", [])):
        where = "clocks[%d]" % i
        if not check_keys(clock, CLOCK_KEYS, where, problems):
            continue
        if not clock["known"] and clock["offset_s"] != 0:
            problems.append("%s: an unknown clock with an offset" % where)
        if clock["uncertainty_s"] < 0:
            problems.append("%s: a negative uncertainty" % where)
    return problems


def main(argv):
    if len(argv) > 2:
        sys.stderr.write("usage: check_json.py [file]\n")
        return 2
    name = argv[1] if len(argv) == 2 else "-"
    try:
        if name == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(name, "rb") as fp:
                data = fp.read()
    except OSError as e:
        sys.stderr.write("check_json: %s: %s\n" % (name, e.strerror))
        return 2
    try:
        text = data.decode("utf-8", errors="strict")
        rep = json.loads(text, object_pairs_hook=no_duplicates,
                         parse_constant=no_constant)
    except UnicodeDecodeError as e:
        sys.stderr.write("check_json: %s: not UTF-8: %s\n" % (name, e))
        return 1
    except (ValueError, Invalid) as e:
        sys.stderr.write("check_json: %s: not strict JSON: %s\n" % (name, e))
        return 1
    problems = check_report(rep)
    for p in problems:
        sys.stderr.write("check_json: %s: %s\n" % (name, p))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
