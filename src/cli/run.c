/* SPDX-License-Identifier: MIT */
/* harden run: a unit's seccomp sandbox on any command, as ONE merged program, violations explained. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <json-c/json.h>
#include <stddef.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "tracer.h"
#include "filter/filter.h"
#include "learn/service.h"
#include "learn/trace/trace.h"
#include "syscalls/fallbacks.h"
#include "syscalls/groups.h"
#include "sandbox/cgroup.h"
#include "sandbox/creds.h"
#include "sandbox/devices.h"
#include "sandbox/ipfilter.h"
#include "sandbox/netdenial.h"
#include "sandbox/fix.h"
#include "sandbox/fsdenial.h"
#include "unit/capability.h"
#include "sandbox/mounts.h"
#include "sandbox/sandbox.h"
#include "sandbox/supervise.h"
#include "syscalls/nametables.h"
#include "syscalls/syscalls.h"
#include "unit/unit.h"
#include "unit/unitwrite.h"

/* Exit codes of this verb (besides the command's own status). */
#define EXIT_SANDBOX 125   /* the sandbox could not be built or installed exactly: the command did not run */
#define EXIT_NOEXEC 126    /* the command was found but could not be executed */
#define EXIT_NOTFOUND 127  /* the command was not found */

/* Settings whose system-call part run enforces while the rest of what systemd does needs systemd. */
static const struct {
	const char *key;
	size_t off;
	const char *rest;
} partial[] = {
	/* said only when the command's cgroup could not be made (--allow-partial): else it is enforced */
	{ "PrivateDevices", offsetof(struct hd_seccomp_settings, private_devices), "DevicePolicy=closed (a cgroup device rule)" },
};

static void help(void)
{
	printf("Usage: %s run [OPTIONS] -- CMD [ARGS...]\n"
	       "       %s run [OPTIONS] --unit FILE --while WORKLOAD\n"
	       "       %s run [OPTIONS] --export-bpf FILE | --print-bpf\n"
	       "\n"
	       "Run CMD under the seccomp sandbox of a unit's settings, as systemd would confine it, without\n"
	       "systemd: SystemCallFilter= (+ErrorNumber, per-entry :errno/:kill), SystemCallArchitectures=,\n"
	       "SystemCallLog=, RestrictAddressFamilies=, RestrictNamespaces=, LockPersonality=,\n"
	       "MemoryDenyWriteExecute=, RestrictRealtime=, RestrictSUIDSGID=, ProtectKernelTunables=,\n"
	       "ProtectKernelModules=, ProtectKernelLogs=, ProtectClock=, PrivateDevices=, ProtectHostname=\n"
	       "(their syscall parts) and NoNewPrivileges=. ONE program covers the native ABI and its compat\n"
	       "ABIs (i386 int 0x80, x32), so no other ABI bypasses a rule. As root, the file-system settings\n"
	       "too, in a mount namespace of CMD's own, as systemd 252 sets them up: ProtectSystem=,\n"
	       "ProtectHome=, ReadWritePaths=, ReadOnlyPaths=, InaccessiblePaths=, ExecPaths=, NoExecPaths=\n"
	       "(\"-\" for a path that may be missing), TemporaryFileSystem=, BindPaths=, BindReadOnlyPaths=,\n"
	       "PrivateTmp= (a private tmpfs on /tmp and /var/tmp), PrivateDevices= (a /dev of its own with\n"
	       "the pseudo devices), the mounts of ProtectKernelTunables=, ProtectKernelModules=,\n"
	       "ProtectKernelLogs= and ProtectControlGroups=, a fresh /proc for ProtectProc= and ProcSubset=,\n"
	       "and the namespaces of PrivateNetwork= (the loopback device only), PrivateIPC= (with its own\n"
	       "/dev/mqueue), ProtectHostname= and PrivateMounts= (a mount namespace alone); where that is\n"
	       "not possible\n"
	       "(not root, a kernel without the mount API) run fails closed unless --allow-partial. And the\n"
	       "credentials, taken by CMD's process after the mount namespace and before the filter, in\n"
	       "systemd 252's order: User=, Group=, SupplementaryGroups= (names or numbers; User= alone\n"
	       "brings its primary group and its groups from the group database), CapabilityBoundingSet=,\n"
	       "AmbientCapabilities= (lists, \"~\" for all but, lines added up as systemd does; an unknown\n"
	       "name is skipped with a warning in a unit file and is an error with -p), the capabilities\n"
	       "PrivateDevices=, ProtectKernelModules=, ProtectKernelLogs= and ProtectClock= take out of\n"
	       "the bounding set, UMask= (default 0022) and WorkingDirectory= (\"-\" may be missing, \"~\"\n"
	       "the user's home). Not root, UMask= and WorkingDirectory= are still taken, and the others\n"
	       "fail closed unless --allow-partial. As root, DevicePolicy= (auto, closed, strict) and\n"
	       "DeviceAllow= (a node under /dev, char-CLASS or block-CLASS from /proc/devices, \"*\" or a\n"
	       "major; rights r, w, m), with the closed policy PrivateDevices= implies and ProtectClock='s\n"
	       "char-rtc r, and IPAddressAllow=/IPAddressDeny= (any, localhost, link-local, multicast,\n"
	       "ADDRESS[/LEN]; allow wins over deny; a dropped packet fails its send with EPERM), as\n"
	       "systemd 252 enforces them: BPF programs on a cgroup v2 of CMD's own, harden-run-PID under\n"
	       "harden's, which CMD's process enters first and which is removed once CMD has exited\n"
	       "(processes it left there are said, and left); no cgroup v2 to be had fails closed unless\n"
	       "--allow-partial. Other settings are listed on stderr as \"not enforced by run\", with why:\n"
	       "\"needs systemd\" for what only a service manager has (the service's own cgroup:\n"
	       "SocketBind*=, IPAccounting=, the resource limits; DynamicUser='s allocated user;\n"
	       "credentials; LogNamespace=), \"not done by run\" for the rest (PrivateUsers=, SecureBits=,\n"
	       "RootDirectory=, RootImage=, KeyringMode=, ...).\n"
	       "\n"
	       "Under the file-system settings, an eBPF tracer follows CMD and its descendants from their first\n"
	       "call, and each call that failed because of a setting is listed at exit: the call, the path, the\n"
	       "errno (EROFS writing under a read-only path, EACCES or ENOENT under a hidden one, EBUSY removing\n"
	       "a mount point), the count, the first process, the setting (ProtectSystem=strict, ...) and the\n"
	       "fix (ReadWritePaths=DIR for the nearest directory it wanted to write in; ProtectHome=read-only;\n"
	       "PrivateTmp=no; for InaccessiblePaths=, that entry removed). A failure the settings did not\n"
	       "cause (the path is missing on the host too, the host's own mount is read-only) is not listed.\n"
	       "Where eBPF cannot run (not root, no kernel BTF), run says once that these are not observed.\n"
	       "\n"
	       "Under PrivateNetwork= or an enforced IPAddressDeny=, the tracer also watches each connect and\n"
	       "each sendto with an address, and lists each one a network setting made fail: the call, the\n"
	       "address:port, the errno, the first process, the setting and the fix. PrivateNetwork=yes: no\n"
	       "route off loopback (ENETUNREACH, EHOSTUNREACH), or a loopback connect refused (ECONNREFUSED)\n"
	       "where the host has a TCP listener at exit; fix PrivateNetwork=no. IPAddressDeny= (its most\n"
	       "specific matching entry): a datagram fails with EPERM; a dropped TCP SYN is retried, so\n"
	       "connect() times out (ETIMEDOUT), says EINPROGRESS non-blocking, or is interrupted; fix\n"
	       "IPAddressAllow=ADDRESS/32 (or /128). Not seen: a non-blocking connect's later refusal\n"
	       "(SO_ERROR), sendmsg, sends on a connected UDP socket. The capabilities the kernel refused\n"
	       "(Linux 6.15+) are named too; one refused in a mere path lookup (stat, access, readlink) is\n"
	       "not counted as a denial.\n"
	       "\n"
	       "harden stays the parent: when the filter kills CMD or any descendant, it prints the syscall\n"
	       "(name, number, ABI), the process, every group holding the call and the smallest fix, and exits\n"
	       "with CMD's status (159 = 128+SIGSYS). A call the filter denies with an errno\n"
	       "(SystemCallErrorNumber=, NAME:ERRNO) fails in CMD as under systemd, and each such call is listed\n"
	       "at exit with its count, process, groups and fix (an ENOSYS that glibc falls back from is\n"
	       "marked \"fallback\"); the exit status stays CMD's. INT, TERM and HUP sent to harden are passed on (a\n"
	       "terminal's Ctrl-C reaches CMD directly). Under another seccomp listener (harden inside harden)\n"
	       "the filter is still enforced, but kills cannot be explained; --audit then fails closed.\n"
	       "\n"
	       "Options:\n"
	       "  --unit FILE        read the settings from a unit file (and its drop-ins)\n"
	       "  -p, --property S=V a setting, applied after the unit file like an extra line; an invalid\n"
	       "                     value is an error\n"
	       "  --audit            permissive: CMD runs as if unfiltered; every call the filter WOULD block is\n"
	       "                     reported at the end (count, first process, groups, fix); a call answered\n"
	       "                     ENOSYS that glibc retries with an older one (clone3 -> clone) is\n"
	       "                     marked \"fallback\" instead of given a fix; the file-system and\n"
	       "                     credential settings are not applied (said)\n"
	       "  --strict           unit-file warnings are errors\n"
	       "  --systemd=V        semantics of systemd V: 252..262 or latest = 262 (default: the\n"
	       "                     installed one if harden models it, else latest)\n"
	       "  --export-bpf FILE  write the program (raw BPF, as bwrap --seccomp reads it); CMD optional\n"
	       "  --print-bpf        print the program as libseccomp pseudo code; CMD optional\n"
	       "  --while=WORKLOAD   with --unit and no CMD: start the unit's own service the way learn --unit\n"
	       "                     does (User=/Group=, environment, RuntimeDirectory= and its kin,\n"
	       "                     ExecStartPre=, Type=forking, ExecStop=, KillSignal=, TimeoutStopSec=),\n"
	       "                     each command systemd sandboxes under the unit's sandbox with its drop-ins\n"
	       "                     (\"+\" ones bare), run /bin/sh -c WORKLOAD once it is up, stop it, and say\n"
	       "                     whether the workload passed with nothing killed or denied\n"
	       "  --ready-after=SEC  --while: up once it listens on a socket, or after SEC (default 1)\n"
	       "  --stop-timeout=SEC --while: stop signal -> SIGKILL (default TimeoutStopSec=, else 10)\n"
	       "  --allow-partial    run even where the file-system, credential, device or IP address\n"
	       "                     settings cannot be enforced (not root, no cgroup v2): each is then\n"
	       "                     listed as not enforced\n"
	       "  --exec-ids=UID:GID run CMD as UID:GID instead of User=/Group= (said), with the groups GID\n"
	       "                     and SupplementaryGroups=; ids that are User='s own keep its groups\n"
	       "                     from the group database. \"keep\": harden's own ids, whatever User=\n"
	       "                     says (a \"!\" command: it still gets User='s groups, as under systemd\n"
	       "                     252). Used by --while for the unit's commands\n"
	       "  --report-fd=FD     also write every report as a JSON line to FD (used by --while for its\n"
	       "                     commands, which then leave the notes to it)\n"
	       "  --json             reports as JSON on stderr (stdout is CMD's): one {\"blocked\":{...}} line per\n"
	       "                     kill, and at the end {\"denied\":[...]} (or {\"audit\":[...]} with --audit);\n"
	       "                     under file-system settings that object also has \"fs_denied\":[...] (each\n"
	       "                     with \"kind\":\"file-system\", call, path, errno_name, count, pid, comm,\n"
	       "                     setting, fix: [lines], remove) and \"fs_observed\" (false: why in\n"
	       "                     \"fs_unobserved\"); under network settings \"net_denied\":[...] (each\n"
	       "                     with call, address, port, errno_name, count, pid, comm, setting, fix,\n"
	       "                     why) and \"net_observed\"; when traced, \"cap_denied\":[...] (each with\n"
	       "                     capability, call, pid, comm, count, setting, fix, lookup)\n"
	       "  -h, --help         this text\n"
	       "\n"
	       "Exit status: CMD's status (128+N when killed by signal N); with --while 0 when the workload\n"
	       "passed and nothing was killed or denied, by the filter or a file-system or network setting\n"
	       "(an ENOSYS glibc falls back from is no denial; a capability refusal is listed, not counted),\n"
	       "else 1; 1 --strict warnings or an unreadable unit file; 2 usage error or\n"
	       "invalid -p value; 125 the sandbox could not be built or installed exactly, a user or group is\n"
	       "unknown, WorkingDirectory= cannot be entered, or the device or IP address settings have no\n"
	       "cgroup (CMD NOT run, fail closed); 126 CMD not executable; 127 CMD not found.\n",
	       cli_program, cli_program, cli_program);
}

/* Why run leaves a setting to systemd: what only a service manager has (a cgroup of the unit's own, its
 * allocations, its journal and credentials), or what run does not do (yet). */
static const char *not_enforced_why(const char *key)
{
	static const char *const cgroup[] = { "IPAccounting", "IPIngressFilterPath", "IPEgressFilterPath",
		"SocketBindAllow", "SocketBindDeny", "RestrictNetworkInterfaces", "RestrictFileSystems", "Delegate", "Slice", "ManagedOOMSwap",
		"ManagedOOMMemoryPressure", "ManagedOOMMemoryPressureLimit", "ManagedOOMPreference", "AllowedCPUs",
		"AllowedMemoryNodes", "DisableControllers", NULL };
	static const char *const prefixes[] = { "Memory", "CPU", "IO", "BlockIO", "Tasks", "Startup", NULL };
	static const struct {
		const char *key, *why;
	} other[] = {
		{ "DevicePolicy", "BPF programs on a cgroup v2 of the command's own, not possible here" },
		{ "DeviceAllow", "BPF programs on a cgroup v2 of the command's own, not possible here" },
		{ "IPAddressAllow", "BPF programs on a cgroup v2 of the command's own, not possible here" },
		{ "IPAddressDeny", "BPF programs on a cgroup v2 of the command's own, not possible here" },
		{ "DynamicUser", "needs systemd: a user it allocates" },
		{ "LogNamespace", "needs systemd: a journal namespace" },
		{ "LoadCredential", "needs systemd: its credentials" },
		{ "LoadCredentialEncrypted", "needs systemd: its credentials" },
		{ "SetCredential", "needs systemd: its credentials" },
		{ "SetCredentialEncrypted", "needs systemd: its credentials" },
		{ "ImportCredential", "needs systemd: its credentials" },
	};
	for (const char *const *k = cgroup; *k; k++)
		if (strcmp(*k, key) == 0)
			return "needs systemd: the service's own cgroup";
	/* the resource limits: the cgroup's too */
	for (const char *const *p = prefixes; *p; p++)
		if (strncmp(key, *p, strlen(*p)) == 0 && strcmp(key, "MemoryDenyWriteExecute") != 0)
			return "needs systemd: the service's own cgroup";
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (strcmp(other[i].key, key) == 0)
			return other[i].why;
	return "not done by run";
}

/* Quiet: a command of run --unit --while (--report-fd), whose run says the notes once for the unit. */
static bool quiet_run(int report_fd)
{
	return report_fd >= 0;
}

/* A new cgroup of the command's own with its programs attached: the device program of
 * DevicePolicy=/DeviceAllow= (made concrete here) and the ingress and egress programs of
 * IPAddressAllow=/IPAddressDeny=. 0; -ENOMEM; another -errno with why said (nothing is left behind). */
static int setup_cgroup(const struct hd_devices *devices, const struct hd_ipfilter *ipf, struct hd_cgroup *cg,
			bool *have_cgroup, hd_diags *diags, char *why, size_t why_size)
{
	int progs[3] = { -1, -1, -1 }; /* device, ingress, egress */
	const unsigned types[3] = { BPF_CGROUP_DEVICE, BPF_CGROUP_INET_INGRESS, BPF_CGROUP_INET_EGRESS };
	char log[4096] = "";
	int r = 0;
	if (hd_devices_active(devices)) {
		struct hd_device_rules rules;
		r = hd_devices_resolve(devices, NULL, &rules, diags);
		if (r < 0)
			return r;
		r = progs[0] = hd_devices_load(&rules, log, sizeof(log));
		hd_device_rules_free(&rules);
		if (r < 0) {
			log[strcspn(log, "\n")] = 0;
			snprintf(why, why_size, "the kernel refuses the device program: %s%s%.300s", strerror(-r),
				 log[0] ? ": " : "", log);
		}
	}
	if (r >= 0 && hd_ipfilter_active(ipf)) {
		r = hd_ipfilter_load(ipf, &progs[1], &progs[2], log, sizeof(log));
		if (r < 0) {
			log[strcspn(log, "\n")] = 0;
			snprintf(why, why_size, "the kernel refuses the IP address programs: %s%s%.300s", strerror(-r),
				 log[0] ? ": " : "", log);
		}
	}
	if (r >= 0)
		r = hd_cgroup_create(cg, why, why_size);
	if (r >= 0)
		*have_cgroup = true;
	for (int i = 0; i < 3; i++) {
		if (progs[i] < 0)
			continue;
		if (r >= 0) {
			r = hd_cgroup_attach(cg, progs[i], types[i]);
			if (r < 0)
				snprintf(why, why_size, "cannot attach a program to %.300s: %s", cg->path, strerror(-r));
		}
		close(progs[i]); /* the cgroup holds it now */
	}
	if (r < 0 && *have_cgroup) {
		size_t left;
		hd_cgroup_remove(cg, &left);
		*have_cgroup = false;
	}
	return r == -ENOMEM ? -EIO : r; /* -ENOMEM: ours only */
}

/* ---- reports ---- */

/* The calls the mount plan made fail, as the eBPF tracer saw them (see fs_watch_init below). */
struct fs_item {
	const struct hd_profile_failure *f;
	struct hd_fs_denial d;
};
/* The connects and sends a network setting made fail (sandbox/netdenial), seen by the same tracer. */
struct net_item {
	const struct hd_profile_failure *f;
	struct hd_net_denial d;
};
struct fs_report {
	bool planned;       /* the command ran under a mount plan */
	bool net_planned;   /* ... or under PrivateNetwork= or an enforced IPAddressDeny= */
	struct net_item *nv; /* blamed on a network setting */
	size_t nn;
	bool observed;      /* ... and was followed by the tracer from its first call */
	char why[320];      /* not observed: why */
	struct fs_item *v;  /* blamed on a setting */
	size_t n;
	uint64_t lost;      /* records the tracer had to drop, calls it could not follow: the list may miss some */
	bool incomplete;
	const struct hd_profile *prof; /* what the tracer saw (capability checks refused, with eBPF on cap_capable) */
};

struct report_ctx {
	const struct hd_sandbox *sb;
	int sdver;
	struct hd_audit audit;
	bool json;
	int report_fd; /* --report-fd: every report also goes there as a JSON line (-1: none) */
	struct fs_report *fs; /* NULL: no mount plan */
};

/* A JSON report line: to stderr with --json, and to --report-fd's file; o is released. */
static void report_json(const struct report_ctx *rc, json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (rc->report_fd >= 0)
		dprintf(rc->report_fd, "%s\n", text);
	if (rc->json)
		fprintf(stderr, "%s\n", text);
	json_object_put(o);
}

static const char *abi_name(hd_arch a)
{
	const struct hd_arch_info *ai = hd_arch_info(a);
	return ai ? ai->name : "unknown ABI";
}

static void print_fix(const struct report_ctx *rc, const struct hd_violation *v, const char *indent)
{
	struct hd_fix f;
	hd_violation_fix(rc->sb, rc->sdver, v, &f); /* out of memory: the fix as far as it got */
	if (f.setting[0])
		fprintf(stderr, "%sfix: %s\n", indent, f.setting);
	if (f.group) {
		fprintf(stderr, "%s     or SystemCallFilter=%s, which also allows", indent, f.group->name);
		if (f.group_adds.n == 0)
			fprintf(stderr, " nothing else that is blocked now");
		for (size_t i = 0; i < f.group_adds.n; i++)
			fprintf(stderr, "%s %s", i ? "," : ":", f.group_adds.v[i]);
		fprintf(stderr, "\n");
	}
	hd_fix_free(&f);
}

static void print_groups(const struct report_ctx *rc, const char *name, const char *indent)
{
	hd_strv paths = { 0 };
	if (name && hd_group_paths(name, rc->sdver, &paths) >= 0 && paths.n) {
		fprintf(stderr, "%sgroups:", indent);
		for (size_t i = 0; i < paths.n; i++)
			fprintf(stderr, "%s %s", i ? ";" : "", paths.v[i]);
		fprintf(stderr, "\n");
	} else {
		fprintf(stderr, "%sgroups: none\n", indent);
	}
	hd_strv_free(&paths);
}

/* The older call glibc retries with when this one fails with ENOSYS, if that is what the filter answers:
 * such a "block" is a fallback (systemd answers clone3 ENOSYS under RestrictNamespaces=), no break as
 * long as the older call is allowed. NULL otherwise. */
static const char *enosys_fallback(const struct hd_violation *v)
{
	if (v->verdict.action.kind != HD_ACT_ERRNO || v->verdict.action.errno_value != ENOSYS)
		return NULL;
	return hd_fallback_of(hd_violation_call_name(v));
}

/* One violation as JSON (count: --audit, 0 for a kill). */
static json_object *violation_json(const struct report_ctx *rc, const struct hd_violation *v, unsigned long count)
{
	json_object *o = json_object_new_object();
	char act[64];
	const char *name = hd_violation_call_name(v);
	json_object_object_add(o, "syscall", name ? json_object_new_string(name) : NULL);
	json_object_object_add(o, "nr", json_object_new_int(v->nr));
	json_object_object_add(o, "abi", json_object_new_string(abi_name(v->verdict.abi)));
	json_object_object_add(o, "pid", json_object_new_int(v->tgid));
	json_object_object_add(o, "tid", json_object_new_int(v->tid));
	json_object_object_add(o, "comm", json_object_new_string(v->comm));
	json_object_object_add(o, "exe", json_object_new_string(v->exe));
	json_object_object_add(o, "setting", json_object_new_string(v->verdict.origin ? v->verdict.origin : "SystemCallFilter"));
	json_object_object_add(o, "action", json_object_new_string(hd_action_format(v->verdict.action, act, sizeof(act))));
	json_object_object_add(o, "killed", json_object_new_boolean(v->killed));
	json_object_object_add(o, "denied", json_object_new_boolean(v->denied));
	if (count)
		json_object_object_add(o, "count", json_object_new_int64((int64_t)count));
	const char *older = enosys_fallback(v);
	json_object_object_add(o, "fallback", older ? json_object_new_string(older) : NULL);
	json_object *groups = json_object_new_array();
	hd_strv paths = { 0 };
	if (name && hd_group_paths(name, rc->sdver, &paths) >= 0)
		for (size_t i = 0; i < paths.n; i++)
			json_object_array_add(groups, json_object_new_string(paths.v[i]));
	hd_strv_free(&paths);
	json_object_object_add(o, "groups", groups);
	struct hd_fix f;
	hd_violation_fix(rc->sb, rc->sdver, v, &f); /* out of memory: the fix as far as it got */
	json_object_object_add(o, "fix", f.setting[0] ? json_object_new_string(f.setting) : NULL);
	if (f.group) {
		json_object_object_add(o, "fix_group", json_object_new_string(f.group->name));
		json_object *adds = json_object_new_array();
		for (size_t i = 0; i < f.group_adds.n; i++)
			json_object_array_add(adds, json_object_new_string(f.group_adds.v[i]));
		json_object_object_add(o, "fix_group_also_allows", adds);
	}
	hd_fix_free(&f);
	return o;
}

static void describe(const struct hd_violation *v, char *buf, size_t size)
{
	char act[64];
	hd_action_format(v->verdict.action, act, sizeof(act));
	char thread[32] = "";
	if (v->tgid != v->tid)
		snprintf(thread, sizeof(thread), " thread %d", (int)v->tid);
	char name[96];
	const char *call = hd_violation_call_name(v);
	if (call != v->verdict.name)
		snprintf(name, sizeof(name), "%s (through %s)", call, v->verdict.name);
	else
		snprintf(name, sizeof(name), "%s", v->verdict.name ? v->verdict.name : "unknown syscall");
	snprintf(buf, size, "%s (nr %d, %s) in pid %d%s (%s, %s), by %s= (%s)",
		 name, v->nr, abi_name(v->verdict.abi), (int)v->tgid,
		 thread, v->comm, v->exe[0] ? v->exe : "?", v->verdict.origin ? v->verdict.origin : "SystemCallFilter",
		 act);
}

static void on_violation(const struct hd_violation *v, void *userdata)
{
	struct report_ctx *rc = userdata;
	if (v->killed && (rc->json || rc->report_fd >= 0)) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "blocked", violation_json(rc, v, 0));
		report_json(rc, o);
		if (rc->json)
			return;
	}
	if (v->killed) {
		char d[1024];
		describe(v, d, sizeof(d));
		fprintf(stderr, "%s run: blocked %s: killed\n", cli_program, d);
		print_groups(rc, hd_violation_call_name(v), "  ");
		print_fix(rc, v, "  ");
		return;
	}
	/* --audit: it would have been blocked; else denied with an errno: counted, said once at exit */
	hd_audit_add(&rc->audit, v); /* out of memory: the report says it is incomplete */
}

static const char *errno_label(int err)
{
	/* the kernel's restart codes: a tracer sees them at the exit of a call a signal interrupted */
	if (err == 512)
		return "ERESTARTSYS";
	const char *n = hd_errno_name(err);
	return n ? n : "?";
}

/* The file-system denials into the end report: "fs_denied" (each with the call, path, errno, process,
 * setting and fix), "fs_observed", and why not in "fs_unobserved". */
static void fs_json(const struct fs_report *fs, json_object *o)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < fs->n; i++) {
		const struct hd_profile_failure *f = fs->v[i].f;
		const struct hd_fs_denial *d = &fs->v[i].d;
		json_object *e = json_object_new_object();
		json_object_object_add(e, "kind", json_object_new_string("file-system"));
		json_object_object_add(e, "call", json_object_new_string(f->call));
		json_object_object_add(e, "path", json_object_new_string(f->path));
		json_object_object_add(e, "target", cli_json_str(f->target));
		json_object_object_add(e, "errno", json_object_new_int(f->err));
		json_object_object_add(e, "errno_name", json_object_new_string(errno_label(f->err)));
		json_object_object_add(e, "count", json_object_new_int64((int64_t)f->count));
		json_object_object_add(e, "pid", json_object_new_int(f->tgid));
		json_object_object_add(e, "tid", json_object_new_int(f->tid));
		json_object_object_add(e, "comm", json_object_new_string(f->comm));
		json_object_object_add(e, "setting", json_object_new_string(d->entry->origin));
		json_object_object_add(e, "mount", json_object_new_string(d->entry->path));
		json_object_object_add(e, "fix", cli_json_strv(&d->fix));
		json_object_object_add(e, "remove", cli_json_str(d->remove));
		json_object_object_add(e, "unwritable", cli_json_str(d->unwritable));
		json_object_object_add(e, "seen_by", json_object_new_string("eBPF"));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "fs_denied", a);
	json_object_object_add(o, "fs_observed", json_object_new_boolean(fs->observed));
	if (!fs->observed)
		json_object_object_add(o, "fs_unobserved", json_object_new_string(fs->why));
	else if (fs->incomplete)
		json_object_object_add(o, "fs_complete", json_object_new_boolean(false));
}

/* The network denials into the end report: "net_denied" (each with the call, address, errno, process,
 * setting, fix and why), "net_observed", and why not in "net_unobserved". */
static void net_json(const struct fs_report *fs, json_object *o)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < fs->nn; i++) {
		const struct hd_profile_failure *f = fs->nv[i].f;
		const struct hd_net_denial *d = &fs->nv[i].d;
		json_object *e = json_object_new_object();
		json_object_object_add(e, "kind", json_object_new_string("network"));
		json_object_object_add(e, "call", json_object_new_string(f->call));
		json_object_object_add(e, "address", json_object_new_string(f->path));
		json_object_object_add(e, "port", json_object_new_int((int)f->port));
		json_object_object_add(e, "errno", json_object_new_int(f->err));
		json_object_object_add(e, "errno_name", json_object_new_string(errno_label(f->err)));
		json_object_object_add(e, "count", json_object_new_int64((int64_t)f->count));
		json_object_object_add(e, "pid", json_object_new_int(f->tgid));
		json_object_object_add(e, "tid", json_object_new_int(f->tid));
		json_object_object_add(e, "comm", json_object_new_string(f->comm));
		json_object_object_add(e, "setting", json_object_new_string(d->setting));
		json_object_object_add(e, "fix", json_object_new_string(d->fix));
		json_object_object_add(e, "why", cli_json_str(d->why));
		json_object_object_add(e, "seen_by", json_object_new_string("eBPF"));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "net_denied", a);
	json_object_object_add(o, "net_observed", json_object_new_boolean(fs->observed));
	if (!fs->observed)
		json_object_object_add(o, "net_unobserved", json_object_new_string(fs->why));
	else if (fs->incomplete)
		json_object_object_add(o, "net_complete", json_object_new_boolean(false));
}

/* A capability the kernel refused and never granted: one the bounding set took away (the program did
 * not get on without it by some other way it also tried). */
static bool cap_refused(const struct hd_profile *p, int i)
{
	return p && p->caps_source == HD_CAPS_KERNEL && p->caps[i].denied && !p->caps[i].granted;
}

/* The first refusal's evidence, "comm (pid N): call" (learn/trace/ebpf.c words it so): its parts, or
 * false if it does not read so. comm may hold anything: the last " (pid " is the one. */
static bool cap_evidence_parts(const char *ev, char comm[17], int *pid, const char **call)
{
	const char *at = NULL;
	for (const char *p = ev ? strstr(ev, " (pid ") : NULL; p; p = strstr(p + 1, " (pid "))
		at = p;
	int used = 0;
	if (!at || (size_t)(at - ev) > 16 || sscanf(at, " (pid %d):%n", pid, &used) != 1 || used == 0)
		return false;
	snprintf(comm, 17, "%.*s", (int)(at - ev), ev);
	*call = at + used + (at[used] == ' ');
	return true;
}

/* A refusal of CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH in a call that only looks a path up (a shell's
 * search of PATH through /root, a stat of a file under a directory of another owner): the path then looks
 * missing or unreadable, as it does to any unprivileged caller, and programs that search expect that. It
 * is listed, but not counted as a denial (run --unit --while, learn --verify): if the program needed the
 * file, its open is refused too, and that one counts. */
static bool cap_lookup_only(int cap, const char *call)
{
	static const char *const lookups[] = { "stat", "lstat", "stat64", "lstat64", "newfstatat", "fstatat64", "statx",
					       "access", "faccessat", "faccessat2", "readlink", "readlinkat", NULL };
	if (cap != 1 /* CAP_DAC_OVERRIDE */ && cap != 2 /* CAP_DAC_READ_SEARCH */)
		return false;
	for (const char *const *l = lookups; call && *l; l++)
		if (strcmp(*l, call) == 0)
			return true;
	return false;
}

/* The capability refusals into the end report: "cap_denied", each with the capability, the call, the
 * first process, the count, the setting and the fix; "lookup": true when it is not a denial to count
 * (cap_lookup_only). */
static void cap_json(const struct fs_report *fs, json_object *o)
{
	json_object *a = json_object_new_array();
	for (int i = 0; i < 64; i++) {
		if (!cap_refused(fs->prof, i))
			continue;
		const struct hd_profile_cap *c = &fs->prof->caps[i];
		const char *name = hd_capability_name(i), *call = NULL;
		char comm[17] = "", fix[64];
		int pid = 0;
		bool parts = cap_evidence_parts(c->evidence, comm, &pid, &call);
		json_object *e = json_object_new_object();
		json_object_object_add(e, "kind", json_object_new_string("capability"));
		json_object_object_add(e, "capability", name ? json_object_new_string(name) : json_object_new_int(i));
		json_object_object_add(e, "call", parts ? json_object_new_string(call) : NULL);
		json_object_object_add(e, "pid", parts ? json_object_new_int(pid) : NULL);
		json_object_object_add(e, "comm", parts ? json_object_new_string(comm) : NULL);
		json_object_object_add(e, "count", json_object_new_int64((int64_t)c->denied));
		json_object_object_add(e, "setting", json_object_new_string("CapabilityBoundingSet"));
		snprintf(fix, sizeof(fix), "CapabilityBoundingSet=%s", name ? name : "?");
		json_object_object_add(e, "fix", json_object_new_string(fix));
		json_object_object_add(e, "lookup", json_object_new_boolean(parts && cap_lookup_only(i, call)));
		json_object_object_add(e, "seen_by", json_object_new_string("eBPF"));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "cap_denied", a);
}

/* At exit, after the seccomp tally: each call a file-system setting made fail, with the setting and fix. */
/* Capability checks the kernel refused, never granted (a capability the bounding set took away): each
 * named with the call it was asked for in. Seen where the eBPF tracer watches the kernel's checks. */
static void print_caps_refused(const struct fs_report *fs)
{
	const struct hd_profile *p = fs->prof;
	for (int i = 0; i < 64; i++) {
		if (!cap_refused(p, i))
			continue;
		const char *name = hd_capability_name(i);
		char *ev = NULL;
		if (!p->caps[i].evidence || hd_unit_printable(p->caps[i].evidence, &ev) < 0)
			ev = NULL;
		char comm[17];
		int pid;
		const char *call = NULL;
		bool lookup = cap_evidence_parts(p->caps[i].evidence, comm, &pid, &call) && cap_lookup_only(i, call);
		fprintf(stderr, "%s run: capability %s refused (%s): not in the bounding set (fix, if the program "
			"needs it: CapabilityBoundingSet=%s)%s\n", cli_program, name ? name : "?", ev ? ev : "?",
			name ? name : "?", lookup ? "; a path lookup, not counted as a denial" : "");
		free(ev);
	}
}

/* At exit: each connect or send a network setting made fail, with the setting and fix. */
static void print_net(const struct fs_report *fs)
{
	if (fs->nn == 0)
		return;
	fprintf(stderr, "%s run: %zu network call%s failed because of the settings (seen by eBPF):\n", cli_program,
		fs->nn, fs->nn == 1 ? "" : "s");
	for (size_t i = 0; i < fs->nn; i++) {
		const struct hd_profile_failure *f = fs->nv[i].f;
		const struct hd_net_denial *d = &fs->nv[i].d;
		fprintf(stderr, "- %s %s: %s (%s), %" PRIu64 " call%s, first in pid %d", f->call, f->path,
			errno_label(f->err), f->err < 512 ? strerror(f->err) : "interrupted", f->count,
			f->count == 1 ? "" : "s", f->tgid);
		if (f->tid != f->tgid)
			fprintf(stderr, " thread %d", f->tid);
		fprintf(stderr, " (%s), by %s: %s\n", f->comm[0] ? f->comm : "?", d->setting, d->why ? d->why : "");
		fprintf(stderr, "  fix: %s\n", d->fix);
	}
	if (fs->incomplete)
		fprintf(stderr, "%s run: the tracer dropped some records: the list may be incomplete\n", cli_program);
}

static void print_fs(const struct report_ctx *rc)
{
	const struct fs_report *fs = rc->fs;
	if (fs && fs->observed && !rc->json) {
		print_caps_refused(fs);
		print_net(fs);
	}
	if (!fs || !fs->observed || fs->n == 0 || rc->json)
		return;
	fprintf(stderr, "%s run: %zu file-system call%s failed because of the settings (seen by eBPF):\n", cli_program,
		fs->n, fs->n == 1 ? "" : "s");
	for (size_t i = 0; i < fs->n; i++) {
		const struct hd_profile_failure *f = fs->v[i].f;
		const struct hd_fs_denial *d = &fs->v[i].d;
		char *path = NULL;
		/* a path is the program's choice: one line whatever it holds */
		if (hd_unit_printable(f->path, &path) < 0)
			path = NULL;
		fprintf(stderr, "- %s %s: %s (%s), %" PRIu64 " call%s, first in pid %d", f->call, path ? path : "?",
			errno_label(f->err), strerror(f->err), f->count, f->count == 1 ? "" : "s", f->tgid);
		if (f->tid != f->tgid)
			fprintf(stderr, " thread %d", f->tid);
		fprintf(stderr, " (%s), by %s\n", f->comm[0] ? f->comm : "?", d->entry->origin);
		free(path);
		for (size_t k = 0; k < d->fix.n; k++)
			fprintf(stderr, "  %s %s%s%s\n", k ? "   " : "fix:", d->fix.v[k], d->remove && k == d->fix.n - 1 ? " instead of " : "",
				d->remove && k == d->fix.n - 1 ? d->remove : "");
		if (d->remove && d->fix.n == 0)
			fprintf(stderr, "  fix: remove %s\n", d->remove);
		if (d->unwritable)
			fprintf(stderr, "  fix: ReadWritePaths= cannot name that directory in a unit file: it %s\n", d->unwritable);
	}
	if (fs->incomplete)
		fprintf(stderr, "%s run: the tracer dropped some records: the list may be incomplete\n", cli_program);
}

/* At exit: every call --audit let through that the filter would block, or (enforcing) every call the
 * filter denied with an errno, once per call with a count; an ENOSYS glibc falls back from is marked. */
static void print_tally(const struct report_ctx *rc, bool audit)
{
	if (rc->json || rc->report_fd >= 0) {
		json_object *o = json_object_new_object(), *a = json_object_new_array();
		for (size_t i = 0; i < rc->audit.n; i++)
			json_object_array_add(a, violation_json(rc, &rc->audit.v[i].first, rc->audit.v[i].count));
		json_object_object_add(o, audit ? "audit" : "denied", a);
		json_object_object_add(o, "complete", json_object_new_boolean(!rc->audit.incomplete));
		if (rc->fs && rc->fs->planned)
			fs_json(rc->fs, o);
		if (rc->fs && rc->fs->net_planned)
			net_json(rc->fs, o);
		if (rc->fs && rc->fs->observed)
			cap_json(rc->fs, o);
		report_json(rc, o);
		if (rc->json)
			return;
	}
	const char *who = audit ? "run --audit" : "run";
	if (rc->audit.n == 0) {
		if (audit)
			fprintf(stderr, "%s %s: no call would have been blocked\n", cli_program, who);
		return;
	}
	size_t fallbacks = 0;
	for (size_t i = 0; i < rc->audit.n; i++)
		fallbacks += enosys_fallback(&rc->audit.v[i].first) != NULL;
	fprintf(stderr, "%s %s: %zu system call%s %s", cli_program, who, rc->audit.n, rc->audit.n == 1 ? "" : "s",
		audit ? "would have been blocked"
		: rc->audit.n == 1 ? "was denied (it failed with an error the program saw)"
				   : "were denied (they failed with an error the program saw)");
	if (fallbacks)
		fprintf(stderr, " (%zu of them answered ENOSYS, which glibc falls back from)", fallbacks);
	fprintf(stderr, ":\n");
	for (size_t i = 0; i < rc->audit.n; i++) {
		char d[1024];
		describe(&rc->audit.v[i].first, d, sizeof(d));
		fprintf(stderr, "- %s: %lu call%s%s, first %s\n",
			rc->audit.v[i].first.verdict.name ? rc->audit.v[i].first.verdict.name : "?", rc->audit.v[i].count,
			rc->audit.v[i].count == 1 ? "" : "s", audit ? "" : " denied", d);
		print_groups(rc, hd_violation_call_name(&rc->audit.v[i].first), "  ");
		const char *older = enosys_fallback(&rc->audit.v[i].first);
		if (older)
			fprintf(stderr, "  fallback: ENOSYS makes glibc retry with %s: nothing breaks while %s is allowed\n",
				older, older);
		else
			print_fix(rc, &rc->audit.v[i].first, "  ");
	}
	if (rc->audit.incomplete)
		fprintf(stderr, "%s %s: out of memory, the list is incomplete\n", cli_program, who);
}

/* ---- the calls a mount plan makes fail: the command followed by the eBPF tracer ---- */

/* The tracer runs in a thread of harden while the supervisor (this thread) waits for the command. The
 * command's process waits at supervise's gate, its mounts set up, until the tracer follows it (attached)
 * or has given up (finished): not one of its calls is missed, and none waits on a tracer that failed
 * (cli/tracer.h). supervise's on_ready: the command's process exists with its mounts; follow it. */
static void fs_watch_ready(void *ctx, pid_t pid)
{
	struct cli_tracer *w = ctx;
	w->to.pid = pid;
	cli_tracer_start(w);
}

static void fs_watch_init(struct cli_tracer *w)
{
	cli_tracer_init(w);
	w->to.record_failures = true;
}

/* path with the symbolic links of its longest existing ancestor resolved on the host (/var/run/x ->
 * /run/x), so that it meets the plan's entries under their own names; as it is when nothing resolves. */
static void canonical(const char *path, char out[PATH_MAX])
{
	char head[PATH_MAX];
	snprintf(head, sizeof(head), "%s", path);
	for (;;) {
		char *real = realpath(head, NULL);
		if (real) {
			const char *rest = path + strlen(head);
			int n = snprintf(out, PATH_MAX, "%s%s", strcmp(real, "/") == 0 && *rest ? "" : real, rest);
			free(real);
			if (n > 0 && n < PATH_MAX)
				return;
			break;
		}
		char *slash = strrchr(head, '/');
		if (!slash || slash == head)
			break;
		*slash = '\0';
	}
	snprintf(out, PATH_MAX, "%s", path);
}

/* The command has ended: stop the tracer, and map what it saw onto the plan into fs. */
static int fs_watch_finish(struct cli_tracer *w, const struct hd_mount_plan *plan, const struct hd_ipfilter *ipf,
			   struct fs_report *fs)
{
	cli_tracer_stop(w);
	fs->observed = w->attached;
	if (!fs->observed) {
		snprintf(fs->why, sizeof(fs->why), "eBPF: %s", w->diags.n ? w->diags.v[0].text : "the tracer did not start");
		return 0;
	}
	fs->prof = &w->prof;
	fs->lost = w->res.lost + w->res.unfollowed;
	fs->incomplete = fs->lost > 0 || w->prof.failures_dropped > 0;
	for (size_t i = 0; i < w->prof.n_failures; i++) {
		const struct hd_profile_failure *f = &w->prof.failures[i];
		if (f->family) { /* a connect or sendto: its address against the network settings */
			struct hd_net_call c = { .call = f->call, .family = f->family, .port = f->port, .err = f->err };
			memcpy(c.addr, f->addr, sizeof(c.addr));
			struct hd_net_denial nd;
			if (!hd_net_denial_explain(plan->private_network, ipf, &c, &hd_net_probe_host, &nd))
				continue;
			struct net_item *nv = realloc(fs->nv, (fs->nn + 1) * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			fs->nv = nv;
			fs->nv[fs->nn++] = (struct net_item){ .f = f, .d = nd };
			continue;
		}
		struct hd_fs_denial d;
		char path[PATH_MAX], target[PATH_MAX];
		canonical(f->path, path);
		if (f->target)
			canonical(f->target, target);
		int r = hd_fs_denial_explain(plan, path, f->target ? target : NULL, f->err, &hd_fs_probe_host, &d);
		if (r <= 0) {
			hd_fs_denial_free(&d);
			if (r < 0)
				return r;
			continue;
		}
		struct fs_item *v = realloc(fs->v, (fs->n + 1) * sizeof(*v));
		if (!v) {
			hd_fs_denial_free(&d);
			return -ENOMEM;
		}
		fs->v = v;
		fs->v[fs->n++] = (struct fs_item){ .f = f, .d = d };
	}
	return 0;
}

static void fs_watch_free(struct cli_tracer *w, struct fs_report *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		hd_fs_denial_free(&fs->v[i].d);
	free(fs->v);
	fs->v = NULL;
	fs->n = 0;
	free(fs->nv);
	fs->nv = NULL;
	fs->nn = 0;
	cli_tracer_free(w);
}

/* ---- --unit FILE --while WORKLOAD: the unit's own service, each command under the unit's sandbox ---- */

static volatile sig_atomic_t unit_stop_requested;
static void on_unit_stop(int sig)
{
	(void)sig;
	unit_stop_requested = 1;
}

static int run_unit_while(const char *unit, const char *workload, int sdver, const hd_strv *props, bool json,
			  unsigned ready_after_ms, unsigned stop_timeout_ms)
{
	struct hd_service_spec spec = { 0 };
	struct hd_service_exec start_exec = { 0 };
	struct hd_profile prof;
	hd_profile_init(&prof);
	hd_diags diags = { 0 };
	hd_strv made = { 0 }, notes = { 0 };
	int ret = EXIT_FINDINGS, rfd = -1;
	char *abs_unit = realpath(unit, NULL), self[4096];
	ssize_t sn = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (!abs_unit || sn <= 0) {
		fprintf(stderr, "%s run: %s: %s\n", cli_program, abs_unit ? "/proc/self/exe" : unit, strerror(errno));
		goto out;
	}
	self[sn] = '\0';
	int r = hd_service_from_unit(abs_unit, sdver, &spec, &diags);
	bool explained = hd_diags_count(&diags, HD_ERROR) > 0;
	cli_print_diags(&diags);
	hd_diags_free(&diags);
	if (r < 0) {
		fprintf(stderr, "%s run: %s: cannot start its service%s%s; nothing run\n", cli_program, unit,
			explained ? " (see above)" : ": ", explained ? "" : strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < spec.not_done.n; i++)
		fprintf(stderr, "%s run: note: %s: %s\n", cli_program, unit, spec.not_done.v[i]);
	/* what neither the commands' sandbox nor the start enforces: said once here (the commands are quiet) */
	{
		static const char *const started[] = { "Environment", "EnvironmentFile", "RuntimeDirectory",
			"RuntimeDirectoryMode", "RuntimeDirectoryPreserve", "StateDirectory", "StateDirectoryMode", "CacheDirectory", "CacheDirectoryMode", "LogsDirectory",
			"LogsDirectoryMode", "ConfigurationDirectory", "ConfigurationDirectoryMode", NULL };
		struct hd_seccomp_settings ss;
		hd_seccomp_settings_init(&ss);
		hd_strv ne = { 0 };
		struct hd_mount_plan mp = { 0 }; /* enforced by the commands' run: not listed */
		struct hd_creds cr;              /* the same */
		hd_creds_init(&cr);
		struct hd_devices dv = { 0 }; /* the same */
		struct hd_ipfilter ipf = { 0 }; /* the same */
		if (hd_sandbox_apply_unit_mounts(abs_unit, sdver, &ss, &mp, &cr, &dv, &ipf, &diags, &ne) >= 0)
			for (size_t i = 0; i < ne.n; i++) {
				bool applied = false;
				for (const char *const *k = started; *k && !applied; k++)
					applied = strcmp(*k, ne.v[i]) == 0;
				if (!applied)
					fprintf(stderr, "%s run: %s= not enforced by run (%s)\n", cli_program, ne.v[i],
						not_enforced_why(ne.v[i]));
			}
		hd_diags_free(&diags); /* said when the unit was read above */
		hd_strv_free(&ne);
		hd_mount_plan_free(&mp);
		hd_creds_free(&cr);
		hd_devices_free(&dv);
		hd_ipfilter_free(&ipf);
		hd_seccomp_settings_free(&ss);
	}
	/* each command's own harden run reports into this file (unlinked: nothing is left behind) */
	char tmpl[] = "/tmp/harden-run-report.XXXXXX";
	if ((rfd = mkstemp(tmpl)) < 0 || unlink(tmpl) < 0) {
		fprintf(stderr, "%s run: cannot make the report file: %s\n", cli_program, strerror(errno));
		goto out;
	}
	/* every command systemd runs under the sandbox runs under this program's own run --unit: the same
	 * unit file, the same systemd version, the same -p settings */
	r = 0;
	const char *const head[] = { self, "run", "--unit", abs_unit, NULL };
	for (const char *const *h = head; r >= 0 && *h; h++)
		r = hd_strv_push(&spec.wrap, *h);
	if (r >= 0)
		r = hd_strv_pushf(&spec.wrap, "--systemd=%s", hd_systemd_version_name(sdver));
	if (r >= 0)
		r = hd_strv_pushf(&spec.wrap, "--report-fd=%d", rfd);
	for (size_t i = 0; r >= 0 && i < props->n; i++)
		r = hd_strv_pushf(&spec.wrap, "--property=%s", props->v[i]);
	if (r >= 0)
		r = hd_strv_push(&spec.wrap, "--");
	if (r < 0)
		goto oom;
	if (hd_service_dirs_make(&spec.dirs, spec.set_ids, spec.uid, spec.gid, &made, &diags) < 0) {
		cli_print_diags(&diags);
		fprintf(stderr, "%s run: %s: the service's directories cannot be made; nothing run\n", cli_program, unit);
		goto out;
	}
	struct sigaction sa = { .sa_handler = on_unit_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct hd_trace_options to = { .backend = HD_TRACE_NONE, .stop = &unit_stop_requested };
	r = hd_service_run_pre(&spec, &to, &prof, &notes, &diags);
	for (size_t i = 0; i < notes.n; i++)
		fprintf(stderr, "%s run: note: %s\n", cli_program, notes.v[i]);
	if (r == 0)
		r = hd_service_prepare(&spec, &spec.start, NULL, &start_exec, &diags);
	cli_print_diags(&diags);
	hd_diags_free(&diags);
	if (r < 0) {
		fprintf(stderr, "%s run: %s: %s; the workload was not run\n", cli_program, unit,
			r == -ECANCELED ? "an ExecStartPre= failed, so systemd would not start the service"
			: r == -EINTR	? "interrupted"
					: strerror(-r));
		goto out;
	}
	to.argv = start_exec.argv.v;
	to.exec = hd_service_exec_options(&spec, &spec.start, &start_exec);
	to.exec.new_pgrp = false; /* hd_learn_service sets it */
	struct hd_service_options svc = {
		.trace = to,
		.workload = workload,
		.ready_after_ms = ready_after_ms,
		.stop_timeout_ms = stop_timeout_ms ? stop_timeout_ms : spec.stop_timeout_ms ? spec.stop_timeout_ms : 10000,
		.kill_signal = spec.kill_signal,
		.kill_main_only = spec.kill_main_only,
		.forking = spec.forking,
		.pid_file = spec.pid_file,
		.unit = &spec,
	};
	struct hd_service_result sres;
	fflush(NULL);
	r = hd_learn_service(&svc, &prof, &sres, &diags);
	cli_print_diags(&diags);
	hd_diags_free(&diags);
	if (r < 0) {
		fprintf(stderr, "%s run: %s: the service could not be started: %s\n", cli_program, unit, strerror(-r));
		goto out;
	}
	unsigned kills = 0, denied = 0, fallbacks = 0, fs_denied = 0, unobserved = 0, net_denied = 0, cap_denied = 0;
	char unobserved_why[320];
	cli_count_reports(rfd, &kills, &denied, &fallbacks);
	/* the calls the file-system settings made fail count as denied calls: the service broke alike; so do
	 * the connects and sends the network settings made fail. A capability the bounding set refused is
	 * listed but not counted: programs probe for privileges and go on without them (sshd asks for
	 * CAP_SYS_ADMIN in a prctl and works on), and the kernel's check does not say whether the call then
	 * failed; one that broke something shows as a failed step */
	cli_count_fs_reports(rfd, &fs_denied, &unobserved, unobserved_why, sizeof(unobserved_why));
	cli_count_net_cap_reports(rfd, &net_denied, &cap_denied);
	unsigned other_denied = fs_denied + net_denied;
	if (unobserved && !json)
		fprintf(stderr, "%s run: file-system denials are not observed here: %s\n", cli_program, unobserved_why);
	bool up = sres.outcome == HD_SERVICE_RAN || sres.outcome == HD_SERVICE_INTERRUPTED;
	bool work_ok = sres.workload_ran && WIFEXITED(sres.workload_status) && WEXITSTATUS(sres.workload_status) == 0;
	const char *outcome = !up ? "the service did not come up (see above): the workload was not run"
			      : sres.outcome == HD_SERVICE_INTERRUPTED ? "interrupted"
			      : !work_ok ? "the workload failed"
			      : sres.daemon_gone_before_stop ? "the service ended by itself while the workload ran"
			      : kills || denied || other_denied ? "the workload passed, but the sandbox stopped calls"
						: "the workload passed and nothing was stopped";
	ret = up && sres.outcome == HD_SERVICE_RAN && work_ok && !sres.daemon_gone_before_stop && !kills && !denied &&
			      !other_denied
		      ? EXIT_OK
		      : EXIT_FINDINGS;
	if (json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "unit", json_object_new_string(unit));
		json_object_object_add(o, "outcome", json_object_new_string(outcome));
		json_object_object_add(o, "workload_ran", json_object_new_boolean(sres.workload_ran));
		json_object_object_add(o, "workload_exit",
				       sres.workload_ran && WIFEXITED(sres.workload_status)
					       ? json_object_new_int(WEXITSTATUS(sres.workload_status))
					       : NULL);
		json_object_object_add(o, "killed", json_object_new_int((int)kills));
		json_object_object_add(o, "denied", json_object_new_int((int)denied));
		json_object_object_add(o, "fallbacks", json_object_new_int((int)fallbacks));
		json_object_object_add(o, "fs_denied", json_object_new_int((int)fs_denied));
		json_object_object_add(o, "net_denied", json_object_new_int((int)net_denied));
		json_object_object_add(o, "cap_denied", json_object_new_int((int)cap_denied));
		if (unobserved)
			json_object_object_add(o, "fs_unobserved", json_object_new_string(unobserved_why));
		json_object_object_add(o, "passed", json_object_new_boolean(ret == EXIT_OK));
		fprintf(stderr, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		/* the file-system denials only when there are some: the line reads as before otherwise */
		char fs_part[160] = "";
		size_t used = 0;
		if (fs_denied)
			used += (size_t)snprintf(fs_part, sizeof(fs_part), ", %u file-system denial%s", fs_denied,
						 fs_denied == 1 ? "" : "s");
		if (net_denied)
			used += (size_t)snprintf(fs_part + used, sizeof(fs_part) - used, ", %u network denial%s", net_denied,
						 net_denied == 1 ? "" : "s");
		if (cap_denied)
			snprintf(fs_part + used, sizeof(fs_part) - used, " (and %u capability refusal%s, listed above: not "
				 "counted, a program may go on without it)", cap_denied, cap_denied == 1 ? "" : "s");
		fprintf(stderr, "%s run: %s: %s; %u kill%s, %u denied call%s%s%s%s\n", cli_program, unit, outcome, kills,
			kills == 1 ? "" : "s", denied, denied == 1 ? "" : "s", fs_part,
			kills || denied || other_denied ? " (each named above with its fix)" : "",
			fallbacks ? " (and a call answered ENOSYS that glibc falls back from: no break)" : "");
	}
	goto out;
oom:
	fprintf(stderr, "%s run: out of memory\n", cli_program);
out:
	if (made.n)
		hd_service_dirs_cleanup(&spec.dirs, &made);
	hd_strv_free(&made);
	hd_strv_free(&notes);
	hd_service_exec_free(&start_exec);
	hd_service_spec_free(&spec);
	hd_profile_free(&prof);
	hd_diags_free(&diags);
	if (rfd >= 0)
		close(rfd);
	free(abs_unit);
	return ret;
}

int verb_run(int argc, char **argv)
{
	enum { OPT_UNIT = 0x100, OPT_AUDIT, OPT_STRICT, OPT_SYSTEMD, OPT_EXPORT, OPT_PRINT, OPT_JSON, OPT_WHILE,
	       OPT_READY_AFTER, OPT_STOP_TIMEOUT, OPT_REPORT_FD, OPT_ALLOW_PARTIAL, OPT_EXEC_IDS };
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "property", required_argument, NULL, 'p' },
		{ "unit", required_argument, NULL, OPT_UNIT },
		{ "audit", no_argument, NULL, OPT_AUDIT },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "systemd", required_argument, NULL, OPT_SYSTEMD },
		{ "export-bpf", required_argument, NULL, OPT_EXPORT },
		{ "print-bpf", no_argument, NULL, OPT_PRINT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "while", required_argument, NULL, OPT_WHILE },
		{ "ready-after", required_argument, NULL, OPT_READY_AFTER },
		{ "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
		{ "report-fd", required_argument, NULL, OPT_REPORT_FD },
		{ "allow-partial", no_argument, NULL, OPT_ALLOW_PARTIAL },
		{ "exec-ids", required_argument, NULL, OPT_EXEC_IDS },
		{ 0 },
	};
	const char *workload = NULL;
	unsigned ready_after_ms = 1000, stop_timeout_ms = 0; /* 0: the unit's TimeoutStopSec=, else 10 s */
	int report_fd = -1;
	bool allow_partial = false, exec_ids = false, exec_keep = false;
	uid_t exec_uid = 0;
	gid_t exec_gid = 0;
	struct hd_mount_plan mounts = { 0 };
	struct hd_devices devices = { 0 };
	struct hd_ipfilter ipf = { 0 };
	struct hd_cgroup cgroup = { .dir_fd = -1, .procs_fd = -1 }; /* the command's own, for its BPF programs */
	bool have_cgroup = false;
	const char *unit = NULL, *export_path = NULL;
	bool audit = false, strict = false, print = false, json = false;
	int sdver = hd_systemd_version_default();
	hd_strv props = { 0 };
	int ret = EXIT_USAGE, c;
	opterr = 0;
	optind = 1;
	/* '+': stop at CMD, its own options are not ours */
	while ((c = getopt_long(argc, argv, "+hp:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			hd_strv_free(&props);
			return EXIT_OK;
		case 'p':
			if (!strchr(optarg, '=')) {
				hd_strv_free(&props);
				return cli_usage_error("run", "-p %s: expected SETTING=VALUE", optarg);
			}
			if (hd_strv_push(&props, optarg) < 0)
				goto oom;
			break;
		case OPT_UNIT: unit = optarg; break;
		case OPT_AUDIT: audit = true; break;
		case OPT_STRICT: strict = true; break;
		case OPT_SYSTEMD:
			if (cli_parse_systemd_version("run", optarg, &sdver) != 0) {
				hd_strv_free(&props);
				return EXIT_USAGE;
			}
			break;
		case OPT_EXPORT:
			if (cli_check_output_path("run", "--export-bpf", optarg)) {
				hd_strv_free(&props);
				return EXIT_USAGE;
			}
			export_path = optarg;
			break;
		case OPT_PRINT: print = true; break;
		case OPT_JSON: json = true; break;
		case OPT_WHILE: workload = optarg; break;
		case OPT_READY_AFTER:
		case OPT_STOP_TIMEOUT: {
			char *end;
			errno = 0;
			double v = strtod(optarg, &end);
			if (errno || *end || !(v >= 0) || v > 3600) {
				hd_strv_free(&props);
				return cli_usage_error("run", "%s=%s: expected seconds (0 to 3600)",
						       c == OPT_READY_AFTER ? "--ready-after" : "--stop-timeout", optarg);
			}
			*(c == OPT_READY_AFTER ? &ready_after_ms : &stop_timeout_ms) = (unsigned)(v * 1000);
			break;
		}
		case OPT_ALLOW_PARTIAL: allow_partial = true; break;
		case OPT_EXEC_IDS: {
			unsigned long u, g;
			char *end;
			if (strcmp(optarg, "keep") == 0) {
				exec_ids = exec_keep = true;
				break;
			}
			u = strtoul(optarg, &end, 10);
			g = *end == ':' ? strtoul(end + 1, &end, 10) : 0;
			if (*end || !strchr(optarg, ':') || u > 0xfffffffeUL || g > 0xfffffffeUL) {
				hd_strv_free(&props);
				return cli_usage_error("run", "--exec-ids=%s: expected UID:GID", optarg);
			}
			exec_ids = true;
			exec_uid = (uid_t)u;
			exec_gid = (gid_t)g;
			break;
		}
		case OPT_REPORT_FD: {
			char *end;
			long fd = strtol(optarg, &end, 10);
			if (*end || fd < 3 || fd > 65535 || fcntl((int)fd, F_GETFD) < 0) {
				hd_strv_free(&props);
				return cli_usage_error("run", "--report-fd=%s: not an open file descriptor above 2", optarg);
			}
			report_fd = (int)fd;
			/* the reports are harden's: the command never gets the descriptor */
			fcntl(report_fd, F_SETFD, FD_CLOEXEC);
			break;
		}
		default:
			hd_strv_free(&props);
			if (optopt && optopt < 0x100)
				return cli_usage_error("run", "unknown option '-%c'", optopt);
			return cli_usage_error("run", "unknown option '%s'", argv[optind - 1]);
		}
	}
	char **cmd = argv + optind;
	bool have_cmd = optind < argc;
	if (workload) {
		int r2 = EXIT_USAGE;
		if (!unit)
			r2 = cli_usage_error("run", "--while needs --unit: the unit whose service is started");
		else if (have_cmd || audit || export_path || print)
			r2 = cli_usage_error("run", "--while starts the unit's own commands: no CMD, --audit, --export-bpf "
						    "or --print-bpf with it");
		else
			r2 = run_unit_while(unit, workload, sdver, &props, json, ready_after_ms, stop_timeout_ms);
		hd_strv_free(&props);
		return r2;
	}
	if (!have_cmd && !export_path && !print) {
		hd_strv_free(&props);
		return cli_usage_error("run", "no command given (use -- CMD [ARGS...])");
	}

	struct hd_seccomp_settings s;
	hd_seccomp_settings_init(&s);
	hd_diags diags = { 0 };
	hd_strv not_enforced = { 0 };
	struct hd_sandbox sb = { 0 }, sb_export = { 0 };
	struct hd_creds creds;
	hd_creds_init(&creds);
	struct hd_creds_plan plan = { 0 };
	bool have_plan = false;
	hd_strv cannot = { 0 };
	struct report_ctx rc = { .sdver = sdver, .json = json, .report_fd = report_fd };
	struct cli_tracer watch;
	struct fs_report fs = { 0 };
	bool devices_enforced = false; /* PrivateDevices='s closed policy: enforced, or nothing to say */
	bool watching = false;
	fs_watch_init(&watch);

	if (unit) {
		int r = hd_sandbox_apply_unit_mounts(unit, sdver, &s, &mounts, &creds, &devices, &ipf, &diags, &not_enforced);
		cli_print_diags(&diags);
		if (r < 0) {
			if (r == -ENOMEM)
				goto oom;
			/* not strerror: the unit reader's codes are its own (-ERFKILL: masked) */
			fprintf(stderr, "%s run: cannot use %s: %s\n", cli_program, unit, hd_unit_strerror(r));
			ret = EXIT_FINDINGS;
			goto done;
		}
		if (strict && hd_diags_count(&diags, HD_WARNING) > 0) {
			fprintf(stderr, "%s run: %zu warning%s in %s and --strict: not running\n", cli_program,
				hd_diags_count(&diags, HD_WARNING), hd_diags_count(&diags, HD_WARNING) == 1 ? "" : "s", unit);
			ret = EXIT_FINDINGS;
			goto done;
		}
		hd_diags_free(&diags);
	}
	for (size_t i = 0; i < props.n; i++) {
		char *eq = strchr(props.v[i], '=');
		*eq = 0;
		const char *key = props.v[i], *value = eq + 1;
		int r = hd_seccomp_apply(&s, key, value, sdver, NULL, 0, &diags);
		if (r >= 0 && hd_mount_setting(key) && (r == 0 || hd_mount_setting_shared(key)))
			r = hd_mount_plan_add(&mounts, key, value, NULL, 0, &diags) < 0 ? -ENOMEM : 1;
		if (r == 0 && hd_ipfilter_setting(key))
			r = hd_ipfilter_add(&ipf, key, value, NULL, 0, &diags) < 0 ? -ENOMEM : 1;
		if (r == 0 && hd_devices_setting(key)) {
			r = hd_devices_add(&devices, key, value, NULL, 0, &diags);
			if (r == -EINVAL || r == 0)
				r = 1; /* its diag makes it a usage error below */
		}
		if (r == 0 && hd_creds_setting(key)) {
			r = hd_creds_add(&creds, key, value, NULL, 0, &diags);
			if (r == -EINVAL || r == -ENOEXEC)
				r = 1; /* its diag makes it a usage error below */
		}
		if (r < 0)
			goto oom;
		if (r == 0 && !hd_sandbox_is_lifecycle_key(key) && hd_strv_push_unique(&not_enforced, key) < 0)
			goto oom;
		if (diags.n > 0) {
			/* a value systemd would only warn about is an error on the command line */
			for (size_t k = 0; k < diags.n; k++)
				diags.v[k].severity = HD_ERROR;
			cli_print_diags(&diags);
			fprintf(stderr, "%s run: invalid -p %s=%s\n", cli_program, key, value);
			ret = EXIT_USAGE;
			goto done;
		}
	}
	/* the capabilities other settings take out of the bounding set, once every line is in */
	hd_creds_patch(&creds, s.private_devices, s.protect_kernel_modules, s.protect_kernel_logs, s.protect_clock);
	/* and the device policy they imply (PrivateDevices= -> closed; ProtectClock= -> char-rtc r) */
	if (hd_devices_patch(&devices, s.private_devices, s.protect_clock) < 0)
		goto oom;
	/* DevicePolicy=/DeviceAllow= and IPAddressAllow=/IPAddressDeny=: BPF programs on a cgroup of the
	 * command's own, made here and entered by the command's process first thing; where that is not
	 * possible run fails closed unless --allow-partial (then each is said not to be enforced) */
	hd_strv cg_settings = { 0 }; /* the settings that need it, as given (PrivateDevices=, ...) */
	for (size_t i = 0; i < devices.settings.n && hd_devices_active(&devices); i++)
		if (hd_strv_push_unique(&cg_settings, devices.settings.v[i]) < 0)
			goto oom;
	for (size_t i = 0; i < ipf.settings.n && hd_ipfilter_active(&ipf); i++)
		if (hd_strv_push_unique(&cg_settings, ipf.settings.v[i]) < 0)
			goto oom;
	bool need_cgroup = hd_devices_active(&devices) || hd_ipfilter_active(&ipf);
	if (need_cgroup && have_cmd && !audit) {
		char why[512] = "";
		int r = setup_cgroup(&devices, &ipf, &cgroup, &have_cgroup, &diags, why, sizeof(why));
		cli_print_diags(&diags);
		hd_diags_free(&diags);
		if (r == -ENOMEM) {
			hd_strv_free(&cg_settings);
			goto oom;
		}
		if (r < 0 && !allow_partial) {
			fprintf(stderr, "%s run: cannot enforce", cli_program);
			for (size_t i = 0; i < cg_settings.n; i++)
				fprintf(stderr, "%s %s=", i ? "," : "", cg_settings.v[i]);
			fprintf(stderr, " (BPF programs on a cgroup of the command's own) here: %s; not running %s "
				"(fail closed; --allow-partial runs without them)\n", why, cmd[0]);
			hd_strv_free(&cg_settings);
			ret = EXIT_SANDBOX;
			goto done;
		}
		devices_enforced = r >= 0;
		for (size_t i = 0; r < 0 && i < cg_settings.n; i++)
			if ((hd_devices_setting(cg_settings.v[i]) || hd_ipfilter_setting(cg_settings.v[i])) &&
			    hd_strv_push_unique(&not_enforced, cg_settings.v[i]) < 0) {
				hd_strv_free(&cg_settings);
				goto oom;
			}
		if (r < 0 && !quiet_run(report_fd))
			fprintf(stderr, "%s run: the device and IP address settings are not enforced here: %s\n", cli_program,
				why);
	} else if (audit && need_cgroup) {
		for (size_t i = 0; i < cg_settings.n; i++)
			if (hd_devices_setting(cg_settings.v[i]) || hd_ipfilter_setting(cg_settings.v[i]))
				fprintf(stderr, "%s run --audit: %s= not applied (a dry run; run without --audit to try it)\n",
					cli_program, cg_settings.v[i]);
		devices_enforced = true; /* not "needs systemd": run does it without --audit */
	} else if (!have_cmd)
		devices_enforced = true; /* only the program is written: nothing to say */
	hd_strv_free(&cg_settings);
	/* the credential settings: names looked up and sets computed here, taken by the command's process;
	 * anything that cannot be taken exactly stops the run (fail closed) unless --allow-partial */
	struct hd_creds_ids ids = { .given = exec_ids, .keep = exec_keep, .uid = exec_uid, .gid = exec_gid };
	if (have_cmd && !audit) {
		if (hd_creds_resolve(&creds, &ids, &plan, &diags) < 0) {
			cli_print_diags(&diags);
			fprintf(stderr, "%s run: not running %s (fail closed)\n", cli_program, cmd[0]);
			ret = EXIT_SANDBOX;
			goto done;
		}
		have_plan = true;
		if (hd_creds_plan_check(&plan, allow_partial, &cannot) < 0)
			goto oom;
		/* the groups of a User= (initgroups) named by it when SupplementaryGroups= is not set */
		if (hd_strv_contains(&cannot, "SupplementaryGroups") &&
		    !hd_strv_contains(&creds.settings, "SupplementaryGroups")) {
			hd_strv_remove(&cannot, "SupplementaryGroups");
			if (hd_strv_push_unique(&cannot, creds.user ? "User" : "Group") < 0)
				goto oom;
		}
		/* the bounding set named by the settings that shrank it when CapabilityBoundingSet= did not */
		if (hd_strv_contains(&cannot, "CapabilityBoundingSet") &&
		    !hd_strv_contains(&creds.settings, "CapabilityBoundingSet")) {
			hd_strv_remove(&cannot, "CapabilityBoundingSet");
			const struct { bool on; const char *key; } implied[] = {
				{ s.private_devices, "PrivateDevices" }, { s.protect_kernel_modules, "ProtectKernelModules" },
				{ s.protect_kernel_logs, "ProtectKernelLogs" }, { s.protect_clock, "ProtectClock" } };
			for (size_t i = 0; i < sizeof(implied) / sizeof(implied[0]); i++)
				if (implied[i].on && hd_strv_push_unique(&cannot, implied[i].key) < 0)
					goto oom;
		}
		if (cannot.n && !allow_partial) {
			fprintf(stderr, "%s run: cannot enforce", cli_program);
			for (size_t i = 0; i < cannot.n; i++)
				fprintf(stderr, "%s %s=", i ? "," : "", cannot.v[i]);
			fprintf(stderr, " here: %s; not running %s (fail closed; --allow-partial runs without them)\n",
				geteuid() ? "not root" : "missing capabilities", cmd[0]);
			ret = EXIT_SANDBOX;
			goto done;
		}
		for (size_t i = 0; i < cannot.n; i++)
			if (hd_strv_push_unique(&not_enforced, cannot.v[i]) < 0)
				goto oom;
		if (plan.ids_stand_in && report_fd < 0)
			fprintf(stderr, "%s run: note: --exec-ids=%u:%u stands in for User=/Group=\n", cli_program,
				(unsigned)exec_uid, (unsigned)exec_gid);
	} else if (audit && creds.settings.n) {
		for (size_t i = 0; i < creds.settings.n; i++)
			fprintf(stderr, "%s run --audit: %s= not applied (a dry run; run without --audit to try it)\n",
				cli_program, creds.settings.v[i]);
	}
	/* the file-system settings: enforced in a mount namespace, or (fail closed) not run at all, unless
	 * --allow-partial, and then each is said not to be enforced */
	/* ProtectHostname=: its seccomp part is in the filter; its UTS namespace comes with the others */
	if ((s.protect_hostname || s.protect_hostname_private) && !export_path && !print) {
		mounts.private_uts = true;
		if (hd_strv_push_unique(&mounts.settings, "ProtectHostname") < 0)
			goto oom;
	}
	mounts.sdver = sdver; /* what that systemd does (252's ProtectHome=tmpfs) */
	if (hd_mount_plan_finish(&mounts) < 0)
		goto oom;
	bool have_mounts = !hd_mount_plan_empty(&mounts);
	const char *no_mounts = have_mounts && !export_path && !print && !audit ? hd_mount_plan_cannot_apply() : NULL;
	if (no_mounts && !allow_partial) {
		fprintf(stderr, "%s run: cannot enforce", cli_program);
		for (size_t i = 0; i < mounts.settings.n; i++)
			fprintf(stderr, "%s %s=", i ? "," : "", mounts.settings.v[i]);
		fprintf(stderr, " here: %s; not running %s (fail closed; --allow-partial runs without them)\n", no_mounts,
			have_cmd ? cmd[0] : "the command");
		ret = EXIT_SANDBOX;
		goto done;
	}
	/* --audit is a dry run: a setting that would make a call fail is not applied (its failures are not
	 * reported yet, so it is said that they are not checked) */
	if (audit && have_mounts) {
		for (size_t i = 0; i < mounts.settings.n; i++)
			fprintf(stderr, "%s run --audit: %s= not applied (a dry run; run without --audit to try it)\n",
				cli_program, mounts.settings.v[i]);
		hd_mount_plan_free(&mounts);
	}
	if (no_mounts) {
		for (size_t i = 0; i < mounts.settings.n; i++)
			if (hd_strv_push_unique(&not_enforced, mounts.settings.v[i]) < 0)
				goto oom;
		hd_mount_plan_free(&mounts);
	}
	/* a command of run --unit --while (--report-fd): that run says these once, for the whole unit */
	bool quiet = report_fd >= 0;
	for (size_t i = 0; !quiet && i < not_enforced.n; i++)
		fprintf(stderr, "%s run: %s= not enforced by run (%s)\n", cli_program, not_enforced.v[i],
			not_enforced_why(not_enforced.v[i]));
	for (size_t i = 0; !quiet && !devices_enforced && i < sizeof(partial) / sizeof(partial[0]); i++)
		if (*(const bool *)((const char *)&s + partial[i].off))
			fprintf(stderr, "%s run: %s=: only the system-call part is enforced by run, not %s (no cgroup v2 of "
				"its own here)\n",
				cli_program, partial[i].key, partial[i].rest);
	/* problems only visible with every assignment in (filters systemd itself could not install) */
	if (hd_seccomp_check(&s, sdver, unit, &diags) == -ENOMEM)
		goto oom;
	cli_print_diags(&diags);
	if (strict && hd_diags_count(&diags, HD_WARNING) > 0) {
		fprintf(stderr, "%s run: warnings and --strict: not running\n", cli_program);
		ret = EXIT_FINDINGS;
		goto done;
	}
	hd_diags_free(&diags);

	/* NoNewPrivileges= is implied without CAP_SYS_ADMIN: the command's, after its uid change (a uid
	 * other than 0 has an empty effective set then, whatever its ambient capabilities) */
	bool cap_admin = hd_have_cap_sys_admin() &&
			 (have_plan ? !hd_creds_plan_drops_root(&plan) : !(exec_ids && !exec_keep && exec_uid != 0));
	bool mdwe = sdver >= HD_SD_MDWE_PRCTL && hd_sandbox_kernel_has_mdwe();
	if (export_path || print) {
		/* A program that stands alone: the kernel enforces every verdict, MDWE as seccomp rules. */
		struct hd_sandbox_options eo = { .sdver = sdver, .mode = HD_SANDBOX_ENFORCE, .have_cap_sys_admin = cap_admin };
		if (hd_sandbox_build(&s, &eo, &sb_export, &diags) < 0) {
			cli_print_diags(&diags);
			fprintf(stderr, "%s run: cannot build the seccomp program\n", cli_program);
			ret = EXIT_SANDBOX;
			goto done;
		}
		if (export_path) {
			int r = hd_sandbox_export_bpf_file(&sb_export, export_path);
			if (r < 0) {
				fprintf(stderr, "%s run: cannot write %s: %s\n", cli_program, export_path, strerror(-r));
				ret = EXIT_FINDINGS;
				goto done;
			}
		}
		if (print) {
			fflush(stdout);
			if (hd_sandbox_export_pfc(&sb_export, STDOUT_FILENO) < 0) {
				ret = EXIT_FINDINGS;
				goto done;
			}
		}
		if (!have_cmd) {
			ret = EXIT_OK;
			goto done;
		}
	}

	struct hd_sandbox_options so = { .sdver = sdver, .mode = audit ? HD_SANDBOX_AUDIT : HD_SANDBOX_SUPERVISED,
					 .use_prctl_mdwe = mdwe, .have_cap_sys_admin = cap_admin };
	if (hd_sandbox_build(&s, &so, &sb, &diags) < 0) {
		cli_print_diags(&diags);
		fprintf(stderr, "%s run: cannot build the seccomp program exactly; not running %s (fail closed)\n",
			cli_program, cmd[0]);
		ret = EXIT_SANDBOX;
		goto done;
	}
	cli_print_diags(&diags);
	rc.sb = &sb;
	/* Under another listener (harden inside harden) the kernel refuses ours: then the same verdicts
	 * without explanations; never in --audit, where enforcing would break the promise of a dry run. */
	struct hd_sandbox sb_plain = { 0 };
	struct hd_sandbox_options po = so;
	po.mode = HD_SANDBOX_ENFORCE;
	if (!audit && hd_sandbox_build(&s, &po, &sb_plain, &diags) < 0) {
		cli_print_diags(&diags);
		ret = EXIT_SANDBOX;
		goto done;
	}
	struct hd_supervise_options o = { .sb = &sb, .fallback = audit ? NULL : &sb_plain, .argv = cmd,
					  .on_violation = on_violation, .userdata = &rc, .mounts = &mounts,
					  .creds = have_plan ? &plan : NULL, .cgroup = have_cgroup ? &cgroup : NULL };
	/* the calls the file-system and network settings make fail: seen by the eBPF tracer, which follows the
	 * command from its first call (supervise holds it until then), or said not to be seen, and why. The IP
	 * filter counts only where it is on the command's cgroup (else it is said not to be enforced). */
	fs.planned = mounts.n > 0;
	fs.net_planned = !audit && (mounts.private_network || (have_cgroup && hd_ipfilter_active(&ipf)));
	if (fs.planned || fs.net_planned) {
		char why[200];
		const char *no_trace = getenv("HARDEN_RUN_NO_FS_TRACE"); /* measuring what the tracer costs */
		if (no_trace && strcmp(no_trace, "1") == 0)
			snprintf(fs.why, sizeof(fs.why), "HARDEN_RUN_NO_FS_TRACE=1");
		else if (!hd_trace_ebpf_available(why, sizeof(why)))
			snprintf(fs.why, sizeof(fs.why), "the eBPF tracer cannot run here: %s", why);
		else {
			watching = true;
			o.on_ready = fs_watch_ready;
			o.ready_ctx = &watch;
		}
		rc.fs = &fs;
	}
	struct hd_supervise_result res;
	fflush(NULL);
	int r = hd_supervise_run(&o, &res);
	hd_sandbox_free(&sb_plain);
	if (watching && fs_watch_finish(&watch, &mounts, have_cgroup ? &ipf : NULL, &fs) < 0)
		goto oom;
	if ((fs.planned || fs.net_planned) && !fs.observed && !quiet && r >= 0 && res.stage == HD_STAGE_RAN)
		fprintf(stderr, "%s run: %s denials are not observed here: %s\n", cli_program,
			fs.planned && fs.net_planned ? "file-system and network" : fs.planned ? "file-system" : "network",
			fs.why);
	if (r >= 0 && res.unsupervised)
		fprintf(stderr, "%s run: another seccomp listener is in place (harden inside harden?): the filter is "
			"enforced, but violations cannot be explained\n", cli_program);
	if (r < 0) {
		fprintf(stderr, "%s run: cannot start %s: %s\n", cli_program, cmd[0], strerror(-r));
		ret = EXIT_SANDBOX;
		goto done;
	}
	if (res.stage == HD_STAGE_INSTALL && res.cgroup_failed) {
		fprintf(stderr, "%s run: cannot enter the cgroup %s: %s; not running %s (fail closed)\n", cli_program,
			cgroup.path, strerror(res.error), cmd[0]);
		ret = EXIT_SANDBOX;
		goto done;
	}
	if (res.stage == HD_STAGE_INSTALL && res.mounts_failed) {
		const struct hd_mount_entry *e = res.mount_failed >= 0 && (size_t)res.mount_failed < mounts.n
							 ? &mounts.v[res.mount_failed]
							 : NULL;
		if (res.cwd_failed)
			fprintf(stderr, "%s run: cannot enter / under the file-system settings (%s); not running %s\n",
				cli_program, strerror(res.error), cmd[0]);
		else if (e)
			fprintf(stderr, "%s run: cannot set up %s (%s): %s; not running %s (fail closed)\n", cli_program,
				e->path, e->origin, strerror(res.error), cmd[0]);
		else
			fprintf(stderr, "%s run: cannot make a mount namespace: %s; not running %s (fail closed)\n",
				cli_program, strerror(res.error), cmd[0]);
		ret = EXIT_SANDBOX;
		goto done;
	}
	if (res.cwd_moved && !quiet) {
		char cwd[4096];
		fprintf(stderr, "%s run: note: the working directory %s is not there under the file-system settings: "
				"%s ran in / (where a service without WorkingDirectory= starts)\n", cli_program,
			getcwd(cwd, sizeof(cwd)) ? cwd : "?", cmd[0]);
	}
	if (res.stage == HD_STAGE_INSTALL && res.creds_failed == HD_CREDS_STEP_CWD) {
		/* systemd: exit status 200/CHDIR, before exec */
		fprintf(stderr, "%s run: cannot enter WorkingDirectory=%s: %s; not running %s (fail closed)\n", cli_program,
			plan.cwd, strerror(res.error), cmd[0]);
		ret = EXIT_SANDBOX;
		goto done;
	}
	if (res.stage == HD_STAGE_INSTALL && res.creds_failed != HD_CREDS_STEP_NONE) {
		fprintf(stderr, "%s run: cannot apply %s=: %s; not running %s (fail closed)\n", cli_program,
			hd_creds_step_setting(res.creds_failed), strerror(res.error), cmd[0]);
		ret = EXIT_SANDBOX;
		goto done;
	}
	if (res.stage == HD_STAGE_INSTALL) {
		fprintf(stderr, "%s run: cannot install the sandbox: %s%s; not running %s (fail closed)\n", cli_program,
			strerror(res.error), res.error == EBUSY && audit ? " (another seccomp listener is in place; --audit needs its own)" : "",
			cmd[0]);
		ret = EXIT_SANDBOX;
		goto done;
	}
	if (res.stage == HD_STAGE_EXEC) {
		fprintf(stderr, "%s run: cannot execute %s: %s\n", cli_program, cmd[0], strerror(res.error));
		ret = res.error == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC;
		goto done;
	}
	print_tally(&rc, audit);
	print_fs(&rc);
	if (WIFEXITED(res.wait_status))
		ret = WEXITSTATUS(res.wait_status);
	else if (res.killed_by_filter)
		ret = 128 + SIGSYS; /* as if the kernel had killed it, even when SIGKILL had to be used */
	else if (WIFSIGNALED(res.wait_status)) {
		ret = 128 + WTERMSIG(res.wait_status);
		if (!quiet || (WTERMSIG(res.wait_status) != SIGTERM && WTERMSIG(res.wait_status) != SIGKILL))
			fprintf(stderr, "%s run: %s was killed by signal %d (SIG%s), not by the filter\n", cli_program, cmd[0],
			WTERMSIG(res.wait_status), sigabbrev_np(WTERMSIG(res.wait_status)) ? sigabbrev_np(WTERMSIG(res.wait_status)) : "?");
		cli_note_fault_death("run", WTERMSIG(res.wait_status));
	} else
		ret = EXIT_SANDBOX;
	goto done;
oom:
	fprintf(stderr, "%s run: out of memory\n", cli_program);
	ret = EXIT_SANDBOX;
done:
	if (have_cgroup) {
		/* the command's tree has exited (what it left running is said, and left alone with its cgroup) */
		size_t left = 0;
		char path[sizeof(cgroup.path)];
		snprintf(path, sizeof(path), "%s", cgroup.path);
		int cr = hd_cgroup_remove(&cgroup, &left);
		if (cr == -EBUSY)
			fprintf(stderr, "%s run: %zu process%s the command started still run%s in its cgroup %s: left "
				"there, with it\n", cli_program, left, left == 1 ? "" : "es", left == 1 ? "s" : "", path);
		else if (cr < 0)
			fprintf(stderr, "%s run: cannot remove the cgroup %s: %s\n", cli_program, path, strerror(-cr));
	}
	hd_devices_free(&devices);
	hd_ipfilter_free(&ipf);
	fs_watch_free(&watch, &fs);
	hd_audit_free(&rc.audit);
	hd_sandbox_free(&sb);
	hd_sandbox_free(&sb_export);
	hd_strv_free(&not_enforced);
	hd_diags_free(&diags);
	hd_seccomp_settings_free(&s);
	hd_mount_plan_free(&mounts);
	hd_creds_plan_free(&plan);
	hd_creds_free(&creds);
	hd_strv_free(&cannot);
	hd_strv_free(&props);
	return ret;
}
