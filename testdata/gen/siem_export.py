#!/usr/bin/env python3
"""Windows event XML as a SIEM would export it.

Converts every event XML file of a tree (wevtutil or Get-WinEvent style,
plain or gzip, UTF-8 or UTF-16) into one export form, in place: the XML file
is replaced by the export, every other file is left alone.  Forms:

  ecs            Winlogbeat documents, one a line (winlog.*, @timestamp)
  ecs-array      the same as a Kibana / search-API export: a JSON array of
                 hits, each document under _source
  splunk-xml     Splunk JSON lines, _raw the event's XML (XmlWinEventLog)
  splunk-rest    Splunk REST export lines {"result": {...}}, _raw the
                 classic WinEventLog text
  splunk-csv     Splunk CSV export, _raw the classic WinEventLog text
  sentinel-csv   the Log Analytics portal's CSV: Security events as
                 SecurityEvent rows, the others as Event rows (EventData XML)
  sentinel-json  the same rows as JSON (az monitor log-analytics query)

usage: siem_export.py FORM DIR     (or wcgen.py --export FORM)
"""
import csv
import gzip
import io
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

FORMS = ("ecs", "ecs-array", "splunk-xml", "splunk-rest", "splunk-csv",
         "sentinel-csv", "sentinel-json")

NS = "http://schemas.microsoft.com/win/2004/08/events/event"
SYSMON = "Microsoft-Windows-Sysmon"
RECORD = re.compile(r"<Event[\s>].*?</Event>", re.S)


def decode(data):
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:2] == b"\xff\xfe":
        return data[2:].decode("utf-16-le", "replace")
    if data[:2] == b"\xfe\xff":
        return data[2:].decode("utf-16-be", "replace")
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    return data.decode("utf-8", "replace")


def local(tag):
    return tag.rsplit("}", 1)[-1]


def parse_record(text):
    """One <Event> as (system fields, [(name, value)]), or None."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        try:
            root = ET.fromstring(re.sub(r"(?m)^\s*- ", "", text))
        except ET.ParseError:
            return None
    sysf, data = {}, []
    for sec in root:
        name = local(sec.tag)
        if name == "System":
            for el in sec:
                n = local(el.tag)
                if n == "Provider":
                    sysf["provider"] = el.get("Name")
                elif n == "TimeCreated":
                    sysf["time"] = el.get("SystemTime")
                elif n == "Execution":
                    sysf["pid"] = el.get("ProcessID")
                elif n in ("EventID", "EventRecordID", "Channel", "Computer"):
                    sysf[n] = (el.text or "").strip()
        elif name == "EventData":
            for el in sec:
                if local(el.tag) == "Data" and el.get("Name") is not None:
                    data.append((el.get("Name"), el.text or ""))
    return sysf, data, text


def read_events(path):
    with open(path, "rb") as fp:
        text = decode(fp.read())
    head = text.lstrip()[:200]
    if not (head.startswith("<Event") or head.startswith("<?xml") or head.startswith("<Events")
            or "<Event" in head):
        return None
    evs = []
    for m in RECORD.finditer(text):
        r = parse_record(m.group(0))
        if r is not None:
            evs.append(r)
    return evs


def iso(t):
    """SystemTime as written, with a Z; precision kept."""
    return t if t.endswith("Z") else t + "Z"


def num(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return v


def ecs_doc(sysf, data):
    w = {"api": "wineventlog", "channel": sysf.get("Channel"),
         "computer_name": sysf.get("Computer"), "event_id": sysf.get("EventID"),
         "provider_name": sysf.get("provider"), "record_id": num(sysf.get("EventRecordID")),
         "event_data": dict(data)}
    if sysf.get("pid"):
        w["process"] = {"pid": num(sysf["pid"])}
    return {"@timestamp": iso(sysf["time"]), "agent": {"type": "winlogbeat", "version": "7.17.0"},
            "ecs": {"version": "1.12.0"}, "host": {"name": sysf.get("Computer")},
            "event": {"code": sysf.get("EventID"), "kind": "event", "provider": sysf.get("provider")},
            "winlog": w}


# The classic message's labels (the English message table), by event.
LABELS = {
    "4688": [("Creator Subject", [("Account Name", "SubjectUserName")]),
             ("Target Subject", [("Account Name", "TargetUserName")]),
             ("Process Information", [("New Process ID", "NewProcessId"),
                                      ("New Process Name", "NewProcessName"),
                                      ("Creator Process Name", "ParentProcessName"),
                                      ("Process Command Line", "CommandLine")])],
    "4624": [("Subject", [("Account Name", "SubjectUserName")]),
             ("Logon Information", [("Logon Type", "LogonType")]),
             ("New Logon", [("Account Name", "TargetUserName")]),
             ("Network Information", [("Workstation Name", "WorkstationName"),
                                      ("Source Network Address", "IpAddress"),
                                      ("Source Port", "IpPort")])],
    "4697": [("Subject", [("Account Name", "SubjectUserName")]),
             ("Service Information", [("Service Name", "ServiceName"),
                                      ("Service File Name", "ServiceFileName")])],
    "7045": [(None, [("Service Name", "ServiceName"), ("Service File Name", "ImagePath"),
                     ("Service Type", "ServiceType"), ("Service Start Type", "StartType"),
                     ("Service Account", "AccountName")])],
}


def classic(sysf, data):
    t = sysf["time"]
    y, mo, d = t[0:4], t[5:7], t[8:10]
    hh, mi, ss = int(t[11:13]), t[14:16], t[17:19]
    lines = ["%s/%s/%s %02d:%s:%s %s" % (mo, d, y, hh % 12 or 12, mi, ss, "PM" if hh >= 12 else "AM"),
             "LogName=%s" % sysf.get("Channel", ""),
             "SourceName=%s" % sysf.get("provider", ""),
             "EventCode=%s" % sysf.get("EventID", ""),
             "EventType=0", "Type=Information",
             "ComputerName=%s" % sysf.get("Computer", ""),
             "TaskCategory=None", "OpCode=Info",
             "RecordNumber=%s" % sysf.get("EventRecordID", ""),
             "Keywords=None"]
    dd = dict(data)
    if sysf.get("provider") == SYSMON:
        lines.append("Message=Sysmon event:")
        lines += ["%s: %s" % (k, v.replace("\n", " ")) for k, v in data]
    else:
        lines.append("Message=Event %s." % sysf.get("EventID", ""))
        for sec, labels in LABELS.get(sysf.get("EventID"), []):
            lines.append("")
            if sec is not None:
                lines.append(sec + ":")
            for label, name in labels:
                if name in dd:
                    lines.append("\t%s:\t\t%s" % (label, dd[name].replace("\n", " ")))
    return "\n".join(lines)


def data_item(sysf, data):
    return ('<DataItem type="System.XmlData" time="%s" sourceHealthServiceId='
            '"00000000-0000-0000-0000-000000000000"><EventData xmlns="%s">%s</EventData></DataItem>'
            % (iso(sysf["time"]), NS,
               "".join('<Data Name="%s">%s</Data>' % (escape(k, {'"': "&quot;"}), escape(v))
                       for k, v in data)))


def sentinel_rows(evs):
    """(SecurityEvent rows, Event rows), as dicts keyed by column."""
    sec, other = [], []
    for sysf, data, _ in evs:
        base = {"TenantId": "0b1c2d3e-0000-0000-0000-000000000000", "SourceSystem": "OpsManager",
                "TimeGenerated": iso(sysf["time"]), "Computer": sysf.get("Computer", ""),
                "EventID": sysf.get("EventID", "")}
        if sysf.get("Channel") == "Security":
            row = dict(base, EventSourceName=sysf.get("provider", ""), Channel="Security",
                       EventRecordId=sysf.get("EventRecordID", ""), Type="SecurityEvent")
            for k, v in data:
                row.setdefault(k, v)
            sec.append(row)
        else:
            other.append(dict(base, Source=sysf.get("provider", ""), EventLog=sysf.get("Channel", ""),
                              EventData=data_item(sysf, data), Type="Event"))
    return sec, other


def portal_time(t):
    y, mo, d = int(t[0:4]), int(t[5:7]), int(t[8:10])
    hh, mi, ss = int(t[11:13]), t[14:16], t[17:19]
    frac = (t[20:].rstrip("Z") + "000")[:3]
    return "%d/%d/%d, %d:%s:%s.%s %s" % (mo, d, y, hh % 12 or 12, mi, ss, frac, "PM" if hh >= 12 else "AM")


def write_csv(path, rows, portal):
    cols = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c + " [UTC]" if portal and c == "TimeGenerated" else c for c in cols])
    for r in rows:
        w.writerow([portal_time(r[c]) if portal and c == "TimeGenerated" else r.get(c, "")
                    for c in cols])
    with open(path, "w", newline="", encoding="utf-8") as fp:
        fp.write(buf.getvalue())


def export_file(path, evs, form):
    """Write the export beside path (path's name without .xml[.gz]); the paths written."""
    base = re.sub(r"\.xml(\.gz)?$", "", path)
    out = []
    if form in ("ecs", "splunk-xml", "splunk-rest"):
        p = base + {"ecs": ".ecs.ndjson", "splunk-xml": ".splunk.ndjson",
                    "splunk-rest": ".splunk-rest.ndjson"}[form]
        with open(p, "w", encoding="utf-8") as fp:
            for i, (sysf, data, raw) in enumerate(evs):
                if form == "ecs":
                    doc = ecs_doc(sysf, data)
                elif form == "splunk-xml":
                    doc = {"_time": iso(sysf["time"]), "host": sysf.get("Computer"),
                           "source": "XmlWinEventLog:" + sysf.get("Channel", ""),
                           "sourcetype": "XmlWinEventLog", "_raw": raw}
                else:
                    doc = {"preview": False, "offset": i,
                           "result": {"_time": iso(sysf["time"]), "host": sysf.get("Computer"),
                                      "sourcetype": "WinEventLog",
                                      "_raw": classic(sysf, data)}}
                fp.write(json.dumps(doc, separators=(",", ":")) + "\n")
        out.append(p)
    elif form == "ecs-array":
        p = base + ".ecs.json"
        hits = [{"_index": "winlogbeat-7.17.0", "_id": str(i), "_source": ecs_doc(s, d)}
                for i, (s, d, _) in enumerate(evs)]
        with open(p, "w", encoding="utf-8") as fp:
            json.dump(hits, fp, indent=1)
            fp.write("\n")
        out.append(p)
    elif form == "splunk-csv":
        p = base + ".splunk.csv"
        rows = [{"_time": iso(s["time"]), "host": s.get("Computer", ""),
                 "sourcetype": "WinEventLog", "_raw": classic(s, d)} for s, d, _ in evs]
        write_csv(p, rows, False)
        out.append(p)
    else:
        sec, other = sentinel_rows(evs)
        for table, rows in (("SecurityEvent", sec), ("Event", other)):
            if not rows:
                continue
            if form == "sentinel-csv":
                p = "%s.%s.csv" % (base, table)
                write_csv(p, rows, True)
            else:
                p = "%s.%s.json" % (base, table)
                with open(p, "w", encoding="utf-8") as fp:
                    json.dump([dict(r, TableName="PrimaryResult") for r in rows], fp, indent=2)
                    fp.write("\n")
            out.append(p)
    return out


def export_tree(root, form):
    """Replace every event XML file under root by its export; the files written."""
    if form not in FORMS:
        raise ValueError("unknown form %r" % form)
    written = []
    for dirpath, _, names in sorted(os.walk(root)):
        for n in sorted(names):
            if not re.search(r"\.xml(\.gz)?$", n):
                continue
            path = os.path.join(dirpath, n)
            evs = read_events(path)
            if evs is None:
                continue
            if evs:
                written += export_file(path, evs, form)
            os.remove(path)
    return written


def main(argv):
    if len(argv) != 3 or argv[1] not in FORMS:
        sys.stderr.write(__doc__)
        return 2
    w = export_tree(argv[2], argv[1])
    sys.stderr.write("siem_export: %s: %d file(s) written\n" % (argv[1], len(w)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
