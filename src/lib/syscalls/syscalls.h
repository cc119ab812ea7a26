/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include "syscalls/arch.h"
#include "util/strv.h"

/* Syscall names <-> numbers per architecture.
 * Numbers are as the kernel sees them in seccomp_data.nr, so x32 numbers include the 0x40000000 bit
 * (libseccomp's convention too). */
#define HD_NR_NONE (-1) /* the name is not a syscall on that architecture (or not known at all) */

enum hd_nr_source {
	HD_NR_SRC_NONE,       /* not found */
	HD_NR_SRC_LIBSECCOMP, /* the installed libseccomp's table */
	HD_NR_SRC_PROJECT,    /* harden's own table of syscalls newer than libseccomp (src/lib/syscalls/syscalls_new.c) */
};

int hd_syscall_nr(const char *name, hd_arch arch, enum hd_nr_source *src /* may be NULL */);
/* Name for a number on an architecture; NULL if none. Static storage. */
const char *hd_syscall_name(hd_arch arch, int nr);
/*
 * The name systemd on this machine prints for name in its SystemCallFilter=/SystemCallLog= map. It
 * keys the map by libseccomp's number on the native architecture (a negative pseudo number where the
 * native one lacks the call) and prints the name libseccomp gives that number back. Usually that is
 * name itself, but libseccomp 2.5.4 gives sys_debug_setcontext and switch_endian the same pseudo
 * number on x86 (-10191), so they are one entry, printed "switch_endian". name when libseccomp does
 * not know it. Static storage (or name).
 */
const char *hd_syscall_map_name(const char *name);
/* True if the installed libseccomp can resolve the name on at least one architecture. */
bool hd_syscall_libseccomp_knows(const char *name);
/* True if a libseccomp release resolves the name: the installed one, or a newer one (the project table
 * of calls newer than the installed libseccomp, hd_new_syscalls: every row is in libseccomp's own table,
 * src/syscalls.csv, of 2.6.0, 2.6.1 or main). False for names no libseccomp knows (fstatat, llseek,
 * newfstat, the alpha/sparc/arc-only calls of @known, fchroot as of libseccomp main 2026-07), which a
 * systemd drops from its filter map whatever libseccomp it was built against. */
bool hd_syscall_some_libseccomp_knows(const char *name);
/* True if the name is a syscall anywhere: libseccomp, the project table, or any group of a modelled
 * systemd version (@known, and the few names other groups hold that @known lacks, e.g. fstatat). */
bool hd_syscall_name_known(const char *name);
/* Every name in a group of a modelled systemd version, plus the project table; sorted and unique.
 * (libseccomp cannot enumerate its names, so names only libseccomp knows are not included.) */
int hd_syscall_all_names(hd_strv *out);
/* "libseccomp", "harden table", "none". */
const char *hd_nr_source_name(enum hd_nr_source src);
/* Where harden's own table got the number of name on arch (kernel version and table), NULL if the
 * number does not come from that table (see src/lib/syscalls/syscalls_new.c). */
const char *hd_syscall_project_source(const char *name, hd_arch arch);
/* Levenshtein distance between two names, capped at cap+1 (enough to rank suggestions). */
unsigned hd_name_distance(const char *a, const char *b, unsigned cap);

/*
 * The running kernel's syscalls, from tracefs available_events (the syscalls:sys_enter_NAME lines).
 * Names are the kernel's tracepoint names ("newuname" for uname, ...), sorted and unique.
 */
#define HD_KERNEL_EVENTS_LINE_MAX (1024 * 1024) /* systemd's limit (LONG_LINE_MAX): longer = -ENOBUFS */
#define HD_KERNEL_EVENTS_FILE_MAX (64 * 1024 * 1024) /* our bound on the whole file: more = -EFBIG */
/* Parse available_events text. Lines end at '\n', '\r', "\r\n" or NUL (as systemd reads them); a line of
 * HD_KERNEL_EVENTS_LINE_MAX bytes or more fails the whole parse with -ENOBUFS, like systemd-analyze.
 * Appends to out; 0 or -errno. */
int hd_kernel_events_parse(const char *buf, size_t len, hd_strv *out);
/* Read and parse the file: /sys/kernel/tracing/available_events, else the debugfs path. 0 or -errno;
 * *read_failed (may be NULL) is set when the file opened but reading or parsing it failed (systemd
 * reports those two cases with different messages). */
int hd_kernel_syscalls_load(hd_strv *out, bool *read_failed);
/* Same, without the detail. -ENOENT when tracefs is not mounted. */
int hd_kernel_syscalls(hd_strv *out);
/* Tracepoint names systemd-analyze hides from its "Unlisted" section: the kernel's internal names of
 * syscalls whose public name differs (newuname = uname, newstat = stat, sysctl = _sysctl, ...). */
bool hd_kernel_event_is_internal(const char *event);
/* The tracepoint name the kernel uses for a syscall's public name ("uname" -> "newuname"); the name
 * itself when it is the same. */
const char *hd_kernel_event_for_syscall(const char *name);
