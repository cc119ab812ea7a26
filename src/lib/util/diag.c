/* SPDX-License-Identifier: MIT */
#include "util/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hd_diag_add(hd_diags *d, hd_severity sev, const char *file, unsigned line, const char *fmt, ...)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		hd_diag *v = realloc(d->v, cap * sizeof(*v));
		if (!v)
			return; /* out of memory: a lost warning is better than a crash */
		d->v = v;
		d->cap = cap;
	}
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text)
		return;
	d->v[d->n++] = (hd_diag){
		.severity = sev,
		.file = file ? strdup(file) : NULL,
		.line = line,
		.text = text,
	};
}

size_t hd_diags_count(const hd_diags *d, hd_severity sev)
{
	size_t c = 0;
	for (size_t i = 0; i < d->n; i++)
		c += d->v[i].severity == sev;
	return c;
}

void hd_diags_free(hd_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].text);
	}
	free(d->v);
	*d = (hd_diags){0};
}
