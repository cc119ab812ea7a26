/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "sandbox/cgroup.h"
#include "sandbox/creds.h"
#include "sandbox/mounts.h"
#include "sandbox/sandbox.h"

/*
 * Run a command under a sandbox and stay its parent, explaining every call the filter stops.
 *
 * Design (why USER_NOTIF and not "real KILL_PROCESS + subreaper + read the death"): a parent that only
 * sees the death learns "signal 31" and nothing else — the syscall number, ABI and thread exist only in
 * the dying process's siginfo / core dump (global core_pattern) or in the audit log (not always readable,
 * rate-limited). With SECCOMP_RET_USER_NOTIF the kernel stops the offending thread INSIDE the call and
 * hands us the exact number, audit arch, arguments and thread id while the process still exists, so
 * comm/exe/tgid read from /proc are exact (checked with SECCOMP_IOCTL_NOTIF_ID_VALID afterwards).
 * The calls that would be killed or denied with an errno notify (allowed and logged ones stay in the
 * kernel, untouched and fast). A denied call is reported and answered with its errno, exactly what the
 * kernel's SECCOMP_RET_ERRNO would return (a learned drop-in's SystemCallErrorNumber=EPERM makes a
 * service fail softly, and that must not be silent); it costs a round trip through harden per denied
 * call. After reporting a kill we kill the whole process with SIGSYS when its SIGSYS disposition is the
 * default (the same end as the kernel's kill: signal 31, core dump per RLIMIT_CORE), else with SIGKILL
 * (a handler must not turn a kill into a recoverable event). In --audit mode every blocking verdict notifies and is
 * answered with SECCOMP_USER_NOTIF_FLAG_CONTINUE, so the command runs as if unfiltered.
 * The listener fd never reaches the command: the child shares our fd table (CLONE_FILES) until execve,
 * the kernel creates the listener close-on-exec, and the child makes no syscall between seccomp() and
 * execve() that the filter could see (a failed install or exec is reported through shared memory).
 * Limits: if harden itself dies, pending and later kill-verdict calls fail with ENOSYS instead (the command
 * gets PR_SET_PDEATHSIG=SIGKILL to narrow that, and the warden, sandbox/warden.h, kills what it forked
 * along with it); processes still running when the command exits are left alone, like `env`.
 */

struct hd_violation {
	pid_t tid, tgid;
	char comm[17];
	char exe[512];
	uint32_t arch;     /* AUDIT_ARCH_* */
	int nr;
	uint64_t args[6];
	uint64_t ip;
	struct hd_sandbox_verdict verdict; /* what the settings say for this call */
	bool killed;       /* supervised mode: the process was killed */
	bool denied;       /* supervised mode: the call failed with verdict.action's errno (neither: --audit,
	                    * it continued) */
};

typedef void (*hd_violation_fn)(const struct hd_violation *v, void *userdata);

struct hd_supervise_options {
	const struct hd_sandbox *sb; /* mode SUPERVISED or AUDIT (listener), or ENFORCE (no reports) */
	/* Installed instead when sb's listener is refused with EBUSY (the process already runs under a
	 * filter with a listener, e.g. harden inside harden): the same verdicts, enforced by the kernel
	 * alone, unexplained. NULL: fail closed instead. */
	const struct hd_sandbox *fallback;
	char *const *argv;
	hd_violation_fn on_violation;
	void *userdata;
	/* the unit's file-system settings, applied in the command's own mount namespace before the filter
	 * (NULL or empty: none; the caller has checked hd_mount_plan_cannot_apply) */
	const struct hd_mount_plan *mounts;
	/* the credentials to take once the namespace is set up, before the filter, as systemd takes them
	 * after its mounts (groups, gid, bounding set, umask, uid, ambient set, working directory; NULL:
	 * none). Resolved by the caller (hd_creds_resolve, hd_creds_plan_check). */
	const struct hd_creds_plan *creds;
	/* a cgroup of the command's own (its device program attached): the child moves itself in first
	 * thing, before its mounts, credentials and filter (NULL: it stays in harden's) */
	const struct hd_cgroup *cgroup;
	/* Optional: called in this process once the child has set up its mounts and ids, before it installs
	 * the filter and execs; the child waits until it returns (harden run starts following it with eBPF
	 * then, so that no call of the command is missed). Not called when the set-up failed. */
	void (*on_ready)(void *ctx, pid_t pid);
	void *ready_ctx;
};

enum hd_supervise_stage {
	HD_STAGE_RAN,     /* the command ran; wait_status is its status */
	HD_STAGE_INSTALL, /* the sandbox could not be installed: the command did not run */
	HD_STAGE_EXEC,    /* execve failed (error) */
};

struct hd_supervise_result {
	enum hd_supervise_stage stage;
	int error;             /* errno for INSTALL / EXEC */
	int wait_status;       /* the command's wait status */
	bool killed_by_filter; /* the command's own process was killed by us for a violation */
	bool unsupervised;     /* the fallback program was installed: no reports */
	bool mounts_failed;    /* HD_STAGE_INSTALL: the mount namespace failed (error says why) */
	int mount_failed;      /* ... at this entry of mounts->v (-1: the namespace itself) */
	bool cwd_failed;       /* ... not even "/" could be entered in it */
	bool cwd_moved;        /* the working directory is not there under the settings: CMD ran in "/" */
	bool cgroup_failed;    /* HD_STAGE_INSTALL: the child could not enter the cgroup (error says why) */
	enum hd_creds_step creds_failed; /* HD_STAGE_INSTALL: this credential step failed (error says why) */
};

/* 0 (see res), or -errno when harden itself could not start the child. */
int hd_supervise_run(const struct hd_supervise_options *o, struct hd_supervise_result *res);
