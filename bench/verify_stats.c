/* SPDX-License-Identifier: MIT */
/*
 * bench/verify_stats: how much work the kernel's verifier does for each program of an eBPF object.
 *
 * `harden learn` loads its program for every run, so the verifier's time is part of every learn's
 * start-up (most of it on a slow kernel). This loads OBJECT RUNS times with BPF_LOG_STATS and prints, per
 * program, the median "verification time" and the instructions the verifier processed (the number that
 * program changes should make smaller: time follows it, but is noisy). Diagnostic only: the figures are
 * the kernel's own, not a speed claim (that is bench/learn.sh's job, as ratios).
 * Usage: bench_verify_stats [OBJECT [RUNS]]   (root; default build/src/lib/learn.bpf.o, 11 runs)
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROGS 16
#define MAX_RUNS 101
#define LOG_BYTES (64 * 1024)

struct stats {
	char name[64];
	long usec[MAX_RUNS];
	long processed;
};

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

/* one load of the object; fills the n-th run's figures */
static int load_once(const char *path, struct stats *st, size_t *n_progs, int run)
{
	static char logs[MAX_PROGS][LOG_BYTES];
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return -errno;
	struct bpf_program *prog;
	size_t n = 0;
	bpf_object__for_each_program(prog, obj) {
		if (n == MAX_PROGS)
			break;
		logs[n][0] = 0;
		bpf_program__set_log_level(prog, 4); /* BPF_LOG_STATS */
		bpf_program__set_log_buf(prog, logs[n], LOG_BYTES);
		snprintf(st[n].name, sizeof(st[n].name), "%s", bpf_program__name(prog));
		n++;
	}
	int r = bpf_object__load(obj);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *t = strstr(logs[i], "verification time ");
		const char *p = strstr(logs[i], "processed ");
		st[i].usec[run] = t ? strtol(t + strlen("verification time "), NULL, 10) : -1;
		st[i].processed = p ? strtol(p + strlen("processed "), NULL, 10) : -1;
	}
	bpf_object__close(obj);
	*n_progs = n;
	return r;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "build/src/lib/learn.bpf.o";
	int runs = argc > 2 ? atoi(argv[2]) : 11;
	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "bench_verify_stats: RUNS must be 1..%d\n", MAX_RUNS);
		return 2;
	}
	libbpf_set_print(NULL);
	static struct stats st[MAX_PROGS];
	size_t n = 0;
	for (int run = 0; run < runs; run++) {
		int r = load_once(path, st, &n, run);
		if (r < 0) {
			fprintf(stderr, "bench_verify_stats: %s: cannot load: %s\n", path, strerror(-r));
			return 77;
		}
	}
	printf("%-20s %14s %12s   (median of %d loads of %s)\n", "program", "verify (us)", "processed", runs,
	       path);
	long total = 0;
	for (size_t i = 0; i < n; i++) {
		qsort(st[i].usec, (size_t)runs, sizeof(long), cmp_long);
		long med = st[i].usec[runs / 2];
		total += med;
		printf("%-20s %14ld %12ld\n", st[i].name, med, st[i].processed);
	}
	printf("%-20s %14ld\n", "all", total);
	return 0;
}
