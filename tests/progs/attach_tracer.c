/* SPDX-License-Identifier: MIT */
/*
 * A traced program that turns on its tracer (learn --backend=ptrace must refuse it, not hang):
 *   attach_tracer attach|seize          ptrace(PTRACE_ATTACH or PTRACE_SEIZE) on its tracer (TracerPid)
 *   attach_tracer attach|seize high     the same with bit 32 of the pid set (the kernel reads a pid_t)
 *   attach_tracer attach|seize companion   on every other child of its tracer (learn --while's
 *                                       companion), then waits for SIGTERM as a daemon does
 * Prints one line per attempt ("PID: refused: ERROR" or "PID: ATTACHED"); exit 0 if all were refused.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

static pid_t tracer_pid(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long t = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %ld", &t) == 1)
			break;
	if (f)
		fclose(f);
	return (pid_t)t;
}

/* 1 if the attach succeeded (the caller is then likely stuck: the test's timeout ends it) */
static int try_attach(long req, long pid, pid_t shown)
{
	/* the raw call: glibc's wrapper takes the pid as pid_t and would drop the high bit */
	long r = syscall(SYS_ptrace, req, pid, 0L, 0L);
	if (r == 0) {
		printf("%d: ATTACHED\n", (int)shown);
		fflush(stdout);
		return 1;
	}
	printf("%d: refused: %s\n", (int)shown, strerror(errno));
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "attach") && strcmp(argv[1], "seize")))
		return 2;
	long req = strcmp(argv[1], "attach") == 0 ? PTRACE_ATTACH : PTRACE_SEIZE;
	pid_t t = tracer_pid();
	if (t <= 0) {
		printf("not traced\n");
		return 3;
	}
	const char *how = argc > 2 ? argv[2] : "";
	int bad = 0;
	if (strcmp(how, "companion") == 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)t, (int)t);
		FILE *f = fopen(path, "re");
		int c, n = 0;
		while (f && n < 64 && fscanf(f, "%d", &c) == 1)
			if (c != getpid() && ++n)
				bad |= try_attach(req, c, c);
		if (f)
			fclose(f);
		if (n == 0)
			printf("no other child of the tracer\n");
		fflush(stdout);
		pause(); /* a daemon: up until the stop */
		return bad;
	}
	long pid = strcmp(how, "high") == 0 ? (long)t | (1L << 32) : (long)t;
	return try_attach(req, pid, t);
}
