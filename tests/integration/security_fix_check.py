#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""--fix promises an exposure for each unit once its drop-in is installed. Install every drop-in from
`harden security --fix --json=short DIR` as DIR/UNIT.d/harden.conf and ask systemd-analyze 252 for the
real figure (batched). Exit 0 only if every announced figure is the one systemd-analyze gives.

usage: security_fix_check.py HARDEN_FIX_JSON DIR"""
import json, os, re, subprocess, sys

doc, d = json.load(open(sys.argv[1])), sys.argv[2]
env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C.UTF-8", "SYSTEMD_COLORS": "0", "HOME": "/root"}
announced = {}
for u in doc["units"]:
    f = os.path.basename(u["file"])
    os.makedirs(os.path.join(d, f + ".d"), exist_ok=True)
    with open(os.path.join(d, f + ".d", "harden.conf"), "w") as out:
        out.write(u["dropin"])
    announced[u["unit"]] = (f, u["exposure"], u["exposure_after_fix"])
files = sorted(v[0] for v in announced.values())
got = {}
for i in range(0, len(files), 50):
    p = subprocess.run(["systemd-analyze", "security", "--offline=true"] + files[i:i + 50], cwd=d, env=env,
                       capture_output=True, text=True, errors="replace")
    if p.returncode != 0:
        print("systemd-analyze refused a unit with its --fix drop-in:", p.stderr.strip().splitlines()[-1:])
    got.update(re.findall(r"Overall exposure level for (\S+): (\d+\.\d)", p.stdout))
bad = 0
for unit, (f, before, after) in sorted(announced.items()):
    if got.get(unit) != after:
        bad += 1
        print(f"MISMATCH {f}: --fix announced {after}, systemd-analyze gives {got.get(unit)} with the drop-in")
afters = sorted(float(v[2]) for v in announced.values())
befores = sorted(float(v[1]) for v in announced.values())
print(f"--fix: {len(announced) - bad}/{len(announced)} drop-ins reach exactly the announced exposure in systemd-analyze; "
      f"median exposure {befores[len(befores) // 2]} -> {afters[len(afters) // 2]}, worst after fix {afters[-1]}")
sys.exit(1 if bad else 0)
