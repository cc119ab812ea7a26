/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "unit/capability.h"
#include "util/diag.h"
#include "util/strv.h"

/*
 * The credential half of a unit's sandbox, as systemd 252 takes it for a service's process, for harden
 * run: CapabilityBoundingSet=, AmbientCapabilities=, User=, Group=, SupplementaryGroups=, UMask= and
 * WorkingDirectory=, plus the capabilities other settings take out of the bounding set.
 *
 * The facts (systemd v252):
 * - a capability list is words, each a name (case does not matter) or a number 0..63; a word that is
 *   neither is skipped without a word (src/basic/cap-list.c capability_set_from_string); "~" keeps
 *   every capability but the listed ones; an empty value, "~" alone, or a line that meets the
 *   setting's initial value (all for the bounding set, none for the ambient set) replaces what was
 *   there, any other line is added to it (ORed, or with "~" taken out of it)
 *   (src/core/load-fragment.c config_parse_capability_set);
 * - PrivateDevices= takes CAP_MKNOD and CAP_SYS_RAWIO out of the bounding set, ProtectKernelModules=
 *   CAP_SYS_MODULE, ProtectKernelLogs= CAP_SYSLOG, ProtectClock= CAP_SYS_TIME and CAP_WAKE_ALARM;
 *   ProtectKernelTunables= and ProtectHostname= take none (src/core/unit.c unit_patch_contexts);
 * - User= is a name or a number that the user database knows ("root"/0 and "nobody"/65534 are known
 *   without it); its primary group is the group unless Group= names one; with a User= and a group other
 *   than 0 the supplementary groups are the user's from the group database (initgroups), and
 *   SupplementaryGroups= adds to them (or, without a User=, replaces the inherited ones); without
 *   either, the groups are left as they are (src/core/execute.c get_supplementary_groups,
 *   enforce_groups; src/basic/user-util.c get_user_creds);
 * - UMask= is octal, 0022 by default; WorkingDirectory= is an absolute path or "~" (the user's home),
 *   "-" first: a missing directory is no error (load-fragment.c config_parse_working_directory,
 *   execute.c apply_working_directory);
 * - in the process, after the mount namespace: setgroups and setresgid, the bounding set dropped (and
 *   the same capabilities taken out of the inheritable set), the inheritable and ambient sets made
 *   exactly the ambient capabilities still in the bounding set, setresuid (with keep-caps while there
 *   are ambient capabilities, then the ambient set raised again), chdir, then NoNewPrivileges= and the
 *   seccomp filter (execute.c exec_child, enforce_user; src/basic/capability-util.c).
 */

struct hd_creds {
	/* folded as systemd folds its lines (see above) */
	uint64_t bounding;      /* HD_CAP_ALL while no line set it */
	uint64_t ambient;       /* 0 while no line set it */
	char *user, *group;     /* NULL: not set (an empty value resets) */
	hd_strv supplementary;  /* names or numbers, as written */
	bool umask_set;
	mode_t umask;           /* 0022 unless UMask= */
	char *working_directory; /* NULL: not set; "~": the user's home */
	bool working_directory_missing_ok;
	hd_strv settings;       /* the keys folded in, once each, in order */
};

void hd_creds_init(struct hd_creds *c);
void hd_creds_free(struct hd_creds *c);
/* Is key one of the settings above? */
bool hd_creds_setting(const char *key);
/* Fold one assignment in (file/line for messages). 1 folded, 0 not a credential setting, -EINVAL (a
 * warning says why; systemd ignores such a line), -ENOEXEC (an error says why; systemd refuses to load
 * the unit: a user or group that is no name, a relative WorkingDirectory=), -ENOMEM. A capability word that is no capability is
 * skipped, as systemd skips it, with a warning. */
int hd_creds_add(struct hd_creds *c, const char *key, const char *value, const char *file, unsigned line,
		 hd_diags *d);
/* The capabilities other settings take out of the bounding set (unit_patch_contexts), once every line
 * is in. */
void hd_creds_patch(struct hd_creds *c, bool private_devices, bool protect_kernel_modules,
		    bool protect_kernel_logs, bool protect_clock);

/* ---- what the command's process does, resolved in the parent (names looked up, sets computed) ---- */

struct hd_creds_plan {
	bool set_groups;         /* setgroups(groups) */
	gid_t *groups;
	size_t n_groups;
	bool set_gid, set_uid;   /* setresgid(gid), setresuid(uid) */
	gid_t gid;
	uid_t uid;
	bool drop_bounding;      /* PR_CAPBSET_DROP every capability up to last_cap not in keep */
	uint64_t keep;
	int last_cap;
	bool set_caps;           /* inheritable and ambient made exactly `ambient` (libcap-ng state below) */
	uint64_t ambient;        /* AmbientCapabilities= less what the bounding set lacks */
	bool set_umask;
	mode_t umask;
	char *cwd;               /* NULL: left as it is */
	bool cwd_missing_ok;
	bool ids_stand_in;       /* --exec-ids' ids were taken instead of the unit's User=/Group= */
};

/* Which step of hd_creds_apply failed: the setting to name. */
enum hd_creds_step {
	HD_CREDS_STEP_NONE,
	HD_CREDS_STEP_GROUPS,     /* SupplementaryGroups= (or the user's groups) */
	HD_CREDS_STEP_GID,        /* Group= */
	HD_CREDS_STEP_BOUNDING,   /* CapabilityBoundingSet= */
	HD_CREDS_STEP_AMBIENT,    /* AmbientCapabilities= */
	HD_CREDS_STEP_UID,        /* User= */
	HD_CREDS_STEP_CWD,        /* WorkingDirectory= */
};
const char *hd_creds_step_setting(enum hd_creds_step step);

/* Ids given in place of User=/Group= (harden run --exec-ids): the uid and gid, and with them the groups
 * {gid} and SupplementaryGroups=; keep: this process's own ids, whatever the unit says (a "!"
 * command), with the groups of User= as initgroups gives them (systemd 252 calls it before it knows
 * the command keeps root) and without SupplementaryGroups=. */
struct hd_creds_ids {
	bool given, keep;
	uid_t uid;
	gid_t gid;
};

/* Look the names up and compute the sets: 0, or -errno with an error diag naming the setting (an
 * unknown user or group: -ESRCH). */
int hd_creds_resolve(const struct hd_creds *c, const struct hd_creds_ids *ids, struct hd_creds_plan *p,
		     hd_diags *d);
/* The settings this process cannot apply here (not root: no CAP_SETUID/CAP_SETGID for User=/Group=,
 * no CAP_SETPCAP to drop from the bounding set, ambient capabilities it does not hold), pushed to
 * cannot; with drop, they are taken out of the plan (--allow-partial). 0 or -ENOMEM. */
int hd_creds_plan_check(struct hd_creds_plan *p, bool drop, hd_strv *cannot);
/* Whether the plan changes anything at all. */
bool hd_creds_plan_empty(const struct hd_creds_plan *p);
/* Whether the command ends up with a uid other than 0 (the filter then needs NoNewPrivileges=). */
bool hd_creds_plan_drops_root(const struct hd_creds_plan *p);
void hd_creds_plan_free(struct hd_creds_plan *p);

/* In the parent, right before the command's process is made: loads libcap-ng's state with this
 * process's sets and the new inheritable and ambient ones, which the child inherits and applies with
 * capset and prctl alone. 0 or -errno. */
int hd_creds_prepare(const struct hd_creds_plan *p);
/* In the command's process, after the mount namespace, before the filter: only system calls (no
 * allocation, no lookups). 0, or -errno with *failed set to the step. */
int hd_creds_apply(const struct hd_creds_plan *p, enum hd_creds_step *failed);
