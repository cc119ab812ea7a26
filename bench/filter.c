/* SPDX-License-Identifier: MIT */
/*
 * bench/filter: what a seccomp sandbox costs per system call, and on a real workload.
 *
 * The same settings (a typical hardened service) enforced three ways, each in a fresh child:
 *   none    no filter
 *   merged  harden's ONE program (all features, native + compat ABIs, binary tree)
 *   stack   systemd's way: one filter per feature per ABI (bad-arch ALLOW, plain lists), all stacked
 * Reported as ratios against "none" measured in the same run, never as absolute times (HACKING.md).
 * Usage: bench_filter [ITERATIONS]   (needs no root; the tar workload is skipped if tar is missing)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "filter.h"
#include "groups.h"
#include "sandbox.h"

/* The settings of a typical hardened service, one assignment per line as in a unit file. */
static const struct {
	const char *key, *value;
} service[] = {
	{ "SystemCallFilter", "@system-service" },
	{ "SystemCallFilter", "~@privileged @resources" },
	{ "SystemCallErrorNumber", "EPERM" },
	{ "RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6" },
	{ "RestrictNamespaces", "yes" },
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
};
#define N_SERVICE (sizeof(service) / sizeof(service[0]))

/* FLOOR: a one-instruction "allow everything" filter. Any seccomp filter at all puts every syscall on the
 * kernel's slower entry path; FLOOR measures that fixed cost, which no filter, merged or not, can go
 * below. merged/floor is then what harden's program itself adds. */
enum variant { NONE, FLOOR, MERGED, STACK, N_VARIANTS };
static const char *const variant_name[] = { "none", "floor", "merged", "stack" };

#define MAX_PROGS 64
static struct hd_sandbox progs[MAX_PROGS];
static size_t n_progs[N_VARIANTS], first_prog[N_VARIANTS];

static void die(const char *what, int r)
{
	fprintf(stderr, "bench_filter: %s: %s\n", what, strerror(r < 0 ? -r : r));
	exit(1);
}

static void apply(struct hd_seccomp_settings *s, size_t from, size_t to)
{
	hd_diags d = { 0 };
	for (size_t i = from; i < to; i++)
		if (hd_seccomp_apply(s, service[i].key, service[i].value, HD_SYSTEMD_LATEST, "bench", (unsigned)i + 1, &d) != 1)
			die(service[i].key, EINVAL);
	hd_diags_free(&d);
}

static void build(void)
{
	hd_diags d = { 0 };
	struct hd_seccomp_settings s;
	size_t n = 0;
	/* merged: everything in one program */
	hd_seccomp_settings_init(&s);
	apply(&s, 0, N_SERVICE);
	struct hd_sandbox_options o = { .sdver = HD_SYSTEMD_LATEST, .mode = HD_SANDBOX_ENFORCE, .have_cap_sys_admin = true };
	first_prog[MERGED] = n;
	int r = hd_sandbox_build(&s, &o, &progs[n++], &d);
	if (r < 0)
		die("merged", r);
	n_progs[MERGED] = 1;
	hd_seccomp_settings_free(&s);
	/* stack: one program per feature (the three SystemCallFilter lines are one feature) per ABI */
	first_prog[STACK] = n;
	hd_arch abis[3];
	int n_abis = hd_arch_native_abis(abis);
	/* feature 0: the SystemCallFilter=/ErrorNumber= lines (0..2); then one feature per line */
	for (size_t from = 0; from < N_SERVICE; from = from == 0 ? 3 : from + 1) {
		size_t to = from == 0 ? 3 : from + 1;
		for (int a = 0; a < n_abis; a++) {
			hd_seccomp_settings_init(&s);
			apply(&s, from, to);
			struct hd_sandbox_options so = o;
			so.single_abi_mode = true;
			so.single_abi = abis[a];
			so.no_binary_tree = true;
			if (n >= MAX_PROGS)
				die("too many filters", E2BIG);
			r = hd_sandbox_build(&s, &so, &progs[n++], &d);
			if (r < 0)
				die(service[from].key, r);
			n_progs[STACK]++;
			hd_seccomp_settings_free(&s);
		}
	}
	hd_diags_free(&d);
}

static void install(enum variant v)
{
	if (v == FLOOR) {
		struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		struct sock_fprog prog = { .len = 1, .filter = &allow };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(100);
		return;
	}
	/* systemd installs in order; the last installed runs first, which does not change the cost */
	for (size_t i = 0; i < n_progs[v]; i++) {
		int r = hd_sandbox_install(&progs[first_prog[v] + i]);
		if (r < 0)
			_exit(100);
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

enum op { OP_GETPPID, OP_MMAP, OP_SOCKET, OP_OPENAT, N_OPS };
static const char *const op_name[] = { "getppid", "mmap+munmap", "socket+close", "openat+close" };

static void one(enum op op)
{
	switch (op) {
	case OP_GETPPID: syscall(SYS_getppid); break;
	case OP_MMAP: {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED)
			munmap(p, 4096);
		break;
	}
	case OP_SOCKET: {
		int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
		if (fd >= 0)
			close(fd);
		break;
	}
	case OP_OPENAT: {
		int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		break;
	}
	case N_OPS: break;
	}
}

/* ns per operation in a child under variant v: the best of 5 rounds (least disturbed by neighbours). */
static double measure(enum variant v, enum op op, long iters)
{
	int pfd[2];
	if (pipe(pfd) < 0)
		die("pipe", errno);
	pid_t p = fork();
	if (p == 0) {
		install(v);
		double best = 1e30;
		for (int round = 0; round < 5; round++) {
			double t0 = now();
			for (long i = 0; i < iters; i++)
				one(op);
			double t = (now() - t0) / (double)iters;
			if (t < best)
				best = t;
		}
		if (write(pfd[1], &best, sizeof(best)) != sizeof(best))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	double r = -1;
	if (read(pfd[0], &r, sizeof(r)) != sizeof(r))
		r = -1;
	close(pfd[0]);
	int st;
	waitpid(p, &st, 0);
	if (r < 0)
		die(variant_name[v], EIO);
	return r;
}

static double workload(enum variant v)
{
	double best = 1e30;
	for (int round = 0; round < 3; round++) {
		double t0 = now();
		pid_t p = fork();
		if (p == 0) {
			install(v);
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 1);
			dup2(null, 2);
			execlp("tar", "tar", "cf", "/dev/null", "/usr/share/doc", (char *)NULL);
			_exit(127);
		}
		int st;
		waitpid(p, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) > 1)
			return -1;
		double t = now() - t0;
		if (t < best)
			best = t;
	}
	return best;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
	if (iters <= 0)
		iters = 200000;
	build();
	printf("bench_filter: %zu program(s) merged (%zu instructions) vs %zu stacked (", n_progs[MERGED],
	       progs[first_prog[MERGED]].bpf_len, n_progs[STACK]);
	size_t total = 0;
	for (size_t i = 0; i < n_progs[STACK]; i++)
		total += progs[first_prog[STACK] + i].bpf_len;
	printf("%zu instructions in all); %ld iterations, best of 5\n\n", total, iters);
	printf("%-18s %12s %12s %12s %12s %12s\n", "operation", "floor/none", "merged/none", "stack/none",
	       "merged/stack", "merged/floor");
	for (enum op op = 0; op < N_OPS; op++) {
		double t[N_VARIANTS];
		for (enum variant v = 0; v < N_VARIANTS; v++)
			t[v] = measure(v, op, iters);
		printf("%-18s %12.3f %12.3f %12.3f %12.3f %12.3f\n", op_name[op], t[FLOOR] / t[NONE], t[MERGED] / t[NONE],
		       t[STACK] / t[NONE], t[MERGED] / t[STACK], t[MERGED] / t[FLOOR]);
	}
	double w[N_VARIANTS];
	for (enum variant v = 0; v < N_VARIANTS; v++)
		w[v] = workload(v);
	if (w[NONE] > 0 && w[FLOOR] > 0 && w[MERGED] > 0 && w[STACK] > 0)
		printf("%-18s %12.3f %12.3f %12.3f %12.3f %12.3f\n", "tar /usr/share/doc", w[FLOOR] / w[NONE],
		       w[MERGED] / w[NONE], w[STACK] / w[NONE], w[MERGED] / w[STACK], w[MERGED] / w[FLOOR]);
	else
		printf("tar workload skipped (tar failed or missing)\n");
	for (size_t i = 0; i < MAX_PROGS; i++)
		if (progs[i].bpf)
			hd_sandbox_free(&progs[i]);
	return 0;
}
