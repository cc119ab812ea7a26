/* SPDX-License-Identifier: MIT */
#pragma once
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "util/diag.h"
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
enum hd_trace_backend { HD_TRACE_AUTO, HD_TRACE_PTRACE, HD_TRACE_EBPF };

const char *hd_trace_backend_name(enum hd_trace_backend b);
/* "ptrace"/"ebpf"/"auto" -> backend; -EINVAL otherwise. */
int hd_trace_backend_parse(const char *s, enum hd_trace_backend *out);

struct hd_trace_options {
	enum hd_trace_backend backend;
	char *const *argv;            /* command to run (NULL when attaching) */
	pid_t pid;                    /* attach to this process and its descendants (0 = run argv) */
	const char *cgroup;           /* attach to every process of this cgroup v2 directory (ebpf only) */
	unsigned duration_ms;         /* attach modes: stop after this long (0 = until *stop or exit) */
	volatile sig_atomic_t *stop;  /* set asynchronously (SIGINT) to end an attach session */
};

struct hd_trace_result {
	enum hd_trace_backend used;
	char why[256];                /* why this backend (auto-selection reason) */
	int wait_status;              /* the command's wait status (run mode) */
	bool exec_failed;             /* the command could not be executed; exec_errno says why */
	int exec_errno;
	uint64_t events;              /* syscalls observed */
	uint64_t lost;                /* events the backend had to drop (ebpf ring buffer full) */
};

/* Trace; fills p (which must be hd_profile_init'ed). 0 or -errno (with a diag saying why). */
int hd_trace(const struct hd_trace_options *o, struct hd_profile *p, struct hd_trace_result *res, hd_diags *d);

/* Backends (used by hd_trace). */
int hd_trace_ptrace(const struct hd_trace_options *o, struct hd_profile *p, struct hd_trace_result *res,
		    hd_diags *d);
/* -EOPNOTSUPP (with the reason in res->why) when the eBPF backend cannot run here. */
int hd_trace_ebpf(const struct hd_trace_options *o, struct hd_profile *p, struct hd_trace_result *res,
		  hd_diags *d);
bool hd_trace_ebpf_available(char *why, size_t whylen);
