/* SPDX-License-Identifier: MIT */
/* Write the synthetic cores of tests/unit/core_builder.h to files (fuzz seeds): mkcore DIR */
#include <stdio.h>

#include "../unit/core_builder.h"

static int put(const char *dir, const char *name, const struct cb_core *c)
{
	unsigned char *b;
	size_t n = cb_build(c, &b, NULL);
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	free(b);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	struct cb_core i386 = cb_sed_fchown, segv = cb_sed_fchown;
	i386.is32 = 1, i386.syscall = 95, i386.arch = 0x40000003, i386.call_addr = 0x1234;
	segv.signo = 11;
	return put(argv[1], "sed-fchown-x86_64.core", &cb_sed_fchown) | put(argv[1], "sed-fchown-i386.core", &i386) |
	       put(argv[1], "segv.core", &segv);
}
