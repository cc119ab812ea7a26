/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include "syscalls/groups_table.h"
#include "util/strv.h"

/* systemd versions whose semantics harden reproduces: every major release from 252 to 262, each as its
 * newest stable point release harden has the facts of. 252, 257 and 262 have an oracle (the real
 * program's outputs in ../shared/corpus/expected-systemdN: 252.38, 257.13, 262.1); the others are read
 * from systemd's git tags (253.26, 254.27, 255.22, 256.17, 258.10, 259.8, 260.4, 261.2: the table in
 * groups_table.c says where). Any other version is refused, never mapped to a neighbour. */
#define HD_SYSTEMD_252 252
#define HD_SYSTEMD_253 253
#define HD_SYSTEMD_254 254
#define HD_SYSTEMD_255 255
#define HD_SYSTEMD_256 256
#define HD_SYSTEMD_257 257
#define HD_SYSTEMD_258 258
#define HD_SYSTEMD_259 259
#define HD_SYSTEMD_260 260
#define HD_SYSTEMD_261 261
#define HD_SYSTEMD_262 262
#define HD_SYSTEMD_LATEST HD_SYSTEMD_262

/* The modelled versions, oldest first, 0-terminated. */
extern const int hd_systemd_versions[];

/* "252" ... "262" or "latest" -> version; -EINVAL otherwise (-ERANGE: a number harden does not model). */
int hd_systemd_version_parse(const char *s, int *out);
bool hd_systemd_version_modelled(int sdver);
/* "252, 253, ..., 262": the modelled versions, for messages. */
const char *hd_systemd_versions_list(void);

/* How the default was picked: the installed systemd's major version if it is one we model, else latest. */
enum hd_sdver_origin {
	HD_SDVER_INSTALLED,    /* the installed systemd, modelled */
	HD_SDVER_UNMODELLED,   /* a systemd is installed, but harden does not model its version: latest */
	HD_SDVER_NONE,         /* no systemd found: latest */
};
struct hd_sdver_default {
	int sdver;
	int installed;               /* the installed major version; 0 if none was found */
	enum hd_sdver_origin origin;
	char path[256];              /* the file it was read from (libsystemd-shared-N.so) */
};
void hd_systemd_version_detect(struct hd_sdver_default *out);
int hd_systemd_version_default(void);
const char *hd_systemd_version_name(int sdver); /* "252" ... "262" */

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
