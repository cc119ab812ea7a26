/* SPDX-License-Identifier: MIT */
/*
 * fsprobe: a fixed table of operations that the file-system, namespace and privilege settings of a
 * unit govern, each tried once, one line each: "NAME OUTCOME", OUTCOME = "ok", the errno's name
 * (EROFS, EACCES, ...) or, for an observation, a stable value. Used by
 * tests/integration/systemd_differential.sh, which runs it as a systemd 252 service and under
 * `harden run` with the same settings and compares the lines.
 *
 * Every probe is free of side effects: what it creates it removes, a sysctl is written back with the
 * value it has. Nothing that differs between a service and a command started from a shell by design
 * (its PID, its cgroup, its environment) is printed.
 *
 * Usage: fsprobe --dir D --home H --usr U --rootfile F --block DEV --port N --sysctl PATH --shm ID
 *                --exec SCRIPT --blocknode NODE --charnode NODE --udp ADDR
 * (each optional: a probe whose argument is missing prints "NAME -").
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void out(const char *name, const char *value)
{
	printf("%s %s\n", name, value);
}

static void out_errno(const char *name, int e)
{
	const char *n = e ? strerrorname_np(e) : "ok";
	out(name, n ? n : "E?");
}

/* a file of this process's own in DIR: "DIR/.fsprobe.PID" */
static void own_path(char *buf, size_t n, const char *dir)
{
	snprintf(buf, n, "%s/.fsprobe.%ld", dir, (long)getpid());
}

/* create + unlink a file in dir */
static void probe_write(const char *name, const char *dir)
{
	if (!dir) {
		out(name, "-");
		return;
	}
	char p[4096];
	own_path(p, sizeof(p), dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		out_errno(name, errno);
		return;
	}
	close(fd);
	out_errno(name, unlink(p) < 0 ? errno : 0);
}

static void probe_read(const char *name, const char *file)
{
	if (!file) {
		out(name, "-");
		return;
	}
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		out_errno(name, errno);
		return;
	}
	char c;
	ssize_t r = read(fd, &c, 1);
	int e = r < 0 ? errno : 0;
	close(fd);
	out_errno(name, e);
}

/* "ok" when dir lists at least one entry besides . and .., "empty" when none, else the errno */
static void probe_list(const char *name, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		out_errno(name, errno);
		return;
	}
	errno = 0;
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	int e = errno;
	closedir(d);
	if (e)
		out_errno(name, e);
	else
		out(name, n ? "ok" : "empty");
}

static void probe_open(const char *name, const char *path, int flags)
{
	if (!path) {
		out(name, "-");
		return;
	}
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0) {
		out_errno(name, errno);
		return;
	}
	close(fd);
	out(name, "ok");
}

static void probe_mknod(const char *name)
{
	char p[4096];
	own_path(p, sizeof(p), "/tmp");
	if (mknod(p, S_IFCHR | 0600, makedev(1, 3)) < 0) {
		out_errno(name, errno);
		return;
	}
	out_errno(name, unlink(p) < 0 ? errno : 0);
}

/* write a sysctl back with the value it has: never changes it */
static void probe_sysctl(const char *name, const char *path)
{
	if (!path) {
		out(name, "-");
		return;
	}
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		out_errno(name, errno);
		return;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int e = n < 0 ? errno : 0;
	close(fd);
	if (n <= 0) {
		out_errno(name, e ? e : EIO);
		return;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		out_errno(name, errno);
		return;
	}
	ssize_t w = write(fd, buf, (size_t)n);
	e = w < 0 ? errno : 0;
	close(fd);
	out_errno(name, e);
}

static void probe_connect(const char *name, const char *port)
{
	if (!port) {
		out(name, "-");
		return;
	}
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		out_errno(name, errno);
		return;
	}
	/* bounded: a SYN an egress filter drops (IPAddressDeny=) is retried, not failed */
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(port)) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int e = connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 ? errno : 0;
	close(s);
	out_errno(name, e);
}

/* one UDP datagram to addr (IPv4 or IPv6) port 9 (discard): what the sender sees at once (an egress
 * filter that drops it fails the send with EPERM; nothing needs to listen) */
static void probe_udp(const char *name, const char *addr)
{
	if (!addr) {
		out(name, "-");
		return;
	}
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(9);
		len = sizeof(*a4);
	} else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(9);
		len = sizeof(*a6);
	} else {
		out(name, "EINVAL");
		return;
	}
	int s = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		out_errno(name, errno);
		return;
	}
	int e = sendto(s, "x", 1, 0, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
	close(s);
	out_errno(name, e);
}

static void probe_chown(const char *name)
{
	char p[4096];
	own_path(p, sizeof(p), "/tmp");
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		out(name, "-"); /* no file to chown: said by the write probe */
		return;
	}
	close(fd);
	int e = chown(p, 65534, 65534) < 0 ? errno : 0;
	unlink(p);
	out_errno(name, e);
}

/* in a child: the result travels as its exit status (0 ok, else the errno) */
static void probe_setuid(const char *name)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		out_errno(name, errno);
		return;
	}
	if (pid == 0)
		_exit(setuid(65534) < 0 ? (errno & 0xff) : 0);
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st)) {
		out(name, "child-died");
		return;
	}
	out_errno(name, WEXITSTATUS(st));
}

/* exec a script in a child: 0 ok, else the errno of execve */
static void probe_exec(const char *name, const char *script)
{
	if (!script) {
		out(name, "-");
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		out_errno(name, errno);
		return;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 1);
		char *const argv[] = { (char *)script, NULL };
		execv(script, argv);
		_exit((errno & 0x7f) | 0x80); /* a script's own status stays below 128 */
	}
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st)) {
		out(name, "child-died");
		return;
	}
	int s = WEXITSTATUS(st);
	if (s & 0x80)
		out_errno(name, s & 0x7f);
	else
		out(name, s == 0 ? "ok" : "script-failed");
}

static void probe_other_pids(const char *name)
{
	DIR *d = opendir("/proc");
	if (!d) {
		out_errno(name, errno);
		return;
	}
	char self[32];
	snprintf(self, sizeof(self), "%ld", (long)getpid());
	int other = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && strspn(e->d_name, "0123456789") == strlen(e->d_name) &&
		    strcmp(e->d_name, self) != 0)
			other++;
	closedir(d);
	out(name, other ? "visible" : "hidden");
}

static void probe_status(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f) {
		out_errno("status", errno);
		return;
	}
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		static const struct {
			const char *key, *name;
		} keys[] = { { "CapBnd:", "cap-bnd" }, { "CapEff:", "cap-eff" }, { "Uid:", "uid" }, { "Gid:", "gid" } };
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			size_t n = strlen(keys[i].key);
			if (strncmp(line, keys[i].key, n) != 0)
				continue;
			char v[128] = "";
			/* the first field (the real id; the set of capabilities) */
			if (sscanf(line + n, "%127s", v) == 1)
				out(keys[i].name, v);
		}
	}
	fclose(f);
}

static void probe_umask(const char *name)
{
	char p[4096];
	own_path(p, sizeof(p), "/tmp");
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		out(name, "-");
		return;
	}
	struct stat st;
	int e = fstat(fd, &st) < 0 ? errno : 0;
	close(fd);
	unlink(p);
	if (e) {
		out_errno(name, e);
		return;
	}
	char v[16];
	snprintf(v, sizeof(v), "%04o", (unsigned)(st.st_mode & 07777));
	out(name, v);
}

static void probe_shm(const char *name, const char *id)
{
	if (!id) {
		out(name, "-");
		return;
	}
	struct shmid_ds ds;
	out_errno(name, shmctl(atoi(id), IPC_STAT, &ds) < 0 ? errno : 0);
}

static void probe_hostname(const char *name)
{
	char h[256];
	if (gethostname(h, sizeof(h)) < 0) {
		out_errno(name, errno);
		return;
	}
	h[sizeof(h) - 1] = '\0';
	out_errno(name, sethostname(h, strlen(h)) < 0 ? errno : 0); /* the name it has: no change */
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *home = NULL, *usr = NULL, *rootfile = NULL, *block = NULL, *port = NULL, *sysctl = NULL,
		   *shm = NULL, *script = NULL, *blocknode = NULL, *charnode = NULL, *udp = NULL;
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },	{ "home", required_argument, NULL, 'H' },
		{ "rootfile", required_argument, NULL, 'r' }, { "block", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },	{ "sysctl", required_argument, NULL, 's' },
		{ "shm", required_argument, NULL, 'm' },	{ "exec", required_argument, NULL, 'x' },
		{ "usr", required_argument, NULL, 'u' },
		{ "blocknode", required_argument, NULL, 'B' }, { "charnode", required_argument, NULL, 'C' },
		{ "udp", required_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 },
	};
	for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'H': home = optarg; break;
		case 'r': rootfile = optarg; break;
		case 'b': block = optarg; break;
		case 'p': port = optarg; break;
		case 's': sysctl = optarg; break;
		case 'm': shm = optarg; break;
		case 'x': script = optarg; break;
		case 'u': usr = optarg; break;
		case 'B': blocknode = optarg; break;
		case 'C': charnode = optarg; break;
		case 'U': udp = optarg; break;
		default:
			fprintf(stderr, "usage: fsprobe [--dir D] [--home H] [--usr U] [--rootfile F] [--block DEV] [--port N] "
					"[--sysctl PATH] [--shm ID] [--exec SCRIPT] [--blocknode NODE] [--charnode NODE] [--udp ADDR]\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "fsprobe: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	probe_write("write-etc", "/etc");
	probe_write("write-varlib", dir);
	probe_write("write-home", home);
	probe_write("write-home-top", "/home");
	probe_write("write-tmp", "/tmp");
	probe_write("write-vartmp", "/var/tmp");
	probe_write("write-usr", usr);
	probe_read("read-root", rootfile);
	probe_list("list-home", "/home");
	probe_exec("exec-varlib", script);
	probe_open("open-block", block, O_RDONLY);
	/* device nodes made by the caller outside /dev (a block device's numbers; /dev/full's): what the
	 * device policy allows of a node does not depend on its name. Opened, never read or written */
	probe_open("open-blocknode-r", blocknode, O_RDONLY);
	probe_open("open-blocknode-w", blocknode, O_WRONLY);
	probe_open("open-charnode-w", charnode, O_WRONLY);
	probe_open("open-devnull-w", "/dev/null", O_WRONLY);
	probe_mknod("mknod-tmp");
	probe_sysctl("write-sysctl", sysctl);
	probe_list("list-modules", "/usr/lib/modules");
	probe_open("open-kallsyms", "/proc/kallsyms", O_RDONLY);
	probe_open("open-kmsg", "/dev/kmsg", O_RDONLY | O_NONBLOCK);
	probe_connect("connect-lo", port);
	/* a datagram to 127.0.0.1 and to ADDR, a local address that is not loopback's (IPAddressAllow=) */
	probe_udp("udp-lo", udp ? "127.0.0.1" : NULL);
	probe_udp("udp-addr", udp);
	probe_shm("ipc-shm", shm);
	probe_hostname("sethostname");
	probe_chown("chown-65534");
	probe_setuid("setuid-65534");
	probe_other_pids("other-pids");
	out_errno("access-cgroup-w", access("/sys/fs/cgroup", W_OK) < 0 ? errno : 0);
	probe_status();
	probe_umask("umask-mode");
	return 0;
}
