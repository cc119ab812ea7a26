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

/* The first version (as modelled: its newest stable point release) with a behaviour harden reproduces,
 * each read from systemd's source at the tags named in groups_table.c (commits are systemd's). Use as
 * "sdver >= HD_SD_...". What differs between 252 and the rest only through the distribution's build
 * (the libseccomp it was built against: syscall names and architectures it resolves, fchmodat2 in
 * RestrictSUIDSGID=) stays "252 or not", since no source tag pins it. */
#define HD_SD_NOTIFY_RELOAD 253        /* Type=notify-reload: v253 src/core/service.c */
#define HD_SD_PRIVATE_MOUNTS_UNSET 254 /* PrivateMounts= unset is a tristate, which security scores as
                                        * set: v254 src/core/execute.h (int private_mounts) */
#define HD_SD_MDWE_PRCTL 254           /* MemoryDenyWriteExecute= also by PR_SET_MDWE: v254 src/core/execute.c */
#define HD_SD_ENOSYS_DEFAULT 255       /* allow lists: unknown syscalls get ENOSYS, known ones the action:
                                        * 2331c02d06, v255 src/shared/seccomp-util.c (not in 254.27) */
#define HD_SD_NO_SPLIT_USR 255         /* /lib/systemd/system no longer searched (254: a split-usr build,
                                        * as Debian's, searched it): v255 src/basic/path-lookup.c */
#define HD_SD_STATIC_MOUNTS_KEEP 255   /* ProtectHome=tmpfs keeps the table's read-only and modes:
                                        * bc1320a7e2 in v255.22, dc44fd69b0 in v256.17, v257
                                        * src/core/namespace.c append_static_mounts(); not in 254.27 */
#define HD_SD_TEST_INSTANCE 257        /* systemd-analyze's template instance "test_instance", "i" before:
                                        * v257 src/analyze/analyze.c */
#define HD_SD_NEWER_MODES 257          /* PrivateTmp=disconnected, PrivateUsers=self|identity,
                                        * ProtectControlGroups=private|strict: v257 src/core/namespace.h */
#define HD_SD_PRIVATE_USERS_FULL 258   /* PrivateUsers=full: v258 src/core/namespace.h (not in 257.13) */
#define HD_SD_NS_TIME 258              /* "time" in NAMESPACE_FLAGS_ALL: 219a6dbbf3, v258 src/shared/nsflags.h */
#define HD_SD_HOSTNAME_PRIVATE 258     /* ProtectHostname=private: v258 src/core/namespace.h */
#define HD_SD_AF_STOP 261              /* RestrictAddressFamilies=: an unknown family ends the list:
                                        * 4bbdc8a6a2, v261 src/core/load-fragment.c */

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
/* The point release a version is modelled as: "252.38" ... "262.1" (groups_table.c says where from). */
const char *hd_systemd_version_release(int sdver);

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
