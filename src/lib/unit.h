/* SPDX-License-Identifier: MIT */
#pragma once
#include <stddef.h>
#include "diag.h"
#include "strv.h"

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
};

struct hd_unit {
	char *name; /* unit name as systemd sees it: "foo.service"; a template is instantiated: "foo@i.service" */
	char *path; /* the main unit file */
	struct hd_unit_assignment *v;
	size_t n, cap;
	hd_strv dropins; /* drop-in files applied, in order */
};

struct hd_unit_load_options {
	const char *root;     /* --root: look units and drop-ins up under this directory; NULL = / */
	const char *instance; /* template instance; NULL = the default of the selected systemd version */
	int sdver;            /* HD_SYSTEMD_252 or HD_SYSTEMD_LATEST */
	const char *const *search_path; /* NULL = systemd's system unit search path */
};

/* Read a unit file and its drop-ins. 0, or -errno with a diag naming the file (missing, unreadable,
 * not a unit). Syntax problems that systemd only warns about are warnings in diags. */
int hd_unit_load(const char *path, const struct hd_unit_load_options *opt, struct hd_unit *out, hd_diags *diags);
/* Parse one unit-file text, appending its assignments to u (for drop-ins, tests and fuzzing). */
int hd_unit_parse_text(struct hd_unit *u, const char *text, size_t len, const char *filename, hd_diags *diags);
/* Expand systemd specifiers (%n %N %p %i %I %u %U %h %t %% ...) in value for this unit. 0 or -errno. */
int hd_unit_expand_specifiers(const struct hd_unit *u, const char *value, char **out);
void hd_unit_free(struct hd_unit *u);
