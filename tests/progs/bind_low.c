/* SPDX-License-Identifier: MIT */
/* bind_low PORT: binds a TCP socket to 127.0.0.1:PORT and says whether it could. A port below
 * ip_unprivileged_port_start needs CAP_NET_BIND_SERVICE, which is what run-creds checks
 * (AmbientCapabilities= for a User= other than root). Exit 0 bound, 1 refused (errno on stderr). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bind_low PORT\n");
		return 2;
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "bind: %s\n", strerror(errno));
		return 1;
	}
	printf("bound %s\n", argv[1]);
	close(fd);
	return 0;
}
