/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "explain/explain.h"
#include "explain/fix.h"
#include "explain/input.h"
#include "syscalls/groups.h"
#include "explain/logparse.h"
/* after coredump.h: signal.h (through it) makes si_call_addr a macro, which would rename its field */
#include <sys/wait.h>

static void test_fix_fchown(void **state)
{
	(void)state;
	struct hd_evidence_list ev = { 0 };
	for (int i = 0; i < 3; i++) {
		struct hd_evidence *e = hd_evidence_new(&ev, HD_EVIDENCE_AUDIT, "a", (unsigned)i + 1);
		hd_evidence_set_syscall(e, 0xc000003e, 93);
		e->verdict = HD_VERDICT_SECCOMP_KILL;
		e->exe = strdup("/usr/bin/sed");
		e->time_usec = (i == 1 ? 100 : 200 + i) * 1000000LL;
	}
	struct hd_explanation x;
	assert_int_equal(hd_explain(&ev, HD_SYSTEMD_252, NULL, NULL, &x), 0);
	assert_int_equal(x.n, 1);
	assert_int_equal(x.v[0].count, 3);
	assert_int_equal(x.v[0].first_usec, 100 * 1000000LL);
	assert_int_equal(x.v[0].last_usec, 202 * 1000000LL);
	assert_string_equal(x.v[0].narrow_line, "SystemCallFilter=fchown");
	assert_string_equal(x.v[0].group_line, "SystemCallFilter=@chown");
	const struct hd_syscall_fix *f = &x.v[0].fix[0];
	assert_true(hd_strv_contains(&f->paths, "@system-service @chown"));
	assert_true(hd_strv_contains(&f->group_also, "fchownat"));
	assert_false(hd_strv_contains(&f->group_also, "fchown"));
	/* what else @chown allows is exactly its members but fchown, from the group table */
	hd_strv m = { 0 };
	hd_group_expand(hd_group_find("@chown", HD_SYSTEMD_252), HD_SYSTEMD_252, &m);
	assert_int_equal(f->group_also.n, m.n - 1);
	hd_strv_free(&m);
	hd_explanation_free(&x);
	hd_evidence_list_free(&ev);
}

static bool allow_chown(const char *s, hd_arch arch, void *ud)
{
	(void)ud;
	(void)arch;
	return strcmp(s, "chown") == 0;
}

static void test_already_allowed(void **state)
{
	(void)state;
	struct hd_evidence_list ev = { 0 };
	struct hd_evidence *e = hd_evidence_new(&ev, HD_EVIDENCE_CORE, "c", 0);
	hd_evidence_set_syscall(e, 0xc000003e, 93);
	e->verdict = HD_VERDICT_SECCOMP_KILL;
	struct hd_explanation x;
	assert_int_equal(hd_explain(&ev, HD_SYSTEMD_LATEST, allow_chown, NULL, &x), 0);
	assert_false(hd_strv_contains(&x.v[0].fix[0].group_also, "chown"));
	assert_true(hd_strv_contains(&x.v[0].fix[0].group_also, "lchown"));
	hd_explanation_free(&x);
	hd_evidence_list_free(&ev);
}

static void test_separate_groups(void **state)
{
	(void)state;
	/* same syscall, different executables or architectures or verdicts: separate violations */
	struct hd_evidence_list ev = { 0 };
	struct { const char *exe; uint32_t arch; int nr; enum hd_verdict v; } recs[] = {
		{ "/a", 0xc000003e, 93, HD_VERDICT_SECCOMP_KILL },
		{ "/b", 0xc000003e, 93, HD_VERDICT_SECCOMP_KILL },
		{ "/a", 0x40000003, 95, HD_VERDICT_SECCOMP_KILL },
		{ "/a", 0xc000003e, 93, HD_VERDICT_SECCOMP_LOG },
		{ "/a", 0xc000003e, 93 | 0x40000000, HD_VERDICT_SECCOMP_KILL },
		{ "/a", 0xc000003e, 93, HD_VERDICT_SECCOMP_KILL },
	};
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		struct hd_evidence *e = hd_evidence_new(&ev, HD_EVIDENCE_AUDIT, "a", 1);
		hd_evidence_set_syscall(e, recs[i].arch, recs[i].nr);
		e->verdict = recs[i].v;
		e->exe = strdup(recs[i].exe);
	}
	assert_int_equal(ev.v[4].arch, HD_ARCH_X32);
	struct hd_explanation x;
	assert_int_equal(hd_explain(&ev, HD_SYSTEMD_LATEST, NULL, NULL, &x), 0);
	assert_int_equal(x.n, 5);
	assert_int_equal(x.v[0].count, 2);
	hd_explanation_free(&x);
	hd_evidence_list_free(&ev);
}

static void test_wrapper_inference(void **state)
{
	(void)state;
	static const struct { const char *fn; const char *sc; } cases[] = {
		{ "fchown", "fchown" },
		{ "__GI___fchown", "fchown" },
		{ "fchown@@GLIBC_2.2.5", "fchown" },
		{ "__libc_pread64", "pread64" },
		{ "__open64_nocancel", "openat" }, /* glibc 2.36 opens with openat (wrappers.c) */
		{ "stat", "newfstatat" },
		{ "not_a_syscall_at_all", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hd_strv out = { 0 };
		assert_int_equal(hd_libc_function_syscalls(cases[i].fn, "libc.so.6", HD_ARCH_X86_64, &out), 0);
		if (cases[i].sc) {
			assert_int_equal(out.n, 1);
			assert_string_equal(out.v[0], cases[i].sc);
		} else
			assert_int_equal(out.n, 0);
		hd_strv_free(&out);
	}
	assert_true(hd_is_libc_object("libc.so.6"));
	assert_true(hd_is_libc_object("/lib/ld-musl-x86_64.so.1"));
	assert_false(hd_is_libc_object("libcrypto.so.3"));
}

static void test_correlate(void **state)
{
	(void)state;
	const char *text =
		"type=SECCOMP msg=audit(1000.0:1): pid=5 comm=\"sed\" exe=\"/usr/bin/sed\" sig=31 arch=c000003e syscall=93 code=0x80000000\n"
		"           PID: 5 (sed)\n"
		"        Signal: 31 (SYS)\n"
		"     Timestamp: Thu 1970-01-01 00:16:40 UTC\n"
		"    Executable: /usr/bin/sed\n"
		"          Unit: x.service\n";
	struct hd_evidence_list ev = { 0 };
	hd_diags d = { 0 };
	assert_int_equal(hd_evidence_parse_text(text, strlen(text), "t", &ev, &d), 0);
	assert_int_equal(ev.n, 2);
	assert_int_equal(ev.v[1].verdict, HD_VERDICT_SIGSYS);
	assert_int_equal(ev.v[1].time_usec, 1000 * 1000000LL);
	assert_int_equal(hd_evidence_correlate(&ev), 0);
	assert_true(ev.v[0].merged);
	assert_int_equal(ev.v[1].verdict, HD_VERDICT_SECCOMP_KILL);
	assert_string_equal(ev.v[1].syscall, "fchown");
	assert_string_equal(ev.v[1].confirmed_by, "t:1");
	struct hd_explanation x;
	assert_int_equal(hd_explain(&ev, HD_SYSTEMD_LATEST, NULL, NULL, &x), 0);
	assert_int_equal(x.n, 1);
	assert_int_equal(x.v[0].count, 1);
	hd_explanation_free(&x);
	hd_evidence_list_free(&ev);
	hd_diags_free(&d);
}

/* The unit side: which line excluded the syscall, and the verified drop-in. */
static void unit_case(const char *text, const char *syscall, hd_arch arch, bool blocked, unsigned culprit_line,
		      const char *fix0, const char *fix1)
{
	struct hd_unit u = { 0 };
	u.name = strdup("t.service");
	hd_diags d = { 0 };
	assert_int_equal(hd_unit_parse_text(&u, text, strlen(text), "t.service", &d), 0);
	struct hd_unit_verdict v;
	assert_int_equal(hd_explain_unit(&u, HD_SYSTEMD_252, syscall, arch, &v), 0);
	assert_true(v.known);
	assert_int_equal(v.blocked, blocked);
	if (blocked) {
		if (culprit_line) {
			assert_non_null(v.culprit);
			assert_int_equal(v.culprit->line, culprit_line);
		} else
			assert_null(v.culprit);
		assert_true(v.fixed);
		assert_int_equal(v.fix_lines.n, fix1 ? 2 : 1);
		assert_string_equal(v.fix_lines.v[0], fix0);
		if (fix1)
			assert_string_equal(v.fix_lines.v[1], fix1);
	}
	hd_unit_verdict_free(&v);
	hd_unit_free(&u);
	hd_diags_free(&d);
}

static void test_unit_lines(void **state)
{
	(void)state;
	/* the seed: an allow list, then ~@chown takes fchown out */
	unit_case("[Service]\nSystemCallFilter=@system-service\nSystemCallFilter=~@chown\n", "fchown", HD_ARCH_X86_64,
		  true, 3, "SystemCallFilter=fchown", NULL);
	/* a pure deny list */
	unit_case("[Service]\nExecStart=/bin/true\nSystemCallFilter=~@privileged @chown\n", "fchown", HD_ARCH_X86_64, true, 3,
		  "SystemCallFilter=fchown", NULL);
	/* an allow list without it: its first line */
	unit_case("[Service]\nSystemCallFilter=@basic-io\nSystemCallFilter=@file-system\n", "fchown", HD_ARCH_X86_64, true,
		  2, "SystemCallFilter=fchown", NULL);
	/* allowed again by a later line; reset by an empty assignment */
	unit_case("[Service]\nSystemCallFilter=~@chown\nSystemCallFilter=fchown\n", "fchown", HD_ARCH_X86_64, false, 0,
		  NULL, NULL);
	unit_case("[Service]\nSystemCallFilter=~@chown\nSystemCallFilter=\n", "fchown", HD_ARCH_X86_64, false, 0, NULL,
		  NULL);
	/* i386 call under SystemCallArchitectures=native only: the architecture line, and only it */
	unit_case("[Service]\nSystemCallArchitectures=native\n", "fchown", HD_ARCH_X86, true, 2,
		  "SystemCallArchitectures=x86", NULL);
	/* both: the filter line is the culprit, the architecture has to be added too */
	unit_case("[Service]\nSystemCallFilter=~@chown\nSystemCallArchitectures=native\n", "fchown", HD_ARCH_X86, true, 2,
		  "SystemCallFilter=fchown", "SystemCallArchitectures=x86");
	/* settings in another section do not count */
	unit_case("[Unit]\nDescription=x\n[Install]\nSystemCallFilter=~@chown\n", "fchown", HD_ARCH_X86_64, false, 0, NULL,
		  NULL);
}

static char *write_tmp(char *dir, const char *name, const char *text)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* explain's whole path without the CLI: a file of any kind, the violations, the drop-in. */
static void test_read_and_dropin(void **state)
{
	(void)state;
	char dir[] = "/tmp/harden-explain-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char log[512], unit[512];
	snprintf(log, sizeof(log), "%s", write_tmp(dir, "audit.log",
		 "type=SECCOMP msg=audit(5.000:9): pid=3 comm=\"sed\" exe=\"/usr/bin/sed\" sig=31 arch=c000003e "
		 "syscall=93 code=0x80000000\n"));
	snprintf(unit, sizeof(unit), "%s", write_tmp(dir, "harden-unit-test-explain.service",
		 "[Service]\nExecStart=/bin/sed\nSystemCallFilter=~@chown\n"));

	struct hd_evidence_list ev = { 0 };
	hd_diags d = { 0 };
	assert_int_equal(hd_evidence_read(log, &ev, &d), 0);
	assert_int_equal(ev.n, 1);
	assert_string_equal(ev.v[0].syscall, "fchown");
	/* unreadable evidence: an error naming the file */
	assert_int_equal(hd_evidence_read(dir, &ev, &d), -EISDIR);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].file, dir);
	assert_string_equal(d.v[0].text, "is a directory");
	char missing[600];
	snprintf(missing, sizeof(missing), "%s/none", dir);
	assert_int_equal(hd_evidence_read(missing, &ev, &d), -ENOENT);
	/* text without a record: a warning, no error */
	assert_int_equal(hd_evidence_read(write_tmp(dir, "empty.log", "nothing here\n"), &ev, &d), 0);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.v[2].severity, HD_WARNING);
	assert_int_equal(ev.n, 1);

	/* without a unit: the narrowest line */
	struct hd_explanation x = { 0 };
	assert_int_equal(hd_explain_evidence(&ev, HD_SYSTEMD_252, NULL, &x), 0);
	assert_int_equal(x.n, 1);
	assert_true(hd_explanation_has_seccomp(&ev, &x));
	char *text = NULL;
	assert_int_equal(hd_explain_dropin_text(&ev, &x, NULL, &text), 0);
	assert_non_null(strstr(text, "# fchown killed sed on x86-64 (evidence: "));
	assert_non_null(strstr(text, "\n[Service]\nSystemCallFilter=fchown\n"));
	free(text);
	hd_explanation_free(&x);

	/* with the unit: the line that excluded it, and the verified fix */
	struct hd_explain_unit_ctx uc = { 0 };
	assert_int_equal(hd_explain_unit_load(&uc, unit, HD_SYSTEMD_252, &d), 0);
	assert_true(uc.loaded);
	assert_int_equal(hd_explain_evidence(&ev, HD_SYSTEMD_252, &uc, &x), 0);
	assert_int_equal(uc.n, 1);
	assert_int_equal(uc.verdicts[0].n, 1);
	assert_true(uc.verdicts[0].v[0].blocked);
	assert_true(uc.verdicts[0].v[0].fixed);
	assert_int_equal(uc.verdicts[0].v[0].culprit->line, 3);
	assert_int_equal(hd_explain_dropin_text(&ev, &x, &uc, &text), 0);
	assert_non_null(strstr(text, "#   excluded by "));
	assert_non_null(strstr(text, ":3: SystemCallFilter=~@chown\n[Service]\nSystemCallFilter=fchown\n"));
	free(text);
	hd_explanation_free(&x);
	hd_explain_unit_ctx_free(&uc);
	hd_evidence_list_free(&ev);

	/* a logged call ran: nothing to allow */
	struct hd_evidence *e = hd_evidence_new(&ev, HD_EVIDENCE_AUDIT, "a", 1);
	hd_evidence_set_syscall(e, 0xc000003e, 93);
	e->verdict = HD_VERDICT_SECCOMP_LOG;
	assert_int_equal(hd_explain_evidence(&ev, HD_SYSTEMD_252, NULL, &x), 0);
	assert_int_equal(hd_explain_dropin_text(&ev, &x, NULL, &text), -ENOENT);
	assert_null(text);
	hd_explanation_free(&x);
	hd_evidence_list_free(&ev);
	hd_diags_free(&d);
	unlink(log);
	unlink(unit);
	unlink(missing); /* not there */
	char p[600];
	snprintf(p, sizeof(p), "%s/empty.log", dir);
	unlink(p);
	rmdir(dir);
}

static bool diag_has(const hd_diags *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].severity == HD_ERROR && strstr(d->v[i].text, needle))
			return true;
	return false;
}

#define RECORD "type=SECCOMP msg=audit(5.000:9): pid=3 comm=\"sed\" sig=31 arch=c000003e syscall=93 code=0x80000000\n"

/* Feed size bytes (RECORD, then newlines) into a pipe on standard input from a child; the caller
 * reads, then end_pipe. */
static pid_t pipe_on_stdin(size_t size, int *saved_stdin)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		char buf[4096];
		memset(buf, '\n', sizeof(buf));
		memcpy(buf, RECORD, strlen(RECORD));
		for (size_t done = 0; done < size;) {
			size_t k = size - done < sizeof(buf) ? size - done : sizeof(buf);
			ssize_t w = write(p[1], buf, k);
			if (w <= 0)
				_exit(1); /* the reader stopped (EPIPE, when SIGPIPE is ignored) */
			memset(buf, '\n', strlen(RECORD));
			done += (size_t)w;
		}
		_exit(0);
	}
	close(p[1]);
	*saved_stdin = dup(STDIN_FILENO);
	assert_true(dup2(p[0], STDIN_FILENO) == STDIN_FILENO);
	close(p[0]);
	return pid;
}

static int end_pipe(pid_t pid, int saved_stdin)
{
	dup2(saved_stdin, STDIN_FILENO); /* closes the pipe: a writer still writing gets EPIPE */
	close(saved_stdin);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

/* Issue 25 item 11c: text evidence was read up to 1 GiB before being refused for its size. A
 * regular file is now refused by its st_size, a pipe as soon as it passes the bound. */
static void test_text_bound(void **state)
{
	(void)state;
	char dir[] = "/tmp/harden-explain-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[600];
	snprintf(path, sizeof(path), "%s", write_tmp(dir, "big.log", RECORD));
	struct hd_evidence_list ev = { 0 };
	hd_diags d = { 0 };

	/* one byte over the real bound, sparse: refused without reading (and so without holding) it */
	assert_int_equal(truncate(path, (off_t)HD_EVIDENCE_TEXT_MAX + 1), 0);
	struct rusage before, after;
	getrusage(RUSAGE_SELF, &before);
	assert_int_equal(hd_evidence_read(path, &ev, &d), -EFBIG);
	getrusage(RUSAGE_SELF, &after);
	assert_true(after.ru_maxrss - before.ru_maxrss < 64 * 1024); /* KiB: far below the GiB it was */
	assert_true(diag_has(&d, "1073741825 bytes, larger than 1024 MiB; split the log"));
	assert_int_equal(ev.n, 0);
	hd_diags_free(&d);

	/* with a bound of 1 MiB: a file of exactly that is read, one byte more is refused */
	size_t max = 1 << 20;
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(RECORD, f);
	for (size_t i = strlen(RECORD); i < max; i++)
		fputc('\n', f);
	fclose(f);
	assert_int_equal(hd_evidence_read_max(path, max, &ev, &d), 0);
	assert_int_equal(ev.n, 1);
	hd_evidence_list_free(&ev);
	f = fopen(path, "ae");
	assert_non_null(f);
	fputc('\n', f);
	fclose(f);
	assert_int_equal(hd_evidence_read_max(path, max, &ev, &d), -EFBIG);
	assert_true(diag_has(&d, "1048577 bytes, larger than 1 MiB"));
	hd_diags_free(&d);

	/* a pipe of exactly the bound is read; one of three times it stops at the bound: what the
	 * writer has not written yet is never asked for */
	int saved;
	pid_t w = pipe_on_stdin(max, &saved);
	assert_int_equal(hd_evidence_read_max("-", max, &ev, &d), 0);
	assert_int_equal(ev.n, 1);
	int st = end_pipe(w, saved);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	hd_evidence_list_free(&ev);
	w = pipe_on_stdin(3 * max, &saved);
	assert_int_equal(hd_evidence_read_max("-", max, &ev, &d), -EFBIG);
	int left = 0;
	assert_int_equal(ioctl(STDIN_FILENO, FIONREAD, &left), 0);
	st = end_pipe(w, saved);
	/* it could not write it all (SIGPIPE or EPIPE): reading stopped at the bound */
	assert_false(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(left > 0);
	assert_true(diag_has(&d, "more than 1 MiB (read up to there); split the log"));
	assert_int_equal(ev.n, 0);
	hd_diags_free(&d);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fix_fchown),
		cmocka_unit_test(test_already_allowed),
		cmocka_unit_test(test_separate_groups),
		cmocka_unit_test(test_wrapper_inference),
		cmocka_unit_test(test_correlate),
		cmocka_unit_test(test_unit_lines),
		cmocka_unit_test(test_read_and_dropin),
		cmocka_unit_test(test_text_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
