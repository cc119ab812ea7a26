/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/utsname.h>

#include "syscalls/abiprobe.h"
#include "util/strv.h"

/*
 * What `harden syscall-filter` answers, as data: systemd-analyze's listing (the groups, then the
 * "Ungrouped" and "Unlisted" names), and for one syscall what libseccomp and the running kernel know of
 * it. The CLI prints; this computes.
 */

struct hd_syscall_listing {
	hd_strv ungrouped; /* @known's names in no other group, sorted */
	hd_strv unlisted;  /* the kernel's syscalls in no group at all, sorted; empty when not read */
	int kernel_error;  /* 0, or why the kernel's list could not be had (-errno) */
	bool kernel_read_failed; /* the list file opened but reading it failed (systemd words it apart) */
};

/*
 * As systemd 252: "Ungrouped" = @known's names minus every other group's names; "Unlisted" = the
 * kernel's tracepoint names, minus the internal aliases systemd hides, minus every group's names
 * including @known. With_kernel false: the kernel list is not read at all (-q). 0 or -ENOMEM; a kernel
 * list that cannot be read is not an error here (kernel_error says why).
 */
int hd_syscall_listing(int sdver, bool with_kernel, struct hd_syscall_listing *out);
void hd_syscall_listing_free(struct hd_syscall_listing *l);

/* The running kernel as harden can see it: release, its syscall tracepoints, its compat ABIs. */
struct hd_kernel_view {
	struct utsname uts;
	int load_error;  /* 0, or why tracefs's list could not be read */
	hd_strv events;  /* sorted tracepoint names */
	struct hd_abi_probe compat[2];
	int n_compat;
};
void hd_kernel_view_init(struct hd_kernel_view *kv);
void hd_kernel_view_free(struct hd_kernel_view *kv);
/* Does the running kernel have syscall name on its native ABI? 1 yes, 0 no, -1 cannot tell; detail
 * says how that was decided. */
int hd_kernel_view_has(const struct hd_kernel_view *kv, const char *name, char *detail, size_t dlen);

/* The installed libseccomp's version, "2.5.4" ("unknown" if it does not say). */
const char *hd_libseccomp_version(char *buf, size_t len);

/* The distinct groups named in group paths ("@privileged @chown" ...), sorted. 0 or -ENOMEM. */
int hd_group_paths_groups(const hd_strv *paths, hd_strv *out);

/* Up to max known syscall names closest to an unknown one (edit distance, a bound that grows with
 * the name's length), closest first, then by name. 0 or -ENOMEM. */
int hd_syscall_suggest(const char *name, size_t max, hd_strv *out);
