/* SPDX-License-Identifier: MIT */
#pragma once
#include "unit/capability.h"
#include <stdbool.h>
#include <stdint.h>
#include "util/diag.h"
#include "filter/filter.h"
#include "util/strv.h"
#include "unit/unit.h"

/*
 * Typed settings of a service unit: everything the exposure checks (assess.h) read, folded from a
 * struct hd_unit's assignments in order, with systemd's value parsing (invalid values are warned
 * about and ignored, a few are fatal exactly where systemd refuses the unit) and its load-time
 * implications (DynamicUser=, PrivateDevices=, ProtectKernel*=, ProtectClock= ...).
 *
 * Seccomp-backed settings (SystemCallFilter=, RestrictAddressFamilies=, RestrictNamespaces=,
 * NoNewPrivileges= ...) are delegated to the filter engine (hd_seccomp_apply) and live in .seccomp.
 */

enum hd_protect_home { HD_PROTECT_HOME_NO, HD_PROTECT_HOME_YES, HD_PROTECT_HOME_READ_ONLY, HD_PROTECT_HOME_TMPFS };
enum hd_protect_system { HD_PROTECT_SYSTEM_NO, HD_PROTECT_SYSTEM_YES, HD_PROTECT_SYSTEM_FULL, HD_PROTECT_SYSTEM_STRICT };
enum hd_keyring_mode { HD_KEYRING_INHERIT, HD_KEYRING_PRIVATE, HD_KEYRING_SHARED };
enum hd_protect_proc { HD_PROTECT_PROC_DEFAULT, HD_PROTECT_PROC_NOACCESS, HD_PROTECT_PROC_INVISIBLE, HD_PROTECT_PROC_PTRACEABLE };
enum hd_proc_subset { HD_PROC_SUBSET_ALL, HD_PROC_SUBSET_PID };
enum hd_notify_access { HD_NOTIFY_NONE, HD_NOTIFY_ALL, HD_NOTIFY_MAIN, HD_NOTIFY_EXEC };
enum hd_device_policy { HD_DEVICE_POLICY_AUTO, HD_DEVICE_POLICY_CLOSED, HD_DEVICE_POLICY_STRICT };
enum hd_service_type {
	HD_SERVICE_TYPE_UNSET = -1,
	HD_SERVICE_SIMPLE,
	HD_SERVICE_EXEC,
	HD_SERVICE_FORKING,
	HD_SERVICE_ONESHOT,
	HD_SERVICE_DBUS,
	HD_SERVICE_NOTIFY,
	HD_SERVICE_NOTIFY_RELOAD, /* systemd >= 253 only */
	HD_SERVICE_IDLE,
};

/* Tri-state for settings whose "unset" differs from "no" in some systemd version. */
#define HD_UNSET (-1)

/* Capability numbers and names: unit/capability.h (HD_CAP_LAST, HD_CAP_BIT, HD_CAP_ALL). */

struct hd_settings {
	char *unit_name; /* "foo.service", "foo@i.service" */

	/* [Unit] */
	bool default_dependencies;

	/* identity */
	char *user;   /* User= after specifier expansion; NULL = unset */
	char *group;  /* Group= */
	bool dynamic_user;
	hd_strv supplementary_groups;

	/* file system and namespaces */
	int private_mounts; /* HD_UNSET, 0, 1 */
	bool private_network, private_tmp, private_users, protect_control_groups;
	enum hd_protect_home protect_home;
	enum hd_protect_system protect_system;
	char *root_directory, *root_image;

	/* capabilities (bit masks of HD_CAP_BIT) */
	uint64_t capability_bounding_set;
	uint64_t ambient_capabilities;

	unsigned umask;
	enum hd_keyring_mode keyring_mode;
	enum hd_protect_proc protect_proc;
	enum hd_proc_subset proc_subset;
	enum hd_notify_access notify_access;
	bool remove_ipc;
	bool delegate;

	/* IP access lists, reduced to what the exposure checks need */
	bool ip_deny_any_ipv4, ip_deny_any_ipv6; /* IPAddressDeny= holds a /0 of that family */
	unsigned ip_allow_localhost, ip_allow_other; /* counts of IPAddressAllow= prefixes */
	hd_strv ip_ingress_filters, ip_egress_filters; /* IPIngressFilterPath=, IPEgressFilterPath= */

	enum hd_device_policy device_policy;
	hd_strv device_allow; /* "PATH RIGHTS", in order; implied entries appended at load time */

	/* service bookkeeping, for systemd's refusals (service_verify) */
	enum hd_service_type type;
	unsigned n_exec_start, n_exec_stop, n_exec_other;
	bool has_success_action, remain_after_exit, has_bus_name, has_pam_name;
	bool restart_forbidden_for_oneshot; /* Restart=always/on-success */
	bool kill_mode_allows_pam;          /* KillMode= control-group (default) or mixed */

	/* seccomp-backed settings and booleans (NoNewPrivileges=, ProtectKernel*= ...) */
	struct hd_seccomp_settings seccomp;
};

/* Defaults of a system service before any line is read (systemd 252's). */
void hd_settings_init(struct hd_settings *s);
void hd_settings_free(struct hd_settings *s);

/*
 * Apply one assignment of section [section]. Returns 1 if the key is one this module (or the filter
 * engine) knows, 0 if not, -ENOMEM, or -ENOEXEC when the value is fatal for systemd (the unit would
 * be refused; an HD_ERROR naming file:line is added). Problems systemd only warns about become
 * HD_WARNING diags naming file:line; the setting keeps its previous value.
 */
int hd_settings_apply(struct hd_settings *s, const struct hd_unit *u, const char *section, const char *key,
		      const char *value, int sdver, const char *file, unsigned line, hd_diags *diags);

/*
 * Everything at once: init, fold every assignment of u in order, then the load-time implications and
 * systemd's refusal checks. 0, or -ENOEXEC when systemd would refuse the unit (an HD_ERROR in diags
 * says why, naming file:line where there is one), or -ENOMEM. On error *out is still initialised and
 * must be freed.
 */
int hd_settings_from_unit(const struct hd_unit *u, int sdver, struct hd_settings *out, hd_diags *diags);

/* The load-time implications alone (called by hd_settings_from_unit; exposed for tests and --fix). */
int hd_settings_finalize(struct hd_settings *s);

/* "User is root" as the exposure checks define it: User= is 0/root, or no User= and no DynamicUser=. */
bool hd_settings_runs_privileged(const struct hd_settings *s);


