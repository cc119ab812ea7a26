/* SPDX-License-Identifier: MIT */
/* Counting syscalls and decoding the arguments that decide hardening settings (shared by all backends). */
#include "learn/trace/observe.h"

#include <arpa/inet.h>
#include <elf.h> /* AT_SECURE, ELF class */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "syscalls/syscalls.h"
#include "learn/trace/learn_bpf_shared.h"

#define X32_BIT 0x40000000u
#define NS_ALL_FLAGS 0x7E020080ULL /* CLONE_NEWCGROUP|IPC|NET|NS|PID|USER|UTS|TIME */

/* What a path argument means for the settings. */
enum path_effect {
	EFF_NONE,
	EFF_OPEN,   /* open flags decide: read, write, or create */
	EFF_CREATE, /* creates a directory entry: the parent directory must be writable */
	EFF_REMOVE, /* removes (or renames) a directory entry: the parent directory must be writable */
	EFF_MODIFY, /* changes the file itself (data, mode, owner, times, xattrs): the path must be writable */
};

enum kind {
	K_COUNT_ONLY,
	K_PATH,        /* a row of path_rules */
	K_SOCKET,      /* family in arg 0 */
	K_SOCKETCALL,  /* i386 multiplexer: call in arg 0, args array in arg 1 */
	K_CLONE,       /* flags in arg 0 */
	K_CLONE3,      /* struct clone_args * in arg 0: flags first */
	K_UNSHARE,     /* flags in arg 0 */
	K_SETNS,       /* fd in arg 0, nstype in arg 1 */
	K_MMAP,        /* prot in arg 2 */
	K_MPROTECT,    /* prot in arg 2 (pkey_mprotect too) */
	K_SHMAT,       /* shmflg in arg 2 */
	K_PERSONALITY, /* persona in arg 0 */
	K_SCHED_SETSCHEDULER, /* policy in arg 1 */
	K_SCHED_SETATTR,      /* struct sched_attr * in arg 1: u32 size, u32 policy */
	K_FCHMOD,             /* fd in arg 0, mode in arg 1: set-uid bits only */
	K_OPENAT2,            /* dirfd 0, path 1, struct open_how * 2: u64 flags, u64 mode */
	K_CHDIR,              /* path in arg 0: only for backends that model the working directory */
	K_ALARM_CLOCK,        /* clockid in arg 0: the *_ALARM clocks need CAP_WAKE_ALARM */
	K_BIND,               /* sockaddr * in arg 1: an IP address bound with a port (IPAddressAllow=) */
	K_CONNECT,            /* sockaddr * in arg 1: a peer (IPAddressAllow=) */
	K_SENDTO,             /* sockaddr * in arg 4 (NULL on a connected socket): a peer */
};

/* Syscalls whose path arguments matter. -1 = no such argument; dirfd -1 = relative to the cwd. */
struct path_rule {
	const char *name;
	int8_t dirfd, path, flags, mode; /* argument indexes */
	int8_t dirfd2, path2;            /* a second path (rename's target, link's new name) */
	uint8_t effect;
	uint8_t effect2;
	int implied_flags;               /* creat(): O_CREAT|O_WRONLY|O_TRUNC */
	bool makes_node;                 /* mknod: a character or block mode makes a device node */
};

static const struct path_rule path_rules[] = {
	/* name          dirfd path flags mode  dirfd2 path2  effect      effect2  implied  makes_node */
	{ "open",        -1, 0, 1, 2, -1, -1, EFF_OPEN, EFF_NONE, 0, false },
	{ "openat",       0, 1, 2, 3, -1, -1, EFF_OPEN, EFF_NONE, 0, false },
	{ "creat",       -1, 0, -1, 1, -1, -1, EFF_OPEN, EFF_NONE, O_CREAT | O_WRONLY | O_TRUNC, false },
	{ "mkdir",       -1, 0, -1, 1, -1, -1, EFF_CREATE, EFF_NONE, 0, false },
	{ "mkdirat",      0, 1, -1, 2, -1, -1, EFF_CREATE, EFF_NONE, 0, false },
	{ "mknod",       -1, 0, -1, 1, -1, -1, EFF_CREATE, EFF_NONE, 0, true },
	{ "mknodat",      0, 1, -1, 2, -1, -1, EFF_CREATE, EFF_NONE, 0, true },
	{ "unlink",      -1, 0, -1, -1, -1, -1, EFF_REMOVE, EFF_NONE, 0, false },
	{ "unlinkat",     0, 1, -1, -1, -1, -1, EFF_REMOVE, EFF_NONE, 0, false },
	{ "rmdir",       -1, 0, -1, -1, -1, -1, EFF_REMOVE, EFF_NONE, 0, false },
	{ "rename",      -1, 0, -1, -1, -1, 1, EFF_REMOVE, EFF_REMOVE, 0, false },
	{ "renameat",     0, 1, -1, -1, 2, 3, EFF_REMOVE, EFF_REMOVE, 0, false },
	{ "renameat2",    0, 1, -1, -1, 2, 3, EFF_REMOVE, EFF_REMOVE, 0, false },
	{ "link",        -1, -1, -1, -1, -1, 1, EFF_NONE, EFF_CREATE, 0, false },
	{ "linkat",      -1, -1, -1, -1, 2, 3, EFF_NONE, EFF_CREATE, 0, false },
	{ "symlink",     -1, -1, -1, -1, -1, 1, EFF_NONE, EFF_CREATE, 0, false },
	{ "symlinkat",   -1, -1, -1, -1, 1, 2, EFF_NONE, EFF_CREATE, 0, false },
	{ "truncate",    -1, 0, -1, -1, -1, -1, EFF_MODIFY, EFF_NONE, 0, false },
	{ "chmod",       -1, 0, -1, 1, -1, -1, EFF_MODIFY, EFF_NONE, 0, false },
	{ "fchmodat",     0, 1, -1, 2, -1, -1, EFF_MODIFY, EFF_NONE, 0, false },
	{ "fchmodat2",    0, 1, -1, 2, -1, -1, EFF_MODIFY, EFF_NONE, 0, false },
	{ "chown",       -1, 0, -1, -1, -1, -1, EFF_MODIFY, EFF_NONE, 0, false },
	{ "lchown",      -1, 0, -1, -1, -1, -1, EFF_MODIFY, EFF_NONE, 0, false },
	{ "fchownat",     0, 1, -1, -1, -1, -1, EFF_MODIFY, EFF_NONE, 0, false },
	{ "utime",       -1, 0, -1, -1, -1, -1, EFF_MODIFY, EFF_NONE, 0, false },
	{ "utimes",      -1, 0, -1, -1, -1, -1, EFF_MODIFY, EFF_NONE, 0, false },
	{ "utimensat",    0, 1, -1, -1, -1, -1, EFF_MODIFY, EFF_NONE, 0, false },
	{ "setxattr",    -1, 0, -1, -1, -1, -1, EFF_MODIFY, EFF_NONE, 0, false },
	{ "lsetxattr",   -1, 0, -1, -1, -1, -1, EFF_MODIFY, EFF_NONE, 0, false },
	{ "removexattr", -1, 0, -1, -1, -1, -1, EFF_MODIFY, EFF_NONE, 0, false },
	{ "lremovexattr",-1, 0, -1, -1, -1, -1, EFF_MODIFY, EFF_NONE, 0, false },
};

struct kind_rule {
	const char *name;
	enum kind kind;
};
static const struct kind_rule kind_rules[] = {
	{ "socket", K_SOCKET }, { "socketpair", K_SOCKET }, { "socketcall", K_SOCKETCALL },
	{ "clone", K_CLONE }, { "clone3", K_CLONE3 }, { "unshare", K_UNSHARE }, { "setns", K_SETNS },
	{ "mmap", K_MMAP }, { "mmap2", K_MMAP }, { "mprotect", K_MPROTECT }, { "pkey_mprotect", K_MPROTECT },
	{ "shmat", K_SHMAT }, { "personality", K_PERSONALITY },
	{ "sched_setscheduler", K_SCHED_SETSCHEDULER }, { "sched_setattr", K_SCHED_SETATTR },
	{ "fchmod", K_FCHMOD }, { "openat2", K_OPENAT2 }, { "chdir", K_CHDIR },
	{ "timerfd_create", K_ALARM_CLOCK }, { "timer_create", K_ALARM_CLOCK }, { "clock_nanosleep", K_ALARM_CLOCK },
	{ "clock_nanosleep_time64", K_ALARM_CLOCK },
	{ "bind", K_BIND }, { "connect", K_CONNECT }, { "sendto", K_SENDTO },
};

/* Capabilities inferred from calls, where the kernel's own checks cannot be watched (ptrace, or no
 * fexit on cap_capable): one row per rule. A rule fires only when the call needs the capability for the
 * caller as it is at learn time (its ids from /proc, the file's owner and mode from a stat), so a root
 * daemon's setuid() to itself or open of its own files does not count. What no row covers (CAP_SYS_NICE
 * for a negative nice, CAP_IPC_LOCK, CAP_SYS_ADMIN's many uses, CAP_FOWNER, searching a directory) is not
 * inferred: the drop-in says the line is inferred, and learn --verify tries it. */
enum cap_test {
	CT_ALWAYS,       /* the call needs it whatever its arguments (chroot, setgroups) */
	CT_BIND_LOW,     /* bind(fd, sockaddr *arg, len): an AF_INET/AF_INET6 port below 1024 */
	CT_RAW_SOCKET,   /* socket(family arg, type arg2): SOCK_RAW of an IP family, or AF_PACKET */
	CT_SETUID,       /* setuid family: an id argument (arg..arg2, -1 = unchanged) not the caller's own */
	CT_SETGID,       /* setgid family: likewise with the group ids */
	CT_CHOWN,        /* chown family: owner arg to another uid, or group arg2 to a group not the caller's */
	CT_KILL,         /* kill(pid arg, sig arg2): a process of another uid (a stat of /proc/PID) */
	CT_DEVICE_NODE,  /* mknod(path, mode arg): a character or block device */
	CT_RLIMIT,       /* setrlimit(resource arg, rlimit *arg2) / prlimit64: raising the hard limit */
	CT_OPEN,         /* open(path arg, flags arg2): a file the caller's ids may not open so (a stat) */
	CT_MASK,         /* a flag of mask in arg, and none of unless (unshare(CLONE_NEWNS), not in a new userns) */
	CT_RT_POLICY,    /* a realtime policy (FIFO, RR, DEADLINE) in arg, or in the struct at arg2 (u32 [1]) */
	CT_ALARM,        /* clock id arg is CLOCK_REALTIME_ALARM or CLOCK_BOOTTIME_ALARM */
};
struct cap_rule {
	const char *name;
	int cap;
	uint8_t test;
	int8_t arg, arg2, arg3; /* argument indexes for the test (-1 = none) */
	uint64_t mask, unless;  /* CT_MASK */
};
enum { C_CHOWN = 0, C_DAC_OVERRIDE = 1, C_DAC_READ_SEARCH = 2, C_KILL = 5, C_SETGID = 6, C_SETUID = 7,
       C_NET_BIND_SERVICE = 10, C_NET_RAW = 13, C_SYS_MODULE = 16, C_SYS_RAWIO = 17, C_SYS_CHROOT = 18,
       C_SYS_PTRACE = 19, C_SYS_PACCT = 20, C_SYS_ADMIN = 21, C_SYS_BOOT = 22, C_SYS_NICE = 23, C_SYS_RESOURCE = 24,
       C_SYS_TIME = 25, C_MKNOD = 27, C_WAKE_ALARM = 35, C_BPF = 39 };
#define NS_BUT_USER (NS_ALL_FLAGS & ~0x10000000ULL) /* a new user namespace brings its own capabilities */
static const struct cap_rule cap_rules[] = {
	/* name          capability          test            arg arg2 arg3 */
	{ "bind",        C_NET_BIND_SERVICE, CT_BIND_LOW,     1, 2, -1, 0, 0 },
	{ "socket",      C_NET_RAW,          CT_RAW_SOCKET,   0, 1, -1, 0, 0 },
	{ "setuid",      C_SETUID,           CT_SETUID,       0, 0, -1, 0, 0 },
	{ "setuid32",    C_SETUID,           CT_SETUID,       0, 0, -1, 0, 0 },
	{ "setreuid",    C_SETUID,           CT_SETUID,       0, 1, -1, 0, 0 },
	{ "setreuid32",  C_SETUID,           CT_SETUID,       0, 1, -1, 0, 0 },
	{ "setresuid",   C_SETUID,           CT_SETUID,       0, 2, -1, 0, 0 },
	{ "setresuid32", C_SETUID,           CT_SETUID,       0, 2, -1, 0, 0 },
	{ "setfsuid",    C_SETUID,           CT_SETUID,       0, 0, -1, 0, 0 },
	{ "setfsuid32",  C_SETUID,           CT_SETUID,       0, 0, -1, 0, 0 },
	{ "setgid",      C_SETGID,           CT_SETGID,       0, 0, -1, 0, 0 },
	{ "setgid32",    C_SETGID,           CT_SETGID,       0, 0, -1, 0, 0 },
	{ "setregid",    C_SETGID,           CT_SETGID,       0, 1, -1, 0, 0 },
	{ "setregid32",  C_SETGID,           CT_SETGID,       0, 1, -1, 0, 0 },
	{ "setresgid",   C_SETGID,           CT_SETGID,       0, 2, -1, 0, 0 },
	{ "setresgid32", C_SETGID,           CT_SETGID,       0, 2, -1, 0, 0 },
	{ "setfsgid",    C_SETGID,           CT_SETGID,       0, 0, -1, 0, 0 },
	{ "setfsgid32",  C_SETGID,           CT_SETGID,       0, 0, -1, 0, 0 },
	{ "setgroups",   C_SETGID,           CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "setgroups32", C_SETGID,           CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "chown",       C_CHOWN,            CT_CHOWN,        1, 2, -1, 0, 0 },
	{ "lchown",      C_CHOWN,            CT_CHOWN,        1, 2, -1, 0, 0 },
	{ "fchown",      C_CHOWN,            CT_CHOWN,        1, 2, -1, 0, 0 },
	{ "chown32",     C_CHOWN,            CT_CHOWN,        1, 2, -1, 0, 0 },
	{ "lchown32",    C_CHOWN,            CT_CHOWN,        1, 2, -1, 0, 0 },
	{ "fchown32",    C_CHOWN,            CT_CHOWN,        1, 2, -1, 0, 0 },
	{ "fchownat",    C_CHOWN,            CT_CHOWN,        2, 3, -1, 0, 0 },
	{ "chroot",      C_SYS_CHROOT,       CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "kill",        C_KILL,             CT_KILL,         0, 1, -1, 0, 0 },
	{ "tkill",       C_KILL,             CT_KILL,         0, 1, -1, 0, 0 },
	{ "tgkill",      C_KILL,             CT_KILL,         0, 2, -1, 0, 0 },
	{ "mknod",       C_MKNOD,            CT_DEVICE_NODE,  1, -1, -1, 0, 0 },
	{ "mknodat",     C_MKNOD,            CT_DEVICE_NODE,  2, -1, -1, 0, 0 },
	{ "setrlimit",   C_SYS_RESOURCE,     CT_RLIMIT,       0, 1, -1, 0, 0 },
	{ "prlimit64",   C_SYS_RESOURCE,     CT_RLIMIT,       1, 2, 0, 0, 0 },
	/* the capability is decided by the access: CAP_DAC_READ_SEARCH for a read, else CAP_DAC_OVERRIDE */
	{ "open",        C_DAC_OVERRIDE,     CT_OPEN,         0, 1, -1, 0, 0 },
	{ "openat",      C_DAC_OVERRIDE,     CT_OPEN,         1, 2, 0, 0, 0 },
	{ "sched_setscheduler", C_SYS_NICE,  CT_RT_POLICY,    1, -1, -1, 0, 0 },
	{ "sched_setattr", C_SYS_NICE,       CT_RT_POLICY,   -1, 1, -1, 0, 0 },
	{ "timerfd_create", C_WAKE_ALARM,    CT_ALARM,        0, -1, -1, 0, 0 },
	{ "timer_create", C_WAKE_ALARM,      CT_ALARM,        0, -1, -1, 0, 0 },
	{ "unshare",     C_SYS_ADMIN,        CT_MASK,         0, -1, -1, NS_BUT_USER, 0x10000000ULL },
	{ "clone",       C_SYS_ADMIN,        CT_MASK,         0, -1, -1, NS_BUT_USER, 0x10000000ULL },
	{ "setns",       C_SYS_ADMIN,        CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "mount",       C_SYS_ADMIN,        CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "umount",      C_SYS_ADMIN,        CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "umount2",     C_SYS_ADMIN,        CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "pivot_root",  C_SYS_ADMIN,        CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "fsopen",      C_SYS_ADMIN,        CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "fsmount",     C_SYS_ADMIN,        CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "move_mount",  C_SYS_ADMIN,        CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "open_tree",   C_SYS_ADMIN,        CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "mount_setattr", C_SYS_ADMIN,      CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "sethostname", C_SYS_ADMIN,        CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "setdomainname", C_SYS_ADMIN,      CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "swapon",      C_SYS_ADMIN,        CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "swapoff",     C_SYS_ADMIN,        CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "settimeofday", C_SYS_TIME,        CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "clock_settime", C_SYS_TIME,       CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "stime",       C_SYS_TIME,         CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "reboot",      C_SYS_BOOT,         CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "kexec_load",  C_SYS_BOOT,         CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "init_module", C_SYS_MODULE,       CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "finit_module", C_SYS_MODULE,      CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "delete_module", C_SYS_MODULE,     CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "iopl",        C_SYS_RAWIO,        CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "ioperm",      C_SYS_RAWIO,        CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "acct",        C_SYS_PACCT,        CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "ptrace",      C_SYS_PTRACE,       CT_ALWAYS,      -1, -1, -1, 0, 0 },
	{ "bpf",         C_BPF,              CT_ALWAYS,      -1, -1, -1, 0, 0 },
};

/* kind values >= PATH_KIND_BASE index path_rules. */
#define PATH_KIND_BASE 32

/* The calls that name the address they reach (record_failures: harden run's network report), and the
 * argument that points at it. sendmsg is not one: its address is behind a second pointer (msg_name),
 * which a backend that copies at entry (eBPF: one struct per call) does not follow. */
static const struct {
	const char *name;
	int addr_arg;
} net_calls[] = { { "connect", 1 }, { "sendto", 4 } };
#define SOCKADDR_IN6_LEN 28 /* the larger of sockaddr_in (16) and sockaddr_in6 (28) */

/* Prefixes whose mere reading a setting can break (ProtectHome, PrivateTmp, ProtectKernelLogs,
 * ProtectKernelModules hide them). */
#define AS_STRING(s) s,
static const char *const watched_read_prefixes[] = { HD_WATCHED_READ_PREFIXES(AS_STRING) };
#undef AS_STRING

static uint32_t slot_nr(int slot, int nr)
{
	return slot == HD_ABI_X32 ? (uint32_t)nr | X32_BIT : (uint32_t)nr;
}

/* i386's direct socket and IPC calls (Linux 4.3+): libseccomp names them by their socketcall/ipc
 * pseudo-numbers, but a process may call them directly too. */
static const struct {
	const char *name;
	int nr;
} i386_direct[] = { { "socket", 359 }, { "socketpair", 360 }, { "shmat", 397 } };

static void set_kind(struct hd_observer *ob, int slot, const char *name, int kind)
{
	int nr = hd_syscall_nr(name, ob->arch[slot], NULL);
	if (nr < 0 && ob->arch[slot] == HD_ARCH_X86)
		for (size_t i = 0; i < sizeof(i386_direct) / sizeof(i386_direct[0]); i++)
			if (strcmp(i386_direct[i].name, name) == 0)
				nr = i386_direct[i].nr;
	if (nr < 0)
		return;
	uint32_t i = slot == HD_ABI_X32 ? (uint32_t)nr & ~X32_BIT : (uint32_t)nr;
	/* x32 reuses some x86-64 numbers without the bit: only the x32-numbered row is the x32 call */
	if (slot == HD_ABI_X32 && !((uint32_t)nr & X32_BIT))
		return;
	if (i < HD_PROFILE_MAX_NR)
		ob->kind[slot][i] = (uint8_t)kind;
}

int hd_observer_init(struct hd_observer *ob, struct hd_profile *p, hd_read_mem_fn rd, void *ctx)
{
	memset(ob, 0, sizeof(*ob));
	ob->profile = p;
	ob->read_mem = rd;
	ob->read_ctx = ctx;
	/* kind per number: resolve the few named rows (a table of ~50) rather than name every number */
	for (int s = 0; s < HD_ABI_SLOTS; s++) {
		ob->arch[s] = p->abis[s].arch;
		if (ob->arch[s] == HD_ARCH_INVALID)
			continue;
		for (size_t i = 0; i < sizeof(kind_rules) / sizeof(kind_rules[0]); i++)
			set_kind(ob, s, kind_rules[i].name, (int)kind_rules[i].kind);
		for (size_t i = 0; i < sizeof(path_rules) / sizeof(path_rules[0]); i++)
			set_kind(ob, s, path_rules[i].name, PATH_KIND_BASE + (int)i);
		for (size_t i = 0; i < sizeof(cap_rules) / sizeof(cap_rules[0]); i++) {
			int nr = hd_syscall_nr(cap_rules[i].name, ob->arch[s], NULL);
			if (nr < 0 || (s == HD_ABI_X32 && !((uint32_t)nr & X32_BIT)))
				continue;
			uint32_t n = (uint32_t)nr & ~X32_BIT;
			if (n < HD_PROFILE_MAX_NR)
				ob->capkind[s][n] = (uint8_t)(i + 1);
		}
		for (size_t i = 0; i < sizeof(net_calls) / sizeof(net_calls[0]); i++) {
			int nr = hd_syscall_nr(net_calls[i].name, ob->arch[s], NULL);
			if (nr < 0 || (s == HD_ABI_X32 && !((uint32_t)nr & X32_BIT)))
				continue;
			uint32_t n = (uint32_t)nr & ~X32_BIT;
			if (n < HD_PROFILE_MAX_NR)
				ob->netcall[s][n] = (uint8_t)(net_calls[i].addr_arg + 1);
		}
	}
	ob->caps_source = HD_CAPS_INFERRED;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	ob->started_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	/* every backend decodes what these records need (eBPF sends the read-only opens under /proc too) */
	p->observed = HD_OBSERVED_ALL;
	return 0;
}

int hd_observer_slot(const struct hd_observer *ob, uint32_t audit_arch, uint64_t nr)
{
	hd_arch a = hd_arch_from_audit(audit_arch);
	if (a == HD_ARCH_X86_64 && (nr & X32_BIT))
		a = HD_ARCH_X32;
	for (int s = 0; s < HD_ABI_SLOTS; s++)
		if (ob->arch[s] == a && a != HD_ARCH_INVALID)
			return s;
	return -1;
}

static void note(struct hd_observer *ob, int r)
{
	if (r < 0 && !ob->err)
		ob->err = r;
}

/* Read a NUL-terminated string; returns its length or -1. */
static ssize_t read_str(struct hd_observer *ob, pid_t tid, uint64_t addr, char *buf, size_t cap)
{
	if (!addr || !ob->read_mem)
		return -1;
	size_t n = 0;
	while (n < cap - 1) {
		/* stop at page ends: the next page may be unmapped */
		size_t chunk = 4096 - ((addr + n) & 4095);
		if (chunk > cap - 1 - n)
			chunk = cap - 1 - n;
		ssize_t r = ob->read_mem(ob->read_ctx, tid, addr + n, buf + n, chunk);
		if (r <= 0)
			return -1;
		void *z = memchr(buf + n, 0, (size_t)r);
		if (z)
			return (char *)z - buf;
		n += (size_t)r;
	}
	return -1; /* longer than PATH_MAX: not a path we can use */
}

/* Lexical normalisation: collapse //, /./ and /x/.. (symlinks are not resolved: the traced process's
 * view is what matters and the path may not exist yet). */
static void normalize(char *path)
{
	char *out = path, *in = path;
	char *seg_starts[PATH_MAX / 2];
	size_t depth = 0;
	*out++ = '/';
	while (*in) {
		while (*in == '/')
			in++;
		if (!*in)
			break;
		char *end = strchrnul(in, '/');
		size_t len = (size_t)(end - in);
		if (len == 1 && in[0] == '.') {
		} else if (len == 2 && in[0] == '.' && in[1] == '.') {
			if (depth > 0)
				out = seg_starts[--depth];
		} else {
			if (depth < sizeof(seg_starts) / sizeof(seg_starts[0]))
				seg_starts[depth++] = out;
			if (out > path + 1)
				*out++ = '/';
			memmove(out, in, len);
			out += len;
		}
		in = end;
	}
	if (out > path + 1 && out[-1] == '/')
		out--;
	*out = 0;
}

/* Absolute path of (dirfd, path) in process tid, into out[PATH_MAX]. */
static bool resolve(struct hd_observer *ob, pid_t tid, int dirfd, uint64_t addr, bool empty_ok, char *out)
{
	char rel[PATH_MAX];
	ssize_t n = read_str(ob, tid, addr, rel, sizeof(rel));
	if (n < 0 || (n == 0 && !empty_ok))
		return false;
	if (rel[0] == '/') {
		memcpy(out, rel, (size_t)n + 1);
	} else {
		char link[64], base[PATH_MAX];
		const char *modelled = (dirfd == AT_FDCWD || dirfd == -1) && ob->cwd_of ? ob->cwd_of(ob->read_ctx, tid)
				       : dirfd != AT_FDCWD && dirfd != -1 && ob->dir_of_fd ? ob->dir_of_fd(ob->read_ctx, tid, dirfd)
											    : NULL;
		ssize_t b;
		if (modelled && strlen(modelled) < sizeof(base)) {
			b = (ssize_t)strlen(modelled);
			memcpy(base, modelled, (size_t)b + 1);
		} else {
			if (dirfd == AT_FDCWD || dirfd == -1)
				snprintf(link, sizeof(link), "/proc/%d/cwd", (int)tid);
			else
				snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)tid, dirfd);
			b = readlink(link, base, sizeof(base) - 1);
			if (b <= 0 || base[0] != '/')
				return false;
			base[b] = 0;
		}
		return hd_path_join(base, rel, out);
	}
	normalize(out);
	return true;
}

bool hd_path_join(const char *base, const char *rel, char out[PATH_MAX])
{
	size_t b = strlen(base), n = strlen(rel);
	if (b + 1 + n + 1 > PATH_MAX)
		return false;
	memcpy(out, base, b);
	out[b] = '/';
	memcpy(out + b + 1, rel, n + 1);
	normalize(out);
	return true;
}

static bool has_prefix(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(path, prefix, n) == 0 && (path[n] == 0 || path[n] == '/');
}

static void note_read(struct hd_observer *ob, const char *path)
{
	/* /proc is watched for ProtectProc= and ProcSubset= (note_proc); only /proc/kmsg is a path read */
	if (has_prefix(path, "/proc") && !has_prefix(path, "/proc/kmsg"))
		return;
	for (size_t i = 0; i < sizeof(watched_read_prefixes) / sizeof(watched_read_prefixes[0]); i++)
		if (has_prefix(path, watched_read_prefixes[i])) {
			note(ob, hd_profile_add_path(&ob->profile->paths_read, path));
			return;
		}
}

static void parent_of(const char *path, char *out)
{
	strcpy(out, path);
	char *slash = strrchr(out, '/');
	if (slash == out)
		out[1] = 0;
	else if (slash)
		*slash = 0;
}

/* Did a call that failed with err leave its path unwritten, and would it fail alike under ProtectSystem=
 * (a read-only mount)? Then its path needs no ReadWritePaths=. What comes first is the kernel's order of
 * checks (fs/namei.c, fs/open.c; tried on Linux 6.18 with a read-only bind mount in a private mount
 * namespace):
 *  - creating (mkdir, mknod, symlink, link: filename_create) looks the name up before it reports the
 *    read-only mount, so an existing name is EEXIST and a missing parent ENOENT on both: mkdir -p of a
 *    directory that exists writes nothing, under ProtectSystem=strict as without it;
 *  - removing and renaming (unlink, rmdir, rename) ask for the mount's write access right after the
 *    parent is found, before the name is looked up: unlink of a missing file is ENOENT here but EROFS on a
 *    read-only mount (rm -f ignores the one and fails on the other), so their ENOENT is a write;
 *  - changing a file (chmod, chown, utimes, xattrs, truncate) resolves the whole path first: a missing
 *    file is ENOENT on both;
 *  - opening looks up before it asks for write access: ENOENT (no such file, or no parent for O_CREAT),
 *    EEXIST (O_EXCL) and EISDIR come first; a missing file with O_CREAT in an existing directory is EROFS.
 * Errors raised while resolving the path (ENOTDIR, ELOOP, ENAMETOOLONG, EFAULT, EBADF) come first
 * everywhere, and EROFS means the file system is read-only already. Permission errors are counted as
 * writes: some (write permission on the directory or file) are checked after the mount. */
static bool failed_alike_read_only(enum path_effect eff, int err)
{
	switch (err) {
	case EROFS:
	case EFAULT:
	case EBADF:
	case ENAMETOOLONG:
		return true;
	case ENOTDIR:
	case ELOOP:
	case ENOENT:
		return eff != EFF_REMOVE;
	case EEXIST:
		return eff == EFF_CREATE || eff == EFF_OPEN;
	case EISDIR:
		return eff == EFF_OPEN;
	default:
		return false;
	}
}

/* A path the call writes (named: as the call named it): into the profile, or held with the call until
 * its result is known. */
static void add_written(struct hd_observer *ob, const char *path, const char *named, enum path_effect eff)
{
	struct hd_held_call *h = ob->holding;
	if (!h || h->n >= 2) { /* a call names two paths at most */
		note(ob, hd_profile_add_path(&ob->profile->paths_written, path));
		return;
	}
	char *copy = strdup(path), *named_copy = ob->record_failures ? strdup(named) : NULL;
	if (!copy || (ob->record_failures && !named_copy)) {
		free(copy);
		free(named_copy);
		note(ob, -ENOMEM);
		return;
	}
	h->effect[h->n] = (uint8_t)eff;
	h->named[h->n] = named_copy;
	h->path[h->n++] = copy;
}

/* Records what path's call does; true if it creates path (an O_CREAT open of a file that was not there, a
 * new directory entry). */
static bool record_path(struct hd_observer *ob, const char *path, enum path_effect eff, int flags)
{
	struct stat st;
	bool exists = stat(path, &st) == 0;
	/* decoded after the call: an O_CREAT file that exists now may have been created by it */
	if (ob->deferred && (flags & O_CREAT) && exists && S_ISREG(st.st_mode))
		exists = false;
	char parent[PATH_MAX];
	switch (eff) {
	case EFF_OPEN: {
		if (exists && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
			note(ob, hd_profile_add_path(&ob->profile->devices, path));
			/* DeviceAllow= grants r and w apart: the access asked for */
			bool dev_write = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
			note(ob, hd_profile_add_path(dev_write ? &ob->profile->devices_rw : &ob->profile->devices_readonly,
						     path));
			return false;
		}
		note_read(ob, path);
		bool write = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_CREAT));
		if (!write)
			return false;
		if ((flags & O_CREAT) && !exists) {
			parent_of(path, parent);
			add_written(ob, parent, path, eff);
			return true;
		}
		add_written(ob, path, path, eff);
		return false;
	}
	case EFF_CREATE:
	case EFF_REMOVE:
		note_read(ob, path);
		parent_of(path, parent);
		add_written(ob, parent, path, eff);
		/* mkdir -p of a directory that exists creates nothing; decoded after the fact, what is there
		 * now may be what the call made */
		return eff == EFF_CREATE && (!exists || ob->deferred);
	case EFF_MODIFY:
		note_read(ob, path);
		add_written(ob, path, path, eff);
		return false;
	case EFF_NONE:
		return false;
	}
	return false;
}

/* The caller's umask (/proc/TID/status "Umask:"), or 0 when it cannot be read (the process is gone before
 * an after-the-fact decoder got to it): the mode asked for is then taken whole, which can only make the
 * learned UMask= looser, never break the program. */
static unsigned caller_umask(struct hd_observer *ob, pid_t tid)
{
	unsigned um = 0;
	if (ob->umask_of && ob->umask_of(ob->read_ctx, tid, &um))
		return um & 0777;
	char fn[64], line[128];
	snprintf(fn, sizeof(fn), "/proc/%d/status", (int)tid);
	FILE *f = fopen(fn, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Umask:", 6) == 0) {
			um = (unsigned)strtoul(line + 6, NULL, 8) & 0777;
			break;
		}
	fclose(f);
	return um;
}

/* Something was created at path: with has_mode, its mode (as asked, the caller's umask taken off) is one
 * UMask= must still give; under /tmp or /var/tmp it is the program's own file (PrivateTmp=). */
static void note_created(struct hd_observer *ob, pid_t tid, const char *path, unsigned mode, bool has_mode)
{
	/* decoded after the fact, a path that exists may have been there before: its birth time says (a file
	 * system without one: taken as created) */
	struct statx stx;
	if (ob->deferred && statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BTIME, &stx) == 0 &&
	    (stx.stx_mask & STATX_BTIME) &&
	    (int64_t)stx.stx_btime.tv_sec * 1000000000 + stx.stx_btime.tv_nsec < ob->started_ns)
		return;
	if (has_mode)
		hd_profile_add_created_mode(ob->profile, mode & 0777 & ~caller_umask(ob, tid));
	if ((has_prefix(path, "/tmp") && strcmp(path, "/tmp") != 0) ||
	    (has_prefix(path, "/var/tmp") && strcmp(path, "/var/tmp") != 0)) {
		/* beyond the list's bound the path is simply not the program's own: PrivateTmp= is then left out
		 * when it is used again, the safe side */
		int r = hd_profile_add_path(&ob->profile->tmp_created, path);
		if (r == -ENOMEM)
			note(ob, r);
	}
}

/* An IP address a call named: bound with a port (a socket that may serve: "ADDR:PORT"), or a peer
 * connected or sent to ("ADDR"). IPv4-mapped IPv6 addresses are the IPv4 ones (the IP filter sees them so). */
static void note_sockaddr(struct hd_observer *ob, pid_t tid, bool bound, uint64_t addr)
{
	unsigned char sa[28];
	if (!addr || !ob->read_mem || ob->read_mem(ob->read_ctx, tid, addr, sa, sizeof(sa)) < 8)
		return;
	uint16_t family;
	memcpy(&family, sa, sizeof(family));
	if (family != AF_INET && family != AF_INET6)
		return;
	unsigned port = (unsigned)sa[2] << 8 | sa[3];
	const unsigned char *ip = family == AF_INET ? sa + 4 : sa + 8;
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (family == AF_INET6 && memcmp(ip, v4mapped, 12) == 0)
		family = AF_INET, ip += 12;
	char text[INET6_ADDRSTRLEN] = "?", entry[INET6_ADDRSTRLEN + 16];
	inet_ntop(family, ip, text, sizeof(text));
	if (bound) {
		if (!port) /* an ephemeral port: a client choosing its source address */
			return;
		snprintf(entry, sizeof(entry), family == AF_INET ? "%s:%u" : "[%s]:%u", text, port);
	} else
		snprintf(entry, sizeof(entry), "%s", text);
	note(ob, hd_profile_add_path(bound ? &ob->profile->ip_served : &ob->profile->ip_peers, entry));
}

static void who_is(struct hd_observer *ob, pid_t tid, pid_t *tgid, char comm[16]);

/* A path under /proc opened: the name directly under /proc, with process directories told apart as the
 * caller's own ("self": its pid or tid, self, thread-self) or another process's ("pid"), and /proc itself
 * (".", listing the processes). What ProtectProc=invisible and ProcSubset=pid hide is decided from them. */
static void note_proc(struct hd_observer *ob, pid_t tid, const char *path)
{
	if (!has_prefix(path, "/proc"))
		return;
	const char *rest = path + 5;
	char name[64];
	if (!rest[0] || !rest[1])
		snprintf(name, sizeof(name), ".");
	else {
		size_t n = strcspn(rest + 1, "/");
		snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) - 1 ? n : sizeof(name) - 1), rest + 1);
	}
	char *end;
	errno = 0;
	unsigned long pid = strtoul(name, &end, 10);
	if (name[0] >= '0' && name[0] <= '9' && !*end && !errno) {
		pid_t tgid = 0;
		char comm[16];
		who_is(ob, tid, &tgid, comm);
		snprintf(name, sizeof(name), "%s", pid == (unsigned long)tid || pid == (unsigned long)tgid ? "self" : "pid");
	} else if (strcmp(name, "thread-self") == 0)
		snprintf(name, sizeof(name), "self");
	note(ob, hd_profile_add_path(&ob->profile->proc_read, name));
}

static void check_mode(struct hd_observer *ob, unsigned mode)
{
	if (mode & (S_ISUID | S_ISGID))
		note(ob, hd_profile_add_suid_mode(ob->profile, mode & 07777));
}

static void do_path_rule(struct hd_observer *ob, pid_t tid, const struct path_rule *r, const uint64_t a[6])
{
	char path[PATH_MAX];
	int flags = r->implied_flags;
	if (r->flags >= 0)
		flags |= (int)a[r->flags];
	if (r->mode >= 0 && (r->effect != EFF_OPEN || (flags & O_CREAT)))
		check_mode(ob, (unsigned)a[r->mode]);
	if (r->effect != EFF_NONE && r->path >= 0) {
		int dirfd = r->dirfd >= 0 ? (int)a[r->dirfd] : AT_FDCWD;
		/* utimensat(fd, NULL, ...) changes fd itself: AT_EMPTY_PATH-like */
		if (resolve(ob, tid, dirfd, a[r->path], false, path)) {
			note_proc(ob, tid, path);
			mode_t mode = r->mode >= 0 ? (mode_t)a[r->mode] : 0;
			if (record_path(ob, path, (enum path_effect)r->effect, flags))
				note_created(ob, tid, path, (unsigned)mode, r->mode >= 0);
			if (r->makes_node && (S_ISCHR(mode) || S_ISBLK(mode)))
				note(ob, hd_profile_add_path(&ob->profile->device_nodes_made, path));
		}
	}
	if (r->effect2 != EFF_NONE && r->path2 >= 0) {
		int dirfd = r->dirfd2 >= 0 ? (int)a[r->dirfd2] : AT_FDCWD;
		if (resolve(ob, tid, dirfd, a[r->path2], false, path) &&
		    record_path(ob, path, (enum path_effect)r->effect2, 0))
			note_created(ob, tid, path, 0, false); /* a link or symlink: no mode of its own */
	}
}

/* Namespace type of an fd (setns(fd, 0) takes it from the fd). */
static uint64_t ns_of_fd(pid_t tid, int fd)
{
	static const struct {
		const char *prefix;
		uint64_t flag;
	} map[] = {
		{ "cgroup:", 0x02000000 }, { "ipc:", 0x08000000 }, { "net:", 0x40000000 }, { "mnt:", 0x00020000 },
		{ "pid:", 0x20000000 },    { "user:", 0x10000000 }, { "uts:", 0x04000000 }, { "time:", 0x00000080 },
	};
	char link[64], target[128];
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)tid, fd);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return NS_ALL_FLAGS;
	target[n] = 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strncmp(target, map[i].prefix, strlen(map[i].prefix)) == 0)
			return map[i].flag;
	return NS_ALL_FLAGS; /* a pidfd: any type may be joined */
}

/* ---- capability inference (cap_rules) ---- */

static void who_is(struct hd_observer *ob, pid_t tid, pid_t *tgid, char comm[16]);

/* The caller's ids as the kernel checks them: real, effective, saved and file-system uid and gid, and
 * the supplementary groups. From /proc at the call (ptrace) or when decoded (eBPF: the process may have
 * changed or gone; then it is taken as root, the usual caller of these calls). */
struct caller_ids {
	unsigned uid[4], gid[4];
	unsigned groups[32];
	size_t n_groups;
};
static void caller_ids(struct hd_observer *ob, pid_t tid, struct caller_ids *c)
{
	memset(c, 0, sizeof(*c));
	if (ob->ids_of && ob->ids_of(ob->read_ctx, tid, c->uid, c->gid)) {
		c->groups[0] = c->gid[1];
		c->n_groups = 1;
		return;
	}
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Uid: %u %u %u %u", &c->uid[0], &c->uid[1], &c->uid[2], &c->uid[3]) == 4 ||
		    sscanf(line, "Gid: %u %u %u %u", &c->gid[0], &c->gid[1], &c->gid[2], &c->gid[3]) == 4)
			continue;
		if (strncmp(line, "Groups:", 7) == 0) {
			char *p = line + 7, *end;
			while (c->n_groups < 32) {
				unsigned long g = strtoul(p, &end, 10);
				if (end == p)
					break;
				c->groups[c->n_groups++] = (unsigned)g;
				p = end;
			}
		}
	}
	fclose(f);
}
static bool in_ids(const unsigned *v, size_t n, unsigned id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == id)
			return true;
	return false;
}
static bool caller_in_group(const struct caller_ids *c, unsigned gid)
{
	return c->gid[3] == gid || in_ids(c->groups, c->n_groups, gid);
}

/* May the caller open st for want (R_OK/W_OK) by the mode bits alone (no capability)? */
static bool dac_allows(const struct caller_ids *c, const struct stat *st, int want)
{
	unsigned bits = st->st_uid == c->uid[3]             ? (st->st_mode >> 6) & 7
			: caller_in_group(c, (unsigned)st->st_gid) ? (st->st_mode >> 3) & 7
								   : st->st_mode & 7;
	return ((want & R_OK) ? (bits & 4) != 0 : true) && ((want & W_OK) ? (bits & 2) != 0 : true);
}

static void cap_used(struct hd_observer *ob, pid_t tid, int cap, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void cap_used(struct hd_observer *ob, pid_t tid, int cap, const char *fmt, ...)
{
	char what[PATH_MAX + 64], ev[PATH_MAX + 128], comm[16];
	pid_t tgid;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	who_is(ob, tid, &tgid, comm);
	if (ob->caps_source == HD_CAPS_KERNEL) {
		/* the kernel's checks decide; this only tells the use in words (bind's address, chown's owner),
		 * which hd_observer_finish puts beside a capability the kernel granted */
		if (cap >= 0 && cap < 64 && !ob->cap_hint[cap]) {
			snprintf(ev, sizeof(ev), "%s (pid %d): %s", comm[0] ? comm : "?", (int)tgid, what);
			if (!(ob->cap_hint[cap] = strdup(ev)))
				note(ob, -ENOMEM);
		}
		return;
	}
	snprintf(ev, sizeof(ev), "%s (pid %d): %s (inferred)", comm[0] ? comm : "?", (int)tgid, what);
	note(ob, hd_profile_add_cap(ob->profile, cap, true, ev));
}

static void infer_caps(struct hd_observer *ob, pid_t tid, const struct cap_rule *r, const char *call, const uint64_t a[6])
{
	struct caller_ids c;
	switch ((enum cap_test)r->test) {
	case CT_ALWAYS:
		cap_used(ob, tid, r->cap, "%s", call);
		break;
	case CT_BIND_LOW: {
		unsigned char sa[28];
		if (!ob->read_mem || ob->read_mem(ob->read_ctx, tid, a[r->arg], sa, sizeof(sa)) < 8)
			break;
		uint16_t family;
		memcpy(&family, sa, sizeof(family));
		unsigned port = (unsigned)sa[2] << 8 | sa[3];
		if ((family != AF_INET && family != AF_INET6) || port == 0 || port >= 1024)
			break;
		char addr[INET6_ADDRSTRLEN] = "?";
		inet_ntop(family, family == AF_INET ? (const void *)(sa + 4) : (const void *)(sa + 8), addr, sizeof(addr));
		cap_used(ob, tid, r->cap, family == AF_INET ? "bind %s:%u" : "bind [%s]:%u", addr, port);
		break;
	}
	case CT_RAW_SOCKET: {
		int family = (int)a[r->arg], type = (int)a[r->arg2] & 0xf;
		if (family == AF_PACKET || ((family == AF_INET || family == AF_INET6) && type == SOCK_RAW))
			cap_used(ob, tid, r->cap, "socket(%s, %s)", family == AF_PACKET ? "AF_PACKET" : family == AF_INET ? "AF_INET" : "AF_INET6",
				 type == SOCK_RAW ? "SOCK_RAW" : type == SOCK_DGRAM ? "SOCK_DGRAM" : "SOCK_...");
		break;
	}
	case CT_SETUID:
	case CT_SETGID: {
		caller_ids(ob, tid, &c);
		const unsigned *own = r->test == CT_SETUID ? c.uid : c.gid;
		for (int k = r->arg; k <= r->arg2; k++) {
			unsigned id = (unsigned)a[k];
			/* -1 leaves the id as it is; an id the caller holds (real, effective, saved) needs nothing */
			if (id == UINT32_MAX || in_ids(own, 3, id))
				continue;
			cap_used(ob, tid, r->cap, "%s(%u) while %s %u", call, id, r->test == CT_SETUID ? "uid" : "gid", own[1]);
			break;
		}
		break;
	}
	case CT_CHOWN: {
		caller_ids(ob, tid, &c);
		unsigned uid = (unsigned)a[r->arg], gid = (unsigned)a[r->arg2];
		if (uid != UINT32_MAX && uid != c.uid[3])
			cap_used(ob, tid, r->cap, "%s to owner %u (caller uid %u)", call, uid, c.uid[3]);
		else if (gid != UINT32_MAX && !caller_in_group(&c, gid))
			cap_used(ob, tid, r->cap, "%s to group %u (not one of the caller's)", call, gid);
		break;
	}
	case CT_KILL: {
		int pid = (int)a[r->arg];
		struct stat st;
		char path[64];
		if (pid <= 0 || a[r->arg2] == 0) /* process groups are not judged; signal 0 only probes */
			break;
		snprintf(path, sizeof(path), "/proc/%d", pid);
		if (stat(path, &st) < 0)
			break;
		caller_ids(ob, tid, &c);
		/* the kernel lets a sender signal a process whose real or saved uid is its real or effective uid;
		 * /proc/PID is owned by the target's effective uid, the closest a stat tells */
		if (st.st_uid != c.uid[0] && st.st_uid != c.uid[1])
			cap_used(ob, tid, r->cap, "%s of pid %d (uid %u, caller uid %u)", call, pid, (unsigned)st.st_uid, c.uid[1]);
		break;
	}
	case CT_DEVICE_NODE: {
		mode_t mode = (mode_t)a[r->arg];
		if (S_ISCHR(mode) || S_ISBLK(mode))
			cap_used(ob, tid, r->cap, "%s of a %s device", call, S_ISCHR(mode) ? "character" : "block");
		break;
	}
	case CT_RLIMIT: {
		uint64_t lim[2];
		struct rlimit cur;
		pid_t target = r->arg3 >= 0 && a[r->arg3] ? (pid_t)a[r->arg3] : tid;
		if (!a[r->arg2] || !ob->read_mem || ob->read_mem(ob->read_ctx, tid, a[r->arg2], lim, sizeof(lim)) != sizeof(lim) ||
		    prlimit(target, (int)a[r->arg], NULL, &cur) < 0)
			break;
		if (lim[1] > (uint64_t)cur.rlim_max)
			cap_used(ob, tid, r->cap, "%s raised hard limit %d above %llu", call, (int)a[r->arg],
				 (unsigned long long)cur.rlim_max);
		break;
	}
	case CT_OPEN: {
		char path[PATH_MAX];
		int dirfd = r->arg3 >= 0 ? (int)a[r->arg3] : AT_FDCWD;
		int flags = (int)a[r->arg2];
		struct stat st;
		if (flags & O_PATH) /* names the file without opening it for anything: no permission asked */
			break;
		if (!resolve(ob, tid, dirfd, a[r->arg], false, path) || stat(path, &st) < 0 || S_ISDIR(st.st_mode))
			break;
		int want = (flags & O_ACCMODE) == O_RDONLY ? R_OK : (flags & O_ACCMODE) == O_WRONLY ? W_OK : R_OK | W_OK;
		/* the usual file, open to everyone so: no need to ask who the caller is */
		if ((want & R_OK ? (st.st_mode & S_IROTH) : 1) && (want & W_OK ? (st.st_mode & S_IWOTH) : 1))
			break;
		caller_ids(ob, tid, &c);
		if (dac_allows(&c, &st, want))
			break;
		cap_used(ob, tid, want == R_OK ? C_DAC_READ_SEARCH : r->cap, "%s %s for %s (mode %04o, owner %u:%u)", call,
			 path, want == R_OK ? "reading" : "writing", (unsigned)st.st_mode & 07777, (unsigned)st.st_uid,
			 (unsigned)st.st_gid);
		break;
	}
	case CT_MASK:
		if ((a[r->arg] & r->mask) && !(a[r->arg] & r->unless))
			cap_used(ob, tid, r->cap, "%s(0x%llx)", call, (unsigned long long)(a[r->arg] & r->mask));
		break;
	case CT_RT_POLICY: {
		uint32_t attr[2] = { 0, 0 };
		uint64_t policy = r->arg >= 0 ? a[r->arg] & ~0x40000000ULL /* SCHED_RESET_ON_FORK */ : UINT64_MAX;
		if (r->arg < 0 && ob->read_mem && ob->read_mem(ob->read_ctx, tid, a[r->arg2], attr, sizeof(attr)) == sizeof(attr))
			policy = attr[1];
		if (policy == 1 || policy == 2 || policy == 6)
			cap_used(ob, tid, r->cap, "%s to realtime policy %s", call, hd_sched_policy_name((int)policy));
		break;
	}
	case CT_ALARM:
		if ((int32_t)a[r->arg] == CLOCK_REALTIME_ALARM || (int32_t)a[r->arg] == CLOCK_BOOTTIME_ALARM)
			cap_used(ob, tid, r->cap, "%s on an alarm clock", call);
		break;
	}
}

void hd_observe_plan_for(const struct hd_observer *ob, int slot, int nr_index, struct hd_observe_plan *out)
{
	*out = (struct hd_observe_plan){ .path_arg = { -1, -1 }, .mem_arg = -1, .open_flags_arg = -1, .dirfd_arg = -1,
					   .dirfd2_arg = -1, .test_arg = -1 };
	if (slot < 0 || slot >= HD_ABI_SLOTS || nr_index < 0 || nr_index >= HD_PROFILE_MAX_NR)
		return;
	int k = ob->kind[slot][nr_index];
	/* with the kernel's checks too: the rules then only word the evidence (rare calls, but opens) */
	int ck = ob->capkind[slot][nr_index];
	if (ck) {
		/* the struct a capability rule reads (bind's address, setrlimit's limits); the rest are numbers */
		const struct cap_rule *r = &cap_rules[ck - 1];
		out->wanted = true;
		if (r->test == CT_BIND_LOW)
			out->mem_arg = r->arg, out->mem_len = 28;
		else if (r->test == CT_RLIMIT)
			out->mem_arg = r->arg2, out->mem_len = 16;
	}
	/* harden run's network report: the address at entry, the result at exit (learn reads the address
	 * of connect and sendto for IPAddressAllow=, K_CONNECT/K_SENDTO, but never their result) */
	int nc = ob->record_failures ? ob->netcall[slot][nr_index] : 0;
	if (nc) {
		out->wanted = true;
		out->mem_arg = nc - 1, out->mem_len = SOCKADDR_IN6_LEN;
		out->want_result = true;
		/* no other decoding waits for its result (the peers are decoded at entry) */
		out->result_if_failed = k == K_COUNT_ONLY || k == K_CONNECT || k == K_SENDTO;
		if (nc - 1 != 1) /* sendto: only with an address (most sends go to a connected socket: NULL) */
			out->test_arg = nc - 1, out->test_mask = UINT64_MAX;
	}
	if (k == K_COUNT_ONLY)
		return;
	out->wanted = true;
	switch (k) {
	case K_SOCKETCALL:
		out->mem_arg = 1, out->mem_len = 4;
		break;
	/* the flags hd_observe_syscall looks at: a thread's clone, an ordinary mapping say nothing (a daemon
	 * starting threads or allocating makes thousands of these) */
	case K_CLONE:
		out->test_arg = 0, out->test_mask = NS_ALL_FLAGS;
		break;
	case K_MMAP:
		out->test_arg = 2, out->test_mask = PROT_WRITE | PROT_EXEC, out->test_all = true;
		break;
	case K_MPROTECT:
		out->test_arg = 2, out->test_mask = PROT_EXEC;
		break;
	case K_SHMAT:
		out->test_arg = 2, out->test_mask = SHM_EXEC;
		break;
	case K_CLONE3:
		out->mem_arg = 0, out->mem_len = 8;
		break;
	case K_SCHED_SETATTR:
		out->mem_arg = 1, out->mem_len = 8;
		break;
	case K_OPENAT2:
		out->path_arg[0] = 1, out->mem_arg = 2, out->mem_len = 16;
		out->want_result = true;
		break;
	case K_CHDIR:
		out->path_arg[0] = 0;
		break;
	case K_BIND:
	case K_CONNECT:
	case K_SENDTO:
		/* sockaddr_in6 is 28 bytes; an AF_UNIX path does not fit and is not needed */
		out->mem_arg = k == K_SENDTO ? 4 : 1, out->mem_len = 28;
		/* sendto: only with an address (most sends go to a connected socket: NULL) */
		if (k == K_SENDTO)
			out->test_arg = 4, out->test_mask = UINT64_MAX;
		break;
	default:
		if (k >= PATH_KIND_BASE && (size_t)(k - PATH_KIND_BASE) < sizeof(path_rules) / sizeof(path_rules[0])) {
			const struct path_rule *r = &path_rules[k - PATH_KIND_BASE];
			if (r->effect != EFF_NONE)
				out->path_arg[0] = r->path;
			if (r->effect2 != EFF_NONE)
				out->path_arg[1] = r->path2;
			if (r->effect == EFF_OPEN && r->flags >= 0 && !r->implied_flags)
				out->open_flags_arg = r->flags;
			out->want_result = r->effect != EFF_NONE || r->effect2 != EFF_NONE;
			if (r->effect != EFF_NONE)
				out->dirfd_arg = r->dirfd;
			if (r->effect2 != EFF_NONE)
				out->dirfd2_arg = r->dirfd2;
		}
		break;
	}
}

bool hd_observe_wants_args(const struct hd_observer *ob, uint32_t audit_arch, uint64_t nr)
{
	int s = hd_observer_slot(ob, audit_arch, nr);
	uint64_t i = s == HD_ABI_X32 ? nr & ~(uint64_t)X32_BIT : nr;
	return s >= 0 && i < HD_PROFILE_MAX_NR &&
	       (ob->kind[s][i] != K_COUNT_ONLY || ob->capkind[s][i] || (ob->record_failures && ob->netcall[s][i]));
}

/* record_failures: the IPv4 or IPv6 address a connect or sendto names, held with the call until its
 * result says whether it failed (other families name no address a network setting judges). */
static void hold_address(struct hd_observer *ob, pid_t tid, uint64_t addr, struct hd_held_call *h)
{
	uint8_t sa[SOCKADDR_IN6_LEN];
	if (!addr || !ob->read_mem)
		return;
	ssize_t n = ob->read_mem(ob->read_ctx, tid, addr, sa, sizeof(sa));
	uint16_t family;
	if (n < (ssize_t)sizeof(family))
		return;
	memcpy(&family, sa, sizeof(family));
	if ((family == AF_INET && n >= 8) || (family == AF_INET6 && n >= 24)) {
		memcpy(h->sa, sa, (size_t)n);
		h->sa_len = (uint8_t)n;
	}
}

void hd_observe_syscall(struct hd_observer *ob, pid_t tid, uint32_t audit_arch, uint64_t nr, const uint64_t a[6])
{
	ob->events++;
	int s = hd_observer_slot(ob, audit_arch, nr);
	uint64_t i = s == HD_ABI_X32 ? nr & ~(uint64_t)X32_BIT : nr;
	if (s < 0 || i >= HD_PROFILE_MAX_NR) {
		/* a foreign ABI or a number beyond any table: keep it visible */
		if (s >= 0 && nr <= INT32_MAX)
			note(ob, hd_profile_add_unknown(ob->profile, ob->arch[s], (int)nr));
		return;
	}
	ob->counts[s][i]++;
	int k = ob->kind[s][i];
	if (a && ob->capkind[s][i]) {
		const struct cap_rule *r = &cap_rules[ob->capkind[s][i] - 1];
		infer_caps(ob, tid, r, r->name, a);
	}
	if (a && ob->record_failures && ob->holding && ob->netcall[s][i])
		hold_address(ob, tid, a[ob->netcall[s][i] - 1], ob->holding);
	if (k == K_COUNT_ONLY || !a)
		return;
	struct hd_profile *p = ob->profile;
	uint64_t v = 0;
	switch (k) {
	case K_SOCKET:
		if (a[0] < 64)
			p->families |= 1ULL << a[0];
		break;
	case K_SOCKETCALL: {
		uint32_t args[1];
		/* SYS_SOCKET = 1, SYS_SOCKETPAIR = 8: the family is the first word of the argument block */
		if ((a[0] == 1 || a[0] == 8) && ob->read_mem &&
		    ob->read_mem(ob->read_ctx, tid, a[1], args, sizeof(args)) == sizeof(args) && args[0] < 64)
			p->families |= 1ULL << args[0];
		break;
	}
	case K_CLONE:
		p->namespaces |= a[0] & NS_ALL_FLAGS;
		break;
	case K_CLONE3:
		if (ob->read_mem && ob->read_mem(ob->read_ctx, tid, a[0], &v, sizeof(v)) == sizeof(v))
			p->namespaces |= v & NS_ALL_FLAGS;
		break;
	case K_UNSHARE:
		p->namespaces |= a[0] & NS_ALL_FLAGS;
		break;
	case K_SETNS:
		p->namespaces |= (a[1] & NS_ALL_FLAGS) ? (a[1] & NS_ALL_FLAGS) : ns_of_fd(tid, (int)a[0]);
		break;
	case K_MMAP:
		if ((a[2] & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC))
			p->write_exec_mappings++;
		break;
	case K_MPROTECT:
		if (a[2] & PROT_EXEC)
			p->exec_mprotects++;
		if ((a[2] & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC))
			p->write_exec_mappings++;
		break;
	case K_SHMAT:
		if (a[2] & SHM_EXEC)
			p->shmat_exec++;
		break;
	case K_ALARM_CLOCK:
		if ((int32_t)a[0] == CLOCK_REALTIME_ALARM || (int32_t)a[0] == CLOCK_BOOTTIME_ALARM)
			p->alarm_clock_calls++;
		break;
	case K_PERSONALITY:
		if ((uint32_t)a[0] != 0xffffffffu)
			note(ob, hd_profile_add_personality(p, (uint32_t)a[0]));
		break;
	case K_SCHED_SETSCHEDULER:
		if ((a[1] & ~0x40000000ULL) < 32) /* SCHED_RESET_ON_FORK is a flag, not a policy */
			p->sched_policies |= 1u << (a[1] & ~0x40000000ULL);
		break;
	case K_SCHED_SETATTR: {
		uint32_t attr[2];
		if (ob->read_mem && ob->read_mem(ob->read_ctx, tid, a[1], attr, sizeof(attr)) == sizeof(attr) &&
		    attr[1] < 32)
			p->sched_policies |= 1u << attr[1];
		break;
	}
	case K_FCHMOD:
		check_mode(ob, (unsigned)a[1]);
		break;
	case K_OPENAT2: {
		uint64_t how[2];
		char path[PATH_MAX];
		if (ob->read_mem && ob->read_mem(ob->read_ctx, tid, a[2], how, sizeof(how)) == sizeof(how)) {
			if (how[0] & O_CREAT)
				check_mode(ob, (unsigned)how[1]);
			if (resolve(ob, tid, (int)a[0], a[1], false, path)) {
				note_proc(ob, tid, path);
				if (record_path(ob, path, EFF_OPEN, (int)how[0]))
					note_created(ob, tid, path, (unsigned)how[1], true);
			}
		}
		break;
	}
	case K_BIND:
	case K_CONNECT:
	case K_SENDTO:
		note_sockaddr(ob, tid, k == K_BIND, k == K_SENDTO ? a[4] : a[1]);
		break;
	case K_CHDIR: {
		char path[PATH_MAX];
		if (ob->on_chdir && resolve(ob, tid, AT_FDCWD, a[0], false, path))
			ob->on_chdir(ob->read_ctx, tid, path);
		break;
	}
	default:
		if (k >= PATH_KIND_BASE && (size_t)(k - PATH_KIND_BASE) < sizeof(path_rules) / sizeof(path_rules[0]))
			do_path_rule(ob, tid, &path_rules[k - PATH_KIND_BASE], a);
		break;
	}
}

static void held_free(struct hd_held_call *h)
{
	for (int k = 0; k < h->n; k++) {
		free(h->path[k]);
		free(h->named[k]);
		h->named[k] = NULL;
	}
	h->n = 0;
	h->sa_len = 0;
}

/* The errors a network setting can cause a connect or sendto (harden run blames one only where its
 * mapping, sandbox/netdenial, says so): no route out of PrivateNetwork='s namespace (ENETUNREACH,
 * EHOSTUNREACH), its own loopback refusing (ECONNREFUSED), IPAddressDeny='s dropped datagram (EPERM) and
 * dropped SYN, which connect() only shows by never completing (ETIMEDOUT; EINPROGRESS, EALREADY when
 * non-blocking; EINTR or the kernel's restart codes, 512..516, seen at the exit, when interrupted). */
static bool network_error(int err)
{
	switch (err) {
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ECONNREFUSED:
	case EPERM:
	case ETIMEDOUT:
	case EINPROGRESS:
	case EALREADY:
	case EINTR:
	case 512:
	case 513:
	case 514:
	case 516:
		return true;
	default:
		return false;
	}
}

static void record_net_failure(struct hd_observer *ob, const struct hd_held_call *h, int err)
{
	uint16_t family;
	memcpy(&family, h->sa, sizeof(family));
	unsigned port = (unsigned)h->sa[2] << 8 | h->sa[3];
	const uint8_t *addr = family == AF_INET ? h->sa + 4 : h->sa + 8; /* sin_addr, sin6_addr */
	const char *name = ob->arch[h->slot] != HD_ARCH_INVALID ? hd_syscall_name(ob->arch[h->slot], (int)h->nr) : NULL;
	int r = hd_profile_add_net_failure(ob->profile, family, addr, port, name ? name : "?", err, h->tid, h->tgid,
					   h->comm);
	note(ob, r == -EINVAL ? 0 : r);
}

/* The errors a file-system setting can cause a call that would write (harden run blames a setting only
 * for these, and only where its mapping says so): EROFS (a read-only mount: ProtectSystem=,
 * ProtectHome=read-only, ReadOnlyPaths=, an inaccessible or ProtectHome=tmpfs directory, which are
 * read-only too), EACCES (the mode-0 directory of InaccessiblePaths= or ProtectHome=yes, for a process
 * without CAP_DAC_OVERRIDE), ENOENT (a path a tmpfs or an inaccessible directory hides) and EBUSY (removing
 * or renaming the mount point of a ReadWritePaths= or the like). EPERM is not one: a mount answers EROFS
 * or EACCES, and EPERM comes from capabilities, file attributes or the seccomp filter (reported as such). */
static bool setting_error(enum path_effect eff, int err)
{
	return err == EROFS || err == EACCES || err == ENOENT || (err == EBUSY && eff == EFF_REMOVE);
}

/* Moves a held call's paths into the profile if it wrote them (known: ret is its result). */
static void held_commit(struct hd_observer *ob, struct hd_held_call *h, bool known, int64_t ret)
{
	bool failed = known && ret < 0 && ret >= -4095;
	for (int k = 0; k < h->n; k++) {
		enum path_effect eff = (enum path_effect)h->effect[k];
		if (!failed || !failed_alike_read_only(eff, (int)-ret))
			note(ob, hd_profile_add_path(&ob->profile->paths_written, h->path[k]));
		if (failed && ob->record_failures && h->named[k] && setting_error(eff, (int)-ret)) {
			const char *name = ob->arch[h->slot] != HD_ARCH_INVALID
						   ? hd_syscall_name(ob->arch[h->slot], (int)h->nr)
						   : NULL;
			note(ob, hd_profile_add_failure(ob->profile, h->named[k], h->path[k], name ? name : "?",
							(int)-ret, h->tid, h->tgid, h->comm));
		}
	}
	if (h->sa_len && failed && ob->record_failures && network_error((int)-ret))
		record_net_failure(ob, h, (int)-ret);
	held_free(h);
}

static void who_is(struct hd_observer *ob, pid_t tid, pid_t *tgid, char comm[16])
{
	*tgid = tid;
	comm[0] = 0;
	if (ob->who) {
		ob->who(ob->read_ctx, tid, tgid, comm);
		return;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)tid);
	FILE *f = fopen(path, "re");
	if (f) {
		if (fgets(comm, 16, f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
}

void hd_observe_failed_read(struct hd_observer *ob, pid_t tid, uint32_t audit_arch, uint64_t nr,
			    const uint64_t args[6], int64_t ret)
{
	if (!ob->record_failures || (ret != -ENOENT && ret != -EACCES))
		return;
	int s = hd_observer_slot(ob, audit_arch, nr);
	uint64_t i = s == HD_ABI_X32 ? nr & ~(uint64_t)X32_BIT : nr;
	if (s < 0 || i >= HD_PROFILE_MAX_NR)
		return;
	int k = ob->kind[s][i];
	if (k < PATH_KIND_BASE || (size_t)(k - PATH_KIND_BASE) >= sizeof(path_rules) / sizeof(path_rules[0]))
		return;
	const struct path_rule *r = &path_rules[k - PATH_KIND_BASE];
	if (r->effect != EFF_OPEN || r->path < 0)
		return;
	char path[PATH_MAX], comm[16];
	if (!resolve(ob, tid, r->dirfd >= 0 ? (int)args[r->dirfd] : AT_FDCWD, args[r->path], false, path))
		return;
	pid_t tgid;
	who_is(ob, tid, &tgid, comm);
	const char *name = hd_syscall_name(ob->arch[s], (int)nr);
	note(ob, hd_profile_add_failure(ob->profile, path, NULL, name ? name : "?", (int)-ret, tid, tgid, comm));
}

static struct hd_held_call *held_find(struct hd_observer *ob, pid_t tid)
{
	for (size_t i = 0; i < ob->n_held; i++)
		if (ob->held[i].tid == tid)
			return &ob->held[i];
	return NULL;
}

bool hd_observe_syscall_held(struct hd_observer *ob, pid_t tid, uint32_t audit_arch, uint64_t nr,
			     const uint64_t args[6])
{
	struct hd_held_call h = { .tid = tid, .nr = nr, .slot = hd_observer_slot(ob, audit_arch, nr) };
	if (h.slot < 0)
		h.slot = 0;
	ob->holding = &h;
	hd_observe_syscall(ob, tid, audit_arch, nr, args);
	ob->holding = NULL;
	if ((h.n || h.sa_len) && ob->record_failures)
		who_is(ob, tid, &h.tgid, h.comm);
	/* a call of this thread still held never returned (its result was lost): it counts as written */
	struct hd_held_call *old = held_find(ob, tid);
	if (old) {
		held_commit(ob, old, false, 0);
		*old = ob->held[--ob->n_held];
	}
	if (h.n == 0 && h.sa_len == 0)
		return false;
	if (ob->n_held == ob->cap_held) {
		size_t cap = ob->cap_held ? ob->cap_held * 2 : 16;
		struct hd_held_call *v = realloc(ob->held, cap * sizeof(*v));
		if (!v) {
			note(ob, -ENOMEM);
			held_commit(ob, &h, false, 0);
			return false;
		}
		ob->held = v;
		ob->cap_held = cap;
	}
	ob->held[ob->n_held++] = h;
	return true;
}

void hd_observe_result(struct hd_observer *ob, pid_t tid, uint64_t nr, int64_t ret)
{
	struct hd_held_call *h = held_find(ob, tid);
	if (!h)
		return;
	/* another call's result: the held one's was lost, and it counts as written */
	held_commit(ob, h, h->nr == nr || nr == HD_OBSERVE_NR_HELD, ret);
	*h = ob->held[--ob->n_held];
}

bool hd_exec_gained_privileges(bool at_secure, bool no_new_privs, const char *path)
{
	if (at_secure)
		return true;
	if (!no_new_privs || !path)
		return false;
	struct stat st;
	if (stat(path, &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID)))
		return true;
	return getxattr(path, "security.capability", NULL, 0) > 0;
}

int hd_auxv_at_secure(const void *auxv, size_t len, bool wide)
{
	size_t size = wide ? 8 : 4;
	const unsigned char *p = auxv;
	for (size_t off = 0; off + 2 * size <= len; off += 2 * size) {
		uint64_t type = 0, value = 0;
		if (wide) {
			memcpy(&type, p + off, 8);
			memcpy(&value, p + off + 8, 8);
		} else {
			uint32_t t, v;
			memcpy(&t, p + off, 4);
			memcpy(&v, p + off + 4, 4);
			type = t;
			value = v;
		}
		if (type == AT_NULL)
			break;
		if (type == AT_SECURE)
			return value != 0;
	}
	return -1;
}

/* AT_SECURE of a process from /proc/TID/auxv: 1 or 0, -1 if it cannot be read. The vector has the word
 * size of the program (32-bit entries for an i386 program), told by the ELF class of its executable. */
static int proc_at_secure(pid_t tid)
{
	char path[64];
	unsigned char ident[EI_NIDENT];
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, ident, sizeof(ident));
	close(fd);
	if (n != (ssize_t)sizeof(ident) || memcmp(ident, ELFMAG, SELFMAG) != 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	uint64_t words[128]; /* the kernel keeps at most AT_VECTOR_SIZE (~50) pairs */
	n = read(fd, words, sizeof(words));
	close(fd);
	return n > 0 ? hd_auxv_at_secure(words, (size_t)n, ident[EI_CLASS] == ELFCLASS64) : -1;
}

void hd_observe_exec(struct hd_observer *ob, pid_t tid)
{
	char link[64], exe[PATH_MAX];
	bool no_new_privs = false;
	snprintf(link, sizeof(link), "/proc/%d/status", (int)tid);
	FILE *f = fopen(link, "re");
	if (f) {
		char line[256];
		while (fgets(line, sizeof(line), f)) {
			unsigned long long v;
			unsigned uid, nnp;
			if (sscanf(line, "CapEff: %llx", &v) == 1) {
				ob->profile->cap_effective |= v;
				ob->profile->cap_effective_known = true;
			} else if (sscanf(line, "CapPrm: %llx", &v) == 1) {
				ob->profile->cap_permitted |= v;
				ob->profile->cap_permitted_known = true;
			} else if (sscanf(line, "Uid: %u", &uid) == 1) {
				char buf[16];
				snprintf(buf, sizeof(buf), "%u", uid);
				note(ob, hd_profile_add_path(&ob->profile->uids, buf));
			} else if (sscanf(line, "NoNewPrivs: %u", &nnp) == 1)
				no_new_privs = nnp != 0;
		}
		fclose(f);
	}
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)tid);
	ssize_t n = readlink(link, exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = 0;
	note(ob, hd_profile_add_path(&ob->profile->executables, exe));
	/* AT_SECURE unreadable: judge the file, as under no_new_privs */
	int secure = proc_at_secure(tid);
	if (hd_exec_gained_privileges(secure == 1, no_new_privs || secure < 0, link))
		note(ob, hd_profile_add_path(&ob->profile->setuid_execs, exe));
}

int hd_observer_finish(struct hd_observer *ob)
{
	/* calls whose result never came (the thread was killed in the call, the record was lost): written */
	for (size_t i = 0; i < ob->n_held; i++)
		held_commit(ob, &ob->held[i], false, 0);
	free(ob->held);
	ob->held = NULL;
	ob->n_held = ob->cap_held = 0;
	for (int s = 0; s < HD_ABI_SLOTS; s++) {
		if (ob->arch[s] == HD_ARCH_INVALID)
			continue;
		for (int nr = 0; nr < HD_PROFILE_MAX_NR; nr++) {
			if (!ob->counts[s][nr])
				continue;
			const char *name = hd_syscall_name(ob->arch[s], (int)slot_nr(s, nr));
			int r = name ? hd_profile_add_syscall(ob->profile, ob->arch[s], name, ob->counts[s][nr])
				     : hd_profile_add_unknown(ob->profile, ob->arch[s], (int)slot_nr(s, nr));
			note(ob, r);
		}
		memset(ob->counts[s], 0, sizeof(ob->counts[s]));
	}
	ob->profile->caps_source = ob->caps_source;
	for (int c = 0; c < 64; c++) {
		/* a capability the kernel granted, said in words where a rule saw the call that used it */
		struct hd_profile_cap *pc = &ob->profile->caps[c];
		if (ob->cap_hint[c] && pc->granted) {
			char *ev = NULL;
			if (asprintf(&ev, "%s (checked by the kernel)", ob->cap_hint[c]) < 0)
				note(ob, -ENOMEM);
			else {
				free(pc->evidence);
				pc->evidence = ev;
			}
		}
		free(ob->cap_hint[c]);
		ob->cap_hint[c] = NULL;
	}
	hd_profile_finish(ob->profile);
	return ob->err == -ENOMEM ? -ENOMEM : 0;
}
