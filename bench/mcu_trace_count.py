#!/usr/bin/env python3
"""Instructions per protocol step of the emulated device, from a QEMU execution trace.

bench/firmware-steps.sh runs one power-up of the device image under qemu-system-arm with
`-singlestep -d exec,nochain`: every translation block is one instruction and every executed one is
logged, so the trace is the CPU's instruction stream. This script rebuilds the call stack from it
(a call is a BL/BLX whose target is a function's entry; the call returns when the PC reaches the
instruction after it; a branch into another function's entry is a tail call) and prints, like
callgrind's inclusive counts restricted to a scope, the instructions executed inside FUNCTION while
SCOPE is on the stack. Functions the compiler inlined count too: the ELF's debug information
(-g, which leaves the code unchanged) says which inlined calls every instruction, and every call
site, sits in.

usage: mcu_trace_count.py ELF TRACE SCOPE:FUNCTION...
Names match with or without a compiler suffix (.constprop.0, .isra.0, .part.0); a function that
never ran in the trace counts 0, one absent from the ELF "absent".
"""
import re
import subprocess
import sys


def base(name):
    return re.sub(r"\.(constprop|isra|part|lto_priv)\.\d+", "", name)


def load_elf(elf):
    starts = {}  # entry address -> base name
    for line in subprocess.run(["arm-none-eabi-nm", elf], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "tTW":
            starts[int(f[0], 16) & ~1] = base(f[2])
    sizes, calls = {}, set()  # instruction address -> length; addresses of BL/BLX
    insn = re.compile(r"^\s*([0-9a-f]+):\s+((?:[0-9a-f]{4}\s)+)\s*(\S+)")
    for line in subprocess.run(["arm-none-eabi-objdump", "-d", elf], capture_output=True,
                               text=True, check=True).stdout.splitlines():
        m = insn.match(line)
        if m:
            addr = int(m.group(1), 16)
            sizes[addr] = 2 * len(m.group(2).split())
            if m.group(3) in ("bl", "blx"):
                calls.add(addr)
    return starts, sizes, calls


def load_inlining(elf, addresses):
    """address -> the functions inlined at it (innermost first, the containing function last)."""
    out = subprocess.run(["arm-none-eabi-addr2line", "-a", "-f", "-i", "-e", elf],
                         input="".join(f"0x{a:x}\n" for a in addresses), capture_output=True,
                         text=True, check=True).stdout.splitlines()
    chains, cur, i = {}, None, 0
    while i < len(out):
        line = out[i]
        if line.startswith("0x"):
            cur = int(line, 16)
            chains[cur] = []
            i += 1
            continue
        chains[cur].append(base(line))
        i += 2  # the name, then its file:line
    return {a: frozenset(c) for a, c in chains.items()}


def count(elf, trace, pairs):
    starts, sizes, calls = load_elf(elf)
    inlined = load_inlining(elf, sorted(sizes))
    present = set(starts.values()).union(*inlined.values())
    empty = frozenset()
    totals = {p: 0 for p in pairs}
    stack = []  # [name, return address, the functions inlined at its call site]
    prev = None
    pc_field = re.compile(r"\[[0-9a-f]+/([0-9a-f]+)/")
    with open(trace, errors="replace") as f:
        for line in f:
            m = pc_field.search(line)
            if not m:
                continue
            pc = int(m.group(1), 16)
            while stack and stack[-1][1] == pc:
                stack.pop()
            if pc in starts and prev is not None:
                if prev in calls:
                    stack.append([starts[pc], prev + sizes.get(prev, 4), inlined.get(prev, empty)])
                elif stack and starts.get(pc) != stack[-1][0]:
                    stack[-1][0] = starts[pc]  # tail call: same return address
                elif not stack:
                    stack.append([starts[pc], None, empty])
            elif prev is None and pc in starts:
                stack.append([starts[pc], None, empty])
            names = set(inlined.get(pc, empty))
            for frame in stack:
                names.add(frame[0])
                names |= frame[2]
            for (scope, fn) in pairs:
                if scope in names and fn in names:
                    totals[(scope, fn)] += 1
            prev = pc
    return {p: (totals[p] if p[0] in present and p[1] in present else None) for p in pairs}


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    pairs = [tuple(a.split(":", 1)) for a in sys.argv[3:]]
    for (scope, fn), n in count(sys.argv[1], sys.argv[2], pairs).items():
        print(f"{scope}:{fn} {n if n is not None else 'absent'}")


if __name__ == "__main__":
    main()
