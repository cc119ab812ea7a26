/* SPDX-License-Identifier: MIT */
#pragma once
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include "syscalls/arch.h"
#include "learn/profile.h"

/*
 * The part of learning every backend shares: counting syscalls per ABI and decoding the arguments that
 * decide settings (socket families, namespace flags, W+X mappings, personalities, scheduling policies,
 * set-uid modes, paths written, devices opened).
 *
 * Decoding is table-driven: each syscall that matters has a row saying which argument holds what.
 */

/* How to read the traced process's memory (strings and structs behind pointer arguments). Returns bytes
 * read (may be short) or -errno. */
typedef ssize_t (*hd_read_mem_fn)(void *ctx, pid_t tid, uint64_t addr, void *buf, size_t len);

enum hd_abi_slot { HD_ABI_NATIVE, HD_ABI_COMPAT32, HD_ABI_X32, HD_ABI_SLOTS };

struct hd_observer {
	struct hd_profile *profile;
	hd_read_mem_fn read_mem;
	void *read_ctx;
	uint64_t counts[HD_ABI_SLOTS][HD_PROFILE_MAX_NR];
	uint8_t kind[HD_ABI_SLOTS][HD_PROFILE_MAX_NR]; /* decoded kind per number, 0 = only count */
	/* capability inference: row of observe.c's cap_rules + 1 per number, 0 = none */
	uint8_t capkind[HD_ABI_SLOTS][HD_PROFILE_MAX_NR];
	/* how the profile's capabilities are learned: HD_CAPS_INFERRED (the default: from calls, by
	 * cap_rules) or HD_CAPS_KERNEL (the backend reports the kernel's own checks: no inference) */
	int caps_source;
	/* HD_CAPS_KERNEL: the first use of each capability as a rule words it (hd_observer_finish) */
	char *cap_hint[64];
	hd_arch arch[HD_ABI_SLOTS];
	uint64_t events;
	/* Optional, for backends that read events after the fact (eBPF): the working directory they model
	 * for tid (NULL = unknown, then /proc/TID/cwd is tried), and a hook told about chdir(ABSOLUTE). */
	const char *(*cwd_of)(void *ctx, pid_t tid);
	/* Optional: the directory dirfd named at the call, if the backend captured it (NULL = ask /proc). */
	const char *(*dir_of_fd)(void *ctx, pid_t tid, int dirfd);
	void (*on_chdir)(void *ctx, pid_t tid, const char *abs_path);
	bool deferred; /* events are decoded after the fact: file existence at the call is unknown */
	int64_t started_ns; /* CLOCK_REALTIME at init: a file born before it was not created by the program */
	int err; /* first -ENOMEM/-E2BIG while recording */
	/* Paths written by calls whose result is not known yet (hd_observe_syscall_held), per thread. */
	struct hd_held_call *held;
	size_t n_held, cap_held;
	struct hd_held_call *holding; /* the call being decoded, while its writes are held */
	/* Keep the calls that failed with an error a file-system setting can cause (profile->failures), for
	 * harden run's report: set by the backend when hd_trace_options.record_failures asks for it. */
	bool record_failures;
	/* record_failures: the calls that name an address (connect, sendto), by number: the argument that
	 * holds the sockaddr + 1 (0 = not one). Their address is held with the call until its result, and a
	 * failure is kept for harden run's network report; learn (record_failures off) does not read them. */
	uint8_t netcall[HD_ABI_SLOTS][HD_PROFILE_MAX_NR];
	/* Optional (record_failures): the process and name of tid at the call being decoded (NULL: /proc). */
	void (*who)(void *ctx, pid_t tid, pid_t *tgid, char comm[16]);
	/* Optional, for backends that decode after the fact: tid's process's ids as the backend last knew
	 * them (real, effective, saved, file-system), false if unknown (then /proc is asked). */
	bool (*ids_of)(void *ctx, pid_t tid, unsigned uid[4], unsigned gid[4]);
	/* Optional, likewise: the umask of tid at the call being decoded, false if unknown (then /proc). */
	bool (*umask_of)(void *ctx, pid_t tid, unsigned *umask);
};

/* The paths one call would write, held until its result says whether it wrote them. */
struct hd_held_call {
	pid_t tid;
	uint64_t nr;
	uint8_t n;
	uint8_t effect[2];
	char *path[2];
	/* record_failures: the paths as the call named them, the call's ABI slot, its process */
	char *named[2];
	/* record_failures: the AF_INET/AF_INET6 sockaddr a connect or sendto named (sa_len 0 = none) */
	uint8_t sa_len;
	uint8_t sa[28];
	int slot;
	pid_t tgid;
	char comm[16];
};

int hd_observer_init(struct hd_observer *ob, struct hd_profile *p, hd_read_mem_fn rd, void *ctx);
/* ABI slot of an AUDIT_ARCH value and syscall number (x32 = x86-64 arch with bit 30); -1 if foreign. */
int hd_observer_slot(const struct hd_observer *ob, uint32_t audit_arch, uint64_t nr);
/* One syscall entry. args may be NULL when the backend has none (then only the count is kept). */
void hd_observe_syscall(struct hd_observer *ob, pid_t tid, uint32_t audit_arch, uint64_t nr, const uint64_t args[6]);
/* As hd_observe_syscall, for a backend that will also see the call's result: the paths the call would
 * write are held until hd_observe_result. True if some are held (the result is then worth fetching). */
bool hd_observe_syscall_held(struct hd_observer *ob, pid_t tid, uint32_t audit_arch, uint64_t nr,
			     const uint64_t args[6]);
/* The result of tid's held call nr (the syscall's return value, -errno on failure): its paths count as
 * written unless it failed for a reason a read-only mount would not change. A result that matches no held
 * call is ignored; a held call whose result never comes counts as written (hd_observer_finish). */
void hd_observe_result(struct hd_observer *ob, pid_t tid, uint64_t nr, int64_t ret);
/* record_failures: a read-only open (open, openat: args as at its entry) that failed with -ret. Kept as a
 * failure when the error is one a setting that hides a path causes (ENOENT, EACCES). */
void hd_observe_failed_read(struct hd_observer *ob, pid_t tid, uint32_t audit_arch, uint64_t nr,
			    const uint64_t args[6], int64_t ret);
/* nr for a backend that cannot tell it at the result (ptrace's syscall-exit stop): tid's held call */
#define HD_OBSERVE_NR_HELD UINT64_MAX
/* True if the syscall's arguments are worth reading (the backend may skip fetching them otherwise). */
bool hd_observe_wants_args(const struct hd_observer *ob, uint32_t audit_arch, uint64_t nr);
/* After an exec (or at attach): did the exec gain privileges (see hd_exec_gained_privileges)?
 * capabilities and uid of the process. */
void hd_observe_exec(struct hd_observer *ob, pid_t tid);
/* An exec gains privileges, which NoNewPrivileges= would refuse, when the kernel sets AT_SECURE for the new
 * program (bprm->secureexec): a set-uid/set-gid file changing an id, file capabilities, an LSM domain
 * change. Under no_new_privs the kernel grants nothing and at_secure stays false, so the file at path is
 * judged instead (set-uid/set-gid bits or file capabilities), as it would act without no_new_privs. */
bool hd_exec_gained_privileges(bool at_secure, bool no_new_privs, const char *path);
/* AT_SECURE in an auxiliary vector of len bytes (pairs of 64-bit words if wide, else 32-bit): 1 or 0,
 * -1 if it is not there before AT_NULL or the end. */
int hd_auxv_at_secure(const void *auxv, size_t len, bool wide);
/* base "/" rel into out, with "." and ".." resolved textually; false if longer than PATH_MAX. */
bool hd_path_join(const char *base, const char *rel, char out[PATH_MAX]);
/* What a backend that cannot stop the caller (eBPF) must copy at syscall entry for (slot, number):
 * argument indexes of up to two path strings and one fixed-size struct (-1 = none). */
struct hd_observe_plan {
	bool wanted;
	int path_arg[2];
	int mem_arg;
	unsigned mem_len;
	int open_flags_arg; /* open/openat: the flags (lets a backend drop uninteresting read-only opens) */
	int dirfd_arg;      /* the first path argument is relative to this directory fd (-1 = none) */
	int dirfd2_arg;     /* the second path argument is relative to this directory fd (-1 = none) */
	/* Only calls whose argument test_arg has any bit of test_mask (all of them if test_all) can change
	 * the profile; a backend may drop the others unread (-1 = no such test: every call matters). */
	int test_arg;
	uint64_t test_mask;
	bool test_all;
	bool want_result; /* the call may write a path: its result decides (hd_observe_syscall_held) */
	/* want_result, but only a failure changes anything (record_failures' connect, sendto): a backend may
	 * drop a successful result (the held call then ends with the thread's next one, as written nothing) */
	bool result_if_failed;
};
void hd_observe_plan_for(const struct hd_observer *ob, int slot, int nr_index, struct hd_observe_plan *out);

/* Move the counters into the profile (names per ABI). */
int hd_observer_finish(struct hd_observer *ob);
