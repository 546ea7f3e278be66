# bench-outbreak.awk -v n=HOSTS -v kind=dns|fw: a synthetic outbreak of n
# hosts for the engine's scaling benchmark (scripts/bench -H), 250 to a /24
# (10.X.Y.2-251).  Host k starts 12 s after the host before it in its /24:
# its kill-switch lookup (dnsmasq) gets no answer, then it reaches the next
# five addresses of its /24 on 445/tcp (netfilter), the first of which
# starts 9 s later.  Every host is infected, each infected by the one
# before it: the engine's work grows with hosts and contacts only.
function stamp(t, h, m, s)
{
	h = int(t / 3600) % 24
	m = int(t / 60) % 60
	s = t % 60
	return sprintf("May 12 %02d:%02d:%02d", h, m, s)
}
BEGIN {
	for (k = 0; k < n; k++) {
		s = int(k / 250)
		o = k % 250 + 2
		ip = sprintf("10.%d.%d.%d", int(s / 256) % 256, s % 256, o)
		t = 14 * 3600 + (k % 250) * 12 + s % 60
		if (kind == "dns") {
			printf "%s gw dnsmasq[812]: query[A] www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com from %s\n", stamp(t), ip
			continue
		}
		for (j = 1; j <= 5; j++)
			printf "%s fw kernel: IN=eth0 OUT=eth1 SRC=%s DST=10.%d.%d.%d LEN=52 PROTO=TCP SPT=%d DPT=445 SYN\n", stamp(t + 2 + j), ip, int(s / 256) % 256, s % 256, (o - 2 + j) % 250 + 2, 49000 + j
	}
}
