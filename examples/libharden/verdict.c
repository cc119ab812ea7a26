/* SPDX-License-Identifier: MIT */
/*
 * An example of libharden (include/harden.h) built against the installed library:
 *
 *     cc verdict.c $(pkg-config --cflags --libs harden) -o verdict
 *     ./verdict [-p KEY=VALUE]... [UNIT-FILE] SYSCALL
 *
 * It folds the unit file (with its drop-ins) and then the -p assignments into one set of settings,
 * prints what the kernel would do to SYSCALL on x86-64, and, given a unit file, its exposure as
 * systemd-analyze security scores it. tests/integration/api-installed.sh builds and runs it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <harden.h>

static const char *action_name(enum harden_action a)
{
	switch (a) {
	case HARDEN_ACTION_ALLOW: return "allow";
	case HARDEN_ACTION_LOG: return "log";
	case HARDEN_ACTION_ERRNO: return "errno";
	case HARDEN_ACTION_KILL: return "kill";
	}
	return "?";
}

int main(int argc, char **argv)
{
	const char *unit = NULL, *syscall = NULL;
	struct harden_settings *s;
	int r = harden_settings_new(HARDEN_SYSTEMD_DEFAULT, &s);
	if (r < 0) {
		fprintf(stderr, "harden_settings_new: %s\n", strerror(-r));
		return 1;
	}
	int status = 0;
	for (int i = 1; i < argc && status == 0; i++) {
		if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
			char *kv = argv[++i], *eq = strchr(kv, '=');
			if (!eq) {
				fprintf(stderr, "-p %s: expected KEY=VALUE\n", kv);
				status = 2;
				break;
			}
			*eq = '\0';
			r = harden_settings_apply(s, kv, eq + 1);
		} else if (!syscall && i == argc - 1) {
			syscall = argv[i];
			continue;
		} else if (!unit) {
			unit = argv[i];
			r = harden_settings_load_unit(s, unit);
		} else {
			status = 2;
			break;
		}
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(-r));
			status = 1;
		}
	}
	/* the library never prints: the program decides where its warnings go */
	for (size_t i = 0; i < harden_settings_n_warnings(s); i++)
		fprintf(stderr, "%s\n", harden_settings_warning(s, i));
	if (status == 0 && !syscall) {
		fprintf(stderr, "usage: %s [-p KEY=VALUE]... [UNIT-FILE] SYSCALL\n", argv[0]);
		status = 2;
	}
	if (status == 0) {
		int nr = harden_syscall_number(syscall, "x86-64");
		struct harden_verdict v;
		if (nr < 0 || (r = harden_filter_verdict(s, "x86-64", nr, &v)) < 0) {
			fprintf(stderr, "%s: %s\n", syscall, nr < 0 ? "no such syscall on x86-64" : strerror(-r));
			status = 1;
		} else {
			printf("%s (x86-64 #%d): %s", syscall, nr, action_name(v.action));
			if (v.action == HARDEN_ACTION_ERRNO)
				printf(" %d", v.errno_value);
			printf("%s by %s\n", v.conditional ? " (other verdicts for some arguments)" : "",
			       v.setting ? v.setting : "nothing (no filter)");
		}
	}
	if (status == 0 && unit) {
		unsigned tenths;
		r = harden_unit_exposure(unit, HARDEN_SYSTEMD_DEFAULT, &tenths);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", unit, strerror(-r));
			status = 1;
		} else {
			printf("exposure: %u.%u\n", tenths / 10, tenths % 10);
		}
	}
	harden_settings_free(s);
	return status;
}
