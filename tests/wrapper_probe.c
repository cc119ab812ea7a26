/* SPDX-License-Identifier: MIT */
/*
 * wrapper_probe: calls one libc function between two marker syscalls (close(-100) ... close(-101)),
 * so tests/integration/wrappers-strace.sh can see under strace which syscalls the call really makes
 * and compare them with src/lib/elf/wrappers.c (wrapper_list prints the table's answer). Built without
 * sanitizers: ASan's own malloc and thread interceptors would be measured instead of libc.
 */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>


static char dir[64];
static char file[96];

static void *thread_fn(void *a) { return a; }

/* Each probe calls its function once, with arguments that work in a scratch directory. */
static int probe(const char *name)
{
	struct stat st;
	uid_t uid = getuid();
	gid_t gid = getgid();
	int fd = open(file, O_RDONLY);
	close(-102); /* the set-up above is not the call under test */
	if (!strcmp(name, "fchown")) return fchown(fd, uid, gid);
	if (!strcmp(name, "chown")) return chown(file, uid, gid);
	if (!strcmp(name, "lchown")) return lchown(file, uid, gid);
	if (!strcmp(name, "chmod")) return chmod(file, 0600);
	if (!strcmp(name, "fchmodat")) return fchmodat(AT_FDCWD, file, 0600, 0);
	if (!strcmp(name, "stat")) return stat(file, &st);
	if (!strcmp(name, "lstat")) return lstat(file, &st);
	if (!strcmp(name, "fstat")) return fstat(0, &st);
	if (!strcmp(name, "open")) return open(file, O_RDONLY);
	if (!strcmp(name, "creat")) return creat(file, 0600);
	if (!strcmp(name, "fopen")) return fopen(file, "r") ? 0 : -1;
	if (!strcmp(name, "access")) return access(file, R_OK);
	if (!strcmp(name, "faccessat")) return faccessat(AT_FDCWD, file, R_OK, AT_EACCESS);
	if (!strcmp(name, "mkdir")) { char p[128]; snprintf(p, sizeof(p), "%s/d", dir); return mkdir(p, 0700); }
	if (!strcmp(name, "unlink")) return unlink(file);
	if (!strcmp(name, "rename")) { char p[128]; snprintf(p, sizeof(p), "%s/g", dir); return rename(file, p); }
	if (!strcmp(name, "opendir")) return opendir(dir) ? 0 : -1;
	if (!strcmp(name, "readdir")) { DIR *d = opendir(dir); int fd = dirfd(d); (void)fd; close(-102); return readdir(d) ? 0 : -1; }
	if (!strcmp(name, "pipe")) { int p[2]; return pipe(p); }
	if (!strcmp(name, "dup2")) return dup2(1, 10);
	if (!strcmp(name, "select")) { struct timeval tv = { 0, 0 }; return select(0, NULL, NULL, NULL, &tv); }
	if (!strcmp(name, "poll")) return poll(NULL, 0, 0);
	if (!strcmp(name, "nanosleep")) { struct timespec ts = { 0, 1 }; return nanosleep(&ts, NULL); }
	if (!strcmp(name, "sleep")) return (int)sleep(0);
	if (!strcmp(name, "usleep")) return usleep(1);
	if (!strcmp(name, "getrlimit")) { struct rlimit r; return getrlimit(RLIMIT_NOFILE, &r); }
	if (!strcmp(name, "setrlimit")) { struct rlimit r; getrlimit(RLIMIT_CORE, &r); close(-102); return setrlimit(RLIMIT_CORE, &r); }
	if (!strcmp(name, "utime")) return utime(file, NULL);
	if (!strcmp(name, "utimes")) return utimes(file, NULL);
	if (!strcmp(name, "futimens")) return futimens(fd, NULL);
	if (!strcmp(name, "sigaction")) { struct sigaction sa = { 0 }; return sigaction(SIGUSR1, NULL, &sa); }
	if (!strcmp(name, "sigprocmask")) { sigset_t s; return sigprocmask(SIG_BLOCK, NULL, &s); }
	if (!strcmp(name, "isatty")) return isatty(0);
	if (!strcmp(name, "getcwd")) { char b[4096]; return getcwd(b, sizeof(b)) ? 0 : -1; }
	if (!strcmp(name, "realpath")) { char b[4096]; return realpath(file, b) ? 0 : -1; }
	if (!strcmp(name, "fork")) { pid_t p = fork(); if (p == 0) { close(-101); _exit(0); } close(-101); return waitpid(p, NULL, 0) > 0 ? 0 : -1; }
	if (!strcmp(name, "system")) return system("exit 0");
	if (!strcmp(name, "pthread_create")) { pthread_t t; int r = pthread_create(&t, NULL, thread_fn, NULL); close(-102); return r ? r : pthread_join(t, NULL); }
	if (!strcmp(name, "malloc")) { volatile char *p = malloc(1 << 20); return p ? 0 : -1; }
	if (!strcmp(name, "getpwnam")) return getpwnam("root") ? 0 : -1;
	if (!strcmp(name, "getgrgid")) return getgrgid(0) ? 0 : -1;
	if (!strcmp(name, "localtime")) { time_t t = 0; return localtime(&t) ? 0 : -1; }
	if (!strcmp(name, "time")) return time(NULL) > 0 ? 0 : -1;
	if (!strcmp(name, "gettimeofday")) { struct timeval tv; return gettimeofday(&tv, NULL); }
	if (!strcmp(name, "clock_gettime")) { struct timespec ts; return clock_gettime(CLOCK_MONOTONIC, &ts); }
	if (!strcmp(name, "printf")) return printf("probe\n") > 0 ? 0 : -1;
	if (!strcmp(name, "fread")) { FILE *f = fopen(file, "r"); char b[8]; close(-102); return fread(b, 1, sizeof(b), f) ? 0 : 0; }
	if (!strcmp(name, "fclose")) { FILE *f = fopen(file, "r"); close(-102); return fclose(f); }
	if (!strcmp(name, "mkstemp")) { char p[128]; snprintf(p, sizeof(p), "%s/tXXXXXX", dir); return mkstemp(p) >= 0 ? 0 : -1; }
	if (!strcmp(name, "sysconf")) return sysconf(_SC_NPROCESSORS_ONLN) > 0 ? 0 : -1;
	if (!strcmp(name, "gethostname")) { char b[256]; return gethostname(b, sizeof(b)); }
	if (!strcmp(name, "truncate")) return truncate(file, 0);
	if (!strcmp(name, "fsync")) return fsync(fd);
	if (!strcmp(name, "umask")) return (int)umask(022) < 0;
	if (!strcmp(name, "kill")) { pid_t self = getpid(); close(-102); return kill(self, 0); }
	if (!strcmp(name, "raise")) { signal(SIGUSR2, SIG_IGN); close(-102); return raise(SIGUSR2); }
	if (!strcmp(name, "alarm")) return (int)alarm(0);
	if (!strcmp(name, "symlink")) { char p[128]; snprintf(p, sizeof(p), "%s/l", dir); return symlink(file, p); }
	if (!strcmp(name, "readlink")) { char b[64]; return readlink("/proc/self/exe", b, sizeof(b)) > 0 ? 0 : -1; }
	if (!strcmp(name, "wait")) {
		pid_t p = fork();
		if (p == 0) { close(-101); _exit(0); }
		siginfo_t si; /* let the child finish first, so none of its calls land after the reset */
		waitid(P_PID, (id_t)p, &si, WEXITED | WNOWAIT);
		close(-102);
		return wait(NULL) > 0 ? 0 : -1;
	}
	if (!strcmp(name, "execvp")) { pid_t p = fork(); if (p == 0) { close(-102); execlp("true", "true", (char *)NULL); _exit(1); } close(-101); return waitpid(p, NULL, 0) > 0 ? 0 : -1; }
	return -2;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	snprintf(dir, sizeof(dir), "/tmp/wrapper-probe.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(file, sizeof(file), "%s/f", dir);
	int fd = open(file, O_CREAT | O_WRONLY, 0600);
	if (fd < 0 || write(fd, "x\n", 2) != 2)
		return 1;
	close(fd);
	setvbuf(stdout, NULL, _IOFBF, 0); /* nothing buffered by the set-up */
	close(-100);
	int r = probe(argv[1]);
	close(-101);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return r == -2 ? 3 : 0;
}
