/* SPDX-License-Identifier: MIT */
#pragma once
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "util/diag.h"
#include "util/proc.h" /* hd_proc_each_child, which the backends use */
#include "learn/profile.h"

/*
 * Learning backends: run (or attach to) a process tree and fill a profile with what it did.
 *
 *   ptrace: unprivileged. The command runs under a one-instruction seccomp filter that returns
 *           SECCOMP_RET_TRACE for every call, so each syscall costs one ptrace stop (not the two of
 *           PTRACE_SYSCALL). Arguments are read from the stopped tracee. Attaching (--pid) cannot install
 *           a filter into a running process, so it falls back to PTRACE_SYSCALL (two stops per call).
 *   ebpf:   root. See trace/ebpf.c.
 */
enum hd_trace_backend { HD_TRACE_AUTO, HD_TRACE_PTRACE, HD_TRACE_EBPF, HD_TRACE_NONE };
/* HD_TRACE_NONE runs the command exactly as the others do (exec, on_spawn, companion, stop) but watches
 * nothing: harden run --unit --while starts a unit through the same code as learn, and its commands
 * enforce their own sandbox. Not a choice for learn (hd_trace_backend_parse does not know it). */

const char *hd_trace_backend_name(enum hd_trace_backend b);
/* "ptrace"/"ebpf"/"auto" -> backend; -EINVAL otherwise. */
int hd_trace_backend_parse(const char *s, enum hd_trace_backend *out);

/* How the command is started (all zero: as harden itself runs). Applied in the child before it is
 * followed, so none of these calls is learned: systemd, too, makes them before the service's own filter
 * applies. */
struct hd_trace_exec {
	bool new_pgrp;                /* its own process group (so that it can be stopped as a whole) */
	const char *path;             /* the file to execute (NULL = argv[0], looked up in PATH): an
	                               * Exec*= line's "@" form gives argv[0] apart from the file */
	const char *cwd;              /* chdir here first (NULL = stay) */
	char *const *envp;            /* the environment (NULL = inherit harden's) */
	bool set_ids;                 /* setgroups({gid}), setgid(gid), setuid(uid) (needs root) */
	uid_t uid;
	gid_t gid;
	/* with set_ids: capabilities kept through the id change and raised as ambient ones, as systemd does
	 * for AmbientCapabilities= with a non-root User= (bit c = capability c) */
	uint64_t ambient;
};

struct hd_trace_options {
	enum hd_trace_backend backend;
	char *const *argv;            /* command to run (NULL when attaching) */
	pid_t pid;                    /* attach to this process and its descendants (0 = run argv) */
	const char *cgroup;           /* attach to every process of this cgroup v2 directory (ebpf only) */
	unsigned duration_ms;         /* attach modes: stop after this long (0 = until *stop or exit) */
	volatile sig_atomic_t *stop;  /* set asynchronously (SIGINT) to end an attach session */
	/* Run mode only (zero = unused): */
	struct hd_trace_exec exec;
	/* Called in the caller's process right after the command's process exists (before it execs). */
	void (*on_spawn)(void *ctx, pid_t pid);
	void *spawn_ctx;
	/* A process of the caller's that runs beside the command (harden learn --while's supervisor): tracing
	 * ends only once it has exited too, the backend reaps it, and *stop is forwarded to it (SIGTERM)
	 * instead of to the command, so that it stops the command its own way. */
	pid_t companion;
	/* Keep the calls that failed with an error a file-system setting can cause (profile->failures; harden
	 * run's report). eBPF only: it also sends read-only opens that fail with ENOENT or EACCES. */
	bool record_failures;
	/* Attach modes (o->pid, o->cgroup): called once the process tree (the cgroup) is followed, before its next call is missed
	 * (harden run lets its command go on then). */
	void (*on_attached)(void *ctx);
	void *attached_ctx;
};

struct hd_trace_result {
	enum hd_trace_backend used;
	char why[256];                /* why this backend (auto-selection reason) */
	int wait_status;              /* the command's wait status (run mode) */
	bool exec_failed;             /* the command could not be executed; exec_errno says why */
	int exec_errno;
	uint64_t events;              /* syscalls observed */
	uint64_t lost;                /* events the backend had to drop (ebpf ring buffer full) */
	uint64_t unfollowed;          /* new tasks the backend could not follow (ebpf: no mark, tgid hash full) */
	uint64_t records;             /* ebpf: syscall records read from the ring (the calls whose arguments
				       * were sent to user space); 0 for the other backends */
	bool setup_failed;            /* the backend could not start watching; nothing was run or attached */
	uint64_t outlived;            /* run mode (ebpf): processes the command left running that were still
	                               * there when learning was stopped (after *stop): their later calls are
	                               * not in the profile */
};

/* Trace; fills p (which must be hd_profile_init'ed). 0 or -errno (with a diag saying why). */
int hd_trace(const struct hd_trace_options *o, struct hd_profile *p, struct hd_trace_result *res, hd_diags *d);


/* Backends (used by hd_trace). */
/* In the command's child before it is followed: o->exec's process group, directory and ids. 0 or errno. */
int hd_trace_exec_setup(const struct hd_trace_exec *x);
/* exec o->argv with o->exec.envp (PATH search as execvp); returns only on failure (errno). */
int hd_trace_exec_command(const struct hd_trace_options *o);
int hd_trace_ptrace(const struct hd_trace_options *o, struct hd_profile *p, struct hd_trace_result *res,
		    hd_diags *d);
/* -EOPNOTSUPP (with the reason in res->why) when the eBPF backend cannot run here. */
int hd_trace_ebpf(const struct hd_trace_options *o, struct hd_profile *p, struct hd_trace_result *res,
		  hd_diags *d);
bool hd_trace_ebpf_available(char *why, size_t whylen);
