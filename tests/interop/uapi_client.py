#!/usr/bin/env python3
"""Misbehaving clients of a UAPI control socket, for tests/interop/uapi_abuse.sh. Each command
prints one line of key=value results; the shell script judges them per implementation.

  idle SOCK N HOLD_S        open N connections that send nothing; print "connected=K" at once
                            (stdout is flushed), wait HOLD_S seconds, then print how many the
                            daemon closed ("closed=C open=O")
  pipeline SOCK N PID       send N "get=1" requests without reading for 1 s, print the daemon's
                            RSS growth (KiB, from /proc/PID/status), then read every reply
                            ("sent=S rss_growth_kib=G replies=R")
  halfclose SOCK            "get=1", shutdown(SHUT_WR), wait 0.5 s, read to EOF
                            ("bytes=B peers=P complete=0|1")
  seteof SOCK BODY          "set=1\\n" + BODY (\\n escapes allowed) with no blank line, then
                            shutdown(SHUT_WR); print the reply ("reply=...")
"""
import os
import socket
import sys
import time


def connect(path, timeout=10):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def connect_retrying(path, give_up_s=3):
    """A Unix stream connect fails with EAGAIN while the listener's backlog is full: retry."""
    deadline = time.time() + give_up_s
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            if time.time() > deadline:
                return None
            time.sleep(0.005)
        except OSError:
            s.close()
            return None


def rss_kib(pid):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def read_to_eof(s, limit=1 << 30):
    out = bytearray()
    while len(out) < limit:
        d = s.recv(1 << 16)
        if not d:
            break
        out += d
    return bytes(out)


def idle(path, n, hold):
    conns = []
    for _ in range(int(n)):
        s = connect_retrying(path)
        if not s:
            break
        conns.append(s)
    print("connected=%d" % len(conns), flush=True)
    time.sleep(float(hold))
    closed = 0
    for s in conns:
        try:
            d = s.recv(1)
            if d == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
    print("closed=%d open=%d" % (closed, len(conns) - closed), flush=True)


def pipeline(path, n, pid):
    s = connect(path)
    s.setblocking(False)
    data = b"get=1\n\n" * int(n)
    before = rss_kib(pid)
    sent, deadline = 0, time.time() + 1
    while sent < len(data) and time.time() < deadline:
        try:
            sent += s.send(data[sent:sent + 65536])
        except BlockingIOError:
            time.sleep(0.01)
    time.sleep(0.5)
    growth = rss_kib(pid) - before
    # Take every answer to the requests that were sent whole.
    s.setblocking(True)
    s.settimeout(20)
    want = sent // 7
    got, buf = 0, b""
    while got < want:
        d = s.recv(1 << 20)
        if not d:
            break
        buf += d
        got += buf.count(b"errno=0\n\n")
        buf = buf[buf.rfind(b"\n\n") + 2:] if b"\n\n" in buf else buf
    print("sent=%d rss_growth_kib=%d replies=%d requests=%d" % (sent, growth, got, want))


def halfclose(path):
    s = connect(path)
    s.sendall(b"get=1\n\n")
    s.shutdown(socket.SHUT_WR)
    time.sleep(0.5)
    out = read_to_eof(s)
    print("bytes=%d peers=%d complete=%d" % (len(out), out.count(b"\npublic_key="),
                                              int(out.endswith(b"errno=0\n\n"))))


def seteof(path, body):
    s = connect(path)
    s.sendall(b"set=1\n" + body.encode().decode("unicode_escape").encode())
    s.shutdown(socket.SHUT_WR)
    out = read_to_eof(s)
    print("reply=%r" % out.decode(errors="replace"))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"idle": idle, "pipeline": pipeline, "halfclose": halfclose, "seteof": seteof}[cmd](*args)


if __name__ == "__main__":
    main()
