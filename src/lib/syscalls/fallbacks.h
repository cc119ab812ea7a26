/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Calls a libc tries first and replaces by an older one when the kernel (or a filter) answers ENOSYS:
 * glibc's clone3 -> clone, statx -> newfstatat, ... A filter may answer the newer one ENOSYS on purpose
 * (systemd does for clone3 under RestrictNamespaces=; harden learn does for a newer call never seen),
 * and then it breaks nothing as long as the older one is allowed.
 */
struct hd_fallback_pair {
	const char *newer;
	const char *older;
};

extern const struct hd_fallback_pair hd_fallback_pairs[]; /* NULL-terminated */

/* The older call glibc falls back to when newer fails with ENOSYS, or NULL. */
const char *hd_fallback_of(const char *newer);
