/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include "util/strv.h"

/*
 * Writing values into unit files so that systemd reads back exactly what harden meant, and nothing
 * else: a path, a comment or a value chosen by a traced program, a core dump or a log must never
 * become a line of its own (an ExecStartPre=+..., a User=root) or a different path.
 *
 * The facts, checked against systemd 252's own parser (`systemd --test`, see tests/unit/test_unitwrite.c
 * and tests/integration/learn_dropin_roundtrip.sh):
 *  - a line ends at '\n', '\r' or NUL; a comment line ('#' first) never continues, whatever it ends in,
 *    and is not checked for UTF-8; any other line must be valid UTF-8 and continues when it ends in an
 *    odd number of backslashes;
 *  - path settings (ReadWritePaths=, ReadOnlyPaths=, InaccessiblePaths=, ...) split their value into
 *    words with quotes removed and a backslash keeping the byte after it as it is (no C escapes: "\x41"
 *    is "x41"), then resolve specifiers ("%%" is "%"), then refuse a path that is not absolute, not valid
 *    UTF-8, not normalized (".." ) or too long, and quietly simplify "//" and "/./".
 */

/* Why path cannot be written as one word of a path setting that systemd reads back as exactly path
 * (a static English phrase: "holds a control character", ...); NULL when it can. */
const char *hd_unit_path_unwritable(const char *path);

/* path as that word: in double quotes when it holds whitespace, a quote or a backslash (a backslash
 * before '"' and '\'), '%' doubled. 0; -EINVAL when hd_unit_path_unwritable says why not; -ENOMEM. */
int hd_unit_quote_path(const char *path, char **out);

/* One word of a value as systemd's extract_first_word() takes it: words separated by whitespace; a
 * backslash takes the next character literally; with unquote, '...' and "..." group characters (path
 * settings, SystemCallArchitectures=, RestrictAddressFamilies=), without it quotes are ordinary
 * characters (SystemCallFilter=). 1 and a malloc'd *word (*p moved past it), 0 at the end, -EINVAL on a
 * dangling backslash or an open quote, -ENOMEM. */
int hd_unit_next_word(const char **p, bool unquote, char **word);

/* Split a path setting's value into its words as systemd does (see above; specifiers not resolved).
 * 0; -EINVAL for a quote left open or a backslash at the end (systemd ignores the whole line then). */
int hd_unit_split_words(const char *value, hd_strv *out);

/* text as comment lines: "# " before each of its lines ('\n' separates them; a final one ends the last),
 * any other control byte or invalid UTF-8 shown as \xNN, so that the comment is exactly that many lines
 * and reads the same in any editor. 0 or -ENOMEM. */
int hd_unit_comment(const char *text, char **out);

/* s with every control byte (a newline too) and invalid UTF-8 shown as \xNN: one line, for a message or
 * a comment that names something a program chose. 0 or -ENOMEM. */
int hd_unit_printable(const char *s, char **out);

/* value may follow "Key=" as it is: systemd keeps it byte for byte as one line (valid UTF-8, no control
 * byte, no whitespace at either end, no backslash at the end). Values made of names from harden's own
 * tables pass; anything else must go through hd_unit_quote_path or be refused. */
bool hd_unit_value_is_verbatim(const char *value);
