#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare `harden security --json=short` (one document for many units) with systemd-analyze 252's
outputs laid out as corpus/expected-systemd252: F.json (array), F.txt (table ending in the overall
line), F.err (exit codes). Every json_field's `set` and `exposure`, and the overall figure, must match.

usage: security_compare.py HARDEN_JSON EXPECTED_DIR FILE...   (FILE: unit file names)
Prints one line per mismatch and a summary; exit 0 only when everything matches."""
import json, os, re, sys

harden = json.load(open(sys.argv[1]))
expected_dir = sys.argv[2]
files = sys.argv[3:]
by_file = {os.path.basename(u["file"]): u for u in harden["units"]}
errors = {os.path.basename(e["unit_file"]): e["error"] for e in harden["errors"]}
overall_re = re.compile(r"Overall exposure level for (\S+): (\d+\.\d) ")

units_ok = units_bad = fields_ok = fields_bad = rejected_ok = 0
for f in files:
    exp_json = open(os.path.join(expected_dir, f + ".json"), encoding="utf-8", errors="replace").read().strip()
    exp_txt = open(os.path.join(expected_dir, f + ".txt"), encoding="utf-8", errors="replace").read()
    if not exp_json:  # systemd refused the unit: so must we
        if f in errors and f not in by_file:
            rejected_ok += 1
        else:
            units_bad += 1
            print(f"MISMATCH {f}: systemd refuses this unit, harden scored it")
        continue
    if f not in by_file:
        units_bad += 1
        print(f"MISMATCH {f}: systemd scores this unit, harden refused it: {errors.get(f)}")
        continue
    ours = {row["json_field"]: row for row in by_file[f]["checks"]}
    theirs = {row["json_field"]: row for row in json.loads(exp_json)}
    bad = []
    for field, t in theirs.items():
        o = ours.get(field)
        if o is None:
            bad.append(f"{field}: missing")
        elif (o["set"], o["exposure"]) != (t["set"], t["exposure"]):
            bad.append(f"{field}: ours set={o['set']} exposure={o['exposure']}, systemd set={t['set']} exposure={t['exposure']} ({t['description']})")
    for field in ours:
        if field not in theirs:
            bad.append(f"{field}: not in systemd's output")
    m = overall_re.search(exp_txt)
    if not m:
        bad.append("no overall line in systemd's text output")
    else:
        if m.group(2) != by_file[f]["exposure"]:
            bad.append(f"overall: ours {by_file[f]['exposure']}, systemd {m.group(2)}")
        if m.group(1) != by_file[f]["unit"]:
            bad.append(f"unit name: ours {by_file[f]['unit']}, systemd {m.group(1)}")
    fields_bad += len(bad)
    fields_ok += len(theirs) + 1 - len(bad)
    if bad:
        units_bad += 1
        for b in bad:
            print(f"MISMATCH {f}: {b}")
    else:
        units_ok += 1
total = units_ok + units_bad + rejected_ok
print(f"security oracle: {units_ok} scored units identical, {rejected_ok} refused by both, {units_bad} differ; "
      f"{fields_ok} values (81 rows + overall per unit) equal, {fields_bad} differ; {units_ok + rejected_ok}/{total} units match")
sys.exit(0 if units_bad == 0 else 1)
