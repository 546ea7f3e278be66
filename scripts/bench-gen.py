#!/usr/bin/env python3
"""Write large inputs for scripts/bench: one file per format, about SIZE MB
each (event XML a fifth of that), made of a block of distinct lines
repeated.  Deterministic.  usage: bench-gen.py DIR SIZE_MB"""
import os
import random
import sys

out, size = sys.argv[1], int(sys.argv[2]) * 1000 * 1000
os.makedirs(out, exist_ok=True)
rnd = random.Random(7)
KS = "iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com"


def ip(net=None):
    if net is None:
        net = rnd.randint(0, 3)
    return "10.20.%d.%d" % (net, rnd.randint(1, 254))


def write(name, lines, target, header=""):
    block = "".join(lines)
    path = os.path.join(out, name)
    with open(path, "w", newline="") as f:
        f.write(header)
        n = len(header)
        while n < target:
            f.write(block)
            n += len(block)
    return path


def stamp(i):
    s = 7 * 3600 + i // 50
    return s // 3600, s // 60 % 60, s % 60


# netfilter (gateway syslog, BSD stamps)
lines = []
for i in range(100000):
    h, m, s = stamp(i)
    src, dst = ip(), ip() if rnd.random() < 0.7 else "%d.%d.%d.%d" % (
        rnd.randint(1, 223), rnd.randint(0, 255), rnd.randint(0, 255),
        rnd.randint(1, 254))
    dpt = 445 if rnd.random() < 0.6 else rnd.choice([80, 443, 53, 3389])
    act = "DROP" if rnd.random() < 0.3 else "ACCEPT"
    lines.append("May 12 %02d:%02d:%02d gw kernel: [%d.%06d] FW-%s IN=eth1 "
                 "OUT=eth0 MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 "
                 "SRC=%s DST=%s LEN=52 TOS=0x00 PREC=0x00 TTL=127 ID=%d DF "
                 "PROTO=TCP SPT=%d DPT=%d WINDOW=8192 RES=0x00 SYN URGP=0\n"
                 % (h, m, s, 1000 + i, i % 1000000, act, src, dst,
                    rnd.randint(1, 65535), rnd.randint(49152, 65535), dpt))
write("netfilter.log", lines, size)

# Windows Firewall
lines = []
for i in range(100000):
    h, m, s = stamp(i)
    lines.append("2017-05-12 %02d:%02d:%02d %s TCP %s %s %d %d 52 S %d 0 "
                 "8192 - - - %s\n" % (h, m, s,
                                      rnd.choice(["ALLOW", "DROP"]), ip(),
                                      ip(), rnd.randint(49152, 65535),
                                      rnd.choice([445, 445, 139, 80]),
                                      rnd.randint(1, 2**31),
                                      rnd.choice(["SEND", "RECEIVE"])))
write("pfirewall.log", lines, size,
      "#Version: 1.5\n#Software: Microsoft Windows Firewall\n"
      "#Time Format: Local\n#Fields: date time action protocol src-ip "
      "dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype "
      "icmpcode info path\n\n")

# Windows DNS debug log
names = ["www.microsoft.com", "update.example.org", "fileserver.corp.local",
         "www." + KS, "mail.example.com", "cdn.example.net"]


def dnsname(n):
    return "".join("(%d)%s" % (len(p), p) for p in n.split(".")) + "(0)"


lines = []
for i in range(100000):
    h, m, s = stamp(i)
    ap = "AM" if h < 12 else "PM"
    hh = h % 12 or 12
    n = rnd.choice(names)
    c = ip()
    xid = rnd.randint(0, 65535)
    lines.append("5/12/2017 %d:%02d:%02d %s 0E3C PACKET  000000D3D5A3E1D0 UDP "
                 "Rcv %s    %04x   Q [0001   D   NOERROR] A      %s\n"
                 % (hh, m, s, ap, c, xid, dnsname(n)))
    rc = "NXDOMAIN" if KS in n else "NOERROR"
    lines.append("5/12/2017 %d:%02d:%02d %s 0E3C PACKET  000000D3D5A3E1D0 UDP "
                 "Snd %s    %04x R Q [8081   DR  %s] A      %s\n"
                 % (hh, m, s, ap, c, xid, rc, dnsname(n)))
write("windns.log", lines, size)

# BIND query log
lines = []
for i in range(100000):
    h, m, s = stamp(i)
    n = rnd.choice(names)
    lines.append("12-May-2017 %02d:%02d:%02d.%03d queries: info: client "
                 "@0x7f3a5c0012a0 %s#%d (%s): query: %s IN A +E(0)K "
                 "(10.20.0.2)\n" % (h, m, s, i % 1000, ip(),
                                    rnd.randint(1024, 65535), n, n))
write("bind.log", lines, size)

# SMB access log
lines = []
for i in range(100000):
    h, m, s = stamp(i)
    lines.append("12/May/2017:%02d:%02d:%02d +00:00\t%s:%d\t%s:445\t%s\t"
                 "WS%04d\tuser%d\t%s\n" % (h, m, s, ip(),
                                          rnd.randint(49152, 65535), ip(0),
                                          rnd.choice(["SMB1/tcp",
                                                      "SMB2/tcp"]),
                                          rnd.randint(1, 9999),
                                          rnd.randint(1, 500),
                                          rnd.choice(["Create File",
                                                      "Resource Connect",
                                                      "Logon Failure"])))
write("smblog.log", lines, size,
      "DateTime\tClient\tServer\tProtocol\tComputerName\tUser Account\t"
      "Operation\n")

# Event XML (one root so xmlwf can check it)
ev = []
NS = 'xmlns="http://schemas.microsoft.com/win/2004/08/events/event"'
for i in range(20000):
    h, m, s = stamp(i)
    t = "2017-05-12T%02d:%02d:%02d.%07dZ" % (h, m, s, i % 10000000)
    kind = rnd.random()
    if kind < 0.4:
        ev.append('<Event %s><System><Provider Name="Microsoft-Windows-'
                  'Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}"/>'
                  '<EventID>4688</EventID><Version>2</Version><Level>0</Level>'
                  '<Task>13312</Task><Opcode>0</Opcode><Keywords>0x8020000000000000'
                  '</Keywords><TimeCreated SystemTime="%s"/><EventRecordID>%d'
                  '</EventRecordID><Correlation/><Execution ProcessID="4" '
                  'ThreadID="72"/><Channel>Security</Channel><Computer>WS%04d.'
                  'corp.local</Computer><Security/></System><EventData><Data '
                  'Name="SubjectUserSid">S-1-5-18</Data><Data Name="SubjectUserName">'
                  'WS%04d$</Data><Data Name="NewProcessId">0x%x</Data><Data '
                  'Name="NewProcessName">C:\\Windows\\System32\\svchost.exe</Data>'
                  '<Data Name="CommandLine">svchost.exe -k netsvcs -p</Data>'
                  '<Data Name="ParentProcessName">C:\\Windows\\System32\\services.exe'
                  '</Data></EventData></Event>\n'
                  % (NS, t, i, i % 300, i % 300, rnd.randint(4, 65535)))
    elif kind < 0.6:
        ev.append('<Event %s><System><Provider Name="Microsoft-Windows-'
                  'Security-Auditing"/><EventID>4624</EventID><TimeCreated '
                  'SystemTime="%s"/><EventRecordID>%d</EventRecordID><Channel>'
                  'Security</Channel><Computer>FS01.corp.local</Computer>'
                  '</System><EventData><Data Name="TargetUserName">user%d</Data>'
                  '<Data Name="LogonType">3</Data><Data Name="WorkstationName">'
                  'WS%04d</Data><Data Name="IpAddress">%s</Data><Data '
                  'Name="IpPort">%d</Data></EventData></Event>\n'
                  % (NS, t, i, i % 500, i % 300, ip(), rnd.randint(1024, 65535)))
    else:
        ev.append('<Event %s><System><Provider Name="Microsoft-Windows-'
                  'Security-Auditing"/><EventID>%d</EventID><TimeCreated '
                  'SystemTime="%s"/><EventRecordID>%d</EventRecordID><Channel>'
                  'Security</Channel><Computer>DC01.corp.local</Computer>'
                  '</System><EventData><Data Name="SubjectUserName">admin'
                  '</Data><Data Name="ObjectName">\\Device\\HarddiskVolume2\\'
                  'share\\doc%d.docx</Data></EventData></Event>\n'
                  % (NS, rnd.choice([4656, 4663, 4658, 5156]), t, i, i))
block = "".join(ev)
path = os.path.join(out, "events.xml")
with open(path, "w") as f:
    f.write("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>\n")
    n = 0
    while n < size // 5:
        f.write(block)
        n += len(block)
    f.write("</Events>\n")
