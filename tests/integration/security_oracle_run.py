#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run the oracle, systemd-analyze security --offline=true, over every *.service in DIR and store
DIR-OUT/F.json and DIR-OUT/F.txt as the corpus does (empty files for a refused unit).

systemd-analyze takes many units per call but stops at the first one it refuses, so units are run in
batches and a failing batch is split in halves until the refused units are alone: a few dozen calls
instead of two per unit.

usage: security_oracle_run.py DIR OUTDIR [EXTRA_OPTION...]   (e.g. --security-policy=FILE)
With HARDEN_ORACLE_ROOT=ROOT (DIR inside it), systemd-analyze is ROOT's, run in it with chroot: another
systemd version's (a debootstrap root of Debian 13 or sid, see systemd_live_versions.sh)."""
import os, re, subprocess, sys

src, out, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
os.makedirs(out, exist_ok=True)
env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C.UTF-8", "SYSTEMD_COLORS": "0",
       "SYSTEMD_PAGER": "", "HOME": "/root"}
# symlinks are aliases: systemd reports them under their target's name; they are skipped here
files = sorted(f for f in os.listdir(src) if f.endswith(".service") and not os.path.islink(os.path.join(src, f)))
overall = re.compile(r"^→ Overall exposure level for .*$", re.M)
calls = 0

def analyze(batch, json):
    global calls
    calls += 1
    args = ["systemd-analyze", "security", "--offline=true"] + extra + (["--json=short"] if json else []) + batch
    root = os.environ.get("HARDEN_ORACLE_ROOT")
    if root:
        inner = "/" + os.path.relpath(os.path.abspath(src), os.path.abspath(root))
        args = ["chroot", root, "env", "-C", inner] + args
    p = subprocess.run(args, cwd=src, env=env, capture_output=True, text=True, errors="replace")
    return p.returncode, p.stdout

def store(f, js, txt):
    open(os.path.join(out, f + ".json"), "w").write(js)
    open(os.path.join(out, f + ".txt"), "w").write(txt)

def run(batch):
    rc, js = analyze(batch, True)
    lines = js.splitlines()
    if rc == 0 and len(lines) == len(batch):
        rc, txt = analyze(batch, False)
        # each unit's table ends with its overall line; split right after each one
        ends = [m.end() for m in overall.finditer(txt)]
        if rc == 0 and len(ends) == len(batch):
            starts = [0] + ends[:-1]
            for f, line, a, b in zip(batch, lines, starts, ends):
                store(f, line + "\n", txt[a:b].lstrip("\n") + "\n")
            return
    if len(batch) == 1:
        store(batch[0], "", "")  # refused
        return
    half = len(batch) // 2
    run(batch[:half])
    run(batch[half:])

for i in range(0, len(files), 64):
    run(files[i:i + 64])
print(f"oracle: {len(files)} units in {calls} systemd-analyze calls", file=sys.stderr)
