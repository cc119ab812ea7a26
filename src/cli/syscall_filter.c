/* SPDX-License-Identifier: MIT */
#include "cli.h"
int verb_syscall_filter(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error("syscall_filter", "not built yet");
}
