/* SPDX-License-Identifier: MIT */
/* sandbox/mounts: a unit's file-system settings folded into a plan as systemd 252 orders them (nothing is
 * mounted here; the paths under /hd-none do not exist, so no link resolution changes them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/mounts.h"

static void fold(struct hd_mount_plan *p, const char *const *lines)
{
	hd_diags d = { 0 };
	for (const char *const *l = lines; *l; l++) {
		char *copy = strdup(*l), *eq = strchr(copy, '=');
		*eq = '\0';
		assert_int_equal(hd_mount_plan_add(p, copy, eq + 1, "t.service", 1, &d), 1);
		free(copy);
	}
	assert_int_equal(d.n, 0);
	hd_diags_free(&d);
	assert_int_equal(hd_mount_plan_finish(p), 0);
}

static const struct hd_mount_entry *find(const struct hd_mount_plan *p, const char *path)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].path, path) == 0)
			return &p->v[i];
	return NULL;
}

/* for one path the mode systemd ranks first wins, and takes the others' flags */
static void test_precedence_and_flags(void **state)
{
	(void)state;
	struct hd_mount_plan p = { 0 };
	static const char *const lines[] = { "ReadWritePaths=/hd-none/a", "ReadOnlyPaths=/hd-none/a",
					     "NoExecPaths=/hd-none/b", "ReadWritePaths=/hd-none/b",
					     "InaccessiblePaths=/hd-none/c", "BindPaths=/hd-none/src:/hd-none/c", NULL };
	fold(&p, lines);
	const struct hd_mount_entry *a = find(&p, "/hd-none/a"), *b = find(&p, "/hd-none/b"), *c = find(&p, "/hd-none/c");
	assert_non_null(a);
	assert_int_equal(a->mode, HD_MOUNT_READONLY); /* read-only beats read-write */
	assert_non_null(b);
	assert_int_equal(b->mode, HD_MOUNT_READWRITE);
	assert_true(b->noexec); /* absorbed */
	assert_false(b->read_only);
	assert_non_null(c);
	assert_int_equal(c->mode, HD_MOUNT_INACCESSIBLE);
	hd_mount_plan_free(&p);
}

/* nothing below an inaccessible path; parents sort before children */
static void test_drop_below_inaccessible(void **state)
{
	(void)state;
	struct hd_mount_plan p = { 0 };
	static const char *const lines[] = { "ReadWritePaths=/hd-none/in/sub /hd-none/in-other",
					     "InaccessiblePaths=/hd-none/in", "BindPaths=/hd-none/x:/hd-none/in/bound", NULL };
	fold(&p, lines);
	assert_null(find(&p, "/hd-none/in/sub"));
	assert_null(find(&p, "/hd-none/in/bound"));
	assert_non_null(find(&p, "/hd-none/in"));
	assert_non_null(find(&p, "/hd-none/in-other")); /* a sibling, not below */
	hd_mount_plan_free(&p);
}

static void test_tmpfs_and_bind_options(void **state)
{
	(void)state;
	struct hd_mount_plan p = { 0 };
	static const char *const lines[] = { "TemporaryFileSystem=/hd-none/t:ro,mode=0700 /hd-none/w",
					     "BindReadOnlyPaths=-/hd-none/s:/hd-none/d:norbind", "BindPaths=/hd-none/same",
					     NULL };
	fold(&p, lines);
	const struct hd_mount_entry *t = find(&p, "/hd-none/t"), *w = find(&p, "/hd-none/w"), *d = find(&p, "/hd-none/d"),
				    *same = find(&p, "/hd-none/same");
	assert_non_null(t);
	assert_int_equal(t->mode, HD_MOUNT_TMPFS);
	assert_true(t->read_only);
	/* "ro" is the plan's (made read-only after what is bound inside), the rest the file system's */
	assert_string_equal(t->options, "mode=0755,size=10%,nr_inodes=400k,mode=0700");
	assert_non_null(w);
	assert_false(w->read_only);
	assert_non_null(d);
	assert_int_equal(d->mode, HD_MOUNT_BIND);
	assert_true(d->read_only && d->ignore_missing);
	assert_string_equal(d->source, "/hd-none/s");
	assert_non_null(same);
	assert_int_equal(same->mode, HD_MOUNT_BIND_RECURSIVE);
	assert_string_equal(same->source, "/hd-none/same");
	hd_mount_plan_free(&p);
}

/* the settings that imply a fresh /proc, and its options */
static void test_procfs(void **state)
{
	(void)state;
	struct hd_mount_plan p = { 0 };
	static const char *const lines[] = { "ProtectProc=invisible", "ProcSubset=pid", NULL };
	fold(&p, lines);
	const struct hd_mount_entry *proc = find(&p, "/proc");
	assert_non_null(proc);
	assert_int_equal(proc->mode, HD_MOUNT_PROCFS);
	assert_string_equal(proc->options, "hidepid=invisible,subset=pid");
	hd_mount_plan_free(&p);

	struct hd_mount_plan q = { 0 };
	static const char *const defaults[] = { "ProtectProc=default", "ProcSubset=all", NULL };
	fold(&q, defaults);
	assert_int_equal(q.n, 0); /* nothing to do: no mount namespace either */
	assert_true(hd_mount_plan_empty(&q));
	hd_mount_plan_free(&q);

	struct hd_mount_plan k = { 0 };
	static const char *const tunables[] = { "ProtectKernelTunables=yes", "ProtectControlGroups=yes", NULL };
	fold(&k, tunables);
	assert_non_null(find(&k, "/proc"));
	const struct hd_mount_entry *cg = find(&k, "/sys/fs/cgroup");
	assert_non_null(cg);
	assert_int_equal(cg->mode, HD_MOUNT_READONLY); /* ProtectControlGroups= beats the tunables' writable entry */
	assert_non_null(find(&k, "/proc/sys"));
	hd_mount_plan_free(&k);
}

/* a bad value of a setting the filter also folds is the filter's to report; the plan ignores it */
static void test_shared_keys(void **state)
{
	(void)state;
	struct hd_mount_plan p = { 0 };
	hd_diags d = { 0 };
	assert_true(hd_mount_setting_shared("PrivateDevices"));
	assert_false(hd_mount_setting_shared("ProtectSystem"));
	assert_int_equal(hd_mount_plan_add(&p, "PrivateDevices", "maybe", "t", 1, &d), 1);
	assert_int_equal(d.n, 0);
	assert_int_equal(hd_mount_plan_add(&p, "ProtectProc", "maybe", "t", 2, &d), 1);
	assert_int_equal(d.n, 1);
	assert_int_equal(hd_mount_plan_add(&p, "BindPaths", "relative:/x", "t", 3, &d), 1);
	assert_int_equal(d.n, 2);
	assert_int_equal(hd_mount_plan_add(&p, "BindPaths", "/x:/y:bogus", "t", 4, &d), 1);
	assert_int_equal(d.n, 3);
	assert_int_equal(hd_mount_plan_finish(&p), 0);
	assert_int_equal(p.n, 0);
	hd_diags_free(&d);
	hd_mount_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence_and_flags),
		cmocka_unit_test(test_drop_below_inaccessible),
		cmocka_unit_test(test_tmpfs_and_bind_options),
		cmocka_unit_test(test_procfs),
		cmocka_unit_test(test_shared_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
