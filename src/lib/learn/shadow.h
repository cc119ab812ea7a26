/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "learn/profile.h"
#include "sandbox/fsdenial.h"
#include "sandbox/mounts.h"
#include "sandbox/sandbox.h"
#include "util/strv.h"

/*
 * A profile against a candidate unit: every operation the profile saw that the unit's settings would deny,
 * with the narrow fix (harden apply's shadow stage: the running service observed, the drop-in not yet
 * applied). A pure function of the profile, the merged seccomp model, the mount plan and what the host
 * has at the paths (the probe).
 *
 *  - a syscall (per ABI) whose verdict blocks it whatever its arguments: outside SystemCallFilter=, an ABI
 *    outside SystemCallArchitectures=, or a call another setting denies as a whole (ProtectClock=, ...).
 *    Calls a setting denies only for some arguments are judged by what the profile saw of those arguments
 *    (the two below); the rest (personality(), W+X mappings) are not reported: the profile does not keep
 *    their arguments per call.
 *  - a socket family the profile saw created that RestrictAddressFamilies= refuses (socket() asked with it);
 *  - a namespace type the profile saw asked for that RestrictNamespaces= refuses (unshare() asked with it);
 *  - a path the profile wrote that the mount plan would make fail (EROFS under ProtectSystem=/ReadOnlyPaths=,
 *    EACCES or ENOENT under ProtectHome=, InaccessiblePaths=, PrivateTmp=), and a read of a path a setting
 *    hides, each with fsdenial's fix (ReadWritePaths= the directory, ...).
 */

enum hd_shadow_kind { HD_SHADOW_SYSCALL, HD_SHADOW_WRITE, HD_SHADOW_READ, HD_SHADOW_FAMILY, HD_SHADOW_NAMESPACE,
		     HD_SHADOW_CAPABILITY };
/* "syscall", "write", "read", "family", "namespace", "capability" */
const char *hd_shadow_kind_name(enum hd_shadow_kind k);

struct hd_shadow_finding {
	enum hd_shadow_kind kind;
	char *what;         /* the syscall's name, the path, "AF_NETLINK", the namespace's name ("net") */
	hd_arch abi;        /* syscalls: the ABI it was called on; else HD_ARCH_INVALID */
	int nr;             /* syscalls: its number on that ABI; else -1 */
	uint64_t count;     /* syscalls: calls seen (0: not counted) */
	char *setting;      /* what would deny it: "SystemCallFilter", "ProtectSystem=strict" */
	char *action;       /* "kill", "errno EPERM"; paths: the error name the call would get ("EROFS") */
	int err;            /* paths: that error */
	char *mount;        /* paths: the path of the plan's entry to blame */
	hd_strv fix;        /* the narrow lines that let it through (empty: none can be written) */
	char *remove;       /* paths: or this assignment to take out (InaccessiblePaths=/x); NULL */
	char *note;         /* why no line can be written (a directory a unit file cannot name); NULL */
	char *group_fix;    /* syscalls: "SystemCallFilter=@group", the smallest group that allows it too */
	hd_strv group_adds; /* what else that group allows that is denied now */
	hd_strv groups;     /* syscalls: the groups that hold the call (group paths: "@system-service > @io-event") */
	char *evidence;     /* capabilities: its first use, "comm (pid N): call ..." (NULL: none kept) */
};

struct hd_shadow {
	struct hd_shadow_finding *v;
	size_t n, cap;
};

/* Every operation of p that sb (the candidate's merged seccomp model, systemd sdver) or plan (its mount
 * plan, finished) would deny, in the order: syscalls (profile order), families, namespaces, writes, reads.
 * 0 or -ENOMEM (out then holds what was found so far; free it either way). */
int hd_shadow_compare(const struct hd_profile *p, const struct hd_sandbox *sb, const struct hd_mount_plan *plan,
		      int sdver, const struct hd_fs_probe *probe, struct hd_shadow *out);
void hd_shadow_free(struct hd_shadow *s);

/* Every capability p saw the kernel grant (a check that succeeded: what learn's CapabilityBoundingSet=
 * keeps) that bounding, the candidate's bounding set as its CapabilityBoundingSet= lines make it, leaves
 * out, appended to out as HD_SHADOW_CAPABILITY findings (setting "CapabilityBoundingSet", fix the line
 * that ORs it back in). Nothing for a profile without capability records. The capabilities other settings
 * take out (PrivateDevices=: CAP_MKNOD, ...) are not judged: no CapabilityBoundingSet= line gives those
 * back. 0 or -ENOMEM. */
int hd_shadow_compare_caps(const struct hd_profile *p, uint64_t bounding, struct hd_shadow *out);
/* Under the candidate (harden apply's enforce stage): every capability the kernel refused p that bounding
 * leaves out (the bounding set's doing: a root service loses, say, CAP_DAC_OVERRIDE and fails to open a
 * file another user owns), as HD_SHADOW_CAPABILITY findings with their line; not one whose first refusal
 * was to systemd's child before it executed the service (its evidence's process "(NAME)", as systemd
 * names it). Nothing unless the kernel's checks were watched (eBPF on cap_capable). 0 or -ENOMEM. */
int hd_shadow_refused_caps(const struct hd_profile *p, uint64_t bounding, struct hd_shadow *out);

/* The narrow fix lines of every finding, in order, each once (what harden apply --fold appends to the
 * drop-in). Findings without a line (a removal, an unwritable directory) add nothing: *unfixable counts
 * them. 0 or -ENOMEM. */
int hd_shadow_fix_lines(const struct hd_shadow *s, hd_strv *out, size_t *unfixable);

/* text with lines appended as a [Service] section of their own (systemd reads a section header again and
 * goes on with the same section), after a comment that says where they come from. NULL: out of memory. */
char *hd_shadow_fold(const char *text, const hd_strv *lines);
