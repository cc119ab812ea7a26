/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include "util/diag.h"
#include "util/strv.h"

/*
 * The file-system half of a unit's sandbox (and the namespaces of PrivateNetwork=, PrivateIPC= and
 * ProtectHostname=), as systemd 252 sets it up (src/core/namespace.c is the fact;
 * systemd.exec(5) the contract), for harden run: a mount namespace of the command's own in which
 *   ProtectSystem=yes|full|strict, ProtectHome=yes|read-only|tmpfs, ReadWritePaths=, ReadOnlyPaths=,
 *   InaccessiblePaths= and PrivateTmp=
 * hold exactly as under systemd. Each setting becomes entries (path, mode) in a plan; the plan is sorted
 * by path, and of entries for one path the mode systemd ranks first is kept (inaccessible, then private
 * /tmp, read-only, read-write, tmpfs, then the implicit read-write paths that ProtectSystem=strict keeps:
 * /dev, /proc, /sys, the homes). Applying it (in the command's process, before the seccomp filter):
 *   1. every entry is bound onto itself (read-only and read-write ones), or covered by an empty
 *      directory of mode 0 (inaccessible), or by an empty tmpfs (tmpfs: read-only, private /tmp: 1777);
 *   2. every read-only entry is made read-only with each mount below it, except the mounts at or below
 *      an entry that is not read-only.
 * The kernel's mount API (open_tree, move_mount, mount_setattr, fsopen/fsmount) does it; nothing is
 * shelled out. A "-" path that does not exist is skipped, as systemd skips it; any other failure is an
 * error, and the command must not run (fail closed).
 *
 * Not modelled here (said by the caller): "+" paths are taken as written (no RootDirectory=), an
 * inaccessible path that is neither a directory nor a regular file is refused, and PrivateTmp='s
 * directories are tmpfs (RAM) instead of systemd's directories under /tmp and /var/tmp.
 */

enum hd_mount_mode {
	/* in systemd's order of precedence for one path: the first wins */
	HD_MOUNT_INACCESSIBLE,
	HD_MOUNT_PRIVATE_TMP,
	HD_MOUNT_READONLY,
	HD_MOUNT_READWRITE,
	HD_MOUNT_TMPFS,
	HD_MOUNT_READWRITE_IMPLICIT,
};

struct hd_mount_entry {
	char *path;
	enum hd_mount_mode mode;
	bool ignore_missing; /* "-" prefix, or a path systemd only protects if it exists (/boot, /efi) */
	char *origin;        /* the setting that asked for it: "ProtectSystem=strict", "ReadWritePaths=/x" */
};

struct hd_mount_plan {
	struct hd_mount_entry *v;
	size_t n, cap;
	hd_strv settings; /* the settings folded in (their keys, once each) */
	/* the values in force, folded like systemd: the last assignment wins, an empty list setting resets */
	char *protect_system, *protect_home;
	bool private_tmp;
	hd_strv rw, ro, inaccessible; /* raw words ("-/x") */
	/* the other namespaces systemd gives a unit for these settings, made with the mount namespace:
	 * PrivateNetwork= (a network namespace with only the loopback device, up), PrivateIPC= (an IPC
	 * namespace), ProtectHostname= (a UTS namespace: the host's name, which the unit cannot change) */
	bool private_network, private_ipc, private_uts;
};

/* Is key one of the settings above? */
bool hd_mount_setting(const char *key);
/* Fold one assignment in (file/line for messages). 1 folded, 0 not a mount setting, -EINVAL (a diag names
 * the value), -ENOMEM. */
int hd_mount_plan_add(struct hd_mount_plan *p, const char *key, const char *value, const char *file, unsigned line,
		      hd_diags *d);
/* The entries of the folded settings, sorted and deduplicated (call once, after every add). 0 or -ENOMEM. */
int hd_mount_plan_finish(struct hd_mount_plan *p);
bool hd_mount_plan_empty(const struct hd_mount_plan *p); /* no mount and no other namespace */
void hd_mount_plan_free(struct hd_mount_plan *p);

/* In the command's process: a mount namespace of its own (mounts do not propagate back), then the plan.
 * 0, or -errno with *failed set to the entry that failed (NULL: the namespace itself). Needs
 * CAP_SYS_ADMIN; the caller checks first (hd_mount_plan_can_apply). */
int hd_mount_plan_apply(const struct hd_mount_plan *p, const struct hd_mount_entry **failed);
/* Whether this process can apply a plan here (privilege, the kernel's mount API): NULL, or why not. */
const char *hd_mount_plan_cannot_apply(void);
