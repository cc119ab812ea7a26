#!/bin/sh
# harden learn --verify: the drop-in is tried whole under harden run before it is written (the command
# again, or the unit's own service with the workload), and says how that went; a run that behaves
# differently the second time (a call the first never made) is caught, named, and exits 1.
set -u
: "${HARDEN:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: the whole drop-in (its file-system settings) is tried as root"; exit 77; }
W=$(mktemp -d /tmp/harden-verify-test.XXXXXX)
trap 'rm -rf "${W:?}"; pkill -f "sleep 7519" 2>/dev/null' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
chmod 755 "$W"
mkdir "$W/data" && chmod 777 "$W/data"

# 1. a command that does the same both times: verified
"$HARDEN" learn --verify -o "$W/a.conf" -- sh -c "cat /etc/hostname >/dev/null; touch $W/data/a" >"$W/out" 2>"$W/err"
rc=$?
[ "$rc" = 0 ] || bad "a steady command: exit $rc: $(tail -5 "$W/err")"
grep -q '^# Verified: the command under this whole drop-in .*: passed; 0 kills, 0 denied calls' "$W/a.conf" ||
	bad "the drop-in does not say it was verified: $(tail -3 "$W/a.conf")"

# 2. a command that chowns only on its second run: the first run's drop-in denies that, and --verify says so
"$HARDEN" learn --verify -o "$W/b.conf" -- sh -c "[ -e $W/data/b ] && chown root $W/data/b; touch $W/data/b; true" \
	>"$W/out" 2>"$W/err"
rc=$?
[ "$rc" = 1 ] || bad "a command that changed: exit $rc, want 1: $(tail -5 "$W/err")"
grep -q '^- fchownat: 1 call denied' "$W/err" || bad "the denied call is not named: $(cat "$W/err")"
grep -q "^# NOT verified: .*[0-9] denied call" "$W/b.conf" || bad "the drop-in does not say it failed: $(tail -3 "$W/b.conf")"

# 2b. a command that writes elsewhere on its second run: ProtectSystem=strict refuses it, and --verify names
# the setting and the path (where eBPF sees failed calls: else it says they were not observed)
V=/var/lib/hd-verify-fs-$$
mkdir -p "$V/a" "$V/b"
"$HARDEN" learn --verify -o "$W/c.conf" -- sh -c "if [ -e $V/a/x ]; then touch $V/b/y 2>/dev/null; fi; touch $V/a/x 2>/dev/null; true" \
	>"$W/out" 2>"$W/err"
rc=$?
if grep -q '^ProtectSystem=strict' "$W/c.conf" && ! grep -q 'file-system denials not observed' "$W/c.conf"; then
	[ "$rc" = 1 ] || bad "a write outside ReadWritePaths= on the second run: exit $rc, want 1: $(tail -5 "$W/err")"
	grep -q "^- openat $V/b/y: EROFS .* by ProtectSystem=strict" "$W/err" && grep -q "fix: ReadWritePaths=$V/b" "$W/err" ||
		bad "the file-system denial is not named with its setting and fix: $(tail -5 "$W/err")"
	grep -q "^# NOT verified: .*1 file-system denial" "$W/c.conf" || bad "the drop-in does not say it failed: $(tail -3 "$W/c.conf")"
else
	echo "note: no ProtectSystem=strict learned, or file-system denials not observed here: $(grep -m1 'verified' "$W/c.conf")"
fi
rm -rf "${V:?}"

# 3. the unit's own service and its workload, run again under a copy of the unit with the new drop-in
printf '[Service]\nUser=nobody\nExecStart=/bin/sleep 7519\n' >"$W/s.service"
"$HARDEN" learn --verify --unit "$W/s.service" --while 'sleep 0.3' --ready-after=0.3 -o "$W/s.conf" >"$W/out" 2>"$W/err"
rc=$?
[ "$rc" = 0 ] || bad "--unit --while: exit $rc: $(tail -5 "$W/err")"
grep -q "^# Verified: the workload under this whole drop-in (harden run --unit --while 'sleep 0.3'" "$W/s.conf" ||
	bad "--unit --while: not verified: $(tail -3 "$W/s.conf")"
ls /tmp | grep -q '^harden-verify\.' && bad "the verification's copies were left in /tmp"

# 4. nothing to run again: usage errors
printf '{"harden_profile": 1, "syscalls": {"x86-64": {"read": 1}}}' >"$W/p.json"
"$HARDEN" learn --verify --from-profile "$W/p.json" -o /dev/null >/dev/null 2>&1
[ $? = 2 ] || bad "--verify --from-profile is not a usage error"
"$HARDEN" learn --verify --json -o /dev/null -- true >/dev/null 2>&1
[ $? = 2 ] || bad "--verify --json is not a usage error"
exit $fail
