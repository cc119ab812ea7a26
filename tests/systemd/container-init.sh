#!/bin/sh
# runs inside: unshare --pid --mount --uts --ipc --net --cgroup --fork (see boot-and-coredump.sh).
# An overlay of the host root with a tmpfs upper layer, /proc/sys read-only (the container's
# systemd-sysctl must not reach the host kernel), a private cgroup2, then systemd as PID 1.
set -e
B=${HARDEN_SD_DIR:?}
mount --make-rprivate /
mkdir -p $B/ovl $B/root
mount -t tmpfs -o mode=755 tmpfs $B/ovl
mkdir -p $B/ovl/upper $B/ovl/work
mount -t overlay overlay -o lowerdir=/,upperdir=$B/ovl/upper,workdir=$B/ovl/work $B/root
R=$B/root
mount -t proc -o nosuid,nodev,noexec proc $R/proc
mount --bind $R/proc/sys $R/proc/sys && mount -o remount,bind,ro $R/proc/sys
mount --bind /proc/sysrq-trigger $R/proc/sysrq-trigger 2>/dev/null && mount -o remount,bind,ro $R/proc/sysrq-trigger || true
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs $R/sys
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 $R/sys/fs/cgroup
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs $R/dev
# HARDEN_SD_DEVS: more of the host's device nodes (names under /dev) the caller wants in the container.
# Each is bound over a node of its own type and number (a regular file below it would be what systemd
# finds when it unmounts the bind to cover the path: InaccessiblePaths=, ProtectKernelLogs='s /dev/kmsg)
for n in null zero full random urandom tty ${HARDEN_SD_DEVS:-}; do
	t=c; [ -b /dev/$n ] && t=b
	# shellcheck disable=SC2046 # the major and the minor: two words
	mknod $R/dev/$n $t $(stat -c '0x%t 0x%T' /dev/$n) 2>/dev/null || touch $R/dev/$n
	mount --bind /dev/$n $R/dev/$n
done
mkdir -p $R/dev/pts $R/dev/shm; mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts $R/dev/pts; ln -s pts/ptmx $R/dev/ptmx
ln -s /proc/self/fd $R/dev/fd; ln -s /proc/self/fd/0 $R/dev/stdin; ln -s /proc/self/fd/1 $R/dev/stdout; ln -s /proc/self/fd/2 $R/dev/stderr
# console: point /dev/console at our stdout (a file/pipe is not allowed for bind; use /dev/null)
touch $R/dev/console; mount --bind /dev/null $R/dev/console
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs $R/run
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs $R/tmp
mkdir -p $R/oldroot; cd $R; pivot_root . oldroot; umount -l /oldroot; rmdir /oldroot 2>/dev/null || true
exec env -i container=test PATH=/usr/sbin:/usr/bin:/sbin:/bin /lib/systemd/systemd --system "$@"
