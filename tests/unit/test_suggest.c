/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscalls/groups.h"
#include "learn/profile.h"
#include "learn/exposure.h"
#include "learn/suggest.h"
#include "syscalls/syscalls.h"

/* The value of the first line with key (and, if given, a value containing sub). */
static const char *line_value(const struct hd_suggestion *s, const char *key, const char *sub)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].key, key) == 0 && (!sub || strstr(s->v[i].value, sub)))
			return s->v[i].value;
	return NULL;
}

static bool left_out(const struct hd_suggestion *s, const char *prefix)
{
	for (size_t i = 0; i < s->left_out.n; i++)
		if (strncmp(s->left_out.v[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

/* Does any SystemCallFilter= allow entry let name through (directly or by a group)? */
static bool allows(const struct hd_suggestion *s, const char *name, int sdver)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].key, "SystemCallFilter") != 0 || s->v[i].value[0] == '~')
			continue;
		char *copy = strdup(s->v[i].value);
		for (char *w = strtok(copy, " "); w; w = strtok(NULL, " ")) {
			bool hit = w[0] == '@' ? hd_group_contains(hd_group_find(w, sdver), sdver, name)
					       : strcmp(w, name) == 0;
			if (hit) {
				free(copy);
				return true;
			}
		}
		free(copy);
	}
	return false;
}

static void add(struct hd_profile *p, const char *const *names)
{
	for (; *names; names++)
		hd_profile_add_syscall(p, HD_ARCH_X86_64, *names, 1);
}

/* --widen=static: the calls handed over are allowed by name on one line that says they were never seen;
 * those already seen or implicit are not repeated, and the fallback line stays after it (a later allow
 * line would take its ENOSYS back). */
static void test_also_allow(void **state)
{
	(void)state;
	struct hd_profile p;
	hd_profile_init(&p);
	static const char *const seen[] = { "read", "write", "openat", "close", NULL };
	add(&p, seen);
	hd_strv extra = { 0 };
	hd_strv_push(&extra, "fchown");
	hd_strv_push(&extra, "read");       /* seen already */
	hd_strv_push(&extra, "exit_group"); /* @default */
	hd_strv_push(&extra, "rename");
	hd_strv_sort(&extra);
	struct hd_suggestion s;
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_false(allows(&s, "fchown", HD_SYSTEMD_252));
	hd_suggestion_free(&s);
	o.also_allow = &extra;
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_true(allows(&s, "fchown", HD_SYSTEMD_252));
	assert_true(allows(&s, "rename", HD_SYSTEMD_252));
	size_t widened = s.n, fallback = s.n;
	for (size_t i = 0; i < s.n; i++) {
		if (strcmp(s.v[i].key, "SystemCallFilter") == 0 && strcmp(s.v[i].value, "fchown rename") == 0)
			widened = i;
		if (strcmp(s.v[i].key, "SystemCallFilter") == 0 && strcmp(s.v[i].value, "~openat2:ENOSYS") == 0)
			fallback = i;
	}
	assert_true(widened < s.n);
	assert_non_null(strstr(s.v[widened].why, "never seen"));
	assert_true(fallback < s.n && widened < fallback);
	hd_suggestion_free(&s);
	hd_strv_free(&extra);
	hd_profile_free(&p);
}

/* Threads made with clone3 only: the drop-in's RestrictNamespaces= makes systemd answer clone3 ENOSYS,
 * glibc falls back to clone, so clone must be allowed too (redis's threads died without it). */
static void test_clone3_needs_clone(void **state)
{
	(void)state;
	struct hd_profile p;
	hd_profile_init(&p);
	static const char *const seen[] = { "read", "write", "clone3", "futex", NULL };
	add(&p, seen);
	struct hd_suggestion s;
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_true(allows(&s, "clone3", HD_SYSTEMD_252));
	assert_true(allows(&s, "clone", HD_SYSTEMD_252));
	const char *ns = NULL;
	for (size_t i = 0; i < s.n; i++)
		if (strcmp(s.v[i].key, "RestrictNamespaces") == 0)
			ns = s.v[i].value;
	assert_non_null(ns); /* the reason clone is needed */
	assert_string_not_equal(ns, "no");
	hd_suggestion_free(&s);
	hd_profile_free(&p);
}

static void test_minimal(void **state)
{
	(void)state;
	struct hd_profile p;
	hd_profile_init(&p);
	static const char *const seen[] = { "read", "write", "openat", "close", "exit_group", NULL };
	add(&p, seen);
	struct hd_suggestion s;
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_true(allows(&s, "openat", HD_SYSTEMD_252));
	assert_false(allows(&s, "socket", HD_SYSTEMD_252));
	assert_false(allows(&s, "exit_group", HD_SYSTEMD_252)); /* @default: implicit, never listed */
	assert_string_equal(line_value(&s, "SystemCallErrorNumber", NULL), "EPERM");
	assert_string_equal(line_value(&s, "SystemCallArchitectures", NULL), "native");
	assert_string_equal(line_value(&s, "RestrictAddressFamilies", NULL), "none");
	assert_string_equal(line_value(&s, "PrivateNetwork", NULL), "yes");
	assert_string_equal(line_value(&s, "RestrictNamespaces", NULL), "yes");
	assert_string_equal(line_value(&s, "MemoryDenyWriteExecute", NULL), "yes");
	assert_string_equal(line_value(&s, "ProtectSystem", NULL), "strict");
	assert_null(line_value(&s, "ReadWritePaths", NULL));
	assert_true(left_out(&s, "CapabilityBoundingSet")); /* capabilities unknown: never guessed */
	/* only openat seen: openat2 answers ENOSYS so that a newer libc falls back */
	assert_non_null(line_value(&s, "SystemCallFilter", "~openat2:ENOSYS"));
	for (size_t i = 0; i < s.n; i++)
		assert_true(s.v[i].why && s.v[i].why[0]); /* every line says why */
	hd_suggestion_free(&s);
	hd_profile_free(&p);
}

/* The drop-in's worth: a bare service scores systemd's 9.6; the minimal program's drop-in brings it well
 * down; a unit file that cannot be read is an error, not a score. */
static void test_exposure(void **state)
{
	(void)state;
	struct hd_profile p;
	hd_profile_init(&p);
	static const char *const seen[] = { "read", "write", "close", "exit_group", NULL };
	add(&p, seen);
	struct hd_suggestion s;
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	unsigned before = 0, after = 0;
	hd_diags d = { 0 };
	assert_int_equal(hd_suggestion_exposure(&s, NULL, HD_SYSTEMD_252, &before, &after, &d), 0);
	assert_int_equal(before, 96);
	assert_true(after < 50);
	assert_true(hd_suggestion_exposure(&s, "/nonexistent/x.service", HD_SYSTEMD_252, &before, &after, &d) < 0);
	hd_diags_free(&d);
	hd_suggestion_free(&s);
	hd_profile_free(&p);
}

/* A second learning run, whose -o file is already one of the unit's drop-ins: "before" is the unit without
 * that file (not the unit as the first run left it, which made before == after), and the drop-ins counted
 * are named. */
static void test_exposure_replacing(void **state)
{
	(void)state;
	char dir[] = "/tmp/hd-exposure-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char unit[128], ddir[64], old[128], other[128];
	snprintf(unit, sizeof(unit), "%s/r.service", dir);
	snprintf(ddir, sizeof(ddir), "%s/r.service.d", dir);
	snprintf(old, sizeof(old), "%s/harden.conf", ddir);
	snprintf(other, sizeof(other), "%s/10-other.conf", ddir);
	assert_int_equal(mkdir(ddir, 0755), 0);
	FILE *f = fopen(unit, "w");
	fputs("[Service]\nExecStart=/bin/true\n", f);
	fclose(f);
	f = fopen(other, "w");
	fputs("[Service]\nPrivateTmp=yes\n", f);
	fclose(f);
	struct hd_profile p;
	hd_profile_init(&p);
	static const char *const seen[] = { "read", "write", "close", "exit_group", NULL };
	add(&p, seen);
	struct hd_suggestion s;
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	char *text = NULL;
	assert_int_equal(hd_suggestion_to_dropin(&s, NULL, NULL, &text), 0);
	f = fopen(old, "w");
	fputs(text, f);
	fclose(f);
	free(text);
	unsigned before = 0, after = 0, plain_before = 0, plain_after = 0;
	hd_diags d = { 0 };
	hd_strv counted = { 0 };
	bool replaced = false;
	/* counted as it is: the earlier drop-in is in "before" */
	assert_int_equal(hd_suggestion_exposure(&s, unit, HD_SYSTEMD_252, &plain_before, &plain_after, &d), 0);
	assert_int_equal(plain_before, plain_after);
	assert_int_equal(hd_suggestion_exposure_replacing(&s, unit, old, HD_SYSTEMD_252, &before, &after, &counted,
							  &replaced, &d), 0);
	assert_true(replaced);
	assert_true(before > after);
	assert_int_equal(after, plain_after);
	assert_int_equal(counted.n, 1);
	assert_string_equal(counted.v[0], other);
	hd_strv_free(&counted);
	/* a file that is not there yet replaces nothing */
	unlink(old);
	assert_int_equal(hd_suggestion_exposure_replacing(&s, unit, old, HD_SYSTEMD_252, &plain_before, &plain_after,
							  &counted, &replaced, &d), 0);
	assert_false(replaced);
	assert_int_equal(plain_before, before);
	hd_strv_free(&counted);
	hd_diags_free(&d);
	hd_suggestion_free(&s);
	hd_profile_free(&p);
	unlink(other);
	unlink(unit);
	rmdir(ddir);
	rmdir(dir);
}

/* --style=deny: a deny list of the dangerous calls never seen that @system-service does not hold; a seen
 * call is never denied, and neither is anything ordinary programs need. */
static void test_deny_style(void **state)
{
	(void)state;
	struct hd_profile p;
	hd_profile_init(&p);
	static const char *const seen[] = { "read", "write", "mount", "sethostname", "execve", NULL };
	add(&p, seen);
	struct hd_suggestion s;
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252, .style = HD_SUGGEST_DENY };
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	hd_strv denied = { 0 };
	for (size_t i = 0; i < s.n; i++) {
		if (strcmp(s.v[i].key, "SystemCallFilter") != 0)
			continue;
		assert_int_equal(s.v[i].value[0], '~'); /* never an allow entry */
		char *copy = strdup(s.v[i].value + 1);
		for (char *w = strtok(copy, " "); w; w = strtok(NULL, " "))
			if (w[0] == '@')
				hd_group_expand(hd_group_find(w, HD_SYSTEMD_252), HD_SYSTEMD_252, &denied);
			else
				hd_strv_push(&denied, w);
		free(copy);
	}
	assert_false(hd_strv_contains(&denied, "mount"));       /* seen */
	assert_false(hd_strv_contains(&denied, "sethostname")); /* seen */
	assert_false(hd_strv_contains(&denied, "setuid"));      /* @privileged, but @system-service holds it */
	assert_false(hd_strv_contains(&denied, "chown"));
	assert_true(hd_strv_contains(&denied, "reboot"));
	assert_true(hd_strv_contains(&denied, "init_module"));
	assert_true(hd_strv_contains(&denied, "umount2"));      /* @mount: not seen, not ordinary */
	assert_true(hd_strv_contains(&denied, "setdomainname"));
	assert_non_null(line_value(&s, "SystemCallErrorNumber", "EPERM"));
	hd_strv_free(&denied);
	hd_suggestion_free(&s);
	/* a shell among the programs is what makes learn offer this form */
	assert_null(hd_suggest_shell_ran(&p));
	hd_profile_add_path(&p.executables, "/usr/sbin/sshd");
	hd_profile_add_path(&p.executables, "/usr/bin/bash");
	assert_string_equal(hd_suggest_shell_ran(&p), "/usr/bin/bash");
	hd_profile_free(&p);
}

/* A program run from /tmp or a home directory uses it: PrivateTmp= would hide it, ProtectHome=yes too. */
static void test_executables_are_used(void **state)
{
	(void)state;
	struct hd_profile p;
	hd_profile_init(&p);
	static const char *const seen[] = { "read", "exit_group", NULL };
	add(&p, seen);
	hd_profile_add_path(&p.executables, "/tmp/build/tests/hdprobe");
	hd_profile_add_path(&p.executables, "/home/u/bin/tool");
	struct hd_suggestion s;
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_null(line_value(&s, "PrivateTmp", NULL));
	assert_true(left_out(&s, "PrivateTmp: files in the shared /tmp or /var/tmp were used (/tmp/build"));
	assert_string_equal(line_value(&s, "ProtectHome", NULL), "read-only");
	hd_suggestion_free(&s);
	hd_profile_free(&p);
}

/* The records of "observed": UMask= per class from the modes created, ProcSubset= and ProtectProc= from
 * the names under /proc, DeviceAllow= with the access; a profile that did not watch them concludes
 * nothing from their being empty. */
static void test_observed_records(void **state)
{
	(void)state;
	static const char *const seen[] = { "read", "exit_group", NULL };
	struct hd_profile p;
	struct hd_suggestion s;
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
	hd_profile_init(&p);
	add(&p, seen);
	p.observed = HD_OBSERVED_ALL;
	hd_profile_add_created_mode(&p, 0640);
	hd_profile_add_created_mode(&p, 0750);
	hd_profile_add_path(&p.proc_read, "self");
	hd_profile_add_path(&p.devices, "/dev/loop0");
	hd_profile_add_path(&p.devices_readonly, "/dev/loop0");
	hd_profile_add_path(&p.devices, "/dev/null");
	hd_profile_finish(&p);
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_string_equal(line_value(&s, "UMask", NULL), "0027");
	assert_string_equal(line_value(&s, "ProcSubset", NULL), "pid");
	assert_string_equal(line_value(&s, "ProtectProc", NULL), "invisible");
	assert_string_equal(line_value(&s, "DevicePolicy", NULL), "closed");
	assert_string_equal(line_value(&s, "DeviceAllow", NULL), "/dev/loop0 r");
	assert_null(line_value(&s, "IPAddressDeny", NULL)); /* behind --ip-allow */
	hd_suggestion_free(&s);
	/* 0644 and 0755: 0022; a group-writable mode: left out */
	memset(p.created_modes, 0, sizeof(p.created_modes));
	hd_profile_add_created_mode(&p, 0644);
	hd_profile_add_created_mode(&p, 0755);
	hd_profile_add_path(&p.proc_read, "cpuinfo");
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_string_equal(line_value(&s, "UMask", NULL), "0022");
	assert_null(line_value(&s, "ProcSubset", NULL));
	assert_true(left_out(&s, "ProcSubset: /proc/cpuinfo was opened"));
	hd_suggestion_free(&s);
	hd_profile_add_created_mode(&p, 0664);
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_null(line_value(&s, "UMask", NULL));
	assert_true(left_out(&s, "UMask: files were created writable by group or others"));
	hd_suggestion_free(&s);
	/* root dropped by the program itself (a forked worker's setuid, known from its CAP_SETUID evidence):
	 * said, with the User= form, never written */
	static const char *const drop[] = { "setuid", NULL };
	add(&p, drop);
	hd_profile_add_path(&p.uids, "0");
	p.caps_source = HD_CAPS_KERNEL;
	assert_int_equal(hd_profile_add_cap(&p, 7, true, "w (pid 2): setuid(33) while uid 0"), 0);
	assert_int_equal(hd_profile_add_cap(&p, 10, true, "w (pid 1): bind 0.0.0.0:80"), 0);
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_null(line_value(&s, "User", NULL));
	assert_true(left_out(&s, "User=: the service started as root and switched to uid 33 itself (setuid); the form "
				 "User=33 with AmbientCapabilities=CAP_NET_BIND_SERVICE"));
	assert_string_equal(s.user_form, "33");
	assert_string_equal(s.user_ambient, "CAP_NET_BIND_SERVICE");
	hd_suggestion_free(&s);
	/* not watched (an older profile): nothing concluded, the device's access unknown */
	p.observed = 0;
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_null(line_value(&s, "UMask", NULL));
	assert_null(line_value(&s, "ProtectProc", NULL));
	assert_true(left_out(&s, "ProtectProc: the profile has no record"));
	assert_string_equal(line_value(&s, "DeviceAllow", NULL), "/dev/loop0 rw");
	hd_suggestion_free(&s);
	hd_profile_free(&p);
}

static void test_group_when_most_used(void **state)
{
	(void)state;
	struct hd_profile p;
	hd_profile_init(&p);
	/* all of @signal that exists on x86-64 but one: the group is used */
	hd_strv m = { 0 };
	const struct hd_group_def *g = hd_group_find("@signal", HD_SYSTEMD_252);
	hd_group_expand(g, HD_SYSTEMD_252, &m);
	hd_strv_sort(&m);
	size_t used = 0;
	for (size_t i = 0; i < m.n; i++)
		if (hd_syscall_nr(m.v[i], HD_ARCH_X86_64, NULL) != HD_NR_NONE && used++ > 0)
			hd_profile_add_syscall(&p, HD_ARCH_X86_64, m.v[i], 1);
	/* two of @file-system's ~70: single names */
	static const char *const fs[] = { "rename", "mkdir", NULL };
	add(&p, fs);
	struct hd_suggestion s;
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_non_null(line_value(&s, "SystemCallFilter", "@signal"));
	assert_null(line_value(&s, "SystemCallFilter", "@file-system"));
	assert_true(allows(&s, "rename", HD_SYSTEMD_252));
	assert_false(allows(&s, "unlink", HD_SYSTEMD_252));
	hd_suggestion_free(&s);
	hd_strv_free(&m);
	hd_profile_free(&p);
}

static void test_never_dangerous_unless_seen(void **state)
{
	(void)state;
	/* all of @process but one, and chown: @privileged members must never come in through a group */
	struct hd_profile p;
	hd_profile_init(&p);
	static const char *const seen[] = { "clone", "clone3", "execveat", "fork", "kill", "prctl", "setns", "tgkill",
					    "tkill", "unshare", "vfork", "wait4", "waitid", "pidfd_open", "capget",
					    "getrusage", "times", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
					    "pidfd_send_signal", "chown", NULL };
	add(&p, seen);
	struct hd_suggestion s;
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_LATEST };
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_true(allows(&s, "chown", HD_SYSTEMD_LATEST)); /* seen: allowed by name */
	for (const char *const *g = hd_suggest_dangerous_groups; *g; g++) {
		hd_strv m = { 0 };
		hd_group_expand(hd_group_find(*g, HD_SYSTEMD_LATEST), HD_SYSTEMD_LATEST, &m);
		for (size_t i = 0; i < m.n; i++)
			if (!hd_profile_saw(&p, m.v[i]) && allows(&s, m.v[i], HD_SYSTEMD_LATEST))
				fail_msg("%s (%s) allowed but never seen", m.v[i], *g);
		hd_strv_free(&m);
	}
	/* setns/unshare were seen but with no namespace flag: RestrictNamespaces=yes still holds */
	assert_string_equal(line_value(&s, "RestrictNamespaces", NULL), "yes");
	hd_suggestion_free(&s);
	hd_profile_free(&p);
}

static void test_fallback_pairs(void **state)
{
	(void)state;
	struct hd_profile p;
	hd_profile_init(&p);
	static const char *const seen[] = { "clone", "faccessat", "clone3", NULL }; /* clone3 seen too */
	add(&p, seen);
	struct hd_suggestion s;
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_non_null(line_value(&s, "SystemCallFilter", "~faccessat2:ENOSYS"));
	assert_null(line_value(&s, "SystemCallFilter", "~clone3:ENOSYS")); /* it was seen: allowed */
	assert_true(allows(&s, "clone3", HD_SYSTEMD_252));
	hd_suggestion_free(&s);
	hd_profile_free(&p);
}

static void test_observations_decide(void **state)
{
	(void)state;
	struct hd_profile p;
	hd_profile_init(&p);
	static const char *const seen[] = { "socket", "read", NULL };
	add(&p, seen);
	hd_profile_add_syscall(&p, HD_ARCH_X86, "read", 1);
	p.families = (1ULL << AF_INET) | (1ULL << AF_NETLINK);
	p.namespaces = 0x40000000; /* net */
	p.exec_mprotects = 1;
	hd_profile_add_personality(&p, 0x0008);
	p.sched_policies = 1u << 2; /* RR */
	hd_profile_add_suid_mode(&p, 02755);
	hd_profile_add_path(&p.paths_written, "/var/lib/app/db");
	hd_profile_add_path(&p.paths_written, "/var/lib/app");
	hd_profile_add_path(&p.paths_written, "/proc/self/oom_score_adj");
	hd_profile_add_path(&p.paths_read, "/home/u/.config");
	hd_profile_add_path(&p.paths_read, "/tmp/sock");
	hd_profile_add_path(&p.devices, "/dev/ttyS0");
	hd_profile_add_path(&p.setuid_execs, "/usr/bin/sudo");
	p.cap_effective_known = true;
	p.cap_effective = 0;
	struct hd_suggestion s;
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_string_equal(line_value(&s, "SystemCallArchitectures", NULL), "native x86");
	assert_string_equal(line_value(&s, "RestrictAddressFamilies", NULL), "AF_INET AF_NETLINK");
	assert_true(left_out(&s, "PrivateNetwork"));
	assert_string_equal(line_value(&s, "RestrictNamespaces", NULL), "net");
	assert_true(left_out(&s, "MemoryDenyWriteExecute"));
	assert_true(left_out(&s, "LockPersonality"));
	assert_true(left_out(&s, "RestrictRealtime"));
	assert_true(left_out(&s, "RestrictSUIDSGID"));
	assert_true(left_out(&s, "NoNewPrivileges"));
	assert_true(left_out(&s, "PrivateTmp"));
	assert_true(left_out(&s, "PrivateDevices"));
	assert_string_equal(line_value(&s, "ProtectHome", NULL), "read-only");
	/* /var/lib/app covers /var/lib/app/db; /proc is not made read-only by ProtectSystem=strict */
	assert_string_equal(line_value(&s, "ReadWritePaths", NULL), "/var/lib/app");
	assert_true(left_out(&s, "CapabilityBoundingSet")); /* sudo gains privileges: the bounding set limits it */
	hd_suggestion_free(&s);
	hd_profile_free(&p);
}

/* Issue 26: a write set that needs /, /usr, /etc, /var, /boot or /efi as a whole leaves ProtectSystem= out,
 * said in Left out; ReadWritePaths=/ beside ProtectSystem=strict would void it while the score credits it. */
static void test_protect_system_whole_roots(void **state)
{
	(void)state;
	static const char *const roots[] = { "/", "/usr", "/etc", "/var", "/boot", "/efi" };
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		struct hd_profile p;
		struct hd_suggestion s;
		hd_profile_init(&p);
		hd_profile_add_path(&p.paths_written, "/var/log/x");
		hd_profile_add_path(&p.paths_written, roots[i]);
		assert_int_equal(hd_suggest(&p, &o, &s), 0);
		assert_null(line_value(&s, "ProtectSystem", NULL));
		assert_null(line_value(&s, "ReadWritePaths", NULL));
		char want[64];
		snprintf(want, sizeof(want), "ProtectSystem: %s was written as a whole", roots[i]);
		assert_true(left_out(&s, want));
		hd_suggestion_free(&s);
		hd_profile_free(&p);
	}
	/* below them is fine: /var/log, /usr/local, /etc/app */
	struct hd_profile p;
	struct hd_suggestion s;
	hd_profile_init(&p);
	hd_profile_add_path(&p.paths_written, "/var/log");
	hd_profile_add_path(&p.paths_written, "/usr/local");
	hd_profile_add_path(&p.paths_written, "/etc/app");
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_string_equal(line_value(&s, "ProtectSystem", NULL), "strict");
	assert_string_equal(line_value(&s, "ReadWritePaths", NULL), "/etc/app /usr/local /var/log");
	hd_suggestion_free(&s);
	hd_profile_free(&p);
}

/* Settings that take a capability away: PrivateDevices= CAP_MKNOD, ProtectClock= CAP_WAKE_ALARM. */
static void test_capability_side_effects(void **state)
{
	(void)state;
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
	struct hd_profile p;
	struct hd_suggestion s;
	hd_profile_init(&p);
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_string_equal(line_value(&s, "PrivateDevices", NULL), "yes");
	assert_string_equal(line_value(&s, "ProtectClock", NULL), "yes");
	hd_suggestion_free(&s);
	hd_profile_add_path(&p.device_nodes_made, "/srv/chroot/dev/null");
	p.alarm_clock_calls = 2;
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	assert_null(line_value(&s, "PrivateDevices", NULL));
	assert_true(left_out(&s, "PrivateDevices: device node /srv/chroot/dev/null"));
	assert_null(line_value(&s, "ProtectClock", NULL));
	assert_true(left_out(&s, "ProtectClock: 2 timer(s) on an alarm clock"));
	hd_suggestion_free(&s);
	hd_profile_free(&p);
}

/* A program that mounts in the host's namespace gets no setting that gives the unit a mount namespace of
 * its own; after unshare(CLONE_NEWNS) its mounts are private and those settings are fine. */
static void test_mounts_for_host(void **state)
{
	(void)state;
	static const char *const mount_ns[] = { "PrivateTmp", "ProtectSystem", "ProtectHome", "PrivateDevices",
						"ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs",
						"ProtectControlGroups", NULL };
	static const char *const seen[] = { "read", "umount2", NULL };
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
	for (int own_ns = 0; own_ns < 2; own_ns++) {
		struct hd_profile p;
		struct hd_suggestion s;
		hd_profile_init(&p);
		add(&p, seen);
		if (own_ns)
			p.namespaces = 0x00020000; /* CLONE_NEWNS */
		assert_int_equal(hd_suggest(&p, &o, &s), 0);
		for (const char *const *n = mount_ns; *n; n++) {
			char why[96];
			snprintf(why, sizeof(why), "%s: umount2 was called outside", *n);
			assert_int_equal(line_value(&s, *n, NULL) == NULL, !own_ns);
			assert_int_equal(left_out(&s, why), !own_ns);
		}
		assert_string_equal(line_value(&s, "ProtectClock", NULL), "yes"); /* no mount namespace */
		assert_null(line_value(&s, "ReadWritePaths", NULL));
		hd_suggestion_free(&s);
		hd_profile_free(&p);
	}
}

/* CapabilityBoundingSet= (empty) only for a program that held no capability and gained none at exec. */
static void test_capabilities(void **state)
{
	(void)state;
	static const struct {
		bool eff_known, prm_known;
		uint64_t eff, prm;
		const char *gained; /* a privilege-gaining exec, or NULL */
		bool emptied;       /* CapabilityBoundingSet= expected */
	} cases[] = {
		{ true, true, 0, 0, NULL, true },
		{ true, true, 0, 1ULL << 10, NULL, false },      /* cap_net_bind_service held, not raised */
		{ true, true, 1ULL << 10, 1ULL << 10, NULL, false },
		{ true, true, 0, 0, "/usr/bin/su", false },      /* set-uid root: would lose its capabilities */
		{ true, false, 0, 0, NULL, false },              /* a profile from before cap_permitted */
		{ false, false, 0, 0, NULL, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hd_profile p;
		hd_profile_init(&p);
		p.cap_effective_known = cases[i].eff_known;
		p.cap_permitted_known = cases[i].prm_known;
		p.cap_effective = cases[i].eff;
		p.cap_permitted = cases[i].prm;
		if (cases[i].gained)
			hd_profile_add_path(&p.setuid_execs, cases[i].gained);
		struct hd_suggestion s;
		struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
		assert_int_equal(hd_suggest(&p, &o, &s), 0);
		const char *v = line_value(&s, "CapabilityBoundingSet", NULL);
		if (cases[i].emptied)
			assert_string_equal(v, "");
		else {
			assert_null(v);
			assert_true(left_out(&s, "CapabilityBoundingSet"));
		}
		hd_suggestion_free(&s);
		hd_profile_free(&p);
	}
}

static void test_dropin_text(void **state)
{
	(void)state;
	struct hd_profile p;
	hd_profile_init(&p);
	hd_profile_add_syscall(&p, HD_ARCH_X86_64, "read", 1);
	struct hd_suggestion s;
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	char *t = NULL;
	assert_int_equal(hd_suggestion_to_dropin(&s, "head\nline two", "score\nx", &t), 0);
	assert_non_null(strstr(t, "# head\n# line two\n[Service]\n# "));
	assert_non_null(strstr(t, "\n# score\n# x\n"));
	/* every setting line is preceded by its comment */
	for (char *l = strstr(t, "[Service]\n") + 10; *l && *l != '\n'; l = strchr(l, '\n') + 1) {
		assert_true(l[0] == '#');
		l = strchr(l, '\n') + 1;
		assert_true(l[0] != '#' && strchr(l, '='));
	}
	free(t);
	hd_suggestion_free(&s);
	hd_profile_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_exposure),
		cmocka_unit_test(test_group_when_most_used),
		cmocka_unit_test(test_never_dangerous_unless_seen),
		cmocka_unit_test(test_fallback_pairs),
		cmocka_unit_test(test_observations_decide),
		cmocka_unit_test(test_capabilities),
		cmocka_unit_test(test_capability_side_effects),
		cmocka_unit_test(test_protect_system_whole_roots),
		cmocka_unit_test(test_mounts_for_host),
		cmocka_unit_test(test_dropin_text),
		cmocka_unit_test(test_exposure_replacing),
		cmocka_unit_test(test_deny_style),
		cmocka_unit_test(test_executables_are_used),
		cmocka_unit_test(test_observed_records),
		cmocka_unit_test(test_also_allow),
		cmocka_unit_test(test_clone3_needs_clone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
