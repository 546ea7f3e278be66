#!/usr/bin/env python3
"""baseline.py: the naive analyst's answer, to score wcscan against.

usage: baseline.py [--tz ZONE] [--year YEAR] [-o REPORT.json] LOGDIR...

"The host with the earliest kill-switch lookup in the DNS logs is patient
zero; every host that looked the kill switch up is infected."  It reads,
without any truth, the DNS server logs found under LOGDIR (by content, gzip
by magic): Windows DNS Server debug logs (en-US, ISO, German and British
dates), BIND query logs, dnsmasq query lines and Zeek dns.log (TSV or
JSON).  Host logs (Sysmon 22) are not DNS logs and are not read.  Clients
that are themselves resolvers (they answer queries in some log) are left
out: a resolver forwarding a lookup is not a looker-up.

Times written in local time (Windows DNS, BIND, dnsmasq) are read in --tz
(+HH:MM, default UTC); no clock is corrected.  Every looker-up is reported
"infected", ranked by its first lookup; its infected_by is the looker-up
just before it in its own /24, else just before it anywhere (the naive
chain).  The output has the keys of wcscan's JSON report that score.py
reads.
"""

import argparse
import datetime
import gzip
import json
import os
import re
import sys

KS_CORES = ("iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com",
            "ifferfsodp9ifjaposdfjhgosurijfaewrwergwea.com",
            "ifferfsodp9ifjaposdfjhgosurijfaewrwergwea.test",
            "ifferfsodp9ifjaposdfjhgosurijfaewrwergwea.testing",
            "iuqssfsodp9ifjaposdfjhgosurijfaewrwergwea.com",
            "ayylmaotjhsstasdfasdfasdfasdfasdfasdfasdf.com")
MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}


def is_killswitch(name):
    n = (name or "").strip().lower().rstrip(".")
    if n.startswith("www."):
        n = n[4:]
    return n in KS_CORES


def wire_name(q):
    """(3)www(4)name(3)com(0) -> www.name.com"""
    parts = re.findall(r"\((\d+)\)([^()]*)", q)
    return ".".join(p for _, p in parts if p) or q


def tz_seconds(tz):
    if not tz:
        return 0
    m = re.match(r"^([+-])(\d\d):?(\d\d)$", tz)
    if not m:
        raise ValueError("--tz: want +HH:MM")
    s = int(m.group(2)) * 3600 + int(m.group(3)) * 60
    return -s if m.group(1) == "-" else s


def utc(y, mo, d, h, mi, s, frac=0.0, tzs=0):
    t = datetime.datetime(y, mo, d, h, mi, s, tzinfo=datetime.timezone.utc).timestamp()
    return t + frac - tzs


def read_text(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            return ""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", "replace")
    return data.decode("utf-8", "replace")


WINDNS_RE = re.compile(
    r"^(?P<date>\S+) (?P<time>\d{1,2}:\d\d:\d\d)(?: (?P<ampm>AM|PM))? \S+ PACKET\s+\S+ "
    r"(?:UDP|TCP) (?P<dir>Snd|Rcv) (?P<remote>\S+)\s+\S+ (?P<resp>R| ) \S \[[^\]]*\]\s+"
    r"\S+\s+(?P<name>\S+)")
BIND_RE = re.compile(
    r"^(?P<d>\d\d)-(?P<mon>[A-Za-z]{3})-(?P<y>\d{4}) (?P<h>\d\d):(?P<mi>\d\d):(?P<s>\d\d)"
    r"(?:\.(?P<ms>\d+))?.*?queries: info: client (?:@\S+ )?(?P<ip>[0-9A-Fa-f.:]+)#\d+ "
    r"\([^)]*\): query: (?P<name>\S+) IN \S+ \S+ \((?P<srv>[0-9A-Fa-f.:]+)\)")
DNSMASQ_RE = re.compile(
    r"^(?P<mon>[A-Z][a-z]{2}) +(?P<d>\d+) (?P<h>\d\d):(?P<mi>\d\d):(?P<s>\d\d) .*?dnsmasq"
    r"\[\d+\]: query\[\S+\] (?P<name>\S+) from (?P<ip>\S+)")


def windns_time(date, tm, ampm, tzs):
    h, mi, s = (int(x) for x in tm.split(":"))
    if "-" in date:
        y, mo, d = (int(x) for x in date.split("-"))
    elif "." in date:
        d, mo, y = (int(x) for x in date.split("."))
    elif ampm:
        mo, d, y = (int(x) for x in date.split("/"))
        h = h % 12 + (12 if ampm == "PM" else 0)
    else:
        d, mo, y = (int(x) for x in date.split("/"))
    return utc(y, mo, d, h, mi, s, 0.0, tzs)


def parse_zeek(text, lookups, servers):
    fields = None
    for line in text.splitlines():
        if line.startswith("#fields\t"):
            fields = line.split("\t")[1:]
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith("{"):
            try:
                o = json.loads(line)
            except ValueError:
                continue
        elif fields:
            o = dict(zip(fields, line.split("\t")))
        else:
            continue
        if "query" not in o:
            continue
        ts = o.get("ts")
        try:
            if isinstance(ts, str) and "T" in ts:
                t = datetime.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
            else:
                t = float(ts)
        except (TypeError, ValueError):
            continue
        src, dst = o.get("id.orig_h"), o.get("id.resp_h")
        if dst:
            servers.add(dst)
        if is_killswitch(o.get("query")):
            lookups.append((t, src))


def sniff(path):
    """The first bytes of a file's text (gzip and UTF-16 undone)."""
    with open(path, "rb") as f:
        raw = f.read(2)
    opener = gzip.open if raw == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as f:
            data = f.read(8192)
    except (OSError, EOFError):
        return ""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", "replace")
    return data.decode("utf-8", "replace")


DNS_HINTS = (" PACKET ", "queries: info: client", "dnsmasq[", "#path\tdns", '"query"')


def parse_file(path, tzs, year, lookups, servers):
    head = sniff(path)
    if head.lstrip("\ufeff").startswith("<") or not any(h in head for h in DNS_HINTS):
        return None     # event XML, firewall logs, SMB logs: not a DNS log
    text = read_text(path)
    head = text[:4096]
    if "#path\tdns" in head or ('"query"' in head and '"id.orig_h"' in head):
        parse_zeek(text, lookups, servers)
        return "zeek-dns"
    kind = None
    for line in text.splitlines():
        if " PACKET " in line:
            m = WINDNS_RE.match(line)
            if not m:
                continue
            kind = "windns"
            if m.group("dir") != "Rcv" or m.group("resp") == "R":
                continue
            if is_killswitch(wire_name(m.group("name"))):
                try:
                    t = windns_time(m.group("date"), m.group("time"), m.group("ampm"), tzs)
                except ValueError:
                    continue
                lookups.append((t, m.group("remote")))
        elif "queries: info: client" in line:
            m = BIND_RE.match(line)
            if not m:
                continue
            kind = "bind"
            servers.add(m.group("srv"))
            if is_killswitch(m.group("name")):
                ms = m.group("ms") or "0"
                t = utc(int(m.group("y")), MONTHS[m.group("mon").lower()], int(m.group("d")),
                        int(m.group("h")), int(m.group("mi")), int(m.group("s")),
                        int(ms) / (10.0 ** len(ms)), tzs)
                lookups.append((t, m.group("ip")))
        elif "dnsmasq[" in line and "query[" in line:
            m = DNSMASQ_RE.match(line)
            if not m:
                continue
            kind = "dnsmasq"
            if is_killswitch(m.group("name")):
                t = utc(year, MONTHS[m.group("mon").lower()], int(m.group("d")), int(m.group("h")),
                        int(m.group("mi")), int(m.group("s")), 0.0, tzs)
                lookups.append((t, m.group("ip")))
    return kind


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def baseline(paths, tz=None, year=2017):
    tzs = tz_seconds(tz)
    lookups, servers, read = [], set(), []
    files = []
    for p in paths:
        if os.path.isdir(p):
            for dp, _, names in os.walk(p):
                files += [os.path.join(dp, n) for n in sorted(names)]
        else:
            files.append(p)
    for f in sorted(files):
        if os.path.basename(f) == "truth.json":
            continue
        try:
            kind = parse_file(f, tzs, year, lookups, servers)
        except OSError:
            continue
        if kind:
            read.append({"path": f, "format": kind})
    first = {}
    for t, ip in lookups:
        if ip in servers:
            continue
        if ip not in first or t < first[ip]:
            first[ip] = t
    order = sorted(first, key=lambda ip: (first[ip], ip))
    hosts = []
    for i, ip in enumerate(order):
        prev = None
        net = ip.rsplit(".", 1)[0] + "."
        for j in range(i - 1, -1, -1):
            if order[j].startswith(net):
                prev = order[j]
                break
        if prev is None and i > 0:
            prev = order[i - 1]
        hosts.append({"rank": i + 1, "ip": ip, "names": [], "verdict": "infected",
                      "first_evidence": rfc3339(first[ip]), "infected_by": prev,
                      "reasons": ["kill-switch lookup"]})
    return {"baseline": "earliest kill-switch lookup in the DNS logs", "inputs": read,
            "hosts": hosts, "edges": []}


def main(argv=None):
    ap = argparse.ArgumentParser(description="Naive baseline: earliest kill-switch lookup.")
    ap.add_argument("--tz", default=None, help="zone of local-time DNS logs (+HH:MM)")
    ap.add_argument("--year", type=int, default=2017, help="year of syslog stamps")
    ap.add_argument("-o", "--output", default="-")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args(argv)
    r = baseline(a.paths, a.tz, a.year)
    text = json.dumps(r, indent=1) + "\n"
    if a.output == "-":
        sys.stdout.write(text)
    else:
        tmp = a.output + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
