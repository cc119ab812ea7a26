/* SPDX-License-Identifier: MIT */
/* wrapper_list NAME: the syscalls src/lib/elf/wrappers.c lists for a glibc function, one per line
 * (for tests/integration/wrappers-strace.sh). Exit 1 if the table does not know NAME. */
#include <stdio.h>

#include "elf/wrappers.h"

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	hd_strv out = { 0 };
	if (hd_wrapper_syscalls(argv[1], HD_LIBC_GLIBC, &out) < 0)
		return 1;
	for (size_t i = 0; i < out.n; i++)
		printf("%s\n", out.v[i]);
	hd_strv_free(&out);
	return 0;
}
