#!/usr/bin/env python3
"""Derive, from a libc's own machine code, which syscalls each exported function makes.

Used to write and check src/lib/elf/wrappers.c (not at build time): objdump -d the library, find every
`mov $N,%eax ... syscall` in each dynamic symbol's range and follow direct call/jmp targets a few
levels deep. Over-approximates (error paths, unlabeled static helpers share their neighbour's range).
usage: scripts/libc-syscalls.py [LIBC] [DEPTH] [FUNC...]
"""
import re, subprocess, sys

libc = sys.argv[1] if len(sys.argv) > 1 else "/lib/x86_64-linux-gnu/libc.so.6"
depth = int(sys.argv[2]) if len(sys.argv) > 2 else 2
want = sys.argv[3:]
nrs = {}
for line in subprocess.run(["scmp_sys_resolver", "-a", "x86_64", "-h"], capture_output=True, text=True).stdout.splitlines():
    pass
dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", libc], capture_output=True, text=True).stdout
# objdump labels one name per address; map every exported alias to that range
alias = {}
for l in subprocess.run(["nm", "-D", "--defined-only", libc], capture_output=True, text=True).stdout.splitlines():
    q = l.split()
    if len(q) == 3:
        alias.setdefault(int(q[0], 16), set()).add(q[2].split("@")[0])
label = re.compile(r"^([0-9a-f]+) <([^>]+)>:$")
ins = re.compile(r"^\s+([0-9a-f]+):\s+(\S+)\s*(.*)$")
funcs = {}   # name -> dict(sys=set, calls=set)
cur = None
last_eax = None
for line in dis.splitlines():
    m = label.match(line)
    if m:
        name = m.group(2).split("@")[0]
        cur = funcs.setdefault(name, {"sys": set(), "calls": set()})
        for a in alias.get(int(m.group(1), 16), ()):
            funcs[a] = cur
        last_eax = None
        continue
    m = ins.match(line)
    if not m or cur is None:
        continue
    op, args = m.group(2), m.group(3)
    mm = re.match(r"\$0x([0-9a-f]+),%(e|r)ax$", args)
    if op == "mov" and mm:
        last_eax = int(mm.group(1), 16)
    elif op == "syscall":
        cur["sys"].add(last_eax if last_eax is not None else -1)
    elif op in ("call", "jmp") or op.startswith("j"):
        t = re.search(r"<([^>+]+)(\+0x[0-9a-f]+)?>", args)
        if t and op in ("call", "jmp"):
            cur["calls"].add(t.group(1).split("@")[0])
    if re.search(r",%(e|r)ax$", args) and not (op == "mov" and mm):
        if op not in ("cmp", "test"):
            last_eax = None

names = {}
out = subprocess.run(["sh", "-c", "for i in $(seq 0 460); do echo $i $(scmp_sys_resolver -a x86_64 $i); done"], capture_output=True, text=True).stdout
for l in out.splitlines():
    p = l.split()
    if len(p) == 2:
        names[int(p[0])] = p[1]

def closure(f, d, seen):
    if f in seen or f not in funcs:
        return set()
    seen.add(f)
    s = set(funcs[f]["sys"])
    if d > 0:
        for c in funcs[f]["calls"]:
            s |= closure(c, d - 1, seen)
    return s

for f in (want or sorted(funcs)):
    s = closure(f, depth, set())
    print(f, " ".join(sorted(names.get(n, "?%d" % n) for n in s)))
