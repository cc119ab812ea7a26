/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "syscalls/syscalls.h"
#include "elf/wrappers.h"

/* bsearch needs the table sorted; a misplaced line would make its entry unfindable. */
static void test_table_sorted_unique(void **state)
{
	(void)state;
	for (size_t i = 1; hd_wrapper_table[i].name; i++) {
		if (strcmp(hd_wrapper_table[i - 1].name, hd_wrapper_table[i].name) >= 0)
			fail_msg("table not sorted at %s, %s", hd_wrapper_table[i - 1].name, hd_wrapper_table[i].name);
	}
}

/* Every syscall the table names must be a real x86-64 syscall: a typo would silently never match. */
static void check_list(const char *fn, const char *list)
{
	if (!list)
		return;
	char buf[512];
	assert_true(strlen(list) < sizeof(buf));
	strcpy(buf, list);
	for (char *save = NULL, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (hd_syscall_nr(w, HD_ARCH_X86_64, NULL) == HD_NR_NONE)
			fail_msg("%s: '%s' is not an x86-64 syscall", fn, w);
}

static void test_names_are_syscalls(void **state)
{
	(void)state;
	size_t n = 0;
	for (const struct hd_wrapper *w = hd_wrapper_table; w->name; w++, n++) {
		check_list(w->name, w->glibc);
		check_list(w->name, w->musl);
		hd_strv out = { 0 };
		assert_true(hd_wrapper_syscalls(w->name, HD_LIBC_GLIBC, &out) >= 0);
		hd_strv_free(&out);
	}
	assert_true(n > 500);
}

static void expect(const char *fn, enum hd_libc libc, hd_arch arch, const char *want_csv)
{
	hd_strv out = { 0 };
	int r = hd_wrapper_syscalls_arch(fn, libc, arch, &out);
	assert_true(r >= 0);
	char got[512] = "";
	for (size_t i = 0; i < out.n; i++) {
		if (i)
			strcat(got, ",");
		strcat(got, out.v[i]);
	}
	assert_string_equal(got, want_csv);
	hd_strv_free(&out);
}

static void test_lookups(void **state)
{
	(void)state;
	expect("fchown", HD_LIBC_GLIBC, HD_ARCH_X86_64, "fchown");
	expect("fchown@GLIBC_2.2.5", HD_LIBC_GLIBC, HD_ARCH_X86_64, "fchown");
	expect("stat", HD_LIBC_GLIBC, HD_ARCH_X86_64, "newfstatat");
	expect("stat64", HD_LIBC_GLIBC, HD_ARCH_X86_64, "newfstatat");
	expect("open", HD_LIBC_GLIBC, HD_ARCH_X86_64, "openat");
	expect("open", HD_LIBC_MUSL, HD_ARCH_X86_64, "open");
	expect("__open64_2", HD_LIBC_GLIBC, HD_ARCH_X86_64, "openat");
	expect("__printf_chk", HD_LIBC_GLIBC, HD_ARCH_X86_64, "write,newfstatat,lseek,ioctl");
	expect("__isoc99_sscanf", HD_LIBC_GLIBC, HD_ARCH_X86_64, "");
	expect("fputs_unlocked", HD_LIBC_GLIBC, HD_ARCH_X86_64, "write,newfstatat,lseek,ioctl");
	expect("preadv64v2", HD_LIBC_GLIBC, HD_ARCH_X86_64, "preadv2,preadv");
	expect("readdir64", HD_LIBC_GLIBC, HD_ARCH_X86_64, "getdents64");
	expect("select", HD_LIBC_GLIBC, HD_ARCH_X86_64, "pselect6");
	expect("strlen", HD_LIBC_GLIBC, HD_ARCH_X86_64, "");
	/* the generic table has no open/dup2/pipe: arm64 glibc uses openat/dup3/pipe2 */
	expect("open", HD_LIBC_MUSL, HD_ARCH_ARM64, "openat");
	expect("dup2", HD_LIBC_GLIBC, HD_ARCH_ARM64, "dup3");
	expect("pipe", HD_LIBC_MUSL, HD_ARCH_ARM64, "pipe2");
	expect("stat", HD_LIBC_GLIBC, HD_ARCH_ARM64, "newfstatat");
}

static void test_unknown_and_hostile(void **state)
{
	(void)state;
	hd_strv out = { 0 };
	assert_int_equal(hd_wrapper_syscalls("no_such_function_xyz", HD_LIBC_GLIBC, &out), -ENOENT);
	assert_int_equal(hd_wrapper_syscalls("", HD_LIBC_GLIBC, &out), -ENOENT);
	assert_int_equal(hd_wrapper_syscalls("@GLIBC_2.2.5", HD_LIBC_GLIBC, &out), -ENOENT);
	assert_int_equal(hd_wrapper_syscalls("__", HD_LIBC_GLIBC, &out), -ENOENT);
	assert_int_equal(hd_wrapper_syscalls("64", HD_LIBC_GLIBC, &out), -ENOENT);
	char big[4096];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(hd_wrapper_syscalls(big, HD_LIBC_GLIBC, &out), -ENOENT);
	assert_int_equal(out.n, 0);
	/* flags say what cannot be known */
	assert_true(hd_wrapper_find("syscall")->flags & HD_WRAPPER_ANY_SYSCALL);
	assert_true(hd_wrapper_find("dlopen")->flags & HD_WRAPPER_LOADS_CODE);
	assert_true(hd_wrapper_find("execvp")->flags & HD_WRAPPER_EXECS);
}

static void test_fallbacks(void **state)
{
	(void)state;
	const struct hd_libc_fallback *f = hd_libc_fallback_find("clone3", ENOSYS);
	assert_non_null(f);
	assert_string_equal(f->fallback, "clone");
	assert_null(hd_libc_fallback_find("clone3", EPERM)); /* glibc retries on ENOSYS only */
	assert_non_null(hd_libc_fallback_find("rseq", EPERM));  /* any errno: ignored */
	assert_null(hd_libc_fallback_find("fchown", ENOSYS));
	for (f = hd_libc_fallbacks; f->syscall; f++) {
		assert_int_not_equal(hd_syscall_nr(f->syscall, HD_ARCH_X86_64, NULL), HD_NR_NONE);
		if (*f->fallback)
			assert_int_not_equal(hd_syscall_nr(f->fallback, HD_ARCH_X86_64, NULL), HD_NR_NONE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sorted_unique),
		cmocka_unit_test(test_names_are_syscalls),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_unknown_and_hostile),
		cmocka_unit_test(test_fallbacks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
