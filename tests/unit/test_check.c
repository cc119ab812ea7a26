/* SPDX-License-Identifier: MIT */
/* check/: a unit's filters against the static evidence of the programs its Exec*= lines run. Uses the
 * system's /usr/bin/sed (it imports fchown) and /bin/sh; skips when they are missing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "check/check.h"
#include "syscalls/groups.h"

static const struct hd_check_options opts = { .sdver = HD_SYSTEMD_LATEST };

/* The finding for syscall in the scanned program p, which must be there and of that kind. */
static const struct hd_check_finding *find(const struct hd_check_program *p, const char *syscall,
					   enum hd_check_finding_kind kind)
{
	assert_int_equal(p->kind, HD_CHECK_PROGRAM_ELF);
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].syscall && strcmp(p->v[i].syscall, syscall) == 0) {
			assert_int_equal(p->v[i].kind, kind);
			return &p->v[i];
		}
	fail_msg("no finding for %s", syscall);
	return NULL;
}

static void write_file(char *path, int suffix, const char *text)
{
	int fd = mkstemps(path, suffix);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_unit_sed_fchown(void **state)
{
	(void)state;
	if (access("/usr/bin/sed", X_OK) != 0)
		skip();
	char path[] = "/tmp/test_check_XXXXXX.service";
	write_file(path, 8, "[Service]\nExecStart=/usr/bin/sed -n p\nExecStop=+/usr/bin/sed\n"
			    "SystemCallFilter=~@chown\n");
	struct hd_check_report rep;
	hd_diags d = { 0 };
	assert_int_equal(hd_check_unit(path, &opts, &rep, &d), 0);
	unlink(path);
	assert_int_equal(rep.n_errors, 0);
	assert_string_equal(rep.unit, path);
	assert_int_equal(rep.n_commands, 2);
	assert_int_equal(rep.n, 2);
	/* systemd's order: ExecStart= before ExecStop=; '+' runs unfiltered, nothing checked */
	assert_string_equal(rep.v[0].setting, "ExecStart");
	assert_int_equal(rep.v[0].line, 2);
	assert_string_equal(rep.v[0].value, "/usr/bin/sed -n p");
	assert_string_equal(rep.v[1].setting, "ExecStop");
	assert_true(rep.v[1].unfiltered);
	assert_int_equal(rep.v[1].n, 0);

	assert_int_equal(rep.v[0].n, 1);
	const struct hd_check_finding *f = find(&rep.v[0].v[0], "fchown", HD_CHECK_BLOCKED);
	assert_string_equal(f->action, "kill");
	assert_true(rep.n_blocked >= 1);
	bool chown_group = false;
	for (size_t i = 0; i < f->groups.n; i++)
		chown_group |= strcmp(f->groups.v[i], "@chown") == 0;
	assert_true(chown_group);
	/* the best evidence first: sed names fchown itself */
	assert_true(f->n_evidence >= 1);
	assert_int_equal(f->evidence[0]->kind, HD_EV_DIRECT_IMPORT);
	assert_string_equal(f->evidence[0]->symbol, "fchown");
	assert_non_null(strstr(f->evidence[0]->object, "sed"));
	assert_non_null(strstr(f->fix, "'SystemCallFilter=fchown'"));
	hd_check_report_free(&rep);
	hd_diags_free(&d);
}

static void apply(struct hd_seccomp_settings *s, const char *key, const char *value)
{
	hd_diags d = { 0 };
	assert_int_equal(hd_seccomp_apply(s, key, value, HD_SYSTEMD_LATEST, NULL, 0, &d), 1);
	assert_int_equal(d.n, 0);
	hd_diags_free(&d);
}

/* A '#!' script: the script, then its interpreter; calls refused for some arguments are apart. */
static void test_exec_script_conditional(void **state)
{
	(void)state;
	if (access("/bin/sh", X_OK) != 0)
		skip();
	char path[] = "/tmp/test_check_XXXXXX.sh";
	write_file(path, 3, "#!/bin/sh\necho hi\n");
	assert_int_equal(chmod(path, 0700), 0); /* found as systemd finds it: executable */
	struct hd_seccomp_settings s;
	hd_seccomp_settings_init(&s);
	apply(&s, "MemoryDenyWriteExecute", "yes");
	struct hd_check_report rep = { 0 };
	hd_diags d = { 0 };
	assert_int_equal(hd_check_exec(&s, path, &opts, &rep, &d), 0);
	unlink(path);
	assert_int_equal(rep.n, 1);
	assert_null(rep.v[0].file);
	assert_string_equal(rep.v[0].setting, "--exec");
	assert_int_equal(rep.v[0].n, 2);
	assert_int_equal(rep.v[0].v[0].kind, HD_CHECK_PROGRAM_SCRIPT);
	assert_string_equal(rep.v[0].v[0].interpreter, "/bin/sh");
	const struct hd_check_finding *f = find(&rep.v[0].v[1], "mprotect", HD_CHECK_CONDITIONAL);
	assert_string_equal(f->setting, "MemoryDenyWriteExecute");
	assert_int_equal(rep.n_blocked, 0); /* not counted: static evidence does not see arguments */
	hd_check_report_free(&rep);
	hd_seccomp_settings_free(&s);
	hd_diags_free(&d);
}

static void test_missing(void **state)
{
	(void)state;
	struct hd_seccomp_settings s;
	hd_seccomp_settings_init(&s);
	struct hd_check_report rep = { 0 };
	hd_diags d = { 0 };
	assert_int_equal(hd_check_exec(&s, "/nonexistent/harden-prog", &opts, &rep, &d), 0);
	assert_int_equal(rep.n_errors, 1);
	assert_int_equal(rep.n, 1);
	assert_int_equal(rep.v[0].n, 0);
	assert_int_equal(hd_diags_count(&d, HD_ERROR), 1);
	hd_check_report_free(&rep);
	assert_int_equal(hd_check_unit("/nonexistent/x.service", &opts, &rep, &d), 0);
	assert_null(rep.unit);
	assert_int_equal(rep.n_errors, 1);
	hd_check_report_free(&rep);
	hd_seccomp_settings_free(&s);
	hd_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unit_sed_fchown),
		cmocka_unit_test(test_exec_script_conditional),
		cmocka_unit_test(test_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
