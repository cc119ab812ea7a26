#!/bin/sh
# harden learn sees what decides each setting: one probe (tests/progs/hdprobe.c) per observation, through
# both learning backends; the drop-in must change exactly where the observation says, and the probe must
# still run under its own drop-in (compat ABIs included).
# learn_observe.sh i386: only the probes that enter through int $0x80 (skipped where that faults, see
# abi-common.sh); no argument: all the others.
set -u
: "${HARDEN:?}" "${HDPROBE:?}"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

part=${1:-main}
if [ "$part" = i386 ]; then
	. "$(dirname "$0")/abi-common.sh"
	i386_reachable || { echo "skip: $I386_WHY" >&2; exit 77; }
fi

backends=ptrace
"$HARDEN" learn --backend=ebpf -o /dev/null -- true 2>/dev/null && backends="$backends ebpf"

# probe | python check on the profile p | line that must be in the drop-in (grep -E) | must NOT be in it
while IFS='|' read -r op check want unwanted; do
	case $op in
	i386-*) [ "$part" = i386 ] || continue ;;
	*) [ "$part" = i386 ] && continue ;;
	esac
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
		"$HARDEN" run "$@" >"$W/conf.out" 2>"$W/conf.err"
		crc=$?
		if [ "$op" = i386-socket-inet ]; then
			# systemd leaves i386 socket() unfiltered (socketcall); harden run refuses it on purpose
			grep -q 'compat ABI, where systemd cannot filter' "$W/d.conf" || bad "$be $op: compat socket not noted"
			continue
		fi
		[ $nrc = $crc ] && cmp -s "$W/native.out" "$W/conf.out" || bad "$be $op: under its drop-in: rc $crc (native $nrc): $(cat "$W/conf.out"; tail -3 "$W/conf.err"; grep -v "^#" "$W/d.conf" | tr "\n" " ")"
	done
done <<'EOF2'
i386-getpid|'getpid' in s['x86']|^SystemCallArchitectures=native x86$|
x32-getpid|'getpid' in s['x32']|^SystemCallArchitectures=native x32$|
i386-socket-inet|'socket' in s['x86'] and 'AF_INET' in p['socket_families']|^RestrictAddressFamilies=AF_INET$|^PrivateNetwork
i386-mkdir-var|'mkdir' in s['x86'] and p['paths_written'] == []|^ProtectSystem=strict$|^ReadWritePaths=
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
mknod-chr|len(p['device_nodes_made']) == 1|^# PrivateDevices: device node .* was made|^PrivateDevices=
mkfifo|p['device_nodes_made'] == []|^PrivateDevices=yes$|
timerfd-alarm|p['alarm_clock_calls'] > 0|^# ProtectClock: .* alarm clock|^ProtectClock=
timerfd-monotonic|p['alarm_clock_calls'] == 0|^ProtectClock=yes$|
mount-tmpfs|'mount' in s['x86-64'] and 'mnt' not in p['namespaces']|^# ProtectKernelTunables: mount was called outside|^ProtectKernelTunables=
unshare-mount-tmpfs|'mount' in s['x86-64'] and 'mnt' in p['namespaces']|^ProtectKernelTunables=yes$|^# ProtectKernelTunables: mount
EOF2
[ "$part" = i386 ] && exit $fail
# Read-only opens: a device and files under a watched directory (/tmp) are recorded whether the path is
# absolute, relative to the cwd or relative to a directory fd (tar -C walks with openat(dirfd, name));
# the eBPF backend decides this in the kernel, so both backends must report the same. Opens elsewhere
# (/usr/share) are not recorded.
mkdir -p "$W/tree/sub" && echo x >"$W/tree/sub/f"
for be in $backends; do
	"$HARDEN" learn --backend=$be --profile-out "$W/r.json" -o /dev/null -- sh -c \
		"cd /dev && head -c1 zero >/dev/null; tar cf /dev/null -C '$W/tree' .; cat '$W/tree/sub/f'; tar cf /dev/null /usr/share/doc/coreutils" \
		>/dev/null 2>&1 || bad "$be: read-only open workload failed"
	python3 - "$W/r.json" "$W/tree" "$be" <<'PY' || bad "$be: read-only opens recorded wrongly"
import json, sys
p, tree, be = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
ok = True
for want, where in (('/dev/zero', 'devices'), (tree + '/sub', 'paths_read'), (tree + '/sub/f', 'paths_read')):
    if want not in p[where]:
        print(be, 'missing', want, 'in', where, p[where]); ok = False
if [x for x in p['paths_read'] if x.startswith('/usr/share')]:
    print(be, 'recorded reads outside watched directories', p['paths_read']); ok = False
sys.exit(0 if ok else 1)
PY
	cp "$W/r.json" "$W/r-$be.json"
done
# A path relative to a directory fd whose fd is closed and reused at once, by a process that then exits:
# the eBPF backend reads its records after the fact, so the directory must come from the kernel at the
# call, not from /proc/TID/fd later (which would name the wrong directory, or none).
mkdir -p "$W/rel/a" "$W/rel/b"
for be in $backends; do
	"$HARDEN" learn --backend=$be --profile-out "$W/rel.json" -o /dev/null -- python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
os.close(os.open("new", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
os.close(fd)
os.open(sys.argv[2], os.O_RDONLY | os.O_DIRECTORY)  # takes the same fd number
' "$W/rel/a" "$W/rel/b" >/dev/null 2>&1 || bad "$be: dirfd workload failed"
	python3 -c "
import json, sys
p = json.load(open(sys.argv[1]))
w = p['paths_written']
assert sys.argv[2] in w and sys.argv[3] not in w, w" "$W/rel.json" "$W/rel/a" "$W/rel/b" 2>/dev/null ||
		bad "$be: a write relative to a closed dirfd is not recorded in its directory"
	rm -f "$W/rel/a/new"
done

# A failed call is not a write (issue 26): mkdir -p of directories that exist fails with EEXIST at every
# component, and a read-only mount (ProtectSystem=strict) fails it alike, so nothing is written and the
# drop-in keeps ProtectSystem=strict without a ReadWritePaths= (was: ReadWritePaths=/). ptrace sees the
# result at the call's exit stop, eBPF in a sys_exit record. The second workload: which failures still
# count (trace/observe.c, failed_alike_read_only): unlink of a missing file is EROFS on a read-only mount,
# not ENOENT, so its directory is written; O_EXCL on an existing file and chmod of a missing one are not.
mkdir -p "$W/fail/ex" "$W/fail/made" "$W/fail/gone" && : >"$W/fail/ex/f"
for be in $backends; do
	"$HARDEN" learn --backend=$be --profile-out "$W/mkp.json" -o "$W/mkp.conf" -- mkdir -p /var/log /usr/share /etc \
		>/dev/null 2>&1 || bad "$be: mkdir -p of existing directories failed"
	python3 -c "import json,sys; w=json.load(open(sys.argv[1]))['paths_written']; assert w == [], w" "$W/mkp.json" \
		2>/dev/null || bad "$be: mkdir -p of existing directories recorded writes"
	grep -q '^ProtectSystem=strict$' "$W/mkp.conf" && ! grep -q '^ReadWritePaths=' "$W/mkp.conf" ||
		bad "$be: mkdir -p of existing directories: $(grep -E '^(ProtectSystem|ReadWritePaths)=' "$W/mkp.conf")"
	"$HARDEN" learn --backend=$be --profile-out "$W/fail.json" -o /dev/null -- python3 -c '
import os, sys
d = sys.argv[1]
def fails(f, *a):
    try:
        f(*a)
    except OSError:
        return
    sys.exit("did not fail: %s%r" % (f.__name__, a))
fails(os.mkdir, "/")
fails(os.open, d + "/ex/f", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
fails(os.chmod, d + "/nodir/x", 0o644)
fails(os.mkdir, d + "/nodir/x")
fails(os.unlink, d + "/gone/x")
os.rmdir(d + "/made")
' "$W/fail" >/dev/null 2>"$W/fail.err" || bad "$be: failing calls workload failed: $(tail -1 "$W/fail.err")"
	python3 -c "
import json, sys
w, d = json.load(open(sys.argv[1]))['paths_written'], sys.argv[2]
assert w == [d, d + '/gone'], w" "$W/fail.json" "$W/fail" 2>/dev/null ||
		bad "$be: failed calls recorded wrongly: $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['paths_written'])" "$W/fail.json")"
	mkdir -p "$W/fail/made"
done

# Execs that gain privileges, which NoNewPrivileges= would stop: the kernel says so in AT_SECURE. Run as
# nobody: a set-uid file and a file with file capabilities gain (no set-uid bit, same ids: only AT_SECURE
# tells); a plain copy gains nothing. Under no_new_privs the kernel grants nothing, so the file is judged.
# Needs root (to become nobody and to setcap).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && command -v setcap >/dev/null && [ -u /usr/bin/su ]; then
	P=$(mktemp -d)
	chmod 755 "$P"
	cp /usr/bin/true "$P/caps-true"
	cp /usr/bin/true "$P/plain-true"
	setcap cap_net_bind_service+ep "$P/caps-true" || bad "setcap failed on $P"
	for be in $backends; do
		# case | setpriv options | command | the file that must be recorded (empty: none)
		while IFS='|' read -r name opts cmd gained; do
			# shellcheck disable=SC2086
			"$HARDEN" learn --backend=$be --profile-out "$W/x.json" -o "$W/x.conf" -- \
				setpriv --reuid=65534 --regid=65534 --clear-groups $opts -- $cmd >/dev/null 2>&1 ||
				bad "$be $name: the workload failed"
			python3 -c "
import json, sys
p = json.load(open(sys.argv[1]))
want = [sys.argv[2]] if sys.argv[2] else []
assert p['setuid_execs'] == want and 65534 in p['uids'], (p['setuid_execs'], p['uids'])" "$W/x.json" "$gained" 2>/dev/null ||
				bad "$be $name: privileges gained at exec recorded wrongly: $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['setuid_execs'])" "$W/x.json" 2>&1)"
			if [ -n "$gained" ]; then
				grep -q "^# NoNewPrivileges: an exec gained privileges .*$gained" "$W/x.conf" &&
					! grep -q '^NoNewPrivileges=' "$W/x.conf" || bad "$be $name: NoNewPrivileges= not left out"
				! grep -q '^CapabilityBoundingSet=' "$W/x.conf" || bad "$be $name: CapabilityBoundingSet= emptied"
			else
				grep -q '^NoNewPrivileges=yes$' "$W/x.conf" || bad "$be $name: NoNewPrivileges=yes missing"
			fi
		done <<EOF3
set-uid||/usr/bin/su --help|/usr/bin/su
file-caps||$P/caps-true|$P/caps-true
plain||$P/plain-true|
file-caps-nnp|--no-new-privs|$P/caps-true|$P/caps-true
EOF3
	done
	# The bounding set: ptrace works unprivileged, so harden itself runs as nobody and no exec happens
	# as root. A plain program held no capability: CapabilityBoundingSet= (empty). A copy holding a file
	# capability in its permitted set only (a capability-aware program raises it when needed) must keep it.
	cp /usr/bin/true "$P/prm-true"
	setcap cap_net_bind_service+p "$P/prm-true" || bad "setcap +p failed on $P"
	mkdir "$P/out"
	chown 65534:65534 "$P/out"
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
	if nobody "$HARDEN" --version >/dev/null 2>&1; then
		for case in plain-true:empty prm-true:kept; do
			nobody "$HARDEN" learn --backend=ptrace -o "$P/out/c.conf" -- "$P/${case%:*}" >/dev/null 2>&1 ||
				bad "ptrace as nobody, ${case%:*}: learn failed"
			if [ "${case#*:}" = empty ]; then
				grep -q '^CapabilityBoundingSet=$' "$P/out/c.conf" || bad "ptrace as nobody: no CapabilityBoundingSet= for a program without capabilities"
			else
				grep -q '^# CapabilityBoundingSet: ' "$P/out/c.conf" && ! grep -q '^CapabilityBoundingSet=' "$P/out/c.conf" ||
					bad "ptrace as nobody: CapabilityBoundingSet= emptied for a program with a file capability"
			fi
		done
	else
		echo "note: bounding-set checks not run: nobody cannot run $HARDEN (a directory on its path is closed)"
	fi
	rm -rf "$P"
else
	echo "note: privilege-gaining exec checks not run: they need root, setpriv, setcap and a set-uid /usr/bin/su"
fi

# eBPF: a read-only open of an absolute path is sent to user space once, not once per open (a daemon with
# its document root in a watched directory opens the same file per request). N opens of one file under
# /tmp (watched: PrivateTmp=), of one whose path is longer than 64 bytes (remembered in a map of its own)
# and of /dev/null must cost about as many records for N=3000 as for N=20, and still be seen; an open for
# writing of the same file after them must still be sent.
if [ "$part" = main ] && echo "$backends" | grep -q ebpf; then
	D=$(mktemp -d /tmp/hd-repeat.XXXXXX)
	echo data >"$D/page"
	L=$D/a-file-name-long-enough-to-make-the-path-longer-than-64-bytes
	echo data >"$L"
	for n in 20 3000; do
		"$HARDEN" learn --backend=ebpf --profile-out "$W/rep$n.json" -o /dev/null -- python3 -c "
import os, sys
for _ in range($n):
    os.close(os.open('$D/page', os.O_RDONLY)); os.close(os.open('/dev/null', os.O_RDONLY))
    os.close(os.open('$L', os.O_RDONLY))
os.close(os.open('$D/page', os.O_WRONLY))" >/dev/null 2>"$W/rep$n.err" || bad "ebpf repeat $n: learn failed"
		sed -n 's/.*, \([0-9]*\) with arguments sent.*/\1/p' "$W/rep$n.err" >"$W/rep$n.n"
		python3 -c "import json,sys; p=json.load(open(sys.argv[1])); d=sys.argv[2]
assert d + '/page' in p['paths_read'] and sys.argv[3] in p['paths_read'] and '/dev/null' in p['devices'] and d + '/page' in p['paths_written'], p" \
			"$W/rep$n.json" "$D" "$L" 2>/dev/null || bad "ebpf repeat $n: a file, /dev/null or the write is missing from the profile"
	done
	few=$(cat "$W/rep20.n") many=$(cat "$W/rep3000.n")
	[ -n "$few" ] && [ -n "$many" ] && [ "$many" -lt $((few + 50)) ] ||
		bad "ebpf: 3000 repeated read-only opens cost $many records, 20 cost $few: repeats are sent again"
	rm -rf "$D"
fi

# eBPF: a new task whose mark the kernel refuses (task storage can refuse while another program's use of
# it on the same CPU is preempted) is followed by its tgid instead. HARDEN_TEST_EBPF_NO_TASK_MARKS=1 makes
# every new task's mark "fail": a child, a grandchild (mkdir, rmdir) and a thread (sync) must all be seen.
if [ "$part" = main ] && echo "$backends" | grep -q ebpf; then
	HARDEN_TEST_EBPF_NO_TASK_MARKS=1 "$HARDEN" learn --backend=ebpf --profile-out "$W/nomark.json" -o /dev/null -- \
		sh -c "sh -c 'mkdir $W/nm && rmdir $W/nm'; python3 -c 'import os, threading; t = threading.Thread(target=os.sync); t.start(); t.join()'" \
		>/dev/null 2>"$W/nomark.err" || bad "ebpf without task marks: learn failed: $(tail -2 "$W/nomark.err")"
	grep -q 'HARDEN_TEST_EBPF_NO_TASK_MARKS=1' "$W/nomark.err" || bad "ebpf without task marks: the run did not say so"
	python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['syscalls']['x86-64']; assert {'mkdir','rmdir','sync'} <= set(s), s" \
		"$W/nomark.json" 2>/dev/null || bad "ebpf without task marks: the child's, grandchild's or thread's calls are missing"
fi

# eBPF: a followed process is found by the slot its tgid indexes; one whose slot another followed process
# holds is followed by its task mark instead. HARDEN_TEST_EBPF_ONE_SLOT=1 gives all processes one slot: the
# command holds it, and its child, grandchild (mkdir, rmdir) and python with a thread (sync) must be seen.
if [ "$part" = main ] && echo "$backends" | grep -q ebpf; then
	HARDEN_TEST_EBPF_ONE_SLOT=1 "$HARDEN" learn --backend=ebpf --profile-out "$W/oneslot.json" -o /dev/null -- \
		sh -c "sh -c 'mkdir $W/os && rmdir $W/os'; python3 -c 'import os, threading; t = threading.Thread(target=os.sync); t.start(); t.join()'" \
		>/dev/null 2>"$W/oneslot.err" || bad "ebpf with one slot: learn failed: $(tail -2 "$W/oneslot.err")"
	grep -q 'HARDEN_TEST_EBPF_ONE_SLOT=1' "$W/oneslot.err" || bad "ebpf with one slot: the run did not say so"
	python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['syscalls']['x86-64']; assert {'mkdir','rmdir','sync'} <= set(s), s" \
		"$W/oneslot.json" 2>/dev/null || bad "ebpf with one slot: the child's, grandchild's or thread's calls are missing"
fi

if [ -f "$W/r-ebpf.json" ]; then
	python3 -c "import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); assert (a['devices'],a['paths_read'])==(b['devices'],b['paths_read']), (a,b)" \
		"$W/r-ptrace.json" "$W/r-ebpf.json" 2>/dev/null || bad "ptrace and ebpf disagree on read-only opens"
fi

exit $fail
