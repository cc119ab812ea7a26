/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "syscalls/arch.h"
#include "util/strv.h"

/*
 * One piece of evidence of a process meeting a seccomp filter (or of one that did not): from a core
 * dump, a kernel audit record, a systemd-coredump journal record or `coredumpctl info` text. Every
 * source fills what it knows; unknown numbers are -1, unknown strings NULL.
 */
enum hd_ev_kind {
	HD_EVIDENCE_CORE,        /* ELF core: NT_SIGINFO names the syscall exactly */
	HD_EVIDENCE_AUDIT,       /* type=SECCOMP / 1326 record: exact syscall and action */
	HD_EVIDENCE_JOURNAL,     /* systemd-coredump journal record (json / export / short text) */
	HD_EVIDENCE_COREDUMPCTL, /* `coredumpctl info` text */
};

enum hd_verdict {
	HD_VERDICT_SECCOMP_KILL,  /* killed by a seccomp filter (SIGSYS from seccomp, or a kill action) */
	HD_VERDICT_SECCOMP_LOG,   /* allowed but logged (SystemCallLog=, SECCOMP_RET_LOG) */
	HD_VERDICT_SECCOMP_OTHER, /* another action was logged: errno, trap, trace, notify */
	HD_VERDICT_SIGSYS,        /* died of SIGSYS, origin not recorded (text evidence): most likely seccomp */
	HD_VERDICT_NOT_SECCOMP,   /* another signal, or a SIGSYS that seccomp did not send */
};

struct hd_evidence {
	enum hd_ev_kind kind;
	char *file;    /* where it was read ("-" for stdin) */
	unsigned line; /* first line of the record in a text file; 0 for cores */

	int64_t pid;   /* -1 unknown */
	char *comm, *exe, *unit, *cmdline;
	int signo;     /* 0 unknown */
	int si_code;   /* cores only; meaningful when has_si_code */
	bool has_si_code;
	enum hd_verdict verdict;
	char *verdict_reason; /* why NOT_SECCOMP / SIGSYS, in words */

	uint32_t seccomp_ret; /* audit "code=": the filter's SECCOMP_RET_* value */
	bool has_seccomp_ret;

	uint32_t audit_arch;  /* AUDIT_ARCH_*; 0 unknown */
	hd_arch arch;         /* x32 when audit_arch is x86-64 and nr has bit 30 */
	int nr;               /* syscall number as the kernel saw it; -1 unknown */
	const char *syscall;  /* name (static storage) when known exactly */

	/* stack-trace evidence: the top frame in the C library, and what that wrapper calls */
	char *frame_function, *frame_object;
	uint64_t frame_offset;
	bool inferred;        /* syscall(s) below are inferred from frame_function, not recorded */
	hd_strv candidates;   /* inferred syscall names */

	/* the address of the syscall instruction (NT_SIGINFO si_call_addr or audit ip=) */
	uint64_t call_addr;
	bool has_call_addr;
	char *call_object;    /* from the core's NT_FILE: the file mapped there, and the offset in it */
	uint64_t call_offset;

	int64_t time_usec;    /* wall clock, microseconds since the epoch; 0 unknown */
	bool merged;          /* an audit record folded into the core dump record of the same death */
	char *confirmed_by;   /* "FILE:LINE" of the audit record that named this record's syscall */
	const char *compression; /* cores: "plain", "zstd", ... */
};

struct hd_evidence_list {
	struct hd_evidence *v;
	size_t n, cap;
};

/*
 * One death often leaves two records: the kernel's audit record (exact syscall, no unit) and
 * systemd-coredump's (unit, stack trace, no syscall). Pair them by pid, name and time (within 10
 * minutes); the core dump record takes the exact syscall and the audit record is marked merged.
 */
int hd_evidence_correlate(struct hd_evidence_list *l);
/* Append a zeroed record with unknowns set (pid -1, nr -1, arch invalid); NULL on ENOMEM. */
struct hd_evidence *hd_evidence_new(struct hd_evidence_list *l, enum hd_ev_kind kind, const char *file,
				    unsigned line);
void hd_evidence_list_free(struct hd_evidence_list *l);
const char *hd_ev_kind_name(enum hd_ev_kind k);   /* "core", "audit", "journal", "coredumpctl" */
const char *hd_verdict_name(enum hd_verdict v);               /* "seccomp-kill", ... */
/* Set nr + audit_arch, deriving arch (x32 bit) and the syscall name. */
void hd_evidence_set_syscall(struct hd_evidence *e, uint32_t audit_arch, int nr);
/* Record a stack frame "function (object + 0xoffset)" and infer the syscalls that function makes. */
int hd_evidence_set_frame(struct hd_evidence *e, const char *function, const char *object, uint64_t offset);
/* True if object is a C library (glibc's libc.so.6, musl's libc.musl-*.so.1 / ld-musl-*.so.1). */
bool hd_is_libc_object(const char *object);
/* The syscalls a C library function makes on arch, appended to out: from the wrapper table
 * (wrappers.h; musl's column when object is musl's), else the function's own name when, stripped of
 * glibc's decorations, it is a syscall. 0 or -ENOMEM. */
int hd_libc_function_syscalls(const char *function, const char *object, hd_arch arch, hd_strv *out);
