/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include "util/diag.h"
#include "util/strv.h"

/*
 * The file-system half of a unit's sandbox (and the namespaces of PrivateNetwork=, PrivateIPC= and
 * ProtectHostname=), as systemd 252 sets it up (src/core/namespace.c is the fact; systemd.exec(5) the
 * contract; ../shared/spec/namespace-semantics.md the digest), for harden run: a mount namespace of the
 * command's own in which
 *   ProtectSystem=, ProtectHome=, ReadWritePaths=, ReadOnlyPaths=, InaccessiblePaths=, ExecPaths=,
 *   NoExecPaths=, TemporaryFileSystem=, BindPaths=, BindReadOnlyPaths=, PrivateTmp=, PrivateDevices=,
 *   the mounts of ProtectKernelTunables=, ProtectKernelModules=, ProtectKernelLogs=,
 *   ProtectControlGroups=, ProtectProc=, ProcSubset=, PrivateIPC='s /dev/mqueue and PrivateMounts= (the namespace alone)
 * hold exactly as under systemd. Each setting becomes entries (path, mode) in a plan; symbolic links in a
 * path are resolved (systemd follows them too: /lib/modules is /usr/lib/modules here), the plan is sorted
 * by path, of entries for one path the mode systemd ranks first is kept (taking on the read-only, noexec
 * and exec flags of the others), and entries below an inaccessible one are dropped. Applying it (in the
 * command's process, before the seccomp filter):
 *   1. every entry's own mount, parents first: a bind of the path onto itself (read-only, read-write,
 *      exec, noexec), an empty node of mode 0 over it (inaccessible), a fresh tmpfs, /dev, procfs or
 *      mqueue, or the bind of a BindPaths= source;
 *   2. read-only: every mount at or below an entry with the flag, except those at or below another entry
 *      below it (how ReadWritePaths= inside ProtectSystem=strict, /proc, a private /tmp stay writable);
 *   3. the same for noexec (set) and exec (cleared).
 * The kernel's mount API (open_tree, move_mount, mount_setattr, fsopen/fsmount) does it; nothing is
 * shelled out. A "-" path that does not exist is skipped, as systemd skips it; any other failure is an
 * error, and the command must not run (fail closed).
 *
 * Not modelled here (said by the caller): "+" paths are taken as written (no RootDirectory=), PrivateTmp='s
 * directories are tmpfs (RAM) instead of systemd's directories under /tmp and /var/tmp, a ':' inside a
 * BindPaths= path, and NoNewPrivileges='s nosuid on every mount (no_new_privs already keeps set-uid bits
 * from working).
 */

enum hd_mount_mode {
	/* in systemd's order of precedence for one path: the first wins */
	HD_MOUNT_INACCESSIBLE,
	HD_MOUNT_BIND,           /* BindPaths=SRC:DST:norbind */
	HD_MOUNT_BIND_RECURSIVE, /* BindPaths= (rbind, the default) */
	HD_MOUNT_PRIVATE_TMP,
	HD_MOUNT_PRIVATE_DEV,    /* PrivateDevices=: a tmpfs /dev with the pseudo devices */
	HD_MOUNT_PROCFS,         /* a fresh /proc (ProtectKernelTunables= and kin imply it), options: hidepid= */
	HD_MOUNT_READONLY,
	HD_MOUNT_READWRITE,
	HD_MOUNT_NOEXEC,
	HD_MOUNT_EXEC,
	HD_MOUNT_TMPFS,          /* ProtectHome=tmpfs, TemporaryFileSystem=: options as fsconfig strings */
	HD_MOUNT_MQUEUE,         /* PrivateIPC=: a fresh /dev/mqueue */
	HD_MOUNT_READWRITE_IMPLICIT,
};

struct hd_mount_entry {
	char *path;
	enum hd_mount_mode mode;
	bool ignore_missing; /* "-" prefix, or a path systemd only protects if it exists (/boot, /efi) */
	/* what passes 2 and 3 do at and below it: the mode's own, and those of entries it absorbed */
	bool read_only, noexec, exec;
	char *source;        /* BIND*: the host path bound here */
	char *options;       /* TMPFS: "mode=0755,size=4m,..." (fsconfig keys); PROCFS: "hidepid=...,subset=pid" */
	char *origin;        /* the setting that asked for it: "ProtectSystem=strict", "ReadWritePaths=/x" */
};

struct hd_mount_plan {
	struct hd_mount_entry *v;
	size_t n, cap;
	/* the systemd whose behaviour is modelled (HD_SYSTEMD_252, ...; 0 = 252): set before finish. 252's
	 * ProtectHome=tmpfs is a plain tmpfs (writable, mode 1777): its append_static_mounts() copies only
	 * path, mode and ignore of a table entry, so the table's read_only, mode= and flags are lost; later
	 * versions mount it read-only, 0755 (/root 0700), nodev */
	int sdver;
	hd_strv settings; /* the settings folded in (their keys, once each) */
	/* the values in force, folded like systemd: the last assignment wins, an empty list setting resets */
	char *protect_system, *protect_home, *protect_proc, *proc_subset;
	bool private_tmp, private_devices, protect_kernel_tunables, protect_kernel_modules, protect_kernel_logs,
		protect_control_groups;
	hd_strv rw, ro, inaccessible, exec, noexec; /* raw words ("-/x") */
	hd_strv tmpfs;                              /* TemporaryFileSystem= words: "PATH[:OPTIONS]" */
	hd_strv bind, bind_ro;                      /* BindPaths= words: "[-]SRC[:DST[:OPTIONS]]" */
	/* the other namespaces systemd gives a unit for these settings, made with the mount namespace:
	 * PrivateNetwork= (a network namespace with only the loopback device, up), PrivateIPC= (an IPC
	 * namespace), ProtectHostname= (a UTS namespace: the host's name, which the unit cannot change) */
	bool private_network, private_ipc, private_uts;
	bool private_mounts; /* PrivateMounts=: a mount namespace of its own (rslave), even with no entry */
};

/* Is key one of the settings above? */
bool hd_mount_setting(const char *key);
/* Is it also a seccomp setting (PrivateDevices=, ProtectKernelTunables=, ProtectKernelModules=,
 * ProtectKernelLogs=)? Then the filter folds its system-call part and warns about a bad value; the plan
 * takes its mounts and ignores a bad value quietly. */
bool hd_mount_setting_shared(const char *key);
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
