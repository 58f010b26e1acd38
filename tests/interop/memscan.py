#!/usr/bin/env python3
"""Looks for a WireGuard private key in a running process's memory, split the way a core dump
splits it: mappings the kernel writes into a core (everything readable except VM_DONTDUMP, "dd" in
/proc/PID/smaps) and those it leaves out. For tests/interop/keymem.sh (run as root).

Usage: memscan.py PID BASE64_PRIVATE_KEY
Prints "dumped=N excluded=M" (how many copies, in any of the key's forms: raw, clamped raw, hex
in either case, base64) and one line per copy found in dumped memory with its mapping.
"""
import base64
import re
import sys

HEADER = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$")


def mappings(pid):
    out, cur = [], None
    with open("/proc/%s/smaps" % pid) as f:
        for line in f:
            m = HEADER.match(line)
            if m:
                cur = {"start": int(m.group(1), 16), "end": int(m.group(2), 16),
                       "perms": m.group(3), "name": m.group(4), "flags": []}
                out.append(cur)
            elif line.startswith("VmFlags:") and cur is not None:
                cur["flags"] = line.split()[1:]
    return out


def forms(key):
    clamped = bytearray(key)
    clamped[0] &= 248
    clamped[31] = (clamped[31] & 127) | 64
    out = set()
    for k in (bytes(key), bytes(clamped)):
        out.update({k, k.hex().encode(), k.hex().upper().encode(), base64.b64encode(k)})
    return out


def main():
    pid, b64 = sys.argv[1], sys.argv[2]
    needles = forms(base64.b64decode(b64))
    dumped, excluded, where = 0, 0, []
    with open("/proc/%s/mem" % pid, "rb", buffering=0) as mem:
        for m in mappings(pid):
            if "r" not in m["perms"] or m["name"] in ("[vvar]", "[vsyscall]", "[vvar_vclock]"):
                continue
            try:
                mem.seek(m["start"])
                data = mem.read(m["end"] - m["start"])
            except (OSError, OverflowError, ValueError):
                continue
            n = sum(data.count(k) for k in needles)
            if "dd" in m["flags"]:
                excluded += n
            elif n:
                dumped += n
                where.append("%x-%x %s %s" % (m["start"], m["end"], m["perms"], m["name"]))
    print("dumped=%d excluded=%d" % (dumped, excluded))
    for w in where:
        print("  in " + w)


if __name__ == "__main__":
    main()
