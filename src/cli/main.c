/* SPDX-License-Identifier: MIT */
/* harden: the dispatch table. Each verb lives in its own file in src/cli/. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* In the order of the workflow they serve (DESIGN.md): how exposed, what is in a group, what a
 * filter allows, try it, learn it, explain a death, check before deploying. */
static const struct hd_verb verbs[] = {
	{ "security", "score how exposed service units are (systemd-analyze security, offline)", verb_security },
	{ "syscall-filter", "list syscall groups, or the groups holding a syscall", verb_syscall_filter },
	{ "show", "print what a set of SystemCallFilter=-style settings allows", verb_show },
	{ "run", "run a command under a unit's seccomp sandbox, violations explained", verb_run },
	{ "learn", "watch a program, then write the tightest drop-in that lets it work", verb_learn },
	{ "explain", "from a SIGSYS death (core, journal, audit log) to the line that fixes it", verb_explain },
	{ "check", "predict which syscalls a unit's filter would block in its programs", verb_check },
	{ "apply", "put a drop-in on a running service, watch it, keep it or roll it back", verb_apply },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [--help] [--version] VERB [OPTIONS...]\n"
		"\n"
		"Lock a Linux service's system calls down as far as possible without breaking it.\n"
		"\n"
		"Verbs:\n",
		cli_program);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-16s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f,
		"\n"
		"Run '%s VERB --help' for a verb's options. --version also names the libseccomp and kernel\n"
		"harden runs on, and says whether this kernel lets a process in through its compat ABIs\n"
		"(x86-64: int $0x80, x32), and which systemd versions it models and how it picked the default.\n"
		"Exit status: 0 success, 1 findings (threshold exceeded, --strict warnings, not found), 2 usage error.\n",
		cli_program);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *v = argv[1];
	if (strcmp(v, "--help") == 0 || strcmp(v, "-h") == 0 || strcmp(v, "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(v, "--version") == 0)
		return cli_version();
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(v, verbs[i].name) == 0)
			return verbs[i].run(argc - 1, argv + 1);
	if (v[0] == '-')
		return cli_usage_error(NULL, "unknown option '%s'", v);
	return cli_usage_error(NULL, "unknown verb '%s'", v);
}
