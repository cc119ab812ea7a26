/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* Architectures harden knows, by systemd's SystemCallArchitectures= names. */
typedef enum hd_arch {
	HD_ARCH_X86_64,
	HD_ARCH_X86,
	HD_ARCH_X32,
	HD_ARCH_ARM64,
	HD_ARCH_ARM,
	HD_ARCH_RISCV64,
	HD_ARCH_S390X,
	HD_ARCH_S390,
	HD_ARCH_PPC64LE,
	HD_ARCH_PPC64,
	HD_ARCH_PPC,
	HD_ARCH_MIPS,
	HD_ARCH_MIPS64,
	HD_ARCH_MIPS64_N32,
	HD_ARCH_MIPSEL,
	HD_ARCH_MIPS64EL,
	HD_ARCH_MIPS64EL_N32,
	HD_ARCH_PARISC,
	HD_ARCH_PARISC64,
	HD_ARCH_LOONGARCH64,
	HD_ARCH_COUNT,
	HD_ARCH_INVALID = -1,
} hd_arch;

struct hd_arch_info {
	const char *name;          /* systemd's name: "x86-64", "x86", "arm64", ... */
	const char *seccomp_name;  /* libseccomp's / scmp_sys_resolver -a name: "x86_64", "aarch64", ... */
	uint32_t audit_arch;       /* AUDIT_ARCH_* value: in seccomp_data.arch, audit records, NT_SIGINFO */
	uint32_t scmp_arch;        /* SCMP_ARCH_* token, 0 if the installed libseccomp lacks it */
	bool has_socketcall;       /* socket() multiplexed through socketcall(): no RestrictAddressFamilies */
};

const struct hd_arch_info *hd_arch_info(hd_arch a); /* NULL for invalid */
hd_arch hd_arch_from_name(const char *name);        /* systemd or libseccomp name; "native" too */
hd_arch hd_arch_from_audit(uint32_t audit_arch);
hd_arch hd_arch_native(void);                       /* the architecture harden was built for */
/* The ABIs a process of the native architecture can use: x86-64 -> x86-64, x86, x32. */
int hd_arch_native_abis(hd_arch out[3]);
