/* SPDX-License-Identifier: MIT */
/* capneed WHAT [ARG]: does one thing that needs one capability when run as root, and says whether the
 * kernel let it (learn_caps: a capability learned from it must be in the drop-in, and the thing must
 * fail without it). Exit 0 done, 1 refused (the errno's name on stderr), 2 usage or setup.
 *   bind PORT   bind 127.0.0.1:PORT (below 1024: CAP_NET_BIND_SERVICE)
 *   chown FILE  give FILE to uid 65534 (CAP_CHOWN)
 *   setuid      setresuid to 65534 (CAP_SETUID)
 *   setgid      setresgid to 65534 (CAP_SETGID)
 *   dac FILE    open FILE (0600, another owner) for reading and writing (CAP_DAC_OVERRIDE)
 *   kill        signal a child that became uid 65534 (CAP_KILL; the child needs CAP_SETUID) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int refused(const char *what)
{
	int e = errno;
	fprintf(stderr, "%s: %s (%s)\n", what, strerror(e), e == EPERM ? "EPERM" : e == EACCES ? "EACCES" : "other");
	return 1;
}

static int do_kill(void)
{
	int p[2];
	if (pipe(p) < 0)
		return 2;
	pid_t child = fork();
	if (child < 0)
		return 2;
	if (child == 0) {
		close(p[0]);
		/* the child ends itself: the parent may not be allowed to */
		alarm(3);
		char ok = setresuid(65534, 65534, 65534) == 0 ? 'y' : 'n';
		(void)!write(p[1], &ok, 1);
		close(p[1]);
		for (;;)
			pause();
	}
	close(p[1]);
	char ok = 0;
	if (read(p[0], &ok, 1) != 1 || ok != 'y') {
		fprintf(stderr, "kill: the child could not become uid 65534\n");
		waitpid(child, NULL, 0);
		return 2;
	}
	int r = kill(child, SIGTERM) == 0 ? 0 : refused("kill");
	waitpid(child, NULL, 0);
	if (r == 0)
		printf("killed\n");
	return r;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	if (strcmp(what, "bind") == 0 && argc == 3) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2])) };
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		int one = 1;
		if (fd < 0)
			return 2;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			return refused("bind");
		printf("bound\n");
		return 0;
	}
	if (strcmp(what, "chown") == 0 && argc == 3) {
		if (chown(argv[2], 65534, (gid_t)-1) < 0)
			return refused("chown");
		printf("chowned\n");
		return 0;
	}
	if (strcmp(what, "setuid") == 0) {
		if (setresuid(65534, 65534, 65534) < 0)
			return refused("setresuid");
		printf("uid %d\n", (int)getuid());
		return 0;
	}
	if (strcmp(what, "setgid") == 0) {
		if (setresgid(65534, 65534, 65534) < 0)
			return refused("setresgid");
		printf("gid %d\n", (int)getgid());
		return 0;
	}
	if (strcmp(what, "dac") == 0 && argc == 3) {
		int fd = open(argv[2], O_RDWR);
		if (fd < 0)
			return refused("open");
		close(fd);
		printf("opened\n");
		return 0;
	}
	if (strcmp(what, "kill") == 0)
		return do_kill();
	fprintf(stderr, "usage: capneed bind PORT | chown FILE | setuid | setgid | dac FILE | kill\n");
	return 2;
}
