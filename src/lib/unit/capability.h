/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdint.h>

/* Capability numbers as the kernel defines them (linux/capability.h); the names systemd 252 knows end at
 * CAP_CHECKPOINT_RESTORE (its src/basic/missing_capability.h). */
#define HD_CAP_LAST 40 /* CAP_CHECKPOINT_RESTORE */
#define HD_CAP_BIT(c) (UINT64_C(1) << (c))
#define HD_CAP_ALL UINT64_MAX /* systemd 252's "all capabilities" initial bounding set */

/* Capability name (CAP_SYS_ADMIN, cap_sys_admin: any case) or number (0..63, as systemd's safe_atoi
 * reads it: 0x.., 0o.., 0b.., 0.. octal) -> number, -EINVAL if neither. */
int hd_capability_from_name(const char *name);
/* Number -> canonical name ("CAP_SYS_ADMIN"), NULL if unknown. */
const char *hd_capability_name(int cap);
