/* SPDX-License-Identifier: MIT */
#pragma once
#include <stddef.h>
#include "syscalls/arch.h"

/*
 * Can a process of the native architecture enter the kernel through its other ABIs right now?
 *
 * On x86-64 a process has three ways in: `syscall` (x86-64), `int $0x80` (i386) and `syscall` with bit 30
 * of the number set (x32). A kernel built with IA-32 emulation may still have the i386 gate switched off
 * (ia32_emulation=0, or a hypervisor that runs 64-bit user code only): `int $0x80` then faults before the
 * kernel's syscall path, so no seccomp filter ever sees the call, and nothing can slip past a filter that
 * way either. An x32 call, by contrast, always reaches seccomp; without CONFIG_X86_X32_ABI it merely
 * returns ENOSYS after the filters ran. The answer decides which tests can run and what harden may claim.
 */
enum hd_abi_reach {
	HD_ABI_REACHABLE,   /* a call through it ran */
	HD_ABI_FILTERED_ONLY, /* seccomp sees its calls, but the kernel implements none (ENOSYS) */
	HD_ABI_FAULTS,      /* entering faults (signal in .detail): unreachable, no filter sees it */
	HD_ABI_UNKNOWN,     /* the probe itself failed (.detail: an errno) */
};

struct hd_abi_probe {
	hd_arch arch;
	enum hd_abi_reach reach;
	int detail; /* HD_ABI_FAULTS: the signal; HD_ABI_UNKNOWN: a positive errno; else 0 */
};

/*
 * Probe every compat ABI of the native architecture (x86-64: x86, x32) with one getpid each, made in a
 * forked child without any filter (it can neither dump core nor take the caller down). Fills out[] in
 * hd_arch_native_abis() order, minus the native ABI itself, and returns how many (0 where the
 * architecture has no compat ABI harden can enter from C, e.g. arm64's AArch32 needs 32-bit code).
 */
int hd_probe_compat_abis(struct hd_abi_probe out[2]);

/* "reachable", "seen by seccomp, not implemented (ENOSYS)", "faults (SIGSEGV) ...": one phrase. */
const char *hd_abi_reach_describe(const struct hd_abi_probe *p, char *buf, size_t len);

/* In a forked child that is expected to fault: give SIGSEGV, SIGBUS, SIGILL and SIGFPE their default
 * action again, with rt_sigaction(2) itself, so neither a sanitizer's nor a test framework's handler
 * (both intercept signal() and sigaction()) turns the fault into something else. */
void hd_reset_fault_signals(void);
