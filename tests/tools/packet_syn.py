#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Sends small SYNs through an AF_PACKET socket, as a packet-socket sender or a
bridge forwarding into a container's veth does: such a frame arrives without the
headroom and tailroom a stack-built one has, so synq_xdp must make room for its
SYN-ACK some other way.

    packet_syn.py IFACE DST_MAC SRC_IP DST_IP DST_PORT SHAPE COUNT

SHAPE: qinq (802.1ad + 802.1Q, no options), wssack (untagged; window scale,
SACK-permitted, NOP, NOP), vlan-sack (802.1Q; SACK-permitted, NOP, NOP). Each
of the COUNT SYNs has its own source port, from 41000 up."""
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn(src, dst, sport, dport, opts):
    hlen = 20 + len(opts)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, hlen // 4 << 4, 0x02, 64240, 0, 0) + opts
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


SHAPES = {
    "qinq": ([(0x88A8, 100), (0x8100, 200)], b""),
    "wssack": ([], bytes([3, 3, 7, 4, 2, 1, 1, 1])),
    "vlan-sack": ([(0x8100, 200)], bytes([4, 2, 1, 1])),
}


def main():
    iface, dmac, src, dst, dport, shape, count = sys.argv[1:8]
    tags, opts = SHAPES[shape]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    smac = s.getsockname()[4]
    l2 = bytes.fromhex(dmac.replace(":", "")) + smac
    for tpid, vid in tags:
        l2 += struct.pack("!HH", tpid, vid)
    l2 += struct.pack("!H", 0x0800)
    for i in range(int(count)):
        s.send(l2 + syn(socket.inet_aton(src), socket.inet_aton(dst), 41000 + i, int(dport), opts))


if __name__ == "__main__":
    main()
