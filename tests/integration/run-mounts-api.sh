#!/bin/sh
# harden run enforces the rest of a unit's file-system settings as systemd 252 sets them up (the facts:
# ../shared/spec/namespace-semantics.md): PrivateDevices= (a /dev of its own), the mounts of
# ProtectKernelTunables=, ProtectKernelModules=, ProtectKernelLogs=, ProtectControlGroups=, a fresh /proc
# with ProtectProc= and ProcSubset=, TemporaryFileSystem=, BindPaths=, BindReadOnlyPaths=, ExecPaths=,
# NoExecPaths=, and nothing below an inaccessible path. Nothing of it reaches the host.
set -u
: "${HARDEN:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: a mount namespace needs root"; exit 77; }
W=$(mktemp -d /tmp/harden-mounts-api.XXXXXX)
V=/var/lib/hd-mounts-api-$$
trap 'rm -rf "${W:?}" "${V:?}"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
chmod 755 "$W"
mkdir -p "$V/ro" "$V/x"
before=$(wc -l </proc/self/mountinfo)

run() {
	"$HARDEN" run "$@" >"$W/out" 2>"$W/err"
}
# the options of the last mount at a mount point, as the command sees them
mount_options() { # MOUNTPOINT harden-run-ARGS...
	mp=$1
	shift
	run "$@" -- awk -v mp="$mp" '$5 == mp { o = $6 } END { print o }' /proc/self/mountinfo
	cut -d, -f1 "$W/out"
}

# PrivateDevices=: the pseudo devices, pts and shm; no disk; /dev itself read-only, /dev/shm not
run -p PrivateDevices=yes -- ls /dev
for n in null zero full random urandom tty ptmx pts shm; do
	grep -qx "$n" "$W/out" || bad "PrivateDevices=yes: /dev/$n is missing: $(tr '\n' ' ' <"$W/out") $(cat "$W/err")"
done
disk=$(lsblk -dno NAME 2>/dev/null | head -1)
[ -n "$disk" ] && grep -qx "$disk" "$W/out" && bad "PrivateDevices=yes: the disk /dev/$disk is there"
run -p PrivateDevices=yes -- sh -c 'echo x >/dev/null && head -c 4 /dev/urandom | wc -c && touch /dev/shm/hd-$$ && rm /dev/shm/hd-$$ && echo shm-ok; touch /dev/x'
grep -qx 4 "$W/out" && grep -qx shm-ok "$W/out" || bad "PrivateDevices=yes: the devices or /dev/shm do not work: $(cat "$W/out" "$W/err")"
grep -q 'Read-only file system' "$W/err" || bad "PrivateDevices=yes: /dev is writable: $(cat "$W/err")"

# ProtectKernelTunables=: /proc/sys and /sys read-only, /proc/kallsyms empty, /sys/fs/cgroup writable
run -p ProtectKernelTunables=yes -- sh -c 'cat /proc/sys/kernel/domainname >/proc/sys/kernel/domainname'
grep -q 'Read-only file system' "$W/err" || bad "ProtectKernelTunables=yes: /proc/sys is writable: $(cat "$W/err")"
[ "$(mount_options /sys -p ProtectKernelTunables=yes)" = ro ] || bad "ProtectKernelTunables=yes: /sys is not read-only: $(cat "$W/err")"
if [ -e /proc/kallsyms ]; then
	run -p ProtectKernelTunables=yes -- sh -c 'wc -c </proc/kallsyms'
	[ "$(cat "$W/out")" = 0 ] || bad "ProtectKernelTunables=yes: /proc/kallsyms is readable: $(cat "$W/out" "$W/err")"
fi
if mountpoint -q /sys/fs/cgroup; then
	[ "$(mount_options /sys/fs/cgroup -p ProtectKernelTunables=yes)" = rw ] ||
		bad "ProtectKernelTunables=yes: /sys/fs/cgroup is not writable"
	# ProtectControlGroups=: /sys/fs/cgroup read-only (it wins over the tunables' writable entry)
	[ "$(mount_options /sys/fs/cgroup -p ProtectControlGroups=yes -p ProtectKernelTunables=yes)" = ro ] ||
		bad "ProtectControlGroups=yes: /sys/fs/cgroup is not read-only: $(cat "$W/err")"
fi
# a fresh /proc of its own comes with them
[ "$(mount_options /proc -p ProtectControlGroups=yes)" = rw ] && grep -q nosuid,nodev,noexec "$W/out" ||
	bad "ProtectControlGroups=yes: no fresh /proc (nosuid,nodev,noexec): $(cat "$W/out" "$W/err")"

# ProtectKernelModules=: the modules directory hidden (skipped where this machine has none)
if [ -d /usr/lib/modules ]; then
	run -p ProtectKernelModules=yes -- ls -A /usr/lib/modules
	[ -s "$W/out" ] && bad "ProtectKernelModules=yes: /usr/lib/modules is readable: $(head -3 "$W/out")"
else
	run -p ProtectKernelModules=yes -- true || bad "ProtectKernelModules=yes without /usr/lib/modules: $(cat "$W/err")"
fi
# ProtectKernelLogs=: /dev/kmsg cannot be read
if [ -e /dev/kmsg ]; then
	run -p ProtectKernelLogs=yes -- dd if=/dev/kmsg of=/dev/null count=1 iflag=nonblock
	[ $? = 0 ] && bad "ProtectKernelLogs=yes: /dev/kmsg is readable"
fi

# ProtectProc=invisible: another user's processes are not there (root sees them all, as under systemd);
# ProcSubset=pid: only the processes
run -p ProtectProc=invisible -- setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c 'test -e /proc/1 && echo visible; test -e /proc/self/status && echo self'
[ "$(cat "$W/out")" = self ] || bad "ProtectProc=invisible: not only its own processes: $(cat "$W/out" "$W/err")"
run -p ProtectProc=invisible -- sh -c 'test -e /proc/1 && echo visible'
grep -qx visible "$W/out" || bad "ProtectProc=invisible: root does not see PID 1: $(cat "$W/err")"
run -p ProcSubset=pid -- sh -c 'test -e /proc/cpuinfo && echo cpuinfo; test -e /proc/self/status && echo self'
[ "$(cat "$W/out")" = self ] || bad "ProcSubset=pid: not only the processes: $(cat "$W/out" "$W/err")"

# TemporaryFileSystem=/var:ro + BindReadOnlyPaths= into it: an empty read-only /var with the bind alone
echo kept >"$V/ro/file"
run -p TemporaryFileSystem=/var:ro -p BindReadOnlyPaths="$V/ro:/var/kept" -- sh -c 'ls -A /var; cat /var/kept/file; touch /var/new'
[ "$(head -1 "$W/out")" = kept ] && grep -qx kept "$W/out" && grep -q 'Read-only file system' "$W/err" ||
	bad "TemporaryFileSystem=/var:ro + BindReadOnlyPaths=: $(cat "$W/out" "$W/err")"
run -p TemporaryFileSystem="$V/ro" -- sh -c "touch $V/ro/new && ls -A $V/ro"
[ "$(cat "$W/out")" = new ] || bad "TemporaryFileSystem= (writable): $(cat "$W/out" "$W/err")"
[ -e "$V/ro/new" ] && bad "TemporaryFileSystem=: a file made inside reached the host"
# BindPaths=: writable, the target made where it is missing; BindReadOnlyPaths=: read-only
run -p BindPaths="$V/x:$W/bound" -- touch "$W/bound/through"
[ -e "$V/x/through" ] || bad "BindPaths=: a write through the bind did not reach its source: $(cat "$W/err")"
run -p BindReadOnlyPaths="$V/x:$W/bound" -- touch "$W/bound/ro"
grep -q 'Read-only file system' "$W/err" || bad "BindReadOnlyPaths=: writable: $(cat "$W/err")"
run -p BindPaths="-$V/missing:$W/none" -- true || bad "BindPaths=-MISSING: not skipped: $(cat "$W/err")"
run -p BindPaths="$V/missing:$W/none" -- true
[ $? = 125 ] || bad "BindPaths=MISSING: not refused: $(cat "$W/err")"

# NoExecPaths= with ExecPaths= inside it
cp /bin/true "$V/t" && cp /bin/true "$V/x/t"
run -p NoExecPaths="$V" -p ExecPaths="$V/x" -- sh -c "$V/t; echo \$?; $V/x/t; echo \$?"
[ "$(tr '\n' ' ' <"$W/out")" = "126 0 " ] || bad "NoExecPaths= + ExecPaths=: $(cat "$W/out" "$W/err")"

# nothing below an inaccessible path (systemd drops those entries): the run starts, the path stays hidden
mkdir -p "$V/in/sub" && echo secret >"$V/in/sub/f"
run -p InaccessiblePaths="$V/in" -p ReadWritePaths="$V/in/sub" -- sh -c "cat $V/in/sub/f"
[ $? = 125 ] && bad "ReadWritePaths= below InaccessiblePaths=: refused: $(cat "$W/err")"
grep -q secret "$W/out" && bad "ReadWritePaths= below InaccessiblePaths=: the path is visible"

# symbolic links in a path are followed, as systemd follows them
ln -s "$V/ro" "$V/link"
run -p ReadOnlyPaths="$V/link" -- touch "$V/ro/via-link"
grep -q 'Read-only file system' "$W/err" || bad "ReadOnlyPaths= through a link: writable: $(cat "$W/err")"

# PrivateMounts=: a mount namespace of its own, alone: what the command mounts stays there
run -p PrivateMounts=yes -- sh -c "mount -t tmpfs none $V/x && readlink /proc/self/ns/mnt"
[ -s "$W/out" ] && [ "$(cat "$W/out")" != "$(readlink /proc/self/ns/mnt)" ] ||
	bad "PrivateMounts=yes: no mount namespace of its own: $(cat "$W/out" "$W/err")"
mountpoint -q "$V/x" && { bad "PrivateMounts=yes: the command's mount reached the host"; umount "$V/x"; }
grep -q 'PrivateMounts= not enforced' "$W/err" && bad "PrivateMounts= is said not to be enforced"

# none of them is listed as not enforced, and nothing reached the host's mount table
run -p PrivateDevices=yes -p ProtectKernelTunables=yes -p ProtectControlGroups=yes -p ProtectProc=invisible \
	-p ProcSubset=pid -p TemporaryFileSystem="$V/ro" -p NoExecPaths="$V" -- true
grep -E 'PrivateDevices= not|ProtectKernelTunables=|ProtectControlGroups=|ProtectProc=|ProcSubset=|TemporaryFileSystem=|NoExecPaths=' "$W/err" &&
	bad "a setting is said not to be enforced: $(cat "$W/err")"
[ "$(wc -l </proc/self/mountinfo)" = "$before" ] || bad "the host's mount table changed"
exit $fail
