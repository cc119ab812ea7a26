/* SPDX-License-Identifier: MIT */
/*
 * eBPF learning backend (root): loads learn.bpf.c (a CO-RE light skeleton: the kernel relocates it),
 * follows a process tree (or a cgroup) in the kernel, counts every syscall per ABI in a per-CPU array, and
 * receives the arguments of the calls that decide settings through a ring buffer. The traced program never
 * stops: the cost is a task-mark lookup per syscall, plus a ring-buffer record for the few calls that
 * matter. Records carry what they need (paths, the directory of a dirfd), so they are read when the
 * command ends, or earlier only when the ring is half full.
 *
 * Known limits: paths are copied up to 255 bytes (longer ones are not recorded); a path relative to a
 * directory fd comes with the directory's path captured in the kernel (up to ~500 bytes; beyond that
 * /proc/TID/fd is asked when the record is read, which misses a process that has exited); whether an exec
 * gained privileges (AT_SECURE) and the capabilities come from the kernel at the exec (no /proc race).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "learn.lskel.h"
#include "learn/trace/learn_bpf_shared.h"
#include "learn/trace/observe.h"
#include "learn/trace/trace.h"
#include "syscalls/syscalls.h"
#include "sandbox/warden.h"

/* Working directory per tgid, modelled from fork and chdir events (the process may be gone by the time
 * its events are read, so /proc cannot be asked). */
struct cwd_entry {
	uint32_t tgid;
	char *cwd;
};

/* A process's ids at its exec (inherited at fork): the caller's ids for the capability inference, which
 * decodes records after the fact, when the process may have changed them (setuid) or be gone. */
struct ids_entry {
	uint32_t tgid;
	unsigned uid, euid, gid, egid;
};

struct loader {
	struct hd_observer *ob;
	struct ids_entry *ids;
	size_t n_ids, cap_ids;
	struct cwd_entry *cwds;
	size_t n_cwds, cap_cwds;
	uint32_t cur_tgid;
	const struct hd_bpf_event *cur; /* event being decoded: read_mem serves from its copies */
	char dir_buf[HD_BPF_DIR_BYTES + 2];
	uint64_t lost;
	uint64_t records; /* syscall records decoded */
};

static ssize_t ev_read_mem(void *ctx, pid_t tid, uint64_t addr, void *buf, size_t len)
{
	(void)tid;
	struct loader *l = ctx;
	const struct hd_bpf_event *e = l->cur;
	if (!e || !addr)
		return -EFAULT;
	/* the decoder asks by address: match it with the argument it came from */
	struct hd_observe_plan p;
	int slot = (int)e->abi;
	hd_observe_plan_for(l->ob, slot, (int)(e->nr & 0x3fffffff), &p);
	for (int k = 0; k < 2; k++)
		if (p.path_arg[k] >= 0 && e->args[p.path_arg[k]] == addr) {
			/* a full buffer means the string may have been cut: unusable as a path */
			if (e->path_len[k] == 0 || e->path_len[k] >= HD_BPF_PATH)
				return -ENAMETOOLONG;
			size_t n = e->path_len[k] < len ? e->path_len[k] : len;
			memcpy(buf, e->path[k], n);
			return (ssize_t)n;
		}
	if (p.mem_arg >= 0 && e->args[p.mem_arg] == addr && e->mem_len) {
		size_t n = e->mem_len < len ? e->mem_len : len;
		memcpy(buf, e->mem, n);
		return (ssize_t)n;
	}
	return -EFAULT;
}

static struct cwd_entry *cwd_find(struct loader *l, uint32_t tgid)
{
	for (size_t i = 0; i < l->n_cwds; i++)
		if (l->cwds[i].tgid == tgid)
			return &l->cwds[i];
	return NULL;
}

static void cwd_set(struct loader *l, uint32_t tgid, const char *cwd)
{
	struct cwd_entry *c = cwd_find(l, tgid);
	char *copy = strdup(cwd);
	if (!copy)
		return;
	if (c) {
		free(c->cwd);
		c->cwd = copy;
		return;
	}
	if (l->n_cwds == l->cap_cwds) {
		size_t cap = l->cap_cwds ? l->cap_cwds * 2 : 64;
		struct cwd_entry *v = cap <= HD_BPF_MAX_PROCS ? realloc(l->cwds, cap * sizeof(*v)) : NULL;
		if (!v) {
			free(copy);
			return;
		}
		l->cwds = v;
		l->cap_cwds = cap;
	}
	l->cwds[l->n_cwds++] = (struct cwd_entry){ tgid, copy };
}

static struct ids_entry *ids_find(struct loader *l, uint32_t tgid)
{
	for (size_t i = l->n_ids; i-- > 0;)
		if (l->ids[i].tgid == tgid)
			return &l->ids[i];
	return NULL;
}

static void ids_set(struct loader *l, struct ids_entry e)
{
	struct ids_entry *c = ids_find(l, e.tgid);
	if (c) {
		*c = e;
		return;
	}
	if (l->n_ids == l->cap_ids) {
		size_t cap = l->cap_ids ? l->cap_ids * 2 : 64;
		struct ids_entry *v = cap <= HD_BPF_MAX_PROCS ? realloc(l->ids, cap * sizeof(*v)) : NULL;
		if (!v)
			return;
		l->ids = v;
		l->cap_ids = cap;
	}
	l->ids[l->n_ids++] = e;
}

static bool ids_of(void *ctx, pid_t tid, unsigned uid[4], unsigned gid[4])
{
	(void)tid;
	struct loader *l = ctx;
	const struct ids_entry *e = ids_find(l, l->cur_tgid);
	if (!e)
		return false;
	uid[0] = e->uid, uid[1] = uid[2] = uid[3] = e->euid;
	gid[0] = e->gid, gid[1] = gid[2] = gid[3] = e->egid;
	return true;
}

static const char *cwd_of(void *ctx, pid_t tid)
{
	(void)tid;
	struct loader *l = ctx;
	struct cwd_entry *c = cwd_find(l, l->cur_tgid);
	return c ? c->cwd : NULL;
}

/* The directory captured in the kernel for the current record's dirfd argument (components innermost
 * first, each NUL-terminated), assembled into an absolute path. */
static const char *dir_of_fd(void *ctx, pid_t tid, int dirfd)
{
	(void)tid;
	struct loader *l = ctx;
	const struct hd_bpf_event *e = l->cur;
	if (!e || e->type != HD_BPF_EV_SYSCALL)
		return NULL;
	struct hd_observe_plan p;
	hd_observe_plan_for(l->ob, (int)e->abi, (int)(e->nr & 0x3fffffff), &p);
	int k = p.dirfd_arg >= 0 && (int)e->args[p.dirfd_arg] == dirfd     ? 0
		: p.dirfd2_arg >= 0 && (int)e->args[p.dirfd2_arg] == dirfd ? 1
									     : -1;
	if (k < 0 || e->dir_len[k] == 0 || e->dir_len[k] > HD_BPF_DIR_BYTES)
		return NULL;
	const char *comp[HD_BPF_DIR_BYTES / 2];
	size_t n = 0;
	for (size_t off = 0; off < e->dir_len[k] && n < sizeof(comp) / sizeof(comp[0]);) {
		const char *c = e->dir[k] + off;
		size_t len = strnlen(c, e->dir_len[k] - off);
		if (len == 0 || off + len >= e->dir_len[k])
			return NULL; /* every component is non-empty and NUL-terminated */
		comp[n++] = c;
		off += len + 1;
	}
	size_t used = 0;
	l->dir_buf[0] = 0;
	for (size_t i = n; i-- > 0;) {
		int w = snprintf(l->dir_buf + used, sizeof(l->dir_buf) - used, "/%s", comp[i]);
		if (w < 0 || (size_t)w >= sizeof(l->dir_buf) - used)
			return NULL;
		used += (size_t)w;
	}
	if (used == 0)
		strcpy(l->dir_buf, "/");
	return l->dir_buf;
}

/* The process and name of the record being decoded (record_failures). */
static void who(void *ctx, pid_t tid, pid_t *tgid, char comm[16])
{
	struct loader *l = ctx;
	const struct hd_bpf_event *e = l->cur;
	*tgid = e ? (pid_t)e->tgid : tid;
	if (e)
		snprintf(comm, 16, "%.*s", (int)sizeof(e->comm), e->comm);
}

/* The umask of the record being decoded, as the kernel side read it at the call. */
static bool umask_of(void *ctx, pid_t tid, unsigned *umask)
{
	(void)tid;
	struct loader *l = ctx;
	const struct hd_bpf_event *e = l->cur;
	if (!e || e->type != HD_BPF_EV_SYSCALL || !(e->umask & HD_BPF_UMASK_VALID))
		return false;
	*umask = e->umask & 0777;
	return true;
}

static void on_chdir(void *ctx, pid_t tid, const char *path)
{
	(void)tid;
	struct loader *l = ctx;
	cwd_set(l, l->cur_tgid, path);
}

/* AUDIT_ARCH of an ABI slot. */
static uint32_t slot_audit(const struct hd_observer *ob, unsigned abi)
{
	const struct hd_arch_info *ai = abi < HD_ABI_SLOTS ? hd_arch_info(ob->arch[abi]) : NULL;
	if (!ai)
		return 0;
	/* x32 shares x86-64's AUDIT_ARCH; hd_observer_slot tells them apart by the x32 bit */
	return abi == HD_BPF_ABI_X32 ? hd_arch_info(ob->arch[HD_ABI_NATIVE])->audit_arch : ai->audit_arch;
}

/* The kernel's quiet capability probes (CAP_OPT_NOAUDIT), which the cap_capable tracepoint does not tell
 * from real uses: the calls they are made in. Every accounted memory charge asks whether the caller has
 * CAP_SYS_ADMIN (security_vm_enough_memory_mm -> cap_vm_enough_memory: the overcommit reserve, kept for
 * the administrator), and succeeds without it. That is a mapping, a fork's copy, an exec's stack, a
 * System V segment, and a page of a tmpfs file (shmem_acct_blocks: writing /tmp or /run), also at a page
 * fault outside any call (NULL here). Installing a seccomp filter asks too (without no_new_privs it
 * needs CAP_SYS_ADMIN; harden's own wrapper installs the drop-in's filter so). Opening, reading or writing a file under /proc/sys/net asks quietly for
 * CAP_NET_ADMIN (net_ctl_permissions: whether root's owner bits apply), which root has them by its uid anyway (redis
 * reads somaxconn). A real use in one of these calls would be missed (learn --verify tries the line);
 * one in any other call is kept. */
static const struct {
	int cap;
	const char *const *calls;
} quiet_checks[] = {
	{ 21 /* CAP_SYS_ADMIN */,
	  (const char *const[]){ "", "execve", "execveat", "mmap", "mmap2", "brk", "mprotect", "pkey_mprotect",
				 "mremap", "clone", "clone3", "fork", "vfork", "shmget", "shmat",
				 "remap_file_pages", "memfd_create", "write", "pwrite64", "writev", "pwritev",
				 "pwritev2", "fallocate", "ftruncate", "truncate", "sendfile", "sendfile64",
				 "copy_file_range", "splice", "io_uring_enter", "seccomp", NULL } },
	{ 12 /* CAP_NET_ADMIN */,
	  (const char *const[]){ "open", "openat", "openat2", "read", "pread64", "readv", "preadv", "preadv2", "write",
				 "pwrite64", "writev", "pwritev", "pwritev2", "sendfile", "splice", NULL } },
};

static bool quiet_check(int cap, const char *call)
{
	for (size_t i = 0; i < sizeof(quiet_checks) / sizeof(quiet_checks[0]); i++)
		if (quiet_checks[i].cap == cap)
			for (const char *const *c = quiet_checks[i].calls; *c; c++)
				if (strcmp(*c, call ? call : "") == 0)
					return true;
	return false;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct loader *l = ctx;
	const struct hd_bpf_event *e = data;
	if (size >= sizeof(struct hd_bpf_result) && ((const struct hd_bpf_result *)data)->type == HD_BPF_EV_RESULT) {
		const struct hd_bpf_result *res = data;
		/* a 32-bit call returns an int: its -errno is the low half */
		int64_t ret = res->abi == HD_BPF_ABI_COMPAT32 ? (int32_t)res->ret : res->ret;
		hd_observe_result(l->ob, (pid_t)res->tid, res->nr, ret);
		return 0;
	}
	if (size < sizeof(*e))
		return 0;
	if (e->type == HD_BPF_EV_FORK) {
		const struct ids_entry *pids = ids_find(l, e->tid);
		if (pids) {
			struct ids_entry child = *pids;
			child.tgid = e->tgid;
			ids_set(l, child);
		}
		struct cwd_entry *parent = cwd_find(l, e->tid);
		if (parent) {
			char *copy = strdup(parent->cwd);
			if (copy) {
				cwd_set(l, e->tgid, copy);
				free(copy);
			}
		}
		return 0;
	}
	if (e->type == HD_BPF_EV_EXEC) {
		struct hd_profile *p = l->ob->profile;
		/* the file name as given to execve: made absolute with the modelled working directory */
		char exe[PATH_MAX];
		const struct cwd_entry *cwd = cwd_find(l, e->tgid);
		bool named = e->path_len[0] > 1 && e->path_len[0] < HD_BPF_PATH;
		if (named && e->path[0][0] != '/' && cwd)
			named = hd_path_join(cwd->cwd, e->path[0], exe);
		else if (named)
			snprintf(exe, sizeof(exe), "%s", e->path[0]);
		if (named)
			hd_profile_add_path(&p->executables, exe);
		if (named && hd_exec_gained_privileges(e->args[5] & 1, e->args[5] & 2, exe))
			hd_profile_add_path(&p->setuid_execs, exe);
		p->cap_effective |= e->args[2];
		p->cap_effective_known = true;
		uint64_t permitted;
		if (e->mem_len == sizeof(permitted)) {
			memcpy(&permitted, e->mem, sizeof(permitted));
			p->cap_permitted |= permitted;
			p->cap_permitted_known = true;
		}
		ids_set(l, (struct ids_entry){ e->tgid, (unsigned)e->args[0], (unsigned)e->args[1], (unsigned)e->args[3],
					       (unsigned)e->args[4] });
		char uid[16];
		snprintf(uid, sizeof(uid), "%u", (unsigned)e->args[0]);
		hd_profile_add_path(&p->uids, uid);
		return 0;
	}
	if (e->type == HD_BPF_EV_CAP) {
		/* "nginx (pid 12): bind": the call the check was made in, named on the task's ABI */
		char ev[96];
		const char *call = NULL;
		if (e->abi < HD_ABI_SLOTS && e->args[2] < HD_PROFILE_MAX_NR)
			call = hd_syscall_name(l->ob->arch[e->abi], (int)(e->abi == HD_BPF_ABI_X32 ? e->args[2] | 0x40000000 : e->args[2]));
		if (quiet_check((int)e->args[0], call))
			return 0;
		snprintf(ev, sizeof(ev), "%.16s (pid %u): %s", e->comm, e->tgid, call ? call : "outside a system call");
		int r = hd_profile_add_cap(l->ob->profile, (int)e->args[0], (int64_t)e->args[1] == 0, ev);
		if (r == -ENOMEM)
			l->ob->err = r;
		return 0;
	}
	if (e->type == HD_BPF_EV_FAILED_READ) {
		l->cur = e;
		l->cur_tgid = e->tgid;
		uint64_t args[6];
		for (int k = 0; k < 6; k++)
			args[k] = e->args[k];
		/* the result rides in the sixth argument, which open and openat do not have (learn.bpf.c) */
		int64_t ret = e->abi == HD_BPF_ABI_COMPAT32 ? (int32_t)e->args[5] : (int64_t)e->args[5];
		args[5] = 0;
		uint32_t audit = slot_audit(l->ob, e->abi);
		hd_observe_failed_read(l->ob, (pid_t)e->tid, audit, e->nr, args, ret);
		l->cur = NULL;
		return 0;
	}
	l->records++;
	l->cur = e;
	l->cur_tgid = e->tgid;
	/* counting happens in the kernel: decode the arguments only (events is not bumped here) */
	uint64_t saved = l->ob->events;
	uint32_t audit = slot_audit(l->ob, e->abi);
	int s = hd_observer_slot(l->ob, audit, e->nr);
	if (s >= 0) {
		uint64_t i = e->nr & 0x3fffffff;
		uint64_t before = i < HD_PROFILE_MAX_NR ? l->ob->counts[s][i] : 0;
		uint64_t args[6];
		for (int k = 0; k < 6; k++)
			args[k] = e->args[k];
		/* the paths it would write wait for its result record (sent at the call's exit) */
		hd_observe_syscall_held(l->ob, (pid_t)e->tid, audit, e->nr, args);
		if (i < HD_PROFILE_MAX_NR)
			l->ob->counts[s][i] = before;
	}
	l->ob->events = saved;
	l->cur = NULL;
	return 0;
}

bool hd_trace_ebpf_available(char *why, size_t whylen)
{
	if (geteuid() != 0) {
		snprintf(why, whylen, "not root (loading BPF programs needs CAP_BPF and CAP_PERFMON)");
		return false;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		snprintf(why, whylen, "the kernel has no BTF (/sys/kernel/btf/vmlinux)");
		return false;
	}
	snprintf(why, whylen, "root, kernel BTF, built in");
	return true;
}

static uint8_t arg_index(int i)
{
	return i < 0 || i > 5 ? 0xff : (uint8_t)i;
}

static int fill_plan(struct learn_bpf *skel, struct hd_observer *ob)
{
	enum { N = HD_BPF_ABIS * HD_BPF_MAX_NR };
	static uint32_t keys[N];
	static struct hd_bpf_plan plans[N];
	uint32_t n = 0;
	for (int s = 0; s < HD_ABI_SLOTS && s < HD_BPF_ABIS; s++)
		for (int nr = 0; nr < HD_PROFILE_MAX_NR && nr < HD_BPF_MAX_NR; nr++) {
			struct hd_observe_plan p;
			hd_observe_plan_for(ob, s, nr, &p);
			if (!p.wanted)
				continue;
			keys[n] = (uint32_t)(s * HD_BPF_MAX_NR + nr);
			plans[n++] = (struct hd_bpf_plan){
				.wanted = 1,
				.path_arg = { arg_index(p.path_arg[0]), arg_index(p.path_arg[1]) },
				.mem_arg = arg_index(p.mem_arg),
				.mem_len = (uint8_t)p.mem_len,
				.open_flags_arg = arg_index(p.open_flags_arg),
				.dirfd_arg = arg_index(p.dirfd_arg),
				.dirfd2_arg = arg_index(p.dirfd2_arg),
				.test_arg = arg_index(p.test_arg),
				.test_all = p.test_all,
				.want_result = p.want_result,
				.result_if_failed = p.result_if_failed,
				.test_mask = p.test_mask,
			};
		}
	/* one system call for the whole table */
	uint32_t count = n;
	if (n && bpf_map_update_batch(skel->maps.plan.map_fd, keys, plans, &count, NULL) < 0)
		return -errno;
	return 0;
}

/* The directories whose read-only opens matter (the kernel side walks up to them): /dev and the watched
 * prefixes, by (device, inode) as the kernel numbers them. A missing one is simply not watched. */
static int fill_watched_dirs(struct learn_bpf *skel)
{
#define AS_STRING(s) s,
	static const char *const dirs[] = { "/dev", HD_WATCHED_READ_PREFIXES(AS_STRING) };
#undef AS_STRING
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		struct stat st;
		if (stat(dirs[i], &st) < 0)
			continue;
		struct hd_bpf_dir_id id = {
			.dev = (uint32_t)(major(st.st_dev) << 20 | minor(st.st_dev)),
			.ino = (uint64_t)st.st_ino,
		};
		uint8_t one = 1;
		if (bpf_map_update_elem(skel->maps.watched_dirs.map_fd, &id, &one, BPF_ANY) < 0)
			return -errno;
	}
	return 0;
}

/* Attach the programs. on_exit forgets tgids of the tgid hash: the one --pid and --cgroup follow by, and
 * the one a task whose mark could not be made is followed by (learn.bpf.c, mark_failed), which any run
 * may meet; so it is attached to every run. */
static int attach(struct learn_bpf *skel)
{
	if (learn_bpf__on_sys_enter__attach(skel) < 0 || learn_bpf__on_sys_exit__attach(skel) < 0 ||
	    learn_bpf__on_fork__attach(skel) < 0 ||
	    learn_bpf__on_exec__attach(skel) < 0 || learn_bpf__on_exit__attach(skel) < 0)
		return errno ? -errno : -EINVAL;
	return 0;
}

/* --pid: follow a tgid (its tasks get marked at their first syscall) */
static int follow(struct learn_bpf *skel, pid_t pid)
{
	uint32_t key = (uint32_t)pid;
	uint8_t one = 1;
	return bpf_map_update_elem(skel->maps.followed.map_fd, &key, &one, BPF_ANY) < 0 ? -errno : 0;
}

/* The processes already in the cgroup (and its child cgroups) when the session starts: what they run and
 * hold, as an exec would have told (a service's main process was started long before). Bounded. */
#define CGROUP_MEMBERS_MAX 4096
#define CGROUP_DEPTH_MAX 8
static void observe_cgroup_members(struct hd_observer *ob, const char *dir, int depth)
{
	static unsigned seen;
	if (depth == 0)
		seen = 0;
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		return;
	FILE *f = fopen(path, "re");
	if (f) {
		int pid;
		while (seen < CGROUP_MEMBERS_MAX && fscanf(f, "%d", &pid) == 1) {
			hd_observe_exec(ob, pid);
			seen++;
		}
		fclose(f);
	}
	DIR *d = depth < CGROUP_DEPTH_MAX ? opendir(dir) : NULL;
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d)) && seen < CGROUP_MEMBERS_MAX;)
		if (e->d_type == DT_DIR && e->d_name[0] != '.' &&
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < (int)sizeof(path))
			observe_cgroup_members(ob, path, depth + 1);
	closedir(d);
}

/* the command, before it execs: mark its task (a task-storage map is keyed by a pidfd). The program moves
 * it into a slot at its next syscall; until then every task not in a slot asks the storage (counted as
 * pending first, so that no syscall of the task can miss it). */
static int mark_task(struct learn_bpf *skel, pid_t pid)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	uint8_t mark = HD_BPF_MARK_PROMOTE;
	__atomic_fetch_add(&skel->bss->promote_pending, 1, __ATOMIC_SEQ_CST);
	int r = bpf_map_update_elem(skel->maps.marked.map_fd, &pidfd, &mark, BPF_NOEXIST) < 0 ? -errno : 0;
	if (r < 0)
		__atomic_fetch_sub(&skel->bss->promote_pending, 1, __ATOMIC_SEQ_CST);
	close(pidfd);
	return r;
}

/* Every process of the tree under root, from /proc/PID/task/TID/children. */
static int follow_tree(struct learn_bpf *skel, pid_t root, struct loader *l)
{
	pid_t *queue = malloc(HD_BPF_MAX_PROCS * sizeof(pid_t));
	if (!queue)
		return -ENOMEM;
	size_t n = 0, i = 0;
	queue[n++] = root;
	int r = 0;
	while (i < n && r == 0) {
		pid_t p = queue[i++];
		r = follow(skel, p);
		char link[64], cwd[4096];
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)p);
		ssize_t cn = readlink(link, cwd, sizeof(cwd) - 1);
		if (cn > 0) {
			cwd[cn] = 0;
			cwd_set(l, (uint32_t)p, cwd);
		}
		char path[96];
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)p, (int)p);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		int c;
		while (n < HD_BPF_MAX_PROCS && fscanf(f, "%d", &c) == 1)
			queue[n++] = c;
		fclose(f);
	}
	free(queue);
	return r;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int hd_trace_ebpf(const struct hd_trace_options *o, struct hd_profile *p, struct hd_trace_result *res,
		  hd_diags *d)
{
	struct hd_observer *ob = malloc(sizeof(*ob));
	if (!ob)
		return -ENOMEM;
	struct loader l = { .ob = ob };
	hd_observer_init(ob, p, ev_read_mem, &l);
	ob->cwd_of = cwd_of;
	ob->dir_of_fd = dir_of_fd;
	ob->deferred = true;
	ob->on_chdir = on_chdir;
	ob->who = who;
	ob->ids_of = ids_of;
	ob->umask_of = umask_of;
	ob->record_failures = o->record_failures;
	res->used = HD_TRACE_EBPF;
	int r = 0, gate[2] = { -1, -1 };
	pid_t child = 0;
	/* run mode without a companion (that ends the tree itself): the warden ends the command's processes if
	 * harden is killed, and tells when the last of them is gone (see the loop) */
	struct hd_warden warden = { .pid = 0 };
	bool guarded = false;
	struct ring_buffer *rb = NULL;
	libbpf_set_print(NULL); /* the library never prints: errors come back as values */
	struct learn_bpf *skel = learn_bpf__open();
	if (!skel) {
		r = errno ? -errno : -EINVAL;
		hd_diag_add(d, HD_ERROR, NULL, 0, "eBPF: cannot open the program: %s", strerror(-r));
		res->setup_failed = true;
		goto out;
	}
	if (o->cgroup) {
		struct stat st;
		if (stat(o->cgroup, &st) < 0 || !S_ISDIR(st.st_mode)) {
			r = -ENOENT;
			hd_diag_add(d, HD_ERROR, o->cgroup, 0, "not a cgroup directory");
			goto out;
		}
		skel->rodata->target_cgroup = st.st_ino; /* a cgroup v2 id is its directory's inode number */
	}
	skel->rodata->follow_by_tgid = o->pid || o->cgroup;
	skel->rodata->report_failed_reads = o->record_failures;
	/* For bench/daemon.sh only: the program is attached and follows the tasks as always, but counts and
	 * sends nothing. What is left is what a sys_enter hook costs every syscall of the system (the floor no
	 * program can go below); the bench sets it beside a normal run to tell that floor from the program's
	 * own work. Nothing is learned, and the run says so. */
	const char *floor = getenv("HARDEN_BENCH_EBPF_FLOOR");
	if (floor && strcmp(floor, "1") == 0) {
		skel->rodata->floor_only = true;
		hd_diag_add(d, HD_WARNING, NULL, 0,
			    "eBPF: HARDEN_BENCH_EBPF_FLOOR=1: the program follows but records nothing (a benchmark's "
			    "floor): the drop-in is NOT learned from this run");
	}
	/* For tests only: no new task gets a slot or a mark, as if the kernel had refused every mark, so that
	 * the tgid-hash fallback (learn.bpf.c, mark_failed) is what follows them. Said, like the floor. */
	const char *nomark = getenv("HARDEN_TEST_EBPF_NO_TASK_MARKS");
	if (nomark && strcmp(nomark, "1") == 0) {
		skel->rodata->test_no_task_marks = true;
		hd_diag_add(d, HD_WARNING, NULL, 0,
			    "eBPF: HARDEN_TEST_EBPF_NO_TASK_MARKS=1: new tasks are followed by their tgid alone (a test)");
	}
	/* For tests only: one slot for all processes (learn.bpf.c, slots), so that every process after the
	 * first finds its slot taken and is followed by its mark. */
	const char *oneslot = getenv("HARDEN_TEST_EBPF_ONE_SLOT");
	if (oneslot && strcmp(oneslot, "1") == 0) {
		skel->rodata->slot_mask = 0;
		hd_diag_add(d, HD_WARNING, NULL, 0,
			    "eBPF: HARDEN_TEST_EBPF_ONE_SLOT=1: all processes share one slot (a test)");
	}
	if ((r = learn_bpf__load(skel)) < 0) {
		r = errno ? -errno : r;
		hd_diag_add(d, HD_ERROR, NULL, 0, "eBPF: the kernel refused the program: %s", strerror(-r));
		res->setup_failed = true;
		goto out;
	}
	/* The capability checks themselves, where the kernel lets a program attach to cap_capable (fexit
	 * needs ftrace on it); else the observer infers capabilities from the calls (observe.c, cap_rules).
	 * HARDEN_TEST_EBPF_NO_CAP_HOOK=1 (tests) leaves it unattached to try the inference with this backend. */
	const char *nocap = getenv("HARDEN_TEST_EBPF_NO_CAP_HOOK");
	int cap_attach = -EINVAL;
	if (nocap && strcmp(nocap, "1") == 0)
		hd_diag_add(d, HD_WARNING, NULL, 0,
			    "eBPF: HARDEN_TEST_EBPF_NO_CAP_HOOK=1: capabilities are inferred from calls (a test)");
	else if ((cap_attach = learn_bpf__on_cap_capable__attach(skel)) >= 0)
		ob->caps_source = HD_CAPS_KERNEL;
	else
		hd_diag_add(d, HD_WARNING, NULL, 0,
			    "eBPF: cannot attach to the kernel's capability check (the cap_capable tracepoint, Linux "
			    "6.15+: %s): capabilities are inferred from calls", strerror(-cap_attach));
	/* the capability evidence names the process: records carry its name */
	skel->bss->send_comm = true;
	/* (before the plan: without the hook, the calls the inference reads are sent too) */
	if ((r = fill_plan(skel, ob)) < 0 || (r = fill_watched_dirs(skel)) < 0 || (r = attach(skel)) < 0) {
		hd_diag_add(d, HD_ERROR, NULL, 0, "eBPF: cannot attach: %s", strerror(-r));
		res->setup_failed = true;
		goto out;
	}

	rb = ring_buffer__new(skel->maps.events.map_fd, on_event, &l, NULL);
	if (!rb) {
		r = -errno;
		hd_diag_add(d, HD_ERROR, NULL, 0, "eBPF: ring buffer: %s", strerror(-r));
		res->setup_failed = true;
		goto out;
	}

	if (o->pid) {
		if (kill(o->pid, 0) < 0) {
			r = -errno;
			hd_diag_add(d, HD_ERROR, NULL, 0, "no process %d: %s", (int)o->pid, strerror(-r));
			goto out;
		}
		hd_observe_exec(ob, o->pid);
		if ((r = follow_tree(skel, o->pid, &l)) < 0)
			goto out;
		if (o->on_attached)
			o->on_attached(o->attached_ctx);
	} else if (o->cgroup) {
		observe_cgroup_members(ob, o->cgroup, 0);
		/* the program follows the cgroup from here on: a caller's workload may start (apply's shadow) */
		if (o->on_attached)
			o->on_attached(o->attached_ctx);
	} else {
		/* the child waits at a gate until it is followed, then execs */
		if (pipe2(gate, O_CLOEXEC) < 0) {
			r = -errno;
			goto out;
		}
		int errpipe[2];
		if (pipe2(errpipe, O_CLOEXEC) < 0) {
			r = -errno;
			goto out;
		}
		if (o->companion <= 0) {
			if ((r = hd_warden_start(&warden)) < 0) {
				hd_diag_add(d, HD_ERROR, NULL, 0, "cannot start the process that ends the command if harden "
					    "is killed: %s", strerror(-r));
				close(errpipe[0]);
				close(errpipe[1]);
				goto out;
			}
			guarded = true;
		}
		child = fork();
		if (child < 0) {
			r = -errno;
			close(errpipe[0]);
			close(errpipe[1]);
			goto out;
		}
		if (child == 0) {
			char c;
			close(gate[1]);
			close(errpipe[0]);
			/* o->exec before the gate: the parent marks the task only after this (see below), so
			 * its calls are not learned */
			int e = hd_trace_exec_setup(&o->exec);
			if (e) {
				(void)!write(errpipe[1], &e, sizeof(e));
				_exit(127);
			}
			(void)!write(errpipe[1], &e, sizeof(e)); /* 0: ready to be followed */
			if (read(gate[0], &c, 1) == 1) {
				e = hd_trace_exec_command(o);
				(void)!write(errpipe[1], &e, sizeof(e));
			}
			_exit(127);
		}
		close(gate[0]);
		close(errpipe[1]);
		gate[0] = errpipe[0];
		if (o->on_spawn)
			o->on_spawn(o->spawn_ctx, child);
		/* the child says when it has applied o->exec (0) or why it could not (errno) */
		int setup_e = -1;
		while (read(gate[0], &setup_e, sizeof(setup_e)) < 0 && errno == EINTR)
			;
		if (setup_e != 0) {
			int st;
			waitpid(child, &st, 0);
			res->wait_status = st;
			res->exec_failed = true;
			res->exec_errno = setup_e > 0 ? setup_e : ECHILD;
			close(gate[1]);
			gate[1] = -1;
			child = 0; /* reaped */
			goto reap;
		}
		char cwd[4096];
		if (o->exec.cwd)
			cwd_set(&l, (uint32_t)child, o->exec.cwd);
		else if (getcwd(cwd, sizeof(cwd)))
			cwd_set(&l, (uint32_t)child, cwd);
		if ((r = mark_task(skel, child)) < 0) {
			kill(child, SIGKILL);
			goto reap;
		}
		/* the exec itself is reported in the kernel (sched_process_exec) */
		(void)!write(gate[1], "g", 1);
		close(gate[1]);
		gate[1] = -1;
	}

	uint64_t start = now_ms();
	/* wake on ring-buffer data or the child's exit (pidfd), not on a timer */
	/* --pid too: its exit ends the session at once (harden run waits for this after its command) */
	int pidfd = child || o->pid ? (int)syscall(SYS_pidfd_open, child ? child : o->pid, 0) : -1, epfd = -1;
	int cpidfd = child && o->companion > 0 ? (int)syscall(SYS_pidfd_open, o->companion, 0) : -1;
	if (pidfd >= 0 && (epfd = epoll_create1(EPOLL_CLOEXEC)) >= 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = pidfd };
		epoll_ctl(epfd, EPOLL_CTL_ADD, pidfd, &ev);
		if (cpidfd >= 0) {
			ev.data.fd = cpidfd;
			epoll_ctl(epfd, EPOLL_CTL_ADD, cpidfd, &ev);
		}
		ev.data.fd = ring_buffer__epoll_fd(rb);
		epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	}
	bool forwarded = false, child_done = false, companion_done = !(child && o->companion > 0);
	/* Once the command has exited, what it left running (a shell's background job, a daemon) is followed
	 * until it is gone, as the ptrace backend does: its later calls belong in the profile. A stop request
	 * then sends it SIGTERM, and what is left after TREE_STOP_MS runs on unfollowed, counted in
	 * res->outlived for the caller to say. */
	enum { TREE_STOP_MS = 5000 };
	uint64_t tree_stop_at = 0;
	for (;;) {
		if (epfd >= 0) {
			struct epoll_event evs[3];
			/* attach modes: stop and the duration are checked every 20 ms */
			epoll_wait(epfd, evs, 3, !child ? 20 : child_done ? 50 : 1000);
			ring_buffer__consume(rb);
		} else
			ring_buffer__poll(rb, 20);
		if (child) {
			if (o->stop && *o->stop && !forwarded) {
				/* Ctrl-C or TERM to harden ends the command (or tells the companion to) */
				kill(o->companion > 0 ? o->companion : child, SIGTERM);
				forwarded = true;
			}
			int st;
			pid_t w = child_done ? 0 : waitpid(child, &st, WNOHANG);
			if (w == child) {
				res->wait_status = st;
				child_done = true;
				/* the exited child's pidfd stays readable: watch the rest only */
				if (epfd >= 0)
					epoll_ctl(epfd, EPOLL_CTL_DEL, pidfd, NULL);
			}
			if (w < 0 && errno != EINTR) {
				r = -errno;
				break;
			}
			/* the command's descendants (a forking daemon's) live on after it: the companion ends them */
			if (!companion_done && waitpid(o->companion, &st, WNOHANG) != 0)
				companion_done = true;
			if (child_done && companion_done && guarded) {
				if (o->stop && *o->stop && !tree_stop_at) {
					tree_stop_at = now_ms();
					hd_warden_tree_alive(&warden, child, SIGTERM);
				}
				size_t left = hd_warden_tree_alive(&warden, child, 0);
				if (left && tree_stop_at && now_ms() - tree_stop_at >= TREE_STOP_MS) {
					res->outlived = left;
					break;
				}
				if (left)
					continue;
			}
			if (child_done && companion_done)
				break;
		} else {
			if (o->stop && *o->stop)
				break;
			if (o->duration_ms && now_ms() - start >= o->duration_ms)
				break;
			if (o->pid && kill(o->pid, 0) < 0 && errno == ESRCH)
				break;
			/* exited, not yet reaped (a pidfd is readable from then on) */
			struct pollfd pp = { .fd = pidfd, .events = POLLIN };
			if (o->pid && pidfd >= 0 && poll(&pp, 1, 0) == 1 && (pp.revents & POLLIN))
				break;
		}
	}
	if (epfd >= 0)
		close(epfd);
	if (pidfd >= 0)
		close(pidfd);
	if (cpidfd >= 0)
		close(cpidfd);
reap:
	ring_buffer__consume(rb);
	if (child && gate[0] >= 0) {
		int e = 0;
		if (read(gate[0], &e, sizeof(e)) == sizeof(e) && e) {
			res->exec_failed = true;
			res->exec_errno = e;
		}
	}
	/* counts: one per-CPU element holds every (ABI, number); sum the CPUs' copies */
	{
		int ncpu = libbpf_num_possible_cpus();
		struct hd_bpf_counts *per_cpu = ncpu > 0 ? calloc((size_t)ncpu, sizeof(*per_cpu)) : NULL;
		uint32_t zero = 0;
		if (per_cpu && bpf_map_lookup_elem(skel->maps.counts.map_fd, &zero, per_cpu) == 0)
			for (uint32_t i = 0; i < HD_BPF_ABIS * HD_BPF_MAX_NR; i++) {
				uint64_t sum = 0;
				for (int c = 0; c < ncpu; c++)
					sum += per_cpu[c].n[i];
				ob->counts[i / HD_BPF_MAX_NR][i % HD_BPF_MAX_NR] += sum;
				ob->events += sum;
			}
		else
			r = r < 0 ? r : (per_cpu ? -errno : -ENOMEM);
		uint64_t *lost = ncpu > 0 ? calloc((size_t)ncpu, sizeof(uint64_t)) : NULL;
		if (lost && bpf_map_lookup_elem(skel->maps.lost.map_fd, &zero, lost) == 0)
			for (int c = 0; c < ncpu; c++)
				res->lost += lost[c];
		free(lost);
		res->unfollowed = skel->bss->unfollowed;
		free(per_cpu);
	}
out:
	if (guarded)
		hd_warden_end(&warden);
	if (gate[0] >= 0)
		close(gate[0]);
	if (gate[1] >= 0)
		close(gate[1]);
	ring_buffer__free(rb);
	learn_bpf__destroy(skel);
	for (size_t i = 0; i < l.n_cwds; i++)
		free(l.cwds[i].cwd);
	free(l.cwds);
	free(l.ids);
	res->events = ob->events;
	res->records = l.records;
	int r2 = hd_observer_finish(ob);
	free(ob);
	return r < 0 ? r : r2;
}
