/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "syscalls/arch.h"
#include "util/diag.h"
#include "util/strv.h"

/*
 * The filter engine: systemd's seccomp-backed settings, parsed with systemd's exact semantics
 * (../shared/spec/filter-semantics.md), and turned into an exact rule set per architecture.
 *
 * Text -> hd_seccomp_settings (hd_seccomp_apply, one assignment at a time, in unit-file order)
 *      -> hd_ruleset per architecture (hd_ruleset_build) -> a seccomp program (sandbox, later).
 */

/* Per-entry action of SystemCallFilter=, as systemd stores it in its name -> value map. */
#define HD_ERRNO_DEFAULT (-1) /* no action of its own: allowed (allow list) / the negative action (deny list) */
#define HD_ERRNO_KILL (-2)    /* ":kill" */

struct hd_syscall_entry {
	char *name; /* syscall name (groups are expanded at parse time, as systemd does) */
	int err;    /* HD_ERRNO_DEFAULT, HD_ERRNO_KILL, or an errno 0..4095 */
};

/* SystemCallFilter= or SystemCallLog=. */
struct hd_syscall_list {
	bool is_set;     /* a non-empty assignment happened since the last reset */
	bool allow_list; /* decided by the first non-empty assignment: no '~' = allow list */
	struct hd_syscall_entry *v;
	size_t n, cap;
};

struct hd_seccomp_settings {
	struct hd_syscall_list filter; /* SystemCallFilter= */
	int error_number;              /* SystemCallErrorNumber=: HD_ERRNO_KILL (default) or 1..4095 */
	struct hd_syscall_list log;    /* SystemCallLog= (entries' err always HD_ERRNO_DEFAULT) */
	hd_strv archs;                 /* SystemCallArchitectures=: systemd names as written ("native", "x86-64") */

	bool af_is_set;                /* RestrictAddressFamilies= */
	bool af_allow_list;
	int *af;                       /* AF_* numbers, unique, sorted */
	size_t n_af;

	uint64_t ns_allowed;           /* RestrictNamespaces=: CLONE_NEW* flags still allowed (default all) */
	bool ns_is_set;                /* RestrictNamespaces= assigned since the last reset: later lists merge */
	uint64_t ns_all;               /* what "all namespaces" means to the systemd these settings were
					* parsed for (its NAMESPACE_FLAGS_ALL): HD_NS_ALL_FLAGS_252 or
					* HD_NS_ALL_FLAGS; set by hd_seccomp_apply */

	bool lock_personality;
	bool memory_deny_write_execute;
	bool restrict_realtime;
	bool restrict_suid_sgid;
	bool protect_kernel_tunables;
	bool protect_kernel_modules;
	bool protect_kernel_logs;
	bool protect_clock;
	bool private_devices;
	bool protect_hostname;
	bool protect_hostname_private; /* ProtectHostname=private (262): a UTS namespace of its own in which
					* the hostname may change, so no seccomp rules (protect_hostname is
					* set too: systemd-analyze counts it as protected) */
	bool no_new_privileges;
};

/* The namespace flags RestrictNamespaces= knows, in systemd's order: cgroup ipc net mnt pid user uts time. */
#define HD_NS_ALL_FLAGS 0x7E020080ULL /* CLONE_NEWCGROUP|IPC|NET|NS|PID|USER|UTS|TIME */
/* systemd 252's NAMESPACE_FLAGS_ALL lacks CLONE_NEWTIME although it parses, prints and blocks "time":
 * "no" and "~x" start from these seven, and a value holding all seven installs no filter at all. */
#define HD_NS_ALL_FLAGS_252 0x7E020000ULL

void hd_seccomp_settings_init(struct hd_seccomp_settings *s);
void hd_seccomp_settings_free(struct hd_seccomp_settings *s);

/*
 * Apply one assignment, as a unit-file line "key=value" in [Service] would be.
 * Returns 1 if key is one of the settings above (value consumed; problems with it are added to
 * diags as warnings naming file:line and the offending word, like systemd logs them), 0 if key is
 * not a seccomp-backed setting (left to the caller), or -ENOMEM.
 * sdver selects the group table (HD_SYSTEMD_252 or HD_SYSTEMD_LATEST).
 */
int hd_seccomp_apply(struct hd_seccomp_settings *s, const char *key, const char *value, int sdver,
		     const char *file, unsigned line, hd_diags *diags);

struct hd_unit;
/* Apply every seccomp-backed assignment of u's [Service] section in order (main file, then
 * drop-ins), warnings naming the file and the line systemd names. The number applied, or -errno. */
int hd_seccomp_apply_unit(struct hd_seccomp_settings *s, const struct hd_unit *u, int sdver, hd_diags *diags);
/* What loading u implies for these settings beyond its lines, as systemd 252 does when it loads a unit
 * (unit_patch_contexts): DynamicUser=yes turns NoNewPrivileges= and RestrictSUIDSGID= on, so that a
 * dynamic user can neither gain privileges nor leave set-uid/set-gid files behind. Called by
 * hd_seccomp_apply_unit; callers that fold u's lines themselves call it after them. */
void hd_seccomp_apply_unit_implications(struct hd_seccomp_settings *s, const struct hd_unit *u);

/* Problems only visible once every assignment is in (e.g. filters systemd could not install, see
 * hd_ruleset.install_error), added to diags as warnings naming file (may be NULL). 0 or -errno. */
int hd_seccomp_check(const struct hd_seccomp_settings *s, int sdver, const char *file, hd_diags *diags);

/*
 * RestrictNamespaces= as systemd installs it. False when it installs no namespace filter (the allowed
 * set holds every flag of s->ns_all: then even namespaces outside that set, time in 252, stay
 * allowed). Else true with *blocked = the CLONE_NEW* flags (of HD_NS_ALL_FLAGS) whose
 * unshare/clone/setns are refused, and *setns_all = setns() is refused whatever its arguments (no
 * flag of s->ns_all allowed). Either pointer may be NULL.
 */
bool hd_seccomp_ns_filter(const struct hd_seccomp_settings *s, uint64_t *blocked, bool *setns_all);

/* True if key is a setting hd_seccomp_apply handles. */
bool hd_seccomp_is_setting(const char *key);

/* The keys hd_seccomp_apply handles, NULL-terminated, in systemd's installation order. */
extern const char *const hd_seccomp_keys[];

/*
 * key's value as `systemctl show -p KEY` prints it (SystemCallFilter, SystemCallErrorNumber,
 * SystemCallArchitectures, SystemCallLog, RestrictAddressFamilies, RestrictNamespaces, and the
 * booleans as yes/no). *out is malloc'd. 0, -ENOENT for a key not handled here, or -ENOMEM.
 */
int hd_seccomp_format(const struct hd_seccomp_settings *s, const char *key, char **out);

/* ---- rule sets ---- */

typedef enum {
	HD_ACT_ALLOW,
	HD_ACT_LOG,   /* allowed and logged (SystemCallLog=) */
	HD_ACT_ERRNO, /* fails with errno_value */
	HD_ACT_KILL,  /* the whole process is killed with SIGSYS */
} hd_action_kind;

typedef struct hd_action {
	hd_action_kind kind;
	int errno_value; /* for HD_ACT_ERRNO */
} hd_action;

/* An argument comparison as seccomp makes them: (arg[index] & mask) OP datum. */
enum hd_cmp_op { HD_CMP_EQ, HD_CMP_NE, HD_CMP_LT, HD_CMP_LE, HD_CMP_GT, HD_CMP_GE, HD_CMP_MASKED_EQ };
struct hd_arg_cmp {
	unsigned arg;
	enum hd_cmp_op op;
	uint64_t mask; /* for HD_CMP_MASKED_EQ */
	uint64_t datum;
};
#define HD_RULE_MAX_CMPS 3

struct hd_rule {
	int nr;             /* number on the rule set's architecture */
	char *name;
	hd_action action;
	unsigned n_cmps;    /* 0: unconditional; else all comparisons must hold */
	struct hd_arg_cmp cmps[HD_RULE_MAX_CMPS];
	const char *origin; /* the setting that produced it: "SystemCallFilter", "SystemCallLog", ... */
};

/* What the kernel will do, per syscall number, on one architecture. */
struct hd_ruleset {
	hd_arch arch;
	hd_action default_action;
	struct hd_rule *v; /* sorted by nr, then origin */
	size_t n, cap;
	hd_strv unresolved; /* names from the settings that are not syscalls on this architecture */
	/* Non-NULL (malloc'd): systemd could not install these filters at all and the service would not
	 * start; says why. (systemd 252: an allow-list entry whose own action equals the default action
	 * -- "~x:EPERM" with SystemCallErrorNumber=EPERM, "~x:kill" with the default kill -- makes
	 * libseccomp refuse the rule with EACCES, which systemd treats as fatal.) The rules still say
	 * what the filter would do. */
	char *install_error;
};

/*
 * Build the rule set of SystemCallFilter= (+ SystemCallErrorNumber=, SystemCallLog=) on arch, with
 * systemd sdver's semantics (latest: allow lists return ENOSYS for syscalls newer than its table).
 * 0 or -errno.
 */
int hd_ruleset_build(const struct hd_seccomp_settings *s, hd_arch arch, int sdver, struct hd_ruleset *out);
/*
 * The same plus every other seccomp-backed setting systemd installs as its own stacked filter
 * (ProtectHostname, RestrictAddressFamilies, MemoryDenyWriteExecute, RestrictRealtime, RestrictSUIDSGID,
 * RestrictNamespaces, ProtectKernelTunables/Modules/Logs, ProtectClock, PrivateDevices, LockPersonality):
 * the whole verdict of the kernel. Those add unconditional rules (merged: strictest verdict wins, an
 * ERRNO tie goes to the later-installed filter) and conditional ones (n_cmps > 0, origin = the setting):
 * when all comparisons of a conditional rule hold, the call gets that rule's action, which already
 * accounts for the unconditional verdict; when several hold, the strictest. Conditional rules that could
 * never change the verdict are left out. 0 or -errno. (hd_ruleset_build itself stays limited to
 * SystemCallFilter/ErrorNumber/Log/Architectures.)
 */
int hd_ruleset_build_full(const struct hd_seccomp_settings *s, hd_arch arch, int sdver, struct hd_ruleset *out);
void hd_ruleset_free(struct hd_ruleset *rs);
/* The action for nr from unconditional rules or the default; *conditional (may be NULL) is set when
 * conditional rules also exist for nr. */
hd_action hd_ruleset_action(const struct hd_ruleset *rs, int nr, bool *conditional);
/* Index of the first rule for nr (rules are sorted by number), or where one would be inserted. */
size_t hd_ruleset_lower_bound(const struct hd_ruleset *rs, int nr);

/* Which of two verdicts the kernel returns when stacked filters disagree: KILL > ERRNO > LOG > ALLOW.
 * Between two ERRNOs, the later-installed filter's value wins: pass the later one as b. */
hd_action hd_action_strictest(hd_action a, hd_action b);
bool hd_action_equal(hd_action a, hd_action b);
bool hd_action_allows(hd_action a); /* ALLOW or LOG: the call runs */
/* "allow", "log", "kill", "errno EPERM" / "errno 200"; returns buf. */
const char *hd_action_format(hd_action a, char *buf, size_t size);

/* False when SystemCallArchitectures= kills every call of arch (the native one is never blocked). */
bool hd_seccomp_arch_allowed(const struct hd_seccomp_settings *s, hd_arch arch);

/* The architectures a service of this build runs filters for (native ABIs, e.g. x86-64 x86 x32) plus
 * every one named in SystemCallArchitectures=, unique, native first. Returns the count. */
size_t hd_seccomp_ruleset_archs(const struct hd_seccomp_settings *s, hd_arch out[HD_ARCH_COUNT]);

/* hd_seccomp_ruleset_archs plus each of extra[] not among them (harden show --arch), in that order. */
size_t hd_seccomp_report_archs(const struct hd_seccomp_settings *s, const hd_arch *extra, size_t n_extra,
			       hd_arch out[HD_ARCH_COUNT]);

/* A syscall that b lets run (allow/log) and a does not. */
struct hd_ruleset_delta {
	char *name;
	int nr;
	hd_action in_a, in_b;   /* the unconditional verdicts */
	bool conditional;       /* conditional rules exist for nr in a or b; when in_a allows too, a
				 * refuses some arguments (conditional rules) that b has no conditions on */
};
struct hd_ruleset_diff {
	struct hd_ruleset_delta *v;
	size_t n, cap;
};
/* Every syscall of the architecture (every name harden knows that has a number there, plus numbers
 * that appear in either rule set) that b allows and a does not -- or that both allow but a only for
 * some arguments while b has no conditions -- sorted by name. a and b must be for the same
 * architecture (-EINVAL otherwise). 0 or -errno. */
int hd_ruleset_diff(const struct hd_ruleset *a, const struct hd_ruleset *b, struct hd_ruleset_diff *out);
void hd_ruleset_diff_free(struct hd_ruleset_diff *d);
/* What b lets run on arch that a does not: both rule sets built in full (hd_ruleset_build_full) and
 * diffed. 0 or -errno. */
int hd_seccomp_diff(const struct hd_seccomp_settings *a, const struct hd_seccomp_settings *b, hd_arch arch,
		    int sdver, struct hd_ruleset_diff *out);
