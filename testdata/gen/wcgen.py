#!/usr/bin/env python3
"""wcgen.py: write one synthetic WannaCry outbreak (logs plus truth.json).

usage: wcgen.py --seed N --out DIR [--hosts N] [--scale F] [--scenario NAME]
                [--collection per-host|central|mixed|network-only|random]
       wcgen.py --check DIR      validate a generated tree and exit

No public log of a real outbreak exists; this makes the incidents wcscan is
tested on.  Everything is drawn from random.Random(seed): the same seed (and
options) always writes byte-identical files.  The behaviour model is
DESIGN.md section 1; the formats are those the readers in src/readers/ take.

Layout of DIR (--collection per-host, the default):
  fw/gateway.log[.gz]          netfilter LOG lines of the gateway (syslog)
  fw/<HOST>/pfirewall.log*     Windows Firewall logs, hosts that have one
  dns/dns.log*                 Windows DNS Server debug log (the DC)
  dns/named-queries.log*       BIND query log of a second resolver (if any)
  evtx/<HOST>/System.xml*      per-host System events (7045, noise)
  evtx/<HOST>/Security.xml*    per-host Security events (4697 4688 4624 ...)
  sysmon/<HOST>/Sysmon.xml*    per-host Sysmon events (1 3 11 22, noise)
  smb/<FILESERVER>-smb.log*    SMB access logs of the file servers
  truth.json                   what really happened
"*" : some files are gzip-compressed (by content; the name may or may not
end in .gz); XML files come in three shapes (wevtutil root-less one event
per line, <Events> root with <RenderingInfo>, evtxexport-style indented),
at least one file per incident is UTF-16LE with a BOM and CRLF line ends,
and some files quote attributes with single quotes.

COLLECTION MODES (--collection; "random" draws one from the seed).  The
outbreak (hosts, who infects whom and when) is the same for one seed in
every mode: what a mode adds is drawn from a second stream, and per-host
writes byte for byte what this generator wrote before modes existed.  The
other modes add, all of them: reference clocks (gateway, internal sensor,
DNS servers within 1.5 s); an internal sensor in about half the incidents
(85% in network-only): Zeek on a SPAN of the core switch (zeek/conn.log,
sometimes zeek/dns.log; TSV or JSON; it sees the SYNs of a /24 sweep to
live neighbours) or a bridging netfilter core firewall (fw/corefw.log; sees
only what crosses it), so that a connection through the gateway is logged
by two sensors; a few workstations with an outside resolver (8.8.8.8: their
lookups are in no DNS server log); in a quarter of the incidents failed
kill-switch lookups get no answer at all (no response line, Sysmon 22
status 1460) instead of NXDOMAIN; the analyst also fetches the kill-switch
URL (curl, PowerShell or a browser); the vulnerability scanner probes 5..10
other ports (21 22 23 80 135 139 443 3389 5985 8080) beside 445 on every
address (per-host keeps its 445-only sweep).
  per-host      as above.
  central       Windows logs as a collector holds them, every computer in
                one place: central/ForwardedEvents[-N].xml (all channels, in
                WEF arrival order, 30 s or 15 min batches) or
                central/{Security,System,Sysmon}.xml (per channel, every
                computer); root-less or <Events> root; RenderingInfo for the
                computers whose subscription renders.  Each record keeps its
                Computer, Channel and EventRecordID (one sequence per
                computer and channel) and its computer's clock: 15..40% of
                the computers are off by up to 60..180 s, the rest not.  No
                pfirewall.log (not forwarded); fw/, dns/, smb/, zeek/ as
                the mode allows.
  mixed         some computers per host (evtx/, sysmon/, fw/<HOST>/), the
                rest in central/, and some in both (the same records twice);
                one file handed over twice (backup/<HOST>-<file>, maybe
                un-gzipped).
  network-only  fw/gateway.log, the internal sensor, dns/ only: no host
                logs, no SMB logs.

SCENARIO KNOBS (all drawn from the seed; --scenario presets force some;
every knob is written to truth.json "scenario"):
  n_hosts            20..300 hosts (--hosts overrides), gateway included
  subnets            1..4 internal /24s, RFC 1918 (10/8, 172.16/12 or
                     192.168/16 family, chosen per incident)
  patient_zero       a vulnerable workstation in any subnet
  pz_logs_collected  whether patient zero's own logs (event XML, Sysmon,
                     pfirewall) were collected (often not: ~60% missing)
  pz_external_dns    patient zero asked 8.8.8.8 directly, so its kill-switch
                     lookup is not in the internal DNS log (the gateway sees
                     UDP 53 to 8.8.8.8)
  killswitch         www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com
                     usually; rarely a variant from DESIGN.md
  sinkhole_mode      "mid": the sinkhole goes live 10..50 min after the
                     outbreak starts (lookups before get NXDOMAIN, after it
                     the name resolves and a host whose worm starts then is
                     NEUTRALIZED: mssecsvc.exe start + answered lookup + the
                     HTTP request to the sinkhole, nothing else); "late": the
                     sinkhole comes after the logs end (none neutralized)
  sinkhole_time      2017-05-12 ~15:03 UTC; the outbreak start is placed
                     before it according to sinkhole_mode
  local_tz           null (logs in UTC) or "+02:00"/"-05:00"/...: logs that
                     write local time without a zone (pfirewall, Windows DNS,
                     BIND, BSD syslog, zone-less SMB stamps) use it; pass it
                     to wcscan --tz
  clock_skew_max_s   0..180: each log source (a host: all its logs; the
                     gateway; the DNS servers) has its own constant offset in
                     [-max, +max] seconds; truth hosts carry "clock_skew_s"
  late_fraction      share of hosts that come online late (0..15%), at a
                     random time in the first two hours of the outbreak
  multihomed         (when >= 2 subnets, often) a vulnerable server with
                     interfaces in patient zero's subnet and another one: it
                     carries the worm into the second subnet (the worm only
                     sweeps the /24s it has an interface in)
  vuln_fraction      share of workstations unpatched with SMBv1 (0.45..0.9);
                     the others are patched / SMBv1 off / 445 blocked:
                     contacted but never infected
  collected_fraction share of workstations whose logs were collected
  sysmon_fraction, pfirewall_fraction
                     share of collected hosts running Sysmon / logging with
                     the Windows Firewall
  history_hours      how far before the outbreak the gateway and the
                     management server's logs reach (24..48 h)
  fast_passes, rescan_interval_min
                     the worm sweeps its /24s sequentially (0.15..0.45 s per
                     address), fast_passes passes back to back, then one pass
                     every rescan_interval_min minutes until the logs end
                     (kept finite so logs stay small); random public IPv4 on
                     445 in parallel (a burst, then one every 45..120 s)
  infect_delay_s     [5, 60]: an unpatched host reached on 445 starts the
                     worm that many seconds after the first contact; its
                     infector is the first host that reached it
  gateway_style      "rfc3339" (rsyslog precise stamps with zone) or "bsd"
                     (no year: pass --year 2017, and --tz)
  gateway_445_out    "drop" (usual) or "accept": policy for 445/tcp to the
                     internet; either way probes get no answer
  dns_locale         date form of the Windows DNS log: en-US, iso, de, en-GB
  bind_resolver      a Linux BIND resolver serving one subnet (query log)
  traps              management server (SCCM01) reaching every client on
                     445/tcp every hour from history_hours before (System,
                     PID 4; CcmExec 7045 on clients it installs); a
                     vulnerability scanner sweeping 445 over all subnets
                     once; an analyst workstation that runs nslookup for the
                     kill-switch name after the outbreak (answer as the
                     sinkhole dictates).  None is ever infected.
  scale              --scale: multiplies benign noise (DNS, logons,
                     processes, connections, SMB sessions)

Presets (--scenario): random (default: all drawn), sample (the committed
testdata/sample: UTC, RFC 3339 gateway, no skew, 25 hosts), basic (one
subnet, all logs, no skew, UTC), multihomed, pz-dark (patient zero's logs
missing and its lookup external), skewed (3 min skews), localtime (+02:00),
late-sinkhole.

truth.json: {"seed", "scenario" (its "collection" holds the mode's
knobs), "collection" and "family" (the mode), "patient_zero",
"sinkhole_time", "local_tz", "outbreak_start", "logs_end", "files" (as
written), "sensors" (gateway, DNS servers, internal sensor: their clock
skews), "pz_evidence" {"lookup_in_logs", "lookup_files" (DNS logs or Sysmon
22 holding patient zero's kill-switch lookup), "sweep_in_logs" (>= 10
distinct 445/tcp destinations of its sweep in the written logs),
"sweep_445_destinations", "sweep_same_subnet", "sweep_public",
"sweep_445_destinations_network" (in firewall/sensor logs), "sweep_files"},
"hosts": [{"name", "ips", "role", "infected", "neutralized", "infected_by",
"infected_time", "logs_collected", "host_logs" (per-host, central, both or
null), "resolver" (win, bind, ext), "vulnerable", "clock_skew_s",
"online_from", "delivered_by" (neutralized hosts: who reached them)}],
"edges": [{"from", "to", "time" (first contact from the infector),
"started" (worm start on "to")}]}.  Times are RFC 3339 UTC.  infected_time
is when the worm started on the host (its first start-up evidence).
"""

import argparse
import datetime
import gzip
import heapq
import json
import math
import os
import random
import sys

# --------------------------------------------------------------------------
# Time helpers (seconds since the Unix epoch as floats, UTC)

_DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec"]


def _is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def epoch(y, mo, d, h=0, mi=0, s=0.0):
    days = (y - 1970) * 365 + sum(1 for yy in range(1970, y) if _is_leap(yy))
    days += _DAYS_BEFORE[mo - 1] + (1 if mo > 2 and _is_leap(y) else 0)
    days += d - 1
    return days * 86400 + h * 3600 + mi * 60 + s


def civil(t):
    """(y, mo, d, h, mi, s, usec) of t (seconds, UTC or already shifted)."""
    us = int(round(t * 1e6))
    secs, usec = divmod(us, 1000000)
    days, rem = divmod(secs, 86400)
    h, rem = divmod(rem, 3600)
    mi, s = divmod(rem, 60)
    ymd = _YMD.get(days)
    if ymd is None:
        dt = datetime.date.fromordinal(_ORD_1970 + days)
        ymd = _YMD[days] = (dt.year, dt.month, dt.day)
    return ymd + (h, mi, s, usec)


_ORD_1970 = datetime.date(1970, 1, 1).toordinal()
_YMD = {}


def rfc3339(t, frac=0):
    y, mo, d, h, mi, s, us = civil(t)
    base = "%04d-%02d-%02dT%02d:%02d:%02d" % (y, mo, d, h, mi, s)
    if frac:
        base += "." + ("%06d" % us)[:frac]
    return base + "Z"


def tz_offset_s(tz):
    if not tz:
        return 0
    sign = -1 if tz[0] == "-" else 1
    hh, mm = tz[1:].split(":")
    return sign * (int(hh) * 3600 + int(mm) * 60)


# --------------------------------------------------------------------------
# Constants of the worm and the site

KILLSWITCH = "www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com"
KS_VARIANTS = ["iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com",
               "www.ifferfsodp9ifjaposdfjhgosurijfaewrwergwea.com",
               "ifferfsodp9ifjaposdfjhgosurijfaewrwergwea.test",
               "www.iuqssfsodp9ifjaposdfjhgosurijfaewrwergwea.com",
               "www.ayylmaotjhsstasdfasdfasdfasdfasdfasdfasdf.com"]
SINKHOLE_IPS = ["144.217.254.3", "144.217.74.156", "104.16.173.80"]
MSSEC = "C:\\WINDOWS\\mssecsvc.exe"
SHA_MSSEC = "24D004A104D4D54034DBCFFC2A4B19A11F39008A575AA614EA04703480B1022C"
SHA_TASKSCHE = "ED01EBFBC9EB5BBEA545AF4D01BF5F1071661840480439C6E5BABE8E080E41AA"
SYSMON_GUID = "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"
SCM_GUID = "{555908d1-a6d7-4695-8e1e-26931d2012f4}"
SEC_GUID = "{54849625-5478-4994-a5ba-3e3b0328c30d}"
EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"
SYSTEM_DIR = "C:\\Windows\\System32\\"

BENIGN_NAMES = ["www.microsoft.com", "login.microsoftonline.com",
                "ctldl.windowsupdate.com", "www.google.com", "outlook.office365.com",
                "settings-win.data.microsoft.com", "www.bing.com", "time.windows.com",
                "update.googleapis.com", "clients2.google.com", "www.wikipedia.org",
                "cdn.jsdelivr.net", "news.bbc.co.uk", "www.linkedin.com"]
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
         "ivan", "judy", "mallory", "oscar", "peggy", "sybil", "trent", "victor",
         "walter", "yuki", "zoe", "omar", "lena", "raj", "kim", "noor"]
DEPTS = ["FIN", "HR", "ENG", "OPS", "SALES", "LAB", "MKT", "LEG"]
DOMAINS = [("CORP", "corp.example"), ("ACME", "acme.local"),
           ("HOSP", "hosp.internal"), ("FAB", "plant.example")]
FS_SHARES = ["Public", "Finance", "Projects", "Home", "Scans", "Apps"]

B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
COLLECTIONS = ("per-host", "central", "mixed", "network-only")
PRESETS = ("random", "sample", "basic", "multihomed", "pz-dark", "skewed",
           "localtime", "late-sinkhole")


class Host(object):
    def __init__(self, name, role):
        self.name = name
        self.role = role
        self.ips = []          # one per interface
        self.subnets = []      # subnet index per interface
        self.windows = role not in ("gateway", "scanner", "resolver")
        self.vulnerable = False
        self.smb_open = self.windows   # answers on 445
        self.smb1 = False      # speaks SMB1 as a client
        self.online_from = None
        self.offline_at = 1e12     # switched off (infected hosts, by IT)
        self.collected = True
        self.sysmon = False
        self.pfw = False
        self.pfw_pid = False
        self.audit_proc = True
        self.audit_cmd = True
        self.audit_4688_v2 = True
        self.audit_logon = True
        self.skew = 0.0
        self.state = None      # None, "pending", "infected", "neutralized"
        self.infected_by = None
        self.delivered_by = None
        self.start = None
        self.contact = None
        self.ephem = 49152
        self.pidnext = 0
        self.win_start = {}    # log kind -> first true time logged
        self.user = None
        self.resolver = None   # "win", "bind", "ext"
        self.ext_extra = False  # asks an outside resolver (new collection modes)

    def ip_in(self, sidx):
        for ip, s in zip(self.ips, self.subnets):
            if s == sidx:
                return ip
        return self.ips[0]


# --------------------------------------------------------------------------
# Output files: records are (true time, seq, render function args)


class Gen(object):
    def __init__(self, seed, out, n_hosts=None, scale=1.0, scenario="random",
                 collection="per-host"):
        self.seed = seed
        self.out = out
        self.rng = random.Random(seed)
        # Everything the collection mode adds draws from its own stream, so
        # the outbreak itself (who infects whom, when) is the same for one
        # seed in every mode, and per-host stays byte-identical to the
        # generator before collection modes existed.
        self.crng = random.Random("wcgen-collection/%d" % seed)
        self.collection = collection
        self.mode = collection
        self.new = False       # a mode other than per-host: the additions below apply
        self.zeek = None       # internal sensor (dict) or None
        self.mute = 0          # > 0: add() drops records (rng draws still happen)
        self.tag = None        # (name, key): add() notes which files hold it
        self.tagged = {}       # name -> rel -> set of keys
        self.ks_noanswer = False
        self.analyst_lookups = []
        self.scan_probes = []  # (time, address) of the scanner's 445 probes
        self.scale = scale
        self.preset = scenario
        self.files = {}        # relpath -> dict(kind, host, recs, opts)
        self.seq = 0
        self.n_hosts_opt = n_hosts
        self.edges = []
        self.dns_cache = {}    # (resolver, name) -> (expiry, rcode)
        self.sysmon_in_seen = {}

    # ---------------------------------------------------------------- knobs
    def draw_knobs(self):
        r = self.rng
        k = {}
        k["n_hosts"] = self.n_hosts_opt or r.choice(
            [r.randint(20, 60), r.randint(20, 60), r.randint(40, 120),
             r.randint(60, 300)])
        k["n_subnets"] = max(1, min(4, r.choice([1, 1, 2, 2, 3, 4]),
                                    k["n_hosts"] // 12))
        k["pz_logs_collected"] = r.random() < 0.4
        k["pz_external_dns"] = r.random() < 0.3
        k["killswitch"] = KILLSWITCH if r.random() < 0.88 else r.choice(KS_VARIANTS)
        k["sinkhole_mode"] = "mid" if r.random() < 0.7 else "late"
        k["local_tz"] = None if r.random() < 0.65 else r.choice(
            ["+02:00", "+01:00", "-05:00", "+05:30", "-07:00"])
        k["clock_skew_max_s"] = r.choice([0, 20, 60, 120, 180])
        k["late_fraction"] = round(r.uniform(0.0, 0.15), 3)
        k["multihomed"] = r.random() < 0.7
        k["vuln_fraction"] = round(r.uniform(0.45, 0.9), 3)
        k["collected_fraction"] = round(r.uniform(0.6, 1.0), 3)
        k["sysmon_fraction"] = round(r.uniform(0.25, 0.7), 3)
        k["pfirewall_fraction"] = round(r.uniform(0.25, 0.6), 3)
        k["history_hours"] = r.randint(24, 48)
        k["fast_passes"] = r.randint(1, 3)
        k["rescan_interval_min"] = r.randint(15, 40)
        k["infect_delay_s"] = [5, 60]
        k["shutdown_fraction"] = round(r.uniform(0.5, 0.9), 3)
        k["shutdown_after_min"] = [20, 90]
        k["gateway_style"] = "rfc3339" if r.random() < 0.6 else "bsd"
        k["gateway_445_out"] = "drop" if r.random() < 0.85 else "accept"
        k["dns_locale"] = r.choice(["en-US", "en-US", "en-US", "iso", "de", "en-GB"])
        k["bind_resolver"] = r.random() < 0.35
        k["scale"] = self.scale
        p = self.preset
        if p == "sample":
            k.update(n_hosts=self.n_hosts_opt or 25, n_subnets=2, local_tz=None,
                     clock_skew_max_s=0, gateway_style="rfc3339",
                     multihomed=True, sinkhole_mode="mid", late_fraction=0.1,
                     history_hours=24, dns_locale="en-US", bind_resolver=False,
                     killswitch=KILLSWITCH, pz_logs_collected=True,
                     pz_external_dns=False, collected_fraction=1.0,
                     sysmon_fraction=0.5, pfirewall_fraction=0.4,
                     fast_passes=1, rescan_interval_min=30, vuln_fraction=0.7)
        elif p == "basic":
            k.update(n_subnets=1, local_tz=None, clock_skew_max_s=0,
                     multihomed=False, pz_logs_collected=True,
                     pz_external_dns=False, collected_fraction=1.0,
                     gateway_style="rfc3339")
        elif p == "multihomed":
            k.update(n_subnets=max(2, k["n_subnets"]), multihomed=True)
            k["n_hosts"] = max(k["n_hosts"], 24)
        elif p == "pz-dark":
            k.update(pz_logs_collected=False, pz_external_dns=True)
        elif p == "skewed":
            k.update(clock_skew_max_s=180)
        elif p == "localtime":
            k.update(local_tz="+02:00")
        elif p == "late-sinkhole":
            k.update(sinkhole_mode="late")
        # A /24 holds about 220 workstations (.30-.254): more hosts than
        # that need another subnet (else address allocation never ends).
        k["n_subnets"] = max(k["n_subnets"], -(-k["n_hosts"] // 200))
        if k["n_subnets"] < 2:
            k["multihomed"] = False
        self.k = k

    # ------------------------------------------------------------- topology
    def build_network(self):
        r, k = self.rng, self.k
        fam = r.choice(["10", "172", "192"])
        subnets = []
        while len(subnets) < k["n_subnets"]:
            if fam == "10":
                s = "10.%d.%d" % (r.randint(0, 255), r.randint(0, 255))
            elif fam == "172":
                s = "172.%d.%d" % (r.randint(16, 31), r.randint(0, 255))
            else:
                s = "192.168.%d" % r.randint(0, 255)
            if s not in subnets:
                subnets.append(s)
        self.subnets = subnets
        k["subnets"] = [s + ".0/24" for s in subnets]
        self.netbios, self.dnsdomain = r.choice(DOMAINS)
        used = {i: {1} for i in range(len(subnets))}

        def take(sidx, lo=2, hi=254):
            while True:
                o = r.randint(lo, hi)
                if o not in used[sidx]:
                    used[sidx].add(o)
                    return "%s.%d" % (subnets[sidx], o)

        hosts = []
        gw = Host("GW01", "gateway")
        for i in range(len(subnets)):
            gw.ips.append("%s.1" % subnets[i])
            gw.subnets.append(i)
        gw.smb_open = False
        hosts.append(gw)

        def add(name, role, sidx, lo=2, hi=254):
            h = Host(name, role)
            h.ips.append(take(sidx, lo, hi))
            h.subnets.append(sidx)
            hosts.append(h)
            return h

        self.dc = add("DC01", "server", 0, 2, 20)
        nfs = 1 if k["n_hosts"] < 60 else (2 if k["n_hosts"] < 150 else 3)
        self.fileservers = [add("FS%02d" % (i + 1), "server", i % len(subnets), 2, 40)
                            for i in range(nfs)]
        self.sccm = add("SCCM01", "management", r.randrange(len(subnets)), 2, 40)
        self.scanner = add("VSCAN01", "scanner", r.randrange(len(subnets)), 2, 60)
        self.analyst = add("IT-ANL01", "analyst", r.randrange(len(subnets)), 20, 250)
        self.bind = None
        if k["bind_resolver"]:
            self.bind = add("NS02", "resolver", len(subnets) - 1, 2, 30)
            self.bind.role = "server"
        n_ws = max(4, k["n_hosts"] - len(hosts))
        counters = {}
        for i in range(n_ws):
            sidx = i % len(subnets)
            dept = DEPTS[(sidx * 3 + i // 40) % len(DEPTS)]
            counters[dept] = counters.get(dept, 0) + 1
            add("WS-%s-%02d" % (dept, counters[dept]), "workstation", sidx, 30, 254)
        self.hosts = hosts
        self.workstations = [h for h in hosts if h.role == "workstation"]
        # Vulnerability: unpatched SMBv1 and 445 reachable.
        for h in self.workstations:
            h.vulnerable = r.random() < k["vuln_fraction"]
            if not h.vulnerable and r.random() < 0.15:
                h.smb_open = False      # 445 blocked by the host firewall
        for h in self.fileservers:
            h.vulnerable = r.random() < 0.25
        # Patient zero.
        pz = r.choice([h for h in self.workstations if h.vulnerable] or self.workstations)
        pz.vulnerable = True
        pz.smb_open = True
        self.pz = pz
        k["patient_zero"] = pz.name
        # The multi-homed host: a second interface in another subnet.
        self.mh = None
        if k["multihomed"]:
            cand = [h for h in self.workstations + self.fileservers
                    if h.subnets[0] == pz.subnets[0] and h is not pz]
            if cand:
                mh = r.choice(cand)
                other = r.choice([i for i in range(len(subnets)) if i != pz.subnets[0]])
                mh.ips.append(take(other, 2, 60))
                mh.subnets.append(other)
                mh.vulnerable = True
                mh.smb_open = True
                mh.role = "server"
                self.mh = mh
                k["multihomed_host"] = mh.name
        if self.mh is None:
            k["multihomed"] = False
            k["multihomed_host"] = None
        self.by_ip = {}
        for h in hosts:
            for ip in h.ips:
                self.by_ip[ip] = h
        # SMB1 clients (exposed surface): mostly the unpatched ones.
        for h in hosts:
            if h.windows:
                h.smb1 = r.random() < (0.85 if h.vulnerable else 0.12)
        # Users and resolvers.
        for h in hosts:
            h.user = r.choice(USERS)
            h.ephem = r.randint(49152, 60000)
            h.pidnext = r.randint(300, 900) * 4
            if self.bind is not None and h.subnets[0] == self.bind.subnets[0] \
                    and h.windows and h.role == "workstation":
                h.resolver = "bind"
            else:
                h.resolver = "win"
        if k["pz_external_dns"]:
            pz.resolver = "ext"

    # ------------------------------------------------------------- timeline
    def build_timeline(self):
        r, k = self.rng, self.k
        self.sinkhole = epoch(2017, 5, 12, 15, 3, r.uniform(0, 59))
        if k["sinkhole_mode"] == "mid":
            self.t0 = self.sinkhole - r.uniform(10, 50) * 60
        else:
            self.t0 = self.sinkhole - r.uniform(5, 8) * 3600
        self.t0 = round(self.t0, 3)
        self.t_end = self.t0 + r.uniform(1.6, 3.0) * 3600
        self.t_hist = self.t0 - k["history_hours"] * 3600
        k["outbreak_start"] = rfc3339(self.t0)
        k["sinkhole_time"] = rfc3339(self.sinkhole)
        smax = k["clock_skew_max_s"]
        for h in self.hosts:
            h.skew = round(r.uniform(-smax, smax), 3) if smax and r.random() < 0.8 else 0.0
            h.online_from = self.t_hist - 3600
        late_pool = [h for h in self.workstations if h is not self.pz and h is not self.mh]
        nlate = int(round(k["late_fraction"] * len(late_pool)))
        if k["sinkhole_mode"] == "mid" and nlate == 0 and late_pool and k["late_fraction"] > 0:
            nlate = 1
        for h in r.sample(late_pool, min(nlate, len(late_pool))):
            h.online_from = self.t0 + r.uniform(60, 7200)
        # Which logs exist.
        for h in self.hosts:
            if h.role == "workstation":
                h.collected = r.random() < k["collected_fraction"]
            else:
                h.collected = h.windows or h.role == "gateway"
            if h is self.pz:
                h.collected = k["pz_logs_collected"]
            h.sysmon = h.windows and h.collected and (
                r.random() < k["sysmon_fraction"] or h.role in ("management",))
            h.pfw = h.windows and h.collected and r.random() < k["pfirewall_fraction"]
            h.pfw_pid = r.random() < 0.5
            h.audit_proc = r.random() < 0.8 or h.role == "analyst"
            h.audit_cmd = r.random() < 0.75
            h.audit_4688_v2 = r.random() < 0.6
            h.audit_logon = r.random() < 0.85 or h.role == "server"
            # Rolling logs: each source reaches back its own distance.
            for kind in ("system", "security", "sysmon", "pfw"):
                back = r.uniform(1.0, 6.0) * 3600
                h.win_start[kind] = max(self.t_hist, self.t0 - back, h.online_from)
        self.sccm.win_start["sysmon"] = self.t_hist
        self.sccm.win_start["pfw"] = self.t_hist
        self.dns_start = self.t0 - r.uniform(1.0, 3.0) * 3600
        self.smb_start = self.t0 - r.uniform(2.0, 6.0) * 3600
        self.dc.win_start["security"] = max(self.t_hist, self.t0 - r.uniform(2, 4) * 3600)

    # ----------------------------------------------------------- collection
    def draw_collection(self):
        """The collection mode and what it adds; drawn from self.crng only."""
        c, k = self.crng, self.k
        mode = self.collection
        if mode == "random":
            mode = c.choice(COLLECTIONS)
        self.mode = mode
        self.new = mode != "per-host"
        ck = {"mode": mode}
        k["collection"] = ck
        if not self.new:
            return

        def ref():
            # Reference clocks (NTP-disciplined appliances and servers).
            return 0.0 if c.random() < 0.5 else round(c.uniform(-1.5, 1.5), 3)

        self.gw_skew_new = ref()
        self.dc.skew = ref()
        if self.bind is not None:
            self.bind.skew = ref()
        ck["reference_clocks"] = {"gateway": self.gw_skew_new, self.dc.name: self.dc.skew}
        if self.bind is not None:
            ck["reference_clocks"][self.bind.name] = self.bind.skew
        if mode in ("central", "mixed"):
            # Each computer stamps its events with its own clock: some run
            # off by up to smax seconds, most do not.
            smax = c.choice([60, 120, 180, 180])
            frac = round(c.uniform(0.15, 0.4), 3)
            for h in self.hosts:
                if h.windows and h is not self.dc:
                    h.skew = round(c.uniform(-smax, smax), 3) if c.random() < frac else 0.0
            k["clock_skew_max_s"] = smax
            ck["skewed_fraction"] = frac
            ck["central_layout"] = c.choice(["forwarded", "forwarded", "per-channel"])
            ck["central_shape"] = c.choice(["rootless", "events"])
            ck["wef_delivery"] = c.choice(["minimize-latency", "normal"])
            ck["central_chunks"] = c.choice([1, 1, 1, 2, 3])
        # The internal sensor, so that connections crossing the gateway are
        # logged twice.  Zeek on a SPAN of the core switch sees every packet
        # to or from its monitored subnets (a sweep's SYNs to live
        # neighbours; no SYN leaves for an address that answers no ARP).  A
        # bridging netfilter firewall between those subnets and the core
        # ("bridge") logs only what crosses it, not a sweep of the /24.
        if c.random() < (0.85 if mode == "network-only" else 0.5):
            n = len(self.subnets)
            if n == 1 or c.random() < 0.6:
                mon = list(range(n))
            else:
                mon = sorted(c.sample(range(n), c.randint(1, n - 1)))
            kind = "zeek" if c.random() < 0.75 else "bridge"
            self.zeek = {"kind": kind, "format": c.choice(["tsv", "tsv", "json"]),
                         "subnets": set(mon), "dns": kind == "zeek" and c.random() < 0.5,
                         "skew": ref(), "gzip": c.random() < 0.5}
            ck["internal_sensor"] = {
                "kind": kind, "subnets": [self.subnets[i] + ".0/24" for i in mon],
                "clock_skew_s": self.zeek["skew"]}
            if kind == "zeek":
                ck["internal_sensor"].update(format=self.zeek["format"],
                                             dns_log=self.zeek["dns"])
        else:
            ck["internal_sensor"] = None
        # A failed kill-switch lookup: NXDOMAIN, or (the resolver's upstream
        # unreachable for it) no answer at all.
        self.ks_noanswer = c.random() < 0.25
        ck["killswitch_failure"] = "no-answer" if self.ks_noanswer else "nxdomain"
        # Hosts that ask an outside resolver (hard-coded 8.8.8.8): their
        # lookups are in no DNS server log.
        frac = c.choice([0.0, 0.03, 0.06, 0.1])
        for h in self.workstations:
            if h is not self.pz and h is not self.mh and c.random() < frac:
                h.ext_extra = True
        ck["outside_resolver_hosts"] = sorted(h.name for h in self.hosts if h.ext_extra)
        ck["analyst_fetches_url"] = True

    # --------------------------------------------------------- file plumbing
    def _file(self, rel, kind, host=None, **opts):
        f = self.files.get(rel)
        if f is None:
            f = {"kind": kind, "host": host, "recs": [], "opts": opts}
            self.files[rel] = f
        return f

    def add(self, rel, t, payload):
        self.seq += 1
        if self.mute:
            return
        self.files[rel]["recs"].append((t, self.seq, payload))
        if self.tag is not None:
            self.tagged.setdefault(self.tag[0], {}).setdefault(rel, set()).add(self.tag[1])

    def setup_files(self):
        r, k = self.rng, self.k
        if self.zeek is not None and self.zeek["kind"] == "bridge":
            c = self.crng
            self._file("fw/corefw.log", "netfilter", None,
                       style=c.choice(["rfc3339", "bsd"]), gzip=self.zeek["gzip"],
                       name="corefw01", skew=self.zeek["skew"],
                       boot=self.t_hist - c.uniform(3, 90) * 86400,
                       prefix=("CORE-DROP: ", "CORE-FWD: "),
                       macs=["00:1b:21:%02x:%02x:%02x" % (c.randrange(256), c.randrange(256),
                                                          c.randrange(256)) for _ in range(5)])
        elif self.zeek is not None:
            self._file("zeek/conn.log", "zeek-conn", None, fmt=self.zeek["format"],
                       gzip=self.zeek["gzip"])
            if self.zeek["dns"]:
                self._file("zeek/dns.log", "zeek-dns", None, fmt=self.zeek["format"],
                           gzip=self.zeek["gzip"])
        gwname = "gw01"
        self._file("fw/gateway.log", "netfilter", None, style=k["gateway_style"],
                   gzip=r.random() < 0.6, name=gwname)
        self.gw_prefix = r.choice([("FW-DROP: ", "FW-ACCEPT: "),
                                   ("[UFW BLOCK] ", "[UFW ALLOW] "),
                                   ("policy DROP: ", "fwd ACCEPT: ")])
        self.gw_boot = self.t_hist - r.uniform(3, 60) * 86400
        self.gw_macs = ["00:50:56:%02x:%02x:%02x" % (r.randrange(256), r.randrange(256),
                                                      r.randrange(256)) for _ in range(5)]
        self._file("dns/dns.log", "windns", self.dc, locale=k["dns_locale"],
                   gzip=r.random() < 0.4)
        if self.bind is not None:
            self._file("dns/named-queries.log", "bind", self.bind, gzip=r.random() < 0.3)
        for fs in self.fileservers:
            self._file("smb/%s-smb.log" % fs.name.lower(), "smb", fs,
                       zone=r.random() < 0.7, gzip=r.random() < 0.3)
        shapes = ["rootless", "events", "indented"]
        self.gz_xml = 0.9 if self.preset == "sample" else 0.5
        self.gz_sysmon = 0.95 if self.preset == "sample" else 0.7
        xml_files = []
        for h in self.hosts:
            if not (h.windows and h.collected):
                continue
            d = h.name
            for kind, fname in (("system", "System"), ("security", "Security")):
                rel = "evtx/%s/%s.xml" % (d, fname)
                xml_files.append(self._file(rel, "xml", h, shape=r.choice(shapes),
                                            utf16=r.random() < 0.1, squote=r.random() < 0.1,
                                            gzip=r.random() < self.gz_xml, decl=r.random() < 0.5))
            if h.sysmon:
                rel = "sysmon/%s/Sysmon.xml" % d
                xml_files.append(self._file(rel, "xml", h, shape=r.choice(shapes),
                                            utf16=r.random() < 0.1, squote=False,
                                            gzip=r.random() < self.gz_sysmon or h is self.sccm,
                                            decl=r.random() < 0.5))
            if h.pfw:
                self._file("fw/%s/pfirewall.log" % d, "pfw", h, pid=h.pfw_pid,
                           gzip=r.random() < self.gz_xml)
        # At least one UTF-16LE file, one of each shape.
        if xml_files and not any(f["opts"]["utf16"] for f in xml_files):
            r.choice(xml_files)["opts"]["utf16"] = True
        for i, shape in enumerate(shapes):
            if xml_files and not any(f["opts"]["shape"] == shape for f in xml_files):
                xml_files[(i * 7) % len(xml_files)]["opts"]["shape"] = shape

    def rel(self, h, kind):
        if kind == "sysmon":
            return "sysmon/%s/Sysmon.xml" % h.name
        if kind == "pfw":
            return "fw/%s/pfirewall.log" % h.name
        return "evtx/%s/%s.xml" % (h.name, "System" if kind == "system" else "Security")

    def logs(self, h, kind, t):
        """Whether h's log of this kind exists and covers true time t."""
        if not h.collected or not h.windows or t > self.t_end:
            return False
        if kind == "sysmon" and not h.sysmon:
            return False
        if kind == "pfw" and not h.pfw:
            return False
        return h.win_start[kind] <= t < h.offline_at and t >= h.online_from

    # ---------------------------------------------------------------- helpers
    def online(self, h, t):
        return h.online_from <= t < h.offline_at

    def sport(self, h):
        h.ephem += 1
        if h.ephem > 65000:
            h.ephem = 49152
        return h.ephem

    def pid(self, h):
        h.pidnext += 4 * self.rng.randint(1, 40)
        if h.pidnext > 12000:
            h.pidnext = 1200
        return h.pidnext

    def guid(self, rng=None):
        r = rng or self.rng
        return "{%08x-%04x-%04x-0000-00%010x}" % (
            r.getrandbits(32), r.getrandbits(16), r.getrandbits(16), r.getrandbits(40))

    def public_ip(self):
        r = self.rng
        while True:
            a = r.randint(1, 223)
            b = r.randint(0, 255)
            if a in (10, 127, 0) or (a == 100 and 64 <= b < 128) or \
                    (a == 169 and b == 254) or (a == 172 and 16 <= b < 32) or \
                    (a == 192 and b == 168) or (a == 198 and b in (18, 19)):
                continue
            ip = "%d.%d.%d.%d" % (a, b, r.randint(0, 255), r.randint(1, 254))
            if ip.startswith(("192.0.2.", "198.51.100.", "203.0.113.", "192.0.0.")):
                continue
            return ip

    def fqdn(self, h):
        return "%s.%s" % (h.name, self.dnsdomain)

    # ------------------------------------------------------------ primitives
    def sysmon_ev(self, h, t, eid, data):
        if not self.logs(h, "sysmon", t):
            return
        self.add(self.rel(h, "sysmon"), t, ("sysmon", eid, data))

    def process(self, h, t, image, cmdline, parent, ppid=None, user=None, pid=None,
                sha=None):
        pid = pid or self.pid(h)
        user = user or "NT AUTHORITY\\SYSTEM"
        if self.logs(h, "sysmon", t):
            r = self.rng
            sha = sha or "%064X" % r.getrandbits(256)
            self.sysmon_ev(h, t, 1, [
                ("RuleName", "-"), ("UtcTime", None), ("ProcessGuid", self.guid()),
                ("ProcessId", str(pid)), ("Image", image), ("FileVersion", "-"),
                ("Description", "-"), ("Product", "-"), ("Company", "-"),
                ("CommandLine", cmdline), ("CurrentDirectory", "C:\\Windows\\system32\\"),
                ("User", user), ("LogonGuid", self.guid()), ("LogonId", "0x3e7"),
                ("TerminalSessionId", "0"), ("IntegrityLevel", "System"),
                ("Hashes", "SHA256=" + sha), ("ParentProcessGuid", self.guid()),
                ("ParentProcessId", str(ppid or self.pid(h))), ("ParentImage", parent),
                ("ParentCommandLine", parent)])
        if h.audit_proc and self.logs(h, "security", t):
            sys_acct = user.endswith("SYSTEM")
            data = [("SubjectUserSid", "S-1-5-18" if sys_acct else "S-1-5-21-1-2-3-1104"),
                    ("SubjectUserName", (h.name + "$") if sys_acct else user.split("\\")[-1]),
                    ("SubjectDomainName", self.netbios), ("SubjectLogonId", "0x3e7"),
                    ("NewProcessId", "0x%x" % pid), ("NewProcessName", image),
                    ("TokenElevationType", "%%1936"), ("ProcessId", "0x%x" % (ppid or 0x2f0))]
            if h.audit_cmd:
                data.append(("CommandLine", cmdline))
            if h.audit_4688_v2:
                data += [("TargetUserSid", "S-1-0-0"), ("TargetUserName", "-"),
                         ("TargetDomainName", "-"), ("TargetLogonId", "0x0"),
                         ("ParentProcessName", parent), ("MandatoryLabel", "S-1-16-16384")]
            self.add(self.rel(h, "security"), t + 0.004, ("sec", 4688,
                                                         2 if h.audit_4688_v2 else 1, data))
        return pid

    def file_created(self, h, t, image, pid, path):
        self.sysmon_ev(h, t, 11, [("RuleName", "-"), ("UtcTime", None),
                                  ("ProcessGuid", self.guid()), ("ProcessId", str(pid)),
                                  ("Image", image), ("TargetFilename", path),
                                  ("CreationUtcTime", None)])

    def service(self, h, t, svc, display, image_path):
        if self.logs(h, "system", t):
            self.add(self.rel(h, "system"), t, ("sys7045", [
                ("ServiceName", display), ("ImagePath", image_path),
                ("ServiceType", "user mode service"), ("StartType", "auto start"),
                ("AccountName", "LocalSystem")]))
        if self.logs(h, "security", t):
            self.add(self.rel(h, "security"), t + 0.01, ("sec", 4697, 2, [
                ("SubjectUserSid", "S-1-5-18"), ("SubjectUserName", h.name + "$"),
                ("SubjectDomainName", self.netbios), ("SubjectLogonId", "0x3e7"),
                ("ServiceName", svc), ("ServiceFileName", image_path),
                ("ServiceType", "0x10"), ("ServiceStartType", "2"),
                ("ServiceAccount", "LocalSystem")]))

    def logon(self, srv, t, client, ip, user, ntlm=True, anonymous=False):
        if not (srv.audit_logon and self.logs(srv, "security", t)):
            return
        r = self.rng
        ws = client.name if (client is not None and ntlm) else "-"
        if anonymous:
            user, ws = "ANONYMOUS LOGON", "-"
        self.add(self.rel(srv, "security"), t, ("sec", 4624, 2, [
            ("SubjectUserSid", "S-1-0-0"), ("SubjectUserName", "-"),
            ("SubjectDomainName", "-"), ("SubjectLogonId", "0x0"),
            ("TargetUserSid", "S-1-5-7" if anonymous else "S-1-5-21-1-2-3-%d" % r.randint(1100, 1999)),
            ("TargetUserName", user), ("TargetDomainName", "NT AUTHORITY" if anonymous else self.netbios),
            ("TargetLogonId", "0x%x" % r.getrandbits(24)), ("LogonType", "3"),
            ("LogonProcessName", "NtLmSsp " if ntlm else "Kerberos"),
            ("AuthenticationPackageName", "NTLM" if ntlm else "Kerberos"),
            ("WorkstationName", ws),
            ("LogonGuid", "{00000000-0000-0000-0000-000000000000}"),
            ("TransmittedServices", "-"),
            ("LmPackageName", ("NTLM V1" if anonymous else "NTLM V2") if ntlm else "-"),
            ("KeyLength", "128" if ntlm else "0"), ("ProcessId", "0x0"),
            ("ProcessName", "-"), ("IpAddress", ip), ("IpPort", str(r.randint(49152, 65000)))]))

    def gateway(self, t, src, dst, proto, sport, dport, allow, sidx_in, sidx_out):
        """A packet the gateway logged. sidx: subnet index, -1 internet, None local."""
        if t > self.t_end or t < self.t_hist:
            return
        iface = lambda s: "" if s is None else ("eth0" if s < 0 else "eth%d" % (s + 1))
        self.add("fw/gateway.log", t, ("nf", src, dst, proto, sport, dport, allow,
                                       iface(sidx_in), iface(sidx_out)))

    def pfw(self, h, t, action, proto, src, dst, sport, dport, path, pid):
        if self.logs(h, "pfw", t):
            self.add(self.rel(h, "pfw"), t, ("pfw", action, proto, src, dst, sport, dport,
                                             path, pid))

    def sysmon_conn(self, h, t, image, pid, user, src, sport, dst, dport, initiated,
                    proto="tcp"):
        if not self.logs(h, "sysmon", t):
            return
        self.sysmon_ev(h, t, 3, [
            ("RuleName", "-"), ("UtcTime", None), ("ProcessGuid", self.guid()),
            ("ProcessId", str(pid)), ("Image", image), ("User", user),
            ("Protocol", proto), ("Initiated", "true" if initiated else "false"),
            ("SourceIsIpv6", "false"), ("SourceIp", src), ("SourceHostname", "-"),
            ("SourcePort", str(sport)), ("SourcePortName", "-"),
            ("DestinationIsIpv6", "false"), ("DestinationIp", dst),
            ("DestinationHostname", "-"), ("DestinationPort", str(dport)),
            ("DestinationPortName", "microsoft-ds" if dport == 445 else "-")])

    def connect(self, h, t, dst, dport, image="System", pid=4, user="NT AUTHORITY\\SYSTEM",
                src_ip=None, proto="TCP", inbound_sysmon=True):
        """h opens a connection to dst at true time t; logs it everywhere it
        shows.  Returns the host reached (online and listening) or None."""
        src = src_ip or h.ips[0]
        ssub = h.subnets[h.ips.index(src)]
        sp = self.sport(h)
        target = self.by_ip.get(dst)
        pubnet = not any(dst.startswith(s + ".") for s in self.subnets)
        answered = False
        if target is not None and target.role != "gateway" and self.online(target, t):
            if dport == 445:
                answered = target.windows and target.smb_open
            elif dport == 53:
                answered = True
            else:
                answered = target.windows
        if pubnet:
            answered = dport in (80, 443, 53, 9001, 9030)
        self.pfw(h, t, "ALLOW", proto, src, dst, sp, dport, "SEND", pid)
        if target is not None and target.role == "gateway":
            self.gateway(t + 0.0005, src, dst, proto, sp, dport, False, ssub, None)
        elif pubnet:
            allow = dport != 445 or self.k["gateway_445_out"] == "accept"
            if dport in (9001, 9030) and self.tor_policy == "drop":
                allow = False
            self.gateway(t + 0.0005, src, dst, proto, sp, dport, allow, ssub, -1)
            if not allow:
                answered = False
        elif target is not None:
            dsub = target.subnets[target.ips.index(dst)]
            if dsub != ssub:
                self.gateway(t + 0.0005, src, dst, proto, sp, dport, True, ssub, dsub)
        else:
            dsub = [i for i, s in enumerate(self.subnets) if dst.startswith(s + ".")][0]
            if dsub != ssub:
                self.gateway(t + 0.0005, src, dst, proto, sp, dport, True, ssub, dsub)
        if target is not None and target.windows and self.online(target, t):
            self.pfw(target, t + 0.001, "ALLOW" if target.smb_open or dport != 445 else "DROP",
                     proto, src, dst, sp, dport, "RECEIVE", 4)
        if answered:
            self.sysmon_conn(h, t + 0.002, image, pid, user, src, sp, dst, dport, True,
                             proto.lower())
            if target is not None and inbound_sysmon and target.role != "server":
                key = (src, dst, int(t // 600))
                if key not in self.sysmon_in_seen:
                    self.sysmon_in_seen[key] = 1
                    self.sysmon_conn(target, t + 0.003, "System", 4, "NT AUTHORITY\\SYSTEM",
                                     src, sp, dst, dport, False, proto.lower())
        if self.zeek is not None:
            self.zeek_flow(t, src, ssub, sp, dst, dport, proto, target, pubnet, answered)
        return target if answered and target is not None else None

    # ------------------------------------------------------- internal sensor
    def zeek_sees(self, t, ssub, dst, target, pubnet):
        """Whether the SPAN sensor sees a packet from subnet ssub to dst."""
        mon = self.zeek["subnets"]
        if pubnet:
            return ssub in mon
        if target is not None:
            dsub = target.subnets[target.ips.index(dst)]
            live = target.role == "gateway" or self.online(target, t)
        else:
            dsub = [i for i, s in enumerate(self.subnets) if dst.startswith(s + ".")][0]
            live = False
        if dsub == ssub and not live:
            return False        # no ARP answer: no SYN on the wire
        return ssub in mon or (dsub in mon and live)

    def zeek_uid(self):
        n = self.crng.getrandbits(101)
        out = []
        for _ in range(17):
            n, d = divmod(n, 62)
            out.append(B62[d])
        return "C" + "".join(out)

    def bridge_flow(self, t, src, ssub, sp, dst, dport, proto, target, pubnet):
        """A new connection through the bridging core firewall."""
        if t > self.t_end or t < self.t_hist:
            return
        mon = self.zeek["subnets"]
        if pubnet:
            dsub, live = -1, False
        elif target is not None:
            dsub = target.subnets[target.ips.index(dst)]
            live = target.role == "gateway" or self.online(target, t)
        else:
            dsub = [i for i, s in enumerate(self.subnets) if dst.startswith(s + ".")][0]
            live = False
        if dsub == ssub or (target is not None and target.role == "gateway"):
            return              # stays on the access side
        if not (ssub in mon or (dsub in mon and live)):
            return
        phys_in = "eth%d" % (ssub + 1)
        phys_out = "eth0" if pubnet else "eth%d" % (dsub + 1)
        self.add("fw/corefw.log", t + 0.0002, ("nf", src, dst, proto.upper(), sp, dport, True,
                                               "br0", "br0", phys_in, phys_out))

    def zeek_flow(self, t, src, ssub, sp, dst, dport, proto, target, pubnet, answered):
        if self.zeek["kind"] == "bridge":
            self.bridge_flow(t, src, ssub, sp, dst, dport, proto, target, pubnet)
            return
        if t > self.t_end or t < self.t_hist:
            return
        if not self.zeek_sees(t, ssub, dst, target, pubnet):
            return
        c = self.crng
        proto = proto.lower()
        service = {445: "smb", 80: "http", 443: "ssl", 53: "dns"}.get(dport, "-")
        if answered:
            if dport == 445:
                dur = c.uniform(0.05, 3.0)
            elif dport in (9001, 9030):
                dur = c.uniform(30, 900)
            else:
                dur = c.uniform(0.02, 20)
            state, hist = ("SF", "ShADadFf") if proto == "tcp" else ("SF", "Dd")
            ob, rb = c.randint(100, 9000), c.randint(200, 60000)
            op, rp = c.randint(4, 40), c.randint(3, 60)
            end = t + dur + 0.5
        else:
            service = "-"
            dur, ob, rb, rp = None, 0, 0, 0
            if target is not None and not pubnet and not target.windows:
                state, hist, op, end = "REJ", "Sr", 1, t + 0.5
                dur = 0.0003
            else:
                state, hist, op, end = "S0", "S", c.choice([1, 2, 3]), t + c.uniform(5, 30)
        self.add("zeek/conn.log", end, ("zc", t, self.zeek_uid(), src, sp, dst, dport, proto,
                                        service, dur, ob, rb, state, hist, op, rp,
                                        not pubnet))

    def zeek_dns(self, t, src, ssub, sp, srv, srv_sub, name, rc, ans, rtt, xid, answered):
        """A DNS exchange seen by the SPAN sensor (conn.log, and dns.log if kept)."""
        if self.zeek is None or t > self.t_end or t < self.t_hist:
            return
        target = self.by_ip.get(srv)
        pubnet = srv_sub < 0
        if self.zeek["kind"] == "bridge":
            self.bridge_flow(t, src, ssub, sp, srv, 53, "UDP", target, pubnet)
            return
        if not self.zeek_sees(t, ssub, srv, target, pubnet):
            return
        c = self.crng
        self.add("zeek/conn.log", t + (rtt or 0) + c.uniform(1, 60),
                 ("zc", t, self.zeek_uid(), src, sp, srv, 53, "udp", "dns" if answered else "-",
                  rtt if answered else None, c.randint(30, 60) if answered else 0,
                  c.randint(60, 200) if answered else 0, "SF" if answered else "S0",
                  "Dd" if answered else "D", 1, 1 if answered else 0, not pubnet))
        if self.zeek["dns"]:
            self.add("zeek/dns.log", t + (rtt or 0) + 0.0001,
                     ("zd", t, self.zeek_uid(), src, sp, srv, int(xid, 16), rtt if answered else None,
                      name, rc if answered else None, ans if answered else None))

    # ------------------------------------------------------------------ DNS
    def resolve(self, server, name, t):
        """(rcode, answer_ip, forwarded) at the given resolver."""
        ks = name == self.k["killswitch"]
        if ks:
            up = ("NOERROR", self.sinkhole_ip) if t >= self.sinkhole else ("NXDOMAIN", None)
        elif name.endswith(self.dnsdomain):
            return ("NOERROR", self.internal_answer(name), False)
        elif name == "wpad" or name.startswith("wpad."):
            return ("NXDOMAIN", None, False)
        else:
            up = ("NOERROR", self.stable_ip(name))
        if server == "ext":
            return (up[0], up[1], False)
        key = (server, name)
        c = self.dns_cache.get(key)
        if c is not None and c[0] > t:
            return (c[1], c[2], False)
        ttl = 300 if up[0] == "NXDOMAIN" else (300 if ks else 3600)
        self.dns_cache[key] = (t + ttl, up[0], up[1])
        return (up[0], up[1], True)

    def stable_ip(self, name):
        rr = random.Random("%d/%s" % (self.seed, name))
        return "%d.%d.%d.%d" % (rr.choice([13, 23, 40, 52, 104, 151, 172, 185, 199]),
                                rr.randint(0, 255), rr.randint(0, 255), rr.randint(1, 254))

    def internal_answer(self, name):
        short = name.split(".")[0].upper()
        for h in self.hosts:
            if h.name == short:
                return h.ips[0]
        return self.dc.ips[0]

    def dns_query(self, h, t, name, image="C:\\Windows\\System32\\svchost.exe", pid=None,
                  sysmon22=True):
        """h resolves name at true time t. Returns (rcode, answer, response time)."""
        if not h.ext_extra:
            return self._dns_query(h, t, name, image, pid, sysmon22)
        # A host that asks an outside resolver (new collection modes): the
        # lookup it would have made internally is drawn (so the outbreak
        # stays the same) but not logged; the outside one is logged instead.
        self.mute += 1
        try:
            rc, ans, tr = self._dns_query(h, t, name, image, pid, sysmon22)
        finally:
            self.mute -= 1
        c = self.crng
        src, sp, pid = h.ips[0], c.randint(49152, 65000), pid or 1100
        self.pfw(h, t, "ALLOW", "UDP", src, "8.8.8.8", sp, 53, "SEND", pid)
        self.gateway(t + 0.0004, src, "8.8.8.8", "UDP", sp, 53, True, h.subnets[0], -1)
        noans = self.ks_noanswer and name == self.k["killswitch"] and rc == "NXDOMAIN"
        self.zeek_dns(t, src, h.subnets[0], sp, "8.8.8.8", -1, name, rc, ans, tr - t,
                      "%04x" % c.getrandbits(16), not noans)
        if sysmon22:
            self.sysmon22(h, tr + 0.001, name, rc, ans, image, pid, noans, c)
        return rc, ans, tr

    def sysmon22(self, h, t, name, rc, ans, image, pid, noans, rng):
        status = "1460" if noans else {"NOERROR": "0", "NXDOMAIN": "9003", "SERVFAIL": "9002"}[rc]
        res = "type:  5 %s;::ffff:%s;" % ("sinkhole.example.", ans) if \
            (ans and name == self.k["killswitch"]) else (("::ffff:%s;" % ans) if ans else "-")
        self.sysmon_ev(h, t, 22, [
            ("RuleName", "-"), ("UtcTime", None), ("ProcessGuid", self.guid(rng)),
            ("ProcessId", str(pid)), ("QueryName", name), ("QueryStatus", status),
            ("QueryResults", res), ("Image", image)])

    def _dns_query(self, h, t, name, image, pid, sysmon22):
        r, c = self.rng, self.crng
        pid = pid or 1100
        src = h.ips[0]
        sp = r.randint(49152, 65000)
        xid = "%04x" % r.getrandbits(16)
        ks = name == self.k["killswitch"]
        noans = False
        if h.resolver == "ext":
            rc, ans, _ = self.resolve("ext", name, t)
            noans = self.ks_noanswer and ks and rc == "NXDOMAIN"
            self.pfw(h, t, "ALLOW", "UDP", src, "8.8.8.8", sp, 53, "SEND", pid)
            self.gateway(t + 0.0004, src, "8.8.8.8", "UDP", sp, 53, True, h.subnets[0], -1)
            tr = t + r.uniform(0.01, 0.05)
            if self.zeek is not None:
                self.zeek_dns(t, src, h.subnets[0], sp, "8.8.8.8", -1, name, rc, ans, tr - t,
                              xid, not noans)
        elif h.resolver == "bind" and self.bind is not None:
            rc, ans, fwd = self.resolve("bind", name, t)
            noans = self.ks_noanswer and ks and rc == "NXDOMAIN"
            srv = self.bind
            self.pfw(h, t, "ALLOW", "UDP", src, srv.ips[0], sp, 53, "SEND", pid)
            if srv.subnets[0] != h.subnets[0]:
                self.gateway(t + 0.0004, src, srv.ips[0], "UDP", sp, 53, True, h.subnets[0],
                             srv.subnets[0])
            if t >= self.dns_start and t <= self.t_end:
                self.add("dns/named-queries.log", t + 0.001,
                         ("bindq", src, sp, name, srv.ips[0], "%012x" % r.getrandbits(44)))
                if rc != "NOERROR":
                    ptr = "%012x" % r.getrandbits(44)
                    if not noans:
                        self.add("dns/named-queries.log", t + 0.04,
                                 ("binderr", src, sp, name, rc, ptr))
            fp = None
            if fwd and not name.endswith(self.dnsdomain):
                fp = r.randint(1024, 65000)
            elif noans:
                fp = c.randint(1024, 65000)
            if fp is not None:
                self.gateway(t + 0.002, srv.ips[0], "8.8.8.8", "UDP", fp, 53, True,
                             srv.subnets[0], -1)
            tr = t + r.uniform(0.01, 0.08)
            if self.zeek is not None:
                self.zeek_dns(t, src, h.subnets[0], sp, srv.ips[0], srv.subnets[0], name, rc,
                              ans, tr - t, xid, not noans)
                if fp is not None:
                    self.zeek_dns(t + 0.002, srv.ips[0], srv.subnets[0], fp, "8.8.8.8", -1,
                                  name, rc, ans, tr - t - 0.004, "%04x" % c.getrandbits(16),
                                  not noans)
        else:
            rc, ans, fwd = self.resolve("win", name, t)
            noans = self.ks_noanswer and ks and rc == "NXDOMAIN"
            srv = self.dc
            self.pfw(h, t, "ALLOW", "UDP", src, srv.ips[0], sp, 53, "SEND", pid)
            if srv.subnets[0] != h.subnets[0]:
                self.gateway(t + 0.0004, src, srv.ips[0], "UDP", sp, 53, True, h.subnets[0],
                             srv.subnets[0])
            tr = t + r.uniform(0.002, 0.01)
            pkt = "%016X" % (0x000000D3D5000000 + r.getrandbits(24))
            thr = "%04X" % r.choice([0x0E3C, 0x0E40, 0x1A20, 0x0F14])
            if self.dns_start <= t <= self.t_end:
                self.add("dns/dns.log", t + 0.001, ("wdns", thr, pkt, "Rcv", src, xid, False,
                                                     "0001", "  D ", "NOERROR", "A", name))
                if fwd or noans:
                    rr = r if fwd else c
                    fx = "%04x" % rr.getrandbits(16)
                    pk2 = "%016X" % (0x000000D3D5000000 + rr.getrandbits(24))
                    self.add("dns/dns.log", t + 0.002, ("wdns", thr, pk2, "Snd", "8.8.8.8", fx,
                                                         False, "0001", "  D ", "NOERROR", "A",
                                                         name))
                    if not noans:
                        self.add("dns/dns.log", tr - 0.001, ("wdns", thr, pk2, "Rcv", "8.8.8.8",
                                                              fx, True, "8183" if rc == "NXDOMAIN"
                                                              else "8180", "  DR", rc, "A", name))
                if not noans:
                    self.add("dns/dns.log", tr, ("wdns", thr, pkt, "Snd", src, xid, True,
                                                 "8183" if rc == "NXDOMAIN" else "8180", "  DR",
                                                 rc, "A", name))
            fp = None
            if fwd and not name.endswith(self.dnsdomain) and name != "wpad":
                fp = r.randint(1024, 65000)
            elif noans:
                fp = c.randint(1024, 65000)
            if fp is not None:
                self.gateway(t + 0.002, srv.ips[0], "8.8.8.8", "UDP", fp, 53, True,
                             srv.subnets[0], -1)
            if self.zeek is not None:
                self.zeek_dns(t, src, h.subnets[0], sp, srv.ips[0], srv.subnets[0], name, rc,
                              ans, tr - t, xid, not noans)
                if fp is not None:
                    self.zeek_dns(t + 0.002, srv.ips[0], srv.subnets[0], fp, "8.8.8.8", -1,
                                  name, rc, ans, max(0.001, tr - t - 0.004),
                                  "%04x" % c.getrandbits(16), not noans)
        if sysmon22:
            self.sysmon22(h, tr + 0.001, name, rc, ans, image, pid, noans, r)
        return rc, ans, tr

    # ---------------------------------------------------------------- worm
    def worm_start(self, h, t, infector, contact):
        r = self.rng
        k = self.k
        h.start = t
        if h is self.pz:
            parent = "C:\\Users\\%s\\AppData\\Local\\Temp\\%s" % (
                h.user, r.choice(["invoice_0512.exe", "setup.exe", "7z_sfx.exe"]))
        else:
            parent = SYSTEM_DIR + "lsass.exe"
        pid = self.process(h, t, MSSEC, MSSEC, parent, user="NT AUTHORITY\\SYSTEM",
                           sha=SHA_MSSEC)
        self.file_created(h, t - 0.2, SYSTEM_DIR + "lsass.exe" if h is not self.pz else parent,
                          600, MSSEC)
        if h is self.pz:
            self.tag = ("pz-lookup", round(t + 0.25, 3))
        rc, ans, tr = self.dns_query(h, t + 0.25, k["killswitch"], MSSEC, pid)
        self.tag = None
        if rc == "NOERROR":
            h.state = "neutralized"
            h.delivered_by = infector.name if infector else None
            self.connect(h, tr + 0.05, ans, 80, MSSEC, pid, src_ip=h.ips[0])
            return False
        h.state = "infected"
        h.infected_by = infector.name if infector else None
        if r.random() < k["shutdown_fraction"]:
            h.offline_at = t + r.uniform(*k["shutdown_after_min"]) * 60
        if infector is not None:
            self.edges.append({"from": infector.name, "to": h.name,
                               "time": rfc3339(contact, 3), "started": rfc3339(t, 3)})
        self.service(h, t + 1.1, "mssecsvc2.0", "Microsoft Security Center (2.0) Service",
                     MSSEC + " -m security")
        spid = self.process(h, t + 1.4, MSSEC, MSSEC + " -m security",
                            SYSTEM_DIR + "services.exe", sha=SHA_MSSEC)
        if h is self.pz:
            self.tag = ("pz-lookup", round(t + 1.6, 3))
        self.dns_query(h, t + 1.6, k["killswitch"], MSSEC, spid)
        self.tag = None
        self.file_created(h, t + 2.0, MSSEC, pid, "C:\\WINDOWS\\tasksche.exe")
        tpid = self.process(h, t + 2.2, "C:\\WINDOWS\\tasksche.exe",
                            "C:\\WINDOWS\\tasksche.exe /i", MSSEC, ppid=pid, sha=SHA_TASKSCHE)
        rnd = "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(10, 14)))
        rnd += "%03d" % r.randint(0, 999)
        d = "C:\\ProgramData\\%s\\" % rnd
        self.file_created(h, t + 2.6, "C:\\WINDOWS\\tasksche.exe", tpid, d + "tasksche.exe")
        self.service(h, t + 3.0, rnd, rnd, 'cmd.exe /c "%stasksche.exe"' % d)
        cpid = self.process(h, t + 3.3, SYSTEM_DIR + "cmd.exe",
                            'cmd.exe /c "%stasksche.exe"' % d, SYSTEM_DIR + "services.exe")
        tpid = self.process(h, t + 3.5, d + "tasksche.exe", d + "tasksche.exe",
                            SYSTEM_DIR + "cmd.exe", ppid=cpid, sha=SHA_TASKSCHE)
        tt = t + 4.0
        for f in ("msg\\m_english.wnry", "b.wnry", "c.wnry", "r.wnry", "s.wnry", "t.wnry",
                  "taskdl.exe", "taskse.exe", "u.wnry"):
            tt += r.uniform(0.02, 0.2)
            self.file_created(h, tt, d + "tasksche.exe", tpid, d + f)
        ts_img = d + "tasksche.exe"
        self.process(h, tt + 0.3, SYSTEM_DIR + "attrib.exe", "attrib +h .", ts_img, tpid)
        self.process(h, tt + 0.5, SYSTEM_DIR + "icacls.exe",
                     "icacls . /grant Everyone:F /T /C /Q", ts_img, tpid)
        for f in ("00000000.res", "00000000.pky", "00000000.eky"):
            self.file_created(h, tt + r.uniform(0.6, 2.0), ts_img, tpid, d + f)
        tor_t = t + r.uniform(15, 45)
        torpid = self.process(h, tor_t, d + "TaskData\\Tor\\taskhsvc.exe",
                              d + "TaskData\\Tor\\taskhsvc.exe", ts_img, tpid)
        for _ in range(r.randint(2, 5)):
            tor_t += r.uniform(0.5, 8)
            self.connect(h, tor_t, self.public_ip(), r.choice([9001, 9001, 443, 9030]),
                         d + "TaskData\\Tor\\taskhsvc.exe", torpid)
        bat = "%d.bat" % r.randint(10 ** 14, 10 ** 15 - 1)
        et = t + r.uniform(20, 60)
        bpid = self.process(h, et, SYSTEM_DIR + "cmd.exe", "cmd /c %s" % bat, ts_img, tpid)
        self.process(h, et + 0.3, SYSTEM_DIR + "cscript.exe", "cscript.exe  //nologo m.vbs",
                     SYSTEM_DIR + "cmd.exe", bpid)
        self.process(h, et + 1.0, SYSTEM_DIR + "cmd.exe",
                     'cmd.exe /c reg add HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run '
                     '/v "%s" /t REG_SZ /d "\\"%stasksche.exe\\"" /f' % (rnd, d), ts_img, tpid)
        users = [h.user] + r.sample(USERS, 1)
        ft = et + 2
        for i in range(r.randint(6, 16)):
            ft += r.uniform(0.05, 1.5)
            u = r.choice(users)
            fn = r.choice(["report", "q3", "budget", "minutes", "photo", "contract", "notes",
                           "scan", "plan", "invoice"]) + "_%d" % r.randint(1, 99)
            ext = r.choice([".docx", ".xlsx", ".pdf", ".jpg", ".pptx", ".txt"])
            folder = r.choice(["Documents", "Desktop", "Pictures", "Downloads"])
            base = "C:\\Users\\%s\\%s\\" % (u, folder)
            self.file_created(h, ft, ts_img, tpid, base + fn + ext + ".WNCRYT")
            self.file_created(h, ft + 0.05, ts_img, tpid, base + fn + ext + ".WNCRY")
            if i % 4 == 0:
                self.file_created(h, ft + 0.1, ts_img, tpid, base + "@Please_Read_Me@.txt")
                self.file_created(h, ft + 0.12, ts_img, tpid, base + "@WanaDecryptor@.exe")
        for i in range(r.randint(2, 4)):
            self.process(h, et + 3 + 30 * i, d + "taskdl.exe", d + "taskdl.exe", ts_img, tpid)
        wt = ft + r.uniform(1, 10)
        self.process(h, wt, d + "taskse.exe", "%staskse.exe %s@WanaDecryptor@.exe" % (d, d),
                     ts_img, tpid)
        self.process(h, wt + 0.2, d + "@WanaDecryptor@.exe", "@WanaDecryptor@.exe",
                     d + "taskse.exe")
        vpid = self.process(h, wt + 1.5, SYSTEM_DIR + "cmd.exe",
                            "cmd.exe /c start /b @WanaDecryptor@.exe vs", ts_img, tpid)
        wd = self.process(h, wt + 1.7, d + "@WanaDecryptor@.exe", "@WanaDecryptor@.exe vs",
                          SYSTEM_DIR + "cmd.exe", vpid)
        cpid = self.process(h, wt + 2.0, SYSTEM_DIR + "cmd.exe",
                            "cmd.exe /c vssadmin delete shadows /all /quiet & wmic shadowcopy "
                            "delete & bcdedit /set {default} bootstatuspolicy "
                            "ignoreallfailures & bcdedit /set {default} recoveryenabled no & "
                            "wbadmin delete catalog -quiet", d + "@WanaDecryptor@.exe", wd)
        ct = wt + 2.2
        for img, cl in (("vssadmin.exe", "vssadmin  delete shadows /all /quiet"),
                        ("wbem\\WMIC.exe", "wmic  shadowcopy delete"),
                        ("bcdedit.exe", "bcdedit  /set {default} bootstatuspolicy ignoreallfailures"),
                        ("bcdedit.exe", "bcdedit /set {default} recoveryenabled no"),
                        ("wbadmin.exe", "wbadmin  delete catalog -quiet")):
            ct += r.uniform(0.3, 3)
            self.process(h, ct, SYSTEM_DIR + img, cl, SYSTEM_DIR + "cmd.exe", cpid)
        # Spreading, from the service process.
        self.spread(h, t + 1.4 + r.uniform(1.5, 5), spid)
        return True

    def spread(self, h, t, pid):
        r, k = self.rng, self.k
        passes = []
        pt = t
        npass = 0
        while pt < min(self.t_end, h.offline_at):
            passes.append(pt)
            npass += 1
            step_est = 254 * 0.3
            if npass < k["fast_passes"]:
                pt += step_est + r.uniform(5, 30)
            else:
                pt += k["rescan_interval_min"] * 60 * r.uniform(0.8, 1.2)
        for ip_if, sidx in zip(h.ips, h.subnets):
            prefix = self.subnets[sidx]
            for ps in passes:
                step = r.uniform(0.15, 0.45)
                ct = ps + r.uniform(0, 0.5)
                for o in range(1, 255):
                    dst = "%s.%d" % (prefix, o)
                    ct += step * r.uniform(0.7, 1.3)
                    if dst == ip_if or ct > self.t_end or ct >= h.offline_at:
                        continue
                    if h is self.pz:
                        self.tag = ("pz-445", dst)
                    reached = self.connect(h, ct, dst, 445, MSSEC, pid, src_ip=ip_if)
                    self.tag = None
                    if reached is not None:
                        if reached.collected and reached.role == "server" and \
                                reached in self.fileservers:
                            self.smb_line(reached, ct + 0.01, ip_if, None, "SMB1/tcp", "-",
                                          "Negotiate")
                        if reached.vulnerable and reached.state is None:
                            self.logon(reached, ct + 0.2, None, ip_if, "", anonymous=True)
                            heapq.heappush(self.heap, (ct, self.hseq(), "contact", reached.name,
                                                       h.name))
        # Random public addresses, in parallel.
        ptt = t + r.uniform(0.5, 3)
        burst = r.randint(20, 60)
        n = 0
        while ptt < min(self.t_end, h.offline_at):
            dst = self.public_ip()
            if h is self.pz:
                self.tag = ("pz-445", dst)
            self.connect(h, ptt, dst, 445, MSSEC, pid, src_ip=h.ips[0])
            self.tag = None
            n += 1
            ptt += r.uniform(0.5, 4) if n < burst else r.uniform(45, 120)

    def hseq(self):
        self.seq += 1
        return self.seq

    def simulate(self):
        r, k = self.rng, self.k
        self.sinkhole_ip = r.choice(SINKHOLE_IPS)
        self.tor_policy = r.choice(["drop", "accept"])
        self.heap = []
        heapq.heappush(self.heap, (self.t0, self.hseq(), "start", self.pz.name, None, None))
        names = {h.name: h for h in self.hosts}
        while self.heap:
            item = heapq.heappop(self.heap)
            t, kind = item[0], item[2]
            if t > self.t_end:
                break
            if kind == "contact":
                v, a = names[item[3]], names[item[4]]
                if v.state is None and v.vulnerable and self.online(v, t):
                    v.state = "pending"
                    d = r.uniform(*k["infect_delay_s"])
                    heapq.heappush(self.heap, (t + d, self.hseq(), "start", v.name, a.name, t))
            else:
                v = names[item[3]]
                a = names[item[4]] if item[4] else None
                self.worm_start(v, t, a, item[5])
        for h in self.hosts:
            if h.state == "pending":     # would start after the logs end
                h.state = None

    # ---------------------------------------------------------------- traps
    def traps(self):
        r, k = self.rng, self.k
        sc = self.sccm
        # Management server: hourly reach to every Windows client on 445.
        minute = r.uniform(0, 3000)
        clients = [h for h in self.hosts if h.windows and h is not sc]
        t = self.t_hist + minute
        installed = set(h.name for h in clients if h.online_from <= self.t_hist)
        while t < self.t_end:
            ct = t + r.uniform(0, 20)
            for h in clients:
                ct += r.uniform(0.2, 1.0)
                got = self.connect(sc, ct, h.ips[0], 445, inbound_sysmon=False)
                if got is not None:
                    if r.random() < 0.5:
                        self.logon(h, ct + 0.1, sc, sc.ips[0], "svc-sccm")
                    if h in self.fileservers:
                        self.smb_line(h, ct + 0.05, sc.ips[0], sc, "SMB2/tcp", "svc-sccm",
                                      "Tree Connect")
                    if h.name not in installed:
                        installed.add(h.name)
                        self.service(h, ct + 25, "CcmExec", "SMS Agent Host",
                                     "C:\\Windows\\CCM\\CcmExec.exe")
                        self.process(h, ct + 20, "C:\\Windows\\ccmsetup\\ccmsetup.exe",
                                     "ccmsetup.exe /source:\\\\SCCM01\\SMS_P01\\Client "
                                     "SMSSITECODE=P01", SYSTEM_DIR + "services.exe")
            t += 3600 + r.uniform(-30, 30)
        k["sccm_push_minute"] = round(minute / 60, 2)
        # Vulnerability scanner: one sweep over every subnet.
        st = self.t0 + r.uniform(-6, 1) * 3600
        k["scanner_time"] = rfc3339(st)
        ct = st
        for sidx, prefix in enumerate(self.subnets):
            for o in range(1, 255):
                ct += r.uniform(0.02, 0.08)
                dst = "%s.%d" % (prefix, o)
                if dst == self.scanner.ips[0]:
                    continue
                got = self.connect(self.scanner, ct, dst, 445)
                self.scan_probes.append((ct, dst))
                if got is not None and got in self.fileservers:
                    self.smb_line(got, ct + 0.01, self.scanner.ips[0], None, "SMB1/tcp", "-",
                                  "Negotiate")
                    self.smb_line(got, ct + 0.02, self.scanner.ips[0], None, "SMB1/tcp", "-",
                                  "Trans2 Request")
        # The analyst checks the kill-switch name, after the outbreak began.
        an = self.analyst
        at = self.t0 + r.uniform(20, 100) * 60
        if k["sinkhole_mode"] == "mid" and r.random() < 0.5:
            at = self.sinkhole + r.uniform(5, 60) * 60
        at = min(at, self.t_end - 120)
        k["analyst_lookup_time"] = rfc3339(at)
        for i in range(r.randint(1, 3)):
            tt = at + i * r.uniform(20, 300)
            ppid = self.process(an, tt - 0.3, SYSTEM_DIR + "nslookup.exe",
                                "nslookup %s" % k["killswitch"], SYSTEM_DIR + "cmd.exe",
                                user="%s\\%s" % (self.netbios, an.user))
            rc, ans, tr = self.dns_query(an, tt, k["killswitch"], SYSTEM_DIR + "nslookup.exe",
                                         ppid, sysmon22=False)
            self.analyst_lookups.append((tt, rc, ans, tr))

    # ---------------------------------------------------------------- noise
    def extras(self):
        """What the new collection modes add after the outbreak and the noise
        are drawn (so they change neither): the analyst also fetches the
        kill-switch URL, as the worm would, from a browser or curl."""
        if not self.new:
            return
        r, k = self.rng, self.k
        # The vulnerability scanner probes many ports, not 445 alone
        # (DESIGN.md section 1); per-host keeps its 445-only sweep.
        ports = [21, 22, 23, 80, 135, 139, 443, 3389, 5985, 8080]
        for ct, dst in self.scan_probes:
            for p in r.sample(ports, r.randint(5, len(ports))):
                self.connect(self.scanner, ct + r.uniform(-0.01, 0.01), dst, p)
        an = self.analyst
        url = "http://%s/" % k["killswitch"]
        for tt, rc, ans, tr in self.analyst_lookups:
            ft = tr + r.uniform(5, 90)
            if ft > self.t_end - 5:
                continue
            img, cl = r.choice([
                (SYSTEM_DIR + "curl.exe", "curl.exe -v %s" % url),
                (SYSTEM_DIR + "WindowsPowerShell\\v1.0\\powershell.exe",
                 'powershell.exe -c "Invoke-WebRequest -UseBasicParsing %s"' % url),
                ("C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe",
                 '"C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe" %s' % url)])
            pid = self.process(an, ft - 0.2, img, cl, SYSTEM_DIR + "cmd.exe",
                               user="%s\\%s" % (self.netbios, an.user))
            rc2, ans2, tr2 = self.dns_query(an, ft, k["killswitch"], img, pid)
            if rc2 == "NOERROR" and ans2:
                self.connect(an, tr2 + 0.05, ans2, 80, img, pid,
                             user="%s\\%s" % (self.netbios, an.user))

    def smb_line(self, fs, t, ip, client, proto, user, op):
        if t < self.smb_start or t > self.t_end:
            return
        self.add("smb/%s-smb.log" % fs.name.lower(), t,
                 ("smb", ip, self.rng.randint(49152, 65000), fs.ips[0], proto,
                  client.name if client is not None else "-", user, op))

    def noise(self):
        r, k = self.rng, self.k
        sc = self.scale
        t_lo = self.t_hist

        def times(start, end, per_hour):
            out = []
            if per_hour <= 0 or end <= start:
                return out
            t = start + r.expovariate(per_hour / 3600.0)
            while t < end:
                out.append(t)
                t += r.expovariate(per_hour / 3600.0)
            return out

        benign_procs = [
            ("C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe",
             '"C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe" --type=renderer',
             "C:\\Windows\\explorer.exe"),
            ("C:\\Program Files\\Microsoft Office\\Office16\\OUTLOOK.EXE",
             '"C:\\Program Files\\Microsoft Office\\Office16\\OUTLOOK.EXE"', "C:\\Windows\\explorer.exe"),
            (SYSTEM_DIR + "svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs",
             SYSTEM_DIR + "services.exe"),
            (SYSTEM_DIR + "schtasks.exe",
             'schtasks.exe /Query /TN "\\Microsoft\\Windows\\TaskScheduler\\Regular Maintenance"',
             SYSTEM_DIR + "cmd.exe"),
            (SYSTEM_DIR + "taskhost.exe", "taskhost.exe $(Arg0)", SYSTEM_DIR + "svchost.exe"),
            (SYSTEM_DIR + "gpupdate.exe", "gpupdate.exe /target:computer", SYSTEM_DIR + "svchost.exe"),
            (SYSTEM_DIR + "WindowsPowerShell\\v1.0\\powershell.exe",
             "powershell.exe -NoProfile -EncodedCommand "
             "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAwcryAE4AZQB0AC4AVwBlAGIAQwBsAGkAZQBuAHQAKQA=",
             SYSTEM_DIR + "cmd.exe"),
            (SYSTEM_DIR + "conhost.exe", "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff",
             SYSTEM_DIR + "csrss.exe"),
            ("C:\\Program Files\\7-Zip\\7zFM.exe", '"C:\\Program Files\\7-Zip\\7zFM.exe"',
             "C:\\Windows\\explorer.exe"),
        ]
        svc_names = [("Windows Update", "wuauserv"), ("Background Intelligent Transfer Service", "BITS"),
                     ("Windows Modules Installer", "TrustedInstaller"), ("Print Spooler", "Spooler"),
                     ("Software Protection", "sppsvc"), ("WinHTTP Web Proxy Auto-Discovery Service", "WinHttpAutoProxySvc")]
        servers = [self.dc] + self.fileservers
        for h in self.hosts:
            if not h.windows:
                continue
            lo = max(t_lo, h.online_from)
            hi = self.t_end
            hi_noise = min(hi, h.offline_at)
            if h.collected:
                for t in times(max(lo, h.win_start["sysmon"] if h.sysmon else hi), hi_noise,
                               2.0 * sc):
                    img, cl, par = r.choice(benign_procs)
                    self.process(h, t, img, cl, par, user="%s\\%s" % (self.netbios, h.user))
                for t in times(max(lo, min(h.win_start["system"], h.win_start["security"])),
                               hi_noise, 1.0 * sc):
                    disp, _ = r.choice(svc_names)
                    if self.logs(h, "system", t):
                        self.add(self.rel(h, "system"), t, ("sys", 7036, [
                            ("param1", disp), ("param2", r.choice(["running", "stopped"])),
                            ("Binary", "7700750061007500730065007200760000000000")]))
                    if self.logs(h, "security", t + 1) and r.random() < 0.5:
                        self.add(self.rel(h, "security"), t + 1, ("sec", 4672, 0, [
                            ("SubjectUserSid", "S-1-5-18"), ("SubjectUserName", "SYSTEM"),
                            ("SubjectDomainName", "NT AUTHORITY"),
                            ("SubjectLogonId", "0x3e7"),
                            ("PrivilegeList", "SeAssignPrimaryTokenPrivilege\n\t\t\tSeTcbPrivilege")]))
                if self.logs(h, "system", h.win_start["system"] + 5):
                    t = h.win_start["system"] + r.uniform(5, 600)
                    self.add(self.rel(h, "system"), t, ("kgen", 1, [
                        ("NewTime", rfc3339(t + h.skew, 7)), ("OldTime", rfc3339(t + h.skew - 0.5, 7))]))
                for t in times(max(lo, h.win_start["sysmon"] if h.sysmon else hi), hi_noise,
                               1.0 * sc):
                    self.file_created(h, t, "C:\\Program Files\\Microsoft Office\\Office16\\WINWORD.EXE",
                                      self.pid(h), "C:\\Users\\%s\\AppData\\Local\\Temp\\~WRL%04d.tmp"
                                      % (h.user, r.randint(0, 9999)))
            # DNS and web.
            dstart = max(lo, min(self.dns_start, h.win_start["sysmon"]))
            for t in times(dstart, hi_noise, (4.0 if h.role == "workstation" else 1.5) * sc):
                name = r.choice(BENIGN_NAMES + [self.fqdn(self.dc), self.fqdn(r.choice(servers)),
                                                "wpad." + self.dnsdomain, "_ldap._tcp.dc._msdcs." + self.dnsdomain])
                img = "C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe" \
                    if not name.endswith(self.dnsdomain) else SYSTEM_DIR + "svchost.exe"
                rc, ans, tr = self.dns_query(h, t, name, img, 3000 + r.randrange(400) * 4)
                if ans and not name.endswith(self.dnsdomain) and r.random() < 0.5:
                    self.connect(h, tr + 0.05, ans, 443, img, 3100, user="%s\\%s" % (self.netbios, h.user))
            # SMB to file servers and logons.
            if h.role in ("workstation", "analyst", "management", "server") and h not in servers:
                for t in times(max(lo, self.smb_start - 1800), hi_noise, 0.8 * sc):
                    fs = r.choice(self.fileservers)
                    got = self.connect(h, t, fs.ips[0], 445, inbound_sysmon=False)
                    if got is None:
                        continue
                    ip = h.ip_in(fs.subnets[0]) if len(h.ips) > 1 else h.ips[0]
                    proto = "SMB1/tcp" if h.smb1 else r.choice(["SMB2/tcp", "SMB3/tcp"])
                    user = "%s\\%s" % (self.netbios, h.user)
                    self.smb_line(fs, t + 0.02, ip, h, proto, user, "Session Setup")
                    self.smb_line(fs, t + 0.05, ip, h, proto, user,
                                  "Tree Connect \\\\%s\\%s" % (fs.name, r.choice(FS_SHARES)))
                    for _ in range(r.randint(0, 3)):
                        self.smb_line(fs, t + r.uniform(0.1, 30), ip, h, proto, user,
                                      r.choice(["Create File", "Read", "Write", "Close"]))
                    self.logon(fs, t + 0.03, h, ip, h.user, ntlm=r.random() < 0.6)
                for t in times(max(lo, self.dc.win_start["security"]), hi_noise, 0.7 * sc):
                    got = self.connect(h, t, self.dc.ips[0], 445, inbound_sysmon=False)
                    if got is not None:
                        self.logon(self.dc, t + 0.03, h, h.ips[0], h.name + "$",
                                   ntlm=r.random() < 0.5)

    # --------------------------------------------------------------- render
    def esc(self, s):
        if "&" not in s and "<" not in s and ">" not in s and '"' not in s:
            return s
        return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace('"', "&quot;"))

    def render_event(self, h, t, payload, rec_id, f):
        """One event as XML (a list of lines for the indented shape)."""
        ev = self.event_fields(h, t, payload)
        f.setdefault("events", []).append((t, rec_id, ev))
        shape = f["opts"]["shape"]
        return self.format_event(ev, rec_id, shape, "'" if f["opts"].get("squote") else '"',
                                 shape == "events")

    def event_fields(self, h, t, payload):
        """What one event record says, whichever file it is written to."""
        kind = payload[0]
        ht = t + h.skew
        if kind == "sysmon":
            _, eid, data = payload
            provider, guid, channel = "Microsoft-Windows-Sysmon", SYSMON_GUID, \
                "Microsoft-Windows-Sysmon/Operational"
            utc = civil(ht)
            utcs = "%04d-%02d-%02d %02d:%02d:%02d.%03d" % (utc[:6] + (utc[6] // 1000,))
            data = [(n, utcs if v is None else v) for n, v in data]
            created = ht + 0.0004 + (self.rng.random() * 0.01)
            eid_q, pid, tid, ver = None, 2012, 3412, {1: 5, 3: 5, 11: 2, 22: 5}.get(eid, 2)
        elif kind == "sec":
            _, eid, ver, data = payload
            provider, guid, channel = "Microsoft-Windows-Security-Auditing", SEC_GUID, "Security"
            created, eid_q, pid, tid = ht, None, 640, 700
        elif kind == "kgen":
            _, eid, data = payload
            provider, guid, channel = "Microsoft-Windows-Kernel-General", \
                "{A68CA8B7-004F-D7B6-A698-07E2DE0F1F5D}", "System"
            created, eid_q, pid, tid, ver = ht, None, 4, 88, 0
        else:
            eid = 7045 if kind == "sys7045" else payload[1]
            data = payload[1] if kind == "sys7045" else payload[2]
            provider, guid, channel = "Service Control Manager", SCM_GUID, "System"
            created, eid_q, pid, tid = ht, ("16384" if eid == 7045 else "16384"), 620, 1234
            ver = 0
        return {"kind": kind, "eid": eid, "ver": ver, "data": data, "provider": provider,
                "guid": guid, "channel": channel, "created": created, "eid_q": eid_q,
                "pid": pid, "tid": tid, "computer": self.fqdn(h), "host": h.name}

    def format_event(self, ev, rec_id, shape, q, rendering):
        kind, eid, ver, data = ev["kind"], ev["eid"], ev["ver"], ev["data"]
        provider, guid, channel = ev["provider"], ev["guid"], ev["channel"]
        created, eid_q, pid, tid = ev["created"], ev["eid_q"], ev["pid"], ev["tid"]
        fr = 9 if shape == "indented" else 7
        tcs = rfc3339(created, 6)[:-1] + ("0" if fr == 7 else "000") + "Z"
        sysparts = [
            "<Provider Name=%s%s%s Guid=%s%s%s/>" % (q, provider, q, q, guid, q),
            ("<EventID Qualifiers=%s%s%s>%d</EventID>" % (q, eid_q, q, eid)) if eid_q
            else "<EventID>%d</EventID>" % eid,
            "<Version>%d</Version>" % ver, "<Level>4</Level>" if kind != "sec" else "<Level>0</Level>",
            "<Task>%d</Task>" % (13312 if kind == "sec" else 0),
            "<Keywords>%s</Keywords>" % ("0x8020000000000000" if kind == "sec" else "0x8000000000000000"),
            "<TimeCreated SystemTime=%s%s%s/>" % (q, tcs, q),
            "<EventRecordID>%d</EventRecordID>" % rec_id, "<Correlation/>",
            "<Execution ProcessID=%s%d%s ThreadID=%s%d%s/>" % (q, pid, q, q, tid, q),
            "<Channel>%s</Channel>" % channel,
            "<Computer>%s</Computer>" % ev["computer"],
            ("<Security UserID=%sS-1-5-18%s/>" % (q, q)) if kind in ("sysmon",) else "<Security/>"]
        dparts = ["<Data Name=%s%s%s>%s</Data>" % (q, n, q, self.esc(v)) for n, v in data]
        render = ""
        if rendering:
            render = ("<RenderingInfo Culture=%sen-US%s><Message>%s</Message><Level>Information</Level>"
                      "<Task>%s</Task><Keywords><Keyword>%s</Keyword></Keywords><Channel>%s</Channel>"
                      "<Provider>%s</Provider></RenderingInfo>") % (
                q, q, self.esc(self.message(eid, kind, data)), "None",
                "Audit Success" if kind == "sec" else "Classic", channel, provider)
        head = "<Event xmlns=%s%s%s>" % (q, EVENT_NS, q)
        if shape == "indented":
            lines = [head, "  <System>"] + ["    " + p for p in sysparts] + ["  </System>",
                                                                              "  <EventData>"]
            lines += ["    " + p for p in dparts] + ["  </EventData>", "</Event>", ""]
            return lines
        return [head + "<System>" + "".join(sysparts) + "</System><EventData>" +
                "".join(dparts) + "</EventData>" + render + "</Event>"]

    def message(self, eid, kind, data):
        if kind == "sysmon":
            return {1: "Process Create:", 3: "Network connection detected:",
                    11: "File created:", 22: "Dns query:"}.get(eid, "Sysmon event")
        if eid == 7045:
            return "A service was installed in the system.\r\n\r\nService Name:  %s" % data[0][1]
        return {4688: "A new process has been created.", 4624: "An account was successfully logged on.",
                4697: "A service was installed in the system.", 4672: "Special privileges assigned to new logon.",
                7036: "The %s service entered the %s state." % (data[0][1], data[1][1]) if len(data) > 1 else "",
                1: "The system time has changed."}.get(eid, "")

    def local(self, h, t):
        """Local wall time of host h's clock (skew and site zone)."""
        return t + (h.skew if h is not None else 0) + tz_offset_s(self.k["local_tz"])

    def render_file(self, rel, f):
        r = self.rng
        recs = sorted(f["recs"], key=lambda x: (x[0], x[1]))
        kind, h = f["kind"], f["host"]
        lines = []
        if kind == "xml":
            shape = f["opts"]["shape"]
            if shape == "events":
                # Event Viewer's "Save as XML" writes a declaration; other
                # exporters start with the root.
                if f["opts"].get("decl", True):
                    lines.append('<?xml version="1.0" encoding="%s"?>' %
                                 ("UTF-16" if f["opts"]["utf16"] else "UTF-8"))
                lines.append("<Events>")
            rid = r.randint(1000, 900000)
            for t, _, p in recs:
                rid += 1
                lines.extend(self.render_event(h, t, p, rid, f))
            if shape == "events":
                lines.append("</Events>")
        elif kind == "pfw":
            cols = "date time action protocol src-ip dst-ip src-port dst-port size tcpflags " \
                   "tcpsyn tcpack tcpwin icmptype icmpcode info path"
            if f["opts"]["pid"]:
                cols += " pid"
            lines += ["#Version: 1.5", "#Software: Microsoft Windows Firewall",
                      "#Time Format: Local", "#Fields: " + cols, ""]
            for t, _, p in recs:
                _, act, proto, src, dst, sp, dp, path, pid = p
                y, mo, d, hh, mi, s, _us = civil(self.local(h, t))
                if path == "RECEIVE" and proto == "TCP":
                    mid = "52 S %d 0 8192 - - -" % r.getrandbits(31)
                else:
                    mid = "0 - - - - - - -"
                line = "%04d-%02d-%02d %02d:%02d:%02d %s %s %s %s %d %d %s %s" % (
                    y, mo, d, hh, mi, s, act, proto, src, dst, sp, dp, mid, path)
                if f["opts"]["pid"]:
                    line += " %d" % pid
                lines.append(line)
        elif kind == "netfilter":
            o = f["opts"]
            gwskew = o.get("skew", self.gw_skew)
            boot = o.get("boot", self.gw_boot)
            gwprefix = o.get("prefix", self.gw_prefix)
            macs = o.get("macs", self.gw_macs)
            for t, _, p in recs:
                _, src, dst, proto, sp, dp, allow, iin, iout = p[:9]
                phys = (" PHYSIN=%s PHYSOUT=%s" % p[9:11]) if len(p) > 9 else ""
                lt = t + gwskew + tz_offset_s(self.k["local_tz"])
                y, mo, d, hh, mi, s, us = civil(lt)
                if f["opts"]["style"] == "rfc3339":
                    tz = self.k["local_tz"] or "+00:00"
                    stamp = "%04d-%02d-%02dT%02d:%02d:%02d.%06d%s" % (y, mo, d, hh, mi, s, us, tz)
                else:
                    stamp = "%s %2d %02d:%02d:%02d" % (MONTHS[mo - 1], d, hh, mi, s)
                up = t - boot
                prefix = gwprefix[1] if allow else gwprefix[0]
                mac = "%s:%s:08:00" % (macs[0], macs[1 + (sum(map(ord, src)) & 3)])
                if proto == "TCP":
                    body = ("LEN=52 TOS=0x00 PREC=0x00 TTL=127 ID=%d DF PROTO=TCP SPT=%d DPT=%d "
                            "WINDOW=8192 RES=0x00 SYN URGP=0") % (r.randint(1, 65535), sp, dp)
                else:
                    body = "LEN=%d TOS=0x00 PREC=0x00 TTL=127 ID=%d PROTO=UDP SPT=%d DPT=%d LEN=%d" % (
                        r.randint(60, 110), r.randint(1, 65535), sp, dp, r.randint(40, 90))
                lines.append("%s %s kernel: [%12.6f] %sIN=%s OUT=%s%s MAC=%s SRC=%s DST=%s %s" % (
                    stamp, f["opts"]["name"], up, prefix, iin, iout, phys, mac, src, dst, body))
                if r.random() < 0.002:
                    lines.append("%s %s CRON[%d]: (root) CMD (run-parts /etc/cron.hourly)" % (
                        stamp, f["opts"]["name"], r.randint(1000, 30000)))
        elif kind == "windns":
            loc = f["opts"]["locale"]
            first = self.local(h, self.dns_start)
            lines.append("DNS Server log file creation at %s" % self.dns_date(first, loc))
            lines.append("Log file wrap at %s" % self.dns_date(first, loc))
            lines.append("")
            lines.extend(WINDNS_KEY)
            lines.append("")
            for t, _, p in recs:
                _, thr, pkt, dirn, remote, xid, resp, fl, fc, rc, qt, name = p
                lines.append("%s %s PACKET  %s UDP %s %-15s %s %s Q [%s %s %8s] %-6s %s" % (
                    self.dns_date(self.local(h, t), loc), thr, pkt, dirn, remote, xid,
                    "R" if resp else " ", fl, fc, rc, qt, wire(name)))
        elif kind == "bind":
            for t, _, p in recs:
                y, mo, d, hh, mi, s, us = civil(self.local(h, t))
                stamp = "%02d-%s-%04d %02d:%02d:%02d.%03d" % (d, MONTHS[mo - 1], y, hh, mi, s, us // 1000)
                if p[0] == "bindq":
                    _, src, sp, name, srv, ptr = p
                    lines.append("%s queries: info: client @0x%s %s#%d (%s): query: %s IN A +E(0)K (%s)" % (
                        stamp, ptr, src, sp, name, name, srv))
                else:
                    _, src, sp, name, rc, ptr = p
                    lines.append("%s query-errors: info: client @0x%s %s#%d (%s): query failed (%s) "
                                 "for %s/IN/A at query.c:7104" % (stamp, ptr, src, sp, name, rc, name))
        elif kind in ("zeek-conn", "zeek-dns"):
            lines = self.render_zeek(kind, f, recs)
        elif kind == "smb":
            lines.append("DateTime\tClient\tServer\tProtocol\tComputerName\tUser Account\tOperation")
            zone = self.k["local_tz"] or "+00:00"
            for t, _, p in recs:
                _, ip, sp, sip, proto, comp, user, op = p
                y, mo, d, hh, mi, s, _us = civil(self.local(h, t))
                stamp = "%02d/%s/%04d:%02d:%02d:%02d" % (d, MONTHS[mo - 1], y, hh, mi, s)
                if f["opts"]["zone"]:
                    stamp += " " + zone
                lines.append("\t".join([stamp, "%s:%d" % (ip, sp), "%s:445" % sip, proto, comp,
                                        user or "-", op]))
        return lines

    def render_zeek(self, kind, f, recs):
        c = self.crng
        zs = self.zeek["skew"]
        js = f["opts"]["fmt"] == "json"
        if kind == "zeek-conn":
            names = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto",
                     "service", "duration", "orig_bytes", "resp_bytes", "conn_state",
                     "local_orig", "local_resp", "missed_bytes", "history", "orig_pkts",
                     "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "tunnel_parents"]
            types = ["time", "string", "addr", "port", "addr", "port", "enum", "string",
                     "interval", "count", "count", "string", "bool", "bool", "count", "string",
                     "count", "count", "count", "count", "set[string]"]
        else:
            names = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto",
                     "trans_id", "rtt", "query", "qclass", "qclass_name", "qtype", "qtype_name",
                     "rcode", "rcode_name", "AA", "TC", "RD", "RA", "Z", "answers", "TTLs",
                     "rejected"]
            types = ["time", "string", "addr", "port", "addr", "port", "enum", "count",
                     "interval", "string", "count", "string", "count", "string", "count",
                     "string", "bool", "bool", "bool", "bool", "count", "vector[string]",
                     "vector[interval]", "bool"]
        lines = []
        first = civil(recs[0][2][1] + zs) if recs else civil(self.t_hist)
        if not js:
            lines += ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)",
                      "#unset_field\t-", "#path\t%s" % ("conn" if kind == "zeek-conn" else "dns"),
                      "#open\t%04d-%02d-%02d-%02d-%02d-%02d" % first[:6],
                      "#fields\t" + "\t".join(names), "#types\t" + "\t".join(types)]
        rcodes = {"NOERROR": 0, "SERVFAIL": 2, "NXDOMAIN": 3}
        for _, _, p in recs:
            if p[0] == "zc":
                (_, t, uid, src, sp, dst, dp, proto, svc, dur, ob, rb, state, hist, op, rp,
                 local_resp) = p
                vals = [t + zs, uid, src, sp, dst, dp, proto, None if svc == "-" else svc,
                        None if dur is None else round(dur, 6), ob, rb, state, True, local_resp,
                        0, hist, op, op * (52 if proto == "tcp" else 60) + ob, rp,
                        rp * 52 + rb, []]
            else:
                _, t, uid, src, sp, dst, xid, rtt, name, rc, ans = p
                vals = [t + zs, uid, src, sp, dst, 53, "udp", xid,
                        None if rtt is None else round(rtt, 6), name, 1, "C_INTERNET", 1, "A",
                        None if rc is None else rcodes.get(rc, 2), rc, False, False, True,
                        rc is not None, 0, [ans] if ans else None,
                        [300.0] if ans else None, False]
            if js:
                o = {}
                for n, v in zip(names, vals):
                    if v is None or (v == [] and n == "tunnel_parents"):
                        continue
                    o[n] = round(v, 6) if n == "ts" else v
                lines.append(json.dumps(o, separators=(",", ":")))
            else:
                out = []
                for n, v in zip(names, vals):
                    if v is None:
                        out.append("-")
                    elif n == "ts":
                        out.append("%.6f" % v)
                    elif isinstance(v, bool):
                        out.append("T" if v else "F")
                    elif isinstance(v, float):
                        out.append("%.6f" % v)
                    elif isinstance(v, list):
                        out.append(",".join("%.6f" % x if isinstance(x, float) else str(x)
                                            for x in v) if v else "(empty)")
                    else:
                        out.append(str(v))
                lines.append("\t".join(out))
        if not js:
            last = civil((recs[-1][0] if recs else self.t_end) + zs + c.uniform(1, 300))
            lines.append("#close\t%04d-%02d-%02d-%02d-%02d-%02d" % last[:6])
        return lines

    def dns_date(self, t, loc):
        y, mo, d, hh, mi, s, _ = civil(t)
        if loc == "en-US":
            h12 = hh % 12 or 12
            return "%d/%d/%d %d:%02d:%02d %s" % (mo, d, y, h12, mi, s, "PM" if hh >= 12 else "AM")
        if loc == "iso":
            return "%04d-%02d-%02d %02d:%02d:%02d" % (y, mo, d, hh, mi, s)
        if loc == "de":
            return "%02d.%02d.%04d %02d:%02d:%02d" % (d, mo, y, hh, mi, s)
        return "%02d/%02d/%04d %02d:%02d:%02d" % (d, mo, y, hh, mi, s)

    def write(self):
        os.makedirs(self.out, exist_ok=True)
        self.gw_skew = round(self.rng.uniform(-self.k["clock_skew_max_s"],
                                              self.k["clock_skew_max_s"]), 3) \
            if self.k["clock_skew_max_s"] else 0.0
        if self.new:
            self.gw_skew = self.gw_skew_new
        # What reaches the responder depends on the collection mode.
        c, mode = self.crng, self.mode
        self.where = {}        # internal file -> output paths holding its records
        self.written = []
        self.host_logs = {}    # host name -> per-host, central, both
        with_logs = sorted(set(f["host"].name for f in self.files.values()
                               if f["kind"] == "xml" and f["recs"]))
        per_host, central = set(with_logs), set()
        if mode == "central":
            per_host, central = set(), set(with_logs)
        elif mode == "mixed":
            pool = list(with_logs)
            c.shuffle(pool)
            n_p = max(1, int(round(len(pool) * c.uniform(0.3, 0.7))))
            per_host = set(pool[:n_p])
            central = set(pool[n_p:])
            both = [n for n in pool[:n_p] if c.random() < 0.5] or pool[:1]
            central.update(both)
        elif mode == "network-only":
            per_host = set()
        for n in with_logs:
            self.host_logs[n] = ("both" if n in per_host and n in central else
                                 "per-host" if n in per_host else
                                 "central" if n in central else None)
        level = 1 if self.new else 6
        copies = []
        for rel in sorted(self.files):
            f = self.files[rel]
            kind = f["kind"]
            if not f["recs"] and kind != "netfilter":
                continue
            if kind in ("xml", "pfw"):
                keep = f["host"].name in per_host
            elif kind == "smb":
                keep = mode != "network-only"
            else:
                keep = True
            if not keep:
                if kind == "xml" and f["host"].name in central:
                    self.collect_events(f)
                continue
            lines = self.render_file(rel, f)
            if kind == "xml" and f["opts"]["utf16"]:
                data = ("\r\n".join(lines) + "\r\n").encode("utf-16-le")
                data = b"\xff\xfe" + data
            else:
                data = ("\n".join(lines) + "\n").encode("utf-8")
            path = rel
            # The collector zipped what was big, and some of the rest.
            if f["opts"].get("gzip") or len(data) > 200000:
                data = gzip.compress(data, level, mtime=0)
                if self.rng.random() < 0.6:
                    path = rel + ".gz"
            self.emit(path, data, rel)
            f["path"] = path
            if kind == "xml":
                copies.append((path, data))
        if central:
            copies += self.write_central(central)
        if mode == "mixed" and copies:
            # One file handed over twice: a backup copy beside the original.
            ck = self.k["collection"]
            orig, data = copies[c.randrange(len(copies))]
            base = os.path.basename(orig)
            host = os.path.basename(os.path.dirname(orig))
            if data[:2] == b"\x1f\x8b" and c.random() < 0.5:
                data = gzip.decompress(data)
                base = base[:-3] if base.endswith(".gz") else base
            cp = "backup/%s-%s" % (host, base) if host != "central" else "backup/" + base
            self.emit(cp, data, None)
            for rel, paths in self.where.items():
                if orig in paths:
                    paths.append(cp)
            ck["duplicate_file"] = [orig, cp]

    def collect_events(self, f):
        """An event file's records (as render_file numbers them), not written."""
        recs = sorted(f["recs"], key=lambda x: (x[0], x[1]))
        rid = self.rng.randint(1000, 900000)
        evs = f.setdefault("events", [])
        for t, _, p in recs:
            rid += 1
            evs.append((t, rid, self.event_fields(f["host"], t, p)))

    def emit(self, path, data, rel):
        full = os.path.join(self.out, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as fp:
            fp.write(data)
        self.written.append(path)
        if rel is not None:
            self.where.setdefault(rel, []).append(path)

    def write_central(self, members):
        """Windows logs as a collector holds them: Windows Event Forwarding's
        ForwardedEvents (every computer and channel in one log, in the order
        the events arrived, some subscriptions with RenderingInfo), or one
        export per channel holding every computer.  Each record keeps its
        Computer, Channel and EventRecordID, and its computer's clock."""
        c, ck = self.crng, self.k["collection"]
        batch = 30.0 if ck["wef_delivery"] == "minimize-latency" else 900.0
        subs, evs = {}, []
        for rel in sorted(self.files):
            f = self.files[rel]
            if f["kind"] != "xml" or f["host"].name not in members or not f.get("events"):
                continue
            h = f["host"]
            sub = subs.get(h.name)
            if sub is None:
                sub = subs[h.name] = {"rendered": c.random() < 0.6,
                                      "phase": c.uniform(0, batch), "lag": c.uniform(0.3, 8)}
            for t, rid, ev in f["events"]:
                arrive = sub["phase"] + math.ceil((t - sub["phase"]) / batch) * batch + sub["lag"]
                evs.append((arrive, ev["created"], h.name, ev["channel"], rid, ev,
                            sub["rendered"], rel))
        ck["rendered_subscriptions"] = sorted(n for n, sb in subs.items() if sb["rendered"])
        groups = []
        if ck["central_layout"] == "forwarded":
            evs.sort(key=lambda e: (e[0], e[2], e[3], e[4]))
            n = max(1, min(ck["central_chunks"], len(evs) // 2000 or 1))
            size = -(-len(evs) // n) if evs else 0
            for i in range(n):
                name = "ForwardedEvents.xml" if n == 1 else "ForwardedEvents-%d.xml" % (i + 1)
                groups.append((name, evs[i * size:(i + 1) * size]))
        else:
            names = {"Security": "Security.xml", "System": "System.xml",
                     "Microsoft-Windows-Sysmon/Operational": "Sysmon.xml"}
            for ch in sorted(names):
                g = sorted((e for e in evs if e[3] == ch), key=lambda e: (e[1], e[2], e[4]))
                if g:
                    groups.append((names[ch], g))
        out = []
        shape = ck["central_shape"]
        for name, g in groups:
            if not g:
                continue
            utf16 = c.random() < 0.15
            q = "'" if c.random() < 0.1 else '"'
            lines = []
            if shape == "events":
                lines.append('<?xml version="1.0" encoding="%s"?>' % ("UTF-16" if utf16 else "UTF-8"))
                lines.append("<Events>")
            for e in g:
                lines.extend(self.format_event(e[5], e[4], shape, q, e[6]))
            if shape == "events":
                lines.append("</Events>")
            if utf16:
                data = b"\xff\xfe" + ("\r\n".join(lines) + "\r\n").encode("utf-16-le")
            else:
                data = ("\n".join(lines) + "\n").encode("utf-8")
            path = "central/" + name
            if c.random() < 0.5 or len(data) > 2000000:
                data = gzip.compress(data, 1, mtime=0)
                if c.random() < 0.6:
                    path += ".gz"
            self.emit(path, data, None)
            for rel in sorted(set(e[7] for e in g)):
                self.where.setdefault(rel, []).append(path)
            out.append((path, data))
        return out

    def pz_evidence(self):
        """Which output files hold patient zero's kill-switch lookup, and how
        much of its 445 sweep (distinct destinations) they hold."""
        lk = self.tagged.get("pz-lookup", {})
        sw = self.tagged.get("pz-445", {})
        # Only logs that carry the name (DNS logs, Sysmon 22), not the UDP
        # 53 flow a firewall saw.
        lfiles = sorted(set(p for rel in lk for p in self.where.get(rel, [])
                            if self.files[rel]["kind"] in ("windns", "bind", "zeek-dns", "xml")))
        dsts, sfiles, net = set(), set(), set()
        for rel, keys in sw.items():
            paths = self.where.get(rel, [])
            if not paths:
                continue
            dsts |= keys
            sfiles.update(paths)
            if self.files[rel]["kind"] in ("netfilter", "zeek-conn"):
                net |= keys
        own = tuple(self.subnets[i] + "." for i in self.pz.subnets)
        internal = tuple(s + "." for s in self.subnets)
        sfiles = sorted(sfiles)
        return {
            "lookup_in_logs": bool(lfiles), "lookup_files": lfiles,
            "sweep_in_logs": len(dsts) >= 10,
            "sweep_445_destinations": len(dsts),
            "sweep_same_subnet": sum(1 for d in dsts if d.startswith(own)),
            "sweep_public": sum(1 for d in dsts if not d.startswith(internal)),
            "sweep_445_destinations_network": len(net),
            "sweep_file_count": len(sfiles), "sweep_files": sfiles[:30],
        }

    def truth(self):
        k = self.k
        hosts = []
        for h in self.hosts:
            role = h.role
            if h.role == "server" and h is self.bind:
                role = "server"
            hosts.append({
                "name": h.name, "ips": list(h.ips), "role": role,
                "infected": h.state == "infected",
                "neutralized": h.state == "neutralized",
                "infected_by": h.infected_by,
                "infected_time": rfc3339(h.start, 3) if h.state == "infected" else None,
                "neutralized_time": rfc3339(h.start, 3) if h.state == "neutralized" else None,
                "delivered_by": h.delivered_by,
                "logs_collected": bool(h.collected),
                "vulnerable": bool(h.vulnerable),
                "smb1_client": bool(h.smb1),
                "clock_skew_s": self.gw_skew if h.role == "gateway" else h.skew,
                "online_from": rfc3339(h.online_from) if h.online_from > self.t_hist else None,
                "offline_at": rfc3339(h.offline_at) if h.offline_at < self.t_end else None,
                "sysmon": bool(h.sysmon), "pfirewall": bool(h.pfw),
                "host_logs": self.host_logs.get(h.name),
                "resolver": "ext" if h.ext_extra else h.resolver,
            })
        sensors = {"gateway": {"file": "fw/gateway.log", "clock_skew_s": self.gw_skew},
                   "dns": {self.dc.name: self.dc.skew}}
        if self.bind is not None:
            sensors["dns"][self.bind.name] = self.bind.skew
        if self.zeek is not None:
            sensors["internal"] = {"kind": self.zeek["kind"], "clock_skew_s": self.zeek["skew"],
                                   "file": ("fw/corefw.log" if self.zeek["kind"] == "bridge"
                                            else "zeek/conn.log"),
                               "subnets": [self.subnets[i] + ".0/24"
                                           for i in sorted(self.zeek["subnets"])]}
        t = {"seed": self.seed, "generator": "wcgen.py 2", "scenario": k,
             "collection": self.mode, "family": self.mode,
             "patient_zero": self.pz.name, "sinkhole_time": rfc3339(self.sinkhole),
             "local_tz": k["local_tz"], "year": 2017,
             "outbreak_start": rfc3339(self.t0, 3), "logs_end": rfc3339(self.t_end),
             "domain": self.dnsdomain,
             "files": sorted(self.written),
             "sensors": sensors, "pz_evidence": self.pz_evidence(),
             "hosts": hosts, "edges": sorted(self.edges, key=lambda e: e["started"])}
        with open(os.path.join(self.out, "truth.json"), "w") as fp:
            json.dump(t, fp, indent=1, sort_keys=False)
            fp.write("\n")

    def run(self):
        self.draw_knobs()
        self.build_network()
        self.build_timeline()
        self.draw_collection()
        self.setup_files()
        self.simulate()
        self.traps()
        self.noise()
        self.extras()
        self.write()
        self.truth()


def wire(name):
    return "".join("(%d)%s" % (len(p), p) for p in name.split(".") if p) + "(0)"


WINDNS_KEY = """Message logging key (for packets - other items use a subset of these fields):
\tField #  Information         Values
\t-------  -----------         ------
\t   1     Date
\t   2     Time
\t   3     Thread ID
\t   4     Context
\t   5     Internal packet identifier
\t   6     UDP/TCP indicator
\t   7     Send/Receive indicator
\t   8     Remote IP
\t   9     Xid (hex)
\t  10     Query/Response      R = Response
\t                             blank = Query
\t  11     Opcode              Q = Standard Query
\t                             N = Notify
\t                             U = Update
\t                             ? = Unknown
\t  12     [ Flags (hex)
\t  13     Flags (char codes)  A = Authoritative Answer
\t                             T = Truncated Response
\t                             D = Recursion Desired
\t                             R = Recursion Available
\t  14     ResponseCode ]
\t  15     Question Type
\t  16     Question Name""".split("\n")


def read_any(path):
    """A file's text: gzip by content, UTF-16 by BOM."""
    with open(path, "rb") as fp:
        data = fp.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    return data.decode("utf-8")


def check_tree(root):
    """Validate a generated tree: every event record parses as XML (each
    record alone, and a file with an <Events> root as a whole) and carries
    Computer, Channel and EventRecordID, unique within its file; Zeek lines
    have their fields.  Returns a list of problems."""
    import re
    import xml.etree.ElementTree as ET
    ns = "{%s}" % EVENT_NS
    rec_re = re.compile(r"<Event[\s>].*?</Event>", re.S)
    problems = []
    counts = {"xml_files": 0, "records": 0, "zeek_lines": 0}
    for dirpath, _, names in os.walk(root):
        for n in sorted(names):
            path = os.path.join(dirpath, n)
            if n == "truth.json":
                continue
            try:
                text = read_any(path)
            except (OSError, ValueError) as e:
                problems.append("%s: unreadable: %s" % (path, e))
                continue
            head = text.lstrip("\ufeff")[:200]
            if head.startswith("<"):
                counts["xml_files"] += 1
                if "<Events>" in head:
                    try:
                        ET.fromstring(re.sub(r"^<\?xml[^>]*\?>", "", text.lstrip("\ufeff")).strip())
                    except ET.ParseError as e:
                        problems.append("%s: <Events> document: %s" % (path, e))
                seen = set()
                for m in rec_re.finditer(text):
                    counts["records"] += 1
                    try:
                        ev = ET.fromstring(m.group(0))
                    except ET.ParseError as e:
                        problems.append("%s: record at %d: %s" % (path, m.start(), e))
                        continue
                    sysel = ev.find(ns + "System")
                    key = tuple((sysel.findtext(ns + x) if sysel is not None else None)
                                for x in ("Computer", "Channel", "EventRecordID"))
                    if None in key or "" in key:
                        problems.append("%s: record %s lacks Computer/Channel/EventRecordID"
                                        % (path, key))
                    elif key in seen:
                        problems.append("%s: record %s twice in one file" % (path, key))
                    seen.add(key)
            elif head.startswith("#separator") or head.startswith('{"ts"'):
                fields = None
                for i, line in enumerate(text.splitlines()):
                    if line.startswith("#fields\t"):
                        fields = line.split("\t")[1:]
                    if not line or line.startswith("#"):
                        continue
                    counts["zeek_lines"] += 1
                    if line.startswith("{"):
                        try:
                            json.loads(line)
                        except ValueError as e:
                            problems.append("%s:%d: %s" % (path, i + 1, e))
                    elif fields is None or len(line.split("\t")) != len(fields):
                        problems.append("%s:%d: wrong number of fields" % (path, i + 1))
    return problems, counts


def main(argv=None):
    ap = argparse.ArgumentParser(description="Generate a synthetic WannaCry outbreak.")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--out")
    ap.add_argument("--check", metavar="DIR",
                    help="validate a generated tree (event XML records parse, Zeek fields) "
                    "and exit")
    ap.add_argument("--hosts", type=int, default=None, help="number of hosts (20..300)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies benign noise")
    ap.add_argument("--scenario", default="random", choices=PRESETS)
    ap.add_argument("--collection", default="per-host", choices=COLLECTIONS + ("random",),
                    help="how the logs reached the responder (default per-host; random: "
                    "drawn from the seed)")
    ap.add_argument("--export", metavar="FORM",
                    help="write the event logs as a SIEM export: ecs, ecs-array, splunk-xml, "
                    "splunk-rest, splunk-csv, sentinel-csv, sentinel-json (siem_export.py)")
    ap.add_argument("--evtx", action="store_true",
                    help="write the event logs as binary .evtx (evtx_writer.py)")
    a = ap.parse_args(argv)
    if a.check:
        problems, counts = check_tree(a.check)
        for p in problems[:50]:
            sys.stderr.write("wcgen: check: %s\n" % p)
        sys.stderr.write("wcgen: check %s: %d XML file(s), %d record(s), %d Zeek line(s), "
                         "%d problem(s)\n" % (a.check, counts["xml_files"], counts["records"],
                                                counts["zeek_lines"], len(problems)))
        return 1 if problems else 0
    if a.seed is None or a.out is None:
        ap.error("--seed and --out are required")
    if a.hosts is not None and not 8 <= a.hosts <= 2000:
        ap.error("--hosts: want 8..2000")
    if a.scale < 0:
        ap.error("--scale: want >= 0")
    if a.export:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import siem_export
        if a.export not in siem_export.FORMS:
            ap.error("--export: want one of " + ", ".join(siem_export.FORMS))
    if a.export and a.evtx:
        ap.error("--export and --evtx: one or the other")
    g = Gen(a.seed, a.out, a.hosts, a.scale, a.scenario, a.collection)
    g.run()
    if a.export:
        siem_export.export_tree(a.out, a.export)
    if a.evtx:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import evtx_writer
        evtx_writer.convert_tree(a.out)
    inf = sum(1 for h in g.hosts if h.state == "infected")
    neu = sum(1 for h in g.hosts if h.state == "neutralized")
    sys.stderr.write("wcgen: seed %d (%s): %d hosts, %d infected, %d neutralized, patient zero "
                     "%s -> %s\n" % (a.seed, g.mode, len(g.hosts), inf, neu, g.pz.name, a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
