/* SPDX-License-Identifier: MIT */
/* The merged program: its BPF, run through an in-tree interpreter, must give the merged model's verdict
 * for every syscall number of x86-64, i386 and x32 and for the argument values that matter; spot checks
 * of the same programs in the real kernel, in forked children. */
#include <errno.h>
#include <linux/audit.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "syscalls/abiprobe.h"
#include "syscalls/groups.h"
#include "sandbox/sandbox.h"

struct setting {
	const char *key, *value;
};

static void settings_from(struct hd_seccomp_settings *s, const struct setting *list, int sdver)
{
	hd_seccomp_settings_init(s);
	hd_diags d = { 0 };
	for (size_t i = 0; list[i].key; i++)
		assert_int_equal(hd_seccomp_apply(s, list[i].key, list[i].value, sdver, "test", (unsigned)i + 1, &d), 1);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "diag: %s\n", d.v[i].text);
	assert_int_equal(d.n, 0);
	hd_diags_free(&d);
}

static uint32_t expected_ret(hd_action a, enum hd_sandbox_mode mode)
{
	switch (a.kind) {
	case HD_ACT_ALLOW: return SECCOMP_RET_ALLOW;
	case HD_ACT_LOG: return SECCOMP_RET_LOG;
	case HD_ACT_ERRNO:
		/* supervised: the supervisor answers with the errno after reporting the call */
		return mode == HD_SANDBOX_ENFORCE ? SECCOMP_RET_ERRNO | (uint32_t)a.errno_value : SECCOMP_RET_USER_NOTIF;
	case HD_ACT_KILL: return mode == HD_SANDBOX_ENFORCE ? SECCOMP_RET_KILL_PROCESS : SECCOMP_RET_USER_NOTIF;
	}
	return 0;
}

/* Argument values around every comparison of nr's rules: each side of each boundary and mask. */
static size_t probe_values(const struct hd_sandbox_abi *a, int nr, unsigned arg, uint64_t *out, size_t max)
{
	size_t n = 0;
	out[n++] = 0;
	out[n++] = ~0ULL;
	/* i386 multiplexers: every sub-call number */
	if (a->arch == HD_ARCH_X86 && arg == 0 && (nr == 102 || nr == 117))
		for (uint64_t call = 1; call <= 25 && n < max; call++)
			out[n++] = call;
	for (size_t i = 0; i < a->n && n + 6 <= max; i++) {
		if (a->v[i].nr != nr)
			continue;
		for (unsigned k = 0; k < a->v[i].n_cmps && n + 6 <= max; k++) {
			const struct hd_arg_cmp *c = &a->v[i].cmps[k];
			if (c->arg != arg)
				continue;
			out[n++] = c->datum;
			out[n++] = c->datum + 1;
			out[n++] = c->datum - 1;
			out[n++] = c->mask;
			out[n++] = c->datum | (1ULL << 32); /* garbage in the high word */
			out[n++] = c->mask | 0x3;
		}
	}
	return n;
}

static unsigned long check_abi(const struct hd_sandbox *sb, const struct hd_sandbox_abi *a, uint32_t audit_arch,
			       int base, enum hd_sandbox_mode mode, unsigned long *checked)
{
	unsigned long mismatches = 0;
	for (int i = 0; i < 1024; i++) {
		int nr = base + i;
		uint64_t v0[64], v1[64], v2[64], v3[64];
		size_t n0 = 1, n1 = 1, n2 = 1, n3 = 1;
		v0[0] = v1[0] = v2[0] = v3[0] = 0;
		if (a && !a->killed) {
			n0 = probe_values(a, nr, 0, v0, 64);
			n1 = probe_values(a, nr, 1, v1, 64);
			n2 = probe_values(a, nr, 2, v2, 64);
			n3 = probe_values(a, nr, 3, v3, 64);
		}
		for (size_t i0 = 0; i0 < n0; i0++)
			for (size_t i1 = 0; i1 < n1; i1++)
				for (size_t i2 = 0; i2 < n2; i2++)
					for (size_t i3 = 0; i3 < n3; i3++) {
						struct seccomp_data d = { .nr = nr, .arch = audit_arch };
						uint64_t args[6] = { v0[i0], v1[i1], v2[i2], v3[i3], 0, 0 };
						bool narrow = audit_arch == AUDIT_ARCH_I386;
						for (int k = 0; k < 6; k++)
							d.args[k] = narrow ? (uint32_t)args[k] : args[k];
						int64_t got = hd_bpf_run(sb->bpf, sb->bpf_len, &d);
						struct hd_sandbox_verdict v = hd_sandbox_intent(sb, audit_arch, nr, (const uint64_t *)d.args);
						uint32_t want = expected_ret(v.action, mode);
						(*checked)++;
						if (got != (int64_t)want) {
							if (mismatches < 10)
								fprintf(stderr,
									"mismatch arch %#x nr %d (%s) args %#llx %#llx %#llx %#llx: bpf %#llx, model %#x (%s)\n",
									audit_arch, nr, v.name ? v.name : "?",
									(unsigned long long)d.args[0], (unsigned long long)d.args[1],
									(unsigned long long)d.args[2], (unsigned long long)d.args[3],
									(unsigned long long)got, want, v.origin ? v.origin : "-");
							mismatches++;
						}
					}
	}
	return mismatches;
}

static void exhaustive(const struct setting *list, int sdver, enum hd_sandbox_mode mode)
{
	struct hd_seccomp_settings s;
	settings_from(&s, list, sdver);
	struct hd_sandbox_options o = { .sdver = sdver, .mode = mode, .have_cap_sys_admin = true };
	struct hd_sandbox sb;
	hd_diags d = { 0 };
	int r = hd_sandbox_build(&s, &o, &sb, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "diag: %s\n", d.v[i].text);
	assert_int_equal(r, 0);
	unsigned long mismatches = 0, checked = 0;
	const struct hd_sandbox_abi *x64 = &sb.abi[0], *x86 = &sb.abi[1], *x32 = &sb.abi[2];
	assert_int_equal(x64->arch, HD_ARCH_X86_64);
	mismatches += check_abi(&sb, x64, AUDIT_ARCH_X86_64, 0, mode, &checked);
	mismatches += check_abi(&sb, x86, AUDIT_ARCH_I386, 0, mode, &checked);
	mismatches += check_abi(&sb, x32, AUDIT_ARCH_X86_64, 0x40000000, mode, &checked);
	mismatches += check_abi(&sb, NULL, AUDIT_ARCH_AARCH64, 0, mode, &checked); /* any other ABI: killed */
	fprintf(stderr, "%lu calls checked, %lu mismatches\n", checked, mismatches);
	assert_int_equal(mismatches, 0);
	hd_sandbox_free(&sb);
	hd_diags_free(&d);
	hd_seccomp_settings_free(&s);
}

static const struct setting seed[] = {
	{ "SystemCallFilter", "@system-service" }, { "SystemCallFilter", "~@chown" }, { NULL, NULL } };
static const struct setting deny_mix[] = {
	{ "SystemCallErrorNumber", "EACCES" },
	{ "SystemCallFilter", "~@mount:EPERM getpid:kill @swap" },
	{ "SystemCallLog", "getppid" },
	{ NULL, NULL } };
static const struct setting all_features[] = {
	{ "SystemCallFilter", "@system-service" },
	{ "RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6 AF_NETLINK" },
	{ "RestrictNamespaces", "~user net" },
	{ "MemoryDenyWriteExecute", "yes" },
	{ "RestrictRealtime", "yes" },
	{ "RestrictSUIDSGID", "yes" },
	{ "LockPersonality", "yes" },
	{ "ProtectKernelTunables", "yes" },
	{ "ProtectKernelModules", "yes" },
	{ "ProtectKernelLogs", "yes" },
	{ "ProtectClock", "yes" },
	{ "PrivateDevices", "yes" },
	{ "ProtectHostname", "yes" },
	{ "NoNewPrivileges", "yes" },
	{ NULL, NULL } };
static const struct setting deny_features[] = {
	{ "SystemCallFilter", "~@obsolete" },
	{ "RestrictAddressFamilies", "~AF_INET AF_PACKET AF_NETLINK" },
	{ "RestrictNamespaces", "yes" },
	{ "SystemCallArchitectures", "native" },
	{ "RestrictSUIDSGID", "yes" },
	{ NULL, NULL } };
static const struct setting archs[] = {
	{ "SystemCallArchitectures", "native x86" }, { "SystemCallFilter", "~getpid" }, { NULL, NULL } };
static const struct setting errno_allow[] = {
	{ "SystemCallErrorNumber", "EPERM" },
	{ "SystemCallFilter", "@default @basic-io @file-system @network-io @process @signal" },
	{ "SystemCallFilter", "~socket:EACCES" },
	{ "SystemCallLog", "~getpid" },
	{ "RestrictAddressFamilies", "AF_UNIX" },
	{ "RestrictNamespaces", "mnt" },
	{ "LockPersonality", "yes" },
	{ NULL, NULL } };

static void test_exhaustive_seed(void **state) { (void)state; exhaustive(seed, HD_SYSTEMD_LATEST, HD_SANDBOX_ENFORCE); exhaustive(seed, HD_SYSTEMD_252, HD_SANDBOX_ENFORCE); }
static void test_exhaustive_deny_mix(void **state) { (void)state; exhaustive(deny_mix, HD_SYSTEMD_LATEST, HD_SANDBOX_ENFORCE); }
static void test_exhaustive_all_features(void **state)
{
	(void)state;
	exhaustive(all_features, HD_SYSTEMD_LATEST, HD_SANDBOX_ENFORCE);
	exhaustive(all_features, HD_SYSTEMD_252, HD_SANDBOX_ENFORCE);
}
static void test_exhaustive_deny_features(void **state) { (void)state; exhaustive(deny_features, HD_SYSTEMD_LATEST, HD_SANDBOX_ENFORCE); }
static void test_exhaustive_archs(void **state) { (void)state; exhaustive(archs, HD_SYSTEMD_LATEST, HD_SANDBOX_ENFORCE); }
static void test_exhaustive_errno_allow(void **state) { (void)state; exhaustive(errno_allow, HD_SYSTEMD_252, HD_SANDBOX_ENFORCE); }
static void test_exhaustive_modes(void **state)
{
	(void)state;
	exhaustive(all_features, HD_SYSTEMD_LATEST, HD_SANDBOX_SUPERVISED);
	exhaustive(all_features, HD_SYSTEMD_LATEST, HD_SANDBOX_AUDIT);
	exhaustive(deny_mix, HD_SYSTEMD_LATEST, HD_SANDBOX_AUDIT);
}

/* ---- the merge: the verdict of systemd's stack ---- */

static struct hd_sandbox_verdict intent_of(const struct setting *list, int nr, uint64_t a0)
{
	struct hd_seccomp_settings s;
	settings_from(&s, list, HD_SYSTEMD_LATEST);
	struct hd_sandbox_options o = { .sdver = HD_SYSTEMD_LATEST, .mode = HD_SANDBOX_ENFORCE, .have_cap_sys_admin = true };
	struct hd_sandbox sb;
	hd_diags d = { 0 };
	assert_int_equal(hd_sandbox_build(&s, &o, &sb, &d), 0);
	uint64_t args[6] = { a0, 0, 0, 0, 0, 0 };
	struct hd_sandbox_verdict v = hd_sandbox_intent(&sb, AUDIT_ARCH_X86_64, nr, args);
	hd_sandbox_free(&sb);
	hd_diags_free(&d);
	hd_seccomp_settings_free(&s);
	return v;
}

static void test_merge_rules(void **state)
{
	(void)state;
	/* socket denied by the filter with its own errno: the filter is installed last and wins the tie */
	const struct setting a[] = { { "SystemCallFilter", "~socket:EPERM" }, { "RestrictAddressFamilies", "AF_UNIX" }, { NULL, NULL } };
	struct hd_sandbox_verdict v = intent_of(a, SYS_socket, AF_INET);
	assert_int_equal(v.action.kind, HD_ACT_ERRNO);
	assert_int_equal(v.action.errno_value, EPERM);
	assert_string_equal(v.origin, "SystemCallFilter");
	/* socket allowed by an allow list: the family decides */
	const struct setting b[] = { { "SystemCallFilter", "@system-service" }, { "RestrictAddressFamilies", "AF_UNIX" }, { NULL, NULL } };
	v = intent_of(b, SYS_socket, AF_INET);
	assert_int_equal(v.action.kind, HD_ACT_ERRNO);
	assert_int_equal(v.action.errno_value, EAFNOSUPPORT);
	assert_string_equal(v.origin, "RestrictAddressFamilies");
	v = intent_of(b, SYS_socket, AF_UNIX);
	assert_int_equal(v.action.kind, HD_ACT_ALLOW);
	/* kill beats any errno */
	const struct setting c[] = { { "SystemCallFilter", "~socket" }, { "RestrictAddressFamilies", "AF_UNIX" }, { NULL, NULL } };
	v = intent_of(c, SYS_socket, AF_UNIX);
	assert_int_equal(v.action.kind, HD_ACT_KILL);
	/* an errno of a feature beats LOG */
	const struct setting e[] = { { "SystemCallLog", "socket" }, { "RestrictAddressFamilies", "AF_UNIX" }, { NULL, NULL } };
	v = intent_of(e, SYS_socket, AF_INET);
	assert_int_equal(v.action.errno_value, EAFNOSUPPORT);
	v = intent_of(e, SYS_socket, AF_UNIX);
	assert_int_equal(v.action.kind, HD_ACT_LOG);
}

/* ---- the real kernel ---- */

/* Run fn in a child under the sandbox; return its wait status. */
static int in_child(const struct setting *list, int (*fn)(void))
{
	struct hd_seccomp_settings s;
	settings_from(&s, list, HD_SYSTEMD_LATEST);
	struct hd_sandbox_options o = { .sdver = HD_SYSTEMD_LATEST, .mode = HD_SANDBOX_ENFORCE, .have_cap_sys_admin = false };
	struct hd_sandbox sb;
	hd_diags d = { 0 };
	assert_int_equal(hd_sandbox_build(&s, &o, &sb, &d), 0);
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		if (hd_sandbox_install(&sb) < 0)
			_exit(100);
		_exit(fn());
	}
	int st;
	assert_int_equal(waitpid(p, &st, 0), p);
	hd_sandbox_free(&sb);
	hd_diags_free(&d);
	hd_seccomp_settings_free(&s);
	return st;
}

static int do_getpid(void) { return syscall(SYS_getpid) < 0 ? errno : 0; }
static int do_getppid(void) { return syscall(SYS_getppid) < 0 ? errno : 0; }
static int do_i386_getpid(void)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
	return r < 0 ? (int)-r : 0;
}
static int do_x32_getpid(void)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(0x40000000L | 39L) : "rcx", "r11", "memory");
	return r < 0 ? (int)-r : 0;
}
static int do_inet(void) { return socket(AF_INET, SOCK_DGRAM, 0) < 0 ? errno : 0; }
static int do_unix(void) { return socket(AF_UNIX, SOCK_DGRAM, 0) < 0 ? errno : 0; }
static int do_wx(void) { return mmap(NULL, 4096, PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? errno : 0; }

static void test_kernel(void **state)
{
	(void)state;
	const struct setting eacces[] = { { "SystemCallFilter", "~getpid:EACCES" }, { NULL, NULL } };
	int st = in_child(eacces, do_getpid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), EACCES);
	st = in_child(eacces, do_getppid);
	assert_int_equal(WEXITSTATUS(st), 0);
	/* x32 calls pass through seccomp on every x86-64 kernel (ENOSYS afterwards where x32 is not built) */
	st = in_child(eacces, do_x32_getpid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), EACCES);
	const struct setting kill[] = { { "SystemCallFilter", "~getpid" }, { NULL, NULL } };
	st = in_child(kill, do_getpid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
	const struct setting raf[] = { { "RestrictAddressFamilies", "AF_UNIX" }, { "MemoryDenyWriteExecute", "yes" }, { NULL, NULL } };
	assert_int_equal(WEXITSTATUS(in_child(raf, do_inet)), EAFNOSUPPORT);
	assert_int_equal(WEXITSTATUS(in_child(raf, do_unix)), 0);
	assert_int_equal(WEXITSTATUS(in_child(raf, do_wx)), EPERM);
}

/* int $0x80 under a filter, where the kernel lets it in at all. The probe's verdict is checked against an
 * unfiltered call first, so neither a wrong "faults" nor a wrong "reachable" can pass unnoticed. */
static void test_kernel_i386(void **state)
{
	(void)state;
	struct hd_abi_probe abi[2];
	assert_int_equal(hd_probe_compat_abis(abi), 2);
	assert_int_equal(abi[0].arch, HD_ARCH_X86);
	assert_int_equal(abi[1].arch, HD_ARCH_X32);
	assert_int_not_equal(abi[1].reach, HD_ABI_FAULTS); /* the x32 bit never faults */
	pid_t p = fork(); /* unfiltered, and no core file if it faults */
	assert_true(p >= 0);
	if (p == 0) {
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		hd_reset_fault_signals(); /* cmocka (and ASan) catch it in the test process */
		_exit(do_i386_getpid());
	}
	int st;
	assert_int_equal(waitpid(p, &st, 0), p);
	if (abi[0].reach == HD_ABI_FAULTS) {
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), abi[0].detail);
		printf("skip: int $0x80 faults on this kernel without any filter (SIG%s): the i386 ABI is "
		       "unreachable here, so it cannot bypass a filter either\n", sigabbrev_np(abi[0].detail));
		skip();
	}
	assert_int_equal(abi[0].reach, HD_ABI_REACHABLE);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	const struct setting eacces[] = { { "SystemCallFilter", "~getpid:EACCES" }, { NULL, NULL } };
	st = in_child(eacces, do_i386_getpid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), EACCES);
	const struct setting native[] = { { "SystemCallArchitectures", "native" }, { NULL, NULL } };
	st = in_child(native, do_i386_getpid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

/* ---- the interpreter itself ---- */

static void test_bpf_interpreter(void **state)
{
	(void)state;
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 39, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 13),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct seccomp_data d = { .nr = 39 };
	assert_int_equal(hd_bpf_run(prog, 4, &d), SECCOMP_RET_ERRNO | 13);
	d.nr = 40;
	assert_int_equal(hd_bpf_run(prog, 4, &d), SECCOMP_RET_ALLOW);
	struct sock_filter bad[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 1000) };
	assert_int_equal(hd_bpf_run(bad, 1, &d), -EINVAL);
	struct sock_filter falls_off[] = { BPF_JUMP(BPF_JMP | BPF_JA, 5, 0, 0) };
	assert_int_equal(hd_bpf_run(falls_off, 1, &d), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bpf_interpreter),
		cmocka_unit_test(test_merge_rules),
		cmocka_unit_test(test_exhaustive_seed),
		cmocka_unit_test(test_exhaustive_deny_mix),
		cmocka_unit_test(test_exhaustive_all_features),
		cmocka_unit_test(test_exhaustive_deny_features),
		cmocka_unit_test(test_exhaustive_archs),
		cmocka_unit_test(test_exhaustive_errno_allow),
		cmocka_unit_test(test_exhaustive_modes),
		cmocka_unit_test(test_kernel),
		cmocka_unit_test(test_kernel_i386),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
