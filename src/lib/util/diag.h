/* SPDX-License-Identifier: MIT */
#pragma once
#include <stddef.h>

/* Diagnostics: the library never prints; it collects warnings and errors here and the CLI decides
 * how to show them. file may be NULL (e.g. "-p" settings on the command line), line 0 = unknown. */
typedef enum { HD_WARNING, HD_ERROR } hd_severity;

typedef struct hd_diag {
	hd_severity severity;
	char *file;
	unsigned line;
	char *text;
} hd_diag;

typedef struct hd_diags {
	hd_diag *v;
	size_t n, cap;
} hd_diags;

void hd_diag_add(hd_diags *d, hd_severity sev, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
size_t hd_diags_count(const hd_diags *d, hd_severity sev);
void hd_diags_free(hd_diags *d);
