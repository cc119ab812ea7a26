#!/bin/sh
# The seed of issue 7: `harden check` flags fchown for a unit running `sed -i` under
# SystemCallFilter=@system-service + ~@chown (sed imports fchown), and does not with @system-service
# alone. Reality check first: sed -i really calls fchown (strace), so the prediction is about a real call.
set -u
: "${HARDEN:?}" "${SRCDIR:?}"
D="$SRCDIR/tests/data"
command -v python3 >/dev/null || { echo "skip: python3 needed to read the JSON report" >&2; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

if command -v strace >/dev/null 2>&1 && strace -qq -o /dev/null true 2>/dev/null; then
	echo abc >"$tmp/f"
	strace -qq -f -e trace=fchown -o "$tmp/trace" sed -i s/a/b/ "$tmp/f"
	grep -q '^[0-9]* *fchown(' "$tmp/trace" || { echo "FAIL: sed -i did not call fchown here"; fail=1; }
fi

# blocked_syscalls REPORT.json: the syscalls the report lists as blocked, one per line
blocked() {
	python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
for c in r["commands"]:
    for p in c["programs"]:
        for b in p.get("blocked", []):
            print(b["syscall"], b["action"], ",".join(e["confidence"] for e in b["evidence"]))' "$1"
}

"$HARDEN" check --json --systemd=252 "$D/check-sed-nochown.service" >"$tmp/a.json"
rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: check without --strict exited $rc"; fail=1; }
blocked "$tmp/a.json" >"$tmp/a.txt" || fail=1
grep -q '^fchown kill direct import' "$tmp/a.txt" || { echo "FAIL: fchown not flagged (kill, direct import):"; cat "$tmp/a.txt"; fail=1; }

"$HARDEN" check --strict --systemd=252 "$D/check-sed-nochown.service" >"$tmp/a.out" 2>&1
[ $? -eq 1 ] || { echo "FAIL: --strict with fchown blocked did not exit 1"; fail=1; }
grep -q "BLOCKED: fchown" "$tmp/a.out" || { echo "FAIL: text report lacks fchown"; fail=1; }
grep -q "@system-service @chown" "$tmp/a.out" || { echo "FAIL: text report lacks the group path"; fail=1; }
grep -q "SystemCallFilter=fchown" "$tmp/a.out" || { echo "FAIL: text report lacks the fix"; fail=1; }

"$HARDEN" check --json --systemd=252 "$D/check-sed-system-service.service" >"$tmp/b.json"
blocked "$tmp/b.json" >"$tmp/b.txt" || fail=1
if grep -q '^fchown ' "$tmp/b.txt"; then echo "FAIL: fchown flagged under @system-service alone"; fail=1; fi
# nothing else in sed's closure is blocked by @system-service: libselinux imports mount(), but only
# from code sed cannot reach (library reachability), so --strict passes
"$HARDEN" check --strict --systemd=252 "$D/check-sed-system-service.service" >"$tmp/b.out" 2>&1 \
	|| { echo "FAIL: --strict flagged something under @system-service alone:"; cat "$tmp/b.out"; fail=1; }
# the bare name was found in systemd's search path
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["commands"][0]["programs"][0]["path"].endswith("/sed")' "$tmp/b.json" \
	|| { echo "FAIL: bare 'sed' not resolved"; fail=1; }

# -p/--exec gives the same answer as the unit file
"$HARDEN" check --json --systemd=252 -p SystemCallFilter=@system-service -p 'SystemCallFilter=~@chown' \
	--exec '/usr/bin/sed -i s/a/b/ x' >"$tmp/c.json"
blocked "$tmp/c.json" | grep -q '^fchown kill' || { echo "FAIL: -p/--exec did not flag fchown"; fail=1; }

[ $fail -eq 0 ] && echo "seed: fchown flagged with ~@chown, not with @system-service alone"
exit $fail
