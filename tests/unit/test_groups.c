/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "syscalls/groups.h"

static void test_version_parse(void **state)
{
	(void)state;
	int v = 0;
	assert_int_equal(hd_systemd_version_parse("252", &v), 0);
	assert_int_equal(v, HD_SYSTEMD_252);
	assert_int_equal(hd_systemd_version_parse("latest", &v), 0);
	assert_int_equal(v, HD_SYSTEMD_LATEST);
	assert_int_equal(v, HD_SYSTEMD_262);
	assert_int_equal(hd_systemd_version_parse("257", &v), 0);
	assert_int_equal(v, HD_SYSTEMD_257);
	assert_int_equal(hd_systemd_version_parse("262", &v), 0);
	assert_int_equal(v, HD_SYSTEMD_262);
	/* every major release 252..262 is modelled; others are refused, never mapped to a neighbour */
	for (int n = 252; n <= 262; n++) {
		char s[8];
		snprintf(s, sizeof(s), "%d", n);
		assert_int_equal(hd_systemd_version_parse(s, &v), 0);
		assert_int_equal(v, n);
		assert_string_equal(hd_systemd_version_name(n), s);
	}
	assert_int_equal(hd_systemd_version_parse("251", &v), -ERANGE);
	assert_int_equal(hd_systemd_version_parse("263", &v), -ERANGE);
	assert_int_equal(hd_systemd_version_parse("9999", &v), -ERANGE);
	assert_int_equal(hd_systemd_version_parse("", &v), -EINVAL);
	assert_int_equal(hd_systemd_version_parse("+257", &v), -EINVAL);
	assert_int_equal(hd_systemd_version_parse("257 ", &v), -EINVAL);
	assert_string_equal(hd_systemd_version_name(HD_SYSTEMD_257), "257");
	assert_string_equal(hd_systemd_version_name(HD_SYSTEMD_LATEST), "262");
}

/* per-version members, each checked against that version's systemd-analyze syscall-filter (corpus) */
static void test_versions_members(void **state)
{
	(void)state;
	/* open_tree: @mount in 252 and 257, @file-system in 262; open_tree_attr only in 262 */
	assert_true(hd_group_contains(hd_group_find("@mount", HD_SYSTEMD_257), HD_SYSTEMD_257, "open_tree"));
	assert_false(hd_group_contains(hd_group_find("@file-system", HD_SYSTEMD_257), HD_SYSTEMD_257, "open_tree"));
	assert_false(hd_group_contains(hd_group_find("@mount", HD_SYSTEMD_257), HD_SYSTEMD_257, "open_tree_attr"));
	assert_true(hd_group_contains(hd_group_find("@mount", HD_SYSTEMD_262), HD_SYSTEMD_262, "open_tree_attr"));
	/* 257.13 has @sandbox in @default, mseal and the lsm_* getters */
	const struct hd_group_def *def = hd_group_find("@default", HD_SYSTEMD_257);
	assert_true(hd_group_contains(def, HD_SYSTEMD_257, "seccomp"));
	assert_true(hd_group_contains(def, HD_SYSTEMD_257, "lsm_list_modules"));
	/* from the tags between (tests/data/systemd-groups): open_tree moved to @file-system in 258;
	 * @sandbox is a group from 254 and in @default from 254.27 on (a backport); uretprobe is in 252.38's
	 * @default and again from 254.27, not in 253.26's */
	assert_true(hd_group_contains(hd_group_find("@file-system", HD_SYSTEMD_258), HD_SYSTEMD_258, "open_tree"));
	assert_true(hd_group_contains(hd_group_find("@mount", HD_SYSTEMD_258), HD_SYSTEMD_258, "open_tree_attr"));
	assert_null(hd_group_find("@sandbox", HD_SYSTEMD_253));
	assert_non_null(hd_group_find("@sandbox", HD_SYSTEMD_254));
	assert_true(hd_group_contains(hd_group_find("@default", HD_SYSTEMD_254), HD_SYSTEMD_254, "seccomp"));
	assert_true(hd_group_contains(hd_group_find("@default", HD_SYSTEMD_252), HD_SYSTEMD_252, "uretprobe"));
	assert_false(hd_group_contains(hd_group_find("@default", HD_SYSTEMD_253), HD_SYSTEMD_253, "uretprobe"));
	assert_true(hd_group_contains(hd_group_find("@default", HD_SYSTEMD_254), HD_SYSTEMD_254, "uretprobe"));
	assert_false(hd_group_contains(hd_group_find("@known", HD_SYSTEMD_260), HD_SYSTEMD_260, "rseq_slice_yield"));
	assert_true(hd_group_contains(hd_group_find("@known", HD_SYSTEMD_261), HD_SYSTEMD_261, "rseq_slice_yield"));
	assert_false(hd_group_contains(hd_group_find("@known", HD_SYSTEMD_261), HD_SYSTEMD_261, "fchroot"));
	/* fchroot: known from 262 on */
	assert_false(hd_group_contains(hd_group_find("@known", HD_SYSTEMD_257), HD_SYSTEMD_257, "fchroot"));
	assert_true(hd_group_contains(hd_group_find("@known", HD_SYSTEMD_262), HD_SYSTEMD_262, "fchroot"));
}

static void test_sandbox_only_latest(void **state)
{
	(void)state;
	assert_null(hd_group_find("@sandbox", HD_SYSTEMD_252));
	assert_non_null(hd_group_find("@sandbox", HD_SYSTEMD_LATEST));
	const struct hd_group_def *def = hd_group_find("@default", HD_SYSTEMD_LATEST);
	assert_true(hd_group_contains(def, HD_SYSTEMD_LATEST, "seccomp")); /* via @sandbox */
	assert_true(hd_group_contains(def, HD_SYSTEMD_LATEST, "mseal"));
	def = hd_group_find("@default", HD_SYSTEMD_252);
	assert_false(hd_group_contains(def, HD_SYSTEMD_252, "seccomp"));
	assert_false(hd_group_contains(def, HD_SYSTEMD_252, "mseal"));
}

static void test_open_tree_moved(void **state)
{
	(void)state;
	assert_true(hd_group_contains(hd_group_find("@mount", HD_SYSTEMD_252), HD_SYSTEMD_252, "open_tree"));
	assert_false(hd_group_contains(hd_group_find("@mount", HD_SYSTEMD_LATEST), HD_SYSTEMD_LATEST, "open_tree"));
	assert_true(hd_group_contains(hd_group_find("@file-system", HD_SYSTEMD_LATEST), HD_SYSTEMD_LATEST, "open_tree"));
}

static void test_group_counts(void **state)
{
	(void)state;
	int n252 = 0, nlatest = 0;
	for (const struct hd_group_def *g = hd_group_next(NULL, HD_SYSTEMD_252); g; g = hd_group_next(g, HD_SYSTEMD_252))
		n252++;
	for (const struct hd_group_def *g = hd_group_next(NULL, HD_SYSTEMD_LATEST); g; g = hd_group_next(g, HD_SYSTEMD_LATEST))
		nlatest++;
	assert_int_equal(n252, 29);
	assert_int_equal(nlatest, 30);

	/* @known: 514 names in 252, 538 in latest, plus nested @obsolete */
	hd_strv k = { 0 }, obs = { 0 };
	assert_int_equal(hd_group_expand(hd_group_find("@obsolete", HD_SYSTEMD_252), HD_SYSTEMD_252, &obs), 0);
	assert_int_equal(hd_group_expand(hd_group_find("@known", HD_SYSTEMD_252), HD_SYSTEMD_252, &k), 0);
	size_t with_obsolete = k.n;
	hd_strv_free(&k);
	assert_int_equal(hd_group_expand(hd_group_find("@known", HD_SYSTEMD_LATEST), HD_SYSTEMD_LATEST, &k), 0);
	assert_int_equal(k.n - with_obsolete, 25); /* 262: fchroot too */
	hd_strv_free(&k);
	hd_strv_free(&obs);
}

static void test_paths(void **state)
{
	(void)state;
	hd_strv p = { 0 };
	assert_int_equal(hd_group_paths("fchown", HD_SYSTEMD_252, &p), 0);
	assert_true(hd_strv_contains(&p, "@chown"));
	assert_true(hd_strv_contains(&p, "@privileged @chown"));
	assert_true(hd_strv_contains(&p, "@system-service @chown"));
	assert_true(hd_strv_contains(&p, "@known"));
	assert_false(hd_strv_contains(&p, "@default"));
	hd_strv_free(&p);

	/* a name in no group has no paths */
	assert_int_equal(hd_group_paths("no_such_call", HD_SYSTEMD_LATEST, &p), 0);
	assert_int_equal(p.n, 0);
	hd_strv_free(&p);
}

static void test_expand_nested_unique(void **state)
{
	(void)state;
	hd_strv s = { 0 };
	const struct hd_group_def *g = hd_group_find("@system-service", HD_SYSTEMD_252);
	assert_int_equal(hd_group_expand(g, HD_SYSTEMD_252, &s), 0);
	size_t n = s.n;
	hd_strv_sort_uniq(&s);
	assert_int_equal(s.n, n); /* expansion is already unique */
	assert_true(hd_strv_sorted_contains(&s, "fchown"));   /* via @chown */
	assert_true(hd_strv_sorted_contains(&s, "execve"));   /* via @default */
	assert_false(hd_strv_sorted_contains(&s, "reboot"));
	hd_strv_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_parse),
		cmocka_unit_test(test_versions_members),
		cmocka_unit_test(test_sandbox_only_latest),
		cmocka_unit_test(test_open_tree_moved),
		cmocka_unit_test(test_group_counts),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_expand_nested_unique),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
