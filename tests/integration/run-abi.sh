#!/bin/sh
# Compat-ABI bypasses from an x86-64 process: int $0x80 (i386) and the x32 bit must not get around a rule.
# run-abi.sh i386: the int $0x80 checks (skipped where the gate faults: see abi-common.sh);
# run-abi.sh x32: the x32 checks, which run on every x86-64 kernel.
. "$(dirname "$0")/run-common.sh"
. "$(dirname "$0")/abi-common.sh"
[ "$(uname -m)" = x86_64 ] || { echo "skip: x86-64 only" >&2; exit 77; }
abi=${1:?usage: run-abi.sh i386|x32}

if [ "$abi" = x32 ]; then
	# seccomp sees x32 calls whether or not the kernel has CONFIG_X86_X32_ABI (then they are ENOSYS)
	x32_plain=$("$HDPROBE" x32-getpid)
	run_h 159 "" 'blocked getpid \(nr 1073741863, x32\).*SystemCallArchitectures' -- -p SystemCallArchitectures=native -- "$HDPROBE" x32-getpid
	run_h 0 '^ok$' "" -- -p SystemCallArchitectures=native -- "$HDPROBE" getpid
	run_h 159 "" 'blocked getpid \(nr 1073741863, x32\)' -- -p SystemCallFilter=~getpid -- "$HDPROBE" x32-getpid
	run_h 1 '^errno 13 EACCES$' "" -- -p SystemCallErrorNumber=EACCES -p SystemCallFilter=~getpid -- "$HDPROBE" x32-getpid
	run_h 159 "" 'blocked getpid \(nr 1073741863, x32\)' -- -p 'SystemCallFilter=@default @basic-io @file-system @process @signal @io-event @network-io' \
		-p SystemCallFilter=~getpid -- "$HDPROBE" x32-getpid
	# listing x32 lets it through to the kernel (which may not implement it: then ENOSYS, as unfiltered)
	"$HARDEN" run -p SystemCallArchitectures="native x32" -- "$HDPROBE" x32-getpid >"$T/out" 2>"$T/err"
	[ "$(cat "$T/out")" = "$x32_plain" ] || fail "SystemCallArchitectures=native x32: x32 getpid gave '$(cat "$T/out")', unfiltered '$x32_plain'"
	if command -v bwrap >/dev/null 2>&1; then
		"$HARDEN" run -p SystemCallFilter=~getpid --export-bpf "$T/prog.bpf" || fail "export failed"
		bwrap --dev-bind / / --seccomp 3 "$HDPROBE" x32-getpid 3<"$T/prog.bpf" >/dev/null 2>&1
		rc=$?
		[ "$rc" = 159 ] || fail "bwrap --seccomp with the exported program: x32 getpid exit $rc, want 159"
	else
		echo "note: bwrap not installed, export not checked with it" >&2
	fi
	echo "x32 getpid without a filter: $x32_plain"
	finish
fi

[ "$abi" = i386 ] || { echo "usage: run-abi.sh i386|x32" >&2; exit 2; }
if ! i386_reachable; then
	echo "skip: $I386_WHY" >&2
	exit 77
fi

# SystemCallArchitectures=native: the other ABIs are killed outright
run_h 159 "" 'blocked getpid \(nr 20, x86\).*SystemCallArchitectures' -- -p SystemCallArchitectures=native -- "$HDPROBE" i386-getpid
run_h 0 '^ok$' "" -- -p SystemCallArchitectures=native -- "$HDPROBE" getpid
# ... and the neighbour: listing x86 lets int $0x80 through
run_h 0 '^ok$' "" -- -p SystemCallArchitectures="native x86" -- "$HDPROBE" i386-getpid

# a deny list holds on every ABI
run_h 159 "" 'blocked getpid \(nr 39, x86-64\)' -- -p SystemCallFilter=~getpid -- "$HDPROBE" getpid
run_h 159 "" 'blocked getpid \(nr 20, x86\)' -- -p SystemCallFilter=~getpid -- "$HDPROBE" i386-getpid
run_h 1 '^errno 1 EPERM$' "" -- -p SystemCallFilter=~getpid:EPERM -- "$HDPROBE" i386-getpid
# neighbours unaffected
run_h 0 '^ok$' "" -- -p SystemCallFilter=~getpid -- "$HDPROBE" getppid
# an allow list holds too
run_h 159 "" 'blocked getpid \(nr 20, x86\)' -- -p 'SystemCallFilter=@default @basic-io @file-system @process @signal @io-event @network-io' \
	-p SystemCallFilter=~getpid -- "$HDPROBE" i386-getpid
# a syscall newer than the installed libseccomp (mseal, i386 462; systemd 252 does not know it): harden's own
# prefix holds the line
run_h 159 "" 'blocked mseal \(nr 462, x86\)' -- --systemd=latest -p SystemCallFilter=~mseal -- "$HDPROBE" i386-raw 462
run_h 1 '^errno 1 EPERM$' "" -- --systemd=latest -p SystemCallFilter=~mseal:EPERM -- "$HDPROBE" i386-raw 462
# RestrictAddressFamilies: on i386 socket() is refused (socketcall hides the family)
run_h 1 '^errno 97 EAFNOSUPPORT$' "" -- -p RestrictAddressFamilies=AF_UNIX -- "$HDPROBE" i386-socket-inet
run_h 1 '^errno 97 EAFNOSUPPORT$' "" -- -p RestrictAddressFamilies=AF_UNIX -- "$HDPROBE" i386-socketcall-inet
# ... also when the allow list allows socketcall() itself (its own rule must not swallow socket's)
run_h 1 '^errno 97 EAFNOSUPPORT$' "" -- -p SystemCallFilter=@system-service -p RestrictAddressFamilies=AF_UNIX -- "$HDPROBE" i386-socketcall-inet
run_h 0 '^ok$' "" -- -p SystemCallFilter=@system-service -- "$HDPROBE" i386-socketcall-inet
# a deny list on socket holds through socketcall() even when socketcall is allowed
run_h 159 "" 'blocked socket \(through socketcall\) \(nr 102, x86\)' -- -p SystemCallFilter=@system-service -p SystemCallFilter=~socket -- "$HDPROBE" i386-socketcall-inet
# the exported program kills them too when loaded by someone else (bwrap)
if command -v bwrap >/dev/null 2>&1; then
	"$HARDEN" run -p SystemCallFilter=~getpid --export-bpf "$T/prog.bpf" || fail "export failed"
	bwrap --dev-bind / / --seccomp 3 "$HDPROBE" i386-getpid 3<"$T/prog.bpf" >/dev/null 2>&1
	rc=$?
	[ "$rc" = 159 ] || fail "bwrap --seccomp with the exported program: i386 getpid exit $rc, want 159"
	bwrap --dev-bind / / --seccomp 3 "$HDPROBE" getppid 3<"$T/prog.bpf" >/dev/null 2>&1 || fail "bwrap: getppid must work"
else
	echo "note: bwrap not installed, export not checked with it" >&2
fi
finish
