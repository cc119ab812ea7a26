/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/*
 * A cgroup v2 of the command's own, for what systemd enforces on a service's cgroup (the device
 * program of DevicePolicy=/DeviceAllow=): a child "harden-run-PID" of harden's own cgroup on the
 * cgroup2 mount (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host), its BPF programs
 * attached before the command's process enters it (supervise moves the child in first thing, before
 * its mounts, credentials and filter), removed once the command has exited.
 * Harden's own cgroup outside its cgroup namespace (entered with nsenter from another one) is
 * unreachable: the kernel refuses a move from there, so that is a failure too.
 */
struct hd_cgroup {
	char path[4096]; /* the directory; "" when none was made */
	int dir_fd;      /* the directory (programs attach to it), -1 */
	int procs_fd;    /* its cgroup.procs, open for writing (close-on-exec), -1 */
};

/* Make the cgroup; 0, or -errno with why (a sentence: "no cgroup2 is mounted", ...) filled in. */
int hd_cgroup_create(struct hd_cgroup *cg, char *why, size_t why_size);
/* Attach a BPF program (fd) of attach type (BPF_CGROUP_DEVICE, ...) with BPF_F_ALLOW_MULTI, so that
 * the programs of the cgroups above still apply too. 0 or -errno. */
int hd_cgroup_attach(const struct hd_cgroup *cg, int prog_fd, unsigned attach_type);
/* Move the calling process in (what the child does first). 0 or -errno. Async-signal-safe. */
int hd_cgroup_enter(const struct hd_cgroup *cg);
/* Remove it once the command has exited: 0 removed (or none made); -EBUSY processes are left in it
 * (*left: how many; the cgroup stays, with them); other -errno. */
int hd_cgroup_remove(struct hd_cgroup *cg, size_t *left);
