/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include "syscalls/syscalls_new.h"

#define ALL HD_ARCH_INVALID

/*
 * Syscalls that Debian 12's libseccomp (2.5.4-1+deb12u1, whose table was patched up to futex_requeue = 456)
 * cannot resolve, on the architectures harden models. libseccomp is always asked first
 * (src/lib/syscalls/syscalls.c), so a row here only matters while the installed libseccomp lacks the name.
 *
 * Since Linux 5.1 every architecture takes new syscalls from one shared list (scripts/syscall.tbl,
 * include/uapi/asm-generic/unistd.h); the per-arch tables (x86 syscall_64.tbl / syscall_32.tbl, arm
 * tools/syscall.tbl, s390, powerpc, mips n32/n64/o32, parisc) repeat the same number as "common" (x32
 * shares the x86-64 row; mips adds its ABI offset). syscalls.c derives those per-arch numbers.
 *
 * Checked on this project's test machine (Linux 6.18, x86-64): 457..469 answer a call with invalid
 * arguments with EINVAL/EFAULT/E2BIG (not ENOSYS), uretprobe (335) kills the caller with SIGILL outside a
 * uprobe trampoline, uprobe (336) returns ENXIO; tests/unit/test_syscalls.c repeats the check for every
 * row the running kernel lists in tracefs. 470 and 471 return ENOSYS on 6.18 (they are newer).
 *
 * Names in systemd's @known that libseccomp 2.5.4 lacks but that need no number here are listed in
 * hd_syscalls_elsewhere[] below (tests/unit/test_syscalls.c checks that every such name is covered).
 * Names whose number is not established are in hd_syscalls_unnumbered[] (at the end), with what is known;
 * listns and rseq_slice_yield were there once, see below.
 * The ARM-private calls (breakpoint, cacheflush, usr26, usr32, set_tls, get_tls = __ARM_NR_BASE 0x0f0000
 * + 1..6) and riscv_flush_icache are already in libseccomp 2.5.4.
 */
const struct hd_new_syscall hd_new_syscalls[] = {
	{ "statmount", 457, ALL, "Linux 6.8, scripts/syscall.tbl 457 common" },
	{ "listmount", 458, ALL, "Linux 6.8, scripts/syscall.tbl 458 common" },
	{ "lsm_get_self_attr", 459, ALL, "Linux 6.8, scripts/syscall.tbl 459 common" },
	{ "lsm_set_self_attr", 460, ALL, "Linux 6.8, scripts/syscall.tbl 460 common" },
	{ "lsm_list_modules", 461, ALL, "Linux 6.8, scripts/syscall.tbl 461 common" },
	{ "mseal", 462, ALL, "Linux 6.10, scripts/syscall.tbl 462 common" },
	{ "setxattrat", 463, ALL, "Linux 6.13, scripts/syscall.tbl 463 common" },
	{ "getxattrat", 464, ALL, "Linux 6.13, scripts/syscall.tbl 464 common" },
	{ "listxattrat", 465, ALL, "Linux 6.13, scripts/syscall.tbl 465 common" },
	{ "removexattrat", 466, ALL, "Linux 6.13, scripts/syscall.tbl 466 common" },
	{ "open_tree_attr", 467, ALL, "Linux 6.15, scripts/syscall.tbl 467 common" },
	{ "file_getattr", 468, ALL, "Linux 6.17, scripts/syscall.tbl 468 common" },
	{ "file_setattr", 469, ALL, "Linux 6.17, scripts/syscall.tbl 469 common" },
	/* Linux 6.19 (namespace listing, VFS tree); the same number in asm-generic/unistd.h, QEMU's
	 * linux-headers and the kernel selftests' fallback define. */
	{ "listns", 470, ALL, "Linux 6.19, scripts/syscall.tbl 470 common" },
	/* rseq time-slice extension (tip sched/core, Linux 7.0): the series' final version numbers it 471
	 * after listns in every table (powerpc marks it nospu); later patches carry it as context at 471. */
	{ "rseq_slice_yield", 471, ALL, "Linux 7.0, scripts/syscall.tbl 471 common" },
	/* Architecture-private calls. */
	{ "uretprobe", 335, HD_ARCH_X86_64, "Linux 6.11, x86 syscall_64.tbl 335 64 (x86-64 ABI only)" },
	{ "uprobe", 336, HD_ARCH_X86_64, "Linux 6.16, x86 syscall_64.tbl 336 64 (x86-64 ABI only)" },
	{ "riscv_hwprobe", 258, HD_ARCH_RISCV64,
	  "Linux 6.4, scripts/syscall.tbl 258 riscv (__NR_arch_specific_syscall + 14)" },
	{ NULL, 0, ALL, NULL },
};

/*
 * Names in systemd's @known (newest) that libseccomp 2.5.4 does not know and that exist only on
 * architectures harden does not model, so "-" on every architecture harden knows is the right answer.
 */
const struct hd_elsewhere_syscall hd_syscalls_elsewhere[] = {
	{ "arc_gettls", "arc" },
	{ "arc_settls", "arc" },
	{ "arc_usr_cmpxchg", "arc" },
	{ "atomic_barrier", "m68k" },
	{ "atomic_cmpxchg_32", "m68k" },
	{ "dipc", "alpha" },
	{ "exec_with_loader", "alpha" },
	{ "execv", "sparc" },
	{ "getdomainname", "alpha, sparc" },
	{ "getdtablesize", "alpha" },
	{ "gethostname", "alpha" },
	{ "getpagesize", "alpha" },
	{ "getxgid", "alpha" },
	{ "getxpid", "alpha" },
	{ "getxuid", "alpha" },
	{ "kern_features", "sparc" },
	/* 32-bit asm-generic arches (riscv32, arc, csky, ...) call number 62 llseek; riscv64, arm64 and
	 * loongarch64 use 62 for lseek */
	{ "llseek", "32-bit asm-generic" },
	{ "memory_ordering", "sparc" },
	{ "old_adjtimex", "alpha" },
	{ "oldumount", "alpha" },
	{ "or1k_atomic", "openrisc" },
	{ "osf_*", "alpha" }, /* a prefix: the 30 OSF/1 compatibility calls */
	{ "perfctr", "sparc" },
	{ "sched_get_affinity", "sparc" },
	{ "sched_set_affinity", "sparc" },
	{ "sethae", "alpha" },
	{ "setpgrp", "not established which (none harden models)" },
	{ "utrap_install", "sparc" },
	{ NULL, NULL },
};

/*
 * Names in a modelled systemd's @known whose number harden has not established from the kernel's own
 * tables, so they resolve nowhere (as in a systemd whose libseccomp lacks them: the name is dropped).
 */
const struct hd_unnumbered_syscall hd_syscalls_unnumbered[] = {
	/* in systemd 262.1's @known (corpus/expected-systemd262/syscall-filter.txt); not in Linux 6.18, the
	 * kernel harden is tested on, and no kernel syscall table was at hand to read its number from */
	{ "fchroot", "systemd 262's @known; newer than Linux 6.18" },
	{ NULL, NULL },
};
