/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include "util/diag.h"
#include "util/strv.h"

/*
 * DevicePolicy= and DeviceAllow= as systemd 252 enforces them on a unified cgroup hierarchy: a
 * BPF_PROG_TYPE_CGROUP_DEVICE program on the service's cgroup that allows a device access (its type,
 * major, minor and the r/w/m asked for) only when an entry of the allow list covers it.
 *
 * The facts, from systemd 252's source:
 *  - load-fragment.c config_parse_device_allow: "PATH [RIGHTS]"; PATH "block-NAME", "char-NAME" or a
 *    normalized path under /dev/ or /run/systemd/inaccessible/ (else a warning and the line is ignored,
 *    so "-/dev/x" is ignored: DeviceAllow= has no "-" prefix); RIGHTS from "rwm", empty = "rwm"; an
 *    empty assignment clears the list. DevicePolicy= is auto, closed or strict.
 *  - unit.c unit_patch_contexts: PrivateDevices= turns DevicePolicy=auto into closed; with a policy other
 *    than auto or any DeviceAllow=, ProtectClock= adds "char-rtc r" (RootImage= would add the loop and
 *    mapper devices; run does not do RootImage=).
 *  - cgroup.c cgroup_apply_devices: no program for auto without entries; closed, or auto with entries,
 *    adds the static list (bpf-devices.c bpf_devices_allow_list_static: /dev/null, zero, full, random,
 *    urandom, tty, ptmx and /run/systemd/inaccessible/{chr,blk} (0:0) with rwm, char-pts with rw);
 *    an entry under /dev/ is stat()ed (/dev/char/M:N and /dev/block/M:N are parsed without looking;
 *    a missing node: a warning, skipped), "block-"/"char-" NAME is "*" (the whole class), a number (that
 *    major) or an fnmatch() pattern over /proc/devices' names (each match its major); an entry under
 *    /run/systemd/inaccessible/ given by DeviceAllow= itself is ignored there. When nothing was allowed
 *    the program denies everything.
 *  - bpf-devices.c: a rule matches when the access asked for is a subset of the rule's rights, the
 *    type is the rule's and the major (and minor) are; no match: denied (the call fails with EPERM).
 */

enum hd_device_policy { HD_DEVICE_POLICY_AUTO, HD_DEVICE_POLICY_CLOSED, HD_DEVICE_POLICY_STRICT };

/* one DeviceAllow= line as systemd keeps it */
struct hd_device_allow {
	char *path; /* "/dev/...", "block-NAME", "char-NAME" or "/run/systemd/inaccessible/..." */
	bool r, w, m;
	bool implied; /* added by another setting (ProtectClock='s char-rtc): not said when it matches nothing */
};

struct hd_devices {
	enum hd_device_policy policy;
	struct hd_device_allow *v;
	size_t n, cap;
	hd_strv settings; /* the keys that were set (DevicePolicy, DeviceAllow, PrivateDevices), for messages */
};

/* the access bits of a rule: BPF_DEVCG_ACC_MKNOD, _READ, _WRITE */
#define HD_DEV_ACC_ALL (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)

/* one allowed (type, major, minor) with its rights; -1: any */
struct hd_device_rule {
	char type; /* 'c' or 'b' */
	int major, minor;
	unsigned access;
	const char *from; /* the entry it came from (static strings or the entry's path) */
};

struct hd_device_rules {
	struct hd_device_rule *v;
	size_t n, cap;
};

bool hd_devices_setting(const char *key);
/* One assignment of DevicePolicy= or DeviceAllow=: 1 taken; 0 a value systemd ignores (a warning in
 * diags); -EINVAL an invalid DevicePolicy= (an error in diags, as systemd ignores it with a warning: the
 * caller decides); -ENOMEM. */
int hd_devices_add(struct hd_devices *d, const char *key, const char *value, const char *file, unsigned line,
		   hd_diags *diags);
/* What other settings imply, once every line is in (systemd's unit_patch_contexts). */
int hd_devices_patch(struct hd_devices *d, bool private_devices, bool protect_clock);
/* true when a device program is to be attached (a policy other than auto, or any entry) */
bool hd_devices_active(const struct hd_devices *d);
void hd_devices_free(struct hd_devices *d);

/* The entries made concrete: paths stat()ed, class names looked up in proc_devices (the text of
 * /proc/devices; NULL: read it). An entry that resolves to nothing is a warning in diags, as systemd
 * logs it. 0 or -ENOMEM. No rules at all: the program denies everything. */
int hd_devices_resolve(const struct hd_devices *d, const char *proc_devices, struct hd_device_rules *out,
		       hd_diags *diags);
void hd_device_rules_free(struct hd_device_rules *r);
/* Would the rules allow this access? (what the program decides; for tests and explanations) */
bool hd_device_rules_allow(const struct hd_device_rules *r, char type, unsigned major, unsigned minor,
			   unsigned access);

/* The BPF_PROG_TYPE_CGROUP_DEVICE program of the rules: *insns allocated, *n its length. 0 or -ENOMEM. */
int hd_devices_program(const struct hd_device_rules *r, struct bpf_insn **insns, size_t *n);
/* The program loaded into the kernel: its fd, or -errno (log: the verifier's words, may be NULL). */
int hd_devices_load(const struct hd_device_rules *r, char *log, size_t log_size);
