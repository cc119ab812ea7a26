/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include "syscalls/arch.h"
#include "util/strv.h"

/*
 * libc functions -> the syscalls they make, as data (src/lib/elf/wrappers.c).
 *
 * Names of syscalls are x86-64's (what glibc 2.36 on Debian 12 and musl 1.2 issue there). A wrapper
 * whose syscall does not exist on another architecture is translated with hd_wrapper_syscalls_arch
 * (open -> openat, stat -> newfstatat/fstatat, pipe -> pipe2, ...).
 *
 * The table answers "which syscalls may this call make", so it over-approximates on purpose: a
 * fallback taken on older kernels (faccessat2 -> faccessat) is listed, and so are the syscalls of
 * the first call of a stdio stream (newfstatat for buffer sizing). vDSO calls (clock_gettime,
 * gettimeofday, time, getcpu) list the syscall the vDSO falls back to.
 */
enum hd_libc {
	HD_LIBC_GLIBC,
	HD_LIBC_MUSL,
};

struct hd_wrapper {
	const char *name;  /* exported name without version: "fchown", "fopen" */
	const char *glibc; /* space-separated syscalls glibc 2.36 x86-64 makes; "" = none */
	const char *musl;  /* musl 1.2's, when it differs from glibc's; NULL = same */
	const char *why;   /* the reason, when the mapping is not name = syscall */
	unsigned flags;    /* HD_WRAPPER_* */
};

/* What the list cannot say: the caller reports these as "not analysed". */
#define HD_WRAPPER_ANY_SYSCALL 0x1u /* syscall(): the number is an argument */
#define HD_WRAPPER_LOADS_CODE  0x2u /* dlopen, NSS, iconv_open: loads libraries chosen at run time */
#define HD_WRAPPER_EXECS       0x4u /* execve family, system, popen: runs another program */

/* NULL-name terminated, sorted by name (strcmp). */
extern const struct hd_wrapper hd_wrapper_table[];

/*
 * Find name's entry. Versioned and decorated names are normalised first, as data (see
 * wrapper_name_rules in wrappers.c): "fchown@GLIBC_2.2.5" -> "fchown", "__open64_2" -> "open64",
 * "__printf_chk" -> "printf", "__isoc99_sscanf" -> "sscanf", "open64" -> "open" when "open64" is
 * not itself in the table. NULL if unknown.
 */
const struct hd_wrapper *hd_wrapper_find(const char *name);

/*
 * Append (unique) the x86-64 syscalls name makes with the given libc to out.
 * Returns the number of names appended (0: known, makes none that are not already in out),
 * -ENOENT if name is not a known libc function, -ENOMEM.
 */
int hd_wrapper_syscalls(const char *name, enum hd_libc libc, hd_strv *out);

/* The same, with each syscall translated for arch where arch has no such syscall
 * (hd_wrapper_generic_equivalent). */
int hd_wrapper_syscalls_arch(const char *name, enum hd_libc libc, hd_arch arch, hd_strv *out);

/* x86-64 syscall name -> its replacement on architectures without it (the generic syscall table:
 * arm64, riscv64, loongarch64): "open" -> "openat", "stat" -> "newfstatat"... NULL if none. */
const char *hd_wrapper_generic_equivalent(const char *syscall);

/*
 * When a syscall is refused, does libc carry on anyway? glibc 2.36 retries some new syscalls with an
 * older one when the kernel (or a seccomp filter) answers ENOSYS: clone3 -> clone, statx ->
 * newfstatat, faccessat2 -> faccessat, ... and ignores the failure of a few start-up calls (rseq,
 * set_robust_list) whatever the errno. A filter that returns such an errno does not break the program.
 */
struct hd_libc_fallback {
	const char *syscall;
	int errno_value;      /* the errno libc reacts to; 0 = any errno */
	const char *fallback; /* the syscall libc makes instead; "" = it just carries on */
	const char *why;
};

extern const struct hd_libc_fallback hd_libc_fallbacks[]; /* NULL-syscall terminated */
/* The fallback for syscall refused with errno_value (positive), or NULL when libc has none. */
const struct hd_libc_fallback *hd_libc_fallback_find(const char *syscall, int errno_value);
