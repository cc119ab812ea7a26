/* SPDX-License-Identifier: MIT */
/* sandbox/creds: the credential settings folded as systemd 252 folds them (config_parse_capability_set,
 * unit_patch_contexts, UMask=, WorkingDirectory=), resolved into what the command's process does; and
 * unit/capability: names and numbers as systemd reads them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sandbox/creds.h"
#include "sandbox/fix.h"
#include "unit/capability.h"

#define B(c) HD_CAP_BIT(c)

/* Fold key=value lines (NULL-terminated pairs); each must fold without a diag. */
static void fold(struct hd_creds *c, const char *const *kv)
{
	hd_diags d = { 0 };
	for (size_t i = 0; kv[i]; i += 2)
		assert_int_equal(hd_creds_add(c, kv[i], kv[i + 1], "test", 1, &d), 1);
	assert_int_equal(d.n, 0);
	hd_diags_free(&d);
}

static void test_capability_names(void **state)
{
	(void)state;
	assert_int_equal(hd_capability_from_name("CAP_CHOWN"), 0);
	assert_int_equal(hd_capability_from_name("cap_net_bind_service"), 10);
	assert_int_equal(hd_capability_from_name("Cap_Sys_Admin"), 21);
	assert_int_equal(hd_capability_from_name("CAP_CHECKPOINT_RESTORE"), 40);
	/* numbers as safe_atoi reads them */
	assert_int_equal(hd_capability_from_name("12"), 12);
	assert_int_equal(hd_capability_from_name("0x10"), 16);
	assert_int_equal(hd_capability_from_name("010"), 8);
	assert_int_equal(hd_capability_from_name("0b11"), 3);
	assert_int_equal(hd_capability_from_name("0o17"), 15);
	assert_int_equal(hd_capability_from_name("63"), 63);
	assert_int_equal(hd_capability_from_name("64"), -EINVAL);
	assert_int_equal(hd_capability_from_name("-1"), -EINVAL);
	assert_int_equal(hd_capability_from_name("CHOWN"), -EINVAL);
	assert_int_equal(hd_capability_from_name("CAP_BOGUS"), -EINVAL);
	assert_int_equal(hd_capability_from_name(""), -EINVAL);
	assert_string_equal(hd_capability_name(34), "CAP_SYSLOG");
	assert_null(hd_capability_name(41));
}

static void test_bounding_fold(void **state)
{
	(void)state;
	struct hd_creds c;
	/* unset: everything */
	hd_creds_init(&c);
	assert_true(c.bounding == HD_CAP_ALL);
	/* the first line replaces the initial "all"; the next ones add */
	fold(&c, (const char *const[]){ "CapabilityBoundingSet", "CAP_CHOWN", "CapabilityBoundingSet", "cap_kill 10", NULL });
	assert_true(c.bounding == (B(0) | B(5) | B(10)));
	/* "~" takes out of what is there */
	fold(&c, (const char *const[]){ "CapabilityBoundingSet", "~CAP_KILL", NULL });
	assert_true(c.bounding == (B(0) | B(10)));
	/* an empty value resets to nothing; "~" alone to everything */
	fold(&c, (const char *const[]){ "CapabilityBoundingSet", "", NULL });
	assert_true(c.bounding == 0);
	fold(&c, (const char *const[]){ "CapabilityBoundingSet", "~", NULL });
	assert_true(c.bounding == HD_CAP_ALL);
	hd_creds_free(&c);
	/* "~X" first: everything but X; a plain line after it adds back */
	hd_creds_init(&c);
	fold(&c, (const char *const[]){ "CapabilityBoundingSet", "~CAP_CHOWN CAP_KILL", NULL });
	assert_true(c.bounding == ~(B(0) | B(5)));
	fold(&c, (const char *const[]){ "CapabilityBoundingSet", "CAP_KILL", NULL });
	assert_true(c.bounding == ~B(0));
	/* a line whose result equals the initial "all" makes the next line replace again (systemd's quirk) */
	fold(&c, (const char *const[]){ "CapabilityBoundingSet", "CAP_CHOWN", "CapabilityBoundingSet", "CAP_SYS_ADMIN", NULL });
	assert_true(c.bounding == B(21));
	hd_creds_free(&c);
}

static void test_ambient_fold(void **state)
{
	(void)state;
	struct hd_creds c;
	hd_creds_init(&c);
	assert_true(c.ambient == 0);
	fold(&c, (const char *const[]){ "AmbientCapabilities", "CAP_NET_BIND_SERVICE", "AmbientCapabilities", "CAP_NET_RAW", NULL });
	assert_true(c.ambient == (B(10) | B(13)));
	fold(&c, (const char *const[]){ "AmbientCapabilities", "~CAP_NET_RAW", NULL });
	assert_true(c.ambient == B(10));
	/* back at the initial 0: a "~" line replaces (everything but the listed) */
	fold(&c, (const char *const[]){ "AmbientCapabilities", "", "AmbientCapabilities", "~CAP_SYS_ADMIN", NULL });
	assert_true(c.ambient == ~B(21));
	hd_creds_free(&c);
}

static void test_unknown_capability(void **state)
{
	(void)state;
	struct hd_creds c;
	hd_creds_init(&c);
	hd_diags d = { 0 };
	/* skipped with a warning; the known ones count */
	assert_int_equal(hd_creds_add(&c, "CapabilityBoundingSet", "CAP_BOGUS CAP_CHOWN", "u.service", 7, &d), 1);
	assert_true(c.bounding == B(0));
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].severity, HD_WARNING);
	assert_non_null(strstr(d.v[0].text, "CAP_BOGUS"));
	hd_diags_free(&d);
	hd_creds_free(&c);
}

static void test_patch(void **state)
{
	(void)state;
	struct hd_creds c;
	hd_creds_init(&c);
	hd_creds_patch(&c, false, true, false, false);
	assert_true(c.bounding == ~B(16));
	hd_creds_patch(&c, false, false, true, false);
	assert_true(c.bounding == ~(B(16) | B(34)));
	hd_creds_patch(&c, true, false, false, true);
	assert_true(c.bounding == ~(B(16) | B(34) | B(27) | B(17) | B(25) | B(35)));
	hd_creds_free(&c);
	/* on top of an explicit set */
	hd_creds_init(&c);
	fold(&c, (const char *const[]){ "CapabilityBoundingSet", "CAP_SYS_TIME CAP_CHOWN", NULL });
	hd_creds_patch(&c, false, false, false, true);
	assert_true(c.bounding == B(0));
	hd_creds_free(&c);
}

static void test_umask_and_directory(void **state)
{
	(void)state;
	struct hd_creds c;
	hd_creds_init(&c);
	assert_int_equal(c.umask, 0022);
	fold(&c, (const char *const[]){ "UMask", "0077", "WorkingDirectory", "-/srv/x", NULL });
	assert_int_equal(c.umask, 0077);
	assert_string_equal(c.working_directory, "/srv/x");
	assert_true(c.working_directory_missing_ok);
	fold(&c, (const char *const[]){ "UMask", "27", "WorkingDirectory", "~", NULL });
	assert_int_equal(c.umask, 027);
	assert_string_equal(c.working_directory, "~");
	assert_false(c.working_directory_missing_ok);
	fold(&c, (const char *const[]){ "WorkingDirectory", "", NULL });
	assert_null(c.working_directory);
	hd_diags d = { 0 };
	/* not octal, too large: ignored with a warning; a relative directory refuses the unit, with "-" a warning */
	assert_int_equal(hd_creds_add(&c, "UMask", "0999", "t", 1, &d), -EINVAL);
	assert_int_equal(hd_creds_add(&c, "UMask", "17777", "t", 1, &d), -EINVAL);
	assert_int_equal(hd_creds_add(&c, "UMask", "-022", "t", 1, &d), -EINVAL);
	assert_int_equal(c.umask, 027);
	assert_int_equal(hd_creds_add(&c, "WorkingDirectory", "relative", "t", 1, &d), -ENOEXEC);
	assert_int_equal(hd_creds_add(&c, "WorkingDirectory", "-relative", "t", 1, &d), -EINVAL);
	assert_int_equal(hd_creds_add(&c, "User", "a:b", "t", 1, &d), -ENOEXEC);
	assert_int_equal(hd_creds_add(&c, "Group", "65535", "t", 1, &d), -ENOEXEC);
	assert_int_equal(hd_creds_add(&c, "User", "a b", "t", 1, &d), 1); /* relaxed: spaces inside are accepted */
	assert_int_equal(d.n, 7);
	hd_diags_free(&d);
	/* not ours */
	assert_int_equal(hd_creds_add(&c, "ProtectSystem", "yes", "t", 1, &d), 0);
	assert_false(hd_creds_setting("DynamicUser"));
	assert_true(hd_creds_setting("SupplementaryGroups"));
	hd_creds_free(&c);
}

static void test_resolve(void **state)
{
	(void)state;
	struct hd_creds c;
	struct hd_creds_plan p;
	hd_diags d = { 0 };
	/* nothing set: no ids, the bounding set left alone, umask 0022, inheritable/ambient emptied */
	hd_creds_init(&c);
	assert_int_equal(hd_creds_resolve(&c, NULL, &p, &d), 0);
	assert_false(p.set_uid);
	assert_false(p.set_gid);
	assert_false(p.set_groups);
	assert_false(p.drop_bounding);
	assert_true(p.set_umask);
	assert_int_equal(p.umask, 0022);
	assert_true(p.ambient == 0);
	assert_null(p.cwd);
	hd_creds_plan_free(&p);
	/* root and nobody are known without the user database, as systemd synthesizes them */
	fold(&c, (const char *const[]){ "User", "nobody", "SupplementaryGroups", "0", "CapabilityBoundingSet", "CAP_CHOWN",
					"AmbientCapabilities", "CAP_CHOWN CAP_KILL", "WorkingDirectory", "/x", NULL });
	assert_int_equal(hd_creds_resolve(&c, NULL, &p, &d), 0);
	assert_true(p.set_uid);
	assert_int_equal(p.uid, 65534);
	assert_true(p.set_gid);
	assert_int_equal(p.gid, 65534);
	assert_true(p.set_groups);
	/* the user's groups (at least its gid), then SupplementaryGroups= */
	assert_true(p.n_groups >= 2);
	assert_int_equal(p.groups[p.n_groups - 1], 0);
	assert_true(p.drop_bounding);
	assert_true(p.keep == B(0));
	/* CAP_KILL is not in the bounding set: dropped from the ambient set */
	assert_true(p.ambient == B(0) || p.ambient == 0);
	assert_false(p.ambient & B(5));
	assert_string_equal(p.cwd, "/x");
	assert_true(hd_creds_plan_drops_root(&p));
	hd_creds_plan_free(&p);
	/* --exec-ids stands in for User=; keep changes nothing */
	struct hd_creds_ids ids = { .given = true, .uid = 1, .gid = 1 };
	assert_int_equal(hd_creds_resolve(&c, &ids, &p, &d), 0);
	assert_true(p.ids_stand_in);
	assert_int_equal(p.uid, 1);
	assert_int_equal(p.groups[0], 1);
	hd_creds_plan_free(&p);
	ids = (struct hd_creds_ids){ .given = true, .uid = 65534, .gid = 65534 };
	assert_int_equal(hd_creds_resolve(&c, &ids, &p, &d), 0);
	assert_false(p.ids_stand_in); /* the unit's own ids: the user's groups as systemd takes them */
	hd_creds_plan_free(&p);
	ids = (struct hd_creds_ids){ .given = true, .keep = true };
	assert_int_equal(hd_creds_resolve(&c, &ids, &p, &d), 0);
	assert_false(p.set_uid);
	assert_false(p.set_gid);
	/* a "!" command keeps root but gets User='s groups (initgroups runs first in exec_child), not
	 * SupplementaryGroups= */
	assert_true(p.set_groups);
	for (size_t i = 0; i < p.n_groups; i++)
		assert_int_not_equal(p.groups[i], 0);
	hd_creds_plan_free(&p);
	assert_int_equal(d.n, 0);
	hd_creds_free(&c);
	/* an unknown user: -ESRCH naming it */
	hd_creds_init(&c);
	fold(&c, (const char *const[]){ "User", "no-such-user-harden-test", NULL });
	assert_int_equal(hd_creds_resolve(&c, NULL, &p, &d), -ESRCH);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].text, "User=no-such-user-harden-test"));
	hd_diags_free(&d);
	hd_creds_free(&c);
	/* a numeric uid the database does not know is refused too (get_user_creds without ALLOW_MISSING) */
	hd_creds_init(&c);
	fold(&c, (const char *const[]){ "User", "4000000000", NULL });
	assert_int_equal(hd_creds_resolve(&c, NULL, &p, &d), -ESRCH);
	hd_diags_free(&d);
	hd_creds_free(&c);
}

static void test_apply_unit(void **state)
{
	(void)state;
	char path[] = "/tmp/harden-test-creds-XXXXXX.service";
	int fd = mkstemps(path, 8);
	assert_true(fd >= 0);
	const char text[] = "[Service]\nExecStart=/bin/true\nUser=nobody\nCapabilityBoundingSet=CAP_CHOWN\n"
			    "CapabilityBoundingSet=CAP_KILL\nUMask=0027\nWorkingDirectory=-/srv\nNice=5\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	struct hd_seccomp_settings s;
	hd_seccomp_settings_init(&s);
	struct hd_creds c;
	hd_creds_init(&c);
	hd_diags d = { 0 };
	hd_strv ne = { 0 };
	assert_int_equal(hd_sandbox_apply_unit_mounts(path, HD_SYSTEMD_252, &s, NULL, &c, NULL, NULL, &d, &ne), 0);
	unlink(path);
	/* the credential settings are folded, not listed */
	assert_int_equal(ne.n, 1);
	assert_string_equal(ne.v[0], "Nice");
	assert_string_equal(c.user, "nobody");
	assert_true(c.bounding == (B(0) | B(5)));
	assert_int_equal(c.umask, 027);
	assert_string_equal(c.working_directory, "/srv");
	assert_true(c.working_directory_missing_ok);
	hd_strv_free(&ne);
	hd_diags_free(&d);
	hd_creds_free(&c);
	hd_seccomp_settings_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capability_names),
		cmocka_unit_test(test_bounding_fold),
		cmocka_unit_test(test_ambient_fold),
		cmocka_unit_test(test_unknown_capability),
		cmocka_unit_test(test_patch),
		cmocka_unit_test(test_umask_and_directory),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_apply_unit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
