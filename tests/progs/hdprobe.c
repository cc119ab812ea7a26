/* SPDX-License-Identifier: MIT */
/*
 * hdprobe: performs one operation a sandbox setting governs and says what the kernel answered.
 * Output "ok" (exit 0) or "errno N NAME" (exit 1); exit 2 for bad usage. Used by tests/integration/run-*.sh.
 * The i386 and x32 probes enter the kernel through the other ABIs of an x86-64 process (int $0x80 and
 * the x32 bit) — the classic ways around a filter that only covers the native ABI.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <time.h>

static int report(long r)
{
	if (r >= 0) {
		printf("ok\n");
		return 0;
	}
	printf("errno %ld %s\n", -r, strerrorname_np((int)-r) ? strerrorname_np((int)-r) : "?");
	return 1;
}

static long libc(long r) { return r < 0 ? -errno : r; }

#if defined(__x86_64__)
static long i386_call(long nr, long a, long b, long c)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}
static long x32_call(long nr)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr | 0x40000000L) : "rcx", "r11", "memory");
	return r;
}
#endif

static void *thread_getpid(void *arg)
{
	(void)arg;
	syscall(SYS_getppid);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: hdprobe OPERATION\n");
		return 2;
	}
	const char *op = argv[1];
	if (!strcmp(op, "getpid"))
		return report(libc(syscall(SYS_getpid)));
	if (!strcmp(op, "gettid"))
		return report(libc(syscall(SYS_gettid)));
	if (!strcmp(op, "getppid"))
		return report(libc(syscall(SYS_getppid)));
	if (!strcmp(op, "thread-getppid")) { /* the forbidden call from a second thread */
		pthread_t t;
		pthread_create(&t, NULL, thread_getpid, NULL);
		pthread_join(t, NULL);
		return report(0);
	}
	if (!strcmp(op, "child-getppid")) { /* from a child process */
		pid_t p = fork();
		if (p == 0)
			_exit(report(syscall(SYS_getppid)));
		int st;
		waitpid(p, &st, 0);
		return report(0);
	}
#if defined(__x86_64__)
	if (!strcmp(op, "i386-getpid"))
		return report(i386_call(20, 0, 0, 0));
	if (!strcmp(op, "i386-probe")) { /* i386-getpid where a fault is an answer: never a core file */
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		return report(i386_call(20, 0, 0, 0));
	}
	if (!strcmp(op, "i386-mkdir-var")) { /* i386 mkdir(2) is 39: of a directory that exists (EEXIST) */
		char *path = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		if (path == MAP_FAILED)
			return report(-errno);
		strcpy(path, "/var");
		return report(i386_call(39, (long)(unsigned long)path, 0755, 0));
	}
	if (!strcmp(op, "i386-socket-inet")) /* i386 socket(2) is 359 */
		return report(i386_call(359, AF_INET, SOCK_STREAM, 0));
	if (!strcmp(op, "i386-socketcall-inet")) { /* socketcall(SYS_SOCKET, {AF_INET, SOCK_STREAM, 0}) */
		unsigned int *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		if (a == MAP_FAILED)
			return report(-errno);
		a[0] = AF_INET, a[1] = SOCK_STREAM, a[2] = 0;
		return report(i386_call(102, 1, (long)(unsigned long)a, 0));
	}
	if (!strcmp(op, "i386-raw") && argc > 2) /* any i386 number, no arguments */
		return report(i386_call(strtol(argv[2], NULL, 0), 0, 0, 0));
	if (!strcmp(op, "x32-getpid"))
		return report(x32_call(39));
#endif
	if (!strcmp(op, "mmap-wx")) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return report(p == MAP_FAILED ? -errno : 0);
	}
	if (!strcmp(op, "mmap-rw")) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return report(p == MAP_FAILED ? -errno : 0);
	}
	if (!strcmp(op, "mprotect-x")) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return report(p == MAP_FAILED ? -errno : libc(mprotect(p, 4096, PROT_READ | PROT_EXEC)));
	}
	if (!strcmp(op, "socket-inet"))
		return report(libc(socket(AF_INET, SOCK_STREAM, 0)));
	if (!strcmp(op, "socket-inet6"))
		return report(libc(socket(AF_INET6, SOCK_STREAM, 0)));
	if (!strcmp(op, "socket-unix"))
		return report(libc(socket(AF_UNIX, SOCK_STREAM, 0)));
	if (!strcmp(op, "personality-linux32"))
		return report(libc(personality(PER_LINUX32)));
	if (!strcmp(op, "personality-linux"))
		return report(libc(personality(PER_LINUX)));
	if (!strcmp(op, "delete-module")) /* no such module: ENOENT unless refused first */
		return report(libc(syscall(SYS_delete_module, "harden_no_such_module", 0)));
	if (!strcmp(op, "clock-settime-invalid")) { /* invalid time: EINVAL unless refused first */
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 2000000000L };
		return report(libc(syscall(SYS_clock_settime, CLOCK_REALTIME, &ts))); /* glibc would check it */
	}
	if (!strcmp(op, "nnp")) {
		printf("nnp %d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
		return 0;
	}
	if (!strcmp(op, "sched-fifo")) {
		struct sched_param sp = { .sched_priority = 1 };
		return report(libc(sched_setscheduler(0, SCHED_FIFO, &sp)));
	}
	if (!strcmp(op, "sched-batch")) {
		struct sched_param sp = { .sched_priority = 0 };
		return report(libc(sched_setscheduler(0, SCHED_BATCH, &sp)));
	}
	if (!strcmp(op, "mknod-chr") || !strcmp(op, "mkfifo")) { /* in a fresh directory, removed after */
		char dir[] = "/tmp/hdprobe-XXXXXX", node[64];
		if (!mkdtemp(dir))
			return report(-errno);
		snprintf(node, sizeof(node), "%s/node", dir);
		long r = !strcmp(op, "mkfifo") ? libc(mkfifo(node, 0600))
					       : libc(mknod(node, S_IFCHR | 0600, makedev(1, 3))); /* like /dev/null */
		unlink(node);
		rmdir(dir);
		return report(r);
	}
	if (!strcmp(op, "timerfd-alarm") || !strcmp(op, "timerfd-monotonic")) {
		int fd = timerfd_create(!strcmp(op, "timerfd-alarm") ? CLOCK_BOOTTIME_ALARM : CLOCK_MONOTONIC, TFD_CLOEXEC);
		if (fd >= 0)
			close(fd);
		return report(libc(fd));
	}
	if (!strcmp(op, "mount-tmpfs") || !strcmp(op, "unshare-mount-tmpfs")) { /* mounted and unmounted again */
		if (!strcmp(op, "unshare-mount-tmpfs") &&
		    (unshare(CLONE_NEWNS) < 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0))
			return report(-errno);
		char dir[] = "/tmp/hdprobe-XXXXXX";
		if (!mkdtemp(dir))
			return report(-errno);
		long r = libc(mount("hdprobe", dir, "tmpfs", 0, "size=64k"));
		if (r == 0)
			umount2(dir, 0);
		rmdir(dir);
		return report(r);
	}
	fprintf(stderr, "hdprobe: unknown operation %s\n", op);
	return 2;
}
