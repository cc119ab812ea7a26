// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * harden learn, eBPF side (CO-RE, BTF tracepoints: no tracefs needed).
 *
 * Which tasks are followed: a task-local storage mark. User space marks the command before it execs;
 * sched_process_fork marks every task (process or thread) a marked task creates. Looking the mark up is a
 * pointer walk in the task, so the ~all syscalls on the system that are not followed cost little. For
 * --pid and --cgroup (follow_by_tgid), a tgid hash and the cgroup id decide instead, and the first
 * syscall of a matching task marks it.
 *
 * sys_enter (tp_btf): for a followed task, count (ABI, number) in a per-CPU array and, for the calls user
 * space marked as deciding a setting, send the arguments (and the strings/structs they point to) through a
 * ring buffer. A read-only open is sent only if it is under /dev or a watched directory: decided here,
 * from the path for an absolute one and by walking up the directory for a single name relative to a dirfd
 * or the cwd, so the many opens of ordinary files cost no record and no wake-up. A read-only open of an
 * absolute path already sent is not sent again, and a call whose flags cannot matter (a thread's clone,
 * an mmap that is not both writable and executable) is only counted: a daemon under load makes these
 * for every request, and each record costs a copy here and decoding in user space.
 * sys_exit (tp_btf): the result of a call that may write a path (not of a read-only open), so that user
 * space counts a failed mkdir as no write; for harden run (report_failed_reads), also a read-only open that
 * failed with ENOENT or EACCES, as a record of its own (a path a file-system setting may hide).
 * sched_process_exec reports execs (privileges gained, capabilities); sched_process_exit forgets a tgid.
 * The cap_capable tracepoint (the capability check every capable()/ns_capable() ends in) reports the
 * capabilities a followed task asked for on its own credentials, and whether it had them.
 *
 * A path relative to a directory fd comes with that directory's path, captured in the kernel at the call,
 * so records need nothing from /proc: user space is woken only when the ring is half full, and otherwise
 * reads them when the command ends. A traced program does not cause a context switch per record.
 *
 * Memory bound: ring buffer 1 MiB, followed tgids 16384 (~0.6 MiB when full), unwatched base
 * directories 4096 (~0.3 MiB), read-only opens sent 2 x 2048 (~0.8 MiB, preallocated), watched
 * directories 32, plan 3072 x 24 bytes; per CPU: counts 3 ABIs x 1024 numbers x 8 bytes, one record
 * being built (~2.4 KiB) and one path key. About 3 MiB + 27 KiB per CPU, whatever
 * the workload, plus a small task-local mark per live followed task (freed with the task).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "learn_bpf_shared.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Set by user space before load. */
const volatile __u64 target_cgroup = 0; /* cgroup v2 id to follow as a whole (0 = none) */
const volatile bool follow_by_tgid = false; /* --pid / --cgroup: consult the tgid hash and the cgroup */
const volatile bool floor_only = false; /* a benchmark's floor: follow, but count and record nothing */
const volatile bool test_no_task_marks = false; /* a test's: every new task's mark "fails" (see mark_failed) */
const volatile __u32 slot_mask = HD_BPF_SLOTS - 1; /* a test's 0: all processes share one slot (see slots) */
/* harden run: read-only opens that fail with ENOENT or EACCES are sent at their exit (a path a setting
 * hides). Off for learn: the verifier drops that code, as the flag is constant. */
const volatile bool report_failed_reads = false;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u8);
} marked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HD_BPF_MAX_WATCHED_DIRS);
	__type(key, struct hd_bpf_dir_id);
	__type(value, __u8);
} watched_dirs SEC(".maps");

/* Base directories found NOT under a watched one, by dentry address and inode (so a reused dentry is not
 * mistaken for the old one): most relative opens share a base (tar opens every entry of a directory
 * relative to its fd), and this spares them the walk. When full, nothing more is remembered.
 * Known limit: a directory moved under a watched one while learning keeps its cached answer. */
struct dir_key {
	__u64 dentry;
	__u64 ino;
};
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, struct dir_key);
	__type(value, __u8);
} unwatched_dirs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, HD_BPF_MAX_PROCS);
	__type(key, __u32);  /* tgid */
	__type(value, __u8);
} followed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hd_bpf_counts);
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

/* Absolute paths already sent for a read-only open. A daemon that serves files from a watched directory
 * (a document root under /tmp or /home) opens the same few paths for every request; user space only needs
 * each once (it keeps a set of paths read), so repeats cost no record, no copy and no decoding. LRU: an
 * evicted path is simply sent again. The key is the path zero-padded to HD_BPF_PATH bytes. */
struct ro_open_key {
	char path[HD_BPF_PATH];
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HD_BPF_MAX_RO_OPENS_SEEN);
	__type(key, struct ro_open_key);
	__type(value, __u8);
} ro_opens_seen SEC(".maps");
/* Most paths are short: they are keyed in 64 bytes, which the map hashes and compares 4 times faster
 * (hashing the key was most of what remembering cost per open). */
#define RO_OPEN_SHORT 64
struct ro_open_short_key {
	char path[RO_OPEN_SHORT];
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HD_BPF_MAX_RO_OPENS_SEEN);
	__type(key, struct ro_open_short_key);
	__type(value, __u8);
} ro_opens_seen_short SEC(".maps");

/* A syscall record is built here, then copied into the ring (it is too large for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hd_bpf_event);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, HD_BPF_RINGBUF_BYTES);
} events SEC(".maps");

/* Word indexes in x86-64's struct pt_regs (arch/x86/include/uapi/asm/ptrace.h: r15 r14 r13 r12 bp bx
 * r11 r10 r9 r8 ax cx dx si di ...). */
enum { PT_BP = 4, PT_BX = 5, PT_R10 = 7, PT_R9 = 8, PT_R8 = 9, PT_CX = 11, PT_DX = 12, PT_SI = 13, PT_DI = 14 };
#define TS_COMPAT 0x0002 /* x86: a 32-bit syscall is active (arch/x86/include/asm/thread_info.h) */
#define X32_BIT 0x40000000
#define AT_FDCWD_VALUE -100
#define O_ACCMODE_BITS 03
#define O_CREAT_BIT 0100
#define O_TRUNC_BIT 01000
#define O_PATH_BIT 010000000

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *l = bpf_map_lookup_elem(&lost, &zero);
	if (l)
		*l += 1;
}

/* Wake the reader only when the ring is half full (it must never overflow unread): records need nothing
 * from /proc, so they can wait until the command ends. */
static __always_inline __u64 wake_flags(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > HD_BPF_RINGBUF_BYTES / 2)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* Marking a new task can fail: on a kernel with CONFIG_PREEMPTION, task storage refuses to create (and
 * returns NULL) while another program's use of task storage on the same CPU was preempted, and the mark's
 * memory is allocated then and there. Such a task (a PostgreSQL backend, say) would go unseen with all it
 * calls. So its tgid goes into the followed hash instead, and from then on a task without a mark is also
 * looked up there: a cost only runs that met a failed mark pay. Read by user space: tasks that could be
 * followed neither way (their calls are missing, which learn reports). */
bool mark_failed = false;
__u64 unfollowed = 0;

/* The fast answer to "is this task followed?", asked at every syscall of every task on the machine while
 * learn runs: a followed process has a slot, indexed by its tgid, holding that tgid. Checking it is an
 * array lookup the verifier inlines; the task-storage lookup it spares is a helper call, and was a fifth of
 * what learning cost a followed daemon per syscall (and what it cost every other process beyond the
 * tracepoint). A slot is claimed with a compare-and-swap, so a process never takes another's; one that
 * finds its slot taken is followed by its task-storage mark as before, and the slot is flagged shared so
 * that tasks with that index still ask the storage. A slot is freed when the last thread of its process
 * ends, before the process is reaped, so a later process given the same tgid finds it free. Tasks user
 * space marked (the command) are moved into a slot at their first syscall; until then (promote_pending)
 * every task asks the storage too. The process is the unit: all threads of a followed process are
 * followed (each was started by a followed task, or the process was followed by its tgid). */
struct slot {
	__u32 tgid; /* 0: free */
	__u32 shared;
};
/* a map, not global data: a light skeleton carries global arrays as an image copied in at every load */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HD_BPF_SLOTS);
	__type(key, __u32);
	__type(value, struct slot);
} slots SEC(".maps");
__s64 promote_pending = 0;
/* set by user space when learning: every record names its process (the capability evidence) */
bool send_comm = false; /* user space adds one per task it marks HD_BPF_MARK_PROMOTE */

static __always_inline struct slot *slot_of(__u32 tgid)
{
	__u32 idx = tgid & slot_mask;
	return bpf_map_lookup_elem(&slots, &idx);
}

/* Claims the process's slot; false if another process holds it (then the slot is flagged shared). */
static __always_inline bool claim_slot(__u32 tgid)
{
	struct slot *sl = slot_of(tgid);
	if (!sl || !tgid)
		return false;
	__u32 old = __sync_val_compare_and_swap(&sl->tgid, 0, tgid);
	if (old == 0 || old == tgid)
		return true;
	sl->shared = 1;
	return false;
}

/* Is the current task followed? Marks it on first sight in the tgid/cgroup modes and after a failed mark. */
static __always_inline bool current_followed(struct task_struct *task)
{
	__u32 tgid = task->tgid;
	struct slot *sl = slot_of(tgid);
	if (!sl)
		return false; /* cannot be: the index is in range */
	if (sl->tgid == tgid && tgid)
		return true;
	if (!sl->shared && !promote_pending && !follow_by_tgid && !mark_failed)
		return false;
	__u8 *mark = bpf_task_storage_get(&marked, task, 0, 0);
	if (mark) {
		if (*mark == HD_BPF_MARK_PROMOTE) {
			*mark = HD_BPF_MARK_FOLLOWED;
			claim_slot(tgid);
			__sync_fetch_and_add(&promote_pending, -1);
		}
		return true;
	}
	if (!follow_by_tgid && !mark_failed)
		return false;
	if (!bpf_map_lookup_elem(&followed, &tgid)) {
		if (!follow_by_tgid || !target_cgroup || bpf_get_current_cgroup_id() != target_cgroup)
			return false;
		__u8 one = 1;
		bpf_map_update_elem(&followed, &tgid, &one, BPF_ANY);
	}
	__u8 one = 1;
	if (!test_no_task_marks && !claim_slot(tgid))
		bpf_task_storage_get(&marked, task, &one, BPF_LOCAL_STORAGE_GET_F_CREATE);
	return true;
}

/* path is the directory prefix or below it (len = strlen(prefix)) */
static __always_inline bool under(const char *path, const char *prefix, __u32 len)
{
	return bpf_strncmp(path, len, prefix) == 0 && (path[len] == 0 || path[len] == '/');
}

/* path is under /dev or one of the watched directories: straight-line code, cheap to verify */
static __always_inline bool watched_path(const char *path)
{
	/* most paths (/usr, /etc, /srv, ...) are ruled out by their second byte, without a helper call each */
#define OR_SECOND(prefix) || path[1] == prefix[1]
	if (!(false OR_SECOND("/dev") HD_WATCHED_READ_PREFIXES(OR_SECOND)))
		return false;
#undef OR_SECOND
#define OR_UNDER(prefix) || under(path, prefix, sizeof(prefix) - 1)
	return false OR_UNDER("/dev") HD_WATCHED_READ_PREFIXES(OR_UNDER);
#undef OR_UNDER
}

/* name (a single component) is the last component of a watched directory */
static __always_inline bool watched_leaf(const char *name)
{
#define OR_IS(leaf) || under(name, leaf, sizeof(leaf) - 1)
	return false HD_WATCHED_READ_LEAVES(OR_IS);
#undef OR_IS
}

enum step { STEP_PARENT, STEP_MOUNTPOINT, STEP_ROOT };

/* One directory up from (*d, *m): to the parent, or, from the root of a mount, to where that mount is
 * mounted (a mount's root has no name of its own); STEP_ROOT at the root of the whole tree.
 * Mounts are followed as struct mount (vfsmount is embedded in it): the kernel resolves CO-RE
 * relocations through a small cache keyed by type name, where "vfsmount" and "super_block" share a
 * slot and would evict each other on every relocation, making each program load slower. */
static __always_inline enum step step_up(struct dentry **d, struct mount **m)
{
	struct dentry *parent = BPF_CORE_READ(*d, d_parent);
	if (*d != BPF_CORE_READ(*m, mnt.mnt_root) && *d != parent) {
		*d = parent;
		return STEP_PARENT;
	}
	struct mount *up = BPF_CORE_READ(*m, mnt_parent);
	if (!up || up == *m)
		return STEP_ROOT;
	*d = BPF_CORE_READ(*m, mnt_mountpoint);
	*m = up;
	return STEP_MOUNTPOINT;
}

/* The struct mount a vfsmount is embedded in. */
static __always_inline struct mount *mount_of(struct vfsmount *mnt)
{
	return mnt ? (void *)mnt - bpf_core_field_offset(struct mount, mnt) : NULL;
}

struct walk {
	struct dentry *d;
	struct mount *m;
	bool watched; /* the answer so far: "yes" until the walk reaches the root without a match */
};

/* One level of the walk up; returns 1 to stop. */
static long walk_up(__u32 i, void *ctx)
{
	struct walk *w = ctx;
	struct dentry *d = w->d;
	if (!d || !w->m)
		return 1;
	struct hd_bpf_dir_id id = {
		.dev = BPF_CORE_READ(d, d_sb, s_dev),
		.ino = BPF_CORE_READ(d, d_inode, i_ino),
	};
	if (bpf_map_lookup_elem(&watched_dirs, &id))
		return 1;
	if (step_up(&w->d, &w->m) == STEP_ROOT) {
		w->watched = false; /* the root of the tree: nothing watched on the way */
		return 1;
	}
	return 0;
}

/* A read-only open of a single name relative to a directory (dirfd or the cwd): does that directory lie
 * under /dev or a watched directory? Walks up dentries, crossing mounts, and compares (dev, inode) with
 * what user space stat()ed. Unknown answers are "yes" (the record is sent and user space decides). */
/* The directory a path relative to dirfd starts from (AT_FDCWD: the working directory). */
static __always_inline bool dir_of_fd(struct task_struct *task, int dirfd, struct dentry **d, struct mount **m)
{
	if (dirfd == AT_FDCWD_VALUE) {
		*d = BPF_CORE_READ(task, fs, pwd.dentry);
		*m = mount_of(BPF_CORE_READ(task, fs, pwd.mnt));
		return *d && *m;
	}
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || dirfd < 0 || (unsigned)dirfd >= BPF_CORE_READ(fdt, max_fds))
		return false;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	if (bpf_probe_read_kernel(&f, sizeof(f), fds + dirfd) != 0 || !f)
		return false;
	*d = BPF_CORE_READ(f, f_path.dentry);
	*m = mount_of(BPF_CORE_READ(f, f_path.mnt));
	return *d && *m;
}

static __always_inline bool base_dir_watched(struct task_struct *task, int dirfd)
{
	struct dentry *d = NULL;
	struct mount *m = NULL;
	if (!dir_of_fd(task, dirfd, &d, &m))
		return true;
	struct dir_key key = { .dentry = (__u64)d, .ino = BPF_CORE_READ(d, d_inode, i_ino) };
	if (bpf_map_lookup_elem(&unwatched_dirs, &key))
		return false;
	struct walk w = { .d = d, .m = m, .watched = true };
	/* bpf_loop: the step is verified once, not once per level */
	bpf_loop(HD_BPF_MAX_DEPTH, walk_up, &w, 0);
	if (!w.watched) {
		__u8 one = 1;
		bpf_map_update_elem(&unwatched_dirs, &key, &one, BPF_NOEXIST);
	}
	return w.watched;
}

struct capture {
	struct dentry *d;
	struct mount *m;
	struct hd_bpf_event *e;
	__u32 k; /* which of the record's directories is written */
};

#define DIR_COMPLETE 0x80000000u /* in dir_len[k] while capturing: the walk reached the root */

/* One level of writing a directory's path: the name of d, then up (crossing mounts, whose roots have no
 * name of their own). Returns 1 to stop. Progress and outcome live in the record (e->dir_len[k]), not
 * in ctx: read back from map memory they are just "a number" to the verifier, so the body is checked
 * once or twice, not once per value an on-stack counter or flag could hold after each step. */
static long capture_up(__u32 i, void *ctx)
{
	struct capture *c = ctx;
	struct hd_bpf_event *e = c->e;
	if (!e)
		return 1;
	__u32 k = c->k & 1, off = e->dir_len[k];
	struct dentry *d = c->d;
	if (!d || !c->m || off >= HD_BPF_DIR_HALF) {
		e->dir_len[k] = 0;
		return 1;
	}
	enum step st = step_up(&c->d, &c->m); /* d stays the directory whose name is written */
	if (st == STEP_ROOT) {
		e->dir_len[k] = off | DIR_COMPLETE;
		return 1;
	}
	if (st == STEP_MOUNTPOINT)
		return 0;
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	long n = bpf_probe_read_kernel_str(e->dir[k] + (off & (HD_BPF_DIR_HALF - 1)), HD_BPF_PATH, name);
	if (n <= 1) {
		e->dir_len[k] = 0;
		return 1;
	}
	e->dir_len[k] = off + (__u32)n;
	return 0;
}

/* The path of the directory dirfd names, into e->dir[k] and e->dir_len[k] (0 = not captured). */
static __always_inline void capture_dir(struct task_struct *task, int dirfd, struct hd_bpf_event *e, __u32 k)
{
	struct dentry *d = NULL;
	struct mount *m = NULL;
	k &= 1;
	e->dir_len[k] = 0;
	if (!dir_of_fd(task, dirfd, &d, &m))
		return;
	struct capture c = { .d = d, .m = m, .e = e, .k = k };
	bpf_loop(HD_BPF_MAX_DEPTH, capture_up, &c, 0);
	__u32 len = e->dir_len[k];
	e->dir_len[k] = len & DIR_COMPLETE ? len & ~DIR_COMPLETE : 0; /* ran out of levels: not captured */
}

struct scan {
	const char *s;
	bool single; /* no '/' before the end */
};

static long scan_char(__u32 i, void *ctx)
{
	struct scan *sc = ctx;
	if (i >= HD_BPF_PATH)
		return 1;
	char c = sc->s[i];
	if (c == 0) {
		sc->single = true;
		return 1;
	}
	return c == '/';
}

/* a single file name: no '/' in it */
static __always_inline bool single_name(const char *s)
{
	struct scan sc = { .s = s, .single = false };
	bpf_loop(HD_BPF_PATH, scan_char, &sc, 0);
	return sc.single;
}

/* Open flags that only read: not for writing, creating, truncating, and not O_PATH. */
static __always_inline bool read_only_open(const struct hd_bpf_event *e, int flags_arg)
{
	__u64 fl = e->args[flags_arg & 7];
	return (fl & O_ACCMODE_BITS) == 0 && !(fl & (O_CREAT_BIT | O_TRUNC_BIT | O_PATH_BIT));
}

/* A read-only open whose path is neither under /dev nor under a watched directory: not worth a record.
 * Global (not static): the verifier checks it once, on its own, whatever state the caller is in; it takes
 * what it needs from the record. The verifier's work is most of each learn's start-up (loads are per run),
 * so the program is shaped for it: see capture_up and the argument copy in on_sys_enter. */
__noinline int ro_open_unwatched(struct hd_bpf_event *e, int flags_arg, int dirfd_arg)
{
	if (!e || e->path_len[0] <= 1)
		return 0;
	/* an open for writing or creating is always worth a record */
	if (!read_only_open(e, flags_arg))
		return 0;
	const char *name = e->path[0];
	if (name[0] == '/')
		return !watched_path(name);
	int dirfd = dirfd_arg >= 0 && dirfd_arg < 6 ? (int)e->args[dirfd_arg & 7] : AT_FDCWD_VALUE;
	return single_name(name) && !(name[0] == '.' && name[1] == '.') && !watched_leaf(name) &&
	       !base_dir_watched(bpf_get_current_task_btf(), dirfd);
}

enum { RO_SEND, RO_REPEATED, RO_SEND_REMEMBERED };

/* The map a path of len bytes (its NUL included) is remembered in. */
static __always_inline void *ro_opens_seen_for(__u32 len)
{
	return len <= RO_OPEN_SHORT ? (void *)&ro_opens_seen_short : (void *)&ro_opens_seen;
}

/* A read-only open (not O_PATH) of an absolute path that was sent before: RO_REPEATED, not worth another
 * record. Otherwise the path is remembered as sent (RO_SEND_REMEMBERED: the caller forgets it again if
 * the record is lost after all). The key is the record's path itself, which on_sys_enter zero-pads for
 * opens. Global, like ro_open_unwatched: verified once, on its own. */
__noinline int ro_open_repeated(struct hd_bpf_event *e, int flags_arg)
{
	if (!e)
		return RO_SEND;
	if (e->path_len[0] <= 1 || e->path_len[0] >= HD_BPF_PATH || e->path[0][0] != '/' ||
	    !read_only_open(e, flags_arg))
		return RO_SEND;
	void *seen = ro_opens_seen_for(e->path_len[0]);
	if (bpf_map_lookup_elem(seen, e->path[0]))
		return RO_REPEATED;
	__u8 one = 1;
	return bpf_map_update_elem(seen, e->path[0], &one, BPF_ANY) == 0 ? RO_SEND_REMEMBERED : RO_SEND;
}

/* Path k of the record is relative to dirfd: capture that directory's path now (the fd may be closed or
 * reused by the time user space reads the record). Global, and one call site for capture_dir, so its
 * loop body is verified once rather than once per directory argument. */
__noinline int capture_dirs(struct hd_bpf_event *e, int k, int dirfd)
{
	if (!e || dirfd == AT_FDCWD_VALUE)
		return 0;
	k &= 1;
	if (e->path_len[k] > 1 && e->path[k][0] != '/')
		capture_dir(bpf_get_current_task_btf(), dirfd, e, (__u32)k);
	return 0;
}

/* The ABI of the call the task makes: a compat (i386) task's, x32 by the bit in its number (cleared in
 * *nr), else native. The same on the way in and out. */
static __always_inline __u32 call_abi(struct task_struct *task, __u64 *nr)
{
	if (task->thread_info.status & TS_COMPAT)
		return HD_BPF_ABI_COMPAT32;
	if (*nr & X32_BIT) {
		*nr &= ~(__u64)X32_BIT;
		return HD_BPF_ABI_X32;
	}
	return HD_BPF_ABI_NATIVE;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	if (!current_followed(task) || floor_only)
		return 0;

	__u64 nr = (__u64)id;
	__u32 abi = call_abi(task, &nr);
	if (nr >= HD_BPF_MAX_NR)
		return 0;
	__u32 idx = abi * HD_BPF_MAX_NR + (__u32)nr, zero = 0;
	struct hd_bpf_counts *c = bpf_map_lookup_elem(&counts, &zero);
	if (c && idx < HD_BPF_ABIS * HD_BPF_MAX_NR)
		c->n[idx] += 1;

	struct hd_bpf_plan *p = bpf_map_lookup_elem(&plan, &idx);
	if (!p || !p->wanted)
		return 0;
	struct hd_bpf_event *e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	e->type = HD_BPF_EV_SYSCALL;
	e->tid = (__u32)pid_tgid;
	e->tgid = pid_tgid >> 32;
	e->abi = abi;
	e->nr = (__u32)id;
	/* regs is the tracepoint's own argument. x86-64's pt_regs layout is ABI (the entry code pushes it;
	 * ptrace's user_regs_struct mirrors it), so it is read by word index, without CO-RE: a relocation
	 * on pt_regs would share the kernel's relocation-cache slot with linux_binprm (see step_up).
	 * The arguments go straight into the record and are read back from it below: from map memory they
	 * are plain numbers to the verifier, so the i386 and native paths become one state again here
	 * instead of doubling every check that follows. */
	const unsigned long *r = (const unsigned long *)regs;
	if (abi == HD_BPF_ABI_COMPAT32) {
		/* i386 convention: ebx ecx edx esi edi ebp, 32 bits each */
		e->args[0] = (__u32)r[PT_BX];
		e->args[1] = (__u32)r[PT_CX];
		e->args[2] = (__u32)r[PT_DX];
		e->args[3] = (__u32)r[PT_SI];
		e->args[4] = (__u32)r[PT_DI];
		e->args[5] = (__u32)r[PT_BP];
	} else {
		e->args[0] = r[PT_DI];
		e->args[1] = r[PT_SI];
		e->args[2] = r[PT_DX];
		e->args[3] = r[PT_R10];
		e->args[4] = r[PT_R8];
		e->args[5] = r[PT_R9];
	}
	/* a flags argument that cannot change the profile (a thread's clone, a mapping neither writable and
	 * executable): no record */
	if (p->test_arg < 6) {
		__u64 v = e->args[p->test_arg & 7] & p->test_mask;
		if (p->test_all ? v != p->test_mask : v == 0)
			return 0;
	}
	/* the umask the created files' modes lose (task->fs is the caller's own while it runs) */
	e->umask = (BPF_CORE_READ(task, fs, umask) & 0777) | HD_BPF_UMASK_VALID;
	/* strings and structs behind pointers: copied now, while they still say what the call saw */
	e->path_len[0] = e->path_len[1] = 0;
	e->mem_len = 0;
	if (p->path_arg[0] < 6) {
		/* an open's path may be the key of ro_opens_seen as it stands: zero-padded, not what an older,
		 * longer path left after its NUL (copying it into a clean key was a tenth of this program's
		 * cost per open) */
		if (p->open_flags_arg < 6)
			__builtin_memset(e->path[0], 0, sizeof(e->path[0]));
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
	int ro = RO_SEND;
	if (p->open_flags_arg < 6) {
		if (ro_open_unwatched(e, p->open_flags_arg, p->dirfd_arg))
			return 0;
		ro = ro_open_repeated(e, p->open_flags_arg);
		if (ro == RO_REPEATED)
			return 0;
	}
	e->dir_len[0] = e->dir_len[1] = 0;
	if (p->dirfd_arg < 6)
		capture_dirs(e, 0, (int)e->args[p->dirfd_arg & 7]);
	if (p->dirfd2_arg < 6)
		capture_dirs(e, 1, (int)e->args[p->dirfd2_arg & 7]);
	if (report_failed_reads || send_comm) /* harden run names the process of a failed call */
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (bpf_ringbuf_output(&events, e, sizeof(*e), wake_flags()) != 0) {
		count_lost();
		if (ro == RO_SEND_REMEMBERED) /* not sent after all: the next open of it must be */
			bpf_map_delete_elem(ro_opens_seen_for(e->path_len[0]), e->path[0]);
	}
	return 0;
}

/* Word i of the registers the entry code saved (see on_sys_enter for the layout); 0 if unreadable. */
static __always_inline __u64 saved_reg(const unsigned long *regs, __u32 i)
{
	unsigned long v = 0;
	bpf_probe_read_kernel(&v, sizeof(v), regs + i);
	return v;
}

/* sys_exit: the result of a call that may write a path, for a followed task. A failed call is not a write
 * (mkdir -p of a directory that exists fails with EEXIST at every component), and only the return value
 * tells: user space holds the entry record's paths until this record comes. The registers still hold the
 * arguments at exit, orig_ax the number. A read-only open (most of them) sends nothing: its entry held no
 * write. This program runs at every syscall on the system while learning, like on_sys_enter: the same
 * slot lookup rules out the tasks not followed. A raw tracepoint (see on_exec): the registers are read
 * with a helper, only for followed tasks. */
enum { PT_ORIG_AX = 15 };

/* A read-only open that failed (report_failed_reads): a record like sys_enter's, built from the saved
 * registers, which still hold the arguments. Only failed opens pay for it. */
static __always_inline void send_failed_read(const unsigned long *r, const struct hd_bpf_plan *p, __u32 abi, __u64 id,
					     long ret)
{
	__u32 zero = 0;
	struct hd_bpf_event *e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	e->type = HD_BPF_EV_FAILED_READ;
	e->tid = (__u32)pid_tgid;
	e->tgid = pid_tgid >> 32;
	e->abi = abi;
	e->nr = (__u32)id;
	if (abi == HD_BPF_ABI_COMPAT32) {
		e->args[0] = (__u32)saved_reg(r, PT_BX);
		e->args[1] = (__u32)saved_reg(r, PT_CX);
		e->args[2] = (__u32)saved_reg(r, PT_DX);
		e->args[3] = (__u32)saved_reg(r, PT_SI);
	} else {
		e->args[0] = saved_reg(r, PT_DI);
		e->args[1] = saved_reg(r, PT_SI);
		e->args[2] = saved_reg(r, PT_DX);
		e->args[3] = saved_reg(r, PT_R10);
	}
	e->args[4] = 0;
	e->args[5] = (__u64)ret; /* open and openat have no sixth argument: the result goes there */
	e->path_len[0] = e->path_len[1] = e->mem_len = 0;
	e->dir_len[0] = e->dir_len[1] = 0;
	if (p->path_arg[0] < 6) {
		long n = bpf_probe_read_user_str(e->path[0], sizeof(e->path[0]), (void *)e->args[p->path_arg[0] & 3]);
		e->path_len[0] = n > 0 ? n : 0;
	}
	if (p->dirfd_arg < 6)
		capture_dirs(e, 0, (int)e->args[p->dirfd_arg & 3]);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (bpf_ringbuf_output(&events, e, sizeof(*e), wake_flags()) != 0)
		count_lost();
}
SEC("raw_tp/sys_exit")
int on_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	if (!current_followed(task) || floor_only)
		return 0;
	const unsigned long *r = (const unsigned long *)ctx->args[0];
	__u64 id = saved_reg(r, PT_ORIG_AX), nr = id;
	__u32 abi = call_abi(task, &nr);
	if (nr >= HD_BPF_MAX_NR)
		return 0;
	__u32 idx = abi * HD_BPF_MAX_NR + (__u32)nr;
	struct hd_bpf_plan *p = bpf_map_lookup_elem(&plan, &idx);
	if (!p || !p->want_result)
		return 0;
	/* a connect or sendto that succeeded: nothing to report (user space drops the held address) */
	if (p->result_if_failed && (abi == HD_BPF_ABI_COMPAT32 ? (int)ctx->args[1] >= 0 : (long)ctx->args[1] >= 0))
		return 0;
	if (p->open_flags_arg == 1 || p->open_flags_arg == 2) { /* open, openat: the flags' register */
		bool compat = abi == HD_BPF_ABI_COMPAT32;
		__u64 flags = saved_reg(r, p->open_flags_arg == 1 ? (compat ? PT_CX : PT_SI) : PT_DX);
		if ((flags & O_ACCMODE_BITS) == 0 && !(flags & (O_CREAT_BIT | O_TRUNC_BIT))) {
			if (report_failed_reads) { /* the flag first: for learn, the verifier drops the block */
				long ret = compat ? (int)ctx->args[1] : (long)ctx->args[1];
				if (ret == -2 /* ENOENT */ || ret == -13 /* EACCES */)
					send_failed_read(r, p, abi, id, ret);
			}
			return 0;
		}
	}
	struct hd_bpf_result res = {
		.type = HD_BPF_EV_RESULT,
		.tid = (__u32)bpf_get_current_pid_tgid(),
		.abi = abi,
		.nr = (__u32)id,
		.ret = (__s64)ctx->args[1],
	};
	if (bpf_ringbuf_output(&events, &res, sizeof(res), wake_flags()) != 0)
		count_lost();
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	/* every new task, thread or process, of a followed task is followed (the parent is current) */
	if (!current_followed(bpf_get_current_task_btf()))
		return 0;
	__u8 one = 1;
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	/* a new process takes a slot of its own; a thread of a process in a slot is followed by it */
	struct slot *sl = slot_of(ctgid);
	bool slotted = ptgid != ctgid ? !test_no_task_marks && claim_slot(ctgid) : sl && sl->tgid == ctgid;
	if (!slotted &&
	    (test_no_task_marks || !bpf_task_storage_get(&marked, child, &one, BPF_LOCAL_STORAGE_GET_F_CREATE))) {
		/* followed by its tgid instead (a thread: by its process's, which its siblings share) */
		if (bpf_map_update_elem(&followed, &ctgid, &one, BPF_ANY) == 0)
			mark_failed = true;
		else
			__sync_fetch_and_add(&unfollowed, 1);
	}
	if (ptgid == ctgid)
		return 0;
	if (follow_by_tgid && bpf_map_update_elem(&followed, &ctgid, &one, BPF_ANY) != 0)
		__sync_fetch_and_add(&unfollowed, 1);
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
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

/* exec and exit are raw tracepoints, attached by name: unlike a BTF tracepoint the kernel need not
 * search its BTF for the attach target at every load (a linear scan, ~0.2 ms a program here), and these
 * programs read everything through BPF_CORE_READ anyway. fork stays a BTF tracepoint: marking the child
 * needs it as a typed task pointer. */
SEC("raw_tp/sched_process_exec")
int on_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *p = (struct task_struct *)ctx->args[0];
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	__u32 tgid = BPF_CORE_READ(p, tgid);
	if (!current_followed(bpf_get_current_task_btf()))
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
	/* the new credentials (capabilities as the effective set), and whether the exec gained privileges:
	 * the kernel's own answer (bprm->secureexec, the new program's AT_SECURE) and no_new_privs, under
	 * which it grants none (PFA_NO_NEW_PRIVS is bit 0 of atomic_flags) */
	const struct cred *cred = BPF_CORE_READ(p, cred);
	e->args[0] = BPF_CORE_READ(cred, uid.val);
	e->args[1] = BPF_CORE_READ(cred, euid.val);
	e->args[2] = BPF_CORE_READ(cred, cap_effective.val);
	e->args[3] = BPF_CORE_READ(cred, gid.val);
	e->args[4] = BPF_CORE_READ(cred, egid.val);
	e->args[5] = BPF_CORE_READ_BITFIELD_PROBED(bprm, secureexec) | (BPF_CORE_READ(p, atomic_flags) & 1) << 1;
	e->path_len[0] = e->path_len[1] = 0;
	__u64 permitted = BPF_CORE_READ(cred, cap_permitted.val);
	__builtin_memcpy(e->mem, &permitted, sizeof(permitted)); /* the permitted set: mem is free in exec records */
	e->mem_len = sizeof(permitted);
	long n = bpf_probe_read_kernel_str(e->path[0], sizeof(e->path[0]), BPF_CORE_READ(bprm, filename));
	e->path_len[0] = n > 0 ? n : 0;
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

SEC("raw_tp/sched_process_exit")
int on_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *p = (struct task_struct *)ctx->args[0];
	__u32 tgid = BPF_CORE_READ(p, tgid), pid = BPF_CORE_READ(p, pid);
	/* a process that ends takes its tgid along, so that a new process given the same one is not followed */
	if ((follow_by_tgid || mark_failed) && pid == tgid)
		bpf_map_delete_elem(&followed, &tgid);
	/* and frees its slot once its last thread ends (the kernel counts the live ones down before this
	 * tracepoint) */
	struct slot *sl = slot_of(tgid);
	if (sl && tgid && BPF_CORE_READ(p, signal, live.counter) == 0)
		__sync_val_compare_and_swap(&sl->tgid, tgid, 0);
	return 0;
}

/* Capability checks: the cap_capable tracepoint (Linux 6.15+), which cap_capable() — where every capable(),
 * ns_capable() and file-capability check ends — fires with the capability and its result. A raw
 * tracepoint, attached by name: on an older kernel only the attach fails (user space then infers
 * capabilities from calls), not the load. (fentry/fexit on cap_capable would also give the check's
 * CAP_OPT_NOAUDIT option, but they need ftrace's direct calls, which kernels such as this VM's refuse.)
 * The tracepoint does not say whether a check was one of the kernel's quiet probes (CAP_OPT_NOAUDIT:
 * the overcommit reserve's CAP_SYS_ADMIN at every accounted mapping): the record carries the syscall the
 * task is in, and user space tells those apart (ebpf.c, quiet_checks). Sent once per (process,
 * capability, outcome, syscall): a daemon that binds for every request costs one record. */
struct cap_seen_key {
	__u32 tgid;
	__u32 cap_ok; /* capability << 1 | granted */
	__u64 nr;     /* the syscall (ABI << 32 | number), or all ones outside one */
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HD_BPF_MAX_CAPS_SEEN);
	__type(key, struct cap_seen_key);
	__type(value, __u8);
} caps_seen SEC(".maps");

SEC("raw_tp/cap_capable")
int on_cap_capable(struct bpf_raw_tracepoint_args *ctx)
{
	if (floor_only)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	/* another task's credentials (has_capability() on a target) are not this task's use; nor are
	 * credentials the kernel put on it for a while (override_creds: overlayfs checks its lower and upper
	 * layers, copies up and sets its xattrs as the one who mounted it), which its own bounding set does
	 * not limit: a service on an overlay root would be said to need CAP_SYS_ADMIN, CAP_FOWNER, ... */
	if ((const void *)ctx->args[0] != (const void *)task->cred || task->cred != task->real_cred ||
	    !current_followed(task))
		return 0;
	int cap = (int)ctx->args[3], ret = (int)ctx->args[4];
	/* the call the task is in: orig_ax of the registers its entry saved, by word index as in on_sys_exit
	 * (no CO-RE relocation on pt_regs, see on_sys_enter); -1 outside a syscall (a page fault) */
	__u64 nr = saved_reg((const unsigned long *)bpf_task_pt_regs(task), PT_ORIG_AX);
	__u32 abi = call_abi(task, &nr);
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct cap_seen_key key = { .tgid = pid_tgid >> 32, .cap_ok = (__u32)cap << 1 | (ret == 0),
				    .nr = (__u64)abi << 32 | (__u32)nr };
	if (bpf_map_lookup_elem(&caps_seen, &key))
		return 0;
	__u8 one = 1;
	bpf_map_update_elem(&caps_seen, &key, &one, BPF_ANY);
	struct hd_bpf_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		bpf_map_delete_elem(&caps_seen, &key);
		count_lost();
		return 0;
	}
	e->type = HD_BPF_EV_CAP;
	e->tid = (__u32)pid_tgid;
	e->tgid = pid_tgid >> 32;
	e->abi = abi;
	e->nr = (__u32)nr;
	e->args[0] = (__u64)cap;
	e->args[1] = (__u64)(__s64)ret;
	e->args[2] = nr;
	e->path_len[0] = e->path_len[1] = e->mem_len = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}
