#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential test: `harden show --systemd=252 --unit F` against what systemd 252 itself holds for F.

systemd dumps its parsed units without being PID 1: `systemd --test --system --unit=T` prints every
unit of T's start-up transaction. A target wanting every corpus unit (templates as foo@i.service,
the instance harden analyses for 252) gets the whole corpus in one run of about a second. A unit's
block starts at "\\t-> Unit NAME:" and ends at the next "\\t-> Unit "; settings are "\\t\\tKey: value".

Normalisations (systemd's dump spelling -> harden's `systemctl show` spelling), every one of them:
  SystemCallFilter         the dump prints the line only while the filter map exists: no line = harden
                           "~" (a deny list denying nothing). Else both are "[~]entry entry...": the
                           "~" (deny list) must agree and the entries are compared as a set (the dump
                           is in hashmap order, harden sorted). An entry's action after ':' is turned
                           into a number on both sides (errno names through Python's errno module, so
                           aliases such as EWOULDBLOCK/EAGAIN compare equal); "kill" stays "kill".
  SystemCallErrorNumber    dump "kill" = harden 2147483646 (systemd's SECCOMP_ERROR_NUMBER_KILL on
                           D-Bus); an errno name in the dump = its number; numbers as they are.
  SystemCallArchitectures  no line = harden "" (none set); else compared as a set of words.
  RestrictNamespaces       the dump prints the line only when systemd installs a namespace filter: no
                           line = harden "no"; dump "n/a" (no namespace allowed, the name list is
                           empty) = harden "yes"; else both name lists compared as sets.
  booleans                 "yes"/"no" on both sides, compared as they are: LockPersonality,
                           MemoryDenyWriteExecute, RestrictRealtime, RestrictSUIDSGID,
                           ProtectKernelTunables/Modules/Logs, ProtectClock, PrivateDevices,
                           ProtectHostname.
Not printed by systemd 252's dump, so NOT compared (said in the output too): RestrictAddressFamilies,
NoNewPrivileges, SystemCallLog (libsystemd-core-252.so has no "%sRestrictAddressFamilies" etc.).

Units systemd does not load (Unit Load State other than "loaded": bad-setting, error) are not
compared; they are counted and named, and `harden security` (the unit reader's verdicts) must refuse
exactly those. A unit in state "error" is run again in a later round without
the units loaded before it: systemd refuses the second of two services with the same BusName=
("Two services allocated for the same bus name"), which several corpus units share (systemd's own
units from v252 and from main). For the same reason only the corpus directory is on the unit path
(with the default path appended the machine's own systemd-logind etc. would take the bus names);
drop-in directories of the system search path that could apply to a corpus unit (service.d, prefix
and per-unit ones), which harden reads, are mirrored onto systemd's unit path so both see the same.

ALLOWED_DIFFERENCES lists differences explained as systemd bugs harden deliberately differs on, each
with its reason. It is empty: any difference fails the test.

usage: show_systemd_oracle.py HARDEN SYSTEMD CORPUS WORKDIR"""
import concurrent.futures, errno, json, os, pwd, re, shutil, subprocess, sys

harden, systemd, corpus, work = sys.argv[1:5]

# (unit file name, setting) -> why harden deliberately differs from systemd there. None so far.
ALLOWED_DIFFERENCES = {}

COMPARED = ["SystemCallFilter", "SystemCallErrorNumber", "SystemCallArchitectures", "RestrictNamespaces",
            "LockPersonality", "MemoryDenyWriteExecute", "RestrictRealtime", "RestrictSUIDSGID",
            "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectClock",
            "PrivateDevices", "ProtectHostname"]
NOT_IN_DUMP = ["RestrictAddressFamilies", "NoNewPrivileges", "SystemCallLog"]
SEARCH_PATH_252 = ["/etc/systemd/system.control", "/run/systemd/system.control", "/etc/systemd/system",
                   "/etc/systemd/system.attached", "/run/systemd/system", "/run/systemd/system.attached",
                   "/usr/local/lib/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"]
KILL = "2147483646"


def die(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


# ---- the units: copied flat into one directory nobody may read ----
units_dir = os.path.join(work, "units")
os.makedirs(units_dir)
files = []
for sub in ("units", "units-edge"):
    d = os.path.join(corpus, sub)
    for f in sorted(os.listdir(d)):
        p = os.path.join(d, f)
        if f.endswith(".service") and os.path.isfile(p) and not os.path.islink(p):
            if f in files:
                die(f"{f} is in units/ and units-edge/")
            shutil.copyfile(p, os.path.join(units_dir, f))
            files.append(f)


def dumped_name(f):  # the unit systemd loads for file f: a template as instance i (harden: foo@i.service)
    return f[:-len("@.service")] + "@i.service" if f.endswith("@.service") else f


# drop-in directories in the system search path that could apply to a corpus unit
def dropin_names(f):
    names = {"service.d", f + ".d"}
    if f.endswith("@.service"):
        names.add(dumped_name(f) + ".d")
    stem = f[:-len(".service")].rstrip("@")
    for i, c in enumerate(stem):  # prefix drop-ins: foo-.service.d for foo-bar.service
        if c == "-":
            names.add(stem[:i + 1] + ".service.d")
    return names


wanted = set()
for f in files:
    wanted |= dropin_names(f)
mirrors = []
for i, d in enumerate(SEARCH_PATH_252):
    try:
        entries = sorted(os.listdir(d))
    except OSError:
        continue
    hits = [e for e in entries if e in wanted and os.path.isdir(os.path.join(d, e))]
    if hits:
        m = os.path.join(work, "sysdropins", str(i))
        for e in hits:
            shutil.copytree(os.path.join(d, e), os.path.join(m, e))
        mirrors.append(m)
        print(f"note: drop-ins of {d} mirrored for systemd: {' '.join(hits)}")

for root, dirs, fs in os.walk(work):
    os.chmod(root, 0o755)
    for x in fs:
        os.chmod(os.path.join(root, x), 0o644)


# ---- systemd's side ----
def as_nobody():
    if os.geteuid() != 0:
        return []
    try:
        pw = pwd.getpwnam("nobody")  # systemd refuses test mode as root
    except KeyError:
        print("skip: running as root, and there is no user nobody to run systemd --test as", file=sys.stderr)
        sys.exit(77)
    if shutil.which("setpriv"):
        return ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups", "--"]
    if shutil.which("su"):
        return None  # handled by run_systemd
    print("skip: running as root, and neither setpriv nor su is there to drop to nobody", file=sys.stderr)
    sys.exit(77)


prefix = as_nobody()
unit_path = ":".join([units_dir] + mirrors)  # no trailing ':': the machine's own units stay out


def run_systemd(names, round_no):
    target = f"harden-oracle-{round_no}.target"
    with open(os.path.join(units_dir, target), "w") as t:
        t.write("[Unit]\nDescription=harden show oracle\n" + "".join(f"Wants={n}\n" for n in names))
    os.chmod(os.path.join(units_dir, target), 0o644)
    argv = ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", f"SYSTEMD_UNIT_PATH={unit_path}",
            systemd, "--test", "--system", f"--unit={target}", "--log-target=null", "--no-pager"]
    if prefix is None:
        argv = ["su", "nobody", "-s", "/bin/sh", "-c", " ".join("'" + a.replace("'", "'\\''") + "'" for a in argv)]
    else:
        argv = prefix + argv
    p = subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=120)
    if p.returncode != 0:
        die(f"systemd --test exited {p.returncode}: {p.stderr.strip()[:500]}")
    blocks, cur = {}, None
    for line in p.stdout.split("\n"):
        if line.startswith("\t-> Unit "):
            name = line[len("\t-> Unit "):].rstrip(":")
            cur = blocks.setdefault(name, {}) if name in names else None
        elif cur is not None and line.startswith("\t\t") and not line.startswith("\t\t\t") and ":" in line:
            k, _, v = line[2:].partition(":")
            cur.setdefault(k, v[1:] if v.startswith(" ") else v)
    return blocks


dump, pending, round_no = {}, [dumped_name(f) for f in files], 0
while pending and round_no < 5:
    round_no += 1
    got = run_systemd(set(pending), round_no)
    missing = [n for n in pending if n not in got]
    if missing:
        die(f"systemd's dump has no block for {len(missing)} unit(s), e.g. {missing[0]} "
            f"(can nobody read {units_dir}?)")
    again = [n for n in pending if got[n].get("Unit Load State") == "error"]
    for n in pending:
        if n not in dump or dump[n].get("Unit Load State") == "error":
            dump[n] = got[n]
    if len(again) == len(pending):  # no progress: these are errors of their own (e.g. not UTF-8)
        break
    pending = again


# ---- harden's side ----
def harden_show(f):
    p = subprocess.run([harden, "show", "--systemd=252", "--unit", os.path.join(units_dir, f)],
                       capture_output=True, text=True, errors="replace", timeout=60)
    if p.returncode != 0:
        return f, None, f"exit {p.returncode}: {p.stderr.strip()[-300:]}"
    kv = {}
    for line in p.stdout.splitlines():
        k, sep, v = line.partition("=")
        if sep:
            kv[k] = v
    return f, kv, None


loaded = [f for f in files if dump[dumped_name(f)].get("Unit Load State") == "loaded"]
refused = [(f, dump[dumped_name(f)].get("Unit Load State", "?")) for f in files if f not in loaded]
with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
    shown = {f: (kv, err) for f, kv, err in ex.map(harden_show, loaded)}


# ---- normalisation (see the top of the file) ----
def errno_number(word):
    if word == "kill" or re.fullmatch(r"-?[0-9]+", word):
        return word
    n = getattr(errno, word, None)
    return str(n) if isinstance(n, int) else word


def norm_filter(v):
    if v is None:
        return ("~", frozenset())
    deny = v.startswith("~")
    entries = set()
    for w in v[1:].split() if deny else v.split():
        name, sep, act = w.partition(":")
        entries.add(name + (":" + errno_number(act) if sep else ""))
    return ("~" if deny else "", frozenset(entries))


def norm(key, v, side):
    if key == "SystemCallFilter":
        return norm_filter(v)
    if key == "SystemCallErrorNumber":
        return KILL if v == "kill" else errno_number(v) if v is not None else None
    if key == "SystemCallArchitectures":
        return frozenset((v or "").split())
    if key == "RestrictNamespaces":
        if side == "systemd":
            v = "no" if v is None else "yes" if v == "n/a" else v
        return v if v in ("yes", "no") else frozenset(v.split())
    return v


def show(v):
    if isinstance(v, tuple):
        return v[0] + " ".join(sorted(v[1]))
    if isinstance(v, frozenset):
        return " ".join(sorted(v))
    return str(v)


compared = equal = 0
failures, allowed = [], []
for f in loaded:
    kv, err = shown[f]
    if err:
        failures.append(f"{f}: harden show failed: {err}")
        continue
    d = dump[dumped_name(f)]
    for key in COMPARED:
        if key not in kv:
            failures.append(f"{f}: harden show printed no {key}=")
            continue
        s_v, h_v = norm(key, d.get(key), "systemd"), norm(key, kv[key], "harden")
        compared += 1
        if s_v == h_v:
            equal += 1
            continue
        why = ALLOWED_DIFFERENCES.get((f, key))
        msg = f"{f}: {key}:\n    systemd: {show(s_v)}\n    harden:  {show(h_v)}"
        if isinstance(s_v, tuple) and isinstance(h_v, tuple) and s_v[0] == h_v[0]:
            only_s, only_h = sorted(s_v[1] - h_v[1]), sorted(h_v[1] - s_v[1])
            msg = f"{f}: {key} ({s_v[0] or 'allow list'}): only in systemd: {' '.join(only_s) or '-'}; " \
                  f"only in harden: {' '.join(only_h) or '-'}"
        (allowed if why else failures).append(msg + (f"\n    allowed: {why}" if why else ""))

# ---- the unit reader's verdicts: harden security refuses exactly the units systemd does not load ----
def harden_refused():
    p = subprocess.run([harden, "security", "--systemd=252", "--json=short"] + files, cwd=units_dir,
                       capture_output=True, text=True, errors="replace", timeout=300)
    try:
        doc = json.loads(p.stdout)
        return {e.get("unit_file") or e.get("file") for e in doc["errors"]}
    except (ValueError, KeyError, TypeError) as e:
        failures.append(f"harden security --json gave no document ({e}): {p.stderr.strip()[-300:]}")
        return None


h_refused, s_refused = harden_refused(), {f for f, _ in refused}
if h_refused is not None:
    if h_refused != s_refused:
        failures.append("refused units differ: only systemd refuses: "
                        f"{' '.join(sorted(s_refused - h_refused)) or '-'}; only harden refuses: "
                        f"{' '.join(sorted(h_refused - s_refused)) or '-'}")
    else:
        print(f"refused units: harden security refuses the same {len(h_refused)} units systemd does not load")

print(f"systemd runs: {round_no} (a unit refused for a shared BusName= is run again without the other)")
print(f"not loaded by systemd, not compared: {len(refused)}: " +
      ", ".join(f"{f} ({s})" for f, s in refused))
print("not printed by systemd 252's dump: not compared: " + ", ".join(NOT_IN_DUMP))
for a in allowed:
    print("allowed difference: " + a)
print(f"{len(loaded)} units, {compared} settings compared, {equal} equal")
if not loaded:
    die("systemd loaded no corpus unit")
if failures:
    for m in failures[:40]:
        print("FAIL: " + m, file=sys.stderr)
    if len(failures) > 40:
        print(f"FAIL: ... and {len(failures) - 40} more", file=sys.stderr)
    sys.exit(1)
