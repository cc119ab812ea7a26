/* SPDX-License-Identifier: MIT */
#include "util/strv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int take(hd_strv *sv, char *copy)
{
	if (!copy)
		return -ENOMEM;
	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 16;
		char **v = realloc(sv->v, cap * sizeof(*v));
		if (!v) {
			free(copy);
			return -ENOMEM;
		}
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n++] = copy;
	return 0;
}

int hd_strv_push(hd_strv *sv, const char *s)
{
	return take(sv, strdup(s));
}

int hd_strv_push_unique(hd_strv *sv, const char *s)
{
	return hd_strv_contains(sv, s) ? 0 : hd_strv_push(sv, s);
}

int hd_strv_pushf(hd_strv *sv, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return take(sv, r < 0 ? NULL : s);
}

bool hd_strv_contains(const hd_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

void hd_strv_remove(hd_strv *sv, const char *s)
{
	size_t w = 0;
	for (size_t i = 0; i < sv->n; i++) {
		if (strcmp(sv->v[i], s) == 0)
			free(sv->v[i]);
		else
			sv->v[w++] = sv->v[i];
	}
	sv->n = w;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void hd_strv_sort(hd_strv *sv)
{
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(*sv->v), cmp_str);
}

void hd_strv_sort_uniq(hd_strv *sv)
{
	hd_strv_sort(sv);
	size_t w = 0;
	for (size_t i = 0; i < sv->n; i++) {
		if (w > 0 && strcmp(sv->v[w - 1], sv->v[i]) == 0)
			free(sv->v[i]);
		else
			sv->v[w++] = sv->v[i];
	}
	sv->n = w;
}

bool hd_strv_sorted_contains(const hd_strv *sv, const char *s)
{
	return sv->n && bsearch(&s, sv->v, sv->n, sizeof(*sv->v), cmp_str) != NULL;
}

void hd_strv_free(hd_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	*sv = (hd_strv){0};
}
