/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "util/diag.h"
#include "util/strv.h"

/*
 * Unit files: systemd's syntax, drop-ins and templates, read into an ordered list of assignments.
 * Consumers (settings, filter engine, run, explain) fold over the list in order, exactly as systemd
 * applies lines: main file first, then drop-ins in lexical order of their file names.
 */
struct hd_unit_assignment {
	char *section; /* "Service", "Unit", ... */
	char *key;
	char *value;   /* whitespace-trimmed, continuation lines joined; specifiers NOT expanded */
	char *file;    /* the file this line came from (main unit or a drop-in) */
	unsigned line; /* 1-based line where the assignment starts */
	unsigned line_last; /* last physical line of a continued assignment (== line if not continued);
	                     * systemd names this one in its own messages ("FILE:LINE: ...") */
};

struct hd_unit {
	char *name; /* unit name as systemd sees it: "foo.service"; a template is instantiated: "foo@i.service" */
	char *path; /* the main unit file */
	struct hd_unit_assignment *v;
	size_t n, cap;
	hd_strv dropins; /* drop-in files applied, in order */
	/* Added by the unit module (extensions; zero-initialised when unused): */
	char *instance;  /* the instance of a template unit ("i"), NULL for a plain unit */
	int sdver;       /* the systemd version the unit was loaded for (specifier table) */
};

struct hd_unit_load_options {
	const char *root;     /* --root: look units and drop-ins up under this directory; NULL = /.
	                       * As in systemd-analyze, the unit file path too is taken inside root (a
	                       * relative path is first made absolute against the current directory). */
	const char *instance; /* template instance; NULL = the default of the selected systemd version */
	int sdver;            /* HD_SYSTEMD_252 or HD_SYSTEMD_LATEST */
	const char *const *search_path; /* NULL = systemd's system unit search path (for sdver); else a
	                       * NULL-terminated list, each under root. The unit file's own directory is
	                       * always searched first, as systemd-analyze does. { NULL } = only that one. */
	/* Extensions (zero = default): */
	int parse_only; /* non-zero: skip the load-time checks systemd makes after parsing (a service
	                 * needs ExecStart=/ExecStop=/SuccessAction=, executable paths must be valid) */
};

/* Limits that systemd 252 enforces (conf-parser.c LONG_LINE_MAX): a physical line of this many bytes
 * or more, or a logical (continued) line longer than this, makes the whole unit fail to load. */
#define HD_UNIT_LINE_MAX (1024u * 1024u)
/* Our own bound on a whole unit or drop-in file (systemd has none; every line is bounded there). */
#define HD_UNIT_FILE_MAX (64u * 1024u * 1024u)

/* Read a unit file and its drop-ins. 0, or -errno with a diag naming the file (missing, unreadable,
 * not a unit). Syntax problems that systemd only warns about are warnings in diags.
 * Drop-ins: in every search directory NAME.d/, then (instances) TEMPLATE.d/, then the dash-prefix
 * directories (foo-bar-baz.service: foo-bar-.service.d/, foo-.service.d/), then the type-level
 * service.d/ in every directory; *.conf only; a file name in an earlier directory masks the same name
 * later; applied in strcmp order of file names. A template foo@.service is loaded as foo@INSTANCE.
 * A drop-in that is a dangling, looping or directory symlink is skipped with a warning naming it (systemd
 * 252 loads the unit without it); a unit file or drop-in that is not a regular file (a FIFO, a device) is
 * refused with -EINVAL, read without blocking.
 * Not modelled: a unit file that is a symlink to a differently named unit (systemd treats that as an
 * alias, with the alias's drop-ins); it is read like a plain file here.
 * Errors: -EINVAL (empty path, not a unit name, invalid UTF-8), -ENOENT, -EISDIR, -ERFKILL (masked:
 * empty file or /dev/null), -EBADMSG (bad section header), -ENOBUFS (over-long line), -EFBIG,
 * -ENOEXEC (service refused: no ExecStart= ..., bad executable path), other -errno from reading. */
int hd_unit_load(const char *path, const struct hd_unit_load_options *opt, struct hd_unit *out, hd_diags *diags);
/* Parse one unit-file text, appending its assignments to u (for drop-ins, tests and fuzzing).
 * The sections systemd accepts depend on the unit type taken from u->name (a service if u->name is
 * NULL). Stops at the first fatal problem (as systemd does) and returns -errno; what was parsed
 * before it stays in u. */
int hd_unit_parse_text(struct hd_unit *u, const char *text, size_t len, const char *filename, hd_diags *diags);
/* Expand systemd specifiers (%n %N %p %i %I %u %U %h %t %% ...) in value for this unit. 0 or -errno:
 * -EBADSLT for an unknown letter or digit after % (systemd: "Invalid slot"); % before any other
 * character is kept literally, as systemd does. Host facts (%H %m %b %v %o ...) are this machine's. */
int hd_unit_expand_specifiers(const struct hd_unit *u, const char *value, char **out);
/* The same; on failure other than -ENOMEM, why holds a message for the user naming the specifier and
 * value ("specifier %Z cannot be resolved in '%Z': no such specifier"), never a strerror text. */
int hd_unit_expand_specifiers_why(const struct hd_unit *u, const char *value, char **out, char *why, size_t why_len);
/* A message for an error hd_unit_load or hd_unit_expand_specifiers returned: the library's own codes
 * (-ERFKILL masked, -EBADSLT, -ENOEXEC refused, ...) get their meaning, others strerror's text.
 * For the last line after the diags; never print strerror of these codes. */
const char *hd_unit_strerror(int r);
/* What a specifier letter stands for ("full unit name"); NULL if systemd 252 has no such specifier. */
const char *hd_unit_specifier_describe(char letter);
/* The load-time checks systemd makes once all files are parsed (see parse_only). 0 or -ENOEXEC. */
int hd_unit_verify(const struct hd_unit *u, hd_diags *diags);
/* "foo.service" -> true; template "foo@.service" and instance "foo@bar.service" too. */
bool hd_unit_name_is_valid(const char *name);
/* Last value of key in section (after folding empty resets is the consumer's job): NULL if unset. */
const struct hd_unit_assignment *hd_unit_find_last(const struct hd_unit *u, const char *section, const char *key);
void hd_unit_free(struct hd_unit *u);
/* systemd's boolean (parse_boolean(), case-insensitive): 1, 0, or -EINVAL. */
int hd_parse_boolean(const char *s);
