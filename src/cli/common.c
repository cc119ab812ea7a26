/* SPDX-License-Identifier: MIT */
#include "cli.h"

#include <errno.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "harden.h" /* the public API: harden --version reports the library the API answers with */
#include "syscalls/abiprobe.h"
#include "syscalls/arch.h"
#include "syscalls/groups.h"
#include "syscalls/lookup.h"

const char *cli_program = "harden";

int cli_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s%s%s: ", cli_program, verb ? " " : "", verb ? verb : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see '%s%s%s --help'\n", cli_program, verb ? " " : "", verb ? verb : "");
	return EXIT_USAGE;
}

int cli_check_output_path(const char *verb, const char *option, const char *path)
{
	if (!*path)
		return cli_usage_error(verb, "empty file name for %s", option);
	return 0;
}

void cli_print_diags(const hd_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const hd_diag *g = &d->v[i];
		const char *sev = g->severity == HD_ERROR ? "error" : "warning";
		if (g->file && g->line)
			fprintf(stderr, "%s:%u: %s: %s\n", g->file, g->line, sev, g->text);
		else if (g->file)
			fprintf(stderr, "%s: %s: %s\n", g->file, sev, g->text);
		else
			fprintf(stderr, "%s: %s: %s\n", cli_program, sev, g->text);
	}
}

int cli_parse_systemd_version(const char *verb, const char *arg, int *out)
{
	int r = hd_systemd_version_parse(arg, out);
	if (r == -ERANGE)
		return cli_usage_error(verb, "--systemd=%s: harden does not model systemd %s; it models %s (latest = %s)",
				       arg, arg, hd_systemd_versions_list(), hd_systemd_version_name(HD_SYSTEMD_LATEST));
	if (r < 0)
		return cli_usage_error(verb, "--systemd=%s: expected one of %s or latest", arg, hd_systemd_versions_list());
	return 0;
}

bool cli_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return false;
	const char *term = getenv("TERM");
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(fileno(f));
}

bool cli_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

int cli_version(void)
{
	printf("harden %s\n", harden_version());
	char ver[32];
	printf("libseccomp %s\n", hd_libseccomp_version(ver, sizeof(ver)));
	struct utsname uts;
	const char *native = hd_arch_info(hd_arch_native())->name;
	printf("kernel %s (%s)\n", uname(&uts) == 0 ? uts.release : "unknown", native);
	struct hd_abi_probe compat[2];
	int n = hd_probe_compat_abis(compat);
	for (int i = 0; i < n; i++) {
		char d[200];
		printf("  compat ABI %s: %s\n", hd_arch_info(compat[i].arch)->name,
		       hd_abi_reach_describe(&compat[i], d, sizeof(d)));
	}
	/* which systemd versions --systemd= takes, and how the default was picked */
	printf("systemd models: %s (latest = %s)\n", hd_systemd_versions_list(), hd_systemd_version_name(HD_SYSTEMD_LATEST));
	printf("systemd releases modelled:");
	for (const int *v = hd_systemd_versions; *v; v++)
		printf(" %s", hd_systemd_version_release(*v));
	printf(" (252, 257, 262 checked against the real programs; the others read from systemd's git tags)\n");
	struct hd_sdver_default sd;
	hd_systemd_version_detect(&sd);
	switch (sd.origin) {
	case HD_SDVER_INSTALLED:
		printf("systemd default: %s (the installed systemd, %s)\n", hd_systemd_version_name(sd.sdver), sd.path);
		break;
	case HD_SDVER_UNMODELLED:
		printf("systemd default: latest = %s (the installed systemd %d, %s, is not one harden models)\n",
		       hd_systemd_version_name(sd.sdver), sd.installed, sd.path);
		break;
	case HD_SDVER_NONE:
		printf("systemd default: latest = %s (no installed systemd found: no libsystemd-shared-N.so)\n",
		       hd_systemd_version_name(sd.sdver));
		break;
	}
	return EXIT_OK;
}

void cli_note_fault_death(const char *verb, int sig)
{
	if (sig != SIGSEGV)
		return;
	struct hd_abi_probe compat[2];
	int n = hd_probe_compat_abis(compat);
	for (int i = 0; i < n; i++)
		if (compat[i].arch == HD_ARCH_X86 && compat[i].reach == HD_ABI_FAULTS)
			fprintf(stderr, "%s %s: note: on this kernel int $0x80 faults with SIGSEGV, filter or no filter: "
				"if the program makes i386 calls, that is what killed it (no i386 call ran, none was "
				"filtered)\n", cli_program, verb);
}
