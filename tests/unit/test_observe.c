/* SPDX-License-Identifier: MIT */
/* The shared decoding tables of harden learn (trace/observe.c) and what the eBPF side is told to copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscalls/arch.h"
#include "learn/profile.h"
#include "syscalls/syscalls.h"
#include "learn/trace/learn_bpf_shared.h"
#include "learn/trace/observe.h"

/* The kernel filter sends a read-only open of a single name if it is a watched directory's last
 * component: the leaves list must name every prefix's last component. */
static void test_leaves_cover_prefixes(void **state)
{
	(void)state;
#define AS_STRING(s) s,
	static const char *const prefixes[] = { HD_WATCHED_READ_PREFIXES(AS_STRING) };
	static const char *const leaves[] = { HD_WATCHED_READ_LEAVES(AS_STRING) };
#undef AS_STRING
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		const char *leaf = strrchr(prefixes[i], '/') + 1;
		bool found = false;
		for (size_t j = 0; j < sizeof(leaves) / sizeof(leaves[0]); j++)
			found |= strcmp(leaves[j], leaf) == 0;
		if (!found)
			fail_msg("leaf '%s' of %s missing from HD_WATCHED_READ_LEAVES", leaf, prefixes[i]);
	}
}

struct fixture {
	struct hd_profile profile;
	struct hd_observer ob;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	hd_profile_init(&f->profile);
	hd_observer_init(&f->ob, &f->profile, NULL, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	hd_profile_free(&f->profile);
	free(f);
	return 0;
}

static int slot_of(const struct hd_observer *ob, hd_arch arch)
{
	for (int s = 0; s < HD_ABI_SLOTS; s++)
		if (ob->arch[s] == arch)
			return s;
	return -1;
}

static struct hd_observe_plan plan(const struct hd_observer *ob, hd_arch arch, const char *name)
{
	struct hd_observe_plan p = { 0 };
	int s = slot_of(ob, arch), nr = hd_syscall_nr(name, arch, NULL);
	assert_true(s >= 0);
	assert_true(nr >= 0);
	hd_observe_plan_for(ob, s, nr & 0x3fffffff, &p);
	return p;
}

static void test_open_family_plans(void **state)
{
	struct fixture *f = *state;
	if (slot_of(&f->ob, HD_ARCH_X86_64) < 0)
		skip();
	struct hd_observe_plan p = plan(&f->ob, HD_ARCH_X86_64, "openat");
	assert_true(p.wanted);
	assert_int_equal(p.path_arg[0], 1);
	assert_int_equal(p.open_flags_arg, 2); /* read-only opens may be dropped in the kernel */
	assert_int_equal(p.dirfd_arg, 0);
	p = plan(&f->ob, HD_ARCH_X86_64, "open");
	assert_int_equal(p.open_flags_arg, 1);
	assert_int_equal(p.dirfd_arg, -1);
	p = plan(&f->ob, HD_ARCH_X86_64, "creat"); /* always a write: never dropped */
	assert_true(p.wanted);
	assert_int_equal(p.open_flags_arg, -1);
	p = plan(&f->ob, HD_ARCH_X86_64, "renameat2");
	assert_int_equal(p.dirfd_arg, 0);
	assert_int_equal(p.dirfd2_arg, 2);
	p = plan(&f->ob, HD_ARCH_X86_64, "linkat"); /* only the new name matters */
	assert_int_equal(p.path_arg[0], -1);
	assert_int_equal(p.path_arg[1], 3);
	assert_int_equal(p.dirfd2_arg, 2);
	p = plan(&f->ob, HD_ARCH_X86_64, "getpid");
	assert_false(p.wanted);
}

/* Each ABI slot decodes its own numbering: x32 calls carry bit 30, and i386 socket calls may come
 * directly (359) as well as through socketcall. */
static void test_compat_numbering(void **state)
{
	struct fixture *f = *state;
	int x86 = slot_of(&f->ob, HD_ARCH_X86), x32 = slot_of(&f->ob, HD_ARCH_X32);
	if (x86 < 0 || x32 < 0)
		skip();
	struct hd_observe_plan p;
	hd_observe_plan_for(&f->ob, x86, 359, &p); /* socket */
	assert_true(p.wanted);
	hd_observe_plan_for(&f->ob, x86, 102, &p); /* socketcall: its args array is copied */
	assert_true(p.wanted);
	assert_int_equal(p.mem_arg, 1);
	hd_observe_plan_for(&f->ob, x86, 397, &p); /* shmat */
	assert_true(p.wanted);
	hd_observe_plan_for(&f->ob, x86, 20, &p); /* getpid */
	assert_false(p.wanted);
	int openat_x32 = hd_syscall_nr("openat", HD_ARCH_X32, NULL);
	assert_true(openat_x32 & 0x40000000);
	hd_observe_plan_for(&f->ob, x32, openat_x32 & 0x3fffffff, &p);
	assert_true(p.wanted);
	assert_int_equal(p.open_flags_arg, 2);
}

/* The traced memory is this process's own: a path argument is a pointer to one of the strings below. */
static ssize_t own_mem(void *ctx, pid_t tid, uint64_t addr, void *buf, size_t len)
{
	(void)ctx, (void)tid;
	const char *s = (const char *)(uintptr_t)addr;
	size_t n = strlen(s) + 1;
	memcpy(buf, s, n < len ? n : len);
	return (ssize_t)(n < len ? n : len);
}

static bool written(const struct hd_profile *p, const char *path)
{
	for (size_t i = 0; i < p->paths_written.n; i++)
		if (strcmp(p->paths_written.v[i], path) == 0)
			return true;
	return false;
}

/* A call that may write a path is held until its result (issue 26): a failure a read-only mount would give
 * alike (mkdir of an existing directory: EEXIST before EROFS; chmod of a missing file: ENOENT) writes
 * nothing; unlink of a missing file is EROFS on a read-only mount, so it writes; a result that never comes
 * (lost, or the thread died in the call) writes. */
static void test_held_results(void **state)
{
	struct fixture *f = *state;
	int s = slot_of(&f->ob, HD_ARCH_X86_64);
	if (s < 0)
		skip();
	f->ob.read_mem = own_mem;
	uint32_t audit = hd_arch_info(HD_ARCH_X86_64)->audit_arch;
	uint64_t mkdir_nr = (uint64_t)hd_syscall_nr("mkdir", HD_ARCH_X86_64, NULL);
	uint64_t unlink_nr = (uint64_t)hd_syscall_nr("unlink", HD_ARCH_X86_64, NULL);
	uint64_t chmod_nr = (uint64_t)hd_syscall_nr("chmod", HD_ARCH_X86_64, NULL);
	uint64_t getpid_nr = (uint64_t)hd_syscall_nr("getpid", HD_ARCH_X86_64, NULL);
	assert_true(plan(&f->ob, HD_ARCH_X86_64, "mkdir").want_result);
	assert_true(plan(&f->ob, HD_ARCH_X86_64, "openat").want_result);
	assert_false(plan(&f->ob, HD_ARCH_X86_64, "getpid").want_result);
	static const char var_log[] = "/var/log", nope[] = "/nonexistent-dir/x", run_x[] = "/run/hd-missing";
	static const char usr_x[] = "/usr/hd-x", etc_x[] = "/etc/hd-x", srv_x[] = "/srv/hd-x";
	uint64_t a[6] = { 0 };

	a[0] = (uintptr_t)var_log;
	assert_true(hd_observe_syscall_held(&f->ob, 10, audit, mkdir_nr, a));
	hd_observe_result(&f->ob, 10, mkdir_nr, -EEXIST);
	assert_false(written(&f->profile, "/var"));
	assert_true(hd_observe_syscall_held(&f->ob, 10, audit, mkdir_nr, a));
	hd_observe_result(&f->ob, 10, HD_OBSERVE_NR_HELD, 0);
	assert_true(written(&f->profile, "/var"));

	a[0] = (uintptr_t)nope;
	assert_true(hd_observe_syscall_held(&f->ob, 11, audit, chmod_nr, a));
	hd_observe_result(&f->ob, 11, chmod_nr, -ENOENT);
	assert_false(written(&f->profile, nope));
	assert_true(hd_observe_syscall_held(&f->ob, 11, audit, chmod_nr, a));
	hd_observe_result(&f->ob, 11, chmod_nr, -EPERM); /* checked after the mount */
	assert_true(written(&f->profile, nope));

	a[0] = (uintptr_t)run_x;
	assert_true(hd_observe_syscall_held(&f->ob, 12, audit, unlink_nr, a));
	hd_observe_result(&f->ob, 12, unlink_nr, -ENOENT);
	assert_true(written(&f->profile, "/run"));

	/* results lost: another call of the thread comes first, a result for another call, none at all */
	a[0] = (uintptr_t)usr_x;
	assert_true(hd_observe_syscall_held(&f->ob, 13, audit, mkdir_nr, a));
	assert_false(hd_observe_syscall_held(&f->ob, 13, audit, getpid_nr, a));
	assert_true(written(&f->profile, "/usr"));
	a[0] = (uintptr_t)etc_x;
	assert_true(hd_observe_syscall_held(&f->ob, 14, audit, mkdir_nr, a));
	hd_observe_result(&f->ob, 14, unlink_nr, -EEXIST);
	assert_true(written(&f->profile, "/etc"));
	a[0] = (uintptr_t)srv_x;
	assert_true(hd_observe_syscall_held(&f->ob, 15, audit, mkdir_nr, a));
	hd_observe_result(&f->ob, 16, mkdir_nr, -EEXIST); /* another thread's: not this call's */
	assert_false(written(&f->profile, "/srv"));
	assert_int_equal(hd_observer_finish(&f->ob), 0);
	assert_true(written(&f->profile, "/srv"));
	assert_int_equal(f->ob.n_held, 0);
}

static void fake_who(void *ctx, pid_t tid, pid_t *tgid, char comm[16])
{
	(void)ctx;
	*tgid = tid + 1000;
	snprintf(comm, 16, "prog%d", (int)tid);
}

/* harden run's failures (record_failures): a held write that failed with an error a mount setting can
 * cause is kept with the path it named, what it would have written, the call, the process and a count;
 * one that succeeded, or failed otherwise (EEXIST, EPERM), is not; a read-only open that failed with
 * ENOENT or EACCES is kept without a target. Without record_failures nothing is kept. */
static void test_failures(void **state)
{
	struct fixture *f = *state;
	int s = slot_of(&f->ob, HD_ARCH_X86_64);
	if (s < 0)
		skip();
	f->ob.read_mem = own_mem;
	f->ob.who = fake_who;
	uint32_t audit = hd_arch_info(HD_ARCH_X86_64)->audit_arch;
	uint64_t mkdir_nr = (uint64_t)hd_syscall_nr("mkdir", HD_ARCH_X86_64, NULL);
	uint64_t openat_nr = (uint64_t)hd_syscall_nr("openat", HD_ARCH_X86_64, NULL);
	uint64_t unlink_nr = (uint64_t)hd_syscall_nr("unlink", HD_ARCH_X86_64, NULL);
	static const char newdir[] = "/var/lib/hd-test-new", file[] = "/nonexistent-hd/f", busy[] = "/var/lib/hd-x";
	uint64_t a[6] = { 0 };

	a[0] = (uintptr_t)newdir;
	assert_true(hd_observe_syscall_held(&f->ob, 20, audit, mkdir_nr, a));
	hd_observe_result(&f->ob, 20, mkdir_nr, -EROFS);
	assert_int_equal(f->profile.n_failures, 0); /* not asked for */

	f->ob.record_failures = true;
	for (int i = 0; i < 2; i++) {
		assert_true(hd_observe_syscall_held(&f->ob, 20, audit, mkdir_nr, a));
		hd_observe_result(&f->ob, 20, mkdir_nr, -EROFS);
	}
	assert_int_equal(f->profile.n_failures, 1);
	const struct hd_profile_failure *x = &f->profile.failures[0];
	assert_string_equal(x->path, newdir);
	assert_string_equal(x->target, "/var/lib");
	assert_string_equal(x->call, "mkdir");
	assert_int_equal(x->err, EROFS);
	assert_int_equal(x->count, 2);
	assert_int_equal(x->tid, 20);
	assert_int_equal(x->tgid, 1020);
	assert_string_equal(x->comm, "prog20");

	/* success, EEXIST, EPERM: none kept; EBUSY only for a remove */
	assert_true(hd_observe_syscall_held(&f->ob, 21, audit, mkdir_nr, a));
	hd_observe_result(&f->ob, 21, mkdir_nr, 0);
	assert_true(hd_observe_syscall_held(&f->ob, 21, audit, mkdir_nr, a));
	hd_observe_result(&f->ob, 21, mkdir_nr, -EEXIST);
	assert_true(hd_observe_syscall_held(&f->ob, 21, audit, mkdir_nr, a));
	hd_observe_result(&f->ob, 21, mkdir_nr, -EPERM);
	assert_true(hd_observe_syscall_held(&f->ob, 21, audit, mkdir_nr, a));
	hd_observe_result(&f->ob, 21, mkdir_nr, -EBUSY);
	assert_int_equal(f->profile.n_failures, 1);
	a[0] = (uintptr_t)busy;
	assert_true(hd_observe_syscall_held(&f->ob, 22, audit, unlink_nr, a));
	hd_observe_result(&f->ob, 22, unlink_nr, -EBUSY);
	assert_int_equal(f->profile.n_failures, 2);
	assert_string_equal(f->profile.failures[1].call, "unlink");

	/* a read-only open: no target; EROFS is not a read's error */
	a[0] = (uint64_t)AT_FDCWD;
	a[1] = (uintptr_t)file;
	a[2] = O_RDONLY;
	hd_observe_failed_read(&f->ob, 23, audit, openat_nr, a, -ENOENT);
	hd_observe_failed_read(&f->ob, 23, audit, openat_nr, a, -EROFS);
	hd_observe_failed_read(&f->ob, 23, audit, mkdir_nr, a, -ENOENT); /* not an open */
	assert_int_equal(f->profile.n_failures, 3);
	assert_string_equal(f->profile.failures[2].path, file);
	assert_null(f->profile.failures[2].target);
	assert_string_equal(f->profile.failures[2].call, "openat");
	assert_int_equal(f->profile.failures[2].err, ENOENT);
	assert_int_equal(hd_observer_finish(&f->ob), 0);
}

/* harden run's network failures (record_failures): a connect or sendto that named an IPv4 or IPv6
 * address is held until its result; a failure with an error a network setting can cause is kept with the
 * address and port (distinct by address, call and errno), a success or another error is not, nor another
 * family. Without record_failures the calls are not even planned (learn reads nothing more). */
static ssize_t raw_mem(void *ctx, pid_t tid, uint64_t addr, void *buf, size_t len)
{
	(void)ctx, (void)tid;
	memcpy(buf, (const void *)(uintptr_t)addr, len); /* the test's sockaddrs are 28 bytes */
	return (ssize_t)len;
}

static void test_net_failures(void **state)
{
	struct fixture *f = *state;
	int s = slot_of(&f->ob, HD_ARCH_X86_64);
	if (s < 0)
		skip();
	f->ob.read_mem = raw_mem;
	f->ob.who = fake_who;
	uint32_t audit = hd_arch_info(HD_ARCH_X86_64)->audit_arch;
	int connect_nr = hd_syscall_nr("connect", HD_ARCH_X86_64, NULL), sendto_nr = hd_syscall_nr("sendto", HD_ARCH_X86_64, NULL);
	struct hd_observe_plan p;
	hd_observe_plan_for(&f->ob, s, connect_nr, &p);
	/* learn: connect's address at entry (the peers, for IPAddressAllow=), never its result */
	assert_true(p.wanted && !p.want_result);
	assert_int_equal(p.mem_arg, 1);

	f->ob.record_failures = true;
	hd_observe_plan_for(&f->ob, s, connect_nr, &p);
	assert_true(p.wanted && p.want_result && p.result_if_failed);
	assert_int_equal(p.mem_arg, 1);
	assert_int_equal(p.mem_len, 28);
	assert_int_equal(p.test_arg, -1);
	hd_observe_plan_for(&f->ob, s, sendto_nr, &p);
	assert_true(p.wanted && p.want_result);
	assert_int_equal(p.mem_arg, 4);
	assert_int_equal(p.test_arg, 4); /* a send without an address is not sent */

	/* sockaddr_in 192.0.2.1:80, sockaddr_in6 [2001:db8::1]:443, sockaddr_un */
	static const uint8_t in4[28] = { 2, 0, 0, 80, 192, 0, 2, 1 };
	static const uint8_t in6[28] = { 10, 0, 0x01, 0xbb, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, [23] = 1 };
	static const uint8_t un[28] = { 1, 0, '/', 't', 'm', 'p' };
	uint64_t a[6] = { 3, (uintptr_t)in4, 16 };
	for (int i = 0; i < 2; i++) {
		assert_true(hd_observe_syscall_held(&f->ob, 30, audit, (uint64_t)connect_nr, a));
		hd_observe_result(&f->ob, 30, (uint64_t)connect_nr, -ENETUNREACH);
	}
	assert_true(hd_observe_syscall_held(&f->ob, 30, audit, (uint64_t)connect_nr, a));
	hd_observe_result(&f->ob, 30, (uint64_t)connect_nr, 0); /* connected: nothing */
	assert_true(hd_observe_syscall_held(&f->ob, 30, audit, (uint64_t)connect_nr, a));
	hd_observe_result(&f->ob, 30, (uint64_t)connect_nr, -EBADF); /* no setting's error */
	assert_int_equal(f->profile.n_failures, 1);
	const struct hd_profile_failure *x = &f->profile.failures[0];
	assert_string_equal(x->path, "192.0.2.1:80");
	assert_null(x->target);
	assert_string_equal(x->call, "connect");
	assert_int_equal(x->err, ENETUNREACH);
	assert_int_equal(x->count, 2);
	assert_int_equal(x->family, 2 /* AF_INET */);
	assert_int_equal(x->port, 80);
	assert_memory_equal(x->addr, in4 + 4, 4);
	assert_int_equal(x->tgid, 1030);
	assert_string_equal(x->comm, "prog30");

	a[1] = 0;
	a[4] = (uintptr_t)in6;
	assert_true(hd_observe_syscall_held(&f->ob, 31, audit, (uint64_t)sendto_nr, a));
	hd_observe_result(&f->ob, 31, (uint64_t)sendto_nr, -EPERM);
	assert_int_equal(f->profile.n_failures, 2);
	assert_string_equal(f->profile.failures[1].path, "[2001:db8::1]:443");
	assert_string_equal(f->profile.failures[1].call, "sendto");
	assert_int_equal(f->profile.failures[1].port, 443);
	/* a success whose result the backend dropped: the next call of the thread ends it, as nothing */
	a[4] = (uintptr_t)in6;
	assert_true(hd_observe_syscall_held(&f->ob, 31, audit, (uint64_t)sendto_nr, a));
	assert_true(hd_observe_syscall_held(&f->ob, 31, audit, (uint64_t)sendto_nr, a));
	hd_observe_result(&f->ob, 31, (uint64_t)sendto_nr, -EPERM);
	assert_int_equal(f->profile.n_failures, 2);
	assert_int_equal(f->profile.failures[1].count, 2);
	/* no address, or one of another family: nothing held */
	a[4] = 0;
	assert_false(hd_observe_syscall_held(&f->ob, 31, audit, (uint64_t)sendto_nr, a));
	a[1] = (uintptr_t)un;
	assert_false(hd_observe_syscall_held(&f->ob, 31, audit, (uint64_t)connect_nr, a));
	assert_int_equal(hd_observer_finish(&f->ob), 0);
	assert_int_equal(f->profile.n_failures, 2);
}

/* The kernel's AT_SECURE decides; under no_new_privs (nothing granted) the file's bits decide. File
 * capabilities need root to set: tests/integration/learn_observe.sh covers them on both backends. */
static void test_exec_gained_privileges(void **state)
{
	(void)state;
	char path[] = "/tmp/harden-test-exec-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(path, 0755), 0);
	assert_true(hd_exec_gained_privileges(true, false, path));   /* the kernel said so */
	assert_false(hd_exec_gained_privileges(false, false, path)); /* the kernel said no */
	assert_false(hd_exec_gained_privileges(false, true, path));  /* plain file under no_new_privs */
	assert_int_equal(chmod(path, 04755), 0);
	assert_false(hd_exec_gained_privileges(false, false, path)); /* set-uid, but nothing changed */
	assert_true(hd_exec_gained_privileges(false, true, path));   /* would have, without no_new_privs */
	assert_int_equal(chmod(path, 02755), 0);
	assert_true(hd_exec_gained_privileges(false, true, path));
	unlink(path);
	assert_false(hd_exec_gained_privileges(false, true, path)); /* gone: nothing to judge */
	assert_false(hd_exec_gained_privileges(false, true, NULL));
}

/* The auxiliary vector in both word sizes; truncated or AT_NULL-ended vectors have no answer. */
static void test_auxv_at_secure(void **state)
{
	(void)state;
	const uint64_t wide[] = { AT_PAGESZ, 4096, AT_SECURE, 1, AT_NULL, 0 };
	assert_int_equal(hd_auxv_at_secure(wide, sizeof(wide), true), 1);
	const uint64_t plain[] = { AT_SECURE, 0, AT_NULL, 0 };
	assert_int_equal(hd_auxv_at_secure(plain, sizeof(plain), true), 0);
	const uint32_t narrow[] = { AT_PAGESZ, 4096, AT_SECURE, 1, AT_NULL, 0 };
	assert_int_equal(hd_auxv_at_secure(narrow, sizeof(narrow), false), 1);
	/* the wrong word size gives a wrong answer (AT_SECURE's value read from its type's high half): why the
	 * reader asks the ELF class first */
	assert_int_equal(hd_auxv_at_secure(wide, sizeof(wide), false), 0);
	assert_int_equal(hd_auxv_at_secure(wide, 3 * sizeof(uint64_t), true), -1); /* cut inside the pair */
	const uint64_t ended[] = { AT_NULL, 0, AT_SECURE, 1 };
	assert_int_equal(hd_auxv_at_secure(ended, sizeof(ended), true), -1);
	assert_int_equal(hd_auxv_at_secure(wide, 0, true), -1);
}

static void test_path_join(void **state)
{
	(void)state;
	char out[PATH_MAX];
	assert_true(hd_path_join("/srv/app", "./bin/../run/x", out));
	assert_string_equal(out, "/srv/app/run/x");
	assert_true(hd_path_join("/", "x", out));
	assert_string_equal(out, "/x");
	static char longer[PATH_MAX];
	memset(longer, 'a', sizeof(longer) - 1); /* PATH_MAX - 1 characters: no room for "/srv/" */
	assert_false(hd_path_join("/srv", longer, out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaves_cover_prefixes),
		cmocka_unit_test_setup_teardown(test_net_failures, setup, teardown),
		cmocka_unit_test(test_exec_gained_privileges),
		cmocka_unit_test(test_auxv_at_secure),
		cmocka_unit_test(test_path_join),
		cmocka_unit_test_setup_teardown(test_open_family_plans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compat_numbering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
