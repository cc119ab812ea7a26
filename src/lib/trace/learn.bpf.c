// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * harden learn, eBPF side (CO-RE, BTF tracepoints: no tracefs needed).
 *
 * sys_enter (tp_btf): if the calling process is one we follow, count (ABI, number) in a per-CPU array and,
 * for the calls user space marked as deciding a setting, send the arguments (and the strings/structs they
 * point to) through a ring buffer. sched_process_fork adds children of followed processes (threads share
 * the tgid, so they are followed already); sched_process_exec reports execs (set-uid check, capabilities);
 * sched_process_exit forgets a process when its leader exits.
 *
 * Memory bound: followed 16384 tgids (~0.6 MiB), counts 3 ABIs x 1024 numbers x 8 bytes per CPU,
 * plan 3072 x 8 bytes, ring buffer 4 MiB: about 5 MiB + 24 KiB per CPU, whatever the workload.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "learn_bpf_shared.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Set by user space before load. */
const volatile __u64 target_cgroup = 0; /* cgroup v2 id to follow as a whole (0 = none) */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HD_BPF_MAX_PROCS);
	__type(key, __u32);  /* tgid */
	__type(value, __u8);
} followed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HD_BPF_ABIS * HD_BPF_MAX_NR);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HD_BPF_ABIS * HD_BPF_MAX_NR);
	__type(key, __u32);
	__type(value, struct hd_bpf_plan);
} plan SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, HD_BPF_RINGBUF_BYTES);
} events SEC(".maps");

#define TS_COMPAT 0x0002 /* x86: a 32-bit syscall is active (arch/x86/include/asm/thread_info.h) */
#define X32_BIT 0x40000000

static __always_inline bool is_followed(__u32 tgid)
{
	if (bpf_map_lookup_elem(&followed, &tgid))
		return true;
	if (target_cgroup && bpf_get_current_cgroup_id() == target_cgroup) {
		__u8 one = 1;
		bpf_map_update_elem(&followed, &tgid, &one, BPF_ANY);
		return true;
	}
	return false;
}

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *l = bpf_map_lookup_elem(&lost, &zero);
	if (l)
		*l += 1;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if (!is_followed(tgid))
		return 0;

	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	__u32 status = BPF_CORE_READ(task, thread_info.status);
	__u32 abi = HD_BPF_ABI_NATIVE;
	__u64 nr = (__u64)id;
	if (status & TS_COMPAT)
		abi = HD_BPF_ABI_COMPAT32;
	else if (nr & X32_BIT) {
		abi = HD_BPF_ABI_X32;
		nr &= ~(__u64)X32_BIT;
	}
	if (nr >= HD_BPF_MAX_NR)
		return 0;
	__u32 idx = abi * HD_BPF_MAX_NR + (__u32)nr;
	__u64 *c = bpf_map_lookup_elem(&counts, &idx);
	if (c)
		*c += 1;

	struct hd_bpf_plan *p = bpf_map_lookup_elem(&plan, &idx);
	if (!p || !p->wanted)
		return 0;
	struct hd_bpf_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	e->type = HD_BPF_EV_SYSCALL;
	e->tid = (__u32)pid_tgid;
	e->tgid = tgid;
	e->abi = abi;
	e->nr = (__u32)id;
	if (abi == HD_BPF_ABI_COMPAT32) {
		/* i386 convention: ebx ecx edx esi edi ebp, 32 bits each */
		e->args[0] = (__u32)BPF_CORE_READ(regs, bx);
		e->args[1] = (__u32)BPF_CORE_READ(regs, cx);
		e->args[2] = (__u32)BPF_CORE_READ(regs, dx);
		e->args[3] = (__u32)BPF_CORE_READ(regs, si);
		e->args[4] = (__u32)BPF_CORE_READ(regs, di);
		e->args[5] = (__u32)BPF_CORE_READ(regs, bp);
	} else {
		e->args[0] = BPF_CORE_READ(regs, di);
		e->args[1] = BPF_CORE_READ(regs, si);
		e->args[2] = BPF_CORE_READ(regs, dx);
		e->args[3] = BPF_CORE_READ(regs, r10);
		e->args[4] = BPF_CORE_READ(regs, r8);
		e->args[5] = BPF_CORE_READ(regs, r9);
	}
	/* strings and structs behind pointers: copied now, while they still say what the call saw */
	e->path_len[0] = e->path_len[1] = 0;
	e->mem_len = 0;
	if (p->path_arg[0] < 6) {
		long n = bpf_probe_read_user_str(e->path[0], sizeof(e->path[0]), (void *)e->args[p->path_arg[0] & 7]);
		e->path_len[0] = n > 0 ? n : 0;
	}
	if (p->path_arg[1] < 6) {
		long n = bpf_probe_read_user_str(e->path[1], sizeof(e->path[1]), (void *)e->args[p->path_arg[1] & 7]);
		e->path_len[1] = n > 0 ? n : 0;
	}
	if (p->mem_arg < 6 && p->mem_len > 0) {
		__u32 len = p->mem_len;
		if (len > sizeof(e->mem))
			len = sizeof(e->mem);
		if (bpf_probe_read_user(e->mem, len, (void *)e->args[p->mem_arg & 7]) == 0)
			e->mem_len = len;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	if (ptgid == ctgid || !bpf_map_lookup_elem(&followed, &ptgid))
		return 0;
	__u8 one = 1;
	if (bpf_map_update_elem(&followed, &ctgid, &one, BPF_ANY) != 0)
		count_lost();
	/* user space models working directories: the child starts in its parent's */
	struct hd_bpf_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	e->type = HD_BPF_EV_FORK;
	e->tid = ptgid;
	e->tgid = ctgid;
	e->abi = e->nr = 0;
	e->path_len[0] = e->path_len[1] = e->mem_len = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	if (!bpf_map_lookup_elem(&followed, &tgid))
		return 0;
	struct hd_bpf_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	e->type = HD_BPF_EV_EXEC;
	e->tid = BPF_CORE_READ(p, pid);
	e->tgid = tgid;
	e->abi = 0;
	e->nr = 0;
	/* the new credentials: set-uid shows as euid != uid; capabilities as the effective set */
	const struct cred *cred = BPF_CORE_READ(p, cred);
	e->args[0] = BPF_CORE_READ(cred, uid.val);
	e->args[1] = BPF_CORE_READ(cred, euid.val);
	e->args[2] = BPF_CORE_READ(cred, cap_effective.val);
	e->args[3] = BPF_CORE_READ(cred, gid.val);
	e->args[4] = BPF_CORE_READ(cred, egid.val);
	e->path_len[0] = e->path_len[1] = 0;
	e->mem_len = 0;
	long n = bpf_probe_read_kernel_str(e->path[0], sizeof(e->path[0]), BPF_CORE_READ(bprm, filename));
	e->path_len[0] = n > 0 ? n : 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid), pid = BPF_CORE_READ(p, pid);
	if (pid == tgid)
		bpf_map_delete_elem(&followed, &tgid);
	return 0;
}
