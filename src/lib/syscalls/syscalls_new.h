/* SPDX-License-Identifier: MIT */
#pragma once
#include "syscalls/arch.h"

/*
 * Syscalls newer than the installed libseccomp knows, as data. Since Linux 5.1 (number 424) new
 * syscalls get one number shared by every architecture's generic table (x32 adds its 0x40000000 bit);
 * .nr = that number, with .arch_only set for a call that exists on a single architecture.
 */
struct hd_new_syscall {
	const char *name;
	int nr;
	hd_arch arch_only;    /* HD_ARCH_INVALID = all architectures share nr */
	const char *source;   /* where the number comes from: kernel version and table */
};

extern const struct hd_new_syscall hd_new_syscalls[]; /* NULL-name terminated */

/* A syscall name that exists only on architectures harden does not model (alpha, sparc, ...): it has
 * no number anywhere in harden, on purpose. A name ending in '*' is a prefix. */
struct hd_elsewhere_syscall {
	const char *name;
	const char *arches; /* where it does exist, for humans */
};

extern const struct hd_elsewhere_syscall hd_syscalls_elsewhere[]; /* NULL-name terminated */

/* A syscall name systemd lists whose number harden has not established: no number anywhere, and why. */
struct hd_unnumbered_syscall {
	const char *name;
	const char *why;
};

extern const struct hd_unnumbered_syscall hd_syscalls_unnumbered[]; /* NULL-name terminated */
