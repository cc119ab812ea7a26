/* SPDX-License-Identifier: MIT */
/* Capability names and numbers as systemd reads them in unit files (see capability.h). */
#include "unit/capability.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

/* Kernel capability numbers, by name. Index = number. */
static const char *const capability_names[HD_CAP_LAST + 1] = {
	[0] = "CAP_CHOWN",
	[1] = "CAP_DAC_OVERRIDE",
	[2] = "CAP_DAC_READ_SEARCH",
	[3] = "CAP_FOWNER",
	[4] = "CAP_FSETID",
	[5] = "CAP_KILL",
	[6] = "CAP_SETGID",
	[7] = "CAP_SETUID",
	[8] = "CAP_SETPCAP",
	[9] = "CAP_LINUX_IMMUTABLE",
	[10] = "CAP_NET_BIND_SERVICE",
	[11] = "CAP_NET_BROADCAST",
	[12] = "CAP_NET_ADMIN",
	[13] = "CAP_NET_RAW",
	[14] = "CAP_IPC_LOCK",
	[15] = "CAP_IPC_OWNER",
	[16] = "CAP_SYS_MODULE",
	[17] = "CAP_SYS_RAWIO",
	[18] = "CAP_SYS_CHROOT",
	[19] = "CAP_SYS_PTRACE",
	[20] = "CAP_SYS_PACCT",
	[21] = "CAP_SYS_ADMIN",
	[22] = "CAP_SYS_BOOT",
	[23] = "CAP_SYS_NICE",
	[24] = "CAP_SYS_RESOURCE",
	[25] = "CAP_SYS_TIME",
	[26] = "CAP_SYS_TTY_CONFIG",
	[27] = "CAP_MKNOD",
	[28] = "CAP_LEASE",
	[29] = "CAP_AUDIT_WRITE",
	[30] = "CAP_AUDIT_CONTROL",
	[31] = "CAP_SETFCAP",
	[32] = "CAP_MAC_OVERRIDE",
	[33] = "CAP_MAC_ADMIN",
	[34] = "CAP_SYSLOG",
	[35] = "CAP_WAKE_ALARM",
	[36] = "CAP_BLOCK_SUSPEND",
	[37] = "CAP_AUDIT_READ",
	[38] = "CAP_PERFMON",
	[39] = "CAP_BPF",
	[40] = "CAP_CHECKPOINT_RESTORE",
};

int hd_capability_from_name(const char *name)
{
	if (!name || !*name)
		return -EINVAL;
	/* a number as systemd's safe_atoi reads it (src/basic/cap-list.c capability_from_name): "0b" and
	 * "0o" prefixes, else strtol's base 0 ("0x1f", "010" octal); 0..63 */
	const char *s = name;
	int base = 0;
	if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	if (isdigit((unsigned char)*s) || *s == '-' || *s == '+') {
		char *end;
		errno = 0;
		long v = strtol(s, &end, base);
		if (!errno && end != s && !*end)
			return v >= 0 && v < 64 ? (int)v : -EINVAL;
	}
	/* a name, in any case (systemd's lookup table is built with gperf --ignore-case) */
	for (int i = 0; i <= HD_CAP_LAST; i++)
		if (strcasecmp(name, capability_names[i]) == 0)
			return i;
	return -EINVAL;
}

const char *hd_capability_name(int cap)
{
	return cap >= 0 && cap <= HD_CAP_LAST ? capability_names[cap] : NULL;
}
