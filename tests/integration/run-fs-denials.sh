#!/bin/sh
# harden run names the file-system setting behind each call it made fail (seen by the eBPF tracer, which
# follows the command from its first call): the call, the path, the errno, the process, the setting and
# the fix; in text, in --json's "fs_denied", and as a denial of run --unit --while. A call that succeeds,
# or fails for a reason of the host's own, names nothing.
set -u
: "${HARDEN:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: a mount namespace and eBPF need root"; exit 77; }
W=$(mktemp -d /tmp/harden-fsden.XXXXXX)
V=/var/lib/hd-den-$$
trap 'rm -rf "${W:?}" "${V:?}"' EXIT
chmod 755 "$W"
mkdir -p "$V/hidden"
echo secret >"$V/hidden/file"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# run ARGS...: harden run's exit status; stdout in $W/out, stderr in $W/err
run() {
	"$HARDEN" run "$@" >"$W/out" 2>"$W/err"
}
has() { grep -qF -- "$1" "$W/err"; }

run -p ProtectSystem=strict -- true
if grep -q 'file-system denials are not observed here' "$W/err"; then
	echo "SKIP: $(grep 'not observed here' "$W/err")"
	exit 77
fi
[ ! -s "$W/err" ] || bad "a run that fails nothing says something: $(cat "$W/err")"

# 1. EROFS under ProtectSystem=strict: the path, the errno, the process, the setting, the fix
run -p ProtectSystem=strict -- sh -c "echo x > $V/f"
has "file-system call failed because of the settings (seen by eBPF)" || bad "strict: no report: $(cat "$W/err")"
has "openat $V/f: EROFS" || bad "strict: the call, path and errno are not named: $(cat "$W/err")"
grep -Eq "first in pid [0-9]+ \(sh\), by ProtectSystem=strict" "$W/err" || bad "strict: no process or setting: $(cat "$W/err")"
has "fix: ReadWritePaths=$V" || bad "strict: no fix: $(cat "$W/err")"
# the fix reads back: with it, the write passes and nothing is said
run -p ProtectSystem=strict -p "ReadWritePaths=$V" -- sh -c "echo x > $V/f"
rc=$?
[ "$rc" = 0 ] && [ -f "$V/f" ] || bad "strict with the fix: exit $rc: $(cat "$W/err")"
has "failed because of the settings" && bad "strict with the fix: still reported: $(cat "$W/err")"
# the nearest directory there is: mkdir -p of a tree below it
run -p ProtectSystem=strict -- mkdir -p "$V/a/b/c"
has "fix: ReadWritePaths=$V" || bad "mkdir -p: not the nearest existing directory: $(cat "$W/err")"
has "mkdir $V/a: EROFS" || has "mkdirat $V/a: EROFS" || bad "mkdir -p: the call is not named: $(cat "$W/err")"

# 2. ProtectHome=read-only, writing under /root
run -p ProtectHome=read-only -- sh -c 'echo x > /root/hd-den-probe'
has "by ProtectHome=read-only" || bad "ProtectHome=read-only: not named: $(cat "$W/err")"
has "fix: ReadWritePaths=/root" || bad "ProtectHome=read-only: no fix: $(cat "$W/err")"
rm -f /root/hd-den-probe

# 3. InaccessiblePaths=: a read of a file under it (root: ENOENT in its empty tmpfs; another user: EACCES)
run -p "InaccessiblePaths=$V/hidden" -- cat "$V/hidden/file"
has "openat $V/hidden/file: ENOENT" || bad "inaccessible: the read is not named: $(cat "$W/err")"
has "by InaccessiblePaths=$V/hidden" || bad "inaccessible: not named: $(cat "$W/err")"
has "fix: remove InaccessiblePaths=$V/hidden" || bad "inaccessible: no fix: $(cat "$W/err")"
if command -v setpriv >/dev/null; then
	run -p "InaccessiblePaths=$V/hidden" -- setpriv --reuid=65534 --regid=65534 --clear-groups cat "$V/hidden/file"
	has "EACCES" && has "(cat), by InaccessiblePaths=$V/hidden" || bad "inaccessible, nobody: not EACCES: $(cat "$W/err")"
fi

# 4. --json: the entries in the end report
run --json -p ProtectSystem=strict -- sh -c "echo x > $V/g"
python3 - "$W/err" "$V" <<'PY' || bad "--json: $(cat "$W/err")"
import json, sys
end = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][-1]
d = end["fs_denied"]
assert end["fs_observed"] is True and end["denied"] == [], end
assert len(d) == 1, d
e = d[0]
assert e["kind"] == "file-system" and e["call"] == "openat" and e["path"] == sys.argv[2] + "/g", e
assert e["errno_name"] == "EROFS" and e["count"] == 1 and e["comm"] == "sh", e
assert e["setting"] == "ProtectSystem=strict" and e["fix"] == ["ReadWritePaths=" + sys.argv[2]], e
assert e["remove"] is None and e["seen_by"] == "eBPF", e
PY

# 5. what the settings did not cause names nothing: a write that succeeds, an open of a path the host
#    lacks too, a private /tmp's missing file the host lacks (but one the host has is named)
run -p ProtectSystem=strict -p "ReadWritePaths=$V" -- sh -c "echo x > /dev/null; echo y > $V/ok"
has "failed because of the settings" && bad "a successful write is reported: $(cat "$W/err")"
run -p ProtectSystem=strict -p PrivateTmp=yes -- cat /nonexistent-hd-den/x "/tmp/hd-den-none-$$"
has "failed because of the settings" && bad "a missing path is blamed on a setting: $(cat "$W/err")"
echo host >"$W/hostfile"
run -p PrivateTmp=yes -- cat "$W/hostfile"
has "by PrivateTmp=yes" && has "fix: PrivateTmp=no" || bad "private /tmp hiding a host file: not named: $(cat "$W/err")"

# 6. removing a ReadWritePaths= mount point from a writable directory: EBUSY, that directory as the fix
#    (from a read-only one it is EROFS first, ProtectSystem='s)
mkdir -p "$V/rw"
run -p ProtectSystem=strict -p "ReadWritePaths=$V" -p "ReadWritePaths=$V/rw" -- rmdir "$V/rw"
has "EBUSY" && has "fix: ReadWritePaths=$V instead of ReadWritePaths=$V/rw" || bad "EBUSY: $(cat "$W/err")"

# 7. not observed (as where eBPF cannot run): said once, never silently nothing; in --json too
HARDEN_RUN_NO_FS_TRACE=1 "$HARDEN" run -p ProtectSystem=strict -- sh -c "echo x > $V/h" >"$W/out" 2>"$W/err"
[ "$(grep -c 'file-system denials are not observed here: HARDEN_RUN_NO_FS_TRACE=1' "$W/err")" = 1 ] ||
	bad "unobserved: not said once: $(cat "$W/err")"
HARDEN_RUN_NO_FS_TRACE=1 "$HARDEN" run --json -p ProtectSystem=strict -- true >"$W/out" 2>"$W/err"
grep -q '"fs_denied":\[\],"fs_observed":false,"fs_unobserved":"HARDEN_RUN_NO_FS_TRACE=1"' "$W/err" ||
	bad "unobserved: not in --json: $(cat "$W/err")"
# no file-system settings: nothing about them
run --json -- true
grep -q '^{"denied":\[\],"complete":true}$' "$W/err" || bad "no mount plan: the end report changed: $(cat "$W/err")"

# 8. run --unit --while: a file-system denial fails the verdict (exit 1) and is counted
cat >"$W/fs.service" <<EOF
[Service]
ExecStart=/bin/sh -c 'echo x > $V/svc; exec sleep 30'
ProtectSystem=strict
EOF
"$HARDEN" run --unit "$W/fs.service" --while 'sleep 0.2' --ready-after=0.3 >"$W/out" 2>"$W/err"
rc=$?
[ "$rc" = 1 ] || bad "--while: exit $rc with a file-system denial, want 1: $(cat "$W/err")"
has "by ProtectSystem=strict" || bad "--while: the denial is not named: $(cat "$W/err")"
has "1 file-system denial (each named above with its fix)" || bad "--while: not counted: $(cat "$W/err")"

[ "$fail" = 0 ] && echo "PASS"
exit "$fail"
