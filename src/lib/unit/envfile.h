/* SPDX-License-Identifier: MIT */
#pragma once
#include <stddef.h>
#include "util/diag.h"
#include "util/strv.h"

/*
 * EnvironmentFile= files as systemd 252 reads them (systemd.exec(5)): KEY=VALUE lines; "#" or ";" starts
 * a comment line (a trailing backslash continues it); a value is unquoted (backslash keeps the next
 * character, backslash-newline continues the line, surrounding whitespace dropped, inner kept, quotes
 * after the first character kept), '...' (verbatim, may span lines) or "..." (backslash keeps one of
 * "\`$ and eats a newline, else stays); quoted parts right after the "=" join up. Lines without "=" are
 * ignored. The rules are the table in envfile.c.
 *
 * Untrusted input. Like systemd, a file that is not UTF-8 (or holds NUL, a noncharacter or a byte order
 * mark) is refused as a whole; an invalid variable name is ignored with a warning (systemd ignores it
 * too); a quote still open at the end is taken up to the end, as systemd does, with a warning.
 */

/* At most this much of a file is read: an environment bigger than this cannot be passed to execve. */
#define HD_ENVFILE_MAX (4u << 20)

/* Parse text (len bytes) into env ("KEY=VALUE" strings; a later KEY replaces an earlier one in place).
 * file names the text in diags. 0; -EINVAL with an error diag FILE:LINE (nothing is added then);
 * -ENOMEM. */
int hd_envfile_parse(const char *text, size_t len, const char *file, hd_strv *env, hd_diags *d);

/* Read path and parse it. -ENOENT (no diag: the caller knows whether "-" allowed it), other -errno with
 * a diag, or what hd_envfile_parse returns. */
int hd_envfile_load(const char *path, hd_strv *env, hd_diags *d);

/* Environment name rules (systemd's env_name_is_valid): [A-Za-z_][A-Za-z0-9_]*. */
bool hd_env_name_valid(const char *name, size_t n);
/* Set "KEY=VALUE" in env: replaces the same KEY where it is, else appends. 0 or -ENOMEM/-EINVAL. */
int hd_env_set(hd_strv *env, const char *assignment);
/* The value of name (n bytes) in a NULL-terminated "KEY=VALUE" array, NULL if unset. */
const char *hd_env_get(char *const *envp, const char *name, size_t n);
