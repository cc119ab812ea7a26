/* SPDX-License-Identifier: MIT */
/* A shared library for test_elfscan's reachability test: api() reaches fchown (through a static
 * helper) and write; unused() alone reaches getpid; helper's address is also stored in data. */
#include <unistd.h>

static int helper(int fd)
{
	return fchown(fd, 0, 0);
}

int (*reach_fixture_table[])(int) = { helper };

int reach_fixture_api(int fd)
{
	return helper(fd) + (int)write(fd, "", 0);
}

int reach_fixture_unused(void)
{
	return (int)getpid();
}
