#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# synq flood end to end: a veth pair between an attacker and a receiver namespace;
# the receiver's veth runs the XDP counter (tests/tools/xdp_count.c, which also lets
# XDP_TX frames arrive at all). Counts, rates and durations are measured on the
# receiving side; a capture is checked by tshark, independently of synq.
source tests/lib/e2e.sh
source tests/lib/netns.sh
t_require_root flood

COUNTER=$PWD/build/tests/tools/xdp_count
TMP=$(mktemp -d)
trap 'ns_cleanup; rm -rf "$TMP"' EXIT

ns_new A flood-a && ns_new B flood-b && ns_veth "$A" a0 "$B" b0 || { t_fail setup "netns"; t_done; }
ns_addr "$A" a0 192.0.2.1/24 && ns_addr "$B" b0 192.0.2.2/24
ns_addr "$A" a0 2001:db8::1/64 && ns_addr "$B" b0 2001:db8::2/64
# No ping first: synq flood has the kernel resolve the destination's MAC itself.

flood() { nsenter --net="/run/netns/$A" "$SYNQ" flood --iface a0 "$@"; }

# counter_start [--pass]: attach the counter to b0; counter_stop puts its line in GOT
# (not in a subshell: only this shell can wait for the counter).
counter_start() {
	ns_bg CPID "$B" "$COUNTER" b0 "$@" >"$TMP/count" 2>&1
	for _ in $(seq 100); do grep -q ready "$TMP/count" && return 0; sleep 0.05; done
	return 1
}
counter_stop() {
	sleep 0.3	# frames in flight
	kill -INT "$CPID"; wait "$CPID" 2>/dev/null
	GOT=$(tail -1 "$TMP/count")
}
field() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p"; }

# 1. exactly N frames arrive, all SYNs (IPv4, then IPv6 with random options)
for spec in "192.0.2.2:80 200000 linux" "[2001:db8::2]:443 50000 random"; do
	set -- $spec
	counter_start
	out=$(flood --dst "$1" --count "$2" --options "$3")
	counter_stop; got=$GOT
	t_eq "count $1 $2: frames sent" "$2" "$(echo "$out" | sed -n 's/^sent \([0-9]*\) .*/\1/p')"
	t_eq "count $1 $2: SYNs arrived" "$2" "$(echo "$got" | field syn)"
	t_eq "count $1 $2: nothing but SYNs" "0 0 0" \
		"$(echo "$got" | field synack) $(echo "$got" | field rst) $(echo "$got" | field other)"
done

# 2. --duration 2 stops by itself after about 2 s
counter_start
t0=$(date +%s.%N)
out=$(flood --dst 192.0.2.2:80 --duration 2 --rate 50000)
t1=$(date +%s.%N)
counter_stop; got=$GOT
if awk -v a="$t0" -v b="$t1" 'BEGIN { d = b - a; exit !(d >= 1.8 && d <= 4.0) }'; then
	t_pass "duration 2 s"
else
	t_fail "duration 2 s" "took $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s"
fi
t_eq "duration: every sent frame arrived" "$(echo "$out" | sed -n 's/^sent \([0-9]*\) .*/\1/p')" \
	"$(echo "$got" | field syn)"

# 3. --rate within 5 %: frames counted by the receiver over the flood's elapsed time
for rate in 20000 200000; do
	counter_start
	out=$(flood --dst 192.0.2.2:80 --duration 2 --rate "$rate")
	counter_stop; got=$GOT
	elapsed=$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s:.*/\1/p')
	n=$(echo "$got" | field syn)
	measured=$(awk -v n="$n" -v e="$elapsed" 'BEGIN { if (e > 0) printf "%.0f", n / e }')
	if awk -v m="$measured" -v r="$rate" 'BEGIN { exit !(m >= 0.95 * r && m <= 1.05 * r) }'; then
		t_pass "rate $rate pps (received $measured pps)"
	else
		t_fail "rate $rate pps" "received $n frames in $elapsed s = $measured pps"
	fi
done

# 4. a capture checked by tshark: valid checksums, SYN only, sources inside the CIDR
capture_check() {	# NAME CIDR FLOOD-ARGS...
	local name=$1 cidr=$2 bad; shift 2
	counter_start --pass
	ns_bg TPID "$B" tcpdump -i b0 -nn -U --immediate-mode -B 16384 -w "$TMP/cap.pcap" tcp 2>"$TMP/tcpdump.err"
	for _ in $(seq 100); do grep -q listening "$TMP/tcpdump.err" && break; sleep 0.05; done
	flood --count 300 --rate 2000 "$@" >/dev/null
	sleep 0.5
	kill -TERM "$TPID"; wait "$TPID" 2>/dev/null
	counter_stop
	bad=$(tshark -r "$TMP/cap.pcap" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
		-T fields -E separator=, -e ip.src -e ipv6.src -e ip.checksum.status \
		-e tcp.checksum.status -e tcp.flags 2>/dev/null | python3 -c '
import ipaddress, sys
net = ipaddress.ip_network(sys.argv[1])
rows = [l.strip().split(",") for l in sys.stdin if l.strip()]
bad = [r for r in rows if ipaddress.ip_address(r[0] or r[1]) not in net
       or (r[2] not in ("", "1")) or r[3] != "1" or int(r[4], 16) != 0x002]
# the IPv4 header checksum must have been checked when there is one
bad += [r for r in rows if r[0] and r[2] != "1"]
print("ok" if len(rows) >= 200 and not bad else "%d captured, %d bad" % (len(rows), len(bad)))
' "$cidr")
	# a sample: the counter above already showed that every frame arrives
	t_eq "$name: a capture of 300 frames, none bad (checksums, SYN, source)" ok "$bad"
}
capture_check "tshark IPv4" 198.18.128.0/20 --dst 192.0.2.2:80 --src 198.18.130.7/20 --options linux
capture_check "tshark IPv6" 2001:2::/48 --dst "[2001:db8::2]:80" --options random
capture_check "tshark AF_PACKET" 198.18.0.0/15 --dst 192.0.2.2:80 --backend packet --options none

# 5. the AF_PACKET fallback delivers exactly N too
counter_start
flood --dst 192.0.2.2:80 --count 5000 --backend packet >/dev/null
counter_stop
t_eq "AF_PACKET fallback: 5000 SYNs arrived" 5000 "$(echo "$GOT" | field syn)"

# 5b. --threads 2 on a two-queue veth: one thread per CPU, each into its own
# receive ring (veth picks the peer's ring by the sending CPU); every frame arrives.
ip link add m0 netns "$A" numtxqueues 2 numrxqueues 2 type veth peer name m1 netns "$B" \
	numtxqueues 2 numrxqueues 2 && ip -n "$A" link set m0 up && ip -n "$B" link set m1 up
ns_addr "$A" m0 198.51.100.1/24 && ns_addr "$B" m1 198.51.100.2/24
ns_bg MPID "$B" "$COUNTER" m1 >"$TMP/mcount" 2>&1
for _ in $(seq 100); do grep -q ready "$TMP/mcount" && break; sleep 0.05; done
out=$(nsenter --net="/run/netns/$A" "$SYNQ" flood --iface m0 --dst 198.51.100.2:80 --threads 2 \
	--count 200000)
sleep 0.3
kill -INT "$MPID"; wait "$MPID" 2>/dev/null
t_eq "--threads 2: 200000 SYNs arrived" 200000 "$(tail -1 "$TMP/mcount" | field syn)"
rings=$(ip netns exec "$B" ethtool -S m1 | awk '/rx_queue_[01]_xdp_packets/ && $2 > 0 { n++ } END { print n + 0 }')
t_eq "--threads 2: both receive rings got frames" 2 "$rings"

# 6. bad input: exit 2 and exactly one line on stderr
bad_input() {	# NAME ARGS...
	local name=$1 rc lines; shift
	nsenter --net="/run/netns/$A" "$SYNQ" flood "$@" >/dev/null 2>"$TMP/err"
	rc=$?
	lines=$(wc -l <"$TMP/err")
	t_eq "bad input: $name -> exit 2, one line" "2 1" "$rc $lines"
}
bad_input "no such interface" --iface nope0 --dst 192.0.2.2:80 --count 1
bad_input "family mismatch" --iface a0 --dst 192.0.2.2:80 --src 2001:2::/48 --count 1
bad_input "unparsable CIDR" --iface a0 --dst 192.0.2.2:80 --src 198.18.0.0/40 --count 1
bad_input "rate 0" --iface a0 --dst 192.0.2.2:80 --rate 0 --count 1
bad_input "bad MAC" --iface a0 --dst 192.0.2.2:80 --dst-mac 02:00:00:00:00 --count 1
bad_input "unbounded" --iface a0 --dst 192.0.2.2:80
bad_input "IPv6 without brackets" --iface a0 --dst 2001:db8::2:80 --count 1

# 7. neighbour resolution. The first floods above found no entry and had the kernel
# resolve one; here a fresh address on B, never reached before, and one nobody holds.
ip -n "$B" addr add 192.0.2.3/24 dev b0
t_eq "no neighbour entry before the flood" "" "$(ip -n "$A" neigh show 192.0.2.3 dev a0)"
counter_start
out=$(flood --dst 192.0.2.3:80 --count 1000 2>"$TMP/err")
counter_stop
t_eq "neighbour resolved by the kernel: 1000 SYNs arrived" 1000 "$(echo "$GOT" | field syn)"
t_eq "neighbour resolved: nothing on stderr" "" "$(cat "$TMP/err")"
t0=$(date +%s.%N)
nsenter --net="/run/netns/$A" "$SYNQ" flood --iface a0 --dst 192.0.2.99:80 --count 1 \
	>/dev/null 2>"$TMP/err"
rc=$?
t1=$(date +%s.%N)
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "192.0.2.99.*--dst-mac" "$TMP/err" &&
   awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 10) }'; then
	t_pass "nobody answers: one line naming --dst-mac, exit 1, bounded wait"
else
	t_fail "nobody answers" "exit $rc after $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s: $(cat "$TMP/err")"
fi

# 7b. refused targets: exit 2 and one line, and not a single frame leaves
refused() {	# NAME ARGS...
	local name=$1 rc lines; shift
	counter_start
	nsenter --net="/run/netns/$A" "$SYNQ" flood --iface a0 --count 10 "$@" >/dev/null 2>"$TMP/err"
	rc=$?
	counter_stop
	lines=$(wc -l <"$TMP/err")
	t_eq "refused: $name -> exit 2, one line, nothing sent" "2 1 0" \
		"$rc $lines $(echo "$GOT" | field syn)"
}
M=$(ip -n "$B" -br link show b0 | awk '{ print $3 }')
refused "limited broadcast" --dst 255.255.255.255:80 --dst-mac "$M"
refused "directed broadcast" --dst 192.0.2.255:80 --dst-mac "$M"
refused "IPv4 multicast" --dst 239.1.2.3:80 --dst-mac "$M"
refused "IPv6 multicast" --dst "[ff02::1]:80" --dst-mac "$M"
refused "IPv4 unspecified" --dst 0.0.0.0:80 --dst-mac "$M"
refused "IPv6 unspecified" --dst "[::]:80" --dst-mac "$M"
refused "source = destination" --dst 192.0.2.2:80 --src 192.0.2.0/24
refused "own address" --dst 192.0.2.1:80 --dst-mac "$M"
refused "broadcast MAC" --dst 192.0.2.2:80 --dst-mac ff:ff:ff:ff:ff:ff
refused "public, off-link destination" --dst 8.8.8.8:443 --dst-mac "$M"
refused "public IPv6 destination" --dst "[2606:4700::1]:443" --dst-mac "$M"
refused "public spoofed sources" --dst 192.0.2.2:80 --src 8.8.4.0/24
# with the flag, the user says the addresses are theirs (the frames still only reach B)
counter_start
flood --dst 8.8.8.8:443 --dst-mac "$M" --src 8.8.4.0/24 --count 10 --i-own-these-addresses \
	>/dev/null 2>"$TMP/err"
rc=$?
counter_stop
t_eq "--i-own-these-addresses: public target and sources allowed" "0 10" \
	"$rc $(echo "$GOT" | field syn)"

# 7c. without root: one line that says so, no libbpf noise
nsenter --net="/run/netns/$A" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$SYNQ" flood --iface a0 --dst 192.0.2.2:80 --count 1 >/dev/null 2>"$TMP/err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "needs root" "$TMP/err"; then
	t_pass "not root: one line saying it needs root"
else
	t_fail "not root" "exit $rc: $(cat "$TMP/err")"
fi

# 8. the bench's ceiling, synq_reflect, answers with valid SYN-ACKs from the target
ns_bg RPID "$B" "$COUNTER" b0 --reflect >"$TMP/reflect" 2>&1
ns_bg CPID "$A" "$COUNTER" a0 --pass >"$TMP/count" 2>&1
ns_bg TPID "$A" tcpdump -i a0 -nn -U --immediate-mode -B 16384 -w "$TMP/ref.pcap" \
	'tcp[13] & 18 == 18' 2>"$TMP/tcpdump.err"
for _ in $(seq 100); do grep -q listening "$TMP/tcpdump.err" && break; sleep 0.05; done
sleep 0.3
flood --dst 192.0.2.2:80 --count 300 --rate 2000 >/dev/null
sleep 0.5
kill -TERM "$TPID"; wait "$TPID" 2>/dev/null
kill -INT "$CPID" "$RPID"; wait "$CPID" "$RPID" 2>/dev/null
GOT=$(tail -1 "$TMP/count")
t_eq "reflector: 300 SYN-ACKs came back" 300 "$(echo "$GOT" | field synack)"
bad=$(tshark -r "$TMP/ref.pcap" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
	-T fields -E separator=, -e ip.src -e ip.dst -e ip.checksum.status \
	-e tcp.checksum.status -e tcp.flags -e tcp.srcport 2>/dev/null | python3 -c '
import ipaddress, sys
rows = [l.strip().split(",") for l in sys.stdin if l.strip()]
bad = [r for r in rows if r[0] != "192.0.2.2" or r[5] != "80" or r[2] != "1" or r[3] != "1"
       or int(r[4], 16) != 0x012
       or ipaddress.ip_address(r[1]) not in ipaddress.ip_network("198.18.0.0/15")]
print("ok" if len(rows) >= 200 and not bad else "%d captured, %d bad" % (len(rows), len(bad)))')
t_eq "reflector: SYN-ACKs from 192.0.2.2:80 with valid checksums" ok "$bad"

t_done
