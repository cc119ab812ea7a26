/* SPDX-License-Identifier: MIT */
/* learn/shadow: a profile against a candidate unit (harden apply's shadow stage), and --fold's text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "filter/filter.h"
#include "learn/shadow.h"
#include "sandbox/fix.h"
#include "syscalls/nametables.h"
#include "unit/unit.h"

/* A made-up host: /srv/data is a directory, nothing is read-only of its own. */
static bool h_is_dir(void *ctx, const char *path)
{
	(void)ctx;
	return strcmp(path, "/") == 0 || strcmp(path, "/srv") == 0 || strcmp(path, "/srv/data") == 0 ||
	       strcmp(path, "/home") == 0;
}
static bool h_exists(void *ctx, const char *path)
{
	return h_is_dir(ctx, path) || strcmp(path, "/srv/data/log") == 0;
}
static bool h_read_only(void *ctx, const char *path)
{
	(void)ctx;
	(void)path;
	return false;
}
static const struct hd_fs_probe probe = { .exists = h_exists, .is_dir = h_is_dir, .read_only = h_read_only };

/* What the service was seen doing: a few calls, two families, a namespace, a write. */
static void profile(struct hd_profile *p, hd_arch x64)
{
	hd_profile_init(p);
	assert_int_equal(hd_profile_add_syscall(p, x64, "read", 10), 0);
	assert_int_equal(hd_profile_add_syscall(p, x64, "accept4", 5), 0);
	assert_int_equal(hd_profile_add_syscall(p, x64, "chown", 1), 0);
	assert_int_equal(hd_profile_add_syscall(p, x64, "socket", 2), 0);
	assert_int_equal(hd_profile_add_syscall(p, x64, "unshare", 1), 0);
	p->families = 1ull << hd_af_from_name("AF_UNIX") | 1ull << hd_af_from_name("AF_NETLINK");
	p->namespaces = 0x40000000; /* CLONE_NEWNET */
	assert_int_equal(hd_profile_add_path(&p->paths_written, "/srv/data/log"), 0);
	hd_profile_finish(p);
}

/* The candidate's model from unit text, and what it would deny of p. */
static void compare(const char *text, const struct hd_profile *p, struct hd_shadow *out)
{
	struct hd_unit u = { 0 };
	hd_diags d = { 0 };
	u.name = strdup("x.service");
	assert_int_equal(hd_unit_parse_text(&u, text, strlen(text), "x.conf", &d), 0);
	struct hd_seccomp_settings s;
	hd_seccomp_settings_init(&s);
	struct hd_mount_plan plan = { .sdver = HD_SYSTEMD_252 };
	hd_strv ne = { 0 };
	assert_int_equal(hd_sandbox_apply_loaded_unit(&u, HD_SYSTEMD_252, &s, &plan, NULL, NULL, NULL, &d, &ne), 0);
	assert_int_equal(hd_mount_plan_finish(&plan), 0);
	struct hd_sandbox sb = { 0 };
	struct hd_sandbox_options so = { .sdver = HD_SYSTEMD_252, .have_cap_sys_admin = true };
	assert_int_equal(hd_sandbox_build(&s, &so, &sb, &d), 0);
	assert_int_equal(hd_shadow_compare(p, &sb, &plan, HD_SYSTEMD_252, &probe, out), 0);
	hd_sandbox_free(&sb);
	hd_mount_plan_free(&plan);
	hd_seccomp_settings_free(&s);
	hd_strv_free(&ne);
	hd_unit_free(&u);
	hd_diags_free(&d);
}

static const struct hd_shadow_finding *find(const struct hd_shadow *s, enum hd_shadow_kind k, const char *what)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kind == k && strcmp(s->v[i].what, what) == 0)
			return &s->v[i];
	return NULL;
}

static const char tight[] = "[Service]\n"
			    "SystemCallFilter=@system-service\n"
			    "SystemCallFilter=~accept4\n"
			    "SystemCallErrorNumber=EPERM\n"
			    "RestrictAddressFamilies=AF_UNIX AF_INET\n"
			    "RestrictNamespaces=yes\n"
			    "ProtectSystem=strict\n";

static void test_tight_then_folded(void **state)
{
	(void)state;
	hd_arch x64 = hd_arch_from_name("x86-64");
	if (hd_arch_native() != x64)
		skip();
	struct hd_profile p;
	profile(&p, x64);
	struct hd_shadow sh;
	compare(tight, &p, &sh);
	/* accept4 (taken out), AF_NETLINK, the net namespace and the write; read, chown (in @system-service),
	 * socket and unshare themselves (allowed calls, judged by their arguments) are not */
	assert_int_equal(sh.n, 4);
	const struct hd_shadow_finding *f = find(&sh, HD_SHADOW_SYSCALL, "accept4");
	assert_non_null(f);
	assert_string_equal(f->setting, "SystemCallFilter");
	assert_int_equal(f->count, 5);
	assert_int_equal(f->fix.n, 1);
	assert_string_equal(f->fix.v[0], "SystemCallFilter=accept4");
	assert_non_null(f->group_fix);
	assert_true(f->groups.n > 0);
	f = find(&sh, HD_SHADOW_FAMILY, "AF_NETLINK");
	assert_non_null(f);
	assert_string_equal(f->fix.v[0], "RestrictAddressFamilies=AF_NETLINK");
	assert_null(find(&sh, HD_SHADOW_FAMILY, "AF_UNIX"));
	f = find(&sh, HD_SHADOW_NAMESPACE, "net");
	assert_non_null(f);
	assert_string_equal(f->fix.v[0], "RestrictNamespaces=net");
	f = find(&sh, HD_SHADOW_WRITE, "/srv/data/log");
	assert_non_null(f);
	assert_int_equal(f->err, EROFS);
	assert_string_equal(f->setting, "ProtectSystem=strict");
	assert_string_equal(f->fix.v[0], "ReadWritePaths=/srv/data");

	/* --fold: each line once, appended as a [Service] section; the result denies nothing seen */
	hd_strv lines = { 0 };
	size_t unfixable = 9;
	assert_int_equal(hd_shadow_fix_lines(&sh, &lines, &unfixable), 0);
	assert_int_equal(unfixable, 0);
	assert_int_equal(lines.n, 4);
	char *folded = hd_shadow_fold(tight, &lines);
	assert_non_null(folded);
	assert_non_null(strstr(folded, "ProtectSystem=strict\n# added by harden apply --fold"));
	assert_non_null(strstr(folded, "\n[Service]\nSystemCallFilter=accept4\n"));
	struct hd_shadow after;
	compare(folded, &p, &after);
	assert_int_equal(after.n, 0);
	hd_shadow_free(&after);
	free(folded);
	hd_strv_free(&lines);
	hd_shadow_free(&sh);
	hd_profile_free(&p);
}

static void test_fitting(void **state)
{
	(void)state;
	hd_arch x64 = hd_arch_from_name("x86-64");
	if (hd_arch_native() != x64)
		skip();
	struct hd_profile p;
	profile(&p, x64);
	struct hd_shadow sh;
	compare("[Service]\nSystemCallFilter=@system-service\nRestrictNamespaces=net\nProtectSystem=full\n", &p, &sh);
	assert_int_equal(sh.n, 0);
	hd_shadow_free(&sh);
	hd_profile_free(&p);
}

/* a drop-in without a final newline still gets its lines on lines of their own */
static void test_fold_text(void **state)
{
	(void)state;
	hd_strv lines = { 0 };
	assert_int_equal(hd_strv_push(&lines, "ReadWritePaths=/srv"), 0);
	char *t = hd_shadow_fold("[Service]\nProtectSystem=strict", &lines);
	assert_non_null(t);
	assert_string_equal(t, "[Service]\nProtectSystem=strict\n# added by harden apply --fold: what the shadow stage "
			       "saw the service need\n[Service]\nReadWritePaths=/srv\n");
	free(t);
	hd_strv_free(&lines);
}

/* capabilities: the ones the kernel granted that the bounding set leaves out (the shadow stage), and the
 * ones it refused that it leaves out (the enforce stage); a profile without capability records: none */
static void test_caps(void **state)
{
	(void)state;
	struct hd_profile p;
	hd_profile_init(&p);
	p.caps_source = HD_CAPS_KERNEL;
	assert_int_equal(hd_profile_add_cap(&p, 0 /* CAP_CHOWN */, true, "nginx (pid 7): chown"), 0);
	assert_int_equal(hd_profile_add_cap(&p, 6 /* CAP_SETGID */, true, NULL), 0);
	assert_int_equal(hd_profile_add_cap(&p, 1 /* CAP_DAC_OVERRIDE */, false, "nginx (pid 7): openat"), 0);
	/* systemd's child, before the exec: not the drop-in's doing */
	assert_int_equal(hd_profile_add_cap(&p, 24 /* CAP_SYS_RESOURCE */, false, "(nginx) (pid 7): prlimit64"), 0);
	uint64_t bounding = UINT64_C(1) << 6 | UINT64_C(1) << 7; /* CAP_SETGID CAP_SETUID */
	struct hd_shadow sh = { 0 };
	assert_int_equal(hd_shadow_compare_caps(&p, bounding, &sh), 0);
	assert_int_equal(sh.n, 1);
	assert_int_equal(sh.v[0].kind, HD_SHADOW_CAPABILITY);
	assert_string_equal(sh.v[0].what, "CAP_CHOWN");
	assert_string_equal(sh.v[0].setting, "CapabilityBoundingSet");
	assert_string_equal(sh.v[0].evidence, "nginx (pid 7): chown");
	assert_string_equal(sh.v[0].fix.v[0], "CapabilityBoundingSet=CAP_CHOWN");
	assert_string_equal(hd_shadow_kind_name(sh.v[0].kind), "capability");
	hd_shadow_free(&sh);
	assert_int_equal(hd_shadow_refused_caps(&p, bounding, &sh), 0);
	assert_int_equal(sh.n, 1);
	assert_string_equal(sh.v[0].what, "CAP_DAC_OVERRIDE");
	assert_string_equal(sh.v[0].fix.v[0], "CapabilityBoundingSet=CAP_DAC_OVERRIDE");
	hd_shadow_free(&sh);
	/* the whole set: nothing */
	assert_int_equal(hd_shadow_compare_caps(&p, UINT64_MAX, &sh), 0);
	assert_int_equal(sh.n, 0);
	hd_shadow_free(&sh);
	p.caps_source = HD_CAPS_UNKNOWN;
	assert_int_equal(hd_shadow_compare_caps(&p, 0, &sh), 0);
	assert_int_equal(hd_shadow_refused_caps(&p, 0, &sh), 0);
	assert_int_equal(sh.n, 0);
	hd_shadow_free(&sh);
	hd_profile_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tight_then_folded),
		cmocka_unit_test(test_fitting),
		cmocka_unit_test(test_fold_text),
		cmocka_unit_test(test_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
