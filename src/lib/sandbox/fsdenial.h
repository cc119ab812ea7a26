/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include "sandbox/mounts.h"
#include "util/strv.h"

/*
 * Which file-system setting made a call fail, and what to change (harden run's report of the calls its
 * tracer saw fail under a mount plan). A pure function of the plan, the failed call and what the host has
 * at the paths (asked through a probe, so that tests can give any host).
 *
 * The entry that covers a path is the deepest entry of the plan at or above it (the plan's mounts nest
 * like that: a deeper entry's mount is on top). It is to blame when the error is the one its mount gives:
 *  - EROFS, for a call that writes: a read-only entry (ProtectSystem=, ProtectHome=read-only,
 *    ReadOnlyPaths=), or the read-only tmpfs of an inaccessible path or of ProtectHome=tmpfs; not when the
 *    host's own mount there is read-only already (the setting changed nothing);
 *  - EACCES: an inaccessible entry (its mode-0 directory or file; ProtectHome=yes), at or below it;
 *  - ENOENT: a path strictly below an entry that hides what the host has there (inaccessible, tmpfs,
 *    private /tmp), when the host has it (a create: its directory): else it failed on the host too;
 *  - EBUSY, for a remove or rename: the path is an entry's mount point.
 * Nothing else is a mount setting's doing: EPERM comes from capabilities, file attributes or the seccomp
 * filter, and a path no entry covers (or one a ReadWritePaths= or /proc-like entry keeps) failed on its own.
 *
 * The fix, by the setting: a read-only entry -> ReadWritePaths= the nearest directory the host has at or
 * above what the call wanted to write (as the unit-path writer writes it, so systemd reads it back
 * exactly); ProtectHome=yes|tmpfs -> ProtectHome=read-only (and that ReadWritePaths= for a write);
 * PrivateTmp=yes -> PrivateTmp=no; InaccessiblePaths= -> remove that assignment.
 */

/* What the host has at a path, seen from outside the command's namespace. */
struct hd_fs_probe {
	bool (*exists)(void *ctx, const char *path);
	bool (*is_dir)(void *ctx, const char *path);
	bool (*read_only)(void *ctx, const char *path); /* the host's mount holding path is read-only */
	void *ctx;
};
/* The real file system (stat, statvfs). */
extern const struct hd_fs_probe hd_fs_probe_host;

struct hd_fs_denial {
	const struct hd_mount_entry *entry; /* the plan's entry to blame (its origin is the setting) */
	hd_strv fix;                        /* unit-file lines that let the call through */
	const char *remove;                 /* or: this assignment (entry->origin) to take out; NULL */
	char *dir;                          /* the directory ReadWritePaths= would name (NULL: none) */
	const char *unwritable;             /* dir cannot be written in a unit file: why (no line for it) */
};

/* A call that failed with err: path as it named it (absolute, normalized), target what it would have
 * written (the path, or its directory for a create or remove; NULL for a read). 1 and *out filled when a
 * setting of p caused it, 0 when none did, -ENOMEM. Free *out with hd_fs_denial_free either way. */
int hd_fs_denial_explain(const struct hd_mount_plan *p, const char *path, const char *target, int err,
			 const struct hd_fs_probe *probe, struct hd_fs_denial *out);
void hd_fs_denial_free(struct hd_fs_denial *d);
