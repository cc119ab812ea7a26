/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include "syscalls/groups_table.h"
#include "util/strv.h"

/* systemd versions whose group tables harden reproduces. */
#define HD_SYSTEMD_252 252
#define HD_SYSTEMD_LATEST 9999

/* "252" or "latest" -> version; -EINVAL otherwise. */
int hd_systemd_version_parse(const char *s, int *out);
/* The installed systemd's major version if it is one we model (252), else HD_SYSTEMD_LATEST. */
int hd_systemd_version_default(void);
const char *hd_systemd_version_name(int sdver); /* "252" / "latest" */

bool hd_group_member_present(const struct hd_group_member *m, int sdver);
/* Iterate the groups a version has, in table order: start with prev = NULL. */
const struct hd_group_def *hd_group_next(const struct hd_group_def *prev, int sdver);
/* Look up "@name" for a version; NULL if that version has no such group. */
const struct hd_group_def *hd_group_find(const char *name, int sdver);
/* All syscall names a group holds, nested groups expanded, appended to out (unique, unsorted). */
int hd_group_expand(const struct hd_group_def *g, int sdver, hd_strv *out);
bool hd_group_contains(const struct hd_group_def *g, int sdver, const char *syscall);
/* Every chain of groups leading to syscall, one string per chain, outermost first, separated by
 * single spaces: "@system-service @chown", "@privileged @chown", "@chown", "@known". */
int hd_group_paths(const char *syscall, int sdver, hd_strv *out);
