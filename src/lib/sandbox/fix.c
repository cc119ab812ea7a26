/* SPDX-License-Identifier: MIT */
/* From a reported violation to its fix, the --audit tally, and run's view of a unit's settings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/fix.h"
#include "sandbox/devices.h"
#include "sandbox/ipfilter.h"
#include "sandbox/creds.h"
#include "syscalls/nametables.h"
#include "syscalls/syscalls.h"
#include "sandbox/mounts.h"
#include "unit/unit.h"

/* [Service] settings that only steer the service's life cycle, not its sandbox: nothing to enforce. */
static const char *const lifecycle_keys[] = {
	"Type", "ExecStart", "ExecStartPre", "ExecStartPost", "ExecStop", "ExecStopPost", "ExecReload",
	"ExecCondition", "Restart", "RestartSec", "RestartPreventExitStatus", "RestartForceExitStatus",
	"SuccessExitStatus", "RemainAfterExit", "PIDFile", "TimeoutSec", "TimeoutStartSec", "TimeoutStopSec",
	"TimeoutAbortSec", "WatchdogSec", "NotifyAccess", "BusName", "KillMode", "KillSignal", "SendSIGKILL",
	"SendSIGHUP", "FinalKillSignal", "GuessMainPID", "StartLimitBurst", "StartLimitIntervalSec",
	"SyslogIdentifier", "StandardOutput", "StandardError", "StandardInput", "Sockets",
	"FileDescriptorStoreMax", "OOMPolicy", "RuntimeMaxSec", "ExitType", "RestartMode", NULL,
};

const char *hd_violation_call_name(const struct hd_violation *v)
{
	const char *sub = v->verdict.abi == HD_ARCH_X86 ? hd_sandbox_mux_subcall(v->verdict.name, (uint32_t)v->args[0]) : NULL;
	return sub ? sub : v->verdict.name;
}

/*
 * The group with the fewest calls that SystemCallFilter= blocks now, besides name, among every group
 * holding name (table order breaks ties); *extra gets those calls, sorted.
 * Not explain's smallest group (fix_for in explain/explain.c), on purpose: explain knows only a unit's
 * text or a log and ranks groups by their size, while here the sandbox that stopped the call is at
 * hand, so a group is ranked by what it would newly let through, which is what a user weighs.
 */
static int smallest_group(const struct hd_sandbox *sb, int sdver, const char *name,
			  const struct hd_group_def **best_out, hd_strv *extra)
{
	const struct hd_group_def *best = NULL;
	hd_strv best_extra = { 0 };
	int r = 0;
	hd_arch native = hd_arch_native();
	uint32_t audit_arch = hd_arch_info(native)->audit_arch;
	for (const struct hd_group_def *g = hd_group_next(NULL, sdver); g; g = hd_group_next(g, sdver)) {
		if (strcmp(g->name, "@known") == 0 || !hd_group_contains(g, sdver, name))
			continue;
		hd_strv members = { 0 }, ex = { 0 };
		if (hd_group_expand(g, sdver, &members) < 0) {
			hd_strv_free(&members);
			r = -ENOMEM;
			continue;
		}
		for (size_t i = 0; i < members.n; i++) {
			if (strcmp(members.v[i], name) == 0)
				continue;
			int nr = hd_syscall_nr(members.v[i], native, NULL);
			if (nr < 0)
				continue;
			struct hd_sandbox_verdict v = hd_sandbox_intent(sb, audit_arch, nr, NULL);
			if (!hd_action_allows(v.action) && strcmp(v.origin ? v.origin : "", "SystemCallFilter") == 0 &&
			    hd_strv_push(&ex, members.v[i]) < 0)
				r = -ENOMEM;
		}
		hd_strv_free(&members);
		if (!best || ex.n < best_extra.n) {
			best = g;
			hd_strv_free(&best_extra);
			best_extra = ex;
		} else {
			hd_strv_free(&ex);
		}
	}
	hd_strv_sort(&best_extra);
	*best_out = best;
	*extra = best_extra;
	return r;
}

static const char *abi_name(hd_arch a)
{
	const struct hd_arch_info *ai = hd_arch_info(a);
	return ai ? ai->name : "unknown ABI";
}

int hd_violation_fix(const struct hd_sandbox *sb, int sdver, const struct hd_violation *v, struct hd_fix *f)
{
	*f = (struct hd_fix){ 0 };
	const char *origin = v->verdict.origin ? v->verdict.origin : "SystemCallFilter";
	const char *name = hd_violation_call_name(v);
	if (strcmp(origin, "SystemCallArchitectures") == 0) {
		snprintf(f->setting, sizeof(f->setting), "SystemCallArchitectures=%s", abi_name(v->verdict.abi));
	} else if (strcmp(origin, "SystemCallFilter") == 0 && name) {
		/* in an allow list a plain name adds the call; in a deny list it takes it off the list */
		snprintf(f->setting, sizeof(f->setting), "SystemCallFilter=%s", name);
		return smallest_group(sb, sdver, name, &f->group, &f->group_adds);
	} else if (strcmp(origin, "SystemCallLog") == 0) {
		f->setting[0] = 0; /* logging stops nothing: there is nothing to fix */
	} else if (strcmp(origin, "RestrictAddressFamilies") == 0) {
		const char *fam = hd_af_name((int)v->args[0]);
		if (fam && v->verdict.abi != HD_ARCH_X86)
			snprintf(f->setting, sizeof(f->setting), "RestrictAddressFamilies=%s", fam);
		else /* i386 socketcall(): the family is not visible, only lifting the restriction helps */
			snprintf(f->setting, sizeof(f->setting), "RestrictAddressFamilies=");
	} else if (strcmp(origin, "RestrictNamespaces") == 0) {
		snprintf(f->setting, sizeof(f->setting), "RestrictNamespaces=no");
	} else {
		snprintf(f->setting, sizeof(f->setting), "%s=no", origin);
	}
	return 0;
}

void hd_fix_free(struct hd_fix *f)
{
	hd_strv_free(&f->group_adds);
}

int hd_audit_add(struct hd_audit *a, const struct hd_violation *v)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].arch == v->arch && a->v[i].nr == v->nr) {
			a->v[i].count++;
			return 0;
		}
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 32;
		struct hd_audit_entry *nv = realloc(a->v, nc * sizeof(*nv));
		if (!nv) {
			a->incomplete = true;
			return -ENOMEM;
		}
		a->v = nv;
		a->cap = nc;
	}
	a->v[a->n++] = (struct hd_audit_entry){ .arch = v->arch, .nr = v->nr, .count = 1, .first = *v };
	return 0;
}

void hd_audit_free(struct hd_audit *a)
{
	free(a->v);
	*a = (struct hd_audit){ 0 };
}

bool hd_sandbox_is_lifecycle_key(const char *key)
{
	for (size_t i = 0; lifecycle_keys[i]; i++)
		if (strcmp(lifecycle_keys[i], key) == 0)
			return true;
	return false;
}

int hd_sandbox_apply_unit(const char *path, int sdver, struct hd_seccomp_settings *s, hd_diags *diags,
			  hd_strv *not_enforced)
{
	return hd_sandbox_apply_unit_mounts(path, sdver, s, NULL, NULL, NULL, NULL, diags, not_enforced);
}

int hd_sandbox_apply_unit_mounts(const char *path, int sdver, struct hd_seccomp_settings *s,
				 struct hd_mount_plan *mounts, struct hd_creds *creds, struct hd_devices *devices,
				 struct hd_ipfilter *ip, hd_diags *diags, hd_strv *not_enforced)
{
	struct hd_unit u = { 0 };
	const struct hd_unit_load_options opt = { .sdver = sdver, .parse_only = 1 };
	int r = hd_unit_load(path, &opt, &u, diags);
	if (r >= 0)
		r = hd_sandbox_apply_loaded_unit(&u, sdver, s, mounts, creds, devices, ip, diags, not_enforced);
	hd_unit_free(&u);
	return r < 0 ? r : 0;
}

int hd_sandbox_apply_loaded_unit(const struct hd_unit *u, int sdver, struct hd_seccomp_settings *s,
				 struct hd_mount_plan *mounts, struct hd_creds *creds, struct hd_devices *devices,
				 struct hd_ipfilter *ip, hd_diags *diags, hd_strv *not_enforced)
{
	int r = 0;
	for (size_t i = 0; r >= 0 && i < u->n; i++) {
		const struct hd_unit_assignment *a = &u->v[i];
		if (!a->section || strcmp(a->section, "Service") != 0)
			continue;
		/* the last line of a continued assignment, as systemd names it in its warnings */
		unsigned line = a->line_last ? a->line_last : a->line;
		r = hd_seccomp_apply(s, a->key, a->value, sdver, a->file, line, diags);
		/* a mount setting, or one whose mounts come with its system-call part (PrivateDevices=, ...) */
		if (r >= 0 && mounts && hd_mount_setting(a->key) && (r == 0 || hd_mount_setting_shared(a->key))) {
			/* systemd resolves specifiers in these paths */
			char *x = NULL;
			r = hd_unit_expand_specifiers(u, a->value, &x);
			if (r == -EBADSLT) {
				hd_diag_add(diags, HD_WARNING, a->file, line, "%s=%s: a specifier cannot be resolved, ignored",
					    a->key, a->value);
				r = 0;
			} else if (r >= 0)
				r = hd_mount_plan_add(mounts, a->key, x, a->file, line, diags);
			free(x);
			if (r > 0)
				r = 1; /* enforced: not listed */
			continue;
		}
		if (r == 0 && creds && hd_creds_setting(a->key)) {
			/* systemd resolves specifiers in the names and the directory, not in the capability
			 * lists or the mode */
			bool names = strcmp(a->key, "User") == 0 || strcmp(a->key, "Group") == 0 ||
				     strcmp(a->key, "SupplementaryGroups") == 0 || strcmp(a->key, "WorkingDirectory") == 0;
			char *x = NULL;
			r = names ? hd_unit_expand_specifiers(u, a->value, &x) : 0;
			if (r == -EBADSLT) {
				hd_diag_add(diags, HD_WARNING, a->file, line, "%s=%s: a specifier cannot be resolved, ignored",
					    a->key, a->value);
				r = 0;
			} else if (r >= 0) {
				/* a value systemd ignores (said in a diag) leaves the setting as it was */
				r = hd_creds_add(creds, a->key, x ? x : a->value, a->file, line, diags);
				r = r == -EINVAL ? 0 : r < 0 ? r : 1; /* -ENOEXEC: the unit is refused */
			}
			free(x);
			continue;
		}
		if (r == 0 && devices && hd_devices_setting(a->key)) {
			/* systemd resolves specifiers in DeviceAllow='s path */
			char *x = NULL;
			r = strcmp(a->key, "DeviceAllow") == 0 ? hd_unit_expand_specifiers(u, a->value, &x) : 0;
			if (r == -EBADSLT) {
				hd_diag_add(diags, HD_WARNING, a->file, line, "%s=%s: a specifier cannot be resolved, ignored",
					    a->key, a->value);
				r = 0;
			} else if (r >= 0) {
				/* a value systemd ignores (said in a diag) leaves the setting as it was */
				r = hd_devices_add(devices, a->key, x ? x : a->value, a->file, line, diags);
				r = r == -EINVAL ? 0 : r < 0 ? r : 0;
			}
			free(x);
			continue;
		}
		if (r == 0 && ip && hd_ipfilter_setting(a->key)) {
			r = hd_ipfilter_add(ip, a->key, a->value, a->file, line, diags);
			r = r < 0 ? r : 0;
			continue;
		}
		if (r == 0 && !hd_sandbox_is_lifecycle_key(a->key))
			r = hd_strv_push_unique(not_enforced, a->key);
	}
	if (r >= 0) /* DynamicUser=yes: its NoNewPrivileges= and RestrictSUIDSGID= are enforced */
		hd_seccomp_apply_unit_implications(s, u);
	return r < 0 ? r : 0;
}

bool hd_have_cap_sys_admin(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	bool yes = false;
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "CapEff:", 7) == 0)
			yes = (strtoull(line + 7, NULL, 16) >> 21) & 1; /* CAP_SYS_ADMIN */
	if (f)
		fclose(f);
	return yes;
}
