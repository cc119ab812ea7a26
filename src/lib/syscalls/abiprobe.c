/* SPDX-License-Identifier: MIT */
#include "syscalls/abiprobe.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The kernel's struct sigaction for rt_sigaction(2); SIG_DFL needs no restorer. */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

void hd_reset_fault_signals(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct kernel_sigaction ksa = { .handler = SIG_DFL };
		syscall(SYS_rt_sigaction, sigs[i], &ksa, NULL, sizeof(ksa.mask));
	}
}

#if defined(__x86_64__)
/* Exit codes of the probing child: the call returned the child's pid, or -ENOSYS, or something else. */
enum { PROBE_RAN = 0, PROBE_ENOSYS = 1, PROBE_OTHER = 2 };

static long i386_getpid(void)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory"); /* i386 getpid is 20 */
	return r;
}

static long x32_getpid(void)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(0x40000000L | 39L) : "rcx", "r11", "memory");
	return r;
}

static void probe_one(hd_arch arch, long (*call)(void), struct hd_abi_probe *out)
{
	*out = (struct hd_abi_probe){ .arch = arch, .reach = HD_ABI_UNKNOWN };
	pid_t pid = fork();
	if (pid < 0) {
		out->detail = errno;
		return;
	}
	if (pid == 0) {
		/* A fault here is the expected answer on some kernels: no core file, no core handler run,
		 * and the default action even if the caller caught SIGSEGV. */
		const struct rlimit none = { 0, 0 };
		setrlimit(RLIMIT_CORE, &none);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		hd_reset_fault_signals();
		long r = call();
		_exit(r == (long)getpid() ? PROBE_RAN : r == -ENOSYS ? PROBE_ENOSYS : PROBE_OTHER);
	}
	int st;
	pid_t w;
	while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (w < 0) {
		out->detail = errno;
		return;
	}
	if (WIFSIGNALED(st)) {
		out->reach = HD_ABI_FAULTS;
		out->detail = WTERMSIG(st);
	} else if (WIFEXITED(st) && WEXITSTATUS(st) == PROBE_RAN) {
		out->reach = HD_ABI_REACHABLE;
	} else if (WIFEXITED(st) && WEXITSTATUS(st) == PROBE_ENOSYS) {
		out->reach = HD_ABI_FILTERED_ONLY;
	} else {
		out->detail = EPROTO; /* getpid answered something that is neither a pid nor ENOSYS */
	}
}
#endif

int hd_probe_compat_abis(struct hd_abi_probe out[2])
{
#if defined(__x86_64__)
	probe_one(HD_ARCH_X86, i386_getpid, &out[0]);
	probe_one(HD_ARCH_X32, x32_getpid, &out[1]);
	return 2;
#else
	(void)out;
	return 0;
#endif
}

const char *hd_abi_reach_describe(const struct hd_abi_probe *p, char *buf, size_t len)
{
	switch (p->reach) {
	case HD_ABI_REACHABLE:
		snprintf(buf, len, "reachable (a getpid through it ran)");
		break;
	case HD_ABI_FILTERED_ONLY:
		snprintf(buf, len, "not implemented by this kernel (ENOSYS), but seccomp filters still see its calls");
		break;
	case HD_ABI_FAULTS:
		snprintf(buf, len, "unreachable: entering it faults (SIG%s) before the syscall path, so no call "
			 "gets in that way and none can bypass a filter", sigabbrev_np(p->detail) ? sigabbrev_np(p->detail) : "?");
		break;
	default:
		snprintf(buf, len, "cannot tell (the probe failed: %s)", strerror(p->detail));
		break;
	}
	return buf;
}
