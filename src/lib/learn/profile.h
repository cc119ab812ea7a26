/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "syscalls/arch.h"
#include "util/diag.h"
#include "syscalls/nametables.h"
#include "util/strv.h"

/*
 * A profile: what a program (a process tree) was seen doing while it was traced. It is the input of
 * `harden learn`'s suggestions and the unit of merging (different workloads of one service).
 *
 * Everything is "attempted" (seen at syscall entry), not "succeeded": a call that failed with EPERM is
 * still something the program asked for, and denying it might change its behaviour.
 *
 * JSON schema, version 1 (every key optional on input except "harden_profile"; unknown keys are errors
 * so that typos do not silently lose observations):
 *
 *   {
 *     "harden_profile": 1,                       // schema version (integer); other versions rejected
 *     "backend": "ptrace",                        // informational: "ptrace", "ebpf", "merge"
 *     "commands": ["sed -i s/a/b/ f"],            // informational: what was traced
 *     "syscalls": {                               // per architecture (systemd names), name -> count
 *       "x86-64": {"read": 12, "openat": 3},
 *       "x86": {"read": 1}
 *     },
 *     "unknown_syscalls": {"x86-64": [460]},      // numbers no table names (newer than libseccomp)
 *     "socket_families": ["AF_UNIX", "AF_INET"],  // socket()/socketpair() domains
 *     "namespaces": ["net", "user"],              // CLONE_NEW* asked for by clone/clone3/unshare/setns
 *                                                 //   ("all" would be spelled out: setns(fd, 0) = every type)
 *     "write_exec_mappings": 0,                   // mmap/mprotect/pkey_mprotect asking for PROT_WRITE|PROT_EXEC
 *     "exec_mprotects": 0,                        // mprotect/pkey_mprotect adding PROT_EXEC (MDWE forbids it too)
 *     "shmat_exec": 0,                            // shmat with SHM_EXEC
 *     "alarm_clock_calls": 0,                     // timerfd_create/timer_create/clock_nanosleep on a *_ALARM
 *                                                 //   clock (they need CAP_WAKE_ALARM)
 *     "personalities": [0],                       // personality(x) values other than the query 0xffffffff
 *     "sched_policies": ["SCHED_OTHER"],          // sched_setscheduler/sched_setattr policies
 *     "suid_sgid_modes": ["2755"],                // chmod/open/mkdir/mknod modes carrying S_ISUID/S_ISGID, octal strings
 *     "setuid_execs": ["/usr/bin/sudo"],          // executed files whose exec gained privileges: the
 *                                                  // kernel's AT_SECURE (set-uid/set-gid, file capabilities)
 *     "executables": ["/usr/sbin/nginx"],         // every file a successful execve ran (absolute); what
 *                                                 //   `learn --widen=static` scans for calls no run saw
 *     "paths_written": ["/srv/data"],             // must be writable: the file for a write-open, the parent
 *                                                 //   directory for create/rename/unlink/mkdir/link/symlink
 *     "paths_read": ["/tmp/x"],                   // opened read-only under /home /root /run/user /tmp /var/tmp
 *                                                 //   /dev /proc/kmsg /sys (the prefixes settings hide)
 *     "devices": ["/dev/null"],                   // device nodes opened (any mode)
 *     "device_nodes_made": ["/srv/dev/x"],        // character or block nodes made with mknod (CAP_MKNOD)
 *     "cap_effective": "0x1ffffffffff",           // union of the effective capability sets seen at exec/attach
 *     "cap_permitted": "0x1ffffffffff",           // union of the permitted sets (a capability-aware program
 *                                                 //   may hold one there and raise it only when needed)
 *     "uids": [0],                                 // real uids the traced processes ran with
 *     "observed": ["proc", "modes", "peers",      // what the profile's recorder watched, of the records
 *                  "tmp", "device_access"],    //   below: absent in older profiles, where an empty
 *                                              //   record means "not watched", not "not done"
 *     "proc_read": ["self", "cpuinfo"],           // names directly under /proc opened ("self": /proc/self,
 *                                                 //   thread-self or the caller's own pid; "pid": another
 *                                                 //   process's directory; ".": /proc itself, listed)
 *     "created_modes": ["0644", "0700"],          // modes files, directories, FIFOs and sockets were created
 *                                                 //   with (the mode asked for, less the caller's umask)
 *     "tmp_created": ["/tmp/x.1"],                // paths under /tmp and /var/tmp the program created itself
 *     "devices_readonly": ["/dev/loop0"],         // devices of "devices" that were only ever opened read-only
 *     "ip_peers": ["127.0.0.1"],                  // addresses connect()/sendto() named (AF_INET, AF_INET6)
 *     "ip_served": ["0.0.0.0:80"],                // addresses bound with a port (sockets that may serve)
 *     "capabilities_source": "kernel",            // how "capabilities" was learned: "kernel" (the kernel's
 *                                                 //   own capability checks, eBPF on cap_capable: exact) or
 *                                                 //   "inferred" (from calls and their context); absent in
 *                                                 //   profiles older than capability learning
 *     "capabilities": {                           // capabilities the processes asked the kernel for
 *       "CAP_NET_BIND_SERVICE": {"granted": 2, "denied": 0,
 *                                "evidence": "nginx (pid 12): bind 0.0.0.0:80"}
 *     }
 *   }
 *
 * Bounds (hostile input): at most HD_PROFILE_MAX_LIST entries in any list or map, strings up to
 * HD_PROFILE_MAX_STR bytes, counts up to 2^63-1, the whole document up to HD_PROFILE_MAX_JSON bytes.
 */

#define HD_PROFILE_VERSION 1
#define HD_PROFILE_MAX_LIST 8192
#define HD_PROFILE_MAX_STR 4096
#define HD_PROFILE_MAX_JSON (16u << 20)
#define HD_PROFILE_MAX_MODES 64
#define HD_PROFILE_MAX_PERSONALITIES 64

/* Architectures a profile can hold, in the order of hd_arch_native_abis() on x86-64. */
#define HD_PROFILE_ABIS 3

/* Syscall numbers a counting table covers per ABI (x32: the number without the 0x40000000 bit). */
#define HD_PROFILE_MAX_NR 1024

struct hd_profile_syscall {
	char *name;
	uint64_t count;
};

struct hd_profile_abi {
	hd_arch arch;                   /* HD_ARCH_INVALID = slot unused */
	struct hd_profile_syscall *v;   /* sorted by name after hd_profile_finish */
	size_t n, cap;
	int unknown[64];                /* numbers without a name, unique */
	size_t n_unknown;
};

/* A call that failed with an error a file-system setting can cause (EROFS, EACCES, ENOENT, EBUSY), seen
 * with its result: what harden run reports as a denial of a mount setting. Kept only when the tracer is
 * asked to (hd_trace_options.record_failures); not part of the JSON, not merged. */
struct hd_profile_failure {
	char *path;     /* as the call named it, made absolute */
	char *target;   /* what it would have written: path, or its directory for a create or remove; NULL for
	                 * a read */
	char *call;     /* the syscall's name ("openat") */
	int err;        /* errno */
	int tid, tgid;  /* the first call's */
	char comm[16];
	uint64_t count;
	/* a call that named an address (connect, sendto: what PrivateNetwork= and IPAddressDeny= make fail):
	 * AF_INET or AF_INET6, path then its text ("192.0.2.1:80", "[::1]:443"); 0 for a path */
	int family;
	uint8_t addr[16]; /* network order; the first 4 bytes for AF_INET */
	unsigned port;
};
#define HD_PROFILE_MAX_FAILURES 1024

/* One capability the program asked for (a kernel check, or a call that needs it by rule). */
struct hd_profile_cap {
	uint64_t granted;  /* checks that succeeded (inferred: calls that needed it) */
	uint64_t denied;   /* checks that failed: the program did without it */
	char *evidence;    /* the first use, "comm (pid N): call ..." */
};
/* The records of the profile a recorder watched (struct hd_profile.observed); an older profile lacks them,
 * and then nothing is concluded from their being empty. */
enum {
	HD_OBSERVED_PROC = 1u << 0,     /* proc_read */
	HD_OBSERVED_MODES = 1u << 1,    /* created_modes */
	HD_OBSERVED_PEERS = 1u << 2,    /* ip_peers, ip_served */
	HD_OBSERVED_TMP = 1u << 3,      /* tmp_created */
	HD_OBSERVED_DEV_ACCESS = 1u << 4, /* devices_readonly */
	HD_OBSERVED_ALL = (1u << 5) - 1,
};
enum hd_caps_source { HD_CAPS_UNKNOWN = 0, HD_CAPS_KERNEL = 1, HD_CAPS_INFERRED = 2 };

struct hd_profile {
	char *backend;
	hd_strv commands;
	struct hd_profile_abi abis[HD_PROFILE_ABIS];
	uint64_t families;              /* bit AF_x set when socket(AF_x, ...) was seen (AF_MAX < 64) */
	uint64_t namespaces;            /* CLONE_NEW* flags asked for */
	uint64_t write_exec_mappings;
	uint64_t exec_mprotects;
	uint64_t shmat_exec;
	uint64_t alarm_clock_calls;
	unsigned long personalities[HD_PROFILE_MAX_PERSONALITIES];
	size_t n_personalities;
	uint32_t sched_policies;        /* bit p set for policy p (0..31) */
	unsigned suid_sgid_modes[HD_PROFILE_MAX_MODES];
	size_t n_suid_sgid_modes;
	hd_strv setuid_execs;
	hd_strv executables;            /* every file executed: ptrace /proc/TID/exe, eBPF the name given */
	hd_strv paths_written;
	hd_strv paths_read;
	hd_strv devices;
	hd_strv device_nodes_made;
	uint64_t cap_effective;
	bool cap_effective_known;
	uint64_t cap_permitted;
	bool cap_permitted_known;
	hd_strv uids;                   /* decimal strings, unique */
	unsigned observed;              /* HD_OBSERVED_* bits: which of the records below were watched */
	hd_strv proc_read;              /* names directly under /proc opened (see the schema) */
	uint64_t created_modes[8];      /* bit m (0..0777) set: something was created with mode m */
	hd_strv tmp_created;            /* paths under /tmp, /var/tmp created by the program */
	hd_strv devices_readonly;       /* devices never opened for writing */
	hd_strv devices_rw;             /* not in the JSON: devices opened for writing, while recording
	                                 * (hd_profile_finish takes them out of devices_readonly) */
	hd_strv ip_peers;               /* "127.0.0.1", "::1": peers named by connect/sendto */
	hd_strv ip_served;              /* "0.0.0.0:80", "[::1]:6379": addresses bound with a port */
	int caps_source;                /* enum hd_caps_source: HD_CAPS_UNKNOWN = not learned (older profile) */
	struct hd_profile_cap caps[64]; /* by capability number */
	struct hd_profile_failure *failures; /* distinct by (path, call, err), in the order first seen */
	size_t n_failures, cap_failures;
	uint64_t failures_dropped;      /* beyond HD_PROFILE_MAX_FAILURES */
};

void hd_profile_init(struct hd_profile *p);
void hd_profile_free(struct hd_profile *p);

/* Add count calls of syscall name on arch. 0, -EINVAL (arch not one a profile holds), -ENOMEM, -E2BIG. */
int hd_profile_add_syscall(struct hd_profile *p, hd_arch arch, const char *name, uint64_t count);
/* A number no table names. */
int hd_profile_add_unknown(struct hd_profile *p, hd_arch arch, int nr);
/* Count of name on arch (0 if never seen). */
uint64_t hd_profile_syscall_count(const struct hd_profile *p, hd_arch arch, const char *name);
/* True if name was seen on any architecture. */
bool hd_profile_saw(const struct hd_profile *p, const char *name);
/* True if any syscall was seen on an architecture other than arch. */
bool hd_profile_saw_other_arch(const struct hd_profile *p, hd_arch arch);
int hd_profile_add_personality(struct hd_profile *p, unsigned long persona);
int hd_profile_add_suid_mode(struct hd_profile *p, unsigned mode);
/* Bounded string-list insertion (unique); -E2BIG beyond HD_PROFILE_MAX_LIST. */
int hd_profile_add_path(hd_strv *list, const char *path);

/* One failed call (see struct hd_profile_failure; target may be NULL): counted with an equal one, else
 * added. 0, -ENOMEM; beyond HD_PROFILE_MAX_FAILURES it is counted in failures_dropped. */
int hd_profile_add_failure(struct hd_profile *p, const char *path, const char *target, const char *call, int err,
			   int tid, int tgid, const char *comm);

/* One failed call that named an address (family AF_INET or AF_INET6, addr in network order): as
 * hd_profile_add_failure, distinct by (address, port, call, err). 0, -EINVAL (another family), -ENOMEM. */
int hd_profile_add_net_failure(struct hd_profile *p, int family, const uint8_t *addr, unsigned port, const char *call,
			       int err, int tid, int tgid, const char *comm);

/* Capability cap (0..63) asked for: granted or denied, evidence (may be NULL) kept if it is the first.
 * 0, -EINVAL, -ENOMEM. */
int hd_profile_add_cap(struct hd_profile *p, int cap, bool granted, const char *evidence);
/* Capabilities granted at least once (bit c = capability c). */
uint64_t hd_profile_caps_used(const struct hd_profile *p);

/* A file, directory, FIFO or socket created with mode (0..0777 used). */
void hd_profile_add_created_mode(struct hd_profile *p, unsigned mode);

/* Sort everything into a canonical order (for stable output and comparisons). */
void hd_profile_finish(struct hd_profile *p);

/* Union of src into dst (counts add up, saturating). 0 or -errno. */
int hd_profile_merge(struct hd_profile *dst, const struct hd_profile *src);

/* JSON text (pretty, canonical order). *out is malloc'ed. 0 or -errno. */
int hd_profile_to_json(const struct hd_profile *p, char **out);
/*
 * Parse a profile. Problems are errors in diags naming file and the JSON path ("syscalls.x86-64.read:
 * count must be a non-negative integer"); line is 0 except for syntax errors (json-c reports an offset,
 * given as "offset N"). Returns 0, -EINVAL on invalid input (with diags), -ENOMEM.
 */
int hd_profile_from_json(struct hd_profile *p, const char *text, size_t len, const char *file, hd_diags *diags);
/* Read a file (bounded by HD_PROFILE_MAX_JSON) and parse it. */
int hd_profile_load(struct hd_profile *p, const char *path, hd_diags *diags);

/* Load each file and merge it into dst, in order (--merge, --from-profile). 0, or the first file's error
 * (-EINVAL with diags naming it, -ENOMEM); dst then holds what was merged before it. */
int hd_profile_merge_files(struct hd_profile *dst, char *const *paths, size_t n, hd_diags *diags);

/* Names of scheduling policies and namespace flags (socket families: nametables.h). */
const char *hd_sched_policy_name(int policy);
int hd_sched_policy_from_name(const char *name);

struct hd_namespace_flag {
	const char *name;  /* RestrictNamespaces= spelling */
	uint64_t flag;     /* CLONE_NEW* */
};
extern const struct hd_namespace_flag hd_namespace_flags[]; /* NULL-name terminated, systemd's order */
