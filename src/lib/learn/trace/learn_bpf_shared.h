/* SPDX-License-Identifier: MIT */
/* Types shared by the eBPF program (learn.bpf.c) and its loader (ebpf.c). */
#pragma once
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define HD_BPF_MAX_PROCS 16384
#define HD_BPF_SLOTS 16384 /* followed processes' slots, by tgid (learn.bpf.c); a power of two */
/* values of a task's mark: followed; followed, and to be moved into a slot at its next syscall */
#define HD_BPF_MARK_FOLLOWED 1
#define HD_BPF_MARK_PROMOTE 2
#define HD_BPF_ABIS 3
#define HD_BPF_MAX_NR 1024
#define HD_BPF_RINGBUF_BYTES (1u << 20)
#define HD_BPF_PATH 256
/* A directory fd's path, as the kernel names it at the call: its components from the innermost out,
 * each NUL-terminated (user space reverses them). Written at offsets below HD_BPF_DIR_HALF, so each
 * name (at most HD_BPF_PATH bytes) fits; a longer path is not captured and /proc is asked instead. */
#define HD_BPF_DIR_HALF 512
#define HD_BPF_DIR_BYTES (HD_BPF_DIR_HALF + HD_BPF_PATH)

enum { HD_BPF_ABI_NATIVE = 0, HD_BPF_ABI_COMPAT32 = 1, HD_BPF_ABI_X32 = 2 };
/* HD_BPF_EV_FAILED_READ (report_failed_reads only): a read-only open that failed with ENOENT or EACCES,
 * built at its exit like a SYSCALL record (the path read again, the directory of its dirfd captured), its
 * result in args[5] (open and openat have five arguments at most) */
/* HD_BPF_EV_CAP: a capability check (cap_capable) of a followed task on its own credentials, the first of
 * its (process, capability, outcome): args[0] the capability, args[1] the check's result (0 or -EPERM),
 * args[2] the syscall the task was in (-1 if none), comm the task's name */
enum { HD_BPF_EV_SYSCALL = 1, HD_BPF_EV_EXEC = 2, HD_BPF_EV_FORK = 3, HD_BPF_EV_RESULT = 4, HD_BPF_EV_FAILED_READ = 5,
       HD_BPF_EV_CAP = 6 };
#define HD_BPF_MAX_CAPS_SEEN 4096 /* (process, capability) pairs remembered as sent */

/* Reading a file under one of these can break under a setting that hides the directory (ProtectHome,
 * PrivateTmp, ProtectKernelLogs, ProtectKernelModules, and all of /proc for ProtectProc= and ProcSubset=:
 * the observer keeps only the names directly under /proc, and /proc/kmsg whole). Shared by the user-space decoder and the kernel
 * filter for read-only opens, so both decide alike. */
#define HD_WATCHED_READ_PREFIXES(X) \
	X("/home") X("/root") X("/run/user") X("/tmp") X("/var/tmp") X("/proc") X("/usr/lib/modules") \
	X("/lib/modules")
/* Their last components: a name opened relative to a directory that is not watched is still sent when it
 * is one of these (it may be the watched directory itself, as in `cd / && ls home`).
 * tests/unit/test_observe.c checks that this list covers the one above. */
#define HD_WATCHED_READ_LEAVES(X) X("home") X("root") X("user") X("tmp") X("kmsg") X("modules") X("proc")

/* A directory as the kernel names it: super block device (kernel encoding: major << 20 | minor) and
 * inode number. The watched directories and /dev, stat()ed by user space before tracing starts. */
struct hd_bpf_dir_id {
	__u32 dev;
	__u32 pad;
	__u64 ino;
};
#define HD_BPF_MAX_WATCHED_DIRS 32
#define HD_BPF_MAX_RO_OPENS_SEEN 2048 /* read-only opens of absolute paths remembered as sent */
#define HD_BPF_MAX_DEPTH 48 /* directory levels walked up from a relative open's base */

/* Syscall counts of one CPU: one per-CPU map element (one allocation per CPU, not one per number). */
struct hd_bpf_counts {
	__u64 n[HD_BPF_ABIS * HD_BPF_MAX_NR];
};

/* What to copy for one (ABI, number): argument indexes 0..5, 0xff = none. */
struct hd_bpf_plan {
	__u8 wanted;
	__u8 path_arg[2];
	__u8 mem_arg;
	__u8 mem_len;
	/* open/openat: the open flags' argument (0xff = none). A read-only open of an absolute path is sent
	 * only if the path is under /dev or a watched directory. */
	__u8 open_flags_arg;
	/* the first/second path is relative to this dirfd argument (0xff = none): the directory's path is
	 * captured with the record */
	__u8 dirfd_arg;
	__u8 dirfd2_arg;
	/* sent only if args[test_arg] & test_mask is non-zero (equals test_mask if test_all); 0xff = always */
	__u8 test_arg;
	__u8 test_all;
	/* the call may write a path: sys_exit sends its result (not for a read-only open) */
	__u8 want_result;
	/* ... only when the call failed (harden run's connect, sendto: a success changes nothing) */
	__u8 result_if_failed;
	__u64 test_mask;
};

/* A call's result (HD_BPF_EV_RESULT), sent at its exit after the record of its entry: user space holds
 * the paths the entry would write until this says whether the call wrote them. */
struct hd_bpf_result {
	__u32 type;
	__u32 tid;
	__u32 abi;
	__u32 nr; /* as the kernel saw it (x32 bit included) */
	__s64 ret;
};

struct hd_bpf_event {
	__u32 type;
	__u32 tid;
	__u32 abi;
	__u32 nr;       /* as the kernel saw it (x32 bit included) */
	__u64 args[6];  /* EXEC: uid, euid, cap_effective, gid, egid, AT_SECURE | no_new_privs << 1 */
	__u32 path_len[2];
	__u32 mem_len;
	__u32 tgid;     /* FORK: the child's tgid, tid = the parent's tgid */
	char path[2][HD_BPF_PATH];
	__u8 mem[32];   /* EXEC: the permitted capability set (8 bytes) */
	__u32 dir_len[2]; /* bytes used in dir[k]; 0 = not captured */
	char dir[2][HD_BPF_DIR_BYTES];
	char comm[16];    /* SYSCALL, FAILED_READ: the task's name at the call */
	__u32 umask;      /* SYSCALL: the task's umask at the call | HD_BPF_UMASK_VALID (the modes of the files
	                   * it creates, for UMask=; the process may be gone when user space decodes) */
};
#define HD_BPF_UMASK_VALID 0x80000000u
