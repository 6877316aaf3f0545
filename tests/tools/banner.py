#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A server-speaks-first service (as SSH or SMTP) and its clients, for the
protection tests: a client sends nothing and waits for the greeting, so a final
ACK that is lost leaves it waiting unless the server side retransmits.

    banner.py serve PORT BACKLOG DELAY COUNT
        listen(BACKLOG) on [::]:PORT and print "listening"; sleep DELAY seconds,
        then accept, greet ("220 ready") and close COUNT connections (0: until
        killed), each accept() waiting at most 20 s; print "accepted K".
    banner.py clients HOST PORT COUNT GAP
        COUNT clients started GAP seconds apart, each given 14 s to connect and
        14 s more for the greeting; print "served K slowest S": K got it, S is
        the longest any of them waited for it, in seconds."""
import socket
import sys
import threading
import time


def serve(port, backlog, delay, count):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.listen(backlog)
    print("listening", flush=True)
    time.sleep(delay)
    if count:
        s.settimeout(20)	# a client that never gets in must not hang the test
    accepted = 0
    try:
        while not count or accepted < count:
            c, _ = s.accept()
            c.sendall(b"220 ready\r\n")
            c.close()
            accepted += 1
    except OSError:
        pass
    print("accepted", accepted, flush=True)


def clients(host, port, count, gap):
    waits = []

    def one():
        t = time.monotonic()
        try:
            c = socket.create_connection((host, port), timeout=14)
            c.settimeout(14)
            if c.recv(64).startswith(b"220"):
                waits.append(time.monotonic() - t)
        except OSError:
            pass

    threads = [threading.Thread(target=one) for _ in range(count)]
    for t in threads:
        t.start()
        time.sleep(gap)
    for t in threads:
        t.join()
    print(f"served {len(waits)} slowest {max(waits, default=0):.2f}")


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "serve":
        serve(*(int(a) for a in sys.argv[2:6]))
    elif len(sys.argv) == 6 and sys.argv[1] == "clients":
        clients(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    else:
        sys.exit("usage: banner.py serve PORT BACKLOG DELAY COUNT | clients HOST PORT COUNT GAP")
