/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include "util/diag.h"
#include "util/strv.h"

/*
 * Exec*= command lines as systemd 252 reads them (ExecStart=, ExecStartPre=, ...): words split with
 * shell-like quoting and C escapes, prefixes on the first word, ";" between commands, and the
 * executable looked up in systemd's default search path when it has no slash.
 */

/* Prefix characters on the executable (systemd.service(5), "Table 1. Special executable prefixes"). */
#define HD_EXEC_IGNORE_FAILURE 0x01u /* "-" */
#define HD_EXEC_ARGV0          0x02u /* "@": the second word is argv[0] */
#define HD_EXEC_NO_ENV_EXPAND  0x04u /* ":" */
#define HD_EXEC_FULL_PRIVILEGE 0x08u /* "+": no sandboxing at all: no seccomp filter applies */
#define HD_EXEC_PRIVILEGED     0x10u /* "!": credentials not dropped (seccomp still applies) */
#define HD_EXEC_AMBIENT        0x20u /* "!!": ambient capabilities on old kernels (seccomp still applies) */

struct hd_exec_command {
	unsigned flags; /* HD_EXEC_* */
	char *path;     /* as written, prefixes removed */
	hd_strv argv;   /* argv[0] first (the "@" word, else path) */
};

struct hd_exec_line {
	struct hd_exec_command *v;
	size_t n, cap;
};

/* systemd's exec search path for a unit without its own PATH= (systemd 252 on a split-/usr build:
 * merged-/usr systems resolve the same files). Colon-separated. */
#define HD_EXEC_SEARCH_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define HD_EXEC_MAX_WORDS 4096

/* Parse one value. 0, or -EINVAL with a diag (file:line) for what systemd refuses: bad quoting, an
 * empty path, a relative path with a slash (a repeated prefix, or "!" after "+", ends the prefixes
 * and stays in the path, as in systemd, so "+!/bin/x" is refused that way). -ENOMEM. */
int hd_exec_parse(const char *value, const char *file, unsigned line, struct hd_exec_line *out, hd_diags *diags);
void hd_exec_line_free(struct hd_exec_line *l);

/* Find the file systemd would execute: an absolute path as is, a bare name in HD_EXEC_SEARCH_PATH.
 * root (NULL = /) prefixes every path tried. The result is root-prefixed. 0, -ENOENT, -ENOMEM. */
int hd_exec_resolve(const char *path, const char *root, char **out);

/* $VAR expansion of an Exec*= argv as systemd 252 does it before exec (systemd.service(5), "Command
 * lines"): a word that is "$NAME" as a whole becomes the value split at whitespace (quotes removed), zero
 * words if NAME is unset; elsewhere "${NAME}" becomes the value, one word (empty if unset), and "$$" a
 * literal "$"; any other "$" stays. envp is NULL-terminated. out gets the words. 0 or -ENOMEM. */
int hd_exec_expand_env(char *const *argv, size_t argc, char *const *envp, hd_strv *out);
