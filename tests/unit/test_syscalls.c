/* SPDX-License-Identifier: MIT */
/* Syscall resolution: numbers and their sources, the x32 bit, names absent from an architecture, the
 * project table against the running kernel, and the tracefs available_events parser. Expected numbers
 * are the kernel's ABI (its syscall tables), not values read back from harden. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscalls/groups.h"
#include "syscalls/syscalls.h"
#include "syscalls/syscalls_new.h"

#define X32_BIT 0x40000000

static void expect_nr(const char *name, hd_arch arch, int nr, enum hd_nr_source src)
{
	enum hd_nr_source got_src;
	int got = hd_syscall_nr(name, arch, &got_src);
	if (got != nr || got_src != src)
		fail_msg("%s on %s: got %d (source %d), want %d (source %d)", name, hd_arch_info(arch)->name, got,
			 got_src, nr, src);
}

static void test_libseccomp_numbers(void **state)
{
	(void)state;
	/* well-known ABI numbers from the kernel's tables */
	expect_nr("read", HD_ARCH_X86_64, 0, HD_NR_SRC_LIBSECCOMP);
	expect_nr("fchown", HD_ARCH_X86_64, 93, HD_NR_SRC_LIBSECCOMP);
	expect_nr("fchown", HD_ARCH_X86, 95, HD_NR_SRC_LIBSECCOMP);
	expect_nr("fchown", HD_ARCH_ARM64, 55, HD_NR_SRC_LIBSECCOMP);
	expect_nr("fchown", HD_ARCH_RISCV64, 55, HD_NR_SRC_LIBSECCOMP);
	expect_nr("fchown", HD_ARCH_S390X, 207, HD_NR_SRC_LIBSECCOMP);
	expect_nr("openat", HD_ARCH_ARM64, 56, HD_NR_SRC_LIBSECCOMP);
	expect_nr("seccomp", HD_ARCH_X86_64, 317, HD_NR_SRC_LIBSECCOMP);
	expect_nr("futex_requeue", HD_ARCH_ARM64, 456, HD_NR_SRC_LIBSECCOMP);
	/* ARM-private calls: __ARM_NR_BASE (0x0f0000) + n, on arm only */
	expect_nr("breakpoint", HD_ARCH_ARM, 0x0f0001, HD_NR_SRC_LIBSECCOMP);
	expect_nr("cacheflush", HD_ARCH_ARM, 0x0f0002, HD_NR_SRC_LIBSECCOMP);
	expect_nr("usr26", HD_ARCH_ARM, 0x0f0003, HD_NR_SRC_LIBSECCOMP);
	expect_nr("usr32", HD_ARCH_ARM, 0x0f0004, HD_NR_SRC_LIBSECCOMP);
	expect_nr("set_tls", HD_ARCH_ARM, 0x0f0005, HD_NR_SRC_LIBSECCOMP);
	expect_nr("get_tls", HD_ARCH_ARM, 0x0f0006, HD_NR_SRC_LIBSECCOMP);
	expect_nr("set_tls", HD_ARCH_ARM64, HD_NR_NONE, HD_NR_SRC_NONE);
	expect_nr("breakpoint", HD_ARCH_X86_64, HD_NR_NONE, HD_NR_SRC_NONE);
	expect_nr("riscv_flush_icache", HD_ARCH_RISCV64, 259, HD_NR_SRC_LIBSECCOMP);
}

static void test_x32_bit(void **state)
{
	(void)state;
	/* x32 shares x86-64's numbers with bit 30 set, except the historical 512+ block */
	expect_nr("read", HD_ARCH_X32, X32_BIT | 0, HD_NR_SRC_LIBSECCOMP);
	expect_nr("fchown", HD_ARCH_X32, X32_BIT | 93, HD_NR_SRC_LIBSECCOMP);
	expect_nr("ioctl", HD_ARCH_X32, X32_BIT | 514, HD_NR_SRC_LIBSECCOMP);
	expect_nr("mseal", HD_ARCH_X32, X32_BIT | 462, HD_NR_SRC_PROJECT);
	expect_nr("listns", HD_ARCH_X32, X32_BIT | 470, HD_NR_SRC_PROJECT);
	/* uretprobe is "64" (not "common") in syscall_64.tbl: no x32 entry */
	expect_nr("uretprobe", HD_ARCH_X32, HD_NR_NONE, HD_NR_SRC_NONE);
	assert_string_equal(hd_syscall_name(HD_ARCH_X32, X32_BIT | 470), "listns");
	assert_string_equal(hd_syscall_name(HD_ARCH_X32, X32_BIT | 93), "fchown");
	assert_null(hd_syscall_name(HD_ARCH_X32, 470)); /* without the bit it is not an x32 number */
}

static void test_project_numbers(void **state)
{
	(void)state;
	static const hd_arch common[] = { HD_ARCH_X86_64, HD_ARCH_X86, HD_ARCH_ARM64, HD_ARCH_ARM, HD_ARCH_RISCV64,
					  HD_ARCH_S390X, HD_ARCH_PPC64LE, HD_ARCH_PARISC };
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		expect_nr("statmount", common[i], 457, HD_NR_SRC_PROJECT);
		expect_nr("mseal", common[i], 462, HD_NR_SRC_PROJECT);
		expect_nr("file_setattr", common[i], 469, HD_NR_SRC_PROJECT);
		expect_nr("listns", common[i], 470, HD_NR_SRC_PROJECT);
		expect_nr("rseq_slice_yield", common[i], 471, HD_NR_SRC_PROJECT);
	}
	/* MIPS ABIs offset the shared number */
	expect_nr("listns", HD_ARCH_MIPS, 4470, HD_NR_SRC_PROJECT);
	expect_nr("listns", HD_ARCH_MIPS64, 5470, HD_NR_SRC_PROJECT);
	expect_nr("listns", HD_ARCH_MIPS64_N32, 6470, HD_NR_SRC_PROJECT);
	/* arch-private rows */
	expect_nr("uretprobe", HD_ARCH_X86_64, 335, HD_NR_SRC_PROJECT);
	expect_nr("uprobe", HD_ARCH_X86_64, 336, HD_NR_SRC_PROJECT);
	expect_nr("uprobe", HD_ARCH_ARM64, HD_NR_NONE, HD_NR_SRC_NONE);
	expect_nr("riscv_hwprobe", HD_ARCH_RISCV64, 258, HD_NR_SRC_PROJECT);
	expect_nr("riscv_hwprobe", HD_ARCH_ARM64, HD_NR_NONE, HD_NR_SRC_NONE);
	assert_string_equal(hd_syscall_name(HD_ARCH_RISCV64, 258), "riscv_hwprobe");
	assert_string_equal(hd_syscall_name(HD_ARCH_X86_64, 336), "uprobe");
	assert_null(hd_syscall_name(HD_ARCH_X86_64, 100000));
	/* every row says where its number comes from */
	for (const struct hd_new_syscall *s = hd_new_syscalls; s->name; s++) {
		assert_non_null(s->source);
		assert_true(strstr(s->source, "Linux ") == s->source);
	}
	assert_non_null(hd_syscall_project_source("listns", HD_ARCH_ARM64));
	assert_null(hd_syscall_project_source("fchown", HD_ARCH_ARM64));
	assert_string_equal(hd_nr_source_name(HD_NR_SRC_PROJECT), "harden table");
}

static void test_not_on_arch(void **state)
{
	(void)state;
	/* 32-bit-only or multiplexed calls have no x86-64 number; libseccomp's pseudo numbers are not
	 * passed through as numbers */
	expect_nr("_llseek", HD_ARCH_X86_64, HD_NR_NONE, HD_NR_SRC_NONE);
	expect_nr("_llseek", HD_ARCH_X86, 140, HD_NR_SRC_LIBSECCOMP);
	expect_nr("socketcall", HD_ARCH_X86_64, HD_NR_NONE, HD_NR_SRC_NONE);
	expect_nr("socketcall", HD_ARCH_X86, 102, HD_NR_SRC_LIBSECCOMP);
	expect_nr("open", HD_ARCH_ARM64, HD_NR_NONE, HD_NR_SRC_NONE);
	expect_nr("open", HD_ARCH_RISCV64, HD_NR_NONE, HD_NR_SRC_NONE);
	expect_nr("arch_prctl", HD_ARCH_ARM64, HD_NR_NONE, HD_NR_SRC_NONE);
	expect_nr("map_shadow_stack", HD_ARCH_X32, HD_NR_NONE, HD_NR_SRC_NONE);
	expect_nr("no_such_syscall", HD_ARCH_X86_64, HD_NR_NONE, HD_NR_SRC_NONE);
	expect_nr("", HD_ARCH_X86_64, HD_NR_NONE, HD_NR_SRC_NONE);
	expect_nr("read", HD_ARCH_INVALID, HD_NR_NONE, HD_NR_SRC_NONE);
	expect_nr("read", HD_ARCH_COUNT, HD_NR_NONE, HD_NR_SRC_NONE);
	assert_true(hd_syscall_libseccomp_knows("_llseek"));
	assert_false(hd_syscall_libseccomp_knows("listns"));
	assert_true(hd_syscall_name_known("listns"));
	assert_true(hd_syscall_name_known("osf_syscall")); /* in @known */
	assert_false(hd_syscall_name_known("fchwn"));
	assert_true(hd_syscall_name_known("fstatat"));             /* in @file-system, not in @known */
	assert_true(hd_syscall_name_known("arm_sync_file_range")); /* a libseccomp-only spelling */
	hd_strv all = { 0 };
	assert_int_equal(hd_syscall_all_names(&all), 0);
	assert_true(hd_strv_sorted_contains(&all, "fstatat"));
	assert_true(hd_strv_sorted_contains(&all, "rseq_slice_yield"));
	assert_false(hd_strv_sorted_contains(&all, "@chown"));
	for (size_t i = 1; i < all.n; i++)
		assert_true(strcmp(all.v[i - 1], all.v[i]) < 0);
	hd_strv_free(&all);
}

static bool elsewhere(const char *name)
{
	for (const struct hd_elsewhere_syscall *e = hd_syscalls_elsewhere; e->name; e++) {
		size_t n = strlen(e->name);
		if (e->name[n - 1] == '*' ? strncmp(name, e->name, n - 1) == 0 : strcmp(name, e->name) == 0)
			return true;
	}
	return false;
}

static bool unnumbered(const char *name)
{
	for (const struct hd_unnumbered_syscall *e = hd_syscalls_unnumbered; e->name; e++)
		if (strcmp(name, e->name) == 0)
			return true;
	return false;
}

/* Every @known name libseccomp lacks gets a project number, or is documented as existing only on
 * architectures harden does not model, or as one whose number is not established (and then resolves
 * nowhere). */
static void test_known_covered(void **state)
{
	(void)state;
	hd_strv known = { 0 };
	assert_int_equal(hd_group_expand(hd_group_find("@known", HD_SYSTEMD_LATEST), HD_SYSTEMD_LATEST, &known), 0);
	assert_true(known.n > 500);
	size_t project = 0, other = 0;
	for (size_t i = 0; i < known.n; i++) {
		const char *n = known.v[i];
		if (hd_syscall_libseccomp_knows(n))
			continue;
		bool has_number = false;
		for (int a = 0; a < HD_ARCH_COUNT; a++)
			has_number |= hd_syscall_nr(n, (hd_arch)a, NULL) >= 0;
		if (elsewhere(n) || unnumbered(n)) {
			if (has_number)
				fail_msg("%s is documented as not modelled but has a number", n);
			other++;
		} else if (!has_number)
			fail_msg("%s: in @known, unknown to libseccomp, and neither numbered nor documented", n);
		else
			project++;
	}
	assert_true(project >= 16);
	assert_true(other >= 50);
	hd_strv_free(&known);
}

/* On x86-64: each project row the running kernel lists in tracefs must be a real syscall at that number,
 * i.e. a call with invalid arguments must not fail with ENOSYS (run in a child: uretprobe raises
 * SIGILL outside a uprobe trampoline, which also proves the number is implemented). */
static void test_project_vs_kernel(void **state)
{
	(void)state;
#if defined(__x86_64__) && !defined(__ILP32__)
	hd_strv events = { 0 };
	int r = hd_kernel_syscalls(&events);
	if (r < 0) {
		print_message("note: tracefs not readable (%s); kernel cross-check skipped\n", strerror(-r));
		skip();
	}
	size_t checked = 0;
	for (const struct hd_new_syscall *s = hd_new_syscalls; s->name; s++) {
		int nr = hd_syscall_nr(s->name, HD_ARCH_X86_64, NULL);
		if (nr < 0 || !hd_strv_sorted_contains(&events, s->name))
			continue;
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			/* cmocka's handlers would turn a signal into a test failure in the child */
			signal(SIGILL, SIG_DFL);
			signal(SIGSEGV, SIG_DFL);
			signal(SIGBUS, SIG_DFL);
			long ret = syscall(nr, -1L, -1L, -1L, -1L, -1L, -1L);
			_exit(ret < 0 && errno == ENOSYS ? 1 : 0);
		}
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
			fail_msg("%s: tracefs lists it but syscall(%d) is ENOSYS: wrong number", s->name, nr);
		checked++;
	}
	/* and a number past the table really is ENOSYS, so the check above can fail */
	errno = 0;
	assert_true(syscall(100000, 0, 0, 0, 0, 0, 0) < 0 && errno == ENOSYS);
	print_message("note: %zu project rows checked against the running kernel\n", checked);
	hd_strv_free(&events);
#else
	skip();
#endif
}

static bool write_str(const char *dir, const char *file, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text);
}

static char *read_str(const char *dir, const char *file)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap + 1);
	if (buf)
		len = fread(buf, 1, cap, f);
	fclose(f);
	if (buf)
		buf[len] = 0;
	return buf;
}

/* The strongest check the machine allows: in a private ftrace instance, enable the tracepoint
 * syscalls:sys_enter_NAME for one child, let the child call syscall(number), and require the trace to show
 * sys_NAME(...). A wrong number (even one that is another real syscall) cannot pass. Root and tracefs
 * needed; the global trace buffer is untouched. */
static void test_project_numbers_traced(void **state)
{
	(void)state;
#if defined(__x86_64__) && !defined(__ILP32__)
	char inst[128];
	snprintf(inst, sizeof(inst), "/sys/kernel/tracing/instances/harden-test-%d", (int)getpid());
	if (mkdir(inst, 0700) < 0) {
		print_message("note: cannot create an ftrace instance (%s); traced check skipped\n", strerror(errno));
		skip();
	}
	size_t checked = 0;
	for (const struct hd_new_syscall *s = hd_new_syscalls; s->name; s++) {
		int nr = hd_syscall_nr(s->name, HD_ARCH_X86_64, NULL);
		char enable[160], pidbuf[32], want[96];
		snprintf(enable, sizeof(enable), "events/syscalls/sys_enter_%s/enable", s->name);
		if (nr < 0 || !write_str(inst, enable, "0"))
			continue; /* this kernel lacks the syscall (or its tracepoint) */
		int pfd[2];
		assert_int_equal(pipe(pfd), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			char c;
			close(pfd[1]);
			if (read(pfd[0], &c, 1) != 1)
				_exit(2);
			signal(SIGILL, SIG_DFL);
			signal(SIGSEGV, SIG_DFL);
			signal(SIGBUS, SIG_DFL);
			syscall(nr, -1L, -1L, -1L, -1L, -1L, -1L);
			_exit(0);
		}
		close(pfd[0]);
		snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
		bool ok = write_str(inst, "set_event_pid", pidbuf) && write_str(inst, "trace", "") &&
			  write_str(inst, enable, "1");
		assert_int_equal(write(pfd[1], "x", 1), 1);
		close(pfd[1]);
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		write_str(inst, enable, "0");
		char *trace = read_str(inst, "trace");
		snprintf(want, sizeof(want), " sys_%s(", s->name);
		bool seen = ok && trace && strstr(trace, want);
		free(trace);
		if (!seen) {
			rmdir(inst);
			fail_msg("%s: syscall(%d) did not hit tracepoint sys_enter_%s: wrong number", s->name, nr, s->name);
		}
		checked++;
	}
	rmdir(inst);
	print_message("note: %zu project rows proven by tracepoint on the running kernel\n", checked);
	assert_true(checked > 0);
#else
	skip();
#endif
}

static void test_events_parse(void **state)
{
	(void)state;
	static const char text[] = "syscalls:sys_enter_zzz\rsyscalls:sys_enter_aaa\r\nsyscalls:sys_enter_aaa\n"
				   "syscalls:sys_exit_read\n syscalls:sys_enter_indented\nsched:sched_switch\n"
				   "syscalls:sys_enter_b\0syscalls:sys_enter_\nsyscalls:sys_enter_last";
	hd_strv out = { 0 };
	assert_int_equal(hd_kernel_events_parse(text, sizeof(text) - 1, &out), 0);
	/* "" (an empty name after the prefix) is kept, as systemd keeps it */
	const char *want[] = { "", "aaa", "b", "last", "zzz" };
	assert_int_equal(out.n, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(out.v[i], want[i]);
	hd_strv_free(&out);

	assert_int_equal(hd_kernel_events_parse(NULL, 0, &out), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(hd_kernel_events_parse(NULL, 5, &out), -EINVAL);

	/* systemd's line limit: 1 MiB - 1 bytes is fine, 1 MiB fails the whole list */
	size_t n = HD_KERNEL_EVENTS_LINE_MAX;
	char *big = malloc(n + 64);
	assert_non_null(big);
	memcpy(big, "syscalls:sys_enter_", 19);
	memset(big + 19, 'x', n - 1 - 19);
	memcpy(big + n - 1, "\nsyscalls:sys_enter_ok\n", 23);
	assert_int_equal(hd_kernel_events_parse(big, n - 1 + 23, &out), 0);
	assert_int_equal(out.n, 2);
	hd_strv_free(&out);
	memset(big + 19, 'x', n - 19);
	memcpy(big + n, "\n", 1);
	assert_int_equal(hd_kernel_events_parse(big, n + 1, &out), -ENOBUFS);
	hd_strv_free(&out);
	free(big);
}

static void test_event_aliases(void **state)
{
	(void)state;
	assert_true(hd_kernel_event_is_internal("newuname"));
	assert_true(hd_kernel_event_is_internal("sysctl"));
	assert_false(hd_kernel_event_is_internal("umount")); /* shown by systemd, it is umount2's event */
	assert_false(hd_kernel_event_is_internal("uname"));
	assert_string_equal(hd_kernel_event_for_syscall("uname"), "newuname");
	assert_string_equal(hd_kernel_event_for_syscall("umount2"), "umount");
	assert_string_equal(hd_kernel_event_for_syscall("read"), "read");
}

static void test_distance(void **state)
{
	(void)state;
	assert_int_equal(hd_name_distance("fchown", "fchown", 3), 0);
	assert_int_equal(hd_name_distance("fchwn", "fchown", 3), 1);
	assert_int_equal(hd_name_distance("chown", "fchownat", 3), 3);
	assert_int_equal(hd_name_distance("", "abc", 5), 3);
	assert_int_equal(hd_name_distance("abcdef", "uvwxyz", 2), 3); /* capped at cap + 1 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libseccomp_numbers), cmocka_unit_test(test_x32_bit),
		cmocka_unit_test(test_project_numbers),    cmocka_unit_test(test_not_on_arch),
		cmocka_unit_test(test_known_covered),      cmocka_unit_test(test_project_vs_kernel),
		cmocka_unit_test(test_project_numbers_traced),
		cmocka_unit_test(test_events_parse),       cmocka_unit_test(test_event_aliases),
		cmocka_unit_test(test_distance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
