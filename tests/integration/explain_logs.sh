#!/bin/sh
# harden explain on text evidence: the seed's `coredumpctl info` stack trace (syscall inferred from the
# top libc frame), audit.log / dmesg SECCOMP records (x86-64, i386, x32, SystemCallLog's sig=0),
# journal JSON and export records, grouping with counts and times, and hostile input.
# Syscall numbers in the fixtures are checked against scmp_sys_resolver, not against harden.
set -u
: "${HARDEN:?}" "${SRCDIR:?}"
D=$SRCDIR/tests/data/explain
skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v scmp_sys_resolver >/dev/null || skip "scmp_sys_resolver (package seccomp) is missing"
command -v python3 >/dev/null || skip "python3 is missing"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
jq_() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# --- the seed: only a stack trace ----------------------------------------------------------------
"$HARDEN" explain "$D/seed-coredumpctl.txt" >"$T/out" || fail "seed: exit $?"
grep -q '^sed\[41523\] /usr/bin/sed (unit myapp-config.service): died of SIGSYS' "$T/out" || fail "seed head: $(cat "$T/out")"
grep -q 'syscall:    fchown (inferred from the stack frame fchown (libc.so.6 + 0x11051b)' "$T/out" || fail "seed: not inferred"
grep -q '^  fix:        SystemCallFilter=fchown$' "$T/out" || fail "seed: fix"
grep -q '@system-service @chown' "$T/out" || fail "seed: groups"
"$HARDEN" explain --json "$D/seed-coredumpctl.txt" >"$T/j" || fail "seed json"
[ "$(jq_ "$T/j" 'd["violations"][0]["inferred"]')" = True ] || fail "seed json: inferred"
[ "$(jq_ "$T/j" 'd["violations"][0]["candidates"]')" = "['fchown']" ] || fail "seed json: candidates"
[ "$(jq_ "$T/j" 'd["violations"][0]["process"]["unit"]')" = myapp-config.service ] || fail "seed json: unit"
# the same text on stdin
"$HARDEN" explain - <"$D/seed-coredumpctl.txt" | grep -q 'fchown (inferred' || fail "seed on stdin"

# --- audit.log: x86-64 x3 grouped, i386, SystemCallLog --------------------------------------------
"$HARDEN" explain --json "$D/audit.log" >"$T/j" || fail "audit.log: exit $?"
[ "$(jq_ "$T/j" 'len(d["violations"])')" = 3 ] || fail "audit.log: expected 3 groups: $(cat "$T/j")"
[ "$(jq_ "$T/j" 'd["records"]')" = 5 ] || fail "audit.log: 5 SECCOMP records (other types ignored)"
for i in 0 1 2; do
	arch=$(jq_ "$T/j" "{'x86-64':'x86_64','x86':'x86'}[d['violations'][$i]['syscall']['arch']]")
	num=$(jq_ "$T/j" "d['violations'][$i]['syscall']['number']")
	name=$(jq_ "$T/j" "d['violations'][$i]['syscall']['name']")
	[ "$(scmp_sys_resolver -a "$arch" "$num")" = "$name" ] || fail "audit.log: $arch #$num is not $name"
done
[ "$(jq_ "$T/j" 'd["violations"][0]["count"]')" = 3 ] || fail "audit.log: sed's 3 kills not grouped"
[ "$(jq_ "$T/j" 'd["violations"][0]["first"]')" = "2025-11-26 09:14:03 UTC" ] || fail "first time"
[ "$(jq_ "$T/j" 'd["violations"][0]["last"]')" = "2025-11-26 11:14:03 UTC" ] || fail "last time"
[ "$(jq_ "$T/j" 'd["violations"][1]["syscall"]["arch"]')" = x86 ] || fail "i386 record"
[ "$(jq_ "$T/j" 'd["violations"][2]["verdict"]')" = seccomp-log ] || fail "sig=0 LOG record"
[ "$(jq_ "$T/j" 'd["violations"][2]["process"]["comm"]')" = "my server" ] || fail "hex-encoded comm"
[ "$(jq_ "$T/j" 'd["violations"][2]["fix"]["syscalls"][0]["smallest_group"]')" = "@mount" ] || fail "mount's group"

# --- dmesg: kernel lines, x32 -------------------------------------------------------------------
"$HARDEN" explain --json "$D/dmesg.txt" >"$T/j" || fail "dmesg: exit $?"
[ "$(jq_ "$T/j" 'd["violations"][1]["syscall"]["arch"]')" = x32 ] || fail "x32 bit not recognised"
x32=$(scmp_sys_resolver -a x32 fchown)
[ "$(jq_ "$T/j" 'd["violations"][1]["syscall"]["number"]')" = "$x32" ] || fail "x32 number is not fchown's ($x32)"

# --- journal JSON and export: audit + coredump records of the same death are paired -------------
"$HARDEN" explain "$D/journal.json" >"$T/out" || fail "journal.json: exit $?"
grep -q 'sed\[41523\] /usr/bin/sed (unit myapp-config.service): killed by a seccomp filter' "$T/out" || fail "journal: $(cat "$T/out")"
grep -q 'confirmed:  the syscall is named by the audit record' "$T/out" || fail "journal: audit record not paired"
grep -q 'worker.*not a seccomp death' "$T/out" || fail "journal: SIGSEGV record"
# export format, made from the same records the way journalctl writes it (multi-line values binary)
python3 - "$D/journal.json" "$T/journal.export" <<'PY'
import json, struct, sys
out = open(sys.argv[2], "wb")
for line in open(sys.argv[1]):
    for k, v in json.loads(line).items():
        b = v.encode()
        if b"\n" in b:
            out.write(k.encode() + b"\n" + struct.pack("<Q", len(b)) + b + b"\n")
        else:
            out.write(k.encode() + b"=" + b + b"\n")
    out.write(b"\n")
PY
"$HARDEN" explain "$T/journal.export" >"$T/out2" || fail "journal.export: exit $?"
# the same records: equal but for the file names and line numbers
sed "s|$T/journal\.export|X|g; s|X:[0-9]*|X|g" "$T/out2" >"$T/a"
sed "s|$D/journal\.json|X|g; s|X:[0-9]*|X|g" "$T/out" >"$T/b"
diff "$T/a" "$T/b" >&2 || fail "export and json of the same records explain differently"

# --- several inputs at once, grouped across files -------------------------------------------------
"$HARDEN" explain --json "$D/audit.log" "$D/dmesg.txt" >"$T/j" || fail "two files"
[ "$(jq_ "$T/j" 'd["violations"][0]["count"]')" = 4 ] || fail "sed's kills across two logs: not 4"

# --- hostile input: clear error, exit 1, never a crash --------------------------------------------
head -c 4096 /dev/urandom | tr -d '\n' >"$T/random"
printf 'type=SECCOMP msg=audit(1.0:1): syscall=93 \001\002\003\n' >"$T/junk.log"
printf '{"MESSAGE": "x", "COREDUMP_PID": ' >"$T/trunc.json"
printf '__CURSOR=x\nMESSAGE\n\377\377\377\377\377\377\377\177abc\n' >"$T/lying.export"
printf '\177ELF\002\001\001' >"$T/trunc.core"
for f in random junk.log trunc.json lying.export trunc.core; do
	"$HARDEN" explain "$T/$f" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -eq 1 ] || fail "$f: exit $rc (expected 1); $(cat "$T/err")"
	grep -q "$T/$f.*error" "$T/err" || fail "$f: no error naming the file: $(cat "$T/err")"
done
grep -q 'byte 0: file too short' "$T/err" || fail "truncated core: $(cat "$T/err")"
"$HARDEN" explain "$T/lying.export" 2>&1 | grep -q 'claims 9223372036854775807 bytes' || fail "lying export size"
"$HARDEN" explain /nonexistent 2>&1 | grep -q '/nonexistent: error: cannot open' || fail "missing file"
"$HARDEN" explain "$T" 2>&1 | grep -q 'is a directory' || fail "directory"
"$HARDEN" explain >/dev/null 2>&1; [ $? -eq 2 ] || fail "no evidence must be a usage error"
"$HARDEN" explain --bogus x >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown option must be a usage error"
exit 0
