#!/bin/sh
# What harden says about the running kernel's compat ABIs (harden --version, syscall-filter --json) must
# agree with a direct probe (hdprobe), and on a kernel where int $0x80 faults, run and learn must not
# claim that an i386 call ran, was seen or was blocked.
set -u
: "${HARDEN:?}" "${HDPROBE:?}"
. "$(dirname "$0")/abi-common.sh"
[ "$(uname -m)" = x86_64 ] || { echo "skip: the compat ABIs probed here are x86-64's" >&2; exit 77; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

"$HARDEN" --version >"$W/v" || bad "harden --version exited $?"
"$HARDEN" syscall-filter --json getpid >"$W/j" || bad "syscall-filter --json exited $?"
reach() { python3 -c "import json,sys; print({a['arch']: a['reach'] for a in json.load(open(sys.argv[1]))['syscalls'][0]['kernel']['compat_abis']}[sys.argv[2]])" "$W/j" "$1"; }

if i386_reachable; then
	grep -q '^  compat ABI x86: reachable' "$W/v" || bad "--version: x86 reachable per hdprobe: $(cat "$W/v")"
	[ "$(reach x86)" = reachable ] || bad "syscall-filter --json: x86 is $(reach x86), hdprobe reached it"
	"$HARDEN" run -p SystemCallArchitectures=native -- "$HDPROBE" i386-probe >/dev/null 2>"$W/err"
	[ $? = 159 ] && grep -q 'blocked getpid (nr 20, x86)' "$W/err" || bad "run: i386 getpid not blocked: $(cat "$W/err")"
	echo "int \$0x80 reachable: reported as such, and filtered"
else
	echo "note: $I386_WHY" >&2
	grep -q '^  compat ABI x86: unreachable: entering it faults (SIGSEGV)' "$W/v" || bad "--version: $(cat "$W/v")"
	[ "$(reach x86)" = faults ] || bad "syscall-filter --json: x86 is $(reach x86), hdprobe saw it fault"
	# run: the death is the kernel's, not the filter's, and it says so
	"$HARDEN" run -p SystemCallArchitectures=native -- "$HDPROBE" i386-probe >/dev/null 2>"$W/err"
	rc=$?
	[ $rc = 139 ] || bad "run: exit $rc, want 139 (SIGSEGV)"
	grep -q 'blocked' "$W/err" && bad "run claims a block: $(cat "$W/err")"
	grep -q 'killed by signal 11 (SIGSEGV), not by the filter' "$W/err" || bad "run: $(cat "$W/err")"
	grep -q 'int \$0x80 faults with SIGSEGV' "$W/err" || bad "run: no int \$0x80 note: $(cat "$W/err")"
	"$HARDEN" run --audit -p SystemCallFilter=~getpid -- "$HDPROBE" i386-probe >/dev/null 2>"$W/err"
	grep -q 'no call would have been blocked' "$W/err" || bad "run --audit: $(cat "$W/err")"
	# learn: no i386 call seen, so no x86 in SystemCallArchitectures=
	backends=ptrace
	"$HARDEN" learn --backend=ebpf -o /dev/null -- true 2>/dev/null && backends="$backends ebpf"
	for be in $backends; do
		"$HARDEN" learn --backend=$be --profile-out "$W/p.json" -o "$W/d.conf" -- "$HDPROBE" i386-probe 2>"$W/err"
		python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['syscalls']; assert not s.get('x86'), s" "$W/p.json" ||
			bad "$be: the profile claims i386 calls"
		grep -q '^SystemCallArchitectures=native$' "$W/d.conf" || bad "$be: $(grep Architectures "$W/d.conf")"
		grep -q 'int \$0x80 faults with SIGSEGV' "$W/err" || bad "$be: no int \$0x80 note: $(cat "$W/err")"
	done
	echo "int \$0x80 faults: reported as such by --version and syscall-filter; run and learn ($backends) claim no i386 call"
fi
# x32 always reaches seccomp: reachable, or enosys without CONFIG_X86_X32_ABI, never faults
x32=$("$HDPROBE" x32-getpid)
case $x32 in
ok) want=reachable ;;
"errno 38 ENOSYS") want=enosys ;;
*) want="?($x32)" ;;
esac
[ "$(reach x32)" = "$want" ] || bad "syscall-filter --json: x32 is $(reach x32), hdprobe says $x32"
exit $fail
