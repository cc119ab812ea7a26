#!/bin/sh
# The i386 bypass tests (does a filter also hold for calls made through int $0x80?) inside a real Linux VM.
# Where the host cannot run them -- a PVM/firecracker guest whose hypervisor runs 64-bit user code only
# faults on int $0x80, so run-abi-i386, learn_observe_i386, explain_core_i386 and test_sandbox's
# test_kernel_i386 skip there -- this boots a Debian kernel under QEMU (TCG: no /dev/kvm needed) and runs
# exactly those tests, plus compat-abi-report, with the environment meson gives them.
#
# The VM has no disk and no network: an initramfs made here (static busybox, the kernel's 9p/virtio/
# overlay modules, an init script) mounts the host's / read-only over virtio-9p, puts a tmpfs overlay
# on it so that the tests can write anywhere without touching the host, and chroots into it. So the
# host's /usr, the build tree and the source tree are the very files meson tested natively. Each test's
# log and exit status come back through a second, writable 9p share; the serial console (kept in the
# work directory) is the fallback and the boot diagnostic.
#
# Environment: the integration tests' (HARDEN HDPROBE SRCDIR SHARED TESTPROGS DROPIN_EXEC WRAPPER_PROBE
# WRAPPER_LIST). Optional: HARDEN_VM_FORCE=1 boots even where int $0x80 works natively;
# HARDEN_VM_KERNEL_ROOT=DIR a tree with boot/vmlinuz-VER and lib/modules/VER (default: what
# scripts/install-deps unpacked into /var/cache/harden-vm/kernel, else the installed /boot);
# HARDEN_VM_TIMEOUT (seconds for the whole VM, default 900); HARDEN_VM_KEEP=1 keeps the work directory.
# Exit 0 all passed, 77 skipped (one line why), 1 a test failed or the VM did not run them.
set -u
VARS="HARDEN HDPROBE SRCDIR SHARED TESTPROGS DROPIN_EXEC WRAPPER_PROBE WRAPPER_LIST"
# the tests run in the VM, in order: name | command (run from the build tree, as meson does)
TESTS='test_sandbox|env CMOCKA_MESSAGE_OUTPUT=stdout "$TESTPROGS/test_sandbox"
run-abi-i386|"$SRCDIR/tests/integration/run-abi.sh" i386
explain_core_i386|"$SRCDIR/tests/integration/explain_core.sh" i386
learn_observe_i386|"$SRCDIR/tests/integration/learn_observe.sh" i386
compat-abi-report|"$SRCDIR/tests/integration/compat-abi-report.sh"'

# ---- inside the VM (run by the init script below, chrooted into the overlay of the host's /) --------
if [ "${1:-}" = --in-vm ]; then
	R=/run/harden-vm/results
	say() { echo "VM: $*"; }
	result() { # NAME RC SECONDS: to the results share and to the console (the fallback)
		echo "$1 $2 $3" >>"$R/results"
		echo "VMRESULT $1 $2 $3"
	}
	read -r up _ </proc/uptime
	say "kernel $(uname -r), up ${up}s; booted into the host's tree"
	# without a working gate every test below would only skip: fail here, saying so
	probe=$("$HDPROBE" i386-getpid 2>&1)
	if [ "$probe" != ok ]; then
		say "int \$0x80 does not work in this VM either: hdprobe i386-getpid answered '$probe'"
		result int80-probe 1 0
		exit 1
	fi
	result int80-probe 0 0
	# learn_observe_i386 uses the eBPF backend where it loads and ptrace always: say which ran here
	if why=$("$HARDEN" learn --backend=ebpf -o /dev/null -- true 2>&1 >/dev/null); then
		say "learn backends: ptrace and ebpf"
	else
		say "learn backends: ptrace only; ebpf: $(echo "$why" | tail -n 1)"
		# where the kernel refuses the eBPF program, --backend=auto (the default) must still learn,
		# with ptrace, and say why
		t0=$(date +%s)
		"$HARDEN" learn -o "$R/auto.conf" -- true >"$R/learn-auto-fallback.log" 2>&1
		rc=$?
		grep -q 'backend ptrace (auto: eBPF refused here' "$R/learn-auto-fallback.log" &&
			grep -q '^SystemCallFilter=' "$R/auto.conf" || { [ "$rc" = 0 ] && rc=1; }
		result learn-auto-fallback "$rc" $(($(date +%s) - t0))
	fi
	cd "$(dirname "$TESTPROGS")" || exit 1
	echo "$TESTS" | while IFS='|' read -r name cmd; do
		say "running $name"
		t0=$(date +%s)
		# a bound per test, so that one hang still leaves the others' results
		eval "timeout -k 10 600 $cmd" >"$R/$name.log" 2>&1 </dev/null
		rc=$?
		if [ "$name" = test_sandbox ] && [ "$rc" = 0 ]; then
			# the point of running it here: the i386 case must have run, not skipped
			grep -q '^\[       OK \] test_kernel_i386$' "$R/$name.log" || {
				echo "vm-i386: test_kernel_i386 was not reported OK (skipped?)" >>"$R/$name.log"
				rc=1
			}
		fi
		result "$name" "$rc" $(($(date +%s) - t0))
	done
	exit 0
fi

# ---- on the host ---------------------------------------------------------------------------------------
skip() { echo "skip: $*" >&2; exit 77; }
die() { echo "vm-i386: $*" >&2; exit 1; }
for v in $VARS; do
	eval "val=\${$v:-}"
	case $val in
	/*) ;;
	*) die "$v must be an absolute path (the VM sees the host's / as it is); got '$val'" ;;
	esac
done
[ "$(uname -m)" = x86_64 ] || skip "int \$0x80 is x86-64's compat gate: nothing to test on $(uname -m)"
. "$SRCDIR/tests/integration/abi-common.sh"
# (the probe's stderr off: the shell reports the SIGSEGV of a faulting gate, which is the expected answer)
if [ -z "${HARDEN_VM_FORCE:-}" ] && i386_reachable 2>/dev/null; then
	skip "int \$0x80 works natively here, so run-abi-i386, learn_observe_i386, explain_core_i386 and test_kernel_i386 ran without a VM"
fi
[ "$(id -u)" -eq 0 ] || skip "needs root: QEMU must read the whole host tree to share it with the VM"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is missing (Debian package qemu-system-x86; scripts/install-deps)"
QEMU=$(command -v qemu-system-x86_64)

# busybox must be static: it runs before the host's libc is mounted
BUSYBOX=
for b in /bin/busybox /usr/bin/busybox; do
	[ -x "$b" ] || continue
	if command -v readelf >/dev/null && readelf -l "$b" 2>/dev/null | grep -q INTERP; then
		continue # a dynamic busybox (package busybox): no use before / is mounted
	fi
	BUSYBOX=$b
	break
done
[ -n "$BUSYBOX" ] || skip "no static busybox (Debian package busybox-static; scripts/install-deps)"

# The kernel: a tree with boot/vmlinuz-VER, boot/config-VER and lib/modules/VER. install-deps unpacks
# Debian's linux-image-amd64 into the cache (see there why not apt-get install); an installed one will do.
KROOT="" KVER=""
for root in ${HARDEN_VM_KERNEL_ROOT:-/var/cache/harden-vm/kernel /}; do
	for k in $(ls "$root"/boot/vmlinuz-* 2>/dev/null | sort -rV); do
		ver=${k##*/vmlinuz-}
		if [ -d "$root/lib/modules/$ver/kernel" ] && [ -f "$root/boot/config-$ver" ]; then
			KROOT=$root KVER=$ver
			break 2
		fi
	done
done
[ -n "$KVER" ] || skip "no kernel to boot (Debian package linux-image-amd64, unpacked by scripts/install-deps into /var/cache/harden-vm/kernel)"
KROOT=${KROOT%/}
KERNEL=$KROOT/boot/vmlinuz-$KVER
KCONFIG=$KROOT/boot/config-$KVER
MODDIR=$KROOT/lib/modules/$KVER
grep -q '^CONFIG_IA32_EMULATION=y' "$KCONFIG" || skip "kernel $KVER has no IA32 emulation: int \$0x80 would not work in the VM either"
# quiet: only the console lines of the guest script; mitigations=off: TCG pays for every page-table
# switch that PTI adds to each system call, and the filter semantics tested here do not depend on it
APPEND="console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init mitigations=off"
# kernels from 6.7 on may be built with IA32 emulation off unless asked for on the command line
if grep -q '^CONFIG_IA32_EMULATION_DEFAULT_DISABLED=y' "$KCONFIG"; then
	APPEND="$APPEND ia32_emulation=1"
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/vm-i386.XXXXXX") || die "mktemp failed"
if [ -n "${HARDEN_VM_KEEP:-}" ]; then
	echo "vm-i386: work directory kept: $W"
else
	trap 'rm -rf "$W"' EXIT
fi
trap 'exit 1' INT TERM
mkdir -p "$W/root/bin" "$W/root/modules" "$W/root/proc" "$W/root/sys" "$W/root/dev" "$W/out" || die "mkdir failed"

# Modules for virtio-pci, 9p over virtio and overlayfs, each after the modules it depends on (read from
# the module's own .modinfo, as there may be no modules.dep where install-deps unpacked the package).
# A module that is built in (modules.builtin) needs nothing.
: >"$W/root/modules/order"
add_module() { # NAME (as in depends=, with _ for -)
	grep -qx "$1" "$W/seen" 2>/dev/null && return 0
	echo "$1" >>"$W/seen"
	f=$(find "$MODDIR/kernel" \( -name "$1.ko*" -o -name "$(echo "$1" | tr _ -).ko*" \) | head -n 1)
	if [ -z "$f" ]; then
		grep -qE "/($1|$(echo "$1" | tr _ -))\.ko$" "$MODDIR/modules.builtin" 2>/dev/null && return 0
		die "kernel $KVER has no module $1 (needed for the 9p/overlay root)"
	fi
	ko="$W/root/modules/$1.ko"
	case $f in # busybox insmod takes plain ELF only
	*.ko) cp "$f" "$ko" ;;
	*.ko.xz) xz -dc "$f" >"$ko" ;;
	*.ko.zst) zstd -qdc "$f" >"$ko" ;;
	*.ko.gz) gzip -dc "$f" >"$ko" ;;
	*) die "unknown module format: $f" ;;
	esac || die "cannot unpack $f"
	for d in $(tr '\0' '\n' <"$ko" | sed -n 's/^depends=//p' | head -n 1 | tr , ' '); do
		add_module "$d"
	done
	echo "$1.ko" >>"$W/root/modules/order"
}
for m in virtio_pci 9pnet_virtio 9p overlay; do
	add_module "$m"
done

cp "$BUSYBOX" "$W/root/bin/busybox" || die "cannot copy $BUSYBOX"
# what the tests see in the VM: meson's variables, a plain PATH, and the sanitizer options of an ASan run
{
	for v in $VARS ASAN_OPTIONS UBSAN_OPTIONS; do
		eval "val=\${$v-}"
		eval "isset=\${$v+x}"
		[ -n "$isset" ] || continue
		printf "export %s='%s'\n" "$v" "$(printf '%s' "$val" | sed "s/'/'\\\\''/g")"
	done
	echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb'
} >"$W/root/env"
SELF=$(cd "$(dirname "$0")" && pwd -P)/$(basename "$0")

# PID 1 in the VM. It stays in the initramfs and runs the tests as a child, so that whatever they do,
# it powers the VM off at the end; if even that fails, its exit panics the kernel, and with panic=-1
# and -no-reboot QEMU then exits.
cat >"$W/root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in \$(cat /modules/order); do
	insmod /modules/\$m || echo "VM: insmod \$m failed"
done
off() { sync; poweroff -f; sleep 10; echo o >/proc/sysrq-trigger; exit 1; }
mkdir -p /host /rw /newroot
# the host's / (read-only for QEMU too); cache=loose: nothing changes it while the tests run, and
# uncached 9p lookups are most of the cost of starting a program under TCG
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /host ||
	{ echo "VM: cannot mount the host's / over 9p"; off; }
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/upper /rw/work
# an overlay: the tests may write anywhere (cores, temporary files), into RAM only
if ! mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot; then
	echo "VM: no overlay: the host's / read-only, with tmpfs on /tmp, /run, /var/tmp and /root"
	mount --bind /host /newroot
	mount -t tmpfs tmpfs /newroot/var/tmp
	mount -t tmpfs tmpfs /newroot/root
	# a writable /tmp, with the host's entries (a checkout under /tmp, as CI's may be) bound back in
	mount -t tmpfs tmpfs /newroot/tmp
	chmod 1777 /newroot/tmp
	for e in /host/tmp/* /host/tmp/.[!.]*; do
		[ -e "\$e" ] || continue
		n=/newroot/tmp/\${e#/host/tmp/}
		if [ -d "\$e" ]; then mkdir -p "\$n"; else : >"\$n"; fi
		mount --bind "\$e" "\$n" 2>/dev/null
	done
fi
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs tmpfs /newroot/dev/shm
# /tmp stays the host's, seen through the overlay (writes go to RAM): the tree under test may live
# there (CI clones into a folder of its own, /tmp/... included). /run is the host's services': a fresh one.
mount -t tmpfs -o mode=0755 tmpfs /newroot/run
mount -t tracefs tracefs /newroot/sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /newroot/sys/fs/bpf 2>/dev/null
mount -t cgroup2 cgroup2 /newroot/sys/fs/cgroup 2>/dev/null
mkdir -p /newroot/run/harden-vm/results
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /newroot/run/harden-vm/results ||
	echo "VM: no results share: the console has the results"
. /env
chroot /newroot /bin/sh '$SELF' --in-vm
echo "VMDONE \$?"
off
EOF
chmod 755 "$W/root/init"
(cd "$W/root" && find . | "$BUSYBOX" cpio -o -H newc >"$W/initrd" 2>/dev/null) || die "cannot make the initramfs"

echo "vm-i386: booting kernel $KVER ($KERNEL) under $QEMU (TCG, no network)"
t0=$(date +%s)
# -nic none: the tests need no network and the VM gets none. multidevs=remap: the host's / spans
# several file systems, and their inode numbers must not collide in the guest.
timeout -k 10 "${HARDEN_VM_TIMEOUT:-900}" "$QEMU" -machine pc,accel=tcg -cpu max -smp 2 -m 2G \
	-nographic -no-reboot -nic none \
	-kernel "$KERNEL" -initrd "$W/initrd" -append "$APPEND" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$W/out,mount_tag=results,security_model=none,multidevs=remap" \
	</dev/null >"$W/console" 2>&1
qrc=$?
secs=$(($(date +%s) - t0))
# the serial console has CRs and the firmware's terminal escapes, sometimes on the guest's lines
tr -d '\r' <"$W/console" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g' >"$W/console.txt"
[ "$qrc" = 124 ] && echo "vm-i386: the VM timed out after ${HARDEN_VM_TIMEOUT:-900}s" >&2
echo "vm-i386: the VM ran ${secs}s (QEMU exit $qrc)"
grep -o 'VM: .*' "$W/console.txt" | sed 's/^/  /'

# the results share first; the console's VMRESULT lines if the share did not come up
if [ -s "$W/out/results" ]; then
	cp "$W/out/results" "$W/results"
else
	sed -n 's/.*VMRESULT //p' "$W/console.txt" >"$W/results"
fi
fails=0
check() { # NAME: one line for it; its log when there is one
	line=$(grep "^$1 " "$W/results" | tail -n 1)
	if [ -z "$line" ]; then
		echo "vm-i386: $1: NOT RUN"
		fails=$((fails + 1))
		return
	fi
	rc=$(echo "$line" | cut -d' ' -f2) s=$(echo "$line" | cut -d' ' -f3)
	case $rc in
	0) echo "vm-i386: $1: PASS (${s}s)" ;;
	77) echo "vm-i386: $1: SKIPPED in the VM (${s}s): counts as a failure, the VM exists to run it"; fails=$((fails + 1)) ;;
	*) echo "vm-i386: $1: FAIL, exit $rc (${s}s)"; fails=$((fails + 1)) ;;
	esac
	[ -f "$W/out/$1.log" ] && sed 's/^/  | /' "$W/out/$1.log"
}
check int80-probe
if grep -q '^int80-probe 0 ' "$W/results"; then
	echo "$TESTS" | while IFS='|' read -r name _; do echo "$name"; done >"$W/names"
	grep -q '^learn-auto-fallback ' "$W/results" && echo learn-auto-fallback >>"$W/names"
	while read -r name; do check "$name"; done <"$W/names"
else
	echo "vm-i386: the VM has no working int \$0x80 (or did not get that far): nothing can be tested" >&2
fi
if [ "$fails" -ne 0 ] || ! grep -q '^int80-probe 0 ' "$W/results"; then
	echo "vm-i386: the console, last 40 lines:" >&2
	tail -n 40 "$W/console.txt" | sed 's/^/  > /' >&2
	echo "vm-i386: $fails failed" >&2
	exit 1
fi
echo "vm-i386: all i386 tests passed in the VM"
exit 0
