/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "elf/elfscan.h"
#include "elf/wrappers.h"
#include "filter/filter.h"
#include "unit/unit.h"
#include "util/diag.h"

/*
 * Will this filter break this binary? A unit's effective seccomp filters (every seccomp-backed
 * setting, stacked as the kernel runs them) against the static syscall evidence of each program its
 * Exec*= commands run, found as systemd finds it, '#!' interpreters followed. No program is run.
 *
 * The report is plain data in the order systemd would run the commands; within a program, findings
 * are in the order of the program's syscalls (sorted by name), each with its kind: what is blocked
 * (counted), what is refused only for some argument values or with an errno libc copes with (listed
 * apart, not counted). Problems reading units or programs are diags and counted in n_errors.
 */

#define HD_CHECK_MAX_INTERPRETER_DEPTH 4 /* the kernel allows 4 levels of #! (BINPRM_MAX_RECURSION) */

struct hd_check_options {
	int sdver;        /* HD_SYSTEMD_252 or HD_SYSTEMD_LATEST */
	const char *root; /* find binaries and libraries under this directory; NULL = / */
};

enum hd_check_finding_kind {
	HD_CHECK_ARCH_KILLED,   /* the program's ABI is not in SystemCallArchitectures=: every call is killed */
	HD_CHECK_NOT_INSTALLED, /* systemd cannot install the filter: the service does not start */
	HD_CHECK_BLOCKED,       /* a syscall with evidence is refused */
	HD_CHECK_CONDITIONAL,   /* refused only for some argument values (one per syscall and setting) */
	HD_CHECK_HARMLESS,      /* refused with an errno libc copes with by a fallback that is allowed */
};

struct hd_check_finding {
	enum hd_check_finding_kind kind;
	const char *syscall;      /* the name (owned by the program's scan); NULL for the first two kinds */
	int nr;                   /* HD_CHECK_BLOCKED: its number on the program's ABI */
	char action[64];          /* "kill", "errno EPERM" (HD_CHECK_ARCH_KILLED: "kill"; else the verdict) */
	char *reason;             /* the first two kinds: why every call is refused */
	const char *setting;      /* HD_CHECK_CONDITIONAL: the setting refusing it ("RestrictSUIDSGID") */
	const struct hd_libc_fallback *fallback; /* HD_CHECK_HARMLESS: what libc does instead and why */
	hd_strv groups;           /* HD_CHECK_BLOCKED: every chain of groups holding it */
	const struct hd_elf_evidence **evidence; /* HD_CHECK_BLOCKED: into the scan, best first */
	size_t n_evidence;
	char *fix;                /* HD_CHECK_BLOCKED and HD_CHECK_ARCH_KILLED: the change that lets it run */
	char *origin;             /* HD_CHECK_BLOCKED: the setting whose rule refuses it ("SystemCallFilter",
				   * "RestrictAddressFamilies"); NULL when no rule names one */
};

enum hd_check_program_kind {
	HD_CHECK_PROGRAM_ELF,       /* scanned: scan and findings are valid */
	HD_CHECK_PROGRAM_SCRIPT,    /* a '#!' script: its interpreter follows as the next program(s) */
	HD_CHECK_PROGRAM_MALFORMED, /* a '#!' line that cannot be parsed (a diag says so) */
	HD_CHECK_PROGRAM_UNREADABLE, /* not a readable ELF file: error is the errno (a diag says more) */
};

struct hd_check_program {
	enum hd_check_program_kind kind;
	char *path;
	char *interpreter, *interpreter_arg; /* HD_CHECK_PROGRAM_SCRIPT (arg may be NULL) */
	int error;                           /* HD_CHECK_PROGRAM_UNREADABLE: positive errno */
	struct hd_elf_scan scan;             /* HD_CHECK_PROGRAM_ELF */
	struct hd_check_finding *v;
	size_t n, cap;
};

struct hd_check_command {
	char *setting;     /* "ExecStart", or "--exec" */
	char *file;        /* where the line is (NULL for --exec) */
	unsigned line;
	char *value;       /* the line's value as written */
	char *command;     /* the executable as given, specifiers expanded */
	bool unfiltered;   /* '+' prefix: runs without any filter, nothing checked */
	struct hd_check_program *v; /* the executable, then interpreters in the order they run */
	size_t n, cap;
};

struct hd_check_report {
	char *unit;           /* hd_check_unit: the unit checked, NULL when it could not be loaded */
	struct hd_check_command *v;
	size_t n, cap;
	unsigned n_blocked;   /* findings of the first three kinds, over every program */
	unsigned n_commands;  /* commands checked */
	unsigned n_errors;    /* units, commands or programs that could not be read */
};

/* Check every Exec*= command of a unit file (and its drop-ins) against the unit's filters. 0 (problems in
 * the unit are diags and n_errors), or -ENOMEM. out is zeroed first; free it either way. */
int hd_check_unit(const char *path, const struct hd_check_options *o, struct hd_check_report *out, hd_diags *d);
/* The same for a unit already loaded (harden apply's candidate: the unit with a drop-in it has not yet);
 * path names it where the unit has none. */
int hd_check_loaded_unit(const struct hd_unit *u, const char *path, const struct hd_check_options *o,
			 struct hd_check_report *out, hd_diags *d);
/* Check one command line (split like an ExecStart= value) against s; appended to out, which must be
 * zeroed before the first call. 0 or -ENOMEM. */
int hd_check_exec(const struct hd_seccomp_settings *s, const char *command, const struct hd_check_options *o,
		  struct hd_check_report *out, hd_diags *d);
void hd_check_report_free(struct hd_check_report *r);
