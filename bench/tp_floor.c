/* SPDX-License-Identifier: MIT */
/*
 * bench/tp_floor: the floor under any tracer built on the syscall-entry tracepoint.
 *
 * Attaches an eBPF program that does nothing (return 0) to the sys_enter tracepoint, system-wide, then
 * runs CMD with the attachment still open, and detaches when CMD ends. Two floors come from it:
 * - per syscall: whatever CMD measures while it runs is what merely having a program on every syscall
 *   entry costs on this kernel (the slow entry path, the tracepoint, the call into the program);
 * - per run: the wall time of `bench_tp_floor CMD` as a whole adds the cheapest possible load, attach
 *   and detach. The program is a raw tracepoint attached by name, so nothing reads the kernel's BTF and
 *   the verifier sees two instructions: no tracer that is loaded for each run can start and stop faster.
 * A raw tracepoint and a BTF tracepoint are called through the same tracepoint path, so the per-syscall
 * floor is the one under `harden learn`'s tp_btf program too; bench/learn.sh reports both floors beside
 * the backend's figures.
 * Usage: bench_tp_floor CMD [ARGS...]   (root; exit 77 if the kernel or libbpf cannot do it)
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_tp_floor CMD [ARGS...]\n");
		return 2;
	}
	libbpf_set_print(NULL);
	const struct bpf_insn nothing[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 }, /* r0 = 0 */
		{ .code = BPF_JMP | BPF_EXIT },                                          /* exit */
	};
	int prog = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "floor", "GPL", nothing, 2, NULL);
	if (prog < 0) {
		fprintf(stderr, "bench_tp_floor: cannot load: %s\n", strerror(errno));
		return 77;
	}
	int link = bpf_raw_tracepoint_open("sys_enter", prog);
	if (link < 0) {
		fprintf(stderr, "bench_tp_floor: cannot attach: %s\n", strerror(errno));
		return 77;
	}
	pid_t child = fork();
	if (child < 0) {
		perror("bench_tp_floor: fork");
		return 1;
	}
	if (child == 0) {
		close(link);
		close(prog);
		execvp(argv[1], argv + 1);
		perror("bench_tp_floor: exec");
		_exit(127);
	}
	int st;
	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR)
			return 1;
	close(link);
	close(prog);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
