#!/bin/sh
# harden check's command line: #! interpreters, '+' commands, missing programs (file:line, exit 1),
# a foreign architecture killed by SystemCallArchitectures=, usage errors (exit 2), --help.
set -u
: "${HARDEN:?}" "${SRCDIR:?}"
command -v python3 >/dev/null || { echo "skip: python3 needed" >&2; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }

# a python script behind env, in a unit whose ExecStart= names it
printf '#!/usr/bin/env python3\nimport os\nos.chown("/tmp", 0, 0)\n' >"$tmp/job.py"
chmod +x "$tmp/job.py"
sed "s|@SCRIPT@|$tmp/job.py|" "$SRCDIR/tests/data/check-script.service" >"$tmp/check-script.service"
"$HARDEN" check --json --systemd=252 "$tmp/check-script.service" >"$tmp/s.json" || no "script unit: exit $?"
python3 - "$tmp/s.json" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
cmds = r["commands"]
assert cmds[0]["setting"] == "ExecStartPre" and cmds[0].get("unfiltered") is True, "'+' command not unfiltered"
progs = [p["path"] for p in cmds[1]["programs"]]
assert progs[0].endswith("job.py") and cmds[1]["programs"][0].get("script"), progs
assert any(p.endswith("/env") for p in progs), "env not scanned: %s" % progs
assert any("python3" in p for p in progs), "python3 not scanned: %s" % progs
py = [p for p in cmds[1]["programs"] if "python3" in p["path"]][0]
assert any(b["syscall"] == "fchown" for b in py["blocked"]), "python3's fchown not flagged"
assert any("dlopen" in l for l in py["not_analysed"]), "python3's dlopen not reported as a limit"
PY

# a missing program: error names the unit file and line, exit 1
printf '[Service]\nExecStart=/nonexistent/harden-prog\n' >"$tmp/missing.service"
"$HARDEN" check "$tmp/missing.service" >"$tmp/m.out" 2>"$tmp/m.err"
[ $? -eq 1 ] || no "missing program: exit not 1"
grep -q "missing.service:2: error: .*harden-prog.*not found" "$tmp/m.err" || { no "missing program: no file:line error"; cat "$tmp/m.err"; }

# a 32-bit x86 program (crafted: ELF header and one PT_LOAD with int-free code) under
# SystemCallArchitectures=native on x86-64: every syscall of it is killed
python3 - "$tmp/prog32" <<'PY'
import struct, sys, os
code = b"\xb8\x01\x00\x00\x00\xcd\x80"  # mov $1,%eax; int $0x80 (exit)
eh = b"\x7fELF\x01\x01\x01" + b"\0" * 9 + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, 0x8048054, 52, 0, 0, 52, 32, 1, 0, 0, 0)
ph = struct.pack("<IIIIIIII", 1, 0, 0x8048000, 0x8048000, 84 + len(code), 84 + len(code), 5, 0x1000)
open(sys.argv[1], "wb").write(eh + ph + code)
os.chmod(sys.argv[1], 0o755)
PY
if [ "$(uname -m)" = x86_64 ]; then
	"$HARDEN" check --json -p SystemCallArchitectures=native --exec "$tmp/prog32" >"$tmp/a.json"
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); p=r["commands"][0]["programs"][0]; assert p["arch"]=="x86" and p["blocked"][0]["syscall"]=="*", p' "$tmp/a.json" \
		|| no "x86 program under SystemCallArchitectures=native not reported as killed"
	"$HARDEN" check --json -p SystemCallArchitectures="native x86" --exec "$tmp/prog32" >"$tmp/b.json"
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); p=r["commands"][0]["programs"][0]; assert not p["blocked"], p' "$tmp/b.json" \
		|| no "x86 program flagged although SystemCallArchitectures= lists x86"
fi

# hostile input as a program: a truncated ELF file is a clean error (exit 1, file named)
head -c 100 /bin/true >"$tmp/trunc"
chmod +x "$tmp/trunc"
"$HARDEN" check --exec "$tmp/trunc" >/dev/null 2>"$tmp/t.err"
[ $? -eq 1 ] || no "truncated ELF: exit not 1"
grep -q "trunc" "$tmp/t.err" || no "truncated ELF: error does not name the file"

# settings systemd implements with seccomp besides SystemCallFilter=: ProtectClock= refuses
# clock_settime (date imports it); MemoryDenyWriteExecute= refuses mmap only for some arguments
"$HARDEN" check --json --systemd=252 -p ProtectClock=yes -p MemoryDenyWriteExecute=yes --exec date >"$tmp/p.json"
python3 - "$tmp/p.json" <<'PY' || fail=1
import json, sys
p = json.load(open(sys.argv[1]))["commands"][0]["programs"][0]
b = {x["syscall"]: x for x in p["blocked"]}
assert "clock_settime" in b and "ProtectClock" in b["clock_settime"]["fix"], p["blocked"]
assert any(c["syscall"] == "mmap" and c["setting"] == "MemoryDenyWriteExecute" for c in p["refused_for_some_arguments"])
assert "mmap" not in b
PY

# RestrictNamespaces= makes clone3 fail with ENOSYS; glibc's pthread_create then uses clone: not blocked
"$HARDEN" check --json --systemd=252 -p RestrictNamespaces=yes --exec python3 >"$tmp/n.json"
python3 - "$tmp/n.json" <<'PY' || fail=1
import json, sys
p = json.load(open(sys.argv[1]))["commands"][0]["programs"][0]
assert not any(b["syscall"] == "clone3" for b in p["blocked"]), p["blocked"]
assert any(h["syscall"] == "clone3" and h["fallback"] == "clone" for h in p["refused_but_libc_copes"]), p
PY

# usage
"$HARDEN" check >/dev/null 2>&1; [ $? -eq 2 ] || no "no arguments: exit not 2"
"$HARDEN" check --bogus x.service >/dev/null 2>&1; [ $? -eq 2 ] || no "unknown option: exit not 2"
"$HARDEN" check -p SystemCallFilter=@basic-io x.service >/dev/null 2>&1; [ $? -eq 2 ] || no "-p without --exec: exit not 2"
"$HARDEN" check --systemd=7 --exec true >/dev/null 2>&1; [ $? -eq 2 ] || no "bad --systemd: exit not 2"
"$HARDEN" check --help | grep -q -- "--strict" || no "--help does not mention --strict"
exit $fail
