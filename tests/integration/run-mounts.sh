#!/bin/sh
# harden run enforces the file-system half of a unit as systemd 252 does, in a mount namespace of the
# command's own: ProtectSystem=yes|full|strict, ProtectHome=yes|read-only|tmpfs, ReadWritePaths=,
# ReadOnlyPaths=, InaccessiblePaths= (with "-"), PrivateTmp=, nested entries and systemd's precedence for
# one path; nothing of it reaches the host; without the privilege it needs, run fails closed (125) naming
# the settings, or with --allow-partial runs and lists them as not enforced.
set -u
: "${HARDEN:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: a mount namespace needs root"; exit 77; }
# As root the nobody case must reach the files: /tmp, not a private $TMPDIR.
W=$(mktemp -d /tmp/harden-mounts.XXXXXX)
V=/var/lib/hd-mounts-$$
trap 'rm -rf "${W:?}" "${V:?}"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
chmod 755 "$W"
mkdir -p "$V/ro"

# run ARGS... -- SCRIPT: harden run's exit status; the script's output in $W/out, stderr in $W/err
run() {
	"$HARDEN" run "$@" >"$W/out" 2>"$W/err"
}
# can the command write DIR (makes and removes DIR/.hd-probe)? "yes" or "no"
writable() { # DIR harden-run-ARGS...
	dir=$1
	shift
	run "$@" -- sh -c 'touch "$1/.hd-probe" 2>/dev/null && rm -f "$1/.hd-probe" && echo yes || echo no' sh "$dir"
	cat "$W/out"
}

before=$(wc -l </proc/self/mountinfo)

# ProtectSystem=strict: everything read-only but the API file systems and ReadWritePaths=
[ "$(writable /etc -p ProtectSystem=strict)" = no ] || bad "strict: /etc is writable"
[ "$(writable /var/lib -p ProtectSystem=strict)" = no ] || bad "strict: /var/lib is writable"
[ "$(writable /dev/shm -p ProtectSystem=strict)" = yes ] || bad "strict: /dev/shm is read-only: $(cat "$W/err")"
[ "$(writable "$V" -p ProtectSystem=strict -p ReadWritePaths="$V")" = yes ] || bad "strict: ReadWritePaths= is not writable: $(cat "$W/err")"
[ "$(writable "$V/ro" -p ProtectSystem=strict -p ReadWritePaths="$V" -p ReadOnlyPaths="$V/ro")" = no ] ||
	bad "strict: ReadOnlyPaths= inside ReadWritePaths= is writable"
run -p ProtectSystem=strict -- sh -c 'touch /etc/hd-probe-$$'
grep -q 'Read-only file system' "$W/err" || bad "strict: a write to /etc did not fail with EROFS: $(cat "$W/err")"
# yes: /usr; full: /usr and /etc
[ "$(writable /usr -p ProtectSystem=yes)" = no ] || bad "ProtectSystem=yes: /usr is writable"
[ "$(writable /etc -p ProtectSystem=yes)" = yes ] || bad "ProtectSystem=yes: /etc is read-only"
[ "$(writable /etc -p ProtectSystem=full)" = no ] || bad "ProtectSystem=full: /etc is writable"
[ "$(writable "$V" -p ProtectSystem=full)" = yes ] || bad "ProtectSystem=full: /var/lib is read-only"

# ProtectHome=: yes hides (an empty directory), read-only keeps the content unwritable, tmpfs is empty
mkdir -p /root && touch /root/.hd-mounts-visible
run -p ProtectHome=yes -- ls -A /root
grep -q hd-mounts-visible "$W/out" && bad "ProtectHome=yes: /root's content is visible"
run -p ProtectHome=read-only -- ls -A /root
grep -q hd-mounts-visible "$W/out" || bad "ProtectHome=read-only: /root's content is hidden"
[ "$(writable /root -p ProtectHome=read-only)" = no ] || bad "ProtectHome=read-only: /root is writable"
run -p ProtectHome=tmpfs -- ls -A /root
[ -s "$W/out" ] && bad "ProtectHome=tmpfs: /root is not empty: $(cat "$W/out")"
# for one path, systemd's precedence: inaccessible wins over read-write
run -p ProtectHome=yes -p ReadWritePaths=/root -- ls -A /root
grep -q hd-mounts-visible "$W/out" && bad "ProtectHome=yes + ReadWritePaths=/root: /root is visible"
rm -f /root/.hd-mounts-visible

# InaccessiblePaths=: a file reads as empty, a directory as empty; "-" skips what is missing
echo secret >"$V/file"
run -p InaccessiblePaths="$V/file" -- cat "$V/file"
grep -q secret "$W/out" && bad "InaccessiblePaths= of a file: its content is readable"
run -p InaccessiblePaths="-$V/missing" -- true || bad "InaccessiblePaths=-MISSING: exit $? ($(cat "$W/err"))"
run -p ReadWritePaths="$V/missing" -- true
[ $? = 125 ] && grep -q "$V/missing" "$W/err" || bad "a missing path without '-': not refused naming it: $(cat "$W/err")"

# PrivateTmp=: a /tmp of its own, empty, writable, gone afterwards
touch "/tmp/hd-mounts-host-$$"
run -p PrivateTmp=yes -- sh -c "ls -A /tmp; touch /tmp/hd-mounts-inside-$$ && echo made"
grep -q "hd-mounts-host-$$" "$W/out" && bad "PrivateTmp=yes: the host's /tmp is visible"
grep -q made "$W/out" || bad "PrivateTmp=yes: /tmp is not writable: $(cat "$W/err")"
[ -e "/tmp/hd-mounts-inside-$$" ] && bad "PrivateTmp=yes: a file made inside reached the host's /tmp"
rm -f "/tmp/hd-mounts-host-$$" "/tmp/hd-mounts-inside-$$"

# the working directory is entered again in the new view, as systemd enters WorkingDirectory= after the
# namespace: /tmp is the private one; a directory that is not there under the settings is left for "/"
# (never the host's, which would reach past the settings), and that is said
(cd /tmp && "$HARDEN" run -p PrivateTmp=yes -- sh -c 'ls -A .') >"$W/out" 2>"$W/err" || bad "PrivateTmp=yes from /tmp: $(cat "$W/err")"
[ -s "$W/out" ] && bad "PrivateTmp=yes from /tmp: the working directory is still the host's /tmp: $(head -3 "$W/out")"
(cd "$W" && "$HARDEN" run -p PrivateTmp=yes -- pwd) >"$W/out" 2>"$W/err"
[ $? = 0 ] && [ "$(cat "$W/out")" = / ] && grep -q 'working directory .* ran in /' "$W/err" ||
	bad "a working directory hidden by PrivateTmp=: not run in / with a note: $(cat "$W/out" "$W/err")"

# a unit file: the same settings from its lines, and none is listed as not enforced
printf '[Service]\nExecStart=/bin/true\nProtectSystem=strict\nReadWritePaths=%s\nPrivateTmp=yes\n' "$V" >"$W/m.service"
run --unit "$W/m.service" -- sh -c "touch $V/u && touch /tmp/x && echo ok"
grep -q ok "$W/out" || bad "--unit: the writable paths are not: $(cat "$W/err")"
grep -q 'not enforced' "$W/err" && bad "--unit: a file-system setting is listed as not enforced: $(cat "$W/err")"

# the other namespaces: PrivateNetwork= (only the loopback device, up), PrivateIPC=, ProtectHostname=
run -p PrivateNetwork=yes -- sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
[ "$(cat "$W/out")" = lo ] || bad "PrivateNetwork=yes: the devices are not lo alone: $(cat "$W/out" "$W/err")"
run -p PrivateNetwork=yes -- python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); socket.create_connection(s.getsockname()); print("ok")'
grep -qx ok "$W/out" || bad "PrivateNetwork=yes: the loopback device does not work: $(cat "$W/err")"
for ns in ipc:PrivateIPC uts:ProtectHostname; do
	run -p "${ns#*:}=yes" -- readlink "/proc/self/ns/${ns%%:*}"
	[ -s "$W/out" ] && [ "$(cat "$W/out")" != "$(readlink "/proc/self/ns/${ns%%:*}")" ] ||
		bad "${ns#*:}=yes: no ${ns%%:*} namespace of its own: $(cat "$W/out" "$W/err")"
done
run -p ProtectHostname=yes -- hostname
[ "$(cat "$W/out")" = "$(hostname)" ] || bad "ProtectHostname=yes: the hostname is not the host's: $(cat "$W/out")"

# a value systemd would ignore is an error on the command line, naming it
run -p ProtectSystem=bogus -- true
[ $? = 2 ] && grep -q 'ProtectSystem=bogus' "$W/err" || bad "-p ProtectSystem=bogus: not a usage error naming it: $(cat "$W/err")"

# --audit is a dry run: the file-system settings are not applied, and that is said
run --audit -p ProtectSystem=strict -- touch "$V/audit"
[ -e "$V/audit" ] || bad "--audit: ProtectSystem=strict was applied: $(cat "$W/err")"
grep -q 'ProtectSystem= not applied' "$W/err" || bad "--audit: not said that ProtectSystem= was not applied: $(cat "$W/err")"

# nothing reached the host's mount table
[ "$(wc -l </proc/self/mountinfo)" = "$before" ] || bad "the host's mount table changed"
touch "$V/host-writable" || bad "the host's /var/lib became read-only"

# without CAP_SYS_ADMIN: fail closed, naming the settings; --allow-partial runs and lists them
setpriv --reuid=nobody --regid=nogroup --clear-groups "$HARDEN" run -p ProtectSystem=strict -p PrivateTmp=yes -- true >"$W/out" 2>"$W/err"
rc=$?
[ "$rc" = 125 ] || bad "unprivileged: exit $rc, want 125: $(cat "$W/err")"
grep -q 'cannot enforce ProtectSystem=, PrivateTmp= here' "$W/err" || bad "unprivileged: the settings are not named: $(cat "$W/err")"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$HARDEN" run --allow-partial -p ProtectSystem=strict -p SystemCallFilter=@system-service -- true >"$W/out" 2>"$W/err"
rc=$?
[ "$rc" = 0 ] || bad "--allow-partial: exit $rc: $(cat "$W/err")"
grep -q 'ProtectSystem= not enforced' "$W/err" || bad "--allow-partial: ProtectSystem= is not listed as not enforced: $(cat "$W/err")"
exit $fail
