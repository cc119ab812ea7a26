/* SPDX-License-Identifier: MIT */
/* Types shared by the eBPF program (learn.bpf.c) and its loader (ebpf.c). */
#pragma once
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define HD_BPF_MAX_PROCS 16384
#define HD_BPF_ABIS 3
#define HD_BPF_MAX_NR 1024
#define HD_BPF_RINGBUF_BYTES (4u << 20)
#define HD_BPF_PATH 256

enum { HD_BPF_ABI_NATIVE = 0, HD_BPF_ABI_COMPAT32 = 1, HD_BPF_ABI_X32 = 2 };
enum { HD_BPF_EV_SYSCALL = 1, HD_BPF_EV_EXEC = 2, HD_BPF_EV_FORK = 3 };

/* What to copy for one (ABI, number): argument indexes 0..5, 0xff = none. */
struct hd_bpf_plan {
	__u8 wanted;
	__u8 path_arg[2];
	__u8 mem_arg;
	__u8 mem_len;
	__u8 pad[3];
};

struct hd_bpf_event {
	__u32 type;
	__u32 tid;
	__u32 abi;
	__u32 nr;       /* as the kernel saw it (x32 bit included) */
	__u64 args[6];  /* EXEC: uid, euid, cap_effective, gid, egid */
	__u32 path_len[2];
	__u32 mem_len;
	__u32 tgid;     /* FORK: the child's tgid, tid = the parent's tgid */
	char path[2][HD_BPF_PATH];
	__u8 mem[32];
};
