/* SPDX-License-Identifier: MIT */
#pragma once
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "syscalls/arch.h"
#include "util/diag.h"
#include "filter/filter.h"

/*
 * The sandbox: all seccomp-backed settings of a unit merged into ONE seccomp program.
 *
 * systemd stacks one filter per feature per ABI; the kernel runs all of them and the strictest verdict
 * wins (KILL > ERRNO > LOG > ALLOW; between two ERRNO verdicts the filter installed last wins, and
 * systemd installs SystemCallFilter= last). We compute that verdict per (ABI, syscall, argument region)
 * ahead of time ("the merged model") and hand it to libseccomp as one program covering the native ABI and
 * its compat ABIs (x86-64: i386 via int 0x80, and x32-numbered calls), so no other ABI bypasses a rule.
 *
 * Deliberate differences from systemd, all stricter:
 * - RestrictAddressFamilies= on i386: socketcall() hides the family in user memory, systemd leaves i386
 *   unfiltered. We refuse socket creation on i386 entirely (EAFNOSUPPORT) when the setting restricts.
 * - On i386 a call multiplexed through socketcall()/ipc() keeps its own verdict (or the default's, when
 *   an allow list leaves it out) even when the multiplexer itself is allowed; with libseccomp as systemd
 *   uses it, the multiplexer's unconditional rule swallows them (socket() refused, socketcall(1) allowed).
 * - Syscalls newer than the installed libseccomp (it cannot number them on compat ABIs) get their rules
 *   in a short prefix of our own in front of libseccomp's program, so a deny list holds there too;
 *   systemd silently drops such names.
 */

enum hd_sandbox_mode {
	HD_SANDBOX_ENFORCE,    /* the kernel enforces every verdict (export, or no supervisor) */
	HD_SANDBOX_SUPERVISED, /* kill and errno verdicts become USER_NOTIF; the supervisor reports each, then
	                        * kills, or answers the call with its errno (a denied call is never silent) */
	HD_SANDBOX_AUDIT,      /* every blocking verdict becomes USER_NOTIF; the supervisor lets it continue */
};

struct hd_sandbox_options {
	int sdver;                 /* HD_SYSTEMD_252 or HD_SYSTEMD_LATEST */
	enum hd_sandbox_mode mode;
	bool use_prctl_mdwe;       /* MemoryDenyWriteExecute= via PR_SET_MDWE instead of seccomp rules */
	bool have_cap_sys_admin;   /* decides NoNewPrivileges= the way systemd does */
	/* For comparisons (bench/filter): build a program for ONE ABI whose other ABIs are let through
	 * (bad-arch ALLOW), as each of systemd's per-architecture filters is; and libseccomp's plain
	 * list instead of the binary tree, as systemd 252 does. Zero values: the normal merged program. */
	bool single_abi_mode;
	hd_arch single_abi;
	bool no_binary_tree;
};

/* One region of the merged model: for syscall nr on the ABI, when all cmps hold, the verdict is action. */
struct hd_sandbox_rule {
	int nr;
	const char *name;          /* static (libseccomp / project table) or owned by the ruleset copy */
	hd_action action;
	unsigned n_cmps;
	struct hd_arg_cmp cmps[HD_RULE_MAX_CMPS];
	const char *origin;        /* the setting whose verdict this is */
};

struct hd_sandbox_abi {
	hd_arch arch;
	bool killed;               /* not in SystemCallArchitectures=: every call is killed */
	hd_action default_action;
	const char *default_origin;
	struct hd_sandbox_rule *v; /* sorted by nr; regions of one nr are disjoint */
	size_t n, cap;
	hd_strv names;             /* storage for rule names */
};

struct hd_sandbox {
	struct hd_sandbox_options opt;
	struct hd_sandbox_abi abi[3];
	size_t n_abi;
	bool no_new_privileges;    /* set PR_SET_NO_NEW_PRIVS before loading */
	bool nothing_to_load;      /* no seccomp-based setting: systemd loads no filter (and a process
	                            * without CAP_SYS_ADMIN and NoNewPrivileges= could not) */
	bool mdwe_prctl;           /* set PR_SET_MDWE before loading */
	void *ctx;                 /* scmp_filter_ctx */
	struct hd_sandbox_prefix {
		uint32_t arch, nr, ret;
	} prefix[128];             /* rules libseccomp cannot express, checked before its program */
	size_t n_prefix, prefix_len;
	struct sock_filter *bpf;   /* the exported program */
	size_t bpf_len;
};

/* Build the merged model and the program. Problems that make an exact program impossible are HD_ERROR
 * diags (and a negative return): the caller must not run anything then. */
int hd_sandbox_build(const struct hd_seccomp_settings *s, const struct hd_sandbox_options *opt,
		     struct hd_sandbox *out, hd_diags *diags);
void hd_sandbox_free(struct hd_sandbox *sb);

/* Does the kernel have PR_SET_MDWE (Linux 6.3+)? Probed in a throw-away child. */
bool hd_sandbox_kernel_has_mdwe(void);

/* The verdict the settings intend for one call (the merged model, not the BPF). */
struct hd_sandbox_verdict {
	hd_action action;
	const char *origin;   /* "SystemCallFilter", "RestrictAddressFamilies", "SystemCallArchitectures" ... */
	hd_arch abi;          /* HD_ARCH_INVALID for an audit arch the program does not know */
	const char *name;     /* syscall name on that ABI, NULL if unknown */
};
struct hd_sandbox_verdict hd_sandbox_intent(const struct hd_sandbox *sb, uint32_t audit_arch, int nr,
					    const uint64_t args[6]);

/* A libseccomp filter (scmp_filter_ctx) as its BPF program in *out (malloc'ed, *n instructions), for a
 * child to install with prctl() alone. 0 or -errno. */
int hd_sandbox_export_memory(void *ctx, struct sock_filter **out, size_t *n);

/* Write the BPF (raw struct sock_filter array, as bwrap --seccomp wants) / libseccomp's pseudo code. */
int hd_sandbox_export_bpf(const struct hd_sandbox *sb, int fd);
int hd_sandbox_export_pfc(const struct hd_sandbox *sb, int fd);
/* The BPF to the file path, replaced atomically (hd_write_file_atomic_data: never through a symlink,
 * never half a program). 0 or -errno. */
int hd_sandbox_export_bpf_file(const struct hd_sandbox *sb, const char *path);

/* Install in the calling process: NNP, MDWE, then the program (TSYNC). Returns the USER_NOTIF listener fd
 * (close-on-exec) when the mode uses one, 0 when not, or -errno. Async-signal-safe after build: only
 * prctl() and seccomp() are called, so it can run in a child right before execve. */
int hd_sandbox_install(const struct hd_sandbox *sb);

/* Run a classic BPF seccomp program on one seccomp_data: the return value, or -EINVAL for a program
 * that would be rejected or reads out of bounds. For tests and for checking the exported program. */
int64_t hd_bpf_run(const struct sock_filter *prog, size_t n, const struct seccomp_data *d);

/* The call multiplexed as call number `call` through i386's socketcall() or ipc() ("socket" for
 * socketcall 1), NULL if mux is not a multiplexer or call is unknown. */
const char *hd_sandbox_mux_subcall(const char *mux, uint64_t call);

/* Strictness order of actions as the kernel applies stacked filters (higher wins). */
int hd_action_rank(hd_action a);
