/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/* A growable vector of owned strings. Zero-initialise ({0}) to start. */
typedef struct hd_strv {
	char **v;
	size_t n, cap;
} hd_strv;

int hd_strv_push(hd_strv *sv, const char *s);          /* copies s; 0 or -ENOMEM */
int hd_strv_push_unique(hd_strv *sv, const char *s);   /* no-op if present (linear scan) */
int hd_strv_pushf(hd_strv *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool hd_strv_contains(const hd_strv *sv, const char *s);
void hd_strv_remove(hd_strv *sv, const char *s);       /* removes every copy, keeps order */
void hd_strv_sort(hd_strv *sv);                        /* strcmp order */
void hd_strv_sort_uniq(hd_strv *sv);
bool hd_strv_sorted_contains(const hd_strv *sv, const char *s); /* binary search; needs hd_strv_sort */
void hd_strv_free(hd_strv *sv);                        /* frees strings and array; leaves {0} */
