/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "filter/filter.h"
#include "sandbox/sandbox.h"
#include "sandbox/supervise.h"
#include "syscalls/groups.h"
#include "util/diag.h"
#include "util/strv.h"

/*
 * What `harden run` concludes from a violation the supervisor reported: the call as the user knows it,
 * the smallest change that lets it through (by the setting that stopped it), and, for --audit, one
 * entry per distinct call with a count. Also the inputs run needs around the sandbox: a unit's
 * settings as run enforces them, and whether the caller holds CAP_SYS_ADMIN.
 */

/* The call as the user knows it: i386 socketcall(1, ...) is socket(). NULL if the number is unknown;
 * the same pointer as v->verdict.name when the call is not multiplexed. */
const char *hd_violation_call_name(const struct hd_violation *v);

struct hd_fix {
	char setting[160];                /* "SystemCallFilter=fchown"; empty: none (SystemCallLog=) */
	const struct hd_group_def *group; /* the smallest group that would allow it too, or NULL */
	hd_strv group_adds;               /* what else that group allows that is blocked now, sorted */
};

/* The fix for v under sb (the sandbox that reported it) with systemd sdver's groups. 0, or -ENOMEM
 * (out then holds what could be computed; free it either way). */
int hd_violation_fix(const struct hd_sandbox *sb, int sdver, const struct hd_violation *v, struct hd_fix *out);
void hd_fix_free(struct hd_fix *f);

/* --audit: the violations seen, one entry per (ABI, number), in order of first appearance. */
struct hd_audit_entry {
	uint32_t arch;             /* AUDIT_ARCH_* */
	int nr;
	unsigned long count;
	struct hd_violation first; /* the first report of it */
};
struct hd_audit {
	struct hd_audit_entry *v;
	size_t n, cap;
	bool incomplete;           /* an entry could not be stored (out of memory) */
};
/* Count v. 0, or -ENOMEM (and incomplete is set). */
int hd_audit_add(struct hd_audit *a, const struct hd_violation *v);
void hd_audit_free(struct hd_audit *a);

/* Fold a unit file (and drop-ins) into s, in systemd's order; [Service] keys that run cannot enforce
 * (neither seccomp-backed nor life-cycle settings) are added to not_enforced. Problems are diags; a unit
 * that cannot be read at all returns -errno. */
int hd_sandbox_apply_unit(const char *path, int sdver, struct hd_seccomp_settings *s, hd_diags *diags,
			  hd_strv *not_enforced);
/* The same, with the file-system settings (ProtectSystem=, ReadWritePaths=, ...) folded into mounts,
 * the credential settings (User=, CapabilityBoundingSet=, ...) into creds, DevicePolicy=/DeviceAllow=
 * into devices and IPAddressAllow=/IPAddressDeny= into ip instead of listed as not enforced (NULL:
 * listed, as hd_sandbox_apply_unit does). */
struct hd_mount_plan;
struct hd_creds;
struct hd_devices;
struct hd_ipfilter;
int hd_sandbox_apply_unit_mounts(const char *path, int sdver, struct hd_seccomp_settings *s,
				 struct hd_mount_plan *mounts, struct hd_creds *creds, struct hd_devices *devices,
				 struct hd_ipfilter *ip, hd_diags *diags, hd_strv *not_enforced);
/* The same for a unit already loaded (a unit file with its drop-ins, or with a candidate drop-in parsed
 * into it: harden apply's shadow stage). */
struct hd_unit;
int hd_sandbox_apply_loaded_unit(const struct hd_unit *u, int sdver, struct hd_seccomp_settings *s,
				 struct hd_mount_plan *mounts, struct hd_creds *creds, struct hd_devices *devices,
				 struct hd_ipfilter *ip, hd_diags *diags, hd_strv *not_enforced);
/* Does key only steer the service's life cycle (Type=, ExecStart=, Restart=, ...), with nothing to
 * enforce in a sandbox? */
bool hd_sandbox_is_lifecycle_key(const char *key);

/* Whether this process has CAP_SYS_ADMIN in its effective set (as hd_sandbox_options wants it). */
bool hd_have_cap_sys_admin(void);
