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
                           line = harden "no"; dump "n/a" (252, 257) or "" (262) = no namespace
                           allowed, the name list is empty = harden "yes" (the same 41 corpus units
                           print "n/a" in 257's dumps and "" in 262's); else both name lists compared
                           as sets.
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
with its reason. It is empty. ALLOWED_ENTRIES lists SystemCallFilter= entries that may be on one side
only in the recorded versions, because the libseccomp systemd was built against there is not the one
harden runs with (a call it does not know, a name it prints a shared number by), each with its reason
and evidence. Any other difference fails the test.

Recorded mode (--recorded=N): the same comparison of `harden show --systemd=N` against the dumps of
systemd N recorded in CORPUS/expected-systemdN/F.test (N = 257: Debian 13's 257.13, N = 262: sid's 262.1;
how they were made is the last section of the corpus README), instead of running systemd. Every corpus
unit must have its F.test (a missing one fails, naming it). Those runs were one unit per `systemd --test
--unit=NAME` in a minimal root, so there is no BusName= round and no drop-in (the root had none; drop-ins
of this machine's search path that harden would read are named). An empty F.test means systemd printed
no block: the unit's start-up transaction needed a unit the root lacks, so `systemd --test` failed
before its dump. Every such unit must show why (checked: else the test fails): a Requires=, BindsTo= or
Requisite= line (of a .socket, docker.service, ...), or Type=dbus, also implied by BusName= without
Type=, which requires dbus.socket (61 units for 257 and for 262: 40, 10 and 11). There is nothing to
compare for them; they are counted and named, and systemd-analyze security N (F.err's exit_code_json) says whether systemd loaded them, for
the check that `harden security --systemd=N` refuses exactly the units systemd did not load. The blocks
start at "\\t\\u2192 Unit NAME:" (257 and later) or "\\t-> Unit NAME:". The dumps of 257 and 262 print the
same seccomp settings as 252's (NOT_IN_DUMP are printed by none of them: checked, a recorded dump that
prints one fails the test until it is compared).

usage: show_systemd_oracle.py HARDEN SYSTEMD CORPUS WORKDIR
       show_systemd_oracle.py --recorded=N HARDEN CORPUS WORKDIR
       show_systemd_oracle.py --root=ROOT --version=N HARDEN CORPUS WORKDIR   (live: ROOT's own systemd N,
       chrooted, as nobody, in a mount namespace with /proc, /sys and a cgroup2; WORKDIR inside ROOT)"""
import concurrent.futures, errno, json, os, pwd, re, shutil, subprocess, sys

recorded = chroot_dir = None
if len(sys.argv) > 1 and sys.argv[1].startswith("--recorded="):
    recorded = sys.argv[1][len("--recorded="):]
    harden, corpus, work = sys.argv[2:5]
    systemd = None
elif len(sys.argv) > 2 and sys.argv[1].startswith("--root=") and sys.argv[2].startswith("--version="):
    # live in another root (a debootstrap root of Debian 13 or sid, see systemd_live_versions.sh): its
    # own systemd --test, chrooted, in a mount namespace of its own with /proc, /sys and a cgroup2 there;
    # WORKDIR must be inside the root
    chroot_dir = os.path.abspath(sys.argv[1][len("--root="):])
    root_version = sys.argv[2][len("--version="):]
    harden, corpus, work = sys.argv[3:6]
    systemd = "/lib/systemd/systemd"
else:
    harden, systemd, corpus, work = sys.argv[1:5]
VERSION = recorded or (root_version if chroot_dir else "252")


def in_root(path):  # a path of the host as the root's systemd sees it
    return "/" + os.path.relpath(os.path.abspath(path), chroot_dir) if chroot_dir else path

# (unit file name, setting) -> why harden deliberately differs from systemd there. None so far.
ALLOWED_DIFFERENCES = {}

# Entries of a SystemCallFilter= list that may be only on one side, per version (recorded mode; the live
# 252 run's systemd and harden share this machine's libseccomp, so none apply there). A rule is
# (versions, names only systemd may have, names only harden may have, reason); with names on both sides
# it is a swap, allowed only whole. A list whose every difference a rule explains counts as allowed (and
# not as equal), and the output names the rule and the units.
ALLOWED_ENTRIES = {
    "libseccomp-2.6.0": (
        {"257"}, set(), {"file_getattr", "file_setattr"},
        "Debian 13's libseccomp (libseccomp2 2.6.0-2, its syscall table Linux 6.13's) does not know these "
        "Linux 6.17 calls, so systemd 257 drops them from @file-system (and @system-service, which holds it); "
        "libseccomp added them after 2.6.0 (src/syscalls.csv of v2.6.1 and main has them, of v2.6.0 not), "
        "and sid's systemd 262 (a newer libseccomp) keeps them. harden models a libseccomp that knows every "
        "numbered call (src/lib/syscalls/syscalls_new.c), as on an up-to-date system."),
    "pnr-10191": (
        {"257", "262"}, {"sys_debug_setcontext"}, {"switch_endian"},
        "one call under two names: libseccomp gives the powerpc-only calls switch_endian and "
        "sys_debug_setcontext the same pseudo number on x86-64 (__PNR_* -10191 in include/seccomp-syscalls.h), "
        "so systemd's map (keyed by number) holds one entry, printed by the name libseccomp resolves the "
        "number back to: sys_debug_setcontext with the libseccomp 2.6 of Debian 13 and sid, switch_endian "
        "with this machine's (harden prints the map by the installed libseccomp, hd_syscall_map_name). "
        "Neither call exists on x86-64: the installed filters are the same."),
}

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


failures_early = []
if recorded is None:
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


    prefix = as_nobody() if not chroot_dir else []
    unit_path = ":".join(in_root(d) for d in [units_dir] + mirrors)  # no trailing ':': the machine's own units stay out


    def run_systemd(names, round_no):
        target = f"harden-oracle-{round_no}.target"
        with open(os.path.join(units_dir, target), "w") as t:
            t.write("[Unit]\nDescription=harden show oracle\n" + "".join(f"Wants={n}\n" for n in names))
        os.chmod(os.path.join(units_dir, target), 0o644)
        argv = ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", f"SYSTEMD_UNIT_PATH={unit_path}",
                systemd, "--test", "--system", f"--unit={target}", "--log-target=null", "--no-pager"]
        if chroot_dir:
            # the root's systemd, as nobody, in a mount namespace with what systemd --test needs
            script = ('R=$1; shift; mount -t proc proc "$R/proc" && mount -t sysfs sysfs "$R/sys" && '
                      'mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup" && exec chroot --userspec=65534:65534 "$R" "$@"')
            argv = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", chroot_dir] + argv
        elif prefix is None:
            argv = ["su", "nobody", "-s", "/bin/sh", "-c", " ".join("'" + a.replace("'", "'\\''") + "'" for a in argv)]
        else:
            argv = prefix + argv
        p = subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=120)
        if p.returncode != 0:
            die(f"systemd --test exited {p.returncode}: {p.stderr.strip()[:500]}")
        blocks, cur = {}, None
        for line in p.stdout.split("\n"):
            if line.startswith("\t-> Unit ") or line.startswith("\t\u2192 Unit "):
                name = line.split(" Unit ", 1)[1].rstrip(":")
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
else:  # recorded mode: the dumps in CORPUS/expected-systemdN/F.test
    def needs_absent_unit(path):
        """Whether the unit's transaction needs another unit: a hard dependency, or Type=dbus (set, or
        implied by BusName= without Type=), whose Requires=dbus.socket the minimal root cannot meet."""
        with open(path, encoding="utf-8", errors="replace") as u:
            keys = {}
            for line in u:
                k, sep, v = line.strip().partition("=")
                if sep:
                    keys.setdefault(k.strip(), []).append(v.strip())
        if any(v for k in ("Requires", "BindsTo", "Requisite") for v in keys.get(k, [])):
            return True
        types = [t for t in keys.get("Type", []) if t]
        return (types[-1] == "dbus") if types else any(keys.get("BusName", []))

    rec_dir = os.path.join(corpus, f"expected-systemd{recorded}")
    missing = [f for f in files if not os.path.isfile(os.path.join(rec_dir, f + ".test"))]
    if missing:
        die(f"the corpus has no recorded dump for {len(missing)} unit(s): no {os.path.join(rec_dir, missing[0] + '.test')}"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
    if mirrors:
        print(f"note: this machine's drop-ins above apply to harden's side but were not in the root the dumps "
              f"of {recorded} were recorded in: a difference on those units may be theirs")
    dump, no_block = {}, []
    for f in files:
        name, cur = dumped_name(f), None
        with open(os.path.join(rec_dir, f + ".test"), encoding="utf-8", errors="replace") as t:
            text = t.read()
        for line in text.split("\n"):
            if line.startswith("\t\u2192 Unit ") or line.startswith("\t-> Unit "):
                u = line.split(" Unit ", 1)[1].rstrip(":")
                if cur is not None or u != name:
                    die(f"{rec_dir}/{f}.test: a block for {u}, expected one block for {name}")
                cur = dump[name] = {}
            elif cur is not None and line.startswith("\t\t") and not line.startswith("\t\t\t") and ":" in line:
                k, _, v = line[2:].partition(":")
                cur.setdefault(k, v[1:] if v.startswith(" ") else v)
        if cur is None:
            if text.strip():
                die(f"{rec_dir}/{f}.test has no line '\t\u2192 Unit {name}:'")
            # no block: did systemd N load the unit? its systemd-analyze security said (F.err)
            try:
                with open(os.path.join(rec_dir, f + ".err"), encoding="utf-8", errors="replace") as e:
                    ok = e.readline().strip() == "exit_code_json: 0"
            except OSError:
                die(f"{rec_dir}/{f}.test is empty and there is no {f}.err to say whether systemd loaded it")
            dump[name] = {"Unit Load State": "no block" if ok else "refused (no block)"}
            if ok and not needs_absent_unit(os.path.join(units_dir, f)):
                failures_early.append(f"{rec_dir}/{f}.test is empty, but the unit needs no other unit "
                                      "(no Requires=/BindsTo=/Requisite=, not Type=dbus): why did systemd print no block?")
            no_block.append(f)
    printed = set()
    for blk in dump.values():
        printed |= set(blk)
    for key in NOT_IN_DUMP:
        if key in printed:
            failures_early.append(f"the recorded dumps of {recorded} print {key}:, which this test does not "
                                  "compare yet: add its normalisation")
    round_no = 0


# ---- harden's side ----
def harden_show(f):
    p = subprocess.run([harden, "show", f"--systemd={VERSION}", "--unit", os.path.join(units_dir, f)],
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
refused = [(f, dump[dumped_name(f)].get("Unit Load State", "?")) for f in files if f not in loaded and
           dump[dumped_name(f)].get("Unit Load State") != "no block"]
unseen = [f for f in files if dump[dumped_name(f)].get("Unit Load State") == "no block"]
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
            v = "no" if v is None else "yes" if v in ("n/a", "") else v
        return v if v in ("yes", "no") else frozenset(v.split())
    return v


def show(v):
    if isinstance(v, tuple):
        return v[0] + " ".join(sorted(v[1]))
    if isinstance(v, frozenset):
        return " ".join(sorted(v))
    return str(v)


compared = equal = 0
failures, allowed = list(failures_early), []
allowed_entries, equal_but_allowed = {}, []
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
            only_s, only_h = set(s_v[1] - h_v[1]), set(h_v[1] - s_v[1])
            msg = f"{f}: {key} ({s_v[0] or 'allow list'}): only in systemd: {' '.join(sorted(only_s)) or '-'}; " \
                  f"only in harden: {' '.join(sorted(only_h)) or '-'}"
            # entries explained by ALLOWED_ENTRIES: what is left must be nothing
            hits = []
            for rule, (vers, s_names, h_names, reason) in ALLOWED_ENTRIES.items():
                if VERSION not in vers:
                    continue
                got_s, got_h = only_s & s_names, only_h & h_names
                if s_names and h_names and bool(got_s) != bool(got_h):
                    continue  # a swap must be whole: one name for the other
                if got_s or got_h:
                    hits.append(rule)
                    only_s, only_h = only_s - got_s, only_h - got_h
            if hits and not only_s and not only_h:
                for rule in hits:
                    allowed_entries.setdefault(rule, []).append(f)
                equal_but_allowed.append(f)
                continue
        (allowed if why else failures).append(msg + (f"\n    allowed: {why}" if why else ""))

# ---- the unit reader's verdicts: harden security refuses exactly the units systemd does not load ----
def harden_refused():
    p = subprocess.run([harden, "security", f"--systemd={VERSION}", "--json=short"] + files, cwd=units_dir,
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

if recorded:
    print(f"recorded dumps of systemd {recorded}: {os.path.join(corpus, 'expected-systemd' + recorded)}")
    print(f"no block in the recorded dump (its transaction needed a unit the recording root lacks: "
          f"Requires=/BindsTo=/Requisite=, or Type=dbus and so dbus.socket), loaded by systemd "
          f"{recorded} per its security run, not compared: {len(unseen)}: " + ", ".join(unseen))
else:
    print(f"systemd runs: {round_no} (a unit refused for a shared BusName= is run again without the other)")
print(f"not loaded by systemd, not compared: {len(refused)}: " +
      ", ".join(f"{f} ({s})" for f, s in refused))
print(f"not printed by systemd {VERSION}'s dump: not compared: " + ", ".join(NOT_IN_DUMP))
for a in allowed:
    print("allowed difference: " + a)
for rule, units in allowed_entries.items():
    vers, s_names, h_names, reason = ALLOWED_ENTRIES[rule]
    print(f"allowed difference [{rule}] in {len(units)} units: only in systemd: {' '.join(sorted(s_names)) or '-'}, "
          f"only in harden: {' '.join(sorted(h_names)) or '-'}: {reason}\n    units: {' '.join(units)}")
print(f"systemd {VERSION}: {len(loaded)} units, {compared} settings compared, {equal} equal"
      + (f" ({len(equal_but_allowed)} more differ only by an allowed difference)" if equal_but_allowed else ""))
if not loaded:
    die("systemd loaded no corpus unit")
if failures:
    for m in failures[:40]:
        print("FAIL: " + m, file=sys.stderr)
    if len(failures) > 40:
        print(f"FAIL: ... and {len(failures) - 40} more", file=sys.stderr)
    sys.exit(1)
