/* SPDX-License-Identifier: MIT */
/* sandbox/fix: the fix run prints for a violation, by the setting that stopped it; the --audit tally;
 * a unit's settings as run enforces them. */
#include <linux/audit.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "sandbox/fix.h"
#include "syscalls/syscalls.h"

struct fixture {
	struct hd_seccomp_settings s;
	struct hd_sandbox sb;
	struct hd_violation v;
};

/* A sandbox for settings (key, value, key, value, ..., NULL) and the violation it reports for syscall on
 * audit_arch, as the supervisor fills it. */
static void setup_case(struct fixture *f, const char *const *settings, uint32_t audit_arch, hd_arch arch,
		       const char *syscall, uint64_t arg0)
{
	hd_seccomp_settings_init(&f->s);
	hd_diags d = { 0 };
	for (size_t i = 0; settings[i]; i += 2)
		assert_int_equal(hd_seccomp_apply(&f->s, settings[i], settings[i + 1], HD_SYSTEMD_LATEST, "test", 1, &d), 1);
	struct hd_sandbox_options o = { .sdver = HD_SYSTEMD_LATEST, .mode = HD_SANDBOX_SUPERVISED };
	f->sb = (struct hd_sandbox){ 0 };
	assert_int_equal(hd_sandbox_build(&f->s, &o, &f->sb, &d), 0);
	assert_int_equal(d.n, 0);
	hd_diags_free(&d);
	f->v = (struct hd_violation){ .arch = audit_arch, .args = { arg0 } };
	f->v.nr = hd_syscall_nr(syscall, arch, NULL);
	assert_true(f->v.nr >= 0);
	f->v.verdict = hd_sandbox_intent(&f->sb, audit_arch, f->v.nr, f->v.args);
	assert_false(hd_action_allows(f->v.verdict.action));
}

static void teardown_case(struct fixture *f)
{
	hd_sandbox_free(&f->sb);
	hd_seccomp_settings_free(&f->s);
}

static void test_fix_syscall_filter(void **state)
{
	(void)state;
	static const char *const set[] = { "SystemCallFilter", "~@chown", NULL };
	struct fixture f;
	setup_case(&f, set, AUDIT_ARCH_X86_64, HD_ARCH_X86_64, "fchown", 0);
	assert_string_equal(f.v.verdict.origin, "SystemCallFilter");
	assert_string_equal(hd_violation_call_name(&f.v), "fchown");
	struct hd_fix fx;
	assert_int_equal(hd_violation_fix(&f.sb, HD_SYSTEMD_LATEST, &f.v, &fx), 0);
	assert_string_equal(fx.setting, "SystemCallFilter=fchown");
	assert_non_null(fx.group);
	assert_string_equal(fx.group->name, "@chown");
	/* what else @chown lets through that the deny list stops now (native numbers only), sorted */
	assert_int_equal(fx.group_adds.n, 3);
	assert_string_equal(fx.group_adds.v[0], "chown");
	assert_string_equal(fx.group_adds.v[1], "fchownat");
	assert_string_equal(fx.group_adds.v[2], "lchown");
	hd_fix_free(&fx);
	teardown_case(&f);
}

/* A violation whose fix is one line of the setting that stopped it, with no group to offer. */
static void expect_setting_fix(const char *const *set, uint32_t audit_arch, hd_arch arch, const char *syscall,
			       uint64_t arg0, const char *origin, const char *fix)
{
	struct fixture f;
	setup_case(&f, set, audit_arch, arch, syscall, arg0);
	assert_string_equal(f.v.verdict.origin, origin);
	struct hd_fix fx;
	assert_int_equal(hd_violation_fix(&f.sb, HD_SYSTEMD_LATEST, &f.v, &fx), 0);
	assert_string_equal(fx.setting, fix);
	assert_null(fx.group);
	hd_fix_free(&fx);
	teardown_case(&f);
}

static void test_fix_address_families(void **state)
{
	(void)state;
	static const char *const set[] = { "RestrictAddressFamilies", "AF_UNIX", NULL };
	expect_setting_fix(set, AUDIT_ARCH_X86_64, HD_ARCH_X86_64, "socket", AF_INET, "RestrictAddressFamilies",
			   "RestrictAddressFamilies=AF_INET");
}

static void test_fix_architectures(void **state)
{
	(void)state;
	static const char *const set[] = { "SystemCallArchitectures", "native", NULL };
	expect_setting_fix(set, AUDIT_ARCH_I386, HD_ARCH_X86, "getpid", 0, "SystemCallArchitectures",
			   "SystemCallArchitectures=x86");
}

static void test_audit_tally(void **state)
{
	(void)state;
	struct hd_audit a = { 0 };
	struct hd_violation v1 = { .arch = AUDIT_ARCH_X86_64, .nr = 92, .tgid = 10 };
	struct hd_violation v2 = { .arch = AUDIT_ARCH_I386, .nr = 92, .tgid = 11 };
	struct hd_violation v3 = { .arch = AUDIT_ARCH_X86_64, .nr = 92, .tgid = 12 };
	assert_int_equal(hd_audit_add(&a, &v1), 0);
	assert_int_equal(hd_audit_add(&a, &v2), 0);
	assert_int_equal(hd_audit_add(&a, &v3), 0);
	assert_int_equal(a.n, 2); /* the same number on another ABI is another call */
	assert_int_equal(a.v[0].count, 2);
	assert_int_equal(a.v[0].first.tgid, 10);
	assert_int_equal(a.v[1].count, 1);
	assert_false(a.incomplete);
	hd_audit_free(&a);
}

static void test_apply_unit(void **state)
{
	(void)state;
	char path[] = "/tmp/test_fix_XXXXXX.service";
	int fd = mkstemps(path, 8);
	assert_true(fd >= 0);
	static const char text[] = "[Service]\nExecStart=/bin/true\nRestart=always\nUser=nobody\n"
				   "SystemCallFilter=~@chown\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	struct hd_seccomp_settings s;
	hd_seccomp_settings_init(&s);
	hd_diags d = { 0 };
	hd_strv ne = { 0 };
	assert_int_equal(hd_sandbox_apply_unit(path, HD_SYSTEMD_LATEST, &s, &d, &ne), 0);
	unlink(path);
	assert_int_equal(ne.n, 1); /* ExecStart= and Restart= are life cycle, SystemCallFilter= enforced */
	assert_string_equal(ne.v[0], "User");
	assert_true(hd_sandbox_is_lifecycle_key("Restart"));
	assert_false(hd_sandbox_is_lifecycle_key("User"));
	hd_strv_free(&ne);
	hd_diags_free(&d);
	hd_seccomp_settings_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fix_syscall_filter),
		cmocka_unit_test(test_fix_address_families),
		cmocka_unit_test(test_fix_architectures),
		cmocka_unit_test(test_audit_tally),
		cmocka_unit_test(test_apply_unit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
