/* SPDX-License-Identifier: MIT */
#pragma once

/* One member of a syscall group: a syscall name or a nested "@group".
 * since/until: first/last systemd version that has this member here; 0 = no bound. */
struct hd_group_member {
	const char *name;
	unsigned short since;
	unsigned short until;
};

struct hd_group_def {
	const char *name;        /* "@chown" */
	const char *description; /* systemd's help text, needed verbatim for byte-identical listings */
	const struct hd_group_member *members; /* NULL-name terminated */
	unsigned short since;
	unsigned short until;
};

/* NULL-name terminated, in systemd's table order. */
extern const struct hd_group_def hd_group_table[];
