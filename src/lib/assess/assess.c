/* SPDX-License-Identifier: MIT */
#include "assess/assess.h"

#include <errno.h>
#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscalls/groups.h"
#include "syscalls/syscalls.h"

/* What every rule sees: the settings, and the syscall filter reduced once to a sorted name set. */
struct hd_assess_input {
	const struct hd_settings *s;
	int sdver;
	const char **filtered; /* names the filter lists (see build_filter_set), sorted */
	size_t n_filtered;
};

/* Namespace flags (linux/sched.h), spelled out so the table reads as data. */
#define NS_CGROUP 0x02000000ULL
#define NS_UTS 0x04000000ULL
#define NS_IPC 0x08000000ULL
#define NS_USER 0x10000000ULL
#define NS_PID 0x20000000ULL
#define NS_NET 0x40000000ULL
#define NS_MNT 0x00020000ULL

/* Address family buckets the five RestrictAddressFamilies= checks look at. */
enum af_bucket { AF_BUCKET_INET, AF_BUCKET_UNIX, AF_BUCKET_NETLINK, AF_BUCKET_PACKET, AF_BUCKET_OTHER };

#define CAP(n) HD_CAP_BIT(n)
enum {
	C_CHOWN = 0, C_DAC_OVERRIDE, C_DAC_READ_SEARCH, C_FOWNER, C_FSETID, C_KILL, C_SETGID, C_SETUID, C_SETPCAP,
	C_LINUX_IMMUTABLE, C_NET_BIND_SERVICE, C_NET_BROADCAST, C_NET_ADMIN, C_NET_RAW, C_IPC_LOCK, C_IPC_OWNER,
	C_SYS_MODULE, C_SYS_RAWIO, C_SYS_CHROOT, C_SYS_PTRACE, C_SYS_PACCT, C_SYS_ADMIN, C_SYS_BOOT, C_SYS_NICE,
	C_SYS_RESOURCE, C_SYS_TIME, C_SYS_TTY_CONFIG, C_MKNOD, C_LEASE, C_AUDIT_WRITE, C_AUDIT_CONTROL, C_SETFCAP,
	C_MAC_OVERRIDE, C_MAC_ADMIN, C_SYSLOG, C_WAKE_ALARM, C_BLOCK_SUSPEND, C_AUDIT_READ, C_PERFMON, C_BPF,
};

#define FIELD_BOOL(in, off) (*(const bool *)((const char *)(in)->s + (off)))

/* ---------------------------------------------------------------- rules */

static int rule_bool(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)d;
	*b = FIELD_BOOL(in, c->param) ? 0 : 1;
	return 0;
}

/* 252 and 253 offline score an unset PrivateMounts= as "no" (a bool); from 254 on unset is a tristate
 * that scores as set (HD_SD_PRIVATE_MOUNTS_UNSET). */
static int rule_private_mounts(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c, (void)d;
	int v = in->s->private_mounts;
	if (v == HD_UNSET)
		v = in->sdver < HD_SD_PRIVATE_MOUNTS_UNSET ? 0 : 1;
	*b = v ? 0 : 1;
	return 0;
}

static int set_desc(char **d, const char *text)
{
	return (*d = strdup(text)) ? 0 : -ENOMEM;
}

static int rule_user(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c;
	const char *u = in->s->user;
	bool root = u && (strcmp(u, "0") == 0 || strcmp(u, "root") == 0);
	if (u && strcmp(u, "nobody") == 0) {
		*b = 9;
		return set_desc(d, "Service runs as 'nobody', which owns files of other services; give it its own user");
	}
	if (in->s->dynamic_user && !root) {
		*b = 0;
		return set_desc(d, "Service runs as a dynamic user allocated at start");
	}
	if (u && *u && !root) {
		*b = 0;
		return set_desc(d, "Service runs as a dedicated non-root user");
	}
	*b = 10;
	return 0;
}

static int rule_supplementary_groups(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c, (void)d;
	*b = hd_settings_runs_privileged(in->s) ? HD_BADNESS_NA : in->s->supplementary_groups.n > 0;
	return 0;
}

static int rule_remove_ipc(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c, (void)d;
	*b = hd_settings_runs_privileged(in->s) ? HD_BADNESS_NA : !in->s->remove_ipc;
	return 0;
}

static int rule_protect_home(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c;
	switch (in->s->protect_home) {
	case HD_PROTECT_HOME_YES:
		*b = 0;
		return 0;
	case HD_PROTECT_HOME_TMPFS:
		*b = 1;
		return set_desc(d, "Home directories are replaced by an empty tmpfs");
	case HD_PROTECT_HOME_READ_ONLY:
		*b = 5;
		return set_desc(d, "Service can read all home directories");
	default:
		*b = 10;
		return 0;
	}
}

static int rule_protect_system(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c;
	switch (in->s->protect_system) {
	case HD_PROTECT_SYSTEM_STRICT:
		*b = 0;
		return 0;
	case HD_PROTECT_SYSTEM_FULL:
		*b = 3;
		return set_desc(d, "/usr, /boot and /etc are read-only, the rest of the OS is writable");
	case HD_PROTECT_SYSTEM_YES:
		*b = 5;
		return set_desc(d, "/usr and /boot are read-only, /etc and the rest of the OS are writable");
	default:
		*b = 10;
		return 0;
	}
}

static bool empty_or_root(const char *p)
{
	return !p || !*p || strcmp(p, "/") == 0;
}

static int rule_root(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c, (void)d;
	*b = empty_or_root(in->s->root_directory) && empty_or_root(in->s->root_image);
	return 0;
}

static int rule_capability(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)d;
	*b = (in->s->capability_bounding_set & c->param) != 0;
	return 0;
}

static int rule_ambient(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c, (void)d;
	*b = in->s->ambient_capabilities != 0;
	return 0;
}

static int rule_umask(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c;
	/* the first permission bit the mask leaves open decides, most dangerous first */
	static const struct {
		unsigned bit;
		uint64_t badness;
		const char *text;
	} levels[] = {
		{ 0002, 10, "New files are writable by every user" },
		{ 0004, 5, "New files are readable by every user" },
		{ 0020, 2, "New files are writable by the group" },
		{ 0040, 1, "New files are readable by the group" },
	};
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!(in->s->umask & levels[i].bit)) {
			*b = levels[i].badness;
			return set_desc(d, levels[i].text);
		}
	*b = 0;
	return 0;
}

static int rule_keyring(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c, (void)d;
	*b = in->s->keyring_mode != HD_KEYRING_PRIVATE;
	return 0;
}

static int rule_protect_proc(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c;
	switch (in->s->protect_proc) {
	case HD_PROTECT_PROC_NOACCESS:
		*b = 1;
		return set_desc(d, "Other processes are hidden in /proc, but their /proc entries stay visible");
	case HD_PROTECT_PROC_INVISIBLE:
	case HD_PROTECT_PROC_PTRACEABLE:
		*b = 0;
		return 0;
	default:
		*b = 3;
		return 0;
	}
}

static int rule_proc_subset(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c, (void)d;
	*b = in->s->proc_subset != HD_PROC_SUBSET_PID;
	return 0;
}

static int rule_notify_access(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c, (void)d;
	*b = in->s->notify_access == HD_NOTIFY_ALL;
	return 0;
}

static int rule_delegate(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c, (void)d;
	*b = in->s->delegate;
	return 0;
}

static int rule_namespace(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)d;
	*b = (in->s->seccomp.ns_allowed & c->param) != 0;
	return 0;
}

static enum af_bucket af_bucket_of(int family)
{
	switch (family) {
	case 2 /* AF_INET */:
	case 10 /* AF_INET6 */:
		return AF_BUCKET_INET;
	case 1 /* AF_UNIX */:
		return AF_BUCKET_UNIX;
	case 16 /* AF_NETLINK */:
		return AF_BUCKET_NETLINK;
	case 17 /* AF_PACKET */:
		return AF_BUCKET_PACKET;
	default:
		return AF_BUCKET_OTHER;
	}
}

/* A bucket is restricted when nothing of it is allowed: in an allow list every bucket starts
 * restricted and a listed family opens its bucket; in a deny list a listed family closes it. */
static int rule_address_family(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)d;
	const struct hd_seccomp_settings *sc = &in->s->seccomp;
	bool allow_list = sc->af_allow_list; /* also true for "none", which leaves the set empty */
	bool restricted = allow_list;
	for (size_t i = 0; i < sc->n_af; i++)
		if (sc->af[i] != 0 && af_bucket_of(sc->af[i]) == (enum af_bucket)c->param)
			restricted = !allow_list;
	*b = restricted ? 0 : 1;
	return 0;
}

static int rule_architectures(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c;
	const hd_strv *a = &in->s->seccomp.archs;
	bool only_native = a->n > 0;
	for (size_t i = 0; i < a->n; i++)
		only_native &= strcmp(a->v[i], "native") == 0;
	if (a->n == 0) {
		*b = 10;
		return 0;
	}
	if (only_native) {
		*b = 0;
		return 0;
	}
	*b = 8;
	return set_desc(d, "Service may use the listed ABIs besides the native one");
}

static bool in_filter(const struct hd_assess_input *in, const char *name)
{
	size_t lo = 0, hi = in->n_filtered;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int cmp = strcmp(in->filtered[mid], name);
		if (cmp == 0)
			return true;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* A syscall counts for the group checks only if it has a real number on the native architecture
 * (252: as the installed libseccomp knows it). */
static bool resolvable(const char *name, int sdver)
{
	enum hd_nr_source src;
	int nr = hd_syscall_nr(name, hd_arch_native(), &src);
	return nr >= 0 && (sdver != HD_SYSTEMD_252 || src == HD_NR_SRC_LIBSECCOMP);
}

/* Depth-first over the group in table order; the first member whose presence in the filter equals
 * allow_list (allowed by an allow list, missing from a deny list) is the offender. */
static const char *group_offender(const struct hd_assess_input *in, const char *group, bool allow_list, unsigned depth)
{
	const struct hd_group_def *g = hd_group_find(group, in->sdver);
	if (!g || depth > 16)
		return NULL;
	for (const struct hd_group_member *m = g->members; m->name; m++) {
		if (!hd_group_member_present(m, in->sdver))
			continue;
		if (m->name[0] == '@') {
			const char *o = group_offender(in, m->name, allow_list, depth + 1);
			if (o)
				return o;
			continue;
		}
		if (!resolvable(m->name, in->sdver))
			continue;
		if (in_filter(in, m->name) == allow_list)
			return m->name;
	}
	return NULL;
}

static int rule_syscall_group(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	const struct hd_syscall_list *f = &in->s->seccomp.filter;
	bool allow_list = f->is_set && f->allow_list;
	if (!allow_list && in->n_filtered == 0) {
		*b = 10;
		return set_desc(d, "Service has no system call filter");
	}
	const char *offender = group_offender(in, c->group, allow_list, 0);
	int r;
	if (allow_list) {
		*b = offender ? 9 : 0;
		r = offender ? asprintf(d, "Allow list lets calls of %s through, %s among them", c->group, offender)
			     : asprintf(d, "Allow list holds nothing of %s", c->group);
	} else {
		*b = offender ? 10 : 0;
		r = offender ? asprintf(d, "Deny list misses part of %s, %s among it", c->group, offender)
			     : asprintf(d, "Deny list covers all of %s", c->group);
	}
	if (r < 0) {
		*d = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int rule_ip_address(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c;
	const struct hd_settings *s = in->s;
	if (s->ip_ingress_filters.n || s->ip_egress_filters.n) {
		*b = 0;
		return set_desc(d, "Service filters its traffic with its own BPF programs");
	}
	if (!(s->ip_deny_any_ipv4 && s->ip_deny_any_ipv6)) {
		*b = 10;
		return 0;
	}
	if (s->ip_allow_other) {
		*b = 5;
		return set_desc(d, "All IP traffic is denied except to some non-local ranges");
	}
	if (s->ip_allow_localhost) {
		*b = 2;
		return set_desc(d, "All IP traffic is denied except to localhost");
	}
	*b = 0;
	return 0;
}

static int rule_device_allow(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *b, char **d)
{
	(void)c;
	const struct hd_settings *s = in->s;
	if (s->device_policy == HD_DEVICE_POLICY_STRICT || s->device_policy == HD_DEVICE_POLICY_CLOSED) {
		if (s->device_allow.n == 0) {
			*b = 0;
			return 0;
		}
		*b = 5;
		/* name the devices, joined with ", " */
		size_t len = 64;
		for (size_t i = 0; i < s->device_allow.n; i++)
			len += strlen(s->device_allow.v[i]) + 2;
		char *t = malloc(len);
		if (!t)
			return -ENOMEM;
		strcpy(t, "Device access limited to a list: ");
		for (size_t i = 0; i < s->device_allow.n; i++) {
			if (i)
				strcat(t, ", ");
			strcat(t, s->device_allow.v[i]);
		}
		*d = t;
		return 0;
	}
	*b = 10;
	return 0;
}

/* ---------------------------------------------------------------- the table (data) */

#define BOOL(field) .rule = rule_bool, .param = offsetof(struct hd_settings, field)
#define CAPCHECK(nm, json, w, mask, good_, bad_, fix_)                                            \
	{ .name = "CapabilityBoundingSet=~" nm, .json_field = "CapabilityBoundingSet_" json, .weight = w, \
	  .range = 1, .rule = rule_capability, .param = (mask), .good = good_, .bad = bad_, .fix = fix_ }
#define NSCHECK(nm, w, flag, what)                                                                 \
	{ .name = "RestrictNamespaces=~" nm, .json_field = "RestrictNamespaces_" nm, .weight = w, .range = 1, \
	  .rule = rule_namespace, .param = flag, .good = "Service cannot create " what " namespaces",      \
	  .bad = "Service can create " what " namespaces", .fix = "RestrictNamespaces=~" nm }
#define AFCHECK(nm, json, w, bucket, what, fix_)                                                   \
	{ .name = "RestrictAddressFamilies=~" nm, .json_field = "RestrictAddressFamilies_" json, .weight = w, \
	  .range = 1, .rule = rule_address_family, .param = bucket, .good = "Service cannot open " what " sockets", \
	  .bad = "Service can open " what " sockets", .fix = fix_ }
#define SCCHECK(grp, json, w)                                                                      \
	{ .name = "SystemCallFilter=~" grp, .json_field = "SystemCallFilter_" json, .weight = w, .range = 10, \
	  .rule = rule_syscall_group, .group = grp, .fix = "SystemCallFilter=~" grp }

/*
 * systemd's checks in systemd's table order. Weights and ranges are systemd's (the score must be
 * identical); descriptions are ours. fix: lines that make the row pass when added in a drop-in.
 */
const struct hd_check hd_checks[HD_CHECK_COUNT] = {
	{ .name = "User=/DynamicUser=", .json_field = "UserOrDynamicUser", .weight = 2000, .range = 10, .rule = rule_user,
	  .bad = "Service runs as root", .fix = "User=\nDynamicUser=yes" },
	{ .name = "SupplementaryGroups=", .json_field = "SupplementaryGroups", .weight = 200, .range = 1,
	  .rule = rule_supplementary_groups, .good = "Service has no extra groups", .bad = "Service is in extra groups",
	  .na = "Service runs as root; extra groups change nothing", .fix = "SupplementaryGroups=" },
	{ .name = "PrivateDevices=", .json_field = "PrivateDevices", .weight = 1000, .range = 1, BOOL(seccomp.private_devices),
	  .good = "Service sees only pseudo devices", .bad = "Service may reach hardware devices", .fix = "PrivateDevices=yes" },
	{ .name = "PrivateMounts=", .json_field = "PrivateMounts", .weight = 1000, .range = 1, .rule = rule_private_mounts,
	  .good = "Service's mounts stay in its own namespace", .bad = "Service may mount into the host's namespace",
	  .fix = "PrivateMounts=yes" },
	{ .name = "PrivateNetwork=", .json_field = "PrivateNetwork", .weight = 2500, .range = 1, BOOL(private_network),
	  .good = "Service has no network but its own loopback", .bad = "Service uses the host's network",
	  .fix = "PrivateNetwork=yes" },
	{ .name = "PrivateTmp=", .json_field = "PrivateTmp", .weight = 1000, .range = 1, .boot_phase_na = true,
	  BOOL(private_tmp), .good = "Service has its own /tmp and /var/tmp",
	  .bad = "Service shares /tmp and /var/tmp with everyone", .fix = "PrivateTmp=yes" },
	{ .name = "PrivateUsers=", .json_field = "PrivateUsers", .weight = 1000, .range = 1, BOOL(private_users),
	  .good = "Service sees no other users", .bad = "Service sees and may act on all users",
	  .fix = "PrivateUsers=yes" },
	{ .name = "ProtectControlGroups=", .json_field = "ProtectControlGroups", .weight = 1000, .range = 1,
	  BOOL(protect_control_groups), .good = "The cgroup tree is read-only to the service",
	  .bad = "Service may write to the cgroup tree", .fix = "ProtectControlGroups=yes" },
	{ .name = "ProtectKernelModules=", .json_field = "ProtectKernelModules", .weight = 1000, .range = 1,
	  BOOL(seccomp.protect_kernel_modules), .good = "Service cannot load kernel modules",
	  .bad = "Service may load or unload kernel modules", .fix = "ProtectKernelModules=yes" },
	{ .name = "ProtectKernelTunables=", .json_field = "ProtectKernelTunables", .weight = 1000, .range = 1,
	  BOOL(seccomp.protect_kernel_tunables), .good = "Kernel tunables are read-only to the service",
	  .bad = "Service may change kernel tunables (/proc/sys, /sys)", .fix = "ProtectKernelTunables=yes" },
	{ .name = "ProtectKernelLogs=", .json_field = "ProtectKernelLogs", .weight = 1000, .range = 1,
	  BOOL(seccomp.protect_kernel_logs), .good = "Service cannot reach the kernel log",
	  .bad = "Service may read and write the kernel log", .fix = "ProtectKernelLogs=yes" },
	{ .name = "ProtectClock=", .json_field = "ProtectClock", .weight = 1000, .range = 1, BOOL(seccomp.protect_clock),
	  .good = "Service cannot set the clocks", .bad = "Service may set the system or hardware clock",
	  .fix = "ProtectClock=yes" },
	{ .name = "ProtectHome=", .json_field = "ProtectHome", .weight = 1000, .range = 10, .boot_phase_na = true,
	  .rule = rule_protect_home, .good = "Home directories are out of the service's reach",
	  .bad = "Service may read and write all home directories", .fix = "ProtectHome=yes" },
	{ .name = "ProtectHostname=", .json_field = "ProtectHostname", .weight = 50, .range = 1, BOOL(seccomp.protect_hostname),
	  .good = "Service cannot rename the host", .bad = "Service may change the host and domain name",
	  .fix = "ProtectHostname=yes" },
	{ .name = "ProtectSystem=", .json_field = "ProtectSystem", .weight = 1000, .range = 10, .boot_phase_na = true,
	  .rule = rule_protect_system, .good = "The whole OS tree is read-only to the service",
	  .bad = "Service may write anywhere in the OS tree", .fix = "ProtectSystem=strict" },
	{ .name = "RootDirectory=/RootImage=", .json_field = "RootDirectoryOrRootImage", .weight = 200, .range = 1,
	  .boot_phase_na = true, .rule = rule_root, .good = "Service runs in its own root file system",
	  .bad = "Service sees the host's root file system", .fix = "RootDirectory=/srv/%p" },
	{ .name = "LockPersonality=", .json_field = "LockPersonality", .weight = 100, .range = 1, BOOL(seccomp.lock_personality),
	  .good = "Service cannot switch execution domain", .bad = "Service may switch execution domain (personality)",
	  .fix = "LockPersonality=yes" },
	{ .name = "MemoryDenyWriteExecute=", .json_field = "MemoryDenyWriteExecute", .weight = 100, .range = 1,
	  BOOL(seccomp.memory_deny_write_execute), .good = "Service cannot map memory writable and executable",
	  .bad = "Service may map memory writable and executable", .fix = "MemoryDenyWriteExecute=yes" },
	{ .name = "NoNewPrivileges=", .json_field = "NoNewPrivileges", .weight = 1000, .range = 1,
	  BOOL(seccomp.no_new_privileges), .good = "Service cannot gain privileges through exec",
	  .bad = "Service may gain privileges through setuid programs or file capabilities", .fix = "NoNewPrivileges=yes" },

	CAPCHECK("CAP_SYS_ADMIN", "CAP_SYS_ADMIN", 1500, CAP(C_SYS_ADMIN), "Service has no CAP_SYS_ADMIN",
		 "Service holds CAP_SYS_ADMIN, nearly all of root", "CapabilityBoundingSet=~CAP_SYS_ADMIN"),
	CAPCHECK("CAP_SET(UID|GID|PCAP)", "CAP_SET_UID_GID_PCAP", 1500, CAP(C_SETUID) | CAP(C_SETGID) | CAP(C_SETPCAP),
		 "Service cannot switch identities or hand out capabilities",
		 "Service may switch user/group identity or hand out capabilities",
		 "CapabilityBoundingSet=~CAP_SETUID CAP_SETGID CAP_SETPCAP"),
	CAPCHECK("CAP_SYS_PTRACE", "CAP_SYS_PTRACE", 1500, CAP(C_SYS_PTRACE), "Service cannot trace other processes",
		 "Service may trace and inspect any process", "CapabilityBoundingSet=~CAP_SYS_PTRACE"),
	CAPCHECK("CAP_SYS_TIME", "CAP_SYS_TIME", 1000, CAP(C_SYS_TIME), "Service cannot set the clock",
		 "Service may set the system clock", "CapabilityBoundingSet=~CAP_SYS_TIME"),
	CAPCHECK("CAP_NET_ADMIN", "CAP_NET_ADMIN", 1000, CAP(C_NET_ADMIN), "Service cannot configure networking",
		 "Service may reconfigure interfaces, routes and firewalls", "CapabilityBoundingSet=~CAP_NET_ADMIN"),
	CAPCHECK("CAP_SYS_RAWIO", "CAP_SYS_RAWIO", 1000, CAP(C_SYS_RAWIO), "Service has no raw I/O access",
		 "Service may do raw I/O on ports and devices", "CapabilityBoundingSet=~CAP_SYS_RAWIO"),
	CAPCHECK("CAP_SYS_MODULE", "CAP_SYS_MODULE", 1000, CAP(C_SYS_MODULE), "Service cannot load kernel modules",
		 "Service may load kernel modules", "CapabilityBoundingSet=~CAP_SYS_MODULE"),
	CAPCHECK("CAP_AUDIT_*", "CAP_AUDIT", 500, CAP(C_AUDIT_CONTROL) | CAP(C_AUDIT_READ) | CAP(C_AUDIT_WRITE),
		 "Service cannot use the audit subsystem", "Service may read, write or configure the audit log",
		 "CapabilityBoundingSet=~CAP_AUDIT_CONTROL CAP_AUDIT_READ CAP_AUDIT_WRITE"),
	CAPCHECK("CAP_SYSLOG", "CAP_SYSLOG", 500, CAP(C_SYSLOG), "Service cannot use privileged syslog operations",
		 "Service may read the kernel log and kernel addresses", "CapabilityBoundingSet=~CAP_SYSLOG"),
	CAPCHECK("CAP_SYS_(NICE|RESOURCE)", "CAP_SYS_NICE_RESOURCE", 500, CAP(C_SYS_NICE) | CAP(C_SYS_RESOURCE),
		 "Service cannot raise priorities or resource limits",
		 "Service may raise scheduling priorities and override resource limits",
		 "CapabilityBoundingSet=~CAP_SYS_NICE CAP_SYS_RESOURCE"),
	CAPCHECK("CAP_MKNOD", "CAP_MKNOD", 500, CAP(C_MKNOD), "Service cannot create device nodes",
		 "Service may create device nodes", "CapabilityBoundingSet=~CAP_MKNOD"),
	CAPCHECK("CAP_(CHOWN|FSETID|SETFCAP)", "CAP_CHOWN_FSETID_SETFCAP", 1000, CAP(C_CHOWN) | CAP(C_FSETID) | CAP(C_SETFCAP),
		 "Service cannot change owners, set-id bits or file capabilities",
		 "Service may change any file's owner, set-id bits or file capabilities",
		 "CapabilityBoundingSet=~CAP_CHOWN CAP_FSETID CAP_SETFCAP"),
	CAPCHECK("CAP_(DAC_*|FOWNER|IPC_OWNER)", "CAP_DAC_FOWNER_IPC_OWNER", 1000,
		 CAP(C_DAC_OVERRIDE) | CAP(C_DAC_READ_SEARCH) | CAP(C_FOWNER) | CAP(C_IPC_OWNER),
		 "Service is bound by file and IPC permissions", "Service may bypass file and IPC permission checks",
		 "CapabilityBoundingSet=~CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_IPC_OWNER"),
	CAPCHECK("CAP_KILL", "CAP_KILL", 500, CAP(C_KILL), "Service can signal only its own processes",
		 "Service may signal any process", "CapabilityBoundingSet=~CAP_KILL"),
	/* systemd's json_field really ends in ")": keep it, policy files key on it */
	CAPCHECK("CAP_NET_(BIND_SERVICE|BROADCAST|RAW)", "CAP_NET_BIND_SERVICE_BROADCAST_RAW)", 500,
		 CAP(C_NET_BIND_SERVICE) | CAP(C_NET_BROADCAST) | CAP(C_NET_RAW), "Service has no special network privileges",
		 "Service may bind low ports, broadcast or use raw sockets",
		 "CapabilityBoundingSet=~CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_RAW"),
	CAPCHECK("CAP_SYS_BOOT", "CAP_SYS_BOOT", 100, CAP(C_SYS_BOOT), "Service cannot reboot the machine",
		 "Service may reboot the machine or load a new kernel", "CapabilityBoundingSet=~CAP_SYS_BOOT"),
	CAPCHECK("CAP_MAC_*", "CAP_MAC", 100, CAP(C_MAC_ADMIN) | CAP(C_MAC_OVERRIDE), "Service cannot touch MAC policy",
		 "Service may configure or override mandatory access control", "CapabilityBoundingSet=~CAP_MAC_ADMIN CAP_MAC_OVERRIDE"),
	CAPCHECK("CAP_LINUX_IMMUTABLE", "CAP_LINUX_IMMUTABLE", 75, CAP(C_LINUX_IMMUTABLE),
		 "Service cannot set immutable or append-only flags", "Service may set immutable and append-only file flags",
		 "CapabilityBoundingSet=~CAP_LINUX_IMMUTABLE"),
	CAPCHECK("CAP_IPC_LOCK", "CAP_IPC_LOCK", 50, CAP(C_IPC_LOCK), "Service cannot pin memory beyond its limit",
		 "Service may lock any amount of memory", "CapabilityBoundingSet=~CAP_IPC_LOCK"),
	CAPCHECK("CAP_SYS_CHROOT", "CAP_SYS_CHROOT", 50, CAP(C_SYS_CHROOT), "Service cannot chroot",
		 "Service may call chroot()", "CapabilityBoundingSet=~CAP_SYS_CHROOT"),
	CAPCHECK("CAP_BLOCK_SUSPEND", "CAP_BLOCK_SUSPEND", 25, CAP(C_BLOCK_SUSPEND), "Service cannot block suspend",
		 "Service may keep the system from suspending", "CapabilityBoundingSet=~CAP_BLOCK_SUSPEND"),
	CAPCHECK("CAP_WAKE_ALARM", "CAP_WAKE_ALARM", 25, CAP(C_WAKE_ALARM), "Service cannot set wake-up alarms",
		 "Service may set timers that wake the system", "CapabilityBoundingSet=~CAP_WAKE_ALARM"),
	CAPCHECK("CAP_LEASE", "CAP_LEASE", 25, CAP(C_LEASE), "Service cannot lease files it does not own",
		 "Service may take leases on any file", "CapabilityBoundingSet=~CAP_LEASE"),
	CAPCHECK("CAP_SYS_TTY_CONFIG", "CAP_SYS_TTY_CONFIG", 25, CAP(C_SYS_TTY_CONFIG), "Service cannot hang up terminals",
		 "Service may configure and hang up terminals", "CapabilityBoundingSet=~CAP_SYS_TTY_CONFIG"),
	CAPCHECK("CAP_SYS_PACCT", "CAP_SYS_PACCT", 25, CAP(C_SYS_PACCT), "Service cannot switch process accounting",
		 "Service may switch process accounting on or off", "CapabilityBoundingSet=~CAP_SYS_PACCT"),
	CAPCHECK("CAP_BPF", "CAP_BPF", 25, CAP(C_BPF), "Service cannot load BPF programs",
		 "Service may load BPF programs", "CapabilityBoundingSet=~CAP_BPF"),

	{ .name = "UMask=", .json_field = "UMask", .weight = 100, .range = 10, .rule = rule_umask,
	  .good = "New files are private to the service's user", .bad = "New files are writable by every user",
	  .fix = "UMask=0077" },
	{ .name = "KeyringMode=", .json_field = "KeyringMode", .weight = 1000, .range = 1, .rule = rule_keyring,
	  .good = "Service has a keyring of its own", .bad = "Service shares keys with other services",
	  .fix = "KeyringMode=private" },
	{ .name = "ProtectProc=", .json_field = "ProtectProc", .weight = 1000, .range = 3, .rule = rule_protect_proc,
	  .good = "Other users' processes are invisible in /proc", .bad = "Service sees every process in /proc",
	  .fix = "ProtectProc=invisible" },
	{ .name = "ProcSubset=", .json_field = "ProcSubset", .weight = 10, .range = 1, .rule = rule_proc_subset,
	  .good = "/proc shows only process directories", .bad = "Service sees all of /proc's system files",
	  .fix = "ProcSubset=pid" },
	{ .name = "NotifyAccess=", .json_field = "NotifyAccess", .weight = 1000, .range = 1, .rule = rule_notify_access,
	  .good = "Only the service's own processes may report its state",
	  .bad = "Any process of the service may report its state", .fix = "NotifyAccess=main" },
	{ .name = "RemoveIPC=", .json_field = "RemoveIPC", .weight = 100, .range = 1, .rule = rule_remove_ipc,
	  .good = "IPC objects are removed when the service stops", .bad = "Service's IPC objects outlive it",
	  .na = "Service runs as root; IPC cleanup does not apply", .fix = "RemoveIPC=yes" },
	{ .name = "Delegate=", .json_field = "Delegate", .weight = 100, .range = 1, .rule = rule_delegate,
	  .good = "Service manages no cgroup subtree of its own", .bad = "Service manages its own cgroup subtree",
	  .fix = "Delegate=no" },
	{ .name = "RestrictRealtime=", .json_field = "RestrictRealtime", .weight = 500, .range = 1,
	  BOOL(seccomp.restrict_realtime), .good = "Service cannot use realtime scheduling",
	  .bad = "Service may take realtime scheduling and starve the system", .fix = "RestrictRealtime=yes" },
	{ .name = "RestrictSUIDSGID=", .json_field = "RestrictSUIDSGID", .weight = 1000, .range = 1,
	  BOOL(seccomp.restrict_suid_sgid), .good = "Service cannot make set-id files",
	  .bad = "Service may make setuid/setgid files", .fix = "RestrictSUIDSGID=yes" },

	NSCHECK("user", 1500, NS_USER, "user"),
	NSCHECK("mnt", 500, NS_MNT, "mount"),
	NSCHECK("ipc", 500, NS_IPC, "IPC"),
	NSCHECK("pid", 500, NS_PID, "PID"),
	NSCHECK("cgroup", 500, NS_CGROUP, "cgroup"),
	NSCHECK("net", 500, NS_NET, "network"),
	NSCHECK("uts", 100, NS_UTS, "UTS (hostname)"),

	AFCHECK("AF_(INET|INET6)", "AF_INET_INET6", 1500, AF_BUCKET_INET, "IPv4/IPv6",
		"RestrictAddressFamilies=~AF_INET AF_INET6"),
	AFCHECK("AF_UNIX", "AF_UNIX", 25, AF_BUCKET_UNIX, "UNIX domain", "RestrictAddressFamilies=~AF_UNIX"),
	AFCHECK("AF_NETLINK", "AF_NETLINK", 200, AF_BUCKET_NETLINK, "netlink", "RestrictAddressFamilies=~AF_NETLINK"),
	AFCHECK("AF_PACKET", "AF_PACKET", 1000, AF_BUCKET_PACKET, "packet", "RestrictAddressFamilies=~AF_PACKET"),
	/* systemd names this row with a U+2026 ellipsis */
	AFCHECK("\u2026", "OTHER", 1250, AF_BUCKET_OTHER, "uncommon",
		"RestrictAddressFamilies=~AF_ALG AF_BLUETOOTH AF_CAN AF_VSOCK AF_XDP"),

	{ .name = "SystemCallArchitectures=", .json_field = "SystemCallArchitectures", .weight = 1000, .range = 10,
	  .rule = rule_architectures, .good = "Service may use the native ABI only",
	  .bad = "Service may use every ABI (e.g. i386 system calls)", .fix = "SystemCallArchitectures=\nSystemCallArchitectures=native" },

	SCCHECK("@swap", "swap", 1000),
	SCCHECK("@obsolete", "obsolete", 250),
	SCCHECK("@clock", "clock", 1000),
	SCCHECK("@cpu-emulation", "cpu_emulation", 250),
	SCCHECK("@debug", "debug", 1000),
	SCCHECK("@mount", "mount", 1000),
	SCCHECK("@module", "module", 1000),
	SCCHECK("@raw-io", "raw_io", 1000),
	SCCHECK("@reboot", "reboot", 1000),
	SCCHECK("@privileged", "privileged", 700),
	SCCHECK("@resources", "resources", 700),

	{ .name = "IPAddressDeny=", .json_field = "IPAddressDeny", .weight = 1000, .range = 10, .rule = rule_ip_address,
	  .good = "Service may not talk IP at all", .bad = "Service may talk IP to any address",
	  .fix = "IPAddressDeny=any\nIPAddressAllow=" },
	{ .name = "DeviceAllow=", .json_field = "DeviceAllow", .weight = 1000, .range = 10, .rule = rule_device_allow,
	  .good = "Service may open no device nodes", .bad = "Service may open any device node it can reach",
	  .fix = "DevicePolicy=closed\nDeviceAllow=" },
	{ .name = "AmbientCapabilities=", .json_field = "AmbientCapabilities", .weight = 500, .range = 1, .rule = rule_ambient,
	  .good = "Service starts without ambient capabilities", .bad = "Service starts with ambient capabilities",
	  .fix = "AmbientCapabilities=" },
};

const struct hd_check *hd_check_by_json_field(const char *json_field)
{
	for (size_t i = 0; i < HD_CHECK_COUNT; i++)
		if (strcmp(hd_checks[i].json_field, json_field) == 0)
			return &hd_checks[i];
	return NULL;
}

/* ---------------------------------------------------------------- ratings (data) */

static const struct hd_rating ratings[] = {
	{ 100, "DANGEROUS", "\U0001F922", ":-[", "\033[1;31m" },
	{ 90, "UNSAFE", "\U0001F628", ":-{", "\033[1;31m" },
	{ 75, "EXPOSED", "\U0001F641", ":-(", "\033[1;33m" },
	{ 50, "MEDIUM", "\U0001F610", ":-|", "" },
	{ 10, "OK", "\U0001F642", ":-)", "\033[1;32m" },
	{ 1, "SAFE", "\U0001F600", ":-}", "\033[1;32m" },
	{ 0, "PERFECT", "\U0001F607", ":-]", "\033[1;32m" },
};

const struct hd_rating *hd_rating_for(unsigned exposure)
{
	for (size_t i = 0; i < sizeof(ratings) / sizeof(ratings[0]); i++)
		if (exposure >= ratings[i].min_exposure)
			return &ratings[i];
	return &ratings[sizeof(ratings) / sizeof(ratings[0]) - 1];
}

/* ---------------------------------------------------------------- scoring */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names the group checks compare against, as systemd reduces its filter map: in an allow list,
 * entries with their own errno or kill action do not count as allowed; names without a real native
 * number are dropped. */
static int build_filter_set(struct hd_assess_input *in)
{
	const struct hd_syscall_list *f = &in->s->seccomp.filter;
	bool allow_list = f->is_set && f->allow_list;
	in->filtered = calloc(f->n ? f->n : 1, sizeof(*in->filtered));
	if (!in->filtered)
		return -ENOMEM;
	for (size_t i = 0; i < f->n; i++) {
		if (allow_list && f->v[i].err != HD_ERRNO_DEFAULT)
			continue;
		if (!resolvable(f->v[i].name, in->sdver))
			continue;
		in->filtered[in->n_filtered++] = f->v[i].name;
	}
	if (in->n_filtered > 1)
		qsort(in->filtered, in->n_filtered, sizeof(*in->filtered), cmp_str);
	return 0;
}

static unsigned div_round_up(uint64_t a, uint64_t b)
{
	return (unsigned)((a + b - 1) / b);
}

int hd_assess(const struct hd_settings *s, const struct hd_policy *policy, int sdver, struct hd_assessment *out)
{
	*out = (struct hd_assessment){0};
	struct hd_assess_input in = { .s = s, .sdver = sdver };
	int r = build_filter_set(&in);
	if (r < 0)
		return r;

	for (size_t i = 0; i < HD_CHECK_COUNT; i++) {
		const struct hd_check *c = &hd_checks[i];
		const struct hd_policy_entry *pe = policy ? &policy->e[i] : NULL;
		uint64_t weight = pe && pe->has_weight ? pe->weight : c->weight;
		uint64_t range = pe && pe->has_range ? pe->range : c->range;
		struct hd_assess_row *row = &out->rows[i];
		char *custom = NULL;
		row->check = c;
		row->weight = weight;
		row->range = range;

		if (c->boot_phase_na && !s->default_dependencies) {
			row->badness = HD_BADNESS_NA;
			custom = strdup("Service starts in an early boot phase; this option does not fit there");
		} else if (weight == 0) {
			row->badness = HD_BADNESS_NA;
			custom = strdup("Check left out by the security policy");
		} else if ((r = c->rule(c, &in, &row->badness, &custom)) < 0) {
			goto fail;
		}
		if (row->badness != HD_BADNESS_NA) {
			if (row->badness > range) { /* systemd asserts here; the policy loader rejects such ranges */
				free(custom);
				r = -EINVAL;
				goto fail;
			}
			out->badness_sum += (row->badness * weight + range - 1) / range;
			out->weight_sum += weight;
		}

		const char *text;
		if (row->badness == HD_BADNESS_NA) {
			row->set = -1;
			text = pe && pe->description_na ? pe->description_na : c->na;
		} else if (row->badness == c->range) {
			row->set = 0;
			text = pe && pe->description_bad ? pe->description_bad : c->bad;
		} else if (row->badness == 0) {
			row->set = 1;
			text = pe && pe->description_good ? pe->description_good : c->good;
		} else {
			row->set = 0;
			text = NULL;
		}
		/* a rule's own text says more than the table's, unless the policy overrides the text */
		bool policy_text = pe && ((row->set == -1 && pe->description_na) || (row->set == 0 && row->badness == c->range && pe->description_bad) ||
					  (row->set == 1 && pe->description_good));
		if (custom && !policy_text) {
			row->description = custom;
		} else {
			free(custom);
			row->description = strdup(text ? text : "");
		}
		if (!row->description) {
			r = -ENOMEM;
			goto fail;
		}
	}
	if (out->weight_sum == 0) { /* systemd asserts; we refuse */
		r = -EINVAL;
		goto fail;
	}
	for (size_t i = 0; i < HD_CHECK_COUNT; i++) {
		struct hd_assess_row *row = &out->rows[i];
		/* a row's share uses the weight and range it was scored with (policy included), as the
		 * systemd-analyze 252.38 on this machine does */
		if (row->badness != HD_BADNESS_NA && row->badness != 0)
			row->exposure = div_round_up(div_round_up(row->badness * row->weight * 100, row->range), out->weight_sum);
	}
	out->exposure = div_round_up(out->badness_sum * 100, out->weight_sum);
	free(in.filtered);
	return 0;
fail:
	free(in.filtered);
	hd_assessment_free(out);
	return r;
}

void hd_assessment_free(struct hd_assessment *a)
{
	for (size_t i = 0; i < HD_CHECK_COUNT; i++)
		free(a->rows[i].description);
	*a = (struct hd_assessment){0};
}

/* ---------------------------------------------------------------- policy files */

/* Limits that keep the arithmetic far from overflow (badness × weight × 100). */
#define POLICY_MAX_WEIGHT 1000000000ULL
#define POLICY_MAX_RANGE 1000000000ULL
#define POLICY_MAX_SIZE (4U << 20)

void hd_policy_free(struct hd_policy *p)
{
	free(p->path);
	for (size_t i = 0; i < HD_CHECK_COUNT; i++) {
		free(p->e[i].description_good);
		free(p->e[i].description_bad);
		free(p->e[i].description_na);
	}
	memset(p, 0, sizeof(*p));
}

static const char *json_type_word(json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double: return "a fractional number";
	case json_type_int: return "an integer";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "something else";
}

static int policy_uint(json_object *o, const char *file, const char *field, const char *member, uint64_t max,
		       uint64_t *out, hd_diags *diags)
{
	if (!json_object_is_type(o, json_type_int)) {
		hd_diag_add(diags, HD_ERROR, file, 0, "\"%s\".\"%s\" must be a non-negative integer, not %s", field, member,
			    json_type_word(o));
		return -EINVAL;
	}
	int64_t v = json_object_get_int64(o);
	if (v < 0 || (uint64_t)v > max) {
		hd_diag_add(diags, HD_ERROR, file, 0, "\"%s\".\"%s\" is %lld; it must be between 0 and %llu", field, member,
			    (long long)v, (unsigned long long)max);
		return -EINVAL;
	}
	*out = (uint64_t)v;
	return 0;
}

int hd_policy_parse(const char *text, size_t len, const char *filename, struct hd_policy *out, hd_diags *diags)
{
	memset(out, 0, sizeof(*out));
	const char *file = filename ? filename : "<policy>";
	if (!(out->path = strdup(file)))
		return -ENOMEM;
	if (len > POLICY_MAX_SIZE) {
		hd_diag_add(diags, HD_ERROR, file, 0, "policy file is larger than %u bytes", POLICY_MAX_SIZE);
		return -EINVAL;
	}
	if (memchr(text, 0, len)) {
		hd_diag_add(diags, HD_ERROR, file, 0, "policy file contains a NUL byte; it is not JSON text");
		return -EINVAL;
	}
	/* json-c needs the terminating NUL to finish a top-level number ("42") */
	char *copy = malloc(len + 1);
	json_tokener *tok = json_tokener_new_ex(64);
	if (!tok || !copy) {
		free(copy);
		if (tok)
			json_tokener_free(tok);
		return -ENOMEM;
	}
	memcpy(copy, text, len);
	copy[len] = 0;
	json_object *root = json_tokener_parse_ex(tok, copy, (int)len + 1);
	free(copy);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success) {
		if (root)
			json_object_put(root);
		hd_diag_add(diags, HD_ERROR, file, 0, "not valid JSON at byte %zu: %s", used,
			    jerr == json_tokener_continue ? "unexpected end of input" : json_tokener_error_desc(jerr));
		return -EINVAL;
	}
	for (size_t i = used; i < len; i++)
		if (!strchr(" \t\r\n", text[i])) { /* strchr matches the NUL too: no NUL is in text */
			json_object_put(root);
			hd_diag_add(diags, HD_ERROR, file, 0, "unexpected text after the JSON value at byte %zu", i);
			return -EINVAL;
		}
	int r = 0;
	if (!json_object_is_type(root, json_type_object)) {
		hd_diag_add(diags, HD_ERROR, file, 0, "a security policy must be a JSON object keyed by json_field, not %s",
			    json_type_word(root));
		r = -EINVAL;
		goto done;
	}
	json_object_object_foreach(root, field, val)
	{
		const struct hd_check *c = hd_check_by_json_field(field);
		if (!c) {
			hd_diag_add(diags, HD_ERROR, file, 0, "unknown json_field \"%s\" (see 'harden security --json' for the names)",
				    field);
			r = -EINVAL;
			continue;
		}
		struct hd_policy_entry *e = &out->e[c - hd_checks];
		if (!json_object_is_type(val, json_type_object)) {
			hd_diag_add(diags, HD_ERROR, file, 0, "\"%s\" must be an object, not %s", field, json_type_word(val));
			r = -EINVAL;
			continue;
		}
		json_object_object_foreach(val, member, mv)
		{
			if (strcmp(member, "weight") == 0) {
				if (policy_uint(mv, file, field, member, POLICY_MAX_WEIGHT, &e->weight, diags) < 0)
					r = -EINVAL;
				else
					e->has_weight = true;
			} else if (strcmp(member, "range") == 0) {
				if (policy_uint(mv, file, field, member, POLICY_MAX_RANGE, &e->range, diags) < 0) {
					r = -EINVAL;
				} else if (e->range == 0) {
					hd_diag_add(diags, HD_ERROR, file, 0, "\"%s\".\"range\" is 0; a range must be at least 1", field);
					r = -EINVAL;
				} else if (e->range < c->range) {
					/* badness goes up to the check's own range; systemd asserts when it exceeds this one */
					hd_diag_add(diags, HD_ERROR, file, 0,
						    "\"%s\".\"range\" is %llu, below the check's own range %llu", field,
						    (unsigned long long)e->range, (unsigned long long)c->range);
					r = -EINVAL;
				} else {
					e->has_range = true;
				}
			} else if (strcmp(member, "description_good") == 0 || strcmp(member, "description_bad") == 0 ||
				   strcmp(member, "description_na") == 0) {
				if (!json_object_is_type(mv, json_type_string)) {
					hd_diag_add(diags, HD_ERROR, file, 0, "\"%s\".\"%s\" must be a string, not %s", field,
						    member, json_type_word(mv));
					r = -EINVAL;
					continue;
				}
				char **dst = member[12] == 'g' ? &e->description_good
					     : member[12] == 'b' ? &e->description_bad
								 : &e->description_na;
				free(*dst);
				if (!(*dst = strdup(json_object_get_string(mv)))) {
					r = -ENOMEM;
					goto done;
				}
			} else {
				hd_diag_add(diags, HD_ERROR, file, 0,
					    "\"%s\" has unknown member \"%s\" (known: weight, range, description_good, description_bad, description_na)",
					    field, member);
				r = -EINVAL;
			}
		}
	}
	if (r == 0) {
		bool any_weight = false;
		for (size_t i = 0; i < HD_CHECK_COUNT; i++)
			any_weight |= (out->e[i].has_weight ? out->e[i].weight : hd_checks[i].weight) > 0;
		if (!any_weight) {
			hd_diag_add(diags, HD_ERROR, file, 0, "every check has weight 0; nothing would be scored");
			r = -EINVAL;
		}
	}
done:
	json_object_put(root);
	return r;
}

int hd_policy_load(const char *path, struct hd_policy *out, hd_diags *diags)
{
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(path, "re");
	if (!f) {
		int e = errno;
		hd_diag_add(diags, HD_ERROR, path, 0, "cannot open security policy: %s", strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
		fclose(f);
		hd_diag_add(diags, HD_ERROR, path, 0, "security policy is not a regular file");
		return -EINVAL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	for (;;) {
		if (n == cap) {
			if (cap > POLICY_MAX_SIZE)
				break;
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb, cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	bool failed = ferror(f);
	fclose(f);
	if (failed) {
		free(buf);
		hd_diag_add(diags, HD_ERROR, path, 0, "cannot read security policy");
		return -EIO;
	}
	int r = hd_policy_parse(buf, n, path, out, diags);
	free(buf);
	return r;
}

int hd_policy_load_default(const char *root, struct hd_policy *out, hd_diags *diags)
{
	static const char *const dirs[] = { "/etc/systemd", "/run/systemd", "/usr/local/lib/systemd", "/usr/lib/systemd" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char path[4096];
		int n = snprintf(path, sizeof(path), "%s%s/systemd-analyze-security.policy", root ? root : "", dirs[i]);
		if (n < 0 || (size_t)n >= sizeof(path))
			return -ENAMETOOLONG;
		if (access(path, F_OK) != 0)
			continue;
		int r = hd_policy_load(path, out, diags);
		return r < 0 ? r : 1;
	}
	memset(out, 0, sizeof(*out));
	return 0;
}
