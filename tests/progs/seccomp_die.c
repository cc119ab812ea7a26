/* SPDX-License-Identifier: MIT */
/*
 * A test program that dies in the ways harden explain must tell apart, each with a real kernel:
 *   seccomp_die fchown FILE        a real seccomp filter (libseccomp) kills fchown(2): SIGSYS, SYS_SECCOMP
 *   seccomp_die int80 FILE         the same for i386's fchown made through int 0x80 (si_arch i386)
 *   seccomp_die big FILE           as fchown, with 4 GiB of untouched memory mapped: a multi-GiB sparse core
 *   seccomp_die segv               a NULL write: SIGSEGV, not a seccomp death
 *   seccomp_die kill               SIGSYS sent with kill(2): si_code SI_USER, not from seccomp
 *   seccomp_die exec NAME... -- CMD ARGS...   kill NAME... (native ABI) then exec CMD under the filter
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int install(const char *const *names, size_t n, bool with_x86)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	int r = 0;
	if (with_x86)
		r = seccomp_arch_add(ctx, SCMP_ARCH_X86);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		if (nr == __NR_SCMP_ERROR) {
			fprintf(stderr, "seccomp_die: unknown syscall %s\n", names[i]);
			r = -EINVAL;
			break;
		}
		r = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, nr, 0);
	}
	if (r >= 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: seccomp_die fchown FILE | int80 FILE | segv | kill | exec NAME... -- CMD...\n");
		return 2;
	}
	const char *mode = argv[1];
	if (strcmp(mode, "big") == 0) {
		/* one page touched so that the kernel dumps the mapping at all; the untouched rest
		 * becomes holes in the core, which stays sparse */
		char *p = mmap(NULL, (size_t)4 << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		p[0] = 1;
		mode = "fchown";
	}
	if (strcmp(mode, "fchown") == 0 || strcmp(mode, "int80") == 0) {
		if (argc < 3)
			return 2;
		int fd = open(argv[2], O_RDONLY | O_CREAT, 0644);
		if (fd < 0) {
			perror(argv[2]);
			return 1;
		}
		const char *names[] = { "fchown" };
		int r = install(names, 1, strcmp(mode, "int80") == 0);
		if (r < 0) {
			fprintf(stderr, "seccomp_die: cannot install the filter: %s\n", strerror(-r));
			return 1;
		}
		if (strcmp(mode, "fchown") == 0) {
			r = fchown(fd, getuid(), getgid());
		} else {
#if defined(__x86_64__)
			/* i386 fchown is 95; its arguments go in ebx, ecx, edx */
			long ret = 95;
			__asm__ volatile("int $0x80" : "+a"(ret) : "b"((long)fd), "c"((long)getuid()), "d"((long)getgid()) : "memory");
			r = (int)ret;
#else
			fprintf(stderr, "seccomp_die: int80 needs x86-64\n");
			return 77;
#endif
		}
		fprintf(stderr, "seccomp_die: still alive after fchown (returned %d)\n", r);
		return 1;
	}
	if (strcmp(mode, "segv") == 0) {
		volatile int *p = NULL;
		*p = 1;
		return 1;
	}
	if (strcmp(mode, "kill") == 0) {
		kill(getpid(), SIGSYS);
		return 1;
	}
	if (strcmp(mode, "exec") == 0) {
		int sep = 2;
		while (sep < argc && strcmp(argv[sep], "--") != 0)
			sep++;
		if (sep + 1 >= argc)
			return 2;
		int r = install((const char *const *)argv + 2, (size_t)(sep - 2), false);
		if (r < 0) {
			fprintf(stderr, "seccomp_die: cannot install the filter: %s\n", strerror(-r));
			return 1;
		}
		execvp(argv[sep + 1], argv + sep + 1);
		perror(argv[sep + 1]);
		return 127;
	}
	return 2;
}
