/* SPDX-License-Identifier: MIT */
/* The public API (include/harden.h) through libharden.so.0 alone: this test includes no internal
 * header and links only the shared library, as a user of the installed library would. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "harden.h"

static struct harden_settings *settings(const char *const *kv)
{
	struct harden_settings *s = NULL;
	assert_int_equal(harden_settings_new(HARDEN_SYSTEMD_252, &s), 0);
	assert_non_null(s);
	for (; kv && kv[0]; kv += 2)
		assert_int_equal(harden_settings_apply(s, kv[0], kv[1]), 1);
	return s;
}

static struct harden_verdict verdict(const struct harden_settings *s, const char *arch, const char *name)
{
	int nr = harden_syscall_number(name, arch);
	assert_true(nr >= 0);
	struct harden_verdict v;
	memset(&v, 0xAA, sizeof(v)); /* everything must be written, the reserved space zeroed */
	assert_int_equal(harden_filter_verdict(s, arch, nr, &v), 0);
	for (size_t i = 0; i < sizeof(v.reserved) / sizeof(v.reserved[0]); i++)
		assert_int_equal(v.reserved[i], 0);
	assert_non_null(v.name);
	assert_string_equal(v.name, name);
	return v;
}

static void test_version(void **state)
{
	(void)state;
	/* the header's macros are written by hand: they must agree with meson.build's version */
	assert_string_equal(harden_version(), HARDEN_VERSION_STRING);
	char buf[32];
	snprintf(buf, sizeof(buf), "%d.%d.%d", HARDEN_VERSION_MAJOR, HARDEN_VERSION_MINOR, HARDEN_VERSION_MICRO);
	assert_string_equal(buf, HARDEN_VERSION_STRING);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	struct harden_settings *s = NULL;
	struct harden_verdict v;
	struct harden_explanation *x = (void *)&v; /* must be reset to NULL on failure */
	unsigned tenths = 7;
	assert_int_equal(harden_settings_new(HARDEN_SYSTEMD_252, NULL), -EINVAL);
	assert_int_equal(harden_settings_new(251, &s), -EINVAL); /* a systemd harden does not model */
	assert_null(s);
	assert_int_equal(harden_settings_new(263, &s), -EINVAL);
	assert_null(s);
	s = settings(NULL);
	assert_int_equal(harden_settings_apply(NULL, "SystemCallFilter", "read"), -EINVAL);
	assert_int_equal(harden_settings_apply(s, NULL, "read"), -EINVAL);
	assert_int_equal(harden_settings_apply(s, "SystemCallFilter", NULL), -EINVAL);
	assert_int_equal(harden_settings_load_unit(s, NULL), -EINVAL);
	assert_int_equal(harden_settings_load_unit(NULL, "x.service"), -EINVAL);
	assert_int_equal(harden_filter_verdict(NULL, "x86-64", 0, &v), -EINVAL);
	assert_int_equal(harden_filter_verdict(s, NULL, 0, &v), -EINVAL);
	assert_int_equal(harden_filter_verdict(s, "vax", 0, &v), -EINVAL);
	assert_int_equal(harden_filter_verdict(s, "x86-64", -1, &v), -EINVAL);
	assert_int_equal(harden_filter_verdict(s, "x86-64", 0, NULL), -EINVAL);
	assert_int_equal(harden_syscall_number(NULL, "x86-64"), -EINVAL);
	assert_int_equal(harden_syscall_number("read", NULL), -EINVAL);
	assert_int_equal(harden_syscall_number("read", "vax"), -EINVAL);
	assert_int_equal(harden_syscall_number("no_such_syscall", "x86-64"), -ENOENT);
	assert_null(harden_syscall_name(-1, "x86-64"));
	assert_null(harden_syscall_name(0, NULL));
	assert_null(harden_syscall_name(100000, "x86-64"));
	assert_int_equal(harden_unit_exposure(NULL, 0, &tenths), -EINVAL);
	assert_int_equal(harden_unit_exposure(SRCDIR "/tests/data/check-sed-nochown.service", 0, NULL), -EINVAL);
	assert_int_equal(harden_unit_exposure(SRCDIR "/tests/data/check-sed-nochown.service", 1, &tenths), -EINVAL);
	assert_true(harden_unit_exposure("/nonexistent/x.service", 0, &tenths) < 0);
	assert_int_equal(tenths, 7); /* untouched on failure */
	assert_int_equal(harden_explain_file(NULL, 0, &x), -EINVAL);
	assert_null(x);
	assert_int_equal(harden_explain_file("-", 0, &x), -EINVAL); /* never the caller's stdin */
	assert_int_equal(harden_explain_file(SRCDIR "/tests/data/explain/audit.log", 0, NULL), -EINVAL);
	assert_true(harden_explain_file("/nonexistent/core", 0, &x) < 0);
	assert_null(x);
	/* NULL contexts in accessors and frees */
	assert_int_equal(harden_settings_n_warnings(NULL), 0);
	assert_null(harden_settings_warning(NULL, 0));
	assert_null(harden_settings_warning(s, 0));
	assert_int_equal(harden_explanation_count(NULL), 0);
	assert_null(harden_explanation_syscall(NULL, 0));
	assert_int_equal(harden_explanation_nr(NULL, 0), -1);
	assert_null(harden_explanation_fix(NULL, 0));
	harden_explanation_free(NULL);
	harden_settings_free(NULL);
	harden_settings_free(s);
}

static void test_syscall_numbers(void **state)
{
	(void)state;
	assert_int_equal(harden_syscall_number("fchown", "x86-64"), 93);
	assert_int_equal(harden_syscall_number("fchown", "x86_64"), 93); /* libseccomp's name too */
	assert_int_equal(harden_syscall_number("fchown", "x32"), 0x40000000 + 93);
	assert_int_equal(harden_syscall_number("fchown", "arm64"), 55);
	assert_string_equal(harden_syscall_name(93, "x86-64"), "fchown");
	assert_string_equal(harden_syscall_name(55, "arm64"), "fchown");
	assert_int_equal(harden_syscall_number("open", "arm64"), -ENOENT); /* arm64 has only openat */
}

/* Warnings are text for the caller, never output: stdout and stderr stay empty. */
static void test_warnings_not_printed(void **state)
{
	(void)state;
	char path[] = "/tmp/test_api_out.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	fflush(stdout);
	fflush(stderr);
	int o = dup(1), e = dup(2);
	assert_true(o >= 0 && e >= 0);
	dup2(fd, 1);
	dup2(fd, 2);
	struct harden_settings *s = NULL;
	int r_new = harden_settings_new(HARDEN_SYSTEMD_252, &s);
	int r_key = s ? harden_settings_apply(s, "NoSuchKey", "1") : -99;
	int r_val = s ? harden_settings_apply(s, "SystemCallFilter", "read no_such_syscall @no-such-group") : -99;
	int r_unit = s ? harden_settings_load_unit(s, "/nonexistent/x.service") : -99;
	struct harden_explanation *x = NULL;
	int r_ex = harden_explain_file(SRCDIR "/tests/data/check-sed-nochown.service", 0, &x); /* no records */
	fflush(stdout);
	fflush(stderr);
	dup2(o, 1);
	dup2(e, 2);
	close(o);
	close(e);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(r_new, 0);
	assert_int_equal(r_key, 0);  /* not a seccomp-backed setting: ignored */
	assert_int_equal(r_val, 1);  /* consumed, with warnings for the bad words */
	assert_int_equal(r_unit, -ENOENT);
	size_t n = harden_settings_n_warnings(s);
	assert_true(n >= 4);
	assert_non_null(strstr(harden_settings_warning(s, 0), "warning: Unknown key name 'NoSuchKey'"));
	bool syscall_named = false, group_named = false, file_named = false;
	for (size_t i = 0; i < n; i++) {
		const char *w = harden_settings_warning(s, i);
		assert_non_null(w);
		syscall_named |= strstr(w, "no_such_syscall") != NULL;
		group_named |= strstr(w, "@no-such-group") != NULL;
		file_named |= strstr(w, "/nonexistent/x.service") != NULL && strstr(w, "error") != NULL;
	}
	assert_true(syscall_named && group_named && file_named);
	assert_null(harden_settings_warning(s, n));
	/* the good word of that line still counts */
	struct harden_verdict v = verdict(s, "x86-64", "write");
	assert_int_equal(v.action, HARDEN_ACTION_KILL);
	v = verdict(s, "x86-64", "read");
	assert_int_equal(v.action, HARDEN_ACTION_ALLOW);
	assert_int_equal(r_ex, 0);
	assert_int_equal(harden_explanation_count(x), 0);
	harden_explanation_free(x);
	harden_settings_free(s);
}

static void test_verdicts(void **state)
{
	(void)state;
	/* no settings: nothing filters */
	struct harden_settings *s = settings(NULL);
	struct harden_verdict v = verdict(s, "x86-64", "reboot");
	assert_int_equal(v.action, HARDEN_ACTION_ALLOW);
	assert_null(v.setting);
	assert_false(v.conditional);
	harden_settings_free(s);

	/* an allow list: unlisted calls killed (252), with SystemCallErrorNumber= they fail instead */
	s = settings((const char *const[]){ "SystemCallFilter", "@system-service", NULL });
	v = verdict(s, "x86-64", "reboot");
	assert_int_equal(v.action, HARDEN_ACTION_KILL);
	assert_string_equal(v.setting, "SystemCallFilter");
	v = verdict(s, "x86-64", "read");
	assert_int_equal(v.action, HARDEN_ACTION_ALLOW);
	assert_int_equal(harden_settings_apply(s, "SystemCallErrorNumber", "EPERM"), 1);
	v = verdict(s, "x86-64", "reboot");
	assert_int_equal(v.action, HARDEN_ACTION_ERRNO);
	assert_int_equal(v.errno_value, EPERM);
	harden_settings_free(s);

	/* a deny list, with an errno of its own for one entry, and the log list */
	s = settings((const char *const[]){ "SystemCallFilter", "~@chown", "SystemCallFilter", "~mount:ENOSPC",
					    "SystemCallLog", "getpid", NULL });
	v = verdict(s, "x86-64", "fchown");
	assert_int_equal(v.action, HARDEN_ACTION_KILL);
	assert_string_equal(v.setting, "SystemCallFilter");
	v = verdict(s, "x86-64", "mount");
	assert_int_equal(v.action, HARDEN_ACTION_ERRNO);
	assert_int_equal(v.errno_value, ENOSPC);
	v = verdict(s, "x86-64", "getpid");
	assert_int_equal(v.action, HARDEN_ACTION_LOG);
	assert_string_equal(v.setting, "SystemCallLog");
	v = verdict(s, "x86-64", "read");
	assert_int_equal(v.action, HARDEN_ACTION_ALLOW);
	/* other architectures have their own numbers: the same verdict by name */
	v = verdict(s, "arm64", "fchown");
	assert_int_equal(v.action, HARDEN_ACTION_KILL);
	harden_settings_free(s);

	/* RestrictAddressFamilies=: socket() depends on its family argument */
	s = settings((const char *const[]){ "RestrictAddressFamilies", "AF_UNIX", NULL });
	v = verdict(s, "x86-64", "socket");
	assert_true(v.conditional);
	v = verdict(s, "x86-64", "read");
	assert_false(v.conditional);
	assert_int_equal(v.action, HARDEN_ACTION_ALLOW);
	harden_settings_free(s);

	/* SystemCallArchitectures=native: every x86 (i386) call is killed */
	s = settings((const char *const[]){ "SystemCallArchitectures", "native", NULL });
	v = verdict(s, "x86", "read");
	assert_int_equal(v.action, HARDEN_ACTION_KILL);
	assert_string_equal(v.setting, "SystemCallArchitectures");
	harden_settings_free(s);
}

static void test_load_unit(void **state)
{
	(void)state;
	struct harden_settings *s = settings(NULL);
	assert_true(harden_settings_load_unit(s, SRCDIR "/tests/data/check-sed-nochown.service") >= 2);
	struct harden_verdict v = verdict(s, "x86-64", "fchown");
	assert_int_equal(v.action, HARDEN_ACTION_KILL);
	v = verdict(s, "x86-64", "openat");
	assert_int_equal(v.action, HARDEN_ACTION_ALLOW);
	/* later assignments come after the unit's, as a drop-in would */
	assert_int_equal(harden_settings_apply(s, "SystemCallFilter", "fchown"), 1);
	v = verdict(s, "x86-64", "fchown");
	assert_int_equal(v.action, HARDEN_ACTION_ALLOW);
	harden_settings_free(s);

	unsigned t252 = 1000, tlatest = 1000;
	assert_int_equal(harden_unit_exposure(SRCDIR "/tests/data/check-sed-nochown.service", HARDEN_SYSTEMD_252, &t252), 0);
	assert_int_equal(harden_unit_exposure(SRCDIR "/tests/data/check-sed-nochown.service", HARDEN_SYSTEMD_LATEST, &tlatest), 0);
	assert_true(t252 > 0 && t252 <= 100);
	assert_true(tlatest <= 100);
	/* 252 to 262 are modelled (262 = latest); a version harden does not model is refused */
	unsigned t257 = 1000, t262 = 1000, t255 = 1000, t263 = 1000;
	assert_int_equal(harden_unit_exposure(SRCDIR "/tests/data/check-sed-nochown.service", HARDEN_SYSTEMD_257, &t257), 0);
	assert_int_equal(harden_unit_exposure(SRCDIR "/tests/data/check-sed-nochown.service", HARDEN_SYSTEMD_262, &t262), 0);
	assert_int_equal(t262, tlatest);
	assert_true(t257 <= 100);
	assert_int_equal(harden_unit_exposure(SRCDIR "/tests/data/check-sed-nochown.service", HARDEN_SYSTEMD_255, &t255), 0);
	assert_true(t255 <= 100);
	assert_int_equal(harden_unit_exposure(SRCDIR "/tests/data/check-sed-nochown.service", 263, &t263), -EINVAL);
}

static void test_explain_audit(void **state)
{
	(void)state;
	struct harden_explanation *x = NULL;
	assert_int_equal(harden_explain_file(SRCDIR "/tests/data/explain/audit.log", HARDEN_SYSTEMD_252, &x), 0);
	size_t n = harden_explanation_count(x);
	assert_true(n >= 1);
	size_t fchown = n;
	for (size_t i = 0; i < n; i++)
		if (harden_explanation_syscall(x, i) && strcmp(harden_explanation_syscall(x, i), "fchown") == 0 &&
		    harden_explanation_arch(x, i) && strcmp(harden_explanation_arch(x, i), "x86-64") == 0)
			fchown = i; /* the log has i386's fchown (#95) too */
	assert_true(fchown < n);
	assert_int_equal(harden_explanation_nr(x, fchown), 93);
	assert_string_equal(harden_explanation_arch(x, fchown), "x86-64");
	assert_int_equal(harden_explanation_signal(x, fchown), 31);
	assert_string_equal(harden_explanation_verdict(x, fchown), "seccomp-kill");
	assert_true(harden_explanation_records(x, fchown) >= 3); /* three sed deaths in the log */
	assert_string_equal(harden_explanation_fix(x, fchown), "SystemCallFilter=fchown");
	assert_string_equal(harden_explanation_group_fix(x, fchown), "SystemCallFilter=@chown");
	/* out of range */
	assert_null(harden_explanation_syscall(x, n));
	assert_int_equal(harden_explanation_nr(x, n), -1);
	assert_null(harden_explanation_arch(x, n));
	assert_int_equal(harden_explanation_signal(x, n), 0);
	assert_null(harden_explanation_verdict(x, n));
	assert_int_equal(harden_explanation_records(x, n), 0);
	assert_null(harden_explanation_fix(x, n));
	assert_null(harden_explanation_group_fix(x, n));
	harden_explanation_free(x);
}

/* Hostile evidence: truncated and garbage files are errors or empty, never crashes. */
static void test_explain_hostile(void **state)
{
	(void)state;
	char path[] = "/tmp/test_api_ev.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	/* an ELF header that claims far more than the file holds */
	static const unsigned char elf[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0x3e, 0,
					     1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	assert_int_equal(write(fd, elf, sizeof(elf)), (ssize_t)sizeof(elf));
	close(fd);
	struct harden_explanation *x = NULL;
	int r = harden_explain_file(path, 0, &x);
	assert_true(r < 0 || harden_explanation_count(x) == 0);
	harden_explanation_free(x);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	const char *junk = "type=SECCOMP msg=audit(1:2): syscall=99999999999 arch=zz sig=-5 code=0xffffffffff\n";
	assert_int_equal(write(fd, junk, strlen(junk)), (ssize_t)strlen(junk));
	close(fd);
	x = NULL;
	r = harden_explain_file(path, 0, &x);
	if (r == 0)
		for (size_t i = 0; i < harden_explanation_count(x); i++)
			(void)harden_explanation_fix(x, i);
	harden_explanation_free(x);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_syscall_numbers),
		cmocka_unit_test(test_warnings_not_printed),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_load_unit),
		cmocka_unit_test(test_explain_audit),
		cmocka_unit_test(test_explain_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
