#!/bin/sh
# Boot systemd 252 as PID 1 of a hand-made container (overlay of host /), run a
# SIGSYS-crashing unit, collect the core with systemd-coredump. Needs root,
# systemd-coredump installed. Uses container-init.sh beside it.
# Not yet a test: the verified recipe for issue 13's "real systemd" step (see README.md here).
set -u
H=${HARDEN_SD_DIR:-$(mktemp -d)}
export HARDEN_SD_DIR=$H
CP_SAVED=$(cat /proc/sys/kernel/core_pattern)
T0=$(date +%s.%N)
setsid unshare --pid --mount --uts --ipc --net --cgroup --fork "$(dirname "$0")/container-init.sh" --unit=basic.target </dev/null >$H/console.log 2>&1 &
U=$!
L=
for i in $(seq 1 150); do
  L=$(pgrep -P $U -x systemd) && nsenter -t $L -a systemctl is-system-running --wait >/dev/null 2>&1 && break
  sleep 0.2
done
echo "PID1(host pid)=$L state=$(nsenter -t $L -a systemctl is-system-running) boot=$(echo "$(date +%s.%N) - $T0" | bc)s"
R=/proc/$L/root
cat > $R/run/systemd/system/sdt-sigsys.service <<'U1'
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo a > /tmp/f; exec sed -i s/a/b/ /tmp/f'
SystemCallFilter=~@chown
U1
nsenter -t $L -a systemctl daemon-reload
nsenter -t $L -a systemctl show sdt-sigsys -p SystemCallFilter,SystemCallErrorNumber,SystemCallArchitectures,RestrictNamespaces
# --- global, machine-wide window: route kernel cores to the container's systemd-coredump.socket
ln -s $R/run/systemd/coredump /run/systemd/coredump
echo '|/lib/systemd/systemd-coredump %P %u %g %s %t 9223372036854775808 %h %d' > /proc/sys/kernel/core_pattern
nsenter -t $L -a systemctl start sdt-sigsys.service
for i in $(seq 1 50); do nsenter -t $L -a coredumpctl -q list COREDUMP_UNIT=sdt-sigsys.service >/dev/null 2>&1 && break; sleep 0.1; done
echo "$CP_SAVED" > /proc/sys/kernel/core_pattern; rm -f /run/systemd/coredump
# --- end of global window
nsenter -t $L -a systemctl show sdt-sigsys -p Result,ExecMainCode,ExecMainStatus
nsenter -t $L -a coredumpctl --no-pager list COREDUMP_UNIT=sdt-sigsys.service
nsenter -t $L -a journalctl --no-pager -o cat COREDUMP_UNIT=sdt-sigsys.service | head -3
# cleanup
nsenter -t $L -a systemctl poweroff
while kill -0 $U 2>/dev/null; do sleep 0.2; done
for d in init.scope system.slice dev-hugepages.mount dev-mqueue.mount sys-fs-fuse-connections.mount sys-kernel-debug.mount sys-kernel-tracing.mount; do
  [ -d /sys/fs/cgroup/unified/$d ] && find /sys/fs/cgroup/unified/$d -depth -type d -exec rmdir {} \;
done
echo "total=$(echo "$(date +%s.%N) - $T0" | bc)s core_pattern=$(cat /proc/sys/kernel/core_pattern)"
