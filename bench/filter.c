/* SPDX-License-Identifier: MIT */
/*
 * bench/filter: what a seccomp sandbox costs per system call, and on a real workload.
 *
 * The same settings (a typical hardened service) enforced three ways, each in a fresh child:
 *   none    no filter
 *   merged  harden's ONE program (all features, native + compat ABIs, binary tree)
 *   stack   systemd's way: one filter per feature per ABI (bad-arch ALLOW, plain lists), all stacked
 * Reported as ratios against "none" measured in the same run, never as absolute times (HACKING.md):
 * interleaved rounds, the median of the per-round ratios (see measure_op), with half the interquartile
 * range after it as the spread: a difference smaller than the spread is noise.
 * Usage: bench_filter [ITERATIONS [ROUNDS]]   (ROUNDS 3..101, default 15; needs no root; the tar workload
 * is skipped if tar is missing)
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
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

#include "filter/filter.h"
#include "syscalls/groups.h"
#include "sandbox/sandbox.h"

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

/*
 * Interleaved measurement. One long-lived worker per variant (a filter cannot be removed once installed),
 * all pinned to the same CPU. Each round asks every worker, in a rotating order, for one batch of the
 * operation; the round's ratios are taken between batches run moments apart, so a noisy neighbour or a
 * frequency change affects all variants alike. The figure is the median of the per-round ratios.
 */
#define MAX_ROUNDS 101
static int rounds_wanted = 15;

struct worker {
	pid_t pid;
	int cmd, reply; /* pipes: parent -> worker (op, iterations), worker -> parent (ns per op) */
};
static struct worker workers[N_VARIANTS];

static void pin_to(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set); /* best effort: unpinned figures are only noisier */
}

static void start_workers(int cpu)
{
	for (enum variant v = 0; v < N_VARIANTS; v++) {
		int c[2], r[2];
		if (pipe(c) < 0 || pipe(r) < 0)
			die("pipe", errno);
		pid_t p = fork();
		if (p < 0)
			die("fork", errno);
		if (p == 0) {
			close(c[1]);
			close(r[0]);
			for (enum variant u = 0; u < v; u++) { /* the other workers' pipes: their EOF is theirs */
				close(workers[u].cmd);
				close(workers[u].reply);
			}
			pin_to(cpu);
			install(v);
			long req[2];
			while (read(c[0], req, sizeof(req)) == sizeof(req)) {
				double t0 = now();
				for (long i = 0; i < req[1]; i++)
					one((enum op)req[0]);
				double t = (now() - t0) / (double)req[1];
				if (write(r[1], &t, sizeof(t)) != sizeof(t))
					_exit(1);
			}
			_exit(0);
		}
		close(c[0]);
		close(r[1]);
		workers[v] = (struct worker){ p, c[1], r[0] };
	}
}

static void stop_workers(void)
{
	for (enum variant v = 0; v < N_VARIANTS; v++) {
		close(workers[v].cmd);
		close(workers[v].reply);
		waitpid(workers[v].pid, NULL, 0);
	}
}

static double batch(enum variant v, enum op op, long iters)
{
	long req[2] = { (long)op, iters };
	double t = -1;
	if (write(workers[v].cmd, req, sizeof(req)) != sizeof(req) ||
	    read(workers[v].reply, &t, sizeof(t)) != sizeof(t) || t <= 0)
		die(variant_name[v], EIO);
	return t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The q-quantile of sorted v (linear between neighbours). */
static double quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;
	return i + 1 < n ? v[i] + (pos - (double)i) * (v[i + 1] - v[i]) : v[n - 1];
}

/* The ratios the table prints, each the median over rounds. */
enum ratio { FLOOR_NONE, MERGED_NONE, STACK_NONE, MERGED_STACK, MERGED_FLOOR, N_RATIOS };

static void ratios_of(const double t[N_VARIANTS], double out[N_RATIOS])
{
	out[FLOOR_NONE] = t[FLOOR] / t[NONE];
	out[MERGED_NONE] = t[MERGED] / t[NONE];
	out[STACK_NONE] = t[STACK] / t[NONE];
	out[MERGED_STACK] = t[MERGED] / t[STACK];
	out[MERGED_FLOOR] = t[MERGED] / t[FLOOR];
}

/* Each column: the median of the rounds' ratios, then half the interquartile range. */
static void print_row(const char *name, double per_round[][N_RATIOS], size_t rounds)
{
	printf("%-18s", name);
	for (int k = 0; k < N_RATIOS; k++) {
		double col[MAX_ROUNDS];
		for (size_t r = 0; r < rounds; r++)
			col[r] = per_round[r][k];
		qsort(col, rounds, sizeof(col[0]), cmp_double);
		printf("  %6.3f ±%.3f", quantile(col, rounds, 0.5),
		       (quantile(col, rounds, 0.75) - quantile(col, rounds, 0.25)) / 2);
	}
	printf("\n");
}

static void measure_op(enum op op, long iters)
{
	double per_round[MAX_ROUNDS][N_RATIOS];
	for (enum variant v = 0; v < N_VARIANTS; v++)
		batch(v, op, iters / 10 + 1); /* warm up: caches, page tables, the slab */
	for (int r = 0; r < rounds_wanted; r++) {
		double t[N_VARIANTS];
		for (int k = 0; k < N_VARIANTS; k++) {
			enum variant v = (enum variant)((r + k) % N_VARIANTS);
			t[v] = batch(v, op, iters);
		}
		ratios_of(t, per_round[r]);
	}
	print_row(op_name[op], per_round, (size_t)rounds_wanted);
}

/* One run of tar under variant v, in a fresh child pinned like the workers; ns, or -1 if tar failed. */
static double tar_once(enum variant v, int cpu)
{
	double t0 = now();
	pid_t p = fork();
	if (p == 0) {
		pin_to(cpu);
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
	return now() - t0;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
	if (iters <= 0)
		iters = 200000;
	if (argc > 2)
		rounds_wanted = (int)strtol(argv[2], NULL, 10);
	if (rounds_wanted < 3 || rounds_wanted > MAX_ROUNDS) {
		fprintf(stderr, "bench_filter: ROUNDS must be 3..%d\n", MAX_ROUNDS);
		return 2;
	}
	build();
	printf("bench_filter: %zu program(s) merged (%zu instructions) vs %zu stacked (", n_progs[MERGED],
	       progs[first_prog[MERGED]].bpf_len, n_progs[STACK]);
	size_t total = 0;
	for (size_t i = 0; i < n_progs[STACK]; i++)
		total += progs[first_prog[STACK] + i].bpf_len;
	long per_batch = iters / rounds_wanted + 1;
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN), cpu = ncpu > 1 ? ncpu - 1 : 0;
	printf("%zu instructions in all)\n%d interleaved rounds of %ld operations per variant, pinned to CPU %d; "
	       "each ratio is the median of the rounds' ratios\n\n",
	       total, rounds_wanted, per_batch, cpu);
	printf("%-18s %14s %14s %14s %14s %14s\n", "operation", "floor/none", "merged/none", "stack/none",
	       "merged/stack", "merged/floor");
	start_workers(cpu);
	for (enum op op = 0; op < N_OPS; op++)
		measure_op(op, per_batch);
	stop_workers();
	enum { TAR_ROUNDS = 7 };
	double per_round[MAX_ROUNDS][N_RATIOS];
	size_t rounds = 0;
	for (enum variant v = 0; v < N_VARIANTS; v++)
		tar_once(v, cpu); /* warm the page cache */
	for (int r = 0; r < TAR_ROUNDS; r++) {
		double t[N_VARIANTS];
		bool ok = true;
		for (int k = 0; k < N_VARIANTS; k++) {
			enum variant v = (enum variant)((r + k) % N_VARIANTS);
			t[v] = tar_once(v, cpu);
			ok &= t[v] > 0;
		}
		if (ok)
			ratios_of(t, per_round[rounds++]);
	}
	if (rounds > 0)
		print_row("tar /usr/share/doc", per_round, rounds);
	else
		printf("tar workload skipped (tar failed or missing)\n");
	for (size_t i = 0; i < MAX_PROGS; i++)
		if (progs[i].bpf)
			hd_sandbox_free(&progs[i]);
	return 0;
}
