/* SPDX-License-Identifier: MIT */
#include "syscalls/arch.h"

#include <linux/audit.h>
#include <seccomp.h>
#include <string.h>

#ifndef AUDIT_ARCH_LOONGARCH64
#define AUDIT_ARCH_LOONGARCH64 0xc0000102u
#endif
#ifndef SCMP_ARCH_LOONGARCH64
#define SCMP_ARCH_LOONGARCH64 0 /* libseccomp 2.5.4 has no LoongArch */
#endif

/*
 * x32 has no audit arch of its own: the kernel reports x32 calls as AUDIT_ARCH_X86_64 with bit 30
 * (0x40000000) set in the syscall number. libseccomp's SCMP_ARCH_X32 token is its own invention, so
 * audit_arch below is the value the kernel actually puts in seccomp_data.arch.
 */
static const struct hd_arch_info arch_table[HD_ARCH_COUNT] = {
	[HD_ARCH_X86_64] = { "x86-64", "x86_64", AUDIT_ARCH_X86_64, SCMP_ARCH_X86_64, false },
	[HD_ARCH_X86] = { "x86", "x86", AUDIT_ARCH_I386, SCMP_ARCH_X86, true },
	[HD_ARCH_X32] = { "x32", "x32", AUDIT_ARCH_X86_64, SCMP_ARCH_X32, false },
	[HD_ARCH_ARM64] = { "arm64", "aarch64", AUDIT_ARCH_AARCH64, SCMP_ARCH_AARCH64, false },
	[HD_ARCH_ARM] = { "arm", "arm", AUDIT_ARCH_ARM, SCMP_ARCH_ARM, false },
	[HD_ARCH_RISCV64] = { "riscv64", "riscv64", AUDIT_ARCH_RISCV64, SCMP_ARCH_RISCV64, false },
	[HD_ARCH_S390X] = { "s390x", "s390x", AUDIT_ARCH_S390X, SCMP_ARCH_S390X, true },
	[HD_ARCH_S390] = { "s390", "s390", AUDIT_ARCH_S390, SCMP_ARCH_S390, true },
	[HD_ARCH_PPC64LE] = { "ppc64-le", "ppc64le", AUDIT_ARCH_PPC64LE, SCMP_ARCH_PPC64LE, true },
	[HD_ARCH_PPC64] = { "ppc64", "ppc64", AUDIT_ARCH_PPC64, SCMP_ARCH_PPC64, true },
	[HD_ARCH_PPC] = { "ppc", "ppc", AUDIT_ARCH_PPC, SCMP_ARCH_PPC, true },
	[HD_ARCH_MIPS] = { "mips", "mips", AUDIT_ARCH_MIPS, SCMP_ARCH_MIPS, true },
	[HD_ARCH_MIPS64] = { "mips64", "mips64", AUDIT_ARCH_MIPS64, SCMP_ARCH_MIPS64, false },
	[HD_ARCH_MIPS64_N32] = { "mips64-n32", "mips64n32", AUDIT_ARCH_MIPS64N32, SCMP_ARCH_MIPS64N32, false },
	[HD_ARCH_MIPSEL] = { "mips-le", "mipsel", AUDIT_ARCH_MIPSEL, SCMP_ARCH_MIPSEL, true },
	[HD_ARCH_MIPS64EL] = { "mips64-le", "mipsel64", AUDIT_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64, false },
	[HD_ARCH_MIPS64EL_N32] = { "mips64-le-n32", "mipsel64n32", AUDIT_ARCH_MIPSEL64N32, SCMP_ARCH_MIPSEL64N32, false },
	[HD_ARCH_PARISC] = { "parisc", "parisc", AUDIT_ARCH_PARISC, SCMP_ARCH_PARISC, true },
	[HD_ARCH_PARISC64] = { "parisc64", "parisc64", AUDIT_ARCH_PARISC64, SCMP_ARCH_PARISC64, true },
	[HD_ARCH_LOONGARCH64] = { "loongarch64", "loongarch64", AUDIT_ARCH_LOONGARCH64, SCMP_ARCH_LOONGARCH64, false },
};

const struct hd_arch_info *hd_arch_info(hd_arch a)
{
	return a >= 0 && a < HD_ARCH_COUNT ? &arch_table[a] : NULL;
}

hd_arch hd_arch_from_name(const char *name)
{
	if (strcmp(name, "native") == 0)
		return hd_arch_native();
	for (int a = 0; a < HD_ARCH_COUNT; a++)
		if (strcmp(name, arch_table[a].name) == 0 || strcmp(name, arch_table[a].seccomp_name) == 0)
			return (hd_arch)a;
	/* common spellings */
	if (strcmp(name, "x86_64") == 0 || strcmp(name, "amd64") == 0)
		return HD_ARCH_X86_64;
	if (strcmp(name, "i386") == 0 || strcmp(name, "i686") == 0)
		return HD_ARCH_X86;
	if (strcmp(name, "aarch64") == 0)
		return HD_ARCH_ARM64;
	if (strcmp(name, "ppc64le") == 0)
		return HD_ARCH_PPC64LE;
	return HD_ARCH_INVALID;
}

hd_arch hd_arch_from_audit(uint32_t audit_arch)
{
	for (int a = 0; a < HD_ARCH_COUNT; a++)
		if (a != HD_ARCH_X32 && arch_table[a].audit_arch == audit_arch)
			return (hd_arch)a;
	return HD_ARCH_INVALID;
}

hd_arch hd_arch_native(void)
{
#if defined(__x86_64__) && defined(__ILP32__)
	return HD_ARCH_X32;
#elif defined(__x86_64__)
	return HD_ARCH_X86_64;
#elif defined(__i386__)
	return HD_ARCH_X86;
#elif defined(__aarch64__)
	return HD_ARCH_ARM64;
#elif defined(__arm__)
	return HD_ARCH_ARM;
#elif defined(__riscv) && __riscv_xlen == 64
	return HD_ARCH_RISCV64;
#elif defined(__s390x__)
	return HD_ARCH_S390X;
#elif defined(__s390__)
	return HD_ARCH_S390;
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return HD_ARCH_PPC64LE;
#elif defined(__powerpc64__)
	return HD_ARCH_PPC64;
#elif defined(__powerpc__)
	return HD_ARCH_PPC;
#elif defined(__loongarch64)
	return HD_ARCH_LOONGARCH64;
#else
#error "unsupported architecture"
#endif
}

int hd_arch_native_abis(hd_arch out[3])
{
	switch (hd_arch_native()) {
	case HD_ARCH_X86_64:
		out[0] = HD_ARCH_X86_64, out[1] = HD_ARCH_X86, out[2] = HD_ARCH_X32;
		return 3;
	case HD_ARCH_ARM64:
		out[0] = HD_ARCH_ARM64, out[1] = HD_ARCH_ARM;
		return 2;
	case HD_ARCH_S390X:
		out[0] = HD_ARCH_S390X, out[1] = HD_ARCH_S390;
		return 2;
	case HD_ARCH_PPC64:
		out[0] = HD_ARCH_PPC64, out[1] = HD_ARCH_PPC;
		return 2;
	default:
		out[0] = hd_arch_native();
		return 1;
	}
}
