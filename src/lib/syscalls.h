/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include "arch.h"
#include "strv.h"

/* Syscall names <-> numbers per architecture.
 * Numbers are as the kernel sees them in seccomp_data.nr, so x32 numbers include the 0x40000000 bit
 * (libseccomp's convention too). */
#define HD_NR_NONE (-1) /* the name is not a syscall on that architecture (or not known at all) */

enum hd_nr_source {
	HD_NR_SRC_NONE,       /* not found */
	HD_NR_SRC_LIBSECCOMP, /* the installed libseccomp's table */
	HD_NR_SRC_PROJECT,    /* harden's own table of syscalls newer than libseccomp (src/lib/syscalls_new.c) */
};

int hd_syscall_nr(const char *name, hd_arch arch, enum hd_nr_source *src /* may be NULL */);
/* Name for a number on an architecture; NULL if none. Static storage. */
const char *hd_syscall_name(hd_arch arch, int nr);
/* True if the installed libseccomp can resolve the name on at least one architecture. */
bool hd_syscall_libseccomp_knows(const char *name);
/* True if the name is a syscall anywhere: libseccomp, the project table, or systemd's @known (any version). */
bool hd_syscall_name_known(const char *name);
/* Every name harden knows (libseccomp's names on the supported arches, project table, @known), sorted. */
int hd_syscall_all_names(hd_strv *out);
/* The running kernel's syscalls, from tracefs available_events (syscalls:sys_enter_NAME), sorted.
 * 0, or -errno (-ENOENT when tracefs is not mounted or readable). */
int hd_kernel_syscalls(hd_strv *out);
