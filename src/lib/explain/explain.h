/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "explain/coredump.h"
#include "explain/evidence.h"
#include "filter/filter.h"
#include "unit/unit.h"
#include "util/strv.h"

/*
 * From evidence to a fix: records of the same violation (unit, executable, architecture, syscall,
 * verdict) are grouped with a count and first/last time, and each syscall gets the groups that hold
 * it and the two ways to allow it: the narrowest line (the syscall itself) and the smallest group,
 * with what else that group would allow.
 */

/* A core's notes as evidence (one record; verdict from NT_SIGINFO). 0 or -ENOMEM. */
int hd_evidence_from_core(const struct hd_core_info *ci, const char *file, struct hd_evidence_list *out);

struct hd_syscall_fix {
	char *name;
	hd_strv paths;        /* every chain of groups holding it: "@system-service @chown", "@chown", ... */
	const char *group;    /* the smallest group holding it (never @known); NULL if in none */
	hd_strv group_also;   /* what else that group would allow, sorted (minus what is allowed already) */
};

struct hd_violation {
	size_t first;         /* index of the first record in the evidence list (the representative) */
	size_t count;
	size_t *records;      /* indices of all its records in the evidence list, in order */
	int64_t first_usec, last_usec; /* 0 when no record had a time */
	struct hd_syscall_fix *fix;    /* one per syscall (several when inferred from a wrapper) */
	size_t n_fix;
	char *narrow_line;    /* "SystemCallFilter=fchown"; NULL when no syscall is known */
	char *group_line;     /* "SystemCallFilter=@chown"; NULL when no group holds it */
};

struct hd_explanation {
	struct hd_violation *v;
	size_t n;
};

/*
 * Group ev and compute the fixes with systemd sdver's group table. already_allowed (may be NULL) is
 * called to leave out of group_also what the unit allows already. 0 or -ENOMEM.
 */
typedef bool (*hd_allowed_fn)(const char *syscall, hd_arch arch, void *userdata);
int hd_explain(const struct hd_evidence_list *ev, int sdver, hd_allowed_fn already_allowed, void *userdata,
	       struct hd_explanation *out);
void hd_explanation_free(struct hd_explanation *x);

/*
 * A unit against one syscall on one architecture: replays the unit's seccomp settings line by line
 * (main file, then drop-ins, as systemd applies them) and names the assignment after which the
 * syscall stopped running, then the drop-in lines that let it run, verified by replaying again with
 * them appended.
 */
struct hd_unit_verdict {
	bool known;             /* syscall has a number on arch; else nothing below is meaningful */
	hd_action action;       /* what the unit's seccomp program does to the syscall on arch */
	bool blocked;           /* !hd_action_allows(action) */
	const struct hd_unit_assignment *culprit; /* the line that made it blocked (NULL: not blocked) */
	char *culprit_via;      /* the word of that line that matched: "~@chown", "@system-service" ... */
	const struct hd_unit_assignment *arch_culprit; /* SystemCallArchitectures= without arch, when another
	                                                  line is the culprit but this one blocks too */
	char *why;              /* in words */
	hd_strv fix_lines;      /* drop-in lines ("SystemCallFilter=fchown", "SystemCallArchitectures=x86") */
	bool fixed;             /* replaying with fix_lines appended lets the syscall run */
};
int hd_explain_unit(const struct hd_unit *u, int sdver, const char *syscall, hd_arch arch,
		    struct hd_unit_verdict *out);
void hd_unit_verdict_free(struct hd_unit_verdict *v);
/* The unit's final settings (for "already allowed" questions). 0 or -ENOMEM. */
int hd_unit_seccomp_settings(const struct hd_unit *u, int sdver, struct hd_seccomp_settings *s);

/* True when the evidence shows a seccomp filter stopped (or logged) a syscall. */
bool hd_evidence_is_seccomp(const struct hd_evidence *e);
