/* SPDX-License-Identifier: MIT */
/*
 * Does the rule set say what the kernel actually does? Each case installs, in a forked child, the
 * filters systemd would install for SystemCallLog= and SystemCallFilter= -- separately, stacked, in
 * systemd's order, written here from the spec's installation rules with libseccomp, not from our
 * merged rule set -- then makes real syscalls and compares the kernel's verdict (SIGSYS, an errno,
 * or success) with hd_ruleset_action() on the rule set harden computed from the same settings.
 * Needs seccomp (skipped without it); no root: libseccomp sets no_new_privs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "filter/filter.h"
#include "syscalls/groups.h"
#include "syscalls/syscalls.h"

#define NO_SUCH_SYSCALL 999 /* no architecture's table has it: the kernel says ENOSYS by itself */

/* systemd's installation of one list (seccomp_load_syscall_filter_set_raw), for the native ABI. */
static int install_list(const struct hd_syscall_list *l, uint32_t default_action, uint32_t listed,
			const char *const *extra_known, uint32_t extra_action)
{
	scmp_filter_ctx ctx = seccomp_init(default_action);
	if (!ctx)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		int nr = seccomp_syscall_resolve_name(l->v[i].name);
		if (nr == __NR_SCMP_ERROR)
			continue; /* kept for latest, but this libseccomp cannot place it (not probed here) */
		uint32_t a = listed;
		if (l->v[i].err == HD_ERRNO_KILL)
			a = SCMP_ACT_KILL_PROCESS;
		else if (listed == SCMP_ACT_LOG)
			a = SCMP_ACT_LOG;
		else if (l->v[i].err >= 0)
			a = SCMP_ACT_ERRNO((uint32_t)l->v[i].err);
		int r = seccomp_rule_add_exact(ctx, a, nr, 0);
		if (r < 0 && r != -EDOM) {
			seccomp_release(ctx);
			return r;
		}
	}
	/* v255+ allow lists: every known syscall not listed gets the negative action explicitly */
	for (size_t i = 0; extra_known && extra_known[i]; i++) {
		bool listed_here = false;
		for (size_t k = 0; k < l->n && !listed_here; k++)
			listed_here = strcmp(l->v[k].name, extra_known[i]) == 0;
		int nr = seccomp_syscall_resolve_name(extra_known[i]);
		if (!listed_here && nr >= 0)
			(void)seccomp_rule_add_exact(ctx, extra_action, nr, 0);
	}
	int r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}

/* ProtectClock=: its own filter, every @clock syscall EPERM. */
static int install_protect_clock(int sdver)
{
	hd_strv clock = { 0 };
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = ctx ? hd_group_expand(hd_group_find("@clock", sdver), sdver, &clock) : -ENOMEM;
	for (size_t i = 0; r >= 0 && i < clock.n; i++) {
		int nr = seccomp_syscall_resolve_name(clock.v[i]);
		if (nr >= 0)
			r = seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	if (r >= 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	hd_strv_free(&clock);
	return r;
}

/* In the child: ProtectClock, SystemCallLog, SystemCallFilter, in systemd's order. */
static int install_like_systemd(const struct hd_seccomp_settings *s, int sdver, const char *const *known)
{
	int r = s->protect_clock ? install_protect_clock(sdver) : 0;
	if (r < 0)
		return r;
	if (s->log.is_set && (s->log.allow_list || s->log.n))
		r = install_list(&s->log, s->log.allow_list ? SCMP_ACT_ALLOW : SCMP_ACT_LOG,
				 s->log.allow_list ? SCMP_ACT_LOG : SCMP_ACT_ALLOW, NULL, 0);
	if (r < 0 || !(s->filter.is_set && (s->filter.allow_list || s->filter.n)))
		return r;
	uint32_t negative = s->error_number == HD_ERRNO_KILL ? SCMP_ACT_KILL_PROCESS
							      : SCMP_ACT_ERRNO((uint32_t)s->error_number);
	if (!s->filter.allow_list)
		return install_list(&s->filter, SCMP_ACT_ALLOW, negative, NULL, 0);
	if (sdver == HD_SYSTEMD_252)
		return install_list(&s->filter, negative, SCMP_ACT_ALLOW, NULL, 0);
	return install_list(&s->filter, SCMP_ACT_ERRNO(ENOSYS), SCMP_ACT_ALLOW, known, negative);
}

/* The kernel's verdict on syscall nr (all arguments 0) under s, observed in a child. The child reports
 * through its exit status only (exit_group is in @default; write() may not be allowed). */
#define CHILD_INSTALL_FAILED 255
static hd_action kernel_verdict(const struct hd_seccomp_settings *s, int sdver, const char *const *known, int nr)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* exit_group directly: a sanitizer's exit handlers would make syscalls of their own */
		if (install_like_systemd(s, sdver, known) < 0)
			syscall(SYS_exit_group, CHILD_INSTALL_FAILED);
		errno = 0;
		long ret = syscall(nr, 0, 0, 0, 0, 0, 0);
		syscall(SYS_exit_group, ret == -1 ? (errno > 0 && errno < CHILD_INSTALL_FAILED ? errno : 254) : 0);
		_exit(CHILD_INSTALL_FAILED);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status)) {
		assert_int_equal(WTERMSIG(status), SIGSYS);
		return (hd_action){ HD_ACT_KILL, 0 };
	}
	assert_true(WIFEXITED(status));
	int e = WEXITSTATUS(status);
	assert_int_not_equal(e, CHILD_INSTALL_FAILED);
	if (e && !(nr == NO_SUCH_SYSCALL && e == ENOSYS))
		return (hd_action){ HD_ACT_ERRNO, e };
	return (hd_action){ HD_ACT_ALLOW, 0 };
}

static void check_case(const char *const *lines, int sdver, const char *const *probes)
{
	struct hd_seccomp_settings s;
	hd_diags d = { 0 };
	hd_seccomp_settings_init(&s);
	for (size_t i = 0; lines[i]; i++) {
		const char *eq = strchr(lines[i], '=');
		char key[64];
		snprintf(key, sizeof(key), "%.*s", (int)(eq - lines[i]), lines[i]);
		assert_int_equal(hd_seccomp_apply(&s, key, eq + 1, sdver, NULL, 0, &d), 1);
	}
	assert_int_equal(d.n, 0);
	hd_strv known = { 0 };
	assert_int_equal(hd_group_expand(hd_group_find("@known", sdver), sdver, &known), 0);
	assert_int_equal(hd_strv_push(&known, ""), 0); /* room for a NULL terminator */
	char *terminator = known.v[known.n - 1];
	known.v[known.n - 1] = NULL;
	struct hd_ruleset rs;
	hd_arch native = hd_arch_native();
	assert_int_equal(hd_ruleset_build_full(&s, native, sdver, &rs), 0);
	for (size_t i = 0; probes[i]; i++) {
		int nr = strcmp(probes[i], "#999") == 0 ? NO_SUCH_SYSCALL : hd_syscall_nr(probes[i], native, NULL);
		assert_true(nr >= 0);
		hd_action want = hd_ruleset_action(&rs, nr, NULL);
		hd_action got = kernel_verdict(&s, sdver, (const char *const *)known.v, nr);
		if (want.kind == HD_ACT_LOG) /* logged calls run; the log line is not visible here */
			want.kind = HD_ACT_ALLOW;
		if (nr == NO_SUCH_SYSCALL && want.kind == HD_ACT_ERRNO && want.errno_value == ENOSYS)
			want.kind = HD_ACT_ALLOW; /* ENOSYS from a filter looks like the kernel's own */
		if (got.kind != want.kind || (got.kind == HD_ACT_ERRNO && got.errno_value != want.errno_value))
			fail_msg("%s (%s): kernel says %d/%d, rule set says %d/%d", probes[i], lines[0], got.kind,
				 got.errno_value, want.kind, want.errno_value);
	}
	known.v[known.n - 1] = terminator;
	hd_ruleset_free(&rs);
	hd_strv_free(&known);
	hd_seccomp_settings_free(&s);
	hd_diags_free(&d);
}

static void test_deny_list_with_log(void **state)
{
	(void)state;
	static const char *const lines[] = { "SystemCallLog=getpid getuid",
					     "SystemCallFilter=~getuid:EACCES getgid:kill getppid",
					     "SystemCallErrorNumber=EPERM", NULL };
	static const char *const probes[] = { "getpid", "getuid", "getgid", "getppid", "geteuid", "#999", NULL };
	check_case(lines, HD_SYSTEMD_252, probes);
}

static void test_allow_list_252_and_latest(void **state)
{
	(void)state;
	static const char *const lines[] = { "SystemCallFilter=umask", "SystemCallFilter=~getpriority:EACCES", NULL };
	static const char *const probes[] = { "umask", "getpriority", "getpid", "sched_getscheduler", "#999", NULL };
	check_case(lines, HD_SYSTEMD_252, probes);    /* 999: killed (default = negative action) */
	check_case(lines, HD_SYSTEMD_LATEST, probes); /* 999: ENOSYS from the filter */
}

static void test_inverted_log_with_allow_list(void **state)
{
	(void)state;
	static const char *const lines[] = { "SystemCallLog=~getpid", "SystemCallFilter=getuid",
					     "SystemCallErrorNumber=EROFS", NULL };
	static const char *const probes[] = { "getpid", "getuid", "umask", "#999", NULL };
	check_case(lines, HD_SYSTEMD_252, probes);
}

static void test_protect_clock_tie(void **state)
{
	(void)state;
	/* ProtectClock's EPERM is installed before SystemCallFilter's EACCES: two ERRNO verdicts, the
	 * later filter's errno is the one the caller sees */
	static const char *const lines[] = { "SystemCallFilter=~clock_settime:EACCES", "ProtectClock=yes", NULL };
	static const char *const probes[] = { "clock_settime", "settimeofday", "getpid", NULL };
	check_case(lines, HD_SYSTEMD_252, probes);
}

static int seccomp_available(void **state)
{
	(void)state;
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	bool ok = false;
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "Seccomp:", 8) == 0)
			ok = true;
	if (f)
		fclose(f);
	if (!ok)
		fprintf(stderr, "skip: kernel without seccomp (no Seccomp: line in /proc/self/status)\n");
	return ok ? 0 : 77;
}

int main(void)
{
	if (seccomp_available(NULL) != 0)
		return 77;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deny_list_with_log),
		cmocka_unit_test(test_allow_list_252_and_latest),
		cmocka_unit_test(test_inverted_log_with_allow_list),
		cmocka_unit_test(test_protect_clock_tie),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
