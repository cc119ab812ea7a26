/* SPDX-License-Identifier: MIT */
#include "cli.h"
int verb_show(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error("show", "not built yet");
}
