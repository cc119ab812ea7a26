/* SPDX-License-Identifier: MIT */
/*
 * Test helper for harden learn's closed loop, standing in for `harden run --unit` until branch `run`
 * lands: apply the settings of a drop-in that the real kernel can enforce without systemd, then exec.
 *
 *   dropin_exec DROPIN -- CMD [ARGS...]
 *
 * Enforced, for real: SystemCallFilter= (allow list with @default merged, as systemd does; "~name:ERRNO"
 * entries), SystemCallErrorNumber=, SystemCallArchitectures=native (other ABIs killed),
 * RestrictAddressFamilies= (socket()/socketpair() of other families fail), NoNewPrivileges=, and, when root,
 * ProtectSystem=strict + ReadWritePaths= (a private mount namespace with the tree read-only except /dev,
 * /proc, /sys and the listed paths). Everything else in the drop-in is ignored (and listed on stderr).
 * Fails closed: if anything cannot be applied, the command is not run (exit 125).
 * With DROPIN_EXEC_MOUNTS_ONLY=1 in the environment only the mount part is applied (the seccomp part is
 * then left to `harden run -p ...` exec'ed as the command).
 */
#include <errno.h>
#include <linux/mount.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "syscalls/groups.h"
#include "learn/profile.h"
#include "util/strv.h"
#include "syscalls/syscalls.h"

static void die(const char *fmt, const char *a)
{
	fprintf(stderr, "dropin_exec: ");
	fprintf(stderr, fmt, a);
	fprintf(stderr, "\n");
	exit(125);
}

static int errno_of(const char *s)
{
	static const struct {
		const char *name;
		int e;
	} t[] = { { "EPERM", EPERM }, { "ENOSYS", ENOSYS }, { "EACCES", EACCES }, { "EAFNOSUPPORT", EAFNOSUPPORT } };
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].name, s) == 0)
			return t[i].e;
	return atoi(s);
}

struct entry {
	char name[64];
	int err; /* -1 allow */
};

int main(int argc, char **argv)
{
	if (argc < 4 || strcmp(argv[2], "--") != 0)
		die("usage: dropin_exec DROPIN -- CMD [ARGS...]%s", "");
	FILE *f = fopen(argv[1], "re");
	if (!f)
		die("cannot open %s", argv[1]);
	int sdver = HD_SYSTEMD_LATEST;
	struct entry *ents = NULL;
	size_t n = 0;
	int errnum = -1; /* kill */
	bool filter = false, native_only = false, nnp = false, strict = false, af_set = false;
	uint64_t families = 0;
	hd_strv rw = { 0 };
	char line[65536];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#' || line[0] == ';' || line[0] == '[')
			continue;
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = 0;
		char *key = line, *val = eq + 1;
		if (strcmp(key, "SystemCallFilter") == 0) {
			filter = true;
			bool inv = val[0] == '~';
			for (char *w = strtok(val + inv, " "); w; w = strtok(NULL, " ")) {
				char *colon = strchr(w, ':');
				int err = -1;
				if (colon) {
					*colon = 0;
					err = errno_of(colon + 1);
				} else if (inv)
					err = -2; /* removed from the allow list */
				hd_strv names = { 0 };
				if (w[0] == '@') {
					const struct hd_group_def *g = hd_group_find(w, sdver);
					if (!g)
						die("unknown group %s", w);
					hd_group_expand(g, sdver, &names);
				} else
					hd_strv_push(&names, w);
				for (size_t i = 0; i < names.n; i++) {
					ents = realloc(ents, (n + 1) * sizeof(*ents));
					snprintf(ents[n].name, sizeof(ents[n].name), "%s", names.v[i]);
					ents[n++].err = err;
				}
				hd_strv_free(&names);
			}
		} else if (strcmp(key, "SystemCallErrorNumber") == 0)
			errnum = errno_of(val);
		else if (strcmp(key, "SystemCallArchitectures") == 0)
			native_only = strcmp(val, "native") == 0;
		else if (strcmp(key, "NoNewPrivileges") == 0)
			nnp = strcmp(val, "yes") == 0;
		else if (strcmp(key, "ProtectSystem") == 0)
			strict = strcmp(val, "strict") == 0;
		else if (strcmp(key, "ReadWritePaths") == 0) {
			for (char *w = strtok(val, " "); w; w = strtok(NULL, " "))
				hd_strv_push(&rw, w);
		} else if (strcmp(key, "RestrictAddressFamilies") == 0) {
			af_set = true;
			if (strcmp(val, "none") != 0)
				for (char *w = strtok(val, " "); w; w = strtok(NULL, " ")) {
					int af = hd_af_from_name(w);
					if (af < 0)
						die("unknown family %s", w);
					families |= 1ULL << af;
				}
		} else if (getenv("DROPIN_EXEC_VERBOSE"))
			fprintf(stderr, "dropin_exec: not enforced here: %s=%s\n", key, val);
	}
	fclose(f);

	if (strict) {
		if (geteuid() != 0)
			die("ProtectSystem=strict needs root here%s", "");
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			die("mount namespace: %s", strerror(errno));
		struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY }, rwa = { .attr_clr = MOUNT_ATTR_RDONLY };
		if (syscall(SYS_mount_setattr, -1, "/", AT_RECURSIVE, &ro, sizeof(ro)) < 0)
			die("read-only /: %s", strerror(errno));
		static const char *const api[] = { "/dev", "/proc", "/sys" };
		for (size_t i = 0; i < 3; i++)
			syscall(SYS_mount_setattr, -1, api[i], AT_RECURSIVE, &rwa, sizeof(rwa));
		for (size_t i = 0; i < rw.n; i++) {
			if (mount(rw.v[i], rw.v[i], NULL, MS_BIND | MS_REC, NULL) < 0 ||
			    syscall(SYS_mount_setattr, -1, rw.v[i], AT_RECURSIVE, &rwa, sizeof(rwa)) < 0)
				die("ReadWritePaths %s", rw.v[i]);
		}
		/* the working directory still points into the old mounts: look it up again */
		char cwd[4096];
		if (getcwd(cwd, sizeof(cwd)) && chdir(cwd) < 0)
			die("chdir %s", cwd);
	}

	if (getenv("DROPIN_EXEC_MOUNTS_ONLY"))
		filter = nnp = false;
	if (filter) {
		/* systemd: allow list, @default merged in, unlisted -> SystemCallErrorNumber (or kill) */
		uint32_t def = errnum < 0 ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO((uint32_t)errnum);
		scmp_filter_ctx ctx = seccomp_init(def);
		if (!ctx)
			die("seccomp_init%s", "");
		if (!native_only) {
			seccomp_arch_add(ctx, SCMP_ARCH_X86);
			seccomp_arch_add(ctx, SCMP_ARCH_X32);
		}
		seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
		hd_strv allow = { 0 };
		hd_group_expand(hd_group_find("@default", sdver), sdver, &allow);
		for (size_t i = 0; i < n; i++)
			if (ents[i].err == -1)
				hd_strv_push_unique(&allow, ents[i].name);
		for (size_t i = 0; i < n; i++)
			if (ents[i].err != -1)
				hd_strv_remove(&allow, ents[i].name);
		for (size_t i = 0; i < allow.n; i++) {
			int nr = seccomp_syscall_resolve_name(allow.v[i]);
			if (nr == __NR_SCMP_ERROR)
				continue;
			bool is_socket = strcmp(allow.v[i], "socket") == 0; /* systemd filters socket() only */
			int r;
			if (is_socket && af_set) {
				r = 0;
				for (int af = 0; af < 64 && r == 0; af++)
					if (families & (1ULL << af))
						r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
								     (struct scmp_arg_cmp){ .arg = 0, .op = SCMP_CMP_EQ,
											    .datum_a = (scmp_datum_t)af,
											    .datum_b = 0 });
			} else
				r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
			if (r < 0 && r != -EEXIST)
				die("rule for %s", allow.v[i]);
		}
		for (size_t i = 0; i < n; i++)
			if (ents[i].err >= 0) {
				int nr = seccomp_syscall_resolve_name(ents[i].name);
				if (nr != __NR_SCMP_ERROR &&
				    seccomp_rule_add(ctx, SCMP_ACT_ERRNO((uint32_t)ents[i].err), nr, 0) < 0)
					die("errno rule for %s", ents[i].name);
			}
		if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			die("no_new_privs%s", "");
		if (seccomp_load(ctx) < 0)
			die("seccomp_load failed%s", "");
		seccomp_release(ctx);
		hd_strv_free(&allow);
	} else if (nnp)
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	execvp(argv[3], argv + 3);
	die("exec %s failed", argv[3]);
	return 125;
}
