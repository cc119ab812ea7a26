#!/bin/sh
# harden syscall-filter reverse lookup and JSON, checked against independent sources: the groups holding
# a syscall against the containment computed from systemd-analyze 252's own listing, numbers against
# scmp_sys_resolver, "kernel knows" against tracefs, plus the error paths and exit codes.
set -u
: "${HARDEN:?}"
command -v python3 >/dev/null || { echo "skip: python3 is not installed" >&2; exit 77; }
case $(systemd-analyze --version 2>/dev/null | head -1) in
"systemd 252 "*) ;;
*) echo "skip: needs systemd-analyze 252 as the oracle" >&2; exit 77 ;;
esac
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
H() { "$HARDEN" syscall-filter "$@"; }

# 1. groups of a syscall (all nesting levels) == closure computed from the oracle's listing
systemd-analyze syscall-filter -q >"$TMP/oracle.txt"
names="fchown seccomp uname _llseek chown32 setuid mount execve clock_settime landlock_add_rule"
# shellcheck disable=SC2086
H --systemd=252 --json $names >"$TMP/lookup.json" || fail "lookup --json exit $?"
python3 - "$TMP/oracle.txt" "$TMP/lookup.json" <<'PY' || fails=$((fails + 1))
import json, sys
groups, cur = {}, None
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("@"):
        cur = line; groups[cur] = []
    elif line.startswith("    ") and not line.startswith("    #") and cur:
        groups[cur].append(line[4:])
def holds(g, name, seen=()):
    return any(m == name or (m.startswith("@") and m in groups and m not in seen and holds(m, name, seen + (g,)))
               for m in groups[g])
bad = 0
for s in json.load(open(sys.argv[2]))["syscalls"]:
    want = sorted(g for g in groups if holds(g, s["name"]))
    got = sorted(g for g in s["groups"])
    if want != got:
        print(f"FAIL: {s['name']}: groups {got}, oracle says {want}", file=sys.stderr); bad += 1
    for p in s["paths"]:  # each path is a real chain: every step contains the next
        for a, b in zip(p, p[1:]):
            if b not in groups[a]:
                print(f"FAIL: {s['name']}: path {p}: {a} does not list {b}", file=sys.stderr); bad += 1
sys.exit(1 if bad else 0)
PY

# 2. nesting path rendering: UTF-8 and the ASCII fallback
LC_ALL=C.UTF-8 H --systemd=252 fchown | grep -qx '    @privileged ⊃ @chown ⊃ fchown' || fail "UTF-8 path for fchown"
LC_ALL=C H --systemd=252 fchown | grep -qx '    @privileged > @chown > fchown' || fail "ASCII path for fchown"
LC_ALL=C H --systemd=latest seccomp | grep -qx '    @system-service > @default > @sandbox > seccomp' || fail "latest: seccomp via @sandbox"
LC_ALL=C H --systemd=252 seccomp | grep -q '@sandbox' && fail "252 has no @sandbox"

# 3. numbers in the text view == scmp_sys_resolver
if command -v scmp_sys_resolver >/dev/null; then
	for n in fchown openat _llseek; do
		for a in x86-64:x86_64 x86:x86 arm64:aarch64 s390x:s390x; do
			want=$(scmp_sys_resolver -a "${a#*:}" "$n")
			[ "$want" -lt 0 ] && want=-
			got=$(H "$n" | awk -v a="${a%%:*}" '$1 == a { print $2; exit }')
			[ "$got" = "$want" ] || fail "$n on ${a%%:*}: text says '$got', scmp_sys_resolver '$want'"
		done
	done
fi

# 4. "kernel knows" == tracefs (when readable)
ev=/sys/kernel/tracing/available_events
if [ -r "$ev" ]; then
	for n in fchown listns mseal rseq_slice_yield; do
		got=$(H --json "$n" | python3 -c 'import json,sys; print(json.load(sys.stdin)["syscalls"][0]["kernel"]["knows"])')
		if grep -qx "syscalls:sys_enter_$n" "$ev"; then want=True; else want=False; fi
		[ "$got" = "$want" ] || fail "kernel knows $n: harden $got, tracefs $want"
	done
	got=$(H --json uname | python3 -c 'import json,sys; print(json.load(sys.stdin)["syscalls"][0]["kernel"]["knows"])')
	[ "$got" = True ] || fail "uname is traced as newuname; harden says kernel knows=$got"
else
	echo "note: tracefs not readable here; kernel checks skipped" >&2
fi

# 5. errors and exit codes
H fchwn >"$TMP/out" 2>"$TMP/err"; rc=$?
[ "$rc" = 1 ] || fail "unknown syscall: exit $rc, want 1"
grep -q 'unknown system call "fchwn"; did you mean: fchown' "$TMP/err" || fail "no suggestion for fchwn: $(cat "$TMP/err")"
[ -s "$TMP/out" ] && fail "unknown syscall printed to stdout"
H --json fchown nosuchcall >"$TMP/out" 2>/dev/null; rc=$?
[ "$rc" = 1 ] && [ ! -s "$TMP/out" ] || fail "--json with an unknown name: exit $rc, stdout not empty"
H --systemd=251 >/dev/null 2>&1; [ $? = 2 ] || fail "--systemd=251 is not a usage error"
H --bogus >/dev/null 2>&1; [ $? = 2 ] || fail "--bogus is not a usage error"
H "$(printf 'a\033b')" 2>"$TMP/err" >/dev/null
grep -q 'a\\x1bb' "$TMP/err" || fail "control bytes in a name are not escaped"

# 6. mixed groups and names, in order, blank line between; the group block is systemd's
H --systemd=252 @chown fchown >"$TMP/out" || fail "mixed: exit $?"
systemd-analyze syscall-filter @chown >"$TMP/want"
head -n "$(wc -l <"$TMP/want")" "$TMP/out" | cmp -s - "$TMP/want" || fail "mixed: the @chown block differs from systemd's"
sed -n "$(($(wc -l <"$TMP/want") + 1)),+1p" "$TMP/out" | tr '\n' '|' | grep -qx '|fchown|' || fail "mixed: blank line + fchown expected after the group"

# 7. JSON listing == the oracle's text listing (groups, members, ungrouped)
H --systemd=252 --json >"$TMP/all.json" || fail "--json listing exit $?"
systemd-analyze syscall-filter >"$TMP/full.txt" 2>/dev/null
python3 - "$TMP/full.txt" "$TMP/all.json" <<'PY' || fails=$((fails + 1))
import json, sys
text, j = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
groups, cur, section = [], None, None
for line in text.splitlines():
    if line.startswith("@"):
        cur = {"name": line, "members": []}; groups.append(cur)
    elif line.startswith("    # ") and cur and "description" not in cur:
        cur["description"] = line[6:]
    elif line.startswith("    "):
        cur["members"].append(line[4:])
    elif line.startswith("# Ungrouped"):
        section = []; ungrouped = section
    elif line.startswith("# Unlisted"):
        section = []
    elif line.startswith("#   ") and section is not None:
        section.append(line[4:])
ok = [{"name": g["name"], "description": g["description"], "members": g["members"]} for g in groups] == j["groups"]
ok = ok and ungrouped == j["ungrouped"]
if not ok:
    print("FAIL: --json listing differs from the oracle's text", file=sys.stderr)
sys.exit(0 if ok else 1)
PY
H --json -q | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if "ungrouped" not in d and len(d["groups"]) >= 29 else 1)' ||
	fail "--json -q should list groups only"

[ "$fails" -eq 0 ] || { echo "lookup: $fails failures" >&2; exit 1; }
echo "lookup: all checks passed" >&2
