/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include "syscalls_new.h"

#define ALL HD_ARCH_INVALID

/* Numbers: the kernel's scripts/syscall.tbl (generic) and arch/x86/entry/syscalls/syscall_64.tbl. */
const struct hd_new_syscall hd_new_syscalls[] = {
	{ "statmount", 457, ALL, "Linux 6.8, syscall.tbl" },
	{ "listmount", 458, ALL, "Linux 6.8, syscall.tbl" },
	{ "lsm_get_self_attr", 459, ALL, "Linux 6.8, syscall.tbl" },
	{ "lsm_set_self_attr", 460, ALL, "Linux 6.8, syscall.tbl" },
	{ "lsm_list_modules", 461, ALL, "Linux 6.8, syscall.tbl" },
	{ "mseal", 462, ALL, "Linux 6.10, syscall.tbl" },
	{ "setxattrat", 463, ALL, "Linux 6.13, syscall.tbl" },
	{ "getxattrat", 464, ALL, "Linux 6.13, syscall.tbl" },
	{ "listxattrat", 465, ALL, "Linux 6.13, syscall.tbl" },
	{ "removexattrat", 466, ALL, "Linux 6.13, syscall.tbl" },
	{ "open_tree_attr", 467, ALL, "Linux 6.15, syscall.tbl" },
	{ "file_getattr", 468, ALL, "Linux 6.17, syscall.tbl" },
	{ "file_setattr", 469, ALL, "Linux 6.17, syscall.tbl" },
	{ "uretprobe", 335, HD_ARCH_X86_64, "Linux 6.11, x86 syscall_64.tbl (x86-64 only)" },
	{ "uprobe", 336, HD_ARCH_X86_64, "Linux 6.16, x86 syscall_64.tbl (x86-64 only)" },
	{ NULL, 0, ALL, NULL },
};
