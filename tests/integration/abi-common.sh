# Sourced by tests that execute code through the compat ABIs of an x86-64 process.
# i386_reachable: 0 when `int $0x80` reaches the kernel's syscall path here; else 1, with the reason in
# $I386_WHY. It is probed with one unfiltered getpid (hdprobe i386-probe: no core file when it faults).
# x32 needs no probe: an x32 call always passes through seccomp, even where the kernel lacks
# CONFIG_X86_X32_ABI and then returns ENOSYS, so the x32 bypass tests run on every x86-64 kernel.
: "${HDPROBE:?}"
I386_WHY=
i386_reachable() {
	if [ "$(uname -m)" != x86_64 ]; then
		I386_WHY="not an x86-64 machine: there is no int \$0x80 gate to test"
		return 1
	fi
	_out=$("$HDPROBE" i386-probe 2>&1)
	_rc=$?
	case $_rc in
	0) return 0 ;;
	13[2-9])
		I386_WHY="int \$0x80 faults on this kernel without any filter (signal $((_rc - 128))): the i386 ABI is unreachable here, so it cannot bypass a filter either"
		;;
	*)
		I386_WHY="int \$0x80 getpid without any filter answered '$_out' (exit $_rc): this kernel does not emulate i386"
		;;
	esac
	return 1
}
