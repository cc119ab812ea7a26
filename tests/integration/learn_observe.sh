#!/bin/sh
# harden learn sees what decides each setting: one probe (tests/progs/hdprobe.c) per observation, through
# both learning backends; the drop-in must change exactly where the observation says, and the probe must
# still run under its own drop-in (compat ABIs included).
set -u
: "${HARDEN:?}" "${HDPROBE:?}"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

backends=ptrace
"$HARDEN" learn --backend=ebpf -o /dev/null -- true 2>/dev/null && backends="$backends ebpf"

# probe | python check on the profile p | line that must be in the drop-in (grep -E) | must NOT be in it
while IFS='|' read -r op check want unwanted; do
	for be in $backends; do
		# an ASan build's probe: LeakSanitizer's helper thread is CLONE_UNTRACED, and under the ptrace
		# backend's RET_TRACE filter an untraced task gets ENOSYS for every call (see trace/ptrace.c)
		"$HARDEN" learn --backend=$be --profile-out "$W/p.json" -o "$W/d.conf" -- \
			env ASAN_OPTIONS=detect_leaks=0 "$HDPROBE" $op >/dev/null 2>"$W/err"
		python3 -c "import json,sys; p=json.load(open(sys.argv[1])); s=p['syscalls']; assert $check, p" "$W/p.json" 2>/dev/null ||
			bad "$be $op: profile lacks: $check"
		[ -z "$want" ] || grep -qE "$want" "$W/d.conf" || bad "$be $op: drop-in lacks /$want/"
		[ -z "$unwanted" ] || ! grep -qE "$unwanted" "$W/d.conf" || bad "$be $op: drop-in has /$unwanted/"
		env ASAN_OPTIONS=detect_leaks=0 "$HDPROBE" $op >"$W/native.out" 2>&1
		nrc=$?
		set -f
		set -- -- env ASAN_OPTIONS=detect_leaks=0 "$HDPROBE" $op
		for l in $(grep -v '^[#[]' "$W/d.conf" | grep . | tac | tr ' ' '\001'); do
			set -- -p "$(printf '%s' "$l" | tr '\001' ' ')" "$@"
		done
		set +f
		"$HARDEN" run "$@" >"$W/conf.out" 2>/dev/null
		crc=$?
		if [ "$op" = i386-socket-inet ]; then
			# systemd leaves i386 socket() unfiltered (socketcall); harden run refuses it on purpose
			grep -q 'compat ABI, where systemd cannot filter' "$W/d.conf" || bad "$be $op: compat socket not noted"
			continue
		fi
		[ $nrc = $crc ] && cmp -s "$W/native.out" "$W/conf.out" || bad "$be $op: under its drop-in: rc $crc (native $nrc)"
	done
done <<'EOF2'
i386-getpid|'getpid' in s['x86']|^SystemCallArchitectures=native x86$|
x32-getpid|'getpid' in s['x32']|^SystemCallArchitectures=native x32$|
i386-socket-inet|'socket' in s['x86'] and 'AF_INET' in p['socket_families']|^RestrictAddressFamilies=AF_INET$|^PrivateNetwork
socket-inet6|'AF_INET6' in p['socket_families']|^RestrictAddressFamilies=AF_INET6$|^PrivateNetwork
socket-unix|p['socket_families'] == ['AF_UNIX']|^PrivateNetwork=yes$|
getpid|p['socket_families'] == []|^RestrictAddressFamilies=none$|^SystemCallArchitectures=native .
mmap-wx|p['write_exec_mappings'] > 0|^# MemoryDenyWriteExecute: .* writable\+executable|^MemoryDenyWriteExecute
mprotect-x|p['exec_mprotects'] > 0|^# MemoryDenyWriteExecute:|^MemoryDenyWriteExecute
mmap-rw|p['write_exec_mappings'] == 0|^MemoryDenyWriteExecute=yes$|
personality-linux32|8 in p['personalities']|^# LockPersonality: personality\(0x8\)|^LockPersonality
personality-linux|p['personalities'] == [0]|^LockPersonality=yes$|
delete-module|'delete_module' in s['x86-64']|^SystemCallFilter=.*delete_module|^ProtectKernelModules
clock-settime-invalid|'clock_settime' in s['x86-64']|^SystemCallFilter=.*clock_settime|^ProtectClock
sched-fifo|'SCHED_FIFO' in p['sched_policies']|^# RestrictRealtime:|^RestrictRealtime
sched-batch|'SCHED_BATCH' in p['sched_policies']|^RestrictRealtime=yes$|
thread-getppid|'getppid' in s['x86-64'] and ('clone3' in s['x86-64'] or 'clone' in s['x86-64'])|^SystemCallFilter=.*clone|
child-getppid|'getppid' in s['x86-64']||
EOF2
exit $fail
