/* SPDX-License-Identifier: MIT */
#pragma once
#include <json-c/json.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include "filter/filter.h"
#include "util/diag.h"
#include "util/strv.h"

/* Exit codes shared by every verb (documented in README.md). */
#define EXIT_OK 0
#define EXIT_FINDINGS 1 /* the verb ran and found what it reports as a failure (threshold, --strict, not found) */
#define EXIT_USAGE 2    /* bad command line */

struct hd_verb {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv); /* argv[0] is the verb name */
};

/* Verbs: one file each in src/cli/. */
int verb_syscall_filter(int argc, char **argv);
int verb_show(int argc, char **argv);
int verb_security(int argc, char **argv);
int verb_explain(int argc, char **argv);
int verb_check(int argc, char **argv);
int verb_learn(int argc, char **argv);
int verb_run(int argc, char **argv);
int verb_apply(int argc, char **argv);

/* Shared helpers (common.c). */
extern const char *cli_program; /* "harden" */
/* Print "harden VERB: unknown option '-x'; see 'harden VERB --help'" and return EXIT_USAGE. */
int cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print diagnostics to stderr as "FILE:LINE: warning: TEXT" (or "harden: warning: TEXT"). */
void cli_print_diags(const hd_diags *d);
/* --systemd=V; prints an error and returns EXIT_USAGE on a bad value, else 0. */
int cli_parse_systemd_version(const char *verb, const char *arg, int *out);
/* An output path option's value (-o, --export-bpf, ...): an empty name is a usage error, said as
 * such, not "cannot write : No such file". Prints and returns EXIT_USAGE, else 0. */
int cli_check_output_path(const char *verb, const char *option, const char *path);
/* What harden run --report-fd wrote into fd (a file, read from its start): kills ("blocked" lines) and
 * calls denied with an errno (each entry of a "denied" list, one per call per run); an ENOSYS that glibc
 * falls back from is counted apart, in fallbacks: it breaks nothing. */
void cli_count_reports(int fd, unsigned *kills, unsigned *denied, unsigned *fallbacks /* may be NULL */);
/* As cli_count_reports, and the calls harden run saw fail because of a file-system setting ("fs_denied")
 * and the runs that could not see them ("fs_observed": false; why into unobserved, the first). */
void cli_count_fs_reports(int fd, unsigned *fs_denied, unsigned *unobserved_runs, char *why, size_t why_len);
/* As cli_count_fs_reports, for the connects and sends a network setting made fail ("net_denied": denials
 * too) and the capability checks the bounding set refused ("cap_denied", but those marked "lookup": the
 * callers list them without counting them as denials). */
void cli_count_net_cap_reports(int fd, unsigned *net_denied, unsigned *cap_denied);
/* harden --version: the version, libseccomp, the kernel and its compat ABIs (probed). */
int cli_version(void);
/* After the command died by signal sig: where that can be the kernel refusing int $0x80 (SIGSEGV on a
 * kernel whose i386 gate faults), say so on stderr, so the death is not blamed on a filter. */
void cli_note_fault_death(const char *verb, int sig);
/* Colour on a tty unless NO_COLOR is set. */
bool cli_color(FILE *f);
/* True when the locale's charset is UTF-8 (for ✓/✗ and → vs ASCII fallbacks). */
bool cli_utf8(void);

/* JSON pieces several verbs share (json.c). */
json_object *cli_json_str(const char *s);        /* NULL -> JSON null */
json_object *cli_json_strv(const hd_strv *sv);   /* an array of strings */
json_object *cli_json_hex(uint64_t v);           /* "0x1f" */
json_object *cli_json_action(hd_action a);       /* {"action": "errno", "errno": 1, "errno_name": "EPERM"} */
/* A whole document on stdout: pretty, slashes unescaped, then a newline (extra: e.g. ..._SPACED). */
void cli_json_print(json_object *doc, int extra_flags);
