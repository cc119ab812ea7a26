/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <sys/types.h>
#include "unit/unit.h"
#include "util/diag.h"
#include "util/strv.h"

/*
 * The directories systemd makes for a service before its first command runs (systemd.exec(5),
 * "Paths"): RuntimeDirectory= under /run, StateDirectory= under /var/lib, CacheDirectory= under
 * /var/cache, LogsDirectory= under /var/log, ConfigurationDirectory= under /etc. Each is made with its
 * *DirectoryMode= (default 0755), parents as needed (0755, root), owned by User=/Group= (except the
 * configuration one, which stays root's), and named in $RUNTIME_DIRECTORY, $STATE_DIRECTORY, ...
 * (colon-separated full paths). At stop the runtime ones are removed unless RuntimeDirectoryPreserve=yes.
 *
 * Not done as systemd does, and said (hd_service_dirs.not_done): an existing directory's content is not
 * chowned recursively; a "DIR:LINK" entry (a symlink systemd adds) is refused; a runtime directory that
 * was there before harden made it is left at stop (a live copy of the service may be using it).
 */

enum hd_service_dir_kind {
	HD_DIR_RUNTIME,
	HD_DIR_STATE,
	HD_DIR_CACHE,
	HD_DIR_LOGS,
	HD_DIR_CONFIGURATION,
	HD_DIR_KINDS,
};

struct hd_service_dir {
	enum hd_service_dir_kind kind;
	char *path;  /* absolute: "/run/sshd" */
	mode_t mode; /* *DirectoryMode= */
};

struct hd_service_dirs {
	struct hd_service_dir *v;
	size_t n;
	bool preserve_runtime; /* RuntimeDirectoryPreserve=yes */
	hd_strv not_done;      /* what is not emulated, for the user */
};

/* The directory settings of u's [Service] section, in systemd's order. 0, or -EINVAL with a diag naming
 * FILE:LINE (an absolute path, "..", a bad mode); -ENOMEM. */
int hd_service_dirs_parse(const struct hd_unit *u, struct hd_service_dirs *out, hd_diags *d);
/* "RUNTIME_DIRECTORY=/run/a:/run/b" and the others that are set, appended to env. 0 or -ENOMEM. */
int hd_service_dirs_env(const struct hd_service_dirs *dirs, hd_strv *env);
/* path is one of the directories, or under one (WorkingDirectory= may name one before it exists). */
bool hd_service_dirs_cover(const struct hd_service_dirs *dirs, const char *path);
/* Make them (root only when owner is set), as systemd does before ExecStartPre=. made receives each
 * directory that did not exist before (the runtime ones among them are removed by
 * hd_service_dirs_cleanup). 0, or -errno with a diag naming the directory. */
int hd_service_dirs_make(const struct hd_service_dirs *dirs, bool set_owner, uid_t uid, gid_t gid, hd_strv *made,
			 hd_diags *d);
/* At stop: remove the runtime directories harden made (made), with what is in them, unless
 * RuntimeDirectoryPreserve=yes; never following a symlink. 0, or -errno of the first that failed. */
int hd_service_dirs_cleanup(const struct hd_service_dirs *dirs, const hd_strv *made);
void hd_service_dirs_free(struct hd_service_dirs *dirs);
